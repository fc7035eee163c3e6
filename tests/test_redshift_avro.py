"""A Redshift COPY with ``FORMAT AS AVRO``: each staged object read as one Avro object
container file, its records matched to the columns by field name (``'auto'``, ``'auto
ignorecase'``) or through a JSONPaths file, each value as the text its column receives;
an object that is not one such file fails the COPY with a load error, and options COPY
cannot read beside AVRO fail every COPY."""

from __future__ import annotations

import io
import sys
import warnings
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from conftest import put
from test_redshift_copy import loaded, redshift
from test_redshift_jsonpaths import paths_file

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning

fastavro = pytest.importorskip("fastavro")

#: The developer guide's CATEGORY table ("Copy from Avro examples"), its fields in another
#: order than the columns.
CATEGORY = {
    "name": "category",
    "type": "record",
    "fields": [
        {"name": "catid", "type": "int"},
        {"name": "catdesc", "type": "string"},
        {"name": "catname", "type": "string"},
        {"name": "catgroup", "type": "string"},
    ],
}
ROWS = [
    {"catid": 1, "catdesc": "Major League Baseball", "catname": "MLB", "catgroup": "Sports"},
    {"catid": 2, "catdesc": "National Hockey League", "catname": "NHL", "catgroup": "Sports"},
]
COLUMNS = "catid, catgroup, catname, catdesc"


@pytest.fixture
def s3(landing_s3: Any) -> Any:
    """moto's S3 with the intermediate bucket and the bucket ``schemas`` (JSONPaths files)."""
    landing_s3.create_bucket(Bucket="schemas")
    return landing_s3


def avro(schema: dict[str, Any], records: list[dict[str, Any]], codec: str = "null") -> bytes:
    """One Avro object container file of ``records``, written with ``codec``."""
    out = io.BytesIO()
    fastavro.writer(out, schema, records, codec=codec)
    return out.getvalue()


