"""The S3 backup of source records: with ``S3BackupMode`` ``Enabled`` (extended S3) or
``AllData`` (HTTP endpoint), every record a delivery stream takes in is also written, before
any transformation, to the backup bucket with the backup's own buffering, compression and
prefix. UpdateDestination may turn it on, never off."""

from __future__ import annotations

import gzip
import sys
from datetime import timedelta
from typing import Any

import boto3
import pytest
from conftest import FROM_KINESIS, ROLE, S3, create_s3, describe, refused
from kpl_support import aggregate
from test_lambda_transform import answer_each, enrich, processing

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning

DESTINATION_ID = "destinationId-000000000001"
BACKUP = {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::raw", "Prefix": "raw/"}


def put(*payloads: bytes, client: Any = None) -> None:
    client = client or boto3.client("firehose", region_name="us-east-1")
    client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": p} for p in payloads])


def update(api: Any, version: str, **destination: Any) -> None:
    api.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId=version,
        DestinationId=DESTINATION_ID,
        **destination,
    )


def backing_up(fake: FirehoseFake, backup: dict[str, Any], **options: Any) -> Any:
    """Stream "events" writing to S3 and backing up its source records to ``backup``;
    ``options`` go to CreateDeliveryStream, ``ExtendedS3DestinationConfiguration``'s into
    the destination's configuration."""
    extended = options.pop("ExtendedS3DestinationConfiguration", {})
    return fake.firehose.create_delivery_stream(
        "events",
        **options,
        ExtendedS3DestinationConfiguration={
            **S3,
            **extended,
            "S3BackupMode": "Enabled",
            "S3BackupConfiguration": backup,
        },
    )


def backing_up_through(api: Any, fake: FirehoseFake) -> Any:
    """Stream "events" backing up to ``BACKUP``, created through ``api``; its handle."""
    create_s3(api, S3BackupMode="Enabled", S3BackupConfiguration=BACKUP)
    return fake.firehose["events"]


def test_the_backup_holds_the_records_as_put_and_the_bucket_the_transformed(
    fake: FirehoseFake,
    landing_s3: Any,
) -> None:
    firehose = boto3.client("firehose", region_name="us-east-1")
    fake.firehose.lambda_function("orders-transform", answer_each(enrich))
    landing_s3.create_bucket(Bucket="raw")
    stream = backing_up(
        fake,
        BACKUP,
        ExtendedS3DestinationConfiguration={"ProcessingConfiguration": processing()},
    )
    put(b'{"id": 1}', b'{"id": 2}', client=firehose)
    stream.flush()

    assert stream.delivered == [
        b'{"id": 1, "currency": "EUR"}\n',
        b'{"id": 2, "currency": "EUR"}\n',
    ]
    assert stream.source_backup == [b'{"id": 1}', b'{"id": 2}']
    (backup,) = stream.source_backup_objects
    assert backup.key.startswith("raw/")
    assert (
        landing_s3.get_object(Bucket="raw", Key=backup.key)["Body"].read() == b'{"id": 1}{"id": 2}'
    )
    (delivered,) = stream.objects
    (stored,) = landing_s3.list_objects_v2(Bucket="landing")["Contents"]
    assert stored["Key"] == delivered.key


def test_the_backup_buffers_and_compresses_as_its_own_configuration_says(
    fake: FirehoseFake,
) -> None:
    stream = backing_up(
        fake,
        {**BACKUP, "BufferingHints": {"IntervalInSeconds": 60}, "CompressionFormat": "GZIP"},
        ExtendedS3DestinationConfiguration={"BufferingHints": {"IntervalInSeconds": 300}},
    )
    put(b"a", b"b")

    fake.firehose.clock.advance(seconds=60)

    assert stream.objects == []
    (backup,) = stream.source_backup_objects
    assert backup.key.startswith("raw/")
    assert backup.key.endswith(".gz")
    assert gzip.decompress(backup.body) == b"ab"
    fake.firehose.clock.advance(seconds=240)
    assert stream.delivered == [b"a", b"b"]
    assert len(stream.source_backup_objects) == 1


def test_the_backup_falls_due_at_its_own_interval_whatever_came_between(fake: FirehoseFake) -> None:
    stream = backing_up(
        fake,
        {**BACKUP, "BufferingHints": {"IntervalInSeconds": 60}},
        ExtendedS3DestinationConfiguration={"BufferingHints": {"IntervalInSeconds": 300}},
    )
    put(b"a")
    fake.firehose.clock.advance(seconds=30)

    fake.firehose.clock.advance(seconds=30)

    assert [o.body for o in stream.source_backup_objects] == [b"a"]


def test_a_backup_without_its_bucket_is_refused(api: Any) -> None:
    response = refused(
        api.create_delivery_stream,
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={**S3, "S3BackupMode": "Enabled"},
    )
    assert response["Error"]["Code"] == "InvalidArgumentException"
    assert (
        "S3BackupConfiguration is required when S3BackupMode is Enabled"
        in (response["Error"]["Message"])
    )


