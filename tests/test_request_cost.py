"""What a single put costs the process besides botocore's own work, counted rather than
timed: the package's Python functions one ``PutRecord`` runs, from botocore's send to the
answer it reads. Each count runs in an interpreter of its own, where nothing a test
imported (a time freezer the clock then looks for) adds to it."""

from __future__ import annotations

import pytest
from conftest import python_output

#: Counts the package's function calls (a generator's resumptions too) in each of 20
#: PutRecord calls after a few first ones (which read models and fill caches), and
#: prints the largest.
COUNT = """
import os
import sys

import boto3

import pytest_firehose
from pytest_firehose import FirehoseFake

SERVICE = sys.argv[1]
PACKAGE = os.path.dirname(pytest_firehose.__file__) + os.sep
with FirehoseFake(region="us-east-1") as fake:
    client = boto3.client(SERVICE, region_name="us-east-1")
    if SERVICE == "firehose":
        fake.firehose.create_delivery_stream("events")

        def put():
            client.put_record(DeliveryStreamName="events", Record={"Data": b"x" * 1024})
    else:
        fake.kinesis.create_stream("events", shard_count=4)

        def put():
            client.put_record(StreamName="events", Data=b"x" * 1024, PartitionKey="key")

    for _ in range(3):
        put()
    counts = []
    for _ in range(20):
        calls = [0]

        def count(frame, event, _arg):
            if event == "call" and frame.f_code.co_filename.startswith(PACKAGE):
                calls[0] += 1

        sys.setprofile(count)
        put()
        sys.setprofile(None)
        counts.append(calls[0])
    print(max(counts))
"""

#: The most a PutRecord may run (75 and 78 before the request path was cut down to 59 and
#: 61): a change that adds to a single put's path adds to every test's wait.
BUDGET = {"firehose": 64, "kinesis": 66}


@pytest.mark.parametrize("service", sorted(BUDGET))
def test_a_single_put_runs_few_of_the_package_functions(service: str) -> None:
    (counted,) = python_output(COUNT, service)
    assert int(counted) <= BUDGET[service], (
        f"a {service} PutRecord runs {counted} of pytest-firehose's Python functions, more "
        f"than the {BUDGET[service]} it is allowed: every single put in every test pays for "
        "each (benchmarks/bench_put.py and bench_kinesis.py time it against botocore alone)"
    )
