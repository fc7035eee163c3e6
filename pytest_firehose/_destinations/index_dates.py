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
with format [FORMAT]``.

A value is read in two steps, as OpenSearch reads it (``DateFieldType.parse``):
Java's parser with a strict resolver (:func:`parser`'s ``"parse"`` failure), then
``DateFormatters.from``, which completes what the pattern leaves out (no time: the start
of the day; no date: 1970-01-01; no day: the first) and fails with Java's
``DateTimeException`` (``date_time_exception``). The strict resolver checks a date only
when the year is ``u`` (proleptic): with ``y`` (year of era, no era given) it leaves the
date to ``from``, so a wrong weekday passes and ``2026-02-30`` fails there with
``Invalid date 'FEBRUARY 30'``. Hours of ``h``/``K`` without ``a`` leave the time out.

Modelled: the built-in formats :mod:`index_date_names` reads and the patterns
:mod:`index_date_patterns` reads; another format is refused where a mapping names it
(:class:`UnknownFormat`); a leading ``8`` (the old "java-time" prefix) is dropped first,
as ``DateFormatter.strip8Prefix`` drops it; formats ``DateFormatter.forPattern`` refuses
before it reads a pattern, none (``No date pattern provided``) or an empty one among
several (``Cannot have empty element in multi date format pattern: a||``), are refused in
its words (:class:`JavaRefusal`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from pytest_firehose._destinations.gregorian import epoch_day
from pytest_firehose._destinations.index_date_names import EPOCHS, LENIENT, NAMED
from pytest_firehose._destinations.index_date_patterns import (
    LETTERS,
    TEXT_PARTS,
    JavaRefusal,
    pattern_expression,
)
from pytest_firehose._destinations.index_date_patterns import (
    UnknownFormat as UnknownFormat,  # where the mappings' readers import it from
)
from pytest_firehose._destinations.java_time import DAYS, MONTHS

DEFAULT = "strict_date_optional_time||epoch_millis"
#: Date detection's formats, in the order it tries them.
DETECTED = (DEFAULT, "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis")

#: What reading a text gives: nanoseconds since the epoch, or a failure: ``("parse", "")``
#: (Java's parser refused it) or an exception's type and message.
Read = int | tuple[str, str]
PARSE_FAILURE = ("parse", "")
_YEARS = 999_999_999
_DAY = 86_400 * 10**9


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _month_length(year: int, month: int) -> int:
    if month == 2:
        return 29 if _leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


class _DateTimeError(Exception):
    """Java's ``DateTimeException``, with its message."""


def _local_date(year: int, month: int, day: int) -> int:
    """``LocalDate.of(year, month, day)`` as days since the epoch, or its exception."""
    if not 1 <= month <= 12:
        raise _DateTimeError(f"Invalid value for MonthOfYear (valid values 1 - 12): {month}")
    if not 1 <= day <= 31:
        raise _DateTimeError(f"Invalid value for DayOfMonth (valid values 1 - 28/31): {day}")
    if day > _month_length(year, month):
        if day == 29:
            raise _DateTimeError(f"Invalid date 'February 29' as '{year}' is not a leap year")
        raise _DateTimeError(f"Invalid date '{MONTHS[month - 1].upper()} {day}'")
    return epoch_day(year, month, day)


def _year_day(year: int, day: int) -> int:
    """``LocalDate.ofYearDay(year, day)`` as days since the epoch, or its exception."""
    if not 1 <= day <= 366:
        raise _DateTimeError(f"Invalid value for DayOfYear (valid values 1 - 365/366): {day}")
    if day == 366 and not _leap(year):
        raise _DateTimeError(f"Invalid date 'DayOfYear 366' as '{year}' is not a leap year")
    return epoch_day(year, 1, 1) + day - 1


def _offset(zone: str) -> int | None:
    """The seconds a zone's text is ahead of UTC (None: Java's parser refuses it)."""
    digits = zone.removeprefix("GMT").replace(":", "")
    if digits in ("Z", ""):
        return 0
    hours, minutes, seconds = int(digits[1:3]), int(digits[3:5] or 0), int(digits[5:7] or 0)
    if minutes > 59 or seconds > 59:
        return None
    total = hours * 3600 + minutes * 60 + seconds
    return -total if digits[0] == "-" else total


def _time(parts: dict[str, str]) -> tuple[bool, int | None]:
    """The strict resolver's time of day in nanoseconds (None: left unresolved), and
    whether its checks pass."""
    number = {key: int(parts[key]) for key in "HmshKk" if key in parts}
    minute, second, fraction = number.get("m"), number.get("s"), parts.get("S")
    # An hour whose minute or second is missing leaves the time out, its fields unchecked.
    unresolved = (minute is None and (second is not None or fraction is not None)) or (
        minute is not None and second is None and fraction is not None
    )
    limits = {"h": (1, 12), "K": (0, 11), "k": (1, 24)}
    if not (unresolved and set(number) & set("Hk")):
        limits.update(H=(0, 23), m=(0, 59), s=(0, 59))
    if any(not low <= number[key] <= high for key, (low, high) in limits.items() if key in number):
        return False, None
    hours = set()
    if "k" in number:
        hours.add(number["k"] % 24)
    if "H" in number:
        hours.add(number["H"])
    of_half = {number[key] % 12 for key in "hK" if key in number}
    if len(of_half) > 1:
        return False, None
    half = parts.get("a")
    if half is not None:
        noon = 12 if half == "PM" else 0
        if of_half:
            hours.add(noon + of_half.pop())
        if any(hour // 12 * 12 != noon for hour in hours):
            return False, None
    if len(hours) != 1:
        return len(hours) == 0, None
    if unresolved:
        return True, None
    seconds = hours.pop() * 3600 + (minute or 0) * 60 + (second or 0)
    return True, seconds * 10**9 + int(((fraction or "") + "000000000")[:9])


def _lenient(parts: dict[str, str]) -> Read:
    """A year, month and day as Java's lenient resolver reads them: the month and day
    added to the year's first day (``2026-02-30`` is March 2)."""
    year, months = divmod(int(parts["u"]) * 12 + int(parts["M"]) - 1, 12)
    return (epoch_day(year, months + 1, 1) + int(parts["d"]) - 1) * _DAY


def _resolve(parts: dict[str, str]) -> Read:
    """The instant a pattern's parts stand for, as Java's strict resolver and then
    OpenSearch's ``DateFormatters.from`` make it."""
    year = era_year = None
    if "u" in parts or "u2" in parts:
        year = int(parts["u"]) if "u" in parts else 2000 + int(parts["u2"])
        if abs(year) > _YEARS:
            return PARSE_FAILURE
    if "y" in parts or "y2" in parts:
        era_year = int(parts["y"]) if "y" in parts else 2000 + int(parts["y2"])
        if not 1 <= era_year <= _YEARS:
            return PARSE_FAILURE
    month = int(parts["M"]) if "M" in parts else None
    if "Mt" in parts:
        month = [name[: len(parts["Mt"])] for name in MONTHS].index(parts["Mt"]) + 1
    day = int(parts["d"]) if "d" in parts else None
    of_year = int(parts["D"]) if "D" in parts else None
    checked, time = _time(parts)
    if not checked:
        return PARSE_FAILURE
    days = None
    if year is not None and ((day is not None and month is not None) or of_year is not None):
        try:  # the strict resolver makes the date, and checks what it cross-checks
            if month is not None and day is not None:
                days = _local_date(year, month, day)
                if of_year is not None and days - epoch_day(year, 1, 1) + 1 != of_year:
                    return PARSE_FAILURE
            else:
                days = _year_day(year, of_year or 0)
        except _DateTimeError:
            return PARSE_FAILURE
        if "E" in parts and (days + 3) % 7 != [name[:3] for name in DAYS].index(parts["E"][:3]):
            return PARSE_FAILURE
    offset = _offset(parts["z"]) if "z" in parts else 0
    if offset is None:
        return PARSE_FAILURE
    if abs(offset) > 18 * 3600:  # the resolver's instant, or from(), makes the zone first
        if days is not None and time is not None:
            return PARSE_FAILURE
        return ("date_time_exception", "Zone offset not in valid range: -18:00 to +18:00")
    known = year if year is not None else era_year
    try:
        return _complete(days, time, known, month, day, of_year) - offset * 10**9
    except _DateTimeError as error:
        return ("date_time_exception", str(error))


def _complete(
    days: int | None,
    time: int | None,
    year: int | None,
    month: int | None,
    day: int | None,
    of_year: int | None,
) -> int:
    """``DateFormatters.from``: the local date and time made whole (UTC nanoseconds
    before the offset)."""
    if days is None and year is not None:
        if month is not None and day is not None:
            days = _local_date(year, month, day)
        elif of_year is not None:
            days = _year_day(year, of_year)
    if days is None:
        if time is not None or year is None:
            known = 1970 if year is None else year
            first = 1 if day is None else day
            days = _local_date(known, month, first) if month is not None else 0
        else:
            days = _local_date(year, 1 if month is None else month, 1)
    return days * _DAY + (time or 0)


def _read_parts(expression: re.Pattern[str], *, lenient: bool = False) -> Callable[[str], Read]:
    def read(text: str) -> Read:
        found = expression.fullmatch(text)
        if found is None:
            return PARSE_FAILURE
        parts = {key: value for key, value in found.groupdict().items() if value}
        return _lenient(parts) if lenient else _resolve(parts)

    return read


def _read_epoch(grammar: str, scale: int) -> Callable[[str], Read]:
    expression = re.compile(grammar)

    def read(text: str) -> Read:
        if expression.fullmatch(text) is None:
            return PARSE_FAILURE
        return int(Decimal(text) * scale)

    return read


def _one(format_: str) -> tuple[Callable[[str], Read], str]:
    """A reader of one format, and the pattern letters it has ("" for a built-in)."""
    if format_ in EPOCHS:
        return _read_epoch(*EPOCHS[format_]), ""
    if format_ in NAMED:
        return _read_parts(re.compile(NAMED[format_]), lenient=format_ in LENIENT), ""
    if not format_ or re.fullmatch(r"[a-z_]+", format_):
        raise UnknownFormat(
            f"the date format {format_!r} is not modelled; pytest-firehose reads "
            f"{', '.join(sorted([*NAMED, *EPOCHS]))} and patterns of {LETTERS}"
        )
    expression, letters = pattern_expression(format_)
    if not set(letters) & set("yuMLDHk") and not ("a" in letters and set(letters) & set("hK")):
        raise UnknownFormat(
            f"the date pattern {format_!r} has no date and no hour of the day, which "
            "OpenSearch cannot make an instant of (pytest-firehose does not model its "
            "message); give a year, a month or an hour"
        )
    return _read_parts(re.compile(expression)), letters


def parser(formats: str) -> Callable[[str], Read]:
    """What a text reads as with ``formats`` (joined with ``||``): the first format whose
    parser takes it decides; :class:`UnknownFormat` for a format the fake does not read,
    :class:`JavaRefusal` for formats ``DateFormatter.forPattern`` refuses."""
    readers = [_one(one)[0] for one in split_formats(formats)]

    def read(text: str) -> Read:
        for one in readers:
            found = one(text)
            if found != PARSE_FAILURE:
                return found
        return PARSE_FAILURE

    return read


def has_text(formats: str) -> bool:
    """Whether ``formats`` read a month's or a day's name or AM/PM (whose text is the
    locale's); :class:`UnknownFormat` for a format the fake does not read."""
    return any(
        _one(one)[1] and TEXT_PARTS.search(pattern_expression(one)[0])
        for one in split_formats(formats)
    )


def split_formats(formats: str) -> list[str]:
    """The formats joined with ``||`` in ``formats``, as ``DateFormatter.forPattern``
    splits them (``splitCombinedPatterns``) after dropping a leading ``8`` (``strip8Prefix``,
    the 6.x "java-time" prefix: ``8yyyy-MM-dd`` reads as ``yyyy-MM-dd``, ``a||8yyyy``'s
    second element keeps its ``8``, a literal); :class:`JavaRefusal` in its words for none,
    or an empty one; :class:`UnknownFormat` for ``8`` alone (no element once stripped, which
    Java meets as an ``IndexOutOfBoundsException``, not modelled)."""
    if not formats:
        raise JavaRefusal("No date pattern provided")
    if formats == "8":
        raise UnknownFormat(
            "the date format '8' (the java-time prefix and no pattern) is not modelled: "
            "OpenSearch strips the 8 and fails on the empty rest; give a pattern after it, "
            'such as "8yyyy-MM-dd"'
        )
    formats = formats.removeprefix("8")
    each = formats.split("||")
    if "" in each:
        raise JavaRefusal(f"Cannot have empty element in multi date format pattern: {formats}")
    return each


DateReader = Callable[[str], bool]


def reader(formats: str) -> DateReader:
    """Whether a text reads as a date with ``formats`` (joined with ``||``) for Java's
    parser, as date detection asks it (``DateTimeException`` is not its concern);
    :class:`UnknownFormat` for a format the fake does not read."""
    read = parser(formats)
    return lambda text: read(text) != PARSE_FAILURE
