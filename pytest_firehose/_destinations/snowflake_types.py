"""The column types of a Snowflake table a test declares (``firehose.snowflake_table``), and
what each makes of a record's JSON value, as Snowpipe Streaming converts the values a row
is inserted with.

Facts used here (Snowflake's "Summary of data types", "Identifier requirements"; the
Snowpipe Streaming SDK, snowflake-ingest-java, whose checks and messages these are): the
synonyms (``INT`` is ``NUMBER(38,0)``, ``STRING`` is ``VARCHAR``, ``DOUBLE`` is ``FLOAT``,
``TIMESTAMP`` is ``TIMESTAMP_NTZ``, ``CHAR`` without a length is ``CHAR(1)``); a number is
rounded half up to its column's scale and refused past its precision; text into
``VARCHAR(n)`` is counted in characters; a number into text is written plainly without
trailing zeros; ``BOOLEAN`` takes a boolean, a number (zero is false) or the strings
``TO_BOOLEAN`` reads; ``DATE``, ``TIME`` and the timestamps take text that java.time's ISO
parsers read (``2024-05-01``, ``2024-05-01T10:00:00``, with an offset or a zone), or an
integer in text (seconds, milliseconds, microseconds or nanoseconds since the epoch, by its
size); ``BINARY`` takes hexadecimal text; ``OBJECT`` an object; ``ARRAY`` wraps a value that
is not an array in one.

Which Java type the record's values reach the SDK as is not on record: the fake takes
Jackson's (a JSON object a ``java.util.LinkedHashMap``, an array a ``java.util.ArrayList``,
a string a ``java.lang.String``, a whole number a ``java.lang.Integer``, ``java.lang.Long``
or ``java.math.BigInteger`` by its size, another a ``java.lang.Double``, a boolean a
``java.lang.Boolean``), and keeps a string given to a ``VARIANT`` as a string. Values
without an offset are read in UTC (docs/fidelity.md).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

#: The longest text, and binary, a column holds (Snowflake's limits).
MAX_TEXT = 16_777_216
MAX_BINARY = 8_388_608
#: The longest JSON a semi-structured value may be (the SDK's 16 MB less 64 bytes).
MAX_SEMI_STRUCTURED = MAX_TEXT - 64

_NUMBERS = ("NUMBER", "DECIMAL", "DEC", "NUMERIC")
_INTEGERS = ("INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT")
_FLOATS = ("FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "DOUBLE PRECISION", "REAL")
_TEXTS = (
    "VARCHAR",
    "STRING",
    "TEXT",
    "NVARCHAR",
    "NVARCHAR2",
    "CHAR VARYING",
    "CHARACTER VARYING",
    "NCHAR VARYING",
)
_CHARS = ("CHAR", "CHARACTER", "NCHAR")
_BINARIES = ("BINARY", "VARBINARY")
_TIMESTAMPS = {
    "TIMESTAMP": "TIMESTAMP_NTZ",
    "DATETIME": "TIMESTAMP_NTZ",
    "TIMESTAMP_NTZ": "TIMESTAMP_NTZ",
    "TIMESTAMPNTZ": "TIMESTAMP_NTZ",
    "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP_NTZ",
    "TIMESTAMP_LTZ": "TIMESTAMP_LTZ",
    "TIMESTAMPLTZ": "TIMESTAMP_LTZ",
    "TIMESTAMP WITH LOCAL TIME ZONE": "TIMESTAMP_LTZ",
    "TIMESTAMP_TZ": "TIMESTAMP_TZ",
    "TIMESTAMPTZ": "TIMESTAMP_TZ",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP_TZ",
}
_PLAIN = ("BOOLEAN", "DATE", "VARIANT", "OBJECT", "ARRAY")
#: The types the fake reads, as a refusal names them.
MODELLED = (
    "NUMBER(p,s) (DECIMAL, NUMERIC, INT, INTEGER, BIGINT, SMALLINT, TINYINT, BYTEINT), "
    "FLOAT (FLOAT4, FLOAT8, DOUBLE, REAL), VARCHAR(n) (STRING, TEXT, CHAR(n)), BOOLEAN, "
    "DATE, TIME(p), TIMESTAMP_NTZ(p) (TIMESTAMP, DATETIME), TIMESTAMP_LTZ(p), "
    "TIMESTAMP_TZ(p), VARIANT, OBJECT, ARRAY, BINARY(n) (VARBINARY)"
)

_TYPE = re.compile(
    r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\s+(?:PRECISION|VARYING|WITH(?:OUT)?\s+(?:LOCAL\s+)?"
    r"TIME\s+ZONE))?)\s*(?:\(\s*(?P<first>\d+)\s*(?:,\s*(?P<second>\d+)\s*)?\))?",
    re.IGNORECASE,
)


class UnknownType(ValueError):
    """A type the fake does not read (its message says why)."""


@dataclass(frozen=True)
class SnowflakeType:
    """A column's type: ``kind`` (``NUMBER``, ``FLOAT``, ``TEXT``, ``BOOLEAN``, ``DATE``,
    ``TIME``, ``TIMESTAMP_NTZ`` / ``_LTZ`` / ``_TZ``, ``VARIANT``, ``OBJECT``, ``ARRAY``,
    ``BINARY``), with its precision and scale (numbers; times' fractional digits) or its
    length (text, binary), and the type as declared."""

    kind: str
    declared: str
    precision: int = 0
    scale: int = 0
    length: int = 0

    @property
    def reported(self) -> str:
        """The type as the SDK's messages name it."""
        return {
            "FLOAT": "REAL",
            "TEXT": "STRING",
            "TIMESTAMP_NTZ": "TIMESTAMP",
            "TIMESTAMP_LTZ": "TIMESTAMP",
            "TIMESTAMP_TZ": "TIMESTAMP",
        }.get(self.kind, self.kind)

    @property
    def semi_structured(self) -> bool:
        """Whether the column takes an object as it is (VARIANT, OBJECT)."""
        return self.kind in ("VARIANT", "OBJECT")


def _bounded(declared: str, value: str | None, default: int, low: int, high: int, what: str) -> int:
    if value is None:
        return default
    number = int(value)
    if not low <= number <= high:
        raise UnknownType(f"{declared}: the {what} is {low} to {high}, not {number}")
    return number


def parse_type(text: str) -> tuple[SnowflakeType, str]:
    """The type ``text`` opens with, and what follows it (``NOT NULL`` ...); raises
    :class:`UnknownType`."""
    match = _TYPE.match(text)
    if match is None:
        raise UnknownType(f"{text!r} names no type")
    name = " ".join(match["name"].upper().split())
    declared = text[: match.end()].strip()
    first, second = match["first"], match["second"]
    rest = text[match.end() :]
    if second is not None and name not in _NUMBERS:
        raise UnknownType(f"{declared}: only NUMBER takes a scale")
    if name in _NUMBERS:
        precision = _bounded(declared, first, 38, 1, 38, "precision")
        scale = _bounded(declared, second, 0, 0, precision, "scale")
        return SnowflakeType("NUMBER", declared, precision, scale), rest
    if first is not None and name in (*_INTEGERS, *_FLOATS, *_PLAIN):
        raise UnknownType(f"{declared}: {name} takes no length or precision")
    if name in _INTEGERS:
        return SnowflakeType("NUMBER", declared, 38, 0), rest
    if name in _FLOATS:
        return SnowflakeType("FLOAT", declared), rest
    if name in _TEXTS or name in _CHARS:
        length = _bounded(declared, first, 1 if name in _CHARS else MAX_TEXT, 1, MAX_TEXT, "length")
        return SnowflakeType("TEXT", declared, length=length), rest
    if name in _BINARIES:
        length = _bounded(declared, first, MAX_BINARY, 1, MAX_BINARY, "length")
        return SnowflakeType("BINARY", declared, length=length), rest
    if name in _TIMESTAMPS or name == "TIME":
        digits = _bounded(declared, first, 9, 0, 9, "precision")
        return SnowflakeType(_TIMESTAMPS.get(name, "TIME"), declared, scale=digits), rest
    if name in ("GEOGRAPHY", "GEOMETRY"):  # declared, but Snowpipe Streaming refuses them
        return SnowflakeType("GEO", declared), rest
    if name in _PLAIN:
        if rest.lstrip().startswith("("):  # OBJECT(a INT), ARRAY(INT): structured types
            raise UnknownType(f"structured {name}(...) is not a type pytest-firehose reads")
        return SnowflakeType(name, declared), rest
    raise UnknownType(f"{name} is not a type pytest-firehose reads")


# ---------------------------------------------------------------------- converting values


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
    text = value.strip()
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
    if isinstance(value, (int, float)):
        return float(value)
    text = value.strip()
    if _JAVA_DOUBLE.fullmatch(text):
        return float(text.rstrip("fFdD").replace("Infinity", "inf"))
    special = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}
    if text.lower() in special:
        return special[text.lower()]
    raise column.invalid("Not a valid decimal number")


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
    size = len(text.encode("utf-8", "surrogatepass"))
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
        word = value.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise column.invalid(
            "Not a valid boolean, see https://docs.snowflake.com/en/sql-reference/"
            "data-types-logical.html#conversion-to-boolean for the list of supported formats"
        )
    raise column.not_allowed(value)


