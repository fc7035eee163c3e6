"""``!{timestamp:PATTERN}``: a java.time ``DateTimeFormatter`` pattern, read as
``DateTimeFormatterBuilder.appendPattern`` reads it and written as Java writes a zoned
date-time, in English (``Locale.US``: weeks start on Sunday, the first week of a year or
month needs one day) with a current JDK's (21) rules and names.

:func:`compile_pattern` refuses what Java refuses (:class:`PatternError`, with Java's
text); :func:`format_pattern` raises :class:`Unwritable` for what Java would fail to
format, or what the fake cannot write as Java would (a zone's name in words, for a zone
other than UTC)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo

__all__ = ["Item", "PatternError", "Unwritable", "compile_pattern", "format_pattern", "zone_id"]


class PatternError(ValueError):
    """A pattern Java's ``appendPattern`` refuses (``IllegalArgumentException``)."""


class Unwritable(Exception):
    """What Java fails to format, or the fake cannot write as Java would."""


@dataclass(frozen=True)
class Item:
    """One element of a compiled pattern: a literal (``letter`` empty), or a run of
    ``count`` pattern letters, padded with spaces to ``pad`` characters (``p``) when set."""

    letter: str
    count: int = 0
    text: str = ""
    pad: int = 0

    def source(self) -> str:
        return "p" * self.pad + self.letter * self.count


MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
QUARTERS = ("1st quarter", "2nd quarter", "3rd quarter", "4th quarter")
#: CLDR's English day periods: (from, to) minutes of the day, short/full and narrow text.
DAY_PERIODS = (
    (0, 0, "midnight", "mi"),
    (720, 720, "noon", "n"),
    (360, 720, "in the morning", "in the morning"),
    (720, 1080, "in the afternoon", "in the afternoon"),
    (1080, 1260, "in the evening", "in the evening"),
    (1260, 360, "at night", "at night"),
)
#: Locale.US's week definition.
FIRST_DAY = 7  # Sunday, ISO numbering
MINIMAL_DAYS = 1
#: The letters of java.time's patterns that name a field or zone.
LETTERS = set("GuyDMLdgQqYwWEecFaBhKkHmsSAnNVvzOXxZ")
#: Year letters padded to 11-18 digits: Java's sign check reads past its table of powers of
#: ten (ArrayIndexOutOfBoundsException) when it formats them.
_BROKEN_YEAR_WIDTHS = range(11, 19)


def _too_many(letter: str) -> PatternError:
    return PatternError(f"Too many pattern letters: {letter}")


def _check(letter: str, count: int) -> None:
    """Java's refusals of ``count`` letters ``letter``."""
    if letter not in LETTERS:
        raise PatternError(f"Unknown pattern letter: {letter}")
    limits = {"a": 1, "F": 1, "W": 1, "w": 2, "D": 3, "z": 4, "S": 9}
    limits.update(dict.fromkeys("dhHkKms", 2))
    limits.update(dict.fromkeys("GMLQqEec", 5))
    limits.update(dict.fromkeys("ZXx", 5))
    if letter == "S" and count > 9:
        raise PatternError(f"Minimum width must be from 0 to 9 inclusive but was {count}")
    if letter in limits and count > limits[letter]:
        raise _too_many(letter)
    if letter == "c" and count == 2:
        raise PatternError('Invalid pattern "cc"')
    if letter in "yuAnNg" and count > 19:
        raise PatternError(f"The minimum width must be from 1 to 19 inclusive but was {count}")
    if letter == "V" and count != 2:
        raise PatternError(f"Pattern letter count must be 2: {letter}")
    if letter == "v" and count not in (1, 4):
        raise PatternError(f"Wrong number of pattern letters: {letter}")
    if letter == "O" and count not in (1, 4):
        raise PatternError(f"Pattern letter count must be 1 or 4: {letter}")
    if letter == "B" and count not in (1, 4, 5):
        raise PatternError(f"Wrong number of pattern letters: {letter}")


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> tuple[Item, ...]:
    """``pattern``'s items, as ``appendPattern`` builds them; optional sections are
    always written (a zoned date-time has every field), so ``[`` and ``]`` are checked and
    dropped."""
    items: list[Item] = []
    depth = 0
    pos = 0
    while pos < len(pattern):
        cur = pattern[pos]
        if cur.isascii() and cur.isalpha():
            count = _run(pattern, pos)
            pos += count
            pad = 0
            if cur == "p":
                if pos < len(pattern) and pattern[pos].isascii() and pattern[pos].isalpha():
                    pad, cur = count, pattern[pos]
                    count = _run(pattern, pos)
                    pos += count
                else:
                    raise PatternError(
                        f"Pad letter 'p' must be followed by valid pad pattern: {pattern}"
                    )
            _check(cur, count)
            items.append(Item(cur, count, pad=pad))
        elif cur == "'":
            end = pos + 1
            while end < len(pattern):
                if pattern[end] == "'":
                    if end + 1 < len(pattern) and pattern[end + 1] == "'":
                        end += 1
                    else:
                        break
                end += 1
            if end >= len(pattern):
                raise PatternError(f"Pattern ends with an incomplete string literal: {pattern}")
            literal = pattern[pos + 1 : end]
            items.append(Item("", text=literal.replace("''", "'") if literal else "'"))
            pos = end + 1
        else:
            if cur == "[":
                depth += 1
            elif cur == "]":
                if depth == 0:
                    raise PatternError("Pattern invalid as it contains ] without previous [")
                depth -= 1
            elif cur in "{}#":
                raise PatternError(f"Pattern includes reserved character: '{cur}'")
            else:
                items.append(Item("", text=cur))
            pos += 1
    return tuple(items)


