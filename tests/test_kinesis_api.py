"""Kinesis Data Streams through boto3: shards and routing, sequence numbers, limits, failures,
the control plane, waiters and (last) per-shard write quotas. AWS_SEMANTICS.md sections 8-9.
"""

from __future__ import annotations

import bisect
import functools
import gc
import hashlib
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.validate import validate_parameters
from conftest import REGION, SEED, refused

from pytest_firehose import FirehoseFake
from pytest_firehose._services.kinesis.records import KinesisRecord, sequence_number
from pytest_firehose._services.kinesis.streams import ROUTES_KEPT

ACCOUNT = "123456789012"
TOP = "340282366920938463463374607431768211455"  # 2**128 - 1
MIB = 1024 * 1024
NOT_FOUND = "Stream {} under account 123456789012 not found."
THROTTLED = "Rate exceeded for shard shardId-{:012d} in stream s under account 123456789012."
#: md5("alpha") is below 2**127 and md5("beta") above: shards 0 and 1 of a 2-shard stream.
ON_0, ON_1 = "alpha", "beta"


def md5_of(key: str) -> int:
    return int.from_bytes(hashlib.md5(key.encode()).digest(), "big")


def error(response: dict[str, Any]) -> tuple[str, str, int]:
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    return response["Error"]["Code"], response["Error"]["Message"], status


def client_with(**retries: Any) -> Any:
    return boto3.client("kinesis", region_name=REGION, config=Config(retries=retries))


@functools.cache
def _model() -> Any:
    return boto3.client("kinesis", region_name=REGION).meta.service_model


def fits(operation: str, answer: dict[str, Any]) -> dict[str, Any]:
    """``answer``, checked against botocore's output shape for ``operation`` (as Stubber)."""
    body = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    for key in ("StreamDescription", "StreamDescriptionSummary"):
        if key in body:  # REAL answers carry an empty ShardLevelMetrics; the model says min 1
            (monitoring,) = body[key]["EnhancedMonitoring"]
            if monitoring == {"ShardLevelMetrics": []}:
                body[key] = {**body[key], "EnhancedMonitoring": [{"ShardLevelMetrics": ["ALL"]}]}
    validate_parameters(body, _model().operation_model(operation).output_shape)
    return answer


def puts(fake: FirehoseFake, operation: str = "PutRecords") -> list[Any]:
    return [call for call in fake.kinesis.calls if call.operation == operation]


def entries(*payloads: bytes, key: str = "k") -> list[dict[str, Any]]:
    return [{"Data": p, "PartitionKey": key} for p in payloads]


# --------------------------------------------------------------------------- shards, routing

#: (StartingHashKey, EndingHashKey) per shard count: section 8's even split; N=3 is REAL.
RANGES = {
    1: [("0", TOP)],
    2: [("0", "170141183460469231731687303715884105727"),
        ("170141183460469231731687303715884105728", TOP)],
    3: [("0", "113427455640312821154458202477256070484"),
        ("113427455640312821154458202477256070485", "226854911280625642308916404954512140969"),
        ("226854911280625642308916404954512140970", TOP)],
    4: [("0", "85070591730234615865843651857942052863"),
        ("85070591730234615865843651857942052864", "170141183460469231731687303715884105727"),
        ("170141183460469231731687303715884105728", "255211775190703847597530955573826158591"),
        ("255211775190703847597530955573826158592", TOP)],
    5: [("0", "68056473384187692692674921486353642290"),
        ("68056473384187692692674921486353642291", "136112946768375385385349842972707284581"),
        ("136112946768375385385349842972707284582", "204169420152563078078024764459060926872"),
        ("204169420152563078078024764459060926873", "272225893536750770770699685945414569163"),
        ("272225893536750770770699685945414569164", TOP)],
}  # fmt: skip


@pytest.mark.parametrize("count", sorted(RANGES))
def test_shards_split_the_hash_key_space_evenly(fake, kinesis_client, count):
    kinesis_client.create_stream(StreamName="s", ShardCount=count)

    described = fits("DescribeStream", kinesis_client.describe_stream(StreamName="s"))
    listed = fits("ListShards", kinesis_client.list_shards(StreamName="s"))

    for shards in (described["StreamDescription"]["Shards"], listed["Shards"]):
        assert [s["ShardId"] for s in shards] == [f"shardId-{i:012d}" for i in range(count)]
        keys = [tuple(s["HashKeyRange"].values()) for s in shards]
        assert keys == RANGES[count]
    handle = fake.kinesis["s"].shards
    assert [(str(s.starting_hash_key), str(s.ending_hash_key)) for s in handle] == RANGES[count]


def test_create_stream_without_shard_count_is_on_demand_with_4_shards(kinesis_client):
    kinesis_client.create_stream(StreamName="s")

    summary = kinesis_client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert summary["OpenShardCount"] == 4


KEYS = ["alpha", "beta", "gamma", "delta", "epsilon", "0", "user-42", "order/7", "ü-ключ"]


def test_partition_keys_route_by_the_md5_of_their_utf8_bytes(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=3)
    bounds = [(int(low), int(high)) for low, high in RANGES[3]]
    shard_of = {k: next(i for i, (lo, hi) in enumerate(bounds) if lo <= md5_of(k) <= hi)
                for k in KEYS}  # fmt: skip
    assert set(shard_of.values()) == {0, 1, 2}, "the keys should reach every shard"
    assert (md5_of(ON_0) >> 127, md5_of(ON_1) >> 127) == (0, 1)  # what the other tests assume

    for key in KEYS:
        answer = kinesis_client.put_record(StreamName="s", Data=key.encode(), PartitionKey=key)
        assert answer["ShardId"] == f"shardId-{shard_of[key]:012d}", key

    for index, shard in enumerate(fake.kinesis["s"].shards):
        assert shard.records == [k.encode() for k in KEYS if shard_of[k] == index]


