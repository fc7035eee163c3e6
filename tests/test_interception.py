"""How the fake sits in botocore's HTTP layer: which clients it serves, what it refuses, what
it leaves behind, and how it lives next to moto, the user's credentials and regions."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import boto3
import botocore.endpoint
import botocore.session
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.endpoint import Endpoint
from botocore.exceptions import ReadTimeoutError
from botocore.retries import bucket
from conftest import (
    SEED,
    Clients,
    aiobotocore_installed,
    aws_environment,
    clear_aws_settings,
    python_output,
)
from moto import mock_aws

from pytest_firehose import FirehoseFake, UnmockedRequestError, UsageError

REGION = "us-east-1"


def botocore_internals() -> tuple[Any, ...]:
    """What the fake replaces while active: the HTTP sends and the clocks retries wait on,
    botocore's and, where it is installed, aiobotocore's."""
    internals = (
        Endpoint._send,
        botocore.endpoint.time,
        bucket.Clock.sleep,
        bucket.Clock.current_time,
        bucket.TokenBucket._acquire,
        botocore.endpoint.EndpointCreator.create_endpoint,
    )
    if not aiobotocore_installed():
        return internals
    import aiobotocore.endpoint
    import aiobotocore.waiter
    from aiobotocore.retries.bucket import AsyncTokenBucket

    return (
        *internals,
        aiobotocore.endpoint.AioEndpoint._send,
        aiobotocore.endpoint.AioEndpointCreator.create_endpoint,
        aiobotocore.endpoint.asyncio,
        aiobotocore.waiter.asyncio,
        AsyncTokenBucket._acquire,
    )


AS_SHIPPED = botocore_internals()
ORIGINAL_SEND = Endpoint._send
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EC2_METADATA_DISABLED",
)


@pytest.fixture(autouse=True)
def no_aws_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Each test starts from an environment without AWS settings or config files."""
    clear_aws_settings(monkeypatch, tmp_path)


def user_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUSEROWNKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "user-own-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


MAKE_CLIENT: dict[str, Callable[[Clients], Any]] = {
    "boto3": lambda _: boto3.client("firehose", region_name=REGION),
    "boto3-session": lambda _: boto3.session.Session().client("firehose", region_name=REGION),
    "botocore": lambda _: botocore.session.get_session().create_client(
        "firehose", region_name=REGION
    ),
    "aiobotocore": lambda clients: clients.make("aiobotocore"),
    "aiobotocore-httpx": lambda clients: clients.make("aiobotocore-httpx"),
    "aioboto3": lambda clients: clients.make("aioboto3"),
}
#: The async clients need aiobotocore (and one of them its httpx backend, one aioboto3).
ASYNC_MARKS = {
    "aiobotocore": [pytest.mark.aio],
    "aiobotocore-httpx": [pytest.mark.aio, pytest.mark.httpx],
    "aioboto3": [pytest.mark.aio, pytest.mark.aioboto3],
}


@pytest.mark.parametrize("created", ["before-start", "after-start"])
@pytest.mark.parametrize(
    "make_client",
    [
        pytest.param(make, id=name, marks=ASYNC_MARKS.get(name, []))
        for name, make in MAKE_CLIENT.items()
    ],
)
def test_every_client_is_served_whenever_it_was_created(
    monkeypatch: pytest.MonkeyPatch,
    clients: Clients,
    make_client: Callable[[Clients], Any],
    created: str,
) -> None:
    user_credentials(monkeypatch)
    early = make_client(clients) if created == "before-start" else None
    with FirehoseFake(seed=1) as fake:
        client = early or make_client(clients)
        fake.firehose.create_delivery_stream("events")
        answer = client.put_record_batch(
            DeliveryStreamName="events", Records=[{"Data": b"a\n"}, {"Data": b"b\n"}]
        )
        assert answer["FailedPutCount"] == 0
        assert fake.firehose["events"].records == [b"a\n", b"b\n"]
        assert [call.operation for call in fake.firehose.calls] == ["PutRecordBatch"]


