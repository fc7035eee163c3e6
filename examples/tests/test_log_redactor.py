"""The log transform run as Firehose runs it, behind CloudWatch Logs decompression and
message extraction: the test puts log events as the subscription filter sends them, and the
transform gets the messages."""

from __future__ import annotations

import gzip
import json
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from log_redactor import handler

#: The processor types this botocore can send: message extraction's since early 2024.
FIREHOSE = botocore.session.get_session().get_service_model("firehose")
pytestmark = pytest.mark.skipif(
    "CloudWatchLogProcessing" not in FIREHOSE.shape_for("ProcessorType").enum,
    reason=f"botocore {botocore.__version__} predates CloudWatch Logs message extraction",
)

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:log-redactor"
ROLE = "arn:aws:iam::123456789012:role/firehose-logs"


def log(level: str, message: str, **extra: Any) -> str:
    """A line as the application logs it."""
    return json.dumps({"level": level, "message": message, **extra})


def line(**fields: Any) -> bytes:
    return json.dumps(fields, separators=(",", ":")).encode() + b"\n"


@pytest.fixture
def logs(firehose: Any) -> Any:
    """The delivery stream as production configures it: decompression, message extraction,
    the transform, then S3."""
    firehose.lambda_function(FUNCTION, handler)
    return firehose.create_delivery_stream(
        "app-logs",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::app-logs",
            "Prefix": "logs/",
            "ErrorOutputPrefix": "logs-errors/!{firehose:error-output-type}/",
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [
                    {"Type": "Decompression"},
                    {
                        "Type": "CloudWatchLogProcessing",
                        "Parameters": [
                            {"ParameterName": "DataMessageExtraction", "ParameterValue": "true"}
                        ],
                    },
                    {
                        "Type": "Lambda",
                        "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": FUNCTION}],
                    },
                ],
            },
        },
    )


def test_lines_are_redacted_and_debug_left_out(logs: Any) -> None:
    logs.put_log_events(
        [
            log("INFO", "signed up", user="ada@example.com"),
            log("DEBUG", "cache miss"),
            "plain text from a library, mail bob@example.org",
        ],
        log_group="/aws/lambda/signup",
    )

    logs.assert_delivered(
        [
            line(level="INFO", message="signed up", user="[email]")
            + line(message="plain text from a library, mail [email]")
        ]
    )
    (invocation,) = logs.invocations
    assert len(invocation.event["records"]) == 1  # one record for the batch of events


def test_a_batch_of_debug_lines_and_the_control_message_are_dropped(logs: Any) -> None:
    debug = logs.put_log_events([log("DEBUG", "a"), log("DEBUG", "b")])
    control = {"messageType": "CONTROL_MESSAGE", "logEvents": [{"message": "CWL CONTROL"}]}
    logs.put_from_logs(gzip.compress(json.dumps(control).encode()))

    logs.flush()

    assert logs.delivered == []
    assert len(logs.dropped) == 2
    assert logs.records[0] == debug  # the log keeps the records as CloudWatch Logs sent them


def test_data_that_is_not_from_cloudwatch_logs_never_reaches_the_function(logs: Any) -> None:
    logs.put_from_logs(b"plain, not gzip")

    logs.flush()

    assert logs.invocations == []
    assert logs.decompression_failed == [b"plain, not gzip"]
    (error,) = logs.error_objects
    assert error.key.startswith("logs-errors/decompression-failed/")


def test_the_application_cannot_put_to_the_stream_itself(logs: Any) -> None:
    client = boto3.client("firehose", region_name="us-east-1")

    with pytest.raises(ClientError) as refused:
        client.put_record(DeliveryStreamName="app-logs", Record={"Data": b"direct"})

    assert refused.value.response["Error"]["Code"] == "InvalidSourceException"
