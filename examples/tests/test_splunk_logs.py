"""The logging handler against a delivery stream whose Splunk destination has an Event
endpoint: what Splunk indexes (``stream.events``), a record that is no HEC event failing on
its own, and a Splunk outage that outlasts the retry duration."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from splunk_logs import FirehoseHecHandler

ROLE = "arn:aws:iam::123456789012:role/firehose-logs"
FIELDS = {"service": "checkout", "env": "prod"}


@pytest.fixture
def stream(firehose: Any) -> Any:
    """The delivery stream as production configures it: Splunk's HEC event endpoint, five
    minutes of retries, then the S3 bucket."""
    return firehose.create_delivery_stream(
        "app-logs",
        SplunkDestinationConfiguration={
            "HECEndpoint": "https://splunk.example.com:8088",
            "HECEndpointType": "Event",
            "HECToken": "00000000-0000-0000-0000-000000000000",
            "RetryOptions": {"DurationInSeconds": 300},
            "S3Configuration": {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::app-logs-failed"},
        },
    )


@pytest.fixture
def log(stream: Any) -> Iterator[logging.Logger]:
    """The application's logger ``checkout.payments``, shipping through the handler."""
    client = boto3.client("firehose", region_name="us-east-1")
    handler = FirehoseHecHandler(client, "app-logs", host="web-1", fields=FIELDS)
    logger = logging.getLogger("checkout.payments")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield logger
    logger.removeHandler(handler)
    handler.close()


def ship(log: logging.Logger) -> None:
    """What the application does at the end of a request: flush its log handlers."""
    for handler in log.handlers:
        handler.flush()


def failed_lines(stream: Any) -> list[dict[str, Any]]:
    """The records Firehose gave up on, as written under ``splunk-failed/``."""
    lines = []
    for obj in stream.backed_up_objects:
        assert obj.key.startswith("splunk-failed/")
        lines += [json.loads(line) for line in obj.body.splitlines()]
    return lines


@pytest.mark.firehose_freeze_time
def test_each_log_record_is_an_event_indexed_at_its_own_time(firehose, stream, log):
    made = firehose.clock.now().timestamp()
    log.info("charged order %s", "o-1")
    firehose.clock.advance(seconds=1.5)
    log.warning("card declined")
    ship(log)

    firehose.clock.advance(minutes=5)  # Splunk receives them later: time stays the log's

    assert stream.events == [
        {
            "event": {"message": "charged order o-1", "level": "INFO"},
            "time": pytest.approx(made, abs=0.001),  # epoch seconds, to the millisecond
            "host": "web-1",
            "source": "checkout.payments",
            "sourcetype": "app:log",
            "index": None,  # the HEC token's default index
            "fields": {**FIELDS, "level": "INFO"},
        },
        {
            "event": {"message": "card declined", "level": "WARNING"},
            "time": pytest.approx(made + 1.5, abs=0.001),
            "host": "web-1",
            "source": "checkout.payments",
            "sourcetype": "app:log",
            "index": None,
            "fields": {**FIELDS, "level": "WARNING"},
        },
    ]


def test_a_traceback_goes_with_its_event(stream, log):
    try:
        raise TimeoutError("the payment provider did not answer")
    except TimeoutError:
        log.exception("refund failed")
    ship(log)
    stream.flush()

    [event] = stream.events
    assert event["event"]["message"] == "refund failed"
    assert event["event"]["level"] == "ERROR"
    assert event["event"]["exception"].endswith("TimeoutError: the payment provider did not answer")


def test_records_firehose_refuses_go_with_the_next_flush(firehose, stream, log):
    firehose.fail(records={0: "ServiceUnavailableException"})
    log.info("first")
    log.info("second")

    ship(log)
    assert [call.failed_indices for call in firehose.calls] == [(0,)]
    ship(log)
    stream.flush()

    assert [e["event"]["message"] for e in stream.events] == ["second", "first"]
    assert len(firehose.calls[1].records) == 1


def test_a_record_that_is_no_event_fails_alone(firehose, stream, log):
    """Another service on the same stream puts a plain text line, which an Event endpoint
    refuses: it is retried, then written to the bucket, and the handler's events go on."""
    log.info("charged order o-1")
    ship(log)
    boto3.client("firehose", region_name="us-east-1").put_record(
        DeliveryStreamName="app-logs", Record={"Data": b"GET /health 200\n"}
    )
    log.info("charged order o-2")
    ship(log)

    stream.flush()
    assert [e["event"]["message"] for e in stream.events] == [
        "charged order o-1",
        "charged order o-2",
    ]
    assert stream.pending == [b"GET /health 200\n"]  # retried within RetryOptions

    firehose.clock.advance(minutes=15)

    [failed] = failed_lines(stream)
    assert failed["errorCode"] == "Splunk.InvalidDataFormat"
    assert stream.backed_up == [b"GET /health 200\n"]
    assert len(stream.events) == 2


def test_an_outage_longer_than_the_retries_leaves_the_logs_in_s3(firehose, stream, log):
    stream.destination_down(error="Splunk.ServerError")
    log.info("charged order o-1")
    log.error("payment provider timed out")
    ship(log)
    stream.flush()

    # Firehose took the records: the application sees nothing of the outage.
    assert [call.failed_indices for call in firehose.calls] == [()]
    firehose.clock.advance(seconds=299)
    assert stream.backed_up == []
    assert len(stream.pending) == 2

    firehose.clock.advance(minutes=15)  # past RetryOptions' 300 seconds

    assert stream.events == []
    lines = failed_lines(stream)
    assert [line["errorCode"] for line in lines] == ["Splunk.ServerError"] * 2
    assert [json.loads(record)["event"]["message"] for record in stream.backed_up] == [
        "charged order o-1",
        "payment provider timed out",
    ]

    stream.destination_up()
    log.info("charged order o-2")
    ship(log)
    stream.flush()
    assert [e["event"]["message"] for e in stream.events] == ["charged order o-2"]
