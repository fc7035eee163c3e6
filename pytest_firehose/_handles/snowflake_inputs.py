"""What ``firehose.snowflake_table(...)`` (and ``POST /_fake/snowflake``) takes: a table's
``DATABASE.SCHEMA.TABLE``, its columns with Snowflake types, and the account it lives in.
The rules are ``_destinations/snowflake_tables.py``'s and ``snowflake_types.py``'s."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pytest_firehose._destinations.snowflake_tables import (
    UNQUOTED,
    SnowflakeColumn,
    SnowflakeTable,
    account_host,
    parse_column,
    resolve,
    table_parts,
)
from pytest_firehose._errors import UsageError
from pytest_firehose._handles.assertions import cut
from pytest_firehose._terms import terms

#: SnowflakeDestinationConfiguration's AccountUrl pattern (the API reference).
_ACCOUNT = re.compile(r".+?\.snowflakecomputing\.com")
_EXAMPLE_COLUMNS = '{"ID": "NUMBER(38,0) NOT NULL", "NAME": "VARCHAR(16)", "PAYLOAD": "VARIANT"}'


def _quoted_ok(name: str) -> bool:
    return len(name) > 2 and name[0] == name[-1] == '"' and '"' not in name[1:-1].replace('""', "")


def declared_table(
    where: str, table: object, columns: object, account_url: object
) -> SnowflakeTable:
    """The table a declaration gives, checked; refused with a :class:`UsageError`
    beginning ``where`` that names the fix."""
    said = terms()
    if not isinstance(table, str) or table_parts(table) is None:
        raise UsageError(
            f"{where}: a table is named DATABASE.SCHEMA.TABLE, each part an identifier "
            "(letters, digits, _ and $, not starting with a digit: upper-cased as Snowflake "
            f"does) or double-quoted (kept as written), e.g. {said.value('RAW.WEB.EVENTS')}, "
            f"not {cut(table, said.value)}"
        )
    database, schema, name = (resolve(part) for part in table_parts(table) or ())
    account: str | None = None
    if account_url is not None:
        if not isinstance(account_url, str) or not _ACCOUNT.fullmatch(account_host(account_url)):
            raise UsageError(
                f"{where}: {said.name('account_url')} is the destination's AccountUrl, "
                f"{said.value('https://example.us-east-1.snowflakecomputing.com')} "
                f"({said.value(None)}: the table answers every account), not "
                f"{cut(account_url, said.value)}"
            )
        account = account_host(account_url)
    shape = f"{where}: columns are a mapping of column name to Snowflake type, {_EXAMPLE_COLUMNS}"
    if isinstance(columns, Mapping):
        pairs: list[object] = list(columns.items())
    elif isinstance(columns, Iterable) and not isinstance(columns, (str, bytes)):
        pairs = list(columns)
    else:
        raise UsageError(f"{shape}, not {cut(columns, said.value)}")
    held: list[SnowflakeColumn] = []
    unsupported: str | None = None
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            pair_of = said.phrase("(name, type)", "[name, type]")
            raise UsageError(f"{shape}; {cut(pair, said.value)} is not a {pair_of} pair")
        column, declared = pair
        if not isinstance(column, str) or not (UNQUOTED.fullmatch(column) or _quoted_ok(column)):
            raise UsageError(
                f"{shape}; the column name {cut(column, said.value)} is no identifier: "
                "letters, digits, _ and $, not starting with a digit (upper-cased as "
                "Snowflake does), or double-quoted to keep its case: '\"camelCase\"'"
            )
        if not isinstance(declared, str):
            raise UsageError(
                f"{shape}; the type of column {said.value(column)} is "
                f"{cut(declared, said.value)}, not a string such as {said.value('VARCHAR(16)')}"
            )
        from pytest_firehose._destinations.snowflake_types import MODELLED, UnknownType

        try:
            kind, nullable, cannot = parse_column(declared)
        except UnknownType as error:
            raise UsageError(
                f"column {said.value(column)} of {database}.{schema}.{name}: {error}; "
                f"the types pytest-firehose reads are {MODELLED}"
            ) from None
        stored = resolve(column)
        same = [given.name for given in held if given.name == stored]
        if same:
            raise UsageError(
                f"{where}: two columns are named {stored} as Snowflake stores names "
                "(unquoted names are upper-cased): give each column a name of its own"
            )
        held.append(SnowflakeColumn(stored, kind, nullable, declared.strip()))
        unsupported = unsupported or cannot
    if not held:
        raise UsageError(f"{where}: the table needs at least one column, {_EXAMPLE_COLUMNS}")
    return SnowflakeTable(account, database, schema, name, tuple(held), unsupported)
