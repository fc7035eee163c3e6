"""Raw bodies for every operation of both services, made by hypothesis from botocore's API
model and then bent: values of the wrong type, nulls, lengths and numbers past the limits,
strings no pattern allows, blobs that are not base64. Sent in process through
``World.handle`` and over a real socket to the local server.

Whatever comes in, the answer is AWS-shaped (a 200, or an error status with a JSON body whose
``__type`` is an error the service's model or its front end knows and whose message carries
no Python text), and the world keeps answering every service afterwards.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.model import Shape
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_firehose import FirehoseFake
from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._services.codes import CALL_ERRORS
from pytest_firehose._wire import cbor
from pytest_firehose._wire.codec import HttpRequest, HttpResponse
from pytest_firehose._wire.shapes import service_model

TARGETS = {"firehose": "Firehose_20150804", "kinesis": "Kinesis_20131202"}
ACCOUNT = "123456789012"
REGION = "us-east-1"
#: Names the fuzzer prefers, so that requests reach a stream that exists and go past the
#: lookup into the operation itself.
FIREHOSE_STREAM = "fuzz"
KINESIS_STREAM = "fuzz"
KINESIS_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{KINESIS_STREAM}"
#: An on-demand stream with a queue (botocore 1.44's queues need one), and stand-ins for
#: that queue's ARN and a receipt handle it issued, which ``live`` fills in when sending.
ON_DEMAND_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{KINESIS_STREAM}-on-demand"
QUEUE_ARN = "fuzz-queue-arn"
RECEIPT_HANDLE = "fuzz-receipt-handle"
LIVE: dict[str, str] = {}
FIREHOSE_ARN = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{FIREHOSE_STREAM}"
#: Errors the JSON front end sends before any operation runs, in both services.
FRONT_END_ERRORS = {
    "SerializationException",
    "ValidationException",
    "UnknownOperationException",
    "InvalidSignatureException",
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "InternalFailure",
}
#: What a message must never contain: Python's own words for its failures.
PYTHON_TEXT = re.compile(
    r"Traceback|NoneType|KeyError|TypeError|AttributeError|IndexError|ValueError|"
    r"object has no attribute|unhashable|not subscriptable|<class |Decimal\(|\{'[^']*': "
)
#: Statuses an answer may carry: AWS's JSON services answer client errors with 400 and a
#: body too large for the front end with 413; 500 and 503 only come from scripted faults,
#: which these tests never script.
STATUSES = {200, 400, 413}


def known_errors(service: str) -> set[str]:
    model = service_model(service)
    return (
        {shape.name for shape in model.error_shapes} | set(CALL_ERRORS[service]) | FRONT_END_ERRORS
    )


KNOWN = {service: known_errors(service) for service in TARGETS}


# --------------------------------------------------------------------------- bodies

#: Any JSON value at all, for the places where the fuzzer ignores the model.
ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _string(shape: Shape) -> st.SearchStrategy[Any]:
    name = shape.name.lower()
    if shape.enum:
        return st.sampled_from([*shape.enum, "NOT_A_VALUE", ""])
    favourites: list[str] = []
    if "queuearn" in name:
        favourites = [QUEUE_ARN, f"arn:aws:kinesis:{REGION}:{ACCOUNT}:queue/1", "arn"]
    elif "receipthandle" in name:
        favourites = [RECEIPT_HANDLE, "handle"]
    elif "arn" in name:
        favourites = [
            KINESIS_ARN,
            ON_DEMAND_ARN,
            FIREHOSE_ARN,
            "arn:aws:kinesis:us-east-1:1:stream/x",
            "arn",
        ]
    elif "name" in name:
        favourites = [FIREHOSE_STREAM, KINESIS_STREAM, "missing", "a" * 129]
    elif "shardid" in name:
        favourites = ["shardId-000000000000", "shardId-000000000001", "shardId-x"]
    elif "sequencenumber" in name:
        favourites = ["0", "49590338271490256608559692538361571095921575989136588898", "-1"]
    bounded = st.text(max_size=int(shape.metadata.get("max", 64)) + 2)
    return st.sampled_from(favourites) | bounded if favourites else bounded


def _number(shape: Shape) -> st.SearchStrategy[Any]:
    low = shape.metadata.get("min", 0)
    high = shape.metadata.get("max", 10_000)
    return st.integers(
        min_value=int(low) - 2, max_value=int(min(high, 2**40)) + 2
    ) | st.sampled_from([2**31, 2**63, -(2**63), 1.5, 1e300])


def _blob() -> st.SearchStrategy[Any]:
    encoded = st.binary(max_size=64).map(lambda raw: base64.b64encode(raw).decode())
    return encoded | st.sampled_from(["", "=", "+/+=", "abc", "!!!!", "QQ==QQ=="])


def _timestamp() -> st.SearchStrategy[Any]:
    return st.integers(min_value=-(2**40), max_value=2**40) | st.sampled_from(
        [1.7e9, 1e300, "2026-01-01T00:00:00Z", "yesterday"]
    )


def value_for(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Mostly a value of ``shape``'s type, sometimes anything at all (shrinks toward typed)."""
    kind = shape.type_name
    if depth > 4:
        return st.none()
    if kind == "structure":
        typed: st.SearchStrategy[Any] = st.fixed_dictionaries(
            {},
            optional={name: value_for(member, depth + 1) for name, member in shape.members.items()},
        )
    elif kind == "list":
        typed = st.lists(value_for(shape.member, depth + 1), max_size=4)
    elif kind == "map":
        typed = st.dictionaries(_string(shape.key), value_for(shape.value, depth + 1), max_size=3)
    elif kind == "string":
        typed = _string(shape)
    elif kind in ("integer", "long"):
        typed = _number(shape)
    elif kind == "boolean":
        typed = st.booleans() | st.sampled_from(["true", "yes", 1])
    elif kind == "blob":
        typed = _blob()
    elif kind == "timestamp":
        typed = _timestamp()
    else:
        typed = ANY_JSON
    return typed | st.none() | ANY_JSON


