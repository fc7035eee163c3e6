"""A ``date`` field's ``format`` read as OpenSearch 2.19 reads it: Java's
``DateTimeFormatter`` pattern letters with a strict resolver and the root locale's
English texts (``Dec``, ``December``, ``Mon``, ``PM``), then OpenSearch's own completion
of what the pattern leaves out; a value that fails says so in OpenSearch's words."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import put_batch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_opensearch_mappings import errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._destinations.index_dates import parser


def caused(fake: FirehoseFake, landing_s3: Any, field: dict[str, Any], value: str) -> Any:
    """The ``caused_by`` of the one document ``{"at": value}`` an index whose field ``at``
    is ``field`` refuses (None when it takes it)."""
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"at": field}})
    stream = search(fake)
    put_batch(b'{"at": "' + value.encode() + b'"}')
    fake.firehose.flush()
    if stream.delivered:
        return None
    [(code, message)] = errors(landing_s3)
    assert code == "400"
    assert message["type"] == "mapper_parsing_exception"
    return (message["caused_by"]["type"], message["caused_by"]["reason"])


def unread(value: str, format_: str) -> tuple[str, str]:
    return (
        "illegal_argument_exception",
        f"failed to parse date field [{value}] with format [{format_}]",
    )


APACHE = "dd/MMM/yyyy:HH:mm:ss Z"


@pytest.mark.parametrize(
    ("format_", "value", "expected"),
    [
        # Month names: three letters short, four full, case as Java writes them.
        (APACHE, "07/Dec/2026:10:00:00 +0000", None),
        (APACHE, "07/12/2026:10:00:00 +0000", unread("07/12/2026:10:00:00 +0000", APACHE)),
        (APACHE, "07/DEC/2026:10:00:00 +0000", unread("07/DEC/2026:10:00:00 +0000", APACHE)),
        (APACHE, "07/December/2026:10:00:00 +0000", "unread"),
        ("dd MMMM yyyy", "07 December 2026", None),
        ("dd MMMM yyyy", "07 Dec 2026", "unread"),
        ("LLL yyyy", "Sep 2026", None),
        # Day names: a year of era (y) leaves the weekday unchecked, a proleptic year (u)
        # has the strict resolver check it.
        ("EEE, dd MMM yyyy", "Tue, 07 Dec 2026", None),
        ("EEE, dd MMM uuuu", "Mon, 07 Dec 2026", None),
        ("EEE, dd MMM uuuu", "Tue, 07 Dec 2026", "unread"),
        ("EEEE, MMMM d, uuuu", "Monday, December 7, 2026", None),
        ("EEEE, MMMM d, uuuu", "Mon, December 7, 2026", "unread"),
        # AM/PM with clock hours; an hour of the day must agree with it.
        ("yyyy-MM-dd h:mm a", "2026-12-07 10:00 PM", None),
        ("yyyy-MM-dd h:mm a", "2026-12-07 12:05 AM", None),
        ("yyyy-MM-dd h:mm a", "2026-12-07 13:00 PM", "unread"),
        ("yyyy-MM-dd h:mm a", "2026-12-07 10:00 pm", "unread"),
        ("yyyy-MM-dd K:mm a", "2026-12-07 0:05 AM", None),
        ("yyyy-MM-dd K:mm a", "2026-12-07 12:05 PM", "unread"),
        ("yyyy-MM-dd HH:mm a", "2026-12-07 22:00 PM", None),
        ("yyyy-MM-dd HH:mm a", "2026-12-07 10:00 PM", "unread"),
        ("yyyy-MM-dd kk:mm", "2026-12-07 24:00", None),
        ("yyyy-MM-dd kk:mm", "2026-12-07 00:00", "unread"),
        # Day of year; a date the year of era leaves to OpenSearch fails in Java's words.
        ("yyyy-DDD", "2026-045", None),
        ("yyyy-DDD", "2024-366", None),
        (
            "yyyy-DDD",
            "2026-366",
            ("date_time_exception", "Invalid date 'DayOfYear 366' as '2026' is not a leap year"),
        ),
        ("uuuu-DDD", "2026-366", "unread"),
        ("yyyy-MM-dd", "2026-02-30", ("date_time_exception", "Invalid date 'FEBRUARY 30'")),
        (
            "yyyy-MM-dd",
            "2026-13-01",
            ("date_time_exception", "Invalid value for MonthOfYear (valid values 1 - 12): 13"),
        ),
        (
            "MM-dd",
            "02-29",
            ("date_time_exception", "Invalid date 'February 29' as '1970' is not a leap year"),
        ),
        ("uuuu-MM-dd", "2026-02-30", "unread"),
        # Offsets as each letter count reads them.
        ("yyyy-MM-dd HH:mm Z", "2026-12-07 10:00 +0100", None),
        ("yyyy-MM-dd HH:mm Z", "2026-12-07 10:00 Z", "unread"),
        ("yyyy-MM-dd HH:mm Z", "2026-12-07 10:00 +01:00", "unread"),
        ("yyyy-MM-dd HH:mm XXX", "2026-12-07 10:00 +01:30", None),
        ("yyyy-MM-dd HH:mm XXX", "2026-12-07 10:00 Z", None),
        ("yyyy-MM-dd HH:mm XXX", "2026-12-07 10:00 +01:60", "unread"),  # minutes past 59
        ("yyyy-MM-dd HH:mm X", "2026-12-07 10:00 +01:30", "unread"),
        ("yyyy-MM-dd HH:mm x", "2026-12-07 10:00 +0000", "unread"),
        ("yyyy-MM-dd HH:mm ZZZZ", "2026-12-07 10:00 GMT+01:00", None),
        (
            "yyyy-MM-dd HH:mm X",
            "2026-12-07 10:00 +19",
            ("date_time_exception", "Zone offset not in valid range: -18:00 to +18:00"),
        ),
        # Fractions of exactly as many digits as letters; optional sections.
        ("yyyy-MM-dd HH:mm:ss.SSS", "2026-12-07 10:00:00.123", None),
        ("yyyy-MM-dd HH:mm:ss.SSS", "2026-12-07 10:00:00.12", "unread"),
        ("yyyy-MM-dd[ HH:mm[:ss]]", "2026-12-07", None),
        ("yyyy-MM-dd[ HH:mm[:ss]]", "2026-12-07 10:00:59", None),
        ("yyyy-MM-dd[ HH:mm[:ss]]", "2026-12-07 10", "unread"),
        # Years: four letters four digits, or more after a sign.
        ("yyyy-MM-dd", "+12026-12-07", None),
        ("yyyy-MM-dd", "12026-12-07", "unread"),
        ("yy-MM-dd", "26-12-07", None),
        # A year past what a long of milliseconds holds: Instant.toEpochMilli overflows.
        ("yyyy-MM-dd", "+300000000-01-01", ("arithmetic_exception", "long overflow")),
        ("yyyy-MM-dd", "+200000000-01-01", None),
        # A proleptic year past Java's (Year.MAX_VALUE, 999999999): the parser refuses it.
        ("uuuu-MM-dd", "-999999999-01-01", ("arithmetic_exception", "long overflow")),
        ("uuuu-MM-dd", "+1000000000-01-01", "unread"),
        ("uuuu-MM-dd", "1900-02-29", "unread"),  # 1900 is no leap year; 2000 is
        ("uuuu-MM-dd", "2000-02-29", None),
        ("uuuu-MM-dd DDD", "2026-02-01 033", "unread"),  # the day of the year disagrees
    ],
)
def test_a_pattern_reads_what_java_and_opensearch_read(
    fake: FirehoseFake, landing_s3: Any, format_: str, value: str, expected: Any
) -> None:
    if expected == "unread":
        expected = unread(value, format_)
    assert caused(fake, landing_s3, {"type": "date", "format": format_}, value) == expected


@pytest.mark.parametrize(
    ("format_", "value", "expected"),
    [
        ("basic_date_time", "20261207T100000.123Z", None),
        ("basic_date_time", "20261207T100000Z", "unread"),
        ("basic_date_time_no_millis", "20261207T100000+0100", None),
        ("basic_t_time", "T100000.5-05:00", None),
        ("ordinal_date", "2026-45", None),
        ("strict_ordinal_date", "2026-45", "unread"),
        ("strict_ordinal_date_time", "2026-045T10:00Z", None),
        ("ordinal_date_time_no_millis", "2026-45T1:2:3Z", None),
        ("date_hour", "2026-12-07T10", None),
        ("date_hour_minute", "2026-1-7T9:05", None),
        ("date_hour_minute_second_millis", "2026-12-07T10:00:00.1234", "unread"),
        ("date_hour_minute_second_fraction", "2026-12-07T10:00:00.123456789", None),
        ("strict_date_hour_minute_second_millis", "2026-12-07T10:00:00.5", None),
        ("hour_minute", "9:05", None),
        ("strict_hour_minute_second", "9:05:00", "unread"),
        ("time", "9:05:00.1+01:00", None),
        ("strict_t_time_no_millis", "T09:05:00Z", None),
        ("year", "2026", None),
        (
            "year_month",
            "2026-13",
            ("date_time_exception", "Invalid value for MonthOfYear (valid values 1 - 12): 13"),
        ),
        # strict_date is read with Java's lenient resolver: a day past its month's end rolls.
        ("strict_date", "2026-02-30", None),
        ("strict_date", "2026-2-3", "unread"),
    ],
)
def test_a_built_in_format_reads_what_its_opensearch_parsers_read(
    fake: FirehoseFake, landing_s3: Any, format_: str, value: str, expected: Any
) -> None:
    if expected == "unread":
        expected = unread(value, format_)
    assert caused(fake, landing_s3, {"type": "date", "format": format_}, value) == expected


def test_strict_date_rolls_a_day_past_the_month_end_into_the_next(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    # 2262-04-12 is past what date_nanos holds; 2262-04-11 plus nothing is not.
    field = {"type": "date_nanos", "format": "strict_date"}
    assert caused(fake, landing_s3, field, "2262-03-43") == (
        "illegal_argument_exception",
        "date[2262-04-12T00:00:00Z] is after 2262-04-11T23:47:16.854775807 and cannot be "
        "stored in nanosecond resolution",
    )


@pytest.mark.parametrize(
    ("format_", "value", "caused_by"),
    [
        # An hour of h without a leaves the time out: the start of the day, in range.
        ("yyyy-MM-dd hh:mm", "2262-04-11 11:59", None),
        (
            "yyyy-MM-dd hh:mm a",
            "2262-04-11 11:59 PM",
            "date[2262-04-11T23:59:00Z] is after 2262-04-11T23:47:16.854775807 and cannot be "
            "stored in nanosecond resolution",
        ),
        # S digits are the fraction of the second.
        (
            "yyyy-MM-dd HH:mm:ss.SSSSSS",
            "1969-12-31 23:59:59.999999",
            "date[1969-12-31T23:59:59.999999Z] is before the epoch in 1970 and cannot be "
            "stored in nanosecond resolution",
        ),
    ],
)
def test_a_date_nanos_pattern_gives_the_instant_opensearch_gives(
    fake: FirehoseFake, landing_s3: Any, format_: str, value: str, caused_by: str | None
) -> None:
    found = caused(fake, landing_s3, {"type": "date_nanos", "format": format_}, value)
    assert found == (None if caused_by is None else ("illegal_argument_exception", caused_by))


@pytest.mark.parametrize(
    ("format_", "value", "instant"),
    [
        ("uu-MM-dd", "26-12-07", "2026-12-07T00:00:00"),  # two-digit years from 2000
        ("uuuu-MM", "1969-12", "1969-12-01T00:00:00"),  # no day: the first
        ("uuuu-MM HH:mm", "1969-12 10:30", "1969-12-01T10:30:00"),
        ("uuuu-DDD", "2026-001", "2026-01-01T00:00:00"),
        ("uuuu-DDD", "2024-366", "2024-12-31T00:00:00"),
        ("uuuu-MM-dd DDD", "2026-02-01 032", "2026-02-01T00:00:00"),  # the same day twice
        # An hour whose minute is missing leaves the time out, second and all.
        ("uuuu-MM-dd HH ss", "1969-12-31 23 59", "1969-12-31T00:00:00"),
    ],
)
def test_a_pattern_reads_the_instant_java_reads(
    fake: FirehoseFake, landing_s3: Any, format_: str, value: str, instant: str
) -> None:
    """A ``date_range`` whose upper bound is below its lower one names both in its error,
    as milliseconds since the epoch."""
    field = {"type": "date_range", "format": f"{format_}||epoch_millis"}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"at": field}})
    stream = search(fake)
    least = -(10**15)
    put_batch(b'{"at": {"gte": "%s", "lte": %d}}' % (value.encode(), least))
    fake.firehose.flush()

    assert stream.delivered == []
    [(_, error)] = errors(landing_s3)
    millis = int(datetime.fromisoformat(instant + "+00:00").timestamp() * 1000)
    assert error["caused_by"]["reason"] == (
        f"min value ({millis}) is greater than max value ({least})"
    )


@pytest.mark.parametrize(
    ("format_", "refusal"),
    [
        (
            "yyyy-MM-ddTHH:mm",
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Error parsing "
            "[format] on field [at]: Invalid format: [yyyy-MM-ddTHH:mm]: Unknown pattern "
            "letter: T",
        ),
        (
            "epoch_millis||yyyy-MM-ddd",
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Error parsing "
            "[format] on field [at]: Invalid format: [yyyy-MM-ddd]: Too many pattern "
            "letters: d",
        ),
        ("dd MMMMM yyyy", "the date pattern letter 'MMMMM' (in 'dd MMMMM yyyy') is not modelled"),
        ("YYYY-ww", "the date pattern letter 'YYYY' (in 'YYYY-ww') is not modelled"),
        ("yyyy-MM-dd VV", "the date pattern letter 'VV' (in 'yyyy-MM-dd VV') is not modelled"),
        ("hh:mm", "the date pattern 'hh:mm' has no date and no hour of the day"),
    ],
)
def test_a_format_opensearch_or_the_fake_refuses_is_a_usage_error(
    fake: FirehoseFake, format_: str, refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(
            DOMAIN, "logs-*", {"properties": {"at": {"type": "date", "format": format_}}}
        )

    assert refusal in str(refused.value)


def test_date_detection_reads_month_names_with_dynamic_date_formats(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_date_formats": [APACHE]})
    stream = search(fake)
    put_batch(b'{"at": "07/Dec/2026:10:00:00 +0000", "other": "07/12/2026:10:00:00 +0000"}')
    fake.firehose.flush()

    properties = stream.index_mappings[index_of(fake)]["properties"]
    assert properties["at"] == {"type": "date", "format": APACHE}
    assert properties["other"]["type"] == "text"
    assert len(stream.delivered) == 1


def test_date_detection_maps_a_date_the_parser_reads_that_then_fails_to_exist(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    # yyyy/MM/dd's parser takes 2026/02/30 (its year of era leaves the date unmade), so
    # the field is a date, which the document then fails in Java's words.
    stream = search(fake)
    put_batch(b'{"day": "2026/02/30"}')
    fake.firehose.flush()

    assert stream.delivered == []
    [(_, error)] = errors(landing_s3)
    assert error["reason"].startswith("failed to parse field [day] of type [date]")
    assert error["caused_by"] == {
        "type": "date_time_exception",
        "reason": "Invalid date 'FEBRUARY 30'",
    }


def test_a_date_range_reads_month_names_in_english_locales_only(fake: FirehoseFake) -> None:
    ranges = {"type": "date_range", "format": "dd MMM yyyy"}
    # Month numbers (MM) are no names: any locale reads them.
    numbers = {"type": "date_range", "format": "dd.MM.yyyy||HH:mm", "locale": "de_DE"}
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"a": {**ranges, "locale": "en_US"}, "b": ranges, "d": numbers}},
    )
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(
            DOMAIN, "other-*", {"properties": {"c": {**ranges, "locale": "de_DE"}}}
        )

    assert "month and day names and AM/PM in the locale 'de_DE' are not modelled" in str(
        refused.value
    )


def test_a_date_range_bound_opensearch_cannot_complete_fails_in_javas_words(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    field = {"type": "date_range", "format": "yyyy-MM-dd", "ignore_malformed": True}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"r": field}})
    stream = search(fake)
    put_batch(b'{"r": {"gte": "2026-02-30"}}', b'{"r": {"gte": "2026-02-28"}}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"r": {"gte": "2026-02-28"}}']
    [(_, error)] = errors(landing_s3)
    assert error["caused_by"] == {
        "type": "date_time_exception",
        "reason": "Invalid date 'FEBRUARY 30'",
    }


SHORT_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@settings(max_examples=200, deadline=None)
@given(
    at=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    minutes=st.integers(min_value=-18 * 60, max_value=18 * 60),
)
def test_english_dates_read_as_the_instant_they_name(at: datetime, minutes: int) -> None:
    zone = timezone(timedelta(minutes=minutes))
    aware = at.replace(tzinfo=zone)
    sign, offset = ("-" if minutes < 0 else "+"), abs(minutes)
    text = (
        f"{SHORT_DAYS[at.weekday()]}, {at.day:02d} {MONTHS[at.month - 1]} {at.year:04d} "
        f"{(at.hour - 1) % 12 + 1}:{at.minute:02d}:{at.second:02d}.{at.microsecond:06d} "
        f"{'AM' if at.hour < 12 else 'PM'} {sign}{offset // 60:02d}:{offset % 60:02d}"
    )
    read = parser("EEE, dd MMMM uuuu h:mm:ss.SSSSSS a XXX")(text)

    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert read == (aware - epoch) // timedelta(microseconds=1) * 1000
    wrong_day = SHORT_DAYS[(at.weekday() + 1) % 7] + text[3:]
    assert parser("EEE, dd MMMM uuuu h:mm:ss.SSSSSS a XXX")(wrong_day) == ("parse", "")
