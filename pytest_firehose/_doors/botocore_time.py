"""botocore's waits on the fake clock (the botocore door's, ``botocore.py``).

Backoff passes fake time instead of real time, in the two places botocore waits:
``Endpoint._needs_retry`` calls ``time.sleep`` through the ``time`` name of
``botocore.endpoint`` (legacy and standard modes), and adaptive mode's client-side rate
limiter waits in ``TokenBucket._acquire`` on a condition variable, timed by
``bucket.Clock``. Both are replaced for the fake's lifetime; ``time.sleep`` itself is not.

Waiters (``botocore.waiter``, ``stream_exists``...) sleep through their module's ``time``
name too, and are given the same stand-in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import CapacityNotAvailableError

from pytest_firehose._clock import FakeClock


class _EndpointTime:
    """Stands in for the ``time`` module inside ``botocore.endpoint``: ``sleep`` passes
    fake time; everything else is the real module."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def sleep(self, seconds: float) -> None:
        self._clock.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def token_bucket_acquire(clock: FakeClock) -> Callable[..., bool]:
    """``TokenBucket._acquire`` that passes fake time where the original waits. It needs
    only the bucket's ``_refill``, ``_sleep_amount`` and ``_current_capacity``, which
    aiobotocore's ``AsyncTokenBucket`` has too."""

    def _acquire(token_bucket: Any, amount: float, block: bool) -> bool:
        token_bucket._refill()
        while amount > token_bucket._current_capacity:
            if not block:
                raise CapacityNotAvailableError()
            clock.sleep(max(token_bucket._sleep_amount(amount), 1e-6))
            token_bucket._refill()
        token_bucket._current_capacity -= amount
        return True

    return _acquire


def _now(clock: FakeClock) -> Callable[[Any], float]:
    return lambda _self: clock.time()


def _sleep(clock: FakeClock) -> Callable[[Any, float], None]:
    return lambda _self, seconds: clock.sleep(seconds)
