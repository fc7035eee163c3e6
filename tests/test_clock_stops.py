"""A move of the clock stops at each instant work falls due on its way: what happens while
the clock jumps happens at its own time, in the order it falls due across every stream of
the world, as if the test had moved the clock there in steps."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
import time_machine
from conftest import REGION, SEED, needs_botocore
from freezegun import freeze_time
from freezegun.api import freeze_factories

from pytest_firehose import FirehoseFake

ROLE = "arn:aws:iam::123456789012:role/firehose"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:stamp"
START = datetime.fromisoformat("2026-03-01T12:00:00+00:00")


def _s3_stream(fake: FirehoseFake, name: str, interval: int, **extra: Any) -> Any:
    return fake.firehose.create_delivery_stream(
        name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::landing",
            "BufferingHints": {"IntervalInSeconds": interval, "SizeInMBs": 1},
            **extra,
        },
    )


def _processing(function: str) -> dict[str, Any]:
    return {
        "ProcessingConfiguration": {
            "Enabled": True,
            "Processors": [
                {
                    "Type": "Lambda",
                    "Parameters": [
                        {"ParameterName": "LambdaArn", "ParameterValue": function},
                        {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "60"},
                    ],
                }
            ],
        }
    }


def _stamping(fake: FirehoseFake, seen: list[datetime]) -> None:
    """Register FUNCTION: a processor passing every record on, noting in ``seen`` the time
    its handler reads on the fake's clock at each invocation."""

    def stamp(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(fake.firehose.clock.now())
        return _passed_on(event)

    fake.firehose.lambda_function(FUNCTION, stamp)


def _passed_on(event: dict[str, Any]) -> dict[str, Any]:
    """A processor's answer that passes every record on as it came."""
    return {
        "records": [
            {"recordId": r["recordId"], "result": "Ok", "data": r["data"]} for r in event["records"]
        ]
    }


@needs_botocore("kinesis CreateChannel")
def test_streams_of_both_services_draw_ids_in_the_order_their_work_falls_due() -> None:
    """A delivery stream's buffer due at 60 s and a Kinesis channel's write due later draw
    the world's seeded ids (the object keys' suffixes) in that order, whether the clock
    jumps past both, is moved a little at a time, or is moved on freezegun directly."""

    def run(steps: list[int], *, direct: bool = False) -> tuple[list[str], list[str]]:
        with FirehoseFake(region=REGION, seed=SEED, freeze_time=START) as fake:
            kinesis = boto3.client("kinesis", region_name=REGION)
            kinesis.create_stream(StreamName="od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the channel's schema is not modelled
                kinesis.create_channel(
                    ChannelName="ch",
                    ServiceExecutionRoleARN="arn:aws:iam::123456789012:role/channel",
                    StreamConfigurationList=[
                        {
                            "StreamARN": fake.kinesis["od"].arn,
                            "RecordConfiguration": {"RecordFormatType": "JSON"},
                        }
                    ],
                    S3DestinationConfiguration={
                        "StorageConfiguration": {
                            "BucketARN": "arn:aws:s3:::channel-bucket",
                            "ExpectedBucketOwner": "123456789012",
                            "CompressionType": "NONE",
                        }
                    },
                )
            stream = _s3_stream(fake, "a", 60)
            kinesis.put_record(StreamName="od", PartitionKey="p", Data=b'{"a": 1}')
            boto3.client("firehose", region_name=REGION).put_record(
                DeliveryStreamName="a", Record={"Data": b"y\n"}
            )
            for seconds in steps:
                if direct:  # the frozen-time mode's freeze, not the fake's clock
                    freeze_factories[-1].tick(seconds)
                else:
                    fake.firehose.clock.advance(seconds=seconds)
            [channel] = fake.kinesis["od"].channels
            return [o.key for o in stream.objects], [o.key for o in channel.objects]

    one_jump = run([4000])
    in_steps = run([30] * 134)

    assert one_jump == in_steps == run([4000], direct=True)
    assert len(one_jump[0]) == len(one_jump[1]) == 1


def test_a_processor_runs_with_the_clock_at_the_instant_its_buffer_fell_due() -> None:
    """The Lambda handler of a processor whose buffer fell due while the clock jumped
    reads the clock at that instant (its own time), not at where the jump ends."""
    seen: list[datetime] = []

    with FirehoseFake(region=REGION, seed=SEED) as fake:
        _stamping(fake, seen)
        stream = _s3_stream(fake, "a", 300, **_processing(FUNCTION))
        start = fake.firehose.clock.now()
        boto3.client("firehose", region_name=REGION).put_record(
            DeliveryStreamName="a", Record={"Data": b"x"}
        )

        fake.firehose.clock.advance(hours=1)

        assert seen == [start + timedelta(seconds=60)]
        assert stream.delivered == [b"x"]
        assert [o.key for o in stream.objects]


def test_a_handler_that_moves_the_clock_moves_it_within_the_jump() -> None:
    """A processor's handler that passes time while the clock jumps (a sleep, a retry's
    backoff) passes it on the way: the jump ends where it was asked to end, and the
    clock's ``elapsed`` says how far it moved in all."""
    with FirehoseFake(region=REGION, seed=SEED) as fake:

        def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
            fake.firehose.clock.advance(seconds=2)
            return _passed_on(event)

        fake.firehose.lambda_function(FUNCTION, slow)
        stream = _s3_stream(fake, "a", 300, **_processing(FUNCTION))
        start = fake.firehose.clock.now()
        boto3.client("firehose", region_name=REGION).put_record(
            DeliveryStreamName="a", Record={"Data": b"x"}
        )

        assert fake.firehose.clock.advance(seconds=100) == start + timedelta(seconds=100)
        assert fake.firehose.clock.elapsed == timedelta(seconds=100)
        [invocation] = stream.invocations
        assert invocation.started_at == start + timedelta(seconds=60)
        assert invocation.ended_at == start + timedelta(seconds=62)


def test_a_move_past_nothing_due_is_one_move() -> None:
    """With nothing due on its way, a move is one move: the clock lands where asked."""
    with FirehoseFake(region=REGION, seed=SEED) as fake:
        start = fake.firehose.clock.now()
        _s3_stream(fake, "a", 60)

        assert fake.firehose.clock.advance(days=3) == start + timedelta(days=3)
        assert fake.firehose.clock.elapsed == timedelta(days=3)


def test_buffers_of_two_streams_are_delivered_at_their_own_instants() -> None:
    """Two streams' buffers fall due at 60 and 90 seconds, one of them retried while the
    other is delivered: the delivery ids come in the order the work fell due, however the
    hour passed."""

    def run(steps: list[int]) -> list[list[str]]:
        with FirehoseFake(region=REGION, seed=SEED, freeze_time=START) as fake:
            early, late = _s3_stream(fake, "early", 60), _s3_stream(fake, "late", 90)
            client = boto3.client("firehose", region_name=REGION)
            client.put_record(DeliveryStreamName="late", Record={"Data": b"l\n"})
            client.put_record(DeliveryStreamName="early", Record={"Data": b"e\n"})
            start = fake.firehose.clock.now()
            for seconds in steps:
                fake.firehose.clock.advance(seconds=seconds)
            assert fake.firehose.clock.now() == start + timedelta(hours=1)
            return [[o.key for o in early.objects], [o.key for o in late.objects]]

    assert run([3600]) == run([59, 1, 3540]) == run([1] * 120 + [3480])


@pytest.mark.parametrize("look", [False, True])
def test_work_due_at_once_happens_before_the_clock_moves_on(look: bool) -> None:
    """A processor buffer due at once (``BufferIntervalInSeconds`` 0) is sent when the
    clock next moves, at the instant it fell due, whether or not the test looked at the
    stream in between: its handler reads that instant."""
    seen: list[datetime] = []
    with FirehoseFake(region=REGION, seed=SEED) as fake:
        _stamping(fake, seen)
        processing = _processing(FUNCTION)
        parameters = processing["ProcessingConfiguration"]["Processors"][0]["Parameters"]
        parameters[1]["ParameterValue"] = "0"
        stream = _s3_stream(fake, "a", 300, **processing)
        put_at = fake.firehose.clock.now()
        boto3.client("firehose", region_name=REGION).put_record(
            DeliveryStreamName="a", Record={"Data": b"x"}
        )
        if look:
            assert stream.invocations
        fake.firehose.clock.advance(seconds=60)

        assert seen == [put_at]


@contextlib.contextmanager
def _moved_directly(how: str, seconds: int) -> Iterator[Callable[[FirehoseFake], object]]:
    """A freeze of ``how`` (freezegun or time-machine) at START, and the move of ``seconds``
    made through it directly, not through the fake (or, for ``steps``, through the fake's
    clock 30 seconds at a time)."""
    if how == "time-machine":
        with time_machine.travel(START, tick=False) as traveller:
            yield lambda fake: traveller.shift(seconds)
        return
    with freeze_time(START) as frozen:
        if how == "freezegun":
            yield lambda fake: frozen.tick(seconds)
        else:
            yield lambda fake: [
                fake.firehose.clock.advance(seconds=30) for _ in range(seconds // 30)
            ]


MOVES = ("steps", "freezegun", "time-machine")


def test_a_direct_move_settles_the_streams_instant_by_instant() -> None:
    """Moved by freezegun or time-machine directly, the clock makes no stops, and the world
    notices only at its next look; it then settles every stream up to the first instant any
    has work due, then the next: a processor's buffer due at 60 s (its delivery at 360 s)
    and another region's buffer due at 90 s draw the seeded ids (the object keys' suffixes)
    in the order their work fell due, as with the clock moved in steps."""

    def run(how: str) -> tuple[list[str], list[str], list[datetime]]:
        with contextlib.ExitStack() as stack:
            move = stack.enter_context(_moved_directly(how, 600))
            fake = stack.enter_context(FirehoseFake(region=REGION, seed=SEED))
            fake.firehose.lambda_function(FUNCTION, lambda event, context: _passed_on(event))
            first = _s3_stream(fake, "first", 300, **_processing(FUNCTION))
            other = fake.firehose.create_delivery_stream(
                "other",
                region="us-west-2",
                ExtendedS3DestinationConfiguration={
                    "RoleARN": ROLE,
                    "BucketARN": "arn:aws:s3:::landing",
                    "BufferingHints": {"IntervalInSeconds": 90, "SizeInMBs": 1},
                },
            )
            boto3.client("firehose", region_name=REGION).put_record(
                DeliveryStreamName="first", Record={"Data": b"x\n"}
            )
            boto3.client("firehose", region_name="us-west-2").put_record(
                DeliveryStreamName="other", Record={"Data": b"y\n"}
            )
            move(fake)
            return (
                [o.key for o in first.objects],
                [o.key for o in other.objects],
                [i.started_at for i in first.invocations],
            )

    in_steps = run("steps")
    assert len(in_steps[0]) == len(in_steps[1]) == 1
    assert in_steps[2] == [START + timedelta(seconds=60)]
    assert run("freezegun") == in_steps
    assert run("time-machine") == in_steps
