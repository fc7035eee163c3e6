"""The column types of a declared Snowflake table: what each makes of a record's JSON
value, and how it refuses one, in the Snowpipe Streaming SDK's words (unit tests of
``snowflake_types`` and ``snowflake_values``; ``test_snowflake_tables`` drives them through
boto3)."""

from __future__ import annotations

import time as system_time
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from pytest_firehose._destinations.snowflake_types import parse_type
from pytest_firehose._destinations.snowflake_values import Refused, convert


def held(declared: str, value: Any) -> Any:
    kind, rest = parse_type(declared)
    assert rest.strip() == ""
    return convert("C", kind, value, 0)


def refusal(declared: str, value: Any) -> str:
    with pytest.raises(Refused) as refused:
        held(declared, value)
    return refused.value.detail


@pytest.mark.parametrize(
    ("declared", "value", "expected"),
    [
        ("NUMBER", " 42 ", 42),
        ("NUMBER", "\x00\t42\x1f", 42),  # Java's String.trim: every character up to the space
        ("BOOLEAN", "\x01TRUE\n", True),
        ("BINARY", "\x0b0aff ", b"\x0a\xff"),
        ("INT", 2.5, 3),  # half up, as Java's BigDecimal rounds
        ("INT", -2.5, -3),
        ("NUMBER(5,2)", "1.2E2", Decimal("120.00")),
        ("DECIMAL(4,1)", 0.05, Decimal("0.1")),
        ("NUMBER(38,0)", 2**100, 2**100),
        ("FLOAT", "1.5f", 1.5),
        ("DOUBLE", 7, 7.0),
        ("DOUBLE", 10**400, float("inf")),  # BigInteger.doubleValue: past a double's range
        ("FLOAT", -(10**400), float("-inf")),
        ("FLOAT", 2**1024 - 2**970, float("inf")),  # rounds half even, past the largest
        ("FLOAT", 2**1024 - 2**970 - 1, 1.7976931348623157e308),
        ("REAL", "-inf", float("-inf")),
        ("VARCHAR", True, "true"),
        ("STRING", 100, "100"),
        ("TEXT", 1e20, "100000000000000000000"),
        ("TEXT", 2.50, "2.5"),
        ("CHAR", "x", "x"),
        ("BOOLEAN", " Off ", False),
        ("BOOLEAN", 0.5, True),
        ("DATE", "2024-05-01", date(2024, 5, 1)),
        ("DATE", "1714557600000", date(2024, 5, 1)),  # milliseconds, by its size
        ("TIME", "10:15", time(10, 15)),
        ("TIME", "10:15:30.123456789+02:00", time(10, 15, 30, 123456)),
        ("TIME(0)", "10:15:30.9", time(10, 15, 30)),
        ("TIME(3)", "10:15:30.123456", time(10, 15, 30, 123000)),
        ("TIMESTAMP", "2024-05-01T10:00:00.123456Z", datetime(2024, 5, 1, 10, 0, 0, 123456)),
        ("TIMESTAMP_NTZ(3)", "2024-05-01t10:00:00.123456", datetime(2024, 5, 1, 10, 0, 0, 123000)),
        ("TIMESTAMP_NTZ", "2024-05-01", datetime(2024, 5, 1)),
        (
            "TIMESTAMP_TZ",
            "2024-05-01T10:00:00-05:30",
            datetime(2024, 5, 1, 10, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
        (
            "TIMESTAMP_TZ",
            "2024-01-15T10:00:00+01:00[Europe/Paris]",
            datetime(2024, 1, 15, 10, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("TIMESTAMP_LTZ", "2024-05-01T10:00", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
        ("TIMESTAMP_LTZ", "2024-05-01T10:00+02:00", datetime(2024, 5, 1, 8, tzinfo=timezone.utc)),
        (
            "TIMESTAMP_TZ",
            "2024-05-01T10:00+18:00",  # java.time's widest offsets
            datetime(2024, 5, 1, 10, tzinfo=timezone(timedelta(hours=18))),
        ),
        (
            "TIMESTAMP_TZ",
            "2024-05-01T10:00-18:00",
            datetime(2024, 5, 1, 10, tzinfo=timezone(-timedelta(hours=18))),
        ),
        (
            "TIMESTAMP_TZ",
            "2024-05-01T10:00+05:59:59",  # the offset kept in whole minutes, the instant kept
            datetime(2024, 5, 1, 9, 59, 1, tzinfo=timezone(timedelta(hours=5, minutes=59))),
        ),
        (
            "TIMESTAMP_TZ",
            "2024-05-01T10:00-00:00:30",
            datetime(2024, 5, 1, 10, 0, 30, tzinfo=timezone.utc),
        ),
        # An integer's unit is guessed by its size: seconds below 31536000000, then
        # milliseconds, microseconds below 31536000000 * 10**9, then nanoseconds.
        ("TIMESTAMP_NTZ", "31535999999", datetime(2969, 5, 2, 23, 59, 59)),
        ("TIMESTAMP_NTZ", "31536000000", datetime(1971, 1, 1)),
        ("TIMESTAMP_NTZ", "-31536000000", datetime(1969, 1, 1)),
        ("TIMESTAMP_NTZ", "1714557600123456", datetime(2024, 5, 1, 10, 0, 0, 123456)),
        ("TIMESTAMP_NTZ", "31536000000000", datetime(1971, 1, 1)),
        ("TIMESTAMP_NTZ", "-31536000000000", datetime(1969, 1, 1)),
        ("TIMESTAMP_NTZ", "1714557600123456789", datetime(2024, 5, 1, 10, 0, 0, 123456)),
        ("TIMESTAMP_NTZ", "31536000000000000", datetime(1971, 1, 1)),
        ("TIMESTAMP_NTZ", "-31536000000000000", datetime(1969, 1, 1)),
        # An offset and a zone id: the instant the offset gives, seen in the zone (java.time's
        # ZonedDateTime.parse), and the date there.
        (
            "TIMESTAMP_TZ",
            "2024-01-15T10:00:00+05:00[Europe/Paris]",
            datetime(2024, 1, 15, 6, tzinfo=timezone(timedelta(hours=1))),
        ),
        (
            "TIMESTAMP_LTZ",
            "2024-07-01T10:00+00:00[Europe/Paris]",
            datetime(2024, 7, 1, 10, tzinfo=timezone.utc),
        ),
        ("TIMESTAMP_NTZ", "2024-07-01T10:00+00:00[Europe/Paris]", datetime(2024, 7, 1, 12)),
        ("DATE", "2024-01-01T23:30+00:00[Asia/Tokyo]", date(2024, 1, 2)),
        (
            "TIMESTAMP_TZ",  # java.time's fixed-offset zone ids
            "2024-01-01T10:00+01:00[GMT-05:30]",
            datetime(2024, 1, 1, 3, 30, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
        (
            "TIMESTAMP_TZ",
            "2024-01-01T10:00+01:00[UT]",
            datetime(2024, 1, 1, 9, tzinfo=timezone.utc),
        ),
        # The SDK checks the year in the value's own offset: an instant UTC's years 1 to 9999
        # cannot hold stays at its offset (the same instant).
        (
            "TIMESTAMP_LTZ",
            "9999-12-31T23:00-05:00",
            datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=5))),
        ),
        (
            "TIMESTAMP_LTZ",
            "0001-01-01T00:30+01:00",
            datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("TIMESTAMP_NTZ", "9999-12-31T23:00-05:00", datetime(9999, 12, 31, 23)),
        ("TIMESTAMP_NTZ", "+123", datetime(1970, 1, 1, 0, 2, 3)),  # Java's parseLong takes +
        # Nanoseconds past a long, cut to their second's low 64 bits by BigInteger.longValue.
        ("TIMESTAMP_NTZ", "18446744073709551616500000000", datetime(1970, 1, 1, 0, 0, 0, 500000)),
        ("TIME", "300000000000000000000", time(5, 20)),  # nanoseconds, in year 11476
        ("TIME", "36930", time(10, 15, 30)),  # seconds since the epoch, in UTC
        ("TIME", "1714557600123", time(10, 0, 0, 123000)),
        ("BINARY", "0aFF", b"\x0a\xff"),
        ("VARBINARY(2)", "0102", b"\x01\x02"),
        ("VARIANT", "text", "text"),
        ("VARIANT", 1.5, 1.5),
        ("ARRAY", [1, "a"], [1, "a"]),
        ("ARRAY", {"a": 1}, [{"a": 1}]),
        ("OBJECT", {}, {}),
    ],
)
def test_a_value_its_column_takes_is_held_converted(
    declared: str, value: Any, expected: Any
) -> None:
    found = held(declared, value)

    # repr: a Decimal's digits and a time's offset too
    assert (found, type(found), repr(found)) == (expected, type(expected), repr(expected))


@pytest.mark.parametrize(
    ("declared", "value", "detail"),
    [
        ("NUMBER", "1,5", "column C of type NUMBER, rowIndex:0, reason: Not a valid number"),
        ("NUMBER(3,0)", 999.5, "(-1e3..1e3), rowIndex:0, column:C, value:1000"),
        ("NUMBER(38,2)", "9e999", f"rowIndex:0, column:C, value:9{'0' * 999}.00"),
        ("NUMBER(38,2)", "1e1000", "rowIndex:0, column:C, value:1E+1000"),  # not written out
        ("NUMBER", True, "Object of type java.lang.Boolean cannot be ingested into Snowflake"),
        ("NUMBER", float("inf"), "of type NUMBER, rowIndex:0, reason: Not a valid number"),
        ("FLOAT", "1,5", "column C of type REAL, rowIndex:0, reason: Not a valid decimal number"),
        ("FLOAT", [], "Object of type java.util.ArrayList cannot be ingested"),
        ("CHAR", "xy", "String too long: length=2 characters maxLength=1 characters"),
        ("VARCHAR(3)", "ééé", None),  # three characters fit, whatever their bytes
        ("VARCHAR", {"a": 1}, "Object of type java.util.LinkedHashMap cannot be ingested"),
        ("BOOLEAN", "maybe", "reason: Not a valid boolean, see"),
        (
            "DATE",
            20240501,
            "Object of type java.lang.Integer cannot be ingested into Snowflake "
            "column C of type DATE, rowIndex:0. Allowed Java types: String, LocalDate, "
            "LocalDateTime, ZonedDateTime, OffsetDateTime",
        ),
        ("DATE", "2024-02-30", "of type DATE, rowIndex:0, reason: Not a valid value, see"),
        ("DATE", "01/05/2024", "reason: Not a valid value"),
        ("TIME", "25:00", "of type TIME, rowIndex:0, reason: Not a valid time, see"),
        ("TIME", "2024-05-01T10:00", "reason: Not a valid time"),
        ("TIMESTAMP_LTZ", "2024-05-01 10:00", "of type TIMESTAMP, rowIndex:0, reason: Not a"),
        ("TIMESTAMP_TZ", "2024-05-01T10:00+01:00[Nowhere/City]", "reason: Not a valid value"),
        ("TIMESTAMP_TZ", "2024-05-01T10:00+19:00", "reason: Not a valid value"),
        ("TIMESTAMP_TZ", "2024-05-01T10:00-19:00", "reason: Not a valid value"),
        ("TIMESTAMP_TZ", "2024-05-01T10:00+01:60", "reason: Not a valid value"),
        ("TIMESTAMP_TZ", "2024-05-01T10:00+01:00:60", "reason: Not a valid value"),
        ("TIMESTAMP_TZ", "2024-05-01T10:00+18:00:01", "reason: Not a valid value"),
        ("TIMESTAMP_TZ", "2024-05-01T10:00-05:00[EST]", "reason: Not a valid value"),
        ("TIMESTAMP_TZ", "2024-05-01T10:00+02:00[GMT+2]", "reason: Not a valid value"),
        ("TIMESTAMP_TZ", "2024-05-01T10:00-18:30", "reason: Not a valid value"),
        ("TIMESTAMP_TZ", "2024-05-01T24:00Z", "reason: Not a valid value"),
        # Years as java.time's ISO parsers read them: four digits, more after a sign; out
        # of the SDK's range, its own refusal with the value as OffsetDateTime writes it.
        (
            "TIMESTAMP_NTZ",
            "+10000-01-01T00:00:00.5+01:00",
            "Timestamp out of representable inclusive range of years between 1 and 9999, "
            "rowIndex:0, column:C, value:+10000-01-01T00:00:00.500Z",
        ),
        ("TIMESTAMP_TZ", "0000-12-31T23:00-01:00", "column:C, value:0000-12-31T23:00-01:00"),
        ("TIMESTAMP_LTZ", "-0001-06-01", "between 1 and 9999, rowIndex:0, column:C, value:-0001"),
        ("TIMESTAMP_LTZ", "300000000000000000000", "column:C, value:+11476-08-15T05:20Z"),
        (
            "TIMESTAMP_TZ",
            "9999-12-31T23:30+00:00[Asia/Tokyo]",  # year 10000 in the zone
            "column:C, value:+10000-01-01T08:30+09:00",
        ),
        (
            "DATE",
            "+10000-01-01",
            "Date out of representable inclusive range of years between -9999 and 9999, "
            "rowIndex:0, column:C, value:+10000-01-01T00:00Z",
        ),
        ("DATE", "-10000-12-31T23:59:59.000001-01:30", "value:-10000-12-31T23:59:59.000001-01:30"),
        ("DATE", "+999999999-01-01", "value:+999999999-01-01T00:00Z"),
        ("DATE", "-0004-02-29", "reason: the date -0004-02-29 lies before year 1"),  # leap
        ("DATE", "-0001-02-29", "reason: Not a valid value"),
        ("DATE", "-0000-01-01", "reason: Not a valid value"),
        ("DATE", "+2024-01-01", "reason: Not a valid value"),
        ("DATE", "10000-01-01", "reason: Not a valid value"),
        ("DATE", "+1000000000-01-01", "reason: Not a valid value"),
        ("TIMESTAMP_LTZ", "-100000000000000000000000000", "reason: Not a valid value"),
        ("TIME", "10:15+19:00", "of type TIME, rowIndex:0, reason: Not a valid time"),
        ("TIMESTAMP_NTZ", 1714557600, "Object of type java.lang.Integer cannot be ingested"),
        # A whole number reaches the SDK as the smallest of Integer, Long, BigInteger
        # that holds it (Jackson's choice).
        ("DATE", 2**31 - 1, "Object of type java.lang.Integer cannot be ingested"),
        ("DATE", -(2**31), "Object of type java.lang.Integer cannot be ingested"),
        ("DATE", 2**31, "Object of type java.lang.Long cannot be ingested"),
        ("DATE", -(2**31) - 1, "Object of type java.lang.Long cannot be ingested"),
        ("DATE", 2**63 - 1, "Object of type java.lang.Long cannot be ingested"),
        ("DATE", -(2**63), "Object of type java.lang.Long cannot be ingested"),
        ("DATE", 2**63, "Object of type java.math.BigInteger cannot be ingested"),
        ("DATE", -(2**63) - 1, "Object of type java.math.BigInteger cannot be ingested"),
        ("TIME", 1.5, "Object of type java.lang.Double cannot be ingested into Snowflake column C"),
        ("BINARY", "abc", "of type BINARY, rowIndex:0, reason: Not a valid hex string"),
        ("BINARY", "0a ff", "reason: Not a valid hex string"),  # hex digits in pairs only
        ("BINARY", "0a\tff", "reason: Not a valid hex string"),
        ("NUMBER", "42\u00a0", "reason: Not a valid number"),  # no space beyond ASCII's trimmed
        ("DATE", "\u30002024-05-01", "reason: Not a valid value"),
        ("BINARY(1)", "0102", "reason: Binary too long: length=2 maxLength=1"),
        ("OBJECT", [1], "of type OBJECT, rowIndex:0, reason: Not an object"),
        # A lone UTF-16 surrogate (the JSON text "\\ud800"): no UTF-8 round trip keeps it.
        ("VARCHAR", "a\ud800", "of type STRING, rowIndex:0, reason: Invalid Unicode string"),
        ("VARIANT", "\udc00", "of type VARIANT, rowIndex:0, reason: Invalid Unicode string"),
        ("VARIANT", {"a": ["\ud800"]}, "of type VARIANT, rowIndex:0, reason: Invalid Unicode"),
        ("OBJECT", {"\ud800": 1}, "of type OBJECT, rowIndex:0, reason: Invalid Unicode string"),
        ("ARRAY", ["\ud800"], "of type ARRAY, rowIndex:0, reason: Invalid Unicode string"),
        ("VARCHAR", "\U0001f600", None),  # a pair is one character
    ],
)
def test_a_value_its_column_cannot_take_is_refused_in_the_sdks_words(
    declared: str, value: Any, detail: str | None
) -> None:
    if detail is None:
        assert held(declared, value) == value
    else:
        assert detail in refusal(declared, value)


@pytest.mark.skipif(not hasattr(system_time, "tzset"), reason="needs time.tzset")
@pytest.mark.parametrize("declared", ["TIMESTAMP_LTZ", "TIMESTAMP_TZ"])
def test_a_timestamp_in_utc_is_read_in_utc_whatever_the_machines_zone(
    monkeypatch: pytest.MonkeyPatch, declared: str
) -> None:
    monkeypatch.setenv("TZ", "Asia/Seoul")
    system_time.tzset()
    try:
        found = held(declared, "2024-05-01T10:00:00Z")
    finally:
        monkeypatch.undo()
        system_time.tzset()

    assert (found, found.utcoffset()) == (
        datetime(2024, 5, 1, 10, tzinfo=timezone.utc),
        timedelta(0),
    )


@pytest.mark.parametrize(
    ("declared", "kind"),
    [
        ("number(10, 2)", ("NUMBER", 10, 2, 0)),
        ("BYTEINT", ("NUMBER", 38, 0, 0)),
        ("double precision", ("FLOAT", 0, 0, 0)),
        ("character varying(5)", ("TEXT", 0, 0, 5)),
        ("NCHAR", ("TEXT", 0, 0, 1)),
        ("STRING", ("TEXT", 0, 0, 16_777_216)),
        ("DATETIME", ("TIMESTAMP_NTZ", 0, 9, 0)),
        ("timestamp with local time zone(3)", ("TIMESTAMP_LTZ", 0, 3, 0)),
        ("TIMESTAMPTZ", ("TIMESTAMP_TZ", 0, 9, 0)),
        ("BINARY", ("BINARY", 0, 0, 8_388_608)),
    ],
)
def test_synonyms_read_as_snowflake_reads_them(declared: str, kind: tuple[Any, ...]) -> None:
    found, _ = parse_type(declared)

    assert (found.kind, found.precision, found.scale, found.length) == kind
