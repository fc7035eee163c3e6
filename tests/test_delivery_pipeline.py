"""The delivery engine on its own: a Delivery driven with plain datetimes and a recording
destination, no clients and no fake.

After every step the accounting holds: as multisets, the records accepted are exactly those
delivered, backed up, pending and expired.
"""

from __future__ import annotations

import base64
from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest

from pytest_firehose._destinations.base import (
    Accepted,
    Batch,
    DeliveryFailed,
    DeliveryTarget,
    MemoryDestination,
)
from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._destinations.pipeline import RETENTION, Delivery
from pytest_firehose._destinations.routes import route_for
from pytest_firehose._ids import IdSource

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
MIB = 1024 * 1024
SECOND = timedelta(seconds=1)
MICROSECOND = timedelta(microseconds=1)
ARN = "arn:aws:firehose:us-east-1:123456789012:deliverystream/events"
TARGET = DeliveryTarget("events", ARN, 1)
#: A buffering interval longer than the retention: the buffer never goes by itself.
NEVER = {"IntervalInSeconds": 2 * 24 * 3600}


class Recorder:
    """A destination that takes objects while ``taking`` and refuses them otherwise,
    logging every try; with ``give_up_after``, it backs a batch up once that long has
    passed since the batch's first try."""

    def __init__(
        self, retry_cap: timedelta = timedelta(minutes=15), give_up_after: timedelta | None = None
    ) -> None:
        self.retry_cap = retry_cap
        self.give_up_after = give_up_after
        self.taking = True
        self.tries: list[DeliveredObject] = []
        self.taken: list[DeliveredObject] = []
        self.failures: list[DeliveryFailed | None] = []

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        self.tries.append(obj)
        if not self.taking:
            raise DeliveryFailed("refused", "Test.Refused")
        self.taken.append(obj)

    def give_up(
        self, target: DeliveryTarget, batch: Batch, at: datetime, failure: DeliveryFailed | None
    ) -> DeliveredObject | None:
        self.failures.append(failure)
        if self.give_up_after is None or at - batch.first_try < self.give_up_after:
            return None
        payloads = tuple(payload for payload, _, _ in batch.records)
        return DeliveredObject(f"backup/{batch.delivery_id}", payloads, at, batch.delivery_id)


@pytest.fixture
def ids() -> IdSource:
    return IdSource(seed=7)


def entries(*payloads: bytes, at: datetime = T0) -> list[Accepted]:
    return [(payload, f"id-{payload!r}", at) for payload in payloads]


def delivery_to(destination: Any, **buffering: int) -> Delivery:
    config = {"BufferingHints": buffering} if buffering else {}
    return Delivery(route_for(TARGET, config, destination))


def payloads(objects: list[DeliveredObject]) -> list[bytes]:
    return [record for obj in objects for record in obj.records]


def plain(records: list[Accepted]) -> list[bytes]:
    return [payload if isinstance(payload, bytes) else b"<text>" for payload, _, _ in records]


def assert_accounted(delivery: Delivery) -> None:
    places = (
        payloads(delivery.objects)
        + payloads(delivery.backed_up)
        + plain(delivery.pending())
        + plain(delivery.expired)
    )
    assert Counter(places) == Counter(plain(delivery.records))


# ---------------------------------------------------------------------- buffer size


def test_a_buffer_that_reaches_its_size_goes_at_once(ids: IdSource) -> None:
    destination = Recorder()
    delivery = delivery_to(destination, SizeInMBs=1)

    delivery.accept(entries(b"x" * (MIB - 1)), T0, ids)
    assert (destination.tries, delivery.buffer_bytes) == ([], MIB - 1)

    delivery.accept(entries(b"y", at=T0 + 5 * SECOND), T0 + 5 * SECOND, ids)
    (obj,) = destination.taken
    assert obj.records == (b"x" * (MIB - 1), b"y")
    assert obj.delivered_at == T0 + 5 * SECOND
    assert (delivery.objects, delivery.buffer, delivery.buffer_bytes) == ([obj], [], 0)
    assert_accounted(delivery)


