"""The pytest wiring: ini options, hooks, fixtures. Reading the markers is ``_markers.py``'s,
what a failed test's report gains ``_reports.py``'s; everything else lives in the package.

Every pytest run of a project that has the plugin installed imports this module, most of
them without using it. So at import it loads only the settings check (no botocore, no
engine, no server): the fake is imported by the ``firehose_fake`` fixture, the first time a
test asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from pytest_firehose._doors.environment import fake_environment
from pytest_firehose._engine import fault_keywords
from pytest_firehose._engine.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, WorldConfig
from pytest_firehose._errors import UsageError
from pytest_firehose._markers import (
    FREEZE_SIGNATURE,
    NEEDS_FAKE,
    SETTINGS_SIGNATURE,
    fake_for,
    marks_in_order,
    schedule_marked_faults,
)
from pytest_firehose._reports import SESSION_CREDENTIALS, drop_own_frames, misuse, too_early

if TYPE_CHECKING:
    from pytest_firehose._doors.fake import FirehoseFake
    from pytest_firehose._doors.server import FirehoseServer
    from pytest_firehose._handles.firehose import FirehoseHandle
    from pytest_firehose._handles.kinesis import KinesisHandle

#: The fail markers' signature, shown by ``pytest --markers``: the keywords of ``.fail()``.
FAULT_SIGNATURE = fault_keywords.SIGNATURE

_SAVED_ENV = pytest.StashKey[dict[str, "str | None"]]()
_SETTINGS = pytest.StashKey[WorldConfig]()
#: Set on an item whose setup or call phase failed: the test has already failed.
_TEST_FAILED = pytest.StashKey[bool]()
#: The unfired-fault explanation of a test that had already failed, for its report.
_UNFIRED = pytest.StashKey[str]()


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
        "Seconds of fake time a new delivery stream or Kinesis stream stays CREATING "
        "(a deleted delivery stream DELETING), and a new Lambda trigger stays Creating "
        "(default: 0).",
        default="0",
    )
    parser.addini(
        "firehose_encryption_delay",
        "Seconds of fake time encryption stays ENABLING / DISABLING (default: 0).",
        default="0",
    )
    parser.addini(
        "firehose_update_delay",
        "Seconds of fake time a Kinesis reshard, capacity-mode switch or warm-throughput "
        "change keeps a stream UPDATING, and a Lambda trigger stays Enabling, Updating, "
        "Disabling or Deleting (default: the creation delay).",
        default="",
    )
    parser.addini(
        "firehose_unmodelled",
        "A setting the fake does not model (of a delivery stream, or a request member newer "
        "than this release): warn (UnmodelledSettingWarning, "
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
        "firehose_freeze_time",
        "Frozen-time mode for every test that uses the fake: the fake clock drives "
        "freezegun, and time.sleep() passes fake time (default: false).",
        type="bool",
        default=False,
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
    config.addinivalue_line(
        "markers",
        f"firehose_settings({SETTINGS_SIGNATURE}): this test's fake world settings, over the "
        "firehose_* ini options (a module's or class's marker applies first, the test's last).",
    )
    config.addinivalue_line(
        "markers",
        f"firehose_freeze_time({FREEZE_SIGNATURE}): frozen-time mode for this test: the fake "
        "clock drives freezegun and time.sleep() passes fake time; enabled=False turns the "
        "firehose_freeze_time ini option off, start= sets where time starts.",
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


#: The ini options that are switches, read when a test starts or ends: checked at start-up.
_SWITCHES = ("assert_all_faults_fired", "freeze_time", "session_credentials")


def _settings(config: pytest.Config) -> WorldConfig:
    """The fake's settings from the ini options, checked once at start-up."""
    for name in _SWITCHES:
        try:
            config.getini(f"firehose_{name}")
        except (ValueError, pytest.UsageError) as error:
            raise pytest.UsageError(
                f"firehose_{name} is true or false (or yes, no, on, off, 1, 0): {error}"
            ) from None
    raw_seed = str(config.getini("firehose_seed")).strip()
    try:
        seed = int(raw_seed) if raw_seed else None
    except ValueError:
        raise pytest.UsageError(f"firehose_seed must be an integer, not {raw_seed!r}") from None
    delays = {name: _seconds(config, name) for name in ("creation_delay", "encryption_delay")}
    update = _seconds(config, "update_delay") if _ini(config, "update_delay") else None
    try:
        return WorldConfig(
            region=str(config.getini("firehose_region")).strip() or None,
            account_id=str(config.getini("firehose_account_id")).strip() or DEFAULT_ACCOUNT_ID,
            seed=seed,
            allow_hosts=frozenset(config.getini("firehose_allow_hosts")),
            unmodelled=str(config.getini("firehose_unmodelled")).strip() or "warn",
            update_delay=update,
            **delays,
        )
    except UsageError as error:
        # Each refusal opens with the setting it refuses, which the ini spells firehose_...
        raise pytest.UsageError(f"pytest-firehose ini options: firehose_{error}") from None


