"""What the ``firehose`` and ``kinesis`` handles share: the clock, the call log, faults, and
finding a stream by name across regions."""

from __future__ import annotations

import difflib
import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Concatenate, Generic, ParamSpec, Protocol, TypeVar, cast

from pytest_firehose._clock import FakeClock
from pytest_firehose._engine.calls import Call
from pytest_firehose._engine.config import check_region
from pytest_firehose._engine.exchange import ServiceModel, report_unreviewed
from pytest_firehose._engine.fault_checks import make_fault
from pytest_firehose._engine.fault_keywords import FaultSpec, RecordsSpec
from pytest_firehose._engine.faults import FaultHandle
from pytest_firehose._engine.world import World
from pytest_firehose._errors import ServiceError, StreamKeyError, Term, UsageError
from pytest_firehose._terms import listed_keywords, misfit, terms, written
from pytest_firehose._wire.codec import decode_as_written
from pytest_firehose._wire.validation import unsendable, validate_input, without_nulls


class StreamService(ServiceModel, Protocol):
    """What a handle needs of a service model in one region (FirehoseService,
    KinesisService): what the engine needs, and its region."""

    @property
    def region(self) -> str: ...


#: The operations that begin and end a stream's life, per service.
LIFECYCLE = {
    "firehose": ("CreateDeliveryStream", "DeleteDeliveryStream"),
    "kinesis": ("CreateStream", "DeleteStream"),
}


def refuse_twice_given(call: str, options: Mapping[str, Any], given: Mapping[str, str]) -> None:
    """Refuse ``options`` that say again what an argument of ``call`` says: ``given`` maps
    the API's name (``StreamName``) to the argument's (``name``). One would silently win."""
    said = terms()
    for member, argument in given.items():
        if member in options:
            named = said.name(argument)
            role = said.phrase(f"{argument} argument", f"{named} field")
            raise UsageError(
                f"{said.call(f'{call}(..., {member}={options[member]!r})')}: "
                f"{said.name(member)} is the {role}; pass it once, as {named}"
            )


def check_switch(call: str, value: object, name: str = "enabled") -> None:
    """Refuse a switch or flag (``call``'s parameter ``name``) that is not a bool
    (``"false"`` would turn it on)."""
    if not isinstance(value, bool):
        raise UsageError(f"{call}({name}) takes True or False, not {value!r}")


def run_as_sent(
    world: World, model: StreamService, service: str, operation: str, params: dict[str, Any]
) -> None:
    """Run ``operation`` on ``model`` as a botocore client's request with ``params`` would
    run: refused as botocore refuses to send it, as the front end refuses to read it once
    written (``True`` for an integer), or as the service refuses it, each a ``UsageError``
    in their words."""
    world.refuse_if_stopped()
    refused = unsendable(service, operation, params)
    if refused is not None:
        raise refused
    with world.serving():
        # As a request: what it changed is scheduled again, not every stream of the world.
        world.wrote(model, model.stream_name(params))
        try:
            # None is a member left out, as JSON's null is (botocore's writer cannot
            # write it where a structure, list or map goes).
            sent = decode_as_written(service, operation, without_nulls(params))
            validate_input(service, operation, sent)
            report_unreviewed(world.unmodelled, service, operation, sent)
            model.dispatch(operation, sent)
        except ServiceError as error:
            raise would_answer(service, operation, error) from None


def would_answer(service: str, operation: str, error: ServiceError) -> UsageError:
    """The ``UsageError`` of a handle's call the service refuses with ``error``."""
    said = "" if error.message is None else f": {error.message}"  # some answers carry none
    return UsageError(f"{operation}: {service} would answer {error.code}{said}")


def deleted_error(service: str, noun: str, name: str, question: str) -> UsageError:
    """The error a deleted stream's handle raises when asked about the stream's present."""
    return UsageError(
        f"{noun} {name!r} was deleted after this handle was taken ({LIFECYCLE[service][1]} "
        f"or a reset of the fake), so it has no {question} any more. What it accepted and "
        f"its calls stay readable on this handle, as they were at the deletion; for a "
        f"{noun} created since under that name, ask {service}[{name!r}] again."
    )


