"""Every door gives the same answer to the same call: botocore and aiobotocore in process,
and a botocore client of the local server over its socket, answer alike (status, error code
and message), keep the same records and log the same calls."""

from __future__ import annotations

import base64
import contextlib
import functools
import http.client
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import cbor2
import pytest
from botocore import UNSIGNED, xform_name
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.history import BaseHistoryHandler, get_global_history_recorder
from conftest import REGION, SEED, Clients, ask_control, server_client

from pytest_firehose import FirehoseFake, FirehoseServer
from pytest_firehose._doors.control_views import call_json
from pytest_firehose._doors.server import serve_fake

ONCE = {"total_max_attempts": 1}


@pytest.fixture
def server(fake: FirehoseFake) -> Iterator[FirehoseServer]:
    with serve_fake(fake) as served:
        yield served


def answer_of(call: Any) -> dict[str, Any]:
    """What a client saw: the status and error (none for a success) of ``call()``."""
    try:
        answer = call()
    except ClientError as error:
        response = error.response
        return {
            "status": response["ResponseMetadata"]["HTTPStatusCode"],
            "error": response["Error"],
        }
    return {"status": answer["ResponseMetadata"]["HTTPStatusCode"], "error": None}


def test_an_unsigned_client_is_refused_in_process_as_over_the_server(
    fake: FirehoseFake, server: FirehoseServer, new_client: Any
) -> None:
    fake.kinesis.create_stream("s")
    unsigned = Config(signature_version=UNSIGNED, retries=ONCE)
    in_process = new_client("kinesis", config=unsigned)
    over_server = server_client(server, "kinesis", config=unsigned)
    refused = {
        "status": 400,
        "error": {
            "Code": "MissingAuthenticationTokenException",
            "Message": "Missing Authentication Token",
        },
    }
    assert answer_of(in_process.list_streams) == refused
    assert answer_of(over_server.list_streams) == refused
    # Refused before the service reads it: nothing logged, whichever door.
    assert fake.kinesis.calls == []


def json_1_0(request: Any, **_: Any) -> None:
    """A ``before-send`` hook that sends the request in JSON 1.0's content type."""
    request.headers["Content-Type"] = "application/json"


def test_a_content_type_a_hook_set_is_answered_in_process_as_over_the_server(
    fake: FirehoseFake, server: FirehoseServer
) -> None:
    in_process = boto3.client("kinesis", region_name=REGION, config=Config(retries=ONCE))
    over_server = server_client(server, "kinesis", config=Config(retries=ONCE))
    envelopes = []
    for client in (in_process, over_server):
        client.meta.events.register("before-send", json_1_0)
        with pytest.raises(ClientError) as caught:
            client.list_streams()
        response = caught.value.response["ResponseMetadata"]
        envelopes.append((response["HTTPStatusCode"], response["HTTPHeaders"]["content-type"]))
    assert envelopes == [(404, "application/json")] * 2
    assert fake.kinesis.calls == []


# --------------------------------------------------------------------------- call sequences
#
# Random call sequences, the same through each door into a fresh fake: well-formed calls,
# malformed bodies (members missing or of the wrong type, broken base64, no JSON at all,
# CBOR), limits' edges, unknown streams, stale iterators, unsigned requests, and scripted
# faults (per-record codes, throttles, errors, timeouts). Each door must answer every call
# as botocore in process does, and leave the same call log and records.

SEQUENCES = 12
TARGETS = {"firehose": "Firehose_20150804", "kinesis": "Kinesis_20131202"}
JSON = "application/x-amz-json-1.1"
CBOR = "application/x-amz-cbor-1.1"
#: Answer members that differ by nature between two worlds: ids, iterators, tokens (each
#: holds the time it was made), and every member ending in ``SequenceNumber`` or ``Timestamp``.
OPAQUE = {"ShardIterator", "NextShardIterator", "RecordId", "NextToken"}
MIB = 1024 * 1024
#: A call a ``body`` step's bytes are sent in place of, per service.
CARRIERS = {"firehose": "ListDeliveryStreams", "kinesis": "ListStreams"}


