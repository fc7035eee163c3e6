"""Resharding a Kinesis stream on the fake clock (SplitShard, MergeShards,
UpdateShardCount). A mixin of ``KinesisService``; ``listing.py`` lists the shards a reshard
leaves.

Facts used here:

* A reshard leaves the stream UPDATING; the shards change when it ends, and until then
  new records go to the old shards; a second reshard meanwhile is refused with
  ``ResourceInUseException`` ``Stream S under account A not ACTIVE, instead in state
  UPDATING`` (MOCK: kinesalite's splitShard/mergeShards tests, run against AWS).
* A parent closes: its ``EndingSequenceNumber`` is set; a split's two children name it in
  ``ParentShardId``, a merge's child names the lower shard there and the other in
  ``AdjacentParentShardId``; children take the next shard indices, and their sequence
  numbers start one second after the parents closed (MOCK, same tests).
* A stream that is not ACTIVE is refused before its shards are looked at: while it is
  CREATING it has none, and SplitShard and MergeShards of ``shardId-0`` answer
  ``ResourceInUseException`` ``... not ACTIVE, instead in state CREATING`` (MOCK:
  kinesalite's createStream test "should create a basic 3-shard stream", run against AWS;
  its own mergeShards checks the status first too).
* The refusals' wording: a NewStartingHashKey not both greater than one plus the shard's
  StartingHashKey and less than its EndingHashKey, shards that are not an adjacent pair
  (ShardToMerge must be the lower one), UpdateShardCount past double or below half the
  open shards (MOCK, kinesalite's AWS-validated tests); a closed shard "has already been
  merged or split" (REAL: moto's test_split_shard_that_was_split_before, one of the tests
  getmoto/moto#4540 says were validated against AWS).

* UpdateShardCount's default limits: at most ten scalings per rolling 24 hours per
  stream, no more than 10,000 shards in a stream, and a stream of more than 10,000 shards
  only scaled down below 10,000 (API reference, UpdateShardCount, read 2026).

Choices (INFERRED; docs/kinesis.md lists them): the UPDATING period lasts the world's
``update_delay`` (by default its ``creation_delay``, none by default: the reshard happens
at once and the stream stays ACTIVE); the three limits above answer
``LimitExceededException`` worded like the double/half refusals, and every accepted
UpdateShardCount counts toward the ten; UpdateShardCount reaches its even target ranges
one at a time from the lowest, splitting the open shard that crosses a range's upper bound
and merging the range's pieces before the next range is begun, so the stream keeps the
intermediate shards it made (closed at once, empty). That order is what AWS's 4 -> 3 left
(REAL: risingwavelabs/risingwave#9961, shards 6, 9 and 10 open of 11); other scalings'
order is not on record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.shards import (
    Shard,
    resolve_shard_id,
    shard_id_of,
    split_hash_keys,
)
from pytest_firehose._services.kinesis.streams import KinesisStream, not_active

_SECOND = timedelta(seconds=1)
_DAY = timedelta(hours=24)
#: UpdateShardCount's default limits per stream (DOC): scalings in any 24 hours, shards.
SCALINGS_PER_DAY = 10
MAX_STREAM_SHARDS = 10_000


# --------------------------------------------------------------------------- state changes


def _born_after(parents: list[Shard], at: datetime) -> datetime:
    """When a child's sequence numbers say it was made: a second after the reshard (REAL
    per kinesalite), and after each parent's own time, so its numbers sort after theirs."""
    return max(at, *(parent.created_at for parent in parents)) + _SECOND


def _child(
    stream: KinesisStream, start: int, end: int, parents: list[Shard], at: datetime
) -> Shard:
    index = len(stream.shards)
    shard = Shard(
        shard_id_of(index),
        index,
        start,
        end,
        _born_after(parents, at),
        parent_shard_id=parents[0].shard_id,
        adjacent_parent_shard_id=parents[1].shard_id if len(parents) > 1 else None,
        opened_at=at,
    )
    stream.shards.append(shard)
    return shard


def split(stream: KinesisStream, shard: Shard, key: int, at: datetime) -> tuple[Shard, Shard]:
    """Close ``shard`` at ``at``; its children hold the hash keys below ``key`` and from
    ``key`` on. The caller reroutes."""
    shard.closed_at = at
    low = _child(stream, shard.starting_hash_key, key - 1, [shard], at)
    high = _child(stream, key, shard.ending_hash_key, [shard], at)
    return low, high


