"""The call log: every HTTP attempt the fake answered, in order, and how a report shows it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pytest_firehose._payload import Payload, payload_bytes


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


@dataclass(frozen=True)
class Call:
    """One HTTP attempt as the fake saw and answered it.

    ``outcome`` is ``"ok"``, ``"partial"`` (some records failed inside a 200 answer),
    ``"error"`` (``error`` holds the code, ``status`` the HTTP status) or ``"timeout"``.
    ``attempt`` and ``invocation_id`` come from botocore's ``amz-sdk-request`` and
    ``amz-sdk-invocation-id`` headers: every attempt of one API call shares the id.
    """

    service: str
    operation: str
    stream: str | None
    payloads: tuple[Payload, ...] = field(repr=False)
    attempt: int | None
    invocation_id: str | None
    outcome: str
    status: int | None
    error: str | None
    failed_indices: tuple[int, ...]
    fault: str | None
    at: datetime
    region: str

    @property
    def records(self) -> list[bytes]:
        """The payloads this request sent, in order."""
        return [payload_bytes(payload) for payload in self.payloads]

    def describe(self, position: int, first_attempt_at: int | None = None) -> str:
        """One line for reports: the call's 1-based ``position`` in the log, operation,
        stream, record count, outcome, the attempt (with the position of the API call's
        first attempt when this one is a retry) and the fault that answered it."""
        parts = [f"{f'#{position}':>3} {self.operation}"]
        if self.stream is not None:
            parts.append(self.stream)
        if self.payloads:
            count = len(self.payloads)
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
            return f"timeout: {self.error}"
        if self.error is not None:
            return f"{self.error} ({self.status})"
        if self.failed_indices:
            count = len(self.failed_indices)
            return f"partial: {count} failed [{index_runs(self.failed_indices)}]"
        return self.outcome
