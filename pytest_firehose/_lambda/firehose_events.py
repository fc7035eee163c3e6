"""Firehose's side of a data-transformation Lambda: the event it sends, and how it reads the
answer (the status model of the developer guide's "Data transformation" pages).

The event (developer guide, and aws-lambda-powertools' ``KinesisFirehoseModel``, which
parses it): ``invocationId``, ``deliveryStreamArn``, ``region``, ``sourceKinesisStreamArn``
for a Kinesis source, and ``records``, each with ``recordId``,
``approximateArrivalTimestamp`` (epoch milliseconds), base64 ``data`` and, for a Kinesis
source, ``kinesisRecordMetadata`` (``shardId``, ``partitionKey``,
``approximateArrivalTimestamp`` in epoch milliseconds, ``sequenceNumber``,
``subsequenceNumber``).

For an Amazon MSK source (aws-lambda-java-events' ``MSKFirehoseEvent``; the developer
guide's status model for the answer): ``sourceMSKArn`` (the cluster's ARN) in place of
``sourceKinesisStreamArn``, and each record's base64 value as ``kafkaRecordValue`` in place
of ``data``, with ``mskRecordMetadata`` (``offset`` and ``partitionId`` as text,
``approximateArrivalTimestamp`` in epoch milliseconds). The answer gives an ``Ok`` record's
new value as ``kafkaRecordValue`` too.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pytest_firehose._clock import epoch_millis
from pytest_firehose._payload import Payload, strict_b64decode

RESULTS = ("Ok", "Dropped", "ProcessingFailed")

#: Error codes and messages Firehose writes to ``processing-failed/`` (the developer guide's
#: CloudWatch Logs error list; the texts for FunctionError, FunctionTimedOut and
#: MissingRecordId as real error records show them).
FUNCTION_ERROR = (
    "Lambda.FunctionError",
    "The Lambda function was successfully invoked but it returned an error result.",
)
TIMED_OUT = (
    "Lambda.FunctionTimedOut",
    "The Lambda function invocation timed out. Increase the Timeout setting in the Lambda "
    "function.",
)
MISSING_RECORD_ID = (
    "Lambda.MissingRecordId",
    "One or more record Ids were not returned. Ensure that the Lambda function returns all "
    "received record Ids.",
)
DUPLICATED_RECORD_ID = (
    "Lambda.DuplicatedRecordId",
    "Multiple records were returned with the same record ID. Ensure that the Lambda "
    "function returns unique record IDs for each record.",
)
JSON_PROCESSING = (
    "Lambda.JsonProcessingException",
    "There was an error parsing returned records from the Lambda function. Ensure that the "
    "returned records follow the status model required by Firehose.",
)
RESOURCE_NOT_FOUND = (
    "Lambda.ResourceNotFound",
    "The specified Lambda function does not exist. Use a different function that does exist.",
)
#: A record the function answered ``ProcessingFailed`` for: the code and message as error
#: objects captured from AWS show them.
PROCESSING_FAILED_STATUS = (
    "Lambda.ProcessingFailedStatus",
    "ProcessingFailed status set for record",
)


@dataclass(frozen=True)
class EventSource:
    """Where a stream's records come from, as the event names it: the source's ARN and the
    members that hold it, each record's metadata and each record's data."""

    arn: str
    arn_member: str
    metadata_member: str
    data_member: str = "data"


def kinesis_source(arn: str) -> EventSource:
    """A Kinesis Data Streams source (KinesisStreamAsSource)."""
    return EventSource(arn, "sourceKinesisStreamArn", "kinesisRecordMetadata")


def msk_source(cluster_arn: str) -> EventSource:
    """An Amazon MSK source (MSKAsSource)."""
    return EventSource(cluster_arn, "sourceMSKArn", "mskRecordMetadata", "kafkaRecordValue")


@dataclass(frozen=True)
class SourceRecord:
    """A record as the transformation event shows it."""

    record_id: str
    payload: Payload
    arrived_at: datetime
    #: The source's metadata of a record read from a Kinesis stream or an MSK topic, else
    #: None.
    metadata: Mapping[str, Any] | None = None


def _data(payload: Payload) -> str:
    if isinstance(payload, str):
        return payload  # base64 text already
    return base64.b64encode(payload).decode("ascii")


def record_entry(record: SourceRecord, source: EventSource | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "recordId": record.record_id,
        "approximateArrivalTimestamp": epoch_millis(record.arrived_at),
    }
    entry[source.data_member if source else "data"] = _data(record.payload)
    if source is not None and record.metadata is not None:
        entry[source.metadata_member] = dict(record.metadata)
    return entry


def record_entries(
    records: Sequence[SourceRecord], source: EventSource | None = None
) -> list[dict[str, Any]]:
    """The ``records`` of a transformation event: made once for a batch, and shared by the
    events of its retries (the handler reads its own copy, from the event's JSON)."""
    return [record_entry(record, source) for record in records]


def transformation_event(
    invocation_id: str,
    stream_arn: str,
    region: str,
    entries: list[dict[str, Any]],
    *,
    source: EventSource | None = None,
) -> dict[str, Any]:
    """The event Firehose invokes a transformation Lambda with, its ``records`` the
    ``entries`` of ``record_entries`` (``source``: the Kinesis stream or MSK cluster the
    records come from; None for DirectPut)."""
    event: dict[str, Any] = {"invocationId": invocation_id}
    if source is not None:
        event[source.arn_member] = source.arn
    event["deliveryStreamArn"] = stream_arn
    event["region"] = region
    event["records"] = entries
    return event


def kinesis_metadata(
    shard_id: str, partition_key: str, arrived_at: datetime, sequence_number: str
) -> dict[str, Any]:
    """``kinesisRecordMetadata`` of a record read from a Kinesis stream (not aggregated:
    its subsequence number is 0)."""
    return {
        "shardId": shard_id,
        "partitionKey": partition_key,
        "approximateArrivalTimestamp": epoch_millis(arrived_at),
        "sequenceNumber": sequence_number,
        "subsequenceNumber": 0,
    }


def msk_metadata(partition: int, offset: int, arrived_at: datetime) -> dict[str, Any]:
    """``mskRecordMetadata`` of a record read from an MSK topic: its offset and partition
    as text, as AWS's sample event shows them."""
    return {
        "offset": str(offset),
        "partitionId": str(partition),
        "approximateArrivalTimestamp": epoch_millis(arrived_at),
    }


@dataclass(frozen=True)
class Result:
    """What the function answered for one record: its ``result`` and, for ``Ok``, the new
    data and the partition keys (``metadata.partitionKeys``) it gave, if any."""

    result: str
    data: bytes = b""
    partition_keys: Mapping[str, str] | None = None


class AnswerRejected(Exception):
    """The answer does not follow the status model; ``error`` is Firehose's (code,
    message); its text is the code and what in the answer was wrong."""

    def __init__(self, error: tuple[str, str], detail: str) -> None:
        super().__init__(f"{error[0]}: {detail}")
        self.error = error


def read_answer(
    answer: Any, record_ids: Sequence[str], data_member: str = "data"
) -> dict[str, Result]:
    """Each record's :class:`Result`, by record id, from a handler's answer to an event
    holding ``record_ids``.

    Raises :class:`AnswerRejected`: ``Lambda.JsonProcessingException`` for an answer that
    is not ``{"records": [...]}`` with a known ``result`` and, for ``Ok``, base64 data in
    ``data_member`` (``data``; an MSK source's ``kafkaRecordValue``);
    ``Lambda.DuplicatedRecordId`` for an id answered twice; ``Lambda.MissingRecordId`` when
    the ids answered are not those sent (one missing, or one never sent)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("records"), list):
        raise AnswerRejected(JSON_PROCESSING, 'the answer is not {"records": [...]}')
    results: dict[str, Result] = {}
    for position, entry in enumerate(answer["records"]):
        record_id, result = _entry(entry, position, data_member)
        if record_id in results:
            raise AnswerRejected(DUPLICATED_RECORD_ID, f"recordId {record_id!r} answered twice")
        results[record_id] = result
    sent = set(record_ids)
    missing = [record_id for record_id in record_ids if record_id not in results]
    unknown = [record_id for record_id in results if record_id not in sent]
    if missing or unknown:
        raise AnswerRejected(
            MISSING_RECORD_ID,
            f"{len(missing)} recordId(s) sent were not answered, {len(unknown)} answered "
            "were never sent",
        )
    return results


def _entry(entry: Any, position: int, data_member: str) -> tuple[str, Result]:
    where = f"records[{position}]"
    if not isinstance(entry, dict):
        raise AnswerRejected(JSON_PROCESSING, f"{where} is not an object")
    record_id, result = entry.get("recordId"), entry.get("result")
    if not isinstance(record_id, str):
        raise AnswerRejected(JSON_PROCESSING, f"{where} has no string recordId")
    if result not in RESULTS:
        raise AnswerRejected(
            JSON_PROCESSING, f"{where}.result is {result!r}, not one of {', '.join(RESULTS)}"
        )
    if result != "Ok":
        return record_id, Result(result)
    data = entry.get(data_member)
    if not isinstance(data, str):
        raise AnswerRejected(
            JSON_PROCESSING, f"{where} is Ok but its {data_member} is not base64 text"
        )
    try:
        decoded = strict_b64decode(data)
    except (binascii.Error, ValueError):
        invalid = f"{where}.{data_member} is not valid base64"
        raise AnswerRejected(JSON_PROCESSING, invalid) from None
    otf = _otf_metadata(entry, where)
    if otf is not None:
        routed = RoutedData(decoded)
        routed.otf = otf
        decoded = routed
    return record_id, Result(result, decoded, _partition_keys(entry, where))


class RoutedData(bytes):
    """An ``Ok`` record's new data with the ``metadata.otfMetadata`` the function gave for
    it (``destinationDatabaseName``, ``destinationTableName``, ``operation``: where an
    Iceberg destination writes it, and how); it compares and hashes as its bytes, and goes
    through buffers and retries as they do."""

    otf: Mapping[str, Any]


def _otf_metadata(entry: dict[str, Any], where: str) -> dict[str, Any] | None:
    """An ``Ok`` record's ``metadata.otfMetadata``, or None when it gave none."""
    metadata = entry.get("metadata")
    otf = metadata.get("otfMetadata") if isinstance(metadata, dict) else None
    if otf is None:
        return None
    if not isinstance(otf, dict):
        raise AnswerRejected(JSON_PROCESSING, f'{where}.metadata is not {{"otfMetadata": {{...}}}}')
    return otf


def _partition_keys(entry: dict[str, Any], where: str) -> dict[str, str] | None:
    """An ``Ok`` record's ``metadata.partitionKeys``, each value as text (numbers and
    booleans as JSON writes them); a null value is left out, as if not given."""
    metadata = entry.get("metadata")
    if metadata is None:
        return None
    keys = metadata.get("partitionKeys") if isinstance(metadata, dict) else metadata
    if keys is None:
        return None
    if not isinstance(keys, dict):
        raise AnswerRejected(
            JSON_PROCESSING, f'{where}.metadata is not {{"partitionKeys": {{...}}}}'
        )
    text: dict[str, str] = {}
    for name, value in keys.items():
        if isinstance(value, (dict, list)):
            raise AnswerRejected(
                JSON_PROCESSING, f"{where}.metadata.partitionKeys.{name} is not a string"
            )
        if value is not None:
            text[name] = value if isinstance(value, str) else json.dumps(value)
    return text
