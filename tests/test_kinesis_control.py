"""The Kinesis control plane beyond streams and shards: DescribeLimits and the account's
shard quota, UpdateStreamMode, tags by name and by ARN with AWS's tag rules, enhanced
monitoring, UpdateMaxRecordSize, and NextTokens that were never issued."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from conftest import REGION, needs_botocore, refused
from fanout_support import consumer_not_found
from test_kinesis_api import ACCOUNT, error, fits

from pytest_firehose import FirehoseFake

MIB = 1024 * 1024
ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s"
LIMITS_PAGE = (
    "Refer to the AWS Service Limits page "
    "(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current "
    "limits and how to request higher limits."
)
#: kinesalite's AWS-validated tag messages (test/addTagsToStream.js, removeTagsFromStream.js).
INVALID_CHARACTERS = (
    "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white "
    "space, _ . / = + - % @."
)
ILLEGAL = (
    "Failed to {} stream s under account 123456789012 because some tags contained illegal "
    "characters. The allowed characters are Unicode letters, white-spaces, "
    "'_',',','/','=','+','-','@'."
)
TOO_MANY = (
    "Failed to add tags to stream s under account 123456789012 because a given stream cannot "
    "have more than 10 tags associated with it."
)


def over_the_limit(region: str, current: int, limit: int, additional: int) -> str:
    return (
        f"This request would exceed the shard limit for the account {ACCOUNT} in {region}. "
        f"Current shard count for the account: {current}. Limit: {limit}. Number of "
        f"additional shards that would have resulted from this request: {additional}. "
        + LIMITS_PAGE
    )


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize(("region", "limit"), [("us-east-1", 20_000), ("eu-central-1", 1_000)])
def test_describe_limits_answers_the_regions_default_quota(region, limit):
    with FirehoseFake(region=region):
        client = boto3.client("kinesis", region_name=region)
        client.create_stream(StreamName="provisioned", ShardCount=3)
        client.create_stream(StreamName="on-demand")

        answer = fits("DescribeLimits", client.describe_limits())

    counts = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    assert counts == {
        "ShardLimit": limit,
        "OpenShardCount": 7,
        "OnDemandStreamCount": 1,
        "OnDemandStreamCountLimit": 50,
    }


def test_a_million_shards_are_refused_before_any_is_made(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="first", ShardCount=2)

    answer = refused(kinesis_client.create_stream, StreamName="s", ShardCount=10**6)

    message = over_the_limit(REGION, 2, 20_000, 10**6)
    assert error(answer) == ("LimitExceededException", message, 400)
    assert "s" not in fake.kinesis
    assert kinesis_client.describe_limits()["OpenShardCount"] == 2


def test_split_and_update_shard_count_stop_at_the_quota():
    region = "eu-central-1"  # a 1,000-shard quota
    with FirehoseFake(region=region):
        client = boto3.client("kinesis", region_name=region)
        client.create_stream(StreamName="big", ShardCount=998)
        client.create_stream(StreamName="s", ShardCount=2)
        top = client.list_shards(StreamName="s")["Shards"][0]["HashKeyRange"]["EndingHashKey"]

        split = refused(
            client.split_shard,
            StreamName="s",
            ShardToSplit="shardId-000000000000",
            NewStartingHashKey=str(int(top) // 2),
        )
        grow = refused(
            client.update_shard_count,
            StreamName="s",
            TargetShardCount=3,
            ScalingType="UNIFORM_SCALING",
        )
        client.update_shard_count(StreamName="s", TargetShardCount=1, ScalingType="UNIFORM_SCALING")
        client.update_shard_count(StreamName="s", TargetShardCount=2, ScalingType="UNIFORM_SCALING")

    assert error(split) == ("LimitExceededException", over_the_limit(region, 1000, 1000, 1), 400)
    assert error(grow) == ("LimitExceededException", over_the_limit(region, 1000, 1000, 1), 400)


def test_a_reshard_under_way_counts_its_target():
    with FirehoseFake(region="eu-central-1", creation_delay=30) as fake:
        client = boto3.client("kinesis", region_name="eu-central-1")
        fake.kinesis.create_stream("s", 500)
        fake.kinesis.clock.advance(seconds=30)
        client.update_shard_count(
            StreamName="s", TargetShardCount=1000, ScalingType="UNIFORM_SCALING"
        )

        answer = refused(client.create_stream, StreamName="t", ShardCount=1)

        assert error(answer)[1] == over_the_limit("eu-central-1", 1000, 1000, 1)
        assert client.describe_limits()["OpenShardCount"] == 1000


def test_the_51st_on_demand_stream_is_refused(fake, kinesis_client):
    for number in range(50):
        kinesis_client.create_stream(StreamName=f"s{number}")

    answer = refused(kinesis_client.create_stream, StreamName="one-more")
    kinesis_client.create_stream(StreamName="provisioned", ShardCount=1)

    code, message, status = error(answer)
    assert (code, status) == ("LimitExceededException", 400)
    expected = f"This request would exceed the on-demand stream limit for the account {ACCOUNT}"
    assert message.startswith(expected)
    assert "Limit: 50." in message
    assert kinesis_client.describe_limits()["OnDemandStreamCount"] == 50


def test_a_deleted_stream_counts_toward_the_quotas_until_it_is_gone():
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=2)
        client.create_stream(StreamName="t")  # on-demand, 4 shards
        fake.kinesis.clock.advance(seconds=30)
        client.delete_stream(StreamName="s")
        client.delete_stream(StreamName="t")
        deleting = client.describe_limits()
        fake.kinesis.clock.advance(seconds=30)
        gone = client.describe_limits()

    assert (deleting["OpenShardCount"], deleting["OnDemandStreamCount"]) == (6, 1)
    assert (gone["OpenShardCount"], gone["OnDemandStreamCount"]) == (0, 0)


# --------------------------------------------------------------------------- capacity mode


def mode_of(client: Any) -> tuple[str, int, str]:
    summary = client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
    mode = summary["StreamModeDetails"]["StreamMode"]
    return mode, summary["OpenShardCount"], summary["StreamStatus"]


def test_update_stream_mode_keeps_the_shards_and_switches_twice_a_day(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=3)

    kinesis_client.update_stream_mode(StreamARN=ARN, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    on_demand = mode_of(kinesis_client)
    split = refused(
        kinesis_client.split_shard,
        StreamName="s",
        ShardToSplit="shardId-000000000000",
        NewStartingHashKey="12345",
    )
    kinesis_client.update_stream_mode(
        StreamARN=ARN, StreamModeDetails={"StreamMode": "PROVISIONED"}
    )
    third = refused(
        kinesis_client.update_stream_mode,
        StreamARN=ARN,
        StreamModeDetails={"StreamMode": "ON_DEMAND"},
    )
    fake.kinesis.clock.advance(hours=24, seconds=1)
    kinesis_client.update_stream_mode(StreamARN=ARN, StreamModeDetails={"StreamMode": "ON_DEMAND"})

    assert on_demand == ("ON_DEMAND", 3, "ACTIVE")
    assert error(split)[0] == "ValidationException"
    assert error(third)[0] == "LimitExceededException"
    assert "already switched capacity mode 2 times in the last 24 hours" in error(third)[1]
    assert mode_of(kinesis_client) == ("ON_DEMAND", 3, "ACTIVE")
    assert kinesis_client.describe_limits()["OnDemandStreamCount"] == 1


def test_update_stream_mode_passes_through_updating():
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        fake.kinesis.create_stream("s", 2)
        fake.kinesis.clock.advance(seconds=30)

        client.update_stream_mode(StreamARN=ARN, StreamModeDetails={"StreamMode": "ON_DEMAND"})
        during = mode_of(client)
        again = refused(
            client.update_stream_mode,
            StreamARN=ARN,
            StreamModeDetails={"StreamMode": "PROVISIONED"},
        )
        fake.kinesis.clock.advance(seconds=30)

        assert during == ("PROVISIONED", 2, "UPDATING")
        assert error(again)[:2] == (
            "ResourceInUseException",
            f"Stream s under account {ACCOUNT} not ACTIVE, instead in state UPDATING",
        )
        assert mode_of(client) == ("ON_DEMAND", 2, "ACTIVE")


def test_update_stream_mode_of_an_unknown_stream_is_not_found(fake, kinesis_client):
    answer = refused(
        kinesis_client.update_stream_mode,
        StreamARN=ARN,
        StreamModeDetails={"StreamMode": "ON_DEMAND"},
    )

    assert error(answer) == (
        "ResourceNotFoundException",
        f"Stream s under account {ACCOUNT} not found.",
        400,
    )


# --------------------------------------------------------------------------- tags


@needs_botocore("kinesis TagResource", "kinesis CreateStream.Tags")
def test_tags_by_arn_and_by_name_are_one_set(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1, Tags={"team": "web"})

    kinesis_client.tag_resource(ResourceARN=ARN, Tags={"env": "test", "ü0 _.": "/=+-@"})
    by_name = kinesis_client.list_tags_for_stream(StreamName="s")["Tags"]
    kinesis_client.remove_tags_from_stream(StreamName="s", TagKeys=["team"])
    kinesis_client.untag_resource(ResourceARN=ARN, TagKeys=["env", "never-set"])
    by_arn = fits("ListTagsForResource", kinesis_client.list_tags_for_resource(ResourceARN=ARN))

    assert by_name == [
        {"Key": "env", "Value": "test"},
        {"Key": "team", "Value": "web"},
        {"Key": "ü0 _.", "Value": "/=+-@"},
    ]
    assert by_arn["Tags"] == [{"Key": "ü0 _.", "Value": "/=+-@"}]
    assert fake.kinesis["s"].arn == ARN


@pytest.mark.parametrize(
    "operation",
    [
        "add_tags_to_stream",
        pytest.param("tag_resource", marks=needs_botocore("kinesis TagResource")),
        pytest.param("create_stream", marks=needs_botocore("kinesis CreateStream.Tags")),
    ],
)
@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"abc;def": "1"}, INVALID_CHARACTERS),
        ({"a": "abc\tdef"}, INVALID_CHARACTERS),
        ({"abc,def": "1"}, INVALID_CHARACTERS),
        ({"abc%def": "1"}, ILLEGAL.format("add tags to")),
        ({"a": "abc%def"}, ILLEGAL.format("add tags to")),
    ],
)
def test_tag_characters_are_refused_with_aws_messages(kinesis_client, operation, tags, message):
    if operation != "create_stream":
        kinesis_client.create_stream(StreamName="s", ShardCount=1)
    where = {"tag_resource": {"ResourceARN": ARN}}.get(operation, {"StreamName": "s"})
    extra = {"ShardCount": 1} if operation == "create_stream" else {}

    answer = refused(getattr(kinesis_client, operation), **where, **extra, Tags=tags)

    assert error(answer) == ("InvalidArgumentException", message, 400)


@needs_botocore("kinesis CreateStream.Tags")
@pytest.mark.parametrize(
    "operation",
    [
        "remove_tags_from_stream",
        pytest.param("untag_resource", marks=needs_botocore("kinesis UntagResource")),
    ],
)
def test_removing_tags_checks_the_keys(kinesis_client, operation):
    kinesis_client.create_stream(StreamName="s", ShardCount=1, Tags={"a": "1"})
    where = {"ResourceARN": ARN} if operation == "untag_resource" else {"StreamName": "s"}
    method = getattr(kinesis_client, operation)

    semicolon = refused(method, **where, TagKeys=["abc;def"])
    percent = refused(method, **where, TagKeys=["a", "abc%def"])

    assert error(semicolon) == ("InvalidArgumentException", INVALID_CHARACTERS, 400)
    assert error(percent) == ("InvalidArgumentException", ILLEGAL.format("remove tags from"), 400)
    kept = kinesis_client.list_tags_for_stream(StreamName="s")["Tags"]
    assert kept == [{"Key": "a", "Value": "1"}]


@pytest.mark.parametrize(
    "operation",
    [
        "add_tags_to_stream",
        pytest.param("tag_resource", marks=needs_botocore("kinesis TagResource")),
    ],
)
def test_a_stream_holds_at_most_50_tags(kinesis_client, operation):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    where = {"ResourceARN": ARN} if operation == "tag_resource" else {"StreamName": "s"}
    method = getattr(kinesis_client, operation)
    for start in range(0, 50, 10):
        method(**where, Tags={str(start + i): "v" for i in range(10)})

    method(**where, Tags={"0": "replaced"})  # a key it has: still 50
    answer = refused(method, **where, Tags={"50": "v"})

    assert error(answer) == ("InvalidArgumentException", TOO_MANY, 400)
    assert len(kinesis_client.list_tags_for_stream(StreamName="s", Limit=50)["Tags"]) == 50


@needs_botocore("kinesis CreateStream.Tags")
def test_create_stream_with_51_tags_is_refused(kinesis_client):
    answer = refused(
        kinesis_client.create_stream,
        StreamName="s",
        ShardCount=1,
        Tags={str(n): "v" for n in range(51)},
    )

    assert error(answer) == ("InvalidArgumentException", TOO_MANY, 400)
    assert kinesis_client.list_streams()["StreamNames"] == []


@needs_botocore("kinesis ListTagsForResource")
@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/other",
        f"arn:aws:kinesis:eu-west-1:{ACCOUNT}:stream/s",
        f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s/consumer/c:1700000000",
    ],
)
def test_tags_of_an_arn_that_names_no_stream_here_are_not_found(kinesis_client, arn):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    answer = refused(kinesis_client.list_tags_for_resource, ResourceARN=arn)

    if "/consumer/" in arn:
        message = consumer_not_found(arn, ACCOUNT)
    else:
        message = f"Stream {arn.rpartition('/')[2]} under account {ACCOUNT} not found."
    assert error(answer) == ("ResourceNotFoundException", message, 400)


# --------------------------------------------------------------------------- monitoring


def test_enhanced_monitoring_answers_current_and_desired(kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    first = kinesis_client.enable_enhanced_monitoring(
        StreamName="s", ShardLevelMetrics=["OutgoingBytes", "IncomingBytes"]
    )
    described = fits("DescribeStream", kinesis_client.describe_stream(StreamName="s"))
    everything = kinesis_client.enable_enhanced_monitoring(StreamARN=ARN, ShardLevelMetrics=["ALL"])
    fewer = fits(
        "DisableEnhancedMonitoring",
        kinesis_client.disable_enhanced_monitoring(
            StreamName="s", ShardLevelMetrics=["IncomingBytes", "IteratorAgeMilliseconds"]
        ),
    )
    summary = fits("DescribeStreamSummary", kinesis_client.describe_stream_summary(StreamName="s"))

    assert (first["StreamName"], first["StreamARN"]) == ("s", ARN)
    assert (first["CurrentShardLevelMetrics"], first["DesiredShardLevelMetrics"]) == (
        [],
        ["IncomingBytes", "OutgoingBytes"],
    )
    assert described["StreamDescription"]["EnhancedMonitoring"] == [
        {"ShardLevelMetrics": ["IncomingBytes", "OutgoingBytes"]}
    ]
    assert len(everything["DesiredShardLevelMetrics"]) == 7
    assert fewer["CurrentShardLevelMetrics"] == everything["DesiredShardLevelMetrics"]
    remaining = [
        "IncomingRecords",
        "OutgoingBytes",
        "OutgoingRecords",
        "WriteProvisionedThroughputExceeded",
        "ReadProvisionedThroughputExceeded",
    ]
    assert fewer["DesiredShardLevelMetrics"] == remaining
    assert summary["StreamDescriptionSummary"]["EnhancedMonitoring"] == [
        {"ShardLevelMetrics": remaining}
    ]


def test_enhanced_monitoring_of_an_unknown_stream_is_not_found(kinesis_client):
    answer = refused(
        kinesis_client.enable_enhanced_monitoring, StreamName="s", ShardLevelMetrics=["ALL"]
    )

    assert error(answer)[0] == "ResourceNotFoundException"


# --------------------------------------------------------------------------- record size


@needs_botocore("kinesis UpdateMaxRecordSize")
def test_update_max_record_size_moves_the_per_record_limit(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    big = b"x" * (2 * MIB - 10)

    before = refused(kinesis_client.put_record, StreamName="s", Data=big, PartitionKey="k")
    kinesis_client.update_max_record_size(StreamARN=ARN, MaxRecordSizeInKiB=2048)
    kinesis_client.put_record(StreamName="s", Data=big, PartitionKey="k")
    batch = kinesis_client.put_records(
        StreamName="s", Records=[{"Data": big, "PartitionKey": "k"}] * 2
    )
    over = refused(
        kinesis_client.put_records,
        StreamName="s",
        Records=[{"Data": big + b"x" * 20, "PartitionKey": "k"}],
    )
    summary = kinesis_client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]

    assert error(before)[0] == "ValidationException"
    assert batch["FailedRecordCount"] == 0
    assert error(over) == (
        "ValidationException",
        "1 validation error detected: Value at 'records.1.member.data' failed to satisfy "
        f"constraint: Member must have length less than or equal to {2 * MIB}",
        400,
    )
    assert len(fake.kinesis["s"].records) == 3
    model = kinesis_client.meta.service_model.shape_for("StreamDescriptionSummary")
    if "MaxRecordSizeInKiB" in model.members:
        assert summary["MaxRecordSizeInKiB"] == 2048


@needs_botocore("kinesis CreateStream.MaxRecordSizeInKiB")
def test_create_stream_sets_the_per_record_limit(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1, MaxRecordSizeInKiB=2048)
    big = b"x" * (2 * MIB - 10)

    kinesis_client.put_record(StreamName="s", Data=big, PartitionKey="k")
    over = refused(
        kinesis_client.put_record, StreamName="s", Data=big + b"x" * 20, PartitionKey="k"
    )
    summary = kinesis_client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]

    assert error(over)[0] == "ValidationException"
    assert [len(record.data) for record in fake.kinesis["s"].records] == [len(big)]
    model = kinesis_client.meta.service_model.shape_for("StreamDescriptionSummary")
    if "MaxRecordSizeInKiB" in model.members:
        assert summary["MaxRecordSizeInKiB"] == 2048


@needs_botocore("kinesis UpdateMaxRecordSize")
def test_update_max_record_size_needs_an_active_stream():
    with FirehoseFake(region=REGION, creation_delay=30):
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)

        answer = refused(client.update_max_record_size, StreamARN=ARN, MaxRecordSizeInKiB=4096)

    assert error(answer)[:2] == (
        "ResourceInUseException",
        f"Stream s under account {ACCOUNT} not ACTIVE, instead in state CREATING",
    )


# --------------------------------------------------------------------------- tokens


def token(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def nested(depth: int) -> str:
    return base64.urlsafe_b64encode(b"[" * depth + b"]" * depth).decode()


INVALID_TOKENS = [
    pytest.param(nested(100_000), id="nested-past-the-parser"),
    pytest.param("not base64!", id="not-base64"),
    pytest.param(base64.urlsafe_b64encode(b"\xff\xfe").decode(), id="not-json"),
    pytest.param(token([["s"], "x", "", "", ""]), id="parts-not-strings"),
    pytest.param(token(["s", "", "AT_TIMESTAMP", "", "yesterday"]), id="forged-timestamp"),
    pytest.param(token(["s", "", "AT_TIMESTAMP", "", "2024-01-01T00:00:00"]), id="naive-time"),
]


@pytest.mark.parametrize("next_token", INVALID_TOKENS)
def test_list_shards_refuses_a_token_it_did_not_issue(kinesis_client, next_token):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    answer = refused(kinesis_client.list_shards, NextToken=next_token)

    assert error(answer) == ("InvalidArgumentException", "Invalid NextToken.", 400)


CONSUMER_TOKEN_FORGERIES = {
    "naive-time": ["0", "2024-01-01T00:00:00"],
    "no-time": ["0", ""],
    "forged-time": ["0", "yesterday"],
    "forged-position": ["first", "2024-01-01T00:00:00+00:00"],
}


@pytest.mark.parametrize("forged", CONSUMER_TOKEN_FORGERIES.values(), ids=CONSUMER_TOKEN_FORGERIES)
def test_list_stream_consumers_refuses_a_token_it_did_not_issue(kinesis_client, forged):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    arn = kinesis_client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"][
        "StreamARN"
    ]

    answer = refused(
        kinesis_client.list_stream_consumers, StreamARN=arn, NextToken=token([arn, *forged])
    )

    assert error(answer) == ("InvalidArgumentException", "Invalid NextToken.", 400)


@pytest.mark.parametrize("next_token", INVALID_TOKENS[:4])
def test_list_streams_refuses_a_token_it_did_not_issue(kinesis_client, next_token):
    answer = refused(kinesis_client.list_streams, NextToken=next_token)

    assert error(answer) == ("InvalidArgumentException", "Invalid NextToken.", 400)
