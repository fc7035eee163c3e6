"""Lambda data transformation: the event a registered handler receives, and its answer
applied as Firehose applies it (delivered, dropped, the processing-failed error output)."""

from __future__ import annotations

import base64
import decimal
import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import FROM_KINESIS, LANDING, REGION, S3, s3_stream

from pytest_firehose import FirehoseFake, UsageError

ACCOUNT = "123456789012"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-transform"


def processing(arn: str = FUNCTION, **parameters: str) -> dict[str, Any]:
    """A ProcessingConfiguration with one Lambda processor."""
    given = [{"ParameterName": "LambdaArn", "ParameterValue": arn}]
    given += [{"ParameterName": k, "ParameterValue": v} for k, v in parameters.items()]
    return {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": given}]}


def transforming(fake: FirehoseFake, arn: str = FUNCTION, **parameters: str) -> Any:
    return s3_stream(fake, ProcessingConfiguration=processing(arn, **parameters))


def put(*payloads: bytes, client: Any = None) -> None:
    """PutRecordBatch to "events" (with ``client``: made before moto's ``mock_aws``, which
    would answer a Firehose client made inside it)."""
    client = client or boto3.client("firehose", region_name=REGION)
    client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": p} for p in payloads])


def answer_each(decide: Callable[[bytes], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A handler answering for each record what ``decide`` says of its data."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {
            "records": [
                {"recordId": r["recordId"], **decide(base64.b64decode(r["data"]))}
                for r in event["records"]
            ]
        }

    return handler


def recording(fake: FirehoseFake) -> list[dict[str, Any]]:
    """Register a function "orders-transform" that answers Ok for every record; the events
    it is invoked with."""
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        events.append(event)
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function("orders-transform", handler)
    return events


def ok(data: bytes) -> dict[str, Any]:
    return {"result": "Ok", "data": base64.b64encode(data).decode()}


FAILED = {"result": "ProcessingFailed"}


def enrich(data: bytes) -> dict[str, Any]:
    order = json.loads(data)
    return ok(json.dumps({**order, "currency": "EUR"}).encode() + b"\n")


#: Parses the event on standard input with aws-lambda-powertools' model of Firehose's event.
#: In a process of its own: freezegun, scanning every loaded module when a test freezes
#: time, would set off powertools' lazy imports under a fake datetime in this one.
_POWERTOOLS_PARSE = (
    "import json, sys\n"
    "from aws_lambda_powertools.utilities.parser.models import KinesisFirehoseModel\n"
    "event = KinesisFirehoseModel.model_validate(json.load(sys.stdin))\n"
    "print(json.dumps([record.data.decode() for record in event.records]))\n"
)


def powertools_data(event: dict[str, Any]) -> list[str]:
    """The records' data as aws-lambda-powertools parses the event (it fails on an event
    that is not Firehose's)."""
    parsed = subprocess.run(
        [sys.executable, "-c", _POWERTOOLS_PARSE],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stderr
    data: list[str] = json.loads(parsed.stdout)
    return data


def error_records(stream: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for obj in stream.error_objects for line in obj.body.splitlines()]


# --------------------------------------------------------------------------- the answer


def test_ok_records_are_delivered_with_the_data_the_function_returned(
    fake: FirehoseFake,
) -> None:
    fake.firehose.lambda_function("orders-transform", answer_each(enrich))
    stream = transforming(fake)

    put(b'{"id": 1}', b'{"id": 2}')

    stream.assert_delivered(
        [b'{"id": 1, "currency": "EUR"}\n', b'{"id": 2, "currency": "EUR"}\n'], ordered=True
    )
    assert stream.records == [b'{"id": 1}', b'{"id": 2}']
    assert stream.dropped == []
    assert stream.processing_failed == []


def test_dropped_records_end_there(fake: FirehoseFake) -> None:
    fake.firehose.lambda_function(
        "orders-transform",
        answer_each(lambda data: {"result": "Dropped"} if b"test" in data else ok(data)),
    )
    stream = transforming(fake)

    put(b"order-1\n", b"test-order\n", b"order-2\n")

    stream.assert_delivered([b"order-1\n", b"order-2\n"])
    assert stream.dropped == [b"test-order\n"]
    assert stream.error_objects == []


def test_ok_with_empty_data_delivers_an_empty_record(fake: FirehoseFake) -> None:
    # Firehose takes empty records (docs/fidelity.md): a batch of nothing else is one
    # object of zero bytes, as the same records put directly make.
    fake.firehose.lambda_function("orders-transform", answer_each(lambda data: ok(b"")))
    stream = transforming(fake)

    put(b"order-1\n", b"order-2\n")
    fake.firehose.flush()

    assert stream.delivered == [b"", b""]
    assert [obj.body for obj in stream.objects] == [b""]
    assert (stream.dropped, stream.processing_failed) == ([], [])


def test_processing_failed_records_go_to_the_error_output_in_aws_error_record_json(
    fake: FirehoseFake,
) -> None:
    fake.firehose.lambda_function(
        "orders-transform",
        answer_each(lambda data: {"result": "ProcessingFailed"} if b"bad" in data else ok(data)),
    )
    stream = transforming(fake)
    arrived = fake.firehose.clock.now()

    put(b"good\n", b"bad\n")
    fake.firehose.clock.advance(seconds=60)

    assert stream.processing_failed == [b"bad\n"]
    (obj,) = stream.error_objects
    assert obj.key.startswith(f"processing-failed/{arrived:%Y/%m/%d/%H}/events-1-")
    millis = int(arrived.timestamp() * 1000)
    # The record as AWS writes it today, key order and the capital ARN included (objects
    # captured from AWS in 2025 and 2026).
    assert obj.body.decode() == (
        json.dumps(
            {
                "rawData": base64.b64encode(b"bad\n").decode(),
                "errorCode": "Lambda.ProcessingFailedStatus",
                "errorMessage": "ProcessingFailed status set for record",
                "attemptsMade": 1,
                "arrivalTimestamp": millis,
                "attemptEndingTimestamp": millis + 60_000,
                "lambdaARN": FUNCTION,
            },
            separators=(",", ":"),
        )
        + "\n"
    )
    stream.assert_delivered([b"good\n"])


@pytest.mark.parametrize(
    ("error_prefix", "folders"),
    [
        ("errors/!{firehose:error-output-type}/!{timestamp:yyyy}/", "processing-failed/{year}/"),
        # The only expression evaluated, no date folders are added.
        ("errors/!{firehose:error-output-type}/", "processing-failed/"),
    ],
)
def test_the_error_prefix_names_the_error_output_type(
    fake: FirehoseFake, error_prefix: str, folders: str
) -> None:
    fake.firehose.lambda_function(
        "orders-transform", answer_each(lambda data: {"result": "ProcessingFailed"})
    )
    stream = s3_stream(
        fake,
        Prefix="data/!{timestamp:yyyy}/",
        ErrorOutputPrefix=error_prefix,
        CompressionFormat="GZIP",
        ProcessingConfiguration=processing(),
    )
    year = fake.firehose.clock.now().year

    put(b"x")
    stream.flush()

    (obj,) = stream.error_objects
    assert obj.key.startswith(f"errors/{folders.format(year=year)}events-1-")
    assert obj.key.endswith(".gz")
    assert obj.content_encoding == "gzip"
    assert json.loads(gzip.decompress(obj.body))["errorCode"] == "Lambda.ProcessingFailedStatus"


# --------------------------------------------------------------------------- failures


def test_a_raising_handler_is_retried_then_every_record_fails_with_function_error(
    fake: FirehoseFake,
) -> None:
    def handler(event: dict[str, Any], context: Any) -> Any:
        raise KeyError("customer")

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake)

    put(b"a", b"b")
    stream.flush()

    assert len(stream.invocations) == 4  # the first try and NumberOfRetries (3) more
    assert all(isinstance(i.error, KeyError) for i in stream.invocations)
    assert len({i.event["invocationId"] for i in stream.invocations}) == 4
    records = error_records(stream)
    assert [(r["errorCode"], r["attemptsMade"]) for r in records] == [
        ("Lambda.FunctionError", 4)
    ] * 2
    assert records[0]["errorMessage"] == (
        "The Lambda function was successfully invoked but it returned an error result."
    )
    assert stream.processing_failed == [b"a", b"b"]
    assert stream.delivered == []


def test_number_of_retries_counts_the_retries(fake: FirehoseFake) -> None:
    calls: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        calls.append(1)
        raise RuntimeError("down")

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake, NumberOfRetries="0")

    put(b"a")
    stream.flush()

    assert len(calls) == 1
    assert error_records(stream)[0]["attemptsMade"] == 1


def test_a_handler_that_runs_past_its_timeout_on_the_fake_clock_timed_out(
    fake: FirehoseFake,
) -> None:
    def handler(event: dict[str, Any], context: Any) -> Any:
        fake.firehose.clock.advance(seconds=4)  # the function's timeout is 3 s
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake, NumberOfRetries="1")

    put(b"a")
    stream.flush()

    assert [i.timed_out for i in stream.invocations] == [True, True]
    assert all(i.answer is None for i in stream.invocations)
    (record,) = error_records(stream)
    assert record["errorCode"] == "Lambda.FunctionTimedOut"
    assert record["errorMessage"] == (
        "The Lambda function invocation timed out. Increase the Timeout setting in the "
        "Lambda function."
    )
    assert record["attemptsMade"] == 2
    assert record["attemptEndingTimestamp"] - record["arrivalTimestamp"] == 8_000
    # A timed-out invocation failed, though its handler returned a good answer.
    with pytest.raises(AssertionError) as failed:
        stream.assert_delivered([b"a"])
    assert str(failed.value).endswith(
        "\n  the Lambda processor's last failed invocation: timed out"
    )


