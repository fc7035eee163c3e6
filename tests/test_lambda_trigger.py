"""A Kinesis event source mapping on the fake clock: the batches a handler sees, retries,
bisection, partial batch responses, the limits that make it give up, and what it writes
when it does (the Lambda developer guide's rules; docs/fidelity.md)."""

from __future__ import annotations

import base64
import copy
import itertools
import json
import sys
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from botocore.config import Config
from conftest import needs_botocore
from lambda_support import batches, put

from pytest_firehose import FirehoseFake, KinesisTrigger
from pytest_firehose._errors import UsageError
from pytest_firehose._handles.stream_readers import KinesisReader
from pytest_firehose._lambda.mapping_invocations import FunctionTimeout
from pytest_firehose._services.firehose.settings import UnmodelledSettingWarning

SQS = "arn:aws:sqs:us-east-1:123456789012"


def _payloads(event: dict[str, Any]) -> list[bytes]:
    return [base64.b64decode(entry["kinesis"]["data"]) for entry in event["Records"]]


def _poisoned(poison: bytes = b"poison") -> Any:
    def handler(event: dict[str, Any], context: Any) -> None:
        if poison in _payloads(event):
            raise ValueError("cannot process")

    return handler


def test_a_succeeding_handler_sees_every_record_once_in_batches(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None, BatchSize=2)
    put(b"a", b"b", b"c", b"d", b"e")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"b"], [b"c", b"d"], [b"e"]]
    assert trigger.failures == []
    assert all(invocation.error is None for invocation in trigger.invocations)
    assert isinstance(trigger, KinesisTrigger)  # the public name annotates it


def test_the_failure_report_names_a_trigger_whose_handler_failed(fake: FirehoseFake) -> None:
    # A handler's error showed nowhere but on trigger.invocations[i].error.
    def handler(event: dict[str, Any], context: Any) -> None:
        print(event["records"])  # a Firehose processor's key: Kinesis says "Records"

    raised_at = handler.__code__.co_firstlineno + 1
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(handler, MaximumRetryAttempts=1)
    stream.lambda_trigger(lambda event, context: None)  # it fails nothing: not listed
    put(b"a")
    trigger.drain()

    assert fake.failure_report().splitlines()[-2:] == [
        "Lambda triggers whose handler failed (trigger.invocations[i].error):",
        f"  <KinesisTrigger 'handler', 2 invocations>: 2 of 2 failed; the last: KeyError: "
        f"'records' (at {__file__}:{raised_at})",
    ]


def test_a_reset_leaves_the_failure_report_as_a_fresh_fakes(fake: FirehoseFake) -> None:
    def handler(event: dict[str, Any], context: Any) -> None:
        raise ValueError("bad batch")

    trigger = fake.kinesis.create_stream("s").lambda_trigger(handler, MaximumRetryAttempts=0)
    put(b"a")
    trigger.drain()
    assert "whose handler failed" in fake.failure_report()

    fake.world.reset()  # what the local server's POST /_fake/reset does

    assert fake.failure_report() == "  (no calls reached the fake)"


def test_a_failing_batch_is_retried_whole_until_retries_run_out(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_poisoned(), MaximumRetryAttempts=2)
    put(b"a", b"poison", b"c")

    trigger.drain()
    put(b"after")
    trigger.drain()

    batch = [b"a", b"poison", b"c"]
    assert batches(trigger) == [batch, batch, batch, [b"after"]]
    (failure,) = trigger.failures
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["responseContext"]["functionError"] == "Unhandled"
    info = failure["KinesisBatchInfo"]
    records = stream.records
    assert info["batchSize"] == 3
    assert info["startSequenceNumber"] == records[0].sequence_number
    assert info["endSequenceNumber"] == records[2].sequence_number
    assert info["streamArn"] == stream.arn


def test_retries_wait_on_the_fake_clock(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_poisoned(), MaximumRetryAttempts=3)
    put(b"poison")

    trigger.drain()

    started = [invocation.at for invocation in trigger.invocations]
    gaps = [later - earlier for earlier, later in itertools.pairwise(started)]
    assert gaps == [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4)]


def test_bisecting_isolates_the_poison_record(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        _poisoned(), BisectBatchOnFunctionError=True, MaximumRetryAttempts=0
    )
    put(b"a", b"b", b"poison", b"d")

    trigger.drain()

    assert batches(trigger) == [
        [b"a", b"b", b"poison", b"d"],
        [b"a", b"b"],
        [b"poison", b"d"],
        [b"poison"],
        [b"d"],
    ]
    (failure,) = trigger.failures
    assert failure["KinesisBatchInfo"]["batchSize"] == 1
    assert failure["KinesisBatchInfo"]["startSequenceNumber"] == stream.records[2].sequence_number
    assert failure["requestContext"]["approximateInvokeCount"] == 1


def test_bisecting_the_first_half_keeps_the_second_half_waiting(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        _poisoned(),
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        MaximumBatchingWindowInSeconds=10,
    )
    put(b"poison", b"b", b"c", b"d")

    trigger.drain()

    assert batches(trigger) == [
        [b"poison", b"b", b"c", b"d"],
        [b"poison", b"b"],
        [b"poison"],
        [b"b"],
        [b"c", b"d"],
    ]
    # The halves are the batch's, invoked in turn at once: none waits for a batching
    # window as a batch newly read does.
    assert len({invocation.at for invocation in trigger.invocations}) == 1