@pytest.mark.parametrize("block_raises", [False, True], ids=["normal-exit", "block-raises"])
def test_the_patch_is_undone_at_exit(block_raises: bool) -> None:
    expected = pytest.raises(RuntimeError) if block_raises else contextlib.nullcontext()
    with expected, FirehoseFake():
        assert Endpoint._send is not ORIGINAL_SEND
        if block_raises:
            raise RuntimeError("the code under test failed")
    assert botocore_internals() == AS_SHIPPED
    with FirehoseFake():  # and a new fake can start afterwards
        pass
    assert botocore_internals() == AS_SHIPPED


def test_a_fake_that_fails_to_start_leaves_nothing_behind() -> None:
    before = aws_environment()
    with (
        pytest.raises(UsageError, match="12 digits"),
        FirehoseFake(account_id="not-an-account"),
    ):
        pass  # pragma: no cover - the start fails
    assert botocore_internals() == AS_SHIPPED, "a failed start left botocore patched"
    assert aws_environment() == before, "a failed start left fake credentials behind"


@pytest.mark.aio
def test_an_aiobotocore_without_the_seams_stops_the_fake_from_starting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if an aiobotocore release had moved a name the async patch imports. Imported
    # already, aiobotocore is patched at start (test_async_patch_timing.py: later, else).
    import aiobotocore.session  # noqa: F401

    monkeypatch.setitem(sys.modules, "pytest_firehose._doors.aiobotocore", None)
    with pytest.raises(UsageError) as refused, FirehoseFake():
        pass  # pragma: no cover - the start fails
    assert "cannot serve aiobotocore" in str(refused.value)
    assert "pytest-firehose[async]" in str(refused.value)
    assert botocore_internals() == AS_SHIPPED, "a failed start left a patch behind"


ASYNC_BACKENDS = (
    pytest.param("aiohttp", marks=pytest.mark.aio),
    pytest.param("httpx", marks=[pytest.mark.aio, pytest.mark.httpx]),
)


@pytest.mark.parametrize("backend", ASYNC_BACKENDS)
@pytest.mark.parametrize("fault", [None, "lost"], ids=["answered", "timed-out"])
def test_an_async_request_lets_other_tasks_run_while_it_waits(
    fake: FirehoseFake, backend: str, fault: str | None
) -> None:
    # A request over a socket always waits for its answer, and the event loop runs other
    # tasks meanwhile: a reader that polls with no sleep of its own (a shard that has no
    # records yet) does not starve the task that would stop it, or it never stops.
    from aiobotocore.config import AioConfig
    from aiobotocore.session import AioSession

    fake.kinesis.create_stream("clicks")
    if fault:
        fake.kinesis.fail(timeout=fault, operation="ListStreams", times=2, optional=True)
    settings: dict[str, Any] = {"retries": {"total_max_attempts": 1}}
    if backend == "httpx":
        from aiobotocore.httpxsession import HttpxSession

        settings["http_session_cls"] = HttpxSession

    async def poll_until_stopped() -> list[str]:
        seen: list[str] = []
        stop = asyncio.Event()
        async with AioSession().create_client(
            "kinesis", region_name=REGION, config=AioConfig(**settings)
        ) as client:

            async def poll() -> None:
                while not stop.is_set() and len(seen) < 20:
                    try:
                        await client.list_streams()
                        seen.append("answer")
                    except ReadTimeoutError:
                        seen.append("timeout")

            async def stopper() -> None:
                stop.set()

            await asyncio.gather(poll(), stopper())
        return seen

    assert asyncio.run(poll_until_stopped()) == ["timeout" if fault else "answer"]


def enter(fake: FirehoseFake) -> None:
    with fake:  # should it start after all, it stops again: no patch is left behind
        pass


@pytest.mark.parametrize(
    "start_again",
    [enter, lambda _: enter(FirehoseFake())],
    ids=["same-fake", "second-fake"],
)
def test_only_one_fake_is_active_at_a_time(
    fake: FirehoseFake, client: Any, start_again: Callable[[FirehoseFake], None]
) -> None:
    with pytest.raises(UsageError, match="already"):
        start_again(fake)
    fake.firehose.create_delivery_stream("events")  # the first fake still serves
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a\n"})
    assert fake.firehose["events"].records == [b"a\n"]


