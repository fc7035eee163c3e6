"""Settling: the world is brought up to the clock without looking at every stream.

Each stream is scheduled at the instant it next has something to do (a buffer interval, a
retry, an expiry, a status change, a record outliving retention): a clock move settles
only the streams that fell due, and so does a request; the streams a request named are
scheduled again when it ends (unless it was a put that moved nothing: one that only joined
a waiting buffer, or one to a Kinesis stream already holding older records). Idle streams
are never looked at; settles are counted here, not timed.
"""

from __future__ import annotations

import base64
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from conftest import REGION, needs_botocore, reading_kinesis

from pytest_firehose import FirehoseFake
from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.pipeline import Delivery
from pytest_firehose._engine.due import DueQueue
from pytest_firehose._handles.delivery_stream import DeliveryStreamHandle
from pytest_firehose._services.firehose.model import FirehoseService
from pytest_firehose._services.kinesis.streams import KinesisStream


@pytest.fixture
def kinesis_settled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the Kinesis streams settling trims, in order."""
    seen: list[str] = []
    trim = KinesisStream.trim

    def spy(self: KinesisStream, now: Any) -> None:
        seen.append(self.name)
        trim(self, now)

    monkeypatch.setattr(KinesisStream, "trim", spy)
    return seen


@pytest.fixture
def deliveries_settled(monkeypatch: pytest.MonkeyPatch) -> list[Delivery]:
    """The deliveries settling brought up to the clock, in order."""
    seen: list[Delivery] = []
    settle: Callable[..., None] = Delivery.settle

    def spy(self: Delivery, *args: Any) -> None:
        seen.append(self)
        settle(self, *args)

    monkeypatch.setattr(Delivery, "settle", spy)
    return seen


def test_a_kinesis_request_settles_no_stream_while_the_clock_stands_still(
    fake: FirehoseFake, kinesis_client: Any, kinesis_settled: list[str]
) -> None:
    for name in ("a", "b", "c"):
        fake.kinesis.create_stream(name)
    kinesis_client.put_record(StreamName="b", Data=b"x", PartitionKey="k")
    kinesis_settled.clear()
    for _ in range(3):
        kinesis_client.put_record(StreamName="b", Data=b"x", PartitionKey="k")
    assert kinesis_settled == []
    # The stream the requests named was scheduled: it settles once its records expire.
    fake.kinesis.clock.advance(hours=24, seconds=1)
    assert set(kinesis_settled) == {"b"}


def _spy_on_source_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the region of every Firehose service that reads its Kinesis sources,
    each time it does."""
    reads: list[str] = []
    read_sources = FirehoseService.read_sources

    def spy(self: FirehoseService, at: Any = None) -> list[str]:
        reads.append(self.region)
        return read_sources(self, at)

    monkeypatch.setattr(FirehoseService, "read_sources", spy)
    return reads


