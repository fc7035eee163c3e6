"""Tumbling windows on a Kinesis event source mapping: records grouped by the window their
arrival falls in, the state a handler returns handed to its next invocation, and the final
invocation of each window (the Lambda developer guide's "Time windows")."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import REGION, SEED
from freezegun import freeze_time
from lambda_support import put

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError


def _to_next_window(fake: FirehoseFake, seconds: int) -> datetime:
    """Move the clock to the start of the next window of ``seconds``; return it."""
    clock = fake.kinesis.clock
    elapsed = clock.now().timestamp() % seconds
    clock.advance(seconds=seconds - elapsed)
    return clock.now()


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _counting(event: dict[str, Any], context: Any) -> dict[str, Any]:
    state = dict(event["state"])
    for record in event["Records"]:
        key = base64.b64decode(record["kinesis"]["data"]).decode()
        state[key] = state.get(key, 0) + 1
    return {"state": state}


def test_state_flows_through_a_window_and_ends_in_a_final_invocation(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    start = _to_next_window(fake, 60)
    trigger = stream.lambda_trigger(_counting, BatchSize=2, TumblingWindowInSeconds=60)
    put(b"a", b"b", b"a")  # window one
    fake.kinesis.clock.advance(seconds=60)
    put(b"c")  # window two

    trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    assert [len(event["Records"]) for event in events] == [2, 1, 0, 1, 0]
    assert [event["state"] for event in events] == [
        {},
        {"a": 1, "b": 1},
        {"a": 2, "b": 1},
        {},
        {"c": 1},
    ]
    assert [event["isFinalInvokeForWindow"] for event in events] == [
        False,
        False,
        True,
        False,
        True,
    ]
    first, second = (
        {"start": _iso(start), "end": _iso(start + timedelta(seconds=60))},
        {
            "start": _iso(start + timedelta(seconds=60)),
            "end": _iso(start + timedelta(seconds=120)),
        },
    )
    assert [event["window"] for event in events] == [first, first, first, second, second]
    assert all(event["shardId"] == "shardId-000000000000" for event in events)
    assert all(event["eventSourceARN"] == stream.arn for event in events)
    assert not any(event["isWindowTerminatedEarly"] for event in events)
    # The last window's final invocation waited for the window to end, on the fake clock.
    assert trigger.invocations[-1].at == start + timedelta(seconds=120)


def test_an_answer_without_state_is_a_failed_invocation(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: {"total": 1}, TumblingWindowInSeconds=30, MaximumRetryAttempts=1
    )
    put(b"a")

    trigger.drain()

    assert [len(invocation.event["Records"]) for invocation in trigger.invocations] == [1, 1, 0, 0]
    (failure,) = trigger.failures
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["responseContext"]["functionError"] is None


def test_a_failed_final_invocation_is_retried_with_the_same_state(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    finals: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event["isFinalInvokeForWindow"]:
            finals.append(event["state"])
            if len(finals) == 1:
                raise RuntimeError("the sink is down")
        return _counting(event, context)

    trigger = stream.lambda_trigger(handler, TumblingWindowInSeconds=30)
    put(b"a", b"a")

    trigger.drain()

    assert finals == [{"a": 2}, {"a": 2}]
    assert trigger.failures == []


def test_a_state_over_one_megabyte_ends_the_window_early(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    _to_next_window(fake, 300)

    def hoarding(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event["isFinalInvokeForWindow"]:
            return {"state": {}}
        return {"state": {"blob": "x" * (len(event["state"]) and 1024 * 1024)}}

    trigger = stream.lambda_trigger(hoarding, BatchSize=1, TumblingWindowInSeconds=300)
    put(b"a", b"b", b"c")

    trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    flags = [(e["isFinalInvokeForWindow"], e["isWindowTerminatedEarly"]) for e in events]
    assert flags == [
        (False, False),  # a: a small state
        (False, False),  # b: the state grows past 1 MB
        (True, True),  # the window ends early, at once
        (False, False),  # c: a fresh state
        (True, False),  # the window's end
    ]
    assert events[3]["state"] == {}
    assert events[2]["window"] == events[3]["window"]


@pytest.mark.parametrize(
    ("create", "update"),
    [
        ({"TumblingWindowInSeconds": 60, "ParallelizationFactor": 2}, None),
        ({"TumblingWindowInSeconds": 60}, {"ParallelizationFactor": 2}),
        ({"ParallelizationFactor": 2}, {"TumblingWindowInSeconds": 60}),
    ],
)
def test_windows_with_more_than_one_batch_a_shard_are_refused(
    fake: FirehoseFake, create: dict[str, int], update: dict[str, int] | None
) -> None:
    # A window's state is the shard's (DOC); AWS refuses the pair (docs/fidelity.md).
    stream = fake.kinesis.create_stream("s")
    operation = "CreateEventSourceMapping" if update is None else "UpdateEventSourceMapping"
    if update is None:
        with pytest.raises(UsageError) as refused:
            stream.lambda_trigger(_counting, **create)
    else:
        trigger = stream.lambda_trigger(_counting, **create)
        before = trigger.settings
        with pytest.raises(UsageError) as refused:
            trigger.update(**update)
        assert trigger.settings == before

    assert (
        f"{operation} would answer InvalidParameterValueException: TumblingWindowInSeconds "
        "cannot be used with a ParallelizationFactor above 1.\n"
    ) in str(refused.value)


def test_windows_may_be_turned_off_as_the_factor_rises(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_counting, TumblingWindowInSeconds=60)

    trigger.update(TumblingWindowInSeconds=0, ParallelizationFactor=2)

    assert (trigger.settings.tumbling_window, trigger.settings.parallelization) == (None, 2)


def _to_window_boundary(fake: FirehoseFake, seconds: int) -> datetime:
    """Move the clock exactly onto the next multiple of ``seconds`` since the epoch."""
    clock = fake.kinesis.clock
    now = clock.now()
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    length = timedelta(seconds=seconds)
    boundary = epoch + ((now - epoch) // length + 1) * length
    clock.advance(boundary - now)
    return clock.now()


def test_a_record_arriving_the_moment_a_window_ends_opens_the_next(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    start = _to_window_boundary(fake, 30)
    trigger = stream.lambda_trigger(_counting, TumblingWindowInSeconds=30)
    put(b"a")
    fake.kinesis.clock.advance(seconds=30)
    put(b"b")  # arrives at the first window's end: the second window's start

    trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    assert [(len(e["Records"]), e["isFinalInvokeForWindow"]) for e in events] == [
        (1, False),
        (0, True),
        (1, False),
        (0, True),
    ]
    second = start + timedelta(seconds=30)
    assert events[2]["window"] == {
        "start": _iso(second),
        "end": _iso(second + timedelta(seconds=30)),
    }
    assert events[1]["state"] == {"a": 1}
    assert events[3]["state"] == {"b": 1}


def test_windows_of_any_length_are_aligned_on_the_epoch(fake: FirehoseFake) -> None:
    # Seven seconds divide no whole number of days since 1970: the window starts at a
    # multiple of seven seconds since the epoch, not of the day or the year.
    stream = fake.kinesis.create_stream("s")
    start = _to_window_boundary(fake, 7)
    fake.kinesis.clock.advance(seconds=3)
    trigger = stream.lambda_trigger(_counting, TumblingWindowInSeconds=7)
    put(b"a")

    trigger.drain()

    windows = [invocation.event["window"] for invocation in trigger.invocations]
    assert windows == [{"start": _iso(start), "end": _iso(start + timedelta(seconds=7))}] * 2
    assert trigger.invocations[-1].at == start + timedelta(seconds=7)


def test_a_record_stamped_before_the_one_ahead_of_it_is_not_lost() -> None:
    # Frozen time moved back between two puts: "c" arrives stamped before "b", which came
    # first. A batch never passes over a record (the lane's checkpoint is a sequence
    # number): "b" ends the first window, and "c" joins the window open when it is read.
    # "b" was dropped: "c" joined "a"'s batch, whose checkpoint then passed "b".
    start = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    with freeze_time(start) as frozen, FirehoseFake(region=REGION, seed=SEED) as fake:
        stream = fake.kinesis.create_stream("s")
        trigger = stream.lambda_trigger(_counting, TumblingWindowInSeconds=30)
        for offset, payload in ((10, b"a"), (35, b"b"), (20, b"c")):
            frozen.move_to(start + timedelta(seconds=offset))
            put(payload)
        frozen.move_to(start + timedelta(seconds=70))

        trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    assert [invocation.records for invocation in trigger.invocations] == [
        [b"a"],
        [],
        [b"b", b"c"],
        [],
    ]
    assert [(e["state"], e["isFinalInvokeForWindow"]) for e in events] == [
        ({}, False),
        ({"a": 1}, True),
        ({}, False),
        ({"b": 1, "c": 1}, True),
    ]
    assert [e["window"]["start"] for e in events] == [_iso(start)] * 2 + [
        _iso(start + timedelta(seconds=30))
    ] * 2