REFUSED = {
    "s3": ("list_buckets", "s3.amazonaws.com"),
    "sqs": ("list_queues", "sqs.us-east-1.amazonaws.com"),
    "dynamodb": ("list_tables", "dynamodb.us-east-1.amazonaws.com"),
}


@pytest.mark.parametrize(("service", "operation", "host"), [(s, *r) for s, r in REFUSED.items()])
def test_requests_for_other_services_are_refused(
    fake: FirehoseFake, new_client: Any, service: str, operation: str, host: str
) -> None:
    other = new_client(service)
    with pytest.raises(UnmockedRequestError) as refused:
        getattr(other, operation)()
    message = str(refused.value)
    assert repr(host) in message
    assert "mock_aws" in message
    assert "allow_hosts" in message
    assert fake.firehose.calls == []


def test_moto_answers_the_services_it_mocks_while_the_fake_is_active(
    fake: FirehoseFake,
) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="delivery-bucket")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["delivery-bucket"]
    assert Endpoint._send is not ORIGINAL_SEND
    with pytest.raises(UnmockedRequestError):  # moto is gone: refused again
        boto3.client("s3", region_name=REGION).list_buckets()


def put_one(service: str) -> None:
    """Code under test: one record to the stream "events" of ``service`` through boto3."""
    if service == "firehose":
        boto3.client("firehose", region_name=REGION).put_record(
            DeliveryStreamName="events", Record={"Data": b"a\n"}
        )
    else:
        boto3.client("kinesis", region_name=REGION).put_record(
            StreamName="events", Data=b"a\n", PartitionKey="k"
        )


@pytest.mark.parametrize("service", ["firehose", "kinesis"])
@pytest.mark.parametrize("order", ["moto-first", "fake-first"])
@pytest.mark.parametrize(
    "moto_config",
    [None, {"core": {"passthrough": {"services": ["firehose", "kinesis"]}}}],
    ids=["plain-mock_aws", "moto-passes-through"],
)
def test_fake_services_reach_the_fake_while_moto_is_active(
    service: str, order: str, moto_config: Any
) -> None:
    with contextlib.ExitStack() as stack:
        if order == "moto-first":
            stack.enter_context(mock_aws(config=moto_config))
        fake = stack.enter_context(FirehoseFake(region=REGION, seed=SEED))
        if order == "fake-first":
            stack.enter_context(mock_aws(config=moto_config))
        if service == "firehose":
            handle: Any = fake.firehose
            handle.create_delivery_stream("events")
        else:
            handle = fake.kinesis
            handle.create_stream("events")
        put_one(service)
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="moto-keeps-s3")
        buckets = boto3.client("s3", region_name=REGION).list_buckets()["Buckets"]

    assert handle["events"].records == [b"a\n"]
    assert [b["Name"] for b in buckets] == ["moto-keeps-s3"]


@pytest.mark.parametrize(
    "moto_config",
    [None, {"core": {"passthrough": {"services": ["firehose"]}}}],
    ids=["plain-mock_aws", "moto-passes-firehose-through"],
)
def test_firehose_requests_reach_the_fake_while_moto_is_active(
    fake: FirehoseFake, new_client: Any, moto_config: Any
) -> None:
    fake.firehose.create_delivery_stream("events")
    with mock_aws(config=moto_config):
        new_client().put_record(DeliveryStreamName="events", Record={"Data": b"a\n"})
    assert fake.firehose["events"].records == [b"a\n"]