def test_an_update_turns_the_backup_on_for_the_records_that_come_after(
    fake: FirehoseFake, api: Any
) -> None:
    create_s3(api)
    stream = fake.firehose["events"]
    put(b"before")

    update(
        api,
        "1",
        ExtendedS3DestinationUpdate={"S3BackupMode": "Enabled", "S3BackupUpdate": BACKUP},
    )
    put(b"after")
    stream.flush()

    assert stream.delivered == [b"before", b"after"]
    assert stream.source_backup == [b"after"]
    (backup,) = stream.source_backup_objects
    assert "-2-" in backup.key  # the stream's version after the update
    extended = describe(api)["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert extended["S3BackupMode"] == "Enabled"
    assert extended["S3BackupDescription"]["BucketARN"] == BACKUP["BucketARN"]


def test_an_extended_update_of_a_plain_s3_stream_turns_its_backup_on_for_good(
    fake: FirehoseFake, api: Any
) -> None:
    # Plain and extended S3 are one destination: the stream is extended S3 from then on.
    api.create_delivery_stream(DeliveryStreamName="events", S3DestinationConfiguration=S3)
    stream = fake.firehose["events"]

    update(
        api,
        "1",
        ExtendedS3DestinationUpdate={"S3BackupMode": "Enabled", "S3BackupUpdate": BACKUP},
    )
    put(b"after")
    stream.flush()
    response = refused(
        api.update_destination,
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="2",
        DestinationId=DESTINATION_ID,
        ExtendedS3DestinationUpdate={"S3BackupMode": "Disabled"},
    )

    assert stream.source_backup == [b"after"]
    message = response["Error"]["Message"]
    assert "S3BackupMode cannot be changed from Enabled to Disabled" in message


def test_an_update_moves_the_backup_to_its_new_bucket_and_prefix(
    fake: FirehoseFake, api: Any
) -> None:
    stream = backing_up_through(api, fake)
    put(b"a")

    update(api, "1", ExtendedS3DestinationUpdate={"S3BackupUpdate": {"Prefix": "moved/"}})
    put(b"b")
    stream.flush()

    (backup,) = stream.source_backup_objects
    assert backup.key.startswith("moved/")
    assert backup.records == (b"a", b"b")


@pytest.mark.parametrize(
    ("kind", "config", "every", "less"),
    [
        (
            "ExtendedS3Destination",
            {**S3, "S3BackupMode": "Enabled", "S3BackupConfiguration": BACKUP},
            "Enabled",
            "Disabled",
        ),
        (
            "SplunkDestination",
            {
                "HECEndpoint": "https://127.0.0.1",
                "HECEndpointType": "Raw",
                "HECToken": "token",
                "S3Configuration": S3,
                "S3BackupMode": "AllEvents",
            },
            "AllEvents",
            "FailedEventsOnly",
        ),
        (
            "RedshiftDestination",
            {
                "RoleARN": ROLE,
                "ClusterJDBCURL": "jdbc:redshift://cluster.abc123.us-east-1.redshift.amazonaws.com:5439/db",
                "CopyCommand": {"DataTableName": "events"},
                "Username": "user",
                "Password": "password",
                "S3Configuration": S3,
                "S3BackupMode": "Enabled",
                "S3BackupConfiguration": BACKUP,
            },
            "Enabled",
            "Disabled",
        ),
    ],
)
def test_a_backup_of_every_record_cannot_be_turned_off(
    fake: FirehoseFake, api: Any, kind: str, config: dict[str, Any], every: str, less: str
) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", **{f"{kind}Configuration": config})

    response = refused(
        api.update_destination,
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId=DESTINATION_ID,
        **{f"{kind}Update": {"S3BackupMode": less}},
    )

    assert response["Error"]["Code"] == "InvalidArgumentException"
    assert f"S3BackupMode cannot be changed from {every} to {less}" in response["Error"]["Message"]
    assert describe(api)["VersionId"] == "1"


def test_an_http_endpoint_backing_up_all_data_copies_every_record_to_its_bucket(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": "https://collector.example.com/in"},
            "S3Configuration": {**S3, "Prefix": "all/"},
            "S3BackupMode": "AllData",
        },
    )
    stream.destination_down()
    put(b"a", b"b")
    stream.flush()

    assert stream.pending == [b"a", b"b"]
    assert stream.source_backup == [b"a", b"b"]
    assert stream.source_backup_objects[0].key.startswith("all/")


def test_a_kinesis_source_backs_up_the_user_records_it_took_in(fake: FirehoseFake) -> None:
    fake.kinesis.create_stream("k")
    stream = backing_up(fake, BACKUP, **FROM_KINESIS)
    boto3.client("kinesis", region_name="us-east-1").put_record(
        StreamName="k", Data=aggregate(("a", b"one"), ("b", b"two")), PartitionKey="p"
    )
    stream.flush()

    assert stream.source_backup == [b"one", b"two"]


def test_switching_to_another_destination_type_ends_the_backup_after_writing_it(
    fake: FirehoseFake, api: Any
) -> None:
    stream = backing_up_through(api, fake)
    put(b"a")

    update(
        api,
        "1",
        HttpEndpointDestinationUpdate={
            "EndpointConfiguration": {"Url": "https://collector.example.com/in"},
            "S3Update": S3,
        },
    )
    stream.destination_down()
    put(b"b")
    fake.firehose.clock.advance(timedelta(minutes=10))

    assert stream.source_backup == [b"a"]


def test_a_backup_compression_without_its_codec_is_reported_under_the_backup(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cramjam", None)  # import cramjam now fails

    with pytest.warns(
        UnmodelledSettingWarning,
        match=r"S3BackupConfiguration\.CompressionFormat Snappy needs cramjam",
    ):
        stream = backing_up(fake, {**BACKUP, "CompressionFormat": "Snappy"})
    put(b"a")
    stream.flush()

    assert stream.source_backup_objects[0].body == b"a"  # as the warning said: uncompressed
