"""A delivery stream reading an Amazon MSK topic (MSKAsSource): the records a test hands its
topic with ``put_from_msk`` go through the same delivery as any other source's, and a Lambda
transformation gets the MSK event."""

from __future__ import annotations

import base64
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from conftest import (
    REGION,
    ROLE,
    S3,
    as_answered,
    ask_control,
    describe,
    needs_botocore,
    reading_kinesis,
)

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._doors.server import FirehoseServer

CLUSTER = (
    "arn:aws:kafka:us-east-1:123456789012:cluster/orders/abcd1234-ab12-cd34-ef56-1234567890ab-1"
)
MSK = {
    "MSKClusterARN": CLUSTER,
    "TopicName": "orders",
    "AuthenticationConfiguration": {"RoleARN": ROLE, "Connectivity": "PRIVATE"},
}
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:orders-transform"
LAMBDA = {
    "ProcessingConfiguration": {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": FUNCTION}],
            }
        ],
    }
}
MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def no_warnings() -> Iterator[None]:
    """An MSK source is modelled: creating a stream that reads one reports nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def msk_stream(fake: FirehoseFake, msk: dict[str, Any] = MSK, **s3: Any) -> Any:
    return fake.firehose.create_delivery_stream(
        "events",
        DeliveryStreamType="MSKAsSource",
        MSKSourceConfiguration=msk,
        ExtendedS3DestinationConfiguration={**S3, **s3},
    )


def upper_case(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A transformation that answers as AWS asks of an MSK source: ``kafkaRecordValue``."""
    return {
        "records": [
            {
                "recordId": record["recordId"],
                "result": "Ok",
                "kafkaRecordValue": base64.b64encode(
                    base64.b64decode(record["kafkaRecordValue"]).upper()
                ).decode(),
            }
            for record in event["records"]
        ]
    }


def recording(
    answer: Callable[[dict[str, Any], Any], Any],
) -> tuple[list[dict[str, Any]], Callable[[dict[str, Any], Any], Any]]:
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        events.append(event)
        return answer(event, context)

    return events, handler


# --------------------------------------------------------------------------- delivery


def test_record_values_reach_s3_under_mock_aws(fake: FirehoseFake, landing_s3: Any) -> None:
    stream = msk_stream(fake, Prefix="orders/")

    stream.put_from_msk(b'{"id": 1}\n', b'{"id": 2}\n', partition=0)
    stream.put_from_msk(b'{"id": 3}\n', partition=1)
    stream.flush()

    (listed,) = landing_s3.list_objects_v2(Bucket="landing")["Contents"]
    body = landing_s3.get_object(Bucket="landing", Key=listed["Key"])["Body"].read()
    assert listed["Key"].startswith("orders/")
    assert body == b'{"id": 1}\n{"id": 2}\n{"id": 3}\n'


def test_records_are_buffered_and_accounted_for_as_any_source(fake: FirehoseFake) -> None:
    stream = msk_stream(fake, BufferingHints={"IntervalInSeconds": 60, "SizeInMBs": 5})

    stream.put_from_msk(b"a\n", b"b\n")

    assert stream.records == [b"a\n", b"b\n"]
    assert stream.pending == [b"a\n", b"b\n"]
    assert stream.delivered == []
    fake.firehose.clock.advance(seconds=60)
    assert stream.delivered == [b"a\n", b"b\n"]
    assert stream.pending == []


def test_undelivered_records_expire_24_hours_after_they_arrived(fake: FirehoseFake) -> None:
    stream = msk_stream(fake)
    stream.destination_down()

    stream.put_from_msk(b"a\n")
    fake.firehose.clock.advance(hours=24, seconds=1)
    stream.destination_up()
    stream.flush()

    assert stream.expired == [b"a\n"]
    assert stream.delivered == []


def test_creating_such_a_stream_reports_nothing_and_describes_it_as_before(
    fake: FirehoseFake,
) -> None:
    msk_stream(fake)  # the autouse fixture fails the test on any warning

    source = describe(boto3.client("firehose", region_name=REGION))["Source"]
    started = as_answered(fake.firehose.clock.now())
    assert source == {"MSKSourceDescription": {**MSK, "DeliveryStartTimestamp": started}}


# --------------------------------------------------------------------------- offsets


