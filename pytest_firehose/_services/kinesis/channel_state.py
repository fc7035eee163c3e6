"""What a Kinesis channel holds: its configuration and status, and its delivery (the
records it buffers, the objects it wrote to a general purpose bucket or the rows its table
received, the records it sent to its dead-letter bucket), and what a FAILED one no longer
does. ``channels.py`` has the operations, ``channel_failures.py`` how a channel fails;
their docstrings list the facts and choices.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pytest_firehose._clock import epoch_millis
from pytest_firehose._destinations.base import DeliveryFailed, DeliveryTarget
from pytest_firehose._destinations.compression import extension
from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._services.kinesis.attached import Attached
from pytest_firehose._services.kinesis.channel_keys import DEFAULT_TEMPLATE, object_key
from pytest_firehose._services.kinesis.records import KinesisRecord, Row, arrived_at_of

#: The channel's destination type, by the CreateChannel member that configures it.
DESTINATION_TYPES = {
    "S3DestinationConfiguration": "S3",
    "S3TablesDestinationConfiguration": "S3_TABLES",
}
#: CompressionType -> the compression ``DeliveredObject`` writes.
_COMPRESSIONS = {"NONE": "UNCOMPRESSED", "GZIP": "GZIP", "ZSTD": "ZSTD"}
#: The prefix of the dead-letter objects when ``ErrorOutputPrefix`` is not given (REAL:
#: where AWS wrote them when no dead-letter bucket was configured).
DEFAULT_ERROR_PREFIX = "kinesis-channel/errors/"
#: Formats whose records are written one a line.
_LINES = ("JSON", "STRING")
#: The Glue Schema Registry header's length: version, compression, schema version id.
_GSR_HEADER = 18
#: After a failed write to the bucket, the wait before the object is written again.
RETRY_AFTER = timedelta(seconds=60)
#: How long a bucket may refuse writes for a reason ``channel_failures.unusable`` names
#: (it does not exist ...) before the channel is FAILED (INFERRED: AWS finds such a
#: bucket while the channel is CREATING, which "typically completes within a few minutes").
FAIL_AFTER = timedelta(minutes=5)


class Sink(Protocol):
    """Where a channel's objects go (an ``S3Destination``)."""

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None: ...


#: Makes the sink of a bucket ARN, with more PutObject parameters.
SinkFactory = Callable[[str, "dict[str, str]"], Sink]


@dataclass(frozen=True)
class ChannelState:
    """A channel as a test sees it at one moment (``kinesis[name].channels``)."""

    name: str
    arn: str
    channel_id: str
    status: str
    #: ``S3`` or ``S3_TABLES``.
    destination_type: str
    #: The objects written to the bucket, oldest first: ``.key``, ``.body`` (as stored,
    #: compressed if asked), ``.records`` (the payloads, each line's), ``.delivered_at``.
    objects: list[DeliveredObject]
    #: The objects written to the dead-letter bucket: one JSON line per record that
    #: failed the record format's check.
    errors: list[DeliveredObject]
    #: The records read and not written yet.
    pending: list[KinesisRecord]
    #: What an S3 Tables channel's table received: one dict per record, oldest first
    #: (always empty for a bucket).
    rows: list[dict[str, Any]]
    #: Why the channel is ``FAILED`` (DescribeChannel's ``ChannelStatusReason``), else None.
    status_reason: str | None = None
    _fail: Callable[[str | None], None] | None = field(default=None, repr=False, compare=False)

    def fail(self, reason: str | None = None) -> None:
        """Make the channel ``FAILED``, as AWS makes one whose role, bucket or schema it
        cannot use: DescribeChannel and ListChannels say ``FAILED`` with ``reason`` as
        ``ChannelStatusReason`` (by default, the role's refusal), the records it holds and
        those put from then on are not written, and UpdateChannel is refused. A FAILED
        channel does not recover: DeleteChannel it and create it again."""
        assert self._fail is not None  # every state a handle gives out can fail
        self._fail(reason)


