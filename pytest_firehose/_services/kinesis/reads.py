"""Reading a Kinesis stream: shard iterators and GetRecords, with retention and iterator
expiry on the fake clock (AWS_SEMANTICS.md section 10). A mixin of ``KinesisService``."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pytest_firehose._clock import FakeClock, epoch_millis, reached
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.iterators import (
    ShardIterator,
    decode_iterator,
    encode_iterator,
    java_date,
)
from pytest_firehose._services.kinesis.records import (
    KinesisRecord,
    Row,
    arrived_at_of,
    commit_index_of,
    encoded_shard_index,
    is_version_zero,
    parse_sequence_number,
    sequence_index_of,
    shown,
    views,
    within_bytes,
)
from pytest_firehose._services.kinesis.shards import Shard, resolve_shard_id, shard_id_of
from pytest_firehose._services.kinesis.streams import KinesisStream

#: Data one GetRecords returns at most (DOC).
MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024
#: A shard iterator lives 5 minutes (DOC; "tolerated delay of 300000 milliseconds").
ITERATOR_LIFETIME_MS = 300_000
_MS = timedelta(milliseconds=1)
_ITERATOR_TYPES_MESSAGE = (
    "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
    "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
    "Request specified {kind} and {which} StartingSequenceNumber."
)


class ShardReads:
    """GetShardIterator and GetRecords, for ``KinesisService``."""

    account_id: str
    clock: FakeClock
    streams: dict[str, KinesisStream]
    _iterators_issued: int
    _find: Callable[[dict[str, Any]], tuple[str, KinesisStream | None]]
    check_iterator_rate: Callable[[str, str], None]
    check_read_rate: Callable[[str, str], None]
    dry_run: Callable[[str], ServiceError]
    charge_read: Callable[[str, str, list[Row]], None]

    def read_from(self, stream_name: str, after: dict[str, str] | None) -> list[KinesisRecord]:
        """Records of ``stream_name`` added after ``after`` (shard id -> last sequence number
        read; a shard not named is read from its oldest record), in commit order. An
        unknown stream has nothing to read. It does not trim: a reader that polls (as
        Firehose does, every second) sees a record before retention takes it, so the world
        lets readers read before it settles Kinesis."""
        stream = self.streams.get(stream_name)
        if stream is None:
            return []
        after = after or {}
        fresh: list[Row] = []
        for shard in stream.shards:
            last = after.get(shard.shard_id)
            parts = parse_sequence_number(last) if last is not None else None
            start = 0
            if parts is not None:
                start = bisect_left(shard.rows, parts.sequence_index + 1, key=sequence_index_of)
            fresh.extend(shard.rows[start:] if start else shard.rows)
        if len(stream.shards) > 1:
            fresh.sort(key=commit_index_of)
        return views(fresh)

    def read_context(self, params: dict[str, Any]) -> dict[str, str]:
        """What a scripted error about a read may name beyond the stream: the shard its
        ShardIterator or ShardId names (when it names one), and for
        ExpiredIteratorException the iterator's creation as the age limit would have it
        (just over 5 minutes ago: the scripted fault says the iterator is too old) and now,
        in Java's date format, as AWS writes them."""
        now_ms = epoch_millis(self.clock.now())
        context = {
            "iterator_created": java_date(now_ms - ITERATOR_LIFETIME_MS - 1),
            "now": java_date(now_ms),
        }
        iterator = params.get("ShardIterator")
        decoded = decode_iterator(iterator) if isinstance(iterator, str) else None
        if decoded is not None:
            context["shard"] = shard_id_of(decoded.shard_index)
        shard_id = params.get("ShardId")
        resolved = resolve_shard_id(shard_id) if isinstance(shard_id, str) else None
        if resolved is not None:
            context["shard"] = resolved[0]
        return context

    def _iterator(self, iterator: ShardIterator) -> str:
        self._iterators_issued += 1
        return encode_iterator(iterator, self._iterators_issued)

    def _no_shard(self, shard_id: str, stream_name: str) -> ServiceError:
        return ServiceError(
            "ResourceNotFoundException",
            f"Shard {shard_id} in stream {stream_name} under account {self.account_id} "
            "does not exist",
        )

    def get_shard_iterator(self, params: dict[str, Any]) -> dict[str, Any]:
        resolved = resolve_shard_id(params["ShardId"])
        name, stream = self._find(params)
        if resolved is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Could not find shard {params['ShardId']} in stream {name} under account "
                f"{self.account_id}.",
            )
        shard_id, shard_index = resolved
        now = self.clock.now()
        shard = stream.shard_at(shard_index, now) if stream is not None else None
        if stream is None or shard is None:
            raise self._no_shard(shard_id, name)
        dry = params.get("DryRun")
        if not dry:
            self.check_iterator_rate(stream.name, shard.shard_id)
        position = self._starting_index(
            params["ShardIteratorType"],
            params.get("StartingSequenceNumber"),
            params.get("Timestamp"),
            stream,
            shard,
        )
        if dry:
            raise self.dry_run(stream.name)
        created = epoch_millis(now)
        iterator = ShardIterator(created, stream.name, stream.incarnation, shard_index, position)
        return {"ShardIterator": self._iterator(iterator)}

    def _starting_index(
        self,
        kind: str,
        starting: str | None,
        timestamp: datetime | None,
        stream: KinesisStream,
        shard: Shard,
    ) -> int:
        """The sequence index a starting position points at, checked: GetShardIterator's
        iterator type, sequence number and timestamp, and SubscribeToShard's
        ``StartingPosition``, which names the same three."""
        now = self.clock.now()
        stream.trim(now)
        if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            if starting is None:
                message = _ITERATOR_TYPES_MESSAGE.format(kind=kind, which="no")
                raise ServiceError("InvalidArgumentException", message)
            position = self._position_of(starting, stream, shard)
            return position + 1 if kind == "AFTER_SEQUENCE_NUMBER" else position
        if starting is not None and kind in ("TRIM_HORIZON", "LATEST"):
            message = _ITERATOR_TYPES_MESSAGE.format(kind=kind, which="also a")
            raise ServiceError("InvalidArgumentException", message)
        if kind == "TRIM_HORIZON":
            return 0
        if kind == "LATEST":
            return shard.next_index
        return self._position_at(timestamp, stream, shard, now)  # AT_TIMESTAMP

    def _position_of(self, starting: str, stream: KinesisStream, shard: Shard) -> int:
        where = (
            f"used in GetShardIterator on shard {shard.shard_id} in stream {stream.name} "
            f"under account {self.account_id} is invalid"
        )
        encoded = encoded_shard_index(starting)
        if encoded is None:
            raise ServiceError(
                "InvalidArgumentException", f"StartingSequenceNumber {starting} {where}."
            )
        # The shard is checked before anything else the number encodes, in every layout:
        # AWS names the shard of a bare "5" (REAL, kinesalite's AWS-validated tests).
        if encoded != shard.index:
            raise ServiceError(
                "InvalidArgumentException",
                f"Invalid StartingSequenceNumber. It encodes {shard_id_of(encoded)}, "
                f"while it was used in a call to a shard with {shard.shard_id}",
            )
        if is_version_zero(starting):
            raise ServiceError("InternalFailure", None, 500)
        parts = parse_sequence_number(starting)
        if parts is None or not shard.numbered(parts):
            raise ServiceError(
                "InvalidArgumentException",
                f"StartingSequenceNumber {starting} {where} because it did not come from this "
                "stream.",
            )
        return parts.sequence_index

    def _position_at(
        self, timestamp: datetime | None, stream: KinesisStream, shard: Shard, now: datetime
    ) -> int:
        """The first record of the shard stamped at or after ``timestamp``. Out of arrival
        order (frozen time moved back), the first in the shard's order: none stamped since
        is passed over."""
        if timestamp is None:
            raise ServiceError(
                "InvalidArgumentException",
                "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
                "Current request has no timestamp parameter.",
            )
        if timestamp > reached(now, self.clock):  # the clock may have been moved back
            raise ServiceError(
                "InvalidArgumentException",
                "The timestampInMillis parameter cannot be greater than the "
                f"currentTimestampInMillis. timestampInMillis: {epoch_millis(timestamp)}, "
                f"currentTimestampInMillis: {epoch_millis(now)}",
            )
        held = shard.rows
        if stream.in_arrival_order:
            at = bisect_left(held, timestamp, key=arrived_at_of)
        else:
            at = next(
                (i for i, row in enumerate(held) if arrived_at_of(row) >= timestamp), len(held)
            )
        return sequence_index_of(held[at]) if at < len(held) else shard.next_index

    def get_records(self, params: dict[str, Any]) -> dict[str, Any]:
        iterator = decode_iterator(params["ShardIterator"])
        if iterator is None:
            raise ServiceError("InvalidArgumentException", "Invalid ShardIterator.")
        now = self.clock.now()
        now_ms = epoch_millis(now)
        if now_ms - iterator.created_ms > ITERATOR_LIFETIME_MS:
            raise ServiceError(
                "ExpiredIteratorException",
                f"Iterator expired. The iterator was created at time "
                f"{java_date(iterator.created_ms)} while right now it is {java_date(now_ms)} "
                f"which is further in the future than the tolerated delay of "
                f"{ITERATOR_LIFETIME_MS} milliseconds.",
            )
        stream = self.streams.get(iterator.stream)
        shard = None
        if stream is not None and stream.incarnation == iterator.incarnation:
            shard = stream.shard_at(iterator.shard_index, now)
        if stream is None or shard is None:
            raise self._no_shard(shard_id_of(iterator.shard_index), iterator.stream)
        named = params.get("StreamARN")
        if named is not None and named != stream.arn:
            # The iterator names its stream; a StreamARN of another is refused rather than
            # ignored (INFERRED: AWS's answer is not on record; the text is the fake's).
            raise ServiceError(
                "InvalidArgumentException",
                f"StreamARN {named} does not name the stream of the ShardIterator, {stream.arn}.",
            )
        if params.get("DryRun"):
            raise self.dry_run(stream.name)
        self.check_read_rate(stream.name, shard.shard_id)
        stream.trim(now)
        held = shard.rows
        start = bisect_left(held, iterator.position, key=sequence_index_of)
        chosen = within_bytes(
            held[start : start + params.get("Limit", 10000)], MAX_GET_RECORDS_BYTES
        )
        self.charge_read(stream.name, shard.shard_id, chosen)
        position, behind = iterator.position, 0
        if chosen:
            position = sequence_index_of(chosen[-1]) + 1
            behind = max(0, (arrived_at_of(held[-1]) - arrived_at_of(chosen[-1])) // _MS)
        answer: dict[str, Any] = {"Records": shown(chosen), "MillisBehindLatest": behind}
        if not shard.is_open and start + len(chosen) == len(held):
            # The end of a closed shard: no NextShardIterator, and the children to go on
            # with (DOC: GetRecords' NextShardIterator and ChildShards), in the answer that
            # hands out the shard's last records.
            answer["ChildShards"] = [
                {
                    "ShardId": child.shard_id,
                    "ParentShards": child.parent_shard_ids,
                    "HashKeyRange": child.hash_key_range(),
                }
                for child in stream.children_of(shard)
            ]
            return answer
        answer["NextShardIterator"] = self._iterator(
            iterator._replace(created_ms=now_ms, position=position)
        )
        return answer
