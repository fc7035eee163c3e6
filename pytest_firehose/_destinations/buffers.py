"""The destination's buffer of one delivery stream, or of one partition of it (dynamic
partitioning): the records waiting there, their size, and when the buffer falls due."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from pytest_firehose._destinations.base import Accepted
from pytest_firehose._destinations.retries import oldest_arrival
from pytest_firehose._payload import payload_len, payloads_len

#: An accepted record's payload; mapped over a put's records, cheaper than a generator.
_payload_of = itemgetter(0)


#: Firehose's buffering when a destination's ``BufferingHints`` leave a value out.
DEFAULT_BUFFERING = {"SizeInMBs": 5, "IntervalInSeconds": 300}
#: Destinations whose buffering defaults differ (API reference: SplunkBufferingHints,
#: SnowflakeBufferingHints). The others (S3, HTTP endpoint, OpenSearch, OpenSearch
#: Serverless, Elasticsearch, Iceberg) buffer 5 MiB or 300 seconds; Redshift buffers as its
#: intermediate bucket's ``S3Configuration`` says.
BUFFERING_DEFAULTS = {
    "SplunkDestinationConfiguration": {"SizeInMBs": 5, "IntervalInSeconds": 60},
    "SnowflakeDestinationConfiguration": {"SizeInMBs": 128, "IntervalInSeconds": 0},
}
MIB = 1024 * 1024


def hints(config: Mapping[str, Any]) -> tuple[int, timedelta]:
    """(size in bytes, interval) after which a buffer is delivered, for a destination
    configured with ``config``."""
    given = {**DEFAULT_BUFFERING, **config.get("BufferingHints", {})}
    return given["SizeInMBs"] * MIB, timedelta(seconds=given["IntervalInSeconds"])


class Buffer:
    """Records waiting for delivery together: ``records`` (``size`` bytes), for
    ``partition`` (the prefix its records evaluated to; None without dynamic
    partitioning)."""

    __slots__ = ("floor", "oldest", "partition", "records", "size")

    def __init__(self, partition: str | None = None) -> None:
        self.partition = partition
        self.records: list[Accepted] = []
        self.size = 0
        #: The earliest arrival here (records from a Kinesis source may come out of
        #: order): expiry looks at the buffer only once this is old enough.
        self.oldest: datetime | None = None
        #: Not due before this (set when transformed records enter an empty buffer: their
        #: arrival is older than their entry).
        self.floor: datetime | None = None

    def add(self, entries: list[Accepted], floor: datetime | None) -> None:
        if not self.records:
            self.floor = floor
        self.records.extend(entries)
        if len(entries) == 1:  # a PutRecord's: read without a call per step
            payload, _, oldest = entries[0]
            self.size += payload_len(payload)
        else:
            self.size += payloads_len(map(_payload_of, entries))
            oldest = oldest_arrival(entries)
        if self.oldest is None or oldest < self.oldest:
            self.oldest = oldest

    def due(self, interval: timedelta) -> datetime:
        """When the interval of the buffer's first record ends (not before its floor)."""
        due = self.records[0][2] + interval
        return due if self.floor is None or due >= self.floor else self.floor

    def expire(self, cutoff: datetime) -> list[Accepted]:
        """Take out and return the records that arrived at or before ``cutoff``."""
        if self.oldest is None or self.oldest > cutoff:
            return []
        gone = [r for r in self.records if r[2] <= cutoff]
        self.records = [r for r in self.records if r[2] > cutoff]
        self.size = payloads_len(map(_payload_of, self.records))
        self.oldest = oldest_arrival(self.records) if self.records else None
        return gone
