"""Frozen-time mode: a thread the test starts that paces itself with a timed wait
(``Event.wait(t)``, ``Queue.get(timeout=t)``) waits in fake time, in step with the test,
as one that sleeps does; what it waits for still ends its wait at once."""

from __future__ import annotations

import datetime
import queue
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta, timezone
from typing import Any

import boto3
import pytest
from freezegun import freeze_time
from freezegun.api import real_monotonic
from test_freeze_time import REAL_SECONDS, BufferedProducer

from pytest_firehose import FirehoseFake

UTC = timezone.utc


@pytest.fixture
def frozen() -> Iterator[FirehoseFake]:
    started = real_monotonic()
    with FirehoseFake(freeze_time=True) as fake:
        fake.firehose.create_delivery_stream("events")
        yield fake
    assert real_monotonic() - started < REAL_SECONDS, "a fake wait really waited"


def put_batch(client: Any, batch: list[bytes]) -> None:
    client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": d} for d in batch])


class EventPacedProducer(BufferedProducer):
    """A producer as logging handlers write them: ``put`` buffers, a thread sends the
    buffer each time ``stop.wait(interval)`` times out, ``close`` sets ``stop``, joins the
    thread and sends the rest."""

    def __init__(self, interval: float) -> None:
        self._stop = threading.Event()
        super().__init__(interval)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._send()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(REAL_SECONDS)
        assert not self._thread.is_alive()
        self._send()


class QueuePacedProducer:
    """A producer that takes records from a queue and sends what it holds when
    ``queue.get(timeout=interval)`` raises ``Empty``; ``None`` ends it."""

    def __init__(self, interval: float, make: Callable[[], queue.Queue[Any]]) -> None:
        self._client = boto3.client("firehose")
        self._queue = make()
        self._interval = interval
        #: ``datetime.now()`` in the thread when it took each record, and at each send.
        self.taken_at: list[datetime.datetime] = []
        self.sent_at: list[datetime.datetime] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def put(self, data: bytes) -> None:
        self._queue.put(data)

    def _run(self) -> None:
        held: list[bytes] = []
        while True:
            try:
                data = self._queue.get(timeout=self._interval)
            except queue.Empty:
                if held:
                    self.sent_at.append(datetime.datetime.now(UTC))
                    put_batch(self._client, held)
                    held = []
                continue
            if data is None:
                return
            self.taken_at.append(datetime.datetime.now(UTC))
            held.append(data)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(REAL_SECONDS)
        assert not self._thread.is_alive()


@pytest.mark.parametrize("driver", ["sleep", "advance"])
def test_a_flusher_paced_by_an_events_wait_sends_in_step_with_the_tests_moves(
    frozen: FirehoseFake, driver: str
) -> None:
    """The test's sleep and the clock's ``advance`` both stop at the wait's deadlines, as at
    a sleeper's."""
    firehose = frozen.firehose
    move: Callable[[float], Any] = (
        time.sleep if driver == "sleep" else lambda seconds: firehose.clock.advance(seconds=seconds)
    )
    begun = firehose.clock.now()
    producer = EventPacedProducer(interval=10)

    producer.put(b"a")
    move(25)  # the wait times out at 10 and 20 while the test moves the clock
    assert [call.records for call in firehose.calls] == [[b"a"]]
    producer.put(b"b")
    move(5)  # to 30: its third turn

    assert [call.records for call in firehose.calls] == [[b"a"], [b"b"]]
    assert producer.sent_at == [begun + timedelta(seconds=10), begun + timedelta(seconds=30)]
    assert [call.at for call in firehose.calls] == producer.sent_at
    producer.close()  # the event set ends the wait at once: no time passes
    assert firehose.clock.now() == begun + timedelta(seconds=30)


