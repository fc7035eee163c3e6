"""The date formats an OpenSearch ``date`` field reads a value with: its ``format`` (formats
joined with ``||``, the first that reads the value wins), and the formats dynamic mapping's
date detection tries on a new string field.

Facts (OpenSearch's "Date field type" and "Dynamic mapping" pages; OpenSearch's source,
``DateFieldMapper`` and ``RootObjectMapper``): a ``date`` field's default format is
``strict_date_optional_time||epoch_millis``; date detection tries
``strict_date_optional_time||epoch_millis`` and then
``yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis`` (the reference pages write the second as
``yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z``; the source's is used), and never on a string that
reads as a number. A value no format reads fails with ``failed to parse date field [VALUE]
with format [FORMAT]``. Formats are read with a strict resolver: a month is 1 to 12, a day
one its month has.

Modelled: the built-in formats in :data:`NAMED` and patterns of ``y`` ``u`` ``M`` ``d``
``H`` ``m`` ``s`` ``S`` ``X`` ``Z`` letters, quoted text and punctuation; another format is
refused where a mapping names it (:class:`UnknownFormat`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable

DEFAULT = "strict_date_optional_time||epoch_millis"
#: Date detection's formats, in the order it tries them.
DETECTED = (DEFAULT, "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis")

ZONE = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
FRACTION = r"(?:[.,]\d{1,9})"


def _optional_time(year: str, part: str) -> str:
    """``date_optional_time``'s grammar: a date, optionally a time and a zone after ``T``."""
    return (
        rf"(?P<y>{year})(?:-(?P<M>{part})(?:-(?P<d>{part}))?)?"
        rf"(?:T(?P<H>{part})(?::(?P<m>{part})(?::(?P<s>{part}){FRACTION}?)?)?{ZONE}?)?"
    )


_STRICT = r"\d{2}"
_LOOSE = r"\d{1,2}"
#: The built-in formats modelled, as regular expressions of named date parts.
NAMED: dict[str, str] = {
    "strict_date_optional_time": _optional_time(r"\d{4}", _STRICT),
    "date_optional_time": _optional_time(r"[+-]?\d{1,9}", _LOOSE),
    "strict_date_optional_time_nanos": _optional_time(r"\d{4}", _STRICT),
    "strict_date": rf"(?P<y>\d{{4}})-(?P<M>{_STRICT})-(?P<d>{_STRICT})",
    "date": rf"(?P<y>\d{{1,9}})-(?P<M>{_LOOSE})-(?P<d>{_LOOSE})",
    "strict_date_time": (
        r"(?P<y>\d{4})-(?P<M>\d{2})-(?P<d>\d{2})T(?P<H>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})"
        rf"{FRACTION}{ZONE}"
    ),
    "date_time": (
        r"(?P<y>\d{1,9})-(?P<M>\d{1,2})-(?P<d>\d{1,2})T(?P<H>\d{1,2}):(?P<m>\d{1,2})"
        rf":(?P<s>\d{{1,2}}){FRACTION}{ZONE}"
    ),
    "strict_date_time_no_millis": (
        r"(?P<y>\d{4})-(?P<M>\d{2})-(?P<d>\d{2})T(?P<H>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})"
        rf"{ZONE}"
    ),
    "strict_date_hour_minute_second": (
        r"(?P<y>\d{4})-(?P<M>\d{2})-(?P<d>\d{2})T(?P<H>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})"
    ),
    "basic_date": r"(?P<y>\d{4})(?P<M>\d{2})(?P<d>\d{2})",
    "strict_year_month_day": r"(?P<y>\d{4})-(?P<M>\d{2})-(?P<d>\d{2})",
    "strict_year_month": r"(?P<y>\d{4})-(?P<M>\d{2})",
    "strict_year": r"(?P<y>\d{4})",
    "epoch_millis": r"[+-]?\d{1,19}(?:\.\d{1,6})?",
    "epoch_second": r"[+-]?\d{1,19}(?:\.\d{1,9})?",
}
NAMED["date_time_no_millis"] = NAMED["strict_date_time_no_millis"]
NAMED["date_hour_minute_second"] = NAMED["strict_date_hour_minute_second"]
NAMED["year_month_day"] = NAMED["strict_year_month_day"]

