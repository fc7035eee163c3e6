"""The handle a test reads results from: streams by name, records, objects, assertions, calls."""

from __future__ import annotations

import gzip
import re

import pytest
from conftest import BUCKET, REGION, S3, describe, put, refused, s3_stream

from pytest_firehose import StreamKeyError, UsageError

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


# --------------------------------------------------------------------------- the handle


def test_handle_creates_what_boto3_sees_and_refuses_what_the_service_would(fake, api):
    handle = s3_stream(fake)

    assert (handle.name, fake.firehose["events"].arn) == ("events", handle.arn)
    (destination,) = describe(api)["Destinations"]
    assert destination["ExtendedS3DestinationDescription"]["BucketARN"] == BUCKET
    with pytest.raises(UsageError, match="ResourceInUseException"):
        fake.firehose.create_delivery_stream("events")
    with pytest.raises(UsageError, match="ValidationException"):
        fake.firehose.create_delivery_stream("bad name")


def test_unknown_stream_name_lists_known_ones_and_suggests_a_close_match(fake):
    with pytest.raises(KeyError) as nothing_yet:
        fake.firehose["events"]
    fake.firehose.create_delivery_stream("orders")
    fake.firehose.create_delivery_stream("events")

    with pytest.raises(KeyError) as misspelled:
        fake.firehose["evnets"]

    assert "known streams: none" in nothing_yet.value.args[0]
    message = misspelled.value.args[0]
    assert "'evnets'" in message
    assert "known streams: 'events', 'orders'" in message
    assert "Did you mean 'events'?" in message


def test_a_stream_of_the_other_service_is_named_with_the_handle_that_finds_it(fake):
    fake.kinesis.create_stream("clicks")
    fake.kinesis.create_stream("events-raw")
    fake.firehose.create_delivery_stream("events")

    with pytest.raises(StreamKeyError) as firehose_asked:
        fake.firehose["clicks"]
    with pytest.raises(StreamKeyError) as kinesis_asked:
        fake.kinesis.stream("events", region=REGION)

    assert str(firehose_asked.value) == (
        "no delivery stream 'clicks'; known streams: 'events'. 'clicks' is a Kinesis data "
        "stream: use kinesis['clicks']"
    )
    assert str(kinesis_asked.value) == (
        "no stream 'events'; known streams: 'clicks', 'events-raw'. 'events' is a delivery "
        "stream: use firehose.stream('events', region='us-east-1')"
    )
    with pytest.raises(StreamKeyError, match=r"Did you mean 'events-raw'\?$"):
        fake.kinesis.stream("events", region="eu-west-1")  # no delivery stream there


def test_records_keep_commit_order_and_duplicates(fake, client):
    stream = fake.firehose.create_delivery_stream("events")

    first = client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    batch = put(client, b"b", b"a")
    last = client.put_record(DeliveryStreamName="events", Record={"Data": b"c"})

    assert stream.records == [b"a", b"b", b"a", b"c"]
    assert [record.data for record in stream.records] == [b"a", b"b", b"a", b"c"]
    ids = [first["RecordId"], *(e["RecordId"] for e in batch["RequestResponses"]), last["RecordId"]]
    assert [record.record_id for record in stream.records] == ids


def test_bytes_of_a_record_is_its_payload(fake, client, kinesis_client):
    """A reader joining what a producer aggregated calls bytes() on each record."""
    fake.firehose.create_delivery_stream("events")
    fake.kinesis.create_stream("clicks")
    put(client, b"a\n", b"b\n")
    kinesis_client.put_record(StreamName="clicks", Data=b"c\nd\n", PartitionKey="k")

    assert b"".join(map(bytes, fake.firehose["events"].records)) == b"a\nb\n"
    assert [bytes(r) for r in fake.kinesis["clicks"].records] == [b"c\nd\n"]
    assert [bytes(r) for r in fake.kinesis["clicks"].shards[0].records] == [b"c\nd\n"]


def test_a_records_repr_shows_its_payload(fake, client):
    """What a failed ``assert stream.records == [...]`` prints of each record."""
    fake.firehose.create_delivery_stream("events")
    put(client, b"a", b'{"id": 1}')

    assert repr(fake.firehose["events"].records) == "[Record(b'a'), Record(b'{\"id\": 1}')]"


