"""The mapping parameters whose values (or names) an Elasticsearch destination's domain
(Elasticsearch OSS 7.10 with Open Distro's k-NN 1.13) lacks though OpenSearch takes them:
``dynamic``'s ``strict_allow_templates`` and ``false_allow_templates``, and a
``knn_vector``'s parameters past ``store``, ``doc_values``, ``dimension`` (at most 10000)
and ``meta``. An index whose mapping holds one cannot be created there, so each document
bound for it fails with Elasticsearch's refusal; a dynamic template giving one fails the
document whose new field takes it. Each test gives the same mapping to an OpenSearch
destination's domain too, whose index takes it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import failed_lines, put_batch
from test_opensearch_documents import OPENSEARCH
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake

FAILED = "AmazonOpenSearchService-failed/"
#: The OpenSearch destination's domain (the Elasticsearch destination's is ``DOMAIN``).
OTHER = "arn:aws:es:us-east-1:123456789012:domain/search"
KNN = {"index.knn": True}


class Streams:
    """A stream ``es`` to an Elasticsearch destination and a stream ``os`` to an OpenSearch
    destination, whose domains' ``logs-*`` indexes were given one mapping."""

    def __init__(
        self, fake: FirehoseFake, mapping: dict[str, Any], settings: dict[str, Any] | None
    ) -> None:
        for domain in (DOMAIN, OTHER):
            fake.firehose.opensearch_index(domain, "logs-*", mapping, settings=settings)
        self.fake = fake
        self.es = fake.firehose.create_delivery_stream(
            "es", ElasticsearchDestinationConfiguration=OPENSEARCH
        )
        self.os = fake.firehose.create_delivery_stream(
            "os", AmazonopensearchserviceDestinationConfiguration={**OPENSEARCH, "DomainARN": OTHER}
        )

    def send(self, *records: bytes) -> None:
        put_batch(*records, stream="es")
        put_batch(*records, stream="os")
        self.fake.firehose.flush()


def streams(
    fake: FirehoseFake, mapping: dict[str, Any], settings: dict[str, Any] | None = None
) -> Streams:
    return Streams(fake, mapping, settings)


def errors(s3: Any) -> list[tuple[str, dict[str, Any]]]:
    """The failed documents' codes and errors (the OpenSearch destination fails none)."""
    return [
        (line["errorCode"], json.loads(line["errorMessage"])) for line in failed_lines(s3, FAILED)
    ]


def not_created(cause: dict[str, Any]) -> dict[str, Any]:
    """The bulk item error of a document whose index Elasticsearch 7.10 cannot create,
    its mapping's refusal ``cause``."""
    return {
        "type": "mapper_parsing_exception",
        "reason": f"Failed to parse mapping [_doc]: {cause['reason']}",
        "caused_by": cause,
    }


def no_boolean(value: str) -> dict[str, Any]:
    """Elasticsearch 7.10's refusal of a ``dynamic`` that is neither ``strict`` nor a
    boolean."""
    return {
        "type": "illegal_argument_exception",
        "reason": "Could not convert [dynamic.dynamic] to boolean",
        "caused_by": {
            "type": "illegal_argument_exception",
            "reason": f"Failed to parse value [{value}] as only [true] or [false] are allowed.",
        },
    }


def unknown(parameter: str, field: str = "vec") -> dict[str, Any]:
    return {
        "type": "mapper_parsing_exception",
        "reason": f"unknown parameter [{parameter}] on mapper [{field}] of type [knn_vector]",
    }


@pytest.mark.parametrize(
    ("mapping", "value"),
    [
        pytest.param(
            {"dynamic": "strict_allow_templates", "properties": {"n": {"type": "long"}}},
            "strict_allow_templates",
            id="root",
        ),
        pytest.param(
            {"properties": {"n": {"type": "long"}}, "dynamic": "false_allow_templates"},
            "false_allow_templates",
            id="root-after-properties",
        ),
        pytest.param(
            {
                "properties": {
                    "user": {"dynamic": "False_Allow_Templates", "properties": {}},
                    "n": {"type": "long"},
                }
            },
            "False_Allow_Templates",
            id="object-any-case",
        ),
        pytest.param(
            {"properties": {"items": {"type": "nested", "dynamic": "strict_allow_templates"}}},
            "strict_allow_templates",
            id="nested",
        ),
    ],
)
def test_a_dynamic_mode_elasticsearch_lacks_fails_the_index(
    fake: FirehoseFake, landing_s3: Any, mapping: dict[str, Any], value: str
) -> None:
    both = streams(fake, mapping)
    both.send(b'{"n": 1}', b'{"n": 2}')

    assert both.es.delivered == []
    assert errors(landing_s3) == [("400", not_created(no_boolean(value)))] * 2
    assert both.es.index_mappings == {}
    assert both.os.delivered == [b'{"n": 1}', b'{"n": 2}']
    [shown] = both.os.index_mappings.values()
    assert value.lower() in json.dumps(shown)


