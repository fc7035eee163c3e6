"""A core field's ``null_value`` as its OpenSearch mapper reads it when the mapping is read,
and as the mapping shows it (``GET index/_mapping``).

Facts (OpenSearch's source: ``NumberFieldMapper`` (its ``null_value`` parameter parsed with
``NumberType.parse(value, false)``, ``objectToDouble``, ``objectToLong``,
``objectToUnsignedLong``, each type's ``validateParsed``), ``Numbers.toLong`` and
``toUnsignedLong``, ``ScaledFloatFieldMapper`` (``XContentMapValues.nodeDoubleValue``),
``BooleanFieldMapper`` (``nodeBooleanValue``), ``KeywordFieldMapper``,
``WildcardFieldMapper``, ``DateFieldMapper`` and ``IpFieldMapper`` (``Parameter.stringParam``:
``nodeStringValue``, the value's ``toString``), ``ParametrizedFieldMapper.Parameter``
(written with ``XContentBuilder.field``: the parsed value)):

- a number type reads the value as the mapping's JSON parser left it (a whole number that
  fits an int an ``Integer``, a wider one a ``Long``, a fraction a ``Double``, or a string),
  without coercion: ``Value [1.5] has a decimal part``, ``Value [300] is out of range for a
  byte``, ``For input string: "abc"`` (a boolean, object or array too, as Java writes it),
  ``[float] supports only finite values, but got [Infinity]``; a ``half_float`` past 65504
  rounds to infinity (``[half_float] supports only finite values, but got [70000.0]``); the
  value shown is the number read (``"5"`` is ``5``, ``5.0`` on a ``long`` is ``5``, ``"1.1"``
  on a ``float`` is ``1.1``, on a ``scaled_float`` ``5.0``); a ``long`` or
  ``unsigned_long`` reads a string's digits exactly, and a negative whole number past an
  int's range on an ``unsigned_long`` is taken as its 64 bits unsigned, as Java's
  ``Long`` is;
- a ``scaled_float`` reads any number or numeric string as a double, infinite and NaN too
  (shown as Jackson writes them, ``"Infinity"``, ``"NaN"``);
- a ``token_count`` (``TokenCountFieldMapper``, ``nodeIntegerValue``) reads a number
  exactly (``Numbers.toIntExact``: ``5.7 is not an integer value``, ``integer overflow``,
  ``BigInteger out of long range``; ``5.0`` is ``5``) and any other value's text with
  ``Integer.parseInt`` (``"5"`` is ``5``; ``For input string: "5.0"``, ``"x"``,
  ``"true"``), shown as the int read;
- a ``boolean`` reads ``true``, ``false`` or those strings (``Failed to parse value [yes]
  as only [true] or [false] are allowed.``), shown as a boolean;
- a ``keyword``, ``wildcard``, ``date``, ``date_nanos`` or ``ip`` keeps the value's text
  (``5`` is shown as ``"5"``); a ``date`` or ``ip`` that cannot read it takes it all the
  same (a deprecation warning) and ignores it.

A refusal is ``Failed to parse mapping [_doc]: ...`` (a ValueError in these words).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from pytest_firehose._destinations.index_parameters import NUMBERS
from pytest_firehose._destinations.index_special import REFUSES, java_boolean
from pytest_firehose._destinations.index_values import (
    HALF_FLOAT_PAST,
    INTEGERS,
    LONG_TEXT,
    java_double,
    java_float,
    java_float_text,
    json_double,
    parse_java_double,
    preview,
    unread_double,
)

#: The number types ``NumberFieldMapper`` reads (``scaled_float`` has a mapper of its own).
_NUMBER_FIELDS = tuple(kind for kind in NUMBERS if kind != "scaled_float")
#: The types whose ``null_value`` is a string parameter: the value's text.
TEXTS = ("keyword", "wildcard", "date", "date_nanos", "ip")
#: What ``new BigDecimal(String)`` reads.
_BIG_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT = INTEGERS["integer"]
_LONG = INTEGERS["long"]
_MOST_UNSIGNED = 2**64 - 1


class _Refused(Exception):
    """The ``IllegalArgumentException`` (``NumberFormatException`` too) a parser throws."""


def shown_null_value(kind: str, given: Any) -> Any:
    """The ``null_value`` ``given`` (not ``null``) of a ``kind`` field as the mapping shows
    it once its mapper has read it; a ValueError in OpenSearch's words where it refuses it."""
    try:
        if kind in _NUMBER_FIELDS:
            return _number(kind, given)
        if kind == "scaled_float":
            number = _object_to_double(given)
            return number if math.isfinite(number) else java_double(number)
        if kind == "token_count":
            return _node_integer(given)
    except _Refused as refusal:
        raise ValueError(f"{REFUSES}{refusal}") from None
    if kind == "boolean":
        try:
            return java_boolean(given)
        except ValueError as error:
            raise ValueError(f"{REFUSES}{error}") from None
    if kind in TEXTS and not isinstance(given, str):
        return preview(given)
    return given


