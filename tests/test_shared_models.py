"""The suite's clients read botocore's model files with one shared loader (conftest's
``sharing_models``), and are otherwise the clients boto3 makes."""

from __future__ import annotations

from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.exceptions import ProfileNotFound
from conftest import REGION, clear_aws_settings, sharing_models
from moto import mock_aws

from pytest_firehose._destinations.service_clients import models


def loader_of(session: boto3.Session) -> object:
    return session._session.get_component("data_loader")


def test_the_default_session_mock_aws_leaves_reads_with_the_shared_loader() -> None:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        assert boto3.DEFAULT_SESSION is not None
        assert loader_of(boto3.DEFAULT_SESSION) is models()
        assert client.meta.region_name == REGION
        assert client.list_buckets()["Buckets"] == []


def test_a_data_path_setting_keeps_a_loader_of_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    loader = sharing_models(botocore.session.get_session()).get_component("data_loader")
    assert loader is not models()
    assert str(tmp_path) in loader.search_paths


def test_a_missing_profile_is_still_refused_when_the_client_is_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clear_aws_settings(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_PROFILE", "missing")
    session = sharing_models(botocore.session.get_session())
    with pytest.raises(ProfileNotFound):
        session.create_client("firehose", region_name=REGION)