def test_a_put_of_several_records_counts_each_of_them_toward_the_size(ids: IdSource) -> None:
    destination = Recorder()
    delivery = delivery_to(destination, SizeInMBs=1)

    delivery.accept(entries(b"x" * (MIB - 1), b"y"), T0, ids)

    (obj,) = destination.taken
    assert (obj.records, obj.delivered_at) == ((b"x" * (MIB - 1), b"y"), T0)
    assert (delivery.buffer, delivery.buffer_bytes) == ([], 0)


def test_the_size_counts_decoded_bytes_of_base64_text(ids: IdSource) -> None:
    destination = Recorder()
    delivery = delivery_to(destination, SizeInMBs=1)
    text = base64.b64encode(b"z" * (MIB - 2)).decode("ascii")  # 4/3 of a MiB as text

    delivery.accept([(text, "id-text", T0)], T0, ids)

    assert (destination.tries, delivery.buffer_bytes) == ([], MIB - 2)


# ---------------------------------------------------------------------- buffer interval


def test_a_buffer_goes_one_interval_after_its_oldest_record_arrived(ids: IdSource) -> None:
    destination = Recorder()
    delivery = delivery_to(destination, IntervalInSeconds=60)
    delivery.accept(entries(b"a"), T0, ids)
    delivery.accept(entries(b"b", at=T0 + 30 * SECOND), T0 + 30 * SECOND, ids)

    delivery.settle(T0 + 60 * SECOND - MICROSECOND, ids)
    assert destination.tries == []

    delivery.settle(T0 + 2 * timedelta(hours=1), ids)
    (obj,) = destination.taken
    assert (obj.records, obj.delivered_at) == ((b"a", b"b"), T0 + 60 * SECOND)
    assert obj.key.startswith("2024/01/01/00/events-1-2024-01-01-00-00-00-")
    assert_accounted(delivery)


def test_the_default_interval_is_300_seconds(ids: IdSource) -> None:
    destination = Recorder()
    delivery = delivery_to(destination)
    delivery.accept(entries(b"a"), T0, ids)

    delivery.settle(T0 + 299 * SECOND, ids)
    assert destination.tries == []
    delivery.settle(T0 + 300 * SECOND, ids)
    assert payloads(destination.taken) == [b"a"]


# ---------------------------------------------------------------------- retries


def test_retries_wait_one_second_then_double_up_to_the_cap(ids: IdSource) -> None:
    destination = Recorder(retry_cap=10 * SECOND)
    destination.taking = False
    delivery = delivery_to(destination, IntervalInSeconds=60)
    delivery.accept(entries(b"a"), T0, ids)

    delivery.settle(T0 + 200 * SECOND, ids)

    times = [obj.delivered_at for obj in destination.tries]
    assert times[0] == T0 + 60 * SECOND
    gaps = [(later - earlier) / SECOND for earlier, later in pairwise(times)]
    assert gaps[:6] == [1, 2, 4, 8, 10, 10]
    assert set(gaps[4:]) == {10}
    assert times[-1] + 10 * SECOND > T0 + 200 * SECOND  # every retry due by then was made
    # One batch throughout: every try names the same object.
    assert {obj.key for obj in destination.tries} == {destination.tries[0].key}
    assert [f.code if f else None for f in destination.failures] == ["Test.Refused"] * len(times)
    assert_accounted(delivery)

    # Back up: the batch goes at its next retry, not at once.
    destination.taking = True
    due = delivery.retries[0].due
    assert due is not None
    delivery.settle(due - MICROSECOND, ids)
    assert destination.taken == []
    delivery.settle(due, ids)
    assert [obj.delivered_at for obj in destination.taken] == [due]
    assert (delivery.pending(), delivery.expired) == ([], [])


def test_a_destination_switched_off_is_not_asked(ids: IdSource) -> None:
    destination = Recorder()
    delivery = delivery_to(destination, IntervalInSeconds=60)
    delivery.destination_up = False
    delivery.accept(entries(b"a"), T0, ids)

    delivery.settle(T0 + 70 * SECOND, ids)

    assert destination.tries == []
    assert destination.failures == [None, None, None, None]  # at 60, 61, 63 and 67 s
    assert plain(delivery.pending()) == [b"a"]


