"""Kinesis data-plane speed of the fake against botocore's own cost (the floor) and moto.

One process, one boto3 kinesis client (us-east-1), three variants:

* ``floor``: a ``before-send`` handler answers every call with the very body and headers
  the fake answered the same call with (captured once, before the rounds). What is left is
  botocore's own cost (serialize, base64, sign, emit events, parse): the lower bound.
* ``fake``: ``with FirehoseFake()``, the stream made with ``fake.kinesis.create_stream``.
* ``moto``: ``with mock_aws()``, the stream made through boto3.

Workloads: PutRecords of 500 records of 1 KiB over a 4-shard stream (random partition
keys), PutRecord of one 1 KiB record, GetRecords of 1,000 records of 1 KiB from a 1-shard
stream (the same iterator each call: the fake's clock stands still, moto's iterators
do not expire). Interleaved as in ``bench_put.py``: each round's calls are split into
blocks, a block runs one segment of each variant back to back (order rotating), every
segment in a fresh world after warm-up calls, the garbage collector on. Reported: medians
over segments, and the per-block ratios fake/floor and moto/fake, median [min - max].

    python benchmarks/bench_kinesis.py [--rounds N] [--quick]

Nothing leaves the process: botocore's real HTTP send is replaced by one that raises.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

from _offline import RawBody, go_offline, json_library, refuse_network

go_offline()

import boto3  # noqa: E402
import botocore  # noqa: E402
import moto  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.endpoint import Endpoint  # noqa: E402
from moto import mock_aws  # noqa: E402

from pytest_firehose import FirehoseFake  # noqa: E402

REGION = "us-east-1"
STREAM = "bench-stream"
RECORD_BYTES = 1024
BATCH_SIZE = 500
BATCH_SHARDS = 4
READ_RECORDS = 1000
WARMUP_CALLS = 2
BLOCKS = 3
VARIANTS = ("floor", "fake", "moto")
#: The issue's goal for every workload: fake/floor time per call at most this.
FLOOR_TARGET = 1.15


@dataclass
class Workload:
    """One operation: how its stream is made and filled, and the call that is timed."""

    label: str
    operation: str
    shards: int
    #: Records put before the timed calls (GetRecords reads them).
    preload: int
    calls_per_round: int
    call: Callable[[Any, dict[str, Any]], dict[str, Any]]
    check: Callable[[dict[str, Any]], bool]
    #: The floor's answer: (body, headers), captured from the fake.
    answer: tuple[bytes, dict[str, str]] | None = None


def _records(rng: random.Random, count: int) -> list[dict[str, Any]]:
    return [
        {"Data": rng.randbytes(RECORD_BYTES), "PartitionKey": f"key-{rng.getrandbits(64):x}"}
        for _ in range(count)
    ]


def workloads(rng: random.Random, scale: int) -> list[Workload]:
    batch = _records(rng, BATCH_SIZE)
    single = _records(rng, 1)[0]

    def put_records(client: Any, state: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = client.put_records(StreamName=STREAM, Records=batch)
        return answer

    def put_record(client: Any, state: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = client.put_record(StreamName=STREAM, **single)
        return answer

    def get_records(client: Any, state: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = client.get_records(ShardIterator=state["iterator"])
        return answer

    return [
        Workload(
            f"PutRecords {BATCH_SIZE} x 1 KiB, {BATCH_SHARDS} shards",
            "PutRecords",
            BATCH_SHARDS,
            0,
            24 // scale,
            put_records,
            lambda a: a.get("FailedRecordCount") == 0 and len(a["Records"]) == BATCH_SIZE,
        ),
        Workload(
            "PutRecord 1 KiB",
            "PutRecord",
            1,
            0,
            540 // scale,
            put_record,
            lambda a: bool(a.get("SequenceNumber")),
        ),
        Workload(
            f"GetRecords {READ_RECORDS} x 1 KiB",
            "GetRecords",
            1,
            READ_RECORDS,
            24 // scale,
            get_records,
            lambda a: len(a["Records"]) == READ_RECORDS,
        ),
    ]


class Bench:
    """The client and the three ways of answering it."""

    def __init__(self, rng: random.Random) -> None:
        self.client = boto3.session.Session(region_name=REGION).client("kinesis")
        self.rng = rng

    def _fill(self, workload: Workload) -> dict[str, Any]:
        """Put the workload's preload through the client; the state its calls need."""
        for start in range(0, workload.preload, BATCH_SIZE):
            count = min(BATCH_SIZE, workload.preload - start)
            self.client.put_records(StreamName=STREAM, Records=_records(self.rng, count))
        state: dict[str, Any] = {}
        if workload.operation == "GetRecords":
            shard = self.client.list_shards(StreamName=STREAM)["Shards"][0]["ShardId"]
            state["iterator"] = self.client.get_shard_iterator(
                StreamName=STREAM, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        return state

    @contextlib.contextmanager
    def fake(self, workload: Workload) -> Iterator[dict[str, Any]]:
        with FirehoseFake(region=REGION) as fake:
            fake.kinesis.create_stream(STREAM, workload.shards)
            yield self._fill(workload)

    @contextlib.contextmanager
    def moto(self, workload: Workload) -> Iterator[dict[str, Any]]:
        with mock_aws():
            self.client.create_stream(StreamName=STREAM, ShardCount=workload.shards)
            yield self._fill(workload)

    @contextlib.contextmanager
    def floor(self, workload: Workload) -> Iterator[dict[str, Any]]:
        assert workload.answer is not None
        body, headers = workload.answer

        def answer(request: Any, **_: Any) -> AWSResponse:
            return AWSResponse(request.url, 200, headers, RawBody(body))

        event = f"before-send.kinesis.{workload.operation}"
        self.client.meta.events.register(event, answer)
        try:
            yield {"iterator": "A" * 200}
        finally:
            self.client.meta.events.unregister(event, answer)

    def capture(self, workload: Workload) -> None:
        """The fake's answer to one call of the workload, for the floor to replay."""
        seen: dict[str, Any] = {}

        def keep(response_dict: dict[str, Any], **_: Any) -> None:
            seen.update(response_dict)

        event = f"response-received.kinesis.{workload.operation}"
        self.client.meta.events.register(event, keep)
        try:
            with self.fake(workload) as state:
                workload.call(self.client, state)
        finally:
            self.client.meta.events.unregister(event, keep)
        workload.answer = (seen["body"], dict(seen["headers"]))


def run_segment(bench: Bench, variant: str, workload: Workload, calls: int) -> float:
    """Seconds per call of ``calls`` timed calls, in a fresh world, after warm-up calls."""
    with getattr(bench, variant)(workload) as state:
        for _ in range(WARMUP_CALLS):
            answer = workload.call(bench.client, state)
            if not workload.check(answer):
                raise RuntimeError(f"{variant}: unexpected answer {str(answer)[:200]}")
        gc.collect()
        start = time.perf_counter()
        for _ in range(calls):
            workload.call(bench.client, state)
        elapsed = time.perf_counter() - start
    gc.collect()
    return elapsed / calls


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):5.2f} [{min(values):.2f} - {max(values):.2f}]"


