"""One request through the engine, in the order ``World.handle`` answers it.

settle -> unknown operation -> decode -> stream and payloads -> validate -> faults ->
dispatch -> encode -> log. Each step fills in the request's ``Exchange``; the call log's
entry is made from it at the end, at whichever step the request stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from pytest_firehose._clock import FakeClock
from pytest_firehose._engine.calls import Call, Refusal
from pytest_firehose._engine.faults import NO_EFFECT, Effect, FaultHandle, FaultScript
from pytest_firehose._errors import NetworkFault, ServiceError
from pytest_firehose._ids import IdSource
from pytest_firehose._payload import Payload
from pytest_firehose._services.base import Answer
from pytest_firehose._services.firehose.settings import (
    UnmodelledSettingWarning,
    report,
    warning_refusal,
)
from pytest_firehose._wire.codec import (
    HttpRequest,
    HttpResponse,
    decode_request,
    encode_error,
    encode_result,
    is_cbor,
    media_of,
)
from pytest_firehose._wire.eventstream import encode_event_stream, stream_only_errors
from pytest_firehose._wire.routing import Route
from pytest_firehose._wire.shapes import operation_model, operation_names
from pytest_firehose._wire.surface import fully_reviewed, unreviewed, unreviewed_message
from pytest_firehose._wire.validation import validate_input


class ServiceModel(Protocol):
    """What the engine needs of a service model (FirehoseService, KinesisService)."""

    def dispatch(
        self,
        operation: str,
        params: dict[str, Any],
        record_failures: Mapping[int, str] | None = None,
    ) -> Answer: ...

    def settle(self, names: Collection[str] | None = None, until: datetime | None = None) -> None:
        """Bring the streams ``names`` names (every stream, when None) up to the clock, or
        up to ``until``: what fell due by then happens, each at its own instant."""

    def next_due(self, name: str) -> datetime | None: ...

    @property
    def streams(self) -> Mapping[str, object]: ...

    def stream_name(self, params: dict[str, Any]) -> str | None: ...

    def request_payloads(
        self, operation: str, params: dict[str, Any] | None
    ) -> tuple[Payload, ...]: ...

    def error_context(self, params: dict[str, Any]) -> dict[str, str]: ...


class Engine(Protocol):
    """What the pipeline needs of the world it answers for (``World``)."""

    account_id: str
    clock: FakeClock
    ids: IdSource
    unmodelled: str
    faults: dict[str, FaultScript]
    calls: list[Call]
    changed: threading.Condition

    def serving(self) -> AbstractContextManager[None]: ...

    def looked(self, *, tell: bool = False) -> AbstractContextManager[None]: ...

    def wrote(self, model: ServiceModel, stream: str | None) -> None: ...

    def kept(self, model: ServiceModel) -> None: ...

    def service(self, name: str, region: str | None = None) -> ServiceModel: ...


@dataclass(slots=True)
class Exchange:
    """One request on its way through: what the steps found so far. ``at`` is the fake
    time the answer carries (a scripted latency moves it); ``network`` is the network
    failure to raise once the call is logged; ``error`` and ``message``, the error the
    service answered (the client sees ``network`` instead, when there is one)."""

    route: Route
    at: datetime
    request_id: str
    extended_id: str
    stream: str | None = None
    payloads: tuple[Payload, ...] = ()
    failed: tuple[int, ...] = ()
    fault: FaultHandle | None = None
    network: NetworkFault | None = None
    error: str | None = None
    message: str | None = None
    #: A fault in the middle of a streaming answer, after ``after_events`` events.
    midstream: ServiceError | NetworkFault | None = None
    after_events: int = 0

    def stamp(self) -> dict[str, Any]:
        """What the wire puts on the answer besides its body: request ids and date."""
        return {"request_id": self.request_id, "extended_id": self.extended_id, "date": self.at}

    def call(self, status: int) -> Call:
        """The call log's entry for this request, answered with ``status``. A timeout
        whose request the service refused keeps the refusal: nothing was committed."""
        network = self.network
        refusal = None
        if network is not None:
            outcome = "timeout"
            if self.error is not None:
                refusal = Refusal(self.error, self.message, status)
        elif self.error:
            outcome = "error"
        else:
            outcome = "partial" if self.failed else "ok"
        route = self.route
        # By position, in the order of Call's fields: thirteen keywords would cost each
        # request about 5,000 instructions more.
        return Call(
            route.service,
            route.operation,
            self.stream,
            self.payloads,
            route.attempt,
            route.invocation_id,
            outcome,
            None if network is not None else status,  # status
            network.kind if network is not None else self.error,  # error
            self.failed,
            self.fault.fault if self.fault is not None else None,
            self.at,
            route.region,
            refusal,
        )


def answer(
    world: Engine,
    request: HttpRequest,
    route: Route,
    *,
    pull: EventPull | None = None,
    refusing: bool = False,
) -> HttpResponse:
    """Answer one request as AWS would, and log it (see ``World.handle``). ``pull``: how
    a streaming answer's events come (by default, ``_events``); ``refusing``: whether an
    ``UnmodelledSettingWarning`` a filter made an error is answered as the refusal
    ``unmodelled="error"`` gives (else it is raised)."""
    with world.serving():
        exchange = Exchange(route, world.clock.now(), *world.ids.request_ids())
        media = media_of(request.headers)
        try:
            try:
                body = _serve(world, exchange, request)
            except UnmodelledSettingWarning as warning:
                if not refusing:
                    raise
                raise warning_refusal(warning) from None
            # Only SubscribeToShard's answer has one (a runtime protocol check costs more
            # than the rest of a small request's dispatch: look for the member first).
            feed = body.get("EventStream")
            if feed is not None and isinstance(feed, EventFeed):
                events = (pull or _events)(world, feed)
                if exchange.midstream is not None:
                    events = _interrupted(world, feed, events, exchange)
                response = encode_event_stream(events, **exchange.stamp())
            else:
                output = operation_model(route.service, route.operation).output_shape
                response = encode_result(body, media=media, output=output, **exchange.stamp())
        except ServiceError as failure:
            exchange.error, exchange.message = failure.code, failure.message
            if failure.code in stream_only_errors(route.service, route.operation):
                # An error only an event stream carries: the stream opens, then fails.
                event = (failure.code, {"message": failure.message or ""}, True)
                response = encode_event_stream(iter([event]), **exchange.stamp())
            else:
                response = encode_error(failure, media=media, **exchange.stamp())
        world.calls.append(exchange.call(response.status))
    if exchange.network is not None:
        raise exchange.network
    return response


@runtime_checkable
class EventFeed(Protocol):
    """The events of a streaming answer (SubscribeToShard's ``SubscriptionFeed``)."""

    def wait(self) -> timedelta: ...

    def ready(self) -> bool: ...

    def next_event(self) -> Event | None: ...

    def end(self) -> None: ...


#: One message of an event stream: its type, members, and whether it is an exception.
Event = tuple[str, dict[str, Any], bool]
#: How a door's reader gets a feed's events (``_events``, or ``pushed``'s partial).
EventPull = Callable[[Engine, EventFeed], Iterator[Event]]


def _events(world: Engine, feed: EventFeed) -> Iterator[Event]:
    """A feed's events as the reader pulls them, each under the world's lock: the clock
    first moves to when the event falls due (time passes only as the reader reads)."""
    while True:
        # Reading a feed changes no stream's schedule: no stream is asked again when it
        # falls due (that would cost every event something per other stream).
        with world.looked(tell=True):
            wait = feed.wait()
            if wait > timedelta(0):
                world.clock.advance(wait)
            event = feed.next_event()
        if event is None:
            return
        yield event


def _interrupted(
    world: Engine, feed: EventFeed, events: Iterator[Event], exchange: Exchange
) -> Iterator[Event]:
    """A stream a scripted fault breaks after ``exchange.after_events`` events: then an
    exception event, or the connection drops (``NetworkFault``); either ends the
    subscription. A stream that ends sooner ends as it would."""
    failure = exchange.midstream
    for _ in range(exchange.after_events):
        event = next(events, None)
        if event is None:
            return  # over before the fault fell due
        yield event
        if event[2]:  # an exception event of its own ended it
            return
    with world.looked(tell=True):  # a subscription's end moves no stream's schedule
        feed.end()
    if isinstance(failure, ServiceError):
        yield failure.code, {"message": failure.message or ""}, True
    elif failure is not None:
        raise failure


def pushed(
    world: Engine, feed: EventFeed, *, listening: Callable[[], bool], recheck: float
) -> Iterator[Event]:
    """A feed's events as the world makes them, for a reader that cannot move the clock
    (a client of the server): each is sent once it is ready without moving the clock
    (records arrived, the shard closed, the subscription ended or the clock reached the
    event's time), waiting in between on ``world.changed``. ``listening``: whether the
    reader is still there; asked every ``recheck`` seconds of waiting, which also catches
    a clock a time freezer moved behind the fake's back."""
    while True:
        with world.looked(tell=True):
            while not feed.ready():
                if not listening():
                    return
                world.changed.wait(recheck)
            event = feed.next_event()
        if event is None:
            return
        yield event


def _serve(world: Engine, exchange: Exchange, request: HttpRequest) -> dict[str, Any]:
    """The body of the service's answer, or the ``ServiceError`` it fails with."""
    service, operation = exchange.route.service, exchange.route.operation
    if operation not in operation_names(service):
        raise ServiceError("UnknownOperationException", None)
    params, valid = decode_request(
        service,
        operation,
        request.body,
        cbor_body=is_cbor(request.headers),
        serialized=request.serialized,
        written=request.written,
    )
    model = world.service(service, exchange.route.region)
    exchange.stream = model.stream_name(params)
    exchange.payloads = model.request_payloads(operation, params)
    if not valid:
        validate_input(service, operation, params)
    if not (valid and fully_reviewed(service, operation)):
        # Only a request the one-pass check sent the full way, or an operation a botocore
        # newer than this release gave members, can hold a member nobody reviewed.
        report_unreviewed(world.unmodelled, service, operation, params)
    effect = _fault(world, exchange, model, params, request)
    if not effect.commit:
        return {}
    # Only the operation changes streams (what comes before it only reads or refuses).
    try:
        result = model.dispatch(operation, params, effect.record_failures)
    except BaseException:
        world.wrote(model, exchange.stream)
        raise
    if result.due_kept:
        world.kept(model)
    else:
        world.wrote(model, exchange.stream)
    exchange.failed = result.failed
    return result.body


def report_unreviewed(policy: str, service: str, operation: str, params: dict[str, Any]) -> None:
    """Report the members of ``params`` this release has not reviewed as settings the fake
    does not model: a warning each, or (``policy="error"``) ``InvalidArgumentException``."""
    found = unreviewed(service, operation, params)
    if found:
        report([unreviewed_message(path) for path in found], policy)


def _fault(
    world: Engine,
    exchange: Exchange,
    model: ServiceModel,
    params: dict[str, Any],
    request: HttpRequest,
) -> Effect:
    """What the scripted fault that hits this request does to it (nothing, when none
    does). A scripted error is raised; a network failure waits in the exchange."""
    route = exchange.route
    script = world.faults[route.service]
    if not script.handles:  # nothing scripted (most requests)
        return NO_EFFECT
    entries = params.get("Entries")
    hit = script.take(
        route.operation,
        exchange.stream,
        exchange.payloads,
        entries=len(entries) if isinstance(entries, list) else 0,
    )
    if hit is None:
        return NO_EFFECT
    exchange.fault = hit.handle
    context = {**model.error_context(params), "operation": route.operation}
    effect = hit.apply(world.clock, request.read_timeout, context)
    exchange.network = effect.network
    exchange.midstream, exchange.after_events = effect.midstream, effect.after_events
    if isinstance(effect.midstream, ServiceError):
        exchange.error = effect.midstream.code
    exchange.at = world.clock.now()
    return effect
