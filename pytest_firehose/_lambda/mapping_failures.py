"""What a Kinesis event source mapping does when a batch fails: the records past
MaximumRecordAgeInSeconds given up on before an invocation, and after one the batch done
with, bisected, resumed from the record its answer reports, retried after a backoff, or
given up on once its retries are spent.

Facts (docs/fidelity.md, "Lambda and Kinesis"): a failed batch is retried whole until it
succeeds, MaximumRetryAttempts retries were made (``approximateInvokeCount`` then counts the
invocations, REAL), or its records are older than MaximumRecordAgeInSeconds (DOC: "Discard
records older than the specified age"; a record exactly that old is still invoked), which
discards them before any further invocation and keeps the rest of the batch (REAL).
BisectBatchOnFunctionError splits a batch that raised in two, and splitting consumes no
retry (DOC).

Choices (INFERRED): retries fall due after 1, 2, 4, then every 8 seconds of fake time (REAL:
a failing batch whose records may be 60 seconds old was invoked 8 times before it was given
up, more than a doubling backoff allows; LocalStack's AWS-validated snapshot, 2025); a batch
that the function partly succeeded on continues from its checkpoint as a new batch,
counting its invocations afresh (which matches the REAL count after a partial failure);
bisection applies to function errors (a raise or a timeout), not to failures the answer
reports.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._lambda.batch_answers import verdict
from pytest_firehose._lambda.kinesis_events import RECORD_AGE_EXCEEDED, RETRIES_EXHAUSTED
from pytest_firehose._lambda.lanes import Batch, Lane, MappedRecord
from pytest_firehose._lambda.mapping_invocations import Invocation
from pytest_firehose._lambda.mapping_settings import MappingSettings
from pytest_firehose._lambda.windows import Window, answered_state

MAX_BACKOFF = timedelta(seconds=8)
UNHANDLED = "Unhandled"

#: Gives up on a batch's records: writes their invocation record with its condition and
#: the function error (``None``: the function did not fail).
GiveUp = Callable[[Batch, str, str | None], None]


def drop_aged(batch: Batch, settings: MappingSettings, clock: FakeClock, give_up: GiveUp) -> None:
    """Records older than MaximumRecordAgeInSeconds are discarded before the invocation."""
    limit = settings.max_age
    if limit is None:
        return
    oldest = clock.now() - limit
    kept: list[MappedRecord] = []
    aged: list[MappedRecord] = []
    for record in batch.records:
        (aged if record.arrived_at < oldest else kept).append(record)
    if aged:
        give_up(Batch(aged, max(batch.invocations, 1)), RECORD_AGE_EXCEEDED, None)
        batch.records = kept


def after_invocation(
    invocation: Invocation,
    state: Lane,
    batch: Batch,
    settings: MappingSettings,
    clock: FakeClock,
    give_up: GiveUp,
) -> None:
    """Act on what came of ``batch``'s invocation (counted on the batch already)."""
    error = invocation.error
    retry_from = (
        0 if error is not None else _retry_from(invocation.answer, batch, state.window, settings)
    )
    if error is None and retry_from != 0 and state.window is not None:
        state.window.keep(invocation.answer)
    if retry_from is None:
        state.done(batch)
    elif error is not None and settings.bisect and len(batch.records) > 1:
        state.bisect(batch)
    elif retry_from > 0:
        state.resume(batch, retry_from, clock.now() + _backoff(1))
    elif _exhausted(batch, settings):
        if batch.records:
            function_error = UNHANDLED if error is not None else None
            give_up(batch, RETRIES_EXHAUSTED, function_error)
        state.done(batch)
    else:
        batch.due = clock.now() + _backoff(batch.invocations)


def _retry_from(
    answer: Any, batch: Batch, window: Window | None, settings: MappingSettings
) -> int | None:
    if window is not None and not answered_state(answer):
        return 0  # DOC: an answer without state is a failed invocation
    if not settings.report_item_failures or batch.final:
        return None
    return verdict(answer, [record.sequence_number for record in batch.records]).retry_from


def _exhausted(batch: Batch, settings: MappingSettings) -> bool:
    limit = settings.max_retries
    return limit is not None and batch.invocations > limit


def _backoff(invocations: int) -> timedelta:
    doublings = min(max(invocations - 1, 0), 3)  # 2**3 seconds is the cap
    return min(timedelta(seconds=2**doublings), MAX_BACKOFF)
