"""The COPY options of a Redshift destination beyond the formats and nulls: those that
change nothing the loaded rows show (accepted without a warning), those that change the rows
(``REMOVEQUOTES``, ``FIXEDWIDTH``, ``JSON 'noshred'``, ``NOLOAD``, ``IGNOREALLERRORS``),
those Firehose's own COPY cannot run with (every COPY fails), and those still reported."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from conftest import put
from test_redshift_copy import loaded, redshift

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning


def modelled(fake: FirehoseFake, client: Any, copy: dict[str, Any], *payloads: bytes) -> Any:
    """The stream after ``payloads`` were loaded with ``copy``, which must warn of nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)
        return loaded(fake, client, copy, *payloads)


@pytest.mark.parametrize(
    "options",
    [
        "COMPUPDATE OFF STATUPDATE ON",
        "COMPUPDATE PRESET STATUPDATE FALSE COMPROWS 1000000",
        "COMPROWS 1000",
        "COMPUPDATE",
        "ACCEPTANYDATE DATEFORMAT 'auto' TIMEFORMAT 'epochsecs'",
        "ROUNDEC TRUNCATECOLUMNS EXPLICIT_IDS",
        "REGION AS 'eu-west-1'",
        "ENCODING AS UTF8",
        "encoding utf8 compupdate on",
    ],
)
def test_options_that_change_nothing_the_rows_show_are_accepted_without_a_warning(
    fake: FirehoseFake, client: Any, options: str
) -> None:
    stream = modelled(fake, client, {"DataTableColumns": "x,y", "CopyOptions": options}, b"a|b\n")

    assert stream.rows == [{"x": "a", "y": "b"}]


@pytest.mark.parametrize(
    ("payload", "row"),
    [
        (b'"a|b"|c\n', {"x": "a|b", "y": "c"}),  # the delimiter between quotes is kept
        (b"'Black'|\"White\"\n", {"x": "Black", "y": "White"}),
        (b"Blue'|b\"c\n", {"x": "Blue'", "y": 'b"c'}),  # a quote inside: kept
        (b"''|\"\"\n", {"x": "", "y": ""}),
        (b"' 'a' '|' '\n", {"x": " 'a' ", "y": " "}),  # only the outer quotes go
        (b'"\\N"|\\N\n', {"x": "\\N", "y": None}),  # a quoted field is never NULL AS
    ],
)
def test_removequotes_removes_the_quotes_around_a_field_and_keeps_what_they_hold(
    fake: FirehoseFake, client: Any, payload: bytes, row: dict[str, Any]
) -> None:
    copy = {"DataTableColumns": "x,y", "CopyOptions": "REMOVEQUOTES"}
    stream = modelled(fake, client, copy, payload)

    assert stream.rows == [row]


def test_removequotes_with_escape_keeps_an_escaped_quote(fake: FirehoseFake, client: Any) -> None:
    copy = {"DataTableColumns": "x,y", "CopyOptions": "REMOVEQUOTES ESCAPE"}
    stream = modelled(fake, client, copy, b'"say \\"hi\\"|"|z\n')

    assert stream.rows == [{"x": 'say "hi"|', "y": "z"}]


def test_a_quote_removequotes_cannot_close_leaves_its_line_out(
    fake: FirehoseFake, client: Any
) -> None:
    copy = {"DataTableColumns": "x,y", "CopyOptions": "REMOVEQUOTES MAXERROR 2"}
    stream = modelled(fake, client, copy, b"'Blue|b\n", b'"x"y|z\n', b"a|b\n")

    assert stream.rows == [{"x": "a", "y": "b"}]
    assert [(e.line_number, e.err_code, e.raw_line) for e in stream.load_errors] == [
        (1, 1216, "'Blue|b"),
        (2, 1216, '"x"y|z'),
    ]


def test_fixedwidth_splits_each_line_into_fields_of_its_widths_in_bytes(
    fake: FirehoseFake, client: Any
) -> None:
    copy = {
        "DataTableColumns": "id,name,city",
        "CopyOptions": "FIXEDWIDTH 'id:3,name:6,city:4' TRIMBLANKS",
    }
    # "ë" is two bytes of UTF-8: "Zoë" and two blanks fill the six bytes of name.
    stream = modelled(fake, client, copy, b"001ann   Oslo\n", "002Zoë  Rome\n".encode())

    assert stream.rows == [
        {"id": "001", "name": "ann", "city": "Oslo"},
        {"id": "002", "name": "Zoë", "city": "Rome"},
    ]