def test_a_longer_function_timeout_lets_the_handler_finish(fake: FirehoseFake) -> None:
    def handler(event: dict[str, Any], context: Any) -> Any:
        assert context.get_remaining_time_in_millis() == 10_000
        fake.firehose.clock.advance(seconds=4)
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function("orders-transform", handler, timeout=10)
    stream = transforming(fake)

    put(b"a")

    stream.assert_delivered([b"a"])


@pytest.mark.parametrize(
    ("answer", "code", "why"),
    [
        pytest.param(
            lambda ids: {"records": [{"recordId": "not-sent", "result": "Ok", "data": ""}]},
            "Lambda.MissingRecordId",
            "1 recordId(s) sent were not answered, 1 answered were never sent",
            id="unknown-record-id",
        ),
        pytest.param(
            lambda ids: {"records": []},
            "Lambda.MissingRecordId",
            "1 recordId(s) sent were not answered, 0 answered were never sent",
            id="none",
        ),
        pytest.param(
            lambda ids: {"records": [{"recordId": ids[0], "result": "Dropped"}] * 2},
            "Lambda.DuplicatedRecordId",
            "recordId '{id}' answered twice",
            id="duplicated",
        ),
        pytest.param(
            lambda ids: {"records": [{"recordId": ids[0], "result": "Ok", "data": "not base64!"}]},
            "Lambda.JsonProcessingException",
            "records[0].data is not valid base64",
            id="bad-base64",
        ),
        pytest.param(
            lambda ids: {"records": [{"recordId": ids[0], "result": "Fine", "data": ""}]},
            "Lambda.JsonProcessingException",
            "records[0].result is 'Fine', not one of Ok, Dropped, ProcessingFailed",
            id="unknown-result",
        ),
        pytest.param(
            lambda ids: [ids[0]],
            "Lambda.JsonProcessingException",
            'the answer is not {{"records": [...]}}',
            id="not-an-object",
        ),
    ],
)
def test_an_answer_off_the_status_model_fails_every_record_without_retrying(
    fake: FirehoseFake, answer: Callable[[list[str]], Any], code: str, why: str
) -> None:
    sent: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        sent.extend(r["recordId"] for r in event["records"])
        return answer([r["recordId"] for r in event["records"]])

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake)

    put(b"a")
    stream.flush()

    assert len(stream.invocations) == 1
    (record,) = error_records(stream)
    assert (record["errorCode"], record["attemptsMade"]) == (code, 1)
    assert stream.delivered == []
    assert stream.dropped == []
    # A failed assertion says what in the answer Firehose refused: the error object
    # holds only the code.
    with pytest.raises(AssertionError) as failed:
        stream.assert_delivered([b"a"])
    assert str(failed.value).endswith(
        "\n  processing-failed (1): [b'a']"
        f"\n  the Lambda processor's last answer Firehose refused: {code}: "
        + why.format(id=sent[0])
    )