@dataclass(eq=False)
class Channel(Attached):
    """One channel from CreateChannel until it is gone."""

    channel_id: str
    created_at: datetime
    role: str
    record: dict[str, Any]
    #: The CreateChannel member of the destination, and its configuration as described.
    kind: str
    destination: dict[str, Any]
    encryption: dict[str, Any] | None
    logging: dict[str, Any]
    tags: dict[str, str]
    #: Where the objects of a bucket destination go (``None`` for S3 Tables), and the
    #: dead-letter objects.
    sink: Sink | None = None
    errors_sink: Sink | None = None
    #: The next commit index of the stream not read yet.
    fresh: int = 0
    #: Commit indexes read and not written yet, oldest first.
    buffered: list[int] = field(default_factory=list)
    objects: list[DeliveredObject] = field(default_factory=list)
    errors: list[DeliveredObject] = field(default_factory=list)
    #: The rows an S3 Tables channel's table received.
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: Objects the bucket refused: each with when it is written again, its sink, and when
    #: the bucket first refused it.
    retrying: list[tuple[DeliveredObject, datetime, Sink, datetime]] = field(default_factory=list)
    #: When the channel became FAILED, and why (``ChannelStatusReason``).
    failed_at: datetime | None = None
    status_reason: str | None = None

    @property
    def destination_type(self) -> str:
        return DESTINATION_TYPES[self.kind]

    def status(self, now: datetime) -> str:
        if self.failed_at is not None and self.deleted_at is None:
            return "FAILED"
        return super().status(now)

    def fail(self, now: datetime, reason: str) -> None:
        """Make the channel FAILED at ``now``: what it buffered and the objects waiting to
        be written again are dropped (and no longer listed as written), and it reads
        nothing more."""
        self.failed_at, self.status_reason = now, reason
        unwritten = {id(obj) for obj, _, _, _ in self.retrying}
        self.objects = [obj for obj in self.objects if id(obj) not in unwritten]
        self.errors = [obj for obj in self.errors if id(obj) not in unwritten]
        self.buffered.clear()
        self.retrying.clear()

    @property
    def freshness(self) -> int:
        return int(self.destination["DataFreshnessInSeconds"])

    def described(self, now: datetime, status: str | None = None) -> dict[str, Any]:
        """The channel as DescribeChannel shows it; ``status``: the one an answer reports
        instead of the channel's at ``now`` (CreateChannel's CREATING, UpdateChannel's
        UPDATING)."""
        description: dict[str, Any] = {
            "ChannelName": self.name,
            "ChannelARN": self.arn,
            "ChannelId": self.channel_id,
            "ChannelStatus": status or self.status(now),
            "ChannelCreationTimestamp": self.created_at,
            "ServiceExecutionRoleARN": self.role,
            "StreamConfigurationList": [
                {
                    "StreamARN": self.stream.arn,
                    "StreamCreationTimestamp": self.stream.created_at,
                    "RecordConfiguration": dict(self.record),
                }
            ],
            self.kind: self.destination,
            "LoggingConfiguration": self.logging,
        }
        if description["ChannelStatus"] == "FAILED":
            description["ChannelStatusReason"] = self.status_reason
        if self.encryption is not None:
            description["EncryptionConfiguration"] = self.encryption
        return description

    def summary(self, now: datetime) -> dict[str, Any]:
        status = self.status(now)
        summary = {
            "ChannelName": self.name,
            "ChannelARN": self.arn,
            "ChannelId": self.channel_id,
            "ChannelStatus": status,
            "ChannelCreationTimestamp": self.created_at,
            "ChannelDestinationType": self.destination_type,
            "Streams": [
                {"StreamARN": self.stream.arn, "StreamCreationTimestamp": self.stream.created_at}
            ],
        }
        if status == "FAILED":
            summary["ChannelStatusReason"] = self.status_reason
        return summary

    def state(
        self, now: datetime, fail: Callable[[str | None], None] | None = None
    ) -> ChannelState:
        """The channel as a test sees it at ``now``; ``fail`` carries out its ``fail()``."""
        self._read()
        rows = self.stream.rows
        status = self.status(now)
        return ChannelState(
            self.name,
            self.arn,
            self.channel_id,
            status,
            self.destination_type,
            list(self.objects),
            list(self.errors),
            [KinesisRecord.of(rows[commit]) for commit in self.buffered],
            list(self.rows),
            self.status_reason if status == "FAILED" else None,
            fail,
        )

    # ------------------------------------------------------------------ delivery

    def next_due(self) -> datetime | None:
        """When the channel next writes something: its buffer's freshness runs out, or an
        object the bucket refused is written again. ``None``: not before a record arrives."""
        if self.failed_at is not None:
            return None
        due = [at for _, at, _, _ in self.retrying]
        rows = self.stream.rows
        first = self.buffered[:1] or (
            commit for commit in range(self.fresh, len(rows)) if self._reads(rows[commit])
        )
        oldest = next(iter(first), None)
        if oldest is not None:
            due.append(arrived_at_of(rows[oldest]) + timedelta(seconds=self.freshness))
        return min(due, default=None)

    def settle(self, now: datetime, ids: Callable[[], str]) -> None:
        """Read the records that arrived since the last look (those put once the channel
        was ACTIVE, up to ``now``), and write each buffer whose oldest record is
        ``DataFreshnessInSeconds`` old; ``ids`` draws each object's unique suffix."""
        if self.deleted_at is not None or self.failed_at is not None:
            return
        self._read()
        rows = self.stream.rows
        for retry in list(self.retrying):
            obj, at, sink, since = retry
            if at <= now and self.failed_at is None:
                self.retrying.remove(retry)
                self._write(sink, obj, now, since)
        while self.buffered and self.failed_at is None:
            oldest = arrived_at_of(rows[self.buffered[0]])
            due = oldest + timedelta(seconds=self.freshness)
            if due > now:
                return
            taken = [commit for commit in self.buffered if arrived_at_of(rows[commit]) <= due]
            self.buffered = [c for c in self.buffered if arrived_at_of(rows[c]) > due]
            self._deliver([rows[commit] for commit in taken], oldest, due, ids)

    def _read(self) -> None:
        """Buffer the records that arrived since the last look and once the channel was
        ACTIVE (a deleted or FAILED channel reads nothing)."""
        if self.deleted_at is not None or self.failed_at is not None:
            return
        rows = self.stream.rows
        while self.fresh < len(rows):
            if self._reads(rows[self.fresh]):
                self.buffered.append(self.fresh)
            self.fresh += 1

    def _reads(self, row: Row) -> bool:
        """Whether the channel reads ``row``, one the stream took after the channel was
        created: what the stream held then was passed over by position (``fresh``), and
        what arrives while the channel is CREATING is passed over here. A record stamped
        before the creation (a time freezer moved the clock back) is read."""
        return not self.created_at <= arrived_at_of(row) < self.active_at

    def _deliver(
        self, rows: list[Row], oldest: datetime, at: datetime, ids: Callable[[], str]
    ) -> None:
        """Write ``rows``: those the record format accepts as one object (a bucket's) or
        as the table's rows (S3 Tables), the others as one dead-letter object."""
        form = self.record["RecordFormatType"]
        lines: list[bytes] = []
        bad: list[bytes] = []
        for row in rows:
            data = bytes(KinesisRecord.of(row).data)
            if self.sink is None:
                value, failure = _table_row(form, data)
                if value is not None:
                    self.rows.append(value)
            else:
                failure = _format_failure(form, data)
                if failure is None:
                    lines.append(_as_written(form, data))
            if failure is not None:
                bad.append(_error_line(row, data, *failure))
        if lines:
            assert self.sink is not None
            storage = self.destination["StorageConfiguration"]
            compression = _COMPRESSIONS[storage["CompressionType"]]
            key = object_key(
                storage.get("OutputKeyTemplate") or DEFAULT_TEMPLATE,
                channel=self.name,
                channel_id=self.channel_id,
                stream=self.stream.name,
                at=oldest,
                extension=extension(compression, None),
                suffix=ids(),
            )
            obj = DeliveredObject(key, tuple(lines), at, key, compression=compression)
            self.objects.append(obj)
            self._write(self.sink, obj, at, at)
        if bad and self.failed_at is None:
            errors = self.destination["DeadLetterQueueS3Configuration"]
            key = (
                errors.get("ErrorOutputPrefix", DEFAULT_ERROR_PREFIX)
                + object_key(
                    DEFAULT_TEMPLATE,
                    channel=self.name,
                    channel_id=self.channel_id,
                    stream=self.stream.name,
                    at=oldest,
                    extension="",
                    suffix=ids(),
                ).partition("/")[2]
            )
            obj = DeliveredObject(key, tuple(bad), at, key)
            self.errors.append(obj)
            assert self.errors_sink is not None
            self._write(self.errors_sink, obj, at, at)

    def _write(self, sink: Sink, obj: DeliveredObject, now: datetime, since: datetime) -> None:
        """Write ``obj`` to ``sink`` at ``now`` (first tried at ``since``): again a minute
        later if the bucket refuses it, or the channel FAILED if the bucket has refused it
        for ``FAIL_AFTER`` for a reason that makes it unusable."""
        from pytest_firehose._services.kinesis.channel_failures import unusable

        try:
            sink.deliver(DeliveryTarget(self.name, self.arn, 1), obj)
        except DeliveryFailed as failure:
            # A bucket destination's sink, or the dead-letter bucket's (S3 Tables has only it).
            refusing = (
                "StorageConfiguration" if sink is self.sink else "DeadLetterQueueS3Configuration"
            )
            bucket = self.destination[refusing]["BucketARN"]
            self.retrying.append((obj, now + RETRY_AFTER, sink, since))
            reason = unusable(failure, bucket, self.role)
            if reason is not None and now - since >= FAIL_AFTER:
                self.fail(now, reason)


