"""Queues on Kinesis streams (CreateQueue ... RestoreDeadLetterQueueRecords) and the record
distribution strategy (UpdateStreamRecordDistributionStrategy).

botocore sends these operations from 1.44 on. ``call`` sends every operation through a
boto3 client where the installed botocore has them, and otherwise hands it to the model
under the world's lock, so each test checks the same behaviour on every botocore the suite runs on:
a refusal is a ``ClientError`` either way, and a record's ``Data`` is bytes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError
from conftest import REGION, SEED, as_answered, botocore_lacks, examples, needs_botocore
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._payload import payload_bytes
from pytest_firehose._services.codes import ENTRY_OPERATIONS
from pytest_firehose._services.kinesis import queue_records
from pytest_firehose._services.kinesis.queues import ENTRY_ACTS
from pytest_firehose._services.kinesis.tokens import (
    next_token,
)

Call = Callable[..., dict[str, Any]]
STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/s"
#: Whether a boto3 client can send the queue operations.
WIRE = not botocore_lacks("kinesis CreateQueue", "kinesis UpdateStreamRecordDistributionStrategy")


@pytest.fixture
def call(fake: FirehoseFake) -> Call:
    return caller(fake)


def answered(moment: datetime) -> datetime:
    """``moment`` as the answers read here carry it: to the millisecond through a client's
    wire, as the fake clock keeps it straight from the model."""
    return as_answered(moment) if WIRE else moment


def caller(fake: FirehoseFake, wire: bool = WIRE) -> Call:
    """Send an operation to ``fake`` (see the module's docstring): through a client when
    ``wire``, else to the model."""
    client = boto3.client("kinesis", region_name=REGION)

    def through_the_model(operation: str, **params: Any) -> dict[str, Any]:
        world = fake.world
        try:
            with world.touched():
                body = world.kinesis().dispatch(operation, params).body
        except ServiceError as refusal:
            error = {"Code": refusal.code, "Message": refusal.message}
            raise ClientError({"Error": error}, operation) from None
        for record in body.get("QueueRecords", []):
            record["Data"] = payload_bytes(record["Data"])
        return dict(body)

    def send(operation: str, **params: Any) -> dict[str, Any]:
        if wire:
            answer: dict[str, Any] = getattr(client, xform_name(operation))(**params)
            return answer
        return through_the_model(operation, **params)

    return send


def code(call: Call, operation: str, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(operation, **params)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def on_demand(call: Call, name: str = "s") -> str:
    call("CreateStream", StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    return f"arn:aws:kinesis:us-east-1:123456789012:stream/{name}"


def auto_distributed(call: Call) -> None:
    """Stream ``s``, on demand, its records spread over its shards (``AUTO``)."""
    on_demand(call)
    call(
        "UpdateStreamRecordDistributionStrategy",
        StreamARN=STREAM_ARN,
        RecordDistributionStrategy="AUTO",
    )


def new_queue(
    call: Call,
    name: str = "q",
    stream: str = STREAM_ARN,
    position: str = "TRIM_HORIZON",
    **more: Any,
) -> str:
    answer = call(
        "CreateQueue",
        QueueName=name,
        StreamConfigurationList=[{"StreamARN": stream, "StartingPosition": {"Type": position}}],
        **more,
    )
    arn: str = answer["QueueDescription"]["QueueARN"]
    return arn


def from_time(call: Call, since: datetime) -> dict[str, Any]:
    """A queue that delivers the records that arrive from ``since`` on: its description."""
    position = {"Type": "AT_TIMESTAMP", "Timestamp": since}
    config = [{"StreamARN": STREAM_ARN, "StartingPosition": position}]
    answer = call("CreateQueue", QueueName="q", StreamConfigurationList=config)
    description: dict[str, Any] = answer["QueueDescription"]
    return description


def put(call: Call, *payloads: bytes) -> None:
    for payload in payloads:
        call("PutRecord", StreamName="s", Data=payload, PartitionKey=payload.decode())


def receive(call: Call, queue: str, **params: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = call("ReceiveQueueRecords", QueueARN=queue, **params)[
        "QueueRecords"
    ]
    return records


def handles(records: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"ReceiptHandle": record["ReceiptHandle"]} for record in records]


# --------------------------------------------------------------------------- the queue


def test_a_new_queue_is_creating_then_active_with_the_documented_defaults(fake, call):
    on_demand(call)
    created = call(
        "CreateQueue", QueueName="orders", StreamConfigurationList=[{"StreamARN": STREAM_ARN}]
    )["QueueDescription"]
    arn = created["QueueARN"]

    described = call("DescribeQueue", QueueARN=arn)["QueueDescription"]

    assert created["QueueStatus"] == "CREATING"
    assert created["StreamConfigurationList"] == [
        {"StreamARN": STREAM_ARN, "StartingPosition": {"Type": "LATEST"}}
    ]
    # The id is generated (the fake's: 20 digits), not the name.
    assert re.fullmatch(r"arn:aws:kinesis:us-east-1:123456789012:queue/[0-9]{20}", arn)
    assert described["QueueStatus"] == "ACTIVE"
    assert described["QueueAttributes"] == {
        "VisibilityTimeoutSeconds": 30,
        "DeadLetterConfiguration": {"TargetType": "BUILT_IN", "MaxReceiveCount": 6},
    }
    # Once ACTIVE, the effective starting position carries its time.
    position = described["StreamConfigurationList"][0]["StartingPosition"]
    assert position["Timestamp"] == created["QueueCreationTimestamp"]
    summary = call("DescribeStreamSummary", StreamName="s")["StreamDescriptionSummary"]
    assert (summary["QueueCount"], summary["ConsumerCount"]) == (1, 0)
    assert [queue.name for queue in fake.kinesis["s"].queues] == ["orders"]


def test_latest_delivers_only_what_arrives_after_the_queue_and_trim_horizon_everything(call):
    on_demand(call)
    put(call, b"before")
    latest = new_queue(call, "latest", position="LATEST")
    horizon = new_queue(call, "horizon")
    put(call, b"after")

    assert [r["Data"] for r in receive(call, latest)] == [b"after"]
    assert [r["Data"] for r in receive(call, horizon)] == [b"before", b"after"]


def test_at_timestamp_delivers_from_that_time(fake, call):
    on_demand(call)
    put(call, b"old")
    fake.kinesis.clock.advance(seconds=10)
    since = fake.kinesis.clock.now()
    put(call, b"new")
    queue = from_time(call, since)["QueueARN"]

    assert [r["Data"] for r in receive(call, queue)] == [b"new"]


def test_a_trim_horizon_queue_describes_the_earliest_time_the_stream_keeps(fake, call):
    """Once ACTIVE, a queue's starting position carries its effective time (DOC): for
    TRIM_HORIZON the oldest the stream keeps, its retention period back, or the stream's
    creation if that is later; for LATEST the queue's creation."""
    on_demand(call)
    fake.kinesis.clock.advance(hours=30)
    now = fake.kinesis.clock.now()
    created = call(
        "CreateQueue",
        QueueName="horizon",
        StreamConfigurationList=[
            {"StreamARN": STREAM_ARN, "StartingPosition": {"Type": "TRIM_HORIZON"}}
        ],
    )["QueueDescription"]
    latest = new_queue(call, "latest", position="LATEST")
    young = on_demand(call, "t")
    young_queue = new_queue(call, "young", stream=young)

    def position(queue: str) -> dict[str, Any]:
        described = call("DescribeQueue", QueueARN=queue)["QueueDescription"]
        starting: dict[str, Any] = described["StreamConfigurationList"][0]["StartingPosition"]
        return starting

    young_created = call("DescribeStreamSummary", StreamName="t")["StreamDescriptionSummary"][
        "StreamCreationTimestamp"
    ]
    assert created["StreamConfigurationList"][0]["StartingPosition"] == {"Type": "TRIM_HORIZON"}
    assert position(created["QueueARN"]) == {
        "Type": "TRIM_HORIZON",
        "Timestamp": answered(now - timedelta(hours=24)),
    }
    assert position(latest) == {"Type": "LATEST", "Timestamp": answered(now)}
    assert position(young_queue) == {"Type": "TRIM_HORIZON", "Timestamp": young_created}


def test_a_record_id_is_the_same_in_every_queue_and_differs_by_record(call):
    on_demand(call)
    queues = [new_queue(call, "one"), new_queue(call, "two")]
    put(call, b"a", b"b")

    ids = [[r["RecordId"] for r in receive(call, queue)] for queue in queues]

    assert ids[0] == ids[1]
    assert len(set(ids[0])) == 2
    # The model allows 1 to 64 lowercase letters and digits; the fake's are 32 hex digits.
    assert all(re.fullmatch("[0-9a-f]{32}", record_id) for record_id in ids[0])


def test_a_receive_returns_up_to_10_records_unless_limited(call):
    on_demand(call)
    queue = new_queue(call)
    put(call, *[b"%d" % n for n in range(12)])

    first = receive(call, queue)
    rest = receive(call, queue, Limit=1)

    assert [r["Data"] for r in first] == [b"%d" % n for n in range(10)]
    assert [r["Data"] for r in rest] == [b"10"]


def test_at_timestamp_delivers_a_record_that_arrives_at_that_very_time(fake, call):
    """DOC: records that arrive at or after the time stamp (a whole millisecond here, as a
    client's wire carries it)."""
    on_demand(call)
    clock = fake.kinesis.clock
    clock.advance(timedelta(seconds=1, microseconds=-clock.now().microsecond))
    put(call, b"on-time")
    queue = from_time(call, clock.now())["QueueARN"]

    assert [r["Data"] for r in receive(call, queue)] == [b"on-time"]


def test_at_timestamp_passes_over_no_record_after_the_first_since_that_time():
    """freezegun moved back: "b" is stamped before the queue's time stamp but arrives
    after "a", the first record since it, where the queue starts. The starting position is
    found once, so "b" is delivered; "early", ahead of the start, is not. "b" was dropped
    as though it came before the start."""
    start = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION, seed=SEED) as fake:
        call = caller(fake)
        on_demand(call)
        queue = from_time(call, start + timedelta(seconds=80))["QueueARN"]
        for offset, payload in ((60, b"early"), (100, b"a"), (50, b"b")):
            frozen.move_to(start + timedelta(seconds=offset))
            put(call, payload)
        frozen.move_to(start + timedelta(seconds=300))

        received = [r["Data"] for r in receive(call, queue)]

    assert received == [b"a", b"b"]


