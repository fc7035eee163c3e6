"""The column types of a Glue table (Hive's type names) and how a JSON value becomes a value
of one, as record format conversion reads them: the OpenX SerDe from the parsed value
(``value_of``); the Hive SerDe reads the record's JSON tokens (``hive_json``). Needs pyarrow
(the ``conversion`` extra).

A value that does not fit its column raises :class:`Unfit`; the converter reports the
record as ``DataFormatConversion.MalformedData``. docs/fidelity.md lists the rules chosen
where AWS's deserializers are not on record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.arrow_imports import arrow_module
from pytest_firehose._destinations.java_hashmap import hash_order
from pytest_firehose._destinations.openx_json import openx_text

if TYPE_CHECKING:
    import pyarrow as pa
else:
    pa = arrow_module("pyarrow")


class Unfit(ValueError):
    """A JSON value that does not fit its column's type."""


class UnknownType(ValueError):
    """A column type the converter does not know (or a table of columns it cannot read)."""


_INTS = {"tinyint": pa.int8(), "smallint": pa.int16(), "int": pa.int32(), "integer": pa.int32()}
_INTS["bigint"] = pa.int64()
_SIMPLE: dict[str, pa.DataType] = {
    **_INTS,
    "string": pa.string(),
    "float": pa.float32(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("ms"),
    "date": pa.date32(),
    "binary": pa.binary(),
}
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*|\d+|[<>(),:])")


def _tokens(text: str) -> list[str]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise UnknownType(text)
        found.append(match.group(1))
        position = match.end()
    return found


def column_type(text: str) -> pa.DataType:
    """The Arrow type of the Hive type ``text`` (``int``, ``decimal(10,2)``,
    ``array<struct<a:string,b:int>>``...)."""
    if not isinstance(text, str):
        raise UnknownType(repr(text))
    tokens = _tokens(text)
    try:
        parsed, rest = _parse(tokens, 0, text)
    except RecursionError:  # nested past what any table holds
        raise UnknownType(text) from None
    if rest != len(tokens):
        raise UnknownType(text)
    return parsed


def sized_text(text: str) -> tuple[str, int] | None:
    """``("varchar", n)`` or ``("char", n)`` when the Hive type ``text`` (one
    ``column_type`` reads) is a ``varchar(n)`` or ``char(n)``; None for every other."""
    tokens = _tokens(text)
    if len(tokens) != 4 or tokens[0].lower() not in ("varchar", "char"):
        return None
    return tokens[0].lower(), _number(tokens, 2, text)


def _number(tokens: list[str], at: int, text: str) -> int:
    """The number at ``tokens[at]`` (a length, a precision, a scale)."""
    if at >= len(tokens) or not tokens[at].isdigit():
        raise UnknownType(text)
    return int(tokens[at])


def _expect(tokens: list[str], at: int, token: str, text: str) -> int:
    if at >= len(tokens) or tokens[at] != token:
        raise UnknownType(text)
    return at + 1


def _parse(tokens: list[str], at: int, text: str) -> tuple[pa.DataType, int]:
    if at >= len(tokens):
        raise UnknownType(text)
    name = tokens[at].lower()
    at += 1
    if name in ("varchar", "char"):
        at = _expect(tokens, at, "(", text)
        _number(tokens, at, text)
        return pa.string(), _expect(tokens, at + 1, ")", text)
    if name == "decimal":
        precision, scale = 10, 0
        if at < len(tokens) and tokens[at] == "(":
            precision = _number(tokens, at + 1, text)
            at += 2
            if at < len(tokens) and tokens[at] == ",":
                scale = _number(tokens, at + 1, text)
                at += 2
            at = _expect(tokens, at, ")", text)
        if not 1 <= precision <= 38 or scale > precision:
            raise UnknownType(text)
        return pa.decimal128(precision, scale), at
    if name == "array":
        at = _expect(tokens, at, "<", text)
        item, at = _parse(tokens, at, text)
        return pa.list_(item), _expect(tokens, at, ">", text)
    if name == "map":
        at = _expect(tokens, at, "<", text)
        key, at = _parse(tokens, at, text)
        at = _expect(tokens, at, ",", text)
        value, at = _parse(tokens, at, text)
        return pa.map_(key, value), _expect(tokens, at, ">", text)
    if name == "struct":
        at = _expect(tokens, at, "<", text)
        fields = []
        while True:
            if at >= len(tokens):
                raise UnknownType(text)
            field_name = tokens[at].lower()
            at = _expect(tokens, at + 1, ":", text)
            field_type, at = _parse(tokens, at, text)
            fields.append(pa.field(field_name, field_type))
            if at < len(tokens) and tokens[at] == ",":
                at += 1
                continue
            return pa.struct(fields), _expect(tokens, at, ">", text)
    if name in _SIMPLE:
        return _SIMPLE[name], at
    raise UnknownType(text)


