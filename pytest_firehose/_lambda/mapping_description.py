"""A Kinesis event source mapping as GetEventSourceMapping describes it.

Facts (REAL, LocalStack's AWS-validated CreateEventSourceMapping, GetEventSourceMapping and
UpdateEventSourceMapping answers for Kinesis and DynamoDB stream sources, 2025): a stream
source's mapping shows BatchSize, BisectBatchOnFunctionError, DestinationConfig
(``{"OnFailure": {}}`` without a destination), EventSourceArn, EventSourceMappingArn,
FunctionArn (qualified as FunctionName named it), FunctionResponseTypes (``[]`` without
any), LastModified, LastProcessingResult (``No records processed`` before the first
invocation, ``OK`` after one that succeeded), MaximumBatchingWindowInSeconds,
MaximumRecordAgeInSeconds, MaximumRetryAttempts, ParallelizationFactor, StartingPosition,
State, StateTransitionReason (``User action``), TumblingWindowInSeconds and UUID, each with
its default when it was not given, and FilterCriteria only when given. After a failed
invocation LastProcessingResult reads ``PROBLEM: Function call failed`` (DOC, the developer
guide's update-event-source-mapping example).

Choices (INFERRED, docs/fidelity.md): StartingPositionTimestamp, KMSKeyArn and MetricsConfig
show when given, as given; FilterCriteria shows while it holds a filter; an invocation is
``OK`` unless the function raised or timed out, whatever items its answer reports failed.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from pytest_firehose._lambda.mapping_invocations import Invocation
from pytest_firehose._lambda.mapping_settings import DEFAULT_BATCH_SIZE, MappingSettings

NO_RECORDS = "No records processed"
PROCESSED = "OK"
FUNCTION_FAILED = "PROBLEM: Function call failed"
USER_ACTION = "User action"
#: Members shown as given, and left out when not given.
_AS_GIVEN = ("KMSKeyArn", "MetricsConfig")


def last_processing_result(invocations: Sequence[Invocation]) -> str:
    """What LastProcessingResult reads after ``invocations``."""
    if not invocations:
        return NO_RECORDS
    return FUNCTION_FAILED if invocations[-1].failed else PROCESSED


def mapping_description(
    params: dict[str, Any],
    settings: MappingSettings,
    *,
    uuid: str,
    arn: str,
    function_arn: str,
    modified_at: datetime,
    invocations: Sequence[Invocation],
    members: Collection[str],
) -> dict[str, Any]:
    """GetEventSourceMapping's answer for the mapping made or last updated with ``params``
    (read as ``settings``), keeping only ``members`` (those the installed botocore's model
    has: its client would drop any other)."""
    on_failure = {} if settings.on_failure is None else {"Destination": settings.on_failure}
    described: dict[str, Any] = {
        "UUID": uuid,
        "BatchSize": params.get("BatchSize", DEFAULT_BATCH_SIZE),
        "MaximumBatchingWindowInSeconds": params.get("MaximumBatchingWindowInSeconds", 0),
        "ParallelizationFactor": settings.parallelization,
        "EventSourceArn": params["EventSourceArn"],
        "EventSourceMappingArn": arn,
        "FunctionArn": function_arn,
        "LastModified": modified_at,
        "LastProcessingResult": last_processing_result(invocations),
        "State": "Enabled" if settings.enabled else "Disabled",
        "StateTransitionReason": USER_ACTION,
        "DestinationConfig": {"OnFailure": on_failure},
        "MaximumRecordAgeInSeconds": params.get("MaximumRecordAgeInSeconds", -1),
        "BisectBatchOnFunctionError": settings.bisect,
        "MaximumRetryAttempts": params.get("MaximumRetryAttempts", -1),
        "TumblingWindowInSeconds": params.get("TumblingWindowInSeconds", 0),
        "FunctionResponseTypes": list(params.get("FunctionResponseTypes", [])),
        "StartingPosition": settings.starting_position,
    }
    if settings.starting_timestamp is not None:
        described["StartingPositionTimestamp"] = settings.starting_timestamp
    if settings.filters is not None:
        described["FilterCriteria"] = copy.deepcopy(params["FilterCriteria"])
    for name in _AS_GIVEN:
        if name in params:
            described[name] = copy.deepcopy(params[name])
    return {name: value for name, value in described.items() if name in members}
