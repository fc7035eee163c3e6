"""The click-event transform run as Firehose runs it: registered as the delivery stream's
Lambda processor with ``firehose.lambda_function``, invoked on the fake clock with the real
transformation event, and its answer applied as Firehose applies it."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import boto3
import pytest
from clickstream.transform import handler

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:clickstream-transform"
ROLE = "arn:aws:iam::123456789012:role/firehose-clicks"
#: 2026-12-02T10:00:00Z, the instant the clicks happened.
TS = 1_796_205_600
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def click(page: str, user_agent: str = CHROME, **extra: Any) -> bytes:
    return json.dumps({"page": page, "ts": TS, "user_agent": user_agent, **extra}).encode()


def line(page: str, browser: str, session: str | None = None) -> bytes:
    fields = {"page": page, "day": "2026-12-02", "browser": browser, "session": session}
    return json.dumps(fields, separators=(",", ":")).encode() + b"\n"


def put(*data: bytes) -> dict[str, Any]:
    """What the web tier does: one PutRecordBatch of raw clicks."""
    client = boto3.client("firehose", region_name="us-east-1")
    return client.put_record_batch(DeliveryStreamName="clicks", Records=[{"Data": d} for d in data])


def create_clicks(firehose: Any, interval: int = 60, **processor: str) -> Any:
    """The delivery stream as production configures it: the transform, then S3, gzipped."""
    parameters = [{"ParameterName": "LambdaArn", "ParameterValue": FUNCTION}]
    parameters += [{"ParameterName": k, "ParameterValue": v} for k, v in processor.items()]
    return firehose.create_delivery_stream(
        "clicks",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::clickstream-landing",
            "Prefix": "clicks/",
            "ErrorOutputPrefix": "clicks-errors/!{firehose:error-output-type}/",
            "CompressionFormat": "GZIP",
            "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": interval},
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [{"Type": "Lambda", "Parameters": parameters}],
            },
        },
    )


@pytest.fixture
def clicks(firehose: Any) -> Any:
    firehose.lambda_function(FUNCTION, handler)
    return create_clicks(firehose)


def test_clicks_are_enriched_and_crawlers_dropped(clicks: Any) -> None:
    put(
        click("/pricing?utm_source=ad", session="s-1"),
        click("/", GOOGLEBOT),
        click("/docs/start", FIREFOX, session="s-2"),
    )

    clicks.flush()

    clicks.assert_delivered(
        [line("/pricing", "Chrome", "s-1"), line("/docs/start", "Firefox", "s-2")], ordered=True
    )
    assert clicks.dropped == [click("/", GOOGLEBOT)]
    (obj,) = clicks.objects
    assert obj.key.startswith("clicks/")
    assert obj.key.endswith(".gz")
    assert gzip.decompress(obj.body) == line("/pricing", "Chrome", "s-1") + line(
        "/docs/start", "Firefox", "s-2"
    )


def test_the_function_sees_the_ids_the_put_answered(clicks: Any) -> None:
    answer = put(click("/a"), click("/b"))

    clicks.flush()

    (invocation,) = clicks.invocations
    assert [r["recordId"] for r in invocation.event["records"]] == [
        r["RecordId"] for r in answer["RequestResponses"]
    ]
    assert invocation.event["deliveryStreamArn"] == clicks.arn
    assert [r["result"] for r in invocation.answer["records"]] == ["Ok", "Ok"]


def test_what_is_not_a_click_goes_to_the_error_output_as_it_was_put(clicks: Any) -> None:
    put(b"<html>oops</html>", click("/ok"), b'{"page": "/no-ts"}')

    clicks.flush()

    clicks.assert_delivered([line("/ok", "Chrome")])
    assert clicks.processing_failed == [b"<html>oops</html>", b'{"page": "/no-ts"}']
    (error_object,) = clicks.error_objects
    assert error_object.key.startswith("clicks-errors/processing-failed/")
    errors = [json.loads(text) for text in gzip.decompress(error_object.body).splitlines()]
    assert [base64.b64decode(e["rawData"]) for e in errors] == clicks.processing_failed
    assert {e["errorCode"] for e in errors} == {"Lambda.ProcessingFailedStatus"}
    assert {e["lambdaARN"] for e in errors} == {FUNCTION}
    assert {e["attemptsMade"] for e in errors} == {1}


def test_firehose_waits_for_the_processor_buffer_then_the_destination_buffer(
    firehose: Any,
) -> None:
    firehose.lambda_function(FUNCTION, handler)
    clicks = create_clicks(firehose, interval=300, BufferIntervalInSeconds="120")
    put(click("/late"))

    firehose.clock.advance(seconds=119)
    assert clicks.invocations == []
    firehose.clock.advance(seconds=1)
    assert len(clicks.invocations) == 1
    # Transformed, the record waits in the destination's buffer, whose 300 seconds count
    # from the record's arrival.
    assert clicks.objects == []
    assert clicks.pending == [line("/late", "Chrome")]
    firehose.clock.advance(seconds=179)
    assert clicks.objects == []
    firehose.clock.advance(seconds=1)
    clicks.assert_delivered([line("/late", "Chrome")])


def test_a_throttled_invocation_is_retried_and_nothing_is_lost(firehose: Any) -> None:
    calls = []

    def throttled_once(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(context.aws_request_id)
        if len(calls) == 1:
            raise RuntimeError("Rate Exceeded.")
        return handler(event, context)

    firehose.lambda_function(FUNCTION, throttled_once)
    clicks = create_clicks(firehose)
    put(click("/a"), click("/b"))

    clicks.flush()

    clicks.assert_delivered([line("/a", "Chrome"), line("/b", "Chrome")], ordered=True)
    first, second = clicks.invocations
    assert isinstance(first.error, RuntimeError)
    assert second.error is None
    assert len(set(calls)) == 2  # each invocation is its own Lambda request
    assert clicks.processing_failed == []
