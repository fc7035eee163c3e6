"""The call log: every HTTP attempt the fake answered, in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pytest_firehose._payload import Payload, payload_bytes


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

    def describe(self) -> str:
        """One line for reports: attempt, operation, stream, record count, outcome, fault."""
        attempt = f"#{self.attempt}" if self.attempt is not None else "#?"
        parts = [f"{attempt:>3} {self.operation}"]
        if self.stream is not None:
            parts.append(self.stream)
        if self.payloads:
            count = len(self.payloads)
            parts.append(f"{count} record{'s' if count != 1 else ''}")
        outcome = self.outcome
        if self.outcome == "timeout":
            outcome = f"timeout: {self.error}"
        elif self.error is not None:
            outcome = f"{self.error} ({self.status})"
        elif self.failed_indices:
            outcome = f"partial: {len(self.failed_indices)} failed {list(self.failed_indices)}"
        parts.append(f"-> {outcome}")
        if self.fault is not None:
            parts.append(f"[fault: {self.fault}]")
        return " ".join(parts)
