"""A delivery stream's life: CreateDeliveryStream, DescribeDeliveryStream,
ListDeliveryStreams, DeleteDeliveryStream and UpdateDestination, each configuration checked
by every rule before the stream takes any of it. A mixin of ``FirehoseService``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.base import DeliveryTarget, DestinationFactory
from pytest_firehose._destinations.cloudwatch_logs import (
    check_decompression_switch,
    logs_processing,
)
from pytest_firehose._destinations.delivery_errors import ICEBERG
from pytest_firehose._destinations.partitioning import check_switch, partitioning
from pytest_firehose._destinations.processors import LambdaProcessor, check_processors
from pytest_firehose._destinations.routes import Route
from pytest_firehose._errors import ServiceError
from pytest_firehose._ids import IdSource
from pytest_firehose._lambda.firehose_events import EventSource
from pytest_firehose._services.firehose.backup import (
    BackedUpDelivery,
    backup_route,
    check_no_going_back,
)
from pytest_firehose._services.firehose.conversion_rules import GlueTables, checked
from pytest_firehose._services.firehose.describe import (
    DESTINATION_KINDS,
    UPDATE_KINDS,
    updated_destination,
)
from pytest_firehose._services.firehose.encryption_rules import check_encryption
from pytest_firehose._services.firehose.logging_rules import check_logging
from pytest_firehose._services.firehose.msk import MskTopic
from pytest_firehose._services.firehose.prefix_rules import check_prefixes
from pytest_firehose._services.firehose.settings import findings, report, source_findings
from pytest_firehose._services.firehose.stream_settings import (
    DATABASE_SOURCE,
    DIRECT_PUT,
    KINESIS_SOURCE,
    MSK_SOURCE,
    check_source,
    checked_encryption,
)
from pytest_firehose._services.firehose.streams import (
    DESTINATION_ID,
    GONE,
    DeliveryStream,
    event_source,
)

#: Delivery streams an account may have in a region (DOC: CreateDeliveryStream, "By default,
#: you can create up to 5,000 Firehose streams per AWS Region"; 50 in its older versions).
#: Past it, the refusal names the quota and lists the account's streams by name (REAL, with
#: the quota at 50: hashicorp/terraform-provider-aws#7408, 2019).
MAX_STREAMS = 5000


class Lifecycle:
    """The lifecycle operations of ``FirehoseService``."""

    account_id: str
    region: str
    clock: FakeClock
    ids: IdSource
    creation_delay: timedelta
    unmodelled: str
    streams: dict[str, DeliveryStream]
    _sourced: dict[str, None]
    glue_tables: GlueTables
    destination_for: DestinationFactory
    stream: Callable[[str], DeliveryStream]
    stream_arn: Callable[[str], str]
    _already_exists: Callable[[str], ServiceError]
    _remove: Callable[[DeliveryStream], None]
    _read_source: Callable[..., None]
    _route: Callable[
        [DeliveryTarget, str | None, dict[str, Any], LambdaProcessor | None, EventSource | None],
        Route,
    ]
    _lambda_processor: Callable[[str | None, dict[str, Any]], LambdaProcessor | None]

    def create_delivery_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["DeliveryStreamName"]
        if name in self.streams:
            raise self._already_exists(name)
        if len(self.streams) >= MAX_STREAMS:
            raise ServiceError(
                "LimitExceededException",
                f"You have already consumed your firehose quota of {MAX_STREAMS} hoses. "
                f"Firehose names: [{', '.join(sorted(self.streams))}]",
            )
        stream_type = params.get("DeliveryStreamType", "DirectPut")
        kinds = [kind for kind in DESTINATION_KINDS if kind in params]
        if len(kinds) > 1:
            raise ServiceError(
                "InvalidArgumentException",
                "Only one destination configuration can be specified, found: " + ", ".join(kinds),
            )
        check_source(stream_type, params)
        source: dict[str, Any] | None = None
        encryption: dict[str, Any] | None = None
        # DOC: Firehose starts reading its source at DeliveryStartTimestamp: for a Kinesis
        # source from LATEST once the stream is ACTIVE, for an MSK one ReadFromTimestamp,
        # by default the instant the stream becomes ACTIVE.
        active = self.clock.now() + self.creation_delay
        if stream_type == KINESIS_SOURCE:
            source_config = params["KinesisStreamSourceConfiguration"]
            source = {
                "KinesisStreamSourceDescription": {
                    "KinesisStreamARN": source_config["KinesisStreamARN"],
                    "RoleARN": source_config["RoleARN"],
                    "DeliveryStartTimestamp": active,
                }
            }
        elif stream_type == MSK_SOURCE:
            msk = params["MSKSourceConfiguration"]
            start = msk.get("ReadFromTimestamp", active)
            source = {"MSKSourceDescription": {**msk, "DeliveryStartTimestamp": start}}
        elif stream_type == DATABASE_SOURCE:
            # A database source's reader is imported by the first stream that has one.
            from pytest_firehose._services.firehose.database import DatabaseSource

            database = params["DatabaseSourceConfiguration"]
            reader = DatabaseSource.from_config(database)
            source = {"DatabaseSourceDescription": dict(database)}
        elif stream_type == DIRECT_PUT:
            requested = params.get("DeliveryStreamEncryptionConfigurationInput")
            encryption = {"Status": "DISABLED"}
            hint = params.get("DirectPutSourceConfiguration")
            if hint is not None:
                source = {"DirectPutSourceDescription": dict(hint)}
            if requested is not None:
                encryption = {**checked_encryption(requested), "Status": "ENABLED"}
        kind = kinds[0] if kinds else None
        config = checked(dict(params[kind])) if kind else {}
        processor = self._checked_destination(stream_type, kind, config)
        partitioning(config, routed=kind == ICEBERG)
        arn = self.stream_arn(name)
        target = DeliveryTarget(name, arn, version=1)
        route = self._route(target, kind, config, processor, event_source(source))
        backup = backup_route(target, kind, config, self.destination_for, self.region)
        # The last refusal (with unmodelled="error", or a warning made an error): nothing
        # is created before it.
        report(source_findings(stream_type) + findings(kind, config), self.unmodelled)
        stream = DeliveryStream(
            name=name,
            arn=arn,
            region=self.region,
            stream_type=stream_type,
            created_at=self.clock.now(),
            config_kind=kind,
            config=config,
            source=source,
            encryption=encryption,
            tags={tag["Key"]: tag.get("Value", "") for tag in params.get("Tags", [])},
            delivery=BackedUpDelivery(route),
        )
        stream.delivery.tables = self.glue_tables.find
        stream.delivery.back_up(backup, stream.created_at, self.ids)
        if stream_type == MSK_SOURCE:
            stream.msk = MskTopic(start, active)
        elif stream_type == DATABASE_SOURCE:
            stream.database = reader
        if stream.source_arn is not None:
            # Firehose reads its source from LATEST: what the stream holds now is not read,
            # nor what reaches it before the delivery stream is ACTIVE.
            stream.source_after = {}
            self._read_source(stream, accept=False)
        if self.creation_delay:
            stream.status = "CREATING"
            stream.transitions.append((stream.created_at + self.creation_delay, "status", "ACTIVE"))
        self.streams[name] = stream
        if stream.source_after is not None:
            self._sourced[name] = None
        return {"DeliveryStreamARN": stream.arn}

    def describe_delivery_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self.stream(params["DeliveryStreamName"])
        described = stream.describe(params.get("ExclusiveStartDestinationId"), params.get("Limit"))
        return {"DeliveryStreamDescription": described}

    def list_delivery_streams(self, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("Limit", 10)
        wanted = params.get("DeliveryStreamType")
        after = params.get("ExclusiveStartDeliveryStreamName")
        names = sorted(
            name
            for name, stream in self.streams.items()
            if (wanted is None or stream.stream_type == wanted) and (after is None or name > after)
        )
        return {
            "DeliveryStreamNames": names[:limit],
            "HasMoreDeliveryStreams": len(names) > limit,
        }

    def delete_delivery_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["DeliveryStreamName"]
        stream = self.stream(name)
        if stream.status == "CREATING":
            raise self._not_active(stream, "deleted")
        if stream.status == "DELETING":
            return {}
        if not self.creation_delay:
            self._remove(stream)
            return {}
        # DELETING for as long as a creation takes, then gone; meanwhile it is described
        # and listed, and takes puts and delivers as before (DOC: DeleteDeliveryStream).
        stream.status = "DELETING"
        stream.transitions.append((self.clock.now() + self.creation_delay, "status", GONE))
        return {}

    def update_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self.stream(params["DeliveryStreamName"])
        if stream.status != "ACTIVE":
            raise self._not_active(stream, "updated")
        current = params["CurrentDeliveryStreamVersionId"]
        if current != str(stream.version):
            raise ServiceError(
                "ConcurrentModificationException",
                f"Cannot update firehose: {stream.name} since the current version id: "
                f"{stream.version} and specified version id: {current} do not match",
            )
        if params["DestinationId"] != DESTINATION_ID:
            raise ServiceError(
                "InvalidArgumentException",
                f"Destination Id {params['DestinationId']} not found for Firehose "
                f"{stream.name} under account {self.account_id}.",
            )
        updates = [kind for kind in UPDATE_KINDS if kind in params]
        if len(updates) > 1:
            raise ServiceError(
                "InvalidArgumentException",
                "Only one destination update can be specified, found: " + ", ".join(updates),
            )
        kind, config = stream.config_kind, stream.config
        if updates:
            kind, config = updated_destination(
                stream.config_kind, stream.config, UPDATE_KINDS[updates[0]], params[updates[0]]
            )
            config = checked(config)
        processor = self._checked_destination(stream.stream_type, kind, config)
        check_decompression_switch(stream.config, config)
        check_switch(stream.config, config)
        partitioning(config, routed=kind == ICEBERG)
        check_no_going_back(stream.config_kind, stream.config, kind, config)
        # Everything the update makes is made and checked before the stream takes any of
        # it: a refusal leaves the stream, its version and its delivery as they were.
        version = stream.version + 1
        target = DeliveryTarget(stream.name, stream.arn, version)
        route = self._route(target, kind, config, processor, stream.event_source)
        backup = backup_route(target, kind, config, self.destination_for, self.region)
        before = set(findings(stream.config_kind, stream.config))
        report([found for found in findings(kind, config) if found not in before], self.unmodelled)
        now = self.clock.now()
        stream.config_kind, stream.config = kind, config
        stream.version, stream.updated_at = version, now
        stream.delivery.reroute(now, route)
        stream.delivery.back_up(backup, now, self.ids)
        return {}

    def _checked_destination(
        self, stream_type: str, kind: str | None, config: dict[str, Any]
    ) -> LambdaProcessor | None:
        """The checks a destination's configuration passes, made and remade alike by
        CreateDeliveryStream and UpdateDestination; its Lambda processor."""
        if stream_type == DATABASE_SOURCE:
            from pytest_firehose._services.firehose.database import check_destination

            check_destination(kind, config)
        check_prefixes(kind, config)
        check_logging(config)
        check_encryption(config)
        check_processors(config)
        processor = self._lambda_processor(kind, config)
        logs_processing(config)
        return processor

    def _not_active(self, stream: DeliveryStream, action: str) -> ServiceError:
        """The refusal of a change a stream cannot take in its status (DOC: a stream is
        deleted only once it is no longer CREATING; the fake's text)."""
        return ServiceError(
            "ResourceInUseException",
            f"Firehose {stream.name} under account {self.account_id} is in "
            f"{stream.status} state and cannot be {action}.",
        )
