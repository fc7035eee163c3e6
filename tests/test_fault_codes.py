"""A scripted whole-call error agrees with the operation it hits: ``error=`` takes only a
code the operation can answer (its API model's errors, and those common to every
operation), ``throttle=`` answers with the operation's own throttle, and every message
reads as AWS's also when the request names no stream. ``.fail()``, the markers and the
control API refuse alike."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION, needs_botocore

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._doors.control import Control
from pytest_firehose._doors.control_input import ControlError
from pytest_firehose._engine.fault_codes import answerable, answering
from pytest_firehose._engine.world import World
from pytest_firehose._handles.firehose import FirehoseHandle
from pytest_firehose._handles.kinesis import KinesisHandle
from pytest_firehose._services.codes import CALL_ERRORS, COMMON_CODES, call_error
from pytest_firehose._wire.shapes import operation_model, operation_names

pytest_plugins = ["pytester"]

ONCE = Config(retries={"total_max_attempts": 1})


def _control_refusal(service: str, **fault: Any) -> str:
    world = World()
    control = Control(world, FirehoseHandle(world), KinesisHandle(world), lambda: "")
    body = json.dumps({"service": service, **fault}).encode()
    with pytest.raises(ControlError) as raised:
        control.answer("POST", "/_fake/faults", "", body)
    assert raised.value.status == 400
    return raised.value.message


def test_a_code_the_operation_never_answers_is_refused_naming_those_it_does(
    fake: FirehoseFake,
) -> None:
    # A KMS error on ListStreams: the stream list involves no key, and AWS never sends it.
    with pytest.raises(UsageError) as raised:
        fake.kinesis.fail(error="KMSDisabledException", operation="ListStreams")

    message = str(raised.value)
    assert message.startswith("ListStreams never answers 'KMSDisabledException'")
    listed = message.partition("Codes ListStreams answers: ")[2].partition(".")[0].split(", ")
    assert listed == sorted(answerable("kinesis", "ListStreams"))
    assert "ExpiredNextTokenException" in listed
    assert "LimitExceededException" in listed
    named = message.partition("Give operation= one that answers it: ")[2].rstrip(".").split(", ")
    assert named == answering("kinesis", "KMSDisabledException")
    assert {"GetRecords", "PutRecord", "PutRecords"} <= set(named)
    assert fake.kinesis.faults == []


def test_a_code_the_operation_answers_is_scripted(fake: FirehoseFake, kinesis_client: Any) -> None:
    fake.kinesis.create_stream("s")
    fake.kinesis.fail(error="ExpiredNextTokenException", operation="ListStreams")

    with pytest.raises(ClientError) as raised:
        kinesis_client.list_streams()

    assert raised.value.response["Error"]["Code"] == "ExpiredNextTokenException"


def test_without_operation_a_code_no_put_answers_is_refused(fake: FirehoseFake) -> None:
    # Only UpdateDestination answers a stale version; a fault on the puts would never fire.
    with pytest.raises(UsageError) as raised:
        fake.firehose.fail(error="ConcurrentModificationException")

    assert str(raised.value) == (
        "error='ConcurrentModificationException' without operation= hits PutRecord and "
        "PutRecordBatch, which never answer it. Give operation= one that answers it: "
        "UpdateDestination."
    )
    fake.firehose.fail(error="ConcurrentModificationException", operation="UpdateDestination")


@pytest.mark.parametrize(
    ("service", "fault"),
    [
        ("kinesis", {"error": "KMSDisabledException", "operation": "ListStreams"}),
        ("firehose", {"error": "ResourceInUseException"}),
        ("firehose", {"error": "InvalidSourceException", "operation": "DescribeDeliveryStream"}),
    ],
)
def test_the_control_api_refuses_what_fail_refuses_in_its_own_terms(
    service: str, fault: dict[str, str]
) -> None:
    with FirehoseFake() as fake, pytest.raises(UsageError) as raised:
        getattr(fake, service).fail(**fault)

    refused = _control_refusal(service, **fault)

    as_json = str(raised.value).replace("operation=", '"operation"').replace("error=", '"error": ')
    assert refused == as_json.replace("'", '"')


def test_a_marker_refuses_what_fail_refuses(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.kinesis_fail(error="KMSDisabledException", operation="ListStreams")
        def test_inner(kinesis):
            pass
        """
    )
    result = pytester.runpytest("-p", "firehose", "-p", "no:randomly")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.kinesis_fail(error='KMSDisabledException', operation='ListStreams'): "
            "ListStreams never answers 'KMSDisabledException'*"
        ]
    )


