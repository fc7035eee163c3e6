"""What a Kinesis Lambda trigger's retried invocation costs the fake, against the floor.

A handler that always raises is retried, with Lambda's defaults, until its records expire:
about 10,800 invocations of the same batch in one ``drain()``. Each retry hands the
handler the same event; what the fake does for it beyond the handler's own call (the
context, the runtime's environment variables, the invocation's record, the clock) is its
own cost, and should not grow with the batch.

* ``retried``: one batch of R records of 100 bytes, a handler that always raises,
  ``MaximumRetryAttempts`` N: N + 1 invocations of the same batch in one ``drain()``.
* ``floor`` (the baseline): the handler called N + 1 times with the event as a function
  receives it (read from its JSON text, as the runtime does) and the exception caught:
  what any invocation costs at least.

Each round runs both back to back, in an order that alternates; reported: microseconds
per invocation of each, and retried / floor per round, median [min - max] over rounds,
for R = 1 and R = 100 (Lambda's default ``BatchSize``).

    python benchmarks/bench_lambda_retry.py [--rounds R] [--retries N]

Nothing leaves the process: botocore's real HTTP send is replaced by one that raises.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
import time
from typing import Any
from unittest import mock

from _offline import go_offline, interleaved, refuse_network, spread

go_offline()

import boto3  # noqa: E402
from botocore.endpoint import Endpoint  # noqa: E402

from pytest_firehose import FirehoseFake  # noqa: E402

REGION = "us-east-1"
PAYLOAD = b"x" * 100


def _fails(event: dict[str, Any], context: Any) -> None:
    raise ValueError("cannot process")


def _put(records: int) -> None:
    client = boto3.client("kinesis", region_name=REGION)
    client.put_records(StreamName="s", Records=[{"Data": PAYLOAD, "PartitionKey": "p"}] * records)


def retried(records: int, retries: int) -> float:
    """Seconds per invocation of one ``drain()`` retrying one batch."""
    with FirehoseFake(region=REGION) as fake:
        stream = fake.kinesis.create_stream("s")
        _put(records)
        trigger = stream.lambda_trigger(_fails, BatchSize=records, MaximumRetryAttempts=retries)
        gc.collect()
        start = time.perf_counter()
        trigger.drain()
        took = time.perf_counter() - start
        count = len(trigger.invocations)
        assert count == retries + 1, count
        return took / count


def floor(records: int, retries: int) -> float:
    """Seconds per call of the handler with the same batch's event, read from its JSON."""
    with FirehoseFake(region=REGION) as fake:
        stream = fake.kinesis.create_stream("s")
        _put(records)
        text = json.dumps(stream.lambda_event())
        gc.collect()
        start = time.perf_counter()
        for _ in range(retries + 1):
            with contextlib.suppress(ValueError):
                _fails(json.loads(text), None)
        return (time.perf_counter() - start) / (retries + 1)


def bench(records: int, retries: int, rounds: int) -> None:
    floors, retries_ = interleaved(
        rounds, lambda: floor(records, retries), lambda: retried(records, retries)
    )
    print(f"\n{records} record(s) a batch, {retries + 1} invocations")
    print(f"  µs per invocation, floor         {spread(floors, 1e6)}")
    print(f"  µs per invocation, retried       {spread(retries_, 1e6)}")
    ratios = [r / f for r, f in zip(retries_, floors, strict=True)]
    print(f"  retried / floor                  {spread(ratios)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--retries", type=int, default=500)
    args = parser.parse_args(argv)
    with mock.patch.object(Endpoint, "_send", refuse_network):
        print(f"bench_lambda_retry: {args.rounds} rounds, Python {sys.version.split()[0]}")
        for records in (1, 100):
            bench(records, args.retries, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
