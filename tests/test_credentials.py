"""While a fake is active, no session resolves real credentials, whatever the set-up.

Each case builds a home with real-looking credentials of every kind: static keys in the
shared credentials file, a profile whose ``credential_process`` would leave a marker file if
it ran, an SSO profile with a token in the SSO cache, and a container credentials URI that
points at a loopback port where a listening socket would see any connection. An audit hook
records every process started, every connection attempted and every file opened under the
home, so a test sees whatever botocore tried, not only what it returned.
"""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.credentials
import botocore.session
import botocore.tokens
import pytest
from conftest import aiobotocore_installed

from pytest_firehose import FirehoseFake

#: Keys that only the shared credentials file holds; a request signed with them used it.
FILE_KEY = "AKIAFROMTHEFILE00000"


class Audit:
    """What the process did while ``watching``: processes run, sockets connected, files
    opened under ``home``. Audit hooks cannot be removed, so one hook serves every test."""

    def __init__(self) -> None:
        self.watching = False
        self.home = ""
        self.events: list[str] = []

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.watching:
            return
        if event in ("subprocess.Popen", "os.exec", "os.posix_spawn", "os.system"):
            self.events.append(f"{event} {args[0]!r}")
        elif event == "socket.connect":
            self.events.append(f"connect {args[1]!r}")
        elif event == "open" and isinstance(args[0], (str, Path)):
            path = str(args[0])
            # The shared config and credentials files are parsed for settings (profiles,
            # region) by every session; what matters is that no credential from them is used.
            if path.startswith(self.home) and Path(path).name not in ("config", "credentials"):
                self.events.append(f"open {path}")


AUDIT = Audit()
sys.addaudithook(AUDIT.hook)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A home holding credentials of every kind, and a socket where the container URI points."""
    aws = tmp_path / ".aws"
    (aws / "sso" / "cache").mkdir(parents=True)
    marker = tmp_path / "credential_process_ran"
    script = tmp_path / "credentials.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import json, pathlib
            pathlib.Path({str(marker)!r}).write_text("ran")
            print(json.dumps({{"Version": 1, "AccessKeyId": "AKIAFROMPROCESS00000",
                              "SecretAccessKey": "secret"}}))
            """
        )
    )
    (aws / "credentials").write_text(
        f"[static]\naws_access_key_id = {FILE_KEY}\naws_secret_access_key = file-secret\n"
    )
    (aws / "config").write_text(
        textwrap.dedent(
            f"""
            [profile process]
            credential_process = {sys.executable} {script}
            [profile sso]
            sso_session = corp
            sso_account_id = 111122223333
            sso_role_name = Admin
            [sso-session corp]
            sso_start_url = https://corp.awsapps.com/start
            sso_region = us-east-1
            """
        )
    )
    token = {
        "accessToken": "real-sso-token",
        "expiresAt": "2999-01-01T00:00:00Z",
        "region": "us-east-1",
        "startUrl": "https://corp.awsapps.com/start",
    }
    for name in ("corp", "https://corp.awsapps.com/start"):
        digest = hashlib.sha1(name.encode()).hexdigest()
        (aws / "sso" / "cache" / f"{digest}.json").write_text(json.dumps(token))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    # botocore expands the SSO cache's home once, at import.
    for provider in (botocore.credentials.SSOProvider, botocore.tokens.SSOTokenProvider):
        monkeypatch.setattr(provider, "_SSO_TOKEN_CACHE_DIR", str(aws / "sso" / "cache"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        f"http://127.0.0.1:{listener.getsockname()[1]}/credentials",
    )
    AUDIT.home, AUDIT.events = str(tmp_path), []
    try:
        yield {"marker": marker, "listener": listener}
    finally:
        AUDIT.watching = False
        listener.close()


def nothing_outside(home: dict[str, Any]) -> None:
    """Nothing ran, connected or read credentials outside the fake."""
    assert AUDIT.events == []
    assert not home["marker"].exists(), "credential_process ran"
    with pytest.raises(BlockingIOError):
        home["listener"].accept()  # nobody asked the container credentials endpoint


def answered(session: boto3.Session) -> str:
    """Call the fake through ``session`` and return the access key the request used."""
    client = session.client("firehose")
    assert client.list_delivery_streams()["DeliveryStreamNames"] == []
    credentials = session.get_credentials()
    assert credentials is not None
    return str(credentials.access_key)


CASES = {
    "empty": ({"AWS_ACCESS_KEY_ID": "", "AWS_PROFILE": "process"}, {}),
    "profile with credential_process": ({"AWS_PROFILE": "process"}, {}),
    "container URI": ({}, {}),
    "empty, container URI": ({"AWS_ACCESS_KEY_ID": ""}, {}),
    "SSO cache": ({"AWS_PROFILE": "sso"}, {}),
    "explicit profile_name, process": ({}, {"profile_name": "process"}),
    "explicit profile_name, static": ({}, {"profile_name": "static"}),
    "explicit profile_name, sso": ({}, {"profile_name": "sso"}),
}


@pytest.mark.parametrize(("environment", "arguments"), CASES.values(), ids=list(CASES))
def test_no_real_credentials_are_looked_up(
    home: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    arguments: dict[str, str],
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with FirehoseFake():
        AUDIT.watching = True
        key = answered(boto3.Session(**arguments))
        AUDIT.watching = False
    assert key == "testing"
    nothing_outside(home)


def test_keys_set_in_the_environment_are_used(
    home: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "mine")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "my-secret")
    monkeypatch.setenv("AWS_PROFILE", "process")
    with FirehoseFake():
        AUDIT.watching = True
        key = answered(boto3.Session())
        AUDIT.watching = False
    assert key == "mine"
    nothing_outside(home)


def test_explicit_keys_are_used_as_given(home: dict[str, Any]) -> None:
    with FirehoseFake():
        AUDIT.watching = True
        session = boto3.Session(
            aws_access_key_id="given", aws_secret_access_key="s", profile_name="process"
        )
        assert answered(session) == "given"
        client = boto3.client("firehose", aws_access_key_id="direct", aws_secret_access_key="s")
        assert client.list_delivery_streams()["DeliveryStreamNames"] == []
        AUDIT.watching = False
    nothing_outside(home)


def test_a_session_made_before_the_fake_resolves_through_it(home: dict[str, Any]) -> None:
    session = botocore.session.Session(profile="process")
    with FirehoseFake():
        AUDIT.watching = True
        credentials = session.get_credentials()
        AUDIT.watching = False
    assert credentials is not None
    assert credentials.access_key == "testing"
    nothing_outside(home)


def test_the_resolver_is_whole_again_after_the_fake(home: dict[str, Any]) -> None:
    """Outside a fake, botocore resolves as it always does: the patch is undone."""
    with FirehoseFake():
        pass
    credentials = boto3.Session(profile_name="static").get_credentials()
    assert credentials is not None
    assert credentials.access_key == FILE_KEY


@pytest.mark.aio
@pytest.mark.parametrize("profile", ["process", "sso", "static", None])
def test_async_sessions_look_up_no_real_credentials(
    home: dict[str, Any], profile: str | None
) -> None:
    assert aiobotocore_installed()
    import asyncio

    from aiobotocore.session import AioSession

    async def call() -> str:
        session = AioSession(profile=profile)
        async with session.create_client("firehose") as client:
            listed = await client.list_delivery_streams()
            assert listed["DeliveryStreamNames"] == []
        credentials = await session.get_credentials()
        return str(credentials.access_key)

    with FirehoseFake():
        AUDIT.watching = True
        key = asyncio.run(call())
        AUDIT.watching = False
    assert key == "testing"
    nothing_outside(home)
