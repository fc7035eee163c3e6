"""The account's minimum throughput billing commitment (Describe/UpdateAccountSettings) on the
fake clock, and the warm throughput it allows on-demand streams (UpdateStreamWarmThroughput,
CreateStream's and UpdateStreamMode's WarmThroughputMiBps)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from conftest import REGION, needs_botocore, refused
from test_kinesis_api import ACCOUNT, error, fits

from pytest_firehose import FirehoseFake

DAY = 24 * 3600
ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s"
pytestmark = needs_botocore(
    "kinesis DescribeAccountSettings",
    "kinesis UpdateAccountSettings",
    "kinesis UpdateStreamWarmThroughput",
    "kinesis CreateStream.WarmThroughputMiBps",
)


def commitment(client: Any, status: str | None = None) -> dict[str, Any]:
    if status is None:
        answer = fits("DescribeAccountSettings", client.describe_account_settings())
    else:
        answer = fits(
            "UpdateAccountSettings",
            client.update_account_settings(MinimumThroughputBillingCommitment={"Status": status}),
        )
    found: dict[str, Any] = answer["MinimumThroughputBillingCommitment"]
    return found


def warm(client: Any) -> dict[str, int] | None:
    summary = fits("DescribeStreamSummary", client.describe_stream_summary(StreamName="s"))
    found: dict[str, int] | None = summary["StreamDescriptionSummary"].get("WarmThroughput")
    return found


def seconds(moment: Any) -> int:
    """A timestamp to the second (answers carry milliseconds)."""
    return int(moment.timestamp())


def test_a_new_account_has_no_commitment(fake, kinesis_client):
    assert commitment(kinesis_client) == {"Status": "DISABLED"}


def test_a_commitment_lasts_24_hours_before_it_can_end(fake, kinesis_client):
    started = seconds(fake.kinesis.clock.now())
    enabled = commitment(kinesis_client, "ENABLED")
    fake.kinesis.clock.advance(hours=1)
    pending = commitment(kinesis_client, "DISABLED")
    fake.kinesis.clock.advance(hours=22, minutes=59, seconds=59)
    still = commitment(kinesis_client)
    fake.kinesis.clock.advance(seconds=1)
    ended = commitment(kinesis_client)

    earliest = started + DAY
    assert enabled["Status"] == "ENABLED"
    assert (seconds(enabled["StartedAt"]), seconds(enabled["EarliestAllowedEndAt"])) == (
        started,
        earliest,
    )
    assert "EndedAt" not in enabled
    assert (pending["Status"], still["Status"]) == ("ENABLED_UNTIL_EARLIEST_ALLOWED_END",) * 2
    assert (ended["Status"], seconds(ended["EndedAt"])) == ("DISABLED", earliest)


def test_enabling_again_cancels_a_pending_disable(fake, kinesis_client):
    first = commitment(kinesis_client, "ENABLED")
    commitment(kinesis_client, "DISABLED")
    again = commitment(kinesis_client, "ENABLED")
    fake.kinesis.clock.advance(hours=25)

    assert again == first
    assert commitment(kinesis_client)["Status"] == "ENABLED"


def test_a_commitment_past_its_earliest_end_is_disabled_at_once(fake, kinesis_client):
    commitment(kinesis_client, "ENABLED")
    fake.kinesis.clock.advance(hours=30)
    now = seconds(fake.kinesis.clock.now())

    ended = commitment(kinesis_client, "DISABLED")
    restarted = commitment(kinesis_client, "ENABLED")

    assert (ended["Status"], seconds(ended["EndedAt"])) == ("DISABLED", now)
    assert (seconds(restarted["StartedAt"]), "EndedAt" in restarted) == (now, False)


def test_warm_throughput_scales_an_on_demand_stream_through_updating():
    with FirehoseFake(region=REGION, update_delay=60) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        commitment(client, "ENABLED")
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        before = warm(client)
        answer = fits(
            "UpdateStreamWarmThroughput",
            client.update_stream_warm_throughput(StreamARN=ARN, WarmThroughputMiBps=100),
        )
        during, status = warm(client), fake.kinesis["s"].status
        again = refused(client.update_stream_warm_throughput, StreamName="s", WarmThroughputMiBps=5)
        fake.kinesis.clock.advance(seconds=60)

        assert before == {"TargetMiBps": 0, "CurrentMiBps": 0}
        assert answer["WarmThroughput"] == {"TargetMiBps": 100, "CurrentMiBps": 0}
        assert (answer["StreamName"], answer["StreamARN"]) == ("s", ARN)
        assert (during, status) == ({"TargetMiBps": 100, "CurrentMiBps": 0}, "UPDATING")
        assert error(again)[0] == "ResourceInUseException"
        assert warm(client) == {"TargetMiBps": 100, "CurrentMiBps": 100}


def test_warm_throughput_is_shown_only_while_the_commitment_holds(fake, kinesis_client):
    commitment(kinesis_client, "ENABLED")
    kinesis_client.create_stream(
        StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"}, WarmThroughputMiBps=40
    )
    shown = warm(kinesis_client)
    commitment(kinesis_client, "DISABLED")
    fake.kinesis.clock.advance(hours=24)

    assert shown == {"TargetMiBps": 40, "CurrentMiBps": 40}
    assert warm(kinesis_client) is None


def test_a_provisioned_stream_has_no_warm_throughput(fake, kinesis_client):
    commitment(kinesis_client, "ENABLED")
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    answer = refused(
        kinesis_client.update_stream_warm_throughput, StreamName="s", WarmThroughputMiBps=10
    )
    created = refused(
        kinesis_client.create_stream, StreamName="t", ShardCount=1, WarmThroughputMiBps=10
    )

    message = (
        "Warm throughput is not supported for stream {} under account {} in PROVISIONED "
        "capacity mode."
    )
    assert error(answer) == ("ValidationException", message.format("s", ACCOUNT), 400)
    assert error(created) == ("ValidationException", message.format("t", ACCOUNT), 400)
    assert warm(kinesis_client) is None
    assert kinesis_client.list_streams()["StreamNames"] == ["s"]


def test_warm_throughput_needs_the_commitment(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})

    answer = refused(
        kinesis_client.update_stream_warm_throughput, StreamName="s", WarmThroughputMiBps=10
    )

    assert error(answer) == (
        "InvalidArgumentException",
        f"Warm throughput for stream s under account {ACCOUNT} needs the account's "
        "MinimumThroughputBillingCommitment to be enabled (UpdateAccountSettings).",
        400,
    )


def test_warm_throughput_stops_at_10_gibps(fake, kinesis_client):
    commitment(kinesis_client, "ENABLED")
    kinesis_client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})

    over = refused(
        kinesis_client.update_stream_warm_throughput, StreamName="s", WarmThroughputMiBps=10241
    )
    kinesis_client.update_stream_warm_throughput(StreamName="s", WarmThroughputMiBps=10240)

    assert error(over) == (
        "LimitExceededException",
        f"Warm throughput of 10241 MiBps for stream s under account {ACCOUNT} exceeds the "
        "limit of 10240 MiBps.",
        400,
    )
    assert warm(kinesis_client) == {"TargetMiBps": 10240, "CurrentMiBps": 10240}


def test_switching_to_on_demand_takes_warm_throughput(fake, kinesis_client):
    commitment(kinesis_client, "ENABLED")
    kinesis_client.create_stream(StreamName="s", ShardCount=2)

    to_provisioned = refused(
        kinesis_client.update_stream_mode,
        StreamARN=ARN,
        StreamModeDetails={"StreamMode": "PROVISIONED"},
        WarmThroughputMiBps=10,
    )
    kinesis_client.update_stream_mode(
        StreamARN=ARN, StreamModeDetails={"StreamMode": "ON_DEMAND"}, WarmThroughputMiBps=30
    )
    switched = warm(kinesis_client)
    kinesis_client.update_stream_mode(
        StreamARN=ARN, StreamModeDetails={"StreamMode": "ON_DEMAND"}, WarmThroughputMiBps=50
    )

    assert error(to_provisioned)[0] == "ValidationException"
    assert switched == {"TargetMiBps": 30, "CurrentMiBps": 30}
    assert warm(kinesis_client) == {"TargetMiBps": 50, "CurrentMiBps": 50}


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_each_region_keeps_its_own_commitment(region):
    with FirehoseFake(region="us-east-1"):
        home = boto3.client("kinesis", region_name="us-east-1")
        commitment(home, "ENABLED")
        there = boto3.client("kinesis", region_name=region)

        expected = "ENABLED" if region == "us-east-1" else "DISABLED"
        assert commitment(there)["Status"] == expected


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("DescribeAccountSettings", {}),
        (
            "UpdateAccountSettings",
            {"MinimumThroughputBillingCommitment": {"Status": "ENABLED"}},
        ),
        ("UpdateStreamWarmThroughput", {"StreamName": "s", "WarmThroughputMiBps": 10}),
    ],
)
def test_calls_past_five_a_second_are_refused_when_quotas_are_on(fake, operation, params):
    client = boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    commitment(client, "ENABLED")
    client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    method = getattr(client, "".join(f"_{c.lower()}" if c.isupper() else c for c in operation)[1:])
    fake.kinesis.enforce_read_quotas()

    for _ in range(5):
        method(**params)
    over = refused(method, **params)
    fake.kinesis.clock.advance(seconds=1)
    method(**params)

    assert error(over) == (
        "LimitExceededException",
        f"Rate exceeded for {'stream s under ' if 'StreamName' in params else ''}"
        f"account {ACCOUNT}.",
        400,
    )
