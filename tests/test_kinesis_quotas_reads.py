"""Kinesis read quotas on the fake clock, off unless a test turns them on: per shard 5
GetRecords calls and 2 MiB a second (a 10 MiB answer uses the next 5 seconds), 5
GetShardIterator calls a second; the control plane's read rates per account or stream."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION, refused

from pytest_firehose import FirehoseFake

ACCOUNT = "123456789012"
THROTTLED = "Rate exceeded for shard shardId-00000000000{} in stream {} under account 123456789012."
#: GetRecords' own words (REAL, tests/test_recorded_answers.py).
READ_THROTTLED = "Rate exceeded for Shard - 123456789012/{1}/shardId-00000000000{0}"
#: Partition keys whose MD5 falls in the first and the second half of the key space.
ON_0, ON_1 = "alpha", "beta"


def one_try() -> Any:
    """A client that does not retry: a refusal reaches the test as it left the fake."""
    return boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )


def error(response: dict[str, Any]) -> tuple[str, str, int]:
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    return response["Error"]["Code"], response["Error"]["Message"], status


def iterator(client: Any, shard: int = 0, stream: str = "s") -> str:
    answer = client.get_shard_iterator(
        StreamName=stream, ShardId=f"shardId-00000000000{shard}", ShardIteratorType="TRIM_HORIZON"
    )
    return str(answer["ShardIterator"])


def put(client: Any, count: int, size: int, key: str = ON_0, stream: str = "s") -> None:
    records = [{"Data": b"x" * size, "PartitionKey": key}] * count
    assert client.put_records(StreamName=stream, Records=records)["FailedRecordCount"] == 0


@pytest.fixture
def reader(fake: Any) -> Any:
    client = one_try()
    client.create_stream(StreamName="s", ShardCount=2)
    return client


def test_read_quotas_are_off_by_default(fake, reader):
    position = iterator(reader)

    answers = [reader.get_records(ShardIterator=position) for _ in range(12)]
    iterators = [iterator(reader) for _ in range(12)]
    descriptions = [reader.describe_stream(StreamName="s") for _ in range(12)]

    assert len(answers) == len(iterators) == len(descriptions) == 12


def test_a_sixth_get_records_in_a_second_on_a_shard_is_throttled(fake, reader):
    on_0, on_1 = iterator(reader, 0), iterator(reader, 1)
    fake.kinesis.enforce_read_quotas()

    for _ in range(5):
        reader.get_records(ShardIterator=on_0)
    sixth = refused(reader.get_records, ShardIterator=on_0)
    other_shard = reader.get_records(ShardIterator=on_1)
    fake.kinesis.clock.advance(seconds=1)
    next_second = reader.get_records(ShardIterator=on_0)

    assert error(sixth) == (
        "ProvisionedThroughputExceededException",
        READ_THROTTLED.format(0, "s"),
        400,
    )
    assert "Records" in other_shard
    assert "Records" in next_second


def test_reading_2_mib_uses_the_shards_second(fake, reader):
    put(reader, 4, 512 * 1024)  # 2 MiB on shard 0
    put(reader, 1, 10, key=ON_1)
    fake.kinesis.enforce_read_quotas()

    first = reader.get_records(ShardIterator=iterator(reader), Limit=3)
    rest = reader.get_records(ShardIterator=first["NextShardIterator"])  # 1.5 MiB owed: fine
    owed = refused(reader.get_records, ShardIterator=rest["NextShardIterator"])
    other_shard = reader.get_records(ShardIterator=iterator(reader, 1))
    fake.kinesis.clock.advance(seconds=1)
    next_second = reader.get_records(ShardIterator=rest["NextShardIterator"])

    assert [len(first["Records"]), len(rest["Records"])] == [3, 1]
    assert error(owed)[:2] == (
        "ProvisionedThroughputExceededException",
        READ_THROTTLED.format(0, "s"),
    )
    assert len(other_shard["Records"]) == 1
    assert next_second["Records"] == []


def read_2_mib_less_a_byte(fake: Any, reader: Any) -> dict[str, Any]:
    """Shard 0's four records, 2 MiB less a byte, read whole with the quotas on."""
    put(reader, 3, 512 * 1024)
    put(reader, 1, 512 * 1024 - 1)
    fake.kinesis.enforce_read_quotas()
    answer: dict[str, Any] = reader.get_records(ShardIterator=iterator(reader))
    return answer


