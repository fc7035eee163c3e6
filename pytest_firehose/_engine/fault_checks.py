"""A fault's keywords checked, effect by effect and scope, and the :class:`Fault` they
describe (``make_fault``): what ``.fail()``, the markers and the control API accept, and the
usage error that names the accepted values for what they do not. The checks word their
messages in their caller's terms (``_terms.py``: Python's for ``.fail()``, the body's for
``POST /_fake/faults``), so one wording serves both."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

from pytest_firehose._engine.fault_codes import answerable, answering, default_operations
from pytest_firehose._engine.fault_keywords import EFFECTS, FaultSpec, RecordsSpec
from pytest_firehose._engine.fault_targets import (
    check_stream_name,
    check_stream_of_operation,
    check_within_batch,
    other_service,
    refuse_the_others,
)
from pytest_firehose._engine.faults import Fault
from pytest_firehose._errors import UsageError
from pytest_firehose._services.codes import (
    BATCH_PUT,
    CALL_ERRORS,
    ENTRY_ERRORS,
    ENTRY_OPERATIONS,
    ENTRY_THROTTLE,
    PUTS,
    RECORD_ERRORS,
    THROTTLE_CODE,
)
from pytest_firehose._terms import cannot_take, terms
from pytest_firehose._wire.eventstream import stream_errors
from pytest_firehose._wire.shapes import operation_names, service_model

#: ``latency=``'s ceiling, in seconds of fake time: a day is past any client's read timeout,
#: and a bound keeps a fault from moving the clock out of the dates it can hold.
MAX_LATENCY = 86_400.0
#: ``timeout=``: its values, and what each does to the request.
TIMEOUTS = {
    "commit": "the records are committed, then the client sees a read timeout",
    "lost": "the client sees a read timeout and nothing was committed",
    "connect": "the connection times out; the request never reaches the service",
}


def _require_known(value: str, accepted: Iterable[str], problem: str) -> None:
    """Raise a UsageError saying ``problem``, a close match, and every accepted value."""
    accepted = sorted(accepted)
    if not isinstance(value, str):
        raise UsageError(f"{problem}: give it as a string. Accepted: {', '.join(accepted)}.")
    if value in accepted:
        return
    close = difflib.get_close_matches(value, accepted, n=1)
    hint = f" Did you mean {terms().value(close[0])}?" if close else ""
    raise UsageError(f"{problem}.{hint} Accepted: {', '.join(accepted)}.")


def _check_codes(
    service: str,
    codes: Iterable[str],
    table: Mapping[str, Any],
    what: str,
    theirs: Iterable[str] = (),
) -> None:
    for code in codes:
        problem = f"{terms().value(code)} is not a {what} {service} answers with"
        refuse_the_others(service, code, table, theirs, what, problem)
        _require_known(code, table, problem)


def _is_index(index: Any) -> bool:
    return isinstance(index, int) and not isinstance(index, bool) and index >= 0


def _records_value(service: str, records: RecordsSpec, operation: str | None) -> Any:
    """``records=`` checked: the predicate, or index -> code. For an operation with
    ``Entries`` (``ENTRY_OPERATIONS``) the indices are its entries' and the codes its own."""
    said = terms()
    entries = operation in ENTRY_OPERATIONS[service]
    per_record = ENTRY_ERRORS if entries else RECORD_ERRORS[service]
    if callable(records):
        if entries:
            raise UsageError(
                f"{said.keyword('records')} for {operation} names its Entries by 0-based index "
                "(a predicate picks records by payload, and entries carry none), "
                f"e.g. {said.keyword('records', '[0]')}"
            )
        _check_predicate(records)
        return records
    if isinstance(records, (str, bytes)) or not isinstance(records, Iterable):
        takes = said.phrase(
            "{index: code}, a list of 0-based indices or a predicate on the payload",
            # A JSON client sends no function, and writes an object's keys as strings.
            'an object of 0-based index to error code, e.g. {"1": "InternalFailure"}, '
            "or a list of 0-based indices",
        )
        raise UsageError(
            f"{said.keyword('records')} is {takes}, e.g. {said.keyword('records', '[0, 2]')}; "
            f"got {said.value(records)}"
        )
    indices = list(records)
    bad = [index for index in indices if not _is_index(index)]
    if bad:
        raise UsageError(
            f"{said.keyword('records')} indices are 0-based positions in the batch, "
            f"got {said.value(bad[0])}"
        )
    check_within_batch(service, operation or BATCH_PUT[service], indices, entries)
    if isinstance(records, Mapping):
        value = dict(records)
        what = f"per-entry error code {operation}" if entries else "per-record error code"
        theirs = () if entries else RECORD_ERRORS[other_service(service)]
        _check_codes(service, value.values(), per_record, what, theirs)
    else:
        value = dict.fromkeys(indices, ENTRY_THROTTLE if entries else THROTTLE_CODE[service])
    if not value:
        raise UsageError(f"{said.keyword('records')} names no record; give at least one index")
    return value


