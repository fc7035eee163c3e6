"""The pytest wiring: ini options, fixtures. Everything else lives in the package.

Every pytest run of a project that has the plugin installed imports this module, most of
them without using it. So at import it loads only the settings check (no botocore, no
engine, no server): the fake is imported by the ``firehose_fake`` fixture, the first time a
test asks for it.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, cast

import pytest

from pytest_firehose._doors.environment import fake_environment
from pytest_firehose._engine import fault_keywords
from pytest_firehose._engine.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, WorldConfig
from pytest_firehose._errors import UsageError

if TYPE_CHECKING:
    from pytest_firehose._doors.fake import FirehoseFake
    from pytest_firehose._doors.freeze import Start
    from pytest_firehose._doors.server import FirehoseServer
    from pytest_firehose._handles.firehose import FirehoseHandle
    from pytest_firehose._handles.kinesis import KinesisHandle

#: The fail markers' signature, shown by ``pytest --markers``: the keywords of ``.fail()``.
FAULT_SIGNATURE = fault_keywords.SIGNATURE

_SAVED_ENV = pytest.StashKey[dict[str, "str | None"]]()
_SETTINGS = pytest.StashKey[WorldConfig]()
#: The settings a WorldConfig holds, each a keyword of FirehoseFake.
_SETTING_NAMES = tuple(field.name for field in dataclasses.fields(WorldConfig))
#: Set on an item whose setup or call phase failed: the test has already failed.
_TEST_FAILED = pytest.StashKey[bool]()
#: The unfired-fault explanation of a test that had already failed, for its report.
_UNFIRED = pytest.StashKey[str]()


def firehose_settings(
    *,
    region: str | None = None,
    account_id: str | None = None,
    seed: int | None = None,
    creation_delay: float | None = None,
    encryption_delay: float | None = None,
    update_delay: float | None = None,
) -> dict[str, object]:
    """The settings a ``firehose_settings`` marker gives, by name. Binding the marker's
    arguments to this signature lets Python word a typo (an unknown or positional
    argument) itself."""
    given = {
        "region": region,
        "account_id": account_id,
        "seed": seed,
        "creation_delay": creation_delay,
        "encryption_delay": encryption_delay,
        "update_delay": update_delay,
    }
    return {name: value for name, value in given.items() if value is not None}


#: The settings marker's signature, shown by ``pytest --markers``.
SETTINGS_SIGNATURE = str(
    inspect.signature(firehose_settings, eval_str=True).replace(
        return_annotation=inspect.Signature.empty
    )
)[1:-1]


def firehose_freeze_time(*, enabled: bool = True, start: object = None) -> bool | object:
    """What a ``firehose_freeze_time`` marker asks for: off (``False``), on from the fake
    clock's time (``True``), or on from ``start``. Bound like ``firehose_settings``, so a
    typo fails with Python's own message."""
    if not isinstance(enabled, bool):
        raise TypeError(f"firehose_freeze_time: enabled is True or False, not {enabled!r}")
    if not enabled and start is not None:
        raise TypeError(
            f"firehose_freeze_time: start= {start!r} needs enabled=True; drop one of them"
        )
    if not enabled or start is None:
        return enabled
    return start


#: The frozen-time marker's signature, shown by ``pytest --markers``.
FREEZE_SIGNATURE = "*, enabled: bool = True, start: datetime | date | str | None = None"

#: Why a botocore error at import time, or while a test's fixtures are set up, is the
#: plugin's business: a client made at module level, or by a fixture set up before the
#: fake's, looks for a region and credentials before the fake has set fake ones. What each
#: one lacked.
_TOO_EARLY_ERRORS = {"NoRegionError": "a fake region", "NoCredentialsError": "fake credentials"}


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


def _marks_in_order(node: pytest.Item) -> dict[str, list[pytest.Mark]]:
    """The plugin's markers on a test (``_NEEDS_FAKE``), by name, each list as a reader
    sees them: module, class, then function; stacked decorators top to bottom (Python
    applies them bottom up, so their stored order is reversed); then the test's
    parameter's (``pytest.param(..., marks=...)``), in the order given. One walk for
    every name: most tests carry none of them, and a level without markers is skipped."""
    marks: dict[str, list[pytest.Mark]] = {}
    for level in node.listchain():
        # pytest keeps a parameter's marks among the function's own, after its decorators'.
        given = getattr(getattr(level, "callspec", None), "marks", [])
        if not level.own_markers and not given:
            continue
        own = [mark for mark in level.own_markers if not any(mark is g for g in given)]
        if isinstance(level, (pytest.Class, pytest.Function)):
            own.reverse()
        for mark in [*own, *given]:
            if mark.name in _NEEDS_FAKE:
                marks.setdefault(mark.name, []).append(mark)
    return marks


