"""The pytest wiring: ini options, fixtures. Everything else lives in the package."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ._fake import FirehoseFake, fake_environment
from ._handles import FirehoseHandle
from ._world import DEFAULT_ACCOUNT_ID

_SAVED_ENV = pytest.StashKey[dict[str, "str | None"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "firehose_region",
        "Region the fake's handles use by default (default: AWS_REGION, "
        "AWS_DEFAULT_REGION, then us-east-1).",
        default="",
    )
    parser.addini("firehose_account_id", "12-digit account id in ARNs and messages.", default="")
    parser.addini(
        "firehose_seed",
        "Integer seed for RecordIds and request ids, so every run produces the same ones.",
        default="",
    )
    parser.addini(
        "firehose_allow_hosts",
        "Loopback hosts botocore may really reach while the fake is active.",
        type="linelist",
        default=[],
    )
    parser.addini(
        "firehose_session_credentials",
        "Set fake AWS credentials and a default region for the whole session, so clients "
        "created at import time find them.",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getini("firehose_session_credentials"):
        return
    saved: dict[str, str | None] = {}
    for name, value in fake_environment().items():
        saved[name] = os.environ.get(name)
        os.environ[name] = value
    config.stash[_SAVED_ENV] = saved


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in config.stash.get(_SAVED_ENV, {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _seed(config: pytest.Config) -> int | None:
    raw = str(config.getini("firehose_seed")).strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise pytest.UsageError(f"firehose_seed must be an integer, not {raw!r}") from None


@pytest.fixture
def firehose_fake(request: pytest.FixtureRequest) -> Iterator[FirehoseFake]:
    """The fake world behind ``firehose``, active for the test."""
    config = request.config
    fake = FirehoseFake(
        region=str(config.getini("firehose_region")) or None,
        account_id=str(config.getini("firehose_account_id")) or DEFAULT_ACCOUNT_ID,
        seed=_seed(config),
        allow_hosts=config.getini("firehose_allow_hosts"),
    )
    with fake:
        yield fake


@pytest.fixture
def firehose(firehose_fake: FirehoseFake) -> FirehoseHandle:
    """A fresh in-process Amazon Data Firehose that every botocore client talks to."""
    return firehose_fake.firehose
