"""What a delivery stream takes in from its Amazon MSK topic (MSKAsSource): the fake has no
Kafka cluster, so a test hands the stream the records the topic would hold. Each takes the
next offset of its partition; those older than the stream's start position are in the topic
but not read; the others are named and described as a transformation event shows them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pytest_firehose._errors import UsageError
from pytest_firehose._lambda.firehose_events import msk_metadata
from pytest_firehose._terms import terms

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted

MIB = 1024 * 1024
#: The largest record Firehose reads from an MSK topic, and with a Lambda processor the
#: largest it sends on to the function (DOC: the developer guide's quotas; larger records go
#: to the S3 error bucket, which the fake does not model: it refuses them).
MAX_RECORD_BYTES = 10 * MIB
MAX_TRANSFORMED_BYTES = 6 * MIB


def checked_values(values: Sequence[Any]) -> list[bytes]:
    """Record values as ``put_from_msk`` takes them: bytes each."""
    for value in values:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise UsageError(
                f"put_from_msk takes each record value as bytes, not {terms().kind(type(value))}"
            )
    return [bytes(value) for value in values]


#: The largest partition number and offset Kafka has: its partitions are numbered by a
#: 32-bit signed int, its offsets by a 64-bit one.
MAX_POSITION = {"partition": 2**31 - 1, "offset": 2**63 - 1}


def checked_position(name: str, number: Any) -> int:
    """A partition or an offset (``name``): an int from 0 to Kafka's largest."""
    highest = MAX_POSITION[name]
    if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= highest:
        raise UsageError(f"put_from_msk: {name} is an int from 0 to {highest}, not {number!r}")
    return number


#: Where Kafka's timestamps start: they count milliseconds from it.
_KAFKA_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def checked_timestamp(timestamp: Any, now: datetime) -> datetime:
    """A record's Kafka timestamp: ``now`` when not given, else an aware datetime no later
    than ``now`` (a topic holds no record from the future)."""
    if timestamp is None:
        return now
    if (
        not isinstance(timestamp, datetime)
        or timestamp.tzinfo is None
        or not _KAFKA_EPOCH <= timestamp <= now
    ):
        # Before 1970, the record's mskRecordMetadata carried a negative
        # approximateArrivalTimestamp: Kafka's timestamps count milliseconds from 1970.
        raise UsageError(
            "put_from_msk: timestamp is a timezone-aware datetime from 1970 (Kafka counts "
            f"milliseconds from it) to the fake clock's now ({now.isoformat()}), not "
            f"{timestamp!r}"
        )
    return timestamp


def record_id(partition: int, offset: int) -> str:
    """The record id the fake gives a record read from MSK: 62 digits (as long as the id in
    AWS's sample event), the partition in the first 31 and the offset in the last 31."""
    return f"{partition:031d}{offset:031d}"


@dataclass
class TakenIn:
    """What a stream took in from records handed to its topic: the entries it accepts, their
    ``mskRecordMetadata`` by record id, and the offset each record was given."""

    entries: list[Accepted] = field(default_factory=list)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    offsets: list[int] = field(default_factory=list)


@dataclass
class MskTopic:
    """The topic an MSKAsSource stream reads: from ``start`` (its
    ``DeliveryStartTimestamp``: ``ReadFromTimestamp``, else ``active``, the instant the
    stream became ACTIVE), the next offset of each partition, and the partitions the stream
    has found its start position in."""

    start: datetime
    active: datetime
    next_offsets: dict[int, int] = field(default_factory=dict)
    #: Partitions where the stream read a record: it reads every later offset there, as a
    #: Kafka consumer reads a partition in order from its start position.
    reading: set[int] = field(default_factory=set)

    def take(
        self,
        values: list[bytes],
        *,
        partition: int,
        offset: int | None,
        timestamp: datetime,
        given: bool,
        transformed: bool,
    ) -> TakenIn:
        """Append ``values`` to ``partition`` (from ``offset``, else its next offset), each
        with the Kafka ``timestamp`` (``given`` by the test, else the clock's now); what the
        stream reads of them. ``transformed``: the stream has a Lambda processor, whose
        records are at most 6 MB."""
        limit = MAX_TRANSFORMED_BYTES if transformed else MAX_RECORD_BYTES
        for value in values:
            if len(value) > limit:
                with_lambda = " with a Lambda processor" if transformed else ""
                raise UsageError(
                    f"{terms().call('put_from_msk')}: Firehose reads records of at most "
                    f"{limit} bytes from MSK{with_lambda}, not {len(value)}; it writes larger "
                    "ones to the error bucket, which the fake does not model"
                )
        following = self.next_offsets.get(partition, 0)
        first = following if offset is None else offset
        if first < following:
            raise UsageError(
                f"{terms().call('put_from_msk')}: offset {first} is taken in partition "
                f"{partition}: a partition's offsets only grow, and its next is {following}"
            )
        if first + len(values) - 1 > MAX_POSITION["offset"]:
            raise UsageError(
                f"{terms().call('put_from_msk')}: offsets end at {MAX_POSITION['offset']}: "
                f"{len(values)} records from offset {first} go past it"
            )
        offsets = list(range(first, first + len(values)))
        self.next_offsets[partition] = first + len(values)
        taken = TakenIn(offsets=offsets)
        if not self._past_start(partition, timestamp, given):
            return taken  # in the topic, but before where the stream starts reading
        self.reading.add(partition)
        for number, value in zip(offsets, values, strict=True):
            name = record_id(partition, number)
            taken.entries.append((value, name, timestamp))
            taken.metadata[name] = msk_metadata(partition, number, timestamp)
        return taken

    def _past_start(self, partition: int, timestamp: datetime, given: bool) -> bool:
        """Whether records stamped ``timestamp`` at the end of ``partition`` lie at or past
        the stream's start position there: the first offset stamped at or after ``start``
        (Kafka's offset for a time), the records after it whatever their stamps. A record
        the test gives no timestamp reaches the topic now, after the stream became ACTIVE,
        so past a start position that lies no later (a clock moved back does not make it
        one the topic held before)."""
        if partition in self.reading or timestamp >= self.start:
            return True
        return not given and self.start <= self.active
