"""Buffering and delivery on the fake clock: buffers flush on size or interval, failed
deliveries are retried with backoff, and records still undelivered 24 hours after they
arrived expire.

Nothing runs in the background: ``settle`` replays, in the order they fall due, every
event between the last time the world was touched and now, as if time had passed
continuously. At every moment each accepted record is in exactly one place: the buffer, a
batch waiting for a retry, a delivered object, or ``expired``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from ._destinations import DEFAULT_BUFFERING, DeliveredObject, object_key
from ._payload import payload_bytes, payload_len

if TYPE_CHECKING:
    from ._firehose import Accepted, DeliveryStream
    from ._ids import IdSource

#: DirectPut data that cannot be delivered is kept this long, then lost.
RETENTION = timedelta(hours=24)
#: Retries of a failed delivery: first after this long, doubling up to ``RETRY_CAP``.
FIRST_RETRY = timedelta(seconds=1)
RETRY_CAP = timedelta(minutes=15)
MIB = 1024 * 1024


class DeliveryFailed(Exception):
    """The destination did not take a delivery; it will be retried."""


class Destination(Protocol):
    """Where delivered objects go.

    ``deliver`` raises :class:`DeliveryFailed` when the destination does not take an
    object; the engine retries it after a backoff (doubling up to ``retry_cap``).
    ``give_up`` is asked after each failure: returning True means the destination has
    disposed of the records otherwise (an HTTP endpoint's S3 backup, say) and they are no
    longer pending.
    """

    retry_cap: timedelta

    def deliver(self, stream: DeliveryStream, obj: DeliveredObject) -> None: ...

    def give_up(
        self, stream: DeliveryStream, records: list[Accepted], first_try: datetime, at: datetime
    ) -> bool: ...


class MemoryDestination:
    """Keeps objects in memory only (``stream.objects``); never fails, never gives up."""

    retry_cap = RETRY_CAP

    def deliver(self, stream: DeliveryStream, obj: DeliveredObject) -> None:
        return None

    def give_up(
        self, stream: DeliveryStream, records: list[Accepted], first_try: datetime, at: datetime
    ) -> bool:
        return False


@dataclass
class RetryBatch:
    """Records whose delivery failed, waiting for the next attempt at ``due``."""

    records: list[Accepted]
    due: datetime
    wait: timedelta
    first_try: datetime


def hints(stream: DeliveryStream) -> tuple[int, timedelta]:
    """(size in bytes, interval) after which the stream's buffer is delivered."""
    given = {**DEFAULT_BUFFERING, **stream.destination.get("BufferingHints", {})}
    return given["SizeInMBs"] * MIB, timedelta(seconds=given["IntervalInSeconds"])


def _build(
    stream: DeliveryStream, records: list[Accepted], at: datetime, ids: IdSource
) -> DeliveredObject:
    config = stream.destination
    key = object_key(
        config.get("Prefix", ""),
        stream.name,
        str(stream.version),
        records[0][2],
        ids.uuid(),
        config.get("FileExtension", ""),
    )
    payloads = tuple(payload_bytes(payload) for payload, _, _ in records)
    return DeliveredObject.build(key, payloads, config.get("CompressionFormat", "UNCOMPRESSED"), at)


def attempt(
    stream: DeliveryStream,
    records: list[Accepted],
    at: datetime,
    ids: IdSource,
    wait: timedelta,
    first_try: datetime | None = None,
) -> None:
    """Try to deliver ``records`` at ``at``; on failure they wait ``wait`` for a retry."""
    if not records:
        return
    first_try = first_try or at
    sink = stream.sink
    if stream.destination_up:
        obj = _build(stream, records, at, ids)
        try:
            sink.deliver(stream, obj)
        except DeliveryFailed:
            pass
        else:
            stream.objects.append(obj)
            return
    if sink.give_up(stream, records, first_try, at):
        return
    next_wait = min(wait * 2, sink.retry_cap)
    stream.retries.append(RetryBatch(list(records), at + wait, next_wait, first_try))


def deliver_buffer(stream: DeliveryStream, at: datetime, ids: IdSource) -> None:
    records, stream.buffer = stream.buffer, []
    stream.buffer_bytes = 0
    attempt(stream, records, at, ids, FIRST_RETRY)


def _expire(stream: DeliveryStream, at: datetime) -> None:
    cutoff = at - RETENTION
    stream.expired.extend(r for r in stream.buffer if r[2] <= cutoff)
    stream.buffer = [r for r in stream.buffer if r[2] > cutoff]
    stream.buffer_bytes = sum(payload_len(r[0]) for r in stream.buffer)
    for batch in stream.retries:
        stream.expired.extend(r for r in batch.records if r[2] <= cutoff)
        batch.records = [r for r in batch.records if r[2] > cutoff]
    stream.retries = [batch for batch in stream.retries if batch.records]


def _oldest_pending(stream: DeliveryStream) -> datetime | None:
    arrivals = [stream.buffer[0][2]] if stream.buffer else []
    arrivals.extend(min(r[2] for r in batch.records) for batch in stream.retries)
    return min(arrivals, default=None)


def settle(stream: DeliveryStream, now: datetime, ids: IdSource) -> None:
    """Carry out, in time order, every buffer interval, retry and expiry due by ``now``.

    On a tie a delivery comes before an expiry: a record delivered exactly 24 hours after
    it arrived was still delivered in time.
    """
    _, interval = hints(stream)
    while True:
        due: list[tuple[datetime, int, RetryBatch | None]] = []
        if stream.buffer:
            due.append((stream.buffer[0][2] + interval, 0, None))
        if stream.retries:
            first = min(stream.retries, key=lambda b: b.due)
            due.append((first.due, 0, first))
        oldest = _oldest_pending(stream)
        if oldest is not None:
            due.append((oldest + RETENTION, 1, None))
        ready = [event for event in due if event[0] <= now]
        if not ready:
            return
        at, kind, batch = min(ready, key=lambda event: (event[0], event[1]))
        if kind == 1:
            _expire(stream, at)
        elif batch is None:
            deliver_buffer(stream, at, ids)
        else:
            stream.retries.remove(batch)
            attempt(stream, batch.records, at, ids, batch.wait, batch.first_try)


def flush(stream: DeliveryStream, now: datetime, ids: IdSource) -> None:
    """Deliver what the buffer holds and retry every waiting batch, now."""
    settle(stream, now, ids)
    waiting, stream.retries = stream.retries, []
    for batch in waiting:
        attempt(stream, batch.records, now, ids, batch.wait, batch.first_try)
    deliver_buffer(stream, now, ids)