# ---------------------------------------------------------------------- expiry


@pytest.mark.parametrize("where", ["buffer", "retry"])
def test_a_record_expires_one_microsecond_after_24_hours(ids: IdSource, where: str) -> None:
    destination = Recorder()
    delivery = delivery_to(destination, **(NEVER if where == "buffer" else {}))
    delivery.destination_up = where == "buffer"
    delivery.accept(entries(b"old"), T0, ids)
    delivery.accept(entries(b"young", at=T0 + SECOND), T0 + SECOND, ids)

    delivery.settle(T0 + RETENTION, ids)
    assert (plain(delivery.pending()), delivery.expired) == ([b"old", b"young"], [])

    delivery.settle(T0 + RETENTION + MICROSECOND, ids)
    assert plain(delivery.expired) == [b"old"]
    assert plain(delivery.pending()) == [b"young"]
    assert delivery.buffer_bytes == (len(b"young") if where == "buffer" else 0)
    assert destination.taken == []
    assert_accounted(delivery)


def test_a_buffer_expires_record_by_record_and_goes_once_empty(ids: IdSource) -> None:
    delivery = delivery_to(Recorder(), **NEVER)
    delivery.destination_up = False
    delivery.accept(entries(b"waits"), T0, ids)
    delivery.flush(T0, ids)  # its delivery fails: it waits for a retry
    hour = timedelta(hours=1)
    delivery.accept(entries(b"young", at=T0 + hour), T0 + hour, ids)

    delivery.settle(T0 + RETENTION + MICROSECOND, ids)
    assert (plain(delivery.expired), plain(delivery.buffer)) == ([b"waits"], [b"young"])

    delivery.settle(T0 + hour + RETENTION + MICROSECOND, ids)
    assert plain(delivery.expired) == [b"waits", b"young"]
    assert (delivery.buffer, delivery.buffer_bytes) == ([], 0)
    assert_accounted(delivery)


def test_a_waiting_batch_expires_record_by_record(ids: IdSource) -> None:
    # Retries 1 s after the flush, then doubling: none between 19 and 37 hours after it.
    delivery = delivery_to(Recorder(retry_cap=timedelta(days=2)), **NEVER)
    delivery.destination_up = False
    hour = timedelta(hours=1)
    delivery.accept(entries(b"old"), T0, ids)
    delivery.accept(entries(b"young", at=T0 + hour), T0 + hour, ids)
    delivery.flush(T0 + hour, ids)  # one batch of both, waiting for a retry

    delivery.settle(T0 + RETENTION + MICROSECOND, ids)
    assert (plain(delivery.expired), plain(delivery.pending())) == ([b"old"], [b"young"])

    delivery.settle(T0 + hour + RETENTION, ids)
    assert plain(delivery.pending()) == [b"young"]
    delivery.settle(T0 + hour + RETENTION + MICROSECOND, ids)
    assert (plain(delivery.expired), delivery.pending()) == ([b"old", b"young"], [])
    assert delivery.retries == []
    assert_accounted(delivery)


def test_a_batch_that_expired_leaves_the_others_to_their_retries(ids: IdSource) -> None:
    destination = Recorder()
    destination.taking = False
    delivery = delivery_to(destination, IntervalInSeconds=60)
    delivery.accept(entries(b"old"), T0, ids)
    delivery.settle(T0 + 60 * SECOND, ids)  # fails: waits for a retry
    later = T0 + timedelta(hours=1)
    delivery.accept(entries(b"young", at=later), later, ids)
    delivery.settle(later + 60 * SECOND, ids)  # fails too: two batches wait

    delivery.settle(T0 + RETENTION + timedelta(minutes=30), ids)
    assert (plain(delivery.expired), plain(delivery.pending())) == ([b"old"], [b"young"])

    destination.taking = True  # its next retry comes within 15 minutes
    delivery.settle(T0 + RETENTION + timedelta(minutes=45), ids)
    assert (payloads(delivery.objects), delivery.pending()) == ([b"young"], [])
    assert_accounted(delivery)


