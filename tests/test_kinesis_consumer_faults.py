"""Every read-side error a Kinesis consumer must survive can be scripted with
``kinesis.fail(...)``, and answers as AWS does: its code, HTTP status and message naming
the shard the call read; a consumer that handles them reads every record once."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION

ACCOUNT = "123456789012"
JAVA_DATE = r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}"


@pytest.fixture
def one_try(fake: Any) -> Any:
    client = boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    client.create_stream(StreamName="s", ShardCount=2)
    return client


def shard_1_iterator(client: Any) -> str:
    answer = client.get_shard_iterator(
        StreamName="s", ShardId="shardId-000000000001", ShardIteratorType="TRIM_HORIZON"
    )
    return str(answer["ShardIterator"])


def raised(method: Any, **params: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        method(**params)
    return caught.value


#: GetRecords' errors a consumer meets: code -> (HTTP status, message).
GET_RECORDS_ERRORS = {
    "ProvisionedThroughputExceededException": (
        400,
        f"Rate exceeded for Shard - {ACCOUNT}/s/shardId-000000000001",
    ),
    "ExpiredIteratorException": (
        400,
        f"Iterator expired. The iterator was created at time {JAVA_DATE} while right now it "
        f"is {JAVA_DATE} which is further in the future than the tolerated delay of 300000 "
        "milliseconds.",
    ),
    "InternalFailure": (500, "Internal service failure."),
    "InternalFailureException": (500, "Internal service failure."),
    "KMSThrottlingException": (400, "Rate exceeded for KMS key."),
    "KMSAccessDeniedException": (400, "Access denied to the stream's KMS key."),
    "KMSDisabledException": (400, "The KMS key of stream s is not enabled."),
    "KMSInvalidStateException": (
        400,
        "The state of the KMS key of stream s is not valid for this request.",
    ),
    "KMSNotFoundException": (400, "The KMS key of stream s was not found."),
    "KMSOptInRequired": (400, "The AWS access key ID needs a subscription for the service."),
}


@pytest.mark.parametrize("code", sorted(GET_RECORDS_ERRORS))
def test_a_scripted_get_records_error_answers_as_aws_does(fake, one_try, code):
    position = shard_1_iterator(one_try)
    fault = fake.kinesis.fail(error=code, operation="GetRecords")

    caught = raised(one_try.get_records, ShardIterator=position)
    after = one_try.get_records(ShardIterator=position)  # the fault hit once

    status, message = GET_RECORDS_ERRORS[code]
    response = caught.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
        code,
        status,
    )
    pattern = message if code == "ExpiredIteratorException" else re.escape(message)
    assert re.fullmatch(pattern, response["Error"]["Message"])
    assert fault.fired == 1
    assert after["Records"] == []


def test_the_scripted_get_records_errors_are_those_the_model_declares(one_try):
    declared = {
        shape.name
        for shape in one_try.meta.service_model.operation_model("GetRecords").error_shapes
    }
    # InternalFailure (HTTP 500) is the common error every operation may answer; the model
    # of older botocore releases lacks InternalFailureException.
    modelled = set(GET_RECORDS_ERRORS) - {"InternalFailure", "InternalFailureException"}
    assert modelled <= declared
    assert {code for code in declared if code.startswith("KMS")} <= set(GET_RECORDS_ERRORS)


def test_a_throttled_get_shard_iterator_names_the_shard_it_asked_for(fake, one_try):
    fake.kinesis.fail(throttle=True, operation="GetShardIterator")

    caught = raised(
        one_try.get_shard_iterator,
        StreamName="s",
        ShardId="shardId-000000000001",
        ShardIteratorType="LATEST",
    )

    assert caught.response["Error"]["Message"] == (
        f"Rate exceeded for shard shardId-000000000001 in stream s under account {ACCOUNT}."
    )


@pytest.mark.parametrize("shard", ["shardId-000000000000", "shardId-000000000001"])
def test_a_scripted_read_throttle_names_the_shard_read(fake, one_try, shard):
    position = one_try.get_shard_iterator(
        StreamName="s", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    fake.kinesis.fail(throttle=True, operation="GetRecords")
    fake.kinesis.fail(throttle=True, operation="GetShardIterator")

    read = raised(one_try.get_records, ShardIterator=position)
    asked = raised(
        one_try.get_shard_iterator, StreamName="s", ShardId=shard, ShardIteratorType="LATEST"
    )

    assert read.response["Error"]["Message"] == f"Rate exceeded for Shard - {ACCOUNT}/s/{shard}"
    assert asked.response["Error"]["Message"] == (
        f"Rate exceeded for shard {shard} in stream s under account {ACCOUNT}."
    )


def test_a_scripted_reshard_refusal_says_the_stream_is_updating(fake, one_try):
    fake.kinesis.fail(error="ResourceInUseException", operation="SplitShard")

    caught = raised(
        one_try.split_shard,
        StreamName="s",
        ShardToSplit="shardId-000000000000",
        NewStartingHashKey="100",
    )

    assert caught.response["Error"]["Message"] == (
        f"Stream s under account {ACCOUNT} not ACTIVE, instead in state UPDATING"
    )


def test_a_scripted_expired_list_shards_token_is_refused_as_aws_does(fake, one_try):
    token = one_try.list_shards(StreamName="s", MaxResults=1)["NextToken"]
    fake.kinesis.fail(error="ExpiredNextTokenException", operation="ListShards")

    caught = raised(one_try.list_shards, NextToken=token)

    assert caught.response["Error"]["Code"] == "ExpiredNextTokenException"


class SurvivingConsumer:
    """Reads one shard; keeps the sequence number of the last record it read, so that an
    expired iterator is replaced by one right after it, and retries what is transient."""

    TRANSIENT = frozenset(
        {
            "ProvisionedThroughputExceededException",
            "KMSThrottlingException",
            "InternalFailure",
            "InternalFailureException",
        }
    )

    def __init__(self, client: Any, shard_id: str) -> None:
        self.client = client
        self.shard_id = shard_id
        self.last: str | None = None
        self.iterator = self._fresh_iterator()
        self.read: list[bytes] = []
        self.errors: list[str] = []

    def _fresh_iterator(self) -> str:
        where: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
        if self.last is not None:
            where = {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "StartingSequenceNumber": self.last,
            }
        answer = self.client.get_shard_iterator(StreamName="s", ShardId=self.shard_id, **where)
        return str(answer["ShardIterator"])

    def poll(self) -> None:
        try:
            answer = self.client.get_records(ShardIterator=self.iterator, Limit=2)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            self.errors.append(code)
            if code == "ExpiredIteratorException":
                self.iterator = self._fresh_iterator()
            elif code not in self.TRANSIENT:
                raise
            return
        for record in answer["Records"]:
            self.read.append(record["Data"])
            self.last = record["SequenceNumber"]
        self.iterator = answer["NextShardIterator"]


def test_a_consumer_survives_every_transient_read_error_and_reads_each_record_once(fake, one_try):
    sent = [b"%d" % number for number in range(12)]
    for payload in sent:
        one_try.put_record(StreamName="s", Data=payload, PartitionKey="beta")  # shard 1
    consumer = SurvivingConsumer(one_try, "shardId-000000000001")
    fake.kinesis.clock.advance(seconds=1)
    faults = [
        fake.kinesis.fail(error=code, operation="GetRecords", call=2)
        for code in ("ExpiredIteratorException", *sorted(SurvivingConsumer.TRANSIENT))
    ]

    for _ in range(20):
        consumer.poll()
        fake.kinesis.clock.advance(seconds=1)

    assert consumer.read == sent
    assert sorted(consumer.errors) == sorted(
        ["ExpiredIteratorException", *SurvivingConsumer.TRANSIENT]
    )
    assert [fault.fired for fault in faults] == [1] * len(faults)


def test_a_list_shards_token_expires_after_300_seconds(fake, one_try):
    first = one_try.list_shards(StreamName="s", MaxResults=1)["NextToken"]
    fake.kinesis.clock.advance(seconds=300)
    fresh = one_try.list_shards(NextToken=first)
    second = one_try.list_shards(StreamName="s", MaxResults=1)["NextToken"]
    fake.kinesis.clock.advance(seconds=300.001)

    caught = raised(one_try.list_shards, NextToken=second)

    assert [shard["ShardId"] for shard in fresh["Shards"]] == ["shardId-000000000001"]
    assert caught.response["Error"]["Code"] == "ExpiredNextTokenException"
    assert caught.response["ResponseMetadata"]["HTTPStatusCode"] == 400
