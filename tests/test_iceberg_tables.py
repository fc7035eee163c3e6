"""An Apache Iceberg destination's tables: every record routed to a table (the one table
configured, a MetadataExtraction JQ query, a Lambda processor's ``otfMetadata``) and applied
there as an insert, update or delete by the table's ``UniqueKeys``; ``AppendOnly``; records
that cannot be routed or applied written to the S3 bucket under ``iceberg-failed/`` (or
their table's ``S3ErrorOutputPrefix``); the handle's ``tables`` and the control API."""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from conftest import ROLE, S3, needs_botocore, put

from pytest_firehose import FirehoseFake, FirehoseServer
from pytest_firehose._destinations import iceberg as iceberg_module
from pytest_firehose._destinations.base import DeliveryFailed
from pytest_firehose._destinations.s3 import S3Destination
from pytest_firehose._errors import UsageError

pytestmark = needs_botocore(
    "firehose CreateDeliveryStream.IcebergDestinationConfiguration"
    ".DestinationTableConfigurationList"
)

CATALOG = {"CatalogARN": "arn:aws:glue:us-east-1:123456789012:catalog"}
ORDERS = {"DestinationDatabaseName": "shop", "DestinationTableName": "orders", "UniqueKeys": ["id"]}
USERS = {"DestinationDatabaseName": "shop", "DestinationTableName": "users"}
#: Routes each record by its own fields: the table in ``t``, the operation in ``op``.
ROUTING_QUERY = '{destinationDatabaseName: "shop", destinationTableName: .t, operation: .op}'


