"""The models' patterns and enums as the front end (Java) reads and prints them.

The API models' patterns are Java regular expressions, checked with Java's ``matches``
(the whole value). Those Python's ``re`` cannot read are compiled with the ``regex``
package, which knows the Unicode property classes (``\\p{L}``); ``re`` takes the others,
which it reads as ``regex`` does, and matches them faster. Where the same
syntax means something else in Java, Java's meaning is spelled out before compiling:
``\\d``, ``\\w`` and ``\\s`` (and their negations) are ASCII-only, and ``.`` stops at any
of Java's line terminators, not only at ``\\n``. ``ExplicitHashKey``'s ``\\d`` refuses
Arabic-Indic digits, as Kinesis does.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Sequence

import regex

#: Java's predefined classes, as the members of a character class.
_JAVA_CLASSES = {
    "d": "0-9",
    "w": "a-zA-Z_0-9",
    "s": " \\t\\n\\x0B\\f\\r",
}

#: What Java's ``.`` matches: anything but a line terminator.
_JAVA_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]"

#: The order the front end lists an enum's values in, where a capture shows it (a Java
#: hash set's order, which the model's order does not give). Others keep the model's.
_RECORDED_ORDER: dict[str, tuple[str, ...]] = {
    # kinesalite's test/getShardIterator.js, run against Kinesis.
    "ShardIteratorType": (
        "AFTER_SEQUENCE_NUMBER",
        "LATEST",
        "AT_TIMESTAMP",
        "AT_SEQUENCE_NUMBER",
        "TRIM_HORIZON",
    ),
    # LocalStack's AWS-validated CreateEventSourceMapping snapshots (Lambda, 2025).
    "EventSourcePosition": ("LATEST", "AT_TIMESTAMP", "TRIM_HORIZON"),
}


def _predefined(letter: str, in_class: bool) -> str | None:
    """Java's meaning of ``\\<letter>`` where it differs from ``regex``'s, else ``None``."""
    members = _JAVA_CLASSES.get(letter.lower())
    if members is None:
        return None
    negated = letter.isupper()
    if in_class:
        # Inside a class only the positive forms can be spelled as members.
        return None if negated else members
    return f"[{'^' if negated else ''}{members}]"


def java_to_regex(pattern: str) -> str:
    """``pattern`` with Java's meaning of its predefined classes and dot made explicit."""
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index : index + 2]
            out.append(_predefined(escaped[1], in_class) or escaped)
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class and out[-1] not in ("[", "[^"):
            in_class = False
        out.append(_JAVA_DOT if char == "." and not in_class else char)
        index += 1
    return "".join(out)


@functools.cache
def compiled_pattern(pattern: str) -> re.Pattern[str] | regex.Pattern[str]:
    """A compiled pattern for a model's ``pattern``; use ``fullmatch``. ``re`` compiles the
    patterns it reads as ``regex`` does (most: ``[a-zA-Z0-9_.-]+``), and matches in a
    third of the time (a check on every request); ``regex`` the rest (``\\p{L}``...)."""
    translated = java_to_regex(pattern)
    with warnings.catch_warnings():
        # re warns where it reads a pattern otherwise than regex may (a nested set).
        warnings.simplefilter("error")
        try:
            return re.compile(translated)
        except (re.error, Warning):
            pass
    return regex.compile(translated)


def enum_listing(shape_name: str, values: Sequence[str]) -> str:
    """The allowed values as the front end lists them in an enum violation."""
    recorded = _RECORDED_ORDER.get(shape_name)
    if recorded is not None and sorted(recorded) == sorted(values):
        return ", ".join(recorded)
    return ", ".join(values)