def kinesis_call(r: random.Random) -> tuple[str, dict[str, Any]]:
    stream = {"StreamName": r.choice(["k", "k", "missing"])}
    data = r.choice([b"a", b"", b"x" * (MIB - 1), b"x" * MIB])
    calls: list[tuple[str, dict[str, Any]]] = [
        ("CreateStream", {**stream, "ShardCount": r.choice([1, 2, 0])}),
        ("PutRecord", {**stream, "Data": data, "PartitionKey": r.choice(["p", "", "k" * 257])}),
        (
            "PutRecords",
            {**stream, "Records": [{"Data": b"r", "PartitionKey": "p"}] * r.choice([0, 2, 501])},
        ),
        (
            "GetShardIterator",
            {
                **stream,
                "ShardId": r.choice(["shardId-000000000000", "shardId-000000000007"]),
                "ShardIteratorType": r.choice(["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER"]),
            },
        ),
        ("GetRecords", {"ShardIterator": r.choice(["$iterator", "$iterator", "AAAA"])}),
        ("DescribeStreamSummary", stream),
        ("ListShards", {**stream, "MaxResults": r.choice([1, 10001])}),
    ]
    return r.choice(calls)


def firehose_call(r: random.Random) -> tuple[str, dict[str, Any]]:
    stream = {"DeliveryStreamName": r.choice(["d", "d", "missing"])}
    data = r.choice([b"a", b"", b"x" * 1_024_000, b"x" * 1_024_001])
    calls: list[tuple[str, dict[str, Any]]] = [
        ("CreateDeliveryStream", stream),
        ("PutRecord", {**stream, "Record": {"Data": data}}),
        (
            "PutRecordBatch",
            {**stream, "Records": r.choice([[], [{"Data": data}] * 3, [{"Data": b"r"}] * 501])},
        ),
        ("DescribeDeliveryStream", stream),
    ]
    return r.choice(calls)


