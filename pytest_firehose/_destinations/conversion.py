"""Record format conversion (``DataFormatConversionConfiguration``): each record's JSON
documents read by the configured deserializer (OpenX or Hive JSON SerDe) into the columns of
a Glue table, and a batch's rows written as one Apache Parquet or ORC file with pyarrow (the
``conversion`` extra).

A record whose data is not JSON objects fails with ``DataFormatConversion.ParseError``, one
that is empty or only whitespace, or whose values do not fit their columns, with
``DataFormatConversion.MalformedData``; the
delivery writes such records to the error output under ``format-conversion-failed``, in the
error record the developer guide shows. docs/fidelity.md lists the rules chosen where AWS's
are not on record.
"""

from __future__ import annotations

import importlib.util
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_firehose._destinations.arrow_imports import arrow_module
from pytest_firehose._destinations.base import RecordError

PARSE_ERROR = "DataFormatConversion.ParseError"
MALFORMED_DATA = "DataFormatConversion.MalformedData"
#: The Glue table cannot be found, or has a column type the converter cannot read: every
#: record of the batch fails with it.
NO_TABLE = "DataFormatConversion.EntityNotFound"
INVALID_SCHEMA = "DataFormatConversion.InvalidSchema"
CONVERSION = "DataFormatConversionConfiguration"
FORMAT_CONVERSION_FAILED = "format-conversion-failed"
MIB = 1024 * 1024


def available() -> bool:
    """Whether pyarrow, which reads and writes the columnar formats, is installed."""
    return importlib.util.find_spec("pyarrow") is not None


def converting(config: Mapping[str, Any]) -> bool:
    """Whether ``config`` (a destination's) converts records: conversion is on unless
    ``Enabled`` is false."""
    block = config.get(CONVERSION)
    return isinstance(block, dict) and block.get("Enabled", True) is not False


def conversion_block(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``DataFormatConversionConfiguration`` a delivery carries out, or None (none, off,
    or pyarrow missing: the stream was reported as unmodelled)."""
    if not converting(config) or not available():
        return None
    block: dict[str, Any] = config[CONVERSION]
    return block


@dataclass(frozen=True)
class GlueTable:
    """The schema a conversion reads: a Glue table's name and its columns as (name, Hive
    type) pairs, in order."""

    database: str
    name: str
    columns: tuple[tuple[str, str], ...]

    def schema(self, *, region: str | None, catalog_id: str | None) -> dict[str, Any]:
        """Where the table is, as a ``SchemaConfiguration`` names it (None: the stream's
        region or account)."""
        return {
            "Region": region,
            "CatalogId": catalog_id,
            "DatabaseName": self.database,
            "TableName": self.name,
        }


class Unconvertible(RecordError):
    """A record the conversion cannot read."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")


class JsonInt(int):
    """A JSON integer that keeps its ``text`` as written, as the OpenX SerDe's parser keeps
    every number."""

    text: str

    def __new__(cls, text: str) -> JsonInt:
        number = super().__new__(cls, text)
        number.text = text
        return number


class JsonFloat(float):
    """A JSON number with a fraction or an exponent that keeps its ``text`` as written."""

    text: str

    def __new__(cls, text: str) -> JsonFloat:
        number = super().__new__(cls, text)
        number.text = text
        return number


_DECODER = json.JSONDecoder(
    parse_constant=_reject_constant, parse_int=JsonInt, parse_float=JsonFloat
)
_SPACE = " \t\n\r"
#: What AWS writes for a record with no JSON in it at all (an error record quoted from a
#: bucket AWS wrote to): JSON's whitespace counts as nothing.
BLANK = "The record was empty or contained only whitespace."


def documents(data: bytes) -> list[dict[str, Any]]:
    """The JSON objects ``data`` holds, one after the other (``{"a":1}{"a":2}`` is two;
    an array of objects is not valid input); a record without any is malformed."""
    return [document for document, _ in _documents(data)]


