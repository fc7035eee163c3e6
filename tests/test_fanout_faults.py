"""Faults in the middle of a SubscribeToShard stream (``events=N``): an exception event, or
the connection dropped, after N events, so that a consumer's resubscribe-from-continuation
logic can be tested; and the refusals of keywords that do not fit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError
from fanout_support import REGION, data, event_stream, put, register, world_with_stream
from urllib3.exceptions import ProtocolError

from pytest_firehose import FirehoseFake, UsageError


@pytest.fixture
def fake() -> Iterator[FirehoseFake]:
    with world_with_stream() as fake:
        yield fake


@pytest.fixture
def client(fake: FirehoseFake) -> Any:
    return boto3.client("kinesis", region_name=REGION)


@pytest.fixture
def consumer(fake: FirehoseFake, client: Any) -> str:
    return register(fake, client)


def subscribe(client: Any, consumer: str, **position: Any) -> Iterator[dict[str, Any]]:
    return iter(event_stream(client, consumer, **position))


def resume(client: Any, consumer: str, events: list[dict[str, Any]]) -> list[bytes]:
    """What a consumer's resubscription from the last continuation number reads first."""
    resumed = subscribe(
        client,
        consumer,
        Type="AFTER_SEQUENCE_NUMBER",
        SequenceNumber=events[-1]["ContinuationSequenceNumber"],
    )
    first = next(resumed)["SubscribeToShardEvent"]
    return [record["Data"] for record in first["Records"]]


def test_an_error_event_after_n_events_and_the_consumer_resumes(fake, client, consumer):
    fault = fake.kinesis.fail(
        operation="SubscribeToShard", error="InternalFailureException", events=2
    )
    put(client, b"a")
    stream = subscribe(client, consumer)
    first = next(stream)["SubscribeToShardEvent"]
    put(client, b"b")
    second = next(stream)["SubscribeToShardEvent"]
    put(client, b"c")
    with pytest.raises(EventStreamError) as caught:
        next(stream)
    assert caught.value.response["Error"]["Code"] == "InternalFailureException"
    assert data([first, second]) == [b"a", b"b"]
    # At once: the broken subscription does not hold the next one off for 5 seconds.
    assert resume(client, consumer, [first, second]) == [b"c"]
    assert fault.fired == 1
    calls = [c for c in fake.kinesis.calls if c.operation == "SubscribeToShard"]
    assert [(c.status, c.outcome, c.error) for c in calls] == [
        (200, "error", "InternalFailureException"),
        (200, "ok", None),
    ]
    assert "events=2" in calls[0].fault


def test_a_code_the_answer_carries_comes_as_an_event_mid_stream(fake, client, consumer):
    fake.kinesis.fail(operation="SubscribeToShard", error="ResourceInUseException", events=1)
    stream = subscribe(client, consumer)
    next(stream)
    with pytest.raises(EventStreamError) as caught:
        next(stream)
    # The error event of a stream taken over, in AWS's words.
    assert caught.value.response["Error"] == {
        "Code": "ResourceInUseException",
        "Message": "Another active subscription exists for this consumer: "
        f"{fake.world.account_id}:s:shardId-000000000000:app",
    }


def test_a_connection_lost_after_n_events_and_the_consumer_resumes(fake, client, consumer):
    fake.kinesis.fail(operation="SubscribeToShard", timeout="lost", events=1)
    put(client, b"a")
    stream = subscribe(client, consumer)
    events = [next(stream)["SubscribeToShardEvent"]]
    put(client, b"b")
    with pytest.raises(ProtocolError) as caught:
        next(stream)
    assert data(events) == [b"a"]
    assert "ended prematurely" in str(caught.value)
    assert resume(client, consumer, events) == [b"b"]


def test_zero_events_breaks_the_stream_before_its_first(fake, client, consumer):
    fake.kinesis.fail(operation="SubscribeToShard", error="KMSThrottlingException", events=0)
    with pytest.raises(EventStreamError) as caught:
        next(subscribe(client, consumer))
    assert caught.value.response["Error"]["Code"] == "KMSThrottlingException"


def test_with_read_quotas_a_consumer_resubscribes_to_a_shard_once_a_second(fake, consumer):
    # One SubscribeToShard a second per consumer and shard (the API reference): a stream
    # broken at once frees the subscription, not the second's one call.
    fake.kinesis.enforce_read_quotas()
    one_try = boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    fake.kinesis.fail(operation="SubscribeToShard", error="InternalFailureException", events=0)
    with pytest.raises(EventStreamError):
        next(subscribe(one_try, consumer))
    with pytest.raises(ClientError) as caught:
        subscribe(one_try, consumer)
    assert caught.value.response["Error"] == {
        "Code": "LimitExceededException",
        "Message": f"Rate exceeded for consumer {consumer} and shard shardId-000000000000.",
    }
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    other = register(fake, one_try, "other")
    assert next(subscribe(one_try, other))["SubscribeToShardEvent"]["Records"] == []
    fake.kinesis.clock.advance(seconds=1)
    assert next(subscribe(one_try, consumer))["SubscribeToShardEvent"]["Records"] == []


def test_without_read_quotas_a_broken_stream_is_resubscribed_at_once(fake, client, consumer):
    fake.kinesis.fail(operation="SubscribeToShard", error="InternalFailureException", events=0)
    with pytest.raises(EventStreamError):
        next(subscribe(client, consumer))
    put(client, b"a")
    assert data([next(subscribe(client, consumer))["SubscribeToShardEvent"]]) == [b"a"]


def test_a_stream_that_ends_first_ends_as_it_would(fake, client, consumer):
    fake.kinesis.fail(operation="SubscribeToShard", timeout="lost", events=500)
    stream = subscribe(client, consumer)
    assert sum(1 for _ in stream) == 300  # the 5 minutes' events, then the end


@pytest.mark.parametrize(
    ("keywords", "fix"),
    [
        ({"error": "InternalFailureException", "events": 1}, "operation='SubscribeToShard'"),
        ({"operation": "SubscribeToShard", "throttle": True, "events": 1}, "error= ("),
        ({"operation": "SubscribeToShard", "timeout": "commit", "events": 1}, "timeout='lost'"),
        (
            {"operation": "SubscribeToShard", "error": "InternalFailureException", "events": -1},
            "0 or more",
        ),
        (
            {"operation": "SubscribeToShard", "error": "LimitExceededException", "events": 1},
            "not an error its event stream carries",
        ),
    ],
)
def test_events_that_cannot_apply_are_refused_naming_the_fix(fake, keywords, fix):
    with pytest.raises(UsageError) as refused:
        fake.kinesis.fail(**keywords)
    assert fix in str(refused.value)
