"""The events Lambda builds from Kinesis records: what a handler behind an event source
mapping receives, and the invocation record a mapping writes when it gives up on a batch.

Facts (docs/fidelity.md, "Lambda and Kinesis"):

* The event is ``{"Records": [...]}``; each entry has ``kinesis`` (``kinesisSchemaVersion``
  ``"1.0"``, ``partitionKey``, ``sequenceNumber``, base64 ``data``,
  ``approximateArrivalTimestamp`` as epoch seconds with milliseconds), ``eventSource``
  ``"aws:kinesis"``, ``eventVersion`` ``"1.0"``, ``eventID`` ``shardId:sequenceNumber``,
  ``eventName`` ``"aws:kinesis:record"``, ``invokeIdentityArn`` (the function's execution
  role), ``awsRegion`` and ``eventSourceARN`` (DOC: the Lambda developer guide's sample
  event; REAL: LocalStack's AWS-validated snapshots).
* A record of a KMS-encrypted stream also carries ``kinesis.encryptionType: "KMS"``
  (MOCK: the aws-lambda-events fixture of an encrypted stream's event).
* The on-failure invocation record: ``requestContext`` (``requestId``, ``functionArn``,
  ``condition``, ``approximateInvokeCount``), ``responseContext`` (``statusCode`` 200,
  ``executedVersion``, ``functionError`` "Unhandled" after a function error, ``null``
  after a failure the function reported without raising; absent for
  ``RecordAgeExceeded``), ``version`` ``"1.0"``, ``timestamp`` and ``KinesisBatchInfo``
  (DOC: kinesis-on-failure-destination; REAL: LocalStack's AWS-validated snapshots).
* An S3 on-failure destination receives the record with the batch's event beside it as
  ``payload``; the record's keys, and those of its parts, are in alphabetical order there,
  the event's as sent (REAL: LocalStack's AWS-validated snapshot, 2025).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Protocol

from pytest_firehose._clock import epoch_seconds

SCHEMA_VERSION = "1.0"
EVENT_VERSION = "1.0"
EVENT_SOURCE = "aws:kinesis"
EVENT_NAME = "aws:kinesis:record"
#: The conditions an invocation record names.
RETRIES_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


class StreamRecord(Protocol):
    """What the events need of a Kinesis record (``KinesisRecord`` has all of it)."""

    @property
    def data(self) -> bytes: ...

    partition_key: str | None

    @property
    def sequence_number(self) -> str: ...

    shard_id: str
    arrived_at: datetime
    encryption: str


class EventSource(Protocol):
    """Where the records come from and who reads them: the stream and the function's role."""

    @property
    def stream_arn(self) -> str: ...

    @property
    def region(self) -> str: ...

    @property
    def role_arn(self) -> str: ...


def iso_millis(moment: datetime) -> str:
    """``2019-11-14T00:38:04.835Z``: the invocation record's timestamps."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def event_record(record: StreamRecord, source: EventSource) -> dict[str, Any]:
    """One entry of ``Records``."""
    kinesis: dict[str, Any] = {
        "kinesisSchemaVersion": SCHEMA_VERSION,
        "partitionKey": record.partition_key or "",
        "sequenceNumber": record.sequence_number,
        "data": base64.b64encode(record.data).decode("ascii"),
        "approximateArrivalTimestamp": epoch_seconds(record.arrived_at),
    }
    if record.encryption == "KMS":
        kinesis["encryptionType"] = "KMS"
    return {
        "kinesis": kinesis,
        "eventSource": EVENT_SOURCE,
        "eventVersion": EVENT_VERSION,
        "eventID": f"{record.shard_id}:{record.sequence_number}",
        "eventName": EVENT_NAME,
        "invokeIdentityArn": source.role_arn,
        "awsRegion": source.region,
        "eventSourceARN": source.stream_arn,
    }


def kinesis_event(records: Sequence[StreamRecord], source: EventSource) -> dict[str, Any]:
    """The event a handler receives for ``records`` (one shard's, in order)."""
    return {"Records": [event_record(record, source) for record in records]}


def invocation_record(
    records: Sequence[StreamRecord],
    source: EventSource,
    *,
    request_id: str,
    function_arn: str,
    condition: str,
    invoke_count: int,
    function_error: str | None,
    executed_version: str,
    at: datetime,
) -> dict[str, Any]:
    """The JSON document the mapping sends to its on-failure destination when it gives up
    on ``records``. ``function_error`` is ``"Unhandled"`` after a function error, ``None``
    after a failure reported in the function's answer; a ``RecordAgeExceeded`` record has
    no ``responseContext``."""
    document: dict[str, Any] = {
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
    }
    if condition != RECORD_AGE_EXCEEDED:
        document["responseContext"] = {
            "statusCode": 200,
            "executedVersion": executed_version,
            "functionError": function_error,
        }
    first, last = records[0], records[-1]
    document["version"] = "1.0"
    document["timestamp"] = iso_millis(at)
    document["KinesisBatchInfo"] = {
        "shardId": first.shard_id,
        "startSequenceNumber": first.sequence_number,
        "endSequenceNumber": last.sequence_number,
        "approximateArrivalOfFirstRecord": iso_millis(first.arrived_at),
        "approximateArrivalOfLastRecord": iso_millis(last.arrived_at),
        "batchSize": len(records),
        "streamArn": source.stream_arn,
    }
    return document


def s3_failure_document(record: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """What an S3 on-failure destination's object holds: the invocation ``record`` with its
    keys (and its parts' keys) in alphabetical order, and the event of the batch given up
    on as ``payload``, as it was sent."""
    document = {**record, "payload": payload}
    return {
        key: document[key]
        if key == "payload" or not isinstance(document[key], dict)
        else {inner: document[key][inner] for inner in sorted(document[key])}
        for key in sorted(document)
    }
