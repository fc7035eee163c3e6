"""SubscribeToShard through boto3: the event stream botocore reads, its timing on the fake
clock, starting positions, resubscribing from a continuation number, the end of a closed
shard, and the errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError, ReadTimeoutError
from conftest import needs_botocore
from fanout_support import REGION, SHARD, data, event_stream, put, register, world_with_stream

from pytest_firehose import FirehoseFake, FirehoseServer, UsageError


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


subscribe = event_stream


def events(stream: Any, count: int) -> list[dict[str, Any]]:
    """The next ``count`` SubscribeToShardEvents of ``stream``."""
    taken = []
    for event in stream:
        taken.append(event["SubscribeToShardEvent"])
        if len(taken) == count:
            break
    return taken


def test_records_put_before_and_during_arrive_once_in_order(fake, client, consumer):
    put(client, b"a", b"b")
    stream = iter(subscribe(client, consumer))
    first = next(stream)["SubscribeToShardEvent"]
    assert data([first]) == [b"a", b"b"]
    assert first["MillisBehindLatest"] == 0
    put(client, b"c")
    second = next(stream)["SubscribeToShardEvent"]
    put(client, b"d", b"e")
    third = next(stream)["SubscribeToShardEvent"]
    assert data([second, third]) == [b"c", b"d", b"e"]
    quiet = next(stream)["SubscribeToShardEvent"]
    # DOC (MillisBehindLatest): zero when the consumer is caught up.
    assert (quiet["Records"], quiet["MillisBehindLatest"]) == ([], 0)
    # The continuation moves on with every event, with records or not.
    assert int(quiet["ContinuationSequenceNumber"]) > int(third["ContinuationSequenceNumber"])


def test_millis_behind_latest_is_never_negative_out_of_arrival_order() -> None:
    """An event of two records of almost 1 MiB each (an event holds 2 MiB) ahead of a
    third stamped before them (freezegun moved time back): MillisBehindLatest is 0, as the
    model's minimum allows. It was -60000."""
    start = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, world_with_stream() as fake:
        client = boto3.client("kinesis", region_name=REGION)
        consumer = register(fake, client)
        for offset, payload in ((100, b"a"), (110, b"b"), (50, b"c")):
            frozen.move_to(start + timedelta(seconds=offset))
            put(client, payload * (1024 * 1024 - 1))
        frozen.move_to(start + timedelta(seconds=300))

        (first,) = events(subscribe(client, consumer), 1)

    assert (len(first["Records"]), first["MillisBehindLatest"]) == (2, 0)


def test_the_continuation_number_is_no_records_and_resumes_after_the_last(fake, client, consumer):
    # An event of five records put together continues from none of their numbers
    # (LocalStack's AWS-validated snapshot); it resumes after the last of them, and
    # AT_SEQUENCE_NUMBER of it reads the last one again (amazon-kinesis-client#371).
    stream = iter(subscribe(client, consumer))
    assert next(stream)["SubscribeToShardEvent"]["Records"] == []
    put(client, b"a", b"b", b"c", b"d", b"e")
    (event,) = events(stream, 1)
    put(client, b"f")
    fake.kinesis.clock.advance(seconds=5)  # past the takeover window

    continuation = event["ContinuationSequenceNumber"]
    numbers = [int(record["SequenceNumber"]) for record in event["Records"]]
    assert (data([event]), event["MillisBehindLatest"]) == ([b"a", b"b", b"c", b"d", b"e"], 0)
    assert int(continuation) not in numbers
    assert int(continuation) > numbers[-1]
    after = subscribe(client, consumer, Type="AFTER_SEQUENCE_NUMBER", SequenceNumber=continuation)
    assert data(events(after, 1)) == [b"f"]
    fake.kinesis.clock.advance(seconds=5)
    at = subscribe(client, consumer, Type="AT_SEQUENCE_NUMBER", SequenceNumber=continuation)
    assert data(events(at, 1)) == [b"e", b"f"]


