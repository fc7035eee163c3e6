"""OpenSearch's ``search_as_you_type`` field: its mapping as ``GET index/_mapping`` shows it
or OpenSearch refuses it, the shingle and prefix fields it makes counted toward the
index's field limit, and the values it takes (those ``text`` takes)."""

from __future__ import annotations

from typing import Any

import pytest
from test_opensearch_range_fields import REFUSES, deliver, failed
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

SHOWN = {"type": "search_as_you_type", "doc_values": False, "max_shingle_size": 3}


def test_a_search_as_you_type_field_is_shown_with_its_defaults(fake: FirehoseFake) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "title": {"type": "search_as_you_type"},
                "name": {
                    "type": "search_as_you_type",
                    "max_shingle_size": "4",
                    "analyzer": "english",
                    "doc_values": "false",
                    "norms": False,
                    "index_options": "offsets",
                    "term_vector": "with_positions_offsets",
                    "meta": {"unit": "name"},
                },
            }
        },
    )

    assert shown["properties"] == {
        "title": SHOWN,
        "name": {
            **SHOWN,
            "max_shingle_size": 4,
            "analyzer": "english",
            "index_options": "offsets",
            "norms": False,
            "term_vector": "with_positions_offsets",
            "meta": {"unit": "name"},
        },
    }


def test_a_search_as_you_type_field_takes_what_text_takes(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "title": {"type": "search_as_you_type", "copy_to": "all"},
                "all": {"type": "text"},
            }
        },
    )
    taken = [
        b'{"title": "quick brown fox"}',
        b'{"title": ["a", 5, true]}',
        b'{"title": null}',
    ]
    delivered, errors = deliver(fake, landing_s3, *taken, b'{"title": {"a": 1}}')

    assert delivered == taken
    assert errors == [failed("title", "search_as_you_type", "{a=1}", None)]


@pytest.mark.parametrize(("size", "fields"), [(2, 1 + 1 + 1), (3, 1 + 2 + 1), (4, 1 + 3 + 1)])
def test_its_shingle_and_prefix_fields_count_toward_the_field_limit(
    fake: FirehoseFake, size: int, fields: int
) -> None:
    mapping = {"properties": {"title": {"type": "search_as_you_type", "max_shingle_size": size}}}
    fake.firehose.opensearch_index(
        DOMAIN, "fits-*", mapping, settings={"index.mapping.total_fields.limit": fields}
    )

    with pytest.raises(UsageError) as refusal:
        fake.firehose.opensearch_index(
            DOMAIN, "over-*", mapping, settings={"index.mapping.total_fields.limit": fields - 1}
        )
    assert f"Limit of total fields [{fields - 1}] has been exceeded" in str(refusal.value)


def test_its_prefix_and_shingle_field_names_count_toward_the_name_length_limit(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    # OpenSearch measures each hidden field by its full path: album.title._index_prefix is
    # 25 characters, album.title._4gram 18.
    title = {"type": "search_as_you_type", "max_shingle_size": 4}
    mapping = {"properties": {"album": {"properties": {"title": title}}}}
    fake.firehose.opensearch_index(
        DOMAIN, "fits-*", mapping, settings={"index.mapping.field_name_length.limit": 25}
    )

    with pytest.raises(UsageError) as refusal:
        fake.firehose.opensearch_index(
            DOMAIN, "over-*", mapping, settings={"index.mapping.field_name_length.limit": 24}
        )
    assert "Field name [album.title._index_prefix] is longer than the limit of [24] characters" in (
        str(refusal.value)
    )

    # A field dynamic templates make is measured so too, when a document adds it.
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic_templates": [
                {"titles": {"match": "t*", "mapping": {"type": "search_as_you_type"}}}
            ]
        },
        settings={"index.mapping.field_name_length.limit": 23},
    )
    delivered, errors = deliver(
        fake, landing_s3, b'{"tune_name": "a b c"}', b'{"title_name": "a b"}'
    )

    assert delivered == [b'{"tune_name": "a b c"}']  # tune_name._index_prefix: 23 characters
    assert errors == [
        {
            "type": "illegal_argument_exception",
            "reason": "Field name [title_name._index_prefix] is longer than the limit of [23] "
            "characters",
        }
    ]


@pytest.mark.parametrize(
    ("definition", "refusal"),
    [
        (
            {"type": "search_as_you_type", "max_shingle_size": 5},
            REFUSES + "[max_shingle_size] must be at least [2] and at most [4], got [5]",
        ),
        (
            {"type": "search_as_you_type", "max_shingle_size": 1},
            REFUSES + "[max_shingle_size] must be at least [2] and at most [4], got [1]",
        ),
        (
            {"type": "search_as_you_type", "doc_values": True},
            REFUSES + "Cannot set [doc_values] on field of type [search_as_you_type]",
        ),
        (
            {"type": "search_as_you_type", "ignore_above": 10},
            REFUSES + "unknown parameter [ignore_above] on mapper [t] of type [search_as_you_type]",
        ),
        (
            {"type": "search_as_you_type", "store": "yes"},
            REFUSES + "Failed to parse value [yes] as only [true] or [false] are allowed.",
        ),
        (
            {"type": "search_as_you_type", "analyzer": "mine"},
            REFUSES + "analyzer [mine] has not been configured in mappings",
        ),
        (
            {"type": "search_as_you_type", "index_options": "terms"},
            REFUSES + "Unknown value [terms] for field [index_options] - accepted values are "
            "[positions, docs, freqs, offsets]",
        ),
        (
            {"type": "search_as_you_type", "term_vector": True},
            REFUSES + "Unknown value [true] for field [term_vector] - accepted values are [no, "
            "yes, with_positions, with_offsets, with_positions_offsets, with_positions_payloads, "
            "with_positions_offsets_payloads]",
        ),
        (
            {"type": "search_as_you_type", "fields": {"k": {"type": "keyword"}}},
            "field [t]: fields on a search_as_you_type field is not modelled",
        ),
    ],
)
def test_a_search_as_you_type_mapping_opensearch_or_the_fake_refuses_is_a_usage_error(
    fake: FirehoseFake, definition: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"t": definition}})

    assert refusal in str(refused_mapping.value)
