"""The account's Kinesis limits (DescribeLimits, the shard quota, the on-demand stream
quota) and the capacity mode (UpdateStreamMode). A mixin of ``KinesisService``.

Facts used here:

* The default shard quota is 20,000 shards per account in us-east-1, us-west-2 and
  eu-west-1, and "1,000 or 6,000" in every other region; an account may create 50
  on-demand streams (DOC, developer guide "Quotas and limits", read 2026; older editions
  said 500 and 200). Every other region gets 1,000 here, the lower of the two figures.
* A request that would take the account past its shard quota is refused with
  ``LimitExceededException`` ``This request would exceed the shard limit for the account A
  in R. Current shard count for the account: N. Limit: L. Number of additional shards that
  would have resulted from this request: K. Refer to the AWS Service Limits page (...) for
  current limits and how to request higher limits.`` (MOCK: kinesalite's createStream and
  splitShard tests, run against AWS).
* Switching capacity mode keeps the stream's shards, leaves it UPDATING while it
  switches, and is allowed twice in 24 hours (DOC, "Switch between capacity modes").

Choices (INFERRED; docs/kinesis.md lists them): the open shards of every stream count
toward the shard quota, on-demand ones too (a stream being resharded counts its target);
the on-demand stream quota's refusal and the third switch's refusal word their
``LimitExceededException`` like the shard quota's; asking for the mode a stream already
has changes nothing and is not counted as a switch (with ``WarmThroughputMiBps``, an
on-demand stream scales to it, as UpdateStreamWarmThroughput does).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.attached import Registry
from pytest_firehose._services.kinesis.streams import KinesisStream, ShardTally

if TYPE_CHECKING:
    from pytest_firehose._services.kinesis.channel_state import Channel
    from pytest_firehose._services.kinesis.queue_records import Queue

#: Regions whose default shard quota is 20,000 (DOC); every other region gets 1,000.
LARGE_QUOTA_REGIONS = frozenset({"us-east-1", "us-west-2", "eu-west-1"})
LARGE_SHARD_LIMIT = 20_000
SHARD_LIMIT = 1_000
ON_DEMAND_STREAM_LIMIT = 50
#: Capacity-mode switches a stream may make in any 24 hours (DOC).
MODE_SWITCHES_PER_DAY = 2
_DAY = timedelta(hours=24)
_LIMITS_PAGE = (
    "Refer to the AWS Service Limits page "
    "(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current "
    "limits and how to request higher limits."
)


def auto_needs_on_demand(stream: str, account_id: str) -> ServiceError:
    """The refusal of the AUTO record distribution strategy for a provisioned stream."""
    return ServiceError(
        "InvalidArgumentException",
        f"Stream {stream} under account {account_id} is in PROVISIONED mode; the AUTO record "
        "distribution strategy is only supported for streams in ON_DEMAND mode.",
    )


def default_shard_limit(region: str) -> int:
    """The account's default shard quota in ``region`` (DOC)."""
    return LARGE_SHARD_LIMIT if region in LARGE_QUOTA_REGIONS else SHARD_LIMIT