def test_a_new_subscription_resumes_after_the_continuation_number(fake, client, consumer):
    put(client, b"a", b"b")
    (first,) = events(subscribe(client, consumer), 1)
    put(client, b"c")
    fake.kinesis.clock.advance(seconds=5)  # past the takeover window
    resumed = subscribe(
        client,
        consumer,
        Type="AFTER_SEQUENCE_NUMBER",
        SequenceNumber=first["ContinuationSequenceNumber"],
    )
    assert data(events(resumed, 1)) == [b"c"]


def test_a_quiet_shard_continuation_number_resumes_at_the_next_record(fake, client, consumer):
    (quiet,) = events(subscribe(client, consumer, Type="LATEST"), 1)
    assert quiet["Records"] == []
    put(client, b"a")
    fake.kinesis.clock.advance(seconds=5)
    resumed = subscribe(
        client,
        consumer,
        Type="AFTER_SEQUENCE_NUMBER",
        SequenceNumber=quiet["ContinuationSequenceNumber"],
    )
    assert data(events(resumed, 1)) == [b"a"]


def test_one_event_a_second_and_the_end_exactly_at_five_minutes(fake, client, consumer):
    clock = fake.kinesis.clock
    started = clock.now()
    stream = iter(subscribe(client, consumer))
    next(stream)
    assert clock.now() == started  # the first event is pushed at once
    next(stream)
    assert clock.now() == started + timedelta(seconds=1)
    clock.advance(seconds=30)
    next(stream)  # already due: no more time passes
    assert clock.now() == started + timedelta(seconds=31)
    remaining = sum(1 for _ in stream)
    assert remaining == 300 - 32  # one each second from 32 s to 299 s
    assert clock.now() == started + timedelta(minutes=5)


def test_a_subscription_past_its_five_minutes_sends_the_event_due_then_ends(fake, client, consumer):
    stream = iter(subscribe(client, consumer))
    first = next(stream)["SubscribeToShardEvent"]
    put(client, b"a")
    fake.kinesis.clock.advance(minutes=6)
    moved_to = fake.kinesis.clock.now()
    # The event due a second in came before the end: it carries the record, once.
    due = [event["SubscribeToShardEvent"] for event in stream]
    assert data(due) == [b"a"]
    assert int(due[0]["ContinuationSequenceNumber"]) > int(first["ContinuationSequenceNumber"])
    assert fake.kinesis.clock.now() == moved_to


def test_the_first_event_comes_though_the_clock_passed_five_minutes_before_it(
    fake, client, consumer
):
    put(client, b"a", b"b")
    stream = iter(subscribe(client, consumer))
    fake.kinesis.clock.advance(minutes=6)
    pushed = [event["SubscribeToShardEvent"] for event in stream]
    assert data(pushed) == [b"a", b"b"]
    # The continuation number to resubscribe from, after the records pushed.
    continuation = pushed[0]["ContinuationSequenceNumber"]
    assert int(continuation) > int(pushed[0]["Records"][-1]["SequenceNumber"])
    put(client, b"c")
    resumed = subscribe(client, consumer, Type="AFTER_SEQUENCE_NUMBER", SequenceNumber=continuation)
    assert data(events(resumed, 1)) == [b"c"]


@pytest.mark.parametrize("late", [timedelta(minutes=5), timedelta(minutes=5, seconds=1)])
def test_a_record_put_after_the_five_minutes_is_not_pushed(fake, client, consumer, late):
    # The first event is due when the subscription starts; a record that arrives once its
    # five minutes are over (DOC: a subscription lasts 5 minutes), from their last instant
    # on, reaches no event, also when the client reads that first event only afterwards.
    put(client, b"a")
    stream = iter(subscribe(client, consumer))
    fake.kinesis.clock.advance(late)
    put(client, b"late")

    pushed = [event["SubscribeToShardEvent"] for event in stream]

    assert data(pushed) == [b"a"]
    assert data(events(subscribe(client, consumer), 1)) == [b"a", b"late"]


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        ({"Type": "TRIM_HORIZON"}, [b"a", b"b", b"c"]),
        ({"Type": "LATEST"}, []),
        ({"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": 1}, [b"b", b"c"]),
        ({"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": 1}, [b"c"]),
        ({"Type": "AT_TIMESTAMP", "Timestamp": 1}, [b"b", b"c"]),
    ],
)
def test_every_starting_position(fake, client, consumer, position, expected):
    put(client, b"a")
    fake.kinesis.clock.advance(seconds=10)
    at_b = fake.kinesis.clock.now()
    numbers = put(client, b"b", b"c")
    if "SequenceNumber" in position:
        position["SequenceNumber"] = numbers[0]
    if "Timestamp" in position:
        position["Timestamp"] = at_b
    assert data(events(subscribe(client, consumer, **position), 1)) == expected


