"""An OpenSearch ``flat_object`` field: one field, whatever object a document puts there
(no field of its content joins the mapping or counts toward the index's limits); any
other value than an object or ``null`` fails the document with OpenSearch's error; and a
mapping that gives it a parameter is refused in OpenSearch's words."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

FLAT = {"type": "flat_object"}


def value_failed(name: str, shown: str, token: str, path: str | None = None) -> dict[str, Any]:
    """The bulk error of a value the flat_object ``name`` does not take (the document's id
    left as ``ID``)."""
    return {
        "type": "mapper_parsing_exception",
        "reason": f"failed to parse field [{name}] of type [flat_object] in document with id "
        f"'ID'. Preview of field's value: '{shown}'",
        "caused_by": {
            "type": "parsing_exception",
            "reason": f"[{path or name}] unexpected token [{token}] in flat_object field value",
        },
    }


def refused(landing_s3: Any) -> list[dict[str, Any]]:
    """Each refused document's error, its id (which the fake makes) replaced by ``ID``."""
    found = []
    for code, message in errors(landing_s3):
        assert code == "400"
        message["reason"] = re.sub(r"with id '[^']*'", "with id 'ID'", message["reason"])
        found.append(message)
    return found


def test_a_flat_object_takes_any_object_and_null(fake: FirehoseFake, landing_s3: Any) -> None:
    deep: Any = "bottom"
    for level in range(40):
        deep = {f"l{level}": deep}
    taken = [
        b'{"attrs": {"color": "red", "size": {"w": 1.5, "h": [1, 2, null]}, "ok": true}}',
        b'{"attrs": {"a.b": 1, "": "empty key", "list": [], "none": null, "o": {}}}',
        b'{"attrs": {}}',
        b'{"attrs": null}',
        b'{"attrs": [{"a": 1}, null, [{"b": 2}], []]}',
        b'{"order": {"meta": {"k": "v"}}}',
        json.dumps({"attrs": deep}).encode(),
    ]
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic": "strict",
            "properties": {"attrs": FLAT, "order": {"properties": {"meta": FLAT}}},
        },
    )
    stream = search(fake)
    put_batch(*taken)
    fake.firehose.flush()

    assert stream.delivered == taken
    # Nothing a flat_object holds joins the mapping (a strict one refuses no key of it).
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake)) == {
        "dynamic": "strict",
        "properties": {"attrs": FLAT, "order": {"properties": {"meta": FLAT}}},
    }
    assert refused(landing_s3) == []


def test_a_value_that_is_no_object_fails_the_document(fake: FirehoseFake, landing_s3: Any) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "attrs": FLAT,
                "order": {"properties": {"meta": FLAT}},
                "items": {"type": "nested", "properties": {"extra": FLAT}},
            }
        },
    )
    stream = search(fake)
    put_batch(
        b'{"attrs": "red"}',
        b'{"attrs": 5}',
        b'{"attrs": 1.0E7}',
        b'{"attrs": false}',
        b'{"attrs": [{"a": 1}, "b", "c"]}',
        b'{"order": {"meta": 12}}',
        b'{"items": [{"extra": {"a": 1}}, {"extra": "x"}]}',
        b'{"attrs.color": "red"}',
        b'{"attrs": {"ok": 1}}',
    )
    fake.firehose.flush()

    assert stream.delivered == [b'{"attrs": {"ok": 1}}']
    assert refused(landing_s3) == [
        value_failed("attrs", "red", "VALUE_STRING"),
        value_failed("attrs", "5", "VALUE_NUMBER"),
        value_failed("attrs", "1.0E7", "VALUE_NUMBER"),
        value_failed("attrs", "false", "VALUE_BOOLEAN"),
        value_failed("attrs", "b", "VALUE_STRING"),  # an array's values are read one by one
        value_failed("order.meta", "12", "VALUE_NUMBER"),
        value_failed("items.extra", "x", "VALUE_STRING"),
        {
            "type": "mapper_parsing_exception",
            "reason": "Could not dynamically add mapping for field [attrs.color]. Existing "
            "mapping for [attrs] must be of type object but found [flat_object].",
        },
    ]


