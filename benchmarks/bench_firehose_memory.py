"""Memory per accepted Firehose record and per logged call, at 10^4 and 10^5 (10^6 with
--million).

Records, in the model: the Firehose model alone (no client, no wire), as the Kinesis
benchmark measures its streams: a DirectPut stream with an in-memory destination takes
PutRecordBatch calls of 500 records of 100 bytes (base64 text, as botocore's serializer
hands them over). Reported: bytes allocated and still held per accepted record
(tracemalloc, after a collection), beyond the payload, which exists before the puts and is
not counted: the accept log's entry, its record id, its place in the buffer and in a
delivered object.

Records, through boto3: the same puts from a boto3 client in-process (``FirehoseFake``,
nothing leaves the process), the records given as bytes. Held per record beyond the
payload's base64 text, which botocore makes and the fake keeps (185 bytes for 100 bytes):
the above, and the record's share of the call log.

Calls: single PutRecord calls of one 100-byte record through the engine (``World.handle``,
each request built as botocore's door builds it: its own ``amz-sdk-invocation-id``, a
SigV4 scope, base64 text), then the call log is cleared. Reported: the bytes the clearing
released per call, which is what the log alone holds (its entries, and whatever only they
reach), and the bytes held per call before it, beyond the payload (the call and the
record it put).

    python benchmarks/bench_firehose_memory.py
    python benchmarks/bench_firehose_memory.py --million
    python benchmarks/bench_firehose_memory.py --sizes 2000 50000

The package measured is the one under the current directory when it holds one (so that
``cd <checkout> && python .../bench_firehose_memory.py`` measures that checkout), else the
one beside this script. The goal: at most 200 bytes a record and 200 bytes a logged call.
The bytes do not vary with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from unittest import mock

_HERE = Path(__file__).resolve().parent
_ROOT = Path.cwd() if (Path.cwd() / "pytest_firehose").is_dir() else _HERE.parent
sys.path.insert(0, str(_ROOT))

from _offline import go_offline, kept_bytes, payload_text, refuse_network, traced  # noqa: E402

go_offline()

import boto3  # noqa: E402
from botocore.endpoint import Endpoint  # noqa: E402

from pytest_firehose import FirehoseFake  # noqa: E402
from pytest_firehose._clock import FakeClock  # noqa: E402
from pytest_firehose._destinations.base import MemoryDestination  # noqa: E402
from pytest_firehose._engine.world import World  # noqa: E402
from pytest_firehose._ids import IdSource  # noqa: E402
from pytest_firehose._services.firehose.model import FirehoseService  # noqa: E402
from pytest_firehose._wire.codec import HttpRequest  # noqa: E402

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
PER_PUT = 500
GOAL = 200
REGION = "us-east-1"
URL = f"https://firehose.{REGION}.amazonaws.com/"


def _batches(records: int) -> list[dict[str, Any]]:
    return [
        {
            "DeliveryStreamName": "s",
            "Records": [{"Data": payload_text(c, i)} for i in range(PER_PUT)],
        }
        for c in range(records // PER_PUT)
    ]


def bytes_per_record(records: int) -> float:
    """Bytes held per record accepted through the model's PutRecordBatch."""
    service = FirehoseService(
        account_id="123456789012",
        region=REGION,
        clock=FakeClock(T0),
        ids=IdSource(1),
        destination_for=lambda kind, config, region: MemoryDestination(),
    )
    service.dispatch("CreateDeliveryStream", {"DeliveryStreamName": "s"})
    batches = _batches(records)

    def put() -> None:
        for params in batches:
            service.put_batch(params, {})

    return kept_bytes(put) / records


def bytes_per_record_boto3(records: int) -> float:
    """Bytes held per record put through a boto3 client's PutRecordBatch, beyond the
    payload's base64 text."""
    batches = [
        [{"Data": f"{c:050d}{i:050d}".encode()} for i in range(PER_PUT)]
        for c in range(records // PER_PUT)
    ]
    text = sys.getsizeof(payload_text(0, 0))
    with mock.patch.object(Endpoint, "_send", refuse_network), FirehoseFake(seed=1) as fake:
        fake.firehose.create_delivery_stream("s")
        client = boto3.client("firehose", region_name=REGION)
        client.put_record_batch(DeliveryStreamName="s", Records=batches[0][:1])  # warm

        def put() -> None:
            for batch in batches:
                client.put_record_batch(DeliveryStreamName="s", Records=batch)

        return kept_bytes(put) / records - text


def _put_record(call: int) -> HttpRequest:
    """A PutRecord request as botocore's door hands it to the engine."""
    body = {"DeliveryStreamName": "s", "Record": {"Data": payload_text(call, 0)}}
    headers = {
        "x-amz-target": "Firehose_20150804.PutRecord",
        "content-type": "application/x-amz-json-1.1",
        "authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/firehose/"
        "aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0",
        "x-amz-date": "20240101T000000Z",
        "amz-sdk-invocation-id": str(uuid.uuid4()),
        "amz-sdk-request": "attempt=1; max=3",
    }
    return HttpRequest("POST", URL, headers, json.dumps(body).encode(), 60.0, True, body)


def bytes_per_call(calls: int) -> tuple[float, float]:
    """(bytes the call log alone holds per call, bytes held per call beyond the payload)
    for single PutRecord calls through the engine."""
    world = World(seed=1, clock=FakeClock(T0))
    world.firehose(REGION).dispatch("CreateDeliveryStream", {"DeliveryStreamName": "s"})
    payload = sys.getsizeof(payload_text(0, 0))
    with traced() as held:
        for call in range(calls):
            world.handle(_put_record(call), "firehose")
        everything = held()
        world.calls.clear()
        logged = everything - held()
    return logged / calls, everything / calls - payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10**4, 10**5])
    parser.add_argument("--million", action="store_true", help="also 10^6 records and calls")
    parser.add_argument(
        "--only", choices=["model", "boto3", "calls"], nargs="*", help="these measures only"
    )
    options = parser.parse_args()
    chosen = set(options.only or ["model", "boto3", "calls"])
    sizes = [*options.sizes, *([10**6] if options.million else [])]
    print(f"Python {platform.python_version()}, {platform.machine()}; package {_ROOT}")
    print(f"goal <= {GOAL} B per accepted record beyond its payload, <= {GOAL} B per logged call")
    for count in sizes:
        if "model" in chosen:
            kept = bytes_per_record(count)
            verdict = "ok" if kept <= GOAL else "MISS"
            print(f"{count:>9,} records (PutRecordBatch, model): {kept:,.0f} B/record ({verdict})")
        if "boto3" in chosen:
            kept = bytes_per_record_boto3(count)
            verdict = "ok" if kept <= GOAL else "MISS"
            print(f"{count:>9,} records (PutRecordBatch, boto3): {kept:,.0f} B/record ({verdict})")
        if "calls" not in chosen:
            continue
        logged, total = bytes_per_call(count)
        verdict = "ok" if logged <= GOAL else "MISS"
        print(
            f"{count:>9,} calls (PutRecord, engine): {logged:,.0f} B/call in the log ({verdict}); "
            f"{total:,.0f} B/call held with its record, beyond the payload",
            flush=True,
        )


if __name__ == "__main__":
    main()
