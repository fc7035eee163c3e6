"""A Kinesis record as a stream keeps it, its sequence number, and how answers show it.

Facts used here (AWS_SEMANTICS.md section 8):

* Sequence numbers are 56-digit decimals. Read as hex they are kinesalite's "version 2"
  layout, which decodes real AWS numbers consistently: ``2``, 9 hex digits of the shard's
  creation time (epoch seconds), the low hex digit of the shard index, 16 hex digits of
  the per-shard sequence index, ``00``, 9 hex digits of the record's arrival time (epoch
  seconds), 8 hex digits of the shard index, ``2``. The sequence index sits above the
  arrival time, so numbers increase strictly within a shard (INFERRED layout, MOCK source).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, NamedTuple, TypeAlias

from pytest_firehose._payload import Payload, PayloadRecord, payload_len, payloads_len

# Bit offsets of the fields of a version-2 sequence number (188 bits, 47 hex digits).
_VERSION_SHIFT = 184
_CREATED_SHIFT = 148
_NIBBLE_SHIFT = 144
_INDEX_SHIFT = 80
_ARRIVAL_SHIFT = 36
_SHARD_SHIFT = 4
_MASK_36 = (1 << 36) - 1
_MASK_32 = (1 << 32) - 1
_MASK_64 = (1 << 64) - 1
_LOWEST_V2 = 2 << _VERSION_SHIFT
_ABOVE_V2 = 3 << _VERSION_SHIFT


def _epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp()) & _MASK_36


def sequence_number(
    created_at: datetime, shard_index: int, index: int, arrived_at: datetime
) -> str:
    """The version-2 sequence number of the ``index``-th record of shard ``shard_index``."""
    return str(
        sequence_frame(created_at, shard_index, arrived_at) | (index & _MASK_64) << _INDEX_SHIFT
    )


@functools.lru_cache(maxsize=64)
def sequence_frame(created_at: datetime, shard_index: int, arrived_at: datetime) -> int:
    """Every field of a sequence number but its index: the same for every record a shard
    takes in one put, so a batch converts its times once rather than once a record."""
    return (
        _LOWEST_V2
        | _epoch_seconds(created_at) << _CREATED_SHIFT
        | (shard_index & 0xF) << _NIBBLE_SHIFT
        | _epoch_seconds(arrived_at) << _ARRIVAL_SHIFT
        | (shard_index & _MASK_32) << _SHARD_SHIFT
        | 2
    )


class SequenceParts(NamedTuple):
    """What a version-2 sequence number encodes."""

    shard_created: int  # epoch seconds
    sequence_index: int
    arrived: int  # epoch seconds
    shard_index: int


def parse_sequence_number(text: str) -> SequenceParts | None:
    """The fields of a version-2 sequence number, or ``None`` if ``text`` is not one.

    Mirrors kinesalite's ``parseSequence`` checks: the value lies in the version-2 band,
    ends in hex ``2``, and neither the sequence index nor the shard index has its top bit
    set. (Older version-0/1 numbers, which AWS issued before ~2015, are not accepted.)
    """
    if not text.isdigit() or len(text) > 60:
        return None
    value = int(text)
    if not _LOWEST_V2 <= value < _ABOVE_V2 or value & 0xF != 2:
        return None
    index = (value >> _INDEX_SHIFT) & _MASK_64
    shard_index = (value >> _SHARD_SHIFT) & _MASK_32
    if index >> 63 or shard_index >> 31:
        return None
    return SequenceParts(
        (value >> _CREATED_SHIFT) & _MASK_36,
        index,
        (value >> _ARRIVAL_SHIFT) & _MASK_36,
        shard_index,
    )


# Older layouts a StartingSequenceNumber may still use (kinesalite's ``parseSequence``,
# whose tests ran against AWS): version 0 below 2**129 (a value under 2**124 is read as if
# 2**124 were added), its shard index in the low 16 bits and its shard creation time,
# which must be below 16025175000 seconds, in bits 88 to 123; version 1 in the version-2
# band with a last hex digit of 1, its shard index where version 2 keeps it.
_V0_FLOOR = 1 << 124
_V0_CEILING = 1 << 129
_V0_LATEST_CREATED = 16_025_175_000


def is_version_zero(text: str) -> bool:
    """Whether a sequence number ``encoded_shard_index`` reads has the oldest layout,
    version 0, which AWS no longer looks up: naming the shard it is used on, it fails the
    request with a bare ``InternalFailure``, HTTP 500 (REAL: kinesalite's getShardIterator
    test, run against AWS, 2018)."""
    return int(text) < _V0_CEILING


def encoded_shard_index(text: str) -> int | None:
    """The shard index a sequence number of any version encodes, or ``None`` if ``text``
    is not one. It is read as a signed 32-bit number: AWS names a number whose shard field
    has its top bit set ``shardId--02147483648`` (REAL, kinesalite's AWS-validated
    ``getShardIterator`` tests)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 60:
        return None
    value = int(text)
    if value < _V0_CEILING:
        value = value + _V0_FLOOR if value < _V0_FLOOR else value
        if (value >> 88) & _MASK_36 >= _V0_LATEST_CREATED:
            return None
        return value & 0xFFFF
    if not _LOWEST_V2 <= value < _ABOVE_V2 or value & 0xF not in (1, 2):
        return None
    if value & 0xF == 2 and ((value >> _INDEX_SHIFT) & _MASK_64) >> 63:
        return None
    shard_index = (value >> _SHARD_SHIFT) & _MASK_32
    return shard_index - (1 << 32) if shard_index >> 31 else shard_index


