"""An index's settings as OpenSearch reads them when it creates the index: the mapping
limits the fake applies (``index.mapping.*``), and the settings that change nothing a
test reads but that real indexes' settings nearly always hold, checked as OpenSearch
checks them (``index.knn`` is read by ``index_knn``, ``index.analysis.*`` by
``index_analysis``).

Facts (OpenSearch's ``Settings``, ``Setting.intSetting`` / ``Setting.parseInt``,
``Setting.get``, ``IndexMetadata``'s ``index.number_of_shards`` (1 to 1024) and
``index.number_of_replicas`` (0 or more), ``IndexSettings``' ``index.refresh_interval``
(a time value, ``-1`` turning refreshes off), ``TimeValue.parseTimeValue``):

* a setting's value is read from its text: a JSON number ``3`` is ``"3"``, ``3.5`` is
  ``"3.5"``, ``true`` is ``"true"``; an int setting reads it with ``Integer.parseInt``,
  whose failure is ``Failed to parse value [3.5] for setting [index.number_of_shards]``,
  and one out of range ``Failed to parse value [0] for setting [index.number_of_shards]
  must be >= 1``;
* a time value is a whole number with a unit (``nanos``, ``micros``, ``ms``, ``s``, ``m``,
  ``h``, ``d``, any case but ``m``, which ``M`` (months) is not), or ``-1`` or ``0``
  without one: ``failed to parse setting [index.refresh_interval] with value [5] as a
  time value: unit is missing or unrecognized``, ``failed to parse [1.5s], fractional time
  values are not supported``, ``failed to parse [xs]``, and below -1 ``... as a time
  value: negative durations are not supported``.

Kept, never applied: the fake has one shard per index and refreshes at once, which no
count of shards, replicas or refresh interval changes for what a test reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_mapping import LIMITS
from pytest_firehose._destinations.index_values import LONG_TEXT, parse_java_double

#: The int settings kept, with their least and greatest values (None: Java's int's).
INT_SETTINGS: dict[str, tuple[int, int | None]] = {
    "index.number_of_shards": (1, 1024),
    "index.number_of_replicas": (0, None),
}
#: The time settings kept.
TIME_SETTINGS = ("index.refresh_interval",)
#: ``TimeValue.parseTimeValue``'s units, in the order it tries them.
_UNITS = ("nanos", "micros", "ms", "s", "m", "h", "d")
_INT_RANGE = (-(2**31), 2**31 - 1)


class SettingError(ValueError):
    """A setting OpenSearch refuses, in its words."""


def setting_text(value: object) -> str:
    """A setting's value as ``Settings`` keeps it: its text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _int_setting(key: str, value: object, least: int, most: int | None) -> None:
    text = setting_text(value)
    low, high = _INT_RANGE
    if not LONG_TEXT.fullmatch(text) or not low <= int(text) <= high:
        raise SettingError(f"Failed to parse value [{text}] for setting [{key}]")
    number = int(text)
    if number < least:
        raise SettingError(f"Failed to parse value [{text}] for setting [{key}] must be >= {least}")
    if most is not None and number > most:
        raise SettingError(f"Failed to parse value [{text}] for setting [{key}] must be <= {most}")


def _time_setting(key: str, value: object) -> None:
    given = setting_text(value)
    normalized = given.lower().strip()
    for unit in _UNITS:
        if not (given.endswith("m") if unit == "m" else normalized.endswith(unit)):
            continue
        number = normalized[: -len(unit)].strip()
        if not LONG_TEXT.fullmatch(number) or not -(2**63) <= int(number) < 2**63:
            raise SettingError(
                f"failed to parse [{given}], fractional time values are not supported"
                if parse_java_double(number) is not None
                else f"failed to parse [{given}]"
            )
        if int(number) < -1:
            raise SettingError(
                f"failed to parse setting [{key}] with value [{given}] as a time value: "
                "negative durations are not supported"
            )
        return
    if not re.fullmatch(r"-0*1|0+", normalized):
        raise SettingError(
            f"failed to parse setting [{key}] with value [{given}] as a time value: unit "
            "is missing or unrecognized"
        )


def read_settings(settings: Mapping[str, Any], skipped: tuple[str, ...]) -> dict[str, int | None]:
    """The index's limits with ``settings`` (flat, ``index.``-prefixed keys), the other
    settings the fake keeps checked; ``skipped``: the keys, and the prefixes (ending in
    ``.``) of keys, another reader reads. :class:`SettingError` for a setting OpenSearch
    refuses (in its words) or the fake does not model (naming those it does)."""
    limits = dict(LIMITS)
    for key, value in settings.items():
        if key in skipped or any(key.startswith(p) for p in skipped if p.endswith(".")):
            continue
        try:
            if key in INT_SETTINGS:
                _int_setting(key, value, *INT_SETTINGS[key])
                continue
            if key in TIME_SETTINGS:
                _time_setting(key, value)
                continue
        except SettingError as refused:
            raise SettingError(f"OpenSearch refuses these settings: {refused}") from None
        if key not in LIMITS:
            modelled = ", ".join((*LIMITS, *INT_SETTINGS, *TIME_SETTINGS, *skipped))
            raise SettingError(
                f"the index setting {key!r} is not modelled; pytest-firehose models {modelled}"
            )
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SettingError(f"the index setting {key!r} is a whole number, not {value!r}")
        limits[key] = value
    return limits
