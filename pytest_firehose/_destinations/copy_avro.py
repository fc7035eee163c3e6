"""The rows Redshift's COPY reads from a staged object in Avro's object container file format
(``FORMAT AS AVRO``), read with fastavro (the ``avro`` extra, imported at the first such COPY).

The object must be one container file whose schema is a record, written uncompressed or with
the ``deflate`` or ``snappy`` codec: each record a row. ``'auto'`` matches the record's
field names to the columns (exactly, or ignoring case with ``'auto ignorecase'``; a column
no field matches is NULL); ``'s3://...'`` reads each record through the expressions of a
JSONPaths file (:mod:`~pytest_firehose._destinations.copy_jsonpaths`), as JSON's COPY does.

A column receives a value as text: a string as it is, a number as written, ``true`` or
``false``, an enum's symbol, bytes and fixed as the characters of their bytes (each byte
U+0000 to U+00FF, as Avro's JSON encoding writes them), and a record, map or array as
JSON text. A logical type is read as the type under it (a ``timestamp-millis`` is its
number of milliseconds). A record an expression cannot follow is a load error; an object
that is not such a file fails the COPY with one load error, whatever ``MAXERROR`` says.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import math
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.copy_jsonpaths import NOT_FOUND, PathNotFollowed
from pytest_firehose._destinations.copy_rows import (
    INVALID_UTF8,
    LoadError,
    LoadFailed,
    Row,
    blank,
    load_error,
    not_utf8,
)

if TYPE_CHECKING:
    from pytest_firehose._destinations.copy_jsonpaths import JsonPaths
    from pytest_firehose._destinations.copy_options import CopyOptions

#: What a COPY with AVRO needs when fastavro is missing.
AVRO_EXTRA = "pip install 'pytest-firehose[avro]'"
#: The codecs COPY reads (the developer guide's AVRO parameter).
_CODECS = ("null", "deflate", "snappy")
_MAGIC = b"Obj\x01"
_SYNC = 16
_INVALID = "Invalid AVRO file found. "
#: An object whose data ends before the file does (REAL: Redshift's reason for a file that
#: holds its header only); the other reasons are chosen.
_ENDED = "Unexpected end of AVRO file."
_NOT_AVRO = "Invalid AVRO file header."
_BAD_BLOCK = "Invalid AVRO data block."
_SECOND = "Unexpected AVRO file header after the file's last data block."
_NOT_RECORD = "The AVRO schema type must be record."


def available() -> bool:
    """Whether fastavro, which reads Avro files, is installed (not imported here)."""
    return importlib.util.find_spec("fastavro") is not None


def _invalid(reason: str, line: int = 1) -> LoadFailed:
    """The COPY failing on an object it cannot read as an Avro file: load error 1216 at
    ``line`` (the number of the record it stopped at)."""
    error = load_error(line, 1216, _INVALID + reason, raw_line="")
    return LoadFailed(f"the object is not an Avro file COPY reads: {reason}", (error,))


def avro_rows(
    data: bytes,
    options: CopyOptions,
    columns: tuple[str, ...] | None,
    paths: JsonPaths | None = None,
) -> tuple[list[Row], list[LoadError]]:
    """The rows of the Avro file ``data`` (decompressed) and the records that did not load;
    raises :class:`~pytest_firehose._destinations.copy_rows.LoadFailed` when ``data`` is
    not one Avro file COPY reads."""
    fastavro = importlib.import_module("fastavro")
    stream = io.BytesIO(data)
    try:
        header = fastavro.reader(stream)
    except Exception:  # whatever fastavro raises: no header it can read
        raise _invalid(_ENDED if _MAGIC.startswith(data[:4]) else _NOT_AVRO) from None
    start = stream.tell()
    schema = json.loads(header.metadata["avro.schema"])
    if not isinstance(schema, dict) or schema.get("type") != "record":
        raise _invalid(_NOT_RECORD)
    if header.codec not in _CODECS:
        raise _invalid(f"Unsupported AVRO codec: {header.codec}.")
    if header.codec == "snappy" and importlib.util.find_spec("cramjam") is None:
        raise LoadFailed(
            "the object's Avro codec is snappy, which fastavro reads with cramjam "
            "[pytest-firehose: pip install 'pytest-firehose[compression]']"
        )
    sync = data[start - _SYNC : start]
    _check_blocks(data, start, sync)
    # fastavro converts a logical type's values (a date, a Decimal ...), whichever schema
    # it is given to read with: the file is read with a header whose schema has none.
    metadata = io.BytesIO()
    plain = {**header.metadata, "avro.schema": json.dumps(_without_logical_types(schema))}
    fastavro.schemaless_writer(
        metadata, {"type": "map", "values": "bytes"}, {k: _bytes(v) for k, v in plain.items()}
    )
    rewritten = _MAGIC + metadata.getvalue() + sync + data[start:]
    records = iter(fastavro.reader(io.BytesIO(rewritten), handle_unicode_errors="surrogateescape"))
    rows: list[Row] = []
    errors: list[LoadError] = []
    line = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            return rows, errors
        except Exception:  # a block fastavro cannot decode: nothing after it can be read
            raise _invalid(_BAD_BLOCK, line + 1) from None
        line += 1
        _row(record, line, options, columns, paths, rows, errors)


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _row(
    record: dict[str, Any],
    line: int,
    options: CopyOptions,
    columns: tuple[str, ...] | None,
    paths: JsonPaths | None,
    rows: list[Row],
    errors: list[LoadError],
) -> None:
    """Add ``record``'s row to ``rows``, or its load error to ``errors``."""
    if options.invalid_char is not None:
        record = _replaced(record, options.invalid_char)
    raw_line = _json(record)
    found: list[Any]
    if paths is not None:
        names = columns or tuple(str(n) for n in range(1, len(paths.steps) + 1))
        try:
            found = [None if v is NOT_FOUND else v for v in paths.values(record)]
        except PathNotFollowed as error:
            errors.append(load_error(line, 1216, error.reason, raw_line, names[error.index]))
            return
    else:
        if options.auto_ignorecase:
            record = {key.lower(): value for key, value in record.items()}
        names = columns or tuple(record)
        found = [record.get(name.lower() if options.auto_ignorecase else name) for name in names]
    texts = [_text(value) for value in found]
    invalid = not_utf8(line, raw_line, names, [text or "" for text in texts])
    if invalid is not None:
        errors.append(invalid)
        return
    rows.append(
        {
            name: None if text is None else blank(text, options)
            for name, text in zip(names, texts, strict=True)
        }
    )