def _check_predicate(predicate: Callable[..., Any]) -> None:
    """Refuse a predicate that cannot be called with one payload, as every record's is
    (one without a signature to read, such as a builtin, is taken: its first call tells)."""
    signature = cannot_take(predicate, b"")
    if signature is not None:
        raise UsageError(
            f"records= predicate {getattr(predicate, '__name__', predicate)}{signature} is "
            "called with one record's payload (bytes) and returns whether that record fails, "
            "e.g. records=lambda data: b'bad' in data"
        )


#: What an effect's checker returns: the fault's value, and how many requests it hits.
Checked: TypeAlias = tuple[Any, int | None]


def _check_records(service: str, value: Any, spec: FaultSpec) -> Checked:
    operation = spec.operation
    if operation not in (None, BATCH_PUT[service], *ENTRY_OPERATIONS[service]):
        entries = ", ".join(sorted(ENTRY_OPERATIONS[service]))
        said = terms()
        raise UsageError(
            f"{said.keyword('records')} fails records inside a {BATCH_PUT[service]} answer"
            + (f" or entries inside the answer of {entries}" if entries else "")
            + f"; {operation} has no per-record results. Use {said.keyword('throttle')} or "
            f"{said.keyword('error')} for it."
        )
    return _records_value(service, value, operation), spec.times


def _check_throttle(service: str, value: Any, spec: FaultSpec) -> Checked:
    said = terms()
    count = 1 if value is True else value
    if not _is_count(count):
        raise UsageError(
            f"{said.keyword('throttle')} is {said.value(True)} or a number of requests, "
            f"got {said.value(value)}"
        )
    if spec.times is not None:
        raise UsageError(
            f"{said.keyword('throttle', 'N')} already says how many requests; "
            f"drop {said.keyword('times')}"
        )
    return True, count


def _check_error(service: str, value: Any, spec: FaultSpec) -> Checked:
    theirs = CALL_ERRORS[other_service(service)]
    _check_codes(service, [value], CALL_ERRORS[service], "whole-call error code", theirs)
    if spec.events is None:  # an event stream's errors are its own (``_check_events``)
        _check_answerable(service, value, spec.operation)
    return value, spec.times


def _check_answerable(service: str, code: str, operation: str | None) -> None:
    """Refuse a whole-call ``code`` the operation it hits never answers: one neither its
    API model lists nor every operation may answer (``fault_codes.py``). Without
    ``operation=`` the fault hits the puts that can answer it, and is refused if none can."""
    said = terms()
    if operation is not None:
        codes = answerable(service, operation)
        if code not in codes:
            raise UsageError(
                f"{operation} never answers {said.value(code)}: neither its API model nor "
                f"the errors common to every {service} operation list it, so AWS does not "
                f"send it. Codes {operation} answers: {', '.join(sorted(codes))}."
                + _answered_by(service, code)
            )
        return
    if default_operations(service, code):
        return
    puts = " and ".join(PUTS[service])
    raise UsageError(
        f"{said.keyword('error', said.value(code))} without {said.keyword('operation')} hits "
        f"{puts}, which never answer it." + _answered_by(service, code)
    )


def _answered_by(service: str, code: str) -> str:
    """Advice naming the operations that answer ``code``, with ``operation=``."""
    said = terms()
    operations = answering(service, code)
    if not operations:
        return f" No {service} operation answers it."
    return f" Give {said.keyword('operation')} one that answers it: {', '.join(operations)}."


def _check_timeout(service: str, value: Any, spec: FaultSpec) -> Checked:
    if not isinstance(value, str) or value not in TIMEOUTS:
        said = terms()
        accepted = "; ".join(f"{said.value(k)}: {v}" for k, v in TIMEOUTS.items())
        raise UsageError(
            f"{said.keyword('timeout')} is one of {accepted}. Got {said.value(value)}."
        )
    return value, spec.times


