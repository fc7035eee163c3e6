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

from pytest_firehose._destinations.objects import DEFAULT_BUFFERING, DeliveredObject, object_key
from pytest_firehose._payload import payload_len

if TYPE_CHECKING:
    from pytest_firehose._ids import IdSource
    from pytest_firehose._services.firehose.model import Accepted, DeliveryStream

#: DirectPut data that cannot be delivered is kept this long, then lost.
RETENTION = timedelta(hours=24)
#: A record expires at the first instant (the clock counts microseconds) after RETENTION:
#: one delivered exactly 24 hours after it arrived was delivered in time.
_EXPIRES_AFTER = RETENTION + timedelta(microseconds=1)
#: Retries of a failed delivery: first after this long, doubling up to ``RETRY_CAP``.
FIRST_RETRY = timedelta(seconds=1)
RETRY_CAP = timedelta(minutes=15)
MIB = 1024 * 1024


class DeliveryFailed(Exception):
    """The destination did not take a delivery; it will be retried."""


@dataclass
class Batch:
    """Records delivered together, and their delivery so far.

    ``delivery_id`` names the delivery in object keys (and an HTTP endpoint's request id)
    and stays the same across retries; ``attempts`` counts the tries made.
    """

    records: list[Accepted]
    delivery_id: str
    first_try: datetime
    attempts: int = 0
    #: When the next try is due, and the wait after that one, while waiting for a retry.
    due: datetime | None = None
    wait: timedelta = FIRST_RETRY


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

    def give_up(self, stream: DeliveryStream, batch: Batch, at: datetime) -> bool: ...


class MemoryDestination:
    """Keeps objects in memory only (``stream.objects``); never fails, never gives up."""

    retry_cap = RETRY_CAP

    def deliver(self, stream: DeliveryStream, obj: DeliveredObject) -> None:
        return None

    def give_up(self, stream: DeliveryStream, batch: Batch, at: datetime) -> bool:
        return False


def hints(stream: DeliveryStream) -> tuple[int, timedelta]:
    """(size in bytes, interval) after which the stream's buffer is delivered."""
    given = {**DEFAULT_BUFFERING, **stream.destination.get("BufferingHints", {})}
    return given["SizeInMBs"] * MIB, timedelta(seconds=given["IntervalInSeconds"])


def _build(stream: DeliveryStream, batch: Batch, at: datetime) -> DeliveredObject:
    config = stream.destination
    key = object_key(
        config.get("Prefix", ""),
        stream.name,
        str(stream.version),
        batch.records[0][2],
        batch.delivery_id,
        config.get("FileExtension", ""),
    )
    payloads = tuple(payload for payload, _, _ in batch.records)
    compression = config.get("CompressionFormat", "UNCOMPRESSED")
    return DeliveredObject(key, payloads, at, batch.delivery_id, compression=compression)


def attempt(stream: DeliveryStream, batch: Batch, at: datetime) -> None:
    """Try to deliver ``batch`` at ``at``; on failure it waits for a retry."""
    batch.attempts += 1
    sink = stream.sink
    if stream.destination_up:
        obj = _build(stream, batch, at)
        try:
            sink.deliver(stream, obj)
        except DeliveryFailed:
            pass
        else:
            stream.objects.append(obj)
            return
    if sink.give_up(stream, batch, at):
        return
    batch.due, batch.wait = at + batch.wait, min(batch.wait * 2, sink.retry_cap)
    stream.retries.append(batch)


def deliver_buffer(stream: DeliveryStream, at: datetime, ids: IdSource) -> None:
    records, stream.buffer = stream.buffer, []
    stream.buffer_bytes = 0
    if records:
        attempt(stream, Batch(records, ids.uuid(), at), at)


def _expire(stream: DeliveryStream, at: datetime) -> None:
    cutoff = at - _EXPIRES_AFTER
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


def _due(batch: Batch) -> datetime:
    assert batch.due is not None, "a batch waiting for a retry has a due time"
    return batch.due


def settle(stream: DeliveryStream, now: datetime, ids: IdSource) -> None:
    """Carry out, in time order, every buffer interval, retry and expiry due by ``now``.

    On a tie a delivery comes before an expiry."""
    _, interval = hints(stream)
    while True:
        due: list[tuple[datetime, int, Batch | None]] = []
        if stream.buffer:
            due.append((stream.buffer[0][2] + interval, 0, None))
        if stream.retries:
            first = min(stream.retries, key=_due)
            due.append((_due(first), 0, first))
        oldest = _oldest_pending(stream)
        if oldest is not None:
            due.append((oldest + _EXPIRES_AFTER, 1, None))
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
            attempt(stream, batch, at)


def flush(stream: DeliveryStream, now: datetime, ids: IdSource) -> None:
    """Deliver what the buffer holds and retry every waiting batch, now."""
    settle(stream, now, ids)
    waiting, stream.retries = stream.retries, []
    for batch in waiting:
        attempt(stream, batch, now)
    deliver_buffer(stream, now, ids)
