"""Buffering, retries and the 24-hour retention on the fake clock, through boto3.

Every test runs four ways: on the plain fake clock, and with time frozen before the fake
starts by freezegun, by pytest-freezer's ``freezer`` and by time-machine. While time is
frozen, ``firehose.clock.advance()`` moves the frozen time, so ``datetime.now()`` in the
test and the fake agree on what time it is.

After every step the accounting invariant of DESIGN.md holds: as multisets, the records a
stream accepted are exactly those delivered, pending and expired.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import boto3
import freezegun
import pytest
import time_machine
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import BUCKET, REGION, ROLE, SEED, python_output

from pytest_firehose import FirehoseFake

#: Where the frozen modes start: a minute before midnight at the end of a leap day, so a
#: delivery one interval later falls on another hour, day and month than its records.
START = datetime(2024, 2, 29, 23, 59, 30, tzinfo=timezone.utc)
MIB = 1024 * 1024
MAX_RECORD = 1_024_000
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
NOT_FOUND = "Firehose events under account 123456789012 not found."
#: Failed deliveries are retried after 1 s, doubling up to 15 minutes (DESIGN.md).
FIRST_RETRY = timedelta(seconds=1)
RETRY_CAP = timedelta(minutes=15)
DAY = timedelta(hours=24)

TIME_MODES = ["fake-clock", "freezegun", "freezer", "time-machine"]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(params=TIME_MODES)
def time_mode(request: pytest.FixtureRequest) -> Iterator[str]:
    """Freeze time (or not) before the fake starts."""
    mode = str(request.param)
    with ExitStack() as stack:
        if mode == "freezegun":
            stack.enter_context(freezegun.freeze_time(START))
        elif mode == "freezer":
            request.getfixturevalue("freezer").move_to(START)
        elif mode == "time-machine":
            stack.enter_context(time_machine.travel(START, tick=False))
        yield mode


@pytest.fixture
def start_fake(time_mode: str) -> Iterator[Callable[..., FirehoseFake]]:
    """Start a ``FirehoseFake`` with options, inside whatever time freeze ``time_mode`` set."""
    with ExitStack() as stack:

        def start(**options: Any) -> FirehoseFake:
            return stack.enter_context(FirehoseFake(region=REGION, seed=SEED, **options))

        yield start


@pytest.fixture
def fake(start_fake: Callable[..., FirehoseFake]) -> FirehoseFake:
    return start_fake()


@pytest.fixture
def frozen(time_mode: str) -> bool:
    return time_mode != "fake-clock"


# --------------------------------------------------------------------------- helpers


def create(client: Any, name: str = "events", **hints: int) -> None:
    config: dict[str, Any] = {"RoleARN": ROLE, "BucketARN": BUCKET, "Prefix": "logs/"}
    if hints:
        config["BufferingHints"] = hints
    client.create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=config
    )


def put(client: Any, *payloads: bytes) -> dict[str, Any]:
    if len(payloads) == 1:
        answer: dict[str, Any] = client.put_record(
            DeliveryStreamName="events", Record={"Data": payloads[0]}
        )
        return answer
    answer = client.put_record_batch(
        DeliveryStreamName="events", Records=[{"Data": p} for p in payloads]
    )
    assert answer["FailedPutCount"] == 0
    return answer


def accounted(stream: Any) -> None:
    """records == delivered + pending + expired, as multisets."""
    __tracebackhide__ = True
    records = Counter(record.data for record in stream.records)
    parts = Counter(stream.delivered) + Counter(stream.pending) + Counter(stream.expired)
    if records != parts:
        raise AssertionError(
            f"accounting broken: records - parts = {records - parts}, "
            f"parts - records = {parts - records}"
        )


def agree(fake: FirehoseFake, frozen: bool) -> datetime:
    """The fake's now; under a time freezer, also what the test itself reads."""
    __tracebackhide__ = True
    now = fake.firehose.clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    if frozen:
        assert datetime.now(timezone.utc) == now
        assert time.time() == pytest.approx(now.timestamp(), abs=1e-6)
    return now