@pytest.mark.parametrize(
    ("position", "which"),
    [
        ({"Type": "AT_SEQUENCE_NUMBER"}, "no"),
        ({"Type": "AFTER_SEQUENCE_NUMBER"}, "no"),
        ({"Type": "TRIM_HORIZON", "SequenceNumber": "1"}, "also a"),
        ({"Type": "LATEST", "SequenceNumber": "1"}, "also a"),
    ],
)
def test_a_sequence_number_where_the_type_takes_none_or_none_where_it_takes_one_is_refused(
    fake, client, consumer, position, which
):
    # As GetShardIterator refuses it (kinesalite's AWS-validated text), not ignored.
    put(client, b"a")
    with pytest.raises(ClientError) as caught:
        subscribe(client, consumer, **position)
    assert caught.value.response["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
        "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
        f"Request specified {position['Type']} and {which} StartingSequenceNumber.",
    }


def test_a_split_ends_the_subscription_with_the_children(fake, client, consumer):
    put(client, b"a")
    stream = iter(subscribe(client, consumer))
    assert data([next(stream)["SubscribeToShardEvent"]]) == [b"a"]
    put(client, b"b")
    fake.kinesis["s"].split_shard(SHARD, 2**127)
    last = next(stream)["SubscribeToShardEvent"]
    assert data([last]) == [b"b"]
    assert "ContinuationSequenceNumber" not in last
    assert [child["ShardId"] for child in last["ChildShards"]] == [
        "shardId-000000000001",
        "shardId-000000000002",
    ]
    assert all(child["ParentShards"] == [SHARD] for child in last["ChildShards"])
    assert list(stream) == []


def test_latest_on_a_closed_shard_gets_its_last_event(fake, client, consumer):
    # The Kinesis Client Library resubscribes with LATEST at a shard's end and gets the
    # shard's last event again (amazon-kinesis-client#1744).
    put(client, b"a")
    fake.kinesis["s"].split_shard(SHARD, 2**127)

    (last,) = [e["SubscribeToShardEvent"] for e in subscribe(client, consumer, Type="LATEST")]

    assert (last["Records"], "ContinuationSequenceNumber" in last) == ([], False)
    assert [child["ShardId"] for child in last["ChildShards"]] == [
        "shardId-000000000001",
        "shardId-000000000002",
    ]


def test_a_second_subscription_within_five_seconds_is_refused(fake, client, consumer):
    stream = iter(subscribe(client, consumer))
    next(stream)
    fake.kinesis.clock.advance(seconds=3)
    with pytest.raises(ClientError) as caught:
        subscribe(client, consumer)
    assert caught.value.response["Error"] == {
        "Code": "ResourceInUseException",
        "Message": "Another active subscription exists for this consumer: "
        f"{fake.world.account_id}:s:{SHARD}:app",
    }


def test_a_subscription_after_the_clock_moved_back_before_the_last_takes_over() -> None:
    """freezegun moved the clock back a minute after a subscription started: the new one is
    not within 5 seconds after it, and takes over. It was refused until the clock came
    back to 5 seconds past the first."""
    start = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, world_with_stream() as fake:
        client = boto3.client("kinesis", region_name=REGION)
        consumer = register(fake, client)
        frozen.move_to(start + timedelta(minutes=1))
        old = iter(subscribe(client, consumer))
        next(old)
        frozen.move_to(start)
        put(client, b"a")

        new = events(subscribe(client, consumer), 1)
        with pytest.raises(EventStreamError) as caught:
            next(old)

    assert data(new) == [b"a"]
    assert caught.value.response["Error"]["Code"] == "ResourceInUseException"


