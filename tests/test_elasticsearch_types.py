"""The field types an Elasticsearch destination's domain (Elasticsearch OSS 7.10 with the
Open Distro plugins) lacks: OpenSearch's own since the fork and its geospatial plugin's. An
index whose mapping holds one cannot be created there, so each document bound for it
fails with Elasticsearch's refusal; a dynamic template giving one fails the document whose
new field takes it. An OpenSearch destination's index takes every one of them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import failed_lines, put_batch
from test_opensearch_documents import OPENSEARCH
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake

FAILED = "AmazonOpenSearchService-failed/"
ELASTICSEARCH = "ElasticsearchDestinationConfiguration"
OPENSEARCH_SERVICE = "AmazonopensearchserviceDestinationConfiguration"

#: Each type Elasticsearch 7.10 lacks, with a definition and a value its field takes.
LACKING = [
    pytest.param({"type": "flat_object"}, {"a": "b"}, id="flat_object"),
    pytest.param({"type": "unsigned_long"}, 5, id="unsigned_long"),
    pytest.param({"type": "match_only_text"}, "some words", id="match_only_text"),
    pytest.param({"type": "constant_keyword", "value": "v"}, "v", id="constant_keyword"),
    pytest.param({"type": "wildcard"}, "abc", id="wildcard"),
    pytest.param({"type": "xy_point"}, {"x": 1, "y": 2}, id="xy_point"),
    pytest.param({"type": "xy_shape"}, {"type": "point", "coordinates": [1, 2]}, id="xy_shape"),
]


def stream_to(fake: FirehoseFake, kind: str) -> Any:
    return fake.firehose.create_delivery_stream("events", **{kind: OPENSEARCH})


def errors(s3: Any) -> list[tuple[str, dict[str, Any]]]:
    return [
        (line["errorCode"], json.loads(line["errorMessage"])) for line in failed_lines(s3, FAILED)
    ]


def not_created(reason: str) -> dict[str, Any]:
    """The bulk item error of a document whose index Elasticsearch 7.10 cannot create."""
    return {
        "type": "mapper_parsing_exception",
        "reason": f"Failed to parse mapping [_doc]: {reason}",
        "caused_by": {"type": "mapper_parsing_exception", "reason": reason},
    }


@pytest.mark.parametrize(("definition", "value"), LACKING)
def test_an_elasticsearch_domain_cannot_make_an_index_of_a_type_it_lacks(
    fake: FirehoseFake, landing_s3: Any, definition: dict[str, Any], value: Any
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"attrs": definition}})
    stream = stream_to(fake, ELASTICSEARCH)
    put_batch(json.dumps({"attrs": value}).encode(), b'{"n": 1}')
    fake.firehose.flush()

    reason = f"No handler for type [{definition['type']}] declared on field [attrs]"
    assert stream.delivered == []
    assert errors(landing_s3) == [("400", not_created(reason))] * 2
    assert stream.index_mappings == {}


@pytest.mark.parametrize(("definition", "value"), LACKING)
def test_an_opensearch_domain_takes_the_same_mapping(
    fake: FirehoseFake, definition: dict[str, Any], value: Any
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"attrs": definition}})
    stream = stream_to(fake, OPENSEARCH_SERVICE)
    record = json.dumps({"attrs": value}).encode()
    put_batch(record)
    fake.firehose.flush()

    assert stream.delivered == [record]
    [mapping] = stream.index_mappings.values()
    assert mapping["properties"]["attrs"]["type"] == definition["type"]


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        pytest.param(
            {"name": {"type": "keyword", "fields": {"w": {"type": "wildcard"}}}},
            "no handler for type [wildcard] declared on field [w]",
            id="sub-field",
        ),
        pytest.param(
            {"user": {"properties": {"tags": {"type": "flat_object"}}}},
            "No handler for type [flat_object] declared on field [tags]",
            id="inner-object",
        ),
        pytest.param(
            {
                "n": {"type": "long"},
                "spot": {"type": "xy_point"},
                "size": {"type": "unsigned_long"},
            },
            "No handler for type [xy_point] declared on field [spot]",
            id="first-in-order",
        ),
    ],
)
def test_a_lacking_type_anywhere_in_the_mapping_is_named_as_elasticsearch_parses_it(
    fake: FirehoseFake, landing_s3: Any, properties: dict[str, Any], reason: str
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": properties})
    stream = stream_to(fake, ELASTICSEARCH)
    put_batch(b'{"n": 1}')
    fake.firehose.flush()

    assert stream.delivered == []
    assert errors(landing_s3) == [("400", not_created(reason))]


@pytest.mark.parametrize("given", ["name", "legacy"])
def test_a_mapping_given_for_the_name_or_by_a_legacy_template_is_refused_too(
    fake: FirehoseFake, landing_s3: Any, given: str
) -> None:
    mapping = {"properties": {"count": {"type": "unsigned_long"}}}
    if given == "name":
        fake.firehose.opensearch_index(
            DOMAIN, f"logs-{fake.firehose.clock.now():%Y-%m-%d}", mapping
        )
    else:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", mapping, order=0)
    stream = stream_to(fake, ELASTICSEARCH)
    put_batch(b'{"count": 1}')
    fake.firehose.flush()

    reason = "No handler for type [unsigned_long] declared on field [count]"
    assert stream.delivered == []
    assert errors(landing_s3) == [("400", not_created(reason))]


TEMPLATES = {
    "dynamic_templates": [
        {"flat": {"match": "attrs", "mapping": {"type": "flat_object"}}},
        {
            "words": {
                "match": "note",
                "mapping": {"type": "keyword", "fields": {"w": {"type": "wildcard"}}},
            }
        },
    ]
}


def test_a_dynamic_template_of_a_lacking_type_fails_the_document_that_uses_it(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", TEMPLATES)
    stream = stream_to(fake, ELASTICSEARCH)
    put_batch(b'{"attrs": {"a": "b"}}', b'{"note": "x"}', b'{"n": 1}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"n": 1}']
    assert [message for _, message in errors(landing_s3)] == [
        {
            "type": "mapper_parsing_exception",
            "reason": "failed to find type parsed [flat_object] for [attrs]",
        },
        {
            "type": "mapper_parsing_exception",
            "reason": "no handler for type [wildcard] declared on field [w]",
        },
    ]
    [mapping] = stream.index_mappings.values()
    assert mapping["properties"] == {"n": {"type": "long"}}


def test_an_opensearch_domain_maps_the_same_templates(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", TEMPLATES)
    stream = stream_to(fake, OPENSEARCH_SERVICE)
    put_batch(b'{"attrs": {"a": "b"}}', b'{"note": "x"}')
    fake.firehose.flush()

    assert len(stream.delivered) == 2
    [mapping] = stream.index_mappings.values()
    assert mapping["properties"]["attrs"] == {"type": "flat_object"}
    assert mapping["properties"]["note"]["fields"] == {"w": {"type": "wildcard"}}


def test_the_types_elasticsearch_7_10_has_are_taken(fake: FirehoseFake) -> None:
    properties = {
        "title": {"type": "search_as_you_type"},
        "words": {
            "type": "text",
            "fields": {"count": {"type": "token_count", "analyzer": "standard"}},
        },
        "price": {"type": "scaled_float", "scaling_factor": 100},
        "rank": {"type": "rank_feature"},
        "area": {"type": "geo_shape"},
        "vector": {"type": "knn_vector", "dimension": 2},
        "ref": {"type": "alias", "path": "price"},
        "at": {"type": "date_nanos"},
    }
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": properties}, settings={"index.knn": True}
    )
    stream = stream_to(fake, ELASTICSEARCH)
    record = (
        b'{"title": "tea", "words": "green tea", "price": 1.5, "rank": 2, "vector": [1, 2],'
        b' "area": {"type": "point", "coordinates": [1, 2]}, "at": "2026-12-06T10:00:00Z"}'
    )
    put_batch(record)
    fake.firehose.flush()

    assert stream.delivered == [record]
