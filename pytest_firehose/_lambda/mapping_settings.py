"""A Kinesis event source mapping's settings: CreateEventSourceMapping's parameters as the
Lambda API spells them, with Lambda's defaults for a Kinesis source and the checks Lambda
makes beyond its API model's ranges (the wire checks those).

Defaults (DOC, "Lambda parameters for Amazon Kinesis Data Streams event source mappings";
REAL, LocalStack's AWS-validated CreateEventSourceMapping answers): BatchSize 100,
MaximumBatchingWindowInSeconds 0, ParallelizationFactor 1, BisectBatchOnFunctionError
false, MaximumRetryAttempts -1 and MaximumRecordAgeInSeconds -1 (infinite: a record is
retried until it expires from the stream), TumblingWindowInSeconds 0, no
FunctionResponseTypes. MaximumRecordAgeInSeconds is -1 or 60 to 604,800 (DOC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from pytest_firehose._errors import ServiceError
from pytest_firehose._lambda.kinesis_filters import FilterRefused, RecordFilter, record_filter
from pytest_firehose._lambda.mapping_parameters import check_kinesis_parameters

DEFAULT_BATCH_SIZE = 100
MIN_RECORD_AGE_SECONDS = 60
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
#: Where a Kinesis mapping may send its invocation records (DOC: SQS, SNS, S3; Kafka
#: destinations exist for Kafka sources only).
FAILURE_DESTINATIONS = ("sqs", "sns", "s3")
#: The metrics a Kinesis mapping can produce (API reference, EventSourceMappingMetricsConfig:
#: ErrorCount and KafkaMetrics are for Kafka sources only).
KINESIS_METRICS = ("EventCount",)


@dataclass(frozen=True)
class MappingSettings:
    """What the mapping does, read from its parameters."""

    batch_size: int = DEFAULT_BATCH_SIZE
    batching_window: timedelta = timedelta(0)
    starting_position: str = "TRIM_HORIZON"
    starting_timestamp: datetime | None = None
    bisect: bool = False
    #: ``None``: retried until the records expire (-1).
    max_retries: int | None = None
    #: ``None``: no age limit (-1).
    max_age: timedelta | None = None
    report_item_failures: bool = False
    on_failure: str | None = None
    #: ``None``: every record goes to the handler.
    filters: RecordFilter | None = None
    #: ``None``: no tumbling windows (0).
    tumbling_window: timedelta | None = None
    #: Batches of one shard in flight at once, each with its own partition keys.
    parallelization: int = 1
    #: ``False``: the mapping is paused and reads nothing.
    enabled: bool = True


def invalid(message: str) -> ServiceError:
    """Lambda's answer to a parameter it refuses after its model's checks."""
    return ServiceError("InvalidParameterValueException", message)


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(float(value), timezone.utc)


def _starting(params: dict[str, Any]) -> tuple[str, datetime | None]:
    position = params.get("StartingPosition", "TRIM_HORIZON")
    stamp = params.get("StartingPositionTimestamp")
    if position == "AT_TIMESTAMP" and stamp is None:
        # REAL wording (a CreateEventSourceMapping answer quoted in
        # awsdocs/aws-cloudformation-user-guide#334).
        raise invalid("Need to specify a timestamp")
    if stamp is None:
        return position, None
    if position != "AT_TIMESTAMP":
        # REAL wording (LocalStack's AWS-validated test_api snapshot, 2025).
        raise invalid("Timestamp only valid with StartingPosition AT_TIMESTAMP")
    when = _timestamp(stamp)
    if when.timestamp() < 0:
        # REAL wording (the same snapshot): botocore sends a time before the epoch as a
        # negative number of seconds, which Lambda cannot read.
        raise invalid(
            "Received Exception while reading from provided stream. "
            "class java.lang.Long can not be converted to a Timestamp"
        )
    return position, when


def _on_failure(params: dict[str, Any]) -> str | None:
    config = params.get("DestinationConfig") or {}
    if "OnSuccess" in config:
        # REAL wording (LocalStack's AWS-validated test, for a queue source).
        raise invalid(
            "Unsupported DestinationConfig parameter for given event source mapping type."
        )
    on_failure = config.get("OnFailure")
    if on_failure is None:
        return None
    destination = on_failure.get("Destination")
    if destination is None:
        # REAL wording (an UpdateEventSourceMapping answer quoted in
        # aws-controllers-k8s/community#2865).
        raise invalid("The Destination field is required for an OnFailure configuration.")
    service = destination.split(":")[2] if destination.count(":") >= 5 else ""
    if service not in FAILURE_DESTINATIONS:
        raise invalid(f"Unsupported destination type for OnFailure destination: {destination}")
    if service in ("sqs", "sns") and destination.endswith(".fifo"):
        # DOC (API reference, DestinationConfig): a standard queue or topic only.
        raise invalid(
            f"FIFO queues and topics are not supported as OnFailure destinations: {destination}"
        )
    return str(destination)


def _max_age(params: dict[str, Any]) -> timedelta | None:
    seconds = params.get("MaximumRecordAgeInSeconds", -1)
    if seconds == -1:
        return None
    if seconds < MIN_RECORD_AGE_SECONDS:
        # REAL wording (an UpdateEventSourceMapping answer quoted in
        # hashicorp/terraform-provider-aws#16113).
        raise invalid(
            "MaximumRecordAgeInSeconds must be either -1 (forever) or between "
            f"{MIN_RECORD_AGE_SECONDS} and 604800 (inclusive)"
        )
    return timedelta(seconds=seconds)


def _check_metrics(params: dict[str, Any]) -> None:
    metrics = (params.get("MetricsConfig") or {}).get("Metrics") or []
    other = [metric for metric in metrics if metric not in KINESIS_METRICS]
    if other:
        raise invalid(
            f"Unsupported metrics for a Kinesis event source mapping: {', '.join(other)}. "
            f"Supported: {', '.join(KINESIS_METRICS)}."
        )


def _filters(params: dict[str, Any]) -> RecordFilter | None:
    try:
        return record_filter(params.get("FilterCriteria"))
    except FilterRefused as refusal:
        raise invalid(str(refusal)) from None


def settings_from(params: dict[str, Any]) -> MappingSettings:
    """The settings ``params`` ask for, already valid against the API model. Raises
    :class:`ServiceError` with Lambda's answer to a value it refuses, and
    :class:`UsageError` with its answer to a parameter that does not apply to a Kinesis
    source."""
    check_kinesis_parameters(params)
    _check_metrics(params)
    position, stamp = _starting(params)
    retries = params.get("MaximumRetryAttempts", -1)
    window = params.get("TumblingWindowInSeconds", 0)
    parallelization = params.get("ParallelizationFactor", 1)
    if window and parallelization > 1:
        # A window's state is the shard's (DOC); AWS refuses the pair, as an emulator's
        # authors found it (docs/fidelity.md); the wording is the fake's.
        raise invalid(
            "TumblingWindowInSeconds cannot be used with a ParallelizationFactor above 1."
        )
    return MappingSettings(
        batch_size=params.get("BatchSize", DEFAULT_BATCH_SIZE),
        batching_window=timedelta(seconds=params.get("MaximumBatchingWindowInSeconds", 0)),
        starting_position=position,
        starting_timestamp=stamp,
        bisect=bool(params.get("BisectBatchOnFunctionError", False)),
        max_retries=None if retries == -1 else retries,
        max_age=_max_age(params),
        report_item_failures=REPORT_BATCH_ITEM_FAILURES in params.get("FunctionResponseTypes", []),
        on_failure=_on_failure(params),
        filters=_filters(params),
        tumbling_window=timedelta(seconds=window) if window else None,
        parallelization=parallelization,
        enabled=bool(params.get("Enabled", True)),
    )
