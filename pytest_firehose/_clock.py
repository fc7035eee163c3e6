"""The fake clock: time in the fake world moves only when a test or botocore's backoff says so.

When a test freezes time with freezegun (``freeze_time``, pytest-freezer's ``freezer``) or
time-machine, the clock reads that frozen time instead and ``advance()`` moves it, so the
code under test and the fake agree on what time it is. Frozen-time mode starts a freeze of
its own (``_carry_on``): it goes on from where a freeze started over it left.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import math
import numbers
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, cast

#: The latest time the clock may show: far short of what ``datetime`` holds (year 9999), so
#: every date the fake derives from "now" (retention, expiry, due times) still fits.
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MILLISECOND = timedelta(milliseconds=1)


def epoch_millis(moment: datetime) -> int:
    """``moment`` in whole epoch milliseconds, the finer part dropped: how AWS writes a time
    (Kinesis's CBOR carries epoch milliseconds; its JSON answers and Lambda's events show
    three decimals), so that a time read back is never after the instant it stands for."""
    return (moment - _EPOCH) // _MILLISECOND


def epoch_seconds(moment: datetime) -> float:
    """``moment`` in epoch seconds to the millisecond (:func:`epoch_millis`), as a JSON
    answer, an event stream's JSON and a Lambda event's ``approximateArrivalTimestamp``
    write a time."""
    return epoch_millis(moment) / 1000


class ClockRangeError(ValueError):
    """A move the fake clock refuses: backwards, not a finite number, in no unit
    ``timedelta`` has, or past the year 9000. The clock stays where it was; the message says
    what to pass instead. A failed test's traceback ends at the line that asked for it."""

    # Named as tests import it, in tracebacks too.
    __module__ = "pytest_firehose"


#: The keyword units of ``timedelta``, which ``advance`` takes.
_UNITS = ("weeks", "days", "hours", "minutes", "seconds", "milliseconds", "microseconds")


def _step(delta: object, units: Mapping[str, object], call: str = "advance") -> timedelta:
    """The move ``advance`` (or ``sleep``) was asked for, as a timedelta; ClockRangeError if
    it is none."""
    if delta is None:
        if not units:
            raise ClockRangeError(
                f"{call}() was given no move; pass a timedelta, a number of seconds, or "
                f"keyword units such as {call}(minutes=5)"
            )
        amounts: dict[str, float] = {}
        for unit, value in units.items():
            if not _is_number(value) or not _finite(value):
                raise ClockRangeError(
                    f"{call}({unit}={value!r}): each unit of the move is a finite number"
                )
            amounts[unit] = value if isinstance(value, int) else float(cast("float", value))
        try:
            return timedelta(**amounts)
        except OverflowError:
            given = ", ".join(f"{unit}={value!r}" for unit, value in units.items())
            raise ClockRangeError(f"{call}({given}) is too far for the fake clock") from None
        except TypeError:  # a unit timedelta does not have
            wrong = [unit for unit in units if unit not in _UNITS]
            close = difflib.get_close_matches(wrong[0], _UNITS, n=1)
            hint = f"; did you mean {call}({close[0]}=...)?" if close else ""
            raise ClockRangeError(
                f"{call}() takes timedelta's units ({', '.join(_UNITS)}), not "
                f"{', '.join(wrong)}{hint}"
            ) from None
    if units:
        raise ClockRangeError(f"{call}() takes a timedelta or keyword units, not both")
    return _amount(delta, call)


def seconds_step(value: object) -> timedelta | None:
    """``value`` (a timedelta, or a finite number of seconds that a timedelta holds) as a
    timedelta; None when it is neither."""
    if isinstance(value, timedelta):
        return value
    if _is_number(value):
        try:
            seconds = float(cast("float", value))
        except OverflowError:  # an int past any double
            return None
        if math.isfinite(seconds):
            with contextlib.suppress(OverflowError):
                return timedelta(seconds=seconds)
    return None


def _amount(delta: object, call: str) -> timedelta:
    """``delta`` (a timedelta or seconds) as a timedelta; ClockRangeError if it is neither, or
    not a finite number."""
    step = seconds_step(delta)
    if step is None:
        raise ClockRangeError(
            f"{call}() takes a timedelta or a finite number of seconds, got {delta!r}"
        )
    return step


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _finite(value: object) -> bool:
    try:
        return math.isfinite(cast("float", value))
    except OverflowError:  # an int past any double: finite, and too far for the clock
        return True


