"""Put throughput of the fake against botocore's own cost (the floor) and moto's mock_aws.

One process, one boto3 firehose client (us-east-1), three variants:

* ``floor``: a ``before-send`` handler answers every put with a ready-made response of the
  same shape, size and headers as the fake's. What is left is botocore's own cost
  (serialize, base64, sign, emit events, parse), the lower bound for anything behind it.
* ``fake``: ``with FirehoseFake()``, stream created with ``fake.firehose.create_delivery_stream``.
* ``moto``: ``with mock_aws()``, an S3 bucket and an ExtendedS3 delivery stream made via boto3.

Workloads: PutRecordBatch of 500 records of 1 KiB, PutRecord of one 1 KiB record. The
machine is assumed noisy, so the variants are interleaved: each round's calls are split into
blocks, and a block runs one segment of each variant back to back (order rotating), so that
load from other processes hits all three alike. Reported: medians over segments, and the
per-block ratios (median, min, max), whose median is held against the targets. Every
segment gets a fresh fake or moto world (memory stays flat); within a segment the fake's
stream keeps every record and ``.calls`` every request, as it would in a test.

    python benchmarks/bench_put.py [--rounds N] [--quick] [--check] [--budget SECONDS]

Exit code 0 (a report), unless ``--check``: then 1 when a target is missed.
Nothing leaves the process: botocore's real HTTP send is replaced by one that raises.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from _offline import RawBody, go_offline, json_library, refuse_network

go_offline()

# Importing moto adds its before-send stub to botocore's built-in handlers; clients made
# afterwards (all of ours) can then be answered by mock_aws().
import boto3  # noqa: E402
import botocore  # noqa: E402
import moto  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.endpoint import Endpoint  # noqa: E402
from moto import mock_aws  # noqa: E402

from pytest_firehose import FirehoseFake  # noqa: E402

REGION = "us-east-1"
STREAM = "bench-stream"
BUCKET = "bench-firehose-bucket"
ROLE_ARN = "arn:aws:iam::123456789012:role/bench-firehose"
BATCH_SIZE = 500
RECORD_BYTES = 1024
RECORD_ID_CHARS = 224
WARMUP_CALLS = 2
#: Each round's calls are split into this many blocks of floor, fake, moto back to back.
BLOCKS = 3
#: On a busy machine, rounds stop once the next would end past this many seconds...
DEFAULT_BUDGET = 75.0
#: ...but not before this many rounds.
MIN_ROUNDS = 3

#: operation -> highest fake/floor time per call
FLOOR_TARGETS = {"PutRecordBatch": 1.15, "PutRecord": 1.15}
#: lowest fake throughput / moto throughput
MOTO_TARGET = 3.0

VARIANTS = ("floor", "fake", "moto")


# --------------------------------------------------------------------------- no network


# --------------------------------------------------------------------------- floor


def _record_id(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(RECORD_ID_CHARS * 3 // 4)).decode("ascii")


def _floor_answers(rng: random.Random) -> dict[str, bytes]:
    """The JSON bodies the fake (and Firehose) answer puts with: same keys, order, sizes."""
    batch = {
        "Encrypted": False,
        "FailedPutCount": 0,
        "RequestResponses": [{"RecordId": _record_id(rng)} for _ in range(BATCH_SIZE)],
    }
    single = {"Encrypted": False, "RecordId": _record_id(rng)}
    return {
        name: json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
        for name, body in (("PutRecordBatch", batch), ("PutRecord", single))
    }


class FloorHandler:
    """A ``before-send`` handler that always answers, so nothing reaches ``Endpoint._send``.

    Body and headers are built once; each call wraps them in a new ``AWSResponse`` (as any
    transport must), which costs botocore the same as the fake's answer does.
    """

    def __init__(self, operation: str, body: bytes) -> None:
        self.operation = operation
        self._body = body
        self._headers = {
            "x-amzn-RequestId": "c0ffee00-0000-4000-8000-000000000000",
            "x-amz-id-2": "A" * 76,
            "Content-Type": "application/x-amz-json-1.1",
            "Content-Length": str(len(body)),
            "Date": "Mon, 01 Jan 2024 00:00:00 GMT",
        }

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, self._headers, RawBody(self._body))


# --------------------------------------------------------------------------- variants


@dataclass
class Bench:
    client: Any
    s3: Any
    floor_handlers: list[FloorHandler]
    batch: list[dict[str, bytes]]
    record: dict[str, bytes]
    checks: list[str] = field(default_factory=list)

    def put_record_batch(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.put_record_batch(
            DeliveryStreamName=STREAM, Records=self.batch
        )
        return answer

    def put_record(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.put_record(
            DeliveryStreamName=STREAM, Record=self.record
        )
        return answer

    @contextlib.contextmanager
    def floor(self, calls: int, records_per_call: int) -> Iterator[None]:
        events = self.client.meta.events
        for handler in self.floor_handlers:
            events.register(f"before-send.firehose.{handler.operation}", handler)
        try:
            yield
        finally:
            for handler in self.floor_handlers:
                events.unregister(f"before-send.firehose.{handler.operation}", handler)

    @contextlib.contextmanager
    def fake(self, calls: int, records_per_call: int) -> Iterator[None]:
        with FirehoseFake(region=REGION) as fake:
            fake.firehose.create_delivery_stream(STREAM)
            yield
            # Outside the timed loop: the bookkeeping the product promises really happened.
            records = len(fake.firehose[STREAM].records)
            logged = len(fake.firehose.calls)
            if records != calls * records_per_call or logged != calls:
                self.checks.append(
                    f"fake kept {records} records / {logged} calls, expected "
                    f"{calls * records_per_call} / {calls}"
                )

    @contextlib.contextmanager
    def moto(self, calls: int, records_per_call: int) -> Iterator[None]:
        with mock_aws():
            self.s3.create_bucket(Bucket=BUCKET)
            self.client.create_delivery_stream(
                DeliveryStreamName=STREAM,
                DeliveryStreamType="DirectPut",
                ExtendedS3DestinationConfiguration={
                    "RoleARN": ROLE_ARN,
                    "BucketARN": f"arn:aws:s3:::{BUCKET}",
                },
            )
            yield


@dataclass(frozen=True)
class Workload:
    operation: str
    records_per_call: int
    calls_per_round: int

    @property
    def label(self) -> str:
        size = "1 KiB" if self.records_per_call == 1 else f"{self.records_per_call} x 1 KiB"
        return f"{self.operation} ({size})"


def _check_answer(operation: str, answer: dict[str, Any], records: int) -> None:
    if operation == "PutRecordBatch":
        ok = answer.get("FailedPutCount") == 0 and len(answer["RequestResponses"]) == records
    else:
        ok = len(answer.get("RecordId", "")) > 0
    if not ok:
        raise RuntimeError(f"unexpected {operation} answer: {str(answer)[:200]}")


def run_segment(bench: Bench, variant: str, workload: Workload, calls: int) -> float:
    """Seconds per call of ``calls`` timed calls under ``variant``, in a fresh world, after
    ``WARMUP_CALLS`` untimed ones. The garbage collector stays on: it is part of the cost."""
    records = workload.records_per_call
    call: Callable[[], dict[str, Any]] = (
        bench.put_record_batch if workload.operation == "PutRecordBatch" else bench.put_record
    )
    world = getattr(bench, variant)
    with world(WARMUP_CALLS + calls, records):
        for _ in range(WARMUP_CALLS):
            _check_answer(workload.operation, call(), records)
        gc.collect()
        start = time.perf_counter()
        for _ in range(calls):
            call()
        elapsed = time.perf_counter() - start
    gc.collect()
    return elapsed / calls


# --------------------------------------------------------------------------- report

Samples = dict[tuple[str, str], list[float]]


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _paired(times: Samples, op: str, top: str, bottom: str) -> list[float]:
    """Per-block ratios of two variants' times per call (their segments ran back to back)."""
    return [a / b for a, b in zip(times[op, top], times[op, bottom], strict=True)]


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):5.2f} [{min(values):.2f} - {max(values):.2f}]"