# ---------------------------------------------------------------------- timestamps

#: OpenX's own forms: ISO 8601 in UTC with up to nine fraction digits, and the
#: ``yyyy-[M]M-[d]d HH:mm:ss[.S]`` form (also Hive's default, java.sql.Timestamp's).
_ISO_Z = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z")
_SQL = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
#: An integer from this many milliseconds on is read as epoch milliseconds by OpenX.
_MILLIS_FROM = 10**11
_EPOCH = datetime(1970, 1, 1)


def _from_match(match: re.Match[str]) -> datetime:
    year, month, day, hour, minute, second = (int(group) for group in match.groups()[:6])
    fraction = (match.group(7) or "0").ljust(6, "0")[:6]
    return datetime(year, month, day, hour, minute, second, int(fraction))


def _epoch(seconds: float) -> datetime:
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except OverflowError as error:
        raise Unfit("timestamp out of range") from error


def openx_timestamp(value: Any) -> datetime:
    """A timestamp as the OpenX JSON SerDe reads it: the two text forms, or epoch seconds
    (an integer, a number with a fraction, or their text), or epoch milliseconds (an
    integer of 12 digits or more)."""
    if isinstance(value, bool):
        raise Unfit("a boolean is no timestamp")
    if isinstance(value, str):
        for form in (_ISO_Z, _SQL):
            match = form.fullmatch(value.strip())
            if match is not None:
                return _valid(match)
        try:
            value = json.loads(value)
        except ValueError as error:
            raise Unfit(f"{value!r} is no timestamp") from error
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise Unfit("no timestamp")
    if isinstance(value, int):
        return _epoch(value / 1000 if abs(value) >= _MILLIS_FROM else value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise Unfit("no timestamp")
        return _epoch(value)
    raise Unfit("no timestamp")


def _valid(match: re.Match[str]) -> datetime:
    try:
        return _from_match(match)
    except ValueError as error:
        raise Unfit(str(error)) from error


def sql_timestamp(text: str) -> datetime | None:
    """``text`` read in ``java.sql.Timestamp.valueOf``'s form (``yyyy-[m]m-[d]d
    hh:mm:ss[.f...]``); None when it is not in it, :class:`Unfit` for a date past its
    month's end."""
    match = _SQL.fullmatch(text)
    return None if match is None else _valid(match)


#: Joda-Time pattern letters the Hive deserializer's ``TimestampFormats`` may use, as
#: strptime directives.
_JODA = {
    "yyyy": "%Y",
    "yy": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "M": "%m",
    "dd": "%d",
    "d": "%d",
    "HH": "%H",
    "H": "%H",
    "hh": "%I",
    "h": "%I",
    "mm": "%M",
    "m": "%M",
    "ss": "%S",
    "s": "%S",
    "a": "%p",
    "EEEE": "%A",
    "EEE": "%a",
    "Z": "%z",
    "ZZ": "%z",
}
_JODA_TOKEN = re.compile(r"'([^']*)'|(S+)|([A-Za-z])\3*|(.)")


def joda_format(pattern: str) -> Callable[[str], datetime]:
    """A reader for text in Joda-Time ``pattern`` (the letters in ``_JODA``, fractions of
    a second as ``S``, quoted literals); UnknownType for any other letter."""
    parts: list[str] = []
    #: More than six ``S``: strptime's ``%f`` reads at most six digits.
    long_fraction = False
    for match in _JODA_TOKEN.finditer(pattern):
        literal, seconds, letters, other = match.groups()
        if literal is not None:
            parts.append(literal.replace("%", "%%") if literal else "'")
        elif seconds is not None:
            parts.append("%f")
            long_fraction = long_fraction or len(seconds) > 6
        elif letters is not None:
            directive = _JODA.get(match.group(0))
            if directive is None:
                raise UnknownType(f"TimestampFormats pattern {pattern!r}: {match.group(0)!r}")
            parts.append(directive)
        else:
            parts.append(other.replace("%", "%%"))
    layout = "".join(parts)

    def read(text: str) -> datetime:
        value = text
        if long_fraction:
            # Digits past the sixth of a run are dropped (the fraction's, when the fraction
            # is not run together with other fields).
            value = re.sub(r"(?<=\d{6})\d+", "", text)
        parsed = datetime.strptime(value, layout)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
        return parsed

    return read


def hive_timestamp(formats: Sequence[str]) -> Callable[[Any], datetime]:
    """A timestamp reader for the Hive JSON SerDe's ``TimestampFormats``: each pattern in
    turn (``millis``: epoch milliseconds), else java.sql.Timestamp's text form."""
    readers = [None if f == "millis" else joda_format(f) for f in formats]

    def read(value: Any) -> datetime:
        for reader in readers:
            if reader is None:
                if isinstance(value, int) and not isinstance(value, bool):
                    return _epoch(value / 1000)
                if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
                    return _epoch(int(value) / 1000)
                continue
            if isinstance(value, str):
                try:
                    return reader(value)
                except ValueError:
                    continue
        if isinstance(value, str):
            read = sql_timestamp(value.strip())
            if read is not None:
                return read
        raise Unfit(f"{value!r} is no timestamp in the formats configured")

    return read


# ---------------------------------------------------------------------- values


@dataclass(frozen=True)
class Reading:
    """How a deserializer reads values: its ``timestamp`` reader, ``keys``, which gives a
    JSON object's members by the names columns and struct fields match, ``binary``,
    what it makes of a value given to a ``binary`` column (JSON's null included), and
    ``lower``, whether its parser keeps keys lower-cased (OpenX's ``CaseInsensitive``)."""

    timestamp: Callable[[Any], datetime]
    keys: Callable[[dict[str, Any]], dict[str, Any]]
    binary: Callable[[Any], bytes | None]
    lower: bool = True


#: The Java class the OpenX SerDe's JSON parser makes of a value (it keeps a number as
#: its text), which Hive's binary object inspector then casts to ``byte[]``.
_OPENX_CLASSES = {
    bool: "java.lang.Boolean",  # before int, which it is too
    str: "java.lang.String",
    int: "java.lang.String",
    float: "java.lang.String",
    dict: "org.openx.data.jsonserde.json.JSONObject",
    list: "org.openx.data.jsonserde.json.JSONArray",
}


def _openx_class(value: Any) -> str:
    """The Java class of the OpenX parser's object for ``value`` (parsed JSON)."""
    return next(name for kind, name in _OPENX_CLASSES.items() if isinstance(value, kind))


def openx_binary(value: Any) -> bytes | None:
    """A ``binary`` column's value as the OpenX SerDe reads it: the parser's Java object
    as it is, which Hive's binary object inspector casts to ``byte[]`` when the row is
    written. Only null survives; every other value fails the cast."""
    if value is None:
        return None
    raise Unfit(f"{_openx_class(value)} cannot be cast to [B")


def value_of(value: Any, kind: pa.DataType, reading: Reading) -> Any:
    """``value`` (parsed JSON, present in its object or array) as a value of column type
    ``kind``, as the OpenX SerDe reads it (the Hive SerDe reads a record's tokens:
    :class:`HiveRecord`); None stays None."""
    if pa.types.is_binary(kind):
        return reading.binary(value)
    if value is None:
        return None
    if pa.types.is_string(kind):
        if isinstance(value, str):
            # A lone surrogate (JSON can escape one) is written as "?", as Java writes it.
            return java_text(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return java_text(openx_text(value, lower=reading.lower))
        text = getattr(value, "text", None)  # a number's, as written (the parser keeps it)
        return text if isinstance(text, str) else json.dumps(value)
    if pa.types.is_integer(kind):
        return _integer(value, kind)
    if pa.types.is_floating(kind):
        return _floating(value)
    if pa.types.is_boolean(kind):
        return _boolean(value)
    if pa.types.is_timestamp(kind):
        return reading.timestamp(value)
    if pa.types.is_date(kind):
        return _date(value)
    if pa.types.is_decimal(kind):
        return _decimal(value, kind)
    return _nested(value, kind, reading)


#: An integer's text as Java's ``Integer.parseInt`` and its kin take it: a sign, then digits,
#: nothing around them.
JAVA_INT = re.compile(r"[-+]?\d+")


def _integer(value: Any, kind: pa.DataType) -> int:
    """An integer column's value as OpenX's ``ParsePrimitiveUtils`` parses the text (a
    number is kept as its text): Java's ``parseInt`` and its kin, no blanks around it,
    hexadecimal after ``0x``."""
    if isinstance(value, (bool, float)):
        raise Unfit(f"{value!r} is no integer")
    if isinstance(value, str):
        if value[:2] in ("0x", "0X") and re.fullmatch(r"[-+]?[0-9a-fA-F]+", value[2:]):
            value = int(value[2:], 16)
        elif JAVA_INT.fullmatch(value):
            value = int(value)
        else:
            raise Unfit(f"{value!r} is no integer")
    if not isinstance(value, int):
        raise Unfit(f"{value!r} is no integer")
    bits = kind.bit_width
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise Unfit(f"{value} does not fit {kind}")
    return int(value)


def _floating(value: Any) -> float:
    if isinstance(value, bool):
        raise Unfit("a boolean is no number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError as error:
            raise Unfit(f"{value!r} is no number") from error
    raise Unfit(f"{value!r} is no number")


def _boolean(value: Any) -> bool:
    """A ``boolean`` column's value as OpenX's boolean inspector reads it: a JSON boolean,
    else ``Boolean.parseBoolean`` of the text (a number's too): true only for ``true`` in
    any case, with nothing around it. An object or array fails Java's cast."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (dict, list)):
        raise Unfit(f"{_openx_class(value)} cannot be cast to java.lang.Boolean")
    return isinstance(value, str) and value.lower() == "true"


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise Unfit(f"{value!r} is no date")
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError as error:
        raise Unfit(f"{value!r} is no date") from error


def _decimal(value: Any, kind: pa.DataType) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Unfit(f"{value!r} is no decimal")
    try:
        number = Decimal(str(value).strip())
        scaled = number.quantize(Decimal(1).scaleb(-kind.scale))
    except InvalidOperation as error:
        raise Unfit(f"{value!r} is no decimal") from error
    if not scaled.is_finite() or len(scaled.as_tuple().digits) > kind.precision:
        raise Unfit(f"{value!r} does not fit {kind}")
    return scaled


def _nested(value: Any, kind: pa.DataType, reading: Reading) -> Any:
    if pa.types.is_list(kind):
        if not isinstance(value, list):
            raise Unfit("an array column needs a JSON array")
        return [value_of(item, kind.value_type, reading) for item in value]
    if pa.types.is_map(kind):
        if not isinstance(value, dict):
            raise Unfit("a map column needs a JSON object")
        # The parser's keys (lower-cased when case-insensitive), in the order of the HashMap
        # OpenX's map inspector copies the object's HashMap into (JSONObjectMapAdapter).
        members = {(key.lower() if reading.lower else key): item for key, item in value.items()}
        return [
            (value_of(key, kind.key_type, reading), value_of(members[key], kind.item_type, reading))
            for key in hash_order(hash_order(members))
        ]
    if pa.types.is_struct(kind):
        if not isinstance(value, dict):
            raise Unfit("a struct column needs a JSON object")
        members = reading.keys(value)
        return {
            field.name: value_of(members[field.name], field.type, reading)
            if field.name in members
            else None
            for field in kind
        }
    raise Unfit(f"no values of {kind}")  # pragma: no cover - column_type makes no others


def java_text(text: str) -> str:
    """Text as Java writes it: a lone surrogate (JSON can escape one) becomes ``?``."""
    return text if text.isascii() else text.encode("utf-8", "replace").decode()