# java.time's ISO_LOCAL_DATE, ISO_LOCAL_TIME, offsets and zone ids, as their parse reads
# them ('T' and 'Z' in either case).
_DATE = r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
_TIME = r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
_OFFSET = r"(?P<offset>[Zz]|[+-]\d{2}:\d{2}(?::\d{2})?)"
_DATE_TIME = re.compile(
    rf"{_DATE}(?:[Tt]{_TIME}(?:{_OFFSET}(?:\[(?P<zone>[^\]]+)\])?)?)?", re.ASCII
)
_TIME_OF_DAY = re.compile(rf"{_TIME}{_OFFSET}?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
#: Where the SDK's guess of an integer's unit changes (seconds below the first ...).
_SECONDS_LIMIT = 31_536_000_000


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    parts = [int(part) for part in text[1:].split(":")]
    hours, minutes, seconds = (*parts, 0)[:3]
    if hours > 18 or minutes > 59 or seconds > 59:
        raise ValueError(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes, seconds=seconds))


def _clock(match: re.Match[str]) -> tuple[int, int, int, int]:
    """Hour, minute, second and nanosecond of a match of ``_TIME``."""
    fraction = match["fraction"] or ""
    return (
        int(match["hour"]),
        int(match["minute"]),
        int(match["second"] or 0),
        int(fraction.ljust(9, "0")) if fraction else 0,
    )


