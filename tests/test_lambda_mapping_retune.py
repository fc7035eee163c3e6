"""ParallelizationFactor and TumblingWindowInSeconds changed on a live Kinesis event source
mapping (UpdateEventSourceMapping): the new lanes take over where the old ones stopped,
each record handed over once and each key's records in order; a new window length closes
the open window with its final invocation (docs/lambda.md; docs/fidelity.md)."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any

from lambda_support import put_keyed

from pytest_firehose import FirehoseFake


def _lane(key: str, factor: int) -> int:
    """The lane the fake gives a key (docs/fidelity.md: MD5 of the key, modulo the factor)."""
    return int(hashlib.md5(key.encode()).hexdigest(), 16) % factor


# "a" and "e" fall in different lanes of two.
assert _lane("a", 2) != _lane("e", 2)


def _payloads(event: dict[str, Any]) -> list[bytes]:
    return [base64.b64decode(record["kinesis"]["data"]) for record in event["Records"]]


def _keys(invocation: Any) -> set[str]:
    return {record["kinesis"]["partitionKey"] for record in invocation.event["Records"]}


def _delivered(trigger: Any) -> list[bytes]:
    """The payloads of the invocations that succeeded, in the order they were invoked."""
    return [p for i in trigger.invocations if not i.failed for p in i.records]


def _to_next_window(fake: FirehoseFake, seconds: int) -> datetime:
    clock = fake.kinesis.clock
    clock.advance(seconds=seconds - clock.now().timestamp() % seconds)
    return clock.now()


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _counting(event: dict[str, Any], context: Any) -> dict[str, Any]:
    state = dict(event["state"])
    for payload in _payloads(event):
        state[payload.decode()] = state.get(payload.decode(), 0) + 1
    return {"state": state}


# ---------------------------------------------------------------- ParallelizationFactor


def test_a_raised_factor_spreads_the_next_batches_over_lanes(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None)
    put_keyed(("a", b"a1"), ("e", b"e1"))
    trigger.drain()

    trigger.update(ParallelizationFactor=2)
    put_keyed(("a", b"a2"), ("e", b"e2"), ("a", b"a3"))
    trigger.drain()

    assert trigger.settings.parallelization == 2
    seen = [invocation.records for invocation in trigger.invocations]
    assert seen[0] == [b"a1", b"e1"]
    assert sorted(seen[1:]) == [[b"a2", b"a3"], [b"e2"]]
    assert all(len(_keys(invocation)) == 1 for invocation in trigger.invocations[1:])


def test_a_factor_changed_before_any_record_was_read_applies_from_the_first(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None)
    trigger.drain()  # the shard is read, and holds nothing

    trigger.update(ParallelizationFactor=2)
    put_keyed(("a", b"a1"), ("b", b"b1"))  # "a" and "b" share a lane of two
    trigger.drain()

    assert [invocation.records for invocation in trigger.invocations] == [[b"a1", b"b1"]]


def test_lanes_that_ran_apart_hand_over_each_record_once_and_in_order(
    fake: FirehoseFake,
) -> None:
    # Lane "a" is stuck retrying a poison record while lane "e" runs ahead; the factor
    # drops to one mid-retry. The retried batch keeps its records and its retry count,
    # lane "e" reads no further than it had, and the single lane starts past both.
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> None:
        if b"poison" in _payloads(event):
            if trigger.settings.parallelization == 2:
                trigger.update(ParallelizationFactor=1)
            raise ValueError("cannot process")

    trigger = stream.lambda_trigger(handler, ParallelizationFactor=2, MaximumRetryAttempts=2)
    put_keyed(("a", b"poison"), ("e", b"e1"), ("a", b"a2"), ("e", b"e2"))
    trigger.drain()
    put_keyed(("e", b"e3"), ("a", b"a3"))
    trigger.drain()

    retried = [i.records for i in trigger.invocations if b"poison" in i.records]
    assert retried == [[b"poison", b"a2"]] * 3
    (failure,) = trigger.failures
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    delivered = _delivered(trigger)
    assert sorted(delivered) == [b"a3", b"e1", b"e2", b"e3"]
    assert [p for p in delivered if p.startswith(b"e")] == [b"e1", b"e2", b"e3"]
    assert trigger.invocations[-1].records == [b"e3", b"a3"]  # one lane, both keys


def test_keys_stay_in_order_across_changes_before_the_lanes_caught_up(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    calls = 0

    def handler(event: dict[str, Any], context: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            trigger.update(ParallelizationFactor=3)
        if calls == 2:
            trigger.update(ParallelizationFactor=5)

    trigger = stream.lambda_trigger(handler, ParallelizationFactor=2, BatchSize=2)
    pairs = [(key, f"{key}{number}".encode()) for number in range(5) for key in "adef"]
    put_keyed(*pairs)

    trigger.drain()

    delivered = _delivered(trigger)
    assert sorted(delivered) == sorted(payload for _, payload in pairs)
    for key in "adef":
        assert [p for p in delivered if p.startswith(key.encode())] == [
            f"{key}{number}".encode() for number in range(5)
        ]
    assert trigger.settings.parallelization == 5


def test_a_filtered_record_is_listed_once_across_a_change(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> None:
        trigger.update(ParallelizationFactor=2)

    trigger = stream.lambda_trigger(
        handler,
        BatchSize=1,
        FilterCriteria={"Filters": [{"Pattern": '{"data": {"keep": [true]}}'}]},
    )
    put_keyed(("a", b'{"keep": true}'), ("a", b'{"keep": false}'), ("e", b'{"keep": false}'))

    trigger.drain()

    assert [invocation.records for invocation in trigger.invocations] == [[b'{"keep": true}']]
    assert sorted(record.data for record in trigger.filtered) == [b'{"keep": false}'] * 2


def test_lanes_finishing_under_the_old_factor_open_no_windows(fake: FirehoseFake) -> None:
    # A window's state is the shard's: windows start once the shard reads in one lane.
    stream = fake.kinesis.create_stream("s")
    start = _to_next_window(fake, 60)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if len(trigger.invocations) == 0:
            trigger.update(ParallelizationFactor=1, TumblingWindowInSeconds=60)
        return _counting(event, context) if "window" in event else None

    trigger = stream.lambda_trigger(handler, BatchSize=1, ParallelizationFactor=2)
    put_keyed(("a", b"a"), ("e", b"e"), ("a", b"a2"))
    trigger.drain()
    put_keyed(("a", b"a3"))
    trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    assert sorted(_payloads(event)[0] for event in events[:3]) == [b"a", b"a2", b"e"]
    assert ["window" in event for event in events] == [False] * 3 + [True] * 2
    assert [_payloads(event) for event in events[3:]] == [[b"a3"], []]
    assert [event["state"] for event in events[3:]] == [{}, {"a3": 1}]
    assert trigger.invocations[-1].at == start + timedelta(seconds=60)


# ---------------------------------------------------------------- TumblingWindowInSeconds


def test_a_new_window_length_closes_the_open_window_with_its_final_invocation(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    start = _to_next_window(fake, 120)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if len(trigger.invocations) == 0:
            trigger.update(TumblingWindowInSeconds=120)
        return _counting(event, context)

    trigger = stream.lambda_trigger(handler, BatchSize=1, TumblingWindowInSeconds=60)
    put_keyed(("k", b"a"), ("k", b"b"))

    trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    assert [_payloads(event) for event in events] == [[b"a"], [], [b"b"], []]
    assert [event["state"] for event in events] == [{}, {"a": 1}, {}, {"b": 1}]
    assert [(e["isFinalInvokeForWindow"], e["isWindowTerminatedEarly"]) for e in events] == [
        (False, False),
        (True, True),  # closed by the change, at once
        (False, False),
        (True, False),  # the new window runs its full length
    ]
    old = {"start": _iso(start), "end": _iso(start + timedelta(seconds=60))}
    new = {"start": _iso(start), "end": _iso(start + timedelta(seconds=120))}
    assert [event["window"] for event in events] == [old, old, new, new]
    assert trigger.invocations[1].at == start
    assert trigger.invocations[-1].at == start + timedelta(seconds=120)
    assert trigger.settings.tumbling_window == timedelta(seconds=120)


def test_windows_turned_off_mid_retry_finish_the_batch_in_its_window(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    _to_next_window(fake, 60)

    def handler(event: dict[str, Any], context: Any) -> Any:
        if len(trigger.invocations) == 0:
            trigger.update(TumblingWindowInSeconds=0)
            raise ValueError("cannot process")
        if "window" in event:
            return _counting(event, context)
        return None  # no windows: no state to answer with

    trigger = stream.lambda_trigger(handler, TumblingWindowInSeconds=60)
    put_keyed(("k", b"a"))
    trigger.drain()
    put_keyed(("k", b"b"))
    trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    assert [_payloads(event) for event in events] == [[b"a"], [b"a"], [], [b"b"]]
    assert [event.get("isFinalInvokeForWindow") for event in events] == [
        False,
        False,
        True,
        None,
    ]
    assert events[2]["state"] == {"a": 1}
    assert "state" not in events[3]
    assert [invocation.failed for invocation in trigger.invocations] == [True, False, False, False]
    assert trigger.settings.tumbling_window is None


def test_windows_turned_on_apply_from_the_next_batch(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> Any:
        return _counting(event, context) if "window" in event else None

    trigger = stream.lambda_trigger(handler)
    put_keyed(("k", b"a"))
    trigger.drain()

    trigger.update(TumblingWindowInSeconds=30)
    put_keyed(("k", b"b"))
    trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    assert "window" not in events[0]
    assert [_payloads(event) for event in events[1:]] == [[b"b"], []]
    assert [event["isFinalInvokeForWindow"] for event in events[1:]] == [False, True]
    assert events[2]["state"] == {"b": 1}


def test_a_final_invocation_being_retried_is_not_marked_as_ended_early(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    _to_next_window(fake, 60)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event["isFinalInvokeForWindow"] and trigger.settings.tumbling_window is not None:
            trigger.update(TumblingWindowInSeconds=0)  # the window had run its length
            raise ValueError("the sink is down")
        return _counting(event, context)

    trigger = stream.lambda_trigger(handler, TumblingWindowInSeconds=60)
    put_keyed(("k", b"a"))

    trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    assert [(e["isFinalInvokeForWindow"], e["isWindowTerminatedEarly"]) for e in events] == [
        (False, False),
        (True, False),
        (True, False),
    ]
    assert [invocation.failed for invocation in trigger.invocations] == [False, True, False]


def test_a_lane_behind_at_a_change_still_delivers_its_records_before_the_change(
    fake: FirehoseFake,
) -> None:
    # Lane "a" retries while lane "e" reads on; the factor drops to one with lane "a" still
    # behind and more records after the change. Lane "a" delivers its own records up to
    # where lane "e" had read; the single lane takes the rest.
    stream = fake.kinesis.create_stream("s")
    calls = 0

    def handler(event: dict[str, Any], context: Any) -> None:
        nonlocal calls
        if b"poison" not in _payloads(event):
            return
        calls += 1
        if calls == 1:
            put_keyed(("a", b"a2"), ("e", b"e2"))
            raise ValueError("cannot process")
        trigger.update(ParallelizationFactor=1)
        put_keyed(("a", b"a3"), ("e", b"e3"))
        raise ValueError("cannot process")

    trigger = stream.lambda_trigger(handler, ParallelizationFactor=2, MaximumRetryAttempts=1)
    put_keyed(("a", b"poison"), ("e", b"e1"))

    trigger.drain()

    assert len(trigger.failures) == 1
    delivered = _delivered(trigger)
    assert sorted(delivered) == [b"a2", b"a3", b"e1", b"e2", b"e3"]
    assert [p for p in delivered if p.startswith(b"a")] == [b"a2", b"a3"]
    assert trigger.invocations[-1].records == [b"a3", b"e3"]  # one lane, both keys


def test_a_failed_final_invocation_is_retried_before_the_lanes_change(
    fake: FirehoseFake,
) -> None:
    # Windows turned off and lanes raised at once: the open window's final invocation
    # fails, and is retried under the old lane before the new lanes take over.
    stream = fake.kinesis.create_stream("s")
    _to_next_window(fake, 60)
    failed = False

    def handler(event: dict[str, Any], context: Any) -> Any:
        nonlocal failed
        if "window" not in event:
            return None
        if not event["isFinalInvokeForWindow"]:
            trigger.update(ParallelizationFactor=2, TumblingWindowInSeconds=0)
        elif not failed:
            failed = True
            raise ValueError("the sink is down")
        return _counting(event, context)

    trigger = stream.lambda_trigger(handler, TumblingWindowInSeconds=60)
    put_keyed(("a", b"a1"))
    trigger.drain()
    put_keyed(("a", b"a2"), ("e", b"e2"))
    trigger.drain()

    events = [invocation.event for invocation in trigger.invocations]
    assert [_payloads(event) for event in events[:3]] == [[b"a1"], [], []]
    assert [event["isFinalInvokeForWindow"] for event in events[:3]] == [False, True, True]
    assert [invocation.failed for invocation in trigger.invocations[:3]] == [False, True, False]
    assert events[2]["state"] == {"a1": 1}
    assert sorted(invocation.records for invocation in trigger.invocations[3:]) == [
        [b"a2"],
        [b"e2"],
    ]