def test_offsets_count_from_0_in_each_partition(fake: FirehoseFake) -> None:
    events, handler = recording(upper_case)
    fake.firehose.lambda_function("orders-transform", handler)
    stream = msk_stream(fake, **LAMBDA)

    assert stream.put_from_msk(b"a", b"b", partition=0) == [0, 1]
    assert stream.put_from_msk(b"c", partition=2) == [0]
    assert stream.put_from_msk(b"d", partition=0) == [2]
    stream.flush()

    shown = [
        (record["mskRecordMetadata"]["partitionId"], record["mskRecordMetadata"]["offset"])
        for event in events
        for record in event["records"]
    ]
    assert shown == [("0", "0"), ("0", "1"), ("2", "0"), ("0", "2")]


def test_a_given_offset_moves_the_partition_on_and_may_not_go_back(fake: FirehoseFake) -> None:
    stream = msk_stream(fake)

    assert stream.put_from_msk(b"a", b"b", partition=3, offset=100) == [100, 101]
    assert stream.put_from_msk(b"c", partition=3) == [102]
    with pytest.raises(UsageError, match=r"offset 101 is taken in partition 3.*its next is 103"):
        stream.put_from_msk(b"d", partition=3, offset=101)
    assert stream.records == [b"a", b"b", b"c"]


# --------------------------------------------------------------------------- the Lambda event


def test_the_transformation_event_is_firehoses_msk_event(fake: FirehoseFake) -> None:
    events, handler = recording(upper_case)
    fake.firehose.lambda_function("orders-transform", handler)
    stream = msk_stream(fake, **LAMBDA)
    arrived = fake.firehose.clock.now()
    millis = int(arrived.timestamp() * 1000)

    stream.put_from_msk(b"a\n", partition=0)
    stream.put_from_msk(b"b\n", partition=5)
    stream.flush()

    (event,) = events
    assert event == {
        "invocationId": event["invocationId"],
        "sourceMSKArn": CLUSTER,
        "deliveryStreamArn": stream.arn,
        "region": REGION,
        "records": [
            {
                "recordId": "0" * 62,
                "approximateArrivalTimestamp": millis,
                "kafkaRecordValue": base64.b64encode(b"a\n").decode(),
                "mskRecordMetadata": {
                    "offset": "0",
                    "partitionId": "0",
                    "approximateArrivalTimestamp": millis,
                },
            },
            {
                "recordId": "0" * 30 + "5" + "0" * 31,
                "approximateArrivalTimestamp": millis,
                "kafkaRecordValue": base64.b64encode(b"b\n").decode(),
                "mskRecordMetadata": {
                    "offset": "0",
                    "partitionId": "5",
                    "approximateArrivalTimestamp": millis,
                },
            },
        ],
    }
    assert "data" not in event["records"][0]
    assert stream.delivered == [b"A\n", b"B\n"]
    assert [record.record_id for record in stream.records] == [
        r["recordId"] for r in event["records"]
    ]


def test_an_answer_with_data_in_place_of_kafka_record_value_fails_processing(
    fake: FirehoseFake,
) -> None:
    """AWS requires ``kafkaRecordValue`` in an MSK source's answer (the developer guide's
    status model): an ``Ok`` record with ``data`` is a transformation failure."""

    def answers_data(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {
            "records": [
                {"recordId": r["recordId"], "result": "Ok", "data": r["kafkaRecordValue"]}
                for r in event["records"]
            ]
        }

    fake.firehose.lambda_function("orders-transform", answers_data)
    stream = msk_stream(fake, **LAMBDA)

    stream.put_from_msk(b"a\n")
    stream.flush()

    assert stream.delivered == []
    assert stream.processing_failed == [b"a\n"]
    assert stream.invocations[0].answer["records"][0]["data"] == "YQo="


def test_a_kinesis_source_still_gets_the_kinesis_event(fake: FirehoseFake) -> None:
    events, handler = recording(
        lambda event, context: {
            "records": [
                {"recordId": r["recordId"], "result": "Ok", "data": r["data"]}
                for r in event["records"]
            ]
        }
    )
    fake.firehose.lambda_function("orders-transform", handler)
    fake.kinesis.create_stream("s")
    stream = reading_kinesis(fake, ExtendedS3DestinationConfiguration={**S3, **LAMBDA})
    boto3.client("kinesis", region_name=REGION).put_record(
        StreamName="s", Data=b"a\n", PartitionKey="k"
    )
    stream.flush()

    (event,) = events
    assert event["sourceKinesisStreamArn"] == fake.kinesis["s"].arn
    (record,) = event["records"]
    assert set(record) == {
        "recordId",
        "approximateArrivalTimestamp",
        "data",
        "kinesisRecordMetadata",
    }
    assert stream.delivered == [b"a\n"]


def test_a_processor_added_by_update_destination_gets_the_msk_event(fake: FirehoseFake) -> None:
    events, handler = recording(upper_case)
    fake.firehose.lambda_function("orders-transform", handler)
    stream = msk_stream(fake)

    boto3.client("firehose", region_name=REGION).update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate=LAMBDA,
    )
    stream.put_from_msk(b"a\n")
    stream.flush()

    (event,) = events
    assert event["sourceMSKArn"] == CLUSTER
    assert set(event["records"][0]) == {
        "recordId",
        "approximateArrivalTimestamp",
        "kafkaRecordValue",
        "mskRecordMetadata",
    }
    assert stream.delivered == [b"A\n"]


