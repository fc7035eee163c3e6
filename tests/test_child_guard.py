"""A process a test starts while a fake runs has no fake of its own: its Firehose and
Kinesis requests that would leave the machine are refused before anything is sent
(``pytest_firehose/_doors/child_guard.py``, installed in every such process by the
``pytest_firehose_guard.pth`` file the package installs).

Each child here first makes every socket connection to anything but 127.0.0.1 raise, so
that a guard that failed could not send anything either: the test would fail on the
child's network error instead."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from conftest import REGION

from pytest_firehose import FirehoseFake, FirehoseServer
from pytest_firehose._doors.child_guard import ENV

#: Cuts the child off from every host but the loopback one, then sends a Firehose
#: PutRecord and a Kinesis PutRecord, and prints what each got.
CHILD = """
import json, socket
connect = socket.socket.connect
def loopback_only(sock, address):
    if address[0] not in ("127.0.0.1", "::1", "localhost"):
        raise OSError("the test's network jail: no connection to %r" % (address,))
    return connect(sock, address)
socket.socket.connect = loopback_only
import boto3
from botocore.config import Config
one = Config(retries={"total_max_attempts": 1})
got = {}
for service, send in (
    ("firehose", lambda c: c.put_record(DeliveryStreamName="events", Record={"Data": b"a"})),
    ("kinesis", lambda c: c.put_record(StreamName="orders", Data=b"a", PartitionKey="k")),
):
    try:
        send(boto3.client(service, region_name="us-east-1", config=one))
        got[service] = ["answered", ""]
    except Exception as error:
        got[service] = [type(error).__name__, str(error)]
print(json.dumps(got))
"""


def run_child(env: dict[str, str] | None = None) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answers: dict[str, list[str]] = json.loads(done.stdout.splitlines()[-1])
    return answers


def test_the_guard_file_is_installed_with_the_package() -> None:
    """The ``.pth`` file runs at every start of this environment's interpreter."""
    guard = Path(sysconfig.get_paths()["purelib"], "pytest_firehose_guard.pth")

    assert guard.read_text().startswith("import os;")
    assert ENV in guard.read_text()


def test_a_child_started_while_a_fake_runs_is_refused_before_anything_is_sent() -> None:
    with FirehoseFake(region=REGION):
        assert os.environ[ENV] == "1"
        answers = run_child()

    for service, name in (("firehose", "Firehose"), ("kinesis", "Kinesis")):
        kind, message = answers[service]
        assert kind == "UnmockedRequestError", message
        assert f"refused a {name} request to '{service}.us-east-1.amazonaws.com'" in message
        assert "`firehose_server` fixture" in message
        assert "firehose_server.env" in message


def test_the_guard_is_off_once_the_fake_stopped() -> None:
    with FirehoseFake(region=REGION):
        pass

    assert ENV not in os.environ


def test_a_child_given_the_server_s_environment_talks_to_the_test_s_fake() -> None:
    with FirehoseFake(region=REGION) as fake:
        fake.firehose.create_delivery_stream("events")
        fake.kinesis.create_stream("orders")
        with FirehoseServer(fake.world, firehose=fake.firehose, kinesis=fake.kinesis) as served:
            answers = run_child(served.env)

        assert answers == {"firehose": ["answered", ""], "kinesis": ["answered", ""]}
        assert fake.firehose["events"].records == [b"a"]
        assert fake.kinesis["orders"].records == [b"a"]


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_a_multiprocessing_child_is_refused_too(method: str) -> None:
    context = multiprocessing.get_context(method)
    with FirehoseFake(region=REGION):
        reader, writer = multiprocessing.Pipe(duplex=False)
        child = context.Process(target=_print_to, args=(writer,))
        child.start()
        child.join(120)
        answers = json.loads(reader.recv())

    assert child.exitcode == 0
    assert answers["firehose"][0] == "UnmockedRequestError"
    assert answers["kinesis"][0] == "UnmockedRequestError"


def _print_to(writer: Any) -> None:
    """Run ``CHILD`` here, in a ``multiprocessing`` child, and send what it printed."""
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(CHILD, {})
    writer.send(printed.getvalue().splitlines()[-1])


#: ``CHILD``'s requests through aiobotocore.
ASYNC_CHILD = (
    CHILD.split("import boto3", 1)[0]
    + """
import asyncio
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

async def main():
    got = {}
    one = AioConfig(retries={"total_max_attempts": 1})
    for service, params, call in (
        ("firehose", {"DeliveryStreamName": "events", "Record": {"Data": b"a"}}, "put_record"),
        ("kinesis", {"StreamName": "orders", "Data": b"a", "PartitionKey": "k"}, "put_record"),
    ):
        async with get_session().create_client(service, region_name="us-east-1", config=one) as c:
            try:
                await getattr(c, call)(**params)
                got[service] = ["answered", ""]
            except Exception as error:
                got[service] = [type(error).__name__, str(error)]
    print(json.dumps(got))

asyncio.run(main())
"""
)


@pytest.mark.aio
def test_an_async_child_is_refused_too() -> None:
    with FirehoseFake(region=REGION):
        done = subprocess.run(
            [sys.executable, "-c", ASYNC_CHILD],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout.splitlines()[-1])

    assert answers["firehose"][0] == "UnmockedRequestError", answers
    assert answers["kinesis"][0] == "UnmockedRequestError", answers