@pytest.mark.parametrize("make", [queue.Queue, queue.LifoQueue, queue.PriorityQueue])
def test_a_flusher_paced_by_a_queues_get_takes_records_at_once_and_sends_on_fake_time(
    frozen: FirehoseFake, make: Callable[[], queue.Queue[Any]]
) -> None:
    firehose = frozen.firehose
    begun = firehose.clock.now()
    producer = QueuePacedProducer(interval=5, make=make)

    producer.put(b"a")
    time.sleep(7)  # taken at 0; Empty at 5: sent
    producer.put(b"b")
    time.sleep(7)  # taken at 7; Empty at 12: sent

    at = [begun + timedelta(seconds=s) for s in (0, 5, 7, 12)]
    assert producer.taken_at == [at[0], at[2]]
    assert producer.sent_at == [at[1], at[3]]
    assert [call.records for call in firehose.calls] == [[b"a"], [b"b"]]
    assert [call.at for call in firehose.calls] == producer.sent_at
    producer.close()  # the item ends the wait at once: no time passes
    assert firehose.clock.now() == begun + timedelta(seconds=14)


def test_a_timer_fires_when_the_fake_clock_reaches_its_interval(frozen: FirehoseFake) -> None:
    clock = frozen.firehose.clock
    begun = clock.now()
    fired: list[datetime.datetime] = []
    timer = threading.Timer(30, lambda: fired.append(datetime.datetime.now(UTC)))
    timer.start()

    time.sleep(29)
    assert fired == []
    time.sleep(1)

    assert fired == [begun + timedelta(seconds=30)]
    timer.join(REAL_SECONDS)
    assert not timer.is_alive()


def test_joining_a_thread_in_a_timed_wait_ends_the_wait_at_its_deadline(
    frozen: FirehoseFake,
) -> None:
    clock = frozen.firehose.clock
    begun = clock.now()
    timed_out: list[tuple[bool, datetime.datetime]] = []

    def wait_five_minutes() -> None:
        timed_out.append((threading.Event().wait(300), datetime.datetime.now(UTC)))

    thread = threading.Thread(target=wait_five_minutes, daemon=True)
    thread.start()
    # The test's thread waits on the thread: the wait would have timed out meanwhile, so
    # it moves the clock to its deadline itself instead of waiting 300 real seconds.
    thread.join(REAL_SECONDS)

    assert timed_out == [(False, begun + timedelta(seconds=300))]
    assert clock.now() == begun + timedelta(seconds=300)


def test_a_timed_wait_the_test_cannot_see_ends_after_its_real_length_and_moves_the_clock(
    frozen: FirehoseFake,
) -> None:
    held = threading.Lock()
    held.acquire()
    items: queue.Queue[bytes] = queue.Queue()
    raised: list[type[BaseException]] = []

    def release_later() -> None:
        try:
            items.get(timeout=0.05)
        except queue.Empty as empty:
            raised.append(type(empty))
        held.release()

    threading.Thread(target=release_later, daemon=True).start()
    # A bare lock: the test's thread shows no sign of waiting, so nothing moves the clock
    # for the waiting thread, which moves it itself after its 50 ms of real time.
    assert held.acquire(timeout=REAL_SECONDS)
    assert raised == [queue.Empty]
    assert frozen.firehose.clock.elapsed == timedelta(milliseconds=50)


def test_an_event_set_at_the_tests_time_ends_the_wait_there(frozen: FirehoseFake) -> None:
    clock = frozen.firehose.clock
    begun = clock.now()
    go = threading.Event()
    seen: list[tuple[bool, datetime.datetime]] = []

    def wait_for_go() -> None:
        seen.append((go.wait(60), datetime.datetime.now(UTC)))

    thread = threading.Thread(target=wait_for_go, daemon=True)
    thread.start()
    time.sleep(20)
    go.set()
    time.sleep(100)  # the thread's turn comes first, at 20: its wait is over

    assert seen == [(True, begun + timedelta(seconds=20))]
    thread.join(REAL_SECONDS)


def test_the_tests_own_timed_waits_keep_real_time(frozen: FirehoseFake) -> None:
    never = threading.Event()
    empty: queue.Queue[bytes] = queue.Queue()

    assert never.wait(0.01) is False
    with pytest.raises(queue.Empty):
        empty.get(timeout=0.01)

    assert frozen.firehose.clock.elapsed == timedelta(0)