def report(workloads: list[Workload], times: Samples) -> list[bool]:
    """Print the tables and targets; one bool per target (True = PASS)."""
    medians = {key: statistics.median(samples) for key, samples in times.items()}
    for workload in workloads:
        op = workload.operation
        print(f"\n{workload.label}: time per call, median [min - max] over segments")
        print(f"  {'variant':<8} {'ms/call':>9}   {'[min - max]':<19} {'records/s':>11}")
        for variant in VARIANTS:
            samples = times[op, variant]
            median = medians[op, variant]
            spread = f"[{min(samples) * 1e3:.3f} - {max(samples) * 1e3:.3f}]"
            rate = workload.records_per_call / median
            print(f"  {variant:<8} {median * 1e3:9.3f}   {spread:<19} {rate:11,.0f}")

    outcomes: list[bool] = []
    print(
        "\ntargets: verdict on the paired ratio, taken per block (where the variants ran back "
        "to back,\nso load from other processes hits them alike): median [min - max]; "
        "'of medians' is the ratio\nof the medians above"
    )
    for workload in workloads:
        op = workload.operation
        paired = _paired(times, op, "fake", "floor")
        ratio = statistics.median(paired)
        target = FLOOR_TARGETS[op]
        ok = ratio <= target
        outcomes.append(ok)
        print(
            f"  {op:<15} fake/floor time per call {_spread(paired)}"
            f"  (of medians {medians[op, 'fake'] / medians[op, 'floor']:.2f})"
            f"  target <= {target:.2f}  {_verdict(ok)}"
        )
    for workload in workloads:
        op = workload.operation
        paired = _paired(times, op, "moto", "fake")
        ratio = statistics.median(paired)
        ok = ratio >= MOTO_TARGET
        outcomes.append(ok)
        print(
            f"  {op:<15} fake/moto records/s      {_spread(paired)}"
            f"  (of medians {medians[op, 'moto'] / medians[op, 'fake']:.2f})"
            f"  target >= {MOTO_TARGET:.2f}  {_verdict(ok)}"
        )
    ceilings = ", ".join(
        f"{w.operation} {statistics.median(_paired(times, w.operation, 'moto', 'floor')):.2f}"
        for w in workloads
    )
    print(f"  (fake/moto can be at most moto/floor, paired median: {ceilings})")
    return outcomes