def test_a_flat_object_is_one_field_for_the_indexs_limits(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    many = json.dumps({"attrs": {f"k{i}": {"x": {"y": i}} for i in range(50)}}).encode()
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"attrs": FLAT, "name": {"type": "keyword"}}},
        settings={"index.mapping.total_fields.limit": 2, "index.mapping.depth.limit": 2},
    )
    stream = search(fake)
    put_batch(many, b'{"attrs": {}, "n": 1}')
    fake.firehose.flush()

    assert stream.delivered == [many]
    assert refused(landing_s3) == [
        {
            "type": "illegal_argument_exception",
            "reason": "Limit of total fields [2] has been exceeded",
        }
    ]


def test_a_flat_object_field_counts_as_one_when_the_mapping_is_given(
    fake: FirehoseFake,
) -> None:
    limit = {"index.mapping.total_fields.limit": 1}
    fake.firehose.opensearch_index(DOMAIN, "one-*", {"properties": {"attrs": FLAT}}, settings=limit)

    with pytest.raises(UsageError) as refusal:
        fake.firehose.opensearch_index(
            DOMAIN, "two-*", {"properties": {"attrs": FLAT, "n": {"type": "long"}}}, settings=limit
        )
    assert "Limit of total fields [1] has been exceeded" in str(refusal.value)


def test_a_dynamic_template_maps_an_object_to_a_flat_object(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    template = {"match": "*_attrs", "match_mapping_type": "object", "mapping": FLAT}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": [{"flat": template}]})
    stream = search(fake)
    put_batch(b'{"item_attrs": {"a": {"b": 1}}}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"item_attrs": {"a": {"b": 1}}}']
    assert stream.index_mappings[index_of(fake)]["properties"] == {"item_attrs": FLAT}
    put_batch(b'{"item_attrs": "x"}', b'{"more_attrs": {"c": [1]}}')
    fake.firehose.flush()

    assert stream.delivered[1:] == [b'{"more_attrs": {"c": [1]}}']
    assert stream.index_mappings[index_of(fake)]["properties"] == {
        "item_attrs": FLAT,
        "more_attrs": FLAT,
    }
    assert refused(landing_s3) == [value_failed("item_attrs", "x", "VALUE_STRING")]


def test_a_copy_to_a_flat_object_fails_the_document(fake: FirehoseFake, landing_s3: Any) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"attrs": FLAT, "name": {"type": "keyword", "copy_to": "attrs"}}},
    )
    stream = search(fake)
    put_batch(b'{"name": "tea"}', b'{"name": null}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"name": null}']
    assert refused(landing_s3) == [value_failed("attrs", "tea", "VALUE_STRING")]


@pytest.mark.parametrize(
    ("definition", "refusal"),
    [
        (
            {"type": "flat_object", "index": False},
            "Failed to parse mapping [_doc]: Mapping definition for [attrs] has unsupported "
            "parameters:  [index : false]",
        ),
        (
            {"type": "flat_object", "doc_values": False, "ignore_above": 256},
            "Failed to parse mapping [_doc]: Mapping definition for [attrs] has unsupported "
            "parameters:  [doc_values : false] [ignore_above : 256]",
        ),
        (
            {"type": "flat_object", "copy_to": ["all"]},
            "Mapping definition for [attrs] has unsupported parameters:  [copy_to : [all]]",
        ),
        (
            {"type": "flat_object", "fields": {"raw": {"type": "keyword", "ignore_above": 9}}},
            "Mapping definition for [attrs] has unsupported parameters:  "
            "[fields : {raw={type=keyword, ignore_above=9}}]",
        ),
        (
            {"type": "flat_object", "properties": {"color": {"type": "keyword"}}},
            "Mapping definition for [attrs] has unsupported parameters:  "
            "[properties : {color={type=keyword}}]",
        ),
        (
            {"type": "keyword", "fields": {"flat": FLAT}},
            "field [attrs.flat]: a flat_object sub-field (in another field's fields) is not "
            "modelled",
        ),
    ],
)
def test_a_flat_object_takes_no_parameter(
    fake: FirehoseFake, definition: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"attrs": definition}})

    assert refusal in str(refused_mapping.value)


def test_a_flat_object_inside_an_object_is_named_by_its_own_name(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError) as refusal:
        fake.firehose.opensearch_index(
            DOMAIN,
            "logs-*",
            {"properties": {"order": {"properties": {"meta": {**FLAT, "store": True}}}}},
        )

    assert "Mapping definition for [meta] has unsupported parameters:  [store : true]" in str(
        refusal.value
    )
