"""The rows Redshift's COPY reads from a staged object's text, in the format its options
(:mod:`~pytest_firehose._destinations.copy_options`) name: the default text format, CSV or
``JSON 'auto'``; each line it cannot load is a :class:`LoadError`.

Every value is kept as text: the fake does not know the table's column types, so a value a
typed column would refuse (``abc`` for an INTEGER) loads as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_firehose._destinations.copy_options import CopyOptions

#: What ``surrogateescape`` decodes a byte that is not UTF-8 to.
INVALID_UTF8 = re.compile("[\udc80-\udcff]")
#: The load error of a line holding such a byte (without ACCEPTINVCHARS).
_NOT_UTF8 = (1220, "String contains invalid or unsupported UTF8 codepoints")
#: A row a COPY loads: column name -> value as text, None for NULL.
Row = dict[str, "str | None"]
#: A field as read: (whether it was quoted or is to be matched against NULL AS as it was
#: written, its text as written, its value).
_Field = tuple[bool, str, str]


class LoadFailed(Exception):
    """The COPY failed as a whole: the table receives none of the object's rows."""


@dataclass(frozen=True)
class LoadError:
    """A line COPY could not load: its number in the object (1-based), Redshift's load error
    code (the developer guide's "Load error reference") and reason."""

    line: int
    code: int
    reason: str


def read_rows(
    text: str, options: CopyOptions, columns: tuple[str, ...] | None
) -> tuple[list[Row], list[LoadError]]:
    """The rows of ``text`` and the lines that did not load."""
    skipped = 0
    for _ in range(options.ignore_header):  # IGNOREHEADER: the object's first lines
        end = text.find("\n")
        if end < 0:
            return [], []
        text, skipped = text[end + 1 :], skipped + 1
    if options.format == "JSON":
        return _json_rows(text, options, columns, skipped)
    if options.format == "CSV":
        records = _csv_records(text, options.delimiter or ",", options.quote)
    else:
        records = _text_records(text, options.delimiter or "|", options.escape)
    rows: list[Row] = []
    errors: list[LoadError] = []
    for line, fields in records:
        line += skipped
        if isinstance(fields, LoadError):
            errors.append(LoadError(line, fields.code, fields.reason))
            continue
        if options.ignore_blank_lines and fields == [(True, "", "")]:
            continue
        names = columns or tuple(str(position) for position in range(1, len(fields) + 1))
        values = [_value(field, options) for field in fields]
        if options.fill_record:  # missing columns at the end of a record: NULL
            values += [None] * (len(names) - len(values))
        if _not_utf8(values):
            errors.append(LoadError(line, *_NOT_UTF8))
        elif len(values) > len(names):
            errors.append(LoadError(line, 1202, "Extra column(s) found"))
        elif len(values) < len(names):
            errors.append(LoadError(line, 1214, "Delimiter not found"))
        else:
            rows.append(dict(zip(names, values, strict=True)))
    return rows, errors


def _not_utf8(values: Iterable[str | None]) -> bool:
    return any(value is not None and INVALID_UTF8.search(value) for value in values)


def _value(field: _Field, options: CopyOptions) -> str | None:
    matchable, written, value = field
    if matchable and written == options.null_as:
        return None
    return _blank(value, options)


def _blank(value: str, options: CopyOptions) -> str | None:
    """``value`` (its trailing white space removed with TRIMBLANKS), or None when
    EMPTYASNULL or BLANKSASNULL make it NULL."""
    if options.trim_blanks:
        value = value.rstrip()
    if value == "" and options.empty_as_null:
        return None
    if value and not value.strip() and options.blanks_as_null:
        return None
    return value