def retry_times(first_attempt: datetime, until: datetime) -> list[datetime]:
    """When a delivery first tried at ``first_attempt`` is retried, up to past ``until``."""
    times, at, wait = [], first_attempt, FIRST_RETRY
    while at <= until:
        at += wait
        times.append(at)
        wait = min(wait * 2, RETRY_CAP)
    return times


def key_pattern(oldest: datetime) -> str:
    stamp = f"logs/{oldest:%Y/%m/%d/%H}/events-1-{oldest:%Y-%m-%d-%H-%M-%S}-"
    return re.escape(stamp) + UUID4


# --------------------------------------------------------------------------- the clock


def test_frozen_time_and_the_fake_clock_agree(fake, frozen, time_mode):
    clock = fake.firehose.clock
    t0 = agree(fake, frozen)
    if frozen:
        assert t0 == START

    clock.advance(hours=1, seconds=30)
    clock.advance(timedelta(milliseconds=250))

    assert agree(fake, frozen) - t0 == timedelta(hours=1, seconds=30, milliseconds=250)
    assert clock.elapsed == timedelta(hours=1, seconds=30, milliseconds=250)


# --------------------------------------------------------------------------- buffering


@pytest.mark.parametrize("interval", [60, 300])
def test_nothing_is_delivered_before_the_interval_and_all_of_it_just_after(
    fake, client, frozen, interval
):
    create(client, SizeInMBs=5, IntervalInSeconds=interval)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    t0 = agree(fake, frozen)
    put(client, b"a")
    accounted(stream)

    clock.advance(seconds=interval - 1)
    put(client, b"b", b"c")
    assert (stream.delivered, stream.pending) == ([], [b"a", b"b", b"c"])
    accounted(stream)

    clock.advance(seconds=1)
    assert agree(fake, frozen) == t0 + timedelta(seconds=interval)
    assert stream.delivered == [b"a", b"b", b"c"]
    assert stream.pending == []
    (obj,) = stream.objects
    assert obj.delivered_at == t0 + timedelta(seconds=interval)
    assert obj.body == b"abc"
    accounted(stream)


def test_the_default_interval_is_300_seconds(fake, client, frozen):
    fake.firehose.create_delivery_stream("events")  # no destination: the service's defaults
    stream = fake.firehose["events"]
    put(client, b"a")

    fake.firehose.clock.advance(seconds=299)
    assert stream.delivered == []
    fake.firehose.clock.advance(seconds=1)
    assert stream.delivered == [b"a"]
    accounted(stream)


def test_the_next_interval_starts_with_the_next_record(fake, client, frozen):
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    put(client, b"a")
    clock.advance(seconds=60)
    assert stream.delivered == [b"a"]

    clock.advance(seconds=100)  # an empty buffer delivers nothing
    assert len(stream.objects) == 1
    t1 = agree(fake, frozen)
    put(client, b"b")
    clock.advance(seconds=59)
    assert stream.pending == [b"b"]
    clock.advance(seconds=1)

    assert stream.delivered == [b"a", b"b"]
    assert [obj.delivered_at for obj in stream.objects][1] == t1 + timedelta(seconds=60)
    accounted(stream)


def test_a_put_that_fills_the_buffer_to_the_size_hint_delivers_at_once(fake, client, frozen):
    create(client, SizeInMBs=1, IntervalInSeconds=900)
    stream = fake.firehose["events"]
    t0 = agree(fake, frozen)
    big, short = b"x" * MAX_RECORD, b"y" * (MIB - MAX_RECORD - 1)

    put(client, big)
    put(client, short)  # one byte short of 1 MiB
    assert stream.delivered == []
    assert len(stream.pending) == 2
    accounted(stream)

    put(client, b"z")  # exactly 1 MiB: delivered, with no clock move

    assert stream.delivered == [big, short, b"z"]
    assert stream.pending == []
    assert fake.firehose.clock.elapsed == timedelta(0)
    (obj,) = stream.objects
    assert (obj.delivered_at, len(obj.body)) == (t0, MIB)
    accounted(stream)


