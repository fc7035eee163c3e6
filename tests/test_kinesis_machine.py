"""The Kinesis accounting invariant, checked by a hypothesis state machine driven through boto3.

Producers put uniquely numbered payloads (PutRecord, PutRecords) under varied partition keys
and explicit hash keys into a stream of 1-4 shards, while faults are scheduled, the shards'
write quotas go on and off, the clock jumps (up to 30 hours at a time), the retention period
grows, the stream is split, merged and rescaled, and a consumer reads every listed shard
from TRIM_HORIZON to its end. After every step:

- every payload the producer got a SequenceNumber for is in ``records`` under that sequence
  number and shard; every other copy of a payload came from a commit timeout (an attempt
  whose records were committed although the client saw a read timeout), so a payload that
  failed was added only by such earlier attempts, or not at all;
- ``records`` is exactly the records still in the shards plus those expired, matched by
  sequence number: the expired ones are the oldest (a prefix of the commit order), each
  older than the retention period when it went, and nothing in a shard is older now;
- within a shard sequence numbers are 56-digit decimals that strictly increase, and each
  record sits in the shard whose hash-key range holds the MD5 of its partition key (or its
  ExplicitHashKey);
- what GetRecords returned from TRIM_HORIZON is the shard's unexpired records, in order;
- the open shards' hash-key ranges tile [0, 2**128 - 1] without gaps or overlaps; a record
  sits in a shard that was open when it arrived; a partition key's sequence numbers keep
  increasing across reshards;
- as multisets, the records are what the call log says was committed;
- while a shard enforces its write quota it takes at most 1,000 records and 1 MiB a second,
  and refuses a record (with no fault scripted) only when it would go over.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError
from conftest import REGION, SEED, examples
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from pytest_firehose import FirehoseFake

STREAM = "events"
MAX_ATTEMPTS = 5
PUTS = ("PutRecord", "PutRecords")
HASH_KEYS = 2**128
THROTTLED = "ProvisionedThroughputExceededException"
RECORD_CODES = {THROTTLED, "InternalFailure"}
MAX_RETENTION_HOURS = 8760
#: A shard's write quota: records and bytes (data plus partition key) a second.
QUOTA_RECORDS = 1000
QUOTA_BYTES = 1024 * 1024
#: Bursts of large records (to run into the 1 MiB/s shard quota) per example: every
#: invariant check decodes every payload again, so a few suffice.
MAX_BURSTS = 3
#: The most open shards a reshard may leave.
MAX_OPEN_SHARDS = 8

#: Clock steps: the edges of a second, a minute, an hour and the 24 h retention, anything
#: up to 30 hours, and often about a day, so that records outlive the retention.
seconds = st.one_of(
    st.sampled_from([0.000_001, 0.5, 1, 59, 60, 3600, 86_399, 86_400, 86_401]),
    st.floats(min_value=0, max_value=30 * 3600),
    st.floats(min_value=23 * 3600, max_value=30 * 3600),
)
partition_keys = st.one_of(
    st.sampled_from(["a", "b", "user-1", "user-2", "ü", "键", "🙂", " "]),
    st.text(min_size=1, max_size=12),
)


def _edges() -> list[int]:
    """Hash keys at and around the shard boundaries of 1-4 evenly split shards."""
    edges = {0, 1, HASH_KEYS - 2, HASH_KEYS - 1}
    for count in range(2, 5):
        step = HASH_KEYS // count
        for index in range(1, count):
            edges.update({step * index - 1, step * index})
    return sorted(edges)


explicit_hash_keys = st.one_of(
    st.none(),
    st.none(),
    st.sampled_from(_edges()),
    st.integers(0, HASH_KEYS - 1),
).map(lambda key: None if key is None else str(key))
entries = st.tuples(st.binary(max_size=12), partition_keys, explicit_hash_keys)

#: The fault vocabulary (each scheduled with ``optional=True``).
faults = st.one_of(
    st.fixed_dictionaries(
        {
            "records": st.one_of(
                st.lists(st.integers(0, 4), min_size=1, max_size=3, unique=True),
                st.dictionaries(
                    st.integers(0, 4), st.sampled_from(sorted(RECORD_CODES)), min_size=1, max_size=3
                ),
            )
        }
    ),
    st.just({"throttle": 1}),
    st.fixed_dictionaries({"timeout": st.sampled_from(["commit", "lost"])}),
    st.fixed_dictionaries(
        {"chaos": st.just(0.3), "seed": st.integers(0, 2**32), "times": st.just(1)}
    ),
)


def hash_key(partition_key: str, explicit: str | None) -> int:
    """Where a record routes: its ExplicitHashKey, else the MD5 of its partition key read as
    a big-endian 128-bit integer."""
    if explicit is not None:
        return int(explicit)
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def write_size(record: Any) -> int:
    """What a record counts against its shard's write quota: data plus partition key."""
    return len(record.data) + len(record.partition_key.encode("utf-8"))


