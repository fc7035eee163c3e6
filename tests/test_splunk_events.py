"""What a Splunk destination's HTTP Event Collector receives (``stream.events``): on an
``Event`` endpoint each HEC event of the records, as Splunk indexes it; on a ``Raw``
endpoint each request's body, the records' bytes concatenated. A record an Event endpoint
cannot take fails on its own with ``Splunk.InvalidDataFormat``, is retried, and ends in
the ``S3Configuration`` bucket under ``splunk-failed/``."""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import boto3
import pytest
from conftest import failed_lines, put_batch
from test_other_destinations import SPLUNK

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning, UsageError

EVENT = {**SPLUNK, "HECEndpointType": "Event", "RetryOptions": {"DurationInSeconds": 60}}
RAW = {**SPLUNK, "HECEndpointType": "Raw"}
NO_METADATA = dict.fromkeys(("time", "host", "source", "sourcetype", "index", "fields"))
INVALID_DATA_FORMAT = (
    "The data is not formatted correctly. To see how to properly format data for Raw or "
    "Event HEC endpoints, see Splunk Event Data."
)


def test_an_event_endpoint_receives_each_event_with_its_metadata(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=EVENT)
    put_batch(
        b'{"event": {"level": "error"}, "time": 1700000000.5, "host": "web-1", '
        b'"source": "app", "sourcetype": "_json", "index": "ops", "fields": {"team": "a"}}\n',
        b'{"event": "plain text"}',
    )
    fake.firehose.flush()

    assert stream.events == [
        {
            "event": {"level": "error"},
            "time": 1700000000.5,
            "host": "web-1",
            "source": "app",
            "sourcetype": "_json",
            "index": "ops",
            "fields": {"team": "a"},
        },
        {"event": "plain text", **NO_METADATA},  # the HEC token's defaults apply
    ]


def test_a_record_may_hold_several_events_one_after_another(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=EVENT)
    put_batch(b'{"event": 1}{"event": [2]}\n  {"event": "three", "host": "h"}', b'{"event": 4}')
    fake.firehose.flush()

    assert [event["event"] for event in stream.events] == [1, [2], "three", 4]
    assert stream.events[2]["host"] == "h"
    assert stream.delivered == [
        b'{"event": 1}{"event": [2]}\n  {"event": "three", "host": "h"}',
        b'{"event": 4}',
    ]


def test_a_blank_record_adds_no_event_and_is_delivered(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=EVENT)
    put_batch(b"\n", b'{"event": "a"}')
    fake.firehose.flush()

    assert stream.delivered == [b"\n", b'{"event": "a"}']
    assert stream.events == [{"event": "a", **NO_METADATA}]


def test_a_raw_endpoint_receives_each_request_as_the_records_concatenated(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=RAW)
    put_batch(b"first line\n", b"no newline", b"{not an event}\n")
    fake.firehose.flush()
    put_batch(b"next request\n")
    fake.firehose.flush()

    assert stream.events == [
        {"raw": "first line\nno newline{not an event}\n"},
        {"raw": "next request\n"},
    ]
    assert stream.backed_up == []


@pytest.mark.parametrize(
    "record",
    [
        b"plain text",
        b'{"no": "event"}',
        b'{"event": ""}',
        b'{"event": null}',
        b'{"event": "a", "fields": ["not", "an", "object"]}',
        b'{"event": "a", "fields": {"team": {"name": "payments"}}}',
        b'{"event": "a", "fields": {"tags": ["a", [1]]}}',
        b'{"event": "a", "fields": {"tags": [{"name": "a"}]}}',
        b'{"event": NaN}',
        b'["event", "in", "an", "array"]',
        b'{"event": "a"} trailing words',
        b'{"event": "a"',
        b'\xff{"event": "a"}',
    ],
)
def test_a_record_that_is_no_hec_event_is_retried_then_written_to_splunk_failed(
    fake: FirehoseFake, record: bytes, landing_s3: Any
) -> None:
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=EVENT)
    _, refused_id = put_batch(b'{"event": "ok"}', record)
    fake.firehose.flush()
    assert stream.pending == [record]  # retried within RetryOptions
    assert failed_lines(landing_s3, "splunk-failed/") == []
    fake.firehose.clock.advance(minutes=2)
    [line] = failed_lines(landing_s3, "splunk-failed/")

    assert stream.events == [{"event": "ok", **NO_METADATA}]
    assert stream.delivered == [b'{"event": "ok"}']
    assert stream.backed_up == [record]
    assert stream.pending == []
    assert (line["errorCode"], line["errorMessage"]) == (
        "Splunk.InvalidDataFormat",
        INVALID_DATA_FORMAT,
    )
    assert line["attemptsMade"] > 1
    assert line["EventId"] == f"{refused_id}.0"
    assert base64.b64decode(line["rawData"]) == record