def _epoch(text: str) -> datetime:
    """An integer in text as the SDK reads it: seconds, milliseconds, microseconds or
    nanoseconds since the epoch, by its size; in UTC."""
    number = int(text)
    if -_SECONDS_LIMIT < number < _SECONDS_LIMIT:
        nanos = number * 10**9
    elif -_SECONDS_LIMIT * 1000 < number < _SECONDS_LIMIT * 1000:
        nanos = number * 10**6
    elif -_SECONDS_LIMIT * 10**6 < number < _SECONDS_LIMIT * 10**6:
        nanos = number * 10**3
    else:
        nanos = number
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=nanos // 1000)


def _moment(text: str) -> tuple[datetime, bool] | None:
    """The moment ``text`` names (aware: in UTC where it gives no offset) and whether it
    gave one; None when java.time's parsers read none of it."""
    match = _DATE_TIME.fullmatch(text)
    if match is not None:
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
        if match["hour"] is None:
            return datetime(day.year, day.month, day.day, tzinfo=timezone.utc), False
        hour, minute, second, nanos = _clock(match)
        local = datetime(day.year, day.month, day.day, hour, minute, second, nanos // 1000)
        if match["offset"] is None:
            return local.replace(tzinfo=timezone.utc), False
        zone: Any = _offset(match["offset"])
        if match["zone"] is not None:
            import zoneinfo  # the zone database: only a zone id needs it

            try:
                zone = zoneinfo.ZoneInfo(match["zone"])
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                return None
        return local.replace(tzinfo=zone), True
    if _INTEGER.fullmatch(text):
        return _epoch(text), False
    return None


def _unsupported(column: Column, kind: str) -> Refused:
    return column.invalid(
        f"Not a valid {kind}, see https://docs.snowflake.com/en/user-guide/"
        "data-load-snowpipe-streaming-overview for the list of supported formats"
    )


def _read_moment(column: Column, value: Any) -> tuple[datetime, bool]:
    if not isinstance(value, str):
        raise column.not_allowed(value)
    try:
        found = _moment(value.strip())
    except (ValueError, OverflowError):
        found = None
    if found is None:
        raise _unsupported(column, "value")
    return found


def _truncated(moment: datetime, digits: int) -> datetime:
    if digits >= 6:
        return moment
    step = 10 ** (6 - digits)
    return moment.replace(microsecond=moment.microsecond // step * step)


def _timestamp(column: Column, value: Any) -> datetime:
    moment, _ = _read_moment(column, value)
    kind = column.type
    if kind.kind == "TIMESTAMP_NTZ":
        moment = moment.replace(tzinfo=None)  # the time as written, its offset dropped
    elif kind.kind == "TIMESTAMP_LTZ":
        moment = moment.astimezone(timezone.utc)
    else:
        offset = moment.utcoffset()
        moment = moment.replace(tzinfo=timezone(offset or timedelta()))
    return _truncated(moment, kind.scale)


def _date(column: Column, value: Any) -> date:
    moment, _ = _read_moment(column, value)
    return moment.date()


def _time(column: Column, value: Any) -> time:
    if not isinstance(value, str):
        raise column.not_allowed(value)
    text = value.strip()
    match = _TIME_OF_DAY.fullmatch(text)
    try:
        if match is not None:
            hour, minute, second, nanos = _clock(match)
            if match["offset"] is not None:
                _offset(match["offset"])
            found = time(hour, minute, second, nanos // 1000)
        elif _INTEGER.fullmatch(text):
            found = _epoch(text).time()
        else:
            raise ValueError(text)
    except (ValueError, OverflowError):
        raise _unsupported(column, "time") from None
    step = 10 ** max(6 - column.type.scale, 0)
    return found.replace(microsecond=found.microsecond // step * step)


def _binary(column: Column, value: Any) -> bytes:
    if not isinstance(value, str):
        raise column.not_allowed(value)
    try:
        data = bytes.fromhex(value.strip()) if " " not in value.strip() else None
    except ValueError:
        data = None
    if data is None:
        raise column.invalid("Not a valid hex string")
    if len(data) > column.type.length:
        raise column.invalid(f"Binary too long: length={len(data)} maxLength={column.type.length}")
    return data


def _semi_structured(column: Column, value: Any) -> Any:
    kind = column.type.kind
    if kind == "OBJECT" and not isinstance(value, dict):
        raise column.invalid("Not an object")
    if kind == "ARRAY" and not isinstance(value, list):
        value = [value]
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
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
