"""JSON as the OpenX JSON SerDe's own parser keeps it (``org.openx.data.jsonserde.json``,
release 1.3.8): an object or array given to a ``string`` column is written as its
``JSONObject.toString`` and ``JSONArray.toString`` write it, and an object that gives a key
twice fails the record.

The parser keeps an object's members in a ``java.util.HashMap`` (written in that map's
order: :mod:`java_hashmap`), each key lower-cased when the SerDe is case-insensitive, a
number as the text it was written as (so written as a quoted string), a boolean as a
``Boolean`` and null as ``JSONObject.NULL``, which is written as the string ``"null"``.
"""

from __future__ import annotations

import json
from typing import Any

from pytest_firehose._destinations.java_hashmap import hash_order

#: Escapes ``JSONObject.quote`` writes by name.
_NAMED = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def quote(text: str) -> str:
    """``text`` as ``JSONObject.quote`` writes it: in double quotes, ``\\`` and ``"``
    escaped, ``/`` only after ``<``, backspace, tab, newline, form feed and carriage return
    by name, and the other control characters, U+0080 to U+009F and U+2000 to U+20FF as
    ``\\u`` with four lower-case hexadecimal digits."""
    out = ['"']
    before = ""
    for char in text:
        code = ord(char)
        if char in _NAMED:
            out.append(_NAMED[char])
        elif char == "/":
            out.append("\\/" if before == "<" else "/")
        elif code < 0x20 or 0x80 <= code < 0xA0 or 0x2000 <= code < 0x2100:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
        before = char
    out.append('"')
    return "".join(out)


def openx_text(value: Any, *, lower: bool) -> str:
    """``value`` (parsed JSON: an object or an array) as the OpenX SerDe writes it as text;
    ``lower``: its keys lower-cased, as a case-insensitive SerDe's parser keeps them."""
    if isinstance(value, dict):
        members = {(key.lower() if lower else key): item for key, item in value.items()}
        return (
            "{"
            + ",".join(
                f"{quote(key)}:{openx_text(members[key], lower=lower)}"
                for key in hash_order(members)
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(openx_text(item, lower=lower) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return quote("null")  # JSONObject.NULL, written by its toString
    if isinstance(value, str):
        return quote(value)
    # A number: the parser keeps the text it was written as.
    text = getattr(value, "text", None)
    return quote(text if isinstance(text, str) else json.dumps(value))


class _Members(list[Any]):
    """An object's members in the order written, a key given twice included."""


_PAIRS = json.JSONDecoder(object_pairs_hook=_Members, parse_int=str, parse_float=str)


def repeated_key(text: str, *, lower: bool) -> str | None:
    """The key the OpenX parser finds first given twice in one object of the JSON document
    ``text`` (the keys compared lower-cased when ``lower``), or None. It parses a member's
    value before it adds its key, so a key repeated inside a value is found before the
    member's own."""
    # Each open object or array: its members (key, value; an array's with no key), and the
    # keys an object has so far (None for an array).
    stack: list[tuple[Any, set[str] | None]] = [(iter([(None, _PAIRS.decode(text))]), None)]
    waiting: list[str | None] = []  # the key of each open value, added when it closes
    while stack:
        members, keys = stack[-1]
        step = next(members, None)
        if step is None:
            stack.pop()
            if not stack:
                return None
            key, keys = waiting.pop(), stack[-1][1]
        else:
            key, value = step
            if isinstance(value, _Members):
                stack.append((iter(value), set()))
                waiting.append(key)
                continue
            if isinstance(value, list):
                stack.append((iter((None, item) for item in value), None))
                waiting.append(key)
                continue
        if keys is None or key is None:  # an array's element, or the document
            continue
        key = key.lower() if lower else key
        if key in keys:
            return key
        keys.add(key)
    return None