def _may_have_run(call: Call) -> bool:
    """Whether the service may have carried the call out: it was not refused, neither in
    an error answer nor in one a scripted timeout kept from the client."""
    return call.outcome != "error" and call.refusal is None


class Lifetime:
    """One stream's life, told apart from a stream created later under its name: whether it
    was deleted, and which entries of the call log are its own, from its creation (for a
    stream a fixture created, from the deletion of the one that had the name before) to its
    deletion. A stream handle keeps one."""

    def __init__(
        self,
        world: World,
        service: str,
        noun: str,
        stream: object,
        name: str,
        region: str,
        models: Callable[[], Iterable[StreamService]],
    ) -> None:
        self._world = world
        self._service = service
        self._noun = noun
        self._stream = stream
        self._name = name
        self._region = region
        #: The service's models in every region of the world, as they are now.
        self._models = models
        self._create, self._delete = LIFECYCLE[service]
        with world.lock:
            self._start = self._begin()

    @property
    def deleted(self) -> bool:
        """Whether the stream was deleted since the handle was taken (a stream created
        again under its name is another stream, with handles of its own)."""
        with self._world.looked():
            # The world's models, not the one the handle was taken from: a reset drops those.
            return all(
                model.streams.get(self._name) is not self._stream for model in self._models()
            )

    def require_live(self, question: str) -> None:
        """Refuse a question about the stream's present once it was deleted."""
        if self.deleted:
            raise deleted_error(self._service, self._noun, self._name, question)

    def calls(self) -> list[Call]:
        """The stream's calls in order; up to its deletion once it was deleted."""
        deleted = self.deleted
        with self._world.looked():
            named = [
                (position, call) for position, call in self._named() if position >= self._start
            ]
        if deleted:
            end = self._end(named)
            named = [(position, call) for position, call in named if position <= end]
        return [call for _, call in named]

    def _named(self) -> list[tuple[int, Call]]:
        """(position in the log, call) for every call that named the stream's name."""
        return [
            (position, call)
            for position, call in enumerate(self._world.calls)
            if call.service == self._service
            and call.stream == self._name
            and call.region == self._region
        ]

    def _begin(self) -> int:
        """Where the live stream's life began: its successful create, or the call after
        the last deletion of that name (a fixture's create is not in the log). Read from
        the end of the log, which is where it is."""
        calls = self._world.calls
        for position in range(len(calls) - 1, -1, -1):
            call = calls[position]
            if (call.service, call.stream, call.region) != (
                self._service,
                self._name,
                self._region,
            ):
                continue
            if call.operation == self._create and call.outcome == "ok":
                return position
            if call.operation == self._delete and _may_have_run(call):
                return position + 1
        return 0

    def _end(self, named: list[tuple[int, Call]]) -> int:
        """The position of the call that deleted the stream: the first delete answered
        with success, else the first whose answer a scripted timeout kept from the client
        (it may have been carried out: the service did not refuse it)."""
        deletes = [
            (position, call)
            for position, call in named
            if call.operation == self._delete and _may_have_run(call)
        ]
        for outcome in ("ok", "timeout"):
            for position, call in deletes:
                if call.outcome == outcome:
                    return position
        return named[-1][0] if named else self._start


Model = TypeVar("Model", bound=StreamService)
StreamHandle = TypeVar("StreamHandle")
_Params = ParamSpec("_Params")
_Result = TypeVar("_Result")
_Handle = TypeVar("_Handle", bound="ServiceHandle[Any, Any]")


