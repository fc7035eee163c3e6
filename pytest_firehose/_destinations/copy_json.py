"""The rows Redshift's COPY reads from a staged object's JSON text: each top-level JSON
object a row, its values as text (:func:`json_text`), each text that does not load a
:class:`~pytest_firehose._destinations.copy_rows.LoadError`.

- ``JSON 'auto'``: an object's keys matched to the columns (exactly, or ignoring case with
  ``'auto ignorecase'``); a column no key matches is NULL.
- ``JSON 'noshred'``: the object whole, as JSON text, into the one column.
- ``JSON 's3://...'``: each object or array read through the expressions of the JSONPaths
  file (:mod:`~pytest_firehose._destinations.copy_jsonpaths`), the n-th feeding the n-th
  column; a member it does not find is NULL, one it cannot follow a load error.

A load error names the object's last line, and shows the object as its raw line; a text
that is neither object nor array (with ``'auto'``, one that is no object) is load error
1216 ``Invalid JSONPath format: Member is not an object.``; JSON that cannot be read fails
the COPY, as nothing after it can be read either.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.copy_jsonpaths import (
    NOT_AN_OBJECT,
    NOT_FOUND,
    JsonPaths,
    PathNotFollowed,
)
from pytest_firehose._destinations.copy_rows import (
    LoadError,
    LoadFailed,
    Row,
    blank,
    load_error,
    not_utf8,
)
from pytest_firehose._json_text import decode_next, not_json

if TYPE_CHECKING:
    from pytest_firehose._destinations.copy_options import CopyOptions


def json_rows(
    text: str,
    options: CopyOptions,
    columns: tuple[str, ...] | None,
    skipped: int = 0,
    paths: JsonPaths | None = None,
) -> tuple[list[Row], list[LoadError]]:
    """The rows of ``text`` and the JSON texts that did not load (``skipped``: the header
    lines before ``text``; ``paths``: the expressions of a JSONPaths file, if given)."""
    decoder = json.JSONDecoder(parse_float=Decimal, parse_constant=not_json)
    rows: list[Row] = []
    errors: list[LoadError] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return rows, errors
        start = index
        try:
            document, index = decode_next(decoder, text, index)
        except ValueError as error:
            line = text.count("\n", 0, getattr(error, "pos", start)) + 1
            raw_line = text[start:].split("\n", 1)[0]
            reason = f"Invalid JSON: {getattr(error, 'msg', error.args[0])}"
            errors.append(load_error(line + skipped, 1216, reason, raw_line))
            raise LoadFailed(reason, tuple(errors)) from None
        line = text.count("\n", 0, index) + 1 + skipped
        raw_line = text[start:index]
        if not isinstance(document, (dict, list) if paths else dict):
            errors.append(load_error(line, 1216, NOT_AN_OBJECT, raw_line))
            continue
        row: Row = {}
        if paths is not None:
            names = columns or tuple(str(n) for n in range(1, len(paths.steps) + 1))
            try:
                found = paths.values(document)
            except PathNotFollowed as error:
                errors.append(load_error(line, 1216, error.reason, raw_line, names[error.index]))
                continue
            for name, value in zip(names, found, strict=True):
                text_value = None if value is NOT_FOUND else json_text(value)
                row[name] = None if text_value is None else blank(text_value, options)
        elif options.json_noshred:  # the document whole, into the one column
            row[(columns or ("1",))[0]] = json_text(document)
        elif isinstance(document, dict):  # 'auto': only an object got this far
            if options.auto_ignorecase:
                document = {str(key).lower(): value for key, value in document.items()}
            for name in columns or tuple(document):
                value = json_text(document.get(name.lower() if options.auto_ignorecase else name))
                row[name] = None if value is None else blank(value, options)
        invalid = not_utf8(line, raw_line, list(row), [value or "" for value in row.values()])
        if invalid is not None:
            errors.append(invalid)
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
