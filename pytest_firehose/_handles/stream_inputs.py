"""What a test puts into a delivery stream other than through boto3: records as CloudWatch
Logs puts them, what an MSK topic hands a stream reading it, and the changes a source
database hands a stream reading it (``DeliveryStreamHandle``'s)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.cloudwatch_logs import MAX_RECORD_BYTES
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._handles.log_events import LogEventsInput
from pytest_firehose._terms import terms

if TYPE_CHECKING:
    from pytest_firehose._engine.world import World
    from pytest_firehose._services.firehose.model import FirehoseService
    from pytest_firehose._services.firehose.streams import DeliveryStream


def _fed_by(kind: str) -> str:
    """How a stream of type ``kind`` is fed, in its caller's terms ("" for a type the fake
    does not know)."""
    said = terms()
    boto3 = said.phrase("boto3's put_record or put_record_batch", "PutRecord or PutRecordBatch")
    fed_by = {
        "DirectPut": f"put its records with {boto3} "
        f"({said.phrase('put_from_logs', 'POST /_fake/logs')} as CloudWatch Logs puts them)",
        "KinesisStreamAsSource": "it reads its Kinesis stream: put the records there",
        "MSKAsSource": f"it reads an MSK topic: {said.phrase('put_from_msk', 'POST /_fake/msk')} "
        "hands it records",
        "DatabaseAsSource": "it reads a database: "
        f"{said.phrase('put_from_database', 'POST /_fake/database')} hands it the changes",
    }
    return fed_by.get(kind, "")


class StreamInputs(LogEventsInput[bytes]):
    """The inputs of a delivery stream's handle besides boto3's puts."""

    _world: World
    _service: FirehoseService
    _stream: DeliveryStream
    _live: Callable[[str], None]

    def put_from_logs(self, *records: bytes) -> None:
        """Put ``records`` as a CloudWatch Logs subscription filter puts them: each is the
        record as sent (for a subscription, the gzip of the log events' JSON; see
        :meth:`put_log_events`). A stream that decompresses CloudWatch Logs data takes
        puts from CloudWatch Logs only, so this is how a test feeds it."""
        payloads: list[bytes] = []
        for record in records:
            if not isinstance(record, (bytes, bytearray, memoryview)):
                raise UsageError(
                    f"put_from_logs takes each record as bytes, not {terms().kind(type(record))}: "
                    "put_log_events(messages) builds a subscription's record from log messages"
                )
            payloads.append(bytes(record))
        self._put_from_logs(payloads, "put_from_logs")

    def _log_service(self) -> FirehoseService:
        return self._service

    def _take_log_record(self, record: bytes, log_stream: str) -> bytes:
        self._put_from_logs([record], "put_log_events")
        return record

    def _put_from_logs(self, payloads: list[bytes], method: str) -> None:
        """Put ``payloads`` as CloudWatch Logs puts them; refusals name ``method``, the
        handle's method the test called."""
        for payload in payloads:
            if len(payload) > MAX_RECORD_BYTES:
                raise UsageError(
                    f"{terms().call(method)}: a record is at most {MAX_RECORD_BYTES} bytes, as "
                    f"Firehose takes them, not {len(payload)}"
                )
        self._live("stream to put to")
        with self._world.touched():
            try:
                self._service.put_from_logs(self._stream.name, payloads)
            except ServiceError as error:
                kind = self._stream.stream_type
                fed_by = _fed_by(kind).replace("it reads", "this stream reads", 1)
                hint = f" ({fed_by})" if kind != "DirectPut" and fed_by else ""
                raise UsageError(
                    f"{terms().call(method)}: Firehose would answer CloudWatch Logs "
                    f"{error.code}: {error.message}{hint}"
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
        stream reads at once, in each partition, the records from the first stamped at or
        after its start (``ReadFromTimestamp``, else the instant it became ACTIVE) on; those
        before it stay unread. A record given no timestamp reaches the topic after the
        stream became ACTIVE, so it is read unless ``ReadFromTimestamp`` lies later still.
        Returns the offsets they were given."""
        self._fed_as("put_from_msk", "MSKAsSource")
        with self._world.touched():
            return self._service.put_from_msk(
                self._stream, values, partition=partition, offset=offset, timestamp=timestamp
            )

    def put_from_database(
        self,
        table: str,
        *,
        inserted: Iterable[Mapping[str, Any]] = (),
        updated: Iterable[Mapping[str, Any]] = (),
        deleted: Iterable[Mapping[str, Any]] = (),
        primary_key: str | Sequence[str] | None = None,
    ) -> int:
        """Hand a DatabaseAsSource stream the changes its database's ``table`` got (MySQL:
        ``"database.table"``; PostgreSQL: ``"database.schema.table"``): the rows
        ``inserted``, ``updated`` and ``deleted``, in that order, each a dict of column to
        value. The stream reads at once those its ``DatabaseSourceConfiguration`` selects
        (databases, tables, columns) and writes each to the Iceberg table the source table
        maps to, an update or delete finding rows by ``primary_key`` (else the table's
        ``SurrogateKeys``, else the Iceberg table's ``UniqueKeys``). Returns how many
        changes it read."""
        self._fed_as("put_from_database", "DatabaseAsSource")
        batches = {"inserted": inserted, "updated": updated, "deleted": deleted}
        with self._world.touched():
            return self._service.put_from_database(self._stream, table, batches, primary_key)

    def _fed_as(self, method: str, kind: str) -> None:
        """Refuse ``method`` on a stream that is not of type ``kind``, or no longer lives."""
        if self._stream.stream_type != kind:
            said = terms()
            raise UsageError(
                f"{said.call(method)}: delivery stream {said.value(self._stream.name)} is "
                f"{self._stream.stream_type}, not {kind}: "
                f"{_fed_by(self._stream.stream_type) or 'it is fed otherwise'}"
            )
        self._live("stream to put to")
