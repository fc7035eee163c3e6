"""The ``real_waits`` spy the no-real-time tests stand on: it must see every real wait asked
for on the test's thread, let the fake's zero-delay yields through, and leave no trace."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from conftest import RealWaits


def test_positive_sleeps_are_recorded_and_not_slept(real_waits: RealWaits) -> None:
    async def sleeps() -> str:
        await asyncio.sleep(0)  # the fake's own yield to the event loop
        return str(await asyncio.sleep(3600, "woken"))

    with real_waits:
        time.sleep(0)
        time.sleep(3600)
        woken = asyncio.run(sleeps())

    assert woken == "woken"
    assert real_waits.asked == [("time.sleep", 3600), ("asyncio.sleep", 3600)]


def test_timed_condition_and_event_waits_are_recorded(real_waits: RealWaits) -> None:
    event = threading.Event()

    async def limiter_wait() -> None:
        condition = asyncio.Condition()
        async with condition:
            with contextlib.suppress(asyncio.TimeoutError):  # as the limiter waits
                await asyncio.wait_for(condition.wait(), 0.001)

    with real_waits:
        assert not event.wait(0.001)  # a timed wait goes through: it may be notified
        asyncio.run(limiter_wait())

    assert real_waits.asked == [
        ("threading.Condition.wait", 0.001),
        ("asyncio.Condition.wait", None),
    ]


def test_other_threads_wait_unwatched_and_everything_is_put_back(
    real_waits: RealWaits,
) -> None:
    originals = (time.sleep, asyncio.sleep, threading.Condition.wait, asyncio.Condition.wait)

    with real_waits:
        worker = threading.Thread(target=time.sleep, args=(0.001,))
        worker.start()  # waits, untimed, for the thread to start
        worker.join()

    assert real_waits.asked == []
    assert (time.sleep, asyncio.sleep, threading.Condition.wait, asyncio.Condition.wait) == (
        originals
    )
