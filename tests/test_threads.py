"""Producers send from thread pools: the fake must accept every record exactly once, keep
each producer's order, and log every call, whether threads share one client or not."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import boto3
import pytest

from pytest_firehose import FirehoseFake

REGION = "us-east-1"
THREADS = 8
CALLS = 50
RECORDS = 100
STREAM = "events"


def payload(thread: int, call: int, index: int) -> bytes:
    return f"thread {thread} call {call} record {index}\n".encode()


def produce(
    get_client: Callable[[], Any],
    thread: int,
    start: threading.Barrier,
    calls: int = CALLS,
    records: int = RECORDS,
) -> list[Any]:
    """One producer: ``calls`` PutRecordBatch calls of ``records`` unique records each."""
    client = get_client()
    start.wait()
    return [
        client.put_record_batch(
            DeliveryStreamName=STREAM,
            Records=[{"Data": payload(thread, call, i)} for i in range(records)],
        )
        for call in range(calls)
    ]


def run_producers(get_client: Callable[[], Any], **sizes: int) -> list[Any]:
    """THREADS producers started together; every answer, in no particular order."""
    start = threading.Barrier(THREADS)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(produce, get_client, t, start, **sizes) for t in range(THREADS)]
        return [answer for future in futures for answer in future.result()]


@pytest.mark.parametrize("clients", ["one-shared-client", "client-per-thread"])
def test_concurrent_batches_are_each_accepted_exactly_once(
    fake: FirehoseFake, client: Any, clients: str
) -> None:
    fake.firehose.create_delivery_stream(STREAM)
    if clients == "one-shared-client":

        def get_client() -> Any:
            return client

    else:

        def get_client() -> Any:  # boto3's default session is not thread-safe; a Session is
            return boto3.session.Session().client("firehose", region_name=REGION)

    flat = run_producers(get_client)
    assert len(flat) == THREADS * CALLS
    assert [a["FailedPutCount"] for a in flat] == [0] * len(flat)
    record_ids = [entry["RecordId"] for a in flat for entry in a["RequestResponses"]]
    assert len(record_ids) == len(set(record_ids)) == THREADS * CALLS * RECORDS

    stream = fake.firehose[STREAM]
    records = stream.records
    assert len(records) == THREADS * CALLS * RECORDS
    counts = Counter(record.data for record in records)
    expected = {
        payload(t, c, i) for t in range(THREADS) for c in range(CALLS) for i in range(RECORDS)
    }
    assert set(counts) == expected
    assert max(counts.values()) == 1
    assert {record.record_id for record in records} == set(record_ids)
    for thread in range(THREADS):  # each producer's records stay in the order it sent them
        prefix = f"thread {thread} ".encode()
        assert [r.data for r in records if r.data.startswith(prefix)] == [
            payload(thread, c, i) for c in range(CALLS) for i in range(RECORDS)
        ]

    calls = fake.firehose.calls
    assert len(calls) == THREADS * CALLS
    assert len({call.invocation_id for call in calls}) == THREADS * CALLS
    assert None not in {call.invocation_id for call in calls}
    assert {(call.operation, call.attempt, call.outcome) for call in calls} == {
        ("PutRecordBatch", 1, "ok")
    }
    assert sorted(len(call.records) for call in calls) == [RECORDS] * len(calls)
    assert len(stream.calls) == len(calls)


def test_a_fault_hits_exactly_as_many_concurrent_calls_as_scripted(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.create_delivery_stream(STREAM)
    fault = fake.firehose.fail(records=[0], times=25)

    answers = run_producers(lambda: client, calls=20, records=10)

    failed = [a for a in answers if a["FailedPutCount"]]
    assert [a["FailedPutCount"] for a in failed] == [1] * 25
    assert {a["RequestResponses"][0]["ErrorCode"] for a in failed} == {
        "ServiceUnavailableException"
    }
    assert fault.fired == 25
    assert len(fake.firehose[STREAM].records) == THREADS * 20 * 10 - 25
    assert sorted(c.outcome for c in fake.firehose.calls) == ["ok"] * 135 + ["partial"] * 25


#: How long a test gives another thread to move the clock when it must not: with the
#: world's lock held, a correct fake never moves it, however long this is.
GRACE = 0.5


def test_the_clock_stands_still_for_whoever_holds_the_world(fake: FirehoseFake) -> None:
    clock = fake.firehose.clock
    with fake.world.touched():
        before = clock.now()
        mover = threading.Thread(target=clock.advance, kwargs={"seconds": 5})
        mover.start()
        mover.join(GRACE)
        assert clock.now() == before
    mover.join()
    assert clock.now() == before + timedelta(seconds=5)


def test_a_record_is_never_delivered_before_it_arrived(
    fake: FirehoseFake, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock moves in another thread while a put is between settling the world and
    accepting its records: the records must arrive at the time the world was settled to,
    not join a buffer that fell due before they arrived."""
    stream = fake.firehose.create_delivery_stream(
        STREAM,
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::bucket",
            "BufferingHints": {"IntervalInSeconds": 60},
        },
    )
    clock = fake.firehose.clock
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})  # due at +60 s
    clock.advance(seconds=59)
    model = fake.world.firehose()
    put_record = model.put_record
    movers: list[threading.Thread] = []

    def put_while_the_clock_moves(params: dict[str, Any]) -> Any:
        before = clock.now()
        mover = threading.Thread(target=clock.advance, kwargs={"seconds": 2})
        movers.append(mover)
        mover.start()
        deadline = time.monotonic() + GRACE
        while clock.now() == before and time.monotonic() < deadline:
            time.sleep(0.001)
        return put_record(params)

    monkeypatch.setitem(model._operations, "PutRecord", put_while_the_clock_moves)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"b"})
    monkeypatch.undo()
    for mover in movers:
        mover.join()

    arrived = {record.data: record.arrived_at for record in stream.records}
    (obj,) = stream.objects
    assert obj.records == (b"a", b"b")
    assert obj.delivered_at >= max(arrived.values())
