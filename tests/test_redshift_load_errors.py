"""Why a Redshift destination's COPY left lines out or failed: each line it could not load
in ``load_errors`` with the columns of Redshift's ``STL_LOAD_ERRORS`` (the staged object's
URL, line number, column, load error code and reason, raw line and field), and in
``assert_delivered``'s failure message with the COPY's own error."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put
from test_redshift_copy import loaded, redshift

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning


def test_each_line_the_copy_leaves_out_is_a_load_error_with_stl_load_errors_columns(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(fake, client, {"DataTableColumns": "a, b"}, b"1|2\n", b"3\n", b"4|5|6\n")

    assert stream.rows == []
    first, second = stream.load_errors
    assert first.filename.startswith("s3://landing/staging/")
    assert first.filename == second.filename
    assert [
        (e.line_number, e.colname, e.err_code, e.err_reason, e.raw_line, e.raw_field_value)
        for e in stream.load_errors
    ] == [
        (2, "a", 1214, "Delimiter not found", "3", "3"),
        (3, "b", 1202, "Extra column(s) found", "4|5|6", "5"),
    ]
    assert first.starttime == fake.firehose.clock.now()


def test_load_errors_within_maxerror_are_recorded_while_the_other_rows_load(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(
        fake, client, {"DataTableColumns": "a,b", "CopyOptions": "MAXERROR 1"}, b"1|2\n", b"3\n"
    )

    assert stream.rows == [{"a": "1", "b": "2"}]
    assert [(e.line_number, e.err_code) for e in stream.load_errors] == [(2, 1214)]
    assert stream.load_errors[0].filename == f"s3://landing/{stream.objects[0].key}"


@pytest.mark.parametrize(
    ("field", "sequence"),
    [
        (b"\xa4", "a4 (error 3)"),  # a continuation byte where a character starts
        (b"\xe9t", "e9 74 (error 4)"),  # a start byte not followed by its continuation
        (b"\xe9", "e9 (error 2)"),  # the field ends inside a character
        (b"\xed\xa0\x80", "ed a0 80 (error 5)"),  # a surrogate
        (b"\xf4\x90\x80\x80", "f4 90 80 80 (error 8)"),  # beyond U+10FFFF
        (b"\xc0\xaf", "c0 af (error 9)"),  # an overlong encoding
        (b"\xf8\x88", "f8 88 (error 1)"),  # the start of five bytes
        # Five bytes: the reason is cut to err_reason's 100 characters.
        (b"\xf8\x88\x80\x80\x80", "f8 88 80 80 80 (error"),
        # U+0080, U+E000 and U+10FFFF are UTF-8: the bad byte after them is named.
        (b"\xc2\x80\xee\x80\x80\xf4\x8f\xbf\xbf\xa4", "a4 (error 3)"),
    ],
)
def test_a_field_that_is_not_utf8_names_its_bad_bytes_and_their_kind(
    fake: FirehoseFake, client: Any, field: bytes, sequence: str
) -> None:
    stream = loaded(fake, client, {"DataTableColumns": "a,b"}, b"ok|caf\xc3\xa9" + field + b"\n")

    (error,) = stream.load_errors
    assert error.err_code == 1220
    assert error.err_reason == (
        f"String contains invalid or unsupported UTF8 codepoints. Bad UTF8 hex sequence: {sequence}"
    )
    assert error.colname == "b"
    # Each character that is not ASCII shows as a period, as in STL_LOAD_ERRORS.
    shown = "".join(c if c.isascii() else "." for c in field.decode("utf-8", "surrogateescape"))
    assert (error.raw_line, error.raw_field_value) == (f"ok|caf.{shown}", f"caf.{shown}")


@pytest.mark.parametrize(
    ("options", "payloads", "line"),
    [
        ("IGNOREHEADER 1", [b"h|h\n", b"1|2\n", b"3\n"], 3),  # the header counts
        ("ESCAPE", [b"a\\\nb|c\n", b"3\n"], 3),  # an escaped newline ends a line
        ("CSV", [b'"a\nb",c\n', b"3\n"], 3),  # a newline between quotes ends a line
        ("CSV", [b"3\n", b"1,2\n"], 1),
    ],
)
def test_a_load_errors_line_number_counts_every_line_of_the_object(
    fake: FirehoseFake, client: Any, options: str, payloads: list[bytes], line: int
) -> None:
    copy = {"DataTableColumns": "a,b", "CopyOptions": f"{options} MAXERROR 1"}
    stream = loaded(fake, client, copy, *payloads)

    assert len(stream.rows) == 1
    assert [(e.line_number, e.err_code) for e in stream.load_errors] == [(line, 1214)]


def test_a_csv_quote_not_closed_by_the_end_of_the_object_is_a_load_error(
    fake: FirehoseFake, client: Any
) -> None:
    copy = {"DataTableColumns": "a,b", "CopyOptions": "CSV MAXERROR 1"}
    stream = loaded(fake, client, copy, b"1,2\n", b'"3,4\n')

    assert stream.rows == [{"a": "1", "b": "2"}]
    assert [(e.line_number, e.err_code, e.err_reason) for e in stream.load_errors] == [
        (2, 1216, "Unterminated quoted field at the end of the file")
    ]


def test_a_load_errors_raw_field_value_is_the_field_as_written(
    fake: FirehoseFake, client: Any
) -> None:
    copy = {"DataTableColumns": "a,b", "CopyOptions": "REMOVEQUOTES"}
    stream = loaded(fake, client, copy, b'1|"q"|3\n')

    (error,) = stream.load_errors
    assert (error.colname, error.err_code, error.raw_field_value) == ("b", 1202, '"q"')


def test_a_json_load_error_names_the_last_line_of_its_object(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(
        fake,
        client,
        {"CopyOptions": "JSON 'auto'"},
        b'{"a": "ok"}\n',
        b'{"a":\n "\xff",\n "b": 1}\n',
    )

    (error,) = stream.load_errors
    assert (error.line_number, error.colname, error.err_code) == (4, "a", 1220)
    assert error.raw_line == '{"a":\n ".",\n "b": 1}'


def test_json_that_cannot_be_read_is_a_load_error_and_fails_the_copy(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(
        fake, client, {"CopyOptions": "JSON 'auto' MAXERROR 5"}, b'{"a": 1}\n', b'{"a": }\n'
    )

    assert stream.rows == []
    (error,) = stream.load_errors
    assert (error.line_number, error.err_code, error.raw_line) == (2, 1216, '{"a": }')
    assert error.err_reason.startswith("Invalid JSON: ")


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (b'{"a": NaN}\n', "Invalid JSON: NaN is not JSON"),  # Python's reader takes it
        (b'{"a": -Infinity}\n', "Invalid JSON: -Infinity is not JSON"),
        (b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}\n", "Invalid JSON: the JSON is nested"),
    ],
    ids=["nan", "infinity", "nested-too-deep"],
)
def test_json_python_would_read_otherwise_is_a_load_error_too(
    fake: FirehoseFake, client: Any, record: bytes, reason: str
) -> None:
    stream = loaded(fake, client, {"CopyOptions": "JSON 'auto'"}, b'{"a": 1}\n', record)

    assert stream.rows == []
    assert stream.delivery_errors == []
    (error,) = stream.load_errors
    assert (error.line_number, error.err_code) == (2, 1216)
    assert error.err_reason.startswith(reason)


def test_a_failed_copy_and_its_load_errors_are_in_assert_delivereds_message(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(fake, client, {"DataTableColumns": "a,b"}, b"1|2\n", b"3\n")
    fake.firehose.clock.advance(seconds=1)  # a retry: the same error again

    assert len(stream.load_errors) == 2
    with pytest.raises(AssertionError) as caught:
        stream.assert_delivered([b"1|2\n", b"3\n"])

    message = str(caught.value)
    # Redshift's own message, with its two spaces.
    assert (
        "Load into table 'events' failed.  Check 'stl_load_errors' system table for details."
    ) in message
    assert message.count("1214 Delimiter not found") == 1
    assert f"{stream.load_errors[0].filename} line 2 column 'b'" not in message
    assert f"{stream.load_errors[0].filename} line 2 column 'a'" in message


def test_a_copy_that_fails_before_reading_a_line_says_why_in_the_message(
    fake: FirehoseFake, client: Any
) -> None:
    with pytest.warns(UnmodelledSettingWarning):
        stream = loaded(fake, client, {"CopyOptions": "CSV ESCAPE"}, b"a\n")

    assert stream.load_errors == []
    with pytest.raises(AssertionError, match="ESCAPE cannot be used with CSV"):
        stream.assert_delivered([b"a\n"])


def test_load_errors_outlive_an_update_of_the_destination(fake: FirehoseFake, client: Any) -> None:
    stream = loaded(fake, client, {"DataTableColumns": "a,b", "CopyOptions": "MAXERROR 1"}, b"3\n")

    client.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        RedshiftDestinationUpdate={
            "CopyCommand": {"DataTableName": "events", "DataTableColumns": "a"}
        },
    )
    put(client, b"4|5\n")
    fake.firehose.clock.advance(seconds=60)

    assert [(e.err_code, e.raw_line) for e in stream.load_errors] == [
        (1214, "3"),
        (1202, "4|5"),
    ]


def test_other_destinations_have_no_load_errors(fake: FirehoseFake) -> None:
    assert fake.firehose.create_delivery_stream("events").load_errors == []
    s3 = fake.firehose.create_delivery_stream(
        "other", RedshiftDestinationConfiguration=redshift({})
    )
    assert s3.load_errors == []
