"""The JSON front end's answers to what botocore never sends: nulls, values of the wrong
JSON type, bad base64, unreadable JSON. Raw requests go through ``World.handle`` as a
client in another language would send them; boto3 gets them in process through a hook that
rewrites its body, which the fast path must check rather than trust.

Recordings cited: kinesalite's ``test/helpers.js`` (run against Kinesis, up to 2020) and a
2026 measurement of Athena's JSON 1.1 front end (the same Coral stack) for the modern token
names (``STRING_VALUE``...), which replaced Java class names in the messages.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ROLE, S3

from pytest_firehose import FirehoseFake
from pytest_firehose._wire import cbor
from pytest_firehose._wire.codec import HttpRequest, HttpResponse

TARGETS = {"firehose": "Firehose_20150804", "kinesis": "Kinesis_20131202"}


def send(fake: FirehoseFake, operation: str, body: Any, service: str = "firehose") -> HttpResponse:
    """POST one raw request (a dict is sent as JSON, bytes as they are)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "x-amz-target": f"{TARGETS[service]}.{operation}",
        "content-type": "application/x-amz-json-1.1",
    }
    url = f"https://{service}.us-east-1.amazonaws.com/"
    return fake.world.handle(HttpRequest("POST", url, headers, data), service)


def answer(response: HttpResponse) -> tuple[int, Any]:
    return response.status, json.loads(response.body) if response.body else None


def serialization(message: str | None) -> tuple[int, dict[str, str]]:
    body = {"__type": "SerializationException"}
    if message is not None:
        body["Message"] = message
    return 400, body


def rewrite_body(client: Any, operation: str, body: dict[str, Any]) -> None:
    """Have every ``operation`` call of ``client`` send ``body`` instead of its own."""

    def rewrite(params: dict[str, Any], **_: Any) -> None:
        params["body"] = json.dumps(body).encode()

    client.meta.events.register(f"before-call.*.{operation}", rewrite)


def still_answers(fake: FirehoseFake) -> None:
    """The world keeps answering every service after whatever came before."""
    __tracebackhide__ = True
    assert send(fake, "ListDeliveryStreams", {}).status == 200
    assert send(fake, "ListStreams", {}, "kinesis").status == 200


# --------------------------------------------------------------------------- nulls
# A JSON null for an optional member is an absent member (Athena, 2026: MaxResults null
# answers 200); for a required one, "Member must not be null" (Athena, 2026; kinesalite).

S3_NULLS = {
    "BufferingHints": None,
    "Prefix": None,
    "CompressionFormat": None,
    "CloudWatchLoggingOptions": None,
}


