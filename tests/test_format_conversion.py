"""Record format conversion through boto3: a delivery stream with a
DataFormatConversionConfiguration delivers Parquet or ORC files of its records' rows, sends
what does not convert to the format-conversion-failed error output, and refuses what AWS
refuses at CreateDeliveryStream and UpdateDestination."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import BUCKET, LANDING, REGION, ROLE

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning, UsageError

pq = pytest.importorskip("pyarrow.parquet")
orc = pytest.importorskip("pyarrow.orc")

COLUMNS = {"id": "bigint", "page": "string", "ts": "timestamp", "tags": "array<string>"}
SCHEMA = {"RoleARN": ROLE, "DatabaseName": "web", "TableName": "clicks"}
OPENX = {"Deserializer": {"OpenXJsonSerDe": {}}}
PARQUET = {"Serializer": {"ParquetSerDe": {}}}


def conversion(**overrides: Any) -> dict[str, Any]:
    return {
        "SchemaConfiguration": SCHEMA,
        "InputFormatConfiguration": OPENX,
        "OutputFormatConfiguration": PARQUET,
        **overrides,
    }


def destination(**overrides: Any) -> dict[str, Any]:
    return {
        "RoleARN": ROLE,
        "BucketARN": BUCKET,
        "Prefix": "clicks/",
        "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
        "DataFormatConversionConfiguration": conversion(),
        **overrides,
    }


@pytest.fixture
def fake() -> Iterator[FirehoseFake]:
    with FirehoseFake(region=REGION) as fake:
        yield fake


@pytest.fixture
def client(fake: FirehoseFake) -> Any:
    return boto3.client(
        "firehose", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )


def put(client: Any, *records: Any) -> None:
    data = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in records]
    client.put_record_batch(DeliveryStreamName="clicks", Records=[{"Data": d} for d in data])


def delivered(fake: FirehoseFake, client: Any, *records: Any) -> Any:
    """The handle of stream ``clicks`` (the default destination), after ``records`` were
    put and flushed."""
    client.create_delivery_stream(
        DeliveryStreamName="clicks", ExtendedS3DestinationConfiguration=destination()
    )
    put(client, *records)
    stream = fake.firehose["clicks"]
    stream.flush()
    return stream


def rows(obj: Any) -> list[dict[str, Any]]:
    return pq.read_table(io.BytesIO(obj.body)).to_pylist()


def test_records_are_delivered_as_one_parquet_file_of_their_rows(fake, client):
    fake.firehose.glue_table("web", "clicks", COLUMNS)
    client.create_delivery_stream(
        DeliveryStreamName="clicks", ExtendedS3DestinationConfiguration=destination()
    )
    put(
        client,
        {"id": 1, "Page": "/a", "ts": "2026-12-02T10:00:00Z", "tags": ["x"]},
        b'{"id": 2}{"id": 3, "extra": true}',
    )

    stream = fake.firehose["clicks"]
    stream.flush()

    (obj,) = stream.objects
    assert obj.body[:4] == b"PAR1"
    assert [row["id"] for row in rows(obj)] == [1, 2, 3]
    assert rows(obj)[0]["page"] == "/a"
    assert str(rows(obj)[0]["ts"]) == "2026-12-02 10:00:00"
    assert obj.key.startswith("clicks/")
    assert not obj.key.endswith((".gz", ".parquet"))
    # The delivered records are the JSON as it was put.
    assert stream.delivered[1] == b'{"id": 2}{"id": 3, "extra": true}'


def test_records_that_do_not_convert_go_to_the_error_output_and_the_rest_is_delivered(fake, client):
    fake.firehose.glue_table("web", "clicks", COLUMNS)
    client.create_delivery_stream(
        DeliveryStreamName="clicks",
        ExtendedS3DestinationConfiguration=destination(
            ErrorOutputPrefix="errors/!{firehose:error-output-type}/"
        ),
    )
    put(client, {"id": 1}, b"<not json>", {"id": "seven"})

    stream = fake.firehose["clicks"]
    stream.flush()

    assert [row["id"] for row in rows(stream.objects[0])] == [1]
    assert stream.conversion_failed == [b"<not json>", b'{"id": "seven"}']
    (error_object,) = stream.error_objects
    assert error_object.key.startswith("errors/format-conversion-failed/")
    errors = [json.loads(line) for line in error_object.body.splitlines()]
    assert [e["lastErrorCode"] for e in errors] == [
        "DataFormatConversion.ParseError",
        "DataFormatConversion.MalformedData",
    ]
    assert errors[1]["lastErrorMessage"].startswith("The value of column 'id' (bigint)")
    assert base64.b64decode(errors[0]["rawData"]) == b"<not json>"
    assert errors[0]["attemptsMade"] == 1
    assert errors[0]["dataCatalogTable"] == {
        "catalogId": "123456789012",
        "databaseName": "web",
        "tableName": "clicks",
        "region": REGION,
        "versionId": "LATEST",
        "catalogArn": f"arn:aws:glue:{REGION}:123456789012:catalog",
    }
    assert list(errors[0]) == [
        "attemptsMade",
        "arrivalTimestamp",
        "lastErrorCode",
        "lastErrorMessage",
        "attemptEndingTimestamp",
        "rawData",
        "dataCatalogTable",
    ]


def test_a_batch_where_nothing_converts_delivers_no_object(fake, client):
    fake.firehose.glue_table("web", "clicks", COLUMNS)
    stream = delivered(fake, client, b"[1, 2]")

    assert stream.objects == []
    assert stream.pending == []
    assert stream.conversion_failed == [b"[1, 2]"]
    # Without an ErrorOutputPrefix, the error output sits under the prefix.
    assert stream.error_objects[0].key.startswith("clicks/format-conversion-failed/")


@pytest.mark.parametrize("blank", [b"", b" ", b"\n", b" \t\r\n "])
def test_an_empty_or_whitespace_record_fails_as_malformed_data(fake, client, blank):
    fake.firehose.glue_table("web", "clicks", COLUMNS)

    stream = delivered(fake, client, {"id": 1}, blank)

    assert [row["id"] for row in rows(stream.objects[0])] == [1]
    assert stream.delivered == [b'{"id": 1}']
    assert stream.conversion_failed == [blank]
    error = json.loads(stream.error_objects[0].body)
    assert error["lastErrorCode"] == "DataFormatConversion.MalformedData"
    assert error["lastErrorMessage"] == "The record was empty or contained only whitespace."
    assert base64.b64decode(error["rawData"]) == blank


def test_orc_with_its_own_compression(fake, client):
    fake.firehose.glue_table("web", "clicks", COLUMNS)
    serializer = {"Serializer": {"OrcSerDe": {"Compression": "ZLIB"}}}
    client.create_delivery_stream(
        DeliveryStreamName="clicks",
        ExtendedS3DestinationConfiguration=destination(
            DataFormatConversionConfiguration=conversion(OutputFormatConfiguration=serializer)
        ),
    )
    put(client, {"id": 5, "tags": ["a", "b"]})

    stream = fake.firehose["clicks"]
    stream.flush()

    orc_file = orc.ORCFile(io.BytesIO(stream.objects[0].body))
    assert orc_file.compression == "ZLIB"
    assert orc_file.read().to_pylist() == [{"id": 5, "page": None, "ts": None, "tags": ["a", "b"]}]


@pytest.mark.parametrize(
    ("serde", "read", "expected"),
    [
        ("ParquetSerDe", lambda body: pq.read_table(body), ["abc", "ab", "abcd", "é€", None]),
        ("OrcSerDe", lambda body: orc.ORCFile(body).read(), ["abc ", "ab  ", "abcd", "é€  ", None]),
    ],
)
@pytest.mark.parametrize("deserializer", ["OpenXJsonSerDe", "HiveJsonSerDe"])
def test_char_and_varchar_text_is_fitted_to_its_length(
    fake, client, deserializer, serde, read, expected
):
    # Hive cuts text past a char(n) or varchar(n) column's length off; a char is stored
    # padded to its length, which ORC's writer keeps and Hive's Parquet writer strips.
    # Either deserializer's text is fitted.
    fake.firehose.glue_table("web", "clicks", {"code": "varchar(3)", "kind": "char(4)"})
    serializer = {"Serializer": {serde: {}}}
    client.create_delivery_stream(
        DeliveryStreamName="clicks",
        ExtendedS3DestinationConfiguration=destination(
            DataFormatConversionConfiguration=conversion(
                InputFormatConfiguration={"Deserializer": {deserializer: {}}},
                OutputFormatConfiguration=serializer,
            )
        ),
    )
    put(
        client,
        {"code": "abcdef", "kind": "abc"},
        {"code": "ab", "kind": "ab "},
        {"code": "abc", "kind": "abcdefg"},
        {"code": "é€x😀", "kind": "é€"},
        {"code": None, "kind": None},
    )

    stream = fake.firehose["clicks"]
    stream.flush()

    table = read(io.BytesIO(stream.objects[0].body)).to_pylist()
    assert [row["code"] for row in table] == ["abc", "ab", "abc", "é€x", None]
    assert [row["kind"] for row in table] == expected


@pytest.mark.parametrize(
    ("deserializer", "delivered_ids", "reason"),
    [
        # OpenX hands the column its parser's object, which Hive's binary inspector casts.
        ({"OpenXJsonSerDe": {}}, [1, 3], "java.lang.String cannot be cast to [B"),
        # The Hive SerDe reads no binary value at all, null included.
        ({"HiveJsonSerDe": {}}, [3], "JsonSerDe does not support BINARY type"),
    ],
)
def test_a_record_that_gives_a_binary_column_a_value_goes_to_the_error_output(
    fake, client, deserializer, delivered_ids, reason
):
    fake.firehose.glue_table("web", "clicks", {"id": "int", "payload": "binary"})
    client.create_delivery_stream(
        DeliveryStreamName="clicks",
        ExtendedS3DestinationConfiguration=destination(
            DataFormatConversionConfiguration=conversion(
                InputFormatConfiguration={"Deserializer": deserializer}
            )
        ),
    )
    put(client, {"id": 1, "payload": None}, {"id": 2, "payload": "aGVsbG8="}, {"id": 3})

    stream = fake.firehose["clicks"]
    stream.flush()

    assert rows(stream.objects[0]) == [{"id": i, "payload": None} for i in delivered_ids]
    failed = [json.loads(line) for line in stream.error_objects[0].body.splitlines()]
    assert failed[-1]["lastErrorCode"] == "DataFormatConversion.MalformedData"
    assert failed[-1]["lastErrorMessage"] == (
        f"The value of column 'payload' (binary) could not be read: {reason}"
    )
    assert json.loads(base64.b64decode(failed[-1]["rawData"])) == {"id": 2, "payload": "aGVsbG8="}


OPENX_READING = (
    {"OpenXJsonSerDe": {}},
    [
        {"id": 1, "n": 42, "s": "x", "b": None},  # text read as a number
        {"id": 3, "n": 1, "s": '{"id":"9"}', "b": True},  # an object as OpenX writes it
    ],
    {2: "The value of column 'n' (int) could not be read: 7.9 is no integer"},
)
HIVE_READING = (
    {"HiveJsonSerDe": {}},
    [
        {"id": 2, "n": 7, "s": "1.50", "b": None},  # a fraction cut, a number's own text
        # The column takes the object's "{", its members are read as the record's, and its
        # end ends the record: "b" is never read.
        {"id": 9, "n": 1, "s": "{", "b": None},
    ],
    {
        1: "The value of column 'n' (int) could not be read: "
        "Current token (VALUE_STRING) not numeric, can not use numeric value accessors"
    },
)


@pytest.mark.parametrize(("deserializer", "expected", "failed"), [OPENX_READING, HIVE_READING])
def test_each_deserializer_reads_values_its_own_way(fake, client, deserializer, expected, failed):
    fake.firehose.glue_table(
        "web", "clicks", {"id": "int", "n": "int", "s": "string", "b": "boolean"}
    )
    client.create_delivery_stream(
        DeliveryStreamName="clicks",
        ExtendedS3DestinationConfiguration=destination(
            DataFormatConversionConfiguration=conversion(
                InputFormatConfiguration={"Deserializer": deserializer}
            )
        ),
    )
    records = [
        b'{"id": 1, "n": "42", "s": "x"}',
        b'{"id": 2, "n": 7.9, "s": 1.50}',
        b'{"id": 3, "n": 1, "s": {"id": 9}, "b": true}',
    ]
    put(client, *records)

    stream = fake.firehose["clicks"]
    stream.flush()

    assert rows(stream.objects[0]) == expected
    errors = [json.loads(line) for line in stream.error_objects[0].body.splitlines()]
    assert {
        records.index(base64.b64decode(e["rawData"])) + 1: e["lastErrorMessage"] for e in errors
    } == failed
    assert {e["lastErrorCode"] for e in errors} == {"DataFormatConversion.MalformedData"}


def in_motos_glue(columns: list[dict[str, str]], region: str = REGION) -> None:
    """Table web.clicks of ``columns`` in moto's Glue (inside ``mock_aws``), in ``region``."""
    glue = boto3.client("glue", region_name=region)
    glue.create_database(DatabaseInput={"Name": "web"})
    glue.create_table(
        DatabaseName="web", TableInput={"Name": "clicks", "StorageDescriptor": {"Columns": columns}}
    )