def test_a_consumer_registered_before_time_was_frozen_earlier_stays_active(fake, client, consumer):
    """Under freezegun frozen a day before the registration, the consumer stays ACTIVE
    and subscribes. It went back to CREATING and refused the subscription."""
    with freezegun.freeze_time(fake.kinesis.clock.now() - timedelta(days=1)):
        described = client.describe_stream_consumer(ConsumerARN=consumer)
        put(client, b"a")
        (first,) = events(subscribe(client, consumer), 1)

    assert described["ConsumerDescription"]["ConsumerStatus"] == "ACTIVE"
    assert data([first]) == [b"a"]


def test_a_later_subscription_takes_over_and_the_old_one_fails(fake, client, consumer):
    old = iter(subscribe(client, consumer))
    next(old)
    fake.kinesis.clock.advance(seconds=5)
    put(client, b"a")
    new = subscribe(client, consumer)
    with pytest.raises(EventStreamError) as caught:
        next(old)
    assert caught.value.response["Error"] == {
        "Code": "ResourceInUseException",
        "Message": "Another active subscription exists for this consumer: "
        f"{fake.world.account_id}:s:{SHARD}:app",
    }
    assert data(events(new, 1)) == [b"a"]


def test_a_subscription_taken_over_fails_at_once_without_waiting_for_its_next_event(
    fake, client, consumer
):
    old = iter(subscribe(client, consumer))
    next(old)
    fake.kinesis.clock.advance(seconds=5)
    next(old)  # the next one falls due a second from now
    taken_at = fake.kinesis.clock.now()
    subscribe(client, consumer)

    with pytest.raises(EventStreamError, match="ResourceInUseException"):
        next(old)

    assert fake.kinesis.clock.now() == taken_at


def test_a_consumer_still_creating_cannot_subscribe():
    with FirehoseFake(region=REGION, creation_delay=10) as fake:
        fake.kinesis.create_stream("s")
        fake.kinesis.clock.advance(seconds=10)
        client = boto3.client("kinesis", region_name=REGION)
        registered = client.register_stream_consumer(
            StreamARN=fake.kinesis["s"].arn, ConsumerName="app"
        )["Consumer"]
        with pytest.raises(ClientError) as caught:
            subscribe(client, registered["ConsumerARN"])
        seconds = int(registered["ConsumerCreationTimestamp"].timestamp())
        assert caught.value.response["Error"] == {
            "Code": "ResourceInUseException",
            "Message": f"Consumer app with creation timestamp {seconds} under stream: s , "
            f"account {fake.world.account_id} is not in ACTIVE status.",
        }


def test_an_unknown_consumer_or_shard_is_not_found(fake, client, consumer):
    unknown = consumer.replace("/consumer/app:", "/consumer/other:")
    for arn, shard in [(unknown, SHARD), (consumer, "shardId-000000000007")]:
        with pytest.raises(ClientError) as caught:
            subscribe(client, arn, shard)
        assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_an_unknown_shard_is_named_by_its_full_id_in_the_refusal(fake, client, consumer):
    # Shard ids are read as GetShardIterator reads them: "7" names shardId-000000000007.
    for shard in ["shardId-000000000007", "7"]:
        with pytest.raises(ClientError) as caught:
            subscribe(client, consumer, shard)
        assert caught.value.response["Error"]["Message"] == (
            "Shard shardId-000000000007 in stream s under account 123456789012 does not exist"
        )


def test_a_deregistered_consumer_ends_its_subscription(fake, client, consumer):
    stream = iter(subscribe(client, consumer))
    next(stream)
    client.deregister_stream_consumer(ConsumerARN=consumer)
    assert list(stream) == []


def test_an_event_carries_at_most_two_mebibytes(fake, client, consumer):
    mebibyte = b"x" * (1024 * 1024 - 1)  # with its one-byte key, the most a record holds
    put(client, mebibyte, mebibyte)
    fake.kinesis.clock.advance(seconds=2)
    put(client, mebibyte)
    first, second = events(subscribe(client, consumer), 2)
    assert len(first["Records"]) == 2
    assert first["MillisBehindLatest"] == 2000
    assert len(second["Records"]) == 1
    assert second["MillisBehindLatest"] == 0