def test_kinesis_requests_have_sources_read_only_while_a_delivery_stream_reads_one(
    fake: FirehoseFake, kinesis_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _spy_on_source_reads(monkeypatch)
    fake.kinesis.create_stream("s")
    fake.firehose.create_delivery_stream("direct")
    for _ in range(3):
        kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    assert reads == []  # no delivery stream reads a Kinesis stream: nothing to read

    reading_kinesis(fake, "reader")
    reads.clear()
    kinesis_client.put_record(StreamName="s", Data=b"y", PartitionKey="k")
    fake.firehose.clock.advance(seconds=300)
    assert reads
    assert fake.firehose["reader"].delivered == [b"y"]


def test_sources_are_read_once_after_a_kinesis_put_not_at_every_request_after_it(
    fake: FirehoseFake, client: Any, kinesis_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.kinesis.create_stream("s")
    reading_kinesis(fake, "reader")
    fake.firehose.create_delivery_stream("direct")
    kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    reads = _spy_on_source_reads(monkeypatch)
    for _ in range(3):
        client.put_record(DeliveryStreamName="direct", Record={"Data": b"y"})
    assert len(reads) == 1  # the first request after the Kinesis put read it
    fake.firehose.clock.advance(seconds=300)
    assert fake.firehose["reader"].delivered == [b"x"]


def test_a_firehose_request_settles_no_other_stream_while_the_clock_stands_still(
    fake: FirehoseFake, client: Any, deliveries_settled: list[Delivery]
) -> None:
    for name in ("a", "b", "c"):
        fake.firehose.create_delivery_stream(name)
    model = fake.world.firehose()
    client.put_record(DeliveryStreamName="b", Record={"Data": b"x"})
    deliveries_settled.clear()
    for _ in range(3):
        client.put_record(DeliveryStreamName="b", Record={"Data": b"x"})
    assert deliveries_settled == []
    # The stream the requests named was scheduled: it settles when its buffer falls due.
    fake.firehose.clock.advance(seconds=300)
    assert {id(d) for d in deliveries_settled} == {id(model.streams["b"].delivery)}
    assert len(fake.firehose["b"].delivered) == 4


def test_a_move_of_the_clock_behind_the_fakes_back_settles_what_fell_due(
    kinesis_settled: list[str],
) -> None:
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION):
        client = boto3.client("kinesis", region_name=REGION)
        for name in ("a", "b"):
            client.create_stream(StreamName=name, ShardCount=1)
        client.put_record(StreamName="a", Data=b"old", PartitionKey="k")
        client.put_record(StreamName="b", Data=b"x", PartitionKey="k")
        kinesis_settled.clear()
        # freezegun moves the time without telling the fake: the next request settles both,
        # whose records outlived retention.
        frozen.move_to(start + timedelta(hours=25))
        client.put_record(StreamName="b", Data=b"x", PartitionKey="k")
        assert set(kinesis_settled) == {"a", "b"}
        kinesis_settled.clear()
        client.put_record(StreamName="b", Data=b"x", PartitionKey="k")
        assert kinesis_settled == []


IDLE = 200
#: An S3 destination in the fake's own bucket (no S3 client needed to read it).
_BUCKET = {
    "RoleARN": "arn:aws:iam::123456789012:role/firehose",
    "BucketARN": "arn:aws:s3:::landing",
}


def _among_idle(fake: FirehoseFake, name: str, interval: int) -> DeliveryStreamHandle:
    """``IDLE`` idle delivery streams, and stream ``name`` buffering for ``interval`` s."""
    for index in range(IDLE):
        fake.firehose.create_delivery_stream(f"idle-{index}")
    return fake.firehose.create_delivery_stream(
        name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::bucket",
            "BufferingHints": {"IntervalInSeconds": interval, "SizeInMBs": 1},
        },
    )


def _delivery_names(fake: FirehoseFake, settled: list[Delivery]) -> list[str]:
    by_delivery = {id(s.delivery): name for name, s in fake.world.firehose().streams.items()}
    return [by_delivery[id(delivery)] for delivery in settled]


def _busy_a_second_in(fake: FirehoseFake, client: Any) -> FakeClock:
    """The clock, a second after ``busy`` (buffering for 60 s, among idle streams) took a
    record."""
    _among_idle(fake, "busy", 60)
    client.put_record(DeliveryStreamName="busy", Record={"Data": b"x"})
    clock = fake.firehose.clock
    clock.advance(seconds=1)
    return clock


def test_a_clock_move_settles_only_the_delivery_stream_whose_buffer_fell_due(
    fake: FirehoseFake, client: Any, deliveries_settled: list[Delivery]
) -> None:
    clock = _busy_a_second_in(fake, client)
    deliveries_settled.clear()
    clock.advance(seconds=30)
    assert deliveries_settled == []
    clock.advance(seconds=29)
    assert _delivery_names(fake, deliveries_settled) == ["busy"]
    assert fake.firehose.stream("busy").delivered == [b"x"]
    deliveries_settled.clear()
    clock.advance(hours=30)
    assert deliveries_settled == []


