"""Handles kept past the end of their fake (the fixture's teardown, ``FirehoseFake.stop()``,
the end of a ``with`` block): what they may still read, and the changes they refuse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from conftest import REGION, SEED

from pytest_firehose import FirehoseFake, UsageError

STOPPED = r"the fake behind this handle has stopped .* Get a handle from the running fixture"


class Kept:
    """What a test kept of a fake that has stopped since: its handles, a stream of each
    service, and a Lambda trigger."""

    def __init__(self) -> None:
        with FirehoseFake(region=REGION, seed=SEED) as fake:
            self.fake = fake
            self.firehose, self.kinesis = fake.firehose, fake.kinesis
            self.stream = fake.firehose.create_delivery_stream("events")
            self.source = fake.kinesis.create_stream("orders")
            self.trigger = self.source.lambda_trigger(lambda event, context: None)
            client = boto3.client("firehose", region_name=REGION)
            client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
            self.stream.flush()
            client.put_record(DeliveryStreamName="events", Record={"Data": b"b"})
        self.calls = len(fake.world.calls)
        self.now = fake.firehose.clock.now()


@pytest.fixture
def kept() -> Kept:
    return Kept()


CHANGES: dict[str, Callable[[Kept], Any]] = {
    "create_delivery_stream": lambda k: k.firehose.create_delivery_stream("more"),
    "create_stream": lambda k: k.kinesis.create_stream("more"),
    "firehose.fail": lambda k: k.firehose.fail(throttle=True),
    "kinesis.fail": lambda k: k.kinesis.fail(error="InternalFailure"),
    "clock.advance": lambda k: k.firehose.clock.advance(minutes=5),
    "clock.sleep": lambda k: k.kinesis.clock.sleep(1),
    "firehose.flush": lambda k: k.firehose.flush(),
    "firehose.enforce_quotas": lambda k: k.firehose.enforce_quotas(),
    "kinesis.enforce_read_quotas": lambda k: k.kinesis.enforce_read_quotas(),
    "lambda_function": lambda k: k.firehose.lambda_function("f", lambda event, context: event),
    "glue_table": lambda k: k.firehose.glue_table("db", "t", {"id": "int"}),
    "stream.flush": lambda k: k.stream.flush(),
    "destination_down": lambda k: k.stream.destination_down(),
    "destination_up": lambda k: k.stream.destination_up(),
    "put_from_logs": lambda k: k.stream.put_from_logs(b"x"),
    "put_log_events": lambda k: k.stream.put_log_events(["m"]),
    "kinesis put_log_events": lambda k: k.source.put_log_events(["m"]),
    "update_shard_count": lambda k: k.source.update_shard_count(2),
    "lambda_trigger": lambda k: k.source.lambda_trigger(lambda event, context: None),
    "trigger.drain": lambda k: k.trigger.drain(),
    "trigger.update": lambda k: k.trigger.update(BatchSize=10),
    "trigger.delete": lambda k: k.trigger.delete(),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_stopped_fakes_handles_refuse_every_change(kept: Kept, change: Any) -> None:
    with pytest.raises(UsageError, match=STOPPED):
        change(kept)

    assert kept.firehose.stream_names() == ["events"]
    assert kept.kinesis.stream_names() == ["orders"]
    assert kept.firehose.faults == kept.kinesis.faults == []
    assert kept.firehose.clock.now() == kept.now
    assert (kept.stream.pending, kept.stream.delivered) == ([b"b"], [b"a"])
    assert kept.trigger.invocations == []
    assert len(kept.fake.world.calls) == kept.calls


def test_a_stopped_fake_stays_readable(kept: Kept) -> None:
    assert (kept.stream.records, kept.stream.delivered) == ([b"a", b"b"], [b"a"])
    assert [call.operation for call in kept.firehose.calls] == ["PutRecord", "PutRecord"]
    assert kept.firehose["events"].pending == [b"b"]
    assert [stream.name for stream in kept.firehose] == ["events"]
    assert "orders" in kept.kinesis
    assert kept.kinesis.stream_names(region=REGION) == ["orders"]
    assert kept.firehose.delivery_errors() == []
    assert kept.stream.describe()["DeliveryStreamStatus"] == "ACTIVE"
    assert kept.trigger.state == "Enabled"


def test_a_stopped_fakes_assert_delivered_checks_what_was_delivered_while_it_ran(
    kept: Kept,
) -> None:
    kept.stream.assert_delivered([b"a"])

    with pytest.raises(AssertionError, match=r"(?s)missing.*b'b'.*pending \(1\)"):
        kept.stream.assert_delivered([b"a", b"b"])
    assert kept.stream.delivered == [b"a"]


def test_the_fakes_repr_tells_whether_it_runs_and_its_handles_what_they_hold() -> None:
    fake = FirehoseFake(region="eu-west-1", account_id="444455556666")
    assert repr(fake) == "<FirehoseFake never started>"
    with fake:
        fake.firehose.create_delivery_stream("events")
        assert repr(fake) == "<FirehoseFake active in eu-west-1, account 444455556666>"

    assert repr(fake) == "<FirehoseFake stopped in eu-west-1, account 444455556666>"
    assert repr(fake.firehose) == "<FirehoseHandle delivery streams: 'events'; 0 call(s)>"


def test_a_fake_started_again_takes_changes_from_its_new_handles() -> None:
    fake = FirehoseFake(region=REGION, seed=SEED)
    with fake:
        old = fake.firehose
    with fake:
        fake.firehose.create_delivery_stream("events")
        fake.firehose.clock.advance(seconds=1)
        with pytest.raises(UsageError, match=STOPPED):
            old.create_delivery_stream("events")

    assert fake.firehose.stream_names() == ["events"]
    assert old.stream_names() == []


def test_a_handle_cached_by_an_earlier_test_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        """
        import pytest

        CACHED = {}


        def events(firehose):
            # A helper that keeps the first test's handle for the tests after it.
            if "events" not in CACHED:
                CACHED["events"] = firehose.create_delivery_stream("events")
            return CACHED["events"]


        def test_first(firehose):
            events(firehose).destination_down()


        def test_second(firehose):
            firehose.create_delivery_stream("events")
            events(firehose).destination_down()
        """
    )

    result = pytester.runpytest_inprocess("-p", "no:randomly")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*UsageError: the fake behind this handle has stopped*"])