def test_splitting_uses_no_retries(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        _poisoned(), BisectBatchOnFunctionError=True, MaximumRetryAttempts=1
    )
    put(b"poison", b"b")

    trigger.drain()

    assert batches(trigger) == [[b"poison", b"b"], [b"poison"], [b"poison"], [b"b"]]
    assert trigger.failures[0]["requestContext"]["approximateInvokeCount"] == 2


def _reporting(poison: bytes = b"poison") -> Any:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failed = [
            {"itemIdentifier": entry["kinesis"]["sequenceNumber"]}
            for entry in event["Records"]
            if base64.b64decode(entry["kinesis"]["data"]) == poison
        ]
        return {"batchItemFailures": failed}

    return handler


def test_a_partial_failure_resumes_from_the_lowest_reported_record(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        _reporting(), FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=1
    )
    put(b"a", b"b", b"poison", b"d")

    trigger.drain()

    assert batches(trigger) == [
        [b"a", b"b", b"poison", b"d"],
        [b"poison", b"d"],
        [b"poison", b"d"],
    ]
    (failure,) = trigger.failures
    assert failure["KinesisBatchInfo"]["batchSize"] == 2
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    # The function answered; it raised nothing (REAL: functionError null).
    assert failure["responseContext"]["functionError"] is None


def test_the_rest_of_a_partly_failed_batch_is_retried_as_a_new_batch(fake: FirehoseFake) -> None:
    # Its retries wait 1, then 2 seconds, counting from the partial failure afresh.
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        _reporting(), FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=2
    )
    put(b"a", b"poison")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"poison"]] + [[b"poison"]] * 3
    started = [invocation.at for invocation in trigger.invocations]
    gaps = [later - earlier for earlier, later in itertools.pairwise(started)]
    assert gaps == [timedelta(seconds=1), timedelta(seconds=1), timedelta(seconds=2)]
    assert trigger.failures[0]["requestContext"]["approximateInvokeCount"] == 3


def test_a_failure_report_is_read_as_lambda_returns_it_in_json(fake: FirehoseFake) -> None:
    """Lambda writes the answer as JSON: failures reported in a tuple are an array."""
    reporting = _reporting()

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"batchItemFailures": tuple(reporting(event, context)["batchItemFailures"])}

    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        handler, FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=1
    )
    put(b"a", b"poison", b"c")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"poison", b"c"], [b"poison", b"c"], [b"poison", b"c"]]
    assert trigger.failures[0]["KinesisBatchInfo"]["batchSize"] == 2


def test_without_report_batch_item_failures_an_answer_is_success(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_reporting())
    put(b"a", b"poison")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"poison"]]


@pytest.mark.parametrize(
    "answer",
    [
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"foo": "1"}]},
        {"batchItemFailures": [{"itemIdentifier": "123"}]},
    ],
)
def test_a_malformed_failure_report_fails_the_whole_batch(
    fake: FirehoseFake, answer: dict[str, Any]
) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: answer,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=2,
    )
    put(b"a", b"b")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"b"]] * 3
    assert trigger.failures[0]["KinesisBatchInfo"]["batchSize"] == 2


@pytest.mark.parametrize("answer", ["", [], None, {}, {"batchItemFailures": []}])
def test_an_empty_failure_report_is_success(fake: FirehoseFake, answer: Any) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: answer, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    put(b"a")

    trigger.drain()

    assert batches(trigger) == [[b"a"]]


def test_records_past_their_maximum_age_are_given_up(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_poisoned(), MaximumRecordAgeInSeconds=60)
    put(b"poison")

    trigger.drain()

    # AWS invoked such a batch 8 times before its record was 60 seconds old (LocalStack's
    # AWS-validated snapshot, 2025), so retries cannot keep doubling from 1 second: the
    # fake retries after 1, 2, 4, then every 8 seconds.
    first = trigger.invocations[0].at
    offsets = [(invocation.at - first).total_seconds() for invocation in trigger.invocations]
    assert offsets == [0, 1, 3, 7, 15, 23, 31, 39, 47, 55]
    (failure,) = trigger.failures
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert failure["requestContext"]["approximateInvokeCount"] == len(offsets)
    assert "responseContext" not in failure


@pytest.mark.parametrize(
    ("age", "invoked"),
    [(timedelta(seconds=60), True), (timedelta(seconds=60, milliseconds=1), False)],
)
def test_a_record_is_given_up_once_older_than_its_maximum_age(
    fake: FirehoseFake, age: timedelta, invoked: bool
) -> None:
    # The API reference: "Discard records older than the specified age"; a record exactly
    # that old is not older, and is invoked.
    stream = fake.kinesis.create_stream("s")
    put(b"a")
    fake.kinesis.clock.advance(age)
    trigger = stream.lambda_trigger(lambda event, context: None, MaximumRecordAgeInSeconds=60)

    trigger.drain()

    assert batches(trigger) == ([[b"a"]] if invoked else [])
    conditions = [failure["requestContext"]["condition"] for failure in trigger.failures]
    assert conditions == ([] if invoked else ["RecordAgeExceeded"])