def test_an_event_stream_error_is_scripted_on_subscribe_to_shard(fake: FirehoseFake) -> None:
    # SubscribeToShard's answer does not list it, its event stream carries it.
    fake.kinesis.fail(error="KMSNotFoundException", operation="SubscribeToShard")
    with pytest.raises(UsageError, match="SubscribeToShard never answers 'ExpiredIterator"):
        fake.kinesis.fail(error="ExpiredIteratorException", operation="SubscribeToShard")


def test_validation_is_common_only_to_operations_that_take_parameters() -> None:
    assert "ValidationException" in answerable("firehose", "PutRecordBatch")
    assert "ValidationException" not in answerable("kinesis", "DescribeLimits")
    assert {"AccessDeniedException", "ThrottlingException"} <= answerable(
        "firehose", "ListDeliveryStreams"
    )


def test_throttle_answers_with_the_throttle_of_the_operation_it_hits(
    fake: FirehoseFake,
) -> None:
    fake.kinesis.create_stream("s")
    fake.firehose.create_delivery_stream("d")
    fake.kinesis.fail(throttle=True, operation="ListShards")
    fake.firehose.fail(throttle=True, operation="DescribeDeliveryStream")
    kinesis = boto3.client("kinesis", region_name=REGION, config=ONCE)
    firehose = boto3.client("firehose", region_name=REGION, config=ONCE)

    with pytest.raises(ClientError) as listed:
        kinesis.list_shards(StreamName="s")
    with pytest.raises(ClientError) as described:
        firehose.describe_delivery_stream(DeliveryStreamName="d")

    # Kinesis's control plane throttles with LimitExceededException, Firehose's with
    # ThrottlingException: neither operation lists the puts' throttle.
    assert listed.value.response["Error"] == {
        "Code": "LimitExceededException",
        "Message": "Rate exceeded for stream s under account 123456789012.",
    }
    assert described.value.response["Error"] == {
        "Code": "ThrottlingException",
        "Message": "Rate exceeded",
    }


def test_a_throttled_put_keeps_the_services_throttle(fake: FirehoseFake) -> None:
    fake.kinesis.create_stream("s")
    fake.kinesis.fail(throttle=True)
    kinesis = boto3.client("kinesis", region_name=REGION, config=ONCE)

    with pytest.raises(ClientError) as raised:
        kinesis.put_record(StreamName="s", Data=b"a", PartitionKey="k")

    assert raised.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"


def test_a_throttled_put_to_a_stream_the_account_lacks_names_its_first_shard(
    fake: FirehoseFake,
) -> None:
    fake.kinesis.fail(throttle=True)
    kinesis = boto3.client("kinesis", region_name=REGION, config=ONCE)

    with pytest.raises(ClientError) as raised:
        kinesis.put_record(StreamName="missing", Data=b"a", PartitionKey="k")

    assert raised.value.response["Error"] == {
        "Code": "ProvisionedThroughputExceededException",
        "Message": "Rate exceeded for shard shardId-000000000000 in stream missing under "
        "account 123456789012.",
    }


def test_a_throttled_put_names_the_shard_its_first_record_would_go_to(
    fake: FirehoseFake,
) -> None:
    fake.kinesis.create_stream("s", shard_count=2)
    fake.kinesis.fail(throttle=3)
    kinesis = boto3.client("kinesis", region_name=REGION, config=ONCE)
    # md5("alpha") is below 2**127 and md5("beta") above: shards 0 and 1.
    first_on_0 = [{"Data": b"a", "PartitionKey": "alpha"}, {"Data": b"b", "PartitionKey": "beta"}]
    puts = [
        lambda: kinesis.put_records(StreamName="s", Records=first_on_0),
        lambda: kinesis.put_records(StreamName="s", Records=first_on_0[::-1]),
        # The highest hash key there is goes to the last shard.
        lambda: kinesis.put_record(
            StreamName="s", Data=b"a", PartitionKey="alpha", ExplicitHashKey=str(2**128 - 1)
        ),
    ]

    shards = []
    for put in puts:
        with pytest.raises(ClientError) as raised:
            put()
        shards.append(raised.value.response["Error"]["Message"].split()[4])

    assert shards == ["shardId-000000000000", "shardId-000000000001", "shardId-000000000001"]


