"""Timestamps as record format conversion's deserializers read them: the OpenX SerDe's own
forms and epoch numbers (``openx_timestamp``), and the Hive SerDe's ``TimestampFormats``
(Joda-Time patterns, ``millis``) then ``java.sql.Timestamp``'s text form
(``hive_timestamp``); and the OpenX SerDe's dates (``openx_date``). A value that is no
timestamp raises :class:`Unfit`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from pytest_firehose._destinations.hive_type_names import UnknownType
from pytest_firehose._destinations.hive_types import Unfit, openx_class

#: OpenX's own forms: ISO 8601 in UTC with up to nine fraction digits, and the
#: ``yyyy-[M]M-[d]d HH:mm:ss[.S]`` form (also Hive's default, java.sql.Timestamp's).
_ISO_Z = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z")
_SQL = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")
#: An integer from this many milliseconds on is read as epoch milliseconds by OpenX.
_MILLIS_FROM = 10**11
_EPOCH = datetime(1970, 1, 1)


def _from_match(match: re.Match[str]) -> datetime:
    year, month, day, hour, minute, second = (int(group) for group in match.groups()[:6])
    fraction = (match.group(7) or "0").ljust(6, "0")[:6]
    return datetime(year, month, day, hour, minute, second, int(fraction))


def _epoch(seconds: float) -> datetime:
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except OverflowError as error:
        raise Unfit("timestamp out of range") from error


def openx_timestamp(value: Any) -> datetime:
    """A timestamp as the OpenX JSON SerDe reads it: the two text forms, or epoch seconds
    (an integer, a number with a fraction, or their text), or epoch milliseconds (an
    integer of 12 digits or more)."""
    if isinstance(value, bool):
        raise Unfit("a boolean is no timestamp")
    if isinstance(value, str):
        for form in (_ISO_Z, _SQL):
            match = form.fullmatch(value.strip())
            if match is not None:
                return _valid(match)
        try:
            value = json.loads(value)
        except ValueError as error:
            raise Unfit(f"{value!r} is no timestamp") from error
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise Unfit("no timestamp")
    if isinstance(value, int):
        return _epoch(value / 1000 if abs(value) >= _MILLIS_FROM else value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise Unfit("no timestamp")
        return _epoch(value)
    raise Unfit("no timestamp")


def _valid(match: re.Match[str]) -> datetime:
    try:
        return _from_match(match)
    except ValueError as error:
        raise Unfit(str(error)) from error


def sql_timestamp(text: str) -> datetime | None:
    """``text`` read in ``java.sql.Timestamp.valueOf``'s form (``yyyy-[m]m-[d]d
    hh:mm:ss[.f...]``); None when it is not in it, :class:`Unfit` for a date past its
    month's end."""
    match = _SQL.fullmatch(text)
    return None if match is None else _valid(match)


#: Joda-Time pattern letters the Hive deserializer's ``TimestampFormats`` may use, as
#: strptime directives.
_JODA = {
    "yyyy": "%Y",
    "yy": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "M": "%m",
    "dd": "%d",
    "d": "%d",
    "HH": "%H",
    "H": "%H",
    "hh": "%I",
    "h": "%I",
    "mm": "%M",
    "m": "%M",
    "ss": "%S",
    "s": "%S",
    "a": "%p",
    "EEEE": "%A",
    "EEE": "%a",
    "Z": "%z",
    "ZZ": "%z",
}
_JODA_TOKEN = re.compile(r"'([^']*)'|(S+)|([A-Za-z])\3*|(.)")


def joda_format(pattern: str) -> Callable[[str], datetime]:
    """A reader for text in Joda-Time ``pattern`` (the letters in ``_JODA``, fractions of
    a second as ``S``, quoted literals); UnknownType for any other letter."""
    parts: list[str] = []
    #: More than six ``S``: strptime's ``%f`` reads at most six digits.
    long_fraction = False
    for match in _JODA_TOKEN.finditer(pattern):
        literal, seconds, letters, other = match.groups()
        if literal is not None:
            parts.append(literal.replace("%", "%%") if literal else "'")
        elif seconds is not None:
            parts.append("%f")
            long_fraction = long_fraction or len(seconds) > 6
        elif letters is not None:
            directive = _JODA.get(match.group(0))
            if directive is None:
                raise UnknownType(f"TimestampFormats pattern {pattern!r}: {match.group(0)!r}")
            parts.append(directive)
        else:
            parts.append(other.replace("%", "%%"))
    layout = "".join(parts)

    def read(text: str) -> datetime:
        try:
            parsed = datetime.strptime(text, layout)
        except ValueError:
            if not long_fraction:
                raise
            # A fraction of more than six digits, read to its sixth: strptime takes the
            # text once the fraction's last digits are dropped.
            parsed = _with_a_fraction_cut(text, layout)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
        return parsed

    return read


