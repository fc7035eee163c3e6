"""``POST /_fake/glue`` and ``GET /_fake/glue/{database}/{table}``: the Glue tables a test
registers over HTTP, as ``firehose.glue_table(...)`` registers them and
``firehose.glue_columns(...)`` reads them back. The handle checks every field, so what it
refuses is refused in its words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_firehose._doors.control_input import ControlError, Json, refusals

if TYPE_CHECKING:
    from pytest_firehose._handles.firehose import FirehoseHandle


def register(firehose: FirehoseHandle, body: dict[str, Json], region: str | None) -> Json:
    """Register the table ``body`` names with its ``"columns"`` (an object of name to Hive
    type, or ``[name, type]`` pairs); the table as :func:`columns` shows it."""
    # Any JSON value: glue_table refuses what is not a name, columns or a catalog id.
    database: Json = body.get("database")
    table: Json = body.get("table")
    catalog_id: Json = body.get("catalog_id")
    given: Json = body.get("columns")
    with refusals("POST /_fake/glue"):
        firehose.glue_table(database, table, given, region=region, catalog_id=catalog_id)
    return columns(firehose, database, table, region, catalog_id)


def columns(
    firehose: FirehoseHandle,
    database: str,
    table: str,
    region: str | None,
    catalog_id: str | None,
) -> Json:
    """A Glue table's columns, in order, as ``[name, type]`` pairs (a JSON object's keys
    keep no order in every language)."""
    try:
        with refusals("GET /_fake/glue/{database}/{table}", {"catalog_id": "?catalog_id="}):
            found = firehose.glue_columns(database, table, region=region, catalog_id=catalog_id)
    except KeyError as error:
        raise ControlError(404, str(error.args[0])) from None
    return {"database": database, "table": table, "columns": list(found.items())}
