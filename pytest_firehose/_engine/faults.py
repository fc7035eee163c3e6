"""The fault script: faults as data, matched against each request in the order scheduled,
and what each effect does to the request it hits."""

from __future__ import annotations

import difflib
import math
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from pytest_firehose._clock import FakeClock
from pytest_firehose._engine.fault_keywords import EFFECTS, FaultSpec, RecordsSpec
from pytest_firehose._errors import NetworkFault, ServiceError, UsageError
from pytest_firehose._payload import Payload, payload_bytes, shown
from pytest_firehose._services.codes import (
    BATCH_PUT,
    CALL_ERRORS,
    ENTRY_ERRORS,
    ENTRY_OPERATIONS,
    ENTRY_THROTTLE,
    PUTS,
    RECORD_ERRORS,
    THROTTLE_CODE,
    call_error,
)
from pytest_firehose._wire.eventstream import stream_errors
from pytest_firehose._wire.shapes import service_model

#: ``latency=``'s ceiling, in seconds of fake time: a day is past any client's read timeout,
#: and a bound keeps a fault from moving the clock out of the dates it can hold.
MAX_LATENCY = 86_400.0
#: ``timeout=``: its values, and what each does to the request.
TIMEOUTS = {
    "commit": "the records are committed, then the client sees a read timeout",
    "lost": "the client sees a read timeout and nothing was committed",
    "connect": "the connection times out; the request never reaches the service",
}


@dataclass(frozen=True)
class Fault:
    """One scripted fault: exactly one effect, and where it applies.

    ``times=None`` means every matching request (the default for ``chaos``).
    """

    service: str
    effect: str
    value: Any
    operation: str | None = None
    stream: str | None = None
    call: int = 1
    times: int | None = 1
    seed: int | None = None
    optional: bool = False
    #: For a SubscribeToShard fault: the events its stream delivers before the fault.
    events: int | None = None

    def __repr__(self) -> str:
        if self.effect == "throttle":
            shown = repr(self.times)
        elif callable(self.value):
            shown = f"<predicate {getattr(self.value, '__name__', '?')}>"
        else:
            shown = repr(self.value)
        parts = [f"{self.effect}={shown}"]
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        for name in ("operation", "stream"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)!r}")
        if self.call != 1:
            parts.append(f"call={self.call}")
        default_times = None if self.effect == "chaos" else 1
        if self.times != default_times and self.effect != "throttle":
            parts.append(f"times={self.times}")
        if self.events is not None:
            parts.append(f"events={self.events}")
        if self.optional:
            parts.append("optional=True")
        return f"{self.service}_fail({', '.join(parts)})"

    def operations(self) -> tuple[str, ...]:
        """The operations this fault can hit."""
        if self.operation is not None:
            return (self.operation,)
        if self.effect in ("records", "chaos"):
            return (BATCH_PUT[self.service],)
        return PUTS[self.service]


# ---------------------------------------------------------------------- checking the keywords