def merge(stream: KinesisStream, lower: Shard, upper: Shard, at: datetime) -> Shard:
    """Close two adjacent shards at ``at``; their child holds both ranges. The caller
    reroutes."""
    lower.closed_at = upper.closed_at = at
    return _child(stream, lower.starting_hash_key, upper.ending_hash_key, [lower, upper], at)


def rescale(stream: KinesisStream, target: int, at: datetime) -> None:
    """UNIFORM_SCALING to ``target`` even ranges, one range at a time from the lowest: the
    open shard that crosses the range's upper bound is split there, then the range's pieces
    are merged, lowest first, before the next range is begun (4 -> 3: 1 splits into 4 and
    5, 0 and 4 merge into 6, 2 into 7 and 8, 5 and 7 into 9, 8 and 3 into 10)."""
    shards = iter(list(stream.open_shards))
    carried: Shard | None = None
    for _, end in split_hash_keys(target):
        merged: Shard | None = None
        while merged is None or merged.ending_hash_key < end:
            piece = carried if carried is not None else next(shards)
            carried = None
            if piece.ending_hash_key > end:
                piece, carried = split(stream, piece, end + 1, at)
            merged = piece if merged is None else merge(stream, merged, piece, at)
    stream.reroute()


# --------------------------------------------------------------------------- the operations


