"""Delivery to Apache Iceberg tables (``IcebergDestinationConfiguration``): each record is
routed to a table and applied to it as an insert, an update or a delete. What each table
holds is kept in memory: every delivered object carries the changes its records made
(``changes``), and :func:`table_rows` applies them in delivery order.

How a record is routed (the developer guide's "Route incoming records to a single Iceberg
table" and "... to different Iceberg tables"): a ``MetadataExtraction`` processor's JQ
query, or the ``metadata.otfMetadata`` a Lambda processor answered for it, gives its
``destinationDatabaseName``, ``destinationTableName`` and ``operation`` (``insert``, the
default, ``update`` or ``delete``); without them, a ``DestinationTableConfigurationList`` of
one table takes every record. A table's ``UniqueKeys`` find the rows an update replaces and
a delete removes; a table the list does not name takes inserts only (the API reference:
Firehose writes with insert where a table has no configuration). ``AppendOnly`` is meant
for inserts only; the updates and deletes such a stream still gets are applied out of
order: after the inserts of their delivery. A record must be one JSON object; its
first-level fields are the row. Which tables exist and their columns are the Glue Data
Catalog's (tests register them with ``firehose.glue_table``, or create them in moto's Glue):
:mod:`~pytest_firehose._destinations.iceberg_schema` checks the row against its table,
creates the table or adds columns, as the destination is set to.

A record that cannot be routed or applied is written at once, one JSON line, to the
``S3Configuration`` bucket under ``iceberg-failed/`` (under its table's
``S3ErrorOutputPrefix`` when that table has one); the rest of its batch is delivered. The
codes are the fake's (docs/fidelity.md), but ``Iceberg.InvalidUniqueKeys`` and
``Iceberg.MissingColumnWithinRecord``, seen in users' reports. A destination down fails
whole batches, as every stored destination's does
(:mod:`~pytest_firehose._destinations.stored`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import RecordError, Refusal
from pytest_firehose._destinations.delivery_errors import ICEBERG
from pytest_firehose._destinations.iceberg_schema import (
    GlueCatalog,
    TableRefused,
    catalog_schema,
    table_columns,
)
from pytest_firehose._destinations.partitioning import QUERY_TIME_LIMIT, check_query, query_text
from pytest_firehose._destinations.processors import processor_of
from pytest_firehose._destinations.query_worker import evaluate, reads_clock
from pytest_firehose._destinations.s3 import S3Destination
from pytest_firehose._destinations.stored import StoredDestination, json_object
from pytest_firehose._payload import payload_bytes

if TYPE_CHECKING:
    from pytest_firehose._clock import FakeClock
    from pytest_firehose._destinations.base import Accepted, DeliveryTarget, Destination
    from pytest_firehose._destinations.iceberg_schema import Catalog
    from pytest_firehose._destinations.objects import DeliveredObject
    from pytest_firehose._destinations.query_worker import Answer

OPERATIONS = ("insert", "update", "delete")
#: What routes a record: the JQ query's keys, or the Lambda function's ``otfMetadata``.
DATABASE, TABLE, OPERATION = "destinationDatabaseName", "destinationTableName", "operation"
NOT_JSON = "Iceberg.InvalidJson"
EXTRACTION_FAILED = "Iceberg.MetadataExtractionFailed"
NO_TABLE = "Iceberg.MissingRoutingInformation"
BAD_OPERATION = "Iceberg.InvalidOperation"
BAD_KEYS = "Iceberg.InvalidUniqueKeys"


@dataclass(frozen=True)
class Change:
    """What one record did to ``table`` (its :func:`table_key`): ``operation`` with ``row``,
    the rows an update or delete finds being those equal to it on ``keys``; ``columns``,
    the table's in the Glue Data Catalog once it took the row (none: no table known)."""

    table: str
    operation: str
    row: Mapping[str, Any]
    keys: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()


class RowFailed(RecordError):
    """A record the destination could not take; ``error_prefix`` is the
    ``S3ErrorOutputPrefix`` of the table it was routed to, when it got that far and that
    table has one."""

    def __init__(self, code: str, message: str, error_prefix: str = "") -> None:
        super().__init__(code, message)
        self.error_prefix = error_prefix


