"""A ``date`` or ``date_nanos`` field's ``locale`` and a ``format`` Java refuses, as
OpenSearch 2.19's ``DateFieldMapper`` reads them: the locale is taken and shown as
``Locale.toString`` (the root locale not shown), a refused format refuses the mapping."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError


def test_a_date_fields_locale_is_taken_and_shown_as_opensearch_shows_it(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "day": {"type": "date", "format": "dd MMM yyyy", "locale": "en-us"},
                "at": {"type": "date_nanos", "format": "yyyy-MM-dd", "locale": "de"},
                "root": {"type": "date", "locale": "ROOT"},
            }
        },
    )
    stream = search(fake)
    put_batch(b'{"day": "07 Dec 2026", "at": "2026-12-07", "root": "2026-12-07"}')
    fake.firehose.flush()

    assert len(stream.delivered) == 1
    properties = stream.index_mappings[index_of(fake)]["properties"]
    assert properties == {
        "at": {"type": "date_nanos", "format": "yyyy-MM-dd", "locale": "de"},
        "day": {"type": "date", "format": "dd MMM yyyy", "locale": "en_US"},
        "root": {"type": "date"},
    }


@pytest.mark.parametrize(
    ("field", "refusal"),
    [
        (
            {"type": "date", "format": "dd MMM yyyy", "locale": "de_DE"},
            "field [at]: month and day names and AM/PM in the locale 'de_DE' are not modelled",
        ),
        (
            {"type": "date_nanos", "locale": "en_US_POSIX"},
            "field [at]: the locale 'en_US_POSIX' of a date_nanos is not modelled",
        ),
        (
            {"type": "date", "locale": 7},
            "field [at]: the locale 7 of a date is not modelled",
        ),
    ],
)
def test_a_locale_the_fake_does_not_read_is_a_usage_error(
    fake: FirehoseFake, field: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"at": field}})

    assert refusal in str(refused.value)


def test_a_format_java_refuses_names_the_fields_own_name(fake: FirehoseFake) -> None:
    mapping = {
        "properties": {
            "event": {
                "properties": {
                    "at": {"type": "date_nanos", "fields": {"raw": {"type": "date", "format": "T"}}}
                }
            }
        }
    }
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", mapping)

    assert (
        "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Error parsing [format] "
        "on field [raw]: Invalid format: [T]: Unknown pattern letter: T"
    ) in str(refused.value)


@pytest.mark.parametrize(
    ("field", "refusal"),
    [
        (
            {"type": "date", "format": ""},
            "Error parsing [format] on field [at]: No date pattern provided",
        ),
        (
            {"type": "date_nanos", "format": ""},
            "Error parsing [format] on field [at]: No date pattern provided",
        ),
        ({"type": "date_range", "format": ""}, "No date pattern provided"),
        (
            {"type": "date", "format": "||epoch_millis"},
            "Error parsing [format] on field [at]: Cannot have empty element in multi date "
            "format pattern: ||epoch_millis",
        ),
    ],
)
def test_an_empty_format_is_refused_in_opensearch_s_words(
    fake: FirehoseFake, field: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"at": field}})

    assert str(refused.value).endswith(
        f": OpenSearch refuses this mapping: Failed to parse mapping [_doc]: {refusal}"
    )


def test_a_leading_8_is_dropped_from_a_format_as_opensearch_drops_it(
    fake: FirehoseFake,
) -> None:
    # DateFormatter.strip8Prefix: the whole format's leading 8 only; shown as given.
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "day": {"type": "date", "format": "8yyyy-MM-dd||dd.MM.yyyy"},
                "nanos": {"type": "date_nanos", "format": "8strict_date_optional_time"},
                "span": {"type": "date_range", "format": "8yyyy-MM-dd"},
                "kept": {"type": "date", "format": "dd.MM.yyyy||8yyyy"},
            }
        },
    )
    stream = search(fake)
    put_batch(
        b'{"day": "2026-12-07", "nanos": "2026-12-07T10:00:00Z",'
        b' "span": {"gte": "2026-12-01", "lte": "2026-12-07"}, "kept": "82026"}',
        b'{"day": "07.12.2026"}',
    )
    fake.firehose.flush()

    assert len(stream.delivered) == 2
    properties = stream.index_mappings[index_of(fake)]["properties"]
    assert properties["day"] == {"type": "date", "format": "8yyyy-MM-dd||dd.MM.yyyy"}
    assert properties["span"]["format"] == "8yyyy-MM-dd"


@pytest.mark.parametrize(
    ("format_", "refusal"),
    [
        ("8||yyyy", "Cannot have empty element in multi date format pattern: ||yyyy"),
        ("8T", "Invalid format: [T]: Unknown pattern letter: T"),
    ],
)
def test_a_format_refused_after_its_8_is_named_without_it(
    fake: FirehoseFake, format_: str, refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(
            DOMAIN, "logs-*", {"properties": {"at": {"type": "date", "format": format_}}}
        )

    assert str(refused.value).endswith(
        "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Error parsing "
        f"[format] on field [at]: {refusal}"
    )


def test_an_8_alone_is_refused_as_not_modelled(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError, match=r"give a pattern after it"):
        fake.firehose.opensearch_index(
            DOMAIN, "logs-*", {"properties": {"at": {"type": "date", "format": "8"}}}
        )
