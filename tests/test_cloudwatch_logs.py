"""CloudWatch Logs decompression and message extraction (the ``Decompression`` and
``CloudWatchLogProcessing`` processors), and the puts such a stream takes: from CloudWatch
Logs only."""

from __future__ import annotations

import base64
import gzip
import json
import random
import string
import warnings
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import FROM_KINESIS, S3, create_s3, examples, needs_botocore, put, refused
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_firehose import FirehoseFake, UsageError

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:logs"
GZIP = {"ParameterName": "CompressionFormat", "ParameterValue": "GZIP"}
DECOMPRESSION = {"Type": "Decompression", "Parameters": [GZIP]}
EXTRACT = {"ParameterName": "DataMessageExtraction", "ParameterValue": "true"}
EXTRACTION = {"Type": "CloudWatchLogProcessing", "Parameters": [EXTRACT]}
LAMBDA = {
    "Type": "Lambda",
    "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": FUNCTION}],
}
#: Message extraction is newer than the oldest botocore supported.
NEEDS_EXTRACTION = needs_botocore(
    "firehose ProcessorType=CloudWatchLogProcessing",
    "firehose ProcessorParameterName=DataMessageExtraction",
)
NOT_FROM_LOGS = (
    "Put to Firehose failed for AccountId: 123456789012, FirehoseName: events because the "
    "request is not originating from CloudWatch."
)


