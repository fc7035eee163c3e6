"""A delivery on the fake clock, as a part of
:class:`~pytest_firehose._destinations.pipeline.Delivery`: what falls due next (the
transformation, a buffer's interval, a retry, an expiry), ``settle`` and ``flush`` carrying
it out in time order, records expired, and what reached the delivery while it was busy (a
handler or an HTTP endpoint waited for without the world's lock) carried out once it is
free, in the order it came.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import Accepted, Batch
from pytest_firehose._destinations.buffers import Buffer
from pytest_firehose._destinations.processing import Transformer
from pytest_firehose._destinations.retries import RetryQueue
from pytest_firehose._destinations.routes import Route

if TYPE_CHECKING:
    from pytest_firehose._ids import IdSource

#: A record expires at the first instant (the clock counts microseconds) after its
#: retention: one delivered exactly 24 hours after it arrived was delivered in time.
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Debt:
    """What reached a busy delivery, to be carried out once it is free: an ``accept`` of
    ``entries`` (with their source's metadata), a ``settle``, a ``flush`` or a new ``route``,
    at ``at``."""

    kind: str
    at: datetime
    entries: list[Accepted] = field(default_factory=list)
    metadata: Mapping[str, Mapping[str, Any]] | None = None
    route: Route | None = None


class Timeline:
    """The events of a :class:`Delivery` on the clock (which it is mixed into)."""

    interval: timedelta
    retention: timedelta
    expired: list[Accepted]
    transformer: Transformer | None
    _buffers: dict[str | None, Buffer]
    _retries: RetryQueue
    _busy: bool
    _debts: list[Debt]

    #: Delivery's: takes accepted records in, puts them in the destination's buffers, and
    #: delivers as a route says from now on.
    _take: Callable[
        [list[Accepted], datetime, IdSource, Mapping[str, Mapping[str, Any]] | None], None
    ]
    _fill: Callable[..., None]
    route: Callable[[Route], None]
    #: Transforming's: when the transformation is next due, and the transformation.
    _transformation_due: Callable[[], datetime | None]
    _transform: Callable[[datetime, IdSource], datetime]
    #: Attempting's: a buffer sent on, batches sent, a batch tried.
    _deliver_buffer: Callable[[datetime, IdSource, str | None], None]
    _send: Callable[[list[Batch], datetime], None]
    _attempt: Callable[[Batch, datetime], None]

    def settle(self, now: datetime, ids: IdSource) -> None:
        """Carry out, in time order, every buffer interval, retry and expiry due by ``now``.

        On a tie the transformation goes first, then the buffer, then a retry, then an
        expiry; retries due at the same instant go in the order they started waiting.
        While the delivery is busy, the settle is carried out once it is done."""
        if self._busy:
            debts = self._debts
            if debts and debts[-1].kind == "settle":
                # Settling to ``now`` carries out the one before it as well.
                debts[-1] = Debt("settle", max(debts[-1].at, now))
            else:
                debts.append(Debt("settle", now))
            return
        self._settle(now, ids)
        self._pay_debts(ids)

    def _settle(self, now: datetime, ids: IdSource) -> None:
        while True:
            event = self._next_event()
            if event is None or event[0] > now:
                return
            at, kind, partition = event
            if kind == 2:
                self._expire(at)
            elif kind == -1:
                self._transform(at, ids)
            elif kind == 0:
                self._deliver_buffer(at, ids, partition)
            else:
                self._attempt(self._retries.pop_due(), at)

    def _next_event(self) -> tuple[datetime, int, str | None] | None:
        """The first thing due: (when, what: -1 the transformation, 0 a buffer's interval,
        1 a retry, 2 an expiry, the buffer's partition), ties in that order; None: nothing
        waits for the clock."""
        event: tuple[datetime, int] | None = None
        transforming = self._transformation_due()
        if transforming is not None:
            event = (transforming, -1)
        partition = None
        for buffer in self._buffers.values():
            due = buffer.due(self.interval)
            if event is None or (due, 0) < event:
                event, partition = (due, 0), buffer.partition
        retry = self._retries.next_due() if self._retries else None
        if retry is not None and (event is None or (retry, 1) < event):
            event = (retry, 1)
        oldest = self._oldest_pending()
        expires_after = self.retention + _TICK
        if oldest is not None and (event is None or (oldest + expires_after, 2) < event):
            event = (oldest + expires_after, 2)
        return None if event is None else (*event, partition)

    def next_due(self) -> datetime | None:
        """The first instant at which ``settle`` has something to do (a transformation,
        a buffer's interval, a retry, an expiry), or None: nothing waits for the clock.
        What reached it while it was busy, or what a reconfiguration left to do, is due
        at once: while it is busy, every settle is noted for it, in order with what else
        reaches it (whoever made it busy settles it once it is free, and asks again)."""
        event = None if self._busy else self._next_event()
        if self._debts and (event is None or self._debts[0].at < event[0]):
            return self._debts[0].at
        return None if event is None else event[0]

    def flush(self, now: datetime, ids: IdSource) -> None:
        """Transform what waits for the transformation, deliver what the buffer holds and
        retry every waiting batch, now (once the delivery is no longer busy)."""
        if self._busy:
            self._debts.append(Debt("flush", now))
            return
        self._flush(now, ids)
        self._pay_debts(ids)

    def _flush(self, now: datetime, ids: IdSource) -> None:
        self._settle(now, ids)
        answered = now  # what the function answered is delivered once it answered
        if self.transformer is not None and self.transformer.buffer:
            answered = self._transform(now, ids)
        self._send(self._retries.take_all(), now)
        for partition in list(self._buffers):
            self._deliver_buffer(answered, ids, partition)

    def _pay_debts(self, ids: IdSource) -> None:
        """Carry out, in the order they came, what reached the delivery while it was busy
        (more may come while one of them is carried out)."""
        while self._debts and not self._busy:
            debt = self._debts.pop(0)
            if debt.kind == "accept":
                self._take(debt.entries, debt.at, ids, debt.metadata)
            elif debt.kind == "settle":
                self._settle(debt.at, ids)
            elif debt.kind == "fill":
                self._fill(debt.entries, debt.at, ids)
            elif debt.kind == "route":
                assert debt.route is not None
                self.route(debt.route)
            else:
                self._flush(debt.at, ids)

    def _expire(self, at: datetime) -> None:
        """Move every pending record that arrived ``retention`` (and a microsecond) before
        ``at`` to ``expired``: the buffers' first, then the batches' in waiting order."""
        cutoff = at - self.retention - _TICK
        if self._buffers:
            for partition, buffer in list(self._buffers.items()):
                self.expired.extend(buffer.expire(cutoff))
                if not buffer.records:
                    del self._buffers[partition]
        self.expired.extend(self._retries.expire(cutoff))

    def _oldest_pending(self) -> datetime | None:
        """The arrival expiry counts from: a buffer's first record's, or the oldest
        record of a waiting batch, whichever is earliest."""
        age = self._retries.oldest() if self._retries else None
        if not self._buffers:
            return age
        first = min(buffer.records[0][2] for buffer in self._buffers.values())
        return first if age is None or first < age else age
