"""The settings nearly every real index holds (``number_of_shards``,
``number_of_replicas``, ``refresh_interval``) are taken, nested or flat, and a value
OpenSearch refuses when it creates the index is refused in its words."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

_REFUSES = "OpenSearch refuses these settings: "


@pytest.mark.parametrize(
    "settings",
    [
        {"number_of_shards": 3, "number_of_replicas": 0, "refresh_interval": "30s"},
        {"index": {"number_of_shards": "2", "number_of_replicas": "1"}},
        {"index.refresh_interval": "-1"},
        {"index.refresh_interval": "0"},
        {"index.refresh_interval": "1500MS"},
        {"index.refresh_interval": "5m"},
        {"index.refresh_interval": " 2 h "},
        {"number_of_shards": 1024},
    ],
)
def test_the_settings_real_indexes_hold_are_taken_and_change_no_document(
    fake: FirehoseFake, settings: dict[str, Any]
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"n": {"type": "long"}}}, settings=settings
    )
    stream = search(fake)
    put_batch(b'{"n": 1}', b'{"n": "x"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"n": 1}']


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        (
            {"number_of_shards": 0},
            "Failed to parse value [0] for setting [index.number_of_shards] must be >= 1",
        ),
        (
            {"index.number_of_shards": 1025},
            "Failed to parse value [1025] for setting [index.number_of_shards] must be <= 1024",
        ),
        (
            {"number_of_shards": 1.5},
            "Failed to parse value [1.5] for setting [index.number_of_shards]",
        ),
        (
            {"number_of_shards": True},
            "Failed to parse value [true] for setting [index.number_of_shards]",
        ),
        (
            {"number_of_shards": "3000000000"},
            "Failed to parse value [3000000000] for setting [index.number_of_shards]",
        ),
        (
            {"number_of_replicas": -1},
            "Failed to parse value [-1] for setting [index.number_of_replicas] must be >= 0",
        ),
        (
            {"refresh_interval": "5"},
            "failed to parse setting [index.refresh_interval] with value [5] as a time value: "
            "unit is missing or unrecognized",
        ),
        (
            {"refresh_interval": 30},
            "failed to parse setting [index.refresh_interval] with value [30] as a time value: "
            "unit is missing or unrecognized",
        ),
        (
            {"refresh_interval": "5M"},
            "failed to parse setting [index.refresh_interval] with value [5M] as a time value: "
            "unit is missing or unrecognized",
        ),
        (
            {"refresh_interval": "1.5s"},
            "failed to parse [1.5s], fractional time values are not supported",
        ),
        (
            {"refresh_interval": "0x1p3s"},
            "failed to parse [0x1p3s], fractional time values are not supported",
        ),
        (
            {"refresh_interval": "1.5fs"},
            "failed to parse [1.5fs], fractional time values are not supported",
        ),
        ({"refresh_interval": "xs"}, "failed to parse [xs]"),
        ({"refresh_interval": "NaNs"}, "failed to parse [NaNs]"),
        (
            {"refresh_interval": "-2s"},
            "failed to parse setting [index.refresh_interval] with value [-2s] as a time "
            "value: negative durations are not supported",
        ),
    ],
)
def test_a_value_opensearch_refuses_is_refused_in_its_words(
    fake: FirehoseFake, settings: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs", None, settings=settings)

    assert str(refused.value).endswith(f": {_REFUSES}{refusal}"), refused.value


def test_a_pattern_s_settings_are_checked_too(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", None, settings={"number_of_shards": 0})

    assert "must be >= 1" in str(refused.value)
