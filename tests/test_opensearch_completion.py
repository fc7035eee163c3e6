"""OpenSearch's ``completion`` field: the values a document may give it (a string, an object
of ``input`` and ``weight``, an array of those), the bulk error of one it does not take, in
OpenSearch's words, and its mapping as ``GET index/_mapping`` shows it or OpenSearch
refuses it."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_flat_object import refused
from test_opensearch_mappings import search
from test_opensearch_range_fields import REFUSES, deliver, failed
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

DEFAULTS = {
    "type": "completion",
    "analyzer": "simple",
    "preserve_separators": True,
    "preserve_position_increments": True,
    "max_input_length": 50,
}


def unwrapped(kind: str, reason: str) -> dict[str, Any]:
    """The bulk error of a value a completion field cannot read: its own exception, under
    ``failed to parse`` without the field's name."""
    return {
        "type": "mapper_parsing_exception",
        "reason": "failed to parse",
        "caused_by": {"type": kind, "reason": reason},
    }


def test_a_completion_field_is_shown_with_its_defaults(fake: FirehoseFake) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "suggest": {"type": "completion"},
                "tuned": {
                    "type": "completion",
                    "max_input_len": "20",
                    "analyzer": "standard",
                    "search_analyzer": "standard",
                    "preserve_separators": "false",
                    "meta": {"unit": "name"},
                },
                "searched": {"type": "completion", "search_analyzer": "whitespace"},
            }
        },
    )

    assert shown["properties"] == {
        "suggest": DEFAULTS,
        "tuned": {
            **DEFAULTS,
            "analyzer": "standard",
            "preserve_separators": False,
            "max_input_length": 20,
            "meta": {"unit": "name"},
        },
        "searched": {**DEFAULTS, "search_analyzer": "whitespace"},
    }


def test_a_completion_field_takes_strings_objects_and_arrays_of_them(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"s": {"type": "completion"}}})
    taken = [
        b'{"s": "Nevermind"}',
        b'{"s": ["Nevermind", "Nirvana"]}',
        b'{"s": {"input": ["Nevermind", "Nirvana"], "weight": 34}}',
        b'{"s": [{"input": "Nevermind", "weight": 10}, {"input": "Nirvana", "weight": "3"}]}',
        b'{"s": {"weight": 2147483647}}',
        b'{"s": {"input": [], "weight": "+0"}}',
        b'{"s": null}',
        b'{"s": ""}',
        b'{"s": []}',
    ]
    delivered, errors = deliver(fake, landing_s3, *taken)

    assert errors == []
    assert delivered == taken


def test_a_completion_value_it_cannot_read_fails_in_opensearchs_words(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"s": {"type": "completion"}, "o": {"properties": {}}}}
    )
    delivered, errors = deliver(
        fake,
        landing_s3,
        b'{"s": 5}',
        b'{"s": true}',
        b'{"s": ["a", 1.5]}',
        b'{"s": ["a", null]}',
        b'{"s": [["a"]]}',
        b'{"s": {"input": "a", "weight": 1.5}}',
        b'{"s": {"input": "a", "weight": "1.5"}}',
        b'{"s": {"input": "a", "weight": -1}}',
        b'{"s": {"input": "a", "weight": "2147483648"}}',
        b'{"s": {"input": "a", "weight": 99999999999999999999}}',
        b'{"s": {"input": "a", "weight": true}}',
        b'{"s": {"input": "a", "weight": null}}',
        b'{"s": {"input": 5}}',
        b'{"s": {"input": ["a", {"b": 1}]}}',
        b'{"s": {"input": "a", "output": "b"}}',
        b'{"s": {"input": "a", "contexts": {"genre": "rock"}}}',
        b'{"s": {"weight": 1.5, "x": 1}}',
    )

    assert delivered == []
    illegal = "illegal_argument_exception"
    assert errors == [
        unwrapped(
            "parsing_exception",
            "failed to parse [s]: expected text or object, but got VALUE_NUMBER",
        ),
        unwrapped(
            "parsing_exception",
            "failed to parse [s]: expected text or object, but got VALUE_BOOLEAN",
        ),
        unwrapped(
            "parsing_exception",
            "failed to parse [null]: expected text or object, but got VALUE_NUMBER",
        ),
        unwrapped(
            "parsing_exception",
            "failed to parse [null]: expected text or object, but got VALUE_NULL",
        ),
        unwrapped(
            "parsing_exception",
            "failed to parse [null]: expected text or object, but got START_ARRAY",
        ),
        unwrapped(illegal, "weight must be an integer, but was [1.5]"),
        unwrapped(illegal, "weight must be an integer, but was [1.5]"),
        unwrapped(illegal, "weight must be in the interval [0..2147483647], but was [-1]"),
        unwrapped(illegal, "weight must be in the interval [0..2147483647], but was [2147483648]"),
        unwrapped(illegal, "weight must be an integer, but was [99999999999999999999]"),
        unwrapped(illegal, "weight must be a number or string, but was [VALUE_BOOLEAN]"),
        unwrapped(illegal, "weight must be a number or string, but was [VALUE_NULL]"),
        unwrapped(illegal, "input must be a string or array, but was [VALUE_NUMBER]"),
        unwrapped(illegal, "input array must have string values, but was [START_OBJECT]"),
        unwrapped(illegal, "unknown field name [output], must be one of [input, weight, contexts]"),
        unwrapped(illegal, "contexts field is not supported for field: [s]"),
        unwrapped(illegal, "weight must be an integer, but was [1.5]"),
    ]


