"""A Kinesis event source mapping, run on the fake clock: reads each shard in order, one
batch in flight per shard, invokes the handler, and on failure retries, bisects, resumes
from the reported checkpoint, or gives up and writes the invocation record.

It reads the stream through :class:`StreamReader`, so it knows no service model; the
handle side adapts the Kinesis model to it, taking the world's lock only while reading,
never while a handler runs (a handler may call AWS through boto3).

Facts (docs/fidelity.md, "Lambda and Kinesis"): a batch holds one shard's records in
order; a parent shard is read to its end before its children (DOC, with-kinesis). A
failed batch is retried whole until it succeeds, MaximumRetryAttempts retries were made
(``approximateInvokeCount`` then counts the invocations, REAL), or its records reach
MaximumRecordAgeInSeconds, which discards them before any further invocation and keeps
the rest of the batch (REAL). BisectBatchOnFunctionError splits a batch that raised in
two, and splitting consumes no retry (DOC). Records that retention trims before the
mapping reads them are never delivered (DOC: "retried until the record expires").
Records FilterCriteria keeps back are skipped as processed, and only the records it lets
through fill a batch (DOC, "Lambda event filtering").
With ParallelizationFactor above 1 a shard's records go to lanes by partition key, each
lane with one batch in flight and its own checkpoint, so a key's records stay in order (DOC).
ParallelizationFactor and TumblingWindowInSeconds may be changed by an update (DOC: the
developer guide's update-event-source-mapping examples).

Choices (INFERRED): retries fall due after 1, 2, 4 ... seconds of fake time, at most 60;
a batch that the function partly succeeded on continues from its checkpoint as a new
batch, counting its invocations afresh (which matches the REAL count after a partial
failure); bisection applies to function errors (a raise or a timeout), not to failures the
answer reports; the batching window runs from the later of the first record's arrival and
the mapping's start (or its enabling); an update applies at once, to the batches read after
it (a batch in flight keeps its records); a disabled mapping reads nothing, and enabled
again reads each shard from its checkpoint (DOC: "resume polling from the time it had
stopped"). A new ParallelizationFactor takes over a shard once its lanes have finished the
batches they had in flight and read as far as its furthest lane had read when the change
came (each record is handed over once, each key's in order); a new
TumblingWindowInSeconds closes each open window with its final invocation (terminated
early) once the batch in flight is done, and the windows after it have the new length.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import UsageError
from pytest_firehose._lambda.batch_answers import verdict
from pytest_firehose._lambda.context import Function, context_for
from pytest_firehose._lambda.functions import HANDLER_FAILURES, response_of
from pytest_firehose._lambda.kinesis_events import (
    RECORD_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    EventSource,
    StreamRecord,
    event_record,
    invocation_record,
    kinesis_event,
)
from pytest_firehose._lambda.mapping_settings import MappingSettings
from pytest_firehose._lambda.windows import Window, answered_state, window_start

#: A synchronous invocation's request payload limit (DOC, Lambda quotas): 6 MB.
MAX_EVENT_BYTES = 6 * 1024 * 1024
MAX_BACKOFF = timedelta(seconds=60)
#: How many invocations one ``drain`` makes before it concludes the handler never
#: succeeds (a guard for tests, not a Lambda limit).
DRAIN_LIMIT = 10_000
UNHANDLED = "Unhandled"


class MappedRecord(StreamRecord, Protocol):
    """A record as the mapping reads it: its place in its shard too."""

    sequence_index: int


@dataclass(frozen=True)
class ShardView:
    """A shard as the mapping sees it: who its parents are, whether it is closed, and the
    sequence index of the last record it took (0: none)."""

    shard_id: str
    parent_shard_ids: tuple[str, ...]
    closed: bool
    last_index: int


class StreamReader(Protocol):
    """What the mapping reads of its stream."""

    @property
    def source(self) -> EventSource: ...

    def shards(self) -> list[ShardView]: ...

    def read(self, shard_id: str, after: int) -> tuple[list[MappedRecord], list[MappedRecord]]:
        """The shard's records after sequence index ``after`` that it still serves, and
        those after it that retention trimmed, each in order."""
        ...

    def blocked_until(self, shard_id: str, after: int) -> datetime | None:
        """When the shard's records after sequence index ``after`` can be read, if they
        cannot be now (``None``: now, or there are none)."""
        ...


class FunctionTimeout(Exception):
    """The invocation ran past the function's timeout on the fake clock."""