def test_an_event_fills_to_two_mebibytes_exactly_and_no_byte_more(fake, client, consumer):
    mebibyte = b"x" * (1024 * 1024 - 1)
    put(client, mebibyte, mebibyte, b"yz", b"!")  # 2 MiB with the third, one byte over
    first, second = events(subscribe(client, consumer), 2)
    assert data([first]) == [mebibyte, mebibyte, b"yz"]
    assert data([second]) == [b"!"]


def test_a_scripted_error_refuses_the_subscription(fake, client, consumer):
    refusal = fake.kinesis.fail(operation="SubscribeToShard", error="ResourceInUseException")
    with pytest.raises(ClientError) as caught:
        subscribe(client, consumer)
    # SubscribeToShard's own words for the code: another subscription is active.
    assert caught.value.response["Error"] == {
        "Code": "ResourceInUseException",
        "Message": "Another active subscription exists for this consumer: "
        f"{fake.world.account_id}:s:{SHARD}:app",
    }
    assert refusal.fired == 1
    (call,) = [c for c in fake.kinesis.calls if c.operation == "SubscribeToShard"]
    assert (call.stream, call.outcome) == ("s", "error")


def test_a_scripted_rate_refusal_names_the_consumer_and_the_shard(fake, consumer):
    one_try = boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    fake.kinesis.fail(operation="SubscribeToShard", error="LimitExceededException")
    with pytest.raises(ClientError) as caught:
        subscribe(one_try, consumer)
    assert caught.value.response["Error"] == {
        "Code": "LimitExceededException",
        "Message": f"Rate exceeded for consumer {consumer} and shard {SHARD}.",
    }


def test_a_timeout_after_the_subscription_committed_makes_the_retry_collide(fake, client, consumer):
    # The subscription is made, the client times out and botocore resends at once: within
    # 5 seconds, so the resend is refused as AWS refuses it.
    fake.kinesis.fail(operation="SubscribeToShard", timeout="commit")
    with pytest.raises(ClientError) as caught:
        subscribe(client, consumer)
    assert caught.value.response["Error"]["Code"] == "ResourceInUseException"
    outcomes = [c.outcome for c in fake.kinesis.calls if c.operation == "SubscribeToShard"]
    assert outcomes == ["timeout", "error"]


def test_a_lost_subscription_request_is_resent_and_served(fake, client, consumer):
    put(client, b"a")
    fake.kinesis.fail(operation="SubscribeToShard", timeout="lost")
    assert data(events(subscribe(client, consumer), 1)) == [b"a"]
    outcomes = [c.outcome for c in fake.kinesis.calls if c.operation == "SubscribeToShard"]
    assert outcomes == ["timeout", "ok"]


@pytest.mark.parametrize("refused_for", ["another subscription", "a consumer not ACTIVE"])
def test_a_refused_subscription_is_logged_as_answered_also_behind_a_timeout(refused_for):
    # AWS answers such a refusal with an HTTP 400 error, before any event stream (REAL:
    # the SDKs' status codes in amazon-kinesis-client#463 and kinesis-hot-shard-advisor#37);
    # a commit timeout's refusal keeps that answer, as each view of the call log shows it.
    with FirehoseFake(region=REGION, creation_delay=10) as fake:
        fake.kinesis.create_stream("s")
        fake.kinesis.clock.advance(seconds=10)
        config = Config(read_timeout=5, retries={"total_max_attempts": 1})
        one_try = boto3.client("kinesis", region_name=REGION, config=config)
        consumer = register(fake, one_try)
        if refused_for == "another subscription":
            fake.kinesis.clock.advance(seconds=10)
            next(iter(subscribe(one_try, consumer)))
        with pytest.raises(ClientError) as caught:
            subscribe(one_try, consumer)
        fault = fake.kinesis.fail(operation="SubscribeToShard", timeout="commit")
        with pytest.raises(ReadTimeoutError):
            subscribe(one_try, consumer)
        with FirehoseServer(fake.world) as server:
            listed = json.loads(server._control_answer("GET", "/_fake/calls", "", b"").body)
        refused, timed_out = fake.kinesis.calls[-2:]
        report = fake.failure_report()

    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (refused.outcome, refused.status, refused.error) == ("error", 400, error["Code"])
    assert (timed_out.outcome, timed_out.status, timed_out.error) == (
        "timeout",
        None,
        "read-timeout",
    )
    assert timed_out.refusal == (error["Code"], error["Message"], 400)
    shown = {"code": error["Code"], "message": error["Message"], "status": 400}
    assert [(c["outcome"], c["status"], c["error"], c["refusal"]) for c in listed[-2:]] == [
        ("error", 400, error["Code"], None),
        ("timeout", None, "read-timeout", shown),
    ]
    assert f"SubscribeToShard s -> {error['Code']} (400) (attempt 1)" in report
    assert (
        f"SubscribeToShard s -> timeout: read-timeout, though the service refused it: "
        f"{error['Code']} (400): {error['Message']} (attempt 1) [fault: {fault.fault!r}]"
    ) in report