def test_a_handler_that_exits_the_runtime_is_a_function_error(fake: FirehoseFake) -> None:
    def handler(event: dict[str, Any], context: Any) -> Any:
        sys.exit(1)

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake, NumberOfRetries="0")

    put(b"a")
    stream.flush()

    assert isinstance(stream.invocations[0].error, SystemExit)
    assert error_records(stream)[0]["errorCode"] == "Lambda.FunctionError"


def test_an_answer_lambda_cannot_serialize_is_a_function_error(fake: FirehoseFake) -> None:
    fake.firehose.lambda_function("orders-transform", lambda event, context: {"records": {1, 2}})
    stream = transforming(fake, NumberOfRetries="0")

    put(b"a")
    stream.flush()

    assert isinstance(stream.invocations[0].error, TypeError)
    assert error_records(stream)[0]["errorCode"] == "Lambda.FunctionError"
    # What the handler returned stays readable: the very object, as no JSON carries it.
    assert stream.invocations[0].answer == {"records": {1, 2}}


def test_the_answer_is_read_as_lambda_returns_it_in_json(fake: FirehoseFake) -> None:
    """Lambda writes the handler's answer as JSON: a tuple is an array, a Decimal (what
    boto3's DynamoDB resource reads numbers as) a number; Firehose reads that."""

    def handler(event: dict[str, Any], context: Any) -> Any:
        entries = tuple({"recordId": r["recordId"], **ok(b"x")} for r in event["records"])
        return {"records": entries, "checked": decimal.Decimal("1.5")}

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake)

    put(b"a", b"b")

    stream.assert_delivered([b"x", b"x"])
    assert stream.invocations[0].answer["checked"] == 1.5
    assert stream.invocations[0].error is None


def test_a_handler_changing_its_event_in_place_leaves_the_event_sent(fake: FirehoseFake) -> None:
    """Lambda hands the handler the event as read from JSON, its own copy: one that fills
    in its records and returns them leaves ``invocations[...].event`` as Firehose sent it."""

    def handler(event: dict[str, Any], context: Any) -> Any:
        for record in event["records"]:
            record.update(ok(base64.b64decode(record["data"]).upper()))
        return {"records": event["records"]}

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake)

    put(b"a")

    stream.assert_delivered([b"A"])
    (sent,) = stream.invocations[0].event["records"]
    assert (sent["data"], "result" in sent) == (base64.b64encode(b"a").decode(), False)


# --------------------------------------------------------------------------- registration


def test_an_unregistered_function_fails_its_records_and_says_how_to_register(
    fake: FirehoseFake,
) -> None:
    stream = transforming(fake, NumberOfRetries="0")

    put(b"a")
    with pytest.raises(AssertionError) as caught:
        stream.assert_delivered([b"a"])

    assert f"firehose.lambda_function('{FUNCTION}', handler)" in str(caught.value)
    (record,) = error_records(stream)
    assert record["errorCode"] == "Lambda.ResourceNotFound"
    assert stream.invocations == []


