"""Retry cost: a PutRecordBatch throttled four times, then accepted, against the fake.

One process, one boto3 session, a fresh firehose client per call (so that the
retry quota of standard/adaptive mode never runs dry), each call a 100-record
PutRecordBatch that meets ``fake.firehose.fail(throttle=4)``: four whole-call
``ServiceUnavailableException`` answers, then success on the fifth attempt.

* ``legacy``: botocore's legacy retry mode (5 attempts by default).
* ``adaptive``: ``Config(retries={"mode": "adaptive", "total_max_attempts": 5})``, so the
  four throttles fit; adaptive mode also runs the client-side rate limiter.

Per mode it reports the median and maximum wall time per call (target: median < 50 ms,
however long botocore's backoff asked to wait), how far the fake clock moved per call,
and the delays botocore's retry handler asked for (read from the client's own
``needs-retry`` events). The check: for every call, the clock's recorded sleeps equal the
requested delays and their sum equals the clock's advance, i.e. the backoff passed fake
time and only fake time.

    python benchmarks/bench_retry.py [--calls N] [--check]

Exit code 0 (a report), unless ``--check``: then 1 when a target is missed.
Nothing leaves the process: every Firehose request is answered by the fake, and the fake
refuses any other request that reaches botocore's HTTP layer.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from _offline import go_offline

go_offline()

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.hooks import first_non_none_response  # noqa: E402

from pytest_firehose import FirehoseFake  # noqa: E402

REGION = "us-east-1"
STREAM = "bench-retry"
RECORDS = 100
RECORD_BYTES = 512
THROTTLES = 4
WARMUP_CALLS = 2
TARGET_MS = 50.0
#: Fake time and requested delays are compared to the clock's resolution (1 microsecond).
TOLERANCE_S = 1e-5

MODES: dict[str, dict[str, Any]] = {
    "legacy": {"mode": "legacy"},
    "adaptive": {"mode": "adaptive", "total_max_attempts": THROTTLES + 1},
}


@dataclass
class CallSample:
    wall_s: float
    attempts: int
    advance_s: float
    sleeps: list[float]
    asked: list[float]

    @property
    def consistent(self) -> bool:
        """Sleeps are the requested delays, and they add up to the clock's advance."""
        return (
            len(self.sleeps) == len(self.asked)
            and all(abs(s - a) <= TOLERANCE_S for s, a in zip(self.sleeps, self.asked, strict=True))
            and abs(sum(self.sleeps) - self.advance_s) <= TOLERANCE_S * max(1, len(self.sleeps))
        )


@dataclass
class ModeResult:
    mode: str
    samples: list[CallSample] = field(default_factory=list)


def spy_on_retry_delays(client: Any) -> list[float]:
    """The delays botocore's retry handler asks ``Endpoint`` to wait, as they are asked."""
    asked: list[float] = []
    events = client.meta.events
    emit = events.emit

    def spy(event_name: str, **kwargs: Any) -> Any:
        responses = emit(event_name, **kwargs)
        if event_name.startswith("needs-retry."):
            delay = first_non_none_response(responses)
            if delay not in (None, False):
                asked.append(float(delay))
        return responses

    events.emit = spy
    return asked