def bodies(service: str, operation: str) -> st.SearchStrategy[bytes]:
    """Request bodies for ``operation``: JSON made from its input shape, or broken bytes."""
    model = service_model(service).operation_model(operation)
    shaped = value_for(model.input_shape) if model.input_shape is not None else ANY_JSON
    as_json = shaped.map(lambda value: json.dumps(value).encode())
    broken = st.sampled_from([b"", b"{", b"[]", b"null", b"\xff\xfe", b'{"a":1}{'])
    return as_json | broken


OPERATIONS = [
    (service, operation)
    for service in TARGETS
    for operation in service_model(service).operation_names
    # The event-stream answer of SubscribeToShard is checked by its own tests.
    if operation != "SubscribeToShard"
]


# --------------------------------------------------------------------------- checks


def request(service: str, operation: str, body: bytes) -> HttpRequest:
    headers = {
        "x-amz-target": f"{TARGETS[service]}.{operation}",
        "content-type": "application/x-amz-json-1.1",
    }
    return HttpRequest("POST", f"https://{service}.{REGION}.amazonaws.com/", headers, body)


def assert_aws_shaped(service: str, status: int, body: bytes) -> None:
    __tracebackhide__ = True
    assert status in STATUSES, (status, body[:300])
    if status == 200:
        if body:
            json.loads(body)
        return
    answer = json.loads(body)
    code = answer.get("__type", "").rpartition("#")[2]
    assert code in KNOWN[service], (code, answer)
    message = answer.get("message", answer.get("Message")) or ""
    assert not PYTHON_TEXT.search(message), message


def still_answers(fake: FirehoseFake) -> None:
    __tracebackhide__ = True
    for service, operation in (("firehose", "ListDeliveryStreams"), ("kinesis", "ListStreams")):
        response = fake.world.handle(request(service, operation, b"{}"), service)
        assert response.status == 200, response.body


def live(body: bytes) -> bytes:
    """``body`` with the stand-ins for the queue's ARN and receipt handle made real."""
    for stand_in, real in ((QUEUE_ARN, "queue"), (RECEIPT_HANDLE, "handle")):
        if real in LIVE:
            body = body.replace(stand_in.encode(), json.dumps(LIVE[real])[1:-1].encode())
    return body


