"""A Redshift destination's COPY: after each object is staged in the intermediate bucket, the
rows its ``CopyCommand`` loads into the table (text, CSV and JSON formats, nulls,
compression, ``DataTableColumns``), the manifests written beside the objects, a COPY that
fails retried for ``RetryOptions.DurationInSeconds`` and then skipped (its manifest under
``errors/manifests/``), and the ``CopyOptions`` the fake does not model reported."""

from __future__ import annotations

import bz2
import gzip
import json
import re
import warnings
from typing import Any

import boto3
import pytest
from conftest import ROLE, S3, put, refused

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning, UsageError

JDBC = "jdbc:redshift://cluster.abc123.us-east-1.redshift.amazonaws.com:5439/db"


def redshift(copy: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A Redshift destination loading table ``events`` with ``copy`` (CopyCommand members),
    its intermediate bucket staging under ``staging/`` and flushed every 60 seconds."""
    return {
        "RoleARN": ROLE,
        "ClusterJDBCURL": JDBC,
        "CopyCommand": {"DataTableName": "events", **copy},
        "Username": "loader",
        "Password": "secret-password",
        "S3Configuration": {
            **S3,
            "Prefix": "staging/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            **extra.pop("S3Configuration", {}),
        },
        **extra,
    }


def loaded(fake: FirehoseFake, client: Any, copy: dict[str, Any], *payloads: bytes) -> Any:
    """The stream after ``payloads`` were put and their object loaded with ``copy``."""
    stream = fake.firehose.create_delivery_stream(
        "events", RedshiftDestinationConfiguration=redshift(copy)
    )
    put(client, *payloads)
    fake.firehose.clock.advance(seconds=60)
    return stream


def test_the_default_text_format_splits_on_pipes_and_loads_backslash_n_as_null(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(fake, client, {"DataTableColumns": "id, Name"}, b"1|ann\n", b"2|\\N\n", b"3|\n")

    # Unquoted column names fold to lower case, as Redshift folds identifiers.
    assert stream.rows == [
        {"id": "1", "name": "ann"},
        {"id": "2", "name": None},
        {"id": "3", "name": ""},
    ]
    assert stream.delivered == [b"1|ann\n", b"2|\\N\n", b"3|\n"]


def test_double_quoted_column_names_keep_their_case(fake: FirehoseFake, client: Any) -> None:
    stream = loaded(fake, client, {"DataTableColumns": '"Id", "Name",City'}, b"1|ann|Oslo\n")

    assert stream.rows == [{"Id": "1", "Name": "ann", "city": "Oslo"}]


def test_without_data_table_columns_fields_are_named_by_position(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(fake, client, {}, b"a|b|c\n")

    assert stream.rows == [{"1": "a", "2": "b", "3": "c"}]


@pytest.mark.parametrize(
    ("options", "payload", "row"),
    [
        ("DELIMITER ','", b"a,b\n", {"x": "a", "y": "b"}),
        ("DELIMITER AS '\\t'", b"a\tb\n", {"x": "a", "y": "b"}),
        ("delimiter '\\011' ;", b"a\tb\n", {"x": "a", "y": "b"}),
        ("DELIMITER '|~|'", b"a|b|~|c\n", {"x": "a|b", "y": "c"}),
        ("ESCAPE", b"a\\|b|c\n", {"x": "a|b", "y": "c"}),
        ("NULL AS 'nil'", b"nil|\\N\n", {"x": None, "y": "\\N"}),
        ("EMPTYASNULL", b"|  \n", {"x": None, "y": "  "}),
        ("BLANKSASNULL", b"|  \n", {"x": "", "y": None}),
        ("CSV", b'"a,1","say ""hi"""\n', {"x": "a,1", "y": 'say "hi"'}),
        ("CSV QUOTE AS '%' DELIMITER ';'", b"%a;b%;c\n", {"x": "a;b", "y": "c"}),
        ("CSV", b' "a" , b \n', {"x": "a", "y": " b "}),
        ("FORMAT AS CSV", b'"multi\nline",z\n', {"x": "multi\nline", "y": "z"}),
        ("IGNOREHEADER 1", b"x|y\na|b\n", {"x": "a", "y": "b"}),
        ("IGNOREHEADER 1", b"\na|b\n", {"x": "a", "y": "b"}),  # an empty header line
        ("ESCAPE", b"\\N|a\\|b\n", {"x": None, "y": "a|b"}),  # NULL AS matches as written
        ("CSV", b"a,b", {"x": "a", "y": "b"}),  # the last line, without its newline
        ("IGNOREBLANKLINES", b"\na|b\n", {"x": "a", "y": "b"}),
        ("TRIMBLANKS", b"a  |b \t\n", {"x": "a", "y": "b"}),
        ("FILLRECORD", b"a\n", {"x": "a", "y": None}),
        ("ACCEPTINVCHARS", b"a\xff\xfe|b\n", {"x": "a??", "y": "b"}),
        ("ACCEPTINVCHARS AS '^'", b"a|\xc3\n", {"x": "a", "y": "^"}),
        (
            "TIMEFORMAT 'auto' DATEFORMAT AS 'YYYY-MM-DD'",
            b"2024-01-02|x\n",
            {"x": "2024-01-02", "y": "x"},
        ),
    ],
)
def test_copy_options_shape_the_rows(
    fake: FirehoseFake, client: Any, options: str, payload: bytes, row: dict[str, Any]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)  # every one is modelled
        stream = loaded(fake, client, {"DataTableColumns": "x,y", "CopyOptions": options}, payload)

    assert stream.rows == [row]


