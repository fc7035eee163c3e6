"""The rows Redshift's COPY reads from a staged object's text, in the format its options
(:mod:`~pytest_firehose._destinations.copy_options`) name: the default text format, CSV or
FIXEDWIDTH (JSON is :mod:`~pytest_firehose._destinations.copy_json`'s); each line it
cannot load is a :class:`LoadError`, a row of Redshift's ``STL_LOAD_ERRORS``.

Every value is kept as text: the fake does not know the table's column types, so a value a
typed column would refuse (``abc`` for an INTEGER) loads as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from pytest_firehose._destinations.copy_options import CopyOptions

#: What ``surrogateescape`` decodes a byte that is not UTF-8 to.
INVALID_UTF8 = re.compile("[\udc80-\udcff]")
#: The widths of STL_LOAD_ERRORS's text columns (its ``character(n)`` types).
_COLNAME_WIDTH, _RAW_WIDTH, _REASON_WIDTH = 127, 1024, 100
#: A row a COPY loads: column name -> value as text, None for NULL.
Row = dict[str, "str | None"]
#: A field as read: (whether it was quoted or is to be matched against NULL AS as it was
#: written, its text as written, its value).
_Field = tuple[bool, str, str]


class LoadFailed(Exception):
    """The COPY failed as a whole: the table receives none of the object's rows.
    ``errors``: the load errors it recorded (none when it failed before reading a line)."""

    def __init__(self, message: str, errors: tuple[LoadError, ...] = ()) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True, kw_only=True)
class LoadError:
    """A line COPY could not load, as Redshift records it in ``STL_LOAD_ERRORS``.

    ``filename`` is the staged object's ``s3://`` URL; ``line_number`` the line's number
    in it (1-based; for JSON, the last line of the object); ``colname`` the column whose
    field failed (empty when the line as a whole did); ``err_code`` and ``err_reason`` the
    load error (the developer guide's "Load error reference"); ``raw_line`` the line and
    ``raw_field_value`` the field as read, each character that is not ASCII replaced with a
    period; ``starttime`` when the COPY started (fake time). Text is cut to the table's
    column widths (127, 1,024 and 100 characters). A COPY that is retried records its
    errors again, as each COPY does.
    """

    filename: str = ""
    line_number: int
    colname: str = ""
    err_code: int
    err_reason: str
    raw_line: str = ""
    raw_field_value: str = ""
    starttime: datetime | None = None

    def __str__(self) -> str:
        column = f" column {self.colname!r}" if self.colname else ""
        return (
            f"{self.filename} line {self.line_number}{column}: {self.err_code} "
            f"{self.err_reason} (raw line {self.raw_line!r})"
        )


def _raw(text: str) -> str:
    """``text`` as STL_LOAD_ERRORS shows raw data: each character that is not ASCII (and
    each byte that is not UTF-8) a period, cut to 1,024 characters."""
    return "".join(char if char.isascii() else "." for char in text[:_RAW_WIDTH])


def load_error(
    line: int, code: int, reason: str, raw_line: str, colname: str = "", field: str = ""
) -> LoadError:
    return LoadError(
        line_number=line,
        colname=colname[:_COLNAME_WIDTH],
        err_code=code,
        err_reason=reason[:_REASON_WIDTH],
        raw_line=_raw(raw_line),
        raw_field_value=_raw(field),
    )


def _utf8_fault(data: bytes) -> tuple[bytes, int] | None:
    """The first byte sequence of ``data`` that is not UTF-8 and the number the developer
    guide's "Multibyte character load errors" gives its kind (None when all of it is)."""
    index = 0
    while index < len(data):
        lead = data[index]
        if lead < 0x80:
            index += 1
            continue
        if lead < 0xC0 or lead > 0xFD:  # a continuation byte, 0xFE or 0xFF: no start byte
            return data[index : index + 1], 3
        length = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4 if lead < 0xF8 else 5
        length += lead >= 0xFC
        sequence = data[index : index + length]
        for position, byte in enumerate(sequence[1:], 1):
            if not 0x80 <= byte <= 0xBF:
                return sequence[: position + 1], 4
        if length > 4:
            return sequence, 1
        if len(sequence) < length:
            return sequence, 2
        point = lead & (0xFF >> (length + 1))
        for byte in sequence[1:]:
            point = point << 6 | byte & 0x3F
        if point < (0x80, 0x800, 0x10000)[length - 2]:  # overlong: not its code point
            return sequence, 9
        if 0xD800 <= point <= 0xDFFF:
            return sequence, 5
        if point > 0x10FFFF:
            return sequence, 8
        index += length
    return None


def not_utf8(
    line: int, raw_line: str, names: Iterable[str], written: Iterable[str]
) -> LoadError | None:
    """Load error 1220 for the first field (as written, under its column's name) that holds
    a byte that is not UTF-8; None when none does."""
    for name, text in zip(names, written, strict=False):
        if INVALID_UTF8.search(text):
            fault = _utf8_fault(text.encode("utf-8", "surrogateescape"))
            sequence, number = fault if fault is not None else (b"", 3)
            reason = (
                "String contains invalid or unsupported UTF8 codepoints. Bad UTF8 hex "
                f"sequence: {sequence.hex(' ')} (error {number})"
            )
            return load_error(line, 1220, reason, raw_line, name, text)
    return None


def skip_header(text: str, lines: int) -> tuple[str, int]:
    """``text`` without its first ``lines`` lines (IGNOREHEADER), and how many it had."""
    skipped = 0
    for _ in range(lines):
        end = text.find("\n")
        if end < 0:
            return "", skipped
        text, skipped = text[end + 1 :], skipped + 1
    return text, skipped


def read_rows(
    text: str, options: CopyOptions, columns: tuple[str, ...] | None, skipped: int = 0
) -> tuple[list[Row], list[LoadError]]:
    """The rows of ``text`` in the text, CSV or fixed-width format and the lines that did
    not load (``skipped``: the header lines before ``text``; JSON is
    :mod:`~pytest_firehose._destinations.copy_json`'s)."""
    records: Iterable[tuple[int, list[_Field] | LoadError]]
    if options.fixed_widths is not None:
        records = _fixed_records(
            text, options.fixed_widths, options.fill_record, options.invalid_char
        )
    elif options.format == "CSV":
        records = _csv_records(text, options.delimiter or ",", options.quote)
    else:
        records = _text_records(
            text, options.delimiter or "|", options.escape, options.remove_quotes
        )
    lines = text.split("\n")
    rows: list[Row] = []
    errors: list[LoadError] = []
    for first, fields in records:
        line, raw_line = first + skipped, lines[first - 1]
        if isinstance(fields, LoadError):
            errors.append(load_error(line, fields.err_code, fields.err_reason, raw_line))
            continue
        if options.ignore_blank_lines and fields == [(True, "", "")]:
            continue
        width = len(fields) if options.fixed_widths is None else len(options.fixed_widths)
        names = columns or tuple(str(position) for position in range(1, width + 1))
        values = [_value(field, options) for field in fields]
        if options.fill_record:  # missing columns at the end of a record: NULL
            values += [None] * (len(names) - len(values))
        written = [field[1] for field in fields]
        invalid = not_utf8(line, raw_line, names, written)
        if invalid is not None:
            errors.append(invalid)
        elif len(values) > len(names):
            at = len(names) - 1  # the last column's field was followed by more
            errors.append(
                load_error(line, 1202, "Extra column(s) found", raw_line, names[at], written[at])
            )
        elif len(values) < len(names):
            at = len(fields) - 1  # no delimiter after the last field the line has
            errors.append(
                load_error(line, 1214, "Delimiter not found", raw_line, names[at], written[at])
            )
        else:
            rows.append(dict(zip(names, values, strict=True)))
    return rows, errors


def _value(field: _Field, options: CopyOptions) -> str | None:
    matchable, written, value = field
    if matchable and written == options.null_as:
        return None
    return blank(value, options)


def blank(value: str, options: CopyOptions) -> str | None:
    """``value`` (its trailing white space removed with TRIMBLANKS), or None when
    EMPTYASNULL or BLANKSASNULL make it NULL."""
    if options.trim_blanks:
        value = value.rstrip()
    if value == "" and options.empty_as_null:
        return None
    if value and not value.strip() and options.blanks_as_null:
        return None
    return value


def _text_records(
    text: str, delimiter: str, escape: bool, remove_quotes: bool = False
) -> Iterator[tuple[int, list[_Field] | LoadError]]:
    """Each line of ``text`` (its number, its fields): fields split at ``delimiter``; with
    ESCAPE, a backslash makes the character after it (a delimiter, a newline, a backslash)
    part of the value. With REMOVEQUOTES, a field that starts with ``"`` or ``'`` ends at
    the same quote followed by a delimiter or the line's end: the quotes are removed, and
    what is between them is kept (delimiters too); a line where no such quote closes the
    field does not load, and a quoted field is never NULL AS."""
    line = first = 1
    fields: list[_Field] = []
    written: list[str] = []
    value: list[str] = []
    quote: str | None = None  # the quote an open REMOVEQUOTES field started with
    quoted = False
    # Where an unquoted field's run of ordinary characters ends: a newline, the delimiter,
    # a backslash with ESCAPE.
    ends_run = re.compile("|".join(map(re.escape, ["\n", delimiter, *(["\\"] if escape else [])])))
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
        elif quote is not None and char != "\n":
            written.append(char)
            ends = index == len(text) or text[index] == "\n" or text.startswith(delimiter, index)
            if char == quote and ends:
                quote = None
            else:
                value.append(char)
        elif quote is not None:  # the line ends inside the quotes
            yield first, _unterminated(first)
            fields, written, value, quote, quoted = [], [], [], None, False
            line += 1
            first = line
        elif remove_quotes and char in "\"'" and not written:
            written.append(char)
            quote, quoted = char, True
        elif char == "\n" or text.startswith(delimiter, index - 1):
            index += len(delimiter) - 1 if char != "\n" else 0
            fields.append((not quoted, "".join(written), "".join(value)))
            written, value, quoted = [], [], False
            if char == "\n":
                yield first, fields
                fields = []
                line += 1
                first = line
        else:  # this character and the ordinary ones after it, as one piece
            stop = ends_run.search(text, index)
            end = len(text) if stop is None else stop.start()
            written.append(text[index - 1 : end])
            value.append(text[index - 1 : end])
            index = end
    if quote is not None:
        yield first, _unterminated(first)
    elif fields or written:  # the last line, without its newline
        fields.append((not quoted, "".join(written), "".join(value)))
        yield first, fields


def _unterminated(line: int) -> LoadError:
    """A REMOVEQUOTES field whose quote is not closed (the developer guide: the line is not
    loaded)."""
    return LoadError(line_number=line, err_code=1216, err_reason="Unterminated quoted string")


def _fixed_records(
    text: str, widths: tuple[int, ...], fill_record: bool, invalid_char: str | None
) -> Iterator[tuple[int, list[_Field] | LoadError]]:
    """Each line of ``text`` (its number, its fields): FIXEDWIDTH's fields, each ``width``
    bytes of the line's UTF-8 in turn (a character cut in two is bytes that are not UTF-8,
    which ACCEPTINVCHARS replaces);
    a line shorter than the widths does not load (with FILLRECORD, the fields it lacks are
    NULL), nor one longer."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        data = line.encode("utf-8", "surrogateescape")
        fields: list[_Field] = []
        start = 0
        for width in widths:
            if start >= len(data):
                break
            field = data[start : start + width].decode("utf-8", "surrogateescape")
            if invalid_char is not None:
                field = INVALID_UTF8.sub(invalid_char, field)
            fields.append((True, field, field))
            start += width
        short = start > len(data) or len(fields) < len(widths)
        if short and not (fill_record and fields):
            yield number, LoadError(line_number=number, err_code=1214, err_reason="Line too short")
            continue
        if start < len(data):
            yield number, LoadError(line_number=number, err_code=1216, err_reason="Line too long")
            continue
        yield number, fields


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
    # Where a run of characters that are only ever part of the value ends: outside the
    # quotes a newline, the delimiter or a quote; inside them a quote.
    ends_run = re.compile("|".join(map(re.escape, ["\n", delimiter, quote])))
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
            else:  # this character and those up to the next quote, as one piece
                end = text.find(quote, index)
                end = len(text) if end < 0 else end
                piece = text[index - 1 : end]
                value.append(piece)
                line += piece.count("\n")
                index = end
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
        else:  # this character and the ordinary ones after it, as one piece
            stop = ends_run.search(text, index)
            end = len(text) if stop is None else stop.start()
            piece = text[index - 1 : end]
            if quoted:  # after the closing quote: white space ignored
                piece = "".join(c for c in piece if not c.isspace())
            value.append(piece)
            index = end
    if in_quotes:
        yield (
            first,
            LoadError(
                line_number=first,
                err_code=1216,
                err_reason="Unterminated quoted field at the end of the file",
            ),
        )
    elif fields or value or quoted:
        text_value = "".join(value)
        fields.append((not quoted, text_value, text_value))
        yield first, fields
