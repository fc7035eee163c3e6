"""JSON as RFC 8259 has it, read with Python's reader: without the ``NaN``, ``Infinity``
and ``-Infinity`` the reader takes and JSON has not, and no deeper than
:data:`MAX_NESTING` levels, whatever Python's own reader reaches (about 1,000 levels up
to Python 3.11, more from 3.12)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

#: The deepest nesting of arrays and objects read: Jackson's, the JSON reader of AWS's
#: Java services (``StreamReadConstraints``' default since 2.15).
MAX_NESTING = 1000
_T = TypeVar("_T")
TOO_DEEP = "the JSON is nested too deep to read"
#: The nested calls Python's reader makes for each level of nesting (at most).
_READER_CALLS = 2


def not_json(constant: str) -> Any:
    """A ``parse_constant`` for Python's reader: refuses ``NaN``, ``Infinity`` and
    ``-Infinity`` (``ValueError``)."""
    raise ValueError(f"{constant} is not JSON")


def _depth(value: Any) -> int:
    """How deep arrays and objects nest in ``value`` (0 for a scalar), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def too_deep(text: str | bytes, value: Any) -> bool:
    """Whether ``value``, read from ``text``, nests deeper than :data:`MAX_NESTING`
    (measured only when ``text`` holds enough brackets to)."""
    if isinstance(text, bytes):
        opened = text.count(b"[") + text.count(b"{")
    else:
        opened = text.count("[") + text.count("{")
    return opened > MAX_NESTING and _depth(value) > MAX_NESTING


def strict_json(text: str | bytes, **options: Any) -> Any:
    """``text`` read as JSON (``options`` for ``json.loads``). Raises ``ValueError``, also
    for JSON nested deeper than :data:`MAX_NESTING` levels."""
    value = _read(lambda: json.loads(text, parse_constant=not_json, **options))
    if too_deep(text, value):
        raise ValueError(TOO_DEEP)
    return value


def decode_next(decoder: json.JSONDecoder, text: str, index: int) -> tuple[Any, int]:
    """The JSON value ``decoder`` reads in ``text`` at ``index``, and where it ends, as
    ``raw_decode`` gives them. Raises ``ValueError``, also for JSON nested deeper than
    :data:`MAX_NESTING` levels."""
    value, end = _read(lambda: decoder.raw_decode(text, index))
    if too_deep(text[index:end], value):
        raise ValueError(TOO_DEEP)
    return value, end


def _read(read: Callable[[], _T]) -> _T:
    """What ``read`` (Python's reader) returns; only where it runs out of Python's
    recursion limit, read again with room for :data:`MAX_NESTING` levels (the common,
    shallow text pays nothing for the room). ``ValueError`` where even that is too
    little."""
    try:
        return read()
    except RecursionError:
        pass
    try:
        with room_to_walk(_READER_CALLS):
            return read()
    except RecursionError:
        raise ValueError(TOO_DEEP) from None


@contextmanager
def room_to_walk(calls_a_level: int) -> Iterator[None]:
    """Python's recursion limit raised, while the block runs, so that code making up to
    ``calls_a_level`` nested calls a level can walk JSON nested :data:`MAX_NESTING` deep,
    as the services' Java walks it."""
    before = sys.getrecursionlimit()
    needed = _frames() + MAX_NESTING * calls_a_level + 100
    if needed <= before:
        yield
        return
    sys.setrecursionlimit(needed)
    try:
        yield
    finally:
        if sys.getrecursionlimit() == needed:
            sys.setrecursionlimit(before)


def _frames() -> int:
    """How many calls deep the caller runs."""
    count = 0
    frame: Any = sys._getframe(1)
    while frame is not None:
        count += 1
        frame = frame.f_back
    return count
