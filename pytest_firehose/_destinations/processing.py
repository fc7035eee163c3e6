"""Data transformation with a Lambda processor, as Firehose runs it before buffering for the
destination.

Records wait in the processor's own buffer until it holds ``BufferSizeInMBs`` or its oldest
record has waited ``BufferIntervalInSeconds``; the buffer is then cut into invocations no
larger than Lambda's 6 MB synchronous payload, and each is sent to the function. Its answer
is applied as Firehose applies it: ``Ok`` records go on with their new data, ``Dropped``
ones end there, ``ProcessingFailed`` ones go to the error output. An invocation that fails
(the handler raised, timed out, or the function is not there) is retried
``NumberOfRetries`` times; an answer that breaks the status model is not retried (a real
error record of a missing recordId shows ``attemptsMade: 1``). Either way every record of
that invocation then goes to the error output with the error's code.

The processor is read from the destination's configuration by ``processors.py``; the
failed records' error output is ``processing_errors.py``'s.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import Accepted, rendered
from pytest_firehose._destinations.processing_errors import ProcessingFailure
from pytest_firehose._destinations.processors import MIB, LambdaProcessor
from pytest_firehose._lambda.firehose_events import (
    FUNCTION_ERROR,
    PROCESSING_FAILED_STATUS,
    RESOURCE_NOT_FOUND,
    TIMED_OUT,
    AnswerRejected,
    EventSource,
    SourceRecord,
    read_answer,
    record_entries,
    transformation_event,
)
from pytest_firehose._lambda.functions import Invocation, UnregisteredFunction
from pytest_firehose._lambda.kept_errors import LatestLocals
from pytest_firehose._payload import Payload, payload_len

if TYPE_CHECKING:
    from pytest_firehose._ids import IdSource

#: Lambda's synchronous invocation payload limit, for the event Firehose sends.
MAX_EVENT_BYTES = 6 * MIB
#: An event's bytes besides the records' data, and each record's besides its base64 data
#: (recordId, timestamp, keys, Kinesis metadata): generous bounds, so no event built from
#: them passes the limit.
EVENT_OVERHEAD = 1024
RECORD_OVERHEAD = 768
#: How long Firehose waits for the function at most, whatever its own timeout (developer
#: guide, "Duration of a Lambda invocation").
FIREHOSE_WAIT = timedelta(minutes=5)

#: Invokes the function an ARN (or name) designates with an event, at an instant, as Lambda's
#: synchronous invocation; raises ``UnregisteredFunction`` when no handler answers for it.
Invoker = Callable[[str, dict[str, Any], datetime], Invocation]


@dataclass
class Processed:
    """What came of a buffer of records: ``ok`` (with their new payloads, ids and arrival
    kept), ``dropped``, ``failed``; ``ended_at`` is when the last invocation ended, on the
    fake clock as the buffer's delivery saw it."""

    ok: list[Accepted] = field(default_factory=list)
    #: The partition keys the function gave each ``ok`` record (``metadata.partitionKeys``),
    #: in the same order; None where it gave none.
    keys: list[Mapping[str, str] | None] = field(default_factory=list)
    dropped: list[Accepted] = field(default_factory=list)
    failed: list[ProcessingFailure] = field(default_factory=list)
    #: Why a test's setup kept the function from running (no handler registered).
    misuse: str | None = None
    #: Why Firehose refused the function's last refused answer: its error code and what in
    #: the answer was wrong, for failure messages; None when it took every answer.
    refused: str | None = None
    #: When the last invocation ended (None before ``Transformer.run`` has run them all).
    ended_at: datetime | None = None


def _event_share(record: Accepted) -> int:
    return (payload_len(record[0]) + 2) // 3 * 4 + RECORD_OVERHEAD


def invocation_batches(records: list[Accepted]) -> list[list[Accepted]]:
    """``records`` cut, in order, into batches whose event stays within Lambda's payload
    limit."""
    batches: list[list[Accepted]] = []
    size = EVENT_OVERHEAD
    for record in records:
        share = _event_share(record)
        if not batches or size + share > MAX_EVENT_BYTES:
            batches.append([])
            size = EVENT_OVERHEAD
        batches[-1].append(record)
        size += share
    return batches


def _event_ids(texts: list[str]) -> list[str]:
    """The ``recordId`` of each record in the event, from the texts of their record ids:
    the text, and for the second and later records de-aggregated from one put record, that
    text with ``.1``, ``.2`` ... appended, so that every id in an event is unique."""
    seen: dict[str, int] = {}
    event_ids = []
    for record_id in texts:
        count = seen.get(record_id, 0)
        seen[record_id] = count + 1
        event_ids.append(f"{record_id}.{count}" if count else record_id)
    return event_ids


