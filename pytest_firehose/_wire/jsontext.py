"""JSON text in and out, read and written as Python's ``json`` module does, faster with the
``fast`` extra (msgspec).

msgspec reads a body in a fifth of the time ``json.loads`` takes, and writes an answer in a
tenth; it is used only where it gives exactly what ``json`` gives:

* reading: whatever msgspec reads is what ``json.loads`` reads (the same values, keys in the
  same order, the last of a repeated key kept). Everything it refuses (NaN, a lone UTF-16
  surrogate, a number past a double, a byte-order mark, nesting past its depth) is read
  again by ``json``, which decides as before;
* writing: answers with nothing but text, integers, booleans and nulls, in lists and
  objects (no timestamps, no floats: ``operation_output_is_plain``), where msgspec's text
  is pure printable ASCII. Other text (which ``json`` writes with ``\\u`` escapes) is
  written by ``json``.

``tests/test_json_text.py`` checks both claims on generated values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

try:
    import msgspec
except ImportError:  # pragma: no cover - the `fast` extra is not installed
    msgspec = None

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

    def loads(body: bytes) -> Any:
        """The JSON value of ``body``, as ``json.loads`` reads it (which refuses NaN and
        Infinity here). Raises ``ValueError``, ``UnicodeDecodeError`` or ``RecursionError``
        where ``json.loads`` does."""
        try:
            return _decode(body)
        except (ValueError, RecursionError):
            return _stdlib_loads(body)

    def dumps_plain(value: Any) -> bytes:
        """``value`` (text, integers, booleans and nulls in lists and objects) as
        ``json.dumps(value, separators=(",", ":"))`` writes it, UTF-8 encoded."""
        text = _encode(value)
        if text.isascii() and b"\x7f" not in text:
            return text
        return _stdlib_dumps(value)

else:  # pragma: no cover - the `fast` extra is not installed
    loads = _stdlib_loads

    def dumps_plain(value: Any) -> bytes:
        return _stdlib_dumps(value)


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """Any value as ``json.dumps`` writes it (compact), ``default`` converting what JSON
    has no type for."""
    return _stdlib_dumps(value, default)
