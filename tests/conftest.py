"""Shared fixtures: a started fake, a boto3 client that talks to it, and a shape check.

The project's addopts disable the plugin itself (``-p no:firehose``), so this suite drives
``FirehoseFake`` directly; only pytester runs load the plugin.

``new_client`` makes clients of each flavour the fake serves (boto3, aiobotocore, aioboto3),
the async ones behind a sync face, so one test body checks them all. The async flavours, and
every test that needs aiobotocore, carry the ``aio`` marker: aiobotocore caps botocore, so the
suite also runs against the newest botocore without it (``-m "not aio"``, tox's newest env),
and aiobotocore is imported only where an async client is made.

Every session the suite makes, boto3's default session included (moto's ``mock_aws`` drops
it, and ``boto3.client`` then makes a new one), reads botocore's model files with the loader
the fake's own clients share (``sharing_models``): a session's own loader parses the models
and endpoint rules again, a tenth of a second or more a client.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.client
import importlib
import importlib.util
import inspect
import json
import os
import random
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from unittest import mock

import boto3
import botocore
import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.model import ServiceModel
from botocore.validate import validate_parameters
from hypothesis import settings
from moto import mock_aws

from pytest_firehose import FirehoseFake
from pytest_firehose._destinations.service_clients import models

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/firehose"
#: The bucket ``S3`` names, which ``landing_s3`` makes in moto's S3.
LANDING = "landing"
BUCKET = f"arn:aws:s3:::{LANDING}"
S3 = {"RoleARN": ROLE, "BucketARN": BUCKET}
KINESIS = {"KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/k", "RoleARN": ROLE}
FROM_KINESIS = {
    "DeliveryStreamType": "KinesisStreamAsSource",
    "KinesisStreamSourceConfiguration": KINESIS,
}
#: Every test's fake is seeded, so RecordIds and request ids are the same on every run.
SEED = 20150804


def _examples_share() -> float:
    """PYTEST_FIREHOSE_EXAMPLES: the share of each property test's examples a run searches
    (1 unless set). tox's plain, oldest and newest envs, which run the suite on other
    Pythons and libraries, search a third; the tests env searches every example."""
    given = os.environ.get("PYTEST_FIREHOSE_EXAMPLES", "1")
    try:
        share = float(given)
    except ValueError:
        share = 0.0
    if not 0 < share <= 1:
        raise ValueError(
            f"PYTEST_FIREHOSE_EXAMPLES={given!r}: give a fraction above 0 and at most 1, "
            "such as 0.33, or leave it unset for every example"
        )
    return share


_EXAMPLES_SHARE = _examples_share()


def examples(count: int) -> int:
    """A property test's ``count`` examples, as many as the run searches (at least one)."""
    return max(1, round(count * _EXAMPLES_SHARE))


#: No property test has a deadline: how long an example takes is the machine's load, not
#: the fake's behaviour.
settings.register_profile("suite", deadline=None, max_examples=examples(100))
settings.load_profile("suite")


def as_answered(moment: datetime) -> datetime:
    """``moment`` as an answer carries it: to the millisecond, the rest dropped (AWS keeps
    its times so; ``epoch_millis``)."""
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """After a test that ran pytest in this process (``pytester``): no stale submodule left.

    pytester forgets the modules a test imported, but a package imported before the test
    keeps them as attributes. A later ``from pytest_firehose._destinations import
    index_geometry`` would then bind that forgotten copy while ``from
    pytest_firehose._destinations.index_geometry import GeoError`` imports a new one, and an
    exception raised by one copy would escape the other's ``except``. Dropping those
    attributes once pytester has restored ``sys.modules`` makes the next import of each
    module a whole, single copy.
    """
    yield
    if "pytester" not in getattr(item, "fixturenames", ()):
        return
    for name, module in list(sys.modules.items()):
        if not name.startswith("pytest_firehose") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            child = f"{name}.{attribute}"
            stale = isinstance(value, types.ModuleType) and value.__name__ == child
            if stale and sys.modules.get(child) is not value:
                delattr(module, attribute)