def test_a_batch_fills_the_buffer_to_the_byte_whatever_its_records_padding(fake, client, frozen):
    # Base64 text pads a record of 3k+1 bytes with "==" and one of 3k+2 with "=": the size
    # the buffer counts is the decoded one, to the byte.
    create(client, SizeInMBs=1, IntervalInSeconds=900)
    stream = fake.firehose["events"]
    sizes = [100_000, 100_001, 100_002, 249_524, 249_524, 249_524]
    assert sum(sizes) == MIB - 1
    batch = [bytes([65 + i]) * size for i, size in enumerate(sizes)]

    put(client, *batch)
    assert stream.delivered == []
    put(client, b"z")

    assert stream.delivered == [*batch, b"z"]
    assert len(stream.objects[0].body) == MIB


def test_a_batch_that_crosses_the_size_hint_delivers_at_once(fake, client, frozen):
    create(client, SizeInMBs=1, IntervalInSeconds=900)
    stream = fake.firehose["events"]
    put(client, b"a" * 600_000)
    fake.firehose.clock.advance(seconds=10)

    put(client, b"b" * 300_000, b"c" * 300_000)

    assert [len(data) for data in stream.delivered] == [600_000, 300_000, 300_000]
    assert stream.pending == []
    accounted(stream)


def test_flush_delivers_before_the_interval(fake, client, frozen):
    create(client, SizeInMBs=5, IntervalInSeconds=900)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    put(client, b"a")
    clock.advance(seconds=10)

    fake.firehose.flush()

    assert stream.delivered == [b"a"]
    (obj,) = stream.objects
    assert obj.delivered_at == agree(fake, frozen)
    accounted(stream)

    put(client, b"b")
    stream.flush()  # the stream's own flush
    clock.advance(hours=2)
    assert stream.delivered == [b"a", b"b"]
    assert len(stream.objects) == 2
    accounted(stream)


@pytest.mark.parametrize("local_zone", ["UTC", "Asia/Seoul", "America/Los_Angeles"])
def test_the_object_key_carries_the_utc_time_of_the_oldest_record(
    fake, client, frozen, monkeypatch, local_zone
):
    monkeypatch.setenv("TZ", local_zone)
    time.tzset()
    try:
        create(client, SizeInMBs=5, IntervalInSeconds=60)
        stream = fake.firehose["events"]
        clock = fake.firehose.clock
        t0 = agree(fake, frozen)
        put(client, b"a")
        clock.advance(seconds=45)
        put(client, b"b")
        clock.advance(seconds=15)

        (obj,) = stream.objects
    finally:
        monkeypatch.undo()
        time.tzset()

    oldest = stream.records[0].arrived_at
    assert oldest == t0
    assert oldest.utcoffset() == timedelta(0)
    assert obj.delivered_at == t0 + timedelta(seconds=60)
    assert re.fullmatch(key_pattern(t0), obj.key), obj.key
    if frozen:
        assert obj.key.startswith("logs/2024/02/29/23/events-1-2024-02-29-23-59-30-")
    accounted(stream)


# --------------------------------------------------------------------------- outages


def test_an_outage_shorter_than_24_hours_delivers_at_the_next_retry(fake, client, frozen):
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    stream.destination_down()
    t0 = agree(fake, frozen)
    put(client, b"a", b"b")

    clock.advance(hours=5)
    assert (stream.delivered, stream.pending, stream.expired) == ([], [b"a", b"b"], [])
    accounted(stream)

    stream.destination_up()
    up = agree(fake, frozen)
    retry = next(at for at in retry_times(t0 + timedelta(seconds=60), up) if at > up)
    assert retry - up <= RETRY_CAP
    assert stream.pending == [b"a", b"b"]  # nothing goes before that retry

    clock.advance(retry - up - timedelta(microseconds=1))
    assert stream.delivered == []
    clock.advance(microseconds=1)

    assert stream.delivered == [b"a", b"b"]
    assert (stream.pending, stream.expired) == ([], [])
    (obj,) = stream.objects
    assert obj.delivered_at == retry
    assert re.fullmatch(key_pattern(t0), obj.key), obj.key
    accounted(stream)

    clock.advance(hours=30)  # delivered once, and nothing is left to expire
    assert (stream.delivered, stream.expired) == ([b"a", b"b"], [])
    accounted(stream)