def _as_written(form: str, data: bytes) -> bytes:
    """A record as a bucket's object holds it: JSON and STRING records one a line."""
    return data + b"\n" if form in _LINES and not data.endswith(b"\n") else data


def _format_failure(form: str, data: bytes) -> tuple[str, str] | None:
    """Why a record is not of the channel's record format (its error code and message),
    ``None`` when it is: ``STRING`` takes UTF-8 text, ``JSON`` a JSON text (DOC)."""
    if form not in _LINES:
        return None
    return _parsed(form, data)[1]


def _parsed(form: str, data: bytes) -> tuple[Any, tuple[str, str] | None]:
    """The record's text (``STRING``) or JSON value, or why it has none."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, ("InvalidUtf8", "The record is not valid UTF-8.")
    if form == "STRING":
        return text, None
    try:
        return json.loads(text), None
    except ValueError:
        return None, ("InvalidJson", "The record is not a valid JSON payload.")


def _table_row(form: str, data: bytes) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """The row a record makes in a table: a JSON object, after the Glue Schema Registry
    header for ``GSR_JSON`` (its version byte 3, its compression byte, none or zlib, and
    the schema version's 16-byte id), or why it makes none."""
    if form == "GSR_JSON":
        if len(data) < _GSR_HEADER or data[0] != 3 or data[1] not in (0, 5):
            return None, ("InvalidGsrRecord", "The record has no Glue Schema Registry header.")
        body = data[_GSR_HEADER:]
        try:
            data = zlib.decompress(body) if data[1] == 5 else body
        except zlib.error:
            return None, ("InvalidGsrRecord", "The record's zlib body cannot be decompressed.")
    value, failure = _parsed("JSON", data)
    if failure is None and not isinstance(value, dict):
        return None, ("InvalidRow", "The record is not a JSON object: it makes no row.")
    return value, failure


def _error_line(row: Row, data: bytes, code: str, message: str) -> bytes:
    """A dead-letter record: one JSON line with the error and the record."""
    record = KinesisRecord.of(row)
    line = {
        "errorCode": code,
        "errorMessage": message,
        "sequenceNumber": record.sequence_number,
        "partitionKey": record.partition_key,
        "approximateArrivalTimestamp": epoch_millis(record.arrived_at),
        "rawData": base64.b64encode(data).decode("ascii"),
    }
    return json.dumps(line).encode() + b"\n"
