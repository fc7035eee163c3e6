"""A Snowflake table a test declares (``firehose.snowflake_table``): each row checked as
Snowpipe Streaming checks it, refused with the developer guide's codes and the SDK's
messages and written at once to ``snowflake-failed/``, the rows it takes converted to
their columns' types; identifiers read as Snowflake reads them; the three data loading
options; an account's tables; ``destination_refuses`` beside it; without a declared table
nothing changes."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from conftest import needs_botocore, put, reading_kinesis
from test_other_destinations import SNOWFLAKE

from pytest_firehose import FirehoseFake

pytestmark = needs_botocore("firehose CreateDeliveryStream.SnowflakeDestinationConfiguration")

#: SNOWFLAKE's table: RAW.EVENTS.CLICKS.
TABLE = "RAW.EVENTS.CLICKS"
COLUMNS = {
    "ID": "NUMBER(38,0) NOT NULL",
    "NAME": "VARCHAR(8)",
    "AMOUNT": "NUMBER(10,2)",
    "SEEN": "TIMESTAMP_NTZ",
    "PAYLOAD": "VARIANT",
}
CONTENT = {"DataLoadingOption": "VARIANT_CONTENT_MAPPING", "ContentColumnName": "RECORD"}
WITH_METADATA = {
    "DataLoadingOption": "VARIANT_CONTENT_AND_METADATA_MAPPING",
    "ContentColumnName": "RECORD",
    "MetaDataColumnName": "RECORD_METADATA",
}
CANNOT = "The given row cannot be converted to the internal format: "
INVALID = "The given row cannot be converted to the internal format due to invalid value: "


def snowflake(fake: FirehoseFake, **options: Any) -> Any:
    """Delivery stream ``events`` to the table RAW.EVENTS.CLICKS, with ``options``."""
    return fake.firehose.create_delivery_stream(
        "events", SnowflakeDestinationConfiguration={**SNOWFLAKE, **options}
    )


def load(fake: FirehoseFake, client: Any, *records: Any) -> None:
    """Put each of ``records`` as its JSON and flush."""
    put(client, *(json.dumps(record).encode() for record in records))
    fake.firehose.flush()


def failed(stream: Any) -> list[tuple[str, str]]:
    """Each failed record's (errorCode, errorMessage), as written to ``snowflake-failed/``."""
    lines = [
        json.loads(line)
        for obj in stream.backed_up_objects
        for line in obj.body.decode().splitlines()
    ]
    assert all(obj.key.startswith("snowflake-failed/") for obj in stream.backed_up_objects)
    return [(line["errorCode"], line["errorMessage"]) for line in lines]


# ---------------------------------------------------------------------- refusals


def test_a_key_the_table_lacks_is_refused_with_extra_columns(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, COLUMNS)
    stream = snowflake(fake)
    load(fake, client, {"ID": 1}, {"ID": 2, "colour": "red", "size": 3})

    assert stream.rows == [{"ID": 1, "NAME": None, "AMOUNT": None, "SEEN": None, "PAYLOAD": None}]
    assert stream.backed_up == [b'{"ID": 2, "colour": "red", "size": 3}']
    assert failed(stream) == [
        (
            "Snowflake.ExtraColumns",
            f"{CANNOT}Extra columns: [colour, size]. Columns not present in the table "
            "shouldn't be specified, rowIndex:1",
        )
    ]
    [line] = [json.loads(obj.body) for obj in stream.backed_up_objects]
    assert line["attemptsMade"] == 1  # not retried


def test_a_not_null_column_without_a_value_is_refused_with_missing_columns(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, COLUMNS)
    stream = snowflake(fake)
    load(fake, client, {"NAME": "a"}, {"ID": None})

    assert stream.rows == []
    assert failed(stream) == [
        (
            "Snowflake.MissingColumns",
            f"{CANNOT}Missing columns: [ID]. Values for all non-nullable columns must be "
            "specified, rowIndex:0",
        ),
        (
            "Snowflake.MissingColumns",
            f"{CANNOT}Not-nullable columns with null values: [ID]. Values for all "
            "non-nullable columns must not be null, rowIndex:1",
        ),
    ]


