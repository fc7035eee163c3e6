"""``copy_to`` in an OpenSearch mapping: a field's values are also indexed into the fields it
names, which the mapping has or dynamic mapping adds; a value a target cannot take fails the
document with OpenSearch's error, and a ``copy_to`` OpenSearch refuses is a usage error."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import TEXT, errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError


def test_a_value_is_copied_into_the_fields_copy_to_names(fake: FirehoseFake) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "first": {"type": "keyword", "copy_to": "full"},
                "last": {"type": "keyword", "copy_to": ["full", "search.names"]},
                "full": {"type": "text"},
            }
        },
    )
    stream = search(fake)
    put_batch(b'{"first": "Ann", "last": "Lee"}')
    fake.firehose.flush()

    assert shown["properties"]["first"] == {"type": "keyword", "copy_to": ["full"]}
    assert stream.delivered == [b'{"first": "Ann", "last": "Lee"}']
    # The source is unchanged; a target the mapping lacks is added as dynamic mapping adds it.
    assert [document["_source"] for document in stream.documents] == [
        {"first": "Ann", "last": "Lee"}
    ]
    assert stream.index_mappings[index_of(fake)]["properties"] == {
        "first": {"type": "keyword", "copy_to": ["full"]},
        "full": {"type": "text"},
        "last": {"type": "keyword", "copy_to": ["full", "search.names"]},
        "search": {"properties": {"names": TEXT}},
    }


@pytest.mark.parametrize(
    ("mapping", "document", "error"),
    [
        pytest.param(
            {"code": {"type": "keyword", "copy_to": "number"}, "number": {"type": "long"}},
            b'{"code": "A7"}',
            {
                "type": "mapper_parsing_exception",
                "reason": "failed to parse field [number] of type [long] in document with id "
                "'{id}'. Preview of field's value: 'A7'",
                "caused_by": {
                    "type": "illegal_argument_exception",
                    "reason": 'For input string: "A7"',
                },
            },
            id="a-value-the-target-refuses",
        ),
        pytest.param(
            {"code": {"type": "keyword", "copy_to": "other"}},
            b'{"code": "A7"}',
            {
                "type": "strict_dynamic_mapping_exception",
                "reason": "mapping set to strict, dynamic introduction of [other] within [_doc] "
                "is not allowed",
            },
            id="a-missing-target-where-the-mapping-is-strict",
        ),
    ],
)
def test_a_copy_the_target_cannot_take_fails_the_document(
    fake: FirehoseFake,
    landing_s3: Any,
    mapping: dict[str, Any],
    document: bytes,
    error: dict[str, Any],
) -> None:
    dynamic = "strict" if "other" in str(mapping) else "true"
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"dynamic": dynamic, "properties": {**mapping, "ok": {"type": "long"}}}
    )
    stream = search(fake)
    _, refused_id = put_batch(b'{"ok": 1}', document)
    fake.firehose.flush()

    assert stream.delivered == [b'{"ok": 1}']
    [(code, message)] = errors(landing_s3)
    assert (code, message) == (
        "400",
        {**error, "reason": error["reason"].replace("{id}", refused_id)},
    )


def test_a_copy_is_not_copied_on(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "a": {"type": "keyword", "copy_to": "b"},
                "b": {"type": "keyword", "copy_to": "c"},
                "c": {"type": "long"},
            }
        },
    )
    stream = search(fake)
    put_batch(b'{"a": "x"}')  # "x" into c (a long) would fail: only b takes it
    fake.firehose.flush()

    assert stream.delivered == [b'{"a": "x"}']


def test_each_value_of_an_array_is_copied(fake: FirehoseFake, landing_s3: Any) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"tags": {"type": "keyword", "copy_to": "n"}, "n": {"type": "integer"}}},
    )
    stream = search(fake)
    put_batch(b'{"tags": ["1", "2"]}', b'{"tags": ["3", "x"]}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"tags": ["1", "2"]}']
    [(_, message)] = errors(landing_s3)
    assert message["caused_by"]["reason"] == 'For input string: "x"'


def test_a_dynamic_template_may_give_copy_to(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic_templates": [
                {
                    "names": {
                        "match": "*_name",
                        "mapping": {"type": "keyword", "copy_to": "all_names"},
                    }
                }
            ],
            "properties": {"all_names": {"type": "text"}},
        },
    )
    stream = search(fake)
    put_batch(b'{"first_name": "Ann"}')
    fake.firehose.flush()

    assert stream.index_mappings[index_of(fake)]["properties"] == {
        "all_names": {"type": "text"},
        "first_name": {"type": "keyword", "copy_to": ["all_names"]},
    }


@pytest.mark.parametrize(
    ("properties", "refusal"),
    [
        (
            {"a": {"type": "keyword", "copy_to": "o"}, "o": {"properties": {}}},
            "OpenSearch refuses this mapping: Cannot copy to field [o] since it is mapped as an "
            "object",
        ),
        (
            {
                "a": {"type": "keyword", "copy_to": "t.raw"},
                "t": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
            },
            "[copy_to] may not be used to copy to a multi-field: [t.raw]",
        ),
        (
            {"a": {"type": "keyword", "fields": {"r": {"type": "keyword", "copy_to": "z"}}}},
            "[copy_to] may not be used to copy from a multi-field: [a.r]",
        ),
        (
            {
                "a": {"type": "keyword", "copy_to": "n.x"},
                "n": {"type": "nested", "properties": {"x": {"type": "keyword"}}},
            },
            "Illegal combination of [copy_to] and [nested] mappings: [copy_to] may only copy "
            "data to the current nested document or any of its parents, however one [copy_to] "
            "directive is trying to copy data from nested object [null] to [n]",
        ),
        ({"a": {"type": "keyword", "copy_to": ["b", 1]}}, "copy_to names a field by its full path"),
    ],
)
def test_a_copy_to_opensearch_refuses_is_a_usage_error(
    fake: FirehoseFake, properties: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": properties})

    assert refusal in str(refused.value)


def test_a_null_is_copied_and_read_as_each_target_reads_one(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    """``DocumentParser.parseNullValue`` hands a mapped field's ``null`` to its mapper, then
    to its ``copy_to`` targets: a target whose ``null_value`` fails fails the document, a
    ``constant_keyword`` wants its value; other targets take nothing, and a target the
    mapping lacks gets no field."""
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "price": {"type": "keyword", "copy_to": "scaled"},
                "env": {"type": "keyword", "copy_to": "fixed"},
                "note": {"type": "keyword", "copy_to": ["n", "unmapped"]},
                "scaled": {"type": "scaled_float", "scaling_factor": 10, "null_value": "NaN"},
                "fixed": {"type": "constant_keyword", "value": "prod"},
                "n": {"type": "long", "null_value": 0},
            }
        },
    )
    stream = search(fake)
    _, bad_price, bad_env, _ = put_batch(
        b'{"note": null}', b'{"price": null}', b'{"env": null}', b'{"price": "1.5"}'
    )
    fake.firehose.flush()

    assert [message for _, message in errors(landing_s3)] == [
        {
            "type": "mapper_parsing_exception",
            "reason": "failed to parse field [scaled] of type [scaled_float] in document with "
            f"id '{bad_price}'. Preview of field's value: 'null'",
            "caused_by": {
                "type": "illegal_argument_exception",
                "reason": "[scaled_float] only supports finite values, but got [NaN]",
            },
        },
        {
            "type": "mapper_parsing_exception",
            "reason": "failed to parse field [fixed] of type [constant_keyword] in document "
            f"with id '{bad_env}'. Preview of field's value: 'null'",
            "caused_by": {
                "type": "illegal_argument_exception",
                "reason": "constant keyword field [fixed] must have a value",
            },
        },
    ]
    assert stream.delivered == [b'{"note": null}', b'{"price": "1.5"}']
    assert "unmapped" not in fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"]


def test_a_date_template_without_a_format_still_copies(fake: FirehoseFake, landing_s3: Any) -> None:
    # The template's date field takes the format detection read the date with; its copy_to
    # stays with it.
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic_date_formats": ["yyyy/MM/dd"],
            "dynamic_templates": [
                {
                    "dates": {
                        "match_mapping_type": "date",
                        "mapping": {"type": "date", "copy_to": "moments"},
                    }
                }
            ],
            "properties": {"moments": {"type": "long"}},
        },
    )
    search(fake)
    put_batch(b'{"at": "2026/01/01"}')
    fake.firehose.flush()

    # A date string copied into a long fails the document, as OpenSearch parses it there.
    [(_, message)] = errors(landing_s3)
    assert message["caused_by"] == {
        "type": "illegal_argument_exception",
        "reason": 'For input string: "2026/01/01"',
    }
    assert message["reason"].startswith("failed to parse field [moments] of type [long]")
