"""A delivery stream reading a MySQL or PostgreSQL database (DatabaseAsSource): the changes
a test hands it with ``put_from_database`` are read as its ``DatabaseSourceConfiguration``
selects them, go through the same delivery as any other source's, and land in the Iceberg
table their source table maps to, keyed by the source table's key."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ROLE, S3, ask_control, describe, needs_botocore, refused

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._doors.server import FirehoseServer

pytestmark = needs_botocore(
    "firehose CreateDeliveryStream.DatabaseSourceConfiguration",
    "firehose CreateDeliveryStream.IcebergDestinationConfiguration"
    ".DestinationTableConfigurationList",
)

SOURCE = {
    "Type": "MySQL",
    "Endpoint": "shop.cluster-abc.us-east-1.rds.amazonaws.com",
    "Port": 3306,
    "SSLMode": "Enabled",
    "Databases": {"Include": ["shop"]},
    "Tables": {"Include": ["shop\\..*"]},
    "SnapshotWatermarkTable": "shop.firehose_watermark",
    "DatabaseSourceAuthenticationConfiguration": {
        "SecretsManagerConfiguration": {
            "Enabled": True,
            "SecretARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-AbCdEf",
            "RoleARN": ROLE,
        }
    },
    "DatabaseSourceVPCConfiguration": {
        "VpcEndpointServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
    },
}
ICEBERG = {
    "RoleARN": ROLE,
    "CatalogConfiguration": {"CatalogARN": "arn:aws:glue:us-east-1:123456789012:catalog"},
    "S3Configuration": S3,
}


@pytest.fixture(autouse=True)
def no_warnings() -> Iterator[None]:
    """A database source is modelled: creating a stream that reads one reports nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def cdc_stream(fake: FirehoseFake, source: dict[str, Any] | None = None, **iceberg: Any) -> Any:
    return fake.firehose.create_delivery_stream(
        "events",
        DeliveryStreamType="DatabaseAsSource",
        DatabaseSourceConfiguration={**SOURCE, **(source or {})},
        IcebergDestinationConfiguration={**ICEBERG, **iceberg},
    )


def test_changes_replicate_to_the_iceberg_table_of_the_same_name_by_primary_key(
    fake: FirehoseFake,
) -> None:
    stream = cdc_stream(fake)

    inserted = [{"id": 1, "total": 10}, {"id": 2, "total": 20}, {"id": 3, "total": 30}]
    assert stream.put_from_database("shop.orders", inserted=inserted, primary_key="id") == 3
    stream.put_from_database(
        "shop.orders",
        updated=[{"id": 2, "total": 25}],
        deleted=[{"id": 1, "total": 10}],
        primary_key=["id"],
    )
    fake.firehose.flush()

    assert stream.tables == {"shop.orders": [{"id": 2, "total": 25}, {"id": 3, "total": 30}]}
    assert stream.records == [json.dumps(row).encode() for row in inserted] + [
        b'{"id": 2, "total": 25}',
        b'{"id": 1, "total": 10}',
    ]


def test_a_postgresql_table_goes_to_the_glue_table_schema_underscore_table(
    fake: FirehoseFake,
) -> None:
    source = {"Type": "PostgreSQL", "Port": 5432, "Tables": {"Include": ["public\\..*"]}}
    stream = cdc_stream(fake, source)

    stream.put_from_database("shop.public.orders", inserted=[{"id": 1}], primary_key="id")
    stream.put_from_database("shop.audit.orders", inserted=[{"id": 9}], primary_key="id")
    fake.firehose.flush()

    assert stream.tables == {"shop.public_orders": [{"id": 1}]}