def test_null_buffering_hints_are_the_defaults_and_break_nothing(fake):
    created = send(
        fake,
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "s",
            "DeliveryStreamType": None,
            "Tags": None,
            "ExtendedS3DestinationConfiguration": {**S3, **S3_NULLS},
        },
    )
    put = send(fake, "PutRecord", {"DeliveryStreamName": "s", "Record": {"Data": "YQ=="}})
    status, described = answer(send(fake, "DescribeDeliveryStream", {"DeliveryStreamName": "s"}))

    assert created.status == put.status == status == 200
    description = described["DeliveryStreamDescription"]
    assert description["DeliveryStreamType"] == "DirectPut"
    destination = description["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert destination["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert "Prefix" not in destination
    still_answers(fake)


def test_null_size_inside_buffering_hints_is_the_default(fake):
    hints = {"SizeInMBs": None, "IntervalInSeconds": 60}
    config = {**S3, "BufferingHints": hints}
    send(
        fake,
        "CreateDeliveryStream",
        {"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": config},
    )
    _, created = answer(send(fake, "DescribeDeliveryStream", {"DeliveryStreamName": "s"}))
    update = send(
        fake,
        "UpdateDestination",
        {
            "DeliveryStreamName": "s",
            "CurrentDeliveryStreamVersionId": "1",
            "DestinationId": "destinationId-000000000001",
            "ExtendedS3DestinationUpdate": {
                "BufferingHints": {"SizeInMBs": 7, "IntervalInSeconds": None}
            },
        },
    )

    assert update.status == 200
    _, updated = answer(send(fake, "DescribeDeliveryStream", {"DeliveryStreamName": "s"}))
    hints = [
        described["DeliveryStreamDescription"]["Destinations"][0][
            "ExtendedS3DestinationDescription"
        ]["BufferingHints"]
        for described in (created, updated)
    ]
    assert hints[0] == {"SizeInMBs": 5, "IntervalInSeconds": 60}
    assert hints[1]["SizeInMBs"] == 7
    still_answers(fake)


@pytest.mark.parametrize(
    ("service", "operation", "body"),
    [
        ("firehose", "ListDeliveryStreams", {"Limit": None, "DeliveryStreamType": None}),
        ("firehose", "ListTagsForDeliveryStream", {"DeliveryStreamName": "s", "Limit": None}),
        ("kinesis", "ListStreams", {"Limit": None, "NextToken": None}),
        ("kinesis", "ListShards", {"StreamName": "k", "MaxResults": None}),
        (
            "kinesis",
            "PutRecord",
            {"StreamName": "k", "Data": "YQ==", "PartitionKey": "p", "ExplicitHashKey": None},
        ),
    ],
)
def test_null_optional_members_are_absent(fake, service, operation, body):
    fake.firehose.create_delivery_stream("s")
    fake.kinesis.create_stream("k")

    assert send(fake, operation, body, service).status == 200
    still_answers(fake)


def test_null_max_record_size_leaves_the_default_and_puts_work(fake):
    created = send(
        fake,
        "CreateStream",
        {"StreamName": "k", "ShardCount": 1, "MaxRecordSizeInKiB": None},
        "kinesis",
    )
    put = send(
        fake, "PutRecord", {"StreamName": "k", "Data": "YQ==", "PartitionKey": "p"}, "kinesis"
    )

    assert created.status == put.status == 200
    still_answers(fake)


def test_null_retry_options_of_an_http_endpoint_are_the_defaults(fake):
    endpoint = {
        "EndpointConfiguration": {"Url": "https://127.0.0.1:9/in"},
        "RetryOptions": None,
        "S3Configuration": S3,
        "RoleARN": ROLE,
    }
    created = send(
        fake,
        "CreateDeliveryStream",
        {"DeliveryStreamName": "h", "HttpEndpointDestinationConfiguration": endpoint},
    )

    assert created.status == 200
    still_answers(fake)


def test_null_for_a_required_member_must_not_be_null(fake):
    status, body = answer(send(fake, "DescribeDeliveryStream", {"DeliveryStreamName": None}))

    assert (status, body) == (
        400,
        {
            "__type": "ValidationException",
            "message": "1 validation error detected: Value null at 'deliveryStreamName' "
            "failed to satisfy constraint: Member must not be null",
        },
    )


def test_null_record_in_a_batch_must_not_be_null(fake):
    fake.firehose.create_delivery_stream("s")

    status, body = answer(
        send(fake, "PutRecordBatch", {"DeliveryStreamName": "s", "Records": [None]})
    )

    assert status == 400
    assert "Value null at 'records.1.member' failed" in body["message"]


def test_boto3_body_rewritten_with_a_null_is_not_trusted(fake, client):
    rewrite_body(
        client,
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "s",
            "ExtendedS3DestinationConfiguration": {**S3, "BufferingHints": None},
        },
    )

    client.create_delivery_stream(DeliveryStreamName="s")
    client.put_record(DeliveryStreamName="s", Record={"Data": b"a"})

    assert fake.firehose["s"].records == [b"a"]
    assert client.list_delivery_streams()["DeliveryStreamNames"] == ["s"]


# --------------------------------------------------------------------------- wrong types