def copied(fake: FirehoseFake, client: Any, copy: dict[str, Any], *payloads: bytes) -> Any:
    """The stream after ``payloads`` were loaded with ``copy``, which must warn of nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)
        return loaded(fake, client, copy, *payloads)


@pytest.mark.parametrize(
    "options", ["FORMAT AS AVRO 'auto'", "AVRO 'auto'", "FORMAT AVRO AS 'auto'"]
)
def test_auto_matches_field_names_to_the_columns_in_any_order(
    fake: FirehoseFake, client: Any, options: str
) -> None:
    payload = avro(CATEGORY, ROWS)
    stream = copied(fake, client, {"DataTableColumns": COLUMNS, "CopyOptions": options}, payload)

    assert stream.rows == [
        {"catid": "1", "catgroup": "Sports", "catname": "MLB", "catdesc": "Major League Baseball"},
        {"catid": "2", "catgroup": "Sports", "catname": "NHL", "catdesc": "National Hockey League"},
    ]
    assert stream.delivered == [payload]
    assert stream.load_errors == []


def test_a_column_no_field_matches_is_null_and_fields_no_column_names_are_left_out(
    fake: FirehoseFake, client: Any
) -> None:
    stream = copied(
        fake,
        client,
        {"DataTableColumns": "catname, region", "CopyOptions": "AVRO 'auto'"},
        avro(CATEGORY, ROWS[:1]),
    )

    assert stream.rows == [{"catname": "MLB", "region": None}]


@pytest.mark.parametrize(
    ("option", "loaded_as"),
    [("AVRO 'auto'", None), ("FORMAT AS AVRO 'auto ignorecase'", "4")],
)
def test_auto_is_case_sensitive_and_auto_ignorecase_is_not(
    fake: FirehoseFake, client: Any, option: str, loaded_as: str | None
) -> None:
    schema = {**CATEGORY, "fields": [{"name": "CatID", "type": "int"}]}
    payload = avro(schema, [{"CatID": 4}])
    stream = copied(fake, client, {"DataTableColumns": "catid", "CopyOptions": option}, payload)

    assert stream.rows == [{"catid": loaded_as}]


def test_without_data_table_columns_each_record_loads_its_fields(
    fake: FirehoseFake, client: Any
) -> None:
    stream = copied(fake, client, {"CopyOptions": "AVRO 'auto'"}, avro(CATEGORY, ROWS[:1]))

    assert stream.rows == [
        {"catid": "1", "catdesc": "Major League Baseball", "catname": "MLB", "catgroup": "Sports"}
    ]


TYPES = {
    "name": "typed",
    "type": "record",
    "fields": [
        {"name": "maybe", "type": ["null", "string"]},
        {"name": "ok", "type": "boolean"},
        {"name": "big", "type": "long"},
        {"name": "ratio", "type": "double"},
        {"name": "suit", "type": {"type": "enum", "name": "Suit", "symbols": ["HEARTS", "SPADES"]}},
        {"name": "raw", "type": "bytes"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "scores", "type": {"type": "map", "values": "long"}},
        {
            "name": "owner",
            "type": {
                "type": "record",
                "name": "Owner",
                "fields": [
                    {"name": "name", "type": "string"},
                    {"name": "nick", "type": ["null", "string"]},
                ],
            },
        },
    ],
}


def test_each_avro_type_loads_as_text_and_complex_types_as_json(
    fake: FirehoseFake, client: Any
) -> None:
    record = {
        "maybe": None,
        "ok": True,
        "big": 2**40,
        "ratio": 0.25,
        "suit": "SPADES",
        "raw": b"a\xe9",
        "tags": ["x", "ü"],
        "scores": {"a": 1},
        "owner": {"name": "Ann", "nick": None},
    }
    stream = copied(fake, client, {"CopyOptions": "AVRO 'auto'"}, avro(TYPES, [record]))

    assert stream.rows == [
        {
            "maybe": None,  # a union's null branch: NULL
            "ok": "true",
            "big": "1099511627776",
            "ratio": "0.25",
            "suit": "SPADES",  # an enum: its symbol
            "raw": "a\xe9",  # bytes: a character for each byte
            "tags": '["x","ü"]',
            "scores": '{"a":1}',
            "owner": '{"name":"Ann","nick":null}',
        }
    ]


def test_logical_types_load_as_the_values_under_them(fake: FirehoseFake, client: Any) -> None:
    schema = {
        "name": "logical",
        "type": "record",
        "fields": [
            {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
            {"name": "day", "type": {"type": "int", "logicalType": "date"}},
            {
                "name": "price",
                "type": {"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 2},
            },
        ],
    }
    record = {
        "at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        "day": date(2024, 1, 2),
        "price": Decimal("1.25"),  # unscaled 125, one byte
    }
    stream = copied(fake, client, {"CopyOptions": "AVRO 'auto'"}, avro(schema, [record]))

    assert stream.rows == [{"at": "1704164645000", "day": "19724", "price": "}"}]


@pytest.mark.parametrize("codec", ["deflate", "snappy"])
def test_files_written_with_the_deflate_or_snappy_codec_load(
    fake: FirehoseFake, client: Any, codec: str
) -> None:
    if codec == "snappy":
        pytest.importorskip("cramjam")
    payload = avro(CATEGORY, ROWS, codec)
    stream = copied(
        fake, client, {"DataTableColumns": "catid", "CopyOptions": "AVRO 'auto'"}, payload
    )

    assert stream.rows == [{"catid": "1"}, {"catid": "2"}]


def test_a_gzip_staged_object_loads_with_gzip(fake: FirehoseFake, client: Any) -> None:
    config = redshift(
        {"DataTableColumns": "catname", "CopyOptions": "FORMAT AS AVRO 'auto' GZIP"},
        S3Configuration={"CompressionFormat": "GZIP"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)
        stream = fake.firehose.create_delivery_stream(
            "events", RedshiftDestinationConfiguration=config
        )
    put(client, avro(CATEGORY, ROWS))
    fake.firehose.clock.advance(seconds=60)

    assert stream.rows == [{"catname": "MLB"}, {"catname": "NHL"}]


def test_empty_as_null_blanks_as_null_and_trimblanks_apply_to_strings(
    fake: FirehoseFake, client: Any
) -> None:
    schema = {
        "name": "s",
        "type": "record",
        "fields": [{"name": n, "type": "string"} for n in "abc"],
    }
    stream = copied(
        fake,
        client,
        {"CopyOptions": "AVRO 'auto' EMPTYASNULL BLANKSASNULL TRIMBLANKS"},
        avro(schema, [{"a": "", "b": "  ", "c": "x  "}]),
    )

    assert stream.rows == [{"a": None, "b": None, "c": "x"}]


def with_invalid_utf8() -> bytes:
    """A file whose string ``s`` holds the byte FF, which is not UTF-8."""
    schema = {"name": "s", "type": "record", "fields": [{"name": "s", "type": "string"}]}
    data = avro(schema, [{"s": "a~b"}, {"s": "ok"}])
    return data.replace(b"a~b", b"a\xffb")


def test_a_string_that_is_not_utf8_is_load_error_1220(fake: FirehoseFake, client: Any) -> None:
    stream = copied(fake, client, {"CopyOptions": "AVRO 'auto' MAXERROR 1"}, with_invalid_utf8())

    assert stream.rows == [{"s": "ok"}]
    (error,) = stream.load_errors
    assert (error.line_number, error.colname, error.err_code) == (1, "s", 1220)
    assert error.err_reason.endswith("Bad UTF8 hex sequence: ff (error 3)")
    assert error.raw_line == '{"s":"a.b"}'


def test_acceptinvchars_replaces_the_bytes_that_are_not_utf8(
    fake: FirehoseFake, client: Any
) -> None:
    stream = copied(
        fake, client, {"CopyOptions": "AVRO 'auto' ACCEPTINVCHARS '^'"}, with_invalid_utf8()
    )

    assert stream.rows == [{"s": "a^b"}, {"s": "ok"}]


def test_acceptinvchars_reaches_into_arrays_and_maps_and_leaves_other_values_alone(
    fake: FirehoseFake, client: Any
) -> None:
    schema = {
        "name": "s",
        "type": "record",
        "fields": [
            {"name": "s", "type": "string"},
            {"name": "n", "type": "int"},
            {"name": "ok", "type": "boolean"},
            {"name": "tags", "type": {"type": "array", "items": "string"}},
            {"name": "named", "type": {"type": "map", "values": "string"}},
        ],
    }
    record = {"s": "a~b", "n": 7, "ok": False, "tags": ["c~d", "e"], "named": {"k": "f~g"}}
    data = avro(schema, [record])
    for text in (b"a~b", b"c~d", b"f~g"):
        data = data.replace(text, text[:1] + b"\xff" + text[2:])
    stream = copied(fake, client, {"CopyOptions": "AVRO 'auto' ACCEPTINVCHARS '^'"}, data)

    assert stream.rows == [
        {"s": "a^b", "n": "7", "ok": "false", "tags": '["c^d","e"]', "named": '{"k":"f^g"}'}
    ]


def test_a_double_not_a_finite_number_loads_as_nan_or_infinity(
    fake: FirehoseFake, client: Any
) -> None:
    schema = {
        "name": "d",
        "type": "record",
        "fields": [{"name": n, "type": "double"} for n in ("nan", "up", "down")],
    }
    record = {"nan": float("nan"), "up": float("inf"), "down": float("-inf")}
    stream = copied(fake, client, {"CopyOptions": "AVRO 'auto'"}, avro(schema, [record]))

    assert stream.rows == [{"nan": "NaN", "up": "Infinity", "down": "-Infinity"}]


# The developer guide's "Using JSONPaths with Avro Data": the path names the fields,
# through the array and the record inside it.
PERSON = {
    "name": "person",
    "type": "record",
    "fields": [
        {"name": "id", "type": "int"},
        {"name": "guid", "type": "string"},
        {
            "name": "friends",
            "type": {
                "type": "array",
                "name": "inner_friends",
                "items": {
                    "name": "friends_record",
                    "type": "record",
                    "fields": [
                        {"name": "id", "type": "int"},
                        {"name": "name", "type": "string"},
                    ],
                },
            },
        },
    ],
}


def test_a_jsonpaths_file_maps_the_fields_to_the_columns(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.id", "$.missing", "$.friends[0].id", "$.friends[0].name"]})
    person = {"id": 7, "guid": "g", "friends": [{"id": 1, "name": "Martha"}]}
    stream = copied(
        fake,
        client,
        {
            "DataTableColumns": "id, gone, friend_id, friend",
            "CopyOptions": "FORMAT AS AVRO 's3://schemas/paths.json'",
        },
        avro(PERSON, [person]),
    )

    assert stream.rows == [{"id": "7", "gone": None, "friend_id": "1", "friend": "Martha"}]


def test_without_data_table_columns_a_jsonpaths_column_is_named_by_its_position(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.guid", "$.id"]})
    person = {"id": 7, "guid": "g", "friends": []}
    stream = copied(
        fake,
        client,
        {"CopyOptions": "AVRO 's3://schemas/paths.json'"},
        avro(PERSON, [person]),
    )

    assert stream.rows == [{"1": "g", "2": "7"}]


def test_an_index_past_an_array_is_the_guides_load_error(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.id", "$.friends[0].name"]})
    people = [
        {"id": 1, "guid": "a", "friends": []},
        {"id": 2, "guid": "b", "friends": [{"id": 3, "name": "Z"}]},
    ]
    stream = copied(
        fake,
        client,
        {
            "DataTableColumns": "id, friend",
            "CopyOptions": "AVRO 's3://schemas/paths.json' MAXERROR 1",
        },
        avro(PERSON, people),
    )

    assert stream.rows == [{"id": "2", "friend": "Z"}]
    (error,) = stream.load_errors
    assert (error.line_number, error.colname, error.err_code) == (1, "friend", 1216)
    assert error.err_reason == "Invalid JSONPath format: Not an array or index out of range."
    assert error.raw_line == '{"id":1,"guid":"a","friends":[]}'


INVALID = "Invalid AVRO file found. "


def with_bad_length() -> bytes:
    """A file whose first record's string claims more bytes than its block holds."""
    return avro(CATEGORY, ROWS).replace(b"*Major", b"~Major")