@pytest.fixture
def fake() -> Iterator[FirehoseFake]:
    """A started ``FirehoseFake``: every botocore client in the process talks to it."""
    with FirehoseFake(region=REGION, seed=SEED) as started:
        yield started


@pytest.fixture
def client(fake: FirehoseFake) -> Any:
    """A boto3 Firehose client in ``REGION``, created while ``fake`` is active."""
    return boto3.client("firehose", region_name=REGION)


@functools.cache
def _firehose_model() -> ServiceModel:
    # Building a client sends nothing; its model is the one botocore parses answers with.
    model: ServiceModel = boto3.client("firehose", region_name=REGION).meta.service_model
    return model


def assert_output_shape(operation: str, parsed_response: dict[str, Any]) -> None:
    """Check a parsed boto3 response against botocore's output shape for ``operation``,
    as botocore's Stubber checks canned responses: required members, types, no strays."""
    __tracebackhide__ = True
    body = {k: v for k, v in parsed_response.items() if k != "ResponseMetadata"}
    shape = _firehose_model().operation_model(operation).output_shape
    try:
        if shape is not None:
            validate_parameters(body, shape)
        elif body:
            raise AssertionError(f"{operation} has no output shape, but answered {body!r}")
    except ParamValidationError as error:
        raise AssertionError(
            f"{operation} answer does not fit its output shape:\n{error}"
        ) from None


class ShapeChecked:
    """The boto3 client, with every successful answer checked against its output shape."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, method: str) -> Any:
        operation = self._client.meta.method_to_api_mapping.get(method)
        if operation is None:
            return getattr(self._client, method)

        def checked(**params: Any) -> Any:
            answer = getattr(self._client, method)(**params)
            assert_output_shape(operation, answer)
            return answer

        return checked


def sharing_models(session: Any) -> Any:
    """``session`` (a botocore session, an aiobotocore one too), reading botocore's model
    files with the loader the fake's own clients share, unless a ``data_path`` setting
    (``AWS_DATA_PATH``) points it at other files. A new session's own loader parses the
    service's model, its endpoint rules and botocore's endpoints file again: 150 ms or more
    a client. The loader is chosen when the session first needs it, as botocore's own is
    made, so a missing profile is still refused where it was."""

    def loader() -> Any:
        path = session.get_config_variable("data_path")
        return models() if path is None else botocore.loaders.create_loader(path)

    session.lazy_register_component("data_loader", loader)
    return session


def shared_loader_client(service: str, **options: Any) -> Any:
    """A boto3 client of a new session that reads botocore's model files with the loader
    the fake's own clients share (:func:`sharing_models`)."""
    session = sharing_models(botocore.session.get_session())
    return boto3.Session(botocore_session=session).client(service, **options)


def _default_session_sharing_models(**options: Any) -> None:
    """``boto3.setup_default_session``, whose session reads botocore's model files with the
    shared loader (:func:`sharing_models`); otherwise the same session, made the same way.
    ``boto3.client`` makes a default session whenever there is none, and moto's ``mock_aws``
    drops it on entry: without this, the first client of each ``mock_aws`` block parses the
    models again."""
    if options.get("botocore_session") is None:
        options["botocore_session"] = sharing_models(botocore.session.get_session())
    boto3.DEFAULT_SESSION = boto3.Session(**options)


boto3.setup_default_session = _default_session_sharing_models


def landing_bucket() -> Any:
    """Make the empty bucket ``LANDING`` in the S3 moto mocks now (``mock_aws`` must be
    active); a boto3 S3 client in ``REGION`` on it."""
    s3 = shared_loader_client("s3", region_name=REGION)
    s3.create_bucket(Bucket=LANDING)
    return s3


def endpoint_took_it(request: Any) -> tuple[int, dict[str, str], str]:
    """A ``responses`` callback: the answer the HTTP endpoint spec asks of an endpoint that
    took the batch (200, JSON naming the request's id and a timestamp)."""
    request_id = request.headers["X-Amz-Firehose-Request-Id"]
    return 200, {}, json.dumps({"requestId": request_id, "timestamp": 1578090903599})


