"""Nothing the fake does sends traffic anywhere but 127.0.0.1, seen by an audit hook: the
interpreter reports every socket connection, send and name lookup to it, whoever makes them
(botocore, requests, urllib3, the code under test), before they happen.

Two workloads: the example suite, run whole in a child interpreter with the hook installed
first, and HTTP endpoint delivery streams whose https URLs hypothesis makes out of every way
of writing a host (dotted, decimal, hex and octal addresses, IPv6 and mapped IPv4, names that
end in or contain a loopback address, user parts, backslashes, odd ports).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
S3 = {"RoleARN": "arn:aws:iam::123456789012:role/firehose", "BucketARN": "arn:aws:s3:::bucket"}

#: The hook, as source: the child interpreter runs it from a ``-p`` plugin, this process
#: from ``exec`` below, so both apply the same rule.
HOOK = textwrap.dedent(
    """
    import ipaddress, socket, sys

    OUTSIDE = []
    ARMED = [True]

    def _loopback(host):
        if host is None:
            return True
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        host = str(host).strip("[]").split("%")[0]
        if host.lower() in ("localhost", "localhost.", ""):
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        mapped = getattr(address, "ipv4_mapped", None)
        return address.is_loopback or (mapped is not None and mapped.is_loopback)

    def _outside(event, args):
        if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            sock, address = args[0], args[-1]
            inet = sock.family in (socket.AF_INET, socket.AF_INET6)
            return inet and isinstance(address, tuple) and not _loopback(address[0])
        lookups = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex")
        return event in (*lookups, "socket.gethostbyaddr") and not _loopback(args[0])

    def _hook(event, args):
        # Stopped as well as recorded: the check itself must not let traffic out.
        if ARMED[0] and event.startswith("socket.") and _outside(event, args):
            OUTSIDE.append(f"{event} {args[-1] if event.endswith('connect') else args[0]!r}")
            raise ConnectionRefusedError(f"{event} beyond loopback, stopped by the audit hook")

    sys.addaudithook(_hook)
    """
)

PLUGIN = HOOK + textwrap.dedent(
    """
    import os

    def pytest_unconfigure(config):
        with open(os.environ["NO_TRAFFIC_REPORT"], "w", encoding="utf-8") as report:
            report.write("\\n".join(OUTSIDE))
    """
)

_namespace: dict[str, Any] = {}
exec(HOOK, _namespace)  # the same hook in this process, installed once
OUTSIDE: list[str] = _namespace["OUTSIDE"]
ARMED: list[bool] = _namespace["ARMED"]
# In this process the hook watches only while a test here arms it.
ARMED[0] = False


@contextlib.contextmanager
def watching() -> Iterator[list[str]]:
    OUTSIDE.clear()
    ARMED[0] = True
    try:
        yield OUTSIDE
    finally:
        ARMED[0] = False


def test_the_hook_sees_and_stops_a_connection_beyond_loopback() -> None:
    """The check cannot pass by not looking: a connection to a documentation address (never
    routed) is recorded and refused before a packet leaves."""
    with watching() as outside, pytest.raises(ConnectionRefusedError):
        socket.create_connection(("192.0.2.10", 9), timeout=0.01)
    assert outside == ["socket.getaddrinfo '192.0.2.10'"]
    with watching() as outside, socket.socket() as unused, pytest.raises(ConnectionRefusedError):
        unused.connect(("192.0.2.10", 9))
    assert outside == ["socket.connect ('192.0.2.10', 9)"]
    with watching() as outside:
        assert socket.getaddrinfo("127.0.0.1", 9)
    assert outside == []


def test_the_example_suite_sends_nothing_beyond_loopback(tmp_path: Path) -> None:
    (tmp_path / "no_traffic_hook.py").write_text(PLUGIN, encoding="utf-8")
    report = tmp_path / "outside.txt"
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])),
        "NO_TRAFFIC_REPORT": str(report),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "examples",
            "-q",
            "-p",
            "no_traffic_hook",
            "-p",
            "no:randomly",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout
    assert report.read_text(encoding="utf-8") == ""


# --------------------------------------------------------------------------- fuzzed URLs

HOSTS = [
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "localhost",
    "192.0.2.10",
    "3221225994",
    "0xc000020a",
    "[::ffff:192.0.2.10]",
    "[2001:db8::1]",
    "example.com",
    "127.0.0.1.example.com",
    "localhost.example.com",
    "127.0.0.1@192.0.2.10",
    "192.0.2.10\\@127.0.0.1",
    "192.0.2.10#@127.0.0.1",
    "user:pass@192.0.2.10",
]


@st.composite
def urls(draw: st.DrawFn) -> str:
    host = draw(st.sampled_from(HOSTS))
    port = draw(st.sampled_from(["", ":1", ":80", ":443", ":65535", ":0"]))
    path = draw(st.sampled_from(["", "/", "/ingest", "/a?b=c", "/%2e%2e/"]))
    return f"https://{host}{port}{path}"


@settings(
    max_examples=examples(60),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(url=urls(), over_network=st.booleans())
def test_no_destination_url_reaches_beyond_loopback(url: str, over_network: bool) -> None:
    with watching() as outside, FirehoseFake() as fake:
        if over_network:
            # refused unless a loopback URL with a port: either way, nothing may leave
            with contextlib.suppress(UsageError):
                fake.send_over_network(url)
        stream = fake.firehose.create_delivery_stream(
            "events",
            HttpEndpointDestinationConfiguration={
                "EndpointConfiguration": {"Url": url, "AccessKey": "secret"},
                "RetryOptions": {"DurationInSeconds": 0},
                "S3Configuration": S3,
            },
        )
        boto3.client("firehose", region_name="us-east-1").put_record(
            DeliveryStreamName="events", Record={"Data": b"a"}
        )
        stream.flush()
    assert outside == [], url