MISMATCHES = [
    # (service, operation, body, message)
    (
        "firehose",
        "ListDeliveryStreams",
        {"Limit": "5"},
        "STRING_VALUE can not be converted to an Integer",
    ),
    (
        "firehose",
        "ListDeliveryStreams",
        {"Limit": True},
        "TRUE_VALUE can not be converted to an Integer",
    ),
    (
        "firehose",
        "ListDeliveryStreams",
        {"Limit": False},
        "FALSE_VALUE can not be converted to an Integer",
    ),
    (
        "firehose",
        "DescribeDeliveryStream",
        {"DeliveryStreamName": 5},
        "NUMBER_VALUE can not be converted to a String",
    ),
    (
        "firehose",
        "DescribeDeliveryStream",
        {"DeliveryStreamName": 5.5},
        "NUMBER_VALUE can not be converted to a String",
    ),
    (
        "firehose",
        "DescribeDeliveryStream",
        {"DeliveryStreamName": True},
        "TRUE_VALUE can not be converted to a String",
    ),
    (
        "firehose",
        "PutRecord",
        {"DeliveryStreamName": "s", "Record": {"Data": 5}},
        "NUMBER_VALUE can not be converted to a Blob",
    ),
    (
        "firehose",
        "PutRecord",
        {"DeliveryStreamName": "s", "Record": {"Data": False}},
        "FALSE_VALUE can not be converted to a Blob",
    ),
    ("kinesis", "ListStreams", {"Limit": "5"}, "STRING_VALUE can not be converted to an Integer"),
    (
        "kinesis",
        "GetShardIterator",
        {
            "StreamName": "k",
            "ShardId": "shardId-000000000000",
            "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": "2020-01-01",
        },
        "STRING_VALUE can not be converted to milliseconds since epoch",
    ),
    (
        "kinesis",
        "GetShardIterator",
        {
            "StreamName": "k",
            "ShardId": "shardId-000000000000",
            "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": True,
        },
        "TRUE_VALUE can not be converted to milliseconds since epoch",
    ),
    (
        "kinesis",
        "DeleteStream",
        {"StreamName": "k", "EnforceConsumerDeletion": 1},
        "NUMBER_VALUE can not be converted to a Boolean",
    ),
    # A string the front end cannot read as a Boolean; sic "an" (kinesalite's validations,
    # and a 2026 probe of another Coral JSON front end).
    (
        "kinesis",
        "DeleteStream",
        {"StreamName": "k", "EnforceConsumerDeletion": "maybe"},
        "STRING_VALUE can not be converted to an Boolean",
    ),
    # Containers (kinesalite's assertType for List, Map and Structure).
    (
        "firehose",
        "PutRecordBatch",
        {"DeliveryStreamName": "s", "Records": "abc"},
        "Expected list or null",
    ),
    (
        "firehose",
        "PutRecordBatch",
        {"DeliveryStreamName": "s", "Records": {"Data": "YQ=="}},
        "Start of structure or map found where not expected.",
    ),
    ("firehose", "PutRecordBatch", {"DeliveryStreamName": "s", "Records": [5]}, "Expected null"),
    (
        "firehose",
        "PutRecordBatch",
        {"DeliveryStreamName": "s", "Records": ["YQ=="]},
        "Expected null",
    ),
    (
        "firehose",
        "PutRecordBatch",
        {"DeliveryStreamName": "s", "Records": [[{"Data": "YQ=="}]]},
        "Start of list found where not expected",
    ),
    (
        "firehose",
        "PutRecord",
        {"DeliveryStreamName": "s", "Record": [{"Data": "YQ=="}]},
        "Start of list found where not expected",
    ),
    ("firehose", "PutRecord", {"DeliveryStreamName": "s", "Record": 5}, "Expected null"),
    ("firehose", "ListDeliveryStreams", {"Limit": [1]}, "Start of list found where not expected"),
    (
        "firehose",
        "ListDeliveryStreams",
        {"Limit": {"a": 1}},
        "Start of structure or map found where not expected.",
    ),
    ("kinesis", "AddTagsToStream", {"StreamName": "k", "Tags": "a=b"}, "Expected map or null"),
    (
        "kinesis",
        "AddTagsToStream",
        {"StreamName": "k", "Tags": [["a", "b"]]},
        "Start of list found where not expected",
    ),
    (
        "kinesis",
        "AddTagsToStream",
        {"StreamName": "k", "Tags": {"a": 5}},
        "NUMBER_VALUE can not be converted to a String",
    ),
    (
        "kinesis",
        "RemoveTagsFromStream",
        {"StreamName": "k", "TagKeys": [5]},
        "NUMBER_VALUE can not be converted to a String",
    ),
]


@pytest.mark.parametrize(("service", "operation", "body", "message"), MISMATCHES)
def test_a_value_of_the_wrong_json_type_is_named_by_its_token(
    fake, service, operation, body, message
):
    fake.firehose.create_delivery_stream("s")
    fake.kinesis.create_stream("k")

    assert answer(send(fake, operation, body, service)) == serialization(message)
    assert fake.firehose["s"].records == []
    still_answers(fake)


def test_boto3_sees_the_token_name_of_a_rewritten_body(fake, client):
    rewrite_body(client, "ListDeliveryStreams", {"Limit": "5"})

    with pytest.raises(ClientError) as caught:
        client.list_delivery_streams()

    assert caught.value.response["Error"] == {
        "Code": "SerializationException",
        "Message": "STRING_VALUE can not be converted to an Integer",
    }