def tie(ids: IdSource, *, up: bool) -> Delivery:
    """A batch whose retry falls due at the very instant its record expires; the
    destination is switched on (or left off) just before."""
    expiry = T0 + RETENTION + MICROSECOND
    delivery = delivery_to(Recorder(retry_cap=timedelta(days=1)), **NEVER)
    delivery.destination_up = False
    delivery.accept(entries(b"a"), T0, ids)
    # Tries at first, first + 1 s, + 3 s, ... + (2**16 - 1) s: the last is the expiry.
    first = expiry - (2**16 - 1) * SECOND
    delivery.flush(first, ids)
    delivery.settle(expiry - MICROSECOND, ids)
    assert [batch.due for batch in delivery.retries] == [expiry]

    delivery.destination_up = up
    delivery.settle(expiry, ids)
    assert_accounted(delivery)
    return delivery


def test_on_a_tie_the_retry_comes_before_the_expiry(ids: IdSource) -> None:
    delivery = tie(ids, up=True)
    assert (payloads(delivery.objects), delivery.expired) == ([b"a"], [])
    assert delivery.objects[0].delivered_at == T0 + RETENTION + MICROSECOND


def test_on_a_tie_a_failed_retry_leaves_the_record_to_expire(ids: IdSource) -> None:
    delivery = tie(ids, up=False)
    assert (delivery.objects, plain(delivery.expired), delivery.pending()) == ([], [b"a"], [])


# ---------------------------------------------------------------------- giving up


def test_records_a_destination_backs_up_are_no_longer_pending(ids: IdSource) -> None:
    destination = Recorder(give_up_after=30 * SECOND)
    destination.taking = False
    delivery = delivery_to(destination, IntervalInSeconds=60)
    delivery.accept(entries(b"a", b"b"), T0, ids)

    delivery.settle(T0 + 90 * SECOND, ids)  # tries at 60, 61, 63, 67, 75 s: not yet
    assert (plain(delivery.pending()), delivery.backed_up) == ([b"a", b"b"], [])

    delivery.settle(T0 + 91 * SECOND, ids)  # the try at 91 s is 31 s after the first
    (backup,) = delivery.backed_up
    assert (backup.records, backup.delivered_at) == ((b"a", b"b"), T0 + 91 * SECOND)
    assert (delivery.pending(), delivery.retries, delivery.objects) == ([], [], [])

    tries = len(destination.tries)
    delivery.settle(T0 + 2 * RETENTION, ids)
    assert (len(destination.tries), delivery.expired) == (tries, [])
    assert_accounted(delivery)


# ---------------------------------------------------------------------- flush


def test_flush_retries_waiting_batches_and_delivers_the_buffer_now(ids: IdSource) -> None:
    destination = Recorder()
    destination.taking = False
    delivery = delivery_to(destination, IntervalInSeconds=60)
    delivery.accept(entries(b"a"), T0, ids)
    delivery.settle(T0 + 60 * SECOND, ids)  # failed; next try at 61 s
    now = T0 + 60 * SECOND + timedelta(milliseconds=500)
    delivery.accept(entries(b"b", at=now), now, ids)
    destination.taking = True

    delivery.flush(now, ids)

    assert [(obj.records, obj.delivered_at) for obj in destination.taken] == [
        ((b"a",), now),
        ((b"b",), now),
    ]
    assert (delivery.pending(), delivery.buffer_bytes) == ([], 0)
    assert_accounted(delivery)


def test_flush_with_nothing_pending_delivers_nothing(ids: IdSource) -> None:
    destination = Recorder()
    delivery = delivery_to(destination)

    delivery.flush(T0, ids)

    assert (destination.tries, destination.failures, delivery.objects) == ([], [], [])


def test_flush_first_carries_out_what_fell_due_before(ids: IdSource) -> None:
    delivery = delivery_to(MemoryDestination(), IntervalInSeconds=60)
    delivery.accept(entries(b"a"), T0, ids)

    delivery.flush(T0 + timedelta(hours=1), ids)

    assert [obj.delivered_at for obj in delivery.objects] == [T0 + 60 * SECOND]


