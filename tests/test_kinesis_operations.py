"""Every operation of the Kinesis API model is answered: the modelled ones by the model, the
others with a message that names them, never a bare UnknownOperationException."""

from __future__ import annotations

import botocore.session
import pytest
from conftest import REGION, needs_botocore, refused
from test_kinesis_api import error

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import ServiceError

#: What the fake models of Kinesis Data Streams (README and docs/kinesis.md list them).
MODELLED = {
    "AddTagsToStream",
    "CreateStream",
    "DecreaseStreamRetentionPeriod",
    "DeleteStream",
    "DeregisterStreamConsumer",
    "DescribeLimits",
    "DescribeStream",
    "DescribeStreamConsumer",
    "DescribeStreamSummary",
    "DisableEnhancedMonitoring",
    "EnableEnhancedMonitoring",
    "GetRecords",
    "GetShardIterator",
    "IncreaseStreamRetentionPeriod",
    "ListShards",
    "ListStreamConsumers",
    "ListStreams",
    "ListTagsForResource",
    "ListTagsForStream",
    "MergeShards",
    "PutRecord",
    "PutRecords",
    "RegisterStreamConsumer",
    "RemoveTagsFromStream",
    "SplitShard",
    "StartStreamEncryption",
    "StopStreamEncryption",
    "SubscribeToShard",
    "TagResource",
    "UntagResource",
    "UpdateMaxRecordSize",
    "UpdateShardCount",
    "UpdateStreamMode",
}
ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/s"
OPERATIONS = botocore.session.get_session().get_service_model("kinesis").operation_names


def message(operation: str) -> str:
    return (
        f"The fake Kinesis Data Streams of pytest-firehose does not model {operation} yet; "
        "docs/kinesis.md lists the operations it answers."
    )


def test_the_model_answers_what_the_docs_list():
    with FirehoseFake(region=REGION) as fake:
        answered = fake.world.kinesis().operations

    assert set(answered) == MODELLED


@needs_botocore(
    "kinesis TagResource",
    "kinesis UntagResource",
    "kinesis ListTagsForResource",
    "kinesis UpdateMaxRecordSize",
)
def test_every_operation_the_docs_list_is_one_of_the_api_model():
    assert set(OPERATIONS) >= MODELLED


@pytest.mark.parametrize("operation", sorted(set(OPERATIONS) - MODELLED))
def test_an_operation_not_modelled_is_refused_by_name(operation):
    with FirehoseFake(region=REGION) as fake, pytest.raises(ServiceError) as caught:
        fake.world.kinesis().dispatch(operation, {})

    assert (caught.value.code, caught.value.message, caught.value.status) == (
        "UnknownOperationException",
        message(operation),
        400,
    )


def test_a_client_hears_which_operation_is_not_modelled(fake, kinesis_client):
    answer = refused(kinesis_client.get_resource_policy, ResourceARN=ARN)

    assert error(answer) == ("UnknownOperationException", message("GetResourcePolicy"), 400)
    assert answer["ResponseMetadata"]["RetryAttempts"] == 0
    assert [call.operation for call in fake.kinesis.calls] == ["GetResourcePolicy"]
