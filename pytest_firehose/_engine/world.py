"""One fake world: services per region, the clock, ids and the call log, behind one lock."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.factory import bucket_destination, destination_for
from pytest_firehose._destinations.search_indexes import SearchIndexes
from pytest_firehose._destinations.snowflake_tables import SnowflakeTables
from pytest_firehose._engine.calls import Call
from pytest_firehose._engine.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from pytest_firehose._engine.due import DueQueue
from pytest_firehose._engine.exchange import EventPull, ServiceModel, answer
from pytest_firehose._engine.faults import FaultScript
from pytest_firehose._errors import UsageError
from pytest_firehose._ids import IdSource
from pytest_firehose._services.firehose.model import FirehoseService
from pytest_firehose._services.kinesis.model import KinesisService
from pytest_firehose._services.kinesis.streams import KinesisStream
from pytest_firehose._wire import routing
from pytest_firehose._wire.codec import HttpRequest, HttpResponse
from pytest_firehose._wire.front import front_answer, front_response
from pytest_firehose._wire.routing import Route, route_to

#: What a test's handle is told when it would change a world whose fake has stopped.
STOPPED = (
    "the fake behind this handle has stopped (its fixture was torn down, or "
    "FirehoseFake.stop() ran or its `with` block ended): no request reaches it any more, "
    "so this change would go unread. Get a handle from the running fixture (or use it "
    "inside the `with FirehoseFake()` block); what the stopped fake holds stays readable."
)


class World:
    """Everything one test sees: Firehose per region, one clock, one call log.

    Thread-safe: every request is answered under one lock, so producers may send from
    thread pools. The clock moves under the same lock: while a thread holds it, the fake
    time changes only by that thread's own moves (a scripted latency, say).
    """

    #: The services requests are routed to, in a fixed order (the fault scripts' order).
    SERVED = tuple(sorted(routing.SERVED))

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
        seed: int | None = None,
        clock: FakeClock | None = None,
        creation_delay: float = 0,
        encryption_delay: float = 0,
        update_delay: float | None = None,
        contained: Callable[[], bool] = lambda: False,
        unmodelled: str = "warn",
    ) -> None:
        self.account_id = account_id
        #: Whether requests that destinations send through botocore stay in the process
        #: now; given by the door, which knows whether its interceptor is installed.
        self.contained = contained
        self.region = region
        self.creation_delay = timedelta(seconds=creation_delay)
        #: Whether Kinesis shards, and Firehose DirectPut streams, enforce their write
        #: quotas (off unless a test asks).
        self.kinesis_quotas = False
        self.firehose_quotas = False
        #: Whether Kinesis enforces its read quotas (off unless a test asks).
        self.kinesis_read_quotas = False
        self.encryption_delay = timedelta(seconds=encryption_delay)
        #: How long a Kinesis stream stays UPDATING (None: the creation delay).
        self.update_delay = None if update_delay is None else timedelta(seconds=update_delay)
        #: What becomes of a setting the fake does not model (a delivery stream's, or a
        #: request member newer than the release): "warn" or "error".
        self.unmodelled = unmodelled
        self.clock = clock if clock is not None else FakeClock()
        self.seed = seed
        self.ids = IdSource(seed)
        self.lock = threading.RLock()
        #: Notified, under the lock, whenever the world may have changed (a request or a
        #: handle touched it, the clock moved): what the server's event streams wait on.
        self.changed: threading.Condition = _Changes(self.lock)
        self.calls: list[Call] = []
        #: The Snowflake tables tests declared, for every region's Snowflake destinations
        #: (a Snowflake account is no AWS region's).
        self.snowflake_tables = SnowflakeTables()
        #: The OpenSearch indexes of the domains, clusters and collections delivery streams
        #: write to, with their mappings: a domain's ARN or endpoint names it in every region.
        self.search_indexes = SearchIndexes()
        self.faults = {service: FaultScript(service) for service in self.SERVED}
        #: The Lambda event source mappings made (``lambda_trigger``), by event source ARN
        #: and function ARN, as Lambda keeps one mapping per pair: the UUID, and whether
        #: the mapping's source is gone.
        self.event_source_mappings: dict[tuple[str, str], tuple[str, Callable[[], bool]]] = {}
        #: What a failed test's report says of each Lambda trigger made: a line when its
        #: handler failed, else None, asked for when the report is made.
        self.trigger_notes: list[Callable[[], str | None]] = []
        #: Whether the fake that runs the world has stopped: its handles may still read
        #: it, and change nothing (``refuse_if_stopped``).
        self.stopped = False
        # Deliveries fall due as time passes: when the clock moves, the world catches up,
        # so that what a destination holds (an S3 bucket in moto) is current at once. The
        # clock moves only under the world's lock, so time stands still for a request.
        self.clock._on_advance(self.settle, guard=_Moving(self), stops=self.next_due)
        self._services: dict[tuple[str, str], ServiceModel] = {}
        #: Per thread: the streams each request it is serving named (see ``wrote``).
        self._serving = threading.local()
        self._forget_settled()

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

    def reset(self) -> None:
        """Back to a fresh world, in place (handles on it stay valid): no streams, faults or
        calls, the clock at the real time now, identifiers from the seed again. Refused
        once the world stopped, as every change is: it stays stopped, and what it holds
        stays readable."""
        self.refuse_if_stopped()
        with self.lock:
            # Kinesis streams go as if deleted: what still holds their model (a server's
            # open SubscribeToShard, a Lambda trigger) sees its stream gone, and ends.
            for kinesis in self.kinesis_services():
                kinesis.drop_streams()
            self._services.clear()
            self.calls.clear()
            self.event_source_mappings.clear()
            self.trigger_notes.clear()
            self.snowflake_tables = SnowflakeTables()
            self.search_indexes = SearchIndexes()
            for script in self.faults.values():
                script.clear()
            self.kinesis_quotas = False
            self.kinesis_read_quotas = False
            self.firehose_quotas = False
            self.ids = IdSource(self.seed)
            self.clock._reset()
            self._forget_settled()
            self.changed.notify_all()

    # ------------------------------------------------------------------ services

    def firehose(self, region: str | None = None) -> FirehoseService:
        service = self.service("firehose", region)
        assert isinstance(service, FirehoseService)
        return service

    def kinesis(self, region: str | None = None) -> KinesisService:
        service = self.service("kinesis", region)
        assert isinstance(service, KinesisService)
        return service

    def service(self, name: str, region: str | None = None) -> ServiceModel:
        """The model of service ``name`` in ``region`` (the default region if None)."""
        region = region or self.region
        with self.lock:
            model = self._services.get((name, region))
            if model is None:
                model = self._new_service(name, region)
                self._services[(name, region)] = model
            return model

    def _new_service(self, name: str, region: str) -> ServiceModel:
        if name == "kinesis":
            kinesis = KinesisService(
                account_id=self.account_id,
                region=region,
                clock=self.clock,
                ids=self.ids,
                creation_delay=self.creation_delay,
                update_delay=self.update_delay,
                sink_for=functools.partial(
                    bucket_destination, region=region, contained=self.contained
                ),
                unmodelled=self.unmodelled,
            )
            kinesis.quotas = self.kinesis_quotas
            kinesis.read_quotas = self.kinesis_read_quotas
            return kinesis
        firehose = FirehoseService(
            account_id=self.account_id,
            region=region,
            clock=self.clock,
            ids=self.ids,
            destination_for=functools.partial(
                destination_for, contained=self.contained, unlocked=self.released
            ),
            kinesis_source=self._kinesis_records,
            snowflake_tables=self.snowflake_tables,
            search_indexes=self.search_indexes,
            creation_delay=self.creation_delay,
            encryption_delay=self.encryption_delay,
            unmodelled=self.unmodelled,
        )
        firehose.quotas = self.firehose_quotas
        return firehose

    def _kinesis_records(
        self, stream_arn: str, after: dict[str, str] | None
    ) -> tuple[KinesisStream | None, list[Any]]:
        """The Kinesis stream ``stream_arn`` names in this world (None: none does) and the
        records it got after ``after`` (per shard). The whole ARN must match: a stream of
        that name in another account or partition is not this world's."""
        _, _, _, region, _, resource = stream_arn.split(":", 5)
        with self.lock:
            kinesis = self._services.get(("kinesis", region))
            name = resource.removeprefix("stream/")
            if not isinstance(kinesis, KinesisService):
                return None, []
            stream = kinesis.streams.get(name)
            if stream is None or stream.arn != stream_arn:
                return None, []
            return stream, kinesis.read_from(name, after)

    def firehose_services(self) -> list[FirehoseService]:
        return [s for s in self.services("firehose") if isinstance(s, FirehoseService)]

    def kinesis_services(self) -> list[KinesisService]:
        return [s for s in self.services("kinesis") if isinstance(s, KinesisService)]

    def services(self, name: str) -> list[ServiceModel]:
        with self.lock:
            return [model for (kind, _), model in self._services.items() if kind == name]

    def calls_for(
        self, service: str, stream: str | None = None, region: str | None = None
    ) -> list[Call]:
        """The calls to ``service`` (naming ``stream`` in ``region``, when given), in order."""
        with self.looked():
            return [
                call
                for call in self.calls
                if call.service == service
                and (stream is None or (call.stream == stream and call.region == region))
            ]

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

    def holds_lock(self) -> bool:
        """Whether the calling thread holds the world's lock."""
        return bool(self.lock._is_owned())  # type: ignore[attr-defined]

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """Let go of the world's lock entirely (however often this thread holds it) for the
        block, and take it back as often afterwards: a Lambda handler or an HTTP endpoint
        runs so, and other threads' requests are served meanwhile."""
        depth = 0
        try:
            while True:
                self.lock.release()
                depth += 1
        except RuntimeError:  # no longer held by this thread
            pass
        try:
            yield
        finally:
            for _ in range(depth):
                self.lock.acquire()

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

    def refuse_if_stopped(self) -> None:
        """Refuse a change a test's handle asks for once the world's fake has stopped: no
        request reaches the world any more, so nothing would read what it changed (a
        handle kept past its test, in a module's global, would test nothing). Every
        handle's change comes through here: ``touched``, a handle's request
        (``run_as_sent``), a fault, a move of the clock, a Lambda trigger's work."""
        if self.stopped:
            raise UsageError(STOPPED)

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

    # ------------------------------------------------------------------ HTTP

    def front(self, request: HttpRequest) -> HttpResponse | None:
        """AWS's front end's answer to ``request`` (``front_answer``: a signature, method,
        content type or target it refuses before any service reads the request), with its
        request ids; ``None`` when the request goes on to ``handle``. Both doors ask it, so
        a client is refused alike in process and over the server; nothing is logged."""
        front = front_answer(request)
        if front is None:
            return None
        with self.lock:
            request_id, extended_id = self.ids.request_ids()
        return front_response(front, request_id, extended_id)

    def handle(
        self,
        request: HttpRequest,
        route: Route | str,
        *,
        pull: EventPull | None = None,
        refusing: bool = False,
    ) -> HttpResponse:
        """Answer one HTTP request as AWS would, and log it.

        ``route``: where the door routed it (``route_of``), or just the service it is for,
        the rest then read from the request. ``pull``: how a streaming answer's events
        come (``exchange.pushed`` for the server; by default the reader's pull moves the
        clock to each). ``refusing``: a setting the fake does not model, reported while a
        warning filter makes ``UnmodelledSettingWarning`` an error, is refused as under
        ``unmodelled="error"`` (the server's way: a client across a socket would read the
        exception as a 500, and retry it), not raised. Raises :class:`NetworkFault` where
        a scripted fault makes the network fail. The steps, in order, are in
        ``exchange.py``.
        """
        if isinstance(route, str):
            route = route_to(route, request, self.region)
        return answer(self, request, route, pull=pull, refusing=refusing)