class Transformer:
    """The transformation stage of one delivery stream: its buffer, and every invocation.

    ``source`` describes the stream for the event: (delivery stream ARN, region, the
    Kinesis stream or MSK cluster its records come from, or None); ``invocations`` is where
    each invocation is logged, and ``latest_error`` keeps the frames' local variables of
    the latest failed one's error only (both the delivery's, kept across
    reconfigurations). ``metadata`` holds each record's metadata from its source (a Kinesis
    stream or MSK topic) by record id until it is sent."""

    def __init__(
        self,
        processor: LambdaProcessor,
        invoke: Invoker,
        source: tuple[str, str, EventSource | None],
        invocations: list[Invocation],
        latest_error: LatestLocals,
    ) -> None:
        self.processor = processor
        self._invoke = invoke
        self._source = source
        self.buffer: list[Accepted] = []
        self.buffer_bytes = 0
        #: The records sent to the function and not yet answered for (still pending).
        self.in_flight: list[Accepted] = []
        #: Every invocation, in order (the delivery's list, kept across reconfigurations).
        self.invocations = invocations
        self.latest_error = latest_error
        self.metadata: dict[str, Mapping[str, Any]] = {}

    def take(self, entries: list[Accepted]) -> bool:
        """Buffer ``entries``; True once the buffer holds its size."""
        self.buffer.extend(entries)
        self.buffer_bytes += sum(payload_len(entry[0]) for entry in entries)
        return self.buffer_bytes >= self.processor.size

    def due(self) -> datetime | None:
        """When the buffer's interval ends (None when it is empty)."""
        return self.buffer[0][2] + self.processor.interval if self.buffer else None

    def full(self) -> bool:
        return bool(self.buffer) and self.buffer_bytes >= self.processor.size

    def run(self, at: datetime, ids: IdSource) -> Processed:
        """Send everything buffered to the function, at ``at``, and apply its answers.

        What a handler raises past ``Exception`` (``pytest.fail``, ``KeyboardInterrupt``)
        stops the test, not the function: the records stay buffered, none is lost."""
        records, buffered = self.buffer, self.buffer_bytes
        self.buffer, self.buffer_bytes = [], 0
        self.in_flight = records
        processed = Processed()
        elapsed = timedelta(0)
        try:
            for batch in invocation_batches(records):
                elapsed += self._process(batch, at + elapsed, ids, processed)
        except BaseException:
            self.buffer, self.buffer_bytes = records + self.buffer, buffered + self.buffer_bytes
            raise
        finally:
            self.in_flight = []
        for _, record_id, _ in records:
            if isinstance(record_id, str):  # named by its source, not by a put
                self.metadata.pop(record_id, None)
        processed.ended_at = at + elapsed
        return processed

    def _process(
        self, batch: list[Accepted], at: datetime, ids: IdSource, processed: Processed
    ) -> timedelta:
        """Invoke for ``batch`` until it is answered or out of retries; the fake time the
        invocations took."""
        arn = self.processor.lambda_arn
        stream_arn, region, source = self._source
        texts = [text for _, text, _ in rendered(batch)]
        event_ids = _event_ids(texts)
        sources = [
            SourceRecord(event_id, payload, arrived, self.metadata.get(text))
            for event_id, text, (payload, _, arrived) in zip(event_ids, texts, batch, strict=True)
        ]
        # The records' entries are made once: every retry's event carries the same ones.
        entries = record_entries(sources, source)
        elapsed = timedelta(0)
        attempts = 0
        while True:
            attempts += 1
            event = transformation_event(ids.uuid(), stream_arn, region, entries, source=source)
            outer = sys.exc_info()[1]
            try:
                invocation = self._invoke(arn, event, at + elapsed)
            except UnregisteredFunction as missing:
                processed.misuse = str(missing)
                error: tuple[str, str] = RESOURCE_NOT_FOUND
            else:
                self.invocations.append(invocation)
                if invocation.error is not None:
                    self.latest_error.keep(invocation.error, outer)
                assert invocation.ended_at is not None
                elapsed += invocation.ended_at - invocation.started_at
                if invocation.timed_out:
                    error = TIMED_OUT
                elif invocation.failed:
                    error = FUNCTION_ERROR
                else:
                    try:
                        self._apply(batch, event_ids, invocation.answer, processed, at + elapsed)
                    except AnswerRejected as rejected:
                        processed.refused = str(rejected)
                        self._fail(batch, rejected.error, attempts, at + elapsed, processed)
                    return elapsed
            if attempts > self.processor.retries:
                self._fail(batch, error, attempts, at + elapsed, processed)
                return elapsed

    @staticmethod
    def _fail(
        batch: list[Accepted],
        error: tuple[str, str],
        attempts: int,
        at: datetime,
        processed: Processed,
    ) -> None:
        code, message = error
        processed.failed.extend(ProcessingFailure(r, code, message, attempts, at) for r in batch)

    def _apply(
        self,
        batch: list[Accepted],
        event_ids: list[str],
        answer: Any,
        processed: Processed,
        at: datetime,
    ) -> None:
        source = self._source[2]
        results = read_answer(answer, event_ids, source.data_member if source else "data")
        code, message = PROCESSING_FAILED_STATUS
        for record, event_id in zip(batch, event_ids, strict=True):
            _, record_id, arrived = record
            result = results[event_id]
            if result.result == "Ok":
                new: Payload = result.data
                processed.ok.append((new, record_id, arrived))
                processed.keys.append(result.partition_keys)
            elif result.result == "Dropped":
                processed.dropped.append(record)
            else:
                processed.failed.append(ProcessingFailure(record, code, message, 1, at))
