"""Writing to a Kinesis stream: PutRecord and PutRecords, how a record is routed to its
shard, checked and committed, and the per-shard write quota. A mixin of
``KinesisService``.

Choices where AWS's answer is not on record (INFERRED):

* PutRecords may carry 10 MiB of data plus partition keys: the limit since the 2025
  large-record launch (DOC); its message, ``Records size exceeds 10 MB limit``, follows the
  REAL pre-launch text ``Records size exceeds 5 MB limit``.
* A record over the stream's maximum record size (data plus partition key, DOC) fails the
  whole request with the front end's ValidationException wording (REAL for data alone),
  naming the stream's limit in bytes; a missing PartitionKey on a USER_PARTITION_KEY
  stream gets the front end's "must not be null" wording. Checks run in this order: stream
  found and writable, ValidationException, request size, ExplicitHashKey range.
* A SequenceNumberForOrdering is accepted as kinesalite's AWS-validated putRecord tests
  show (see ``ordering_accepted``); one from another shard is accepted, and so is one
  that arrived after the clock's present but no later than the latest time the clock
  showed (it was moved back since the fake issued the number). Numbers issued here
  already increase strictly per shard; a valid version-2 one of the routed shard, ahead of
  the stream's sequence counter, moves the counter past it.
* AUTO record distribution spreads records round robin over the shards; a PutRecord with
  a SequenceNumberForOrdering is refused with InvalidArgumentException (DOC), in the fake's
  words.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pytest_firehose._arns import partition_of
from pytest_firehose._clock import FakeClock, reached
from pytest_firehose._errors import ServiceError, validation_error
from pytest_firehose._payload import Payload, data_of, payload_len
from pytest_firehose._services.base import Answer
from pytest_firehose._services.codes import RECORD_ERRORS
from pytest_firehose._services.kinesis.attached import Registry
from pytest_firehose._services.kinesis.records import (
    encoded_shard_index,
    is_version_zero,
    parse_sequence_number,
    put_results,
)
from pytest_firehose._services.kinesis.shards import MAX_HASH_KEY, Shard, hash_key_of, shard_id_of
from pytest_firehose._services.kinesis.streams import KinesisStream

if TYPE_CHECKING:
    from pytest_firehose._services.kinesis.channel_state import Channel

#: Data plus partition keys one PutRecords may carry (DOC, since the 2025 launch).
MAX_REQUEST_BYTES = 10 * 1024 * 1024
#: Per-shard write quota (DOC, Kinesis developer guide "Quotas and limits").
SHARD_RECORDS_PER_SECOND = 1000
SHARD_BYTES_PER_SECOND = 1024 * 1024

# Where a sequence number of version 1 or 2 keeps its shard's creation time (epoch seconds)
# and a version-2 one its arrival time (see streams.py's layout), and the creation time
# from which AWS refuses a number as "Date too large" (kinesalite's parseSequence, whose
# putRecord tests ran against AWS).
_CREATED_SHIFT = 148
_ARRIVAL_SHIFT = 36
_MASK_36 = (1 << 36) - 1
_LATEST_CREATED = 16_025_175_000


def ordering_accepted(text: str, now: datetime) -> bool:
    """Whether PutRecord accepts ``text`` as its SequenceNumberForOrdering (kinesalite's
    AWS-validated putRecord tests): a sequence number of any version as GetShardIterator
    reads them, whose shard was created before the year 2477 and, for version 2, whose
    record arrived no later than ``now``. So version 1's all-zero number and a version-2
    one with the top bit of its shard index set are accepted; a version-2 one whose
    creation-time field is all ``f`` is refused. A version-0 number, ``"0"`` (what
    producers send before they hold a number) among them, is accepted unless its creation
    time is too large, the refusal those tests saw."""
    if encoded_shard_index(text) is None:
        return False
    if is_version_zero(text):
        return True
    value = int(text)
    if (value >> _CREATED_SHIFT) & _MASK_36 >= _LATEST_CREATED:
        return False
    version_2 = value & 0xF == 2
    return not version_2 or (value >> _ARRIVAL_SHIFT) & _MASK_36 <= int(now.timestamp())


def _no_prefix(number: int) -> str:
    return ""


class Puts:
    """PutRecord, PutRecords and what the engine asks about a put, for ``KinesisService``."""

    account_id: str
    region: str
    clock: FakeClock
    streams: dict[str, KinesisStream]
    quotas: bool
    _usage: dict[tuple[str, str], tuple[int, int, int]]
    _writable: Callable[[dict[str, Any]], KinesisStream]
    stream_name: Callable[[dict[str, Any]], str | None]
    stream_arn: Callable[[str], str]
    dry_run: Callable[[str], ServiceError]
    channels: Registry[Channel]

    # ------------------------------------------------------------------ requests

    def error_context(self, params: dict[str, Any]) -> dict[str, str]:
        """What a scripted error message about this request may name; ``shard`` is where
        PutRecord's record, or PutRecords' first record, would go."""
        return self._message_context(self.stream_name(params) or "", self._shard_for(params))

    def _message_context(self, stream: str, shard: str) -> dict[str, str]:
        """What an error message about ``shard`` of ``stream`` may name."""
        return {
            "stream": stream,
            "account": self.account_id,
            "region": self.region,
            "partition": partition_of(self.region),
            "service": "kinesis",
            "arn": self.stream_arn(stream) if stream else "",
            "shard": shard,
        }

    def _shard_for(self, params: dict[str, Any]) -> str:
        """The shard a request's (first) record would go to; ``shardId-000000000000`` when
        it names no stream of ours or no valid record."""
        fallback = shard_id_of(0)
        name = self.stream_name(params)
        stream = self.streams.get(name) if name else None
        records = params.get("Records")
        entry = records[0] if isinstance(records, list) and records else params
        if stream is None or not isinstance(entry, dict):
            return fallback
        try:
            shard = self._route(stream, entry, 0)
        except (TypeError, ValueError, AttributeError):  # not validated yet, and invalid
            return fallback
        return shard.shard_id if shard is not None else fallback

    @staticmethod
    def request_payloads(operation: str, params: dict[str, Any] | None) -> tuple[Payload, ...]:
        """The Data blobs a put carries, in request order."""
        if not params:
            return ()
        if operation == "PutRecord":
            return data_of([params])
        if operation == "PutRecords":
            records = params.get("Records")
            return data_of(records) if isinstance(records, list) else ()
        return ()

    # ------------------------------------------------------------------ puts

    def _route(self, stream: KinesisStream, entry: dict[str, Any], offset: int) -> Shard | None:
        """The shard a record goes to; ``None`` for an ExplicitHashKey out of range."""
        if stream.distribution == "AUTO":
            shards = stream.open_shards
            return shards[(stream.auto_routed + offset) % len(shards)]
        explicit = entry.get("ExplicitHashKey")
        if explicit is not None:
            hash_key = int(explicit)
            if hash_key > MAX_HASH_KEY:
                return None
        else:
            hash_key = hash_key_of(entry.get("PartitionKey") or "")
        return stream.shard_for(hash_key)

    @staticmethod
    def _routed(stream: KinesisStream, entries: list[dict[str, Any]]) -> list[Shard] | None:
        """The shards of records that are certainly valid, routed by partition key; ``None``
        when a record needs ``_prepare``'s full checks, which word the errors: one without a
        PartitionKey, with an ExplicitHashKey, or whose size (an upper bound: base64 text's
        padding is not taken off) comes near a limit."""
        learn, routes = stream.learn_route, stream.routes
        limit = stream.max_record_size_kib * 1024
        shards: list[Shard] = []
        total = 0
        for entry in entries:
            key = entry.get("PartitionKey")
            if key is None or "ExplicitHashKey" in entry:
                return None
            data = entry["Data"]
            size = (len(data) // 4 * 3 if data.__class__ is str else len(data)) + (
                len(key) if key.isascii() else len(key.encode("utf-8"))
            )
            if size > limit:
                return None
            total += size
            shards.append(routes.get(key) or learn(key))
        return shards if total <= MAX_REQUEST_BYTES else None

    def _prepare(
        self, stream: KinesisStream, entries: list[dict[str, Any]], *, batch: bool
    ) -> list[Shard]:
        """Check records as the service does, and route them (PutRecords when ``batch``).
        The routing of ``_route``, inlined: it runs once a record."""
        if stream.distribution != "AUTO":
            routed = self._routed(stream, entries)
            if routed is not None:
                return routed
        member: Callable[[int], str] = "records.{}.member.".format if batch else _no_prefix
        limit = stream.max_record_size_kib * 1024
        keyless = stream.distribution == "AUTO"
        opened, starts, first = stream.open_shards, stream.open_starts, stream.auto_routed
        md5, find = hashlib.md5, bisect.bisect_right
        errors: list[str] = []
        total = 0
        shards: list[Shard] = []
        bad_key: str | None = None
        for number, entry in enumerate(entries, 1):
            key = entry.get("PartitionKey")
            data = entry["Data"]
            encoded_key = key.encode("utf-8") if key else b""
            size = (len(data) if isinstance(data, bytes) else payload_len(data)) + len(encoded_key)
            total += size
            if size > limit:
                errors.append(
                    f"Value at '{member(number)}data' failed to satisfy constraint: Member "
                    f"must have length less than or equal to {limit}"
                )
            if key is None and not keyless:
                errors.append(
                    f"Value null at '{member(number)}partitionKey' failed to satisfy "
                    "constraint: Member must not be null"
                )
            if keyless:
                shards.append(opened[(first + number - 1) % len(opened)])
                continue
            explicit = entry.get("ExplicitHashKey")
            if explicit is None:
                hash_key = int.from_bytes(md5(encoded_key).digest(), "big")
            elif (hash_key := int(explicit)) > MAX_HASH_KEY:
                bad_key = bad_key or explicit
                continue
            shards.append(opened[find(starts, hash_key) - 1])
        if errors:
            raise validation_error(errors)
        if batch and total > MAX_REQUEST_BYTES:
            raise ServiceError("InvalidArgumentException", "Records size exceeds 10 MB limit")
        if bad_key is not None:
            raise ServiceError(
                "InvalidArgumentException",
                "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
                f"Specified value was {bad_key}",
            )
        if keyless:
            stream.auto_routed += len(entries)
        return shards

    def put_record(self, params: dict[str, Any]) -> Answer:
        stream = self._writable(params)
        entries = [params]
        (shard,) = self._prepare(stream, entries, batch=False)
        ordering = params.get("SequenceNumberForOrdering")
        now = self.clock.now()
        if ordering is not None and stream.distribution == "AUTO":
            raise ServiceError(
                "InvalidArgumentException",
                f"SequenceNumberForOrdering is not supported on stream {stream.name} under "
                f"account {self.account_id}: it uses the AUTO record distribution strategy.",
            )
        if ordering is not None and not ordering_accepted(ordering, reached(now, self.clock)):
            raise ServiceError(
                "InvalidArgumentException",
                f"ExclusiveMinimumSequenceNumber {ordering} used in PutRecord on stream "
                f"{stream.name} under account {self.account_id} is invalid.",
            )
        if params.get("DryRun"):
            raise self.dry_run(stream.name)
        if self.quotas and not self._within_quota(stream, shard, params, now):
            throttled = self._failure("ProvisionedThroughputExceededException", stream, shard)
            raise ServiceError(throttled["ErrorCode"], throttled["ErrorMessage"])
        parts = parse_sequence_number(ordering) if ordering is not None else None
        if parts is not None and shard.numbered(parts):
            shard.next_index = max(shard.next_index, parts.sequence_index + 1)
        held = stream.earliest_held
        (result,) = put_results(stream.commit(entries, [shard], now))
        answer = {"ShardId": shard.shard_id, "SequenceNumber": result["SequenceNumber"]}
        if stream.encrypted:
            answer["EncryptionType"] = stream.encryption
        return Answer(answer, (), self._due_kept(stream, held))

    def _due_kept(self, stream: KinesisStream, held: datetime | None) -> bool:
        """Whether records a put committed left the instant ``stream`` next falls due where
        it was (``Answer.due_kept``): that is when its oldest record outlives retention, or
        when a channel has work, so only a put that gave it an older oldest record
        (``held`` was the one before), or one while a channel reads, moves it."""
        return stream.earliest_held == held and not self.channels.held

    def _within_quota(
        self, stream: KinesisStream, shard: Shard, entry: dict[str, Any], now: datetime
    ) -> bool:
        """Whether the shard can take this record in the current second (always, with quotas
        off); counts it when it can. The per-shard write limits are 1,000 records and
        1 MiB (data plus partition keys) a second."""
        if not self.quotas:
            return True
        second = int(now.timestamp())
        key = (stream.name, shard.shard_id)
        start, records, size = self._usage.get(key, (second, 0, 0))
        if start != second:
            records, size = 0, 0
        size += payload_len(entry["Data"]) + len((entry.get("PartitionKey") or "").encode())
        if records + 1 > SHARD_RECORDS_PER_SECOND or size > SHARD_BYTES_PER_SECOND:
            return False
        self._usage[key] = (second, records + 1, size)
        return True

    def _failure(self, code: str, stream: KinesisStream, shard: Shard) -> dict[str, str]:
        """A failed record's result: ``code`` and its message, naming the record's shard."""
        message = RECORD_ERRORS["kinesis"][code]
        context = self._message_context(stream.name, shard.shard_id)
        return {"ErrorCode": code, "ErrorMessage": message.format(**context)}

    def put_batch(self, params: dict[str, Any], failures: Mapping[int, str]) -> Answer:
        """PutRecords: the records ``failures`` names, and those over a shard's quota,
        fail inside the answer."""
        stream = self._writable(params)
        entries = params["Records"]
        shards = self._prepare(stream, entries, batch=True)
        if params.get("DryRun"):
            raise self.dry_run(stream.name)
        now = self.clock.now()
        held = stream.earliest_held
        if not failures and not self.quotas:
            return self._all_accepted(stream, entries, shards, now, held)
        results: list[dict[str, str]] = []
        failed: list[int] = []
        accepted: list[dict[str, Any]] = []
        taken: list[Shard] = []
        for index, (entry, shard) in enumerate(zip(entries, shards, strict=True)):
            code = failures.get(index) if failures else None
            if code is None and not self._within_quota(stream, shard, entry, now):
                code = "ProvisionedThroughputExceededException"
            if code is not None:
                results.append(self._failure(code, stream, shard))
                failed.append(index)
            else:
                accepted.append(entry)
                taken.append(shard)
                results.append({})
        committed = iter(put_results(stream.commit(accepted, taken, now)))
        for result in results:
            if not result:
                result.update(next(committed))
        return self._batch_answer(stream, results, tuple(failed), held)

    def _all_accepted(
        self,
        stream: KinesisStream,
        entries: list[dict[str, Any]],
        shards: list[Shard],
        now: datetime,
        held: datetime | None,
    ) -> Answer:
        """PutRecords with no record failing (no scripted failures, quotas off)."""
        results = put_results(stream.commit(entries, shards, now))
        return self._batch_answer(stream, results, (), held)

    def _batch_answer(
        self,
        stream: KinesisStream,
        results: list[dict[str, str]],
        failed: tuple[int, ...],
        held: datetime | None,
    ) -> Answer:
        answer: dict[str, Any] = {"FailedRecordCount": len(failed), "Records": results}
        if stream.encrypted:
            answer["EncryptionType"] = stream.encryption
        return Answer(answer, failed, self._due_kept(stream, held))
