"""Fixtures for the example suite. ``firehose`` itself comes from the pytest-firehose plugin."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from event_shipper import FirehoseShipper


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the shipper asked to sleep, in order; nothing really sleeps."""
    return []


@pytest.fixture
def make_shipper(firehose: Any, sleeps: list[float]) -> Callable[..., FirehoseShipper]:
    """Build a shipper on a plain boto3 client, with a recording sleep and a seeded jitter.

    Depends on ``firehose`` so the fake is active: the client gets the fake's credentials
    and region, and its requests never leave the process.
    """

    def make(stream_name: str = "events", **options: Any) -> FirehoseShipper:
        options.setdefault("sleep", sleeps.append)
        options.setdefault("rng", random.Random(1234))
        return FirehoseShipper(boto3.client("firehose"), stream_name, **options)

    return make


@pytest.fixture
def shipper(make_shipper: Callable[..., FirehoseShipper]) -> FirehoseShipper:
    """A shipper for the delivery stream ``events``."""
    return make_shipper()