def test_the_table_can_come_from_motos_glue_and_the_file_lands_in_motos_bucket(fake, landing_s3):
    in_motos_glue([{"Name": "id", "Type": "bigint"}, {"Name": "page", "Type": "string"}])
    client = boto3.client("firehose", region_name=REGION)
    client.create_delivery_stream(
        DeliveryStreamName="clicks", ExtendedS3DestinationConfiguration=destination()
    )
    put(client, {"id": 9, "page": "/z"})
    fake.firehose["clicks"].flush()

    (listed,) = landing_s3.list_objects_v2(Bucket=LANDING)["Contents"]
    body = landing_s3.get_object(Bucket=LANDING, Key=listed["Key"])["Body"].read()
    assert pq.read_table(io.BytesIO(body)).to_pylist() == [{"id": 9, "page": "/z"}]


def test_the_table_is_read_in_the_region_the_schema_configuration_names(fake, landing_s3):
    in_motos_glue([{"Name": "page", "Type": "string"}], region="us-west-2")
    in_motos_glue([{"Name": "id", "Type": "bigint"}])  # the stream's own region
    client = boto3.client("firehose", region_name=REGION)
    schema = {**SCHEMA, "Region": "us-west-2"}
    client.create_delivery_stream(
        DeliveryStreamName="clicks",
        ExtendedS3DestinationConfiguration=destination(
            DataFormatConversionConfiguration=conversion(SchemaConfiguration=schema)
        ),
    )
    put(client, {"id": 9, "page": "/z"})
    stream = fake.firehose["clicks"]
    stream.flush()

    (obj,) = stream.objects
    assert rows(obj) == [{"page": "/z"}]