def test_a_shard_that_served_a_byte_under_2_mib_serves_again_in_its_second(fake, reader):
    whole = read_2_mib_less_a_byte(fake, reader)
    again = reader.get_records(ShardIterator=whole["NextShardIterator"])

    assert len(whole["Records"]) == 4
    assert again["Records"] == []


def test_every_byte_served_counts_toward_the_shards_2_mib(fake, reader):
    whole = read_2_mib_less_a_byte(fake, reader)
    put(reader, 1, 1)
    last_byte = reader.get_records(ShardIterator=whole["NextShardIterator"])
    owed = refused(reader.get_records, ShardIterator=last_byte["NextShardIterator"])

    assert [len(whole["Records"]), len(last_byte["Records"])] == [4, 1]
    assert error(owed)[0] == "ProvisionedThroughputExceededException"


def test_a_second_paid_off_leaves_no_debt_and_no_credit(fake, reader):
    put(reader, 1, 1)
    put(reader, 1, 1, key=ON_1)
    fake.kinesis.enforce_read_quotas()
    positions = [reader.get_records(ShardIterator=iterator(reader, shard)) for shard in (0, 1)]
    fake.kinesis.clock.advance(seconds=1)
    put(reader, 3, 512 * 1024)
    put(reader, 1, 512 * 1024 - 1)  # 2 MiB less a byte on shard 0
    put(reader, 4, 512 * 1024, key=ON_1)  # 2 MiB on shard 1

    served = [reader.get_records(ShardIterator=p["NextShardIterator"]) for p in positions]
    again = reader.get_records(ShardIterator=served[0]["NextShardIterator"])
    owed = refused(reader.get_records, ShardIterator=served[1]["NextShardIterator"])

    assert [len(answer["Records"]) for answer in served] == [4, 4]
    assert again["Records"] == []
    assert error(owed)[0] == "ProvisionedThroughputExceededException"


def test_a_10_mib_answer_refuses_the_shards_reads_for_5_seconds(fake, reader):
    for _ in range(2):  # 16 records of 640 KiB: 10 MiB of data
        put(reader, 8, 640 * 1024)
    fake.kinesis.enforce_read_quotas()

    whole = reader.get_records(ShardIterator=iterator(reader))
    refusals = []
    for _ in range(4):
        fake.kinesis.clock.advance(seconds=1)
        refusals.append(error(refused(reader.get_records, ShardIterator=iterator(reader)))[0])
    fake.kinesis.clock.advance(seconds=1)
    after = reader.get_records(ShardIterator=whole["NextShardIterator"])

    assert len(whole["Records"]) == 16
    assert refusals == ["ProvisionedThroughputExceededException"] * 4
    assert after["Records"] == []


def test_bandwidth_read_before_the_clock_was_moved_back_is_owed_from_the_present():
    """freezegun moved the clock back a minute after a 2 MiB read: the shard owes that
    second's bandwidth from the present second, and serves again at the next. It owed a
    minute's more, and refused every read for that minute."""
    start = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION) as fake:
        client = one_try()
        client.create_stream(StreamName="s", ShardCount=2)
        put(client, 4, 512 * 1024)  # 2 MiB on shard 0
        fake.kinesis.enforce_read_quotas()
        whole = client.get_records(ShardIterator=iterator(client))
        frozen.move_to(start - timedelta(minutes=1))
        owed = refused(client.get_records, ShardIterator=whole["NextShardIterator"])
        frozen.move_to(start - timedelta(seconds=59))

        again = client.get_records(ShardIterator=iterator(client), Limit=1)

    assert error(owed)[0] == "ProvisionedThroughputExceededException"
    assert len(again["Records"]) == 1


