"""Dynamic partitioning: keys from a jq query (MetadataExtraction) and from the transform's
``metadata.partitionKeys``, one buffer per partition, the partitioning-failed error output,
the active-partition limit, and the checks CreateDeliveryStream and UpdateDestination make."""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import botocore.session
import pytest
from conftest import REGION, S3, describe, needs_botocore, put, python_output, refused

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._destinations import partitioning as partitioning_module
from pytest_firehose._destinations import query_worker
from pytest_firehose._destinations.base import DeliveryTarget, MemoryDestination
from pytest_firehose._destinations.buffers import MIB
from pytest_firehose._destinations.pipeline import Delivery
from pytest_firehose._destinations.routes import route_for
from pytest_firehose._ids import IdSource

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:keys"
ERRORS = "errors/!{firehose:error-output-type}/"
BUFFERING = {"SizeInMBs": 64, "IntervalInSeconds": 60}
ON = {"Enabled": True}


def query(text: str) -> dict[str, Any]:
    return {
        "Type": "MetadataExtraction",
        "Parameters": [
            {"ParameterName": "MetadataExtractionQuery", "ParameterValue": text},
            {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
        ],
    }


LAMBDA = {
    "Type": "Lambda",
    "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": FUNCTION}],
}


def partitioned(*processors: dict[str, Any], **config: Any) -> dict[str, Any]:
    """An extended S3 configuration with dynamic partitioning and ``processors``."""
    return {
        **S3,
        "Prefix": "customer=!{partitionKeyFromQuery:customer}/",
        "ErrorOutputPrefix": ERRORS,
        "BufferingHints": BUFFERING,
        "DynamicPartitioningConfiguration": ON,
        "ProcessingConfiguration": {"Enabled": True, "Processors": list(processors)},
        **config,
    }


def by_customer(fake: FirehoseFake, **config: Any) -> Any:
    return fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration=partitioned(query("{customer: .customer}"), **config),
    )


def with_metadata(metadata: Any) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A transform keeping each record and answering ``metadata`` for every one."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {
            "records": [
                {"recordId": r["recordId"], "result": "Ok", "data": r["data"], "metadata": metadata}
                for r in event["records"]
            ]
        }

    return handler


def keyed(**keys: Any) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A transform keeping each record and answering partition keys read off its JSON:
    ``keys`` maps a key name to the field it comes from."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        answered = []
        for record in event["records"]:
            document = json.loads(base64.b64decode(record["data"]))
            partition = {name: document.get(field) for name, field in keys.items()}
            answered.append(
                {
                    "recordId": record["recordId"],
                    "result": "Ok",
                    "data": record["data"],
                    "metadata": {"partitionKeys": partition},
                }
            )
        return {"records": answered}

    return handler


def by_lambda(fake: FirehoseFake, metadata: Any, prefix: str) -> Any:
    """Stream "events" under ``prefix``, its records partitioned by a transform that
    answers ``metadata`` for each."""
    fake.firehose.lambda_function(FUNCTION, with_metadata(metadata))
    return fake.firehose.create_delivery_stream(
        "events", ExtendedS3DestinationConfiguration=partitioned(LAMBDA, Prefix=prefix)
    )


def prefixes(stream: Any) -> list[str]:
    return [obj.key.rsplit("/", 1)[0] + "/" for obj in stream.objects]


def error_records(stream: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for obj in stream.error_objects for line in obj.body.splitlines()]


# --------------------------------------------------------------------------- keys and buffers


def test_each_customer_gets_its_own_objects(fake: FirehoseFake, client: Any) -> None:
    stream = by_customer(fake)

    put(client, b'{"customer": "a", "n": 1}', b'{"customer": "b", "n": 2}')
    put(client, b'{"customer": "a", "n": 3}')
    stream.flush()

    assert sorted(prefixes(stream)) == ["customer=a/", "customer=b/"]
    bodies = {obj.key.split("/")[0]: obj.records for obj in stream.objects}
    assert bodies == {
        "customer=a": (b'{"customer": "a", "n": 1}', b'{"customer": "a", "n": 3}'),
        "customer=b": (b'{"customer": "b", "n": 2}',),
    }
    key = stream.objects[0].key
    assert key.split("/")[1].startswith("events-1-")  # no yyyy/MM/dd/HH/ is added


def test_each_partition_is_delivered_at_its_own_interval(fake: FirehoseFake, client: Any) -> None:
    stream = by_customer(fake)
    put(client, b'{"customer": "a"}')
    fake.firehose.clock.advance(seconds=30)
    put(client, b'{"customer": "b"}')

    fake.firehose.clock.advance(seconds=30)
    assert (prefixes(stream), stream.buffered) == (["customer=a/"], [b'{"customer": "b"}'])

    fake.firehose.clock.advance(seconds=30)
    assert prefixes(stream) == ["customer=a/", "customer=b/"]


def test_partitions_that_fall_due_together_go_in_the_order_they_were_opened(
    fake: FirehoseFake, client: Any
) -> None:
    stream = by_customer(fake)
    put(client, b'{"customer": "b"}', b'{"customer": "a"}', b'{"customer": "c"}')

    fake.firehose.clock.advance(seconds=60)
    assert prefixes(stream) == ["customer=b/", "customer=a/", "customer=c/"]


