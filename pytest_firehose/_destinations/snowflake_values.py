"""What each column type of a declared Snowflake table makes of a record's JSON value, and
how it refuses one, as the Snowpipe Streaming SDK (snowflake-ingest-java) converts the
values a row is inserted with, in its words.

Facts used here (the SDK's checks and messages): a number is rounded half up to its
column's scale and refused past its precision; text into ``VARCHAR(n)`` is counted in
characters; a number into text is written plainly without trailing zeros; ``BOOLEAN``
takes a boolean, a number (zero is false) or the words ``TO_BOOLEAN`` reads; ``DATE``,
``TIME`` and the timestamps take text (``snowflake_times.py``); ``BINARY`` takes
hexadecimal text; ``OBJECT`` an object; ``ARRAY`` wraps a value that is not an array in
one.

Which Java type the record's values reach the SDK as is not on record: the fake takes
Jackson's (a JSON object a ``java.util.LinkedHashMap``, an array a ``java.util.ArrayList``,
a string a ``java.lang.String``, a whole number a ``java.lang.Integer``, ``java.lang.Long``
or ``java.math.BigInteger`` by its size, another a ``java.lang.Double``, a boolean a
``java.lang.Boolean``), and keeps a string given to a ``VARIANT`` as a string
(docs/fidelity.md).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from pytest_firehose._destinations.snowflake_times import Moment, moment, time_of_day
from pytest_firehose._destinations.snowflake_types import (
    MAX_SEMI_STRUCTURED,
    MAX_TEXT,
    SnowflakeType,
)


class Refused(Exception):
    """A value its column cannot take: ``detail`` is the SDK's text of it, ``value_error``
    whether the SDK names it an invalid value (else a row it cannot convert)."""

    def __init__(self, detail: str, *, value_error: bool = True) -> None:
        super().__init__(detail)
        self.detail = detail
        self.value_error = value_error


def java_type(value: Any) -> str:
    """The Java class a JSON value reaches the SDK as (Jackson's defaults)."""
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        if -(2**31) <= value < 2**31:
            return "java.lang.Integer"
        return "java.lang.Long" if -(2**63) <= value < 2**63 else "java.math.BigInteger"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, dict):
        return "java.util.LinkedHashMap"
    return "java.util.ArrayList"


#: The Java types each conversion takes, as the SDK lists them.
_ALLOWED = {
    "NUMBER": "int, long, byte, short, float, double, BigDecimal, BigInteger, String",
    "REAL": "Number, String",
    "STRING": "String, Number, boolean, char",
    "BOOLEAN": "boolean, Number, String",
    "TIMESTAMP": "String, LocalDate, LocalDateTime, ZonedDateTime, OffsetDateTime",
    "DATE": "String, LocalDate, LocalDateTime, ZonedDateTime, OffsetDateTime",
    "TIME": "String, LocalTime, OffsetTime",
    "BINARY": "byte[], String",
}


#: What Java's ``String.trim`` removes from either end: every character up to the space.
_JAVA_BLANKS = "".join(map(chr, range(0x21)))
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})*")


def _trim(text: str) -> str:
    """``text`` as Java's ``String.trim`` leaves it (control characters removed, no
    space beyond ASCII's), as the SDK trims what it reads."""
    return text.strip(_JAVA_BLANKS)


class Column:
    """Converts the values of one column: ``name`` (as the table holds it) and ``type``."""

    def __init__(self, name: str, kind: SnowflakeType, row_index: int) -> None:
        self.name = name
        self.type = kind
        self.row = row_index

    def not_allowed(self, value: Any, reported: str | None = None) -> Refused:
        reported = reported or self.type.reported
        return Refused(
            f"Object of type {java_type(value)} cannot be ingested into Snowflake column "
            f"{self.name} of type {reported}, rowIndex:{self.row}. Allowed Java types: "
            f"{_ALLOWED[reported]}",
            value_error=False,
        )

    def invalid(self, reason: str, reported: str | None = None) -> Refused:
        return Refused(
            f"Value cannot be ingested into Snowflake column {self.name} of type "
            f"{reported or self.type.reported}, rowIndex:{self.row}, reason: {reason}"
        )


