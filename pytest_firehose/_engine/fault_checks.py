"""A fault's keywords checked, effect by effect and scope, and the :class:`Fault` they
describe (``make_fault``): what ``.fail()``, the markers and the control API accept, and the
usage error that names the accepted values for what they do not. The checks quote the
values in their messages with the caller's ``term`` (Python's for ``.fail()``, JSON's for
the control API), so one wording serves both."""

from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

from pytest_firehose._engine.fault_keywords import EFFECTS, FaultSpec, RecordsSpec
from pytest_firehose._engine.faults import Fault
from pytest_firehose._errors import Term, UsageError
from pytest_firehose._services.codes import (
    BATCH_PUT,
    CALL_ERRORS,
    ENTRY_ERRORS,
    ENTRY_OPERATIONS,
    ENTRY_THROTTLE,
    RECORD_ERRORS,
    THROTTLE_CODE,
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


def _require_known(value: str, accepted: Iterable[str], problem: str, term: Term) -> None:
    """Raise a UsageError saying ``problem``, a close match, and every accepted value."""
    accepted = sorted(accepted)
    if not isinstance(value, str):
        raise UsageError(f"{problem}: give it as a string. Accepted: {', '.join(accepted)}.")
    if value in accepted:
        return
    close = difflib.get_close_matches(value, accepted, n=1)
    hint = f" Did you mean {term(close[0])}?" if close else ""
    raise UsageError(f"{problem}.{hint} Accepted: {', '.join(accepted)}.")


def _check_codes(
    service: str, codes: Iterable[str], table: Mapping[str, Any], what: str, term: Term
) -> None:
    for code in codes:
        _require_known(code, table, f"{term(code)} is not a {what} {service} answers with", term)


def _is_index(index: Any) -> bool:
    return isinstance(index, int) and not isinstance(index, bool) and index >= 0


def _records_value(service: str, records: RecordsSpec, operation: str | None, term: Term) -> Any:
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
        _check_predicate(records)
        return records
    if isinstance(records, (str, bytes)) or not isinstance(records, Iterable):
        raise UsageError(
            "records= is {index: code}, a list of 0-based indices or a predicate on the "
            f"payload, e.g. records=[0, 2]; got {term(records)}"
        )
    indices = list(records)
    bad = [index for index in indices if not _is_index(index)]
    if bad:
        raise UsageError(f"records= indices are 0-based positions in the batch, got {term(bad[0])}")
    if isinstance(records, Mapping):
        value = dict(records)
        what = f"per-entry error code {operation}" if entries else "per-record error code"
        _check_codes(service, value.values(), per_record, what, term)
    else:
        value = dict.fromkeys(indices, ENTRY_THROTTLE if entries else THROTTLE_CODE[service])
    if not value:
        raise UsageError("records= names no record; give at least one index")
    return value


def _check_predicate(predicate: Callable[..., Any]) -> None:
    """Refuse a predicate that cannot be called with one payload, as every record's is
    (one without a signature to read, such as a builtin, is taken: its first call tells)."""
    try:
        signature = inspect.signature(predicate)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(b"")
    except TypeError:
        raise UsageError(
            f"records= predicate {getattr(predicate, '__name__', predicate)}{signature} is "
            "called with one record's payload (bytes) and returns whether that record fails, "
            "e.g. records=lambda data: b'bad' in data"
        ) from None


#: What an effect's checker returns: the fault's value, and how many requests it hits.
Checked: TypeAlias = tuple[Any, int | None]


def _check_records(service: str, value: Any, spec: FaultSpec, term: Term) -> Checked:
    operation = spec.operation
    if operation not in (None, BATCH_PUT[service], *ENTRY_OPERATIONS[service]):
        entries = ", ".join(sorted(ENTRY_OPERATIONS[service]))
        raise UsageError(
            f"records= fails records inside a {BATCH_PUT[service]} answer"
            + (f" or entries inside the answer of {entries}" if entries else "")
            + f"; {operation} has no per-record results. Use throttle= or error= for it."
        )
    return _records_value(service, value, operation, term), spec.times


def _check_throttle(service: str, value: Any, spec: FaultSpec, term: Term) -> Checked:
    count = 1 if value is True else value
    if not _is_count(count):
        raise UsageError(f"throttle= is {term(True)} or a number of requests, got {term(value)}")
    if spec.times is not None:
        raise UsageError("throttle=N already says how many requests; drop times=")
    return True, count


def _check_error(service: str, value: Any, spec: FaultSpec, term: Term) -> Checked:
    _check_codes(service, [value], CALL_ERRORS[service], "whole-call error code", term)
    return value, spec.times


def _check_timeout(service: str, value: Any, spec: FaultSpec, term: Term) -> Checked:
    if not isinstance(value, str) or value not in TIMEOUTS:
        accepted = "; ".join(f"{term(k)}: {v}" for k, v in TIMEOUTS.items())
        raise UsageError(f"timeout= is one of {accepted}. Got {term(value)}.")
    return value, spec.times


def _check_latency(service: str, value: Any, spec: FaultSpec, term: Term) -> Checked:
    if not _is_number(value) or not 0 <= value <= MAX_LATENCY:
        raise UsageError(
            f"latency= is seconds of fake time, from 0 to {MAX_LATENCY:,.0f} (a day), "
            f"got {term(value)}"
        )
    return value, spec.times


def _check_chaos(service: str, value: Any, spec: FaultSpec, term: Term) -> Checked:
    if not _is_number(value) or not 0 < value <= 1:
        raise UsageError(f"chaos= is a failure probability in (0, 1], got {term(value)}")
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


#: One checker per effect: (service, the effect's value, the whole spec, how its messages
#: quote a value) -> Checked.
CHECKERS: dict[str, Callable[[str, Any, FaultSpec, Term], Checked]] = {
    "records": _check_records,
    "throttle": _check_throttle,
    "error": _check_error,
    "timeout": _check_timeout,
    "latency": _check_latency,
    "chaos": _check_chaos,
}


def _check_scope(service: str, effect: str, spec: FaultSpec, term: Term) -> None:
    """Check the keywords that say where a fault applies, whatever its effect."""
    if spec.seed is not None and effect != "chaos":
        raise UsageError("seed= goes with chaos=; the other effects are not random")
    seed = spec.seed
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise UsageError(f"seed= is an integer that makes chaos= repeatable, got {term(seed)}")
    if spec.operation is not None:
        operations = service_model(service).operation_names
        _require_known(
            spec.operation, operations, f"{service} has no operation {term(spec.operation)}", term
        )
    if spec.stream is not None and (not isinstance(spec.stream, str) or not spec.stream):
        raise UsageError(f"stream= is the name of a stream, got {term(spec.stream)}")
    if not _is_count(spec.call):
        raise UsageError(
            f"call= is the 1-based number of the matching request, got {term(spec.call)}"
        )
    times = spec.times
    if times is not None and not _is_count(times):
        raise UsageError(
            f"times= is how many requests the fault hits (1 or more), got {term(times)}"
        )
    if not isinstance(spec.optional, bool):
        raise UsageError(f"optional= is {term(True)} or {term(False)}, got {term(spec.optional)}")
    if spec.events is not None:
        _check_events(service, effect, spec, term)


#: The operation whose answer is an event stream that ``events=`` counts the events of.
STREAMING_OPERATION = "SubscribeToShard"


def _check_events(service: str, effect: str, spec: FaultSpec, term: Term) -> None:
    """``events=N``: a fault in the middle of a SubscribeToShard stream, after N events."""
    events = spec.events
    if isinstance(events, bool) or not isinstance(events, int) or events < 0:
        raise UsageError(
            "events= is how many events a SubscribeToShard stream delivers before the fault "
            f"(0 or more), got {term(events)}"
        )
    if spec.operation != STREAMING_OPERATION:
        raise UsageError(
            f"events= counts the events of a {STREAMING_OPERATION} stream; give "
            f"operation={term(STREAMING_OPERATION)} (got operation={term(spec.operation)})"
        )
    if effect == "error":
        carried = stream_errors(service, STREAMING_OPERATION)
        _require_known(
            spec.error or "",
            carried,
            f"{term(spec.error)} is not an error its event stream carries",
            term,
        )
    elif effect != "timeout" or spec.timeout != "lost":
        raise UsageError(
            "events= goes with error= (an exception event after N events) or "
            f"timeout={term('lost')} (the connection drops after N events)"
        )


def make_fault(service: str, spec: FaultSpec, *, term: Term = repr) -> Fault:
    """Check a fault's keywords and build the :class:`Fault` they describe; a refusal
    quotes the values given with ``term`` (Python's ``repr`` by default)."""
    given = spec.given_effects()
    if len(given) != 1:
        named = ", ".join(f"{k}=" for k in given) or "none"
        raise UsageError(
            f"a fault names exactly one effect out of {', '.join(f'{e}=' for e in EFFECTS)}; "
            f"got {named}. Schedule several faults for several effects."
        )
    ((effect, value),) = given.items()
    _check_scope(service, effect, spec, term)
    value, times = CHECKERS[effect](service, value, spec, term)
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
