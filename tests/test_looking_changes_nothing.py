"""Reading what a stream holds changes nothing that follows, and neither does how the
clock got to a moment.

The fake applies much of its time-driven work when something asks: a request, or a test
reading a handle (``records``, ``delivered``, ``queues`` ...). Each such read must bring the
state up to now exactly as the next request would, so that what code under test is answered
never depends on whether, or when, the test looked. Here hypothesis writes programs of
requests, handle actions and clock moves over a Firehose stream, a provisioned Kinesis
stream (resharded, its retention changed, read through iterators, with an enhanced fan-out
consumer and a Lambda trigger that fails some batches) and a queue on an on-demand stream;
each program runs twice on fakes with the same seed, once with every handle read after
every step and once with none, and every answer (request ids included) and the final
state must be the same. Likewise with each clock move made in three steps: what falls due
while the clock moves is applied in the order it falls due, as if time had passed
continuously.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION, SEED, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_kinesis_queues import caller

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError

START = datetime(2026, 3, 1, tzinfo=timezone.utc)
#: botocore's own invocation ids are random: the calls are compared without them.
INVOCATION_ID = re.compile(r"invocation_id='[^']*'")
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})

#: A step: its name and its argument.
Step = tuple[str, Any]
STEPS = st.one_of(
    st.tuples(st.just("firehose_put"), st.integers(1, 3)),
    st.tuples(st.just("kinesis_put"), st.integers(1, 4)),
    st.tuples(st.just("queue_put"), st.integers(1, 3)),
    st.tuples(st.just("get_records"), st.integers(0, 3)),
    st.tuples(st.just("receive"), st.sampled_from([None, 0, 5])),
    st.tuples(st.just("acknowledge"), st.integers(0, 5)),
    st.tuples(st.just("advance"), st.sampled_from([1, 30, 61, 301, 3600, 86_401, 97_200])),
    st.tuples(st.just("destination"), st.booleans()),
    st.tuples(st.just("reshard"), st.sampled_from([1, 2, 4])),
    st.tuples(st.just("retention"), st.sampled_from([24, 25, 48])),
    st.tuples(st.just("consumer"), st.sampled_from(["register", "describe", "deregister"])),
    st.tuples(st.just("drain"), st.none()),
)


def _answer(send: Callable[..., Any], *args: Any, **params: Any) -> Any:
    """An answer as compared: the body (with its request id), or the error's code and
    message."""
    try:
        return send(*args, **params)
    except ClientError as error:
        return ("error", error.response["Error"].get("Code"), error.response["Error"]["Message"])


#: How a program's clock move is made in steps: in thirds, a second then the rest, all but
#: a second then that second, or (up to two minutes) a second at a time; or at once on the
#: frozen-time mode's freeze directly, not through the fake (which notices at its next
#: request or look).
SPLITS = ("thirds", "first", "last", "seconds", "direct")
#: What a look at the clock says of how far the fake moved it (a direct move is no move of
#: the fake's): left out where a direct move is compared.
_ELAPSED = re.compile(r"(<FakeClock \S+) \(\+[^)]*\)>")


def move_clock(clock: Any, seconds: int, split: str | None) -> None:
    """Move ``clock`` by ``seconds``: at once when ``split`` is None, else in steps, or on
    freezegun directly."""
    if split == "direct":
        from freezegun.api import freeze_factories

        freeze_factories[-1].tick(seconds)
        return
    if split is None:
        parts = [seconds]
    elif split == "thirds":
        third = seconds // 3
        parts = [third, third, seconds - 2 * third]
    elif split == "first":
        parts = [1, seconds - 1]
    elif split == "last":
        parts = [seconds - 1, 1]
    else:
        parts = [1] * min(seconds, 120) + [max(seconds - 120, 0)]
    for part in parts:
        if part:
            clock.advance(seconds=part)


def ended(run: tuple[list[Any], list[str]], split: str) -> tuple[list[Any], list[str]]:
    """What ``run`` got, as compared with a run whose clock moved ``split``: without how far
    the fake moved the clock, when one of them moved it directly."""
    if split != "direct":
        return run
    return run[0], [_ELAPSED.sub(r"\1>", seen) for seen in run[1]]


def public_reads(thing: Any) -> list[str]:
    """Every public property of ``thing`` (a handle, or a consumer, queue or channel it
    lists), read, as text without botocore's random invocation ids; the refusal's message
    where it cannot answer now. None of them acts: reading is what a look is."""
    seen = []
    for name in sorted(dir(type(thing))):
        if name.startswith("_") or not isinstance(getattr(type(thing), name), property):
            continue
        try:
            value = getattr(thing, name)
        except UsageError as refused:  # a question this stream cannot answer now
            seen.append(f"{name}: {refused}")
            continue
        seen.append(f"{name}={INVOCATION_ID.sub('', repr(value))}")
    return seen


def _look(fake: FirehoseFake) -> list[str]:
    seen = public_reads(fake.firehose) + public_reads(fake.kinesis)
    seen += [*public_reads(fake.firehose["f"]), repr(fake.firehose["f"].describe())]
    for name in ("k", "q"):
        stream = fake.kinesis[name]
        seen += public_reads(stream)
        for kept in (*stream.consumers, *stream.queues):
            seen += [repr(kept)]
    return seen


def _look_at_trigger(trigger: Any) -> list[str]:
    return public_reads(trigger)


class Program:
    """The streams a program runs against, and one method per kind of step, each
    returning the answer it got (``None`` for a step that sends no request)."""

    def __init__(self, fake: FirehoseFake, *, in_steps: str | None) -> None:
        self.fake = fake
        #: Whether the clock moves in three steps where a program moves it once.
        self.in_steps = in_steps
        self.firehose = boto3.client("firehose", region_name=REGION, config=ONE_ATTEMPT)
        self.kinesis = boto3.client("kinesis", region_name=REGION, config=ONE_ATTEMPT)
        self.call = caller(fake)
        fake.firehose.create_delivery_stream("f")
        fake.kinesis.create_stream("k", 2)
        self.call("CreateStream", StreamName="q", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        self.queue = self.call(
            "CreateQueue",
            QueueName="q",
            StreamConfigurationList=[
                {"StreamARN": fake.kinesis["q"].arn, "StartingPosition": {"Type": "TRIM_HORIZON"}}
            ],
            QueueAttributes={
                "VisibilityTimeoutSeconds": 10,
                "DeadLetterConfiguration": {"TargetType": "BUILT_IN", "MaxReceiveCount": 2},
            },
        )["QueueDescription"]["QueueARN"]
        self.handles: list[str] = []
        self.steps = 0
        #: A Lambda function reading "k" that fails every batch holding a payload of a put
        #: whose number ends in 3, and the sequence numbers of every batch it was given.
        self.batches: list[list[str]] = []
        self.trigger = fake.kinesis["k"].lambda_trigger(
            self._handler, BatchSize=3, BisectBatchOnFunctionError=True, MaximumRetryAttempts=1
        )

    def _handler(self, event: dict[str, Any], context: Any) -> None:
        records = [r["kinesis"] for r in event["Records"]]
        self.batches.append([r["sequenceNumber"] for r in records])
        if any(base64.b64decode(r["data"]).split(b".")[0].endswith(b"3") for r in records):
            raise RuntimeError("a put numbered ...3")

    def drain(self, _: None) -> Any:
        self.trigger.drain()
        return self.batches[:]

    def _payloads(self, count: int) -> list[bytes]:
        self.steps += 1
        return [b"%d.%d\n" % (self.steps, i) for i in range(count)]

    def firehose_put(self, count: int) -> Any:
        records = [{"Data": p} for p in self._payloads(count)]
        return _answer(self.firehose.put_record_batch, DeliveryStreamName="f", Records=records)

    def kinesis_put(self, count: int) -> Any:
        entries = [{"Data": p, "PartitionKey": str(i)} for i, p in enumerate(self._payloads(count))]
        return _answer(self.kinesis.put_records, StreamName="k", Records=entries)

    def queue_put(self, count: int) -> Any:
        entries = [{"Data": p, "PartitionKey": str(i)} for i, p in enumerate(self._payloads(count))]
        return _answer(self.call, "PutRecords", StreamName="q", Records=entries)

    def get_records(self, index: int) -> Any:
        return _answer(self._read_shard, index)

    def receive(self, visibility: int | None) -> Any:
        params: dict[str, Any] = {"QueueARN": self.queue, "WaitTimeSeconds": 1}
        if visibility is not None:
            params["VisibilityTimeoutSeconds"] = visibility
        got = _answer(self.call, "ReceiveQueueRecords", **params)
        if isinstance(got, dict):
            self.handles += [r["ReceiptHandle"] for r in got["QueueRecords"]]
        return got

    def acknowledge(self, index: int) -> Any:
        if not self.handles:
            return None
        entries = [{"ReceiptHandle": self.handles[index % len(self.handles)]}]
        return _answer(self.call, "AcknowledgeQueueRecords", QueueARN=self.queue, Entries=entries)

    def advance(self, seconds: int) -> None:
        move_clock(self.fake.kinesis.clock, seconds, self.in_steps)

    def destination(self, down: bool) -> None:
        stream = self.fake.firehose["f"]
        if down:
            stream.destination_down()
        else:
            stream.destination_up()

    def reshard(self, shards: int) -> Any:
        return _answer(
            self.kinesis.update_shard_count,
            StreamName="k",
            TargetShardCount=shards,
            ScalingType="UNIFORM_SCALING",
        )

    def retention(self, hours: int) -> Any:
        summary = _answer(self.kinesis.describe_stream_summary, StreamName="k")
        current = summary["StreamDescriptionSummary"]["RetentionPeriodHours"]
        change = (
            self.kinesis.increase_stream_retention_period
            if hours > current
            else self.kinesis.decrease_stream_retention_period
        )
        return _answer(change, StreamName="k", RetentionPeriodHours=hours)

    def consumer(self, act: str) -> Any:
        operation = {
            "register": self.kinesis.register_stream_consumer,
            "describe": self.kinesis.describe_stream_consumer,
            "deregister": self.kinesis.deregister_stream_consumer,
        }[act]
        return _answer(operation, StreamARN=self.fake.kinesis["k"].arn, ConsumerName="c")

    def _read_shard(self, index: int) -> Any:
        """Every record a shard (by its place in ListShards) holds from TRIM_HORIZON, read
        through iterators to its end or to where it caught up."""
        shards = self.kinesis.list_shards(StreamName="k")["Shards"]
        if index >= len(shards):
            return None
        shard = shards[index]["ShardId"]
        iterator = self.kinesis.get_shard_iterator(
            StreamName="k", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        read = []
        for _ in range(10):
            answer = self.kinesis.get_records(ShardIterator=iterator)
            read += [(r["SequenceNumber"], r["Data"]) for r in answer["Records"]]
            iterator = answer.get("NextShardIterator")
            if not iterator or not answer["Records"]:
                break
        return shard, read


def run(
    program: list[Step], *, looking: bool, in_steps: str | None = None
) -> tuple[list[Any], list[str]]:
    """The answers ``program`` got, and what a look at the end saw: with a look after
    every step when ``looking``, with the clock moved in three steps where the program
    moves it once when ``in_steps``."""
    # The same start for both runs (frozen-time mode: the code here reads fake time too).
    with FirehoseFake(region=REGION, seed=SEED, freeze_time=START) as fake:
        running = Program(fake, in_steps=in_steps)
        answers = []
        for step, argument in program:
            answers.append(getattr(running, step)(argument))
            if looking:
                _look(fake)
                _look_at_trigger(running.trigger)
        return answers, _look(fake) + _look_at_trigger(running.trigger)


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(program=st.lists(STEPS, min_size=1, max_size=25))
def test_answers_do_not_depend_on_whether_a_test_looked(program: list[Step]) -> None:
    looked = run(program, looking=True)
    unlooked = run(program, looking=False)

    assert unlooked[0] == looked[0]
    assert unlooked[1] == looked[1]


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(program=st.lists(STEPS, min_size=1, max_size=25), split=st.sampled_from(SPLITS))
def test_time_passes_the_same_in_one_jump_or_in_steps(program: list[Step], split: str) -> None:
    """What falls due while the clock moves is applied in the order it falls due, as if
    time had passed continuously: a jump and the same time in three steps end alike."""
    one_jump = ended(run(program, looking=False), split)
    in_steps = ended(run(program, looking=False, in_steps=split), split)

    assert in_steps[0] == one_jump[0]
    assert in_steps[1] == one_jump[1]