class LocalServer(BaseHTTPRequestHandler):
    """A loopback stand-in for S3 that answers ListBuckets with one bucket."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = (
            b"<ListAllMyBucketsResult><Buckets><Bucket><Name>local</Name></Bucket>"
            b"</Buckets></ListAllMyBucketsResult>"
        )
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.seen.append(f"{self.path} {self.rfile.read(length).decode()}")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:  # a JSON service's request: answered with an empty object
        length = int(self.headers.get("Content-Length", 0))
        self.seen.append(f"POST {self.headers.get('X-Amz-Target')} {self.rfile.read(length)!r}")
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (LocalServer,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("allowed", [False, True], ids=["not-allowed", "allowed"])
def test_loopback_hosts_are_reached_only_when_allowed(
    local_server: tuple[str, list[str]], new_client: Any, allowed: bool
) -> None:
    url, seen = local_server
    with FirehoseFake(allow_hosts=["127.0.0.1"] if allowed else []):
        s3 = new_client("s3", endpoint_url=url)
        if allowed:
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["local"]
        else:
            with pytest.raises(UnmockedRequestError, match=r"'127\.0\.0\.1'"):
                s3.list_buckets()
    assert len(seen) == (1 if allowed else 0)


@pytest.fixture
def network_sends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The requests that reach botocore's (and aiobotocore's) own send, which would put
    them on the network: kept, and failed."""
    reached: list[str] = []

    def send(endpoint: Any, request: Any) -> Any:
        reached.append(request.url)
        raise AssertionError(f"reached the network: {request.url}")

    async def send_async(endpoint: Any, request: Any) -> Any:
        return send(endpoint, request)

    monkeypatch.setattr(Endpoint, "_send", send)
    if aiobotocore_installed():
        import aiobotocore.endpoint

        monkeypatch.setattr(aiobotocore.endpoint.AioEndpoint, "_send", send_async)
    return reached


def test_a_client_the_fake_answered_is_refused_once_the_fake_stopped(
    network_sends: list[str], new_client: Any
) -> None:
    with FirehoseFake() as fake:
        fake.firehose.create_delivery_stream("events")
        client = new_client()
        client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})

    with pytest.raises(UnmockedRequestError, match=r"made or answered while a pytest-firehose"):
        client.put_record(DeliveryStreamName="events", Record={"Data": b"b"})
    assert network_sends == []

    with FirehoseFake() as fake:  # a fake that runs again answers it again
        fake.firehose.create_delivery_stream("events")
        client.put_record(DeliveryStreamName="events", Record={"Data": b"c"})
        assert fake.firehose["events"].records == [b"c"]
    assert network_sends == []


def test_a_client_made_while_the_fake_ran_is_refused_once_it_stopped(
    network_sends: list[str], new_client: Any
) -> None:
    """A client made under the fake but first used after it (a logging handler that
    flushes at exit), and only such a client of the fake's services."""
    with FirehoseFake():
        firehose = new_client()
        kinesis = new_client("kinesis")
        s3 = new_client("s3")

    with pytest.raises(UnmockedRequestError, match=r"made or answered while"):
        firehose.list_delivery_streams()
    with pytest.raises(UnmockedRequestError, match=r"made or answered while"):
        kinesis.list_streams()
    assert network_sends == []
    with pytest.raises(AssertionError, match="reached the network"):
        s3.list_buckets()  # not the fake's to keep: as botocore would send it


def test_a_client_of_a_loopback_endpoint_is_left_alone_once_the_fake_stopped(
    local_server: tuple[str, list[str]], new_client: Any
) -> None:
    url, seen = local_server
    with FirehoseFake() as fake:
        fake.firehose.create_delivery_stream("events")
        client = new_client(endpoint_url=url)
        client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
        assert fake.firehose["events"].records == [b"a"]
    assert seen == []

    client.put_record(DeliveryStreamName="events", Record={"Data": b"b"})
    assert seen == [
        'POST Firehose_20150804.PutRecord b\'{"DeliveryStreamName": "events", '
        '"Record": {"Data": "Yg=="}}\''
    ]


