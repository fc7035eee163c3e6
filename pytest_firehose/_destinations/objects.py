"""The objects a delivery writes: their bodies, and their keys as Firehose names them."""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.compression import compress, content_encoding
from pytest_firehose._destinations.java_time import (
    Item,
    PatternError,
    Unwritable,
    compile_pattern,
    format_pattern,
    unwritable,
)
from pytest_firehose._payload import Payload, payload_bytes

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted
    from pytest_firehose._destinations.iceberg import Change


class DeliveredObject:
    """One delivery: the object the destination stored, and the records it holds.

    ``key`` is the object's key, ``body`` its bytes as stored (the payloads concatenated,
    compressed as the destination's ``CompressionFormat`` asks), ``records`` the payloads,
    ``delivered_at`` the fake time of the delivery and ``delivery_id`` the uuid that ends
    the key, the same on every retry of one batch. The body is built when first read:
    most objects a test makes are never opened.

    An object a Redshift destination staged and loaded also has ``rows``, the rows its COPY
    loaded into the table, and ``manifest``, the manifest object that COPY read; both are
    None for every other object (a Snowflake destination's has the rows its table
    received). An OpenSearch destination's has ``documents``, those its indexes received,
    a Splunk destination's ``events``, what its HEC endpoint received.
    ``accepted`` holds the records a delivery made it of (payload, record id, arrival),
    for a destination that reads their ids.
    """

    def __init__(
        self,
        key: str,
        payloads: tuple[Payload, ...],
        delivered_at: datetime,
        delivery_id: str,
        *,
        compression: str = "UNCOMPRESSED",
        body: bytes | None = None,
    ) -> None:
        self.key = key
        self.delivered_at = delivered_at
        self.delivery_id = delivery_id
        self._payloads = payloads
        self._compression = compression
        if body is not None:
            self.__dict__["body"] = body
        self.rows: tuple[dict[str, Any], ...] | None = None
        self.documents: tuple[dict[str, Any], ...] | None = None
        self.events: tuple[dict[str, Any], ...] | None = None
        self.accepted: tuple[Accepted, ...] = ()
        self.manifest: DeliveredObject | None = None
        #: What an Iceberg destination's records did to its tables, in order.
        self.changes: tuple[Change, ...] | None = None

    @functools.cached_property
    def records(self) -> tuple[bytes, ...]:
        return tuple(payload_bytes(payload) for payload in self._payloads)

    @functools.cached_property
    def body(self) -> bytes:
        body = b"".join(self.records)
        if self._compression == "UNCOMPRESSED":
            return body
        return compress(body, self._compression, name=self.delivery_id, at=self.delivered_at)

    @property
    def content_encoding(self) -> str | None:
        """The ``Content-Encoding`` S3 stores the object with (``gzip`` for ``GZIP``...),
        None when uncompressed."""
        return content_encoding(self._compression)

    def __repr__(self) -> str:
        return f"<DeliveredObject {self.key!r}: {len(self._payloads)} record(s)>"


#: ``!{namespace:argument}`` in a Prefix or ErrorOutputPrefix.
_EXPRESSION = re.compile(r"!\{([A-Za-z]+):([^}]*)\}")
_RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def time_zone(name: object) -> tzinfo | None:
    """The zone a ``CustomTimeZone`` names, when this machine's zone database knows it
    (``pip install tzdata`` where the system has none); UTC for none or ``UTC``."""
    if not name or name == "UTC":
        return timezone.utc
    if not isinstance(name, str):
        return None
    import zoneinfo  # a zone's name is rare: most runs never read the zone database

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # unknown, or not a zone key
        return None


def keys_zone(config: Mapping[str, Any]) -> tzinfo:
    """The zone the keys and prefixes of a destination's objects are written in: its
    ``CustomTimeZone`` (for the time prefix and the key's suffix, as the developer guide
    says), else UTC (the model reports a zone it cannot read)."""
    return time_zone(config.get("CustomTimeZone")) or timezone.utc


def has_expressions(prefix: str) -> bool:
    return _EXPRESSION.search(prefix) is not None


def _java_time(pattern: str, at: datetime) -> str:
    """``at`` in the java.time pattern; a pattern Java refuses, or one the fake cannot write
    as Java would, is copied as written (``!{timestamp:PATTERN}``), as
    :func:`unwritten_timestamps` reports."""
    try:
        return format_pattern(compile_pattern(pattern), at)
    except (PatternError, Unwritable):
        return f"!{{timestamp:{pattern}}}"


def unwritten_timestamps(prefix: str, zone: tzinfo = timezone.utc) -> list[str]:
    """Each ``!{timestamp:PATTERN}`` of ``prefix`` that :func:`_java_time` copies as
    written, with why: a pattern Java's ``DateTimeFormatter`` refuses, an element the fake
    cannot write in ``zone`` as Java would, or a padding (``p``) narrower than what it pads
    can be (Java fails to format it)."""
    unwritten = []
    for expression in _EXPRESSION.finditer(prefix):
        if expression[1] != "timestamp":
            continue
        try:
            items = compile_pattern(expression[2])
        except PatternError as refused:
            unwritten.append(f"{expression[0]} (Java's DateTimeFormatter refuses it: {refused})")
            continue
        reasons = [r for r in (unwritable(i, zone) or _overflow(i, zone) for i in items) if r]
        if reasons:
            unwritten.append(f"{expression[0]} ({'; '.join(reasons)})")
    return unwritten


#: The times of a day :func:`_overflow` writes: midnight and a minute after, the hours that
#: start a day period, noon and an hour after, and the day's last microsecond.
_SAMPLE_TIMES = (
    *(timedelta(minutes=m) for m in (0, 1, 6 * 60, 9 * 60, 12 * 60, 13 * 60, 18 * 60, 21 * 60)),
    timedelta(days=1, microseconds=-1),
)