def test_aged_records_leave_the_batch_and_the_rest_is_invoked(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    put(b"old")
    fake.kinesis.clock.advance(seconds=61)
    put(b"new1", b"new2")
    trigger = stream.lambda_trigger(lambda event, context: None, MaximumRecordAgeInSeconds=60)

    trigger.drain()

    assert batches(trigger) == [[b"new1", b"new2"]]
    (failure,) = trigger.failures
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert failure["KinesisBatchInfo"]["startSequenceNumber"] == stream.records[0].sequence_number


def test_a_handler_that_runs_past_its_timeout_failed(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")

    def slow(event: dict[str, Any], context: Any) -> None:
        assert context.get_remaining_time_in_millis() == 5000
        fake.kinesis.clock.advance(seconds=6)

    trigger = stream.lambda_trigger(slow, timeout=5, MaximumRetryAttempts=0)
    put(b"a")

    trigger.drain()

    (invocation,) = trigger.invocations
    assert isinstance(invocation.error, FunctionTimeout)
    assert str(invocation.error) == "Task timed out after 5.00 seconds"
    assert trigger.failures[0]["responseContext"]["functionError"] == "Unhandled"


@pytest.mark.parametrize("status", [0, 3])
def test_a_handler_that_exits_the_runtime_failed(fake: FirehoseFake, status: int) -> None:
    stream = fake.kinesis.create_stream("s")

    def exits(event: dict[str, Any], context: Any) -> None:
        sys.exit(status)

    trigger = stream.lambda_trigger(exits, MaximumRetryAttempts=0)
    put(b"a")

    trigger.drain()

    (invocation,) = trigger.invocations
    assert isinstance(invocation.error, SystemExit)
    assert trigger.failures[0]["responseContext"]["functionError"] == "Unhandled"


def test_an_answer_that_is_not_json_is_a_function_error(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: object(), MaximumRetryAttempts=0)
    put(b"a")

    trigger.drain()

    assert isinstance(trigger.invocations[0].error, TypeError)
    assert len(trigger.failures) == 1


def test_records_trimmed_before_they_were_read_are_skipped(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None)
    put(b"lost")
    fake.kinesis.clock.advance(hours=24, seconds=1)
    put(b"kept")

    trigger.drain()

    assert batches(trigger) == [[b"kept"]]
    assert trigger.expired == [b"lost"]
    assert trigger.failures == []


def test_each_record_trimmed_before_it_was_read_is_listed_once(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None)
    for lost in (b"first", b"second"):
        put(lost)
        fake.kinesis.clock.advance(hours=24, seconds=1)
        trigger.drain()

    assert batches(trigger) == []
    assert trigger.expired == [b"first", b"second"]


def test_records_trimmed_from_several_shards_are_each_listed_once(fake: FirehoseFake) -> None:
    # Each shard's reading sorted the stream's trimmed records in again: the second
    # shard's were listed twice.
    stream = fake.kinesis.create_stream("s", 2)
    trigger = stream.lambda_trigger(lambda event, context: None)
    client = boto3.client("kinesis", region_name="us-east-1")
    shards = client.list_shards(StreamName="s")["Shards"]
    low, high = (shard["HashKeyRange"]["StartingHashKey"] for shard in shards)
    for data, hash_key in ((b"low", low), (b"high", high)):
        client.put_record(StreamName="s", Data=data, PartitionKey="k", ExplicitHashKey=hash_key)
    fake.kinesis.clock.advance(hours=24, seconds=1)

    trigger.drain()

    assert batches(trigger) == []
    assert sorted(record.data for record in trigger.expired) == [b"high", b"low"]


def test_a_record_retried_forever_ends_when_retention_trims_it(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_poisoned())
    put(b"poison")

    trigger.drain()

    assert trigger.expired == [b"poison"]
    assert trigger.failures == []
    assert fake.kinesis.clock.elapsed > timedelta(hours=24)


def test_a_drain_that_never_catches_up_stops_after_20000_failed_invocations(
    fake: FirehoseFake,
) -> None:
    # Two days' retention outlasts 20,000 retries 8 seconds apart: drain() gives up first.
    stream = fake.kinesis.create_stream("s")
    boto3.client("kinesis", region_name="us-east-1").increase_stream_retention_period(
        StreamName="s", RetentionPeriodHours=48
    )
    trigger = stream.lambda_trigger(_poisoned())
    put(b"poison")

    with pytest.raises(UsageError, match="invoked failing batches 20000 times without catching up"):
        trigger.drain()

    assert len(trigger.invocations) == 20_000
    assert trigger.failures == []


def test_a_drain_of_more_than_20000_batches_that_succeed_reads_them_all(
    fake: FirehoseFake,
) -> None:
    # Only retries count towards drain()'s guard; it refused this stream as a failing one.
    stream = fake.kinesis.create_stream("s")
    client = boto3.client("kinesis", region_name="us-east-1")
    for _ in range(41):
        client.put_records(StreamName="s", Records=[{"Data": b"x", "PartitionKey": "k"}] * 500)
        fake.kinesis.clock.advance(seconds=1)  # within the shard's write throughput
    trigger = stream.lambda_trigger(lambda event, context: None, BatchSize=1)

    trigger.drain()

    assert len(trigger.invocations) == 20_500
    assert trigger.failures == []


def test_each_retry_receives_the_batch_s_event_afresh(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    received: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        received.append(copy.deepcopy(event))
        event["Records"].clear()  # the function's own copy: the next retry has them all
        raise ValueError("cannot process")

    trigger = stream.lambda_trigger(handler, MaximumRetryAttempts=3)
    put(b"a", b"b")

    trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    assert len(received) == 4
    assert all(event == stream.lambda_event() for event in received + events)
    # The retries of one batch keep one event between them (10,800 retries of a batch of
    # 100 records kept 10,800 copies of it).
    assert all(event is events[0] for event in events)


def test_a_retry_reads_the_shard_again_only_after_retention_trimmed_it(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    read = KinesisReader.read

    def counted(reader: KinesisReader, shard_id: str, after: int) -> Any:
        reads.append(shard_id)
        return read(reader, shard_id, after)

    monkeypatch.setattr(KinesisReader, "read", counted)
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_poisoned(), MaximumRetryAttempts=50)
    put(b"poison", *[b"%d" % n for n in range(200)])

    trigger.drain()

    assert len(trigger.invocations) == 51 + 2  # the poison's batch, then the other two
    assert len(reads) < 10  # a read of every record the shard holds, at every retry
    assert len(trigger.failures) == 1


def test_latest_skips_what_the_stream_held_before(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    put(b"before")
    trigger = stream.lambda_trigger(lambda event, context: None, StartingPosition="LATEST")
    put(b"after")

    trigger.drain()

    assert batches(trigger) == [[b"after"]]


def test_at_timestamp_starts_at_the_first_record_that_arrived_then(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    put(b"early")
    fake.kinesis.clock.advance(seconds=10)
    start = fake.kinesis.clock.now()
    put(b"late")  # at that very instant: the fake clock stands still between calls
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=start,
    )

    trigger.drain()

    assert batches(trigger) == [[b"late"]]


def test_at_timestamp_after_every_record_waits_for_the_next(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    put(b"early", b"also early")
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=fake.kinesis.clock.now() + timedelta(seconds=1),
    )
    trigger.drain()
    nothing = batches(trigger)
    fake.kinesis.clock.advance(seconds=1)
    put(b"next")

    trigger.drain()

    assert nothing == []
    assert batches(trigger) == [[b"next"]]


def test_at_timestamp_before_every_record_starts_at_the_first(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    start = fake.kinesis.clock.now()
    fake.kinesis.clock.advance(seconds=10)
    put(b"first", b"second")
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=start,
    )

    trigger.drain()

    assert batches(trigger) == [[b"first", b"second"]]


def test_at_timestamp_lists_no_record_from_before_the_start_as_expired(
    fake: FirehoseFake,
) -> None:
    """A record that arrived before the starting timestamp is no record the mapping would
    read: once retention trims it, it is not on ``expired``; one from after the start,
    trimmed before it was read, is. "before" was listed too."""
    stream = fake.kinesis.create_stream("s")
    put(b"before")
    fake.kinesis.clock.advance(hours=1)
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=fake.kinesis.clock.now(),
    )
    put(b"after")
    fake.kinesis.clock.advance(hours=23, minutes=30)
    put(b"last")
    fake.kinesis.clock.advance(minutes=31)

    trigger.drain()

    assert (batches(trigger), trigger.expired) == ([[b"last"]], [b"after"])


def test_at_timestamp_passes_over_no_record_put_once_the_start_was_reached() -> None:
    """freezegun moved back between two drains: "b" is stamped before the starting
    timestamp but comes after "a" in the shard, which the mapping has read from. The
    starting position is found once, so "b" is invoked. It was passed over as though the
    mapping were still looking for its start."""
    start = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region="us-east-1") as fake:
        stream = fake.kinesis.create_stream("s")
        trigger = stream.lambda_trigger(
            lambda event, context: None,
            StartingPosition="AT_TIMESTAMP",
            StartingPositionTimestamp=start + timedelta(seconds=80),
        )
        frozen.move_to(start + timedelta(seconds=100))
        put(b"a")
        trigger.drain()
        frozen.move_to(start + timedelta(seconds=50))
        put(b"b")
        frozen.move_to(start + timedelta(seconds=300))

        trigger.drain()

    assert batches(trigger) == [[b"a"], [b"b"]]


def test_a_trigger_made_before_time_was_frozen_earlier_stays_enabled_and_invokes(
    fake: FirehoseFake,
) -> None:
    """A trigger made at the fake clock's time, then used under freezegun frozen a year
    earlier: its creation has happened, so it is Enabled and invokes what is put then.
    It went back to Creating, and drain() moved the clock a year on to poll, by when the
    record had expired."""
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None)
    earlier = fake.kinesis.clock.now() - timedelta(days=365)

    with freezegun.freeze_time(earlier):
        put(b"a")
        trigger.drain()
        state = trigger.state

    assert (state, batches(trigger), trigger.expired) == ("Enabled", [[b"a"]], [])


def test_a_batch_that_batch_size_fills_waits_for_no_batching_window(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None, BatchSize=3, MaximumBatchingWindowInSeconds=5
    )
    put(b"a", b"b", b"c")
    arrived = fake.kinesis.clock.now()

    trigger.drain()

    assert batches(trigger) == [[b"a", b"b", b"c"]]
    assert trigger.invocations[0].at == arrived


def test_the_batching_window_gathers_records_on_the_fake_clock(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None, BatchSize=3, MaximumBatchingWindowInSeconds=5
    )
    put(b"a", b"b", b"c", b"d")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"b", b"c"], [b"d"]]
    # The full batch went at once; the last one waited for its window.
    assert trigger.invocations[1].at - trigger.invocations[0].at == timedelta(seconds=5)