# --------------------------------------------------------------------------- start position


@needs_botocore("firehose CreateDeliveryStream.MSKSourceConfiguration.ReadFromTimestamp")
def test_records_older_than_read_from_timestamp_are_not_read(fake: FirehoseFake) -> None:
    now = fake.firehose.clock.now()
    stream = msk_stream(fake, {**MSK, "ReadFromTimestamp": now - timedelta(hours=1)})

    offsets = stream.put_from_msk(b"old\n", timestamp=now - timedelta(hours=2))
    later = stream.put_from_msk(b"recent\n", timestamp=now - timedelta(minutes=30))
    stream.flush()

    assert (offsets, later) == ([0], [1])
    assert stream.records == [b"recent\n"]
    assert stream.delivered == [b"recent\n"]


@needs_botocore("firehose CreateDeliveryStream.MSKSourceConfiguration.ReadFromTimestamp")
def test_read_from_the_epoch_reads_what_the_topic_held_before_the_stream(
    fake: FirehoseFake,
) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    stream = msk_stream(fake, {**MSK, "ReadFromTimestamp": epoch})

    stream.put_from_msk(b"yesterday\n", timestamp=fake.firehose.clock.now() - timedelta(days=1))

    assert stream.records == [b"yesterday\n"]


def test_without_read_from_timestamp_records_before_the_stream_are_not_read(
    fake: FirehoseFake,
) -> None:
    stream = msk_stream(fake)
    created = fake.firehose.clock.now()

    stream.put_from_msk(b"before\n", timestamp=created - timedelta(seconds=1))
    stream.put_from_msk(b"after\n", timestamp=created)

    assert stream.records == [b"after\n"]


def test_reading_starts_when_the_stream_becomes_active() -> None:
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        created = fake.firehose.clock.now()
        stream = msk_stream(fake)
        active = created + timedelta(seconds=30)
        source = describe(boto3.client("firehose", region_name=REGION))["Source"]
        assert source["MSKSourceDescription"]["DeliveryStartTimestamp"] == as_answered(active)
        fake.firehose.clock.advance(seconds=30)

        stream.put_from_msk(b"while creating\n", timestamp=active - timedelta(seconds=1))
        stream.put_from_msk(b"active\n", timestamp=active)

        assert stream.records == [b"active\n"]


@needs_botocore("firehose CreateDeliveryStream.MSKSourceConfiguration.ReadFromTimestamp")
def test_the_delivery_start_is_read_from_timestamp_when_given(fake: FirehoseFake) -> None:
    # A timestamp goes over the wire in whole seconds, as botocore sends it.
    read_from = (fake.firehose.clock.now() - timedelta(hours=1)).replace(microsecond=0)
    msk_stream(fake, {**MSK, "ReadFromTimestamp": read_from})

    source = describe(boto3.client("firehose", region_name=REGION))["Source"]

    assert source["MSKSourceDescription"]["DeliveryStartTimestamp"] == read_from