def seeded(fake: FirehoseFake) -> None:
    """Streams the fuzzer's favourite names reach (and, where botocore has queues, a queue
    on an on-demand stream, with a record received from it)."""
    on_demand = {"StreamModeDetails": {"StreamMode": "ON_DEMAND"}}
    made = [
        ("firehose", "CreateDeliveryStream", {"DeliveryStreamName": FIREHOSE_STREAM}),
        ("kinesis", "CreateStream", {"StreamName": KINESIS_STREAM, "ShardCount": 2}),
        ("kinesis", "CreateStream", {"StreamName": f"{KINESIS_STREAM}-on-demand", **on_demand}),
    ]
    for service, operation, params in made:
        answered(fake, service, operation, params)
    if "CreateQueue" not in service_model("kinesis").operation_names:
        return
    configuration = [{"StreamARN": ON_DEMAND_ARN, "StartingPosition": {"Type": "TRIM_HORIZON"}}]
    created = answered(
        fake,
        "kinesis",
        "CreateQueue",
        {"QueueName": "fuzz", "StreamConfigurationList": configuration},
    )
    LIVE["queue"] = created["QueueDescription"]["QueueARN"]
    for key in ("a", "b", "c"):
        put = {"StreamName": f"{KINESIS_STREAM}-on-demand", "Data": "YQ==", "PartitionKey": key}
        answered(fake, "kinesis", "PutRecord", put)
    received = answered(fake, "kinesis", "ReceiveQueueRecords", {"QueueARN": LIVE["queue"]})
    LIVE["handle"] = received["QueueRecords"][0]["ReceiptHandle"]


def answered(fake: FirehoseFake, service: str, operation: str, params: Any) -> Any:
    """The body of the 200 answer to ``params``."""
    response = fake.world.handle(request(service, operation, json.dumps(params).encode()), service)
    assert response.status == 200, response.body
    return json.loads(response.body or b"{}")


@pytest.fixture(scope="module")
def world() -> Iterator[FirehoseFake]:
    """One world for the whole module: what one request leaves behind is the next one's
    ground, as it is for a long-lived service."""
    # A member no API has, which the fuzzer adds, is refused (InvalidArgumentException)
    # rather than warned about: the answer is what is checked.
    with FirehoseFake(region=REGION, account_id=ACCOUNT, seed=7, unmodelled="error") as fake:
        seeded(fake)
        yield fake