def _require_known(value: str, accepted: Iterable[str], problem: str) -> None:
    """Raise a UsageError saying ``problem``, a close match, and every accepted value."""
    accepted = sorted(accepted)
    if not isinstance(value, str):
        raise UsageError(f"{problem}: give it as a string. Accepted: {', '.join(accepted)}.")
    if value in accepted:
        return
    close = difflib.get_close_matches(value, accepted, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UsageError(f"{problem}.{hint} Accepted: {', '.join(accepted)}.")


def _check_codes(service: str, codes: Iterable[str], table: Mapping[str, Any], what: str) -> None:
    for code in codes:
        _require_known(code, table, f"{code!r} is not a {what} {service} answers with")


def _is_index(index: Any) -> bool:
    return isinstance(index, int) and not isinstance(index, bool) and index >= 0


def _records_value(service: str, records: RecordsSpec, operation: str | None) -> Any:
    """``records=`` checked: the predicate, or index -> code. For an operation with
    ``Entries`` (``ENTRY_OPERATIONS``) the indices are its entries' and the codes its own."""
    entries = operation in ENTRY_OPERATIONS[service]
    per_record = ENTRY_ERRORS if entries else RECORD_ERRORS[service]
    if callable(records):
        if entries:
            raise UsageError(
                f"records= for {operation} names its Entries by 0-based index (a predicate "
                "picks records by payload, and entries carry none), e.g. records=[0]"
            )
        return records
    if isinstance(records, (str, bytes)) or not isinstance(records, Iterable):
        raise UsageError(
            "records= is {index: code}, a list of 0-based indices or a predicate on the "
            f"payload, e.g. records=[0, 2]; got {records!r}"
        )
    indices = list(records)
    bad = [index for index in indices if not _is_index(index)]
    if bad:
        raise UsageError(f"records= indices are 0-based positions in the batch, got {bad[0]!r}")
    if isinstance(records, Mapping):
        value = dict(records)
        what = f"per-entry error code {operation}" if entries else "per-record error code"
        _check_codes(service, value.values(), per_record, what)
    else:
        value = dict.fromkeys(indices, ENTRY_THROTTLE if entries else THROTTLE_CODE[service])
    if not value:
        raise UsageError("records= names no record; give at least one index")
    return value


#: What an effect's checker returns: the fault's value, and how many requests it hits.
Checked: TypeAlias = tuple[Any, int | None]


def _check_records(service: str, value: Any, spec: FaultSpec) -> Checked:
    operation = spec.operation
    if operation not in (None, BATCH_PUT[service], *ENTRY_OPERATIONS[service]):
        entries = ", ".join(sorted(ENTRY_OPERATIONS[service]))
        raise UsageError(
            f"records= fails records inside a {BATCH_PUT[service]} answer"
            + (f" or entries inside the answer of {entries}" if entries else "")
            + f"; {operation} has no per-record results. Use throttle= or error= for it."
        )
    return _records_value(service, value, operation), spec.times


def _check_throttle(service: str, value: Any, spec: FaultSpec) -> Checked:
    count = 1 if value is True else value
    if not _is_count(count):
        raise UsageError(f"throttle= is True or a number of requests, got {value!r}")
    if spec.times is not None:
        raise UsageError("throttle=N already says how many requests; drop times=")
    return True, count


def _check_error(service: str, value: Any, spec: FaultSpec) -> Checked:
    _check_codes(service, [value], CALL_ERRORS[service], "whole-call error code")
    return value, spec.times


def _check_timeout(service: str, value: Any, spec: FaultSpec) -> Checked:
    if not isinstance(value, str) or value not in TIMEOUTS:
        accepted = "; ".join(f"{k!r}: {v}" for k, v in TIMEOUTS.items())
        raise UsageError(f"timeout= is one of {accepted}. Got {value!r}.")
    return value, spec.times


def _check_latency(service: str, value: Any, spec: FaultSpec) -> Checked:
    if not _is_number(value) or not 0 <= value <= MAX_LATENCY:
        raise UsageError(
            f"latency= is seconds of fake time, from 0 to {MAX_LATENCY:,.0f} (a day), got {value!r}"
        )
    return value, spec.times


def _check_chaos(service: str, value: Any, spec: FaultSpec) -> Checked:
    if not _is_number(value) or not 0 < value <= 1:
        raise UsageError(f"chaos= is a failure probability in (0, 1], got {value!r}")
    if spec.operation is not None and spec.operation != BATCH_PUT[service]:
        raise UsageError(f"chaos= fails records inside a {BATCH_PUT[service]} answer")
    return value, spec.times


def _is_number(value: Any) -> bool:
    """A finite int or float, not a bool (NaN compares false with everything)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _is_count(value: Any) -> bool:
    """An int of 1 or more, not a bool."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


#: One checker per effect: (service, the effect's value, the whole spec) -> Checked.
CHECKERS: dict[str, Callable[[str, Any, FaultSpec], Checked]] = {
    "records": _check_records,
    "throttle": _check_throttle,
    "error": _check_error,
    "timeout": _check_timeout,
    "latency": _check_latency,
    "chaos": _check_chaos,
}


def _check_scope(service: str, effect: str, spec: FaultSpec) -> None:
    """Check the keywords that say where a fault applies, whatever its effect."""
    if spec.seed is not None and effect != "chaos":
        raise UsageError("seed= goes with chaos=; the other effects are not random")
    seed = spec.seed
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise UsageError(f"seed= is an integer that makes chaos= repeatable, got {seed!r}")
    if spec.operation is not None:
        operations = service_model(service).operation_names
        _require_known(spec.operation, operations, f"{service} has no operation {spec.operation!r}")
    if spec.stream is not None and (not isinstance(spec.stream, str) or not spec.stream):
        raise UsageError(f"stream= is the name of a stream, got {spec.stream!r}")
    if not _is_count(spec.call):
        raise UsageError(f"call= is the 1-based number of the matching request, got {spec.call!r}")
    times = spec.times
    if times is not None and not _is_count(times):
        raise UsageError(f"times= is how many requests the fault hits (1 or more), got {times!r}")
    if not isinstance(spec.optional, bool):
        raise UsageError(f"optional= is True or False, got {spec.optional!r}")
    if spec.events is not None:
        _check_events(service, effect, spec)


#: The operation whose answer is an event stream that ``events=`` counts the events of.
STREAMING_OPERATION = "SubscribeToShard"


def _check_events(service: str, effect: str, spec: FaultSpec) -> None:
    """``events=N``: a fault in the middle of a SubscribeToShard stream, after N events."""
    events = spec.events
    if isinstance(events, bool) or not isinstance(events, int) or events < 0:
        raise UsageError(
            "events= is how many events a SubscribeToShard stream delivers before the fault "
            f"(0 or more), got {events!r}"
        )
    if spec.operation != STREAMING_OPERATION:
        raise UsageError(
            f"events= counts the events of a {STREAMING_OPERATION} stream; give "
            f"operation={STREAMING_OPERATION!r} (got operation={spec.operation!r})"
        )
    if effect == "error":
        carried = stream_errors(service, STREAMING_OPERATION)
        _require_known(
            spec.error or "", carried, f"{spec.error!r} is not an error its event stream carries"
        )
    elif effect != "timeout" or spec.timeout != "lost":
        raise UsageError(
            "events= goes with error= (an exception event after N events) or "
            "timeout='lost' (the connection drops after N events)"
        )


def make_fault(service: str, spec: FaultSpec) -> Fault:
    """Check a fault's keywords and build the :class:`Fault` they describe."""
    given = spec.given_effects()
    if len(given) != 1:
        named = ", ".join(f"{k}=" for k in given) or "none"
        raise UsageError(
            f"a fault names exactly one effect out of {', '.join(f'{e}=' for e in EFFECTS)}; "
            f"got {named}. Schedule several faults for several effects."
        )
    ((effect, value),) = given.items()
    _check_scope(service, effect, spec)
    value, times = CHECKERS[effect](service, value, spec)
    default_times = None if effect == "chaos" else 1
    return Fault(
        service=service,
        effect=effect,
        value=value,
        operation=spec.operation,
        stream=spec.stream,
        call=spec.call,
        times=default_times if times is None else times,
        seed=spec.seed,
        optional=spec.optional,
        events=spec.events,
    )


@dataclass
class FaultHandle:
    """What ``.fail()`` returns: the fault, and how often it fired."""

    fault: Fault
    fired: int = 0
    seen: int = 0
    #: Why requests did not match: "operation PutRecord" / "stream 'x'" -> count.
    misses: Counter[str] = field(default_factory=Counter)
    #: Requests it would have hit that an earlier-scheduled fault took, by that fault.
    shadowed: Counter[str] = field(default_factory=Counter)
    #: What a ``records=`` predicate raised, and on which record.
    predicate_error: str | None = None
    _random: random.Random | None = field(default=None, repr=False)

    @property
    def exhausted(self) -> bool:
        """Whether the fault has fired as many ``times`` as it was given."""
        return self.fault.times is not None and self.fired >= self.fault.times

    def chance(self) -> random.Random:
        """The fault's own random source (seeded by its ``seed``), for ``chaos``."""
        if self._random is None:
            self._random = random.Random(self.fault.seed)
        return self._random

    def why_not_fired(self) -> str:
        """Why a fault that never fired did not: what it waited for and what came."""
        fault = self.fault
        if self.predicate_error is not None:
            return f"{self.predicate_error}; make the predicate return False for it"
        if self.shadowed:
            taken = ", ".join(f"{what} x{n}" for what, n in self.shadowed.most_common())
            return (
                f"the {sum(self.shadowed.values())} request(s) it matched were taken by "
                f"faults scheduled before it: {taken}"
            )
        if self.seen:
            return (
                f"only {self.seen} matching request(s) arrived and call={fault.call} waits "
                f"for request number {fault.call}"
            )
        if not self.misses:
            return "no request reached the fake after it was scheduled"
        wanted = f"operation in {list(fault.operations())}"
        if fault.stream is not None:
            wanted += f" and stream {fault.stream!r}"
        seen = ", ".join(f"{what} x{n}" for what, n in self.misses.most_common())
        return f"it waits for {wanted}; what arrived did not match: {seen}"

    def __repr__(self) -> str:
        return f"<FaultHandle {self.fault!r} fired={self.fired}>"


class FaultScript:
    """The scheduled faults of one service, consumed in the order they were scheduled."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.handles: list[FaultHandle] = []
        #: Reentrant: a ``records=`` predicate runs under it, and may schedule a fault.
        self._lock = threading.RLock()

    def add(self, fault: Fault) -> FaultHandle:
        handle = FaultHandle(fault)
        with self._lock:
            self.handles.append(handle)
        return handle

    def take(
        self,
        operation: str,
        stream: str | None,
        payloads: Sequence[Payload],
        entries: int = 0,
    ) -> Hit | None:
        """The fault that hits this request, if any, counted as fired; with the records
        (or, for an operation of ``ENTRY_OPERATIONS``, the ``entries`` entries) it fails,
        for ``records=`` and ``chaos=`` faults.

        A ``records=`` fault matches only a batch in which it fails at least one record.
        A fault a predicate schedules while it runs waits for the next request.
        """
        chosen: Hit | None = None
        with self._lock:
            for handle in list(self.handles):
                if handle.exhausted:
                    continue
                fault = handle.fault
                if operation not in fault.operations():
                    handle.misses[f"operation {operation}"] += 1
                    continue
                if fault.stream is not None and stream != fault.stream:
                    handle.misses[f"stream {stream!r}"] += 1
                    continue
                codes: dict[int, str] = {}
                if fault.effect == "records":
                    codes = _record_codes(handle, operation, payloads, entries)
                    if not codes:
                        handle.misses[_no_record_failed(fault, len(payloads) or entries)] += 1
                        continue
                handle.seen += 1
                if handle.seen < fault.call:
                    continue
                if chosen is None:
                    chosen = Hit(handle, codes)
                else:
                    handle.shadowed[repr(chosen.handle.fault)] += 1
            if chosen is not None:
                chosen.handle.fired += 1
                if chosen.handle.fault.effect == "chaos":
                    chosen = Hit(chosen.handle, _chaos_codes(chosen.handle, len(payloads)))
        return chosen

    def unfired(self) -> list[FaultHandle]:
        with self._lock:
            return [h for h in self.handles if h.fired == 0 and not h.fault.optional]


@dataclass(frozen=True)
class Effect:
    """What a fault does to the request it hits, short of a scripted error answer."""

    #: The network failure the client sees once the call is logged; None: it gets an answer.
    network: NetworkFault | None = None
    #: Whether the service carries the request out.
    commit: bool = True
    #: Records that fail inside a 200 answer (0-based index -> ErrorCode).
    record_failures: Mapping[int, str] = field(default_factory=dict)
    #: For a streaming answer: the events it delivers before ``midstream`` happens (an
    #: exception event for a ServiceError, the connection dropped for a NetworkFault).
    after_events: int = 0
    midstream: ServiceError | NetworkFault | None = None


#: What a request no fault hits goes through with.
NO_EFFECT = Effect()


@dataclass(frozen=True)
class Hit:
    """A fault that hits a request, and the records it fails there (index -> code)."""

    handle: FaultHandle
    record_codes: dict[int, str]

    def apply(
        self, clock: FakeClock, read_timeout: float | None, context: Mapping[str, str]
    ) -> Effect:
        """Carry out the fault: raise its scripted error (``throttle=``, ``error=``), or
        return what it does to the request. ``read_timeout`` is the client's, in seconds;
        ``context`` is what the error message may name (see ``_services/codes.py``)."""
        fault = self.handle.fault
        if fault.events is not None:
            return _midstream(fault, context)
        if fault.effect in ("throttle", "error"):
            code = THROTTLE_CODE[fault.service] if fault.effect == "throttle" else fault.value
            spec = call_error(fault.service, context["operation"], code)
            raise ServiceError(spec.code, spec.render(**context), spec.status)
        if fault.effect == "timeout":
            kind = "connect-timeout" if fault.value == "connect" else "read-timeout"
            return Effect(NetworkFault(kind), commit=fault.value == "commit")
        if fault.effect == "latency":
            return _slow_answer(clock, float(fault.value), read_timeout)
        return Effect(record_failures=dict(self.record_codes))


def _midstream(fault: Fault, context: Mapping[str, str]) -> Effect:
    """An ``events=N`` fault: the subscription is made, and its stream fails after N
    events, with an exception event (``error=``) or a dropped connection."""
    failure: ServiceError | NetworkFault
    if fault.effect == "error":
        spec = call_error(fault.service, context["operation"], fault.value)
        failure = ServiceError(spec.code, spec.render(**context), spec.status)
    else:
        failure = NetworkFault("connection-error")
    return Effect(after_events=fault.events or 0, midstream=failure)


def _slow_answer(clock: FakeClock, latency: float, read_timeout: float | None) -> Effect:
    """Pass ``latency`` seconds of fake time before the answer. An answer slower than the
    client's read timeout is one it never sees; the service carried the request out all
    the same."""
    if read_timeout is not None and latency >= read_timeout:
        clock.advance(read_timeout)
        return Effect(NetworkFault("read-timeout"))
    clock.advance(latency)
    return Effect()


def _record_codes(
    handle: FaultHandle, operation: str, payloads: Sequence[Payload], entries: int
) -> dict[int, str]:
    fault = handle.fault
    if callable(fault.value):
        return _picked(handle, operation, payloads)
    size = len(payloads) or entries
    return {i: code for i, code in fault.value.items() if i < size}


def _picked(handle: FaultHandle, operation: str, payloads: Sequence[Payload]) -> dict[int, str]:
    """The records a ``records=`` predicate picks. A predicate that raises is a mistake in
    the test: a :class:`UsageError` naming the record, and the fault's report says why it
    never fired."""
    fault = handle.fault
    code = THROTTLE_CODE[fault.service]
    codes: dict[int, str] = {}
    for index, payload in enumerate(payloads):
        data = payload_bytes(payload)
        try:
            picked = fault.value(data)
        except Exception as error:
            handle.predicate_error = (
                f"its predicate raised {error!r} on record {index} of a {operation} ({shown(data)})"
            )
            raise UsageError(
                f"{fault!r}: {handle.predicate_error}. A records= predicate is called with "
                "the payload (bytes) of every record of a batch and returns whether that "
                "record fails: make it return False for payloads it does not pick"
            ) from error
        if picked:
            codes[index] = code
    return codes


def _no_record_failed(fault: Fault, count: int) -> str:
    if callable(fault.value):
        return f"a batch of {count} record(s) none of which the predicate picked"
    return f"a batch of {count} record(s), too short for index {min(fault.value)}"


def _chaos_codes(handle: FaultHandle, count: int) -> dict[int, str]:
    """Records that fail under a ``chaos=`` fault, drawn from the fault's own seeded random."""
    rate = float(handle.fault.value)
    chance = handle.chance()
    code = THROTTLE_CODE[handle.fault.service]
    return {i: code for i in range(count) if rate >= 1 or chance.random() < rate}
