"""SubscribeToShard: a consumer's subscription to one shard, and the events it is pushed, on
the fake clock. A mixin of ``KinesisService``; the engine pulls the events one at a time
(``SubscriptionFeed``) and the wire writes them as an event stream.

Facts used here (DOC, the API reference, unless marked):

* A subscription lasts 5 minutes. Another SubscribeToShard for the same consumer and shard
  within 5 seconds of a successful one is refused with ``ResourceInUseException``; 5
  seconds or more later it takes over, and the older connection fails with
  ``ResourceInUseException``. Its text is ``Another active subscription exists for this
  consumer: ACCOUNT:STREAM:SHARD:CONSUMER`` (REAL: an older connection's error event, as
  the Kinesis Client Library logged it in amazon-kinesis-client#391, 2018; users of the
  Go SDK quote its first words for the refused call).
* Each ``SubscribeToShardEvent`` carries ``Records``, ``ContinuationSequenceNumber`` and
  ``MillisBehindLatest``; at the end of a closed shard the last event carries
  ``ChildShards`` and no ``ContinuationSequenceNumber`` (the Kinesis Client Library and
  Flink's connector read a null one as the shard's end).
* A consumer that is not ACTIVE: ``Consumer NAME with creation timestamp SECONDS under
  stream: STREAM , account ACCOUNT is not in ACTIVE status.`` (REAL, as reported).

Choices (INFERRED; docs/kinesis.md's fan-out section lists them):

* Time: the first event is pushed at the subscription's moment and each next one a second
  of fake time after the one before (AWS pushes about once a second): reading an event
  that is not due yet moves the fake clock to it; a test that moved the clock further gets
  it at once. The stream ends when the next event would fall at or past 5 minutes, and
  reading past the last event moves the clock to that end. An event due before the end is
  sent even when the clock jumped past the end before it was read or pushed (the first
  event at the least, as AWS sends it on subscribing), so a client always gets a
  continuation number; the events a jump skipped are one event, as within the 5 minutes,
  holding the records that arrived before the end (none that came after it).
* Over the server, whose client cannot move the fake clock, an event is pushed as soon as
  it is ready at the clock's time (``ready``): the next event's second came, records
  arrived, the shard closed, or the subscription ended; the next regular one falls a
  second after it.
* An event carries up to 10,000 records and 2 MiB of data (the shard's fan-out rate per
  second), at least one record when any is waiting.
* ``ContinuationSequenceNumber`` is the subscription's position as of the next event: the
  sequence index of the last record pushed (or of the position before its first record)
  with the next event's moment as its arrival time. It sorts after every record pushed
  and before the next one, so ``AFTER_SEQUENCE_NUMBER`` of it reads on from the next
  record and ``AT_SEQUENCE_NUMBER`` reads the last one again (as the Kinesis Client
  Library found, amazon-kinesis-client#371); it rises with every event, with records or
  not (DOC: it "captures your shard progress even when no data is written to the
  shard"); it is no record's number (REAL: LocalStack's AWS-validated snapshot of 2025
  shows an event of five records whose continuation is none of their numbers, though
  amazon-kinesis-client#371 says it "happens to be" the last record's at times). How AWS
  encodes it is not on record.
* Starting positions are checked as GetShardIterator checks them, with its messages (a
  ``SequenceNumber`` with ``TRIM_HORIZON`` or ``LATEST`` is refused, not ignored).
* A subscription whose consumer is deregistered, or whose stream is deleted, ends.
* A reader inside the service (a Lambda event source mapping reading through a consumer)
  holds subscriptions under the same rules, without events or quota: it keeps out, and is
  taken over by, the consumer's other subscriptions (``hold_subscription``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.codes import call_error
from pytest_firehose._services.kinesis.consumers import Consumer
from pytest_firehose._services.kinesis.records import (
    KinesisRecord,
    arrived_at_of,
    sequence_index_of,
    sequence_number,
    shown,
    within_bytes,
)
from pytest_firehose._services.kinesis.shards import Shard, resolve_shard_id
from pytest_firehose._services.kinesis.streams import KinesisStream

#: How long a subscription lasts, and how long it keeps another one out (DOC).
SUBSCRIPTION_LIFETIME = timedelta(minutes=5)
TAKEOVER_AFTER = timedelta(seconds=5)
#: Fake time between two events of a subscription (AWS pushes about once a second).
EVENT_INTERVAL = timedelta(seconds=1)
MAX_EVENT_RECORDS = 10_000
MAX_EVENT_BYTES = 2 * 1024 * 1024
_MS = timedelta(milliseconds=1)


class Event(NamedTuple):
    """One message of the stream: an event's type and members, or (``error``) a modelled
    exception's code and ``{"message": text}``."""

    kind: str
    body: dict[str, Any]
    error: bool = False


