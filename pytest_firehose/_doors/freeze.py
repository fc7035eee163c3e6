"""Frozen-time mode: the fake clock drives freezegun for the code under test.

While it is on, ``datetime.now()``, ``time.time()``, ``time.monotonic()``,
``time.perf_counter()`` and the rest of what freezegun patches read the fake clock, and
``time.sleep()`` and ``asyncio.sleep()`` pass fake time instead of real time
(``_doors/sleepers.py`` says how, thread by thread). In a thread the test starts, a timed
``threading.Event.wait`` and ``queue.Queue.get`` (so ``LifoQueue``'s and
``PriorityQueue``'s) end when the fake clock reaches their timeout, or at once when the
event is set or an item comes. ``queue.SimpleQueue`` is a C type whose ``get`` cannot be
replaced: its waits, and every other timed wait (``Condition.wait``, ``join``, a lock's
``acquire``), keep real time. An active freezegun freeze or
time-machine travel is driven instead of a new freeze; one started inside the mode is
followed, and when it ends the mode's freeze goes on from the time it left. (time-machine 3
refuses to start while freezegun is active, so it cannot start inside the mode's own freeze.)

asyncio's event loop keeps real time (freezegun's ``real_asyncio``), so its timeouts and
``call_later`` behave as without the mode; only ``asyncio.sleep`` in the test's thread
passes fake time.
"""

from __future__ import annotations

import math
import queue
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import date, datetime, timezone
from typing import Any

from pytest_firehose._clock import LATEST, FakeClock, frozen_time_active
from pytest_firehose._doors.sleepers import Sleepers
from pytest_firehose._errors import UsageError

#: Modules whose own ``sleep`` stays real: the test runner's, the time libraries', the
#: threading machinery's, and this package's.
_KEEP_REAL = (
    "pytest_firehose",
    "freezegun",
    "time_machine",
    "_pytest",
    "pytest",
    "pluggy",
    "xdist",
    "execnet",
    "threading",
    "queue",
    "asyncio",
    "concurrent",
    "selectors",
)

#: pytest's timing module: it bound the real clock at import so that a test freezing time
#: does not change how long pytest reports its phases took (``--durations``, JUnit XML);
#: left alone, freezegun replaces that binding too.
_PYTEST_TIMING = ["_pytest.timing"]

#: The earliest start the mode takes: AWS's timestamps count seconds from it.
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: What ``start=`` takes: a datetime, a date, or a string freezegun reads.
Start = datetime | date | str


def freezer_for(start: Start | None, clock_now: datetime) -> Any:
    """freezegun's freeze starting at ``start`` (else at ``clock_now``), checked now, so a
    bad start is refused when the setting is made. Asyncio's loop keeps real time."""
    if start is not None and not isinstance(start, (datetime, date, str)):
        raise UsageError(
            f"freeze_time start is a datetime or a date string such as "
            f"'2030-01-01 12:00:00', not {start!r}"
        )
    import freezegun  # imported once the mode is asked for: not at every start-up

    try:
        at = clock_now if start is None else start  # "" is no time, not "now"
        freezer = freezegun.freeze_time(at, real_asyncio=True, ignore=_PYTEST_TIMING)
    except (ValueError, OverflowError) as error:
        raise UsageError(
            f"freeze_time start {start!r} is not a time freezegun reads ({error}); "
            "give a datetime or a string such as '2030-01-01 12:00:00'"
        ) from None
    # AWS's timestamps count seconds from 1970; the clock's dates end at LATEST.
    if not EPOCH <= freezer.time_to_freeze.replace(tzinfo=timezone.utc) < LATEST:
        raise UsageError(
            f"freeze_time start {start!r} is outside the fake clock's years (1970 to "
            f"{LATEST.year}); give a time such as '2030-01-01 12:00:00'"
        )
    return freezer


