"""The Hive JSON SerDe's reading of a record (Hive 2's
``org.apache.hive.hcatalog.data.JsonSerDe``, the reader with the ``timestamp.formats``
property Firehose's ``TimestampFormats`` sets), for record format conversion. Needs pyarrow
(the ``conversion`` extra).

That SerDe does not read a parsed document: it walks the JSON parser's tokens (Jackson 1)
and asks the parser for each column's value as its type needs it. A value of the wrong
shape leaves the walk out of step with the document, and what follows is read from
wherever the walk stands; so the record is read here token by token, the way that SerDe
reads it (:class:`HiveRecord`). A value it cannot read raises :class:`Misread`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.arrow_imports import arrow_module
from pytest_firehose._destinations.hive_timestamps import sql_timestamp
from pytest_firehose._destinations.hive_types import JAVA_INT, Unfit, hive_decimal, java_text

if TYPE_CHECKING:
    import pyarrow as pa
else:
    pa = arrow_module("pyarrow")


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
            and all(JAVA_INT.fullmatch(part) for part in parts)
        ):
            year, month, day = (int(part) for part in parts)
            if 1 <= month <= 12 and 1 <= day <= 31:
                try:
                    return date(year, month, 1) + timedelta(days=day - 1)
                except (ValueError, OverflowError):
                    pass
    raise Unfit("java.lang.IllegalArgumentException")


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
        if JAVA_INT.fullmatch(name) is None:
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
        return java_text(name)
    if pa.types.is_date(kind):
        return sql_date(name)
    if pa.types.is_timestamp(kind):
        read = sql_timestamp(name)
        if read is None:
            raise Unfit(_SQL_TIMESTAMP)
        return read
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
            return java_text(token.text)
        if pa.types.is_timestamp(kind):
            return self._timestamp(token.text)
        if pa.types.is_date(kind):
            return sql_date(token.text)
        if pa.types.is_decimal(kind):
            return hive_decimal(token.text, kind)
        raise Unfit(f"no values of {kind}")  # pragma: no cover - column_type makes no others
