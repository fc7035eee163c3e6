"""How record format conversion reads JSON into a Glue table's columns and writes Parquet and
ORC: the Hive types, the two deserializers' key and timestamp rules, the errors of records
that do not convert, and files a standard reader (pyarrow) reads back."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
import pyarrow.orc as orc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pytest_firehose._destinations.conversion import (  # noqa: E402
    MALFORMED_DATA,
    PARSE_ERROR,
    Converter,
    GlueTable,
    Unconvertible,
    documents,
)
from pytest_firehose._destinations.hive_type_names import UnknownType, column_type  # noqa: E402

OPENX = {"OpenXJsonSerDe": {}}
PARQUET = {"ParquetSerDe": {}}


def converter(
    columns: dict[str, str], deserializer: Any = None, serializer: Any = None
) -> Converter:
    config = {
        "InputFormatConfiguration": {"Deserializer": deserializer or OPENX},
        "OutputFormatConfiguration": {"Serializer": serializer or PARQUET},
    }
    return Converter(config, GlueTable("db", "t", tuple(columns.items())))


def failure(convert: Converter, data: bytes) -> tuple[str, str]:
    with pytest.raises(Unconvertible) as caught:
        convert.rows(data)
    return caught.value.code, caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("string", pa.string()),
        ("VARCHAR(20)", pa.string()),
        ("char(3)", pa.string()),
        ("tinyint", pa.int8()),
        ("smallint", pa.int16()),
        ("int", pa.int32()),
        ("bigint", pa.int64()),
        ("double", pa.float64()),
        ("float", pa.float32()),
        ("boolean", pa.bool_()),
        ("timestamp", pa.timestamp("ms")),
        ("date", pa.date32()),
        ("decimal", pa.decimal128(10, 0)),
        ("decimal(12, 3)", pa.decimal128(12, 3)),
        ("binary", pa.binary()),
        ("array<bigint>", pa.list_(pa.int64())),
        ("map<string,array<int>>", pa.map_(pa.string(), pa.list_(pa.int32()))),
        (
            "struct<City:string, geo:struct<lat:double,lon:double>>",
            pa.struct(
                [
                    pa.field("city", pa.string()),
                    pa.field("geo", pa.struct([("lat", pa.float64()), ("lon", pa.float64())])),
                ]
            ),
        ),
    ],
)
def test_hive_types_map_to_columns(text: str, expected: Any) -> None:
    assert column_type(text) == expected


@pytest.mark.parametrize(
    "text", ["uniontype<int,string>", "array<int", "struct<>", "decimal(40,2)", "map<int>", ""]
)
def test_types_it_does_not_read_are_refused(text: str) -> None:
    with pytest.raises(UnknownType):
        column_type(text)


def test_a_record_may_hold_several_objects_but_not_an_array() -> None:
    assert documents(b'{"a": 1}{"a": 2}\n {"a": 3}\n') == [{"a": 1}, {"a": 2}, {"a": 3}]
    convert = converter({"a": "int"})
    assert failure(convert, b"  \n") == (
        MALFORMED_DATA,
        "The record was empty or contained only whitespace.",
    )
    code, message = failure(convert, b'[{"a": 1}, {"a": 2}]')
    assert code == PARSE_ERROR
    assert "not a list" in message


@pytest.mark.parametrize("data", [b"not json", b'{"a": 1', b'{"a": NaN}', b"\xff\xfe", b'"text"'])
def test_data_that_is_not_json_objects_is_a_parse_error(data: bytes) -> None:
    code, message = failure(converter({"a": "int"}), data)
    assert code == PARSE_ERROR
    assert message.startswith("Encountered malformed JSON")


def test_openx_matches_keys_ignoring_case_and_leaves_missing_columns_null() -> None:
    convert = converter({"Id": "bigint", "page": "string", "extra": "string"})
    assert convert.rows(b'{"ID": 7, "Page": "/a", "unknown": true}') == [
        {"id": 7, "page": "/a", "extra": None}
    ]


def test_openx_options_case_dots_and_mappings() -> None:
    sensitive = converter({"id": "int"}, {"OpenXJsonSerDe": {"CaseInsensitive": False}})
    assert sensitive.rows(b'{"ID": 1}') == [{"id": None}]
    dotted = converter(
        {"user_id": "int"}, {"OpenXJsonSerDe": {"ConvertDotsInJsonKeysToUnderscores": True}}
    )
    assert dotted.rows(b'{"user.id": 4}') == [{"user_id": 4}]
    mapped = converter(
        {"ts": "string"}, {"OpenXJsonSerDe": {"ColumnToJsonKeyMappings": {"ts": "timestamp"}}}
    )
    assert mapped.rows(b'{"Timestamp": "x"}') == [{"ts": "x"}]


def test_values_are_read_into_their_column_types() -> None:
    convert = converter(
        {
            "n": "int",
            "s": "string",
            "f": "double",
            "b": "boolean",
            "d": "date",
            "m": "decimal(6,2)",
            "tags": "array<string>",
            "attrs": "map<string,int>",
            "geo": "struct<city:string,lat:double>",
        }
    )
    (row,) = convert.rows(
        b'{"n": "42", "s": 3.5, "f": "1.25", "b": "TRUE", "d": "2026-12-02", "m": 9.5,'
        b' "tags": ["a", 1], "attrs": {"K": 2}, "geo": {"City": "Oslo", "lat": 59}}'
    )
    assert row == {
        "n": 42,
        "s": "3.5",
        "f": 1.25,
        "b": True,
        "d": date(2026, 12, 2),
        "m": Decimal("9.50"),
        "tags": ["a", "1"],
        "attrs": [("k", 2)],  # OpenX keeps keys lower-cased
        "geo": {"city": "Oslo", "lat": 59.0},
    }


@pytest.mark.parametrize(
    ("column", "data"),
    [
        ("int", b'{"v": "seven"}'),
        ("int", b'{"v": 2.5}'),
        ("int", b'{"v": 4294967296}'),
        ("tinyint", b'{"v": 128}'),
        ("boolean", b'{"v": {"a": 1}}'),
        ("int", b'{"v": " 42"}'),
        ("double", b'{"v": true}'),
        ("date", b'{"v": true}'),
        ("decimal(4,2)", b'{"v": true}'),
        ("array<int>", b'{"v": {"a": 1}}'),
        ("struct<a:int>", b'{"v": 1}'),
        ("map<string,int>", b'{"v": "x"}'),
        ("timestamp", b'{"v": "yesterday"}'),
        ("double", b'{"v": 1%s}' % (b"0" * 400)),
        ("timestamp", b'{"v": 1%s}' % (b"0" * 400)),
    ],
)
def test_a_value_that_does_not_fit_is_malformed_data(column: str, data: bytes) -> None:
    code, message = failure(converter({"v": column}), data)
    assert code == MALFORMED_DATA
    assert message.startswith(f"The value of column 'v' ({column})")


def test_openx_writes_a_boolean_or_number_given_to_a_string_column_as_its_text() -> None:
    convert = converter({"a": "string", "b": "string", "n": "string"})
    assert convert.rows(b'{"a": true, "b": false, "n": 1.50}') == [
        {"a": "true", "b": "false", "n": "1.50"}
    ]


@pytest.mark.parametrize(
    ("column", "kind", "low", "high"),
    [
        ("tinyint", "int8", -128, 127),
        ("smallint", "int16", -(2**15), 2**15 - 1),
        ("int", "int32", -(2**31), 2**31 - 1),
        ("bigint", "int64", -(2**63), 2**63 - 1),
    ],
)
def test_openx_integer_columns_hold_their_types_range_and_no_more(
    column: str, kind: str, low: int, high: int
) -> None:
    convert = converter({"v": column})
    assert convert.rows(b'{"v": %d}{"v": "%d"}' % (low, high)) == [{"v": low}, {"v": high}]
    for outside in (low - 1, high + 1):
        assert failure(convert, b'{"v": %d}' % outside) == (
            MALFORMED_DATA,
            f"The value of column 'v' ({column}) could not be read: {outside} does not fit {kind}",
        )


def test_openx_reads_booleans_and_integers_from_text_as_java_parses_them() -> None:
    convert = converter({"b": "boolean", "n": "int"})
    data = (
        b'{"b": "yes", "n": "0x1F"}{"b": " true", "n": "+5"}{"b": 1, "n": 7}'
        b'{"b": "TRUE", "n": -8}{"b": false}'
    )
    assert convert.rows(data) == [
        {"b": False, "n": 31},  # Boolean.parseBoolean; hexadecimal after 0x
        {"b": False, "n": 5},
        {"b": False, "n": 7},  # a number, kept as its text, is no "true"
        {"b": True, "n": -8},
        {"b": False, "n": None},
    ]
    assert failure(convert, b'{"b": [true]}') == (
        MALFORMED_DATA,
        "The value of column 'b' (boolean) could not be read: "
        "org.openx.data.jsonserde.json.JSONArray cannot be cast to java.lang.Boolean",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"2026-12-02T10:00:00.123456789Z"', datetime(2026, 12, 2, 10, 0, 0, 123456)),
        ('"2026-12-2 9:05:01"', datetime(2026, 12, 2, 9, 5, 1)),
        ("1796205600", datetime(2026, 12, 2, 10, 0)),
        ("1796205600123", datetime(2026, 12, 2, 10, 0, 0, 123000)),
        # Milliseconds from 12 digits on; 11 are still seconds.
        ("100000000000", datetime(1973, 3, 3, 9, 46, 40)),
        ("99999999999", datetime(5138, 11, 16, 9, 46, 39)),
        ("1796205600.5", datetime(2026, 12, 2, 10, 0, 0, 500000)),
        ('"1796205600"', datetime(2026, 12, 2, 10, 0)),
    ],
)
def test_openx_timestamps(value: str, expected: datetime) -> None:
    convert = converter({"ts": "timestamp"})
    assert convert.rows(b'{"ts": %s}' % value.encode()) == [{"ts": expected}]


def test_hive_timestamps_follow_the_configured_formats_then_java_sql_timestamp() -> None:
    hive = {"HiveJsonSerDe": {"TimestampFormats": ["dd/MM/yyyy HH:mm:ss.SSSZ", "millis"]}}
    convert = converter({"ts": "timestamp"}, hive)
    rows = convert.rows(
        b'{"ts": "02/12/2026 11:00:00.250+0100"}{"ts": 1796205600123}{"ts": "2026-12-02 10:00:00"}'
    )
    assert [row["ts"] for row in rows] == [
        datetime(2026, 12, 2, 10, 0, 0, 250000),
        datetime(2026, 12, 2, 10, 0, 0, 123000),
        datetime(2026, 12, 2, 10, 0),
    ]
    compact = {"HiveJsonSerDe": {"TimestampFormats": ["yyyyMMddHHmmssSSS"]}}
    assert converter({"ts": "timestamp"}, compact).rows(b'{"ts": "20261202100000123"}') == [
        {"ts": datetime(2026, 12, 2, 10, 0, 0, 123000)}
    ]
    nanos = {"HiveJsonSerDe": {"TimestampFormats": ["yyyy-MM-dd HH:mm:ss.SSSSSSSSS"]}}
    assert converter({"ts": "timestamp"}, nanos).rows(
        b'{"ts": "2026-12-02 10:00:00.123456789"}'
    ) == [{"ts": datetime(2026, 12, 2, 10, 0, 0, 123456)}]
    seven = {"HiveJsonSerDe": {"TimestampFormats": ["dd/MM/yyyy HH:mm:ss.SSSSSSS"]}}
    assert converter({"ts": "timestamp"}, seven).rows(b'{"ts": "02/12/2026 10:00:00.1234567"}') == [
        {"ts": datetime(2026, 12, 2, 10, 0, 0, 123456)}
    ]
    # Run together with the other fields, only the fraction is cut to six digits.
    for pattern, text in [
        ("yyyyMMddHHmmss.SSSSSSS", b"20261202100000.1234567"),
        ("yyyyMMddHHmmssSSSSSSSSS", b"20261202100000123456789"),
        ("yyyyMMddHHmmss.SSSSSSS", b"20261202100000.123456"),  # fewer digits than S
    ]:
        formats = {"HiveJsonSerDe": {"TimestampFormats": [pattern]}}
        assert converter({"ts": "timestamp"}, formats).rows(b'{"ts": "%s"}' % text) == [
            {"ts": datetime(2026, 12, 2, 10, 0, 0, 123456)}
        ], pattern
    # Quoted text is read as it is, '' as one quote.
    quoted = {"HiveJsonSerDe": {"TimestampFormats": ["yyyy-MM-dd'T'HH:mm:ss''"]}}
    assert converter({"ts": "timestamp"}, quoted).rows(b'{"ts": "2026-12-02T10:00:00\'"}') == [
        {"ts": datetime(2026, 12, 2, 10, 0)}
    ]
    code, _ = failure(converter({"ts": "timestamp"}, {"HiveJsonSerDe": {}}), b'{"ts": 1796205600}')
    assert code == MALFORMED_DATA


ROWS = [
    {"id": 1, "page": "/a", "ts": datetime(2026, 12, 2, 10, 0), "tags": ["x", "y"]},
    {"id": 2, "page": None, "ts": None, "tags": None},
]
COLUMNS = {"id": "bigint", "page": "string", "ts": "timestamp", "tags": "array<string>"}


@pytest.mark.parametrize(
    ("compression", "codec"), [(None, "SNAPPY"), ("GZIP", "GZIP"), ("UNCOMPRESSED", "UNCOMPRESSED")]
)
def test_parquet_files_read_back_with_the_configured_codec(compression: Any, codec: str) -> None:
    serde = {"Compression": compression} if compression else {}
    body = converter(COLUMNS, serializer={"ParquetSerDe": serde}).write(ROWS)
    assert body[:4] == b"PAR1"
    assert pq.read_table(io.BytesIO(body)).to_pylist() == ROWS
    metadata = pq.ParquetFile(io.BytesIO(body)).metadata
    assert metadata.row_group(0).column(0).compression == codec


@pytest.mark.parametrize(
    ("compression", "codec"), [(None, "SNAPPY"), ("ZLIB", "ZLIB"), ("NONE", "UNCOMPRESSED")]
)
def test_orc_files_read_back_with_the_configured_codec(compression: Any, codec: str) -> None:
    serde = {"Compression": compression} if compression else {}
    body = converter(
        COLUMNS, serializer={"OrcSerDe": {**serde, "BloomFilterColumns": ["page"]}}
    ).write(ROWS)
    assert body[:3] == b"ORC"
    orc_file = orc.ORCFile(io.BytesIO(body))
    assert orc_file.compression == codec
    assert orc_file.read().to_pylist() == ROWS


def test_parquet_pages_use_a_dictionary_unless_dictionary_compression_is_off() -> None:
    def column(serde: dict[str, Any]) -> Any:
        body = converter(COLUMNS, serializer={"ParquetSerDe": serde}).write(ROWS)
        return pq.ParquetFile(io.BytesIO(body)).metadata.row_group(0).column(1)

    assert column({}).has_dictionary_page
    assert "RLE_DICTIONARY" in column({}).encodings
    assert not column({"EnableDictionaryCompression": False}).has_dictionary_page
    assert "RLE_DICTIONARY" not in column({"EnableDictionaryCompression": False}).encodings


@pytest.mark.parametrize(
    ("version", "written"), [(None, "0.12"), ("V0_11", "0.11"), ("V0_12", "0.12")]
)
def test_orc_files_are_written_in_the_configured_format_version(version: Any, written: str) -> None:
    serde = {"FormatVersion": version} if version else {}
    body = converter(COLUMNS, serializer={"OrcSerDe": serde}).write(ROWS)
    assert orc.ORCFile(io.BytesIO(body)).file_version == written
    assert orc.ORCFile(io.BytesIO(body)).read().to_pylist() == ROWS


def test_orc_bloom_filters_are_written_for_the_columns_named_in_any_case() -> None:
    def size(columns: list[str] | None) -> int:
        serde: dict[str, Any] = {"Compression": "NONE"}
        if columns is not None:
            serde["BloomFilterColumns"] = columns
        return len(converter(COLUMNS, serializer={"OrcSerDe": serde}).write(ROWS))

    # An uncompressed bloom filter at the default false positive probability (0.05) over
    # the default row index stride (10,000 rows) takes some 7.8 KB.
    assert size(["PAGE"]) > size(None) + 7000
    # A name the table has no column of adds none.
    assert size(["nope"]) == size(None)


HIVE = {"HiveJsonSerDe": {}}


@pytest.mark.parametrize(
    ("value", "java_class"),
    [
        (b'"aGVsbG8="', "java.lang.String"),  # base64 text is not decoded
        (b'"not base64!"', "java.lang.String"),
        (b"42", "java.lang.String"),  # OpenX keeps a number as its text
        (b"true", "java.lang.Boolean"),
        (b'{"a": 1}', "org.openx.data.jsonserde.json.JSONObject"),
        (b"[1, 2]", "org.openx.data.jsonserde.json.JSONArray"),
    ],
)
def test_openx_fails_every_value_given_to_a_binary_column(value: bytes, java_class: str) -> None:
    code, message = failure(converter({"id": "int", "b": "binary"}), b'{"id": 1, "b": %s}' % value)
    assert (code, message) == (
        MALFORMED_DATA,
        f"The value of column 'b' (binary) could not be read: {java_class} cannot be cast to [B",
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("array<binary>", b'["aGVsbG8="]'),
        ("map<string,binary>", b'{"k": "aGVsbG8="}'),
        ("map<binary,int>", b'{"aGVsbG8=": 1}'),
        ("struct<x:binary>", b'{"x": "aGVsbG8="}'),
    ],
)
def test_openx_fails_a_binary_value_nested_in_a_column(column: str, value: bytes) -> None:
    code, message = failure(converter({"b": column}), b'{"b": %s}' % value)
    assert code == MALFORMED_DATA
    assert message.endswith("java.lang.String cannot be cast to [B")


def test_openx_takes_a_binary_column_left_null_or_out() -> None:
    convert = converter(
        {"id": "int", "b": "binary", "bs": "array<binary>", "s": "struct<x:binary>"}
    )
    assert convert.rows(b'{"id": 1, "b": null, "bs": [null], "s": {"y": 2}}{"id": 2}') == [
        {"id": 1, "b": None, "bs": [None], "s": {"x": None}},
        {"id": 2, "b": None, "bs": None, "s": None},
    ]


@pytest.mark.parametrize(
    "value", [b'"aGVsbG8="', b'"not base64!"', b"42", b"true", b'{"a": 1}', b"[1]", b"null"]
)
def test_the_hive_serde_fails_a_record_that_gives_a_binary_column_any_value(value: bytes) -> None:
    code, message = failure(
        converter({"id": "int", "b": "binary"}, HIVE), b'{"id": 1, "B": %s}' % value
    )
    assert (code, message) == (
        MALFORMED_DATA,
        "The value of column 'b' (binary) could not be read: "
        "JsonSerDe does not support BINARY type",
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("array<binary>", b"[null]"),
        ("map<string,binary>", b'{"k": null}'),
        ("map<binary,int>", b'{"k": 1}'),
        ("struct<x:binary>", b'{"x": null}'),
    ],
)
def test_the_hive_serde_fails_a_binary_value_nested_in_a_column(column: str, value: bytes) -> None:
    code, message = failure(converter({"b": column}, HIVE), b'{"b": %s}' % value)
    assert code == MALFORMED_DATA
    assert message.endswith("JsonSerDe does not support BINARY type")


def test_the_hive_serde_takes_a_record_that_leaves_a_binary_column_out() -> None:
    convert = converter(
        {"id": "int", "b": "binary", "bs": "array<binary>", "s": "struct<x:binary>"}, HIVE
    )
    assert convert.rows(b'{"id": 1, "bs": [], "s": {"y": 2}}') == [
        {"id": 1, "b": None, "bs": [], "s": {"x": None}}
    ]


# The Hive SerDe walks Jackson 1's tokens and asks the parser for each value as its column's
# type needs it (Hive 2's org.apache.hive.hcatalog.data.JsonSerDe.extractCurrentField).

NOT_NUMERIC = "Current token ({}) not numeric, can not use numeric value accessors"


@pytest.mark.parametrize("column", ["tinyint", "smallint", "int", "bigint", "float", "double"])
@pytest.mark.parametrize(("value", "token"), [(b'"42"', "VALUE_STRING"), (b"true", "VALUE_TRUE")])
def test_the_hive_serde_refuses_a_string_or_boolean_for_a_number_column(
    column: str, value: bytes, token: str
) -> None:
    convert = converter({"v": column}, HIVE)
    assert failure(convert, b'{"v": %s}' % value) == (
        MALFORMED_DATA,
        f"The value of column 'v' ({column}) could not be read: {NOT_NUMERIC.format(token)}",
    )
    # OpenX reads the text as a number.
    assert converter({"v": column}).rows(b'{"v": "42"}') == [{"v": 42}]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("int", b"2.9", 2),  # a fraction is cut toward zero
        ("int", b"-2.9", -2),
        ("bigint", b"1e3", 1000),
        ("tinyint", b"200", -56),  # Jackson takes up to 255 for a byte, which Java wraps
        ("tinyint", b"255", -1),
        ("tinyint", b"-128", -128),
        ("smallint", b"-32768", -32768),
        ("int", b"-2147483648", -2147483648),
        ("int", b"-2147483648.0", -2147483648),
        ("int", b"2147483647.0", 2147483647),
        ("bigint", b"-9223372036854775809", 9223372036854775807),  # the low 64 bits
        ("int", b"9223372036854775808", 0),  # just past a long: the low 32 bits
        ("bigint", b"9223372036854775808", -9223372036854775808),
        ("double", b"1" + b"0" * 400, float("inf")),  # an integer past a double's range
        ("int", b"18446744073709551621", 5),  # past a long: the low 32 bits
        ("bigint", b"18446744073709551621", 5),
        ("double", b"7", 7.0),
        ("float", b"0.5", 0.5),
    ],
)
def test_the_hive_serde_reads_numbers_as_jackson_gives_them(
    column: str, value: bytes, expected: Any
) -> None:
    assert converter({"v": column}, HIVE).rows(b'{"v": %s}' % value) == [{"v": expected}]


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("int", b"3000000000", "Numeric value (3000000000) out of range of int"),
        ("int", b"-3000000000", "Numeric value (-3000000000) out of range of int"),
        (
            "int",
            b"-3e9",
            "Numeric value (-3e9) out of range of int (-2147483648 - 2147483647)",
        ),
        (
            "bigint",
            b"-1E19",
            "Numeric value (-1E19) out of range of long "
            "(-9223372036854775808 - 9223372036854775807)",
        ),
        (
            "int",
            b"3e9",
            "Numeric value (3e9) out of range of int (-2147483648 - 2147483647)",
        ),
        ("tinyint", b"256", "Numeric value (256) out of range of Java byte"),
        ("tinyint", b"-129.5", "Numeric value (-129.5) out of range of Java byte"),
        ("smallint", b"32768", "Numeric value (32768) out of range of Java short"),
        (
            "bigint",
            b"1E19",
            "Numeric value (1E19) out of range of long "
            "(-9223372036854775808 - 9223372036854775807)",
        ),
    ],
)
def test_the_hive_serde_refuses_a_number_past_its_columns_range(
    column: str, value: bytes, said: str
) -> None:
    assert failure(converter({"v": column}, HIVE), b'{"v": %s}' % value) == (
        MALFORMED_DATA,
        f"The value of column 'v' ({column}) could not be read: {said}",
    )


def test_the_hive_serde_reads_a_boolean_and_a_string_from_the_values_text() -> None:
    convert = converter({"b": "boolean", "s": "string"}, HIVE)
    data = (
        b'{"b": "yes", "s": 1.50}{"b": "TRUE", "s": 1E2}{"b": 1, "s": true}'
        b'{"b": true, "s": -0}{"b": "false", "s": null}'
    )
    assert convert.rows(data) == [
        {"b": False, "s": "1.50"},  # Boolean.valueOf: only "true" in any case is true
        {"b": True, "s": "1E2"},  # a number's text as written
        {"b": False, "s": "true"},
        {"b": True, "s": "-0"},
        {"b": False, "s": None},
    ]


def test_an_object_in_a_hive_string_column_is_read_as_a_brace_and_its_members_as_the_records():
    convert = converter({"s": "string", "n": "int", "t": "string"}, HIVE)
    # The column takes the object's first token; the walk then reads the object's members
    # as the record's own, and its end as the record's: what follows it is not read.
    assert convert.rows(b'{"s": {"n": 5, "x": [1]}, "n": 7, "t": "late"}') == [
        {"s": "{", "n": 5, "t": None}
    ]
    # OpenX writes the object's JSON text, as its own JSONObject writes it.
    assert converter({"s": "string"}).rows(b'{"s": {"n": 5}}') == [{"s": '{"n":"5"}'}]


@pytest.mark.parametrize("column", ["string", "boolean", "decimal(4,1)"])
def test_an_array_in_a_hive_scalar_column_fails_the_record(column: str) -> None:
    # The column takes "[", and the walk then meets an element where a name belongs.
    assert failure(converter({"v": column, "n": "int"}, HIVE), b'{"v": [], "n": 1}') == (
        MALFORMED_DATA,
        "The record could not be read: Field name expected",
    )


def test_an_object_in_a_hive_number_column_fails_the_record() -> None:
    assert failure(converter({"v": "int"}, HIVE), b'{"v": {"a": 1}}') == (
        MALFORMED_DATA,
        f"The value of column 'v' (int) could not be read: {NOT_NUMERIC.format('START_OBJECT')}",
    )


def test_the_hive_serde_reads_dates_with_java_sql_date() -> None:
    convert = converter({"d": "date"}, HIVE)
    assert convert.rows(
        b'{"d": "2026-2-30"}{"d": "2026-12-02"}{"d": "2026-1-1"}{"d":"2026-01-31"}'
    ) == [
        {"d": date(2026, 3, 2)},  # a day past the month's end rolls over
        {"d": date(2026, 12, 2)},
        {"d": date(2026, 1, 1)},
        {"d": date(2026, 1, 31)},
    ]
    for value in (
        b'"2026-12-02T10:00:00"',
        b'"02/12/2026"',
        b"20261202",
        b'"2026-13-01"',
        b'"2026-001-01"',
    ):
        assert failure(convert, b'{"d": %s}' % value) == (
            MALFORMED_DATA,
            "The value of column 'd' (date) could not be read: java.lang.IllegalArgumentException",
        )


def test_the_hive_serde_reads_decimals_from_text_and_writes_null_for_what_does_not_fit() -> None:
    convert = converter({"m": "decimal(5,2)"}, HIVE)
    data = b'{"m": "12.345"}{"m": 0.125}{"m": "abc"}{"m": 1234.5}{"m": true}{"m": " 7 "}'
    assert [row["m"] for row in convert.rows(data)] == [
        Decimal("12.35"),  # rounded half up to the scale
        Decimal("0.13"),
        None,  # no number
        None,  # more whole digits than the column holds
        None,
        Decimal("7.00"),
    ]


def test_a_hive_map_reads_each_members_name_as_its_key_and_the_value_after_it() -> None:
    # Hive 2's reader (the one with TimestampFormats) reads a map's value from the token
    # after the member's name, whatever the value's type.
    assert converter({"m": "map<string,string>"}, HIVE).rows(b'{"m": {"a": 1, "b": "x"}}') == [
        {"m": [("a", "1"), ("b", "x")]}
    ]
    assert converter({"m": "map<string,int>"}, HIVE).rows(b'{"m": {"a": 1, "b": -2}}') == [
        {"m": [("a", 1), ("b", -2)]}
    ]
    assert converter({"m": "map<string,array<int>>"}, HIVE).rows(b'{"m": {"a": [1, 2]}}') == [
        {"m": [("a", [1, 2])]}
    ]
    assert converter({"m": "map<int,struct<x:int>>"}, HIVE).rows(b'{"m": {"1": {"x": 2}}}') == [
        {"m": [(1, {"x": 2})]}
    ]
    assert failure(converter({"m": "map<string,int>"}, HIVE), b'{"m": {"a": "1"}}') == (
        MALFORMED_DATA,
        "The value of column 'm' (map<string,int>) could not be read: "
        + NOT_NUMERIC.format("VALUE_STRING"),
    )
    assert failure(converter({"m": "map<int,string>"}, HIVE), b'{"m": {"one": "a"}}') == (
        MALFORMED_DATA,
        "The value of column 'm' (map<int,string>) could not be read: For input string: \"one\"",
    )


@pytest.mark.parametrize(
    ("key_type", "name", "key"),
    [
        ("boolean", "TRUE", True),
        ("boolean", "yes", False),  # s.equalsIgnoreCase("true")
        ("double", "2.5", 2.5),
        ("double", "1e3d", 1000.0),  # Double.valueOf takes a type suffix
        ("date", "2026-2-30", date(2026, 3, 2)),  # java.sql.Date rolls the day over
        ("timestamp", "2026-12-06 10:00:00.5", datetime(2026, 12, 6, 10, 0, 0, 500000)),
        ("decimal(4,1)", "12.34", Decimal("12.3")),
        ("tinyint", "127", 127),  # a byte's top
    ],
)
def test_a_hive_map_key_is_read_with_javas_parser_for_its_type(
    key_type: str, name: str, key: Any
) -> None:
    convert = converter({"m": f"map<{key_type},string>"}, HIVE)
    data = b'{"m": {"' + name.encode() + b'": "v"}}'
    assert convert.rows(data) == [{"m": [(key, "v")]}]


@pytest.mark.parametrize(
    ("key_type", "name", "message"),
    [
        ("tinyint", "128", 'Value out of range. Value:"128" Radix:10'),
        ("smallint", "40000", 'Value out of range. Value:"40000" Radix:10'),
        ("int", "3000000000", 'For input string: "3000000000"'),
        ("double", "two", 'For input string: "two"'),
        ("timestamp", "2026-12-06", "Timestamp format must be yyyy-mm-dd hh:mm:ss[.fffffffff]"),
        ("date", "06/12/2026", "java.lang.IllegalArgumentException"),
    ],
)
def test_a_hive_map_key_its_type_cannot_read_fails_the_record(
    key_type: str, name: str, message: str
) -> None:
    convert = converter({"m": f"map<{key_type},string>"}, HIVE)
    data = b'{"m": {"' + name.encode() + b'": "v"}}'
    assert failure(convert, data) == (
        MALFORMED_DATA,
        f"The value of column 'm' (map<{key_type},string>) could not be read: {message}",
    )


def test_a_hive_map_given_an_array_in_a_string_value_reads_on_to_the_records_end() -> None:
    # The value takes "[", the array's end is read as a member named as the array was,
    # the next name as its value, and so on: the walk runs out of tokens, and the record
    # is read as far as it went.
    convert = converter({"m": "map<string,string>"}, HIVE)
    assert convert.rows(b'{"m": {"a": [], "c": "y"}}') == [{"m": [("a", "c"), ("c", "}")]}]
    # An array's element has no name: read as a key, it is null.
    assert failure(convert, b'{"m": {"a": [true]}}') == (
        MALFORMED_DATA,
        "The value of column 'm' (map<string,string>) could not be read: a map key is null",
    )


def test_a_hive_record_written_without_spaces_reads_as_one_with_them() -> None:
    convert = converter({"a": "int", "b": "string", "c": "array<int>"}, HIVE)
    assert convert.rows(b'{"a":1,"b":"x","c":[2,3]}') == [{"a": 1, "b": "x", "c": [2, 3]}]


def test_a_hive_array_of_strings_reads_an_objects_tokens_as_elements() -> None:
    convert = converter({"a": "array<string>"}, HIVE)
    assert convert.rows(b'{"a": [{"k": 1}, "z"]}') == [{"a": ["{", "k", "1", "}", "z"]}]


def test_hive_internal_column_names_name_a_column_by_its_position() -> None:
    convert = converter({"a": "int", "b": "int"}, HIVE)
    assert convert.rows(b'{"_col1": 5, "a": 1}') == [{"a": 1, "b": 5}]
    assert failure(convert, b'{"_col2": 5}') == (
        MALFORMED_DATA,
        "The record could not be read: Index: 2, Size: 2",
    )
    assert failure(convert, b'{"_col2147483648": 5}') == (
        MALFORMED_DATA,
        'The record could not be read: For input string: "2147483648"',
    )
    assert failure(convert, b'{"_col01": 5}') == (
        MALFORMED_DATA,
        "The record could not be read: Hive internal column name (_col01) and position "
        "encoding (1) for the column name are at odds",
    )


def test_a_hive_millis_timestamp_past_any_date_is_malformed_data() -> None:
    convert = converter({"ts": "timestamp"}, {"HiveJsonSerDe": {"TimestampFormats": ["millis"]}})
    code, message = failure(convert, b'{"ts": 1%s}' % (b"0" * 400))
    assert code == MALFORMED_DATA
    assert message.startswith("The value of column 'ts' (timestamp) could not be read: ")


def test_openx_writes_a_number_in_a_string_column_as_its_text() -> None:
    # The OpenX parser keeps a number as the text it was written in.
    convert = converter({"s": "string", "tags": "array<string>", "n": "bigint"})
    assert convert.rows(b'{"s": 1.50, "tags": [1E2, -0, 7], "n": 12}') == [
        {"s": "1.50", "tags": ["1E2", "-0", "7"], "n": 12}
    ]