def test_one_get_records_returns_at_most_10_mib(fake, reader):
    for _ in range(3):
        put(reader, 8, 640 * 1024)

    answer = reader.get_records(ShardIterator=iterator(reader))

    assert len(answer["Records"]) == 16


def test_a_get_records_answer_stops_a_byte_past_10_mib(fake, reader):
    for _ in range(2):  # 16 records of 640 KiB: 10 MiB of data
        put(reader, 8, 640 * 1024)
    put(reader, 1, 1)

    first = reader.get_records(ShardIterator=iterator(reader))
    rest = reader.get_records(ShardIterator=first["NextShardIterator"])

    assert [len(first["Records"]), len(rest["Records"])] == [16, 1]
    assert rest["Records"][0]["Data"] == b"x"


def test_a_sixth_get_shard_iterator_in_a_second_on_a_shard_is_throttled(fake, reader):
    fake.kinesis.enforce_read_quotas()

    for _ in range(5):
        iterator(reader, 0)
    sixth = refused(
        reader.get_shard_iterator,
        StreamName="s",
        ShardId="shardId-000000000000",
        ShardIteratorType="LATEST",
    )
    other_shard = iterator(reader, 1)
    fake.kinesis.clock.advance(seconds=1)
    next_second = iterator(reader, 0)

    assert error(sixth) == (
        "ProvisionedThroughputExceededException",
        THROTTLED.format(0, "s"),
        400,
    )
    assert other_shard
    assert next_second


#: Operation -> (calls a second, whether counted per stream), from the API reference.
CONTROL = {
    "DescribeStream": (10, False),
    "DescribeStreamSummary": (20, False),
    "ListStreams": (5, False),
    "ListTagsForStream": (5, False),
    "DescribeLimits": (1, False),
    "ListShards": (1000, True),
    "ListStreamConsumers": (5, True),
    "DescribeStreamConsumer": (20, True),
}


def _control_call(client: Any, operation: str, stream: str) -> Any:
    params: dict[str, Any] = {}
    if operation in ("DescribeStream", "DescribeStreamSummary", "ListTagsForStream", "ListShards"):
        params = {"StreamName": stream}
    elif operation == "ListStreamConsumers":
        params = {"StreamARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"}
    elif operation == "DescribeStreamConsumer":
        arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"
        params = {"StreamARN": arn, "ConsumerName": "c"}
    method = getattr(client, _snake(operation))
    return lambda: method(**params)


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


@pytest.mark.parametrize("operation", sorted(CONTROL))
def test_control_plane_reads_past_their_rate_are_refused(fake, reader, operation):
    reader.create_stream(StreamName="t", ShardCount=1)
    if operation == "DescribeStreamConsumer":
        for name in ("s", "t"):
            arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"
            reader.register_stream_consumer(StreamARN=arn, ConsumerName="c")
    limit, per_stream = CONTROL[operation]
    call_s, call_t = _control_call(reader, operation, "s"), _control_call(reader, operation, "t")
    fake.kinesis.enforce_read_quotas()

    for _ in range(limit):
        call_s()
    over = refused(call_s)
    if per_stream:
        call_t()  # another stream has a rate of its own
    else:
        assert error(refused(call_t))[0] == "LimitExceededException"  # the account's rate
    fake.kinesis.clock.advance(seconds=1)
    call_s()

    names = operation in ("ListStreams", "DescribeLimits")
    where = f"account {ACCOUNT}" if names else f"stream s under account {ACCOUNT}"
    assert error(over) == ("LimitExceededException", f"Rate exceeded for {where}.", 400)


def test_list_shards_pages_count_toward_their_streams_rate(fake, reader):
    fake.kinesis.enforce_read_quotas()
    for _ in range(999):
        reader.list_shards(StreamName="s", MaxResults=1)
    token = reader.list_shards(StreamName="s", MaxResults=1)["NextToken"]

    over = refused(reader.list_shards, NextToken=token)

    assert error(over)[0] == "LimitExceededException"