def _decimal(column: Column, value: Any) -> Decimal:
    if isinstance(value, (bool, dict, list)):
        raise column.not_allowed(value, "NUMBER")
    if isinstance(value, float):
        if not math.isfinite(value):  # JSON's 1e400: Java's BigDecimal takes no infinity
            raise column.invalid("Not a valid number", "NUMBER")
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    text = _trim(value)
    if not _JAVA_DECIMAL.fullmatch(text):
        raise column.invalid("Not a valid number", "NUMBER")
    return Decimal(text)


_JAVA_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_JAVA_DOUBLE = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fFdD]?", re.ASCII
)


def _number(column: Column, value: Any) -> int | Decimal:
    kind = column.type
    digits = kind.precision - kind.scale
    number = _decimal(column, value)
    with localcontext() as context:
        context.prec = 1100
        if number.is_finite() and number.adjusted() < 1000:  # written out as Java does
            number = number.quantize(Decimal(1).scaleb(-kind.scale), ROUND_HALF_UP)
        if not number.is_finite() or abs(number) >= Decimal(10) ** digits:
            raise Refused(
                f"Number out of representable exclusive range of (-1e{digits}..1e{digits}), "
                f"rowIndex:{column.row}, column:{column.name}, value:{number}",
                value_error=False,
            )
    return int(number) if kind.scale == 0 else number


def _float(column: Column, value: Any) -> float:
    if isinstance(value, (bool, dict, list)):
        raise column.not_allowed(value)
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # BigInteger.doubleValue: infinite past a double's range
            return math.inf if value > 0 else -math.inf
    text = _trim(value)
    if _JAVA_DOUBLE.fullmatch(text):
        return float(text.rstrip("fFdD").replace("Infinity", "inf"))
    special = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}
    if text.lower() in special:
        return special[text.lower()]
    raise column.invalid("Not a valid decimal number")


