"""A delivery stream's handle: what a test reads of one stream (what it accepted, where each
record is) and ``assert_delivered``; what it puts in besides boto3's puts
(``stream_inputs.py``) and what it switches on the destination (``destination_switches.py``)
come with it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import Accepted, DestinationError
from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._engine.calls import Call
from pytest_firehose._engine.world import World
from pytest_firehose._handles.assertions import delivery_mismatch, expected_payloads, listing
from pytest_firehose._handles.base import Lifetime, check_switch
from pytest_firehose._handles.destination_switches import DestinationSwitches
from pytest_firehose._handles.stream_inputs import StreamInputs
from pytest_firehose._lambda.functions import Invocation
from pytest_firehose._payload import payload_bytes
from pytest_firehose._services.firehose.model import FirehoseService
from pytest_firehose._services.firehose.streams import DeliveryStream, Record

if TYPE_CHECKING:
    from pytest_firehose._destinations.copy_rows import LoadError


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


def _payloads(accepted: Iterable[Accepted]) -> list[bytes]:
    return [payload_bytes(payload) for payload, _, _ in accepted]


class DeliveryStreamHandle(DestinationSwitches, StreamInputs):
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
    def backed_up_objects(self) -> list[DeliveredObject]:
        """The objects the records in ``backed_up`` went to the ``S3Configuration`` bucket
        in, oldest first: ``.key`` under the destination's error prefix
        (``splunk-failed/``, ``AmazonOpenSearchService-failed/``, ``http-endpoint-failed/``
        ...), ``.body`` one JSON line per record naming its ``errorCode`` and
        ``errorMessage``, with ``rawData``; a Redshift destination's, the manifests of the
        batches it skipped, under ``errors/manifests/``."""
        with self._world.looked():
            return list(self._delivery.backed_up)

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
    def rows(self) -> list[dict[str, Any]]:
        """The rows the destination's table received, in load order. Redshift: those its
        COPY loaded, each a dict of column name (``DataTableColumns``; without them, the
        fields' positions ``"1"``, ``"2"`` ... or a JSON object's keys) to the value as
        text, None for NULL. Snowflake: one a record, as its ``DataLoadingOption`` maps
        it: the record's JSON object (``JSON_MAPPING``), or that object under
        ``ContentColumnName`` (with the record's source under ``MetaDataColumnName``)."""
        with self._world.looked():
            return [dict(row) for obj in self._delivery.objects for row in obj.rows or ()]

    @property
    def documents(self) -> list[dict[str, Any]]:
        """The documents an OpenSearch, Elasticsearch or OpenSearch Serverless destination's
        indexes received, in delivery order, each as its bulk request's ``index`` action
        names it: ``_index`` (``IndexName`` with its rotation's suffix), ``_id`` (the
        RecordId; None with ``NO_DOCUMENT_ID`` and on Serverless, where the index makes
        one), ``_type`` (``TypeName``, None without one) and ``_source`` (the record's JSON
        object). Empty for the other destinations."""
        with self._world.looked():
            return [
                dict(document) for obj in self._delivery.objects for document in obj.documents or ()
            ]

    @property
    def index_mappings(self) -> dict[str, dict[str, Any]]:
        """The mappings of the indexes an OpenSearch, Elasticsearch or OpenSearch Serverless
        destination writes to (``IndexName``, and ``IndexName-`` with each rotation's
        suffix), by index, each as ``GET index/_mapping`` shows its ``mappings``: as given
        (``firehose.opensearch_index``), with the fields dynamic mapping added from the
        delivered documents. Another stream writing to the same index of the same domain
        shares them. Empty for the other destinations."""
        with self._world.looked():
            destination = self._delivery.destination
            indexes = getattr(destination, "indexes", None)
            name = getattr(destination, "index_name", None)
            domain = getattr(destination, "domain", None)
            if indexes is None or name is None or domain is None:
                return {}
            return {
                index: mapping
                for index, mapping in indexes.indexes_of(domain).items()
                if index == name or index.startswith(f"{name}-")
            }

    @property
    def events(self) -> list[dict[str, Any]]:
        """What a Splunk destination's HEC endpoint received, in delivery order. An
        ``Event`` endpoint: each event as Splunk indexes it, ``event`` (the event JSON's,
        as it was: a string, a number, an object ...) and its metadata ``time``, ``host``,
        ``source``, ``sourcetype``, ``index`` and ``fields``, each None where the event
        leaves it to the HEC token (or, ``time``, to the time of receipt). A ``Raw``
        endpoint: one ``{"raw": text}`` a request, the records' bytes concatenated (as
        UTF-8), which Splunk breaks into events as the token's sourcetype says. Empty for
        the other destinations."""
        with self._world.looked():
            return [dict(event) for obj in self._delivery.objects for event in obj.events or ()]

    @property
    def load_errors(self) -> list[LoadError]:
        """The lines a Redshift destination's COPYs left out, as Redshift records them in
        ``STL_LOAD_ERRORS``: each with ``filename`` (the staged object's ``s3://`` URL),
        ``line_number``, ``colname``, ``err_code``, ``err_reason``, ``raw_line``,
        ``raw_field_value`` and ``starttime``. Lines within ``MAXERROR`` are here too; a
        retried COPY records its errors again. Empty for the other destinations."""
        with self._world.looked():
            return list(getattr(self._delivery.destination, "load_errors", ()))

    @property
    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """The rows an Iceberg destination's tables hold, by ``"database.table"``, as the
        stream's records left them: each row a record's JSON object, inserted, replaced by
        an update or removed by a delete (rows with the same ``UniqueKeys`` values), in
        the order they were written. A copy: changing it changes nothing."""
        from pytest_firehose._destinations.iceberg import table_rows  # Iceberg's alone

        with self._world.looked():
            objects = self._delivery.objects
            return table_rows(change for obj in objects for change in obj.changes or ())

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
        handle checks what was delivered before the deletion, and once the fake has
        stopped, what was delivered while it ran (a flush then would deliver unseen).
        """
        __tracebackhide__ = True
        check_switch("assert_delivered", ordered, "ordered")
        payloads = expected_payloads("assert_delivered", expected, ordered=ordered)
        if not (self.deleted or self._world.stopped):
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
                message
                + errors_note(self.delivery_errors)
                + refused_note(self._refusals())
                + self._destination_note()
                + self._undelivered_note(payloads)
                + self._error_output_note()
            )

    def _undelivered_note(self, expected: list[bytes]) -> str:
        """Where the expected payloads that were not delivered are, for failure messages:
        pending (and whether the destination is down), expired, or backed up once the
        retries ran out, with the destination's last refusal; empty when none is."""
        missing, deleted = set(expected) - set(self.delivered), self.deleted
        with self._world.looked():
            held = {} if deleted else {"pending": _payloads(self._delivery.pending())}
            held["expired, undelivered for 24 hours"] = _payloads(self._delivery.expired)
            held["backed up once the destination's retries ran out (stream.backed_up)"] = [
                data for obj in self._delivery.backed_up for data in obj.records
            ]
            down = not self._delivery.destination_up
            last_failure = self._delivery.last_failure
        lines = []
        for where, payloads in held.items():
            found = [payload for payload in payloads if payload in missing]
            if found:
                lines.append(f"  {where} ({len(found)}): {listing(found)}")
        if not lines:
            return ""
        why = ", the destination being down (destination_up() brings it back)" if down else ""
        if last_failure is not None and not down:
            at, failure = last_failure
            lines.append(
                f"  the destination's last refusal, at {at.isoformat()} (retried as the clock "
                f"moves): {failure}"
            )
        return f"\nundelivered{why}:\n" + "\n".join(lines)

    def _error_output_note(self) -> str:
        """The records the stream sent to its error output, or its transformation dropped,
        instead of the destination, for failure messages (as put, so whatever the test
        expected after a transformation), with the processor's last failed invocation and why
        Firehose last refused its answer; empty when none went there."""
        with self._world.looked():
            delivery = self._delivery
            outputs = {
                "processing-failed": delivery.processing_failed,
                "decompression-failed": delivery.decompression_failed,
                "partitioning-failed": delivery.partitioning_failed,
                "format-conversion-failed": delivery.conversion_failed,
            }
            went = {
                name: [data for obj in objects for data in obj.records]
                for name, objects in outputs.items()
            }
            went["dropped by the transformation"] = _payloads(delivery.dropped)
            failed = [invocation for invocation in delivery.invocations if invocation.failed]
            refused = delivery.refused_answer
        lines = [
            f"  {where} ({len(found)}): {listing(found)}" for where, found in went.items() if found
        ]
        if not lines:
            return ""
        if failed:
            last = failed[-1]
            why = "timed out" if last.timed_out else f"{type(last.error).__name__}: {last.error}"
            lines.append(f"  the Lambda processor's last failed invocation: {why}")
        if refused is not None:
            lines.append(f"  the Lambda processor's last answer Firehose refused: {refused}")
        return (
            "\nsent elsewhere instead (stream.error_objects hold the error records, with their "
            "errorCode):\n" + "\n".join(lines)
        )

    def _refusals(self) -> list[tuple[str, int]]:
        with self._world.looked():
            return [(str(failure), len(records)) for failure, records in self._delivery.refused]

    def _destination_note(self) -> str:
        """What the destination tells of its failures (a Redshift COPY's), for messages."""
        with self._world.looked():
            note = getattr(self._delivery.destination, "failure_note", None)
            return note() if note is not None else ""

    def __repr__(self) -> str:
        return f"<DeliveryStreamHandle {self.name!r} in {self.region}>"
