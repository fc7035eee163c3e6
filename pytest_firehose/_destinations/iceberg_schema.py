"""The Glue tables an Iceberg destination writes to (``firehose.glue_table``, and moto's
Glue under ``mock_aws``): which exist, their columns, the tables
``TableCreationConfiguration`` creates and the columns ``SchemaEvolutionConfiguration``
adds, and whether a record's values fit them.

Facts used here (the developer guide, "Deliver data to Apache Iceberg Tables" and "Configure
destination settings" of a database source; the API reference): the tables live in the Glue
Data Catalog that ``CatalogConfiguration.CatalogARN`` names; without automatic table
creation Firehose writes a record it cannot find a table or column for to the S3 error
bucket, and column names and data types must match the table's; with it, Firehose creates
missing tables and columns; schema evolution adds new columns; a timestamp is sent as
microseconds, binary data as an encoded string. Which catalog the fake checks, how it types
a column from a JSON value and the codes are its choice (docs/fidelity.md).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Protocol

from pytest_firehose._destinations.conversion import GlueTable

#: The codes of the records a table cannot take (the fake's, but the second, seen in
#: users' reports).
NO_SUCH_TABLE = "Iceberg.TableNotFound"
MISSING_COLUMN = "Iceberg.MissingColumnWithinRecord"
TYPE_MISMATCH = "Iceberg.ColumnTypeMismatch"

_CATALOG_ARN = re.compile(r"^arn:[^:]+:glue:([^:]*):([^:]*):catalog")
#: The integer types and their bits; the other types' JSON values.
_BITS = {"tinyint": 8, "smallint": 16, "int": 32, "integer": 32, "bigint": 64}
_STRINGS = ("string", "varchar", "char", "binary")
_NUMBERS = ("float", "double", "decimal")
#: Outer type names a column may have, the integers' and the nested ones included.
TYPE_NAMES = (
    *_BITS,
    *_STRINGS,
    *_NUMBERS,
    "boolean",
    "timestamp",
    "date",
    "array",
    "map",
    "struct",
)


class Catalog(Protocol):
    """The Glue tables of a region (the service's ``GlueTables``)."""

    def find(self, schema: Mapping[str, Any]) -> GlueTable | None: ...

    def holds_database(self, schema: Mapping[str, Any]) -> bool: ...

    def register(self, table: GlueTable, *, region: str | None, catalog_id: str | None) -> None: ...


class Glue(Protocol):
    """Whatever stands in for Glue (moto's), through the S3 destination's client."""

    def glue_table(self, schema: dict[str, Any]) -> GlueTable | None: ...

    def glue_database(self, schema: dict[str, Any]) -> bool: ...

    def glue_write(self, schema: dict[str, Any], table: GlueTable, *, new: bool) -> bool: ...


class GlueCatalog:
    """The tables tests registered, then those of whatever stands in for Glue (moto's
    under ``mock_aws``), each read once (the catalog lives for one batch). A table created
    or changed is written back where it came from: into moto's Glue when it holds the table
    or its database (CreateTable, UpdateTable), else among the registered ones."""

    def __init__(self, registered: Catalog, glue: Glue) -> None:
        self.registered = registered
        self.glue = glue
        self._tables: dict[tuple[str, ...], GlueTable | None] = {}
        self._databases: dict[tuple[str, ...], bool] = {}

    @staticmethod
    def _key(schema: Mapping[str, Any]) -> tuple[str, ...]:
        return (
            str(schema.get("Region") or ""),
            str(schema.get("CatalogId") or ""),
            str(schema.get("DatabaseName", "")).lower(),
            str(schema.get("TableName", "")).lower(),
        )

    def find(self, schema: Mapping[str, Any]) -> GlueTable | None:
        found = self.registered.find(schema)
        key = self._key(schema)
        if found is None and key not in self._tables:
            self._tables[key] = self.glue.glue_table(dict(schema))
        return found or self._tables[key]

    def holds_database(self, schema: Mapping[str, Any]) -> bool:
        key = self._key(schema)[:3]
        if key not in self._databases:
            self._databases[key] = self.registered.holds_database(
                schema
            ) or self.glue.glue_database(dict(schema))
        return self._databases[key]

    def register(self, table: GlueTable, *, region: str | None, catalog_id: str | None) -> None:
        schema = table.schema(region=region, catalog_id=catalog_id)
        key = self._key(schema)
        if self.registered.find(schema) is None and self.glue.glue_write(
            schema, table, new=self._tables.get(key) is None
        ):
            self._tables[key] = table
        else:
            self.registered.register(table, region=region, catalog_id=catalog_id)


class TableRefused(Exception):
    """A record its table cannot take: the code and message of its failed record."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def outer_type(kind: str) -> str:
    """The outer name of a Hive type: ``array`` for ``array<int>``, ``decimal`` for
    ``decimal(10,2)``."""
    return re.split(r"[<(]", kind, maxsplit=1)[0].strip().lower()


def inferred_type(value: Any) -> str:
    """The type of a column created for ``value``: ``boolean``, ``bigint``, ``double``,
    ``string`` (also for null), ``array<T>`` (from the first item that is not null) or
    ``struct<name:T,...>``."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "double"
    if isinstance(value, list):
        item = next((item for item in value if item is not None), None)
        return f"array<{inferred_type(item)}>"
    if isinstance(value, dict) and value:
        return "struct<" + ",".join(f"{k}:{inferred_type(v)}" for k, v in value.items()) + ">"
    if isinstance(value, dict):
        return "map<string,string>"
    return "string"


@functools.lru_cache(maxsize=4096)
def _parts(kind: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The outer name of Hive type ``kind`` and its element types, read once per type: an
    array's item (``("", T)``), a map's key and value, a struct's fields (``(name, T)``);
    none for the other types, or when the nesting cannot be read (only the outer type is
    checked then)."""
    outer = outer_type(kind)
    opened, closed = kind.find("<"), kind.rfind(">")
    if outer not in ("array", "map", "struct") or not 0 < opened < closed:
        return outer, ()
    parts: list[str] = []
    depth, start, inner = 0, 0, kind[opened + 1 : closed]
    for at, char in enumerate(inner):
        depth += {"<": 1, "(": 1, ">": -1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(inner[start:at])
            start = at + 1
    parts.append(inner[start:])
    if outer == "struct":
        fields = [part.partition(":") for part in parts]
        if any(not sep for _, sep, _ in fields):
            return outer, ()
        return outer, tuple((name.strip(), kind.strip()) for name, _, kind in fields)
    if len(parts) != (1 if outer == "array" else 2):
        return outer, ()
    return outer, tuple(("", part.strip()) for part in parts)


def fits(value: Any, kind: str) -> bool:
    """Whether the JSON ``value`` is one a column of Hive type ``kind`` takes: null always;
    a string for string, char, varchar and binary (encoded); an integer in range for the
    integer types and for timestamp (microseconds); a number for float, double and
    decimal; true or false for boolean; a string or an integer (days) for date; a list
    whose items fit the item type for array; an object for map, whose values fit the value
    type (its names are JSON's strings), and for struct, whose fields fit the types the
    struct gives them (a field it does not name is not checked); any value for a type the
    fake does not know."""
    if value is None:
        return True
    outer, inner = _parts(kind)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if outer in _BITS or outer == "timestamp":
        bits = _BITS.get(outer, 64)
        return number and isinstance(value, int) and -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)
    if outer in _STRINGS:
        return isinstance(value, str)
    if outer in _NUMBERS:
        return number
    if outer == "boolean":
        return isinstance(value, bool)
    if outer == "date":
        return isinstance(value, str) or (number and isinstance(value, int))
    if outer == "array":
        return isinstance(value, list) and (
            not inner or all(fits(item, inner[0][1]) for item in value)
        )
    if outer == "map":
        return isinstance(value, dict) and (
            not inner or all(fits(item, inner[1][1]) for item in value.values())
        )
    if outer == "struct":
        return isinstance(value, dict) and all(fits(value.get(n), t) for n, t in inner)
    return True


def catalog_schema(config: Mapping[str, Any], database: str, table: str) -> dict[str, Any]:
    """Where table ``database``.``table`` is looked for: the region and catalog of the
    destination's ``CatalogConfiguration.CatalogARN`` (the stream's when it names none)."""
    arn = str((config.get("CatalogConfiguration") or {}).get("CatalogARN") or "")
    found = _CATALOG_ARN.match(arn)
    region, catalog = found.groups() if found else ("", "")
    return {"Region": region, "CatalogId": catalog, "DatabaseName": database, "TableName": table}


def table_columns(
    row: Mapping[str, Any],
    schema: Mapping[str, Any],
    catalog: Catalog | None,
    *,
    create: bool,
    evolve: bool,
) -> tuple[str, ...]:
    """The columns of the table ``schema`` names once it took ``row`` (a row of it has
    every one, null where the record has no value); none when no table is known. A table
    the catalog does not hold is created from the row when ``create`` (its columns typed
    by :func:`inferred_type`), else refused when the catalog holds tables of its database;
    with neither, no table is known. A field the table has no column for is added to it
    when ``evolve``, else refused, as is a value that does not fit its column. Raises
    :class:`TableRefused`."""
    if catalog is None:
        return ()
    name = f"{schema['DatabaseName']}.{schema['TableName']}"
    table = catalog.find(schema)
    if table is None and not create:
        if catalog.holds_database(schema):
            raise TableRefused(
                NO_SUCH_TABLE,
                f"The table {name} does not exist in the Glue Data Catalog, and "
                "TableCreationConfiguration is not enabled.",
            )
        return ()
    columns = dict(table.columns) if table is not None else {}
    added = {field: inferred_type(value) for field, value in row.items() if field not in columns}
    if added and table is not None and not evolve:
        raise TableRefused(
            MISSING_COLUMN,
            f"The table {name} has no column {', '.join(added)} of the record, and "
            "SchemaEvolutionConfiguration is not enabled.",
        )
    unfit = [field for field, kind in columns.items() if not fits(row.get(field), kind)]
    if unfit:
        raise TableRefused(
            TYPE_MISMATCH,
            "The record's value of "
            + ", ".join(f"{field} does not fit its column type {columns[field]}" for field in unfit)
            + f" in table {name}.",
        )
    if added:
        columns.update(added)
        database, table_name = str(schema["DatabaseName"]), str(schema["TableName"])
        catalog.register(
            GlueTable(database, table_name, tuple(columns.items())),
            region=schema["Region"] or None,
            catalog_id=schema["CatalogId"] or None,
        )
    return tuple(columns)
