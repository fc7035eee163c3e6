"""A consumer that follows the shard lineage, as the KCL does, reads a stream through boto3
while it is split, merged and rescaled: every record exactly once, in order per partition
key, and every parent finished before its children start; with the read quotas on, a
consumer that polls too fast is throttled and backs off without losing its place."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION, SEED

from pytest_firehose import FirehoseFake

KEYS = [f"user-{number}" for number in range(12)]


class LineageConsumer:
    """Reads every shard from TRIM_HORIZON once its parents are finished; a shard is
    finished when GetRecords answers without a NextShardIterator."""

    def __init__(self, client: Any, stream: str) -> None:
        self.client = client
        self.stream = stream
        self.iterators: dict[str, str] = {}
        self.finished: list[str] = []
        self.started: list[str] = []
        #: ("start" or "finish", shard id), in order.
        self.events: list[tuple[str, str]] = []
        #: (partition key, data, shard id) in the order they were read.
        self.read: list[tuple[str, bytes, str]] = []

    def discover(self) -> None:
        for shard in self.client.list_shards(StreamName=self.stream)["Shards"]:
            shard_id = shard["ShardId"]
            parents = [shard.get("ParentShardId"), shard.get("AdjacentParentShardId")]
            if shard_id in self.started:
                continue
            if all(p is None or p in self.finished for p in parents):
                self.iterators[shard_id] = self.client.get_shard_iterator(
                    StreamName=self.stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
                self.started.append(shard_id)
                self.events.append(("start", shard_id))

    def poll(self, reads_per_shard: int = 1) -> None:
        """Read each shard being read up to ``reads_per_shard`` times in a row."""
        self.discover()
        for shard_id in list(self.iterators):
            for _ in range(reads_per_shard):
                if shard_id not in self.iterators or not self._read(shard_id):
                    break

    def _read(self, shard_id: str) -> bool:
        """One GetRecords on the shard; whether it read anything."""
        answer = self.client.get_records(ShardIterator=self.iterators[shard_id], Limit=3)
        self.read.extend((r["PartitionKey"], r["Data"], shard_id) for r in answer["Records"])
        if "NextShardIterator" in answer:
            self.iterators[shard_id] = answer["NextShardIterator"]
            return bool(answer["Records"])
        del self.iterators[shard_id]
        self.finished.append(shard_id)
        self.events.append(("finish", shard_id))
        for child in answer["ChildShards"]:
            assert shard_id in child["ParentShards"]
        return False


class BackingOffConsumer(LineageConsumer):
    """Polls as fast as it can, and backs off when Kinesis throttles it: the call it was
    making is made again in a later round, with the iterator it had."""

    def __init__(self, client: Any, stream: str) -> None:
        super().__init__(client, stream)
        #: The operations that were throttled, in order.
        self.throttled: list[str] = []

    def poll(self, reads_per_shard: int = 1) -> None:
        try:
            super().poll(reads_per_shard)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code not in ("ProvisionedThroughputExceededException", "LimitExceededException"):
                raise
            self.throttled.append(error.operation_name)


def reshard(stream: Any, step: str) -> None:
    """One reshard through the stream handle, chosen among the open shards."""
    shards = stream.open_shards
    if step == "split":
        first = shards[0]
        middle = (first.starting_hash_key + first.ending_hash_key) // 2
        stream.split_shard(first.shard_id, middle)
    elif step == "merge":
        stream.merge_shards(shards[0].shard_id, shards[1].shard_id)
    elif step == "up":  # within double the open shards
        stream.update_shard_count(len(shards) + (len(shards) + 1) // 2)
    else:  # down, within half
        stream.update_shard_count((len(shards) + 1) // 2)


#: Reshards by round: the consumer tests reshard the stream this way while they read.
PLAN = {3: "split", 6: "merge", 9: "up", 13: "down", 17: "split", 20: "up"}


def put_round(
    client: Any, stream: Any, round_number: int, plan: dict[int, str], sent: dict[str, list[bytes]]
) -> None:
    """Put one record per key (noted in ``sent``), then reshard if the plan says so."""
    entries = [
        {"Data": b"%d-%d" % (round_number, index), "PartitionKey": key}
        for index, key in enumerate(KEYS)
    ]
    client.put_records(StreamName="s", Records=entries)
    for entry in entries:
        sent[entry["PartitionKey"]].append(entry["Data"])
    if round_number in plan and stream.status == "ACTIVE":
        reshard(stream, plan[round_number])


def assert_read_once_in_order(
    consumer: Any, sent: dict[str, list[bytes]], lineage: dict[str, Any]
) -> None:
    """Each record read once, each key's records in order, every shard read, and no shard
    started before its parents were finished."""
    __tracebackhide__ = True
    read = [data for _, data, _ in consumer.read]
    assert len(read) == len(set(read)), "a record was read twice"
    by_key: dict[str, list[bytes]] = defaultdict(list)
    for key, data, _ in consumer.read:
        by_key[key].append(data)
    assert by_key == sent, "records of a partition key were lost or read out of order"
    for shard_id in consumer.started:
        for parent in lineage[shard_id]:
            assert consumer.events.index(("finish", parent)) < consumer.events.index(
                ("start", shard_id)
            ), f"{shard_id} started before its parent {parent} was finished"
    assert sorted(consumer.started) == sorted(lineage), "a shard was never read"


@pytest.mark.parametrize("delay", [0, 5])
def test_a_lineage_consumer_reads_every_record_once_in_order_across_reshards(delay):
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=delay) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        stream = fake.kinesis.create_stream("s", 2)
        fake.kinesis.clock.advance(seconds=delay)
        consumer = LineageConsumer(client, "s")
        sent: dict[str, list[bytes]] = defaultdict(list)
        for round_number in range(25):
            put_round(client, stream, round_number, PLAN, sent)
            consumer.poll()
            fake.kinesis.clock.advance(seconds=1)
        for _ in range(60):
            consumer.poll()
        lineage = {shard.shard_id: shard.parent_shard_ids for shard in stream.shards}
        resharded = len(stream.shards)

    assert resharded > 10, "the plan did not reshard"
    read = [data for _, data, _ in consumer.read]
    assert sorted(read) == sorted(data for datas in sent.values() for data in datas)
    assert_read_once_in_order(consumer, sent, lineage)


@pytest.mark.parametrize("delay", [0, 5])
def test_a_consumer_that_polls_too_fast_backs_off_and_still_reads_everything_once(delay):
    """With the read quotas on, reading each shard up to eight times a round, four rounds a
    second, is throttled; the consumer keeps its iterators, waits for the next round and
    reads each record once, in order, parents before children."""
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=delay) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        one_try = boto3.client(
            "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
        )
        stream = fake.kinesis.create_stream("s", 2)
        fake.kinesis.clock.advance(seconds=delay)
        fake.kinesis.enforce_read_quotas()
        consumer = BackingOffConsumer(one_try, "s")
        sent: dict[str, list[bytes]] = defaultdict(list)
        for round_number in range(25):
            put_round(client, stream, round_number, PLAN, sent)
            for _ in range(4):
                consumer.poll(reads_per_shard=8)
                fake.kinesis.clock.advance(seconds=0.25)
        for _ in range(120):
            consumer.poll(reads_per_shard=8)
            fake.kinesis.clock.advance(seconds=0.25)
        lineage = {shard.shard_id: shard.parent_shard_ids for shard in stream.shards}

    assert "GetRecords" in consumer.throttled, "the consumer was never throttled"
    assert_read_once_in_order(consumer, sent, lineage)