def test_only_the_selected_databases_tables_and_columns_are_read(fake: FirehoseFake) -> None:
    source = {
        "Databases": {"Include": ["shop", "crm"], "Exclude": ["crm"]},
        "Tables": {"Include": ["shop\\.(orders|users)"], "Exclude": ["shop\\.users"]},
        "Columns": {"Exclude": ["shop\\.orders\\.card_.*", "shop\\.orders\\.id"]},
    }
    stream = cdc_stream(fake, source)
    row = {"id": 1, "total": 10, "card_number": "4111", "card_cvc": "123"}

    assert stream.put_from_database("crm.orders", inserted=[row], primary_key="id") == 0
    assert stream.put_from_database("shop.users", inserted=[row], primary_key="id") == 0
    assert stream.put_from_database("shop.refunds", inserted=[row], primary_key="id") == 0
    assert stream.put_from_database("shop.orders", inserted=[row], primary_key="id") == 1
    fake.firehose.flush()

    # The key column is read though Columns excludes it: the change is applied by it.
    assert stream.tables == {"shop.orders": [{"id": 1, "total": 10}]}
    assert stream.records == [b'{"id": 1, "total": 10}']


def test_include_and_exclude_patterns_are_read_as_java_reads_them(fake: FirehoseFake) -> None:
    """Firehose is a Java service: a named group, a POSIX class (ASCII only) and a flag in
    mid-pattern, which Python's own regular expressions read otherwise or not at all."""
    source = {
        "Databases": {"Include": ["(?<db>shop)"]},
        "Tables": {"Include": ["shop\\.\\p{Alpha}+"], "Exclude": ["shop\\.(?i)draft.*"]},
    }
    stream = cdc_stream(fake, source)
    row = {"id": 1}

    assert stream.put_from_database("shop.orders", inserted=[row], primary_key="id") == 1
    assert stream.put_from_database("shop.DraftOrders", inserted=[row], primary_key="id") == 0
    # \p{Alpha} is Java's [a-zA-Z]: a table named with a letter beyond ASCII is not read.
    assert stream.put_from_database("shop.commandés", inserted=[row], primary_key="id") == 0


def test_the_snapshot_watermark_table_is_not_replicated(fake: FirehoseFake) -> None:
    stream = cdc_stream(fake)

    assert stream.put_from_database("shop.firehose_watermark", inserted=[{"w": 1}]) == 0
    assert stream.records == []


def test_surrogate_keys_key_a_table_when_no_primary_key_is_given(fake: FirehoseFake) -> None:
    stream = cdc_stream(fake, {"SurrogateKeys": ["shop.events.tenant", "shop.events.seq"]})

    stream.put_from_database(
        "shop.events",
        inserted=[{"tenant": "a", "seq": 1, "v": 1}, {"tenant": "b", "seq": 1, "v": 2}],
    )
    stream.put_from_database("shop.events", updated=[{"tenant": "b", "seq": 1, "v": 3}])
    fake.firehose.flush()

    assert stream.tables == {
        "shop.events": [{"tenant": "a", "seq": 1, "v": 1}, {"tenant": "b", "seq": 1, "v": 3}]
    }


def test_a_tables_surrogate_keys_are_its_own_columns_not_another_tables(
    fake: FirehoseFake,
) -> None:
    stream = cdc_stream(fake, {"SurrogateKeys": ["shop.orders.id", "shop.lines.sku"]})

    stream.put_from_database("shop.orders", inserted=[{"id": 1, "v": 1}, {"id": 2, "v": 1}])
    stream.put_from_database("shop.orders", updated=[{"id": 2, "v": 5}])
    fake.firehose.flush()

    assert stream.tables == {"shop.orders": [{"id": 1, "v": 1}, {"id": 2, "v": 5}]}