def test_errors_of_a_call_that_names_no_stream_name_none(fake: FirehoseFake) -> None:
    fake.kinesis.fail(error="LimitExceededException", operation="ListStreams")
    fake.kinesis.fail(error="AccessDeniedException", operation="ListStreams")
    fake.firehose.fail(error="AccessDeniedException", operation="ListDeliveryStreams")
    kinesis = boto3.client("kinesis", region_name=REGION, config=ONCE)
    firehose = boto3.client("firehose", region_name=REGION, config=ONCE)

    messages = []
    for call in (kinesis.list_streams, kinesis.list_streams, firehose.list_delivery_streams):
        with pytest.raises(ClientError) as raised:
            call()
        messages.append(raised.value.response["Error"]["Message"])

    assert messages == [
        "Rate exceeded for account 123456789012.",
        "User: arn:aws:sts::123456789012:assumed-role/test/session is not authorized to "
        "perform: kinesis:ListStreams because no identity-based policy allows the "
        "kinesis:ListStreams action",
        "User: arn:aws:sts::123456789012:assumed-role/test/session is not authorized to "
        "perform: firehose:ListDeliveryStreams because no identity-based policy allows the "
        "firehose:ListDeliveryStreams action",
    ]


def test_an_access_refusal_of_a_named_stream_names_its_arn(fake: FirehoseFake) -> None:
    fake.kinesis.create_stream("s")
    fake.kinesis.fail(error="AccessDeniedException", operation="DescribeStreamSummary")
    kinesis = boto3.client("kinesis", region_name=REGION, config=ONCE)

    with pytest.raises(ClientError) as raised:
        kinesis.describe_stream_summary(StreamName="s")

    assert (
        "kinesis:DescribeStreamSummary on resource: arn:aws:kinesis:us-east-1:123456789012:"
        "stream/s because" in raised.value.response["Error"]["Message"]
    )


#: The members that name what a message names: an operation that requires one always has it.
_NAMING = {"DeliveryStreamName", "StreamName", "ConsumerARN", "QueueARN", "ChannelARN"}
#: What a message that names an empty stream, ARN or resource reads like.
_EMPTY_NAME = re.compile(r"  |stream/ |stream/$|deliverystream/ | : | \.|^ | $|\{")


@pytest.mark.parametrize("service", ["firehose", "kinesis"])
def test_no_scripted_message_names_an_empty_stream(service: str) -> None:
    # Every code every operation can answer, for a request that names nothing: ListStreams,
    # a queue's ARN the fake does not know, a ListShards page token.
    with FirehoseFake() as fake:
        model = fake.world.service(service)
        context = {**model.error_context({}), "operation": "Op"}
    assert context["stream"] == ""
    assert context["arn"] == ""
    unnamed = [
        operation
        for operation in sorted(operation_names(service))
        if not _NAMING & set(operation_model(service, operation).input_shape.required_members)
    ]
    assert "ListStreams" in unnamed or "ListDeliveryStreams" in unnamed
    rendered = {
        (operation, code): call_error(service, operation, code).render(**context)
        for operation in unnamed
        for code in sorted(answerable(service, operation))
    }
    empty = {key: text for key, text in rendered.items() if text and _EMPTY_NAME.search(text)}
    assert empty == {}


def test_the_common_codes_are_scripted_by_both_services() -> None:
    assert {
        "AccessDeniedException",
        "ExpiredTokenException",
        "InternalFailure",
        "ServiceUnavailable",
        "ThrottlingException",
        "UnrecognizedClientException",
        "ValidationException",
    } == COMMON_CODES
    assert CALL_ERRORS["firehose"].keys() & CALL_ERRORS["kinesis"].keys() >= COMMON_CODES


@needs_botocore("kinesis DescribeQueue")
def test_a_queue_not_found_is_named_as_a_queue(fake: FirehoseFake) -> None:
    arn = "arn:aws:kinesis:us-east-1:123456789012:queue/12345678901234567890"
    fake.kinesis.fail(error="ResourceNotFoundException", operation="DescribeQueue")
    kinesis = boto3.client("kinesis", region_name=REGION, config=ONCE)

    with pytest.raises(ClientError) as raised:
        kinesis.describe_queue(QueueARN=arn)

    assert raised.value.response["Error"]["Message"] == f"Queue {arn} not found."


def test_the_codes_an_operation_answers_are_those_of_its_newest_model() -> None:
    """A code newer API models list (botocore 1.44) is answered with any supported release:
    AWS sends it whatever the client's models say."""
    assert "InternalFailureException" in answerable("kinesis", "GetRecords")
    assert "InvalidSourceException" in answerable("firehose", "PutRecordBatch")