def test_json_auto_matches_keys_to_columns_exactly_and_ignorecase_ignores_case(
    fake: FirehoseFake, client: Any
) -> None:
    record = b'{"id": 7, "Name": "ann", "score": 1.50, "tags": ["a", 2], "ok": true, "gone": null}'
    exact = loaded(
        fake,
        client,
        {"DataTableColumns": "id,name,score,tags,ok,gone,missing", "CopyOptions": "JSON 'auto'"},
        record,
    )
    assert exact.rows == [
        {
            "id": "7",
            "name": None,  # "Name" is not "name" under 'auto'
            "score": "1.50",
            "tags": '["a",2]',
            "ok": "true",
            "gone": None,
            "missing": None,
        }
    ]

    fake.firehose.create_delivery_stream(
        "other",
        RedshiftDestinationConfiguration=redshift(
            {"DataTableColumns": "name", "CopyOptions": "format as json 'auto ignorecase'"}
        ),
    )
    client.put_record(DeliveryStreamName="other", Record={"Data": record})
    fake.firehose.clock.advance(seconds=60)
    assert fake.firehose["other"].rows == [{"name": "ann"}]


def test_json_with_ignoreheader_skips_the_first_lines(fake: FirehoseFake, client: Any) -> None:
    stream = loaded(
        fake, client, {"CopyOptions": "JSON 'auto' IGNOREHEADER 1"}, b"id\n", b'{"id": "1"}\n'
    )

    assert stream.rows == [{"id": "1"}]


