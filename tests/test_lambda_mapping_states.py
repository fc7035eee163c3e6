"""A Kinesis event source mapping's passing States on the fake clock: Creating, Enabling,
Updating, Disabling and Deleting last the world's creation or update delay, the poller
runs only once the mapping is Enabled (and until it is Disabled), and a change while one
is under way is refused (docs/lambda.md; docs/fidelity.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import freezegun
import pytest
from lambda_support import accept_all, batches, put

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError

REGION = "us-east-1"


@pytest.fixture
def slow() -> Iterator[FirehoseFake]:
    """A fake whose changes take time: 30 s to create, 10 s to update."""
    with FirehoseFake(region=REGION, seed=7, creation_delay=30, update_delay=10) as started:
        yield started


def _stream(slow: FirehoseFake) -> Any:
    """The stream ``s``, ACTIVE (a stream is CREATING for the creation delay too)."""
    stream = slow.kinesis.create_stream("s")
    slow.kinesis.clock.advance(seconds=30)
    return stream


def test_a_mapping_polls_once_it_is_created(slow: FirehoseFake) -> None:
    stream = _stream(slow)
    made = slow.kinesis.clock.now()
    trigger = stream.lambda_trigger(accept_all)
    put(b"a")

    assert trigger.state == trigger.describe()["State"] == "Creating"
    trigger.drain()

    assert batches(trigger) == [[b"a"]]
    assert trigger.invocations[0].at == made + timedelta(seconds=30)
    assert trigger.state == "Enabled"


def test_a_creating_mapping_with_nothing_to_read_leaves_the_clock(slow: FirehoseFake) -> None:
    stream = _stream(slow)
    trigger = stream.lambda_trigger(accept_all)
    before = slow.kinesis.clock.now()

    trigger.drain()

    assert slow.kinesis.clock.now() == before
    assert trigger.state == "Creating"


def test_a_change_while_one_is_under_way_is_refused(slow: FirehoseFake) -> None:
    stream = _stream(slow)
    trigger = stream.lambda_trigger(accept_all)

    with pytest.raises(UsageError) as refused:
        trigger.update(BatchSize=10)
    assert "UpdateEventSourceMapping would answer ResourceInUseException" in str(refused.value)
    assert "is Creating" in str(refused.value)
    with pytest.raises(UsageError, match="DeleteEventSourceMapping would answer ResourceInUse"):
        trigger.delete()

    slow.kinesis.clock.advance(seconds=30)
    assert trigger.update(BatchSize=10)["State"] == "Updating"
    assert trigger.state == "Updating"
    slow.kinesis.clock.advance(seconds=10)
    assert (trigger.state, trigger.describe()["BatchSize"]) == ("Enabled", 10)


def test_a_disabling_mapping_polls_until_it_is_disabled(slow: FirehoseFake) -> None:
    stream = _stream(slow)
    trigger = stream.lambda_trigger(accept_all, MaximumBatchingWindowInSeconds=20)
    slow.kinesis.clock.advance(seconds=30)
    put(b"a")

    assert trigger.update(Enabled=False)["State"] == "Disabling"
    slow.kinesis.clock.advance(seconds=5)
    put(b"b")
    trigger.drain()  # the batch of b falls due after the mapping is Disabled

    assert batches(trigger) == []
    assert trigger.state == "Disabling"
    slow.kinesis.clock.advance(seconds=5)
    assert trigger.state == "Disabled"


def test_a_batch_due_the_instant_the_mapping_is_disabled_waits(slow: FirehoseFake) -> None:
    stream = _stream(slow)
    trigger = stream.lambda_trigger(accept_all, MaximumBatchingWindowInSeconds=10)
    slow.kinesis.clock.advance(seconds=30)
    before = slow.kinesis.clock.now()

    trigger.update(Enabled=False)  # Disabled 10 seconds from now
    put(b"a")  # its batching window closes then too
    trigger.drain()

    assert batches(trigger) == []
    assert slow.kinesis.clock.now() == before  # drain() waits for nothing it will not invoke
    assert trigger.state == "Disabling"


def test_records_read_while_disabling_are_invoked(slow: FirehoseFake) -> None:
    stream = _stream(slow)
    trigger = stream.lambda_trigger(accept_all)
    slow.kinesis.clock.advance(seconds=30)

    trigger.update(Enabled=False)
    put(b"a")
    trigger.drain()

    assert batches(trigger) == [[b"a"]]


def test_a_disabled_mapping_being_updated_invokes_nothing(slow: FirehoseFake) -> None:
    stream = _stream(slow)
    trigger = stream.lambda_trigger(accept_all, Enabled=False)
    put(b"a")

    assert trigger.update(BatchSize=5)["State"] == "Updating"
    trigger.drain()
    slow.kinesis.clock.advance(seconds=10)
    trigger.drain()

    assert trigger.invocations == []
    assert trigger.state == "Disabled"


def test_an_enabling_mapping_polls_once_it_is_enabled(slow: FirehoseFake) -> None:
    stream = _stream(slow)
    trigger = stream.lambda_trigger(accept_all, Enabled=False)
    put(b"a")
    assert trigger.state == "Disabled"  # made disabled: nothing passing

    enabled_at = slow.kinesis.clock.now()
    assert trigger.update(Enabled=True)["State"] == "Enabling"
    trigger.drain()

    assert batches(trigger) == [[b"a"]]
    assert trigger.invocations[0].at == enabled_at + timedelta(seconds=10)


def test_a_deleting_mapping_is_described_until_it_is_gone(slow: FirehoseFake) -> None:
    stream = _stream(slow)
    trigger = stream.lambda_trigger(accept_all)
    slow.kinesis.clock.advance(seconds=30)

    assert trigger.delete()["State"] == "Deleting"
    assert trigger.describe()["State"] == "Deleting"
    with pytest.raises(UsageError, match="ResourceInUseException"):
        trigger.update(BatchSize=5)

    slow.kinesis.clock.advance(seconds=10)
    with pytest.raises(UsageError, match="ResourceNotFoundException"):
        trigger.describe()


def test_a_deleting_mapping_keeps_its_function_mapped_until_it_is_gone(
    slow: FirehoseFake,
) -> None:
    stream = _stream(slow)
    first = stream.lambda_trigger(accept_all, FunctionName="consumer")
    slow.kinesis.clock.advance(seconds=30)
    first.delete()

    with pytest.raises(UsageError) as conflict:
        stream.lambda_trigger(accept_all, FunctionName="consumer")
    assert (
        "would answer ResourceConflictException: The event source arn "
        f'(" {stream.arn} ") and function (" consumer ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {first.uuid}"
    ) in str(conflict.value)

    slow.kinesis.clock.advance(seconds=10)
    second = stream.lambda_trigger(accept_all, FunctionName="consumer")
    assert second.uuid != first.uuid


def test_a_mapping_deleted_before_time_was_frozen_earlier_stays_deleted(
    fake: FirehoseFake,
) -> None:
    """Deleted at once, then freezegun froze time a day before: the mapping is gone, and
    its function may be mapped to the stream again. It was Deleting again, and refused."""
    stream = _stream(fake)
    first = stream.lambda_trigger(accept_all, FunctionName="consumer")
    first.delete()

    with freezegun.freeze_time(fake.kinesis.clock.now() - timedelta(days=1)):
        with pytest.raises(UsageError, match="ResourceNotFoundException"):
            first.describe()
        second = stream.lambda_trigger(accept_all, FunctionName="consumer")

    assert second.uuid != first.uuid


def test_the_delay_options_say_they_delay_triggers_too(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    shown = " ".join(result.stdout.str().split())

    assert "a new Lambda trigger stays Creating (default: 0)" in shown
    assert "a Lambda trigger stays Enabling, Updating, Disabling or Deleting" in shown