def _documents(data: bytes) -> list[tuple[dict[str, Any], str]]:
    """Each JSON object ``data`` holds, with its text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unconvertible(PARSE_ERROR, f"Encountered malformed JSON: {error.reason}") from error
    if not text.strip(_SPACE):
        raise Unconvertible(MALFORMED_DATA, BLANK)
    found: list[tuple[dict[str, Any], str]] = []
    position = 0
    while True:
        while position < len(text) and text[position] in _SPACE:
            position += 1
        if position == len(text):
            return found
        start = position
        try:
            document, position = _DECODER.raw_decode(text, position)
        except ValueError as error:
            raise Unconvertible(PARSE_ERROR, f"Encountered malformed JSON: {error}") from error
        except RecursionError:
            raise Unconvertible(
                PARSE_ERROR, "Encountered malformed JSON: nested too deeply"
            ) from None
        if not isinstance(document, dict):
            raise Unconvertible(
                PARSE_ERROR,
                f"Encountered malformed JSON: a record holds JSON objects, not a "
                f"{type(document).__name__}",
            )
        found.append((document, text[start:position]))


class Converter:
    """Converts records for one destination's ``DataFormatConversionConfiguration``
    (``config``) with the columns of ``table``."""

    def __init__(self, config: Mapping[str, Any], table: GlueTable) -> None:
        pa = arrow_module("pyarrow")

        from pytest_firehose._destinations.hive_type_names import UnknownType, column_type

        self.table = table
        #: Each column's type as the table names it, for error messages.
        self._kinds = {name.lower(): kind for name, kind in table.columns}
        if len(self._kinds) < len(table.columns):
            raise UnknownType("two columns of the same name (column names ignore case)")
        self.schema = pa.schema(
            [pa.field(name.lower(), column_type(kind)) for name, kind in table.columns]
        )
        deserializer = (config.get("InputFormatConfiguration") or {}).get("Deserializer") or {}
        #: The Hive SerDe's timestamp reader when it reads the records (token by token,
        #: as ``HiveRecord`` does), else None: the OpenX SerDe reads them, as ``_reading``
        #: and ``_columns`` say.
        self._hive = _hive_timestamps(deserializer)
        self._reading, self._columns = _openx(deserializer.get("OpenXJsonSerDe") or {})
        self._serializer = (config.get("OutputFormatConfiguration") or {}).get("Serializer") or {}
        #: The text of each top-level char(n) and varchar(n) column, fitted to its length.
        self._fitted = {
            name: fit
            for name, kind in self._kinds.items()
            if (fit := _length_rule(kind, orc="OrcSerDe" in self._serializer)) is not None
        }

    def rows(self, data: bytes) -> list[dict[str, Any]]:
        """The table rows of one record's data: one row per JSON object."""
        from pytest_firehose._destinations.hive_types import value_of
        from pytest_firehose._destinations.openx_json import repeated_key

        rows = []
        for document, text in _documents(data):
            if self._hive is not None:
                rows.append(self._hive_row(text))
                continue
            repeated = repeated_key(text, lower=self._reading.lower)
            if repeated is not None:
                # OpenX's parser refuses the object, and so the record.
                raise Unconvertible(
                    PARSE_ERROR,
                    "Encountered malformed JSON: Row is not a valid JSON Object - "
                    f'JSONException: Duplicate key "{repeated}"',
                )
            members = self._columns(document)
            row: dict[str, Any] = {}
            for field in self.schema:
                if field.name not in members:
                    row[field.name] = None
                    continue
                try:
                    row[field.name] = value_of(members[field.name], field.type, self._reading)
                    fit = self._fitted.get(field.name)
                    if fit is not None and row[field.name] is not None:
                        row[field.name] = fit(row[field.name])
                # Unfit, a number too big, or a value nested too deep to write as text.
                except (ValueError, ArithmeticError, RecursionError) as error:
                    kind = self._kinds[field.name]
                    raise Unconvertible(
                        MALFORMED_DATA,
                        f"The value of column '{field.name}' ({kind}) could not be read: {error}",
                    ) from error
            rows.append(row)
        return rows

    def _hive_row(self, text: str) -> dict[str, Any]:
        """The row of one JSON object as the Hive JSON SerDe reads it."""
        from pytest_firehose._destinations.hive_json import HiveRecord, Misread

        assert self._hive is not None
        try:
            row = HiveRecord(text, self._hive).row(list(self.schema))
        except Misread as error:
            column = error.column
            message = (
                f"The record could not be read: {error}"
                if column is None
                else f"The value of column '{column}' ({self._kinds[column]}) could not be "
                f"read: {error}"
            )
            raise Unconvertible(MALFORMED_DATA, message) from error
        except RecursionError as error:  # nested deeper than the reader goes
            raise Unconvertible(
                MALFORMED_DATA, "The record could not be read: nested too deeply"
            ) from error
        for name, fit in self._fitted.items():
            if row[name] is not None:
                row[name] = fit(row[name])
        return row

    def write(self, rows: Sequence[dict[str, Any]]) -> bytes:
        """``rows`` as one Parquet or ORC file, as the serializer is configured."""
        pa = arrow_module("pyarrow")

        table = pa.Table.from_pylist(list(rows), schema=self.schema)
        out = io.BytesIO()
        if "OrcSerDe" in self._serializer:
            _write_orc(table, out, self._serializer["OrcSerDe"] or {})
        else:
            _write_parquet(table, out, self._serializer.get("ParquetSerDe") or {})
        return out.getvalue()