def test_a_partition_that_fills_its_buffer_goes_at_once() -> None:
    target = DeliveryTarget("events", "arn:aws:firehose:us-east-1:1:deliverystream/events", 1)
    config = partitioned(query("{customer: .customer}"))
    delivery = Delivery(route_for(target, config, MemoryDestination()))
    now, ids = datetime(2024, 1, 1, tzinfo=timezone.utc), IdSource(1)
    big = b'{"customer": "big"}'.ljust(MIB)  # a MiB, mostly blanks

    delivery.accept([(b'{"customer": "small"}', "s", now)], now, ids)
    delivery.accept([(big, f"b{n}", now) for n in range(63)], now, ids)
    assert delivery.objects == []
    delivery.accept([(big, "b63", now)], now, ids)  # 64 MiB

    (obj,) = delivery.objects
    assert obj.key.startswith("customer=big/")
    assert len(obj.records) == 64
    assert delivery.buffer == [(b'{"customer": "small"}', "s", now)]


def test_the_partition_whose_first_record_is_oldest_expires_first() -> None:
    # Buffers that never fall due by themselves: the oldest record of any expires first,
    # exactly 24 hours and a microsecond after it arrived.
    target = DeliveryTarget("events", "arn:aws:firehose:us-east-1:1:deliverystream/events", 1)
    never = {**BUFFERING, "IntervalInSeconds": 2 * 24 * 3600}
    config = partitioned(query("{customer: .customer}"), BufferingHints=never)
    delivery = Delivery(route_for(target, config, MemoryDestination()))
    start, ids = datetime(2024, 1, 1, tzinfo=timezone.utc), IdSource(1)
    old, young = b'{"customer": "old"}', b'{"customer": "young"}'
    delivery.accept([(old, "o", start)], start, ids)
    later = start + timedelta(hours=1)
    delivery.accept([(young, "y", later)], later, ids)

    expiry = start + timedelta(hours=24, microseconds=1)
    assert delivery.next_due() == expiry
    delivery.settle(expiry, ids)
    assert [payload for payload, _, _ in delivery.expired] == [old]
    assert [payload for payload, _, _ in delivery.buffer] == [young]


def test_query_values_that_are_not_text_are_written_as_json(
    fake: FirehoseFake, client: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration=partitioned(
            query("{n: .n, flag: .flag}"),
            Prefix="n=!{partitionKeyFromQuery:n}/flag=!{partitionKeyFromQuery:flag}/",
        ),
    )
    put(client, b'{"n": 7, "flag": true}', b'{"n": 1.5, "flag": false}')
    stream.flush()

    assert sorted(prefixes(stream)) == ["n=1.5/flag=false/", "n=7/flag=true/"]


def test_timestamps_in_the_prefix_partition_by_arrival(fake: FirehoseFake, client: Any) -> None:
    stream = by_customer(fake, Prefix="customer=!{partitionKeyFromQuery:customer}/!{timestamp:HH}/")
    now = fake.firehose.clock.now()
    # 30 seconds before the end of an hour still to come (the clock starts at the real
    # time, which may be past this hour's).
    start = now.replace(minute=59, second=30, microsecond=0)
    if start <= now:
        start += timedelta(hours=1)
    fake.firehose.clock.advance(start - now)
    put(client, b'{"customer": "a"}')
    fake.firehose.clock.advance(seconds=45)  # into the next hour
    put(client, b'{"customer": "a"}')
    stream.flush()

    first, second = f"{start:%H}", f"{start + timedelta(hours=1):%H}"
    assert prefixes(stream) == [f"customer=a/{first}/", f"customer=a/{second}/"]


@pytest.mark.parametrize(
    "text",
    [
        '{day: (now | strftime("%Y-%m-%d"))}',
        # Not sure to end soon (a range): run in the query worker.
        '{day: ([range(1)] | now | strftime("%Y-%m-%d"))}',
    ],
    ids=["in-process", "in-worker"],
)
def test_jq_now_is_the_fake_clocks_time(fake: FirehoseFake, client: Any, text: str) -> None:
    # jq's own now reads the machine's clock: a test that moved the fake clock would
    # partition by a day no record arrived on.
    stream = fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration=partitioned(
            query(text), Prefix="day=!{partitionKeyFromQuery:day}/"
        ),
    )
    fake.firehose.clock.advance(days=400)
    put(client, b'{"customer": "a"}')
    stream.flush()

    assert prefixes(stream) == [f"day={fake.firehose.clock.now():%Y-%m-%d}/"]


def test_random_strings_are_drawn_for_each_object(fake: FirehoseFake, client: Any) -> None:
    stream = by_customer(
        fake, Prefix="customer=!{partitionKeyFromQuery:customer}/!{firehose:random-string}/"
    )
    put(client, b'{"customer": "a"}')
    stream.flush()
    put(client, b'{"customer": "a"}')
    stream.flush()

    first, second = (obj.key.split("/")[1] for obj in stream.objects)
    assert len(first) == len(second) == 11
    assert first != second