def test_records_that_do_not_convert_land_in_motos_bucket_beside_the_file(fake, landing_s3):
    fake.firehose.glue_table("web", "clicks", COLUMNS)
    client = boto3.client("firehose", region_name=REGION)
    client.create_delivery_stream(
        DeliveryStreamName="clicks",
        ExtendedS3DestinationConfiguration=destination(
            ErrorOutputPrefix="errors/!{firehose:error-output-type}/"
        ),
    )
    put(client, {"id": 1}, b"<not json>")
    fake.firehose["clicks"].flush()

    listed = landing_s3.list_objects_v2(Bucket=LANDING)["Contents"]
    keys = sorted(item["Key"] for item in listed)
    assert [key.split("/")[0] for key in keys] == ["clicks", "errors"]
    assert keys[1].startswith("errors/format-conversion-failed/")
    body = landing_s3.get_object(Bucket=LANDING, Key=keys[1])["Body"].read()
    (error,) = [json.loads(line) for line in body.splitlines()]
    assert error["lastErrorCode"] == "DataFormatConversion.ParseError"
    assert base64.b64decode(error["rawData"]) == b"<not json>"


def test_a_table_nobody_registered_fails_the_batch_and_says_how_to_register_it(fake, client):
    stream = delivered(fake, client, {"id": 1})

    assert stream.conversion_failed == [b'{"id": 1}']
    error = json.loads(stream.error_objects[0].body)
    assert error["lastErrorCode"] == "DataFormatConversion.EntityNotFound"
    (problem,) = stream.delivery_errors
    assert "firehose.glue_table('web', 'clicks'" in str(problem.error)
    with pytest.raises(AssertionError, match="glue_table"):
        stream.assert_delivered([b'{"id": 1}'])


