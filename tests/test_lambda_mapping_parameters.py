"""The parameters of CreateEventSourceMapping and UpdateEventSourceMapping that a Kinesis
event source mapping does not take (those of queues, Kafka, DocumentDB, provisioned
mode ...): refused as Lambda refuses another source type's parameter, at creation and at
each update, the mapping left as it was (docs/lambda.md; docs/fidelity.md)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import needs_botocore
from lambda_support import accept_all, batches, put

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError

KINESIS_PARAMETERS = (
    "BatchSize, BisectBatchOnFunctionError, DestinationConfig, Enabled, FilterCriteria, "
    "FunctionResponseTypes, KMSKeyArn, MaximumBatchingWindowInSeconds, "
    "MaximumRecordAgeInSeconds, MaximumRetryAttempts, MetricsConfig, ParallelizationFactor, "
    "StartingPosition, StartingPositionTimestamp, Tags, TumblingWindowInSeconds"
)

#: Another source's parameter, a value the API model takes, and its name as Lambda's
#: answer spells it.
OTHER_SOURCES = [
    pytest.param(
        "ProvisionedPollerConfig",
        {"MinimumPollers": 1, "MaximumPollers": 2},
        "provisionedPollerConfig",
        marks=needs_botocore("lambda CreateEventSourceMapping.ProvisionedPollerConfig"),
        id="ProvisionedPollerConfig",
    ),
    pytest.param(
        "LoggingConfig",
        {"SystemLogLevel": "INFO"},
        "loggingConfig",
        marks=needs_botocore("lambda CreateEventSourceMapping.LoggingConfig"),
        id="LoggingConfig",
    ),
    pytest.param(
        "ScalingConfig",
        {"MaximumConcurrency": 2},
        "scalingConfig",
        marks=needs_botocore("lambda CreateEventSourceMapping.ScalingConfig"),
        id="ScalingConfig",
    ),
    pytest.param("Topics", ["orders"], "topics", id="Topics"),
    pytest.param("Queues", ["q"], "queues", id="Queues"),
    pytest.param(
        "SourceAccessConfigurations",
        [{"Type": "BASIC_AUTH", "URI": "arn:aws:secretsmanager:us-east-1:123456789012:secret:s"}],
        "sourceAccessConfigurations",
        id="SourceAccessConfigurations",
    ),
    pytest.param(
        "DocumentDBEventSourceConfig",
        {"DatabaseName": "db"},
        "documentDBEventSourceConfig",
        marks=needs_botocore("lambda CreateEventSourceMapping.DocumentDBEventSourceConfig"),
        id="DocumentDBEventSourceConfig",
    ),
]


@pytest.mark.parametrize(("name", "value", "spelled"), OTHER_SOURCES)
def test_another_sources_parameter_is_refused_in_lambdas_words(
    fake: FirehoseFake, name: str, value: Any, spelled: str
) -> None:
    stream = fake.kinesis.create_stream("s")

    with pytest.raises(UsageError) as refused:
        stream.lambda_trigger(accept_all, **{name: value})

    assert str(refused.value) == (
        f"lambda_trigger({name}=...): CreateEventSourceMapping would answer "
        f"InvalidParameterValueException: Unsupported '{spelled}' parameter for given event "
        f"source mapping type.\n{name} is another event source's parameter; the parameters "
        f"of a Kinesis event source mapping are {KINESIS_PARAMETERS}."
    )
    # No mapping was made: the function may still be mapped to the stream.
    trigger = stream.lambda_trigger(accept_all)
    put(b"a")
    trigger.drain()
    assert batches(trigger) == [[b"a"]]


#: Those UpdateEventSourceMapping takes too (botocore refuses to send Topics or Queues).
UPDATED = [param for param in OTHER_SOURCES if param.id not in ("Topics", "Queues")]


@pytest.mark.parametrize(("name", "value", "spelled"), UPDATED)
def test_an_update_with_another_sources_parameter_is_refused_and_changes_nothing(
    fake: FirehoseFake, name: str, value: Any, spelled: str
) -> None:
    trigger = fake.kinesis.create_stream("s").lambda_trigger(accept_all, BatchSize=5)
    before = trigger.describe()

    with pytest.raises(UsageError) as refused:
        trigger.update(BatchSize=2, **{name: value})

    message = str(refused.value)
    assert message.startswith(
        f"trigger.update({name}=...): UpdateEventSourceMapping would answer "
        f"InvalidParameterValueException: Unsupported '{spelled}' parameter for given event "
        f"source mapping type.\n{name} is another event source's parameter; the parameters "
        "of a Kinesis event source mapping are BatchSize, BisectBatchOnFunctionError, "
    )
    assert "StartingPosition" not in message  # UpdateEventSourceMapping takes none
    assert trigger.describe() == before
    assert trigger.settings.batch_size == 5


def test_an_on_success_destination_is_refused_in_lambdas_words(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    queue = "arn:aws:sqs:us-east-1:123456789012:q"

    with pytest.raises(UsageError) as refused:
        stream.lambda_trigger(accept_all, DestinationConfig={"OnSuccess": {"Destination": queue}})

    assert str(refused.value).startswith(
        "lambda_trigger(): CreateEventSourceMapping would answer "
        "InvalidParameterValueException: Unsupported DestinationConfig parameter for given "
        "event source mapping type.\n"
    )


@needs_botocore("lambda CreateEventSourceMapping.ScalingConfig")
def test_the_api_models_checks_come_before_the_source_types(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    out_of_range = {"ScalingConfig": {"MaximumConcurrency": 1}}  # the model's minimum is 2

    with pytest.raises(UsageError) as at_creation:
        stream.lambda_trigger(accept_all, **out_of_range)
    trigger = stream.lambda_trigger(accept_all)
    with pytest.raises(UsageError) as at_update:
        trigger.update(**out_of_range)

    answer = (
        "would answer ValidationException: 1 validation error detected: Value '1' at "
        "'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have "
        "value greater than or equal to 2"
    )
    assert str(at_creation.value).startswith(f"lambda_trigger(): CreateEventSourceMapping {answer}")
    assert str(at_update.value).startswith(f"trigger.update(): UpdateEventSourceMapping {answer}")