def test_a_string_the_front_end_reads_as_a_boolean_is_accepted(fake):
    fake.kinesis.create_stream("k")

    deleted = send(
        fake, "DeleteStream", {"StreamName": "k", "EnforceConsumerDeletion": "TRUE"}, "kinesis"
    )

    assert deleted.status == 200


def test_a_fraction_for_an_integer_is_truncated(fake):
    # Athena's JSON 1.1 front end truncates a fraction (measured 2026); kinesalite floors.
    for name in ("a", "b", "c"):
        fake.firehose.create_delivery_stream(name)

    status, body = answer(send(fake, "ListDeliveryStreams", {"Limit": 2.9}))

    assert status == 200
    assert body["DeliveryStreamNames"] == ["a", "b"]


def test_a_number_past_an_integer_is_cut_to_the_largest_integer(fake):
    # kinesalite's tests (run against Kinesis) see 2147483648 become 2147483647.
    status, body = answer(send(fake, "ListDeliveryStreams", {"Limit": 10**30}))

    assert status == 400
    assert body["message"] == (
        "1 validation error detected: Value '2147483647' at 'limit' failed to satisfy "
        "constraint: Member must have value less than or equal to 10000"
    )


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("9" * 5000, "Value '2147483647' at 'limit' failed to satisfy constraint: Member must "
         "have value less than or equal to 10000"),
        ("-" + "9" * 5000, "Value '-2147483648' at 'limit' failed to satisfy constraint: Member "
         "must have value greater than or equal to 1"),
    ],
    ids=["positive", "negative"],
)  # fmt: skip
def test_a_number_of_thousands_of_digits_is_cut_as_any_number_past_an_integer(
    fake, digits, expected
):
    # Python reads no integer of more than 4,300 digits: such a body was refused as one
    # that is not JSON (SerializationException without a message), where 30 digits, or
    # 1e400, are cut to the Integer's range.
    response = send(fake, "ListDeliveryStreams", b'{"Limit": %s}' % digits.encode())

    assert answer(response) == (
        400,
        {"__type": "ValidationException", "message": f"1 validation error detected: {expected}"},
    )


def test_a_body_read_in_full_keeps_its_doubles(fake):
    # "true" for a Boolean sends the body the full way, which reads the Double too.
    serializer = {"OrcSerDe": {"PaddingTolerance": 0.25, "EnablePadding": "true"}}
    conversion = {
        "SchemaConfiguration": {"RoleARN": ROLE, "DatabaseName": "web", "TableName": "clicks"},
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": serializer},
    }
    destination = {**S3, "DataFormatConversionConfiguration": conversion}
    body = {"DeliveryStreamName": "orc", "ExtendedS3DestinationConfiguration": destination}
    assert send(fake, "CreateDeliveryStream", body).status == 200

    _, described = answer(send(fake, "DescribeDeliveryStream", {"DeliveryStreamName": "orc"}))

    (shown,) = described["DeliveryStreamDescription"]["Destinations"]
    output = shown["ExtendedS3DestinationDescription"]["DataFormatConversionConfiguration"]
    assert output["OutputFormatConfiguration"]["Serializer"] == {
        "OrcSerDe": {"PaddingTolerance": 0.25, "EnablePadding": True}
    }


# --------------------------------------------------------------------------- base64
# kinesalite's test/helpers.js, Blob (run against Kinesis): the three messages, "dectected"
# as AWS spells it.

BAD_BASE64 = {
    "23456": "Base64 encoded length is expected a multiple of 4 bytes but found: 5",
    "YQ===": "Base64 encoded length is expected a multiple of 4 bytes but found: 5",
    "=+/=": "Invalid Base64 character: '='",
    "ab!d": "Invalid Base64 character: '!'",
    "+/+=": "Invalid last non-pad Base64 character dectected",
    "YR==": "Invalid last non-pad Base64 character dectected",
}


@pytest.mark.parametrize(("data", "problem"), BAD_BASE64.items(), ids=BAD_BASE64.keys())
def test_raw_base64_that_is_not_canonical_is_refused_with_the_reason(fake, data, problem):
    fake.firehose.create_delivery_stream("s")

    response = send(
        fake, "PutRecordBatch", {"DeliveryStreamName": "s", "Records": [{"Data": data}]}
    )

    assert answer(response) == serialization(f"'{data}' can not be converted to a Blob: {problem}")
    assert fake.firehose["s"].records == []


