"""Frozen-time mode and pyarrow: pyarrow, which record format conversion and Glue tables
need, is imported when a test first uses them. freezegun has then replaced
``datetime.date`` with a subclass of its own, and pyarrow's compiled modules warn that its
size changed (``RuntimeWarning``), an error wherever warnings are errors (as in this
project's suites): the fake imports pyarrow so that it cannot fail so. Each test runs in an
interpreter of its own, where pyarrow is not imported yet."""

from __future__ import annotations

import pytest
from conftest import python_output

pytest.importorskip("pyarrow")

#: A frozen-time fake, warnings as errors: a Glue table registered, a stream converting
#: its records to ``sys.argv[1]`` (Parquet or ORC) through it, a record put and flushed.
CONVERTED = """
import sys, warnings
warnings.simplefilter("error")
from datetime import datetime, timezone
import boto3
from pytest_firehose import FirehoseFake

role = "arn:aws:iam::123456789012:role/firehose"
start = datetime(2026, 3, 1, tzinfo=timezone.utc)
schema = {"RoleARN": role, "DatabaseName": "web", "TableName": "clicks"}
record = {"Data": b'{"id": 1, "day": "2026-03-01"}'}
serde = {"Parquet": {"ParquetSerDe": {}}, "ORC": {"OrcSerDe": {}}}[sys.argv[1]]
with FirehoseFake(region="us-east-1", freeze_time=start) as fake:
    fake.firehose.glue_table("web", "clicks", {"id": "bigint", "day": "date"})
    stream = fake.firehose.create_delivery_stream(
        "clicks",
        ExtendedS3DestinationConfiguration={
            "RoleARN": role,
            "BucketARN": "arn:aws:s3:::landing",
            "DataFormatConversionConfiguration": {
                "SchemaConfiguration": schema,
                "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
                "OutputFormatConfiguration": {"Serializer": serde},
            },
        },
    )
    client = boto3.client("firehose", region_name="us-east-1")
    client.put_record(DeliveryStreamName="clicks", Record=record)
    fake.firehose.flush()
    print(len(stream.objects), stream.delivery_errors, stream.conversion_failed)
"""


@pytest.mark.parametrize("output", ["Parquet", "ORC"])
def test_records_convert_in_frozen_time_with_warnings_as_errors(output: str) -> None:
    assert python_output(CONVERTED, output) == ["1 [] []"]
