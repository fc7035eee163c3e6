"""``firehose.snowflake_table`` misused: each refusal names the fix; and ``POST
/_fake/snowflake``, which declares a table over HTTP for a test in another language, end
to end through the local server, its refusals in the request's terms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REGION, ask_control, needs_botocore, put, server_client
from test_other_destinations import SNOWFLAKE

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._engine.world import World

TABLE = "RAW.EVENTS.CLICKS"


@pytest.mark.parametrize(
    ("table", "columns", "message"),
    [
        ("RAW.CLICKS", {"ID": "INT"}, r"a table is named DATABASE\.SCHEMA\.TABLE"),
        ("RAW..CLICKS", {"ID": "INT"}, r"not 'RAW\.\.CLICKS'"),
        ("RAW.EVENTS.CLICKS.", {"ID": "INT"}, r"not 'RAW\.EVENTS\.CLICKS\.'"),
        ("RAW.EVENTS.1CLICKS", {"ID": "INT"}, r"not starting with a digit"),
        (5, {"ID": "INT"}, r"not 5"),
        (TABLE, {"ID": "GEOMETRYX"}, r"GEOMETRYX is not a type pytest-firehose reads.*VARIANT"),
        (TABLE, {"ID": "NUMBER(39,0)"}, r"NUMBER\(39,0\): the precision is 1 to 38, not 39"),
        (TABLE, {"ID": "NUMBER(5,6)"}, r"the scale is 0 to 5, not 6"),
        (TABLE, {"ID": "VARCHAR(2,1)"}, r"only NUMBER takes a scale"),
        (TABLE, {"ID": "INT(4)"}, r"INT takes no length or precision"),
        (TABLE, {"V": "VECTOR(STRING, 256)"}, r"a VECTOR is VECTOR\(INT or FLOAT, a dimension"),
        (TABLE, {"V": "VECTOR(FLOAT, 4097)"}, r"a dimension of 1 to 4096"),
        (TABLE, {"V": "VECTOR"}, r"VECTOR is declared with its types in parentheses"),
        (TABLE, {"M": "MAP(DATE, INT)"}, r"a MAP's key is VARCHAR or a NUMBER of scale 0"),
        (TABLE, {"M": "MAP(VARCHAR)"}, r"a MAP names its key type and its value type"),
        (TABLE, {"A": "ARRAY(INT, INT)"}, r"a structured ARRAY names one element type"),
        (TABLE, {"A": "ARRAY(NUMBR)"}, r"NUMBR is not a type pytest-firehose reads"),
        (TABLE, {"M": "MAP(VARCHAR, NUMBR)"}, r"NUMBR is not a type pytest-firehose reads"),
        (TABLE, {"O": "OBJECT(a INT, b NUMBR)"}, r"NUMBR is not a type pytest-firehose reads"),
        (TABLE, {"O": "OBJECT(a INT"}, r"OBJECT\(a INT: a parenthesis is not closed"),
        (TABLE, {"O": "OBJECT(a)"}, r"a structured OBJECT's fields are 'name type'"),
        (TABLE, {"ID": "INT NOT NUL"}, r"'NOT NUL' after the type INT is not a clause"),
        (TABLE, {"ID": "INT PRIMARY KEY NUL"}, r"'PRIMARY KEY NUL' after the type INT is not"),
        (TABLE, {"ID": "INT PRIMARY"}, r"'PRIMARY' after the type INT is not a clause"),
        (TABLE, {"ID": 5}, r"the type of column 'ID' is 5, not a string such as 'VARCHAR\(16\)'"),
        (TABLE, {"my id": "INT"}, r"the column name 'my id' is no identifier"),
        (TABLE, {"id": "INT", "ID": "TEXT"}, r"two columns are named ID as Snowflake stores"),
        (TABLE, {}, r"the table needs at least one column"),
        (TABLE, "ID INT", r"columns are a mapping of column name to Snowflake type"),
        (TABLE, [("ID",)], r"\('ID',\) is not a \(name, type\) pair"),
    ],
)
def test_snowflake_table_refuses_what_no_table_could_be(
    fake: FirehoseFake, table: Any, columns: Any, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        fake.firehose.snowflake_table(table, columns)


def test_snowflake_table_refuses_an_account_url_firehose_would_not_take(
    fake: FirehoseFake,
) -> None:
    with pytest.raises(UsageError, match=r"account_url is the destination's AccountUrl"):
        fake.firehose.snowflake_table(TABLE, {"ID": "INT"}, account_url="https://example.com")


# ---------------------------------------------------------------------- the server


@pytest.fixture
def served() -> Iterator[FirehoseServer]:
    with FirehoseServer(World(region=REGION)) as server:
        yield server


@needs_botocore("firehose CreateDeliveryStream.SnowflakeDestinationConfiguration")
def test_a_table_declared_over_http_checks_and_converts_the_rows_the_server_loads(
    served: FirehoseServer,
) -> None:
    body = {
        "table": "raw.events.clicks",
        "columns": [["id", "NUMBER(38,0) NOT NULL"], ["price", "NUMBER(6,2)"], ["day", "DATE"]],
        "account_url": SNOWFLAKE["AccountUrl"],
    }
    status, declared = ask_control(served, "POST", "/_fake/snowflake", body)
    firehose = server_client(served)
    firehose.create_delivery_stream(
        DeliveryStreamName="events", SnowflakeDestinationConfiguration=SNOWFLAKE
    )
    put(firehose, b'{"id": "7", "price": 1.5, "day": "2024-05-01"}', b'{"id": 8, "x": 1}')
    ask_control(served, "POST", "/_fake/flush")
    shown = ask_control(served, "GET", "/_fake/streams/events")[1]

    assert (status, declared) == (
        201,
        {
            "table": "raw.events.clicks",
            "account_url": SNOWFLAKE["AccountUrl"],
            "columns": [["ID", "NUMBER(38,0) NOT NULL"], ["PRICE", "NUMBER(6,2)"], ["DAY", "DATE"]],
        },
    )
    # Each value as JSON: a NUMBER with a scale as its text, a date in ISO 8601.
    assert shown["rows"] == [{"ID": 7, "PRICE": "1.50", "DAY": "2024-05-01"}]
    [failed] = shown["backed_up_objects"]
    assert failed["key"].startswith("snowflake-failed/")
    assert json.loads(served.firehose["events"].backed_up_objects[0].body)["errorCode"] == (
        "Snowflake.ExtraColumns"
    )


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        (
            {"columns": {"ID": "INT"}},
            "POST /_fake/snowflake: a table is named DATABASE.SCHEMA.TABLE",
        ),
        (
            {"table": TABLE, "columns": [["ID"]]},
            "POST /_fake/snowflake: columns are a mapping of column name to Snowflake type, "
            '{"ID": "NUMBER(38,0) NOT NULL", "NAME": "VARCHAR(16)", "PAYLOAD": "VARIANT"}; '
            '["ID"] is not a [name, type] pair',
        ),
        (
            {"table": TABLE, "columns": {"ID": "INT"}, "account_url": "example"},
            '"account_url" is the destination\'s AccountUrl',
        ),
        (
            {"table": TABLE, "columns": {"ID": "INT"}, "name": "x"},
            'POST /_fake/snowflake takes no "name"',
        ),
    ],
    ids=["no-table", "bad-pair", "bad-account", "stray"],
)
def test_what_the_python_api_refuses_is_refused_in_the_clients_terms(
    served: FirehoseServer, body: dict[str, Any], refusal: str
) -> None:
    status, answer = ask_control(served, "POST", "/_fake/snowflake", body)

    assert (status, refusal in answer["error"]) == (400, True), answer
    assert served.world.snowflake_tables.names() == []


def test_a_reset_forgets_the_tables_declared(served: FirehoseServer) -> None:
    body = {"table": TABLE, "columns": {"ID": "INT"}}
    assert ask_control(served, "POST", "/_fake/snowflake", body)[0] == 201
    ask_control(served, "POST", "/_fake/reset")

    assert served.world.snowflake_tables.names() == []