def test_json_records_without_newlines_still_load_one_row_each(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(fake, client, {"CopyOptions": "JSON 'auto'"}, b'{"a":"1"}', b'{"a":"2"}')

    assert stream.rows == [{"a": "1"}, {"a": "2"}]


def test_a_gzip_staged_object_loads_with_the_gzip_option_and_writes_its_manifest(
    fake: FirehoseFake, client: Any, landing_s3: Any
) -> None:
    config = redshift(
        {"DataTableColumns": "a,b", "CopyOptions": "GZIP"},
        S3Configuration={"CompressionFormat": "GZIP"},
    )
    stream = fake.firehose.create_delivery_stream("events", RedshiftDestinationConfiguration=config)
    put(client, b"a|1\n", b"b|2\n")
    fake.firehose.clock.advance(seconds=60)

    keys = sorted(o["Key"] for o in landing_s3.list_objects_v2(Bucket="landing")["Contents"])
    bodies = {key: landing_s3.get_object(Bucket="landing", Key=key)["Body"].read() for key in keys}

    staged, manifest = sorted(keys, key=lambda key: "manifests/" in key)
    assert re.fullmatch(r"staging/\d{4}/\d\d/\d\d/\d\d/events-1-[-\d]+-[-0-9a-f]+\.gz", staged)
    assert manifest == "staging/manifests/" + staged.removeprefix("staging/")
    assert json.loads(bodies[manifest]) == {
        "entries": [{"url": f"s3://landing/{staged}", "mandatory": True}]
    }
    assert gzip.decompress(bodies[staged]) == b"a|1\nb|2\n"
    assert stream.rows == [{"a": "a", "b": "1"}, {"a": "b", "b": "2"}]
    assert [obj.key for obj in stream.manifests] == [manifest]


def test_a_gzip_staged_object_copied_without_gzip_fails_to_load(
    fake: FirehoseFake, client: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        RedshiftDestinationConfiguration=redshift(
            {}, S3Configuration={"CompressionFormat": "GZIP"}
        ),
    )
    put(client, b"a|1\n")
    fake.firehose.clock.advance(seconds=60)

    assert stream.rows == []
    assert stream.delivered == []
    assert stream.pending == [b"a|1\n"]


@pytest.mark.parametrize("options", ["BZIP2", "ZSTD", "LZOP"])
def test_a_compression_the_staged_object_is_not_in_fails_the_load(
    fake: FirehoseFake, client: Any, options: str
) -> None:
    stream = loaded(fake, client, {"CopyOptions": options}, b"a|1\n")

    assert stream.rows == []
    assert stream.pending == [b"a|1\n"]


@pytest.mark.parametrize("options", ["BZIP2", "ZSTD"])
def test_a_record_that_is_a_whole_compressed_file_loads_with_its_compression(
    fake: FirehoseFake, client: Any, options: str
) -> None:
    lines = b"a|1\nb|2\n"
    if options == "ZSTD":
        cramjam = pytest.importorskip("cramjam")
        body = bytes(cramjam.zstd.compress(lines))
    else:
        body = bz2.compress(lines)
    # One record, staged as sent: the object is that one compressed file.
    stream = loaded(fake, client, {"DataTableColumns": "x,y", "CopyOptions": options}, body)

    assert stream.rows == [{"x": "a", "y": "1"}, {"x": "b", "y": "2"}]
    assert stream.delivered == [body]


def test_a_line_that_is_not_utf8_does_not_load_without_acceptinvchars(
    fake: FirehoseFake, client: Any
) -> None:
    strict = loaded(fake, client, {}, b"a\xff\n", b"b\n")
    assert strict.rows == []
    assert strict.pending == [b"a\xff\n", b"b\n"]

    fake.firehose.create_delivery_stream(
        "lenient",
        RedshiftDestinationConfiguration=redshift({"CopyOptions": "JSON 'auto' MAXERROR 1"}),
    )
    client.put_record_batch(
        DeliveryStreamName="lenient",
        Records=[{"Data": b'{"a": "\xff"}'}, {"Data": b'{"a": "ok"}'}],
    )
    fake.firehose.clock.advance(seconds=60)
    assert fake.firehose["lenient"].rows == [{"a": "ok"}]


def test_a_line_that_does_not_load_fails_the_copy_unless_maxerror_allows_it(
    fake: FirehoseFake, client: Any
) -> None:
    strict = loaded(fake, client, {"DataTableColumns": "a,b"}, b"1|2\n", b"3\n", b"4|5|6\n")
    assert strict.rows == []
    assert strict.delivered == []

    fake.firehose.create_delivery_stream(
        "lenient",
        RedshiftDestinationConfiguration=redshift(
            {"DataTableColumns": "a,b", "CopyOptions": "MAXERROR AS 2"}
        ),
    )
    put_to = {"DeliveryStreamName": "lenient"}
    client.put_record_batch(
        **put_to, Records=[{"Data": b"1|2\n"}, {"Data": b"3\n"}, {"Data": b"4|5|6\n"}]
    )
    fake.firehose.clock.advance(seconds=60)
    lenient = fake.firehose["lenient"]
    # The load succeeds without the two bad lines; every record was delivered.
    assert lenient.rows == [{"a": "1", "b": "2"}]
    assert lenient.delivered == [b"1|2\n", b"3\n", b"4|5|6\n"]


def test_a_failing_copy_is_retried_then_skipped_with_its_manifest_under_errors(
    fake: FirehoseFake, client: Any, landing_s3: Any
) -> None:
    config = redshift({"DataTableColumns": "a,b"}, RetryOptions={"DurationInSeconds": 600})
    stream = fake.firehose.create_delivery_stream("events", RedshiftDestinationConfiguration=config)
    put(client, b"not two columns\n")
    fake.firehose.clock.advance(seconds=60)
    assert stream.pending == [b"not two columns\n"]

    fake.firehose.clock.advance(seconds=599)  # not yet 600 s since the first COPY
    assert stream.backed_up == []
    assert stream.pending == [b"not two columns\n"]

    fake.firehose.clock.advance(seconds=600)  # past it, at the next retry (backoff doubles)
    keys = sorted(o["Key"] for o in landing_s3.list_objects_v2(Bucket="landing")["Contents"])
    skipped = [key for key in keys if key.startswith("staging/errors/manifests/")]
    body = landing_s3.get_object(Bucket="landing", Key=skipped[0])["Body"].read()

    assert stream.backed_up == [b"not two columns\n"]
    assert stream.pending == []
    assert stream.delivered == []
    assert stream.rows == []
    staged = next(key for key in keys if re.match(r"staging/\d{4}/", key))
    assert skipped == ["staging/errors/manifests/" + staged.removeprefix("staging/")]
    assert json.loads(body) == {"entries": [{"url": f"s3://landing/{staged}", "mandatory": True}]}
    assert [obj.key for obj in stream.manifests] == skipped


def test_a_retry_duration_of_zero_skips_a_failing_copy_at_once(
    fake: FirehoseFake, client: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        RedshiftDestinationConfiguration=redshift(
            {"DataTableColumns": "a,b"}, RetryOptions={"DurationInSeconds": 0}
        ),
    )
    put(client, b"bad\n")
    fake.firehose.clock.advance(seconds=60)

    assert stream.backed_up == [b"bad\n"]
    assert stream.pending == []


def test_while_the_cluster_is_down_objects_are_staged_and_loaded_once_it_is_back(
    fake: FirehoseFake, client: Any, landing_s3: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", RedshiftDestinationConfiguration=redshift({})
    )
    stream.destination_down()
    put(client, b"a|1\n")
    fake.firehose.clock.advance(seconds=60)

    keys = [o["Key"] for o in landing_s3.list_objects_v2(Bucket="landing")["Contents"]]
    assert len(keys) == 2  # the object and its manifest: the bucket is up
    assert stream.rows == []
    assert stream.pending == [b"a|1\n"]

    stream.destination_up()
    fake.firehose.flush()

    assert stream.rows == [{"1": "a", "2": "1"}]
    assert stream.delivered == [b"a|1\n"]


def test_a_cluster_down_for_longer_than_the_retry_duration_skips_the_batch(
    fake: FirehoseFake, client: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", RedshiftDestinationConfiguration=redshift({})
    )
    stream.destination_down()
    put(client, b"a|1\n")
    fake.firehose.clock.advance(seconds=60 + 3599)
    assert stream.pending == [b"a|1\n"]

    fake.firehose.clock.advance(seconds=900)  # past the default 3600 s, at the next retry

    assert stream.backed_up == [b"a|1\n"]
    assert stream.pending == []
    assert stream.expired == []
    assert [obj.key.split("/")[1:3] for obj in stream.manifests] == [["errors", "manifests"]]


def test_a_cluster_down_names_its_documented_error_in_the_failed_copies(
    fake: FirehoseFake, client: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", RedshiftDestinationConfiguration=redshift({})
    )
    stream.destination_down()
    put(client, b"a|1\n")
    fake.firehose.clock.advance(seconds=60)
    with pytest.raises(AssertionError) as by_default:
        stream.assert_delivered([b"a|1\n"])

    stream.destination_down(error="Redshift.TableNotFound")
    with pytest.raises(AssertionError) as chosen:
        stream.assert_delivered([b"a|1\n"])  # its flush retries the COPY

    assert (
        ": Redshift.ConnectionFailed: The connection to the specified Amazon Redshift cluster "
        "failed. Ensure that security settings allow Kinesis Data Firehose connections"
    ) in str(by_default.value)
    assert (
        ": Redshift.TableNotFound: The table to which to load data was not found. Ensure that "
        "the specified table exists."
    ) in str(chosen.value)
    assert "ConnectionFailed" not in str(chosen.value)  # the last attempt's error
    assert stream.destination_switches["error"] == "Redshift.TableNotFound"
    with pytest.raises(UsageError, match=r"use one of: Redshift\.ConnectionFailed, Redshift\."):
        stream.destination_down(error="Redshift.Nope")


def test_update_destination_changes_the_copy_command_for_the_next_loads(
    fake: FirehoseFake, client: Any
) -> None:
    stream = loaded(fake, client, {"DataTableColumns": "a,b"}, b"1|2\n")

    client.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        RedshiftDestinationUpdate={
            "CopyCommand": {
                "DataTableName": "events",
                "DataTableColumns": "a",
                "CopyOptions": "JSON 'auto'",
            }
        },
    )
    put(client, b'{"a": "3", "b": "4"}')
    fake.firehose.clock.advance(seconds=60)

    assert stream.rows == [{"a": "1", "b": "2"}, {"a": "3"}]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ("SIMPLE GZIP BLANKETY", "SIMPLE, BLANKETY are not modelled"),
        ("DELIMITER", "cannot run with it (DELIMITER takes a quoted string)"),
        ("CSV ESCAPE", "cannot run with it (ESCAPE cannot be used with CSV)"),
        ("JSON 'auto' NULL AS 'x'", "run with it (JSON cannot be used with DELIMITER, ESCAPE"),
        ("GZIP BZIP2", "cannot run with it (more than one compression is given)"),
        ("MAXERROR 'x'", "cannot run with it (MAXERROR takes a whole number)"),
    ],
)
def test_copy_options_the_fake_does_not_model_are_reported(
    fake: FirehoseFake, options: str, named: str
) -> None:
    config = redshift({"CopyOptions": options})
    with pytest.warns(UnmodelledSettingWarning) as caught:
        fake.firehose.create_delivery_stream("events", RedshiftDestinationConfiguration=config)

    messages = [str(warning.message) for warning in caught]
    assert any(
        message.startswith("RedshiftDestinationConfiguration.CopyCommand.CopyOptions")
        and named in message
        for message in messages
    ), messages


