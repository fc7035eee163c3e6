"""An OpenSearch ``date_nanos`` field: a ``date`` stored as nanoseconds since the epoch in
a long, so it takes the dates its formats read from 1970-01-01T00:00:00Z to
2262-04-11T23:47:16.854775807Z.

Facts (OpenSearch's source: ``DateFieldMapper`` (``Resolution.NANOSECONDS``, its default
format ``strict_date_optional_time_nanos||epoch_millis``), ``DateUtils.toLong``): a value
its formats do not read fails as a ``date``'s does; one they read outside that range fails
with ``date[INSTANT] is before the epoch in 1970 and cannot be stored in nanosecond
resolution`` (``... is after 2262-04-11T23:47:16.854775807 and cannot be ...``),
``INSTANT`` as Java's ``Instant.toString`` writes it (UTC, the fraction in groups of three
digits, none when it is zero); a time without a zone is UTC, a date without a year 1970.
A pattern's ``S`` digits are read as the date's, not counted in the instant (its second
decides the range but at its very ends).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pytest_firehose._destinations.index_dates import (
    FRACTION,
    NAMED,
    ZONE,
    pattern_expression,
)
from pytest_firehose._destinations.index_values import OK, Check, date_check, preview

DEFAULT = "strict_date_optional_time_nanos||epoch_millis"
#: The last instant a long of nanoseconds holds, in nanoseconds since the epoch.
_LAST = 2**63 - 1
_EPOCHS = {"epoch_millis": 10**6, "epoch_second": 10**9}


def nanos_check(formats: str | None) -> Check:
    """A ``date_nanos`` field's check, with its ``format`` (None: the default)."""
    shown = formats or DEFAULT
    as_date = date_check(shown)  # refuses a format the fake does not read
    instants = [instant_reader(one) for one in shown.split("||")]

    def check(value: Any) -> Any:
        read = as_date(value)  # what a ``date`` of these formats says of it
        if read is not OK:
            return read
        text = preview(value) if not isinstance(value, str) else value
        nanos = next(found for found in (one(text) for one in instants) if found is not None)
        if nanos < 0:
            return (
                "illegal_argument_exception",
                f"date[{java_instant(nanos)}] is before the epoch in 1970 and cannot be stored "
                "in nanosecond resolution",
            )
        if nanos > _LAST:
            return (
                "illegal_argument_exception",
                f"date[{java_instant(nanos)}] is after 2262-04-11T23:47:16.854775807 and cannot "
                "be stored in nanosecond resolution",
            )
        return OK

    return check


def instant_reader(format_: str) -> Any:
    """The nanoseconds since the epoch a text ``format_`` reads stands for (None for a
    text it does not read)."""
    if format_ in _EPOCHS:
        scale = _EPOCHS[format_]
        epoch = re.compile(NAMED[format_])

        def from_epoch(text: str) -> int | None:
            if epoch.fullmatch(text) is None:
                return None
            return int(Decimal(text) * scale)

        return from_epoch
    expression = NAMED.get(format_) or pattern_expression(format_)
    expression = expression.replace(FRACTION, r"(?P<f>[.,]\d{1,9})", 1)
    expression = expression.replace(ZONE, rf"(?P<z>{ZONE})", 1)
    compiled = re.compile(expression)
    # A pattern's "yy" ("uu") reads a year of this century, as Java's reduced year does.
    unquoted = re.sub(r"'[^']*'", "", format_)
    reduced = format_ not in NAMED and re.search(r"(?<![yu])[yu]{2}(?![yu])", unquoted)

    def from_parts(text: str) -> int | None:
        found = compiled.fullmatch(text)
        if found is None:
            return None
        parts = {key: value for key, value in found.groupdict().items() if value is not None}
        year = int(parts.get("y", 1970)) + (2000 if reduced else 0)
        days = epoch_day(year, int(parts.get("M", 1)), int(parts.get("d", 1)))
        seconds = days * 86400 + int(parts.get("H", 0)) * 3600 + int(parts.get("m", 0)) * 60
        seconds += int(parts.get("s", 0)) - _offset(parts.get("z", "Z"))
        fraction = parts.get("f", ".")[1:]
        return seconds * 10**9 + int((fraction + "000000000")[:9])

    return from_parts


def _offset(zone: str) -> int:
    """The seconds a zone (``Z``, ``+01``, ``-0530``, ``+05:30``) is ahead of UTC."""
    if zone == "Z":
        return 0
    digits = zone[1:].replace(":", "")
    seconds = int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60
    return seconds if zone[0] == "+" else -seconds


def epoch_day(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to the proleptic Gregorian date given."""
    year -= month <= 2
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    of_era_days = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    return era * 146097 + of_era_days - 719468


def civil_date(days: int) -> tuple[int, int, int]:
    """The proleptic Gregorian date ``days`` after 1970-01-01."""
    days += 719468
    era = days // 146097
    of_era = days - era * 146097
    year_of_era = (of_era - of_era // 1460 + of_era // 36524 - of_era // 146096) // 365
    of_year = of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted = (5 * of_year + 2) // 153
    day = of_year - (153 * shifted + 2) // 5 + 1
    month = shifted + (3 if shifted < 10 else -9)
    return year_of_era + era * 400 + (month <= 2), month, day


def java_instant(nanos: int) -> str:
    """The instant ``nanos`` after the epoch as Java's ``Instant.toString`` writes it."""
    seconds, fraction = divmod(nanos, 10**9)
    days, second = divmod(seconds, 86400)
    year, month, day = civil_date(days)
    if 0 <= year <= 9999:
        year_text = f"{year:04d}"
    elif year > 9999:
        year_text = f"+{year}"
    else:
        year_text = f"-{-year:04d}"
    text = f"{year_text}-{month:02d}-{day:02d}T{second // 3600:02d}:{second // 60 % 60:02d}"
    text += f":{second % 60:02d}"
    if fraction:
        digits = f"{fraction:09d}"
        while digits.endswith("000"):
            digits = digits[:-3]
        text += "." + digits
    return text + "Z"
