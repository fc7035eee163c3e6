"""What CreateDeliveryStream and UpdateDestination require of a
``DataFormatConversionConfiguration``, and the defaults it brings, and where a conversion
finds its Glue table.

Facts used here (the developer guide, "Convert input data format", and the API reference):
conversion is on unless ``Enabled`` is false; it needs the S3 compression off
(``UNCOMPRESSED``: the serializer compresses), a buffer of at least 64 MiB (128 MiB when
``SizeInMBs`` is left out), a schema, one deserializer and one serializer. The buffer's
message is AWS's (REAL: quoted in hashicorp/terraform-provider-aws's acceptance tests); the
others are the fake's own (INFERRED; docs/fidelity.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.conversion import CONVERSION, GlueTable, converting
from pytest_firehose._errors import ServiceError

#: The buffer a converting destination gets when ``SizeInMBs`` is left out, and the least
#: it may ask for.
DEFAULT_SIZE_MB = 128
MIN_SIZE_MB = 64


def _refuse(message: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", message)


def _one_of(block: Any, members: tuple[str, str], where: str) -> None:
    present = [m for m in members if isinstance(block, dict) and block.get(m) is not None]
    if len(present) != 1:
        raise _refuse(f"{where} must specify exactly one of {members[0]} or {members[1]}.")


def checked(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` as stored, or the refusal of a conversion AWS would not accept: the
    128 MiB buffer filled in when a converting destination leaves ``SizeInMBs`` out."""
    if not converting(config):
        return config
    block = config[CONVERSION]
    if config.get("CompressionFormat", "UNCOMPRESSED") != "UNCOMPRESSED":
        raise _refuse(
            "CompressionFormat must be UNCOMPRESSED when DataFormatConversionConfiguration is "
            "enabled; the serializer's own Compression applies instead."
        )
    hints = dict(config.get("BufferingHints") or {})
    size = hints.get("SizeInMBs")
    if size is not None and size < MIN_SIZE_MB:
        raise _refuse(
            f"BufferingHints.SizeInMBs must be at least {MIN_SIZE_MB} when data format "
            "conversion is enabled."
        )
    for member in ("SchemaConfiguration", "InputFormatConfiguration", "OutputFormatConfiguration"):
        if not isinstance(block.get(member), dict):
            raise _refuse(f"{CONVERSION}.{member} is required when the conversion is enabled.")
    schema = block["SchemaConfiguration"]
    for member in ("DatabaseName", "TableName", "RoleARN"):
        if not schema.get(member):
            raise _refuse(f"{CONVERSION}.SchemaConfiguration.{member} is required.")
    _one_of(
        block["InputFormatConfiguration"].get("Deserializer"),
        ("OpenXJsonSerDe", "HiveJsonSerDe"),
        f"{CONVERSION}.InputFormatConfiguration.Deserializer",
    )
    _one_of(
        block["OutputFormatConfiguration"].get("Serializer"),
        ("ParquetSerDe", "OrcSerDe"),
        f"{CONVERSION}.OutputFormatConfiguration.Serializer",
    )
    if size is None:
        hints["SizeInMBs"] = DEFAULT_SIZE_MB
        return {**config, "BufferingHints": hints}
    return config


class GlueTables:
    """The Glue tables tests registered (``firehose.glue_table``) and Iceberg destinations
    created, by region, catalog, database and name."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region
        self._tables: dict[tuple[str, str, str, str], GlueTable] = {}

    def _key(self, schema: Mapping[str, Any]) -> tuple[str, str, str, str]:
        return (
            str(schema.get("Region") or self.region),
            str(schema.get("CatalogId") or self.account_id),
            str(schema.get("DatabaseName", "")).lower(),
            str(schema.get("TableName", "")).lower(),
        )

    def register(self, table: GlueTable, *, region: str | None, catalog_id: str | None) -> None:
        self._tables[self._key(table.schema(region=region, catalog_id=catalog_id))] = table

    def find(self, schema: Mapping[str, Any]) -> GlueTable | None:
        """The registered table a ``SchemaConfiguration`` names, or None."""
        return self._tables.get(self._key(schema))

    def holds_database(self, schema: Mapping[str, Any]) -> bool:
        """Whether a table of the database ``schema`` names is registered."""
        return any(key[:3] == self._key(schema)[:3] for key in self._tables)

    def names(self) -> list[str]:
        """Every table's ``database.table``, in the order they were first registered."""
        return [f"{table.database}.{table.name}" for table in self._tables.values()]
