"""The pytest wiring: ini options, fixtures. Everything else lives in the package.

Every pytest run of a project that has the plugin installed imports this module, most of
them without using it. So at import it loads only the settings check (no botocore, no
engine, no server): the fake is imported by the ``firehose_fake`` fixture, the first time a
test asks for it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from pytest_firehose._doors.environment import fake_environment
from pytest_firehose._engine import fault_keywords
from pytest_firehose._engine.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, WorldConfig
from pytest_firehose._errors import UsageError

if TYPE_CHECKING:
    from pytest_firehose._doors.fake import FirehoseFake
    from pytest_firehose._doors.server import FirehoseServer
    from pytest_firehose._handles.firehose import FirehoseHandle
    from pytest_firehose._handles.kinesis import KinesisHandle

#: The fail markers' signature, shown by ``pytest --markers``: the keywords of ``.fail()``.
FAULT_SIGNATURE = fault_keywords.SIGNATURE

_SAVED_ENV = pytest.StashKey[dict[str, "str | None"]]()
_SETTINGS = pytest.StashKey[WorldConfig]()


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
        "firehose_creation_delay",
        "Seconds of fake time a new delivery stream stays CREATING (default: 0).",
        default="0",
    )
    parser.addini(
        "firehose_encryption_delay",
        "Seconds of fake time encryption stays ENABLING / DISABLING (default: 0).",
        default="0",
    )
    parser.addini(
        "firehose_unmodelled",
        "A delivery stream setting the fake does not model: warn (UnmodelledSettingWarning, "
        "the default) or error (the request answers InvalidArgumentException).",
        default="warn",
    )
    parser.addini(
        "firehose_assert_all_faults_fired",
        "Fail a test at teardown when a scripted fault never fired (default: true).",
        type="bool",
        default=True,
    )
    parser.addini(
        "firehose_session_credentials",
        "Set fake AWS credentials and a default region for the whole session, so clients "
        "created at import time find them.",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    for service, handle in (("firehose", "Firehose"), ("kinesis", "Kinesis")):
        config.addinivalue_line(
            "markers",
            f"{service}_fail({FAULT_SIGNATURE}): schedule a {handle} fault before the test "
            f"runs, with the keywords of {service}.fail(); stacked markers apply top to bottom.",
        )
    settings = _settings(config)
    config.stash[_SETTINGS] = settings
    if not config.getini("firehose_session_credentials"):
        return
    saved: dict[str, str | None] = {}
    for name, value in fake_environment(settings.region or DEFAULT_REGION).items():
        saved[name] = os.environ.get(name)
        os.environ[name] = value
    config.stash[_SAVED_ENV] = saved


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in config.stash.get(_SAVED_ENV, {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _settings(config: pytest.Config) -> WorldConfig:
    """The fake's settings from the ini options, checked once at start-up."""
    raw_seed = str(config.getini("firehose_seed")).strip()
    try:
        seed = int(raw_seed) if raw_seed else None
    except ValueError:
        raise pytest.UsageError(f"firehose_seed must be an integer, not {raw_seed!r}") from None
    delays = {}
    for name in ("creation_delay", "encryption_delay"):
        raw = str(config.getini(f"firehose_{name}")).strip() or "0"
        try:
            delays[name] = float(raw)
        except ValueError:
            raise pytest.UsageError(
                f"firehose_{name} must be a number of seconds, not {raw!r}"
            ) from None
    try:
        return WorldConfig(
            region=str(config.getini("firehose_region")).strip() or None,
            account_id=str(config.getini("firehose_account_id")).strip() or DEFAULT_ACCOUNT_ID,
            seed=seed,
            allow_hosts=frozenset(config.getini("firehose_allow_hosts")),
            unmodelled=str(config.getini("firehose_unmodelled")).strip() or "warn",
            **delays,
        )
    except UsageError as error:
        raise pytest.UsageError(f"pytest-firehose ini options: {error}") from None


def _marks_in_order(node: pytest.Item, name: str) -> list[pytest.Mark]:
    """Markers as a reader sees them: module, class, then function; stacked decorators
    top to bottom (Python applies them bottom up, so their stored order is reversed)."""
    marks: list[pytest.Mark] = []
    for level in node.listchain():
        own = [mark for mark in level.own_markers if mark.name == name]
        if isinstance(level, (pytest.Class, pytest.Function)):
            own.reverse()
        marks.extend(own)
    return marks


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    fake = (getattr(item, "funcargs", None) or {}).get("firehose_fake")
    if not report.failed or fake is None:
        return
    # The test used the fixture, so the fake's module is loaded already.
    from pytest_firehose._doors.fake import FirehoseFake

    if isinstance(fake, FirehoseFake):
        report.sections.append((f"fake AWS calls ({report.when})", fake.failure_report()))


@pytest.fixture
def firehose_fake(request: pytest.FixtureRequest) -> Iterator[FirehoseFake]:
    """The fake world behind ``firehose``, active for the test."""
    from pytest_firehose._doors.fake import FirehoseFake

    config = request.config
    fake = FirehoseFake(**dataclasses.asdict(config.stash[_SETTINGS]))
    with fake:
        for mark in _marks_in_order(request.node, "firehose_fail"):
            fake.firehose.fail(*mark.args, **mark.kwargs)
        for mark in _marks_in_order(request.node, "kinesis_fail"):
            fake.kinesis.fail(*mark.args, **mark.kwargs)
        yield fake
    if config.getini("firehose_assert_all_faults_fired"):
        message = fake.unfired_faults()
        if message is not None:
            pytest.fail(message, pytrace=False)


@pytest.fixture
def firehose(firehose_fake: FirehoseFake) -> FirehoseHandle:
    """A fresh in-process Amazon Data Firehose that every botocore client talks to."""
    return firehose_fake.firehose


@pytest.fixture
def kinesis(firehose_fake: FirehoseFake) -> KinesisHandle:
    """A fresh in-process Kinesis Data Streams, in the same world (and clock) as
    ``firehose``."""
    return firehose_fake.kinesis


@pytest.fixture
def firehose_server(firehose_fake: FirehoseFake) -> Iterator[FirehoseServer]:
    """The test's fake world served over HTTP on 127.0.0.1 (a free port), for clients in
    subprocesses or other languages: ``.url``, ``.env``, ``.firehose``, ``.kinesis``."""
    from pytest_firehose._doors.server import serve_fake

    with serve_fake(firehose_fake) as server:
        yield server