def keywords_checked(
    method: Callable[Concatenate[_Handle, _Params], _Result],
) -> Callable[Concatenate[_Handle, _Params], _Result]:
    """Refuse a call of a handle's ``method`` whose arguments do not fit its signature (a
    misspelt keyword, an argument by position) with a :class:`UsageError` naming the
    keyword meant and every keyword, as a fail marker does, in place of Python's
    ``TypeError``. The signature stays ``method``'s, for type checkers and IDEs."""
    signature = inspect.signature(method)
    unbound = signature.replace(parameters=list(signature.parameters.values())[1:])

    @functools.wraps(method)
    def checked(handle: _Handle, /, *args: _Params.args, **kwargs: _Params.kwargs) -> _Result:
        reason = misfit(unbound, args, kwargs)
        if reason:
            raise UsageError(
                f"{handle.service}.{method.__name__}({written(args, kwargs)}): {reason} "
                f"Its keywords: {listed_keywords(unbound)}."
            )
        return method(handle, *args, **kwargs)

    return checked


class ServiceHandle(ABC, Generic[Model, StreamHandle]):
    """The handle on one service of a fake world (the ``firehose`` or ``kinesis`` fixture).

    A subclass says which service it is, and how to reach its typed models in the world
    and wrap one of their streams in a stream handle.
    """

    #: The service's name in the world and the fault script ("firehose", "kinesis").
    service: ClassVar[str]
    #: What a stream is called in messages ("delivery stream", "stream").
    _noun: ClassVar[str]
    #: The world's other service, and what its streams are called: a stream of that name
    #: there is named in the lookup's error ("kinesis", "Kinesis data stream").
    _other: ClassVar[tuple[str, str]]

    def __init__(self, world: World) -> None:
        self._world = world

    @abstractmethod
    def _models(self) -> list[Model]:
        """The service's model in every region the world has one."""

    @abstractmethod
    def _model(self, region: str | None) -> Model:
        """The service's model in ``region`` (the default region if None), made if need be."""

    @abstractmethod
    def _handle(self, model: Model, name: str) -> StreamHandle:
        """The handle on ``model``'s stream ``name``."""

    @property
    def clock(self) -> FakeClock:
        """The world's fake clock, shared by every service of the world."""
        return self._world.clock

    @property
    def calls(self) -> list[Call]:
        """Every HTTP attempt at this service the fake answered, in order."""
        return self._world.calls_for(self.service)

    @keywords_checked
    def fail(
        self,
        *,
        records: RecordsSpec | None = None,
        throttle: bool | int | None = None,
        error: str | None = None,
        timeout: str | None = None,
        latency: float | None = None,
        chaos: float | None = None,
        seed: int | None = None,
        operation: str | None = None,
        stream: str | None = None,
        call: int = 1,
        times: int | None = None,
        events: int | None = None,
        optional: bool = False,
    ) -> FaultHandle:
        """Schedule a fault for the next matching request(s) to this service.

        One effect: ``records=`` (per-record failures in a 200 answer: ``{index: code}``,
        a list of indices, or a predicate on the payload), ``throttle=`` (True or a number
        of requests), ``error=`` (a whole-call error code), ``timeout=`` (``"commit"``,
        ``"lost"`` or ``"connect"``), ``latency=`` (seconds of fake time) or ``chaos=``
        (a per-record failure probability, with ``seed=``). Narrowed by ``operation=``,
        ``stream=``, ``call=`` (the Nth matching request from now) and ``times=``;
        ``events=N`` makes ``error=`` or ``timeout="lost"`` hit a SubscribeToShard stream
        after its Nth event instead of the call.
        A fault that never fires fails the test at teardown unless ``optional=True``.
        Returns a handle whose ``.fired`` counts the requests it hit.
        """
        spec = FaultSpec(
            records=records,
            throttle=throttle,
            error=error,
            timeout=timeout,
            latency=latency,
            chaos=chaos,
            seed=seed,
            operation=operation,
            stream=stream,
            call=call,
            times=times,
            events=events,
            optional=optional,
        )
        self._world.refuse_if_stopped()
        return self._world.faults[self.service].add(make_fault(self.service, spec))

    @property
    def faults(self) -> list[FaultHandle]:
        """Every fault scheduled for this service, in order, with how often it fired."""
        return list(self._world.faults[self.service].handles)

    def stream_names(self, region: str | None = None) -> list[str]:
        """The names of this service's streams, in every region or in ``region``."""
        check_region(region)
        with self._world.looked():
            return sorted(
                {name for model, name in self._everywhere() if region in (None, model.region)}
            )

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.stream_names()

    def stream(self, name: str, *, region: str | None = None) -> StreamHandle:
        """The stream ``name``: in ``region`` if given, else in the default region, else in
        the one region that has it. Raises :class:`StreamKeyError` (a ``KeyError``)
        listing the known streams."""
        check_region(region)
        return self._handle(self._find(name, region), name)

    def __getitem__(self, name: str) -> StreamHandle:
        return self.stream(name)

    def __repr__(self) -> str:
        """What a failed test's traceback shows of the fixture: its streams and calls."""
        with self._world.looked():
            names = sorted({name for _, name in self._everywhere()})
            calls = sum(call.service == self.service for call in self._world.calls)
        streams = ", ".join(map(repr, names)) or "none"
        return f"<{type(self).__name__} {self._noun}s: {streams}; {calls} call(s)>"

    def __iter__(self) -> Iterator[StreamHandle]:
        """Every stream of this service, in every region."""
        with self._world.looked():
            found = self._everywhere()
        return iter([self._handle(model, name) for model, name in found])

    def _everywhere(self) -> list[tuple[Model, str]]:
        """(service model, stream name) for every stream in every region."""
        return [(model, name) for model in self._models() for name in model.streams]

    def _create(self, operation: str, params: dict[str, Any], region: str | None) -> Model:
        """Run a create operation as the service would, refusing what it would refuse, and
        what botocore would refuse to send."""
        check_region(region)
        model = self._model(region)
        run_as_sent(self._world, model, self.service, operation, params)
        return model

    def _find(self, name: str, region: str | None) -> Model:
        """The service model holding stream ``name``: in ``region`` if given, else in the
        default region, else in the one region that has it. The error lists the known ones."""
        # Each message is worded once, its names quoted by a term (``StreamKeyError``);
        # the fixes that are Python calls are Python whoever reads them.
        noun, service = self._noun, self.service
        if not isinstance(name, str):
            raise StreamKeyError(
                lambda term: (
                    f"{noun} names are strings: ask {service}['orders'], not {service}[{name!r}]"
                )
            )
        other, other_noun = self._other
        with self._world.looked():
            everywhere = [model for model, n in self._everywhere() if n == name]
            known = sorted({n for _, n in self._everywhere()})
            namesake = any(
                name in model.streams and region in (None, model.region)
                for model in cast("list[StreamService]", self._world.services(other))
            )
        found = [model for model in everywhere if region in (None, model.region)]
        if len(found) > 1:
            found = [model for model in found if model.region == self._world.region]
        if len(found) == 1:
            return found[0]
        regions = tuple(sorted(model.region for model in everywhere))
        if region is not None and regions:

            def elsewhere(term: Term) -> str:
                return f"no {noun} {term(name)} in {region}; it exists in {', '.join(regions)}"

            raise StreamKeyError(
                lambda term: (
                    f"{elsewhere(term)}: use {service}.stream({name!r}, region={regions[0]!r})"
                ),
                problem=elsewhere,
                regions=regions,
            )
        if regions:

            def several(term: Term) -> str:
                return f"{noun} {term(name)} exists in several regions ({', '.join(regions)})"

            raise StreamKeyError(
                lambda term: f"{several(term)}; use {service}.stream({name!r}, region=...)",
                problem=several,
                regions=regions,
            )
        close = difflib.get_close_matches(name, known, n=1)

        def unknown(term: Term) -> str:
            listing = ", ".join(term(k) for k in known) or "none"
            if namesake:  # a likelier slip than a misspelling
                hint = f" {term(name)} is a {other_noun}"
            else:
                hint = f" Did you mean {term(close[0])}?" if close else ""
            return f"no {noun} {term(name)}; known streams: {listing}.{hint}"

        if namesake:
            call = f"{other}[{name!r}]"
            if region is not None:
                call = f"{other}.stream({name!r}, region={region!r})"
            raise StreamKeyError(
                lambda term: f"{unknown(term)}: use {call}", problem=unknown, service=other
            )
        raise StreamKeyError(unknown)
