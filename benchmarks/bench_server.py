"""Requests per second of the local server against moto's server and a floor server, over
loopback, from 1 and from 8 client threads.

All run as subprocesses on a free port: ``python -m pytest_firehose serve --port 0``,
``python -m moto.server -p0`` (moto's threaded werkzeug server; needs ``moto[server]``)
and ``_floor_server.py`` (the standard library's ``http.server``, answering every request
with a ready-made body of the fake's shape and size: the cost of such a server with no
service behind it). This process drives each with botocore clients (``endpoint_url``,
us-east-1, fake credentials; no fake is active here, so every request crosses a real
socket through urllib3, keep-alive on), one client per thread, the same calls for all:

* Firehose: PutRecordBatch of 500 records of 1 KiB, PutRecord of one 1 KiB record;
* Kinesis: PutRecords of 500 records of 1 KiB over 4 shards, PutRecord of one 1 KiB
  record, GetRecords of 1,000 records of 1 KiB from one shard (the same iterator each time).

Each server gets its streams made through boto3 (an ExtendedS3 delivery stream into a
bucket made first, for moto, whose Firehose writes every put to its S3; ours keeps the
objects in memory; the floor keeps nothing). The machine is assumed noisy, so the servers
are interleaved: a round runs one segment per server, workload and thread count back to
back, in an order that rotates; each segment starts from a fresh world (the servers' reset
APIs, untimed) and 2 untimed warm-up calls per thread. Reported: the median requests/s
over rounds per server, and the ratios fake/moto, fake/floor and floor/moto taken per
round (the segments of a round ran back to back, so load from other processes hits all
alike).

With ``--client raw`` each thread replays the request bytes botocore made once for the
call (signed once: no server here checks a signature's value or age) over one keep-alive
socket and reads the answer by its length, checking its status and its failed or read
count: a client that costs next to nothing, so the figures are the servers' own
requests/s. With botocore clients the client's serializing, signing and parsing, the same
for every server, is in every figure and bounds every ratio.

    python benchmarks/bench_server.py [--rounds N] [--quick] [--threads 1 8] [--client raw]

Nothing leaves the machine: both servers listen on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from _offline import OFFLINE_ENV, go_offline, json_library

go_offline()

import boto3  # noqa: E402
import botocore  # noqa: E402
import moto  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402

REGION = "us-east-1"
STREAM = "bench-stream"
BUCKET = "bench-firehose-bucket"
ROLE_ARN = "arn:aws:iam::123456789012:role/bench-firehose"
RECORD_BYTES = 1024
WARMUP_CALLS = 2
START_TIMEOUT = 60.0
SERVERS = ("fake", "moto", "floor")


KINESIS_STREAM = "bench-kinesis"
READ_STREAM = "bench-read"
READ_RECORDS = 1000


@dataclass(frozen=True)
class Workload:
    label: str
    service: str
    operation: str
    calls_per_segment: int


WORKLOADS = (
    Workload("Firehose PutRecordBatch (500 x 1 KiB)", "firehose", "put_record_batch", 24),
    Workload("Firehose PutRecord (1 KiB)", "firehose", "put_record", 240),
    Workload("Kinesis PutRecords (500 x 1 KiB)", "kinesis", "put_records", 24),
    Workload("Kinesis PutRecord (1 KiB)", "kinesis", "put_record", 240),
    Workload("Kinesis GetRecords (1,000 x 1 KiB)", "kinesis", "get_records", 24),
)


# --------------------------------------------------------------------------- servers


def _first_match(stream: IO[str], pattern: re.Pattern[str], what: str) -> str:
    """The first group of the first line of ``stream`` that matches, read in a thread so a
    server that never says it is up cannot hang the benchmark."""
    found: list[str] = []

    def read() -> None:
        for line in stream:
            match = pattern.search(line)
            if match:
                found.append(match.group(1))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    if not found:
        raise RuntimeError(f"{what} did not print its endpoint within {START_TIMEOUT:.0f} s")
    return found[0]


@contextmanager
def running(server: str) -> Iterator[str]:
    """Start ``server`` on a free loopback port; yield its endpoint URL."""
    env = {**os.environ, **OFFLINE_ENV}
    if server == "fake":
        command = [sys.executable, "-m", "pytest_firehose", "serve", "--port", "0"]
        read_from, pattern = "stdout", re.compile(r"^(http://\S+)")
    elif server == "floor":
        command = [sys.executable, str(Path(__file__).with_name("_floor_server.py")), "floor"]
        read_from, pattern = "stdout", re.compile(r"^(http://\S+)")
    else:
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p0"]
        read_from, pattern = "stderr", re.compile(r"Running on (http://\S+)")
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE if read_from == "stdout" else subprocess.DEVNULL,
        stderr=subprocess.PIPE if read_from == "stderr" else subprocess.DEVNULL,
        text=True,
    )
    try:
        url = _first_match(getattr(process, read_from), pattern, command[2])
        # Keep draining what it prints (moto logs every request), so it never blocks.
        drain = threading.Thread(target=getattr(process, read_from).read, daemon=True)
        drain.start()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _post(url: str, body: dict[str, Any] | None = None) -> None:
    data = json.dumps(body or {}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST")) as answer:
        answer.read()


class Target:
    """One server, and how to make a client of it."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        self.session = boto3.session.Session(region_name=REGION)
        self.iterator = ""

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.url)

    def fresh_world(self, workload: Workload, payloads: list[bytes]) -> None:
        """An empty world with the streams ``workload`` needs, made the same way on both
        servers (the floor server keeps none)."""
        if self.name == "floor":
            self.iterator = "A" * 200
            return
        if self.name == "fake":
            _post(f"{self.url}/_fake/reset")
        else:
            _post(f"{self.url}/moto-api/reset")
        if workload.service == "firehose":
            if self.name == "moto":
                self.client("s3").create_bucket(Bucket=BUCKET)
            self.client("firehose").create_delivery_stream(
                DeliveryStreamName=STREAM,
                DeliveryStreamType="DirectPut",
                ExtendedS3DestinationConfiguration={
                    "RoleARN": ROLE_ARN,
                    "BucketARN": f"arn:aws:s3:::{BUCKET}",
                },
            )
            return
        kinesis = self.client("kinesis")
        if workload.operation != "get_records":
            kinesis.create_stream(StreamName=KINESIS_STREAM, ShardCount=4)
            return
        kinesis.create_stream(StreamName=READ_STREAM, ShardCount=1)
        for start in range(0, READ_RECORDS, 500):
            entries = [{"Data": p, "PartitionKey": "k"} for p in payloads[start : start + 500]]
            kinesis.put_records(StreamName=READ_STREAM, Records=entries)
        shard = kinesis.list_shards(StreamName=READ_STREAM)["Shards"][0]["ShardId"]
        self.iterator = kinesis.get_shard_iterator(
            StreamName=READ_STREAM, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]


