"""A stream's shards as a Kinesis event source mapping reads them: each shard's lanes, each
with its checkpoint, its batches in flight and its open tumbling window, and the change of
a shard's lanes when ParallelizationFactor changes.

Facts (docs/fidelity.md, "Lambda and Kinesis"): with ParallelizationFactor above 1 a
shard's records go to lanes by partition key, each lane with one batch in flight and its
own checkpoint, so a key's records stay in order (DOC). ParallelizationFactor may be
changed by an update (DOC: the developer guide's update-event-source-mapping examples).

Choice (INFERRED): a new ParallelizationFactor takes over a shard once its lanes have
finished the batches they had in flight and read as far as its furthest lane had read when
the change came, so each record is handed over once, and each key's records in order.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pytest_firehose._lambda.kinesis_events import StreamRecord
from pytest_firehose._lambda.windows import Window, window_start


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


@dataclass
class Batch:
    """Records of one lane handed to the handler together, until they are done with."""

    records: list[MappedRecord]
    invocations: int = 0
    due: datetime | None = None
    #: The sequence index the shard's checkpoint reaches when the batch is done, even
    #: when its records left it (aged out, trimmed).
    last_index: int = 0
    #: The last invocation of a tumbling window: no records, the window's final state.
    final: bool = False
    #: How many records the stream had trimmed when the batch's records were last found
    #: still served (``None``: not looked yet): while the count stays, they still are.
    held_at_trim: int | None = field(default=None, repr=False, compare=False)
    #: The event last sent for the batch, as built and as its JSON text, with the records
    #: and the source it was made of: a retry of the same records from the same source
    #: sends it again instead of building it anew.
    sent: tuple[list[MappedRecord], object, dict[str, Any], str] | None = field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.records and not self.last_index:
            self.last_index = self.records[-1].sequence_index


@dataclass
class Lane:
    """One of a shard's ParallelizationFactor lanes, as far as the mapping has read it."""

    checkpoint: int = 0
    batches: list[Batch] = field(default_factory=list)
    #: The highest sequence index the filters have judged (new filters judge again the
    #: records past the checkpoint, and ``filtered`` follows their verdicts).
    judged: int = 0
    #: The open tumbling window (``None``: none, or no windows).
    window: Window | None = None
    #: Which of the shard's lanes this is.
    lane: int = 0
    #: The records past the checkpoint, up to ``judged``, that the shard still serves and
    #: FilterCriteria lets through, oldest first: the next batch is cut from their front,
    #: so that a batch is read without reading again what waits behind it.
    pending: deque[MappedRecord] = field(default_factory=deque, repr=False)
    #: What ``pending`` was judged under: the filters and the shard's lane count.
    judged_by: tuple[object, int] | None = field(default=None, repr=False)
    #: How many records the stream had trimmed, and the lane's read limit, when the
    #: lane last took the trimmed records past its checkpoint (``None``: never).
    trims_seen: tuple[int, int | None] | None = field(default=None, repr=False)
    #: When the lane's last invocation ended (``None``: it has made none): its next
    #: batching window opens then.
    invoked_until: datetime | None = None

    def keep(self, records: Iterable[MappedRecord]) -> None:
        """Add records the filters let through to ``pending``, in order."""
        self.pending.extend(records)

    def pass_checkpoint(self) -> None:
        """Drop what the checkpoint has passed from the front of ``pending``."""
        pending, checkpoint = self.pending, self.checkpoint
        while pending and pending[0].sequence_index <= checkpoint:
            pending.popleft()

    def window_end(self, held: Sequence[MappedRecord]) -> Batch | None:
        """The open window's final invocation, once the window has ended."""
        if self.window is None or not self.window.ended_by(held):
            return None
        return Batch([], due=self.window.final_due(held), last_index=self.checkpoint, final=True)

    def in_window(
        self, held: Iterable[MappedRecord], length: timedelta, most: int
    ) -> list[MappedRecord]:
        """The first ``most`` records of the open window (the first record opens it). A
        batch never spans two windows nor passes over a record: the first record of a later
        window ends it. (A record stamped before one ahead of it, frozen time having been
        moved back, joins the window open when the lane reaches it.)"""
        taken: list[MappedRecord] = []
        for record in held:
            if self.window is None:
                self.window = Window(window_start(record.arrived_at, length), length)
            if record.arrived_at >= self.window.end:
                break
            taken.append(record)
            if len(taken) == most:
                break
        return taken

    def done(self, batch: Batch) -> None:
        """The batch is done with: the checkpoint moves past it."""
        self.checkpoint = max(self.checkpoint, batch.last_index)
        self.batches.remove(batch)
        if batch.final:
            self.window = None  # DOC: the state is dropped after the final invocation

    def bisect(self, batch: Batch) -> None:
        """Split the batch in two halves, to be invoked in turn."""
        middle = (len(batch.records) + 1) // 2
        # The second half ends where the batch did, past records that left it.
        halves = [
            Batch(batch.records[:middle]),
            Batch(batch.records[middle:], last_index=batch.last_index),
        ]
        position = self.batches.index(batch)
        self.batches[position : position + 1] = halves

    def resume(self, batch: Batch, retry_from: int, due: datetime) -> None:
        """Checkpoint the batch's first ``retry_from`` records, and retry the rest at ``due``
        as a new batch."""
        self.checkpoint = max(self.checkpoint, batch.records[retry_from - 1].sequence_index)
        position = self.batches.index(batch)
        rest = Batch(batch.records[retry_from:], due=due, last_index=batch.last_index)
        self.batches[position] = rest


