"""The Snowflake tables a test declares (``firehose.snowflake_table``, ``POST
/_fake/snowflake``): where each lives (an account, ``DATABASE.SCHEMA.TABLE``), its columns,
and whether a row fits them, as Snowpipe Streaming checks the rows Firehose inserts.

Facts used here (Snowflake's "Identifier requirements"; the Snowpipe Streaming SDK,
snowflake-ingest-java, whose checks and messages these are): an unquoted identifier is
stored and resolved in upper case, a double-quoted one as written (``""`` inside it is one
``"``); a row's keys are column names read the same way (so ``id`` finds ``ID``), checked
in this order: keys that name no column (``Extra columns: [...]``), NOT NULL columns
without a value (``Missing columns: [...]``), NOT NULL columns given null
(``Not-nullable columns with null values: [...]``), then each value against its column
(``snowflake_values.py``). Snowpipe Streaming does not take a table with a column that has a
default, a collation, ``AUTOINCREMENT`` / ``IDENTITY``, a geospatial type, a structured
``OBJECT(...)`` / ``ARRAY(...)`` / ``MAP(...)`` (loaded only into Iceberg tables) or a
``VECTOR`` (the developer guide's ``Snowflake.InvalidColumns``). Which code Firehose names
for each failure is the fake's choice where the guide does not say (docs/fidelity.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_firehose._destinations.snowflake_types import SnowflakeType

EXTRA_COLUMNS = "Snowflake.ExtraColumns"
MISSING_COLUMNS = "Snowflake.MissingColumns"
INVALID_VALUE = "Snowflake.InvalidValue"
INVALID_COLUMNS = "Snowflake.InvalidColumns"
#: How the SDK opens a row it refuses: for its shape, and for one of its values.
CANNOT_CONVERT = "The given row cannot be converted to the internal format: "
INVALID = "The given row cannot be converted to the internal format due to invalid value: "

#: An identifier Snowflake reads unquoted (upper-cased); any other is double-quoted.
UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")
_QUOTED = re.compile(r'"(?:[^"]|"")+"')
_PART = re.compile(r'"(?:[^"]|"")*"|[^."]+')
#: What may follow a column's type: the words the fake reads.
_STREAMING_UNSUPPORTED = ("DEFAULT", "AUTOINCREMENT", "IDENTITY", "COLLATE")
CLAUSES = "NOT NULL, NULL, PRIMARY KEY, UNIQUE, DEFAULT ..., AUTOINCREMENT, IDENTITY, COLLATE ..."


def resolve(identifier: str) -> str:
    """The name Snowflake stores for ``identifier``: a double-quoted one as written inside
    its quotes, another in upper case."""
    if _QUOTED.fullmatch(identifier):
        return identifier[1:-1].replace('""', '"')
    return identifier.upper()


def key_column(key: str) -> str:
    """The column a row's key names, as the SDK reads it (its ``unquoteColumnName``): a
    double-quoted key as written inside the quotes, another in upper case (``\\ `` read as
    a space)."""
    if len(key) >= 2 and key[0] == key[-1] == '"' and '"' not in key[1:-1].replace('""', ""):
        return key[1:-1].replace('""', '"')
    return key.replace("\\ ", " ").upper()


def table_parts(name: str) -> tuple[str, str, str] | None:
    """``DATABASE.SCHEMA.TABLE`` as its three identifiers (each unquoted or
    double-quoted, a quoted one may hold dots), or None when it is not that."""
    parts: list[str] = []
    at = 0
    while at <= len(name):
        match = _PART.match(name, at)
        if match is None:
            return None
        parts.append(match.group())
        at = match.end()
        if at == len(name):
            break
        if name[at] != ".":
            return None
        at += 1
    if len(parts) != 3 or not all(UNQUOTED.fullmatch(p) or _QUOTED.fullmatch(p) for p in parts):
        return None
    return parts[0], parts[1], parts[2]


def account_host(url: str) -> str:
    """An ``AccountUrl``'s host, as Firehose reaches it: no scheme, port or path, in lower
    case (a host name's case does not matter)."""
    host = url.strip().lower()
    for scheme in ("https://", "http://"):
        if host.startswith(scheme):
            host = host[len(scheme) :]
    return host.split("/", 1)[0].split(":", 1)[0]


@dataclass(frozen=True)
class SnowflakeColumn:
    """A declared column: its name as stored, its type, whether it takes null, and its
    declaration as given."""

    name: str
    type: SnowflakeType
    nullable: bool
    declaration: str = ""


def parse_column(declared: str) -> tuple[SnowflakeType, bool, str | None]:
    """A column's declaration (``"NUMBER(38,0) NOT NULL"``): its type, whether it takes
    null, and the clause Snowpipe Streaming cannot load a table with (``DEFAULT`` ...), if
    any. Raises ``snowflake_types.UnknownType``."""
    from pytest_firehose._destinations.snowflake_types import UNLOADED, UnknownType, parse_type

    kind, rest = parse_type(declared)
    if kind.kind == UNLOADED:
        return kind, True, kind.declared.split("(")[0].upper()
    words = rest.upper().split()
    nullable, unsupported = True, None
    at = 0
    while at < len(words):
        word, after = words[at], words[at + 1 : at + 2]
        if word == "NOT" and after == ["NULL"]:
            nullable, at = False, at + 2
        elif word == "PRIMARY" and after == ["KEY"]:
            nullable, at = False, at + 2  # a primary key's columns are NOT NULL
        elif word in ("NULL", "UNIQUE"):
            at += 1
        elif word in _STREAMING_UNSUPPORTED or word.split("(")[0] in _STREAMING_UNSUPPORTED:
            unsupported = unsupported or word.split("(")[0]
            at += 1
            # Its argument (a default's expression, a collation) is not read, up to NOT NULL.
            while at < len(words) and words[at : at + 2] != ["NOT", "NULL"]:
                at += 1
        elif unsupported is not None:
            at += 1
        else:
            raise UnknownType(
                f"{rest.strip()!r} after the type {kind.declared} is not a clause "
                f"pytest-firehose reads ({CLAUSES})"
            )
    return kind, nullable, unsupported


@dataclass(frozen=True)
class RowRefusal:
    """Why a table refuses a row: the code and the SDK's message."""

    code: str
    message: str


@dataclass(frozen=True)
class SnowflakeTable:
    """A declared table: its account host (None: any account), its database, schema and
    name as stored, and its columns in order. ``unsupported``: a clause or type of a column
    Snowpipe Streaming cannot load the table with (``DEFAULT`` ...), if any."""

    account: str | None
    database: str
    schema: str
    name: str
    columns: tuple[SnowflakeColumn, ...]
    unsupported: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.schema}.{self.name}"

    def check(self, row: Mapping[str, Any], index: int) -> dict[str, Any] | RowRefusal:
        """The table's row for ``row`` (each column in order, None where it has no
        value), or why Snowpipe Streaming refuses it; ``index``: the row's place in its
        insert (the SDK's ``rowIndex``)."""
        from pytest_firehose._destinations.snowflake_values import Refused, convert

        if self.unsupported is not None:
            from pytest_firehose._destinations.delivery_errors import ERRORS, SNOWFLAKE

            return RowRefusal(INVALID_COLUMNS, ERRORS[SNOWFLAKE].refusals[INVALID_COLUMNS])
        by_name = {column.name: column for column in self.columns}
        given: dict[str, str] = {}
        for key in row:
            given[key_column(key)] = key
        extra = [key for name, key in given.items() if name not in by_name]
        if extra:
            return RowRefusal(
                EXTRA_COLUMNS,
                f"{CANNOT_CONVERT}Extra columns: [{', '.join(extra)}]. Columns not present "
                f"in the table shouldn't be specified, rowIndex:{index}",
            )
        required = [column.name for column in self.columns if not column.nullable]
        missing = [name for name in required if name not in given]
        if missing:
            return RowRefusal(
                MISSING_COLUMNS,
                f"{CANNOT_CONVERT}Missing columns: [{', '.join(missing)}]. Values for all "
                f"non-nullable columns must be specified, rowIndex:{index}",
            )
        nulls = [name for name in required if row[given[name]] is None]
        if nulls:
            return RowRefusal(
                MISSING_COLUMNS,
                f"{CANNOT_CONVERT}Not-nullable columns with null values: [{', '.join(nulls)}]. "
                f"Values for all non-nullable columns must not be null, rowIndex:{index}",
            )
        values: dict[str, Any] = {}
        for name, key in given.items():
            value = row[key]
            if value is None:
                continue
            try:
                values[name] = convert(name, by_name[name].type, value, index)
            except Refused as refused:
                opening = INVALID if refused.value_error else CANNOT_CONVERT
                return RowRefusal(INVALID_VALUE, opening + refused.detail)
        return {column.name: values.get(column.name) for column in self.columns}


