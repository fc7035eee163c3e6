"""The ``CopyOptions`` of a Redshift destination's ``CopyCommand``, as Redshift's COPY reads
them, and the rows such a COPY loads from one staged object.

The options modelled are the Redshift developer guide's data format, file compression and
data conversion parameters a Firehose stream commonly uses: the default text format
(fields split by ``|``, ``\\N`` loaded as NULL), ``DELIMITER``, ``CSV`` (with ``QUOTE``),
``JSON 'auto'`` and ``JSON 'auto ignorecase'`` (also spelt ``FORMAT [AS] ...``), ``ESCAPE``,
``GZIP``, ``BZIP2``, ``ZSTD``, ``LZOP``, ``IGNOREHEADER``, ``NULL AS``, ``EMPTYASNULL``,
``BLANKSASNULL``, ``IGNOREBLANKLINES``, ``TRIMBLANKS``, ``FILLRECORD``, ``ACCEPTINVCHARS``,
``MAXERROR``, and ``TIMEFORMAT`` / ``DATEFORMAT`` (the fake keeps every value
as text, so these change nothing it loads). Any other keyword is kept in ``unmodelled``; a
string COPY could not read (or options that contradict each other) in ``malformed``, and
every COPY with it fails.

A row is a dict of column name to value (text, or None for NULL). A line that does not load
is a load error; more load errors than ``MAXERROR`` (0 unless given) fail the whole COPY,
and the table receives nothing of it.
"""

from __future__ import annotations

import bz2
import gzip
import re
from dataclasses import dataclass, field, replace
from typing import Any

from pytest_firehose._destinations.copy_rows import (
    INVALID_UTF8,
    LoadError,
    LoadFailed,
    Row,
    read_rows,
)

#: Keywords that take no argument, and what each sets.
_FLAGS: dict[str, dict[str, Any]] = {
    "CSV": {"format": "CSV"},
    "ESCAPE": {"escape": True},
    "EMPTYASNULL": {"empty_as_null": True},
    "BLANKSASNULL": {"blanks_as_null": True},
    "IGNOREBLANKLINES": {"ignore_blank_lines": True},
    "TRIMBLANKS": {"trim_blanks": True},
    "FILLRECORD": {"fill_record": True},
    **{name: {"compression": name} for name in ("GZIP", "BZIP2", "ZSTD", "LZOP")},
}
#: Keywords that take a quoted argument (``AS`` optional before it).
_QUOTED = ("DELIMITER", "QUOTE", "NULL", "TIMEFORMAT", "DATEFORMAT", "JSON")
#: What COPY refuses beside JSON (of the keywords the fake reads).
_NOT_WITH_JSON = ("DELIMITER", "ESCAPE", "FILLRECORD", "IGNOREBLANKLINES", "NULL")
#: Keywords that take a whole number.
_NUMBERS = ("IGNOREHEADER", "MAXERROR")
#: Words an option the fake does not model may take as its argument (``COMPUPDATE OFF``).
_ARGUMENT_WORDS = ("ON", "OFF", "TRUE", "FALSE", "PRESET")
#: Each compression's magic bytes: a staged object that does not start with them is not
#: in that format (Firehose stages UNCOMPRESSED or GZIP objects only).
_MAGIC = {"GZIP": b"\x1f\x8b", "BZIP2": b"BZh", "ZSTD": b"\x28\xb5\x2f\xfd", "LZOP": b"\x89LZO"}
_OCTAL = re.compile(r"(?:\\[0-7]{3})+")
_TOKEN = re.compile(r"\s*(?:'((?:[^']|'')*)'|([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(\S))")