@needs_botocore("firehose CreateDeliveryStream.ExtendedS3DestinationConfiguration.CustomTimeZone")
def test_a_partitions_timestamp_is_in_the_custom_time_zone(fake: FirehoseFake, client: Any) -> None:
    stream = by_customer(
        fake,
        Prefix="h=!{timestamp:HH}/c=!{partitionKeyFromQuery:customer}/",
        CustomTimeZone="Asia/Tokyo",
    )
    put(client, b'{"customer": "a"}')
    stream.flush()

    local = stream.records[0].arrived_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert prefixes(stream) == [f"h={local:%H}/c=a/"]


def test_keys_from_the_transform_name_the_partition(fake: FirehoseFake, client: Any) -> None:
    fake.firehose.lambda_function(FUNCTION, keyed(tenant="tenant", kind="kind"))
    stream = fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration=partitioned(
            LAMBDA,
            Prefix="t=!{partitionKeyFromLambda:tenant}/k=!{partitionKeyFromLambda:kind}/",
        ),
    )
    put(client, b'{"tenant": "x", "kind": "click"}', b'{"tenant": "y", "kind": 3}')
    stream.flush()

    assert sorted(prefixes(stream)) == ["t=x/k=click/", "t=y/k=3/"]


def test_a_key_the_transform_names_with_a_number_is_its_text(
    fake: FirehoseFake, client: Any
) -> None:
    """Lambda's response is JSON: a key named 2024 reaches Firehose as "2024"."""
    stream = by_lambda(fake, {"partitionKeys": {2024: "q1"}}, "y=!{partitionKeyFromLambda:2024}/")
    put(client, b'{"a": 1}')
    stream.flush()

    assert prefixes(stream) == ["y=q1/"]
    assert stream.partitioning_failed == []


def test_query_and_transform_keys_together(fake: FirehoseFake, client: Any) -> None:
    fake.firehose.lambda_function(FUNCTION, keyed(region="region"))
    stream = fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration=partitioned(
            LAMBDA,
            query("{customer: .customer}"),
            Prefix="c=!{partitionKeyFromQuery:customer}/r=!{partitionKeyFromLambda:region}/",
        ),
    )
    put(client, b'{"customer": "a", "region": "eu"}')
    stream.flush()

    assert prefixes(stream) == ["c=a/r=eu/"]


def test_objects_land_in_s3_under_their_partition(fake: FirehoseFake, landing_s3: Any) -> None:
    stream = by_customer(fake)
    put(boto3.client("firehose", region_name=REGION), b'{"customer": "a"}', b"not json")
    stream.flush()

    listed = landing_s3.list_objects_v2(Bucket="landing")["Contents"]
    keys = sorted(item["Key"] for item in listed)
    assert [key.split("/")[0] for key in keys] == ["customer=a", "errors"]
    assert keys[1].startswith("errors/partitioning-failed/events-1-")


# --------------------------------------------------------------------------- failures


