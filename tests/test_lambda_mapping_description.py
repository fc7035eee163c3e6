"""A Kinesis event source mapping as GetEventSourceMapping describes it (``trigger.describe()``):
Lambda's recorded defaults, what was given, the state and the last processing result
(docs/lambda.md; docs/fidelity.md)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import boto3
import botocore.session
from botocore.validate import validate_parameters
from conftest import needs_botocore
from lambda_support import accept_all, put

from pytest_firehose import FirehoseFake

REGION = "us-east-1"
ACCOUNT = "123456789012"


def _output_shape() -> Any:
    model = botocore.session.get_session().get_service_model("lambda")
    return model.operation_model("GetEventSourceMapping").output_shape


def _fits(description: dict[str, Any]) -> dict[str, Any]:
    """``description``, once checked against botocore's output shape as Stubber checks a
    canned answer: types, required members, no member the model lacks."""
    validate_parameters(description, _output_shape())
    return description


def test_a_new_mapping_is_described_with_lambdas_recorded_defaults(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    made_at = fake.kinesis.clock.now()

    trigger = stream.lambda_trigger(accept_all, FunctionName="orders")

    recorded = {
        "BatchSize": 100,
        "BisectBatchOnFunctionError": False,
        "DestinationConfig": {"OnFailure": {}},
        "EventSourceArn": stream.arn,
        "EventSourceMappingArn": (
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{trigger.uuid}"
        ),
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders",
        "FunctionResponseTypes": [],
        "LastModified": made_at,
        "LastProcessingResult": "No records processed",
        "MaximumBatchingWindowInSeconds": 0,
        "MaximumRecordAgeInSeconds": -1,
        "MaximumRetryAttempts": -1,
        "ParallelizationFactor": 1,
        "StartingPosition": "TRIM_HORIZON",
        "State": "Enabled",
        "StateTransitionReason": "User action",
        "TumblingWindowInSeconds": 0,
        "UUID": trigger.uuid,
    }
    # A member the installed botocore's model lacks (EventSourceMappingArn before 1.35)
    # is one its client would never show.
    members = _output_shape().members
    assert _fits(trigger.describe()) == {k: v for k, v in recorded.items() if k in members}


def test_a_handler_named_past_64_characters_names_a_function_of_its_first_64(
    fake: FirehoseFake,
) -> None:
    # Lambda's function names hold at most 64 characters: one character more was kept.
    def handler(event: dict[str, Any], context: Any) -> None:
        return None

    handler.__name__ = "process_" + "order" * 14
    stream = fake.kinesis.create_stream("s")

    trigger = stream.lambda_trigger(handler)

    function = trigger.describe()["FunctionArn"].rpartition(":function:")[2]
    assert function == handler.__name__[:64]


def test_the_last_processing_result_follows_the_last_invocation(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    failing = {"now": False}

    def handler(event: dict[str, Any], context: Any) -> None:
        if failing["now"]:
            raise ValueError("cannot process")

    trigger = stream.lambda_trigger(handler, MaximumRetryAttempts=0)
    trigger.drain()
    assert trigger.describe()["LastProcessingResult"] == "No records processed"

    put(b"a")
    trigger.drain()
    assert trigger.describe()["LastProcessingResult"] == "OK"

    failing["now"] = True
    put(b"b")
    trigger.drain()
    assert _fits(trigger.describe())["LastProcessingResult"] == "PROBLEM: Function call failed"

    failing["now"] = False
    put(b"c")
    trigger.drain()
    assert trigger.describe()["LastProcessingResult"] == "OK"


def test_a_batch_whose_items_the_function_reports_failed_was_processed(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        first = event["Records"][0]["kinesis"]["sequenceNumber"]
        return {"batchItemFailures": [{"itemIdentifier": first}]}

    trigger = stream.lambda_trigger(
        handler, MaximumRetryAttempts=0, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    put(b"a")
    trigger.drain()

    assert trigger.describe()["LastProcessingResult"] == "OK"


def test_the_parameters_given_are_described(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"
    pattern = '{"data": {"kind": ["order"]}}'

    trigger = stream.lambda_trigger(
        accept_all,
        FunctionName="orders:live",
        BatchSize=10,
        MaximumBatchingWindowInSeconds=5,
        ParallelizationFactor=3,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=start,
        DestinationConfig={"OnFailure": {"Destination": queue}},
        MaximumRecordAgeInSeconds=3600,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=2,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        FilterCriteria={"Filters": [{"Pattern": pattern}]},
        Enabled=False,
    )

    given = {
        "BatchSize": 10,
        "MaximumBatchingWindowInSeconds": 5,
        "ParallelizationFactor": 3,
        "StartingPosition": "AT_TIMESTAMP",
        "StartingPositionTimestamp": start,
        "DestinationConfig": {"OnFailure": {"Destination": queue}},
        "MaximumRecordAgeInSeconds": 3600,
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 2,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "FilterCriteria": {"Filters": [{"Pattern": pattern}]},
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders:live",
        "State": "Disabled",
    }
    described = _fits(trigger.describe())
    assert {name: described.get(name) for name in given} == given


def test_an_update_shows_in_the_description(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        accept_all,
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}},
        FilterCriteria={"Filters": [{"Pattern": '{"data": {"kind": ["order"]}}'}]},
    )
    made = trigger.describe()
    fake.kinesis.clock.advance(minutes=5)

    trigger.update(
        Enabled=False, BatchSize=50, DestinationConfig={}, FilterCriteria={"Filters": []}
    )

    described = _fits(trigger.describe())
    assert described["State"] == "Disabled"
    assert described["BatchSize"] == 50
    assert described["DestinationConfig"] == {"OnFailure": {}}
    assert "FilterCriteria" not in described
    assert described["LastModified"] == fake.kinesis.clock.now() > made["LastModified"]
    assert described["UUID"] == made["UUID"]


def test_a_mapping_reading_through_a_consumer_names_the_consumer(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    kinesis = boto3.client("kinesis", region_name=REGION)
    consumer = kinesis.register_stream_consumer(StreamARN=stream.arn, ConsumerName="lambda")
    arn = consumer["Consumer"]["ConsumerARN"]

    trigger = stream.lambda_trigger(accept_all, EventSourceArn=arn)

    assert _fits(trigger.describe())["EventSourceArn"] == arn


def test_the_description_is_a_copy(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    pattern = '{"data": {"kind": ["order"]}}'
    trigger = stream.lambda_trigger(accept_all, FilterCriteria={"Filters": [{"Pattern": pattern}]})

    trigger.describe()["FilterCriteria"]["Filters"].clear()
    trigger.describe()["FunctionResponseTypes"].append("ReportBatchItemFailures")

    assert trigger.describe()["FilterCriteria"] == {"Filters": [{"Pattern": pattern}]}
    assert trigger.describe()["FunctionResponseTypes"] == []


@needs_botocore("lambda CreateEventSourceMapping.KMSKeyArn")
def test_a_kms_key_is_described_when_given(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    plain = stream.lambda_trigger(accept_all, FunctionName="plain")
    keyed = stream.lambda_trigger(accept_all, FunctionName="keyed", KMSKeyArn=key)

    assert "KMSKeyArn" not in plain.describe()
    assert _fits(keyed.describe())["KMSKeyArn"] == key


@needs_botocore("lambda CreateEventSourceMapping.MetricsConfig")
def test_metrics_are_described_when_given(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")

    plain = stream.lambda_trigger(accept_all, FunctionName="plain")
    counted = stream.lambda_trigger(
        accept_all, FunctionName="counted", MetricsConfig={"Metrics": ["EventCount"]}
    )

    assert "MetricsConfig" not in plain.describe()
    assert _fits(counted.describe())["MetricsConfig"] == {"Metrics": ["EventCount"]}
