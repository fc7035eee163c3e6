"""The local server as its users run it: ``python -m pytest_firehose serve`` in a subprocess,
driven over loopback by real boto3 clients (urllib3 sockets, no fake in this process) and by
the JSON control API."""

from __future__ import annotations

import base64
import gzip
import json
import math
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPConnection
from typing import Any
from urllib.parse import urlsplit

import botocore.endpoint
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError
from conftest import needs_botocore, server_client

from pytest_firehose import FirehoseServer, UsageError
from pytest_firehose.__main__ import parser
from pytest_firehose._doors.control_input import ROUTES
from pytest_firehose._engine.world import World
from pytest_firehose._handles.firehose import FirehoseHandle

S3_BUFFERED = {
    "RoleARN": "arn:aws:iam::123456789012:role/firehose",
    "BucketARN": "arn:aws:s3:::landing",
    "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1},
}


def b64(*payloads: bytes) -> list[str]:
    return [base64.b64encode(p).decode("ascii") for p in payloads]


@dataclass
class Served:
    """A running ``serve`` subprocess: its endpoint, and how to talk to it."""

    process: subprocess.Popen[str]
    url: str

    def control(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = body if isinstance(body, bytes) else None
        if body is not None and data is None:
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.control(method, path, body)
        assert status in (200, 201), answer
        return answer

    def client(self, service: str = "firehose", **config: Any) -> Any:
        return server_client(self, service, config=Config(**config))


def start(*args: str) -> Served:
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_firehose", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    if not first:
        process.kill()
        raise AssertionError(f"no endpoint printed; stderr: {process.communicate()[1]}")
    return Served(process, first)


def stop(served: Served, sig: int = signal.SIGINT) -> tuple[int, str, str]:
    served.process.send_signal(sig)
    out, err = served.process.communicate(timeout=10)
    return served.process.returncode, out, err


@pytest.fixture(scope="module")
def running() -> Iterator[Served]:
    served = start("--port", "0", "--seed", "7")
    yield served
    if served.process.poll() is None:
        stop(served)


@pytest.fixture
def server(running: Served) -> Served:
    """The module's server, reset to a fresh world for this test."""
    assert running.ok("POST", "/_fake/reset") == {"status": "reset"}
    return running


@pytest.fixture
def client_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry backoff in this process, recorded instead of slept."""
    slept: list[float] = []

    class Time:
        def sleep(self, seconds: float) -> None:
            slept.append(seconds)

        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

    monkeypatch.setattr(botocore.endpoint, "time", Time())
    return slept


@pytest.fixture
def events(server: Served) -> Served:
    server.ok("POST", "/_fake/streams", {"service": "firehose", "name": "events"})
    return server


def put(served: Served, *payloads: bytes, **config: Any) -> dict[str, Any]:
    answer: dict[str, Any] = served.client(**config).put_record_batch(
        DeliveryStreamName="events", Records=[{"Data": p} for p in payloads]
    )
    return answer


# --------------------------------------------------------------------------- start-up


def test_first_line_is_the_endpoint_on_loopback(running: Served) -> None:
    parts = urlsplit(running.url)
    assert (parts.scheme, parts.hostname) == ("http", "127.0.0.1")
    assert parts.port
    assert running.ok("GET", "/_fake/health") == {"status": "ok", "endpoint": running.url}


def test_host_and_port_are_honoured() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    served = start("--host", "127.0.0.2", "--port", str(port))
    try:
        assert served.url == f"http://127.0.0.2:{port}"
        assert served.ok("GET", "/_fake/health")["endpoint"] == served.url
    finally:
        assert stop(served)[0] == 0


def test_a_port_in_use_is_refused_with_the_fix(running: Served) -> None:
    port = str(urlsplit(running.url).port)
    result = subprocess.run(
        [sys.executable, "-m", "pytest_firehose", "serve", "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port 0" in result.stderr


@pytest.mark.parametrize("port", ["abc", "1.5", "9" * 5000])
def test_a_port_that_is_no_number_is_refused_with_the_rule(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # argparse named the converting function: "argument --port: invalid _port value: 'abc'".
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--port", port])
    error = capsys.readouterr().err
    assert "argument --port: a port is 0-65535 (0: a free one), not " in error
    assert "_port" not in error


#: A destination with a setting the fake does not model: a prefix's pattern Java refuses.
UNMODELLED_PREFIX = {
    **S3_BUFFERED,
    "Prefix": "logs/!{timestamp:yyyy-cc}/",
    "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
}


def test_unmodelled_error_refuses_an_unmodelled_setting_once_and_creates_nothing() -> None:
    served = start("--port", "0", "--unmodelled", "error")
    try:
        # Standard retries would resend a 500 four times; a 400 is sent once.
        client = served.client(retries={"mode": "standard", "max_attempts": 5})
        with pytest.raises(ClientError) as caught:
            client.create_delivery_stream(
                DeliveryStreamName="events", ExtendedS3DestinationConfiguration=UNMODELLED_PREFIX
            )
        status, answer = served.control(
            "POST",
            "/_fake/streams",
            {
                "service": "firehose",
                "name": "events",
                "ExtendedS3DestinationConfiguration": UNMODELLED_PREFIX,
            },
        )

        refused = caught.value.response
        assert refused["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert refused["ResponseMetadata"]["RetryAttempts"] == 0
        assert refused["Error"]["Code"] == "InvalidArgumentException"
        message = refused["Error"]["Message"]
        assert "!{timestamp:yyyy-cc} (Java's DateTimeFormatter refuses it" in message
        assert status == 400
        assert "would answer InvalidArgumentException" in answer["error"]
        assert served.ok("GET", "/_fake/streams") == {"firehose": [], "kinesis": []}
        (call,) = served.ok("GET", "/_fake/calls")
        assert (call["operation"], call["status"], call["error"]) == (
            "CreateDeliveryStream",
            400,
            "InvalidArgumentException",
        )
    finally:
        code, _, err = stop(served)
    assert code == 0
    assert "UnmodelledSettingWarning" not in err  # refused, not warned about


def test_by_default_an_unmodelled_setting_is_served_with_a_warning() -> None:
    served = start("--port", "0")
    try:
        served.client().create_delivery_stream(
            DeliveryStreamName="events", ExtendedS3DestinationConfiguration=UNMODELLED_PREFIX
        )
        assert served.ok("GET", "/_fake/streams")["firehose"] == ["events"]
    finally:
        _, _, err = stop(served)
    assert "UnmodelledSettingWarning" in err
    assert "!{timestamp:yyyy-cc} (Java's DateTimeFormatter refuses it" in err


def test_unmodelled_is_warn_or_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert parser().parse_args(["serve"]).unmodelled == "warn"
    assert parser().parse_args(["serve", "--unmodelled", "error"]).unmodelled == "error"
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["serve", "--unmodelled", "strict"])
    assert exited.value.code == 2  # as a bad --port or --account-id
    error = capsys.readouterr().err
    assert "argument --unmodelled: invalid choice: 'strict'" in error
    # Newer Python releases leave the choices unquoted.
    assert re.search(r"\(choose from '?warn'?, '?error'?\)", error)


def test_delays_keep_new_streams_creating_until_the_clock_passes_them() -> None:
    served = start("--port", "0", "--creation-delay", "30", "--update-delay", "5")
    try:
        kinesis = served.client("kinesis")
        kinesis.create_stream(StreamName="s", ShardCount=1)
        status = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
        assert status["StreamStatus"] == "CREATING"
        served.ok("POST", "/_fake/clock", {"advance": 30})
        kinesis.get_waiter("stream_exists").wait(StreamName="s", WaiterConfig={"Delay": 0})
        kinesis.update_shard_count(
            StreamName="s", TargetShardCount=2, ScalingType="UNIFORM_SCALING"
        )
        served.ok("POST", "/_fake/clock", {"advance": 5})
        status = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
        assert (status["StreamStatus"], status["OpenShardCount"]) == ("ACTIVE", 2)
        # A reset world keeps the server's delays.
        served.ok("POST", "/_fake/reset")
        kinesis.create_stream(StreamName="s", ShardCount=1)
        status = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
        assert status["StreamStatus"] == "CREATING"
    finally:
        stop(served)


@pytest.mark.parametrize("value", ["-1", "nan", "1e11", "soon"])
def test_a_delay_is_seconds_from_0_to_10_billion(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert parser().parse_args(["serve", "--creation-delay", "2.5"]).creation_delay == 2.5
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["serve", "--encryption-delay", value])
    assert exited.value.code == 2
    assert (
        f"argument --encryption-delay: a delay is seconds of fake time, 0 to 10,000,000,000, "
        f"not {value!r}" in capsys.readouterr().err
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_it_cleanly(sig: int) -> None:
    served = start("--port", "0")
    served.ok("POST", "/_fake/streams", {"service": "firehose", "name": "events"})
    put(served, b"a")  # a keep-alive connection is open when the signal comes
    code, out, err = stop(served, sig)
    assert (code, out, err) == (0, "", "")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", urlsplit(served.url).port), timeout=5)


def test_help_documents_the_flags_and_the_control_api() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_firehose", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    for text in (
        "--host",
        "--port",
        "--region",
        "--account-id",
        "--seed",
        "--unmodelled {warn,error}",
        "--creation-delay SECONDS",
        "--encryption-delay SECONDS",
        "--update-delay SECONDS",
    ):
        assert text in result.stdout
    # Every endpoint of the control API is listed, by its first path segment.
    endpoints = {"/".join(route.split()[1].split("/")[:3]) for route in ROUTES}
    assert sorted(e for e in endpoints if f"{e} " not in result.stdout) == []


# --------------------------------------------------------------------------- the AWS wire


def test_put_record_batch_is_accepted_and_shown_in_base64(events: Served) -> None:
    answer = put(events, b"a\n", b"b\n")
    assert answer["FailedPutCount"] == 0
    assert len(answer["RequestResponses"]) == 2
    shown = events.ok("GET", "/_fake/streams/events")
    assert shown["service"] == "firehose"
    assert shown["records"] == b64(b"a\n", b"b\n")
    assert shown["pending"] == b64(b"a\n", b"b\n")
    assert shown["delivered"] == shown["expired"] == shown["objects"] == []
    assert shown["rows"] == shown["manifests"] == []


def test_a_redshift_stream_shows_the_rows_its_table_received(server: Served) -> None:
    bucket = {"RoleARN": "arn:aws:iam::123456789012:role/r", "BucketARN": "arn:aws:s3:::b"}
    redshift = {
        "RoleARN": bucket["RoleARN"],
        "ClusterJDBCURL": "jdbc:redshift://c.abc123.us-east-1.redshift.amazonaws.com:5439/db",
        "CopyCommand": {"DataTableName": "events", "DataTableColumns": "a,b"},
        "Username": "loader",
        "Password": "not-a-real-password",
        "S3Configuration": bucket,
    }
    server.ok(
        "POST",
        "/_fake/streams",
        {"service": "firehose", "name": "events", "RedshiftDestinationConfiguration": redshift},
    )
    put(server, b"1|x\n", b"2|\\N\n")
    server.ok("POST", "/_fake/flush", {"stream": "events"})

    shown = server.ok("GET", "/_fake/streams/events")
    assert shown["rows"] == [{"a": "1", "b": "x"}, {"a": "2", "b": None}]
    assert [manifest["key"].split("/")[0] for manifest in shown["manifests"]] == ["manifests"]


def test_region_comes_from_the_signature(server: Served) -> None:
    eu = server_client(server, region_name="eu-west-1")
    eu.create_delivery_stream(DeliveryStreamName="eu-events")
    assert server.ok("GET", "/_fake/streams?region=eu-west-1")["firehose"] == ["eu-events"]
    assert server.ok("GET", "/_fake/streams")["firehose"] == []
    arn = server.ok("GET", "/_fake/streams/eu-events")
    assert arn["region"] == "eu-west-1"


def test_connections_are_kept_alive(events: Served) -> None:
    parts = urlsplit(events.url)
    connection = HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        for _ in range(3):
            connection.request("GET", "/_fake/health")
            answer = connection.getresponse()
            assert answer.status == 200
            assert answer.getheader("Content-Length") == str(len(answer.read()))
            sock = connection.sock
        connection.request("GET", "/_fake/clock")
        connection.getresponse().read()
        assert connection.sock is sock  # the same socket served every request
    finally:
        connection.close()


def test_a_chunked_body_is_read(server: Served) -> None:
    parts = urlsplit(server.url)
    connection = HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    body = json.dumps({"service": "kinesis", "name": "chunked"}).encode()
    try:
        connection.request(
            "POST", "/_fake/streams", body=iter([body[:7], body[7:]]), encode_chunked=True
        )
        answer = connection.getresponse()
        assert answer.status == 201, answer.read()
        answer.read()
    finally:
        connection.close()
    assert server.ok("GET", "/_fake/streams")["kinesis"] == ["chunked"]


def test_another_service_is_refused_as_aws_does(server: Served) -> None:
    # AWS answers a target it does not know with no message (kinesalite's connection tests,
    # run against Kinesis: {"__type": "UnknownOperationException"}, 400); the fix goes to
    # the server's log (see test_server_front).
    logs = server_client(server, "logs")
    with pytest.raises(ClientError) as caught:
        logs.describe_log_groups()
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_body_that_is_not_json_gets_the_services_own_error(events: Served) -> None:
    request = urllib.request.Request(
        events.url + "/",
        data=b"not json",
        method="POST",
        headers={
            "X-Amz-Target": "Firehose_20150804.PutRecordBatch",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert json.loads(caught.value.read()) == {"__type": "SerializationException"}


def test_a_per_record_failure_scripted_over_http(events: Served) -> None:
    created = events.control(
        "POST",
        "/_fake/faults",
        {"service": "firehose", "records": {"1": "ServiceUnavailableException"}},
    )
    assert created == (
        201,
        {"id": 1, "fault": {"records": {"1": "ServiceUnavailableException"}}},
    )
    answer = put(events, b"a", b"b", b"c")
    assert answer["FailedPutCount"] == 1
    failed = answer["RequestResponses"][1]
    assert failed["ErrorCode"] == "ServiceUnavailableException"
    assert failed["ErrorMessage"]
    assert "RecordId" in answer["RequestResponses"][0]
    assert events.ok("GET", "/_fake/faults") == [
        {"id": 1, "service": "firehose", "fault": created[1]["fault"], "fired": 1}
    ]
    assert events.ok("GET", "/_fake/streams/events")["records"] == b64(b"a", b"c")


def test_faults_are_listed_as_the_bodies_that_schedule_them(events: Served) -> None:
    # Each fault was a Python repr ("firehose_fail(throttle=2)"), readable by no JSON client.
    bodies = [
        {"service": "firehose", "throttle": 2, "stream": "events"},
        {"service": "firehose", "records": [1], "call": 2},
        {"service": "firehose", "chaos": 0.25, "seed": 7, "times": 5, "optional": True},
        {"service": "kinesis", "error": "InternalFailure", "operation": "GetRecords"},
        {"service": "firehose", "latency": 1.5},
    ]
    for body in bodies:
        events.ok("POST", "/_fake/faults", body)
    listed = events.ok("GET", "/_fake/faults")
    assert [fault["fault"] for fault in listed] == [
        {"throttle": 2, "stream": "events"},
        {"records": {"1": "ServiceUnavailableException"}, "call": 2},
        {"chaos": 0.25, "seed": 7, "times": 5, "optional": True},
        {"error": "InternalFailure", "operation": "GetRecords"},
        {"latency": 1.5},
    ]
    # Each, with its service, is a body that schedules the same fault again.
    events.ok("POST", "/_fake/reset")
    for fault in listed:
        events.ok("POST", "/_fake/faults", {"service": fault["service"], **fault["fault"]})
    assert events.ok("GET", "/_fake/faults") == listed


def test_a_list_of_indexes_fails_with_the_throttling_code(server: Served) -> None:
    server.ok("POST", "/_fake/streams", {"service": "kinesis", "name": "k", "shard_count": 2})
    server.ok("POST", "/_fake/faults", {"service": "kinesis", "records": [0]})
    answer = server.client("kinesis").put_records(
        StreamName="k", Records=[{"Data": b"x", "PartitionKey": "p"}] * 2
    )
    assert answer["FailedRecordCount"] == 1
    assert answer["Records"][0]["ErrorCode"] == "ProvisionedThroughputExceededException"


def test_a_throttle_is_retried_by_botocore(events: Served, client_sleeps: list[float]) -> None:
    events.ok("POST", "/_fake/faults", {"service": "firehose", "throttle": 2})
    answer = put(events, b"a", retries={"mode": "standard"})
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(client_sleeps) == 2
    calls = events.ok("GET", "/_fake/calls?service=firehose")
    assert [(c["attempt"], c["outcome"], c["error"]) for c in calls] == [
        (1, "error", "ServiceUnavailableException"),
        (2, "error", "ServiceUnavailableException"),
        (3, "ok", None),
    ]
    assert len({c["invocation_id"] for c in calls}) == 1
    assert events.ok("GET", "/_fake/streams/events")["records"] == b64(b"a")


def test_a_calls_fault_is_shown_as_the_faults_list_shows_it(events: Served) -> None:
    # It was the fault's Python repr ("firehose_fail(throttle=1, ...)"), readable by no JSON
    # client, nor comparable with GET /_fake/faults.
    events.ok("POST", "/_fake/faults", {"service": "firehose", "throttle": 1, "stream": "events"})
    events.ok("POST", "/_fake/faults", {"service": "firehose", "records": {"0": "InternalFailure"}})
    put(events, b"a", retries={"total_max_attempts": 3})
    listed = [fault["fault"] for fault in events.ok("GET", "/_fake/faults")]
    calls = events.ok("GET", "/_fake/calls")
    assert [call["fault"] for call in calls] == listed
    assert listed == [{"throttle": 1, "stream": "events"}, {"records": {"0": "InternalFailure"}}]
    put(events, b"b")
    assert events.ok("GET", "/_fake/calls")[-1]["fault"] is None


@pytest.mark.parametrize(("timeout", "copies"), [("commit", 2), ("lost", 1), ("connect", 1)])
def test_a_timeout_closes_the_connection_and_botocore_resends(
    events: Served, client_sleeps: list[float], timeout: str, copies: int
) -> None:
    events.ok("POST", "/_fake/faults", {"service": "firehose", "timeout": timeout})
    answer = put(events, b"a", b"b")
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    calls = events.ok("GET", "/_fake/calls")
    assert [(c["attempt"], c["outcome"]) for c in calls] == [(1, "timeout"), (2, "ok")]
    assert events.ok("GET", "/_fake/streams/events")["records"] == b64(b"a", b"b") * copies


def test_without_retries_a_timeout_is_a_closed_connection(events: Served) -> None:
    events.ok("POST", "/_fake/faults", {"service": "firehose", "timeout": "commit"})
    with pytest.raises(ConnectionClosedError):
        put(events, b"a", retries={"total_max_attempts": 1})
    assert events.ok("GET", "/_fake/streams/events")["records"] == b64(b"a")


def test_a_timeout_on_a_refused_put_shows_the_refusal(events: Served) -> None:
    # The call read as a timeout after a commit, though nothing was committed.
    events.ok("POST", "/_fake/faults", {"service": "firehose", "timeout": "commit"})
    with pytest.raises(ConnectionClosedError):
        events.client(retries={"total_max_attempts": 1}).put_record(
            DeliveryStreamName="gone", Record={"Data": b"a"}
        )
    put(events, b"b")
    refused, taken = events.ok("GET", "/_fake/calls")
    assert (refused["outcome"], refused["error"], refused["refusal"]) == (
        "timeout",
        "read-timeout",
        {
            "code": "ResourceNotFoundException",
            "message": "Firehose gone under account 123456789012 not found.",
            "status": 400,
        },
    )
    assert (taken["outcome"], taken["refusal"]) == ("ok", None)


def test_latency_moves_the_fake_clock(events: Served) -> None:
    before = datetime.fromisoformat(events.ok("GET", "/_fake/clock")["now"])
    events.ok("POST", "/_fake/faults", {"service": "firehose", "latency": 90})
    put(events, b"a")
    after = datetime.fromisoformat(events.ok("GET", "/_fake/clock")["now"])
    assert after - before == timedelta(seconds=90)


# --------------------------------------------------------------------------- the world


def test_advancing_the_clock_delivers_a_buffered_stream(server: Served) -> None:
    server.ok(
        "POST",
        "/_fake/streams",
        {
            "service": "firehose",
            "name": "events",
            "ExtendedS3DestinationConfiguration": S3_BUFFERED,
        },
    )
    arrived = datetime.fromisoformat(server.ok("GET", "/_fake/clock")["now"])
    put(server, b"a\n", b"b\n")
    assert server.ok("POST", "/_fake/clock", {"advance": 59})
    assert server.ok("GET", "/_fake/streams/events")["delivered"] == []
    server.ok("POST", "/_fake/clock", {"advance": 1})
    shown = server.ok("GET", "/_fake/streams/events")
    assert shown["delivered"] == b64(b"a\n", b"b\n")
    assert shown["pending"] == []
    [obj] = shown["objects"]
    assert base64.b64decode(obj["body"]) == b"a\nb\n"
    # The key is the records' arrival hour (not the delivery's, which may be a day later).
    assert obj["key"].startswith(arrived.strftime("%Y/%m/%d/%H/"))


def test_the_clock_answers_the_fake_time(server: Served) -> None:
    now = datetime.fromisoformat(server.ok("GET", "/_fake/clock")["now"])
    moved = datetime.fromisoformat(server.ok("POST", "/_fake/clock", {"advance": 3600.5})["now"])
    assert moved - now == timedelta(hours=1, milliseconds=500)
    assert now.utcoffset() == timedelta(0)


@pytest.mark.parametrize("body", [{"stream": "events"}, None], ids=["one", "all"])
def test_flush_delivers_what_the_buffers_hold(events: Served, body: Any) -> None:
    events.ok("POST", "/_fake/streams", {"service": "firehose", "name": "other"})
    put(events, b"a")
    flushed = events.ok("POST", "/_fake/flush", body)
    assert sorted(flushed["flushed"]) == (["events"] if body else ["events", "other"])
    assert events.ok("GET", "/_fake/streams/events")["delivered"] == b64(b"a")


@needs_botocore("firehose ProcessorType=CloudWatchLogProcessing")
def test_logs_feeds_a_stream_that_takes_puts_from_cloudwatch_logs_only(server: Served) -> None:
    processors = [
        {"Type": "Decompression"},
        {
            "Type": "CloudWatchLogProcessing",
            "Parameters": [{"ParameterName": "DataMessageExtraction", "ParameterValue": "true"}],
        },
    ]
    server.ok(
        "POST",
        "/_fake/streams",
        {
            "service": "firehose",
            "name": "logs",
            "ExtendedS3DestinationConfiguration": {
                **S3_BUFFERED,
                "ProcessingConfiguration": {"Enabled": True, "Processors": processors},
            },
        },
    )
    with pytest.raises(ClientError, match="InvalidSourceException"):
        server.client().put_record(DeliveryStreamName="logs", Record={"Data": b"x"})

    sent = server.ok("POST", "/_fake/logs", {"stream": "logs", "messages": ["a", "b"]})
    raw = gzip.compress(b'{"messageType":"DATA_MESSAGE","logEvents":[{"message":"c"}]}')
    server.ok("POST", "/_fake/logs", {"stream": "logs", "records": b64(raw)})
    server.ok("POST", "/_fake/flush", {"stream": "logs"})

    shown = server.ok("GET", "/_fake/streams/logs")
    assert shown["records"] == [*sent["records"], *b64(raw)]
    assert shown["delivered"] == b64(b"a\nb\n", b"c\n")


def test_calls_log_both_services_in_order(events: Served) -> None:
    events.ok("POST", "/_fake/streams", {"service": "kinesis", "name": "k"})
    put(events, b"a")
    events.client("kinesis").put_record(StreamName="k", Data=b"k1", PartitionKey="p")
    put(events, b"b")
    calls = events.ok("GET", "/_fake/calls")
    assert [(c["service"], c["operation"], c["stream"], c["records"]) for c in calls] == [
        ("firehose", "PutRecordBatch", "events", b64(b"a")),
        ("kinesis", "PutRecord", "k", b64(b"k1")),
        ("firehose", "PutRecordBatch", "events", b64(b"b")),
    ]
    assert calls[0].keys() >= {
        "attempt",
        "invocation_id",
        "outcome",
        "failed_indices",
        "fault",
        "at",
    }
    kinesis = events.ok("GET", "/_fake/calls?service=kinesis")
    assert [c["operation"] for c in kinesis] == ["PutRecord"]


def test_a_kinesis_stream_shows_its_records(server: Served) -> None:
    created = server.ok("POST", "/_fake/streams", {"service": "kinesis", "name": "k"})
    assert created == {
        "name": "k",
        "service": "kinesis",
        "arn": "arn:aws:kinesis:us-east-1:123456789012:stream/k",
    }
    put_answer = server.client("kinesis").put_record(StreamName="k", Data=b"x", PartitionKey="p")
    shown = server.ok("GET", "/_fake/streams/k")  # only Kinesis has a "k": no ?service=
    assert shown["service"] == "kinesis"
    assert shown["records"] == [
        {
            "data": b64(b"x")[0],
            "partition_key": "p",
            "sequence_number": put_answer["SequenceNumber"],
            "shard_id": put_answer["ShardId"],
        }
    ]
    assert shown["expired"] == []
    assert server.ok("GET", "/_fake/streams") == {"firehose": [], "kinesis": ["k"]}


@needs_botocore("kinesis CreateQueue")
def test_a_queue_consumer_receives_and_acknowledges_over_the_server(server: Served) -> None:
    """A queue's operations go to their own hosts in botocore's endpoint rules; through the
    server's endpoint they reach the same world, and an empty receive's wait moves the
    server's clock as it moves an in-process one."""
    client = server.client("kinesis")
    client.create_stream(StreamName="k", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    stream = "arn:aws:kinesis:us-east-1:123456789012:stream/k"
    queue = client.create_queue(
        QueueName="q",
        StreamConfigurationList=[
            {"StreamARN": stream, "StartingPosition": {"Type": "TRIM_HORIZON"}}
        ],
    )["QueueDescription"]["QueueARN"]
    client.put_record(StreamName="k", Data=b"x", PartitionKey="p")

    (record,) = client.receive_queue_records(QueueARN=queue)["QueueRecords"]
    acknowledged = client.acknowledge_queue_records(
        QueueARN=queue, Entries=[{"ReceiptHandle": record["ReceiptHandle"]}]
    )
    before = datetime.fromisoformat(server.ok("GET", "/_fake/clock")["now"])
    empty = client.receive_queue_records(QueueARN=queue, WaitTimeSeconds=5)
    after = datetime.fromisoformat(server.ok("GET", "/_fake/clock")["now"])

    assert (record["Data"], record["PartitionKey"]) == (b"x", "p")
    assert acknowledged["Failed"] == []
    assert empty["QueueRecords"] == []
    assert after - before == timedelta(seconds=5)


def test_service_picks_between_streams_of_one_name(server: Served) -> None:
    for service in ("firehose", "kinesis"):
        server.ok("POST", "/_fake/streams", {"service": service, "name": "both"})
    assert server.ok("GET", "/_fake/streams/both")["service"] == "firehose"
    assert server.ok("GET", "/_fake/streams/both?service=kinesis")["service"] == "kinesis"


def test_reset_gives_a_fresh_world(events: Served) -> None:
    events.ok("POST", "/_fake/faults", {"service": "kinesis", "throttle": 1})
    put(events, b"a")
    events.ok("POST", "/_fake/clock", {"advance": 86400})
    assert events.ok("POST", "/_fake/reset") == {"status": "reset"}
    assert events.ok("GET", "/_fake/streams") == {"firehose": [], "kinesis": []}
    assert events.ok("GET", "/_fake/calls") == []
    assert events.ok("GET", "/_fake/faults") == []
    now = datetime.fromisoformat(events.ok("GET", "/_fake/clock")["now"])
    assert abs(now.timestamp() - time.time()) < 60
    events.ok("POST", "/_fake/streams", {"service": "firehose", "name": "events"})
    assert events.ok("POST", "/_fake/faults", {"service": "firehose", "throttle": 1})["id"] == 1


def test_a_server_of_its_own_world_makes_streams_and_encryption_at_once() -> None:
    # As the fixture's fake does, with no creation or encryption delay asked for.
    with FirehoseServer() as server:
        client = server_client(server, "firehose")
        client.create_delivery_stream(DeliveryStreamName="events")
        created = client.describe_delivery_stream(DeliveryStreamName="events")
        client.start_delivery_stream_encryption(DeliveryStreamName="events")
        encrypted = client.describe_delivery_stream(DeliveryStreamName="events")
        client.close()

    assert created["DeliveryStreamDescription"]["DeliveryStreamStatus"] == "ACTIVE"
    encryption = encrypted["DeliveryStreamDescription"]["DeliveryStreamEncryptionConfiguration"]
    assert encryption["Status"] == "ENABLED"


# --------------------------------------------------------------------------- control errors


#: The effects a fault names one of, as the body of POST /_fake/faults names them.
FIELDS = '"records", "throttle", "error", "timeout", "latency", "chaos"'


def _fail_message(**keywords: Any) -> str:
    """What ``firehose.fail(**keywords)`` raises."""
    with pytest.raises(UsageError) as caught:
        FirehoseHandle(World()).fail(**keywords)
    return str(caught.value)


@pytest.mark.parametrize(
    ("keywords", "swaps"),
    [
        ({"error": "NoSuchError"}, [("'", '"')]),
        ({"records": {"0": "Throttled"}}, [("'", '"')]),
        # The accepted values are quoted too.
        ({"timeout": "late"}, [("timeout=", '"timeout"'), ("'", '"')]),
        ({"throttle": "60"}, [("throttle=", '"throttle"'), ("True", "true"), ("'", '"')]),
        (
            {"optional": "yes", "throttle": 1},
            [("optional=", '"optional"'), ("True or False", "true or false"), ("'", '"')],
        ),
        ({"chaos": math.nan}, [("chaos=", '"chaos"'), ("got nan", "got NaN")]),
        ({"operation": "PutRecordz", "throttle": 1}, [("'", '"')]),  # "Did you mean" too
        (
            {"throttle": 1, "timeout": "commit"},
            [
                ("records=, throttle=, error=, timeout=, latency=, chaos=", FIELDS),
                ("got throttle=, timeout=", 'got "throttle", "timeout"'),
            ],
        ),
        ({"records": [-1]}, [("records=", '"records"')]),
        ({"latency": -5}, [("latency=", '"latency"')]),
    ],
)
def test_a_bad_fault_answers_what_fail_raises_in_json_terms(
    events: Served, keywords: dict[str, Any], swaps: list[tuple[str, str]]
) -> None:
    status, answer = events.control("POST", "/_fake/faults", {"service": "firehose", **keywords})
    records = keywords.get("records")
    if isinstance(records, dict):
        keywords = {"records": {int(k): v for k, v in records.items()}}
    expected = _fail_message(**keywords)
    for python, json_words in swaps:
        assert python in expected
        expected = expected.replace(python, json_words)
    assert (status, answer) == (400, {"error": expected})


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "says"),
    [
        ("POST", "/_fake/faults", {"throttle": 1}, 400, '"service" must be "firehose" or'),
        ("POST", "/_fake/faults", {"service": "s3"}, 400, 'got "s3"'),
        (
            "POST",
            "/_fake/faults",
            {"service": "firehose", "bogus": 1},
            400,
            'POST /_fake/faults takes no "bogus"; a fault\'s fields are "service" and '
            '"records", "throttle"',
        ),
        (
            "POST",
            "/_fake/faults",
            {"service": "firehose", "throttle": 1, "region": "eu-west-1"},
            400,
            'a fault matches requests of every region and takes no "region"',
        ),
        (
            "POST",
            "/_fake/faults",
            {"service": "firehose", "records": {"one": "X"}},
            400,
            "records keys are the 0-based indexes of records in the batch",
        ),
        ("POST", "/_fake/streams", {"service": "firehose"}, 400, 'give "name" as a string'),
        (
            "POST",
            "/_fake/streams",
            {"service": "firehose", "name": "events"},
            400,
            "would answer ResourceInUseException",
        ),
        (
            "POST",
            "/_fake/streams",
            {"service": "firehose", "name": "x", "shard_count": 2},
            400,
            '"shard_count" is for kinesis streams',
        ),
        (
            "POST",
            "/_fake/streams",
            {"service": "kinesis", "name": "k", "shard_count": 0},
            400,
            "CreateStream: kinesis would answer",
        ),
        (
            "GET",
            "/_fake/streams/evnts",
            None,
            404,
            'no delivery stream "evnts"; known streams: "events". Did you mean "events"?',
        ),
        (
            "GET",
            "/_fake/streams/events?service=kinesis",
            None,
            404,
            'no stream "events"; known streams: none.',
        ),
        ("GET", "/_fake/streams/events?service=sqs", None, 400, "?service= is firehose or"),
        ("POST", "/_fake/flush", {"stream": "nope"}, 404, 'no delivery stream "nope"'),
        ("POST", "/_fake/logs", {"stream": "nope", "records": []}, 404, "no delivery stream"),
        ("POST", "/_fake/logs", {"stream": "events"}, 400, 'give "records"'),
        ("POST", "/_fake/logs", {"stream": "events", "records": ["%%"]}, 400, "in base64"),
        ("POST", "/_fake/logs", {"stream": "events", "messages": "a"}, 400, "list of log lines"),
        (
            "POST",
            "/_fake/logs",
            {"stream": "events", "messages": ["a"], "logGroup": 7},
            400,
            'give "logGroup" as a string',
        ),
        ("POST", "/_fake/clock", None, 400, 'give {"advance": seconds}'),
        ("POST", "/_fake/clock", {"advance": -1}, 400, "got -1"),
        ("POST", "/_fake/clock", {"advance": "soon"}, 400, 'got "soon"'),
        ("POST", "/_fake/clock", b"{advance: 1}", 400, "the body is not JSON"),
        ("POST", "/_fake/clock", [1], 400, "the body must be a JSON object, not a list"),
        (
            "POST",
            "/_fake/streams",
            {"service": "kinesis", "name": "k", "region": 5},
            400,
            '"region" is a region name',
        ),
        ("GET", "/_fake/calls?service=s3", None, 400, "?service= is firehose or kinesis"),
        ("GET", "/_fake/nothing", None, 404, "there are: GET /_fake/health"),
        ("GET", "/_fake/reset", None, 405, "/_fake/reset answers POST, not GET"),
    ],
)
def test_control_errors_name_the_fix(
    events: Served, method: str, path: str, body: Any, status: int, says: str | None
) -> None:
    got, answer = events.control(method, path, body)
    assert got == status
    if says is not None:
        assert says in answer["error"]