def test_fixedwidth_without_data_table_columns_names_its_fields_by_position(
    fake: FirehoseFake, client: Any
) -> None:
    stream = modelled(fake, client, {"CopyOptions": "fixedwidth 'a:2,b:1'"}, b"xyz\n")

    assert stream.rows == [{"1": "xy", "2": "z"}]


def test_fixedwidth_lines_shorter_or_longer_than_the_widths_do_not_load(
    fake: FirehoseFake, client: Any
) -> None:
    copy = {"DataTableColumns": "a,b", "CopyOptions": "FIXEDWIDTH 'a:2,b:2' MAXERROR 5"}
    stream = modelled(fake, client, copy, b"abcd\n", b"abc\n", b"abcde\n", b"a\xc3\xa9b")

    assert stream.rows == [{"a": "ab", "b": "cd"}]
    assert [(e.line_number, e.err_code) for e in stream.load_errors] == [
        (2, 1214),
        (3, 1216),
        (4, 1220),  # "é" (c3 a9) cut in two by the widths: bytes that are not UTF-8
    ]
    assert [e.err_reason for e in stream.load_errors][:2] == ["Line too short", "Line too long"]


def test_fixedwidth_with_acceptinvchars_replaces_each_byte_of_a_character_cut_in_two(
    fake: FirehoseFake, client: Any
) -> None:
    copy = {"DataTableColumns": "a,b", "CopyOptions": "FIXEDWIDTH 'a:2,b:2' ACCEPTINVCHARS"}
    stream = modelled(fake, client, copy, b"a\xc3\xa9b\n")

    assert stream.rows == [{"a": "a?", "b": "?b"}]


def test_fixedwidth_with_fillrecord_loads_the_fields_a_short_line_lacks_as_null(
    fake: FirehoseFake, client: Any
) -> None:
    copy = {"DataTableColumns": "a,b,c", "CopyOptions": "FIXEDWIDTH 'a:1,b:2,c:2' FILLRECORD"}
    stream = modelled(fake, client, copy, b"1bb\n", b"2b\n")

    assert stream.rows == [{"a": "1", "b": "bb", "c": None}, {"a": "2", "b": "b", "c": None}]


def test_json_noshred_loads_each_document_whole_into_the_one_column(
    fake: FirehoseFake, client: Any
) -> None:
    copy = {"DataTableColumns": "doc", "CopyOptions": "FORMAT AS JSON 'noshred'"}
    stream = modelled(fake, client, copy, b'{"a": 1.50, "b": [true, null]}\n', b'{"c": "x"}')

    assert stream.rows == [{"doc": '{"a":1.50,"b":[true,null]}'}, {"doc": '{"c":"x"}'}]


def test_json_noshred_into_more_than_one_column_fails_every_copy(
    fake: FirehoseFake, client: Any
) -> None:
    copy = {"DataTableColumns": "a,b", "CopyOptions": "JSON 'noshred'"}
    stream = modelled(fake, client, copy, b'{"a": 1}\n')

    assert stream.rows == []
    assert stream.pending == [b'{"a": 1}\n']
    with pytest.raises(AssertionError, match="JSON 'noshred' loads each document into one"):
        stream.assert_delivered([b'{"a": 1}\n'])


def test_noload_checks_the_lines_and_loads_none_of_them(fake: FirehoseFake, client: Any) -> None:
    copy = {"DataTableColumns": "a,b", "CopyOptions": "NOLOAD MAXERROR 1"}
    stream = modelled(fake, client, copy, b"1|2\n", b"3\n")

    assert stream.rows == []
    assert stream.objects[0].rows == ()
    assert [(e.line_number, e.err_code) for e in stream.load_errors] == [(2, 1214)]
    assert stream.delivered == [b"1|2\n", b"3\n"]  # the COPY succeeded


