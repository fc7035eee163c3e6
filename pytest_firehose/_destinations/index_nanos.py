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
A pattern's ``S`` digits are the fraction of the second (``SSS`` milliseconds), as Java
reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytest_firehose._destinations.gregorian import civil_date
from pytest_firehose._destinations.index_dates import PARSE_FAILURE, parser
from pytest_firehose._destinations.index_values import OK, Check, date_check, preview

__all__ = ["instant_reader", "java_instant", "nanos_check"]

DEFAULT = "strict_date_optional_time_nanos||epoch_millis"
#: The last instant a long of nanoseconds holds, in nanoseconds since the epoch.
_LAST = 2**63 - 1


def nanos_check(formats: str | None) -> Check:
    """A ``date_nanos`` field's check, with its ``format`` (None: the default)."""
    shown = DEFAULT if formats is None else formats
    as_date = date_check(shown)  # refuses a format the fake does not read
    read = parser(shown)

    def check(value: Any) -> Any:
        found = read(preview(value) if not isinstance(value, str) else value)
        if not isinstance(found, int):  # what a ``date`` of these formats says of it
            return as_date(value)
        if found < 0:
            return (
                "illegal_argument_exception",
                f"date[{java_instant(found)}] is before the epoch in 1970 and cannot be stored "
                "in nanosecond resolution",
            )
        if found > _LAST:
            return (
                "illegal_argument_exception",
                f"date[{java_instant(found)}] is after 2262-04-11T23:47:16.854775807 and cannot "
                "be stored in nanosecond resolution",
            )
        return OK

    return check


def instant_reader(format_: str) -> Callable[[str], int | None]:
    """The nanoseconds since the epoch a text ``format_`` reads stands for (None for a
    text it does not read, or one OpenSearch cannot make an instant of)."""
    read = parser(format_)

    def instant(text: str) -> int | None:
        found = read(text)
        return None if found == PARSE_FAILURE or isinstance(found, tuple) else found

    return instant


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