# ---------------------------------------------------------------------- routing


def test_pending_records_go_where_the_stream_is_routed_now(ids: IdSource) -> None:
    before, after = Recorder(), Recorder()
    delivery = delivery_to(before)
    delivery.accept(entries(b"a"), T0, ids)

    version_2 = DeliveryTarget(TARGET.name, TARGET.arn, 2)
    delivery.route(
        route_for(version_2, {"Prefix": "p/", "BufferingHints": {"IntervalInSeconds": 60}}, after)
    )
    delivery.settle(T0 + 60 * SECOND, ids)

    assert before.tries == []
    (obj,) = after.taken
    assert obj.key.startswith("p/2024/01/01/00/events-2-")
    assert obj.delivered_at == T0 + 60 * SECOND


# ---------------------------------------------------------------------- unexpected errors


class Broken(Recorder):
    """A destination with a fault of its own: ``deliver`` (or ``give_up``) raises an error
    that is not a refused delivery while ``broken`` names it."""

    def __init__(self, broken: str = "deliver", **options: Any) -> None:
        super().__init__(**options)
        self.broken: str | None = broken

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        if self.broken == "deliver":
            raise AttributeError("'NoneType' object has no attribute 'get'")
        super().deliver(target, obj)

    def give_up(
        self, target: DeliveryTarget, batch: Batch, at: datetime, failure: DeliveryFailed | None
    ) -> DeliveredObject | None:
        if self.broken == "give_up":
            raise KeyError("S3Configuration")
        return super().give_up(target, batch, at, failure)


@pytest.mark.parametrize("broken", ["deliver", "give_up"])
@pytest.mark.parametrize("how", ["interval", "size", "flush"])
def test_an_error_in_the_destination_keeps_the_records_pending(
    ids: IdSource, broken: str, how: str
) -> None:
    destination = Broken(broken)
    if broken == "give_up":
        destination.taking = False  # give_up is asked after a refused delivery
    delivery = delivery_to(destination, IntervalInSeconds=60, SizeInMBs=1)
    delivery.accept(entries(b"a", b"b"), T0, ids)

    if how == "interval":
        delivery.settle(T0 + 60 * SECOND, ids)
    elif how == "size":
        delivery.accept(entries(b"x" * MIB), T0, ids)
    else:
        delivery.flush(T0, ids)

    assert plain(delivery.pending())[:2] == [b"a", b"b"]
    assert_accounted(delivery)
    (error,) = delivery.errors
    assert error.stream == "events"
    assert error.delivery_id == delivery.retries[0].delivery_id
    assert type(error.error).__name__ in str(error)


def test_a_batch_an_error_hit_is_retried_and_delivered_once_fixed(ids: IdSource) -> None:
    destination = Broken("deliver")
    delivery = delivery_to(destination, IntervalInSeconds=60)
    delivery.accept(entries(b"a"), T0, ids)
    delivery.settle(T0 + 60 * SECOND, ids)  # raises; next try at 61 s
    destination.broken = None

    delivery.settle(T0 + 61 * SECOND, ids)

    assert [(obj.records, obj.delivered_at) for obj in destination.taken] == [
        ((b"a",), T0 + 61 * SECOND)
    ]
    assert (delivery.pending(), len(delivery.errors)) == ([], 1)
    assert_accounted(delivery)


def test_an_error_in_deliver_is_handed_to_give_up_as_the_failure(ids: IdSource) -> None:
    destination = Broken("deliver", give_up_after=timedelta(0))
    delivery = delivery_to(destination, IntervalInSeconds=60)
    delivery.accept(entries(b"a"), T0, ids)

    delivery.settle(T0 + 60 * SECOND, ids)

    (failure,) = destination.failures
    assert failure is not None
    assert "AttributeError" in str(failure)
    assert (payloads(delivery.backed_up), delivery.pending()) == ([b"a"], [])
    assert_accounted(delivery)
