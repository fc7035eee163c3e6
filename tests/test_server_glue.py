"""``POST /_fake/glue`` and ``GET /_fake/glue/{database}/{table}``: a test in another
language registers the Glue tables its Iceberg destinations (and format conversions) read,
as a Python test does with ``firehose.glue_table``, and reads their columns back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from conftest import REGION, ask_control, needs_botocore, put
from test_iceberg_tables import ORDERS, iceberg, rows

from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._engine.world import World
from pytest_firehose._errors import UsageError


@pytest.fixture
def served() -> Iterator[FirehoseServer]:
    with FirehoseServer(World(region=REGION)) as server:
        yield server


@pytest.mark.parametrize(
    "columns",
    [{"id": "bigint", "tags": "array<string>"}, [["id", "bigint"], ["tags", "array<string>"]]],
    ids=["object", "pairs"],
)
def test_a_table_registered_over_http_is_the_one_a_python_test_registers(
    served: FirehoseServer, columns: Any
) -> None:
    registered = {"database": "shop", "table": "orders", "columns": columns}

    created = ask_control(served, "POST", "/_fake/glue", registered)

    expected = {
        "database": "shop",
        "table": "orders",
        "columns": [["id", "bigint"], ["tags", "array<string>"]],
    }
    assert created == (201, expected)
    assert ask_control(served, "GET", "/_fake/glue/shop/orders") == (200, expected)
    assert served.firehose.glue_columns("shop", "orders") == {
        "id": "bigint",
        "tags": "array<string>",
    }


def test_a_table_lives_in_its_region_and_catalog(served: FirehoseServer) -> None:
    elsewhere = {"region": "eu-west-1", "catalog_id": "210987654321"}
    body = {"database": "shop", "table": "orders", "columns": {"id": "int"}, **elsewhere}
    assert ask_control(served, "POST", "/_fake/glue", body)[0] == 201

    found = ask_control(
        served, "GET", "/_fake/glue/shop/orders?region=eu-west-1&catalog_id=210987654321"
    )
    missing = ask_control(served, "GET", "/_fake/glue/shop/orders")

    assert found == (200, {"database": "shop", "table": "orders", "columns": [["id", "int"]]})
    assert missing[0] == 404
    assert "register one with firehose.glue_table" in missing[1]["error"]


def python_refusal(**arguments: Any) -> str:
    """What ``firehose.glue_table(...)`` raises for these arguments."""
    with FirehoseServer(World(region=REGION)) as server, pytest.raises(UsageError) as caught:
        server.firehose.glue_table(
            arguments.pop("database", None),
            arguments.pop("table", None),
            arguments.pop("columns", None),
            **arguments,
        )
    return str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        {"database": "shop", "table": "orders", "columns": {"id": "long"}},
        {"database": "shop", "table": "orders", "columns": []},
        {"database": "shop", "table": "orders", "columns": [["id"]]},
        {"database": "shop", "table": "orders"},
        {"database": "", "table": "orders", "columns": {"id": "int"}},
        {"table": "orders", "columns": {"id": "int"}},
        {"database": "shop", "table": "orders", "columns": {"id": "int"}, "catalog_id": "shop"},
    ],
)
def test_a_table_the_python_api_refuses_is_refused_in_its_words(
    served: FirehoseServer, body: dict[str, Any]
) -> None:
    assert ask_control(served, "POST", "/_fake/glue", body) == (
        400,
        {"error": python_refusal(**body)},
    )
    assert ask_control(served, "GET", "/_fake/glue/shop/orders")[0] == 404


def test_a_field_the_route_does_not_read_is_refused(served: FirehoseServer) -> None:
    body = {"database": "shop", "table": "orders", "columns": {"id": "int"}, "schema": {}}

    status, answer = ask_control(served, "POST", "/_fake/glue", body)

    assert status == 400
    assert 'POST /_fake/glue takes no "schema"' in answer["error"]


@needs_botocore("firehose CreateDeliveryStream.IcebergDestinationConfiguration")
def test_an_iceberg_destination_writes_to_a_table_registered_over_http(
    served: FirehoseServer,
) -> None:
    columns = {"id": "bigint", "note": "string"}
    registered = {"database": "shop", "table": "orders", "columns": columns}
    assert ask_control(served, "POST", "/_fake/glue", registered)[0] == 201
    stream = served.firehose.create_delivery_stream(
        "events", IcebergDestinationConfiguration=iceberg(ORDERS)
    )
    client = boto3.session.Session().client(
        "firehose",
        endpoint_url=served.url,
        region_name=REGION,
        aws_access_key_id="any",
        aws_secret_access_key="any",
    )
    put(client, *rows({"id": 1}))
    stream.flush()

    assert stream.tables == {"shop.orders": [{"id": 1, "note": None}]}
