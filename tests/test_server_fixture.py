"""The ``firehose_server`` fixture in real pytest runs: the test's own world over HTTP."""

from __future__ import annotations

import socket
import textwrap
import threading
from pathlib import Path
from urllib.parse import urlsplit

# Imported here so the in-process inner runs share these modules with this one: pytester
# drops modules first imported by an inner run, and a second botocore would not be patched.
import boto3  # noqa: F401
import botocore.endpoint
import pytest
from conftest import clear_aws_settings

ORIGINAL_SEND = botocore.endpoint.Endpoint._send

CLIENT = '''\
import json
import subprocess
import sys
import urllib.request

import boto3
from botocore.config import Config

PUT = """
import boto3, sys
client = boto3.client("firehose")
answer = client.put_record_batch(
    DeliveryStreamName="events", Records=[{"Data": b"a"}, {"Data": b"b"}, {"Data": b"c"}]
)
print(answer["FailedPutCount"])
"""


def put_in_subprocess(server):
    done = subprocess.run(
        [sys.executable, "-c", PUT], env=server.env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def control(server, path, body):
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())
'''


@pytest.fixture(autouse=True)
def no_aws_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_aws_settings(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def run(pytester: pytest.Pytester, body: str) -> pytest.RunResult:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_inner=CLIENT + textwrap.dedent(body))
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert botocore.endpoint.Endpoint._send is ORIGINAL_SEND, "the inner run left a patch"
    return result


def test_a_subprocess_client_shares_the_tests_world(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_subprocess(firehose_server, firehose, kinesis):
            assert firehose_server.firehose is firehose
            assert firehose_server.kinesis is kinesis
            firehose.create_delivery_stream("events")
            firehose.fail(records={1: "ServiceUnavailableException"})
            assert put_in_subprocess(firehose_server) == 1
            assert firehose["events"].records == [b"a", b"c"]
            [call] = firehose.calls
            assert call.failed_indices == (1,)
        """,
    )
    result.assert_outcomes(passed=1)


def test_faults_scripted_over_http_are_the_tests_faults(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_fired(firehose_server, firehose):
            firehose.create_delivery_stream("events")
            control(firehose_server, "/_fake/faults", {"service": "firehose", "timeout": "commit"})
            assert put_in_subprocess(firehose_server) == 0
            assert firehose["events"].records == [b"a", b"b", b"c"] * 2
            assert [f.fired for f in firehose.faults] == [1]

        def test_never_fired(firehose_server):
            control(firehose_server, "/_fake/faults", {"service": "kinesis", "throttle": 1})
        """,
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*scripted fault(s) never fired*", "*kinesis_fail(throttle=1): no request*"]
    )


def test_an_in_process_client_pointed_at_the_server_uses_the_socket(
    pytester: pytest.Pytester,
) -> None:
    # In-process, a scripted timeout is botocore's ReadTimeoutError; over the socket it is
    # the connection closing (ConnectionClosedError): the request really went out.
    result = run(
        pytester,
        """
        import pytest
        from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

        def test_wire(firehose_server, firehose):
            firehose.create_delivery_stream("events")
            once = Config(retries={"total_max_attempts": 1})
            wire = boto3.client("firehose", endpoint_url=firehose_server.url, config=once)
            direct = boto3.client("firehose", config=once)
            firehose.fail(timeout="commit", times=2)
            with pytest.raises(ConnectionClosedError):
                wire.put_record(DeliveryStreamName="events", Record={"Data": b"w"})
            with pytest.raises(ReadTimeoutError):
                direct.put_record(DeliveryStreamName="events", Record={"Data": b"d"})
            assert firehose["events"].records == [b"w", b"d"]

        def test_retries_wait_on_the_fake_clock(firehose_server, firehose):
            firehose.create_delivery_stream("events")
            wire = boto3.client("firehose", endpoint_url=firehose_server.url)
            firehose.fail(throttle=2)
            wire.put_record(DeliveryStreamName="events", Record={"Data": b"w"})
            assert [c.outcome for c in firehose.calls] == ["error"] * 2 + ["ok"]
            assert firehose.clock.slept > 0
        """,
    )
    result.assert_outcomes(passed=2)


def test_teardown_stops_the_server(pytester: pytest.Pytester) -> None:
    where = pytester.path / "url.txt"
    result = run(
        pytester,
        f"""
        import pathlib

        def test_serve(firehose_server):
            pathlib.Path({str(where)!r}).write_text(firehose_server.url)
        """,
    )
    result.assert_outcomes(passed=1)
    port = urlsplit(where.read_text()).port
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)
    assert not [t for t in threading.enumerate() if t.name.startswith("pytest-firehose")]