def test_a_clock_move_asks_only_the_stream_it_settled_when_it_next_falls_due(
    fake: FirehoseFake, client: Any, scheduled: list[str]
) -> None:
    clock = _busy_a_second_in(fake, client)
    scheduled.clear()
    clock.advance(seconds=59)
    assert scheduled == ["busy"]
    assert fake.firehose.stream("busy").delivered == [b"x"]


def test_retries_and_expiry_of_one_stream_settle_only_it(
    fake: FirehoseFake, client: Any, deliveries_settled: list[Delivery]
) -> None:
    down = _among_idle(fake, "down", 60)
    down.destination_down()
    client.put_record(DeliveryStreamName="down", Record={"Data": b"x"})
    deliveries_settled.clear()
    clock = fake.firehose.clock
    for _ in range(30):
        clock.advance(hours=1)
    assert set(_delivery_names(fake, deliveries_settled)) == {"down"}
    assert down.expired == [b"x"]
    deliveries_settled.clear()
    clock.advance(hours=30)
    assert deliveries_settled == []


def test_a_clock_move_trims_only_the_kinesis_stream_whose_records_outlived_retention(
    fake: FirehoseFake, kinesis_client: Any, kinesis_settled: list[str]
) -> None:
    for index in range(IDLE):
        fake.kinesis.create_stream(f"idle-{index}")
    fake.kinesis.create_stream("old")
    kinesis_client.put_record(StreamName="old", Data=b"x", PartitionKey="k")
    clock = fake.firehose.clock
    clock.advance(seconds=1)
    kinesis_settled.clear()
    clock.advance(hours=23)
    assert kinesis_settled == []
    clock.advance(minutes=59, seconds=59)  # exactly 24 hours old: still kept
    assert kinesis_settled == []
    clock.advance(microseconds=1)
    assert kinesis_settled == ["old"]
    assert fake.kinesis.stream("old").expired == [b"x"]
    kinesis_settled.clear()
    clock.advance(days=400)
    assert kinesis_settled == []


def test_streams_become_active_when_their_creation_ends_settling_nothing_else() -> None:
    with FirehoseFake(region=REGION, creation_delay=10) as fake:
        kinesis = boto3.client("kinesis", region_name=REGION)
        firehose = boto3.client("firehose", region_name=REGION)
        kinesis.create_stream(StreamName="s", ShardCount=1)
        fake.firehose.clock.advance(seconds=5)
        firehose.create_delivery_stream(DeliveryStreamName="d")
        assert fake.world.kinesis().streams["s"].status == "CREATING"
        fake.firehose.clock.advance(seconds=5)
        assert fake.world.kinesis().streams["s"].status == "ACTIVE"
        assert fake.world.firehose().streams["d"].status == "CREATING"
        fake.firehose.clock.advance(seconds=5)
        assert fake.world.firehose().streams["d"].status == "ACTIVE"


def test_a_handle_that_changed_the_world_makes_no_idle_stream_settle(
    fake: FirehoseFake, deliveries_settled: list[Delivery]
) -> None:
    streams = [fake.firehose.create_delivery_stream(f"idle-{index}") for index in range(IDLE)]
    for stream in streams:
        stream.destination_down()
    deliveries_settled.clear()
    fake.firehose.clock.advance(hours=1)
    assert deliveries_settled == []


