"""Frozen-time mode: the fake clock drives freezegun, and the code under test's own sleeps
pass fake time: in the test's thread, in threads it starts, and in asyncio."""

from __future__ import annotations

import asyncio
import datetime
import re
import sys
import textwrap
import threading
import time
import types
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import boto3
import freezegun.api
import pytest
from conftest import python_output
from freezegun import freeze_time
from freezegun.api import real_monotonic

from pytest_firehose import ClockRangeError, FirehoseFake
from pytest_firehose._doors import sleepers
from pytest_firehose._errors import UsageError

UTC = timezone.utc
#: Far less than the fake time the tests pass: a bound on "did not really sleep", never a
#: measure of speed.
REAL_SECONDS = 20.0


@pytest.fixture
def frozen() -> Iterator[FirehoseFake]:
    started = real_monotonic()
    with FirehoseFake(freeze_time=True) as fake:
        fake.firehose.create_delivery_stream("events")
        yield fake
    assert real_monotonic() - started < REAL_SECONDS, "a fake sleep really slept"


def resend_until_accepted(records: list[bytes], pause: float) -> list[datetime.datetime]:
    """A producer with its own retry loop: resend the failed records after ``pause``
    seconds of ``time.sleep``; returns ``datetime.now()`` at each attempt."""
    client = boto3.client("firehose")
    attempts = []
    while records:
        attempts.append(datetime.datetime.now(UTC))
        answer = client.put_record_batch(
            DeliveryStreamName="events", Records=[{"Data": data} for data in records]
        )
        records = [
            data
            for data, result in zip(records, answer["RequestResponses"], strict=True)
            if "ErrorCode" in result
        ]
        if records:
            time.sleep(pause)
    return attempts


def test_a_producer_that_sleeps_30_seconds_between_retries_finishes_at_once(
    frozen: FirehoseFake,
) -> None:
    frozen.firehose.fail(records=[1])
    frozen.firehose.fail(records=[0])  # the resent b"b" fails again
    clock = frozen.firehose.clock
    begun = clock.now()

    attempts = resend_until_accepted([b"a", b"b", b"c"], pause=30)

    assert attempts == [begun, begun + timedelta(seconds=30), begun + timedelta(seconds=60)]
    assert clock.elapsed == timedelta(seconds=60)
    assert [call.at for call in frozen.firehose.calls] == attempts
    frozen.firehose["events"].assert_delivered([b"a", b"b", b"c"])


def test_the_code_under_test_reads_the_fake_clock_everywhere(frozen: FirehoseFake) -> None:
    clock = frozen.firehose.clock
    before = (time.time(), time.monotonic(), time.perf_counter(), datetime.datetime.now(UTC))

    clock.advance(minutes=5)

    after = (time.time(), time.monotonic(), time.perf_counter(), datetime.datetime.now(UTC))
    moves = [later - earlier for earlier, later in zip(before[:3], after[:3], strict=True)]
    assert moves == [300, 300, 300]
    assert after[3] - before[3] == timedelta(minutes=5)
    assert after[3] == clock.now()


def test_a_sleep_lets_the_buffer_interval_pass(frozen: FirehoseFake) -> None:
    stream = frozen.firehose.create_delivery_stream(
        "buffered",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::landing",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        },
    )
    boto3.client("firehose").put_record(DeliveryStreamName="buffered", Record={"Data": b"a"})

    time.sleep(59)
    assert stream.delivered == []
    time.sleep(1)
    assert stream.delivered == [b"a"]


class BufferedProducer:
    """A producer as libraries write them: ``put`` buffers, a background thread sends the
    buffer every ``interval`` seconds of ``time.sleep``, ``close`` stops it and sends the
    rest."""

    def __init__(self, interval: float) -> None:
        self._client = boto3.client("firehose")
        self._interval = interval
        self._buffer: list[bytes] = []
        self._lock = threading.Lock()
        self._closed = False
        #: ``datetime.now()`` and ``time.monotonic()`` in the flusher thread, at each send.
        self.sent_at: list[datetime.datetime] = []
        self.sent_monotonic: list[float] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def put(self, data: bytes) -> None:
        with self._lock:
            self._buffer.append(data)

    def _run(self) -> None:
        while not self._closed:
            time.sleep(self._interval)
            self._send()

    def _send(self) -> None:
        with self._lock:
            batch, self._buffer = self._buffer, []
        if batch:
            self.sent_at.append(datetime.datetime.now(UTC))
            self.sent_monotonic.append(time.monotonic())
            self._client.put_record_batch(
                DeliveryStreamName="events", Records=[{"Data": data} for data in batch]
            )

    def close(self) -> None:
        self._closed = True
        self._thread.join()
        self._send()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


