"""Java's regular expressions, read as Java reads them: the API models' patterns and the
patterns a request gives a Java service to match names with (a database source's
``Include`` and ``Exclude`` lists).

Those Python's ``re`` cannot read (``\\p{L}``, ``(?<name>...)``, a flag in mid-pattern)
are compiled with the ``regex`` package; ``re`` takes the others, which it reads as
``regex`` does, and matches them faster. Where the same syntax means something else in
Java, Java's meaning is spelled out before compiling: ``\\d``, ``\\w`` and ``\\s`` (and their
negations) and the POSIX classes (``\\p{Alpha}``, ``\\p{Digit}``...) are ASCII-only, and
``.`` stops at any of Java's line terminators, not only at ``\\n``.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import regex

# ``regex`` is imported when a pattern ``re`` cannot read is compiled (few are: most tests
# never pay its import); its absence is still reported here, as its import would.
if importlib.util.find_spec("regex") is None:
    raise ModuleNotFoundError("No module named 'regex'", name="regex")

#: A compiled Java pattern: ``re``'s where it reads the pattern as ``regex`` does.
Pattern: TypeAlias = "re.Pattern[str] | regex.Pattern[str]"


class PatternError(ValueError):
    """A pattern neither ``re`` nor ``regex`` compiles; its text is ``regex``'s error's."""


#: Java's predefined classes, as the members of a character class.
_JAVA_CLASSES = {
    "d": "0-9",
    "w": "a-zA-Z_0-9",
    "s": " \\t\\n\\x0B\\f\\r",
}

#: Java's POSIX classes (``\\p{Alpha}``), US-ASCII only, as the members of a character class.
_JAVA_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
}

#: What Java's ``.`` matches: anything but a line terminator.
_JAVA_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]"


def _predefined(escape: str, in_class: bool) -> str | None:
    """Java's meaning of ``escape`` (``\\d``, ``\\p{Alpha}``...) where it differs from
    ``regex``'s, else ``None``."""
    letter, name = escape[1], escape[3:-1]
    members = _JAVA_POSIX.get(name) if name else _JAVA_CLASSES.get(letter.lower())
    if members is None:
        return None
    negated = letter.isupper()
    if in_class:
        # Inside a class only the positive forms can be spelled as members.
        return None if negated else members
    return f"[{'^' if negated else ''}{members}]"


def java_to_regex(pattern: str) -> str:
    """``pattern`` with Java's meaning of its predefined and POSIX classes and its dot made
    explicit."""
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            end = index + 2
            if pattern[index + 1 : end + 1] in ("p{", "P{") and "}" in pattern[end:]:
                end = pattern.index("}", end) + 1
            escaped = pattern[index:end]
            out.append(_predefined(escaped, in_class) or escaped)
            index += len(escaped)
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class and out[-1] not in ("[", "[^"):
            in_class = False
        out.append(_JAVA_DOT if char == "." and not in_class else char)
        index += 1
    return "".join(out)


@functools.cache
def _re_compiled(translated: str) -> re.Pattern[str] | None:
    """``translated`` compiled by ``re``, or None where ``re`` cannot read it as ``regex``
    does."""
    with warnings.catch_warnings():
        # re warns where it reads a pattern otherwise than regex may (a nested set).
        warnings.simplefilter("error")
        try:
            return re.compile(translated)
        except (re.error, Warning):
            return None


@functools.cache
def compiled_pattern(pattern: str) -> Pattern:
    """A compiled pattern for a Java ``pattern``; use ``fullmatch``. ``re`` compiles the
    patterns it reads as ``regex`` does (most: ``[a-zA-Z0-9_.-]+``), and matches in a
    third of the time (a check on every request); ``regex`` the rest (``\\p{L}``...)."""
    translated = java_to_regex(pattern)
    compiled = _re_compiled(translated)
    if compiled is not None:
        return compiled
    import regex  # deferred: see the top of the module

    try:
        return regex.compile(translated)
    except regex.error as error:
        raise PatternError(str(error)) from None


def fullmatcher(pattern: str) -> Callable[[str], object]:
    """``compiled_pattern(pattern).fullmatch``, for a checker built before any value comes:
    a pattern only ``regex`` reads (a tag's ``\\p{L}``...) is compiled at its first match, so
    a request shape's checks cost ``regex``'s import only to a request that uses them."""
    compiled = _re_compiled(java_to_regex(pattern))
    if compiled is not None:
        return compiled.fullmatch

    def first_match(value: str) -> object:
        return compiled_pattern(pattern).fullmatch(value)

    return first_match