def test_keys_put_again_and_past_what_a_stream_remembers_route_by_md5(fake, kinesis_client):
    """A stream remembers the shard of keys it has seen (ROUTES_KEPT of them): keys put
    again, and more keys than it keeps, still go where their MD5 says."""
    kinesis_client.create_stream(StreamName="s", ShardCount=4)
    starts = [int(low) for low, _ in RANGES[4]]
    keys = [f"key-{index}" for index in range(ROUTES_KEPT + 100)]

    for _ in range(2):
        for first in range(0, len(keys), 500):
            chunk = keys[first : first + 500]
            records = [{"Data": b"x", "PartitionKey": key} for key in chunk]
            answer = kinesis_client.put_records(StreamName="s", Records=records)
            shards = [record["ShardId"] for record in answer["Records"]]
            expected = [f"shardId-{bisect.bisect_right(starts, md5_of(k)) - 1:012d}" for k in chunk]
            assert shards == expected

    assert len(fake.kinesis["s"].records) == 2 * len(keys)


HUGE = str(2**128)


@pytest.mark.parametrize(
    ("hash_key", "shard"),
    [("0", 0), (RANGES[3][0][1], 0), (RANGES[3][1][0], 1), (RANGES[3][2][0], 2), (TOP, 2),
     (HUGE, None)],
    ids=["zero", "end-of-0", "start-of-1", "start-of-2", "2**128-1", "2**128"],
)  # fmt: skip
@pytest.mark.parametrize("batch", [False, True], ids=["PutRecord", "PutRecords"])
def test_an_explicit_hash_key_overrides_the_partition_key(
    fake, kinesis_client, hash_key, shard, batch
):
    kinesis_client.create_stream(StreamName="s", ShardCount=3)
    entry = {"Data": b"x", "PartitionKey": "alpha", "ExplicitHashKey": hash_key}

    def put() -> dict[str, Any]:
        if batch:
            return kinesis_client.put_records(StreamName="s", Records=[entry])["Records"][0]
        return kinesis_client.put_record(StreamName="s", **entry)

    if shard is not None:
        assert put()["ShardId"] == f"shardId-{shard:012d}"
        return
    assert error(refused(put)) == (
        "InvalidArgumentException",
        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
        f"Specified value was {HUGE}",
        400,
    )
    assert fake.kinesis["s"].records == []


# --------------------------------------------------------------------------- sequence numbers


def test_sequence_numbers_are_56_digits_and_increase_strictly_within_a_shard(kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=2)

    by_shard: dict[str, list[int]] = {}
    for round_ in range(3):
        records = [{"Data": b"%d" % round_, "PartitionKey": k} for k in [ON_0, ON_1] * 2]
        for record in kinesis_client.put_records(StreamName="s", Records=records)["Records"]:
            assert re.fullmatch(r"\d{56}", record["SequenceNumber"])
            by_shard.setdefault(record["ShardId"], []).append(int(record["SequenceNumber"]))

    first, second = by_shard["shardId-000000000000"], by_shard["shardId-000000000001"]
    assert len(first) == len(second) == 6
    assert (first, second) == (sorted(set(first)), sorted(set(second)))
    assert not set(first) & set(second)


def test_a_sequence_number_holds_its_shard_and_times_where_aws_keeps_them(fake, kinesis_client):
    # The version-2 layout (AWS_SEMANTICS.md section 8), read as 47 hex digits: 2, the
    # shard's creation second, the shard index's low digit, the sequence index, 00, the
    # record's arrival second, the shard index, 2.
    kinesis_client.create_stream(StreamName="s", ShardCount=18)
    created = kinesis_client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"][
        "StreamCreationTimestamp"
    ]
    fake.kinesis.clock.advance(seconds=1000)
    (shard,) = kinesis_client.list_shards(StreamName="s")["Shards"][17:]
    answer = kinesis_client.put_record(
        StreamName="s",
        Data=b"x",
        PartitionKey="a",
        ExplicitHashKey=shard["HashKeyRange"]["StartingHashKey"],
    )
    (record,) = fake.kinesis["s"].records

    digits = f"{int(answer['SequenceNumber']):x}"
    fields = [digits[0], digits[1:10], digits[10], digits[11:27], digits[27:29]]
    fields += [digits[29:38], digits[38:46], digits[46]]
    assert answer["ShardId"] == "shardId-000000000017"
    assert fields == [
        "2",
        f"{int(created.timestamp()):09x}",
        "1",
        f"{1:016x}",  # the first record of the stream
        "00",
        f"{int(record.arrived_at.timestamp()):09x}",
        f"{17:08x}",
        "2",
    ]
    assert int(record.arrived_at.timestamp()) == int(created.timestamp()) + 1000


def sequence_index(number: str) -> int:
    """The index field of a version-2 sequence number (hex digits 12 to 27 of 47)."""
    return int(f"{int(number):x}"[11:27], 16)


def test_a_shard_numbers_the_records_of_one_put_one_after_the_other(kinesis_client):
    # kinesalite's AWS-validated "should work with mixed values": a 3-shard stream takes
    # records for shards 0, 1, 2, 1, 2, 1, 2 in one PutRecords; each shard's records carry
    # consecutive sequence indexes, whatever went to other shards in between.
    kinesis_client.create_stream(StreamName="s", ShardCount=3)
    targets = [0, 1, 2, 1, 2, 1, 2]
    records = [
        {"Data": b"r", "PartitionKey": "a", "ExplicitHashKey": RANGES[3][shard][0]}
        for shard in targets
    ]
    answer = kinesis_client.put_records(StreamName="s", Records=records)["Records"]

    assert [record["ShardId"] for record in answer] == [f"shardId-{i:012d}" for i in targets]
    for shard in (1, 2):
        indexes = [sequence_index(r["SequenceNumber"]) for r in answer[shard::2]]
        assert indexes == list(range(indexes[0], indexes[0] + 3))


def test_the_shards_of_a_stream_number_their_records_from_one_counter(kinesis_client):
    # kinesalite's "should safely put concurrent, sequential records", passing against
    # Kinesis from 2015 to 2018: puts alternating between shards 0 and 1 of a 3-shard
    # stream carry indexes that, sorted, follow one another without a gap or a repeat.
    kinesis_client.create_stream(StreamName="s", ShardCount=3)

    def put(key: str) -> int:
        answer = kinesis_client.put_record(StreamName="s", Data=b"", PartitionKey=key)
        return sequence_index(answer["SequenceNumber"])

    indexes = [put(key) for _ in range(20) for key in ("a", "b")]

    assert sorted(indexes) == list(range(min(indexes), min(indexes) + 40))


