"""The column types of a Glue table: Hive's type names read as Arrow types
(``column_type``), and a ``char(n)`` or ``varchar(n)`` told apart (``sized_text``). Needs
pyarrow (the ``conversion`` extra). A type the converter does not know raises
:class:`UnknownType`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pytest_firehose._destinations.arrow_imports import arrow_module

if TYPE_CHECKING:
    import pyarrow as pa
else:
    pa = arrow_module("pyarrow")


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