def test_a_name_answers_for_every_alias_and_a_qualified_registration_wins(
    fake: FirehoseFake,
) -> None:
    seen: list[tuple[str, str]] = []

    def handler(tag: str) -> Callable[..., Any]:
        def run(event: dict[str, Any], context: Any) -> Any:
            seen.append((tag, context.invoked_function_arn))
            return answer_each(ok)(event, context)

        return run

    fake.firehose.lambda_function("orders-transform", handler("any"))
    live = transforming(fake, f"{FUNCTION}:live")
    put(b"a")
    live.flush()
    fake.firehose.lambda_function(f"{FUNCTION}:live", handler("live"))
    put(b"b")
    live.flush()

    assert seen == [("any", f"{FUNCTION}:live"), ("live", f"{FUNCTION}:live")]
    live.assert_delivered([b"a", b"b"])


def test_a_failed_assert_delivered_says_which_records_went_to_the_error_output(
    fake: FirehoseFake,
) -> None:
    """A handler that answers ``data`` as bytes (not base64 text) fails its invocation: the
    message said only that the upper-cased records were missing."""

    def upper(data: bytes) -> dict[str, Any]:
        if data == b"drop":
            return {"result": "Dropped"}
        return {"result": "Ok", "data": base64.b64encode(data.upper())}  # bytes: no JSON

    fake.firehose.lambda_function(FUNCTION, answer_each(upper))
    stream = transforming(fake, NumberOfRetries="0")
    put(b"a", b"drop")

    with pytest.raises(AssertionError) as failed:
        stream.assert_delivered([b"A"])

    assert str(failed.value).endswith(
        "\nsent elsewhere instead (stream.error_objects hold the error records, with their "
        "errorCode):"
        "\n  processing-failed (2): [b'a', b'drop']"
        "\n  the Lambda processor's last failed invocation: TypeError: Object of type bytes is "
        "not JSON serializable"
    )


def test_a_failed_assert_delivered_lists_the_records_the_transformation_dropped(
    fake: FirehoseFake,
) -> None:
    fake.firehose.lambda_function(
        FUNCTION, answer_each(lambda data: {"result": "Dropped"} if data == b"b" else ok(data))
    )
    stream = transforming(fake)
    put(b"a", b"b")

    with pytest.raises(AssertionError) as failed:
        stream.assert_delivered([b"a", b"b"])

    assert str(failed.value).endswith(
        "\nsent elsewhere instead (stream.error_objects hold the error records, with their "
        "errorCode):"
        "\n  dropped by the transformation (1): [b'b']"
    )


def test_a_qualified_registration_does_not_answer_for_the_bare_name(fake: FirehoseFake) -> None:
    fake.firehose.lambda_function("orders-transform:7", answer_each(ok))
    stream = transforming(fake, NumberOfRetries="0")

    put(b"a")
    stream.flush()

    assert error_records(stream)[0]["errorCode"] == "Lambda.ResourceNotFound"
    (error,) = stream.delivery_errors
    assert f"{FUNCTION}:7" in str(error)  # the registered ones are listed
    assert f"{error.at.isoformat()} delivery of 1 record(s) from 'events' raised UsageError: " in (
        str(error)
    )


@pytest.mark.parametrize("registered", ["orders-transform:7", "orders-transform"])
def test_a_version_qualifier_is_the_function_version_the_handler_sees(
    fake: FirehoseFake, registered: str
) -> None:
    versions: list[tuple[str, str]] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        versions.append((context.function_version, os.environ["AWS_LAMBDA_FUNCTION_VERSION"]))
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function(registered, handler)  # the unqualified one: every version
    stream = transforming(fake, f"{FUNCTION}:7")
    put(b"a")
    stream.flush()

    assert versions == [("7", "7")]


@pytest.mark.parametrize("name", ["", "arn:aws:lambda:us-east-1:1:function:x", "a b"])
def test_a_name_that_is_no_function_is_refused(fake: FirehoseFake, name: str) -> None:
    with pytest.raises(UsageError, match="names no Lambda function"):
        fake.firehose.lambda_function(name, answer_each(ok))


def test_a_handler_must_be_callable(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError, match=r"callable taking \(event, context\)"):
        fake.firehose.lambda_function("orders-transform", "handler.main")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"BufferSizeInMBs": "4"}, "BufferSizeInMBs must be a number between 0.2 and 3"),
        ({"BufferIntervalInSeconds": "soon"}, "BufferIntervalInSeconds must be a whole number"),
        ({"BufferIntervalInSeconds": "90.5"}, "BufferIntervalInSeconds must be a whole number"),
        (
            {"BufferIntervalInSeconds": "-1"},
            "BufferIntervalInSeconds must be a whole number between 0 and 900",
        ),
        (
            {"BufferIntervalInSeconds": "901"},
            "BufferIntervalInSeconds must be a whole number between 0 and 900",
        ),
        ({"NumberOfRetries": "301"}, "NumberOfRetries must be a whole number between 0 and 300"),
        ({"NumberOfRetries": "1.5"}, "NumberOfRetries must be a whole number between 0 and 300"),
        ({"NumberOfRetries": "1e0"}, "NumberOfRetries must be a whole number between 0 and 300"),
        ({"RoleArn": "firehose-role"}, "RoleArn must be an IAM role ARN"),
    ],
)
def test_processor_parameters_out_of_range_are_refused(
    fake: FirehoseFake, parameters: dict[str, str], message: str
) -> None:
    client = boto3.client("firehose", region_name=REGION)
    with pytest.raises(ClientError) as caught:
        client.create_delivery_stream(
            DeliveryStreamName="events",
            ExtendedS3DestinationConfiguration={
                **S3,
                "ProcessingConfiguration": processing(**parameters),
            },
        )
    assert caught.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert message in caught.value.response["Error"]["Message"]
    assert "events" not in fake.firehose


