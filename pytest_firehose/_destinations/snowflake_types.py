"""The column types of a Snowflake table a test declares (``firehose.snowflake_table``): the
type names the fake reads, with their lengths, precisions and scales
(``snowflake_values.py`` converts a record's values to them).

Facts used here (Snowflake's "Summary of data types"): the synonyms (``INT`` is
``NUMBER(38,0)``, ``STRING`` is ``VARCHAR``, ``DOUBLE`` is ``FLOAT``, ``TIMESTAMP`` is
``TIMESTAMP_NTZ`` by default, ``CHAR`` without a length is ``CHAR(1)``); a ``NUMBER``'s
precision is 1 to 38 and its scale 0 to its precision, a time's fractional digits 0 to 9;
text holds at most 16 MB, binary 8 MB. "Structured data types" and "Vector data types":
``ARRAY(type [NOT NULL])``, ``OBJECT(name type [NOT NULL], ...)``, ``MAP(key, value)`` with
a ``VARCHAR`` or scale-0 ``NUMBER`` key, ``VECTOR(INT or FLOAT, 1 to 4096)``; Snowpipe
Streaming (classic) loads structured types into Iceberg tables only, and no VECTOR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
#: The types a table may have that Snowpipe Streaming loads no row into: geospatial ones,
#: structured ones (only an Iceberg table takes them) and VECTOR (which no loading takes).
_STRUCTURED = ("OBJECT", "ARRAY", "MAP")
#: A VECTOR's element types and its largest dimension (Snowflake's "Vector data types").
_VECTOR_ELEMENTS = ("INT", "FLOAT")
MAX_DIMENSION = 4096
#: The kind of a type a table may have but Snowpipe Streaming does not load.
UNLOADED = "UNLOADED"
#: The types the fake reads, as a refusal names them.
MODELLED = (
    "NUMBER(p,s) (DECIMAL, NUMERIC, INT, INTEGER, BIGINT, SMALLINT, TINYINT, BYTEINT), "
    "FLOAT (FLOAT4, FLOAT8, DOUBLE, REAL), VARCHAR(n) (STRING, TEXT, CHAR(n)), BOOLEAN, "
    "DATE, TIME(p), TIMESTAMP_NTZ(p) (TIMESTAMP, DATETIME), TIMESTAMP_LTZ(p), "
    "TIMESTAMP_TZ(p), VARIANT, OBJECT, ARRAY, BINARY(n) (VARBINARY); and, making every row "
    "fail as Snowpipe Streaming cannot load them, GEOGRAPHY, GEOMETRY, the structured "
    "OBJECT(name type, ...), ARRAY(type), MAP(key type, value type) and VECTOR(INT or "
    f"FLOAT, 1 to {MAX_DIMENSION})"
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
    ``BINARY``, or ``UNLOADED``: a type Snowpipe Streaming does not load), with its
    precision and scale (numbers; times' fractional digits) or its length (text, binary),
    and the type as declared."""

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
    if first is None and rest.lstrip().startswith("(") and name in (*_STRUCTURED, "VECTOR"):
        return _parameterised(name, rest)
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
        return SnowflakeType(UNLOADED, declared), rest
    if name in _PLAIN:
        return SnowflakeType(name, declared), rest
    if name in ("MAP", "VECTOR"):
        raise UnknownType(f"{name} is declared with its types in parentheses, {name}(...)")
    raise UnknownType(f"{name} is not a type pytest-firehose reads")


def _parameterised(name: str, rest: str) -> tuple[SnowflakeType, str]:
    """A structured ``OBJECT(...)``, ``ARRAY(...)``, ``MAP(...)`` or a ``VECTOR(...)``
    (``rest`` opens with its parentheses), read as far as Snowflake would take it in a
    table's definition; a table may have one, but Snowpipe Streaming loads no row into it."""
    inside, after = _parenthesised(name, rest)
    declared = f"{name}({inside.strip()})"
    parts = _top_level(inside)
    if name == "VECTOR":
        element = parts[0].strip().upper() if len(parts) == 2 else ""
        dimension = parts[1].strip() if len(parts) == 2 else ""
        if (
            element not in _VECTOR_ELEMENTS
            or not dimension.isdigit()
            or not 1 <= int(dimension) <= MAX_DIMENSION
        ):
            raise UnknownType(
                f"{declared}: a VECTOR is VECTOR(INT or FLOAT, a dimension of 1 to "
                f"{MAX_DIMENSION}), such as VECTOR(FLOAT, 256)"
            )
    elif name == "ARRAY":
        if len(parts) != 1:
            raise UnknownType(f"{declared}: a structured ARRAY names one element type")
        _inner(parts[0], declared)
    elif name == "MAP":
        if len(parts) != 2:
            raise UnknownType(f"{declared}: a MAP names its key type and its value type")
        key = _inner(parts[0], declared)
        if key.kind != "TEXT" and not (key.kind == "NUMBER" and key.scale == 0):
            raise UnknownType(f"{declared}: a MAP's key is VARCHAR or a NUMBER of scale 0")
        _inner(parts[1], declared)
    else:
        for field in parts if inside.strip() else []:
            field_name, _, field_type = field.strip().partition(" ")
            if not field_name or not field_type.strip():
                raise UnknownType(f"{declared}: a structured OBJECT's fields are 'name type'")
            _inner(field_type, declared)
    return SnowflakeType(UNLOADED, declared), after


def _parenthesised(name: str, rest: str) -> tuple[str, str]:
    """What the parentheses ``rest`` opens with hold, and what follows them."""
    depth = 0
    opened = rest.index("(")
    for at in range(opened, len(rest)):
        if rest[at] == "(":
            depth += 1
        elif rest[at] == ")":
            depth -= 1
            if depth == 0:
                return rest[opened + 1 : at], rest[at + 1 :]
    raise UnknownType(f"{name}{rest.strip()}: a parenthesis is not closed")


def _top_level(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for at, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:at])
            start = at + 1
    parts.append(text[start:])
    return parts


def _inner(text: str, declared: str) -> SnowflakeType:
    """The type ``text`` inside a structured type names (optionally ``NOT NULL``)."""
    kind, after = parse_type(text)
    if " ".join(after.upper().split()) not in ("", "NOT NULL"):
        raise UnknownType(f"{declared}: {text.strip()!r} is not a type, optionally NOT NULL")
    return kind