def _utf8(column: Column, text: str) -> bytes:
    """``text`` in UTF-8, refused as the SDK refuses a string whose UTF-8 round trip
    changes it: one holding a lone UTF-16 surrogate (a JSON record's ``"\\ud800"``)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise column.invalid("Invalid Unicode string") from None


def _text(column: Column, value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        plain = Decimal(repr(value) if isinstance(value, float) else value).normalize()
        text = format(plain, "f")
    elif isinstance(value, str):
        text = value
    else:
        raise column.not_allowed(value)
    size = len(_utf8(column, text))
    if size > MAX_TEXT:
        raise column.invalid(f"String too long: length={size} bytes maxLength={MAX_TEXT} bytes")
    if len(text) > column.type.length:
        raise column.invalid(
            f"String too long: length={len(text)} characters "
            f"maxLength={column.type.length} characters"
        )
    return text


_TRUE = ("1", "yes", "y", "t", "true", "on")
_FALSE = ("0", "no", "n", "f", "false", "off")


def _boolean(column: Column, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        word = _trim(value.lower())
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise column.invalid(
            "Not a valid boolean, see https://docs.snowflake.com/en/sql-reference/"
            "data-types-logical.html#conversion-to-boolean for the list of supported formats"
        )
    raise column.not_allowed(value)


def _unsupported(column: Column, kind: str) -> Refused:
    return column.invalid(
        f"Not a valid {kind}, see https://docs.snowflake.com/en/user-guide/"
        "data-load-snowpipe-streaming-overview for the list of supported formats"
    )


def _read_moment(column: Column, value: Any) -> Moment:
    if not isinstance(value, str):
        raise column.not_allowed(value)
    try:
        found = moment(_trim(value))
    except ValueError:
        found = None
    if found is None:
        raise _unsupported(column, "value")
    return found


def _out_of_range(column: Column, what: str, years: str, found: Moment) -> Refused:
    return Refused(
        f"{what} out of representable inclusive range of years between {years}, "
        f"rowIndex:{column.row}, column:{column.name}, value:{found}"
    )


def _truncated(moment: datetime, digits: int) -> datetime:
    if digits >= 6:
        return moment
    step = 10 ** (6 - digits)
    return moment.replace(microsecond=moment.microsecond // step * step)


def _timestamp(column: Column, value: Any) -> datetime:
    found = _read_moment(column, value)
    kind = column.type
    if kind.kind == "TIMESTAMP_NTZ":
        found = found.same_local_in_utc()  # the time as written, its offset dropped
    if not 1 <= found.year <= 9999:  # in the moment's own offset
        raise _out_of_range(column, "Timestamp", "1 and 9999", found)
    held = found.python()
    if kind.kind == "TIMESTAMP_NTZ":
        return _truncated(held.replace(tzinfo=None), kind.scale)
    # LTZ in UTC; TZ at its offset in whole minutes (toward zero), all the SDK's
    # TimestampWrapper keeps of it. Where the years 1 to 9999 end before the instant
    # does, at its own offset.
    minutes = abs(found.offset) // 60 * (-1 if found.offset < 0 else 1)
    zone = timezone.utc if kind.kind == "TIMESTAMP_LTZ" else timezone(timedelta(minutes=minutes))
    with suppress(OverflowError):
        held = held.astimezone(zone)
    return _truncated(held, kind.scale)


def _date(column: Column, value: Any) -> date:
    found = _read_moment(column, value)
    if not -9999 <= found.year <= 9999:
        raise _out_of_range(column, "Date", "-9999 and 9999", found)
    if found.year < 1:
        raise column.invalid(
            f"the date {str(found).partition('T')[0]} lies before year 1, which a Python "
            "date cannot hold (not modelled)"
        )
    return date(found.year, found.month, found.day)


def _time(column: Column, value: Any) -> time:
    if not isinstance(value, str):
        raise column.not_allowed(value)
    try:
        found = time_of_day(_trim(value))
    except ValueError:
        raise _unsupported(column, "time") from None
    step = 10 ** max(6 - column.type.scale, 0)
    return found.replace(microsecond=found.microsecond // step * step)


def _binary(column: Column, value: Any) -> bytes:
    if not isinstance(value, str):
        raise column.not_allowed(value)
    text = _trim(value)
    if not _HEX.fullmatch(text):  # commons-codec's Hex.decodeHex: pairs of hex digits only
        raise column.invalid("Not a valid hex string")
    data = bytes.fromhex(text)
    if len(data) > column.type.length:
        raise column.invalid(f"Binary too long: length={len(data)} maxLength={column.type.length}")
    return data


def _semi_structured(column: Column, value: Any) -> Any:
    kind = column.type.kind
    if kind == "OBJECT" and not isinstance(value, dict):
        raise column.invalid("Not an object")
    if kind == "ARRAY" and not isinstance(value, list):
        value = [value]
    size = len(_utf8(column, json.dumps(value, separators=(",", ":"), ensure_ascii=False)))
    if size > MAX_SEMI_STRUCTURED:
        words = {
            "VARIANT": "Variant too long:",
            "OBJECT": "Object too large.",
            "ARRAY": "Array too large.",
        }
        raise column.invalid(f"{words[kind]} length={size} maxLength={MAX_SEMI_STRUCTURED}")
    return value


_CONVERSIONS: dict[str, Callable[[Column, Any], Any]] = {
    "NUMBER": _number,
    "FLOAT": _float,
    "TEXT": _text,
    "BOOLEAN": _boolean,
    "DATE": _date,
    "TIME": _time,
    "TIMESTAMP_NTZ": _timestamp,
    "TIMESTAMP_LTZ": _timestamp,
    "TIMESTAMP_TZ": _timestamp,
    "BINARY": _binary,
    "VARIANT": _semi_structured,
    "OBJECT": _semi_structured,
    "ARRAY": _semi_structured,
}


def convert(name: str, kind: SnowflakeType, value: Any, row_index: int) -> Any:
    """What the column ``name`` of ``kind`` holds for the JSON ``value`` (not None) of the
    row at ``row_index``: an int or a Decimal (NUMBER, by its scale), a float, a str, a
    bool, a date, a time, a datetime (naive for TIMESTAMP_NTZ), bytes, or the JSON value
    (VARIANT, OBJECT, ARRAY). Raises :class:`Refused`."""
    column = Column(name, kind, row_index)
    try:
        return _CONVERSIONS[kind.kind](column, value)
    except RecursionError:  # a value nested past what JSON text can hold here
        raise column.invalid("Not a valid JSON") from None
    except InvalidOperation:
        raise column.invalid("Not a valid number", "NUMBER") from None