def _max_rss() -> str:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Unix
        return "n/a"
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 7; quick 3)")
    parser.add_argument("--quick", action="store_true", help="3 rounds of a third of the calls")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--budget",
        type=float,
        default=DEFAULT_BUDGET,
        help=f"seconds; start no round that would end past it, after {MIN_ROUNDS} rounds "
        f"(default {DEFAULT_BUDGET:.0f}; 0 = no limit)",
    )
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (3 if args.quick else 7)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    scale = 3 if args.quick else 1
    workloads = [
        Workload("PutRecordBatch", BATCH_SIZE, 24 // scale),
        Workload("PutRecord", 1, 540 // scale),
    ]

    rng = random.Random(20150804)
    session = boto3.session.Session(region_name=REGION)
    bench = Bench(
        client=session.client("firehose"),
        s3=session.client("s3"),
        floor_handlers=[FloorHandler(op, body) for op, body in _floor_answers(rng).items()],
        batch=[{"Data": rng.randbytes(RECORD_BYTES)} for _ in range(BATCH_SIZE)],
        record={"Data": rng.randbytes(RECORD_BYTES)},
    )

    per_round = ", ".join(f"{w.calls_per_round} {w.operation}" for w in workloads)
    print(
        f"bench_put: {rounds} rounds of {per_round} per variant; each round in "
        f"{BLOCKS} blocks that run\nfloor, fake and moto back to back (order rotating), one "
        f"segment each, after {WARMUP_CALLS} warm-up calls"
    )
    print(
        f"python {platform.python_version()}, boto3 {boto3.__version__}, "
        f"botocore {botocore.__version__}, moto {moto.__version__}, {os.cpu_count()} CPUs; "
        f"JSON: {json_library()}"
    )
    print(
        "each segment has a fresh fake/moto world; within it the fake's stream accumulates "
        "every record\nand .calls every request, as in a test"
    )

    times: Samples = {(w.operation, v): [] for w in workloads for v in VARIANTS}
    started = time.perf_counter()
    block = 0
    done = 0
    with mock.patch.object(Endpoint, "_send", refuse_network):
        for index in range(rounds):
            elapsed = time.perf_counter() - started
            if args.budget and index >= MIN_ROUNDS and elapsed * (index + 1) / index > args.budget:
                print(f"  stopping after {index} rounds: the next would end past --budget")
                break
            for workload in workloads:
                calls = max(1, workload.calls_per_round // BLOCKS)
                for _ in range(BLOCKS):
                    order = VARIANTS[block % 3 :] + VARIANTS[: block % 3]
                    block += 1
                    for variant in order:
                        seconds = run_segment(bench, variant, workload, calls)
                        times[workload.operation, variant].append(seconds)
            done = index + 1
            elapsed = time.perf_counter() - started
            print(f"  round {done}/{rounds} done ({elapsed:.1f} s)", flush=True)
    if done < rounds:
        print(f"  ({done} rounds measured instead of {rounds})")
    outcomes = report(workloads, times)
    for problem in bench.checks:
        print(f"  CHECK FAILED: {problem}")
    print(f"\nwall {time.perf_counter() - started:.1f} s, max RSS {_max_rss()}")
    if args.check and (not all(outcomes) or bench.checks):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
