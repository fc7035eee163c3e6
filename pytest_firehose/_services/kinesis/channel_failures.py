"""A Kinesis channel that FAILS: on purpose (``kinesis[name].channels[i].fail()``, or
``POST /_fake/channel``), and by itself when its bucket stays unusable. ``channel_state.py``
holds what a FAILED channel does.

Facts used here (DOC: the API model's documentation of ChannelStatus, ChannelStatusReason
and DescribeChannel; the developer guide's "Troubleshooting data delivery"):

* ``FAILED`` is one of a channel's statuses, and ``ChannelStatusReason`` (1 to 2048
  characters, in DescribeChannel's ChannelDescription and ListChannels' ChannelSummary)
  says why.
* A channel whose service execution role is invalid or lacks permissions, whose
  destination bucket does not exist or is in another Region, or whose Glue schema cannot
  be resolved stays CREATING or becomes FAILED. A FAILED channel cannot be recovered: it is
  deleted and created again with the configuration fixed.

Choices (INFERRED; docs/kinesis.md lists them): a write S3 refuses with ``NoSuchBucket`` or
``AccessDenied`` is tried again each minute, and the channel becomes FAILED when its
bucket still refuses it ``FAIL_AFTER`` after the first refusal (AWS finds such a bucket
while the channel is CREATING; the fake finds it when it first writes); the reasons'
wording is the fake's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_firehose._errors import UsageError
from pytest_firehose._terms import terms

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from pytest_firehose._destinations.base import DeliveryFailed
    from pytest_firehose._services.kinesis.channel_state import Channel

#: ChannelStatusReason's length constraint (the API model's).
REASON_LENGTH = (1, 2048)


def role_refused(role: str) -> str:
    """The reason a channel fails with when a test names none: its role cannot be used,
    the first cause the guide lists."""
    return (
        f"Kinesis Data Streams could not assume the service execution role {role}: check its "
        "trust policy and permissions."
    )


def unusable(failure: DeliveryFailed, bucket: str, role: str) -> str | None:
    """Why ``bucket`` cannot be used, when the refusal ``failure`` says it cannot (it does
    not exist, or the role may not write to it); ``None`` for a refusal worth retrying."""
    # S3's answer is the client error the refusal was raised from (``S3Destination``).
    answer = getattr(failure.__cause__, "response", None)
    code = answer.get("Error", {}).get("Code") if isinstance(answer, dict) else None
    if code == "NoSuchBucket":
        return f"The destination bucket {bucket} does not exist or is in another Region."
    if code == "AccessDenied":
        return (
            f"Access to the destination bucket {bucket} was denied: the service execution "
            f"role {role} lacks the permissions delivery needs."
        )
    return None


def fail_on_purpose(
    channel: Channel,
    held: bool,
    reason: object,
    now: datetime,
    settle: Callable[[datetime], None],
) -> None:
    """Make ``channel`` FAILED at ``now`` with ``reason`` (its role's refusal when
    ``None``), once what fell due before is written (``settle``); ``held``: whether the
    service still holds it. Refuses, as :class:`UsageError`, a reason the API would not
    carry and a channel that cannot fail."""
    said = terms()
    call = said.call("channels[i].fail")
    if reason is None:
        reason = role_refused(channel.role)
    low, high = REASON_LENGTH
    if not isinstance(reason, str) or not low <= len(reason) <= high:
        shown = f"{len(reason)} characters" if isinstance(reason, str) else said.kind(type(reason))
        raise UsageError(
            f"{call}: {said.name('reason')} is the ChannelStatusReason DescribeChannel shows, "
            f"a string of {low} to {high} characters, not {shown}"
        )
    if not held:
        raise UsageError(
            f"{call}: channel {channel.name} is gone (deleted, or its stream was): a channel "
            "made again under its name is another one; read the stream's channels again"
        )
    if channel.deleted_at is not None:
        raise UsageError(
            f"{call}: channel {channel.name} is DELETING and cannot fail; fail it before "
            "DeleteChannel"
        )
    if channel.failed_at is not None:
        raise UsageError(
            f"{call}: channel {channel.name} is FAILED already ({channel.status_reason}); a "
            "FAILED channel neither recovers nor fails again: DeleteChannel it and create it "
            "again"
        )
    settle(now)
    channel.fail(now, reason)
