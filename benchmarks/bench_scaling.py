"""How the cost of a request, and of a clock move, grows with the streams a world holds
(it should not), and what a 25-hour replay costs per event.

* puts: for Firehose delivery streams and Kinesis data streams alike, one boto3 client
  makes N streams (CreateDeliveryStream / CreateStream, timed: the time per creation
  should not grow with N), then times PutRecord of one 1 KiB record to one of them.
* moves: a world of N idle streams (made through the fake's handles, the time per
  creation of the last tenth against the first tenth's reported: it should not grow) has
  its clock moved by a second at a time; timed per move.
* source: a Kinesis stream of one shard, read by a delivery stream (KinesisStreamAsSource),
  holds N records (put 500 at a time, 1 KiB each, within one buffer interval), then times
  PutRecord of one record to it: the delivery stream reads its source after every Kinesis
  request, which should cost nothing per record it read before. Against 10^3 records.
* replay: one delivery stream whose destination is down takes 10^5 records of 1 KiB
  (PutRecordBatch of 500, a second apart, 1 MiB buffers), then the clock moves 25 hours in
  one ``advance``: with the destination still down, every batch is retried with backoff
  until its records expire; with it up again, each batch goes at its next retry. Timed per
  event (delivery attempts and expiries), against the same replay of 10^4 records.

Each is interleaved with its baseline (1 stream; 10^4 records): a round runs both back to
back, in an order that alternates. Reported: the figures per variant and their ratio per
round, median [min - max]; 1.0 means no cost per other stream (per event: no cost per
record waiting).

    python benchmarks/bench_scaling.py [--streams N] [--rounds R] [--records N]
    python benchmarks/bench_scaling.py --only moves

Nothing leaves the process: botocore's real HTTP send is replaced by one that raises.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

from _offline import go_offline, interleaved, refuse_network

go_offline()

import boto3  # noqa: E402
from botocore.endpoint import Endpoint  # noqa: E402

from pytest_firehose import FirehoseFake  # noqa: E402
from pytest_firehose._destinations.pipeline import Delivery  # noqa: E402

REGION = "us-east-1"
PUTS = 300
MOVES = 300
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


def source_segment(client: Any, records: int) -> float:
    """Seconds per Kinesis PutRecord to a stream holding ``records`` records that a
    delivery stream reads, in a fresh world."""
    with FirehoseFake(region=REGION) as fake:
        stream = fake.kinesis.create_stream("clicks", 1)
        fake.firehose.create_delivery_stream(
            "events",
            DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration={
                "KinesisStreamARN": stream.arn,
                "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            },
            ExtendedS3DestinationConfiguration={
                "BucketARN": "arn:aws:s3:::bench",
                "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 900},
            },
        )
        batch = [{"Data": RECORD, "PartitionKey": f"key-{i}"} for i in range(500)]
        for _ in range(records // 500):
            client.put_records(StreamName="clicks", Records=batch)
        client.put_record(StreamName="clicks", Data=RECORD, PartitionKey="key")
        gc.collect()
        start = time.perf_counter()
        for _ in range(PUTS):
            client.put_record(StreamName="clicks", Data=RECORD, PartitionKey="key")
        return (time.perf_counter() - start) / PUTS


def move_segment(service: str, streams: int) -> tuple[float, float]:
    """Seconds per one-second move of the clock of a world of ``streams`` idle streams, and
    the time per handle creation of the last tenth of those streams over the first tenth's
    (1.0: a creation costs nothing per stream already there)."""
    with FirehoseFake(region=REGION) as fake:
        tenth = max(streams // 10, 1)
        stamps = []
        for index in range(streams):
            if index % tenth == 0:
                stamps.append(time.perf_counter())
            if service == "firehose":
                fake.firehose.create_delivery_stream(f"stream-{index}")
            else:
                fake.kinesis.create_stream(f"stream-{index}")
        stamps.append(time.perf_counter())
        growth = (stamps[-1] - stamps[-2]) / (stamps[1] - stamps[0]) if len(stamps) > 2 else 1.0
        clock = fake.firehose.clock
        clock.advance(seconds=1)  # the first settle after the handles made the streams
        gc.collect()
        start = time.perf_counter()
        for _ in range(MOVES):
            clock.advance(seconds=1)
        return (time.perf_counter() - start) / MOVES, growth


class _Events:
    """Counts the delivery attempts and expiries of every delivery while active."""

    def __init__(self) -> None:
        self.count = 0
        self._patches = [
            mock.patch.object(Delivery, name, self._counted(getattr(Delivery, name)))
            for name in ("_attempt", "_expire")
        ]

    def _counted(self, method: Callable[..., None]) -> Callable[..., None]:
        def counted(delivery: Delivery, *args: Any) -> None:
            self.count += 1
            method(delivery, *args)

        return counted

    def __enter__(self) -> _Events:
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for patch in self._patches:
            patch.stop()


def replay_segment(client: Any, records: int, recovers: bool) -> tuple[float, int]:
    """Seconds per event, and events, of a 25-hour ``advance`` over ``records`` pending
    records (the destination down while they came; up again first when ``recovers``)."""
    with FirehoseFake(region=REGION) as fake:
        stream = fake.firehose.create_delivery_stream("replay")
        # 1 MiB buffers instead of the 5 MiB default: more batches wait (the in-memory
        # destination takes no BufferingHints of its own).
        fake.world.firehose().streams["replay"].delivery.size = 1024 * 1024
        stream.destination_down()
        clock = fake.firehose.clock
        batch = [{"Data": RECORD}] * 500
        for _ in range(records // len(batch)):
            client.put_record_batch(DeliveryStreamName="replay", Records=batch)
            clock.advance(seconds=1)
        if recovers:
            stream.destination_up()
        clock.advance(seconds=0)  # the settle after the handles' changes, untimed
        gc.collect()
        with _Events() as events:
            start = time.perf_counter()
            clock.advance(hours=25)
            elapsed = time.perf_counter() - start
        done = stream.expired if not recovers else stream.delivered
        if len(done) != records or stream.pending:
            raise RuntimeError(f"replay of {records} records: {len(done)} done")
        return elapsed / max(events.count, 1), events.count


def _spread(values: list[float], scale: float = 1.0) -> str:
    scaled = [value * scale for value in values]
    return f"{statistics.median(scaled):7.3f} [{min(scaled):.3f} - {max(scaled):.3f}]"


def _ratios(base: list[float], other: list[float]) -> list[float]:
    return [b / a for a, b in zip(base, other, strict=True)]


def _print(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{title}: median [min - max] over rounds")
    for label, figures in rows:
        print(f"  {label:<36} {figures}")


def bench_puts(clients: dict[str, Any], streams: int, rounds: int) -> None:
    for service in ("firehose", "kinesis"):
        one: list[float] = []
        many: list[float] = []
        creations: list[float] = []
        for index in range(rounds):
            sizes = (1, streams) if index % 2 == 0 else (streams, 1)
            for size in sizes:
                created, put = segment(clients, service, size)
                if size == 1:
                    one.append(put)
                else:
                    many.append(put)
                    creations.append(created)
        _print(
            f"{service} puts",
            [
                (f"ms per creation, {streams} streams", _spread(creations, 1e3)),
                ("ms per put, 1 stream", _spread(one, 1e3)),
                (f"ms per put, {streams} streams", _spread(many, 1e3)),
                (f"put with {streams} / with 1", _spread(_ratios(one, many))),
            ],
        )


def bench_moves(streams: int, rounds: int) -> None:
    for service in ("firehose", "kinesis"):
        one: list[float] = []
        many: list[float] = []
        growth: list[float] = []
        for index in range(rounds):
            sizes = (1, streams) if index % 2 == 0 else (streams, 1)
            for size in sizes:
                per_move, grew = move_segment(service, size)
                (one if size == 1 else many).append(per_move)
                if size != 1:
                    growth.append(grew)
        _print(
            f"{service} clock moves ({MOVES} a segment)",
            [
                ("ms per move, 1 stream", _spread(one, 1e3)),
                (f"ms per move, {streams} idle streams", _spread(many, 1e3)),
                (f"move with {streams} / with 1", _spread(_ratios(one, many))),
                (f"handle creation, last / first {streams // 10}", _spread(growth)),
            ],
        )


def bench_source(client: Any, records: int, rounds: int) -> None:
    baseline = 1000
    small, large = interleaved(
        rounds, lambda: source_segment(client, baseline), lambda: source_segment(client, records)
    )
    _print(
        "Kinesis puts to a stream a delivery stream reads",
        [
            (f"ms per put, {baseline:,} records held", _spread(small, 1e3)),
            (f"ms per put, {records:,} records held", _spread(large, 1e3)),
            (f"put with {records:,} / with {baseline:,}", _spread(_ratios(small, large))),
        ],
    )


def bench_replay(client: Any, records: int, rounds: int) -> None:
    baseline = records // 10
    for recovers in (False, True):
        small: list[float] = []
        large: list[float] = []
        events: dict[int, int] = {}
        for index in range(rounds):
            sizes = (baseline, records) if index % 2 == 0 else (records, baseline)
            for size in sizes:
                per_event, events[size] = replay_segment(client, size, recovers)
                (small if size == baseline else large).append(per_event)
        state = "up again" if recovers else "down"
        _print(
            f"25-hour replay, destination {state}",
            [
                (f"us per event, {baseline:,} records", _spread(small, 1e6)),
                (f"events, {baseline:,} records", f"{events[baseline]:7,}"),
                (f"us per event, {records:,} records", _spread(large, 1e6)),
                (f"events, {records:,} records", f"{events[records]:7,}"),
                (f"per event {records:,} / {baseline:,}", _spread(_ratios(small, large))),
            ],
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--records", type=int, default=10**5, help="source and replay (default 10^5)"
    )
    parser.add_argument("--only", choices=["puts", "moves", "source", "replay"])
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=REGION)
    clients = {name: session.client(name) for name in ("firehose", "kinesis")}
    print(
        f"bench_scaling: {args.rounds} rounds, 1 and {args.streams} streams, {PUTS} puts, "
        f"{MOVES} moves; replay of {args.records // 10:,} and {args.records:,} records"
    )
    with mock.patch.object(Endpoint, "_send", refuse_network):
        if args.only in (None, "puts"):
            bench_puts(clients, args.streams, args.rounds)
        if args.only in (None, "moves"):
            bench_moves(args.streams, args.rounds)
        if args.only in (None, "source"):
            bench_source(clients["kinesis"], args.records, args.rounds)
        if args.only in (None, "replay"):
            bench_replay(clients["firehose"], args.records, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
