"""The event shipper against pytest-firehose's fake Firehose, used as any user would use it.

Nothing here imports the fake: the ``firehose`` fixture comes from the plugin's entry point,
the shipper talks to plain boto3 clients, and the assertions read what the fake received.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ClientError
from event_shipper import (
    MAX_BATCH_BYTES,
    MAX_BATCH_RECORDS,
    MAX_RECORD_BYTES,
    TOO_LARGE,
    FirehoseShipper,
    ShipResult,
    UndeliveredRecordsError,
    ship_events,
)

if TYPE_CHECKING:
    from pytest_firehose import FirehoseHandle

MakeShipper = Callable[..., FirehoseShipper]


def payloads(sizes: list[int]) -> list[bytes]:
    """Distinct payloads of the given sizes: record ``i`` is filled with one letter."""
    return [bytes([ord("A") + i % 26]) * size for i, size in enumerate(sizes)]


# ---------------------------------------------------------------------- delivery


def test_every_event_is_delivered_exactly_once(
    firehose: FirehoseHandle, shipper: FirehoseShipper, sleeps: list[float]
) -> None:
    firehose.create_delivery_stream("events")
    events = [b"a\n", b"b\n", b"c\n"]

    result = shipper.ship(events)

    firehose["events"].assert_delivered(events, ordered=True)
    assert result == ShipResult(sent=3, attempts=1)
    assert result.ok
    assert [(call.operation, call.records) for call in firehose.calls] == [
        ("PutRecordBatch", events)
    ]
    assert sleeps == []  # nothing failed, so nothing waited


def test_events_may_come_from_a_generator(
    firehose: FirehoseHandle, shipper: FirehoseShipper
) -> None:
    firehose.create_delivery_stream("events")
    expected = [f"event {n}\n".encode() for n in range(1_000)]

    result = shipper.ship(f"event {n}\n".encode() for n in range(1_000))

    firehose["events"].assert_delivered(expected, ordered=True)
    assert (result.sent, result.attempts) == (1_000, 2)


def test_an_empty_input_makes_no_calls(firehose: FirehoseHandle, shipper: FirehoseShipper) -> None:
    firehose.create_delivery_stream("events")

    assert shipper.ship([]) == ShipResult()
    assert shipper.ship(iter(())) == ShipResult()

    assert firehose.calls == []
    assert firehose["events"].records == []


# ---------------------------------------------------------------------- framing


def test_dicts_are_shipped_as_newline_delimited_json(
    firehose: FirehoseHandle, shipper: FirehoseShipper
) -> None:
    firehose.create_delivery_stream("events")
    events = [
        {"id": 1, "type": "signup", "user": {"name": "Zoë", "tags": ["a", "b"]}},
        {"id": 2, "type": "login", "text": "line one\nline two"},  # newline stays escaped
        {"id": 3, "type": "logout"},
    ]

    shipper.ship(events)

    stream = firehose["events"]
    stream.assert_delivered(
        [
            '{"id":1,"type":"signup","user":{"name":"Zoë","tags":["a","b"]}}\n'.encode(),
            b'{"id":2,"type":"login","text":"line one\\nline two"}\n',
            b'{"id":3,"type":"logout"}\n',
        ],
        ordered=True,
    )
    # What lands in the destination is one JSON document per line, ready for Athena & co.
    body = b"".join(obj.body for obj in stream.objects)
    assert body.endswith(b"\n")
    assert [json.loads(line) for line in body.splitlines()] == events


def test_bytes_and_dicts_keep_their_order(
    firehose: FirehoseHandle, shipper: FirehoseShipper
) -> None:
    firehose.create_delivery_stream("events")

    shipper.ship([b"raw\n", {"n": 1}, b"raw again\n", {"n": 2}])

    assert firehose.calls[0].records == [b"raw\n", b'{"n":1}\n', b"raw again\n", b'{"n":2}\n']


def test_json_default_serialises_other_types(
    firehose: FirehoseHandle, make_shipper: MakeShipper
) -> None:
    firehose.create_delivery_stream("events")
    at = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)

    make_shipper(json_default=datetime.isoformat).ship([{"at": at}])

    firehose["events"].assert_delivered([b'{"at":"2026-11-21T12:00:00+00:00"}\n'])


def test_other_event_types_are_refused_before_anything_is_sent(
    firehose: FirehoseHandle, shipper: FirehoseShipper
) -> None:
    firehose.create_delivery_stream("events")

    with pytest.raises(TypeError, match="bytes or a mapping, not str"):
        shipper.ship(["not bytes"])  # type: ignore[list-item]

    assert firehose.calls == []


# ---------------------------------------------------------------------- batching


@pytest.mark.parametrize(
    ("count", "expected_batches"),
    [
        (499, [499]),
        (500, [500]),
        (501, [500, 1]),
        (1_201, [500, 500, 201]),
    ],
)
def test_batches_hold_at_most_500_records(
    firehose: FirehoseHandle,
    shipper: FirehoseShipper,
    count: int,
    expected_batches: list[int],
) -> None:
    firehose.create_delivery_stream("events")
    events = [f"{n}\n".encode() for n in range(count)]

    result = shipper.ship(events)

    calls = firehose.calls
    assert [len(call.records) for call in calls] == expected_batches
    assert all(call.operation == "PutRecordBatch" for call in calls)
    assert [record for call in calls for record in call.records] == events  # order kept
    assert (result.sent, result.attempts) == (count, len(expected_batches))
    firehose["events"].assert_delivered(events, ordered=True)


@pytest.mark.parametrize(
    ("sizes", "expected_batches"),
    [
        pytest.param([MAX_RECORD_BYTES] * 4 + [98_304], [5], id="exactly-4-MiB"),
        pytest.param([MAX_RECORD_BYTES] * 4 + [98_305], [4, 1], id="one-byte-over"),
        pytest.param([1_000_000] * 10, [4, 4, 2], id="ten-1-MB-records"),
        pytest.param([9_000] * 480, [466, 14], id="bytes-before-count"),
    ],
)
def test_batches_hold_at_most_4_mib(
    firehose: FirehoseHandle,
    shipper: FirehoseShipper,
    sizes: list[int],
    expected_batches: list[int],
) -> None:
    assert sum([MAX_RECORD_BYTES] * 4 + [98_304]) == MAX_BATCH_BYTES  # the boundary case
    firehose.create_delivery_stream("events")
    events = payloads(sizes)

    result = shipper.ship(events)

    calls = firehose.calls
    assert [len(call.records) for call in calls] == expected_batches
    assert all(sum(map(len, call.records)) <= MAX_BATCH_BYTES for call in calls)
    assert all(call.outcome == "ok" for call in calls)
    assert [record for call in calls for record in call.records] == events
    assert result == ShipResult(sent=len(sizes), attempts=len(expected_batches))
    firehose["events"].assert_delivered(events, ordered=True)


def test_the_batch_limits_are_the_services(firehose: FirehoseHandle) -> None:
    """The shipper's constants, checked against what Firehose itself refuses."""
    assert (MAX_BATCH_RECORDS, MAX_BATCH_BYTES, MAX_RECORD_BYTES) == (500, 4_194_304, 1_024_000)
    firehose.create_delivery_stream("events")
    client = boto3.client("firehose")

    def put(records: list[bytes]) -> None:
        client.put_record_batch(
            DeliveryStreamName="events", Records=[{"Data": data} for data in records]
        )

    put([b"x"] * MAX_BATCH_RECORDS)
    put(payloads([MAX_RECORD_BYTES] * 4 + [98_304]))
    for too_much in (
        [b"x"] * (MAX_BATCH_RECORDS + 1),
        payloads([MAX_RECORD_BYTES] * 4 + [98_305]),
        [b"x" * (MAX_RECORD_BYTES + 1)],
    ):
        with pytest.raises(ClientError):
            put(too_much)
    assert [call.outcome for call in firehose.calls] == ["ok", "ok", "error", "error", "error"]


