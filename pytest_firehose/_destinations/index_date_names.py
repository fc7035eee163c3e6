"""OpenSearch's built-in date formats (``strict_date_optional_time``, ``basic_date_time``,
``ordinal_date`` ...) as regular expressions of the named date parts
:mod:`index_dates` resolves: ``u`` a proleptic year, ``y`` a year of era, ``M``, ``d``,
``D`` (day of year), ``H``, ``m``, ``s``, ``S`` (the fraction's digits), ``z`` (an offset).

Facts (OpenSearch 2.19's ``DateFormatters``: each name's parsers, which are the builders
after its printer, all with a strict resolver): a year of ``STRICT_YEAR_MONTH_DAY`` is 4
digits (then ``-MM`` and ``-dd``, each optional), of ``DATE_FORMATTER`` 1 to 5 (a month
and day of 1 or 2 digits), of the ordinal formats 4, or 5 to 10 after ``+``; an hour,
minute or second of the strict formats 2 digits, of the others 1 or 2; a fraction
(``appendFraction(NANO_OF_SECOND, 1, 9, true)``) a ``.`` and 1 to 9 digits (1 to 3 for
``hour_minute_second_millis``); ``strict_date`` is ``ISO_LOCAL_DATE`` with a lenient
resolver (a month or day past its end rolls over); ``year``, ``year_month`` and
``year_month_day`` read 1 to 19 digits a field; a zone is ``appendZoneOrOffsetId`` or
``+HHmm`` (the fake reads ``Z``, ``+01``, ``+0100`` and ``+01:00``; not region ids such
as ``Europe/Paris``).

Not modelled (refused where a mapping names them): the week-based formats (``week_date``,
``weekyear`` ...), ``iso8601``, ``rfc3339_lenient``, and those OpenSearch builds with
``DateTimeFormatter.ofPattern``, whose smart resolver moves a day past its month's end to
the month's last (``strict_date_hour``, ``strict_date_hour_minute``, ``strict_hour``,
``strict_hour_minute``, ``basic_ordinal_date``); ``strict_date_hour_minute_second``, built
so too, is read strictly (chosen: it was modelled before).
"""

from __future__ import annotations

ZONE = r"(?P<z>Z|[+-]\d{2}(?::?\d{2})?)"
_FRACTION = r"(?:[.,](?P<S>\d{1,9}))"


def _optional_time(year: str, part: str) -> str:
    """``date_optional_time``'s grammar: a date, optionally a time and a zone after ``T``."""
    return (
        rf"(?P<u>{year})(?:-(?P<M>{part})(?:-(?P<d>{part}))?)?"
        rf"(?:T(?P<H>{part})(?::(?P<m>{part})(?::(?P<s>{part}){_FRACTION}?)?)?{ZONE}?)?"
    )


def _fraction(most: int = 9) -> str:
    return rf"\.(?P<S>\d{{1,{most}}})"


#: ``STRICT_YEAR_MONTH_DAY_FORMATTER``, ``DATE_FORMATTER``, ``BASIC_YEAR_MONTH_DAY``.
_STRICT_DATE = r"(?P<u>\d{4})(?:-(?P<M>\d{2})(?:-(?P<d>\d{2}))?)?"
_DATE = r"(?P<u>-?\d{1,5})(?:-(?P<M>\d{1,2})(?:-(?P<d>\d{1,2}))?)?"
_BASIC_DATE = r"(?P<u>-?\d{4})(?P<M>\d{2})(?P<d>\d{2})"
_ORDINAL_YEAR = r"(?P<u>\d{4}|\+\d{5,10}|-\d{4,10})"
#: Hours, minutes and seconds: strict (2 digits), lenient (1 or 2), basic (run together).
_HMS = r"(?P<H>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})"
_LOOSE_HMS = r"(?P<H>\d{1,2}):(?P<m>\d{1,2}):(?P<s>\d{1,2})"
_BASIC_HMS = r"(?P<H>\d{2})(?P<m>\d{2})(?P<s>\d{2})"
_LOOSE_HM = r"(?P<H>\d{1,2}):(?P<m>\d{1,2})"