def test_a_background_flusher_sends_on_fake_time_in_step_with_the_test(
    frozen: FirehoseFake,
) -> None:
    firehose = frozen.firehose
    begun = firehose.clock.now()
    producer = BufferedProducer(interval=10)

    producer.put(b"a")
    producer.put(b"b")
    time.sleep(25)  # the flusher wakes at 10 and 20 while the test sleeps
    assert [call.records for call in firehose.calls] == [[b"a", b"b"]]
    producer.put(b"c")
    time.sleep(5)  # to 30: the flusher's third turn

    assert [call.records for call in firehose.calls] == [[b"a", b"b"], [b"c"]]
    assert producer.sent_at == [begun + timedelta(seconds=10), begun + timedelta(seconds=30)]
    first, second = producer.sent_monotonic
    assert second - first == 20
    assert [call.at for call in firehose.calls] == producer.sent_at
    # Stopped inside the test: a flusher left running would go on sleeping in real time
    # after the freeze, into later tests (one that forbids real sleeps saw its sleep).
    producer.close()
    assert not producer.running


def test_the_clocks_advance_lets_the_flusher_run_in_step_as_the_tests_sleep_does(
    frozen: FirehoseFake,
) -> None:
    """``clock.advance()`` in the test's thread stops at the flusher's wake times and waits
    for its turn there, as the test's own ``time.sleep()`` does: what it sent is there
    when ``advance`` returns, sent at its own instant."""
    firehose = frozen.firehose
    begun = firehose.clock.now()
    producer = BufferedProducer(interval=10)

    producer.put(b"a")
    assert firehose.clock.advance(seconds=25) == begun + timedelta(seconds=25)
    assert [call.records for call in firehose.calls] == [[b"a"]]
    producer.put(b"b")
    firehose.clock.advance(seconds=5)

    assert [call.records for call in firehose.calls] == [[b"a"], [b"b"]]
    assert producer.sent_at == [begun + timedelta(seconds=10), begun + timedelta(seconds=30)]
    assert [call.at for call in firehose.calls] == producer.sent_at
    producer.close()
    assert not producer.running
    assert firehose.clock.elapsed == timedelta(seconds=40)


def test_closing_a_producer_whose_flusher_sleeps_does_not_hang(frozen: FirehoseFake) -> None:
    firehose = frozen.firehose
    begun = firehose.clock.now()
    producer = BufferedProducer(interval=300)
    producer.put(b"a")

    producer.close()  # joins a thread asleep in fake time: its sleep ends as it would

    assert firehose.clock.now() == begun + timedelta(seconds=300)
    assert producer.sent_at == [begun + timedelta(seconds=300)]
    firehose["events"].assert_delivered([b"a"])


def test_a_thread_joined_after_the_tests_own_sleep_ends_at_its_wake_time(
    frozen: FirehoseFake,
) -> None:
    clock = frozen.firehose.clock
    time.sleep(1)  # the test has passed time before it joins
    begun = clock.now()
    woke_at: list[datetime.datetime] = []

    def sleep_an_hour() -> None:
        time.sleep(3600)
        woke_at.append(datetime.datetime.now(UTC))

    thread = threading.Thread(target=sleep_an_hour, daemon=True)
    thread.start()
    thread.join(REAL_SECONDS / 2)  # the sleep ends as it would have meanwhile

    assert woke_at == [begun + timedelta(hours=1)]


def test_a_thread_busy_before_its_first_sleep_wakes_at_its_own_time(
    frozen: FirehoseFake,
) -> None:
    begun = frozen.firehose.clock.now()
    woke_at: list[datetime.datetime] = []

    def work_then_sleep() -> None:
        # freezegun's own name for the real clock: the mode replaces this module's.
        busy_until = freezegun.api.real_monotonic() + 0.2
        while freezegun.api.real_monotonic() < busy_until:
            pass
        time.sleep(10)
        woke_at.append(datetime.datetime.now(UTC))

    thread = threading.Thread(target=work_then_sleep, daemon=True)
    thread.start()
    time.sleep(30)  # waits for the thread to reach its sleep, and stops at its wake time

    assert woke_at == [begun + timedelta(seconds=10)]
    thread.join(REAL_SECONDS)


