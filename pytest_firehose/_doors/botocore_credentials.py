"""The credentials a botocore session resolves while a fake runs (the botocore door's,
``botocore.py``).

``CredentialResolver.load_credentials`` is where every session resolves the credentials
nothing explicit gave it (``Session.get_credentials`` calls it once, for sessions made
before the fake started too). While a fake is active it reads the environment's static keys
and otherwise gives the fake's own: the shared files' keys, ``credential_process``, SSO,
assume-role, container and instance-metadata providers are never consulted. Keys passed to
``boto3.Session(...)`` or a client are used as given; they never leave the process.
"""

from __future__ import annotations

from typing import Any

from botocore.credentials import Credentials, EnvProvider
from botocore.exceptions import PartialCredentialsError

from pytest_firehose._doors.environment import FAKE_CREDENTIALS

#: The ``method`` botocore records for the fake's own credentials.
FAKE_METHOD = "pytest-firehose"


def environment_credentials(provider: Any) -> Any:
    """The static keys ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY`` give (``provider``
    reads ``os.environ`` only), or ``None`` when they are unset, empty or half given."""
    try:
        return provider.load()
    except PartialCredentialsError:
        return None


def fake_credentials(kind: type[Credentials] = Credentials) -> Credentials:
    """The fake's own credentials, as ``kind`` (aiobotocore has its own class)."""
    return kind(
        FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        method=FAKE_METHOD,
    )


def _load_credentials(_resolver: Any) -> Credentials:
    """``CredentialResolver.load_credentials`` while a fake is active: nothing but the
    environment's static keys, else the fake's own."""
    found: Credentials | None = environment_credentials(EnvProvider())
    return found if found is not None else fake_credentials()
