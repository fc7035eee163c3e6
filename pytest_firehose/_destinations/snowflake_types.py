"""The column types of a Snowflake table a test declares (``firehose.snowflake_table``): the
type names the fake reads, with their lengths, precisions and scales
(``snowflake_values.py`` converts a record's values to them).

Facts used here (Snowflake's "Summary of data types"): the synonyms (``INT`` is
``NUMBER(38,0)``, ``STRING`` is ``VARCHAR``, ``DOUBLE`` is ``FLOAT``, ``TIMESTAMP`` is
``TIMESTAMP_NTZ`` by default, ``CHAR`` without a length is ``CHAR(1)``); a ``NUMBER``'s
precision is 1 to 38 and its scale 0 to its precision, a time's fractional digits 0 to 9;
text holds at most 16 MB, binary 8 MB.
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
