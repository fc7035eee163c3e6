"""A Kinesis stream as a Lambda function sees it: the event Lambda sends for its records,
and what an event source mapping reads, from the stream's shards (GetRecords) or through an
enhanced fan-out consumer (SubscribeToShard).

The readers take the world's lock only while they read; handlers run without it, so a
handler may call Firehose or Kinesis through boto3 as a deployed function would.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pytest_firehose._arns import partition_of
from pytest_firehose._engine.world import World
from pytest_firehose._errors import UsageError
from pytest_firehose._lambda.kinesis_events import kinesis_event
from pytest_firehose._lambda.lanes import ShardView
from pytest_firehose._services.kinesis.consumers import Consumer
from pytest_firehose._services.kinesis.model import KinesisService
from pytest_firehose._services.kinesis.records import sequence_index_of, shard_id_in, views
from pytest_firehose._services.kinesis.shards import Shard
from pytest_firehose._services.kinesis.streams import KinesisRecord, KinesisStream
from pytest_firehose._services.kinesis.subscriptions import Subscription


@dataclass(frozen=True)
class Source:
    """Where a Kinesis event's records come from, and the role the function runs as."""

    stream_arn: str
    region: str
    role_arn: str


def default_role(region: str, account_id: str, function_name: str) -> str:
    """The execution role an event names when the test names none (IAM is global: its
    ARN names no region, only the region's partition)."""
    return f"arn:{partition_of(region)}:iam::{account_id}:role/{function_name}-role"


def event_for(
    stream: KinesisStream, source: Source, records: Iterable[KinesisRecord] | None
) -> dict[str, Any]:
    """The event Lambda sends for ``records`` (by default every record the stream still
    holds); refused when they come from more than one shard, as no batch does."""
    if records is None:
        chosen = [r for s in stream.shards for r in s.records]
    else:
        chosen = list(records) if isinstance(records, Iterable) else [records]
        wrong = [r for r in chosen if not isinstance(r, KinesisRecord)]
        if wrong or isinstance(records, (str, bytes)):
            raise UsageError(
                "lambda_event(records=...) takes the stream's records (a list of what "
                f"stream.records holds), not {records!r}"
            )
        _refuse_strangers(stream, chosen)
    shards = sorted({record.shard_id for record in chosen})
    if len(shards) > 1:
        raise UsageError(
            f"lambda_event(): the records come from shards {', '.join(shards)}, and Lambda "
            "sends one shard's records per event; pass records=[r for r in stream.records "
            "if r.shard_id == ...]."
        )
    return kinesis_event(chosen, source)


def _refuse_strangers(stream: KinesisStream, chosen: list[KinesisRecord]) -> None:
    """Refuse a record another stream accepted: the event would say it came from this one
    (a record is told by its shard, sequence number, partition key and data)."""

    def key(record: KinesisRecord) -> tuple[str, str, str | None, bytes]:
        return record.shard_id, record.sequence_number, record.partition_key, record.data

    own = {key(record) for record in stream.records}
    strangers = [record for record in chosen if key(record) not in own]
    if strangers:
        stranger = strangers[0]
        raise UsageError(
            f"lambda_event(records=...): the record {stranger.sequence_number} of "
            f"{stranger.shard_id} is none of stream {stream.name!r}'s, and an event carries "
            f"the records of the stream it names: take them from kinesis[{stream.name!r}]"
            ".records, or call lambda_event on the handle of the stream they are from"
        )


