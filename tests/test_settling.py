"""Settling: a request brings the world up to the clock without looking at every stream.

While the clock stands still, only what requests changed can fall due, so a request
settles the streams requests named since the last one; once the clock moves, or a handle
changed the world, every stream is settled again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from conftest import REGION

from pytest_firehose import FirehoseFake
from pytest_firehose._destinations.pipeline import Delivery
from pytest_firehose._services.kinesis.streams import KinesisStream


@pytest.fixture
def kinesis_settled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the Kinesis streams settling trims, in order."""
    seen: list[str] = []
    trim = KinesisStream.trim

    def spy(self: KinesisStream, now: Any) -> None:
        seen.append(self.name)
        trim(self, now)

    monkeypatch.setattr(KinesisStream, "trim", spy)
    return seen


@pytest.fixture
def deliveries_settled(monkeypatch: pytest.MonkeyPatch) -> list[Delivery]:
    """The deliveries settling brought up to the clock, in order."""
    seen: list[Delivery] = []
    settle: Callable[..., None] = Delivery.settle

    def spy(self: Delivery, *args: Any) -> None:
        seen.append(self)
        settle(self, *args)

    monkeypatch.setattr(Delivery, "settle", spy)
    return seen


def test_a_kinesis_request_settles_no_other_stream_while_the_clock_stands_still(
    fake: FirehoseFake, kinesis_client: Any, kinesis_settled: list[str]
) -> None:
    for name in ("a", "b", "c"):
        fake.kinesis.create_stream(name)
    kinesis_client.put_record(StreamName="b", Data=b"x", PartitionKey="k")
    kinesis_settled.clear()
    for _ in range(3):
        kinesis_client.put_record(StreamName="b", Data=b"x", PartitionKey="k")
    assert set(kinesis_settled) == {"b"}


def test_a_firehose_request_settles_no_other_stream_while_the_clock_stands_still(
    fake: FirehoseFake, client: Any, deliveries_settled: list[Delivery]
) -> None:
    for name in ("a", "b", "c"):
        fake.firehose.create_delivery_stream(name)
    model = fake.world.firehose()
    client.put_record(DeliveryStreamName="b", Record={"Data": b"x"})
    deliveries_settled.clear()
    for _ in range(3):
        client.put_record(DeliveryStreamName="b", Record={"Data": b"x"})
    assert {id(d) for d in deliveries_settled} == {id(model.streams["b"].delivery)}


def test_every_stream_is_settled_once_the_clock_moved(kinesis_settled: list[str]) -> None:
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION):
        client = boto3.client("kinesis", region_name=REGION)
        for name in ("a", "b"):
            client.create_stream(StreamName=name, ShardCount=1)
        client.put_record(StreamName="a", Data=b"old", PartitionKey="k")
        client.put_record(StreamName="b", Data=b"x", PartitionKey="k")
        kinesis_settled.clear()
        # freezegun moves the time without telling the fake: the next request settles all.
        frozen.move_to(start + timedelta(hours=25))
        client.put_record(StreamName="b", Data=b"x", PartitionKey="k")
        assert set(kinesis_settled) == {"a", "b"}
        kinesis_settled.clear()
        client.put_record(StreamName="b", Data=b"x", PartitionKey="k")
        assert set(kinesis_settled) == {"b"}