def _ini(config: pytest.Config, name: str) -> str:
    return str(config.getini(f"firehose_{name}")).strip()


def _seconds(config: pytest.Config, name: str) -> float:
    """A delay ini option in seconds (empty: 0)."""
    raw = _ini(config, name) or "0"
    try:
        return float(raw)
    except ValueError:
        raise pytest.UsageError(
            f"firehose_{name} must be a number of seconds, not {raw!r}"
        ) from None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test's own marker without the fake would do nothing, and the test would pass as if
    it had: say so. (A module's or class's marker asks nothing of each of its tests.)"""
    if "firehose_fake" in getattr(item, "fixturenames", ()):
        return
    for mark in item.own_markers:
        if mark.name in NEEDS_FAKE:
            pytest.fail(
                f"@pytest.mark.{mark.name}: this test uses no pytest-firehose fixture, so "
                f"{NEEDS_FAKE[mark.name]}. Ask for the `firehose` (or `kinesis`) fixture, "
                "or remove the marker.",
                pytrace=False,
            )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()  # type: ignore[attr-defined]
    call = getattr(report, "call", None)  # pytest keeps it there for collect_one_node
    error = call.excinfo.value if call is not None and call.excinfo is not None else None
    missing = too_early(collector.config, error)
    if missing is not None:
        report.sections.append(
            (
                "pytest-firehose",
                f"{type(error).__name__} while collecting: a botocore client was made or used "
                f"as the module was imported, before any pytest-firehose fixture set {missing}."
                f"\n{SESSION_CREDENTIALS}\nor make the client when it is first used instead "
                "of at import.",
            )
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    error = call.excinfo.value if call.excinfo is not None else None
    if error is not None and misuse(error) and not item.config.getoption("fulltrace"):
        drop_own_frames(error)
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed and report.when in ("setup", "call"):
        item.stash[_TEST_FAILED] = True
    missing = too_early(item.config, error) if report.when == "setup" else None
    if missing is not None and "firehose_fake" in getattr(item, "fixturenames", ()):
        # The fake sets its fake ones as it starts: the client was made before it.
        report.sections.append(
            (
                "pytest-firehose",
                f"{type(error).__name__} while setting up the test: a fixture made or used a "
                f"botocore client before the pytest-firehose fixture set {missing} (pytest "
                "sets up fixtures in the order they are asked for, wider scopes first).\n"
                "Ask for `firehose` (or `kinesis`) in that fixture's arguments, or before it "
                f"in the test's; for a module or session fixture:\n{SESSION_CREDENTIALS}",
            )
        )
    unfired = item.stash.get(_UNFIRED, None)
    if report.when == "teardown" and unfired is not None:
        # The name must hold "teardown": pytest prints a test's passed teardown sections
        # under its failure.
        report.sections.append(("scripted faults that never fired (teardown)", unfired))
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
    config = request.config
    marks = marks_in_order(request.node)
    fake = fake_for(request.node, marks, config.stash[_SETTINGS])
    with fake:
        schedule_marked_faults(fake, marks)
        yield fake
    if config.getini("firehose_assert_all_faults_fired"):
        message = fake.unfired_faults()
        if message is None:
            return
        if request.node.stash.get(_TEST_FAILED, False):
            # The test's own failure is the error to read; a second one for a fault it never
            # reached would count the test twice ("1 failed, 1 error").
            request.node.stash[_UNFIRED] = f"The test failed before they fired.\n{message}"
        else:
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