@dataclass
class Sent:
    """One payload as the producer sent it and saw it answered."""

    payload: bytes
    partition_key: str
    explicit_hash_key: str | None
    #: (ShardId, SequenceNumber) from the answer, or None when it failed.
    acked: tuple[str, str] | None
    #: How many attempts botocore made (the most it may have made, if unknown).
    attempts: int
    #: Whether the shards enforced their write quota during the put.
    quotas: bool


@dataclass
class Read:
    """What a consumer read from TRIM_HORIZON: per shard, (sequence number, data,
    partition key, arrival) in the order GetRecords returned them."""

    shards: dict[str, list[tuple[str, bytes, str, datetime]]]


class KinesisMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fake = FirehoseFake(region=REGION, seed=SEED).start()
        try:
            self.client = boto3.client(
                "kinesis",
                region_name=REGION,
                config=Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}),
            )
            # For refusals the machine expects: botocore retries LimitExceededException with
            # a random backoff that passes fake time, which could carry a retry past the
            # refusal's reason (the oldest scaling leaving the 24-hour window).
            self.once = boto3.client(
                "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
            )
        except BaseException:
            self.fake.stop()
            raise
        self.stream: Any = None
        #: On-demand streams scale themselves: no reshard rules for them.
        self.on_demand = False
        #: When UpdateShardCount scaled the stream (fake clock), for its 24-hour limit.
        self.scalings: list[datetime] = []
        self.sent: dict[bytes, Sent] = {}
        self.counter = 0
        self.bursts = 0
        self.quotas = False
        self.retention_hours = 24
        #: The retention period at the last check; it only grows, so anything expired
        #: since then was older than this when it went.
        self.checked_retention = timedelta(hours=24)
        self.expired_seen = 0
        self.calls_seen = 0
        #: Per payload: when commit timeouts committed it (the attempts' times).
        self.commit_timeouts: defaultdict[bytes, list[datetime]] = defaultdict(list)
        #: What the call log says was committed; and what commit timeouts of PutRecord may
        #: have committed, when the quota may have refused them instead.
        self.logged: Counter[bytes] = Counter()
        self.unsure: Counter[bytes] = Counter()
        self.read: Read | None = None

    def teardown(self) -> None:
        self.fake.stop()

    # ------------------------------------------------------------------ the stream

    @initialize(shards=st.sampled_from([1, 2, 3, 4, None]), quotas=st.booleans())
    def create_stream(self, shards: int | None, quotas: bool) -> None:
        self.on_demand = shards is None
        if shards is None:
            self.stream = self.fake.kinesis.create_stream(
                STREAM, None, StreamModeDetails={"StreamMode": "ON_DEMAND"}
            )
        else:
            self.stream = self.fake.kinesis.create_stream(STREAM, shards)
        self.set_quotas(quotas)
        handle_shards = self.stream.shards
        listed = self.client.list_shards(StreamName=STREAM)["Shards"]
        assert [s["ShardId"] for s in listed] == [s.shard_id for s in handle_shards]
        assert [
            (int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]))
            for s in listed
        ] == [(s.starting_hash_key, s.ending_hash_key) for s in handle_shards]
        assert len(listed) == (shards or 4)
        # The ranges cover [0, 2**128 - 1] without gaps or overlaps.
        assert handle_shards[0].starting_hash_key == 0
        assert handle_shards[-1].ending_hash_key == HASH_KEYS - 1
        for before, after in pairwise(handle_shards):
            assert after.starting_hash_key == before.ending_hash_key + 1

    # ------------------------------------------------------------------ producing

    def _fresh(self, tails: list[bytes]) -> list[bytes]:
        """Payloads no earlier put sent, so that a payload names its put."""
        self.counter += 1
        return [b"%d.%d|" % (self.counter, i) + tail for i, tail in enumerate(tails)]

    def _shard_of(self, partition_key: str, explicit: str | None) -> str:
        key = hash_key(partition_key, explicit)
        (shard_id,) = [
            s.shard_id
            for s in self.stream.open_shards
            if s.starting_hash_key <= key <= s.ending_hash_key
        ]
        return str(shard_id)

    def _record(
        self, payloads: list[bytes], keys: list[tuple[str, str | None]], acks: list[Any], tries: int
    ) -> None:
        for payload, (partition_key, explicit), acked in zip(payloads, keys, acks, strict=True):
            self.sent[payload] = Sent(payload, partition_key, explicit, acked, tries, self.quotas)

    def _put(self, batch: list[tuple[bytes, str, str | None]], *, single: bool) -> None:
        payloads = self._fresh([tail for tail, _, _ in batch])
        keys = [(key, explicit) for _, key, explicit in batch]
        entries = []
        for payload, (key, explicit) in zip(payloads, keys, strict=True):
            entry: dict[str, Any] = {"Data": payload, "PartitionKey": key}
            if explicit is not None:
                entry["ExplicitHashKey"] = explicit
            entries.append(entry)
        none: list[Any] = [None] * len(payloads)
        refused: dict[str, Any] | None = None
        try:
            if single:
                answer = self.client.put_record(StreamName=STREAM, **entries[0])
            else:
                answer = self.client.put_records(StreamName=STREAM, Records=entries)
        except ClientError as error:
            refused = error.response
        except ReadTimeoutError:  # timeouts on every attempt
            self._record(payloads, keys, none, MAX_ATTEMPTS)
            return
        if refused is not None:
            # Only throttling outlasts the retries (scheduled throttles, or the quota).
            assert refused["Error"]["Code"] == THROTTLED, refused["Error"]
            # It names the shard the (first) record routes to.
            assert f"for shard {self._shard_of(*keys[0])} " in refused["Error"]["Message"]
            tries = refused["ResponseMetadata"].get("RetryAttempts", 0) + 1
            self._record(payloads, keys, none, tries)
            return
        tries = answer["ResponseMetadata"]["RetryAttempts"] + 1
        if single:
            assert answer["ShardId"] == self._shard_of(*keys[0])
            self._record(payloads, keys, [(answer["ShardId"], answer["SequenceNumber"])], tries)
            return
        results = answer["Records"]
        assert len(results) == len(payloads)
        assert answer["FailedRecordCount"] == sum("ErrorCode" in r for r in results)
        acks: list[Any] = []
        for result, (key, explicit) in zip(results, keys, strict=True):
            shard_id = self._shard_of(key, explicit)
            if "ErrorCode" in result:
                assert result["ErrorCode"] in RECORD_CODES
                assert "SequenceNumber" not in result
                assert "ShardId" not in result
                if result["ErrorCode"] == THROTTLED:
                    assert f"for shard {shard_id} in stream {STREAM} " in result["ErrorMessage"]
                else:
                    assert result["ErrorMessage"]
                acks.append(None)
            else:
                assert result["ShardId"] == shard_id
                acks.append((result["ShardId"], result["SequenceNumber"]))
        self._record(payloads, keys, acks, tries)
        if self.quotas and self.fake.kinesis.calls[-1].fault is None:
            self._throttled_only_over_the_quota(payloads, keys, acks)

    def _throttled_only_over_the_quota(
        self, payloads: list[bytes], keys: list[tuple[str, str | None]], acks: list[Any]
    ) -> None:
        """With no fault on the last attempt, a record throttled inside a PutRecords answer
        would have taken its shard over the quota for that second."""
        now = self.fake.kinesis.clock.now()
        second = int(now.timestamp())
        records = self.stream.records
        for index, (payload, (key, explicit), acked) in enumerate(
            zip(payloads, keys, acks, strict=True)
        ):
            if acked is not None:
                continue
            shard_id = self._shard_of(key, explicit)
            later = {a for a in acks[index + 1 :] if a is not None}
            before = [
                r
                for r in records
                if r.shard_id == shard_id
                and int(r.arrived_at.timestamp()) == second
                and self.sent[r.data].quotas
                and (r.shard_id, r.sequence_number) not in later
            ]
            count = len(before) + 1
            size = sum(map(write_size, before)) + len(payload) + len(key.encode("utf-8"))
            assert count > QUOTA_RECORDS or size > QUOTA_BYTES, (
                f"{payload[:20]!r} throttled in {shard_id} with {count} records and {size} "
                "bytes this second, within the quota"
            )

    @rule(entry=entries)
    def put_record(self, entry: tuple[bytes, str, str | None]) -> None:
        self._put([entry], single=True)

    @rule(batch=st.lists(entries, min_size=1, max_size=5))
    def put_records(self, batch: list[tuple[bytes, str, str | None]]) -> None:
        self._put(batch, single=False)

    @precondition(lambda self: self.bursts < MAX_BURSTS)
    @rule(
        count=st.integers(3, 5),
        size=st.sampled_from([300_000, 400_000]),
        key=partition_keys,
        single=st.booleans(),
    )
    def burst(self, count: int, size: int, key: str, single: bool) -> None:
        """Large records to one shard, in one PutRecords or one PutRecord each: over its
        1 MiB a second when the quota is on."""
        self.bursts += 1
        if single:
            for _ in range(count):
                self._put([(b"x" * size, key, None)], single=True)
        else:
            self._put([(b"x" * size, key, None)] * count, single=False)

    # ------------------------------------------------------------------ faults, quotas

    @rule(fault=faults)
    def schedule_fault(self, fault: dict[str, Any]) -> None:
        self.fake.kinesis.fail(**fault, optional=True)

    @rule(enabled=st.booleans())
    def set_quotas(self, enabled: bool) -> None:
        self.fake.kinesis.enforce_quotas(enabled)
        self.quotas = enabled

    # ------------------------------------------------------------------ time, retention

    @rule(step=seconds)
    def advance(self, step: float) -> None:
        self.fake.kinesis.clock.advance(seconds=step)

    @rule(just_past=st.booleans())
    def to_the_retention_edge(self, just_past: bool) -> None:
        """Move the clock to the moment the oldest readable record is exactly as old as
        the retention period (it stays), or a microsecond after (it goes)."""
        held = [r for shard in self.stream.shards for r in shard.records]
        if not held:
            return
        oldest = min(r.arrived_at for r in held)
        edge = oldest + timedelta(hours=self.retention_hours)
        if just_past:
            edge += timedelta(microseconds=1)
        now = self.fake.kinesis.clock.now()
        if edge >= now:
            self.fake.kinesis.clock.advance(edge - now)

    @rule(more=st.one_of(st.sampled_from([1, 24, 48]), st.integers(1, 72)))
    def increase_retention(self, more: int) -> None:
        hours = min(self.retention_hours + more, MAX_RETENTION_HOURS)
        self.client.increase_stream_retention_period(StreamName=STREAM, RetentionPeriodHours=hours)
        self.retention_hours = hours
        summary = self.client.describe_stream_summary(StreamName=STREAM)
        assert summary["StreamDescriptionSummary"]["RetentionPeriodHours"] == hours

    @precondition(lambda self: self.retention_hours > 24)
    @rule(less=st.integers(1, 24))
    def increase_retention_to_less(self, less: int) -> None:
        hours = max(self.retention_hours - less, 24)
        with pytest.raises(ClientError) as refused:
            self.client.increase_stream_retention_period(
                StreamName=STREAM, RetentionPeriodHours=hours
            )
        assert refused.value.response["Error"]["Code"] == "InvalidArgumentException"

    # ------------------------------------------------------------------ resharding

    @precondition(lambda self: not self.on_demand)
    @rule(data=st.data())
    def split_shard(self, data: st.DataObject) -> None:
        shards = self.stream.open_shards
        wide = [s for s in shards if s.ending_hash_key - s.starting_hash_key > 2]
        if len(shards) >= MAX_OPEN_SHARDS or not wide:
            return
        shard = data.draw(st.sampled_from(wide))
        key = data.draw(st.integers(shard.starting_hash_key + 2, shard.ending_hash_key - 1))
        self.client.split_shard(
            StreamName=STREAM, ShardToSplit=shard.shard_id, NewStartingHashKey=str(key)
        )

    @precondition(lambda self: not self.on_demand)
    @rule(data=st.data())
    def merge_shards(self, data: st.DataObject) -> None:
        shards = self.stream.open_shards
        if len(shards) < 2:
            return
        at = data.draw(st.integers(0, len(shards) - 2))
        self.client.merge_shards(
            StreamName=STREAM,
            ShardToMerge=shards[at].shard_id,
            AdjacentShardToMerge=shards[at + 1].shard_id,
        )

    @precondition(lambda self: not self.on_demand)
    @rule(data=st.data())
    def update_shard_count(self, data: st.DataObject) -> None:
        count = len(self.stream.open_shards)
        high = min(count * 2, MAX_OPEN_SHARDS)
        target = data.draw(st.integers((count + 1) // 2, max(high, (count + 1) // 2)))
        now = self.fake.kinesis.clock.now()
        # UpdateShardCount's limit: ten scalings of a stream in any 24 hours (DOC).
        self.scalings = [moment for moment in self.scalings if moment > now - timedelta(hours=24)]
        if len(self.scalings) == 10:
            with pytest.raises(ClientError, match="more than 10 times in a rolling 24-hour"):
                self.once.update_shard_count(
                    StreamName=STREAM, TargetShardCount=target, ScalingType="UNIFORM_SCALING"
                )
            assert len(self.stream.open_shards) == count
            return
        answer = self.client.update_shard_count(
            StreamName=STREAM, TargetShardCount=target, ScalingType="UNIFORM_SCALING"
        )
        self.scalings.append(now)
        assert (answer["CurrentShardCount"], answer["TargetShardCount"]) == (count, target)
        assert len(self.stream.open_shards) == target

    # ------------------------------------------------------------------ consuming

    @rule(limit=st.one_of(st.none(), st.integers(1, 4)))
    def read_every_shard(self, limit: int | None) -> None:
        """A consumer reads each shard from TRIM_HORIZON, following NextShardIterator until
        an answer brings nothing new."""
        page = {} if limit is None else {"Limit": limit}
        read: dict[str, list[tuple[str, bytes, str, datetime]]] = {}
        for shard in self.client.list_shards(StreamName=STREAM)["Shards"]:
            iterator = self.client.get_shard_iterator(
                StreamName=STREAM, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            got: list[tuple[str, bytes, str, datetime]] = []
            for _ in range(10_000):
                answer = self.client.get_records(ShardIterator=iterator, **page)
                got.extend(
                    (
                        r["SequenceNumber"],
                        r["Data"],
                        r["PartitionKey"],
                        r["ApproximateArrivalTimestamp"],
                    )
                    for r in answer["Records"]
                )
                if limit is not None:
                    assert len(answer["Records"]) <= limit
                if "NextShardIterator" not in answer:  # the end of a closed shard
                    assert "EndingSequenceNumber" in shard["SequenceNumberRange"]
                    children = {c["ShardId"] for c in answer["ChildShards"]}
                    assert children == {
                        s.shard_id
                        for s in self.stream.shards
                        if shard["ShardId"] in s.parent_shard_ids
                    }
                    break
                iterator = answer["NextShardIterator"]
                if not answer["Records"]:
                    assert answer["MillisBehindLatest"] == 0
                    break
            else:
                raise AssertionError(f"GetRecords never caught up on {shard['ShardId']}")
            read[shard["ShardId"]] = got
        self.read = Read(read)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def accounting(self) -> None:
        records = self.stream.records
        shards = self.stream.shards
        expired = self.stream.expired
        now = self.fake.kinesis.clock.now()
        retention = timedelta(hours=self.retention_hours)
        self._records_are_the_shards_plus_the_expired(records, shards, expired)
        self._expiry_keeps_to_the_retention_period(records, shards, len(expired), now, retention)
        self._shards_hold_their_hash_keys_in_sequence(records, shards)
        self._the_call_log_accounts_for_every_record(records)
        self._producers_see_the_truth(records)
        self._the_quota_holds(records)
        self._readers_see_the_shards(shards)
        self._open_shards_tile_the_key_space()
        self._records_went_to_open_shards(records, shards)
        self.checked_retention = retention
        self.expired_seen = len(expired)

    def _open_shards_tile_the_key_space(self) -> None:
        open_shards = self.stream.open_shards
        assert open_shards[0].starting_hash_key == 0
        assert open_shards[-1].ending_hash_key == HASH_KEYS - 1
        for before, after in pairwise(open_shards):
            assert after.starting_hash_key == before.ending_hash_key + 1, (
                f"{before.shard_id} and {after.shard_id} leave a gap or overlap"
            )
        assert all(s.state == "open" for s in open_shards)
        assert {s.shard_id for s in self.stream.shards if s.state == "open"} == {
            s.shard_id for s in open_shards
        }

    def _records_went_to_open_shards(self, records: list[Any], shards: list[Any]) -> None:
        """A record sits in a shard that was open when it arrived, and a partition key's
        sequence numbers (routed by the key, not an ExplicitHashKey) keep increasing across
        reshards, since a child's numbers sort after its parents'."""
        by_id = {s.shard_id: s for s in shards}
        last: dict[str, int] = {}
        for r in records:
            shard = by_id[r.shard_id]
            assert shard.opened_at <= r.arrived_at, f"{r.data[:20]!r} before {shard.shard_id}"
            assert shard.closed_at is None or r.arrived_at <= shard.closed_at, (
                f"{r.data[:20]!r} arrived in {shard.shard_id} after it closed"
            )
            if r.explicit_hash_key is None:
                number = int(r.sequence_number)
                assert number > last.get(r.partition_key, -1), (
                    f"sequence numbers of {r.partition_key!r} went back at {r.data[:20]!r}"
                )
                last[r.partition_key] = number

    def _records_are_the_shards_plus_the_expired(
        self, records: list[Any], shards: list[Any], expired: list[bytes]
    ) -> None:
        numbers = [r.sequence_number for r in records]
        assert len(set(numbers)) == len(numbers), "a sequence number was issued twice"
        # The expired are the oldest records: a prefix of the commit order.
        gone = len(expired)
        assert gone <= len(records)
        assert [r.data for r in records[:gone]] == expired
        assert gone >= self.expired_seen, "an expired record came back"
        # The rest are exactly what the shards hold, shard by shard, in commit order.
        kept: defaultdict[str, list[tuple[str, bytes]]] = defaultdict(list)
        for r in records[gone:]:
            kept[r.shard_id].append((r.sequence_number, r.data))
        held = {s.shard_id: [(r.sequence_number, r.data) for r in s.records] for s in shards}
        assert set(kept) <= set(held), f"records in unknown shards: {set(kept) - set(held)}"
        for shard_id, in_shard in held.items():
            assert in_shard == kept.get(shard_id, []), f"{shard_id} does not hold its records"
        # Nothing a producer never sent.
        strangers = [r.data[:20] for r in records if r.data not in self.sent]
        assert not strangers, f"records nobody sent: {strangers}"

    def _expiry_keeps_to_the_retention_period(
        self,
        records: list[Any],
        shards: list[Any],
        gone: int,
        now: datetime,
        retention: timedelta,
    ) -> None:
        for r in records:
            assert r.arrived_at <= now
        # Retention only grows here, so a record that expired since the last check (at a
        # moment no later than now) was older than the retention period of then.
        for r in records[self.expired_seen : gone]:
            assert r.arrived_at < now - self.checked_retention, (
                f"{r.data[:20]!r} expired at most {now - r.arrived_at} after it arrived, "
                f"within the retention period ({self.checked_retention})"
            )
        for shard in shards:
            for r in shard.records:
                assert r.arrived_at >= now - retention, (
                    f"{r.data[:20]!r} in {shard.shard_id} is {now - r.arrived_at} old, older "
                    f"than the retention period ({retention})"
                )

    def _shards_hold_their_hash_keys_in_sequence(
        self, records: list[Any], shards: list[Any]
    ) -> None:
        ranges = {s.shard_id: (s.starting_hash_key, s.ending_hash_key) for s in shards}
        last: dict[str, int] = {}
        for r in records:
            number = r.sequence_number
            assert len(number) == 56, number
            assert number.isdigit(), number
            assert int(number) > last.get(r.shard_id, -1), (
                f"sequence numbers in {r.shard_id} do not increase at {number}"
            )
            last[r.shard_id] = int(number)
            sent = self.sent[r.data]
            assert (r.partition_key, r.explicit_hash_key) == (
                sent.partition_key,
                sent.explicit_hash_key,
            )
            start, end = ranges[r.shard_id]
            key = hash_key(r.partition_key, r.explicit_hash_key)
            assert start <= key <= end, f"{r.data[:20]!r} (hash key {key}) in {r.shard_id}"
        for shard in shards:
            numbers = [int(r.sequence_number) for r in shard.records]
            assert numbers == sorted(set(numbers))

    def _the_call_log_accounts_for_every_record(self, records: list[Any]) -> None:
        """As multisets, the records are what the call log says was committed: the records
        of answered puts but those failed inside the answer, and those of commit timeouts.
        (Of a PutRecord commit timeout the quota refused, the log shows only the timeout.)"""
        calls = self.fake.kinesis.calls
        for call in calls[self.calls_seen :]:
            if call.operation not in PUTS:
                continue
            failed = set(call.failed_indices)
            kept = [p for i, p in enumerate(call.records) if i not in failed]
            if call.outcome in ("ok", "partial"):
                self.logged.update(kept)
            elif call.outcome == "timeout" and "timeout='commit'" in (call.fault or ""):
                # Calls since the last check all ran under the quota setting of now.
                unsure = call.operation == "PutRecord" and self.quotas
                (self.unsure if unsure else self.logged).update(kept)
                for payload in kept:
                    self.commit_timeouts[payload].append(call.at)
        self.calls_seen = len(calls)
        stored = Counter(r.data for r in records)
        missing = self.logged - stored
        assert not missing, (
            f"committed per the call log, not stored: {[p[:20] for p in missing][:5]}"
        )
        unlogged = stored - self.logged - self.unsure
        assert not unlogged, (
            f"stored, not committed per the call log: {[p[:20] for p in unlogged][:5]}"
        )

    def _producers_see_the_truth(self, records: list[Any]) -> None:
        copies: defaultdict[bytes, list[Any]] = defaultdict(list)
        for r in records:
            copies[r.data].append(r)
        for payload, sent in self.sent.items():
            found = copies.get(payload, [])
            assert len(found) <= sent.attempts, f"{payload[:20]!r} stored more often than sent"
            others = found
            if sent.acked is not None:
                matching = [r for r in found if (r.shard_id, r.sequence_number) == sent.acked]
                assert len(matching) == 1, f"{payload[:20]!r} acknowledged as {sent.acked}, but"
                others = [r for r in found if r is not matching[0]]
            # Every other copy is one a commit timeout committed, at the time of that attempt;
            # the call log says which did (but of a PutRecord under the quota).
            committed = Counter(self.commit_timeouts.get(payload, []))
            extra = Counter(r.arrived_at for r in others)
            assert not extra - committed, (
                f"{payload[:20]!r} was added by an attempt that failed it: copies at "
                f"{sorted(extra - committed)} match no commit timeout"
            )
            if payload not in self.unsure:
                assert extra == committed, f"{payload[:20]!r}: a commit timeout did not commit"

    def _the_quota_holds(self, records: list[Any]) -> None:
        """What a shard took while enforcing its quota stays within it, second by second."""
        used: defaultdict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
        for r in records:
            if not self.sent[r.data].quotas:
                continue
            second = (r.shard_id, int(r.arrived_at.timestamp()))
            used[second][0] += 1
            used[second][1] += write_size(r)
            count, size = used[second]
            took = f"{r.shard_id} took {count} records and {size} bytes in second {second[1]}"
            assert count <= QUOTA_RECORDS, took
            assert size <= QUOTA_BYTES, took

    def _readers_see_the_shards(self, shards: list[Any]) -> None:
        if self.read is None:
            return
        read, self.read = self.read, None
        assert set(read.shards) <= {s.shard_id for s in shards}
        for shard in shards:
            if shard.shard_id not in read.shards:
                # Unlisted: closed longer than the retention period, so nothing is left.
                assert shard.state == "closed"
                assert shard.records == []
                continue
            got = read.shards[shard.shard_id]
            want = [(r.sequence_number, r.data, r.partition_key) for r in shard.records]
            assert [(n, d, k) for n, d, k, _ in got] == want, (
                f"GetRecords from TRIM_HORIZON on {shard.shard_id} read another list than "
                "the shard's unexpired records"
            )
            for (_, _, _, at), r in zip(got, shard.records, strict=True):
                assert abs(at.timestamp() - r.arrived_at.timestamp()) < 0.001


KinesisMachine.TestCase.settings = settings(
    max_examples=examples(25),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestKinesisMachine = KinesisMachine.TestCase
