"""The ``kinesis`` fixture's handles: streams, their shards and records."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._engine.calls import Call
from pytest_firehose._engine.world import World
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._handles.assertions import delivery_mismatch, expected_payloads
from pytest_firehose._handles.base import (
    Lifetime,
    ServiceHandle,
    check_switch,
    refuse_twice_given,
    run_as_sent,
)
from pytest_firehose._handles.log_events import LogEventsInput
from pytest_firehose._lambda.functions import check_role
from pytest_firehose._services.kinesis.consumers import ConsumerState
from pytest_firehose._services.kinesis.model import KinesisService
from pytest_firehose._services.kinesis.shards import Shard
from pytest_firehose._services.kinesis.streams import KinesisRecord, KinesisStream
from pytest_firehose._wire.validation import validate_input

if TYPE_CHECKING:
    from pytest_firehose._handles.triggers import KinesisTrigger
    from pytest_firehose._services.kinesis.channel_state import Channel, ChannelState
    from pytest_firehose._services.kinesis.queue_records import QueueState


class KinesisStreamHandle(LogEventsInput[KinesisRecord]):
    """A Kinesis data stream as a test sees it: what it accepted, by shard.

    The handle stays with its stream: once the stream is deleted, its records, shards and
    calls stay readable as they were at the deletion, and questions about its present
    (``status``, ``open_shards``, resharding) raise :class:`UsageError`.
    """

    def __init__(self, world: World, model: KinesisService, stream: KinesisStream) -> None:
        self._world = world
        self._model = model
        self._stream = stream
        self._lifetime = Lifetime(
            world, "kinesis", "stream", stream, stream.name, model.region, world.kinesis_services
        )
        self._live = self._lifetime.require_live

    @property
    def deleted(self) -> bool:
        """Whether the stream was deleted since this handle was taken (a stream created
        again under its name is another stream, with handles of its own)."""
        return self._lifetime.deleted

    @property
    def name(self) -> str:
        """The stream's name."""
        return self._stream.name

    @property
    def arn(self) -> str:
        """The stream's ARN, as DescribeStreamSummary gives it."""
        return self._stream.arn

    @property
    def region(self) -> str:
        """The region the stream lives in."""
        return self._model.region

    @property
    def records(self) -> list[KinesisRecord]:
        """Every record the stream accepted, in commit order, duplicates included (also
        those retention has trimmed since). Each compares equal to its payload bytes and
        has ``.partition_key``, ``.sequence_number``, ``.shard_id``, ``.arrived_at``; each
        read makes new objects of what the stream keeps."""
        with self._world.looked():
            return self._stream.records

    @property
    def shards(self) -> list[Shard]:
        """Every shard the stream has had, open and closed, by shard id: ``.shard_id``,
        ``.starting_hash_key``, ``.ending_hash_key`` (ints), ``.records`` (still readable,
        oldest first), ``.state`` (``"open"`` or ``"closed"``), ``.parent_shard_id`` and
        ``.adjacent_parent_shard_id`` (``None`` for an original shard)."""
        with self._world.looked():
            return list(self._stream.shards)

    @property
    def open_shards(self) -> list[Shard]:
        """The shards new records go to, by starting hash key."""
        self._live("open shards")
        with self._world.looked():
            return list(self._stream.open_shards)

    @property
    def status(self) -> str:
        """``CREATING``, ``ACTIVE`` or ``UPDATING`` (during a reshard), as DescribeStream says."""
        self._live("status")
        with self._world.looked():
            return self._stream.status

    def split_shard(self, shard_id: str, new_starting_hash_key: int | str) -> None:
        """Split a shard as SplitShard would: its children hold the hash keys below
        ``new_starting_hash_key`` and from it on. The parent closes when the stream's
        UPDATING period (the world's ``update_delay``) ends; at once by default."""
        key: object = new_starting_hash_key
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)  # as the API takes it; anything else goes as given, to be refused
        self._reshard("SplitShard", ShardToSplit=shard_id, NewStartingHashKey=key)

    def merge_shards(self, shard_id: str, adjacent_shard_id: str) -> None:
        """Merge two adjacent shards as MergeShards would (``shard_id`` holds the lower
        hash keys)."""
        self._reshard("MergeShards", ShardToMerge=shard_id, AdjacentShardToMerge=adjacent_shard_id)

    def update_shard_count(self, target: int) -> None:
        """Rescale to ``target`` even shards as UpdateShardCount (UNIFORM_SCALING) would: at
        most double, at least half the open shards."""
        self._reshard("UpdateShardCount", TargetShardCount=target, ScalingType="UNIFORM_SCALING")

    def _reshard(self, operation: str, **params: Any) -> None:
        """Run a reshard as the service would, refusing what it would refuse."""
        self._live("shards to reshard")
        run_as_sent(
            self._world, self._model, "kinesis", operation, {"StreamName": self.name, **params}
        )

    @property
    def consumers(self) -> list[ConsumerState]:
        """The enhanced fan-out consumers registered with the stream and not gone yet,
        oldest first: ``.name``, ``.arn``, ``.status`` (``CREATING``, ``ACTIVE`` or
        ``DELETING``, as DescribeStreamConsumer says now), ``.created_at``, ``.tags``."""
        self._live("consumers")
        with self._world.looked():
            now = self._world.clock.now()
            return [consumer.state(now) for consumer in self._model.consumers_of(self._stream)]

    @property
    def queues(self) -> list[QueueState]:
        """The queues on the stream and not gone yet, oldest first: ``.name``, ``.arn``,
        ``.status`` (as DescribeQueue says now), ``.in_flight`` (records received and not
        visible again yet), ``.dead_letters`` (the dead-letter records, each equal to its
        payload) and ``.acknowledged`` (how many records were acknowledged)."""
        self._live("queues")
        with self._world.looked():
            now = self._world.clock.now()
            return [queue.state(now) for queue in self._model.queues.on(self._stream)]

    @property
    def channels(self) -> list[ChannelState]:
        """The channels reading the stream and not gone yet, oldest first: ``.name``,
        ``.arn``, ``.channel_id``, ``.status`` (as DescribeChannel says now),
        ``.destination_type`` (``S3`` or ``S3_TABLES``), ``.objects`` (what it wrote to
        its bucket: ``.key``, ``.body`` as stored, ``.records``), ``.errors`` (what it
        wrote to its dead-letter bucket), ``.pending`` (records read, not written yet) and
        ``.rows`` (what an S3 Tables channel's table received), ``.status_reason`` (why it
        is ``FAILED``) and ``.fail(reason=...)``, which makes it ``FAILED``."""
        self._live("channels")
        with self._world.looked():
            now = self._world.clock.now()
            return [
                channel.state(now, functools.partial(self._fail_channel, channel))
                for channel in self._model.channels.on(self._stream)
            ]

    def _fail_channel(self, channel: Channel, reason: str | None) -> None:
        """Carry out a channel state's ``fail(reason)``."""
        from pytest_firehose._services.kinesis.channel_failures import fail_on_purpose

        with self._world.touched():
            model = self._model
            held = model.channels.current().get(channel.arn) is channel
            now = self._world.clock.now()
            fail_on_purpose(channel, held, reason, now, lambda at: channel.settle(at, model.suffix))

    @property
    def expired(self) -> list[bytes]:
        """Payloads trimmed because they outlived the stream's retention period."""
        with self._world.looked():
            return [record.data for record in self._stream.expired]

    @property
    def calls(self) -> list[Call]:
        """The calls that named this stream, from its creation (for a stream the fixture
        created, from the deletion of the one of that name before it) to its deletion."""
        return self._lifetime.calls()

    def assert_records(self, expected: Iterable[bytes], *, ordered: bool = False) -> None:
        """Assert each expected payload was accepted exactly once (in commit order if
        ``ordered``); the message lists missing, unexpected and duplicated payloads."""
        __tracebackhide__ = True
        check_switch("assert_records", ordered, "ordered")
        message = delivery_mismatch(
            f"kinesis stream {self.name!r}",
            expected_payloads("assert_records", expected, ordered=ordered),
            [record.data for record in self.records],
            ordered=ordered,
            calls=self.calls,
        )
        if message is not None:
            raise AssertionError(message)

    def _log_service(self) -> KinesisService:
        return self._model

    def _take_log_record(self, record: bytes, log_stream: str) -> KinesisRecord:
        params = {"StreamName": self.name, "Data": record, "PartitionKey": log_stream[:256]}
        try:
            validate_input("kinesis", "PutRecord", params)
            self._model.put_record(params)
        except ServiceError as error:
            raise UsageError(
                f"put_log_events: Kinesis would answer CloudWatch Logs {error.code}: "
                f"{error.message}"
            ) from None
        return self._stream.records[-1]

    def lambda_event(
        self, records: Iterable[KinesisRecord] | None = None, *, role: str | None = None
    ) -> dict[str, Any]:
        """The event a Lambda function behind an event source mapping receives for
        ``records`` (one shard's; by default every record the stream still holds), with
        ``role`` as ``invokeIdentityArn``. docs/lambda.md shows it."""
        # Lambda's pieces are imported when a test first asks for one: most tests never do.
        from pytest_firehose._handles.stream_readers import Source, default_role, event_for

        role = check_role(role, "lambda_event")
        source = Source(
            self.arn,
            self.region,
            role or default_role(self.region, self._world.account_id, "handler"),
        )
        with self._world.looked():
            return event_for(self._stream, source, records)

    def lambda_trigger(
        self,
        handler: Callable[[dict[str, Any], Any], Any],
        *,
        timeout: float | timedelta = 3,
        memory_mb: int = 128,
        role: str | None = None,
        environment: Mapping[str, str] | None = None,
        **options: Any,
    ) -> KinesisTrigger:
        """An event source mapping from this stream to ``handler`` (``(event, context)``),
        taking CreateEventSourceMapping's parameters as the Lambda API spells them
        (``BatchSize=``, ``BisectBatchOnFunctionError=`` ...); ``timeout`` is the
        function's, on the fake clock; ``environment`` its own environment variables, set
        while the handler runs. Run it with ``.drain()``; docs/lambda.md."""
        from pytest_firehose._handles.trigger_creation import new_trigger

        return new_trigger(
            self._world,
            self._model,
            self._stream,
            self.region,
            handler,
            timeout=timeout,
            memory_mb=memory_mb,
            role=role,
            environment=environment,
            options=options,
        )

    def __repr__(self) -> str:
        return f"<KinesisStreamHandle {self.name!r} in {self.region}>"


