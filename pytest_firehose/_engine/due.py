"""When each stream of a world next has something to do on the fake clock, in a heap by that
instant: a clock move pops only the streams that fell due, whatever number of others wait.

A stream is keyed by its service model and name. After a stream settles, the world asks
the model for its next due instant (``next_due``) and schedules it again; an entry that no
longer matches its stream's scheduled instant is stale and skipped when it reaches the top.
"""

from __future__ import annotations

import heapq
import itertools
from datetime import datetime

from pytest_firehose._engine.exchange import ServiceModel

#: (due instant, order of scheduling, model, stream name).
_Entry = tuple[datetime, int, ServiceModel, str]


class DueQueue:
    """The streams of one world by the instant each next falls due."""

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        #: (id of the model, stream name) -> the instant the stream is scheduled at.
        self._scheduled: dict[tuple[int, str], datetime] = {}
        self._order = itertools.count()

    def __len__(self) -> int:
        """How many streams are scheduled."""
        return len(self._scheduled)

    def schedule(self, model: ServiceModel, name: str) -> None:
        """Ask ``model`` when stream ``name`` next falls due, and schedule it then (or not
        at all: nothing of it waits for the clock, or it is gone)."""
        when = model.next_due(name)
        key = (id(model), name)
        if when is None:
            self._scheduled.pop(key, None)
            return
        if self._scheduled.get(key) == when:
            return
        self._scheduled[key] = when
        heapq.heappush(self._heap, (when, next(self._order), model, name))
        if len(self._heap) > 64 and len(self._heap) > 2 * len(self._scheduled):
            self._compact()

    def pop_due(self, now: datetime) -> list[tuple[ServiceModel, str]]:
        """The streams due at or before ``now``, by due instant; none is scheduled any more."""
        heap, scheduled = self._heap, self._scheduled
        due: list[tuple[ServiceModel, str]] = []
        while heap and heap[0][0] <= now:
            when, _, model, name = heapq.heappop(heap)
            key = (id(model), name)
            if scheduled.get(key) == when:
                del scheduled[key]
                due.append((model, name))
        return due

    def first(self) -> datetime | None:
        """The instant the first stream falls due (None: none is scheduled)."""
        heap, scheduled = self._heap, self._scheduled
        while heap:
            when, _, model, name = heap[0]
            if scheduled.get((id(model), name)) == when:
                return when
            heapq.heappop(heap)
        return None

    def first_after(self, now: datetime) -> datetime | None:
        """The first instant after ``now`` a stream is scheduled at (None: none is)."""
        return min((when for when in self._scheduled.values() if when > now), default=None)

    def _compact(self) -> None:
        """Drop the stale entries (streams scheduled again since, or no longer)."""
        scheduled = self._scheduled
        self._heap = [
            entry for entry in self._heap if scheduled.get((id(entry[2]), entry[3])) == entry[0]
        ]
        heapq.heapify(self._heap)