def test_a_record_that_is_not_json_goes_to_the_error_output(
    fake: FirehoseFake, client: Any
) -> None:
    stream = by_customer(fake)
    put(client, b"plain text", b'{"customer": "a"}')
    stream.flush()

    assert stream.partitioning_failed == [b"plain text"]
    assert stream.delivered == [b'{"customer": "a"}']
    (record,) = error_records(stream)
    assert record["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
    assert record["errorMessage"] == "Non JSON record provided"
    assert record["attemptsMade"] == 1
    assert base64.b64decode(record["rawData"]) == b"plain text"
    assert "lambdaArn" not in record
    assert stream.error_objects[0].key.startswith("errors/partitioning-failed/events-1-")


def test_a_record_nested_too_deeply_goes_to_the_error_output(
    fake: FirehoseFake, client: Any
) -> None:
    stream = by_customer(fake)
    deep = b"[" * 100_000 + b"]" * 100_000  # 200 KB, nested past what a JSON parser takes

    client.put_record(DeliveryStreamName="events", Record={"Data": deep})
    put(client, b'{"customer": "a"}')
    stream.flush()

    assert [record.data for record in stream.records] == [deep, b'{"customer": "a"}']
    assert stream.partitioning_failed == [deep]
    assert stream.delivered == [b'{"customer": "a"}']
    (record,) = error_records(stream)
    assert record["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
    assert record["errorMessage"] == "Non JSON record provided"


#: What the error record says of a key the query did not give.
NO_QUERY_KEY = (
    "The partition key 'customer' that the prefix uses is not among the keys the metadata "
    "extraction query gave for this record."
)


@pytest.mark.parametrize(
    ("text", "payload", "message"),
    [
        ("{customer: .customer}", b'{"other": 1}', NO_QUERY_KEY),
        ("{customer: .customer}", b'{"customer": null}', NO_QUERY_KEY),
        ("{customer: .customer}", b'{"customer": {"nested": 1}}', NO_QUERY_KEY),
        (
            "{customer: .customer}",
            b"[1, 2]",
            'The metadata extraction query failed: Cannot index array with string ("customer")',
        ),
        (
            ".customer",
            b'{"customer": "a"}',
            "The metadata extraction query did not give a JSON object of keys.",
        ),
    ],
)
def test_a_record_without_its_key_goes_to_the_error_output(
    fake: FirehoseFake, client: Any, text: str, payload: bytes, message: str
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", ExtendedS3DestinationConfiguration=partitioned(query(text))
    )
    put(client, payload)
    stream.flush()

    assert (stream.objects, stream.partitioning_failed) == ([], [payload])
    (record,) = error_records(stream)
    assert record["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
    assert record["errorMessage"] == message


def test_a_query_that_fails_on_a_record_sends_it_to_the_error_output(
    fake: FirehoseFake, client: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration=partitioned(query("{customer: (.n + 1)}")),
    )
    put(client, b'{"n": "text"}')
    stream.flush()

    assert stream.partitioning_failed == [b'{"n": "text"}']
    assert "query failed" in error_records(stream)[0]["errorMessage"]


def test_a_transform_that_gives_no_key_sends_the_record_to_the_error_output(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.lambda_function(FUNCTION, keyed(tenant="tenant"))
    stream = fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration=partitioned(
            LAMBDA, Prefix="t=!{partitionKeyFromLambda:tenant}/"
        ),
    )
    put(client, b'{"tenant": "x"}', b'{"no": "tenant"}')
    stream.flush()

    assert stream.delivered == [b'{"tenant": "x"}']
    assert stream.partitioning_failed == [b'{"no": "tenant"}']
    assert "metadata.partitionKeys" in error_records(stream)[0]["errorMessage"]


@pytest.mark.parametrize(
    ("metadata", "code"),
    [
        # No partitionKeys: the record has no key for the prefix.
        ({}, "DynamicPartitioning.MetadataExtractionFailed"),
        # Not an object of text: the answer breaks the status model.
        ({"partitionKeys": {"tenant": {"id": 1}}}, "Lambda.JsonProcessingException"),
        ({"partitionKeys": ["tenant"]}, "Lambda.JsonProcessingException"),
        ("tenant", "Lambda.JsonProcessingException"),
    ],
)
def test_metadata_the_transform_answers_is_checked(
    fake: FirehoseFake, client: Any, metadata: Any, code: str
) -> None:
    stream = by_lambda(fake, metadata, "t=!{partitionKeyFromLambda:tenant}/")
    put(client, b"{}")
    stream.flush()

    assert [*stream.processing_failed, *stream.partitioning_failed] == [b"{}"]
    assert error_records(stream)[0]["errorCode"] == code


def test_past_the_active_partition_limit_records_go_to_the_error_output(
    fake: FirehoseFake, client: Any
) -> None:
    stream = by_customer(fake)
    limit = partitioning_module.MAX_ACTIVE_PARTITIONS
    customers = [b'{"customer": "%d"}' % n for n in range(limit + 2)]
    for start in range(0, len(customers), 500):
        put(client, *customers[start : start + 500])

    assert len(stream.buffered) == limit
    assert stream.partitioning_failed == customers[limit:]
    record = error_records(stream)[0]
    assert record["errorCode"] == "DynamicPartitioning.ActivePartitionsLimitExceeded"
    assert record["attemptsMade"] == 1

    stream.flush()  # the partitions are delivered: new ones may open
    put(client, b'{"customer": "late"}')
    assert stream.buffered == [b'{"customer": "late"}']


def test_the_limit_counts_the_partitions_a_put_opens_itself(
    fake: FirehoseFake, client: Any
) -> None:
    stream = by_customer(fake)
    limit = partitioning_module.MAX_ACTIVE_PARTITIONS
    put(client, *(b'{"customer": "%d"}' % n for n in range(limit - 1)))
    put(client, b'{"customer": "new"}', b'{"customer": "newer"}', b'{"customer": "new"}')

    assert stream.partitioning_failed == [b'{"customer": "newer"}']
    assert stream.buffered.count(b'{"customer": "new"}') == 2
    assert len(stream.buffered) == limit + 1


def test_a_partition_waiting_for_a_retry_stays_active(fake: FirehoseFake, client: Any) -> None:
    stream = by_customer(fake)
    stream.destination_down()
    for start in range(0, 500, 250):
        put(client, *(b'{"customer": "%d"}' % n for n in range(start, start + 250)))
    stream.flush()  # every partition's delivery fails: all wait for a retry
    put(client, b'{"customer": "new"}', b'{"customer": "7"}')

    assert stream.partitioning_failed == [b'{"customer": "new"}']
    assert stream.buffered == [b'{"customer": "7"}']


def test_every_record_ends_in_one_place(fake: FirehoseFake, client: Any) -> None:
    stream = by_customer(fake)
    put(client, b'{"customer": "a"}', b"bad", b'{"customer": "b"}')
    fake.firehose.clock.advance(seconds=60)
    put(client, b'{"customer": "c"}')

    places = [*stream.delivered, *stream.partitioning_failed, *stream.pending]
    assert sorted(places) == sorted(record.data for record in stream.records)


# ------------------------------------------------------------------------ queries that never end


def did_not_end(seconds: float) -> str:
    return f"The metadata extraction query did not end within {seconds:g} seconds."


NOT_RUN = (
    "The metadata extraction query was not run on this record: it did not answer on an "
    "earlier record of the same batch."
)
#: Puts to partitioned streams in a Python process of its own, so that a fake that froze (a
#: query running inside the request, holding the GIL) fails the test at the timeout instead
#: of hanging the suite. Its argument (JSON): ``streams``, name to configuration; ``puts``,
#: [stream, records, the query time limit]. It prints, for each stream, the FailedPutCount
#: of its puts, its delivered records and its error records (rawData, code and message).
ISOLATED = """
import base64, json, sys
import boto3
from pytest_firehose import FirehoseFake
from pytest_firehose._destinations import partitioning

task = json.loads(sys.argv[1])
with FirehoseFake(region="us-east-1") as fake:
    client = boto3.client("firehose", region_name="us-east-1")
    streams = {
        name: fake.firehose.create_delivery_stream(name, ExtendedS3DestinationConfiguration=c)
        for name, c in task["streams"].items()
    }
    failed = {name: [] for name in streams}
    for name, records, limit in task["puts"]:
        partitioning.QUERY_TIME_LIMIT = limit
        answer = client.put_record_batch(
            DeliveryStreamName=name, Records=[{"Data": record.encode()} for record in records]
        )
        failed[name].append(answer["FailedPutCount"])
    seen = {}
    for name, stream in streams.items():
        stream.flush()
        bodies = [obj.body for obj in stream.error_objects]
        errors = [json.loads(line) for body in bodies for line in body.splitlines()]
        seen[name] = {
            "failed_puts": failed[name],
            "delivered": [record.decode() for record in stream.delivered],
            "errors": [
                [base64.b64decode(e["rawData"]).decode(), e["errorCode"], e["errorMessage"]]
                for e in errors
            ],
        }
print(json.dumps(seen))
"""


def isolated(streams: dict[str, Any], puts: list[tuple[str, list[str], float]]) -> Any:
    task = json.dumps({"streams": streams, "puts": puts})
    return json.loads("".join(python_output(ISOLATED, task)))


def test_a_query_that_never_ends_sends_the_records_to_the_error_output() -> None:
    queries = ["def f: f; f", "{customer: last(range(1e18))}", "[repeat(1)]"]
    streams = {f"loop{n}": partitioned(query(text)) for n, text in enumerate(queries)}
    records = ['{"customer": "a"}', '{"customer": "b"}']

    seen = isolated(streams, [(name, records, 0.2) for name in streams])

    code = "DynamicPartitioning.MetadataExtractionFailed"
    for name in streams:
        assert seen[name] == {
            "failed_puts": [0],
            "delivered": [],
            "errors": [
                [records[0], code, did_not_end(0.2)],
                [records[1], code, NOT_RUN],
            ],
        }


def test_records_before_the_one_a_query_never_ends_on_are_partitioned() -> None:
    looping = "{customer: (if .loop then last(repeat(1)) else .customer end)}"
    records = ['{"customer": "a"}', '{"loop": true}', '{"customer": "b"}']

    seen = isolated(
        {"events": partitioned(query(looping))},
        [("events", records, 0.5), ("events", ['{"customer": "c"}'], 3.0)],
    )

    code = "DynamicPartitioning.MetadataExtractionFailed"
    assert seen["events"] == {
        "failed_puts": [0, 0],
        "delivered": ['{"customer": "a"}', '{"customer": "c"}'],
        "errors": [
            [records[1], code, did_not_end(0.5)],
            [records[2], code, NOT_RUN],
        ],
    }


#: ``{customer: .customer}`` through a function of the query's own: run in the worker.
IN_WORKER = "def customer: .customer; {customer: customer}"


@pytest.mark.parametrize(
    ("text", "is_quick"),
    [
        ("{customer: .customer}", True),
        ('{day: .ts | strftime("%Y-%m-%d"), kind: (.kind // "none" | ascii_downcase)}', True),
        ('{a: .x | split("/") | .[0], b: ."odd key", c: .[0].y?, d: 1.5e3} # note', True),
        (r'. as $d | {c: ($d.a | tostring) + "-" + "\\(a backslash, no interpolation)"}', True),
        (IN_WORKER, False),
        ("def f: f; f", False),
        ("[repeat(1)]", False),
        ("{customer: last(range(1e18))}", False),
        ('{c: .x | split("a"; "g")}', False),
        ('{c: .a | test("(a+)+$")}', False),
        (r'{c: "\(def f: f; f)"}', False),
        ("{c: .a * 1000000000}", False),
        ("{customer}", False),
        ("reduce .[] as $x (0; . + 1)", False),
    ],
)
def test_a_query_runs_in_process_only_when_it_surely_ends_soon(text: str, is_quick: bool) -> None:
    assert query_worker.quick(text) is is_quick


def test_a_query_that_surely_ends_soon_starts_no_worker(fake: FirehoseFake, client: Any) -> None:
    query_worker._stop()
    stream = by_customer(fake)

    put(client, b'{"customer": "a"}', b"not json")
    stream.flush()

    assert query_worker._worker is None
    assert stream.delivered == [b'{"customer": "a"}']
    assert stream.partitioning_failed == [b"not json"]


def test_a_query_in_the_worker_partitions_as_one_in_process(
    fake: FirehoseFake, client: Any
) -> None:
    records = [b'{"customer": "a"}', b'{"customer": 7}', b"not json", b"[1]", b'{"other": 1}']
    in_process = by_customer(fake)
    in_worker = fake.firehose.create_delivery_stream(
        "worker", ExtendedS3DestinationConfiguration=partitioned(query(IN_WORKER))
    )

    put(client, *records)
    client.put_record_batch(
        DeliveryStreamName="worker", Records=[{"Data": record} for record in records]
    )
    in_process.flush()
    in_worker.flush()

    assert query_worker._worker is not None
    assert sorted(prefixes(in_worker)) == sorted(prefixes(in_process))
    assert in_worker.partitioning_failed == in_process.partitioning_failed
    assert [r["errorMessage"] for r in error_records(in_worker)] == [
        r["errorMessage"] for r in error_records(in_process)
    ]


def in_worker_stream(fake: FirehoseFake) -> Any:
    return fake.firehose.create_delivery_stream(
        "events", ExtendedS3DestinationConfiguration=partitioned(query(IN_WORKER))
    )


def test_a_query_worker_that_died_is_replaced(fake: FirehoseFake, client: Any) -> None:
    stream = in_worker_stream(fake)
    put(client, b'{"customer": "a"}')
    worker = query_worker._worker
    assert worker is not None
    worker.process.kill()
    worker.process.wait()

    put(client, b'{"customer": "b"}', b'{"customer": "c"}')
    stream.flush()

    assert sorted(stream.delivered) == [
        b'{"customer": "a"}',
        b'{"customer": "b"}',
        b'{"customer": "c"}',
    ]
    assert stream.partitioning_failed == []


#: What the query sees in its environment (``$ENV``) to be stuck on a record.
STUCK = "PYTEST_FIREHOSE_TEST_STUCK"
Killer = Callable[[int, int], list[int]]


@pytest.fixture
def killer() -> Iterator[Killer]:
    """``kill(number, times)``: kill the query worker each time one is on the ``number``th
    record of a batch, ``times`` times, first taking :data:`STUCK` out of the environment the
    next worker starts with; the list of those killed. The worker running when it is called
    is stopped, so that the next starts with the environment the test set."""
    query_worker._stop()
    done = threading.Event()
    threads: list[threading.Thread] = []

    def kill(number: int, times: int) -> list[int]:
        killed: list[int] = []

        def watch() -> None:
            while len(killed) < times and not done.is_set():
                worker = query_worker._worker
                try:
                    on = worker is not None and worker.progress() == number
                except ValueError:  # stopped meanwhile
                    on = False
                if on and worker is not None and worker.process.pid not in killed:
                    killed.append(worker.process.pid)
                    os.environ.pop(STUCK, None)
                    worker.process.kill()
                done.wait(0.001)

        threads.append(threading.Thread(target=watch, daemon=True))
        threads[-1].start()
        return killed

    yield kill
    done.set()
    for thread in threads:
        thread.join()


def test_a_record_the_query_worker_dies_on_twice_goes_to_the_error_output(
    fake: FirehoseFake,
    client: Any,
    monkeypatch: pytest.MonkeyPatch,
    killer: Killer,
) -> None:
    monkeypatch.setattr(partitioning_module, "QUERY_TIME_LIMIT", 60.0)  # only deaths here
    looping = "{customer: (if .loop then last(repeat(1)) else .customer end)}"
    stream = fake.firehose.create_delivery_stream(
        "events", ExtendedS3DestinationConfiguration=partitioned(query(looping))
    )
    killed = killer(2, 2)

    answer = put(client, b'{"customer": "a"}', b'{"loop": true}', b'{"customer": "b"}')
    put(client, b'{"customer": "c"}')
    stream.flush()

    assert len(killed) == 2
    assert answer["FailedPutCount"] == 0
    assert stream.delivered == [b'{"customer": "a"}', b'{"customer": "c"}']
    assert [(r["errorCode"], r["errorMessage"]) for r in error_records(stream)] == [
        (
            "DynamicPartitioning.MetadataExtractionFailed",
            "The metadata extraction query stopped without an answer for this record.",
        ),
        ("DynamicPartitioning.MetadataExtractionFailed", NOT_RUN),
    ]
    assert stream.partitioning_failed == [b'{"loop": true}', b'{"customer": "b"}']


def test_a_query_worker_that_dies_once_is_replaced_and_the_batch_goes_on(
    fake: FirehoseFake,
    client: Any,
    monkeypatch: pytest.MonkeyPatch,
    killer: Killer,
) -> None:
    monkeypatch.setattr(partitioning_module, "QUERY_TIME_LIMIT", 60.0)  # only deaths here
    monkeypatch.setenv(STUCK, "1")  # the first worker is stuck on the second record
    stuck = f"{{customer: (if .stuck and $ENV.{STUCK} then last(repeat(1)) else .c end)}}"
    stream = fake.firehose.create_delivery_stream(
        "events", ExtendedS3DestinationConfiguration=partitioned(query(stuck))
    )
    killed = killer(2, 1)

    records = [b'{"c": "a"}', b'{"c": "b", "stuck": true}', b'{"c": "c"}']
    answer = put(client, *records)
    stream.flush()

    assert len(killed) == 1
    assert answer["FailedPutCount"] == 0
    assert sorted(stream.delivered) == records
    assert sorted(prefixes(stream)) == ["customer=a/", "customer=b/", "customer=c/"]


def test_where_no_query_worker_starts_the_queries_run_in_process(
    fake: FirehoseFake, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query_worker, "_worker", None)
    monkeypatch.setattr(query_worker, "_in_process", False)
    monkeypatch.setattr(sys, "executable", "/no/such/python")
    stream = in_worker_stream(fake)

    put(client, b'{"customer": "a"}', b"not json")
    stream.flush()

    assert stream.delivered == [b'{"customer": "a"}']
    assert stream.partitioning_failed == [b"not json"]
    assert query_worker._worker is None


# --------------------------------------------------------------------------- the checks


def refusal(client: Any, **config: Any) -> str:
    answer = refused(
        client.create_delivery_stream,
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration=config,
    )
    assert answer["Error"]["Code"] == "InvalidArgumentException"
    message: str = answer["Error"]["Message"]
    return message


#: The least BufferingHints.IntervalInSeconds the installed botocore's model allows (older
#: models said 60; AWS now takes 0 without dynamic partitioning).
_MODEL_INTERVAL_MIN = (
    botocore.session.get_session()
    .get_service_model("firehose")
    .shape_for("IntervalInSeconds")
    .metadata.get("min", 0)
)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 60}},
            "BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled.",
        ),
        (
            {"BufferingHints": {"IntervalInSeconds": 60}},  # the default 5 MB
            "BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled.",
        ),
        pytest.param(
            {"BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 0}},
            "BufferingHints.IntervalInSeconds must be at least 60 seconds when Dynamic "
            "Partitioning is enabled.",
            marks=pytest.mark.skipif(
                _MODEL_INTERVAL_MIN > 0,
                reason="this botocore's model refuses an interval under 60 s itself",
            ),
        ),
        (
            {"ErrorOutputPrefix": ""},
            "Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix "
            "cannot be null or empty when Prefix contains expressions",
        ),
        (
            {"ErrorOutputPrefix": "e/!{firehose:error-output-type}/!{partitionKeyFromQuery:c}/"},
            "You cannot use partitionKeyFromLambda and partitionKeyFromQuery namespaces when "
            "creating ErrorOutputPrefix expressions.",
        ),
        (
            {"Prefix": "all/", "ErrorOutputPrefix": ""},
            "ErrorOutputPrefix cannot be null or empty when Dynamic Partitioning is enabled.",
        ),
        (
            {"ProcessingConfiguration": {"Enabled": False, "Processors": []}},
            "Processing Configuration is not enabled when DataPartitioning is enabled",
        ),
        (
            {"Prefix": "all/"},
            "S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic "
            "Partitioning is enabled",
        ),
        (
            {"Prefix": "t=!{partitionKeyFromLambda:t}/"},
            "Lambda should be present when S3 Prefix contains keys from partitionKeyFromLambda "
            "namespace",
        ),
        (
            {"DynamicPartitioningConfiguration": {"Enabled": False}},
            "Dynamic Partitioning Namespaces can only be part of a prefix expression when "
            "Dynamic Partitioning is enabled.",
        ),
    ],
)
def test_create_refuses_what_aws_refuses(
    fake: FirehoseFake, client: Any, changes: dict[str, Any], message: str
) -> None:
    config = partitioned(query("{customer: .customer}"), **changes)

    assert refusal(client, **config) == message
    assert "events" not in fake.firehose