#: Pattern letters modelled: letter -> (the fewest and most digits it reads).
_LETTERS = {"y": (4, 9), "u": (4, 9), "M": (2, 2), "d": (2, 2), "H": (2, 2), "m": (2, 2)}
_LETTERS["s"] = (2, 2)


class UnknownFormat(ValueError):
    """A date format the fake does not read (the message names the formats it does)."""


def pattern_expression(pattern: str) -> str:
    """A Java ``DateTimeFormatter`` pattern of the letters modelled, as a regular
    expression; :class:`UnknownFormat` for another letter."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        run = len(pattern) - i - len(pattern[i:].lstrip(char))
        if char == "'":
            end = pattern.find("'", i + 1)
            if end < 0:
                raise UnknownFormat(f"the date format {pattern!r} has an unclosed quote")
            out.append(re.escape(pattern[i + 1 : end] or "'"))
            i = end + 1
            continue
        if char in _LETTERS:
            least, most = _LETTERS[char]
            group = {"u": "y"}.get(char, char)
            if run == 1:  # the value's own width: M is 1 to 2 digits
                least = 1
            digits = rf"\d{{{run}}}" if char in "yu" and run == 2 else rf"\d{{{least},{most}}}"
            out.append(f"(?P<{group}>{digits})")
        elif char == "S":
            out.append(rf"\d{{{run}}}")
        elif char in "XZx":
            out.append(ZONE)
        elif char.isalpha():
            raise UnknownFormat(
                f"the date pattern letter {char!r} (in {pattern!r}) is not modelled; "
                "pytest-firehose reads patterns of y u M d H m s S X Z, quoted text and "
                f"punctuation, and the formats {', '.join(sorted(NAMED))}"
            )
        else:
            out.append(re.escape(char * run))
        i += run
    return "".join(out)


def _valid(found: re.Match[str]) -> bool:
    """Whether the date parts ``found`` holds make a date (a strict resolver's check)."""
    parts = found.groupdict()
    year = int(parts.get("y") or 2000)
    month = int(parts.get("M") or 1)
    day = int(parts.get("d") or 1)
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2000 + year % 400, month)[1]:
        return False
    return (
        int(parts.get("H") or 0) <= 23
        and int(parts.get("m") or 0) <= 59
        and int(parts.get("s") or 0) <= 59
    )


DateReader = Callable[[str], bool]


def reader(formats: str) -> DateReader:
    """Whether a text reads as a date with ``formats`` (joined with ``||``);
    :class:`UnknownFormat` for a format the fake does not read."""
    expressions = []
    for one in formats.split("||"):
        expression = NAMED.get(one)
        if expression is None:
            if not one or re.fullmatch(r"[a-z_]+", one):
                raise UnknownFormat(
                    f"the date format {one!r} is not modelled; pytest-firehose reads "
                    f"{', '.join(sorted(NAMED))} and patterns of y u M d H m s S X Z"
                )
            expression = pattern_expression(one)
        expressions.append(re.compile(expression))

    def reads(text: str) -> bool:
        for expression in expressions:
            found = expression.fullmatch(text)
            if found is not None and _valid(found):
                return True
        return False

    return reads


def dynamic_date_formats(value: object) -> tuple[str, ...]:
    """The formats a mapping's ``dynamic_date_formats`` gives date detection, in order, as
    OpenSearch reads them (``RootObjectMapper.TypeParser.processField``): a list of
    formats, one format, or ``"none"`` (none: no string is a date); a format starting with
    ``epoch_`` is refused in OpenSearch's words, one the fake does not read
    (:class:`UnknownFormat`) too, each a ValueError."""
    if isinstance(value, list):
        formats = value
    elif value == "none":
        formats = []
    else:
        formats = [value]
    for one in formats:
        if not isinstance(one, str) or not one:
            raise ValueError(
                'dynamic_date_formats is a list of date formats (or one, or "none"), such '
                f'as ["yyyy-MM-dd", "dd.MM.yyyy"], not {value!r}'
            )
        if one.startswith("epoch_"):
            raise ValueError(
                "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Epoch "
                f"[{one}] is not supported as dynamic date format"
            )
        reader(one)
    return tuple(formats)
