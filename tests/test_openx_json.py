"""The OpenX deserializer's own JSON: an object or array in a ``string`` column written as its
``JSONObject`` writes it (members in Java ``HashMap`` order, numbers and null quoted, its
escapes), and a record whose object gives a key twice refused. The expected texts are what
the SerDe's ``org.openx.data.jsonserde.json`` classes (release 1.3.8) wrote for the same
records on a Java 17 runtime."""

from __future__ import annotations

import io
import itertools
import json
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
import pyarrow.orc as orc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pytest_firehose._destinations.conversion import (  # noqa: E402
    PARSE_ERROR,
    Converter,
    GlueTable,
    Unconvertible,
)
from pytest_firehose._destinations.java_hashmap import hash_order, string_hash  # noqa: E402
from pytest_firehose._destinations.openx_json import quote  # noqa: E402


def converter(columns: dict[str, str], openx: Any = None, serializer: Any = None) -> Converter:
    config = {
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": openx or {}}},
        "OutputFormatConfiguration": {"Serializer": serializer or {"ParquetSerDe": {}}},
    }
    return Converter(config, GlueTable("db", "t", tuple(columns.items())))


def written(data: bytes, columns: Any = None, openx: Any = None) -> list[dict[str, Any]]:
    """The rows of the Parquet file the record ``data`` converts to, as a reader reads them."""
    convert = converter(columns or {"s": "string"}, openx)
    body = convert.write(convert.rows(data))
    return pq.read_table(io.BytesIO(body)).to_pylist()  # type: ignore[no-any-return]


def test_an_object_in_a_string_column_is_written_as_openx_writes_it():
    record = (
        b'{"s": {"b": 1.50, "a": null, "c": [1, null, true, "x</y\\u2028\\u0085\\u0001\\t"],'
        b' "D": {"z": false, "y": 1E2}}}'
    )
    # Members in HashMap order, not the record's; keys lower-cased; a number as the text it
    # was written as, in quotes; null as the string "null"; `</`, U+2028, U+0085 and control
    # characters escaped.
    assert written(record) == [
        {
            "s": '{"a":"null","b":"1.50","c":["1","null",true,'
            '"x<\\/y\\u2028\\u0085\\u0001\\t"],"d":{"y":"1E2","z":false}}'
        }
    ]


def test_an_array_in_a_string_column_and_what_it_holds():
    record = '{"s": [{"Zz": -0, "AB": "é😀"}, [], {}, "\\ud800"]}'.encode()
    # "zz" files before "ab" (its bucket comes first); a lone surrogate is written as "?".
    assert written(record) == [{"s": '[{"zz":"-0","ab":"é😀"},[],{},"?"]'}]


def test_members_are_written_in_hashmap_order_after_the_table_grows():
    members = ", ".join(f'"k{n}": {n}' for n in range(1, 14))
    # The 13th key doubles the table to 32 buckets, which interleaves k10 to k13.
    assert written(f'{{"s": {{{members}}}}}'.encode()) == [
        {
            "s": '{"k1":"1","k2":"2","k3":"3","k4":"4","k5":"5","k11":"11","k6":"6",'
            '"k10":"10","k7":"7","k13":"13","k8":"8","k12":"12","k9":"9"}'
        }
    ]


def test_case_insensitive_lower_cases_the_keys_it_writes_and_case_sensitive_keeps_them():
    record = b'{"s": {"B": 1, "a": 2}}'
    assert written(record) == [{"s": '{"a":"2","b":"1"}'}]
    sensitive = written(record, openx={"CaseInsensitive": False})
    assert sensitive == [{"s": '{"a":"2","B":"1"}'}]


def test_the_same_text_in_a_struct_field_an_array_element_and_a_map_value():
    columns = {
        "st": "struct<f:string>",
        "arr": "array<string>",
        "m": "map<string,string>",
    }
    inner = b'{"b": 1, "a": [2.0]}'
    record = b'{"st": {"f": %s}, "arr": [%s], "m": {"k": %s}}' % (inner, inner, inner)
    text = '{"a":["2.0"],"b":"1"}'
    assert written(record, columns) == [{"st": {"f": text}, "arr": [text], "m": [("k", text)]}]