def _windowed_after_one_invocation(fake: FirehoseFake) -> tuple[KinesisTrigger, datetime]:
    """A trigger with a 10-second batching window that has invoked its function once, and
    when that invocation ended (the handler takes no fake time)."""
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None, MaximumBatchingWindowInSeconds=10)
    put(b"a")
    trigger.drain()
    return trigger, trigger.invocations[0].at


def test_the_next_batching_window_opens_when_the_previous_invocation_ends(
    fake: FirehoseFake,
) -> None:
    # The guide: for Kinesis, "the next batching window begins as soon as the previous
    # function invocation completes" (for Kafka it begins with the first record).
    clock = fake.kinesis.clock
    trigger, ended = _windowed_after_one_invocation(fake)

    clock.advance(seconds=4)
    put(b"b")
    trigger.drain()
    # Six seconds after it arrived: the window opened when the first invocation ended.
    assert trigger.invocations[1].at == ended + timedelta(seconds=10)

    clock.advance(seconds=60)
    put(b"c")
    arrived = clock.now()
    trigger.drain()
    # The window closed long before it arrived: it is invoked at once.
    assert trigger.invocations[2].at == arrived
    assert batches(trigger) == [[b"a"], [b"b"], [b"c"]]


def test_new_lanes_keep_the_batching_window_the_last_invocation_opened(
    fake: FirehoseFake,
) -> None:
    trigger, ended = _windowed_after_one_invocation(fake)

    trigger.update(ParallelizationFactor=2)
    fake.kinesis.clock.advance(seconds=4)
    put(b"b")
    trigger.drain()

    assert trigger.invocations[1].at == ended + timedelta(seconds=10)


