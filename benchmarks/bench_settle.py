"""Settle time and memory per record of the delivery engine, at 10^4, 10^5 and 10^6 records.

Two measurements, both on the engine alone (no client, no wire), with plain datetimes:

* ``settle``: a Delivery whose destination is down and whose buffer goes at once
  (``IntervalInSeconds=0``) takes puts of ``--per-put`` records, one a second, each put
  settling the world first as a request does; then the clock moves 25 hours in one settle,
  so every batch is retried with backoff until its records expire. Reported: the puts'
  time per put, the 25-hour settle's time, its events (retry attempts plus expiries) and
  its time per event.
* ``memory``: a FirehoseService (in-memory destination, default buffering) takes
  PutRecordBatch calls of 500 records of 100 bytes (base64 text, as botocore's serializer
  hands them over). Reported: bytes allocated and kept per accepted record (tracemalloc;
  the payloads themselves exist before and are not counted), with the records buffered,
  then after a flush (delivered objects).

    python benchmarks/bench_settle.py               # 10^4 and 10^5 records
    python benchmarks/bench_settle.py --million     # also 10^6 (a few minutes)
    python benchmarks/bench_settle.py --sizes 1000  # any sizes

Wall times vary with the machine's load; the events and bytes do not.
"""

from __future__ import annotations

import argparse
import base64
import gc
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.base import (
    Accepted,
    DeliveryTarget,
    MemoryDestination,
)
from pytest_firehose._destinations.pipeline import Delivery
from pytest_firehose._destinations.routes import route_for
from pytest_firehose._ids import IdSource
from pytest_firehose._services.firehose.model import FirehoseService

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
TARGET = DeliveryTarget("events", "arn:aws:firehose:us-east-1:123456789012:deliverystream/x", 1)


class Counting(MemoryDestination):
    """The in-memory destination, counting the attempts made while it was switched off."""

    def __init__(self) -> None:
        self.attempts = 0

    def give_up(self, *args: Any) -> None:
        self.attempts += 1


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_settle(records: int, per_put: int) -> dict[str, float]:
    destination = Counting()
    delivery = Delivery(
        route_for(TARGET, {"BufferingHints": {"IntervalInSeconds": 0}}, destination)
    )
    delivery.destination_up = False
    ids = IdSource(seed=1)
    expiries = 0
    expire = delivery._expire

    def counted_expire(at: datetime) -> None:
        nonlocal expiries
        expiries += 1
        expire(at)

    delivery._expire = counted_expire  # type: ignore[method-assign]
    payload = b"x" * 100
    puts = records // per_put
    now = T0

    def put_all() -> None:
        nonlocal now
        for put in range(puts):
            now = T0 + timedelta(seconds=put)
            delivery.settle(now, ids)
            entries: list[Accepted] = [(payload, "id", now)] * per_put
            delivery.accept(entries, now, ids)

    put_seconds = _timed(put_all)
    before = destination.attempts
    settle_seconds = _timed(lambda: delivery.settle(now + timedelta(hours=25), ids))
    events = destination.attempts - before + expiries
    assert len(delivery.expired) == records
    assert not delivery.pending()
    return {
        "puts": puts,
        "ms per put": put_seconds / puts * 1e3,
        "settle s": settle_seconds,
        "events": events,
        "us per event": settle_seconds / max(events, 1) * 1e6,
    }


def bench_memory(records: int) -> dict[str, float]:
    service = FirehoseService(
        account_id="123456789012",
        region="us-east-1",
        clock=FakeClock(T0),
        ids=IdSource(seed=1),
        destination_for=lambda kind, config, region: MemoryDestination(),
    )
    service.create_delivery_stream({"DeliveryStreamName": "events"})
    per_put = 500
    calls = [
        {
            "DeliveryStreamName": "events",
            "Records": [
                {"Data": base64.b64encode(f"{call:050d}{i:050d}".encode()).decode()}
                for i in range(per_put)
            ],
        }
        for call in range(records // per_put)
    ]
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    for params in calls:
        service.put_batch(params, {})
    gc.collect()
    buffered = tracemalloc.get_traced_memory()[0] - start
    service.flush(service.streams["events"])
    gc.collect()
    flushed = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    return {"bytes/record buffered": buffered / records, "bytes/record flushed": flushed / records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10**4, 10**5])
    parser.add_argument("--million", action="store_true", help="also 10^6 records")
    parser.add_argument("--per-put", type=int, default=100, help="records per put (settle)")
    parser.add_argument("--skip", choices=["settle", "memory"], help="leave one out")
    options = parser.parse_args()
    sizes = [*options.sizes, *([10**6] if options.million else [])]
    print(f"Python {platform.python_version()}, {platform.machine()}")
    for records in sizes:
        if options.skip != "settle":
            figures = bench_settle(records, options.per_put)
            shown = ", ".join(f"{name} {value:,.3g}" for name, value in figures.items())
            print(f"settle  {records:>9,} records: {shown}", flush=True)
        if options.skip != "memory":
            figures = bench_memory(records)
            shown = ", ".join(f"{name} {value:,.0f}" for name, value in figures.items())
            print(f"memory  {records:>9,} records: {shown}", flush=True)


if __name__ == "__main__":
    main()
