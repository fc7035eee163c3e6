"""Resharding Kinesis streams through boto3 on the fake clock: SplitShard, MergeShards,
UpdateShardCount, the UPDATING period, closed parents and their children, reading across a
reshard (GetRecords' ChildShards) and ListShards' filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from conftest import REGION, SEED, refused
from test_kinesis_api import TOP, error, fits

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError
from pytest_firehose._services.kinesis.records import parse_sequence_number

HALF = 2**127  # the boundary of a 2-shard stream
THIRD = "113427455640312821154458202477256070484"  # shard 0's EndingHashKey of 3 (REAL)


def shards_of(client: Any, name: str = "s") -> list[dict[str, Any]]:
    answer = fits("DescribeStream", client.describe_stream(StreamName=name))
    shards: list[dict[str, Any]] = answer["StreamDescription"]["Shards"]
    return shards


def ranges(shards: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [
        (int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]))
        for s in shards
    ]


def empty(answer: dict[str, Any]) -> None:
    """SplitShard and MergeShards answer an empty body (their model has no output shape)."""
    assert answer["ResponseMetadata"]["HTTPHeaders"]["content-length"] == "0"
    assert set(answer) == {"ResponseMetadata"}


def closed(shard: dict[str, Any]) -> bool:
    return "EndingSequenceNumber" in shard["SequenceNumberRange"]


def read_shard(client: Any, shard_id: str, name: str = "s") -> dict[str, Any]:
    iterator = client.get_shard_iterator(
        StreamName=name, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return fits("GetRecords", client.get_records(ShardIterator=iterator))


# --------------------------------------------------------------------------- SplitShard


def test_split_shard_closes_the_parent_and_makes_two_children(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    kinesis_client.put_record(StreamName="s", Data=b"before", PartitionKey="k")

    empty(
        kinesis_client.split_shard(
            StreamName="s", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(HALF)
        ),
    )
    low = kinesis_client.put_record(
        StreamName="s", Data=b"low", PartitionKey="k", ExplicitHashKey=str(HALF - 1)
    )
    high = kinesis_client.put_record(
        StreamName="s", Data=b"high", PartitionKey="k", ExplicitHashKey=str(HALF)
    )
    shards = shards_of(kinesis_client)

    assert [s["ShardId"] for s in shards] == [f"shardId-00000000000{i}" for i in range(3)]
    assert [closed(s) for s in shards] == [True, False, False]
    assert [s.get("ParentShardId") for s in shards] == [None, *["shardId-000000000000"] * 2]
    assert "AdjacentParentShardId" not in shards[1]
    assert ranges(shards) == [(0, int(TOP)), (0, HALF - 1), (HALF, int(TOP))]
    assert (low["ShardId"], high["ShardId"]) == ("shardId-000000000001", "shardId-000000000002")
    # The parent keeps what it took; its children take what comes after.
    assert [r.data for r in fake.kinesis["s"].shards[0].records] == [b"before"]
    summary = kinesis_client.describe_stream_summary(StreamName="s")
    assert summary["StreamDescriptionSummary"]["OpenShardCount"] == 2


def test_the_children_s_sequence_numbers_start_a_second_after_the_split(fake, kinesis_client):
    # MOCK: kinesalite's AWS-validated splitShard test: the children's numbers encode a
    # creation one second after the reshard.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.clock.advance(seconds=30)
    split_at = int(fake.kinesis.clock.now().timestamp())

    kinesis_client.split_shard(
        StreamName="s", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(HALF)
    )
    children = shards_of(kinesis_client)[1:]

    starts = [
        parse_sequence_number(s["SequenceNumberRange"]["StartingSequenceNumber"]) for s in children
    ]
    assert [(p.shard_created, p.shard_index) for p in starts if p] == [
        (split_at + 1, 1),
        (split_at + 1, 2),
    ]


def test_a_closed_shard_s_ending_sequence_number_holds_the_largest_index(kinesis_client):
    # MOCK: kinesalite's AWS-validated tests read 7fffffffffffffff as the sequence index
    # (hex digits 12 to 27) of a closed shard's EndingSequenceNumber.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    put = kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    kinesis_client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey=str(HALF))

    numbers = shards_of(kinesis_client)[0]["SequenceNumberRange"]
    ending = numbers["EndingSequenceNumber"]

    assert f"{int(ending):x}"[11:27] == "7fffffffffffffff"
    assert int(numbers["StartingSequenceNumber"]) < int(put["SequenceNumber"]) < int(ending)


def test_a_partition_key_put_before_a_split_goes_to_a_child_after_it(kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    record = [{"Data": b"x", "PartitionKey": "alpha"}]  # md5("alpha") is below 2**127
    before = kinesis_client.put_records(StreamName="s", Records=record)
    kinesis_client.split_shard(
        StreamName="s", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(HALF)
    )

    after = kinesis_client.put_records(StreamName="s", Records=record)
    single = kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="alpha")

    assert before["Records"][0]["ShardId"] == "shardId-000000000000"
    assert after["Records"][0]["ShardId"] == single["ShardId"] == "shardId-000000000001"


@pytest.mark.parametrize(
    ("key", "shard"),
    [("1", "shard-0"), (THIRD, "shard-0"), ("999999999999999999999999999999999999999", "shard-2")],
)
def test_a_new_starting_hash_key_must_lie_inside_the_shard(kinesis_client, key, shard):
    kinesis_client.create_stream(StreamName="s", ShardCount=3)
    start, end = ranges(shards_of(kinesis_client))[int(shard[-1])]

    answer = refused(
        kinesis_client.split_shard, StreamName="s", ShardToSplit=shard, NewStartingHashKey=key
    )

    # MOCK: kinesalite's AWS-validated test/splitShard.js
    assert error(answer) == (
        "InvalidArgumentException",
        f"NewStartingHashKey {key} used in SplitShard() on shard shardId-00000000000"
        f"{shard[-1]} in stream s under account 123456789012 is not both greater than one "
        f"plus the shard's StartingHashKey {start} and less than the shard's EndingHashKey "
        f"{end}.",
        400,
    )


def test_split_shard_refuses_unknown_and_closed_shards(kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    kinesis_client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey="2")

    missing = refused(
        kinesis_client.split_shard, StreamName="s", ShardToSplit="shardId-5", NewStartingHashKey="2"
    )
    garbage = refused(
        kinesis_client.split_shard,
        StreamName="nope",
        ShardToSplit="ABKLFD8",
        NewStartingHashKey="2",
    )
    unknown = refused(
        kinesis_client.split_shard,
        StreamName="nope",
        ShardToSplit="shard-0",
        NewStartingHashKey="2",
    )
    again = refused(
        kinesis_client.split_shard,
        StreamName="s",
        ShardToSplit="shard-0",
        NewStartingHashKey=str(HALF),
    )

    where = "in stream {} under account 123456789012."
    assert error(missing) == (
        "ResourceNotFoundException",
        "Could not find shard shardId-000000000005 " + where.format("s"),
        400,
    )
    assert error(garbage)[1] == "Could not find shard ABKLFD8 " + where.format("nope")
    assert error(unknown)[1] == "Stream nope under account 123456789012 not found."
    assert error(again) == (
        "InvalidArgumentException",
        "Shard shardId-000000000000 in stream s under account 123456789012 has already been "
        "merged or split, and thus is not eligible for merging or splitting.",
        400,
    )


# --------------------------------------------------------------------------- MergeShards


def test_merge_shards_makes_one_child_of_two_adjacent_parents(kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=3)

    empty(
        kinesis_client.merge_shards(
            StreamName="s",
            ShardToMerge="shardId-000000000000",
            AdjacentShardToMerge="shardId-000000000001",
        ),
    )
    shards = shards_of(kinesis_client)

    assert [closed(s) for s in shards] == [True, True, False, False]
    child = shards[3]
    assert (child["ShardId"], child["ParentShardId"], child["AdjacentParentShardId"]) == (
        "shardId-000000000003",
        "shardId-000000000000",
        "shardId-000000000001",
    )
    assert ranges([child]) == [(0, ranges(shards)[1][1])]


@pytest.mark.parametrize(("first", "second"), [("0", "2"), ("1", "0")])
def test_merge_shards_refuses_a_pair_that_is_not_adjacent(kinesis_client, first, second):
    kinesis_client.create_stream(StreamName="s", ShardCount=3)

    answer = refused(
        kinesis_client.merge_shards,
        StreamName="s",
        ShardToMerge=f"x-{first}",
        AdjacentShardToMerge=f"x-{second}",
    )

    # MOCK: kinesalite's AWS-validated test/mergeShards.js (the inverted pair too)
    assert error(answer) == (
        "InvalidArgumentException",
        f"Shards shardId-00000000000{first} and shardId-00000000000{second} in stream s under "
        "account 123456789012 are not an adjacent pair of shards eligible for merging",
        400,
    )


def test_merge_shards_refuses_an_adjacent_shard_already_split(kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    kinesis_client.split_shard(StreamName="s", ShardToSplit="1", NewStartingHashKey=str(HALF + 5))

    answer = refused(
        kinesis_client.merge_shards, StreamName="s", ShardToMerge="0", AdjacentShardToMerge="1"
    )

    assert error(answer) == (
        "InvalidArgumentException",
        "Shard shardId-000000000001 in stream s under account 123456789012 has already been "
        "merged or split, and thus is not eligible for merging or splitting.",
        400,
    )
    assert [closed(shard) for shard in shards_of(kinesis_client)] == [False, True, False, False]


# --------------------------------------------------------------------------- UpdateShardCount


@pytest.mark.parametrize(("start", "target", "total"), [(2, 4, 6), (4, 2, 6), (1, 2, 3)])
def test_update_shard_count_scales_uniformly(kinesis_client, start, target, total):
    kinesis_client.create_stream(StreamName="s", ShardCount=start)

    answer = fits(
        "UpdateShardCount",
        kinesis_client.update_shard_count(
            StreamName="s", TargetShardCount=target, ScalingType="UNIFORM_SCALING"
        ),
    )
    shards = shards_of(kinesis_client)
    open_shards = [s for s in shards if not closed(s)]

    assert (answer["StreamName"], answer["CurrentShardCount"], answer["TargetShardCount"]) == (
        "s",
        start,
        target,
    )
    assert answer["StreamARN"].endswith(":stream/s")
    # The totals kinesalite's AWS-validated tests count: 2 -> 4 and 4 -> 2 leave 6 shards.
    assert len(shards) == total
    assert ranges(open_shards) == ranges(shards_of_fresh(kinesis_client, target))


def shards_of_fresh(client: Any, count: int) -> list[dict[str, Any]]:
    client.create_stream(StreamName=f"fresh{count}", ShardCount=count)
    return shards_of(client, f"fresh{count}")


def test_update_shard_count_to_an_uneven_count_tiles_the_key_space(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=3)
    kinesis_client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey="12345")

    kinesis_client.update_shard_count(
        StreamName="s", TargetShardCount=5, ScalingType="UNIFORM_SCALING"
    )
    stream = fake.kinesis["s"]

    assert [(s.starting_hash_key, s.ending_hash_key) for s in stream.open_shards] == ranges(
        shards_of_fresh(kinesis_client, 5)
    )
    for shard in stream.shards:
        parents = [p for p in stream.shards if p.shard_id in shard.parent_shard_ids]
        if len(parents) == 1:  # a split child lies inside its parent
            assert parents[0].starting_hash_key <= shard.starting_hash_key
            assert shard.ending_hash_key <= parents[0].ending_hash_key
        elif parents:  # a merge child is exactly its two adjacent parents
            assert parents[0].ending_hash_key + 1 == parents[1].starting_hash_key
            assert (shard.starting_hash_key, shard.ending_hash_key) == (
                parents[0].starting_hash_key,
                parents[1].ending_hash_key,
            )


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        (
            2,
            5,
            "UpdateShardCount cannot scale up over double your current open shard count. "
            "Current open shard count: 2, Target shard count: 5",
        ),
        (
            6,
            2,
            "UpdateShardCount cannot scale down below half your current open shard count. "
            "Current open shard count: 6, Target shard count: 2",
        ),
    ],
)
def test_update_shard_count_keeps_within_double_and_half(kinesis_client, start, target, message):
    kinesis_client.create_stream(StreamName="s", ShardCount=start)

    answer = refused(
        kinesis_client.update_shard_count,
        StreamName="s",
        TargetShardCount=target,
        ScalingType="UNIFORM_SCALING",
    )

    # MOCK: kinesalite's AWS-validated test/updateShardCount.js
    assert error(answer) == ("LimitExceededException", message, 400)


@pytest.mark.parametrize(
    ("operation", "name", "params"),
    [
        ("update_shard_count", "UpdateShardCount", {"TargetShardCount": 5}),
        ("split_shard", "SplitShard", {"ShardToSplit": "0", "NewStartingHashKey": "5"}),
        ("merge_shards", "MergeShards", {"ShardToMerge": "0", "AdjacentShardToMerge": "1"}),
    ],
)
def test_on_demand_streams_cannot_be_resharded(kinesis_client, operation, name, params):
    kinesis_client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    if operation == "update_shard_count":
        params = {**params, "ScalingType": "UNIFORM_SCALING"}
    before = shards_of(kinesis_client)

    answer = refused(getattr(kinesis_client, operation), StreamName="s", **params)

    assert error(answer) == (
        "ValidationException",
        f"{name} is not supported for stream s under account 123456789012 in ON_DEMAND "
        "capacity mode.",
        400,
    )
    assert shards_of(kinesis_client) == before


# --------------------------------------------------------------------------- UPDATING


def _split_once_active(fake: FirehoseFake) -> Any:
    """A client, after splitting stream ``s``'s one shard in half the moment it is ACTIVE
    (the fake's ``creation_delay`` is 30 seconds)."""
    client = boto3.client("kinesis", region_name=REGION)
    fake.kinesis.create_stream("s", 1)
    fake.kinesis.clock.advance(seconds=30)
    client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey=str(HALF))
    return client