@dataclass(frozen=True)
class Invocation:
    """One call of the handler: its event, its answer or error, and when (fake time)."""

    shard_id: str
    event: dict[str, Any]
    at: datetime
    request_id: str
    answer: Any = None
    error: BaseException | None = None

    @property
    def records(self) -> list[bytes]:
        """The payloads the event carried, in order."""
        return [base64.b64decode(entry["kinesis"]["data"]) for entry in self.event["Records"]]

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass
class _Batch:
    records: list[MappedRecord]
    invocations: int = 0
    due: datetime | None = None
    #: The sequence index the shard's checkpoint reaches when the batch is done, even
    #: when its records left it (aged out, trimmed).
    last_index: int = 0
    #: The last invocation of a tumbling window: no records, the window's final state.
    final: bool = False

    def __post_init__(self) -> None:
        if self.records and not self.last_index:
            self.last_index = self.records[-1].sequence_index


@dataclass(frozen=True)
class _Relaning:
    """A shard whose lanes are changing to a new ParallelizationFactor: they still run
    under ``factor`` and read no record past sequence index ``until``."""

    factor: int
    until: int


@dataclass
class _Shard:
    checkpoint: int = 0
    batches: list[_Batch] = field(default_factory=list)
    #: The highest sequence index the filters have judged (each record is listed on
    #: ``filtered`` once, though a waiting batch is read again).
    judged: int = 0
    #: The open tumbling window (``None``: none, or no windows).
    window: Window | None = None
    #: Which of the shard's ParallelizationFactor lanes this is.
    lane: int = 0


