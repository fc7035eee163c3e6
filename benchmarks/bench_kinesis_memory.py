"""Memory per record of a Kinesis stream, at 10^4 and 10^5 records (10^6 with --million).

The Kinesis model alone (no client, no wire): a 4-shard stream takes PutRecords calls of
500 records of 100 bytes (base64 text, as botocore's serializer hands them over), each
with its own partition key. Reported: bytes allocated and kept per accepted record
(tracemalloc, after a collection), beyond the payload and the partition key, which exist
before the puts and are not counted: the record object, its sequence number, its place in
the stream's log and in its shard's.

    python benchmarks/bench_kinesis_memory.py
    python benchmarks/bench_kinesis_memory.py --million
    python benchmarks/bench_kinesis_memory.py --sizes 2000 50000

The goal: at most 200 bytes a record. The bytes do not vary with the machine's load.
"""

from __future__ import annotations

import argparse
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _offline import kept_bytes, payload_text

from pytest_firehose._clock import FakeClock
from pytest_firehose._ids import IdSource
from pytest_firehose._services.kinesis.model import KinesisService

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
PER_PUT = 500
GOAL = 200


def _calls(records: int) -> list[dict[str, Any]]:
    return [
        {
            "StreamName": "s",
            "Records": [
                {
                    "Data": payload_text(call, i),
                    "PartitionKey": f"key-{call}-{i}",
                }
                for i in range(PER_PUT)
            ],
        }
        for call in range(records // PER_PUT)
    ]


def bytes_per_record(records: int) -> float:
    service = KinesisService(
        account_id="123456789012", region="us-east-1", clock=FakeClock(T0), ids=IdSource(1)
    )
    service.dispatch("CreateStream", {"StreamName": "s", "ShardCount": 4})
    calls = _calls(records)

    def put() -> None:
        for params in calls:
            service.put_batch(params, {})

    return kept_bytes(put) / records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10**4, 10**5])
    parser.add_argument("--million", action="store_true", help="also 10^6 records")
    options = parser.parse_args()
    sizes = [*options.sizes, *([10**6] if options.million else [])]
    print(f"Python {platform.python_version()}, {platform.machine()}; goal <= {GOAL} B/record")
    for records in sizes:
        kept = bytes_per_record(records)
        verdict = "ok" if kept <= GOAL else "MISS"
        print(f"{records:>9,} records: {kept:,.0f} B/record kept ({verdict})", flush=True)


if __name__ == "__main__":
    main()