@needs_botocore("kinesis RegisterStreamConsumer.Tags")
def test_a_consumer_keeps_its_tags_and_the_tag_rules_apply(fake, client):
    arn = fake.kinesis["s"].arn
    client.register_stream_consumer(StreamARN=arn, ConsumerName="app", Tags={"team": "data"})
    assert fake.kinesis["s"].consumers[0].tags == {"team": "data"}
    with pytest.raises(ClientError) as caught:
        client.register_stream_consumer(StreamARN=arn, ConsumerName="b", Tags={"a": "<"})
    assert caught.value.response["Error"]["Code"] == "InvalidArgumentException"


@pytest.mark.parametrize(
    "code", ["KMSAccessDeniedException", "KMSDisabledException", "InternalFailureException"]
)
def test_an_error_only_the_stream_carries_comes_as_an_event(fake, client, consumer, code):
    # AWS sends these inside the event stream, never as SubscribeToShard's answer.
    fake.kinesis.fail(operation="SubscribeToShard", error=code)
    stream = subscribe(client, consumer)
    with pytest.raises(EventStreamError) as caught:
        next(iter(stream))
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["Error"]["Message"]
    (call,) = [c for c in fake.kinesis.calls if c.operation == "SubscribeToShard"]
    assert (call.status, call.outcome, call.error) == (200, "error", code)


def test_an_error_the_answer_carries_is_not_sent_as_an_event(fake, client, consumer):
    fake.kinesis.fail(operation="SubscribeToShard", error="KMSAccessDeniedException")
    fake.kinesis.fail(operation="PutRecord", error="KMSAccessDeniedException")
    with pytest.raises(ClientError) as caught:
        put(client, b"a")
    assert caught.value.response["Error"]["Code"] == "KMSAccessDeniedException"
    with pytest.raises(EventStreamError):
        next(iter(subscribe(client, consumer)))


def test_an_event_carries_at_most_ten_thousand_records(fake, client, consumer):
    for first in range(0, 10_001, 500):
        entries = [
            {"Data": b"%d" % n, "PartitionKey": "k"} for n in range(first, min(first + 500, 10_001))
        ]
        client.put_records(StreamName="s", Records=entries)
    first, second = events(subscribe(client, consumer), 2)
    assert len(first["Records"]) == 10_000
    assert data([second]) == [b"10000"]


def test_a_stream_read_after_its_fake_stopped_gives_what_was_there_and_moves_no_clock():
    # What the stopped fake holds stays readable; the next event would have to move its
    # clock, a change every handle is refused once the fake stopped.
    with world_with_stream() as fake:
        client = boto3.client("kinesis", region_name=REGION)
        put(client, b"a")
        stream = iter(subscribe(client, register(fake, client)))
        put(client, b"b")

    assert data([next(stream)["SubscribeToShardEvent"]]) == [b"a", b"b"]
    with pytest.raises(UsageError, match="has stopped"):
        next(stream)