@pytest.fixture
def scheduled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the streams asked when they next fall due, in order."""
    seen: list[str] = []
    schedule = DueQueue.schedule

    def spy(self: DueQueue, model: Any, name: str) -> None:
        seen.append(name)
        schedule(self, model, name)

    monkeypatch.setattr(DueQueue, "schedule", spy)
    return seen


def test_creating_looking_up_and_reading_streams_through_handles_asks_no_other_stream(
    fake: FirehoseFake, scheduled: list[str]
) -> None:
    # Creating N streams through the handles was quadratic: every create, lookup, read and
    # deletion check had the next settle ask every stream of the world when it falls due.
    for index in range(IDLE):
        fake.firehose.create_delivery_stream(f"idle-{index}")
        fake.kinesis.create_stream(f"idle-{index}")
    scheduled.clear()

    fake.firehose.create_delivery_stream("new")
    fake.kinesis.create_stream("new")
    assert not fake.firehose["new"].deleted
    assert fake.kinesis["new"].calls == []
    assert fake.firehose.calls == []
    delivery_stream, stream = fake.firehose["new"], fake.kinesis["new"]
    assert (delivery_stream.records, delivery_stream.pending, delivery_stream.delivered) == (
        [],
        [],
        [],
    )
    assert (stream.records, stream.status, len(stream.shards)) == ([], "ACTIVE", 1)
    fake.kinesis.clock.advance(seconds=1)

    assert set(scheduled) == {"new"}


def test_a_put_that_joins_a_waiting_buffer_asks_no_stream_when_it_falls_due(
    fake: FirehoseFake, client: Any, scheduled: list[str]
) -> None:
    fake.firehose.create_delivery_stream("b")
    client.put_record(DeliveryStreamName="b", Record={"Data": b"first"})
    assert "b" in scheduled  # the first record opened the buffer: its interval runs
    scheduled.clear()
    client.put_record(DeliveryStreamName="b", Record={"Data": b"x"})
    client.put_record_batch(DeliveryStreamName="b", Records=[{"Data": b"y"}] * 3)
    assert scheduled == []  # the buffer falls due when it did
    fake.firehose.clock.advance(seconds=299)
    assert fake.firehose["b"].delivered == []
    fake.firehose.clock.advance(seconds=1)
    assert len(fake.firehose["b"].delivered) == 5


def _each_scheduled_when_due(world: Any, model: Any, step: int) -> None:
    """After settling, every stream of ``model`` is scheduled at the instant it next falls
    due (and none that nothing waits for)."""
    world.settle()
    for stream in model.streams:
        assert world._due._scheduled.get((id(model), stream)) == model.next_due(stream), (
            step,
            stream,
        )


def test_every_stream_stays_scheduled_at_the_instant_it_next_falls_due(
    fake: FirehoseFake, client: Any
) -> None:
    # Puts that leave a stream's next due instant alone skip asking it again: whatever the
    # puts, the clock and the destination do, the schedule must still be the stream's own.
    small = {"BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}}
    fake.firehose.create_delivery_stream("plain")
    fake.firehose.create_delivery_stream(
        "small", ExtendedS3DestinationConfiguration={**_BUCKET, **small}
    )
    fake.firehose.create_delivery_stream(
        "backed-up",
        ExtendedS3DestinationConfiguration={
            **_BUCKET,
            **small,
            "S3BackupMode": "Enabled",
            "S3BackupConfiguration": {**_BUCKET, "BufferingHints": {"IntervalInSeconds": 120}},
        },
    )
    world = fake.world
    model = world.firehose()
    rng = random.Random(7)
    for step in range(400):
        name = rng.choice(["plain", "small", "backed-up"])
        action = rng.random()
        if action < 0.45:
            client.put_record(
                DeliveryStreamName=name, Record={"Data": b"r" * rng.randrange(1, 90_000)}
            )
        elif action < 0.75:
            records = [{"Data": b"b" * rng.randrange(1, 60_000)}] * rng.randrange(1, 12)
            client.put_record_batch(DeliveryStreamName=name, Records=records)
        elif action < 0.85:
            fake.firehose[name].destination_down() if rng.random() < 0.5 else fake.firehose[
                name
            ].destination_up()
        else:
            fake.firehose.clock.advance(seconds=rng.choice([1, 30, 59, 60, 61, 400, 3_600]))
        _each_scheduled_when_due(world, model, step)


def test_a_kinesis_put_to_a_stream_holding_records_asks_no_stream_when_it_falls_due(
    fake: FirehoseFake, kinesis_client: Any, scheduled: list[str], kinesis_settled: list[str]
) -> None:
    fake.kinesis.create_stream("s", shard_count=2)
    kinesis_client.put_record(StreamName="s", Data=b"first", PartitionKey="k")
    assert "s" in scheduled  # its first record: it falls due when that outlives retention
    scheduled.clear()
    fake.kinesis.clock.advance(hours=1)
    kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    kinesis_client.put_records(
        StreamName="s", Records=[{"Data": b"y", "PartitionKey": str(i)} for i in range(4)]
    )
    assert scheduled == []  # the oldest record is the same
    kinesis_settled.clear()
    fake.kinesis.clock.advance(hours=23, seconds=1)
    assert kinesis_settled == ["s"]
    assert fake.kinesis["s"].expired == [b"first"]


def test_a_delivery_stream_reads_what_a_kinesis_put_adds_before_retention_trims_it(
    fake: FirehoseFake, kinesis_client: Any
) -> None:
    # A put that leaves its stream's schedule alone must still have the sources read: the
    # clock's next move trims the stream, and what was not read by then is lost.
    fake.kinesis.create_stream("s")
    reading_kinesis(fake, "reader")
    kinesis_client.put_record(StreamName="s", Data=b"first", PartitionKey="k")
    kinesis_client.put_record(StreamName="s", Data=b"second", PartitionKey="k")
    fake.kinesis.clock.advance(hours=25)
    assert fake.kinesis["s"].expired == [b"first", b"second"]
    assert fake.firehose["reader"].delivered == [b"first", b"second"]


def _kinesis_schedule_holds(fake: FirehoseFake, client: Any, steps: int, channel: bool) -> None:
    """Random puts, batches, retention changes, reshards and clock moves on three Kinesis
    streams (and, with ``channel``, a channel on one of them): after each step, every
    stream is scheduled at exactly the instant it next falls due."""
    names = ["one", "two", "three"]
    for name in names:
        if name == "two" and channel:  # channels read on-demand streams only
            client.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
        else:
            client.create_stream(StreamName=name, ShardCount=2)
    if channel:
        arn = fake.kinesis["two"].arn
        client.create_channel(
            ChannelName="c",
            ServiceExecutionRoleARN="arn:aws:iam::123456789012:role/channel",
            StreamConfigurationList=[
                {"StreamARN": arn, "RecordConfiguration": {"RecordFormatType": "JSON"}}
            ],
            S3DestinationConfiguration={
                "StorageConfiguration": {
                    "BucketARN": "arn:aws:s3:::channel-bucket",
                    "ExpectedBucketOwner": "123456789012",
                    "CompressionType": "NONE",
                }
            },
        )
    world = fake.world
    model = world.kinesis()
    rng = random.Random(11)
    for step in range(steps):
        name = rng.choice(names)
        action = rng.random()
        try:
            if action < 0.35:
                client.put_record(StreamName=name, Data=b"r", PartitionKey=str(rng.random()))
            elif action < 0.6:
                records = [
                    {"Data": b"b", "PartitionKey": str(i)} for i in range(rng.randrange(1, 6))
                ]
                client.put_records(StreamName=name, Records=records)
            elif action < 0.7:
                hours = rng.choice([24, 30, 48])
                summary = client.describe_stream_summary(StreamName=name)
                current = summary["StreamDescriptionSummary"]["RetentionPeriodHours"]
                if hours > current:
                    client.increase_stream_retention_period(
                        StreamName=name, RetentionPeriodHours=hours
                    )
                elif hours < current:
                    client.decrease_stream_retention_period(
                        StreamName=name, RetentionPeriodHours=hours
                    )
            elif action < 0.78:
                client.update_shard_count(
                    StreamName=name,
                    TargetShardCount=rng.choice([1, 2, 4]),
                    ScalingType="UNIFORM_SCALING",
                )
            else:
                fake.kinesis.clock.advance(
                    seconds=rng.choice([1, 30, 3_600, 6 * 3_600, 25 * 3_600])
                )
        except client.exceptions.ClientError:
            pass  # an UPDATING stream refuses a reshard: the schedule must hold all the same
        _each_scheduled_when_due(world, model, step)


def test_every_kinesis_stream_stays_scheduled_at_the_instant_it_next_falls_due(
    fake: FirehoseFake, kinesis_client: Any
) -> None:
    _kinesis_schedule_holds(fake, kinesis_client, 300, channel=False)


@needs_botocore("kinesis CreateChannel")
def test_kinesis_streams_with_a_channel_stay_scheduled_at_the_instant_they_fall_due(
    fake: FirehoseFake, kinesis_client: Any
) -> None:
    _kinesis_schedule_holds(fake, kinesis_client, 300, channel=True)


def _subscribed_to_a_record(fake: FirehoseFake, kinesis_client: Any) -> Any:
    """The event stream of a SubscribeToShard from TRIM_HORIZON of stream "s", whose one
    shard holds the record ``a``."""
    stream = fake.kinesis.create_stream("s")
    consumer = kinesis_client.register_stream_consumer(StreamARN=stream.arn, ConsumerName="c")
    fake.kinesis.clock.advance(seconds=10)  # the consumer becomes ACTIVE
    kinesis_client.put_record(StreamName="s", Data=b"a", PartitionKey="k")
    answer = kinesis_client.subscribe_to_shard(
        ConsumerARN=consumer["Consumer"]["ConsumerARN"],
        ShardId="shardId-000000000000",
        StartingPosition={"Type": "TRIM_HORIZON"},
    )
    return answer["EventStream"]


def test_reading_a_subscriptions_events_asks_no_stream_when_it_falls_due(
    fake: FirehoseFake, kinesis_client: Any, scheduled: list[str]
) -> None:
    for index in range(IDLE):
        fake.kinesis.create_stream(f"idle-{index}")
    event_stream = _subscribed_to_a_record(fake, kinesis_client)
    scheduled.clear()

    events = iter(event_stream)
    first = next(events)["SubscribeToShardEvent"]
    for _ in range(3):  # a second apart, on the fake clock
        next(events)

    assert [record["Data"] for record in first["Records"]] == [b"a"]
    assert scheduled == []


def test_a_lambda_trigger_reading_its_stream_asks_no_other_stream_when_it_falls_due(
    fake: FirehoseFake, kinesis_client: Any, scheduled: list[str]
) -> None:
    for index in range(IDLE):
        fake.kinesis.create_stream(f"idle-{index}")
    seen: list[dict[str, Any]] = []
    trigger = fake.kinesis.create_stream("s").lambda_trigger(
        lambda event, context: seen.append(event)
    )
    kinesis_client.put_record(StreamName="s", Data=b"a", PartitionKey="k")
    scheduled.clear()

    trigger.drain()

    assert len(seen) == 1
    assert set(scheduled) <= {"s"}


def test_a_deleted_stream_that_was_due_is_skipped_and_one_created_again_is_settled(
    fake: FirehoseFake, client: Any
) -> None:
    client.create_delivery_stream(DeliveryStreamName="d")
    client.put_record(DeliveryStreamName="d", Record={"Data": b"first"})
    client.delete_delivery_stream(DeliveryStreamName="d")
    fake.firehose.clock.advance(minutes=10)
    client.create_delivery_stream(DeliveryStreamName="d")
    client.put_record(DeliveryStreamName="d", Record={"Data": b"second"})
    fake.firehose.clock.advance(minutes=5)
    assert fake.firehose.stream("d").delivered == [b"second"]


class _Model:
    """A service model whose streams fall due when a test says."""

    def __init__(self) -> None:
        self.due: dict[str, datetime | None] = {}

    def next_due(self, name: str) -> datetime | None:
        return self.due.get(name)


def test_the_due_queue_pops_each_stream_once_at_its_latest_schedule() -> None:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    model = _Model()
    queue = DueQueue()
    for step in range(500):  # scheduled again and again: stale entries are dropped
        model.due["moving"] = start + timedelta(seconds=step)
        queue.schedule(model, "moving")  # type: ignore[arg-type]
    model.due["gone"] = start
    queue.schedule(model, "gone")  # type: ignore[arg-type]
    model.due["gone"] = None
    queue.schedule(model, "gone")  # type: ignore[arg-type]
    model.due["early"] = start + timedelta(seconds=3)
    queue.schedule(model, "early")  # type: ignore[arg-type]
    queue.schedule(model, "early")  # type: ignore[arg-type]
    assert len(queue) == 2
    assert len(queue._heap) <= 2 * len(queue) + 64
    assert queue.pop_due(start + timedelta(seconds=498)) == [(model, "early")]
    assert queue.pop_due(start + timedelta(seconds=499)) == [(model, "moving")]
    assert queue.pop_due(start + timedelta(days=1)) == []
    assert len(queue) == 0


def test_the_due_queue_tells_its_first_instant_past_stale_entries() -> None:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    model = _Model()
    queue = DueQueue()
    assert queue.first() is None
    model.due["a"] = start + timedelta(seconds=9)
    queue.schedule(model, "a")  # type: ignore[arg-type]
    model.due["b"] = start + timedelta(seconds=5)
    queue.schedule(model, "b")  # type: ignore[arg-type]
    model.due["b"] = start + timedelta(seconds=20)  # rescheduled later: its old entry is stale
    queue.schedule(model, "b")  # type: ignore[arg-type]

    assert queue.first() == start + timedelta(seconds=9)
    assert queue.first_after(start + timedelta(seconds=9)) == start + timedelta(seconds=20)
    assert queue.first_after(start + timedelta(seconds=20)) is None


def test_a_clock_that_ticks_on_its_own_is_caught_up_with() -> None:
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start, tick=True), FirehoseFake(region=REGION) as fake:
        client = boto3.client("firehose", region_name=REGION)
        client.create_delivery_stream(DeliveryStreamName="d")
        client.put_record(DeliveryStreamName="d", Record={"Data": b"x"})
        # A ticking freeze moves by its own start plus the step, not by the step from now.
        fake.firehose.clock.advance(minutes=10)
        assert fake.firehose.stream("d").delivered == [b"x"]


def _woken(fake: FirehoseFake, move: Callable[[], None]) -> bool:
    """Whether a thread waiting on the world's ``changed`` (as the server's event streams
    wait between events) is woken by ``move``, rather than after a minute."""
    world = fake.world
    world.settle()  # up to date: nothing changed is left to tell
    waiting = threading.Event()
    woken: list[bool] = []

    def wait() -> None:
        with world.changed:
            waiting.set()
            woken.append(world.changed.wait(60))

    waiter = threading.Thread(target=wait)
    waiter.start()
    waiting.wait()
    move()  # takes the world's lock, so only once the waiter waits
    waiter.join()
    return woken == [True]


def test_a_clock_move_wakes_what_waits_for_the_world_to_change(fake: FirehoseFake) -> None:
    fake.kinesis.create_stream("a")
    assert _woken(fake, lambda: fake.kinesis.clock.advance(seconds=1))


def test_a_handles_change_wakes_what_waits_for_the_world_to_change(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream("d")
    assert _woken(fake, stream.destination_down)


def test_reading_a_subscriptions_event_wakes_what_waits_for_the_world_to_change(
    fake: FirehoseFake, kinesis_client: Any
) -> None:
    # Where a subscription stands changed: a server's stream of the shard waits for that.
    event_stream = _subscribed_to_a_record(fake, kinesis_client)
    events = iter(event_stream)
    assert _woken(fake, lambda: next(events))


def test_settling_after_the_clock_moved_behind_the_fakes_back_wakes_waiters() -> None:
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION) as fake:
        fake.kinesis.create_stream("a")

        def move_and_ask() -> None:
            frozen.tick(5)
            fake.world.settle()

        assert _woken(fake, move_and_ask)


def test_a_request_wakes_what_waits_for_the_world_to_change(
    fake: FirehoseFake, kinesis_client: Any
) -> None:
    # The server's event streams wait between events: a put must wake them at once.
    fake.kinesis.create_stream("a")
    assert _woken(
        fake, lambda: kinesis_client.put_record(StreamName="a", Data=b"x", PartitionKey="k")
    )


def test_a_delivery_stream_reads_the_first_record_a_put_adds_to_its_empty_source(
    fake: FirehoseFake, kinesis_client: Any
) -> None:
    fake.kinesis.create_stream("s")
    reading_kinesis(fake, "reader")
    kinesis_client.put_record(StreamName="s", Data=b"first", PartitionKey="k")
    fake.kinesis.clock.advance(seconds=300)
    assert fake.firehose["reader"].delivered == [b"first"]


def _tagging(tag: bytes) -> Callable[..., dict[str, Any]]:
    """A Lambda processor's handler that puts ``tag`` before every record."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        records = event["records"]
        return {
            "records": [
                {
                    "recordId": record["recordId"],
                    "result": "Ok",
                    "data": base64.b64encode(tag + base64.b64decode(record["data"])).decode(),
                }
                for record in records
            ]
        }

    return handler


