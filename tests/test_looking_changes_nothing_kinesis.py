"""Reading a Kinesis stream changes nothing that follows, where the fake computes state
lazily, and neither does how the clock got to a moment.

The same two properties as ``test_looking_changes_nothing``, over what waits on the fake
clock besides records: statuses that change after the world's creation, encryption and
update delays (a stream, a consumer, a channel, a mode switch, a reshard, encryption
started and stopped), a channel writing a bucket when its records' freshness runs out,
enhanced monitoring, and SubscribeToShard event streams read for a few events, closed and
resumed from their continuation number. Reading an event moves the fake clock (it is due a
second after the one before), so a read is a step of the program, not a look.

What a look is: reading any public property of the ``kinesis`` handle, of a stream handle,
of the Lambda trigger, and of each consumer, queue and channel a stream lists, and
``assert_records`` (it reads the records and the call log). ``trigger.drain()`` is an act:
it runs the mapping and moves the clock through its retries.
"""

from __future__ import annotations

import base64
from typing import Any

import boto3
from botocore.exceptions import EventStreamError
from conftest import REGION, SEED, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_kinesis_queues import caller
from test_looking_changes_nothing import (
    INVOCATION_ID,
    ONE_ATTEMPT,
    SPLITS,
    START,
    _answer,
    ended,
    move_clock,
    public_reads,
)

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError

#: The world's delays, in seconds: each status change falls due a different while later.
DELAYS = {"creation_delay": 5, "encryption_delay": 7, "update_delay": 11}
STREAMS = ("p", "od", "m")
BUCKET = "arn:aws:s3:::channel-bucket"

#: A step: its name and its argument.
Step = tuple[str, Any]
STEPS = st.one_of(
    st.tuples(st.just("put"), st.tuples(st.sampled_from(["p", "od"]), st.integers(1, 3))),
    st.tuples(st.just("advance"), st.sampled_from([1, 3, 6, 12, 61, 301, 901, 3600, 86_401])),
    st.tuples(st.just("encryption"), st.booleans()),
    st.tuples(st.just("monitoring"), st.booleans()),
    st.tuples(st.just("reshard"), st.sampled_from([1, 2, 3])),
    st.tuples(st.just("mode"), st.sampled_from(["ON_DEMAND", "PROVISIONED"])),
    st.tuples(st.just("describe"), st.sampled_from(STREAMS)),
    st.tuples(st.just("consumer"), st.sampled_from(["describe", "deregister", "register"])),
    st.tuples(st.just("subscribe"), st.integers(1, 4)),
    st.tuples(st.just("open"), st.none()),
    st.tuples(st.just("drain"), st.none()),
    st.tuples(st.just("steal"), st.none()),
    st.tuples(st.just("read"), st.integers(1, 3)),
    st.tuples(st.just("channel"), st.sampled_from(["describe", "update", "delete", "create"])),
)


def _look(fake: FirehoseFake, trigger: Any) -> list[str]:
    seen = public_reads(fake.kinesis) + public_reads(trigger)
    for name in STREAMS:
        stream = fake.kinesis[name]
        seen += public_reads(stream)
        try:
            stream.assert_records([])  # a look: it reads the records and the calls
        except AssertionError as listed:
            seen.append(INVOCATION_ID.sub("", str(listed)))
        for kept in (*stream.consumers, *stream.queues, *stream.channels):
            seen.append(repr(kept))
        for channel in stream.channels:
            seen += [repr((o.key, o.body)) for o in (*channel.objects, *channel.errors)]
    return seen


