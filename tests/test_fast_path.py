"""The read-only fast path for botocore-written bodies agrees with the full decode and
validation: it never accepts what the service would refuse."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_firehose._errors import ServiceError
from pytest_firehose._payload import payload_bytes, payload_len, payloads_len
from pytest_firehose._wire.conformance import _column, _conformer, _Nonconforming, conforms
from pytest_firehose._wire.shapes import decode_input, operation_model
from pytest_firehose._wire.validation import validate_input


def b64(size: int) -> str:
    return base64.b64encode(b"x" * size).decode()


def full_path_accepts(operation: str, raw: Any, service: str = "firehose") -> bool:
    try:
        params = decode_input(service, operation, copy.deepcopy(raw))
        validate_input(service, operation, params)
    except ServiceError:
        return False
    return True


CASES = [
    ("PutRecordBatch", {"DeliveryStreamName": "events", "Records": [{"Data": b64(3)}]}, True),
    ("PutRecordBatch", {"DeliveryStreamName": "events", "Records": [{"Data": ""}]}, True),
    ("PutRecordBatch", {"DeliveryStreamName": "events", "Records": [{"Data": b64(1023999)}]}, True),
    ("PutRecordBatch", {"DeliveryStreamName": "events", "Records": [{"Data": b64(1024000)}]}, True),
    (
        "PutRecordBatch",
        {"DeliveryStreamName": "events", "Records": [{"Data": b64(1024001)}]},
        False,
    ),
    (
        "PutRecordBatch",
        {"DeliveryStreamName": "events", "Records": [{"Data": "YQ=="}] * 501},
        False,
    ),
    ("PutRecordBatch", {"DeliveryStreamName": "events", "Records": []}, False),
    ("PutRecordBatch", {"DeliveryStreamName": "bad name", "Records": [{"Data": "YQ=="}]}, False),
    ("PutRecordBatch", {"DeliveryStreamName": "e" * 65, "Records": [{"Data": "YQ=="}]}, False),
    ("PutRecordBatch", {"Records": [{"Data": "YQ=="}]}, False),
    ("PutRecordBatch", {"DeliveryStreamName": "events", "Records": [{}]}, False),
    ("PutRecordBatch", {"DeliveryStreamName": "events", "Records": [None]}, False),
    ("PutRecordBatch", {"DeliveryStreamName": "events", "Records": "YQ=="}, False),
    ("PutRecordBatch", {"DeliveryStreamName": 7, "Records": [{"Data": "YQ=="}]}, False),
    ("PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": b64(10)}}, True),
    ("PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": 10}}, False),
    # One record's Data is checked at its bounds as a batch's are.
    ("PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": b64(1024000)}}, True),
    ("PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": b64(1024001)}}, False),
    # Base64 a hook wrote: checked, not trusted (the front end's canonical base64 only).
    ("PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": "+/+="}}, False),
    ("PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": "YQ"}}, False),
    ("PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": "Y=Q="}}, False),
    ("PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": "YQ=\n"}}, False),
    ("PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": "\u00e9QQ="}}, False),
    ("ListDeliveryStreams", {"Limit": 10000}, True),
    ("ListDeliveryStreams", {"Limit": 10001}, False),
    ("ListDeliveryStreams", {"Limit": True}, False),
    ("ListDeliveryStreams", {"DeliveryStreamType": "DirectPut"}, True),
    ("ListDeliveryStreams", {"DeliveryStreamType": "Sideways"}, False),
    (
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "events",
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": "arn:aws:iam::123456789012:role/r",
                "BucketARN": "arn:aws:s3:::b",
                "BufferingHints": {"SizeInMBs": 129},
            },
        },
        False,
    ),
]


@pytest.mark.parametrize(("operation", "raw", "valid"), CASES)
def test_fast_path_agrees_with_the_full_path(operation: str, raw: Any, valid: bool) -> None:
    assert full_path_accepts(operation, raw) is valid
    assert conforms("firehose", operation, copy.deepcopy(raw)) is valid


names = st.text(alphabet="ab._- !", min_size=0, max_size=70)
records = st.lists(
    st.one_of(
        st.builds(lambda n: {"Data": b64(n)}, st.integers(0, 40)),
        st.just({}),
        st.just({"Data": 5}),
        st.just(None),
    ),
    max_size=4,
)


@given(name=st.one_of(names, st.none(), st.integers()), batch=st.one_of(records, st.none()))
def test_the_fast_path_never_accepts_what_the_service_refuses(name: Any, batch: Any) -> None:
    raw = {k: v for k, v in {"DeliveryStreamName": name, "Records": batch}.items() if v is not None}
    if conforms("firehose", "PutRecordBatch", copy.deepcopy(raw)):
        assert full_path_accepts("PutRecordBatch", raw)


@pytest.mark.parametrize(
    ("operation", "raw"),
    [
        ("ListDeliveryStreams", {"Limit": None}),
        # A member the model lacks, not null: the full way too, where the engine reports it.
        ("PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": "YQ=="}, "X": 1}),
        (
            "CreateDeliveryStream",
            {"DeliveryStreamName": "events", "ExtendedS3DestinationConfiguration": None},
        ),
        # A member the API model lacks (an older botocore's), null: dropped all the same.
        ("ListDeliveryStreams", {"Limit": 1, "NotInTheModel": None}),
    ],
)
def test_a_null_member_goes_the_full_way_where_it_is_dropped(operation, raw):
    assert conforms("firehose", operation, copy.deepcopy(raw)) is False
    params = decode_input("firehose", operation, copy.deepcopy(raw))
    assert None not in params.values()


@given(data=st.text(alphabet="AQgwYZ+/=!", max_size=12))
def test_the_fast_path_never_accepts_base64_the_front_end_refuses(data: str) -> None:
    raw = {"DeliveryStreamName": "events", "Records": [{"Data": data}]}
    assert conforms("firehose", "PutRecordBatch", copy.deepcopy(raw)) is full_path_accepts(
        "PutRecordBatch", raw
    )


def spy_on(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    """The first argument of every call of ``module.name`` from here on."""
    calls: list[Any] = []
    original = getattr(module, name)

    def spy(first: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(first)
        return original(first, *args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def test_a_body_botocore_serialized_is_not_checked_for_base64(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pytest_firehose import FirehoseFake
    from pytest_firehose._wire import conformance

    checked = spy_on(monkeypatch, conformance, "is_canonical")
    with FirehoseFake(region="us-east-1") as fake:
        fake.firehose.create_delivery_stream("events")
        client = boto3.client("firehose", region_name="us-east-1")
        client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"a"}] * 3)
        assert fake.firehose["events"].records == [b"a"] * 3
    assert checked == []


def test_a_body_a_hook_replaced_is_checked_in_full() -> None:
    from pytest_firehose import FirehoseFake

    def rewrite(request: Any, **_: Any) -> None:
        # The same JSON in a new object: botocore's, but not known to be.
        request.body = bytes(request.body).replace(b'"YQ=="', b'"+/+="')

    with FirehoseFake(region="us-east-1") as fake:
        fake.firehose.create_delivery_stream("events")
        client = boto3.client("firehose", region_name="us-east-1")
        client.meta.events.register("before-send.firehose.PutRecord", rewrite)
        with pytest.raises(client.exceptions.ClientError) as refused:
            client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    assert refused.value.response["Error"]["Code"] == "SerializationException"
    assert fake.firehose["events"].records == []


@given(
    key=st.one_of(
        st.text(max_size=300),
        st.text(min_size=250, max_size=260),
        st.integers(),
        st.none(),
        st.lists(st.text(max_size=2), max_size=2),
    ),
    limit=st.one_of(st.none(), st.integers(min_value=-1, max_value=10_001)),
)
def test_the_fast_path_agrees_on_kinesis_text_and_numbers(key: Any, limit: Any) -> None:
    # PartitionKey: text of 1 to 256 characters, no pattern; Limit: 1 to 10,000.
    put = {"StreamName": "s", "Data": "YQ==", "PartitionKey": key}
    assert conforms("kinesis", "PutRecord", copy.deepcopy(put)) is (
        key is not None and full_path_accepts("PutRecord", put, "kinesis")
    )
    get = {"ShardIterator": "AAAA", "Limit": limit}
    assert conforms("kinesis", "GetRecords", copy.deepcopy(get)) is (
        limit is not None and full_path_accepts("GetRecords", get, "kinesis")
    )


@pytest.mark.parametrize(
    ("tags", "valid"),
    [
        ({"team": "data", "env": ""}, True),
        ({"team": None}, False),
        ({"": "data"}, False),
        ({"team": "d" * 257}, False),
    ],
)
def test_the_fast_path_agrees_on_a_map_of_tags(tags: dict[str, Any], valid: bool) -> None:
    raw = {"StreamName": "s", "Tags": tags}
    assert full_path_accepts("AddTagsToStream", raw, "kinesis") is valid
    assert conforms("kinesis", "AddTagsToStream", copy.deepcopy(raw)) is valid


@pytest.fixture
def reading(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, list[bytes]]]:
    """A fake with a Kinesis stream ``s`` of one shard, a client, and the request bodies
    the engine reads (parses) from the client's requests."""
    from pytest_firehose import FirehoseFake
    from pytest_firehose._wire import codec

    with FirehoseFake(region="us-east-1") as fake:
        fake.kinesis.create_stream("s", shard_count=1)
        client = boto3.client("kinesis", region_name="us-east-1")
        yield fake, client, spy_on(monkeypatch, codec, "_parse")