@needs_botocore("firehose CreateDeliveryStream.MSKSourceConfiguration.ReadFromTimestamp")
def test_past_a_record_it_read_the_stream_reads_its_partition_whatever_the_stamps(
    fake: FirehoseFake,
) -> None:
    """The start position is an offset in each partition: the first record stamped at or
    after ReadFromTimestamp. A record stamped earlier but handed later lies past it."""
    now = fake.firehose.clock.now()
    stream = msk_stream(fake, {**MSK, "ReadFromTimestamp": now - timedelta(hours=1)})

    stream.put_from_msk(b"recent\n", partition=0, timestamp=now - timedelta(minutes=30))
    stream.put_from_msk(b"late\n", partition=0, timestamp=now - timedelta(hours=2))
    stream.put_from_msk(b"held\n", partition=1, timestamp=now - timedelta(hours=2))
    stream.flush()

    assert stream.delivered == [b"recent\n", b"late\n"]


def test_a_record_put_with_the_clock_moved_back_before_the_stream_is_read() -> None:
    """A record handed to the topic with no timestamp reaches it after the stream became
    ACTIVE, though freezegun moved the clock back before the stream's creation."""
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION) as fake:
        stream = msk_stream(fake)
        frozen.move_to(start - timedelta(hours=1))
        stream.put_from_msk(b"put after\n", partition=3)
        stream.put_from_msk(b"held\n", partition=4, timestamp=start - timedelta(hours=2))
        frozen.move_to(start + timedelta(hours=1))
        stream.flush()

        assert stream.delivered == [b"put after\n"]


@needs_botocore("firehose CreateDeliveryStream.MSKSourceConfiguration.ReadFromTimestamp")
def test_a_clock_moved_back_between_puts_passes_over_no_record() -> None:
    """With ReadFromTimestamp ahead of the stream's creation, a record put after one the
    stream read in its partition is read, though the clock moved back before the start."""
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION) as fake:
        read_from = start + timedelta(hours=1)
        stream = msk_stream(fake, {**MSK, "ReadFromTimestamp": read_from})
        frozen.move_to(start + timedelta(hours=2))
        stream.put_from_msk(b"first\n")
        frozen.move_to(start + timedelta(minutes=30))
        stream.put_from_msk(b"second\n")
        stream.put_from_msk(b"before the start\n", partition=1)
        frozen.move_to(start + timedelta(hours=3))
        stream.flush()

        assert stream.delivered == [b"first\n", b"second\n"]


# --------------------------------------------------------------------------- misuse


def test_other_streams_refuse_put_from_msk_naming_how_they_are_fed(fake: FirehoseFake) -> None:
    direct = fake.firehose.create_delivery_stream("direct", ExtendedS3DestinationConfiguration=S3)
    fake.kinesis.create_stream("s")
    sourced = reading_kinesis(fake, "sourced", ExtendedS3DestinationConfiguration=S3)

    with pytest.raises(UsageError, match=r"'direct' is DirectPut, not MSKAsSource: .*put_record"):
        direct.put_from_msk(b"a")
    with pytest.raises(UsageError, match=r"KinesisStreamAsSource.*put the records there"):
        sourced.put_from_msk(b"a")
    assert direct.records == []
    assert sourced.records == []


def test_put_from_logs_on_an_msk_stream_names_put_from_msk(fake: FirehoseFake) -> None:
    stream = msk_stream(fake)

    with pytest.raises(UsageError, match=r"MSKAsSource delivery stream type.*put_from_msk"):
        stream.put_from_logs(b"a")