@pytest.mark.parametrize(
    "body",
    [
        io.BytesIO(b"hello"),
        io.BufferedReader(io.BytesIO(b"hello")),
        iter([b"hel", b"lo"]),
    ],
    ids=["file", "buffered-file", "chunks"],
)
def test_a_streamed_body_reaches_an_allowed_host_whole(
    local_server: tuple[str, list[str]], body: Any
) -> None:
    """The fake reads a body to tell whose request it is; one it passes on is sent whole
    (a file body went out empty, and the upload hung waiting for it)."""
    url, seen = local_server
    with FirehoseFake(allow_hosts=["127.0.0.1"]):
        # A body that never comes is a read timeout, not a wait of minutes.
        config = Config(read_timeout=2, retries={"max_attempts": 1})
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", config=config)
        s3.meta.events.register("before-send.s3.PutObject", _send_body(body))
        s3.put_object(Bucket="local", Key="k", Body=b"hello")
    assert seen == ["/local/k hello"]


@pytest.mark.parametrize(
    "body",
    [
        memoryview(b'{"StreamName": "k"}'),
        iter([b'{"StreamName": ', '"k"}']),
        io.StringIO('{"StreamName": "k"}'),
    ],
    ids=["memoryview", "chunks", "text-file"],
)
def test_a_body_a_hook_sets_is_read_as_urllib3_sends_it(fake: FirehoseFake, body: Any) -> None:
    # Each was an AttributeError or a TypeError from inside the fake.
    fake.kinesis.create_stream("k")
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    kinesis.meta.events.register("before-send.kinesis.DescribeStreamSummary", _send_body(body))
    answer = kinesis.describe_stream_summary(StreamName="other")
    assert answer["StreamDescriptionSummary"]["StreamName"] == "k"


def test_a_body_urllib3_cannot_send_is_refused_in_its_words(fake: FirehoseFake) -> None:
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    kinesis.meta.events.register("before-send.kinesis.ListStreams", _send_body(5))
    with pytest.raises(TypeError, match="'body' must be a bytes-like object, file-like object"):
        kinesis.list_streams()


def _send_body(body: Any) -> Callable[..., None]:
    def replace(request: Any, **_: Any) -> None:
        request.body = body

    return replace


@pytest.mark.parametrize("host", ["example.com", "s3.amazonaws.com", "10.0.0.7", "169.254.169.254"])
def test_allow_hosts_rejects_hosts_off_this_machine(host: str) -> None:
    with pytest.raises(UsageError, match="loopback") as rejected:
        FirehoseFake(allow_hosts=["127.0.0.1", host])
    assert repr(host) in str(rejected.value)
    assert botocore_internals() == AS_SHIPPED


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_allow_hosts_accepts_loopback_hosts(host: str) -> None:
    with FirehoseFake(allow_hosts=[host]) as fake:
        assert host in fake.allow_hosts


@pytest.mark.parametrize("block_raises", [False, True], ids=["normal-exit", "block-raises"])
def test_fake_credentials_are_set_only_while_active(block_raises: bool) -> None:
    before = aws_environment()
    with contextlib.suppress(RuntimeError), FirehoseFake():
        assert {k: os.environ.get(k) for k in AWS_VARIABLES} == {
            **dict.fromkeys(AWS_VARIABLES),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        assert boto3.session.Session().get_credentials().access_key == "testing"
        if block_raises:
            raise RuntimeError("the code under test failed")
    assert aws_environment() == before


def test_the_environment_is_restored_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "false")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    before = aws_environment()
    with FirehoseFake() as fake:
        assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
        assert "AWS_DEFAULT_REGION" not in os.environ  # AWS_REGION already names one
        assert fake.world.region == "eu-west-1"
    assert aws_environment() == before


def test_the_users_own_credentials_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    user_credentials(monkeypatch)
    with FirehoseFake() as fake:
        credentials = boto3.session.Session().get_credentials()
        assert (credentials.access_key, credentials.secret_key, credentials.token) == (
            "AKIAUSEROWNKEY",
            "user-own-secret",
            None,
        )
        fake.firehose.create_delivery_stream("events")
        boto3.client("firehose", region_name=REGION).put_record(
            DeliveryStreamName="events", Record={"Data": b"a\n"}
        )
        assert fake.firehose["events"].records == [b"a\n"]
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAUSEROWNKEY"
    assert "AWS_SESSION_TOKEN" not in os.environ