def test_without_a_source_key_the_iceberg_tables_unique_keys_apply(fake: FirehoseFake) -> None:
    table = {"DestinationDatabaseName": "shop", "DestinationTableName": "orders"}
    stream = cdc_stream(fake, DestinationTableConfigurationList=[{**table, "UniqueKeys": ["id"]}])

    stream.put_from_database("shop.orders", inserted=[{"id": 1, "v": 1}])
    stream.put_from_database("shop.orders", updated=[{"id": 1, "v": 2}])
    stream.put_from_database("shop.users", inserted=[{"id": 1}])
    stream.put_from_database("shop.users", deleted=[{"id": 1}])
    fake.firehose.flush()

    assert stream.tables == {"shop.orders": [{"id": 1, "v": 2}], "shop.users": [{"id": 1}]}
    (failed,) = [json.loads(obj.body) for obj in fake.world.firehose().streams["events"].backed_up]
    assert failed["errorCode"] == "Iceberg.InvalidUniqueKeys"


def test_changes_are_buffered_and_retried_as_any_sources_records(fake: FirehoseFake) -> None:
    stream = cdc_stream(
        fake, BufferingHints={"IntervalInSeconds": 60}, RetryOptions={"DurationInSeconds": 300}
    )
    stream.destination_down()

    stream.put_from_database("shop.orders", inserted=[{"id": 1}], primary_key="id")
    fake.firehose.clock.advance(seconds=30)
    assert stream.tables == {}
    fake.firehose.clock.advance(seconds=60)
    assert stream.tables == {}
    assert stream.pending == [b'{"id": 1}']

    stream.destination_up()
    fake.firehose.clock.advance(seconds=60)
    assert stream.tables == {"shop.orders": [{"id": 1}]}
    assert stream.delivered == [b'{"id": 1}']


def test_describe_shows_the_database_source_as_configured(fake: FirehoseFake, api: Any) -> None:
    cdc_stream(fake, {"Columns": {"Exclude": ["shop\\.users\\.password"]}})

    description = describe(api)

    assert description["DeliveryStreamType"] == "DatabaseAsSource"
    assert description["Source"] == {
        "DatabaseSourceDescription": {**SOURCE, "Columns": {"Exclude": ["shop\\.users\\.password"]}}
    }


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            {"ExtendedS3DestinationConfiguration": S3},
            "of type DatabaseAsSource delivers only to Apache Iceberg Tables",
        ),
        ({}, "give IcebergDestinationConfiguration, not no destination configuration"),
        (
            {
                "IcebergDestinationConfiguration": {
                    **ICEBERG,
                    "ProcessingConfiguration": {
                        "Enabled": True,
                        "Processors": [
                            {
                                "Type": "Lambda",
                                "Parameters": [
                                    {
                                        "ParameterName": "LambdaArn",
                                        "ParameterValue": "arn:aws:lambda:us-east-1:"
                                        "123456789012:function:f",
                                    }
                                ],
                            }
                        ],
                    },
                }
            },
            "ProcessingConfiguration is not supported for a delivery stream of type "
            "DatabaseAsSource",
        ),
        (
            {
                "IcebergDestinationConfiguration": ICEBERG,
                "DatabaseSourceConfiguration": {**SOURCE, "Tables": {"Include": ["shop.("]}},
            },
            "Tables.Include pattern 'shop.(' is not a valid regular expression",
        ),
        (
            {
                "IcebergDestinationConfiguration": ICEBERG,
                "DatabaseSourceConfiguration": {
                    **SOURCE,
                    "SurrogateKeys": ["shop.events.id", "shop.events.seq", "shop.events.id"],
                },
            },
            "DatabaseSourceConfiguration.SurrogateKeys names each column once; shop.events.id "
            "is given more than once.",
        ),
    ],
    ids=["s3", "none", "lambda", "bad-pattern", "key-twice"],
)
def test_create_refuses_what_a_database_source_cannot_have(
    api: Any, change: dict[str, Any], says: str
) -> None:
    params = {"DatabaseSourceConfiguration": SOURCE, **change}

    answer = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        DeliveryStreamType="DatabaseAsSource",
        **params,
    )

    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert says in answer["Error"]["Message"]
    assert api.list_delivery_streams()["DeliveryStreamNames"] == []


