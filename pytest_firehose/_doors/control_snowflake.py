"""``POST /_fake/snowflake``: the Snowflake tables a test declares over HTTP, as
``firehose.snowflake_table(...)`` declares them. The handle checks every field, so what it
refuses is refused in its words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_firehose._doors.control_input import Json, refusals

if TYPE_CHECKING:
    from pytest_firehose._handles.firehose import FirehoseHandle


def declare(firehose: FirehoseHandle, body: dict[str, Json]) -> Json:
    """Declare the table ``body`` names (``"table"``: ``DATABASE.SCHEMA.TABLE``) with its
    ``"columns"`` (an object of name to Snowflake type, or ``[name, type]`` pairs) at its
    ``"account_url"`` (left out: every account); the table as Snowflake stores it, its
    columns as ``[name, type]`` pairs in order."""
    # Any JSON value: snowflake_table refuses what is not a table, columns or an account.
    table: Json = body.get("table")
    given: Json = body.get("columns")
    account_url: Json = body.get("account_url")
    with refusals("POST /_fake/snowflake"):
        columns = firehose.snowflake_table(table, given, account_url=account_url)
    return {"table": table, "account_url": account_url, "columns": list(columns.items())}
