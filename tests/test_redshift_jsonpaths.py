"""A Redshift COPY with a JSONPaths file (``JSON 's3://bucket/key'``): the file read from
moto's S3 at each COPY, each expression feeding its column, the values found, the load
errors of a path that cannot be followed, and the COPYs that fail as a whole: a file COPY
cannot use, one it cannot read, one whose expressions do not match the columns."""

from __future__ import annotations

import gzip
import json
import warnings
from typing import Any

import pytest
from conftest import put
from test_redshift_copy import loaded, redshift

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning
from pytest_firehose._destinations.copy_jsonpaths import JsonPathsFailed, JsonPathsFile

PATHS = "s3://schemas/paths.json"


def paths_file(s3: Any, body: Any, key: str = "paths.json") -> None:
    """Put ``body`` (JSON-encoded unless bytes) as the JSONPaths file in bucket ``schemas``."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    s3.put_object(Bucket="schemas", Key=key, Body=data)


@pytest.fixture
def s3(landing_s3: Any) -> Any:
    """moto's S3 with the intermediate bucket and the bucket ``schemas``, empty."""
    landing_s3.create_bucket(Bucket="schemas")
    return landing_s3


def through(
    fake: FirehoseFake, client: Any, columns: str | None, *payloads: bytes, options: str = ""
) -> Any:
    """The stream after ``payloads`` were loaded with ``JSON 's3://schemas/paths.json'``
    into ``columns``, which must warn of nothing."""
    copy = {"CopyOptions": f"JSON '{PATHS}' {options}".strip()}
    if columns is not None:
        copy["DataTableColumns"] = columns
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)
        return loaded(fake, client, copy, *payloads)


def failure(stream: Any, *sent: bytes) -> str:
    """The message of ``assert_delivered(sent)``, which must fail."""
    with pytest.raises(AssertionError) as caught:
        stream.assert_delivered(list(sent))
    return str(caught.value)


RECORD = json.dumps(
    {
        "id": 7,
        "user": {"name": "ann", "address": {"city": "Nara"}},
        "tags": ["a", "b"],
        "friends": [{"id": 0, "name": "Martha"}, {"id": 1, "name": "Renaldo"}],
        "ok": True,
        "price": 1.50,
    }
).encode()


@pytest.mark.parametrize(
    "expressions",
    [
        ["$.id", "$.user.name", "$.user.address.city", "$.tags[1]", "$.friends[1].name"],
        [
            "$['id']",
            "$['user']['name']",
            "$['user']['address']['city']",
            "$['tags'][1]",
            "$['friends'][1]['name']",
        ],
    ],
    ids=["dot notation", "bracket notation"],
)
def test_each_expression_feeds_its_column_in_order(
    fake: FirehoseFake, client: Any, s3: Any, expressions: list[str]
) -> None:
    paths_file(s3, {"jsonpaths": expressions})

    stream = through(fake, client, "id, name, city, tag, friend", RECORD)

    assert stream.rows == [
        {"id": "7", "name": "ann", "city": "Nara", "tag": "b", "friend": "Renaldo"}
    ]
    assert stream.load_errors == []