def test_update_destination_keeps_a_database_source_on_iceberg(
    fake: FirehoseFake, api: Any
) -> None:
    cdc_stream(fake)

    answer = refused(
        api.update_destination,
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate=S3,
    )

    assert "delivers only to Apache Iceberg Tables" in answer["Error"]["Message"]
    assert describe(api)["VersionId"] == "1"


@pytest.mark.parametrize(
    ("table", "changes", "says"),
    [
        ("orders", {"inserted": [{"id": 1}]}, "is named 'database.table', e.g. 'shop.orders'"),
        ("shop.orders", {"inserted": {"id": 1}}, "inserted is a list of rows"),
        ("shop.orders", {"inserted": ["id=1"]}, "each row inserted is a dict of column name"),
        ("shop.orders", {"inserted": [{1: "a"}]}, "each row inserted is a dict of column name"),
        ("shop.orders", {"inserted": [{"at": object()}]}, "a row's values are what JSON holds"),
        ("shop.orders", {"inserted": [{"v": float("nan")}]}, "a row's values are what JSON"),
        (
            "shop.orders",
            {"updated": [{"total": 1}], "primary_key": "id"},
            "a row updated in shop.orders has no id",
        ),
        ("shop.orders", {"inserted": [{"id": 1}], "primary_key": []}, "primary_key is a column"),
        (
            "shop.orders",
            {"inserted": [{"id": 1}], "primary_key": ["id", "id"]},
            "primary_key names each column once; id is given more than once",
        ),
        (
            "shop.orders",
            {"inserted": [{"blob": "x" * (10 * 1024 * 1024)}]},
            "Firehose reads rows of at most 10485760 bytes",
        ),
    ],
    ids=[
        "table",
        "rows",
        "row",
        "column",
        "value",
        "nan",
        "key",
        "primary-key",
        "key-twice",
        "size",
    ],
)
def test_bad_changes_raise_usage_error_naming_the_fix(
    fake: FirehoseFake, table: str, changes: dict[str, Any], says: str
) -> None:
    stream = cdc_stream(fake)

    with pytest.raises(UsageError, match="put_from_database") as caught:
        stream.put_from_database(table, **changes)

    assert says in str(caught.value)
    assert stream.records == []


def test_a_row_of_exactly_10_mib_as_json_is_read(fake: FirehoseFake) -> None:
    stream = cdc_stream(fake, BufferingHints={"IntervalInSeconds": 900, "SizeInMBs": 128})
    blob = "x" * (10 * 1024 * 1024 - len('{"blob": ""}'))

    assert stream.put_from_database("shop.orders", inserted=[{"blob": blob}]) == 1
    assert [len(record) for record in stream.pending] == [10 * 1024 * 1024]


def test_a_postgresql_source_names_its_tables_with_their_schema(fake: FirehoseFake) -> None:
    stream = cdc_stream(fake, {"Type": "PostgreSQL", "Port": 5432})

    with pytest.raises(UsageError) as caught:
        stream.put_from_database("shop.orders", inserted=[{"id": 1}])

    assert "named 'database.schema.table', e.g. 'shop.public.orders'" in str(caught.value)


def test_a_stream_is_fed_only_as_its_type_reads(fake: FirehoseFake) -> None:
    database = cdc_stream(fake)
    direct = fake.firehose.create_delivery_stream("direct")

    with pytest.raises(UsageError, match="is DirectPut, not DatabaseAsSource: put its records"):
        direct.put_from_database("shop.orders", inserted=[{"id": 1}])
    with pytest.raises(UsageError, match="put_from_database hands it the changes"):
        database.put_from_msk(b"a")
    with pytest.raises(UsageError, match="this stream reads a database: put_from_database"):
        database.put_from_logs(b"a")


