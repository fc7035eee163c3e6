"""Kinesis Data Streams state: a stream, its records and their sequence indexes, and the
open shards and on-demand streams an account counts toward its quotas (a stream's shards,
their hash keys and ids are ``shards.py``'s; a list's NextTokens ``tokens.py``'s, shard
iterators ``iterators.py``'s).

Facts used here (AWS_SEMANTICS.md section 8):

* The sequence index of a record comes from one counter the stream's shards share: two
  records never carry the same index, and the indexes of records put to two shards one
  after the other, sorted, follow one another without a gap (REAL, kinesalite's "should
  safely put concurrent, sequential records", a hundred puts to each of shards 0 and 1,
  passing against AWS from 2015 to 2018); the records one shard takes in one PutRecords
  carry consecutive indexes, whatever went to other shards between them (REAL,
  kinesalite's "should work with mixed values", 2016 to 2018), so one request draws a
  block a shard, in the order it first reaches them (which shard's block comes first is
  the fake's choice: the recording sorted them in no fixed order). kinesalite keeps one
  counter per five shards; a stream of more shards is on record nowhere, so the fake
  keeps one a stream. Records and their sequence numbers are ``records.py``'s.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.records import (
    KinesisRecord as KinesisRecord,  # where the handles and the package import it from
)
from pytest_firehose._services.kinesis.records import (
    Lane,
    Row,
    arrived_at_of,
    commit_index_of,
    sequence_frame,
    sequence_index_of,
    views,
)
from pytest_firehose._services.kinesis.shards import (
    Shard,
    hash_key_of,
    shard_id_of,
    split_hash_keys,
)

#: Shards of a stream created without ShardCount: 4 (REAL, LocalStack snapshot 2022).
ON_DEMAND_SHARDS = 4
DEFAULT_RETENTION_HOURS = 24
DEFAULT_MAX_RECORD_SIZE_KIB = 1024
#: Partition keys a stream remembers the shard of (``KinesisStream.routes``).
ROUTES_KEPT = 1024

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class ShardTally:
    """What the streams of one account and region count toward its quotas: their open
    shards (a stream in the middle of a reshard counts those it will have) and how many
    are on-demand. A stream of the service adds its share when it joins
    (``KinesisStream.join``), brings it up to date whenever its shards or its mode change,
    and takes it back when it leaves, so a quota check costs nothing per stream."""

    __slots__ = ("on_demand", "open_shards")

    def __init__(self) -> None:
        self.open_shards = 0
        self.on_demand = 0


@dataclass
class KinesisStream:
    """One data stream and everything that happened to it."""

    name: str
    arn: str
    status: str
    mode: str
    created_at: datetime
    shards: list[Shard]
    tags: dict[str, str] = field(default_factory=dict)
    retention_hours: int = DEFAULT_RETENTION_HOURS
    encryption: str = "NONE"
    key_id: str | None = None
    max_record_size_kib: int = DEFAULT_MAX_RECORD_SIZE_KIB
    distribution: str = "USER_PARTITION_KEY"
    #: Every record accepted, in commit order (stays after it expires).
    rows: list[Row] = field(default_factory=list, repr=False)
    #: Records trimmed by the retention period, in the order they were trimmed (commit
    #: order within one trim).
    expired_rows: list[Row] = field(default_factory=list, repr=False)
    #: Whether every record arrived no earlier than the one committed before it: false
    #: once the clock was moved back (freezegun's ``move_to``) between two puts.
    in_arrival_order: bool = True
    #: The earliest arrival among the records the shards still hold.
    earliest_held: datetime | None = None
    #: When a CREATING stream becomes ACTIVE.
    active_at: datetime | None = None
    #: Records handed out by the AUTO distribution strategy (round robin over shards).
    auto_routed: int = 0
    #: The open shards, by starting hash key: where new records go.
    open_shards: list[Shard] = field(default_factory=list)
    #: Their starting hash keys, in the same order (routing bisects them).
    open_starts: list[int] = field(default_factory=list)
    #: The open shard of partition keys put lately (at most ``ROUTES_KEPT``): a key seen
    #: before is routed without its MD5.
    routes: dict[str, Shard] = field(default_factory=dict, repr=False)
    #: The reshard an UPDATING stream carries out when ``active_at`` comes: it is handed
    #: that moment.
    pending: Callable[[datetime], None] | None = None
    #: How many shards are open once ``pending`` is carried out (``None`` without one).
    open_after: int | None = None
    #: When the stream switched capacity mode (UpdateStreamMode), oldest first.
    mode_switches: list[datetime] = field(default_factory=list)
    #: Shard-level metrics of enhanced monitoring, in the order AWS lists them.
    shard_level_metrics: list[str] = field(default_factory=list)
    #: The resource policy (PutResourcePolicy's JSON text), if one is attached.
    policy: str | None = None
    #: The stream's sequence counter: the index the next record of any of its shards
    #: draws at the least (see the module's notes).
    next_index: int = 1
    #: Warm throughput in MiBps (on-demand streams): what the stream is scaled to, and what
    #: an UPDATING stream is scaling to.
    warm_throughput: int | None = None
    warm_target: int | None = None
    #: When UpdateShardCount scaled the stream, oldest first (its 24-hour limit).
    scalings: list[datetime] = field(default_factory=list)
    #: When StartStreamEncryption and StopStreamEncryption each changed the stream's
    #: encryption, oldest first, by operation (their 24-hour limits).
    encryption_changes: dict[str, list[datetime]] = field(default_factory=dict)
    #: What tells this stream from every other the service has had, those deleted under
    #: its name included: its shard iterators carry it (its sequence numbers carry their
    #: shards' ``created_at`` instead, which differs from a namesake's, see ``new_stream``).
    incarnation: int = 0
    #: The account's tally this stream counts in (``None`` while the service does not hold
    #: it), and the open shards and on-demand streams (0 or 1) it counts there.
    tally: ShardTally | None = field(default=None, repr=False, compare=False)
    counted: tuple[int, int] = field(default=(0, 0), repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.open_shards:
            self.reroute()

    def reroute(self) -> None:
        """Route new records to the open shards only (after a reshard, or a change of
        capacity mode: either may change what the stream counts toward the quotas)."""
        self.open_shards = sorted(
            (shard for shard in self.shards if shard.closed_at is None),
            key=lambda shard: shard.starting_hash_key,
        )
        self.open_starts = [shard.starting_hash_key for shard in self.open_shards]
        self.routes.clear()
        self.recount()

    @property
    def counted_open(self) -> int:
        """The open shards this stream counts toward the shard quota: those it will have
        once a reshard under way ends, else those it has."""
        return self.open_after or len(self.open_shards)

    def join(self, tally: ShardTally) -> None:
        """Count this stream in ``tally`` (the service now holds it)."""
        self.leave()
        self.tally = tally
        self.recount()

    def leave(self) -> None:
        """Take this stream's share back from its tally (the service no longer holds it)."""
        tally = self.tally
        if tally is not None:
            shards, on_demand = self.counted
            tally.open_shards -= shards
            tally.on_demand -= on_demand
        self.tally, self.counted = None, (0, 0)

    def recount(self) -> None:
        """Bring this stream's share of its tally up to date with its open shards, the
        reshard under way and its capacity mode."""
        tally = self.tally
        if tally is None:
            return
        shards, on_demand = self.counted_open, int(self.mode == "ON_DEMAND")
        before_shards, before_on_demand = self.counted
        tally.open_shards += shards - before_shards
        tally.on_demand += on_demand - before_on_demand
        self.counted = (shards, on_demand)

    def expect_open(self, count: int | None) -> None:
        """A reshard under way leaves ``count`` shards open (``None``: none is under way)."""
        self.open_after = count
        self.recount()

    @property
    def records(self) -> list[KinesisRecord]:
        """Every record accepted, in commit order (stays after it expires)."""
        return views(self.rows)

    @property
    def expired(self) -> list[KinesisRecord]:
        """Records trimmed by the retention period, in the order they were trimmed."""
        return views(self.expired_rows)

    @property
    def encrypted(self) -> bool:
        return self.encryption == "KMS"

    def created_as(self, moment: datetime | None) -> bool:
        """Whether a request's ``StreamCreationTimestamp`` (``None``: none given) names this
        stream rather than another of its name, deleted since: it is the stream's creation,
        to the second (DOC: the member tells "data streams that have the same name" apart;
        the precision is INFERRED)."""
        return moment is None or int(moment.timestamp()) == int(self.created_at.timestamp())

    def listed(self, now: datetime) -> list[Shard]:
        """The shards DescribeStream and ListShards show at ``now``: none while CREATING or
        DELETING (REAL, kinesalite's AWS-validated deleteStream test); a
        closed shard until the retention period has passed since it closed, when every
        record it held has expired (DOC: "within the retention period"; a record exactly as old
        as the retention period is still kept, see ``trim``)."""
        if self.status in ("CREATING", "DELETING"):
            return []
        retention = timedelta(hours=self.retention_hours)
        return [
            shard
            for shard in self.shards
            if shard.closed_at is None or shard.closed_at + retention >= now
        ]

    def shard_at(self, index: int, now: datetime) -> Shard | None:
        """Shard ``index`` if the service shows it at ``now``."""
        if index >= len(self.shards):
            return None
        shard = self.shards[index]
        return shard if shard in self.listed(now) else None

    def children_of(self, shard: Shard) -> list[Shard]:
        """The shards a reshard made from ``shard``, by shard id."""
        return [child for child in self.shards if shard.shard_id in child.parent_shard_ids]

    def shard_for(self, hash_key: int) -> Shard:
        """The open shard whose hash-key range holds ``hash_key`` (0 <= hash_key < 2**128)."""
        return self.open_shards[bisect.bisect_right(self.open_starts, hash_key) - 1]

    def learn_route(self, partition_key: str) -> Shard:
        """The open shard a partition key not in ``routes`` goes to, now remembered there
        (tests put many records under few keys: a key costs its MD5 once)."""
        shard = self.shard_for(hash_key_of(partition_key))
        if len(self.routes) >= ROUTES_KEPT:
            self.routes.clear()
        self.routes[partition_key] = shard
        return shard

    def commit(
        self, entries: Sequence[dict[str, Any]], shards: Sequence[Shard], now: datetime
    ) -> list[Row]:
        """Accept one request's checked records (``entries[i]`` goes to ``shards[i]``), all
        arriving at ``now``: each draws the next index of its shard's block of the stream's
        counter, is logged in commit order (the request's) and handed to its shard."""
        rows = self.rows
        if not entries:
            return []
        if rows and now < arrived_at_of(rows[-1]):
            self.in_arrival_order = False
        if self.earliest_held is None or now < self.earliest_held:
            self.earliest_held = now
        encryption = self.encryption
        # Every field of a number but its index is constant per shard within one request,
        # and so is where its records go: one lane a shard, with the shard's block, made
        # when the request first reaches the shard and looked up once a record.
        lanes: dict[Shard, tuple[Lane, Callable[[Row], None], Iterator[int]]] = {}
        blocks = self._blocks(shards)
        made: list[Row] = []
        keep, draw = made.append, next
        for entry, shard, commit in zip(entries, shards, itertools.count(len(rows))):
            try:
                lane, append, numbers = lanes[shard]
            except KeyError:
                frame = sequence_frame(shard.created_at, shard.index, now)
                lane, append, numbers = lanes[shard] = (
                    (frame, shard.shard_id, now, encryption),
                    shard.rows.append,
                    itertools.count(blocks[shard]),
                )
            row = (
                entry["Data"],
                entry.get("PartitionKey"),
                lane,
                draw(numbers),
                commit,
                entry.get("ExplicitHashKey"),
            )
            append(row)
            keep(row)
        for shard in lanes:
            shard.next_index = sequence_index_of(shard.rows[-1]) + 1
        rows.extend(made)
        return made

    def _blocks(self, shards: Sequence[Shard]) -> dict[Shard, int]:
        """The first index of each shard's records in one request: one block of the
        stream's counter a shard, in the order the request first reaches the shards, so a
        shard's records of one request are consecutive and no two shards share an index."""
        firsts: dict[Shard, int] = {}
        for shard, count in Counter(shards).items():  # in the order first reached
            first = max(self.next_index, shard.next_index)
            firsts[shard] = first
            self.next_index = first + count
        return firsts

    def trim(self, now: datetime) -> None:
        """Move records older than the retention period out of the shards and into
        ``expired``. Retention goes by each record's arrival time: a record older than the
        period is never served, whatever was committed around it."""
        cutoff = now - timedelta(hours=self.retention_hours)
        if self.earliest_held is None or self.earliest_held >= cutoff:
            return
        if self.in_arrival_order:
            self._trim_prefix(cutoff)
        else:
            self._trim_everywhere(cutoff)

    def _trim_everywhere(self, cutoff: datetime) -> None:
        """Out of arrival order, the expired records may sit anywhere in a shard."""
        gone: list[Row] = []
        earliest: datetime | None = None
        for shard in self.shards:
            held = shard.rows
            gone.extend(row for row in held if arrived_at_of(row) < cutoff)
            held[:] = [row for row in held if arrived_at_of(row) >= cutoff]
            if held:
                oldest = min(map(arrived_at_of, held))
                earliest = oldest if earliest is None else min(earliest, oldest)
        gone.sort(key=commit_index_of)
        self.expired_rows.extend(gone)
        self.earliest_held = earliest

    def _trim_prefix(self, cutoff: datetime) -> None:
        """In arrival order, the expired records are a prefix of the accept log and of each
        shard (kinesalite trims the same way, lazily)."""
        rows, done = self.rows, len(self.expired_rows)
        if done == len(rows) or arrived_at_of(rows[done]) >= cutoff:
            return
        end = bisect.bisect_left(rows, cutoff, lo=done, key=arrived_at_of)
        self.expired_rows.extend(rows[done:end])
        for shard in self.shards:
            held = shard.rows
            count = bisect.bisect_left(held, cutoff, key=arrived_at_of)
            if count:
                del held[:count]
        self.earliest_held = arrived_at_of(rows[end]) if end < len(rows) else None