class EventSourceMapping:
    """One mapping from a stream to a handler, driven by :meth:`drain`."""

    def __init__(
        self,
        handler: Callable[[dict[str, Any], Any], Any],
        function: Function,
        settings: MappingSettings,
        reader: StreamReader,
        clock: FakeClock,
        request_id: Callable[[], str],
        on_failure: Callable[[dict[str, Any], dict[str, Any]], None] | None = None,
        uuid: str = "",
        invoked_arn: str | None = None,
    ) -> None:
        self.handler = handler
        #: The function ARN the mapping invokes: qualified when the mapping names a version
        #: or alias (the context's ``invoked_function_arn``, the invocation records'
        #: ``functionArn``).
        self.invoked_arn = invoked_arn or function.arn
        #: Where each invocation record goes besides ``failures`` (the on-failure
        #: destination), with the event of the records given up on; called outside the
        #: world's lock.
        self.send_failure = on_failure
        #: The mapping's identifier, as CreateEventSourceMapping answers it.
        self.uuid = uuid
        self.function = function
        self.settings = settings
        self.reader = reader
        self.clock = clock
        self._request_id = request_id
        self.started_at = clock.now()
        self.invocations: list[Invocation] = []
        self.failures: list[dict[str, Any]] = []
        #: Records retention trimmed before the mapping read them, by shard, in order.
        self.expired: list[MappedRecord] = []
        #: Records FilterCriteria kept from the handler, by shard, in order.
        self.filtered: list[MappedRecord] = []
        #: Each shard's lanes (one unless ParallelizationFactor is above 1).
        self._shards: dict[tuple[str, int], _Shard] = {}
        #: The shards whose lanes have yet to take a changed ParallelizationFactor.
        self._relaning: dict[str, _Relaning] = {}
        #: Whether the mapping has taken its starting position (when first enabled).
        self._started = False
        #: Set by DeleteEventSourceMapping: the mapping reads nothing more.
        self.deleted = False
        #: Enabled again: the batches in flight are dropped before the next one is read
        #: (not at once: the handler may be the one that enabled it, mid-invocation).
        self._reread = False
        if settings.enabled:
            self._start()

    def _start(self) -> None:
        """Take the starting position: LATEST is the shards' ends when polling starts."""
        self._started = True
        if self.settings.starting_position == "LATEST":
            for view in self.reader.shards():
                for lane in range(self.settings.parallelization):
                    state = _Shard(checkpoint=view.last_index, lane=lane)
                    self._shards[view.shard_id, lane] = state

    # ------------------------------------------------------------------ changing

    def apply(
        self,
        settings: MappingSettings,
        on_failure: Callable[[dict[str, Any], dict[str, Any]], None] | None,
    ) -> None:
        """Take ``settings`` (UpdateEventSourceMapping) at once: batches read from now on
        follow them, and a batch in flight keeps its records while the new error handling
        applies from its next attempt. A disabled mapping invokes nothing more once the
        invocation under way (if any) has ended; enabled again, it drops the batches it
        had in flight and polls from each shard's checkpoint, the batching window running
        from then. A new ParallelizationFactor takes over each shard once its lanes have
        read as far as the furthest of them had (:meth:`_relane`); a new
        TumblingWindowInSeconds ends each open window early."""
        was_enabled = self.settings.enabled
        if settings.parallelization != self.settings.parallelization:
            self._hold_lanes()
        if settings.tumbling_window != self.settings.tumbling_window:
            for state in self._shards.values():
                # A window whose final invocation is under way has ended already.
                if state.window is not None and not any(b.final for b in state.batches):
                    state.window.terminated_early = True
        self.settings = settings
        self.send_failure = on_failure
        if settings.enabled and not was_enabled:
            self.started_at = self.clock.now()
            self._reread = True
            if not self._started:
                self._start()

    def _hold_lanes(self) -> None:
        """Keep each shard's lanes as they are until they have read as far as the
        furthest of them had (and judged the filters that far), so that no record is
        handed to two lanes and a key's records stay in order across the change."""
        reached: dict[str, int] = {}
        for (shard_id, _), state in self._shards.items():
            reached[shard_id] = max(state.checkpoint, state.judged, reached.get(shard_id, 0))
        for shard_id, until in reached.items():
            held = self._relaning.get(shard_id)
            until = until if held is None else max(until, held.until)
            self._relaning[shard_id] = _Relaning(self._factor(shard_id), until)

    def _relane(self, shard_id: str) -> bool:
        """Give the shard the current ParallelizationFactor's lanes, if its old lanes are
        done: each reached the sequence index the change found the furthest at, with no
        batch in flight and no window open. The new lanes start there."""
        held = self._relaning.get(shard_id)
        if held is None:
            return False
        for lane in range(held.factor):
            state = self._shards.get((shard_id, lane))
            if state is None or state.batches or state.window is not None:
                return False
            if state.checkpoint < held.until:
                return False
        for lane in range(held.factor):
            del self._shards[shard_id, lane]
        for lane in range(self.settings.parallelization):
            self._shards[shard_id, lane] = _Shard(
                checkpoint=held.until, judged=held.until, lane=lane
            )
        del self._relaning[shard_id]
        return True

    def _factor(self, shard_id: str) -> int:
        """How many lanes the shard runs now."""
        held = self._relaning.get(shard_id)
        return self.settings.parallelization if held is None else held.factor

    # ------------------------------------------------------------------ driving

    def drain(self) -> None:
        """Run until every record the stream holds was handed to the handler or given up
        on, moving the fake clock to each retry and batching window as it falls due; a
        disabled mapping reads nothing."""
        if self.deleted:
            raise UsageError(
                f"drain(): event source mapping {self.uuid} was deleted (trigger.delete()) "
                "and reads nothing more; its invocations and failures stay readable. Make "
                "a new lambda_trigger to read the stream again."
            )
        if not self.settings.enabled:
            return
        limit = len(self.invocations) + DRAIN_LIMIT
        while True:
            due = self._step()
            if due is None:
                return
            if len(self.invocations) >= limit:
                raise UsageError(
                    f"drain() invoked the handler {DRAIN_LIMIT} times without catching up: "
                    "it keeps failing and the mapping retries until the records expire. "
                    "Set MaximumRetryAttempts or MaximumRecordAgeInSeconds, or fix the handler."
                )
            now = self.clock.now()
            if due > now:
                self.clock.advance(due - now)

    def _step(self) -> datetime | None:
        """Run every batch due now, one per ready shard; return when work falls due next
        (now, after any progress: a finished parent may have readied its children;
        ``None``: caught up)."""
        nearest: datetime | None = None
        for view in self._ready():
            for lane in range(self._factor(view.shard_id)):
                due = self._run_shard(view.shard_id, lane)
                if due is not None and (nearest is None or due < nearest):
                    nearest = due
            if self._relane(view.shard_id):
                nearest = self.clock.now()
        return nearest

    def _ready(self) -> list[ShardView]:
        """The shards whose parents are read to their end, by shard id."""
        views = self.reader.shards()
        finished = {view.shard_id for view in views if self._finished(view)}
        known = {view.shard_id for view in views}
        return sorted(
            (
                view
                for view in views
                if all(p in finished or p not in known for p in view.parent_shard_ids)
            ),
            key=lambda view: view.shard_id,
        )

    def _finished(self, view: ShardView) -> bool:
        return view.closed and all(
            self._lane_finished(view, lane) for lane in range(self._factor(view.shard_id))
        )

    def _lane_finished(self, view: ShardView, lane: int) -> bool:
        state = self._shards.get((view.shard_id, lane))
        if state is None:
            return view.last_index == 0
        return not state.batches and state.checkpoint >= view.last_index

    @staticmethod
    def _lane_of(record: MappedRecord, factor: int) -> int:
        """The lane a record's partition key goes to among ``factor``: a key's records
        stay in order."""
        if factor == 1:
            return 0
        digest = hashlib.md5((record.partition_key or "").encode(), usedforsecurity=False)
        return int(digest.hexdigest(), 16) % factor

    def _run_shard(self, shard_id: str, lane: int) -> datetime | None:
        """Invoke the lane's batch if it is due; return when its next one falls due."""
        if self.deleted or not self.settings.enabled:
            return None  # changed by the handler while this drain runs
        if self._reread:
            self._reread = False
            for held in self._shards.values():
                held.batches.clear()
        state = self._shards.setdefault((shard_id, lane), _Shard(lane=lane))
        now = self.clock.now()
        if not state.batches:
            # New records need the shard's reader (a batch in flight was read already).
            blocked = self.reader.blocked_until(shard_id, state.checkpoint)
            if blocked is not None and blocked > now:
                return blocked
            # A batch waiting for its window is read afresh when the window closes: the
            # records that arrived meanwhile join it.
            read_to = state.checkpoint
            fresh = self._next_batch(shard_id, state)
            if fresh is None:
                # Skipping records (filtered, another lane's, trimmed) may have finished
                # a parent shard: its children are ready at once.
                return now if state.checkpoint != read_to else None
            if fresh.due is not None and fresh.due > now:
                return fresh.due
            fresh.due = None
            state.batches.append(fresh)
        batch = state.batches[0]
        if batch.due is not None and batch.due > now:
            return batch.due
        self._attempt(shard_id, state, batch)
        return self.clock.now()

    # ------------------------------------------------------------------ batches

    def _next_batch(self, shard_id: str, state: _Shard) -> _Batch | None:
        """The next batch of new records, due now or when its batching window closes."""
        held, trimmed = self.reader.read(shard_id, state.checkpoint)
        relaning = self._relaning.get(shard_id)
        if relaning is not None:
            # The old lanes read no further than the change found the furthest of them.
            held = [record for record in held if record.sequence_index <= relaning.until]
            trimmed = [record for record in trimmed if record.sequence_index <= relaning.until]
        factor = self._factor(shard_id)
        if trimmed:
            self.expired.extend(
                record for record in trimmed if self._lane_of(record, factor) == state.lane
            )
            state.checkpoint = max(state.checkpoint, trimmed[-1].sequence_index)
        start = self.settings.starting_timestamp
        if start is not None:
            before = [record for record in held if record.arrived_at < start]
            if before:
                state.checkpoint = max(state.checkpoint, before[-1].sequence_index)
                held = held[len(before) :]
        held = self._admitted(state, held, factor)
        if relaning is not None and not held:
            # The lane has handed over every record of its own up to the change.
            state.checkpoint = max(state.checkpoint, relaning.until)
            if state.window is not None:
                state.window.terminated_early = True
        if state.window is not None:
            final = self._window_end(state, held)
            if final is not None:
                return final
        length = self.settings.tumbling_window
        if length is not None and held:
            held = self._in_window(state, held, length)
        if not held:
            return None
        records = self._cut(held)
        due = None
        if len(records) == len(held) and len(records) < self.settings.batch_size:
            opened = max(records[0].arrived_at, self.started_at)
            due = opened + self.settings.batching_window
        return _Batch(records, due=due)

    @staticmethod
    def _window_end(state: _Shard, held: list[MappedRecord]) -> _Batch | None:
        """The open window's final invocation, once the window has ended."""
        if state.window is None or not state.window.ended_by(held):
            return None
        return _Batch([], due=state.window.final_due(held), last_index=state.checkpoint, final=True)

    @staticmethod
    def _in_window(
        state: _Shard, held: list[MappedRecord], length: timedelta
    ) -> list[MappedRecord]:
        """The records of the first record's window (opening it); a batch never spans two."""
        if state.window is None:
            state.window = Window(window_start(held[0].arrived_at, length), length)
        return [record for record in held if record.arrived_at < state.window.end]

    def _admitted(self, state: _Shard, held: list[MappedRecord], factor: int) -> list[MappedRecord]:
        """The lane's records that FilterCriteria lets through. Those it keeps back count as
        processed (as other lanes' records do for this lane): with none let through, the
        lane's checkpoint moves past them all."""
        if not held:
            return held
        last = held[-1].sequence_index
        if factor > 1:
            held = [record for record in held if self._lane_of(record, factor) == state.lane]
        filters = self.settings.filters
        admitted = held
        if filters is not None:
            source = self.reader.source
            admitted = []
            for record in held:
                if filters.admits(record, source):
                    admitted.append(record)
                elif record.sequence_index > state.judged:
                    self.filtered.append(record)
        state.judged = max(state.judged, last)
        if not admitted:
            state.checkpoint = max(state.checkpoint, last)
        return admitted

    def _cut(self, held: list[MappedRecord]) -> list[MappedRecord]:
        """As many records as BatchSize and the 6 MB payload limit allow (at least one)."""
        size = len('{"Records":[]}')
        taken: list[MappedRecord] = []
        for record in held[: self.settings.batch_size]:
            size += len(json.dumps(event_record(record, self.reader.source))) + 1
            if taken and size > MAX_EVENT_BYTES:
                break
            taken.append(record)
        return taken

    def _attempt(self, shard_id: str, state: _Shard, batch: _Batch) -> None:
        """Invoke ``batch`` once (after discarding what aged out) and act on the result."""
        self._drop_trimmed(shard_id, state, batch)
        self._drop_aged(batch)
        if not batch.records and not batch.final:
            self._done(state, batch)
            return
        invocation = self._invoke(shard_id, batch, state.window)
        batch.invocations += 1
        error = invocation.error
        retry_from = (
            0 if error is not None else self._retry_from(invocation.answer, batch, state.window)
        )
        if error is None and retry_from != 0 and state.window is not None:
            state.window.keep(invocation.answer)
        if retry_from is None:
            self._done(state, batch)
        elif error is not None and self.settings.bisect and len(batch.records) > 1:
            self._bisect(state, batch)
        elif retry_from > 0:
            self._resume(state, batch, retry_from)
        elif self._exhausted(batch):
            if batch.records:
                function_error = UNHANDLED if error is not None else None
                self._give_up(batch, RETRIES_EXHAUSTED, function_error)
            self._done(state, batch)
        else:
            batch.due = self.clock.now() + self._backoff(batch.invocations)

    def _retry_from(self, answer: Any, batch: _Batch, window: Window | None) -> int | None:
        if window is not None and not answered_state(answer):
            return 0  # DOC: an answer without state is a failed invocation
        if not self.settings.report_item_failures or batch.final:
            return None
        return verdict(answer, [record.sequence_number for record in batch.records]).retry_from

    def _exhausted(self, batch: _Batch) -> bool:
        limit = self.settings.max_retries
        return limit is not None and batch.invocations > limit

    @staticmethod
    def _backoff(invocations: int) -> timedelta:
        doublings = min(max(invocations - 1, 0), 6)  # 2**6 seconds is past the cap
        return min(timedelta(seconds=2**doublings), MAX_BACKOFF)

    def _done(self, state: _Shard, batch: _Batch) -> None:
        state.checkpoint = max(state.checkpoint, batch.last_index)
        state.batches.remove(batch)
        if batch.final:
            state.window = None  # DOC: the state is dropped after the final invocation

    def _bisect(self, state: _Shard, batch: _Batch) -> None:
        middle = (len(batch.records) + 1) // 2
        # The second half ends where the batch did, past records that left it.
        halves = [
            _Batch(batch.records[:middle]),
            _Batch(batch.records[middle:], last_index=batch.last_index),
        ]
        position = state.batches.index(batch)
        state.batches[position : position + 1] = halves

    def _resume(self, state: _Shard, batch: _Batch, retry_from: int) -> None:
        state.checkpoint = max(state.checkpoint, batch.records[retry_from - 1].sequence_index)
        position = state.batches.index(batch)
        rest = _Batch(
            batch.records[retry_from:],
            due=self.clock.now() + self._backoff(1),
            last_index=batch.last_index,
        )
        state.batches[position] = rest

    def _drop_trimmed(self, shard_id: str, state: _Shard, batch: _Batch) -> None:
        """Records retention trimmed while the batch waited are skipped."""
        held, _ = self.reader.read(shard_id, state.checkpoint)
        still = {record.sequence_index for record in held}
        gone = [record for record in batch.records if record.sequence_index not in still]
        if gone:
            self.expired.extend(gone)
            batch.records = [record for record in batch.records if record.sequence_index in still]

    def _drop_aged(self, batch: _Batch) -> None:
        """Records past MaximumRecordAgeInSeconds are discarded before the invocation."""
        limit = self.settings.max_age
        if limit is None:
            return
        now = self.clock.now()
        aged = [record for record in batch.records if now - record.arrived_at >= limit]
        if aged:
            self._give_up(_Batch(aged, max(batch.invocations, 1)), RECORD_AGE_EXCEEDED, None)
            batch.records = [record for record in batch.records if record not in aged]

    # ------------------------------------------------------------------ invoking

    def _invoke(self, shard_id: str, batch: _Batch, window: Window | None) -> Invocation:
        source = self.reader.source
        event: dict[str, Any] = {
            "Records": [event_record(record, source) for record in batch.records]
        }
        if window is not None:
            event.update(window.event_fields(shard_id, source.stream_arn, final=batch.final))
        request_id = self._request_id()
        context = context_for(self.function, self.clock, request_id, invoked_arn=self.invoked_arn)
        at = self.clock.now()
        answer: Any = None
        error: BaseException | None = None
        try:
            answer = response_of(self.handler(json.loads(json.dumps(event)), context))
        except HANDLER_FAILURES as raised:  # any raise, or sys.exit(), fails it
            error = raised
        if error is None and context.timed_out:
            seconds = self.function.timeout.total_seconds()
            error = FunctionTimeout(f"Task timed out after {seconds:.2f} seconds")
            answer = None
        invocation = Invocation(shard_id, event, at, request_id, answer, error)
        self.invocations.append(invocation)
        return invocation

    def _give_up(self, batch: _Batch, condition: str, function_error: str | None) -> None:
        record = invocation_record(
            batch.records,
            self.reader.source,
            request_id=self._request_id(),
            function_arn=self.invoked_arn,
            condition=condition,
            invoke_count=batch.invocations,
            function_error=function_error,
            executed_version=self.function.version,
            at=self.clock.now(),
        )
        self.failures.append(record)
        if self.send_failure is not None:
            self.send_failure(record, kinesis_event(batch.records, self.reader.source))