class Program:
    """The streams a program runs against, and one method per kind of step."""

    def __init__(self, fake: FirehoseFake, *, in_steps: str | None) -> None:
        self.fake = fake
        self.in_steps = in_steps
        self.kinesis = boto3.client("kinesis", region_name=REGION, config=ONE_ATTEMPT)
        self.call = caller(fake)
        self.steps = 0
        #: Where the latest subscription left off: its continuation sequence number.
        self.continuation: str | None = None
        #: The subscription kept open across steps: its event stream and its iterator.
        self.open_stream: tuple[Any, Any] | None = None
        fake.kinesis.create_stream("p", 2)
        fake.kinesis.create_stream("m", 1)
        self.call("CreateStream", StreamName="od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        fake.kinesis.clock.advance(seconds=DELAYS["creation_delay"])  # the streams are ACTIVE
        self.channel("create")
        # A Lambda trigger reading "p" through a consumer of its own, once it is ACTIVE; it
        # fails every batch holding a record of a put numbered ...3 (retried once).
        arn = fake.kinesis["p"].arn
        lam = self.kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="lam")
        fake.kinesis.clock.advance(seconds=DELAYS["creation_delay"])
        self.trigger = fake.kinesis["p"].lambda_trigger(
            self._handler,
            EventSourceArn=lam["Consumer"]["ConsumerARN"],
            BatchSize=2,
            MaximumRetryAttempts=1,
        )
        self.consumer("register")

    @staticmethod
    def _handler(event: dict[str, Any], context: Any) -> None:
        for record in event["Records"]:
            if b'"n": 3' in base64.b64decode(record["kinesis"]["data"]):
                raise RuntimeError("a put numbered 3")

    def drain(self, _: None) -> Any:
        try:
            self.trigger.drain()
        except UsageError as refused:
            return str(refused)
        return [(i.shard_id, i.at, i.records, repr(i.error)) for i in self.trigger.invocations]

    def steal(self, _: None) -> Any:
        """The trigger's consumer's subscription to the first shard taken over by the test
        (refused within 5 seconds of the mapping's), one event read."""
        described = _answer(
            self.kinesis.describe_stream_consumer,
            StreamARN=self.fake.kinesis["p"].arn,
            ConsumerName="lam",
        )
        answer = _answer(
            self.kinesis.subscribe_to_shard,
            ConsumerARN=described["ConsumerDescription"]["ConsumerARN"],
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "LATEST"},
        )
        if not isinstance(answer, dict):
            return answer
        stream = answer["EventStream"]
        try:
            return [event for _, event in zip(range(1), stream, strict=False)]
        except EventStreamError as ended:
            return ("error", ended.response["Error"]["Code"])
        finally:
            stream.close()

    def _payloads(self, count: int) -> list[bytes]:
        self.steps += 1
        return [b'{"n": %d, "i": %d}' % (self.steps, i) for i in range(count)]

    def put(self, where: tuple[str, int]) -> Any:
        name, count = where
        entries = [{"Data": p, "PartitionKey": str(i)} for i, p in enumerate(self._payloads(count))]
        return _answer(self.kinesis.put_records, StreamName=name, Records=entries)

    def advance(self, seconds: int) -> None:
        move_clock(self.fake.kinesis.clock, seconds, self.in_steps)

    def encryption(self, start: bool) -> Any:
        change = (
            self.kinesis.start_stream_encryption if start else self.kinesis.stop_stream_encryption
        )
        return _answer(change, StreamName="p", EncryptionType="KMS", KeyId="alias/aws/kinesis")

    def monitoring(self, enable: bool) -> Any:
        change = (
            self.kinesis.enable_enhanced_monitoring
            if enable
            else self.kinesis.disable_enhanced_monitoring
        )
        return _answer(change, StreamName="p", ShardLevelMetrics=["IncomingBytes"])

    def reshard(self, shards: int) -> Any:
        return _answer(
            self.kinesis.update_shard_count,
            StreamName="p",
            TargetShardCount=shards,
            ScalingType="UNIFORM_SCALING",
        )

    def mode(self, mode: str) -> Any:
        arn = self.fake.kinesis["m"].arn
        details = {"StreamMode": mode}
        return _answer(self.kinesis.update_stream_mode, StreamARN=arn, StreamModeDetails=details)

    def describe(self, name: str) -> Any:
        return _answer(self.kinesis.describe_stream_summary, StreamName=name)

    def consumer(self, act: str) -> Any:
        operation = {
            "register": self.kinesis.register_stream_consumer,
            "describe": self.kinesis.describe_stream_consumer,
            "deregister": self.kinesis.deregister_stream_consumer,
        }[act]
        return _answer(operation, StreamARN=self.fake.kinesis["p"].arn, ConsumerName="c")

    def open(self, _: None) -> Any:
        """Subscribe to the first shard of "p" and keep the event stream open across the
        steps that follow (``read``), closing the one open before."""
        if self.open_stream is not None:
            self.open_stream[0].close()
            self.open_stream = None
        described = self.consumer("describe")
        if "ConsumerDescription" not in described:
            return described
        answer = _answer(
            self.kinesis.subscribe_to_shard,
            ConsumerARN=described["ConsumerDescription"]["ConsumerARN"],
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "LATEST"},
        )
        if isinstance(answer, dict):
            stream = answer["EventStream"]
            self.open_stream = (stream, iter(stream))
            return None
        return answer

    def read(self, events: int) -> Any:
        """The next ``events`` events of the open subscription (each moves the clock to
        when it is due; a clock moved past it gets it at once)."""
        if self.open_stream is None:
            return None
        read: list[Any] = []
        try:
            for _, event in zip(range(events), self.open_stream[1], strict=False):
                read.append(event)
        except EventStreamError as ended:  # the error event that ends it, as AWS sends it
            error = ended.response["Error"]
            read.append(("error", error["Code"], error["Message"]))
            self.open_stream = None
        return read

    def subscribe(self, events: int) -> Any:
        """Read ``events`` events of a subscription to the first shard of "p" (each moves
        the clock to when it is due), from where the last one left off, then close it."""
        described = self.consumer("describe")
        if "ConsumerDescription" not in described:
            return described
        consumer = described["ConsumerDescription"]["ConsumerARN"]
        position = (
            {"Type": "TRIM_HORIZON"}
            if self.continuation is None
            else {"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self.continuation}
        )
        answer = _answer(
            self.kinesis.subscribe_to_shard,
            ConsumerARN=consumer,
            ShardId="shardId-000000000000",
            StartingPosition=position,
        )
        if not isinstance(answer, dict):
            return answer
        stream = answer["EventStream"]
        read = []
        try:
            for _, event in zip(range(events), stream, strict=False):
                shown = event.get("SubscribeToShardEvent", event)
                read.append(shown)
                self.continuation = shown.get("ContinuationSequenceNumber", self.continuation)
        finally:
            stream.close()
        return read

    def channel(self, act: str) -> Any:
        """CreateChannel (a bucket) on "od", or DescribeChannel, UpdateChannel (its
        freshness), DeleteChannel."""
        if act == "create":
            return _answer(
                self.call,
                "CreateChannel",
                ChannelName="ch",
                ServiceExecutionRoleARN="arn:aws:iam::123456789012:role/channel",
                StreamConfigurationList=[
                    {
                        "StreamARN": self.fake.kinesis["od"].arn,
                        "RecordConfiguration": {"RecordFormatType": "JSON"},
                    }
                ],
                S3DestinationConfiguration={
                    "StorageConfiguration": {
                        "BucketARN": BUCKET,
                        "ExpectedBucketOwner": "123456789012",
                        "CompressionType": "NONE",
                    }
                },
            )
        channels = self.call("ListChannels").get("Channels", [])
        if not channels:
            return None
        arn = channels[0]["ChannelARN"]
        if act == "describe":
            return _answer(self.call, "DescribeChannel", ChannelARN=arn)
        if act == "update":
            return _answer(self.call, "UpdateChannel", ChannelARN=arn, DataFreshnessInSeconds=600)
        return _answer(self.call, "DeleteChannel", ChannelARN=arn)


def run(
    program: list[Step], *, looking: bool, in_steps: str | None = None
) -> tuple[list[Any], list[str]]:
    """The answers ``program`` got, and what a look at the end saw."""
    with FirehoseFake(region=REGION, seed=SEED, freeze_time=START, **DELAYS) as fake:
        running = Program(fake, in_steps=in_steps)
        answers = []
        for step, argument in program:
            answers.append(getattr(running, step)(argument))
            if looking:
                _look(fake, running.trigger)
        return answers, _look(fake, running.trigger)


PROPERTY = settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(program=st.lists(STEPS, min_size=4, max_size=25))
def test_no_lazy_status_answers_differently_when_a_test_looked(program: list[Step]) -> None:
    looked = run(program, looking=True)
    unlooked = run(program, looking=False)

    assert unlooked[0] == looked[0]
    assert unlooked[1] == looked[1]


@PROPERTY
@given(program=st.lists(STEPS, min_size=4, max_size=25), split=st.sampled_from(SPLITS))
def test_delays_and_channels_end_alike_after_one_jump_or_steps(
    program: list[Step], split: str
) -> None:
    """Status changes, a channel's writes and subscriptions' ends fall due in order as the
    clock moves: a jump and the same time in three steps end alike."""
    one_jump = ended(run(program, looking=False), split)
    in_steps = ended(run(program, looking=False, in_steps=split), split)

    assert in_steps[0] == one_jump[0]
    assert in_steps[1] == one_jump[1]