@dataclass(frozen=True)
class CopyOptions:
    """What a ``CopyOptions`` string asks of COPY (see the module)."""

    format: str = "TEXT"
    delimiter: str | None = None
    quote: str = '"'
    json_ignorecase: bool = False
    compression: str | None = None
    ignore_header: int = 0
    null_as: str = "\\N"
    empty_as_null: bool = False
    blanks_as_null: bool = False
    escape: bool = False
    max_error: int = 0
    ignore_blank_lines: bool = False
    trim_blanks: bool = False
    fill_record: bool = False
    #: ACCEPTINVCHARS's replacement character (None: invalid UTF-8 fails the load).
    invalid_char: str | None = None
    #: Keywords read but not modelled, in the order given.
    unmodelled: tuple[str, ...] = ()
    #: Why COPY would refuse the string (None when it reads it).
    malformed: str | None = None
    #: Keywords given, to catch repeated or contradicting ones.
    given: tuple[str, ...] = field(default=(), repr=False)


def _tokens(text: str) -> list[tuple[str, str]]:
    """``text`` as (kind, value) tokens: ``str`` (a quoted string, '' undoubled), ``word``
    (upper-cased), ``number``; raises ValueError on anything else."""
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip().removesuffix(";").rstrip()  # the API reference's examples end in one
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.group(4) is not None:
            raise ValueError(f"cannot read {text[position:].strip()[:20]!r}")
        quoted, word, number = match.group(1, 2, 3)
        if quoted is not None:
            tokens.append(("str", quoted.replace("''", "'")))
        elif word is not None:
            tokens.append(("word", word.upper()))
        else:
            tokens.append(("number", number))
        position = match.end()
    return tokens


def _delimiter(value: str) -> str:
    """A DELIMITER argument: one character or several (``|~|``); ``\\t`` is a tab, and
    ``\\ddd`` an octal UTF-8 code unit."""

    def units(match: re.Match[str]) -> str:
        return bytes(int(unit, 8) for unit in match.group(0).split("\\")[1:]).decode(
            "utf-8", "replace"
        )

    value = _OCTAL.sub(units, value.replace("\\t", "\t"))
    if not value or "\n" in value:
        raise ValueError(f"DELIMITER {value!r} cannot separate fields")
    return value


def parse_copy_options(text: str | None) -> CopyOptions:
    """The options ``text`` (a ``CopyCommand.CopyOptions``) gives; never raises: what COPY
    could not read is in ``malformed``."""
    options = CopyOptions()
    if not text or not text.strip():
        return options
    try:
        tokens = _tokens(text)
        options = _read(tokens)
        _check(options)
    except ValueError as error:
        return replace(options, malformed=str(error))
    return options


def _read(tokens: list[tuple[str, str]]) -> CopyOptions:
    options = CopyOptions()
    given: list[str] = []
    unmodelled: list[str] = []
    index = 0

    def argument(kind: str, keyword: str) -> str:
        nonlocal index
        if index < len(tokens) and tokens[index] == ("word", "AS"):
            index += 1
        if index >= len(tokens) or tokens[index][0] != kind:
            wanted = "a quoted string" if kind == "str" else "a whole number"
            raise ValueError(f"{keyword} takes {wanted}")
        index += 1
        return tokens[index - 1][1]

    while index < len(tokens):
        kind, keyword = tokens[index]
        index += 1
        if kind != "word":
            raise ValueError(f"{keyword!r} is not a COPY option")
        if keyword == "FORMAT":  # FORMAT [AS] CSV | JSON ...: the format keyword follows
            if index < len(tokens) and tokens[index] == ("word", "AS"):
                index += 1
            continue
        if keyword in given:
            raise ValueError(f"{keyword} is given twice")
        given.append(keyword)
        if keyword in _FLAGS:
            options = replace(options, **_FLAGS[keyword])
        elif keyword == "ACCEPTINVCHARS":  # ACCEPTINVCHARS [AS] ['c']: '?' by default
            if index < len(tokens) and tokens[index] == ("word", "AS"):
                index += 1
            char = "?"
            if index < len(tokens) and tokens[index][0] == "str":
                char = tokens[index][1]
                index += 1
            if len(char) != 1 or not char.isascii():
                raise ValueError(f"ACCEPTINVCHARS takes one ASCII character, not {char!r}")
            options = replace(options, invalid_char=char)
        elif keyword in _QUOTED:
            value = argument("str", keyword)
            options = _quoted(options, keyword, value)
        elif keyword in _NUMBERS:
            number = int(argument("number", keyword))
            if keyword == "IGNOREHEADER":
                options = replace(options, ignore_header=number)
            else:
                options = replace(options, max_error=number)
        else:
            unmodelled.append(keyword)
            if index < len(tokens) and tokens[index] == ("word", "AS"):
                index += 1
            if index < len(tokens) and (
                tokens[index][0] in ("str", "number") or tokens[index][1] in _ARGUMENT_WORDS
            ):
                index += 1
    return replace(options, unmodelled=tuple(unmodelled), given=tuple(given))