def test_records_sort_as_their_payloads(fake, client, kinesis_client):
    """A consumer that fans records out across shards or threads is checked with sorted()."""
    fake.firehose.create_delivery_stream("events")
    fake.kinesis.create_stream("clicks", 2)
    put(client, b"c", b"a", b"b")
    for payload, key in ((b"z", "alpha"), (b"x", "omega-7"), (b"y", "alpha")):
        kinesis_client.put_record(StreamName="clicks", Data=payload, PartitionKey=key)

    assert sorted(fake.firehose["events"].records) == [b"a", b"b", b"c"]
    assert sorted(fake.kinesis["clicks"].records) == [b"x", b"y", b"z"]
    records = fake.kinesis["clicks"].records
    assert max(records) == b"z"
    assert min(records).partition_key == "omega-7"
    assert sorted([b"y", records[0], bytearray(b"a")]) == [b"a", b"y", b"z"]  # mixed with bytes
    assert records[0] >= bytearray(b"z")
    with pytest.raises(TypeError, match="not supported between"):
        sorted([records[0], "z"])


def test_nothing_is_delivered_until_flush(fake, client):
    stream = fake.firehose.create_delivery_stream("events")
    put(client, b"a", b"b")

    assert (stream.delivered, stream.objects) == ([], [])
    fake.firehose.flush()
    assert stream.delivered == [b"a", b"b"]
    assert stream.records == [b"a", b"b"]


@pytest.mark.parametrize(("prefix", "expected"), [(None, ""), ("logs/", "logs/"), ("raw", "raw")])
def test_object_key_and_body(fake, client, prefix, expected):
    stream = s3_stream(fake, **({"Prefix": prefix} if prefix is not None else {}))
    put(client, b"one\n", b"two")
    fake.firehose.clock.advance(seconds=200)  # inside the 300 s buffering interval
    put(client, b"three")

    stream.flush()

    (obj,) = stream.objects
    oldest = stream.records[0].arrived_at
    stamp = f"{oldest:%Y/%m/%d/%H}/events-1-{oldest:%Y-%m-%d-%H-%M-%S}-"
    assert re.fullmatch(re.escape(expected + stamp) + UUID4, obj.key)
    assert obj.body == b"one\ntwothree"


def test_gzip_objects_hold_the_compressed_concatenation(fake, client):
    stream = s3_stream(fake, CompressionFormat="GZIP")
    put(client, b"a" * 1000, b"b")

    stream.flush()

    (obj,) = stream.objects
    assert gzip.decompress(obj.body) == b"a" * 1000 + b"b"
    assert len(obj.body) < 1000
    assert stream.delivered == [b"a" * 1000, b"b"]


# --------------------------------------------------------------------------- assert_delivered


def test_assert_delivered_flushes_and_checks_order_only_when_asked(fake, client):
    stream = fake.firehose.create_delivery_stream("events")
    put(client, b"b", b"a")

    stream.assert_delivered([b"a", b"b"])
    stream.assert_delivered([b"b", b"a"], ordered=True)
    with pytest.raises(AssertionError, match="out of order: position 0 holds b'b', expected b'a'"):
        stream.assert_delivered([b"a", b"b"], ordered=True)


def test_assert_delivered_lists_missing_unexpected_and_duplicated(fake, client):
    stream = fake.firehose.create_delivery_stream("events")
    put(client, b"a", b"b", b"b", b"x")

    with pytest.raises(AssertionError) as caught:
        stream.assert_delivered([b"a", b"b", b"c"])

    message = str(caught.value)
    assert "missing (1): [b'c']" in message
    assert "unexpected (1): [b'x']" in message
    assert "b'b' x2 (expected 1)" in message
    assert "PutRecordBatch events 4 records" in message


def test_assert_delivered_says_where_the_missing_records_are(fake, client):
    # The message said only "missing (2)", as if the records had never arrived.
    stream = fake.firehose.create_delivery_stream("events")
    stream.destination_down()
    put(client, b"a")
    fake.firehose.clock.advance(hours=24, seconds=1)
    put(client, b"b")

    with pytest.raises(AssertionError) as caught:
        stream.assert_delivered([b"a", b"b", b"c"])

    message = str(caught.value)
    assert "missing (3): [b'a', b'b', b'c']" in message
    assert message.endswith(
        "\nundelivered, the destination being down (destination_up() brings it back):"
        "\n  pending (1): [b'b']"
        "\n  expired, undelivered for 24 hours (1): [b'a']"
    )


