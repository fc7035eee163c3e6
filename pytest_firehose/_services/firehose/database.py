"""What a delivery stream takes in from its source database (DatabaseAsSource): the fake has
no MySQL or PostgreSQL server, so a test hands the stream the changes the database's
transaction log would hold. The stream reads those of the databases, tables and columns its
``DatabaseSourceConfiguration`` selects, and each change becomes a record holding its row's
JSON object, routed to the Iceberg table its source table maps to, as an insert, update or
delete by the source table's key.

Names as the fake reads them (docs/fidelity.md): a MySQL table is ``database.table``; a
PostgreSQL table is ``database.schema.table``, whose ``Tables`` patterns name it
``schema.table``. A column's name for ``Columns`` and ``SurrogateKeys`` is its table's name
there, a dot, and the column. Each Include or Exclude entry is a regular expression, read
as Java reads it, that the whole name must match."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_firehose._destinations.delivery_errors import ICEBERG
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._java_regex import Pattern, PatternError, compiled_pattern
from pytest_firehose._terms import terms

SOURCE_TYPE = "DatabaseAsSource"
MIB = 1024 * 1024
#: The largest row Firehose reads (DOC: the developer guide's "Considerations and
#: limitations" for a database source).
MAX_ROW_BYTES = 10 * MIB
#: The Iceberg operation of each kind of change ``put_from_database`` takes, in the order
#: one call applies them.
CHANGES = (("inserted", "insert"), ("updated", "update"), ("deleted", "delete"))


class ChangeRow(bytes):
    """A change as the stream reads it: its row's JSON object, with the Iceberg table and
    operation it goes to (``otf``, as a Lambda processor's ``otfMetadata`` routes a record)
    and the key columns its update or delete finds rows by (``unique_keys``). It compares
    and hashes as its bytes, and goes through buffers and retries as they do."""

    otf: Mapping[str, str]
    unique_keys: tuple[str, ...]


@dataclass(frozen=True)
class _Selection:
    """An Include/Exclude list: a name is read when it matches an Include pattern (any
    name, with none) and no Exclude pattern."""

    include: tuple[Pattern, ...]
    exclude: tuple[Pattern, ...]

    def reads(self, name: str) -> bool:
        if self.include and not any(p.fullmatch(name) for p in self.include):
            return False
        return not any(p.fullmatch(name) for p in self.exclude)


def _selection(config: Mapping[str, Any], member: str) -> _Selection:
    """``config[member]``'s patterns, compiled as Java's; one that is no regular expression
    refuses the request."""
    lists = config.get(member) or {}
    compiled: dict[str, tuple[Pattern, ...]] = {}
    for side in ("Include", "Exclude"):
        patterns = []
        for pattern in lists.get(side) or ():
            try:
                patterns.append(compiled_pattern(pattern))
            except PatternError as error:
                raise ServiceError(
                    "InvalidArgumentException",
                    f"DatabaseSourceConfiguration.{member}.{side} pattern {pattern!r} is not "
                    f"a valid regular expression: {error}.",
                ) from None
        compiled[side] = tuple(patterns)
    return _Selection(compiled["Include"], compiled["Exclude"])


def _surrogate_keys(config: Mapping[str, Any]) -> tuple[str, ...]:
    """``config``'s ``SurrogateKeys``, each naming its column once: a column named twice
    refuses the request (a key lists a column once; the text is the fake's)."""
    keys = tuple(config.get("SurrogateKeys") or ())
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ServiceError(
            "InvalidArgumentException",
            f"DatabaseSourceConfiguration.SurrogateKeys names each column once; "
            f"{', '.join(twice)} is given more than once.",
        )
    return keys


def check_destination(kind: str | None, config: Mapping[str, Any]) -> None:
    """Refuse a destination a DatabaseAsSource stream cannot have: any but Apache Iceberg
    Tables, and a processor of its records (the developer guide sets such a stream up with
    an Iceberg destination and no transformation)."""
    if kind != ICEBERG:
        given = kind or "no destination configuration"
        raise ServiceError(
            "InvalidArgumentException",
            f"A delivery stream of type {SOURCE_TYPE} delivers only to Apache Iceberg Tables: "
            f"give {ICEBERG}, not {given}.",
        )
    processing = config.get("ProcessingConfiguration") or {}
    if processing.get("Enabled", True) and processing.get("Processors"):
        raise ServiceError(
            "InvalidArgumentException",
            f"ProcessingConfiguration is not supported for a delivery stream of type "
            f"{SOURCE_TYPE}: its records are the source tables' changes.",
        )


def _names(value: Any, what: str) -> tuple[str, ...]:
    """Column names given as one ``str`` or a sequence of them, each once."""
    names = (value,) if isinstance(value, str) else value
    if (
        not isinstance(names, Sequence)
        or not names
        or not all(isinstance(n, str) and n for n in names)
    ):
        said = terms()
        raise UsageError(
            f"{said.call('put_from_database')}: {said.name(what)} is a column name or a list "
            f"of them, e.g. {said.keyword('primary_key', said.value(['id']))}, "
            f"not {said.value(value)}"
        )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        said = terms()
        raise UsageError(
            f"{said.call('put_from_database')}: {said.name(what)} names each column once; "
            f"{', '.join(twice)} is given more than once in {said.value(value)}"
        )
    return tuple(names)


@dataclass(frozen=True)
class _Table:
    """A source table as the stream names it: its database, its name in the ``Tables``
    patterns, and the Iceberg table (database, table) its changes go to."""

    database: str
    qualified: str
    destination: tuple[str, str]


@dataclass(frozen=True)
class DatabaseSource:
    """A stream's ``DatabaseSourceConfiguration`` as it selects and keys what it reads."""

    engine: str
    databases: _Selection
    tables: _Selection
    columns: _Selection
    surrogate_keys: tuple[str, ...]
    watermark_table: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DatabaseSource:
        """The source ``config`` configures; its patterns checked (``ServiceError``)."""
        return cls(
            engine=config["Type"],
            databases=_selection(config, "Databases"),
            tables=_selection(config, "Tables"),
            columns=_selection(config, "Columns"),
            surrogate_keys=_surrogate_keys(config),
            watermark_table=config["SnapshotWatermarkTable"],
        )

    def _table(self, name: Any) -> _Table:
        """Table ``name`` as a test gives it: ``database.table`` (MySQL) or
        ``database.schema.table`` (PostgreSQL)."""
        postgres = self.engine == "PostgreSQL"
        form = "database.schema.table" if postgres else "database.table"
        parts = name.split(".") if isinstance(name, str) else []
        if len(parts) != (3 if postgres else 2) or not all(parts):
            said = terms()
            example = "shop.public.orders" if postgres else "shop.orders"
            raise UsageError(
                f"{said.call('put_from_database')}: a table of this {self.engine} source is "
                f"named {said.value(form)}, e.g. {said.value(example)}, not {said.value(name)}"
            )
        if postgres:
            database, schema, table = parts
            return _Table(database, f"{schema}.{table}", (database, f"{schema}_{table}"))
        database, table = parts
        return _Table(database, name, (database, table))

    def _keys(self, table: _Table, primary_key: Any) -> tuple[str, ...]:
        """The columns a change to ``table`` is keyed by: ``primary_key``, else the
        table's ``SurrogateKeys`` (none: the Iceberg table's ``UniqueKeys`` serve)."""
        if primary_key is not None:
            return _names(primary_key, "primary_key")
        prefix = table.qualified + "."
        return tuple(
            key[len(prefix) :]
            for key in self.surrogate_keys
            if key.startswith(prefix) and "." not in key[len(prefix) :]
        )

    def changes(
        self,
        name: Any,
        batches: Mapping[str, Any],
        primary_key: Any,
    ) -> list[ChangeRow]:
        """The records the stream reads of changes to table ``name``: ``batches`` gives
        the rows of each ``put_from_database`` keyword (``inserted``, ``updated``,
        ``deleted``), applied in that order. Empty when the source does not select the
        table; a column it does not select is left out of each row, unless it is a key."""
        table = self._table(name)
        keys = self._keys(table, primary_key)
        rows: list[tuple[str, str, Mapping[str, Any]]] = []
        for keyword, operation in CHANGES:
            given = batches.get(keyword, ())
            if isinstance(given, (Mapping, str, bytes)) or not isinstance(given, Iterable):
                said = terms()
                raise UsageError(
                    f"{said.call('put_from_database')}: {said.name(keyword)} is a list of rows "
                    f"({said.phrase('dicts', 'objects')} of column to value), "
                    f"not {said.kind(type(given))}"
                )
            rows += [(keyword, operation, _row(keyword, row)) for row in given]
        for keyword, operation, row in rows:
            missing = [key for key in keys if key not in row] if operation != "insert" else []
            if missing:
                raise UsageError(
                    f"{terms().call('put_from_database')}: a row {keyword} in {name} has no "
                    f"{', '.join(missing)}, the key its change is applied by; give each "
                    f"{keyword} row its key"
                )
        if not self.reads(table):
            return []
        read: list[ChangeRow] = []
        for _, operation, row in rows:
            kept = {
                column: value
                for column, value in row.items()
                if column in keys or self.columns.reads(f"{table.qualified}.{column}")
            }
            read.append(_change_row(kept, table, operation, keys))
        return read

    def reads(self, table: _Table) -> bool:
        """Whether the source selects ``table`` (never its own watermark table)."""
        return (
            self.databases.reads(table.database)
            and self.tables.reads(table.qualified)
            and table.qualified != self.watermark_table
        )


def _row(keyword: str, row: Any) -> dict[str, Any]:
    if not isinstance(row, Mapping) or not all(isinstance(column, str) for column in row):
        said = terms()
        raise UsageError(
            f"{said.call('put_from_database')}: each row {keyword} is "
            f"{said.phrase('a dict', 'an object')} of column name to value, not {said.value(row)}"
        )
    return dict(row)


def _change_row(
    row: Mapping[str, Any], table: _Table, operation: str, keys: tuple[str, ...]
) -> ChangeRow:
    try:
        data = json.dumps(row, allow_nan=False).encode()
    except (TypeError, ValueError) as error:
        said = terms()
        held = said.phrase(
            "str, int, float, bool, None, lists and dicts of them",
            "strings, finite numbers, true, false, null, lists and objects of them",
        )
        raise UsageError(
            f"{said.call('put_from_database')}: a row's values are what JSON holds ({held}): "
            f"{error}"
        ) from None
    if len(data) > MAX_ROW_BYTES:
        raise UsageError(
            f"{terms().call('put_from_database')}: Firehose reads rows of at most "
            f"{MAX_ROW_BYTES} bytes, not {len(data)} (as JSON)"
        )
    change = ChangeRow(data)
    database, destination = table.destination
    change.otf = {
        "destinationDatabaseName": database,
        "destinationTableName": destination,
        "operation": operation,
    }
    change.unique_keys = keys
    return change