def test_a_primary_key_column_and_one_declared_not_null_among_clauses_take_no_null(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(
        TABLE, {"ID": "NUMBER PRIMARY KEY", "CODE": "TEXT UNIQUE NOT NULL", "NOTE": "TEXT NULL"}
    )
    stream = snowflake(fake)
    load(fake, client, {"ID": 1, "CODE": "a"}, {"CODE": "b"}, {"ID": 3})

    assert stream.rows == [{"ID": 1, "CODE": "a", "NOTE": None}]
    assert failed(stream) == [
        (
            "Snowflake.MissingColumns",
            f"{CANNOT}Missing columns: [{column}]. Values for all non-nullable columns must be "
            f"specified, rowIndex:{index}",
        )
        for column, index in (("ID", 1), ("CODE", 2))
    ]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"ID": "twelve"},
            f"{INVALID}Value cannot be ingested into Snowflake column ID of type NUMBER, "
            "rowIndex:0, reason: Not a valid number",
        ),
        (
            {"ID": 1, "AMOUNT": 123456789.5},
            f"{CANNOT}Number out of representable exclusive range of (-1e8..1e8), "
            "rowIndex:0, column:AMOUNT, value:123456789.50",
        ),
        (
            {"ID": 1, "NAME": "much too long"},
            f"{INVALID}Value cannot be ingested into Snowflake column NAME of type STRING, "
            "rowIndex:0, reason: String too long: length=13 characters maxLength=8 characters",
        ),
        (
            {"ID": 1, "SEEN": "2024-05-01 10:00:00"},
            f"{INVALID}Value cannot be ingested into Snowflake column SEEN of type TIMESTAMP, "
            "rowIndex:0, reason: Not a valid value, see "
            "https://docs.snowflake.com/en/user-guide/data-load-snowpipe-streaming-overview "
            "for the list of supported formats",
        ),
        (
            {"ID": [1]},
            f"{CANNOT}Object of type java.util.ArrayList cannot be ingested into Snowflake "
            "column ID of type NUMBER, rowIndex:0. Allowed Java types: int, long, byte, short, "
            "float, double, BigDecimal, BigInteger, String",
        ),
    ],
)
def test_a_value_its_column_cannot_take_is_refused_with_invalid_value(
    fake: FirehoseFake, client: Any, record: dict[str, Any], message: str
) -> None:
    fake.firehose.snowflake_table(TABLE, COLUMNS)
    stream = snowflake(fake)
    load(fake, client, record)

    assert stream.rows == []
    assert failed(stream) == [("Snowflake.InvalidValue", message)]


def test_each_refused_row_names_its_place_in_the_batch_and_the_rest_load(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, {"ID": "INT NOT NULL", "OK": "BOOLEAN"})
    stream = snowflake(fake)
    load(fake, client, {"ID": 1, "OK": "yes"}, {"ID": 2, "OK": "maybe"}, "not an object")

    assert stream.rows == [{"ID": 1, "OK": True}]
    assert failed(stream) == [
        (
            "Snowflake.InvalidValue",
            f"{INVALID}Value cannot be ingested into Snowflake column OK of type BOOLEAN, "
            "rowIndex:1, reason: Not a valid boolean, see https://docs.snowflake.com/en/"
            "sql-reference/data-types-logical.html#conversion-to-boolean for the list of "
            "supported formats",
        ),
        ("Snowflake.InvalidInput", "The record is not a single JSON object."),
    ]


def test_a_lone_surrogate_fails_its_row_and_the_rest_of_the_batch_loads(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, COLUMNS)
    stream = snowflake(fake)
    # JSON escapes only: the records are valid UTF-8, their strings are not.
    put(client, b'{"ID": 1, "PAYLOAD": {"a": "\\ud800"}}', b'{"ID": 2}')
    fake.firehose.flush()

    assert stream.delivery_errors == []
    assert [row["ID"] for row in stream.rows] == [2]
    assert failed(stream) == [
        (
            "Snowflake.InvalidValue",
            f"{INVALID}Value cannot be ingested into Snowflake column PAYLOAD of type VARIANT, "
            "rowIndex:0, reason: Invalid Unicode string",
        )
    ]


def test_a_column_with_a_default_makes_every_row_fail_with_invalid_columns(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, {"ID": "INT", "AT": "TIMESTAMP_LTZ DEFAULT NOW()"})
    stream = snowflake(fake)
    load(fake, client, {"ID": 1})

    assert stream.rows == []
    assert failed(stream) == [
        (
            "Snowflake.InvalidColumns",
            "Snowpipe Streaming does not support columns of type AUTOINCREMENT, IDENTITY, "
            "GEO, or columns with a default value or collation",
        )
    ]


