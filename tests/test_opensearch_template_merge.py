"""An index given a mapping by name under a pattern that matches it: OpenSearch creates the
index with the template's mapping merged under the index's own (the index's fields and
root parameters win, objects merge, dynamic templates merge by name, settings key by key)
and refuses a merge that turns an object into a value field or a nested object into a
plain one."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_index_patterns import search
from test_opensearch_mappings import errors
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

TEMPLATE = {
    "dynamic": "strict",
    "properties": {
        "amount": {"type": "long"},
        "user": {"properties": {"id": {"type": "long"}}},
        "level": {"type": "keyword"},
    },
}


def test_an_index_given_by_name_takes_the_matching_templates_fields_under_its_own(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", TEMPLATE)
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-app",
        {
            "properties": {
                "level": {"type": "long"},
                "user": {"properties": {"name": {"type": "keyword"}}},
            }
        },
    )
    stream = search(fake, "logs-app")
    put_batch(
        b'{"amount": 5, "level": 3, "user": {"id": 1, "name": "ann"}}',
        b'{"amount": "five"}',
        b'{"note": "x"}',
    )
    fake.firehose.flush()

    expected = {
        "dynamic": "strict",
        "properties": {
            "amount": {"type": "long"},
            "level": {"type": "long"},
            "user": {"properties": {"id": {"type": "long"}, "name": {"type": "keyword"}}},
        },
    }
    assert shown == expected
    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-app") == expected
    assert stream.delivered == [b'{"amount": 5, "level": 3, "user": {"id": 1, "name": "ann"}}']
    # The template's type and its strict dynamic mapping apply to the named index.
    assert [(code, error["type"]) for code, error in errors(landing_s3)] == [
        ("400", "mapper_parsing_exception"),
        ("400", "strict_dynamic_mapping_exception"),
    ]


def test_the_index_s_root_parameters_win_and_dynamic_templates_merge_by_name(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic": "strict",
            "date_detection": False,
            "dynamic_templates": [
                {"ids": {"match": "*_id", "mapping": {"type": "keyword"}}},
                {"counts": {"match": "*_count", "mapping": {"type": "long"}}},
            ],
        },
        settings={"index.mapping.total_fields.limit": 5},
    )
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-app",
        {
            "dynamic": True,
            "dynamic_templates": [
                {"names": {"match": "*_name", "mapping": {"type": "keyword"}}},
                {"ids": {"match": "*_id", "mapping": {"type": "long"}}},
            ],
        },
        settings={"index.mapping.depth.limit": 3},
    )
    stream = search(fake, "logs-app")
    put_batch(b'{"user_id": 7, "hits_count": 2, "at": "2026-12-06"}', b'{"x": 1, "y": 2, "z": 3}')
    fake.firehose.flush()

    mapping = fake.firehose.opensearch_mapping(DOMAIN, "logs-app")
    assert mapping["dynamic"] == "true"
    assert mapping["date_detection"] is False
    # "ids" keeps the template's place with the index's mapping; "names" comes after.
    assert [next(iter(item)) for item in mapping["dynamic_templates"]] == [
        "ids",
        "counts",
        "names",
    ]
    assert mapping["properties"]["user_id"] == {"type": "long"}
    assert mapping["properties"]["at"]["type"] == "text"  # no date detection
    # The template's settings apply: a sixth field is past its limit of 5.
    assert stream.delivered == [b'{"user_id": 7, "hits_count": 2, "at": "2026-12-06"}']


@pytest.mark.parametrize(
    ("template", "own", "reason"),
    [
        (
            {"properties": {"user": {"properties": {"id": {"type": "long"}}}}},
            {"properties": {"user": {"type": "keyword"}}},
            "can't merge a non object mapping [user] with an object mapping",
        ),
        (
            {"properties": {"user": {"properties": {"id": {"type": "long"}}}}},
            {"properties": {"user": {"properties": {"id": {"type": "object"}}}}},
            "can't merge a non object mapping [user.id] with an object mapping",
        ),
        (
            {"properties": {"items": {"type": "nested"}}},
            {"properties": {"items": {"properties": {"sku": {"type": "keyword"}}}}},
            "cannot change object mapping from nested to non-nested",
        ),
        (
            {"properties": {"items": {"type": "object"}}},
            {"properties": {"items": {"type": "nested"}}},
            "cannot change object mapping from non-nested to nested",
        ),
    ],
)
def test_a_name_s_mapping_opensearch_would_not_merge_under_the_template_is_refused(
    fake: FirehoseFake, template: dict[str, Any], own: dict[str, Any], reason: str
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", template)

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-app", own)

    message = str(refused.value)
    assert "OpenSearch refuses to create the index 'logs-app'" in message
    assert "under the template 'logs-*'" in message
    assert f": {reason} (" in message


def test_a_pattern_that_would_not_merge_under_a_named_index_is_refused(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-app", {"properties": {"user": {"type": "keyword"}}}
    )

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", TEMPLATE)

    assert "can't merge a non object mapping [user] with an object mapping" in str(refused.value)
    # Refused whole: the pattern is not registered, and the name keeps its own mapping.
    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-app") == {
        "properties": {"user": {"type": "keyword"}}
    }
    stream = search(fake, "logs-other")
    put_batch(b'{"amount": "five"}')
    fake.firehose.flush()
    assert stream.delivered == [b'{"amount": "five"}']


def test_a_pattern_given_after_the_name_merges_under_it_and_the_highest_priority_applies(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-app", {"properties": {"level": {"type": "long"}}})
    fake.firehose.opensearch_index(DOMAIN, "logs-*", TEMPLATE)
    fake.firehose.opensearch_index(
        DOMAIN, "*-app", {"properties": {"host": {"type": "ip"}}}, priority=10
    )

    # One template applies: the highest priority's, under the name's own mapping.
    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-app") == {
        "properties": {"host": {"type": "ip"}, "level": {"type": "long"}}
    }


def test_a_merged_mapping_past_its_limits_is_refused_in_opensearch_s_words(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"a": {"type": "long"}, "b": {"type": "long"}}},
        settings={"index.mapping.total_fields.limit": 2},
    )

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-app", {"properties": {"c": {"type": "long"}}})

    assert "Limit of total fields [2] has been exceeded" in str(refused.value)


def test_a_template_changed_by_the_caller_after_it_was_given_changes_nothing(
    fake: FirehoseFake,
) -> None:
    template: dict[str, Any] = {"properties": {"amount": {"type": "long"}}}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", template)
    template["properties"]["amount"]["type"] = "keyword"

    fake.firehose.opensearch_index(DOMAIN, "logs-app", {"properties": {"v": {"type": "long"}}})

    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-app") == {
        "properties": {"amount": {"type": "long"}, "v": {"type": "long"}}
    }


def test_an_object_s_own_parameters_and_the_meta_merge_key_by_key(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "_meta": {"owner": "search", "version": {"major": 1, "minor": 2}},
            "properties": {"user": {"dynamic": "strict", "properties": {"id": {"type": "long"}}}},
        },
    )
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-app",
        {
            "_meta": {"version": {"minor": 3}},
            # Parsed alone before it is merged: a field that is no object's needs its type.
            "properties": {"user": {"type": "object", "dynamic": False}},
        },
    )
    stream = search(fake, "logs-app")
    put_batch(b'{"user": {"id": 1, "extra": "x"}}', b'{"user": {"id": "one"}}')
    fake.firehose.flush()

    # The index's own `dynamic` wins on the object it shares with the template, the
    # template's fields stay, and `_meta` merges member by member.
    assert shown["_meta"] == {"owner": "search", "version": {"major": 1, "minor": 3}}
    assert shown["properties"]["user"] == {
        "dynamic": "false",
        "properties": {"id": {"type": "long"}},
    }
    assert stream.delivered == [b'{"user": {"id": 1, "extra": "x"}}']  # not strict any more
    assert [error["type"] for _, error in errors(landing_s3)] == ["mapper_parsing_exception"]
