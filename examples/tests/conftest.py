"""Fixtures for the example suite. ``firehose`` itself comes from the pytest-firehose plugin."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from event_shipper import FirehoseShipper


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the shipper asked to sleep, in order; nothing really sleeps."""
    return []


@pytest.fixture
def make_shipper(
    firehose: Any, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., FirehoseShipper]:
    """Build a shipper on a plain boto3 client, with a recording sleep and a seeded jitter.

    Depends on ``firehose`` so the fake is active: the client gets the fake's credentials
    and region, and its requests never leave the process.

    The client uses an explicit botocore retry mode (``retry_mode=``, default ``standard``):
    botocore's default mode differs between releases (``legacy``, 5 attempts per call, in
    older ones; ``standard``, 3 attempts, now), and ``AWS_RETRY_MODE`` / ``AWS_MAX_ATTEMPTS``
    are cleared so the environment cannot change it either. The shipper's sleep is
    recorded in ``sleeps`` and passes the same time on the fake clock, so the gaps between
    ``firehose.calls[i].at`` show its backoff; ``firehose.clock.sleeps`` keeps botocore's own
    backoff only.
    """
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        firehose.clock.advance(seconds=seconds)

    def make(
        stream_name: str = "events", *, retry_mode: str = "standard", **options: Any
    ) -> FirehoseShipper:
        options.setdefault("sleep", sleep)
        options.setdefault("rng", random.Random(1234))
        client = boto3.client("firehose", config=Config(retries={"mode": retry_mode}))
        return FirehoseShipper(client, stream_name, **options)

    return make


@pytest.fixture
def shipper(make_shipper: Callable[..., FirehoseShipper]) -> FirehoseShipper:
    """A shipper for the delivery stream ``events``."""
    return make_shipper()