def test_the_dynamic_modes_elasticsearch_has_are_taken(fake: FirehoseFake) -> None:
    mapping = {
        "dynamic": "STRICT",
        "properties": {
            "n": {"type": "long"},
            "user": {"dynamic": False, "properties": {}},
            "tags": {"dynamic": "true", "properties": {}},
        },
    }
    both = streams(fake, mapping)
    both.send(b'{"n": 1, "user": {"x": 1}, "tags": {"a": "b"}}')

    assert len(both.es.delivered) == 1
    [shown] = both.es.index_mappings.values()
    assert shown["dynamic"] == "strict"
    assert shown["properties"]["tags"]["properties"]["a"]["type"] == "text"


def test_properties_given_before_dynamic_are_read_first(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    # Elasticsearch reads an object's parameters in the order given.
    mapping = {
        "properties": {
            "n": {"type": "long"},
            "vec": {"type": "knn_vector", "dimension": 2, "data_type": "byte"},
        },
        "dynamic": "strict_allow_templates",
    }
    both = streams(fake, mapping, KNN)
    both.send(b'{"n": 1}')

    assert errors(landing_s3) == [("400", not_created(unknown("data_type")))]
    assert len(both.os.delivered) == 1


def test_a_dynamic_template_of_a_mode_elasticsearch_lacks_fails_the_document(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    mapping = {
        "dynamic_templates": [
            {
                "objects": {
                    "match_mapping_type": "object",
                    "mapping": {"type": "object", "dynamic": "false_allow_templates"},
                }
            }
        ]
    }
    both = streams(fake, mapping)
    both.send(b'{"user": {"id": 1}}', b'{"n": 1}')

    assert both.es.delivered == [b'{"n": 1}']
    assert errors(landing_s3) == [
        (
            "400",
            {
                "type": "mapper_parsing_exception",
                "reason": "failed to parse",
                "caused_by": no_boolean("false_allow_templates"),
            },
        )
    ]
    [shown] = both.es.index_mappings.values()
    assert shown["properties"] == {"n": {"type": "long"}}
    assert len(both.os.delivered) == 2
    [shown] = both.os.index_mappings.values()
    assert shown["properties"]["user"] == {"type": "object", "dynamic": "false_allow_templates"}


#: Each ``knn_vector`` definition (on a k-NN index) OpenSearch 2.19 takes and Open Distro's
#: k-NN 1.13 refuses, with the refusal.
KNN_REFUSED = [
    pytest.param(
        {"dimension": 2, "method": {"name": "hnsw", "engine": "nmslib"}},
        unknown("method"),
        id="method-nmslib",
    ),
    pytest.param(
        {"dimension": 2, "method": {"name": "hnsw", "engine": "faiss"}},
        unknown("method"),
        id="method-faiss",
    ),
    pytest.param(
        {"dimension": 2, "method": {"name": "hnsw", "engine": "lucene"}},
        unknown("method"),
        id="method-lucene",
    ),
    pytest.param({"dimension": 2, "data_type": "byte"}, unknown("data_type"), id="data_type"),
    pytest.param({"dimension": 2, "mode": "on_disk"}, unknown("mode"), id="mode"),
    pytest.param(
        {"dimension": 2, "compression_level": "2x"},
        unknown("compression_level"),
        id="compression_level",
    ),
    pytest.param({"model_id": "my-model"}, unknown("model_id"), id="model_id"),
    pytest.param({"dimension": 2, "space_type": "l2"}, unknown("space_type"), id="space_type"),
    pytest.param(
        {"dimension": 12000, "space_type": "l2"},
        {
            "type": "illegal_argument_exception",
            "reason": "Dimension value cannot be greater than 10000 for vector: vec",
        },
        id="dimension-first",
    ),
    pytest.param(
        {"space_type": "l2", "dimension": 12000}, unknown("space_type"), id="in-order-given"
    ),
]


@pytest.mark.parametrize(("definition", "cause"), KNN_REFUSED)
def test_a_knn_vector_open_distro_refuses_fails_the_index(
    fake: FirehoseFake, landing_s3: Any, definition: dict[str, Any], cause: dict[str, Any]
) -> None:
    mapping = {"properties": {"vec": {"type": "knn_vector", **definition}}}
    both = streams(fake, mapping, KNN)
    both.send(b'{"n": 1}')

    assert both.es.delivered == []
    assert errors(landing_s3) == [("400", not_created(cause))]
    assert both.es.index_mappings == {}
    assert both.os.delivered == [b'{"n": 1}']
    [shown] = both.os.index_mappings.values()
    assert shown["properties"]["vec"]["type"] == "knn_vector"


def test_a_flat_knn_vector_past_open_distros_dimensions_fails_the_index(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    both = streams(
        fake,
        {
            "properties": {
                "profile": {"properties": {"vec": {"type": "knn_vector", "dimension": 10001}}}
            }
        },
    )
    both.send(b'{"n": 1}')

    reason = "Dimension value cannot be greater than 10000 for vector: vec"
    assert both.es.delivered == []
    assert errors(landing_s3) == [
        ("400", not_created({"type": "illegal_argument_exception", "reason": reason}))
    ]
    assert both.os.delivered == [b'{"n": 1}']


def test_a_knn_vector_of_what_open_distro_declares_is_taken(fake: FirehoseFake) -> None:
    definition = {
        "type": "knn_vector",
        "dimension": 10000,
        "store": True,
        "doc_values": True,
        "meta": {"unit": "cm"},
        "index": True,
        "boost": 1.0,
    }
    both = streams(fake, {"properties": {"vec": definition}}, KNN)
    both.send(b'{"n": 1}')

    assert both.es.delivered == [b'{"n": 1}']
    [shown] = both.es.index_mappings.values()
    assert shown["properties"]["vec"] == {
        "type": "knn_vector",
        "store": True,
        "dimension": 10000,
        "meta": {"unit": "cm"},
    }


def test_a_dynamic_template_of_a_knn_method_fails_the_document(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    mapping = {
        "dynamic_templates": [
            {
                "vectors": {
                    "match": "emb_*",
                    "mapping": {
                        "type": "knn_vector",
                        "dimension": 2,
                        "method": {"name": "hnsw", "engine": "lucene"},
                    },
                }
            }
        ]
    }
    both = streams(fake, mapping, KNN)
    both.send(b'{"emb_a": [1, 2]}', b'{"n": 1}')

    assert both.es.delivered == [b'{"n": 1}']
    assert errors(landing_s3) == [("400", unknown("method", "emb_a"))]
    assert len(both.os.delivered) == 2
    [shown] = both.os.index_mappings.values()
    assert shown["properties"]["emb_a"]["method"]["engine"] == "lucene"


@pytest.mark.parametrize(
    ("analysis", "reason"),
    [
        pytest.param(
            {"filter": {"joined": {"type": "concatenate_graph"}}},
            "Unknown filter type [concatenate_graph] for [joined]",
            id="filter-type",
        ),
        pytest.param(
            {
                "analyzer": {
                    "farsi": {"tokenizer": "standard", "filter": ["lowercase", "persian_stem"]}
                }
            },
            "Custom Analyzer [farsi] failed to find filter under name [persian_stem]",
            id="analyzer-filter",
        ),
        pytest.param(
            {"normalizer": {"folded": {"type": "custom", "filter": ["persian_stem"]}}},
            "Custom Analyzer [folded] failed to find filter under name [persian_stem]",
            id="normalizer-filter",
        ),
        pytest.param(
            {
                "filter": {
                    "both": {"type": "multiplexer", "filters": ["lowercase", "delimited_term_freq"]}
                },
                "analyzer": {"tagged": {"tokenizer": "whitespace", "filter": ["both"]}},
            },
            "Multiplexing filter [both] refers to undefined tokenfilter [delimited_term_freq]",
            id="multiplexer",
        ),
    ],
)
def test_a_token_filter_elasticsearch_lacks_fails_the_index(
    fake: FirehoseFake, landing_s3: Any, analysis: dict[str, Any], reason: str
) -> None:
    both = streams(fake, {"properties": {"n": {"type": "long"}}}, {"analysis": analysis})
    both.send(b'{"n": 1}')

    # Refused as the index's analysis is built, before its mapping is parsed.
    assert both.es.delivered == []
    assert errors(landing_s3) == [("400", {"type": "illegal_argument_exception", "reason": reason})]
    assert both.es.index_mappings == {}
    assert both.os.delivered == [b'{"n": 1}']


def test_the_analysis_is_refused_before_the_mapping(fake: FirehoseFake, landing_s3: Any) -> None:
    mapping = {"dynamic": "strict_allow_templates", "properties": {"n": {"type": "long"}}}
    settings = {"analysis": {"filter": {"stems": {"type": "persian_stem"}}}}
    both = streams(fake, mapping, settings)
    both.send(b'{"n": 1}')

    reason = "Unknown filter type [persian_stem] for [stems]"
    assert errors(landing_s3) == [("400", {"type": "illegal_argument_exception", "reason": reason})]
    assert both.os.delivered == [b'{"n": 1}']
