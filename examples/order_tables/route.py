"""The function: a Firehose data-transformation Lambda for an Apache Iceberg destination.

The order service puts one event per record: ``{"type": ..., "order_id": ..., ...}``. The
function turns each into a row of a table of the ``sales`` database and tells Firehose which
table and how to apply the row, in the record's ``metadata.otfMetadata``:

- ``OrderCreated`` inserts the order into ``orders``;
- ``OrderAmended`` updates it: the event carries the whole amended order, which takes the
  place of the row with its ``order_id`` (the table's ``UniqueKeys``);
- ``OrderCancelled`` deletes the row with its ``order_id``;
- ``OrderRefunded`` inserts the refund into ``refunds``.

A row holds its table's columns only: a field the table has no column for would fail the
record at the table. Data the function cannot route (not JSON, another event type, no
``order_id``) is ``ProcessingFailed``, so Firehose writes it, as it was put, to the error
output in the destination's S3 bucket.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

LOG = logging.getLogger(__name__)

DATABASE = "sales"
#: Event type -> (table, operation, the event's fields that make the row).
ROUTES = {
    "OrderCreated": ("orders", "insert", ("order_id", "customer", "total")),
    "OrderAmended": ("orders", "update", ("order_id", "customer", "total")),
    "OrderCancelled": ("orders", "delete", ("order_id",)),
    "OrderRefunded": ("refunds", "insert", ("order_id", "amount", "reason")),
}


def _route(data: bytes) -> tuple[dict[str, Any], str, str] | None:
    """(row, table, operation) for one record's data; None when it cannot be routed."""
    try:
        event = json.loads(data)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("order_id"), str):
        return None
    route = ROUTES.get(str(event.get("type")))
    if route is None:
        return None
    table, operation, fields = route
    return {field: event.get(field) for field in fields}, table, operation


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer Firehose's transformation event: one result per record, in order."""
    answers = []
    for record in event["records"]:
        routed = _route(base64.b64decode(record["data"]))
        if routed is None:
            LOG.warning("%s: cannot route", record["recordId"][:12])
            answers.append({"recordId": record["recordId"], "result": "ProcessingFailed"})
            continue
        row, table, operation = routed
        answers.append(
            {
                "recordId": record["recordId"],
                "result": "Ok",
                "data": base64.b64encode(json.dumps(row).encode()).decode("ascii"),
                "metadata": {
                    "otfMetadata": {
                        "destinationDatabaseName": DATABASE,
                        "destinationTableName": table,
                        "operation": operation,
                    }
                },
            }
        )
    return {"records": answers}