@pytest.mark.parametrize(
    ("values", "options", "message"),
    [
        (["text"], {}, "each record value as bytes, not str"),
        ([b"a"], {"partition": -1}, "partition is an int from 0 to 2147483647, not -1"),
        ([b"a"], {"partition": 2**31}, "partition is an int from 0 to 2147483647, not 2147483648"),
        ([b"a"], {"offset": True}, "offset is an int from 0 to 9223372036854775807, not True"),
        ([b"a"], {"offset": 2**63}, "offset is an int from 0 to 9223372036854775807, not 9223"),
        ([b"a", b"b"], {"offset": 2**63 - 1}, "offsets end at 9223372036854775807"),
        ([b"a"], {"timestamp": datetime(2030, 1, 1)}, "timezone-aware datetime"),
        ([b"a"], {"timestamp": datetime(9999, 1, 1, tzinfo=timezone.utc)}, "to the fake clock"),
        ([b"x" * (10 * MIB + 1)], {}, f"at most {10 * MIB} bytes from MSK, not"),
    ],
    ids=[
        "str",
        "negative-partition",
        "partition-past-int32",
        "bool-offset",
        "offset-past-int64",
        "offsets-running-past-int64",
        "naive-time",
        "future",
        "over-10-mib",
    ],
)
def test_bad_arguments_are_usage_errors(
    fake: FirehoseFake, values: list[Any], options: dict[str, Any], message: str
) -> None:
    stream = msk_stream(fake)

    with pytest.raises(UsageError, match=message):
        stream.put_from_msk(*values, **options)
    assert stream.records == []


def test_the_last_partition_and_offset_kafka_numbers_are_taken(fake: FirehoseFake) -> None:
    stream = msk_stream(fake)

    assert stream.put_from_msk(b"a", partition=2**31 - 1, offset=2**63 - 1) == [2**63 - 1]
    assert stream.records == [b"a"]


def test_with_a_lambda_processor_records_are_at_most_6_mib(fake: FirehoseFake) -> None:
    fake.firehose.lambda_function("orders-transform", upper_case)
    stream = msk_stream(fake, **LAMBDA)

    with pytest.raises(UsageError, match=f"at most {6 * MIB} bytes from MSK with a Lambda"):
        stream.put_from_msk(b"x" * (6 * MIB + 1))
    assert stream.put_from_msk(b"x" * (6 * MIB)) == [0]


def test_a_stream_still_creating_takes_nothing_yet() -> None:
    with FirehoseFake(region=REGION, creation_delay=5) as fake:
        stream = msk_stream(fake)

        with pytest.raises(UsageError, match=r"CREATING.*advance the clock"):
            stream.put_from_msk(b"a")
        fake.firehose.clock.advance(seconds=5)
        assert stream.put_from_msk(b"a") == [0]


# --------------------------------------------------------------------------- the server


@pytest.fixture
def served() -> Iterator[FirehoseServer]:
    with FirehoseServer() as server:
        status, _ = ask_control(
            server,
            "POST",
            "/_fake/streams",
            {
                "service": "firehose",
                "name": "events",
                "DeliveryStreamType": "MSKAsSource",
                "MSKSourceConfiguration": MSK,
                "ExtendedS3DestinationConfiguration": S3,
            },
        )
        assert status == 201
        yield server


def test_a_server_client_hands_the_topic_records_over_the_control_api(
    served: FirehoseServer,
) -> None:
    now = served.firehose.clock.now()
    values = [base64.b64encode(value).decode() for value in (b"a\n", b"b\n")]

    first = ask_control(served, "POST", "/_fake/msk", {"stream": "events", "records": values})
    second = ask_control(
        served,
        "POST",
        "/_fake/msk",
        {
            "stream": "events",
            "records": values[:1],
            "partition": 2,
            "offset": 7,
            "timestamp": now.isoformat(),
        },
    )

    assert first == (200, {"offsets": [0, 1]})
    assert second == (200, {"offsets": [7]})
    assert served.firehose["events"].records == [b"a\n", b"b\n", b"a\n"]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"stream": "nope", "records": []}, 404, 'no delivery stream "nope"'),
        ({"stream": "events"}, 400, 'give "records" (base64 record values)'),
        ({"stream": "events", "records": ["%%"]}, 400, "in base64"),
        ({"stream": "events", "records": [], "timestamp": "today"}, 400, '"timestamp" is ISO'),
        ({"stream": "events", "records": [], "partition": -2}, 400, '"partition" is an integer'),
        ({"stream": "events", "records": [], "key": "k"}, 400, 'takes no "key"'),
    ],
    ids=["unknown-stream", "no-records", "not-base64", "bad-time", "bad-partition", "key"],
)
def test_a_bad_control_request_is_refused_naming_the_fix(
    served: FirehoseServer, body: dict[str, Any], status: int, says: str
) -> None:
    answered, answer = ask_control(served, "POST", "/_fake/msk", body)

    assert answered == status
    assert says in answer["error"]
    assert served.firehose["events"].records == []
