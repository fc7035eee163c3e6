"""A Redshift destination's COPY with ``ENCODING UTF16``, ``UTF16LE`` or ``UTF16BE``: the
staged object (decompressed first) is converted from UTF-16 into UTF-8, and the rows are
read from it as from UTF-8 text; data not in the encoding named fails the COPY with load
error 1221, and a surrogate without its pair is bytes that are not UTF-8."""

from __future__ import annotations

import codecs
import warnings
from typing import Any

import pytest
from conftest import put
from test_redshift_copy import loaded, redshift

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning

LE, BE = codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE


def utf16(fake: FirehoseFake, client: Any, copy: dict[str, Any], *payloads: bytes) -> Any:
    """The stream after ``payloads`` were loaded with ``copy``, which must warn of nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)
        return loaded(fake, client, {"DataTableColumns": "a,b", **copy}, *payloads)


@pytest.mark.parametrize(
    ("encoding", "payloads"),
    [
        ("UTF16", [LE + "é|1\n".encode("utf-16-le"), "ü|2\n".encode("utf-16-le")]),
        ("UTF16", [BE + "é|1\n".encode("utf-16-be"), "ü|2\n".encode("utf-16-be")]),
        ("UTF16LE", ["é|1\n".encode("utf-16-le"), "ü|2\n".encode("utf-16-le")]),
        ("UTF16LE", [LE + "é|1\n".encode("utf-16-le"), "ü|2\n".encode("utf-16-le")]),
        ("UTF16BE", ["é|1\n".encode("utf-16-be"), "ü|2\n".encode("utf-16-be")]),
        ("ENCODING AS UTF16BE", [BE + "é|1\nü|2\n".encode("utf-16-be")]),
    ],
)
def test_utf16_objects_load_their_rows_with_or_without_a_byte_order_mark(
    fake: FirehoseFake, client: Any, encoding: str, payloads: list[bytes]
) -> None:
    options = encoding if encoding.startswith("ENCODING") else f"ENCODING {encoding}"
    stream = utf16(fake, client, {"CopyOptions": options}, *payloads)

    # The byte order mark is not data: the first field is "é", not "\ufeffé".
    assert stream.rows == [{"a": "é", "b": "1"}, {"a": "ü", "b": "2"}]
    assert stream.load_errors == []


def test_the_same_utf16_object_without_encoding_is_read_as_utf8_and_does_not_load(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(fake, client, {"DataTableColumns": "a,b"}, LE + "x|1\n".encode("utf-16-le"))

    assert stream.rows == []
    assert stream.load_errors[0].err_code == 1220


def test_a_character_beyond_the_basic_plane_loads_from_its_surrogate_pair(
    fake: FirehoseFake, client: Any
) -> None:
    stream = utf16(fake, client, {"CopyOptions": "ENCODING UTF16BE"}, "🙂|x\n".encode("utf-16-be"))

    assert stream.rows == [{"a": "🙂", "b": "x"}]


def test_csv_ignoreheader_and_gzip_read_the_converted_text(fake: FirehoseFake, client: Any) -> None:
    config = redshift(
        {"DataTableColumns": "a,b", "CopyOptions": "CSV IGNOREHEADER 1 GZIP ENCODING UTF16"},
        S3Configuration={"CompressionFormat": "GZIP"},
    )
    stream = fake.firehose.create_delivery_stream("events", RedshiftDestinationConfiguration=config)
    put(client, LE + 'a,b\n"x,y",ß\n'.encode("utf-16-le"))
    fake.firehose.clock.advance(seconds=60)

    # Decompressed first, then converted: the gzip stream holds the UTF-16 text.
    assert stream.rows == [{"a": "x,y", "b": "ß"}]


def test_a_json_object_is_read_through_utf16(fake: FirehoseFake, client: Any) -> None:
    stream = utf16(
        fake,
        client,
        {"DataTableColumns": "a,b", "CopyOptions": "JSON 'auto' ENCODING UTF16LE"},
        '{"a": "ä", "b": 2}\n'.encode("utf-16-le"),
        '{"b": "c"}'.encode("utf-16-le"),
    )

    assert stream.rows == [{"a": "ä", "b": "2"}, {"a": None, "b": "c"}]


@pytest.mark.parametrize(
    ("options", "payload"),
    [
        ("ENCODING UTF16", "x|1\n".encode("utf-16-le")),  # UTF16 needs a byte order mark
        ("ENCODING UTF16LE", BE + "x|1\n".encode("utf-16-le")),  # the other order's mark
        ("ENCODING UTF16BE", LE + "x|1\n".encode("utf-16-be")),
        ("ENCODING UTF16LE", "x|1\n".encode("utf-16-le") + b"\n"),  # an odd byte count
        ("ENCODING UTF16 ACCEPTINVCHARS MAXERROR 5", LE + "x|1\n".encode("utf-16-le") + b"y"),
    ],
)
def test_data_not_in_the_encoding_named_fails_the_copy_with_load_error_1221(
    fake: FirehoseFake, client: Any, options: str, payload: bytes
) -> None:
    stream = utf16(fake, client, {"CopyOptions": options}, payload)

    assert stream.rows == []
    assert stream.delivered == []
    assert stream.pending == [payload]
    (error,) = {(e.line_number, e.err_code, e.err_reason) for e in stream.load_errors}
    assert error == (
        1,
        1221,
        "Encoding of the file is not the same as that specified in the COPY command.",
    )
    assert stream.load_errors[0].filename.startswith("s3://landing/staging/")


def test_an_unpaired_surrogate_is_a_load_error_1220_without_acceptinvchars(
    fake: FirehoseFake, client: Any
) -> None:
    bad = "x\ud800|1\n".encode("utf-16-le", "surrogatepass")
    stream = utf16(
        fake,
        client,
        {"CopyOptions": "ENCODING UTF16LE MAXERROR 1"},
        bad,
        "y|2\n".encode("utf-16-le"),
    )

    assert stream.rows == [{"a": "y", "b": "2"}]
    (error,) = stream.load_errors
    assert (error.line_number, error.colname, error.err_code) == (1, "a", 1220)
    assert error.err_reason == (
        "String contains invalid or unsupported UTF8 codepoints. Bad UTF8 hex sequence: "
        "ed a0 80 (error 5)"
    )
    assert error.raw_line == "x...|1"


def test_acceptinvchars_replaces_an_unpaired_surrogate_with_three_characters(
    fake: FirehoseFake, client: Any
) -> None:
    # The surrogate's UTF-8 form is three bytes: replaced with a string of equal length.
    bad = "x\udc00|1\n".encode("utf-16-be", "surrogatepass")
    stream = utf16(fake, client, {"CopyOptions": "ENCODING UTF16BE ACCEPTINVCHARS AS '^'"}, bad)

    assert stream.rows == [{"a": "x^^^", "b": "1"}]
    assert stream.load_errors == []
