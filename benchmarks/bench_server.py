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

    python benchmarks/bench_server.py [--rounds N] [--quick] [--threads 1 8]

Nothing leaves the machine: both servers listen on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
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

from _offline import OFFLINE_ENV, go_offline, json_library

go_offline()

import boto3  # noqa: E402
import botocore  # noqa: E402
import moto  # noqa: E402

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


def _call(target: Target, workload: Workload, payloads: list[bytes]) -> Callable[[Any], None]:
    """One call of ``workload`` by a client, checking that every record went in or came out."""
    name = f"{target.name} {workload.label}"
    batch = [{"Data": payload} for payload in payloads[:500]]
    entries = [{"Data": p, "PartitionKey": f"k{i}"} for i, p in enumerate(payloads[:500])]
    single = payloads[0]

    def check(failed: int) -> None:
        if failed:
            raise RuntimeError(f"{name}: {failed} records failed")

    def put_record_batch(client: Any) -> None:
        check(client.put_record_batch(DeliveryStreamName=STREAM, Records=batch)["FailedPutCount"])

    def firehose_put_record(client: Any) -> None:
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": single})

    def put_records(client: Any) -> None:
        check(client.put_records(StreamName=KINESIS_STREAM, Records=entries)["FailedRecordCount"])

    def kinesis_put_record(client: Any) -> None:
        client.put_record(StreamName=KINESIS_STREAM, Data=single, PartitionKey="k")

    def get_records(client: Any) -> None:
        got = client.get_records(ShardIterator=target.iterator, Limit=READ_RECORDS)["Records"]
        if len(got) != READ_RECORDS:
            raise RuntimeError(f"{name}: read {len(got)} records")

    calls: dict[tuple[str, str], Callable[[Any], None]] = {
        ("firehose", "put_record_batch"): put_record_batch,
        ("firehose", "put_record"): firehose_put_record,
        ("kinesis", "put_records"): put_records,
        ("kinesis", "put_record"): kinesis_put_record,
        ("kinesis", "get_records"): get_records,
    }
    return calls[workload.service, workload.operation]


def run_segment(target: Target, workload: Workload, payloads: list[bytes], threads: int) -> float:
    """Requests per second of the segment's timed calls, shared out over ``threads``
    threads with a client each, in a fresh world, after ``WARMUP_CALLS`` untimed calls
    per thread."""
    target.fresh_world(workload, payloads)
    call = _call(target, workload, payloads)
    clients = [target.client(workload.service) for _ in range(threads)]
    for client in clients:
        for _ in range(WARMUP_CALLS):
            call(client)
    per_thread = max(1, workload.calls_per_segment // threads)
    errors: list[BaseException] = []
    gate = threading.Barrier(threads + 1)

    def work(client: Any) -> None:
        gate.wait()
        try:
            for _ in range(per_thread):
                call(client)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    workers = [threading.Thread(target=work, args=(client,)) for client in clients]
    for worker in workers:
        worker.start()
    gate.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
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
    print(f"bench_server: {rounds} rounds, threads {args.threads}, servers interleaved")
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
                        rate = run_segment(targets[server], workload, payloads, threads)
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