def test_without_buffering_hints_the_default_5_mb_is_refused(client: Any) -> None:
    config = partitioned(query("{customer: .customer}"))
    del config["BufferingHints"]

    assert refusal(client, **config) == (
        "BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled."
    )


def test_a_query_key_in_the_prefix_needs_a_metadata_extraction_processor(
    fake: FirehoseFake, client: Any
) -> None:
    message = refusal(client, **partitioned(LAMBDA))

    assert message == (
        "MetadataExtraction processor should be present when S3 Prefix has "
        "partitionKeyFromQuery namespace."
    )


@pytest.mark.parametrize(
    "text",
    [
        "{customer: .customer, region: .region}",
        '{"customer": .customer, "region": .region}',
        "{customer, region}",
    ],
)
def test_a_query_may_name_no_key_the_prefix_does_not_use(
    fake: FirehoseFake, client: Any, text: str
) -> None:
    message = refusal(client, **partitioned(query(text)))

    assert message == (
        "MetaDataExtraction JQ Query can't contain keys that are not present in the S3 Prefix "
        "expression"
    )
    assert "events" not in fake.firehose


@pytest.mark.parametrize(
    "text",
    [
        '{customer: .customer, "b,c": 1} | {customer}',
        "{(.kind): .customer, customer: .customer}",
        '{customer: ({"region": 1} | .region)}',
    ],
)
def test_a_query_whose_keys_show_only_when_it_runs_is_taken(client: Any, text: str) -> None:
    client.create_delivery_stream(
        DeliveryStreamName="events", ExtendedS3DestinationConfiguration=partitioned(query(text))
    )


