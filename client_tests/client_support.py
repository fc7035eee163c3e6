"""What the client tests need to know about each service, so one test covers both."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest

from pytest_firehose import FirehoseServer

#: The plugin's default account id, which AWS's messages name.
ACCOUNT = "123456789012"
#: A new Kinesis stream's only shard.
SHARD = "shardId-000000000000"


@dataclass(frozen=True)
class Service:
    name: str
    #: The batch put, as the API and as the AWS CLI spell it.
    put: str
    cli_put: str
    #: The answer's count of failed records, and its per-record list.
    failed_count: str
    entries: str
    #: What a throttled record (or a throttled call) says, as AWS says it.
    throttle_code: str
    throttle_status: int
    throttle_message: str
    not_found_message: str

    def handle(self, server: FirehoseServer) -> Any:
        return getattr(server, self.name)

    def create(self, server: FirehoseServer, stream: str) -> None:
        if self.name == "firehose":
            server.firehose.create_delivery_stream(stream)
        else:
            server.kinesis.create_stream(stream)

    def cli_put_args(self, stream: str, payloads: list[str]) -> tuple[str, ...]:
        """``aws <service> <batch put> ...``; AWS CLI v1 base64-encodes blob text itself."""
        if self.name == "firehose":
            records = [{"Data": text} for text in payloads]
            return (
                "firehose",
                self.cli_put,
                "--delivery-stream-name",
                stream,
                "--records",
                json.dumps(records),
            )
        records = [{"Data": text, "PartitionKey": f"key-{i}"} for i, text in enumerate(payloads)]
        return ("kinesis", self.cli_put, "--stream-name", stream, "--records", json.dumps(records))

    def assert_exactly_once(self, server: FirehoseServer, stream: str, payloads: list[str]) -> None:
        """Each payload reached the stream once: none lost, none duplicated."""
        __tracebackhide__ = True
        expected = [text.encode() for text in payloads]
        if self.name == "firehose":
            server.firehose[stream].assert_delivered(expected)
        else:
            server.kinesis[stream].assert_records(expected)

    def records(self, server: FirehoseServer, stream: str) -> list[bytes]:
        """The payloads the stream accepted, in commit order."""
        return [record.data for record in self.handle(server)[stream].records]


FIREHOSE = Service(
    name="firehose",
    put="PutRecordBatch",
    cli_put="put-record-batch",
    failed_count="FailedPutCount",
    entries="RequestResponses",
    throttle_code="ServiceUnavailableException",
    throttle_status=500,
    throttle_message="Slow down.",
    not_found_message="Firehose {stream} under account {account} not found.",
)
KINESIS = Service(
    name="kinesis",
    put="PutRecords",
    cli_put="put-records",
    failed_count="FailedRecordCount",
    entries="Records",
    throttle_code="ProvisionedThroughputExceededException",
    throttle_status=400,
    throttle_message=(
        "Rate exceeded for shard {shard} in stream {stream} under account {account}."
    ),
    not_found_message="Stream {stream} under account {account} not found.",
)

SERVICES = [pytest.param(FIREHOSE, id="firehose"), pytest.param(KINESIS, id="kinesis")]


def message(template: str, stream: str) -> str:
    return template.format(stream=stream, account=ACCOUNT, shard=SHARD)


# ---------------------------------------------------------------------- destinations

ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose"
#: The bucket a stored destination writes the records it gives up on to.
FAILED_RECORDS_BUCKET = {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::failed-records"}
RETRY_OPTIONS = {"DurationInSeconds": 60}
SPLUNK = {
    "HECEndpoint": "https://splunk.example.com:8088",
    "HECEndpointType": "Event",
    "HECToken": "0000-token",
    "RetryOptions": RETRY_OPTIONS,
    "S3Configuration": FAILED_RECORDS_BUCKET,
}
OPENSEARCH = {
    "RoleARN": ROLE,
    "DomainARN": f"arn:aws:es:us-east-1:{ACCOUNT}:domain/logs",
    "IndexName": "logs",
    "RetryOptions": RETRY_OPTIONS,
    "S3Configuration": FAILED_RECORDS_BUCKET,
}
SNOWFLAKE = {
    "AccountUrl": "https://example.us-east-1.snowflakecomputing.com",
    "PrivateKey": "PRIVATEKEY" * 26,  # base64 text, 256 characters or more
    "User": "loader",
    "Database": "RAW",
    "Schema": "EVENTS",
    "Table": "CLICKS",
    "RoleARN": ROLE,
    "S3Configuration": FAILED_RECORDS_BUCKET,
}
#: Seconds of fake time after which a batch put now is delivered or given up on: past the
#: buffering interval (300 s at most by default) and the retries (60 s, then the next retry
#: after it, at most 15 minutes later), well within the 24 hours before records expire.
PAST_RETRIES = 3600
#: The developer guide's Splunk data delivery error, and its message.
INVALID_TOKEN = "Splunk.InvalidToken"
INVALID_TOKEN_MESSAGE = (
    "The HEC token is invalid. Update Kinesis Data Firehose with a valid HEC token."
)
#: The guide's Snowflake error for a row, the default of destination_refuses.
INVALID_COLUMNS = "Snowflake.InvalidColumns"


def b64(text: str) -> str:
    """``text`` in base64, as the control API takes bytes."""
    return base64.b64encode(text.encode()).decode()
