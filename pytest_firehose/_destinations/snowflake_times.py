"""Dates and times as the Snowpipe Streaming SDK reads them from text: java.time's ISO
parsers (``ZonedDateTime``, ``OffsetDateTime``, ``LocalDateTime``, ``LocalDate``; for a
time of day ``LocalTime`` and ``OffsetTime``), then an integer, taken for seconds,
milliseconds, microseconds or nanoseconds since the epoch by its size (the SDK's
``parseInstantGuessScale``). Text without an offset is read in UTC (docs/fidelity.md).

What is read is a :class:`Moment`, an ``OffsetDateTime`` as java.time holds it: any year
java.time's parsers read (up to 999,999,999 either side of year 0), which the SDK then
checks against its columns' ranges, and nanoseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from pytest_firehose._destinations.gregorian import civil_date, epoch_day, month_length

# java.time's ISO_LOCAL_DATE, ISO_LOCAL_TIME, offsets and zone ids, as their parse reads
# them ('T' and 'Z' in either case): four digits of a year, more only after a sign.
_DATE = r"(?P<year>\d{4}|\+\d{5,10}|-\d{4,10})-(?P<month>\d{2})-(?P<day>\d{2})"
_TIME = r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
_OFFSET = r"(?P<offset>[Zz]|[+-]\d{2}:\d{2}(?::\d{2})?)"
_DATE_TIME = re.compile(
    rf"{_DATE}(?:[Tt]{_TIME}(?:{_OFFSET}(?:\[(?P<zone>[^\]]+)\])?)?)?", re.ASCII
)
_TIME_OF_DAY = re.compile(rf"{_TIME}{_OFFSET}?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
#: Where the SDK's guess of an integer's unit changes (seconds below the first ...).
_SECONDS_LIMIT = 31_536_000_000
_NANOS = 10**9
_DAY = 86_400
#: java.time's ``Year.MAX_VALUE``, and the seconds ``Instant`` holds.
_MAX_YEAR = 999_999_999
_INSTANTS = range(-31_557_014_167_219_200, 31_556_889_864_403_200)
#: The seconds since the epoch Python's ``datetime`` holds (years 1 to 9999).
_PYTHON_SECONDS = range(-62_135_596_800, 253_402_300_800)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: The zone ids java.time reads as a fixed offset (``Z``, ``+01:00``, ``UTC``,
#: ``GMT-05:30``), and those of the zone database it leaves to ``ZoneId.SHORT_IDS``.
_FIXED_ZONE = re.compile(
    r"Z|(?:UTC|GMT|UT)?(?P<offset>[+-]\d{2}:\d{2}(?::\d{2})?)|UTC|GMT|UT", re.ASCII
)
_SHORT_IDS = frozenset({"EST", "MST", "HST"})
#: The seconds of the Gregorian calendar's cycle of 400 years.
_CYCLE = 146097 * _DAY


def _fields(nanos: int) -> tuple[int, int, int, int]:
    """Hour, minute, second and nanosecond of the nanosecond of the day ``nanos``."""
    second, nano = divmod(nanos, _NANOS)
    hour, second = divmod(second, 3600)
    return (hour, *divmod(second, 60), nano)


@dataclass(frozen=True)
class Moment:
    """An ``OffsetDateTime``: a local date and time of any year java.time holds, and its
    offset from UTC."""

    year: int
    month: int
    day: int
    nanos: int  #: of the day
    offset: int  #: seconds east of UTC

    @classmethod
    def at(cls, seconds: int, nano: int, offset: int) -> Moment:
        """The instant ``seconds`` (and ``nano``) after the epoch, seen at ``offset``."""
        local = seconds + offset
        year, month, day = civil_date(local // _DAY)
        return cls(year, month, day, local % _DAY * _NANOS + nano, offset)

    @property
    def seconds(self) -> int:
        """Seconds since the epoch of this instant (its nanoseconds left out)."""
        return (
            epoch_day(self.year, self.month, self.day) * _DAY + self.nanos // _NANOS - self.offset
        )

    def same_local_in_utc(self) -> Moment:
        """``withOffsetSameLocal(ZoneOffset.UTC)``: the time as written, at UTC."""
        return Moment(self.year, self.month, self.day, self.nanos, 0)

    def python(self) -> datetime:
        """This moment as an aware ``datetime`` at its offset (nanoseconds cut to
        microseconds); the year must be one Python holds, 1 to 9999."""
        hour, minute, second, nano = _fields(self.nanos)
        return datetime(
            self.year,
            self.month,
            self.day,
            hour,
            minute,
            second,
            nano // 1000,
            tzinfo=timezone(timedelta(seconds=self.offset)),
        )

    def __str__(self) -> str:
        """As ``OffsetDateTime.toString`` writes it (``+10000-01-01T00:00Z``)."""
        if self.year > 9999:
            year = f"+{self.year}"
        elif self.year <= -1000:
            year = str(self.year)
        else:
            year = f"-{-self.year:04d}" if self.year < 0 else f"{self.year:04d}"
        hour, minute, second, nano = _fields(self.nanos)
        text = f"{year}-{self.month:02d}-{self.day:02d}T{hour:02d}:{minute:02d}"
        if second or nano:
            text += f":{second:02d}"
        if nano % 1_000_000 == 0 and nano:
            text += f".{nano // 1_000_000:03d}"
        elif nano % 1000 == 0 and nano:
            text += f".{nano // 1000:06d}"
        elif nano:
            text += f".{nano:09d}"
        return text + _offset_id(self.offset)


def _offset_id(offset: int) -> str:
    """``ZoneOffset.getId``: ``Z``, ``+05:30``, ``-00:09:21``."""
    if offset == 0:
        return "Z"
    hours, rest = divmod(abs(offset), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{'-' if offset < 0 else '+'}{hours:02d}:{minutes:02d}"
    return text + (f":{seconds:02d}" if seconds else "")


def _offset(text: str) -> int:
    """An ISO offset's seconds east of UTC; raises ``ValueError`` past java.time's
    (-18:00 to +18:00)."""
    if text in ("Z", "z"):
        return 0
    parts = [int(part) for part in text[1:].split(":")]
    hours, minutes, seconds = (*parts, 0)[:3]
    total = hours * 3600 + minutes * 60 + seconds
    if minutes > 59 or seconds > 59 or total > 18 * 3600:
        raise ValueError(text)
    return -total if text[0] == "-" else total


def _clock(match: re.Match[str]) -> int:
    """The nanosecond of the day a match of ``_TIME`` names; raises ``ValueError`` for a
    field past its range."""
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(match[0])
    fraction = match["fraction"] or "0"
    return (hour * 3600 + minute * 60 + second) * _NANOS + int(fraction.ljust(9, "0"))


def _year(text: str) -> int:
    """A year as ISO_LOCAL_DATE's parse reads it strictly: ``-0000`` and years past
    java.time's are refused (``ValueError``)."""
    year = int(text)
    if abs(year) > _MAX_YEAR or (text[0] == "-" and year == 0):
        raise ValueError(text)
    return year


