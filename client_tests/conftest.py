"""Other clients against the local server: the AWS CLI and the AWS SDK for JavaScript v3,
each run as a subprocess pointed at the ``firehose_server`` fixture.

These tests live outside ``tests/`` (the main suite's testpaths) because they need tools
the main suite does not: awscli pins botocore to one exact version, and the JavaScript
tests need Node.js and npm. ``tox -e clients`` installs both and runs them. Where a tool is
missing, its tests are skipped with the reason, unless PYTEST_FIREHOSE_REQUIRE_CLIENTS is
set (as it is in that tox env), which turns the skip into a failure.

The project's addopts disable the plugin's entry point (``-p no:firehose``); these tests
use the plugin's fixtures, so they load it here.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from pytest_firehose import FirehoseServer

pytest_plugins = ["pytest_firehose.plugin"]

REQUIRE = "PYTEST_FIREHOSE_REQUIRE_CLIENTS"
JS_DIR = Path(__file__).parent / "js"
#: The oldest Node.js the pinned AWS SDK for JavaScript v3 supports (its "engines").
NODE_MAJOR = 20
#: One client run may take this long before the test fails; a hang must not stall CI.
CLIENT_TIMEOUT = 120
NPM_TIMEOUT = 600


def unavailable(reason: str) -> NoReturn:
    """Skip the test because a client is missing, or fail it when the clients are required."""
    __tracebackhide__ = True
    if os.environ.get(REQUIRE, "") not in ("", "0"):
        pytest.fail(
            f"{reason} ({REQUIRE} is set, so these tests may not be skipped)", pytrace=False
        )
    pytest.skip(reason)


@pytest.fixture
def client_env(firehose_server: FirehoseServer, tmp_path: Path) -> dict[str, str]:
    """The server's subprocess environment, with empty AWS config and credentials files, so
    no profile, credential or setting of this machine reaches the client."""
    empty = tmp_path / "aws-empty"
    empty.write_text("")
    env: dict[str, str] = dict(firehose_server.env)
    env["AWS_CONFIG_FILE"] = str(empty)
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(empty)
    return env


# ---------------------------------------------------------------------- the AWS CLI


@dataclass(frozen=True)
class CliRun:
    """One ``aws`` command: its exit code, its output parsed as JSON (``None`` when it
    printed nothing) and its standard error."""

    args: tuple[str, ...]
    returncode: int
    output: Any
    stderr: str


@pytest.fixture
def aws(firehose_server: FirehoseServer, client_env: dict[str, str]) -> Callable[..., CliRun]:
    """Run the AWS CLI (v1, the ``awscli`` package of this Python) against the server:
    ``aws("firehose", "list-delivery-streams")``."""
    if importlib.util.find_spec("awscli") is None:
        unavailable(
            "awscli not installed: `pip install awscli` (or run `tox -e clients`) "
            "to run the AWS CLI tests"
        )

    def run(*args: str, env: dict[str, str] | None = None) -> CliRun:
        command = [
            sys.executable,
            "-m",
            "awscli",
            *args,
            "--endpoint-url",
            firehose_server.url,
            "--output",
            "json",
        ]
        done = subprocess.run(
            command,
            env={**client_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=CLIENT_TIMEOUT,
            check=False,
        )
        output = json.loads(done.stdout) if done.stdout.strip() else None
        return CliRun(tuple(args), done.returncode, output, done.stderr)

    return run


# ---------------------------------------------------------------------- JavaScript


def _lock_digest() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((JS_DIR / name).read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (pytest-xdist workers install one at a time)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; run one worker there
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def node() -> str:
    """The ``node`` executable, with the pinned SDK installed in ``js/node_modules`` by
    ``npm ci`` when it is missing or older than ``package-lock.json``."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        missing = "npm" if npm is None else "node"
        unavailable(
            f"{missing} not found: install Node.js {NODE_MAJOR}+ (with npm) to run the "
            "JavaScript SDK tests"
        )
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    major = re.match(r"v(\d+)\.", version)
    if major is None or int(major.group(1)) < NODE_MAJOR:
        unavailable(
            f"node {version or '(unknown version)'} is too old: the AWS SDK for JavaScript "
            f"v3 needs Node.js {NODE_MAJOR}+"
        )
    stamp = JS_DIR / "node_modules" / ".pytest-firehose-installed"
    with _exclusive(JS_DIR / ".npm-ci.lock"):
        wanted = _lock_digest()
        if not stamp.is_file() or stamp.read_text() != wanted:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"],
                cwd=JS_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
                check=False,
            )
            if done.returncode != 0:
                pytest.fail(
                    f"`npm ci` in {JS_DIR} failed (exit {done.returncode}):\n"
                    f"{done.stdout}\n{done.stderr}"
                )
            stamp.write_text(wanted)
    return node


@pytest.fixture
def run_js(node: str, client_env: dict[str, str]) -> Callable[..., Any]:
    """Run one of the scripts in ``js/`` with a job on its standard input; return the JSON
    it prints. The script finds the server through AWS_ENDPOINT_URL."""

    def run(script: str, job: dict[str, Any]) -> Any:
        done = subprocess.run(
            [node, str(JS_DIR / script)],
            input=json.dumps(job),
            env=client_env,
            capture_output=True,
            text=True,
            timeout=CLIENT_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(
                f"node {script} exited {done.returncode}:\n{done.stdout}\n{done.stderr}",
                pytrace=False,
            )
        return json.loads(done.stdout)

    return run
