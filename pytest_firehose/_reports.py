"""What the plugin adds to a failed test's report: why a botocore client made too early
found no region or credentials, and a misuse's traceback ended at the line that made it.
"""

from __future__ import annotations

import sys

import pytest

from pytest_firehose._errors import UsageError

#: Why a botocore error at import time, or while a test's fixtures are set up, is the
#: plugin's business: a client made at module level, or by a fixture set up before the
#: fake's, looks for a region and credentials before the fake has set fake ones. What each
#: one lacked.
_TOO_EARLY_ERRORS = {"NoRegionError": "a fake region", "NoCredentialsError": "fake credentials"}


def too_early(config: pytest.Config, error: BaseException | None) -> str | None:
    """What a botocore client lacked when ``error`` says it was made or used too early
    for the fake, unless the session has fake credentials already."""
    if error is None or config.getini("firehose_session_credentials"):
        return None
    if not type(error).__module__.startswith("botocore."):
        return None
    return _TOO_EARLY_ERRORS.get(type(error).__name__)


SESSION_CREDENTIALS = (
    "Set the ini option firehose_session_credentials = true to give the whole session "
    "fake credentials and a region:\n"
    "  pytest.ini or tox.ini:  [pytest]  firehose_session_credentials = true\n"
    "  pyproject.toml:         [tool.pytest.ini_options]  firehose_session_credentials = true\n"
    "  one run:                pytest -o firehose_session_credentials=true"
)


def misuse(error: BaseException) -> bool:
    """Whether ``error`` is the plugin's word on a misuse: a ``UsageError``, or a
    ``ClockRangeError`` (looked up only once the clock is loaded: this module imports as
    little as it can, for the many runs that never use the fake)."""
    if isinstance(error, UsageError):
        return True
    clock = sys.modules.get("pytest_firehose._clock")
    return clock is not None and isinstance(error, clock.ClockRangeError)


def drop_own_frames(error: BaseException) -> None:
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