def test_a_body_botocore_wrote_is_taken_from_the_value_it_was_written_from(reading) -> None:
    fake, client, read = reading
    client.put_records(
        StreamName="s", Records=[{"Data": b"a", "PartitionKey": str(i)} for i in range(3)]
    )
    assert [r.partition_key for r in fake.kinesis["s"].records] == ["0", "1", "2"]
    assert read == []


def test_a_body_with_an_escape_is_read_and_a_lone_surrogate_refused(reading) -> None:
    fake, client, read = reading
    client.put_record(StreamName="s", Data=b"a", PartitionKey="caf\u00e9")
    with pytest.raises(client.exceptions.ClientError) as refused:
        # botocore writes it as the escape \ud800, which no UTF-8 reader takes.
        client.put_record(StreamName="s", Data=b"a", PartitionKey="\ud800")
    assert [r.partition_key for r in fake.kinesis["s"].records] == ["caf\u00e9"]
    assert refused.value.response["Error"]["Code"] == "SerializationException"
    assert len(read) == 2


def _with_padding_tolerance(value: Any) -> dict[str, Any]:
    conversion = {
        "Enabled": True,
        "SchemaConfiguration": {
            "RoleARN": "arn:aws:iam::123456789012:role/r",
            "DatabaseName": "d",
            "TableName": "t",
        },
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": {"OrcSerDe": {"PaddingTolerance": value}}},
    }
    return {
        "DeliveryStreamName": "events",
        "ExtendedS3DestinationConfiguration": {
            "RoleARN": "arn:aws:iam::123456789012:role/r",
            "BucketARN": "arn:aws:s3:::b",
            "BufferingHints": {"SizeInMBs": 64},
            "DataFormatConversionConfiguration": conversion,
        },
    }


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_value_no_reader_takes_is_left_to_the_reader(value: float) -> None:
    # Such a value can be in what botocore wrote a body from (an older botocore writes
    # NaN), never in what the engine reads.
    assert conforms("firehose", "CreateDeliveryStream", _with_padding_tolerance(0.5))
    assert not conforms("firehose", "CreateDeliveryStream", _with_padding_tolerance(value))