def test_a_reshard_keeps_the_stream_updating_for_the_creation_delay():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as fake:
        client = _split_once_active(fake)

        during = client.describe_stream(StreamName="s")["StreamDescription"]
        put = client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
        second = refused(
            client.split_shard, StreamName="s", ShardToSplit="0", NewStartingHashKey="5"
        )
        fake.kinesis.clock.advance(seconds=29)
        still = fake.kinesis["s"].status
        split_at = fake.kinesis.clock.now() + timedelta(seconds=1)
        fake.kinesis.clock.advance(seconds=3)
        after = client.describe_stream(StreamName="s")["StreamDescription"]

    # MOCK: kinesalite's AWS-validated splitShard test: the old shards until the end
    assert (during["StreamStatus"], len(during["Shards"])) == ("UPDATING", 1)
    assert put["ShardId"] == "shardId-000000000000"
    assert error(second) == (
        "ResourceInUseException",
        "Stream s under account 123456789012 not ACTIVE, instead in state UPDATING",
        400,
    )
    assert still == "UPDATING"
    assert (after["StreamStatus"], len(after["Shards"])) == ("ACTIVE", 3)
    # The parent closed when the period ended, not when the world next looked.
    assert fake.kinesis["s"].shards[0].closed_at == split_at


def test_records_put_once_the_updating_period_ends_go_to_the_children():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as fake:
        client = _split_once_active(fake)
        fake.kinesis.clock.advance(seconds=30)

        low, high = [
            client.put_record(StreamName="s", Data=b"x", PartitionKey="k", ExplicitHashKey=key)
            for key in ("0", TOP)
        ]

    assert (low["ShardId"], high["ShardId"]) == ("shardId-000000000001", "shardId-000000000002")