@contextlib.contextmanager
def taking_endpoint(url: str) -> Iterator[Any]:
    """An HTTP endpoint at ``url`` (a ``responses`` mock) that takes every batch Firehose
    sends it; the mock, whose ``calls`` are the requests."""
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(
            responses.POST, url, callback=endpoint_took_it, content_type="application/json"
        )
        yield mock


def access_keys(endpoint: Any) -> list[str | None]:
    """The ``X-Amz-Firehose-Access-Key`` of each request a ``responses`` mock received, in
    order."""
    return [call.request.headers.get("X-Amz-Firehose-Access-Key") for call in endpoint.calls]


@pytest.fixture
def landing_s3(fake: FirehoseFake) -> Iterator[Any]:
    """moto's ``mock_aws`` active for the test, after ``fake`` started, with the empty
    bucket ``LANDING`` (the one ``S3`` and ``BUCKET`` name) in it: a boto3 S3 client in
    ``REGION``, to read what the fake delivered there."""
    with mock_aws():
        yield landing_bucket()


@pytest.fixture
def kinesis_client(fake: FirehoseFake) -> Any:
    """A boto3 Kinesis client in ``REGION``, created while ``fake`` is active."""
    return boto3.client("kinesis", region_name=REGION)


@pytest.fixture
def api(client):
    return ShapeChecked(client)


def describe(api: Any, name: str = "events") -> dict[str, Any]:
    description: dict[str, Any] = api.describe_delivery_stream(DeliveryStreamName=name)[
        "DeliveryStreamDescription"
    ]
    return description


