"""What a Kinesis trigger whose handler always raises keeps, per failed invocation.

A handler that always raises is retried, with Lambda's defaults, until its records expire:
about 10,800 invocations of the same batch in one ``drain()``. Each invocation keeps what
the handler raised, and so whatever that keeps alive; what it keeps should not grow with
the batch.

* ``raised``: one batch of R records of 1 KiB, a handler that always raises (the event it
  received among its local variables, as any handler's), ``MaximumRetryAttempts`` N:
  N + 1 invocations of the same batch in one ``drain()``.
* ``reported`` (the baseline): the same batch, retried as often, by a handler that returns
  its first record as a batch item failure (``ReportBatchItemFailures``): the same
  invocations, with nothing raised.

Reported for R = 1 and R = 100 (Lambda's default ``BatchSize``): bytes allocated by the
``drain()`` and still held after a collection while the trigger is alive (tracemalloc), per
invocation, for each, and raised - reported. The bytes do not vary with the machine's load.

    python benchmarks/bench_lambda_memory.py [--retries N]

Nothing leaves the process: botocore's real HTTP send is replaced by one that raises.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any
from unittest import mock

from _offline import go_offline, refuse_network, traced

go_offline()

import boto3  # noqa: E402
from botocore.endpoint import Endpoint  # noqa: E402

from pytest_firehose import FirehoseFake  # noqa: E402

REGION = "us-east-1"
PAYLOAD = b"x" * 1024


def _raises(event: dict[str, Any], context: Any) -> None:
    records = event["Records"]
    raise ValueError(f"cannot process {len(records)} records")


def _reports(event: dict[str, Any], context: Any) -> dict[str, Any]:
    first = event["Records"][0]["kinesis"]["sequenceNumber"]
    return {"batchItemFailures": [{"itemIdentifier": first}]}


def kept(handler: Any, records: int, retries: int) -> float:
    """Bytes a ``drain()`` of one retried batch keeps, per invocation."""
    with FirehoseFake(region=REGION) as fake:
        stream = fake.kinesis.create_stream("s")
        client = boto3.client("kinesis", region_name=REGION)
        client.put_records(
            StreamName="s", Records=[{"Data": PAYLOAD, "PartitionKey": "p"}] * records
        )
        trigger = stream.lambda_trigger(
            handler,
            BatchSize=records,
            MaximumRetryAttempts=retries,
            FunctionResponseTypes=["ReportBatchItemFailures"],
        )
        with traced() as held:
            trigger.drain()
            count = len(trigger.invocations)
            assert count == retries + 1, count
            return held() / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--retries", type=int, default=200)
    args = parser.parse_args(argv)
    with mock.patch.object(Endpoint, "_send", refuse_network):
        print(
            f"bench_lambda_memory: {args.retries + 1} invocations, Python {sys.version.split()[0]}"
        )
        for records in (1, 100):
            raised = kept(_raises, records, args.retries)
            reported = kept(_reports, records, args.retries)
            print(f"\n{records} record(s) of 1 KiB a batch")
            print(f"  bytes kept per invocation, reported   {reported:12,.0f}")
            print(f"  bytes kept per invocation, raised     {raised:12,.0f}")
            print(f"  raised - reported                     {raised - reported:12,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