def test_a_stream_of_the_other_service_is_not_found_with_the_query_that_finds_it(
    events: Served,
) -> None:
    events.ok("POST", "/_fake/streams", {"service": "kinesis", "name": "clicks"})

    assert events.control("GET", "/_fake/streams/clicks?service=firehose") == (
        404,
        {
            "error": 'no delivery stream "clicks"; known streams: "events". "clicks" is a '
            "Kinesis data stream: ask with ?service=kinesis"
        },
    )
    assert events.control("GET", "/_fake/streams/events?service=kinesis") == (
        404,
        {
            "error": 'no stream "events"; known streams: "clicks". "events" is a delivery '
            "stream: ask with ?service=firehose"
        },
    )
    assert events.control("POST", "/_fake/flush", {"stream": "clicks"}) == (
        404,
        {
            "error": 'no delivery stream "clicks"; known streams: "events". "clicks" is a '
            "Kinesis data stream"
        },
    )


# --------------------------------------------------------------------------- the server object


def test_env_points_a_subprocess_at_the_server_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-token")
    monkeypatch.setenv("AWS_ENDPOINT_URL_FIREHOSE", "https://firehose.example")
    monkeypatch.setenv("UNRELATED", "kept")
    with FirehoseServer(World(region="eu-west-1")) as server:
        env = server.env
    assert env["AWS_ENDPOINT_URL"] == server.url
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_DEFAULT_REGION"] == env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert env["UNRELATED"] == "kept"
    for gone in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_FIREHOSE"):
        assert gone not in env
