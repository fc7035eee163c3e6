"""How the OpenX deserializer's object inspectors give values to Hive's writers where its
parser's objects meet a column type it has no inspector of its own for, or a null its map
adapter keeps: a JSON null in a map, in an array, in a struct, the ``decimal`` columns, a
``map`` or ``struct`` given what is no object, and the ``date`` columns.
The Java class names in the messages are those of OpenX 1.3.8's objects, in the form Java 8
writes a failed cast."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
import pyarrow.orc as orc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pytest_firehose._destinations.conversion import (  # noqa: E402
    MALFORMED_DATA,
    Converter,
    GlueTable,
    Unconvertible,
)

KEPT_NULL = "org.openx.data.jsonserde.json.JSONObject$Null"


def converter(columns: dict[str, str], serializer: Any = None) -> Converter:
    config = {
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": serializer or {"ParquetSerDe": {}}},
    }
    return Converter(config, GlueTable("db", "t", tuple(columns.items())))


def failure(column: str, data: bytes) -> str:
    with pytest.raises(Unconvertible) as caught:
        converter({"v": column}).rows(data)
    assert caught.value.code == MALFORMED_DATA
    prefix = f"The value of column 'v' ({column}) could not be read: "
    assert caught.value.message.startswith(prefix)
    return caught.value.message[len(prefix) :]


# ---------------------------------------------------------------------- nulls


def test_a_null_in_a_string_map_is_written_as_the_text_null() -> None:
    # JSONObjectMapAdapter keeps JSONObject.NULL (its equals is false even for itself), and
    # the string inspector writes its toString.
    convert = converter({"m": "map<string,string>"})
    rows = convert.rows(b'{"m": {"b": "x", "a": null}}')
    assert rows == [{"m": [("a", "null"), ("b", "x")]}]
    written = pq.read_table(io.BytesIO(convert.write(rows))).to_pylist()
    assert written == [{"m": [("a", "null"), ("b", "x")]}]


@pytest.mark.parametrize(
    ("value_type", "java_class"),
    [
        ("tinyint", "java.lang.Byte"),
        ("smallint", "java.lang.Short"),
        ("int", "java.lang.Integer"),
        ("bigint", "java.lang.Long"),
        ("float", "java.lang.Float"),
        ("double", "java.lang.Double"),
        ("boolean", "java.lang.Boolean"),
        ("timestamp", "java.sql.Timestamp"),
        ("date", "java.sql.Date"),
        ("decimal(5,2)", "org.apache.hadoop.hive.common.type.HiveDecimal"),
        ("binary", "[B"),
        ("map<string,int>", "org.openx.data.jsonserde.json.JSONObject"),
    ],
)
def test_a_null_in_a_map_of_another_type_fails_the_record(value_type: str, java_class: str) -> None:
    column = f"map<string,{value_type}>"
    assert failure(column, b'{"v": {"n": null}}') == (f"{KEPT_NULL} cannot be cast to {java_class}")


def test_a_null_in_a_map_of_structs_fails_as_the_struct_inspector_throws() -> None:
    assert failure("map<string,struct<a:int>>", b'{"v": {"n": null}}') == (
        "Data is not JSONObject  but org.openx.data.jsonserde.json.JSONObject.Null with value null"
    )


def test_a_null_in_a_map_of_arrays_is_an_array_of_one_null() -> None:
    # The list inspector makes a one-element array of what is not an array, and gives
    # JSONObject.NULL as null.
    convert = converter({"m": "map<string,array<int>>"})
    assert convert.rows(b'{"m": {"n": null, "a": [1]}}') == [{"m": [("a", [1]), ("n", [None])]}]


def test_nulls_in_arrays_and_structs_and_at_the_top_are_null() -> None:
    convert = converter({"a": "array<int>", "s": "struct<x:int,y:string>", "n": "int"})
    rows = convert.rows(b'{"a": [1, null], "s": {"x": null, "y": "z"}, "n": null}')
    assert rows == [{"a": [1, None], "s": {"x": None, "y": "z"}, "n": None}]
    # A map column itself given null is null.
    assert converter({"m": "map<string,int>"}).rows(b'{"m": null}') == [{"m": None}]


def test_orc_writes_a_string_maps_null_as_text_too() -> None:
    convert = converter({"m": "map<string,string>"}, {"OrcSerDe": {}})
    body = convert.write(convert.rows(b'{"m": {"a": null}}'))
    assert orc.read_table(io.BytesIO(body)).to_pylist() == [{"m": [("a", "null")]}]


# ---------------------------------------------------------------------- decimals


def test_a_decimal_is_read_with_hive_decimal_rules() -> None:
    convert = converter({"d": "decimal(5,2)"})
    data = (
        b'{"d": 12.345}{"d": 0.125}{"d": "9.5"}{"d": " 7 "}{"d": 1e2}{"d": -0.005}'
        b'{"d": 1234.5}{"d": "abc"}{"d": ""}{"d": "NaN"}{"d": null}'
    )
    assert [row["d"] for row in convert.rows(data)] == [
        Decimal("12.35"),  # rounded half up to the scale
        Decimal("0.13"),
        Decimal("9.50"),  # quoted text is read as the number
        Decimal("7.00"),  # blanks around it are dropped
        Decimal("100.00"),
        Decimal("-0.01"),
        None,  # more whole digits than the column holds
        None,  # no number
        None,
        None,
        None,
    ]


def test_a_decimal_column_holds_what_was_read_in_parquet() -> None:
    convert = converter({"d": "decimal(5,2)"})
    body = convert.write(convert.rows(b'{"d": 0.125}{"d": 1234.5}'))
    assert pq.read_table(io.BytesIO(body)).to_pylist() == [{"d": Decimal("0.13")}, {"d": None}]


@pytest.mark.parametrize(
    ("value", "java_class"),
    [
        (b"true", "java.lang.Boolean"),
        (b'{"a": 1}', "org.openx.data.jsonserde.json.JSONObject"),
        (b"[1]", "org.openx.data.jsonserde.json.JSONArray"),
    ],
)
def test_a_decimal_column_given_no_text_fails_the_cast(value: bytes, java_class: str) -> None:
    assert failure("decimal(5,2)", b'{"v": %s}' % value) == (
        f"{java_class} cannot be cast to org.apache.hadoop.hive.common.type.HiveDecimal"
    )


def test_a_decimal_in_an_array_follows_the_same_rules() -> None:
    convert = converter({"a": "array<decimal(3,1)>"})
    assert convert.rows(b'{"a": [1.25, "x", 123.4, null]}') == [
        {"a": [Decimal("1.3"), None, None, None]}
    ]


# ---------------------------------------------------------------------- arrays


def test_a_value_that_is_no_array_in_an_array_column_is_an_array_of_one() -> None:
    # JsonListObjectInspector makes a one-element array of what is no array; the empty
    # text is no array at all, which Hive's Parquet writer writes as an empty one.
    convert = converter({"a": "array<int>", "s": "array<string>"})
    rows = convert.rows(b'{"a": 5, "s": "x"}{"a": "7", "s": {"k": 1}}{"a": "", "s": " "}')
    assert rows == [
        {"a": [5], "s": ["x"]},
        {"a": [7], "s": ['{"k":"1"}']},
        {"a": [], "s": [" "]},
    ]
    body = convert.write(rows)
    assert pq.read_table(io.BytesIO(body)).to_pylist() == rows
    # The one element is read as the array's elements are.
    assert failure("array<int>", b'{"v": "seven"}') == "'seven' is no integer"


# ---------------------------------------------------------------------- maps and structs

JSON_OBJECT = "org.openx.data.jsonserde.json.JSONObject"


@pytest.mark.parametrize(
    ("value", "java_class"),
    [
        (b'"x"', "java.lang.String"),
        (b'" ! "', "java.lang.String"),  # "!", past the space, is what trim keeps
        (b"1.50", "java.lang.String"),  # the parser keeps a number as its text
        (b"true", "java.lang.Boolean"),
        (b"[1, 2]", "org.openx.data.jsonserde.json.JSONArray"),
        (b"[]", "org.openx.data.jsonserde.json.JSONArray"),
    ],
)
def test_a_map_column_given_no_object_fails_the_cast(value: bytes, java_class: str) -> None:
    # JsonMapObjectInspector.getMap casts what checkObject lets through to JSONObject.
    data = b'{"v": %s}' % value
    assert failure("map<string,int>", data) == f"{java_class} cannot be cast to {JSON_OBJECT}"
    # In an array or a struct's field alike.
    assert failure("array<map<string,int>>", b'{"v": [%s]}' % value).startswith(java_class)


def test_a_map_column_given_blank_text_is_an_empty_map() -> None:
    # checkObject takes text Java's trim empties as no map at all; Hive's Parquet writer
    # writes a map it gets no entries of as an empty one.
    convert = converter({"m": "map<string,int>", "n": "map<string,string>"})
    rows = convert.rows(b'{"m": "", "n": " \\t"}')
    assert rows == [{"m": [], "n": []}]
    assert pq.read_table(io.BytesIO(convert.write(rows))).to_pylist() == rows


def test_a_struct_column_given_an_array_reads_its_elements_as_the_fields_in_order() -> None:
    # JsonStructObjectInspector.getStructFieldDataFromList: the field's position in the
    # array, null past its end; [] and blank text give every field null.
    convert = converter({"s": "struct<a:int,b:string>"})
    rows = convert.rows(
        b'{"s": [1, "x"]}{"s": ["7"]}{"s": [1, "x", 3]}{"s": []}{"s": " "}{"s": [2, null]}'
    )
    assert rows == [
        {"s": {"a": 1, "b": "x"}},
        {"s": {"a": 7, "b": None}},
        {"s": {"a": 1, "b": "x"}},
        {"s": {"a": None, "b": None}},
        {"s": {"a": None, "b": None}},
        # An element's null is JSONObject.NULL there (no field lookup makes it null): a
        # string field writes its text, the others fail their cast.
        {"s": {"a": 2, "b": "null"}},
    ]
    assert pq.read_table(io.BytesIO(convert.write(rows))).to_pylist() == rows
    assert failure("struct<a:int>", b'{"v": [null]}') == (
        f"{KEPT_NULL} cannot be cast to java.lang.Integer"
    )
    # Nested, an element is read as its field's type reads it.
    assert converter({"s": "array<struct<a:int,b:array<string>>>"}).rows(
        b'{"s": [[1, "x"], {"A": 2, "b": ["y"]}]}'
    ) == [{"s": [{"a": 1, "b": ["x"]}, {"a": 2, "b": ["y"]}]}]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b'"x"', "java.lang.String with value x"),
        (b"1.50", "java.lang.String with value 1.50"),
        (b"-0", "java.lang.String with value -0"),
        (b"true", "java.lang.Boolean with value true"),
    ],
)
def test_a_struct_column_given_a_scalar_fails_as_its_inspector_throws(
    value: bytes, message: str
) -> None:
    data = b'{"v": %s}' % value
    assert failure("struct<a:int>", data) == f"Data is not JSONObject  but {message}"


# ---------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b'"2026-12-06"', date(2026, 12, 6)),
        (b'"2026-2-30"', date(2026, 3, 2)),  # lenient: the days roll over
        (b'"2026-13-45"', date(2027, 2, 14)),
        (b'"2026-00-00"', date(2025, 11, 30)),
        (b'"2026--1-01"', date(2025, 11, 1)),
        (b'"2026-001-0001"', date(2026, 1, 1)),
        (b'"26-1-1"', date(25, 12, 30)),  # year 26 as written; Julian 0026-01-01
        (b'"2026-12-06T10:00:00Z"', date(2026, 12, 6)),  # what follows the day is left
        (b'"2026-1-1.5"', date(2026, 1, 1)),
        (b'" 2026-\\t12-06"', date(2026, 12, 6)),  # spaces and tabs before a number
        (b'"1582-10-10"', date(1582, 10, 20)),  # Julian before 1582-10-15
        (b'"1582-10-15"', date(1582, 10, 15)),  # the first Gregorian day
        (b'"1000-01-01"', date(1000, 1, 6)),
        (b'"0001-01-05"', date(1, 1, 3)),  # the first year is Julian too
        (b'"9999-12-31"', date(9999, 12, 31)),  # the last day a date is read to
        (b'"2026-1-4294967297"', date(2026, 1, 1)),  # a Long cut to an int's 32 bits
        (b'"2026-4294967298-1"', date(2026, 2, 1)),
        (b'"2026-1-9223372036854775807"', date(2025, 12, 30)),  # a Long's end, cut
        (b'"2026 -12-06"', None),  # no date: null
        (b'"02/12/2026"', None),
        (b'"2026-12"', None),
        (b'"+2026-01-01"', None),
        (b"20261206", None),  # a number is read as its text
        (b'""', None),
        (b'"abc"', None),
    ],
)
def test_a_date_is_read_by_a_lenient_simple_date_format(value: bytes, expected: Any) -> None:
    convert = converter({"d": "date"})
    rows = convert.rows(b'{"d": %s}' % value)
    assert rows == [{"d": expected}]
    assert pq.read_table(io.BytesIO(convert.write(rows))).to_pylist() == rows


@pytest.mark.parametrize(
    ("value", "java_class"),
    [
        (b"true", "java.lang.Boolean"),
        (b'{"a": 1}', "org.openx.data.jsonserde.json.JSONObject"),
        (b"[1]", "org.openx.data.jsonserde.json.JSONArray"),
    ],
)
def test_a_date_column_given_no_text_fails_the_cast(value: bytes, java_class: str) -> None:
    data = b'{"v": %s}' % value
    assert failure("date", data) == f"{java_class} cannot be cast to java.sql.Date"


def test_a_date_before_year_one_or_after_9999_is_not_modelled() -> None:
    # Java's calendar reads "-2026-01-01" as a day in 2027 BC.
    assert failure("date", b'{"v": "-2026-01-01"}') == (
        "'-2026-01-01' reads as a date outside the years 1 to 9999, not modelled"
    )
    # Past a Long's end, a Double's int: held at an int's end (2147483647 days).
    assert failure("date", b'{"v": "2026-1-9223372036854775808"}').endswith(
        "reads as a date outside the years 1 to 9999, not modelled"
    )
    # A Double's int: held at an int's end (year 2147483647), however many digits.
    assert failure("date", b'{"v": "%s-1-1"}' % (b"9" * 5000)).endswith(
        "reads as a date outside the years 1 to 9999, not modelled"
    )