def table_key(database: str, table: str) -> str:
    """How ``stream.tables`` names a table: ``database.table``, a name holding a dot or a
    double quote quoted as SQL quotes an identifier (``"a.b".c``, a quote doubled), so that
    database ``a.b`` with table ``c`` and database ``a`` with table ``b.c`` stay two keys."""
    return ".".join(
        _quoted(name) if "." in name or '"' in name else name for name in (database, table)
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_rows(changes: Iterable[Change]) -> dict[str, list[dict[str, Any]]]:
    """Each table's rows once ``changes`` are applied in order: an insert adds its row; an
    update puts its row in the place of the first row with its key values, removing the
    others with them, and adds it when there is none; a delete removes every row with
    them. A table the catalog knows gives each row its columns as the last change left
    them, in order, null where the row has no value (as Iceberg reads a column added
    after a row was written)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    columns: dict[str, tuple[str, ...]] = {}
    for change in changes:
        if change.columns:
            columns[change.table] = change.columns
        rows = tables.setdefault(change.table, [])
        row = copy.deepcopy(dict(change.row))
        if change.operation == "insert":
            rows.append(row)
            continue
        key = [change.row.get(name) for name in change.keys]
        found = [i for i, held in enumerate(rows) if [held.get(n) for n in change.keys] == key]
        for i in reversed(found[1:] if change.operation == "update" else found):
            del rows[i]
        if change.operation == "update":
            if found:
                rows[found[0]] = row
            else:
                rows.append(row)
    for table, names in columns.items():
        tables[table] = [{name: row.get(name) for name in names} for row in tables[table]]
    return tables


@dataclass(frozen=True)
class _Table:
    """A table of ``DestinationTableConfigurationList``: its ``UniqueKeys`` and its
    ``S3ErrorOutputPrefix`` (empty: the ``S3Configuration``'s error output)."""

    keys: tuple[str, ...]
    error_prefix: str


#: A table ``DestinationTableConfigurationList`` does not name: no keys, no error prefix.
_NOT_LISTED = _Table((), "")


class IcebergDestination(StoredDestination):
    """Routes each record to its table and applies it there (see the module); while down,
    gives batches up as every stored destination does."""

    def __init__(self, config: dict[str, Any], bucket: Destination) -> None:
        super().__init__(ICEBERG, config, bucket)
        self.append_only = bool(config.get("AppendOnly"))
        self._config = config
        #: The Glue tables of the stream's region (set by the service); None: none known.
        self.catalog: Catalog | None = None
        #: The fake clock, whose time jq's ``now`` gives the routing query (set by the
        #: service); None: the machine's.
        self.clock: FakeClock | None = None
        #: The catalog the batch being routed reads: the registered tables, then moto's.
        self._batch_catalog: Catalog | None = None
        self.create = _enabled(config, "TableCreationConfiguration")
        self.evolve = _enabled(config, "SchemaEvolutionConfiguration")
        #: By (database, table): names may hold dots.
        self._tables = {
            (table.get("DestinationDatabaseName"), table.get("DestinationTableName")): _Table(
                tuple(table.get("UniqueKeys") or ()), table.get("S3ErrorOutputPrefix") or ""
            )
            for table in config.get("DestinationTableConfigurationList") or ()
        }
        #: The change each record the last ``refusals`` took makes, by the record's identity
        #: (with the record), for the ``deliver`` of those records that follows.
        self._routed: dict[int, tuple[Accepted, Change]] = {}
        #: The bytes and the query's answer of each record ``_answers`` read last, by the
        #: record's identity (with the record): a batch tried again reuses them.
        self._answered: dict[int, tuple[Accepted, bytes, Answer | None]] = {}
        extraction = processor_of(config, "MetadataExtraction")
        self.query: str | None = None
        if extraction is not None:
            self.query = query_text(extraction)
            check_query(self.query)

    def refusals(self, records: Sequence[Accepted]) -> dict[int, Refusal]:
        """Route each of ``records`` to its table (the JQ query run once for them all): the
        refusal of each that cannot be routed or applied, by position. What the others do
        to their tables is kept for their ``deliver``."""
        payloads, answers = self._answers(records)
        self._routed = {}
        self._batch_catalog = self.catalog
        if self.catalog is not None and isinstance(self.error_output, S3Destination):
            self._batch_catalog = GlueCatalog(self.catalog, self.error_output)
        refused: dict[int, Refusal] = {}
        for position, record in enumerate(records):
            try:
                change = self._change(payloads[position], answers[position])
            except RowFailed as failed:
                refused[position] = Refusal(
                    failed.code, failed.message, error_prefix=failed.error_prefix
                )
            else:
                self._routed[id(record)] = (record, change)
        return refused

    def error_prefixes(self, records: Sequence[Accepted]) -> list[str]:
        """The ``S3ErrorOutputPrefix`` of the table each of ``records`` is routed to (empty
        where its table has none, or it names none): where it is written when it fails,
        whatever the error."""
        payloads, answers = self._answers(records)
        return [
            self._error_prefix(payload, answer)
            for payload, answer in zip(payloads, answers, strict=True)
        ]

    def _answers(self, records: Sequence[Accepted]) -> tuple[list[bytes], list[Answer | None]]:
        """The bytes of ``records`` and the JQ query's answer for each (None without one),
        the query run once for them all. A batch tried again (or given up on after its
        attempt) reuses what the last run gave its records, unless the query reads the
        clock: the same record gives the same answer."""
        known = self._answered
        hits = [
            entry
            for record in records
            if (entry := known.get(id(record))) is not None and entry[0] is record
        ]
        if len(hits) == len(records):
            return [entry[1] for entry in hits], [entry[2] for entry in hits]
        payloads = [payload_bytes(payload) for payload, _, _ in records]
        answers: list[Answer | None] = [None] * len(payloads)
        if self.query is not None and payloads:
            now = self.clock.time() if self.clock is not None else None
            answers = list(evaluate(self.query, payloads, QUERY_TIME_LIMIT, now))
        self._answered = {}
        if self.query is None or not reads_clock(self.query):
            for entry in zip(records, payloads, answers, strict=True):
                self._answered[id(entry[0])] = entry
        return payloads, answers

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        """Apply each record of ``obj``, routed by ``refusals`` before, to its table; with
        ``AppendOnly``, its inserts before its updates and deletes (the API reference: such
        a stream "will see out of order delivery")."""
        routed, self._routed = self._routed, {}
        for record in obj.accepted:  # delivered: not tried again
            self._answered.pop(id(record), None)
        changes = [routed[id(record)][1] for record in obj.accepted]
        if self.append_only:
            changes.sort(key=lambda change: change.operation != "insert")
        obj.changes = tuple(changes)

    def _route(self, record: bytes, answer: Answer | None) -> tuple[str, str, str]:
        """The database, table and operation ``record`` names (``answer``: the JQ query's
        for it); RowFailed when it names no table."""
        routing = _routing(getattr(record, "otf", None), answer)
        database, table = routing.get(DATABASE), routing.get(TABLE)
        if database is None and table is None:
            if isinstance(answer, str):  # the query failed, and nothing else routed it
                raise RowFailed(EXTRACTION_FAILED, answer)
            if len(self._tables) == 1:
                ((database, table),) = self._tables
        if database is None or table is None:
            raise RowFailed(
                NO_TABLE,
                "The record names no destination table: destinationDatabaseName and "
                "destinationTableName are needed (from the JQ query or the Lambda function's "
                "otfMetadata) unless DestinationTableConfigurationList has exactly one table.",
            )
        return database, table, routing.get(OPERATION, "insert")

    def _error_prefix(self, record: bytes, answer: Answer | None) -> str:
        """The ``S3ErrorOutputPrefix`` of the table ``record`` is routed to (empty when it
        names none, or its table has none)."""
        try:
            database, table, _ = self._route(record, answer)
        except RowFailed:
            return ""
        return (self._tables.get((database, table)) or _NOT_LISTED).error_prefix

    def _change(self, record: bytes, answer: Answer | None) -> Change:
        """What ``record`` does to its table (``answer``: the JQ query's for it)."""
        row = json_object(record)
        if row is None:
            message = "The record is not a single JSON object."
            raise RowFailed(NOT_JSON, message, self._error_prefix(record, answer))
        database, table, operation = self._route(record, answer)
        name = table_key(database, table)
        configured = self._tables.get((database, table)) or _NOT_LISTED
        # A change read from a source database is keyed by its source table's key.
        keys = getattr(record, "unique_keys", ()) or configured.keys
        prefix = configured.error_prefix
        if operation not in OPERATIONS:
            raise RowFailed(
                BAD_OPERATION,
                f"The operation {operation!r} is not one of {', '.join(OPERATIONS)}.",
                prefix,
            )
        if operation != "insert":
            if not keys:
                raise RowFailed(
                    BAD_KEYS,
                    f"The {operation} needs the UniqueKeys of table {name}, which "
                    "DestinationTableConfigurationList does not give.",
                    prefix,
                )
            missing = [key for key in keys if key not in row]
            if missing:
                raise RowFailed(
                    BAD_KEYS,
                    f"The record has no value for the unique key(s) {', '.join(missing)} of "
                    f"table {name}.",
                    prefix,
                )
        try:
            columns = table_columns(
                row,
                catalog_schema(self._config, database, table),
                self._batch_catalog,
                create=self.create,
                evolve=self.evolve,
            )
        except TableRefused as refused:
            raise RowFailed(refused.code, refused.message, prefix) from None
        return Change(name, operation, row, keys, columns)


def _enabled(config: Mapping[str, Any], name: str) -> bool:
    block = config.get(name)
    return isinstance(block, dict) and bool(block.get("Enabled"))


def _routing(otf: Mapping[str, Any] | None, answer: Answer | None) -> dict[str, str]:
    """A record's routing: each of the database, table and operation from the Lambda
    function's ``otfMetadata`` when it gave it, else from the JQ query's answer."""
    routing: dict[str, str] = {}
    for source in (otf or {}, answer if isinstance(answer, dict) else {}):
        for name in (DATABASE, TABLE, OPERATION):
            value = source.get(name)
            if name not in routing and value is not None and not isinstance(value, (dict, list)):
                routing[name] = value if isinstance(value, str) else json.dumps(value)
    return routing