@pytest.mark.parametrize(
    "declared",
    [
        "OBJECT(city VARCHAR, zip NUMBER(5,0) NOT NULL)",
        "ARRAY(NUMBER(10,2)) NOT NULL",
        "MAP(VARCHAR, ARRAY(INT))",
        "OBJECT()",
        "VECTOR(FLOAT, 256)",
        "vector(int, 4096)",
        "GEOGRAPHY",
    ],
)
def test_a_structured_or_vector_column_makes_every_row_fail_with_invalid_columns(
    fake: FirehoseFake, client: Any, declared: str
) -> None:
    # Snowpipe Streaming loads structured types only into Iceberg tables, and no loading
    # takes a VECTOR: the table is declared, and no row reaches it.
    fake.firehose.snowflake_table(TABLE, {"ID": "INT", "EXTRA": declared})
    stream = snowflake(fake)
    load(fake, client, {"ID": 1}, {"ID": 2, "EXTRA": [1.5, 2.5]})

    assert stream.rows == []
    assert stream.backed_up == [b'{"ID": 1}', b'{"ID": 2, "EXTRA": [1.5, 2.5]}']
    assert {code for code, _ in failed(stream)} == {"Snowflake.InvalidColumns"}


# ---------------------------------------------------------------------- conversions


def test_the_rows_a_table_takes_hold_each_value_as_its_column_converts_it(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(
        TABLE,
        {
            "ID": "NUMBER(38,0) NOT NULL",
            "PRICE": "NUMBER(10,2)",
            "RATIO": "FLOAT",
            "LABEL": "STRING",
            "OK": "BOOLEAN",
            "DAY": "DATE",
            "AT": "TIME",
            "SEEN": "TIMESTAMP_NTZ",
            "SEEN_UTC": "TIMESTAMP_LTZ",
            "RAW": "BINARY",
            "TAGS": "ARRAY",
            "ATTRS": "OBJECT",
            "PAYLOAD": "VARIANT",
        },
    )
    stream = snowflake(fake)
    load(
        fake,
        client,
        {
            "ID": "12",
            "PRICE": 1.005,
            "RATIO": "2.5e3",
            "LABEL": 1.50,
            "OK": 0,
            "DAY": "2024-05-01T23:30:00+02:00",
            "AT": "10:15:30.5",
            "SEEN": "2024-05-01T10:00:00+02:00",
            "SEEN_UTC": "2024-05-01T10:00:00+02:00",
            "RAW": "cafe",
            "TAGS": "one",
            "ATTRS": {"a": 1},
            "PAYLOAD": {"nested": [1, None]},
        },
    )

    [row] = stream.rows
    assert row == {
        "ID": 12,
        "PRICE": Decimal("1.01"),  # rounded half up to the scale
        "RATIO": 2500.0,
        "LABEL": "1.5",
        "OK": False,
        "DAY": date(2024, 5, 1),
        "AT": datetime(2024, 1, 1, 10, 15, 30, 500000).time(),
        "SEEN": datetime(2024, 5, 1, 10, 0),  # NTZ keeps the time as written
        "SEEN_UTC": datetime.fromisoformat("2024-05-01T08:00:00+00:00"),
        "RAW": b"\xca\xfe",
        "TAGS": ["one"],  # a value that is no array is wrapped in one
        "ATTRS": {"a": 1},
        "PAYLOAD": {"nested": [1, None]},
    }


def test_timestamps_take_epoch_integers_in_text_by_their_size(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, {"S": "TIMESTAMP_NTZ", "MS": "TIMESTAMP_NTZ"})
    stream = snowflake(fake)
    load(fake, client, {"S": "1714557600", "MS": "1714557600123"})

    assert stream.rows == [
        {"S": datetime(2024, 5, 1, 10, 0), "MS": datetime(2024, 5, 1, 10, 0, 0, 123000)}
    ]


def test_a_timestamp_is_checked_in_its_own_offset_and_one_past_its_years_fails_its_row(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, {"ID": "INT", "UNTIL": "TIMESTAMP_LTZ"})
    stream = snowflake(fake)
    load(
        fake,
        client,
        {"ID": 1, "UNTIL": "9999-12-31T23:59:59-05:00"},  # in UTC, year 10000: loads
        {"ID": 2, "UNTIL": "+10000-01-01T00:00Z"},
        {"ID": 3, "UNTIL": "2024-01-15T10:00+05:00[Europe/Paris]"},
    )

    assert stream.rows == [
        {"ID": 1, "UNTIL": datetime.fromisoformat("9999-12-31T23:59:59-05:00")},
        {"ID": 3, "UNTIL": datetime.fromisoformat("2024-01-15T05:00:00+00:00")},
    ]
    assert failed(stream) == [
        (
            "Snowflake.InvalidValue",
            f"{INVALID}Timestamp out of representable inclusive range of years between 1 and "
            "9999, rowIndex:1, column:UNTIL, value:+10000-01-01T00:00Z",
        )
    ]


# ---------------------------------------------------------------------- identifiers


def test_keys_find_unquoted_columns_in_any_case_and_rows_use_the_stored_names(
    fake: FirehoseFake, client: Any
) -> None:
    columns = fake.firehose.snowflake_table("raw.events.clicks", {"id": "INT", "Name": "TEXT"})
    stream = snowflake(fake, Database="Raw", Table="clicks")
    load(fake, client, {"Id": 1, "NAME": "a"}, {"id": 2, "name": "b"})

    assert columns == {"ID": "INT", "NAME": "TEXT"}
    assert stream.rows == [{"ID": 1, "NAME": "a"}, {"ID": 2, "NAME": "b"}]


def test_a_quoted_column_keeps_its_case_and_only_a_quoted_key_finds_it(
    fake: FirehoseFake, client: Any
) -> None:
    columns = fake.firehose.snowflake_table(TABLE, {'"userId"': "INT", "ID": "INT"})
    stream = snowflake(fake)
    load(fake, client, {'"userId"': 7}, {"userId": 8})

    assert columns == {"userId": "INT", "ID": "INT"}
    assert stream.rows == [{"userId": 7, "ID": None}]
    assert failed(stream) == [
        (
            "Snowflake.ExtraColumns",
            f"{CANNOT}Extra columns: [userId]. Columns not present in the table shouldn't "
            "be specified, rowIndex:1",
        )
    ]


def test_a_quoted_table_name_is_found_only_by_its_exact_case(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table('RAW.EVENTS."clicks"', {"ID": "INT NOT NULL"})
    upper = snowflake(fake)  # Table "CLICKS": another table, none declared
    lower = fake.firehose.create_delivery_stream(
        "lower", SnowflakeDestinationConfiguration={**SNOWFLAKE, "Table": '"clicks"'}
    )
    client.put_record(DeliveryStreamName="lower", Record={"Data": b'{"any": "key"}'})
    load(fake, client, {"any": "key"})

    assert upper.rows == [{"any": "key"}]
    assert lower.rows == []
    assert [code for code, _ in failed(lower)] == ["Snowflake.ExtraColumns"]


def test_a_table_declared_for_another_account_is_not_this_streams(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(
        TABLE, {"ID": "INT"}, account_url="https://other.eu-west-1.snowflakecomputing.com"
    )
    stream = snowflake(fake)
    load(fake, client, {"x": 1})
    assert stream.rows == [{"x": 1}]

    fake.firehose.snowflake_table(
        TABLE, {"ID": "INT"}, account_url="EXAMPLE.us-east-1.snowflakecomputing.com"
    )
    load(fake, client, {"x": 2})
    assert stream.rows == [{"x": 1}]
    assert [code for code, _ in failed(stream)] == ["Snowflake.ExtraColumns"]


# ---------------------------------------------------------------------- loading options


def test_the_content_column_takes_the_record_when_it_is_a_variant(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, {"RECORD": "VARIANT", "NOTE": "TEXT"})
    stream = snowflake(fake, **CONTENT)
    load(fake, client, {"id": 1})

    assert stream.rows == [{"RECORD": {"id": 1}, "NOTE": None}]


def test_a_content_column_the_table_lacks_or_cannot_hold_an_object_refuses_the_rows(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, {"RECORD": "VARCHAR"})
    stream = snowflake(fake, **WITH_METADATA)
    load(fake, client, {"id": 1})

    assert stream.rows == []
    assert failed(stream) == [
        (
            "Snowflake.ExtraColumns",
            f"{CANNOT}Extra columns: [RECORD_METADATA]. Columns not present in the table "
            "shouldn't be specified, rowIndex:0",
        )
    ]

    fake.firehose.snowflake_table(TABLE, {"RECORD": "VARCHAR", "RECORD_METADATA": "OBJECT"})
    load(fake, client, {"id": 2})
    assert failed(stream)[1] == (
        "Snowflake.InvalidValue",
        f"{CANNOT}Object of type java.util.LinkedHashMap cannot be ingested into Snowflake "
        "column RECORD of type STRING, rowIndex:0. Allowed Java types: String, Number, "
        "boolean, char",
    )


def test_the_metadata_column_holds_the_records_source_in_an_object_column(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(
        TABLE, {"RECORD": "VARIANT NOT NULL", "RECORD_METADATA": "OBJECT", "NOTE": "TEXT"}
    )
    stream = snowflake(fake, **WITH_METADATA)
    load(fake, client, {"id": 1})

    [row] = stream.rows
    assert list(row) == ["RECORD", "RECORD_METADATA", "NOTE"]  # the table's columns
    assert row["RECORD"] == {"id": 1}
    assert row["RECORD_METADATA"]["firehoseDeliveryStreamName"] == "events"
    assert row["NOTE"] is None


def test_an_array_metadata_column_holds_a_list_of_the_source_naming_the_stream(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, {"RECORD": "VARIANT", "RECORD_METADATA": "ARRAY"})
    stream = snowflake(fake, **WITH_METADATA)
    load(fake, client, {"id": 1}, {"id": 2})

    assert [row["RECORD"] for row in stream.rows] == [{"id": 1}, {"id": 2}]
    for row in stream.rows:
        [source] = row["RECORD_METADATA"]
        assert list(source) == ["firehoseDeliveryStreamName", "IngestionTime"]
        assert source["firehoseDeliveryStreamName"] == "events"


# ---------------------------------------------------------------------- beside the rest


def test_without_a_declared_table_every_key_is_a_column_as_before(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table("RAW.EVENTS.OTHER", {"ID": "INT NOT NULL"})
    stream = snowflake(fake)
    load(fake, client, {"id": "12", "anything": [1]})

    assert stream.rows == [{"id": "12", "anything": [1]}]
    assert stream.backed_up == []


def test_the_table_refuses_first_and_destination_refuses_picks_among_the_rest(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.snowflake_table(TABLE, {"ID": "INT"})
    stream = snowflake(fake)
    stream.destination_refuses(lambda record: b"2" in record or b"x" in record)
    load(fake, client, {"ID": 1}, {"ID": 2}, {"x": 3})

    assert stream.rows == [{"ID": 1}]
    assert [code for code, _ in failed(stream)] == [
        "Snowflake.InvalidColumns",  # destination_refuses' default
        "Snowflake.ExtraColumns",  # the table's, ahead of the predicate's
    ]


def test_a_table_declared_after_the_stream_was_created_checks_the_next_rows(
    fake: FirehoseFake, client: Any
) -> None:
    stream = snowflake(fake)
    load(fake, client, {"x": 1})
    fake.firehose.snowflake_table(TABLE, {"ID": "INT"})
    load(fake, client, {"x": 2})

    assert stream.rows == [{"x": 1}]
    assert [code for code, _ in failed(stream)] == ["Snowflake.ExtraColumns"]


def test_a_table_is_loaded_into_by_the_streams_of_every_region(fake: FirehoseFake) -> None:
    """A Snowflake account is no AWS region's: a stream in another region than the fake's
    default loads into the table declared there too (it used to load as if none were)."""
    fake.firehose.snowflake_table(TABLE, {"ID": "INT"})
    west = boto3.client("firehose", region_name="eu-west-1")
    here = boto3.client("firehose", region_name="us-east-1")
    for client in (west, here):
        client.create_delivery_stream(
            DeliveryStreamName="events", SnowflakeDestinationConfiguration=SNOWFLAKE
        )
        put(client, b'{"x": 1}')
        put(client, b'{"id": "7"}')
    fake.firehose.flush()

    for region in ("eu-west-1", "us-east-1"):
        stream = fake.firehose.stream("events", region=region)
        assert stream.rows == [{"ID": 7}]
        assert [code for code, _ in failed(stream)] == ["Snowflake.ExtraColumns"]


def test_a_record_read_from_kinesis_fills_the_declared_metadata_column(
    fake: FirehoseFake,
) -> None:
    fake.firehose.snowflake_table(TABLE, {"RECORD": "VARIANT", "RECORD_METADATA": "VARIANT"})
    fake.kinesis.create_stream("clicks", shard_count=1)
    stream = reading_kinesis(
        fake, source="clicks", SnowflakeDestinationConfiguration={**SNOWFLAKE, **WITH_METADATA}
    )
    fake.firehose.clock.advance(seconds=5)
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    kinesis.put_record(StreamName="clicks", Data=b'{"id": 7}', PartitionKey="user-7")
    fake.firehose.clock.advance(seconds=1)
    fake.firehose.flush()

    [row] = stream.rows
    assert row["RECORD"] == {"id": 7}
    assert row["RECORD_METADATA"]["kinesisStreamName"] == "clicks"
    assert row["RECORD_METADATA"]["kinesisPartitionKey"] == "user-7"