def test_new_lanes_open_their_batching_window_when_the_last_old_lane_ended(
    fake: FirehoseFake,
) -> None:
    # "a" and "e" go to different lanes of two (test_lambda_mapping_parallel.py).
    clock = fake.kinesis.clock
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None, ParallelizationFactor=2, MaximumBatchingWindowInSeconds=10
    )
    put(b"a", key="a")
    trigger.drain()  # "a"'s lane waits out its window
    clock.advance(seconds=5)
    put(b"e", key="e")
    trigger.drain()  # "e"'s lane opened its window when the mapping started: at once
    first, last = (invocation.at for invocation in trigger.invocations)
    assert last == first + timedelta(seconds=5)

    trigger.update(ParallelizationFactor=1)
    clock.advance(seconds=1)
    put(b"b", key="a")
    trigger.drain()

    assert trigger.invocations[2].at == last + timedelta(seconds=10)


def test_an_empty_parent_lets_its_children_be_read_in_the_same_drain(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None)
    stream.split_shard("shardId-000000000000", 2**127)
    put(b"child")

    trigger.drain()

    assert batches(trigger) == [[b"child"]]


@pytest.mark.parametrize("batch_size", [100, 10_000])
def test_a_batch_over_ten_records_needs_no_batching_window(
    fake: FirehoseFake, batch_size: int
) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None, BatchSize=batch_size, MaximumBatchingWindowInSeconds=0
    )
    boto3.client("kinesis", region_name="us-east-1").put_records(
        StreamName="s", Records=[{"Data": b"%d" % n, "PartitionKey": "p"} for n in range(12)]
    )

    trigger.drain()

    assert [len(records) for records in batches(trigger)] == [12]


@pytest.mark.parametrize(
    ("data_bytes", "batch_sizes"),
    [
        # Five records whose event is about 3 KB under 6,291,456 bytes: one invocation.
        (942_846, [5]),
        # About 3 KB over it: the fifth record waits for the next invocation.
        (943_767, [4, 1]),
    ],
)
def test_an_event_stays_within_lambdas_six_megabyte_payload(
    fake: FirehoseFake, data_bytes: int, batch_sizes: list[int]
) -> None:
    # Lambda refuses a request of 6,291,456 bytes or more ("Request must be smaller than
    # 6291456 bytes for the InvokeFunction operation"): a batch ends before its event would.
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None)
    for number in range(5):
        put(b"%d" % number + b"x" * (data_bytes - 1), key="k")
        fake.kinesis.clock.advance(seconds=1)  # within the shard's write throughput

    trigger.drain()

    assert [len(records) for records in batches(trigger)] == batch_sizes
    assert [record[:1] for records in batches(trigger) for record in records] == [
        b"0",
        b"1",
        b"2",
        b"3",
        b"4",
    ]


