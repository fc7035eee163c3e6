"""A ``date`` or ``date_nanos`` field's ``format`` and ``locale``, as OpenSearch reads
them when it takes a mapping.

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
  (``index_date_math.read_locale``, as a ``date_range`` reads its own).
"""

from __future__ import annotations

from typing import Any

from pytest_firehose._destinations.index_date_math import read_locale
from pytest_firehose._destinations.index_date_patterns import JavaRefusal, UnknownFormat
from pytest_firehose._destinations.index_nanos import nanos_check
from pytest_firehose._destinations.index_special import REFUSES
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