def test_indexed_fields_may_be_lists_of_values(fake: FirehoseFake) -> None:
    """HEC indexes a list of values as a multi-value field; only nesting is refused."""
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=EVENT)
    put_batch(b'{"event": "a", "fields": {"club": "glee", "wins": ["regionals", "nationals"]}}')
    fake.firehose.flush()

    [event] = stream.events
    assert event["fields"] == {"club": "glee", "wins": ["regionals", "nationals"]}
    assert stream.backed_up == []


def test_a_raw_endpoint_takes_what_an_event_endpoint_refuses(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=RAW)
    put_batch(b'{"no": "event"}', b"\xff")
    fake.firehose.flush()

    assert stream.delivered == [b'{"no": "event"}', b"\xff"]
    assert stream.events == [{"raw": '{"no": "event"}\ufffd'}]  # as UTF-8, replaced


def test_a_down_endpoint_receives_nothing_until_it_is_back(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=EVENT)
    stream.destination_down(error="Splunk.ServerError")
    put_batch(b'{"event": "a"}')
    fake.firehose.flush()
    assert stream.events == []

    stream.destination_up()
    fake.firehose.flush()

    assert stream.events == [{"event": "a", **NO_METADATA}]


def test_an_update_to_the_event_endpoint_applies_to_the_next_delivery(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=RAW)
    boto3.client("firehose", region_name="us-east-1").update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        SplunkDestinationUpdate={"HECEndpointType": "Event"},
    )
    put_batch(b'{"event": "a"}', b"raw text")
    fake.firehose.flush()

    assert stream.events == [{"event": "a", **NO_METADATA}]
    assert stream.pending == [b"raw text"]


def test_a_transformation_can_make_records_into_events(fake: FirehoseFake) -> None:
    def to_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
        records = []
        for record in event["records"]:
            line = base64.b64decode(record["data"]).decode().strip()
            data = json.dumps({"event": line, "sourcetype": "app:log"}).encode()
            records.append(
                {
                    "recordId": record["recordId"],
                    "result": "Ok",
                    "data": base64.b64encode(data).decode(),
                }
            )
        return {"records": records}

    fake.firehose.lambda_function("to-event", to_event)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:to-event"
    processor = {
        "Type": "Lambda",
        "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": arn}],
    }
    stream = fake.firehose.create_delivery_stream(
        "events",
        SplunkDestinationConfiguration={
            **EVENT,
            "ProcessingConfiguration": {"Enabled": True, "Processors": [processor]},
        },
    )
    put_batch(b"disk full\n")
    fake.firehose.clock.advance(minutes=5)

    assert [(e["event"], e["sourcetype"]) for e in stream.events] == [("disk full", "app:log")]


def test_a_splunk_destination_is_no_longer_reported_as_unmodelled(fake: FirehoseFake) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)
        fake.firehose.create_delivery_stream("raw", SplunkDestinationConfiguration=RAW)
        fake.firehose.create_delivery_stream(
            "event", SplunkDestinationConfiguration={**EVENT, "S3BackupMode": "AllEvents"}
        )


def test_refusing_single_events_stays_off_record_and_says_how_they_fail(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream("events", SplunkDestinationConfiguration=EVENT)

    with pytest.raises(UsageError, match="Splunk refusing single records is not on record") as got:
        stream.destination_refuses(lambda record: True)

    assert "a Splunk Event endpoint refuses a record by its content" in str(got.value)


def test_other_destinations_receive_no_events(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream("events")
    put_batch(b'{"event": "a"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"event": "a"}']
    assert stream.events == []