def _zone_offset(zone_id: str, seconds: int) -> int:
    """The offset of the zone ``zone_id`` at the instant ``seconds``; raises
    ``ValueError`` for a zone the zone database does not have. Python's zones end with
    its years 1 to 9999: an instant past them is moved by whole 400-year cycles of the
    calendar, which repeat the zone's last rules (and, before its first change, its
    first offset), as java.time applies them."""
    fixed = _FIXED_ZONE.fullmatch(zone_id)
    if fixed is not None:
        return _offset(fixed["offset"] or "Z")
    import zoneinfo  # the zone database: only a zone id needs it

    if zone_id in _SHORT_IDS:
        raise ValueError(zone_id)
    try:
        zone = zoneinfo.ZoneInfo(zone_id)
    except zoneinfo.ZoneInfoNotFoundError as missing:
        raise ValueError(zone_id) from missing
    low, high = _PYTHON_SECONDS.start + _DAY, _PYTHON_SECONDS.stop - _DAY
    if seconds >= high:
        seconds -= ((seconds - high) // _CYCLE + 1) * _CYCLE
    elif seconds < low:
        seconds += ((low - seconds) // _CYCLE + 1) * _CYCLE
    offset = (_EPOCH + timedelta(seconds=seconds)).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _epoch(text: str) -> Moment:
    """An integer in text as the SDK reads it: seconds, milliseconds, microseconds or
    nanoseconds since the epoch, by its size; at UTC. Raises ``ValueError`` past the
    instants java.time holds."""
    number = int(text)
    if -_SECONDS_LIMIT < number < _SECONDS_LIMIT:
        nanos = number * _NANOS
    elif -_SECONDS_LIMIT * 1000 < number < _SECONDS_LIMIT * 1000:
        nanos = number * 10**6
    elif -_SECONDS_LIMIT * 10**6 < number < _SECONDS_LIMIT * 10**6:
        nanos = number * 10**3
    else:
        nanos = number
    # BigInteger's divide and remainder (toward zero), the quotient's longValue (its low
    # 64 bits), then Instant.ofEpochSecond.
    whole = abs(nanos) // _NANOS * (-1 if nanos < 0 else 1)
    rest = nanos - whole * _NANOS
    whole = (whole + 2**63) % 2**64 - 2**63
    seconds = whole + rest // _NANOS
    if seconds not in _INSTANTS:
        raise ValueError(text)
    return Moment.at(seconds, rest % _NANOS, 0)


def moment(text: str) -> Moment | None:
    """The moment ``text`` names (at UTC where it gives no offset), None when java.time's
    parsers read none of it."""
    match = _DATE_TIME.fullmatch(text)
    if match is not None:
        year, month, day = _year(match["year"]), int(match["month"]), int(match["day"])
        if not 1 <= month <= 12 or not 1 <= day <= month_length(year, month):
            return None
        if match["hour"] is None:
            return Moment(year, month, day, 0, 0)
        found = Moment(year, month, day, _clock(match), 0)
        if match["offset"] is None:
            return found
        found = Moment(year, month, day, found.nanos, _offset(match["offset"]))
        if match["zone"] is not None:
            # ZonedDateTime.parse: the instant the offset gives, seen in the zone.
            seconds = found.seconds
            found = Moment.at(seconds, found.nanos % _NANOS, _zone_offset(match["zone"], seconds))
        return found
    if _INTEGER.fullmatch(text):
        return _epoch(text)
    return None


def time_of_day(text: str) -> time:
    """The time of day ``text`` names (an offset it gives is read and dropped, as the SDK
    drops it); raises ``ValueError`` when neither parser nor an integer reads it."""
    match = _TIME_OF_DAY.fullmatch(text)
    if match is not None:
        nanos = _clock(match)
        if match["offset"] is not None:
            _offset(match["offset"])
    elif _INTEGER.fullmatch(text):
        nanos = _epoch(text).nanos
    else:
        raise ValueError(text)
    hour, minute, second, nano = _fields(nanos)
    return time(hour, minute, second, nano // 1000)
