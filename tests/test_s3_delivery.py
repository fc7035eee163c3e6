"""Delivery to S3 through a real S3 client: with moto's ``mock_aws`` active the objects land
in moto's bucket; without it they are kept in memory and nothing is refused.

The world delivers when it is touched (a Firehose call, or a stream handle read), so each
test reads a handle after moving the clock, before it reads the bucket.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import freezegun
import pytest
from botocore.endpoint import Endpoint
from conftest import LANDING, REGION, ROLE, SEED, landing_bucket, put
from moto import mock_aws

from pytest_firehose import FirehoseFake, UsageError

PAYLOADS = [b"a\n", b"bb\n", b"ccc"]
FAST = {"SizeInMBs": 1, "IntervalInSeconds": 60}
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


@pytest.fixture(params=["moto-first", "fake-first"])
def moto_fake(request: pytest.FixtureRequest) -> Iterator[FirehoseFake]:
    """A started fake with moto's ``mock_aws`` active, started in either order."""
    with contextlib.ExitStack() as stack:
        if request.param == "moto-first":
            stack.enter_context(mock_aws())
        started = stack.enter_context(FirehoseFake(region=REGION, seed=SEED))
        if request.param == "fake-first":
            stack.enter_context(mock_aws())
        yield started


def create(
    bucket: str = LANDING, kind: str = "ExtendedS3DestinationConfiguration", **config: Any
) -> None:
    boto3.client("firehose", region_name=REGION).create_delivery_stream(
        DeliveryStreamName="events",
        **{
            kind: {
                "RoleARN": ROLE,
                "BucketARN": f"arn:aws:s3:::{bucket}",
                "BufferingHints": FAST,
                **config,
            }
        },
    )


def stored(s3: Any, bucket: str = LANDING) -> dict[str, bytes]:
    """Every object in moto's bucket: key -> body."""
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


@pytest.mark.parametrize(
    ("kind", "prefix"),
    [("ExtendedS3DestinationConfiguration", "raw/"), ("S3DestinationConfiguration", "legacy")],
)
def test_objects_land_in_motos_bucket(moto_fake: FirehoseFake, kind: str, prefix: str) -> None:
    s3 = landing_bucket()
    create(kind=kind, Prefix=prefix)
    client = boto3.client("firehose", region_name=REGION)
    put(client, *PAYLOADS)
    stream = moto_fake.firehose["events"]

    moto_fake.firehose.clock.advance(seconds=59)
    assert stream.pending == PAYLOADS
    assert stored(s3) == {}
    moto_fake.firehose.clock.advance(seconds=1)
    assert stream.pending == []

    oldest = stream.records[0].arrived_at
    ((key, body),) = stored(s3).items()
    assert re.fullmatch(
        re.escape(f"{prefix}{oldest:%Y/%m/%d/%H}/events-1-{oldest:%Y-%m-%d-%H-%M-%S}-") + UUID4,
        key,
    )
    assert body == b"a\nbb\nccc"
    assert [(o.key, o.body) for o in stream.objects] == [(key, body)]
    assert stream.delivered == PAYLOADS


def test_gzip_bodies_are_stored_compressed_under_a_gz_key(moto_fake: FirehoseFake) -> None:
    s3 = landing_bucket()
    create(CompressionFormat="GZIP")
    put(boto3.client("firehose", region_name=REGION), *PAYLOADS)
    moto_fake.firehose.flush()

    ((key, body),) = stored(s3).items()
    assert re.search(f"-{UUID4}\\.gz$", key)  # the extension AWS adds for GZIP
    assert gzip.decompress(body) == b"a\nbb\nccc"
    assert s3.head_object(Bucket="landing", Key=key)["ContentEncoding"] == "gzip"
    assert moto_fake.firehose["events"].objects[0].body == body


@pytest.mark.parametrize(
    ("compression", "encoding"),
    [
        ("UNCOMPRESSED", None),
        ("GZIP", "gzip"),
        ("ZIP", "zip"),
        ("Snappy", "snappy-java"),
        ("HADOOP_SNAPPY", "hadoop-snappy"),
    ],
)
def test_objects_carry_the_content_type_and_encoding_firehose_gives_them(
    moto_fake: FirehoseFake, compression: str, encoding: str | None
) -> None:
    s3 = landing_bucket()
    create(CompressionFormat=compression)
    put(boto3.client("firehose", region_name=REGION), *PAYLOADS)
    moto_fake.firehose.flush()

    (key,) = stored(s3)
    head = s3.head_object(Bucket="landing", Key=key)
    assert head["ContentType"] == "application/octet-stream"
    assert head.get("ContentEncoding") == encoding
    assert moto_fake.firehose["events"].objects[0].content_encoding == encoding


def test_a_missing_bucket_is_retried_until_it_exists(fake: FirehoseFake, client: Any) -> None:
    with mock_aws():
        create()
        put(client, *PAYLOADS)
        stream = fake.firehose["events"]

        fake.firehose.clock.advance(seconds=60)  # delivery fails: NoSuchBucket
        assert stream.pending == PAYLOADS
        assert stream.objects == []
        assert stream.delivered == []
        fake.firehose.clock.advance(minutes=10)  # retried after 1 s, 2 s, 4 s ...
        assert stream.pending == PAYLOADS

        s3 = landing_bucket()
        fake.firehose.clock.advance(minutes=10)  # the next retry lands the object
        assert stream.pending == []
        ((key, body),) = stored(s3).items()
        assert body == b"a\nbb\nccc"
        assert [o.key for o in stream.objects] == [key]