def _params(target: Target, workload: Workload, payloads: list[bytes]) -> dict[str, Any]:
    """The parameters of one call of ``workload``."""
    if workload.operation == "put_record_batch":
        return {"DeliveryStreamName": STREAM, "Records": [{"Data": p} for p in payloads[:500]]}
    if workload.service == "firehose":
        return {"DeliveryStreamName": STREAM, "Record": {"Data": payloads[0]}}
    if workload.operation == "put_records":
        entries = [{"Data": p, "PartitionKey": f"k{i}"} for i, p in enumerate(payloads[:500])]
        return {"StreamName": KINESIS_STREAM, "Records": entries}
    if workload.operation == "put_record":
        return {"StreamName": KINESIS_STREAM, "Data": payloads[0], "PartitionKey": "k"}
    return {"ShardIterator": target.iterator, "Limit": READ_RECORDS}


def _call(target: Target, workload: Workload, payloads: list[bytes]) -> Callable[[Any], None]:
    """One call of ``workload`` by a client, checking that every record went in or came out."""
    params = _params(target, workload, payloads)

    def call(client: Any) -> None:
        answer = getattr(client, workload.operation)(**params)
        _check(target, workload, len(answer.get("Records", ())), answer)

    return call


def _check(target: Target, workload: Workload, read: int, answer: dict[str, Any]) -> None:
    failed = answer.get("FailedPutCount") or answer.get("FailedRecordCount")
    if failed:
        raise RuntimeError(f"{target.name} {workload.label}: {failed} records failed")
    if workload.operation == "get_records" and read != READ_RECORDS:
        raise RuntimeError(f"{target.name} {workload.label}: read {read} records")


