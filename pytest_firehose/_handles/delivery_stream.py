"""A delivery stream's handle: what a test reads of one stream (what it accepted, where each
record is), the records it puts as CloudWatch Logs or hands to its MSK topic, and
``assert_delivered``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from pytest_firehose._destinations.base import (
    Accepted,
    DeliveryFailed,
    DestinationError,
    RecordsRefused,
    Refusing,
)
from pytest_firehose._destinations.cloudwatch_logs import (
    MAX_RECORD_BYTES,
    log_events_record,
)
from pytest_firehose._destinations.delivery_errors import ERRORS, REFUSING, DestinationErrors
from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._engine.calls import Call
from pytest_firehose._engine.world import World
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._handles.assertions import delivery_mismatch, expected_payloads
from pytest_firehose._handles.base import Lifetime
from pytest_firehose._lambda.functions import Invocation
from pytest_firehose._payload import payload_bytes
from pytest_firehose._services.firehose.model import FirehoseService
from pytest_firehose._services.firehose.streams import DeliveryStream, Record


def errors_note(errors: list[DestinationError]) -> str:
    """The destination errors a failure message lists (empty when there are none)."""
    if not errors:
        return ""
    lines = [f"  {error}" for error in errors]
    return "\ndelivery errors (the records stayed pending):\n" + "\n".join(lines)


def refused_note(refusals: list[tuple[str, int]]) -> str:
    """The batches a destination refused for good that a failure message lists (empty when
    there are none): each one's record count and the endpoint's answer."""
    if not refusals:
        return ""
    lines = [f"  {count} record(s): {answer}" for answer, count in refusals]
    return "\nrefused for good by the endpoint (a 413 is neither retried nor backed up):\n" + (
        "\n".join(lines)
    )


#: How a stream that does not read an MSK topic is fed, by its type.
_FED_BY = {
    "DirectPut": "put its records with boto3's put_record or put_record_batch (put_from_logs "
    "as CloudWatch Logs puts them)",
    "KinesisStreamAsSource": "it reads its Kinesis stream: put the records there",
    "DatabaseAsSource": "it reads a database, which the fake does not model",
}


def _documented(codes: dict[str, str], code: str, what: str) -> str:
    """The message of ``code`` among ``codes``; a UsageError listing them if it is not one."""
    if code not in codes:
        raise UsageError(
            f"{code!r} is not a documented {what} error; use one of: {', '.join(codes)}"
        )
    return codes[code]


def _payloads(accepted: Iterable[Accepted]) -> list[bytes]:
    return [payload_bytes(payload) for payload, _, _ in accepted]


class DeliveryStreamHandle:
    """A delivery stream as a test sees it: what it accepted and what it delivered.

    The handle stays with its stream: once the stream is deleted, what it accepted,
    delivered and was called with stays readable as it was at the deletion, and questions
    about its present (``pending``, ``buffered``, ``describe()``, ``flush()``, the
    destination switches) raise :class:`UsageError`.
    """

    def __init__(self, world: World, service: FirehoseService, stream: DeliveryStream) -> None:
        self._world = world
        self._service = service
        self._stream = stream
        self._delivery = stream.delivery
        self._lifetime = Lifetime(
            world,
            "firehose",
            "delivery stream",
            stream,
            stream.name,
            stream.region,
            world.firehose_services,
        )
        self._live = self._lifetime.require_live

    @property
    def deleted(self) -> bool:
        """Whether the stream was deleted since this handle was taken (a stream created
        again under its name is another stream, with handles of its own)."""
        return self._lifetime.deleted

    @property
    def name(self) -> str:
        """The delivery stream's name."""
        return self._stream.name

    @property
    def arn(self) -> str:
        """The delivery stream's ARN, as DescribeDeliveryStream gives it."""
        return self._stream.arn

    @property
    def region(self) -> str:
        """The region the delivery stream lives in."""
        return self._stream.region

    @property
    def records(self) -> list[Record]:
        """Every record accepted, in commit order, duplicates included. Each compares equal
        to its payload bytes and carries ``.record_id`` and ``.arrived_at``."""
        with self._world.looked():
            return [Record(*accepted) for accepted in self._delivery.records]

    @property
    def buffered(self) -> list[bytes]:
        """Payloads accepted and waiting in the stream's buffer for delivery."""
        self._live("buffer")
        with self._world.looked():
            return _payloads(self._delivery.buffer)

    @property
    def objects(self) -> list[DeliveredObject]:
        """Delivered objects, oldest first, each with ``.key`` and ``.body``."""
        with self._world.looked():
            return list(self._delivery.objects)

    @property
    def pending(self) -> list[bytes]:
        """Payloads accepted and not yet delivered: in the buffer, or waiting for a retry
        of a failed delivery."""
        self._live("pending records: its buffer and retries went with it")
        with self._world.looked():
            return _payloads(self._delivery.pending())

    @property
    def expired(self) -> list[bytes]:
        """Payloads dropped because they were still undelivered 24 hours after arriving."""
        with self._world.looked():
            return _payloads(self._delivery.expired)

    @property
    def refused(self) -> list[bytes]:
        """Payloads an HTTP endpoint refused for good by answering 413: neither retried
        nor backed up, as the spec says of that status."""
        with self._world.looked():
            return _payloads(record for _, batch in self._delivery.refused for record in batch)

    @property
    def backed_up(self) -> list[bytes]:
        """Payloads written to the destination's S3 bucket because it (an HTTP endpoint,
        OpenSearch, Splunk ...) kept failing for longer than
        ``RetryOptions.DurationInSeconds``; for Redshift, those of the batches it skipped,
        whose manifest it wrote under ``errors/manifests/``."""
        with self._world.looked():
            return [data for obj in self._delivery.backed_up for data in obj.records]

    @property
    def source_backup(self) -> list[bytes]:
        """Payloads written to the S3 backup of source records (``S3BackupMode``
        ``Enabled``, ``AllData``, ``AllDocuments`` or ``AllEvents``), as the stream took
        them in: before any transformation, oldest object first."""
        with self._world.looked():
            return [data for obj in self._stream.source_backup for data in obj.records]

    @property
    def source_backup_objects(self) -> list[DeliveredObject]:
        """The objects of the S3 backup of source records, oldest first, each with
        ``.key`` (under the backup's own ``Prefix``) and ``.body`` (compressed as the
        backup's ``CompressionFormat`` says)."""
        with self._world.looked():
            return list(self._stream.source_backup)

    def destination_down(self, *, error: str | None = None) -> None:
        """Make the destination unreachable: deliveries fail and are retried, and records
        still undelivered 24 hours after they arrived (read from Kinesis: the source
        stream's retention period after they arrived there) expire.

        ``error``: for a destination the fake stores (OpenSearch, Splunk, Snowflake,
        Iceberg), the error code, one documented for that destination, that the records
        it gives up on name instead of its default (``"Splunk.InvalidToken"``, ``"503"``
        ...)."""
        self._live("destination")
        with self._world.touched():
            failure = None
            if error is not None:
                errors = self._errors("destination_down(error=...)")
                message = _documented(errors.down, error, f"{errors.name} delivery")
                failure = DeliveryFailed(message, error)
            self._delivery.destination_up = False
            self._delivery.down_failure = failure

    def destination_up(self) -> None:
        """Make the destination reachable again; waiting deliveries go at their next retry
        (or at once, on ``flush()``)."""
        self._live("destination")
        with self._world.touched():
            self._delivery.destination_up = True
            self._delivery.down_failure = None

    def destination_refuses(
        self, refuses: Callable[[bytes], bool], *, error: str | None = None
    ) -> None:
        """Make the destination refuse the records (OpenSearch documents, Snowflake rows)
        ``refuses`` picks: it is called with each record as delivered (after any
        transformation) at each attempt, and those it answers true for fail with
        ``error``, a code documented for the destination (by default ``"400"`` on
        OpenSearch, ``"Snowflake.InvalidColumns"`` on Snowflake), while the rest of the
        batch is delivered. Refused documents are retried within ``RetryOptions``, refused
        rows are not; then they are written to the ``S3Configuration`` bucket and listed in
        ``backed_up``. Replaces what an earlier call set; ``destination_accepts()`` ends
        it, as does an UpdateDestination to another destination type (as it does
        ``destination_down``'s ``error``)."""
        if not callable(refuses):
            raise UsageError(
                f"destination_refuses takes a function of a record's bytes, not "
                f"{type(refuses).__name__}: destination_refuses(lambda record: b'bad' in record)"
            )
        self._live("destination")
        with self._world.touched():
            errors = self._errors("destination_refuses")
            if not errors.refusals:
                raise UsageError(
                    f"destination_refuses: {errors.name} refusing single records is not on "
                    f"record; these destinations have such refusals: {REFUSING} "
                    "(destination_down() fails whole deliveries)"
                )
            code = next(iter(errors.refusals)) if error is None else error
            message = _documented(errors.refusals, code, f"{errors.name} refusal")
            failure = RecordsRefused(message, code, retried=errors.refusals_retried)
            self._delivery.refusing = Refusing(refuses, failure)

    def destination_accepts(self) -> None:
        """End ``destination_refuses``: the destination takes every record again, those
        waiting for a retry too."""
        self._live("destination")
        with self._world.touched():
            self._delivery.refusing = None

    def _errors(self, what: str) -> DestinationErrors:
        """The errors of the stream's destination, when the fake stores it."""
        errors = ERRORS.get(getattr(self._delivery.destination, "kind", None) or "")
        if errors is None:
            stored = ", ".join(known.name for known in ERRORS.values())
            raise UsageError(
                f"{what}: the errors a destination names are scripted for the destinations "
                f"the fake stores ({stored}); {self.name!r} does not deliver to one (an HTTP "
                "endpoint's errors come from its answers, S3's from S3)"
            )
        return errors

    def put_from_logs(self, *records: bytes) -> None:
        """Put ``records`` as a CloudWatch Logs subscription filter puts them: each is the
        record as sent (for a subscription, the gzip of the log events' JSON; see
        :meth:`put_log_events`). A stream that decompresses CloudWatch Logs data takes
        puts from CloudWatch Logs only, so this is how a test feeds it."""
        payloads: list[bytes] = []
        for record in records:
            if not isinstance(record, (bytes, bytearray, memoryview)):
                raise UsageError(
                    f"put_from_logs takes each record as bytes, not {type(record).__name__}: "
                    "put_log_events(messages) builds a subscription's record from log messages"
                )
            payloads.append(bytes(record))
        self._put_from_logs(payloads)

    def put_log_events(
        self,
        messages: Iterable[str],
        *,
        log_group: str = "/test/log-group",
        log_stream: str = "test-log-stream",
        subscription_filter: str = "test-filter",
    ) -> bytes:
        """Put ``messages`` as one batch of log events a CloudWatch Logs subscription
        filter sends: one record, the gzip of the ``DATA_MESSAGE`` JSON (``owner`` the
        stream's account, each event's ``timestamp`` the fake clock's now). Returns the
        record, as the error output would hold it."""
        with self._world.touched():
            self._live("stream to put to")
            service = self._service
            record = log_events_record(
                messages,
                owner=service.account_id,
                log_group=log_group,
                log_stream=log_stream,
                subscription_filter=subscription_filter,
                at=service.clock.now(),
                ids=service.ids,
            )
        self._put_from_logs([record])
        return record

    def _put_from_logs(self, payloads: list[bytes]) -> None:
        for payload in payloads:
            if len(payload) > MAX_RECORD_BYTES:
                raise UsageError(
                    f"put_from_logs: a record is at most {MAX_RECORD_BYTES} bytes, as "
                    f"Firehose takes them, not {len(payload)}"
                )
        self._live("stream to put to")
        with self._world.touched():
            try:
                self._service.put_from_logs(self.name, payloads)
            except ServiceError as error:
                hint = ""
                if self._stream.stream_type == "KinesisStreamAsSource":
                    hint = " (this stream reads its Kinesis stream: put the records there)"
                elif self._stream.stream_type == "MSKAsSource":
                    hint = " (this stream reads an MSK topic: put_from_msk hands it records)"
                raise UsageError(
                    f"put_from_logs: Firehose would answer CloudWatch Logs {error.code}: "
                    f"{error.message}{hint}"
                ) from None

    def put_from_msk(
        self,
        *values: bytes,
        partition: int = 0,
        offset: int | None = None,
        timestamp: datetime | None = None,
    ) -> list[int]:
        """Hand an MSKAsSource stream ``values`` (Kafka record values, bytes) as its topic's
        ``partition`` gets them: at the partition's next offsets (from 0, or from
        ``offset``), with the Kafka ``timestamp`` (the fake clock's now when not given). The
        stream reads those at or after its start position (``ReadFromTimestamp``, else its
        creation) at once; older ones stay unread. Returns the offsets they were given."""
        kind = self._stream.stream_type
        if kind != "MSKAsSource":
            fed_by = _FED_BY.get(kind, "it takes no records from MSK")
            raise UsageError(
                f"put_from_msk: delivery stream {self.name!r} is {kind}, not MSKAsSource: {fed_by}"
            )
        self._live("stream to put to")
        with self._world.touched():
            return self._service.put_from_msk(
                self._stream, values, partition=partition, offset=offset, timestamp=timestamp
            )

    @property
    def delivery_errors(self) -> list[DestinationError]:
        """Errors the destination raised while delivering, other than refusing a delivery
        (a fault in the fake, or a test's mock of the endpoint raising). Each one counted
        as a failed attempt: its records stayed pending and were retried."""
        with self._world.looked():
            return list(self._delivery.errors)

    @property
    def invocations(self) -> list[Invocation]:
        """Every invocation of the stream's transformation Lambda, in order: each with its
        ``event``, ``answer`` (what the handler returned), ``error`` (what it raised),
        ``timed_out``, ``request_id`` and fake ``started_at``/``ended_at``."""
        with self._world.looked():
            return list(self._delivery.invocations)

    @property
    def dropped(self) -> list[bytes]:
        """Payloads (as put) the transformation answered ``Dropped`` for."""
        with self._world.looked():
            return _payloads(self._delivery.dropped)

    @property
    def processing_failed(self) -> list[bytes]:
        """Payloads (as put) that went to the ``processing-failed`` error output: the
        function answered ``ProcessingFailed`` for them, or its invocation failed."""
        with self._world.looked():
            return [data for obj in self._delivery.processing_failed for data in obj.records]

    @property
    def decompression_failed(self) -> list[bytes]:
        """Payloads (as put, compressed) that went to the ``decompression-failed`` error
        output: CloudWatch Logs decompression could not read them as CloudWatch Logs data."""
        with self._world.looked():
            return [data for obj in self._delivery.decompression_failed for data in obj.records]

    @property
    def partitioning_failed(self) -> list[bytes]:
        """Payloads (as they reached partitioning: de-aggregated, transformed; as put, with
        CloudWatch Logs decompression) that went to the ``partitioning-failed`` error
        output: dynamic partitioning could not get their keys, or they would have opened a
        partition past the active-partition limit."""
        with self._world.looked():
            return [data for obj in self._delivery.partitioning_failed for data in obj.records]

    @property
    def conversion_failed(self) -> list[bytes]:
        """Payloads (as they reached the conversion: transformed, partitioned; as put, with
        CloudWatch Logs decompression) that went to the ``format-conversion-failed`` error
        output: record format conversion could not read them into the Glue table's columns."""
        with self._world.looked():
            return [data for obj in self._delivery.conversion_failed for data in obj.records]

    @property
    def error_objects(self) -> list[DeliveredObject]:
        """The error output's objects, oldest first: ``.key`` under
        ``decompression-failed/``, ``processing-failed/``, ``partitioning-failed/`` or
        ``format-conversion-failed/``,
        ``.body`` one JSON error record per line (compressed as the destination's objects
        are)."""
        with self._world.looked():
            found = [
                *self._delivery.decompression_failed,
                *self._delivery.processing_failed,
                *self._delivery.partitioning_failed,
                *self._delivery.conversion_failed,
            ]
            return sorted(found, key=lambda obj: obj.delivered_at)

    @property
    def delivered(self) -> list[bytes]:
        """Payloads that reached the destination, in delivery order (as the transformation
        returned them, with a Lambda processor)."""
        with self._world.looked():
            return [data for obj in self._delivery.objects for data in obj.records]

    @property
    def rows(self) -> list[dict[str, str | None]]:
        """The rows a Redshift destination's COPY loaded into its table, in load order: each
        a dict of column name (``DataTableColumns``; without them, the fields' positions
        ``"1"``, ``"2"`` ... or a JSON object's keys) to the value as text, None for NULL."""
        with self._world.looked():
            return [dict(row) for obj in self._delivery.objects for row in obj.rows or ()]

    @property
    def manifests(self) -> list[DeliveredObject]:
        """The manifests a Redshift destination wrote to its intermediate bucket, oldest
        first: under ``manifests/`` those of the objects COPY loaded, under
        ``errors/manifests/`` those of the batches skipped once their retries ran out."""
        with self._world.looked():
            loaded = [obj.manifest for obj in self._delivery.objects if obj.manifest]
            skipped = [obj for obj in self._delivery.backed_up if "errors/manifests/" in obj.key]
            return sorted([*loaded, *skipped], key=lambda obj: obj.delivered_at)

    @property
    def calls(self) -> list[Call]:
        """The calls that named this stream, from its creation (for a stream the fixture
        created, from the deletion of the one of that name before it) to its deletion."""
        return self._lifetime.calls()

    def describe(self) -> dict[str, Any]:
        """The ``DeliveryStreamDescription`` DescribeDeliveryStream answers with."""
        self._live("description")
        with self._world.looked():
            return self._stream.describe()

    def flush(self) -> None:
        """Deliver what the buffer holds now, as if its buffering interval had passed."""
        self._live("buffer to flush")
        with self._world.touched():
            self._service.flush(self._stream)

    def assert_delivered(self, expected: Iterable[bytes], *, ordered: bool = False) -> None:
        """Assert each expected payload was delivered exactly once (in order if ``ordered``).

        Flushes first, so it can follow the code under test directly; a deleted stream's
        handle checks what was delivered before the deletion.
        """
        __tracebackhide__ = True
        payloads = expected_payloads("assert_delivered", expected)
        if not self.deleted:
            self.flush()
        message = delivery_mismatch(
            f"delivery stream {self.name!r}",
            payloads,
            self.delivered,
            ordered=ordered,
            calls=self.calls,
        )
        if message is not None:
            raise AssertionError(
                message + errors_note(self.delivery_errors) + refused_note(self._refusals())
            )

    def _refusals(self) -> list[tuple[str, int]]:
        with self._world.looked():
            return [(str(failure), len(records)) for failure, records in self._delivery.refused]

    def __repr__(self) -> str:
        return f"<DeliveryStreamHandle {self.name!r} in {self.region}>"
