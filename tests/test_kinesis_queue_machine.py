"""A queue on a Kinesis stream, checked by a hypothesis state machine against a model of
the documented rules (docs/kinesis.md, "Queues").

A producer puts uniquely numbered records into an on-demand stream; a consumer receives
them (with and without a wait, with its own visibility timeout or the queue's),
acknowledges them with current and stale receipt handles and changes their visibility;
dead-letter records are received, acknowledged, restored and re-timed; the queue's
visibility timeout and receive limit change; the clock moves by seconds or by a day and
more (past the stream's retention period). After every call:

- a receive returns exactly the records the model makes visible, oldest first, at the
  moment the model says the wait ends (the clock moves there and no further), each with
  its receive count, first receive time and the same record id at every delivery;
- every entry of an acknowledge, visibility or restore call succeeds or fails as the
  handle's state says: a current handle acts, an acknowledged one stays acknowledged, a
  replaced or a dead record's handle is no record, one whose record outlived the stream's
  retention period is not found for 12 hours, then is no record either;
- reading the queue's state from the test (``in_flight``, ``dead_letters``,
  ``acknowledged``) agrees with the model, and changes nothing that follows: answers do
  not depend on whether, or when, a test looked.

``call`` sends the operations through a boto3 client where botocore has them, else to
the model (tests/test_kinesis_queues.py), so the machine runs on every botocore.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from conftest import REGION, SEED, examples
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from test_kinesis_queues import STREAM_ARN, answered, caller, on_demand

from pytest_firehose import FirehoseFake

RETENTION = timedelta(hours=24)
#: How long a handle whose record outlived the retention period (or was acknowledged) is
#: still answered as such.
KEPT = timedelta(hours=12)
QUEUE_VISIBILITY = 10
NO_RECORD = "InvalidArgumentException"
OUTLIVED = "ResourceNotFoundException"


@dataclass
class Sent:
    """A record put into the stream, as the model follows it through the queue."""

    payload: bytes
    arrived: datetime
    #: Receives on the receive path since it was put or restored.
    receives: int = 0
    first_received: datetime | None = None
    #: ``None``: never handed out.
    visible_at: datetime | None = None
    #: The receipt handle that names it now (``None``: none does).
    handle: str | None = None
    dead: bool = False
    acknowledged: bool = False
    #: It outlived the retention period while handed out.
    gone: bool = False
    record_id: str | None = None


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fake = FirehoseFake(region=REGION, seed=SEED).start()
        self.call = caller(self.fake)
        self.queue = ""
        self.max_receives: int | None = None
        self.visibility = QUEUE_VISIBILITY
        #: Whether the queue ever had dead-letter handling (dead-letter records stay).
        self.dead_letters = False
        self.sent: list[Sent] = []
        #: The next record never handed out that the queue may hand out.
        self.fresh = 0
        #: Every handle a receive gave: handle -> (record index, received as a dead letter).
        self.issued: dict[str, tuple[int, bool]] = {}
        #: Acknowledged handles -> their record's index.
        self.acknowledged: dict[str, int] = {}
        #: Handles whose record outlived the retention period -> the last instant so answered.
        self.outlived: dict[str, datetime] = {}
        self.acknowledged_count = 0

    def teardown(self) -> None:
        self.fake.stop()

    @property
    def now(self) -> datetime:
        return self.fake.kinesis.clock.now()

    @initialize(max_receives=st.sampled_from([None, 1, 2, 3]))
    def create_queue(self, max_receives: int | None) -> None:
        self.max_receives = max_receives
        self.dead_letters = max_receives is not None
        on_demand(self.call)
        dead_letters: dict[str, Any] = (
            {"TargetType": "NONE"}
            if max_receives is None
            else {"TargetType": "BUILT_IN", "MaxReceiveCount": max_receives}
        )
        self.queue = self.call(
            "CreateQueue",
            QueueName="q",
            StreamConfigurationList=[
                {"StreamARN": STREAM_ARN, "StartingPosition": {"Type": "TRIM_HORIZON"}}
            ],
            QueueAttributes={
                "VisibilityTimeoutSeconds": QUEUE_VISIBILITY,
                "DeadLetterConfiguration": dead_letters,
            },
        )["QueueDescription"]["QueueARN"]
        status = self.call("DescribeQueue", QueueARN=self.queue)["QueueDescription"]["QueueStatus"]
        assert status == "ACTIVE"

    # ------------------------------------------------------------------ the model

    def _sweep(self, now: datetime) -> None:
        """The model brought up to ``now``: deaths and expiries in the order they happened
        (a record dies when its last allowed visibility timeout ends, and expires when it
        outlives the retention period), and handles forgotten 12 hours after their record
        went."""
        for record in self.sent:
            if record.visible_at is None or record.acknowledged or record.gone:
                continue
            dies_at = (
                record.visible_at
                if not record.dead
                and self.max_receives is not None
                and record.receives >= self.max_receives
                else None
            )
            expires_at = record.arrived + RETENTION
            if dies_at is not None and dies_at <= now and dies_at <= expires_at:
                record.dead = True
                record.handle = None
            if record.arrived < now - RETENTION:
                record.gone = True
                if record.handle is not None:
                    self.outlived[record.handle] = expires_at + KEPT
                    record.handle = None
        for handle, until in list(self.outlived.items()):
            if until < now:
                del self.outlived[handle]
        for handle, index in list(self.acknowledged.items()):
            if self.sent[index].arrived + RETENTION + KEPT < now:
                del self.acknowledged[handle]

    def _live(self, record: Sent) -> bool:
        return record.visible_at is not None and not record.acknowledged and not record.gone

    def _visible(self, now: datetime, limit: int, *, dead: bool) -> list[int]:
        found = [
            i
            for i, r in enumerate(self.sent)
            if self._live(r) and r.dead is dead and r.visible_at is not None and r.visible_at <= now
        ][:limit]
        if dead:
            return found
        fresh: list[int] = []
        while len(found) + len(fresh) < limit and self.fresh < len(self.sent):
            if not self.sent[self.fresh].arrived < now - RETENTION:
                fresh.append(self.fresh)
            self.fresh += 1
        return sorted(found + fresh)

    def _next_visible(self, now: datetime, *, dead: bool) -> datetime | None:
        moments = []
        for r in self.sent:
            if not self._live(r) or r.visible_at is None or r.visible_at <= now:
                continue
            dies = r.dead or (self.max_receives is not None and r.receives >= self.max_receives)
            if dies is dead:
                moments.append(r.visible_at)
        return min(moments, default=None)

    def _problem(self, handle: str, *, dead: bool, visibility: bool) -> str | None:
        now = self.now
        if handle in self.outlived and now <= self.outlived[handle]:
            return OUTLIVED
        holder = [r for r in self.sent if r.handle == handle]
        if not holder or holder[0].dead is not dead:
            return NO_RECORD
        visible_at = holder[0].visible_at
        if visibility and visible_at is not None and visible_at <= now:
            return NO_RECORD
        return None

    # ------------------------------------------------------------------ producing

    @rule(count=st.integers(1, 3))
    def put(self, count: int) -> None:
        now = self.now
        payloads = [b"%d" % (len(self.sent) + i) for i in range(count)]
        answer = self.call(
            "PutRecords",
            StreamName="s",
            Records=[{"Data": p, "PartitionKey": p.decode()} for p in payloads],
        )
        assert answer.get("FailedRecordCount", 0) == 0
        self.sent += [Sent(p, now) for p in payloads]

    # ------------------------------------------------------------------ receiving

    def _receive(self, *, dead: bool, limit: int, visibility: int | None, wait: int) -> None:
        operation = "ReceiveDeadLetterQueueRecords" if dead else "ReceiveQueueRecords"
        params: dict[str, Any] = {"QueueARN": self.queue, "Limit": limit, "WaitTimeSeconds": wait}
        if visibility is not None:
            params["VisibilityTimeoutSeconds"] = visibility
        started = self.now
        got = self.call(operation, **params)["QueueRecords"]

        # The model's answer, as the documented wait gives it.
        now, ends = started, started + timedelta(seconds=wait)
        while True:
            self._sweep(now)
            expected = self._visible(now, limit, dead=dead)
            if expected:
                break
            due = self._next_visible(now, dead=dead)
            until = ends if due is None or due > ends else due
            if until <= now:
                break
            now = until
        assert self.now == now, f"the receive answered at {self.now}, the model at {now}"
        assert [r["Data"] for r in got] == [self.sent[i].payload for i in expected]

        seconds = self.visibility if visibility is None else visibility
        for index, answer in zip(expected, got, strict=True):
            record = self.sent[index]
            handle = answer["ReceiptHandle"]
            assert handle not in self.issued
            self.issued[handle] = (index, dead)
            if record.first_received is None:
                record.first_received = now
            if record.record_id is None:
                record.record_id = answer["RecordId"]
            if not dead:
                record.receives += 1
            record.handle = handle
            record.visible_at = now + timedelta(seconds=seconds)
            assert answer["RecordId"] == record.record_id
            assert answer["ReceiveCount"] == record.receives
            assert answer["FirstReceiveTimestamp"] == answered(record.first_received)

    @rule(
        limit=st.integers(1, 4),
        visibility=st.one_of(st.none(), st.sampled_from([0, 1, 5, 30])),
        wait=st.sampled_from([1, 1, 5, 20]),
    )
    def receive(self, limit: int, visibility: int | None, wait: int) -> None:
        self._receive(dead=False, limit=limit, visibility=visibility, wait=wait)

    @precondition(lambda self: self.dead_letters)
    @rule(
        limit=st.integers(1, 4),
        visibility=st.one_of(st.none(), st.sampled_from([0, 5])),
        wait=st.sampled_from([1, 5]),
    )
    def receive_dead_letters(self, limit: int, visibility: int | None, wait: int) -> None:
        self._receive(dead=True, limit=limit, visibility=visibility, wait=wait)

    # ------------------------------------------------------------------ entries

    def _entries(self, operation: str, handles: list[str], **extra: Any) -> dict[str, str]:
        answer = self.call(
            operation,
            QueueARN=self.queue,
            Entries=[{"ReceiptHandle": h, **extra} for h in handles],
        )
        outcome = {e["ReceiptHandle"]: "" for e in answer["Successful"]}
        outcome.update({e["ReceiptHandle"]: e["ErrorCode"] for e in answer["Failed"]})
        assert len(outcome) == len(set(handles))
        return outcome

    def _handles(self, data: st.DataObject) -> list[str]:
        known = sorted(self.issued)
        return data.draw(st.lists(st.sampled_from(known), min_size=1, max_size=3, unique=True))

    @precondition(lambda self: self.issued)
    @rule(data=st.data(), dead=st.booleans())
    def acknowledge(self, data: st.DataObject, dead: bool) -> None:
        handles = self._handles(data)
        operation = "AcknowledgeDeadLetterQueueRecords" if dead else "AcknowledgeQueueRecords"
        self._sweep(self.now)
        expected: dict[str, str] = {}
        for handle in handles:
            if handle in self.acknowledged:
                expected[handle] = ""
                continue
            problem = self._problem(handle, dead=dead, visibility=False)
            expected[handle] = problem or ""
            if problem is None:
                index = self.issued[handle][0]
                record = self.sent[index]
                record.acknowledged, record.handle = True, None
                self.acknowledged[handle] = index
                self.acknowledged_count += 1
        assert self._entries(operation, handles) == expected

    @precondition(lambda self: self.issued)
    @rule(data=st.data(), dead=st.booleans(), seconds=st.sampled_from([0, 3, 40]))
    def change_visibility(self, data: st.DataObject, dead: bool, seconds: int) -> None:
        handles = self._handles(data)
        operation = (
            "UpdateDeadLetterQueueRecordsVisibility" if dead else "UpdateQueueRecordsVisibility"
        )
        self._sweep(self.now)
        expected = {}
        for handle in handles:
            problem = self._problem(handle, dead=dead, visibility=True)
            expected[handle] = problem or ""
            if problem is None:
                record = self.sent[self.issued[handle][0]]
                record.visible_at = self.now + timedelta(seconds=seconds)
        outcome = self._entries(operation, handles, VisibilityTimeoutSeconds=seconds)
        assert outcome == expected

    @precondition(lambda self: self.issued and self.dead_letters)
    @rule(data=st.data())
    def restore(self, data: st.DataObject) -> None:
        handles = self._handles(data)
        self._sweep(self.now)
        expected = {}
        for handle in handles:
            problem = self._problem(handle, dead=True, visibility=False)
            expected[handle] = problem or ""
            if problem is None:
                record = self.sent[self.issued[handle][0]]
                record.dead, record.receives, record.handle = False, 0, None
                record.visible_at = self.now
        assert self._entries("RestoreDeadLetterQueueRecords", handles) == expected

    @rule(visibility=st.sampled_from([5, 10, 30]), max_receives=st.sampled_from([None, 1, 2, 3]))
    def update_queue(self, visibility: int, max_receives: int | None) -> None:
        """New settings apply from now on: the next receives' visibility timeout, and the
        receive limit records in flight or visible again meet when their timeout ends."""
        dead_letters: dict[str, Any] = (
            {"TargetType": "NONE"}
            if max_receives is None
            else {"TargetType": "BUILT_IN", "MaxReceiveCount": max_receives}
        )
        self._sweep(self.now)
        self.call(
            "UpdateQueue",
            QueueARN=self.queue,
            QueueAttributes={
                "VisibilityTimeoutSeconds": visibility,
                "DeadLetterConfiguration": dead_letters,
            },
        )
        self.visibility, self.max_receives = visibility, max_receives
        self.dead_letters = self.dead_letters or max_receives is not None

    # ------------------------------------------------------------------ time and looking

    @rule(seconds=st.sampled_from([1, 4, 10, 31]))
    def advance(self, seconds: int) -> None:
        self.fake.kinesis.clock.advance(seconds=seconds)

    @rule(hours=st.sampled_from([6, 12, 23, 25, 37]))
    def advance_hours(self, hours: int) -> None:
        self.fake.kinesis.clock.advance(hours=hours)

    @rule()
    def look(self) -> None:
        """What the test sees of the queue (reading it changes nothing that follows)."""
        now = self.now
        self._sweep(now)
        (state,) = self.fake.kinesis["s"].queues
        live = [r for r in self.sent if self._live(r)]
        in_flight = [r for r in live if not r.dead and r.visible_at and r.visible_at > now]
        assert state.in_flight == len(in_flight)
        assert state.dead_letters == [r.payload for r in live if r.dead]
        assert state.acknowledged == self.acknowledged_count


QueueMachine.TestCase.settings = settings(
    max_examples=examples(150),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestQueueMachine = QueueMachine.TestCase