def test_orc_holds_the_same_text():
    convert = converter({"s": "string"}, serializer={"OrcSerDe": {}})
    body = convert.write(convert.rows(b'{"s": {"b": true, "a": "x"}}'))
    assert orc.read_table(io.BytesIO(body)).to_pylist() == [{"s": '{"a":"x","b":true}'}]


@pytest.mark.parametrize(
    ("record", "openx", "key"),
    [
        (b'{"a": 1, "a": 2}', {}, "a"),
        (b'{"url": 1, "URL": 2}', {}, "url"),  # the same key once lower-cased
        (b'{"n": {"x": 1, "X": 2}}', {}, "x"),  # in an object the table never reads
        (b'{"l": [{"q": 1}, {"Q": 1, "q": 2}]}', {}, "q"),
        # A member's value is parsed before its key is added.
        (b'{"a": {"x": 1, "x": 2}, "b": 1, "b": 2}', {}, "x"),
        (b'{"Url": 1, "Url": 2}', {"CaseInsensitive": False}, "Url"),
    ],
)
def test_an_object_that_gives_a_key_twice_fails_the_record(record, openx, key):
    with pytest.raises(Unconvertible) as caught:
        converter({"a": "int"}, openx).rows(record)
    assert caught.value.code == PARSE_ERROR
    assert caught.value.message == (
        "Encountered malformed JSON: Row is not a valid JSON Object - "
        f'JSONException: Duplicate key "{key}"'
    )


def test_keys_differing_in_case_are_two_keys_when_case_sensitive():
    rows = converter({"url": "int"}, {"CaseInsensitive": False}).rows(b'{"url": 1, "URL": 2}')
    assert rows == [{"url": 1}]


def test_the_hive_serde_is_not_refused_a_repeated_key_by_openx_rules():
    config = {
        "InputFormatConfiguration": {"Deserializer": {"HiveJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
    }
    convert = Converter(config, GlueTable("db", "t", (("a", "int"),)))
    assert len(convert.rows(b'{"a": 1, "A": 2}')) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", '""'),
        ('a"b\\c', '"a\\"b\\\\c"'),
        ("</a>/</", '"<\\/a>/<\\/"'),
        ("\b\t\n\f\r", '"\\b\\t\\n\\f\\r"'),
        ("\x00\x1f\x7f", '"\\u0000\\u001f\x7f"'),
        (" a b ", '" a b "'),  # the space is the first character written as it is
        ("\x80\x9f\xa0", '"\\u0080\\u009f\xa0"'),
        ("\u1fff\u2000\u20ac\u20ff\u2100", '"\u1fff\\u2000\\u20ac\\u20ff\u2100"'),
    ],
)
def test_quote_escapes_what_openx_escapes(text, expected):
    assert quote(text) == expected


def test_string_hash_is_javas():
    # Java: "hello".hashCode() == 99162322, "polygenelubricants".hashCode() == MIN_VALUE.
    assert string_hash("hello") == 99162322
    assert string_hash("polygenelubricants") == 2**31
    assert string_hash("😀") == (0xD83D * 31 + 0xDE00)  # UTF-16 code units
    assert string_hash("Aa") == string_hash("BB")


def test_a_crowded_bucket_becomes_a_tree_and_iterates_root_first():
    # Sixteen keys of one hash: the 9th and 10th double the table to 64 buckets, the 11th
    # makes the bucket a red-black tree, whose root then iterates first.
    keys = [
        "AaAaBBAa", "AaAaBBBB", "AaBBAaAa", "BBBBAaBB", "BBAaAaBB", "AaAaAaBB", "AaBBBBAa",
        "AaBBBBBB", "AaAaAaAa", "BBBBBBBB", "BBAaBBAa", "BBBBBBAa", "BBBBAaAa", "AaBBAaBB",
        "BBAaBBBB", "BBAaAaAa",
    ]  # fmt: skip
    assert len({string_hash(key) for key in keys}) == 1
    assert hash_order(keys) == [
        "BBAaAaBB", "AaAaBBBB", "AaAaBBAa", "AaBBAaAa", "AaBBAaBB", "BBBBAaBB", "AaAaAaBB",
        "AaBBBBAa", "AaBBBBBB", "BBAaAaAa", "AaAaAaAa", "BBBBBBBB", "BBBBBBAa", "BBAaBBAa",
        "BBBBAaAa", "BBAaBBBB",
    ]  # fmt: skip