def test_a_split_or_merge_under_way_counts_the_shards_it_leaves_open():
    # As UpdateShardCount's target does (test_kinesis_control): while the stream is
    # UPDATING, DescribeLimits counts the open shards the reshard leaves.
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        fake.kinesis.create_stream("s", 2)
        fake.kinesis.create_stream("t", 2)
        fake.kinesis.clock.advance(seconds=30)

        client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey="5")
        client.merge_shards(StreamName="t", ShardToMerge="0", AdjacentShardToMerge="1")
        during = client.describe_limits()["OpenShardCount"]
        fake.kinesis.clock.advance(seconds=30)
        after = client.describe_limits()["OpenShardCount"]

    assert (during, after) == (3 + 1, 3 + 1)


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("split_shard", {"ShardToSplit": "1", "NewStartingHashKey": str(HALF + 5)}),
        ("merge_shards", {"ShardToMerge": "0", "AdjacentShardToMerge": "1"}),
        ("update_shard_count", {"TargetShardCount": 3, "ScalingType": "UNIFORM_SCALING"}),
    ],
)
def test_no_reshard_starts_while_one_is_under_way(operation, params):
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        fake.kinesis.create_stream("s", 2)
        fake.kinesis.clock.advance(seconds=30)
        client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey="5")

        answer = refused(getattr(client, operation), StreamName="s", **params)
        fake.kinesis.clock.advance(seconds=30)
        after = shards_of(client)

    assert error(answer) == (
        "ResourceInUseException",
        "Stream s under account 123456789012 not ACTIVE, instead in state UPDATING",
        400,
    )
    assert [closed(shard) for shard in after] == [True, False, False, False], "the split only"


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("split_shard", {"ShardToSplit": "shardId-0", "NewStartingHashKey": "2"}),
        ("merge_shards", {"ShardToMerge": "shardId-0", "AdjacentShardToMerge": "shardId-1"}),
    ],
)
def test_a_reshard_of_a_stream_still_creating_is_refused_as_not_active(operation, params):
    # kinesalite's createStream test "should create a basic 3-shard stream", run against
    # Kinesis (2018): while the stream is CREATING it has no shards yet, and SplitShard and
    # MergeShards answer that it is not ACTIVE, not that the shard is missing.
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=3)

        answer = refused(getattr(client, operation), StreamName="s", **params)

        assert fake.kinesis["s"].status == "CREATING"
    assert error(answer) == (
        "ResourceInUseException",
        "Stream s under account 123456789012 not ACTIVE, instead in state CREATING",
        400,
    )


