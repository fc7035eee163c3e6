"""Other clients against the local server: the AWS CLI, the AWS SDK for JavaScript v3 and
the AWS SDK for Go v2, each run as a subprocess pointed at the ``firehose_server`` fixture.

These tests live outside ``tests/`` (the main suite's testpaths) because they need tools
the main suite does not: awscli pins botocore to one exact version, the JavaScript tests
need Node.js and npm, and the Go tests need Go with the SDK's sources. ``tox -e clients``
installs awscli and the JavaScript SDK and builds the Go program, then runs them all
(``.ci/run`` installs Chromium, Go, the Go SDK and curl where they are missing). Where a tool is
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
GO_DIR = Path(__file__).parent / "go"
#: Where Debian's golang-github-aws-aws-sdk-go-v2-dev installs the SDK's sources: a GOPATH.
DEBIAN_GOPATH = "/usr/share/gocode"
#: A package of the SDK that the Go program imports, to tell whether a GOPATH holds the SDK.
GO_SDK_PACKAGE = Path("src", "github.com", "aws", "aws-sdk-go-v2", "service", "kinesis")
#: The SDK's release, as the sources state it.
GO_SDK_VERSION = Path("src", "github.com", "aws", "aws-sdk-go-v2", "aws", "go_module_metadata.go")
GO_BUILD_TIMEOUT = 600


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


@pytest.fixture
def curl(firehose_server: FirehoseServer) -> Callable[..., Any]:
    """Call the control API with curl, as a shell script beside the CLI does:
    ``curl("POST", "/_fake/clock", {"advance": 60})`` sends the body as ``curl -d`` does
    and returns the JSON answer; an answer other than a 2xx fails the test with the
    server's message."""
    executable = shutil.which("curl")
    if executable is None:
        unavailable("curl not found: install curl to run the AWS CLI tests of the control API")

    def run(method: str, path: str, body: Any = None) -> Any:
        command = [executable, "--silent", "--show-error", "--request", method]
        command += ["--write-out", "\n%{http_code}", f"{firehose_server.url}{path}"]
        if body is not None:
            command += ["--data", json.dumps(body)]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=CLIENT_TIMEOUT, check=False
        )
        answer, _, status = done.stdout.rpartition("\n")
        if done.returncode != 0 or not status.startswith("2"):
            pytest.fail(
                f"curl {method} {path} (exit {done.returncode}, status {status}):\n"
                f"{answer}\n{done.stderr}",
                pytrace=False,
            )
        return json.loads(answer)

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
        return run_client([node, str(JS_DIR / script)], f"node {script}", job, client_env)

    return run


def run_client(command: list[str], name: str, job: dict[str, Any], env: dict[str, str]) -> Any:
    """Run a client program with ``job`` as JSON on its standard input; return the JSON it
    prints, or fail the test with its output when it exits with an error."""
    done = subprocess.run(
        command,
        input=json.dumps(job),
        env=env,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{name} exited {done.returncode}:\n{done.stdout}\n{done.stderr}", pytrace=False
        )
    return json.loads(done.stdout)


# ---------------------------------------------------------------------- Go


def _gopath() -> list[Path]:
    """The GOPATH to build with: the user's own, then Debian's shared one."""
    entries = [Path(entry) for entry in os.environ.get("GOPATH", "").split(os.pathsep) if entry]
    return [*entries, Path(DEBIAN_GOPATH)]


def _go_build_digest(go_version: str, sdk: Path) -> str:
    """What the built program depends on: its sources, the compiler and the SDK's release."""
    digest = hashlib.sha256(go_version.encode())
    digest.update(str(sdk).encode())
    digest.update((sdk / GO_SDK_VERSION).read_bytes())
    for source in sorted(GO_DIR.glob("*.go")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _go_environment(gopath: list[Path]) -> dict[str, str]:
    """``go build`` in GOPATH mode, offline: Debian packages the SDK as sources in a GOPATH
    (not as modules), and nothing may be downloaded."""
    env = dict(os.environ)
    env.update(
        GO111MODULE="off",
        GOPATH=os.pathsep.join(str(entry) for entry in gopath),
        GOPROXY="off",
        GOFLAGS="",
        GOTOOLCHAIN="local",
        # A static binary with Go's own resolver: no C compiler needed, and the program
        # only ever dials 127.0.0.1.
        CGO_ENABLED="0",
    )
    return env


@pytest.fixture(scope="session")
def go_client() -> Path:
    """The Go program in ``go/``, built with the AWS SDK for Go v2 when it is missing or
    older than its sources (or the compiler, or the SDK)."""
    go = shutil.which("go")
    if go is None:
        unavailable(
            "go not found: install Go and the AWS SDK for Go v2 (Debian: `apt-get install "
            "golang-go golang-github-aws-aws-sdk-go-v2-dev`) to run the Go SDK tests"
        )
    gopath = _gopath()
    sdk = next((entry for entry in gopath if (entry / GO_SDK_PACKAGE).is_dir()), None)
    if sdk is None:
        searched = os.pathsep.join(str(entry) for entry in gopath)
        unavailable(
            f"the AWS SDK for Go v2 is not in GOPATH ({searched}): install Debian's "
            "golang-github-aws-aws-sdk-go-v2-dev, or put the SDK's sources in your GOPATH, "
            "to run the Go SDK tests"
        )
    env = _go_environment(gopath)
    version = subprocess.run(
        [go, "version"], capture_output=True, text=True, env=env, check=False
    ).stdout.strip()
    name = "firehose-go-client.exe" if os.name == "nt" else "firehose-go-client"
    binary = GO_DIR / "bin" / name
    stamp = GO_DIR / "bin" / ".built-from"
    with _exclusive(GO_DIR / ".go-build.lock"):
        wanted = _go_build_digest(version, sdk)
        if not binary.is_file() or not stamp.is_file() or stamp.read_text() != wanted:
            done = subprocess.run(
                [go, "build", "-o", str(binary), "."],
                cwd=GO_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=GO_BUILD_TIMEOUT,
                check=False,
            )
            if done.returncode != 0:
                pytest.fail(
                    f"`go build` in {GO_DIR} failed (exit {done.returncode}, {version}, "
                    f"GOPATH={env['GOPATH']}):\n{done.stdout}\n{done.stderr}",
                    pytrace=False,
                )
            stamp.write_text(wanted)
    return binary


@pytest.fixture
def run_go(go_client: Path, client_env: dict[str, str]) -> Callable[..., Any]:
    """Run the Go program's ``command`` (``produce`` or ``consume``) with a job on its
    standard input; return the JSON it prints. It finds the server through
    AWS_ENDPOINT_URL."""

    def run(command: str, job: dict[str, Any]) -> Any:
        name = f"{go_client.name} {command}"
        return run_client([str(go_client), command], name, job, client_env)

    return run
