"""KPL de-aggregation: a delivery stream reading a Kinesis stream takes in each user record
of a KPL aggregate, as Firehose does; a record that only looks aggregated, and anything put
through Direct PUT, is taken as it is."""

from __future__ import annotations

import base64
import sys
import warnings
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from conftest import FROM_KINESIS, S3
from kpl_support import aggregate, framed
from test_lambda_transform import processing, recording

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning
from pytest_firehose._services.firehose import aggregation, source


def reading(fake: FirehoseFake, **config: Any) -> Any:
    """A delivery stream "events" reading Kinesis stream "k" into S3 with ``config``."""
    fake.kinesis.create_stream("k")
    return fake.firehose.create_delivery_stream(
        "events", **FROM_KINESIS, ExtendedS3DestinationConfiguration={**S3, **config}
    )


def send(data: bytes, partition_key: str = "p") -> dict[str, Any]:
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    sent: dict[str, Any] = kinesis.put_record(StreamName="k", Data=data, PartitionKey=partition_key)
    return sent


def test_an_aggregate_is_delivered_as_its_user_records(fake: FirehoseFake) -> None:
    stream = reading(fake)
    sent = send(aggregate(("a", b"one\n"), ("b", b"two\n"), ("a", b"three\n")))
    send(b"plain\n")

    stream.assert_delivered([b"one\n", b"two\n", b"three\n", b"plain\n"], ordered=True)
    (obj,) = stream.objects
    assert obj.body == b"one\ntwo\nthree\nplain\n"
    ids = [record.record_id for record in stream.records]
    assert ids[:3] == [sent["SequenceNumber"] + f"{n:06d}" for n in range(3)]
    assert len(set(ids)) == 4


def test_a_transformation_sees_each_user_record_with_its_key_and_subsequence_number(
    fake: FirehoseFake,
) -> None:
    events = recording(fake)
    stream = reading(fake, ProcessingConfiguration=processing())
    sent = send(aggregate(("customer-1", b"a"), ("customer-2", b"b")), partition_key="agg")
    stream.flush()

    (event,) = events
    records = event["records"]
    assert [base64.b64decode(r["data"]) for r in records] == [b"a", b"b"]
    assert [r["recordId"] for r in records] == [
        sent["SequenceNumber"] + "000000",
        sent["SequenceNumber"] + "000001",
    ]
    assert [r["kinesisRecordMetadata"] for r in records] == [
        {
            "shardId": sent["ShardId"],
            "partitionKey": key,
            "approximateArrivalTimestamp": records[0]["approximateArrivalTimestamp"],
            "sequenceNumber": sent["SequenceNumber"],
            "subsequenceNumber": n,
        }
        for n, key in enumerate(["customer-1", "customer-2"])
    ]
    stream.assert_delivered([b"a", b"b"], ordered=True)


def test_a_record_that_is_not_aggregated_is_named_by_subsequence_number_zero(
    fake: FirehoseFake,
) -> None:
    stream = reading(fake)
    sent = send(b"plain")
    stream.flush()
    (record,) = stream.records
    assert record.record_id == sent["SequenceNumber"] + "000000"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(lambda: aggregate(("a", b"one"))[:-1] + b"\x00", id="digest-mismatch"),
        pytest.param(lambda: framed(b"\xff\xff\xff"), id="not-protobuf"),
        pytest.param(lambda: framed(b"\x1a\x03\x1a\x01A"), id="record-without-key-index"),
        pytest.param(lambda: framed(b"\x1a\x05\x08\x03\x1a\x01A"), id="key-index-past-table"),
        pytest.param(lambda: framed(b"\x0a\x01\xff\x1a\x05\x08\x00\x1a\x01A"), id="key-not-utf8"),
        pytest.param(lambda: framed(b"\x0a\x01k"), id="no-user-record"),
        pytest.param(lambda: aggregation.MAGIC + b"short", id="too-short-for-a-digest"),
    ],
)
def test_a_malformed_aggregate_is_delivered_as_read(fake: FirehoseFake, data: Any) -> None:
    stream = reading(fake)
    payload = data()
    send(payload)
    stream.assert_delivered([payload])


def test_direct_put_records_are_not_de_aggregated(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream("events", ExtendedS3DestinationConfiguration=S3)
    payload = aggregate(("a", b"one"), ("b", b"two"))
    boto3.client("firehose", region_name="us-east-1").put_record(
        DeliveryStreamName="events", Record={"Data": payload}
    )
    stream.assert_delivered([payload])


def test_without_protobuf_an_aggregate_is_delivered_as_read_with_a_warning(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aggregation, "_aggregated_record", lambda: None)
    stream = reading(fake)
    payload = aggregate(("a", b"one"), ("b", b"two"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            send(payload)
            stream.flush()
    (warned,) = [w for w in caught if issubclass(w.category, UnmodelledSettingWarning)]
    assert "pytest-firehose[kpl]" in str(warned.message)
    assert "events" in str(warned.message)
    assert warned.filename == __file__  # the code whose call read the source
    assert stream.delivered == [payload, payload]


def test_without_protobuf_a_warning_made_an_error_is_shown_at_the_tests_code(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No request is to blame for what a stream reads from its source: the warning is shown,
    # never raised, and points at the code whose call read the source.
    monkeypatch.setattr(aggregation, "_aggregated_record", lambda: None)
    stream = reading(fake)
    payload = aggregate(("a", b"one"), ("b", b"two"))
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("error", UnmodelledSettingWarning)
        send(payload)
        stream.flush()

    (warning,) = [w for w in shown if issubclass(w.category, UnmodelledSettingWarning)]
    assert warning.filename == __file__
    assert stream.delivered == [payload]


def test_an_aggregate_held_as_bytes_is_de_aggregated_too() -> None:
    # Records a stream stores arrive as base64 text; a record held as bytes reads the same.
    record = SimpleNamespace(
        payload=aggregate(("a", b"one"), ("b", b"two")),
        partition_key="p",
        sequence_number="49",
        shard_id="shardId-000000000000",
        arrived_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    )

    taken = source.take_in([record], with_metadata=False)

    assert [(entry[0], entry[1]) for entry in taken.entries] == [
        (b"one", "49000000"),
        (b"two", "49000001"),
    ]


def test_without_protobuf_there_is_no_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.protobuf", None)
    assert aggregation._aggregated_record.__wrapped__() is None
