"""The call log: every HTTP attempt the fake answered, in order, and how a report shows it."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import FrozenInstanceError
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from pytest_firehose._payload import Payload, payload_bytes

if TYPE_CHECKING:
    from pytest_firehose._engine.faults import Fault


def index_runs(indices: Iterable[int]) -> str:
    """Indices for a message, consecutive runs joined: ``[0, 1, 2, 5]`` reads ``0-2, 5``.

    A partial failure of a 500-record batch would otherwise print 500 numbers.
    """
    runs: list[list[int]] = []
    for index in sorted(set(indices)):
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return ", ".join(str(first) if first == last else f"{first}-{last}" for first, last in runs)


#: Values many calls repeat (a route, a stream name, an outcome), one object each: a call
#: keeps a reference where it would keep a copy. It outlives worlds, so it takes only
#: small values (no failed indices or fault, no long name), and at most ``_SHARED_MAX``
#: of them; past the bound, values are kept as they come.
_SHARED: dict[Hashable, Any] = {}
_SHARED_MAX = 4096
_T = TypeVar("_T", bound=Hashable)


def _shared(value: _T) -> _T:
    found = _SHARED.get(value)
    if found is not None:
        # Not typing.cast: a call, and every request shares three values.
        return found  # type: ignore[no-any-return]
    if len(_SHARED) < _SHARED_MAX:
        _SHARED[value] = value
    return value


#: An ``amz-sdk-invocation-id`` as botocore writes it (a lower-case UUID): kept as its
#: 128-bit number (44 bytes, where the text takes 85) and written out again when read.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _id_text(kept: int | str | None) -> str | None:
    if not isinstance(kept, int):
        return kept
    hexa = f"{kept:032x}"
    return f"{hexa[:8]}-{hexa[8:12]}-{hexa[12:16]}-{hexa[16:20]}-{hexa[20:]}"


class Refusal(NamedTuple):
    """The error answer the service made to an attempt whose client saw a timeout instead
    (a ``timeout="commit"``, or a ``latency=`` past the client's read timeout, on a call
    the service refused): nothing of the call was carried out."""

    code: str
    message: str | None
    status: int

    def __str__(self) -> str:
        said = f": {self.message}" if self.message else ""
        return f"{self.code} ({self.status}){said}"


#: Call's fields, in the order its constructor takes them and its repr shows them (a
#: ``refusal`` only when there is one; the payloads, kept as the request sent them, never:
#: ``records`` reads them as bytes).
_FIELDS = (
    "service",
    "operation",
    "stream",
    "_payloads",
    "attempt",
    "invocation_id",
    "outcome",
    "status",
    "error",
    "failed_indices",
    "fault",
    "at",
    "region",
    "refusal",
)


class Call:
    """One HTTP attempt as the fake saw and answered it.

    ``outcome`` is ``"ok"``, ``"partial"`` (some records failed inside a 200 answer),
    ``"error"`` (``error`` holds the code, ``status`` the HTTP status) or ``"timeout"``.
    ``attempt`` and ``invocation_id`` come from botocore's ``amz-sdk-request`` and
    ``amz-sdk-invocation-id`` headers: every attempt of one API call shares the id.
    ``fault`` is the repr of the scripted fault that answered it (``scheduled_fault``).
    ``refusal``: for a ``"timeout"`` whose request the service refused, the
    :class:`Refusal` it answered (the client never saw it; nothing was committed).

    Immutable, and small: a test's log may hold a million of them. What calls repeat (the
    route, the stream's name, the outcome, the time while the clock stands still) is one
    shared object, the payloads are the request's own tuple, and the invocation id is
    kept as a number; each field reads as given.
    """

    __slots__ = ("_invocation", "_payloads", "_route", "_verdict", "at", "stream")

    _route: tuple[str, str, str, int | None]
    _verdict: tuple[str, int | None, str | None, tuple[int, ...], Fault | None, Refusal | None]
    _invocation: int | str | None
    stream: str | None
    _payloads: tuple[Payload, ...]
    at: datetime

    def __init__(
        self,
        service: str,
        operation: str,
        stream: str | None,
        payloads: tuple[Payload, ...],
        attempt: int | None,
        invocation_id: str | None,
        outcome: str,
        status: int | None,
        error: str | None,
        failed_indices: tuple[int, ...],
        fault: Fault | None,
        at: datetime,
        region: str,
        refusal: Refusal | None = None,
    ) -> None:
        # ``_shared``'s look-up and the invocation id's number, inlined: every request
        # makes a call.
        put, shared = object.__setattr__, _SHARED
        route = (service, operation, region, attempt)
        put(self, "_route", shared.get(route) or _shared(route))
        # A refusal comes only with a fault, so a verdict holding one is never shared.
        verdict = (outcome, status, error, failed_indices, fault, refusal)
        if not (failed_indices or fault):
            verdict = shared.get(verdict) or _shared(verdict)
        put(self, "_verdict", verdict)
        put(
            self,
            "_invocation",
            int(invocation_id.replace("-", ""), 16)
            if invocation_id is not None and _CANONICAL_UUID.fullmatch(invocation_id)
            else invocation_id,
        )
        if stream and len(stream) <= 256:
            stream = shared.get(stream) or _shared(stream)
        put(self, "stream", stream)
        put(self, "_payloads", payloads)
        put(self, "at", at)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    @property
    def service(self) -> str:
        return self._route[0]

    @property
    def operation(self) -> str:
        return self._route[1]

    @property
    def region(self) -> str:
        return self._route[2]

    @property
    def attempt(self) -> int | None:
        return self._route[3]

    @property
    def invocation_id(self) -> str | None:
        return _id_text(self._invocation)

    @property
    def outcome(self) -> str:
        return self._verdict[0]

    @property
    def status(self) -> int | None:
        return self._verdict[1]

    @property
    def error(self) -> str | None:
        return self._verdict[2]

    @property
    def failed_indices(self) -> tuple[int, ...]:
        return self._verdict[3]

    @property
    def fault(self) -> str | None:
        scheduled = self._verdict[4]
        return None if scheduled is None else repr(scheduled)

    @property
    def scheduled_fault(self) -> Fault | None:
        """The scripted fault that answered this call, as ``.fail()`` scheduled it."""
        return self._verdict[4]

    @property
    def refusal(self) -> Refusal | None:
        """For a timeout whose request the service refused: the error it answered (code,
        message, status), which the client never saw; nothing was committed. Else None."""
        return self._verdict[5]

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Call)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in _FIELDS
            if name != "_payloads" and (name != "refusal" or self.refusal is not None)
        )
        return f"Call({shown})"

    @property
    def records(self) -> list[bytes]:
        """The payloads this request sent, in order."""
        return [payload_bytes(payload) for payload in self._payloads]

    def describe(
        self, position: int, first_attempt_at: int | None = None, *, home: str | None = None
    ) -> str:
        """One line for reports: the call's 1-based ``position`` in the log, operation,
        stream, its region when that is not ``home`` (the world's default: a client of
        another region than the test's streams), record count, outcome, the attempt (with
        the position of the API call's first attempt when this one is a retry) and the
        fault that answered it."""
        parts = [f"{f'#{position}':>3} {self.operation}"]
        if self.stream is not None:
            parts.append(self.stream)
        if home is not None and self.region != home:
            parts.append(f"(in {self.region})")
        if self._payloads:
            count = len(self._payloads)
            parts.append(f"{count} record{'s' if count != 1 else ''}")
        parts.append(f"-> {self._outcome()}")
        if self.attempt is not None:
            retry = f", retry of #{first_attempt_at}" if first_attempt_at is not None else ""
            parts.append(f"(attempt {self.attempt}{retry})")
        if self.fault is not None:
            parts.append(f"[fault: {self.fault}]")
        return " ".join(parts)

    def _outcome(self) -> str:
        if self.outcome == "timeout":
            if self.refusal is not None:
                return f"timeout: {self.error}, though the service refused it: {self.refusal}"
            return f"timeout: {self.error}"
        if self.error is not None:
            return f"{self.error} ({self.status})"
        if self.failed_indices:
            count = len(self.failed_indices)
            return f"partial: {count} failed [{index_runs(self.failed_indices)}]"
        return self.outcome