@pytest.mark.parametrize("operation", ["PutRecord", "PutRecordBatch"])
def test_boto3_body_rewritten_with_bad_base64_is_checked_not_trusted(fake, client, operation):
    fake.firehose.create_delivery_stream("s")
    record = {"Data": "+/+="}
    body = {
        "DeliveryStreamName": "s",
        **({"Record": record} if operation == "PutRecord" else {"Records": [record]}),
    }
    rewrite_body(client, operation, body)

    with pytest.raises(ClientError) as caught:
        client.put_record_batch(
            DeliveryStreamName="s", Records=[{"Data": b"ok"}]
        ) if operation == "PutRecordBatch" else client.put_record(
            DeliveryStreamName="s", Record={"Data": b"ok"}
        )

    assert caught.value.response["Error"]["Message"] == (
        "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"
    )
    assert fake.firehose["s"].records == []


# --------------------------------------------------------------------------- unreadable JSON


@pytest.mark.parametrize(
    "body",
    [
        b'{"Limit": NaN}',
        b'{"Limit": Infinity}',
        b'{"Limit": -Infinity}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"DeliveryStreamName": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001,
        b'"s"',
        b"5",
        b"true",
    ],
    ids=[
        "nan",
        "infinity",
        "minus-infinity",
        "deep-list",
        "deep-object",
        "string",
        "number",
        "true",
    ],
)
def test_json_the_front_end_cannot_read_is_refused_without_message(fake, body):
    assert answer(send(fake, "ListDeliveryStreams", body)) == serialization(None)
    still_answers(fake)


def test_a_list_for_the_whole_body_is_a_list_where_not_expected(fake):
    # Athena's JSON 1.1 front end, measured 2026: "[]" has a message, '"x"' none.
    assert answer(send(fake, "ListDeliveryStreams", b"[]")) == serialization(
        "Start of list found where not expected"
    )


def _iterator_at(fake, seconds: float) -> Any:
    """GetShardIterator AT_TIMESTAMP ``seconds`` on a new stream ``k``, as sent."""
    fake.kinesis.create_stream("k")
    body = {
        "StreamName": "k",
        "ShardId": "shardId-000000000000",
        "ShardIteratorType": "AT_TIMESTAMP",
        "Timestamp": seconds,
    }
    return send(fake, "GetShardIterator", body, "kinesis")


@pytest.mark.parametrize("seconds", [1e20, -1e20, 1e300, 2.6e11])
def test_a_timestamp_no_date_can_hold_is_refused(fake, seconds):
    response = _iterator_at(fake, seconds)

    assert answer(response) == serialization(
        "NUMBER_VALUE can not be converted to milliseconds since epoch"
    )
    still_answers(fake)


EARLIEST = datetime(1, 1, 2, tzinfo=timezone.utc).timestamp()
LATEST = datetime(9999, 12, 30, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (EARLIEST - 0.001, "SerializationException"),
        (EARLIEST, None),
        # Read, then refused by Kinesis itself as a time still to come.
        (LATEST, "InvalidArgumentException"),
        (LATEST + 0.001, "SerializationException"),
    ],
)
def test_a_timestamp_is_read_up_to_a_day_inside_either_end_of_the_dates(fake, seconds, expected):
    status, said = answer(_iterator_at(fake, seconds))

    assert (status, said.get("__type")) == ((200, None) if expected is None else (400, expected))


def test_a_timestamp_of_1e300_written_in_json_overflowing_a_double_is_refused(fake):
    fake.kinesis.create_stream("k")
    body = (
        b'{"StreamName": "k", "ShardId": "shardId-000000000000", '
        b'"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": 1e400}'
    )

    response = send(fake, "GetShardIterator", body, "kinesis")

    assert answer(response) == serialization(
        "NUMBER_VALUE can not be converted to milliseconds since epoch"
    )


def test_boto3_partition_key_with_a_lone_surrogate_is_refused_at_the_wire(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="k", ShardCount=1)

    with pytest.raises(ClientError) as caught:
        kinesis_client.put_record(StreamName="k", Data=b"x", PartitionKey="a\ud800")

    assert caught.value.response["Error"] == {"Code": "SerializationException", "Message": ""}
    assert fake.kinesis["k"].records == []
    assert kinesis_client.put_record(StreamName="k", Data=b"x", PartitionKey="a\U0001f600")[
        "ShardId"
    ]


