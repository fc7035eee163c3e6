"""The account's open shard count, checked by a hypothesis state machine driven through boto3
and the handles.

Several streams of one account come and go (CreateStream through boto3 or the handle,
provisioned or on-demand; DeleteStream, also while CREATING or UPDATING), are resharded
(SplitShard, MergeShards, UpdateShardCount, through boto3 or the handle), switch capacity
mode and warm throughput, while the clock moves (creation and update delays end), the
shard quota is low enough to refuse requests, and the world is reset. After every step:

- DescribeLimits' OpenShardCount is the sum, over the streams ListStreams shows, of the
  shards each has, or will have once a reshard under way ends, as the machine tracked them
  from the answers; its OnDemandStreamCount is the number of on-demand streams
  ListStreams shows;
- both equal the sums over the model's streams that the service keeps up to date as the
  streams change instead of computing them at each check;
- a request refused for the shard quota names that same count as the account's.
"""

from __future__ import annotations

import re
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import examples
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import ServiceError, UsageError

REGION = "eu-central-1"
NAMES = ("s0", "s1", "s2", "s3")
#: A quota the machine's streams reach: some requests are refused for it.
SHARD_LIMIT = 10
ON_DEMAND_SHARDS = 4
#: Codes a request of the machine may be refused with: the stream is not ACTIVE, it is
#: gone, a limit (the shard quota, the mode switches, the scalings a day), or a request
#: the stream's mode or shards do not allow.
REFUSALS = {
    "ResourceInUseException",
    "ResourceNotFoundException",
    "LimitExceededException",
    "InvalidArgumentException",
    "ValidationException",
}
_CURRENT = re.compile(r"Current shard count for the account: (\d+)\. Limit: (\d+)\.")
#: How a handle words the service's refusal.
_WOULD_ANSWER = re.compile(r"kinesis would answer (\w+)")

names = st.sampled_from(NAMES)


class ShardCountMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fake: FirehoseFake | None = None
        self.client: Any = None
        #: Per stream the machine created: the open shards it counts once its reshards end.
        self.expected: dict[str, int] = {}

    def teardown(self) -> None:
        if self.fake is not None:
            self.fake.stop()

    @initialize(
        creation_delay=st.sampled_from([0, 30]),
        update_delay=st.sampled_from([None, 0, 20]),
    )
    def start(self, creation_delay: int, update_delay: int | None) -> None:
        self.fake = FirehoseFake(
            region=REGION, creation_delay=creation_delay, update_delay=update_delay
        ).start()
        # One attempt: botocore retries LimitExceededException with a backoff that moves
        # the fake clock.
        self.client = boto3.client(
            "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
        )
        self._set_up_account()

    def _set_up_account(self) -> None:
        assert self.fake is not None
        self.fake.world.kinesis().shard_limit = SHARD_LIMIT
        # Warm throughput needs the account's commitment (these operations are newer than
        # the oldest botocore the suite runs with: the model takes them directly).
        self._dispatch(
            "UpdateAccountSettings", MinimumThroughputBillingCommitment={"Status": "ENABLED"}
        )

    def _dispatch(self, operation: str, **params: Any) -> None:
        """Run ``operation`` on the service model as a handle's change would, refusals
        allowed as for boto3's requests."""
        assert self.fake is not None
        refusal: ServiceError | None = None
        with self.fake.world.touched():
            try:
                self.fake.world.kinesis().dispatch(operation, params)
            except ServiceError as error:
                refusal = error
        if refusal is not None:
            assert refusal.code in REFUSALS, refusal

    # ------------------------------------------------------------------ helpers

    def _call(self, method: str, **params: Any) -> dict[str, Any] | None:
        """The answer, or None when the request was refused with a code the machine allows
        (a refusal for the shard quota names the count the machine expects)."""
        try:
            return dict(getattr(self.client, method)(**params))
        except ClientError as error:
            refusal = error.response["Error"]
        self._check_refusal(refusal["Code"], refusal["Message"])
        return None

    def _check_refusal(self, code: str, message: str) -> None:
        assert code in REFUSALS, (code, message)
        found = _CURRENT.search(message)
        if found is not None:
            assert int(found[1]) == self._expected_open(), message
            assert int(found[2]) == SHARD_LIMIT, message

    def _listed(self) -> dict[str, str]:
        """Every stream ListStreams shows, with its capacity mode."""
        answer = self.client.list_streams()
        return {
            s["StreamName"]: s["StreamModeDetails"]["StreamMode"] for s in answer["StreamSummaries"]
        }

    def _expected_open(self) -> int:
        listed = self._listed()
        for name in list(self.expected):
            if name not in listed:  # deleted (at once, or once its creation would end)
                del self.expected[name]
        assert set(listed) == set(self.expected)
        return sum(self.expected.values())

    def _some_stream(self, data: st.DataObject) -> str:
        """One of the streams the machine created (it may be gone since)."""
        return str(data.draw(st.sampled_from(sorted(self.expected))))

    def _open_shards(self, name: str) -> list[Any]:
        assert self.fake is not None
        try:
            return list(self.fake.kinesis[name].open_shards)
        except (KeyError, UsageError):
            return []

    # ------------------------------------------------------------------ streams

    @rule(name=names, shards=st.sampled_from([1, 2, 3, 5, None]), through_handle=st.booleans())
    def create_stream(self, name: str, shards: int | None, through_handle: bool) -> None:
        assert self.fake is not None
        params: dict[str, Any] = {"StreamName": name}
        if shards is None:
            params["StreamModeDetails"] = {"StreamMode": "ON_DEMAND"}
        else:
            params["ShardCount"] = shards
        if through_handle:
            options = {} if shards else {"StreamModeDetails": {"StreamMode": "ON_DEMAND"}}
            if not self._by_handle(self.fake.kinesis.create_stream, name, shards, **options):
                return
        elif self._call("create_stream", **params) is None:
            return
        self.expected[name] = shards or ON_DEMAND_SHARDS

    @precondition(lambda self: self.expected)
    @rule(data=st.data(), enforce=st.booleans())
    def delete_stream(self, data: st.DataObject, enforce: bool) -> None:
        name = self._some_stream(data)
        self._call("delete_stream", StreamName=name, EnforceConsumerDeletion=enforce)

    @rule(seconds=st.sampled_from([1, 10, 20, 30, 3600]))
    def advance(self, seconds: int) -> None:
        assert self.fake is not None
        self.fake.kinesis.clock.advance(seconds=seconds)

    @rule()
    def reset(self) -> None:
        assert self.fake is not None
        self.fake.world.reset()
        self.expected.clear()
        self._set_up_account()

    # ------------------------------------------------------------------ resharding

    @precondition(lambda self: self.expected)
    @rule(data=st.data(), through_handle=st.booleans())
    def split_shard(self, data: st.DataObject, through_handle: bool) -> None:
        name = self._some_stream(data)
        shards = self._open_shards(name)
        if not shards:
            return
        shard = data.draw(st.sampled_from(shards))
        key = (shard.starting_hash_key + shard.ending_hash_key) // 2
        if through_handle:
            if self._by_handle(self._handle(name).split_shard, shard.shard_id, key):
                self.expected[name] += 1
        elif (
            self._call(
                "split_shard",
                StreamName=name,
                ShardToSplit=shard.shard_id,
                NewStartingHashKey=str(key),
            )
            is not None
        ):
            self.expected[name] += 1

    @precondition(lambda self: self.expected)
    @rule(data=st.data())
    def merge_shards(self, data: st.DataObject) -> None:
        name = self._some_stream(data)
        shards = self._open_shards(name)
        if len(shards) < 2:
            return
        at = data.draw(st.integers(0, len(shards) - 2))
        if (
            self._call(
                "merge_shards",
                StreamName=name,
                ShardToMerge=shards[at].shard_id,
                AdjacentShardToMerge=shards[at + 1].shard_id,
            )
            is not None
        ):
            self.expected[name] -= 1

    @precondition(lambda self: self.expected)
    @rule(data=st.data(), through_handle=st.booleans())
    def update_shard_count(self, data: st.DataObject, through_handle: bool) -> None:
        name = self._some_stream(data)
        count = len(self._open_shards(name))
        if not count:
            return
        target = data.draw(st.integers((count + 1) // 2, count * 2))
        if through_handle:
            if self._by_handle(self._handle(name).update_shard_count, target):
                self.expected[name] = target
        elif (
            self._call(
                "update_shard_count",
                StreamName=name,
                TargetShardCount=target,
                ScalingType="UNIFORM_SCALING",
            )
            is not None
        ):
            self.expected[name] = target

    def _handle(self, name: str) -> Any:
        assert self.fake is not None
        return self.fake.kinesis[name]

    def _by_handle(self, method: Any, *args: Any, **options: Any) -> bool:
        """Whether a handle's request was accepted (it raises a ``UsageError`` naming what
        the service would answer)."""
        try:
            method(*args, **options)
        except UsageError as error:
            message = str(error)
        else:
            return True
        said = _WOULD_ANSWER.search(message)
        assert said is not None, message
        self._check_refusal(said[1], message)
        return False

    @precondition(lambda self: self.expected)
    @rule(data=st.data(), mode=st.sampled_from(["ON_DEMAND", "PROVISIONED"]))
    def update_stream_mode(self, data: st.DataObject, mode: str) -> None:
        name = self._some_stream(data)
        arn = f"arn:aws:kinesis:{REGION}:123456789012:stream/{name}"
        self._call("update_stream_mode", StreamARN=arn, StreamModeDetails={"StreamMode": mode})

    @precondition(lambda self: self.expected)
    @rule(data=st.data(), mibps=st.sampled_from([10, 100]))
    def update_warm_throughput(self, data: st.DataObject, mibps: int) -> None:
        name = self._some_stream(data)
        self._dispatch("UpdateStreamWarmThroughput", StreamName=name, WarmThroughputMiBps=mibps)

    # ------------------------------------------------------------------ the invariant

    @precondition(lambda self: self.fake is not None)
    @invariant()
    def the_count_is_the_sum(self) -> None:
        assert self.fake is not None
        limits = self.client.describe_limits()
        listed = self._listed()
        assert limits["OpenShardCount"] == self._expected_open()
        on_demand = sum(1 for mode in listed.values() if mode == "ON_DEMAND")
        assert limits["OnDemandStreamCount"] == on_demand
        # The sums the service's running counts replace.
        model = self.fake.world.kinesis()
        streams = model.streams.values()
        assert model.open_shard_count() == sum(s.open_after or len(s.open_shards) for s in streams)
        assert model.on_demand_stream_count() == sum(s.mode == "ON_DEMAND" for s in streams)


ShardCountMachine.TestCase.settings = settings(
    max_examples=examples(60),
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestShardCountMachine = ShardCountMachine.TestCase
