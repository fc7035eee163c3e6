"""The function: each Kinesis record holds one JSON order; valid orders are archived to the
``orders-archive`` delivery stream as newline-delimited JSON, invalid ones are skipped and
logged, and records Firehose refuses are reported back to the event source mapping
(``ReportBatchItemFailures``) so that only they, and those after them, are retried."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import boto3

DELIVERY_STREAM = "orders-archive"
LOG = logging.getLogger(__name__)

# Made on first use and kept for the execution environment's life, as Lambda keeps a
# module's globals between invocations; in the function's region, which the Lambda
# runtime sets in AWS_REGION.
_firehose: Any = None


def _client() -> Any:
    global _firehose
    if _firehose is None:
        _firehose = boto3.client("firehose")
    return _firehose


def _line(record: dict[str, Any]) -> bytes | None:
    """The archived form of a record: its order as one line of compact JSON, or ``None``
    when the data is not an order."""
    try:
        order = json.loads(base64.b64decode(record["kinesis"]["data"]))
    except ValueError:
        return None
    if not isinstance(order, dict) or "id" not in order:
        return None
    return json.dumps(order, separators=(",", ":")).encode() + b"\n"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Archive the batch; answer the partial batch response Lambda reads."""
    entries = []
    for record in event["Records"]:
        line = _line(record)
        if line is None:
            LOG.warning("skipping %s: not an order", record["kinesis"]["sequenceNumber"])
            continue
        entries.append((record["kinesis"]["sequenceNumber"], line))
    if not entries:
        return {"batchItemFailures": []}
    answer = _client().put_record_batch(
        DeliveryStreamName=DELIVERY_STREAM, Records=[{"Data": line} for _, line in entries]
    )
    failed = [
        {"itemIdentifier": number}
        for (number, _), result in zip(entries, answer["RequestResponses"], strict=True)
        if "ErrorCode" in result
    ]
    return {"batchItemFailures": failed}