def test_puts_to_one_shard_one_after_the_other_carry_consecutive_indexes(kinesis_client):
    # The stream's one counter, with no other shard drawing from it in between.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    numbers = [
        kinesis_client.put_record(StreamName="s", Data=b"", PartitionKey="k")["SequenceNumber"]
        for _ in range(3)
    ]
    batch = kinesis_client.put_records(StreamName="s", Records=entries(b"", b""))["Records"]
    numbers += [record["SequenceNumber"] for record in batch]
    numbers.append(
        kinesis_client.put_record(StreamName="s", Data=b"", PartitionKey="k")["SequenceNumber"]
    )

    indexes = [sequence_index(number) for number in numbers]
    assert indexes == list(range(indexes[0], indexes[0] + 6))


def test_a_record_reads_what_the_put_answered_and_each_takes_its_own_changes(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    records = [{"Data": b"r", "PartitionKey": key} for key in [ON_1, ON_1, ON_0]]
    answer = kinesis_client.put_records(StreamName="s", Records=records)["Records"]
    first, second, third = fake.kinesis["s"].records

    assert [(r.sequence_number, r.shard_id) for r in (first, second, third)] == [
        (a["SequenceNumber"], a["ShardId"]) for a in answer
    ]
    assert first.arrived_at == second.arrived_at == third.arrived_at
    assert first.encryption == "NONE"
    # The records one shard took in one put share what they have in common; giving one
    # of them its own value leaves the others as they were.
    later = first.arrived_at + timedelta(seconds=1)
    first.shard_id, first.arrived_at, first.encryption = "shardId-000000000009", later, "KMS"
    assert (first.shard_id, first.arrived_at, first.encryption) == (
        "shardId-000000000009",
        later,
        "KMS",
    )
    assert (second.shard_id, second.arrived_at, second.encryption) == (
        "shardId-000000000001",
        third.arrived_at,
        "NONE",
    )
    assert first.sequence_number == answer[0]["SequenceNumber"]


def test_records_a_stream_holds_are_not_objects_the_garbage_collector_visits(fake, kinesis_client):
    # A suite holding many records would otherwise pay for each at every full collection.
    kinesis_client.create_stream(StreamName="s", ShardCount=4)
    records = [{"Data": b"r", "PartitionKey": str(key)} for key in range(500)]
    kinesis_client.put_records(StreamName="s", Records=records)
    gc.collect()
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(4):
        kinesis_client.put_records(StreamName="s", Records=records)
    # A collection stops tracking a record once it has seen its parts untracked: on some
    # Pythons (3.13) that takes a second one.
    gc.collect()
    gc.collect()
    assert len(gc.get_objects()) - before < 100
    assert len(fake.kinesis["s"].records) == 2_500


def test_a_record_made_by_hand_reads_as_given():
    arrived = datetime(2024, 5, 1, tzinfo=timezone.utc)
    created = arrived - timedelta(days=1)
    frame = sequence_number(created, 3, 0, arrived)

    record = KinesisRecord(b"x", "k", int(frame), "shardId-000000000003", arrived, "7", 9, 2)

    assert record == b"x"
    assert record.sequence_number == sequence_number(created, 3, 9, arrived)
    assert (record.partition_key, record.explicit_hash_key) == ("k", "7")
    assert (record.shard_id, record.arrived_at, record.encryption) == (
        "shardId-000000000003",
        arrived,
        "NONE",
    )
    assert (record.sequence_index, record.commit_index) == (9, 2)
    assert repr(record) == "KinesisRecord(b'x', shard_id='shardId-000000000003')"


def test_a_record_made_by_hand_without_indexes_has_index_0():
    arrived = datetime(2024, 5, 1, tzinfo=timezone.utc)
    frame = sequence_number(arrived - timedelta(days=1), 3, 0, arrived)

    record = KinesisRecord(b"x", None, int(frame), "shardId-000000000003", arrived)

    assert record.sequence_number == frame
    assert (record.sequence_index, record.commit_index) == (0, 0)
    assert (record.partition_key, record.explicit_hash_key, record.encryption) == (
        None,
        None,
        "NONE",
    )


def test_sequence_number_for_ordering(kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    first = kinesis_client.put_record(StreamName="s", Data=b"1", PartitionKey=ON_0)
    other = kinesis_client.put_record(StreamName="s", Data=b"o", PartitionKey=ON_1)

    def after(number: str) -> int:
        answer = kinesis_client.put_record(
            StreamName="s", Data=b"x", PartitionKey=ON_0, SequenceNumberForOrdering=number
        )
        return int(answer["SequenceNumber"])

    same = after(first["SequenceNumber"])
    across = after(other["SequenceNumber"])  # another shard's number is accepted
    invalid = refused(after, number=str(2**129))  # no version's layout

    assert int(first["SequenceNumber"]) < same < across
    assert error(invalid) == (
        "InvalidArgumentException",
        f"ExclusiveMinimumSequenceNumber {2**129} used in PutRecord on stream s under account "
        f"{ACCOUNT} is invalid.",
        400,
    )


def test_an_ordering_number_whose_shard_creation_time_has_its_top_bit_set_is_refused(
    kinesis_client,
):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    # Version 2, shard created 2**35 seconds after 2020-09-13 (past what AWS reads as a date),
    # record arrived then too: only the creation-time field's top bit is out of range.
    seconds = 1_600_000_000
    number = str(2 << 184 | ((1 << 35) + seconds) << 148 | seconds << 36 | 2)

    answer = refused(
        kinesis_client.put_record,
        StreamName="s",
        Data=b"x",
        PartitionKey=ON_0,
        SequenceNumberForOrdering=number,
    )

    assert error(answer) == (
        "InvalidArgumentException",
        f"ExclusiveMinimumSequenceNumber {number} used in PutRecord on stream s under account "
        f"{ACCOUNT} is invalid.",
        400,
    )


# --------------------------------------------------------------------------- limits


def _too_long(path: str, limit: int, value: str | None = None) -> str:
    shown = f"Value '{value}' at" if value is not None else "Value at"
    return (
        f"1 validation error detected: {shown} '{path}' failed to satisfy constraint: "
        f"Member must have length less than or equal to {limit}"
    )


LIMITS = {
    "501-records": ("put_records", {"Records": entries(*[b"x"] * 501)},
                    "ValidationException", _too_long("records", 500)),
    "record-of-1-MiB-plus-its-key": (
        "put_records", {"Records": [*entries(b"ok"), *entries(b"x" * (MIB - 1), key="ab")]},
        "ValidationException", _too_long("records.2.member.data", MIB)),
    "put-record-over-1-MiB": ("put_record", {"Data": b"x" * MIB, "PartitionKey": "k"},
                              "ValidationException", _too_long("data", MIB)),
    "partition-key-257": ("put_records", {"Records": entries(b"x", key="p" * 257)},
                          "ValidationException",
                          _too_long("records.1.member.partitionKey", 256, "p" * 257)),
    "put-record-partition-key-257": ("put_record", {"Data": b"x", "PartitionKey": "p" * 257},
                                     "ValidationException",
                                     _too_long("partitionKey", 256, "p" * 257)),
    "request-1-byte-over-10-MiB": (
        "put_records", {"Records": entries(b"x" * (MIB - 2)) * 10 + entries(b"x" * 10)},
        "InvalidArgumentException", "Records size exceeds 10 MB limit"),
    "request-over-10-MiB": ("put_records", {"Records": entries(*[b"x" * 1_000_000] * 11)},
                            "InvalidArgumentException", "Records size exceeds 10 MB limit"),
}  # fmt: skip


@pytest.mark.parametrize(("method", "params", "code", "message"), LIMITS.values(), ids=LIMITS)
def test_limits_refuse_the_whole_request(fake, kinesis_client, method, params, code, message):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    response = refused(getattr(kinesis_client, method), StreamName="s", **params)

    assert error(response) == (code, message, 400)
    assert fake.kinesis["s"].records == []


def test_a_record_without_a_partition_key_is_refused_as_null(fake, kinesis_client):
    # Where botocore's model requires PartitionKey the front end refuses the null; where a
    # newer model lets AUTO streams leave it out, the put's own checks word it the same.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    unchecked = boto3.client(
        "kinesis", region_name=REGION, config=Config(parameter_validation=False)
    )

    single = refused(unchecked.put_record, StreamName="s", Data=b"x")
    batch = refused(
        unchecked.put_records, StreamName="s", Records=[*entries(b"ok"), {"Data": b"x"}]
    )

    null = (
        "1 validation error detected: Value null at '{}partitionKey' failed to satisfy "
        "constraint: Member must not be null"
    )
    assert error(single) == ("ValidationException", null.format(""), 400)
    assert error(batch) == ("ValidationException", null.format("records.2.member."), 400)
    assert fake.kinesis["s"].records == []


def test_the_call_log_holds_the_records_each_put_sent(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    kinesis_client.put_record(StreamName="s", Data=b"one", PartitionKey="k")
    kinesis_client.put_records(StreamName="s", Records=entries(b"two", b"three"))
    kinesis_client.describe_stream_summary(StreamName="s")
    kinesis_client.list_streams()  # a request with no parameters at all

    assert [(call.operation, call.records) for call in fake.kinesis.calls] == [
        ("CreateStream", []),
        ("PutRecord", [b"one"]),
        ("PutRecords", [b"two", b"three"]),
        ("DescribeStreamSummary", []),
        ("ListStreams", []),
    ]


def test_the_limits_themselves_are_accepted(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    biggest = entries(b"x" * (MIB - 1))  # 1 MiB with its one-character key

    kinesis_client.put_records(StreamName="s", Records=entries(*[b"x"] * 500))
    kinesis_client.put_records(StreamName="s", Records=biggest * 10)  # exactly 10 MiB
    kinesis_client.put_record(StreamName="s", Data=b"x", PartitionKey="p" * 256)

    assert len(fake.kinesis["s"].records) == 511


def test_the_limits_count_the_decoded_bytes_of_padded_base64(fake, kinesis_client):
    """boto3 sends Data as base64 text; one ending in ``=`` padding is measured by the
    bytes it decodes to: MIB - 2 bytes with a 2-character key are exactly 1 MiB."""
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    kinesis_client.put_records(StreamName="s", Records=entries(b"x" * (MIB - 2), key="ab") * 10)
    kinesis_client.put_record(StreamName="s", Data=b"x" * (MIB - 3), PartitionKey="abc")
    over = refused(
        kinesis_client.put_records, StreamName="s", Records=entries(b"x" * (MIB - 2), key="abc")
    )

    assert len(fake.kinesis["s"].records) == 11
    assert error(over) == ("ValidationException", _too_long("records.1.member.data", MIB), 400)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("put_record", {"Data": b"x", "PartitionKey": "k"}),
        ("put_records", {"Records": entries(b"x")}),
        ("describe_stream", {}),
        ("describe_stream_summary", {}),
        ("list_shards", {}),
        ("delete_stream", {}),
        ("add_tags_to_stream", {"Tags": {"a": "b"}}),
        ("increase_stream_retention_period", {"RetentionPeriodHours": 48}),
    ],
)
def test_an_unknown_stream_is_not_found(kinesis_client, method, params):
    response = refused(getattr(kinesis_client, method), StreamName="nope", **params)

    assert error(response) == ("ResourceNotFoundException", NOT_FOUND.format("nope"), 400)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("put_record", {"Data": b"x", "PartitionKey": "k"}),
        ("describe_stream", {}),
        ("add_tags_to_stream", {"Tags": {"a": "b"}}),
    ],
)
def test_a_request_naming_no_stream_is_refused(fake, method, params):
    # Neither StreamName nor StreamARN: the model requires neither since StreamARN came
    # (kinesalite's pre-2022 recordings show "Value null at 'streamName'"); docs/fidelity.md.
    unchecked = boto3.client(
        "kinesis", region_name=REGION, config=Config(parameter_validation=False)
    )

    response = refused(getattr(unchecked, method), **params)

    assert error(response) == (
        "InvalidArgumentException",
        "Either StreamName or StreamARN should be provided.",
        400,
    )


