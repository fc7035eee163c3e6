"""What a queue on a Kinesis stream holds: its settings and status, and the state of each
record it handed out (in flight, visible again, dead-letter), with the per-entry actions of
AcknowledgeQueueRecords, UpdateQueueRecordsVisibility and RestoreDeadLetterQueueRecords
(and their dead-letter twins). ``queues.py`` has the operations; its docstring lists the
facts and choices.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pytest_firehose._services.kinesis.attached import Attached
from pytest_firehose._services.kinesis.records import KinesisRecord, Row, arrived_at_of, views
from pytest_firehose._services.kinesis.streams import KinesisStream

#: Records of a queue that may be in flight at once (DOC).
MAX_IN_FLIGHT = 120_000
#: How long after its record outlived the stream's retention period a receipt handle is
#: still answered as such (``ResourceNotFoundException``): the longest visibility timeout a
#: receive or a visibility change can give (DOC: 43,200 seconds), so that a handle still in
#: flight when its record went is answered so until its timeout has ended at least
#: (INFERRED, docs/fidelity.md). Later, it is answered as a handle that names no record.
OUTLIVED_KEPT = timedelta(seconds=43_200)
_RECORD_ID_KEY = b"pytest-firehose/kinesis/queue-record"


@dataclass
class Delivery:
    """A record a queue handed out and that was not acknowledged yet."""

    #: Its commit index in the stream (``KinesisStream.rows``).
    commit: int
    receives: int
    first_received: datetime
    #: When it is visible again (its visibility timeout's end).
    visible_at: datetime
    #: The receipt handle of its last receive.
    handle: str
    #: Whether it is a dead-letter record.
    dead: bool = False


@dataclass(frozen=True)
class QueueState:
    """A queue as a test sees it at one moment (``kinesis[name].queues``)."""

    name: str
    arn: str
    status: str
    #: Records received and in flight now (dead-letter records not included).
    in_flight: int
    #: The dead-letter records, oldest first (each compares equal to its payload).
    dead_letters: list[KinesisRecord]
    #: How many records were acknowledged (dead-letter records too).
    acknowledged: int


@dataclass(eq=False)
class Queue(Attached):
    """One queue on a stream, from CreateQueue until it is gone."""

    created_at: datetime
    visibility: int
    #: ``None``: dead-letter handling is off (``TargetType`` ``NONE``).
    max_receives: int | None
    start_type: str
    start_timestamp: datetime | None
    #: The next commit index never handed out (at first, the first the queue may
    #: deliver).
    fresh: int
    #: With ``AT_TIMESTAMP``, until the queue reaches its starting position (the first
    #: record that arrived at or after it, in the stream's order): the time stamp. Then
    #: ``None``, so that a record after it stamped earlier (frozen time moved back) is
    #: still delivered.
    since: datetime | None
    tags: dict[str, str] = field(default_factory=dict)
    #: The visibility timeout before the last UpdateQueue: receives keep it while the
    #: queue is UPDATING.
    visibility_before: int | None = None
    #: Records handed out and not acknowledged, by commit index.
    out: dict[int, Delivery] = field(default_factory=dict)
    #: Receipt handles that name a record now: handle -> commit index.
    handles: dict[str, int] = field(default_factory=dict)
    #: Handles whose record was acknowledged (an acknowledgement is idempotent), until
    #: ``OUTLIVED_KEPT`` after the record outlived the stream's retention period, as an
    #: outlived handle is kept; then it is answered as a handle that names no record.
    acknowledged: set[str] = field(default_factory=set)
    #: How many records were acknowledged.
    acknowledged_count: int = 0
    #: The acknowledged handles whose record the stream still keeps, by the record's
    #: arrival; and those whose record it no longer keeps, by the last instant each is
    #: answered as acknowledged (``OUTLIVED_KEPT`` after the record went).
    acknowledged_held: list[tuple[datetime, str]] = field(default_factory=list)
    acknowledged_until: list[tuple[datetime, str]] = field(default_factory=list)
    #: Handles whose record the stream no longer keeps (it outlived the retention period),
    #: each with the last instant it is answered so (``OUTLIVED_KEPT``); and the same, by
    #: that instant, so that a sweep forgets those past it.
    outlived: dict[str, datetime] = field(default_factory=dict)
    outlived_until: list[tuple[datetime, str]] = field(default_factory=list)

    def delivering(self, now: datetime) -> bool:
        return self.status(now) in ("ACTIVE", "UPDATING")

    def receive_visibility(self, now: datetime) -> int:
        """The visibility timeout a receive at ``now`` gives its records (DOC: a new one
        applies to records received after the update completes)."""
        if self.visibility_before is not None and self.status(now) == "UPDATING":
            return self.visibility_before
        return self.visibility

    def attributes(self) -> dict[str, Any]:
        dead_letter: dict[str, Any] = (
            {"TargetType": "NONE"}
            if self.max_receives is None
            else {"TargetType": "BUILT_IN", "MaxReceiveCount": self.max_receives}
        )
        return {"VisibilityTimeoutSeconds": self.visibility, "DeadLetterConfiguration": dead_letter}

    def starting_position(self, status: str) -> dict[str, Any]:
        """As the description shows it: the timestamp as configured while CREATING (for
        ``AT_TIMESTAMP`` only), the effective one once ACTIVE (DOC)."""
        position: dict[str, Any] = {"Type": self.start_type}
        if status == "CREATING":
            if self.start_timestamp is not None:
                position["Timestamp"] = self.start_timestamp
            return position
        earliest = max(
            self.stream.created_at,
            self.active_at - timedelta(hours=self.stream.retention_hours),
        )
        if self.start_type == "AT_TIMESTAMP" and self.start_timestamp is not None:
            position["Timestamp"] = max(self.start_timestamp, earliest)
        elif self.start_type == "LATEST":
            position["Timestamp"] = self.created_at
        else:
            position["Timestamp"] = earliest
        return position

    def described(self, now: datetime, status: str | None = None) -> dict[str, Any]:
        """The queue as DescribeQueue shows it; ``status``: the one an answer reports instead
        of the queue's at ``now`` (CreateQueue's CREATING, UpdateQueue's UPDATING)."""
        status = status or self.status(now)
        return {
            "QueueName": self.name,
            "QueueARN": self.arn,
            "QueueStatus": status,
            "QueueCreationTimestamp": self.created_at,
            "StreamConfigurationList": [
                {"StreamARN": self.stream.arn, "StartingPosition": self.starting_position(status)}
            ],
            "QueueAttributes": self.attributes(),
        }

    def summary(self, now: datetime) -> dict[str, Any]:
        return {
            "QueueName": self.name,
            "QueueARN": self.arn,
            "QueueStatus": self.status(now),
            "QueueCreationTimestamp": self.created_at,
            "Streams": [
                {"StreamARN": self.stream.arn, "StreamCreationTimestamp": self.stream.created_at}
            ],
        }

    def state(self, now: datetime) -> QueueState:
        self.sweep(now)
        rows = self.stream.rows
        dead = [rows[commit] for commit in sorted(self.out) if self.out[commit].dead]
        return QueueState(
            self.name,
            self.arn,
            self.status(now),
            self.in_flight(now),
            views(dead),
            self.acknowledged_count,
        )

    # ------------------------------------------------------------------ records

    def expired(self, row: Row, now: datetime) -> bool:
        """Whether the stream no longer keeps ``row`` (or it arrived before the start)."""
        arrived = arrived_at_of(row)
        if self.since is not None and arrived < self.since:
            return True
        return arrived < now - timedelta(hours=self.stream.retention_hours)

    def sweep(self, now: datetime) -> None:
        """Bring the records handed out up to ``now``: a record whose visibility timeout
        ran out after its last allowed receive becomes a dead-letter record, visible as one
        from then; an expired one is dropped, and its handle is answered as outlived for
        ``OUTLIVED_KEPT`` after the record outlived the retention period. An acknowledged
        handle is forgotten as long after its record outlived it."""
        rows = self.stream.rows
        retention = timedelta(hours=self.stream.retention_hours)
        for commit, delivery in list(self.out.items()):
            goes_at = arrived_at_of(rows[commit]) + retention
            # What happened first happened first, however long since the last sweep: a
            # record that died before it outlived the retention period went as a
            # dead-letter record, whose receive handle had stopped naming it.
            if (
                not delivery.dead
                and self.max_receives is not None
                and delivery.receives >= self.max_receives
                and delivery.visible_at <= now
                and delivery.visible_at <= goes_at
            ):
                delivery.dead = True
                self.handles.pop(delivery.handle, None)
            if self.expired(rows[commit], now):
                del self.out[commit]
                if self.handles.pop(delivery.handle, None) is not None:
                    until = goes_at + OUTLIVED_KEPT
                    self.outlived[delivery.handle] = until
                    heapq.heappush(self.outlived_until, (until, delivery.handle))
        waiting = self.outlived_until
        while waiting and waiting[0][0] < now:
            del self.outlived[heapq.heappop(waiting)[1]]
        held, cutoff = self.acknowledged_held, now - retention
        while held and held[0][0] < cutoff:
            arrived, handle = heapq.heappop(held)
            heapq.heappush(self.acknowledged_until, (arrived + retention + OUTLIVED_KEPT, handle))
        waiting = self.acknowledged_until
        while waiting and waiting[0][0] < now:
            self.acknowledged.discard(heapq.heappop(waiting)[1])

    def outlived_at(self, handle: str, now: datetime) -> bool:
        """Whether ``handle`` names a record that outlived the stream's retention period,
        as an answer at ``now`` tells (after a ``sweep`` at ``now``)."""
        until = self.outlived.get(handle)
        return until is not None and now <= until

    def visible(self, now: datetime, limit: int, *, dead: bool) -> list[int]:
        """The commit indexes of up to ``limit`` visible records, oldest first: records
        handed out before (dead-letter ones when ``dead``) and, on the receive path, the
        records never handed out."""
        found = sorted(
            commit
            for commit, delivery in self.out.items()
            if delivery.dead is dead and delivery.visible_at <= now
        )[:limit]
        if dead:
            return found
        rows = self.stream.rows
        fresh: list[int] = []
        # The records visible again go back in flight with the fresh ones.
        room = min(limit, MAX_IN_FLIGHT - self.in_flight(now)) - len(found)
        while len(fresh) < room and self.fresh < len(rows):
            row = rows[self.fresh]
            if self.since is not None and arrived_at_of(row) >= self.since:
                self.since = None
            if not self.expired(row, now):
                fresh.append(self.fresh)
            self.fresh += 1
        return sorted(found + fresh)

    def _bound_for(self, delivery: Delivery, *, dead: bool) -> bool:
        """Whether ``delivery`` is visible next on the dead-letter path (``dead``) or on the
        receive path."""
        limit = self.max_receives
        dies = delivery.dead or (limit is not None and delivery.receives >= limit)
        return dies if dead else not dies

    def in_flight(self, now: datetime) -> int:
        """Records on the receive path received and not visible again yet."""
        return sum(1 for d in self.out.values() if not d.dead and d.visible_at > now)

    def next_visible(self, now: datetime, *, dead: bool) -> datetime | None:
        """When a record next becomes visible on the receive path, or on the dead-letter
        path when ``dead`` (a record in flight after its last allowed receive dies when its
        timeout ends); ``None``: not before a record arrives or a test acts."""
        moments = [
            delivery.visible_at
            for delivery in self.out.values()
            if delivery.visible_at > now and self._bound_for(delivery, dead=dead)
        ]
        if self.active_at > now:
            moments.append(self.active_at)
        return min(moments, default=None)