# --------------------------------------------------------------------------- reading across


def test_get_records_at_the_end_of_a_closed_shard_names_its_children(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    kinesis_client.put_record(StreamName="s", Data=b"a", PartitionKey="k", ExplicitHashKey="1")
    kinesis_client.put_record(StreamName="s", Data=b"b", PartitionKey="k", ExplicitHashKey="2")
    fake.kinesis["s"].merge_shards("shardId-000000000000", "shardId-000000000001")

    iterator = kinesis_client.get_shard_iterator(
        StreamName="s", ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    first = fits("GetRecords", kinesis_client.get_records(ShardIterator=iterator, Limit=1))
    last = fits("GetRecords", kinesis_client.get_records(ShardIterator=first["NextShardIterator"]))
    empty = read_shard(kinesis_client, "shardId-000000000001")

    child = {
        "ShardId": "shardId-000000000002",
        "ParentShards": ["shardId-000000000000", "shardId-000000000001"],
        "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": TOP},
    }
    assert [r["Data"] for r in first["Records"]] == [b"a"]
    assert "ChildShards" not in first
    assert [r["Data"] for r in last["Records"]] == [b"b"]
    assert "NextShardIterator" not in last
    assert last["ChildShards"] == [child]
    assert (empty["Records"], empty["ChildShards"]) == ([], [child])
    assert "NextShardIterator" not in empty


def test_sequence_numbers_keep_increasing_per_partition_key_across_a_reshard(kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    numbers = []
    for step in range(3):
        numbers.append(
            int(
                kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="user-1")[
                    "SequenceNumber"
                ]
            )
        )
        kinesis_client.update_shard_count(
            StreamName="s", TargetShardCount=[4, 2, 3][step], ScalingType="UNIFORM_SCALING"
        )
    numbers.append(
        int(
            kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="user-1")[
                "SequenceNumber"
            ]
        )
    )

    assert numbers == sorted(set(numbers))