def _length_rule(kind: str, *, orc: bool) -> Callable[[str], str] | None:
    """How a column of Hive type ``kind`` fits its text to its length, when it is a
    ``varchar(n)`` or ``char(n)``: Hive cuts text past n characters (code points) off,
    and a ``char`` is written padded with spaces to n by ORC's writer, without its
    trailing spaces by Hive's Parquet writer. None for every other type."""
    from pytest_firehose._destinations.hive_type_names import sized_text

    sized = sized_text(kind)
    if sized is None:
        return None
    name, length = sized
    if name == "varchar":
        return lambda text: text[:length]
    if orc:
        return lambda text: text[:length].ljust(length)
    return lambda text: text[:length].rstrip(" ")


def _hive_timestamps(deserializer: Mapping[str, Any]) -> Callable[[Any], Any] | None:
    """The timestamp reader of a ``Deserializer`` block's ``HiveJsonSerDe`` (its
    ``TimestampFormats``), or None when the block names the OpenX SerDe."""
    from pytest_firehose._destinations.hive_timestamps import hive_timestamp

    if "HiveJsonSerDe" not in deserializer:
        return None
    return hive_timestamp((deserializer["HiveJsonSerDe"] or {}).get("TimestampFormats") or [])


def _openx(
    openx: Mapping[str, Any],
) -> tuple[Any, Callable[[dict[str, Any]], dict[str, Any]]]:
    """(the Reading, the top-level member lookup) of an ``OpenXJsonSerDe`` block."""
    from pytest_firehose._destinations.hive_timestamps import openx_date, openx_timestamp
    from pytest_firehose._destinations.hive_types import Reading, openx_binary

    lower = openx.get("CaseInsensitive", True) is not False
    keys = _keys(lower=lower, dots=bool(openx.get("ConvertDotsInJsonKeysToUnderscores")))
    mappings = {
        column.lower(): key.lower() if lower else key
        for column, key in (openx.get("ColumnToJsonKeyMappings") or {}).items()
    }

    def columns(document: dict[str, Any]) -> dict[str, Any]:
        members = keys(document)
        if not mappings:
            return members
        return {
            **members,
            **{column: members.get(key) for column, key in mappings.items()},
        }

    return Reading(openx_timestamp, keys, openx_binary, openx_date, lower=lower), columns


def _keys(*, lower: bool, dots: bool) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A JSON object's members by the names columns match: its keys as OpenX's parser keeps
    them (lower-cased when ``lower``), and with ``dots`` also each key with a dot by its
    name with underscores, where no key has that name: the first such key in the order of
    the parser's HashMap (OpenX's ``JsonStructObjectInspector``)."""
    from pytest_firehose._destinations.java_hashmap import hash_order

    def keys(document: dict[str, Any]) -> dict[str, Any]:
        found = {(key.lower() if lower else key): value for key, value in document.items()}
        if dots:
            for key in hash_order(found):
                if "." in key:
                    found.setdefault(key.replace(".", "_"), found[key])
        return found

    return keys


_PARQUET_CODECS = {"UNCOMPRESSED": "NONE", "GZIP": "GZIP", "SNAPPY": "SNAPPY"}
_ORC_CODECS = {"NONE": "uncompressed", "ZLIB": "zlib", "SNAPPY": "snappy"}


def _write_parquet(table: Any, out: io.BytesIO, serde: Mapping[str, Any]) -> None:
    pq = arrow_module("pyarrow.parquet")

    pq.write_table(
        table,
        out,
        compression=_PARQUET_CODECS[serde.get("Compression", "SNAPPY")],
        use_dictionary=serde.get("EnableDictionaryCompression", True) is not False,
        data_page_size=serde.get("PageSizeBytes", MIB),
        data_page_version="2.0" if serde.get("WriterVersion") == "V2" else "1.0",
        # Hive's Parquet writer stores timestamps as INT96, which Athena reads.
        use_deprecated_int96_timestamps=True,
    )


def _write_orc(table: Any, out: io.BytesIO, serde: Mapping[str, Any]) -> None:
    orc = arrow_module("pyarrow.orc")

    names = table.schema.names
    bloom = [
        names.index(c.lower()) for c in serde.get("BloomFilterColumns") or [] if c.lower() in names
    ]
    orc.write_table(
        table,
        out,
        file_version="0.11" if serde.get("FormatVersion") == "V0_11" else "0.12",
        stripe_size=serde.get("StripeSizeBytes", 64 * MIB),
        compression=_ORC_CODECS[serde.get("Compression", "SNAPPY")],
        row_index_stride=serde.get("RowIndexStride", 10000),
        padding_tolerance=serde.get("PaddingTolerance", 0.05)
        if serde.get("EnablePadding")
        else 0.0,
        dictionary_key_size_threshold=serde.get("DictionaryKeyThreshold", 0.0),
        bloom_filter_columns=bloom or None,
        bloom_filter_fpp=serde.get("BloomFilterFalsePositiveProbability", 0.05),
    )