class KinesisHandle(ServiceHandle[KinesisService, KinesisStreamHandle]):
    """The ``kinesis`` fixture: create streams, look them up, read the call log, script
    faults. Shares its world and clock with ``firehose``."""

    service = "kinesis"
    _noun = "stream"
    _other = ("firehose", "delivery stream")

    def _models(self) -> list[KinesisService]:
        return self._world.kinesis_services()

    def _model(self, region: str | None) -> KinesisService:
        return self._world.kinesis(region)

    def _handle(self, model: KinesisService, name: str) -> KinesisStreamHandle:
        return KinesisStreamHandle(self._world, model, model.streams[name])

    def create_stream(
        self, name: str, shard_count: int | None = 1, *, region: str | None = None, **options: Any
    ) -> KinesisStreamHandle:
        """Create a stream as CreateStream would: ``shard_count`` provisioned shards, or
        ``shard_count=None`` with ``StreamModeDetails={"StreamMode": "ON_DEMAND"}``.
        ``options`` are CreateStream's other parameters as boto3 spells them."""
        refuse_twice_given(
            "create_stream", options, {"StreamName": "name", "ShardCount": "shard_count"}
        )
        params: dict[str, Any] = {"StreamName": name, **options}
        if shard_count is not None:
            params["ShardCount"] = shard_count
        model = self._create("CreateStream", params, region)
        return self._handle(model, name)

    def enforce_quotas(self, enabled: bool = True) -> None:
        """Make every shard enforce its write quota, 1,000 records and 1 MiB a second on the
        fake clock: records over it fail with ProvisionedThroughputExceededException (per
        record in PutRecords, the whole call for PutRecord). Off by default."""
        check_switch("enforce_quotas", enabled)
        with self._world.touched():
            self._world.kinesis_quotas = enabled
            for model in self._world.kinesis_services():
                model.quotas = enabled

    def enforce_read_quotas(self, enabled: bool = True) -> None:
        """Make Kinesis enforce its read quotas on the fake clock: per shard, 5 GetRecords
        calls and 2 MiB a second (a 10 MiB answer uses the next 5 seconds' bandwidth) and
        5 GetShardIterator calls a second, refused with
        ProvisionedThroughputExceededException; and the control plane's read rates
        (DescribeStream 10 a second per account, DescribeStreamSummary 20, ListStreams 5,
        ListShards 1,000 per stream...), refused with LimitExceededException. Off by
        default; ``enforce_read_quotas(False)`` turns them off again."""
        check_switch("enforce_read_quotas", enabled)
        with self._world.touched():
            self._world.kinesis_read_quotas = enabled
            for model in self._world.kinesis_services():
                model.read_quotas = enabled