def test_an_outage_shorter_than_24_hours_delivers_at_once_on_flush(fake, client, frozen):
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    stream.destination_down()
    put(client, b"a")
    clock.advance(hours=3)
    put(client, b"b")
    clock.advance(hours=20)

    fake.firehose.flush()  # still down: nothing can go
    assert (stream.delivered, stream.pending) == ([], [b"a", b"b"])
    accounted(stream)

    stream.destination_up()
    fake.firehose.flush()

    assert sorted(stream.delivered) == [b"a", b"b"]
    assert (stream.pending, stream.expired) == ([], [])
    assert {obj.delivered_at for obj in stream.objects} == {agree(fake, frozen)}
    accounted(stream)


def test_an_outage_longer_than_24_hours_expires_exactly_the_records_older_than_24_hours(
    fake, client, frozen
):
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    stream.destination_down()
    t0 = agree(fake, frozen)
    put(client, b"old-1", b"old-2")
    clock.advance(seconds=2)
    put(client, b"boundary")  # same buffer, 2 s younger: 23:59:59 old at the end
    clock.advance(timedelta(hours=23) - timedelta(seconds=2))
    put(client, b"young-1", b"young-2")
    accounted(stream)

    clock.advance(timedelta(hours=1) - timedelta(seconds=1))  # t0 + 24 h - 1 s
    assert stream.expired == []
    accounted(stream)

    clock.advance(seconds=2)  # t0 + 24 h + 1 s
    assert agree(fake, frozen) == t0 + DAY + timedelta(seconds=1)
    assert stream.expired == [b"old-1", b"old-2"]
    assert sorted(stream.pending) == [b"boundary", b"young-1", b"young-2"]
    accounted(stream)

    stream.destination_up()
    fake.firehose.flush()

    assert stream.expired == [b"old-1", b"old-2"]
    assert sorted(stream.delivered) == [b"boundary", b"young-1", b"young-2"]
    assert stream.pending == []
    # The survivor of the first batch is delivered under the time of the oldest record the
    # object holds, its own, and not that of the records that expired.
    survivor, young = sorted(stream.objects, key=lambda obj: obj.records)
    assert survivor.records == (b"boundary",)
    assert re.fullmatch(key_pattern(t0 + timedelta(seconds=2)), survivor.key), survivor.key
    assert re.fullmatch(key_pattern(t0 + timedelta(hours=23)), young.key), young.key
    accounted(stream)


def test_an_outage_longer_than_24_hours_then_the_next_retry_delivers_the_young_records(
    fake, client, frozen
):
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    stream.destination_down()
    put(client, b"old")
    clock.advance(hours=23)
    put(client, b"young")
    clock.advance(hours=1, seconds=1)

    stream.destination_up()
    clock.advance(RETRY_CAP)

    assert (stream.expired, stream.delivered, stream.pending) == ([b"old"], [b"young"], [])
    accounted(stream)


def test_a_record_is_kept_24_hours_and_then_lost(fake, client, frozen):
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    stream.destination_down()
    put(client, b"a")
    clock.advance(DAY - timedelta(microseconds=1))
    assert (stream.pending, stream.expired) == ([b"a"], [])

    clock.advance(microseconds=2)

    assert (stream.pending, stream.expired) == ([], [b"a"])
    accounted(stream)


def test_records_a_microsecond_apart_are_lost_a_microsecond_apart(fake, client, frozen):
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    stream.destination_down()
    put(client, b"a")
    clock.advance(microseconds=1)
    put(client, b"b")  # the same batch, one clock tick younger
    clock.advance(DAY)  # 24 hours and a microsecond after a arrived

    assert (stream.pending, stream.expired) == ([b"b"], [b"a"])
    clock.advance(microseconds=1)
    assert (stream.pending, stream.expired) == ([], [b"a", b"b"])
    accounted(stream)