def _check_latency(service: str, value: Any, spec: FaultSpec) -> Checked:
    if not _is_number(value) or not 0 <= value <= MAX_LATENCY:
        said = terms()
        raise UsageError(
            f"{said.keyword('latency')} is seconds of fake time, from 0 to {MAX_LATENCY:,.0f} "
            f"(a day), got {said.value(value)}"
        )
    return value, spec.times


def _check_chaos(service: str, value: Any, spec: FaultSpec) -> Checked:
    said = terms()
    if not _is_number(value) or not 0 < value <= 1:
        raise UsageError(
            f"{said.keyword('chaos')} is a failure probability in (0, 1], got {said.value(value)}"
        )
    if spec.operation is not None and spec.operation != BATCH_PUT[service]:
        raise UsageError(
            f"{said.keyword('chaos')} fails records inside a {BATCH_PUT[service]} answer"
        )
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
    said = terms()
    if spec.seed is not None and effect != "chaos":
        raise UsageError(
            f"{said.keyword('seed')} goes with {said.keyword('chaos')}; the other effects are "
            "not random"
        )
    seed = spec.seed
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise UsageError(
            f"{said.keyword('seed')} is an integer that makes {said.keyword('chaos')} "
            f"repeatable, got {said.value(seed)}"
        )
    if spec.operation is not None:
        operations = service_model(service).operation_names
        problem = f"{service} has no operation {said.value(spec.operation)}"
        theirs = operation_names(other_service(service))
        refuse_the_others(service, spec.operation, operations, theirs, "operation", problem)
        _require_known(spec.operation, operations, problem)
    if spec.stream is not None and (not isinstance(spec.stream, str) or not spec.stream):
        raise UsageError(
            f"{said.keyword('stream')} is the name of a stream, got {said.value(spec.stream)}"
        )
    if spec.stream is not None:
        check_stream_name(service, spec.stream)
        if spec.operation is not None:
            check_stream_of_operation(service, spec.operation, spec.stream)
    if not _is_count(spec.call):
        raise UsageError(
            f"{said.keyword('call')} is the 1-based number of the matching request, "
            f"got {said.value(spec.call)}"
        )
    times = spec.times
    if times is not None and not _is_count(times):
        raise UsageError(
            f"{said.keyword('times')} is how many requests the fault hits (1 or more), "
            f"got {said.value(times)}"
        )
    if not isinstance(spec.optional, bool):
        raise UsageError(
            f"{said.keyword('optional')} is {said.value(True)} or {said.value(False)}, "
            f"got {said.value(spec.optional)}"
        )
    if spec.events is not None:
        _check_events(service, effect, spec)


#: The operation whose answer is an event stream that ``events=`` counts the events of.
STREAMING_OPERATION = "SubscribeToShard"


def _check_events(service: str, effect: str, spec: FaultSpec) -> None:
    """``events=N``: a fault in the middle of a SubscribeToShard stream, after N events."""
    said = terms()
    events = spec.events
    if isinstance(events, bool) or not isinstance(events, int) or events < 0:
        raise UsageError(
            f"{said.keyword('events')} is how many events a SubscribeToShard stream delivers "
            f"before the fault (0 or more), got {said.value(events)}"
        )
    if spec.operation != STREAMING_OPERATION:
        raise UsageError(
            f"{said.keyword('events')} counts the events of a {STREAMING_OPERATION} stream; "
            f"give {said.keyword('operation', said.value(STREAMING_OPERATION))} "
            f"(got {said.keyword('operation', said.value(spec.operation))})"
        )
    if effect == "error":
        carried = stream_errors(service, STREAMING_OPERATION)
        problem = f"{said.value(spec.error)} is not an error its event stream carries"
        _require_known(spec.error or "", carried, problem)
    elif effect != "timeout" or spec.timeout != "lost":
        raise UsageError(
            f"{said.keyword('events')} goes with {said.keyword('error')} (an exception event "
            f"after N events) or {said.keyword('timeout', said.value('lost'))} (the connection "
            "drops after N events)"
        )


def make_fault(service: str, spec: FaultSpec) -> Fault:
    """Check a fault's keywords and build the :class:`Fault` they describe; a refusal is
    worded in the caller's terms (``_terms.py``)."""
    given = spec.given_effects()
    if len(given) != 1:
        said = terms()
        named = ", ".join(map(said.keyword, given)) or "none"
        raise UsageError(
            f"a fault names exactly one effect out of {', '.join(map(said.keyword, EFFECTS))}; "
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