def new_stream(
    name: str,
    arn: str,
    *,
    shard_count: int,
    mode: str,
    created_at: datetime,
    creation_delay: timedelta,
    incarnation: int,
    numbered_after: datetime | None = None,
) -> KinesisStream:
    """A stream with ``shard_count`` evenly split shards, CREATING for ``creation_delay``.

    Its shards' sequence numbers encode ``created_at``'s second, or the second after
    ``numbered_after`` (the latest second a deleted stream of the name encoded) when that
    is not earlier: on a clock that barely moves, a stream created again at the instant its
    namesake was deleted numbers its records unlike the namesake did, as AWS's, created
    seconds apart at least, do."""
    numbered_at = created_at
    if numbered_after is not None and int(numbered_after.timestamp()) >= int(
        created_at.timestamp()
    ):
        numbered_at = _EPOCH + timedelta(seconds=int(numbered_after.timestamp()) + 1)
    shards = [
        Shard(shard_id_of(index), index, start, end, numbered_at, opened_at=created_at)
        for index, (start, end) in enumerate(split_hash_keys(shard_count))
    ]
    return KinesisStream(
        name=name,
        arn=arn,
        status="CREATING" if creation_delay else "ACTIVE",
        mode=mode,
        created_at=created_at,
        shards=shards,
        active_at=created_at + creation_delay if creation_delay else None,
        incarnation=incarnation,
    )


def incarnation_of(arn: str, serial: int) -> int:
    """The identity of the ``serial``-th stream a service created, ``arn`` its ARN: 64 bits,
    the same in every run (iterators are reproducible), and (but for a chance in 2**64)
    unlike any other stream's of any region or account."""
    digest = hashlib.blake2b(f"{arn}\n{serial}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def not_active(
    name: str, account_id: str, status: str, kind: str = "Stream", wanted: str = "ACTIVE"
) -> ServiceError:
    """The refusal of a change to a stream (or a queue, ``kind``) that is not ACTIVE (MOCK,
    kinesalite's AWS-validated text for a stream CREATING, with the state it names); an
    operation that also takes an UPDATING stream names both (``wanted``, REAL: ListShards,
    aws/aws-sdk-java-v2#5949)."""
    return ServiceError(
        "ResourceInUseException",
        f"{kind} {name} under account {account_id} not {wanted}, instead in state {status}",
    )
