"""Resource-based policies of Kinesis streams and consumers: put, get, replace and delete, the
refusals, and a policy going with its stream."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from conftest import REGION, needs_botocore, refused
from fanout_support import consumer_not_found
from test_kinesis_api import ACCOUNT, error, fits

from pytest_firehose import FirehoseFake

ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s"
CONSUMER_ARN = f"{ARN}/consumer/reader:1700000000"
pytestmark = needs_botocore("kinesis PutResourcePolicy")


def policy(*actions: str, principal: str = f"arn:aws:iam::{ACCOUNT}:root") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "share",
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": list(actions),
                    "Resource": ARN,
                }
            ],
        }
    )


def get(client: Any, arn: str = ARN) -> str:
    return str(fits("GetResourcePolicy", client.get_resource_policy(ResourceARN=arn))["Policy"])


def test_a_policy_is_put_replaced_and_deleted(fake, kinesis_client):
    # REAL: LocalStack's AWS-validated test_resource_policy_crud snapshot (2025-08-01).
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    before = get(kinesis_client)
    put = kinesis_client.put_resource_policy(ResourceARN=ARN, Policy=policy("kinesis:PutRecord"))
    first = get(kinesis_client)
    replacement = policy("kinesis:PutRecord", "kinesis:GetRecords")
    kinesis_client.put_resource_policy(ResourceARN=ARN, Policy=replacement)
    second = get(kinesis_client)
    deleted = kinesis_client.delete_resource_policy(ResourceARN=ARN)
    after = get(kinesis_client)
    again = refused(kinesis_client.delete_resource_policy, ResourceARN=ARN)

    assert (before, after) == ("{}", "{}")
    assert (first, second) == (policy("kinesis:PutRecord"), replacement)
    assert [
        answer["ResponseMetadata"]["HTTPHeaders"]["content-length"] for answer in (put, deleted)
    ] == ["0", "0"]
    assert error(again) == (
        "ResourceNotFoundException",
        f"No resource policy found for resource ARN {ARN}.",
        400,
    )


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/missing",
        f"arn:aws:kinesis:eu-west-1:{ACCOUNT}:stream/s",
        f"arn:aws:kinesis:{REGION}:210987654321:stream/s",
    ],
)
def test_a_policy_for_a_stream_not_here_is_not_found(fake, kinesis_client, arn):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    answers = [
        refused(kinesis_client.put_resource_policy, ResourceARN=arn, Policy=policy("kinesis:*")),
        refused(kinesis_client.get_resource_policy, ResourceARN=arn),
        refused(kinesis_client.delete_resource_policy, ResourceARN=arn),
    ]

    name = arn.rpartition("/")[2]
    for answer in answers:
        assert error(answer) == (
            "ResourceNotFoundException",
            f"Stream {name} under account {ACCOUNT} not found.",
            400,
        )


def test_a_consumer_that_is_not_registered_has_no_policy(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    answer = refused(kinesis_client.get_resource_policy, ResourceARN=CONSUMER_ARN)
    put = refused(
        kinesis_client.put_resource_policy, ResourceARN=CONSUMER_ARN, Policy=policy("kinesis:*")
    )

    assert error(answer) == (
        "ResourceNotFoundException",
        consumer_not_found(CONSUMER_ARN, ACCOUNT),
        400,
    )
    assert error(put)[0] == "ResourceNotFoundException"


def test_a_registered_consumer_keeps_its_own_policy():
    with FirehoseFake(region=REGION, creation_delay=5) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        fake.kinesis.clock.advance(seconds=5)
        consumer = client.register_stream_consumer(StreamARN=ARN, ConsumerName="reader")
        arn = consumer["Consumer"]["ConsumerARN"]
        created = int(consumer["Consumer"]["ConsumerCreationTimestamp"].timestamp())
        early = refused(client.put_resource_policy, ResourceARN=arn, Policy=policy("kinesis:*"))
        fake.kinesis.clock.advance(seconds=5)
        client.put_resource_policy(ResourceARN=arn, Policy=policy("kinesis:SubscribeToShard"))

        held, stream = get(client, arn), get(client)
        client.delete_resource_policy(ResourceARN=arn)
        gone = get(client, arn)

    # REAL (through CloudFormation, cloudformation-coverage-roadmap#2442).
    assert error(early) == (
        "ResourceInUseException",
        f"Consumer reader with creation timestamp {created} under stream s and account "
        f"{ACCOUNT} is not in ACTIVE status.",
        400,
    )
    assert (held, stream, gone) == (policy("kinesis:SubscribeToShard"), "{}", "{}")


NOT_A_POLICY = {
    "not JSON": ("{", "the policy is not valid JSON."),
    "a list": ("[]", "the policy must be a JSON object."),
    "no statement": ('{"Version": "2012-10-17"}', "the policy must have a Statement."),
    "empty statement list": ('{"Statement": []}', "the policy must have a Statement."),
    "a statement not an object": ('{"Statement": ["x"]}', "statement 1 is not a JSON object."),
    "no effect": (
        '{"Statement": {"Principal": "*", "Action": "kinesis:*"}}',
        "statement 1 must have an Effect of Allow or Deny.",
    ),
    "no action": (
        '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kinesis:*"},'
        ' {"Effect": "Deny", "Principal": "*"}]}',
        "statement 2 must have an Action.",
    ),
    "no principal": (
        '{"Statement": {"Effect": "Allow", "Action": "kinesis:*"}}',
        "statement 1 must have a Principal.",
    ),
}


@pytest.mark.parametrize(("text", "reason"), NOT_A_POLICY.values(), ids=NOT_A_POLICY)
def test_a_policy_that_is_not_one_is_refused_and_nothing_changes(
    fake, kinesis_client, text, reason
):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    kinesis_client.put_resource_policy(ResourceARN=ARN, Policy=policy("kinesis:GetRecords"))

    answer = refused(kinesis_client.put_resource_policy, ResourceARN=ARN, Policy=text)

    assert error(answer) == ("InvalidArgumentException", f"Invalid policy document: {reason}", 400)
    assert get(kinesis_client) == policy("kinesis:GetRecords")


def test_not_action_and_not_principal_make_a_policy_too(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    text = (
        '{"Statement": {"Effect": "Deny", "NotPrincipal": {"AWS": "*"}, '
        '"NotAction": "kinesis:Get*"}}'
    )

    kinesis_client.put_resource_policy(ResourceARN=ARN, Policy=text)

    assert get(kinesis_client) == text


def test_a_policy_goes_with_its_stream(fake, kinesis_client):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    kinesis_client.put_resource_policy(ResourceARN=ARN, Policy=policy("kinesis:PutRecord"))
    kinesis_client.delete_stream(StreamName="s")
    kinesis_client.create_stream(StreamName="s", ShardCount=1)

    assert get(kinesis_client) == "{}"


def test_a_creating_stream_takes_no_policy_yet():
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        early = refused(client.put_resource_policy, ResourceARN=ARN, Policy=policy("kinesis:*"))
        fake.kinesis.clock.advance(seconds=30)
        client.put_resource_policy(ResourceARN=ARN, Policy=policy("kinesis:*"))

        assert error(early) == (
            "ResourceInUseException",
            f"Stream s under account {ACCOUNT} not ACTIVE, instead in state CREATING",
            400,
        )
        assert get(client) == policy("kinesis:*")


def test_a_stream_creating_or_deleting_keeps_its_policy_as_it_is():
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        creating = refused(client.delete_resource_policy, ResourceARN=ARN)
        fake.kinesis.clock.advance(seconds=30)
        client.put_resource_policy(ResourceARN=ARN, Policy=policy("kinesis:*"))
        client.delete_stream(StreamName="s")
        deleting = refused(client.delete_resource_policy, ResourceARN=ARN)

        assert [error(answer) for answer in (creating, deleting)] == [
            (
                "ResourceInUseException",
                f"Stream s under account {ACCOUNT} not ACTIVE, instead in state {state}",
                400,
            )
            for state in ("CREATING", "DELETING")
        ]
        assert get(client) == policy("kinesis:*")