def test_nan_an_sdk_sends_is_refused() -> None:
    from pytest_firehose import FirehoseFake

    with FirehoseFake(region="us-east-1"):
        client = boto3.client("firehose", region_name="us-east-1")
        with pytest.raises(client.exceptions.ClientError) as refused:
            client.create_delivery_stream(**_with_padding_tolerance(float("nan")))
        assert client.list_delivery_streams()["DeliveryStreamNames"] == []
    assert refused.value.response["Error"]["Code"] == "SerializationException"


@given(
    st.lists(
        st.one_of(
            st.binary(max_size=40).map(lambda data: base64.b64encode(data).decode()),
            st.binary(max_size=40),
        ),
        max_size=20,
    )
)
def test_the_length_of_many_payloads_is_the_sum_of_their_lengths(payloads: list[Any]) -> None:
    # Buffers and batch limits count the payloads' decoded bytes together, without a Python
    # call per payload while all are base64 text.
    assert payloads_len(payloads) == sum(map(payload_len, payloads))
    assert payloads_len(iter(payloads)) == sum(len(payload_bytes(p)) for p in payloads)


class Text(str):
    """A str of another type (no JSON reader makes one; the checks take it as text)."""


#: Values a record's member may be set to: valid ones, ones at the bounds, wrong ones.
MEMBER_VALUES = [
    "", "a", "YQ=", "YQ==", "Y=Q=", "k" * 256, "k" * 257, "é", Text("YQ=="), "1" * 40,
    None, 0, 1.5, True, [], {},
    b64(1_024_000), b64(1_024_001), b64(1_048_576), b64(1_048_577),
]  # fmt: skip
VALID = {
    "kinesis": lambda size: {"Data": b64(size), "PartitionKey": "k"},
    "firehose": lambda size: {"Data": b64(size)},
}