def test_a_sleep_the_test_cannot_see_it_waits_on_ends_after_its_real_length(
    frozen: FirehoseFake,
) -> None:
    held = threading.Lock()
    held.acquire()

    def release_later() -> None:
        time.sleep(0.05)
        held.release()

    threading.Thread(target=release_later, daemon=True).start()
    # A bare lock: the test's thread shows no sign of waiting, so nothing moves the clock
    # for the sleeper, which then moves it itself after its 50 ms of real time.
    assert held.acquire(timeout=REAL_SECONDS)
    assert frozen.firehose.clock.elapsed == timedelta(milliseconds=50)


def test_a_thread_wakes_once_the_test_moves_its_freeze_past_the_threads_wake_time() -> None:
    held = threading.Lock()
    held.acquire()
    woke_at = []

    def release_in_an_hour() -> None:
        time.sleep(3600)
        woke_at.append(datetime.datetime.now(UTC))
        held.release()

    with freeze_time("2030-01-01 12:00:00") as frozen, FirehoseFake(freeze_time=True):
        threading.Thread(target=release_in_an_hour, daemon=True).start()
        time.sleep(1)  # the test's sleep first lets the thread reach its own
        frozen.tick(3600)  # not through the fake: the fake learns of it by looking
        # A bare lock: the test's thread shows no sign of waiting, so only the move itself
        # can end the sleep; it used to end after an hour of real time.
        assert held.acquire(timeout=REAL_SECONDS)
    assert woke_at == [datetime.datetime(2030, 1, 1, 13, 0, 1, tzinfo=UTC)]


def test_a_thread_that_was_running_before_the_test_sleeps_in_real_time() -> None:
    go, done = threading.Event(), threading.Event()

    def runner_thread() -> None:
        go.wait()
        time.sleep(0.001)
        done.set()

    thread = threading.Thread(target=runner_thread, daemon=True)
    thread.start()
    with FirehoseFake(freeze_time=True) as fake:
        go.set()
        assert done.wait(REAL_SECONDS)
        assert fake.firehose.clock.elapsed == timedelta(0)
    thread.join()


def test_asyncio_sleep_in_the_test_passes_fake_time(frozen: FirehoseFake) -> None:
    begun = frozen.firehose.clock.now()

    async def producer() -> list[datetime.datetime]:
        seen = []
        for _ in range(3):
            await asyncio.sleep(30)
            seen.append(datetime.datetime.now(UTC))
        return seen

    assert asyncio.run(producer()) == [begun + timedelta(seconds=s) for s in (30, 60, 90)]


def test_a_sleep_shorter_than_a_microsecond_passes_one(frozen: FirehoseFake) -> None:
    # The clock counts microseconds; a loop sleeping until the clock moves still ends.
    before = datetime.datetime.now()
    time.sleep(1e-7)
    assert datetime.datetime.now() - before == timedelta(microseconds=1)
    assert frozen.firehose.clock.elapsed == timedelta(microseconds=1)


def test_an_asyncio_sleep_of_no_time_only_yields(frozen: FirehoseFake) -> None:
    async def pauses() -> list[object]:
        return [await asyncio.sleep(0, "zero"), await asyncio.sleep(-1, "negative")]

    assert asyncio.run(pauses()) == ["zero", "negative"]
    assert frozen.firehose.clock.elapsed == timedelta(0)


def test_a_sleep_the_code_bound_itself_before_the_mode_passes_fake_time() -> None:
    # ``from time import sleep`` (and ``from asyncio import sleep``) in a module imported
    # before the test: its own names are replaced too, and put back afterwards.
    bound = types.ModuleType("bound_sleeps")
    bound.sleep = time.sleep
    bound.asleep = asyncio.sleep
    real_sleep, real_asleep = time.sleep, asyncio.sleep
    sys.modules["bound_sleeps"] = bound
    try:
        started = real_monotonic()
        with FirehoseFake(freeze_time=True) as fake:
            bound.sleep(5)
            asyncio.run(bound.asleep(5))
            assert fake.firehose.clock.elapsed == timedelta(seconds=10)
        assert real_monotonic() - started < REAL_SECONDS
        assert bound.sleep is real_sleep
        assert bound.asleep is real_asleep
    finally:
        del sys.modules["bound_sleeps"]