def _check_blocks(data: bytes, position: int, sync: bytes) -> None:
    """Raise LoadFailed unless ``data`` from ``position`` is whole data blocks, each ending
    in ``sync``, and at least one (Redshift refuses a file of its header only)."""
    line, blocks = 1, 0
    while position < len(data):
        if data.startswith(_MAGIC, position) and blocks:
            raise _invalid(_SECOND, line)  # records concatenated, each a whole file
        try:
            count, position = _long(data, position)
            size, position = _long(data, position)
        except IndexError:
            raise _invalid(_ENDED, line) from None
        if count < 0 or size < 0:
            raise _invalid(_BAD_BLOCK, line)
        position += size
        if position + _SYNC > len(data):
            raise _invalid(_ENDED, line)
        if data[position : position + _SYNC] != sync:
            raise _invalid(_BAD_BLOCK, line)
        position += _SYNC
        line += count
        blocks += 1
    if not blocks:
        raise _invalid(_ENDED)


def _long(data: bytes, position: int) -> tuple[int, int]:
    """The zig-zag varint at ``position`` and the position after it (IndexError when the
    data ends first)."""
    shift = result = 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80 or shift > 63:
            return (result >> 1) ^ -(result & 1), position


def _without_logical_types(schema: Any) -> Any:
    """``schema`` without its ``logicalType`` attributes: each value read as its type."""
    if isinstance(schema, dict):
        return {k: _without_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [_without_logical_types(item) for item in schema]
    return schema


def _replaced(value: Any, char: str) -> Any:
    """``value`` with each byte of its strings that is not UTF-8 replaced with ``char``
    (ACCEPTINVCHARS)."""
    if isinstance(value, str):
        return INVALID_UTF8.sub(char, value)
    if isinstance(value, dict):
        return {key: _replaced(item, char) for key, item in value.items()}
    if isinstance(value, list):
        return [_replaced(item, char) for item in value]
    return value


def _text(value: Any) -> str | None:
    """A value as the text its column receives (None: NULL)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return _json(value)


def _json(value: Any) -> str:
    """A value as JSON text (strings with their characters as they are)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json(str(k))}:{_json(v)}" for k, v in value.items()) + "}"
    return "[" + ",".join(_json(item) for item in value) + "]"