def test_a_registered_table_with_a_type_the_fake_cannot_read_is_refused_at_once(fake):
    with pytest.raises(UsageError, match="'uniontype<int,string>' is not a Hive type"):
        fake.firehose.glue_table("web", "clicks", {"v": "uniontype<int,string>"})
    with pytest.raises(UsageError, match="at least one column"):
        fake.firehose.glue_table("web", "clicks", {})


def test_a_transformed_record_is_converted_after_the_transform(fake, client):
    def add_page(event: dict[str, Any], context: Any) -> dict[str, Any]:
        answers = []
        for record in event["records"]:
            click = json.loads(base64.b64decode(record["data"]))
            data = json.dumps({**click, "page": "/from-lambda"}).encode()
            answers.append(
                {
                    "recordId": record["recordId"],
                    "result": "Ok",
                    "data": base64.b64encode(data).decode(),
                }
            )
        return {"records": answers}

    arn = fake.firehose.lambda_function("add-page", add_page)
    fake.firehose.glue_table("web", "clicks", COLUMNS)
    processing = {
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": arn}],
            }
        ]
    }
    client.create_delivery_stream(
        DeliveryStreamName="clicks",
        ExtendedS3DestinationConfiguration=destination(ProcessingConfiguration=processing),
    )
    put(client, {"id": 4})

    stream = fake.firehose["clicks"]
    stream.flush()

    assert rows(stream.objects[0])[0]["page"] == "/from-lambda"


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"CompressionFormat": "GZIP"}, "CompressionFormat must be UNCOMPRESSED"),
        ({"BufferingHints": {"SizeInMBs": 32}}, "SizeInMBs must be at least 64"),
        (
            {"DataFormatConversionConfiguration": conversion(SchemaConfiguration=None)},
            "SchemaConfiguration is required",
        ),
        (
            {
                "DataFormatConversionConfiguration": conversion(
                    SchemaConfiguration={"RoleARN": ROLE, "DatabaseName": "web"}
                )
            },
            "SchemaConfiguration.TableName is required",
        ),
        (
            {
                "DataFormatConversionConfiguration": conversion(
                    InputFormatConfiguration={
                        "Deserializer": {"OpenXJsonSerDe": {}, "HiveJsonSerDe": {}}
                    }
                )
            },
            "exactly one of OpenXJsonSerDe or HiveJsonSerDe",
        ),
        (
            {
                "DataFormatConversionConfiguration": conversion(
                    OutputFormatConfiguration={"Serializer": {}}
                )
            },
            "exactly one of ParquetSerDe or OrcSerDe",
        ),
    ],
)
def test_what_aws_refuses_at_creation(client, changes: dict[str, Any], said: str) -> None:
    config = {k: v for k, v in destination(**changes).items() if v is not None}
    block = config.get("DataFormatConversionConfiguration", {})
    config["DataFormatConversionConfiguration"] = {k: v for k, v in block.items() if v is not None}
    with pytest.raises(ClientError) as caught:
        client.create_delivery_stream(
            DeliveryStreamName="clicks", ExtendedS3DestinationConfiguration=config
        )
    assert caught.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert said in caught.value.response["Error"]["Message"]