@pytest.mark.parametrize(
    "processor",
    [
        query("{customer: .customer}"),
        {
            "Type": "RecordDeAggregation",
            "Parameters": [{"ParameterName": "SubRecordType", "ParameterValue": "JSON"}],
        },
    ],
    ids=["MetadataExtraction", "RecordDeAggregation"],
)
def test_partitioning_processors_need_partitioning(
    fake: FirehoseFake, client: Any, processor: dict[str, Any]
) -> None:
    processing = {"Enabled": True, "Processors": [processor]}

    message = refusal(client, **S3, ProcessingConfiguration=processing)

    assert message == (
        f"class com.amazonaws.services.firehose.internal.model.{processor['Type']}Processor "
        "can only be present when Dynamic Partitioning is enabled."
    )
    assert "events" not in fake.firehose


@pytest.mark.parametrize(
    ("parameters", "said"),
    [
        ([{"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{a: .a"}], "valid jq"),
        ([{"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}], "must have"),
        (
            [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{a: .a}"},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.7"},
            ],
            "must be JQ-1.6",
        ),
    ],
)
def test_a_bad_metadata_extraction_processor_is_refused(
    client: Any, parameters: list[dict[str, str]], said: str
) -> None:
    processor = {"Type": "MetadataExtraction", "Parameters": parameters}

    assert said in refusal(client, **partitioned(processor))


def update(client: Any, name: str = "events", **changes: Any) -> dict[str, Any]:
    """The refusal of an UpdateDestination of stream ``name`` with ``changes``."""
    return refused(
        client.update_destination,
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate=changes,
    )


def test_partitioning_cannot_be_switched_on_or_off_later(fake: FirehoseFake, client: Any) -> None:
    client.create_delivery_stream(DeliveryStreamName="plain", ExtendedS3DestinationConfiguration=S3)
    by_customer(fake)

    switched_on = update(client, "plain", **partitioned(query("{customer: .customer}")))
    switched_off = update(client, DynamicPartitioningConfiguration={"Enabled": False})

    assert (
        "can be enabled only when a delivery stream is created" in (switched_on["Error"]["Message"])
    )
    assert "cannot be disabled" in switched_off["Error"]["Message"]
    assert describe(client)["VersionId"] == "1"


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"BufferingHints": {"SizeInMBs": 5}}, "BufferingHints.SizeInMBs must be at least 64"),
        (
            {"ErrorOutputPrefix": ""},
            "Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix "
            "cannot be null or empty when Prefix contains expressions",
        ),
    ],
)
def test_an_update_is_checked_like_a_create(
    fake: FirehoseFake, client: Any, changes: dict[str, Any], said: str
) -> None:
    by_customer(fake)

    answer = update(client, **changes)

    assert answer["Error"]["Message"].startswith(said)


