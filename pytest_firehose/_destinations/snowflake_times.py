"""Dates and times as the Snowpipe Streaming SDK reads them from text: java.time's ISO
parsers (``ZonedDateTime``, ``OffsetDateTime``, ``LocalDateTime``, ``LocalDate``; for a
time of day ``LocalTime`` and ``OffsetTime``), then an integer, taken for seconds,
milliseconds, microseconds or nanoseconds since the epoch by its size (the SDK's
``parseInstantGuessScale``). Text without an offset is read in UTC (docs/fidelity.md).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

# java.time's ISO_LOCAL_DATE, ISO_LOCAL_TIME, offsets and zone ids, as their parse reads
# them ('T' and 'Z' in either case).
_DATE = r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
_TIME = r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
_OFFSET = r"(?P<offset>[Zz]|[+-]\d{2}:\d{2}(?::\d{2})?)"
_DATE_TIME = re.compile(
    rf"{_DATE}(?:[Tt]{_TIME}(?:{_OFFSET}(?:\[(?P<zone>[^\]]+)\])?)?)?", re.ASCII
)
_TIME_OF_DAY = re.compile(rf"{_TIME}{_OFFSET}?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
#: Where the SDK's guess of an integer's unit changes (seconds below the first ...).
_SECONDS_LIMIT = 31_536_000_000


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    parts = [int(part) for part in text[1:].split(":")]
    hours, minutes, seconds = (*parts, 0)[:3]
    if hours > 18 or minutes > 59 or seconds > 59:
        raise ValueError(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes, seconds=seconds))


def _clock(match: re.Match[str]) -> tuple[int, int, int, int]:
    """Hour, minute, second and nanosecond of a match of ``_TIME``."""
    fraction = match["fraction"] or ""
    return (
        int(match["hour"]),
        int(match["minute"]),
        int(match["second"] or 0),
        int(fraction.ljust(9, "0")) if fraction else 0,
    )


def _epoch(text: str) -> datetime:
    """An integer in text as the SDK reads it: seconds, milliseconds, microseconds or
    nanoseconds since the epoch, by its size; in UTC."""
    number = int(text)
    if -_SECONDS_LIMIT < number < _SECONDS_LIMIT:
        nanos = number * 10**9
    elif -_SECONDS_LIMIT * 1000 < number < _SECONDS_LIMIT * 1000:
        nanos = number * 10**6
    elif -_SECONDS_LIMIT * 10**6 < number < _SECONDS_LIMIT * 10**6:
        nanos = number * 10**3
    else:
        nanos = number
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=nanos // 1000)


def moment(text: str) -> tuple[datetime, bool] | None:
    """The moment ``text`` names (aware: in UTC where it gives no offset) and whether it
    gave one; None when java.time's parsers read none of it."""
    match = _DATE_TIME.fullmatch(text)
    if match is not None:
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
        if match["hour"] is None:
            return datetime(day.year, day.month, day.day, tzinfo=timezone.utc), False
        hour, minute, second, nanos = _clock(match)
        local = datetime(day.year, day.month, day.day, hour, minute, second, nanos // 1000)
        if match["offset"] is None:
            return local.replace(tzinfo=timezone.utc), False
        zone: Any = _offset(match["offset"])
        if match["zone"] is not None:
            import zoneinfo  # the zone database: only a zone id needs it

            try:
                zone = zoneinfo.ZoneInfo(match["zone"])
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                return None
        return local.replace(tzinfo=zone), True
    if _INTEGER.fullmatch(text):
        return _epoch(text), False
    return None


def time_of_day(text: str) -> time:
    """The time of day ``text`` names (an offset it gives is read and dropped, as the SDK
    drops it); raises ``ValueError`` when neither parser nor an integer reads it."""
    match = _TIME_OF_DAY.fullmatch(text)
    if match is not None:
        hour, minute, second, nanos = _clock(match)
        if match["offset"] is not None:
            _offset(match["offset"])
        return time(hour, minute, second, nanos // 1000)
    if _INTEGER.fullmatch(text):
        return _epoch(text).time()
    raise ValueError(text)
