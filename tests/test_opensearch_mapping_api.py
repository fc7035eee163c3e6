"""``firehose.opensearch_index`` and ``firehose.opensearch_mapping`` used wrongly: each misuse
is a ``UsageError`` (or, for an index there is not, a ``KeyError``) that names the fix,
and what the fake does not model is refused rather than taken and ignored."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import put_batch
from test_opensearch_documents import OPENSEARCH
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError


@pytest.mark.parametrize(
    ("mappings", "settings", "refusal"),
    [
        (
            {"properties": {"where": {"type": "percolator"}}},
            None,
            "field [where]: the type 'percolator' is not modelled; pytest-firehose models long, "
            "integer, short, byte, double, float, half_float, scaled_float, unsigned_long, "
            "keyword, wildcard, text, match_only_text, boolean, date, date_nanos, ip, geo_point, "
            "geo_shape, xy_point, xy_shape, knn_vector, integer_range, long_range, float_range, "
            "double_range, ip_range, date_range, completion, search_as_you_type, rank_feature, "
            "rank_features, join, binary, object, nested, alias, constant_keyword, token_count",
        ),
        (
            {"dynamic": "runtime"},
            None,
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Could not convert "
            '[dynamic.dynamic] to boolean (the mapping: dynamic is true, false, "strict", '
            '"strict_allow_templates" or "false_allow_templates", not \'runtime\')',
        ),
        (
            {"_routing": {"required": True}},
            None,
            "the mapping parameter '_routing' is not modelled",
        ),
        (
            {"properties": {"body": {"type": "text", "fielddata_frequency_filter": {"min": 0.1}}}},
            None,
            "field [body]: the parameter 'fielddata_frequency_filter' of a text field is not "
            "modelled",
        ),
        (
            {"properties": {"at": {"type": "date", "format": "week_date"}}},
            None,
            "field [at]: the date format 'week_date' is not modelled",
        ),
        (
            {"properties": {"a.b": {"type": "long"}}},
            None,
            "the mapping: 'a.b' is no field name for properties",
        ),
        (
            {"properties": {"_id": {"type": "keyword"}}},
            None,
            "the mapping: '_id' is a metadata field, which properties do not map",
        ),
        (
            {"mappings": {"properties": {}}},
            None,
            "give the mappings object itself",
        ),
        (
            None,
            {"index.codec": "best_compression"},
            "the index setting 'index.codec' is not modelled",
        ),
        (
            {"properties": {"a": {"type": "long"}, "b": {"type": "long"}}},
            {"index.mapping.total_fields.limit": 1},
            "OpenSearch refuses this mapping: Limit of total fields [1] has been exceeded",
        ),
        ("strict", None, "mappings is OpenSearch's mappings object"),
    ],
)
def test_a_mapping_the_fake_does_not_model_is_refused_naming_what_it_does(
    fake: FirehoseFake, mappings: Any, settings: Any, refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs", mappings, settings=settings)

    assert str(refused.value).startswith("opensearch_index('arn:aws:es:"), refused.value
    assert refusal in str(refused.value)


_NO_HANDLER = "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: "


@pytest.mark.parametrize(
    ("properties", "refusal"),
    [
        # Elasticsearch's types, which OpenSearch 2.19 has no parser for (a REAL answer of
        # OpenSearch 2.11: "No handler for type [flattened] declared on field
        # [local_metadata]"), named by the field's own name, not its path.
        (
            {"meta": {"type": "flattened"}},
            "No handler for type [flattened] declared on field [meta]",
        ),
        (
            {"o": {"properties": {"v": {"type": "dense_vector"}}}},
            "No handler for type [dense_vector] declared on field [v]",
        ),
        # The type's toString: a number, a list.
        ({"n": {"type": 5}}, "No handler for type [5] declared on field [n]"),
        ({"n": {"type": ["long"]}}, "No handler for type [[long]] declared on field [n]"),
        # A sub-field: TypeParsers.parseMultiField's words, in lower case.
        (
            {"t": {"type": "text", "fields": {"raw": {"type": "string"}}}},
            "no handler for type [string] declared on field [raw]",
        ),
    ],
)
def test_a_type_opensearch_has_no_parser_for_is_refused_in_its_words(
    fake: FirehoseFake, properties: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": properties})

    assert str(refused.value).endswith(_NO_HANDLER + refusal), refused.value


@pytest.mark.parametrize("kind", ["murmur3", "icu_collation_keyword", "derived", "semantic"])
def test_a_type_a_domain_may_have_is_refused_as_not_modelled(fake: FirehoseFake, kind: str) -> None:
    # A plugin's or a later release's type: OpenSearch may take it, so the fake does not
    # say OpenSearch refuses it.
    with pytest.raises(UsageError, match=f"the type '{kind}' is not modelled"):
        fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"f": {"type": kind}}})


@pytest.mark.parametrize(
    ("domain", "index", "refusal"),
    [
        ("search", "logs", "the domain is named as the delivery stream names it"),
        ("arn:aws:es:us-east-1:123456789012:logs", "logs", "is no domain ARN"),
        (None, "logs", "the domain is named as the delivery stream names it"),
        (DOMAIN, "", "the index is named by a non-empty string"),
    ],
)
def test_a_domain_or_index_that_names_none_is_refused(
    fake: FirehoseFake, domain: Any, index: Any, refusal: str
) -> None:
    with pytest.raises(UsageError, match=refusal):
        fake.firehose.opensearch_index(domain, index, {})


def test_an_index_documents_reached_keeps_its_mapping(fake: FirehoseFake) -> None:
    fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "IndexRotationPeriod": "NoRotation",
        },
    )
    put_batch(b'{"v": 1}')
    fake.firehose.flush()

    with pytest.raises(UsageError, match="documents already reached the index 'logs'"):
        fake.firehose.opensearch_index(DOMAIN, "logs", {"dynamic": "strict"})
    assert fake.firehose.opensearch_mapping(DOMAIN, "logs") == {
        "properties": {"v": {"type": "long"}}
    }


def test_an_index_no_document_reached_takes_a_new_mapping(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"v": {"type": "long"}}})

    shown = fake.firehose.opensearch_index(DOMAIN, "logs", {"dynamic": "strict"})

    assert shown == fake.firehose.opensearch_mapping(DOMAIN, "logs") == {"dynamic": "strict"}


def test_reading_an_index_there_is_not_names_those_there_are(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "orders", {})
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {})

    with pytest.raises(KeyError) as missing:
        fake.firehose.opensearch_mapping(DOMAIN, "logs")

    assert missing.value.args[0] == (
        f"no index logs in {DOMAIN} (indexes and patterns: orders, logs-*); an index is made "
        "when its first document is delivered, or with "
        "firehose.opensearch_index(domain, index, mappings)"
    )


def test_reading_a_pattern_asks_for_an_index(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError, match="'logs-\\*' is a pattern; name one index"):
        fake.firehose.opensearch_mapping(DOMAIN, "logs-*")


def test_a_mapping_lives_with_its_domain_whatever_the_region(fake: FirehoseFake) -> None:
    """A domain's ARN or endpoint names it alone: a mapping given without a region reaches
    a stream of another region naming that domain (it used to be kept in the fake's
    default region, where such a stream did not look)."""
    west = DOMAIN.replace("us-east-1", "eu-west-1")
    fake.firehose.opensearch_index(west, "logs", {"dynamic": "strict"})
    stream = fake.firehose.create_delivery_stream(
        "events",
        region="eu-west-1",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "DomainARN": west,
            "IndexName": "logs",
            "IndexRotationPeriod": "NoRotation",
        },
    )
    boto3.client("firehose", region_name="eu-west-1").put_record(
        DeliveryStreamName="events", Record={"Data": b'{"a": 1}'}
    )
    stream.flush()

    assert stream.backed_up == [b'{"a": 1}']
    assert fake.firehose.opensearch_mapping(west, "logs") == {"dynamic": "strict"}
