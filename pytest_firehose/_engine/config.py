"""A fake world's settings, checked in one place: region, account id, seed, the loopback
hosts that may really be reached, the fake-time delays of creation, encryption and
Kinesis updates, and what becomes of a setting the fake does not model.

``FirehoseFake`` and the plugin's ini options both build a ``WorldConfig``, so a setting is
refused with the same message wherever it comes from; the server's command line checks its
account id by the same rule (``is_account_id``), worded as an argument error.
This module imports no botocore but to check a region given (botocore's partition data):
the plugin checks its ini options with it at start-up, before any test asks for the fake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeGuard

from pytest_firehose._errors import UsageError
from pytest_firehose._loopback import is_loopback

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

_ACCOUNT_ID = re.compile(r"\d{12}")
#: A region's name as botocore takes one (``botocore.utils.validate_region_name``): a host
#: label of letters, digits and inner hyphens, not all digits. A client cannot be made for
#: any other, so a stream there could never be reached.
_REGION = re.compile(r"(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)")
#: What a refused region is told after its value: the rule and its reason.
REGION_RULE = (
    " (an AWS region's name: area, place, number, as in ap-southeast-7 or us-gov-west-1; "
    "a client of any other region reaches no endpoint, so a test of a stream there would "
    "pass and test nothing)"
)
#: The values of ``unmodelled``: warn about a setting the fake does not model, or refuse it.
UNMODELLED_POLICIES = ("warn", "error")


#: The longest delay a fake world takes, in seconds (about 300 years): a stream's dates stay
#: within what ``datetime`` holds however far the fake clock was moved.
MAX_DELAY = 10**10


def is_account_id(text: str) -> bool:
    """Whether ``text`` has the form of an AWS account id: 12 digits."""
    return _ACCOUNT_ID.fullmatch(text) is not None


@dataclass(frozen=True)
class WorldConfig:
    """The settings of one fake world, valid once built (else :class:`UsageError`).

    ``region=None`` means: the environment's region (``AWS_REGION``, then
    ``AWS_DEFAULT_REGION``) when the fake starts, else ``us-east-1``.
    """

    region: str | None = None
    account_id: str = DEFAULT_ACCOUNT_ID
    seed: int | None = None
    allow_hosts: frozenset[str] = frozenset()
    creation_delay: float = 0
    encryption_delay: float = 0
    #: Seconds a Kinesis reshard, capacity-mode switch or warm-throughput change keeps a
    #: stream UPDATING; ``None``: the creation delay.
    update_delay: float | None = None
    #: A setting the fake does not model (a delivery stream's, or a request member newer
    #: than the release): "warn" (an UnmodelledSettingWarning) or "error" (the request
    #: is refused).
    unmodelled: str = "warn"

    def __post_init__(self) -> None:
        check_region(self.region)
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise UsageError(f"seed must be an integer, not {self.seed!r}")
        if not isinstance(self.account_id, str) or not is_account_id(self.account_id):
            raise UsageError(f"account_id must be 12 digits, like AWS's, not {self.account_id!r}")
        for host in self.allow_hosts:
            if not is_loopback(host):
                raise UsageError(
                    f"allow_hosts may only name loopback hosts (127.0.0.1, ::1, localhost); "
                    f"{host!r} is not one. Nothing in a test may reach the network: mock that "
                    "service instead (moto's mock_aws, for example)."
                )
        for name, delay in (
            ("creation_delay", self.creation_delay),
            ("encryption_delay", self.encryption_delay),
            ("update_delay", 0 if self.update_delay is None else self.update_delay),
        ):
            if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
                raise UsageError(f"{name} is seconds of fake time (0 or more), not {delay!r}")
            if not delay <= MAX_DELAY:  # NaN compares False too
                raise UsageError(
                    f"{name} is seconds of fake time (0 or more, at most {MAX_DELAY:,}), "
                    f"not {delay!r}"
                )
        if self.unmodelled not in UNMODELLED_POLICIES:
            raise UsageError(
                f"unmodelled must be 'warn' or 'error' (what becomes of a setting the fake "
                f"does not model), not {self.unmodelled!r}"
            )


def is_region(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a region's name as botocore takes one, and as an AWS partition
    names its regions (botocore's partition data, read only here, when a region is given)."""
    if not isinstance(value, str) or _REGION.fullmatch(value) is None:
        return False
    from pytest_firehose._arns import is_partition_region

    return is_partition_region(value)


def check_region(region: object) -> None:
    """Refuse a region that is neither ``None`` (the default) nor a region's name."""
    if region is not None and not is_region(region):
        raise UsageError(
            f"region is a region name such as 'eu-west-1', not {region!r}{REGION_RULE}"
        )