def _text_records(text: str, delimiter: str, escape: bool) -> Iterator[tuple[int, list[_Field]]]:
    """Each line of ``text`` (its number, its fields): fields split at ``delimiter``; with
    ESCAPE, a backslash makes the character after it (a delimiter, a newline, a backslash)
    part of the value."""
    line = first = 1
    fields: list[_Field] = []
    written: list[str] = []
    value: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        index += 1
        if escape and char == "\\" and index < len(text):
            following = text[index]
            index += 1
            written.append(char + following)
            value.append(following)
            line += following == "\n"
        elif char == "\n" or text.startswith(delimiter, index - 1):
            index += len(delimiter) - 1 if char != "\n" else 0
            fields.append((True, "".join(written), "".join(value)))
            written, value = [], []
            if char == "\n":
                yield first, fields
                fields = []
                line += 1
                first = line
        else:
            written.append(char)
            value.append(char)
    if fields or written:  # the last line, without its newline
        fields.append((True, "".join(written), "".join(value)))
        yield first, fields


def _csv_records(
    text: str, delimiter: str, quote: str
) -> Iterator[tuple[int, list[_Field] | LoadError]]:
    """Each CSV record of ``text`` (the number of its first line, its fields): a field in
    ``quote`` characters may hold delimiters and newlines, a doubled quote stands for one,
    and white space between the quotes and the delimiters is ignored; a quoted field is
    never NULL AS."""
    line = first = 1
    fields: list[_Field] = []
    value: list[str] = []
    quoted = in_quotes = False
    index = 0
    while index < len(text):
        char = text[index]
        index += 1
        if in_quotes:
            if char == quote and text[index : index + 1] == quote:
                value.append(quote)
                index += 1
            elif char == quote:
                in_quotes = False
            else:
                value.append(char)
                line += char == "\n"
        elif char == "\n" or text.startswith(delimiter, index - 1):
            index += len(delimiter) - 1 if char != "\n" else 0
            text_value = "".join(value)
            fields.append((not quoted, text_value, text_value))
            value, quoted = [], False
            if char == "\n":
                yield first, fields
                fields = []
                line += 1
                first = line
        elif char == quote and not quoted and not "".join(value).strip():
            value, quoted, in_quotes = [], True, True
        elif not (quoted and char.isspace()):  # after the closing quote: white space ignored
            value.append(char)
    if in_quotes:
        yield first, LoadError(first, 1216, "Unterminated quoted field at the end of the file")
    elif fields or value or quoted:
        text_value = "".join(value)
        fields.append((not quoted, text_value, text_value))
        yield first, fields


def _json_rows(
    text: str, options: CopyOptions, columns: tuple[str, ...] | None, skipped: int
) -> tuple[list[Row], list[LoadError]]:
    """JSON 'auto': each top-level JSON object is a row, its keys matched to the columns
    (exactly, or ignoring case with 'auto ignorecase'); a column no key matches is NULL."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    rows: list[Row] = []
    errors: list[LoadError] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return rows, errors
        line = text.count("\n", 0, index) + 1 + skipped
        try:
            document, index = decoder.raw_decode(text, index)
        except ValueError as error:
            raise LoadFailed(f"Invalid JSON at line {line}: {error.args[0]}") from None
        if not isinstance(document, dict):
            errors.append(LoadError(line, 1216, "Invalid JSONPath format: not a JSON object"))
            continue
        if options.json_ignorecase:
            document = {str(key).lower(): value for key, value in document.items()}
        names = columns or tuple(document)
        row: Row = {}
        for name in names:
            value = json_text(document.get(name.lower() if options.json_ignorecase else name))
            row[name] = None if value is None else _blank(value, options)
        if _not_utf8(row.values()):
            errors.append(LoadError(line, *_NOT_UTF8))
        else:
            rows.append(row)


def json_text(value: Any) -> str | None:
    """A JSON value as the text a column receives: strings as they are, numbers as written,
    ``true``/``false``, objects and arrays as compact JSON; None for null."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, dict):
        inner = ",".join(f"{json.dumps(key)}:{_json_value(item)}" for key, item in value.items())
        return "{" + inner + "}"
    return "[" + ",".join(_json_value(item) for item in value) + "]"


def _json_value(value: Any) -> str:
    text = json_text(value)
    if text is None:
        return "null"
    return json.dumps(text) if isinstance(value, str) else text