FUZZ = settings(
    max_examples=examples(int(__import__("os").environ.get("FUZZ_EXAMPLES", "40"))),
    deadline=None,
    derandomize=not __import__("os").environ.get("FUZZ_EXAMPLES"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize(
    ("service", "operation"), OPERATIONS, ids=[f"{s}.{o}" for s, o in OPERATIONS]
)
def test_every_body_gets_an_aws_answer_in_process(
    world: FirehoseFake, service: str, operation: str
) -> None:
    @FUZZ
    @given(body=bodies(service, operation))
    def check(body: bytes) -> None:
        response: HttpResponse = world.world.handle(
            request(service, operation, live(body)), service
        )
        assert_aws_shaped(service, response.status, response.body)
        still_answers(world)

    check()


@pytest.fixture(scope="module")
def served(world: FirehoseFake) -> Iterator[FirehoseServer]:
    with FirehoseServer(world.world) as server:
        yield server


def post(server: FirehoseServer, service: str, operation: str, body: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request(
            "POST",
            "/",
            body=body,
            headers={
                "X-Amz-Target": f"{TARGETS[service]}.{operation}",
                "Content-Type": "application/x-amz-json-1.1",
                "Authorization": (
                    "AWS4-HMAC-SHA256 Credential=testing/20260101/"
                    f"{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
                ),
                "X-Amz-Date": "20260101T000000Z",
            },
        )
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


@settings(FUZZ, max_examples=examples(150))
@given(data=st.data())
def test_every_body_gets_an_aws_answer_over_the_server(
    served: FirehoseServer, world: FirehoseFake, data: st.DataObject
) -> None:
    service, operation = data.draw(st.sampled_from(OPERATIONS))
    body = data.draw(bodies(service, operation))
    status, answer = post(served, service, operation, live(body))
    assert_aws_shaped(service, status, answer)
    still_answers(world)


# --------------------------------------------------------------------------- CBOR items

#: CBOR items JSON has no form for, or that the Java SDK never writes, each as raw bytes:
#: tags the front end does not know, bignums, byte strings where text goes, indefinite
#: lengths, undefined and other simple values, half floats.
ODD_CBOR = {
    "unknown-tag": b"\xd8\x63\x01",
    "tag-1-around-text": b"\xc1\x61a",
    "tag-1-around-nan": b"\xc1\xf9\x7e\x00",
    "tag-0-date-text": b"\xc0\x74" + b"2013-03-21T20:04:00Z",
    "bignum": b"\xc2\x49\x01" + bytes(8),
    "negative-bignum": b"\xc3\x49\x01" + bytes(8),
    "decimal-fraction": b"\xc4\x82\x21\x19\x6a\xb3",
    "rational": b"\xd8\x1e\x82\x01\x03",
    "uuid": b"\xd8\x25\x50" + bytes(16),
    "set": b"\xd9\x01\x02\x82\x01\x02",
    "shared-reference": b"\xd8\x1d\x00",
    "byte-string": b"\x43abc",
    "indefinite-bytes": b"\x5f\x41a\x41b\xff",
    "indefinite-text": b"\x7f\x61a\x61b\xff",
    "indefinite-array": b"\x9f\x01\xff",
    "indefinite-map": b"\xbf\x61a\x01\xff",
    "undefined": b"\xf7",
    "simple-16": b"\xf0",
    "simple-255": b"\xf8\xff",
    "half-float": b"\xf9\x3c\x00",
    "half-nan": b"\xf9\x7e\x00",
    "half-infinity": b"\xf9\x7c\x00",
    "map-with-integer-key": b"\xa1\x01\x01",
    "text-not-utf8": b"\x62\xff\xfe",
}
#: Requests with a place for each item, which ``_MARK`` stands for.
_MARK = "__odd__"
CBOR_PLACES = [
    ("PutRecord", {"StreamName": _MARK, "Data": b"a", "PartitionKey": "k"}),
    ("PutRecord", {"StreamName": KINESIS_STREAM, "Data": _MARK, "PartitionKey": "k"}),
    ("PutRecords", {"StreamName": KINESIS_STREAM, "Records": [_MARK]}),
    ("PutRecords", {"StreamName": KINESIS_STREAM, "Records": [{"Data": b"",
                                                               "PartitionKey": _MARK}]}),
    ("CreateStream", {"StreamName": "fuzz-cbor", "ShardCount": _MARK}),
    ("ListShards", {"StreamName": KINESIS_STREAM, "ShardFilter": {"Type": "AT_TIMESTAMP",
                                                                   "Timestamp": _MARK}}),
    (
        "GetShardIterator",
        {"StreamName": KINESIS_STREAM, "ShardId": "shardId-000000000000",
         "ShardIteratorType": _MARK},
    ),
    ("ListStreams", {"Limit": _MARK}),
    ("AddTagsToStream", {"StreamName": KINESIS_STREAM, "Tags": _MARK}),
]  # fmt: skip


@pytest.mark.parametrize(("operation", "params"), CBOR_PLACES)
def test_odd_cbor_items_get_an_aws_answer(
    world: FirehoseFake, operation: str, params: dict[str, Any]
) -> None:
    cbor2 = pytest.importorskip("cbor2")
    template = cbor2.dumps(params)
    headers = {
        "x-amz-target": f"{TARGETS['kinesis']}.{operation}",
        "content-type": "application/x-amz-cbor-1.1",
    }
    for name, item in ODD_CBOR.items():
        body = template.replace(cbor2.dumps(_MARK), item)
        url = f"https://kinesis.{REGION}.amazonaws.com/"
        response = world.world.handle(HttpRequest("POST", url, headers, body), "kinesis")
        assert response.status in STATUSES, (name, response.body)
        # Read as the Java SDK reads it (tag 1 in milliseconds).
        answer = cbor.parse(response.body) if response.body else {}
        assert isinstance(answer, dict), (name, response.body)
        if response.status != 200:
            assert answer["__type"] in KNOWN["kinesis"], (name, answer)
            message = answer.get("message", answer.get("Message")) or ""
            assert not PYTHON_TEXT.search(message), (name, message)
    still_answers(world)