@dataclass(eq=False)
class Subscription:
    """One consumer's subscription to one shard."""

    consumer: Consumer
    stream: KinesisStream
    shard: Shard
    #: Sequence index of the next record to push.
    position: int
    started_at: datetime
    #: When the next event falls due.
    next_at: datetime
    taken_over: bool = False
    finished: bool = False

    @property
    def ends_at(self) -> datetime:
        return self.started_at + SUBSCRIPTION_LIFETIME


class SubscriptionFeed:
    """The events of one subscription, pulled one at a time by the engine, which holds the
    world's lock and moves the clock by ``wait()`` before each ``next_event()``."""

    def __init__(self, service: Subscriptions, subscription: Subscription) -> None:
        self._service = service
        self.subscription = subscription

    def wait(self) -> timedelta:
        """Fake time to pass before the next event (or the end) is due; none if it is."""
        subscription = self.subscription
        if subscription.finished or subscription.taken_over:
            return timedelta(0)
        due = min(subscription.next_at, subscription.ends_at)
        return max(due - self._service.clock.now(), timedelta(0))

    def ready(self) -> bool:
        """Whether the next event (or the end) can be pushed now without moving the clock."""
        return self._service.ready(self.subscription)

    def next_event(self) -> Event | None:
        """The next event, or ``None`` once the subscription is over."""
        return self._service.next_event(self.subscription)

    def end(self) -> None:
        """End the subscription now (a scripted fault broke its stream): another may
        start at once."""
        self.subscription.finished = True


