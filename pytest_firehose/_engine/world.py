"""One fake world: services per region, the clock, ids and the call log, behind one lock
(how it is brought up to the clock is ``settling.py``'s)."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.factory import bucket_destination, destination_for
from pytest_firehose._destinations.search_indexes import SearchIndexes
from pytest_firehose._destinations.snowflake_tables import SnowflakeTables
from pytest_firehose._engine.calls import Call
from pytest_firehose._engine.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from pytest_firehose._engine.exchange import EventPull, ServiceModel, answer
from pytest_firehose._engine.faults import FaultScript
from pytest_firehose._engine.settling import Settling
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


class World(Settling):
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
        self.faults = {service: FaultScript() for service in self.SERVED}
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

    def calls_for(self, service: str) -> list[Call]:
        """The calls to ``service``, in order."""
        with self.looked():
            return [call for call in self.calls if call.service == service]

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

    def refuse_if_stopped(self) -> None:
        """Refuse a change a test's handle asks for once the world's fake has stopped: no
        request reaches the world any more, so nothing would read what it changed (a
        handle kept past its test, in a module's global, would test nothing). Every
        handle's change comes through here: ``touched``, a handle's request
        (``run_as_sent``), a fault, a move of the clock, a Lambda trigger's work."""
        if self.stopped:
            raise UsageError(STOPPED)

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
