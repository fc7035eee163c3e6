"""What a delivery stream takes in from its Kinesis source: each record read, or, for a
KPL-aggregated one, each of its user records, named and described as Firehose names and
describes them to a transformation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_firehose._lambda.firehose_events import kinesis_metadata
from pytest_firehose._payload import payload_bytes
from pytest_firehose._services.firehose.aggregation import (
    DecoderMissing,
    maybe_aggregated,
    user_records,
)

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted


def record_id(sequence_number: str, subsequence_number: int) -> str:
    """The record id Firehose gives a record read from Kinesis: its sequence number, then
    its subsequence number in six digits (0 for a record that was not aggregated)."""
    return f"{sequence_number}{subsequence_number:06d}"


@dataclass
class TakenIn:
    """The entries taken in from records read, their ``kinesisRecordMetadata`` by record
    id (when asked for), and whether an aggregate was taken as it is for want of
    ``protobuf``."""

    entries: list[Accepted] = field(default_factory=list)
    metadata: dict[str, dict[str, Any]] | None = None
    undecoded: bool = False


def take_in(records: list[Any], *, with_metadata: bool) -> TakenIn:
    """The entries Firehose takes in from ``records`` (Kinesis records, in the order
    read): a KPL aggregate becomes its user records, each arriving when the aggregate
    did, under the user record's partition key and its subsequence number."""
    taken = TakenIn(metadata={} if with_metadata else None)
    for record in records:
        users = None
        if maybe_aggregated(record.payload):
            try:
                users = user_records(payload_bytes(record.payload))
            except DecoderMissing:
                taken.undecoded = True
        parts = [(record.payload, record.partition_key or "")] if users is None else users
        for subsequence, (data, partition_key) in enumerate(parts):
            name = record_id(record.sequence_number, subsequence)
            taken.entries.append((data, name, record.arrived_at))
            if taken.metadata is not None:
                metadata = kinesis_metadata(
                    record.shard_id, partition_key, record.arrived_at, record.sequence_number
                )
                metadata["subsequenceNumber"] = subsequence
                taken.metadata[name] = metadata
    return taken
