"""The botocore internals pytest-firehose stands on, checked one by one.

``pytest_firehose/_doors/botocore.py`` and its ``botocore_*.py`` neighbours are the modules that
touch botocore internals (the aiobotocore ones are checked in ``test_aiobotocore_seams.py``).
When a release moves one of them, the test for it here fails with a message naming the seam,
so the fix starts in the right place instead of in a puzzling wire test.

Every client here points at a loopback port nobody listens on and ``Endpoint._send`` is
replaced, so even a moved seam cannot make a request leave the machine.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any
from unittest import mock

import botocore
import botocore.endpoint
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.config import Config
from botocore.endpoint import Endpoint
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.retries import bucket
from botocore.serialize import JSONSerializer
from conftest import RealWaits, sharing_models

from pytest_firehose import FirehoseFake
from pytest_firehose._doors import botocore_answers as answers
from pytest_firehose._doors.botocore_answers import to_botocore_response
from pytest_firehose._doors.botocore_requests import _lowered
from pytest_firehose._wire.codec import READ_HEADERS, HttpResponse

SEAM = f"botocore {botocore.__version__} moved a seam pytest_firehose/_doors/botocore*.py rely on: "
NOWHERE = "http://127.0.0.1:9"
MAX_ATTEMPTS = 3
NETWORK_ERRORS = [ReadTimeoutError, ConnectTimeoutError, EndpointConnectionError]


class StreamOnly:
    """A response ``raw`` with nothing but ``stream()``, as the fake hands botocore."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def answer(status: int, payload: dict[str, Any]) -> AWSResponse:
    body = json.dumps(payload).encode()
    headers = {"x-amzn-RequestId": "r-1", "Content-Type": "application/x-amz-json-1.1"}
    return AWSResponse(NOWHERE + "/", status, headers, StreamOnly(body))


LISTING = {"DeliveryStreamNames": ["events"], "HasMoreDeliveryStreams": False}
SLOW_DOWN = {"__type": "ServiceUnavailableException", "message": "Slow down."}


class Send:
    """Stands in for ``Endpoint._send``: keeps each request, gives the next scripted answer
    (the last one repeats); an exception is raised instead of returned."""

    def __init__(self, *answers: AWSResponse | Exception, log: list[str] | None = None) -> None:
        self.answers = list(answers)
        self.requests: list[Any] = []
        self.endpoints: list[Endpoint] = []
        self.log = log if log is not None else []

    def __call__(self, endpoint: Endpoint, request: Any) -> AWSResponse:
        self.log.append("_send")
        self.requests.append(request)
        self.endpoints.append(endpoint)
        reply = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(reply, Exception):
            raise reply
        return reply


