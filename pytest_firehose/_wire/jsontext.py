"""JSON text in and out, read and written as Python's ``json`` module does, faster with the
``fast`` extra (msgspec).

msgspec reads a body in a fifth of the time ``json.loads`` takes, and writes an answer in a
tenth; it is used only where it gives exactly what ``json`` gives:

* reading: whatever msgspec reads is what ``json.loads`` reads (the same values, keys in the
  same order, the last of a repeated key kept). Everything it refuses (NaN, a lone UTF-16
  surrogate, a number past a double, a byte-order mark, nesting past its depth) is read
  again by ``json``, which decides as before, but for an integer of more digits than
  Python reads (4,300): that one reads as the infinity of its sign, as ``1e400`` does;
* writing (``fast_answer``): an answer whose timestamps and floats were first written as
  ``json.dumps`` writes them (``float.__repr__``, following the output shape), kept where
  msgspec's text is pure printable ASCII. Other text (which ``json`` writes with ``\\u``
  escapes) is left to ``json``: ``fast_answer`` answers None.

``tests/test_json_text.py`` checks both claims on generated values.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.model import Shape

from pytest_firehose._clock import epoch_seconds
from pytest_firehose._json_text import not_json
from pytest_firehose._wire.shapes import member_converter


def _msgspec() -> Any | None:
    try:
        return importlib.import_module("msgspec")
    except ImportError:  # pragma: no cover - the `fast` extra is not installed
        return None


msgspec = _msgspec()


def _integer(text: str) -> int | float:
    """A JSON integer. Past Python's limit on an integer's digits (4,300), it is past every
    type's range too: read as the infinity of its sign, as ``1e400`` is."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def _stdlib_loads(body: bytes) -> Any:
    return json.loads(body, parse_constant=not_json, parse_int=_integer)


def _stdlib_dumps(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    return json.dumps(value, separators=(",", ":"), default=default).encode("utf-8")


if msgspec is not None:
    _decode = msgspec.json.Decoder().decode
    _encode = msgspec.json.Encoder().encode
    _Raw = msgspec.Raw

    def loads(body: bytes) -> Any:
        """The JSON value of ``body``, as ``json.loads`` reads it (which refuses NaN and
        Infinity here). Raises ``ValueError``, ``UnicodeDecodeError`` or ``RecursionError``
        where ``json.loads`` does."""
        try:
            return _decode(body)
        except (ValueError, RecursionError):
            return _stdlib_loads(body)

else:  # pragma: no cover - the `fast` extra is not installed
    loads = _stdlib_loads


def fast_answer(value: Any, shape: Shape) -> bytes | None:
    """``value``, an answer of output shape ``shape``, as ``json.dumps(value,
    separators=(",", ":"))`` writes it (timestamps as epoch seconds, bytes in base64), UTF-8
    encoded; None without msgspec, or when the text needs ``json``'s escapes."""
    if msgspec is None:  # pragma: no cover - the `fast` extra is not installed
        return None
    if not _members(shape).issuperset(value):
        return None  # not an answer of this shape: json writes it, whatever it holds
    convert = member_converter(shape, _NUMBERS, _raw_number)
    text: bytes = _encode(value if convert is None else convert(value))
    if text.isascii() and b"\x7f" not in text:
        return text
    return None


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """Any value as ``json.dumps`` writes it (compact), ``default`` converting what JSON
    has no type for."""
    return _stdlib_dumps(value, default)


# What msgspec would write otherwise than json.dumps is written first, as json.dumps writes
# it, into a raw JSON fragment: timestamps (epoch seconds, ``float.__repr__``) and floats.
# Following the shape, only the members that may hold one are looked at: answers are of
# their output shape (the tests check every answer against it).
_NUMBERS = frozenset({"timestamp", "float", "double"})


def _raw_number(value: Any) -> Any:
    if isinstance(value, datetime):
        return _raw_time(value)
    if type(value) is float:
        return _Raw(float.__repr__(value).encode("ascii"))
    return value


@functools.cache
def _members(shape: Shape) -> frozenset[str]:
    return frozenset(shape.members)


@functools.lru_cache(maxsize=256)
def _raw_time(value: datetime) -> Any:
    # Records put together share their arrival time: each is written once.
    return _Raw(float.__repr__(epoch_seconds(value)).encode("ascii"))
