"""Legacy index templates (``PUT _template``: a pattern given with ``order=``): every one
that matches a new index applies, merged from the highest order down as OpenSearch merges
them (a key already there stays, objects and field definitions merged key by key,
dynamic templates by name), under the index's own mapping; a composable template that
matches wins over them all."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_index_patterns import search
from test_opensearch_mappings import errors
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError


def test_every_matching_legacy_template_applies_the_higher_order_winning(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic": "strict",
            "properties": {
                "level": {"type": "keyword", "ignore_above": 10},
                "amount": {"type": "long"},
            },
        },
        order=0,
    )
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-app*",
        {"dynamic": True, "properties": {"level": {"type": "keyword", "normalizer": "lowercase"}}},
        order=1,
    )
    fake.firehose.opensearch_index(DOMAIN, "other-*", {"dynamic": "false"}, order=5)
    stream = search(fake, "logs-app")
    put_batch(b'{"amount": 5, "level": "warn", "note": "x"}')
    fake.firehose.flush()

    assert len(stream.delivered) == 1
    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-app") == {
        "dynamic": "true",
        "properties": {
            "amount": {"type": "long"},
            # One definition of the field, with the parameters of both templates.
            "level": {"type": "keyword", "ignore_above": 10, "normalizer": "lowercase"},
            "note": {
                "type": "text",
                "fields": {"keyword": {"type": "keyword", "ignore_above": 256}},
            },
        },
    }


def test_of_two_legacy_templates_of_one_order_the_one_given_first_wins(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"v": {"type": "long"}}}, order=3
    )
    fake.firehose.opensearch_index(
        DOMAIN, "logs-a*", {"properties": {"v": {"type": "keyword"}}}, order=3
    )
    search(fake, "logs-app")
    put_batch(b'{"v": 1}')
    fake.firehose.flush()

    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-app")["properties"] == {
        "v": {"type": "long"}
    }


def test_a_composable_template_that_matches_wins_over_every_legacy_one(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"old": {"type": "long"}}}, order=9
    )
    fake.firehose.opensearch_index(DOMAIN, "logs-a*", {"properties": {"new": {"type": "long"}}})
    search(fake, "logs-app")
    put_batch(b'{"x": true}')
    fake.firehose.flush()

    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-app")["properties"] == {
        "new": {"type": "long"},
        "x": {"type": "boolean"},
    }


def test_an_index_given_by_name_keeps_its_own_and_takes_the_templates_rest(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "numeric_detection": True,
            "dynamic_templates": [
                {"ids": {"match": "*_id", "mapping": {"type": "long"}}},
                {"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}},
            ],
            "properties": {"level": {"type": "keyword", "ignore_above": 10}},
        },
        order=0,
    )
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-app",
        {
            "numeric_detection": False,
            "dynamic_templates": [{"ids": {"match": "*_id", "mapping": {"type": "keyword"}}}],
            "properties": {"level": {"type": "keyword", "normalizer": "lowercase"}},
        },
    )

    assert shown == {
        # The index's own dynamic template first, the template's other one after it.
        "dynamic_templates": [
            {"ids": {"match": "*_id", "mapping": {"type": "keyword"}}},
            {
                "strings": {
                    "match_mapping_type": "string",
                    "mapping": {"type": "keyword"},
                }
            },
        ],
        "numeric_detection": False,
        "properties": {"level": {"type": "keyword", "ignore_above": 10, "normalizer": "lowercase"}},
    }


def test_a_legacy_template_whose_merge_opensearch_refuses_is_refused(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"user": {"type": "keyword"}}}, order=0
    )

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(
            DOMAIN,
            "logs-app-*",
            {"properties": {"user": {"properties": {"id": {"type": "long"}}}}},
            order=1,
        )

    assert "OpenSearch would refuse to create an index that the legacy templates" in str(
        refused.value
    )


def test_the_higher_order_s_field_type_wins_and_takes_the_lower_s_other_parameters(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"v": {"type": "long"}}}, order=0
    )
    fake.firehose.opensearch_index(
        DOMAIN, "*-app", {"properties": {"v": {"type": "keyword", "ignore_above": 5}}}, order=1
    )
    stream = search(fake, "logs-app")
    put_batch(b'{"v": "x"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"v": "x"}']
    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-app")["properties"] == {
        "v": {"type": "keyword", "ignore_above": 5}
    }


def test_a_new_index_whose_legacy_templates_do_not_merge_fails_its_documents(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    # Each template is good alone and with all three; an index matching two is not.
    fake.firehose.opensearch_index(
        DOMAIN, "a-*", {"properties": {"v": {"type": "object"}}}, order=2
    )
    fake.firehose.opensearch_index(
        DOMAIN, "*-b", {"properties": {"v": {"type": "keyword"}}}, order=1
    )
    fake.firehose.opensearch_index(
        DOMAIN, "*", {"properties": {"v": {"properties": {"w": {"type": "long"}}}}}, order=0
    )
    stream = search(fake, "x-b")
    put_batch(b'{"v": "x"}')
    fake.firehose.flush()

    assert stream.delivered == []
    [(code, error)] = errors(landing_s3)
    assert (code, error["type"]) == ("400", "mapper_parsing_exception")
    assert "[v]" in error["reason"]


@pytest.mark.parametrize(
    ("index", "kwargs", "said"),
    [
        ("logs", {"order": 1}, "order belongs to a pattern's mapping"),
        ("logs-*", {"order": 1, "priority": 1}, "not both"),
        ("logs-*", {"order": 2**31}, "order is a whole number between"),
        ("logs-*", {"order": True}, "order is a whole number between"),
    ],
)
def test_an_order_opensearch_would_not_take_is_refused(
    fake: FirehoseFake, index: str, kwargs: dict[str, Any], said: str
) -> None:
    with pytest.raises(UsageError, match=said):
        fake.firehose.opensearch_index(DOMAIN, index, {}, **kwargs)


def test_a_list_both_give_that_is_no_list_of_named_objects_joins_the_template_s_first(
    fake: FirehoseFake,
) -> None:
    # mergeDefaults: the template's items, then the index's own that it lacks.
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"dynamic_date_formats": ["yyyy/MM/dd", "dd.MM.yyyy"]}, order=0
    )
    shown = fake.firehose.opensearch_index(
        DOMAIN, "logs-app", {"dynamic_date_formats": ["dd.MM.yyyy", "yyyy-MM"]}
    )

    assert shown["dynamic_date_formats"] == ["yyyy/MM/dd", "dd.MM.yyyy", "yyyy-MM"]