def test_a_creating_stream_reads_nothing_yet() -> None:
    with FirehoseFake(creation_delay=5) as fake:
        stream = cdc_stream(fake)

        with pytest.raises(UsageError, match="is CREATING and reads nothing yet"):
            stream.put_from_database("shop.orders", inserted=[{"id": 1}])
        fake.firehose.clock.advance(seconds=5)
        assert stream.put_from_database("shop.orders", inserted=[{"id": 1}]) == 1


# --------------------------------------------------------------------------- the server


@pytest.fixture
def served() -> Iterator[FirehoseServer]:
    with FirehoseServer() as server:
        cdc_stream(server)
        yield server


def test_a_server_client_hands_the_database_changes_over_the_control_api(
    served: FirehoseServer,
) -> None:
    first = ask_control(
        served,
        "POST",
        "/_fake/database",
        {"stream": "events", "table": "shop.orders", "inserted": [{"id": 1}, {"id": 2}]},
    )
    second = ask_control(
        served,
        "POST",
        "/_fake/database",
        {"stream": "events", "table": "shop.orders", "deleted": [{"id": 1}], "primaryKey": "id"},
    )
    served.firehose.flush()

    assert (first, second) == ((200, {"read": 2}), (200, {"read": 1}))
    assert served.firehose["events"].tables == {"shop.orders": [{"id": 2}]}


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"stream": "nope", "table": "shop.orders", "inserted": []}, 404, "no delivery stream"),
        ({"stream": "events", "inserted": [{"id": 1}]}, 400, 'give "table" as a string'),
        ({"stream": "events", "table": "shop.orders"}, 400, 'give "inserted", "updated" or'),
        ({"stream": "events", "table": "shop.orders", "inserted": "x"}, 400, "list of rows"),
        ({"stream": "events", "table": "orders", "inserted": []}, 400, '"database.table"'),
        (
            {"stream": "events", "table": "shop.orders", "deleted": [{"id": 1}], "primaryKey": 5},
            400,
            'POST /_fake/database: "primaryKey" is a column name or a list of them, e.g. '
            '"primaryKey": ["id"], not 5',
        ),
        ({"stream": "events", "table": "shop.orders", "rows": []}, 400, 'takes no "rows"'),
        # Types named as JSON names them (they were Python's: "dicts", "not NoneType").
        (
            {"stream": "events", "table": "shop.orders", "updated": None},
            400,
            'POST /_fake/database: "updated" is a list of rows (objects of column to value), '
            "not null",
        ),
        (
            {"stream": "events", "table": "shop.orders", "inserted": {"id": 1}},
            400,
            'POST /_fake/database: "inserted" is a list of rows (objects of column to value), '
            "not an object",
        ),
        (
            {"stream": "events", "table": "shop.orders", "deleted": [5]},
            400,
            "POST /_fake/database: each row deleted is an object of column name to value, not 5",
        ),
        (
            {"stream": "events", "table": "shop.orders", "inserted": [{"id": float("nan")}]},
            400,
            "POST /_fake/database: a row's values are what JSON holds (strings, finite numbers, "
            "true, false, null, lists and objects of them): Out of range float values are not "
            "JSON compliant",
        ),
        (
            {"stream": "events", "table": "o", "inserted": [{"id": float("nan")}]},
            400,
            'POST /_fake/database: a table of this MySQL source is named "database.table", e.g. '
            '"shop.orders", not "o"',
        ),
    ],
    ids=[
        "unknown-stream",
        "no-table",
        "no-changes",
        "not-rows",
        "bad-table",
        "key",
        "stray",
        "null-rows",
        "object-rows",
        "not-a-row",
        "nan",
        "table-form",
    ],
)
def test_a_bad_control_request_is_refused_naming_the_fix(
    served: FirehoseServer, body: dict[str, Any], status: int, says: str
) -> None:
    answered, answer = ask_control(served, "POST", "/_fake/database", body)

    assert answered == status
    assert says in answer["error"]
    assert served.firehose["events"].records == []
