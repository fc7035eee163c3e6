"""Records Firehose could not process, as it writes them to a destination's error output: each
one's error record (the fields every error record starts with, and a transformation's own
layout, with the function's ARN), and the object that holds them, under the destination's
``ErrorOutputPrefix`` (else its ``Prefix``) and the error output type
(``processing-failed/``, ``partitioning-failed/`` ...). A transformation's failures are
written so, and so are those of decompression, dynamic partitioning, format conversion and
the destinations that give records up to their bucket.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from pytest_firehose._clock import epoch_millis
from pytest_firehose._destinations.base import Accepted, DeliveryTarget
from pytest_firehose._destinations.compression import compress
from pytest_firehose._destinations.objects import DeliveredObject, has_expressions, object_key
from pytest_firehose._payload import Payload

if TYPE_CHECKING:
    from pytest_firehose._ids import RecordKey


@dataclass(frozen=True)
class ProcessingFailure:
    """A record Firehose could not transform: the error-record fields it writes."""

    record: Accepted
    code: str
    message: str
    attempts: int
    ended_at: datetime

    def leading_fields(self) -> dict[str, Any]:
        """The fields an error record starts with, whatever failed."""
        return {
            "attemptsMade": self.attempts,
            "arrivalTimestamp": epoch_millis(self.record[2]),
            "errorCode": self.code,
            "errorMessage": self.message,
            "attemptEndingTimestamp": epoch_millis(self.ended_at),
        }

    def raw_data(self) -> str:
        """The record's payload in base64, as an error record holds it."""
        payload = self.record[0]
        return payload if isinstance(payload, str) else base64.b64encode(payload).decode()

    def error_record(self, lambda_arn: str | None) -> str:
        """The JSON line Firehose writes for the record to the error output: the leading
        fields, then ``rawData``; for a transformation's failure (``lambda_arn`` given), the
        layout AWS writes to ``processing-failed/`` today, ``rawData`` first and the
        function's ARN last as ``lambdaARN`` (objects captured in 2025 and 2026; those of
        2019 to 2022 had the developer guide's order and ``lambdaArn``)."""
        if lambda_arn is None:
            fields = {**self.leading_fields(), "rawData": self.raw_data()}
        else:
            fields = {
                "rawData": self.raw_data(),
                "errorCode": self.code,
                "errorMessage": self.message,
                "attemptsMade": self.attempts,
                "arrivalTimestamp": epoch_millis(self.record[2]),
                "attemptEndingTimestamp": epoch_millis(self.ended_at),
                "lambdaARN": lambda_arn,
            }
        return json.dumps(fields, separators=(",", ":"))


#: What ``!{firehose:error-output-type}`` names for records a transformation failed.
PROCESSING_FAILED = "processing-failed"
ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}"


@dataclass(frozen=True)
class ErrorOutput:
    """How a destination writes its error output: its ``ErrorOutputPrefix`` (empty when
    not configured), its ``Prefix``, its objects' compression and extension, the zone
    their keys' times are in, and, where a record's payload changed before it failed
    (CloudWatch Logs decompression), each record's payload as it was put, by record id:
    what the error output holds."""

    prefix: str
    base: str
    compression: str
    extension: str
    zone: tzinfo = timezone.utc
    as_put: Mapping[RecordKey, Payload] | None = None

    def object_for(
        self,
        failures: list[ProcessingFailure],
        output_type: str,
        target: DeliveryTarget,
        delivery_id: str,
        lambda_arn: str | None = None,
    ) -> DeliveredObject:
        """The error object for ``failures``: one JSON error record a line, under
        ``output_type`` (``processing-failed``, ``partitioning-failed`` ...), named after
        the oldest record's arrival."""
        as_put = self.as_put
        if as_put is not None:
            failures = [
                replace(f, record=(as_put.get(f.record[1], f.record[0]), *f.record[1:]))
                for f in failures
            ]
        at = max(failure.ended_at for failure in failures)
        oldest = min(failure.record[2] for failure in failures)
        expanded = has_expressions(self.prefix)
        if expanded:
            prefix = self.prefix.replace(ERROR_OUTPUT_TYPE, output_type)
        else:
            prefix = f"{self.prefix or self.base}{output_type}/"
        key = object_key(
            prefix,
            target.name,
            str(target.version),
            oldest,
            delivery_id,
            self.extension,
            expanded=expanded,
            zone=self.zone,
        )
        text = "".join(failure.error_record(lambda_arn) + "\n" for failure in failures)
        body = compress(text.encode(), self.compression, name=delivery_id, at=at)
        payloads = tuple(failure.record[0] for failure in failures)
        return DeliveredObject(
            key, payloads, at, delivery_id, compression=self.compression, body=body
        )
