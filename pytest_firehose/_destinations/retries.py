"""The batches of one delivery stream that wait for a retry, ordered for the clock.

They sit in two heaps, one by due time and one by their oldest record's arrival (for
expiry), so that moving the clock costs O(events x log n) however many batches wait.
Entries of a batch that left are skipped when they reach the top.
"""

from __future__ import annotations

import heapq
import itertools
import operator
from collections.abc import Callable
from datetime import datetime

from pytest_firehose._destinations.base import Accepted, Batch

_ARRIVAL: Callable[[Accepted], datetime] = operator.itemgetter(2)


def oldest_arrival(records: list[Accepted]) -> datetime:
    return min(map(_ARRIVAL, records))


class RetryQueue:
    """Batches waiting for a retry, by the order they started waiting (their key in the
    heaps): the order of ``batches()``, and of retries due at the same instant."""

    def __init__(self) -> None:
        self._waiting: dict[int, Batch] = {}
        self._order = itertools.count()
        #: (due time, key) and (oldest arrival, key) of waiting batches; an entry whose key
        #: left ``_waiting``, or whose arrival is no longer its batch's oldest, is stale.
        self._due: list[tuple[datetime, int]] = []
        self._ages: list[tuple[datetime, int]] = []
        self._oldest: dict[int, datetime] = {}

    def __len__(self) -> int:
        """How many batches wait."""
        return len(self._waiting)

    def batches(self) -> list[Batch]:
        return list(self._waiting.values())

    def add(self, batch: Batch) -> None:
        """Put ``batch`` among those waiting (its ``due`` set)."""
        assert batch.due is not None, "a batch waiting for a retry has a due time"
        key = next(self._order)
        self._waiting[key] = batch
        heapq.heappush(self._due, (batch.due, key))
        self._age(key, oldest_arrival(batch.records))

    def take_all(self) -> list[Batch]:
        """Every waiting batch, in order; none waits any more."""
        waiting = self.batches()
        self._waiting.clear()
        self._oldest.clear()
        self._due.clear()
        self._ages.clear()
        return waiting

    def next_due(self) -> datetime | None:
        """When the next retry is due (None when no batch waits)."""
        top = self._top_due()
        return top[0] if top is not None else None

    def pop_due(self) -> Batch:
        """The batch whose retry is due next, no longer waiting."""
        top = self._top_due()
        assert top is not None, "pop_due with no batch waiting"
        heapq.heappop(self._due)
        return self._leave(top[1])

    def oldest(self) -> datetime | None:
        """The arrival of the oldest record of any waiting batch."""
        top = self._top_age()
        return top[0] if top is not None else None

    def expire(self, cutoff: datetime) -> list[Accepted]:
        """Take out every record that arrived at or before ``cutoff``, batch by batch in
        waiting order; a batch left empty no longer waits."""
        touched = []
        while (top := self._top_age()) is not None and top[0] <= cutoff:
            heapq.heappop(self._ages)
            touched.append(top[1])
        expired: list[Accepted] = []
        for key in sorted(touched):
            batch = self._waiting[key]
            expired.extend(r for r in batch.records if r[2] <= cutoff)
            batch.records = [r for r in batch.records if r[2] > cutoff]
            if batch.records:
                self._age(key, oldest_arrival(batch.records))
            else:
                self._leave(key)
        return expired

    def _age(self, key: int, oldest: datetime) -> None:
        self._oldest[key] = oldest
        heapq.heappush(self._ages, (oldest, key))

    def _leave(self, key: int) -> Batch:
        del self._oldest[key]
        return self._waiting.pop(key)

    def _top_due(self) -> tuple[datetime, int] | None:
        due = self._due
        while due and due[0][1] not in self._waiting:
            heapq.heappop(due)
        return due[0] if due else None

    def _top_age(self) -> tuple[datetime, int] | None:
        ages = self._ages
        while ages and self._oldest.get(ages[0][1]) != ages[0][0]:
            heapq.heappop(ages)
        return ages[0] if ages else None
