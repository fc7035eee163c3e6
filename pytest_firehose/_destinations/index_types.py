"""Whether an OpenSearch field of the types beyond the core ones (``index_values``;
``geo_point`` is ``index_geo_point``'s) takes a document's value, and the ``caused_by``
OpenSearch writes when it does not.

Facts (OpenSearch's source: ``ScaledFloatFieldMapper``, ``NumberFieldMapper`` and
``Numbers.toUnsignedLong``, ``BinaryFieldMapper``, the x-content parser's number reading):

- ``scaled_float``: a number, or with ``coerce`` (the default) a string ``Double.parseDouble``
  reads (``""`` is no value); ``For input string: "x"`` (``number_format_exception``),
  ``Double value passed as String`` with ``coerce`` off, ``[scaled_float] only supports
  finite values, but got [Infinity]``; the value is kept as a long of it times
  ``scaling_factor``, rounded, which no value fails; a document's ``null`` is the field's
  ``null_value``, one that is not finite (``"Infinity"``, ``"NaN"``, which the mapping
  takes) failing it as such a value does (``ScaledFloatFieldMapper.parseCreateField``),
  unless ``ignore_malformed``, which leaves it out;
- ``unsigned_long``: a whole number from 0 to 2^64-1, or with ``coerce`` a string
  ``BigDecimal`` reads, its fraction cut off (a fraction too); ``Value [X] is out of range
  for an unsigned long``, ``For input string: "x"``, ``Value [5.5] has a decimal part``
  with ``coerce`` off;
- ``binary``: base64 text; without ``doc_values`` or ``store`` (the defaults) the value is
  not read at all, so any value is taken. A value that is no base64 text fails the field
  without a ``caused_by``: OpenSearch's quotes the parser's position in the record.
- ``wildcard`` and ``match_only_text``: any value but an object, as ``keyword`` and
  ``text``;
- ``_doc_count`` at a document's top (``DocCountFieldMapper``): a whole number above 0;
  ``Field [_doc_count] must be a positive integer.``, ``1.5 cannot be converted to Long
  without data loss``.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from pytest_firehose._destinations.index_values import (
    OK,
    Check,
    java_double,
    read_double,
)

_MOST_UNSIGNED = 2**64 - 1
#: What Java's ``new BigDecimal(String)`` reads.
_BIG_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def scaled_float_check(coerce: bool, null_value: float | None = None) -> Check:
    """``scaled_float``'s check (see the module); a document's ``null`` is its
    ``null_value`` (None: no value), which fails where it is not finite."""

    def finite(number: float) -> Any:
        if math.isfinite(number):
            return OK
        return (
            "illegal_argument_exception",
            f"[scaled_float] only supports finite values, but got [{java_double(number)}]",
        )

    def check(value: Any) -> Any:
        if value is None:
            return OK if null_value is None else finite(null_value)
        number, answer = read_double(value, "Double", coerce)
        if number is None:
            return answer
        return finite(number)

    return check


def unsigned_long_check(coerce: bool) -> Check:
    """``unsigned_long``'s check (see the module)."""

    def out_of_range(shown: str) -> Any:
        return (
            "illegal_argument_exception",
            f"Value [{shown}] is out of range for an unsigned long",
        )

    def check(value: Any) -> Any:
        if value is True or value is False or isinstance(value, (dict, list)):
            return None
        if isinstance(value, str):
            if not coerce:
                return ("illegal_argument_exception", "BigInteger value passed as String")
            if value == "":
                return OK
            if not _BIG_DECIMAL.fullmatch(value):
                return ("illegal_argument_exception", f'For input string: "{value}"')
            try:
                number = Decimal(value)
            except InvalidOperation:  # pragma: no cover - the pattern admits none
                return ("illegal_argument_exception", f'For input string: "{value}"')
            if number >= _MOST_UNSIGNED + 1 or number <= -1:
                return out_of_range(value)
            return OK
        if isinstance(value, float):
            if not math.isfinite(value):
                return None
            if not coerce and not value.is_integer():
                return (
                    "illegal_argument_exception",
                    f"Value [{java_double(value)}] has a decimal part",
                )
            if value >= _MOST_UNSIGNED + 1 or value <= -1:
                return out_of_range(java_double(value))
            return OK
        if not 0 <= value <= _MOST_UNSIGNED:
            return out_of_range(str(value))
        return OK

    return check


def binary_check(value: Any) -> Any:
    """A ``binary`` field's check where it reads values (``doc_values`` or ``store``):
    base64 text (white space between its characters is skipped)."""
    if not isinstance(value, str):
        return None
    text = "".join(char for char in value if char > " ")
    if len(text) % 4 or not _BASE64.fullmatch(text):
        return None
    try:
        base64.b64decode(text, validate=True)
    except binascii.Error:
        return None
    return OK


def unread_check(value: Any) -> Any:
    """A ``binary`` field's check where it reads no values: anything but an object (the fake
    refuses an object: OpenSearch leaves the object's tokens to the fields around it)."""
    return None if isinstance(value, dict) else OK


def doc_count_check(value: Any) -> Any:
    """``_doc_count``'s check (OpenSearch's metadata field, read as a long without
    coercion): a whole number above 0."""
    if isinstance(value, float) and not value.is_integer():
        reason = f"{java_double(value)} cannot be converted to Long without data loss"
        return ("illegal_argument_exception", reason)
    if value is True or value is False or not isinstance(value, (int, float)):
        return None  # OpenSearch's cause quotes the parser's position
    if not -(2**63) <= value < 2**63:
        return None
    if value > 0:
        return OK
    return ("illegal_argument_exception", "Field [_doc_count] must be a positive integer.")
