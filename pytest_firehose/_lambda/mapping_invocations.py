"""One invocation of a Kinesis event source mapping's handler: the event handed to it as
the function receives it (written as JSON and read back; a batch's is made once and sent
again to each retry), a fresh context on the fake clock, and what came of it: the answer as
Lambda's response carries it, what the handler raised, or a timeout once it moved the clock
past the function's timeout. A failed invocation's error keeps its traceback; once a later
one fails, the local variables of its frames are let go (``kept_errors``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._lambda.context import Function, call_handler, context_for
from pytest_firehose._lambda.functions import HANDLER_FAILURES, as_received, response_of
from pytest_firehose._lambda.kinesis_events import EventSource, kinesis_event
from pytest_firehose._lambda.lanes import Batch


class FunctionTimeout(Exception):
    """The invocation ran past the function's timeout on the fake clock."""


@dataclass(frozen=True)
class Invocation:
    """One call of the handler: its event, its answer or error, and when (fake time)."""

    shard_id: str
    event: dict[str, Any]
    at: datetime
    request_id: str
    answer: Any = None
    error: BaseException | None = None

    @property
    def records(self) -> list[bytes]:
        """The payloads the event carried, in order."""
        return [base64.b64decode(entry["kinesis"]["data"]) for entry in self.event["Records"]]

    @property
    def failed(self) -> bool:
        return self.error is not None


def invoke(
    handler: Callable[[dict[str, Any], Any], Any],
    function: Function,
    clock: FakeClock,
    *,
    shard_id: str,
    event: dict[str, Any],
    request_id: str,
    invoked_arn: str,
    event_text: str | None = None,
) -> Invocation:
    """Call ``handler`` with ``event`` as ``function``, invoked as ``invoked_arn``.
    ``event_text``: the event's JSON, when the caller has it already (a retry's)."""
    context = context_for(function, clock, request_id, invoked_arn=invoked_arn)
    at = clock.now()
    answer: Any = None
    error: BaseException | None = None
    try:
        received = as_received(event) if event_text is None else json.loads(event_text)
        answer = response_of(call_handler(handler, received, context, function))
    except HANDLER_FAILURES as raised:  # any raise, or sys.exit(), fails it
        error = raised
    if error is None and context.timed_out:
        seconds = function.timeout.total_seconds()
        error = FunctionTimeout(f"Task timed out after {seconds:.2f} seconds")
        answer = None
    return Invocation(shard_id, event, at, request_id, answer, error)


def batch_event(batch: Batch, source: EventSource) -> tuple[dict[str, Any], str]:
    """The event of ``batch`` from ``source``, and its JSON text: made once for the
    same records from the same source, and sent again to each retry (a window's event
    carries its state, and is made for each invocation)."""
    sent = batch.sent
    if sent is not None and sent[0] is batch.records and sent[1] is source:
        return sent[2], sent[3]
    event = kinesis_event(batch.records, source)
    text = json.dumps(event)
    batch.sent = (batch.records, source, event, text)
    return event, text