def report(loads: list[Workload], times: dict[tuple[str, str], list[float]]) -> None:
    for workload in loads:
        print(f"\n{workload.label}: ms per call, median [min - max] over segments")
        for variant in VARIANTS:
            samples = times[workload.operation, variant]
            print(
                f"  {variant:<6} {statistics.median(samples) * 1e3:9.3f}   "
                f"[{min(samples) * 1e3:.3f} - {max(samples) * 1e3:.3f}]"
            )
    print("\nratios per block (the variants ran back to back): median [min - max]")
    for workload in loads:
        op = workload.operation
        fake, floor, moto_ = times[op, "fake"], times[op, "floor"], times[op, "moto"]
        over_floor = [a / b for a, b in zip(fake, floor, strict=True)]
        verdict = "PASS" if statistics.median(over_floor) <= FLOOR_TARGET else "MISS"
        print(
            f"  {op:<11} fake/floor {_spread(over_floor)} (goal <= {FLOOR_TARGET}, {verdict})"
            f"   moto/fake {_spread([a / b for a, b in zip(moto_, fake, strict=True)])}"
            f"   moto/floor {_spread([a / b for a, b in zip(moto_, floor, strict=True)])}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5; quick 2)")
    parser.add_argument("--quick", action="store_true", help="2 rounds of a third of the calls")
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (2 if args.quick else 5)
    rng = random.Random(20131114)
    loads = workloads(rng, 3 if args.quick else 1)
    print(
        f"bench_kinesis: {rounds} rounds; python {platform.python_version()}, "
        f"botocore {botocore.__version__}, moto {moto.__version__}, {os.cpu_count()} CPUs; "
        f"JSON: {json_library()}"
    )
    times: dict[tuple[str, str], list[float]] = {
        (w.operation, v): [] for w in loads for v in VARIANTS
    }
    started = time.perf_counter()
    block = 0
    with mock.patch.object(Endpoint, "_send", refuse_network):
        bench = Bench(rng)
        for workload in loads:
            bench.capture(workload)
        for index in range(rounds):
            for workload in loads:
                calls = max(1, workload.calls_per_round // BLOCKS)
                for _ in range(BLOCKS):
                    order = VARIANTS[block % 3 :] + VARIANTS[: block % 3]
                    block += 1
                    for variant in order:
                        seconds = run_segment(bench, variant, workload, calls)
                        times[workload.operation, variant].append(seconds)
            print(f"  round {index + 1}/{rounds} ({time.perf_counter() - started:.1f} s)")
    report(loads, times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
