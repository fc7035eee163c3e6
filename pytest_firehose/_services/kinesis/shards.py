"""Kinesis Data Streams shards: a shard, open or closed, the hash keys it covers, and the
shard ids that name it (the stream that holds the shards is ``streams.py``'s).

Facts used here (AWS_SEMANTICS.md section 8):

* A partition key maps to the unsigned 128-bit big-endian MD5 of its UTF-8 bytes; a record
  goes to the shard whose ``[StartingHashKey, EndingHashKey]`` holds that value (DOC, and
  kinesalite's AWS-validated ``partitionKeyToHashKey``).
* N shards split the key space evenly: ``step = 2**128 // N``, shard ``i`` starts at
  ``step * i`` and ends one before the next, the last at ``2**128 - 1`` (REAL for N = 1
  and 3; kinesalite and moto agree).
* Shard ids are ``shardId-`` and 12 decimal digits (REAL).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from pytest_firehose._services.kinesis.records import (
    KinesisRecord,
    Row,
    SequenceParts,
    sequence_number,
    views,
)

HASH_KEY_LIMIT = 2**128
MAX_HASH_KEY = HASH_KEY_LIMIT - 1


def hash_key_of(partition_key: str) -> int:
    """The 128-bit hash key a partition key routes by: MD5 of its UTF-8 bytes, big-endian."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def shard_id_of(index: int) -> str:
    return f"shardId-{index:012d}"


def split_hash_keys(count: int) -> list[tuple[int, int]]:
    """``count`` even ``(start, end)`` hash-key ranges covering ``[0, 2**128 - 1]``."""
    step = HASH_KEY_LIMIT // count
    return [
        (step * i, MAX_HASH_KEY if i == count - 1 else step * (i + 1) - 1) for i in range(count)
    ]


#: The sequence index of a closed shard's EndingSequenceNumber: the largest a version-2
#: number holds (MOCK, kinesalite's AWS-validated tests read ``7fffffffffffffff`` there).
CLOSED_INDEX = (1 << 63) - 1


@dataclass(repr=False, eq=False)
class Shard:
    """One shard, open or closed; equal only to itself. ``records`` holds what the shard
    still serves: records trimmed by the retention period leave it (the stream's
    ``records`` keeps the full accept log); both are made, when read, of the rows kept
    (``rows``, see ``records.Row``). A shard made by a reshard names its parents: one for
    a split, two for a merge (``parent_shard_id`` is the lower hash-key range)."""

    shard_id: str
    index: int
    starting_hash_key: int
    ending_hash_key: int
    #: The time its sequence numbers encode (for a child, a second after its parents'
    #: latest, so that its numbers sort after theirs).
    created_at: datetime
    #: What the shard still serves, oldest first.
    rows: list[Row] = field(default_factory=list, repr=False)
    #: One above the sequence index of the last record it took: every later record of the
    #: shard carries at least this index (0 is the shard's StartingSequenceNumber, which
    #: no record carries, so AFTER_SEQUENCE_NUMBER of it still reads the first record).
    next_index: int = 1
    parent_shard_id: str | None = None
    adjacent_parent_shard_id: str | None = None
    #: When it began taking records: the stream's creation, or the reshard that made it.
    opened_at: datetime | None = None
    #: When a reshard closed it; ``None`` while it is open.
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.opened_at is None:
            self.opened_at = self.created_at

    @property
    def records(self) -> list[KinesisRecord]:
        """What the shard still serves, oldest first."""
        return views(self.rows)

    @property
    def is_open(self) -> bool:
        """Whether the shard takes new records (a reshard closes it)."""
        return self.closed_at is None

    @property
    def state(self) -> str:
        """``"open"`` or ``"closed"``."""
        return "open" if self.closed_at is None else "closed"

    @property
    def parent_shard_ids(self) -> list[str]:
        """The shards it was made from, lower hash keys first (none for an original shard)."""
        return [
            parent
            for parent in (self.parent_shard_id, self.adjacent_parent_shard_id)
            if parent is not None
        ]

    @property
    def starting_sequence_number(self) -> str:
        """The sequence number the shard's range starts at, as ListShards gives it."""
        return sequence_number(self.created_at, self.index, 0, self.created_at)

    @property
    def ending_sequence_number(self) -> str | None:
        """Set once the shard is closed (REAL: null while it is open)."""
        if self.closed_at is None:
            return None
        return sequence_number(self.created_at, self.index, CLOSED_INDEX, self.closed_at)

    def numbered(self, parts: SequenceParts) -> bool:
        """Whether the sequence number ``parts`` were read from is one of this shard's: it
        encodes the shard's index and creation second (a shard of another stream, or of a
        stream deleted under the name, has another second)."""
        return parts.shard_index == self.index and parts.shard_created == int(
            self.created_at.timestamp()
        )

    def hash_key_range(self) -> dict[str, str]:
        """The hash keys the shard covers, as ListShards gives them."""
        return {
            "StartingHashKey": str(self.starting_hash_key),
            "EndingHashKey": str(self.ending_hash_key),
        }

    def describe(self) -> dict[str, object]:
        """The shard as ListShards and DescribeStream describe it."""
        numbers = {"StartingSequenceNumber": self.starting_sequence_number}
        ending = self.ending_sequence_number
        if ending is not None:
            numbers["EndingSequenceNumber"] = ending
        parents = {}
        if self.parent_shard_id is not None:
            parents["ParentShardId"] = self.parent_shard_id
        if self.adjacent_parent_shard_id is not None:
            parents["AdjacentParentShardId"] = self.adjacent_parent_shard_id
        return {
            "ShardId": self.shard_id,
            **parents,
            "HashKeyRange": self.hash_key_range(),
            "SequenceNumberRange": numbers,
        }

    def __repr__(self) -> str:
        parents = f", parents={self.parent_shard_ids}" if self.parent_shard_ids else ""
        return (
            f"<Shard {self.shard_id} {self.state}{parents}, hash keys "
            f"{self.starting_hash_key}..{self.ending_hash_key}, {len(self.rows)} records>"
        )


def resolve_shard_id(text: str) -> tuple[str, int] | None:
    """The canonical id and index a ShardId names: ``shardId-000000000001``, ``shardId-1``
    and ``1`` all name shard 1 (kinesalite's ``resolveShardId``, AWS-validated)."""
    parts = text.split("-")
    tail = parts[1] if len(parts) > 1 and parts[1] else text
    if not (tail.isascii() and tail.isdigit()) or int(tail) > 2**31 - 1:
        return None
    return shard_id_of(int(tail)), int(tail)
