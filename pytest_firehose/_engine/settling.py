"""How a world is brought up to the clock (a mixin of ``World``): the streams that fell due
are settled instant by instant, each waiting in ``due.py``'s heap by the instant it next has
something to do; the streams a request changed are scheduled again when it ends, and after
a handle's change every stream is asked again; a request (``serving``), a read
(``looked``) and a handle's change (``touched``) each hold the world's lock, the world
settled first.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime

from pytest_firehose._clock import FakeClock
from pytest_firehose._engine.due import DueQueue
from pytest_firehose._engine.exchange import ServiceModel
from pytest_firehose._services.firehose.model import FirehoseService
from pytest_firehose._services.kinesis.model import KinesisService


class Settling:
    """``World``'s streams brought up to the clock, and its lock held for what reads or
    changes them."""

    lock: threading.RLock
    clock: FakeClock
    changed: threading.Condition
    _services: dict[tuple[str, str], ServiceModel]
    _serving: threading.local
    firehose_services: Callable[[], list[FirehoseService]]
    refuse_if_stopped: Callable[[], None]

    def _forget_settled(self) -> None:
        """No stream known, none due."""
        #: Every stream by the instant it next falls due.
        self._due = DueQueue()
        #: A request may have put records to a Kinesis stream a delivery stream reads (or
        #: changed a delivery stream's source) since the last settle: the next one has the
        #: delivery streams read their sources.
        self._sources_changed = False
        #: A handle changed the world in ways not known here: the next settle asks every
        #: stream when it falls due.
        self._recheck = False
        #: The time the last settle brought the world up to (None: none yet).
        self._settled_at: datetime | None = None

    def settle(self) -> None:
        """Bring the world up to the clock: whatever fell due since it was last touched
        (buffer intervals, retries, expiry, status changes) happens now, instant by instant.

        Only the streams that fell due are looked at (each scheduled at its next due
        instant, in ``DueQueue``, again at the end of every request that may have moved
        that instant): a clock move costs nothing per idle stream, and a request nothing
        per other stream. After a handle changed the world, every stream is asked when it
        falls due.

        A clock the fake did not move (freezegun's or time-machine's, moved directly) may
        be past several streams' due instants: the streams due first are settled up to
        their instant, then those due next, as ``advance`` would have stopped at each
        (``_catch_up``); the clock itself stays where it is."""
        with self.lock:
            recheck, self._recheck = self._recheck, False
            if recheck:
                for model in list(self._services.values()):
                    for name in list(model.streams):
                        self._due.schedule(model, name)
            # Delivery streams read their Kinesis sources after every Kinesis request: that
            # way they have read every record before Kinesis trims it.
            sources = recheck or (self._sources_changed and self._reading_sources())
            self._sources_changed = False
            worked = recheck
            while True:
                now = self.clock.now()
                if not self._catch_up(now, sources=sources):
                    break
                worked = True
                # A handler or an endpoint that ran without the lock may have let another
                # thread move the clock meanwhile: catch up with that too.
                if self.clock.now() == now:
                    break
                sources = False
            # Waiters wait for a change, or for the clock to reach a time: nothing to tell
            # them when neither happened since the last settle (most requests).
            if worked or now != self._settled_at:
                self._settled_at = now
                self.changed.notify_all()

    def _catch_up(self, now: datetime, *, sources: bool) -> bool:
        """Settle, up to ``now``, the streams due by then: those due first up to their
        instant, then those due next, and so on (whether any was). With ``sources``,
        delivery streams first take in what their Kinesis sources got, at the instant the
        world was last settled at (where a move of the clock would have read them)."""
        due = self._due
        at: datetime | None = None  # the last instant settled
        worked = False
        while True:
            step = due.first()
            if step is not None and at is not None and step <= at:
                # Due and still waiting (its delivery is under way in another thread, the
                # lock let go): it is settled again at the next instant another stream is
                # due, and at ``now`` (noted for when its delivery is done).
                later = due.first_after(at)
                step = later if later is not None and later <= now else now
                if step <= at:
                    return worked
            if sources:
                settled = self._settled_at
                start = now if settled is None or settled > now else settled
                if step is None or step > start:
                    step = start
            if step is None or step > now:
                return worked
            work: dict[int, tuple[ServiceModel, set[str] | None]] = {}
            for model, name in due.pop_due(step):
                _note(work, model, name)
            self._settle_work(work, sources=sources, until=step)
            sources, worked, at = False, True, step

    def next_due(self) -> datetime | None:
        """The first instant after now at which a stream of the world has something to do
        (None: nothing waits for the clock): where a move of the clock stops on its way, so
        that the work of several streams falls due in turn, instant by instant. What is due
        already (a handle's change, a request's puts to a delivery stream's Kinesis source,
        a buffer due at once, a move the fake did not make) happens first, now."""
        with self.lock:
            now = self.clock.now()
            first = self._due.first()
            if self._recheck or self._sources_changed or (first is not None and first <= now):
                self.settle()
                first = self._due.first()
            if first is not None and first <= now:
                # Due and still waiting (its delivery is under way in another thread,
                # the lock let go): the stops are the others'.
                first = self._due.first_after(now)
            return first

    def _reading_sources(self) -> bool:
        """Whether any delivery stream reads a Kinesis stream (else reading sources,
        after every Kinesis request, would find none)."""
        return any(
            isinstance(model, FirehoseService) and model.reads_sources()
            for model in self._services.values()
        )

    def _settle_work(
        self,
        work: dict[int, tuple[ServiceModel, set[str] | None]],
        *,
        sources: bool,
        until: datetime,
    ) -> None:
        """Settle the streams ``work`` names up to ``until``, then schedule each again.
        With ``sources``, delivery streams first take in what their Kinesis sources got;
        Kinesis then settles (trimming what outlived retention) before Firehose delivers."""
        if sources:
            for firehose in self.firehose_services():
                for name in firehose.read_sources(until):
                    _note(work, firehose, name)
        kinesis = [item for item in work.values() if isinstance(item[0], KinesisService)]
        others = [item for item in work.values() if not isinstance(item[0], KinesisService)]
        for model, names in (*kinesis, *others):
            model.settle(names, until)
        for model, names in (*kinesis, *others):
            for name in list(model.streams) if names is None else names:
                self._due.schedule(model, name)

    def wrote(self, model: ServiceModel, stream: str | None) -> None:
        """The request being served (``serving``) may change ``stream`` of ``model`` (any
        stream, when None): once the request is over, the stream is scheduled again at the
        instant it next falls due (a buffer that filled up, at once). Only then: a settle
        from another thread meanwhile (while a handler runs without the lock) would see
        the request's changes half made."""
        self._serving.requests[-1].append((model, stream))

    def kept(self, model: ServiceModel) -> None:
        """The request being served put records to a stream of ``model`` but did not move
        when the stream next falls due (``Answer.due_kept``): it stays scheduled as it is.
        Records put to a Kinesis stream still have the next settle read the sources (a
        delivery stream that reads one takes no puts)."""
        if not isinstance(model, FirehoseService):
            self._sources_changed = True

    def _reschedule(self, model: ServiceModel, stream: str | None) -> None:
        """Schedule what a request changed (``wrote``) again; a change to a Kinesis stream
        or a delivery stream's source has the next settle read the sources."""
        for name in list(model.streams) if stream is None else (stream,):
            self._due.schedule(model, name)
        if not isinstance(model, FirehoseService) or stream is None or model.reads_source(stream):
            self._sources_changed = True

    def serving(self) -> AbstractContextManager[None]:
        """Hold the world's lock, brought up to the clock first, for one request (which
        says what it changed with ``wrote``)."""
        return _Serving(self)

    @contextlib.contextmanager
    def looked(self, *, tell: bool = False) -> Iterator[None]:
        """Hold the world's lock, brought up to the clock first, for a read that changes no
        stream's schedule: unlike ``touched``, it leaves every stream's schedule as it is.
        ``tell``: wake what waits for the world to change afterwards (a read of an event
        stream's next event changes where its subscription stands)."""
        with self.lock:
            self.settle()
            try:
                yield
            finally:
                if tell:
                    self.changed.notify_all()

    @contextlib.contextmanager
    def touched(self) -> Iterator[None]:
        """Hold the world's lock, brought up to the clock first, for a handle's change
        (refused once the world stopped: ``refuse_if_stopped``). What the holder changes
        is not known here, so the next settle asks every stream when it falls due."""
        self.refuse_if_stopped()
        with self.lock:
            self.settle()
            try:
                yield
            finally:
                self._recheck = True
                self.changed.notify_all()


def _note(
    work: dict[int, tuple[ServiceModel, set[str] | None]], model: ServiceModel, stream: str | None
) -> None:
    """Add ``stream`` of ``model`` (every stream of it, when None) to ``work``."""
    names = work.setdefault(id(model), (model, set()))[1]
    if names is not None and stream is not None:
        names.add(stream)
    else:
        work[id(model)] = (model, None)


class _Serving:
    """``World.serving``, as a class: one is made for every request, and a generator's
    context manager costs several times as much."""

    __slots__ = ("_noted", "_world")

    def __init__(self, world: Settling) -> None:
        self._world = world
        self._noted: list[tuple[ServiceModel, str | None]] = []

    def __enter__(self) -> None:
        world = self._world
        world.lock.acquire()
        try:
            world.settle()
        except BaseException:
            world.lock.release()
            raise
        requests: list[list[tuple[ServiceModel, str | None]]] = world._serving.__dict__.setdefault(
            "requests", []
        )
        requests.append(self._noted)

    def __exit__(self, *_: object) -> None:
        world = self._world
        try:
            world._serving.requests.pop()
            for model, stream in self._noted:
                world._reschedule(model, stream)
            world.changed.notify_all()
        finally:
            world.lock.release()
