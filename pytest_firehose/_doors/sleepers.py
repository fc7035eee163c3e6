"""Sleeping threads under frozen time: who moves the fake clock, and who waits for it.

The test's own thread passes time: its ``time.sleep(s)`` moves the fake clock ``s`` forward
at once, and so does its ``clock.advance(s)`` (``paced``: the clock hands it its moves). A
thread the code under test started during the test waits instead: its sleep ends when the
fake clock reaches its wake time, however the clock got there (through the fake, or by a
freeze the test moves itself: a sleeper looks at the clock as it polls). When the
test's sleep passes a sleeping thread's wake time, the clock stops there, the thread runs,
and the test's sleep goes on once that thread has slept again, ended, or waits on a
``threading`` primitive (a queue, an event, a join): events fall due in order, as if
time had passed continuously.

Nothing can wait forever. A sleeping thread moves the clock to its own wake time itself
when the test's thread is waiting on a ``threading`` primitive (``producer.close()``
joining its flusher, ``future.result()``), as a real sleep would have ended meanwhile, or
when it has waited as long in real time as it asked to sleep (so no sleep is slower than
it would be without frozen time). A woken thread that keeps running (busy, or blocked on
a bare lock) for :data:`SETTLE_LIMIT` seconds of real time is left to run.

A timed wait on a ``threading`` primitive in such a thread (``Event.wait(t)``,
``Queue.get(timeout=t)``: ``freeze.py`` hands them over) is a sleep that may end early: it
ends as a sleep to ``t`` of fake time does, or as soon as what it waits for happens (the
event is set, an item arrives). It waits on the primitive itself, a slice of real time at a
go, and looks at the clock in between; while what it waits for is there for it to take, it
is not idle (the test's sleep waits for it to take it and go on).
"""

from __future__ import annotations

import concurrent.futures.thread
import contextlib
import selectors
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from pytest_firehose._clock import ClockRangeError, FakeClock

#: Real seconds the test's sleep waits for a thread it woke to sleep again, end or wait.
SETTLE_LIMIT = 5.0
#: Real seconds between looks at the threads (a thread that ends or blocks says nothing):
#: the test's, settling; a sleeper's, watching whether the test waits on a thread.
_POLL = 0.002
_SLEEPER_POLL = 0.005
#: The least fake time a sleep passes: the clock counts microseconds, and a sleep that
#: passed none would never end a loop waiting for the clock to move.
_TICK = timedelta(microseconds=1)
#: Where a waiting thread is: blocked on a ``threading`` primitive (``Condition.wait``,
#: under ``Event``, ``Semaphore``, ``Barrier``, ``queue`` and ``Future.result``; ``join``),
#: on a selector (an event loop or a server with nothing to do), reading a socket, or a
#: thread pool's worker (``asyncio.to_thread``, ``run_in_executor``) waiting for its next
#: task in ``SimpleQueue.get``, which runs no Python frame of its own: the worker's loop is
#: the top frame only there, a task it runs sits above it.
_WAITS = {
    threading.__file__: frozenset({"wait", "wait_for", "join", "_wait_for_tstate_lock"}),
    concurrent.futures.thread.__file__: frozenset({"_worker"}),
    selectors.__file__: frozenset({"select"}),
    socket.__file__: frozenset({"readinto", "accept"}),
    ssl.__file__: frozenset({"read", "recv_into"}),
}


def _waiting(thread: threading.Thread) -> bool:
    """Whether ``thread`` is blocked waiting on another (and not starting a thread)."""
    frame = sys._current_frames().get(thread.ident or -1)
    if frame is None or frame.f_code.co_name not in _WAITS.get(frame.f_code.co_filename, ()):
        return False
    while frame is not None:
        if frame.f_code.co_name == "start" and frame.f_code.co_filename == threading.__file__:
            return False  # Thread.start waits for the new thread to run: it is not idle
        frame = frame.f_back
    return True


def _span(seconds: float) -> timedelta:
    return max(timedelta(seconds=seconds), _TICK)