def _lambda(*parameters: tuple[str, str]) -> dict[str, Any]:
    given = [("LambdaArn", FUNCTION), *parameters]
    return {
        "Type": "Lambda",
        "Parameters": [{"ParameterName": k, "ParameterValue": v} for k, v in given],
    }


@pytest.mark.parametrize(
    ("processors", "message"),
    [
        (
            [_lambda(), _lambda()],
            "Exactly 1 Processor needs to be supplied when processing is enabled",
        ),
        (
            [_lambda(("NumberOfRetries", "1"), ("NumberOfRetries", "5"))],
            "The Lambda processor has the parameter NumberOfRetries 2 times: give it once.",
        ),
        (
            [_lambda(("SubRecordType", "JSON"))],
            "The Lambda processor does not take the parameter SubRecordType; it takes "
            "LambdaArn, NumberOfRetries, RoleArn, BufferSizeInMBs, BufferIntervalInSeconds.",
        ),
    ],
    ids=["lambda-twice", "parameter-twice", "foreign-parameter"],
)
def test_processors_read_only_in_part_are_refused(
    fake: FirehoseFake, processors: list[dict[str, Any]], message: str
) -> None:
    # The second processor and the first NumberOfRetries were ignored, SubRecordType too.
    client = boto3.client("firehose", region_name=REGION)
    with pytest.raises(ClientError) as caught:
        client.create_delivery_stream(
            DeliveryStreamName="events",
            ExtendedS3DestinationConfiguration={
                **S3,
                "ProcessingConfiguration": {"Enabled": True, "Processors": processors},
            },
        )
    assert caught.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert caught.value.response["Error"]["Message"] == message
    assert "events" not in fake.firehose


# --------------------------------------------------------------------------- buffering


def test_the_processor_buffers_for_its_interval(fake: FirehoseFake) -> None:
    fake.firehose.lambda_function("orders-transform", answer_each(ok))
    stream = transforming(fake, BufferIntervalInSeconds="120")

    put(b"a")
    fake.firehose.clock.advance(seconds=119)
    assert stream.invocations == []
    fake.firehose.clock.advance(seconds=1)

    (invocation,) = stream.invocations
    assert invocation.started_at - stream.records[0].arrived_at == timedelta(seconds=120)
    assert stream.buffered == [b"a"]  # now in the destination's buffer


def test_transformed_records_are_not_delivered_before_they_were_transformed(
    fake: FirehoseFake,
) -> None:
    # DOC ("Data transformation flow"): transformed records then enter the destination's
    # buffer, not due before they entered it. With a 0-second interval they are delivered
    # as they enter it; where the installed botocore's model asks 60 seconds at least, the
    # interval, counted from the record's arrival (chosen: docs/fidelity.md), ends then too.
    interval = (
        boto3.session.Session()
        .client("firehose", region_name=REGION)
        .meta.service_model.shape_for("IntervalInSeconds")
        .metadata.get("min", 0)
    )
    fake.firehose.lambda_function("orders-transform", answer_each(ok))
    stream = s3_stream(
        fake,
        ProcessingConfiguration=processing(),
        BufferingHints={"SizeInMBs": 5, "IntervalInSeconds": interval},
    )

    put(b"a")
    fake.firehose.clock.advance(seconds=60)

    (invocation,) = stream.invocations
    (obj,) = stream.objects
    assert obj.delivered_at == invocation.started_at
    assert obj.delivered_at - stream.records[0].arrived_at == timedelta(seconds=60)


def test_the_processor_invokes_once_its_buffer_holds_its_size(fake: FirehoseFake) -> None:
    fake.firehose.lambda_function("orders-transform", answer_each(ok))
    stream = transforming(fake, BufferSizeInMBs="1")
    half = b"x" * (512 * 1024)

    put(half)
    put(half[:-1])  # a byte short of 1 MiB
    assert stream.invocations == []
    put(b"x")
    (invocation,) = stream.invocations
    assert len(invocation.event["records"]) == 3

    # The emptied buffer counts from nothing again.
    put(half, half[:-1])
    assert len(stream.invocations) == 1
    put(b"x")
    assert [len(i.event["records"]) for i in stream.invocations] == [3, 3]


def test_a_record_put_while_the_processor_runs_waits_its_own_interval(fake: FirehoseFake) -> None:
    client = boto3.client("firehose", region_name=REGION)
    sent: list[list[bytes]] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        sent.append([base64.b64decode(r["data"]) for r in event["records"]])
        if len(sent) == 1:  # the clock's move invoked it: the stream takes puts meanwhile
            client.put_record(DeliveryStreamName="events", Record={"Data": b"b"})
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake, BufferIntervalInSeconds="60")
    put(b"a")
    fake.firehose.clock.advance(seconds=60)
    after_first = list(sent)
    fake.firehose.clock.advance(seconds=60)

    assert after_first == [[b"a"]]
    assert sent == [[b"a"], [b"b"]]
    first, second = stream.invocations
    assert second.started_at - first.started_at == timedelta(seconds=60)
    assert stream.buffered == [b"a", b"b"]