def _run(pattern: str, start: int) -> int:
    end = start
    while end < len(pattern) and pattern[end] == pattern[start]:
        end += 1
    return end - start


def zone_id(zone: tzinfo | None) -> str:
    """The ZoneId Java formats with: ``UTC`` for UTC, else the IANA key."""
    if zone is None or zone is timezone.utc:
        return "UTC"
    return str(getattr(zone, "key", zone))


def unwritable(item: Item, zone: tzinfo) -> str | None:
    """Why the fake cannot write ``item`` in ``zone`` as Java would, whatever the time;
    None when it can."""
    if not item.letter:
        return None
    if item.letter in "zv" and zone_id(zone) != "UTC":
        return f"{item.source()} names the zone {zone_id(zone)} in words, written for UTC alone"
    if item.letter in "yuY" and item.count in _BROKEN_YEAR_WIDTHS:
        return f"{item.source()}: Java fails to format a year padded to {item.count} digits"
    return None


def format_pattern(items: tuple[Item, ...], at: datetime) -> str:
    """``items`` written for ``at``, an aware date-time in the zone of the keys."""
    out = []
    for item in items:
        if not item.letter:
            out.append(item.text)
            continue
        reason = unwritable(item, at.tzinfo or timezone.utc)
        if reason is not None:
            raise Unwritable(reason)
        text = _field(item.letter, item.count, at)
        if item.pad:
            if len(text) > item.pad:
                raise Unwritable(
                    f"{item.source()}: Java fails to pad {text!r} to {item.pad} characters"
                )
            text = text.rjust(item.pad)
        out.append(text)
    return "".join(out)


def _number(value: int, count: int, *, exceeds: bool = False) -> str:
    text = str(abs(value)).zfill(count)
    if value < 0:
        return "-" + text
    if exceeds and count < 11 and value >= 10**count:
        return "+" + text
    return text


def _year(value: int, count: int) -> str:
    if count == 2:
        return f"{value % 100:02d}"
    return _number(value, count, exceeds=count >= 4)


def _text(count: int, full: str, *, short: int = 3, narrow: str | None = None) -> str:
    """A field's text: 1-3 letters short, 4 full, 5 narrow."""
    if count == 4:
        return full
    if count == 5:
        return narrow if narrow is not None else full[0]
    return full[:short]


