"""The order-event router run as Firehose runs it: the Lambda processor of an Apache Iceberg
destination whose Glue tables the test registers, each record landing in the table and by
the operation its ``otfMetadata`` names, and what the function cannot route in the error
output."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import botocore.session
import pytest
from order_tables.route import handler

#: Iceberg destinations that route to several tables are in botocore's Firehose model from
#: a later release than the oldest boto3 the suite takes.
CREATE = (
    botocore.session.get_session()
    .get_service_model("firehose")
    .operation_model("CreateDeliveryStream")
)
ICEBERG = CREATE.input_shape.members.get("IcebergDestinationConfiguration")
pytestmark = pytest.mark.skipif(
    ICEBERG is None or "DestinationTableConfigurationList" not in ICEBERG.members,
    reason=f"botocore {botocore.__version__} predates Iceberg destinations",
)

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:order-router"
ROLE = "arn:aws:iam::123456789012:role/firehose-orders"


def send(*events: dict[str, Any] | bytes) -> None:
    """What the order service does: one PutRecordBatch of its events."""
    records = [{"Data": e if isinstance(e, bytes) else json.dumps(e).encode()} for e in events]
    client = boto3.client("firehose", region_name="us-east-1")
    client.put_record_batch(DeliveryStreamName="order-events", Records=records)


@pytest.fixture
def orders(firehose: Any) -> Any:
    """The tables as the data team made them in Glue, and the delivery stream as production
    configures it: the router, then the tables (orders found by their ``order_id``)."""
    firehose.glue_table(
        "sales", "orders", {"order_id": "string", "customer": "string", "total": "double"}
    )
    firehose.glue_table(
        "sales", "refunds", {"order_id": "string", "amount": "double", "reason": "string"}
    )
    firehose.lambda_function(FUNCTION, handler)
    return firehose.create_delivery_stream(
        "order-events",
        IcebergDestinationConfiguration={
            "RoleARN": ROLE,
            "CatalogConfiguration": {"CatalogARN": "arn:aws:glue:us-east-1:123456789012:catalog"},
            "S3Configuration": {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::order-events-errors"},
            "DestinationTableConfigurationList": [
                {
                    "DestinationDatabaseName": "sales",
                    "DestinationTableName": "orders",
                    "UniqueKeys": ["order_id"],
                },
                {"DestinationDatabaseName": "sales", "DestinationTableName": "refunds"},
            ],
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [
                    {
                        "Type": "Lambda",
                        "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": FUNCTION}],
                    }
                ],
            },
        },
    )


def created(order_id: str, total: float, customer: str = "c-1") -> dict[str, Any]:
    return {"type": "OrderCreated", "order_id": order_id, "customer": customer, "total": total}


def test_orders_are_inserted_amended_and_cancelled(orders: Any) -> None:
    send(
        created("o-1", 20.0),
        created("o-2", 35.5, customer="c-2"),
        {"type": "OrderAmended", "order_id": "o-1", "customer": "c-1", "total": 24.0},
        {"type": "OrderCancelled", "order_id": "o-2", "reason": "changed my mind"},
        created("o-3", 9.99),
    )

    orders.flush()

    assert orders.tables == {
        "sales.orders": [
            {"order_id": "o-1", "customer": "c-1", "total": 24.0},
            {"order_id": "o-3", "customer": "c-1", "total": 9.99},
        ],
    }
    assert orders.backed_up == []
    assert orders.processing_failed == []


def test_a_refund_goes_to_its_own_table(orders: Any) -> None:
    send(
        created("o-1", 20.0),
        {"type": "OrderRefunded", "order_id": "o-1", "amount": 5.0, "reason": "late", "by": "ops"},
    )

    orders.flush()

    assert orders.tables == {
        "sales.orders": [{"order_id": "o-1", "customer": "c-1", "total": 20.0}],
        "sales.refunds": [{"order_id": "o-1", "amount": 5.0, "reason": "late"}],
    }


def test_an_amendment_replaces_the_whole_row(orders: Any) -> None:
    """An update is no merge: an amendment without the customer leaves the row without it."""
    send(created("o-1", 20.0), {"type": "OrderAmended", "order_id": "o-1", "total": 25.0})

    orders.flush()

    assert orders.tables["sales.orders"] == [{"order_id": "o-1", "customer": None, "total": 25.0}]


def test_what_the_function_cannot_route_goes_to_the_error_output_as_it_was_put(
    orders: Any,
) -> None:
    shipped = {"type": "OrderShipped", "order_id": "o-1", "carrier": "dhl"}
    send(created("o-1", 20.0), shipped, b"not json", {"type": "OrderCancelled"})

    orders.flush()

    assert orders.tables == {
        "sales.orders": [{"order_id": "o-1", "customer": "c-1", "total": 20.0}]
    }
    assert orders.processing_failed == [
        json.dumps(shipped).encode(),
        b"not json",
        b'{"type": "OrderCancelled"}',
    ]
    (error_object,) = orders.error_objects
    assert error_object.key.startswith("processing-failed/")
    errors = [json.loads(line) for line in error_object.body.splitlines()]
    assert [base64.b64decode(e["rawData"]) for e in errors] == orders.processing_failed
    assert {e["errorCode"] for e in errors} == {"Lambda.ProcessingFailedStatus"}
    assert {e["lambdaARN"] for e in errors} == {FUNCTION}