def _long_object(value: Any) -> bool:
    """Whether the mapping's parser read ``value`` as a ``Long``: a whole number an int
    does not hold and a long does."""
    if value is True or value is False or not isinstance(value, int):
        return False
    return not _INT[0] <= value <= _INT[1] and _LONG[0] <= value <= _LONG[1]


def _object_to_double(value: Any) -> float:
    """``objectToDouble`` (``nodeDoubleValue``): a number's double, else
    ``Double.parseDouble`` of its text."""
    if value is True or value is False or not isinstance(value, (int, float)):
        text = preview(value)
        number = parse_java_double(text)
        if number is None:
            raise _Refused(unread_double(text)[1])
        return number
    return json_double(value)


def _whole(value: Any, number: float, least: float, most: float, named: str) -> None:
    """The range and fraction checks ``parse`` makes of the double ``number`` read from
    ``value`` (a NaN has a decimal part)."""
    if number < least or number > most:
        raise _Refused(f"Value [{preview(value)}] is out of range for {named}")
    if not number.is_integer():
        raise _Refused(f"Value [{preview(value)}] has a decimal part")


def _exact(text: str, least: int, most: int, named: str) -> int:
    """``Numbers.toLong`` (``toUnsignedLong``) without coercion: the digits read exactly,
    else as a ``BigDecimal`` that must be whole and within the type's range."""
    if LONG_TEXT.fullmatch(text) and least <= int(text) <= most:
        return int(text)
    if not _BIG_DECIMAL.fullmatch(text):
        raise _Refused(f'For input string: "{text}"')
    number = Decimal(text)
    if number >= most + 1 or number <= least - 1:
        raise _Refused(f"Value [{text}] is out of range for {named}")
    if number != number.to_integral_value():
        raise _Refused(f"Value [{text}] has a decimal part")
    return int(number)


def _number(kind: str, value: Any) -> int | float:
    """``NumberType.parse(value, false)`` of the value as the mapping's parser read it."""
    if kind == "long":
        if _long_object(value):
            return int(value)
        _whole(value, _object_to_double(value), -(2.0**63), 2.0**63, "a long")
        return _exact(preview(value), *_LONG)
    if kind == "unsigned_long":
        if _long_object(value):
            return int(value) % 2**64  # Numbers.toUnsignedBigInteger of the long
        most = float(_MOST_UNSIGNED)
        _whole(value, _object_to_double(value), 0.0, most, "an unsigned long")
        return _exact(preview(value), 0, _MOST_UNSIGNED, "an unsigned long")
    if kind in INTEGERS:
        least, most, named = INTEGERS[kind]
        number = _object_to_double(value)
        _whole(value, number, least, most, named)
        return int(number)
    number = _object_to_double(value)
    if kind == "double":
        if not math.isfinite(number):
            raise _Refused(f"[double] supports only finite values, but got [{java_double(number)}]")
        return number
    single = java_float(number)
    past = HALF_FLOAT_PAST if kind == "half_float" else math.inf
    if not math.isfinite(single) or abs(single) >= past:
        raise _Refused(f"[{kind}] supports only finite values, but got [{java_float_text(single)}]")
    return float(java_float_text(single))


def _node_integer(value: Any) -> int:
    """``XContentMapValues.nodeIntegerValue``: a number by ``Numbers.toIntExact`` (a
    double must be whole, ``Math.round`` being itself, and the whole number an int), any
    other value by ``Integer.parseInt`` of its text."""
    if value is True or value is False or not isinstance(value, (int, float)):
        text = preview(value)
        if not LONG_TEXT.fullmatch(text) or not _INT[0] <= int(text) <= _INT[1]:
            raise _Refused(f'For input string: "{text}"')
        return int(text)
    if isinstance(value, float):
        # Whole where Math.round gives it back: a long's bounds included, NaN and the
        # infinities not.
        if not math.isfinite(value) or not value.is_integer() or abs(value) > 2.0**63:
            raise _Refused(f"{java_double(value)} is not an integer value")
        value = int(value)
    elif not _LONG[0] <= value <= _LONG[1]:
        raise _Refused("BigInteger out of long range")
    if not _INT[0] <= value <= _INT[1]:
        raise _Refused("integer overflow")
    return int(value)
