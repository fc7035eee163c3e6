"""What a test's first use of the fake imports: what most tests never need waits until a
request or a stream needs it, and a missing dependency is still reported at the fake's
import. Each case runs in an interpreter of its own, where nothing is imported yet."""

from __future__ import annotations

import pytest
from conftest import python_output

#: A test that uses the fake as most do: streams made by the handles, puts through boto3,
#: a flush and the assertions.
TYPICAL_USE = """
import sys

DEFERRED = sys.argv[1:]

import boto3

from pytest_firehose import FirehoseFake

with FirehoseFake() as fake:
    fake.firehose.create_delivery_stream("events")
    fake.kinesis.create_stream("clicks", shard_count=2)
    firehose = boto3.client("firehose", region_name="us-east-1")
    firehose.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"a\\n"}])
    firehose.put_record(DeliveryStreamName="events", Record={"Data": b"b\\n"})
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    kinesis.put_records(StreamName="clicks", Records=[{"Data": b"c", "PartitionKey": "k"}])
    fake.firehose["events"].assert_delivered([b"a\\n", b"b\\n"])
    fake.kinesis["clicks"].assert_records([b"c"])
    print("imported:", [name for name in DEFERRED if name in sys.modules])
    print("regex imported:", "regex" in sys.modules)
    # A tag's pattern (\\\\p{L}) is one only regex reads: the first request with a tag
    # imports it, and its check is the model's.
    firehose.tag_delivery_stream(
        DeliveryStreamName="events", Tags=[{"Key": "équipe", "Value": "données"}]
    )
    try:
        firehose.tag_delivery_stream(
            DeliveryStreamName="events", Tags=[{"Key": "team", "Value": "a\\u0001b"}]
        )
    except firehose.exceptions.ClientError as error:
        print(error.response["Error"]["Code"])
    print("regex imported:", "regex" in sys.modules)
"""


#: What such a test never needs: freezegun's event loop, the zone database, Lambda's
#: triggers and events, Iceberg's tables, a database source's reader, Redshift's COPY,
#: Kinesis queues' records and channels' state, dynamic partitioning's queries, an HTTP
#: endpoint's secret.
DEFERRED = (
    "asyncio",
    "zoneinfo",
    "pytest_firehose._handles.triggers",
    "pytest_firehose._handles.trigger_creation",
    "pytest_firehose._handles.trigger_checks",
    "pytest_firehose._handles.trigger_targets",
    "pytest_firehose._handles.stream_readers",
    "pytest_firehose._lambda.lanes",
    "pytest_firehose._lambda.mapping",
    "pytest_firehose._lambda.mapping_batches",
    "pytest_firehose._lambda.mapping_failures",
    "pytest_firehose._destinations.iceberg",
    "pytest_firehose._services.firehose.database",
    "pytest_firehose._destinations.copy_options",
    "pytest_firehose._destinations.copy_load",
    "pytest_firehose._destinations.copy_rows",
    "pytest_firehose._destinations.copy_json",
    "pytest_firehose._destinations.copy_jsonpaths",
    "pytest_firehose._services.kinesis.queue_records",
    "pytest_firehose._services.kinesis.channel_state",
    "pytest_firehose._services.kinesis.channel_keys",
    "pytest_firehose._destinations.query_worker",
    "pytest_firehose._destinations.query_keys",
    "pytest_firehose._destinations.secret_key",
)


def test_a_typical_test_imports_only_what_it_uses() -> None:
    assert python_output(TYPICAL_USE, *DEFERRED) == [
        "imported: []",
        "regex imported: False",
        "ValidationException",
        "regex imported: True",
    ]


MISSING_REGEX = """
import sys

import boto3

sys.modules["regex"] = None
try:
    import pytest_firehose._doors.fake
except ModuleNotFoundError as error:
    print("refused at import:", error.name)
"""


def test_a_missing_regex_is_reported_when_the_fake_is_imported() -> None:
    assert python_output(MISSING_REGEX) == ["refused at import: regex"]


def test_a_database_pattern_no_engine_reads_is_refused_with_regex_s_reason() -> None:
    from pytest_firehose._errors import ServiceError
    from pytest_firehose._services.firehose.database import _selection

    with pytest.raises(ServiceError) as refused:
        _selection({"Tables": {"Include": ["a(b"]}}, "Tables")
    assert refused.value.code == "InvalidArgumentException"
    assert refused.value.message == (
        "DatabaseSourceConfiguration.Tables.Include pattern 'a(b' is not a valid regular "
        "expression: missing ) at position 3."
    )
