"""Where a single put's time goes: the fake's own work, and what it costs botocore's.

``bench_instructions.py`` finds the fake adding about 15 % to botocore's instructions for
a 1 KiB ``PutRecord``, while ``bench_put.py`` and ``bench_kinesis.py`` time it at about
35 % more than the floor. This script splits the time of one call, in one process, one
boto3 client, three variants interleaved:

* ``floor``: a ``before-send`` handler answers with the body and headers the fake answered
  the same call with: botocore's own cost.
* ``door``: the fake is active (all its patches of botocore), but its door hands botocore
  that same ready answer instead of asking the engine (it still reads the request as it
  would for the engine): the door's own cost.
* ``fake``: the fake answers.

For ``door`` and ``fake`` the time spent inside the door (``route`` in
``pytest_firehose/_doors/botocore.py``: the fake's own work) is timed apart from the rest
(botocore's work, with the fake's patches). Reported, per workload, median over segments,
microseconds per call: each variant's total, its time inside the door and outside; then
what the fake adds to the floor, in three parts: the door's patches (door outside - floor),
the engine (fake inside), and botocore's own code running slower once the engine has run
between its steps (fake outside - door outside: the engine's code and data push
botocore's out of the CPU's caches; instruction counts cannot see this). Each difference
is taken per block of back-to-back segments, median [min - max].

With ``--keep``, the ``door`` variant also keeps, every call, fresh objects of the size
the fake keeps of a put: whether memory that grows with every call is what slows botocore.

    python benchmarks/bench_split.py [--rounds N] [--quick] [--keep]

Nothing leaves the process: botocore's real HTTP send is replaced by one that raises.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest import mock

from _offline import RawBody, go_offline, refuse_network

go_offline()

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.endpoint import Endpoint  # noqa: E402

import pytest_firehose._doors.botocore as door_module  # noqa: E402
import pytest_firehose._doors.botocore_requests as door_requests  # noqa: E402
from pytest_firehose import FirehoseFake  # noqa: E402
from pytest_firehose._wire.codec import HttpResponse  # noqa: E402

REGION = "us-east-1"
STREAM = "bench-split"
RECORD = os.urandom(1024)
WARMUP_CALLS = 5
VARIANTS = ("floor", "door", "fake")


@dataclass(frozen=True)
class Workload:
    label: str
    service: str
    operation: str
    create: Callable[[FirehoseFake], object]
    call: Callable[[Any], object]


WORKLOADS = (
    Workload(
        "Firehose PutRecord 1 KiB",
        "firehose",
        "PutRecord",
        lambda fake: fake.firehose.create_delivery_stream(STREAM),
        lambda client: client.put_record(DeliveryStreamName=STREAM, Record={"Data": RECORD}),
    ),
    Workload(
        "Kinesis PutRecord 1 KiB",
        "kinesis",
        "PutRecord",
        lambda fake: fake.kinesis.create_stream(STREAM),
        lambda client: client.put_record(StreamName=STREAM, Data=RECORD, PartitionKey="k"),
    ),
)


class TimedRoute:
    """Stands in for the door's ``route`` while installed: times every call to it, and,
    once ``canned`` is set, answers with that instead of asking the engine (the request
    is still read as the engine would be given it)."""

    def __init__(self, keep: bool = False) -> None:
        self.inside = 0.0
        self.canned: HttpResponse | None = None
        self._route = door_module.route
        #: With ``keep``, a canned answer keeps what the fake would of a put (a payload,
        #: an id, a record and a call log entry's worth of small objects).
        self.kept: list[object] | None = [] if keep else None

    def __call__(self, router: Any, request: Any, timeout: float | None) -> Any:
        start = time.perf_counter()
        try:
            canned = self.canned
            if canned is not None:
                door_requests._http_request(request, timeout)
                if self.kept is not None:
                    self.kept.append((bytes(RECORD), "R" * 224, (1, 2.0, "k"), [3], {"a": 4}))
                return canned
            return self._route(router, request, timeout)
        finally:
            self.inside += time.perf_counter() - start


def _answer(workload: Workload, client: Any, timed: TimedRoute) -> HttpResponse:
    """The fake's answer to the workload's call, as the door handed it to botocore."""
    answers: list[HttpResponse] = []
    route = timed._route

    def keep(router: Any, request: Any, timeout: float | None) -> Any:
        answer = route(router, request, timeout)
        assert isinstance(answer, HttpResponse), "the fake passed the call by"
        answers.append(answer)
        return answer

    with mock.patch.object(door_module, "route", keep), FirehoseFake(region=REGION) as fake:
        workload.create(fake)
        workload.call(client)
    return answers[-1]


def run_segment(
    variant: str,
    workload: Workload,
    client: Any,
    answer: HttpResponse,
    calls: int,
    keep: bool = False,
) -> tuple[float, float]:
    """Seconds per call, in all and inside the door, of ``calls`` calls under ``variant``
    (a fresh fake for each segment; the collector on, as in a test)."""
    timed = TimedRoute(keep)
    if variant == "floor":
        event = f"before-send.{workload.service}.{workload.operation}"
        headers = dict(answer.headers)

        def floor(request: Any, **_: Any) -> AWSResponse:
            return AWSResponse(request.url, 200, headers, RawBody(answer.body))

        client.meta.events.register(event, floor)
        try:
            return _timed(lambda: workload.call(client), calls), 0.0
        finally:
            client.meta.events.unregister(event, floor)
    with mock.patch.object(door_module, "route", timed), FirehoseFake(region=REGION) as fake:
        workload.create(fake)
        for _ in range(WARMUP_CALLS):
            workload.call(client)
        if variant == "door":
            timed.canned = answer
        timed.inside = 0.0
        total = _timed(lambda: workload.call(client), calls, warm=False)
        return total, timed.inside / calls


def _timed(call: Callable[[], object], calls: int, *, warm: bool = True) -> float:
    if warm:
        for _ in range(WARMUP_CALLS):
            call()
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls


def _spread(values: list[float], digits: int = 1) -> str:
    low, middle, high = min(values), statistics.median(values), max(values)
    return f"{middle:6.{digits}f} [{low:.{digits}f} - {high:.{digits}f}]"


def report(
    workload: Workload, total: dict[str, list[float]], inside: dict[str, list[float]]
) -> None:
    us = 1e6
    print(f"\n{workload.label}: us per call, median over segments")
    print(f"  {'variant':<8} {'total':>8} {'in the door':>12} {'outside':>9}")
    for variant in VARIANTS:
        whole = statistics.median(total[variant]) * us
        within = statistics.median(inside[variant]) * us
        print(f"  {variant:<8} {whole:8.1f} {within:12.1f} {whole - within:9.1f}")
    outside = {
        variant: [(t - i) * us for t, i in zip(total[variant], inside[variant], strict=True)]
        for variant in VARIANTS
    }
    added = [(f - b) * us for f, b in zip(total["fake"], total["floor"], strict=True)]
    patches = [d - b for d, b in zip(outside["door"], outside["floor"], strict=True)]
    engine = [i * us for i in inside["fake"]]
    slower = [f - d for f, d in zip(outside["fake"], outside["door"], strict=True)]
    ratio = [f / b for f, b in zip(total["fake"], total["floor"], strict=True)]
    print("  the fake adds to the floor, per block: median [min - max], us per call")
    print(f"    in all                            {_spread(added)}")
    print(f"    as the ratio fake/floor           {_spread(ratio, 2)}")
    print(f"    the door's patches of botocore    {_spread(patches)}")
    print(f"    the fake's own work (in the door) {_spread(engine)}")
    print(f"    botocore's own code, slower       {_spread(slower)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 9; quick 4)")
    parser.add_argument("--quick", action="store_true", help="4 rounds of fewer calls")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="the door variant keeps, every call, objects the size of what the fake keeps",
    )
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (4 if args.quick else 9)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    calls = 300 if args.quick else 800
    print(
        f"bench_split: {rounds} rounds of {calls} calls per variant and workload, variants "
        f"back to back (order rotating)\npython {platform.python_version()}, boto3 "
        f"{boto3.__version__}, botocore {botocore.__version__}, {os.cpu_count()} CPUs"
    )
    started = time.perf_counter()
    with mock.patch.object(Endpoint, "_send", refuse_network):
        for workload in WORKLOADS:
            client = boto3.session.Session(region_name=REGION).client(workload.service)
            answer = _answer(workload, client, TimedRoute())
            total: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
            inside: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
            for index in range(rounds):
                order = VARIANTS[index % 3 :] + VARIANTS[: index % 3]
                for variant in order:
                    seconds, within = run_segment(
                        variant, workload, client, answer, calls, args.keep
                    )
                    total[variant].append(seconds)
                    inside[variant].append(within)
            report(workload, total, inside)
    print(f"\nwall {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
