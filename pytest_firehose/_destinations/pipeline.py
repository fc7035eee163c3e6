"""Buffering and delivery on the fake clock: buffers flush on size or interval, failed
deliveries are retried with backoff, and records still undelivered 24 hours after they
arrived (a Kinesis source's: its retention period) expire.

Nothing runs in the background: ``settle`` replays, in the order they fall due, every
event between the last time the world was touched and now, as if time had passed
continuously. At every moment each accepted record is in exactly one place: the
transformation buffer (with a Lambda processor), a buffer (one per partition with dynamic
partitioning), a batch on its way or behind it, a batch waiting for a retry, a delivered
object, a backup, ``refused`` for good by the destination (an HTTP endpoint's 413),
``dropped`` by the transformation, the decompression-failed, processing-failed,
partitioning-failed or format-conversion-failed error output, or ``expired``. A record
de-aggregated into several is in those places as its sub-records. The attempts themselves
are :mod:`~pytest_firehose._destinations.attempts`', what falls due and when, expiry, and
what waits while the delivery is busy :mod:`~pytest_firehose._destinations.timeline`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.attempts import Attempting
from pytest_firehose._destinations.base import (
    Accepted,
    Batch,
    DeliveryFailed,
    Destination,
    DestinationError,
    Refusing,
)
from pytest_firehose._destinations.buffers import Buffer
from pytest_firehose._destinations.cloudwatch_logs import DECOMPRESSION_FAILED
from pytest_firehose._destinations.converting import Converting, TableFinder
from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._destinations.partitioning import PARTITIONING_FAILED, PartitionBatch
from pytest_firehose._destinations.processing import Transformer
from pytest_firehose._destinations.processing_errors import ErrorOutput, ProcessingFailure
from pytest_firehose._destinations.processors import with_delimiter
from pytest_firehose._destinations.retries import RetryQueue
from pytest_firehose._destinations.routes import Route
from pytest_firehose._destinations.timeline import Debt, Timeline
from pytest_firehose._destinations.transforming import Transforming
from pytest_firehose._lambda.functions import Invocation

if TYPE_CHECKING:
    from pytest_firehose._ids import IdSource, RecordKey
    from pytest_firehose._payload import Payload

#: DirectPut data that cannot be delivered is kept this long, then lost (data read from a
#: Kinesis stream, as long as that stream retains it: ``Delivery.retention``).
RETENTION = timedelta(hours=24)


def _kind(destination: Destination) -> str | None:
    """The destination type of a destination the fake stores (OpenSearch, Splunk ...:
    its configuration parameter), or None."""
    return getattr(destination, "kind", None)


class Delivery(Transforming, Converting, Attempting, Timeline):
    """One delivery stream's delivery: every record it accepted, and where each one is.

    ``records`` is the accept log, in commit order. Each of those records is in exactly
    one place: the transformer's buffer (with a Lambda processor), ``buffer`` (the
    destination's buffers, one per partition with dynamic partitioning; ``buffer_bytes``
    long), a batch on its way to the destination or waiting its turn behind it (one
    buffer can make several), a batch in ``retries``, a delivered object in ``objects``, a
    backup in ``backed_up``, ``refused`` for good, ``dropped`` by the transformation, an
    error object in
    ``processing_failed``, ``partitioning_failed`` or ``conversion_failed``, or
    ``expired``. A transformed record keeps its record id and arrival and carries its new
    payload from the transformation on; a de-aggregated one is its sub-records, each with
    its id and arrival.
    ``destination_up`` switched off makes every attempt fail without asking the
    destination.

    Batches waiting for a retry are in a :class:`RetryQueue`, ordered for the clock. How a
    buffer becomes batches and each batch is tried, retried and given up on is
    :class:`~pytest_firehose._destinations.attempts.Attempting`'s, how the events due are
    carried out in time order :class:`~pytest_firehose._destinations.timeline.Timeline`'s.
    """

    def __init__(self, route: Route) -> None:
        self.records: list[Accepted] = []
        #: The destination's buffers, by partition (one, None, without dynamic
        #: partitioning), in the order they were opened.
        self._buffers: dict[str | None, Buffer] = {}
        self._retries = RetryQueue()
        self.objects: list[DeliveredObject] = []
        self.expired: list[Accepted] = []
        #: How long an undelivered record is kept after it arrived: 24 hours, or the
        #: retention period of the Kinesis stream it was read from.
        self.retention = RETENTION
        self.backed_up: list[DeliveredObject] = []
        #: Records a destination refused for good (an HTTP endpoint's 413), with the
        #: failure, batch by batch: neither retried nor backed up.
        self.refused: list[tuple[DeliveryFailed, list[Accepted]]] = []
        #: Errors a destination raised that were not a refused delivery (see ``_attempt``).
        self.errors: list[DestinationError] = []
        #: When the destination, while up, last refused a delivery, and how (a missing
        #: bucket's ``S3.NoSuchBucket``): what a failure message says of pending records.
        self.last_failure: tuple[datetime, DeliveryFailed] | None = None
        self.destination_up = True
        #: What a test made the destination fail with (``destination_down(error=...)``,
        #: ``destination_refuses``); both end when the stream moves to another
        #: destination type.
        self.down_failure: DeliveryFailed | None = None
        self.refusing: Refusing | None = None
        self.destination: Destination = route.destination
        #: Records the transformation dropped, and the error objects of those it failed.
        self.dropped: list[Accepted] = []
        self.processing_failed: list[DeliveredObject] = []
        #: Why Firehose last refused the Lambda processor's answer, with its error code,
        #: for failure messages (the error objects hold only the code).
        self.refused_answer: str | None = None
        #: The error objects of records dynamic partitioning could not place.
        self.partitioning_failed: list[DeliveredObject] = []
        #: The error objects of records CloudWatch Logs decompression could not read, and
        #: with decompression on, each record's payload as put, by id (error objects hold
        #: that, whatever step the record failed at).
        self.decompression_failed: list[DeliveredObject] = []
        self._as_put: dict[RecordKey, Payload] = {}
        #: Records record format conversion could not read, and the tables tests
        #: registered for it (the service sets ``tables``).
        self.conversion_failed: list[DeliveredObject] = []
        self.tables: TableFinder | None = None
        self.invocations: list[Invocation] = []
        self.transformer: Transformer | None = None
        #: True while a handler or an HTTP endpoint is waited for without the world's
        #: lock: what reaches this delivery meanwhile (a put, a clock move, a flush, an
        #: update, from any thread) is kept in ``_debts``, in order, and carried out once
        #: the answer is applied, so the delivery's events still happen one at a time and
        #: in time order.
        self._busy = False
        self._debts: list[Debt] = []
        #: The batch whose delivery is under way while ``_busy``, and those of the same
        #: buffer waiting their turn behind it: still pending.
        self._in_flight: Batch | None = None
        self._queued: list[Batch] = []
        self.route(route)

    def route(self, route: Route) -> None:
        """Deliver from now on as ``route`` says (made by ``routes.route_for``, which
        checked it: taking it cannot fail). What is pending goes there too."""
        self.target = route.target
        if _kind(route.destination) != _kind(self.destination):
            self.down_failure = self.refusing = None
        # A destination that keeps something across an UpdateDestination (Redshift: the
        # load errors the cluster recorded; Snowflake: the Kinesis metadata of records
        # read and not loaded yet) takes it over from the one it replaces.
        take_over = getattr(route.destination, "take_over", None)
        if take_over is not None and route.destination is not self.destination:
            take_over(self.destination)
        self.destination = route.destination
        self.size, self.interval = route.size, route.interval
        self._prefix = route.prefix
        self._compression = route.compression
        self._extension = route.extension
        self._zone = route.zone
        self._logs = route.logs
        #: An AppendDelimiterToRecord processor: each record gets its newline as it enters
        #: the destination buffer (after the Lambda processor, when there is one).
        self._delimited = route.delimited
        self._deaggregation = route.deaggregation
        self._partitioning = route.partitioning
        self._error_output = ErrorOutput(
            route.error_prefix,
            route.error_base,
            route.compression,
            route.extension,
            route.zone,
            self._as_put if route.logs is not None else None,
        )
        self._route_transformer(route.target, route.processor)
        self._route_conversion(route.conversion)

    def reroute(self, now: datetime, route: Route) -> None:
        """``route`` for a destination updated at ``now``. While the delivery is busy (a
        batch at its destination, records with the Lambda function), the batch or the
        invocation finishes as it started and the new route is taken once it is done, in
        order with what else reached the delivery meanwhile: the records under way stay
        pending until their answer is applied."""
        if self._busy:
            self._debts.append(Debt("route", now, route=route))
            return
        self.route(route)

    # ------------------------------------------------------------------ reading

    @property
    def decompressing(self) -> bool:
        """Whether records are decompressed as CloudWatch Logs data first."""
        return self._logs is not None

    @property
    def buffer(self) -> list[Accepted]:
        """The records in the destination's buffers, partition by partition."""
        return [record for buffer in self._buffers.values() for record in buffer.records]

    @property
    def buffer_bytes(self) -> int:
        return sum(buffer.size for buffer in self._buffers.values())

    @property
    def retries(self) -> list[Batch]:
        """Batches waiting for a retry, in the order they started waiting."""
        return self._retries.batches()

    def pending(self) -> list[Accepted]:
        """Records accepted and not yet delivered: the batch on its way to the
        destination and those of its buffer behind it, those waiting for a retry, then the
        buffer, then those waiting for the transformation, then those accepted while the
        delivery was busy."""
        in_flight = self._in_flight.records if self._in_flight is not None else []
        in_flight = [*in_flight, *(record for batch in self._queued for record in batch.records)]
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
        metadata: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> bool:
        """Take ``entries`` into the log and the buffer (the transformation's, with a Lambda
        processor); a buffer that reaches its size is sent on at ``now``. ``metadata`` gives
        the event's ``kinesisRecordMetadata`` or ``mskRecordMetadata`` by record id, for
        records read from a Kinesis stream or an MSK topic.

        Whether ``next_due`` may have moved: not when the records only joined the buffer
        behind its first record and left it under its size, with nothing between the put
        and the buffer (its interval runs from that first record, and expiry from the
        oldest), the one case a caller may skip asking again."""
        if not entries:
            return False
        self.records.extend(entries)
        if self._busy:
            self._debts.append(Debt("accept", now, entries, metadata))
            return True
        plain = self._plain()
        waiting = self._buffers.get(None) if plain else None
        waited = waiting is not None and bool(waiting.records)
        if plain:  # where _take and _fill would put them
            self._into(None, entries, now, ids, None)
        else:
            self._take(entries, now, ids, metadata)
        self._pay_debts(ids)
        # A buffer sent on is gone (one exists only while it holds records).
        return not waited or self._buffers.get(None) is not waiting

    def _plain(self) -> bool:
        """Whether accepted records go straight into the one buffer: no decompression,
        de-aggregation, transformation or partitioning in between, nothing owed."""
        return (
            self._logs is None
            and self._deaggregation is None
            and self.transformer is None
            and self._partitioning is None
            and not self._debts
        )

    def _take(
        self,
        entries: list[Accepted],
        now: datetime,
        ids: IdSource,
        metadata: Mapping[str, Mapping[str, Any]] | None,
    ) -> None:
        logs = self._logs
        if logs is not None:
            self._as_put.update((record_id, payload) for payload, record_id, _ in entries)
            entries, failures = logs.apply(entries, now)
            if failures:
                self._write_failed(failures, DECOMPRESSION_FAILED, self.decompression_failed, ids)
        if self._deaggregation is not None:
            entries = self._deaggregation.apply(entries)
        transformer = self.transformer
        if transformer is None:
            self._fill(entries, now, ids)
            return
        if metadata:
            transformer.metadata.update(metadata)
        if transformer.take(entries):
            self._transform(now, ids)

    def _fill(
        self,
        entries: list[Accepted],
        now: datetime,
        ids: IdSource | None = None,
        *,
        floor: datetime | None = None,
        keys: Sequence[Mapping[str, str] | None] | None = None,
    ) -> None:
        """Put ``entries`` in the destination buffer (their partition's, with dynamic
        partitioning, ``keys`` being the Lambda function's partition keys for each); deliver
        a buffer that reaches its size (when ``ids`` are given). ``floor``: a buffer these
        open is not due before then."""
        if not entries:
            return
        if self._partitioning is None:
            self._into(None, entries, now, ids, floor)
            return
        # A partition is active while its records are buffered or being delivered.
        batches = [*self._retries.batches(), self._in_flight, *self._queued]
        active = {partition for partition in self._buffers if partition is not None}
        active.update(batch.partition for batch in batches if isinstance(batch, PartitionBatch))
        groups, failures = self._partitioning.sort(entries, keys, now, active)
        for partition, group in groups.items():
            self._into(partition, group, now, ids, floor)
        if not failures:
            return
        if ids is None:  # a reconfiguration: written at the next event, with an id
            self._debts.append(Debt("fill", now, [failure.record for failure in failures]))
            return
        self._write_failed(failures, PARTITIONING_FAILED, self.partitioning_failed, ids)

    def _into(
        self,
        partition: str | None,
        entries: list[Accepted],
        now: datetime,
        ids: IdSource | None,
        floor: datetime | None,
    ) -> None:
        if self._delimited:
            entries = with_delimiter(entries)
        buffer = self._buffers.get(partition)
        if buffer is None:
            buffer = self._buffers[partition] = Buffer(partition)
        buffer.add(entries, floor)
        if ids is not None and buffer.size >= self.size:
            self._deliver_buffer(now, ids, partition)

    def _write_failed(
        self,
        failures: list[ProcessingFailure],
        output_type: str,
        kept: list[DeliveredObject],
        ids: IdSource,
    ) -> None:
        """The error object of ``failures`` under ``output_type``, kept in ``kept`` and
        written where the destination writes its error output."""
        obj = self._error_output.object_for(failures, output_type, self.target, ids.uuid())
        kept.append(obj)
        self._write_error_object(obj)