def test_invocations_stay_within_lambdas_payload_limit() -> None:
    from datetime import datetime, timezone

    from pytest_firehose._destinations.processing import MAX_EVENT_BYTES, invocation_batches

    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    records = [(b"x" * 1_000_000, f"id-{i}", at) for i in range(12)]

    batches = invocation_batches(records)

    assert [r for batch in batches for r in batch] == records
    assert len(batches) == 3
    for batch in batches:
        event = json.dumps({"records": [{"data": base64.b64encode(r[0]).decode()} for r in batch]})
        assert len(event) <= MAX_EVENT_BYTES


# --------------------------------------------------------------------------- the event


def test_the_event_is_the_one_firehose_sends(fake: FirehoseFake) -> None:
    events = recording(fake)
    stream = transforming(fake)
    put(b"a")
    stream.flush()

    (event,) = events
    assert list(event) == ["invocationId", "deliveryStreamArn", "region", "records"]
    assert event["deliveryStreamArn"] == stream.arn
    assert event["region"] == REGION
    (record,) = event["records"]
    assert record == {
        "recordId": stream.records[0].record_id,
        "approximateArrivalTimestamp": int(stream.records[0].arrived_at.timestamp() * 1000),
        "data": "YQ==",
    }
    assert powertools_data(event) == ["a"]


def from_kinesis(fake: FirehoseFake) -> Any:
    """Delivery stream "events", reading Kinesis stream "k", with the Lambda processor."""
    fake.kinesis.create_stream("k")
    return fake.firehose.create_delivery_stream(
        "events",
        **FROM_KINESIS,
        ExtendedS3DestinationConfiguration={**S3, "ProcessingConfiguration": processing()},
    )


def test_a_kinesis_source_adds_the_record_metadata(fake: FirehoseFake) -> None:
    events = recording(fake)
    stream = from_kinesis(fake)
    kinesis = boto3.client("kinesis", region_name=REGION)
    sent = kinesis.put_record(StreamName="k", Data=b"a", PartitionKey="customer-7")
    stream.flush()

    (event,) = events
    assert (
        event["sourceKinesisStreamArn"]
        == FROM_KINESIS["KinesisStreamSourceConfiguration"]["KinesisStreamARN"]
    )
    metadata = event["records"][0]["kinesisRecordMetadata"]
    assert metadata == {
        "shardId": sent["ShardId"],
        "partitionKey": "customer-7",
        "approximateArrivalTimestamp": event["records"][0]["approximateArrivalTimestamp"],
        "sequenceNumber": sent["SequenceNumber"],
        "subsequenceNumber": 0,
    }
    assert powertools_data(event) == ["a"]
    stream.assert_delivered([b"a"])


def test_a_processor_updated_while_records_wait_keeps_their_kinesis_metadata(
    fake: FirehoseFake,
) -> None:
    events = recording(fake)
    stream = from_kinesis(fake)
    kinesis = boto3.client("kinesis", region_name=REGION)
    sent = kinesis.put_record(StreamName="k", Data=b"a", PartitionKey="customer-7")
    fake.firehose.clock.advance(seconds=5)
    assert len(stream.records) == 1  # read, and waiting for the function
    assert events == []

    boto3.client("firehose", region_name=REGION).update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"ProcessingConfiguration": processing(NumberOfRetries="1")},
    )
    stream.flush()

    (event,) = events
    assert event["records"][0]["kinesisRecordMetadata"]["sequenceNumber"] == sent["SequenceNumber"]
    assert event["records"][0]["kinesisRecordMetadata"]["partitionKey"] == "customer-7"


# --------------------------------------------------------------------------- calling AWS


def test_a_record_put_while_the_function_runs_waits_for_that_invocation_to_end(
    fake: FirehoseFake,
) -> None:
    calls: list[tuple[str, list[bytes]]] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        data = [base64.b64decode(r["data"]) for r in event["records"]]
        calls.append(("start", data))
        if data == [b"a"]:
            put(b"late")
            fake.firehose.clock.advance(seconds=61)  # the buffer of "late" is due
            boto3.client("firehose", region_name=REGION).list_delivery_streams()
        calls.append(("end", data))
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function("orders-transform", handler, timeout=900)
    stream = transforming(fake)
    put(b"a")
    stream.flush()
    stream.flush()

    assert calls == [("start", [b"a"]), ("end", [b"a"]), ("start", [b"late"]), ("end", [b"late"])]
    assert stream.delivered == [b"a", b"late"]


def test_a_handler_may_call_firehose_through_boto3(fake: FirehoseFake) -> None:
    audit = fake.firehose.create_delivery_stream("audit")
    client = boto3.client("firehose", region_name=REGION)

    def handler(event: dict[str, Any], context: Any) -> Any:
        client.put_record(DeliveryStreamName="audit", Record={"Data": b"seen\n"})
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake)

    put(b"a")

    stream.assert_delivered([b"a"])
    audit.assert_delivered([b"seen\n"])


def test_a_handler_may_call_aws_from_another_thread(fake: FirehoseFake) -> None:
    kinesis = fake.kinesis.create_stream("k")
    client = boto3.client("kinesis", region_name=REGION)

    def handler(event: dict[str, Any], context: Any) -> Any:
        writer = threading.Thread(
            target=client.put_record, kwargs={"StreamName": "k", "Data": b"x", "PartitionKey": "p"}
        )
        writer.start()
        # The timeout only turns a deadlock into a failure; it is never reached.
        writer.join(timeout=30)
        if writer.is_alive():
            raise TimeoutError("the handler's thread could not reach the fake")
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake)

    put(b"a")

    stream.assert_delivered([b"a"])
    assert kinesis.records == [b"x"]