@dataclass(frozen=True)
class _Relaning:
    """A shard whose lanes are changing to a new ParallelizationFactor: they still run
    under ``factor`` and read no record past sequence index ``until``."""

    factor: int
    until: int


def lane_of(record: MappedRecord, factor: int) -> int:
    """The lane a record's partition key goes to among ``factor``: a key's records stay in
    order."""
    if factor == 1:
        return 0
    digest = hashlib.md5((record.partition_key or "").encode(), usedforsecurity=False)
    return int(digest.hexdigest(), 16) % factor


class Lanes:
    """Every lane the mapping has read, by shard, under its ParallelizationFactor."""

    def __init__(self, factor: int) -> None:
        self._factor = factor
        self._lanes: dict[tuple[str, int], Lane] = {}
        #: The shards whose lanes have yet to take a changed ParallelizationFactor.
        self._relaning: dict[str, _Relaning] = {}

    def __iter__(self) -> Iterator[Lane]:
        return iter(self._lanes.values())

    def start_at_end(self, views: Iterable[ShardView]) -> None:
        """Put each shard's lanes at its last record (the LATEST starting position)."""
        for view in views:
            for lane in range(self._factor):
                self._lanes[view.shard_id, lane] = Lane(checkpoint=view.last_index, lane=lane)

    def lane(self, shard_id: str, lane: int) -> Lane:
        """The shard's lane, from the shard's start if it has not been read yet."""
        return self._lanes.setdefault((shard_id, lane), Lane(lane=lane))

    def factor(self, shard_id: str) -> int:
        """How many lanes the shard runs now."""
        held = self._relaning.get(shard_id)
        return self._factor if held is None else held.factor

    def until(self, shard_id: str) -> int | None:
        """The sequence index the shard's lanes read no further than, while they change to
        a new ParallelizationFactor (``None``: they are not changing)."""
        held = self._relaning.get(shard_id)
        return None if held is None else held.until

    def retune(self, factor: int) -> None:
        """Take a new ParallelizationFactor: keep each shard's lanes as they are until they
        have read as far as the furthest of them had (and judged the filters that far), so
        that no record is handed to two lanes and a key's records stay in order across the
        change (:meth:`relane` hands the shard over)."""
        if factor == self._factor:
            return
        reached: dict[str, int] = {}
        for (shard_id, _), state in self._lanes.items():
            reached[shard_id] = max(state.checkpoint, state.judged, reached.get(shard_id, 0))
        for shard_id, until in reached.items():
            held = self._relaning.get(shard_id)
            until = until if held is None else max(until, held.until)
            self._relaning[shard_id] = _Relaning(self.factor(shard_id), until)
        self._factor = factor

    def relane(self, shard_id: str) -> bool:
        """Give the shard the current ParallelizationFactor's lanes, if its old lanes are
        done: each reached the sequence index the change found the furthest at, with no
        batch in flight and no window open. The new lanes start there."""
        held = self._relaning.get(shard_id)
        if held is None:
            return False
        for lane in range(held.factor):
            state = self._lanes.get((shard_id, lane))
            if state is None or state.batches or state.window is not None:
                return False
            if state.checkpoint < held.until:
                return False
        ended = [self._lanes.pop((shard_id, lane)).invoked_until for lane in range(held.factor)]
        invoked_until = max((moment for moment in ended if moment is not None), default=None)
        for lane in range(self._factor):
            self._lanes[shard_id, lane] = Lane(
                checkpoint=held.until, judged=held.until, lane=lane, invoked_until=invoked_until
            )
        del self._relaning[shard_id]
        return True

    def finished(self, view: ShardView) -> bool:
        """Whether the shard is closed and each of its lanes has read it to its end."""
        return view.closed and all(
            self._lane_finished(view, lane) for lane in range(self.factor(view.shard_id))
        )

    def _lane_finished(self, view: ShardView, lane: int) -> bool:
        state = self._lanes.get((view.shard_id, lane))
        if state is None:
            return view.last_index == 0
        return not state.batches and state.checkpoint >= view.last_index