@pytest.mark.parametrize(("last_key", "batch_sizes"), [("kk", [5]), ("kkk", [4, 1])])
def test_an_event_of_exactly_six_mebibytes_is_too_large(
    fake: FirehoseFake, last_key: str, batch_sizes: list[int]
) -> None:
    # Five records whose event is 6,291,455 bytes go in one invocation; one more byte of
    # partition key makes it 6,291,456, which Lambda refuses: the fifth waits.
    clock = fake.kinesis.clock
    # Each arrival time at .123 of its second: written as three decimals in the event.
    clock.advance(microseconds=1_123_000 - clock.now().microsecond)
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None)
    for number, key in enumerate(["kkkk", "kkkk", "kkkk", "kkk", last_key]):
        put(b"%d" % number + b"x" * 943_304, key=key)
        fake.kinesis.clock.advance(seconds=1)  # within the shard's write throughput

    trigger.drain()

    assert [len(records) for records in batches(trigger)] == batch_sizes
    sizes = [len(json.dumps(invocation.event)) for invocation in trigger.invocations]
    assert max(sizes) < 6_291_456
    if batch_sizes == [5]:
        assert sizes == [6_291_455]  # the largest event Lambda takes


@pytest.mark.parametrize("size", [6_291_556, 6_291_557])
def test_a_response_over_lambdas_limit_fails_the_invocation(fake: FirehoseFake, size: int) -> None:
    # Lambda's response limit is 6,291,556 bytes (100 above 6 MiB): "Response payload size
    # (9706999 bytes) exceeded maximum allowed payload size (6291556 bytes)."
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: "x" * (size - 2), MaximumRetryAttempts=0)
    put(b"a")

    trigger.drain()

    error = trigger.invocations[0].error
    if size == 6_291_556:
        assert error is None
        assert trigger.failures == []
    else:
        assert str(error) == (
            "Response payload size (6291557 bytes) exceeded maximum allowed payload size "
            "(6291556 bytes)."
        )
        assert len(trigger.failures) == 1


def test_a_batch_the_payload_limit_fills_waits_for_no_batching_window(
    fake: FirehoseFake,
) -> None:
    # Lambda invokes once the batching window ends, the batch size is reached or the
    # payload reaches 6 MB, whichever comes first.
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None, MaximumBatchingWindowInSeconds=60)
    for number in range(5):
        put(b"%d" % number + b"x" * 943_766, key="k")
        fake.kinesis.clock.advance(seconds=1)  # within the shard's write throughput
    drained_at = fake.kinesis.clock.now()

    trigger.drain()

    assert [len(records) for records in batches(trigger)] == [4, 1]
    assert trigger.invocations[0].at == drained_at
    assert trigger.invocations[1].at > drained_at  # one record: the window runs its length


def test_parent_shards_are_read_before_their_children(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None, BatchSize=1)
    put(b"p1", b"p2")
    stream.split_shard("shardId-000000000000", 2**127)
    client = boto3.client("kinesis", region_name="us-east-1")
    for key in ("a", "b", "c", "d", "e", "f"):
        client.put_record(StreamName="s", Data=b"child-" + key.encode(), PartitionKey=key)

    trigger.drain()

    seen = [payload for batch in batches(trigger) for payload in batch]
    assert seen[:2] == [b"p1", b"p2"]
    assert sorted(seen[2:]) == sorted(b"child-" + key.encode() for key in "abcdef")
    shards = {invocation.shard_id for invocation in trigger.invocations[2:]}
    assert shards == {"shardId-000000000001", "shardId-000000000002"}


def test_handlers_run_outside_the_worlds_lock(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    free: list[bool] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        # Another thread (a pool inside the handler, say) can take the lock.
        def probe() -> None:
            took = fake.world.lock.acquire(blocking=False)
            free.append(took)
            if took:
                fake.world.lock.release()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()

    trigger = stream.lambda_trigger(handler)
    put(b"a")
    trigger.drain()

    assert free == [True]


def test_a_throttled_firehose_write_is_retried_by_the_mapping(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    archive = fake.firehose.create_delivery_stream("archive")
    firehose = boto3.client(
        "firehose",
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}),
    )

    def handler(event: dict[str, Any], context: Any) -> None:
        for payload in _payloads(event):
            firehose.put_record(DeliveryStreamName="archive", Record={"Data": payload})

    # Both of botocore's attempts are throttled: the handler raises, the mapping retries.
    throttled = fake.firehose.fail(error="ServiceUnavailableException", times=2)
    trigger = stream.lambda_trigger(handler)
    put(b"a")

    trigger.drain()

    assert throttled.fired == 2
    assert [invocation.failed for invocation in trigger.invocations] == [True, False]
    archive.assert_delivered([b"a"])