class _NoBody:
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield b"{}"


def _request_bytes(target: Target, workload: Workload, payloads: list[bytes]) -> bytes:
    """The HTTP/1.1 request botocore sends for one call of ``workload`` (signed once: no
    server here checks a signature's value or its age), caught before it is sent."""
    client = target.client(workload.service)
    caught: list[Any] = []

    def catch(request: Any, **_: Any) -> AWSResponse:
        caught.append(request)
        return AWSResponse(request.url, 200, {}, _NoBody())

    client.meta.events.register("before-send", catch)
    getattr(client, workload.operation)(**_params(target, workload, payloads))
    request = caught[0]
    body = request.body if isinstance(request.body, bytes) else request.body.encode()
    parts = urlsplit(request.url)
    headers = {name: _text(value) for name, value in request.headers.items()}
    headers.update({"Host": parts.netloc, "Content-Length": str(len(body))})
    head = [f"{request.method} {parts.path or '/'} HTTP/1.1"]
    head.extend(f"{name}: {value}" for name, value in headers.items())
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


_FAILED = re.compile(rb'"Failed(?:Put|Record)Count"\s*:\s*(\d+)')


class RawClient:
    """A client that costs next to nothing: one keep-alive connection on which it sends
    the same request bytes each call and reads the answer by its ``Content-Length``, so
    the requests/s it sees are the server's own."""

    def __init__(self, target: Target, workload: Workload, request: bytes) -> None:
        self.target, self.workload, self.request = target, workload, request
        parts = urlsplit(target.url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.sock: socket.socket | None = None

    def __call__(self) -> None:
        if self.sock is None:
            self.sock = socket.create_connection(self.address)
            self.reader = self.sock.makefile("rb")
        self.sock.sendall(self.request)
        status = self.reader.readline()
        length, close = 0, False
        for line in iter(self.reader.readline, b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            elif name.strip().lower() == b"connection" and value.strip().lower() == b"close":
                close = True
        body = self.reader.read(length)
        if close:
            self.close()
        if not status.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(
                f"{self.target.name} {self.workload.label}: {status!r} {body[:200]!r}"
            )
        failed = _FAILED.search(body)
        answer = {"FailedPutCount": int(failed.group(1))} if failed else {}
        _check(self.target, self.workload, body.count(b'"SequenceNumber"'), answer)

    def close(self) -> None:
        if self.sock is not None:
            self.reader.close()
            self.sock.close()
            self.sock = None


def run_segment(
    target: Target, workload: Workload, payloads: list[bytes], threads: int, raw: bool
) -> float:
    """Requests per second of the segment's timed calls, shared out over ``threads``
    threads with a client each (botocore's, or with ``raw`` a :class:`RawClient`), in a
    fresh world, after ``WARMUP_CALLS`` untimed calls per thread."""
    target.fresh_world(workload, payloads)
    callers: list[Callable[[], None]]
    if raw:
        request = _request_bytes(target, workload, payloads)
        callers = [RawClient(target, workload, request) for _ in range(threads)]
    else:
        call = _call(target, workload, payloads)
        callers = [functools.partial(call, target.client(workload.service)) for _ in range(threads)]
    for caller in callers:
        for _ in range(WARMUP_CALLS):
            caller()
    per_thread = max(1, workload.calls_per_segment // threads)
    errors: list[BaseException] = []
    gate = threading.Barrier(threads + 1)

    def work(caller: Callable[[], None]) -> None:
        gate.wait()
        try:
            for _ in range(per_thread):
                caller()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    workers = [threading.Thread(target=work, args=(caller,)) for caller in callers]
    for worker in workers:
        worker.start()
    gate.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    for caller in callers:
        if isinstance(caller, RawClient):
            caller.close()
    if errors:
        raise errors[0]
    return per_thread * threads / elapsed


# --------------------------------------------------------------------------- report


Key = tuple[str, int, str]  # (workload label, threads, server)


def report(workloads: list[Workload], counts: list[int], rates: dict[Key, list[float]]) -> None:
    print(
        "\nrequests/s, median [min - max] over rounds; ratios taken per round. The floor "
        "server answers\nevery request with a ready-made body of the fake's size, so "
        "fake/moto can be at most floor/moto"
    )
    print(
        f"  {'workload':<38} {'threads':>7} {'fake':>7} {'moto':>7} {'floor':>7}  "
        f"{'fake/moto':<19} {'fake/floor':<19} floor/moto"
    )
    for workload in workloads:
        for threads in counts:
            fake, moto_, floor = (
                rates[workload.label, threads, server] for server in ("fake", "moto", "floor")
            )
            print(
                f"  {workload.label:<38} {threads:>7} {statistics.median(fake):7.1f} "
                f"{statistics.median(moto_):7.1f} {statistics.median(floor):7.1f}  "
                f"{_paired(fake, moto_)}  {_paired(fake, floor)}  "
                f"{statistics.median(f / m for f, m in zip(floor, moto_, strict=True)):5.2f}"
            )


def _paired(top: list[float], bottom: list[float]) -> str:
    ratios = [a / b for a, b in zip(top, bottom, strict=True)]
    return f"{statistics.median(ratios):5.2f} [{min(ratios):.2f} - {max(ratios):.2f}]"


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 3; quick 1)")
    parser.add_argument("--quick", action="store_true", help="1 round of half the calls")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--only", choices=["firehose", "kinesis"], help="one service's workloads")
    parser.add_argument(
        "--client",
        choices=["botocore", "raw"],
        default="botocore",
        help="botocore clients (the default), or raw ones that replay one request's bytes "
        "(made by botocore) over a keep-alive socket: the servers' own requests/s",
    )
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 3)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    scale = 2 if args.quick else 1
    workloads = [
        Workload(w.label, w.service, w.operation, w.calls_per_segment // scale)
        for w in WORKLOADS
        if args.only in (None, w.service)
    ]
    rng = random.Random(20150804)
    payloads = [rng.randbytes(RECORD_BYTES) for _ in range(READ_RECORDS)]
    print(
        f"bench_server: {rounds} rounds, threads {args.threads}, {args.client} clients, "
        "servers interleaved"
    )
    print(
        f"python {platform.python_version()}, boto3 {boto3.__version__}, "
        f"botocore {botocore.__version__}, moto {moto.__version__}, {os.cpu_count()} CPUs; "
        f"JSON: {json_library()}"
    )
    started = time.perf_counter()
    rates: dict[Key, list[float]] = {
        (w.label, t, s): [] for w in workloads for t in args.threads for s in SERVERS
    }
    with running("fake") as fake_url, running("moto") as moto_url, running("floor") as floor_url:
        print(f"servers: fake {fake_url}, moto {moto_url}, floor {floor_url}")
        targets = {
            "fake": Target("fake", fake_url),
            "moto": Target("moto", moto_url),
            "floor": Target("floor", floor_url),
        }
        for index in range(rounds):
            for workload in workloads:
                for threads in args.threads:
                    order = SERVERS[index % 3 :] + SERVERS[: index % 3]
                    for server in order:
                        rate = run_segment(
                            targets[server], workload, payloads, threads, args.client == "raw"
                        )
                        rates[workload.label, threads, server].append(rate)
            print(
                f"  round {index + 1}/{rounds} done ({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
    report(workloads, args.threads, rates)
    print(f"\nwall {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
