"""How a Kinesis event source mapping reads its stream into batches: what it reads of the
stream (:class:`StreamReader`), and each lane's next batch of new records, with the records
retention trimmed and those FilterCriteria kept back set aside.

Facts (docs/fidelity.md, "Lambda and Kinesis"): a batch holds one shard's records in order
(DOC, with-kinesis), no more than BatchSize and the 6 MB payload limit allow. Records that
retention trims before the mapping reads them are never delivered (DOC: "retried until the
record expires"). Records FilterCriteria keeps back are skipped as processed, and only the
records it lets through fill a batch (DOC, "Lambda event filtering").

A lane's batching window opens as soon as its previous invocation ends (DOC, "Batching
behavior": "the next batching window begins as soon as the previous function invocation
completes"), or when the mapping starts (or is enabled again) before its first: records that
arrive after the window closed are invoked at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from itertools import islice
from typing import Protocol

from pytest_firehose._lambda.kinesis_events import EventSource, event_record
from pytest_firehose._lambda.lanes import Batch, Lane, Lanes, MappedRecord, ShardView, lane_of
from pytest_firehose._lambda.mapping_settings import MappingSettings

#: A synchronous invocation's request payload limit (DOC, Lambda quotas: 6 MB): an event
#: must be smaller (REAL: Lambda refuses a larger request with "Request must be smaller
#: than 6291456 bytes for the InvokeFunction operation").
MAX_EVENT_BYTES = 6 * 1024 * 1024


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


class BatchReader:
    """A mapping's batches, read from its stream lane by lane: ``expired`` lists the records
    retention trimmed before the mapping read them, ``filtered`` those FilterCriteria kept
    from the handler, each by shard, in order."""

    def __init__(self, reader: StreamReader, lanes: Lanes) -> None:
        self.reader = reader
        self._lanes = lanes
        #: Records retention trimmed before the mapping read them, by shard, in order.
        self.expired: list[MappedRecord] = []
        #: Records FilterCriteria kept from the handler, by shard, in order.
        self.filtered: list[MappedRecord] = []
        #: With ``AT_TIMESTAMP``, each shard's starting position once found: the sequence
        #: index of its first record stamped at or after the timestamp. Found once, so that
        #: a record after it stamped earlier (frozen time moved back) is not passed over.
        self._starts: dict[str, int] = {}

    def next_batch(
        self, shard_id: str, state: Lane, settings: MappingSettings, started_at: datetime
    ) -> Batch | None:
        """The next batch of new records, due now or when its batching window closes: the
        window opens when the lane's last invocation ended, or at ``started_at`` (when the
        mapping was created or enabled) if that is later.

        The lane keeps the records past its checkpoint that the filters let through
        (``Lane.pending``), judging each new record once, and reads the shard only past
        what it has judged: a batch costs what it holds (what the filters hold back and
        other lanes' records are judged once each), not what waits behind it."""
        until = self._lanes.until(shard_id)
        factor = self._lanes.factor(shard_id)
        state.pass_checkpoint()
        judged_by = (settings.filters, factor)
        if state.judged_by != judged_by:
            self._judge_again(shard_id, state, factor, settings)
            state.judged_by = judged_by
        read_from = max(state.checkpoint, state.judged)
        trims = (self.reader.trimmed(), until)
        start = settings.starting_timestamp
        if state.trims_seen != trims:
            self._take_trimmed(shard_id, state, factor, until, start)
            state.trims_seen = trims
        fresh = _upto(self.reader.read(shard_id, read_from), until)
        if fresh:
            before = self._before_start(shard_id, fresh, start)
            if before:
                state.checkpoint = max(state.checkpoint, fresh[before - 1].sequence_index)
                fresh = fresh[before:]
        if fresh:
            state.keep(self._admitted(state, fresh, factor, settings))
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
        length = settings.tumbling_window if factor == 1 else None
        # One record more than a batch takes tells whether the batch holds every record.
        most = settings.batch_size + 1
        if length is not None and held:
            chosen = state.in_window(held, length, most)
        else:
            chosen = list(islice(held, most))
        if not chosen:
            return None
        records = self._cut(chosen, settings)
        due = None
        if len(records) == len(chosen) and len(records) < settings.batch_size:
            opened = started_at
            if state.invoked_until is not None and state.invoked_until > opened:
                opened = state.invoked_until
            due = opened + settings.batching_window
        return Batch(records, due=due)

    def _before_start(
        self, shard_id: str, records: list[MappedRecord], start: datetime | None
    ) -> int:
        """How many of ``records`` (the shard's, in order) come before the mapping's
        ``AT_TIMESTAMP`` starting position (``start``; ``None``: another position, which
        the checkpoint already is). The position is the shard's first record stamped at
        or after ``start``, found once, so that a record after it stamped earlier (frozen
        time moved back) is read; until it is found, every record comes before it."""
        if start is None:
            return 0
        first = self._starts.get(shard_id)
        if first is None:
            found = next((record for record in records if record.arrived_at >= start), None)
            if found is None:
                return len(records)
            first = self._starts[shard_id] = found.sequence_index
        before = 0
        while before < len(records) and records[before].sequence_index < first:
            before += 1
        return before

    def _take_trimmed(
        self, shard_id: str, state: Lane, factor: int, until: int | None, start: datetime | None
    ) -> None:
        """Records retention trimmed past the lane's checkpoint are never delivered: the
        lane's own are listed as expired (not those before the starting position, which
        the mapping never reads), and the checkpoint moves past them all."""
        trimmed = _upto(self.reader.trimmed_after(shard_id, state.checkpoint), until)
        if trimmed:
            self.expired.extend(
                record
                for record in trimmed[self._before_start(shard_id, trimmed, start) :]
                if lane_of(record, factor) == state.lane
            )
            state.checkpoint = max(state.checkpoint, trimmed[-1].sequence_index)
        if state.pending:
            still = self.reader.serves(
                shard_id, [record.sequence_index for record in state.pending]
            )
            kept = [record for record in state.pending if record.sequence_index in still]
            if len(kept) != len(state.pending):
                state.pending.clear()
                state.keep(kept)

    def _judge_again(
        self, shard_id: str, state: Lane, factor: int, settings: MappingSettings
    ) -> None:
        """Judge again, under new filters (or lanes), the records the lane judged past its
        checkpoint. ``filtered`` follows the new verdicts: a record let through before and
        kept back now joins it (in its place among the shard's), one kept back before and
        let through now leaves it."""
        let_through = {record.sequence_index for record in state.pending}
        state.pending.clear()
        if state.judged <= state.checkpoint:
            return
        again = _of_lane(
            state, _upto(self.reader.read(shard_id, state.checkpoint), state.judged), factor
        )
        filters = settings.filters
        admitted = (
            again if filters is None else [record for record in again if filters.admits(record)]
        )
        now = {record.sequence_index for record in admitted}
        released = now - let_through
        listed = self.filtered
        if released:
            listed[:] = [
                record
                for record in listed
                if record.shard_id != shard_id or record.sequence_index not in released
            ]
        for record in again:
            index = record.sequence_index
            if index in let_through and index not in now:
                later = (
                    at
                    for at, other in enumerate(listed)
                    if other.shard_id == shard_id and other.sequence_index > index
                )
                listed.insert(next(later, len(listed)), record)
        state.keep(admitted)

    def _admitted(
        self, state: Lane, held: list[MappedRecord], factor: int, settings: MappingSettings
    ) -> list[MappedRecord]:
        """The lane's records among ``held``, read for the first time, that FilterCriteria
        lets through. Those it keeps back count as processed (as other lanes' records do
        for this lane) and are listed on ``filtered``."""
        held = _of_lane(state, held, factor)
        filters = settings.filters
        if filters is None:
            return held
        admitted = []
        for record in held:
            if filters.admits(record):
                admitted.append(record)
            else:
                self.filtered.append(record)
        return admitted

    def _cut(self, held: list[MappedRecord], settings: MappingSettings) -> list[MappedRecord]:
        """As many records as BatchSize and the payload limit allow (at least one), in an
        event smaller than ``MAX_EVENT_BYTES``."""
        # The event's text as ``json.dumps`` writes it: ``{"Records": [r1, r2]}``.
        size = len('{"Records": []}') - len(", ")
        taken: list[MappedRecord] = []
        for record in held[: settings.batch_size]:
            size += len(", ") + len(json.dumps(event_record(record, self.reader.source)))
            if taken and size >= MAX_EVENT_BYTES:
                break
            taken.append(record)
        return taken

    def drop_trimmed(self, shard_id: str, batch: Batch) -> None:
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


def _of_lane(state: Lane, records: list[MappedRecord], factor: int) -> list[MappedRecord]:
    """The lane's own among ``records`` (all of them when the shard runs one lane)."""
    if factor == 1:
        return records
    return [record for record in records if lane_of(record, factor) == state.lane]


def _upto(records: list[MappedRecord], last: int | None) -> list[MappedRecord]:
    """The records up to sequence index ``last`` (all of them if ``None``)."""
    if last is None or not records or records[-1].sequence_index <= last:
        return records
    return [record for record in records if record.sequence_index <= last]
