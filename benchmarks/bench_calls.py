"""Python function calls one single put makes, the fake against botocore's own (the floor).

A count, not a time: it is the same on every run of one Python and botocore, whatever the
machine's load, so it tells a change to the fake's request path from noise. Each variant
makes a 1 KiB ``PutRecord`` (Firehose and Kinesis) through one boto3 client, in a child
interpreter of its own (nothing a test imported adds to it), and counts, with
``sys.setprofile``, every Python function call (a generator's resumptions too) of 20 puts
after 3 first ones that read models and fill caches:

* ``floor``: a ``before-send`` handler answers with the very body and headers the fake
  answered the same put with (captured first in the same child): botocore's own calls.
* ``fake``: ``FirehoseFake()``; the calls of pytest-firehose's own modules are also
  counted apart.

Reported per put: all calls of each variant, fake/floor, and the package's own calls.

    python benchmarks/bench_calls.py
    PYTHONPATH=/elsewhere/checkout python benchmarks/bench_calls.py   # another checkout
"""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = """
import os
import sys

import boto3
from botocore.awsrequest import AWSResponse

import pytest_firehose
from pytest_firehose import FirehoseFake

SERVICE, VARIANT = sys.argv[1], sys.argv[2]
PACKAGE = os.path.dirname(pytest_firehose.__file__) + os.sep


def counted(put):
    for _ in range(3):
        put()
    counts = []
    for _ in range(20):
        seen = [0, 0]

        def count(frame, event, _arg):
            if event == "call":
                seen[0] += 1
                if frame.f_code.co_filename.startswith(PACKAGE):
                    seen[1] += 1

        sys.setprofile(count)
        put()
        sys.setprofile(None)
        counts.append(tuple(seen))
    return max(counts)


with FirehoseFake(region="us-east-1") as fake:
    client = boto3.client(SERVICE, region_name="us-east-1")
    if SERVICE == "firehose":
        fake.firehose.create_delivery_stream("events")

        def put():
            return client.put_record(DeliveryStreamName="events", Record={"Data": b"x" * 1024})
    else:
        fake.kinesis.create_stream("events", shard_count=4)

        def put():
            return client.put_record(StreamName="events", Data=b"x" * 1024, PartitionKey="key")

    answered = []
    client.meta.events.register(
        "after-call", lambda http_response, **_: answered.append(http_response)
    )
    put()
    if VARIANT == "fake":
        print(*counted(put))
        raise SystemExit
    last = answered[-1]
    status, headers, body = last.status_code, dict(last.headers), last.content

client = boto3.client(SERVICE, region_name="us-east-1")
client.meta.events.register(
    "before-send", lambda **_: AWSResponse("https://fake", status, headers, _Raw(body))
)


class _Raw:
    def __init__(self, body):
        self._body = body

    def stream(self, **_):
        yield self._body


print(*counted(put))
"""


def _count(service: str, variant: str) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, service, variant],
        # Not the checkout's root: the package measured is the one the path says.
        cwd=os.path.dirname(os.path.abspath(__file__)),
        capture_output=True,
        text=True,
        check=True,
    )
    total, own = done.stdout.split()
    return int(total), int(own)


def main() -> None:
    print(f"Python {sys.version.split()[0]}; Python function calls per 1 KiB PutRecord")
    print(f"{'':24}{'floor':>8}{'fake':>8}{'fake/floor':>12}{'package':>9}")
    for service in ("firehose", "kinesis"):
        floor, _ = _count(service, "floor")
        fake, own = _count(service, "fake")
        print(f"{service + ' PutRecord':24}{floor:>8}{fake:>8}{fake / floor:>12.2f}{own:>9}")


if __name__ == "__main__":
    main()
