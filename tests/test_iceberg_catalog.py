"""An Apache Iceberg destination's tables in the Glue Data Catalog (``firehose.glue_table``):
a table missing from a database the catalog holds, ``TableCreationConfiguration``,
``SchemaEvolutionConfiguration``, values that do not fit their column, and the catalog the
destination's ``CatalogARN`` names."""

from __future__ import annotations

import warnings
from typing import Any

import boto3
import pytest
from conftest import needs_botocore, put
from test_iceberg_tables import ORDERS, delivered, error_lines, iceberg, jq_routed, rows

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning
from pytest_firehose._errors import UsageError

pytestmark = needs_botocore(
    "firehose CreateDeliveryStream.IcebergDestinationConfiguration.SchemaEvolutionConfiguration"
)

CREATE = {"TableCreationConfiguration": {"Enabled": True}}
EVOLVE = {"SchemaEvolutionConfiguration": {"Enabled": True}}


def codes(fake: FirehoseFake) -> list[tuple[str, str]]:
    return [(line["errorCode"], line["errorMessage"]) for line in error_lines(fake)]


def test_a_registered_table_holds_every_column_null_where_a_record_has_none(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.glue_table("shop", "orders", {"id": "bigint", "note": "string"})

    stream = delivered(fake, client, iceberg(ORDERS), *rows({"id": 1}, {"note": "x", "id": 2}))

    assert stream.tables == {"shop.orders": [{"id": 1, "note": None}, {"id": 2, "note": "x"}]}
    assert stream.backed_up == []


def test_a_table_missing_from_a_database_the_catalog_holds_fails_its_records(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.glue_table("shop", "orders", {"t": "string", "id": "bigint"})

    stream = delivered(
        fake,
        client,
        jq_routed(ORDERS),
        *rows({"t": "orders", "id": 1}, {"t": "users", "id": 2}),
    )

    assert stream.tables == {"shop.orders": [{"t": "orders", "id": 1}]}
    assert codes(fake) == [
        (
            "Iceberg.TableNotFound",
            "The table shop.users does not exist in the Glue Data Catalog, and "
            "TableCreationConfiguration is not enabled.",
        )
    ]


def test_without_tables_registered_for_its_database_every_table_takes_any_object(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.glue_table("other", "orders", {"id": "bigint"})

    stream = delivered(fake, client, iceberg(ORDERS), *rows({"id": "one", "extra": [1]}))

    assert stream.tables == {"shop.orders": [{"id": "one", "extra": [1]}]}


def test_table_creation_creates_a_missing_table_typed_from_its_first_row(
    fake: FirehoseFake, client: Any
) -> None:
    first = {"id": 1, "price": 2.5, "ok": True, "name": "a", "tags": ["x"], "at": {"z": 1}}
    stream = delivered(
        fake, client, iceberg(ORDERS, **CREATE), *rows(first, {"id": 2, "name": None})
    )

    assert fake.firehose.glue_columns("shop", "orders") == {
        "id": "bigint",
        "price": "double",
        "ok": "boolean",
        "name": "string",
        "tags": "array<string>",
        "at": "struct<z:bigint>",
    }
    nulls = dict.fromkeys(first)
    assert stream.tables == {"shop.orders": [first, {**nulls, "id": 2}]}


def test_table_creation_keeps_a_registered_table_and_its_columns_checked(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.glue_table("shop", "orders", {"id": "bigint"})

    stream = delivered(fake, client, iceberg(ORDERS, **CREATE), *rows({"id": 1, "new": "x"}))

    assert stream.tables == {}
    assert codes(fake) == [
        (
            "Iceberg.MissingColumnWithinRecord",
            "The table shop.orders has no column new of the record, and "
            "SchemaEvolutionConfiguration is not enabled.",
        )
    ]
    assert fake.firehose.glue_columns("shop", "orders") == {"id": "bigint"}


def test_schema_evolution_adds_a_records_new_columns_to_the_table(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.glue_table("shop", "orders", {"id": "bigint"})

    stream = delivered(
        fake, client, iceberg(ORDERS, **EVOLVE), *rows({"id": 1}, {"id": 2, "total": 3.5})
    )

    assert fake.firehose.glue_columns("shop", "orders") == {"id": "bigint", "total": "double"}
    assert stream.tables == {"shop.orders": [{"id": 1, "total": None}, {"id": 2, "total": 3.5}]}
    put(client, *rows({"id": 3, "total": "lots"}))  # an added column is typed for good
    fake.firehose.flush()
    assert [code for code, _ in codes(fake)] == ["Iceberg.ColumnTypeMismatch"]


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("int", 2147483647, 2147483648),
        ("bigint", -5, "5"),
        ("double", 1, True),
        ("boolean", False, 0),
        ("string", "", 1),
        ("timestamp", 1_700_000_000_000_000, "2024-01-11T20:42:45Z"),
        ("array<int>", [1], {"a": 1}),
        ("struct<x:double>", {"x": 1.0}, [1.0]),
        ("array<int>", [1, None, 2], [1, "2"]),
        ("array<array<boolean>>", [[True], []], [[True], [1]]),
        ("map<string,bigint>", {"a": 1, "b": None}, {"a": 1, "b": 1.5}),
        ("struct<x:double,tags:array<string>>", {"x": 1, "other": 1}, {"x": 1, "tags": [2]}),
        ("array<struct<n:smallint,d:decimal(10,2)>>", [{"n": 1, "d": 1.5}], [{"n": 40000}]),
        ("int", -(2**31), -(2**31) - 1),
        ("timestamp", 2**63 - 1, 2**63),
        ("date", 19724, 1.5),
        ("struct<tags:array<string>,x:double>", {"tags": ["a"], "x": 1}, {"tags": [], "x": "1"}),
        ("struct<d:decimal(10,2),n:int>", {"d": 1.5, "n": 1}, {"d": 1.5, "n": "1"}),
    ],
)
def test_a_value_that_does_not_fit_its_column_fails_its_record(
    fake: FirehoseFake, client: Any, kind: str, good: Any, bad: Any
) -> None:
    fake.firehose.glue_table("shop", "orders", {"id": "bigint", "v": kind})

    records = rows({"id": 1, "v": good}, {"id": 2, "v": bad})
    stream = delivered(fake, client, iceberg(ORDERS), *records)

    assert stream.tables == {"shop.orders": [{"id": 1, "v": good}]}
    assert codes(fake) == [
        (
            "Iceberg.ColumnTypeMismatch",
            f"The record's value of v does not fit its column type {kind} in table shop.orders.",
        )
    ]


def test_the_catalog_is_the_one_the_catalog_arn_names(fake: FirehoseFake, client: Any) -> None:
    fake.firehose.glue_table("shop", "orders", {"id": "bigint"}, catalog_id="111122223333")
    elsewhere = {"CatalogARN": "arn:aws:glue:us-east-1:111122223333:catalog"}

    stream = delivered(
        fake,
        client,
        iceberg(ORDERS, CatalogConfiguration=elsewhere),
        *rows({"id": 1}, {"id": 2, "new": 1}),
    )

    assert stream.tables == {"shop.orders": [{"id": 1}]}
    assert [code for code, _ in codes(fake)] == ["Iceberg.MissingColumnWithinRecord"]


def test_a_failed_records_object_goes_under_its_tables_error_prefix(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.glue_table("shop", "orders", {"id": "bigint"})
    orders = {**ORDERS, "S3ErrorOutputPrefix": "orders-errors/"}

    delivered(fake, client, iceberg(orders), *rows({"id": "x"}))

    (obj,) = fake.world.firehose().streams["events"].backed_up
    assert obj.key.startswith("orders-errors/iceberg-failed/")


def test_update_and_delete_still_need_their_keys_in_the_record(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.glue_table("shop", "orders", {"t": "string", "op": "string", "id": "bigint"})

    delivered(fake, client, jq_routed(ORDERS), *rows({"t": "orders", "op": "delete"}))

    # The key's column is null in the table's row, not a value of the record.
    assert [code for code, _ in codes(fake)] == ["Iceberg.InvalidUniqueKeys"]


def test_the_table_settings_are_not_reported(fake: FirehoseFake) -> None:
    orders = {**ORDERS, "PartitionSpec": {"Identity": [{"SourceName": "id"}]}}
    config = iceberg(orders, **CREATE, **EVOLVE)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)
        fake.firehose.create_delivery_stream("events", IcebergDestinationConfiguration=config)


def test_an_unknown_table_or_column_type_is_a_usage_error(fake: FirehoseFake) -> None:
    fake.firehose.glue_table("shop", "orders", {"id": "bigint"})
    with pytest.raises(KeyError, match=r"no Glue table shop\.users \(tables: shop\.orders\)"):
        fake.firehose.glue_columns("shop", "users")
    with pytest.raises(UsageError, match=r"'id' of shop\.orders: 'integr' is not a Hive type"):
        fake.firehose.glue_table("shop", "orders", {"id": "integr"})


def test_iceberg_tables_are_registered_without_pyarrow(
    fake: FirehoseFake, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pytest_firehose._destinations.conversion.available", lambda: False)
    with pytest.raises(UsageError, match=r"'v' of shop\.orders: 'integr' is not a Hive type"):
        fake.firehose.glue_table("shop", "orders", {"v": "integr"})
    fake.firehose.glue_table("shop", "orders", {"id": "bigint", "v": "map<string,int>"})

    stream = delivered(fake, client, iceberg(ORDERS), *rows({"id": 1, "v": {"a": 1}}))

    assert stream.tables == {"shop.orders": [{"id": 1, "v": {"a": 1}}]}


@needs_botocore("firehose CreateDeliveryStream.DatabaseSourceConfiguration")
def test_a_database_source_creates_the_tables_its_changes_go_to(fake: FirehoseFake) -> None:
    from test_database_source import ICEBERG, SOURCE

    fake.firehose.glue_table("shop", "orders", {"id": "bigint"})
    stream = fake.firehose.create_delivery_stream(
        "events",
        DeliveryStreamType="DatabaseAsSource",
        DatabaseSourceConfiguration=SOURCE,
        IcebergDestinationConfiguration={**ICEBERG, **CREATE, **EVOLVE},
    )

    stream.put_from_database("shop.users", inserted=[{"id": 1, "name": "ann"}], primary_key="id")
    stream.put_from_database("shop.orders", inserted=[{"id": 7, "total": 5}], primary_key="id")
    stream.put_from_database("shop.users", updated=[{"id": 1, "name": "bo"}], primary_key="id")
    fake.firehose.flush()

    assert fake.firehose.glue_columns("shop", "users") == {"id": "bigint", "name": "string"}
    assert fake.firehose.glue_columns("shop", "orders") == {"id": "bigint", "total": "bigint"}
    assert stream.tables == {
        "shop.users": [{"id": 1, "name": "bo"}],
        "shop.orders": [{"id": 7, "total": 5}],
    }


@pytest.fixture
def motos_glue(landing_s3: Any) -> Any:
    """A Glue client of moto's, inside ``mock_aws``, with database ``shop``; failed records
    go to the bucket ``landing_s3`` made."""
    glue = boto3.client("glue", region_name="us-east-1")
    glue.create_database(DatabaseInput={"Name": "shop"})
    return glue


def motos_table(glue: Any, columns: dict[str, str], **table: Any) -> None:
    glue.create_table(
        DatabaseName="shop",
        TableInput={
            "Name": "orders",
            "StorageDescriptor": {"Columns": [{"Name": n, "Type": t} for n, t in columns.items()]},
            **table,
        },
    )


def motos_columns(glue: Any, table: str) -> dict[str, str]:
    found = glue.get_table(DatabaseName="shop", Name=table)["Table"]
    return {column["Name"]: column["Type"] for column in found["StorageDescriptor"]["Columns"]}


def test_a_table_in_motos_glue_is_checked_as_a_registered_one(
    fake: FirehoseFake, motos_glue: Any
) -> None:
    motos_table(motos_glue, {"t": "string", "id": "bigint", "tags": "array<string>"})
    client = boto3.client("firehose", region_name="us-east-1")

    stream = delivered(
        fake,
        client,
        jq_routed(ORDERS),
        *rows(
            {"t": "orders", "id": 1},
            {"t": "orders", "id": 2, "tags": [3]},
            {"t": "orders", "id": 3, "new": 1},
            {"t": "users", "id": 4},
        ),
    )

    assert stream.tables == {"shop.orders": [{"t": "orders", "id": 1, "tags": None}]}
    assert [code for code, _ in codes(fake)] == [
        "Iceberg.ColumnTypeMismatch",
        "Iceberg.MissingColumnWithinRecord",
        "Iceberg.TableNotFound",
    ]


def test_a_column_of_a_type_the_fake_does_not_know_takes_any_value(
    fake: FirehoseFake, motos_glue: Any
) -> None:
    motos_table(motos_glue, {"id": "bigint", "odd": "uniontype<int,string>"})
    client = boto3.client("firehose", region_name="us-east-1")

    stream = delivered(fake, client, iceberg(ORDERS), *rows({"id": 1, "odd": [1, "x"]}))

    assert stream.tables == {"shop.orders": [{"id": 1, "odd": [1, "x"]}]}
    assert codes(fake) == []


def test_a_registered_table_wins_over_motos(fake: FirehoseFake, motos_glue: Any) -> None:
    motos_table(motos_glue, {"id": "string"})
    fake.firehose.glue_table("shop", "orders", {"id": "bigint"})
    client = boto3.client("firehose", region_name="us-east-1")

    stream = delivered(fake, client, iceberg(ORDERS), *rows({"id": 1}, {"id": "a"}))

    assert stream.tables == {"shop.orders": [{"id": 1}]}
    assert [code for code, _ in codes(fake)] == ["Iceberg.ColumnTypeMismatch"]


def test_schema_evolution_adds_columns_to_motos_table_and_keeps_the_rest_of_it(
    fake: FirehoseFake, motos_glue: Any
) -> None:
    motos_table(motos_glue, {"id": "bigint"}, Parameters={"table_type": "ICEBERG"})
    client = boto3.client("firehose", region_name="us-east-1")

    stream = delivered(
        fake, client, iceberg(ORDERS, **EVOLVE), *rows({"id": 1}, {"id": 2, "total": 3.5})
    )

    assert motos_columns(motos_glue, "orders") == {"id": "bigint", "total": "double"}
    table = motos_glue.get_table(DatabaseName="shop", Name="orders")["Table"]
    assert table["Parameters"] == {"table_type": "ICEBERG"}
    assert stream.tables == {"shop.orders": [{"id": 1, "total": None}, {"id": 2, "total": 3.5}]}
    with pytest.raises(KeyError):  # the table is moto's, not one of the fake's
        fake.firehose.glue_columns("shop", "orders")


def test_schema_evolution_keeps_what_motos_columns_held_besides_name_and_type(
    fake: FirehoseFake, motos_glue: Any
) -> None:
    # An Iceberg library's catalog (pyiceberg's Glue catalog, Athena) writes each column's
    # field id in its Parameters; the columns the evolution adds must not take them away.
    motos_glue.create_table(
        DatabaseName="shop",
        TableInput={
            "Name": "orders",
            "Parameters": {"table_type": "ICEBERG"},
            "StorageDescriptor": {
                "Columns": [
                    {
                        "Name": "id",
                        "Type": "bigint",
                        "Comment": "order id",
                        "Parameters": {"iceberg.field.id": "1", "iceberg.field.optional": "false"},
                    }
                ]
            },
        },
    )
    client = boto3.client("firehose", region_name="us-east-1")

    delivered(fake, client, iceberg(ORDERS, **EVOLVE), *rows({"id": 2, "total": 3.5}))

    table = motos_glue.get_table(DatabaseName="shop", Name="orders")["Table"]
    assert table["StorageDescriptor"]["Columns"] == [
        {
            "Name": "id",
            "Type": "bigint",
            "Comment": "order id",
            "Parameters": {"iceberg.field.id": "1", "iceberg.field.optional": "false"},
        },
        {"Name": "total", "Type": "double"},
    ]


def test_table_creation_creates_the_table_in_motos_glue_when_it_holds_the_database(
    fake: FirehoseFake, motos_glue: Any
) -> None:
    client = boto3.client("firehose", region_name="us-east-1")

    stream = delivered(
        fake, client, iceberg(ORDERS, **CREATE), *rows({"id": 1, "tags": ["x"]}, {"id": 2})
    )

    assert motos_columns(motos_glue, "orders") == {"id": "bigint", "tags": "array<string>"}
    table = motos_glue.get_table(DatabaseName="shop", Name="orders")["Table"]
    assert table["Parameters"] == {"table_type": "ICEBERG"}
    assert stream.tables == {"shop.orders": [{"id": 1, "tags": ["x"]}, {"id": 2, "tags": None}]}
