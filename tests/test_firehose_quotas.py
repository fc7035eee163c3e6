"""Direct PUT throughput quotas and the control plane's rates, on the fake clock, once a test
turns them on."""

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


def one_attempt(region: str = SMALL) -> Any:
    """A client of one attempt: a retry's backoff would move the fake clock into the next
    second."""
    return boto3.client(
        "firehose", region_name=region, config=Config(retries={"total_max_attempts": 1})
    )


@pytest.fixture
def client(fake: FirehoseFake) -> Any:
    return one_attempt()


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


def test_a_second_takes_exactly_one_mib(fake, client):
    answer = batch(client, 1000 * KIB, 24 * KIB, 1)  # 1 MiB, and one byte more

    assert failed(answer) == [2]


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


def test_a_put_record_refused_for_its_size_uses_none_of_the_request_rate(fake, client):
    client.put_record(DeliveryStreamName="events", Record={"Data": b"x" * 1000 * KIB})
    for _ in range(998):
        client.put_record(DeliveryStreamName="events", Record={"Data": b"x"})

    with pytest.raises(ClientError, match="ServiceUnavailableException"):  # over 1 MiB
        client.put_record(DeliveryStreamName="events", Record={"Data": b"x" * 1000 * KIB})
    client.put_record(DeliveryStreamName="events", Record={"Data": b"x"})  # the 1,000th call

    with pytest.raises(ClientError, match="ServiceUnavailableException"):
        client.put_record(DeliveryStreamName="events", Record={"Data": b"x"})
    assert len(fake.firehose["events"].records) == 1_000


def test_the_larger_regions_take_five_mib_a_second():
    with FirehoseFake(region="us-east-1") as fake:
        fake.firehose.create_delivery_stream("events")
        fake.firehose.enforce_quotas()
        client = one_attempt("us-east-1")
        assert failed(batch(client, *[1000 * KIB] * 4)) == []
        assert failed(batch(client, 1000 * KIB, 200 * KIB)) == [1]


def test_the_larger_regions_take_500_000_records_a_second():
    with FirehoseFake(region="us-west-2") as fake:
        fake.firehose.create_delivery_stream("events")
        fake.firehose.enforce_quotas()
        client = one_attempt("us-west-2")
        for _ in range(1_000):
            assert failed(batch(client, *[1] * 500)) == []

        assert failed(batch(client, 1)) == [0]


def test_quotas_can_be_turned_off_again(fake, client):
    fake.firehose.enforce_quotas(False)

    assert failed(batch(client, *[1000 * KIB] * 4)) == []
    for _ in range(2):  # PutRecord too: another 1.2 MiB in the same second
        client.put_record(DeliveryStreamName="events", Record={"Data": b"x" * 600 * KIB})
    assert len(fake.firehose["events"].records) == 6


def test_quotas_are_off_by_default():
    with FirehoseFake(region=SMALL) as fake:
        fake.firehose.create_delivery_stream("events")
        client = one_attempt()
        assert failed(batch(client, *[1000 * KIB] * 4)) == []
        for _ in range(2):  # PutRecord too: another 1.2 MiB in the same second
            client.put_record(DeliveryStreamName="events", Record={"Data": b"x" * 600 * KIB})
        assert len(fake.firehose["events"].records) == 6


def test_scripted_record_failures_use_no_quota(fake, client):
    fake.firehose.fail(records=[0])

    answer = batch(client, 1000 * KIB, 1000 * KIB)

    assert failed(answer) == [0]
    assert answer["RequestResponses"][0]["ErrorCode"] == "ServiceUnavailableException"


# --------------------------------------------------------------------------- control plane

