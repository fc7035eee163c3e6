"""The environment a fake sets so botocore finds no real credentials and no metadata
service: shared by the in-process fake, the plugin's session credentials and the local
server's ``env`` for subprocess clients."""

from __future__ import annotations

import os

from pytest_firehose._engine.config import DEFAULT_REGION

#: Set for the fake's lifetime when no credentials are in the environment. They never
#: leave the process; they keep botocore from looking for real ones (files, IMDS).
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
#: Keeps botocore from asking the EC2 instance metadata service for credentials or region.
NO_METADATA = {"AWS_EC2_METADATA_DISABLED": "true"}


def fake_environment(region: str = DEFAULT_REGION) -> dict[str, str]:
    """The variables to set so that no real credentials are found and a region is known."""
    wanted = dict(NO_METADATA)
    if "AWS_ACCESS_KEY_ID" not in os.environ:
        wanted.update(FAKE_CREDENTIALS)
    if "AWS_DEFAULT_REGION" not in os.environ and "AWS_REGION" not in os.environ:
        wanted["AWS_DEFAULT_REGION"] = region
    return wanted