def test_an_idle_worker_of_a_thread_pool_does_not_hold_up_the_tests_sleeps(
    frozen: FirehoseFake,
) -> None:
    # asyncio.to_thread and run_in_executor leave the pool's worker thread waiting for its
    # next task in SimpleQueue.get, where no Python frame shows it waits: every sleep of
    # the test's thread took it for a thread still running, and waited for it to settle.
    begun = frozen.firehose.clock.now()

    async def poll() -> list[datetime.datetime]:
        seen = []
        for _ in range(6):
            await asyncio.to_thread(lambda: None)  # a checkpoint saved off the loop
            await asyncio.sleep(10)
            seen.append(datetime.datetime.now(UTC))
        return seen

    assert asyncio.run(poll()) == [begun + timedelta(seconds=10 * n) for n in range(1, 7)]


def test_botocore_backoff_moves_the_time_the_code_reads(frozen: FirehoseFake) -> None:
    frozen.firehose.fail(throttle=2)
    before = datetime.datetime.now(UTC)

    boto3.client("firehose").put_record(DeliveryStreamName="events", Record={"Data": b"a"})

    slept = timedelta(seconds=sum(frozen.firehose.clock.sleeps))
    assert len(frozen.firehose.clock.sleeps) == 2
    assert datetime.datetime.now(UTC) - before == pytest.approx(
        slept, abs=timedelta(microseconds=3)
    )


def test_a_freeze_inside_the_mode_is_followed_and_time_goes_on_from_where_it_left(
    frozen: FirehoseFake,
) -> None:
    clock = frozen.firehose.clock
    with freeze_time("2030-01-01 12:00:00"):
        time.sleep(10)
        assert clock.now() == datetime.datetime(2030, 1, 1, 12, 0, 10, tzinfo=UTC)

    time.sleep(5)
    assert clock.now() == datetime.datetime(2030, 1, 1, 12, 0, 15, tzinfo=UTC)
    assert datetime.datetime.now(UTC) == clock.now()


def test_a_freeze_active_before_the_mode_is_driven() -> None:
    with freeze_time("2030-01-01 12:00:00"), FirehoseFake(freeze_time=True) as fake:
        time.sleep(30)
        assert datetime.datetime.now() == datetime.datetime(2030, 1, 1, 12, 0, 30)
        assert fake.firehose.clock.elapsed == timedelta(seconds=30)


def test_the_mode_starts_where_asked() -> None:
    with FirehoseFake(freeze_time="2030-01-01 12:00:00") as fake:
        assert datetime.datetime.now() == datetime.datetime(2030, 1, 1, 12)
        assert fake.firehose.clock.now() == datetime.datetime(2030, 1, 1, 12, tzinfo=UTC)


def test_a_start_over_an_active_freeze_is_refused() -> None:
    with (
        freeze_time("2030-01-01"),
        pytest.raises(UsageError, match=r"drives that freeze\. Drop start=, or the other"),
        FirehoseFake(freeze_time="2031-01-01"),
    ):
        pass


@pytest.mark.parametrize("start", ["not a date", 3.5])
def test_a_bad_start_is_refused_naming_the_accepted_values(start: Any) -> None:
    with pytest.raises(UsageError, match="'2030-01-01 12:00:00'"):
        FirehoseFake(freeze_time=start)


@pytest.mark.parametrize(
    "start",
    [datetime.datetime(1960, 1, 1), "1969-12-31 23:59:59", "9000-01-01", datetime.date(9999, 1, 1)],
)
def test_a_start_outside_the_clocks_years_is_refused(start: Any) -> None:
    # Before 1970, GetRecords raised struct.error from inside the fake; past 9000 the clock
    # refused every advance() of the test.
    with pytest.raises(UsageError, match=r"is outside the fake clock's years \(1970 to 9000\)"):
        FirehoseFake(freeze_time=start)


def test_the_first_and_last_starts_of_the_clocks_years_are_taken() -> None:
    with FirehoseFake(freeze_time="1970-01-01") as fake:
        assert fake.firehose.clock.now() == datetime.datetime(1970, 1, 1, tzinfo=UTC)
    with FirehoseFake(freeze_time="8999-12-31 23:00:00") as fake:
        fake.firehose.clock.advance(minutes=59)