def _transforming(fake: FirehoseFake, function: str) -> DeliveryStreamHandle:
    """Delivery stream "s", whose Lambda processor ``function`` transforms every 60 s."""
    processor = {
        "Type": "Lambda",
        "Parameters": [
            {"ParameterName": "LambdaArn", "ParameterValue": function},
            {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "60"},
        ],
    }
    return fake.firehose.create_delivery_stream(
        "s",
        ExtendedS3DestinationConfiguration={
            **_BUCKET,
            "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1},
            "ProcessingConfiguration": {"Enabled": True, "Processors": [processor]},
        },
    )


_FUNCTION = f"arn:aws:lambda:{REGION}:123456789012:function:tag"


def test_a_handles_change_after_a_move_behind_the_fakes_back_comes_after_what_fell_due() -> None:
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION) as fake:
        firehose = fake.firehose
        firehose.lambda_function(_FUNCTION, _tagging(b"old:"))
        stream = _transforming(fake, _FUNCTION)
        client = boto3.client("firehose", region_name=REGION)
        client.put_record(DeliveryStreamName="s", Record={"Data": b"x"})
        # The record was transformed and delivered 60 s in, before the handler changed.
        frozen.move_to(start + timedelta(seconds=150))
        firehose.lambda_function(_FUNCTION, _tagging(b"new:"))
        assert stream.delivered == [b"old:x"]
        assert [obj.delivered_at - start for obj in stream.objects] == [timedelta(seconds=60)]


class StopTheTest(BaseException):
    """What ``pytest.fail`` or KeyboardInterrupt raise: not an ``Exception``."""


def _stop(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise StopTheTest


def test_a_request_whose_settling_stops_the_test_leaves_the_world_to_other_threads() -> None:
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION) as fake:
        fake.firehose.lambda_function(_FUNCTION, _stop)
        _transforming(fake, _FUNCTION)
        client = boto3.client("firehose", region_name=REGION)
        client.put_record(DeliveryStreamName="s", Record={"Data": b"x"})
        frozen.move_to(start + timedelta(seconds=90))
        # The next request settles first: the transformation due 60 s in stops the test.
        with pytest.raises(StopTheTest):
            client.list_delivery_streams()
        names: list[list[str]] = []
        other = boto3.client("firehose", region_name=REGION)
        thread = threading.Thread(
            target=lambda: names.append(other.list_delivery_streams()["DeliveryStreamNames"]),
            daemon=True,  # left waiting for the world's lock if it was never let go
        )
        thread.start()
        thread.join(10)
        assert names == [["s"]]
