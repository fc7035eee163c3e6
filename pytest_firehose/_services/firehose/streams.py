"""A delivery stream as the Firehose model keeps it (:class:`DeliveryStream`, its
configuration, status and delivery) and a record it accepted as a test reads it
(:class:`Record`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._ids import RecordKey, id_source
from pytest_firehose._lambda.firehose_events import EventSource, kinesis_source, msk_source
from pytest_firehose._payload import Payload, PayloadRecord
from pytest_firehose._services.firehose.backup import BackedUpDelivery
from pytest_firehose._services.firehose.describe import describe_destination
from pytest_firehose._services.firehose.msk import MskTopic

if TYPE_CHECKING:
    from pytest_firehose._services.firehose.database import DatabaseSource

DESTINATION_ID = "destinationId-000000000001"
#: The status a DELETING stream's deletion ends in: the stream is no more.
GONE = "GONE"


class Record(PayloadRecord):
    """A record the stream accepted: ``.data`` (payload bytes), ``.record_id``,
    ``.arrived_at``. Compares equal to its payload, so ``stream.records == [b"a", b"b"]``
    reads naturally. The record id is the accept log's key until read: its text is made
    then (the very text the put answered)."""

    __slots__ = ("_key", "_source", "arrived_at")

    def __init__(self, payload: Payload, record_id: RecordKey, arrived_at: datetime) -> None:
        super().__init__(payload)
        self._key = record_id
        # Held, so the id can still be read once nothing else holds the world.
        self._source = id_source(record_id)
        self.arrived_at = arrived_at

    @property
    def record_id(self) -> str:
        key, source = self._key, self._source
        if isinstance(key, str) or source is None:
            return str(key)
        return source.record_id(key)

    def __repr__(self) -> str:
        return f"Record({self.data!r})"


class SourceStream(Protocol):
    """What a delivery stream sees of the Kinesis stream it reads, beyond its records."""

    retention_hours: int


#: Reads a Kinesis stream of the same world: (stream ARN, last sequence number read per
#: shard, or None for all) -> (the stream itself, its records after those, in order), or
#: (None, []) while no stream has that ARN. The stream object tells one incarnation of a
#: name from the next: positions read in one mean nothing in another.
KinesisSource = Callable[[str, dict[str, str] | None], tuple[SourceStream | None, list[Any]]]


def kinesis_arn(source: dict[str, Any] | None) -> str | None:
    """The ARN of the Kinesis stream a described ``Source`` reads (None: another source)."""
    kinesis = (source or {}).get("KinesisStreamSourceDescription")
    return None if kinesis is None else str(kinesis["KinesisStreamARN"])


def event_source(source: dict[str, Any] | None) -> EventSource | None:
    """The source a transformation event names, from a described ``Source`` (None for
    DirectPut)."""
    arn = kinesis_arn(source)
    if arn is not None:
        return kinesis_source(arn)
    msk = (source or {}).get("MSKSourceDescription")
    return None if msk is None else msk_source(str(msk["MSKClusterARN"]))


@dataclass
class DeliveryStream:
    """One delivery stream as the service knows it; ``delivery`` holds what became of the
    records it accepted."""

    name: str
    arn: str
    region: str
    stream_type: str
    created_at: datetime
    #: The CreateDeliveryStream parameter that configured the destination (None: none
    #: did), and its value as UpdateDestination left it.
    config_kind: str | None
    config: dict[str, Any]
    #: DescribeDeliveryStream's ``Source``: a Kinesis, MSK or database source, or
    #: DirectPut's throughput hint.
    source: dict[str, Any] | None
    encryption: dict[str, Any] | None
    tags: dict[str, str]
    delivery: BackedUpDelivery
    status: str = "ACTIVE"
    version: int = 1
    updated_at: datetime | None = None
    #: For a KinesisStreamAsSource stream: the last sequence number read, per shard, in
    #: ``source_stream``, the incarnation of the source they were read from (None while
    #: the source does not exist).
    source_after: dict[str, str] | None = None
    source_stream: SourceStream | None = None
    #: For an MSKAsSource stream: its topic, as the records a test hands it fill it.
    msk: MskTopic | None = None
    #: For a DatabaseAsSource stream: what it reads of the changes a test hands it.
    database: DatabaseSource | None = None
    #: Whether the stream said that it took KPL aggregates in as they are, for want of
    #: the decoder (it says so once).
    undecoded_reported: bool = False
    #: Status changes that take effect later on the clock: (when, "status" or
    #: "encryption", new value).
    transitions: list[tuple[datetime, str, str]] = field(default_factory=list)
    #: When StartDeliveryStreamEncryption and StopDeliveryStreamEncryption were last
    #: called on the stream (those of the last 24 hours count against their limit).
    encryption_calls: list[datetime] = field(default_factory=list)

    @property
    def encrypted(self) -> bool:
        return self.encryption is not None and self.encryption.get("Status") == "ENABLED"

    @property
    def source_arn(self) -> str | None:
        """The ARN of the Kinesis stream a KinesisStreamAsSource stream reads, else None."""
        return kinesis_arn(self.source)

    @property
    def event_source(self) -> EventSource | None:
        """The Kinesis stream or MSK cluster a transformation event names, else None."""
        return event_source(self.source)

    @property
    def backed_up(self) -> list[DeliveredObject]:
        """What the destination wrote to a backup instead of delivering it."""
        return self.delivery.backed_up

    @property
    def source_backup(self) -> list[DeliveredObject]:
        """The objects written to the S3 backup of source records, oldest first."""
        backup = self.delivery.source_backup
        return backup.objects if backup is not None else []

    def describe(self, after: str | None = None, limit: int | None = None) -> dict[str, Any]:
        """The stream's description, its destinations those whose id sorts after ``after``
        (DescribeDeliveryStream's ``ExclusiveStartDestinationId``), at most ``limit`` of
        them. A stream has one destination, so only an ``after`` at or past its id leaves
        it out."""
        ids = [d for d in (DESTINATION_ID,) if after is None or d > after]
        shown = ids if limit is None else ids[:limit]
        described: dict[str, Any] = {
            "DeliveryStreamName": self.name,
            "DeliveryStreamARN": self.arn,
            "DeliveryStreamStatus": self.status,
            "DeliveryStreamType": self.stream_type,
            "VersionId": str(self.version),
            "CreateTimestamp": self.created_at,
            "Destinations": [
                {
                    "DestinationId": destination_id,
                    **describe_destination(self.config_kind, self.config),
                }
                for destination_id in shown
            ],
            "HasMoreDestinations": len(ids) > len(shown),
        }
        if self.encryption is not None:
            described["DeliveryStreamEncryptionConfiguration"] = dict(self.encryption)
        if self.source is not None:
            described["Source"] = self.source
        if self.updated_at is not None:
            described["LastUpdateTimestamp"] = self.updated_at
        return described