@st.composite
def batches(draw: st.DrawFn, service: str) -> list[Any]:
    """A batch of valid records, then a few changes: a member set to another value, one
    taken out, one added, or a record replaced by something that is not an object."""
    records: list[Any] = [
        VALID[service](draw(st.integers(0, 12))) for _ in range(draw(st.integers(0, 6)))
    ]
    for _ in range(draw(st.integers(0, 3)) if records else 0):
        index = draw(st.integers(0, len(records) - 1))
        record = records[index]
        change = draw(st.sampled_from(["set", "drop", "replace"]))
        if change == "replace" or not isinstance(record, dict):
            records[index] = draw(st.sampled_from([None, "record", [], 3]))
        elif change == "set":
            name = draw(st.sampled_from(["Data", "PartitionKey", "ExplicitHashKey", "Other"]))
            record[name] = draw(st.sampled_from(MEMBER_VALUES))
        elif record:
            del record[draw(st.sampled_from(sorted(record)))]
    return records


@pytest.mark.parametrize("serialized", [False, True])
@pytest.mark.parametrize(
    ("service", "operation"), [("kinesis", "PutRecords"), ("firehose", "PutRecordBatch")]
)
@given(data=st.data())
def test_a_batch_s_records_checked_together_pass_as_checked_one_by_one(
    service: str, operation: str, serialized: bool, data: st.DataObject
) -> None:
    # The records of a batch are checked a member at a time, all records together; the
    # verdict must be the one the records' own check gives each of them.
    records = data.draw(batches(service))
    member = operation_model(service, operation).input_shape.members["Records"].member
    alone = _conformer(member, serialized)

    def passes(check: Any, value: Any) -> bool:
        try:
            check(value)
        except _Nonconforming:
            return False
        return True

    each = all(passes(alone, record) for record in records)
    assert passes(_column(member, serialized), records) is each


@pytest.mark.parametrize("serialized", [False, True])
@pytest.mark.parametrize(
    ("service", "member", "value"),
    [
        ("kinesis", "PartitionKey", ""),
        ("kinesis", "PartitionKey", "k" * 257),
        ("kinesis", "PartitionKey", 1),
        ("kinesis", "Data", "past the model's max"),
        ("kinesis", "Data", "Y=Q="),
        ("kinesis", "Data", "YQ="),
        ("kinesis", "Data", None),
        ("kinesis", "ExplicitHashKey", "x"),
        ("kinesis", "Other", "x"),
        ("firehose", "Data", "past the model's max"),
        ("firehose", "Data", "Y=Q="),
        ("firehose", "Data", 5),
        ("firehose", "Other", "x"),
    ],
)
def test_one_bad_record_among_good_ones_fails_the_batch_checked_together(
    service: str, member: str, value: Any, serialized: bool
) -> None:
    operation = {"kinesis": "PutRecords", "firehose": "PutRecordBatch"}[service]
    shape = operation_model(service, operation).input_shape.members["Records"].member
    if value == "past the model's max":  # a byte past it
        value = b64(shape.members[member].metadata["max"] + 1)
    # No empty Data among them: text shorter than a base64 group has the batch checked
    # record by record.
    good = [VALID[service](size) for size in (1, 2, 3, 4)]
    bad = [*good, {**VALID[service](5), member: value}]
    _column(shape, serialized)(good)
    # Base64 that is not canonical passes where botocore wrote the body (its own base64).
    refused = not (serialized and value == "Y=Q=")
    try:
        _column(shape, serialized)(bad)
    except _Nonconforming:
        assert refused
    else:
        assert not refused