def test_an_advance_past_what_datetime_holds_is_refused_in_the_mode(frozen: FirehoseFake) -> None:
    # The test's advance() passes time as its sleep does; a move past the year 9999 is
    # refused as the plain clock refuses it, not with datetime's OverflowError.
    clock = frozen.firehose.clock
    before = clock.now()
    with pytest.raises(ClockRangeError, match=r"would move the fake clock past 9000-01-01"):
        clock.advance(days=3_000_000)
    assert clock.now() == before
    assert datetime.datetime.now(UTC) == before
    assert clock.elapsed == timedelta(0)


def test_sleep_keeps_pythons_own_errors(frozen: FirehoseFake) -> None:
    with pytest.raises(ValueError, match="sleep length must be non-negative"):
        time.sleep(-1)
    with pytest.raises(TypeError):
        time.sleep("1")  # type: ignore[arg-type]


def test_the_mode_ends_with_the_fake() -> None:
    real_sleep, real_asyncio_sleep = time.sleep, asyncio.sleep
    with FirehoseFake(freeze_time=True):
        assert time.sleep is not real_sleep
        assert asyncio.sleep is not real_asyncio_sleep
        assert datetime.datetime.__name__ == "FakeDatetime"
    assert time.sleep is real_sleep
    assert asyncio.sleep is real_asyncio_sleep
    assert datetime.datetime.__name__ == "datetime"


def test_a_sleep_kept_from_the_mode_sleeps_in_real_time_after_it() -> None:
    # Code that bound time.sleep while the mode was on still holds the fake: once the
    # mode is over, it sleeps for real, and the fake clock stays put.
    real_sleep = time.sleep
    with FirehoseFake(freeze_time=True) as fake:
        kept = time.sleep
    assert kept is not real_sleep
    clock = fake.firehose.clock
    before = clock.now()
    started = real_monotonic()
    kept(0.05)
    assert real_monotonic() - started >= 0.05
    assert clock.now() == before


# ---------------------------------------------------------------------- the plugin


def run(pytester: pytest.Pytester, body: str, ini: str = "") -> pytest.RunResult:
    pytester.makeini("[pytest]\n" + ini)
    pytester.makepyfile(test_inner=textwrap.dedent(body))
    return pytester.runpytest("-p", "no:cacheprovider")


MODE_TESTS = """
import datetime
import time
import types

import pytest


def moved(firehose):
    before = datetime.datetime.now()
    time.sleep(30)
    passed = datetime.datetime.now() - before
    return passed == firehose.clock.elapsed == datetime.timedelta(seconds=30)


@pytest.mark.firehose_freeze_time
def test_marked(firehose):
    assert moved(firehose)


@pytest.mark.firehose_freeze_time(start="2030-01-01 12:00:00")
def test_started(firehose):
    assert datetime.datetime.now() == datetime.datetime(2030, 1, 1, 12)


@pytest.mark.firehose_freeze_time(enabled=False)
def test_off(firehose):
    assert firehose.clock.elapsed == datetime.timedelta(0)
    assert time.sleep.__module__ == "time"


def test_unmarked(firehose):
    assert {expected}
"""


@pytest.mark.parametrize(("ini", "unmarked"), [("", False), ("firehose_freeze_time = true", True)])
def test_the_marker_and_the_ini_option_turn_the_mode_on(
    pytester: pytest.Pytester, ini: str, unmarked: bool
) -> None:
    expected = "moved(firehose)" if unmarked else "time.sleep.__module__ == 'time'"
    result = run(pytester, MODE_TESTS.format(expected=expected), ini=ini)

    result.assert_outcomes(passed=4)


