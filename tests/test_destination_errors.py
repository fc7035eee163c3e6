"""The errors a stored destination (OpenSearch, Splunk, Snowflake, Iceberg) names: single
records it refuses (``destination_refuses``) and the code of a down destination
(``destination_down(error=...)``), as the records written to its ``S3Configuration``
bucket show them."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from conftest import S3, failed_lines, put_batch
from test_other_destinations import (
    DOMAIN,
    ICEBERG,
    SEARCH,
    SNOWFLAKE,
    SNOWFLAKE_MODELLED,
    SPLUNK,
    cases,
)

from pytest_firehose import FirehoseFake, UsageError

OPENSEARCH = {**SEARCH, "DomainARN": DOMAIN, "RetryOptions": {"DurationInSeconds": 120}}
MAPPER_400 = '{"type":"mapper_parsing_exception","reason":"failed to parse"}'
REJECTED_429 = (
    '{"type":"rejected_execution_exception","reason":"rejected execution of coordinating '
    'operation"}'
)


def _bad(record: bytes) -> bool:
    return b"bad" in record


def test_refused_documents_are_retried_then_written_to_the_bucket_and_the_rest_delivered(
    fake: FirehoseFake,
    landing_s3: Any,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )
    stream.destination_refuses(_bad, error="429")
    _, bad_id, _ = put_batch(b'{"n":1}', b'{"bad":2}', b'{"n":3}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"n":1}', b'{"n":3}']
    assert stream.pending == [b'{"bad":2}']  # retried within RetryOptions
    fake.firehose.clock.advance(seconds=119)
    assert failed_lines(landing_s3, "") == []

    fake.firehose.clock.advance(minutes=15)
    [line] = failed_lines(landing_s3, "AmazonOpenSearchService-failed/")

    assert stream.backed_up == [b'{"bad":2}']
    assert stream.pending == []
    assert stream.delivered == [b'{"n":1}', b'{"n":3}']
    assert (line["errorCode"], line["errorMessage"]) == ("429", REJECTED_429)
    assert line["esDocumentId"] == bad_id
    assert line["attemptsMade"] > 1
    assert base64.b64decode(line["rawData"]) == b'{"bad":2}'


def test_each_refused_document_is_retried_or_written_at_once_by_its_own_status(
    fake: FirehoseFake,
    landing_s3: Any,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )
    stream.destination_refuses(_bad, error="429")
    put_batch(b'{"bad": "busy"}', b"not json", b'{"n": 1}')
    fake.firehose.flush()

    [at_once] = failed_lines(landing_s3, "AmazonOpenSearchService-failed/")
    assert stream.pending == [b'{"bad": "busy"}']  # 429: tried again
    assert stream.backed_up == [b"not json"]  # 400: the document itself is refused

    fake.firehose.clock.advance(minutes=15)
    lines = failed_lines(landing_s3, "AmazonOpenSearchService-failed/")

    assert (at_once["errorCode"], at_once["attemptsMade"]) == ("400", 1)
    [retried] = [line for line in lines if line["errorCode"] == "429"]
    assert retried["attemptsMade"] > 1
    assert stream.backed_up == [b"not json", b'{"bad": "busy"}']
    assert stream.delivered == [b'{"n": 1}']
    assert stream.pending == []


def test_documents_refused_no_more_before_the_retries_run_out_are_delivered(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )
    stream.destination_refuses(_bad, error="429")
    put_batch(b'{"bad": 1}', b'{"good": 2}')
    fake.firehose.flush()
    fake.firehose.clock.advance(seconds=60)

    stream.destination_accepts()
    fake.firehose.clock.advance(seconds=30)  # the next retry (1 s doubling: 63 s, then 127 s)

    assert stream.delivered == [b'{"good": 2}', b'{"bad": 1}']
    assert stream.backed_up == []
    assert stream.pending == []


@SNOWFLAKE_MODELLED
def test_refused_snowflake_rows_go_to_the_bucket_at_once_without_retries(
    fake: FirehoseFake,
    landing_s3: Any,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", SnowflakeDestinationConfiguration=SNOWFLAKE
    )
    stream.destination_refuses(_bad)
    put_batch(b'{"bad": 1}', b'{"row": 2}')
    fake.firehose.flush()
    [line] = failed_lines(landing_s3, "snowflake-failed/")

    assert stream.backed_up == [b'{"bad": 1}']
    assert stream.delivered == [b'{"row": 2}']
    assert stream.pending == []
    assert line["errorCode"] == "Snowflake.InvalidColumns"
    assert line["errorMessage"].startswith("Snowpipe Streaming does not support columns")
    assert line["attemptsMade"] == 1


@SNOWFLAKE_MODELLED
def test_a_snowflake_role_or_table_that_cannot_work_is_not_retried(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        SnowflakeDestinationConfiguration={
            **SNOWFLAKE,
            "RetryOptions": {"DurationInSeconds": 600},
        },
    )
    stream.destination_down(error="Snowflake.DefaultRoleMissing")
    put_batch(b'{"row": 1}')
    fake.firehose.flush()
    [role] = failed_lines(landing_s3, "snowflake-failed/")
    assert stream.pending == []  # written at once

    stream.destination_down()  # unreachable: retried for the retry duration
    put_batch(b'{"row": 2}')
    fake.firehose.flush()
    assert stream.pending == [b'{"row": 2}']
    stream.destination_down(error="Snowflake.InvalidTableType")
    fake.firehose.clock.advance(seconds=5)  # the next retry fails for good
    lines = failed_lines(landing_s3, "snowflake-failed/")

    assert (role["errorCode"], role["attemptsMade"]) == ("Snowflake.DefaultRoleMissing", 1)
    assert role["errorMessage"].startswith("The Snowflake role is not configured")
    [table] = [line for line in lines if line["errorCode"] == "Snowflake.InvalidTableType"]
    assert table["attemptsMade"] > 1  # tried while unreachable, then not again
    assert stream.backed_up == [b'{"row": 1}', b'{"row": 2}']
    assert stream.pending == []


@pytest.mark.parametrize(
    ("kind", "config"),
    [
        ("ElasticsearchDestinationConfiguration", OPENSEARCH),
        (
            "AmazonOpenSearchServerlessDestinationConfiguration",
            {**SEARCH, "CollectionEndpoint": "https://abc.us-east-1.aoss.amazonaws.com"},
        ),
    ],
)
def test_every_opensearch_kind_refuses_documents(
    fake: FirehoseFake, kind: str, config: dict[str, Any]
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", **{kind: {**config, "RetryOptions": {"DurationInSeconds": 0}}}
    )
    stream.destination_refuses(_bad, error="409")
    put_batch(b'{"bad": 1}', b'{"ok": 2}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"ok": 2}']
    (obj,) = fake.world.firehose().streams["events"].backed_up
    assert obj.key.startswith("AmazonOpenSearchService-failed/")
    assert json.loads(obj.body)["errorCode"] == "409"


def test_the_refusal_sees_each_record_as_delivered(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [{"Type": "AppendDelimiterToRecord"}],
            },
        },
    )
    stream.destination_refuses(lambda record: record.endswith(b"\n"), error="429")
    put_batch(b"{}")
    fake.firehose.flush()

    assert stream.delivered == []
    assert stream.pending == [b"{}\n"]


def test_a_refusal_that_raises_is_reported_and_the_records_wait(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )

    def broken(record: bytes) -> bool:
        raise ValueError("no")

    stream.destination_refuses(broken)
    put_batch(b"{}")
    fake.firehose.flush()

    assert stream.pending == [b"{}"]
    assert [type(e.error) for e in stream.delivery_errors] == [ValueError]


@pytest.mark.parametrize(
    ("kind", "config"),
    cases(
        ("SplunkDestinationConfiguration", SPLUNK),
        ("IcebergDestinationConfiguration", ICEBERG),
    ),
)
def test_destinations_without_single_record_refusals_on_record_say_which_have_them(
    fake: FirehoseFake, kind: str, config: dict[str, Any]
) -> None:
    stream = fake.firehose.create_delivery_stream("events", **{kind: config})

    with pytest.raises(
        UsageError, match="OpenSearch Service, Elasticsearch, OpenSearch Serverless, Snowflake"
    ):
        stream.destination_refuses(_bad)


def test_refusals_and_error_codes_on_a_destination_the_fake_does_not_store_are_usage_errors(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream("events", ExtendedS3DestinationConfiguration=S3)

    with pytest.raises(UsageError, match="'events' does not deliver to one"):
        stream.destination_refuses(_bad)
    with pytest.raises(UsageError, match="destination_down"):
        stream.destination_down(error="S3.AccessDenied")


def test_an_undocumented_code_is_a_usage_error_listing_the_documented_ones(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )

    with pytest.raises(UsageError, match=r"'404' is not a documented .* one of: 400, 409, 429"):
        stream.destination_refuses(_bad, error="404")
    with pytest.raises(UsageError, match=r"use one of: OS\.ConnectionFailed, 403, 500, 503"):
        stream.destination_down(error="OS.AccessDenied")
    with pytest.raises(UsageError, match="a function of a record's bytes, not bytes"):
        stream.destination_refuses(b"bad")  # type: ignore[arg-type]
    # A code that is no string was a TypeError (a list is no key of the documented codes).
    with pytest.raises(UsageError, match=r"\['400'\] is not a documented .* one of: 400, 409"):
        stream.destination_refuses(_bad, error=["400"])  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=r"\{\} is not a documented .* one of: OS\."):
        stream.destination_down(error={})  # type: ignore[arg-type]


def test_a_down_destination_names_the_error_it_was_given(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        SplunkDestinationConfiguration={**SPLUNK, "RetryOptions": {"DurationInSeconds": 0}},
    )
    stream.destination_down(error="Splunk.InvalidToken")
    put_batch(b"a")
    fake.firehose.flush()
    stream.destination_down()  # without an error: the default again
    put_batch(b"b")
    fake.firehose.flush()
    lines = failed_lines(landing_s3, "splunk-failed/")

    assert sorted((line["errorCode"], line["errorMessage"]) for line in lines) == [
        (
            "Splunk.ConnectionTimeout",
            "The connection to Splunk timed out. This might be a transient error and the "
            "request will be retried. Kinesis Data Firehose backs up the data to Amazon S3 "
            "if all retries fail.",
        ),
        (
            "Splunk.InvalidToken",
            "The HEC token is invalid. Update Kinesis Data Firehose with a valid HEC token.",
        ),
    ]


def test_an_acknowledgement_timeout_fails_each_attempt_only_once_the_timeout_passed(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        SplunkDestinationConfiguration={**SPLUNK, "RetryOptions": {"DurationInSeconds": 0}},
    )
    stream.destination_down(error="Splunk.AckTimeout")
    sent = fake.firehose.clock.now()
    put_batch(b"a")
    fake.firehose.flush()
    fake.firehose.clock.advance(seconds=179)
    fake.firehose.flush()  # a flush does not cut the wait short

    assert stream.backed_up == []
    assert stream.pending == [b"a"]
    fake.firehose.clock.advance(seconds=1)  # HECAcknowledgmentTimeoutInSeconds: 180

    (obj,) = fake.world.firehose().streams["events"].backed_up
    line = json.loads(obj.body)
    assert line["errorCode"] == "Splunk.AckTimeout"
    assert line["attemptsMade"] == 1
    assert line["attemptEndingTimestamp"] == int(sent.timestamp() * 1000) + 180_000


def test_the_retry_duration_leaves_out_the_waits_for_acknowledgements(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        SplunkDestinationConfiguration={
            **SPLUNK,
            "RetryOptions": {"DurationInSeconds": 300},
            "HECAcknowledgmentTimeoutInSeconds": 200,
        },
    )
    stream.destination_down(error="Splunk.AckTimeout")
    put_batch(b"a")
    fake.firehose.flush()
    # Each attempt waits 200 s; between them the waits for a retry (1 s, doubling) are
    # what counts: they pass 300 s after the 10th attempt, whose wait ends at
    # 10 * 200 + (1 + 2 + ... + 256) = 2511 s.
    fake.firehose.clock.advance(seconds=2510)
    assert stream.backed_up == []

    fake.firehose.clock.advance(seconds=1)
    (obj,) = fake.world.firehose().streams["events"].backed_up
    assert json.loads(obj.body)["attemptsMade"] == 10


def test_a_stream_moved_to_another_destination_type_forgets_the_scripted_errors(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        SplunkDestinationConfiguration={**SPLUNK, "RetryOptions": {"DurationInSeconds": 0}},
    )
    stream.destination_down(error="Splunk.InvalidToken")
    boto3.client("firehose", region_name="us-east-1").update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        HttpEndpointDestinationUpdate={
            "EndpointConfiguration": {"Url": "https://collector.example.com/", "Name": "c"},
            "RetryOptions": {"DurationInSeconds": 0},
            "S3Update": S3,
        },
    )
    put_batch(b"a")
    fake.firehose.flush()

    (obj,) = fake.world.firehose().streams["events"].backed_up
    assert json.loads(obj.body)["errorCode"] == "HttpEndpoint.ConnectionFailed"