def run_mode(mode: str, calls: int) -> ModeResult:
    result = ModeResult(mode)
    records = [{"Data": bytes([65 + i % 26]) * RECORD_BYTES} for i in range(RECORDS)]
    with FirehoseFake(region=REGION, seed=1) as fake:
        fake.firehose.create_delivery_stream(STREAM)
        session = boto3.session.Session(region_name=REGION)
        clock = fake.world.clock
        for index in range(WARMUP_CALLS + calls):
            # A fresh client per call, made before the clock starts: in standard and adaptive
            # modes a client's retry quota runs dry after about a dozen calls that each need
            # four retries, and botocore then stops retrying (as it would in production).
            client = session.client("firehose", config=Config(retries=dict(MODES[mode])))
            asked = spy_on_retry_delays(client)
            fake.firehose.fail(throttle=THROTTLES)
            sleeps_before, clock_before = len(clock.sleeps), clock.now()
            started = time.perf_counter()
            answer = client.put_record_batch(DeliveryStreamName=STREAM, Records=records)
            wall = time.perf_counter() - started
            if answer["FailedPutCount"] != 0:
                raise SystemExit(f"{mode}: the batch was not accepted: {answer!r}")
            if index < WARMUP_CALLS:
                continue
            result.samples.append(
                CallSample(
                    wall_s=wall,
                    attempts=answer["ResponseMetadata"]["RetryAttempts"] + 1,
                    advance_s=(clock.now() - clock_before).total_seconds(),
                    sleeps=list(clock.sleeps[sleeps_before:]),
                    asked=list(asked),
                )
            )
        stored = len(fake.firehose[STREAM].records)
        if stored != RECORDS * (WARMUP_CALLS + calls):
            raise SystemExit(f"{mode}: the stream holds {stored} records, not one per record sent")
    return result


def _delays(values: list[float]) -> str:
    return "[" + ", ".join(f"{value:.3f}" for value in values) + "]"


def report(results: list[ModeResult]) -> list[tuple[bool, str]]:
    print(f"\n{'mode':<9} {'attempts':>8} {'median ms':>10} {'max ms':>8} {'fake s/call':>12}")
    for result in results:
        walls = [s.wall_s * 1e3 for s in result.samples]
        advances = [s.advance_s for s in result.samples]
        attempts = sorted({s.attempts for s in result.samples})
        print(
            f"{result.mode:<9} {'/'.join(map(str, attempts)):>8} {statistics.median(walls):10.2f}"
            f" {max(walls):8.2f} {statistics.median(advances):12.3f}"
        )
    print("\nper call: fake clock advance = sum of botocore's requested delays (first 3 calls)")
    for result in results:
        for number, sample in enumerate(result.samples[:3], 1):
            print(
                f"  {result.mode:<9} call {number}: advance {sample.advance_s:.6f} s, "
                f"requested {_delays(sample.asked)} (sum {sum(sample.asked):.6f} s), "
                f"clock sleeps {_delays(sample.sleeps)}"
            )
    verdicts: list[tuple[bool, str]] = []
    for result in results:
        walls = [s.wall_s * 1e3 for s in result.samples]
        median = statistics.median(walls)
        slept = statistics.median(s.advance_s for s in result.samples)
        verdicts.append(
            (
                median < TARGET_MS,
                f"{result.mode}: median wall time per call {median:.2f} ms < {TARGET_MS:.0f} ms "
                f"(max {max(walls):.2f} ms; botocore asked for {slept:.3f} s of backoff)",
            )
        )
        attempts = [s.attempts for s in result.samples]
        verdicts.append(
            (
                all(a == THROTTLES + 1 for a in attempts),
                f"{result.mode}: every call took {THROTTLES + 1} attempts "
                f"(seen: {sorted(set(attempts))})",
            )
        )
        bad = [i for i, s in enumerate(result.samples, 1) if not s.consistent]
        verdicts.append(
            (
                not bad,
                f"{result.mode}: fake clock advance == sum of requested delays in "
                f"{len(result.samples) - len(bad)}/{len(result.samples)} calls"
                + (f" (not in calls {bad[:5]})" if bad else ""),
            )
        )
    print()
    for ok, line in verdicts:
        print(f"{'PASS' if ok else 'MISS'} {line}")
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20, help="measured calls per mode (20)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.calls < 1:
        parser.error("--calls must be 1 or more")

    print(
        f"bench_retry: PutRecordBatch of {RECORDS} x {RECORD_BYTES} B, throttled {THROTTLES} "
        f"times then accepted; {args.calls} calls per mode after {WARMUP_CALLS} warm-up calls"
    )
    print(
        f"Python {platform.python_version()}, botocore {botocore.__version__}, "
        f"boto3 {boto3.__version__}, {platform.system()} {platform.machine()}"
    )
    results = [run_mode(mode, args.calls) for mode in MODES]
    verdicts = report(results)
    missed = [line for ok, line in verdicts if not ok]
    if args.check and missed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