def test_a_flush_exactly_24_hours_after_a_record_arrived_still_delivers_it(fake, client, frozen):
    """Ties go to delivery: a record delivered exactly 24 hours after it arrived was
    delivered in time, whether the delivery is a retry or a flush."""
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    stream.destination_down()
    t0 = agree(fake, frozen)
    put(client, b"a")
    retries = retry_times(t0 + timedelta(seconds=60), t0 + DAY)
    before, after = [at for at in retries if at < t0 + DAY][-1], retries[-1]
    assert before < t0 + DAY < after  # no retry falls due at the 24-hour mark itself
    clock.advance(before - t0 + timedelta(seconds=1))
    stream.destination_up()  # after the last retry before the mark: it waits for `after`
    clock.advance(t0 + DAY - agree(fake, frozen))

    fake.firehose.flush()

    assert (stream.delivered, stream.expired) == ([b"a"], [])
    assert stream.objects[0].delivered_at == t0 + DAY
    accounted(stream)


@pytest.mark.parametrize("interval", [None, 60, 900])
def test_a_jump_past_the_interval_and_past_24_hours_with_the_destination_up_delivers(
    fake, client, frozen, interval
):
    if interval is None:
        fake.firehose.create_delivery_stream("events")
        interval = 300
    else:
        create(client, SizeInMBs=5, IntervalInSeconds=interval)
    stream = fake.firehose["events"]
    t0 = agree(fake, frozen)
    put(client, b"a", b"b")

    fake.firehose.clock.advance(hours=30)

    assert (stream.delivered, stream.expired, stream.pending) == ([b"a", b"b"], [], [])
    (obj,) = stream.objects
    assert obj.delivered_at == t0 + timedelta(seconds=interval)
    accounted(stream)


def test_a_jump_past_24_hours_across_a_short_outage_delivers_at_the_first_retry_after_it(
    fake, client, frozen
):
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    stream.destination_down()
    t0 = agree(fake, frozen)
    put(client, b"a")
    clock.advance(hours=2)
    stream.destination_up()
    up = agree(fake, frozen)

    clock.advance(hours=30)

    assert (stream.delivered, stream.expired) == ([b"a"], [])
    retry = next(at for at in retry_times(t0 + timedelta(seconds=60), up) if at > up)
    assert stream.objects[0].delivered_at == retry
    accounted(stream)


# --------------------------------------------------------------------------- backoff


def test_botocore_backoff_advances_the_fake_clock(fake, frozen, seeded_random, real_waits):
    seeded_random()
    fake.firehose.create_delivery_stream("events")
    client = boto3.client(
        "firehose", region_name=REGION, config=Config(retries={"mode": "standard"})
    )
    clock = fake.firehose.clock
    t0 = agree(fake, frozen)
    fake.firehose.fail(throttle=2)
    with real_waits:
        answer = put(client, b"a")

    assert real_waits.asked == []  # no real sleeping
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(clock.sleeps) == 2
    assert 0 < clock.sleeps[0] <= 1
    assert 0 < clock.sleeps[1] <= 2
    assert clock.elapsed.total_seconds() == pytest.approx(sum(clock.sleeps), abs=1e-5)
    assert agree(fake, frozen) - t0 == clock.elapsed
    calls = fake.firehose.calls
    assert [c.outcome for c in calls] == ["error", "error", "ok"]
    gaps = [(b.at - a.at).total_seconds() for a, b in pairwise(calls)]
    assert gaps == pytest.approx(clock.sleeps, abs=1e-5)
    assert fake.firehose["events"].records[0].arrived_at == calls[-1].at