class Resharding:
    """SplitShard, MergeShards and UpdateShardCount, for ``KinesisService``."""

    account_id: str
    clock: FakeClock
    update_delay: timedelta
    _stream: Callable[[dict[str, Any]], KinesisStream]
    _find: Callable[[dict[str, Any]], tuple[str, KinesisStream | None]]
    check_shard_room: Callable[[int], None]

    # ------------------------------------------------------------------ helpers

    def _resolved(self, params: dict[str, Any], *members: str) -> list[tuple[str, int]]:
        """The shards ``members`` name; an id that names no shard at all is refused before
        the stream is looked up (MOCK, kinesalite's AWS-validated tests)."""
        found = []
        for member in members:
            resolved = resolve_shard_id(params[member])
            if resolved is None:
                raise self._missing_shard(params[member], self._find(params)[0])
            found.append(resolved)
        return found

    def _missing_shard(self, shard_id: str, stream_name: str) -> ServiceError:
        return ServiceError(
            "ResourceNotFoundException",
            f"Could not find shard {shard_id} in stream {stream_name} under account "
            f"{self.account_id}.",
        )

    def _shard_of(self, stream: KinesisStream, resolved: tuple[str, int]) -> Shard:
        shard_id, index = resolved
        shard = stream.shard_at(index, self.clock.now())
        if shard is None:
            raise self._missing_shard(shard_id, stream.name)
        return shard

    def _still_open(self, stream: KinesisStream, shard: Shard) -> None:
        if not shard.is_open:
            raise ServiceError(
                "InvalidArgumentException",
                f"Shard {shard.shard_id} in stream {stream.name} under account "
                f"{self.account_id} has already been merged or split, and thus is not "
                "eligible for merging or splitting.",
            )

    def _provisioned(self, stream: KinesisStream, operation: str) -> None:
        """On-demand streams scale themselves (DOC); the refusal's text is INFERRED."""
        if stream.mode == "ON_DEMAND":
            raise ServiceError(
                "ValidationException",
                f"{operation} is not supported for stream {stream.name} under account "
                f"{self.account_id} in ON_DEMAND capacity mode.",
            )

    def _updatable(self, stream: KinesisStream) -> None:
        if stream.status != "ACTIVE":
            raise not_active(stream.name, self.account_id, stream.status)

    def _reshard(
        self, stream: KinesisStream, change: Callable[[datetime], None], open_after: int
    ) -> None:
        """Carry out ``change`` now, or keep the stream UPDATING for ``update_delay`` of
        fake time and carry it out then (``settle`` does). ``open_after`` is how many shards
        are open afterwards: the shard quota counts them meanwhile."""
        now = self.clock.now()
        if not self.update_delay:
            change(now)
            stream.reroute()
            return
        stream.status = "UPDATING"
        stream.active_at = now + self.update_delay
        stream.pending = change
        stream.expect_open(open_after)

    # ------------------------------------------------------------------ operations

    def split_shard(self, params: dict[str, Any]) -> dict[str, Any]:
        (resolved,) = self._resolved(params, "ShardToSplit")
        stream = self._stream(params)
        self._provisioned(stream, "SplitShard")
        self._updatable(stream)
        shard = self._shard_of(stream, resolved)
        key = int(params["NewStartingHashKey"])
        if not shard.starting_hash_key + 1 < key < shard.ending_hash_key:
            raise ServiceError(
                "InvalidArgumentException",
                f"NewStartingHashKey {params['NewStartingHashKey']} used in SplitShard() on "
                f"shard {shard.shard_id} in stream {stream.name} under account "
                f"{self.account_id} is not both greater than one plus the shard's "
                f"StartingHashKey {shard.starting_hash_key} and less than the shard's "
                f"EndingHashKey {shard.ending_hash_key}.",
            )
        self._still_open(stream, shard)
        self.check_shard_room(1)

        def change(at: datetime) -> None:
            split(stream, shard, key, at)

        self._reshard(stream, change, len(stream.open_shards) + 1)
        return {}

    def merge_shards(self, params: dict[str, Any]) -> dict[str, Any]:
        first, second = self._resolved(params, "ShardToMerge", "AdjacentShardToMerge")
        stream = self._stream(params)
        self._provisioned(stream, "MergeShards")
        self._updatable(stream)
        lower, upper = self._shard_of(stream, first), self._shard_of(stream, second)
        self._still_open(stream, lower)
        self._still_open(stream, upper)
        if lower.ending_hash_key + 1 != upper.starting_hash_key:
            raise ServiceError(
                "InvalidArgumentException",
                f"Shards {lower.shard_id} and {upper.shard_id} in stream {stream.name} under "
                f"account {self.account_id} are not an adjacent pair of shards eligible for "
                "merging",
            )

        def change(at: datetime) -> None:
            merge(stream, lower, upper, at)

        self._reshard(stream, change, len(stream.open_shards) - 1)
        return {}

    def update_shard_count(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        self._provisioned(stream, "UpdateShardCount")
        self._updatable(stream)
        target = params["TargetShardCount"]
        current = len(stream.open_shards)
        counts = f"Current open shard count: {current}, Target shard count: {target}"
        if target > current * 2:
            raise ServiceError(
                "LimitExceededException",
                f"UpdateShardCount cannot scale up over double your current open shard "
                f"count. {counts}",
            )
        if target * 2 < current:
            raise ServiceError(
                "LimitExceededException",
                f"UpdateShardCount cannot scale down below half your current open shard "
                f"count. {counts}",
            )

        self._within_scaling_limits(stream, current, target)
        self.check_shard_room(target - current)
        stream.scalings.append(self.clock.now())

        def change(at: datetime) -> None:
            rescale(stream, target, at)

        self._reshard(stream, change, target)
        return {
            "StreamName": stream.name,
            "StreamARN": stream.arn,
            "CurrentShardCount": current,
            "TargetShardCount": target,
        }

    def _within_scaling_limits(self, stream: KinesisStream, current: int, target: int) -> None:
        """UpdateShardCount's per-stream limits (DOC): 10,000 shards, ten scalings in any
        24 hours. The wording is INFERRED from the double/half refusals."""
        counts = f"Current open shard count: {current}, Target shard count: {target}"
        if target > MAX_STREAM_SHARDS and target > current:
            raise ServiceError(
                "LimitExceededException",
                f"UpdateShardCount cannot scale up over {MAX_STREAM_SHARDS} shards in a "
                f"stream. {counts}",
            )
        if current > MAX_STREAM_SHARDS and target >= MAX_STREAM_SHARDS:
            raise ServiceError(
                "LimitExceededException",
                f"UpdateShardCount cannot scale down a stream of more than "
                f"{MAX_STREAM_SHARDS} shards unless the result is less than "
                f"{MAX_STREAM_SHARDS} shards. {counts}",
            )
        since = self.clock.now() - _DAY
        stream.scalings = [moment for moment in stream.scalings if moment > since]
        if len(stream.scalings) >= SCALINGS_PER_DAY:
            raise ServiceError(
                "LimitExceededException",
                f"UpdateShardCount cannot scale stream {stream.name} under account "
                f"{self.account_id} more than {SCALINGS_PER_DAY} times in a rolling 24-hour "
                "period.",
            )
