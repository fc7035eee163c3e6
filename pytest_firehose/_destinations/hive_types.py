"""The column types of a Glue table (Hive's type names) and how a JSON value becomes a value
of one, as record format conversion reads them: the OpenX SerDe from the parsed value
(``value_of``), the Hive SerDe from the record's JSON tokens (``HiveRecord``). Needs pyarrow
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
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.arrow_imports import arrow_module

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
            match = _SQL.fullmatch(value.strip())
            if match is not None:
                return _valid(match)
        raise Unfit(f"{value!r} is no timestamp in the formats configured")

    return read


# ---------------------------------------------------------------------- values


@dataclass(frozen=True)
class Reading:
    """How a deserializer reads values: its ``timestamp`` reader, ``keys``, which gives a
    JSON object's members by the names columns and struct fields match, and ``binary``,
    what it makes of a value given to a ``binary`` column (JSON's null included)."""

    timestamp: Callable[[Any], datetime]
    keys: Callable[[dict[str, Any]], dict[str, Any]]
    binary: Callable[[Any], bytes | None]


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
            return _java_text(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        text = getattr(value, "text", None)  # a number's, as written (the parser keeps it)
        return text if isinstance(text, str) else json.dumps(value, separators=(",", ":"))
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


def _integer(value: Any, kind: pa.DataType) -> int:
    """An integer column's value as OpenX's ``ParsePrimitiveUtils`` parses the text (a
    number is kept as its text): Java's ``parseInt`` and its kin, no blanks around it,
    hexadecimal after ``0x``."""
    if isinstance(value, (bool, float)):
        raise Unfit(f"{value!r} is no integer")
    if isinstance(value, str):
        if value[:2] in ("0x", "0X") and re.fullmatch(r"[-+]?[0-9a-fA-F]+", value[2:]):
            value = int(value[2:], 16)
        elif re.fullmatch(r"[-+]?\d+", value):
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
        return [
            (value_of(key, kind.key_type, reading), value_of(item, kind.item_type, reading))
            for key, item in value.items()
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


# ---------------------------------------------------------------------- the Hive JSON SerDe
#
# The Hive SerDe (Hive 2's org.apache.hive.hcatalog.data.JsonSerDe) does not read a parsed
# document: it walks the JSON parser's tokens (Jackson 1) and asks the parser for each
# column's value as its type needs it. A value of the wrong shape leaves the walk out of step
# with the document, and what follows is read from wherever the walk stands; so the record
# is read here token by token, the way that SerDe reads it.


class Misread(Unfit):
    """A record the Hive SerDe cannot read: ``column`` is the top-level column it was
    reading (None: the record itself, between columns)."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class _Token:
    """A parser token: its kind as Jackson names it, its text (a number's as written, a
    string's decoded, ``{`` for an object's start ...) and the member name the parser
    reports while it stands on it."""

    kind: str
    text: str
    name: str | None


_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_BLANK = re.compile(r"[ \t\n\r]*")
_STARTS = {"{": "START_OBJECT", "[": "START_ARRAY"}
_ENDS = {"}": "END_OBJECT", "]": "END_ARRAY"}
_WORDS = {"true": "VALUE_TRUE", "false": "VALUE_FALSE", "null": "VALUE_NULL"}
_NUMERIC = ("VALUE_NUMBER_INT", "VALUE_NUMBER_FLOAT")


def _json_tokens(text: str) -> list[_Token]:
    """The tokens of ``text``, one JSON document already known to be well formed."""
    tokens: list[_Token] = []
    #: The member name of each open object or array (None in an array).
    names: list[str | None] = [None]
    position = 0
    while True:
        position = _BLANK.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text):
            return tokens
        char = text[position]
        if char in _STARTS:
            tokens.append(_Token(_STARTS[char], char, names[-1]))
            names.append(None)
            position += 1
        elif char in _ENDS:
            names.pop()
            tokens.append(_Token(_ENDS[char], char, names[-1]))
            position += 1
        elif char in ",:":
            position += 1
        elif char == '"':
            value, position = json.decoder.scanstring(text, position + 1)  # type: ignore[attr-defined]
            after = _BLANK.match(text, position).end()  # type: ignore[union-attr]
            if after < len(text) and text[after] == ":":
                names[-1] = value
                tokens.append(_Token("FIELD_NAME", value, value))
            else:
                tokens.append(_Token("VALUE_STRING", value, names[-1]))
        else:
            number = _NUMBER.match(text, position)
            if number is not None:
                fraction = number.group(1) or number.group(2)
                kind = "VALUE_NUMBER_FLOAT" if fraction else "VALUE_NUMBER_INT"
                tokens.append(_Token(kind, number.group(0), names[-1]))
                position = number.end()
                continue
            word = next(w for w in _WORDS if text.startswith(w, position))
            tokens.append(_Token(_WORDS[word], word, names[-1]))
            position += len(word)


def _java_text(text: str) -> str:
    """Text as Java writes it: a lone surrogate (JSON can escape one) becomes ``?``."""
    return text if text.isascii() else text.encode("utf-8", "replace").decode()


def _wrapped(value: int, bits: int) -> int:
    """``value`` cut to its lowest ``bits`` bits, signed (Java's narrowing)."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


_INT_RANGE = f"({-(2**31)} - {2**31 - 1})"
_LONG_RANGE = f"({-(2**63)} - {2**63 - 1})"


def _not_numeric(token: _Token) -> Unfit:
    return Unfit(f"Current token ({token.kind}) not numeric, can not use numeric value accessors")


def _whole(token: _Token, bits: int) -> int:
    """An integer column's value as Jackson 1's ``getByteValue`` / ``getShortValue`` /
    ``getIntValue`` / ``getLongValue`` give it: a fraction cut toward zero, a number past
    the type's range refused (past a long's, an integer is cut to its low bits)."""
    if token.kind not in _NUMERIC:
        raise _not_numeric(token)
    text = token.text
    if token.kind == "VALUE_NUMBER_INT":
        value = int(text)
        in_long = -(2**63) <= value < 2**63
        if bits == 64:
            return value if in_long else _wrapped(value, 64)
        if -(2**31) <= value < 2**31:
            number = value
        elif in_long:
            raise Unfit(f"Numeric value ({text}) out of range of int")
        else:
            number = _wrapped(value, 32)
    else:
        double = float(text)
        if bits == 64:
            if double < -(2**63) or double > 2**63:
                raise Unfit(f"Numeric value ({text}) out of range of long {_LONG_RANGE}")
            return min(int(double), 2**63 - 1)
        if double < -(2**31) or double > 2**31 - 1:
            raise Unfit(f"Numeric value ({text}) out of range of int {_INT_RANGE}")
        number = int(double)
    if bits == 8:
        if not -128 <= number <= 255:
            raise Unfit(f"Numeric value ({text}) out of range of Java byte")
        return _wrapped(number, 8)
    if bits == 16 and not -(2**15) <= number < 2**15:
        raise Unfit(f"Numeric value ({text}) out of range of Java short")
    return number


def _double(token: _Token) -> float:
    """A ``double`` or ``float`` column's value as Jackson 1's ``getDoubleValue`` gives it
    (the ``float`` is narrowed when it is written)."""
    if token.kind not in _NUMERIC:
        raise _not_numeric(token)
    try:
        return float(int(token.text)) if token.kind == "VALUE_NUMBER_INT" else float(token.text)
    except OverflowError:
        return float("-inf") if token.text.startswith("-") else float("inf")


_JAVA_INT = re.compile(r"[-+]?\d+")


def sql_date(text: str) -> date:
    """java.sql.Date.valueOf (Java 8): ``yyyy-[m]m-[d]d``, a day past its month's end
    rolling over into the next month."""
    first = text.find("-")
    second = text.find("-", first + 1)
    if 0 < first < second < len(text) - 1:
        parts = text[:first], text[first + 1 : second], text[second + 1 :]
        if (
            len(parts[0]) == 4
            and 1 <= len(parts[1]) <= 2
            and 1 <= len(parts[2]) <= 2
            and all(_JAVA_INT.fullmatch(part) for part in parts)
        ):
            year, month, day = (int(part) for part in parts)
            if 1 <= month <= 12 and 1 <= day <= 31:
                try:
                    return date(year, month, 1) + timedelta(days=day - 1)
                except (ValueError, OverflowError):
                    pass
    raise Unfit("java.lang.IllegalArgumentException")


_HIVE_DECIMAL = re.compile(r" *([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?) *")
_WIDE = Context(prec=200)


def hive_decimal(text: str, kind: pa.DataType) -> Decimal | None:
    """HiveDecimal.create of ``text``, fitted to the column's precision and scale: rounded
    half up to the scale; None (null) for text that is no number and for a number with
    more whole digits than the column holds."""
    match = _HIVE_DECIMAL.fullmatch(text)
    if match is None:
        return None
    try:
        scaled = Decimal(match.group(1)).quantize(
            Decimal(1).scaleb(-kind.scale), rounding=ROUND_HALF_UP, context=_WIDE
        )
    except InvalidOperation:
        return None
    if len(scaled.as_tuple().digits) > kind.precision:
        return None
    return scaled


_SQL_TIMESTAMP = "Timestamp format must be yyyy-mm-dd hh:mm:ss[.fffffffff]"
_FLOAT_TEXT = re.compile(
    r"[\x00- ]*[-+]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[fFdD]?)[\x00- ]*"
)


def _map_key(name: str | None, kind: pa.DataType) -> Any:
    """A map key (a member's name) as the Hive SerDe reads it: with Java's own parsers
    (``Integer.valueOf``, ``Double.valueOf``, ``java.sql.Timestamp.valueOf`` ...), not the
    JSON parser's."""
    if name is None:
        raise Unfit("a map key is null")
    if pa.types.is_binary(kind):
        raise Unfit("JsonSerDe does not support BINARY type")
    if pa.types.is_integer(kind):
        bits = kind.bit_width
        if _JAVA_INT.fullmatch(name) is None:
            raise Unfit(f'For input string: "{name}"')
        value = int(name)
        if -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            return value
        if bits <= 16:
            raise Unfit(f'Value out of range. Value:"{name}" Radix:10')
        raise Unfit(f'For input string: "{name}"')
    if pa.types.is_boolean(kind):
        return name.lower() == "true"
    if pa.types.is_floating(kind):
        if _FLOAT_TEXT.fullmatch(name) is None:
            raise Unfit(f'For input string: "{name}"')
        return float(name.strip("\x00 ").rstrip("fFdD").replace("Infinity", "inf"))
    if pa.types.is_string(kind):
        return _java_text(name)
    if pa.types.is_date(kind):
        return sql_date(name)
    if pa.types.is_timestamp(kind):
        match = _SQL.fullmatch(name)
        if match is None:
            raise Unfit(_SQL_TIMESTAMP)
        return _valid(match)
    if pa.types.is_decimal(kind):
        number = hive_decimal(name, kind)
        if number is None:
            raise Unfit("a map key is null")
        return number
    raise Unfit(f"Could not convert from string to map type {kind}")


_INTERNAL = re.compile(r"_col([0-9]+)")


def _internal_position(name: str, digits: str, count: int) -> int:
    """The position a Hive internal column name (``_col<digits>``) gives, of ``count``
    fields; the name must be the position's own (``_col007`` is not ``_col7``)."""
    if int(digits) >= 2**31:
        raise Unfit(f'For input string: "{digits}"')
    position = int(digits)
    if name.lower() != f"_col{position}":
        raise Unfit(
            f"Hive internal column name ({name}) and position encoding ({position}) "
            "for the column name are at odds"
        )
    if position >= count:
        raise Unfit(f"Index: {position}, Size: {count}")
    return position


class HiveRecord:
    """Reads one JSON document the way the Hive JSON SerDe does, into the columns
    ``fields`` (Arrow fields, their names lower case), with ``timestamp`` reading a
    timestamp column's text."""

    def __init__(self, text: str, timestamp: Callable[[Any], datetime]) -> None:
        self._tokens = _json_tokens(text)
        self._at = -1
        self._timestamp = timestamp

    def _next(self) -> _Token:
        self._at += 1
        if self._at >= len(self._tokens):
            raise Unfit("Unexpected end-of-input")
        return self._tokens[self._at]

    def row(self, fields: Sequence[pa.Field]) -> dict[str, Any]:
        """The record's row: each column's value, None for one no member names."""
        values: list[Any] = [None] * len(fields)
        self._next()  # the document's START_OBJECT
        while self._at + 1 < len(self._tokens):
            token = self._next()
            if token.kind == "END_OBJECT":
                break
            #: The column whose value is being read (None: between columns).
            self._column: str | None = None
            try:
                self._member(token, fields, values, top=True)
            except (ValueError, ArithmeticError) as error:  # Unfit, or a reader's own
                raise Misread(self._column, str(error) or type(error).__name__) from error
        return dict(zip([field.name for field in fields], values, strict=True))

    def _member(
        self, token: _Token, fields: Sequence[pa.Field], values: list[Any], *, top: bool
    ) -> None:
        """Reads the member whose name ``token`` is into ``values`` (a later member of the
        same name wins); a name no field has is skipped with its value, except Hive's
        internal column names (``_col0`` ...), which name a field by its position."""
        if token.kind != "FIELD_NAME":
            raise Unfit("Field name expected")
        name = token.text
        position = next((at for at, f in enumerate(fields) if f.name == name.lower()), None)
        if position is None:
            internal = _INTERNAL.fullmatch(name)
            if internal is None:
                self._skip()
                return
            position = _internal_position(name, internal.group(1), len(fields))
        if top:
            self._column = fields[position].name
        values[position] = self._value(fields[position].type, current=False)

    def _skip(self) -> None:
        """Skips a member's value, an object or array whole."""
        token = self._next()
        if token.kind in ("START_OBJECT", "START_ARRAY"):
            depth = 1
            while depth:
                kind = self._next().kind
                depth += kind in ("START_OBJECT", "START_ARRAY")
                depth -= kind in ("END_OBJECT", "END_ARRAY")

    def _value(self, kind: pa.DataType, *, current: bool) -> Any:
        """The value of type ``kind`` at the next token (or the current one)."""
        token = self._tokens[self._at] if current else self._next()
        if pa.types.is_binary(kind):
            raise Unfit("JsonSerDe does not support BINARY type")
        if token.kind == "VALUE_NULL":
            return None
        if pa.types.is_list(kind):
            if token.kind != "START_ARRAY":
                raise Unfit("Start of Array expected")
            items = []
            while self._next().kind != "END_ARRAY":
                items.append(self._value(kind.value_type, current=True))
            return items
        if pa.types.is_map(kind):
            if token.kind != "START_OBJECT":
                raise Unfit("Start of Object expected")
            # Each member's name is its key, read with Java's parsers; its value is the
            # token after the name.
            entries: dict[Any, Any] = {}
            while (token := self._next()).kind != "END_OBJECT":
                key = _map_key(token.name, kind.key_type)
                entries[key] = self._value(kind.item_type, current=False)
            return list(entries.items())
        if pa.types.is_struct(kind):
            if token.kind != "START_OBJECT":
                raise Unfit("Start of Object expected")
            fields = list(kind)
            values: list[Any] = [None] * len(fields)
            while (token := self._next()).kind != "END_OBJECT":
                self._member(token, fields, values, top=False)
            return dict(zip([field.name for field in fields], values, strict=True))
        return self._primitive(token, kind)

    def _primitive(self, token: _Token, kind: pa.DataType) -> Any:
        if pa.types.is_integer(kind):
            return _whole(token, kind.bit_width)
        if pa.types.is_floating(kind):
            return _double(token)
        if pa.types.is_boolean(kind):
            return token.text.lower() == "true"  # Boolean.valueOf(getText())
        if pa.types.is_string(kind):
            return _java_text(token.text)
        if pa.types.is_timestamp(kind):
            return self._timestamp(token.text)
        if pa.types.is_date(kind):
            return sql_date(token.text)
        if pa.types.is_decimal(kind):
            return hive_decimal(token.text, kind)
        raise Unfit(f"no values of {kind}")  # pragma: no cover - column_type makes no others