# --------------------------------------------------------------------------- where it lands


def test_the_error_output_lands_in_the_bucket(fake: FirehoseFake, landing_s3: Any) -> None:
    fake.firehose.lambda_function(
        "orders-transform",
        answer_each(lambda data: {"result": "ProcessingFailed"} if b"bad" in data else ok(data)),
    )
    firehose = boto3.client("firehose", region_name=REGION)
    stream = transforming(fake)
    put(b"good\n", b"bad\n", client=firehose)
    stream.flush()

    (failed,) = stream.error_objects
    (delivered,) = stream.objects
    keys = [o["Key"] for o in landing_s3.list_objects_v2(Bucket=LANDING)["Contents"]]
    assert sorted(keys) == sorted([failed.key, delivered.key])
    body = landing_s3.get_object(Bucket=LANDING, Key=failed.key)["Body"].read()
    assert base64.b64decode(json.loads(body)["rawData"]) == b"bad\n"
    assert landing_s3.get_object(Bucket=LANDING, Key=delivered.key)["Body"].read() == b"good\n"


def test_an_http_endpoints_error_output_goes_to_its_s3_bucket(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.lambda_function(
        "orders-transform", answer_each(lambda data: {"result": "ProcessingFailed"})
    )
    firehose = boto3.client("firehose", region_name=REGION)
    stream = fake.firehose.create_delivery_stream(
        "events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": "https://127.0.0.1:9/in"},
            "S3Configuration": {**S3, "ErrorOutputPrefix": "failed/"},
            "ProcessingConfiguration": processing(),
        },
    )
    put(b"bad\n", client=firehose)
    stream.flush()

    (failed,) = stream.error_objects
    assert failed.key.startswith("failed/processing-failed/")
    (listed,) = landing_s3.list_objects_v2(Bucket=LANDING)["Contents"]
    assert listed["Key"] == failed.key


# --------------------------------------------------------------------------- reconfiguring


def test_update_destination_adds_and_removes_the_processor(fake: FirehoseFake) -> None:
    fake.firehose.lambda_function("orders-transform", answer_each(lambda d: ok(d.upper())))
    stream = s3_stream(fake)
    client = boto3.client("firehose", region_name=REGION)

    def update(version: str, config: dict[str, Any]) -> None:
        client.update_destination(
            DeliveryStreamName="events",
            CurrentDeliveryStreamVersionId=version,
            DestinationId="destinationId-000000000001",
            ExtendedS3DestinationUpdate={"ProcessingConfiguration": config},
        )

    put(b"before")
    update("1", processing())
    put(b"during")
    fake.firehose.clock.advance(seconds=60)
    put(b"waiting")
    update("2", {"Enabled": False})
    put(b"after")

    stream.assert_delivered([b"before", b"DURING", b"waiting", b"after"])
    assert len(stream.invocations) == 1


def test_a_handler_that_stops_the_test_loses_no_record(fake: FirehoseFake) -> None:
    def handler(event: dict[str, Any], context: Any) -> Any:
        raise KeyboardInterrupt  # past Exception: Lambda's error handling does not apply

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake)
    put(b"a")

    with pytest.raises(KeyboardInterrupt):
        stream.flush()

    assert stream.pending == [b"a"]
    assert stream.processing_failed == []


def test_records_waiting_for_the_processor_are_pending(fake: FirehoseFake) -> None:
    fake.firehose.lambda_function("orders-transform", answer_each(ok))
    stream = transforming(fake)

    put(b"a", b"b")

    assert stream.invocations == []
    assert stream.pending == [b"a", b"b"]


def test_records_being_transformed_are_pending(fake: FirehoseFake) -> None:
    seen: list[list[bytes]] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        # The handler runs outside the world's lock: a test may look at the stream now.
        seen.append(fake.firehose["events"].pending)
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function("orders-transform", handler)
    stream = transforming(fake)
    put(b"a", b"b")
    stream.flush()

    assert seen == [[b"a", b"b"]]
    stream.assert_delivered([b"a", b"b"])
    assert stream.pending == []


def test_a_processor_updated_to_a_size_its_buffer_holds_invokes_at_once_as_of_its_newest_record(
    fake: FirehoseFake,
) -> None:
    fake.firehose.lambda_function("orders-transform", answer_each(ok))
    stream = transforming(fake, BufferSizeInMBs="3")
    put(b"x" * 512 * 1024)
    fake.firehose.clock.advance(seconds=10)
    put(b"y" * 512 * 1024)

    boto3.client("firehose", region_name=REGION).update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"ProcessingConfiguration": processing(BufferSizeInMBs="1")},
    )

    (invocation,) = stream.invocations
    assert invocation.started_at == stream.records[1].arrived_at