def record_id(stream: KinesisStream, commit: int) -> str:
    """A record's id in every queue of its stream: 32 lowercase hex digits, the same for
    each delivery of the record and different for each record."""
    text = f"{stream.arn}\n{stream.created_at.isoformat()}\n{commit}".encode()
    return hashlib.blake2b(text, key=_RECORD_ID_KEY, digest_size=16).hexdigest()


def problem(
    queue: Queue,
    handle: str,
    *,
    dead: bool,
    now: datetime,
    act: Callable[..., None],
) -> tuple[str, str] | None:
    """Why an entry's receipt handle cannot be acted on, as the entry's error code and
    message (``None``: it can)."""
    if queue.outlived_at(handle, now):
        return (
            "ResourceNotFoundException",
            "The record the receipt handle names is no longer in the stream: it outlived the "
            "stream's retention period.",
        )
    commit = queue.handles.get(handle)
    delivery = queue.out.get(commit) if commit is not None else None
    if delivery is None or delivery.handle != handle or delivery.dead is not dead:
        kind = "dead-letter record" if dead else "record"
        return (
            "InvalidArgumentException",
            f"The receipt handle does not name a {kind} received from this queue and not "
            "acknowledged.",
        )
    if act is change_visibility and delivery.visible_at <= now:
        return (
            "InvalidArgumentException",
            "The record is not in flight: its visibility timeout has ended.",
        )
    return None


def acknowledge(queue: Queue, delivery: Delivery, entry: dict[str, Any], now: datetime) -> None:
    del queue.out[delivery.commit]
    queue.handles.pop(delivery.handle, None)
    queue.acknowledged.add(delivery.handle)
    queue.acknowledged_count += 1
    arrived = arrived_at_of(queue.stream.rows[delivery.commit])
    heapq.heappush(queue.acknowledged_held, (arrived, delivery.handle))


def change_visibility(
    queue: Queue, delivery: Delivery, entry: dict[str, Any], now: datetime
) -> None:
    delivery.visible_at = now + timedelta(seconds=entry["VisibilityTimeoutSeconds"])


def restore(queue: Queue, delivery: Delivery, entry: dict[str, Any], now: datetime) -> None:
    delivery.dead = False
    delivery.receives = 0
    delivery.visible_at = now
    queue.handles.pop(delivery.handle, None)