class _Freezegun:
    def __init__(self, factory: Any) -> None:
        self._factory = factory

    def now(self) -> datetime:
        frozen: datetime = self._factory()  # naive, in UTC
        return frozen.replace(tzinfo=timezone.utc)

    def shift(self, step: timedelta) -> None:
        tick = getattr(self._factory, "tick", None)
        if tick is not None:
            tick(step)
        else:  # a ticking freeze before freezegun 1.5 has no tick(): move its start
            self._factory.time_to_freeze += step

    def runs(self, factory: object) -> bool:
        """Whether this is ``factory``'s freeze."""
        return self._factory is factory

    def move_to(self, when: datetime) -> None:
        move = getattr(self._factory, "move_to", None)
        if move is not None:
            move(when)
        else:  # a ticking freeze before freezegun 1.5, as in shift()
            self.shift(when - self.now())


class _TimeMachine:
    def __init__(self, traveller: Any) -> None:
        self._traveller = traveller

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._traveller.time_ns() / 1e9, timezone.utc)

    def shift(self, step: timedelta) -> None:
        self._traveller.shift(step)

    def runs(self, factory: object) -> bool:
        return False  # only a freezegun freeze goes on from where another left

    def move_to(self, when: datetime) -> None:
        self.shift(when - self.now())


def frozen_time_active() -> bool:
    """Whether freezegun or time-machine has frozen time now."""
    return _frozen_time() is not None


#: The modules ``_frozen_time`` looks in: without them, time is not frozen.
_FREEZEGUN, _TIME_MACHINE = "freezegun.api", "time_machine"


def _frozen_time() -> _Freezegun | _TimeMachine | None:
    """The time freezer a test has active, if any (only libraries already imported)."""
    freezegun = sys.modules.get(_FREEZEGUN)
    factories = getattr(freezegun, "freeze_factories", None)
    if factories:
        return _Freezegun(factories[-1])
    time_machine = sys.modules.get(_TIME_MACHINE)
    # ``traveller_stack`` since time-machine 3, ``coordinates_stack`` before.
    travellers = getattr(time_machine, "traveller_stack", None) or getattr(
        time_machine, "coordinates_stack", None
    )
    if travellers and hasattr(travellers[-1], "time_ns"):
        return _TimeMachine(travellers[-1])
    return None


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _guarded(method: _Method) -> _Method:
    """Run a clock method while holding every guard the clock was given (``_on_advance``)."""

    @functools.wraps(method)
    def guarded(clock: FakeClock, *args: Any, **kwargs: Any) -> Any:
        with contextlib.ExitStack() as held:
            for guard in clock._guards:
                held.enter_context(guard)
            return method(clock, *args, **kwargs)

    return cast("_Method", guarded)


def reached(now: datetime, clock: FakeClock | None) -> datetime:
    """The instant to judge whether something scheduled has happened by ``now``: ``now``,
    or the latest time ``clock`` showed once a time freezer moved it back (what fell due
    by then has happened)."""
    if clock is None:
        return now
    lived = clock._lived()
    return lived if lived > now else now