def test_records_waiting_for_a_transform_switched_off_are_partitioned_as_they_are(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.lambda_function(FUNCTION, keyed())
    stream = fake.firehose.create_delivery_stream(
        "events",
        ExtendedS3DestinationConfiguration=partitioned(LAMBDA, query("{customer: .customer}")),
    )
    put(client, b'{"customer": "a"}', b"bad")  # waiting for the transform's interval
    client.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={
            "ProcessingConfiguration": {"Processors": [query("{customer: .customer}")]}
        },
    )
    assert (stream.pending, stream.partitioning_failed) == ([b'{"customer": "a"}'], [b"bad"])
    stream.flush()

    assert stream.delivered == [b'{"customer": "a"}']
    assert stream.invocations == []


def test_an_update_to_the_query_applies_to_records_from_then_on(
    fake: FirehoseFake, client: Any
) -> None:
    stream = by_customer(fake)
    put(client, b'{"customer": "a", "shop": "s"}')
    client.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={
            "Prefix": "shop=!{partitionKeyFromQuery:shop}/",
            "ProcessingConfiguration": {"Processors": [query("{shop: .shop}")]},
        },
    )
    put(client, b'{"customer": "a", "shop": "s"}')
    stream.flush()

    assert sorted(prefixes(stream)) == ["customer=a/", "shop=s/"]