class Subscriptions:
    """SubscribeToShard for ``KinesisService``."""

    account_id: str
    clock: FakeClock
    streams: dict[str, KinesisStream]
    consumer_by_arn: Callable[[str], Consumer]
    _no_shard: Callable[[str, str], ServiceError]
    _starting_index: Callable[[str, str | None, datetime | None, KinesisStream, Shard], int]
    dry_run: Callable[[str], ServiceError]
    check_subscribe_rate: Callable[[str, str], None]
    _open_subscriptions: dict[tuple[str, str], Subscription]

    def _subscriptions(self) -> dict[tuple[str, str], Subscription]:
        try:
            return self._open_subscriptions
        except AttributeError:
            self._open_subscriptions = {}
            return self._open_subscriptions

    def subscribe_to_shard(self, params: dict[str, Any]) -> dict[str, Any]:
        consumer = self.consumer_by_arn(params["ConsumerARN"])
        now = self.clock.now()
        self._check_active(consumer, now)
        stream = self.streams[consumer.stream_name]
        shard = self._subscribed_shard(params["ShardId"], stream, now)
        key = (consumer.arn, shard.shard_id)
        held = self._subscriptions().get(key)
        if self._keeps_out(held, now):
            assert held is not None
            raise ServiceError("ResourceInUseException", self._another_subscription(held))
        starting = params["StartingPosition"]
        position = self._starting_index(
            starting["Type"],
            starting.get("SequenceNumber"),
            starting.get("Timestamp"),
            stream,
            shard,
        )
        if params.get("DryRun"):
            raise self.dry_run(stream.name)
        self.check_subscribe_rate(consumer.arn, shard.shard_id)
        subscription = Subscription(
            consumer,
            stream,
            shard,
            position,
            started_at=now,
            next_at=now,
        )
        self._install(key, held, subscription)
        return {"EventStream": SubscriptionFeed(self, subscription)}

    @staticmethod
    def _keeps_out(held: Subscription | None, now: datetime) -> bool:
        """Whether ``held`` refuses another subscription now: it started under 5 seconds
        ago and has not ended. One that started after the present (a time freezer moved
        the clock back) started no such while ago, and is taken over."""
        return (
            held is not None
            and not held.finished
            and timedelta(0) <= now - held.started_at < TAKEOVER_AFTER
        )

    def _install(
        self, key: tuple[str, str], held: Subscription | None, subscription: Subscription
    ) -> None:
        """Make ``subscription`` the consumer's on its shard; the one it replaces is taken
        over (its connection fails with ``ResourceInUseException``)."""
        if held is not None and held is not subscription:
            held.taken_over = True
        self._subscriptions()[key] = subscription

    def hold_subscription(
        self, consumer: Consumer, stream: KinesisStream, shard: Shard, mine: Subscription | None
    ) -> Subscription | datetime:
        """Subscribe ``consumer`` to ``shard`` as a reader inside the service does (a Lambda
        event source mapping): keep ``mine`` while it lasts, take the shard over as
        SubscribeToShard would (no quota, no events: the reader reads the shard itself).
        Returns the subscription held, or when another one stops keeping it out."""
        now = self.clock.now()
        key = (consumer.arn, shard.shard_id)
        held = self._subscriptions().get(key)
        if held is mine and mine is not None and not mine.taken_over and now < mine.ends_at:
            return mine
        if held is not mine and self._keeps_out(held, now):
            assert held is not None
            return held.started_at + TAKEOVER_AFTER
        subscription = Subscription(
            consumer, stream, shard, shard.next_index, started_at=now, next_at=now
        )
        self._install(key, held, subscription)
        return subscription

    def _another_subscription(self, subscription: Subscription) -> str:
        """The text of the refusal, and of the takeover's error event, that name the
        subscription's account, stream, shard and consumer (REAL)."""
        consumer = subscription.consumer
        spec = call_error("kinesis", "SubscribeToShard", "ResourceInUseException")
        return str(
            spec.render(
                account=self.account_id,
                stream=consumer.stream_name,
                shard=subscription.shard.shard_id,
                consumer=consumer.name,
            )
        )

    def _check_active(self, consumer: Consumer, now: datetime) -> None:
        if consumer.status(now) != "ACTIVE":
            raise ServiceError(
                "ResourceInUseException",
                f"Consumer {consumer.name} with creation timestamp "
                f"{int(consumer.created_at.timestamp())} under stream: {consumer.stream_name} "
                f", account {self.account_id} is not in ACTIVE status.",
            )

    def _subscribed_shard(self, shard_id: str, stream: KinesisStream, now: datetime) -> Shard:
        resolved = resolve_shard_id(shard_id)
        shard = stream.shard_at(resolved[1], now) if resolved is not None else None
        if shard is None:
            raise self._no_shard(resolved[0] if resolved else shard_id, stream.name)
        return shard

    # ------------------------------------------------------------------ events

    def ready(self, subscription: Subscription) -> bool:
        """Whether something is there to push at the clock's time: the next event's time
        or the end came, records arrived, the shard closed, or the subscription was taken
        over or lost its consumer or stream."""
        if subscription.finished or subscription.taken_over:
            return True
        now = self.clock.now()
        if now >= min(subscription.next_at, subscription.ends_at):
            return True
        shard = subscription.shard
        held = shard.rows
        arrived = bool(held) and sequence_index_of(held[-1]) >= subscription.position
        return arrived or not shard.is_open or self._gone(subscription, now)

    def next_event(self, subscription: Subscription) -> Event | None:
        """The event due now, or ``None`` once the subscription is over."""
        if subscription.finished:
            return None
        now = self.clock.now()
        if subscription.taken_over:
            subscription.finished = True
            message = self._another_subscription(subscription)
            return Event("ResourceInUseException", {"message": message}, True)
        # An event due before the end is pushed however far past it the clock moved first
        # (the first one at the least): the client always gets a continuation number.
        due_before_end = subscription.next_at < subscription.ends_at
        if (now >= subscription.ends_at and not due_before_end) or self._gone(subscription, now):
            subscription.finished = True
            return None
        return self._records_event(subscription, now)

    def _gone(self, subscription: Subscription, now: datetime) -> bool:
        """Whether the subscription's consumer or stream went away."""
        return self.consumer_gone(subscription.consumer, subscription.stream, now)

    def consumer_gone(self, consumer: Consumer, stream: KinesisStream, now: datetime) -> bool:
        """Whether ``consumer`` of ``stream`` was deregistered, or its stream deleted."""
        return (
            self.streams.get(stream.name) is not stream
            or consumer.status(now) == "DELETING"
            or (consumer.gone_at is not None and consumer.gone_at <= now)
        )

    def _records_event(self, subscription: Subscription, now: datetime) -> Event:
        shard = subscription.shard
        subscription.stream.trim(now)
        held = shard.rows
        if now >= subscription.ends_at:
            # The event due before the end, read after it: records that arrived once the
            # subscription was over were never pushed to it.
            held = held[: bisect_left(held, subscription.ends_at, key=arrived_at_of)]
        start = bisect_left(held, subscription.position, key=sequence_index_of)
        chosen = within_bytes(held[start : start + MAX_EVENT_RECORDS], MAX_EVENT_BYTES)
        behind = 0
        if chosen:
            last = KinesisRecord.of(chosen[-1])
            subscription.position = last.sequence_index + 1
            behind = max(0, (arrived_at_of(held[-1]) - last.arrived_at) // _MS)
        # A second after this event, also when it came early (the server pushes records
        # as they arrive); a reader that moves the clock never reads one early.
        subscription.next_at = now + EVENT_INTERVAL
        body: dict[str, Any] = {
            "Records": shown(chosen),
            "MillisBehindLatest": behind,
        }
        if not shard.is_open and start + len(chosen) == len(held):
            # The shard's end: its children to go on with, and no continuation.
            subscription.finished = True
            body["ChildShards"] = [
                {
                    "ShardId": child.shard_id,
                    "ParentShards": child.parent_shard_ids,
                    "HashKeyRange": child.hash_key_range(),
                }
                for child in subscription.stream.children_of(shard)
            ]
        else:
            body["ContinuationSequenceNumber"] = sequence_number(
                shard.created_at,
                shard.index,
                max(subscription.position - 1, 0),
                subscription.next_at,
            )
        return Event("SubscribeToShardEvent", body)
