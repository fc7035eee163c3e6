"""OpenSearch's ``join`` field: its ``relations`` as ``GET index/_mapping`` shows them or
OpenSearch refuses them, and the documents it takes: a parent's, never a child's, as
Firehose's bulk requests carry no routing."""

from __future__ import annotations

from typing import Any

import pytest
from test_opensearch_completion import unwrapped
from test_opensearch_range_fields import REFUSES, deliver
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

JOIN = {"type": "join", "relations": {"question": ["answer", "comment"], "answer": "vote"}}


def illegal(reason: str) -> dict[str, Any]:
    return unwrapped("illegal_argument_exception", reason)


def test_a_join_field_is_shown_with_its_relations(fake: FirehoseFake) -> None:
    shown = fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"j": JOIN}})

    assert shown["properties"] == {
        "j": {
            "type": "join",
            "eager_global_ordinals": True,
            "relations": {"question": ["answer", "comment"], "answer": "vote"},
        }
    }


def test_a_join_field_takes_a_parents_documents_and_refuses_a_childs(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"j": JOIN}})
    taken = [
        b'{"j": "question", "text": "why?"}',
        b'{"j": {"name": "question"}}',
        b'{"j": {"name": "question", "extra": true, "deep": {"x": 1}}}',
    ]
    delivered, errors = deliver(
        fake,
        landing_s3,
        *taken,
        b'{"j": {"name": "answer", "parent": "1"}}',
        b'{"j": {"name": "answer", "parent": 1}}',
        b'{"j": "answer"}',
        b'{"j": "vote"}',
        b'{"j": "reply"}',
        b'{"j": {"parent": "1"}}',
        b'{"j": {"name": "question", "routing": "1"}}',
        b'{"j": {"name": "question", "rank": 2}}',
        b'{"j": 5}',
        b'{"j": null}',
        b'{"j": ["question", "question"]}',
    )

    assert delivered == taken
    assert errors == [
        illegal("[routing] is missing for join field [j]"),
        illegal("[routing] is missing for join field [j]"),
        illegal("[parent] is missing for join field [j]"),
        illegal("[parent] is missing for join field [j]"),
        illegal("unknown join name [reply] for field [j]"),
        illegal("unknown join name [null] for field [j]"),
        illegal("unknown field name [routing] in join field [j]"),
        illegal("unknown field name [rank] in join field [j]"),
        unwrapped(
            "illegal_state_exception",
            "[null] expected START_OBJECT or VALUE_STRING but was: VALUE_NUMBER",
        ),
        unwrapped(
            "illegal_state_exception",
            "[null] expected START_OBJECT or VALUE_STRING but was: VALUE_NULL",
        ),
        {
            "type": "illegal_argument_exception",
            "reason": 'DocValuesField "j#question" appears more than once in this document '
            "(only one value is allowed per field)",
        },
    ]


def test_a_join_field_counts_its_parent_fields_toward_the_limit(fake: FirehoseFake) -> None:
    # j, j#question, j#answer and _parent_join.
    mapping = {"properties": {"j": JOIN}}
    fake.firehose.opensearch_index(
        DOMAIN, "fits-*", mapping, settings={"index.mapping.total_fields.limit": 4}
    )

    with pytest.raises(UsageError) as refusal:
        fake.firehose.opensearch_index(
            DOMAIN, "over-*", mapping, settings={"index.mapping.total_fields.limit": 3}
        )
    assert "Limit of total fields [3] has been exceeded" in str(refusal.value)


@pytest.mark.parametrize(
    ("relations", "limit", "name"),
    [
        # qa#question_of_the_week: 23 characters.
        ({"question_of_the_week": "answer"}, 22, "qa#question_of_the_week"),
        # Below 22 the index's metadata fields are past the limit too (_nested_path: 12), and
        # OpenSearch names the first of its field mappers in HashMap order: _parent_join.
        ({"question": ["answer", "comment"], "answer": "vote"}, 11, "_parent_join"),
    ],
)
def test_a_join_fields_parent_field_names_count_toward_the_name_length_limit(
    fake: FirehoseFake, relations: dict[str, Any], limit: int, name: str
) -> None:
    mapping = {"properties": {"qa": {"type": "join", "relations": relations}}}
    limits = {"index.mapping.field_name_length.limit": 23}
    fake.firehose.opensearch_index(DOMAIN, "fits-*", mapping, settings=limits)

    with pytest.raises(UsageError) as refusal:
        fake.firehose.opensearch_index(
            DOMAIN, "over-*", mapping, settings={"index.mapping.field_name_length.limit": limit}
        )
    assert f"Field name [{name}] is longer than the limit of [{limit}] characters" in str(
        refusal.value
    )


@pytest.mark.parametrize(
    ("properties", "refusal"),
    [
        (
            {"j": {"type": "join", "relations": {"a": "b", "c": ["b", "d"]}}},
            REFUSES + "invalid definition for join field [j]:\n[[b] cannot have multiple parents]",
        ),
        (
            {"j": JOIN, "k": {"type": "join", "relations": {"x": "y"}}},
            REFUSES + "Field [_parent_join] is defined more than once",
        ),
        (
            {"o": {"properties": {"j": JOIN}}},
            REFUSES + "join field [o.j] cannot be added inside an object or in a multi-field",
        ),
        (
            {"t": {"type": "text", "fields": {"j": JOIN}}},
            REFUSES + "join field [t.j] cannot be added inside an object or in a multi-field",
        ),
        (
            {"j": {**JOIN, "store": True}},
            REFUSES + "Mapping definition for [j] has unsupported parameters:  [store : true]",
        ),
        (
            {"j": {**JOIN, "eager_global_ordinals": "yes"}},
            REFUSES + "Could not convert [eager_global_ordinals] to boolean",
        ),
    ],
)
def test_a_join_mapping_opensearch_refuses_is_a_usage_error(
    fake: FirehoseFake, properties: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": properties})

    assert refusal in str(refused_mapping.value)


def test_a_dynamic_template_making_a_join_field_is_refused_as_not_modelled(
    fake: FirehoseFake,
) -> None:
    template = {"match": "rel", "mapping": {"type": "join", "relations": {"a": "b"}}}
    with pytest.raises(UsageError) as refusal:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": [{"r": template}]})

    assert "a join field made by a dynamic template is not modelled" in str(refusal.value)