@pytest.mark.parametrize("escaped", [False, True], ids=["botocore-bytes", "json-escapes"])
def test_a_partition_key_of_astral_characters_is_measured_in_code_points(fake, escaped):
    # docs/fidelity.md: not on record; the Smithy spec measures a string's length in
    # Unicode scalar values, so 256 emoji (512 UTF-16 code units) fit a 256 limit.
    fake.kinesis.create_stream("k")

    def put(count: int) -> tuple[int, Any]:
        body = {"StreamName": "k", "Data": "eA==", "PartitionKey": "\U0001f600" * count}
        text = json.dumps(body, ensure_ascii=escaped).encode()
        return answer(send(fake, "PutRecord", text, "kinesis"))

    assert put(255)[0] == 200
    assert put(256)[0] == 200
    status, error = put(257)
    assert status == 400
    assert error["__type"] == "ValidationException"
    assert error["message"].endswith(
        "at 'partitionKey' failed to satisfy constraint: Member must have length less than "
        "or equal to 256"
    )
    assert len(fake.kinesis["k"].records) == 2


# --------------------------------------------------------------------------- patterns, enums


@pytest.mark.parametrize(
    ("key", "value"),
    [("foo!", "v"), ("aws:owner", "v"), ("team", "a#b")],
    ids=["key-symbol", "key-aws-prefix", "value-hash"],
)
def test_boto3_tag_outside_the_unicode_pattern_is_refused(fake, client, key, value):
    # The models' \p{L}\p{Z}\p{N} classes and the (?!aws:) look-ahead are enforced.
    fake.firehose.create_delivery_stream("s")

    with pytest.raises(ClientError) as caught:
        client.tag_delivery_stream(DeliveryStreamName="s", Tags=[{"Key": key, "Value": value}])

    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "Member must satisfy regular expression pattern: ^" in error["Message"]


def test_boto3_tags_in_any_script_are_accepted(fake, client):
    fake.firehose.create_delivery_stream("s")

    client.tag_delivery_stream(DeliveryStreamName="s", Tags=[{"Key": "équipe 三", "Value": "٣ ok"}])

    listed = client.list_tags_for_delivery_stream(DeliveryStreamName="s")["Tags"]
    assert listed == [{"Key": "équipe 三", "Value": "٣ ok"}]


def test_boto3_explicit_hash_key_of_non_ascii_digits_is_refused(fake, kinesis_client):
    # Java's \d is ASCII: Arabic-Indic digits do not match 0|([1-9]\d{0,38}). The message
    # quotes the model's pattern, which newer botocore releases anchor (^(...)$).
    put_record = kinesis_client.meta.service_model.operation_model("PutRecord")
    pattern = put_record.input_shape.members["ExplicitHashKey"].metadata["pattern"]
    assert "\\d" in pattern
    kinesis_client.create_stream(StreamName="k", ShardCount=1)

    with pytest.raises(ClientError) as caught:
        kinesis_client.put_record(
            StreamName="k", Data=b"x", PartitionKey="p", ExplicitHashKey="1\u0663"
        )

    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '1\u0663' at 'explicitHashKey' failed to satisfy "
        f"constraint: Member must satisfy regular expression pattern: {pattern}"
    )


def test_boto3_shard_iterator_type_lists_its_values_in_the_recorded_order(fake, kinesis_client):
    # kinesalite's test/getShardIterator.js, run against Kinesis.
    kinesis_client.create_stream(StreamName="k", ShardCount=1)

    with pytest.raises(ClientError) as caught:
        kinesis_client.get_shard_iterator(
            StreamName="k", ShardId="shardId-000000000000", ShardIteratorType="SIDEWAYS"
        )

    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'SIDEWAYS' at 'shardIteratorType' failed to "
        "satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, "
        "LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"
    )


def test_boto3_long_tag_key_gets_the_map_form_of_the_message(fake, kinesis_client):
    # kinesalite's test/addTagsToStream.js, run against Kinesis: every constraint of the key
    # listed, the maximum first; the map echoed as {key=value, ...}.
    kinesis_client.create_stream(StreamName="k", ShardCount=1)
    key = "k" * 129

    with pytest.raises(ClientError) as caught:
        kinesis_client.add_tags_to_stream(StreamName="k", Tags={"a": "1", key: "2"})

    assert caught.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '{{a=1, {key}=2}}' at 'tags' failed to satisfy "
        "constraint: Map keys must satisfy constraint: [Member must have length less than or "
        "equal to 128, Member must have length greater than or equal to 1]"
    )


