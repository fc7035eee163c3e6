"""``date_nanos``: a date its formats read, from the epoch to 2262-04-11T23:47:16.854775807Z;
outside that range a document fails with OpenSearch's error, the instant written as Java
writes it."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake


def refusal(field: dict[str, Any], value: str, fake: FirehoseFake, landing_s3: Any) -> Any:
    """The caused_by of the one document ``{"at": value}`` an index whose field ``at``
    is ``field`` refuses (None when it takes it)."""
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"at": field}})
    stream = search(fake)
    put_batch(b'{"at": ' + value.encode() + b"}")
    fake.firehose.flush()
    if stream.delivered:
        return None
    [(code, message)] = errors(landing_s3)
    assert code == "400"
    assert message["reason"].startswith("failed to parse field [at] of type [date_nanos]")
    return message["caused_by"]["reason"]


NANOS = {"type": "date_nanos"}


@pytest.mark.parametrize(
    ("field", "value", "caused"),
    [
        (NANOS, '"2026-12-06T10:00:00.123456789Z"', None),
        (NANOS, "1700000000000", None),
        (NANOS, '"1970-01-01T00:00:00Z"', None),
        (NANOS, '"2262-04-11T23:47:16.854775807Z"', None),
        (
            NANOS,
            '"1969-12-31T23:59:59.5Z"',
            "date[1969-12-31T23:59:59.500Z] is before the epoch in 1970 and cannot be stored "
            "in nanosecond resolution",
        ),
        (
            NANOS,
            '"1970-01-01T00:30:00+01:00"',
            "date[1969-12-31T23:30:00Z] is before the epoch in 1970 and cannot be stored in "
            "nanosecond resolution",
        ),
        (
            NANOS,
            "-1",
            "date[1969-12-31T23:59:59.999Z] is before the epoch in 1970 and cannot be stored "
            "in nanosecond resolution",
        ),
        (
            NANOS,
            '"2262-04-12"',
            "date[2262-04-12T00:00:00Z] is after 2262-04-11T23:47:16.854775807 and cannot be "
            "stored in nanosecond resolution",
        ),
        (
            NANOS,
            '"12/06/2026"',
            "failed to parse date field [12/06/2026] with format "
            "[strict_date_optional_time_nanos||epoch_millis]",
        ),
        ({"type": "date_nanos", "format": "dd/MM/yy"}, '"06/12/26"', None),
        (
            {"type": "date_nanos", "format": "epoch_second"},
            "10000000000",
            "date[2286-11-20T17:46:40Z] is after 2262-04-11T23:47:16.854775807 and cannot be "
            "stored in nanosecond resolution",
        ),
    ],
)
def test_a_date_nanos_takes_the_dates_a_long_of_nanoseconds_holds(
    fake: FirehoseFake, landing_s3: Any, field: dict[str, Any], value: str, caused: Any
) -> None:
    assert refusal(field, value, fake, landing_s3) == caused


def test_ignore_malformed_takes_a_date_outside_the_range_unindexed(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    field = {"type": "date_nanos", "ignore_malformed": True}

    assert refusal(field, '"1900-01-01"', fake, landing_s3) is None
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {"at": field}


def test_a_template_date_nanos_reads_a_detected_date_with_its_format(fake: FirehoseFake) -> None:
    template = {"dates": {"match_mapping_type": "date", "mapping": {"type": "date_nanos"}}}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": [template]})
    stream = search(fake)
    put_batch(b'{"day": "2026/12/06"}', b'{"day": "1960/01/01"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"day": "2026/12/06"}']
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "day": {"type": "date_nanos", "format": "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis"}
    }
