"""A world's settings, checked in one place: the same refusals from FirehoseFake, the ini
options and the server's command line."""

from __future__ import annotations

import pytest

from pytest_firehose._engine.config import WorldConfig, is_account_id
from pytest_firehose._errors import UsageError
from pytest_firehose._loopback import is_loopback


def test_the_defaults_are_valid() -> None:
    config = WorldConfig()
    assert (config.region, config.account_id, config.seed) == (None, "123456789012", None)
    assert config.allow_hosts == frozenset()


@pytest.mark.parametrize("account_id", ["12345678901", "1234567890123", "12345678901a", ""])
def test_an_account_id_is_12_digits(account_id: str) -> None:
    assert not is_account_id(account_id)
    with pytest.raises(UsageError) as refused:
        WorldConfig(account_id=account_id)
    assert str(refused.value) == (f"account_id must be 12 digits, like AWS's, not {account_id!r}")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.8.9.10", "::1"])
def test_loopback_hosts_may_be_allowed(host: str) -> None:
    assert is_loopback(host)
    assert WorldConfig(allow_hosts=frozenset({host})).allow_hosts == {host}


@pytest.mark.parametrize("host", ["example.com", "10.0.0.1", "0.0.0.0", "::", ""])
def test_other_hosts_may_not(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(UsageError, match=f"{host!r} is not one. Nothing in a test may reach"):
        WorldConfig(allow_hosts=frozenset({"127.0.0.1", host}))


@pytest.mark.parametrize("delay", [-1, True, "5", None])
@pytest.mark.parametrize("name", ["creation_delay", "encryption_delay"])
def test_a_delay_is_seconds_of_fake_time(name: str, delay: object) -> None:
    with pytest.raises(UsageError) as refused:
        WorldConfig(**{name: delay})  # type: ignore[arg-type]
    assert str(refused.value) == f"{name} is seconds of fake time (0 or more), not {delay!r}"


def test_a_config_cannot_change_once_checked() -> None:
    config = WorldConfig(creation_delay=2.5)
    with pytest.raises(AttributeError):
        config.creation_delay = -1  # type: ignore[misc]