def test_botocore_backoff_can_carry_the_clock_past_a_buffer_interval(
    fake, client, frozen, seeded_random
):
    seeded_random()
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    stream = fake.firehose["events"]
    clock = fake.firehose.clock
    retrying = boto3.client(
        "firehose", region_name=REGION, config=Config(retries={"mode": "standard"})
    )
    t0 = agree(fake, frozen)
    put(client, b"a")
    clock.advance(seconds=59.95)
    fake.firehose.fail(throttle=2)

    put(retrying, b"b")

    assert clock.slept > 0.05  # the seed gives a backoff longer than the time left
    assert stream.delivered == [b"a"]  # delivered while botocore was backing off
    (obj,) = stream.objects
    assert obj.delivered_at == t0 + timedelta(seconds=60)
    assert stream.pending == [b"b"]
    arrived = (stream.records[1].arrived_at - t0).total_seconds()
    assert arrived == pytest.approx(59.95 + clock.slept, abs=1e-5)
    accounted(stream)


# --------------------------------------------------------------------------- lifecycle


def test_a_stream_is_creating_for_the_creation_delay_and_refuses_puts(start_fake, frozen):
    fake = start_fake(creation_delay=30)
    client = boto3.client("firehose", region_name=REGION)
    clock = fake.firehose.clock
    create(client, SizeInMBs=5, IntervalInSeconds=60)
    created = agree(fake, frozen)

    def status() -> str:
        description = client.describe_delivery_stream(DeliveryStreamName="events")
        return str(description["DeliveryStreamDescription"]["DeliveryStreamStatus"])

    assert status() == "CREATING"
    for attempt in (
        lambda: client.put_record(DeliveryStreamName="events", Record={"Data": b"a"}),
        lambda: client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"a"}]),
    ):
        with pytest.raises(ClientError) as refused:
            attempt()
        error = refused.value.response
        assert error["Error"] == {"Code": "ResourceNotFoundException", "Message": NOT_FOUND}
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert error["ResponseMetadata"]["RetryAttempts"] == 0
    assert clock.sleeps == []
    stream = fake.firehose["events"]
    assert stream.records == []

    clock.advance(seconds=29)
    assert status() == "CREATING"
    clock.advance(seconds=1)
    assert status() == "ACTIVE"
    assert agree(fake, frozen) == created + timedelta(seconds=30)

    answer = put(client, b"a")
    assert answer["RecordId"]
    assert stream.records == [b"a"]
    clock.advance(seconds=60)
    assert stream.delivered == [b"a"]
    accounted(stream)


def test_encryption_is_enabling_for_the_encryption_delay(start_fake, frozen):
    fake = start_fake(encryption_delay=10)
    client = boto3.client("firehose", region_name=REGION)
    clock = fake.firehose.clock
    create(client, SizeInMBs=5, IntervalInSeconds=60)

    def encryption() -> str:
        description = client.describe_delivery_stream(DeliveryStreamName="events")
        return str(
            description["DeliveryStreamDescription"]["DeliveryStreamEncryptionConfiguration"][
                "Status"
            ]
        )

    def encrypted_answers() -> tuple[bool, bool]:
        single = client.put_record(DeliveryStreamName="events", Record={"Data": b"r"})
        batch = client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"b"}])
        return single["Encrypted"], batch["Encrypted"]

    assert encryption() == "DISABLED"
    assert encrypted_answers() == (False, False)

    client.start_delivery_stream_encryption(
        DeliveryStreamName="events",
        DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"},
    )
    assert encryption() == "ENABLING"
    assert encrypted_answers() == (False, False)
    clock.advance(seconds=9)
    assert encryption() == "ENABLING"
    assert encrypted_answers() == (False, False)
    clock.advance(seconds=1)
    assert encryption() == "ENABLED"
    assert encrypted_answers() == (True, True)

    client.stop_delivery_stream_encryption(DeliveryStreamName="events")
    assert encryption() == "DISABLING"
    clock.advance(seconds=10)
    assert encryption() == "DISABLED"
    assert encrypted_answers() == (False, False)
    accounted(fake.firehose["events"])


