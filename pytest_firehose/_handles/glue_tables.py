"""The Glue tables a test registers with ``firehose.glue_table(...)``, as the schema a format
conversion reads and the tables an Iceberg destination writes to, checked before the world
takes them, and their columns read back with ``firehose.glue_columns(...)``
(``FirehoseHandle``'s)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from pytest_firehose._engine.config import check_region, is_account_id
from pytest_firehose._errors import UsageError
from pytest_firehose._handles.assertions import cut
from pytest_firehose._terms import terms

if TYPE_CHECKING:
    from pytest_firehose._engine.world import World


def _column_pairs(where: str, columns: object) -> tuple[tuple[str, str], ...]:
    """A Glue table's (name, Hive type) columns, given as a mapping or as pairs; refused
    unless each is a pair of strings, there is one at least, and no two names are the same
    but for case (Glue's column names are lower case: DOC, Athena's "Name databases,
    tables, and columns"; a conversion reads them so)."""
    said = terms()
    pair_of = said.phrase("(name, type)", "[name, type]")
    shape = (
        f"{where}: columns are a mapping of column name to Hive type, "
        f'{{"id": "bigint", "tags": "array<string>"}}, or {pair_of} pairs of strings'
    )
    if isinstance(columns, Mapping):
        found: list[object] = list(columns.items())
    elif isinstance(columns, Iterable) and not isinstance(columns, (str, bytes)):
        found = list(columns)
    else:
        raise UsageError(f"{shape}, not {said.value(columns)}")
    pairs: list[tuple[str, str]] = []
    for pair in found:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise UsageError(f"{shape}; {said.value(pair)} is not a {pair_of} pair")
        name, kind = pair
        if not isinstance(name, str) or not name:
            raise UsageError(
                f"{shape}; the column name {said.value(name)} is not a non-empty string"
            )
        if not isinstance(kind, str):
            raise UsageError(
                f"{shape}; the type of column {said.value(name)} is {said.value(kind)}, not a "
                f"string such as {said.value('int')}"
            )
        same = [given for given, _ in pairs if given.lower() == name.lower()]
        if same and same[0] == name:
            raise UsageError(
                f"{where}: column {said.value(name)} is given twice; a table has it once"
            )
        if same:
            raise UsageError(
                f"{where}: columns {said.value(same[0])} and {said.value(name)} differ only "
                "in case, and Glue "
                "column names are lower case, so they would name one column: give each "
                "column a name of its own, in lower case"
            )
        pairs.append((name, kind))
    if not pairs:
        raise UsageError(f"{where}: the Glue table needs at least one column")
    return tuple(pairs)


def check_catalog(where: str, catalog_id: object) -> None:
    """Refuse a Glue catalog id that is not an account id (None: the fake's account)."""
    if catalog_id is not None and not (isinstance(catalog_id, str) and is_account_id(catalog_id)):
        said = terms()
        raise UsageError(
            f"{where}: {said.name('catalog_id')} is the 12-digit account id of the Glue "
            f"catalog ({said.value(None)}: the fake's account), not {said.value(catalog_id)}"
        )


def check_table_name(where: str, database: object, table: object) -> None:
    """Refuse a Glue database or table that is not named by a non-empty string (no table
    has such a name, so a lookup would answer that the table is missing)."""
    for part, value in (("database", database), ("table", table)):
        if not isinstance(value, str) or not value:
            raise UsageError(f"{where}: the {part} is named by a non-empty string")


class GlueTables:
    """The Glue tables of the ``firehose`` handle (which it is mixed into)."""

    _world: World

    def glue_table(
        self,
        database: str,
        table: str,
        columns: Mapping[str, str] | Iterable[tuple[str, str]],
        *,
        region: str | None = None,
        catalog_id: str | None = None,
    ) -> None:
        """Register the Glue table ``database``.``table`` with ``columns`` (name -> Hive
        type, in order: ``{"id": "bigint", "tags": "array<string>"}``) as the schema
        delivery streams that convert records to Parquet or ORC read
        (``DataFormatConversionConfiguration.SchemaConfiguration``), and as a table Iceberg
        destinations write to (once a table of ``database`` is registered, the others
        of it do not exist until ``TableCreationConfiguration`` creates them). It lives in
        ``region`` (the default region if None) and the catalog ``catalog_id`` (the fake's
        account if None). A table registered here is used ahead of one in moto's Glue."""
        from pytest_firehose._destinations.conversion import GlueTable, available
        from pytest_firehose._destinations.iceberg_schema import TYPE_NAMES, outer_type

        check_region(region)
        said = terms()
        where = said.call(f"glue_table({database!r}, {table!r}, ...)")
        check_catalog(where, catalog_id)
        check_table_name(where, database, table)
        pairs = _column_pairs(where, columns)
        for name, kind in pairs:
            try:
                if available():  # the whole type, as a conversion reads it
                    from pytest_firehose._destinations.hive_type_names import column_type

                    column_type(kind)
                elif outer_type(kind) not in TYPE_NAMES:
                    raise ValueError(kind)
            except ValueError:  # hive_type_names.UnknownType, a ValueError
                raise UsageError(
                    f"column {said.value(name)} of {database}.{table}: "
                    f"{cut(kind, said.value)} is not a Hive type "
                    "pytest-firehose reads (string, varchar(n), char(n), tinyint, smallint, "
                    "int, bigint, float, double, boolean, timestamp, date, decimal(p,s), "
                    "binary, array<T>, map<K,V>, struct<name:T,...>)"
                ) from None
        with self._world.touched():
            self._world.firehose(region).glue_tables.register(
                GlueTable(database, table, pairs), region=region, catalog_id=catalog_id
            )

    def glue_columns(
        self,
        database: str,
        table: str,
        *,
        region: str | None = None,
        catalog_id: str | None = None,
    ) -> dict[str, str]:
        """The columns (name -> Hive type, in order) of the Glue table
        ``database``.``table``: one ``glue_table`` registered, with the columns an Iceberg
        destination's ``SchemaEvolutionConfiguration`` added, or one its
        ``TableCreationConfiguration`` created. A table neither holds raises ``KeyError``
        naming the tables there are (a table of moto's Glue, the columns a destination
        added to it included, is read with boto3's ``get_table``)."""
        check_region(region)
        said = terms()
        where = said.call(f"glue_columns({database!r}, {table!r})")
        check_catalog(where, catalog_id)
        check_table_name(where, database, table)
        with self._world.looked():
            tables = self._world.firehose(region).glue_tables
            found = tables.find(
                {
                    "Region": region,
                    "CatalogId": catalog_id,
                    "DatabaseName": database,
                    "TableName": table,
                }
            )
            if found is None:
                known = ", ".join(tables.names()) or "none"
                body = {"database": database, "table": table, "columns": {"id": "bigint"}}
                register = said.phrase(
                    "firehose.glue_table(database, table, columns)",
                    f"POST /_fake/glue, e.g. {said.value(body)}",
                )
                raise KeyError(
                    f"no Glue table {database}.{table} (tables: {known}); register one with "
                    f"{register}"
                )
            return dict(found.columns)