def _quoted(options: CopyOptions, keyword: str, value: str) -> CopyOptions:
    if keyword == "DELIMITER":
        return replace(options, delimiter=_delimiter(value))
    if keyword == "QUOTE":
        if len(value) != 1:
            raise ValueError(f"QUOTE must be a single character, not {value!r}")
        return replace(options, quote=value)
    if keyword == "NULL":
        return replace(options, null_as=value)
    if keyword == "JSON":
        mode = " ".join(value.lower().split())
        if mode not in ("auto", "auto ignorecase"):
            raise ValueError(
                f"JSON {value!r}: only 'auto' and 'auto ignorecase' are modelled "
                "(a JSONPaths file is not)"
            )
        return replace(options, format="JSON", json_ignorecase=mode == "auto ignorecase")
    return options  # TIMEFORMAT, DATEFORMAT: every value is kept as text


def _check(options: CopyOptions) -> None:
    """Raise ValueError for options COPY refuses together."""
    given = set(options.given)
    if {"CSV", "JSON"} <= given:
        raise ValueError("CSV and JSON are both given")
    if len(given & set(_MAGIC)) > 1:
        raise ValueError("more than one compression is given")
    if "ESCAPE" in given and "CSV" in given:
        raise ValueError("ESCAPE cannot be used with CSV")
    if "QUOTE" in given and "CSV" not in given:
        raise ValueError("QUOTE can be used only with CSV")
    if "JSON" in given and given & set(_NOT_WITH_JSON):
        raise ValueError(
            "JSON cannot be used with DELIMITER, ESCAPE, FILLRECORD, IGNOREBLANKLINES or NULL AS"
        )


def table_columns(text: str | None) -> tuple[str, ...] | None:
    """The column names of a ``DataTableColumns`` (comma-separated): unquoted names folded to
    lower case, as Redshift folds identifiers, double-quoted ones kept as written; None
    when it names none."""
    if not text or not text.strip():
        return None
    names = []
    for name in text.split(","):
        name = name.strip()
        quoted = len(name) >= 2 and name[0] == name[-1] == '"'
        names.append(name[1:-1] if quoted else name.lower())
    return tuple(names)


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
    body: bytes, options: CopyOptions, columns: tuple[str, ...] | None
) -> tuple[list[Row], list[LoadError]]:
    """The rows COPY loads from a staged object of ``body`` into ``columns`` (None: the
    fields by position, named ``"1"``, ``"2"`` ..., or a JSON object's keys), and the load
    errors of the lines it left out (at most ``MAXERROR`` of them). Raises
    :class:`LoadFailed` when the COPY fails as a whole, with its load errors."""
    if options.malformed is not None:
        raise LoadFailed(f"the COPY command cannot be run: {options.malformed}")
    data = _decompressed(body, options.compression)
    # Bytes that are not UTF-8 decode to lone surrogates: replaced with ACCEPTINVCHARS's
    # character, one for each byte; else the line holding them does not load.
    text = data.decode("utf-8", "surrogateescape")
    if options.invalid_char is not None:
        text = INVALID_UTF8.sub(options.invalid_char, text)
    rows, errors = read_rows(text, options, columns)
    if len(errors) > options.max_error:
        raise LoadFailed(
            f"{len(errors)} line(s) could not be loaded (MAXERROR {options.max_error})",
            tuple(errors),
        )
    return rows, errors