def test_a_converting_destination_buffers_128_mib_unless_told(fake, client):
    config = destination()
    del config["BufferingHints"]
    client.create_delivery_stream(
        DeliveryStreamName="clicks", ExtendedS3DestinationConfiguration=config
    )

    described = client.describe_delivery_stream(DeliveryStreamName="clicks")
    (dest,) = described["DeliveryStreamDescription"]["Destinations"]
    assert dest["ExtendedS3DestinationDescription"]["BufferingHints"]["SizeInMBs"] == 128


def test_an_update_that_switches_conversion_on_is_checked_too(fake, client):
    client.create_delivery_stream(
        DeliveryStreamName="clicks",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": BUCKET,
            "CompressionFormat": "GZIP",
        },
    )
    with pytest.raises(ClientError, match="CompressionFormat must be UNCOMPRESSED"):
        client.update_destination(
            DeliveryStreamName="clicks",
            CurrentDeliveryStreamVersionId="1",
            DestinationId="destinationId-000000000001",
            ExtendedS3DestinationUpdate={"DataFormatConversionConfiguration": conversion()},
        )
    assert fake.firehose["clicks"].describe()["VersionId"] == "1"


def test_a_conversion_switched_off_is_accepted_and_nothing_is_converted(fake, client):
    client.create_delivery_stream(
        DeliveryStreamName="clicks",
        ExtendedS3DestinationConfiguration=destination(
            DataFormatConversionConfiguration={"Enabled": False}, CompressionFormat="GZIP"
        ),
    )
    put(client, b"raw")
    fake.firehose["clicks"].flush()
    assert fake.firehose["clicks"].delivered == [b"raw"]
    assert fake.firehose["clicks"].objects[0].key.endswith(".gz")