def refused(method: Any, **params: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        method(**params)
    return caught.value.response


def create_s3(api: Any, **config: Any) -> None:
    api.create_delivery_stream(
        DeliveryStreamName="events", ExtendedS3DestinationConfiguration={**S3, **config}
    )


def s3_stream(fake: FirehoseFake, **config: Any) -> Any:
    """A delivery stream made through the handle, writing to S3 with ``config``."""
    return fake.firehose.create_delivery_stream(
        "events", ExtendedS3DestinationConfiguration={**S3, **config}
    )


def put(client: Any, *payloads: bytes) -> dict[str, Any]:
    records = [{"Data": p} for p in payloads]
    answer: dict[str, Any] = client.put_record_batch(DeliveryStreamName="events", Records=records)
    return answer


def reading_kinesis(
    fake: FirehoseFake, name: str = "events", source: str = "s", **destination: Any
) -> Any:
    """A delivery stream ``name`` reading the fake's Kinesis stream ``source``, delivering
    as ``destination`` (CreateDeliveryStream's destination parameters) says."""
    return fake.firehose.create_delivery_stream(
        name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={
            "KinesisStreamARN": fake.kinesis[source].arn,
            "RoleARN": ROLE,
        },
        **destination,
    )


def python_output(script: str, *args: str) -> list[str]:
    """The lines a Python script run in an interpreter of its own printed (it must succeed):
    for what a test cannot do in this one (a module not yet imported, a process that may
    freeze)."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def botocore_lacks(*needs: str) -> list[str]:
    """Which of ``needs`` the installed botocore's API models do not have. Each is
    ``"service Operation"``, ``"service Operation.Member.Member"`` (an input member, by
    its path through structures), e.g. ``"kinesis CreateStream.Tags"``, or
    ``"service Shape=value"`` (a value of an enum), e.g.
    ``"firehose ProcessorType=CloudWatchLogProcessing"``."""
    missing = []
    for need in needs:
        service, _, path = need.partition(" ")
        model = _service_models(service)
        if "=" in path:
            shape_name, _, value = path.partition("=")
            if shape_name not in model.shape_names or value not in model.shape_for(shape_name).enum:
                missing.append(need)  # the shape itself may be newer than this botocore
            continue
        operation, *members = path.split(".")
        if operation not in model.operation_names:
            missing.append(need)
            continue
        shape = model.operation_model(operation).input_shape
        for member in members:
            if shape is None or member not in getattr(shape, "members", {}):
                missing.append(need)
                break
            shape = shape.members[member]
    return missing


@functools.cache
def _service_models(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def needs_botocore(*needs: str) -> pytest.MarkDecorator:
    """Skip where the installed botocore predates what the test calls (tox's oldest env runs
    the floor release); ``needs`` as :func:`botocore_lacks` takes them."""
    missing = botocore_lacks(*needs)
    return pytest.mark.skipif(
        bool(missing),
        reason=f"botocore {botocore.__version__} has no {', '.join(missing)} (added later)",
    )


def aiobotocore_installed() -> bool:
    """Whether aiobotocore can be imported; the tests that need it carry the ``aio`` marker."""
    return importlib.util.find_spec("aiobotocore") is not None


def aioboto3_installed() -> bool:
    """Whether aioboto3 can be imported (it caps aiobotocore below 3); the tests that need
    it carry the ``aioboto3`` marker."""
    return importlib.util.find_spec("aioboto3") is not None


def aiobotocore_httpx() -> bool:
    """Whether aiobotocore's httpx backend can run here: aiobotocore 3 on, with httpx2 or
    httpx (its ``httpx2`` or ``httpx`` extra). The tests that use it carry the ``httpx``
    marker."""
    return (
        aiobotocore_installed()
        and any(importlib.util.find_spec(name) is not None for name in ("httpx2", "httpx"))
        and importlib.util.find_spec("aiobotocore.httpxsession") is not None
    )


@pytest.fixture(autouse=True)
def _aiobotocore_for_aio_tests(request: pytest.FixtureRequest) -> None:
    """A test marked ``aio`` or ``aioboto3`` fails at once, saying what to do, where what it
    needs is missing. One marked ``httpx`` is skipped where aiobotocore has no httpx backend
    (before 3.0, which aioboto3 holds it to), and fails there instead when
    ``PYTEST_FIREHOSE_REQUIRE_HTTPX`` is set (tox's py313-aio env, which installs it)."""
    if request.node.get_closest_marker("aio") and not aiobotocore_installed():
        pytest.fail(
            "this test (marked aio) needs aiobotocore, which is not installed: "
            "pip install -e '.[test]', or deselect the aio tests with -m 'not aio'",
            pytrace=False,
        )
    if request.node.get_closest_marker("aioboto3") and not aioboto3_installed():
        pytest.fail(
            "this test (marked aioboto3) needs aioboto3, which is not installed: "
            "pip install -e '.[test]', or deselect its tests with -m 'not aioboto3'",
            pytrace=False,
        )
    if request.node.get_closest_marker("httpx") and not aiobotocore_httpx():
        reason = (
            "aiobotocore's httpx backend is not here (aiobotocore 3 or later with its httpx2 "
            "extra: pip install 'aiobotocore[httpx2]>=3'; tox -e py313-aio runs these tests)"
        )
        if os.environ.get("PYTEST_FIREHOSE_REQUIRE_HTTPX"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


#: The client libraries the fake serves; the async ones need aiobotocore (marker ``aio``),
#: aioboto3's need aioboto3 too, and aiobotocore's httpx backend needs aiobotocore 3.
FLAVOURS = (
    "boto3",
    pytest.param("aiobotocore", marks=pytest.mark.aio),
    pytest.param("aiobotocore-httpx", marks=[pytest.mark.aio, pytest.mark.httpx]),
    pytest.param("aioboto3", marks=[pytest.mark.aio, pytest.mark.aioboto3]),
)
#: Real seconds an async client's call may take before the test fails.
REAL_TIME_LIMIT = 30


class SyncFace:
    """An async client (or one of its waiters) with a sync face: every call runs to its end
    on ``loop``, so a test reads the same for every flavour."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute) or inspect.isclass(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            if inspect.isawaitable(result):
                # A wait that escaped the fake clock fails the test instead of hanging it.
                bounded = asyncio.wait_for(result, REAL_TIME_LIMIT)
                result = self._loop.run_until_complete(bounded)
            if type(result).__module__.startswith("aiobotocore"):  # a waiter
                return SyncFace(result, self._loop)
            return result

        return call


class Clients:
    """Makes clients of any flavour; the async ones live on one event loop of their own
    (their retry limiter's locks bind to it) and are closed, with it, by ``close()``."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._open: list[Any] = []

    def make(self, flavour: str, service: str = "firehose", **options: Any) -> Any:
        options.setdefault("region_name", REGION)
        if flavour == "boto3":
            return boto3.client(service, **options)
        if flavour == "aiobotocore":
            from aiobotocore.session import AioSession

            context = sharing_models(AioSession()).create_client(service, **options)
        elif flavour == "aiobotocore-httpx":
            from aiobotocore.config import AioConfig
            from aiobotocore.httpxsession import HttpxSession
            from aiobotocore.session import AioSession

            config = options.pop("config", None)
            settings = dict(config._user_provided_options) if config is not None else {}
            options["config"] = AioConfig(http_session_cls=HttpxSession, **settings)
            context = sharing_models(AioSession()).create_client(service, **options)
        elif flavour == "aioboto3":
            import aioboto3
            from aiobotocore.session import AioSession

            session = aioboto3.Session(botocore_session=sharing_models(AioSession()))
            context = session.client(service, **options)
        else:
            raise ValueError(f"unknown client flavour {flavour!r}")
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        client = self._loop.run_until_complete(context.__aenter__())
        self._open.append(context)
        return SyncFace(client, self._loop)

    def close(self) -> None:
        if self._loop is None:
            return
        while self._open:
            self._loop.run_until_complete(self._open.pop().__aexit__(None, None, None))
        self._loop.close()
        self._loop = None


@pytest.fixture
def clients() -> Iterator[Clients]:
    made = Clients()
    yield made
    made.close()


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_client(clients: Clients, flavour: str) -> Any:
    """``new_client(service="firehose", **options)``: a client of each flavour in turn
    (boto3, aiobotocore with its aiohttp and its httpx backend, aioboto3), in ``REGION``
    unless ``region_name=`` says otherwise."""
    return functools.partial(clients.make, flavour)


@pytest.fixture
def seeded_random() -> Iterator[Callable[[], None]]:
    """botocore's backoff draws from the global ``random``: call this fixture's value first
    in the test body to seed it, so the delays are known. Seeding here would not hold, as
    pytest-randomly reseeds ``random`` when the test body starts."""
    state = random.getstate()
    yield functools.partial(random.seed, 2015)
    random.setstate(state)


class RealWaits:
    """While entered (``with real_waits:``), spies on the functions that pass real time:
    ``time.sleep``, ``asyncio.sleep``, ``anyio.sleep`` where installed,
    ``threading.Condition.wait`` (which ``Event.wait``, ``Condition.wait_for`` and queues wait
    through, as botocore's adaptive rate limiter does) and ``asyncio.Condition.wait``
    (aiobotocore's rate limiter waits on one under ``asyncio.wait_for``).

    Each call made on the entering thread that would pass real time is kept in ``asked`` as
    ``(name, delay)``: every positive sleep, every timed ``threading`` wait, and every
    ``asyncio.Condition`` wait (its delay ``None``: the timeout is set around it). A recorded
    sleep is not slept, so a test that fails here fails fast; a recorded condition wait goes
    through, as it hands a lock over. Zero delays (the fake's async sleeps yield to the event
    loop with ``asyncio.sleep(0)``) and every call from another thread go through unrecorded.
    So ``asked == []`` means nothing really waited, however busy the machine."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, float | None]] = []
        self._thread: int | None = None
        self._stack = contextlib.ExitStack()

    def _waits(self, name: str, delay: float | None) -> bool:
        """Record the call if it would pass real time on the watched thread."""
        if threading.get_ident() != self._thread or (delay is not None and delay <= 0):
            return False
        self.asked.append((name, delay))
        return True

    def _sleep_spies(self) -> list[Any]:
        real_sleep = time.sleep
        real_asyncio_sleep = asyncio.sleep

        def sleep(seconds: float) -> None:
            if not self._waits("time.sleep", seconds):
                real_sleep(seconds)

        async def asyncio_sleep(delay: float, result: Any = None) -> Any:
            if self._waits("asyncio.sleep", delay):
                delay = 0
            return await real_asyncio_sleep(delay, result)

        spies = [
            mock.patch.object(time, "sleep", sleep),
            mock.patch.object(asyncio, "sleep", asyncio_sleep),
        ]
        if importlib.util.find_spec("anyio") is not None:
            anyio = importlib.import_module("anyio")
            real_anyio_sleep = anyio.sleep

            async def anyio_sleep(delay: float) -> None:
                if self._waits("anyio.sleep", delay):
                    delay = 0
                await real_anyio_sleep(delay)

            spies.append(mock.patch.object(anyio, "sleep", anyio_sleep))
        return spies

    def _condition_spies(self) -> list[Any]:
        real_condition_wait = threading.Condition.wait
        real_async_condition_wait = asyncio.Condition.wait

        def condition_wait(condition: Any, timeout: float | None = None) -> bool:
            if timeout is not None:  # an untimed wait is for another thread, not for time
                self._waits("threading.Condition.wait", timeout)
            return real_condition_wait(condition, timeout)

        async def async_condition_wait(condition: Any) -> bool:
            self._waits("asyncio.Condition.wait", None)
            return await real_async_condition_wait(condition)

        return [
            mock.patch.object(threading.Condition, "wait", condition_wait),
            mock.patch.object(asyncio.Condition, "wait", async_condition_wait),
        ]

    def __enter__(self) -> RealWaits:
        self._thread = threading.get_ident()
        for spy in self._sleep_spies() + self._condition_spies():
            self._stack.enter_context(spy)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stack.close()
        self._thread = None


@pytest.fixture
def real_waits() -> RealWaits:
    """A :class:`RealWaits` spy: ``with real_waits:`` around the call, then check
    ``real_waits.asked == []``, that no real time was asked for."""
    return RealWaits()


def aws_environment() -> dict[str, str]:
    """The AWS_* variables of the environment now."""
    return {k: v for k, v in os.environ.items() if k.startswith("AWS_")}


def clear_aws_settings(monkeypatch: pytest.MonkeyPatch, config_dir: Path) -> None:
    """No AWS settings from the machine: every AWS_* variable unset, and the config and
    credentials files pointed at paths in ``config_dir`` that do not exist."""
    for name in aws_environment():
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_dir / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(config_dir / "no-credentials"))


def ask_control(server: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One request to a local server (``FirehoseServer``): ``body`` sent as JSON (bytes as
    they are; none when None); the answer's status and JSON."""
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request(method, path, body=data or b"")
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def server_client(server: Any, service: str = "firehose", **options: Any) -> Any:
    """A boto3 client of ``service`` that talks to the local server ``server`` (its
    ``url``) with placeholder keys, in ``REGION`` unless ``region_name=`` says otherwise;
    ``options`` as boto3's ``client()`` takes them."""
    options.setdefault("region_name", REGION)
    session = sharing_models(botocore.session.get_session())
    return boto3.session.Session(botocore_session=session).client(
        service,
        endpoint_url=server.url,
        aws_access_key_id="any",
        aws_secret_access_key="any",
        **options,
    )


def put_batch(*data: bytes, stream: str = "events") -> list[str]:
    """PutRecordBatch of ``data`` to delivery stream ``stream`` (us-east-1): the record ids."""
    client = shared_loader_client("firehose", region_name="us-east-1")
    answer = client.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": d} for d in data])
    return [entry["RecordId"] for entry in answer["RequestResponses"]]


def failed_lines(s3: Any, prefix: str, bucket: str = LANDING) -> list[dict[str, Any]]:
    """The records a destination gave up on (one JSON line each) in every object of
    ``bucket``, each object under ``prefix``."""
    lines = []
    for listed in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        assert listed["Key"].startswith(prefix), listed["Key"]
        body = s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read()
        lines += [json.loads(line) for line in body.decode().splitlines()]
    return lines