def _field(letter: str, count: int, at: datetime) -> str:
    month, day = at.month, at.day
    seconds_of_day = at.hour * 3600 + at.minute * 60 + at.second
    nanos = at.microsecond * 1000
    if letter in "yu":
        return _year(at.year, count)
    if letter == "G":
        return {4: "Anno Domini", 5: "A"}.get(count, "AD")
    if letter in "ML":
        return str(month).zfill(count) if count <= 2 else _text(count, MONTHS[month - 1])
    if letter in "Qq":
        quarter = (month - 1) // 3 + 1
        if count <= 2:
            return str(quarter).zfill(count)
        return {3: f"Q{quarter}", 4: QUARTERS[quarter - 1]}.get(count, str(quarter))
    if letter == "D":
        return str(at.timetuple().tm_yday).zfill(count)
    if letter == "d":
        return str(day).zfill(count)
    if letter == "F":  # ALIGNED_WEEK_OF_MONTH since JDK 19
        return str((day - 1) // 7 + 1)
    if letter == "g":
        return _number(at.toordinal() - date(1858, 11, 17).toordinal(), count)
    if letter == "E" or (letter in "ec" and count >= 3):
        return _text(count, DAYS[at.weekday()])
    if letter in "ec":
        return str(_local_day_of_week(at.date())).zfill(count)
    if letter == "a":
        return "AM" if at.hour < 12 else "PM"
    if letter == "B":
        return _day_period(at.hour * 60 + at.minute, narrow=count == 5)
    if letter in "HkKh":
        hour = {"H": at.hour, "k": at.hour or 24, "K": at.hour % 12, "h": at.hour % 12 or 12}
        return str(hour[letter]).zfill(count)
    if letter == "m":
        return str(at.minute).zfill(count)
    if letter == "s":
        return str(at.second).zfill(count)
    if letter == "S":
        return f"{nanos:09d}"[:count]
    if letter == "A":
        return str(seconds_of_day * 1000 + nanos // 1_000_000).zfill(count)
    if letter == "n":
        return str(nanos).zfill(count)
    if letter == "N":
        return str(seconds_of_day * 1_000_000_000 + nanos).zfill(count)
    if letter in "wWY":
        return _week_field(letter, count, at.date())
    return _zone_field(letter, count, at)


def _local_day_of_week(day: date) -> int:
    """The day of the week counted from the locale's first day (Sunday is 1)."""
    return (day.isoweekday() - FIRST_DAY) % 7 + 1


def _start_of_week_offset(day: int, dow: int) -> int:
    week_start = (day - dow) % 7
    return 7 - week_start if week_start + 1 > MINIMAL_DAYS else -week_start


def _week(offset: int, day: int) -> int:
    return (7 + offset + (day - 1)) // 7


def _week_of_year(day: date) -> tuple[int, int]:
    """(week-based year, week of that year), as Java's ``WeekFields`` count them."""
    dow = _local_day_of_week(day)
    doy = day.timetuple().tm_yday
    offset = _start_of_week_offset(doy, dow)
    week = _week(offset, doy)
    if week == 0:
        return _week_of_year(day - timedelta(days=doy))
    year_length = 366 if _leap(day.year) else 365
    new_year_week = _week(offset, year_length + MINIMAL_DAYS)
    if week >= new_year_week:
        return day.year + 1, week - new_year_week + 1
    return day.year, week


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _week_field(letter: str, count: int, day: date) -> str:
    if letter == "W":
        offset = _start_of_week_offset(day.day, _local_day_of_week(day))
        return str(_week(offset, day.day))
    year, week = _week_of_year(day)
    return str(week).zfill(count) if letter == "w" else _year(year, count)


def _day_period(minute: int, *, narrow: bool) -> str:
    found = []
    for start, end, text, short in DAY_PERIODS:
        if (
            (start == end == minute)
            or start <= minute < end
            or (start > end and (minute >= start or minute < end))
        ):
            found.append(((end - start) % 1440, short if narrow else text))
    return min(found)[1]


def _offset(total: int, *, colon: bool, minutes: bool, seconds: bool, zero: str) -> str:
    if total == 0:
        return zero
    sign = "+" if total > 0 else "-"
    hours, rest = divmod(abs(total), 3600)
    mins, secs = divmod(rest, 60)
    sep = ":" if colon else ""
    text = f"{sign}{hours:02d}"
    if minutes or mins:
        text += f"{sep}{mins:02d}"
    if seconds and secs:
        text += f"{sep}{secs:02d}"
    return text


def _localized_offset(total: int, *, full: bool) -> str:
    if total == 0:
        return "GMT"
    sign = "+" if total > 0 else "-"
    hours, rest = divmod(abs(total), 3600)
    mins, secs = divmod(rest, 60)
    if full:
        text = f"GMT{sign}{hours:02d}:{mins:02d}"
        return text + (f":{secs:02d}" if secs else "")
    text = f"GMT{sign}{hours}"
    if mins or secs:
        text += f":{mins:02d}" + (f":{secs:02d}" if secs else "")
    return text


def _zone_field(letter: str, count: int, at: datetime) -> str:
    offset = at.utcoffset()
    total = int(offset.total_seconds()) if offset is not None else 0
    if letter == "V":
        return zone_id(at.tzinfo)
    if letter in "zv":  # UTC alone (unwritable() refuses every other zone)
        return "Coordinated Universal Time" if count == 4 else "UTC"
    if letter == "O":
        return _localized_offset(total, full=count == 4)
    if letter == "Z":
        if count == 4:
            return _localized_offset(total, full=True)
        if count == 5:
            return _offset(total, colon=True, minutes=True, seconds=True, zero="Z")
        return _offset(total, colon=False, minutes=True, seconds=False, zero="+0000")
    if letter == "X":
        zero = "Z"
    else:
        zero = "+00" if count == 1 else ("+0000" if count % 2 == 0 else "+00:00")
    return _offset(total, colon=count in (3, 5), minutes=count != 1, seconds=count >= 4, zero=zero)
