"""Direct PUT throughput quotas, on the fake clock, once a test turns them on."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_firehose import FirehoseFake

#: A region with the smaller quota: 1,000 requests, 100,000 records and 1 MiB a second.
SMALL = "eu-central-1"
KIB = 1024


@pytest.fixture
def fake() -> Any:
    with FirehoseFake(region=SMALL) as started:
        started.firehose.create_delivery_stream("events")
        started.firehose.enforce_quotas()
        yield started


@pytest.fixture
def client(fake: FirehoseFake) -> Any:
    # One attempt: a retry's backoff would move the fake clock into the next second.
    return boto3.client(
        "firehose", region_name=SMALL, config=Config(retries={"total_max_attempts": 1})
    )


def batch(client: Any, *sizes: int) -> dict[str, Any]:
    records = [{"Data": b"x" * size} for size in sizes]
    answer: dict[str, Any] = client.put_record_batch(DeliveryStreamName="events", Records=records)
    return answer


def failed(answer: dict[str, Any]) -> list[int]:
    return [i for i, entry in enumerate(answer["RequestResponses"]) if "ErrorCode" in entry]


def test_records_past_the_bytes_a_second_fail_in_the_answer_in_order(fake, client):
    answer = batch(client, 400 * KIB, 400 * KIB, 400 * KIB, 1)

    assert failed(answer) == [2, 3]  # the 1-byte record after the refused one fails too
    assert answer["FailedPutCount"] == 2
    assert answer["RequestResponses"][2] == {
        "ErrorCode": "ServiceUnavailableException",
        "ErrorMessage": "Slow down.",
    }
    assert len(fake.firehose["events"].records) == 2

    fake.firehose.clock.advance(seconds=1)
    assert failed(batch(client, 400 * KIB)) == []


def test_a_put_record_past_the_bytes_a_second_is_refused_whole(fake, client):
    client.put_record(DeliveryStreamName="events", Record={"Data": b"x" * 600 * KIB})

    with pytest.raises(ClientError) as refused:
        client.put_record(DeliveryStreamName="events", Record={"Data": b"x" * 600 * KIB})

    assert refused.value.response["Error"] == {
        "Code": "ServiceUnavailableException",
        "Message": "Slow down.",
    }
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert len(fake.firehose["events"].records) == 1


def test_records_past_the_records_a_second_fail(fake, client):
    for _ in range(200):  # 100,000 records
        assert failed(batch(client, *[1] * 500)) == []

    assert failed(batch(client, 1, 1)) == [0, 1]


def test_calls_past_the_requests_a_second_are_refused_whole(fake, client):
    for _ in range(1_000):
        client.put_record(DeliveryStreamName="events", Record={"Data": b"x"})

    with pytest.raises(ClientError, match="ServiceUnavailableException"):
        batch(client, 1)

    fake.firehose.clock.advance(seconds=1)
    client.put_record(DeliveryStreamName="events", Record={"Data": b"x"})
    assert len(fake.firehose["events"].records) == 1_001


def test_the_larger_regions_take_five_mib_a_second():
    with FirehoseFake(region="us-east-1") as fake:
        fake.firehose.create_delivery_stream("events")
        fake.firehose.enforce_quotas()
        client = boto3.client(
            "firehose", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
        )
        assert failed(batch(client, *[1000 * KIB] * 4)) == []
        assert failed(batch(client, 1000 * KIB, 200 * KIB)) == [1]


def test_quotas_can_be_turned_off_again(fake, client):
    fake.firehose.enforce_quotas(False)

    assert failed(batch(client, *[1000 * KIB] * 4)) == []


def test_quotas_are_off_by_default():
    with FirehoseFake(region=SMALL) as fake:
        fake.firehose.create_delivery_stream("events")
        client = boto3.client("firehose", region_name=SMALL)
        assert failed(batch(client, *[1000 * KIB] * 4)) == []


def test_scripted_record_failures_use_no_quota(fake, client):
    fake.firehose.fail(records=[0])

    answer = batch(client, 1000 * KIB, 1000 * KIB)

    assert failed(answer) == [0]
    assert answer["RequestResponses"][0]["ErrorCode"] == "ServiceUnavailableException"
