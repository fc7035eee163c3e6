"""RecordIds as the accept log keeps them: a small key per record, whose text, made when
someone reads it, is the very text the put answered."""

from __future__ import annotations

import base64
import gc
import itertools
import weakref
from typing import Any

import boto3
import pytest
from conftest import FROM_KINESIS, REGION, S3

from pytest_firehose import FirehoseFake
from pytest_firehose._ids import IdSource, id_source, record_id_text


def answered_ids(answer: dict[str, Any]) -> list[str]:
    return [entry["RecordId"] for entry in answer["RequestResponses"] if "RecordId" in entry]


def test_each_record_reads_the_id_its_put_answered(fake: FirehoseFake, api: Any) -> None:
    stream = fake.firehose.create_delivery_stream("events")
    one = api.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    batch = api.put_record_batch(
        DeliveryStreamName="events", Records=[{"Data": b"%d" % i} for i in range(500)]
    )
    again = api.put_record(DeliveryStreamName="events", Record={"Data": b"z"})

    expected = [one["RecordId"], *answered_ids(batch), again["RecordId"]]
    records = stream.records
    assert [record.record_id for record in records] == expected
    # In any order, one at a time: each still reads its own put's id.
    assert [record.record_id for record in reversed(records)] == expected[::-1]
    assert records[250].record_id == expected[250]
    assert len(set(expected)) == 502


def test_a_batch_with_failed_records_names_the_accepted_ones(fake: FirehoseFake, api: Any) -> None:
    stream = fake.firehose.create_delivery_stream("events")
    fake.firehose.fail(records={0: "ServiceUnavailableException", 2: "InternalFailure"})

    answer = api.put_record_batch(
        DeliveryStreamName="events", Records=[{"Data": d} for d in (b"a", b"b", b"c", b"d")]
    )

    assert answer["FailedPutCount"] == 2
    assert [entry.get("ErrorCode") for entry in answer["RequestResponses"]] == [
        "ServiceUnavailableException",
        None,
        "InternalFailure",
        None,
    ]
    assert stream.records == [b"b", b"d"]
    assert [record.record_id for record in stream.records] == answered_ids(answer)


def test_records_from_a_kinesis_source_are_named_by_sequence_and_subsequence_number(
    fake: FirehoseFake,
) -> None:
    fake.kinesis.create_stream("k")
    stream = fake.firehose.create_delivery_stream("events", **FROM_KINESIS)
    kinesis = boto3.client("kinesis", region_name=REGION)

    sent = [kinesis.put_record(StreamName="k", Data=d, PartitionKey="p") for d in (b"a", b"b")]

    # A record that is no KPL aggregate is its own user record, subsequence number 0.
    assert [record.record_id for record in stream.records] == [
        s["SequenceNumber"] + "000000" for s in sent
    ]


def test_the_transformation_event_names_records_by_their_put_ids(fake: FirehoseFake) -> None:
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        return {
            "records": [
                {"recordId": r["recordId"], "result": "Ok", "data": r["data"]}
                for r in event["records"]
            ]
        }

    fake.firehose.lambda_function("transform", handler)
    processing = {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": "transform"}],
            }
        ],
    }
    stream = fake.firehose.create_delivery_stream(
        "events", ExtendedS3DestinationConfiguration={**S3, "ProcessingConfiguration": processing}
    )
    client = boto3.client("firehose", region_name=REGION)
    answers = [
        client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": d}] * 3)
        for d in (b"a", b"b")
    ]
    stream.flush()

    sent = [r["recordId"] for event in events for r in event["records"]]
    assert sent == [record_id for answer in answers for record_id in answered_ids(answer)]
    assert [base64.b64decode(r["data"]) for e in events for r in e["records"]] == [b"a"] * 3 + [
        b"b"
    ] * 3
    stream.assert_delivered([b"a"] * 3 + [b"b"] * 3)


def test_records_read_their_ids_after_the_fake_is_gone() -> None:
    with FirehoseFake(region=REGION, seed=3) as run:
        run.firehose.create_delivery_stream("events")
        client = boto3.client("firehose", region_name=REGION)
        answer = client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"x"}] * 2)
        records = run.firehose["events"].records
    del run, client
    gc.collect()

    assert [record.record_id for record in records] == answered_ids(answer)


def test_an_id_source_nothing_holds_is_released_and_its_keys_go_with_it() -> None:
    source = IdSource(5)
    keys, texts = source.record_keys(3)
    assert [record_id_text(key) for key in keys] == texts
    gone = weakref.ref(source)

    del source
    gc.collect()

    assert gone() is None
    with pytest.raises(LookupError):
        id_source(keys[0])
    # A source made since may take its place; the texts it draws are its own.
    fresh = IdSource(5)
    fresh_keys, fresh_texts = fresh.record_keys(3)
    assert fresh_texts == texts  # the same seed draws the same ids
    assert [record_id_text(key) for key in fresh_keys] == fresh_texts


def test_a_key_is_its_own_text_when_it_is_text() -> None:
    assert record_id_text("49590338271490256608559692538361571095921575989136588898") == (
        "49590338271490256608559692538361571095921575989136588898"
    )
    assert id_source("1") is None


def test_a_source_number_is_never_given_twice_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pytest_firehose._ids._FREE", [])
    monkeypatch.setattr("pytest_firehose._ids._NUMBERS", itertools.count(65536))

    with pytest.raises(RuntimeError, match="fake worlds alive at once"):
        IdSource()


def test_unseeded_sources_draw_ids_of_their_own() -> None:
    first, second = IdSource(), IdSource()
    drawn = [first.request_ids(), second.request_ids(), first.request_ids()]
    assert len(set(drawn)) == 3
    assert set(first.record_keys(2)[1]).isdisjoint(second.record_keys(2)[1])


def test_a_seeded_source_draws_the_same_ids_whatever_unseeded_ones_draw_meanwhile() -> None:
    alone = IdSource(seed=7)
    expected = [alone.request_ids(), alone.uuid(), alone.record_keys(3)[1]]
    seeded, unseeded = IdSource(seed=7), IdSource()
    drawn = []
    for draw in ("request_ids", "uuid"):
        unseeded.request_ids()
        drawn.append(getattr(seeded, draw)())
        unseeded.uuid()
    drawn.append(seeded.record_keys(3)[1])
    assert drawn == expected


def test_a_reset_draws_the_ids_a_fresh_world_of_its_seed_draws() -> None:
    def ids_of_a_put(fake: FirehoseFake) -> tuple[str, list[str]]:
        fake.firehose.create_delivery_stream("events")
        client = boto3.client("firehose", region_name=REGION)
        answer = client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"x"}] * 2)
        return answer["ResponseMetadata"]["RequestId"], answered_ids(answer)

    with FirehoseFake(region=REGION, seed=3) as fake:
        first = ids_of_a_put(fake)
        fake.world.reset()  # what the local server's POST /_fake/reset does
        again = ids_of_a_put(fake)

    assert again == first