class RecordingTime:
    """``botocore.endpoint.time`` with ``sleep`` recorded instead of slept."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def make_offline_client(config: Config) -> Any:
    return sharing_models(botocore.session.get_session()).create_client(
        "firehose",
        region_name="us-east-1",
        endpoint_url=NOWHERE,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


@pytest.fixture
def offline_client() -> Any:
    return make_offline_client(
        Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS})
    )


@pytest.fixture
def slept() -> Iterator[list[float]]:
    recording = RecordingTime()
    with mock.patch.object(botocore.endpoint, "time", recording):
        yield recording.slept


def text_headers(request: Any) -> dict[str, str]:
    """Header names lower case, values as text (botocore gives signed values as bytes)."""

    def text(value: str | bytes) -> str:
        return value.decode() if isinstance(value, bytes) else value

    return {text(name).lower(): text(value) for name, value in request.headers.items()}


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def sending(send: Send) -> Any:
    """Patch ``Endpoint._send`` as the interceptor does: a plain function on the class."""

    def _send(endpoint: Endpoint, request: Any) -> AWSResponse:
        return send(endpoint, request)

    return mock.patch.object(Endpoint, "_send", _send)


def test_endpoint_send_takes_the_request_alone() -> None:
    assert parameters(Endpoint._send) == ["self", "request"], (
        f"{SEAM}Endpoint._send{inspect.signature(Endpoint._send)} is no longer "
        "_send(self, request); the interceptor replaces exactly that method"
    )


def test_send_runs_after_before_send_hooks_and_its_answer_is_parsed(offline_client: Any) -> None:
    log: list[str] = []
    offline_client.meta.events.register(
        "before-send.firehose", lambda **_: log.append("before-send")
    )
    send = Send(answer(200, LISTING), log=log)
    with sending(send):
        result = offline_client.list_delivery_streams()
    assert log == ["before-send", "_send"], (
        f"{SEAM}Endpoint._do_get_response no longer emits before-send and then calls "
        f"self._send(request) (saw {log}); moto would stop answering first, or we would "
        "stop intercepting"
    )
    assert result["DeliveryStreamNames"] == ["events"], (
        f"{SEAM}an AWSResponse(url, status, headers, raw) whose raw has only stream() "
        "was not parsed into the operation's result"
    )


def test_an_answer_from_before_send_skips_send(offline_client: Any) -> None:
    offline_client.meta.events.register("before-send.firehose", lambda **_: answer(200, LISTING))
    send = Send(answer(500, SLOW_DOWN))
    with sending(send):
        result = offline_client.list_delivery_streams()
    assert send.requests == [], (
        f"{SEAM}Endpoint._send ran although a before-send hook answered; moto's mock_aws "
        "would no longer win over the fake for the services it mocks"
    )
    assert result["DeliveryStreamNames"] == ["events"]


def test_aws_response_reads_its_body_from_raw_stream() -> None:
    response = AWSResponse(NOWHERE, 200, {"X-Amzn-RequestId": "r-1"}, StreamOnly(b'{"a":1}'))
    assert response.content == b'{"a":1}', (
        f"{SEAM}AWSResponse(url, status_code, headers, raw) no longer reads raw.stream()"
    )
    assert response.status_code == 200
    assert response.headers["x-amzn-requestid"] == "r-1"


ANSWER_HEADERS = {
    "x-amzn-RequestId": "r-1",
    "x-amz-id-2": "e-1",
    "Content-Type": "application/x-amz-json-1.1",
    "Content-Length": "7",
    "Date": "Sun, 06 Dec 2026 00:00:00 GMT",
}


def _as_made(response: AWSResponse) -> dict[str, Any]:
    """What botocore and a hook can read of a response: its attributes, its headers as its
    table holds them (name as given, lower-cased name, value), and its content."""
    return {
        "attributes": sorted(vars(response)),
        "table": [(str(k), k._lower, v) for k, v in response.headers._dict.items()],
        "status": response.status_code,
        "url": response.url,
        "content": response.content,
        "request id": response.headers["X-AMZN-REQUESTID"],
    }


def test_answers_are_assembled_as_aws_response_makes_them() -> None:
    assert answers._assembles_alike(), (
        f"{SEAM}AWSResponse or HeadersDict no longer has the layout the door builds answers "
        "in (five attributes; a table of one key per header name); answers are made "
        "through AWSResponse(...) instead (slower, never wrong)"
    )
    answer = HttpResponse(200, b'{"a":1}', dict(ANSWER_HEADERS))
    made = AWSResponse(NOWHERE + "/", 200, ANSWER_HEADERS, StreamOnly(b'{"a":1}'))
    assert _as_made(to_botocore_response(NOWHERE + "/", answer)) == _as_made(made)


def test_answers_are_made_through_aws_response_where_the_layout_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(answers, "_ASSEMBLED", False)
    answer = HttpResponse(400, b'{"a":1}', dict(ANSWER_HEADERS))
    made = AWSResponse(NOWHERE + "/", 400, ANSWER_HEADERS, StreamOnly(b'{"a":1}'))
    assert _as_made(to_botocore_response(NOWHERE + "/", answer)) == _as_made(made)


def test_a_streaming_answer_is_read_from_its_stream_as_botocore_pulls_it() -> None:
    answer = HttpResponse(200, b"first", dict(ANSWER_HEADERS), iter([b"second", b"third"]))
    response = to_botocore_response(NOWHERE + "/", answer)
    assert list(response.raw.stream()) == [b"first", b"second", b"third"]


def test_send_receives_what_the_fake_routes_on(offline_client: Any) -> None:
    send = Send(answer(200, LISTING))
    with sending(send):
        offline_client.list_delivery_streams(Limit=5)
    (request,) = send.requests
    headers = text_headers(request)
    seen = {
        "method": request.method,
        "url": request.url,
        "x-amz-target": headers.get("x-amz-target"),
        "signing scope": re.findall(r"Credential=[^/]+/\d+/([^,]+)", headers["authorization"]),
        "body": json.loads(request.body),
    }
    assert seen == {
        "method": "POST",
        "url": NOWHERE + "/",
        "x-amz-target": "Firehose_20150804.ListDeliveryStreams",
        "signing scope": ["us-east-1/firehose/aws4_request"],
        "body": {"Limit": 5},
    }, f"{SEAM}the request handed to _send no longer carries what the fake routes on"


def test_send_receives_headers_whose_table_holds_lower_case_names(offline_client: Any) -> None:
    send = Send(answer(200, LISTING))
    with sending(send):
        offline_client.list_delivery_streams(Limit=5)
    (request,) = send.requests
    assert isinstance(request.headers, HeadersDict), f"{SEAM}request headers are no HeadersDict"
    read = {name: value for name, value in text_headers(request).items() if name in READ_HEADERS}
    # ``Date`` stands in for ``X-Amz-Date`` only in requests signed without it.
    sent = set(READ_HEADERS) - {"date"}
    assert set(read) == sent, "botocore no longer sends a header the engine reads"
    names = [getattr(key, "_lower", None) for key in getattr(request.headers, "_dict", {})]
    assert names == [str(key).lower() for key in request.headers], (
        f"{SEAM}HeadersDict no longer keeps each name lower-cased in its table; the fake "
        "reads the headers through the mapping methods instead (slower, never wrong)"
    )
    assert _lowered(request.headers) == read


def test_headers_the_table_cannot_give_as_text_are_converted() -> None:
    headers = HeadersDict({"X-Amz-Target": b"Firehose_20150804.PutRecord", "Content-Type": "a"})
    assert _lowered(headers) == {"x-amz-target": "Firehose_20150804.PutRecord", "content-type": "a"}


def test_headers_of_another_mapping_are_read_through_it() -> None:
    headers = {"X-Amz-Target": b"Kinesis_20131202.PutRecord", "User-Agent": "x", "Host": "h"}
    assert _lowered(headers) == {"x-amz-target": "Kinesis_20131202.PutRecord"}


def test_send_receives_the_very_body_the_json_serializer_wrote(offline_client: Any) -> None:
    written: list[Any] = []
    serialize = JSONSerializer.serialize_to_request

    def spy(serializer: Any, parameters: Any, operation_model: Any) -> Any:
        serialized = serialize(serializer, parameters, operation_model)
        written.append(serialized["body"])
        return serialized

    send = Send(answer(200, LISTING))
    with mock.patch.object(JSONSerializer, "serialize_to_request", spy), sending(send):
        offline_client.list_delivery_streams(Limit=5)
    (request,) = send.requests
    (body,) = written
    assert request.body is body, (
        f"{SEAM}the request handed to _send no longer carries the bytes object "
        "JSONSerializer.serialize_to_request wrote; the fake would check every blob of "
        "botocore's bodies again (slower, never wrong)"
    )


def test_the_json_serializer_writes_its_body_with_its_modules_json_dumps(
    offline_client: Any,
) -> None:
    import botocore.serialize

    dumped: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
    dumps = json.dumps

    class Spy:
        def dumps(self, value: Any, *args: Any, **kwargs: Any) -> str:
            dumped.append((value, args, kwargs))
            return dumps(value, *args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(json, name)

    send = Send(answer(200, LISTING))
    with mock.patch.object(botocore.serialize, "json", Spy()), sending(send):
        offline_client.list_delivery_streams(Limit=5)
    (request,) = send.requests
    assert json.loads(request.body) == {"Limit": 5}
    assert dumped == [({"Limit": 5}, (), {})], (
        f"{SEAM}JSONSerializer no longer writes its body as json.dumps(value) through "
        "botocore.serialize's json module; the fake reads every body it sends again "
        "(slower, never wrong)"
    )


def test_the_client_read_timeout_is_found_on_the_endpoint() -> None:
    client = make_offline_client(Config(read_timeout=7.5, connect_timeout=2))
    send = Send(answer(200, LISTING))
    with sending(send):
        client.list_delivery_streams()
    (endpoint,) = send.endpoints
    timeout = getattr(endpoint.http_session, "_timeout", None)
    assert getattr(timeout, "read_timeout", timeout) == 7.5, (
        f"{SEAM}endpoint.http_session._timeout no longer holds the client's read timeout "
        f"(found {timeout!r}); latency faults could not tell when botocore gives up"
    )


@pytest.mark.parametrize("error_class", NETWORK_ERRORS)
def test_network_errors_take_endpoint_url_and_are_retried(
    offline_client: Any, slept: list[float], error_class: type[Exception]
) -> None:
    error = error_class(endpoint_url=NOWHERE)
    assert NOWHERE in str(error), f"{SEAM}{error_class.__name__}(endpoint_url=...) changed"
    send = Send(error)
    with sending(send), pytest.raises(error_class):
        offline_client.list_delivery_streams()
    assert len(send.requests) == MAX_ATTEMPTS, (
        f"{SEAM}botocore no longer retries {error_class.__name__} raised by _send; "
        "scripted timeouts would stop producing the duplicates production sees"
    )


def test_other_exceptions_from_send_reach_the_caller_untouched(offline_client: Any) -> None:
    class Refused(Exception):
        pass

    refusal = Refused("not for us")
    send = Send(refusal)
    with sending(send), pytest.raises(Refused) as raised:
        offline_client.list_delivery_streams()
    assert raised.value is refusal
    assert len(send.requests) == 1, (
        f"{SEAM}an unknown exception from _send was retried; UnmockedRequestError "
        "would be raised late or hidden"
    )


def test_retry_backoff_sleeps_through_the_endpoint_module_time(
    offline_client: Any, slept: list[float], real_waits: RealWaits
) -> None:
    send = Send(answer(500, SLOW_DOWN), answer(500, SLOW_DOWN), answer(200, LISTING))
    with real_waits, sending(send):
        result = offline_client.list_delivery_streams()
    assert result["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(slept) == 2, (
        f"{SEAM}retry backoff no longer sleeps through botocore.endpoint.time "
        f"(recorded {slept}); the fake clock could not stand in for it"
    )
    assert real_waits.asked == [], f"the backoff really slept: {real_waits.asked}"


def test_every_attempt_carries_sdk_invocation_and_attempt_headers(
    offline_client: Any, slept: list[float]
) -> None:
    send = Send(answer(500, SLOW_DOWN), answer(200, LISTING))
    with sending(send):
        offline_client.list_delivery_streams()
        offline_client.list_delivery_streams()
    headers = [text_headers(request) for request in send.requests]
    ids = [h.get("amz-sdk-invocation-id") for h in headers]
    attempts = [
        # "attempt=1" first, "ttl=...; attempt=2; max=3" on retries (botocore adds "max"
        # to the first attempt too in newer releases)
        re.search(r"attempt=(\d+)", h.get("amz-sdk-request", ""))
        for h in headers
    ]
    missing = [h for h, i, a in zip(headers, ids, attempts, strict=True) if not (i and a)]
    assert not missing, (
        f"{SEAM}botocore stopped sending amz-sdk-invocation-id / amz-sdk-request "
        f"(got {missing}); Call.attempt and Call.invocation_id would be None"
    )
    assert [int(m.group(1)) for m in attempts if m] == [1, 2, 1]
    assert ids[0] == ids[1] != ids[2], "retries of one call must share the invocation id"
    assert all(uuid.UUID(str(i)) for i in ids)


def test_adaptive_rate_limiter_waits_through_its_clock_and_token_bucket_acquire() -> None:
    seams = {
        "Clock.sleep": parameters(bucket.Clock.sleep),
        "Clock.current_time": parameters(bucket.Clock.current_time),
        "TokenBucket._acquire": parameters(bucket.TokenBucket._acquire),
        "TokenBucket._sleep_amount": parameters(bucket.TokenBucket._sleep_amount),
        "TokenBucket._refill": parameters(bucket.TokenBucket._refill),
    }
    assert seams == {
        "Clock.sleep": ["self", "amount"],
        "Clock.current_time": ["self"],
        "TokenBucket._acquire": ["self", "amount", "block"],
        "TokenBucket._sleep_amount": ["self", "amount"],
        "TokenBucket._refill": ["self"],
    }, f"{SEAM}botocore.retries.bucket changed; the fake's TokenBucket._acquire no longer fits"

    now = [1000.0]
    clock = mock.Mock(spec=bucket.Clock, current_time=lambda: now[0])
    tokens = bucket.TokenBucket(max_rate=2, clock=clock)
    tokens._refill()
    now[0] += 1
    tokens._refill()
    assert tokens._current_capacity == 2, f"{SEAM}TokenBucket no longer refills from its clock"
    assert tokens._sleep_amount(3) == 0.5, f"{SEAM}TokenBucket._sleep_amount changed meaning"
    with mock.patch.object(bucket.TokenBucket, "_acquire", return_value=True) as acquire:
        tokens.acquire(amount=1, block=False)
    acquire.assert_called_once_with(amount=1, block=False)


@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_retry_waits_pass_fake_time_while_the_fake_is_active(
    mode: str, flavour: str, new_client: Any, real_waits: RealWaits
) -> None:
    """The behavioural check of every time seam at once, for each client flavour: a
    throttled call retried to its last attempt takes no real time, and the fake clock moves
    instead."""
    with FirehoseFake(seed=1) as fake:
        fake.firehose.create_delivery_stream("events")
        fake.firehose.fail(error="ThrottlingException", times=MAX_ATTEMPTS * 2)
        client = new_client(
            config=Config(retries={"mode": mode, "total_max_attempts": MAX_ATTEMPTS * 3}),
        )
        with real_waits:
            client.put_record(DeliveryStreamName="events", Record={"Data": b"a\n"})
        attempts = len(fake.firehose.calls)
        waited = fake.firehose.clock.elapsed.total_seconds()
    assert attempts == MAX_ATTEMPTS * 2 + 1
    message = (
        f"{SEAM}(or, for {flavour} clients, one pytest_firehose/_doors/aiobotocore.py relies on) "
        f"{mode} retries asked for real waits {real_waits.asked} and waited {waited:.2f}s "
        "of fake time; a backoff or rate-limiter wait escaped the patched clocks"
    )
    assert real_waits.asked == [], message
    assert waited > 0, message


def test_waiters_sleep_through_the_waiter_module_time() -> None:
    import botocore.waiter

    assert getattr(botocore.waiter, "time", None) is time, (
        f"{SEAM}botocore.waiter no longer sleeps through its module's `time`; waiters would "
        "sleep in real time"
    )


def test_sessions_resolve_credentials_through_the_resolver_load_credentials() -> None:
    from botocore.credentials import CredentialResolver, Credentials

    session = botocore.session.Session()
    resolver = session.get_component("credential_provider")
    assert isinstance(resolver, CredentialResolver), (
        f"{SEAM}a session's credential_provider is no longer a CredentialResolver; the fake "
        "patches CredentialResolver.load_credentials so that no real credentials are looked up"
    )
    given = Credentials("seam", "seam")
    with mock.patch.object(CredentialResolver, "load_credentials", return_value=given):
        found = session.get_credentials()
    assert found is given, (
        f"{SEAM}Session.get_credentials no longer asks CredentialResolver.load_credentials; "
        "real credentials could be looked up while a fake is active"
    )


def test_no_credential_provider_is_consulted_while_the_fake_is_active(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from botocore.credentials import CredentialProvider

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "")

    def refuse(provider: Any) -> None:
        raise AssertionError(f"{SEAM}the {provider.METHOD} credential provider was consulted")

    providers = [CredentialProvider, *_subclasses(CredentialProvider)]
    with FirehoseFake(), contextlib.ExitStack() as stack:
        for provider in providers:
            if "load" in vars(provider) and provider.__name__ != "EnvProvider":
                stack.enter_context(mock.patch.object(provider, "load", refuse))
        credentials = botocore.session.Session().get_credentials()
    assert credentials is not None
    assert credentials.access_key == "testing"


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found
