"""What a Kinesis trigger, and a delivery stream's transformation Lambda, whose handler
always raises keep, per failed invocation.

A trigger's handler that always raises is retried, with Lambda's defaults, until its
records expire: about 10,800 invocations of the same batch in one ``drain()``; a
transformation's, ``NumberOfRetries`` times (up to 300) at each buffer sent, flush after
flush. Each invocation keeps what the handler raised, and so whatever that keeps alive;
what it keeps should not grow with the batch.

* ``raised``: one batch of R records of 1 KiB, a handler that always raises (the event it
  received among its local variables, as any handler's), ``MaximumRetryAttempts`` N:
  N + 1 invocations of the same batch in one ``drain()``.
* ``reported`` (the baseline): the same batch, retried as often, by a handler that returns
  its first record as a batch item failure (``ReportBatchItemFailures``): the same
  invocations, with nothing raised.

Reported for R = 1 and R = 100 (Lambda's default ``BatchSize``): bytes allocated by the
``drain()`` and still held after a collection while the trigger is alive (tracemalloc), per
invocation, for each, and raised - reported.

The transformation part, the same way: R records of 1 KiB put to a delivery stream whose
Lambda processor has ``NumberOfRetries`` N, sent by one ``flush()`` (N + 1 invocations):

* ``raised``: a handler that always raises (the event it received among its locals);
* ``timed out`` (the baseline): a handler that moves the fake clock past the function's
  timeout and returns: the same invocations, retried as often, with nothing raised.

Reported as bytes the ``flush()`` allocated and still held, per invocation. The bytes do not
vary with the machine's load.

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


def _raises_transforming(clock: Any) -> Any:
    def handler(event: dict[str, Any], context: Any) -> None:
        records = event["records"]
        raise ValueError(f"cannot transform {len(records)} records")

    return handler


def _times_out(clock: Any) -> Any:
    def handler(event: dict[str, Any], context: Any) -> None:
        clock.advance(seconds=4)  # past the function's 3 seconds

    return handler


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


def transformation_kept(make_handler: Any, records: int, retries: int) -> float:
    """Bytes a ``flush()`` of one buffer, sent to a transformation retried ``retries``
    times, keeps per invocation; ``make_handler(clock)`` makes the handler."""
    function = "arn:aws:lambda:us-east-1:123456789012:function:transform"
    parameters = {"LambdaArn": function, "NumberOfRetries": str(retries)}
    processor = {
        "Type": "Lambda",
        "Parameters": [{"ParameterName": k, "ParameterValue": v} for k, v in parameters.items()],
    }
    with FirehoseFake(region=REGION) as fake:
        fake.firehose.lambda_function(function, make_handler(fake.firehose.clock))
        stream = fake.firehose.create_delivery_stream(
            "t",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                "BucketARN": "arn:aws:s3:::landing",
                "ProcessingConfiguration": {"Enabled": True, "Processors": [processor]},
            },
        )
        client = boto3.client("firehose", region_name=REGION)
        client.put_record_batch(DeliveryStreamName="t", Records=[{"Data": PAYLOAD}] * records)
        with traced() as held:
            stream.flush()
            count = len(stream.invocations)
            assert count == retries + 1, count
            assert len(stream.processing_failed) == records
            return held() / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--retries", type=int, default=200, help="retries of a batch (300 at most: a processor's)"
    )
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
        transformation_kept(_times_out, 1, 1)  # the first delivery's one-off allocations
        for records in (1, 100):
            raised = transformation_kept(_raises_transforming, records, args.retries)
            timed_out = transformation_kept(_times_out, records, args.retries)
            print(f"\ntransformation: {records} record(s) of 1 KiB a buffer")
            print(f"  bytes kept per invocation, timed out  {timed_out:12,.0f}")
            print(f"  bytes kept per invocation, raised     {raised:12,.0f}")
            print(f"  raised - timed out                    {raised - timed_out:12,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
