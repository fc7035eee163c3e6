"""A Kinesis stream's life: finding the stream a request names, CreateStream, the
descriptions (DescribeStream, DescribeStreamSummary, ListStreams), DeleteStream, and the
status changes that fall due on the fake clock. A mixin of ``KinesisService``.

Choices where AWS's answer is not on record (INFERRED; docs/kinesis.md lists them):

* DescribeStreamSummary always includes MaxRecordSizeInKiB.
* DeleteStream of a CREATING stream leaves it DELETING until its creation would have
  ended; it is gone from then on (see ``delete_stream``). Another stream is DELETING for
  the creation delay; meanwhile it is shown with no shards and puts and reads find it
  missing, as a stream deleted while CREATING.
* A ListStreams NextToken expires after 300 seconds, as ListShards' does (the API model
  lists ExpiredNextTokenException for ListStreams without saying when).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._arns import resource_arn
from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.attached import Registry
from pytest_firehose._services.kinesis.iterators import (
    decode_iterator,
)
from pytest_firehose._services.kinesis.limits import auto_needs_on_demand
from pytest_firehose._services.kinesis.streams import (
    DEFAULT_MAX_RECORD_SIZE_KIB,
    ON_DEMAND_SHARDS,
    KinesisStream,
    ShardTally,
    incarnation_of,
    new_stream,
    not_active,
)
from pytest_firehose._services.kinesis.tokens import (
    check_fresh,
    invalid_token,
    next_token,
    read_token,
)

if TYPE_CHECKING:
    from pytest_firehose._services.kinesis.channel_state import Channel
    from pytest_firehose._services.kinesis.queue_records import Queue

#: The fake clock's resolution: the first instant after another.
_TICK = timedelta(microseconds=1)
#: The most shards one DescribeStream answers and streams one ListStreams answers, and
#: their defaults: a larger ``Limit`` still gets at most this many (DOC, the API
#: reference's ``Limit`` of each).
DESCRIBE_PAGE = 100
LIST_STREAMS_PAGE = 100
#: What a ListStreams NextToken carries last, so that no other listing's token (ListShards,
#: ListStreamConsumers, ListQueues) reads as one.
_LIST_STREAMS = "ListStreams"


def name_in_arn(arn: str) -> str | None:
    """The stream name in ``arn:aws:kinesis:REGION:ACCOUNT:stream/NAME``."""
    return arn.rpartition(":stream/")[2] or None


class Lifecycle:
    """Stream lookups, creation, descriptions and deletion, for ``KinesisService``."""

    account_id: str
    region: str
    clock: FakeClock
    creation_delay: timedelta
    streams: dict[str, KinesisStream]
    shard_tally: ShardTally
    #: Streams created so far (each one's serial makes its ``incarnation``).
    _streams_created: int
    #: By name, the latest second the shards of a deleted stream of that name encode in
    #: their sequence numbers (``new_stream`` numbers a namesake's after it).
    _numbered_until: dict[str, datetime]
    #: The second the shards of the last stream created encode (``_numbered_after``).
    _numbered_latest: datetime | None
    _not_found: Callable[[str], ServiceError]
    _already_exists: Callable[[str], ServiceError]
    check_new_tags: Callable[[str, dict[str, str], dict[str, str], str], None]
    check_on_demand_room: Callable[[], None]
    check_shard_room: Callable[[int], None]
    warm_throughput_of: Callable[[KinesisStream], dict[str, int] | None]
    check_warm_throughput: Callable[[str, str, int], None]
    consumers_of: Callable[[KinesisStream], list[Any]]
    check_no_consumers: Callable[[KinesisStream, bool], None]
    deregister_all: Callable[[KinesisStream, datetime], None]
    queues: Registry[Queue]
    channels: Registry[Channel]

    # ------------------------------------------------------------------ requests

    def stream_name(self, params: dict[str, Any]) -> str | None:
        """The stream a request names: StreamName, the name in StreamARN, the stream a
        GetRecords iterator points into, or the stream of a queue or a channel (QueueARN,
        ChannelARN, the StreamConfigurationList of CreateQueue and CreateChannel)."""
        name = params.get("StreamName")
        if name:
            return str(name)
        arn = params.get("StreamARN") or params.get("ResourceARN")
        if arn:
            return name_in_arn(str(arn).partition("/consumer/")[0])
        consumer = params.get("ConsumerARN")
        if consumer:  # .../stream/NAME/consumer/CONSUMER:SECONDS
            return name_in_arn(str(consumer).partition("/consumer/")[0])
        iterator = params.get("ShardIterator")
        if isinstance(iterator, str):
            decoded = decode_iterator(iterator)
            return decoded.stream if decoded is not None else None
        queue = params.get("QueueARN")
        if queue:
            return self.queues.stream_name(str(queue))
        channel = params.get("ChannelARN")
        if channel:
            return self.channels.stream_name(str(channel))
        configs = params.get("StreamConfigurationList")
        if configs and isinstance(configs, list) and isinstance(configs[0], dict):
            arn = configs[0].get("StreamARN")
            return name_in_arn(str(arn)) if arn else None
        return None

    def stream_arn(self, name: str) -> str:
        """The ARN of stream ``name`` in this account and region."""
        return resource_arn("kinesis", self.region, self.account_id, f"stream/{name}")

    def settle(self, names: Collection[str] | None = None, until: datetime | None = None) -> None:
        """Bring every stream (those ``names`` names, when given) up to the clock (up to
        ``until``, when given): CREATING streams whose delay passed become ACTIVE, UPDATING
        ones carry out their change, DELETING ones are gone, and records past the retention
        period are trimmed."""
        now = self.clock.now() if until is None else until
        streams = self.streams
        chosen = (
            list(streams.values()) if names is None else [streams[n] for n in names if n in streams]
        )
        for stream in chosen:
            if stream.active_at is not None and stream.active_at <= now:
                if stream.status == "DELETING":
                    self._remove(stream)
                    continue
                if stream.pending is not None:
                    # The change happens when the UPDATING period ends, not when the
                    # world next looks.
                    stream.pending(stream.active_at)
                    stream.pending = None
                    stream.open_after = None
                    stream.reroute()  # counts the shards it has now
                stream.status, stream.active_at = "ACTIVE", None
            stream.trim(now)

    def next_due(self, name: str) -> datetime | None:
        """The first instant at which settling stream ``name`` has something to do: its
        status changes, or its oldest record outlives the retention period (``trim`` keeps
        a record exactly as old as the period). None: nothing of it waits for the clock."""
        stream = self.streams.get(name)
        if stream is None:
            return None
        due = [stream.active_at] if stream.active_at is not None else []
        if stream.earliest_held is not None:
            due.append(stream.earliest_held + timedelta(hours=stream.retention_hours) + _TICK)
        return min(due, default=None)

    # ------------------------------------------------------------------ lookups

    def _find(self, params: dict[str, Any]) -> tuple[str, KinesisStream | None]:
        arn = params.get("StreamARN")
        name = params.get("StreamName") or (name_in_arn(arn) if arn else None)
        if not name:
            raise ServiceError(
                "InvalidArgumentException", "Either StreamName or StreamARN should be provided."
            )
        stream = self.streams.get(name)
        if stream is not None and arn is not None and arn != stream.arn:
            stream = None
        if stream is not None and not stream.created_as(params.get("StreamCreationTimestamp")):
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
            raise not_active(stream.name, self.account_id, stream.status)
        return stream

    def _writable(self, params: dict[str, Any]) -> KinesisStream:
        """Puts see a stream that is not ACTIVE or UPDATING as missing (MOCK-validated)."""
        stream = self._stream(params)
        if stream.status not in ("ACTIVE", "UPDATING"):
            raise self._not_found(stream.name)
        return stream

    # ------------------------------------------------------------------ operations

    def create_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["StreamName"]
        if name in self.streams:
            raise self._already_exists(name)
        count = params.get("ShardCount")
        details = params.get("StreamModeDetails") or {}
        mode = details.get("StreamMode") or ("PROVISIONED" if count else "ON_DEMAND")
        tags = dict(params.get("Tags") or {})
        self.check_new_tags(name, {}, tags, "stream")
        warm = params.get("WarmThroughputMiBps")
        if warm is not None:
            self.check_warm_throughput(name, mode, warm)
        distribution = params.get("RecordDistributionStrategy", "USER_PARTITION_KEY")
        if distribution == "AUTO" and mode != "ON_DEMAND":
            raise auto_needs_on_demand(name, self.account_id)
        if mode == "ON_DEMAND":
            self.check_on_demand_room()
        # Before a single shard is made: no ShardCount may make the fake allocate
        # past the account's quota.
        self.check_shard_room(count or ON_DEMAND_SHARDS)
        self._streams_created += 1
        arn = self.stream_arn(name)
        stream = new_stream(
            name,
            arn,
            shard_count=count or ON_DEMAND_SHARDS,
            mode=mode,
            created_at=self.clock.now(),
            creation_delay=self.creation_delay,
            incarnation=incarnation_of(arn, self._streams_created),
            numbered_after=self._numbered_after(name),
        )
        self._numbered_latest = max(shard.created_at for shard in stream.shards)
        stream.tags = tags
        stream.max_record_size_kib = params.get("MaxRecordSizeInKiB", DEFAULT_MAX_RECORD_SIZE_KIB)
        stream.distribution = distribution
        stream.warm_throughput = warm
        self.streams[name] = stream
        stream.join(self.shard_tally)
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
        limit = min(params.get("Limit", DESCRIBE_PAGE), DESCRIBE_PAGE)
        return {
            "StreamDescription": {
                **self._common(stream),
                "Shards": [shard.describe() for shard in shards[:limit]],
                "HasMoreShards": len(shards) > limit,
            }
        }

    def describe_stream_summary(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        warm = self.warm_throughput_of(stream)
        return {
            "StreamDescriptionSummary": {
                **self._common(stream),
                "OpenShardCount": len([s for s in stream.listed(self.clock.now()) if s.is_open]),
                "ConsumerCount": len(self.consumers_of(stream)),
                **({"WarmThroughput": warm} if warm is not None else {}),
                "MaxRecordSizeInKiB": stream.max_record_size_kib,
                "QueueCount": len(self.queues.on(stream)),
                "ChannelCount": len(self.channels.on(stream)),
                # Only an on-demand stream has a strategy (DOC).
                **(
                    {"RecordDistributionStrategy": stream.distribution}
                    if stream.mode == "ON_DEMAND"
                    else {}
                ),
            }
        }

    def list_streams(self, params: dict[str, Any]) -> dict[str, Any]:
        limit = min(params.get("Limit", LIST_STREAMS_PAGE), LIST_STREAMS_PAGE)
        token = params.get("NextToken")
        after = params.get("ExclusiveStartStreamName")
        if token:
            after, issued, kind = read_token(token, 3)
            if kind != _LIST_STREAMS:
                raise invalid_token()
            check_fresh(issued, self.clock.now())
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
            issued = self.clock.now().isoformat(timespec="microseconds")
            answer["NextToken"] = next_token(shown[-1], issued, _LIST_STREAMS)
        return answer

    def delete_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        """A stream still CREATING goes to DELETING, which DescribeStream shows with no
        shards (REAL: kinesalite's deleteStream test "should allow stream to be deleted
        while it is being created", run against AWS), and is gone when its creation would
        have ended; a DELETING stream stays as it is. Any other stream is DELETING for the
        creation delay, then gone (REAL: aws/aws-sdk-net's ``KinesisCRUD`` describes an
        ACTIVE stream DELETING right after DeleteStream); with no delay, gone at once. Its
        consumers (``EnforceConsumerDeletion``) are DELETING with it."""
        stream = self._stream(params)
        self.queues.check_none(stream, "DeleteStream")
        self.channels.check_none(stream, "DeleteStream")
        self.check_no_consumers(stream, bool(params.get("EnforceConsumerDeletion")))
        if stream.status in ("CREATING", "DELETING"):
            stream.status = "DELETING"
            return {}
        if not self.creation_delay:
            self._remove(stream)
            return {}
        gone_at = self.clock.now() + self.creation_delay
        # A reshard under way is dropped with the stream; its shards stay counted until
        # the stream is gone.
        stream.status, stream.active_at = "DELETING", gone_at
        stream.pending = None
        self.deregister_all(stream, gone_at)
        return {}

    def drop_streams(self) -> None:
        """Every stream is gone at once, as if deleted (the world's reset)."""
        for stream in self.streams.values():
            stream.leave()
        self.streams.clear()

    def _numbered_after(self, name: str) -> datetime | None:
        """The latest second a new stream's shards must number their records after: that
        of the last stream created, of any name (two streams created in one second of the
        fake clock tell their sequence numbers apart, as AWS's do), and that of a deleted
        stream of the name (``new_stream``)."""
        seconds = [
            moment
            for moment in (self._numbered_latest, self._numbered_until.get(name))
            if moment is not None
        ]
        return max(seconds) if seconds else None

    def _remove(self, stream: KinesisStream) -> None:
        """``stream`` is gone; a stream created since under its name numbers its records
        after the last second its shards encode."""
        del self.streams[stream.name]
        stream.leave()
        self._numbered_until[stream.name] = max(shard.created_at for shard in stream.shards)