def test_boto3_long_tag_value_gets_the_map_form_of_the_message_with_the_value_constraints(
    fake, kinesis_client
):
    kinesis_client.create_stream(StreamName="k", ShardCount=1)
    value = "v" * 257

    with pytest.raises(ClientError) as caught:
        kinesis_client.add_tags_to_stream(StreamName="k", Tags={"a": "1", "b": value})

    assert caught.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '{{a=1, b={value}}}' at 'tags' failed to satisfy "
        "constraint: Map value must satisfy constraint: [Member must have length less than or "
        "equal to 256, Member must have length greater than or equal to 0]"
    )


def test_a_null_tag_value_gets_the_map_form_of_the_message_with_not_null(fake):
    fake.kinesis.create_stream("k")
    body = {"StreamName": "k", "Tags": {"a": "1", "b": None}}

    status, said = answer(send(fake, "AddTagsToStream", body, "kinesis"))

    assert (status, said["__type"]) == (400, "ValidationException")
    assert said["message"] == (
        "1 validation error detected: Value '{a=1, b=null}' at 'tags' failed to satisfy "
        "constraint: Map value must satisfy constraint: [Member must not be null]"
    )
    _, listed = answer(send(fake, "ListTagsForStream", {"StreamName": "k"}, "kinesis"))
    assert listed["Tags"] == []


def test_boto3_long_tag_key_to_remove_gets_the_list_form_of_the_message(fake, kinesis_client):
    # kinesalite's test/removeTagsFromStream.js, run against Kinesis: a list of strings is
    # named as a whole, echoed as Java writes a list, with every constraint of its members.
    kinesis_client.create_stream(StreamName="k", ShardCount=1)
    key = "k" * 129

    with pytest.raises(ClientError) as caught:
        kinesis_client.remove_tags_from_stream(StreamName="k", TagKeys=["a", key, "b"])

    assert caught.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '[a, {key}, b]' at 'tagKeys' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must have length less than or "
        "equal to 128, Member must have length greater than or equal to 1]"
    )


def test_boto3_unknown_shard_level_metric_gets_the_list_form_of_the_message(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="k", ShardCount=1)

    with pytest.raises(ClientError) as caught:
        kinesis_client.enable_enhanced_monitoring(
            StreamName="k", ShardLevelMetrics=["IncomingBytes", "Outgoing"]
        )

    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '[IncomingBytes, Outgoing]' at 'shardLevelMetrics' "
        "failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy "
        "enum value set: [IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, "
        "WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, "
        "IteratorAgeMilliseconds, ALL]]"
    )
    assert kinesis_client.describe_stream_summary(StreamName="k")["StreamDescriptionSummary"][
        "EnhancedMonitoring"
    ] == [{"ShardLevelMetrics": []}]


def test_boto3_tag_key_outside_the_pattern_lists_the_pattern_after_the_lengths(fake, client):
    # The order of a member's constraints in the collection form, as captured from other
    # front ends (EventBridge's and ACM's answers): maximum, minimum, then the pattern.
    fake.firehose.create_delivery_stream("s")
    pattern = client.meta.service_model.shape_for("TagKey").metadata["pattern"]

    with pytest.raises(ClientError) as caught:
        client.untag_delivery_stream(DeliveryStreamName="s", TagKeys=["team", "aws:owner"])

    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '[team, aws:owner]' at 'tagKeys' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must have length less than or "
        "equal to 128, Member must have length greater than or equal to 1, Member must "
        f"satisfy regular expression pattern: {pattern}]"
    )


@pytest.mark.parametrize(
    ("operation", "body", "echoed", "rule"),
    [
        # kinesalite's test/addTagsToStream.js and test/removeTagsFromStream.js, run against
        # Kinesis: a map or a list of strings of the wrong size is echoed as Java writes it.
        ("AddTagsToStream", {"Tags": {}}, "Value '{}' at 'tags'", "greater than or equal to 1"),
        ("RemoveTagsFromStream", {"TagKeys": []}, "Value '[]' at 'tagKeys'",
         "greater than or equal to 1"),
        (
            "RemoveTagsFromStream",
            {"TagKeys": [str(n) for n in range(1, 52)]},
            f"Value '[{', '.join(str(n) for n in range(1, 52))}]' at 'tagKeys'",
            "less than or equal to 50",
        ),
        (
            "AddTagsToStream",
            {"Tags": {f"k{n}": str(n) for n in range(201)}},
            f"Value '{{{', '.join(f'k{n}={n}' for n in range(201))}}}' at 'tags'",
            "less than or equal to 200",
        ),
    ],
)  # fmt: skip
def test_a_map_or_a_list_of_strings_of_the_wrong_size_is_echoed(
    fake, operation, body, echoed, rule
):
    fake.kinesis.create_stream("k")

    status, answered = answer(send(fake, operation, {"StreamName": "k", **body}, "kinesis"))

    assert (status, answered["__type"]) == (400, "ValidationException")
    assert answered["message"] == (
        f"1 validation error detected: {echoed} failed to satisfy constraint: "
        f"Member must have length {rule}"
    )


