"""JSON text in and out, read and written as Python's ``json`` module does, faster with the
``fast`` extra (msgspec).

msgspec reads a body in a fifth of the time ``json.loads`` takes, and writes an answer in a
tenth; it is used only where it gives exactly what ``json`` gives:

* reading: whatever msgspec reads is what ``json.loads`` reads (the same values, keys in the
  same order, the last of a repeated key kept). Everything it refuses (NaN, a lone UTF-16
  surrogate, a number past a double, a byte-order mark, nesting past its depth) is read
  again by ``json``, which decides as before;
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


def _msgspec() -> Any | None:
    try:
        return importlib.import_module("msgspec")
    except ImportError:  # pragma: no cover - the `fast` extra is not installed
        return None


msgspec = _msgspec()

#: Whether the ``fast`` extra's reader and writer are in use.
FAST = msgspec is not None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _stdlib_loads(body: bytes) -> Any:
    return json.loads(body, parse_constant=_refuse_constant)


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
    convert = _wire_form(shape)
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
# Following the shape, only the members that may hold one are looked at; a member the
# shape lacks is looked at whole.
Convert = Callable[[Any], Any]


def _raw_number(value: Any) -> Any:
    if isinstance(value, datetime):
        return _raw_time(value)
    if type(value) is float:
        return _Raw(float.__repr__(value).encode("ascii"))
    return value


@functools.lru_cache(maxsize=256)
def _raw_time(value: datetime) -> Any:
    # Records put together share their arrival time: each is written once.
    return _Raw(float.__repr__(value.timestamp()).encode("ascii"))


def _anything(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _anything(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_anything(item) for item in value]
    return _raw_number(value)


@functools.cache
def _wire_form(shape: Shape) -> Convert | None:
    """How to convert an answer of ``shape`` for msgspec; None: it goes as it is."""
    return _converter(shape, set())


def _converter(shape: Shape, seen: set[str]) -> Convert | None:
    kind = shape.type_name
    if kind in ("timestamp", "float", "double"):
        return _raw_number
    if shape.name in seen:
        return None
    seen.add(shape.name)
    if kind == "list":
        item = _converter(shape.member, seen)
        return None if item is None else functools.partial(_each, item)
    if kind == "map":
        value = _converter(shape.value, seen)
        return None if value is None else functools.partial(_each_value, value)
    if kind == "structure":
        members = {name: _converter(member, seen) for name, member in shape.members.items()}
        converting = {name: convert for name, convert in members.items() if convert is not None}
        return functools.partial(_structure, converting, frozenset(members))
    return None


def _each(item: Convert, value: Any) -> Any:
    return [item(entry) for entry in value] if isinstance(value, list) else _anything(value)


def _each_value(convert: Convert, value: Any) -> Any:
    if not isinstance(value, dict):
        return _anything(value)
    return {key: convert(entry) for key, entry in value.items()}


def _structure(members: dict[str, Convert], known: frozenset[str], value: Any) -> Any:
    """A structure with its ``members`` converted, and any member not ``known`` to the shape
    looked at whole."""
    if type(value) is not dict:
        return _anything(value)
    if not known.issuperset(value):
        return {
            name: members[name](entry) if name in members else _anything(entry)
            for name, entry in value.items()
        }
    found = [name for name in members if name in value]
    if not found:
        return value
    converted = value.copy()
    for name in found:
        converted[name] = members[name](value[name])
    return converted