def as_json(value: Any) -> Any:
    """``value`` as JSON writes it: bytes in base64."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: as_json(member) for key, member in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    return value


def bent(r: random.Random, params: dict[str, Any]) -> bytes:
    """``params`` as a JSON body with one member dropped, replaced by a value of another
    type, or its blob broken; or a body that is no JSON object."""
    value = as_json(params)
    name = r.choice(sorted(value))
    how = r.choice(["drop", "type", "type", "base64", "body"])
    if how == "drop":
        del value[name]
    elif how == "type":
        value[name] = r.choice([5, "x", None, [], {}, True, 1.5])
    elif how == "base64" and "Data" in value:
        value["Data"] = r.choice(["!!!!", "YQ", "YQ==YQ=="])
    elif how == "body":
        return r.choice([b"", b"{", b"[]", b"null"])
    return json.dumps(value).encode()


def sequence(seed: int) -> list[tuple[Any, ...]]:
    """Steps: ("call", service, operation, params), ("body", service, operation, content
    type, bytes, signed), ("fault", service, keywords)."""
    r = random.Random(seed)
    steps: list[tuple[Any, ...]] = [
        ("call", "kinesis", "CreateStream", {"StreamName": "k", "ShardCount": 2}),
        ("call", "firehose", "CreateDeliveryStream", {"DeliveryStreamName": "d"}),
    ]
    for _ in range(r.randint(4, 10)):
        service = r.choice(["kinesis", "kinesis", "firehose"])
        choice = r.random()
        if choice < 0.15:
            per_record = r.choice(["ProvisionedThroughputExceededException", "InternalFailure"])
            if service == "firehose":
                per_record = r.choice(["ServiceUnavailableException", "InternalFailure"])
            effect = r.choice(
                [
                    {"records": {r.choice([0, 1]): per_record}},
                    {"throttle": True},
                    {
                        "error": "InternalFailure"
                        if service == "firehose"
                        else "KMSThrottlingException"
                    },
                    {"timeout": r.choice(["commit", "lost"])},
                ]
            )
            steps.append(("fault", service, {**effect, "optional": True}))
            continue
        operation, params = (kinesis_call if service == "kinesis" else firehose_call)(r)
        if choice < 0.65:
            steps.append(("call", service, operation, params))
        elif choice < 0.8:
            steps.append(("body", service, operation, JSON, bent(r, params), True))
        elif choice < 0.9 and service == "kinesis":
            steps.append(("body", service, operation, CBOR, cbor2.dumps(params), True))
        else:
            body = json.dumps(as_json(params)).encode()
            steps.append(("body", service, operation, JSON, body, r.random() < 0.5))
    return steps


def plain(status: int, headers: Any, body: bytes) -> tuple[int, str | None, Any]:
    """An answer as read: status, content type and body."""
    content_type = {name.lower(): value for name, value in headers.items()}.get("content-type")
    value: Any = None
    if body and content_type == CBOR:
        value = cbor2.loads(body)
    elif body:
        value = json.loads(body)
    return status, content_type, value


def without_opaque(value: Any, key: str = "") -> Any:
    """``value`` with ids, iterators and times left out: they differ between two worlds."""
    if isinstance(value, dict):
        return {name: without_opaque(member, name) for name, member in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_opaque(item) for item in value]
    if key in OPAQUE or key.endswith(("SequenceNumber", "Timestamp")):
        return "<opaque>"
    return value


class _Answers(BaseHistoryHandler):
    """The answers botocore (and aiobotocore) read off the wire, before parsing them, as
    their history recorder reports them to its handlers (in every release the suite runs
    on; the ``before-parse`` event is newer than the oldest)."""

    def __init__(self) -> None:
        self.last: dict[str, Any] | None = None

    def emit(self, event_type: str, payload: Any, source: str) -> None:
        if event_type == "HTTP_RESPONSE":
            self.last = payload


@contextlib.contextmanager
def answers_read() -> Iterator[_Answers]:
    """``_Answers`` heard while the block runs (the recorder has no way to drop a handler:
    this one is emptied and the recorder disabled again after)."""
    recorder = get_global_history_recorder()
    handler = _Answers()
    was_enabled = recorder._enabled
    recorder.add_handler(handler)
    recorder.enable()
    try:
        yield handler
    finally:
        if not was_enabled:
            recorder.disable()
        recorder._handlers.remove(handler)


class BotocoreSender:
    """Steps sent by botocore clients: a call as the client makes it; a body in place of
    the one a listing call would send (a ``before-send`` hook swaps it in, and takes the
    signature away from an unsigned one); the answer as botocore read it off the wire."""

    def __init__(self, make: Callable[[str], Any], answers: _Answers) -> None:
        self._swap: tuple[Any, ...] | None = None
        self._answers = answers
        self._clients = {service: make(service) for service in TARGETS}
        for client in self._clients.values():
            client.meta.events.register_first("before-send", self._swapped)

    def _swapped(self, request: Any, **_: Any) -> None:
        if self._swap is None:
            return
        _, service, operation, content_type, body, signed = self._swap
        request.headers["X-Amz-Target"] = f"{TARGETS[service]}.{operation}"
        request.headers["Content-Type"] = content_type
        request.headers["Content-Length"] = str(len(body))
        if not signed:
            del request.headers["Authorization"]
        request.body = body

    def __call__(self, step: tuple[Any, ...]) -> Any:
        client = self._clients[step[1]]
        self._answers.last = None
        if step[0] == "body":
            self._swap = step
            operation, params = CARRIERS[step[1]], {}
        else:
            operation, params = step[2], step[3]
        try:
            getattr(client, xform_name(operation))(**params)
        except HTTPClientError:  # a scripted timeout: read timeout, or connection closed
            return ("connection lost", None, None)
        except (ClientError, ValueError):  # botocore reads no CBOR: the answer is compared
            pass
        finally:
            self._swap = None
        seen = self._answers.last
        assert seen is not None
        return plain(seen["status_code"], seen["headers"], seen["body"])


class Http1Sender:
    """Steps sent as raw HTTP/1.1 to the local server, signed as SDKs sign (or not)."""

    def __init__(self, server: FirehoseServer) -> None:
        self._server = server

    def __call__(self, step: tuple[Any, ...]) -> Any:
        if step[0] == "body":
            _, service, operation, content_type, body, signed = step
        else:
            _, service, operation, params = step
            content_type, body, signed = JSON, json.dumps(as_json(params)).encode(), True
        headers = {
            "X-Amz-Target": f"{TARGETS[service]}.{operation}",
            "Content-Type": content_type,
            "X-Amz-Date": "20250101T000000Z",
            "amz-sdk-request": "attempt=1; max=1",
        }
        if signed:
            headers["Authorization"] = (
                f"AWS4-HMAC-SHA256 Credential=any/20250101/{REGION}/{service}/aws4_request, "
                "SignedHeaders=host;x-amz-date, Signature=0"
            )
        connection = http.client.HTTPConnection(self._server.host, self._server.port, timeout=30)
        try:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            return plain(response.status, dict(response.getheaders()), response.read())
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return ("connection lost", None, None)
        finally:
            connection.close()


def through(door: str, steps: list[tuple[Any, ...]], clients: Clients) -> dict[str, Any]:
    """What ``steps`` get through ``door`` from a fresh fake: the answers, the call log (as
    the control API shows it, over the server) and the records kept."""
    config = Config(retries=ONCE, parameter_validation=False)
    with FirehoseFake(region=REGION, seed=SEED) as fake, contextlib.ExitStack() as stack:
        server = None if door in ("boto3", "aiobotocore") else stack.enter_context(serve_fake(fake))
        heard = stack.enter_context(answers_read())
        send: Callable[[tuple[Any, ...]], Any]
        if door == "boto3":
            send = BotocoreSender(lambda service: boto3.client(service, config=config), heard)
        elif door == "aiobotocore":
            send = BotocoreSender(lambda service: clients.make(door, service, config=config), heard)
        elif door == "server":
            send = BotocoreSender(
                lambda service: server_client(server, service, config=config), heard
            )
        else:
            send = Http1Sender(server)
        answers, iterator = [], "AAAA"
        for step in steps:
            if step[0] == "fault":
                script(fake, server, step[1], step[2])
                continue
            if step[0] == "call" and step[3].get("ShardIterator") == "$iterator":
                step = (*step[:3], {"ShardIterator": iterator})  # the last this door was given
            answer = send(step)
            if isinstance(answer[2], dict):
                iterator = answer[2].get("ShardIterator", iterator)
            answers.append(without_opaque(answer))
        calls = (
            [call_json(call) for call in fake.world.calls]
            if server is None
            else ask_control(server, "GET", "/_fake/calls")[1]
        )
        kept = {
            name: [bytes(record.data) for record in handle[name].records]
            if name in handle
            else None
            for handle, name in ((fake.kinesis, "k"), (fake.firehose, "d"))
        }
    for call in calls:
        del call["invocation_id"], call["at"]
    return {"answers": answers, "calls": calls, "records": kept}


def script(
    fake: FirehoseFake, server: FirehoseServer | None, service: str, fault: dict[str, Any]
) -> None:
    """Schedule ``fault`` as the door's user would: ``.fail()`` in process, else
    ``POST /_fake/faults`` (a ``records=`` dict's indices as JSON's strings)."""
    if server is None:
        getattr(fake, service).fail(**fault)
        return
    body = {
        key: {str(index): code for index, code in value.items()} if key == "records" else value
        for key, value in fault.items()
    }
    assert ask_control(server, "POST", "/_fake/faults", {"service": service, **body})[0] == 201


@functools.cache
def in_process(seed: int) -> dict[str, Any]:
    with contextlib.closing(Clients()) as clients:
        return through("boto3", sequence(seed), clients)


@pytest.mark.parametrize(
    "door", ["server", "http1", pytest.param("aiobotocore", marks=pytest.mark.aio)]
)
def test_call_sequences_get_the_same_answers_through_every_door(
    door: str, clients: Clients
) -> None:
    for seed in range(SEQUENCES):
        steps = sequence(seed)
        assert through(door, steps, clients) == in_process(seed), f"sequence {seed}: {steps}"
