"""ParallelizationFactor above 1: a shard's records go to lanes by partition key, each lane
with one batch in flight, so a failing key holds up its own lane only and every key's
records still reach the handler in order."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from lambda_support import put_keyed

from pytest_firehose import FirehoseFake


def _lane(key: str, factor: int) -> int:
    """The lane the fake gives a key (docs/fidelity.md: MD5 of the key, modulo the factor)."""
    return int(hashlib.md5(key.encode()).hexdigest(), 16) % factor


def _poisoned(event: dict[str, Any], context: Any) -> None:
    if any(base64.b64decode(entry["kinesis"]["data"]) == b"poison" for entry in event["Records"]):
        raise ValueError("cannot process")


def _keys(invocation: Any) -> set[str]:
    return {entry["kinesis"]["partitionKey"] for entry in invocation.event["Records"]}


# "a" and "e" fall in different lanes of two; "a" and "b" share one.
assert _lane("a", 2) != _lane("e", 2)
assert _lane("a", 2) == _lane("b", 2)


def test_a_failing_key_holds_up_its_own_lane_only(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_poisoned, ParallelizationFactor=2, MaximumRetryAttempts=2)
    put_keyed(("a", b"poison"), ("e", b"e1"), ("b", b"b1"), ("e", b"e2"))

    trigger.drain()

    seen = [invocation.records for invocation in trigger.invocations]
    # "e"'s lane did not wait for "a"'s retries; "b" shares "a"'s lane and waited.
    assert seen == [[b"e1", b"e2"], [b"poison", b"b1"], [b"poison", b"b1"], [b"poison", b"b1"]]
    assert all(len({_lane(key, 2) for key in _keys(i)}) == 1 for i in trigger.invocations)
    (failure,) = trigger.failures
    assert failure["KinesisBatchInfo"]["batchSize"] == 2


def test_without_parallelization_a_failure_holds_up_the_shard(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_poisoned, MaximumRetryAttempts=2)
    put_keyed(("a", b"poison"), ("e", b"e1"))

    trigger.drain()

    assert [invocation.records for invocation in trigger.invocations] == [[b"poison", b"e1"]] * 3


def test_each_keys_records_arrive_in_order_across_lanes(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None, ParallelizationFactor=3, BatchSize=2
    )
    pairs = [(key, f"{key}{number}".encode()) for number in range(4) for key in "adef"]
    put_keyed(*pairs)

    trigger.drain()

    seen = [payload for invocation in trigger.invocations for payload in invocation.records]
    assert sorted(seen) == sorted(payload for _, payload in pairs)
    for key in "adef":
        assert [p for p in seen if p.startswith(key.encode())] == [
            f"{key}{number}".encode() for number in range(4)
        ]
    assert all(len({_lane(key, 3) for key in _keys(i)}) == 1 for i in trigger.invocations)
    assert len({_lane(key, 3) for key in "adef"}) == 3


def test_parallel_lanes_read_a_parent_to_its_end_before_its_children(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None, ParallelizationFactor=2)
    put_keyed(("a", b"parent-a"), ("e", b"parent-e"))
    stream.split_shard("shardId-000000000000", 2**127)
    put_keyed(("a", b"child-a"), ("e", b"child-e"))

    trigger.drain()

    seen = [payload for invocation in trigger.invocations for payload in invocation.records]
    assert sorted(seen[:2]) == [b"parent-a", b"parent-e"]
    assert sorted(seen[2:]) == [b"child-a", b"child-e"]


def test_with_at_timestamp_no_lane_invokes_a_record_from_before_the_start(
    fake: FirehoseFake,
) -> None:
    """The starting position is the shard's: each lane starts at it, not at the first of
    its own records, and none invokes what arrived before it."""
    stream = fake.kinesis.create_stream("s")
    put_keyed(("a", b"a-before"), ("e", b"e-before"))
    fake.kinesis.clock.advance(seconds=10)
    start = fake.kinesis.clock.now()
    put_keyed(("a", b"a-after"), ("e", b"e-after"))
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        ParallelizationFactor=2,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=start,
    )

    trigger.drain()

    assert sorted(invocation.records for invocation in trigger.invocations) == [
        [b"a-after"],
        [b"e-after"],
    ]