def test_an_object_or_array_found_loads_as_its_json_text_and_the_root_as_the_document(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.tags", "$.friends[1]", "$.ok", "$.price", "$"]})

    stream = through(
        fake,
        client,
        "tags,friend,ok,price,doc",
        b'{"tags": ["x", 2], "ok": false, "price": 1.50, "friends": [{}, {"id": 1, "name": "R"}]}',
    )

    (row,) = stream.rows
    assert row["tags"] == '["x",2]'
    assert row["friend"] == '{"id":1,"name":"R"}'
    assert (row["ok"], row["price"]) == ("false", "1.50")  # numbers as written
    assert json.loads(row["doc"] or "")["tags"] == ["x", 2]


def test_a_member_the_document_does_not_hold_loads_null(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.id", "$.missing", "$.user.missing.deeper", "$.gone"]})

    stream = through(fake, client, "id,a,b,c", b'{"id": 1, "user": {}, "gone": null}')

    assert stream.rows == [{"id": "1", "a": None, "b": None, "c": None}]


def test_arrays_load_through_index_expressions(fake: FirehoseFake, client: Any, s3: Any) -> None:
    paths_file(s3, {"jsonpaths": ["$[0]", "$[1]", "$[2]"]})

    stream = through(
        fake, client, "catid,catgroup,catname", b'[1,"Sports","MLB"]\n[2,"Sports","NHL"]\n'
    )

    assert stream.rows == [
        {"catid": "1", "catgroup": "Sports", "catname": "MLB"},
        {"catid": "2", "catgroup": "Sports", "catname": "NHL"},
    ]


def test_without_data_table_columns_the_values_are_named_by_position(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.b", "$.a"]})

    stream = through(fake, client, None, b'{"a": 1, "b": 2}')

    assert stream.rows == [{"1": "2", "2": "1"}]


def test_null_and_blank_options_and_gzip_apply_as_with_json_auto(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.a", "$.b"]})
    copy = {
        "DataTableColumns": "a,b",
        "CopyOptions": f"FORMAT AS JSON '{PATHS}' GZIP EMPTYASNULL BLANKSASNULL",
    }
    stream = fake.firehose.create_delivery_stream(
        "events",
        RedshiftDestinationConfiguration=redshift(
            copy, S3Configuration={"CompressionFormat": "GZIP"}
        ),
    )
    put(client, b'{"a": "", "b": "  "}', b'{"a": "x", "b": "y"}')
    fake.firehose.clock.advance(seconds=60)

    assert gzip.decompress(
        s3.get_object(Bucket="landing", Key=stream.objects[0].key)["Body"].read()
    )
    assert stream.rows == [{"a": None, "b": None}, {"a": "x", "b": "y"}]


NOT_AN_OBJECT = "Invalid JSONPath format: Member is not an object."
NOT_AN_ARRAY = "Invalid JSONPath format: Not an array or index out of range."


@pytest.mark.parametrize(
    ("expression", "record", "column", "reason"),
    [
        ("$.a.b", b'{"a": "text"}', "x", NOT_AN_OBJECT),
        ("$.a.b", b'{"a": null}', "x", NOT_AN_OBJECT),
        ("$.a.b", b"[1, 2]", "x", NOT_AN_OBJECT),
        ("$.a[1]", b'{"a": [1]}', "x", NOT_AN_ARRAY),
        ("$.a[1]", b'{"a": {"1": 1}}', "x", NOT_AN_ARRAY),
        ("$.a[1]", b"[1, 2]", "x", NOT_AN_OBJECT),
        ("$", b'"just text"', "", NOT_AN_OBJECT),
    ],
)
def test_a_path_that_cannot_be_followed_is_a_load_error_within_maxerror(
    fake: FirehoseFake,
    client: Any,
    s3: Any,
    expression: str,
    record: bytes,
    column: str,
    reason: str,
) -> None:
    paths_file(s3, {"jsonpaths": [expression]})
    good = b'{"a": {"b": 1}}' if expression.endswith("b") else b'{"a": [0, {"b": 1}]}'

    stream = through(fake, client, "x", record, good, options="MAXERROR 1")

    (error,) = stream.load_errors
    assert (error.line_number, error.colname, error.err_code, error.err_reason) == (
        1,
        column,
        1216,
        reason,
    )
    assert error.raw_line == record.decode()
    assert len(stream.rows) == 1  # the other record loaded


def test_a_path_that_cannot_be_followed_fails_the_copy_beyond_maxerror(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.a[3]"]})

    stream = through(fake, client, "x", b'{"a": []}')

    assert stream.rows == []
    assert stream.pending == [b'{"a": []}']
    assert "Load into table 'events' failed." in failure(stream, b'{"a": []}')


def test_json_auto_refuses_a_text_that_is_no_object_with_redshifts_reason(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(fake, client, {"CopyOptions": "JSON 'auto' MAXERROR 2"}, b"[1, 2]", b"3")

    assert [(e.err_code, e.err_reason) for e in stream.load_errors] == [
        (1216, "Invalid JSONPath format: Member is not an object."),
    ] * 2


def test_as_many_expressions_as_columns_or_the_copy_fails(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.a", "$.b"]})

    stream = through(fake, client, "a,b,c", b'{"a": 1}', options="MAXERROR 10")

    assert stream.rows == []
    assert stream.load_errors == []
    message = failure(stream, b'{"a": 1}')
    assert (
        "COPY into table 'events' failed: Number of jsonpaths and the number of columns should "
        "match. JSONPath size: 2, Number of columns in table or column list: 3 "
        "(Redshift.ColumnMismatch)"
    ) in message


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"jsonpaths": ["$.a"]', "it is not valid JSON"),
        (b'{"jsonpaths": ["$.a"]} {"jsonpaths": ["$.a"]}', "characters other than white"),
        (b'{"jsonpaths": ["$.a"]} x', "characters other than white space follow"),
        (b'[{"jsonpaths": ["$.a"]}]', "it holds a JSON array, not a single JSON object"),
        (b'{"jsonpaths": ["$.a"], "more": 1}', "its object holds 2 names, not the one name"),
        (b"{}", 'its object holds 0 names, not the one name "jsonpaths"'),
        (b'{"jsonpaths": "$.a"}', '"jsonpaths" holds a JSON string, not an array'),
        (b'{"jsonpaths": {"a": "$.a"}}', '"jsonpaths" holds a JSON object, not an array'),
        (b'{"jsonpaths": 3}', '"jsonpaths" holds a JSON number, not an array'),
        (b'{"jsonpaths": null}', '"jsonpaths" holds a JSON null, not an array'),
        (b"true", "it holds a JSON boolean, not a single JSON object"),
        (b'{"jsonpaths": []}', '"jsonpaths" holds an empty array'),
        (b'{"jsonpaths": ["$.a", 3]}', "the array element 3 is not a JSONPath expression"),
        (b'{"jsonpaths": ["$.a", ""]}', 'the array element "" is not a JSONPath expression'),
        (b'{"jsonpaths": ["a"]}', "Invalid JSONPath format: 'a' does not start with $"),
        (b'{"jsonpaths": ["$.a[*]"]}', "'$.a[*]': a wildcard is not supported"),
        (b'{"jsonpaths": ["$.*"]}', "a wildcard is not supported in dot notation"),
        (b'{"jsonpaths": ["$..a"]}', "'$..a': a recursive descent is not supported"),
        (b'{"jsonpaths": ["$.a[?(@.b)]"]}', "'$.a[?(@.b)]': a filter is not supported"),
        (b'{"jsonpaths": ["$.a[0:2]"]}', "'$.a[0:2]': a slice is not supported"),
        (b'{"jsonpaths": ["$.a[-1]"]}', "'$.a[-1]': a negative index is not supported"),
        (b'{"jsonpaths": ["$[\\"a\\"]"]}', "a name in brackets is in single quotation marks"),
        (b'{"jsonpaths": ["$[\'a\'"]}', "a name in brackets is not closed"),
        (b'{"jsonpaths": ["$.["]}', "'$.[': an empty name or one holding ' or ] is not supported"),
        (b'{"jsonpaths": ["$a[*]"]}', "'$a[*]': 'a' after '$' is not supported"),
        (b'{"jsonpaths": ["$[\'a\'].b"]}', "mixes bracket notation and dot notation"),
        (b'{"jsonpaths": ["$.a", "$[\'b\']"]}', "its expressions mix bracket notation and dot"),
        (b'{"jsonpaths": ["$.\xe9"]}', "it is not UTF-8 text"),
    ],
)
def test_a_file_copy_cannot_use_fails_the_copy_whatever_maxerror_says(
    fake: FirehoseFake, client: Any, s3: Any, body: bytes, reason: str
) -> None:
    paths_file(s3, body)

    stream = through(fake, client, "a", b'{"a": 1}', options="MAXERROR 10")

    assert stream.rows == []
    assert stream.load_errors == []
    message = failure(stream, b'{"a": 1}')
    assert f"COPY into table 'events' failed: The jsonpaths file {PATHS} cannot be used: " in (
        message
    )
    assert reason in message
    assert "(Redshift.IncorrectJsonPathsFile)" in message


def test_mixing_is_only_between_names_an_index_goes_with_either_notation(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$[0]", "$[1]['b']", "$[1]['c'][0]"]})

    stream = through(fake, client, "a,b,c", b'[1, {"b": 2, "c": [3]}]')

    assert stream.rows == [{"a": "1", "b": "2", "c": "3"}]


def test_a_name_in_brackets_may_be_empty_and_reads_the_member_of_that_name(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$['']", "$['a']"]})

    stream = through(fake, client, "e,a", b'{"": "empty", "a": 1}')

    assert stream.rows == [{"e": "empty", "a": "1"}]


def test_a_file_whose_name_is_not_jsonpaths_is_ignored_and_json_auto_loads(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"paths": ["$.b"]})

    stream = through(fake, client, "a", b'{"a": 1, "b": 2}')

    assert stream.rows == [{"a": "1"}]


def test_a_missing_file_fails_the_copy_until_it_is_put_as_each_copy_reads_it(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    stream = through(fake, client, "a", b'{"a": 1, "b": 2}')

    assert stream.rows == []
    message = failure(stream, b'{"a": 1, "b": 2}')
    assert (
        f"COPY into table 'events' failed: Problem reading jsonpaths file {PATHS} - "
        "S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey "
        "(Redshift.MissingS3File)"
    ) in message
    assert "put it there before the COPY, e.g. boto3.client('s3').put_object(" in message

    paths_file(s3, {"jsonpaths": ["$.b"]})
    fake.firehose.clock.advance(seconds=60)  # the next retry's COPY reads it

    assert stream.rows == [{"a": "2"}]


def test_a_file_in_a_bucket_that_does_not_exist_fails_the_copy(
    fake: FirehoseFake, client: Any, landing_s3: Any
) -> None:
    stream = through(fake, client, "a", b'{"a": 1}')

    message = failure(stream, b'{"a": 1}')
    assert "Error NoSuchBucket (Redshift.MissingS3File)" in message
    assert "what stands in for S3 has no bucket 'schemas': create it and put the file" in message


def test_a_file_changed_between_copies_maps_the_next_copy(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.a"]})
    stream = through(fake, client, "x", b'{"a": 1, "b": 2}')

    paths_file(s3, {"jsonpaths": ["$.b"]})
    put(client, b'{"a": 3, "b": 4}')
    fake.firehose.clock.advance(seconds=60)

    assert stream.rows == [{"x": "1"}, {"x": "4"}]


def test_without_anything_standing_in_for_s3_the_copy_fails_and_says_how_to_give_the_file(
    fake: FirehoseFake, client: Any
) -> None:
    stream = through(fake, client, "a", b'{"a": 1}')

    assert stream.rows == []
    assert stream.pending == [b'{"a": 1}']
    message = failure(stream, b'{"a": 1}')
    assert "Status 404,Error NoSuchBucket (Redshift.MissingS3File)" in message
    assert (
        "nothing in this test stands in for S3, so the JSONPaths file s3://schemas/paths.json "
        "(CopyCommand.CopyOptions) cannot be read: start moto's mock_aws(), create the bucket "
        "and put the file in it before the COPY"
    ) in message


def test_a_jsonpaths_url_that_names_no_object_is_options_copy_cannot_read(
    fake: FirehoseFake,
) -> None:
    config = redshift({"CopyOptions": "JSON 's3://schemas'"})
    with pytest.warns(UnmodelledSettingWarning) as caught:
        fake.firehose.create_delivery_stream("events", RedshiftDestinationConfiguration=config)

    (message,) = [str(warning.message) for warning in caught]
    assert "COPY cannot run with it (JSON 's3://schemas' names no object" in message


def test_without_a_fake_intercepting_botocore_the_file_is_not_asked_of_s3() -> None:
    file = JsonPathsFile(PATHS, "us-east-1", contained=lambda: False)

    with pytest.raises(JsonPathsFailed) as caught:
        file.read()

    assert caught.value.code == "Redshift.MissingS3File"
    assert "Status 404,Error NoSuchBucket" in caught.value.message
    assert "this is `python -m pytest_firehose serve`" in str(caught.value)


def test_the_jsonpaths_file_stays_utf8_when_the_data_is_utf16(
    fake: FirehoseFake, client: Any, s3: Any
) -> None:
    paths_file(s3, {"jsonpaths": ["$.user.name"]})
    record = json.dumps({"user": {"name": "Zoë"}}, ensure_ascii=False)
    stream = through(fake, client, "name", record.encode("utf-16-be"), options="ENCODING UTF16BE")

    assert stream.rows == [{"name": "Zoë"}]

    # A JSONPaths file in UTF-16 is not UTF-8: the COPY cannot use it.
    paths_file(s3, '{"jsonpaths": ["$.user.name"]}'.encode("utf-16"))
    put(client, record.encode("utf-16-be"))
    fake.firehose.clock.advance(seconds=60)
    assert stream.rows == [{"name": "Zoë"}]
    assert stream.pending == [record.encode("utf-16-be")]
