"""The RecordDeAggregation processor: a record of concatenated JSON objects, or of records
joined by a delimiter, is split into records before the transform and the partition keys.
A stream takes it only with dynamic partitioning on."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import S3, put, refused

from pytest_firehose import FirehoseFake

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:upper"


@pytest.fixture(autouse=True)
def no_warnings() -> Iterator[None]:
    """RecordDeAggregation is modelled: it is not reported."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def deaggregate(kind: str, delimiter: str | None = None) -> dict[str, Any]:
    parameters = [{"ParameterName": "SubRecordType", "ParameterValue": kind}]
    if delimiter is not None:
        parameters.append({"ParameterName": "Delimiter", "ParameterValue": delimiter})
    return {"Type": "RecordDeAggregation", "Parameters": parameters}


#: Dynamic partitioning by a key the Lambda processor gives every record.
BY_LAMBDA = {
    "Prefix": "k=!{partitionKeyFromLambda:k}/",
    "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
    "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
    "DynamicPartitioningConfiguration": {"Enabled": True},
}
LAMBDA_PROCESSOR = {
    "Type": "Lambda",
    "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": FUNCTION}],
}


def keyed(transform: Any = lambda data: data) -> Any:
    """A Lambda handler that gives each record the partition key ``k`` and its data
    through ``transform``."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {
            "records": [
                {
                    "recordId": r["recordId"],
                    "result": "Ok",
                    "data": base64.b64encode(transform(base64.b64decode(r["data"]))).decode(),
                    "metadata": {"partitionKeys": {"k": "v"}},
                }
                for r in event["records"]
            ]
        }

    return handler


def stream_with(fake: FirehoseFake, *processors: dict[str, Any], **config: Any) -> Any:
    """A stream with these processors, partitioned by the Lambda processor's key unless
    ``config`` says otherwise."""
    if not config:
        fake.firehose.lambda_function(FUNCTION, keyed())
        processors, config = (*processors, LAMBDA_PROCESSOR), BY_LAMBDA
    return fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration={
            **S3,
            "ProcessingConfiguration": {"Enabled": True, "Processors": list(processors)},
            **config,
        },
    )


SPLIT = [b'{"a":1}', b'{"a":2}', b'{"a":3}']
#: JSON nested past what a parser takes (200 KB, well under the record limit).
DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


@pytest.mark.parametrize(
    ("payload", "records"),
    [
        (b'{"a":1}{"a":2}{"a":3}', SPLIT),
        (b'{"a":1}\n{"a":2}\n{"a":3}\n', SPLIT),
        (b' {"a":1} \r\n{"a":2}\t{"a":3}', SPLIT),
        # One object is a record of its own: the blanks around it go.
        (b' {"a":1}\n', [b'{"a":1}']),
        # Not made of JSON objects: the record goes on whole.
        (b'[{"a":1}, {"a":2}]', [b'[{"a":1}, {"a":2}]']),
        (b'{"a":1} 7', [b'{"a":1} 7']),
        (b'{"a":1}{"a"', [b'{"a":1}{"a"']),
        (b"\xff\xfe", [b"\xff\xfe"]),
        (b"   ", [b"   "]),
        pytest.param(DEEP, [DEEP], id="nested-too-deeply"),
        pytest.param(
            b'{"a":1}' + DEEP_OBJECT, [b'{"a":1}' + DEEP_OBJECT], id="then-nested-too-deeply"
        ),
    ],
)
def test_concatenated_json_objects_become_records(
    fake: FirehoseFake, client: Any, payload: bytes, records: list[bytes]
) -> None:
    stream = stream_with(fake, deaggregate("JSON"))

    put(client, payload)
    stream.flush()

    assert stream.delivered == records
    assert [record.data for record in stream.records] == [payload]


def test_a_delimiter_splits_records(fake: FirehoseFake, client: Any) -> None:
    stream = stream_with(fake, deaggregate("DELIMITED", "IyMjIw=="))  # "####"

    put(client, b"one####two########three####")
    stream.flush()

    assert stream.delivered == [b"one", b"two", b"three"]


def test_more_than_500_sub_records_go_on_whole(fake: FirehoseFake, client: Any) -> None:
    stream = stream_with(fake, deaggregate("DELIMITED", base64.b64encode(b",").decode()))
    many = b",".join(b"%d" % n for n in range(501))

    put(client, many, b",".join(b"%d" % n for n in range(500)))
    stream.flush()

    assert stream.delivered[0] == many
    assert len(stream.delivered) == 501


def test_sub_records_reach_the_transform_each_with_its_own_id(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.lambda_function(FUNCTION, keyed(bytes.upper))
    stream = stream_with(fake, deaggregate("JSON"), LAMBDA_PROCESSOR, **BY_LAMBDA)

    put(client, b'{"a":"x"}{"a":"y"}', b'{"a":"z"}')
    stream.flush()

    assert stream.delivered == [b'{"A":"X"}', b'{"A":"Y"}', b'{"A":"Z"}']
    (invocation,) = stream.invocations
    event_ids = [r["recordId"] for r in invocation.event["records"]]
    first, second = (record.record_id for record in stream.records)
    assert event_ids == [first, f"{first}.1", second]


def test_sub_records_are_partitioned_one_by_one(fake: FirehoseFake, client: Any) -> None:
    query = {
        "Type": "MetadataExtraction",
        "Parameters": [
            {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{a: .a}"},
            {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
        ],
    }
    stream = stream_with(
        fake,
        deaggregate("JSON"),
        query,
        Prefix="a=!{partitionKeyFromQuery:a}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
        BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 60},
        DynamicPartitioningConfiguration={"Enabled": True},
    )

    put(client, b'{"a":1}{"a":2}{"b":3}')
    stream.flush()

    assert sorted(obj.key.split("/")[0] for obj in stream.objects) == ["a=1", "a=2"]
    assert stream.partitioning_failed == [b'{"b":3}']
    error = json.loads(stream.error_objects[0].body)
    assert base64.b64decode(error["rawData"]) == b'{"b":3}'


def test_a_record_nested_too_deeply_is_partitioned_whole_and_fails(
    fake: FirehoseFake, client: Any
) -> None:
    stream = stream_with(
        fake,
        deaggregate("JSON"),
        {
            "Type": "MetadataExtraction",
            "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{a: .a}"},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
            ],
        },
        Prefix="a=!{partitionKeyFromQuery:a}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
        BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 60},
        DynamicPartitioningConfiguration={"Enabled": True},
    )

    answer = put(client, DEEP_OBJECT, b'{"a":1}{"a":2}')
    stream.flush()

    assert answer["FailedPutCount"] == 0
    assert stream.partitioning_failed == [DEEP_OBJECT]
    assert json.loads(stream.error_objects[0].body)["errorMessage"] == "Non JSON record provided"
    assert sorted(obj.key.split("/")[0] for obj in stream.objects) == ["a=1", "a=2"]


@pytest.mark.parametrize(
    ("processor", "said"),
    [
        (deaggregate("CSV"), "SubRecordType must be JSON or DELIMITED"),
        (deaggregate("DELIMITED"), "needs the parameter Delimiter"),
        (deaggregate("DELIMITED", "not base64!"), "needs the parameter Delimiter"),
        (deaggregate("DELIMITED", "Iy€="), "needs the parameter Delimiter"),  # not ASCII
    ],
)
def test_a_bad_deaggregation_processor_is_refused(
    client: Any, processor: dict[str, Any], said: str
) -> None:
    processing = {"Enabled": True, "Processors": [processor, LAMBDA_PROCESSOR]}
    answer = refused(
        client.create_delivery_stream,
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            **S3,
            "ProcessingConfiguration": processing,
            **BY_LAMBDA,
        },
    )

    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert said in answer["Error"]["Message"]
