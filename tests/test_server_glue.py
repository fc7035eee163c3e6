"""``POST /_fake/glue`` and ``GET /_fake/glue/{database}/{table}``: a test in another
language registers the Glue tables its Iceberg destinations (and format conversions) read,
as a Python test does with ``firehose.glue_table``, and reads their columns back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REGION, ask_control, needs_botocore, put, server_client
from test_iceberg_tables import ORDERS, iceberg, rows

from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._engine.world import World


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
    # It advised a Python call, firehose.glue_table(database, table, columns).
    assert missing[1] == {
        "error": "no Glue table shop.orders (tables: none); register one with POST "
        '/_fake/glue, e.g. {"database": "shop", "table": "orders", "columns": {"id": "bigint"}}'
    }


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        (
            {"database": "shop", "table": "orders", "columns": {"id": "long"}},
            'column "id" of shop.orders: "long" is not a Hive type pytest-firehose reads',
        ),
        (
            {"database": "shop", "table": "orders", "columns": []},
            "POST /_fake/glue: the Glue table needs at least one column",
        ),
        (
            {"database": "shop", "table": "orders", "columns": [["id"]]},
            'POST /_fake/glue: columns are a mapping of column name to Hive type, {"id": '
            '"bigint", "tags": "array<string>"}, or [name, type] pairs of strings; ["id"] is '
            "not a [name, type] pair",
        ),
        (
            {"database": "shop", "table": "orders"},
            "POST /_fake/glue: columns are a mapping of column name to Hive type, "
            '{"id": "bigint", "tags": "array<string>"}, or [name, type] pairs of strings, not '
            "null",
        ),
        (
            {"database": "", "table": "orders", "columns": {"id": "int"}},
            "POST /_fake/glue: the database is named by a non-empty string",
        ),
        (
            {"table": "orders", "columns": {"id": "int"}},
            "POST /_fake/glue: the database is named by a non-empty string",
        ),
        (
            {"database": "shop", "table": "orders", "columns": {"id": "int"}, "catalog_id": "s"},
            'POST /_fake/glue: "catalog_id" is the 12-digit account id of the Glue catalog '
            '(null: the fake\'s account), not "s"',
        ),
    ],
)
def test_a_table_the_python_api_refuses_is_refused_in_the_clients_terms(
    served: FirehoseServer, body: dict[str, Any], refusal: str
) -> None:
    # The words of glue_table's UsageError: glue_table('shop', 'orders', ...) and its
    # values in Python (None, 'shop').
    status, answer = ask_control(served, "POST", "/_fake/glue", body)

    assert (status, answer["error"].startswith(refusal)) == (400, True), answer
    assert ask_control(served, "GET", "/_fake/glue/shop/orders")[0] == 404


def test_a_long_type_is_quoted_as_json_where_it_is_cut(served: FirehoseServer) -> None:
    # It was quoted as Python quotes it ('xxx...), being cut before its closing quote.
    body = {"database": "shop", "table": "orders", "columns": {"id": "x" * 300}}

    status, answer = ask_control(served, "POST", "/_fake/glue", body)

    assert status == 400
    assert answer["error"].startswith(f'column "id" of shop.orders: "{"x" * 79}... (302 chara')


def test_a_catalog_id_read_from_the_query_string_is_named_as_it_was_given(
    served: FirehoseServer,
) -> None:
    status, answer = ask_control(served, "GET", "/_fake/glue/shop/orders?catalog_id=5")

    assert (status, answer) == (
        400,
        {
            "error": "GET /_fake/glue/{database}/{table}: ?catalog_id= is the 12-digit account "
            'id of the Glue catalog (null: the fake\'s account), not "5"'
        },
    )


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
    client = server_client(served)
    put(client, *rows({"id": 1}))
    stream.flush()

    assert stream.tables == {"shop.orders": [{"id": 1, "note": None}]}