def test_an_s3_destination_nothing_stands_in_for_keeps_the_records(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        _poisoned(),
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failures"}},
    )
    put(b"poison")

    with pytest.warns(UnmodelledSettingWarning, match="nothing stands in for S3"):
        trigger.drain()

    assert [r["KinesisBatchInfo"]["batchSize"] for r in trigger.failures] == [1]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"BatchSize": 0}, "ValidationException.*batchSize"),
        ({"MaximumRecordAgeInSeconds": 30}, "InvalidParameterValueException.*-1"),
        ({"StartingPosition": "AT_TIMESTAMP"}, "Need to specify a timestamp"),
        ({"DestinationConfig": {"OnSuccess": {"Destination": f"{SQS}:q"}}}, "Unsupported"),
        ({"FunctionResponseTypes": ["Everything"]}, "ValidationException"),
        ({"ParallelizationFactor": 11}, "ValidationException"),
        ({"TumblingWindowInSeconds": 901}, "ValidationException"),
        (
            {"Queues": ["q"]},
            "InvalidParameterValueException: Unsupported 'queues' parameter for given event "
            "source mapping type",
        ),
        (
            {"DestinationConfig": {"OnFailure": {"Destination": f"{SQS}:q.fifo"}}},
            "InvalidParameterValueException: FIFO queues and topics are not supported",
        ),
        (
            {
                "DestinationConfig": {
                    "OnFailure": {"Destination": "arn:aws:sns:us-east-1:123456789012:t.fifo"}
                }
            },
            "InvalidParameterValueException: FIFO queues and topics are not supported",
        ),
        ({"BatchSzie": 10}, "Unknown parameter"),
    ],
)
def test_bad_options_are_refused_naming_the_fix(
    fake: FirehoseFake, options: dict[str, Any], message: str
) -> None:
    stream = fake.kinesis.create_stream("s")
    with pytest.raises(UsageError, match=message):
        stream.lambda_trigger(lambda event, context: None, **options)


@pytest.mark.parametrize(
    ("options", "answer"),
    [
        (
            {"MaximumRecordAgeInSeconds": 59},
            "InvalidParameterValueException: MaximumRecordAgeInSeconds must be either -1 "
            "(forever) or between 60 and 604800 (inclusive)\n",
        ),
        (
            {"StartingPosition": "AT_TIMESTAMP"},
            "InvalidParameterValueException: Need to specify a timestamp\n",
        ),
        (
            {"DestinationConfig": {"OnFailure": {}}},
            "InvalidParameterValueException: The Destination field is required for an "
            "OnFailure configuration.\n",
        ),
        (
            {"StartingPosition": "0"},
            "ValidationException: 1 validation error detected: Value '0' at 'startingPosition' "
            "failed to satisfy constraint: Member must satisfy enum value set: [LATEST, "
            "AT_TIMESTAMP, TRIM_HORIZON]\n",
        ),
        (
            {"StartingPosition": "LATEST", "StartingPositionTimestamp": 1_700_000_000},
            "InvalidParameterValueException: Timestamp only valid with StartingPosition "
            "AT_TIMESTAMP\n",
        ),
        (
            {"StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": -1_700_000_000},
            "InvalidParameterValueException: Received Exception while reading from provided "
            "stream. class java.lang.Long can not be converted to a Timestamp\n",
        ),
        (
            {
                "StartingPosition": "AT_TIMESTAMP",
                "StartingPositionTimestamp": datetime(1969, 12, 31, 23, 59, tzinfo=timezone.utc),
            },
            "InvalidParameterValueException: Received Exception while reading from provided "
            "stream. class java.lang.Long can not be converted to a Timestamp\n",
        ),
    ],
)
def test_refusals_carry_lambdas_recorded_wording(
    fake: FirehoseFake, options: dict[str, Any], answer: str
) -> None:
    stream = fake.kinesis.create_stream("s")
    with pytest.raises(UsageError) as refused:
        stream.lambda_trigger(lambda event, context: None, **options)

    assert f"CreateEventSourceMapping would answer {answer}" in str(refused.value)


