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

CreateEventSourceMapping, UpdateEventSourceMapping and DeleteEventSourceMapping answer with
the same members (REAL, the same snapshots, HTTP 202), the State a passing one: ``Creating``
for a new mapping (Kinesis, DynamoDB and SQS sources), ``Disabled`` for one made disabled (an
SQS source); ``Disabling`` for an update that disables (a DynamoDB stream source),
``Enabling`` for one that enables and ``Updating`` for one that leaves ``Enabled`` out (an
SQS source); ``Deleting`` for a deletion (a DynamoDB stream source).

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
CREATING = "Creating"
UPDATING = "Updating"
DELETING = "Deleting"
#: The passing States of a change, read until it settles.
TRANSITIONS = (CREATING, "Enabling", UPDATING, "Disabling", DELETING)
#: Members shown as given, and left out when not given.
_AS_GIVEN = ("KMSKeyArn", "MetricsConfig")


def last_processing_result(invocations: Sequence[Invocation]) -> str:
    """What LastProcessingResult reads after ``invocations``."""
    if not invocations:
        return NO_RECORDS
    return FUNCTION_FAILED if invocations[-1].failed else PROCESSED


def settled_state(settings: MappingSettings) -> str:
    """The State a mapping with ``settings`` reads once a change has applied."""
    return "Enabled" if settings.enabled else "Disabled"


def created_state(settings: MappingSettings) -> str:
    """The State CreateEventSourceMapping answers for a mapping made with ``settings``."""
    return CREATING if settings.enabled else settled_state(settings)


def updated_state(before: MappingSettings, after: MappingSettings) -> str:
    """The State UpdateEventSourceMapping answers for a change from ``before`` to
    ``after``: enabling or disabling when ``Enabled`` changed, else updating."""
    if before.enabled == after.enabled:
        return UPDATING
    return "Enabling" if after.enabled else "Disabling"


def mapping_description(
    params: dict[str, Any],
    settings: MappingSettings,
    *,
    state: str,
    uuid: str,
    arn: str,
    function_arn: str,
    modified_at: datetime,
    invocations: Sequence[Invocation],
    members: Collection[str],
) -> dict[str, Any]:
    """The mapping made or last updated with ``params`` (read as ``settings``) as Lambda's
    answers describe it, in ``state`` (GetEventSourceMapping's: :func:`settled_state`),
    keeping only ``members`` (those the installed botocore's model
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
        "State": state,
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