class KinesisReader:
    """The mapping's view of one Kinesis stream, read under the world's lock."""

    def __init__(
        self, world: World, model: KinesisService, stream: KinesisStream, source: Source
    ) -> None:
        self._world = world
        self._model = model
        self._stream = stream
        #: Where the events' records come from and the role the mapped function runs as
        #: (a mapping moved to another function runs as that one's).
        self.source = source
        #: The stream's trimmed records by shard, sorted by sequence index, and how many
        #: of ``expired_rows`` are sorted in.
        self._trimmed: dict[str, list[Any]] = {}
        self._sorted_out = 0

    def gone(self) -> bool:
        """Whether Lambda can no longer read the source: the stream was deleted."""
        with self._world.looked():
            return self._model.streams.get(self._stream.name) is not self._stream

    def _check_source(self) -> None:
        if self.gone():
            raise UsageError(
                f"the event source mapping reads {self._stream.arn}, which was deleted: "
                "Lambda can no longer read its shards, and the mapping reads nothing more. "
                "Make another trigger on the handle of the stream created since."
            )

    def shards(self) -> list[ShardView]:
        self._check_source()
        with self._world.looked():
            return [
                ShardView(
                    shard.shard_id,
                    tuple(shard.parent_shard_ids),
                    not shard.is_open,
                    shard.next_index - 1,
                )
                for shard in self._stream.shards
            ]

    def blocked_until(self, shard_id: str, after: int) -> datetime | None:
        return None  # GetRecords: the shard is shared, nothing keeps the mapping out

    def trimmed(self) -> int:
        """How many records retention has trimmed from the stream so far (only a trim takes
        a record out of a shard, and it keeps each in ``expired_rows``)."""
        with self._world.looked():
            return len(self._stream.expired_rows)

    def read(self, shard_id: str, after: int) -> list[Any]:
        """The shard's records after sequence index ``after``, found by bisection: what is
        read costs what it holds."""
        with self._world.looked():
            rows = self._shard(shard_id).rows
            return views(rows[bisect_right(rows, after, key=sequence_index_of) :])

    def trimmed_after(self, shard_id: str, after: int) -> list[Any]:
        """The shard's records after sequence index ``after`` that retention trimmed, in
        order. The stream's trimmed records are sorted into their shards once each."""
        with self._world.looked():
            gone = self._stream.expired_rows
            for row in gone[self._sorted_out :]:
                insort(self._trimmed.setdefault(shard_id_in(row), []), row, key=sequence_index_of)
            self._sorted_out = len(gone)
            mine = self._trimmed.get(shard_id, [])
            return views(mine[bisect_right(mine, after, key=sequence_index_of) :])

    def serves(self, shard_id: str, indices: Iterable[int]) -> set[int]:
        """Those of the sequence ``indices`` whose records the shard still serves."""
        with self._world.looked():
            rows = self._shard(shard_id).rows
            held = set()
            for index in indices:
                at = bisect_left(rows, index, key=sequence_index_of)
                if at < len(rows) and sequence_index_of(rows[at]) == index:
                    held.add(index)
            return held

    def _shard(self, shard_id: str) -> Shard:
        return next(s for s in self._stream.shards if s.shard_id == shard_id)


class ConsumerReader(KinesisReader):
    """The mapping's view of a stream it reads through an enhanced fan-out consumer: the
    same records, read while the mapping holds the consumer's subscription to the shard
    (SubscribeToShard's rules: another subscription of the consumer keeps it out for 5
    seconds, and is taken over after that)."""

    def __init__(
        self,
        world: World,
        model: KinesisService,
        stream: KinesisStream,
        source: Source,
        consumer: Consumer,
    ) -> None:
        super().__init__(world, model, stream, source)
        self._consumer = consumer
        self._held: dict[str, Subscription] = {}

    def blocked_until(self, shard_id: str, after: int) -> datetime | None:
        with self._world.looked():
            self._check_source()
            shard = self._shard(shard_id)
            held = self._model.hold_subscription(
                self._consumer, self._stream, shard, self._held.get(shard_id)
            )
            if isinstance(held, Subscription):
                self._held[shard_id] = held
                return None
            # Kept out: wait for the takeover only when there is something to read.
            return held if shard.next_index - 1 > after else None

    def gone(self) -> bool:
        """Whether Lambda can no longer subscribe: the consumer was deregistered, or its
        stream deleted."""
        with self._world.looked():
            return self._model.consumer_gone(self._consumer, self._stream, self._model.clock.now())

    def _check_source(self) -> None:
        if self.gone():
            raise UsageError(
                f"the event source mapping reads through consumer {self._consumer.arn}, "
                "which was deregistered or whose stream was deleted: Lambda can no longer "
                "subscribe to its shards, and the mapping reads nothing more. Make another "
                "trigger with an ACTIVE consumer."
            )
