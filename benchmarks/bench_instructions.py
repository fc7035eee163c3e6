"""The fake's cost against botocore's own (the floor), counted in instructions.

Wall-clock ratios on a shared 2-core machine move by 20 % or more from run to run, as much
as a change to the fake's own share of a call. An instruction count does not: valgrind's
callgrind counts what the CPU is asked to do, the same for the same code and inputs
whatever else the machine runs. This script runs each (workload, variant) in a child
process under ``valgrind --tool=callgrind`` twice, with a few calls and with more, and
takes the difference per call: start-up (imports, the fake's start, the stream's
creation) cancels out.

Variants, one boto3 client each, nothing leaving the process:

* ``floor``: a ``before-send`` handler answers with the very body and headers the fake
  answered the same call with (captured in the same child first): botocore's own cost.
* ``fake``: ``FirehoseFake()``; its world keeps every record and call, as in a test.

Workloads: Firehose PutRecordBatch of 500 records of 1 KiB and PutRecord of 1 KiB;
Kinesis PutRecords of 500 records of 1 KiB over 4 shards, PutRecord of 1 KiB, GetRecords
of 1,000 records of 1 KiB (the same iterator each call).

``--cache-sim`` counts estimated cycles instead: instructions plus 10 a first-level cache
miss plus 100 a miss of the core's own second-level cache, with callgrind's simulated
caches shaped as this machine's (read from ``/sys/devices/system/cpu/cpu0/cache``; the
shared third level, which other processes fill too, is left out), about four times
slower. It prints the misses per call as well. A model: it leaves out branch prediction
and prefetching, so it gives no verdict; what it shows is why the wall-clock ratio runs
higher than the instruction ratio (the fake's code runs once a call, straight through,
and so misses the caches more per instruction than botocore's loops do).

Reported: instructions per call per variant and fake/floor (goal: at most 1.15, as the
wall-clock benchmarks ask). What instructions leave out: the time memory takes (cache
misses: the fake touches more of it than a ready-made answer does), so the wall-clock
ratio of ``bench_put.py`` and ``bench_kinesis.py`` runs higher than this one; this one is
what tells a change to the fake's code from the machine's noise.

    python benchmarks/bench_instructions.py            # about 6 minutes on 2 cores
    python benchmarks/bench_instructions.py --quick    # fewer calls, about 3 minutes
    python benchmarks/bench_instructions.py --only kinesis-put-records firehose-put-record

Needs valgrind (Debian: ``apt-get install valgrind``). Another checkout's package is
measured with that checkout first on the path: ``PYTHONPATH=/elsewhere/checkout python
benchmarks/bench_instructions.py`` (the children inherit it).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGET = 1.15
RECORD = b"x" * 1024


@dataclass(frozen=True)
class Workload:
    name: str
    service: str
    operation: str
    #: Calls in the short and the long run (the difference is what is counted).
    calls: tuple[int, int]


WORKLOADS = [
    Workload("firehose-put-record-batch", "firehose", "PutRecordBatch", (2, 10)),
    Workload("firehose-put-record", "firehose", "PutRecord", (20, 220)),
    Workload("kinesis-put-records", "kinesis", "PutRecords", (2, 10)),
    Workload("kinesis-put-record", "kinesis", "PutRecord", (20, 220)),
    Workload("kinesis-get-records", "kinesis", "GetRecords", (2, 10)),
]
VARIANTS = ("floor", "fake")


# --------------------------------------------------------------------------- the child


def _caller(name: str, client: Any, state: dict[str, Any]) -> Callable[[], Any]:
    if name == "firehose-put-record-batch":
        batch = [{"Data": RECORD}] * 500
        return lambda: client.put_record_batch(DeliveryStreamName="bench", Records=batch)
    if name == "firehose-put-record":
        return lambda: client.put_record(DeliveryStreamName="bench", Record={"Data": RECORD})
    if name == "kinesis-put-records":
        records = [{"Data": RECORD, "PartitionKey": f"key-{i}"} for i in range(500)]
        return lambda: client.put_records(StreamName="bench", Records=records)
    if name == "kinesis-put-record":
        return lambda: client.put_record(StreamName="bench", Data=RECORD, PartitionKey="key")
    return lambda: client.get_records(ShardIterator=state["iterator"])


def child(name: str, variant: str, calls: int) -> None:
    """Make ``calls`` calls of workload ``name`` answered by ``variant`` (after one
    call answered by the fake, whose answer the floor replays)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _offline import RawBody, go_offline

    go_offline()
    import boto3
    from botocore.awsrequest import AWSResponse

    from pytest_firehose import FirehoseFake

    workload = next(w for w in WORKLOADS if w.name == name)
    client = boto3.session.Session(region_name="us-east-1").client(workload.service)
    state: dict[str, Any] = {}
    seen: dict[str, Any] = {}

    def keep(response_dict: dict[str, Any], **_: Any) -> None:
        seen.update(response_dict)

    with FirehoseFake(region="us-east-1") as fake:
        if workload.service == "firehose":
            fake.firehose.create_delivery_stream("bench")
        else:
            fake.kinesis.create_stream("bench", 1 if workload.operation == "GetRecords" else 4)
        if workload.operation == "GetRecords":
            for _ in range(2):
                client.put_records(
                    StreamName="bench",
                    Records=[{"Data": RECORD, "PartitionKey": str(i)} for i in range(500)],
                )
            shard = client.list_shards(StreamName="bench")["Shards"][0]["ShardId"]
            state["iterator"] = client.get_shard_iterator(
                StreamName="bench", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        call = _caller(name, client, state)
        event = f"response-received.{workload.service}.{workload.operation}"
        client.meta.events.register(event, keep)
        call()
        client.meta.events.unregister(event, keep)
        if variant == "fake":
            for _ in range(calls):
                call()
            return
    body, headers = seen["body"], dict(seen["headers"])

    def answer(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, headers, RawBody(body))

    client.meta.events.register(f"before-send.{workload.service}.{workload.operation}", answer)
    for _ in range(calls):
        call()


# --------------------------------------------------------------------------- the parent


#: Cycles a cache miss costs, in the estimate ``--cache-sim`` prints (cachegrind's own
#: rough model: instructions, plus 10 a first-level miss, plus 100 a last-level miss).
L1_MISS_CYCLES, LL_MISS_CYCLES = 10, 100
#: What callgrind counts with ``--cache-sim=yes``, in its order.
EVENTS = ("Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")
_CACHES = "/sys/devices/system/cpu/cpu0/cache"


def core_caches(root: str = _CACHES) -> list[str]:
    """callgrind's options for caches shaped as this machine's: its first-level
    instruction and data caches, and its second-level cache as the last level (the
    third is shared with the rest of the machine). None where the machine does not say:
    callgrind then picks its own."""
    found: dict[str, str] = {}
    for index in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        try:
            read = {
                name: Path(root, index, name).read_text().strip()
                for name in (
                    "level",
                    "type",
                    "size",
                    "ways_of_associativity",
                    "coherency_line_size",
                )
            }
        except OSError:
            continue
        size = int(read["size"].rstrip("K")) * 1024 if read["size"].endswith("K") else 0
        option = {("1", "Instruction"): "I1", ("1", "Data"): "D1", ("2", "Unified"): "LL"}.get(
            (read["level"], read["type"])
        )
        if option and size:
            found[option] = (
                f"--{option}={size},{read['ways_of_associativity']},{read['coherency_line_size']}"
            )
    return list(found.values()) if len(found) == 3 else []


def count(name: str, variant: str, calls: int, cache_sim: bool = False) -> list[int]:
    """What callgrind counts in a child that makes ``calls`` calls: its instructions, and
    with ``cache_sim`` every event of ``EVENTS``."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        *(["--cache-sim=yes", *core_caches()] if cache_sim else []),
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        name,
        variant,
        str(calls),
    ]
    # The same hash seed every run: dict and set orders, and so the instructions, repeat.
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    found = re.search(r"Collected\s*:\s*([\d ]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{name} {variant} x{calls} failed:\n{done.stderr[-2000:]}")
    return [int(value) for value in found.group(1).split()]


def cycles(events: list[float]) -> float:
    """The estimate of ``--cache-sim``: instructions, and each simulated miss's cost."""
    return events[0] + L1_MISS_CYCLES * sum(events[3:6]) + LL_MISS_CYCLES * sum(events[6:9])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="half the calls")
    parser.add_argument("--only", nargs="+", choices=[w.name for w in WORKLOADS])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    parser.add_argument(
        "--cache-sim",
        action="store_true",
        help="count estimated cycles (instructions and simulated cache misses) instead",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    import pytest_firehose

    loads = [w for w in WORKLOADS if not args.only or w.name in args.only]
    if args.quick:
        loads = [
            Workload(w.name, w.service, w.operation, (w.calls[0], (w.calls[0] + w.calls[1]) // 2))
            for w in loads
        ]
    spans = ", ".join(f"{a} and {b}" for a, b in sorted({w.calls for w in loads}))
    print(
        f"Python {platform.python_version()}, package at "
        f"{os.path.dirname(pytest_firehose.__file__)}; "
        f"{'estimated cycles' if args.cache_sim else 'instructions'} per call "
        f"(callgrind: the difference between {spans} calls)"
    )
    jobs = [(w, v, n) for w in loads for v in VARIANTS for n in w.calls]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        counted = pool.map(lambda job: count(job[0].name, job[1], job[2], args.cache_sim), jobs)
        totals = dict(zip(jobs, counted, strict=True))
    missed = False
    if args.cache_sim:
        print("caches: " + (" ".join(core_caches()) or "callgrind's own choice"))
    print(f"\n{'workload':<28}{'floor':>14}{'fake':>14}{'fake/floor':>12}")
    misses: list[str] = []
    for w in loads:
        events = {
            v: [
                (long - short) / (w.calls[1] - w.calls[0])
                for short, long in zip(
                    totals[w, v, w.calls[0]], totals[w, v, w.calls[1]], strict=True
                )
            ]
            for v in VARIANTS
        }
        per_call = {v: cycles(events[v]) if args.cache_sim else events[v][0] for v in VARIANTS}
        ratio = per_call["fake"] / per_call["floor"]
        if args.cache_sim:
            for index, event in enumerate(EVENTS[3:], 3):
                floor, fake = events["floor"][index], events["fake"][index]
                misses.append(
                    f"{w.name:<28}{event:>6}{floor:>12,.0f}{fake:>12,.0f}"
                    f"{fake / floor if floor else float('nan'):>9.2f}"
                )
        if args.cache_sim:  # a model of the machine: no verdict on it
            verdict = "(estimate: the wall-clock scripts judge the goal)"
        else:
            missed |= ratio > TARGET
            verdict = f"{'PASS' if ratio <= TARGET else 'MISS'} (goal <= {TARGET})"
        print(
            f"{w.name:<28}{per_call['floor']:>14,.0f}{per_call['fake']:>14,.0f}"
            f"{ratio:>9.3f}  {verdict}"
        )
    if misses:
        print(
            f"\nmisses per call\n{'workload':<28}{'event':>6}{'floor':>12}{'fake':>12}{'ratio':>9}"
        )
        print("\n".join(misses))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