@pytest.fixture(autouse=True)
def no_warnings() -> Iterator[None]:
    """Decompression and message extraction are modelled: they are not reported."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def processing(*processors: dict[str, Any]) -> dict[str, Any]:
    return {"ProcessingConfiguration": {"Enabled": True, "Processors": list(processors)}}


def logs_stream(fake: FirehoseFake, *processors: dict[str, Any], **options: Any) -> Any:
    return fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration={**S3, **processing(*processors)},
        **options,
    )


def envelope(*messages: str, kind: str = "DATA_MESSAGE") -> bytes:
    """The record CloudWatch Logs sends, compressed."""
    body = {
        "messageType": kind,
        "owner": "123456789012",
        "logGroup": "/aws/lambda/app",
        "logStream": "2026/12/03/[$LATEST]abc",
        "subscriptionFilters": ["all"],
        "logEvents": [
            {"id": str(i) * 56, "timestamp": 1_764_720_000_000, "message": message}
            for i, message in enumerate(messages)
        ],
    }
    return gzip.compress(json.dumps(body).encode())


def error_records(stream: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for obj in stream.error_objects for line in obj.body.splitlines()]


# --------------------------------------------------------------------------- what is delivered


@NEEDS_EXTRACTION
def test_message_extraction_delivers_each_events_message_on_a_line(fake):
    stream = logs_stream(fake, DECOMPRESSION, EXTRACTION)

    record = stream.put_log_events(['{"level":"info"}', "plain text"], log_group="/aws/app")

    stream.assert_delivered([b'{"level":"info"}\nplain text\n'])
    assert stream.records == [record]  # the log keeps the record as put
    sent = json.loads(gzip.decompress(record))
    assert sent["messageType"] == "DATA_MESSAGE"
    assert sent["logGroup"] == "/aws/app"
    assert sent["owner"] == "123456789012"
    assert [len(event["id"]) for event in sent["logEvents"]] == [56, 56]
    assert {event["timestamp"] for event in sent["logEvents"]} == {
        int(fake.firehose.clock.now().timestamp() * 1000)
    }


@pytest.mark.parametrize(
    "decompression",
    [DECOMPRESSION, {"Type": "Decompression"}],  # CompressionFormat left out is GZIP
    ids=["gzip", "no-parameters"],
)
def test_decompression_alone_delivers_the_json_as_cloudwatch_logs_wrote_it(fake, decompression):
    stream = logs_stream(fake, decompression)
    data = envelope("a", "b")

    stream.put_from_logs(data)

    stream.assert_delivered([gzip.decompress(data)])


@NEEDS_EXTRACTION
def test_extraction_off_is_decompression_alone(fake):
    off = {**EXTRACTION, "Parameters": [{**EXTRACT, "ParameterValue": "False"}]}
    stream = logs_stream(fake, DECOMPRESSION, off)
    data = envelope("a")

    stream.put_from_logs(data)

    stream.assert_delivered([gzip.decompress(data)])


def test_put_log_events_writes_the_gzip_header_cloudwatch_logs_writes(fake):
    stream = fake.firehose.create_delivery_stream("events", ExtendedS3DestinationConfiguration=S3)

    record = stream.put_log_events(["a"])

    # No time stamp, no flags, "FAT" as the operating system: as the records CloudWatch Logs
    # sends begin (base64 "H4sIAAAAAAAAA").
    assert record[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00"
    assert base64.b64encode(record).startswith(b"H4sIAAAAAAAAA")
    assert [event["message"] for event in json.loads(gzip.decompress(record))["logEvents"]] == ["a"]
    stream.assert_delivered([record])


def test_without_decompression_the_compressed_record_is_delivered_as_put(fake):
    stream = fake.firehose.create_delivery_stream("events", ExtendedS3DestinationConfiguration=S3)
    data = envelope("a")

    stream.put_from_logs(data)

    stream.assert_delivered([data])


@NEEDS_EXTRACTION
def test_a_control_message_becomes_an_empty_record(fake):
    seen: list[bytes] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend(base64.b64decode(record["data"]) for record in event["records"])
        return {
            "records": [
                {"recordId": record["recordId"], "result": "Ok", "data": record["data"]}
                for record in event["records"]
            ]
        }

    fake.firehose.lambda_function(FUNCTION, handler)
    stream = logs_stream(fake, DECOMPRESSION, EXTRACTION, LAMBDA)

    stream.put_from_logs(envelope("CWL CONTROL MESSAGE", kind="CONTROL_MESSAGE"), envelope("x"))
    stream.flush()

    assert seen == [b"", b"x\n"]
    assert b"".join(obj.body for obj in stream.objects) == b"x\n"


@NEEDS_EXTRACTION
def test_the_lambda_processor_gets_the_messages_and_its_failures_keep_the_record_as_put(fake):
    def fail_errors(event: dict[str, Any], context: Any) -> dict[str, Any]:
        answers = []
        for record in event["records"]:
            failed = b"ERROR" in base64.b64decode(record["data"])
            result = "ProcessingFailed" if failed else "Ok"
            answers.append({"recordId": record["recordId"], "result": result, **record})
        return {"records": answers}

    fake.firehose.lambda_function(FUNCTION, fail_errors)
    stream = logs_stream(fake, DECOMPRESSION, EXTRACTION, LAMBDA)

    stream.put_log_events(["ok"])
    bad = stream.put_log_events(["ERROR boom"])
    stream.flush()

    assert stream.delivered == [b"ok\n"]
    # The developer guide: a record failing after decompression goes to the error output
    # in compressed format.
    assert stream.processing_failed == [bad]
    (failed,) = error_records(stream)
    assert base64.b64decode(failed["rawData"]) == bad
    assert stream.error_objects[0].key.startswith("processing-failed/")


# --------------------------------------------------------------------------- failures


#: What a record may decompress to at most (the fake's cap, docs/fidelity.md).
CAP = 16 * 1024 * 1024


def json_text(size: int) -> bytes:
    """A JSON string of ``size`` bytes."""
    return b'"' + b"a" * (size - 2) + b'"'


def test_a_record_decompressing_to_the_cap_is_delivered(fake):
    stream = logs_stream(fake, DECOMPRESSION)
    text = json_text(CAP)
    members = gzip.compress(text[: CAP // 2]) + gzip.compress(text[CAP // 2 :])

    stream.put_from_logs(gzip.compress(text), members)
    stream.flush()

    assert stream.decompression_failed == []
    assert stream.delivered == [text, text]


def decompressing(data: bytes, name: str) -> Any:
    return pytest.param((DECOMPRESSION,), data, id=name)


def extracting(data: bytes, name: str) -> Any:
    return pytest.param((DECOMPRESSION, EXTRACTION), data, id=name, marks=NEEDS_EXTRACTION)


@pytest.mark.parametrize(
    ("processors", "data"),
    [
        decompressing(b"not gzip", "not-gzip"),
        decompressing(gzip.compress(b"not json"), "not-json"),
        decompressing(gzip.compress(b'{"a": NaN}'), "nan"),
        decompressing(gzip.compress(json_text(CAP + 1)), "past-the-cap"),
        decompressing(
            gzip.compress(json_text(CAP + 1)[:CAP]) + gzip.compress(b'"'), "members-past-the-cap"
        ),
        decompressing(zlib.compress(b'{"a":1}'), "zlib-not-gzip"),
        decompressing(gzip.compress(b'{"a":1}')[:-4], "cut-short"),
        extracting(gzip.compress(b'{"a":1}'), "json-not-logs"),
        extracting(gzip.compress(b'{"messageType":"DATA_MESSAGE"}'), "no-events"),
        extracting(
            gzip.compress(b'{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1"}]}'),
            "no-message",
        ),
        extracting(gzip.compress(b'{"messageType":"OTHER","logEvents":[]}'), "other-type"),
    ],
)
def test_a_record_that_is_not_cloudwatch_logs_data_goes_to_decompression_failed(
    fake, processors, data
):
    stream = logs_stream(fake, *processors)
    good = envelope("fine")

    stream.put_from_logs(data, good)
    stream.flush()

    assert stream.decompression_failed == [data]
    assert len(stream.delivered) == 1  # the others go on
    (obj,) = stream.error_objects
    assert obj.key.startswith("decompression-failed/")
    (failed,) = error_records(stream)
    assert failed["errorCode"] == "Decompression failed."
    assert failed["errorMessage"] == (
        "Decompression failed because input data does not conform to cloudwatch log."
    )
    assert failed["attemptsMade"] == 1
    assert base64.b64decode(failed["rawData"]) == data
    assert "lambdaArn" not in failed


def test_the_error_prefix_names_decompression_failed(fake):
    stream = fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration={
            **S3,
            **processing(DECOMPRESSION),
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
            "Prefix": "logs/!{timestamp:yyyy}/",
        },
    )

    stream.put_from_logs(b"junk")

    (obj,) = stream.error_objects
    assert obj.key.startswith("errors/decompression-failed/")


# --------------------------------------------------------------------------- the source


def test_a_direct_put_is_refused_invalid_source(fake, client):
    logs_stream(fake, DECOMPRESSION)

    single = refused(client.put_record, DeliveryStreamName="events", Record={"Data": envelope("a")})
    with pytest.raises(ClientError) as caught:
        put(client, envelope("a"))
    batch = caught.value.response

    for answer in (single, batch):
        assert answer["Error"] == {"Code": "InvalidSourceException", "Message": NOT_FROM_LOGS}
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert fake.firehose["events"].records == []


@NEEDS_EXTRACTION
def test_a_kinesis_source_with_decompression_reads_cloudwatch_logs_data(fake):
    fake.kinesis.create_stream("k")
    stream = logs_stream(fake, DECOMPRESSION, EXTRACTION, **FROM_KINESIS)
    kinesis = boto3.client("kinesis", region_name="us-east-1")

    kinesis.put_record(StreamName="k", Data=envelope("from", "kinesis"), PartitionKey="p")

    stream.assert_delivered([b"from\nkinesis\n"])


@NEEDS_EXTRACTION
def test_a_subscription_to_a_kinesis_stream_puts_the_same_record(fake):
    fake.kinesis.create_stream("k")
    stream = logs_stream(fake, DECOMPRESSION, EXTRACTION, **FROM_KINESIS)

    record = fake.kinesis["k"].put_log_events(["a", "b"], log_stream="2026/12/03/[$LATEST]f00")

    assert record.partition_key == "2026/12/03/[$LATEST]f00"
    sent = json.loads(gzip.decompress(record.data))
    assert [event["message"] for event in sent["logEvents"]] == ["a", "b"]
    assert sent["logStream"] == "2026/12/03/[$LATEST]f00"
    stream.assert_delivered([b"a\nb\n"])
    assert fake.kinesis.calls == []  # CloudWatch Logs' put is not the code under test's


def test_put_log_events_to_kinesis_refuses_what_it_cannot_send(fake):
    fake.kinesis.create_stream("k")

    with pytest.raises(UsageError, match="takes a list of messages, not one str"):
        fake.kinesis["k"].put_log_events("one")
    with pytest.raises(UsageError, match="Kinesis would answer CloudWatch Logs"):
        fake.kinesis["k"].put_log_events(noise(1500))
    assert fake.kinesis["k"].records == []


def noise(count: int) -> list[str]:
    """``count`` log messages of 1,000 random characters: their record, which gzip cannot
    shrink much, is over 1 MiB for 1,500 of them."""
    chance = random.Random(7)
    return ["".join(chance.choices(string.printable, k=1000)) for _ in range(count)]


@pytest.mark.parametrize(
    ("names", "refusal"),
    [
        ({"log_group": ""}, "log_group must be a CloudWatch Logs log group name"),
        ({"log_group": "/aws/my app"}, "log_group must be a CloudWatch Logs log group name"),
        ({"log_group": "g" * 513}, "log_group must be a CloudWatch Logs log group name"),
        ({"log_stream": ""}, "log_stream must be a CloudWatch Logs log stream name"),
        ({"log_stream": "a:b"}, "log_stream must be a CloudWatch Logs log stream name"),
        ({"subscription_filter": "*"}, "subscription_filter must be a CloudWatch Logs"),
    ],
)
@pytest.mark.parametrize("kind", ["delivery stream", "Kinesis stream"])
def test_put_log_events_refuses_names_cloudwatch_logs_would_not_take(fake, names, refusal, kind):
    fake.kinesis.create_stream("k")
    stream = fake.kinesis["k"] if kind == "Kinesis stream" else logs_stream(fake, DECOMPRESSION)

    with pytest.raises(UsageError, match=f"^put_log_events: {refusal}"):
        stream.put_log_events(["a"], **names)
    assert stream.records == []


@pytest.mark.parametrize("kind", ["delivery stream", "Kinesis stream"])
def test_put_log_events_refuses_a_batch_of_no_log_events(fake, kind):
    # Each made a DATA_MESSAGE with an empty logEvents, which no subscription sends.
    fake.kinesis.create_stream("k")
    stream = fake.kinesis["k"] if kind == "Kinesis stream" else logs_stream(fake, DECOMPRESSION)

    with pytest.raises(UsageError, match=r"^put_log_events: no log events; .* one message or more"):
        stream.put_log_events([])
    with pytest.raises(UsageError, match=r"^put_log_events: no log events"):
        stream.put_log_events(iter(()))
    assert stream.records == []


def test_put_from_logs_refuses_what_cloudwatch_logs_cannot_send(fake):
    stream = logs_stream(fake, DECOMPRESSION)

    with pytest.raises(UsageError, match="takes each record as bytes, not str"):
        stream.put_from_logs("text")
    with pytest.raises(UsageError, match="at most 1024000 bytes"):
        stream.put_from_logs(b"x" * 1_024_001)
    with pytest.raises(UsageError, match=r"takes a list of messages, not one str"):
        stream.put_log_events("one message")
    with pytest.raises(UsageError, match="a log message must be a str, not bytes"):
        stream.put_log_events([b"bytes"])
    with pytest.raises(UsageError, match="a log message must be text UTF-8 can carry"):
        stream.put_log_events(["\ud800"])
    with pytest.raises(UsageError, match="log_group must be a str, not int"):
        stream.put_log_events(["a"], log_group=7)  # type: ignore[arg-type]
    assert stream.records == []


def test_put_log_events_names_itself_when_its_record_is_too_large(fake):
    stream = logs_stream(fake, DECOMPRESSION)

    with pytest.raises(UsageError, match=r"^put_log_events: a record is at most 1024000 bytes"):
        stream.put_log_events(noise(1500))
    assert stream.records == []


def test_put_log_events_names_itself_when_firehose_refuses_the_put(fake):
    fake.kinesis.create_stream("k")
    stream = logs_stream(fake, DECOMPRESSION, **FROM_KINESIS)

    with pytest.raises(UsageError, match=r"^put_log_events: Firehose would answer .*put the"):
        stream.put_log_events(["a"])


def test_put_from_logs_to_a_kinesis_source_says_where_to_put(fake):
    fake.kinesis.create_stream("k")
    stream = logs_stream(fake, DECOMPRESSION, **FROM_KINESIS)

    with pytest.raises(UsageError, match="put the records there"):
        stream.put_from_logs(envelope("a"))


# --------------------------------------------------------------------------- configuration


BAD_FLAG = "Invalid parameter value for DataMessageExtraction. Allowed values are True and False."


@pytest.mark.parametrize(
    ("processors", "message"),
    [
        pytest.param(
            [{"Type": "Decompression", "Parameters": [{**GZIP, "ParameterValue": "ZIP"}]}],
            "CompressionFormat has to be GZIP",
            id="not-gzip",
        ),
        pytest.param(
            [EXTRACTION],
            "CloudWatchLogProcessingProcessor can only be enabled with DecompressionProcessor",
            id="extraction-alone",
            marks=NEEDS_EXTRACTION,
        ),
        pytest.param(
            [DECOMPRESSION, {**EXTRACTION, "Parameters": [{**EXTRACT, "ParameterValue": "yes"}]}],
            BAD_FLAG,
            id="bad-flag",
            marks=NEEDS_EXTRACTION,
        ),
        pytest.param(
            [DECOMPRESSION, {"Type": "CloudWatchLogProcessing"}],
            BAD_FLAG,
            id="no-flag",
            marks=NEEDS_EXTRACTION,
        ),
    ],
)
def test_create_refuses_what_aws_refuses(fake, client, processors, message):
    with pytest.raises(ClientError) as caught:
        create_s3(client, **processing(*processors))
    answer = caught.value.response

    assert answer["Error"] == {"Code": "InvalidArgumentException", "Message": message}
    assert "events" not in fake.firehose


def test_decompression_cannot_be_turned_on_for_a_stream_without_a_lambda(fake, client):
    create_s3(client)

    answer = refused(
        client.update_destination,
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate=processing(DECOMPRESSION),
    )

    assert answer["Error"]["Message"] == (
        "Enabling source decompression is not supported for existing stream with no Lambda "
        "function attached."
    )


def test_decompression_can_be_turned_on_beside_a_lambda(fake, client):
    fake.firehose.lambda_function(FUNCTION, lambda event, context: {"records": []})
    create_s3(client, **processing(LAMBDA))

    client.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate=processing(DECOMPRESSION, LAMBDA),
    )

    with pytest.raises(ClientError, match="InvalidSourceException"):
        put(client, b"now refused")


# --------------------------------------------------------------------------- any data

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
#: Envelopes near and far from CloudWatch Logs': the right keys with any values.
ENVELOPES = st.fixed_dictionaries(
    {},
    optional={
        "messageType": st.sampled_from(["DATA_MESSAGE", "CONTROL_MESSAGE", "OTHER"]) | JSON_VALUES,
        "logEvents": st.lists(
            st.fixed_dictionaries({}, optional={"message": st.text() | JSON_VALUES}) | JSON_VALUES,
            max_size=3,
        )
        | JSON_VALUES,
    },
)
RECORDS = (
    st.binary(max_size=64)
    | ENVELOPES.map(lambda envelope: gzip.compress(json.dumps(envelope).encode()))
    | JSON_VALUES.map(lambda value: gzip.compress(json.dumps(value).encode()))
)


@NEEDS_EXTRACTION
@settings(max_examples=examples(150), deadline=None)
@given(records=st.lists(RECORDS, min_size=1, max_size=4), extract=st.booleans())
def test_any_record_is_delivered_or_in_the_error_output_once(
    records: list[bytes], extract: bool
) -> None:
    with FirehoseFake() as fake:
        processors = (DECOMPRESSION, EXTRACTION) if extract else (DECOMPRESSION,)
        stream = logs_stream(fake, *processors)
        stream.put_from_logs(*records)
        stream.flush()

        # Each record is in one place, and what failed is what was put.
        assert len(stream.delivered) + len(stream.decompression_failed) == len(records)
        assert Counter(stream.decompression_failed) <= Counter(records)
        assert stream.pending == []


def test_a_record_put_before_decompression_was_turned_on_fails_as_it_was_put(fake, client):
    def fail_all(event: dict[str, Any], context: Any) -> dict[str, Any]:
        records = event["records"]
        return {
            "records": [{"recordId": r["recordId"], "result": "ProcessingFailed"} for r in records]
        }

    fake.firehose.lambda_function(FUNCTION, fail_all)
    create_s3(client, **processing(LAMBDA))
    put(client, b"plain")
    client.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate=processing(DECOMPRESSION, LAMBDA),
    )
    stream = fake.firehose["events"]
    stream.flush()

    assert stream.processing_failed == [b"plain"]
    (failed,) = error_records(stream)
    assert base64.b64decode(failed["rawData"]) == b"plain"