def _test_settings(item: pytest.Item, marks: list[pytest.Mark]) -> WorldConfig:
    """The ini options' settings with the test's ``firehose_settings`` markers (``marks``)
    over them, checked by the same rules."""
    if not marks:
        return item.config.stash[_SETTINGS]
    overrides: dict[str, object] = {}
    refused: str | None = None
    for mark in marks:
        try:
            overrides.update(firehose_settings(*mark.args, **mark.kwargs))
        except TypeError as error:
            refused = f"@pytest.mark.{_own_words(error)}{_keywords_hint(mark, firehose_settings)}"
            break
    else:
        try:
            return dataclasses.replace(item.config.stash[_SETTINGS], **overrides)  # type: ignore[arg-type]
        except UsageError as error:
            refused = f"@pytest.mark.firehose_settings: {error}"
    # Failed outside the except blocks, so the report shows no chained traceback.
    pytest.fail(refused, pytrace=False)


def _test_freeze_time(item: pytest.Item, marks: list[pytest.Mark]) -> object:
    """Frozen-time mode for this test: the ini option, then its markers (``marks``; the
    test's last), as ``FirehoseFake(freeze_time=...)`` takes it."""
    wanted: object = bool(item.config.getini("firehose_freeze_time"))
    for mark in marks:
        try:
            wanted = firehose_freeze_time(*mark.args, **mark.kwargs)
        except TypeError as error:
            hint = _keywords_hint(mark, firehose_freeze_time)
            refused = f"@pytest.mark.{_own_words(error)}{hint}"
            break
    else:
        return wanted
    pytest.fail(refused, pytrace=False)


def _own_words(error: TypeError) -> str:
    """Python's message for arguments that do not fit, without the suggestion Python 3.13
    adds to it: ``_keywords_hint`` makes one in the marker's terms, on every Python."""
    from pytest_firehose._terms import own_words

    return own_words(error)


def _keywords_hint(mark: pytest.Mark, marker: Callable[..., object]) -> str:
    """When ``mark``'s arguments do not fit the signature of ``marker`` (a misspelt keyword,
    an argument by position): the keyword it is close to, and every keyword."""
    from pytest_firehose._terms import did_you_mean, listed_keywords, misfit

    signature = inspect.signature(marker)
    if misfit(signature, mark.args, mark.kwargs):
        hint = did_you_mean(mark.kwargs, signature.parameters)
        return f".{hint} Its keywords: {listed_keywords(signature)}."
    return ""  # they fit: the marker refused a value, and said why