# --------------------------------------------------------------------------- ListShards


def test_list_shards_filters(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    created = fake.kinesis.clock.now()
    fake.kinesis.clock.advance(hours=1)
    kinesis_client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey="100")
    split_at = fake.kinesis.clock.now()
    fake.kinesis.clock.advance(hours=1)

    def listed(**shard_filter: Any) -> list[str]:
        answer = fits(
            "ListShards", kinesis_client.list_shards(StreamName="s", ShardFilter=shard_filter)
        )
        return [s["ShardId"][-1] for s in answer["Shards"]]

    assert listed(Type="FROM_TRIM_HORIZON") == ["0", "1", "2", "3"]
    assert listed(Type="AT_TRIM_HORIZON") == ["0", "1"]
    assert listed(Type="AT_LATEST") == ["1", "2", "3"]
    assert listed(Type="AFTER_SHARD_ID", ShardId="shardId-000000000001") == ["2", "3"]
    assert listed(Type="AT_TIMESTAMP", Timestamp=created + timedelta(seconds=1)) == ["0", "1"]
    assert listed(Type="AT_TIMESTAMP", Timestamp=split_at + timedelta(minutes=1)) == ["1", "2", "3"]
    assert listed(Type="FROM_TIMESTAMP", Timestamp=created) == ["0", "1", "2", "3"]
    assert listed(Type="FROM_TIMESTAMP", Timestamp=split_at + timedelta(minutes=1)) == [
        "1",
        "2",
        "3",
    ]
    without = refused(
        kinesis_client.list_shards, StreamName="s", ShardFilter={"Type": "AFTER_SHARD_ID"}
    )
    assert error(without)[0] == "InvalidArgumentException"
    assert "ShardId" in error(without)[1]


