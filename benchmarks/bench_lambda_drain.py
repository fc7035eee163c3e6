"""What draining a shard through a Kinesis Lambda trigger costs the fake per record, as the
shard grows, against the floor.

A trigger reads its shard one batch at a time; what it costs the fake to find and cut each
batch should not grow with the records still waiting behind it.

* ``drained``: N records of 100 bytes put on a one-shard stream (1,000 per PutRecords
  call is not allowed: 500 a call), then one ``drain()`` of a trigger with ``BatchSize``
  100 whose handler returns at once: N / 100 invocations.
* ``aged``: N records of 100 bytes, each its own, read once they are older than the trigger's
  ``MaximumRecordAgeInSeconds`` (60), by a trigger with ``BatchSize`` 10,000: each batch
  is given up whole before any invocation (a ``RecordAgeExceeded`` failure for each).
* ``floor`` (the baseline): the handler called with each of the same N / 100 batches'
  events, read from their JSON text as the runtime reads it: what delivering the records
  costs at least.

For each N (10^3, 10^4, 10^5 by default) each variant runs back to back with the floor, in
rounds whose order alternates; reported: µs per record of each, and variant / floor per
round, median [min - max]. The ratios stay flat as N grows when a batch costs what it
holds (giving up a batch of 10,000 records cost the square of its size until the aged
records were set apart in one pass).

    python benchmarks/bench_lambda_drain.py [--rounds R] [--sizes 1000,10000,100000]

Nothing leaves the process: botocore's real HTTP send is replaced by one that raises.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from functools import partial
from typing import Any
from unittest import mock

from _offline import go_offline, interleaved, refuse_network, spread

go_offline()

import boto3  # noqa: E402
from botocore.endpoint import Endpoint  # noqa: E402

from pytest_firehose import FirehoseFake  # noqa: E402

REGION = "us-east-1"
PAYLOAD = b"x" * 100
BATCH = 100
#: Kinesis's largest BatchSize.
MAX_BATCH = 10_000
PUT = 500


def _handler(event: dict[str, Any], context: Any) -> None:
    return None


def _fill(fake: FirehoseFake, records: int, distinct: bool = False) -> Any:
    """A one-shard stream holding ``records`` records of 100 bytes: all alike, or each its
    own (its index, written out)."""
    stream = fake.kinesis.create_stream("s")
    client = boto3.client("kinesis", region_name=REGION)
    for start in range(0, records, PUT):
        count = min(PUT, records - start)
        if distinct:
            entries = [
                {"Data": b"%0100d" % index, "PartitionKey": "p"}
                for index in range(start, start + count)
            ]
        else:
            entries = [{"Data": PAYLOAD, "PartitionKey": "p"}] * count
        client.put_records(StreamName="s", Records=entries)
    return stream


def drained(records: int) -> float:
    """Seconds per record of one ``drain()`` of the whole shard."""
    with FirehoseFake(region=REGION) as fake:
        stream = _fill(fake, records)
        trigger = stream.lambda_trigger(_handler, BatchSize=BATCH)
        gc.collect()
        start = time.perf_counter()
        trigger.drain()
        took = time.perf_counter() - start
        assert len(trigger.invocations) == records // BATCH, len(trigger.invocations)
        return took / records


def aged(records: int) -> float:
    """Seconds per record of one ``drain()`` giving up the whole shard as too old."""
    with FirehoseFake(region=REGION) as fake:
        stream = _fill(fake, records, distinct=True)
        fake.kinesis.clock.advance(seconds=61)
        trigger = stream.lambda_trigger(_handler, BatchSize=MAX_BATCH, MaximumRecordAgeInSeconds=60)
        gc.collect()
        start = time.perf_counter()
        trigger.drain()
        took = time.perf_counter() - start
        assert not trigger.invocations, len(trigger.invocations)
        given_up = sum(failure["KinesisBatchInfo"]["batchSize"] for failure in trigger.failures)
        assert given_up == records, given_up
        return took / records


def floor(records: int) -> float:
    """Seconds per record of the handler called with each batch's event, from its JSON."""
    with FirehoseFake(region=REGION) as fake:
        stream = _fill(fake, records)
        held = stream.records
        texts = [
            json.dumps(stream.lambda_event(held[start : start + BATCH]))
            for start in range(0, records, BATCH)
        ]
        gc.collect()
        start = time.perf_counter()
        for text in texts:
            _handler(json.loads(text), None)
        return (time.perf_counter() - start) / records


def bench(records: int, rounds: int) -> None:
    print(f"\n{records} records, batches of {BATCH} (aged: of {MAX_BATCH})")
    for name, variant in (("drained", drained), ("aged", aged)):
        floors, figures = interleaved(rounds, partial(floor, records), partial(variant, records))
        ratios = [figure / base for figure, base in zip(figures, floors, strict=True)]
        print(f"  µs per record, floor             {spread(floors, 1e6)}")
        print(f"  µs per record, {name:<18}{spread(figures, 1e6)}")
        print(f"  {name} / floor{' ' * (25 - len(name))}{spread(ratios)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    with mock.patch.object(Endpoint, "_send", refuse_network):
        print(f"bench_lambda_drain: {args.rounds} rounds, Python {sys.version.split()[0]}")
        for records in sizes:
            bench(records, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
