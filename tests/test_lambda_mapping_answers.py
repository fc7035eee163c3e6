"""What CreateEventSourceMapping, UpdateEventSourceMapping and DeleteEventSourceMapping answer
for a Kinesis Lambda trigger (``trigger.creation``, what ``update()`` and ``delete()``
return): the mapping as ``describe()`` shows it, in the passing State Lambda answers with
(docs/lambda.md; docs/fidelity.md)."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.validate import validate_parameters
from lambda_support import accept_all, put

from pytest_firehose import FirehoseFake, UsageError

REGION = "us-east-1"
ACCOUNT = "123456789012"
#: The members of CreateEventSourceMapping's answer for a Kinesis stream made with no
#: optional parameter (LocalStack's AWS-validated snapshot, 2025).
RECORDED_CREATE = {
    "BatchSize",
    "BisectBatchOnFunctionError",
    "DestinationConfig",
    "EventSourceArn",
    "EventSourceMappingArn",
    "FunctionArn",
    "FunctionResponseTypes",
    "LastModified",
    "LastProcessingResult",
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "ParallelizationFactor",
    "StartingPosition",
    "State",
    "StateTransitionReason",
    "TumblingWindowInSeconds",
    "UUID",
}


def _fits(operation: str, answer: dict[str, Any]) -> dict[str, Any]:
    """``answer``, once checked against botocore's output shape of ``operation`` as Stubber
    checks a canned answer: types, required members, no member the model lacks."""
    model = botocore.session.get_session().get_service_model("lambda")
    validate_parameters(answer, model.operation_model(operation).output_shape)
    return answer


def _members() -> set[str]:
    model = botocore.session.get_session().get_service_model("lambda")
    return set(model.operation_model("CreateEventSourceMapping").output_shape.members)


def _but(answer: dict[str, Any], **changed: Any) -> dict[str, Any]:
    return {**answer, **changed}


def test_the_creation_answers_creating_with_the_described_members(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")

    trigger = stream.lambda_trigger(accept_all, FunctionName="orders", BatchSize=10)

    created = _fits("CreateEventSourceMapping", trigger.creation)
    assert set(created) == RECORDED_CREATE & _members()
    assert created == _but(trigger.describe(), State="Creating")
    assert trigger.describe()["State"] == "Enabled"  # the fake applied it at once
    assert (created["UUID"], created["BatchSize"]) == (trigger.uuid, 10)
    assert created["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"


def test_a_mapping_made_disabled_answers_disabled(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")

    trigger = stream.lambda_trigger(accept_all, Enabled=False)

    assert _fits("CreateEventSourceMapping", trigger.creation)["State"] == "Disabled"


def test_the_creation_answer_stays_what_was_answered(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all)
    made_at = fake.kinesis.clock.now()

    trigger.creation["FunctionResponseTypes"].append("ReportBatchItemFailures")
    fake.kinesis.clock.advance(minutes=1)
    put(b"a")
    trigger.drain()
    trigger.update(BatchSize=5)
    trigger.delete()

    created = trigger.creation
    assert created["FunctionResponseTypes"] == []
    assert (created["BatchSize"], created["LastModified"]) == (100, made_at)
    assert created["LastProcessingResult"] == "No records processed"


@pytest.mark.parametrize(
    ("made", "change", "state", "settled"),
    [
        ({}, {"Enabled": False}, "Disabling", "Disabled"),
        ({"Enabled": False}, {"Enabled": True}, "Enabling", "Enabled"),
        ({}, {"BatchSize": 5}, "Updating", "Enabled"),
        ({"Enabled": False}, {"BatchSize": 5}, "Updating", "Disabled"),
        ({}, {"Enabled": True, "BatchSize": 5}, "Updating", "Enabled"),
    ],
)
def test_an_update_answers_the_passing_state_of_its_change(
    fake: FirehoseFake,
    made: dict[str, Any],
    change: dict[str, Any],
    state: str,
    settled: str,
) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, **made)

    answer = _fits("UpdateEventSourceMapping", trigger.update(**change))

    assert answer["State"] == state
    assert answer == _but(trigger.describe(), State=state)
    assert trigger.describe()["State"] == trigger.state == settled


def test_an_update_answers_the_mapping_as_updated(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all)
    put(b"a")
    trigger.drain()
    fake.kinesis.clock.advance(minutes=5)

    answer = trigger.update(
        BatchSize=50,
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}},
    )

    assert answer["BatchSize"] == 50
    assert answer["DestinationConfig"]["OnFailure"]["Destination"].endswith(":dlq")
    assert answer["LastModified"] == fake.kinesis.clock.now()
    assert answer["LastProcessingResult"] == "OK"  # as before the update
    assert answer["UUID"] == trigger.creation["UUID"]


def test_a_deletion_answers_deleting(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, MaximumRetryAttempts=1)
    put(b"a")
    trigger.drain()
    described = trigger.describe()
    fake.kinesis.clock.advance(minutes=5)

    answer = _fits("DeleteEventSourceMapping", trigger.delete())

    deleted_at = fake.kinesis.clock.now()
    assert answer == _but(described, State="Deleting", LastModified=deleted_at)
    assert answer["LastProcessingResult"] == "OK"
    with pytest.raises(UsageError, match="ResourceNotFoundException"):
        trigger.describe()
