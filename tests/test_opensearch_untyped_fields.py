"""A field given without a type: OpenSearch's object parser makes an object of it only when
it has ``properties``, or ``enabled`` and nothing else, and refuses it otherwise (a
sub-field, always), in its words; a mapping OpenSearch merges as JSON under legacy
templates before it parses it is checked once merged."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

_REFUSED = "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: "


@pytest.mark.parametrize(
    ("properties", "refusal"),
    [
        ({"user": {}}, "No type specified for field [user]"),
        ({"user": {"type": None}}, "No type specified for field [user]"),
        ({"user": {"dynamic": False}}, "No type specified for field [user]"),
        ({"user": {"enabled": False, "dynamic": False}}, "No type specified for field [user]"),
        (
            {"o": {"properties": {"user": {"dynamic": "strict"}}}},
            "No type specified for field [user]",
        ),
        (
            {"t": {"type": "text", "fields": {"raw": {"ignore_above": 5}}}},
            "no type specified for property [raw]",
        ),
        # An empty type is a type no parser has.
        ({"user": {"type": ""}}, "No handler for type [] declared on field [user]"),
    ],
)
def test_a_field_opensearch_derives_no_type_for_is_refused_in_its_words(
    fake: FirehoseFake, properties: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": properties})

    assert str(refused.value).endswith(_REFUSED + refusal), refused.value


@pytest.mark.parametrize(
    ("field", "shown"),
    [
        ({"properties": {"id": {"type": "long"}}}, {"properties": {"id": {"type": "long"}}}),
        (
            {"type": None, "properties": {"id": {"type": "long"}}},
            {"properties": {"id": {"type": "long"}}},
        ),
        # No properties: its type is shown (ObjectMapper.toXContent), given or not.
        ({"enabled": False}, {"type": "object", "enabled": False}),
        ({"type": "object", "dynamic": "strict"}, {"type": "object", "dynamic": "strict"}),
        (
            {"type": "object", "properties": {"id": {"type": "long"}}},
            {"properties": {"id": {"type": "long"}}},
        ),
    ],
)
def test_a_field_with_properties_or_enabled_alone_is_an_object(
    fake: FirehoseFake, field: dict[str, Any], shown: dict[str, Any]
) -> None:
    mapping = fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"user": field}})

    assert mapping["properties"]["user"] == shown


def test_an_index_s_mapping_under_a_composable_template_is_parsed_alone(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"user": {"properties": {"id": {"type": "long"}}}}}
    )

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(
            DOMAIN, "logs-app", {"properties": {"user": {"dynamic": False}}}
        )

    assert str(refused.value).endswith(_REFUSED + "No type specified for field [user]")


def test_an_index_s_mapping_under_legacy_templates_is_checked_once_merged(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"user": {"dynamic": "strict", "properties": {"id": {"type": "long"}}}}},
        order=0,
    )
    # The template gives the object its properties: merged, it is one.
    shown = fake.firehose.opensearch_index(
        DOMAIN, index_of(fake), {"properties": {"user": {"dynamic": False}}}
    )
    stream = search(fake)
    put_batch(b'{"user": {"id": 1, "extra": "x"}}')
    fake.firehose.flush()

    assert shown["properties"]["user"] == {
        "dynamic": "false",
        "properties": {"id": {"type": "long"}},
    }
    assert stream.delivered == [b'{"user": {"id": 1, "extra": "x"}}']
    assert errors(landing_s3) == []


def test_a_sub_field_without_a_type_is_refused_also_under_legacy_templates(
    fake: FirehoseFake,
) -> None:
    # Chosen: OpenSearch would merge the template's type into it; the fake refuses it.
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"tag": {"type": "text", "fields": {"raw": {"type": "keyword"}}}}},
        order=0,
    )

    with pytest.raises(UsageError, match=r"no type specified for property \[raw\]"):
        fake.firehose.opensearch_index(
            DOMAIN,
            index_of(fake),
            {"properties": {"tag": {"type": "text", "fields": {"raw": {"ignore_above": 5}}}}},
        )


def test_an_index_s_mapping_still_untyped_once_merged_is_refused(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"id": {"type": "long"}}}, order=0
    )

    # Merged with the template's, it is still no object: OpenSearch refuses the index.
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(
            DOMAIN, index_of(fake), {"properties": {"user": {"dynamic": False}}}
        )

    assert str(refused.value).endswith(
        "under the template 'logs-*': Failed to parse mapping [_doc]: No type specified for "
        "field [user]"
    ), refused.value


def test_a_template_s_sub_field_without_a_type_fails_the_document_it_maps(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    templates = [
        {
            "t": {
                "match_mapping_type": "string",
                "mapping": {"type": "text", "fields": {"raw": {"ignore_above": 5}}},
            }
        }
    ]
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": templates})
    stream = search(fake)
    put_batch(b'{"n": 1}', b'{"s": "x"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"n": 1}']
    assert errors(landing_s3) == [
        (
            "400",
            {
                "type": "mapper_parsing_exception",
                "reason": "no type specified for property [raw]",
            },
        )
    ]
