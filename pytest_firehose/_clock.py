"""The fake clock: time in the fake world moves only when a test or botocore's backoff says so."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class FakeClock:
    """A clock that starts at the real time it was made and moves only when told.

    ``advance()`` takes a :class:`~datetime.timedelta` or keyword units
    (``advance(hours=24, seconds=1)``); ``sleep(seconds)`` is the same move, named for the
    callers that would otherwise really sleep. ``elapsed`` is how far it has moved.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime.now(timezone.utc)
        elif start.tzinfo is None:
            raise ValueError(
                "FakeClock(start=...) needs a timezone-aware datetime, e.g. tzinfo=UTC"
            )
        self._start = start.astimezone(timezone.utc)
        self._offset = timedelta(0)
        self._lock = threading.Lock()
        #: Every wait that passed fake time instead of real time (botocore's backoff), in
        #: seconds, in order.
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        """The fake time now, timezone-aware UTC."""
        return self._start + self._offset

    def time(self) -> float:
        """The fake time now as seconds since the epoch, like ``time.time()``."""
        return self.now().timestamp()

    @property
    def elapsed(self) -> timedelta:
        """How far the clock has moved since it started."""
        return self._offset

    def advance(self, delta: timedelta | float | None = None, **units: float) -> datetime:
        """Move the clock forward by ``delta`` (a timedelta or seconds) or by keyword units.

        ``units`` are those of :class:`datetime.timedelta` (``days``, ``hours``, ``minutes``,
        ``seconds``, ``milliseconds``...). Returns the new time.
        """
        if delta is None:
            step = timedelta(**units)
        elif units:
            raise TypeError("advance() takes a timedelta or keyword units, not both")
        elif isinstance(delta, timedelta):
            step = delta
        else:
            step = timedelta(seconds=float(delta))
        if step < timedelta(0):
            raise ValueError(f"the fake clock only moves forward; advance({step!r}) goes back")
        with self._lock:
            self._offset += step
            return self._start + self._offset

    def sleep(self, seconds: float) -> None:
        """Pass ``seconds`` of fake time instead of sleeping; recorded in ``sleeps``."""
        if seconds > 0:
            step = timedelta(seconds=seconds)  # the clock's resolution is a microsecond
            self.advance(step)
            with self._lock:
                self.sleeps.append(step.total_seconds())

    @property
    def slept(self) -> float:
        """Total seconds of fake time passed by :meth:`sleep` (botocore's backoff)."""
        with self._lock:
            return sum(self.sleeps)

    def __repr__(self) -> str:
        return f"<FakeClock {self.now().isoformat()} (+{self.elapsed})>"
