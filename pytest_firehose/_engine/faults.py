"""The fault script: faults as data, matched against each request in the order scheduled,
and what each effect does to the request it hits. ``fault_checks.py`` checks the keywords
and builds the :class:`Fault` they describe."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._engine.fault_codes import default_operations, throttle_code
from pytest_firehose._errors import NetworkFault, ServiceError, UsageError
from pytest_firehose._payload import Payload, payload_bytes, shown
from pytest_firehose._services.codes import BATCH_PUT, PUTS, THROTTLE_CODE, call_error


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
        if self.effect == "error":  # only the puts that can answer it
            return default_operations(self.service, self.value)
        return PUTS[self.service]


@dataclass
class FaultHandle:
    """What ``.fail()`` returns: the fault, and how often it fired."""

    fault: Fault
    #: The requests it hit.
    fired: int = 0
    #: The requests that matched its operation, stream and records while it had hits left
    #: (what ``call=`` counts).
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

    def _chance(self) -> random.Random:
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

    def __init__(self) -> None:
        self.handles: list[FaultHandle] = []
        #: Reentrant: a ``records=`` predicate runs under it, and may schedule a fault.
        self._lock = threading.RLock()

    def add(self, fault: Fault) -> FaultHandle:
        handle = FaultHandle(fault)
        with self._lock:
            self.handles.append(handle)
        return handle

    def clear(self) -> None:
        """Drop every fault, in place: one scheduled by another thread meanwhile is dropped
        before or kept after, never added to a script no request reads."""
        with self._lock:
            self.handles.clear()

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
            operation = context["operation"]
            throttled = fault.effect == "throttle"
            code = throttle_code(fault.service, operation) if throttled else fault.value
            spec = call_error(fault.service, operation, code)
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
        answered = False
        try:
            answer = fault.value(data)
            answered = True
            picked = bool(answer)  # an answer with no truth value (an array) raises here
        except Exception as error:
            raised = "predicate's answer, asked true or false," if answered else "predicate"
            handle.predicate_error = (
                f"its {raised} raised {error!r} on record {index} of a {operation} ({shown(data)})"
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
    chance = handle._chance()
    code = THROTTLE_CODE[handle.fault.service]
    return {i: code for i in range(count) if rate >= 1 or chance.random() < rate}