def _overflow(item: Item, zone: tzinfo) -> str | None:
    """Why Java fails to pad ``item`` at some time of a year, None when it never does:
    the widest text it writes over a leap year's days, at ``_SAMPLE_TIMES`` in ``zone``."""
    if not item.pad:
        return None
    widest = ""
    alone = (Item(item.letter, item.count),)
    start = datetime(2024, 1, 1, tzinfo=zone)
    for day in range(366):
        for time in _SAMPLE_TIMES:
            text = format_pattern(alone, start + timedelta(days=day) + time)
            widest = max(widest, text, key=len)
    if len(widest) <= item.pad:
        return None
    return f"{item.source()}: Java fails to pad {widest!r} ({len(widest)} characters) to {item.pad}"


#: The namespaces of dynamic partitioning's keys in a prefix.
PARTITION_NAMESPACES = ("partitionKeyFromQuery", "partitionKeyFromLambda")


class MissingKey(LookupError):
    """A prefix names a partition key (``namespace``, ``name``) the record does not have."""

    def __init__(self, namespace: str, name: str) -> None:
        super().__init__(f"!{{{namespace}:{name}}}")
        self.namespace = namespace
        self.name = name


#: The namespaces a prefix expression names, and the values ``firehose`` takes (DOC:
#: "Custom prefixes for Amazon S3 objects"). Dynamic partitioning's namespaces name keys
#: only in the prefix of the destination that partitions: every other prefix takes
#: ``EXPRESSION_NAMESPACES`` alone.
EXPRESSION_NAMESPACES = ("firehose", "timestamp")
FIREHOSE_VALUES = ("error-output-type", "random-string")


def stray_expression(prefix: str, namespaces: tuple[str, ...]) -> str | None:
    """The first ``!{`` of ``prefix`` that opens no ``!{namespace:value}`` expression of
    one of ``namespaces`` (``firehose`` with one of its values), up to its closing brace;
    None when there is none (DOC: "The sequence !{ can only appear in !{namespace:value}
    expressions")."""
    at = prefix.find("!{")
    while at != -1:
        match = _EXPRESSION.match(prefix, at)
        if (
            match is None
            or match[1] not in namespaces
            or (match[1] == "firehose" and match[2] not in FIREHOSE_VALUES)
        ):
            end = prefix.find("}", at)
            return prefix[at:] if end == -1 else prefix[at : end + 1]
        at = prefix.find("!{", match.end())
    return None


def partition_keys_in(prefix: str) -> list[tuple[str, str]]:
    """The (namespace, key name) of each partition key expression ``prefix`` holds."""
    return [(m[1], m[2]) for m in _EXPRESSION.finditer(prefix) if m[1] in PARTITION_NAMESPACES]


def evaluate_prefix(
    prefix: str,
    at: datetime,
    chance: random.Random | None,
    keys: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """A Prefix as Firehose writes it for an object whose oldest record arrived ``at``.

    Without expressions, ``yyyy/MM/dd/HH/`` (in ``at``'s zone) is appended, by plain
    concatenation.
    With them, ``!{timestamp:PATTERN}`` is ``at`` in that java.time pattern (every
    instance the same instant) and ``!{firehose:random-string}`` 11 random characters
    (new for each instance; left as written without ``chance``). ``keys`` gives the
    partition keys by namespace (dynamic partitioning): a key expression it lacks raises
    :class:`MissingKey`; without ``keys`` they are left as written.
    """
    if not has_expressions(prefix):
        return f"{prefix}{at:%Y/%m/%d/%H}/"
    return _expand(prefix, at, chance, keys)


def _expand(
    prefix: str,
    at: datetime,
    chance: random.Random | None,
    keys: Mapping[str, Mapping[str, str]] | None,
) -> str:
    """``prefix`` with its expressions evaluated (see :func:`evaluate_prefix`)."""

    def evaluate(match: re.Match[str]) -> str:
        namespace, argument = match.groups()
        if namespace == "timestamp":
            return _java_time(argument, at)
        if (namespace, argument) == ("firehose", "random-string") and chance is not None:
            return _random_string(chance)
        if keys is not None and namespace in PARTITION_NAMESPACES:
            value = keys.get(namespace, {}).get(argument)
            if value is None:
                raise MissingKey(namespace, argument)
            return value
        return match.group(0)

    return _EXPRESSION.sub(evaluate, prefix)


def object_key(
    prefix: str,
    stream: str,
    version: str,
    oldest: datetime,
    suffix: str,
    extension: str = "",
    *,
    expanded: bool = False,
    zone: tzinfo = timezone.utc,
) -> str:
    """``<prefix, evaluated><stream>-<version>-YYYY-MM-dd-HH-mm-ss-<suffix><ext>``, times
    in ``zone``, ``oldest`` being the arrival of the object's oldest record; ``suffix`` (a
    uuid) also seeds the prefix's random strings, so a retried delivery keeps its key.
    ``expanded``: the prefix had expressions, some already evaluated (a dynamic
    partition's, an error prefix's error type), so no date folders are added, whatever is
    left."""
    oldest = oldest.astimezone(zone)
    chance = random.Random(suffix)
    if expanded:
        evaluated = _expand(prefix, oldest, chance, None)
    else:
        evaluated = evaluate_prefix(prefix, oldest, chance)
    return f"{evaluated}{stream}-{version}-{oldest:%Y-%m-%d-%H-%M-%S}-{suffix}{extension}"


def _random_string(chance: random.Random) -> str:
    """Firehose's ``random-string``: 11 lowercase letters and digits."""
    return "".join(chance.choice(_RANDOM_ALPHABET) for _ in range(11))