def test_clients_reach_the_streams_of_their_own_region(fake: FirehoseFake, client: Any) -> None:
    fake.firehose.create_delivery_stream("us-only")
    fake.firehose.create_delivery_stream("shared")
    fake.firehose.create_delivery_stream("eu-only", region="eu-west-1")
    fake.firehose.create_delivery_stream("shared", region="eu-west-1")
    europe = boto3.client("firehose", region_name="eu-west-1")

    assert europe.list_delivery_streams()["DeliveryStreamNames"] == ["eu-only", "shared"]
    assert client.list_delivery_streams()["DeliveryStreamNames"] == ["shared", "us-only"]
    with pytest.raises(europe.exceptions.ResourceNotFoundException):
        europe.put_record(DeliveryStreamName="us-only", Record={"Data": b"lost\n"})

    europe.put_record_batch(DeliveryStreamName="shared", Records=[{"Data": b"eu\n"}])
    europe.put_record(DeliveryStreamName="eu-only", Record={"Data": b"eu-only\n"})
    assert fake.firehose.stream("shared", region="eu-west-1").records == [b"eu\n"]
    assert fake.firehose.stream("shared", region=REGION).records == []
    assert fake.firehose["eu-only"].records == [b"eu-only\n"]
    assert fake.firehose["us-only"].records == []
    assert {call.region for call in fake.firehose.calls} == {"eu-west-1", REGION}