def _note(
    work: dict[int, tuple[ServiceModel, set[str] | None]], model: ServiceModel, stream: str | None
) -> None:
    """Add ``stream`` of ``model`` (every stream of it, when None) to ``work``."""
    names = work.setdefault(id(model), (model, set()))[1]
    if names is not None and stream is not None:
        names.add(stream)
    else:
        work[id(model)] = (model, None)


class _Changes(threading.Condition):
    """``World.changed``: a condition whose ``notify_all`` costs a look when nothing waits
    (every request notifies; an event stream of the server's is rarely open)."""

    def notify_all(self) -> None:
        if self._waiters:  # type: ignore[attr-defined]
            super().notify_all()


class _Moving:
    """The clock's guard (``FakeClock.on_advance``): the world's lock, held while the clock
    moves and the world catches up; a move is refused once the world stopped."""

    __slots__ = ("_world",)

    def __init__(self, world: World) -> None:
        self._world = world

    def __enter__(self) -> None:
        self._world.refuse_if_stopped()
        self._world.lock.acquire()

    def __exit__(self, *_: object) -> None:
        self._world.lock.release()


class _Serving:
    """``World.serving``, as a class: one is made for every request, and a generator's
    context manager costs several times as much."""

    __slots__ = ("_noted", "_world")

    def __init__(self, world: World) -> None:
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