MISSING = "no-such-stream"
#: Each control-plane operation, with parameters that name a stream the account lacks (so
#: every call but a refused one answers ResourceNotFoundException), or none.
CONTROL_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("describe_delivery_stream", {"DeliveryStreamName": MISSING}),
    ("list_delivery_streams", {}),
    ("delete_delivery_stream", {"DeliveryStreamName": MISSING}),
    (
        "update_destination",
        {
            "DeliveryStreamName": MISSING,
            "CurrentDeliveryStreamVersionId": "1",
            "DestinationId": "destinationId-000000000001",
        },
    ),
    ("tag_delivery_stream", {"DeliveryStreamName": MISSING, "Tags": [{"Key": "k"}]}),
    ("untag_delivery_stream", {"DeliveryStreamName": MISSING, "TagKeys": ["k"]}),
    ("list_tags_for_delivery_stream", {"DeliveryStreamName": MISSING}),
    ("start_delivery_stream_encryption", {"DeliveryStreamName": MISSING}),
    ("stop_delivery_stream_encryption", {"DeliveryStreamName": MISSING}),
]
#: What a throttled DescribeDeliveryStream answered (terraform-provider-aws#26197, 2022) and
#: a throttled ListTagsForDeliveryStream (prowler#9124, 2025).
RATE_EXCEEDED = {"Code": "ThrottlingException", "Message": "Rate exceeded"}
SLOW_DOWN = {
    "Code": "ThrottlingException",
    "Message": "Please slow down. Max limit of 5 RPS has breached for",
}
TAG_CALLS = ("tag_delivery_stream", "untag_delivery_stream", "list_tags_for_delivery_stream")


def answer_of(call: Any, **params: Any) -> dict[str, Any]:
    try:
        answer: dict[str, Any] = call(**params)
    except ClientError as error:
        return dict(error.response)
    return answer


@pytest.mark.parametrize(("method", "params"), CONTROL_CALLS, ids=[c[0] for c in CONTROL_CALLS])
def test_a_sixth_control_plane_call_in_a_second_is_throttled(fake, client, method, params):
    call = getattr(client, method)
    for _ in range(5):
        assert answer_of(call, **params).get("Error", {}).get("Code") != "ThrottlingException"

    refused = answer_of(call, **params)

    assert refused["Error"] == (SLOW_DOWN if method in TAG_CALLS else RATE_EXCEEDED)
    assert refused["ResponseMetadata"]["HTTPStatusCode"] == 400
    fake.firehose.clock.advance(seconds=1)
    assert answer_of(call, **params).get("Error", {}).get("Code") != "ThrottlingException"


def test_a_throttled_create_creates_nothing_and_each_operation_has_its_own_rate(fake, client):
    for number in range(5):
        client.create_delivery_stream(DeliveryStreamName=f"s{number}")

    refused = answer_of(client.create_delivery_stream, DeliveryStreamName="s5")

    assert refused["Error"] == RATE_EXCEEDED
    assert "s5" not in fake.firehose
    # DescribeDeliveryStream and the puts have rates of their own.
    assert client.describe_delivery_stream(DeliveryStreamName="s4")
    client.put_record(DeliveryStreamName="events", Record={"Data": b"x"})


def test_the_control_plane_has_no_rate_while_quotas_are_off():
    with FirehoseFake(region=SMALL) as fake:
        fake.firehose.create_delivery_stream("events")
        client = one_attempt()
        for _ in range(20):
            client.describe_delivery_stream(DeliveryStreamName="events")


def test_quotas_reach_a_region_first_used_after_they_were_turned_on(fake):
    # The fixture turned them on before any request to eu-west-2 made its Firehose.
    client = one_attempt("eu-west-2")
    for _ in range(5):
        client.list_delivery_streams()

    refused = answer_of(client.list_delivery_streams)

    assert refused["Error"] == RATE_EXCEEDED


def test_a_reset_turns_the_quotas_off(fake):
    fake.world.reset()  # what the local server's POST /_fake/reset does
    client = one_attempt()
    client.create_delivery_stream(DeliveryStreamName="events")

    answers = [answer_of(client.list_delivery_streams) for _ in range(6)]

    assert [answer.get("Error") for answer in answers] == [None] * 6
    assert failed(batch(client, *[1000 * KIB] * 4)) == []
