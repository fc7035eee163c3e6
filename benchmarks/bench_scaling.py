"""How a request's cost grows with the streams a world holds: it should not.

For Firehose delivery streams and Kinesis data streams alike, one boto3 client makes N
streams (CreateDeliveryStream / CreateStream, timed: the time per creation should not grow
with N), then times PutRecord of one 1 KiB record to one of them. The same is done with
a world of a single stream, interleaved with it (a round runs both back to back, in an
order that alternates). Reported: ms per creation, ms per put with 1 and with N streams,
and their ratio per round, median [min - max]; 1.0 means a request costs nothing per
other stream.

    python benchmarks/bench_scaling.py [--streams N] [--rounds R]

Nothing leaves the process: botocore's real HTTP send is replaced by one that raises.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from typing import Any
from unittest import mock

from _offline import go_offline, refuse_network

go_offline()

import boto3  # noqa: E402
from botocore.endpoint import Endpoint  # noqa: E402

from pytest_firehose import FirehoseFake  # noqa: E402

REGION = "us-east-1"
PUTS = 300
RECORD = b"x" * 1024


def _create(client: Any, service: str, name: str) -> None:
    if service == "firehose":
        client.create_delivery_stream(DeliveryStreamName=name)
    else:
        client.create_stream(StreamName=name, ShardCount=1)


def _put(client: Any, service: str, name: str) -> None:
    if service == "firehose":
        client.put_record(DeliveryStreamName=name, Record={"Data": RECORD})
    else:
        client.put_record(StreamName=name, Data=RECORD, PartitionKey="key")


def segment(clients: dict[str, Any], service: str, streams: int) -> tuple[float, float]:
    """Seconds per creation of ``streams`` streams, and per put, in a fresh world."""
    client = clients[service]
    with FirehoseFake(region=REGION):
        gc.collect()
        start = time.perf_counter()
        for index in range(streams):
            _create(client, service, f"stream-{index}")
        created = (time.perf_counter() - start) / streams
        target = f"stream-{streams // 2}"
        _put(client, service, target)
        gc.collect()
        start = time.perf_counter()
        for _ in range(PUTS):
            _put(client, service, target)
        put = (time.perf_counter() - start) / PUTS
    return created, put


def _spread(values: list[float], scale: float = 1.0) -> str:
    scaled = [value * scale for value in values]
    return f"{statistics.median(scaled):7.3f} [{min(scaled):.3f} - {max(scaled):.3f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=REGION)
    clients = {name: session.client(name) for name in ("firehose", "kinesis")}
    print(f"bench_scaling: {args.rounds} rounds, 1 and {args.streams} streams, {PUTS} puts")
    with mock.patch.object(Endpoint, "_send", refuse_network):
        for service in ("firehose", "kinesis"):
            one: list[float] = []
            many: list[float] = []
            creations: list[float] = []
            for index in range(args.rounds):
                sizes = (1, args.streams) if index % 2 == 0 else (args.streams, 1)
                for size in sizes:
                    created, put = segment(clients, service, size)
                    if size == 1:
                        one.append(put)
                    else:
                        many.append(put)
                        creations.append(created)
            ratios = [b / a for a, b in zip(one, many, strict=True)]
            print(f"\n{service}: median [min - max] over rounds")
            rows = (
                (f"ms per creation, {args.streams} streams", _spread(creations, 1e3)),
                ("ms per put, 1 stream", _spread(one, 1e3)),
                (f"ms per put, {args.streams} streams", _spread(many, 1e3)),
                (f"put with {args.streams} / with 1", _spread(ratios)),
            )
            for label, figures in rows:
                print(f"  {label:<32} {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