def test_without_jq_the_test_is_told_which_extra_to_install(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "jq", None)

    with pytest.raises(UsageError, match=r"pytest-firehose\[partitioning\]"):
        fake.firehose.create_delivery_stream(
            "events", ExtendedS3DestinationConfiguration=partitioned(query("{c: .c}"))
        )


def test_the_description_echoes_the_processors_and_the_default_retry(
    fake: FirehoseFake, client: Any
) -> None:
    by_customer(fake)

    extended = describe(client)["Destinations"][0]["ExtendedS3DestinationDescription"]

    assert extended["DynamicPartitioningConfiguration"] == {
        "Enabled": True,
        "RetryOptions": {"DurationInSeconds": 300},
    }
    assert extended["ProcessingConfiguration"]["Processors"] == [query("{customer: .customer}")]
    assert extended["BufferingHints"] == BUFFERING


@pytest.mark.filterwarnings("ignore::pytest_firehose.UnmodelledSettingWarning")
def test_empty_retry_options_are_described_with_the_default_duration(
    fake: FirehoseFake, client: Any
) -> None:
    by_customer(fake, DynamicPartitioningConfiguration={"Enabled": True, "RetryOptions": {}})

    extended = describe(client)["Destinations"][0]["ExtendedS3DestinationDescription"]

    assert extended["DynamicPartitioningConfiguration"] == {
        "Enabled": True,
        "RetryOptions": {"DurationInSeconds": 300},
    }
