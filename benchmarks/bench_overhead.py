"""What a test that uses the fake costs, against the same test under moto's ``mock_aws``.

The script writes two suites of N tests each (20 and 200 by default) into a temporary
directory, one for each variant. Every test does the same three things a typical test
does: starts the fake world (the ``firehose`` fixture; ``with mock_aws():`` for moto),
creates a delivery stream (ExtendedS3; moto first gets its bucket, since its Firehose
writes every put to its S3) and puts one 1 KiB record. The boto3 clients are made once
per module, as a suite would share them, so what is timed is the world and the calls.

Each suite runs as a whole pytest session in a fresh subprocess (``-p no:randomly
-p no:cacheprovider``); a round runs the four sessions (fake and moto, N small and large)
back to back, in an order that rotates. Reported, per variant: the session's wall time,
ms per test (session time / tests) and the marginal ms per test (large session minus
small one, over the tests between them: start-up cancels out), median [min - max] over
rounds; and moto/fake per round for both.

    python benchmarks/bench_overhead.py [--rounds R] [--small 20] [--large 200]

Nothing leaves the machine: the sessions get fake credentials and no network is used.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _offline import OFFLINE_ENV

ROLE = "arn:aws:iam::123456789012:role/firehose"
BUCKET = "bench-overhead-bucket"
PER_FILE = 20
VARIANTS = ("fake", "moto")

HEADER = {
    "fake": """import boto3

firehose_client = boto3.client("firehose", region_name="us-east-1")
""",
    "moto": """import boto3
from moto import mock_aws

firehose_client = boto3.client("firehose", region_name="us-east-1")
s3_client = boto3.client("s3", region_name="us-east-1")
""",
}

#: What every test does once its world runs: a create and a put.
CALLS = """firehose_client.create_delivery_stream(
    DeliveryStreamName="s{index}",
    ExtendedS3DestinationConfiguration={{
        "RoleARN": "{role}", "BucketARN": "arn:aws:s3:::{bucket}"
    }},
)
answer = firehose_client.put_record(DeliveryStreamName="s{index}", Record={{"Data": b"x" * 1024}})
assert answer["RecordId"]
"""


def source_of(variant: str, index: int) -> str:
    """One test of ``variant``: the fake's fixture, or moto's world (and bucket) around it."""
    calls = CALLS.format(index=index, role=ROLE, bucket=BUCKET)
    if variant == "fake":
        return f"\n\ndef test_{index}(firehose):\n" + textwrap.indent(calls, "    ")
    calls = f's3_client.create_bucket(Bucket="{BUCKET}")\n' + calls
    return f"\n\ndef test_{index}():\n    with mock_aws():\n" + textwrap.indent(calls, "        ")


def write_suite(root: Path, variant: str, tests: int) -> Path:
    """A directory of ``tests`` tests of ``variant``, ``PER_FILE`` to a file."""
    suite = root / f"{variant}_{tests}"
    suite.mkdir()
    for start in range(0, tests, PER_FILE):
        indices = range(start, min(start + PER_FILE, tests))
        text = HEADER[variant] + "".join(source_of(variant, index) for index in indices)
        (suite / f"test_{variant}_{start // PER_FILE:03d}.py").write_text(text)
    return suite


def session(suite: Path, tests: int) -> float:
    """Wall seconds of one pytest session of ``suite``; it must pass every test."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        str(suite),
    ]
    env = {**os.environ, **OFFLINE_ENV}
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=suite)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or f"{tests} passed" not in done.stdout:
        raise RuntimeError(f"{suite.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def _spread(values: list[float], scale: float = 1.0) -> str:
    scaled = [value * scale for value in values]
    return f"{statistics.median(scaled):8.2f} [{min(scaled):.2f} - {max(scaled):.2f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--large", type=int, default=200)
    args = parser.parse_args(argv)
    sizes = (args.small, args.large)
    print(
        f"bench_overhead: {args.rounds} rounds of suites of {sizes[0]} and {sizes[1]} tests, "
        f"fake and moto; python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    times: dict[tuple[str, int], list[float]] = {(v, n): [] for v in VARIANTS for n in sizes}
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        suites = {(v, n): write_suite(root, v, n) for v in VARIANTS for n in sizes}
        runs = [(v, n) for n in sizes for v in VARIANTS]
        for index in range(args.rounds):
            shift = index % len(runs)
            for variant, tests in runs[shift:] + runs[:shift]:
                times[variant, tests].append(session(suites[variant, tests], tests))
            print(f"  round {index + 1}/{args.rounds} done", flush=True)
    small, large = sizes
    marginal = {
        v: [
            (b - a) / (large - small) for a, b in zip(times[v, small], times[v, large], strict=True)
        ]
        for v in VARIANTS
    }
    print("\nmedian [min - max] over rounds")
    for variant in VARIANTS:
        for tests in sizes:
            per_test = [t / tests for t in times[variant, tests]]
            print(
                f"  {variant} {tests:>4} tests: session s {_spread(times[variant, tests])}, "
                f"ms per test {_spread(per_test, 1e3)}"
            )
        print(f"  {variant} marginal ms per test: {_spread(marginal[variant], 1e3)}")
    print("\nmoto/fake, per round")
    for tests in sizes:
        ratios = [m / f for f, m in zip(times["fake", tests], times["moto", tests], strict=True)]
        print(f"  session of {tests:>4} tests:     {_spread(ratios)}")
    ratios = [m / f for f, m in zip(marginal["fake"], marginal["moto"], strict=True)]
    print(f"  marginal time per test:   {_spread(ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
