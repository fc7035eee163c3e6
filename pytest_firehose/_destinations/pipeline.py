"""Buffering and delivery on the fake clock: buffers flush on size or interval, failed
deliveries are retried with backoff, and records still undelivered 24 hours after they
arrived expire.

Nothing runs in the background: ``settle`` replays, in the order they fall due, every
event between the last time the world was touched and now, as if time had passed
continuously. At every moment each accepted record is in exactly one place: the
transformation buffer (with a Lambda processor), the buffer, a batch waiting for a retry, a
delivered object, a backup, ``dropped`` by the transformation, the processing-failed error
output, or ``expired``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import (
    Accepted,
    Batch,
    DeliveryFailed,
    DeliveryTarget,
    Destination,
    DestinationError,
)
from pytest_firehose._destinations.compression import extension
from pytest_firehose._destinations.objects import DeliveredObject, object_key
from pytest_firehose._destinations.processing import (
    ErrorOutput,
    Invoker,
    LambdaProcessor,
    Processed,
    Transformer,
    appends_delimiter,
    with_delimiter,
)
from pytest_firehose._destinations.retries import RetryQueue, oldest_arrival
from pytest_firehose._errors import UsageError
from pytest_firehose._lambda.functions import Invocation
from pytest_firehose._payload import payload_len

if TYPE_CHECKING:
    from pytest_firehose._ids import IdSource

#: Firehose's buffering when a destination's ``BufferingHints`` leave a value out.
DEFAULT_BUFFERING = {"SizeInMBs": 5, "IntervalInSeconds": 300}
#: DirectPut data that cannot be delivered is kept this long, then lost.
RETENTION = timedelta(hours=24)
#: A record expires at the first instant (the clock counts microseconds) after RETENTION:
#: one delivered exactly 24 hours after it arrived was delivered in time.
_EXPIRES_AFTER = RETENTION + timedelta(microseconds=1)
MIB = 1024 * 1024
#: An accepted record's payload; mapped over a put's records, cheaper than a generator.
_payload_of = itemgetter(0)


@dataclass(frozen=True)
class _Debt:
    """What reached a busy delivery, to be carried out once it is free: an ``accept`` of
    ``entries`` (with their Kinesis metadata), a ``settle`` or a ``flush``, at ``at``."""

    kind: str
    at: datetime
    entries: list[Accepted] = field(default_factory=list)
    kinesis: Mapping[str, Mapping[str, Any]] | None = None


def hints(config: Mapping[str, Any]) -> tuple[int, timedelta]:
    """(size in bytes, interval) after which a buffer is delivered, for a destination
    configured with ``config``."""
    given = {**DEFAULT_BUFFERING, **config.get("BufferingHints", {})}
    return given["SizeInMBs"] * MIB, timedelta(seconds=given["IntervalInSeconds"])


class Delivery:
    """One delivery stream's delivery: every record it accepted, and where each one is.

    ``records`` is the accept log, in commit order. Each of those records is in exactly
    one place: the transformer's buffer (with a Lambda processor), ``buffer``
    (``buffer_bytes`` long), a batch in ``retries``, a delivered object in ``objects``, a
    backup in ``backed_up``, ``dropped`` by the transformation, an error object in
    ``processing_failed``, or ``expired``. A transformed record keeps its record id and
    arrival and carries its new payload from the transformation on.
    ``destination_up`` switched off makes every attempt fail without asking the
    destination.

    Batches waiting for a retry are in a :class:`RetryQueue`, ordered for the clock.
    """

    def __init__(
        self,
        target: DeliveryTarget,
        config: Mapping[str, Any],
        destination: Destination,
        processor: tuple[LambdaProcessor, Invoker, str, str | None] | None = None,
    ) -> None:
        self.records: list[Accepted] = []
        self.buffer: list[Accepted] = []
        self.buffer_bytes = 0
        #: The earliest arrival in the buffer (records from a Kinesis source may come out
        #: of order): expiry looks at the buffer only once this is old enough.
        self._buffer_oldest: datetime | None = None
        self._retries = RetryQueue()
        self.objects: list[DeliveredObject] = []
        self.expired: list[Accepted] = []
        self.backed_up: list[DeliveredObject] = []
        #: Errors a destination raised that were not a refused delivery (see ``_attempt``).
        self.errors: list[DestinationError] = []
        self.destination_up = True
        #: Records the transformation dropped, and the error objects of those it failed.
        self.dropped: list[Accepted] = []
        self.processing_failed: list[DeliveredObject] = []
        self.invocations: list[Invocation] = []
        self.transformer: Transformer | None = None
        #: The destination buffer is not due before this (set when transformed records
        #: enter it: their arrival is older than their entry).
        self._buffer_floor: datetime | None = None
        #: True while a handler or an HTTP endpoint is waited for without the world's
        #: lock: what reaches this delivery meanwhile (a put, a clock move, a flush, from
        #: any thread) is kept in ``_debts``, in order, and carried out once the answer is
        #: applied, so the delivery's events still happen one at a time and in time order.
        self._busy = False
        self._debts: list[_Debt] = []
        #: The batch whose delivery is under way while ``_busy``: still pending.
        self._in_flight: Batch | None = None
        self.route(target, config, destination, processor)

    def route(
        self,
        target: DeliveryTarget,
        config: Mapping[str, Any],
        destination: Destination,
        processor: tuple[LambdaProcessor, Invoker, str, str | None] | None = None,
    ) -> None:
        """Deliver from now on to ``destination``, for ``target``, as ``config`` (the
        destination's configuration) says, transforming first with ``processor`` (the Lambda
        processor, how to invoke it, the region and the source stream's ARN) when given.
        What is pending goes there too."""
        self.target = target
        self.destination = destination
        self.size, self.interval = hints(config)
        self._prefix: str = config.get("Prefix", "")
        self._compression: str = config.get("CompressionFormat", "UNCOMPRESSED")
        self._extension = extension(self._compression, config.get("FileExtension"))
        #: An AppendDelimiterToRecord processor: each record gets its newline as it enters
        #: the destination buffer (after the Lambda processor, when there is one).
        self._delimited = appends_delimiter(config)
        # An HTTP endpoint's failures go to its S3 configuration's prefixes.
        errors_to = config.get("S3Configuration", config)
        self._error_output = ErrorOutput(
            errors_to.get("ErrorOutputPrefix") or "",
            errors_to.get("Prefix", ""),
            self._compression,
            self._extension,
        )
        self._route_transformer(target, processor)

    def _route_transformer(
        self,
        target: DeliveryTarget,
        processor: tuple[LambdaProcessor, Invoker, str, str | None] | None,
    ) -> None:
        before = self.transformer
        if processor is None:
            self.transformer = None
            if before is not None and before.buffer:
                # Processing switched off: what waited for the function goes on as it is.
                self._fill(before.buffer, before.buffer[-1][2], floor=None)
            return
        lambda_processor, invoke, region, source_arn = processor
        self.transformer = Transformer(
            lambda_processor, invoke, (target.arn, region, source_arn), self.invocations
        )
        if before is not None:
            self.transformer.take(before.buffer)
            self.transformer.kinesis = before.kinesis

    # ------------------------------------------------------------------ reading

    @property
    def retries(self) -> list[Batch]:
        """Batches waiting for a retry, in the order they started waiting."""
        return self._retries.batches()

    def pending(self) -> list[Accepted]:
        """Records accepted and not yet delivered: the batch on its way to the
        destination, those waiting for a retry, then the buffer, then those waiting for
        the transformation, then those accepted while the delivery was busy."""
        in_flight = self._in_flight.records if self._in_flight is not None else []
        waiting = [record for batch in self.retries for record in batch.records]
        transformer = self.transformer
        transforming = [*transformer.in_flight, *transformer.buffer] if transformer else []
        deferred = [record for debt in self._debts for record in debt.entries]
        return [*in_flight, *waiting, *self.buffer, *transforming, *deferred]

    # ------------------------------------------------------------------ events

    def accept(
        self,
        entries: list[Accepted],
        now: datetime,
        ids: IdSource,
        kinesis: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Take ``entries`` into the log and the buffer (the transformation's, with a Lambda
        processor); a buffer that reaches its size is sent on at ``now``. ``kinesis`` gives
        the event's ``kinesisRecordMetadata`` by record id, for records from a Kinesis
        stream."""
        if not entries:
            return
        self.records.extend(entries)
        if self._busy:
            self._debts.append(_Debt("accept", now, entries, kinesis))
            return
        self._take(entries, now, ids, kinesis)
        self._pay_debts(ids)

    def _take(
        self,
        entries: list[Accepted],
        now: datetime,
        ids: IdSource,
        kinesis: Mapping[str, Mapping[str, Any]] | None,
    ) -> None:
        transformer = self.transformer
        if transformer is None:
            self._fill(entries, now, ids)
            return
        if kinesis:
            transformer.kinesis.update(kinesis)
        if transformer.take(entries):
            self._transform(now, ids)

    def _fill(
        self,
        entries: list[Accepted],
        now: datetime,
        ids: IdSource | None = None,
        *,
        floor: datetime | None = None,
    ) -> None:
        """Put ``entries`` in the destination buffer; deliver it if it reaches its size
        (when ``ids`` are given). ``floor``: the buffer is not due before then."""
        if not entries:
            return
        if self._delimited:
            entries = with_delimiter(entries)
        if not self.buffer:
            self._buffer_floor = floor
        self.buffer.extend(entries)
        self.buffer_bytes += sum(map(payload_len, map(_payload_of, entries)))
        oldest = oldest_arrival(entries)
        if self._buffer_oldest is None or oldest < self._buffer_oldest:
            self._buffer_oldest = oldest
        if ids is not None and self.buffer_bytes >= self.size:
            self._deliver_buffer(now, ids)

    def settle(self, now: datetime, ids: IdSource) -> None:
        """Carry out, in time order, every buffer interval, retry and expiry due by ``now``.

        On a tie the transformation goes first, then the buffer, then a retry, then an
        expiry; retries due at the same instant go in the order they started waiting.
        While the delivery is busy, the settle is carried out once it is done."""
        if self._busy:
            self._debts.append(_Debt("settle", now))
            return
        self._settle(now, ids)
        self._pay_debts(ids)

    def _settle(self, now: datetime, ids: IdSource) -> None:
        while True:
            event: tuple[datetime, int] | None = None
            transforming = self._transformation_due()
            if transforming is not None:
                event = (transforming, -1)
            if self.buffer:
                due = self.buffer[0][2] + self.interval
                if self._buffer_floor is not None and due < self._buffer_floor:
                    due = self._buffer_floor
                if event is None or (due, 0) < event:
                    event = (due, 0)
            retry = self._retries.next_due()
            if retry is not None and (event is None or (retry, 1) < event):
                event = (retry, 1)
            oldest = self._oldest_pending()
            if oldest is not None and (event is None or (oldest + _EXPIRES_AFTER, 2) < event):
                event = (oldest + _EXPIRES_AFTER, 2)
            if event is None or event[0] > now:
                return
            at, kind = event
            if kind == 2:
                self._expire(at)
            elif kind == -1:
                self._transform(at, ids)
            elif kind == 0:
                self._deliver_buffer(at, ids)
            else:
                self._attempt(self._retries.pop_due(), at)

    def next_due(self) -> datetime | None:
        """The first instant at which ``settle`` has something to do (a transformation,
        the buffer's interval, a retry, an expiry), or None: nothing waits for the clock.
        None while the delivery is busy too: whoever made it busy settles it once it is
        free, and asks again."""
        if self._busy:
            return None
        due = [
            moment
            for moment in (self._transformation_due(), self._retries.next_due())
            if moment is not None
        ]
        if self.buffer:
            interval_ends = self.buffer[0][2] + self.interval
            floor = self._buffer_floor
            due.append(interval_ends if floor is None else max(interval_ends, floor))
        oldest = self._oldest_pending()
        if oldest is not None:
            due.append(oldest + _EXPIRES_AFTER)
        return min(due, default=None)

    def _transformation_due(self) -> datetime | None:
        """When the transformation buffer is to be sent: at its interval, or at once (as of
        its newest record) once it holds its size."""
        transformer = self.transformer
        if transformer is None or not transformer.buffer:
            return None
        if transformer.full():
            return transformer.buffer[-1][2]
        return transformer.due()

    def flush(self, now: datetime, ids: IdSource) -> None:
        """Transform what waits for the transformation, deliver what the buffer holds and
        retry every waiting batch, now (once the delivery is no longer busy)."""
        if self._busy:
            self._debts.append(_Debt("flush", now))
            return
        self._flush(now, ids)
        self._pay_debts(ids)

    def _flush(self, now: datetime, ids: IdSource) -> None:
        self._settle(now, ids)
        if self.transformer is not None and self.transformer.buffer:
            self._transform(now, ids)
        for batch in self._retries.take_all():
            self._attempt(batch, now)
        self._deliver_buffer(now, ids)

    def _pay_debts(self, ids: IdSource) -> None:
        """Carry out, in the order they came, what reached the delivery while it was busy
        (more may come while one of them is carried out)."""
        while self._debts and not self._busy:
            debt = self._debts.pop(0)
            if debt.kind == "accept":
                self._take(debt.entries, debt.at, ids, debt.kinesis)
            elif debt.kind == "settle":
                self._settle(debt.at, ids)
            else:
                self._flush(debt.at, ids)

    # ------------------------------------------------------------------ steps

    def _build(self, batch: Batch, at: datetime) -> DeliveredObject:
        target = self.target
        key = object_key(
            self._prefix,
            target.name,
            str(target.version),
            batch.records[0][2],
            batch.delivery_id,
            self._extension,
        )
        payloads = tuple(payload for payload, _, _ in batch.records)
        return DeliveredObject(key, payloads, at, batch.delivery_id, compression=self._compression)

    def _attempt(self, batch: Batch, at: datetime) -> None:
        """Try to deliver ``batch`` at ``at``; on failure it waits for a retry, unless the
        destination disposes of it otherwise.

        Whatever happens, the batch ends in one place: an error the destination was not
        meant to raise (a bug, a test's mock raising) is kept in ``errors`` and counts as
        a failed attempt, so no record is lost to it. What stops the test instead (a
        mock calling ``pytest.fail``, KeyboardInterrupt) counts as a failed attempt too,
        and goes on up."""
        batch.attempts += 1
        try:
            done = self._try(batch, at)
        except BaseException:
            self._retry_later(batch, at)
            raise
        if not done:
            self._retry_later(batch, at)

    def _retry_later(self, batch: Batch, at: datetime) -> None:
        batch.due, batch.wait = at + batch.wait, min(batch.wait * 2, self.destination.retry_cap)
        self._retries.add(batch)

    def _try(self, batch: Batch, at: datetime) -> bool:
        """One attempt: True once the batch is delivered or backed up."""
        destination = self.destination
        failure = None
        if self.destination_up:
            # The destination may wait without the world's lock (an HTTP endpoint): the
            # batch stays pending meanwhile, and nothing else of this delivery moves.
            self._busy, self._in_flight = True, batch
            try:
                obj = self._build(batch, at)
                destination.deliver(self.target, obj)
            except DeliveryFailed as error:
                failure = error
            except Exception as error:  # whatever it is, the records stay
                failure = self._report(batch, at, error)
            else:
                self.objects.append(obj)
                return True
            finally:
                self._busy, self._in_flight = False, None
        try:
            backup = destination.give_up(self.target, batch, at, failure)
        except Exception as error:  # as above
            self._report(batch, at, error)
            return False
        if backup is None:
            return False
        self.backed_up.append(backup)
        return True

    def _report(self, batch: Batch, at: datetime, error: Exception) -> DeliveryFailed:
        """Keep ``error`` in ``errors``; the failure the attempt counts as."""
        found = DestinationError(at, self.target.name, batch.delivery_id, len(batch.records), error)
        self.errors.append(found)
        return DeliveryFailed(f"{type(error).__name__}: {error}")

    def _deliver_buffer(self, at: datetime, ids: IdSource) -> None:
        records, self.buffer = self.buffer, []
        self.buffer_bytes = 0
        self._buffer_oldest = None
        self._buffer_floor = None
        if records:
            self._attempt(Batch(records, ids.uuid(), at), at)

    # ------------------------------------------------------------------ transformation

    def _transform(self, at: datetime, ids: IdSource) -> None:
        """Send the transformation buffer to the function at ``at`` and apply the answers:
        new payloads to the destination buffer, the dropped aside, the failed to the error
        output."""
        transformer = self.transformer
        assert transformer is not None
        self._busy = True
        try:
            processed = transformer.run(at, ids)
        finally:
            self._busy = False
        self.dropped.extend(processed.dropped)
        if processed.failed:
            self._write_failures(processed, ids)
        if processed.misuse is not None:
            failed = len(processed.failed)
            self.errors.append(
                DestinationError(at, self.target.name, "", failed, UsageError(processed.misuse))
            )
        ended = max([at, *(failure.ended_at for failure in processed.failed)])
        self._fill(processed.ok, ended, ids, floor=ended)

    def _write_failures(self, processed: Processed, ids: IdSource) -> None:
        """The error object of the records the transformation failed, kept and written
        where the destination writes its error output (an HTTP endpoint's S3 bucket)."""
        assert self.transformer is not None
        lambda_arn = self.transformer.processor.lambda_arn
        obj = self._error_output.object_for(processed.failed, lambda_arn, self.target, ids.uuid())
        self.processing_failed.append(obj)
        output = getattr(self.destination, "error_output", self.destination)
        if self.destination_up:
            # Best effort: the records are on record in `processing_failed` either way.
            with contextlib.suppress(DeliveryFailed):
                output.deliver(self.target, obj)

    def _expire(self, at: datetime) -> None:
        """Move every pending record that arrived 24 hours (and a microsecond) before
        ``at`` to ``expired``: the buffer's first, then the batches' in waiting order."""
        cutoff = at - _EXPIRES_AFTER
        if self._buffer_oldest is not None and self._buffer_oldest <= cutoff:
            self.expired.extend(r for r in self.buffer if r[2] <= cutoff)
            self.buffer = [r for r in self.buffer if r[2] > cutoff]
            self.buffer_bytes = sum(payload_len(r[0]) for r in self.buffer)
            self._buffer_oldest = oldest_arrival(self.buffer) if self.buffer else None
        self.expired.extend(self._retries.expire(cutoff))

    def _oldest_pending(self) -> datetime | None:
        """The arrival expiry counts from: the buffer's first record's, or the oldest
        record of a waiting batch, whichever is earlier."""
        age = self._retries.oldest()
        arrivals = [self.buffer[0][2]] if self.buffer else []
        if age is not None:
            arrivals.append(age)
        return min(arrivals, default=None)