class SnowflakeTables:
    """The Snowflake tables tests declared (the world's, for every region), by account and
    ``DATABASE.SCHEMA.TABLE`` as stored."""

    def __init__(self) -> None:
        self._tables: dict[tuple[str | None, str, str, str], SnowflakeTable] = {}

    def declare(self, table: SnowflakeTable) -> None:
        """Hold ``table``, in place of one declared before in its place."""
        key = (table.account, table.database, table.schema, table.name)
        self._tables[key] = table

    def find(self, config: Mapping[str, Any]) -> SnowflakeTable | None:
        """The table a destination's configuration loads into (its ``AccountUrl``,
        ``Database``, ``Schema`` and ``Table``, each read as Snowflake reads an
        identifier): one declared for its account, else one declared for any; or None."""
        where = tuple(
            resolve(str(config.get(part) or "")) for part in ("Database", "Schema", "Table")
        )
        host = account_host(str(config.get("AccountUrl") or ""))
        for account in (host, None):
            found = self._tables.get((account, *where))  # type: ignore[arg-type]
            if found is not None:
                return found
        return None

    def names(self) -> list[str]:
        """Every declared table, ``DATABASE.SCHEMA.TABLE`` (with its account when it has
        one), in the order first declared."""
        return [
            table.qualified + (f" at {table.account}" if table.account else "")
            for table in self._tables.values()
        ]
