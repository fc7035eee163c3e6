"""The Kinesis Data Streams service model: streams, puts, shard iterators, retention.
Knows nothing of HTTP or pytest; AWS_SEMANTICS.md sections 8-10 are the spec.

Choices where AWS's answer is not on record (INFERRED):

* PutRecords may carry 10 MiB of data plus partition keys: the limit since the 2025
  large-record launch (DOC); its message, ``Records size exceeds 10 MB limit``, follows the
  REAL pre-launch text ``Records size exceeds 5 MB limit``.
* A record over the stream's maximum record size (data plus partition key, DOC) fails the
  whole request with the front end's ValidationException wording (REAL for data alone),
  naming the stream's limit in bytes; a missing PartitionKey on a USER_PARTITION_KEY
  stream gets the front end's "must not be null" wording. Checks run in this order: stream
  found and writable, ValidationException, request size, ExplicitHashKey range.
* SequenceNumberForOrdering must parse as a version-2 sequence number whose arrival time
  is not in the future, as in kinesalite (MOCK, AWS-validated); one from another shard is
  accepted. Numbers issued here already increase strictly per shard; a valid one ahead of
  the routed shard's counter moves the counter past it.
* Retention and encryption changes need an ACTIVE stream (model lists
  ResourceInUseException; text from the MOCK-validated Split/Merge message).
* DescribeStreamSummary always includes MaxRecordSizeInKiB.
* AUTO record distribution spreads records round robin over the shards.
* Start/StopStreamEncryption take effect at once (AWS passes through UPDATING).
* The account's limits, tags and monitoring live in ``limits.py``, ``tags.py`` and
  ``monitoring.py``, with their own facts and choices.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError, validation_error
from pytest_firehose._ids import IdSource
from pytest_firehose._payload import Payload, data_of, payload_len
from pytest_firehose._services.base import Answer, ServiceBase
from pytest_firehose._services.codes import BATCH_PUT, RECORD_ERRORS
from pytest_firehose._services.kinesis.consumers import Consumers
from pytest_firehose._services.kinesis.limits import Limits, default_shard_limit
from pytest_firehose._services.kinesis.monitoring import Monitoring
from pytest_firehose._services.kinesis.reads import ShardReads
from pytest_firehose._services.kinesis.resharding import Resharding
from pytest_firehose._services.kinesis.streams import (
    DEFAULT_MAX_RECORD_SIZE_KIB,
    MAX_HASH_KEY,
    ON_DEMAND_SHARDS,
    KinesisRecord,
    KinesisStream,
    Shard,
    decode_iterator,
    hash_key_of,
    new_stream,
    next_token,
    parse_sequence_number,
    read_token,
    sequence_number,
    shard_id_of,
)
from pytest_firehose._services.kinesis.subscriptions import Subscriptions
from pytest_firehose._services.kinesis.tags import Tagging

__all__ = ["KinesisRecord", "KinesisService", "KinesisStream", "Shard", "hash_key_of"]

#: Data plus partition keys one PutRecords may carry (DOC, since the 2025 launch).
MAX_REQUEST_BYTES = 10 * 1024 * 1024
MIN_RETENTION_HOURS = 24
MAX_RETENTION_HOURS = 8760


#: Per-shard write quota (DOC, Kinesis developer guide "Quotas and limits").
SHARD_RECORDS_PER_SECOND = 1000
SHARD_BYTES_PER_SECOND = 1024 * 1024


def _name_in_arn(arn: str) -> str | None:
    """The stream name in ``arn:aws:kinesis:REGION:ACCOUNT:stream/NAME``."""
    return arn.rpartition(":stream/")[2] or None


def _no_prefix(number: int) -> str:
    return ""


def not_modelled(operation: str) -> ServiceError:
    """The answer to an operation of the Kinesis API model that the fake does not model:
    ``UnknownOperationException``, HTTP 400 (botocore retries neither), naming it (a choice:
    docs/fidelity.md)."""
    return ServiceError(
        "UnknownOperationException",
        f"The fake Kinesis Data Streams of pytest-firehose does not model {operation} yet; "
        "docs/kinesis.md lists the operations it answers.",
    )


# --------------------------------------------------------------------------- the service


class KinesisService(
    ServiceBase, ShardReads, Resharding, Limits, Tagging, Monitoring, Consumers, Subscriptions
):
    """Amazon Kinesis Data Streams in one account and region."""

    batch_put = BATCH_PUT["kinesis"]
    resource = "Stream"
    hash_key_of = staticmethod(hash_key_of)

    def __init__(
        self,
        *,
        account_id: str,
        region: str,
        clock: FakeClock,
        ids: IdSource,
        creation_delay: timedelta = timedelta(0),
        shard_limit: int | None = None,
    ) -> None:
        super().__init__(
            account_id=account_id,
            region=region,
            clock=clock,
            ids=ids,
            creation_delay=creation_delay,
        )
        self.streams: dict[str, KinesisStream] = {}
        #: The account's shard quota in this region (DescribeLimits' ShardLimit).
        self.shard_limit = shard_limit if shard_limit is not None else default_shard_limit(region)
        #: Enforce each shard's write quota (1,000 records and 1 MiB a second) when True.
        self.quotas = False
        #: Writes per shard in the current second of the fake clock: (stream, shard id) ->
        #: (epoch second, records, bytes).
        self._usage: dict[tuple[str, str], tuple[int, int, int]] = {}
        self._iterators_issued = 0
        self._operations = {
            "CreateStream": self.create_stream,
            "DescribeStream": self.describe_stream,
            "DescribeStreamSummary": self.describe_stream_summary,
            "ListStreams": self.list_streams,
            "ListShards": self.list_shards,
            "DeleteStream": self.delete_stream,
            "AddTagsToStream": self.add_tags_to_stream,
            "RemoveTagsFromStream": self.remove_tags_from_stream,
            "ListTagsForStream": self.list_tags_for_stream,
            "IncreaseStreamRetentionPeriod": self.increase_retention,
            "DecreaseStreamRetentionPeriod": self.decrease_retention,
            "StartStreamEncryption": self.start_encryption,
            "StopStreamEncryption": self.stop_encryption,
            "PutRecord": self.put_record,
            "GetShardIterator": self.get_shard_iterator,
            "GetRecords": self.get_records,
            "SplitShard": self.split_shard,
            "MergeShards": self.merge_shards,
            "UpdateShardCount": self.update_shard_count,
            "DescribeLimits": self.describe_limits,
            "UpdateStreamMode": self.update_stream_mode,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTagsForResource": self.list_tags_for_resource,
            "EnableEnhancedMonitoring": self.enable_enhanced_monitoring,
            "DisableEnhancedMonitoring": self.disable_enhanced_monitoring,
            "UpdateMaxRecordSize": self.update_max_record_size,
            "RegisterStreamConsumer": self.register_stream_consumer,
            "DescribeStreamConsumer": self.describe_stream_consumer,
            "ListStreamConsumers": self.list_stream_consumers,
            "DeregisterStreamConsumer": self.deregister_stream_consumer,
            "SubscribeToShard": self.subscribe_to_shard,
        }

    def dispatch(
        self,
        operation: str,
        params: dict[str, Any],
        record_failures: Mapping[int, str] | None = None,
    ) -> Answer:
        """Run ``operation``; one of the API model's operations that the fake does not model
        is refused, by name (see ``not_modelled``)."""
        if operation != self.batch_put and operation not in self._operations:
            raise not_modelled(operation)
        return super().dispatch(operation, params, record_failures)

    @property
    def operations(self) -> list[str]:
        """The operations this model answers, in name order."""
        return sorted([*self._operations, self.batch_put])

    # ------------------------------------------------------------------ requests

    def stream_name(self, params: dict[str, Any]) -> str | None:
        """The stream a request names: StreamName, the name in StreamARN, or the stream a
        GetRecords iterator points into."""
        name = params.get("StreamName")
        if name:
            return str(name)
        arn = params.get("StreamARN") or params.get("ResourceARN")
        if arn:
            return _name_in_arn(str(arn))
        consumer = params.get("ConsumerARN")
        if consumer:  # .../stream/NAME/consumer/CONSUMER:SECONDS
            return _name_in_arn(str(consumer).partition("/consumer/")[0])
        iterator = params.get("ShardIterator")
        if isinstance(iterator, str):
            decoded = decode_iterator(iterator)
            return decoded.stream if decoded is not None else None
        return None

    def stream_arn(self, name: str) -> str:
        """The ARN of stream ``name`` in this account and region."""
        return f"arn:aws:kinesis:{self.region}:{self.account_id}:stream/{name}"

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
            "service": "kinesis",
            "arn": self.stream_arn(stream),
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
            return data_of(records if isinstance(records, list) else [])
        return ()

    def settle(self, names: Collection[str] | None = None) -> None:
        """Bring every stream (those ``names`` names, when given) up to the clock: CREATING
        streams whose delay passed become ACTIVE, and records past the retention period
        are trimmed."""
        now = self.clock.now()
        streams = self.streams
        chosen = streams.values() if names is None else [streams[n] for n in names if n in streams]
        for stream in chosen:
            if stream.active_at is not None and stream.active_at <= now:
                if stream.pending is not None:
                    # The reshard happens when the UPDATING period ends, not when the
                    # world next looks.
                    stream.pending(stream.active_at)
                    stream.pending = None
                    stream.open_after = None
                    stream.reroute()
                stream.status, stream.active_at = "ACTIVE", None
            stream.trim(now)

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
        fresh: list[KinesisRecord] = []
        for shard in stream.shards:
            last = after.get(shard.shard_id)
            parts = parse_sequence_number(last) if last is not None else None
            start = 0
            if parts is not None:
                start = bisect_left(
                    shard.records,
                    parts.sequence_index + 1,
                    key=lambda record: record.sequence_index,
                )
            fresh.extend(islice(shard.records, start, None))
        if len(stream.shards) > 1:
            fresh.sort(key=lambda record: record.commit_index)
        return fresh

    # ------------------------------------------------------------------ lookups

    def _find(self, params: dict[str, Any]) -> tuple[str, KinesisStream | None]:
        arn = params.get("StreamARN")
        name = params.get("StreamName") or (_name_in_arn(arn) if arn else None)
        if not name:
            raise ServiceError(
                "InvalidArgumentException", "Either StreamName or StreamARN should be provided."
            )
        stream = self.streams.get(name)
        if stream is not None and arn is not None and arn != stream.arn:
            stream = None
        return name, stream

    def _stream(self, params: dict[str, Any]) -> KinesisStream:
        name, stream = self._find(params)
        if stream is None:
            raise self._not_found(name)
        return stream

    def _active(self, params: dict[str, Any]) -> KinesisStream:
        stream = self._stream(params)
        if stream.status != "ACTIVE":
            raise ServiceError(
                "ResourceInUseException",
                f"Stream {stream.name} under account {self.account_id} not ACTIVE, instead "
                f"in state {stream.status}",
            )
        return stream

    def _writable(self, params: dict[str, Any]) -> KinesisStream:
        """Puts see a stream that is not ACTIVE or UPDATING as missing (MOCK-validated)."""
        stream = self._stream(params)
        if stream.status not in ("ACTIVE", "UPDATING"):
            raise self._not_found(stream.name)
        return stream

    # ------------------------------------------------------------------ lifecycle

    def create_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["StreamName"]
        if name in self.streams:
            raise self._already_exists(name)
        count = params.get("ShardCount")
        details = params.get("StreamModeDetails") or {}
        mode = details.get("StreamMode") or ("PROVISIONED" if count else "ON_DEMAND")
        tags = dict(params.get("Tags") or {})
        self.check_new_tags(name, {}, tags)
        if mode == "ON_DEMAND":
            self.check_on_demand_room()
        # Before a single shard is made: no ShardCount may make the fake allocate
        # past the account's quota.
        self.check_shard_room(count or ON_DEMAND_SHARDS)
        stream = new_stream(
            name,
            self.stream_arn(name),
            shard_count=count or ON_DEMAND_SHARDS,
            mode=mode,
            created_at=self.clock.now(),
            creation_delay=self.creation_delay,
        )
        stream.tags = tags
        stream.max_record_size_kib = params.get("MaxRecordSizeInKiB", DEFAULT_MAX_RECORD_SIZE_KIB)
        stream.distribution = params.get("RecordDistributionStrategy", "USER_PARTITION_KEY")
        self.streams[name] = stream
        return {}

    def _encryption(self, stream: KinesisStream) -> dict[str, Any]:
        found: dict[str, Any] = {"EncryptionType": stream.encryption}
        if stream.key_id is not None:
            found["KeyId"] = stream.key_id
        return found

    def _common(self, stream: KinesisStream) -> dict[str, Any]:
        return {
            "StreamName": stream.name,
            "StreamARN": stream.arn,
            "StreamStatus": stream.status,
            "StreamModeDetails": {"StreamMode": stream.mode},
            "RetentionPeriodHours": stream.retention_hours,
            "StreamCreationTimestamp": stream.created_at,
            "EnhancedMonitoring": [{"ShardLevelMetrics": list(stream.shard_level_metrics)}],
            **self._encryption(stream),
        }

    def describe_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        after = params.get("ExclusiveStartShardId")
        listed = stream.listed(self.clock.now())
        shards = [s for s in listed if after is None or s.shard_id > after]
        limit = params.get("Limit", 100)
        return {
            "StreamDescription": {
                **self._common(stream),
                "Shards": [shard.describe() for shard in shards[:limit]],
                "HasMoreShards": len(shards) > limit,
            }
        }

    def describe_stream_summary(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        return {
            "StreamDescriptionSummary": {
                **self._common(stream),
                "OpenShardCount": len([s for s in stream.listed(self.clock.now()) if s.is_open]),
                "ConsumerCount": len(self.consumers_of(stream)),
                "MaxRecordSizeInKiB": stream.max_record_size_kib,
            }
        }

    def list_streams(self, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("Limit", 100)
        token = params.get("NextToken")
        after = read_token(token, 1)[0] if token else params.get("ExclusiveStartStreamName")
        names = sorted(name for name in self.streams if after is None or name > after)
        shown = names[:limit]
        answer: dict[str, Any] = {
            "StreamNames": shown,
            "HasMoreStreams": len(names) > limit,
            "StreamSummaries": [
                {
                    "StreamName": name,
                    "StreamARN": self.streams[name].arn,
                    "StreamStatus": self.streams[name].status,
                    "StreamModeDetails": {"StreamMode": self.streams[name].mode},
                    "StreamCreationTimestamp": self.streams[name].created_at,
                }
                for name in shown
            ],
        }
        if len(names) > limit:
            answer["NextToken"] = next_token(shown[-1])
        return answer

    def delete_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        self.check_no_consumers(stream, bool(params.get("EnforceConsumerDeletion")))
        del self.streams[stream.name]
        return {}

    # ------------------------------------------------------------------ retention, encryption

    def _retention(self, params: dict[str, Any]) -> tuple[KinesisStream, int]:
        stream = self._active(params)
        hours = params["RetentionPeriodHours"]
        if hours < MIN_RETENTION_HOURS:
            raise ServiceError(
                "InvalidArgumentException",
                f"Minimum allowed retention period is {MIN_RETENTION_HOURS} hours. Requested "
                f"retention period ({hours} hours) is too short.",
            )
        if hours > MAX_RETENTION_HOURS:
            raise ServiceError(
                "InvalidArgumentException",
                f"Maximum allowed retention period is {MAX_RETENTION_HOURS} hours. Requested "
                f"retention period ({hours} hours) is too long.",
            )
        # What expired under the old period stays gone (DOC).
        stream.trim(self.clock.now())
        return stream, hours

    def _not_allowed(self, stream: KinesisStream, hours: int, longer: bool) -> ServiceError:
        than, api = ("longer", "Increase") if longer else ("shorter", "Decrease")
        return ServiceError(
            "InvalidArgumentException",
            f"Requested retention period ({hours} hours) for stream {stream.name} can not be "
            f"{than} than existing retention period ({stream.retention_hours} hours). "
            f"Use {api}RetentionPeriod API.",
        )

    def increase_retention(self, params: dict[str, Any]) -> dict[str, Any]:
        stream, hours = self._retention(params)
        if hours < stream.retention_hours:
            raise self._not_allowed(stream, hours, longer=False)
        stream.retention_hours = hours
        return {}

    def decrease_retention(self, params: dict[str, Any]) -> dict[str, Any]:
        stream, hours = self._retention(params)
        if hours > stream.retention_hours:
            raise self._not_allowed(stream, hours, longer=True)
        stream.retention_hours = hours
        stream.trim(self.clock.now())  # "almost immediately" (DOC)
        return {}

    def start_encryption(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._active(params)
        stream.encryption, stream.key_id = params["EncryptionType"], params["KeyId"]
        return {}

    def stop_encryption(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._active(params)
        stream.encryption, stream.key_id = "NONE", None
        return {}

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

    def _prepare(
        self, stream: KinesisStream, entries: list[dict[str, Any]], *, batch: bool
    ) -> list[Shard]:
        """Check records as the service does, and route them (PutRecords when ``batch``)."""
        member: Callable[[int], str] = "records.{}.member.".format if batch else _no_prefix
        limit = stream.max_record_size_kib * 1024
        keyless = stream.distribution == "AUTO"
        errors: list[str] = []
        total = 0
        shards: list[Shard] = []
        bad_key: str | None = None
        for number, entry in enumerate(entries, 1):
            key = entry.get("PartitionKey")
            size = payload_len(entry["Data"]) + (len(key.encode("utf-8")) if key else 0)
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
            shard = self._route(stream, entry, number - 1)
            if shard is None:
                bad_key = bad_key or entry["ExplicitHashKey"]
            else:
                shards.append(shard)
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

    def _commit(
        self, stream: KinesisStream, entry: dict[str, Any], shard: Shard, now: datetime
    ) -> KinesisRecord:
        index = shard.next_index
        shard.next_index = index + 1
        record = KinesisRecord(
            entry["Data"],
            entry.get("PartitionKey"),
            sequence_number(shard.created_at, shard.index, index, now),
            shard.shard_id,
            now,
            entry.get("ExplicitHashKey"),
            sequence_index=index,
            commit_index=len(stream.records),
            encryption=stream.encryption,
        )
        stream.add(record, shard)
        return record

    def put_record(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._writable(params)
        (shard,) = self._prepare(stream, [params], batch=False)
        ordering = params.get("SequenceNumberForOrdering")
        now = self.clock.now()
        parts = None
        if ordering is not None:
            parts = parse_sequence_number(ordering)
            if parts is None or parts.arrived > int(now.timestamp()):
                raise ServiceError(
                    "InvalidArgumentException",
                    f"ExclusiveMinimumSequenceNumber {ordering} used in PutRecord on stream "
                    f"{stream.name} under account {self.account_id} is invalid.",
                )
        if not self._within_quota(stream, shard, params, now):
            throttled = self._failure("ProvisionedThroughputExceededException", stream, shard)
            raise ServiceError(throttled["ErrorCode"], throttled["ErrorMessage"])
        if parts is not None and parts.shard_index == shard.index:
            shard.next_index = max(shard.next_index, parts.sequence_index + 1)
        record = self._commit(stream, params, shard, now)
        answer = {"ShardId": shard.shard_id, "SequenceNumber": record.sequence_number}
        if stream.encrypted:
            answer["EncryptionType"] = stream.encryption
        return answer

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
        now = self.clock.now()
        results: list[dict[str, str]] = []
        failed: list[int] = []
        for index, (entry, shard) in enumerate(zip(entries, shards, strict=True)):
            code = failures.get(index) if failures else None
            if code is None and not self._within_quota(stream, shard, entry, now):
                code = "ProvisionedThroughputExceededException"
            if code is not None:
                results.append(self._failure(code, stream, shard))
                failed.append(index)
            else:
                record = self._commit(stream, entry, shard, now)
                results.append(
                    {"SequenceNumber": record.sequence_number, "ShardId": shard.shard_id}
                )
        answer: dict[str, Any] = {"FailedRecordCount": len(failed), "Records": results}
        if stream.encrypted:
            answer["EncryptionType"] = stream.encryption
        return Answer(answer, tuple(failed))