class FakeClock:
    """A clock that starts at the real time it was made and moves only when told.

    ``advance()`` takes a :class:`~datetime.timedelta` or keyword units
    (``advance(hours=24, seconds=1)``); ``sleep(seconds)`` is the same move, named for the
    callers that would otherwise really sleep. ``elapsed`` is how far it has been moved.
    While freezegun or time-machine has frozen time, the clock reads and moves theirs;
    when the freeze ends, it goes on from the time the freeze left.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime.now(timezone.utc)
        elif not isinstance(start, datetime) or start.tzinfo is None:
            raise ValueError(
                "FakeClock(start=...) needs a timezone-aware datetime, e.g. tzinfo=UTC, "
                f"not {start!r}"
            )
        given = start
        try:
            start = start.astimezone(timezone.utc)
        except OverflowError:  # an aware datetime at the edge of what datetime holds
            start = LATEST
        if not _EPOCH <= start < LATEST:
            # AWS's timestamps count seconds from 1970, and the clock never moves past
            # LATEST: a clock there could not be advanced.
            raise ValueError(
                f"FakeClock(start=...) is a time from 1970 to {LATEST.year}, as AWS's "
                f"timestamps and the fake clock's dates go, not {given.isoformat()}"
            )
        #: The time now while no freezer runs: one object while the clock stands still
        #: (the call log and the accept log keep the time of every call and put, and share
        #: it), read without the lock (a new time is one assignment).
        self._now = start
        #: The latest time shown before a freezer moved the clock back (``_lived``).
        self._furthest = start
        self._moved = timedelta(0)
        #: The freezer last seen active: when its freeze ends, the clock goes on from
        #: the time it left (a stopped freezer still tells it).
        self._freezer: _Freezegun | _TimeMachine | None = None
        self._listeners: list[Callable[[], None]] = []
        #: When each listener next has work due (``_on_advance``): where a move stops.
        self._stops: list[Callable[[], datetime | None]] = []
        #: Locks held while the clock moves and its listeners run (the world's): whoever
        #: holds one sees time stand still, but for the moves it makes itself.
        self._guards: list[contextlib.AbstractContextManager[Any]] = []
        self._lock = threading.Lock()
        #: The freezegun factory of the frozen-time mode (``_carry_on``), if it runs one.
        self._carried: object | None = None
        #: Who passes the time of an ``advance`` (``_pace``): None, the clock itself.
        self._pacer: Callable[[timedelta], datetime | None] | None = None
        #: Every wait that passed fake time instead of real time (botocore's backoff), in
        #: seconds, in order.
        self.sleeps: list[float] = []

    def _freezer_now(self) -> _Freezegun | _TimeMachine | None:
        """The active freezer, if any; after a freeze ends, restart from its time.
        Called with the lock held."""
        frozen = _frozen_time()
        if frozen is not None:
            previous = self._freezer
            if previous is None and self._now > self._furthest:
                self._furthest = self._now  # a freeze may start earlier than this
            if (
                isinstance(frozen, _Freezegun)
                and frozen.runs(self._carried)
                and previous is not None
                and not previous.runs(self._carried)
            ):
                # A freeze started over the carried one has ended: go on from its time.
                frozen.move_to(previous.now())
            self._freezer = frozen
        elif self._freezer is not None:
            self._now = self._freezer.now()
            self._freezer = None
        return frozen

    def now(self) -> datetime:
        """The fake time now, timezone-aware UTC."""
        modules = sys.modules
        # Asked several times a request: look further only when a freezer was active, a
        # freezegun freeze is on, or time-machine is imported (which then says).
        if (
            self._freezer is not None
            or getattr(modules.get(_FREEZEGUN), "freeze_factories", None)
            or _TIME_MACHINE in modules
        ):
            with self._lock:
                frozen = self._freezer_now()
                if frozen is not None:
                    moment = frozen.now()
                    if moment > self._furthest:
                        self._furthest = moment
                    return moment
        return self._now

    def _lived(self) -> datetime:
        """The latest time the clock has shown: later than :meth:`now` once freezegun or
        time-machine moved it back. What fell due by then has happened (a status change
        stays made), though the clock reads earlier."""
        now = self.now()
        with self._lock:
            if now > self._furthest:
                self._furthest = now
            return self._furthest

    def time(self) -> float:
        """The fake time now as seconds since the epoch, like ``time.time()``."""
        return self.now().timestamp()

    @property
    def elapsed(self) -> timedelta:
        """How far the clock has been moved (by ``advance`` and ``sleep``)."""
        return self._moved

    def advance(self, delta: timedelta | float | None = None, **units: float) -> datetime:
        """Move the clock forward by ``delta`` (a timedelta or seconds) or by keyword units.

        ``units`` are those of :class:`datetime.timedelta` (``days``, ``hours``, ``minutes``,
        ``seconds``, ``milliseconds``...). Returns the new time. Raises
        :class:`ClockRangeError` (a ValueError) for a move backwards, one that is not a
        finite number, or one past :data:`LATEST`; the clock then stays where it was.

        The clock stops on its way at each instant something falls due (a buffer's
        interval, a retry, an expiry): what falls due while it moves happens at its own
        time, as if the clock had been moved there in steps. In frozen-time mode, a move
        the test's thread makes passes time as its ``time.sleep()`` does: it also stops
        where a thread sleeping in fake time wakes, and waits for its turn.
        """
        step = _step(delta, units)
        if step < timedelta(0):
            raise ClockRangeError(f"the fake clock only moves forward; advance({step!r}) goes back")
        pacer = self._pacer
        if pacer is not None:
            self._reach(step)
            paced = pacer(step)
            if paced is not None:
                return paced
        return self._move(step)

    def _reach(self, step: timedelta) -> datetime:
        """The time now; ClockRangeError if ``step`` would move the clock past
        :data:`LATEST`."""
        with self._lock:
            frozen = self._freezer_now()
            now = frozen.now() if frozen is not None else self._now
        if step > LATEST - now:
            raise ClockRangeError(
                f"advance({step!r}) would move the fake clock past {LATEST.isoformat()}, "
                "beyond the dates the fake can compute with; move it less far"
            )
        return now

    def _pace(self, pacer: Callable[[timedelta], datetime | None] | None) -> None:
        """Have ``advance`` hand its moves to ``pacer`` (frozen-time mode's sleepers), which
        passes the time itself, in ``_move`` steps, and returns the new time, or returns
        None to leave the move to the clock; ``None`` stops."""
        self._pacer = pacer

    @_guarded
    def _move(self, step: timedelta) -> datetime:
        """Move the clock forward by ``step`` (a timedelta, not negative) as ``advance``
        does, stopping where the listeners have work due, but never handed to a pacer:
        for the callers that pass the time themselves (``sleep``, frozen-time mode's
        sleepers)."""
        now = self._reach(step)
        target = now + step
        while True:
            stop = self._next_stop(now, target)
            self._move_to(stop)
            for listener in list(self._listeners):
                listener()
            moved_on = self.now()
            # A listener may have moved the clock itself (a handler's sleep, botocore's
            # backoff): that time passed on the way too. One that put it back (``_reset``)
            # ends the move.
            if moved_on >= target or moved_on < stop:
                return moved_on
            now = moved_on

    def _next_stop(self, now: datetime, target: datetime) -> datetime:
        """The first instant after ``now`` and before ``target`` at which a listener has
        work due; ``target`` when none has."""
        stop = target
        for due in self._stops:
            when = due()
            if when is not None and now < when < stop:
                stop = when
        return stop

    def _move_to(self, when: datetime) -> None:
        """Move the clock on to ``when`` (not back: a ticking freeze may be past it)."""
        with self._lock:
            frozen = self._freezer_now()
            hop = when - (frozen.now() if frozen is not None else self._now)
            if hop <= timedelta(0):
                return
            self._moved += hop
            if frozen is not None:
                # To the instant itself: a ticking freeze's own move would count from
                # where it started ticking, not from the time it shows.
                frozen.move_to(when)
            else:
                self._now += hop

    def _reset(self) -> None:
        """Start again from the real time now, as a new clock would (listeners stay)."""
        with self._lock:
            self._now = self._furthest = datetime.now(timezone.utc)
            self._moved = timedelta(0)
            self._freezer = None
            self.sleeps.clear()

    def _carry_on(self, factory: object | None) -> None:
        """Make freezegun's ``factory`` (the frozen-time mode's own freeze) go on from the
        time a freeze started over it left, when that freeze ends, as the clock itself
        does when the last freeze ends; ``None`` stops."""
        with self._lock:
            self._carried = factory

    def _on_advance(
        self,
        listener: Callable[[], None],
        guard: contextlib.AbstractContextManager[Any] | None = None,
        stops: Callable[[], datetime | None] | None = None,
    ) -> None:
        """Call ``listener`` after every move (the world catches up with the time).

        With ``guard`` (the world's lock), every move and its listeners happen while
        holding it: a thread that holds the guard reads the same time throughout, so what
        it settles up to and what it accepts happen at one instant. Without it, another
        thread could move the clock in between (records accepted at the new time would
        then join a buffer already due at the old one). With ``stops`` (called under the
        guards: the first instant at which the listener has work due, or None), a move
        stops at each such instant on its way and the listeners run there."""
        self._listeners.append(listener)
        if guard is not None:
            self._guards.append(guard)
        if stops is not None:
            self._stops.append(stops)

    def sleep(self, seconds: float) -> None:
        """Pass ``seconds`` of fake time instead of sleeping; recorded in ``sleeps``. Raises
        :class:`ClockRangeError` as ``advance`` does; a wait of 0 or less passes none."""
        step = _amount(seconds, "sleep")  # the clock's resolution is a microsecond
        if step > timedelta(0):
            self._move(step)
            with self._lock:
                self.sleeps.append(step.total_seconds())

    @property
    def slept(self) -> float:
        """Total seconds of fake time passed by :meth:`sleep` (botocore's backoff)."""
        with self._lock:
            return sum(self.sleeps)

    def __repr__(self) -> str:
        return f"<FakeClock {self.now().isoformat()} (+{self.elapsed})>"