def test_ignoreallerrors_loads_the_good_lines_whatever_the_number_of_bad_ones(
    fake: FirehoseFake, client: Any
) -> None:
    copy = {"DataTableColumns": "a,b", "CopyOptions": "IGNOREALLERRORS"}
    stream = modelled(fake, client, copy, b"1\n", b"2\n", b"3|4\n")

    assert stream.rows == [{"a": "3", "b": "4"}]
    assert [e.line_number for e in stream.load_errors] == [1, 2]


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ("MANIFEST", "MANIFEST cannot be given: Firehose's COPY gives MANIFEST itself"),
        ("IAM_ROLE 'arn:aws:iam::123456789012:role/r'", "IAM_ROLE cannot be given: Firehose"),
        ("WITH CREDENTIALS 'aws_iam_role=r'", "CREDENTIALS cannot be given"),
        # The first option COPY cannot run with is the one named.
        ("MANIFEST CREDENTIALS 'aws_iam_role=r'", "MANIFEST cannot be given: Firehose's COPY"),
        ("ACCESS_KEY_ID 'AKIA' SECRET_ACCESS_KEY 'k'", "ACCESS_KEY_ID cannot be given"),
        ("ENCRYPTED", "ENCRYPTED cannot be given: the staged objects are not encrypted"),
        ("FORMAT AS PARQUET", "PARQUET cannot be given: the staged objects are the records"),
        ("ORC SERIALIZETOJSON", "ORC cannot be given"),
        ("SHAPEFILE SIMPLIFY AUTO", "SHAPEFILE cannot be given"),
        ("SSH", "SSH cannot be given"),
        ("READRATIO 50", "READRATIO cannot be given: it is for a COPY from DynamoDB"),
        ("CSV REMOVEQUOTES", "REMOVEQUOTES cannot be used with CSV"),
        ("JSON 'auto' REMOVEQUOTES", "JSON cannot be used with DELIMITER, ESCAPE, FILLRECORD"),
        ("FIXEDWIDTH 'a:1' DELIMITER ','", "FIXEDWIDTH cannot be used with CSV or DELIMITER"),
        ("FIXEDWIDTH 'a1'", "FIXEDWIDTH 'a1': each field is 'label:width'"),
        ("IGNOREALLERRORS MAXERROR 2", "IGNOREALLERRORS cannot be used with MAXERROR"),
        ("COMPROWS 10", "COMPROWS takes 1000 to 2147483647, not 10"),
        ("ENCODING LATIN1", "ENCODING takes one of UTF8, UTF16, UTF16LE, UTF16BE"),
        ("FIXEDWIDTH 'a:1' ENCODING UTF16LE", "FIXEDWIDTH cannot be used with ENCODING UTF16LE"),
        ("JSON 'shred'", "JSON takes 'auto', 'auto ignorecase', 'noshred' or the s3:// URL"),
        ("NOLOAD NOLOAD", "NOLOAD is given twice"),
    ],
)
def test_options_firehose_copy_cannot_run_with_are_reported_and_fail_every_copy(
    fake: FirehoseFake, client: Any, options: str, reason: str
) -> None:
    config = redshift({"CopyOptions": options})
    with pytest.warns(UnmodelledSettingWarning) as caught:
        stream = fake.firehose.create_delivery_stream(
            "events", RedshiftDestinationConfiguration=config
        )
    put(client, b"a\n")
    fake.firehose.clock.advance(seconds=60)

    (message,) = [str(warning.message) for warning in caught]
    assert message.startswith(
        f"RedshiftDestinationConfiguration.CopyCommand.CopyOptions {options!r}: COPY cannot "
        "run with it ("
    ), message
    assert reason in message
    assert message.endswith("every COPY fails, and each batch is skipped once its retries run out")
    assert stream.rows == []
    assert stream.pending == [b"a\n"]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ("NOSUCH 'auto'", "NOSUCH is not modelled: COPY loads the staged objects as if it were"),
        ("FIXEDWIDTH 'a:1' ESCAPE", "ESCAPE with FIXEDWIDTH is not modelled"),
        ("NOSUCH AS 'x'", "NOSUCH is not modelled: COPY loads the staged objects as if it were"),
        ("BLANKETY ON NOSUCH 'x'", "BLANKETY, NOSUCH are not modelled: COPY loads the staged "),
    ],
)
def test_options_the_fake_does_not_model_are_each_named(
    fake: FirehoseFake, options: str, named: str
) -> None:
    config = redshift({"CopyOptions": options})
    with pytest.warns(UnmodelledSettingWarning) as caught:
        fake.firehose.create_delivery_stream("events", RedshiftDestinationConfiguration=config)

    (message,) = [str(warning.message) for warning in caught]
    assert message.startswith("RedshiftDestinationConfiguration.CopyCommand.CopyOptions "), message
    assert named in message
