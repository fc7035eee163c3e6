"""The pipeline's record of one request, and the call log entry made from it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pytest_firehose._engine.exchange import Exchange
from pytest_firehose._errors import NetworkFault
from pytest_firehose._wire.routing import Route

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
ROUTE = Route("kinesis", "PutRecords", "eu-west-1", 2, "abc")


def exchange(**found: object) -> Exchange:
    return Exchange(ROUTE, AT, "request", "extended", **found)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("found", "outcome", "status", "error"),
    [
        ({}, "ok", 200, None),
        ({"failed": (1,)}, "partial", 200, None),
        ({"error": "ResourceNotFoundException"}, "error", 400, "ResourceNotFoundException"),
        ({"network": NetworkFault("read-timeout")}, "timeout", None, "read-timeout"),
    ],
)
def test_the_call_says_how_the_request_ended(
    found: dict[str, object], outcome: str, status: int | None, error: str | None
) -> None:
    call = exchange(**found).call(400 if "error" in found else 200)
    assert (call.outcome, call.status, call.error) == (outcome, status, error)


def test_the_call_carries_the_route_and_what_the_steps_found() -> None:
    call = exchange(stream="s", payloads=(b"a",), failed=(0,)).call(200)
    assert (call.service, call.operation, call.region) == ("kinesis", "PutRecords", "eu-west-1")
    assert (call.attempt, call.invocation_id, call.at) == (2, "abc", AT)
    assert (call.stream, call.records, call.failed_indices, call.fault) == ("s", [b"a"], (0,), None)


def test_the_stamp_is_what_the_wire_puts_on_the_answer() -> None:
    assert exchange().stamp() == {"request_id": "request", "extended_id": "extended", "date": AT}
