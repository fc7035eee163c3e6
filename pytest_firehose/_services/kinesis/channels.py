"""Channels on Kinesis streams ("streaming tables and Amazon S3 delivery"): CreateChannel,
DescribeChannel, ListChannels, UpdateChannel and DeleteChannel, and a channel's delivery on
the fake clock. A mixin of ``KinesisService``; ``channel_state.py`` holds a channel's state,
``channel_keys.py`` its object keys and ``channel_failures.py`` how it comes to be FAILED.

Facts used here (DOC: the API model's documentation, the API reference, the developer
guide's data delivery pages, its "Delivery quotas and limits" and AWS's Kinesis skill
references, 2026; REAL: notes of a walkthrough run against AWS in ap-southeast-2 with AWS
CLI 2.36.38):

* A channel reads one on-demand stream (``StreamConfigurationList`` holds one) and writes
  to a general purpose bucket (``S3DestinationConfiguration``) or to one Iceberg table in
  S3 Tables (``S3TablesDestinationConfiguration``, one table); exactly one of the two.
  ``DataFreshnessInSeconds`` is 300 unless given, from 300 to 900. A stream has at most one
  channel of each destination type (a quota AWS does not raise). Only records put once the
  channel is ACTIVE are delivered (no backfill), in their source format, batched into
  objects, append only. Nothing crosses regions; S3 Tables delivery stays in the stream's
  account too (table bucket and schema registry), and each channel creates its own table.
* Record formats: ``GSR_JSON`` only for S3 Tables, ``STRING`` and ``BYTE_ARRAY`` only for a
  bucket, ``JSON`` for both; ``GSRSchemaARN`` is required for S3 Tables. ``STRING`` records
  must be UTF-8 and ``JSON`` records JSON; a record that is not goes to the dead-letter
  bucket, which for a bucket destination is the destination bucket unless
  ``DeadLetterQueueS3Configuration`` says otherwise (required for S3 Tables), under
  ``kinesis-channel/errors/`` (REAL).
* The KMS key cannot be the Kinesis service key (``aws/kinesis``).
* A channel is CREATING, then ACTIVE (REAL: CreateChannel answers CREATING); UpdateChannel
  changes only the data freshness and the CloudWatch Logs configuration, keeping it
  UPDATING until the change is applied; DeleteChannel stops delivery (what was delivered
  stays). A stream with channels cannot be deleted. ListChannels pages by ``NextToken``
  (``MaxResults`` 100 by default, at most 100 served). The log group defaults to
  ``/aws/kinesis/{channelName}/{channelId}``, the log stream to ``DestinationDelivery``.
  TagResource's ``ResourceARN`` takes a channel's ARN.
* The ARN is ``arn:aws:kinesis:<region>:<account>:channel/<ChannelId>`` (REAL), the id a
  UUID in the guide's examples.

Choices (INFERRED; docs/kinesis.md lists them): a channel's buffer is written when its
oldest record is ``DataFreshnessInSeconds`` old, as one object (no size limit); JSON and
STRING records are written one a line (a newline added where a record lacks one),
BYTE_ARRAY records back to back; an S3 Tables channel's table receives one row per JSON
object (for ``GSR_JSON``, after the Glue Schema Registry header), and a record that makes
no row goes to the dead-letter bucket; a dead-letter object holds one JSON line per record
(``errorCode``, ``errorMessage``, ``sequenceNumber``, ``partitionKey``,
``approximateArrivalTimestamp``, ``rawData`` in base64) under ``ErrorOutputPrefix`` when
given, its key as an object's under the default template otherwise; a table already
another channel's is refused; objects are written with the configuration's
``ExpectedBucketOwner``, ``StorageClass`` and, with ``EncryptionConfiguration``, SSE-KMS
under its key; an object the bucket refuses is written again a minute later (a bucket
that stays unusable fails the channel: ``channel_failures.py``); the records
buffered when a channel is deleted are not written; an update applies at once (the channel
says UPDATING for the world's update delay); a switch of the stream to provisioned mode is
refused while it has channels, as with queues; CloudWatch Logs logging is accepted and
described, and writes nothing (as Firehose's ``CloudWatchLoggingOptions``); S3 Tables'
Parquet files, partitions and schema checks, and ZSTD without cramjam, are reported
(``UnmodelledSettingWarning``, or refused under ``unmodelled="error"``); the wording of
every refusal is the fake's, in the style of the service's stream messages.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._arns import resource_arn
from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.base import MemoryDestination
from pytest_firehose._destinations.compression import available
from pytest_firehose._errors import ServiceError
from pytest_firehose._ids import IdSource
from pytest_firehose._services.firehose.settings import report
from pytest_firehose._services.kinesis.attached import Registry
from pytest_firehose._services.kinesis.streams import (
    KinesisStream,
    not_active,
)
from pytest_firehose._services.kinesis.tokens import (
    page_of,
)

if TYPE_CHECKING:
    from pytest_firehose._services.kinesis.channel_state import Channel, SinkFactory

DEFAULT_FRESHNESS = 300
FRESHNESS_RANGE = (300, 900)
DEFAULT_PAGE = 100
#: Which record formats each destination type takes (DOC).
FORMATS = {"S3": ("JSON", "STRING", "BYTE_ARRAY"), "S3_TABLES": ("GSR_JSON", "JSON")}
_LIST_CHANNELS = "ListChannels"
#: The Kinesis service key by alias name (or its ARN's ending); a channel may not use it.
_SERVICE_KEYS = ("aws/kinesis", "alias/aws/kinesis")
_SERVICE_KEY_ARN_END = ":alias/aws/kinesis"


def _invalid(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def check_freshness(seconds: int, path: str) -> None:
    """Refuse a ``DataFreshnessInSeconds`` outside 300 to 900, in the words of the
    service's constraint checks."""
    low, high = FRESHNESS_RANGE
    if not low <= seconds <= high:
        rule = (
            f"greater than or equal to {low}" if seconds < low else f"less than or equal to {high}"
        )
        raise _invalid(
            f"1 validation error detected: Value '{seconds}' at '{path}' failed to satisfy "
            f"constraint: Member must have value {rule}"
        )


