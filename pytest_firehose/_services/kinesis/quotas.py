"""The read quotas of Kinesis Data Streams on the fake clock: each shard's GetRecords and
GetShardIterator rates and its read bandwidth, and the per-account or per-stream rates of
the control plane's operations. A mixin of ``KinesisService``; off unless a test
turns them on (``kinesis.enforce_read_quotas()``).

Facts used here (DOC: the Kinesis API reference, as botocore's model carries it, and the
developer guide's "Quotas and limits"):

* GetRecords: five calls a second per shard, and 2 MiB a second per shard; one call may
  return up to 10 MiB, and "subsequent calls made within the next 5 seconds throw
  ProvisionedThroughputExceededException" after it. GetShardIterator: five calls a second
  per open shard.
* SubscribeToShard: one call a second per registered consumer per shard (the API
  reference's SubscribeToShard page).
* DescribeStream 10 calls a second per account, DescribeStreamSummary 20, ListStreams 5,
  ListTagsForStream 5, DescribeLimits 1; ListShards 1,000 a second per stream,
  ListStreamConsumers 5 and DescribeStreamConsumer 20 per stream. CreateStream,
  DeleteStream, SplitShard, MergeShards, AddTagsToStream, RemoveTagsFromStream and
  RegisterStreamConsumer five a second per account, DeregisterStreamConsumer five per stream.
  The channel operations, DescribeAccountSettings, UpdateAccountSettings and
  UpdateStreamWarmThroughput five a second each per account.
* A dry run (``DryRun``: PutRecord, PutRecords, GetRecords, GetShardIterator,
  SubscribeToShard) makes every check, reads and writes nothing, and answers
  ``DryRunOperationException`` with HTTP 400 when the call would have succeeded; dry runs
  have their own limit, one a second per stream across those operations, past which they
  answer ``ThrottlingException`` (DOC, developer guide "Test your permissions and request
  inputs with dry run").
* A throttled read is ``ProvisionedThroughputExceededException`` ``Rate exceeded for
  shard shardId-000000000000 in stream S under account A.`` (REAL, 2015 and 2019:
  rclark/kinesis-readable#4, lumigo-CLI#25); a throttled control-plane call is
  ``LimitExceededException`` ``Rate exceeded for stream S under account A.`` (REAL,
  DescribeStream: boto/botocore#821, vmware-go-kcl#61).

Choices (INFERRED; docs/kinesis.md lists them): rates are counted per second of the fake
clock, as the write quota is; a refused call uses no quota; bandwidth read past a second's
2 MiB is owed by the seconds after it, so a 10 MiB answer refuses the shard's reads for
the next five seconds and a 2 MiB one for the rest of its second; GetShardIterator on a
closed shard has the open shard's rate; a per-account rate's refusal names the stream the
call named, or none (``Rate exceeded for account A.``); reads made by the fake itself (a
Firehose source, a Lambda event source mapping) use no quota; a dry run uses none of the
other quotas; a throttled SubscribeToShard is ``LimitExceededException`` (the code the
model gives the operation for a rate) ``Rate exceeded for consumer CONSUMER_ARN and shard
SHARD.``, and a call the 5-second rule refuses (subscriptions.py) is refused for that
first; the message of ``DryRunOperationException`` is the model's description of
the error, and a throttled dry run's says ``Rate exceeded for stream S under account A.``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.base import CallRates
from pytest_firehose._services.codes import call_error
from pytest_firehose._services.kinesis.records import Row, payload_bytes
from pytest_firehose._services.kinesis.tokens import (
    read_token,
)

#: GetRecords calls, and GetShardIterator calls, a shard takes a second (DOC).
SHARD_READS_PER_SECOND = 5
SHARD_ITERATORS_PER_SECOND = 5
#: SubscribeToShard calls a consumer makes a second on one shard (DOC).
SUBSCRIBES_PER_SECOND = 1
#: Bytes a shard serves a second (DOC: 2 MiB).
SHARD_READ_BYTES_PER_SECOND = 2 * 1024 * 1024
#: Control-plane read operations: (calls a second, counted per "account" or "stream")
#: (DOC: each operation's page of the API reference).
CONTROL_RATES: dict[str, tuple[int, str]] = {
    "DescribeStream": (10, "account"),
    "DescribeStreamSummary": (20, "account"),
    "ListStreams": (5, "account"),
    "ListTagsForStream": (5, "account"),
    "DescribeLimits": (1, "account"),
    "ListShards": (1000, "stream"),
    "ListStreamConsumers": (5, "stream"),
    "DescribeStreamConsumer": (20, "stream"),
    # The operations that change the account's streams, five a second each.
    "CreateStream": (5, "account"),
    "DeleteStream": (5, "account"),
    "SplitShard": (5, "account"),
    "MergeShards": (5, "account"),
    "AddTagsToStream": (5, "account"),
    "RemoveTagsFromStream": (5, "account"),
    "RegisterStreamConsumer": (5, "account"),
    "DeregisterStreamConsumer": (5, "stream"),
    # The channels' operations, five a second each for the account (the API model).
    "CreateChannel": (5, "account"),
    "DescribeChannel": (5, "account"),
    "ListChannels": (5, "account"),
    "UpdateChannel": (5, "account"),
    "DeleteChannel": (5, "account"),
    # The account settings and warm throughput, five a second each (the API model).
    "DescribeAccountSettings": (5, "account"),
    "UpdateAccountSettings": (5, "account"),
    "UpdateStreamWarmThroughput": (5, "account"),
}


#: Dry runs a stream takes a second, across PutRecord, PutRecords, GetRecords,
#: GetShardIterator and SubscribeToShard (DOC).
DRY_RUNS_PER_SECOND = 1


def _second(now: datetime) -> int:
    return int(now.timestamp())


class ReadQuotas:
    """The read and control-plane rates, for ``KinesisService``."""

    account_id: str
    clock: FakeClock
    #: Whether the read quotas are enforced (``kinesis.enforce_read_quotas()``).
    read_quotas: bool
    #: Calls counted in the current second: key -> (epoch second, calls).
    _rates: CallRates
    #: Bytes a shard has served and not yet paid off: (stream, shard id) -> (epoch
    #: second, bytes owed from that second on).
    _read_debt: dict[tuple[str, str], tuple[int, int]]
    stream_name: Callable[[dict[str, Any]], str | None]

    def _take_rate(self, key: tuple[str, ...], limit: int) -> bool:
        """Count one call under ``key`` if this second has room for it."""
        return self._rates.take(key, limit, self.clock.now())

    def _shard_throttled(self, stream: str, shard_id: str) -> ServiceError:
        return ServiceError(
            "ProvisionedThroughputExceededException",
            f"Rate exceeded for shard {shard_id} in stream {stream} under account "
            f"{self.account_id}.",
        )

    def check_iterator_rate(self, stream: str, shard_id: str) -> None:
        """GetShardIterator: refuse a sixth call in a second on one shard."""
        if not self.read_quotas:
            return
        key = ("GetShardIterator", stream, shard_id)
        if not self._take_rate(key, SHARD_ITERATORS_PER_SECOND):
            raise self._shard_throttled(stream, shard_id)

    def check_subscribe_rate(self, consumer_arn: str, shard_id: str) -> None:
        """SubscribeToShard: refuse a second call in a second by one consumer on one shard
        (one whose earlier subscription ended at once: the 5-second rule refuses the
        others first)."""
        if not self.read_quotas:
            return
        if not self._take_rate(("SubscribeToShard", consumer_arn, shard_id), SUBSCRIBES_PER_SECOND):
            spec = call_error("kinesis", "SubscribeToShard", "LimitExceededException")
            message = spec.render(consumer_arn=consumer_arn, shard=shard_id)
            raise ServiceError(spec.code, message, spec.status)

    def check_read_rate(self, stream: str, shard_id: str) -> None:
        """GetRecords: refuse a sixth call in a second on one shard, or any call while the
        shard still owes a second's bandwidth or more, in GetRecords' own words (REAL,
        codes.py)."""
        if not self.read_quotas:
            return
        if self._owed(stream, shard_id) >= SHARD_READ_BYTES_PER_SECOND or not self._take_rate(
            ("GetRecords", stream, shard_id), SHARD_READS_PER_SECOND
        ):
            spec = call_error("kinesis", "GetRecords", "ProvisionedThroughputExceededException")
            message = spec.render(account=self.account_id, stream=stream, shard=shard_id)
            raise ServiceError(spec.code, str(message), spec.status)

    def _owed(self, stream: str, shard_id: str) -> int:
        """Bytes the shard still owes now: each second that passed paid off 2 MiB. A debt
        from a second after the present (a time freezer moved the clock back) is owed
        from the present second."""
        second = _second(self.clock.now())
        key = (stream, shard_id)
        start, owed = self._read_debt.get(key, (second, 0))
        if start > second:
            start = second
            self._read_debt[key] = (start, owed)
        return max(0, owed - (second - start) * SHARD_READ_BYTES_PER_SECOND)

    def charge_read(self, stream: str, shard_id: str, served: list[Row]) -> None:
        """Count the bytes of the records a GetRecords answer served from the shard."""
        if not self.read_quotas:
            return
        size = payload_bytes(served)
        if size == 0:
            return
        owed = self._owed(stream, shard_id) + size
        self._read_debt[(stream, shard_id)] = (_second(self.clock.now()), owed)

    def check_control_rate(self, operation: str, params: dict[str, Any]) -> None:
        """Refuse a control-plane call past its documented rate (see ``CONTROL_RATES``)."""
        if not self.read_quotas or operation not in CONTROL_RATES:
            return
        limit, scope = CONTROL_RATES[operation]
        stream = self._named_stream(operation, params)
        key = (operation, stream or "") if scope == "stream" else (operation,)
        if self._take_rate(key, limit):
            return
        message = (
            f"Rate exceeded for stream {stream} under account {self.account_id}."
            if stream
            else f"Rate exceeded for account {self.account_id}."
        )
        raise ServiceError("LimitExceededException", message)

    def _named_stream(self, operation: str, params: dict[str, Any]) -> str | None:
        """The stream a call names, for ListShards also through its NextToken (a token
        that does not read is left for ListShards to refuse)."""
        name = self.stream_name(params)
        token = params.get("NextToken")
        if name is None and operation == "ListShards" and isinstance(token, str):
            try:
                name = read_token(token, 6)[0]
            except ServiceError:
                return None
        return name

    def dry_run(self, stream: str) -> ServiceError:
        """The answer to a dry run whose checks all passed: ``DryRunOperationException``
        (HTTP 400, DOC), or, past the stream's one dry run a second while the read quotas
        are enforced, ``ThrottlingException``. Nothing is read or written, and no other
        quota is used."""
        if self.read_quotas and not self._take_rate(("DryRun", stream), DRY_RUNS_PER_SECOND):
            return ServiceError(
                "ThrottlingException",
                f"Rate exceeded for stream {stream} under account {self.account_id}.",
            )
        return ServiceError(
            "DryRunOperationException",
            "The request was rejected because the DryRun parameter was specified.",
        )
