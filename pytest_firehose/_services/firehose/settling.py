"""Bringing delivery streams up to the clock: the status changes that fell due, what each
KinesisStreamAsSource stream's source got since it last read it, and its delivery's buffer
intervals, retries and expiry; the instant each stream next has something to do, and a
flush. A mixin of ``FirehoseService``."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from pytest_firehose._clock import FakeClock
from pytest_firehose._ids import IdSource
from pytest_firehose._services.firehose.aggregation import EXTRA
from pytest_firehose._services.firehose.quotas import PutQuota
from pytest_firehose._services.firehose.settings import notice
from pytest_firehose._services.firehose.source import take_in
from pytest_firehose._services.firehose.streams import GONE, DeliveryStream, KinesisSource


class Settling:
    """What the clock does to ``FirehoseService``'s streams, and what a test flushes."""

    clock: FakeClock
    ids: IdSource
    streams: dict[str, DeliveryStream]
    kinesis_source: KinesisSource | None
    _sourced: dict[str, None]
    _usage: dict[str, PutQuota]

    def settle(self, names: Collection[str] | None = None, until: datetime | None = None) -> None:
        """Bring every stream (those ``names`` names, when given) up to the clock (up to
        ``until``, when given: the world catches up instant by instant): status changes,
        what a Kinesis source got, buffer intervals, retries and expiry that fell due since
        the world was last touched."""
        now = self.clock.now() if until is None else until
        streams = self.streams
        # A copy: a transformation's handler may create or delete streams while it runs.
        chosen = (
            list(streams.values()) if names is None else [streams[n] for n in names if n in streams]
        )
        for stream in chosen:
            for change in [t for t in stream.transitions if t[0] <= now]:
                stream.transitions.remove(change)
                _, what, value = change
                if what == "status":
                    stream.status = value
                elif stream.encryption is not None:
                    stream.encryption["Status"] = value
            if stream.status == GONE:
                self._remove(stream)
                continue
            if stream.source_after is not None:
                self._read_source(stream, accept=True, at=now)
            stream.delivery.settle(now, self.ids)

    def _remove(self, stream: DeliveryStream) -> None:
        """Forget a deleted stream, and all the service kept for it."""
        del self.streams[stream.name]
        self._sourced.pop(stream.name, None)
        self._usage.pop(stream.name, None)

    def next_due(self, name: str) -> datetime | None:
        """The first instant at which settling stream ``name`` has something to do (a
        status change, a delivery event), or None: nothing of it waits for the clock."""
        stream = self.streams.get(name)
        if stream is None:
            return None
        delivery = stream.delivery.next_due()
        if not stream.transitions:
            return delivery
        due = [when for when, _, _ in stream.transitions]
        if delivery is not None:
            due.append(delivery)
        return min(due)

    def reads_source(self, name: str) -> bool:
        """Whether delivery stream ``name`` reads a Kinesis stream (KinesisStreamAsSource)."""
        return name in self._sourced

    def reads_sources(self) -> bool:
        """Whether any of its streams reads a Kinesis stream."""
        return bool(self._sourced)

    def read_sources(self, at: datetime | None = None) -> list[str]:
        """Take in what every KinesisStreamAsSource stream's source got since last read,
        at ``at`` (the clock's time, when None); the names of the streams that read it."""
        # A copy: a transformation's handler may create or delete streams while it runs.
        streams = [self.streams[name] for name in self._sourced]
        for stream in streams:
            self._read_source(stream, accept=True, at=at)
        return [stream.name for stream in streams]

    def _read_source(
        self, stream: DeliveryStream, *, accept: bool, at: datetime | None = None
    ) -> None:
        """Take in what the Kinesis source got since the last read (each record, or each
        user record of a KPL aggregate, arriving when it arrived in Kinesis, named by its
        sequence and subsequence numbers), at ``at`` (the clock's time, when None)."""
        described = (stream.source or {}).get("KinesisStreamSourceDescription")
        if self.kinesis_source is None or described is None or stream.source_after is None:
            return
        arn = described["KinesisStreamARN"]
        source, fresh = self.kinesis_source(arn, stream.source_after)
        if source is not stream.source_stream:
            # The source was deleted, or deleted and created again: Firehose retries its
            # reads of a missing source indefinitely (developer guide, Troubleshooting), and
            # a stream of the same name created since is read from its first record, since
            # the old stream's sequence numbers are no positions in it.
            stream.source_stream = source
            stream.source_after.clear()
            source, fresh = self.kinesis_source(arn, stream.source_after)
        if source is not None:
            # A Kinesis source's records are kept as long as the source retains them
            # (developer guide, "Troubleshoot errors": 24 hours is DirectPut's).
            stream.delivery.retain(timedelta(hours=source.retention_hours))
        for record in fresh:
            stream.source_after[record.shard_id] = record.sequence_number
        # Reading starts from LATEST once the stream is ACTIVE: what the source held at the
        # creation was passed over then (by sequence number), and what arrives while the
        # stream is CREATING is passed over here. A record put after the creation but
        # stamped before it (a time freezer moved the clock back) is read.
        created, start = stream.created_at, described["DeliveryStartTimestamp"]
        fresh = [record for record in fresh if not created <= record.arrived_at < start]
        if not accept or not fresh:
            return
        # A destination that records each record's source (Snowflake's metadata column)
        # keeps the Kinesis metadata of what is read.
        keep = getattr(stream.delivery.destination, "read_from", None)
        taken = take_in(
            fresh, with_metadata=stream.delivery.transformer is not None or keep is not None
        )
        if keep is not None:
            keep(arn, taken.metadata)
        now = self.clock.now() if at is None else at
        stream.delivery.accept(taken.entries, now, self.ids, taken.metadata)
        if taken.undecoded and not stream.undecoded_reported:
            # Reported once a stream, whatever `unmodelled` says: no request to refuse.
            stream.undecoded_reported = True
            notice(
                [
                    f"{stream.name}: KPL-aggregated records read from its Kinesis source are "
                    f"delivered as read, not de-aggregated: de-aggregation needs protobuf "
                    f"({EXTRA})"
                ]
            )

    def flush(self, stream: DeliveryStream) -> None:
        """Deliver whatever the stream's buffer holds, and retry waiting batches, now."""
        stream.delivery.flush(self.clock.now(), self.ids)