def test_without_pyarrow_the_stream_is_reported_and_delivers_the_json(
    fake, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_firehose._destinations import conversion as conversion_module
    from pytest_firehose._services.firehose import settings

    monkeypatch.setattr(conversion_module, "available", lambda: False)
    monkeypatch.setattr(settings, "conversion_available", lambda: False)
    with pytest.warns(UnmodelledSettingWarning, match=r"needs pyarrow \(pip install"):
        client.create_delivery_stream(
            DeliveryStreamName="clicks", ExtendedS3DestinationConfiguration=destination()
        )
    put(client, {"id": 1})
    fake.firehose["clicks"].flush()
    assert fake.firehose["clicks"].objects[0].body == b'{"id": 1}'


def test_a_glue_stand_in_that_fails_loses_no_record(fake, client, monkeypatch):
    from pytest_firehose._destinations.s3 import S3Destination

    def broken(self: Any, schema: Any) -> None:
        raise RuntimeError("glue is down")

    monkeypatch.setattr(S3Destination, "glue_table", broken)
    stream = delivered(fake, client, {"id": 1})

    assert stream.conversion_failed == [b'{"id": 1}']
    assert any("glue is down" in str(problem.error) for problem in stream.delivery_errors)


def test_rows_that_make_no_file_go_to_the_error_output(fake, client, monkeypatch):
    from pytest_firehose._destinations.conversion import Converter

    def broken(self: Any, rows: Any) -> bytes:
        raise ValueError("no file")

    monkeypatch.setattr(Converter, "write", broken)
    fake.firehose.glue_table("web", "clicks", COLUMNS)
    stream = delivered(fake, client, {"id": 1}, {"id": 2})

    assert stream.objects == []
    assert stream.conversion_failed == [b'{"id": 1}', b'{"id": 2}']
    error = json.loads(stream.error_objects[0].body.splitlines()[0])
    assert error["lastErrorCode"] == "DataFormatConversion.MalformedData"
    assert error["lastErrorMessage"] == "no file"
    assert error["attemptsMade"] == 1
    # The fake's own failure is on record too, with the records it hit.
    (problem,) = stream.delivery_errors
    assert (problem.records, str(problem.error)) == (2, "no file")


def test_a_record_nested_past_the_parser_goes_to_the_error_output_and_the_rest_is_delivered(
    fake, client
):
    fake.firehose.glue_table("web", "clicks", COLUMNS)
    deep = b'{"id": 1, "tags": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"

    stream = delivered(fake, client, {"id": 7}, deep)

    assert [row["id"] for row in rows(stream.objects[0])] == [7]
    assert stream.conversion_failed == [deep]
    error = json.loads(stream.error_objects[0].body)
    assert error["lastErrorCode"] == "DataFormatConversion.ParseError"
    assert stream.pending == []


def test_a_lone_surrogate_is_written_as_a_question_mark_and_the_batch_is_delivered(fake, client):
    fake.firehose.glue_table("web", "clicks", COLUMNS)

    stream = delivered(fake, client, {"id": 1, "page": "/a"}, b'{"id": 2, "page": "x\\ud800y"}')

    assert [(row["id"], row["page"]) for row in rows(stream.objects[0])] == [
        (1, "/a"),
        (2, "x?y"),
    ]
    assert stream.conversion_failed == []


@pytest.mark.parametrize(
    "columns",
    [
        [{"Name": "d", "Type": "decimal(a,b)"}],
        [{"Name": "d", "Type": "decimal(10,)"}],
        [{"Name": "v", "Type": "varchar("}],
        [{"Name": "v", "Type": "char(x)"}],
        [{"Name": "t", "Type": "array<" * 5_000 + "int" + ">" * 5_000}],
        [{"Name": "a", "Type": "int"}, {"Name": "A", "Type": "string"}],
    ],
    ids=["decimal-letters", "decimal-no-scale", "varchar-open", "char-letters", "deep", "case"],
)
def test_a_glue_table_the_fake_cannot_read_fails_the_batch_as_an_invalid_schema(
    fake, columns, landing_s3
):
    in_motos_glue(columns)
    client = boto3.client("firehose", region_name=REGION)
    stream = delivered(fake, client, {"id": 1})

    assert stream.conversion_failed == [b'{"id": 1}']
    assert stream.pending == []
    error = json.loads(stream.error_objects[0].body)
    assert error["lastErrorCode"] == "DataFormatConversion.InvalidSchema"


def test_a_failure_of_the_fakes_own_while_converting_loses_no_record(fake, client, monkeypatch):
    from pytest_firehose._destinations.conversion import Converter

    def broken(self: Any, data: bytes) -> list[dict[str, Any]]:
        raise KeyError("a bug")

    fake.firehose.glue_table("web", "clicks", COLUMNS)
    client.create_delivery_stream(
        DeliveryStreamName="clicks", ExtendedS3DestinationConfiguration=destination()
    )
    put(client, {"id": 1})
    stream = fake.firehose["clicks"]
    monkeypatch.setattr(Converter, "rows", broken)

    with pytest.raises(KeyError, match="a bug"):
        stream.flush()

    assert stream.pending == [b'{"id": 1}']
    monkeypatch.undo()
    stream.flush()
    assert [row["id"] for row in rows(stream.objects[0])] == [1]