def test_a_copy_command_the_fake_cannot_read_fails_every_load(
    fake: FirehoseFake, client: Any
) -> None:
    with pytest.warns(UnmodelledSettingWarning):
        stream = loaded(fake, client, {"CopyOptions": "CSV 'oops"}, b"a\n")

    assert stream.rows == []
    assert stream.pending == [b"a\n"]


def test_unmodelled_copy_options_are_refused_under_unmodelled_error() -> None:
    with FirehoseFake(region="us-east-1", unmodelled="error"):
        api = boto3.client("firehose", region_name="us-east-1")
        answer = refused(
            api.create_delivery_stream,
            DeliveryStreamName="events",
            RedshiftDestinationConfiguration=redshift({"CopyOptions": "BLANKETY 'auto'"}),
        )
        assert api.list_delivery_streams()["DeliveryStreamNames"] == []

    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert "CopyCommand.CopyOptions BLANKETY is not modelled" in answer["Error"]["Message"]


def test_a_redshift_destination_without_unmodelled_options_warns_of_nothing(
    fake: FirehoseFake,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)
        fake.firehose.create_delivery_stream(
            "events",
            RedshiftDestinationConfiguration=redshift(
                {"DataTableColumns": "a", "CopyOptions": "JSON 'auto' GZIP MAXERROR 3"},
                S3Configuration={"CompressionFormat": "GZIP"},
            ),
        )