def test_a_reset_starts_the_clock_again_from_the_real_time():
    """What the local server's ``POST /_fake/reset`` does: the clock is as a new one, at
    the real time, with nothing moved or slept, and a delay counts from there."""
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as fake:
        clock = fake.firehose.clock
        kinesis = boto3.client("kinesis", region_name=REGION)

        def a_consumer_is_creating_for_the_creation_delay(stream: str) -> None:
            kinesis.create_stream(StreamName=stream, ShardCount=1)
            clock.advance(seconds=30)
            summary = kinesis.describe_stream_summary(StreamName=stream)
            arn = summary["StreamDescriptionSummary"]["StreamARN"]
            kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c")
            statuses = []
            for seconds in (0, 29, 1):
                clock.advance(seconds=seconds)
                answer = kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName="c")
                statuses.append(answer["ConsumerDescription"]["ConsumerStatus"])
            assert statuses == ["CREATING", "CREATING", "ACTIVE"]

        a_consumer_is_creating_for_the_creation_delay("before")
        clock.advance(days=2)
        clock.sleep(3)
        a_consumer_is_creating_for_the_creation_delay("later")  # the clock showed 2 days on
        fake.world.reset()
        assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(minutes=1)
        assert clock.elapsed == timedelta(0)
        assert clock.sleeps == []
        assert clock.slept == 0
        a_consumer_is_creating_for_the_creation_delay("after")


# --------------------------------------------------------------------------- leaving a freeze


@pytest.mark.parametrize("mover", ["fake clock", "freezer"])
@pytest.mark.parametrize("freezer_kind", ["freezegun", "time-machine"])
def test_leaving_a_freeze_keeps_the_clock_where_the_freeze_left_it(freezer_kind, mover):
    """A freeze may end while the fake runs (a ``with freeze_time():`` block in a test),
    after the test moved time with ``firehose.clock.advance()`` or with the freezer's own
    ``tick()`` / ``shift()``. The fake clock only moves forward: it goes on from where the
    freeze left the time, not from some earlier reading."""
    with FirehoseFake(region=REGION, seed=SEED) as fake:
        client = boto3.client("firehose", region_name=REGION)
        create(client, SizeInMBs=5, IntervalInSeconds=60)
        stream = fake.firehose["events"]
        clock = fake.firehose.clock
        entered = clock.now()
        freeze = (
            freezegun.freeze_time(entered)
            if freezer_kind == "freezegun"
            else time_machine.travel(entered, tick=False)
        )
        with freeze as frozen:
            put(client, b"a")
            if mover == "fake clock":
                clock.advance(hours=2)
                assert stream.delivered == [b"a"]
                put(client, b"b")
            elif freezer_kind == "freezegun":
                frozen.tick(timedelta(hours=2))
            else:
                frozen.shift(timedelta(hours=2))
            left = datetime.now(timezone.utc)
            assert left == entered + timedelta(hours=2)

        clock.advance(seconds=60)  # the first move after the freeze counts too
        assert clock.now() == left + timedelta(seconds=60)
        assert stream.delivered[0] == b"a"
        accounted(stream)


FREEZER_IMPORTED_LATE = """
import sys
from datetime import datetime, timezone

from pytest_firehose import FakeClock

clock = FakeClock()
assert "freezegun.api" not in sys.modules and "time_machine" not in sys.modules
clock.advance(seconds=5)
before = clock.now()
{imports}
with {freeze}(datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc){tick}):
    frozen = clock.now()
    clock.advance(seconds=1)
    print(frozen.isoformat(), clock.now().isoformat())
print(clock.now() > before)
"""


@pytest.mark.parametrize(
    ("imports", "freeze", "tick"),
    [
        ("import freezegun", "freezegun.freeze_time", ""),
        ("import time_machine", "time_machine.travel", ", tick=False"),
    ],
    ids=["freezegun", "time-machine"],
)
def test_a_freezer_imported_after_the_clock_ran_is_followed(imports, freeze, tick):
    """Until a test imports a freezer the clock does not look for one; once it is imported
    and freezes time, the clock reads and moves the frozen time as it does otherwise."""
    script = FREEZER_IMPORTED_LATE.format(imports=imports, freeze=freeze, tick=tick)
    assert python_output(script) == [
        "2031-05-06T07:08:09+00:00 2031-05-06T07:08:10+00:00",
        "True",
    ]