def test_timestamp_filters_at_the_instant_of_a_split_list_the_parent_and_its_children(
    fake, kinesis_client
):
    # DOC (ShardFilter): AT_TIMESTAMP lists the shards that started at or before the
    # timestamp and end at or after it; FROM_TIMESTAMP the closed shards that end at or
    # after it, and the open ones.
    clock = fake.kinesis.clock
    clock.advance(timedelta(seconds=1) - timedelta(microseconds=clock.now().microsecond))
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    clock.advance(hours=1)
    kinesis_client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey="100")
    split_at = clock.now()
    clock.advance(hours=1)

    def listed(kind: str) -> list[str]:
        answer = kinesis_client.list_shards(
            StreamName="s", ShardFilter={"Type": kind, "Timestamp": split_at}
        )
        return [s["ShardId"][-1] for s in answer["Shards"]]

    assert listed("AT_TIMESTAMP") == ["0", "1", "2"]
    assert listed("FROM_TIMESTAMP") == ["0", "1", "2"]


def test_at_trim_horizon_lists_the_first_shards_of_a_stream_resharded_at_once(fake, kinesis_client):
    # Nothing is trimmed while the stream is younger than its retention period: its trim
    # horizon is where its first shards begin, even when a reshard came in the same
    # instant of fake time, as it does in a test that never moves the clock.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    kinesis_client.put_record(StreamName="s", Data=b"before", PartitionKey="k")
    kinesis_client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey="100")

    def at_trim_horizon() -> list[str]:
        answer = kinesis_client.list_shards(StreamName="s", ShardFilter={"Type": "AT_TRIM_HORIZON"})
        return [s["ShardId"] for s in fits("ListShards", answer)["Shards"]]

    assert at_trim_horizon() == ["shardId-000000000000"]
    fake.kinesis.clock.advance(hours=1)
    assert at_trim_horizon() == ["shardId-000000000000"]
    iterator = kinesis_client.get_shard_iterator(
        StreamName="s", ShardId=at_trim_horizon()[0], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    read = kinesis_client.get_records(ShardIterator=iterator)["Records"]
    assert [r["Data"] for r in read] == [b"before"]


def test_at_trim_horizon_of_a_stream_older_than_its_retention_lists_the_shards_open_then(
    fake, kinesis_client
):
    # The trim horizon is the retention period ago: a parent closed after it was open
    # then, its children opened after it were not; a day after the split, the parent
    # holds no record still kept.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.clock.advance(hours=30)
    kinesis_client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey="100")

    def at_trim_horizon() -> list[str]:
        answer = kinesis_client.list_shards(StreamName="s", ShardFilter={"Type": "AT_TRIM_HORIZON"})
        return [s["ShardId"][-1] for s in answer["Shards"]]

    fake.kinesis.clock.advance(hours=1)
    assert at_trim_horizon() == ["0"]
    fake.kinesis.clock.advance(hours=23)
    assert at_trim_horizon() == ["1", "2"]


