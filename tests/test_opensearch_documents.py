"""The documents an OpenSearch Service, Elasticsearch or OpenSearch Serverless destination's
indexes receive (``stream.documents``): each record's JSON object, with its index (after
rotation), its id and its type; a record that is no JSON object fails as OpenSearch's bulk
answer refuses it and ends in the ``S3Configuration`` bucket."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import failed_lines, needs_botocore, put_batch
from test_other_destinations import DOMAIN, SEARCH

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning

OPENSEARCH = {**SEARCH, "DomainARN": DOMAIN, "RetryOptions": {"DurationInSeconds": 60}}
SERVERLESS = {**SEARCH, "CollectionEndpoint": "https://abc.us-east-1.aoss.amazonaws.com"}
MAPPER_400 = '{"type":"mapper_parsing_exception","reason":"failed to parse"}'
DOCUMENT_IDS = needs_botocore(
    "firehose CreateDeliveryStream.AmazonopensearchserviceDestinationConfiguration"
    ".DocumentIdOptions"
)


def test_each_record_is_a_document_of_the_daily_index_with_its_record_id(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )
    arrived = fake.firehose.clock.now()
    first, second = put_batch(b'{"level": "info", "n": 1}\n', b'{"level": "error", "n": 2}')
    fake.firehose.flush()

    assert stream.documents == [
        {
            "_index": f"logs-{arrived:%Y-%m-%d}",
            "_id": first,
            "_type": None,
            "_source": {"level": "info", "n": 1},
        },
        {
            "_index": f"logs-{arrived:%Y-%m-%d}",
            "_id": second,
            "_type": None,
            "_source": {"level": "error", "n": 2},
        },
    ]


def test_an_opensearch_destination_is_no_longer_reported_as_unmodelled(
    fake: FirehoseFake,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmodelledSettingWarning)
        for kind, config in (
            ("AmazonopensearchserviceDestinationConfiguration", OPENSEARCH),
            ("ElasticsearchDestinationConfiguration", OPENSEARCH),
            ("AmazonOpenSearchServerlessDestinationConfiguration", SERVERLESS),
        ):
            fake.firehose.create_delivery_stream(kind[:20], **{kind: config})


@pytest.mark.parametrize(
    ("period", "suffix"),
    [
        ("NoRotation", lambda at: ""),
        ("OneHour", lambda at: f"-{at:%Y-%m-%d-%H}"),
        ("OneMonth", lambda at: f"-{at:%Y-%m}"),
    ],
)
def test_the_index_rotates_with_the_arrival(fake: FirehoseFake, period: str, suffix: Any) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "IndexRotationPeriod": period,
        },
    )
    arrived: datetime = fake.firehose.clock.now()
    put_batch(b"{}")
    fake.firehose.clock.advance(days=40)  # the buffer's 300 s, and far past the period

    assert [document["_index"] for document in stream.documents] == ["logs" + suffix(arrived)]


def _weekly(fake: FirehoseFake) -> Any:
    """Delivery stream ``events`` to an OpenSearch index rotated weekly, buffered 60 s."""
    return fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "IndexRotationPeriod": "OneWeek",
            "BufferingHints": {"IntervalInSeconds": 60},
        },
    )


def test_a_weekly_index_numbers_weeks_from_sunday_with_week_one_holding_january_first(
    fake: FirehoseFake,
    landing_s3: Any,
) -> None:
    stream = _weekly(fake)
    stream.destination_refuses(lambda record: b"refused" in record)
    clock = fake.firehose.clock
    for day, record in (
        (datetime(2043, 12, 31, 12, tzinfo=timezone.utc), b'{"day": "thursday"}'),
        (datetime(2044, 1, 2, 23, 59, tzinfo=timezone.utc), b'{"refused": "saturday"}'),
        (datetime(2044, 1, 3, 0, 0, tzinfo=timezone.utc), b'{"day": "sunday"}'),
        (datetime(2044, 12, 31, 12, tzinfo=timezone.utc), b'{"day": "saturday"}'),
    ):
        clock.advance(day - clock.now())
        put_batch(record)
        clock.advance(seconds=60)
    clock.advance(minutes=5)  # the refused record's retries run out
    [line] = failed_lines(landing_s3, "AmazonOpenSearchService-failed/")

    assert [(d["_source"]["day"], d["_index"]) for d in stream.documents] == [
        ("thursday", "logs-2044-w01"),  # ISO: 2043-W53
        ("sunday", "logs-2044-w02"),
        ("saturday", "logs-2044-w53"),  # ISO: 2044-W52
    ]
    assert line["esIndexName"] == "logs-2044-w01"


def test_a_year_whose_january_first_is_a_saturday_starts_week_one_the_sunday_before(
    fake: FirehoseFake,
) -> None:
    stream = _weekly(fake)
    clock = fake.firehose.clock
    for day, record in (
        (datetime(2038, 12, 25, 23, 59, tzinfo=timezone.utc), b'{"day": "saturday"}'),
        (datetime(2038, 12, 26, 0, 0, tzinfo=timezone.utc), b'{"day": "sunday"}'),
        (datetime(2039, 1, 1, 12, tzinfo=timezone.utc), b'{"day": "january first"}'),
        (datetime(2039, 1, 2, 0, 0, tzinfo=timezone.utc), b'{"day": "next sunday"}'),
    ):
        clock.advance(day - clock.now())
        put_batch(record)
        clock.advance(seconds=60)
    clock.advance(minutes=5)

    assert [(d["_source"]["day"], d["_index"]) for d in stream.documents] == [
        ("saturday", "logs-2038-w52"),
        ("sunday", "logs-2039-w01"),  # ISO: 2038-W51
        ("january first", "logs-2039-w01"),  # ISO: 2038-W52
        ("next sunday", "logs-2039-w02"),
    ]


def test_a_document_names_the_index_and_id_its_failed_record_names(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        ElasticsearchDestinationConfiguration={
            **OPENSEARCH,
            "IndexRotationPeriod": "OneWeek",
            "TypeName": "event",
        },
    )
    stream.destination_refuses(lambda record: b"false" in record)
    put_batch(b'{"keep": false}', b'{"keep": true}')
    fake.firehose.clock.advance(minutes=30)
    [line] = failed_lines(landing_s3, "AmazonOpenSearchService-failed/")

    [document] = stream.documents
    assert document["_source"] == {"keep": True}
    assert document["_type"] == line["esTypeName"] == "event"
    assert document["_index"] == line["esIndexName"]
    assert document["_index"].startswith("logs-")
    assert len(document["_id"]) == len(line["esDocumentId"])


@DOCUMENT_IDS
def test_no_document_id_leaves_the_id_to_the_domain(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "DocumentIdOptions": {"DefaultDocumentIdFormat": "NO_DOCUMENT_ID"},
        },
    )
    put_batch(b'{"a": 1}')
    fake.firehose.flush()

    assert [(d["_id"], d["_source"]) for d in stream.documents] == [(None, {"a": 1})]


@DOCUMENT_IDS
def test_firehose_default_ids_are_the_record_ids(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "DocumentIdOptions": {"DefaultDocumentIdFormat": "FIREHOSE_DEFAULT"},
        },
    )
    ids = put_batch(b'{"a": 1}', b'{"a": 2}')
    fake.firehose.flush()

    assert [document["_id"] for document in stream.documents] == ids


def test_a_serverless_collection_makes_its_own_ids_and_does_not_rotate(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonOpenSearchServerlessDestinationConfiguration=SERVERLESS
    )
    put_batch(b'{"a": 1}')
    fake.firehose.flush()

    assert stream.documents == [{"_index": "logs", "_id": None, "_type": None, "_source": {"a": 1}}]


def test_a_document_nested_a_thousand_levels_is_read_as_opensearchs_parser_reads_it(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    # 1,000 levels, the most OpenSearch's parser reads, on every Python: an array's
    # values are the field's, and objects past the mapping's depth limit fail the
    # document. Either was a fault of the fake (RecursionError), or no JSON object.
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )
    deep_array = b'{"tags": ' + b"[" * 999 + b"1" + b"]" * 999 + b"}"
    deep_object = b'{"v": ' + b'{"a": ' * 800 + b"1" + b"}" * 800 + b"}"  # 802 fields
    put_batch(deep_array, deep_object)
    fake.firehose.flush()
    [line] = failed_lines(landing_s3, "AmazonOpenSearchService-failed/")

    assert stream.delivery_errors == []
    [document] = stream.documents
    value = document["_source"]["tags"]
    for _ in range(999):  # walked without recursion: this test's own stack is deep
        [value] = value
    assert value == 1
    assert stream.backed_up == [deep_object]
    assert "Limit of mapping depth [20] has been exceeded" in line["errorMessage"]


@pytest.mark.parametrize(
    "record",
    [
        b"not json",
        b'["an", "array"]',
        b"42",
        b'{"a": NaN}',
        b"\xff{}",
        b'{"a": 1}{}',
        # Nested past 1,000 levels, which any Python's reader may or may not reach.
        b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
)
def test_a_record_that_is_no_json_object_fails_as_the_bulk_answer_refuses_it(
    fake: FirehoseFake, record: bytes, landing_s3: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )
    _, refused_id = put_batch(b'{"ok": 1}', record)
    fake.firehose.flush()  # written at once: a retry cannot make it a document
    [line] = failed_lines(landing_s3, "AmazonOpenSearchService-failed/")

    assert [document["_source"] for document in stream.documents] == [{"ok": 1}]
    assert stream.backed_up == [record]
    assert stream.pending == []
    assert (line["errorCode"], line["errorMessage"]) == ("400", MAPPER_400)
    assert line["attemptsMade"] == 1
    assert line["esDocumentId"] == refused_id
    assert base64.b64decode(line["rawData"]) == record


def test_a_record_that_is_no_json_object_is_backed_up_in_memory_without_moto(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonOpenSearchServerlessDestinationConfiguration={
            **SERVERLESS,
            "RetryOptions": {"DurationInSeconds": 0},
        },
    )
    put_batch(b"plain text", b'{"ok": 1}')
    fake.firehose.flush()

    assert stream.backed_up == [b"plain text"]
    (obj,) = fake.world.firehose().streams["events"].backed_up
    assert obj.key.startswith("AmazonOpenSearchService-failed/")
    line = json.loads(obj.body)
    assert (line["errorCode"], line["osIndexName"]) == ("400", "logs")
    assert [document["_source"] for document in stream.documents] == [{"ok": 1}]


def test_a_down_cluster_receives_no_documents_until_it_is_back(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )
    stream.destination_down()
    put_batch(b'{"a": 1}')
    fake.firehose.flush()
    assert stream.documents == []

    stream.destination_up()
    fake.firehose.flush()

    assert [document["_source"] for document in stream.documents] == [{"a": 1}]


def test_every_document_is_backed_up_with_all_documents(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "S3BackupMode": "AllDocuments",
        },
    )
    put_batch(b'{"a": 1}', b"no document")
    fake.firehose.clock.advance(minutes=10)

    assert [document["_source"] for document in stream.documents] == [{"a": 1}]
    assert stream.source_backup == [b'{"a": 1}', b"no document"]