def test_a_queue_created_before_time_was_frozen_earlier_stays_active(fake, call):
    """Under freezegun frozen a day before the queue's creation, it stays ACTIVE and
    delivers. It went back to CREATING and refused receives."""
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a")

    with freezegun.freeze_time(fake.kinesis.clock.now() - timedelta(days=1)):
        status = call("DescribeQueue", QueueARN=queue)["QueueDescription"]["QueueStatus"]
        received = [r["Data"] for r in receive(call, queue)]

    assert (status, received) == ("ACTIVE", [b"a"])


def test_a_queue_deleted_before_time_was_frozen_earlier_stays_gone(fake, call):
    """Deleted at once, then freezegun froze time a day before: the queue stays gone. It
    was listed again as DELETING."""
    on_demand(call)
    queue = new_queue(call)
    call("DeleteQueue", QueueARN=queue)

    with freezegun.freeze_time(fake.kinesis.clock.now() - timedelta(days=1)):
        listed = call("ListQueues")["QueueSummaries"]

    assert listed == []


def test_a_received_record_is_in_flight_until_its_visibility_timeout_ends(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a")
    (first,) = receive(call, queue, VisibilityTimeoutSeconds=20)
    started = fake.kinesis.clock.now()

    # Nothing is visible: the receive waits, on the fake clock, for its 9 seconds.
    assert receive(call, queue) == []
    assert fake.kinesis.clock.now() - started == timedelta(seconds=9)
    # The next wait ends when the record is visible again, 20 seconds after the receive.
    (again,) = receive(call, queue, WaitTimeSeconds=20)

    assert fake.kinesis.clock.now() - started == timedelta(seconds=20)
    assert (first["ReceiveCount"], again["ReceiveCount"]) == (1, 2)
    assert again["RecordId"] == first["RecordId"]
    assert again["ReceiptHandle"] != first["ReceiptHandle"]
    assert again["FirstReceiveTimestamp"] == first["FirstReceiveTimestamp"]
    assert again["PartitionKey"] == "a"


def test_a_waiting_receive_ends_when_the_first_record_is_visible_again(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a", b"b")
    assert len(receive(call, queue, Limit=1, VisibilityTimeoutSeconds=5)) == 1
    assert len(receive(call, queue, Limit=1, VisibilityTimeoutSeconds=15)) == 1
    started = fake.kinesis.clock.now()

    again = receive(call, queue, WaitTimeSeconds=20)

    assert [r["Data"] for r in again] == [b"a"]
    assert fake.kinesis.clock.now() - started == timedelta(seconds=5)


def test_an_acknowledged_record_is_not_delivered_again(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a", b"b")
    records = receive(call, queue, Limit=1)

    acknowledged = call("AcknowledgeQueueRecords", QueueARN=queue, Entries=handles(records))
    fake.kinesis.clock.advance(minutes=5)

    assert acknowledged["Successful"] == handles(records)
    assert acknowledged["Failed"] == []
    assert [r["Data"] for r in receive(call, queue)] == [b"b"]
    assert fake.kinesis["s"].queues[0].acknowledged == 1


def test_acknowledging_reports_each_entry_and_is_idempotent(call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a")
    entries = handles(receive(call, queue))
    call("AcknowledgeQueueRecords", QueueARN=queue, Entries=entries)

    answer = call(
        "AcknowledgeQueueRecords",
        QueueARN=queue,
        Entries=[*entries, {"ReceiptHandle": "not-a-handle"}],
    )

    assert answer["Successful"] == entries
    (failed,) = answer["Failed"]
    assert failed["ReceiptHandle"] == "not-a-handle"
    assert failed["ErrorCode"] == "InvalidArgumentException"
    assert "receipt handle" in failed["ErrorMessage"]


def test_a_handle_stops_naming_its_record_once_the_record_is_received_again(fake, call):
    on_demand(call)
    queue = new_queue(call, QueueAttributes={"VisibilityTimeoutSeconds": 5})
    put(call, b"a")
    old = handles(receive(call, queue))
    fake.kinesis.clock.advance(seconds=5)
    receive(call, queue)

    answer = call("AcknowledgeQueueRecords", QueueARN=queue, Entries=old)

    assert answer["Successful"] == []
    assert [entry["ErrorCode"] for entry in answer["Failed"]] == ["InvalidArgumentException"]


def test_visibility_can_be_extended_or_ended(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a", b"b")
    first, second = receive(call, queue)

    answer = call(
        "UpdateQueueRecordsVisibility",
        QueueARN=queue,
        Entries=[
            {"ReceiptHandle": first["ReceiptHandle"], "VisibilityTimeoutSeconds": 0},
            {"ReceiptHandle": second["ReceiptHandle"], "VisibilityTimeoutSeconds": 600},
        ],
    )
    fake.kinesis.clock.advance(seconds=31)

    assert len(answer["Successful"]) == 2
    assert [r["Data"] for r in receive(call, queue)] == [b"a"]
    assert fake.kinesis["s"].queues[0].in_flight == 2


def test_a_record_whose_timeout_ended_is_not_in_flight_for_a_visibility_change(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a")
    (record,) = receive(call, queue)
    fake.kinesis.clock.advance(seconds=30)

    answer = call(
        "UpdateQueueRecordsVisibility",
        QueueARN=queue,
        Entries=[{"ReceiptHandle": record["ReceiptHandle"], "VisibilityTimeoutSeconds": 60}],
    )

    assert [entry["ErrorCode"] for entry in answer["Failed"]] == ["InvalidArgumentException"]


# --------------------------------------------------------------------------- dead letters


def poison(fake: FirehoseFake, call: Call, queue: str, times: int) -> None:
    """Receive the queue's record ``times`` times without acknowledging it."""
    for _ in range(times):
        assert len(receive(call, queue, VisibilityTimeoutSeconds=1)) == 1
        fake.kinesis.clock.advance(seconds=1)


def dead_letter(fake: FirehoseFake, call: Call) -> tuple[str, list[dict[str, Any]]]:
    """A queue whose one record died at its first receive, and that record, received from
    the dead letters."""
    on_demand(call)
    dead_letters = {"TargetType": "BUILT_IN", "MaxReceiveCount": 1}
    queue = new_queue(call, QueueAttributes={"DeadLetterConfiguration": dead_letters})
    put(call, b"poison")
    poison(fake, call, queue, 1)
    dead: list[dict[str, Any]] = call("ReceiveDeadLetterQueueRecords", QueueARN=queue)[
        "QueueRecords"
    ]
    return queue, dead


def test_a_record_received_max_receive_count_times_becomes_a_dead_letter(fake, call):
    on_demand(call)
    dead_letters = {"TargetType": "BUILT_IN", "MaxReceiveCount": 2}
    queue = new_queue(call, QueueAttributes={"DeadLetterConfiguration": dead_letters})
    put(call, b"poison")
    poison(fake, call, queue, 2)

    assert receive(call, queue, WaitTimeSeconds=1) == []
    (dead,) = call("ReceiveDeadLetterQueueRecords", QueueARN=queue)["QueueRecords"]
    assert (dead["Data"], dead["ReceiveCount"]) == (b"poison", 2)
    assert fake.kinesis["s"].queues[0].dead_letters == [b"poison"]

    restored = call("RestoreDeadLetterQueueRecords", QueueARN=queue, Entries=handles([dead]))
    (back,) = receive(call, queue)

    assert restored["Failed"] == []
    assert (back["Data"], back["ReceiveCount"]) == (b"poison", 1)
    assert fake.kinesis["s"].queues[0].dead_letters == []


def test_a_dead_letter_acknowledged_is_gone(fake, call):
    queue, dead = dead_letter(fake, call)
    # A dead letter's handle is not one of the receive path.
    assert call("AcknowledgeQueueRecords", QueueARN=queue, Entries=handles(dead))["Failed"]

    call("AcknowledgeDeadLetterQueueRecords", QueueARN=queue, Entries=handles(dead))
    fake.kinesis.clock.advance(minutes=10)

    dead_after = call("ReceiveDeadLetterQueueRecords", QueueARN=queue, WaitTimeSeconds=1)
    assert dead_after["QueueRecords"] == []
    assert receive(call, queue, WaitTimeSeconds=1) == []


def test_a_restored_dead_letter_s_handle_names_no_record(fake, call):
    queue, dead = dead_letter(fake, call)
    call("RestoreDeadLetterQueueRecords", QueueARN=queue, Entries=handles(dead))

    refused = [
        entry_error(call, operation, queue, handles(dead)[0])[0]
        for operation in ("AcknowledgeQueueRecords", "AcknowledgeDeadLetterQueueRecords")
    ]
    (back,) = receive(call, queue)

    assert refused == ["InvalidArgumentException"] * 2
    assert (back["Data"], back["ReceiveCount"]) == (b"poison", 1)


def test_a_dead_letter_receive_waits_for_a_record_to_die(fake, call):
    on_demand(call)
    dead_letters = {"TargetType": "BUILT_IN", "MaxReceiveCount": 1}
    queue = new_queue(call, QueueAttributes={"DeadLetterConfiguration": dead_letters})
    put(call, b"poison")
    receive(call, queue, VisibilityTimeoutSeconds=4)
    started = fake.kinesis.clock.now()

    (dead,) = call("ReceiveDeadLetterQueueRecords", QueueARN=queue, WaitTimeSeconds=20)[
        "QueueRecords"
    ]

    assert dead["Data"] == b"poison"
    assert fake.kinesis.clock.now() - started == timedelta(seconds=4)


def test_a_record_that_died_before_dead_letters_were_turned_off_stays_a_dead_letter(fake, call):
    """Nothing looked at the queue between the record's death and the UpdateQueue that
    turned dead-letter handling off: the record died first all the same."""
    on_demand(call)
    dead_letters = {"TargetType": "BUILT_IN", "MaxReceiveCount": 1}
    queue = new_queue(call, QueueAttributes={"DeadLetterConfiguration": dead_letters})
    put(call, b"poison")
    receive(call, queue, VisibilityTimeoutSeconds=1)
    fake.kinesis.clock.advance(seconds=2)

    call(
        "UpdateQueue",
        QueueARN=queue,
        QueueAttributes={"DeadLetterConfiguration": {"TargetType": "NONE"}},
    )
    dead = call("ReceiveDeadLetterQueueRecords", QueueARN=queue, WaitTimeSeconds=1)

    assert [r["Data"] for r in dead["QueueRecords"]] == [b"poison"]
    assert receive(call, queue, WaitTimeSeconds=1) == []


def test_without_dead_letter_handling_a_record_is_redelivered_until_acknowledged(fake, call):
    on_demand(call)
    queue = new_queue(call, QueueAttributes={"DeadLetterConfiguration": {"TargetType": "NONE"}})
    put(call, b"a")
    poison(fake, call, queue, 10)

    (record,) = receive(call, queue)

    assert record["ReceiveCount"] == 11
    assert call("DescribeQueue", QueueARN=queue)["QueueDescription"]["QueueAttributes"][
        "DeadLetterConfiguration"
    ] == {"TargetType": "NONE"}


def test_a_queue_does_not_deliver_records_past_the_stream_s_retention(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"old")
    receive(call, queue)  # in flight, never acknowledged
    fake.kinesis.clock.advance(hours=24, seconds=1)
    put(call, b"new")

    assert [r["Data"] for r in receive(call, queue)] == [b"new"]


def test_a_queue_delivers_a_record_exactly_as_old_as_the_stream_s_retention(fake, call):
    """As the stream's own reads keep it (see ``KinesisStream.trim``)."""
    on_demand(call)
    queue = new_queue(call)
    put(call, b"edge")
    arrived = fake.kinesis["s"].records[0].arrived_at
    fake.kinesis.clock.advance(arrived + timedelta(hours=24) - fake.kinesis.clock.now())

    assert [r["Data"] for r in receive(call, queue)] == [b"edge"]


def test_a_handle_of_a_record_past_the_stream_s_retention_is_not_found(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"old")
    entries = handles(receive(call, queue, VisibilityTimeoutSeconds=43200))
    fake.kinesis.clock.advance(hours=24, seconds=1)

    answers = [
        call("AcknowledgeQueueRecords", QueueARN=queue, Entries=entries),
        call(
            "UpdateQueueRecordsVisibility",
            QueueARN=queue,
            Entries=[{**entries[0], "VisibilityTimeoutSeconds": 0}],
        ),
    ]

    for answer in answers:
        assert answer["Successful"] == []
        (failed,) = answer["Failed"]
        assert failed["ErrorCode"] == "ResourceNotFoundException"
        assert "retention" in failed["ErrorMessage"]


@pytest.mark.parametrize("looked", [False, True])
def test_a_record_that_died_before_it_outlived_the_retention_period_went_as_a_dead_letter(
    fake, call, looked
):
    """Its receive handle stopped naming it when it died, 10 seconds after its last
    receive: a day later that handle names no record, whether or not anything looked at
    the queue in between (it used to be answered as outlived unless something had)."""
    on_demand(call)
    dead_letters = {"TargetType": "BUILT_IN", "MaxReceiveCount": 1}
    queue = new_queue(call, QueueAttributes={"DeadLetterConfiguration": dead_letters})
    put(call, b"poison")
    (entry,) = handles(receive(call, queue, VisibilityTimeoutSeconds=10))
    fake.kinesis.clock.advance(seconds=11)
    if looked:
        assert fake.kinesis["s"].queues[0].dead_letters == [b"poison"]
    fake.kinesis.clock.advance(hours=25)

    code, _ = entry_error(call, "AcknowledgeQueueRecords", queue, entry)

    assert code == "InvalidArgumentException"
    assert fake.kinesis["s"].queues[0].dead_letters == []


def test_a_record_that_died_as_it_outlived_the_retention_period_went_as_a_dead_letter(fake, call):
    """Its timeout ended at the very instant it became as old as the retention period,
    when the stream still keeps it: it died first."""
    on_demand(call)
    dead_letters = {"TargetType": "BUILT_IN", "MaxReceiveCount": 1}
    queue = new_queue(call, QueueAttributes={"DeadLetterConfiguration": dead_letters})
    put(call, b"poison")
    arrived = fake.kinesis["s"].records[0].arrived_at
    clock = fake.kinesis.clock
    clock.advance(arrived + timedelta(hours=12) - clock.now())
    (entry,) = handles(receive(call, queue, VisibilityTimeoutSeconds=43200))
    clock.advance(hours=13)

    code, _ = entry_error(call, "AcknowledgeQueueRecords", queue, entry)

    assert code == "InvalidArgumentException"


def entry_error(call: Call, operation: str, queue: str, entry: dict[str, Any]) -> tuple[str, str]:
    """The code and message of the one entry of ``operation``, which fails."""
    answer = call(operation, QueueARN=queue, Entries=[entry])
    assert answer["Successful"] == []
    (failed,) = answer["Failed"]
    return failed["ErrorCode"], failed["ErrorMessage"]


def test_a_handle_is_answered_as_outlived_for_12_hours_after_its_record_went(fake, call):
    """12 hours, the longest visibility timeout, after its record outlived the stream's
    retention period, a handle is answered as one that names no record."""
    on_demand(call)
    queue = new_queue(call)
    put(call, b"old")
    (entry,) = handles(receive(call, queue, VisibilityTimeoutSeconds=43200))
    arrived = fake.kinesis["s"].records[0].arrived_at
    clock = fake.kinesis.clock
    unknown = {"ReceiptHandle": "never-issued"}
    visibility = {"VisibilityTimeoutSeconds": 0}

    clock.advance(arrived + timedelta(hours=24 + 12) - clock.now())
    at_the_edge = [
        entry_error(call, "AcknowledgeQueueRecords", queue, entry),
        entry_error(call, "UpdateQueueRecordsVisibility", queue, {**entry, **visibility}),
    ]
    clock.advance(microseconds=1)
    past_it = [
        entry_error(call, "AcknowledgeQueueRecords", queue, entry),
        entry_error(call, "UpdateQueueRecordsVisibility", queue, {**entry, **visibility}),
    ]
    never_issued = [
        entry_error(call, "AcknowledgeQueueRecords", queue, unknown),
        entry_error(call, "UpdateQueueRecordsVisibility", queue, {**unknown, **visibility}),
    ]

    assert [code for code, _ in at_the_edge] == ["ResourceNotFoundException"] * 2
    assert past_it == never_issued
    assert [code for code, _ in past_it] == ["InvalidArgumentException"] * 2


def test_a_queue_forgets_outlived_handles_over_many_retention_periods(fake, call):
    on_demand(call)
    queue = new_queue(call)
    entries = []
    for day in range(10):
        put(call, b"%d" % day)
        entries += handles(receive(call, queue))  # never acknowledged
        fake.kinesis.clock.advance(hours=25)
    answers = [
        entry_error(call, "AcknowledgeQueueRecords", queue, entry)[0]
        for entry in (entries[0], entries[-2], entries[-1])
    ]

    kept = fake.world.kinesis().queues.get(queue)
    # The last record outlived the retention period an hour ago, the one before 26 hours ago.
    assert answers == [
        "InvalidArgumentException",
        "InvalidArgumentException",
        "ResourceNotFoundException",
    ]
    assert len(kept.outlived) == 1


def test_an_acknowledged_handle_is_forgotten_12_hours_after_its_record_went(fake, call):
    """A second acknowledgement succeeds until 12 hours, the longest visibility timeout,
    after the record outlived the stream's retention period, as an outlived handle is
    answered so until then; later the handle names no record."""
    on_demand(call)
    queue = new_queue(call)
    put(call, b"done")
    (entry,) = handles(receive(call, queue))
    call("AcknowledgeQueueRecords", QueueARN=queue, Entries=[entry])
    arrived = fake.kinesis["s"].records[0].arrived_at
    clock = fake.kinesis.clock
    unknown = {"ReceiptHandle": "never-issued"}

    clock.advance(arrived + timedelta(hours=24 + 12) - clock.now())
    at_the_edge = call("AcknowledgeQueueRecords", QueueARN=queue, Entries=[entry])
    clock.advance(microseconds=1)
    past_it = entry_error(call, "AcknowledgeQueueRecords", queue, entry)
    never_issued = entry_error(call, "AcknowledgeQueueRecords", queue, unknown)

    assert (at_the_edge["Successful"], at_the_edge["Failed"]) == ([entry], [])
    assert past_it == never_issued
    assert past_it[0] == "InvalidArgumentException"
    assert fake.kinesis["s"].queues[0].acknowledged == 1


def test_a_queue_forgets_acknowledged_handles_over_many_retention_periods(fake, call):
    on_demand(call)
    queue = new_queue(call)
    for day in range(10):
        put(call, b"%d" % day)
        entries = handles(receive(call, queue))
        call("AcknowledgeQueueRecords", QueueARN=queue, Entries=entries)
        fake.kinesis.clock.advance(hours=25)
    again = call("AcknowledgeQueueRecords", QueueARN=queue, Entries=entries)

    kept = fake.world.kinesis().queues.get(queue)
    # The last record outlived the retention period an hour ago, the one before 26 hours
    # ago: only the last handle is still answered as acknowledged.
    assert (again["Successful"], again["Failed"]) == (entries, [])
    assert len(kept.acknowledged) == 1
    assert fake.kinesis["s"].queues[0].acknowledged == 10


def test_past_the_in_flight_limit_a_receive_gets_only_records_visible_again(
    fake, call, monkeypatch
):
    # 120,000 records in flight (DOC), made 3 here so the edge is reached in a few calls.
    monkeypatch.setattr(queue_records, "MAX_IN_FLIGHT", 3)
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a", b"b", b"c", b"d")

    first = receive(call, queue, Limit=2, VisibilityTimeoutSeconds=60)
    up_to_the_limit = receive(call, queue, VisibilityTimeoutSeconds=100)
    at_the_limit = receive(call, queue, WaitTimeSeconds=1)
    fake.kinesis.clock.advance(seconds=59)
    visible_again = receive(call, queue)  # a and b, their 60 seconds over; d waits
    call("AcknowledgeQueueRecords", QueueARN=queue, Entries=handles(visible_again))
    room_again = receive(call, queue)

    assert [r["Data"] for r in first] == [b"a", b"b"]
    assert [r["Data"] for r in up_to_the_limit] == [b"c"]
    assert at_the_limit == []
    assert [r["Data"] for r in visible_again] == [b"a", b"b"]
    assert [r["Data"] for r in room_again] == [b"d"]


def test_update_queue_changes_the_timeout_of_later_receives(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a")

    updated = call("UpdateQueue", QueueARN=queue, QueueAttributes={"VisibilityTimeoutSeconds": 5})[
        "QueueDescription"
    ]
    receive(call, queue)
    fake.kinesis.clock.advance(seconds=5)

    assert updated["QueueStatus"] == "UPDATING"
    assert updated["QueueAttributes"]["VisibilityTimeoutSeconds"] == 5
    # Dead-letter handling, not given, is left as it was.
    assert updated["QueueAttributes"]["DeadLetterConfiguration"]["MaxReceiveCount"] == 6
    assert [r["Data"] for r in receive(call, queue, WaitTimeSeconds=1)] == [b"a"]


# --------------------------------------------------------------------------- the lifecycle


def test_a_creating_queue_delivers_once_active_and_five_may_be_creating():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as slow:
        call = caller(slow)
        on_demand(call)
        slow.kinesis.clock.advance(seconds=30)
        queues = [new_queue(call, f"q{i}") for i in range(5)]
        put(call, b"a")

        refusal = code(
            call,
            "CreateQueue",
            QueueName="sixth",
            StreamConfigurationList=[{"StreamARN": STREAM_ARN}],
        )
        created = call("DescribeQueue", QueueARN=queues[0])["QueueDescription"]
        updating = code(
            call,
            "UpdateQueue",
            QueueARN=queues[0],
            QueueAttributes={"VisibilityTimeoutSeconds": 5},
        )
        slow.kinesis.clock.advance(seconds=15)  # the sixth's retries moved it some too
        records = receive(call, queues[0], WaitTimeSeconds=20)
        now = slow.kinesis.clock.now()

    assert refusal[0] == "LimitExceededException"
    assert created["QueueStatus"] == "CREATING"
    assert updating == (
        "ResourceInUseException",
        f"Queue {queues[0]} under account 123456789012 not ACTIVE, instead in state CREATING",
    )
    # The receive waited for the queue to become ACTIVE, 30 seconds after its creation.
    assert [r["Data"] for r in records] == [b"a"]
    assert answered(now) == created["QueueCreationTimestamp"] + timedelta(seconds=30)


def test_a_deleted_queue_is_gone_and_its_handles_with_it(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a")
    entries = handles(receive(call, queue))

    call("DeleteQueue", QueueARN=queue)

    assert code(call, "AcknowledgeQueueRecords", QueueARN=queue, Entries=entries)[0] == (
        "ResourceNotFoundException"
    )
    assert code(call, "DescribeQueue", QueueARN=queue)[0] == "ResourceNotFoundException"
    assert call("ListQueues")["QueueSummaries"] == []
    call("DeleteStream", StreamName="s")  # nothing holds the stream any more


def test_a_stream_with_queues_cannot_be_deleted_or_made_provisioned(call):
    on_demand(call)
    new_queue(call)

    deleted = code(call, "DeleteStream", StreamName="s", EnforceConsumerDeletion=True)
    switched = code(
        call,
        "UpdateStreamMode",
        StreamARN=STREAM_ARN,
        StreamModeDetails={"StreamMode": "PROVISIONED"},
    )

    assert deleted[0] == switched[0] == "ResourceInUseException"
    assert "DeleteQueue" in deleted[1]


def test_list_queues_filters_by_stream_and_pages(call):
    on_demand(call)
    other = on_demand(call, "t")
    for name in ("a", "b", "c"):
        new_queue(call, name)
    new_queue(call, "z", stream=other)

    first = call("ListQueues", MaxResults=2, StreamFilter=[{"StreamARN": STREAM_ARN}])
    rest = call(
        "ListQueues",
        MaxResults=2,
        StreamFilter=[{"StreamARN": STREAM_ARN}],
        NextToken=first["NextToken"],
    )

    assert [q["QueueName"] for q in first["QueueSummaries"] + rest["QueueSummaries"]] == [
        "a",
        "b",
        "c",
    ]
    assert "NextToken" not in rest
    assert first["QueueSummaries"][0]["Streams"][0]["StreamARN"] == STREAM_ARN
    assert len(call("ListQueues")["QueueSummaries"]) == 4


def test_list_queues_pages_100_queues_unless_told(call):
    """20 queues a stream, the registered consumer limit: 101 queues on six streams."""
    for number in range(101):
        if number % 20 == 0:
            stream = on_demand(call, f"s{number // 20}")
        new_queue(call, f"q{number:03}", stream=stream)

    first = call("ListQueues")
    rest = call("ListQueues", NextToken=first["NextToken"])

    assert len(first["QueueSummaries"]) == 100
    assert [q["QueueName"] for q in rest["QueueSummaries"]] == ["q100"]
    assert "NextToken" not in rest


def test_queues_take_tags_by_arn(call):
    on_demand(call)
    queue = new_queue(call, Tags={"team": "orders"})

    call("TagResource", ResourceARN=queue, Tags={"tier": "1"})
    call("UntagResource", ResourceARN=queue, TagKeys=["team"])

    assert call("ListTagsForResource", ResourceARN=queue)["Tags"] == [{"Key": "tier", "Value": "1"}]


def test_a_queues_tag_refusals_name_the_queue(call):
    on_demand(call)
    queue = new_queue(call, name="orders", Tags={f"k{n}": "v" for n in range(50)})

    too_many = code(call, "TagResource", ResourceARN=queue, Tags={"one": "more"})
    percent = code(call, "UntagResource", ResourceARN=queue, TagKeys=["100%"])
    at_creation = code(
        call,
        "CreateQueue",
        QueueName="audit",
        StreamConfigurationList=[{"StreamARN": STREAM_ARN}],
        Tags={"rate": "5%"},
    )

    assert too_many == (
        "InvalidArgumentException",
        "Failed to add tags to queue orders under account 123456789012 because a given queue "
        "cannot have more than 50 tags associated with it.",
    )
    tail = (
        "under account 123456789012 because some tags contained illegal characters. The "
        "allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'."
    )
    assert percent == (
        "InvalidArgumentException",
        f"Failed to remove tags from queue orders {tail}",
    )
    assert at_creation == ("InvalidArgumentException", f"Failed to add tags to queue audit {tail}")


# --------------------------------------------------------------------------- refusals


def test_a_queue_needs_an_on_demand_active_stream_and_a_free_name(fake, call):
    call("CreateStream", StreamName="s", ShardCount=1)
    provisioned = code(
        call, "CreateQueue", QueueName="q", StreamConfigurationList=[{"StreamARN": STREAM_ARN}]
    )
    missing = code(
        call,
        "CreateQueue",
        QueueName="q",
        StreamConfigurationList=[{"StreamARN": STREAM_ARN.replace("/s", "/nope")}],
    )
    on_demand(call, "t")
    new_queue(call, stream=STREAM_ARN.replace("/s", "/t"))
    taken = code(
        call,
        "CreateQueue",
        QueueName="q",
        StreamConfigurationList=[{"StreamARN": STREAM_ARN.replace("/s", "/t")}],
    )

    assert provisioned[0] == "ValidationException"
    assert "on-demand" in provisioned[1]
    assert missing[0] == "ResourceNotFoundException"
    assert taken[0] == "ResourceInUseException"


@pytest.mark.parametrize(
    ("config", "attributes", "says"),
    [
        ([{"StreamARN": STREAM_ARN}] * 2, {}, "exactly one"),
        (
            [{"StreamARN": STREAM_ARN, "StartingPosition": {"Type": "AT_TIMESTAMP"}}],
            {},
            "Timestamp is required",
        ),
        (
            [
                {
                    "StreamARN": STREAM_ARN,
                    "StartingPosition": {"Type": "LATEST", "Timestamp": 1_700_000_000},
                }
            ],
            {},
            "may only be given",
        ),
        (
            [{"StreamARN": STREAM_ARN}],
            {"DeadLetterConfiguration": {"TargetType": "BUILT_IN"}},
            "MaxReceiveCount is required",
        ),
        (
            [{"StreamARN": STREAM_ARN}],
            {"DeadLetterConfiguration": {"TargetType": "NONE", "MaxReceiveCount": 3}},
            "MaxReceiveCount may only be given",
        ),
    ],
    ids=[
        "two-streams",
        "timestamp-missing",
        "timestamp-not-wanted",
        "count-missing",
        "count-unwanted",
    ],
)
def test_a_queue_s_configuration_is_checked(call, config, attributes, says):
    on_demand(call)

    refusal = code(
        call,
        "CreateQueue",
        QueueName="q",
        StreamConfigurationList=config,
        QueueAttributes=attributes,
    )

    assert refusal[0] == "ValidationException"
    assert says in refusal[1]
    assert call("ListQueues")["QueueSummaries"] == []


@pytest.mark.parametrize(
    ("advantage", "consumers", "queues", "limit"),
    [(False, 15, 5, 20), (True, 30, 20, 50)],
    ids=["standard", "on-demand-advantage"],
)
def test_queues_and_consumers_share_the_stream_s_limit(call, advantage, consumers, queues, limit):
    """Queues count as registered consumers: 20 a stream, 50 for an on-demand stream once
    the account's minimum throughput billing commitment (On-demand Advantage) is on."""
    if advantage:
        call("UpdateAccountSettings", MinimumThroughputBillingCommitment={"Status": "ENABLED"})
    on_demand(call)
    for number in range(consumers):
        call("RegisterStreamConsumer", StreamARN=STREAM_ARN, ConsumerName=f"c{number}")
    for number in range(queues):
        new_queue(call, f"q{number}")

    queue_refused = code(
        call, "CreateQueue", QueueName="last", StreamConfigurationList=[{"StreamARN": STREAM_ARN}]
    )
    consumer_refused = code(call, "RegisterStreamConsumer", StreamARN=STREAM_ARN, ConsumerName="c")

    assert queue_refused[0] == consumer_refused[0] == "LimitExceededException"
    assert f"{limit} registered consumers" in queue_refused[1]
    summary = call("DescribeStreamSummary", StreamName="s")["StreamDescriptionSummary"]
    assert (summary["QueueCount"], summary["ConsumerCount"]) == (queues, consumers)


# --------------------------------------------------------------------------- distribution


def test_auto_distribution_is_for_on_demand_streams_only(call):
    call("CreateStream", StreamName="p", ShardCount=2)
    on_demand(call)

    at_creation = code(
        call, "CreateStream", StreamName="x", ShardCount=2, RecordDistributionStrategy="AUTO"
    )
    on_update = code(
        call,
        "UpdateStreamRecordDistributionStrategy",
        StreamARN=STREAM_ARN.replace("/s", "/p"),
        RecordDistributionStrategy="AUTO",
    )
    call(
        "UpdateStreamRecordDistributionStrategy",
        StreamARN=STREAM_ARN,
        RecordDistributionStrategy="AUTO",
    )

    assert at_creation[0] == on_update[0] == "InvalidArgumentException"
    assert "ON_DEMAND" in on_update[1]
    summaries = {
        name: call("DescribeStreamSummary", StreamName=name)["StreamDescriptionSummary"]
        for name in ("p", "s")
    }
    assert "RecordDistributionStrategy" not in summaries["p"]
    assert summaries["s"]["RecordDistributionStrategy"] == "AUTO"


def test_an_auto_stream_spreads_records_and_refuses_an_ordering_number(fake, call):
    auto_distributed(call)
    answers = [call("PutRecord", StreamName="s", Data=b"x", PartitionKey="same") for _ in range(4)]

    refusal = code(
        call,
        "PutRecord",
        StreamName="s",
        Data=b"x",
        PartitionKey="same",
        SequenceNumberForOrdering=answers[0]["SequenceNumber"],
    )
    switched = code(
        call,
        "UpdateStreamMode",
        StreamARN=STREAM_ARN,
        StreamModeDetails={"StreamMode": "PROVISIONED"},
    )

    assert len({answer["ShardId"] for answer in answers}) == 4
    assert refusal[0] == "InvalidArgumentException"
    assert "SequenceNumberForOrdering" in refusal[1]
    assert switched[0] == "InvalidArgumentException"
    assert "USER_PARTITION_KEY" in switched[1]


def test_a_throttled_put_to_an_auto_stream_names_the_shard_its_record_would_go_to(fake, call):
    auto_distributed(call)
    client = boto3.client("kinesis", region_name=REGION, config=Config(retries={"max_attempts": 0}))
    first = client.put_record(StreamName="s", Data=b"x", PartitionKey="same")
    fake.kinesis.fail(throttle=True)

    with pytest.raises(ClientError) as raised:
        client.put_record(StreamName="s", Data=b"x", PartitionKey="same")

    assert first["ShardId"] == "shardId-000000000000"
    assert raised.value.response["Error"]["Message"] == (
        "Rate exceeded for shard shardId-000000000001 in stream s under account 123456789012."
    )


def test_back_to_user_partition_keys_routes_by_key_again(call):
    on_demand(call)
    for strategy in ("AUTO", "USER_PARTITION_KEY"):
        call(
            "UpdateStreamRecordDistributionStrategy",
            StreamARN=STREAM_ARN,
            RecordDistributionStrategy=strategy,
        )

    shards = {
        call("PutRecord", StreamName="s", Data=b"x", PartitionKey="k")["ShardId"] for _ in range(4)
    }

    assert len(shards) == 1


def test_an_updating_queue_still_delivers_and_a_deleting_one_does_not():
    with FirehoseFake(region=REGION, seed=SEED, update_delay=60) as slow:
        call = caller(slow)
        on_demand(call)
        queue = new_queue(call)
        put(call, b"a", b"b")
        call("UpdateQueue", QueueARN=queue, QueueAttributes={"VisibilityTimeoutSeconds": 60})
        during = receive(call, queue, Limit=1)
        again = code(call, "UpdateQueue", QueueARN=queue, QueueAttributes={})
        slow.kinesis.clock.advance(seconds=60)
        after = call("DescribeQueue", QueueARN=queue)["QueueDescription"]["QueueStatus"]

    assert [r["Data"] for r in during] == [b"a"]
    assert again[0] == "ResourceInUseException"
    assert after == "ACTIVE"


def test_a_new_visibility_timeout_applies_to_receives_once_the_update_completes():
    with FirehoseFake(region=REGION, seed=SEED, update_delay=60) as slow:
        call = caller(slow)
        on_demand(call)
        queue = new_queue(call)
        put(call, b"a")
        call("UpdateQueue", QueueARN=queue, QueueAttributes={"VisibilityTimeoutSeconds": 300})
        receive(call, queue)
        slow.kinesis.clock.advance(seconds=30)
        # Received while UPDATING: in flight for the queue's earlier 30 seconds.
        during = receive(call, queue, WaitTimeSeconds=1)
        slow.kinesis.clock.advance(seconds=30)
        after = receive(call, queue, WaitTimeSeconds=1)
        slow.kinesis.clock.advance(seconds=30)
        # Received once ACTIVE again: in flight for the new 300 seconds.
        still_in_flight = receive(call, queue, WaitTimeSeconds=1)

    assert [(r["Data"], r["ReceiveCount"]) for r in during] == [(b"a", 2)]
    assert [(r["Data"], r["ReceiveCount"]) for r in after] == [(b"a", 3)]
    assert still_in_flight == []


def _active_queue_holding_a(slow: FirehoseFake) -> tuple[Call, str]:
    """A caller and the ARN of a queue made ACTIVE on an ACTIVE stream of a fake whose
    changes take 30 seconds, holding the record ``a``."""
    call = caller(slow)
    on_demand(call)
    slow.kinesis.clock.advance(seconds=30)
    queue = new_queue(call)
    slow.kinesis.clock.advance(seconds=30)
    put(call, b"a")
    return call, queue


def test_a_deleting_queue_delivers_nothing_until_it_is_gone():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as slow:
        call, queue = _active_queue_holding_a(slow)
        call("DeleteQueue", QueueARN=queue)
        listed = call("ListQueues")["QueueSummaries"]
        nothing = receive(call, queue, WaitTimeSeconds=5)
        slow.kinesis.clock.advance(seconds=25)
        gone = code(call, "DescribeQueue", QueueARN=queue)

    assert [q["QueueStatus"] for q in listed] == ["DELETING"]
    assert nothing == []
    assert gone[0] == "ResourceNotFoundException"


def test_a_deleting_queue_s_receipt_handles_name_no_record():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as slow:
        call, queue = _active_queue_holding_a(slow)
        (entry,) = handles(receive(call, queue, VisibilityTimeoutSeconds=600))
        call("DeleteQueue", QueueARN=queue)

        refused = entry_error(call, "AcknowledgeQueueRecords", queue, entry)
        status = call("DescribeQueue", QueueARN=queue)["QueueDescription"]["QueueStatus"]

    assert refused[0] == "InvalidArgumentException"
    assert status == "DELETING"


def test_an_at_timestamp_queue_describes_the_time_it_starts_from(fake, call):
    on_demand(call)
    fake.kinesis.clock.advance(hours=1)
    since = fake.kinesis.clock.now() - timedelta(minutes=5)
    queue = from_time(call, since)

    described = call("DescribeQueue", QueueARN=queue["QueueARN"])["QueueDescription"]

    for description in (queue, described):
        position = description["StreamConfigurationList"][0]["StartingPosition"]
        assert position == {"Type": "AT_TIMESTAMP", "Timestamp": answered(since)}


def test_a_queue_needs_an_active_stream():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as slow:
        call = caller(slow)
        on_demand(call)

        refusal = code(
            call, "CreateQueue", QueueName="q", StreamConfigurationList=[{"StreamARN": STREAM_ARN}]
        )

    assert refusal == (
        "ResourceInUseException",
        "Stream s under account 123456789012 not ACTIVE, instead in state CREATING",
    )


def test_list_queues_refuses_a_token_it_did_not_issue(call):
    on_demand(call)

    assert code(call, "ListQueues", NextToken="bm90IGEgdG9rZW4=")[0] == "InvalidArgumentException"


@pytest.mark.parametrize("position", ["\u00b2", "9" * 5000, "-1", " 1"])
def test_list_queues_refuses_a_forged_token_whose_position_is_no_number(fake, call, position):
    """A token of the fake's own form whose position ``int`` cannot read (a superscript
    digit passes ``str.isdigit``): it was a ValueError out of the fake, a 500 over the
    server."""
    on_demand(call)
    forged = next_token(position, fake.kinesis.clock.now().isoformat())

    assert code(call, "ListQueues", NextToken=forged) == (
        "InvalidArgumentException",
        "Invalid NextToken.",
    )


def test_a_keyless_record_of_an_auto_stream_has_no_partition_key_in_a_queue(call):
    call(
        "CreateStream",
        StreamName="s",
        StreamModeDetails={"StreamMode": "ON_DEMAND"},
        RecordDistributionStrategy="AUTO",
    )
    queue = new_queue(call)
    call("PutRecords", StreamName="s", Records=[{"Data": b"a"}])

    (record,) = receive(call, queue)

    assert "PartitionKey" not in record


def test_a_dead_letter_s_visibility_can_be_changed(fake, call):
    queue, dead = dead_letter(fake, call)

    answer = call(
        "UpdateDeadLetterQueueRecordsVisibility",
        QueueARN=queue,
        Entries=[{"ReceiptHandle": dead[0]["ReceiptHandle"], "VisibilityTimeoutSeconds": 0}],
    )
    (again,) = call("ReceiveDeadLetterQueueRecords", QueueARN=queue, WaitTimeSeconds=1)[
        "QueueRecords"
    ]

    assert answer["Failed"] == []
    assert again["Data"] == b"poison"


@needs_botocore("kinesis CreateQueue")  # the call log records what came over the wire
def test_a_queue_s_calls_name_its_stream(fake, call):
    on_demand(call)
    queue = new_queue(call)
    receive(call, queue, WaitTimeSeconds=1)

    assert [c.operation for c in fake.kinesis["s"].calls] == [
        "CreateStream",
        "CreateQueue",
        "ReceiveQueueRecords",
    ]


# --------------------------------------------------------------------------- nothing lost

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(1, 3)),
        st.tuples(st.just("receive"), st.integers(1, 10), st.sampled_from([0, 1, 5, 30])),
        st.tuples(st.just("acknowledge"), st.integers(0, 5)),
        st.tuples(st.just("extend"), st.integers(0, 5), st.sampled_from([0, 10])),
        st.tuples(st.just("dead"), st.integers(0, 3)),
        st.tuples(st.just("advance"), st.sampled_from([1, 7, 31])),
    ),
    max_size=40,
)


@settings(max_examples=examples(120), deadline=None)
@given(steps=STEPS, max_receives=st.sampled_from([None, 1, 3]))
def test_every_record_is_acknowledged_once_whatever_the_consumer_does(steps, max_receives):
    """Any mix of puts, receives, acknowledgements, visibility changes, dead-letter restores
    and clock moves loses no record: draining the queue afterwards acknowledges each record
    put exactly once, and no receive hands out a record past its receive limit."""
    dead_letters = (
        {"TargetType": "NONE"}
        if max_receives is None
        else {"TargetType": "BUILT_IN", "MaxReceiveCount": max_receives}
    )
    with FirehoseFake(region=REGION, seed=SEED) as fake:
        call = caller(fake)
        on_demand(call)
        queue = new_queue(call, QueueAttributes={"DeadLetterConfiguration": dead_letters})
        put_count, held, acknowledged = 0, [], {}

        def acknowledge(records: list[dict[str, Any]], operation: str) -> None:
            answer = call(operation, QueueARN=queue, Entries=handles(records))
            taken = {entry["ReceiptHandle"] for entry in answer["Successful"]}
            for record in records:
                if record["ReceiptHandle"] in taken:
                    acknowledged.setdefault(record["RecordId"], []).append(record["Data"])

        for step in steps:
            if step[0] == "put":
                for _ in range(step[1]):
                    put(call, str(put_count).encode())
                    put_count += 1
            elif step[0] == "receive":
                got = receive(call, queue, Limit=step[1], VisibilityTimeoutSeconds=step[2])
                assert max_receives is None or all(r["ReceiveCount"] <= max_receives for r in got)
                held.extend(got)
            elif step[0] == "acknowledge" and held:
                chosen = held[: step[1]]
                del held[: step[1]]
                if chosen:
                    acknowledge(chosen, "AcknowledgeQueueRecords")
            elif step[0] == "extend" and held[: step[1]]:
                call(
                    "UpdateQueueRecordsVisibility",
                    QueueARN=queue,
                    Entries=[
                        {"ReceiptHandle": r["ReceiptHandle"], "VisibilityTimeoutSeconds": step[2]}
                        for r in held[: step[1]]
                    ],
                )
            elif step[0] == "dead":
                dead = call(
                    "ReceiveDeadLetterQueueRecords", QueueARN=queue, Limit=10, WaitTimeSeconds=1
                )["QueueRecords"]
                if dead[: step[1]]:
                    call(
                        "RestoreDeadLetterQueueRecords",
                        QueueARN=queue,
                        Entries=handles(dead[: step[1]]),
                    )
            elif step[0] == "advance":
                fake.kinesis.clock.advance(seconds=step[1])

        # Drain: receive and acknowledge, on both paths, until every record is acknowledged
        # (or long after it should have been).
        for _ in range(put_count * 8 + 4):
            if len(acknowledged) == put_count:
                break
            got = receive(call, queue, VisibilityTimeoutSeconds=60)
            if got:
                acknowledge(got, "AcknowledgeQueueRecords")
            dead = call("ReceiveDeadLetterQueueRecords", QueueARN=queue)["QueueRecords"]
            if dead:
                acknowledge(dead, "AcknowledgeDeadLetterQueueRecords")

        (state,) = fake.kinesis["s"].queues

    assert sorted(int(data) for (data,) in acknowledged.values()) == list(range(put_count))
    assert (state.in_flight, state.dead_letters, state.acknowledged) == (0, [], put_count)


# --------------------------------------------------------------------------- scripted entries


@needs_botocore("kinesis CreateQueue")
def test_a_scripted_fault_fails_entries_of_an_acknowledgement(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a", b"b")
    records = receive(call, queue)
    fake.kinesis.fail(operation="AcknowledgeQueueRecords", records={1: "ThrottlingException"})

    answer = call("AcknowledgeQueueRecords", QueueARN=queue, Entries=handles(records))
    fake.kinesis.clock.advance(seconds=30)

    assert answer["Successful"] == handles(records[:1])
    assert answer["Failed"] == [
        {
            "ReceiptHandle": records[1]["ReceiptHandle"],
            "ErrorCode": "ThrottlingException",
            "ErrorMessage": "Rate exceeded",
        }
    ]
    # The failed entry acknowledged nothing: its record comes back.
    assert [r["Data"] for r in receive(call, queue)] == [b"b"]
    (logged,) = [c for c in fake.kinesis.calls if c.operation == "AcknowledgeQueueRecords"]
    assert (logged.outcome, logged.failed_indices) == ("partial", (1,))


@needs_botocore("kinesis CreateQueue")
def test_entries_by_index_fail_with_a_throttle_unless_a_code_is_given(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a")
    records = receive(call, queue)
    fake.kinesis.fail(operation="UpdateQueueRecordsVisibility", records=[0])
    fake.kinesis.fail(
        operation="UpdateQueueRecordsVisibility", records={0: "InternalFailureException"}
    )
    entries = [{"ReceiptHandle": records[0]["ReceiptHandle"], "VisibilityTimeoutSeconds": 0}]

    codes = [
        call("UpdateQueueRecordsVisibility", QueueARN=queue, Entries=entries)["Failed"][0][
            "ErrorCode"
        ]
        for _ in range(2)
    ]

    assert codes == ["ThrottlingException", "InternalFailureException"]


@needs_botocore("kinesis CreateQueue")
@pytest.mark.parametrize(
    ("fault", "says"),
    [
        (
            {"operation": "AcknowledgeQueueRecords", "records": {0: "InternalFailure"}},
            "Did you mean 'InternalFailureException'?",
        ),
        (
            {"operation": "AcknowledgeQueueRecords", "records": lambda payload: True},
            "by 0-based index",
        ),
        (
            {"operation": "ReceiveQueueRecords", "records": [0]},
            "AcknowledgeQueueRecords",
        ),
    ],
    ids=["put-code", "predicate", "no-entries"],
)
def test_a_fault_on_entries_is_checked_when_scripted(fake, fault, says):
    with pytest.raises(UsageError) as caught:
        fake.kinesis.fail(**fault)

    assert says in str(caught.value)


def test_the_model_fails_the_entries_a_fault_names(fake, call):
    """What the engine hands the model for a ``records=`` fault on entries (the client
    test above needs botocore 1.44): the failed entries, in the answer and its positions."""
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a", b"b")
    records = receive(call, queue)

    with fake.world.touched():
        answer = fake.world.kinesis().dispatch(
            "AcknowledgeQueueRecords",
            {"QueueARN": queue, "Entries": handles(records)},
            {0: "InternalFailureException"},
        )

    assert answer.failed == (0,)
    assert answer.body["Successful"] == handles(records[1:])
    assert answer.body["Failed"][0]["ErrorMessage"] == "Internal service failure."


def test_the_entry_operations_are_those_the_fault_engine_knows():
    assert set(ENTRY_ACTS) == ENTRY_OPERATIONS["kinesis"]


@needs_botocore("kinesis CreateQueue")
def test_a_receive_whose_answer_is_lost_leaves_its_records_in_flight(fake, call):
    on_demand(call)
    queue = new_queue(call)
    put(call, b"a")
    fake.kinesis.fail(operation="ReceiveQueueRecords", timeout="commit")
    once = boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )

    with pytest.raises(ReadTimeoutError):
        once.receive_queue_records(QueueARN=queue)
    in_flight = fake.kinesis["s"].queues[0].in_flight
    fake.kinesis.clock.advance(seconds=30)  # its visibility timeout ends
    (record,) = receive(call, queue)

    assert in_flight == 1
    assert (record["Data"], record["ReceiveCount"]) == (b"a", 2)
