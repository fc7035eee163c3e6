"""The account's Kinesis settings (DescribeAccountSettings, UpdateAccountSettings: the
minimum throughput billing commitment) and the warm throughput of on-demand streams that
the commitment allows (UpdateStreamWarmThroughput, and CreateStream's and
UpdateStreamMode's ``WarmThroughputMiBps``). A mixin of ``KinesisService``.

Facts used here (API reference, read 2026):

* A commitment lasts at least 24 hours: disabling it earlier schedules the disable for
  ``EarliestAllowedEndAt`` (status ``ENABLED_UNTIL_EARLIEST_ALLOWED_END``), and enabling
  it again before then cancels that (MinimumThroughputBillingCommitmentInput). The
  answer carries ``StartedAt``, ``EndedAt`` and ``EarliestAllowedEndAt``.
* Warm throughput is for on-demand streams in accounts whose commitment is enabled, not
  for provisioned ones; at most 10 GiBps (10,240 MiBps); the change keeps the stream
  UPDATING, then ACTIVE; ``WarmThroughput`` (``TargetMiBps``, ``CurrentMiBps``) is only
  present for on-demand streams in such accounts (WarmThroughputObject).

Choices (INFERRED; docs/kinesis.md lists them): the commitment is kept per region; a new
account answers ``{"Status": "DISABLED"}``; a stream never given warm throughput
describes 0 for both; the refusals: a provisioned stream ``ValidationException`` (the
wording of the fake's other capacity-mode refusals), no enabled commitment
``InvalidArgumentException``, over 10,240 MiBps ``LimitExceededException``. The fake
keeps and describes warm throughput; it does not change how much a stream accepts
(quotas are per shard and off unless a test turns them on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.streams import KinesisStream

#: The shortest a commitment lasts (DOC).
COMMITMENT_PERIOD = timedelta(hours=24)
#: The most warm throughput an on-demand stream may ask for (DOC: 10 GiBps).
MAX_WARM_THROUGHPUT_MIBPS = 10 * 1024


@dataclass
class Commitment:
    """The account's minimum throughput billing commitment."""

    status: str = "DISABLED"
    started_at: datetime | None = None
    ended_at: datetime | None = None
    earliest_end: datetime | None = None

    @property
    def enabled(self) -> bool:
        return self.status != "DISABLED"

    def describe(self) -> dict[str, Any]:
        found: dict[str, Any] = {"Status": self.status}
        for member, moment in (
            ("StartedAt", self.started_at),
            ("EndedAt", self.ended_at),
            ("EarliestAllowedEndAt", self.earliest_end),
        ):
            if moment is not None:
                found[member] = moment
        return found

    def enable(self, now: datetime) -> None:
        if self.status == "ENABLED_UNTIL_EARLIEST_ALLOWED_END":
            self.status = "ENABLED"  # the pending disable is cancelled (DOC)
        elif self.status == "DISABLED":
            self.status, self.started_at, self.ended_at = "ENABLED", now, None
            self.earliest_end = now + COMMITMENT_PERIOD

    def disable(self, now: datetime) -> None:
        if self.status != "ENABLED":
            return
        if self.earliest_end is not None and now < self.earliest_end:
            self.status = "ENABLED_UNTIL_EARLIEST_ALLOWED_END"
        else:
            self.status, self.ended_at = "DISABLED", now

    def settle(self, now: datetime) -> None:
        """A scheduled disable happens at the earliest allowed end."""
        end = self.earliest_end
        if self.status == "ENABLED_UNTIL_EARLIEST_ALLOWED_END" and end is not None and end <= now:
            self.status, self.ended_at = "DISABLED", end


class AccountSettings:
    """Account settings and warm throughput, for ``KinesisService``."""

    account_id: str
    clock: FakeClock
    commitment: Commitment
    _stream: Callable[[dict[str, Any]], KinesisStream]
    _updatable: Callable[[KinesisStream], None]
    _reshard: Callable[..., None]

    def describe_account_settings(self, params: dict[str, Any]) -> dict[str, Any]:
        self.commitment.settle(self.clock.now())
        return {"MinimumThroughputBillingCommitment": self.commitment.describe()}

    def update_account_settings(self, params: dict[str, Any]) -> dict[str, Any]:
        now = self.clock.now()
        self.commitment.settle(now)
        if params["MinimumThroughputBillingCommitment"]["Status"] == "ENABLED":
            self.commitment.enable(now)
        else:
            self.commitment.disable(now)
        return {"MinimumThroughputBillingCommitment": self.commitment.describe()}

    def check_warm_throughput(self, stream: str, mode: str, mibps: int) -> None:
        """Refuse ``mibps`` of warm throughput for ``stream`` in capacity ``mode``."""
        if mode != "ON_DEMAND":
            raise ServiceError(
                "ValidationException",
                f"Warm throughput is not supported for stream {stream} under account "
                f"{self.account_id} in {mode} capacity mode.",
            )
        self.commitment.settle(self.clock.now())
        if not self.commitment.enabled:
            raise ServiceError(
                "InvalidArgumentException",
                f"Warm throughput for stream {stream} under account {self.account_id} needs "
                "the account's MinimumThroughputBillingCommitment to be enabled "
                "(UpdateAccountSettings).",
            )
        if mibps > MAX_WARM_THROUGHPUT_MIBPS:
            raise ServiceError(
                "LimitExceededException",
                f"Warm throughput of {mibps} MiBps for stream {stream} under account "
                f"{self.account_id} exceeds the limit of {MAX_WARM_THROUGHPUT_MIBPS} MiBps.",
            )

    def warm_throughput_of(self, stream: KinesisStream) -> dict[str, int] | None:
        """What DescribeStreamSummary shows in ``WarmThroughput``: nothing but for an
        on-demand stream in an account whose commitment is enabled (DOC)."""
        self.commitment.settle(self.clock.now())
        if stream.mode != "ON_DEMAND" or not self.commitment.enabled:
            return None
        current = stream.warm_throughput or 0
        target = stream.warm_target if stream.warm_target is not None else current
        return {"TargetMiBps": target, "CurrentMiBps": current}

    def update_stream_warm_throughput(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        mibps = params["WarmThroughputMiBps"]
        self.check_warm_throughput(stream.name, stream.mode, mibps)
        self._updatable(stream)
        current = stream.warm_throughput or 0
        stream.warm_target = mibps

        def change(at: datetime) -> None:
            stream.warm_throughput, stream.warm_target = mibps, None

        self._reshard(stream, change, len(stream.open_shards))
        return {
            "StreamARN": stream.arn,
            "StreamName": stream.name,
            "WarmThroughput": {"TargetMiBps": mibps, "CurrentMiBps": current},
        }
