"""The Kinesis Data Streams service model: one class that joins the mixins, each owning one
part of the API, and the table of the operations it answers. Knows nothing of HTTP or
pytest; AWS_SEMANTICS.md sections 8-10 are the spec, and each mixin's module lists its
facts and its choices where AWS's answer is not on record:

* ``lifecycle.py``: finding streams, CreateStream, the descriptions, DeleteStream;
* ``storage.py``: retention and encryption; ``puts.py``: PutRecord and PutRecords;
* ``reads.py``: shard iterators and GetRecords; ``resharding.py``: Split, Merge and
  UpdateShardCount; ``listing.py``: ListShards; ``quotas.py``: the read quotas;
* ``limits.py`` (also the record distribution strategy), ``tags.py``, ``monitoring.py``,
  ``consumers.py`` and ``subscriptions.py`` (enhanced fan-out), ``queues.py``,
  ``channels.py`` (delivery to S3 and S3 Tables),
  ``policies.py`` (resource policies) and ``account.py`` (account settings and warm
  throughput).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._ids import IdSource
from pytest_firehose._services.base import Answer, CallRates, ServiceBase
from pytest_firehose._services.codes import BATCH_PUT
from pytest_firehose._services.kinesis.account import AccountSettings, Commitment
from pytest_firehose._services.kinesis.attached import Registry
from pytest_firehose._services.kinesis.channels import Channels
from pytest_firehose._services.kinesis.consumers import Consumers
from pytest_firehose._services.kinesis.lifecycle import Lifecycle
from pytest_firehose._services.kinesis.limits import Limits, default_shard_limit
from pytest_firehose._services.kinesis.listing import ShardListing
from pytest_firehose._services.kinesis.monitoring import Monitoring
from pytest_firehose._services.kinesis.policies import Policies
from pytest_firehose._services.kinesis.puts import Puts
from pytest_firehose._services.kinesis.queues import ENTRY_ACTS, Queues
from pytest_firehose._services.kinesis.quotas import ReadQuotas
from pytest_firehose._services.kinesis.reads import ShardReads
from pytest_firehose._services.kinesis.records import KinesisRecord
from pytest_firehose._services.kinesis.resharding import Resharding
from pytest_firehose._services.kinesis.shards import Shard, hash_key_of
from pytest_firehose._services.kinesis.storage import Storage
from pytest_firehose._services.kinesis.streams import KinesisStream, ShardTally
from pytest_firehose._services.kinesis.subscriptions import Subscriptions
from pytest_firehose._services.kinesis.tags import Tagging

if TYPE_CHECKING:
    from pytest_firehose._services.kinesis.channel_state import Channel, SinkFactory
    from pytest_firehose._services.kinesis.queue_records import Queue

__all__ = ["KinesisRecord", "KinesisService", "KinesisStream", "Shard", "hash_key_of"]


def not_modelled(operation: str) -> ServiceError:
    """The answer to an operation of the Kinesis API model that the fake does not model:
    ``UnknownOperationException``, HTTP 400 (botocore retries neither), naming it (a choice:
    docs/fidelity.md)."""
    return ServiceError(
        "UnknownOperationException",
        f"The fake Kinesis Data Streams of pytest-firehose does not model {operation} yet; "
        "docs/kinesis.md lists the operations it answers.",
    )


# --------------------------------------------------------------------------- the service


class KinesisService(  # the mixins first: they override ServiceBase's put_batch
    Lifecycle,
    Storage,
    Puts,
    ShardReads,
    ReadQuotas,
    Resharding,
    ShardListing,
    Limits,
    Tagging,
    Monitoring,
    Consumers,
    Subscriptions,
    Queues,
    Channels,
    Policies,
    AccountSettings,
    ServiceBase,
):
    """Amazon Kinesis Data Streams in one account and region."""

    batch_put = BATCH_PUT["kinesis"]
    resource = "Stream"
    hash_key_of = staticmethod(hash_key_of)

    def __init__(
        self,
        *,
        account_id: str,
        region: str,
        clock: FakeClock,
        ids: IdSource,
        creation_delay: timedelta = timedelta(0),
        update_delay: timedelta | None = None,
        shard_limit: int | None = None,
        sink_for: SinkFactory | None = None,
        unmodelled: str = "warn",
    ) -> None:
        super().__init__(
            account_id=account_id,
            region=region,
            clock=clock,
            ids=ids,
            creation_delay=creation_delay,
        )
        #: How long a reshard, a capacity-mode switch or a warm-throughput change keeps a
        #: stream UPDATING on the fake clock (the creation delay unless set).
        self.update_delay = creation_delay if update_delay is None else update_delay
        self.streams: dict[str, KinesisStream] = {}
        #: The open shards and on-demand streams of ``streams``, kept as they change.
        self.shard_tally = ShardTally()
        self._streams_created = 0
        self._numbered_until: dict[str, datetime] = {}
        self._numbered_latest: datetime | None = None
        #: The account's shard quota in this region (DescribeLimits' ShardLimit).
        self.shard_limit = shard_limit if shard_limit is not None else default_shard_limit(region)
        #: Enforce each shard's write quota (1,000 records and 1 MiB a second) when True.
        self.quotas = False
        #: Writes per shard in the current second of the fake clock: (stream, shard id) ->
        #: (epoch second, records, bytes).
        self._usage: dict[tuple[str, str], tuple[int, int, int]] = {}
        self._iterators_issued = 0
        #: Enforce the read quotas (GetRecords, GetShardIterator, control-plane reads) when
        #: True, with their counts per second of the fake clock (quotas.py).
        self.read_quotas = False
        self._rates = CallRates()
        self._read_debt: dict[tuple[str, str], tuple[int, int]] = {}
        #: Resource policies of registered consumers, by consumer ARN (a stream's own
        #: policy lives on the stream, and goes with it).
        self.consumer_policies: dict[str, str] = {}
        #: The queues on this account's streams, by queue ARN (queues.py).
        self.queues: Registry[Queue] = Registry("Queue", self.clock, self.streams)
        #: The channels on this account's streams, by channel ARN (channels.py), and what
        #: makes the sink of a bucket they write to (``None``: memory only).
        self.channels: Registry[Channel] = Registry("Channel", self.clock, self.streams)
        self.sink_for = sink_for
        #: What a configuration the fake does not model gets: ``warn`` or ``error``.
        self.unmodelled = unmodelled
        #: The account's minimum throughput billing commitment in this region.
        self.commitment = Commitment()
        self._operations = {
            "CreateStream": self.create_stream,
            "DescribeStream": self.describe_stream,
            "DescribeStreamSummary": self.describe_stream_summary,
            "ListStreams": self.list_streams,
            "ListShards": self.list_shards,
            "DeleteStream": self.delete_stream,
            "AddTagsToStream": self.add_tags_to_stream,
            "RemoveTagsFromStream": self.remove_tags_from_stream,
            "ListTagsForStream": self.list_tags_for_stream,
            "IncreaseStreamRetentionPeriod": self.increase_retention,
            "DecreaseStreamRetentionPeriod": self.decrease_retention,
            "StartStreamEncryption": self.start_encryption,
            "StopStreamEncryption": self.stop_encryption,
            "PutRecord": self.put_record,
            "GetShardIterator": self.get_shard_iterator,
            "GetRecords": self.get_records,
            "SplitShard": self.split_shard,
            "MergeShards": self.merge_shards,
            "UpdateShardCount": self.update_shard_count,
            "DescribeLimits": self.describe_limits,
            "UpdateStreamMode": self.update_stream_mode,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTagsForResource": self.list_tags_for_resource,
            "EnableEnhancedMonitoring": self.enable_enhanced_monitoring,
            "DisableEnhancedMonitoring": self.disable_enhanced_monitoring,
            "UpdateMaxRecordSize": self.update_max_record_size,
            "PutResourcePolicy": self.put_resource_policy,
            "GetResourcePolicy": self.get_resource_policy,
            "DeleteResourcePolicy": self.delete_resource_policy,
            "DescribeAccountSettings": self.describe_account_settings,
            "UpdateAccountSettings": self.update_account_settings,
            "UpdateStreamWarmThroughput": self.update_stream_warm_throughput,
            "RegisterStreamConsumer": self.register_stream_consumer,
            "DescribeStreamConsumer": self.describe_stream_consumer,
            "ListStreamConsumers": self.list_stream_consumers,
            "DeregisterStreamConsumer": self.deregister_stream_consumer,
            "SubscribeToShard": self.subscribe_to_shard,
            "CreateQueue": self.create_queue,
            "DescribeQueue": self.describe_queue,
            "ListQueues": self.list_queues,
            "UpdateQueue": self.update_queue,
            "DeleteQueue": self.delete_queue,
            "ReceiveQueueRecords": self.receive_queue_records,
            "ReceiveDeadLetterQueueRecords": self.receive_dead_letter_queue_records,
            "UpdateStreamRecordDistributionStrategy": self.update_record_distribution,
            "CreateChannel": self.create_channel,
            "DescribeChannel": self.describe_channel,
            "ListChannels": self.list_channels,
            "UpdateChannel": self.update_channel,
            "DeleteChannel": self.delete_channel,
        }

    def settle(self, names: Collection[str] | None = None, until: datetime | None = None) -> None:
        """Bring the streams (those ``names`` names) and their channels up to the clock (up
        to ``until``, when given)."""
        Lifecycle.settle(self, names, until)
        self.settle_channels(names, until)

    def next_due(self, name: str) -> datetime | None:
        """The first instant at which stream ``name`` or one of its channels has something
        to do (None: nothing waits for the clock)."""
        due = Lifecycle.next_due(self, name)
        stream = self.streams.get(name)
        if stream is None or not self.channels.held:
            return due
        moments = self.channels_due(stream)
        if due is not None:
            moments.append(due)
        return min(moments, default=None)

    def error_context(self, params: dict[str, Any]) -> dict[str, str]:
        """What a scripted error message may name: the stream and where a put's record
        would go, the shard and iterator a read names, the consumer a request names, or the
        queue or channel (whose ARN is then the resource an access refusal names)."""
        attached = {
            key: value if isinstance(value, str) else ""
            for key, value in (
                ("queue", params.get("QueueARN")),
                ("channel", params.get("ChannelARN")),
            )
        }
        context = {
            **Puts.error_context(self, params),
            **self.read_context(params),
            **self.consumer_context(params),
            **attached,
        }
        resource = attached["queue"] or attached["channel"]
        if resource:
            context["arn"] = resource
        return context

    def dispatch(
        self,
        operation: str,
        params: dict[str, Any],
        record_failures: Mapping[int, str] | None = None,
    ) -> Answer:
        """Run ``operation``; one of the API model's operations that the fake does not model
        is refused, by name (see ``not_modelled``)."""
        if operation in ENTRY_ACTS:
            return self.queue_entries(operation, params, record_failures or {})
        if operation != self.batch_put and operation not in self._operations:
            raise not_modelled(operation)
        self.check_control_rate(operation, params)
        return super().dispatch(operation, params, record_failures)

    @property
    def operations(self) -> list[str]:
        """The operations this model answers, in name order."""
        return sorted([*self._operations, *ENTRY_ACTS, self.batch_put])
