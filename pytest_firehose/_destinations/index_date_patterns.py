"""A Java ``DateTimeFormatter`` pattern in a date field's ``format``, as a regular
expression of named date parts, read as OpenSearch 2.19 builds it
(``DateFormatters.forPattern``: ``new DateTimeFormatterBuilder().appendPattern(p)
.toFormatter(Locale.ROOT).withResolverStyle(ResolverStyle.STRICT)``, then the field's
``locale``), on Java 21 with ``-Djava.locale.providers=SPI,COMPAT`` (the launcher's
``SystemJvmOptions`` up to Java 22).

Facts (Java's ``DateTimeFormatterBuilder.appendPattern`` and its printer-parsers, checked
by running them on Java 17 with those providers):

- numbers: one letter reads 1 to 19 digits (a ``-`` sign too), two exactly 2 (``yy`` a
  year of 2000 to 2099); ``yyy`` 3 to 19 digits; ``yyyy`` and more exactly that many, or
  more after a ``+`` (``+12026``), or a ``-`` for ``u``; ``D`` 1 to 19, 2 to 3 or 3 digits;
  ``S`` a fraction of exactly as many digits as letters;
- text: case as written (``Dec``, not ``DEC``); ``MMM``/``LLL`` ``Jan`` .. ``Dec``,
  ``MMMM``/``LLLL`` ``January`` .. ``December``, ``E`` to ``EEE`` ``Mon`` .. ``Sun``,
  ``EEEE`` ``Monday`` .. ``Sunday``, ``a`` ``AM``/``PM``: the same in the root locale and
  English ones with those providers;
- offsets: ``X`` ``Z``/``+01``/``+0130``; ``XX`` ``Z``/``+0130``; ``XXX`` ``Z``/``+01:30``;
  ``XXXX`` ``Z``/``+0130``/``+013015``; ``XXXXX`` ``Z``/``+01:30``/``+01:30:15``; ``x`` to
  ``xxxxx`` the same with ``+00``, ``+0000``, ``+00:00`` for zero (read as zero however the
  text goes on, as Java does); ``Z`` to ``ZZZ`` as ``xx``, ``ZZZZ`` ``GMT``/``GMT+01:00``,
  ``ZZZZZ`` as ``XXXXX``;
- ``[`` ``]`` an optional section, ``'text'`` a literal (``''`` a quote).

Not modelled (refused, named): narrow texts (five letters), the localized and week-based
letters ``c e w W Y F``, ``G`` eras, ``Q q`` quarters, ``A n N`` and other day-of counts,
``B`` day periods, ``VV z zzzz v O`` zone names, ``p`` padding, a letter given twice,
text in a locale other than the root or English ones. Java's parser does not backtrack
where a regular expression may: fields run together without separators
(``yyyyMMddHHmm``) read alike, but a pattern of adjacent one-letter fields or of an
optional section followed by the same text may read a value Java refuses.
"""

from __future__ import annotations

import re

from pytest_firehose._destinations.java_time import DAYS, MONTHS, PatternError, compile_pattern


class UnknownFormat(ValueError):
    """A date format the fake does not read (the message names the formats it does)."""


class JavaRefusal(UnknownFormat):
    """A date pattern Java refuses: ``java`` is ``DateFormatter.forPattern``'s message
    (``Invalid format: [P]: ...``)."""

    def __init__(self, java: str) -> None:
        super().__init__(f"OpenSearch refuses this format: {java}")
        self.java = java


#: The pattern letters modelled, as the message of a refusal names them.
LETTERS = "y u M L d D E a h K k H m s S X x Z"
_TEXTS = {
    3: ([name[:3] for name in MONTHS], [name[:3] for name in DAYS]),
    4: (MONTHS, DAYS),
}
_OFFSETS = {
    # letter count: (the offset's form as a regular expression, the text of zero)
    "X": (r"[+-]\d{2}(?:\d{2})?", "Z"),
    "XX": (r"[+-]\d{4}", "Z"),
    "XXX": (r"[+-]\d{2}:\d{2}", "Z"),
    "XXXX": (r"[+-]\d{4}(?:\d{2})?", "Z"),
    "XXXXX": (r"[+-]\d{2}:\d{2}(?::\d{2})?", "Z"),
    "x": (r"[+-]\d{2}(?:\d{2})?", "+00"),
    "xx": (r"[+-]\d{4}", "+0000"),
    "xxx": (r"[+-]\d{2}:\d{2}", "+00:00"),
    "xxxx": (r"[+-]\d{4}(?:\d{2})?", "+0000"),
    "xxxxx": (r"[+-]\d{2}:\d{2}(?::\d{2})?", "+00:00"),
    "Z": (r"[+-]\d{4}", "+0000"),
    "ZZ": (r"[+-]\d{4}", "+0000"),
    "ZZZ": (r"[+-]\d{4}", "+0000"),
    "ZZZZZ": (r"[+-]\d{2}:\d{2}(?::\d{2})?", "Z"),
}
#: The parts of a pattern's expression whose text depends on the locale: a month's name
#: (``MMM``, ``LLLL`` ..., not ``MM``), a day's name, AM/PM.
TEXT_PARTS = re.compile(r"\(\?P<(?:Mt|E|a)>")


