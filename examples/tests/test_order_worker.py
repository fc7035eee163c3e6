"""The order worker against a queue on a Kinesis stream: every order processed once, a
poison order in the dead letters, and a lost acknowledgement that brings an order back."""

from __future__ import annotations

import json
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError
from order_worker import OrderWorker

#: Queues are in botocore's Kinesis model from 1.44 on.
KINESIS = botocore.session.get_session().get_service_model("kinesis")
pytestmark = pytest.mark.skipif(
    "CreateQueue" not in KINESIS.operation_names,
    reason=f"botocore {botocore.__version__} predates Kinesis queues",
)


@pytest.fixture
def client(kinesis: Any) -> Any:
    """A client with botocore's standard retry mode: three attempts a call."""
    return boto3.client(
        "kinesis", config=Config(retries={"mode": "standard", "total_max_attempts": 3})
    )


@pytest.fixture
def queue(client: Any) -> str:
    """An on-demand stream of orders, and the worker's queue on it: 30 seconds to process
    an order, three receives before it is a dead letter."""
    client.create_stream(StreamName="orders", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    stream = client.describe_stream_summary(StreamName="orders")["StreamDescriptionSummary"]
    answer = client.create_queue(
        QueueName="order-worker",
        StreamConfigurationList=[{"StreamARN": stream["StreamARN"]}],
        QueueAttributes={
            "VisibilityTimeoutSeconds": 30,
            "DeadLetterConfiguration": {"TargetType": "BUILT_IN", "MaxReceiveCount": 3},
        },
    )
    arn: str = answer["QueueDescription"]["QueueARN"]
    return arn


def order(client: Any, number: int, **fields: Any) -> None:
    data = json.dumps({"order": number, **fields}).encode()
    client.put_record(StreamName="orders", Data=data, PartitionKey=str(number))


def test_every_order_is_processed_once(client, queue, kinesis):
    shipped: list[int] = []
    worker = OrderWorker(client, queue, lambda o: shipped.append(o["order"]))
    for number in range(25):
        order(client, number)

    while len(shipped) < 25:
        assert not worker.poll().failed

    assert sorted(shipped) == list(range(25))
    assert kinesis["orders"].queues[0].acknowledged == 25


def test_an_order_that_always_fails_ends_in_the_dead_letters(client, queue, kinesis):
    shipped: list[int] = []

    def ship(placed: dict[str, Any]) -> None:
        if placed.get("address") is None:
            raise ValueError("no address")
        shipped.append(placed["order"])

    worker = OrderWorker(client, queue, ship)
    order(client, 1, address="Main St")
    order(client, 2)  # never shippable

    failures = 0
    for _ in range(12):  # each empty poll waits 20 seconds of fake time
        failures += len(worker.poll().failed)

    assert shipped == [1]
    assert failures == 3  # received three times, then a dead letter
    (dead,) = kinesis["orders"].queues[0].dead_letters
    assert json.loads(dead.data)["order"] == 2


def test_a_lost_acknowledgement_brings_the_order_back_without_a_second_shipment(
    client, queue, kinesis
):
    shipped: list[int] = []
    worker = OrderWorker(client, queue, lambda o: shipped.append(o["order"]))
    order(client, 7)
    # The acknowledgement never reaches the queue, at each of botocore's three attempts:
    # the worker sees a read timeout.
    kinesis.fail(operation="AcknowledgeQueueRecords", timeout="lost", times=3)

    with pytest.raises(ReadTimeoutError):
        worker.poll()
    redelivered: list[str] = []
    while not redelivered:
        redelivered = worker.poll().redelivered

    assert shipped == [7]
    assert kinesis["orders"].queues[0].acknowledged == 1
