"""A Kinesis event source mapping, run on the fake clock: reads each shard in order, one
batch in flight per shard, invokes the handler, and on failure retries, bisects, resumes
from the reported checkpoint, or gives up and writes the invocation record.

It reads the stream through a :class:`~pytest_firehose._lambda.mapping_batches.StreamReader`,
so it knows no service model; the handle side adapts the Kinesis model to it, taking the
world's lock only while reading, never while a handler runs (a handler may call AWS through
boto3). How a batch is read is ``mapping_batches.py``'s, what comes of a failed one
``mapping_failures.py``'s; this module drives them: when each shard's next batch falls
due, the mapping's changes, and each invocation.

Facts (docs/fidelity.md, "Lambda and Kinesis"): a parent shard is read to its end before its
children (DOC, with-kinesis). A shard is read in lanes (``lanes``). TumblingWindowInSeconds
may be changed by an update (DOC: the developer guide's update-event-source-mapping
examples).

Choices (INFERRED): the poller starts once the mapping is Enabled (a Creating or Enabling
mapping invokes nothing before) and stops once it is Disabled (a Disabling one still invokes
what falls due before); an update's parameters apply at once, to the batches read after it
(a batch in flight keeps its records); a disabled mapping reads nothing, and enabled again
reads each shard from its checkpoint (DOC: "resume polling from the time it had stopped").
A new TumblingWindowInSeconds closes each open window with its final invocation (terminated
early) once the batch in flight is done, and the windows after it have the new length.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pytest_firehose._clock import FakeClock, reached
from pytest_firehose._errors import UsageError
from pytest_firehose._lambda.context import Function
from pytest_firehose._lambda.kept_errors import LatestLocals
from pytest_firehose._lambda.kinesis_events import invocation_record, kinesis_event
from pytest_firehose._lambda.lanes import Batch, Lane, Lanes, MappedRecord, ShardView
from pytest_firehose._lambda.mapping_batches import BatchReader, StreamReader
from pytest_firehose._lambda.mapping_failures import after_invocation, drop_aged
from pytest_firehose._lambda.mapping_invocations import Invocation, batch_event, invoke
from pytest_firehose._lambda.mapping_settings import MappingSettings
from pytest_firehose._lambda.windows import Window

#: How many retries one ``drain`` makes before it concludes the handler never succeeds
#: (a guard for tests, not a Lambda limit): more than a batch retried every
#: ``mapping_failures.MAX_BACKOFF`` for a day, the default retention, takes. Invocations
#: that finish their batch (or part of it) do not count: a long stream read in small
#: batches is no failing handler.
DRAIN_LIMIT = 20_000


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
        #: Each shard's lanes (one unless ParallelizationFactor is above 1).
        self._lanes = Lanes(settings.parallelization)
        #: The lanes' batches, read from the stream.
        self._batches = BatchReader(reader, self._lanes)
        #: Whether the mapping has taken its starting position (when first enabled).
        self._started = False
        #: Invocations whose batch is to be invoked again whole (a retry): ``drain``'s guard.
        self._retries = 0
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

    @property
    def expired(self) -> list[MappedRecord]:
        """Records retention trimmed before the mapping read them, by shard, in order."""
        return self._batches.expired

    @property
    def filtered(self) -> list[MappedRecord]:
        """Records FilterCriteria kept from the handler, by shard, in order."""
        return self._batches.filtered

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
        if not self._polling(reached(self.clock.now(), self.clock)):
            return
        limit = self._retries + DRAIN_LIMIT
        while True:
            due = self._step()
            if due is None:
                return
            if self._retries >= limit:
                raise UsageError(
                    f"drain() invoked failing batches {DRAIN_LIMIT} times without catching up: "
                    "it keeps failing and the mapping retries until the records expire. "
                    "Set MaximumRetryAttempts or MaximumRecordAgeInSeconds, or fix the handler."
                )
            now = self.clock.now()
            if not self.settings.enabled and self.polls_until and due >= self.polls_until:
                return  # Disabled by then: what falls due later waits for enabling
            if due > reached(now, self.clock):
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
        """Invoke the lane's batch if it is due; return when its next one falls due. What
        fell due by the latest time the clock showed is due, though a time freezer moved
        the clock back since."""
        now = reached(self.clock.now(), self.clock)
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
            fresh = self._batches.next_batch(shard_id, state, self.settings, self.started_at)
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

    # ------------------------------------------------------------------ invoking

    def _attempt(self, shard_id: str, state: Lane, batch: Batch) -> None:
        """Invoke ``batch`` once (after discarding what aged out) and act on the result."""
        self._batches.drop_trimmed(shard_id, batch)
        drop_aged(batch, self.settings, self.clock, self._give_up)
        if not batch.records and not batch.final:
            state.done(batch)
            return
        invocation = self._invoke(shard_id, batch, state.window)
        state.invoked_until = self.clock.now()
        batch.invocations += 1
        after_invocation(invocation, state, batch, self.settings, self.clock, self._give_up)
        if any(held is batch for held in state.batches):
            self._retries += 1  # neither done nor split nor resumed: invoked again whole

    def _invoke(self, shard_id: str, batch: Batch, window: Window | None) -> Invocation:
        source = self.reader.source
        text: str | None = None
        if window is not None:
            event = kinesis_event(batch.records, source)
            event.update(window.event_fields(shard_id, source.stream_arn, final=batch.final))
        else:
            event, text = batch_event(batch, source)
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