# ---------------------------------------------------------------------- oversized records


def test_a_record_of_exactly_1000_kib_is_sent(
    firehose: FirehoseHandle, shipper: FirehoseShipper
) -> None:
    firehose.create_delivery_stream("events")
    event = b"x" * MAX_RECORD_BYTES

    result = shipper.ship([event])

    assert result.ok
    firehose["events"].assert_delivered([event])


def test_oversized_records_are_reported_not_sent(
    firehose: FirehoseHandle, shipper: FirehoseShipper
) -> None:
    firehose.create_delivery_stream("events")
    too_big = b"x" * (MAX_RECORD_BYTES + 1)
    too_big_json = {"blob": "y" * MAX_RECORD_BYTES}

    result = shipper.ship([b"first\n", too_big, {"n": 2}, too_big_json])

    assert [call.records for call in firehose.calls] == [[b"first\n", b'{"n":2}\n']]
    firehose["events"].assert_delivered([b"first\n", b'{"n":2}\n'])
    assert (result.sent, result.failed, result.ok) == (2, [], False)
    assert [(r.index, r.error_code) for r in result.rejected] == [(1, TOO_LARGE), (3, TOO_LARGE)]
    assert result.rejected[0].data == too_big
    assert "1024001 bytes is over Firehose's record limit" in result.rejected[0].error_message

    with pytest.raises(UndeliveredRecordsError) as raised:
        result.raise_for_undelivered()
    assert raised.value.result is result
    assert "2 record(s) were not delivered" in str(raised.value)
    assert "record 1 (1024001 bytes): RecordTooLarge" in str(raised.value)