def blocks_start(data: bytes) -> int:
    """Where a file's first data block starts: after its header, which ends in the file's
    sync marker (each block ends in it too)."""
    return data.index(data[-16:]) + 16


def with_negative_count() -> bytes:
    """A file whose block says it holds -2 records (zig-zag 3) instead of 2 (4)."""
    data = avro(CATEGORY, ROWS)
    start = blocks_start(data)
    assert data[start] == 4
    return data[:start] + b"\x03" + data[start + 1 :]


def with_bad_sync() -> bytes:
    """A file whose last block does not end in the file's sync marker."""
    data = avro(CATEGORY, ROWS)
    return data[:-1] + bytes([data[-1] ^ 1])


@pytest.mark.parametrize(
    ("payloads", "line", "reason"),
    [
        # Firehose concatenates a batch's records: two whole files are not one.
        (
            [avro(CATEGORY, ROWS), avro(CATEGORY, ROWS)],
            3,
            "Unexpected AVRO file header after the file's last data block.",
        ),
        ([b'{"catid": 1}\n'], 1, "Invalid AVRO file header."),
        # A file of its header only (REAL: the reason Redshift records for it).
        ([avro(CATEGORY, [])], 1, "Unexpected end of AVRO file."),
        ([avro(CATEGORY, ROWS)[:-5]], 1, "Unexpected end of AVRO file."),
        (
            [avro({"type": "array", "items": "int"}, [[1]])],
            1,
            "The AVRO schema type must be record.",
        ),
        ([avro(CATEGORY, ROWS, "bzip2")], 1, "Unsupported AVRO codec: bzip2."),
        ([with_bad_length()], 1, "Invalid AVRO data block."),
        ([with_bad_sync()], 1, "Invalid AVRO data block."),
        ([with_negative_count()], 1, "Invalid AVRO data block."),
    ],
    ids=[
        "two files",
        "not avro",
        "no records",
        "cut short",
        "not a record",
        "bzip2 codec",
        "undecodable",
        "bad sync",
        "negative count",
    ],
)
def test_an_object_that_is_not_one_avro_file_fails_the_copy_whatever_maxerror_says(
    fake: FirehoseFake, client: Any, payloads: list[bytes], line: int, reason: str
) -> None:
    copy = {"DataTableColumns": "catid", "CopyOptions": "AVRO 'auto' MAXERROR 100"}
    stream = copied(fake, client, copy, *payloads)

    assert stream.rows == []
    assert stream.delivered == []
    assert stream.pending == payloads
    (error,) = {(e.line_number, e.err_code, e.err_reason, e.raw_line) for e in stream.load_errors}
    assert error == (line, 1216, INVALID + reason, "")
    assert stream.load_errors[0].filename.startswith("s3://landing/staging/")


