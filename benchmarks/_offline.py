"""Shared by the benchmark scripts: an environment in which botocore finds fake
credentials and a region, reads no config file and asks no metadata service; a guard that
no request leaves the process; the body a prebuilt answer is read from; which JSON
library the fake uses; for the memory benchmarks, payloads and the bytes an action keeps;
and rounds of a variant against its baseline, with their spread."""

from __future__ import annotations

import base64
import contextlib
import gc
import os
import statistics
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

OFFLINE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def json_library() -> str:
    """Which JSON reader and writer the fake uses here: msgspec with the ``fast`` extra."""
    from importlib import metadata

    try:
        return f"msgspec {metadata.version('msgspec')} (the fast extra)"
    except metadata.PackageNotFoundError:
        return "the json module (no fast extra: pip install 'pytest-firehose[fast]')"


def go_offline() -> None:
    """Set ``OFFLINE_ENV``, and drop what would override it (profile, retry settings)."""
    os.environ.update(OFFLINE_ENV)
    for name in ("AWS_PROFILE", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        os.environ.pop(name, None)


def refuse_network(endpoint: Any, request: Any) -> Any:
    """``Endpoint._send`` for a benchmark: any request that would leave the process fails."""
    raise RuntimeError(f"benchmark tried to send a real request to {request.url}")


class RawBody:
    """What botocore reads a response body from: ``b"".join(raw.stream())``."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def payload_text(call: int, index: int) -> str:
    """A 100-byte payload as base64 text, as botocore's serializer hands it over: unique
    per (call, index)."""
    return base64.b64encode(f"{call:050d}{index:050d}".encode()).decode()


@contextlib.contextmanager
def traced() -> Iterator[Callable[[], int]]:
    """Trace allocations in a block (tracemalloc); the function it gives says how many
    bytes allocated since the block began are still held, after a collection."""
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]

    def held() -> int:
        gc.collect()
        return int(tracemalloc.get_traced_memory()[0] - start)

    try:
        yield held
    finally:
        tracemalloc.stop()


def kept_bytes(action: Callable[[], object]) -> int:
    """Bytes ``action`` allocated that are still held after a collection."""
    with traced() as held:
        action()
        return held()


def interleaved(
    rounds: int, baseline: Callable[[], float], variant: Callable[[], float]
) -> tuple[list[float], list[float]]:
    """The figures of ``baseline`` and of ``variant`` over ``rounds`` rounds, each round
    running both back to back in an order that alternates (load from other processes
    hits them alike)."""
    figures: tuple[list[float], list[float]] = ([], [])
    runs = [(baseline, figures[0]), (variant, figures[1])]
    for index in range(rounds):
        for run, kept in runs if index % 2 == 0 else runs[::-1]:
            kept.append(run())
    return figures


def spread(values: list[float], scale: float = 1.0) -> str:
    """``values`` times ``scale``: median [min - max]."""
    scaled = [value * scale for value in values]
    return f"{statistics.median(scaled):.3f} [{min(scaled):.3f} - {max(scaled):.3f}]"