def offset_expression(form: str, zero: str) -> str:
    """An offset of ``form`` or the text of zero, which Java takes first when the text
    starts with it (``+0000`` is not read as ``+00`` and ``00`` after it)."""
    return rf"(?P<z>{re.escape(zero)}|(?!{re.escape(zero)}){form})"


def _refuse(letter: str, pattern: str) -> UnknownFormat:
    return UnknownFormat(
        f"the date pattern letter {letter!r} (in {pattern!r}) is not modelled; "
        f"pytest-firehose reads patterns of {LETTERS}, quoted text, [optional] sections "
        "and punctuation"
    )


def _number(letter: str, count: int) -> str:
    """A numeric field of ``count`` letters as Java's ``appendValue`` reads it."""
    if letter in "yu":
        if count == 2:
            return rf"(?P<{letter}2>\d{{2}})"
        if count == 1:
            return rf"(?P<{letter}>-?\d{{1,19}})"
        if count == 3:
            return rf"(?P<{letter}>-?\d{{3,19}})"
        return rf"(?P<{letter}>\d{{{count}}}|\+\d{{{count + 1},19}}|-\d{{{count},19}})"
    group = {"L": "M"}.get(letter, letter)
    if letter == "D":
        digits = {1: r"-?\d{1,19}", 2: r"\d{2,3}", 3: r"\d{3}"}[count]
    else:
        digits = r"-?\d{1,19}" if count == 1 else r"\d{2}"
    return f"(?P<{group}>{digits})"


def _text(letter: str, count: int, pattern: str) -> str:
    if letter == "a":
        return "(?P<a>AM|PM)"
    if count not in _TEXTS:
        raise _refuse(letter * count, pattern)
    months, days = _TEXTS[count]
    names = days if letter == "E" else months
    group = "E" if letter == "E" else "Mt"
    return f"(?P<{group}>{'|'.join(names)})"


def _field(letter: str, count: int, pattern: str) -> str:
    if (letter in "ML" and count >= 3) or letter in "Ea":
        return _text(letter, count, pattern)
    if letter in "yuMLdDhKkHms":
        return _number(letter, count)
    if letter == "S":
        return rf"(?P<S>\d{{{count}}})"
    if letter in "XxZ" and letter * count in _OFFSETS:
        return offset_expression(*_OFFSETS[letter * count])
    if letter * count == "ZZZZ":
        return r"(?P<z>GMT(?:[+-]\d{2}:\d{2}(?::\d{2})?)?)"
    raise _refuse(letter * count, pattern)


def pattern_expression(pattern: str) -> tuple[str, str]:
    """``pattern`` as a regular expression of named parts, and the letters it has;
    :class:`UnknownFormat` for a pattern Java refuses (in OpenSearch's words) or one of
    letters the fake does not read."""
    try:
        compile_pattern(pattern)  # Java's refusals, in Java's words
    except PatternError as error:
        raise JavaRefusal(f"Invalid format: [{pattern}]: {error}") from None
    out: list[str] = []
    letters = ""
    depth = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        run = len(pattern) - i - len(pattern[i:].lstrip(char))
        if char == "'":
            end = i + 1
            while True:  # compile_pattern has checked the quote is closed
                end = pattern.index("'", end)
                if pattern[end + 1 : end + 2] != "'":
                    break
                end += 2
            literal = pattern[i + 1 : end]
            out.append(re.escape(literal.replace("''", "'") if literal else "'"))
            i = end + 1
            continue
        if char.isascii() and char.isalpha():
            if char in letters or (char in "ML" and {"M", "L"} & set(letters)):
                raise UnknownFormat(
                    f"the date pattern letter {char!r} is given twice in {pattern!r}, which "
                    "pytest-firehose does not model; give each field once"
                )
            if char in "yu" and set("yu") & set(letters):
                raise UnknownFormat(
                    f"the date pattern {pattern!r} has both y and u, which pytest-firehose "
                    "does not model; give the year once"
                )
            out.append(_field(char, run, pattern))
            letters += char
            i += run
            continue
        if char == "[":
            out.append("(?:")
            depth += 1
        elif char == "]":
            out.append(")?")
            depth -= 1
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out) + ")?" * depth, letters  # Java closes what is left open