def _with_a_fraction_cut(text: str, layout: str) -> datetime:
    """``text`` read with ``layout`` once the last digits of one of its runs of seven
    digits or more are dropped: the last run first, the fewest digits first, so that a
    fraction (``.1234567``), or one run together with other fields
    (``20261208123456123456789``), is cut, and nothing else (``20261208123456.1234567``).
    ValueError when no cut reads."""
    for run in reversed(list(re.finditer(r"\d{7,}", text))):
        for cut in range(1, len(run.group())):
            try:
                return datetime.strptime(text[: run.end() - cut] + text[run.end() :], layout)
            except ValueError:
                continue
    raise ValueError(f"{text!r} does not match {layout!r}")


def hive_timestamp(formats: Sequence[str]) -> Callable[[Any], datetime]:
    """A timestamp reader for the Hive JSON SerDe's ``TimestampFormats``: each pattern in
    turn (``millis``: epoch milliseconds), else java.sql.Timestamp's text form."""
    readers = [None if f == "millis" else joda_format(f) for f in formats]

    def read(value: Any) -> datetime:
        for reader in readers:
            if reader is None:
                if isinstance(value, int) and not isinstance(value, bool):
                    return _epoch(value / 1000)
                if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
                    return _epoch(int(value) / 1000)
                continue
            if isinstance(value, str):
                try:
                    return reader(value)
                except ValueError:
                    continue
        if isinstance(value, str):
            read = sql_timestamp(value.strip())
            if read is not None:
                return read
        raise Unfit(f"{value!r} is no timestamp in the formats configured")

    return read


#: What ``SimpleDateFormat("yyyy-MM-dd")`` reads: each number after spaces or tabs, a
#: minus sign allowed, its digits any Unicode decimal digits; whatever follows is left.
_SIMPLE_DATE = re.compile(r"[ \t]*(-?\d+)-[ \t]*(-?\d+)-[ \t]*(-?\d+)")
#: The first day of the Gregorian calendar in Java's ``GregorianCalendar`` (1582-10-15).
_CUTOVER = date(1582, 10, 15).toordinal()
#: The Julian day number of the day before ``date.min`` (to make ordinals of them).
_JDN_OFFSET = 1721425


def _julian_ordinal(year: int, month: int) -> int:
    """The proleptic Gregorian ordinal of the first of ``month`` in the Julian calendar."""
    shift = (14 - month) // 12
    years, months = year + 4800 - shift, month + 12 * shift - 3
    return 1 + (153 * months + 2) // 5 + 365 * years + years // 4 - 32083 - _JDN_OFFSET


def _calendar_field(number: str) -> int:
    """A number as ``SimpleDateFormat`` sets a calendar field to it: ``DecimalFormat``
    gives a ``Long`` where it fits one, cut to an ``int``'s low 32 bits, else a
    ``Double``, which ``intValue`` holds at an ``int``'s end."""
    digits = number.lstrip("-").lstrip("0")
    sign = -1 if number.startswith("-") else 1
    if len(digits) > 19 or int(digits or "0") >= 2**63 + (sign < 0):
        return sign * (2**31 - 1) - (sign < 0)
    return (sign * int(digits or "0") + 2**31) % 2**32 - 2**31


def openx_date(value: Any) -> date | None:
    """A ``date`` column's value as OpenX's date inspector reads the parser's object: text
    (a number's too: the parser keeps it) by a lenient ``SimpleDateFormat("yyyy-MM-dd")``,
    a month or day past its end rolling over (``2026-2-30`` is March 2) and what follows
    the day ignored, null where it finds no date; Java's calendar is Julian before
    1582-10-15. Any other object fails the writable form's cast to ``java.sql.Date``."""
    if value is None:
        return None
    if isinstance(value, (bool, dict, list)):
        raise Unfit(f"{openx_class(value)} cannot be cast to java.sql.Date")
    text = getattr(value, "text", None)  # a number's, as written
    match = _SIMPLE_DATE.match(text if isinstance(text, str) else str(value))
    if match is None:
        return None
    read, month, day = (_calendar_field(group) for group in match.groups())
    year, month = read + (month - 1) // 12, (month - 1) % 12 + 1
    ordinal = day - 1
    if 1 <= year <= 9999:
        # GregorianCalendar.computeTime: a year read before 1582 is Julian, any other the
        # Gregorian day unless that falls before the cutover.
        gregorian = ordinal + date(year, month, 1).toordinal()
        julian = ordinal + _julian_ordinal(year, month)
        ordinal = julian if read < 1582 or gregorian < _CUTOVER else gregorian
    if not 1 <= ordinal <= date.max.toordinal() or not 1 <= year <= 9999:
        # Java's calendar goes on (years before 1 are BC); a date32 column could hold it,
        # but the fake reads dates as Python's, which end there.
        raise Unfit(f"{value!r} reads as a date outside the years 1 to 9999, not modelled")
    return date.fromordinal(ordinal)