def test_input_of_only_oversized_records_makes_no_calls(
    firehose: FirehoseHandle, shipper: FirehoseShipper
) -> None:
    firehose.create_delivery_stream("events")

    result = shipper.ship([b"x" * (MAX_RECORD_BYTES + 1)])

    assert firehose.calls == []
    assert (result.sent, result.attempts, len(result.rejected)) == (0, 0, 1)


# ---------------------------------------------------------------------- clients


def test_a_client_created_by_the_code_under_test_works(
    firehose: FirehoseHandle, sleeps: list[float]
) -> None:
    firehose.create_delivery_stream("events")

    result = ship_events("events", [{"n": 1}, {"n": 2}], sleep=sleeps.append)

    firehose["events"].assert_delivered([b'{"n":1}\n', b'{"n":2}\n'])
    assert (result.sent, result.attempts) == (2, 1)
    assert sleeps == []


def test_ship_events_raises_when_records_are_lost(firehose: FirehoseHandle) -> None:
    firehose.create_delivery_stream("events")

    with pytest.raises(UndeliveredRecordsError, match=r"record 1 \(1024001 bytes\)"):
        ship_events("events", [b"ok\n", b"x" * (MAX_RECORD_BYTES + 1)])

    firehose["events"].assert_delivered([b"ok\n"])


def test_the_stream_is_found_in_the_region_the_client_names(firehose: FirehoseHandle) -> None:
    firehose.create_delivery_stream("events", region="eu-west-1")

    ship_events("events", [b"hej\n"], region_name="eu-west-1")

    assert firehose.calls[0].region == "eu-west-1"
    firehose.stream("events", region="eu-west-1").assert_delivered([b"hej\n"])


# ---------------------------------------------------------------------- errors no retry fixes


def test_an_unknown_stream_stops_shipping_at_once(
    firehose: FirehoseHandle, shipper: FirehoseShipper, sleeps: list[float]
) -> None:
    events = (f"{n}\n".encode() for n in range(1_200))

    with pytest.raises(UndeliveredRecordsError, match="ResourceNotFoundException") as raised:
        shipper.ship(events)

    # One call, not retried by botocore or by the shipper, and nothing after it.
    assert [(call.operation, call.outcome, call.attempt) for call in firehose.calls] == [
        ("PutRecordBatch", "error", 1)
    ]
    assert sleeps == []
    assert isinstance(raised.value.__cause__, ClientError)
    failed = raised.value.result.failed
    assert [record.index for record in failed] == list(range(500))
    assert {record.error_code for record in failed} == {"ResourceNotFoundException"}
    assert next(events) == b"500\n"  # the rest of the input was left unread


# ---------------------------------------------------------------------- retry policy


def test_backoff_grows_exponentially_up_to_max_delay(make_shipper: MakeShipper) -> None:
    class Ceiling(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    shipper = make_shipper(base_delay=0.1, max_delay=1.0, rng=Ceiling())

    assert [shipper.backoff(n) for n in range(1, 7)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    )


def test_backoff_is_jittered_below_its_ceiling(make_shipper: MakeShipper) -> None:
    shipper = make_shipper(base_delay=0.1, max_delay=1.0, rng=random.Random(7))

    delays = [shipper.backoff(n) for n in range(1, 9) for _ in range(20)]

    assert all(0 <= d <= min(1.0, 0.1 * 2 ** (i // 20)) for i, d in enumerate(delays))
    assert len(set(delays)) == len(delays)  # jittered, not a fixed schedule


@pytest.mark.parametrize("max_attempts", [0, -1])
def test_max_attempts_must_be_positive(make_shipper: MakeShipper, max_attempts: int) -> None:
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        make_shipper(max_attempts=max_attempts)