class FrozenTime:
    """The mode, for one fake world's clock: ``start()`` before the test, ``stop()`` after.

    ``start`` is where a new freeze begins (a datetime, date or string freezegun reads);
    ``None`` begins at the clock's time."""

    def __init__(
        self,
        clock: FakeClock,
        start: Start | None = None,
        holding: Callable[[], bool] = lambda: False,
    ) -> None:
        self._clock = clock
        self._start = start
        #: Whether the calling thread holds the world's lock (``Sleepers``).
        self._holding = holding
        self._freeze: Any = None
        self._undo: list[tuple[object, str, object]] = []
        self._sleepers: Sleepers | None = None
        self._outside: set[threading.Thread] = set()
        self._real_sleep: Callable[[float], None] = time.sleep
        self._real_monotonic: Callable[[], float] = time.monotonic

    def start(self) -> None:
        import asyncio  # freezegun imports it too: the mode's alone, not every start-up

        from freezegun import api as freezegun_api

        if frozen_time_active():
            if self._start is not None:
                raise UsageError(
                    "frozen-time mode cannot start at "
                    f"{self._start!r}: freezegun or time-machine has frozen time already, "
                    "and the mode drives that freeze. Drop start=, or the other freeze."
                )
        else:
            self._freeze = freezer_for(self._start, self._clock.now())
            factory = self._freeze.start()
            # Threads the code under test starts run from threading's frames, which
            # freezegun's default ignore list would hand the real time.
            stack = freezegun_api.ignore_lists
            stack[-1] = tuple(name for name in stack[-1] if name != "threading")
            self._clock._carry_on(factory)
        test_thread = threading.current_thread()
        self._outside = set(threading.enumerate()) - {test_thread}
        self._real_monotonic = freezegun_api.real_monotonic
        self._sleepers = Sleepers(
            self._clock, test_thread, self._outside, self._real_monotonic, self._holding
        )
        self._clock._on_advance(self._sleepers.wake)
        # The test's own clock.advance() passes time as its sleep does.
        self._clock._pace(self._sleepers.paced)
        self._real_sleep = time.sleep
        sleep, asleep = self._sleep, self._asleep()
        fakes: dict[int, object] = {id(time.sleep): sleep, id(asyncio.sleep): asleep}
        self._replace(time, "sleep", time.sleep, sleep)
        self._replace(asyncio, "sleep", asyncio.sleep, asleep)
        self._replace_everywhere(fakes)
        # Methods: every instance, and every subclass that does not define its own.
        self._replace(threading.Event, "wait", threading.Event.wait, self._event_wait())
        self._replace(queue.Queue, "get", queue.Queue.get, self._queue_get())

    def stop(self) -> None:
        """Undo the patches, end every fake sleep, and end the mode's freeze."""
        while self._undo:
            owner, name, real = self._undo.pop()
            setattr(owner, name, real)
        if self._sleepers is not None:
            self._clock._pace(None)
            self._sleepers.release()
        self._outside.clear()
        if self._freeze is not None:
            self._clock._carry_on(None)
            self._freeze.stop()
            self._freeze = None

    # ------------------------------------------------------------------ patching

    def _replace(self, owner: object, name: str, real: object, fake: object) -> None:
        setattr(owner, name, fake)
        self._undo.append((owner, name, real))

    def _replace_everywhere(self, fakes: dict[int, object]) -> None:
        """Replace each real function (by ``id``) where the code under test bound it itself
        (``from time import sleep``), as freezegun does for the functions it patches."""
        for name, module in list(sys.modules.items()):
            if module is None or name.startswith(_KEEP_REAL):
                continue
            try:
                namespace = vars(module)
            except TypeError:
                continue
            for attribute, value in list(namespace.items()):
                fake = fakes.get(id(value))
                if fake is not None and fake is not value:
                    self._replace(module, attribute, value, fake)

    # ------------------------------------------------------------------ the fakes

    def _fakes(self, seconds: object) -> Sleepers | None:
        """The sleepers that take this sleep, or ``None`` where it stays real: a bad
        length (Python words the error), after the test, or in a thread the test did not
        start."""
        sleepers = self._sleepers
        if sleepers is None or sleepers.released:
            return None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            return None
        if not (math.isfinite(seconds) and seconds > 0):
            return None
        return sleepers

    def _waits(self, timeout: object) -> tuple[Sleepers | None, float] | None:
        """A timed wait's seconds, with the sleepers that take it, or with ``None`` in the
        test's thread and the threads that ran before it (real time). ``None`` where the
        wait is Python's own: untimed, after the test, or for a timeout that is no positive
        number or one the real wait refuses (past ``threading.TIMEOUT_MAX``)."""
        sleepers = self._fakes(timeout)
        if sleepers is None or not isinstance(timeout, (int, float)):
            return None
        if timeout > threading.TIMEOUT_MAX:
            return None
        thread = threading.current_thread()
        if thread is sleepers.test_thread or thread in self._outside:
            return None, timeout
        return sleepers, timeout

    def _event_wait(self) -> Callable[..., bool]:
        real = threading.Event.wait

        def wait(event: threading.Event, timeout: float | None = None) -> bool:
            sleepers, seconds = self._waits(timeout) or (None, 0.0)
            if sleepers is None:
                return real(event, timeout)
            if sleepers.wait_for(seconds, lambda left: real(event, left), event.is_set):
                return True
            return event.is_set()  # set by the deadline: a real wait would see it too

        wait.__doc__ = real.__doc__
        return wait

    def _queue_get(self) -> Callable[..., Any]:
        real = queue.Queue.get
        real_monotonic = self._real_monotonic

        def get(waiting: queue.Queue[Any], block: bool = True, timeout: float | None = None) -> Any:
            waits = self._waits(timeout) if block else None
            if waits is None:
                return real(waiting, block, timeout)
            sleepers, seconds = waits
            if sleepers is None:
                # Real time, counted here: freezegun before 1.5 freezes the clock of the
                # queue module, whose own wait then never times out.
                got = _take(waiting, seconds, real_monotonic)
                if got:
                    return got[0]
                raise queue.Empty
            got = []

            def attempt(left: float) -> bool:
                got.extend(_take(waiting, left, real_monotonic))
                return bool(got)

            if sleepers.wait_for(seconds, attempt, lambda: waiting._qsize() > 0):
                return got[0]
            return real(waiting, False)  # an item there at the deadline, else Empty

        get.__doc__ = real.__doc__
        return get

    def _sleep(self, seconds: float) -> None:
        sleepers = self._fakes(seconds)
        thread = threading.current_thread()
        if sleepers is None or thread in self._outside:
            self._real_sleep(seconds)
        elif thread is sleepers.test_thread:
            sleepers.pass_time(seconds)
        else:
            sleepers.wait(seconds)

    def _asleep(self) -> Callable[..., Coroutine[Any, Any, Any]]:
        import asyncio

        real = asyncio.sleep

        async def sleep(delay: float, result: Any = None) -> Any:
            sleepers = self._fakes(delay)
            if sleepers is None or threading.current_thread() is not sleepers.test_thread:
                return await real(delay, result)
            sleepers.pass_time(delay)
            return await real(0, result)  # still a point where other tasks may run

        return sleep


def _take(waiting: queue.Queue[Any], seconds: float, now: Callable[[], float]) -> list[Any]:
    """``waiting.get(timeout=seconds)`` as ``queue.Queue`` does it, but counting the time
    on ``now``: the item, in a list, or an empty list when none came in time."""
    with waiting.not_empty:
        end = now() + seconds
        while not waiting._qsize():
            left = end - now()
            if left <= 0:
                return []
            waiting.not_empty.wait(left)
        item = waiting._get()
        waiting.not_full.notify()
        return [item]