class Sleepers:
    """The sleeps of the code under test, kept in step with one fake clock.

    ``outside`` are the threads that were running before the test (the test runner's):
    they are none of its business. ``real_monotonic`` measures the real time the limits
    count (freezegun's fakes would not move)."""

    def __init__(
        self,
        clock: FakeClock,
        test_thread: threading.Thread,
        outside: set[threading.Thread],
        real_monotonic: Callable[[], float],
        holding: Callable[[], bool] = lambda: False,
    ) -> None:
        self._clock = clock
        #: Whether the calling thread holds the world's lock (a woken thread's request
        #: would wait for it).
        self._holding = holding
        self._test_thread = test_thread
        self._outside = outside
        self._real_monotonic = real_monotonic
        self._condition = threading.Condition()
        #: Threads asleep in fake time, and when each wakes.
        self._asleep: dict[threading.Thread, datetime] = {}
        #: Threads a move woke that are still inside ``wait`` (in our condition's wait,
        #: they would look like threads waiting on something else).
        self._woken: set[threading.Thread] = set()
        #: Threads in a timed wait on a primitive (``wait_for``), and whether what each
        #: waits for is there (a set event, an item in the queue): then it is not idle.
        self._ready: dict[threading.Thread, Callable[[], bool]] = {}
        #: How many moves the test's thread is passing time in (its wait is not idleness;
        #: a handler it runs meanwhile may pass time too).
        self._passing = 0
        self._released = False

    # ------------------------------------------------------------------ the clock's side

    def wake(self) -> None:
        """After every move of the clock: every sleeper whose time has come runs."""
        with self._condition:
            now = self._clock.now()
            for thread, wake_at in list(self._asleep.items()):
                if wake_at <= now:
                    del self._asleep[thread]
                    self._woken.add(thread)
            self._condition.notify_all()

    def release(self) -> None:
        """The test is over: every sleeper returns now, and no sleep waits again."""
        with self._condition:
            self._released = True
            self._asleep.clear()
            self._woken.clear()
            self._ready.clear()
            self._condition.notify_all()

    @property
    def released(self) -> bool:
        return self._released

    @property
    def test_thread(self) -> threading.Thread:
        return self._test_thread

    # ------------------------------------------------------------------ the test's thread

    def pass_time(self, seconds: float) -> None:
        """The test's sleep: move the clock ``seconds`` on, stopping at each sleeping
        thread's wake time until it has had its turn."""
        self._pass(_span(seconds))

    def paced(self, step: timedelta) -> datetime | None:
        """The clock's ``advance`` (``FakeClock._pace``): in the test's thread, ``step``
        passes as the test's sleep passes it, and the new time is returned. None (the
        clock moves as usual, waking sleepers without waiting for them) in another thread,
        once the test is over, or while the thread holds the world's lock: a woken
        thread's request would wait for that lock until the move ended."""
        if self._released or threading.current_thread() is not self._test_thread or self._holding():
            return None
        self._pass(step)
        return self._clock.now()

    def _pass(self, step: timedelta) -> None:
        target = self._clock.now() + step
        self._passing += 1
        try:
            self._settle()  # a thread just started may be on its way to its first sleep
            while True:
                now = self._clock.now()
                with self._condition:
                    stop = min([target, *(when for when in self._asleep.values() if when > now)])
                if stop > now:
                    self._clock._move(stop - now)
                self._settle()
                if stop >= target or self._released:
                    return
        finally:
            self._passing -= 1

    def _busy(self, asking: threading.Thread | None = None) -> bool:
        """Whether a thread the test started runs: not asleep in fake time, not waiting,
        not ended. A thread in a timed wait runs while what it waits for is there, or when
        it is between two slices of its wait (it may have just taken an item). ``asking``,
        a waiting thread that asks, is left out. Called with the condition held."""
        for thread in threading.enumerate():
            if thread is self._test_thread or thread is asking or thread in self._outside:
                continue
            if thread in self._woken:
                return True
            ready = self._ready.get(thread)
            if ready is not None:
                if ready() or not _waiting(thread):
                    return True
            elif thread not in self._asleep and not _waiting(thread):
                return True
        return False

    def _settle(self) -> None:
        """Wait until every thread the test started sleeps, waits or has ended (within
        :data:`SETTLE_LIMIT`)."""
        deadline = self._real_monotonic() + SETTLE_LIMIT
        with self._condition:
            while not self._released:
                if not self._busy():
                    return
                left = deadline - self._real_monotonic()
                if left <= 0:
                    return
                self._condition.wait(min(left, _POLL))

    # ------------------------------------------------------------------ other threads

    def wait(self, seconds: float) -> None:
        """Another thread's sleep: wait until the fake clock reaches its wake time."""
        me = threading.current_thread()
        with self._condition:
            if self._released:
                return
            wake_at = self._clock.now() + _span(seconds)
            self._asleep[me] = wake_at
            self._condition.notify_all()  # a settling test may be waiting for this
            deadline = self._real_monotonic() + seconds
            while me in self._asleep and not self._released:
                if (
                    self._clock.now() >= wake_at  # moved there directly (``frozen.tick``)
                    or self._test_idle(wake_at)
                    or self._real_monotonic() >= deadline
                ):
                    break
                left = deadline - self._real_monotonic()
                self._condition.wait(min(max(left, 0), _SLEEPER_POLL))
            late = me in self._asleep and not self._released
            self._woken.discard(me)
        if late:
            # Outside the condition: a move of the clock takes the world's lock, and
            # whoever holds that may be waking sleepers.
            self._catch_up(wake_at)

    def wait_for(
        self, seconds: float, attempt: Callable[[float], bool], ready: Callable[[], bool]
    ) -> bool:
        """Another thread's timed wait on a primitive: True once ``attempt`` (the real
        wait, for at most the real seconds it is given) succeeds; False once the fake clock
        reaches the wait's deadline, ``seconds`` on, or the test is over. ``ready`` tells,
        without waiting or taking anything, whether ``attempt`` would succeed now.

        It ends as a sleep does when nothing comes: the test's sleeps stop at its deadline
        and wait for its turn, and a wait the test cannot see end (the test's thread waits
        on a thread, or ``seconds`` of real time went by) moves the clock to its deadline
        itself, as a late sleeper does."""
        me = threading.current_thread()
        with self._condition:
            if self._released:
                return False
            wake_at = self._clock.now() + _span(seconds)
            self._asleep[me] = wake_at
            self._ready[me] = ready
            self._condition.notify_all()  # a settling test may be waiting for this
        deadline = self._real_monotonic() + seconds
        late = False
        try:
            while True:
                left = deadline - self._real_monotonic()
                if attempt(min(max(left, 0), _SLEEPER_POLL)):
                    return True
                with self._condition:
                    if (
                        me not in self._asleep  # a move woke it, or the test is over
                        or self._released
                        or self._clock.now() >= wake_at  # moved there directly
                    ):
                        return False
                    if self._test_idle(wake_at) or self._real_monotonic() >= deadline:
                        late = True
                        del self._ready[me]  # no longer waiting on the primitive
                        break
        finally:
            if not late:
                with self._condition:
                    self._ready.pop(me, None)
                    self._asleep.pop(me, None)
                    self._woken.discard(me)
        # Outside the condition: a move of the clock takes the world's lock.
        self._catch_up(wake_at)
        return False

    def _test_idle(self, wake_at: datetime) -> bool:
        """Whether this sleeper is next to wake and the test waits on a thread.
        Called with the condition held."""
        if self._passing or wake_at > min(self._asleep.values()):
            return False
        # The costlier look last.
        return _waiting(self._test_thread) and not self._busy(threading.current_thread())

    def _catch_up(self, wake_at: datetime) -> None:
        behind = wake_at - self._clock.now()
        if behind > timedelta(0):
            # A wake time beyond what the clock can show leaves the clock where it is.
            with contextlib.suppress(ClockRangeError):
                self._clock._move(behind)
        with self._condition:
            me = threading.current_thread()
            self._asleep.pop(me, None)
            self._woken.discard(me)