def test_pytests_own_timings_stay_real_in_the_mode(pytester: pytest.Pytester) -> None:
    # pytest times each phase with the real clock it bound at import (--durations, the
    # JUnit XML report); the mode's freeze took that binding too, so a test that slept an
    # hour of fake time was reported to take an hour, its setup some 1.8e9 seconds. In a
    # process of its own, without pytest-freezer, whose ignore list would hide it.
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        test_inner="""
        import time

        import pytest

        @pytest.mark.firehose_freeze_time
        def test_sleeps_an_hour(firehose):
            time.sleep(3600)
            assert firehose.clock.elapsed.total_seconds() == 3600
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:freezer", "--durations=0", "-vv"
    )

    result.assert_outcomes(passed=1)
    durations = {
        match["phase"]: float(match["seconds"])
        for match in re.finditer(
            r"^(?P<seconds>-?[\d.]+)s (?P<phase>\w+) ", result.stdout.str(), re.M
        )
    }
    assert set(durations) == {"setup", "call", "teardown"}
    assert all(0 <= seconds < REAL_SECONDS for seconds in durations.values()), durations


def test_markers_lists_firehose_freeze_time_with_its_signature(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")

    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.firehose_freeze_time(*, enabled: bool = True, "
            "start: datetime | date | str | None = None): *"
        ]
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            "enable=False",
            "firehose_freeze_time() got an unexpected keyword argument 'enable'. "
            "Did you mean enabled=? Its keywords: enabled=, start=.",
        ),
        (
            "True",
            "firehose_freeze_time() takes 0 positional arguments but 1 was given. "
            "Its keywords: enabled=, start=.",
        ),
        ('enabled="no"', "firehose_freeze_time: enabled is True or False, not 'no'"),
        ('start="soon"', "firehose_freeze_time: freeze_time start 'soon' is not a time*"),
        # The start was dropped without a word: time ran unfrozen.
        (
            'enabled=False, start="2030-01-01"',
            "firehose_freeze_time: start= '2030-01-01' needs enabled=True; drop one of them",
        ),
    ],
    ids=["typo", "positional", "enabled", "start", "off-with-a-start"],
)
def test_a_bad_freeze_time_marker_fails_the_test_naming_the_argument(
    pytester: pytest.Pytester, arguments: str, message: str
) -> None:
    result = run(
        pytester,
        f"""
        import pytest

        @pytest.mark.firehose_freeze_time({arguments})
        def test_marked(firehose):
            pass
        """,
    )

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_marked*", f"@pytest.mark.{message}"])
    result.stdout.no_fnmatch_line("*During handling*")


def test_the_marker_on_a_test_without_the_fake_fails_naming_the_fix(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import pytest

        pytestmark = pytest.mark.firehose_freeze_time  # a module's marker asks nothing of each test

        def test_plain():
            pass

        @pytest.mark.firehose_freeze_time
        def test_marked():
            pass
        """,
    )

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_marked*",
            "@pytest.mark.firehose_freeze_time: this test uses no pytest-firehose fixture*",
        ]
    )


FREEZEGUN_UNUSED = """
import sys

import boto3

import pytest_firehose.plugin
from pytest_firehose import FirehoseFake

with FirehoseFake() as fake:
    fake.kinesis.create_stream("s")
    client = boto3.client("kinesis", region_name="us-east-1")
    client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    fake.kinesis.clock.advance(seconds=1)
print("freezegun" in sys.modules)
with FirehoseFake(freeze_time=True):
    pass
print("freezegun" in sys.modules)
"""


def test_freezegun_is_imported_only_once_frozen_time_mode_is_asked_for():
    """Importing freezegun takes longer than starting the fake: a run that never asks for
    the mode never imports it."""
    assert python_output(FREEZEGUN_UNUSED) == ["False", "True"]


def test_a_slow_answer_does_not_wait_for_a_thread_its_latency_wakes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The test's request holds the world while its latency passes: the producer woken on
    # the way puts once the answer is given, without holding up the answer till it settles.
    # Waiting for it would last the settle limit, made a minute here: far past the bound
    # the answer is held to, which only a regression reaches.
    monkeypatch.setattr(sleepers, "SETTLE_LIMIT", 60.0)
    real_seconds = time.monotonic  # taken before the freeze replaces it

    def producer() -> None:
        time.sleep(1)
        boto3.client("firehose").put_record(DeliveryStreamName="events", Record={"Data": b"t"})

    with FirehoseFake(freeze_time=True) as frozen:
        stream = frozen.firehose.create_delivery_stream("events")
        begun = frozen.firehose.clock.now()
        frozen.firehose.fail(latency=5, operation="PutRecord")
        thread = threading.Thread(target=producer, daemon=True)
        thread.start()
        started = real_seconds()
        boto3.client("firehose").put_record(DeliveryStreamName="events", Record={"Data": b"m"})
        answered = real_seconds() - started
        thread.join(REAL_SECONDS)

    assert answered < REAL_SECONDS
    assert [call.at - begun for call in stream.calls] == [timedelta(seconds=5)] * 2
    assert stream.records == [b"m", b"t"]