def test_what_tracing_wrappers_send_is_what_the_fake_stores_and_checks(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As tracing libraries wrap botocore once a test is running: ddtrace rewrites a Kinesis
    # record's JSON data in BaseClient._make_api_call; ddtrace and sentry-sdk add headers at
    # before-sign; OpenTelemetry and the X-Ray SDK add X-Amzn-Trace-Id in
    # Endpoint.prepare_request, after signing.
    fake.kinesis.create_stream("events")
    make_api_call, prepare_request = BaseClient._make_api_call, Endpoint.prepare_request

    def traced(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "PutRecord":
            params = {**params, "Data": params["Data"][:-1] + b', "_trace": "t1"}'}
        return make_api_call(client, operation, params)

    def trace_header(endpoint: Any, request: Any) -> Any:
        request.headers["X-Amzn-Trace-Id"] = "Root=1-6b13e419-29358d62a9bc59cda0227cc3"
        return prepare_request(endpoint, request)

    monkeypatch.setattr(BaseClient, "_make_api_call", traced)
    monkeypatch.setattr(Endpoint, "prepare_request", trace_header)
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.meta.events.register(
        "before-sign", lambda request, **_: request.headers.__setitem__("traceparent", "00-1-2-01")
    )
    fits_untraced = b'{"p": "' + b"x" * (1024 * 1024 - 11) + b'"}'

    kinesis.put_record(StreamName="events", Data=b'{"a": 1}', PartitionKey="k")
    with pytest.raises(kinesis.exceptions.ClientError, match="less than or equal to 1048576"):
        kinesis.put_record(StreamName="events", Data=fits_untraced, PartitionKey="k")

    assert fake.kinesis["events"].records == [b'{"a": 1, "_trace": "t1"}']
    assert [call.outcome for call in fake.kinesis.calls] == ["ok", "error"]


#: Blocks aiobotocore and aioboto3 (an import of either fails, as if not installed), then
#: imports the plugin and serves a boto3 client from a fake.
WITHOUT_AIOBOTOCORE = """
import sys

sys.modules["aiobotocore"] = sys.modules["aioboto3"] = None

import boto3
import pytest_firehose.plugin
from pytest_firehose import FirehoseFake

with FirehoseFake(seed=1) as fake:
    fake.firehose.create_delivery_stream("events")
    client = boto3.client("firehose")
    answer = client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": b"a"}])
    print(answer["FailedPutCount"], fake.firehose["events"].records == [b"a"])
"""


def test_the_plugin_and_the_fake_work_without_aiobotocore() -> None:
    # aiobotocore is optional: nothing imports it unless it is installed. Run in a fresh
    # interpreter, as this one may have imported it already.
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", WITHOUT_AIOBOTOCORE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "0 True\n"


class ReadHeaders(dict[str, str]):
    """A request's every header, noting the names the engine asks for."""

    asked: ClassVar[set[str]] = set()

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        self.asked.add(name)
        return super().get(name, default)

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return super().__getitem__(name)

    def __contains__(self, name: object) -> bool:
        self.asked.add(str(name))
        return super().__contains__(name)


def test_the_engine_reads_only_the_headers_the_door_hands_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore's door hands the engine only ``READ_HEADERS``: given every header, the
    engine asks for no other, whatever the operation and however it ends."""
    import pytest_firehose._doors.botocore_requests as door
    from pytest_firehose._wire.codec import READ_HEADERS

    def every_header(headers: Any) -> ReadHeaders:
        return ReadHeaders(
            (door._as_text(name).lower(), door._as_text(value)) for name, value in headers.items()
        )

    monkeypatch.setattr(door, "_lowered", every_header)
    ReadHeaders.asked.clear()
    with FirehoseFake(region=REGION) as fake:
        fake.kinesis.create_stream("events", shard_count=1)
        firehose = boto3.client("firehose", region_name=REGION)
        kinesis = boto3.client("kinesis", region_name=REGION)
        firehose.create_delivery_stream(DeliveryStreamName="clicks")
        firehose.put_record(DeliveryStreamName="clicks", Record={"Data": b"a"})
        firehose.put_record_batch(DeliveryStreamName="clicks", Records=[{"Data": b"b"}])
        with pytest.raises(firehose.exceptions.ResourceNotFoundException):
            firehose.describe_delivery_stream(DeliveryStreamName="missing")
        kinesis.put_record(StreamName="events", Data=b"c", PartitionKey="k")
        shard = kinesis.list_shards(StreamName="events")["Shards"][0]["ShardId"]
        iterator = kinesis.get_shard_iterator(
            StreamName="events", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        assert len(kinesis.get_records(ShardIterator=iterator)["Records"]) == 1
        arn = kinesis.describe_stream_summary(StreamName="events")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="reader")
        fake.firehose.clock.advance(seconds=10)
        events = kinesis.subscribe_to_shard(
            ConsumerARN=consumer["Consumer"]["ConsumerARN"],
            ShardId=shard,
            StartingPosition={"Type": "TRIM_HORIZON"},
        )["EventStream"]
        first = next(iter(events))
        events.close()
    assert first["SubscribeToShardEvent"]["Records"][0]["Data"] == b"c"
    assert ReadHeaders.asked <= set(READ_HEADERS), ReadHeaders.asked - set(READ_HEADERS)
    assert {"x-amz-target", "authorization", "content-type"} <= ReadHeaders.asked


def test_threads_putting_at_once_each_store_their_own_records() -> None:
    """Bodies botocore's serializer wrote are read from the value it wrote them from; with
    threads serializing at once (a thread switch forced every few bytecodes), each request
    is still paired with its own value: every record is stored once, in its own call."""
    threads, puts = 6, 40
    interval = sys.getswitchinterval()
    with FirehoseFake(region=REGION) as fake:
        fake.firehose.create_delivery_stream("events")
        clients = [boto3.client("firehose", region_name=REGION) for _ in range(threads)]

        def put(index: int) -> None:
            for number in range(puts):
                clients[index].put_record(
                    DeliveryStreamName="events", Record={"Data": f"{index}-{number}".encode()}
                )

        workers = [threading.Thread(target=put, args=(index,)) for index in range(threads)]
        sys.setswitchinterval(1e-6)
        try:
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        finally:
            sys.setswitchinterval(interval)
        sent = sorted(
            f"{index}-{number}".encode() for index in range(threads) for number in range(puts)
        )
        assert sorted(record.data for record in fake.firehose["events"].records) == sent
        assert sorted(payload for call in fake.firehose.calls for payload in call.records) == sent


def test_a_body_is_never_read_as_the_value_another_thread_wrote() -> None:
    """The serializer's note of the value it wrote a body from is shared by the threads:
    a thread that writes its body just after another's (before that one reads the note)
    leaves the other's body to be read as any other, never as its own value."""
    import pytest_firehose._doors.botocore_requests as door

    first_wrote, second_wrote = threading.Event(), threading.Event()
    kept_before = len(door.SERIALIZED.bodies)

    def first(_serializer: Any, parameters: Any, _model: Any) -> dict[str, Any]:
        text = door.JSON_WRITTEN.dumps(parameters)
        first_wrote.set()
        second_wrote.wait(5)
        return {"body": text.encode()}

    def second(_serializer: Any, parameters: Any, _model: Any) -> dict[str, Any]:
        first_wrote.wait(5)
        text = door.JSON_WRITTEN.dumps(parameters)
        second_wrote.set()
        for _ in range(500):  # until the first has read the note and kept its body
            if len(door.SERIALIZED.bodies) > kept_before:
                break
            threading.Event().wait(0.01)
        return {"body": text.encode()}

    bodies: dict[str, Any] = {}

    def run(name: str, serialize: Callable[..., Any], value: dict[str, str]) -> None:
        bodies[name] = door._remembering(serialize)(None, value, None)["body"]

    values = {"first": {"a": "1"}, "second": {"b": "2"}}
    workers = [
        threading.Thread(target=run, args=("first", first, values["first"])),
        threading.Thread(target=run, args=("second", second, values["second"])),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    kept = {
        name: door.SERIALIZED.bodies.pop(id(body), (None, None)) for name, body in bodies.items()
    }
    assert kept["first"][0] is bodies["first"]
    assert kept["first"][1] is not values["second"]
    assert kept["second"][1] is not values["first"]


def test_a_body_taken_while_the_oldest_is_dropped_breaks_nothing() -> None:
    """A request takes its body from the serializer's table without its lock: one taken
    while another thread drops the table's oldest body (its look at the oldest made, not
    yet its removal) changes the table's size under that look, and the writer goes on."""
    from pytest_firehose._doors.botocore_requests import SerializedBodies

    class TakenMeanwhile(dict):  # type: ignore[type-arg]
        def __iter__(self) -> Iterator[Any]:
            looking = super().__iter__()
            self.pop(next(super().__iter__()))  # another thread's request takes one
            return looking

    kept = SerializedBodies()
    bodies = [b"%d" % number for number in range(kept.KEPT + 1)]
    for body in bodies[:-1]:
        kept.add(body, None)
    kept.bodies = TakenMeanwhile(kept.bodies)

    kept.add(bodies[-1], {"n": 1})

    assert kept.bodies[id(bodies[-1])] == (bodies[-1], {"n": 1})
    assert len(kept.bodies) <= kept.KEPT


#: A gevent-patched process (as a consumer that calls ``monkey.patch_all()`` at import
#: makes it) whose greenlet polls the fake with no sleep of its own, answered or timed out.
GEVENT_POLL = """
import sys

from gevent import monkey

monkey.patch_all()

import boto3
import gevent
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError

from pytest_firehose import FirehoseFake

with FirehoseFake(region="us-east-1") as fake:
    fake.kinesis.create_stream("clicks")
    if sys.argv[1] == "timed-out":
        fake.kinesis.fail(timeout="lost", operation="ListStreams", times=2, optional=True)
    client = boto3.client(
        "kinesis", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )
    seen, state = [], {"stop": False}

    def poll():
        while not state["stop"] and len(seen) < 20:
            try:
                client.list_streams()
                seen.append("answer")
            except ReadTimeoutError:
                seen.append("timeout")

    def stopper():
        state["stop"] = True

    gevent.joinall([gevent.spawn(poll), gevent.spawn(stopper)])
    print(*seen)
"""


@pytest.mark.parametrize("fault", ["answered", "timed-out"])
def test_a_request_under_gevent_lets_other_greenlets_run_while_it_waits(fault: str) -> None:
    # Under gevent's monkey patching, a request over a socket yields to gevent's hub while
    # it waits: a greenlet polling with no sleep of its own lets the one that stops it run.
    assert python_output(GEVENT_POLL, fault) == ["timeout" if fault == "timed-out" else "answer"]
