"""Object keys follow Firehose's prefix rules: plain prefixes get the hour appended (UTC, or
the CustomTimeZone), ``!{timestamp:...}`` and ``!{firehose:random-string}`` expressions are
evaluated."""

from __future__ import annotations

import re
import warnings
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError
from conftest import S3, needs_botocore

STAMP = r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}"
UUID = r"[0-9a-f-]{36}"


def keys_for(fake, client, **destination) -> list[str]:
    client.create_delivery_stream(
        DeliveryStreamName="events", ExtendedS3DestinationConfiguration={**S3, **destination}
    )
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    stream = fake.firehose["events"]
    stream.flush()
    return [obj.key for obj in stream.objects]


def test_a_plain_prefix_gets_the_hour_appended_without_a_slash(fake, client):
    (key,) = keys_for(fake, client, Prefix="legacy")
    arrived = fake.firehose["events"].records[0].arrived_at
    assert key.startswith(f"legacy{arrived:%Y/%m/%d/%H}/events-1-")


def test_timestamp_and_random_string_expressions_are_evaluated(fake, client):
    (key,) = keys_for(
        fake,
        client,
        Prefix="logs/year=!{timestamp:yyyy}/month=!{timestamp:MM}/!{firehose:random-string}/"
        "!{firehose:random-string}/",
        ErrorOutputPrefix="errors/",
    )
    arrived = fake.firehose["events"].records[0].arrived_at
    match = re.fullmatch(
        rf"logs/year={arrived:%Y}/month={arrived:%m}/([a-z0-9]{{11}})/([a-z0-9]{{11}})/"
        rf"events-1-{STAMP}-{UUID}",
        key,
    )
    assert match, key
    assert match.group(1) != match.group(2), "each random-string is drawn anew"


def test_a_quoted_literal_in_a_timestamp_pattern_is_kept(fake, client):
    (key,) = keys_for(
        fake, client, Prefix="t=!{timestamp:yyyy-MM-dd'T'HH}/", ErrorOutputPrefix="errors/"
    )
    arrived = fake.firehose["events"].records[0].arrived_at
    assert key.startswith(f"t={arrived:%Y-%m-%dT%H}/events-1-")


def test_two_quotes_in_a_timestamp_pattern_write_one_as_java_time_does(fake, client):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing in these patterns goes unwritten
        (key,) = keys_for(
            fake,
            client,
            Prefix="t=!{timestamp:HH''mm}/at=!{timestamp:HH'o''clock'}/q=!{timestamp:''''}/",
            ErrorOutputPrefix="errors/",
        )
    arrived = fake.firehose["events"].records[0].arrived_at
    assert key.startswith(f"t={arrived:%H}'{arrived:%M}/at={arrived:%H}o'clock/q='/events-1-")


def test_expressions_need_an_error_output_prefix(client):
    with pytest.raises(ClientError) as raised:
        client.create_delivery_stream(
            DeliveryStreamName="events",
            ExtendedS3DestinationConfiguration={**S3, "Prefix": "p/!{timestamp:yyyy}/"},
        )
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidArgumentException"
    assert "ErrorOutputPrefix" in error["Message"]


def test_a_retried_delivery_is_named_by_its_delivery_id(fake, client):
    client.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            **S3,
            "Prefix": "r/!{firehose:random-string}/",
            "ErrorOutputPrefix": "errors/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        },
    )
    stream = fake.firehose["events"]
    stream.destination_down()
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    fake.firehose.clock.advance(seconds=61)  # the first attempt fails
    stream.destination_up()
    stream.flush()

    (obj,) = stream.objects
    assert obj.key.endswith(obj.delivery_id)
    assert obj.delivered_at > stream.records[0].arrived_at


#: botocore releases before CustomTimeZone cannot send it.
CUSTOM_TIME_ZONE = "firehose CreateDeliveryStream.ExtendedS3DestinationConfiguration.CustomTimeZone"


@needs_botocore(CUSTOM_TIME_ZONE)
def test_a_custom_time_zone_names_the_hour_folders_and_the_keys_time(fake, client):
    """The developer guide: the time zone is used "for time prefix and suffix"."""
    (key,) = keys_for(fake, client, Prefix="p/", CustomTimeZone="Asia/Tokyo")
    local = fake.firehose["events"].records[0].arrived_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert re.fullmatch(rf"p/{local:%Y/%m/%d/%H}/events-1-{local:%Y-%m-%d-%H-%M-%S}-{UUID}", key)


FAILS = "arn:aws:lambda:us-east-1:123456789012:function:fails"


@needs_botocore(CUSTOM_TIME_ZONE)
def test_a_custom_time_zone_names_the_error_outputs_keys(fake, client):
    zone = ZoneInfo("America/New_York")
    fake.firehose.lambda_function("fails", lambda event, context: {"records": []})
    client.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            **S3,
            "Prefix": "t=!{timestamp:yyyy-MM-dd'T'HH}/",
            "ErrorOutputPrefix": "e/!{firehose:error-output-type}/!{timestamp:HH}/",
            "CustomTimeZone": "America/New_York",
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [
                    {
                        "Type": "Lambda",
                        "Parameters": [
                            {"ParameterName": "LambdaArn", "ParameterValue": FAILS},
                            {"ParameterName": "NumberOfRetries", "ParameterValue": "0"},
                        ],
                    }
                ],
            },
        },
    )
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    stream = fake.firehose["events"]
    stream.flush()
    local = stream.records[0].arrived_at.astimezone(zone)

    (error,) = stream.error_objects
    assert error.key.startswith(f"e/processing-failed/{local:%H}/events-1-{local:%Y-%m-%d-%H}-")


@needs_botocore(CUSTOM_TIME_ZONE)
def test_a_custom_time_zone_applies_to_timestamp_expressions(fake, client):
    (key,) = keys_for(
        fake,
        client,
        Prefix="t=!{timestamp:yyyy-MM-dd'T'HH}/",
        ErrorOutputPrefix="errors/",
        CustomTimeZone="America/New_York",
    )
    local = fake.firehose["events"].records[0].arrived_at.astimezone(ZoneInfo("America/New_York"))
    assert key.startswith(f"t={local:%Y-%m-%dT%H}/events-1-{local:%Y-%m-%d-%H-%M-%S}-")


def test_an_object_shows_its_key_and_how_many_records_it_holds(fake, client):
    client.create_delivery_stream(
        DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3
    )
    client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"a"}, {"Data": b"b"}])
    stream = fake.firehose["events"]
    stream.flush()

    (obj,) = stream.objects
    assert repr(obj) == f"<DeliveredObject {obj.key!r}: 2 record(s)>"  # in assertion diffs
