"""How a JSON value becomes a value of a Glue table's column type (``hive_type_names`` reads
the types), as record format conversion reads it: the OpenX SerDe from the parsed value
(``value_of``); the Hive SerDe reads the record's JSON tokens (``hive_json``). Needs pyarrow
(the ``conversion`` extra).

A value that does not fit its column raises :class:`Unfit`; the converter reports the
record as ``DataFormatConversion.MalformedData``. docs/fidelity.md lists the rules chosen
where AWS's deserializers are not on record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
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


# ---------------------------------------------------------------------- values


@dataclass(frozen=True)
class Reading:
    """How a deserializer reads values: its ``timestamp`` reader, ``keys``, which gives a
    JSON object's members by the names columns and struct fields match, ``binary``,
    what it makes of a value given to a ``binary`` column (JSON's null included), its
    ``date`` reader, and ``lower``, whether its parser keeps keys lower-cased (OpenX's
    ``CaseInsensitive``)."""

    timestamp: Callable[[Any], datetime]
    keys: Callable[[dict[str, Any]], dict[str, Any]]
    binary: Callable[[Any], bytes | None]
    date: Callable[[Any], date | None]
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


_HIVE_DECIMAL_CLASS = "org.apache.hadoop.hive.common.type.HiveDecimal"
_JSON_OBJECT = _OPENX_CLASSES[dict]
#: The class OpenX's map adapter keeps a map member's null as (``JSONObject.NULL``).
_KEPT_NULL = "org.openx.data.jsonserde.json.JSONObject$Null"
#: What each column type's inspector casts the value to (the writable form, which Hive's
#: writers ask for, where the Java one differs: a ``date``'s).
_CASTS: tuple[tuple[Callable[[pa.DataType], bool], str], ...] = (
    (pa.types.is_int8, "java.lang.Byte"),
    (pa.types.is_int16, "java.lang.Short"),
    (pa.types.is_int32, "java.lang.Integer"),
    (pa.types.is_int64, "java.lang.Long"),
    (pa.types.is_float32, "java.lang.Float"),
    (pa.types.is_float64, "java.lang.Double"),
    (pa.types.is_boolean, "java.lang.Boolean"),
    (pa.types.is_timestamp, "java.sql.Timestamp"),
    (pa.types.is_date, "java.sql.Date"),
    (pa.types.is_decimal, _HIVE_DECIMAL_CLASS),
    (pa.types.is_binary, "[B"),
    (pa.types.is_map, _JSON_OBJECT),
)


def _kept_null(kind: pa.DataType) -> Any:
    """A map member's null as the inspector of its value type ``kind`` reads the
    ``JSONObject.NULL`` OpenX's map adapter keeps: a ``string`` writes its ``toString``
    (``null``), an ``array`` is one null element (the list inspector wraps what is no
    array), a ``struct`` inspector throws, every other type fails its cast."""
    if pa.types.is_string(kind):
        return "null"
    if pa.types.is_list(kind):
        return [None]  # an array of one, whose element the list inspector gives as null
    if pa.types.is_struct(kind):
        raise Unfit(f"Data is not JSONObject  but {_KEPT_NULL.replace('$', '.')} with value null")
    java_class = next(name for test, name in _CASTS if test(kind))
    raise Unfit(f"{_KEPT_NULL} cannot be cast to {java_class}")


def openx_class(value: Any) -> str:
    """The Java class of the OpenX parser's object for ``value`` (parsed JSON)."""
    return next(name for kind, name in _OPENX_CLASSES.items() if isinstance(value, kind))


#: What Java's ``String.trim`` drops: every character up to the space.
_JAVA_TRIMMED = "".join(map(chr, range(33)))


def _blank(value: Any) -> bool:
    """Whether ``value`` is text OpenX's ``checkObject`` takes as no value: Java's ``trim``
    leaves nothing."""
    return isinstance(value, str) and not value.lstrip(_JAVA_TRIMMED)


def _java_string(value: Any) -> str:
    """A scalar parser object's ``toString``: a number's text as written, a boolean's."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = getattr(value, "text", None)
    return text if isinstance(text, str) else str(value)


def openx_binary(value: Any) -> bytes | None:
    """A ``binary`` column's value as the OpenX SerDe reads it: the parser's Java object
    as it is, which Hive's binary object inspector casts to ``byte[]`` when the row is
    written. Only null survives; every other value fails the cast."""
    if value is None:
        return None
    raise Unfit(f"{openx_class(value)} cannot be cast to [B")


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
        return reading.date(value)
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
        raise Unfit(f"{openx_class(value)} cannot be cast to java.lang.Boolean")
    return isinstance(value, str) and value.lower() == "true"


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


def _decimal(value: Any, kind: pa.DataType) -> Decimal | None:
    """A ``decimal`` column's value from the OpenX parser's object, as Hive's decimal
    inspector reads a ``String`` (a number is kept as its text): ``HiveDecimal.create``
    fitted to the column (:func:`hive_decimal`); any other object fails its cast."""
    if isinstance(value, (bool, dict, list)):
        raise Unfit(f"{openx_class(value)} cannot be cast to {_HIVE_DECIMAL_CLASS}")
    text = getattr(value, "text", None)  # a number's, as written
    return hive_decimal(text if isinstance(text, str) else str(value), kind)


def _nested(value: Any, kind: pa.DataType, reading: Reading) -> Any:
    if pa.types.is_list(kind):
        # OpenX's list inspector: what is no array is an array of one, and the empty text
        # has no elements (Hive's Parquet writer writes an empty array).
        if value == "":
            return []
        items = value if isinstance(value, list) else [value]
        return [value_of(item, kind.value_type, reading) for item in items]
    if pa.types.is_map(kind):
        # OpenX's map inspector: blank text is no map (Hive's Parquet writer writes an empty
        # one), and what else is no object fails its cast to JSONObject.
        if _blank(value):
            return []
        if not isinstance(value, dict):
            raise Unfit(f"{openx_class(value)} cannot be cast to {_JSON_OBJECT}")
        # The parser's keys (lower-cased when case-insensitive), in the order of the HashMap
        # OpenX's map inspector copies the object's HashMap into (JSONObjectMapAdapter).
        members = {(key.lower() if reading.lower else key): item for key, item in value.items()}
        # A member's null stays JSONObject.NULL there (``_kept_null``).
        return [
            (
                value_of(key, kind.key_type, reading),
                _kept_null(kind.item_type)
                if members[key] is None
                else value_of(members[key], kind.item_type, reading),
            )
            for key in hash_order(hash_order(members))
        ]
    if pa.types.is_struct(kind):
        # OpenX's struct inspector: blank text and [] give every field null, an array's
        # elements are the fields in order (a null element kept as JSONObject.NULL), and
        # what else is no object makes it throw.
        if _blank(value) or value == []:
            return dict.fromkeys(kind.names)
        if isinstance(value, list):
            return {
                field.name: _kept_null(field.type)
                if at < len(value) and value[at] is None
                else value_of(value[at], field.type, reading)
                if at < len(value)
                else None
                for at, field in enumerate(kind)
            }
        if not isinstance(value, dict):
            raise Unfit(
                f"Data is not JSONObject  but {openx_class(value)} with value {_java_string(value)}"
            )
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