#: The built-in formats modelled, as regular expressions of named date parts.
NAMED: dict[str, str] = {
    "strict_date_optional_time": _optional_time(r"\d{4}", r"\d{2}"),
    "date_optional_time": _optional_time(r"-?\d{1,5}", r"\d{1,2}"),
    "strict_date_optional_time_nanos": _optional_time(r"\d{4}", r"\d{2}"),
    "strict_date": rf"{_ORDINAL_YEAR}-(?P<M>\d{{2}})-(?P<d>\d{{2}})",  # read leniently
    "date": _DATE,
    "strict_date_time": rf"{_STRICT_DATE}T{_HMS}(?:{_fraction()})?{ZONE}",
    "date_time": rf"{_DATE}T{_LOOSE_HM}(?::(?P<s>\d{{1,2}}){_fraction()})?{ZONE}",
    "strict_date_time_no_millis": rf"{_STRICT_DATE}T{_HMS}{ZONE}",
    "date_time_no_millis": rf"{_DATE}T{_LOOSE_HM}(?::(?P<s>\d{{1,2}}))?{ZONE}?",
    "strict_date_hour_minute_second": r"(?P<u>\d{4})-(?P<M>\d{2})-(?P<d>\d{2})T" + _HMS,
    "date_hour_minute_second": rf"{_DATE}T{_LOOSE_HMS}",
    "strict_date_hour_minute_second_fraction": rf"{_STRICT_DATE}T{_HMS}{_fraction()}",
    "strict_date_hour_minute_second_millis": rf"{_STRICT_DATE}T{_HMS}{_fraction()}",
    "date_hour_minute_second_fraction": rf"{_DATE}T{_LOOSE_HMS}{_fraction()}",
    "date_hour_minute_second_millis": rf"{_DATE}T{_LOOSE_HMS}{_fraction(3)}",
    "date_hour": rf"{_DATE}T(?P<H>\d{{1,2}})",
    "date_hour_minute": rf"{_DATE}T{_LOOSE_HM}",
    "basic_date": _BASIC_DATE,
    "basic_date_time": rf"{_BASIC_DATE}T{_BASIC_HMS}{_fraction()}{ZONE}",
    "basic_date_time_no_millis": rf"{_BASIC_DATE}T{_BASIC_HMS}{ZONE}",
    "basic_time": rf"{_BASIC_HMS}{_fraction()}{ZONE}",
    "basic_time_no_millis": rf"{_BASIC_HMS}{ZONE}",
    "basic_t_time": rf"T{_BASIC_HMS}{_fraction()}{ZONE}",
    "basic_t_time_no_millis": rf"T{_BASIC_HMS}{ZONE}",
    "strict_ordinal_date": rf"{_ORDINAL_YEAR}-(?P<D>\d{{3}})",
    "ordinal_date": rf"{_ORDINAL_YEAR}-(?P<D>\d{{1,3}})",
    "strict_ordinal_date_time": (
        rf"{_ORDINAL_YEAR}-(?P<D>\d{{3}})T(?P<H>\d{{2}}):(?P<m>\d{{2}})"
        rf"(?::(?P<s>\d{{2}}){_fraction()})?{ZONE}"
    ),
    "ordinal_date_time": (
        rf"{_ORDINAL_YEAR}-(?P<D>\d{{1,3}})T{_LOOSE_HM}(?::(?P<s>\d{{1,2}}){_fraction()})?{ZONE}"
    ),
    "strict_ordinal_date_time_no_millis": rf"{_ORDINAL_YEAR}-(?P<D>\d{{3}})T{_HMS}{ZONE}",
    "ordinal_date_time_no_millis": rf"{_ORDINAL_YEAR}-(?P<D>\d{{1,3}})T{_LOOSE_HMS}{ZONE}",
    "strict_hour_minute_second": _HMS,
    "hour_minute_second": _LOOSE_HMS,
    "strict_hour_minute_second_fraction": _HMS + _fraction(),
    "strict_hour_minute_second_millis": _HMS + _fraction(),
    "hour_minute_second_fraction": _LOOSE_HMS + _fraction(),
    "hour_minute_second_millis": _LOOSE_HMS + _fraction(3),
    "hour_minute": _LOOSE_HM,
    "hour": r"(?P<H>\d{1,2})",
    "strict_time": rf"{_HMS}{_fraction()}{ZONE}",
    "time": rf"{_LOOSE_HMS}{_fraction()}{ZONE}",
    "strict_time_no_millis": rf"{_HMS}{ZONE}",
    "time_no_millis": rf"{_LOOSE_HMS}{ZONE}",
    "strict_t_time": rf"T{_HMS}{_fraction()}{ZONE}",
    "t_time": rf"T{_LOOSE_HMS}{_fraction()}{ZONE}",
    "strict_t_time_no_millis": rf"T{_HMS}{ZONE}",
    "t_time_no_millis": rf"T{_LOOSE_HMS}{ZONE}",
    "strict_year_month_day": _STRICT_DATE,
    "year_month_day": r"(?P<u>-?\d{1,19})-(?P<M>-?\d{1,19})-(?P<d>-?\d{1,19})",
    "year_month": r"(?P<u>\+\d{5,10}(?=-\d{2}$)|-?\d{1,19})-(?P<M>-?\d{1,19})",
    "year": r"(?P<u>-?\d{1,19})",
    "strict_year_month": r"(?P<u>\d{4}|\+\d{5,10}|-\d{4,10})-(?P<M>\d{2})",
    "strict_year": r"(?P<u>\d{4}|\+\d{5,10}|-\d{4,10})",
}
#: The formats read with Java's lenient resolver: a month or day past its end rolls over
#: (``2026-02-30`` is March 2, ``2026-13-45`` 2027-02-14).
LENIENT = {"strict_date"}
#: The epoch formats: their grammar and the nanoseconds of one unit.
EPOCHS = {
    "epoch_millis": (r"[+-]?\d{1,19}(?:\.\d{1,6})?", 10**6),
    "epoch_second": (r"[+-]?\d{1,19}(?:\.\d{1,9})?", 10**9),
}
