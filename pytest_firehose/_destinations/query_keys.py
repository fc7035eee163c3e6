"""The keys a ``MetadataExtractionQuery`` gives, read from its text as CreateDeliveryStream
reads them: a query that is one object construction (``{customer: .customer, "year":
.ts | strftime("%Y")}``) names its keys; CreateDeliveryStream refuses one that names a key
the ``Prefix`` does not use (REAL: CloudFormation's answer, as the AWS CDK's
aws-kinesisfirehose metadata extraction processor quotes it)."""

from __future__ import annotations

import json
import re

_OPEN, _CLOSE = "([{", ")]}"
_NAME = re.compile(r"\$?([A-Za-z_][A-Za-z0-9_]*)")


def constructed_keys(query: str) -> set[str] | None:
    """The keys of the object ``query`` constructs, or None when ``query`` is not one
    object construction or computes a key (``(.k): 1``, ``"\\(.k)": 1``, ``@base64 "k"``):
    its keys are then known only once it runs."""
    text = query.strip()
    if not text.startswith("{"):
        return None
    entries: list[str] = []
    depth, start, at = 0, 1, 0
    while at < len(text):
        char = text[at]
        if char == '"':
            end = _string_end(text, at)
            if end is None:
                return None
            at = end
        elif char == "#":  # a comment: too rare to be worth reading around
            return None
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth == 0:
                if at != len(text) - 1:
                    return None  # the construction is followed by more: `{...} | ...`
                entries.append(text[start:at])
        elif char == "," and depth == 1:
            entries.append(text[start:at])
            start = at + 1
        at += 1
    keys = set()
    for entry in entries:
        if not entry.strip() and len(entries) == 1:
            continue  # `{}`
        key = _key(entry)
        if key is None:
            return None
        keys.add(key)
    return keys


def _string_end(text: str, at: int) -> int | None:
    """Where the string literal opening at ``at`` closes; None for one that interpolates
    (``\\(...)``) or does not close."""
    at += 1
    while at < len(text):
        if text[at] == "\\":
            if text[at + 1 : at + 2] == "(":
                return None
            at += 2
            continue
        if text[at] == '"':
            return at
        at += 1
    return None


def _key(entry: str) -> str | None:
    """The key of one ``key: value`` (or shorthand ``key``, ``$name``, ``"key"``) entry."""
    depth, at, colon = 0, 0, len(entry)
    while at < len(entry):
        char = entry[at]
        if char == '"':
            end = _string_end(entry, at)
            if end is None:
                return None
            at = end
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif char == ":" and depth == 0:
            colon = at
            break
        at += 1
    key = entry[:colon].strip()
    named = _NAME.fullmatch(key)
    if named:
        return named[1]
    if key.startswith('"') and _string_end(key, 0) == len(key) - 1:
        try:
            return str(json.loads(key))
        except ValueError:  # an escape jq reads and JSON does not
            return None
    return None