def test_a_delivery_assertion_that_holds_or_misses_nothing_undelivered_says_nothing_of_it(
    fake, client
):
    stream = fake.firehose.create_delivery_stream("events")
    put(client, b"a")

    with pytest.raises(AssertionError) as caught:
        stream.assert_delivered([b"a", b"c"])

    assert "undelivered" not in str(caught.value)


# --------------------------------------------------------------------------- calls


def test_calls_log_every_attempt(fake, client):
    fake.firehose.create_delivery_stream("events")
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    put(client, b"b", b"c")
    refused(client.put_record, DeliveryStreamName="missing", Record={"Data": b"d"})
    client.list_delivery_streams()

    calls = fake.firehose.calls

    assert [(c.operation, c.stream, c.records, c.outcome) for c in calls] == [
        ("PutRecord", "events", [b"a"], "ok"),
        ("PutRecordBatch", "events", [b"b", b"c"], "ok"),
        ("PutRecord", "missing", [b"d"], "error"),
        ("ListDeliveryStreams", None, [], "ok"),
    ]
    assert [c.attempt for c in calls] == [1, 1, 1, 1]
    assert len({c.invocation_id for c in calls if c.invocation_id}) == 4
    assert (calls[2].error, calls[2].status) == ("ResourceNotFoundException", 400)
    assert fake.firehose["events"].calls == calls[:2]


def test_calls_mark_a_partial_failure(fake, api):
    stream = fake.firehose.create_delivery_stream("events")
    fake.firehose.fail(records={1: "ServiceUnavailableException"})

    answer = put(api, b"a", b"b", b"c")

    assert answer["FailedPutCount"] == 1
    assert answer["RequestResponses"][1] == {
        "ErrorCode": "ServiceUnavailableException",
        "ErrorMessage": "Slow down.",
    }
    assert stream.records == [b"a", b"c"]
    (logged,) = fake.firehose.calls
    assert (logged.outcome, logged.failed_indices) == ("partial", (1,))
    assert (logged.records, logged.attempt) == ([b"a", b"b", b"c"], 1)


@pytest.mark.parametrize(
    ("service", "create"), [("firehose", "create_delivery_stream"), ("kinesis", "create_stream")]
)
def test_a_service_handle_iterates_over_its_streams_in_every_region(fake, service, create):
    handle = getattr(fake, service)
    getattr(handle, create)("b")
    getattr(handle, create)("a", region="eu-west-1")

    streams = list(handle)

    assert sorted(stream.name for stream in streams) == ["a", "b"]
    assert [type(stream) for stream in streams] == [type(handle["b"])] * 2


def test_a_delivery_stream_handle_names_the_region_it_lives_in(fake):
    fake.firehose.create_delivery_stream("a")
    stream = fake.firehose.create_delivery_stream("a", region="eu-west-1")

    assert (stream.region, stream.arn.split(":")[3]) == ("eu-west-1", "eu-west-1")
    assert repr(stream) == "<DeliveryStreamHandle 'a' in eu-west-1>"


# --------------------------------------------------------------------------- what a test passes


def test_a_configuration_passed_to_the_handle_is_not_the_streams_own(fake, api):
    """The handle takes the settings as a request would carry them: later changes to the
    test's dict (to make a second stream from it, say) leave the first stream as it was
    created, and the dict keeps what the test put in it."""
    hints = {"SizeInMBs": 5, "IntervalInSeconds": 300}
    config = {**S3, "BufferingHints": hints, "Prefix": None}
    fake.firehose.create_delivery_stream("events", ExtendedS3DestinationConfiguration=config)

    hints["IntervalInSeconds"] = 60
    (destination,) = describe(api)["Destinations"]

    assert destination["ExtendedS3DestinationDescription"]["BufferingHints"] == {
        "SizeInMBs": 5,
        "IntervalInSeconds": 300,
    }
    assert config == {**S3, "BufferingHints": hints, "Prefix": None}
