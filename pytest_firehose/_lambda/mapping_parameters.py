"""Which of CreateEventSourceMapping's and UpdateEventSourceMapping's parameters a Kinesis
event source mapping takes, and Lambda's answer to one that is another source's.

All event sources share the two operations, and only some parameters apply to Kinesis
(DOC, "Lambda parameters for Amazon Kinesis Data Streams event source mappings"). The API
reference gives the others to other sources: ``ScalingConfig`` (Amazon SQS only),
``ProvisionedPollerConfig`` (Amazon SQS, Amazon MSK and self-managed Apache Kafka only),
``LoggingConfig`` (Amazon MSK and self-managed Apache Kafka only), ``Topics``, ``Queues``,
``SourceAccessConfigurations``, ``SelfManagedEventSource`` and the Kafka and DocumentDB
configurations.

Lambda refuses a parameter its source type does not take with
``InvalidParameterValueException`` ``Unsupported 'name' parameter for given event source
mapping type.``, the parameter's name in lower camel case (REAL, as users quoted it:
``maximumBatchingWindowInSeconds`` on an Amazon MSK mapping, pulumi/pulumi-aws#1418, 2021;
``destinationConfig`` on a self-managed Kafka one, aws/aws-cdk#19917, 2022). That Kinesis
mappings answer the other sources' parameters so is INFERRED (docs/fidelity.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pytest_firehose._errors import ServiceError, UsageError

#: Parameters that change nothing the fake's handlers or tests can observe.
HARMLESS = ("FunctionName", "EventSourceArn", "Tags", "MetricsConfig", "KMSKeyArn")
#: The parameters of a Kinesis mapping (the model's others are for queues, Kafka,
#: DocumentDB...).
KNOWN = (
    *HARMLESS,
    "Enabled",
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "StartingPosition",
    "StartingPositionTimestamp",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "MaximumRecordAgeInSeconds",
    "FunctionResponseTypes",
    "DestinationConfig",
    "FilterCriteria",
    "TumblingWindowInSeconds",
    "ParallelizationFactor",
)


def unsupported(name: str) -> ServiceError:
    """Lambda's answer to ``name``, a parameter of the API model that the mapping's source
    type does not take."""
    return ServiceError(
        "InvalidParameterValueException",
        f"Unsupported '{name[:1].lower()}{name[1:]}' parameter for given event source "
        "mapping type.",
    )


def check_kinesis_parameters(
    params: dict[str, Any],
    call: str = "lambda_trigger",
    accepted: Iterable[str] = KNOWN,
    operation: str = "CreateEventSourceMapping",
) -> None:
    """Refuse, as ``operation`` answers it and naming ``call``, a parameter of ``params``
    (already valid against the API model) that does not apply to a Kinesis source, with
    those that do (of ``accepted``: the operation's own)."""
    for name in params:
        if name not in KNOWN:
            error = unsupported(name)
            listed = sorted(set(accepted) - {"FunctionName", "EventSourceArn"})
            raise UsageError(
                f"{call}({name}=...): {operation} would answer {error.code}: "
                f"{error.message}\n{name} is another event source's parameter; the "
                f"parameters of a Kinesis event source mapping are {', '.join(listed)}."
            )