def test_list_shards_pages_keep_the_filter(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=4)
    kinesis_client.merge_shards(StreamName="s", ShardToMerge="0", AdjacentShardToMerge="1")

    first = kinesis_client.list_shards(
        StreamName="s", ShardFilter={"Type": "AT_LATEST"}, MaxResults=2
    )
    rest = fits("ListShards", kinesis_client.list_shards(NextToken=first["NextToken"]))

    assert [s["ShardId"][-1] for s in first["Shards"]] == ["2", "3"]
    assert [s["ShardId"][-1] for s in rest["Shards"]] == ["4"]
    assert "NextToken" not in rest


def test_the_next_page_keeps_hiding_the_closed_shards_the_filter_hides(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=4)
    kinesis_client.merge_shards(StreamName="s", ShardToMerge="2", AdjacentShardToMerge="3")

    first = kinesis_client.list_shards(
        StreamName="s", ShardFilter={"Type": "AT_LATEST"}, MaxResults=2
    )
    rest = kinesis_client.list_shards(NextToken=first["NextToken"])

    assert [s["ShardId"][-1] for s in first["Shards"]] == ["0", "1"]
    assert [s["ShardId"][-1] for s in rest["Shards"]] == ["4"]


def test_a_next_token_with_a_shard_filter_is_refused(kinesis_client):
    # REAL: AWS's answer, as the Kinesis Client Library (amazon-kinesis-client#788, 2021)
    # and Apache Beam (apache/beam#33478) met it when they sent the filter on every page.
    kinesis_client.create_stream(StreamName="s", ShardCount=3)
    first = kinesis_client.list_shards(StreamName="s", MaxResults=1)

    both = refused(
        kinesis_client.list_shards,
        NextToken=first["NextToken"],
        ShardFilter={"Type": "AT_LATEST"},
    )

    message = "NextToken and ShardFilter cannot be provided together."
    assert error(both) == ("InvalidArgumentException", message, 400)


def test_closed_shards_leave_the_listings_once_retention_has_passed(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    kinesis_client.split_shard(StreamName="s", ShardToSplit="0", NewStartingHashKey="100")
    fake.kinesis.clock.advance(hours=24)
    kept = [s["ShardId"][-1] for s in shards_of(kinesis_client)]
    fake.kinesis.clock.advance(microseconds=1)
    gone = [s["ShardId"][-1] for s in shards_of(kinesis_client)]
    listed = kinesis_client.list_shards(StreamName="s")["Shards"]
    read = refused(
        kinesis_client.get_shard_iterator,
        StreamName="s",
        ShardId="shardId-000000000000",
        ShardIteratorType="TRIM_HORIZON",
    )

    assert (kept, gone) == (["0", "1", "2"], ["1", "2"])
    assert [s["ShardId"][-1] for s in listed] == ["1", "2"]
    assert error(read)[0] == "ResourceNotFoundException"
    assert len(fake.kinesis["s"].shards) == 3  # the handle still shows the whole lineage


def test_list_shards_without_a_stream_or_a_token_is_refused(kinesis_client):
    # REAL: kinesalite's AWS-validated listShards tests (the only capture of this answer).
    response = refused(kinesis_client.list_shards)

    assert error(response) == (
        "InvalidArgumentException",
        "Either NextToken or StreamName should be provided.",
        400,
    )


# --------------------------------------------------------------------------- handles


def test_the_stream_handle_reshards_and_shows_the_lineage(fake):
    stream = fake.kinesis.create_stream("s", 2)

    stream.split_shard("shardId-000000000000", HALF // 2)
    stream.merge_shards("shardId-000000000003", "shardId-000000000001")
    states = [s.state for s in stream.shards]
    stream.update_shard_count(2)
    shards = stream.shards

    assert states == ["closed", "closed", "open", "closed", "open"]
    assert all(s.state == "closed" for s in shards[:5])
    assert shards[2].parent_shard_id == "shardId-000000000000"
    assert shards[4].parent_shard_ids == ["shardId-000000000003", "shardId-000000000001"]
    assert "parents=['shardId-000000000000']" in repr(shards[2])
    assert [(s.starting_hash_key, s.ending_hash_key) for s in stream.open_shards] == [
        (0, HALF - 1),
        (HALF, 2**128 - 1),
    ]
    with pytest.raises(
        UsageError,
        match="MergeShards: kinesis would answer InvalidArgumentException: Shard "
        "shardId-000000000000 in stream s under account 123456789012 has already been merged",
    ):
        stream.merge_shards("shardId-000000000000", "shardId-000000000001")