def test_a_thread_that_was_running_before_the_test_keeps_real_time_waits() -> None:
    go, done = threading.Event(), threading.Event()
    results: list[object] = []

    def runner_thread() -> None:
        go.wait()
        results.append(threading.Event().wait(0.01))
        try:
            queue.Queue().get(timeout=0.01)
        except queue.Empty as empty:
            results.append(type(empty))
        done.set()

    thread = threading.Thread(target=runner_thread, daemon=True)
    thread.start()
    with FirehoseFake(freeze_time=True) as fake:
        go.set()
        assert done.wait(REAL_SECONDS)  # the test waits on a thread: a fake wait would
        # have moved the clock to its deadline
        assert results == [False, queue.Empty]
        assert fake.firehose.clock.elapsed == timedelta(0)
    thread.join()


def test_a_wait_still_under_way_when_the_test_ends_returns_then() -> None:
    results: list[bool] = []
    with FirehoseFake(freeze_time=True):
        thread = threading.Thread(
            target=lambda: results.append(threading.Event().wait(3600)), daemon=True
        )
        thread.start()
        time.sleep(1)  # lets the thread reach its wait
    thread.join(REAL_SECONDS)
    assert not thread.is_alive()
    assert results == [False]


def test_timed_waits_keep_pythons_own_errors(frozen: FirehoseFake) -> None:
    raised: list[BaseException] = []

    def misuse() -> None:
        for wait in (
            lambda: queue.Queue().get(timeout=-1),
            lambda: threading.Event().wait(threading.TIMEOUT_MAX * 2),
            lambda: threading.Event().wait("1"),  # type: ignore[arg-type]
        ):
            try:
                wait()
            except Exception as error:  # each is checked below
                raised.append(error)

    thread = threading.Thread(target=misuse, daemon=True)
    thread.start()
    thread.join(REAL_SECONDS)

    assert [type(error) for error in raised] == [ValueError, OverflowError, TypeError]
    assert str(raised[0]) == "'timeout' must be a non-negative number"


def test_the_waits_are_put_back_when_the_mode_ends() -> None:
    real_wait, real_get = threading.Event.wait, queue.Queue.get
    with FirehoseFake(freeze_time=True):
        assert threading.Event.wait is not real_wait
        assert queue.Queue.get is not real_get
    assert threading.Event.wait is real_wait
    assert queue.Queue.get is real_get


def test_the_waits_keep_their_documentation_in_the_mode() -> None:
    # What help(threading.Event.wait) shows while the mode runs.
    real_wait, real_get = threading.Event.wait, queue.Queue.get
    with FirehoseFake(freeze_time=True):
        assert threading.Event.wait.__doc__ == real_wait.__doc__
        assert queue.Queue.get.__doc__ == real_get.__doc__


@pytest.mark.parametrize("wait", ["sleep", "event"])
def test_a_wait_ends_once_the_test_moves_its_freeze_exactly_to_the_deadline(wait: str) -> None:
    held = threading.Lock()
    held.acquire()
    ended: list[tuple[object, datetime.datetime]] = []

    def wait_an_hour() -> None:
        result = time.sleep(3600) if wait == "sleep" else threading.Event().wait(3600)
        ended.append((result, datetime.datetime.now(UTC)))
        held.release()

    with freeze_time("2030-01-01 12:00:00") as frozen, FirehoseFake(freeze_time=True):
        threading.Thread(target=wait_an_hour, daemon=True).start()
        time.sleep(1)  # the test's sleep first lets the thread reach its wait
        frozen.tick(3599)  # to the deadline itself, not through the fake
        # A bare lock: the test's thread shows no sign of waiting, so only the move itself
        # can end the wait.
        assert held.acquire(timeout=REAL_SECONDS)
    noon_and_an_hour = datetime.datetime(2030, 1, 1, 13, tzinfo=UTC)
    assert ended == [(None if wait == "sleep" else False, noon_and_an_hour)]
