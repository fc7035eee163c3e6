"""Requests per second of the local server against moto's server, over loopback.

Both run as subprocesses on a free port: ``python -m pytest_firehose serve --port 0`` and
``python -m moto.server -p0`` (needs ``moto[server]``). This process drives each with one
botocore Firehose client (``endpoint_url``, us-east-1, fake credentials; no fake is active
here, so every request crosses a real socket through urllib3, keep-alive on), the same calls
for both: PutRecordBatch of 500 records of 1 KiB, and of 10 records of 1 KiB.

Each server gets a delivery stream made through boto3 (ExtendedS3 into a bucket made first,
for moto, whose Firehose writes every put to its S3; ours keeps the objects in memory). The
machine is assumed noisy, so the two servers are interleaved: a round runs one segment per
server and workload back to back, in an order that rotates; each segment starts from a
fresh world (both servers' reset APIs, untimed) and 2 untimed warm-up calls. Reported: the
median requests/s over rounds per server, and the ratio ours/moto taken per round (the
segments of a round ran back to back, so load from other processes hits both alike).

    python benchmarks/bench_server.py [--rounds N] [--quick]

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
from typing import IO, Any

from _offline import OFFLINE_ENV, go_offline

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
SERVERS = ("fake", "moto")


@dataclass(frozen=True)
class Workload:
    records_per_call: int
    calls_per_segment: int

    @property
    def label(self) -> str:
        return f"PutRecordBatch ({self.records_per_call} x 1 KiB)"


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
    """One server and the client that drives it."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        session = boto3.session.Session(region_name=REGION)
        self.client = session.client("firehose", endpoint_url=url)
        self.s3 = session.client("s3", endpoint_url=url)

    def fresh_world(self) -> None:
        """An empty world with one delivery stream, made the same way on both servers."""
        if self.name == "fake":
            _post(f"{self.url}/_fake/reset")
        else:
            _post(f"{self.url}/moto-api/reset")
            self.s3.create_bucket(Bucket=BUCKET)
        self.client.create_delivery_stream(
            DeliveryStreamName=STREAM,
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": ROLE_ARN,
                "BucketARN": f"arn:aws:s3:::{BUCKET}",
            },
        )


def run_segment(target: Target, records: list[dict[str, bytes]], calls: int) -> float:
    """Requests per second of ``calls`` timed PutRecordBatch calls, in a fresh world, after
    ``WARMUP_CALLS`` untimed ones."""
    target.fresh_world()
    put: Callable[..., dict[str, Any]] = target.client.put_record_batch
    for _ in range(WARMUP_CALLS):
        answer = put(DeliveryStreamName=STREAM, Records=records)
        if answer["FailedPutCount"] or len(answer["RequestResponses"]) != len(records):
            raise RuntimeError(f"{target.name}: unexpected answer {str(answer)[:200]}")
    failed = 0
    start = time.perf_counter()
    for _ in range(calls):
        failed += put(DeliveryStreamName=STREAM, Records=records)["FailedPutCount"]
    elapsed = time.perf_counter() - start
    if failed:
        raise RuntimeError(f"{target.name}: {failed} records failed")
    return calls / elapsed


# --------------------------------------------------------------------------- report


def report(workloads: list[Workload], rates: dict[tuple[int, str], list[float]]) -> None:
    for workload in workloads:
        size = workload.records_per_call
        print(f"\n{workload.label}: requests/s, median [min - max] over rounds")
        print(f"  {'server':<6} {'req/s':>8}   {'[min - max]':<17} {'ms/req':>7} {'records/s':>10}")
        for server in SERVERS:
            samples = rates[size, server]
            median = statistics.median(samples)
            spread = f"[{min(samples):.0f} - {max(samples):.0f}]"
            print(
                f"  {server:<6} {median:8.1f}   {spread:<17} {1e3 / median:7.2f} "
                f"{median * size:10,.0f}"
            )
    print("\nfake/moto requests/s, taken per round: median [min - max] (of medians)")
    for workload in workloads:
        size = workload.records_per_call
        paired = [f / m for f, m in zip(rates[size, "fake"], rates[size, "moto"], strict=True)]
        of_medians = statistics.median(rates[size, "fake"]) / statistics.median(rates[size, "moto"])
        print(
            f"  {workload.label:<30} {statistics.median(paired):6.2f} "
            f"[{min(paired):.2f} - {max(paired):.2f}]  ({of_medians:.2f})"
        )


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5; quick 2)")
    parser.add_argument("--quick", action="store_true", help="2 rounds of half the calls")
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (2 if args.quick else 5)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    scale = 2 if args.quick else 1
    workloads = [Workload(500, 20 // scale), Workload(10, 200 // scale)]
    rng = random.Random(20150804)
    batches = {
        w.records_per_call: [
            {"Data": rng.randbytes(RECORD_BYTES)} for _ in range(w.records_per_call)
        ]
        for w in workloads
    }
    per_round = ", ".join(f"{w.calls_per_segment} x {w.label}" for w in workloads)
    print(f"bench_server: {rounds} rounds of {per_round} per server, interleaved")
    print(
        f"python {platform.python_version()}, boto3 {boto3.__version__}, "
        f"botocore {botocore.__version__}, moto {moto.__version__}, {os.cpu_count()} CPUs"
    )
    started = time.perf_counter()
    with running("fake") as fake_url, running("moto") as moto_url:
        print(f"servers: fake {fake_url}, moto {moto_url}")
        targets = {"fake": Target("fake", fake_url), "moto": Target("moto", moto_url)}
        rates: dict[tuple[int, str], list[float]] = {
            (w.records_per_call, s): [] for w in workloads for s in SERVERS
        }
        for index in range(rounds):
            for workload in workloads:
                order = SERVERS if index % 2 == 0 else SERVERS[::-1]
                for server in order:
                    size = workload.records_per_call
                    rate = run_segment(targets[server], batches[size], workload.calls_per_segment)
                    rates[size, server].append(rate)
            print(
                f"  round {index + 1}/{rounds} done ({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
    report(workloads, rates)
    print(f"\nwall {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