class Limits:
    """DescribeLimits, the quota checks and UpdateStreamMode, for ``KinesisService``."""

    account_id: str
    region: str
    clock: FakeClock
    streams: dict[str, KinesisStream]
    shard_tally: ShardTally
    shard_limit: int
    _stream: Callable[[dict[str, Any]], KinesisStream]
    _active: Callable[[dict[str, Any]], KinesisStream]
    _reshard: Callable[..., None]
    check_warm_throughput: Callable[[str, str, int], None]
    queues: Registry[Queue]
    channels: Registry[Channel]

    def open_shard_count(self) -> int:
        """Open shards of every stream in this account and region; a stream in the middle
        of a reshard counts the shards it will have. Kept as streams come, go and reshard
        (``ShardTally``), not summed over the streams at each check."""
        return self.shard_tally.open_shards

    def on_demand_stream_count(self) -> int:
        return self.shard_tally.on_demand

    def check_shard_room(self, additional: int) -> None:
        """Refuse a request that would open ``additional`` shards past the shard quota."""
        current = self.open_shard_count()
        if additional <= 0 or current + additional <= self.shard_limit:
            return
        raise ServiceError(
            "LimitExceededException",
            f"This request would exceed the shard limit for the account {self.account_id} in "
            f"{self.region}. Current shard count for the account: {current}. Limit: "
            f"{self.shard_limit}. Number of additional shards that would have resulted from "
            f"this request: {additional}. {_LIMITS_PAGE}",
        )

    def check_on_demand_room(self) -> None:
        """Refuse one more on-demand stream past the account's 50."""
        current = self.on_demand_stream_count()
        if current < ON_DEMAND_STREAM_LIMIT:
            return
        raise ServiceError(
            "LimitExceededException",
            f"This request would exceed the on-demand stream limit for the account "
            f"{self.account_id} in {self.region}. Current on-demand stream count for the "
            f"account: {current}. Limit: {ON_DEMAND_STREAM_LIMIT}. {_LIMITS_PAGE}",
        )

    def describe_limits(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ShardLimit": self.shard_limit,
            "OpenShardCount": self.open_shard_count(),
            "OnDemandStreamCount": self.on_demand_stream_count(),
            "OnDemandStreamCountLimit": ON_DEMAND_STREAM_LIMIT,
        }

    def update_stream_mode(self, params: dict[str, Any]) -> dict[str, Any]:
        """Switch between PROVISIONED and ON_DEMAND, keeping the shards (DOC)."""
        stream = self._active(params)
        mode = params["StreamModeDetails"]["StreamMode"]
        warm = params.get("WarmThroughputMiBps")
        if warm is not None:
            self.check_warm_throughput(stream.name, mode, warm)
        if mode == stream.mode:
            if warm is not None:
                self._warm_up(stream, warm)
            return {}
        now = self.clock.now()
        recent = [moment for moment in stream.mode_switches if moment > now - _DAY]
        if len(recent) >= MODE_SWITCHES_PER_DAY:
            raise ServiceError(
                "LimitExceededException",
                f"Stream {stream.name} under account {self.account_id} has already switched "
                f"capacity mode {MODE_SWITCHES_PER_DAY} times in the last 24 hours. Limit: "
                f"{MODE_SWITCHES_PER_DAY}.",
            )
        if mode == "ON_DEMAND":
            self.check_on_demand_room()
        else:
            self.queues.check_none(stream, "UpdateStreamMode")
            self.channels.check_none(stream, "UpdateStreamMode")
            if stream.distribution == "AUTO":
                raise ServiceError(
                    "InvalidArgumentException",
                    f"Stream {stream.name} under account {self.account_id} uses the AUTO "
                    "record distribution strategy, which PROVISIONED mode does not support. "
                    "Set it to USER_PARTITION_KEY with UpdateStreamRecordDistributionStrategy "
                    "first.",
                )
        stream.mode_switches = [*recent, now]

        if warm is not None:
            stream.warm_target = warm

        def change(at: datetime) -> None:
            stream.mode = mode
            if warm is not None:
                stream.warm_throughput, stream.warm_target = warm, None

        self._reshard(stream, change, len(stream.open_shards))
        return {}

    def _warm_up(self, stream: KinesisStream, warm: int) -> None:
        """An on-demand stream asked for its own mode with WarmThroughputMiBps scales to it,
        as UpdateStreamWarmThroughput would (INFERRED)."""
        stream.warm_target = warm

        def change(at: datetime) -> None:
            stream.warm_throughput, stream.warm_target = warm, None

        self._reshard(stream, change, len(stream.open_shards))

    def update_record_distribution(self, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateStreamRecordDistributionStrategy: takes effect for the records that arrive
        from now on; records already in the stream stay where they are (DOC)."""
        stream = self._active(params)
        strategy = params["RecordDistributionStrategy"]
        if strategy == "AUTO" and stream.mode != "ON_DEMAND":
            raise auto_needs_on_demand(stream.name, self.account_id)
        stream.distribution = strategy
        return {}