#: The markers that act through the fake, and what each would fail to do without it.
_NEEDS_FAKE = {
    "firehose_fail": "no fault would be scheduled",
    "kinesis_fail": "no fault would be scheduled",
    "firehose_settings": "no setting would apply",
    "firehose_freeze_time": "nothing would freeze",
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test's own marker without the fake would do nothing, and the test would pass as if
    it had: say so. (A module's or class's marker asks nothing of each of its tests.)"""
    if "firehose_fake" in getattr(item, "fixturenames", ()):
        return
    for mark in item.own_markers:
        if mark.name in _NEEDS_FAKE:
            pytest.fail(
                f"@pytest.mark.{mark.name}: this test uses no pytest-firehose fixture, so "
                f"{_NEEDS_FAKE[mark.name]}. Ask for the `firehose` (or `kinesis`) fixture, "
                "or remove the marker.",
                pytrace=False,
            )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()  # type: ignore[attr-defined]
    call = getattr(report, "call", None)  # pytest keeps it there for collect_one_node
    error = call.excinfo.value if call is not None and call.excinfo is not None else None
    missing = _missing(collector.config, error)
    if missing is not None:
        report.sections.append(
            (
                "pytest-firehose",
                f"{type(error).__name__} while collecting: a botocore client was made or used "
                f"as the module was imported, before any pytest-firehose fixture set {missing}."
                f"\n{_SESSION_CREDENTIALS}\nor make the client when it is first used instead "
                "of at import.",
            )
        )


def _missing(config: pytest.Config, error: BaseException | None) -> str | None:
    """What a botocore client lacked when ``error`` says it was made or used too early
    for the fake, unless the session has fake credentials already."""
    if error is None or config.getini("firehose_session_credentials"):
        return None
    if not type(error).__module__.startswith("botocore."):
        return None
    return _TOO_EARLY_ERRORS.get(type(error).__name__)


_SESSION_CREDENTIALS = (
    "Set the ini option firehose_session_credentials = true to give the whole session "
    "fake credentials and a region:\n"
    "  pytest.ini or tox.ini:  [pytest]  firehose_session_credentials = true\n"
    "  pyproject.toml:         [tool.pytest.ini_options]  firehose_session_credentials = true\n"
    "  one run:                pytest -o firehose_session_credentials=true"
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    error = call.excinfo.value if call.excinfo is not None else None
    if error is not None and _misuse(error) and not item.config.getoption("fulltrace"):
        _drop_own_frames(error)
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed and report.when in ("setup", "call"):
        item.stash[_TEST_FAILED] = True
    missing = _missing(item.config, error) if report.when == "setup" else None
    if missing is not None and "firehose_fake" in getattr(item, "fixturenames", ()):
        # The fake sets its fake ones as it starts: the client was made before it.
        report.sections.append(
            (
                "pytest-firehose",
                f"{type(error).__name__} while setting up the test: a fixture made or used a "
                f"botocore client before the pytest-firehose fixture set {missing} (pytest "
                "sets up fixtures in the order they are asked for, wider scopes first).\n"
                "Ask for `firehose` (or `kinesis`) in that fixture's arguments, or before it "
                f"in the test's; for a module or session fixture:\n{_SESSION_CREDENTIALS}",
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


def _misuse(error: BaseException) -> bool:
    """Whether ``error`` is the plugin's word on a misuse: a ``UsageError``, or a
    ``ClockRangeError`` (looked up only once the clock is loaded: this module imports as
    little as it can, for the many runs that never use the fake)."""
    if isinstance(error, UsageError):
        return True
    clock = sys.modules.get("pytest_firehose._clock")
    return clock is not None and isinstance(error, clock.ClockRangeError)


def _drop_own_frames(error: BaseException) -> None:
    """End ``error``'s traceback at the last frame of code that is neither
    pytest-firehose's, nor the standard library's, nor pytest's (the test's line, a helper or
    callback of the test's, or the library it called), so a misuse shows where it was made
    and the message that names the fix, not the plugin's code that found it. Kept whole when
    no such frame called in (a fixture of the plugin's failed), and with ``--full-trace``."""
    caller = None
    entry = error.__traceback__
    while entry is not None:
        if not _is_framework(entry.tb_frame.f_globals.get("__name__", "")):
            caller = entry
        entry = entry.tb_next
    if caller is not None:
        caller.tb_next = None


def _is_framework(module: str) -> bool:
    """Whether ``module`` is pytest-firehose's, the standard library's or pytest's own."""
    top = module.partition(".")[0]
    return top in ("pytest_firehose", "_pytest", "pytest", "pluggy") or top in _STDLIB


_STDLIB = frozenset(sys.stdlib_module_names)


def _fake_for(item: pytest.Item, marks: dict[str, list[pytest.Mark]]) -> FirehoseFake:
    """The fake a test's settings and frozen-time markers describe."""
    from pytest_firehose._doors.fake import FirehoseFake

    settings = _test_settings(item, marks.get("firehose_settings", []))
    freeze = cast("bool | Start", _test_freeze_time(item, marks.get("firehose_freeze_time", [])))
    try:
        # Field by field: dataclasses.asdict would copy each value deeply, for every test.
        given = {name: getattr(settings, name) for name in _SETTING_NAMES}
        return FirehoseFake(**given, freeze_time=freeze)
    except UsageError as error:
        refused = f"@pytest.mark.firehose_freeze_time: {error}"
    # Failed outside the except block, so the report shows no chained traceback.
    pytest.fail(refused, pytrace=False)


def _schedule_marked_faults(fake: FirehoseFake, marks: dict[str, list[pytest.Mark]]) -> None:
    """Schedule the test's fail markers (``marks``), Firehose's then Kinesis's, each in
    order. A bad one fails the test at setup, naming it as written (stacked markers look
    alike)."""
    for handle in (fake.firehose, fake.kinesis):
        for mark in marks.get(f"{handle.service}_fail", []):
            refused = _fault_refusal(handle, mark)
            if refused is not None:
                pytest.fail(refused, pytrace=False)


def _fault_refusal(handle: FirehoseHandle | KinesisHandle, mark: pytest.Mark) -> str | None:
    """Schedule the fault a fail marker asks ``handle`` for; what refuses it, if anything
    does (said outside the except blocks, so the report shows no chained traceback)."""
    from pytest_firehose._terms import listed_keywords, misfit, written

    marker = f"@pytest.mark.{handle.service}_fail"
    signature = inspect.signature(handle.fail)
    given = written(mark.args, mark.kwargs)
    reason = misfit(signature, mark.args, mark.kwargs)
    if reason:  # a misspelt keyword, or an argument by position
        return (
            f"{marker}({given}): {reason} The keywords are those of "
            f"{handle.service}.fail(): {listed_keywords(signature)}."
        )
    try:
        handle.fail(*mark.args, **mark.kwargs)
    except UsageError as error:
        return f"{marker}({given}): {error}"
    return None


@pytest.fixture
def firehose_fake(request: pytest.FixtureRequest) -> Iterator[FirehoseFake]:
    """The fake world behind ``firehose``, active for the test."""
    config = request.config
    marks = _marks_in_order(request.node)
    fake = _fake_for(request.node, marks)
    with fake:
        _schedule_marked_faults(fake, marks)
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
