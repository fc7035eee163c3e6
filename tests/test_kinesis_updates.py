"""Kinesis changes on the fake clock: how long a stream stays UPDATING (``update_delay``),
UpdateShardCount's per-stream limits, DeleteStream of a stream still CREATING, and which
SequenceNumberForOrdering PutRecord accepts."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from botocore.config import Config
from conftest import REGION, refused
from test_kinesis_api import ACCOUNT, error, fits

from pytest_firehose import FirehoseFake
from pytest_firehose._engine.config import WorldConfig
from pytest_firehose._errors import UsageError

ONE_TRY = Config(retries={"total_max_attempts": 1})


def scale(client: Any, target: int) -> dict[str, Any]:
    answer: dict[str, Any] = client.update_shard_count(
        StreamName="s", TargetShardCount=target, ScalingType="UNIFORM_SCALING"
    )
    return answer


def status(client: Any) -> str:
    return str(
        client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]["StreamStatus"]
    )


# --------------------------------------------------------------------------- update_delay


def test_update_delay_is_how_long_a_reshard_keeps_the_stream_updating():
    with FirehoseFake(region=REGION, creation_delay=30, update_delay=5) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        fake.kinesis.clock.advance(seconds=30)
        scale(client, 2)
        during = status(client)
        fake.kinesis.clock.advance(seconds=5)

        assert (during, status(client), len(fake.kinesis["s"].open_shards)) == (
            "UPDATING",
            "ACTIVE",
            2,
        )


def test_update_delay_zero_reshards_at_once_whatever_the_creation_delay():
    with FirehoseFake(region=REGION, creation_delay=30, update_delay=0) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        fake.kinesis.clock.advance(seconds=30)
        scale(client, 2)

        assert (status(client), len(fake.kinesis["s"].open_shards)) == ("ACTIVE", 2)


def test_without_update_delay_the_creation_delay_applies():
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        fake.kinesis.clock.advance(seconds=30)
        scale(client, 2)
        fake.kinesis.clock.advance(seconds=29)

        assert status(client) == "UPDATING"


@pytest.mark.parametrize("delay", [-1, True, "5"])
def test_update_delay_is_seconds_of_fake_time(delay):
    with pytest.raises(UsageError) as caught:
        WorldConfig(update_delay=delay)  # type: ignore[arg-type]

    assert str(caught.value) == f"update_delay is seconds of fake time (0 or more), not {delay!r}"


def test_the_ini_option_and_the_settings_marker_set_update_delay(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nfirehose_update_delay = 7\n")
    pytester.makepyfile(
        """
        import pytest

        def updating_for(kinesis):
            stream = kinesis.create_stream("s", 1)
            stream.update_shard_count(2)
            kinesis.clock.advance(seconds=6)
            during = stream.status
            kinesis.clock.advance(seconds=1)
            return during, stream.status

        def test_ini(kinesis):
            assert updating_for(kinesis) == ("UPDATING", "ACTIVE")

        @pytest.mark.firehose_settings(update_delay=0)
        def test_marker(kinesis):
            assert updating_for(kinesis) == ("ACTIVE", "ACTIVE")
        """
    )

    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_a_bad_update_delay_ini_option_is_a_usage_error(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nfirehose_update_delay = soon\n")
    pytester.makepyfile("def test_nothing(kinesis): pass")

    result = pytester.runpytest()

    result.stderr.fnmatch_lines(["*firehose_update_delay must be a number of seconds, not 'soon'*"])


# --------------------------------------------------------------------------- UpdateShardCount


def test_update_shard_count_scales_ten_times_in_any_24_hours(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    for target in (2, 1) * 5:
        fits("UpdateShardCount", scale(kinesis_client, target))
        fake.kinesis.clock.advance(hours=2)
    eleventh = refused(scale, client=kinesis_client, target=2)
    fake.kinesis.clock.advance(hours=4, seconds=1)  # the first scaling is 24 hours old
    scale(kinesis_client, 2)

    assert error(eleventh) == (
        "LimitExceededException",
        f"UpdateShardCount cannot scale stream s under account {ACCOUNT} more than 10 times "
        "in a rolling 24-hour period.",
        400,
    )
    assert len(fake.kinesis["s"].open_shards) == 2


def test_a_scaling_counts_for_exactly_24_hours(fake):
    # No retry: botocore backs off a LimitExceededException in fake time.
    client = boto3.client("kinesis", region_name=REGION, config=ONE_TRY)
    client.create_stream(StreamName="s", ShardCount=1)
    for target in (2, 1) * 5:
        scale(client, target)
    fake.kinesis.clock.advance(hours=24, milliseconds=-1)
    still_counted = refused(scale, client=client, target=2)
    fake.kinesis.clock.advance(milliseconds=1)  # the ten scalings are 24 hours old

    scale(client, 2)

    assert error(still_counted)[0] == "LimitExceededException"
    assert len(fake.kinesis["s"].open_shards) == 2


def test_a_refused_update_shard_count_is_not_counted(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    for _ in range(12):
        refused(scale, client=kinesis_client, target=5)  # over double
    for target in (2, 1) * 5:
        scale(kinesis_client, target)

    assert len(fake.kinesis["s"].open_shards) == 1


def test_update_shard_count_stops_at_10000_shards_in_a_stream():
    with FirehoseFake(region=REGION) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        fake.world.kinesis().shard_limit = 30_000
        client.create_stream(StreamName="s", ShardCount=6000)

        over = refused(scale, client=client, target=10_001)
        scale(client, 10_000)
        # Not more than 10,000: it may be scaled (to its own count, docs/kinesis.md).
        again = scale(client, 10_000)

    assert error(over) == (
        "LimitExceededException",
        "UpdateShardCount cannot scale up over 10000 shards in a stream. Current open shard "
        "count: 6000, Target shard count: 10001",
        400,
    )
    assert (again["CurrentShardCount"], again["TargetShardCount"]) == (10_000, 10_000)
    assert len(fake.kinesis["s"].open_shards) == 10_000


def test_a_stream_over_10000_shards_scales_down_only_below_10000():
    with FirehoseFake(region=REGION) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        fake.world.kinesis().shard_limit = 30_000
        client.create_stream(StreamName="s", ShardCount=10_000)
        shard = fake.kinesis["s"].open_shards[0]
        client.split_shard(
            StreamName="s",
            ShardToSplit=shard.shard_id,
            NewStartingHashKey=str(shard.ending_hash_key // 2),
        )

        still_big = refused(scale, client=client, target=10_000)
        unchanged = refused(scale, client=client, target=10_001)
        scale(client, 9_999)

    assert error(still_big) == (
        "LimitExceededException",
        "UpdateShardCount cannot scale down a stream of more than 10000 shards unless the "
        "result is less than 10000 shards. Current open shard count: 10001, Target shard "
        "count: 10000",
        400,
    )
    assert error(unchanged)[1].startswith(
        "UpdateShardCount cannot scale down a stream of more than 10000 shards"
    )
    assert len(fake.kinesis["s"].open_shards) == 9_999


# --------------------------------------------------------------------------- DeleteStream


def test_a_stream_deleted_while_creating_is_deleting_until_gone():
    # REAL: kinesalite's deleteStream test "should allow stream to be deleted while it is
    # being created", run against AWS: DescribeStream then shows DELETING and no shards.
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        client.delete_stream(StreamName="s")
        described = fits("DescribeStream", client.describe_stream(StreamName="s"))
        listed = client.list_streams()["StreamNames"]
        put = refused(client.put_record, StreamName="s", Data=b"x", PartitionKey="k")
        client.delete_stream(StreamName="s")  # again: still DELETING
        fake.kinesis.clock.advance(seconds=30)
        gone = refused(client.describe_stream, StreamName="s")

    description = described["StreamDescription"]
    assert (description["StreamStatus"], description["Shards"]) == ("DELETING", [])
    assert description["HasMoreShards"] is False
    assert listed == ["s"]
    assert error(put)[0] == error(gone)[0] == "ResourceNotFoundException"


def test_an_active_stream_is_deleted_at_once(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    kinesis_client.delete_stream(StreamName="s")

    assert kinesis_client.list_streams()["StreamNames"] == []


# --------------------------------------------------------------------------- ordering


def hex_number(text: str) -> str:
    return str(int(text, 16))


# kinesalite's putRecord tests, run against AWS.
ACCEPTED = {
    "version 2, all 0": "20000000000000000000000000000000000000000000002",
    "version 1, all 0": "20000000000000000000000000000000000000000000001",
    "version 2, 8 near the end": "20000000000000000000000000000000000000800000002",
}
REFUSED = {
    "version 0 in the band": "20000000000000000000000000000000000000000000000",
    "version 4": "20000000000000000000000000000000000000000000004",
    "version 3": "20000000000000000000000000000000000000000000003",
    "initial 3": "30000000000000000000000000000000000000000000001",
    "initial 1": "1ffffffffff7fffffffffffffff000000000007fffffff2",
    "8 in the index": "20000000000800000000000000000000000000000000002",
    "a large date": "13bb2cc3d80000000000000000000000",
    "all f": "2ffffffffff7fffffffffffffff000000000007fffffff2",
}


@pytest.mark.parametrize("number", ACCEPTED.values(), ids=ACCEPTED)
def test_put_record_accepts_these_sequence_numbers_for_ordering(fake, kinesis_client, number):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    answer = kinesis_client.put_record(
        StreamName="s", Data=b"x", PartitionKey="a", SequenceNumberForOrdering=hex_number(number)
    )

    assert answer["ShardId"] == "shardId-000000000000"


@pytest.mark.parametrize("number", REFUSED.values(), ids=REFUSED)
def test_put_record_refuses_these_sequence_numbers_for_ordering(fake, kinesis_client, number):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    answer = refused(
        kinesis_client.put_record,
        StreamName="s",
        Data=b"x",
        PartitionKey="a",
        SequenceNumberForOrdering=hex_number(number),
    )

    assert error(answer) == (
        "InvalidArgumentException",
        f"ExclusiveMinimumSequenceNumber {hex_number(number)} used in PutRecord on stream s "
        f"under account {ACCOUNT} is invalid.",
        400,
    )
    assert fake.kinesis["s"].records == []


def test_a_sequence_number_that_arrives_in_the_future_is_refused(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    issued = kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="a")[
        "SequenceNumber"
    ]
    arrived = (int(issued) >> 36) & (2**36 - 1)
    ahead = str(int(issued) + (60 << 36))  # the same number, arriving a minute later

    refusal = refused(
        kinesis_client.put_record,
        StreamName="s",
        Data=b"y",
        PartitionKey="a",
        SequenceNumberForOrdering=ahead,
    )
    fake.kinesis.clock.advance(seconds=60)
    answer = kinesis_client.put_record(
        StreamName="s", Data=b"y", PartitionKey="a", SequenceNumberForOrdering=ahead
    )

    assert arrived == int(fake.kinesis["s"].records[0].arrived_at.timestamp())
    assert error(refusal)[0] == "InvalidArgumentException"
    assert int(answer["SequenceNumber"]) > int(issued)


def test_a_number_issued_before_the_clock_was_moved_back_is_accepted_for_ordering():
    """freezegun moved the clock back after a put: the number that put was answered with
    arrived "in the future" now, but the fake issued it, so it orders the next put. One
    arriving after the latest time the clock showed is still refused. The issued one was
    refused as invalid."""
    start = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION):
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        frozen.move_to(start + timedelta(minutes=10))
        issued = client.put_record(StreamName="s", Data=b"x", PartitionKey="a")["SequenceNumber"]
        frozen.move_to(start + timedelta(minutes=5))

        answer = client.put_record(
            StreamName="s", Data=b"y", PartitionKey="a", SequenceNumberForOrdering=issued
        )
        ahead = str(int(issued) + (1 << 36))  # arriving a second after the record
        refusal = refused(
            client.put_record,
            StreamName="s",
            Data=b"z",
            PartitionKey="a",
            SequenceNumberForOrdering=ahead,
        )

    assert int(answer["SequenceNumber"]) > int(issued)
    assert error(refusal)[0] == "InvalidArgumentException"


def test_a_record_put_after_an_ordering_number_ahead_of_the_shard_is_numbered_past_it(
    fake, kinesis_client
):
    # DOC (PutRecord): the record's sequence number is greater than its
    # SequenceNumberForOrdering, also when that number lies ahead of the shard's records.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    issued = int(kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="a")[
        "SequenceNumber"
    ])  # fmt: skip
    ahead = str(issued + (1000 << 80))  # the same shard and second, 1,000 indexes later

    answer = kinesis_client.put_record(
        StreamName="s", Data=b"y", PartitionKey="a", SequenceNumberForOrdering=ahead
    )
    after = kinesis_client.put_record(StreamName="s", Data=b"z", PartitionKey="a")

    assert int(ahead) < int(answer["SequenceNumber"]) < int(after["SequenceNumber"])


#: Where a version-2 sequence number keeps its shard's creation time (hex digits 2 to 10).
CREATED_AT = 148
CREATED_MASK = (1 << 36) - 1 << CREATED_AT


@pytest.mark.parametrize(
    ("created", "taken"),
    [(16_025_174_999, True), (16_025_175_000, False)],
    ids=["last second before 2477", "2477"],
)
def test_put_record_refuses_an_ordering_number_of_a_shard_created_from_2477_on(
    fake, kinesis_client, created, taken
):
    # kinesalite's "Date too large" boundary, which its putRecord tests found against AWS.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    issued = int(kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="a")[
        "SequenceNumber"
    ])  # fmt: skip
    number = str(issued & ~CREATED_MASK | created << CREATED_AT)

    put = functools.partial(kinesis_client.put_record, StreamName="s", Data=b"y", PartitionKey="a")
    answer = (
        put(SequenceNumberForOrdering=number)
        if taken
        else refused(put, SequenceNumberForOrdering=number)
    )

    if taken:
        assert answer["ShardId"] == "shardId-000000000000"
        assert fake.kinesis["s"].records == [b"x", b"y"]
    else:
        assert error(answer) == (
            "InvalidArgumentException",
            f"ExclusiveMinimumSequenceNumber {number} used in PutRecord on stream s under "
            f"account {ACCOUNT} is invalid.",
            400,
        )
        assert fake.kinesis["s"].records == [b"x"]


def test_a_sequence_number_arriving_even_a_second_from_now_is_refused(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    refusals = []
    for _ in range(2):  # an even and an odd second
        fake.kinesis.clock.advance(seconds=1)
        issued = int(kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="a")[
            "SequenceNumber"
        ])  # fmt: skip
        now = str(issued + (1 << 80))  # the next index, arriving this second
        later = str(issued + (1 << 36))
        taken = kinesis_client.put_record(
            StreamName="s", Data=b"y", PartitionKey="a", SequenceNumberForOrdering=now
        )
        refusal = refused(
            kinesis_client.put_record,
            StreamName="s",
            Data=b"z",
            PartitionKey="a",
            SequenceNumberForOrdering=later,
        )
        assert int(taken["SequenceNumber"]) > int(now)
        refusals.append((error(refusal)[:2], later))

    assert [refusal for refusal, _ in refusals] == [
        (
            "InvalidArgumentException",
            f"ExclusiveMinimumSequenceNumber {later} used in PutRecord on stream s under "
            f"account {ACCOUNT} is invalid.",
        )
        for _, later in refusals
    ]
    assert fake.kinesis["s"].records == [b"x", b"y"] * 2


@pytest.mark.parametrize(
    "number",
    [
        "0",
        "1",
        "12345",
        hex_number("1" + "0" * 31),
        # ends in 2, as a version-2 number does, with every bit set where version 2 keeps
        # its arrival time: version 0 has no arrival time to be in the future
        str((1 << 36) - 1 << 36 | 2),
    ],
)
def test_put_record_takes_a_version_0_sequence_number_for_ordering(fake, kinesis_client, number):
    # "0" is what producers send before they hold a number (the model's pattern for the
    # member is 0|([1-9]\d{0,128})); it and every other version-0 number lie below any
    # number AWS issues now, so the record is put as if none had been given.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    first = kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="a")

    answer = kinesis_client.put_record(
        StreamName="s", Data=b"y", PartitionKey="a", SequenceNumberForOrdering=number
    )

    assert int(answer["SequenceNumber"]) > int(first["SequenceNumber"])
    assert fake.kinesis["s"].records == [b"x", b"y"]
