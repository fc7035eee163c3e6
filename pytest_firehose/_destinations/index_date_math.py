"""A ``date_range`` bound as OpenSearch reads it when it indexes a document: a date its
``format`` reads, optionally followed by date math (``2020-01-31||+1M/d``), as
milliseconds since the epoch.

Facts (OpenSearch 2.19: ``RangeType.DATE`` (``parseFrom``, ``parseTo``, ``parseValue``),
``DateMathParser.parse(text, now)`` (no rounding up, no time zone),
``JavaDateMathParser`` (``parse``, ``parseMath``, ``parseDateTime``),
``JavaDateFormatter.parse``, ``OpenSearchException.getExceptionName``):

- a text starting with ``now`` asks for the current time, which indexing refuses:
  ``parse_exception`` ``could not read the current timestamp``, caused by
  ``now is not used at indexing time`` (the fake's clock is never read);
- the text before ``||`` (all of it when there is none) is read with the field's formats;
  ``""`` fails with ``cannot parse empty date``, a text no format reads with ``failed to
  parse date field [X] with format [F]: [failed to parse date field [X] with format [F]]``
  (both ``parse_exception``; the second caused by the formatter's own
  ``illegal_argument_exception``); a date the parser takes but ``DateFormatters.from``
  cannot make (``2026-02-30`` with ``yyyy-MM-dd``) fails with Java's ``DateTimeException``
  (``date_time_exception``, ``Invalid date 'FEBRUARY 30'``), which ``parseDateTime`` does
  not catch; a time without a zone is UTC; sub-millisecond digits are cut off
  (``Instant.toEpochMilli``);
- the math after ``||`` is a run of ``+N`` / ``-N`` / ``/`` and a unit (``y M w d h H m
  s``; N is 1 when left out) applied in UTC: ``+1M`` keeps the day of the month where the
  month has it, else takes its last; ``/`` rounds down (a week to its Monday), at index
  time never up; ``operator not supported for date math [M]``, ``truncated date math
  [M]``, ``rounding `/` can only be used on single unit types [M]``, ``unit [x] not
  supported for date math [M]`` (``parse_exception``, ``M`` the math); an N past an
  int's range fails with ``For input string: "N"`` (``number_format_exception``, the one
  failure here that ``ignore_malformed`` takes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pytest_firehose._destinations.gregorian import civil_date, epoch_day
from pytest_firehose._destinations.index_date_patterns import JavaRefusal
from pytest_firehose._destinations.index_dates import (
    DEFAULT,
    PARSE_FAILURE,
    UnknownFormat,
    has_text,
    parser,
)
from pytest_firehose._destinations.index_special import REFUSES

_DAY = 86_400_000
_UNITS = {"d": _DAY, "h": 3_600_000, "H": 3_600_000, "m": 60_000, "s": 1_000}
#: The years a java.time date holds.
_YEARS = 999_999_999
_INT_MAX = 2**31 - 1
_LONG = 2**63
#: The locales modelled: a language and optionally a country (or ``ROOT``), joined as
#: ``LocaleUtils.parse`` reads them.
_LOCALE = re.compile(r"(?i:root)|([A-Za-z]{2,3})?(?:[_-]([A-Za-z]{2}))?")


class MathFailure(Exception):
    """A bound OpenSearch cannot read: the ``caused_by`` (None: left out) and whether it
    is an ``IllegalArgumentException`` (which ``ignore_malformed`` takes)."""

    def __init__(self, cause: Any, *, ignorable: bool = False) -> None:
        super().__init__(cause)
        self.cause = cause
        self.ignorable = ignorable


def _parse_error(reason: str, cause: Any = None) -> MathFailure:
    return MathFailure(
        ("parse_exception", reason) if cause is None else ("parse_exception", reason, cause)
    )


def date_math_parser(formats: str) -> Callable[[str], int]:
    """The parser of a ``date_range`` with ``formats`` (joined with ``||``): a bound's
    text to milliseconds since the epoch, or :class:`MathFailure`."""
    read = parser(formats)

    def parse_date(text: str) -> int:
        if text == "":
            raise _parse_error("cannot parse empty date")
        found = read(text)
        if isinstance(found, int):
            return found // 1_000_000
        if found != PARSE_FAILURE:  # DateFormatters.from's DateTimeException, not caught
            raise MathFailure(found)
        said = f"failed to parse date field [{text}] with format [{formats}]"
        raise _parse_error(f"{said}: [{said}]", ("illegal_argument_exception", said))

    def parse(text: str) -> int:
        if text.startswith("now"):
            cause = ("illegal_argument_exception", "now is not used at indexing time")
            raise _parse_error("could not read the current timestamp", cause)
        split = text.find("||")
        if split < 0:
            millis = parse_date(text)
        else:
            millis = _math(text[split + 2 :], parse_date(text[:split]))
        if not -_LONG <= millis < _LONG:  # toEpochMilli: long overflow
            raise MathFailure(None)
        return millis

    return parse


def date_range_parser(
    where: str, formats: str | None, locale: str | None
) -> tuple[Callable[[str], int], dict[str, str]]:
    """A ``date_range``'s parser, with its ``format`` and ``locale`` (None: not given),
    and the two as ``GET _mapping`` shows them (each where it is not its default:
    ``strict_date_optional_time||epoch_millis``, the root locale); ValueError for a
    format or locale the fake does not read."""
    shown: dict[str, str] = {}
    if formats is not None and formats != DEFAULT:
        shown["format"] = formats
    try:
        parse = date_math_parser(DEFAULT if formats is None else formats)
    except JavaRefusal as error:  # RangeFieldMapper.Builder adds no words of its own
        raise ValueError(f"{REFUSES}{error.java}") from None
    except UnknownFormat as error:
        raise ValueError(f"{where}: {error}") from None
    if locale is not None:
        shown_locale = read_locale(where, "date_range", locale, formats)
        if shown_locale is not None:
            shown["locale"] = shown_locale
    return parse, shown


def read_locale(where: str, kind: str, locale: Any, formats: str | None) -> str | None:
    """A date field's ``locale`` as ``LocaleUtils.parse`` reads it and ``GET _mapping``
    shows it (``Locale.toString``: None for the root locale, which is not shown), with
    the field's ``format`` (None: the default); ValueError for a locale the fake does
    not read, or one whose month and day names it does not know where the format reads
    them."""
    found = _LOCALE.fullmatch(locale) if isinstance(locale, str) else None
    if found is None:
        raise ValueError(
            f"{where}: the locale {locale!r} of a {kind} is not modelled; "
            'pytest-firehose reads a language and a country, such as "en_US" or "de-DE", '
            'a language, such as "fr", and "ROOT"'
        )
    language, country = (found.group(1) or "").lower(), (found.group(2) or "").upper()
    if language not in ("", "en") and has_text(DEFAULT if formats is None else formats):
        raise ValueError(
            f"{where}: month and day names and AM/PM in the locale {locale!r} are not "
            "modelled; pytest-firehose reads them in the root locale and English ones "
            '("en", "en_US" ...), whose names are the same'
        )
    if not language and not country:
        return None
    return f"{language}_{country}" if country else language


def _month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _math(expression: str, millis: int) -> int:
    """``expression`` (what follows ``||``) applied to ``millis`` in UTC, rounding down."""
    days, of_day = divmod(millis, _DAY)
    i = 0
    while i < len(expression):
        operator = expression[i]
        i += 1
        if operator not in "+-/":
            raise _parse_error(f"operator not supported for date math [{expression}]")
        if i >= len(expression):
            raise _parse_error(f"truncated date math [{expression}]")
        count = 1
        if expression[i].isdecimal():
            start = i
            while i < len(expression) and expression[i].isdecimal():
                i += 1
            if i >= len(expression):
                raise _parse_error(f"truncated date math [{expression}]")
            digits = expression[start:i]
            count = int(digits)
            if count > _INT_MAX:
                cause = ("number_format_exception", f'For input string: "{digits}"')
                raise MathFailure(cause, ignorable=True)
        if operator == "/" and count != 1:
            raise _parse_error(f"rounding `/` can only be used on single unit types [{expression}]")
        unit = expression[i]
        i += 1
        step = -count if operator == "-" else count
        if unit in "yM":
            year, month, day = civil_date(days)
            if operator == "/":
                month, day = (1 if unit == "y" else month), 1
                of_day = 0
            else:
                months = year * 12 + month - 1 + (step * 12 if unit == "y" else step)
                year, month = divmod(months, 12)
                month += 1
                if abs(year) > _YEARS:  # java.time's DateTimeException
                    raise MathFailure(None)
                day = min(day, _month_days(year, month))
            days = epoch_day(year, month, day)
        elif unit == "w":
            if operator == "/":
                days -= (days + 3) % 7  # 1970-01-01 was a Thursday
                of_day = 0
            else:
                days += 7 * step
        elif unit in _UNITS:
            size = _UNITS[unit]
            if operator == "/":
                of_day -= of_day % size
            else:
                days, of_day = divmod(days * _DAY + of_day + step * size, _DAY)
        else:
            raise _parse_error(f"unit [{unit}] not supported for date math [{expression}]")
        if abs(civil_date(days)[0]) > _YEARS:
            raise MathFailure(None)
    return days * _DAY + of_day
