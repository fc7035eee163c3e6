"""The environment a fake sets so botocore finds no real credentials and no metadata
service: shared by the in-process fake, the plugin's session credentials and the local
server's ``env`` for subprocess clients."""

from __future__ import annotations

import os

from pytest_firehose._engine.config import DEFAULT_REGION

#: Set for the fake's lifetime when the environment has no whole key pair. They never
#: leave the process; they keep botocore from looking for real ones (files, IMDS).
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
#: Keeps botocore from asking the EC2 instance metadata service for credentials or region.
NO_METADATA = {"AWS_EC2_METADATA_DISABLED": "true"}


def has_static_keys() -> bool:
    """Whether the environment gives a whole key pair: botocore finds no credentials in
    variables set but empty (``AWS_ACCESS_KEY_ID=""``) and looks elsewhere."""
    return bool(os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY"))


def fake_environment(region: str = DEFAULT_REGION) -> dict[str, str]:
    """The variables to set so that no real credentials are found and a region is known."""
    wanted = dict(NO_METADATA)
    if not has_static_keys():
        wanted.update(FAKE_CREDENTIALS)
    if "AWS_DEFAULT_REGION" not in os.environ and "AWS_REGION" not in os.environ:
        wanted["AWS_DEFAULT_REGION"] = region
    return wanted