#: What the records one shard took in one request share: every field of their sequence
#: numbers but the index (``frame``), the shard id, the arrival time and the stream's
#: encryption type, in that order.
Lane: TypeAlias = tuple[int, str, datetime, str]

#: A record as a stream keeps it: payload, partition key, lane, sequence index, commit
#: index, explicit hash key. Plain tuples of strings, numbers and times (a lane is one
#: too), which the garbage collector stops tracking once it has seen them: a stream may
#: hold millions, and tracked objects would make every full collection visit each of them.
#: ``KinesisRecord.of`` makes the object users read from one.
Row: TypeAlias = tuple[Payload, str | None, Lane, int, int, str | None]

#: A row's sequence index (a key to bisect a shard's rows by).
sequence_index_of: Callable[[Row], int] = operator.itemgetter(3)

#: A row's place in its stream's commit order (a key to sort rows of several shards by).
commit_index_of: Callable[[Row], int] = operator.itemgetter(4)


def arrived_at_of(row: Row) -> datetime:
    """A row's arrival time (a key to bisect rows by)."""
    return row[2][2]


def shard_id_in(row: Row) -> str:
    """The shard a row's record went to."""
    return row[2][1]


class KinesisRecord(PayloadRecord):
    """A record a stream accepted. ``.data`` is the payload as bytes; ``.payload`` is how it
    came off the wire (bytes, or base64 text decoded on first use). Compares equal to its
    payload, so ``stream.records == [b"a", b"b"]`` reads naturally.

    ``sequence_index`` is the index inside its sequence number (drawn from the stream's
    counter, which its shards share: the records of one stream are numbered 1, 2, 3, ...);
    ``commit_index`` its place in the stream's commit order; ``encryption`` the stream's
    encryption type when it was written (``"NONE"`` or ``"KMS"``), which GetRecords reports
    for that record whatever the stream's setting is now.

    ``shard_id``, ``arrived_at`` and ``encryption`` are read from a ``Lane`` the records a
    shard took in one request share, with ``frame``, every field of the sequence number but
    the index: ``.sequence_number`` is written from it when read, which keeps about 130
    bytes a record off the heap.
    """

    __slots__ = (
        "_lane",
        "commit_index",
        "explicit_hash_key",
        "partition_key",
        "sequence_index",
    )

    def __init__(
        self,
        payload: Payload,
        partition_key: str | None,
        frame: int,
        shard_id: str,
        arrived_at: datetime,
        explicit_hash_key: str | None = None,
        sequence_index: int = 0,
        commit_index: int = 0,
        encryption: str = "NONE",
    ) -> None:
        super().__init__(payload)
        self.partition_key = partition_key
        self._lane: Lane = (frame, shard_id, arrived_at, encryption)
        self.explicit_hash_key = explicit_hash_key
        self.sequence_index = sequence_index
        self.commit_index = commit_index

    @classmethod
    def of(cls, row: Row) -> KinesisRecord:
        """The record a stream keeps as ``row``: its own object, each time (what is set on
        it stays with it)."""
        record = object.__new__(cls)
        (
            record._payload,
            record.partition_key,
            record._lane,
            record.sequence_index,
            record.commit_index,
            record.explicit_hash_key,
        ) = row
        return record

    @property
    def payload(self) -> Payload:
        """The record's data, as the code under test put it."""
        return self._payload

    # Writable as plain attributes are: a record given its own value leaves its lane.
    @property
    def shard_id(self) -> str:
        return self._lane[1]

    @shard_id.setter
    def shard_id(self, value: str) -> None:
        frame, _, arrived_at, encryption = self._lane
        self._lane = (frame, value, arrived_at, encryption)

    @property
    def arrived_at(self) -> datetime:
        return self._lane[2]

    @arrived_at.setter
    def arrived_at(self, value: datetime) -> None:
        frame, shard_id, _, encryption = self._lane
        self._lane = (frame, shard_id, value, encryption)

    @property
    def encryption(self) -> str:
        return self._lane[3]

    @encryption.setter
    def encryption(self, value: str) -> None:
        frame, shard_id, arrived_at, _ = self._lane
        self._lane = (frame, shard_id, arrived_at, value)

    @property
    def sequence_number(self) -> str:
        return str(self._lane[0] | self.sequence_index << _INDEX_SHIFT)

    def __repr__(self) -> str:
        return f"KinesisRecord({self.data!r}, shard_id={self.shard_id!r})"