def test_a_null_tag_key_to_remove_is_named_in_the_list_form(fake):
    fake.kinesis.create_stream("k")

    status, body = answer(
        send(fake, "RemoveTagsFromStream", {"StreamName": "k", "TagKeys": ["a", None]}, "kinesis")
    )

    assert (status, body["__type"]) == (400, "ValidationException")
    assert body["message"] == (
        "1 validation error detected: Value '[a, null]' at 'tagKeys' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must not be null]"
    )


#: A record of 26,000 bytes, 500 of them: 13 MB, over 16 MiB once base64 encoded.
OVERSIZED = [b"x" * 26_000] * 500


def test_a_body_over_the_limit_is_refused_413_before_any_service_reads_it(fake, client):
    """As the local server answers it: a bare 413 (AWS's answer to a body far too large),
    which botocore reports as the error code ``413``; nothing is stored or logged."""
    fake.firehose.create_delivery_stream("events")
    with pytest.raises(ClientError) as raised:
        client.put_record_batch(
            DeliveryStreamName="events", Records=[{"Data": data} for data in OVERSIZED]
        )
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert raised.value.response["Error"]["Code"] == "413"
    assert str(raised.value).startswith(
        "An error occurred (413) when calling the PutRecordBatch operation"
    )
    assert fake.firehose["events"].records == []
    assert [call.operation for call in fake.firehose.calls] == []


def test_a_kinesis_body_over_the_limit_is_refused_413(fake):
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    fake.kinesis.create_stream("s")
    with pytest.raises(ClientError) as raised:
        kinesis.put_records(
            StreamName="s", Records=[{"Data": data, "PartitionKey": "k"} for data in OVERSIZED]
        )
    assert raised.value.response["Error"]["Code"] == "413"
    assert fake.kinesis["s"].records == []


#: An instant with a fraction of a millisecond: AWS's times have none.
PAST_A_MILLISECOND = datetime(2026, 3, 1, 12, 0, 0, 759_999, tzinfo=timezone.utc)


def test_times_are_written_to_the_millisecond_never_past_the_instant() -> None:
    # AWS keeps times to the millisecond (Kinesis's CBOR carries epoch milliseconds; the
    # API reference's GetRecords example and Lambda's events show three decimals); the
    # fake wrote microseconds, and CBOR rounded .759999 up to .760, after the arrival.
    shown = repr(PAST_A_MILLISECOND.replace(microsecond=759_000).timestamp()).encode()
    with FirehoseFake(region="us-east-1", freeze_time=PAST_A_MILLISECOND) as fake:
        fake.kinesis.create_stream("s")
        client = boto3.client("kinesis", region_name="us-east-1")
        client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
        shard = {"StreamName": "s", "ShardId": "shardId-000000000000"}
        iterator = answer(
            send(
                fake, "GetShardIterator", {**shard, "ShardIteratorType": "TRIM_HORIZON"}, "kinesis"
            )
        )[1]["ShardIterator"]
        records = send(fake, "GetRecords", {"ShardIterator": iterator}, "kinesis").body
        summary = send(fake, "DescribeStreamSummary", {"StreamName": "s"}, "kinesis").body
        assert b'"ApproximateArrivalTimestamp":' + shown + b"," in records
        assert b'"StreamCreationTimestamp":' + shown + b"," in summary
        # A time read back names a moment at or before the record's: reading from it
        # finds the record.
        [read] = client.get_records(ShardIterator=iterator)["Records"]
        again = client.get_shard_iterator(
            **shard, ShardIteratorType="AT_TIMESTAMP", Timestamp=read["ApproximateArrivalTimestamp"]
        )["ShardIterator"]
        assert [r["Data"] for r in client.get_records(ShardIterator=again)["Records"]] == [b"x"]
    cbor2 = pytest.importorskip("cbor2")
    written = cbor.dumps({"At": PAST_A_MILLISECOND})
    tagged = cbor2.loads(written, semantic_decoders={1: lambda value, _immutable: value})
    assert tagged == {"At": int(PAST_A_MILLISECOND.timestamp() * 1000)}