def test_an_event_source_arn_naming_another_stream_is_refused(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    other = fake.kinesis.create_stream("other")

    with pytest.raises(UsageError, match="call lambda_trigger on the handle of the stream"):
        stream.lambda_trigger(lambda event, context: None, EventSourceArn=other.arn)


def test_the_streams_own_arn_as_event_source_arn_is_taken(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None, EventSourceArn=stream.arn)
    put(b"a")

    trigger.drain()

    assert batches(trigger) == [[b"a"]]


@needs_botocore("lambda EventSourceMappingMetric=ErrorCount")
@pytest.mark.parametrize("metric", ["ErrorCount", "KafkaMetrics"])
def test_kafka_only_metrics_are_refused(fake: FirehoseFake, metric: str) -> None:
    stream = fake.kinesis.create_stream("s")
    with pytest.raises(UsageError, match=f"InvalidParameterValueException: .*{metric}"):
        stream.lambda_trigger(lambda event, context: None, MetricsConfig={"Metrics": [metric]})


@needs_botocore("lambda CreateEventSourceMapping.MetricsConfig")
def test_the_event_count_metric_is_taken(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    stream.lambda_trigger(lambda event, context: None, MetricsConfig={"Metrics": ["EventCount"]})


def test_a_second_mapping_of_the_function_to_the_stream_is_refused(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    first = stream.lambda_trigger(lambda event, context: None)

    with pytest.raises(UsageError) as refused:
        stream.lambda_trigger(lambda event, context: None)

    assert (
        "CreateEventSourceMapping would answer ResourceConflictException: The event source "
        f'arn (" {stream.arn} ") and function (" lambda ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {first.uuid}\n"
    ) in str(refused.value)
    assert "FunctionName=" in str(refused.value)


def test_a_function_named_by_its_arn_is_the_function_named_by_its_name(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    stream.lambda_trigger(lambda event, context: None, FunctionName="orders")

    with pytest.raises(UsageError, match="ResourceConflictException"):
        stream.lambda_trigger(
            lambda event, context: None,
            FunctionName="arn:aws:lambda:us-east-1:123456789012:function:orders",
        )


def test_two_functions_mapped_to_one_stream_each_get_every_record(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    first = stream.lambda_trigger(lambda event, context: None, FunctionName="archive")
    second = stream.lambda_trigger(lambda event, context: None, FunctionName="audit")
    put(b"a", b"b")

    first.drain()
    second.drain()

    assert batches(first) == batches(second) == [[b"a", b"b"]]
    assert first.uuid != second.uuid


def test_a_mapping_invokes_the_version_or_alias_its_function_name_names(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    seen = []

    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append((context.invoked_function_arn, context.function_version))
        raise ValueError("cannot process")

    live = stream.lambda_trigger(handler, FunctionName="orders:live", MaximumRetryAttempts=0)
    pinned = stream.lambda_trigger(handler, FunctionName="orders:7", MaximumRetryAttempts=0)
    put(b"a")

    live.drain()
    pinned.drain()

    arn = "arn:aws:lambda:us-east-1:123456789012:function:orders"
    assert seen == [(f"{arn}:live", "$LATEST"), (f"{arn}:7", "7")]
    assert [failure["requestContext"]["functionArn"] for failure in live.failures] == [
        f"{arn}:live"
    ]
    assert pinned.failures[0]["responseContext"]["executedVersion"] == "7"


def test_a_function_of_another_account_is_invoked_there(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    arn = "arn:aws:lambda:us-east-1:210987654321:function:orders"
    seen = []
    trigger = stream.lambda_trigger(
        lambda event, context: seen.append(context.invoked_function_arn), FunctionName=arn
    )
    put(b"a")

    trigger.drain()

    assert seen == [arn]


def test_a_function_of_another_region_is_refused(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    with pytest.raises(UsageError) as refused:
        stream.lambda_trigger(
            lambda event, context: None,
            FunctionName="arn:aws:lambda:eu-west-1:123456789012:function:orders",
        )

    assert (
        "CreateEventSourceMapping would answer InvalidParameterValueException: Event source "
        "region must match Lambda region eu-west-1.\n"
    ) in str(refused.value)


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov", ""])
def test_a_function_arn_of_another_partition_names_no_function(
    fake: FirehoseFake, partition: str
) -> None:
    stream = fake.kinesis.create_stream("s")
    with pytest.raises(UsageError) as refused:
        stream.lambda_trigger(
            lambda event, context: None,
            FunctionName=f"arn:{partition}:lambda:us-east-1:123456789012:function:orders",
        )

    assert (
        "CreateEventSourceMapping would answer InvalidParameterValueException: Function does "
        "not exist\n"
    ) in str(refused.value)


def test_a_trigger_on_a_deleted_stream_is_refused(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    boto3.client("kinesis", region_name="us-east-1").delete_stream(StreamName="s")

    with pytest.raises(UsageError) as refused:
        stream.lambda_trigger(lambda event, context: None)

    assert (
        "CreateEventSourceMapping would answer InvalidParameterValueException: Stream not "
        f"found: {stream.arn}\n"
    ) in str(refused.value)


def test_a_trigger_through_the_handle_of_a_stream_created_again_names_the_new_one(
    fake: FirehoseFake,
) -> None:
    # The new stream has the old one's ARN: Lambda would map it, not refuse it.
    old = fake.kinesis.create_stream("s")
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    kinesis.delete_stream(StreamName="s")
    kinesis.create_stream(StreamName="s", ShardCount=1)

    with pytest.raises(UsageError) as refused:
        old.lambda_trigger(lambda event, context: None)

    message = str(refused.value)
    assert message.startswith("stream 's' was deleted after this handle was taken")
    assert "ask kinesis['s'] again" in message
    assert "Stream not found" not in message
    fake.kinesis["s"].lambda_trigger(lambda event, context: None)  # the function is free


def test_a_trigger_on_a_stream_the_fake_forgot_in_a_reset_is_refused(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    fake.world.reset()  # what the local server's POST /_fake/reset does

    with pytest.raises(UsageError, match=f"Stream not found: {stream.arn}"):
        stream.lambda_trigger(lambda event, context: None)


def test_a_mapping_made_before_a_reset_reads_nothing_more(fake: FirehoseFake) -> None:
    trigger = fake.kinesis.create_stream("s").lambda_trigger(lambda event, context: None)
    put(b"a")
    fake.world.reset()  # what the local server's POST /_fake/reset does

    with pytest.raises(UsageError, match="which was deleted"):
        trigger.drain()

    assert trigger.invocations == []


def test_a_mapping_whose_stream_was_deleted_reads_nothing_more(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None)
    put(b"a")
    boto3.client("kinesis", region_name="us-east-1").delete_stream(StreamName="s")

    with pytest.raises(UsageError, match="which was deleted"):
        trigger.drain()

    assert trigger.invocations == []
    again = fake.kinesis.create_stream("s").lambda_trigger(lambda event, context: None)
    put(b"b")
    again.drain()
    assert batches(again) == [[b"b"]]


def test_the_settings_a_test_passes_are_left_as_they_were(fake: FirehoseFake) -> None:
    # A member set to None is an absent one; the test's own dict keeps it.
    stream = fake.kinesis.create_stream("s")
    destination: dict[str, Any] = {"OnFailure": None}

    stream.lambda_trigger(lambda event, context: None, DestinationConfig=destination)

    assert destination == {"OnFailure": None}
