"""The backfill job against a delivery stream whose OpenSearch cluster was down: Firehose
gives the documents up to the backup bucket (moto's, under ``mock_aws``), and the job puts
them back once the cluster is up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from search_backfill import backfill

ROLE = "arn:aws:iam::123456789012:role/firehose"


@pytest.fixture
def s3(firehose: Any) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="search-backup")
        yield client


def logs_stream(firehose: Any, **s3_configuration: Any) -> Any:
    """Stream "logs" into an OpenSearch domain, backing up to the bucket "search-backup"."""
    return firehose.create_delivery_stream(
        "logs",
        AmazonopensearchserviceDestinationConfiguration={
            "RoleARN": ROLE,
            "DomainARN": "arn:aws:es:us-east-1:123456789012:domain/logs",
            "IndexName": "app",
            "RetryOptions": {"DurationInSeconds": 60},
            "S3Configuration": {
                "RoleARN": ROLE,
                "BucketARN": "arn:aws:s3:::search-backup",
                **s3_configuration,
            },
        },
    )


def outage(firehose: Any, stream: Any, *docs: bytes) -> None:
    """The cluster is down while ``docs`` are put, long enough for Firehose to give up."""
    stream.destination_down()
    boto3.client("firehose").put_record_batch(
        DeliveryStreamName="logs", Records=[{"Data": doc} for doc in docs]
    )
    firehose.clock.advance(minutes=30)
    assert stream.backed_up == list(docs)
    stream.destination_up()


def test_documents_given_up_are_replayed_once_the_cluster_is_back(firehose, s3):
    stream = logs_stream(firehose)
    outage(firehose, stream, b'{"msg": "a"}\n', b'{"msg": "b"}\n')

    result = backfill(s3, boto3.client("firehose"), "search-backup", "logs")
    firehose.flush()

    assert result.replayed == 2
    assert result.kept == []
    assert stream.delivered == [b'{"msg": "a"}\n', b'{"msg": "b"}\n']
    assert s3.list_objects_v2(Bucket="search-backup").get("KeyCount") == 0


def test_compressed_backups_are_read_too(firehose, s3):
    stream = logs_stream(firehose, CompressionFormat="GZIP", Prefix="search/")
    outage(firehose, stream, b'{"msg": "a"}\n')

    result = backfill(s3, boto3.client("firehose"), "search-backup", "logs", prefix="search/")
    firehose.flush()

    assert [key.endswith(".gz") for key in result.done] == [True]
    assert stream.delivered == [b'{"msg": "a"}\n']


def test_an_object_with_a_refused_document_is_kept_and_replayed_whole(firehose, s3):
    stream = logs_stream(firehose)
    outage(firehose, stream, b'{"msg": "a"}\n', b'{"msg": "b"}\n')
    client = boto3.client("firehose")

    firehose.fail(operation="PutRecordBatch", records={0: "ServiceUnavailableException"})
    first = backfill(s3, client, "search-backup", "logs")
    second = backfill(s3, client, "search-backup", "logs")
    firehose.flush()

    assert (first.replayed, len(first.kept)) == (1, 1)
    assert (second.replayed, second.kept) == (2, [])
    # At least once: "b" went in on both runs.
    assert sorted(stream.delivered) == [b'{"msg": "a"}\n', b'{"msg": "b"}\n', b'{"msg": "b"}\n']