class Channels:
    """The channel operations of ``KinesisService``, and the channels it holds."""

    account_id: str
    region: str
    clock: FakeClock
    ids: IdSource
    creation_delay: timedelta
    update_delay: timedelta
    unmodelled: str
    _stream_by_arn: Callable[[str], KinesisStream]
    check_new_tags: Callable[[str, dict[str, str], dict[str, str], str], None]
    #: Makes the sink of a bucket (``None``: objects are kept in memory only).
    sink_for: SinkFactory | None
    #: The channels on this account's streams.
    channels: Registry[Channel]

    # ------------------------------------------------------------------ the clock

    def settle_channels(self, names: Collection[str] | None, until: datetime | None = None) -> None:
        """Bring the channels of the streams ``names`` names (all, when ``None``) up to the
        clock (up to ``until``, when given): each writes what its data freshness says is
        due."""
        if not self.channels.held:
            return
        now = self.clock.now() if until is None else until
        for channel in list(self.channels.current().values()):
            if names is None or channel.stream.name in names:
                channel.settle(now, self.suffix)

    def channels_due(self, stream: KinesisStream) -> list[datetime]:
        """When the channels of ``stream`` next have something to do."""
        due = []
        for channel in self.channels.on(stream):
            if channel.gone_at is not None:
                due.append(channel.gone_at)
            else:
                moment = channel.next_due()
                if moment is not None:
                    due.append(moment)
        return due

    def suffix(self) -> str:
        """A unique suffix of an object's key (12 hex digits of a seeded id)."""
        return self.ids.uuid().replace("-", "")[:12]

    # ------------------------------------------------------------------ control plane

    def create_channel(self, params: dict[str, Any]) -> dict[str, Any]:
        # A channel's state and keys are imported by the first channel: most tests make none.
        from pytest_firehose._services.kinesis.channel_state import DESTINATION_TYPES, Channel

        kinds = [kind for kind in DESTINATION_TYPES if params.get(kind) is not None]
        if len(kinds) != 1:
            raise _invalid(
                "Exactly one of S3DestinationConfiguration and S3TablesDestinationConfiguration "
                "must be specified."
            )
        kind = kinds[0]
        destination_type = DESTINATION_TYPES[kind]
        configs = params["StreamConfigurationList"]
        if len(configs) != 1:
            raise _invalid(
                "StreamConfigurationList must contain exactly one entry: a channel reads a "
                "single data stream."
            )
        record = configs[0]["RecordConfiguration"]
        destination = self._destination(kind, params[kind], record)
        encryption = params.get("EncryptionConfiguration")
        if encryption is not None and (
            encryption["KeyId"] in _SERVICE_KEYS
            or encryption["KeyId"].endswith(_SERVICE_KEY_ARN_END)
        ):
            raise ServiceError(
                "InvalidArgumentException",
                "EncryptionConfiguration.KeyId must name a customer managed KMS key; the "
                "Kinesis Data Streams service key (aws/kinesis) cannot be used.",
            )
        name = params["ChannelName"]
        stream = self._stream_by_arn(configs[0]["StreamARN"])
        if stream.status != "ACTIVE":
            raise not_active(stream.name, self.account_id, stream.status)
        if stream.mode != "ON_DEMAND":
            raise _invalid(
                f"Channels are supported only on on-demand streams; stream {stream.name} under "
                f"account {self.account_id} is in PROVISIONED mode."
            )
        channels = self.channels.current()
        if any(channel.name == name for channel in channels.values()):
            raise ServiceError(
                "ResourceInUseException",
                f"Channel {name} under account {self.account_id} already exists.",
            )
        if any(c.destination_type == destination_type for c in self.channels.on(stream)):
            raise ServiceError(
                "LimitExceededException",
                f"Stream {stream.name} under account {self.account_id} already has a channel "
                f"with destination type {destination_type}; a stream may have one of each.",
            )
        tags = dict(params.get("Tags") or {})
        self.check_new_tags(name, {}, tags, "channel")
        # Before anything is created: a refusal (unmodelled="error", or a warning a filter
        # made an error) leaves no channel.
        report(_unmodelled(kind, destination), self.unmodelled)
        now = self.clock.now()
        channel_id = self.ids.uuid()
        channel = Channel(
            name=name,
            channel_id=channel_id,
            arn=resource_arn("kinesis", self.region, self.account_id, f"channel/{channel_id}"),
            stream=stream,
            created_at=now,
            active_at=now + self.creation_delay,
            role=params["ServiceExecutionRoleARN"],
            record=dict(record),
            kind=kind,
            destination=destination,
            encryption=dict(encryption) if encryption is not None else None,
            logging=_logging(params.get("LoggingConfiguration"), name, channel_id),
            tags=tags,
            fresh=len(stream.rows),
            clock=self.clock,
        )
        self._connect(channel, encryption)
        channels[channel.arn] = channel
        # The answer says CREATING even when the channel is ACTIVE by the next request.
        return {"ChannelDescription": channel.described(now, "CREATING")}

    def _connect(self, channel: Channel, encryption: dict[str, Any] | None) -> None:
        """Give ``channel`` the sinks of its bucket (a bucket destination's) and of its
        dead-letter bucket: each object written with the bucket's expected owner, the
        storage class and the KMS key; kept in memory only without ``sink_for``."""
        make: SinkFactory = self.sink_for or (lambda arn, options: MemoryDestination())
        sse = {}
        if encryption is not None:
            sse = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": encryption["KeyId"]}
        destination = channel.destination
        errors = destination["DeadLetterQueueS3Configuration"]
        owner = {"ExpectedBucketOwner": errors["ExpectedBucketOwner"]}
        channel.errors_sink = make(errors["BucketARN"], {**owner, **sse})
        storage = destination.get("StorageConfiguration")
        if storage is not None:
            options = {"ExpectedBucketOwner": storage["ExpectedBucketOwner"], **sse}
            if storage.get("StorageClass"):
                options["StorageClass"] = storage["StorageClass"]
            channel.sink = make(storage["BucketARN"], options)

    def _destination(
        self, kind: str, config: dict[str, Any], record: dict[str, Any]
    ) -> dict[str, Any]:
        """The destination as DescribeChannel shows it, its defaults filled in; refuses
        what the destination type does not take."""
        from pytest_firehose._services.kinesis.channel_keys import check_template
        from pytest_firehose._services.kinesis.channel_state import DESTINATION_TYPES

        destination_type = DESTINATION_TYPES[kind]
        form = record["RecordFormatType"]
        if form not in FORMATS[destination_type]:
            takes = " and ".join(FORMATS[destination_type])
            raise _invalid(
                f"RecordFormatType {form} is not supported for {destination_type} destinations, "
                f"which take {takes} records."
            )
        schema = record.get("GSRSchemaARN")
        if destination_type == "S3_TABLES" and schema is None:
            raise _invalid("GSRSchemaARN is required when the channel delivers to S3 Tables.")
        if destination_type == "S3" and schema is not None:
            raise _invalid("GSRSchemaARN may only be given when the channel delivers to S3 Tables.")
        freshness = config.get("DataFreshnessInSeconds", DEFAULT_FRESHNESS)
        check_freshness(freshness, f"{_lower(kind)}.dataFreshnessInSeconds")
        described = {**config, "DataFreshnessInSeconds": freshness}
        if destination_type == "S3":
            storage = config["StorageConfiguration"]
            template = storage.get("OutputKeyTemplate")
            if template is not None:
                check_template(template, storage["CompressionType"])
            described.setdefault(
                "DeadLetterQueueS3Configuration",
                {
                    "BucketARN": storage["BucketARN"],
                    "ExpectedBucketOwner": storage["ExpectedBucketOwner"],
                },
            )
            return described
        tables = config["S3TablesConfigurationList"]
        if len(tables) != 1:
            raise _invalid(
                "S3TablesConfigurationList must contain exactly one entry: a channel writes to "
                "a single table."
            )
        table = tables[0]
        for member, arn in (("TableBucketARN", table["TableBucketARN"]), ("GSRSchemaARN", schema)):
            region, account = str(arn).split(":")[3:5]
            if (region, account) != (self.region, self.account_id):
                raise _invalid(
                    f"{member} {arn} is not in the stream's account and region "
                    f"({self.account_id}, {self.region}): delivery to S3 Tables stays within "
                    "both."
                )
        target = (table["TableBucketARN"], table["Namespace"], table["TableName"])
        for channel in self.channels.current().values():
            if channel.kind == kind and _table_of(channel) == target:
                raise ServiceError(
                    "ResourceInUseException",
                    f"Table {table['Namespace']}.{table['TableName']} in "
                    f"{table['TableBucketARN']} is the destination of channel {channel.name}; "
                    "each channel creates its own table.",
                )
        return described

    def describe_channel(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(params["ChannelARN"])
        return {"ChannelDescription": channel.described(self.clock.now())}

    def update_channel(self, params: dict[str, Any]) -> dict[str, Any]:
        from pytest_firehose._services.kinesis.channel_state import DESTINATION_TYPES

        channel = self.channels.active(params["ChannelARN"], self.account_id)
        now = self.clock.now()
        given = [kind for kind in DESTINATION_TYPES if params.get(kind) is not None]
        logging = params.get("LoggingConfiguration")
        if not given and logging is None:
            raise _invalid(
                "Nothing to update: give S3DestinationConfiguration, "
                "S3TablesDestinationConfiguration or LoggingConfiguration."
            )
        for kind in given:
            if kind != channel.kind:
                raise _invalid(
                    f"{kind} cannot be given: channel {channel.name} delivers to "
                    f"{channel.destination_type}; its destination cannot be changed."
                )
            freshness = params[kind]["DataFreshnessInSeconds"]
            check_freshness(freshness, f"{_lower(kind)}.dataFreshnessInSeconds")
        channel.settle(now, self.suffix)  # what fell due under the old freshness
        for kind in given:
            channel.destination["DataFreshnessInSeconds"] = params[kind]["DataFreshnessInSeconds"]
        if logging is not None:
            channel.logging = _logging(logging, channel.name, channel.channel_id)
        if self.update_delay:
            channel.updating_until = now + self.update_delay
        return {"ChannelDescription": channel.described(now, "UPDATING")}

    def delete_channel(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(params["ChannelARN"])
        if channel.deleted_at is None:
            now = self.clock.now()
            channel.settle(now, self.suffix)
            channel.deleted_at, channel.gone_at = now, now + self.creation_delay
            channel.buffered.clear()
        return {}

    def list_channels(self, params: dict[str, Any]) -> dict[str, Any]:
        now = self.clock.now()
        channels = self.channels.listed(params.get("StreamFilter"))
        size = min(params.get("MaxResults", DEFAULT_PAGE), DEFAULT_PAGE)
        page, following = page_of(channels, params.get("NextToken"), size, now, _LIST_CHANNELS)
        answer: dict[str, Any] = {"ChannelSummaries": [c.summary(now) for c in page]}
        if following is not None:
            answer["NextToken"] = following
        return answer


def _lower(member: str) -> str:
    """A member name as the service's constraint messages write it (``s3Destination...``)."""
    return member[0].lower() + member[1:]


def _logging(config: dict[str, Any] | None, name: str, channel_id: str) -> dict[str, Any]:
    """The logging configuration as described: off unless given; when on, the log group
    and stream default as the model documents."""
    logs = dict((config or {}).get("CloudWatchLogs") or {"Enabled": False})
    if logs["Enabled"]:
        logs.setdefault("LogGroupName", f"/aws/kinesis/{name}/{channel_id}")
        logs.setdefault("LogStreamName", "DestinationDelivery")
    return {"CloudWatchLogs": logs}


def _unmodelled(kind: str, destination: dict[str, Any]) -> list[str]:
    """What of a channel's configuration the fake does not carry out."""
    if kind == "S3TablesDestinationConfiguration":
        return [
            "S3TablesDestinationConfiguration: the rows each table would receive are kept "
            "(kinesis[name].channels[i].rows), but no Parquet file is written, no partition "
            "laid out and no record checked against the GSRSchemaARN's schema"
        ]
    if destination["StorageConfiguration"]["CompressionType"] == "ZSTD" and not available("ZSTD"):
        return [
            "CompressionType ZSTD needs cramjam (pip install pytest-firehose[compression]): "
            "objects are stored uncompressed"
        ]
    return []


def _table_of(channel: Channel) -> tuple[str, str, str]:
    table = channel.destination["S3TablesConfigurationList"][0]
    return table["TableBucketARN"], table["Namespace"], table["TableName"]
