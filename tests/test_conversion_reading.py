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
from pytest_firehose._destinations.hive_types import UnknownType, column_type  # noqa: E402

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
        "attrs": [("K", 2)],
        "geo": {"city": "Oslo", "lat": 59.0},
    }


@pytest.mark.parametrize(
    ("column", "data"),
    [
        ("int", b'{"v": "seven"}'),
        ("int", b'{"v": 2.5}'),
        ("int", b'{"v": 4294967296}'),
        ("tinyint", b'{"v": 128}'),
        ("boolean", b'{"v": "yes"}'),
        ("double", b'{"v": true}'),
        ("date", b'{"v": "02/12/2026"}'),
        ("decimal(4,2)", b'{"v": 123.45}'),
        ("array<int>", b'{"v": {"a": 1}}'),
        ("struct<a:int>", b'{"v": [1]}'),
        ("timestamp", b'{"v": "yesterday"}'),
        ("double", b'{"v": 1%s}' % (b"0" * 400)),
        ("timestamp", b'{"v": 1%s}' % (b"0" * 400)),
    ],
)
def test_a_value_that_does_not_fit_is_malformed_data(column: str, data: bytes) -> None:
    code, message = failure(converter({"v": column}), data)
    assert code == MALFORMED_DATA
    assert message.startswith(f"The value of column 'v' ({column})")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"2026-12-02T10:00:00.123456789Z"', datetime(2026, 12, 2, 10, 0, 0, 123456)),
        ('"2026-12-2 9:05:01"', datetime(2026, 12, 2, 9, 5, 1)),
        ("1796205600", datetime(2026, 12, 2, 10, 0)),
        ("1796205600123", datetime(2026, 12, 2, 10, 0, 0, 123000)),
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