def test_a_nested_completion_field_is_named_as_the_document_names_it(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"album": {"properties": {"suggest": {"type": "completion"}}}}},
    )
    delivered, errors = deliver(
        fake,
        landing_s3,
        b'{"album": {"suggest": 1}}',
        b'{"album.suggest": 2}',
        b'{"album": {"suggest": {"contexts": {}}}}',
    )

    assert delivered == []
    assert errors == [
        unwrapped(
            "parsing_exception",
            "failed to parse [suggest]: expected text or object, but got VALUE_NUMBER",
        ),
        unwrapped(
            "parsing_exception",
            "failed to parse [album.suggest]: expected text or object, but got VALUE_NUMBER",
        ),
        unwrapped(
            "illegal_argument_exception",
            "contexts field is not supported for field: [album.suggest]",
        ),
    ]


def test_a_copy_into_a_completion_field_is_named_as_the_document_names_its_source(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    # OpenSearch's parseCopy hands the target the document's own parser, whose current name
    # is the source's key (none, "null", for a value in an array).
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "plays": {"type": "long", "copy_to": "suggest"},
                "album": {"properties": {"rank": {"type": "long", "copy_to": "suggest"}}},
                "suggest": {"type": "completion"},
            }
        },
    )
    delivered, errors = deliver(
        fake,
        landing_s3,
        b'{"plays": 5}',
        b'{"plays": ["7", 8]}',
        b'{"album": {"rank": 1}}',
        b'{"album.rank": 2}',
        b'{"album": [{"rank": 3}]}',
        b'{"plays": "9"}',
    )

    assert delivered == [b'{"plays": "9"}']
    assert errors == [
        unwrapped(
            "parsing_exception",
            f"failed to parse [{name}]: expected text or object, but got VALUE_NUMBER",
        )
        for name in ("plays", "null", "rank", "album.rank", "rank")
    ]


def test_a_completion_sub_field_takes_its_parents_values(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"title": {"type": "text", "fields": {"s": {"type": "completion"}}}}},
    )
    taken = [b'{"title": "Nevermind"}', b'{"title": 5}', b'{"title": [true, "x"]}']
    delivered, errors = deliver(fake, landing_s3, *taken, b'{"title": {"input": "x"}}')

    assert shown["properties"]["title"] == {"type": "text", "fields": {"s": DEFAULTS}}
    assert delivered == taken
    assert errors == [failed("title", "text", "{input=x}", None)]


def test_a_dynamic_template_makes_a_completion_field(fake: FirehoseFake, landing_s3: Any) -> None:
    template = {"match": "*_suggest", "mapping": {"type": "completion"}}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": [{"s": template}]})
    stream = search(fake)
    put_batch(
        b'{"name_suggest": "Nirvana"}',
        b'{"list_suggest": ["a", "b"]}',
        b'{"obj_suggest": {"input": "a", "weight": 3}}',
    )
    fake.firehose.flush()
    put_batch(b'{"name_suggest": {"weight": -5}}')
    fake.firehose.flush()

    assert len(stream.delivered) == 3
    assert refused(landing_s3) == [
        unwrapped(
            "illegal_argument_exception",
            "weight must be in the interval [0..2147483647], but was [-5]",
        )
    ]
    properties = next(iter(stream.index_mappings.values()))["properties"]
    assert properties == {
        "list_suggest": DEFAULTS,
        "name_suggest": DEFAULTS,
        "obj_suggest": DEFAULTS,
    }


@pytest.mark.parametrize(
    ("definition", "refusal"),
    [
        (
            {"type": "completion", "ignore_malformed": True},
            REFUSES + "unknown parameter [ignore_malformed] on mapper [s] of type [completion]",
        ),
        (
            {"type": "completion", "max_input_length": 0},
            REFUSES + "[max_input_length] must be > 0 but was [0]",
        ),
        (
            {"type": "completion", "max_input_length": "ten"},
            REFUSES + 'For input string: "ten"',
        ),
        (
            {"type": "completion", "preserve_separators": "yes"},
            REFUSES + "Failed to parse value [yes] as only [true] or [false] are allowed.",
        ),
        (
            {"type": "completion", "analyzer": None},
            REFUSES + "[analyzer] on mapper [s] of type [completion] must not have a [null] value",
        ),
        (
            {"type": "completion", "search_analyzer": "mine"},
            REFUSES + "analyzer [mine] has not been configured in mappings",
        ),
        (
            {"type": "completion", "contexts": [{"name": "genre", "type": "category"}]},
            "field [s]: contexts on a completion field is not modelled",
        ),
        (
            {"type": "completion", "copy_to": "all"},
            "field [s]: copy_to on a completion field is not modelled",
        ),
        (
            {"type": "completion", "fields": {"k": {"type": "keyword"}}},
            "field [s]: fields on a completion field is not modelled",
        ),
    ],
)
def test_a_completion_mapping_opensearch_or_the_fake_refuses_is_a_usage_error(
    fake: FirehoseFake, definition: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"s": definition}})

    assert refusal in str(refused_mapping.value)