@pytest.mark.parametrize("fails", [False, True], ids=["all-ok", "one-failed"])
def test_records_the_function_answered_are_delivered_no_earlier_than_its_answer(
    fake: FirehoseFake, fails: bool
) -> None:
    def handler(event: dict[str, Any], context: Any) -> Any:
        fake.firehose.clock.advance(seconds=2)  # the function takes 2 seconds
        return answer_each(lambda data: FAILED if fails and data == b"b" else ok(data))(
            event, context
        )

    fake.firehose.lambda_function("orders-transform", handler)
    # Both buffers are due 60 seconds after the records arrived: the destination's while
    # the function still runs.
    hints = {"SizeInMBs": 5, "IntervalInSeconds": 60}
    stream = s3_stream(fake, ProcessingConfiguration=processing(), BufferingHints=hints)
    put(b"a", b"b")
    fake.firehose.clock.advance(seconds=90)

    (invocation,) = stream.invocations
    (obj,) = stream.objects
    assert obj.records == (b"a",) if fails else (b"a", b"b")
    assert obj.delivered_at == invocation.ended_at


def test_a_flush_delivers_what_the_function_answered_once_it_answered(
    fake: FirehoseFake,
) -> None:
    def handler(event: dict[str, Any], context: Any) -> Any:
        fake.firehose.clock.advance(seconds=2)  # the function takes 2 seconds
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function("orders-transform", handler)
    stream = s3_stream(fake, ProcessingConfiguration=processing())
    put(b"a", b"b")
    stream.flush()

    (invocation,) = stream.invocations
    (obj,) = stream.objects
    assert obj.records == (b"a", b"b")
    assert obj.delivered_at == invocation.ended_at


def test_firehose_waits_five_minutes_at_most_whatever_the_functions_timeout(
    fake: FirehoseFake,
) -> None:
    remaining: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        remaining.append(context.get_remaining_time_in_millis())
        fake.firehose.clock.advance(seconds=301)
        return answer_each(ok)(event, context)

    fake.firehose.lambda_function("orders-transform", handler, timeout=900)
    stream = transforming(fake, NumberOfRetries="0")

    put(b"a")
    stream.flush()

    assert remaining == [300_000]
    (record,) = error_records(stream)
    assert record["errorCode"] == "Lambda.FunctionTimedOut"


def test_a_buffer_past_lambdas_payload_limit_is_sent_in_several_invocations(
    fake: FirehoseFake,
) -> None:
    fake.firehose.lambda_function("orders-transform", answer_each(ok))
    stream = transforming(fake, BufferSizeInMBs="3")
    record = b"x" * 1_000_000

    put(record, record, record)
    assert stream.invocations == []
    put(record, record)

    # Five records' base64 data alone is 6,666,680 bytes: more than 6 MiB in one event.
    assert [len(i.event["records"]) for i in stream.invocations] == [4, 1]
    assert all(len(json.dumps(i.event)) < 6 * 1024 * 1024 for i in stream.invocations)
    assert len(stream.buffered) == 5


def test_the_processors_interval_runs_from_its_oldest_record(fake: FirehoseFake) -> None:
    fake.firehose.lambda_function("orders-transform", answer_each(ok))
    stream = transforming(fake, BufferIntervalInSeconds="60")

    put(b"a")
    fake.firehose.clock.advance(seconds=30)
    put(b"b")
    fake.firehose.clock.advance(seconds=30)

    (invocation,) = stream.invocations
    assert [base64.b64decode(r["data"]) for r in invocation.event["records"]] == [b"a", b"b"]
    assert invocation.started_at - stream.records[0].arrived_at == timedelta(seconds=60)


def test_a_processor_with_a_0_second_interval_invokes_as_records_arrive(
    fake: FirehoseFake,
) -> None:
    fake.firehose.lambda_function("orders-transform", answer_each(ok))
    stream = transforming(fake, BufferIntervalInSeconds="0")

    put(b"a")

    (invocation,) = stream.invocations
    assert invocation.started_at == stream.records[0].arrived_at


def test_the_error_object_is_named_after_its_oldest_records_arrival(fake: FirehoseFake) -> None:
    fake.firehose.lambda_function(
        "orders-transform", answer_each(lambda data: {"result": "ProcessingFailed"})
    )
    stream = transforming(fake)
    oldest = fake.firehose.clock.now()

    put(b"a")
    fake.firehose.clock.advance(seconds=30)
    put(b"b")
    fake.firehose.clock.advance(seconds=30)

    (obj,) = stream.error_objects
    assert stream.processing_failed == [b"a", b"b"]
    assert obj.key.startswith(
        f"processing-failed/{oldest:%Y/%m/%d/%H}/events-1-{oldest:%Y-%m-%d-%H-%M-%S}-"
    )


def test_the_error_object_of_several_invocations_is_written_when_the_last_ended(
    fake: FirehoseFake,
) -> None:
    def fail_after_a_second(event: dict[str, Any], context: Any) -> Any:
        fake.firehose.clock.advance(seconds=1)
        return answer_each(lambda data: {"result": "ProcessingFailed"})(event, context)

    fake.firehose.lambda_function("orders-transform", fail_after_a_second)
    stream = transforming(fake, BufferSizeInMBs="3")
    record = b"x" * 1_000_000

    put(record, record, record)
    put(record, record)  # past 6 MiB of event: two invocations

    first, second = stream.invocations
    (obj,) = stream.error_objects
    assert obj.delivered_at == second.ended_at == first.ended_at + timedelta(seconds=1)
    assert [r["attemptEndingTimestamp"] for r in error_records(stream)] == (
        [int(first.ended_at.timestamp() * 1000)] * 4 + [int(second.ended_at.timestamp() * 1000)]
    )
