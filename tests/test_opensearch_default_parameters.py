"""A core field's parameters given equal to their defaults are not shown: OpenSearch's
``ParametrizedFieldMapper.Parameter.toXContent`` writes a parameter only where it is
configured (set, and not equal to its default), so ``GET index/_mapping`` shows
``{"type": "keyword"}`` for ``{"type": "keyword", "index": true}``."""

from __future__ import annotations

from typing import Any

import pytest
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

REFUSES = "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: "


def shown(fake: FirehoseFake, field: dict[str, Any]) -> Any:
    mapping = fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"v": field}})
    return mapping["properties"]["v"]


@pytest.mark.parametrize(
    "field",
    [
        {
            "type": "keyword",
            "index": True,
            "doc_values": True,
            "store": False,
            "null_value": None,
            "eager_global_ordinals": False,
            "ignore_above": 2147483647,
            "index_options": "docs",
            "norms": False,
            "normalizer": "default",
            "split_queries_on_whitespace": False,
            "boost": 1.0,
            "meta": {},
        },
        {
            "type": "text",
            "index": True,
            "store": False,
            "index_options": "positions",
            "norms": True,
            "term_vector": "no",
            "position_increment_gap": -1,
            "fielddata": False,
            "eager_global_ordinals": False,
            "index_phrases": False,
            "index_prefixes": None,
            "boost": 1,
            "meta": {},
        },
        {"type": "match_only_text", "index_options": "docs", "index": True, "store": False},
        {"type": "long", "index": True, "doc_values": True, "store": False, "meta": {}},
        {"type": "scaled_float", "scaling_factor": 10, "index": "true", "null_value": None},
        {"type": "boolean", "index": True, "doc_values": True, "store": False, "boost": 1},
        {"type": "date", "index": True, "ignore_malformed": False, "boost": "1.0"},
        {"type": "ip", "ignore_malformed": False, "doc_values": "true", "store": "false"},
        {"type": "binary", "store": False, "doc_values": False, "meta": {}},
        {"type": "wildcard", "ignore_above": 2147483647, "null_value": None, "meta": {}},
        {
            "type": "token_count",
            "analyzer": "standard",
            "enable_position_increments": True,
            "index": True,
        },
    ],
    ids=lambda field: field["type"],
)
def test_parameters_given_equal_to_their_defaults_are_not_shown(
    fake: FirehoseFake, field: dict[str, Any]
) -> None:
    kept = {"scaling_factor": 10.0} if field["type"] == "scaled_float" else {}
    if field["type"] == "token_count":
        kept = {"analyzer": "standard"}

    assert shown(fake, field) == {"type": field["type"], **kept}


def test_parameters_given_other_than_their_defaults_are_shown_as_opensearch_reads_them(
    fake: FirehoseFake,
) -> None:
    field = {
        "type": "keyword",
        "index": "false",
        "doc_values": False,
        "ignore_above": 256,
        "meta": {"unit": "id"},
        "null_value": "none",
    }

    assert shown(fake, field) == {
        "type": "keyword",
        "index": False,
        "doc_values": False,
        "ignore_above": 256,
        "meta": {"unit": "id"},
        "null_value": "none",
    }


def test_a_number_s_coerce_and_ignore_malformed_are_shown_whenever_given(
    fake: FirehoseFake,
) -> None:
    """``explicitBoolParam``: an ``Explicit`` given is never equal to the default one."""
    field = {"type": "long", "coerce": True, "ignore_malformed": False}

    assert shown(fake, field) == field


def test_a_date_s_ignore_malformed_is_shown_only_when_true(fake: FirehoseFake) -> None:
    assert shown(fake, {"type": "date", "ignore_malformed": True}) == {
        "type": "date",
        "ignore_malformed": True,
    }
    assert shown(fake, {"type": "date", "ignore_malformed": False}) == {"type": "date"}


def test_a_boolean_parameter_opensearch_cannot_read_is_refused(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError) as refused:
        shown(fake, {"type": "keyword", "doc_values": "yes"})

    assert f"{REFUSES}Failed to parse value [yes] as only [true] or [false] are allowed." in str(
        refused.value
    )


def test_the_index_s_mapping_and_a_pattern_s_show_the_same(fake: FirehoseFake) -> None:
    field = {"type": "keyword", "index": True, "ignore_above": 100}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": field}})
    fake.firehose.opensearch_index(DOMAIN, "logs-1", {"properties": {"w": field}})

    held = fake.firehose.opensearch_mapping(DOMAIN, "logs-1")

    assert held["properties"] == {
        "v": {"type": "keyword", "ignore_above": 100},
        "w": {"type": "keyword", "ignore_above": 100},
    }


def test_a_geo_point_shows_its_common_parameters_only_where_they_differ(
    fake: FirehoseFake,
) -> None:
    """``geo_point``'s mapper is no ``ParametrizedFieldMapper``: ``FieldMapper``'s
    ``doXContentBody`` writes ``index``, ``store``, ``doc_values``, ``boost`` and ``meta``
    where they differ from the defaults, ``ignore_z_value`` where given."""
    field = {"type": "geo_point", "index": True, "store": "true", "ignore_z_value": True}

    assert shown(fake, field) == {"type": "geo_point", "store": True, "ignore_z_value": True}


def test_a_geo_point_s_boolean_opensearch_cannot_read_is_refused(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError) as refused:
        shown(fake, {"type": "geo_point", "store": "yes"})

    assert f"{REFUSES}Could not convert [v.store] to boolean" in str(refused.value)
