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
through fill a batch (DOC, "Lambda event filtering"). A shard is read in lanes (``lanes``).
TumblingWindowInSeconds may be changed by an update (DOC: the developer guide's
update-event-source-mapping examples).

Choices (INFERRED): retries fall due after 1, 2, 4, then every 8 seconds of fake time (REAL:
a failing batch whose records may be 60 seconds old was invoked 8 times before it was given
up, more than a doubling backoff allows; LocalStack's AWS-validated snapshot, 2025);
a batch that the function partly succeeded on continues from its checkpoint as a new
batch, counting its invocations afresh (which matches the REAL count after a partial
failure); bisection applies to function errors (a raise or a timeout), not to failures the
answer reports; the batching window runs from the later of the first record's arrival and
the mapping's start (or its enabling); the poller starts once the mapping is Enabled (a
Creating or Enabling mapping invokes nothing before) and stops once it is Disabled (a
Disabling one still invokes what falls due before); an update's parameters apply at once,
to the batches read after it (a batch in flight keeps its records); a disabled mapping
reads nothing, and enabled
again reads each shard from its checkpoint (DOC: "resume polling from the time it had
stopped"). A new TumblingWindowInSeconds closes each open window with its final
invocation (terminated early) once the batch in flight is done, and the windows after it
have the new length.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, Protocol

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import UsageError
from pytest_firehose._lambda.batch_answers import verdict
from pytest_firehose._lambda.context import Function
from pytest_firehose._lambda.kept_errors import LatestLocals
from pytest_firehose._lambda.kinesis_events import (
    RECORD_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    EventSource,
    event_record,
    invocation_record,
    kinesis_event,
)
from pytest_firehose._lambda.lanes import Batch, Lane, Lanes, MappedRecord, ShardView, lane_of
from pytest_firehose._lambda.mapping_invocations import Invocation, invoke
from pytest_firehose._lambda.mapping_settings import MappingSettings
from pytest_firehose._lambda.windows import Window, answered_state

#: A synchronous invocation's request payload limit (DOC, Lambda quotas): 6 MB.
MAX_EVENT_BYTES = 6 * 1024 * 1024
MAX_BACKOFF = timedelta(seconds=8)
#: How many invocations one ``drain`` makes before it concludes the handler never
#: succeeds (a guard for tests, not a Lambda limit): more than a batch retried every
#: MAX_BACKOFF for a day, the default retention, takes.
DRAIN_LIMIT = 20_000
UNHANDLED = "Unhandled"


class StreamReader(Protocol):
    """What the mapping reads of its stream."""

    @property
    def source(self) -> EventSource: ...

    def shards(self) -> list[ShardView]: ...

    def read(self, shard_id: str, after: int) -> list[MappedRecord]:
        """The shard's records after sequence index ``after`` that it still serves, in
        order."""
        ...

    def trimmed_after(self, shard_id: str, after: int) -> list[MappedRecord]:
        """The shard's records after sequence index ``after`` that retention trimmed, in
        order."""
        ...

    def serves(self, shard_id: str, indices: Iterable[int]) -> set[int]:
        """Those of the sequence ``indices`` whose records the shard still serves."""
        ...

    def blocked_until(self, shard_id: str, after: int) -> datetime | None:
        """When the shard's records after sequence index ``after`` can be read, if they
        cannot be now (``None``: now, or there are none)."""
        ...

    def trimmed(self) -> int:
        """How many records retention has trimmed from the stream so far: while it stays
        the same, every record the stream served before is served still."""
        ...


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
        polls_from: datetime | None = None,
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
        #: When the poller runs from: a mapping Creating or Enabling invokes nothing before
        #: it is Enabled. The batching window runs from then too.
        self.polls_from = polls_from or clock.now()
        self.started_at = self.polls_from
        #: Until when a mapping Disabling still polls (``None``: it was never disabled).
        self.polls_until: datetime | None = None
        self.invocations: list[Invocation] = []
        #: The latest error a handler raised: the one whose frames keep their local
        #: variables (``LatestLocals``).
        self._latest_error = LatestLocals()
        self.failures: list[dict[str, Any]] = []
        #: Records retention trimmed before the mapping read them, by shard, in order.
        self.expired: list[MappedRecord] = []
        #: Records FilterCriteria kept from the handler, by shard, in order.
        self.filtered: list[MappedRecord] = []
        #: Each shard's lanes (one unless ParallelizationFactor is above 1).
        self._lanes = Lanes(settings.parallelization)
        #: Whether the mapping has taken its starting position (when first enabled).
        self._started = False
        #: Set by DeleteEventSourceMapping: the mapping reads nothing more.
        self.deleted = False
        #: Enabled again: the batches in flight are dropped before the next one is read
        #: (not at once: the handler may be the one that enabled it, mid-invocation).
        self._reread = False
        #: The mapping's state (lanes, batches, settings): held by a drain but for while
        #: the handler runs, and by an update, so that an update from another thread
        #: comes as one from the handler would.
        self._lock = threading.RLock()
        #: One drain at a time: two at once would hand a batch to the handler twice.
        self._draining = threading.RLock()
        if settings.enabled:
            self._start()

    def _start(self) -> None:
        """Take the starting position: LATEST is the shards' ends when polling starts."""
        self._started = True
        if self.settings.starting_position == "LATEST":
            self._lanes.start_at_end(self.reader.shards())

    # ------------------------------------------------------------------ changing

    def apply(
        self,
        settings: MappingSettings,
        on_failure: Callable[[dict[str, Any], dict[str, Any]], None] | None,
        settles_at: datetime | None = None,
    ) -> None:
        """Take ``settings`` (UpdateEventSourceMapping) at once: batches read from now on
        follow them, and a batch in flight keeps its records while the new error handling
        applies from its next attempt. A disabled mapping invokes nothing more once the
        invocation under way (if any) has ended; enabled again, it drops the batches it
        had in flight and polls from each shard's checkpoint, the batching window running
        from then. A new ParallelizationFactor takes over each shard once its lanes have
        read as far as the furthest of them had (:meth:`Lanes.retune`); a new
        TumblingWindowInSeconds ends each open window early. A change of ``Enabled``
        settles at ``settles_at`` (at once if ``None``): an enabled mapping polls from
        then, a disabled one until then."""
        with self._lock:
            self._apply(settings, on_failure, settles_at)

    def _apply(
        self,
        settings: MappingSettings,
        on_failure: Callable[[dict[str, Any], dict[str, Any]], None] | None,
        settles_at: datetime | None,
    ) -> None:
        was_enabled = self.settings.enabled
        self._lanes.retune(settings.parallelization)
        if settings.tumbling_window != self.settings.tumbling_window:
            for state in self._lanes:
                # A window whose final invocation is under way has ended already.
                if state.window is not None and not any(b.final for b in state.batches):
                    state.window.terminated_early = True
        self.settings = settings
        self.send_failure = on_failure
        settled = settles_at or self.clock.now()
        if was_enabled and not settings.enabled:
            self.polls_until = settled
        if settings.enabled and not was_enabled:
            self.polls_from = self.started_at = settled
            self._reread = True
            if not self._started:
                self._start()

    def retarget(
        self,
        handler: Callable[[dict[str, Any], Any], Any],
        function: Function,
        invoked_arn: str,
    ) -> None:
        """Invoke ``handler`` as ``function`` (``invoked_arn``) from the next invocation on
        (UpdateEventSourceMapping's FunctionName): the checkpoints stay, and a batch being
        retried goes to the new function at its next attempt."""
        with self._lock:
            self.handler = handler
            self.function = function
            self.invoked_arn = invoked_arn

    # ------------------------------------------------------------------ driving

    def drain(self) -> None:
        """Run until every record the stream holds was handed to the handler or given up
        on, moving the fake clock to each retry and batching window as it falls due; a
        disabled mapping reads nothing. Drains in several threads take turns."""
        with self._draining, self._lock:
            self._drain()

    def _drain(self) -> None:
        if self.deleted:
            raise UsageError(
                f"drain(): event source mapping {self.uuid} was deleted (trigger.delete()) "
                "and reads nothing more; its invocations and failures stay readable. Make "
                "a new lambda_trigger to read the stream again."
            )
        if not self._polling(self.clock.now()):
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
            if not self.settings.enabled and self.polls_until and due >= self.polls_until:
                return  # Disabled by then: what falls due later waits for enabling
            if due > now:
                self.clock.advance(due - now)

    def _polling(self, moment: datetime) -> bool:
        """Whether the poller runs at ``moment``: enabled (Creating or Enabling, the shards
        wait for ``polls_from``: :meth:`_run_shard`), or disabled and still Disabling."""
        if self.settings.enabled:
            return True
        return self.polls_until is not None and moment < self.polls_until

    def _step(self) -> datetime | None:
        """Run every batch due now, one per ready shard; return when work falls due next
        (now, after any progress: a finished parent may have readied its children;
        ``None``: caught up)."""
        nearest: datetime | None = None
        for view in self._ready():
            for lane in range(self._lanes.factor(view.shard_id)):
                due = self._run_shard(view.shard_id, lane)
                if due is not None and (nearest is None or due < nearest):
                    nearest = due
            if self._lanes.relane(view.shard_id):
                nearest = self.clock.now()
        return nearest

    def _ready(self) -> list[ShardView]:
        """The shards whose parents are read to their end, by shard id."""
        views = self.reader.shards()
        finished = {view.shard_id for view in views if self._lanes.finished(view)}
        known = {view.shard_id for view in views}
        return sorted(
            (
                view
                for view in views
                if all(p in finished or p not in known for p in view.parent_shard_ids)
            ),
            key=lambda view: view.shard_id,
        )

    def _run_shard(self, shard_id: str, lane: int) -> datetime | None:
        """Invoke the lane's batch if it is due; return when its next one falls due."""
        now = self.clock.now()
        if self.deleted or not self._polling(now):
            return None  # changed by the handler while this drain runs
        if self._reread:
            self._reread = False
            for held in self._lanes:
                held.batches.clear()
        state = self._lanes.lane(shard_id, lane)
        if self.settings.enabled and self.polls_from > now:
            # Creating or Enabling: the poller starts once the mapping is Enabled.
            waiting = self.reader.read(shard_id, state.checkpoint)
            trimmed = self.reader.trimmed_after(shard_id, state.checkpoint)
            return self.polls_from if waiting or trimmed or state.batches else None
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

    def _next_batch(self, shard_id: str, state: Lane) -> Batch | None:
        """The next batch of new records, due now or when its batching window closes.

        The lane keeps the records past its checkpoint that the filters let through
        (``Lane.pending``), judging each new record once, and reads the shard only past
        what it has judged: a batch costs what it holds (what the filters hold back and
        other lanes' records are judged once each), not what waits behind it."""
        until = self._lanes.until(shard_id)
        factor = self._lanes.factor(shard_id)
        state.pass_checkpoint()
        judged_by = (self.settings.filters, factor)
        if state.judged_by != judged_by:
            # New filters (or lanes): judge again what was judged, listing nothing anew.
            state.pending.clear()
            state.disordered = False
            if state.judged > state.checkpoint:
                again = _upto(self.reader.read(shard_id, state.checkpoint), state.judged)
                state.keep(self._admitted(state, again, factor))
            state.judged_by = judged_by
        read_from = max(state.checkpoint, state.judged)
        trims = (self.reader.trimmed(), until)
        if state.trims_seen != trims:
            self._take_trimmed(shard_id, state, factor, until)
            state.trims_seen = trims
        fresh = _upto(self.reader.read(shard_id, read_from), until)
        start = self.settings.starting_timestamp
        if start is not None and fresh:
            before = 0
            while before < len(fresh) and fresh[before].arrived_at < start:
                before += 1
            if before:
                state.checkpoint = max(state.checkpoint, fresh[before - 1].sequence_index)
                fresh = fresh[before:]
        if fresh:
            state.keep(self._admitted(state, fresh, factor))
            state.judged = max(state.judged, fresh[-1].sequence_index)
        held = state.pending
        if not held:
            # With none let through, the lane's checkpoint moves past all it has judged.
            state.checkpoint = max(state.checkpoint, state.judged)
        if until is not None and not held:
            # The lane has handed over every record of its own up to the change.
            state.checkpoint = max(state.checkpoint, until)
            if state.window is not None:
                state.window.terminated_early = True
        if state.window is not None:
            final = state.window_end(held)
            if final is not None:
                return final
        # A window's state is the shard's: lanes still finishing under a factor above 1
        # (the settings now ask for one lane and windows) open none.
        length = self.settings.tumbling_window if factor == 1 else None
        # One record more than a batch takes tells whether the batch holds every record.
        most = self.settings.batch_size + 1
        if length is not None and held:
            chosen = state.in_window(held, length, most)
        else:
            chosen = list(islice(held, most))
        if not chosen:
            return None
        records = self._cut(chosen)
        due = None
        if len(records) == len(chosen) and len(records) < self.settings.batch_size:
            opened = max(records[0].arrived_at, self.started_at)
            due = opened + self.settings.batching_window
        return Batch(records, due=due)

    def _take_trimmed(self, shard_id: str, state: Lane, factor: int, until: int | None) -> None:
        """Records retention trimmed past the lane's checkpoint are never delivered: the
        lane's own are listed as expired, and the checkpoint moves past them all."""
        trimmed = _upto(self.reader.trimmed_after(shard_id, state.checkpoint), until)
        if trimmed:
            self.expired.extend(
                record for record in trimmed if lane_of(record, factor) == state.lane
            )
            state.checkpoint = max(state.checkpoint, trimmed[-1].sequence_index)
        if state.pending:
            still = self.reader.serves(
                shard_id, [record.sequence_index for record in state.pending]
            )
            kept = [record for record in state.pending if record.sequence_index in still]
            if len(kept) != len(state.pending):
                state.pending.clear()
                state.disordered = False
                state.keep(kept)

    def _admitted(self, state: Lane, held: list[MappedRecord], factor: int) -> list[MappedRecord]:
        """The lane's records among ``held`` that FilterCriteria lets through. Those it
        keeps back count as processed (as other lanes' records do for this lane); each is
        listed on ``filtered`` once, when first judged."""
        if factor > 1:
            held = [record for record in held if lane_of(record, factor) == state.lane]
        filters = self.settings.filters
        if filters is None:
            return held
        admitted = []
        for record in held:
            if filters.admits(record):
                admitted.append(record)
            elif record.sequence_index > state.judged:
                self.filtered.append(record)
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

    def _attempt(self, shard_id: str, state: Lane, batch: Batch) -> None:
        """Invoke ``batch`` once (after discarding what aged out) and act on the result."""
        self._drop_trimmed(shard_id, state, batch)
        self._drop_aged(batch)
        if not batch.records and not batch.final:
            state.done(batch)
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
            state.done(batch)
        elif error is not None and self.settings.bisect and len(batch.records) > 1:
            state.bisect(batch)
        elif retry_from > 0:
            state.resume(batch, retry_from, self.clock.now() + self._backoff(1))
        elif self._exhausted(batch):
            if batch.records:
                function_error = UNHANDLED if error is not None else None
                self._give_up(batch, RETRIES_EXHAUSTED, function_error)
            state.done(batch)
        else:
            batch.due = self.clock.now() + self._backoff(batch.invocations)

    def _retry_from(self, answer: Any, batch: Batch, window: Window | None) -> int | None:
        if window is not None and not answered_state(answer):
            return 0  # DOC: an answer without state is a failed invocation
        if not self.settings.report_item_failures or batch.final:
            return None
        return verdict(answer, [record.sequence_number for record in batch.records]).retry_from

    def _exhausted(self, batch: Batch) -> bool:
        limit = self.settings.max_retries
        return limit is not None and batch.invocations > limit

    @staticmethod
    def _backoff(invocations: int) -> timedelta:
        doublings = min(max(invocations - 1, 0), 3)  # 2**3 seconds is the cap
        return min(timedelta(seconds=2**doublings), MAX_BACKOFF)

    def _drop_trimmed(self, shard_id: str, state: Lane, batch: Batch) -> None:
        """Records retention trimmed while the batch waited are skipped (the shard is read
        again only when the stream trimmed something since the batch was last checked)."""
        trimmed = self.reader.trimmed()
        if batch.held_at_trim == trimmed:
            return
        still = self.reader.serves(shard_id, [record.sequence_index for record in batch.records])
        gone = [record for record in batch.records if record.sequence_index not in still]
        if gone:
            self.expired.extend(gone)
            batch.records = [record for record in batch.records if record.sequence_index in still]
        batch.held_at_trim = trimmed

    def _drop_aged(self, batch: Batch) -> None:
        """Records past MaximumRecordAgeInSeconds are discarded before the invocation."""
        limit = self.settings.max_age
        if limit is None:
            return
        now = self.clock.now()
        aged = [record for record in batch.records if now - record.arrived_at >= limit]
        if aged:
            self._give_up(Batch(aged, max(batch.invocations, 1)), RECORD_AGE_EXCEEDED, None)
            batch.records = [record for record in batch.records if record not in aged]

    # ------------------------------------------------------------------ invoking

    def _invoke(self, shard_id: str, batch: Batch, window: Window | None) -> Invocation:
        source = self.reader.source
        text: str | None = None
        if window is not None:
            event = kinesis_event(batch.records, source)
            event.update(window.event_fields(shard_id, source.stream_arn, final=batch.final))
        else:
            event, text = self._event_of(batch, source)
        handler, function, request_id = self.handler, self.function, self._request_id()
        invoked_arn = self.invoked_arn
        outer = sys.exc_info()[1]
        self._lock.release()  # the handler may update the mapping, from another thread too
        try:
            invocation = invoke(
                handler,
                function,
                self.clock,
                shard_id=shard_id,
                event=event,
                event_text=text,
                request_id=request_id,
                invoked_arn=invoked_arn,
            )
        finally:
            self._lock.acquire()
        self.invocations.append(invocation)
        if invocation.error is not None:
            self._latest_error.keep(invocation.error, outer)
        return invocation

    @staticmethod
    def _event_of(batch: Batch, source: EventSource) -> tuple[dict[str, Any], str]:
        """The event of ``batch`` from ``source``, and its JSON text: made once for the
        same records from the same source, and sent again to each retry (a window's event
        carries its state, and is made for each invocation)."""
        sent = batch.sent
        if sent is not None and sent[0] is batch.records and sent[1] is source:
            return sent[2], sent[3]
        event = kinesis_event(batch.records, source)
        text = json.dumps(event)
        batch.sent = (batch.records, source, event, text)
        return event, text

    def _give_up(self, batch: Batch, condition: str, function_error: str | None) -> None:
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


def _upto(records: list[MappedRecord], last: int | None) -> list[MappedRecord]:
    """The records up to sequence index ``last`` (all of them if ``None``)."""
    if last is None or not records or records[-1].sequence_index <= last:
        return records
    return [record for record in records if record.sequence_index <= last]