def test_a_failed_assert_delivered_names_the_missing_buckets_refusal(
    fake: FirehoseFake, client: Any
) -> None:
    # The message said only "pending (3)", as if the destination would take them.
    with mock_aws():
        create()
        put(client, *PAYLOADS)
        stream = fake.firehose["events"]
        fake.firehose.clock.advance(seconds=60)  # delivery fails: NoSuchBucket
        refused_at = fake.firehose.clock.now()

        with pytest.raises(AssertionError) as failed:
            stream.assert_delivered(PAYLOADS)

    # botocore's text of the error: newer releases add "(reached max retries: 0)".
    message = str(failed.value)
    assert message.endswith(": The specified bucket does not exist")
    assert message[: message.rindex(" when calling")].endswith(
        "\nundelivered:"
        "\n  pending (3): [b'a\\n', b'bb\\n', b'ccc']"
        f"\n  the destination's last refusal, at {refused_at.isoformat()} (retried as the clock "
        "moves): S3.NoSuchBucket: An error occurred (NoSuchBucket)"
    )


def test_a_bucket_missing_for_a_day_loses_the_records(fake: FirehoseFake, client: Any) -> None:
    with mock_aws():
        create()
        put(client, *PAYLOADS)
        stream = fake.firehose["events"]

        fake.firehose.clock.advance(hours=24, seconds=1)
        assert stream.expired == PAYLOADS
        assert stream.pending == []

        s3 = landing_bucket()
        fake.firehose.flush()
        assert stored(s3) == {}
        assert stream.delivered == []


def test_without_moto_objects_are_kept_in_memory(fake: FirehoseFake, client: Any) -> None:
    create()
    put(client, *PAYLOADS)
    fake.firehose.clock.advance(seconds=60)
    stream = fake.firehose["events"]
    assert stream.delivered == PAYLOADS
    assert stream.pending == []
    assert stream.expired == []
    (obj,) = stream.objects
    assert re.fullmatch(rf"\d{{4}}(/\d\d){{3}}/events-1-\d{{4}}(-\d\d){{5}}-{UUID4}", obj.key)
    assert obj.body == b"a\nbb\nccc"

    # The first refused PutObject is remembered: later deliveries do not ask S3 again.
    sink = fake.world.firehose().streams["events"].delivery.destination
    assert sink.memory_only is True
    sink._s3 = lambda: pytest.fail("asked S3 again")
    put(client, b"d")
    fake.firehose.flush()
    assert stream.delivered == [*PAYLOADS, b"d"]


def test_a_world_read_after_its_fake_stopped_sends_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with freezegun.freeze_time("2030-01-01 12:00:00") as frozen:
        with FirehoseFake(region=REGION, seed=SEED) as fake:
            create()
            put(boto3.client("firehose", region_name=REGION), *PAYLOADS)
        monkeypatch.setattr(Endpoint, "_send", lambda *_: pytest.fail("a request left the process"))
        with pytest.raises(UsageError, match="the fake behind this handle has stopped"):
            fake.firehose.clock.advance(seconds=60)

        # Time a freeze moves behind the stopped fake's back: a read settles the world.
        frozen.tick(timedelta(seconds=60))

        assert fake.firehose["events"].delivered == PAYLOADS


# ------------------------------------------------------------------ a whole pipeline


def produce(events: list[dict[str, Any]]) -> None:
    """Code under test: sends events to Firehose as JSON lines, resending failed records."""
    client = boto3.client("firehose", region_name=REGION)
    records = [{"Data": json.dumps(event).encode() + b"\n"} for event in events]
    while records:
        answer = client.put_record_batch(DeliveryStreamName="events", Records=records)
        results = answer["RequestResponses"]
        records = [r for r, result in zip(records, results, strict=True) if "ErrorCode" in result]


def read(bucket: str, prefix: str) -> list[dict[str, Any]]:
    """Code under test: reads every event Firehose wrote under ``prefix``."""
    client = boto3.client("s3", region_name=REGION)
    events = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in sorted(page.get("Contents", []), key=lambda o: o["Key"]):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            events.extend(json.loads(line) for line in gzip.decompress(body).splitlines())
    return events


def test_producer_to_firehose_to_s3_to_reader(moto_fake: FirehoseFake) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="lake")
    create(bucket="lake", Prefix="events/", CompressionFormat="GZIP")
    stream = moto_fake.firehose["events"]

    moto_fake.firehose.fail(records={0: "ServiceUnavailableException"})
    produce([{"n": 1}, {"n": 2}])
    moto_fake.firehose.clock.advance(seconds=60)
    produce([{"n": 3}])
    moto_fake.firehose.clock.advance(seconds=60)
    assert stream.pending == []

    assert len(stream.objects) == 2
    puts = [c for c in moto_fake.firehose.calls if c.operation == "PutRecordBatch"]
    assert [c.failed_indices for c in puts] == [(0,), (), ()]
    assert read("lake", "events/") == [{"n": 2}, {"n": 1}, {"n": 3}]


def test_a_stream_a_reset_dropped_delivers_nothing_more(moto_fake: FirehoseFake) -> None:
    s3 = landing_bucket()
    create()
    put(boto3.client("firehose", region_name=REGION), *PAYLOADS)
    moto_fake.world.reset()  # what the local server's POST /_fake/reset does

    moto_fake.firehose.clock.advance(seconds=120)  # past the dropped stream's interval

    assert stored(s3) == {}
    assert moto_fake.firehose.stream_names() == []
