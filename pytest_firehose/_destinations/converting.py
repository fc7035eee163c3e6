"""The record format conversion step of a delivery, as a part of
:class:`~pytest_firehose._destinations.pipeline.Delivery`: when a batch leaves a buffer, its
records are converted once (:mod:`pytest_firehose._destinations.conversion`); the batch keeps
those that converted and carries the Parquet or ORC body, and the others go to the
``format-conversion-failed`` error output.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from pytest_firehose._clock import epoch_millis
from pytest_firehose._destinations.base import Batch, DeliveryTarget, DestinationError
from pytest_firehose._destinations.conversion import (
    FORMAT_CONVERSION_FAILED,
    INVALID_SCHEMA,
    MALFORMED_DATA,
    NO_TABLE,
    Converter,
    GlueTable,
    Unconvertible,
)
from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._destinations.processing_errors import ErrorOutput, ProcessingFailure
from pytest_firehose._errors import UsageError
from pytest_firehose._payload import payload_bytes
from pytest_firehose._terms import Terms, Wording, json_term

if TYPE_CHECKING:
    from pytest_firehose._ids import IdSource

#: Finds the Glue table a ``SchemaConfiguration`` names: the tables a test registered.
TableFinder = Callable[[Mapping[str, Any]], "GlueTable | None"]


@dataclass(frozen=True)
class ConversionFailure(ProcessingFailure):
    """A record the conversion could not read, with the table it was read against."""

    table: Mapping[str, str] = field(default_factory=dict)

    def error_record(self, lambda_arn: str | None) -> str:
        """The JSON line AWS writes for a record that failed conversion: the developer
        guide's fields, the code and message as ``lastErrorCode`` and ``lastErrorMessage``
        (as objects written by AWS name them; the guide's page now says ``ErrorCode``)."""
        payload, _, arrived = self.record
        raw = payload if isinstance(payload, str) else base64.b64encode(payload).decode()
        return json.dumps(
            {
                "attemptsMade": self.attempts,
                "arrivalTimestamp": epoch_millis(arrived),
                "lastErrorCode": self.code,
                "lastErrorMessage": self.message,
                "attemptEndingTimestamp": epoch_millis(self.ended_at),
                "rawData": raw,
                "dataCatalogTable": dict(self.table),
            },
            separators=(",", ":"),
        )


def catalog_table(schema: Mapping[str, Any], region: str, account_id: str) -> dict[str, str]:
    """The ``dataCatalogTable`` of an error record for ``SchemaConfiguration`` ``schema``."""
    region = str(schema.get("Region") or region)
    catalog = str(schema.get("CatalogId") or account_id)
    return {
        "catalogId": catalog,
        "databaseName": str(schema.get("DatabaseName", "")),
        "tableName": str(schema.get("TableName", "")),
        "region": region,
        "versionId": str(schema.get("VersionId") or "LATEST"),
        "catalogArn": f"arn:aws:glue:{region}:{catalog}:catalog",
    }


class Converting:
    """The conversion step of a :class:`Delivery` (which it is mixed into)."""

    target: DeliveryTarget
    errors: list[DestinationError]
    #: Finds the tables tests registered (set by the service; None: only Glue's).
    tables: TableFinder | None
    conversion_failed: list[DeliveredObject]
    _error_output: ErrorOutput
    #: Delivery's: writes an error object where the destination writes its error output.
    _write_error_object: Callable[[DeliveredObject], None]

    def _route_conversion(self, block: Mapping[str, Any] | None) -> None:
        """Convert from now on as ``block`` (the ``DataFormatConversionConfiguration`` a
        route carries out, or None) says."""
        self._conversion = block
        self._converters: dict[GlueTable, Converter] = {}

    def _table(self, schema: Mapping[str, Any], at: datetime) -> GlueTable | None:
        """The table a test registered, else the one the destination's Glue has (moto's).
        A stand-in for Glue that fails is kept in ``errors``, and the table not found."""
        found = self.tables(schema) if self.tables is not None else None
        glue = getattr(getattr(self, "destination", None), "glue_table", None)
        if found is None and glue is not None:
            try:
                found = glue(dict(schema))
            except Exception as error:  # whatever it is, the records stay on record
                self.errors.append(DestinationError(at, self.target.name, "", 0, error))
        return found

    def _converted(self, batch: Batch, at: datetime, ids: IdSource) -> Batch | None:
        """``batch`` with only the records that convert and the file they make, or None
        when none does; the others go to the error output."""
        block = self._conversion
        if block is None:
            return batch
        schema = block["SchemaConfiguration"]
        region, account = _region_and_account(self.target.arn)
        table_fields = catalog_table(schema, region, account)
        failures: list[ProcessingFailure] = []
        converter, problem = self._converter(schema, at)
        if converter is None:
            code, message = problem
            failures = [
                ConversionFailure(record, code, message, 1, at, table_fields)
                for record in batch.records
            ]
            kept: list[Any] = []
        else:
            rows: list[dict[str, Any]] = []
            kept = []
            for record in batch.records:
                try:
                    rows.extend(converter.rows(payload_bytes(record[0])))
                except Unconvertible as error:
                    failures.append(
                        ConversionFailure(record, error.code, error.message, 1, at, table_fields)
                    )
                else:
                    kept.append(record)
            if kept:
                try:
                    batch.body = converter.write(rows)
                except Exception as error:  # the rows do not make a file: none is lost
                    self.errors.append(DestinationError(at, self.target.name, "", len(kept), error))
                    failures += [
                        ConversionFailure(record, MALFORMED_DATA, str(error), 1, at, table_fields)
                        for record in kept
                    ]
                    kept = []
        if failures:
            obj = self._error_output.object_for(
                failures, FORMAT_CONVERSION_FAILED, self.target, ids.uuid()
            )
            self.conversion_failed.append(obj)
            self._write_error_object(obj)
        if not kept:
            return None
        batch.records = kept
        return batch

    def _converter(
        self, schema: Mapping[str, Any], at: datetime
    ) -> tuple[Converter | None, tuple[str, str]]:
        """The converter for the table ``schema`` names, or None and why not."""
        from pytest_firehose._destinations.hive_type_names import UnknownType

        name = f"{schema.get('DatabaseName')}.{schema.get('TableName')}"
        table = self._table(schema, at)
        if table is None:
            self.errors.append(
                DestinationError(
                    at,
                    self.target.name,
                    "",
                    0,
                    UsageError(Wording(partial(self._unregistered, schema))),
                )
            )
            return None, (NO_TABLE, f"The Glue table {name} could not be found.")
        converter = self._converters.get(table)
        if converter is None:
            try:
                converter = Converter(self._conversion or {}, table)
            except UnknownType as error:
                return None, (INVALID_SCHEMA, f"The schema of {name} is invalid: {error}")
            self._converters[table] = converter
        return converter, ("", "")

    def _unregistered(self, schema: Mapping[str, Any], said: Terms) -> str:
        """A Glue table no test registered, named with the call that registers it."""
        database, table = schema.get("DatabaseName"), schema.get("TableName")
        register = said.phrase(
            f"firehose.glue_table({database!r}, {table!r}, {{'column': 'type', ...}}) or "
            "create it in moto's Glue under mock_aws",
            f'POST /_fake/glue, e.g. {{"database": {json_term(database)}, "table": '
            f'{json_term(table)}, "columns": {{"id": "bigint"}}}}',
        )
        return (
            f"record format conversion of {said.value(self.target.name)} reads the Glue table "
            f"{database}.{table}, which no test registered: register it with {register}"
        )


def _region_and_account(arn: str) -> tuple[str, str]:
    """The region and account of a delivery stream's ARN."""
    parts = arn.split(":")
    return (parts[3], parts[4]) if len(parts) > 4 else ("", "")