def iceberg(*tables: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An Iceberg destination writing to ``tables``, its failed records to ``landing``."""
    return {
        "RoleARN": ROLE,
        "CatalogConfiguration": CATALOG,
        "S3Configuration": S3,
        "DestinationTableConfigurationList": list(tables),
        **extra,
    }


def jq_routed(*tables: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """``iceberg(...)`` routing each record with ``ROUTING_QUERY``."""
    extraction = {
        "Type": "MetadataExtraction",
        "Parameters": [
            {"ParameterName": "MetadataExtractionQuery", "ParameterValue": ROUTING_QUERY},
            {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
        ],
    }
    processing = {"Enabled": True, "Processors": [extraction]}
    return iceberg(*tables, ProcessingConfiguration=processing, **extra)


def rows(*records: dict[str, Any]) -> list[bytes]:
    return [json.dumps(record).encode() for record in records]


def delivered(fake: FirehoseFake, client: Any, config: dict[str, Any], *payloads: bytes) -> Any:
    """The stream after ``payloads`` were put and flushed."""
    stream = fake.firehose.create_delivery_stream("events", IcebergDestinationConfiguration=config)
    put(client, *payloads)
    fake.firehose.flush()
    return stream


def error_lines(fake: FirehoseFake) -> list[dict[str, Any]]:
    """The failed records stream ``events`` wrote to its bucket, one dict each."""
    objects = fake.world.firehose().streams["events"].backed_up
    return [json.loads(line) for obj in objects for line in obj.body.splitlines()]


def test_one_configured_table_takes_every_record_as_an_insert(
    fake: FirehoseFake, client: Any
) -> None:
    stream = delivered(fake, client, iceberg(ORDERS), *rows({"id": 1}, {"id": 1}, {"id": 2}))

    # Insert is the default operation: duplicates stay (developer guide).
    assert stream.tables == {"shop.orders": [{"id": 1}, {"id": 1}, {"id": 2}]}
    assert stream.backed_up == []


def test_a_jq_query_routes_records_and_unique_keys_apply_updates_and_deletes(
    fake: FirehoseFake, client: Any
) -> None:
    stream = delivered(
        fake,
        client,
        jq_routed(ORDERS, USERS),
        *rows(
            {"t": "orders", "op": "insert", "id": 1, "total": 5},
            {"t": "orders", "op": "insert", "id": 2, "total": 7},
            {"t": "users", "op": "insert", "name": "ann"},
            {"t": "orders", "op": "update", "id": 1, "total": 6},
            {"t": "orders", "op": "delete", "id": 2},
            {"t": "orders", "op": "update", "id": 3, "total": 1},
            {"t": "orders", "id": 4},
        ),
    )

    assert stream.tables == {
        "shop.orders": [
            {"t": "orders", "op": "update", "id": 1, "total": 6},
            {"t": "orders", "op": "update", "id": 3, "total": 1},  # no row had id 3
            {"t": "orders", "id": 4},  # no operation: an insert
        ],
        "shop.users": [{"t": "users", "op": "insert", "name": "ann"}],
    }
    assert stream.backed_up == []


def test_an_update_replaces_every_row_with_its_key_and_a_delete_removes_them_all(
    fake: FirehoseFake, client: Any
) -> None:
    keyed = {**ORDERS, "UniqueKeys": ["region", "id"]}
    stream = delivered(
        fake,
        client,
        jq_routed(keyed),
        *rows(
            {"t": "orders", "region": "eu", "id": 1, "v": "a"},
            {"t": "orders", "region": "us", "id": 1, "v": "b"},
            {"t": "orders", "region": "eu", "id": 1, "v": "c"},
            {"t": "orders", "op": "update", "region": "eu", "id": 1, "v": "d"},
            {"t": "orders", "region": "us", "id": 1, "v": "e"},
        ),
    )
    assert [row["v"] for row in stream.tables["shop.orders"]] == ["d", "b", "e"]

    put(client, *rows({"t": "orders", "op": "delete", "region": "us", "id": 1}))
    fake.firehose.flush()

    assert [row["v"] for row in stream.tables["shop.orders"]] == ["d"]


def test_a_lambda_functions_otf_metadata_routes_its_records(
    fake: FirehoseFake, client: Any
) -> None:
    def transform(event: dict[str, Any], context: Any) -> dict[str, Any]:
        answered = []
        for record in event["records"]:
            data = json.loads(base64.b64decode(record["data"]))
            routing = {
                "destinationDatabaseName": "shop",
                "destinationTableName": data.pop("kind"),
                "operation": data.pop("action"),
            }
            answered.append(
                {
                    "recordId": record["recordId"],
                    "result": "Ok",
                    "data": base64.b64encode(json.dumps(data).encode()).decode(),
                    "metadata": {"otfMetadata": routing},
                }
            )
        return {"records": answered}

    fake.firehose.lambda_function("route", transform)
    lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:route"
    processing = {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": lambda_arn}],
            }
        ],
    }
    stream = delivered(
        fake,
        client,
        iceberg(ORDERS, USERS, ProcessingConfiguration=processing),
        *rows(
            {"kind": "orders", "action": "insert", "id": 1, "total": 5},
            {"kind": "users", "action": "insert", "name": "ann"},
            {"kind": "orders", "action": "update", "id": 1, "total": 9},
        ),
    )

    assert stream.tables == {
        "shop.orders": [{"id": 1, "total": 9}],
        "shop.users": [{"name": "ann"}],
    }
    # What reached the tables is the function's data, without the routing fields.
    assert stream.delivered == rows({"id": 1, "total": 5}, {"name": "ann"}, {"id": 1, "total": 9})


def test_otf_metadata_that_is_not_an_object_fails_the_invocations_records(
    fake: FirehoseFake, client: Any
) -> None:
    def transform(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {
            "records": [
                {**record, "result": "Ok", "metadata": {"otfMetadata": "shop.orders"}}
                for record in event["records"]
            ]
        }

    fake.firehose.lambda_function("route", transform)
    lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:route"
    parameters = [{"ParameterName": "LambdaArn", "ParameterValue": lambda_arn}]
    processing = {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": parameters}]}
    stream = delivered(
        fake, client, iceberg(ORDERS, ProcessingConfiguration=processing), *rows({"id": 1})
    )

    assert stream.tables == {}
    assert stream.processing_failed == rows({"id": 1})
    (failed,) = stream.error_objects
    assert json.loads(failed.body)["errorCode"] == "Lambda.JsonProcessingException"


def test_a_table_the_list_does_not_name_takes_inserts(fake: FirehoseFake, client: Any) -> None:
    stream = delivered(fake, client, jq_routed(ORDERS), *rows({"t": "audit", "id": 1}))

    assert stream.tables == {"shop.audit": [{"t": "audit", "id": 1}]}


@needs_botocore("firehose CreateDeliveryStream.IcebergDestinationConfiguration.AppendOnly")
@pytest.mark.parametrize(
    ("append_only", "held"),
    [
        (False, [{"id": 1, "v": "b"}, {"id": 3, "v": "c"}]),  # in order
        (True, [{"id": 1, "v": "b"}]),  # the delete of id 3 applied after its insert
    ],
)
def test_append_only_applies_updates_and_deletes_after_the_inserts_of_their_delivery(
    fake: FirehoseFake, client: Any, append_only: bool, held: list[dict[str, Any]]
) -> None:
    stream = delivered(
        fake,
        client,
        jq_routed(ORDERS, AppendOnly=append_only),
        *rows(
            {"t": "orders", "op": "insert", "id": 1, "v": "a"},
            {"t": "orders", "op": "update", "id": 1, "v": "b"},
            {"t": "orders", "op": "delete", "id": 3},
            {"t": "orders", "op": "insert", "id": 3, "v": "c"},
        ),
    )

    assert [{"id": row["id"], "v": row["v"]} for row in stream.tables["shop.orders"]] == held


def test_records_that_cannot_be_routed_or_applied_go_to_iceberg_failed_with_their_codes(
    fake: FirehoseFake, client: Any
) -> None:
    stream = delivered(
        fake,
        client,
        jq_routed(ORDERS, USERS),
        b"not json",
        b"[1, 2]",
        *rows(
            {"op": "insert", "id": 1},  # no table
            {"t": "orders", "op": "upsert", "id": 1},
            {"t": "users", "op": "update", "name": "ann"},  # users has no UniqueKeys
            {"t": "orders", "op": "delete"},  # no id
            {"t": "orders", "id": 7},
        ),
    )

    assert stream.tables == {"shop.orders": [{"t": "orders", "id": 7}]}
    assert stream.delivered == rows({"t": "orders", "id": 7})
    assert len(stream.backed_up) == 6
    lines = error_lines(fake)
    assert [line["errorCode"] for line in lines] == [
        "Iceberg.InvalidJson",
        "Iceberg.InvalidJson",
        "Iceberg.MissingRoutingInformation",
        "Iceberg.InvalidOperation",
        "Iceberg.InvalidUniqueKeys",
        "Iceberg.InvalidUniqueKeys",
    ]
    assert [base64.b64decode(line["rawData"]) for line in lines] == stream.backed_up
    assert {line["attemptsMade"] for line in lines} == {1}
    assert "'upsert'" in lines[3]["errorMessage"]


def test_nan_and_utf16_json_are_no_json_objects_for_a_table_as_for_the_other_destinations(
    fake: FirehoseFake, client: Any
) -> None:
    stream = delivered(
        fake,
        client,
        jq_routed(ORDERS, USERS),
        b'{"t": "orders", "id": NaN}',
        '{"t": "orders", "id": 2}'.encode("utf-16"),
        *rows({"t": "orders", "id": 3}),
    )

    assert stream.tables == {"shop.orders": [{"t": "orders", "id": 3}]}
    assert [line["errorCode"] for line in error_lines(fake)] == ["Iceberg.InvalidJson"] * 2


def test_two_tables_and_no_routing_send_every_record_to_the_error_output(
    fake: FirehoseFake, client: Any
) -> None:
    stream = delivered(fake, client, iceberg(ORDERS, USERS), *rows({"id": 1}))

    assert stream.tables == {}
    assert [line["errorCode"] for line in error_lines(fake)] == [
        "Iceberg.MissingRoutingInformation"
    ]


def test_a_record_naming_its_database_but_no_table_is_not_given_the_one_table(
    fake: FirehoseFake, client: Any
) -> None:
    # The query names database "shop" for every record, the table only where ``t`` is.
    stream = delivered(
        fake, client, jq_routed(ORDERS), *rows({"op": "insert", "id": 1}, {"t": "orders", "id": 2})
    )

    assert stream.tables == {"shop.orders": [{"t": "orders", "id": 2}]}
    assert [line["errorCode"] for line in error_lines(fake)] == [
        "Iceberg.MissingRoutingInformation"
    ]


def test_failed_records_are_written_to_the_bucket_under_their_tables_error_prefix(
    fake: FirehoseFake,
    landing_s3: Any,
) -> None:
    orders = {**ORDERS, "S3ErrorOutputPrefix": "orders-errors/"}
    client = boto3.client("firehose", region_name="us-east-1")
    stream = delivered(
        fake,
        client,
        jq_routed(orders, USERS),
        b"not json",
        *rows({"t": "orders", "op": "delete"}, {"t": "orders", "id": 1}),
    )
    listed = landing_s3.list_objects_v2(Bucket="landing")["Contents"]
    bodies = {
        o["Key"]: landing_s3.get_object(Bucket="landing", Key=o["Key"])["Body"].read()
        for o in listed
    }

    by_folder = {key.split("/")[0]: key for key in bodies}
    assert sorted(by_folder) == ["iceberg-failed", "orders-errors"]
    assert by_folder["orders-errors"].startswith("orders-errors/iceberg-failed/")
    (failed,) = bodies[by_folder["iceberg-failed"]].splitlines()
    assert json.loads(failed)["errorCode"] == "Iceberg.InvalidJson"
    (keyless,) = bodies[by_folder["orders-errors"]].splitlines()
    assert json.loads(keyless)["errorCode"] == "Iceberg.InvalidUniqueKeys"
    assert stream.tables == {"shop.orders": [{"t": "orders", "id": 1}]}


@pytest.fixture
def denied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The prefixes under which the bucket refuses objects (S3.AccessDenied), as a policy
    denying them would: ``orders-errors/`` at first; clear the list to let them through."""
    prefixes = ["orders-errors/"]
    put_object = S3Destination.deliver

    def deliver(self: S3Destination, target: Any, obj: Any) -> None:
        if obj.key.startswith(tuple(prefixes)):
            raise DeliveryFailed("S3.AccessDenied: Access Denied")
        put_object(self, target, obj)

    monkeypatch.setattr(S3Destination, "deliver", deliver)
    return prefixes


def test_a_failed_records_object_the_bucket_refuses_is_written_again_alone(
    fake: FirehoseFake, landing_s3: Any, denied: list[str]
) -> None:
    """Failed records under two error outputs make two objects; when the bucket takes the
    first and refuses the second (here: a policy denying the table's prefix), the first is
    written once and its records leave the pending ones, and only the second is written
    again at the retry."""
    orders = {**ORDERS, "S3ErrorOutputPrefix": "orders-errors/"}
    landing_s3.put_bucket_versioning(
        Bucket="landing", VersioningConfiguration={"Status": "Enabled"}
    )
    client = boto3.client("firehose", region_name="us-east-1")
    stream = delivered(
        fake,
        client,
        jq_routed(orders, USERS),
        b"not json",
        *rows({"t": "orders", "op": "delete"}, {"t": "orders", "id": 1}),
    )
    backed_up, pending = list(stream.backed_up), list(stream.pending)
    denied.clear()
    fake.firehose.clock.advance(seconds=1)  # the first retry
    versions = landing_s3.list_object_versions(Bucket="landing")["Versions"]

    assert backed_up == [b"not json"]
    assert pending == rows({"t": "orders", "op": "delete"})
    keys = [version["Key"] for version in versions]
    assert sorted(key.split("/")[0] for key in keys) == ["iceberg-failed", "orders-errors"]
    assert stream.backed_up == [b"not json", *rows({"t": "orders", "op": "delete"})]
    assert stream.pending == []
    assert stream.tables == {"shop.orders": [{"t": "orders", "id": 1}]}


@pytest.mark.parametrize(
    ("routing", "once"),
    [
        (ROUTING_QUERY, True),
        # A query that reads the clock may answer otherwise at each attempt.
        (ROUTING_QUERY.replace(".op}", "(if now > 0 then .op else null end)}"), False),
    ],
    ids=["routing", "routing-by-now"],
)
def test_a_batch_tried_again_runs_its_routing_query_again_only_if_it_reads_the_clock(
    fake: FirehoseFake,
    landing_s3: Any,
    denied: list[str],
    monkeypatch: pytest.MonkeyPatch,
    routing: str,
    once: bool,
) -> None:
    ran: list[int] = []
    evaluate = iceberg_module.evaluate

    def counted(query: str, documents: Any, *rest: Any) -> Any:
        ran.append(len(documents))
        return evaluate(query, documents, *rest)

    monkeypatch.setattr(iceberg_module, "evaluate", counted)
    config = jq_routed({**ORDERS, "S3ErrorOutputPrefix": "orders-errors/"}, USERS)
    config["ProcessingConfiguration"]["Processors"][0]["Parameters"][0]["ParameterValue"] = routing
    client = boto3.client("firehose", region_name="us-east-1")
    # A delete naming no key is refused, and the bucket refuses its table's error prefix:
    # the record is tried again, every few seconds.
    stream = delivered(fake, client, config, *rows({"t": "orders", "op": "delete"}))
    fake.firehose.clock.advance(seconds=30)
    assert stream.pending == rows({"t": "orders", "op": "delete"})

    denied.clear()
    fake.firehose.clock.advance(seconds=30)
    assert stream.backed_up == rows({"t": "orders", "op": "delete"})
    # Each run took the one record; a query that cannot tell one attempt from the next ran
    # once, whatever the retries.
    assert set(ran) == {1}
    assert (len(ran) == 1) is once


def test_a_down_destination_still_gives_whole_batches_up_and_fills_no_table(
    fake: FirehoseFake, client: Any
) -> None:
    config = iceberg(ORDERS, RetryOptions={"DurationInSeconds": 60})
    stream = fake.firehose.create_delivery_stream("events", IcebergDestinationConfiguration=config)
    stream.destination_down()
    put(client, *rows({"id": 1}))
    fake.firehose.flush()
    fake.firehose.clock.advance(minutes=2)

    assert stream.tables == {}
    assert stream.backed_up == rows({"id": 1})
    assert [line["errorCode"] for line in error_lines(fake)] == ["Iceberg.ConnectionFailed"]

    stream.destination_up()
    put(client, *rows({"id": 2}))
    fake.firehose.flush()
    assert stream.tables == {"shop.orders": [{"id": 2}]}


def test_tables_whose_names_hold_dots_keep_apart(fake: FirehoseFake, client: Any) -> None:
    query = "{destinationDatabaseName: .d, destinationTableName: .t}"
    extraction = {
        "Type": "MetadataExtraction",
        "Parameters": [{"ParameterName": "MetadataExtractionQuery", "ParameterValue": query}],
    }
    config = iceberg(ProcessingConfiguration={"Enabled": True, "Processors": [extraction]})
    stream = delivered(
        fake,
        client,
        config,
        *rows({"d": "a.b", "t": "c"}, {"d": "a", "t": "b.c"}, {"d": 'q"', "t": "t"}),
        *rows({"d": "shop", "t": "orders"}),
    )

    assert stream.tables == {
        '"a.b".c': [{"d": "a.b", "t": "c"}],
        'a."b.c"': [{"d": "a", "t": "b.c"}],
        '"q""".t': [{"d": 'q"', "t": "t"}],
        "shop.orders": [{"d": "shop", "t": "orders"}],
    }


def test_a_tables_records_keep_its_error_prefix_whatever_error_they_end_with(
    fake: FirehoseFake, landing_s3: Any, denied: list[str]
) -> None:
    """A record refused for its table (written at once, under the table's prefix) whose
    object the bucket does not take waits; retried while the destination is down, it ends
    with the last attempt's error, still under its table's prefix, as do the records of
    that table given up on while the destination is down."""
    orders = {**ORDERS, "S3ErrorOutputPrefix": "orders-errors/"}
    config = jq_routed(orders, USERS, RetryOptions={"DurationInSeconds": 60})
    client = boto3.client("firehose", region_name="us-east-1")
    stream = delivered(fake, client, config, *rows({"t": "orders", "op": "delete"}))
    assert stream.pending == rows({"t": "orders", "op": "delete"})

    stream.destination_down()
    denied.clear()
    put(client, *rows({"t": "orders", "id": 2}, {"t": "users", "id": 3}))
    fake.firehose.flush()
    fake.firehose.clock.advance(minutes=5)
    lines = sorted(
        (key.split("/")[0], line["errorCode"], base64.b64decode(line["rawData"]))
        for key in (o["Key"] for o in landing_s3.list_objects_v2(Bucket="landing")["Contents"])
        for line in map(
            json.loads, landing_s3.get_object(Bucket="landing", Key=key)["Body"].iter_lines()
        )
    )

    assert stream.pending == []
    assert lines == [
        ("iceberg-failed", "Iceberg.ConnectionFailed", b'{"t": "users", "id": 3}'),
        ("orders-errors", "Iceberg.ConnectionFailed", b'{"t": "orders", "id": 2}'),
        ("orders-errors", "Iceberg.ConnectionFailed", b'{"t": "orders", "op": "delete"}'),
    ]


def test_records_given_up_on_while_down_without_a_table_prefix_share_one_object(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    """A record routed to a table without ``S3ErrorOutputPrefix`` and one no table takes,
    given up on while the destination is down, both go to the ``S3Configuration``'s error
    output: one object holds them."""
    config = jq_routed(ORDERS, USERS, RetryOptions={"DurationInSeconds": 60})
    client = boto3.client("firehose", region_name="us-east-1")
    stream = fake.firehose.create_delivery_stream("events", IcebergDestinationConfiguration=config)
    stream.destination_down()
    put(client, *rows({"t": "users", "id": 3}, {"id": 4}))
    fake.firehose.flush()
    fake.firehose.clock.advance(minutes=5)
    keys = [o["Key"] for o in landing_s3.list_objects_v2(Bucket="landing")["Contents"]]

    assert len(keys) == 1
    assert keys[0].startswith("iceberg-failed/")
    lines = [
        json.loads(line)
        for line in landing_s3.get_object(Bucket="landing", Key=keys[0])["Body"].iter_lines()
    ]
    assert [(line["errorCode"], base64.b64decode(line["rawData"])) for line in lines] == [
        ("Iceberg.ConnectionFailed", b'{"t": "users", "id": 3}'),
        ("Iceberg.ConnectionFailed", b'{"id": 4}'),
    ]
    assert stream.pending == []


def test_jq_now_in_the_routing_query_is_the_fake_clocks_time(
    fake: FirehoseFake, client: Any
) -> None:
    query = '{destinationDatabaseName: "shop", destinationTableName: (now | strftime("y%Y"))}'
    extraction = {
        "Type": "MetadataExtraction",
        "Parameters": [{"ParameterName": "MetadataExtractionQuery", "ParameterValue": query}],
    }
    config = iceberg(ProcessingConfiguration={"Enabled": True, "Processors": [extraction]})
    fake.firehose.clock.advance(days=400)
    stream = delivered(fake, client, config, *rows({"id": 1}))

    assert stream.tables == {f"shop.{fake.firehose.clock.now():y%Y}": [{"id": 1}]}


def test_tables_is_a_copy(fake: FirehoseFake, client: Any) -> None:
    stream = delivered(fake, client, iceberg(ORDERS), *rows({"id": 1, "tags": ["a"]}))

    stream.tables["shop.orders"][0]["tags"].append("b")
    stream.tables["shop.orders"][0]["id"] = 2
    stream.tables["shop.orders"].clear()

    assert stream.tables == {"shop.orders": [{"id": 1, "tags": ["a"]}]}


def test_a_query_that_fails_on_a_record_sends_it_to_the_error_output(
    fake: FirehoseFake, client: Any
) -> None:
    # The one table configured does not take a record the query was meant to route.
    config = jq_routed(ORDERS)
    query = '{destinationDatabaseName: "shop", destinationTableName: (.t | ascii_downcase)}'
    config["ProcessingConfiguration"]["Processors"][0]["Parameters"][0]["ParameterValue"] = query
    stream = delivered(fake, client, config, *rows({"t": 1}, {"t": "ORDERS", "id": 2}))

    assert stream.tables == {"shop.orders": [{"t": "ORDERS", "id": 2}]}
    assert [line["errorCode"] for line in error_lines(fake)] == ["Iceberg.MetadataExtractionFailed"]


def test_an_invalid_jq_query_is_refused_at_creation(fake: FirehoseFake, api: Any) -> None:
    config = jq_routed(ORDERS)
    config["ProcessingConfiguration"]["Processors"][0]["Parameters"][0]["ParameterValue"] = "{"
    with pytest.raises(api.exceptions.InvalidArgumentException, match="not a valid jq query"):
        api.create_delivery_stream(
            DeliveryStreamName="events", IcebergDestinationConfiguration=config
        )


def test_an_update_of_a_jq_routed_destination_is_taken_and_it_still_routes(
    fake: FirehoseFake, client: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", IcebergDestinationConfiguration=jq_routed(ORDERS, USERS)
    )

    client.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        IcebergDestinationUpdate={"BufferingHints": {"IntervalInSeconds": 60}},
    )
    put(client, *rows({"t": "users", "name": "ann"}, {"t": "orders", "id": 1}))
    fake.firehose.flush()

    assert stream.tables == {
        "shop.users": [{"t": "users", "name": "ann"}],
        "shop.orders": [{"t": "orders", "id": 1}],
    }
    assert stream.backed_up == []


def test_a_record_de_aggregation_processor_still_needs_dynamic_partitioning(
    fake: FirehoseFake,
) -> None:
    processor = {
        "Type": "RecordDeAggregation",
        "Parameters": [{"ParameterName": "SubRecordType", "ParameterValue": "JSON"}],
    }
    config = iceberg(ORDERS, ProcessingConfiguration={"Enabled": True, "Processors": [processor]})
    with pytest.raises(UsageError, match="can only be present when Dynamic Partitioning"):
        fake.firehose.create_delivery_stream("events", IcebergDestinationConfiguration=config)


@pytest.fixture
def served(fake: FirehoseFake) -> Iterator[FirehoseServer]:
    with FirehoseServer(fake.world) as server:
        yield server


def test_the_control_api_shows_the_tables(
    fake: FirehoseFake, client: Any, served: FirehoseServer
) -> None:
    delivered(fake, client, iceberg(ORDERS), *rows({"id": 1, "note": None}))

    connection = http.client.HTTPConnection(served.host, served.port, timeout=10)
    try:
        connection.request("GET", "/_fake/streams/events")
        shown = json.loads(connection.getresponse().read())
    finally:
        connection.close()

    assert shown["tables"] == {"shop.orders": [{"id": 1, "note": None}]}


def test_scripting_refusals_on_an_iceberg_destination_says_how_records_fail_alone(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", IcebergDestinationConfiguration=iceberg(ORDERS)
    )

    with pytest.raises(UsageError, match="refuses a record by its content: put one that is not"):
        stream.destination_refuses(lambda record: True)
    with pytest.raises(UsageError, match=r"Iceberg\.ConnectionFailed"):
        stream.destination_down(error="Iceberg.InvalidUniqueKeys")