def test_a_creating_stream_takes_no_records_until_it_is_active():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as slow:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=2)

        creating = client.describe_stream(StreamName="s")["StreamDescription"]
        put = refused(client.put_record, StreamName="s", Data=b"x", PartitionKey="k")
        batch = refused(client.put_records, StreamName="s", Records=entries(b"x"))
        slow.kinesis.clock.advance(seconds=30)
        active = client.describe_stream(StreamName="s")["StreamDescription"]
        client.put_record(StreamName="s", Data=b"y", PartitionKey="k")

        assert slow.kinesis["s"].records == [b"y"]
    assert (creating["StreamStatus"], creating["Shards"]) == ("CREATING", [])
    assert error(put) == error(batch) == ("ResourceNotFoundException", NOT_FOUND.format("s"), 400)
    assert (active["StreamStatus"], len(active["Shards"])) == ("ACTIVE", 2)


def test_list_shards_refuses_a_deleting_stream_as_a_creating_one_and_takes_an_updating_one():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as slow:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="gone", ShardCount=1)
        client.delete_stream(StreamName="gone")
        deleting = refused(client.list_shards, StreamName="gone")
        client.create_stream(StreamName="s", ShardCount=1)
        slow.kinesis.clock.advance(seconds=30)
        client.update_shard_count(StreamName="s", TargetShardCount=2, ScalingType="UNIFORM_SCALING")

        updating = client.list_shards(StreamName="s")["Shards"]

    assert error(deleting) == (
        "ResourceInUseException",
        "Stream gone under account 123456789012 not ACTIVE or UPDATING, instead in state DELETING",
        400,
    )
    assert [shard["ShardId"] for shard in updating] == ["shardId-000000000000"]