def test_a_block_of_no_records_is_read_past(fake: FirehoseFake, client: Any) -> None:
    data = avro(CATEGORY, ROWS)
    start = blocks_start(data)
    empty = b"\x00\x00" + data[-16:]  # no records, no bytes, the sync marker
    payload = data[:start] + empty + data[start:]
    stream = copied(
        fake, client, {"DataTableColumns": "catid", "CopyOptions": "AVRO 'auto'"}, payload
    )

    assert stream.rows == [{"catid": "1"}, {"catid": "2"}]
    assert stream.load_errors == []


def test_a_failing_avro_copy_is_skipped_with_its_manifest_under_errors(
    fake: FirehoseFake, client: Any, landing_s3: Any
) -> None:
    config = redshift({"CopyOptions": "AVRO 'auto'"}, RetryOptions={"DurationInSeconds": 0})
    stream = fake.firehose.create_delivery_stream("events", RedshiftDestinationConfiguration=config)
    sent = [avro(CATEGORY, ROWS[:1]), avro(CATEGORY, ROWS[1:])]
    put(client, *sent)
    fake.firehose.clock.advance(seconds=61)

    assert stream.backed_up == sent
    assert stream.rows == []
    keys = [o["Key"] for o in landing_s3.list_objects_v2(Bucket="landing")["Contents"]]
    assert any(key.startswith("staging/errors/manifests/") for key in keys), keys
    with pytest.raises(AssertionError) as caught:
        stream.assert_delivered(sent)
    assert "Invalid AVRO file found. Unexpected AVRO file header" in str(caught.value)


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ("AVRO 'auto' DELIMITER ','", "AVRO cannot be used with DELIMITER, ESCAPE, FILLRECORD"),
        ("AVRO 'auto' NULL AS 'x'", "AVRO cannot be used with DELIMITER, ESCAPE, FILLRECORD"),
        ("AVRO 'auto' FIXEDWIDTH 'a:1'", "AVRO cannot be used with DELIMITER, ESCAPE"),
        ("CSV AVRO 'auto'", "CSV and AVRO are given: COPY reads one data format"),
        ("JSON 'auto' FORMAT AS AVRO 'auto'", "JSON and AVRO are given: COPY reads one data"),
        ("AVRO 'auto' ENCODING UTF16", "AVRO cannot be used with ENCODING UTF16"),
        ("AVRO 'auto' IGNOREHEADER 1", "AVRO cannot be used with IGNOREHEADER"),
        ("AVRO 'noshred'", "AVRO takes 'auto', 'auto ignorecase' or the s3:// URL"),
        ("AVRO 's3://bucket-only'", "names no object: a JSONPaths file is given as the URL"),
        ("AVRO", "AVRO takes a quoted string"),
    ],
)
def test_options_copy_refuses_beside_avro_fail_every_copy(
    fake: FirehoseFake, client: Any, options: str, reason: str
) -> None:
    payload = avro(CATEGORY, ROWS)
    with pytest.warns(UnmodelledSettingWarning) as caught:
        stream = loaded(fake, client, {"CopyOptions": options}, payload)

    (message,) = [str(warning.message) for warning in caught]
    assert "COPY cannot run with it (" in message
    assert reason in message
    assert stream.rows == []
    assert stream.pending == [payload]


def test_without_fastavro_the_stream_is_reported_and_every_copy_fails_naming_the_extra(
    fake: FirehoseFake, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fastavro", None)  # find_spec then finds none
    with pytest.warns(UnmodelledSettingWarning) as caught:
        stream = loaded(fake, client, {"CopyOptions": "AVRO 'auto'"}, avro(CATEGORY, ROWS))

    (message,) = [str(warning.message) for warning in caught]
    assert "AVRO is read with fastavro, which is not installed" in message
    assert "pip install 'pytest-firehose[avro]'" in message
    assert stream.rows == []
    with pytest.raises(AssertionError) as failed:
        stream.assert_delivered(stream.pending)
    assert "pip install 'pytest-firehose[avro]'" in str(failed.value)