def test_read_quotas_turn_off_and_reach_regions_created_later(fake, reader):
    fake.kinesis.enforce_read_quotas()
    for _ in range(5):
        iterator(reader)
    fake.kinesis.enforce_read_quotas(False)
    unlimited = iterator(reader)
    fake.kinesis.enforce_read_quotas()
    elsewhere = boto3.client(
        "kinesis", region_name="eu-west-1", config=Config(retries={"total_max_attempts": 1})
    )
    elsewhere.create_stream(StreamName="s", ShardCount=1)
    for _ in range(5):
        iterator(elsewhere)
    over = refused(
        elsewhere.get_shard_iterator,
        StreamName="s",
        ShardId="shardId-000000000000",
        ShardIteratorType="LATEST",
    )

    assert unlimited
    assert error(over)[0] == "ProvisionedThroughputExceededException"


def test_botocore_retries_a_throttled_read_into_the_next_second(fake, reader, seeded_random):
    seeded_random()
    retrying = boto3.client(
        "kinesis",
        region_name=REGION,
        config=Config(retries={"mode": "standard", "total_max_attempts": 10}),
    )
    position = iterator(reader)
    fake.kinesis.enforce_read_quotas()
    for _ in range(5):
        reader.get_records(ShardIterator=position)
    started = fake.kinesis.clock.now()

    answer = retrying.get_records(ShardIterator=position)

    tries = [call for call in fake.kinesis.calls if call.operation == "GetRecords"][5:]
    assert tries[0].error == "ProvisionedThroughputExceededException"
    assert tries[-1].outcome == "ok"
    assert answer["ResponseMetadata"]["RetryAttempts"] == len(tries) - 1
    assert int(fake.kinesis.clock.now().timestamp()) > int(started.timestamp())


STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s"
#: Operations that change the account's streams: five a second each (the API reference),
#: with parameters for one call (whether it succeeds does not matter: every call counts).
CHANGES: dict[str, dict[str, Any]] = {
    "CreateStream": {"StreamName": "new", "ShardCount": 1},
    "DeleteStream": {"StreamName": "gone"},
    "SplitShard": {
        "StreamName": "s",
        "ShardToSplit": "shardId-000000000009",
        "NewStartingHashKey": "1",
    },
    "MergeShards": {
        "StreamName": "s",
        "ShardToMerge": "shardId-000000000008",
        "AdjacentShardToMerge": "shardId-000000000009",
    },
    "AddTagsToStream": {"StreamName": "s", "Tags": {"team": "data"}},
    "RemoveTagsFromStream": {"StreamName": "s", "TagKeys": ["team"]},
    "RegisterStreamConsumer": {"StreamARN": STREAM_ARN, "ConsumerName": "c"},
    "DeregisterStreamConsumer": {"StreamARN": STREAM_ARN, "ConsumerName": "gone"},
}


@pytest.mark.parametrize("operation", sorted(CHANGES))
def test_control_plane_changes_past_five_a_second_are_refused(fake, reader, operation):
    method = getattr(reader, _snake(operation))
    fake.kinesis.enforce_read_quotas()

    refusals = []
    for _ in range(5):
        try:
            method(**CHANGES[operation])
        except ClientError as refusal:  # a refusal for another reason still counts
            refusals.append(error(refusal.response)[1])
    over = refused(method, **CHANGES[operation])
    fake.kinesis.clock.advance(seconds=1)
    next_second = ""
    try:
        method(**CHANGES[operation])
    except ClientError as refusal:  # refused for its own reason, not for the rate
        next_second = error(refusal.response)[1]
    assert not next_second.startswith("Rate exceeded")

    assert not [message for message in refusals if message.startswith("Rate exceeded")]
    code, message, status = error(over)
    assert (code, status) == ("LimitExceededException", 400)
    assert message.startswith("Rate exceeded for ")


def test_a_reset_turns_the_read_quotas_off(fake, reader):
    fake.kinesis.enforce_read_quotas()
    fake.world.reset()  # what the local server's POST /_fake/reset does
    reader.create_stream(StreamName="s", ShardCount=1)

    iterators = [iterator(reader) for _ in range(12)]

    assert len(set(iterators)) == 12
