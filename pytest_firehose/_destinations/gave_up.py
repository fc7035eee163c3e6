"""Records a destination gave up on once its ``RetryOptions`` ran out (an HTTP endpoint,
OpenSearch, Splunk ...), as Firehose writes them to the bucket of the destination's
``S3Configuration``: one JSON line each, the fields every error record starts with, then
the destination's own (an OpenSearch document id, Splunk's ``EventId`` ...) around
``rawData``, under the destination's error output type (``http-endpoint-failed/``,
``splunk-failed/`` ...).

A backup counts only once the bucket took it: while neither the destination nor the bucket
takes the records, the batch stays pending and is tried again (the developer guide's "Handle
data delivery failures": Firehose "effectively pauses stream delivery" until the data can be
delivered or written to the backup), until its records expire."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import DeliveryFailed
from pytest_firehose._destinations.compression import extension
from pytest_firehose._destinations.processing_errors import ErrorOutput, ProcessingFailure
from pytest_firehose._ids import record_id_text

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Batch, DeliveryTarget, Destination
    from pytest_firehose._destinations.objects import DeliveredObject

#: Fields a destination's failed record adds: (those before ``rawData``, those after),
#: from the record's id and arrival.
Extra = Callable[[str, datetime], "tuple[dict[str, Any], dict[str, Any]]"]


def no_extra(record_id: str, arrived: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    return {}, {}


@dataclass(frozen=True)
class GaveUp(ProcessingFailure):
    """A record whose delivery's retries ran out, as its destination's failed record."""

    extra: Extra = field(default=no_extra)

    def error_record(self, lambda_arn: str | None) -> str:
        _, key, arrived = self.record
        before, after = self.extra(record_id_text(key), arrived)
        fields = {**self.leading_fields(), **before, "rawData": self.raw_data(), **after}
        return json.dumps(fields, separators=(",", ":"))


def failed_output(s3: Mapping[str, Any]) -> ErrorOutput:
    """Where and how records given up on are written: the ``S3Configuration`` ``s3``'s
    prefixes and compression."""
    compression = s3.get("CompressionFormat", "UNCOMPRESSED")
    return ErrorOutput(
        s3.get("ErrorOutputPrefix") or "",
        s3.get("Prefix", ""),
        compression,
        extension(compression, None),
    )


def gave_up_object(
    output: ErrorOutput,
    output_type: str,
    target: DeliveryTarget,
    batch: Batch,
    at: datetime,
    error: tuple[str, str],
    extra: Extra = no_extra,
) -> DeliveredObject:
    """The object of ``batch``'s records, each failed with ``error`` (code, message) at
    ``at``, under ``output_type``."""
    failures: list[ProcessingFailure] = [
        GaveUp(record, *error, batch.attempts, at, extra=extra) for record in batch.records
    ]
    return output.object_for(failures, output_type, target, batch.delivery_id)


def written(
    bucket: Destination, target: DeliveryTarget, backup: DeliveredObject
) -> DeliveredObject | None:
    """``backup``, once ``bucket`` (a destination's ``S3Configuration``) took it; None when
    it did not (S3 refused it or could not be reached): the batch is not disposed of."""
    try:
        bucket.deliver(target, backup)
    except DeliveryFailed:
        return None
    return backup