# --------------------------------------------------------------------------- failures


def test_per_record_failures_answer_200_and_store_only_the_successes(fake, new_client):
    kinesis_client = new_client("kinesis")
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    fault = fake.kinesis.fail(
        records={1: "ProvisionedThroughputExceededException", 2: "InternalFailure"}
    )
    records = [{"Data": b"%d" % i, "PartitionKey": k} for i, k in enumerate([ON_0, ON_1] * 2)]

    answer = fits("PutRecords", kinesis_client.put_records(StreamName="s", Records=records))

    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["FailedRecordCount"] == 2
    first, throttled, internal, last = answer["Records"]
    assert throttled == {
        "ErrorCode": "ProvisionedThroughputExceededException",
        "ErrorMessage": THROTTLED.format(1),  # the shard the record was routed to
    }
    assert internal == {"ErrorCode": "InternalFailure", "ErrorMessage": "Internal service failure."}
    assert (set(first), set(last)) == ({"SequenceNumber", "ShardId"},) * 2
    assert (first["ShardId"], last["ShardId"]) == ("shardId-000000000000", "shardId-000000000001")
    assert fake.kinesis["s"].records == [b"0", b"3"]
    assert fault.fired == 1
    (call,) = puts(fake)
    assert (call.outcome, call.failed_indices, call.status) == ("partial", (1, 2), 200)


def test_a_scripted_throttle_names_the_shard_an_explicit_hash_key_routes_to(fake):
    client = client_with(total_max_attempts=1)
    client.create_stream(StreamName="s", ShardCount=2)
    fake.kinesis.fail(throttle=True, operation="PutRecord")

    response = refused(
        client.put_record,
        StreamName="s",
        Data=b"x",
        PartitionKey=ON_0,  # shard 0 by its hash; the explicit key wins
        ExplicitHashKey=RANGES[2][1][0],
    )

    assert error(response) == ("ProvisionedThroughputExceededException", THROTTLED.format(1), 400)


