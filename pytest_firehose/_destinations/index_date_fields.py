"""A ``date`` or ``date_nanos`` field's ``format`` and ``locale``, and a mapping's
``dynamic_date_formats``, as OpenSearch reads them when it takes a mapping.

Facts (OpenSearch 2.19: ``DateFieldMapper.Builder`` (its ``format`` and ``locale``
parameters, ``buildFormatter``), ``LocaleUtils.parse``, ``MapperService`` /
``DocumentMapperParser`` wrapping a refusal in ``MapperParsingException``):

- a format Java refuses (``DateFormatter.forPattern``'s ``IllegalArgumentException``)
  refuses the mapping: ``Failed to parse mapping [_doc]: Error parsing [format] on field
  [F]: Invalid format: [P]: ...``, ``F`` the field's own name (not its path), ``P`` the
  pattern refused;
- ``locale`` is read by ``LocaleUtils.parse`` (a language and a country joined by ``_``
  or ``-``, or ``ROOT``) and shown by ``GET _mapping`` as ``Locale.toString`` (``en_US``)
  where it is not the root locale, the default; it gives the month and day names and
  AM/PM the format reads, which the fake knows in the root locale and English ones only
  (``index_date_math.read_locale``, as a ``date_range`` reads its own);
- ``dynamic_date_formats`` (``RootObjectMapper.TypeParser.processField``) is a list of
  formats, ``"none"`` or one format; in a list, a format whose text starts with
  ``epoch_`` is refused (``Epoch [epoch_millis] is not supported as dynamic date
  format``), one given alone is not checked so; each is then read by
  ``TypeParsers.parseDateTimeFormatter``: one that is no string is refused with ``Invalid
  format: [1]: expected string value``, a string by ``DateFormatter.forPattern``, whose
  refusal has no words of the root mapper's: ``Failed to parse mapping [_doc]: Invalid
  format: [P]: ...``.
"""

from __future__ import annotations

from typing import Any

from pytest_firehose._destinations.index_date_math import read_locale
from pytest_firehose._destinations.index_date_patterns import JavaRefusal, UnknownFormat
from pytest_firehose._destinations.index_dates import reader
from pytest_firehose._destinations.index_nanos import nanos_check
from pytest_firehose._destinations.index_special import REFUSES, java_text
from pytest_firehose._destinations.index_values import Check, date_check


def date_field_check(name: str, kind: str, definition: dict[str, Any]) -> Check:
    """The value check of the field ``name`` of type ``kind`` (``date``, ``date_nanos``)
    with its ``format`` and ``locale`` in ``definition``, whose ``locale`` is set to what
    ``GET _mapping`` shows (removed where it is the root locale); ValueError for what
    OpenSearch refuses (in its words) or the fake does not read."""
    where = f"field [{name}]"
    formats = definition.get("format")
    if formats is not None and not isinstance(formats, str):
        raise ValueError(f'{where}: format is a string, such as "yyyy-MM-dd", not {formats!r}')
    try:
        check = date_check(formats) if kind == "date" else nanos_check(formats)
    except JavaRefusal as error:
        raise ValueError(
            f"{REFUSES}Error parsing [format] on field [{name.rsplit('.', 1)[-1]}]: {error.java}"
        ) from None
    except UnknownFormat as error:
        raise ValueError(f"{where}: {error}") from None
    if "locale" in definition:
        shown = read_locale(where, kind, definition["locale"], formats)
        if shown is None:
            del definition["locale"]
        else:
            definition["locale"] = shown
    return check


def dynamic_date_formats(value: object) -> tuple[str, ...]:
    """The formats a mapping's ``dynamic_date_formats`` gives date detection, in order, as
    OpenSearch reads them (``RootObjectMapper.TypeParser.processField``): a list of
    formats, one format, or ``"none"`` (none: no string is a date); a ValueError for what
    OpenSearch refuses, in its words, and for a format the fake does not read
    (:class:`UnknownFormat`) or a ``null``."""
    if isinstance(value, list):
        formats = value
        for one in formats:  # only a list's formats are checked for epoch_ ones
            if one is not None and java_text(one).startswith("epoch_"):
                raise ValueError(
                    f"{REFUSES}Epoch [{java_text(one)}] is not supported as dynamic date format"
                )
            _formatter(value, one)
    elif value == "none":
        formats = []
    else:
        formats = [value]
        _formatter(value, value)
    return tuple(formats)


def _formatter(given: object, one: object) -> None:
    """``TypeParsers.parseDateTimeFormatter`` of the format ``one`` (of ``given``)."""
    if one is None:  # OpenSearch fails on it with a NullPointerException
        raise ValueError(
            'dynamic_date_formats is a list of date formats (or one, or "none"), such as '
            f'["yyyy-MM-dd", "dd.MM.yyyy"], not {given!r}'
        )
    if not isinstance(one, str):
        raise ValueError(f"{REFUSES}Invalid format: [{java_text(one)}]: expected string value")
    if not one:
        raise ValueError(f"{REFUSES}No date pattern provided")
    try:
        reader(one)
    except JavaRefusal as error:
        raise ValueError(f"{REFUSES}{error.java}") from None
