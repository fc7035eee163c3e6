"""The rows a Redshift COPY loads from one staged object, read as its ``CopyOptions``
(:mod:`copy_options`) say: decompressed, converted from its ``ENCODING`` into UTF-8
(:mod:`copy_encoding`), decoded, its header skipped, then read as text,
CSV, fixed-width fields (:mod:`copy_rows`) or JSON (:mod:`copy_json`); or, with AVRO, read
as an Avro file (:mod:`copy_avro`).

A row is a dict of column name to value (text, or None for NULL). A line that does not load
is a load error; more load errors than ``MAXERROR`` (0 unless given) fail the whole COPY,
and the table receives nothing of it.
"""

from __future__ import annotations

import bz2
import gzip
from typing import TYPE_CHECKING

from pytest_firehose._destinations.copy_avro import avro_rows
from pytest_firehose._destinations.copy_encoding import to_utf8
from pytest_firehose._destinations.copy_json import json_rows
from pytest_firehose._destinations.copy_rows import (
    INVALID_UTF8,
    LoadError,
    LoadFailed,
    Row,
    read_rows,
    skip_header,
)

if TYPE_CHECKING:
    from pytest_firehose._destinations.copy_jsonpaths import JsonPaths
    from pytest_firehose._destinations.copy_options import CopyOptions

#: Each compression's magic bytes: a staged object that does not start with them is not
#: in that format.
_MAGIC = {"GZIP": b"\x1f\x8b", "BZIP2": b"BZh", "ZSTD": b"\x28\xb5\x2f\xfd", "LZOP": b"\x89LZO"}


def _decompressed(body: bytes, compression: str | None) -> bytes:
    if compression is None:
        return body
    if not body.startswith(_MAGIC[compression]):
        raise LoadFailed(f"the object is not {compression} data ({compression} was given)")
    try:
        if compression == "GZIP":
            return gzip.decompress(body)
        if compression == "BZIP2":
            return bz2.decompress(body)
        import cramjam

        if compression == "ZSTD":
            return bytes(cramjam.zstd.decompress(body))
        raise LoadFailed("LZOP data is not read by the fake")  # never staged by Firehose
    except Exception as error:  # whatever the codec raises: the object is not in its format
        raise LoadFailed(f"the object cannot be read as {compression}: {error}") from None


def load(
    body: bytes,
    options: CopyOptions,
    columns: tuple[str, ...] | None,
    paths: JsonPaths | None = None,
) -> tuple[list[Row], list[LoadError]]:
    """The rows COPY loads from a staged object of ``body`` into ``columns`` (None: the
    fields by position, named ``"1"``, ``"2"`` ..., or a JSON object's or Avro record's
    keys), JSON or Avro read through ``paths`` (a JSONPaths file's expressions, read for
    this COPY), and the load errors of the lines or records it left out (at most
    ``MAXERROR`` of them). Raises
    :class:`LoadFailed` when the COPY fails as a whole, with its load errors, and
    :class:`~pytest_firehose._destinations.copy_jsonpaths.JsonPathsFailed` when ``paths``
    do not match ``columns``."""
    if options.malformed is not None:
        raise LoadFailed(f"the COPY command cannot be run: {options.malformed}")
    if paths is not None:
        paths.check_columns(columns)
    if options.json_noshred and columns is not None and len(columns) != 1:
        raise LoadFailed(
            f"JSON 'noshred' loads each document into one column, and DataTableColumns names "
            f"{len(columns)}"
        )
    data = _decompressed(body, options.compression)
    if options.format == "AVRO":
        rows, errors = avro_rows(data, options, columns, paths)
    else:
        rows, errors = _text_rows(data, options, columns, paths)
    if len(errors) > options.max_error and not options.ignore_all_errors:
        raise LoadFailed(
            f"{len(errors)} line(s) could not be loaded (MAXERROR {options.max_error})",
            tuple(errors),
        )
    if options.no_load:  # NOLOAD: the data checked, nothing loaded
        return [], errors
    return rows, errors


def _text_rows(
    data: bytes, options: CopyOptions, columns: tuple[str, ...] | None, paths: JsonPaths | None
) -> tuple[list[Row], list[LoadError]]:
    """The rows of ``data`` (decompressed) read as text in its ``ENCODING``: the text
    format, CSV, fixed-width fields or JSON."""
    data = to_utf8(data, options.encoding)
    # Bytes that are not UTF-8 decode to lone surrogates: replaced with ACCEPTINVCHARS's
    # character, one for each byte; else the line holding them does not load.
    text = data.decode("utf-8", "surrogateescape")
    if options.invalid_char is not None:
        text = INVALID_UTF8.sub(options.invalid_char, text)
    text, skipped = skip_header(text, options.ignore_header)
    if options.format == "JSON":
        return json_rows(text, options, columns, skipped, paths)
    return read_rows(text, options, columns, skipped)
