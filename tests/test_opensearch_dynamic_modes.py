"""``dynamic`` ``strict_allow_templates`` and ``false_allow_templates`` (OpenSearch 2.16 on):
a new field is mapped only where a dynamic template maps it; any other new field fails its
document (strict) or stays in its source only (false), the rest of the batch indexed."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake

TEMPLATES = [
    {"ids": {"match": "*_id", "mapping": {"type": "keyword"}}},
    {"labels": {"match": "labels", "match_mapping_type": "object", "mapping": {"type": "object"}}},
]


def strict(name: str, within: str) -> tuple[str, dict[str, Any]]:
    return (
        "400",
        {
            "type": "strict_dynamic_mapping_exception",
            "reason": f"mapping set to strict_allow_templates, dynamic introduction of [{name}] "
            f"within [{within}] is not allowed",
        },
    )


def test_strict_allow_templates_maps_what_a_template_maps_and_refuses_the_rest(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"dynamic": "strict_allow_templates", "dynamic_templates": TEMPLATES},
    )
    stream = search(fake)
    put_batch(
        b'{"user_id": 7, "labels": {"team_id": "a"}}',
        b'{"note": "x"}',
        b'{"labels": {"colour": "red"}}',
        b'{"meta.kind_id": "k"}',
        b'{"gone": null}',
        b'{"order_id": [1, 2]}',
    )
    fake.firehose.flush()

    assert stream.delivered == [
        b'{"user_id": 7, "labels": {"team_id": "a"}}',
        b'{"order_id": [1, 2]}',
    ]
    assert errors(landing_s3) == [
        strict("note", "_doc"),
        strict("colour", "labels"),  # the object a template made is strict_allow_templates too
        strict("meta", "_doc"),  # the object a dotted name implies needs a template
        strict("gone", "_doc"),
    ]
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "labels": {"properties": {"team_id": {"type": "keyword"}}},
        "order_id": {"type": "keyword"},
        "user_id": {"type": "keyword"},
    }


def test_false_allow_templates_keeps_untemplated_fields_in_the_source_only(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"dynamic": "false_allow_templates", "dynamic_templates": TEMPLATES},
    )
    stream = search(fake)
    put_batch(b'{"user_id": 7, "note": "x", "meta.kind_id": "k", "labels": {"colour": "red"}}')
    fake.firehose.flush()

    assert [document["_source"] for document in stream.documents] == [
        {"user_id": 7, "note": "x", "meta.kind_id": "k", "labels": {"colour": "red"}}
    ]
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake)) == {
        "dynamic": "false_allow_templates",
        "dynamic_templates": [
            {"ids": {"match": "*_id", "mapping": {"type": "keyword"}}},
            {
                "labels": {
                    "match": "labels",
                    "match_mapping_type": "object",
                    "mapping": {"type": "object"},
                }
            },
        ],
        "properties": {"labels": {"type": "object"}, "user_id": {"type": "keyword"}},
    }


@pytest.mark.parametrize("mode", ["strict_allow_templates", "false_allow_templates"])
def test_an_object_field_may_take_the_mode_and_a_copy_needs_a_template_too(
    fake: FirehoseFake, landing_s3: Any, mode: str
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic_templates": TEMPLATES[:1],
            "properties": {
                "order": {"dynamic": mode, "properties": {"sku": {"type": "keyword"}}},
                "city": {"type": "keyword", "copy_to": ["place_id", "place"]},
            },
        },
    )
    stream = search(fake)
    put_batch(b'{"order": {"sku": "a", "shop_id": "s"}, "free": 1}', b'{"order": {"qty": 2}}')
    put_batch(b'{"city": "Oslo"}')
    fake.firehose.flush()

    # The root is dynamic: its fields are mapped, "place" by dynamic mapping.
    properties = fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"]
    assert properties["order"]["properties"] == {
        "shop_id": {"type": "keyword"},
        "sku": {"type": "keyword"},
    }
    assert properties["place_id"] == {"type": "keyword"}
    assert "free" in properties
    assert "place" in properties
    if mode == "strict_allow_templates":
        assert errors(landing_s3) == [strict("qty", "order")]
        assert len(stream.delivered) == 2
    else:
        assert errors(landing_s3) == []
        assert len(stream.delivered) == 3