def views(rows: Iterable[Row]) -> list[KinesisRecord]:
    """The records ``rows`` keep, as users read them."""
    return list(map(KinesisRecord.of, rows))


def put_results(rows: Iterable[Row]) -> list[dict[str, str]]:
    """What PutRecords answers for each of ``rows``: its sequence number and shard."""
    return [
        {"SequenceNumber": str(lane[0] | index << _INDEX_SHIFT), "ShardId": lane[1]}
        for _, _, lane, index, _, _ in rows
    ]


_PAYLOAD = operator.itemgetter(0)


def payload_bytes(rows: Iterable[Row]) -> int:
    """The bytes ``rows`` carry (decoded)."""
    return payloads_len(map(_PAYLOAD, rows))


def within_bytes(rows: list[Row], limit: int) -> list[Row]:
    """The first of ``rows`` whose bytes stay within ``limit``, and always the first one.
    Base64 text is longer than the bytes it decodes to, so a list whose text fits is taken
    whole without decoding a length."""
    if sum(map(len, map(_PAYLOAD, rows))) <= limit:
        return rows
    served = 0
    for count, row in enumerate(rows):
        served += payload_len(row[0])
        if count and served > limit:
            return rows[:count]
    return rows


def shown(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """``rows`` as GetRecords answers them and SubscribeToShard's events carry them.
    ``EncryptionType`` is the stream's setting when the record was written (DOC,
    StartStreamEncryption: "encryption begins for records written to the stream"):
    records put before it, or after StopStreamEncryption, are not KMS ones."""
    answer: list[dict[str, Any]] = []
    for payload, partition_key, (frame, _, arrived_at, encryption), index, _, _ in rows:
        item: dict[str, Any] = {
            "SequenceNumber": str(frame | index << _INDEX_SHIFT),
            "ApproximateArrivalTimestamp": arrived_at,
            "Data": payload,
        }
        if partition_key:
            item["PartitionKey"] = partition_key
        if encryption != "NONE":
            item["EncryptionType"] = encryption
        answer.append(item)
    return answer
