"""A Kinesis event source mapping over long shards: the batches a handler sees, in order,
across filters, reshards and updates, and what reading them costs the fake."""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import zip_longest
from typing import Any

import boto3
import pytest
from lambda_support import REGION, accept_all, batches

from pytest_firehose import FirehoseFake
from pytest_firehose._handles.stream_readers import KinesisReader

KEEP = {"Filters": [{"Pattern": '{"data": {"keep": [true]}}'}]}


def _record(n: int) -> bytes:
    return json.dumps({"n": n, "keep": n % 3 != 0}).encode()


def _put_range(first: int, last: int) -> None:
    """PutRecords records ``first`` to ``last`` (excluded) to stream ``s``, under 7 keys."""
    client = boto3.client("kinesis", region_name=REGION)
    numbers = list(range(first, last))
    for start in range(0, len(numbers), 500):
        client.put_records(
            StreamName="s",
            Records=[
                {"Data": _record(n), "PartitionKey": f"k{n % 7}"}
                for n in numbers[start : start + 500]
            ],
        )


def _kept(payloads: Iterable[bytes]) -> list[bytes]:
    return [payload for payload in payloads if json.loads(payload)["keep"]]


def _left_out(payloads: Iterable[bytes]) -> list[bytes]:
    return [payload for payload in payloads if not json.loads(payload)["keep"]]


def _chunks(payloads: list[bytes], size: int) -> list[list[bytes]]:
    return [payloads[start : start + size] for start in range(0, len(payloads), size)]


def test_a_long_filtered_shard_and_its_children_are_read_in_order(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, BatchSize=100, FilterCriteria=KEEP)
    _put_range(0, 500)
    trigger.drain()
    _put_range(500, 1000)
    [parent] = stream.shards
    stream.split_shard(parent.shard_id, 2**127)
    _put_range(1000, 1600)

    trigger.drain()

    children = sorted(
        (shard for shard in stream.shards if shard.shard_id != parent.shard_id),
        key=lambda shard: shard.shard_id,
    )
    early = [_record(n) for n in range(500)]
    late = [_record(n) for n in range(500, 1000)]
    of_children = [[record.data for record in child.records] for child in children]
    assert len(of_children) == 2
    assert all(of_children)  # each child took records
    # The parent is read to its end first, as far as each drain found it; then the
    # children take turns, one batch each, by shard id.
    expected = [(parent.shard_id, batch) for batch in _chunks(_kept(early), 100)]
    expected += [(parent.shard_id, batch) for batch in _chunks(_kept(late), 100)]
    turns = zip_longest(*(_chunks(_kept(held), 100) for held in of_children))
    for turn in turns:
        expected += [
            (child.shard_id, batch)
            for child, batch in zip(children, turn, strict=True)
            if batch is not None
        ]
    assert [(call.shard_id, call.records) for call in trigger.invocations] == expected
    # Each record the filters keep back is listed once, as its shard is first read.
    assert [record.data for record in trigger.filtered] == (
        _left_out(early) + _left_out(late) + [p for held in of_children for p in _left_out(held)]
    )


def test_filters_changed_mid_drain_judge_again_the_records_still_to_come(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> None:
        if len(trigger.invocations) == 0:
            trigger.update(FilterCriteria=KEEP)

    trigger = stream.lambda_trigger(handler, BatchSize=2)
    _put_range(0, 12)

    trigger.drain()

    numbers = [[json.loads(payload)["n"] for payload in batch] for batch in batches(trigger)]
    assert numbers == [[0, 1], [2, 4], [5, 7], [8, 10], [11]]


@pytest.mark.parametrize("factor", [1, 3])
def test_draining_a_long_shard_reads_each_record_once(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch, factor: int
) -> None:
    handed: list[int] = []
    read = KinesisReader.read

    def counted(reader: KinesisReader, shard_id: str, after: int) -> Any:
        found = read(reader, shard_id, after)
        held = found[0] if isinstance(found, tuple) else found
        handed.append(len(held))
        return found

    monkeypatch.setattr(KinesisReader, "read", counted)
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, BatchSize=100, ParallelizationFactor=factor)
    _put_range(0, 3000)

    trigger.drain()

    assert sum(len(batch) for batch in batches(trigger)) == 3000
    # Each lane reads each record once: a batch costs what it holds, not what waits
    # behind it (reading the rest of the shard twice a batch read 93,000 records).
    assert sum(handed) <= 3000 * factor


def test_records_trimmed_before_their_batch_is_read_are_expired_not_invoked(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    clock = fake.kinesis.clock

    def handler(event: dict[str, Any], context: Any) -> None:
        if len(trigger.invocations) == 0:  # the first 150 records outlive retention
            clock.advance(seconds=2)  # within the function's timeout

    trigger = stream.lambda_trigger(handler, BatchSize=100)
    _put_range(0, 150)
    clock.advance(hours=24, seconds=-1)
    _put_range(150, 300)

    trigger.drain()

    numbers = [[json.loads(payload)["n"] for payload in batch] for batch in batches(trigger)]
    assert numbers == [list(range(100)), list(range(150, 250)), list(range(250, 300))]
    assert all(invocation.error is None for invocation in trigger.invocations)
    assert [json.loads(record.data)["n"] for record in trigger.expired] == list(range(100, 150))