def test_a_scripted_record_failure_leaves_the_quotas_off(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.fail(records={0: "InternalFailure"}, times=3)

    answers = [
        kinesis_client.put_records(StreamName="s", Records=entries(*[b"x"] * 500))
        for _ in range(3)  # 1,500 records in one second
    ]

    assert [answer["FailedRecordCount"] for answer in answers] == [1, 1, 1]
    assert len(fake.kinesis["s"].records) == 1497


def test_a_throttled_put_record_is_retried_by_botocore(fake, new_client):
    client = new_client("kinesis", config=Config(retries={"mode": "standard"}))
    client.create_stream(StreamName="s", ShardCount=1)
    throttle = fake.kinesis.fail(throttle=2)

    answer = client.put_record(StreamName="s", Data=b"x", PartitionKey="k")

    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert throttle.fired == 2
    tries = puts(fake, "PutRecord")
    assert [c.attempt for c in tries] == [1, 2, 3]
    code = "ProvisionedThroughputExceededException"
    assert [(c.status, c.error) for c in tries] == [(400, code), (400, code), (200, None)]
    assert len({c.invocation_id for c in tries}) == 1
    assert len(fake.kinesis.clock.sleeps) == 2
    assert fake.kinesis["s"].records == [b"x"]


def test_a_scripted_throttle_names_the_shard_the_record_goes_to(fake):
    client = client_with(total_max_attempts=1)
    client.create_stream(StreamName="s", ShardCount=2)
    fake.kinesis.fail(throttle=True)

    response = refused(client.put_record, StreamName="s", Data=b"x", PartitionKey=ON_1)

    assert error(response) == ("ProvisionedThroughputExceededException", THROTTLED.format(1), 400)


def ship(client: Any, stream: str, records: list[dict[str, Any]], attempts: int = 5) -> list:
    """A producer: PutRecords, resending only the failed records, in order."""
    for _ in range(attempts):
        answer = client.put_records(StreamName=stream, Records=records)
        records = [r for r, a in zip(records, answer["Records"], strict=True) if "ErrorCode" in a]
        if not records:
            break
    return records


def test_a_producer_that_resends_failed_records_loses_nothing(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    fake.kinesis.fail(records=[0, 2])  # a bare list: the throttling code
    fake.kinesis.fail(records={1: "InternalFailure"})

    assert ship(kinesis_client, "s", entries(b"a", b"b", b"c", b"d")) == []

    calls = puts(fake)
    assert [c.records for c in calls] == [[b"a", b"b", b"c", b"d"], [b"a", b"c"], [b"c"]]
    assert [c.failed_indices for c in calls] == [(0, 2), (1,), ()]
    fake.kinesis["s"].assert_records([b"a", b"b", b"c", b"d"])


# --------------------------------------------------------------------------- control plane


def test_describe_stream_and_its_summary(kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=3)
    arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s"

    full = fits("DescribeStream", kinesis_client.describe_stream(StreamName="s"))
    page = kinesis_client.describe_stream(StreamName="s", Limit=2)["StreamDescription"]
    after = page["Shards"][-1]["ShardId"]
    rest = kinesis_client.describe_stream(StreamName="s", ExclusiveStartShardId=after)
    summary = fits("DescribeStreamSummary", kinesis_client.describe_stream_summary(StreamARN=arn))

    common = {
        "StreamName": "s", "StreamARN": arn, "StreamStatus": "ACTIVE",
        "StreamModeDetails": {"StreamMode": "PROVISIONED"}, "RetentionPeriodHours": 24,
        "EnhancedMonitoring": [{"ShardLevelMetrics": []}], "EncryptionType": "NONE",
    }  # fmt: skip
    for described in (full["StreamDescription"], summary["StreamDescriptionSummary"]):
        assert {k: described[k] for k in common} == common
    assert full["StreamDescription"]["HasMoreShards"] is False
    assert (len(page["Shards"]), page["HasMoreShards"]) == (2, True)
    assert [s["ShardId"] for s in rest["StreamDescription"]["Shards"]] == ["shardId-000000000002"]
    for shard in full["StreamDescription"]["Shards"]:
        assert list(shard["SequenceNumberRange"]) == ["StartingSequenceNumber"]  # open shards
        assert re.fullmatch(r"\d{56}", shard["SequenceNumberRange"]["StartingSequenceNumber"])
    counts = {k: summary["StreamDescriptionSummary"][k]
              for k in ("OpenShardCount", "ConsumerCount")}  # fmt: skip
    assert counts == {"OpenShardCount": 3, "ConsumerCount": 0}
    # botocore drops what its model does not know; older models lack MaxRecordSizeInKiB.
    model = kinesis_client.meta.service_model.shape_for("StreamDescriptionSummary")
    if "MaxRecordSizeInKiB" in model.members:
        assert summary["StreamDescriptionSummary"]["MaxRecordSizeInKiB"] == 1024


def test_list_streams_and_list_shards_page(kinesis_client):
    for name in ["c", "a", "b"]:
        kinesis_client.create_stream(StreamName=name, ShardCount=3)

    streams = fits("ListStreams", kinesis_client.list_streams(Limit=2))
    more_streams = kinesis_client.list_streams(NextToken=streams["NextToken"])
    shards = kinesis_client.list_shards(StreamName="a", MaxResults=2)
    more_shards = kinesis_client.list_shards(NextToken=shards["NextToken"])
    both = refused(kinesis_client.list_shards, StreamName="a", NextToken=shards["NextToken"])

    assert (streams["StreamNames"], streams["HasMoreStreams"]) == (["a", "b"], True)
    assert [s["StreamName"] for s in streams["StreamSummaries"]] == ["a", "b"]
    assert (more_streams["StreamNames"], more_streams["HasMoreStreams"]) == (["c"], False)
    assert [s["ShardId"][-1] for s in shards["Shards"]] == ["0", "1"]
    assert [s["ShardId"][-1] for s in more_shards["Shards"]] == ["2"]
    assert ("NextToken" in more_streams, "NextToken" in more_shards) == (False, False)
    message = "NextToken and StreamName cannot be provided together."
    assert error(both) == ("InvalidArgumentException", message, 400)


def test_a_page_that_ends_at_the_last_stream_or_shard_says_there_is_no_more(kinesis_client):
    for name in ["a", "b"]:
        kinesis_client.create_stream(StreamName=name, ShardCount=2)

    streams = kinesis_client.list_streams(Limit=2)
    shards = kinesis_client.list_shards(StreamName="a", MaxResults=2)
    described = kinesis_client.describe_stream(StreamName="a", Limit=2)["StreamDescription"]

    assert (streams["StreamNames"], streams["HasMoreStreams"]) == (["a", "b"], False)
    assert [len(shards["Shards"]), len(described["Shards"])] == [2, 2]
    assert described["HasMoreShards"] is False
    assert ("NextToken" in streams, "NextToken" in shards) == (False, False)


def test_a_list_streams_token_expires_after_300_seconds(fake, kinesis_client):
    # ListStreams lists ExpiredNextTokenException (the API model); its tokens are taken to
    # last as ListShards' and ListStreamConsumers' do (DOC: "Tokens expire after 300
    # seconds"). A token of another listing is no ListStreams token.
    for name in ["a", "b", "c"]:
        fake.kinesis.create_stream(name)
    kinesis_client.register_stream_consumer(StreamARN=fake.kinesis["a"].arn, ConsumerName="x")
    kinesis_client.register_stream_consumer(StreamARN=fake.kinesis["a"].arn, ConsumerName="y")
    token = kinesis_client.list_streams(Limit=1)["NextToken"]
    consumers = kinesis_client.list_stream_consumers(StreamARN=fake.kinesis["a"].arn, MaxResults=1)[
        "NextToken"
    ]

    fake.kinesis.clock.advance(seconds=300)
    fresh = kinesis_client.list_streams(NextToken=token)
    foreign = refused(kinesis_client.list_streams, NextToken=consumers)
    fake.kinesis.clock.advance(microseconds=1)
    stale = refused(kinesis_client.list_streams, NextToken=token)

    assert fresh["StreamNames"] == ["b", "c"]
    assert error(foreign) == ("InvalidArgumentException", "Invalid NextToken.", 400)
    expired = "The NextToken has expired; list again without it."
    assert error(stale) == ("ExpiredNextTokenException", expired, 400)


def test_a_stream_name_and_the_arn_of_another_stream_find_no_stream(fake, kinesis_client):
    # Both members may be given (the API reference); they must name one stream. AWS's
    # answer to a mismatched pair is not on record: the name's not-found error.
    fake.kinesis.create_stream("s")
    fake.kinesis.create_stream("t")
    other = fake.kinesis["t"].arn

    described = kinesis_client.describe_stream_summary(
        StreamName="s", StreamARN=fake.kinesis["s"].arn
    )
    mismatched = refused(kinesis_client.describe_stream_summary, StreamName="s", StreamARN=other)
    put = refused(
        kinesis_client.put_record, StreamName="s", StreamARN=other, Data=b"x", PartitionKey="k"
    )

    assert described["StreamDescriptionSummary"]["StreamName"] == "s"
    assert (
        error(mismatched) == error(put) == ("ResourceNotFoundException", NOT_FOUND.format("s"), 400)
    )
    assert fake.kinesis["s"].records == fake.kinesis["t"].records == []


def test_a_larger_limit_still_gets_one_page(fake, kinesis_client):
    # The API reference: DescribeStream and ListStreams answer at most 100 whatever the
    # Limit (up to the model's 10,000), ListShards at most 1,000 whatever the MaxResults.
    fake.kinesis.create_stream("wide", 1001)
    for index in range(100):
        fake.kinesis.create_stream(f"s{index:03d}")

    shards = kinesis_client.list_shards(StreamName="wide", MaxResults=10000)
    described = kinesis_client.describe_stream(StreamName="wide", Limit=10000)
    streams = kinesis_client.list_streams(Limit=10000)

    assert (len(shards["Shards"]), "NextToken" in shards) == (1000, True)
    rest = kinesis_client.list_shards(NextToken=shards["NextToken"], MaxResults=10000)
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000001000"]
    page = described["StreamDescription"]
    assert (len(page["Shards"]), page["HasMoreShards"]) == (100, True)
    assert (len(streams["StreamNames"]), streams["HasMoreStreams"]) == (100, True)
    assert len(streams["StreamSummaries"]) == 100
    more = kinesis_client.list_streams(NextToken=streams["NextToken"])
    assert (more["StreamNames"], more["HasMoreStreams"]) == (["wide"], False)


def test_list_shards_takes_the_stream_creation_timestamp(fake, kinesis_client):
    fake.kinesis.create_stream("s", 2)
    summary = kinesis_client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
    created = summary["StreamCreationTimestamp"]
    page = kinesis_client.list_shards(StreamName="s", MaxResults=1)

    listed = kinesis_client.list_shards(StreamName="s", StreamCreationTimestamp=created)
    earlier = refused(
        kinesis_client.list_shards,
        StreamName="s",
        StreamCreationTimestamp=created - timedelta(days=1),
    )
    with_token = refused(
        kinesis_client.list_shards, NextToken=page["NextToken"], StreamCreationTimestamp=created
    )

    assert [s["ShardId"][-1] for s in listed["Shards"]] == ["0", "1"]
    assert error(earlier) == ("ResourceNotFoundException", NOT_FOUND.format("s"), 400)
    message = "NextToken and StreamCreationTimestamp cannot be provided together."
    assert error(with_token) == ("InvalidArgumentException", message, 400)


def test_tags_then_delete_and_create_again_is_in_use(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    kinesis_client.add_tags_to_stream(StreamName="s", Tags={"team": "data"})

    kinesis_client.add_tags_to_stream(StreamName="s", Tags={"env": "test", "team": "ops"})
    listed = fits("ListTagsForStream", kinesis_client.list_tags_for_stream(StreamName="s"))
    kinesis_client.remove_tags_from_stream(StreamName="s", TagKeys=["env", "never-set"])
    after = kinesis_client.list_tags_for_stream(StreamName="s")["Tags"]
    again = refused(kinesis_client.create_stream, StreamName="s", ShardCount=1)
    kinesis_client.delete_stream(StreamName="s")

    assert listed["Tags"] == [{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "ops"}]
    assert (listed["HasMoreTags"], after) == (False, [{"Key": "team", "Value": "ops"}])
    message = f"Stream s under account {ACCOUNT} already exists."
    assert error(again) == ("ResourceInUseException", message, 400)
    assert kinesis_client.list_streams()["StreamNames"] == []
    assert "s" not in fake.kinesis


def test_waiters_return_at_once_on_the_fake_clock(fake, kinesis_client, real_waits):
    with real_waits:
        kinesis_client.create_stream(StreamName="s", ShardCount=1)
        kinesis_client.get_waiter("stream_exists").wait(StreamName="s")
        kinesis_client.delete_stream(StreamName="s")
        kinesis_client.get_waiter("stream_not_exists").wait(StreamName="s")

    assert real_waits.asked == []
    assert fake.kinesis.clock.sleeps == []


class RealSleep(Exception):
    pass


def test_stream_exists_waits_out_creating_on_the_fake_clock(monkeypatch, new_client, real_waits):
    def no_real_sleep(seconds: float) -> None:
        raise RealSleep(f"time.sleep({seconds}) would really sleep")

    with FirehoseFake(region=REGION, seed=SEED, creation_delay=30) as slow:
        client = new_client("kinesis")
        client.create_stream(StreamName="s", ShardCount=1)
        # undone before the spy is, so each puts back what it replaced
        with real_waits, monkeypatch.context() as patched:
            patched.setattr(time, "sleep", no_real_sleep)
            client.get_waiter("stream_exists").wait(StreamName="s")

        assert real_waits.asked == []  # the waiter's delay is 10 s a poll
        assert slow.kinesis.clock.elapsed.total_seconds() >= 30
        assert slow.kinesis.clock.sleeps == [10.0] * 3


# --------------------------------------------------------------------------- quotas
# Off unless a test turns them on: 1,000 records and 1 MiB a second per shard, counted in
# the current second of the fake clock.


def test_quotas_are_off_by_default(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    batches = [entries(*[b"x"] * 500)] * 3 + [entries(*[b"x" * 900_000] * 3)]  # in one second
    answers = [kinesis_client.put_records(StreamName="s", Records=b) for b in batches]

    assert [a["FailedRecordCount"] for a in answers] == [0, 0, 0, 0]


def test_records_over_1000_a_second_on_a_shard_fail_per_record(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.enforce_quotas()

    full = [kinesis_client.put_records(StreamName="s", Records=entries(*[b"x"] * 500))
            for _ in range(2)]  # fmt: skip
    over = kinesis_client.put_records(StreamName="s", Records=entries(b"late", b"later"))
    fake.kinesis.clock.advance(seconds=1)
    next_second = kinesis_client.put_records(StreamName="s", Records=entries(b"fresh"))

    assert [a["FailedRecordCount"] for a in full] == [0, 0]
    assert (over["ResponseMetadata"]["HTTPStatusCode"], over["FailedRecordCount"]) == (200, 2)
    throttled = {"ErrorCode": "ProvisionedThroughputExceededException",
                 "ErrorMessage": THROTTLED.format(0)}  # fmt: skip
    assert over["Records"] == [throttled, throttled]
    assert next_second["FailedRecordCount"] == 0
    assert fake.kinesis["s"].records[-1] == b"fresh"
    assert len(fake.kinesis["s"].records) == 1001


def test_bytes_over_1_mib_a_second_on_a_shard_fail_per_record(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.enforce_quotas()
    chunk = b"x" * (300 * 1024)

    answer = kinesis_client.put_records(StreamName="s", Records=entries(*[chunk] * 4))

    assert answer["FailedRecordCount"] == 1
    assert [set(r) for r in answer["Records"][:3]] == [{"SequenceNumber", "ShardId"}] * 3
    assert answer["Records"][3]["ErrorMessage"] == THROTTLED.format(0)
    assert len(fake.kinesis["s"].records) == 3


def test_a_shard_takes_exactly_1_mib_a_second_partition_keys_included(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.enforce_quotas()

    full = kinesis_client.put_records(StreamName="s", Records=entries(b"x" * (MIB - 4), b"xx"))
    over = kinesis_client.put_records(StreamName="s", Records=entries(b"y"))
    fake.kinesis.clock.advance(seconds=1)
    next_second = kinesis_client.put_records(StreamName="s", Records=entries(b"z"))

    assert full["FailedRecordCount"] == 0  # (MIB - 4 + 1) + (2 + 1) bytes
    assert over["Records"] == [
        {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": THROTTLED.format(0)}
    ]
    assert next_second["FailedRecordCount"] == 0
    assert fake.kinesis["s"].records[1:] == [b"xx", b"z"]


def test_write_quotas_reach_a_region_used_later_and_a_reset_turns_them_off(fake):
    fake.kinesis.enforce_quotas()
    elsewhere = boto3.client(
        "kinesis", region_name="eu-west-1", config=Config(retries={"total_max_attempts": 1})
    )
    chunks = entries(*[b"x" * (300 * 1024)] * 4)  # 1.2 MiB for one shard
    elsewhere.create_stream(StreamName="s", ShardCount=1)
    over = elsewhere.put_records(StreamName="s", Records=chunks)

    fake.world.reset()  # what the local server's POST /_fake/reset does
    elsewhere.create_stream(StreamName="s", ShardCount=1)
    after = elsewhere.put_records(StreamName="s", Records=chunks)

    assert over["FailedRecordCount"] == 1
    assert after["FailedRecordCount"] == 0


def test_each_second_takes_1000_records_a_shard_afresh(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.enforce_quotas()
    for _ in range(2):
        kinesis_client.put_records(StreamName="s", Records=entries(*[b"x"] * 500))
    fake.kinesis.clock.advance(seconds=1)

    full = [kinesis_client.put_records(StreamName="s", Records=entries(*[b"x"] * 500))
            for _ in range(2)]  # fmt: skip
    over = kinesis_client.put_records(StreamName="s", Records=entries(b"late"))

    assert [a["FailedRecordCount"] for a in full] == [0, 0]
    assert over["FailedRecordCount"] == 1
    assert len(fake.kinesis["s"].records) == 2000


def test_not_a_byte_over_1_mib_a_second_from_a_shards_first_put_on(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.enforce_quotas()

    first = kinesis_client.put_records(StreamName="s", Records=entries(b"x" * (MIB - 2)))
    over = kinesis_client.put_records(StreamName="s", Records=entries(b"y"))  # MIB + 1 bytes
    fake.kinesis.clock.advance(seconds=1)
    next_second = kinesis_client.put_records(StreamName="s", Records=entries(b"z" * (MIB - 1)))

    assert first["FailedRecordCount"] == 0
    assert over["Records"] == [
        {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": THROTTLED.format(0)}
    ]
    assert next_second["FailedRecordCount"] == 0  # exactly 1 MiB, its key included
    assert len(fake.kinesis["s"].records) == 2


def test_quotas_are_per_shard_and_can_be_turned_off(fake, kinesis_client):
    one_try = client_with(total_max_attempts=1)
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    fake.kinesis.enforce_quotas()
    for _ in range(2):
        kinesis_client.put_records(StreamName="s", Records=entries(*[b"x"] * 500, key=ON_1))

    both = [*entries(b"1", key=ON_1), *entries(b"0", key=ON_0)]
    batch = kinesis_client.put_records(StreamName="s", Records=both)
    single = refused(one_try.put_record, StreamName="s", Data=b"x", PartitionKey=ON_1)
    fake.kinesis.enforce_quotas(False)
    unlimited = one_try.put_record(StreamName="s", Data=b"y", PartitionKey=ON_1)

    assert batch["FailedRecordCount"] == 1
    assert batch["Records"][0]["ErrorMessage"] == THROTTLED.format(1)
    assert batch["Records"][1]["ShardId"] == "shardId-000000000000"
    assert error(single) == ("ProvisionedThroughputExceededException", THROTTLED.format(1), 400)
    assert unlimited["ShardId"] == "shardId-000000000001"


def test_records_refused_by_the_quota_show_in_the_call_log(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.enforce_quotas()

    kinesis_client.put_records(StreamName="s", Records=entries(*[b"x" * 600 * 1024] * 2))

    (call,) = puts(fake)
    assert (call.outcome, call.failed_indices) == ("partial", (1,))


def test_a_put_record_over_quota_is_retried_into_the_next_second(fake, seeded_random):
    seeded_random()
    client = client_with(mode="standard", total_max_attempts=10)
    client.create_stream(StreamName="s", ShardCount=1)
    fake.kinesis.enforce_quotas()
    for _ in range(2):
        client.put_records(StreamName="s", Records=entries(*[b"x"] * 500))
    started = fake.kinesis.clock.now()

    answer = client.put_record(StreamName="s", Data=b"late", PartitionKey="k")

    tries = puts(fake, "PutRecord")
    assert len(tries) >= 2
    assert answer["ResponseMetadata"]["RetryAttempts"] == len(tries) - 1
    assert (tries[0].status, tries[0].error) == (400, "ProvisionedThroughputExceededException")
    assert (tries[-1].status, tries[-1].outcome) == (200, "ok")
    assert len({c.invocation_id for c in tries}) == 1
    assert int(tries[-1].at.timestamp()) > int(started.timestamp())
    assert fake.kinesis.clock.elapsed.total_seconds() == pytest.approx(fake.kinesis.clock.slept)
    assert fake.kinesis["s"].records[-1] == b"late"
