"""The ``CopyOptions`` of a Redshift destination's ``CopyCommand``, as Redshift's COPY reads
them (the rows such a COPY loads from one staged object: :mod:`copy_load`).

The options modelled are the Redshift developer guide's data format, file compression, data
conversion and data load parameters: the default text format (fields split by ``|``, ``\\N``
loaded as NULL), ``DELIMITER``, ``CSV`` (with ``QUOTE``), ``FIXEDWIDTH``, ``JSON 'auto'``,
``JSON 'auto ignorecase'``, ``JSON 'noshred'``, ``AVRO 'auto'`` and ``AVRO 'auto
ignorecase'`` (also spelt ``FORMAT [AS] ...``; AVRO needs fastavro, the ``avro`` extra),
``ESCAPE``, ``REMOVEQUOTES``, ``GZIP``, ``BZIP2``, ``ZSTD``, ``LZOP``, ``IGNOREHEADER``,
``NULL AS``, ``EMPTYASNULL``, ``BLANKSASNULL``, ``IGNOREBLANKLINES``, ``TRIMBLANKS``,
``FILLRECORD``, ``ACCEPTINVCHARS``, ``MAXERROR``, ``IGNOREALLERRORS`` and ``NOLOAD``, and
``JSON 's3://bucket/key'`` or ``AVRO 's3://bucket/key'``, whose JSONPaths file
(:mod:`~pytest_firehose._destinations.copy_jsonpaths`) is read at each COPY. Those
that change nothing the fake's rows show are read and accepted: ``TIMEFORMAT``,
``DATEFORMAT``, ``ACCEPTANYDATE``, ``ROUNDEC``, ``TRUNCATECOLUMNS`` and ``EXPLICIT_IDS``
(they concern typed columns, and the fake keeps every value as text), ``COMPUPDATE``,
``STATUPDATE`` and ``COMPROWS`` (the table's encodings and statistics) and ``REGION``.
``ENCODING`` names the staged objects' encoding (:mod:`copy_encoding` converts them).
Another keyword is kept in ``unmodelled``; a string COPY could not read, options that
contradict each other, or one Firehose's own COPY cannot run with (it gives ``MANIFEST`` and
the credentials itself, and stages the records as sent) in ``malformed``, and every COPY
with it fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from pytest_firehose._destinations.copy_avro import AVRO_EXTRA
from pytest_firehose._destinations.copy_avro import available as avro_available

#: The compressions COPY reads (Firehose stages UNCOMPRESSED or GZIP objects only).
COMPRESSIONS = ("GZIP", "BZIP2", "ZSTD", "LZOP")
#: Keywords that take no argument, and what each sets.
_FLAGS: dict[str, dict[str, Any]] = {
    "CSV": {"format": "CSV"},
    "ESCAPE": {"escape": True},
    "REMOVEQUOTES": {"remove_quotes": True},
    "NOLOAD": {"no_load": True},
    "IGNOREALLERRORS": {"ignore_all_errors": True},
    "EMPTYASNULL": {"empty_as_null": True},
    "BLANKSASNULL": {"blanks_as_null": True},
    "IGNOREBLANKLINES": {"ignore_blank_lines": True},
    "TRIMBLANKS": {"trim_blanks": True},
    "FILLRECORD": {"fill_record": True},
    **{name: {"compression": name} for name in COMPRESSIONS},
}
#: Keywords that take a quoted argument (``AS`` optional before it).
_QUOTED = (
    "DELIMITER",
    "QUOTE",
    "NULL",
    "TIMEFORMAT",
    "DATEFORMAT",
    "JSON",
    "AVRO",
    "FIXEDWIDTH",
    "REGION",
)
#: What COPY refuses beside JSON (of the keywords the fake reads), and beside AVRO.
_NOT_WITH_JSON = (
    "DELIMITER",
    "ESCAPE",
    "FILLRECORD",
    "FIXEDWIDTH",
    "IGNOREBLANKLINES",
    "NULL",
    "REMOVEQUOTES",
)
#: Keywords that take a whole number.
_NUMBERS = ("IGNOREHEADER", "MAXERROR", "COMPROWS")
#: Keywords that change nothing the fake's rows show, taking no argument: they concern
#: typed columns (the fake keeps every value as text) or IDENTITY columns (it knows no
#: table's definition).
_HARMLESS = ("ACCEPTANYDATE", "ROUNDEC", "TRUNCATECOLUMNS", "EXPLICIT_IDS")
#: Keywords that change nothing the fake's rows show (the table's compression encodings and
#: statistics), with the words each may take after it.
_SWITCHES = {
    "COMPUPDATE": ("PRESET", "ON", "TRUE", "OFF", "FALSE"),
    "STATUPDATE": ("ON", "TRUE", "OFF", "FALSE"),
}
#: Keywords Firehose's own COPY cannot take, and why every COPY with one fails. Firehose
#: issues ``COPY table (columns) FROM 's3://bucket/<manifest>' CREDENTIALS '...' MANIFEST``
#: followed by the options: it names its own credentials and manifest, and the objects it
#: stages are the records as sent, in S3, not encrypted on the client.
_FIREHOSE_GIVES = "Firehose's COPY gives its own credentials"
_REFUSED = {
    "MANIFEST": "Firehose's COPY gives MANIFEST itself, to load from the manifest it writes",
    "CREDENTIALS": _FIREHOSE_GIVES,
    "IAM_ROLE": _FIREHOSE_GIVES,
    "ACCESS_KEY_ID": _FIREHOSE_GIVES,
    "SECRET_ACCESS_KEY": _FIREHOSE_GIVES,
    "SESSION_TOKEN": _FIREHOSE_GIVES,
    "ENCRYPTED": "the staged objects are not encrypted on the client",
    "MASTER_SYMMETRIC_KEY": "the staged objects are not encrypted on the client",
    "SSH": "Firehose's manifest names objects in S3, not hosts to reach over SSH",
    "READRATIO": "it is for a COPY from DynamoDB; Firehose's COPY reads S3",
    "PARQUET": "the staged objects are the records as sent, not Parquet files",
    "ORC": "the staged objects are the records as sent, not ORC files",
    "SERIALIZETOJSON": "it is for PARQUET or ORC, which the staged objects are not",
    "SHAPEFILE": "the staged objects are the records as sent, not shapefiles",
    "SIMPLIFY": "it is for SHAPEFILE, which the staged objects are not",
}
#: The encodings ``ENCODING`` names (UTF8 is COPY's default).
_ENCODINGS = ("UTF8", "UTF16", "UTF16LE", "UTF16BE")
#: Words an option the fake does not model may take as its argument (``COMPUPDATE OFF``).
_ARGUMENT_WORDS = ("ON", "OFF", "TRUE", "FALSE", "PRESET")
_OCTAL = re.compile(r"(?:\\[0-7]{3})+")
_TOKEN = re.compile(r"\s*(?:'((?:[^']|'')*)'|([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(\S))")


@dataclass(frozen=True)
class CopyOptions:
    """What a ``CopyOptions`` string asks of COPY (see the module)."""

    format: str = "TEXT"
    delimiter: str | None = None
    quote: str = '"'
    #: ``'auto ignorecase'`` (JSON or AVRO): names matched to columns ignoring case.
    auto_ignorecase: bool = False
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
    remove_quotes: bool = False
    #: FIXEDWIDTH's widths in bytes, one for each field (None: not fixed width).
    fixed_widths: tuple[int, ...] | None = None
    #: JSON 'noshred': each JSON document loads whole, into one column.
    json_noshred: bool = False
    #: NOLOAD: the COPY checks the data and loads none of it.
    no_load: bool = False
    #: IGNOREALLERRORS: no number of load errors fails the COPY.
    ignore_all_errors: bool = False
    #: ENCODING: the staged objects' encoding (``UTF8``, ``UTF16``, ``UTF16LE``, ``UTF16BE``).
    encoding: str = "UTF8"
    #: ACCEPTINVCHARS's replacement character (None: invalid UTF-8 fails the load).
    invalid_char: str | None = None
    #: Keywords read but not modelled, in the order given.
    unmodelled: tuple[str, ...] = ()
    #: The ``s3://`` URL of the JSONPaths file JSON or AVRO names (None: none).
    jsonpaths: str | None = None
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
    if options.format == "AVRO" and not avro_available():
        return replace(
            options, malformed=f"AVRO is read with fastavro, which is not installed: {AVRO_EXTRA}"
        )
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

    def word(choices: tuple[str, ...]) -> str | None:
        """The word of ``choices`` that comes next (skipped), or None."""
        nonlocal index
        if index < len(tokens) and tokens[index][0] == "word" and tokens[index][1] in choices:
            index += 1
            return tokens[index - 1][1]
        return None

    while index < len(tokens):
        kind, keyword = tokens[index]
        index += 1
        if kind != "word":
            raise ValueError(f"{keyword!r} is not a COPY option")
        if keyword == "FORMAT":  # FORMAT [AS] CSV | JSON ...: the format keyword follows
            word(("AS",))
            continue
        if keyword == "WITH" and index < len(tokens) and tokens[index] == ("word", "CREDENTIALS"):
            continue  # WITH CREDENTIALS: refused as CREDENTIALS
        if keyword in _REFUSED:
            raise ValueError(f"{keyword} cannot be given: {_REFUSED[keyword]}")
        if keyword in given:
            raise ValueError(f"{keyword} is given twice")
        given.append(keyword)
        if keyword in _FLAGS:
            options = replace(options, **_FLAGS[keyword])
        elif keyword in _HARMLESS:
            pass
        elif keyword in _SWITCHES:
            word(_SWITCHES[keyword])
        elif keyword == "ENCODING":
            word(("AS",))
            encoding = word(_ENCODINGS)
            if encoding is None:
                raise ValueError(f"ENCODING takes one of {', '.join(_ENCODINGS)}")
            options = replace(options, encoding=encoding)
        elif keyword == "ACCEPTINVCHARS":  # ACCEPTINVCHARS [AS] ['c']: '?' by default
            word(("AS",))
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
            elif keyword == "MAXERROR":
                options = replace(options, max_error=number)
            elif not 1000 <= number <= 2_147_483_647:
                raise ValueError(f"COMPROWS takes 1000 to 2147483647, not {number}")
        else:
            unmodelled.append(keyword)
            word(("AS",))
            if index < len(tokens) and (
                tokens[index][0] in ("str", "number") or tokens[index][1] in _ARGUMENT_WORDS
            ):
                index += 1
    if options.fixed_widths is not None:  # read by the fake as fixed-width fields only
        unmodelled += [
            f"{name} with FIXEDWIDTH" for name in ("ESCAPE", "REMOVEQUOTES") if name in given
        ]
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
    if keyword in ("JSON", "AVRO"):
        mode = " ".join(value.lower().split())
        if value.startswith("s3://"):  # a JSONPaths file: one object's URL
            bucket, _, key = value[len("s3://") :].partition("/")
            if not bucket or not key:
                raise ValueError(
                    f"{keyword} {value!r} names no object: a JSONPaths file is given as the "
                    "URL of one object, 's3://bucket/key'"
                )
            return replace(options, format=keyword, jsonpaths=value)
        modes = ("auto", "auto ignorecase", "noshred")[: 3 if keyword == "JSON" else 2]
        if mode not in modes:
            raise ValueError(
                f"{keyword} {value!r}: {keyword} takes {', '.join(map(repr, modes))} or the "
                "s3:// URL of a JSONPaths file"
            )
        return replace(
            options,
            format=keyword,
            auto_ignorecase=mode == "auto ignorecase",
            json_noshred=mode == "noshred",
        )
    if keyword == "FIXEDWIDTH":
        return replace(options, fixed_widths=_widths(value))
    return options  # TIMEFORMAT, DATEFORMAT, REGION: nothing the fake's rows show


def _widths(spec: str) -> tuple[int, ...]:
    """FIXEDWIDTH's ``'label:width,label:width'``: the widths, in order (the labels name
    nothing: the fields load into the columns in order)."""
    widths = []
    for pair in spec.split(","):
        label, colon, width = pair.strip().rpartition(":")
        if not colon or not label.strip() or not width.strip().isdigit() or int(width) == 0:
            raise ValueError(
                f"FIXEDWIDTH {spec!r}: each field is 'label:width', the width a whole number "
                "of bytes above 0"
            )
        widths.append(int(width))
    return tuple(widths)


def _check(options: CopyOptions) -> None:
    """Raise ValueError for options COPY refuses together."""
    given = set(options.given)
    formats = [name for name in ("CSV", "JSON", "AVRO") if name in given]
    if len(formats) > 1:
        raise ValueError(f"{' and '.join(formats)} are given: COPY reads one data format")
    if len(given & set(COMPRESSIONS)) > 1:
        raise ValueError("more than one compression is given")
    if "ESCAPE" in given and "CSV" in given:
        raise ValueError("ESCAPE cannot be used with CSV")
    if "QUOTE" in given and "CSV" not in given:
        raise ValueError("QUOTE can be used only with CSV")
    for structured in ("JSON", "AVRO"):
        if structured in given and given & set(_NOT_WITH_JSON):
            raise ValueError(
                f"{structured} cannot be used with DELIMITER, ESCAPE, FILLRECORD, FIXEDWIDTH, "
                "IGNOREBLANKLINES, NULL AS or REMOVEQUOTES"
            )
    if "AVRO" in given and options.encoding != "UTF8":  # Avro files are binary
        raise ValueError(f"AVRO cannot be used with ENCODING {options.encoding}")
    if "AVRO" in given and options.ignore_header:  # an Avro file has no lines to skip
        raise ValueError("AVRO cannot be used with IGNOREHEADER")
    if "REMOVEQUOTES" in given and "CSV" in given:
        raise ValueError("REMOVEQUOTES cannot be used with CSV")
    if "FIXEDWIDTH" in given and given & {"CSV", "DELIMITER"}:
        raise ValueError("FIXEDWIDTH cannot be used with CSV or DELIMITER")
    if "FIXEDWIDTH" in given and options.encoding != "UTF8":  # fixed-width data is UTF-8
        raise ValueError(f"FIXEDWIDTH cannot be used with ENCODING {options.encoding}")
    if {"IGNOREALLERRORS", "MAXERROR"} <= given:
        raise ValueError("IGNOREALLERRORS cannot be used with MAXERROR")


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