def _bucket(key: str, buckets: int) -> int:
    """The bucket of ``key`` in a table of ``buckets``: its spread hash's low bits."""
    value = string_hash(key)
    return (value ^ (value >> 16)) & (buckets - 1)


def test_a_tree_split_by_a_doubling_leaves_six_keys_a_list_and_seven_a_tree():
    # Thirteen keys of one bucket of 64: the 9th and 10th double the table to 64 buckets,
    # the 11th makes the bucket a tree. The 36 fillers, none in that bucket, take the table
    # past 48 keys: it doubles to 128 buckets and splits the tree in two, six
    # keys in bucket 5 (a list again, in the tree's order), seven in bucket 69 (a new
    # tree, its root first). The last key goes to the end of the list. (Java 17's order.)
    low, high = (
        ["acf", "agj", "akn", "aor", "asv", "awz"],
        ["aad", "aeh", "ail", "amp", "aqt", "aux", "bce"],
    )
    assert {_bucket(key, 128) for key in low} == {5}
    assert {_bucket(key, 128) for key in high} == {69}
    fillers = [f"f{n}" for n in range(100) if _bucket(f"f{n}", 64) != 5][:36]
    assert len(fillers) == 36
    order = hash_order([*low, *high, *fillers, "bac"])
    assert [key for key in order if key in {*low, *high, "bac"}] == [
        "aor", "agj", "acf", "akn", "asv", "awz", "bac",
        "aux", "bce", "aad", "aeh", "ail", "amp", "aqt",
    ]  # fmt: skip
    assert sorted(order) == sorted([*low, *high, *fillers, "bac"])


def test_keys_of_one_bucket_keep_the_order_they_were_put_in_while_a_list():
    same = ["".join(word) for word in itertools.product(["Aa", "BB"], repeat=3)]
    assert hash_order(same) == same
    assert hash_order(list(reversed(same))) == list(reversed(same))


def test_a_key_put_again_keeps_its_place():
    assert hash_order(["b", "a", "b"]) == ["a", "b"]


def test_a_written_object_is_json_a_reader_reads_back():
    record = b'{"s": {"x": {"y": [1, {"z": null}]}, "w": "<\\/"}}'
    (row,) = written(record)
    assert json.loads(row["s"]) == {"w": "</", "x": {"y": ["1", {"z": "null"}]}}


def test_a_maps_keys_are_the_parsers_and_its_entries_in_hashmap_order():
    record = b'{"m": {"K": 2, "b": 1, "a": 3}}'
    columns = {"m": "map<string,int>"}
    assert written(record, columns) == [{"m": [("a", 3), ("b", 1), ("k", 2)]}]
    sensitive = written(record, columns, {"CaseInsensitive": False})
    assert sensitive == [{"m": [("a", 3), ("b", 1), ("K", 2)]}]


def test_dotted_keys_give_way_to_a_key_named_as_the_column_then_go_in_hashmap_order():
    dots = {"ConvertDotsInJsonKeysToUnderscores": True}
    assert written(b'{"a_b": 1, "a.b": 2}', {"a_b": "int"}, dots) == [{"a_b": 1}]
    # Two keys that name one column with their dots made underscores: the first in the
    # HashMap's order, which is not the record's here.
    assert written(b'{"b.a_c": 1, "b_a.c": 2}', {"b_a_c": "int"}, dots) == [{"b_a_c": 1}]
    assert written(b'{"b_a.c": 2, "b.a_c": 1}', {"b_a_c": "int"}, dots) == [{"b_a_c": 1}]
    nested = written(b'{"s": {"b_a.c": 2, "b.a_c": 1}}', {"s": "struct<b_a_c:int>"}, dots)
    assert nested == [{"s": {"b_a_c": 1}}]
