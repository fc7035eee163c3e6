"""The Firehose service model: delivery streams and their operations (the puts are
``puts.py``'s, tags and encryption ``stream_settings.py``'s); each stream's Delivery buffers
and delivers what it accepted, as the clock moves (``settling.py``). Knows nothing of HTTP
or pytest."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pytest_firehose._arns import partition_of, resource_arn
from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.base import (
    DeliveryTarget,
    DestinationFactory,
)
from pytest_firehose._destinations.cloudwatch_logs import (
    check_decompression_switch,
    logs_processing,
)
from pytest_firehose._destinations.delivery_errors import ICEBERG
from pytest_firehose._destinations.delivery_errors import SNOWFLAKE as SNOWFLAKE_KIND
from pytest_firehose._destinations.factory import OPENSEARCH_KINDS, delivery_settings
from pytest_firehose._destinations.partitioning import check_switch, partitioning
from pytest_firehose._destinations.processing import FIREHOSE_WAIT, Invoker
from pytest_firehose._destinations.processors import (
    LambdaProcessor,
    check_processors,
    lambda_processor,
)
from pytest_firehose._destinations.routes import Route, route_for
from pytest_firehose._destinations.search_indexes import SearchIndexes
from pytest_firehose._destinations.snowflake_tables import SnowflakeTables
from pytest_firehose._errors import ServiceError
from pytest_firehose._ids import IdSource
from pytest_firehose._lambda.firehose_events import EventSource
from pytest_firehose._lambda.functions import (
    FunctionRegistry,
    Invocation,
    invoke,
    parse_function,
)
from pytest_firehose._payload import Payload, data_of
from pytest_firehose._services.base import Answer, ServiceBase
from pytest_firehose._services.codes import BATCH_PUT
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
from pytest_firehose._services.firehose.puts import Puts
from pytest_firehose._services.firehose.quotas import ControlRates, PutQuota
from pytest_firehose._services.firehose.secrets import Secrets
from pytest_firehose._services.firehose.settings import (
    HTTP_KIND,
    findings,
    report,
    source_findings,
)
from pytest_firehose._services.firehose.settling import Settling
from pytest_firehose._services.firehose.stream_settings import (
    DATABASE_SOURCE,
    DIRECT_PUT,
    KINESIS_SOURCE,
    MSK_SOURCE,
    StreamSettings,
    check_source,
    checked_encryption,
)
from pytest_firehose._services.firehose.streams import (
    DESTINATION_ID,
    GONE,
    DeliveryStream,
    KinesisSource,
    event_source,
)

#: Delivery streams an account may have in a region (DOC: CreateDeliveryStream, "By default,
#: you can create up to 5,000 Firehose streams per AWS Region"; 50 in its older versions).
#: Past it, the refusal names the quota and lists the account's streams by name (REAL, with
#: the quota at 50: hashicorp/terraform-provider-aws#7408, 2019).
MAX_STREAMS = 5000


# Puts first: it overrides put_batch.
class FirehoseService(Puts, StreamSettings, Settling, ServiceBase):
    """Amazon Data Firehose in one account and region."""

    batch_put = BATCH_PUT["firehose"]
    resource = "Firehose"

    def __init__(
        self,
        *,
        account_id: str,
        region: str,
        clock: FakeClock,
        ids: IdSource,
        destination_for: DestinationFactory,
        kinesis_source: KinesisSource | None = None,
        snowflake_tables: SnowflakeTables | None = None,
        search_indexes: SearchIndexes | None = None,
        creation_delay: timedelta = timedelta(0),
        encryption_delay: timedelta = timedelta(0),
        unmodelled: str = "warn",
    ) -> None:
        super().__init__(
            account_id=account_id,
            region=region,
            clock=clock,
            ids=ids,
            creation_delay=creation_delay,
        )
        #: Makes the destination a stream's configuration names.
        self.destination_for = destination_for
        #: Where KinesisStreamAsSource streams read from (None: they read nothing).
        self.kinesis_source = kinesis_source
        self.encryption_delay = encryption_delay
        #: What becomes of a setting the fake does not model: "warn" or "error" (see
        #: settings.py).
        self.unmodelled = unmodelled
        self.streams: dict[str, DeliveryStream] = {}
        #: The names of the streams that read a Kinesis source, in creation order (a
        #: Kinesis request has these read, and no other stream looked at).
        self._sourced: dict[str, None] = {}
        #: The Lambda functions tests registered in this region, for Lambda processors.
        self.functions = FunctionRegistry()
        #: The Glue tables of this region, for record format conversion and Iceberg tables.
        self.glue_tables = GlueTables(account_id, region)
        #: The Secrets Manager secrets of this region tests registered, for HTTP endpoints.
        self.secrets = Secrets(account_id, region)
        #: The Snowflake tables tests declared, which Snowflake destinations load into
        #: (the world's, shared by every region).
        self.snowflake_tables = SnowflakeTables() if snowflake_tables is None else snowflake_tables
        #: The indexes of the OpenSearch domains, clusters and collections streams write
        #: to, with their mappings (those tests gave, and what documents added): the
        #: world's, shared by every region.
        self.search_indexes = SearchIndexes() if search_indexes is None else search_indexes
        #: Whether DirectPut streams enforce their throughput quota and the control plane
        #: its rates (off unless a test asks); each stream's use of its quota in the
        #: current second, by name, and the account's use of the control plane's rates.
        self.quotas = False
        self._usage: dict[str, PutQuota] = {}
        self._control = ControlRates()
        self._operations = {
            "CreateDeliveryStream": self.create_delivery_stream,
            "DescribeDeliveryStream": self.describe_delivery_stream,
            "ListDeliveryStreams": self.list_delivery_streams,
            "DeleteDeliveryStream": self.delete_delivery_stream,
            "TagDeliveryStream": self.tag_delivery_stream,
            "UntagDeliveryStream": self.untag_delivery_stream,
            "ListTagsForDeliveryStream": self.list_tags_for_delivery_stream,
            "StartDeliveryStreamEncryption": self.start_encryption,
            "StopDeliveryStreamEncryption": self.stop_encryption,
            "UpdateDestination": self.update_destination,
            "PutRecord": self.put_record,
        }

    # ------------------------------------------------------------------ requests

    def dispatch(
        self,
        operation: str,
        params: dict[str, Any],
        record_failures: Mapping[int, str] | None = None,
    ) -> Answer:
        """Run ``operation``; with the quotas on, a control-plane call past its rate is
        refused first (quotas.py)."""
        if self.quotas:
            self._control.take(operation, self.clock.now())
        return super().dispatch(operation, params, record_failures)

    @staticmethod
    def stream_name(params: dict[str, Any]) -> str | None:
        """The delivery stream a request names."""
        name = params.get("DeliveryStreamName")
        return name if isinstance(name, str) else None

    @staticmethod
    def request_payloads(operation: str, params: dict[str, Any] | None) -> tuple[Payload, ...]:
        """The payloads a put sends, in order."""
        if not params:
            return ()
        if operation == "PutRecordBatch":
            records = params.get("Records")
            return data_of(records if isinstance(records, list) else [])
        if operation == "PutRecord":
            return data_of([params.get("Record")])
        return ()

    def stream_arn(self, name: str) -> str:
        """The ARN of delivery stream ``name`` in this account and region."""
        return resource_arn("firehose", self.region, self.account_id, f"deliverystream/{name}")

    def error_context(self, params: dict[str, Any]) -> dict[str, str]:
        """What a scripted error message about this request may name (Firehose has no
        shards: ``shard`` is empty)."""
        stream = self.stream_name(params) or ""
        return {
            "stream": stream,
            "account": self.account_id,
            "region": self.region,
            "partition": partition_of(self.region),
            "service": "firehose",
            "arn": self.stream_arn(stream) if stream else "",
            "shard": "",
        }

    def stream(self, name: str) -> DeliveryStream:
        found = self.streams.get(name)
        if found is None:
            raise self._not_found(name)
        return found

    # ------------------------------------------------------------------ lifecycle

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
        if stream_type == DATABASE_SOURCE:
            from pytest_firehose._services.firehose.database import check_destination

            check_destination(kind, config)
        check_prefixes(kind, config)
        check_logging(config)
        check_encryption(config)
        check_processors(config)
        processor = self._lambda_processor(kind, config)
        logs_processing(config)
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
            stream.msk = MskTopic(start)
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
        if stream.stream_type == DATABASE_SOURCE:
            from pytest_firehose._services.firehose.database import check_destination

            check_destination(kind, config)
        check_prefixes(kind, config)
        check_logging(config)
        check_encryption(config)
        check_processors(config)
        processor = self._lambda_processor(kind, config)
        logs_processing(config)
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

    def _not_active(self, stream: DeliveryStream, action: str) -> ServiceError:
        """The refusal of a change a stream cannot take in its status (DOC: a stream is
        deleted only once it is no longer CREATING; the fake's text)."""
        return ServiceError(
            "ResourceInUseException",
            f"Firehose {stream.name} under account {self.account_id} is in "
            f"{stream.status} state and cannot be {action}.",
        )

    def _route(
        self,
        target: DeliveryTarget,
        kind: str | None,
        config: dict[str, Any],
        processor: LambdaProcessor | None,
        source: EventSource | None,
    ) -> Route:
        """The checked route of a stream's delivery to the destination ``kind``'s
        ``config`` names (nothing of it is taken yet)."""
        destination = self.destination_for(kind, config, self.region)
        if kind == ICEBERG:
            from pytest_firehose._destinations.iceberg import IcebergDestination

            if isinstance(destination, IcebergDestination):  # its tables are Glue's
                destination.catalog = self.glue_tables
                destination.clock = self.clock
        elif kind in OPENSEARCH_KINDS:
            from pytest_firehose._destinations.opensearch import OpenSearchDestination

            if isinstance(destination, OpenSearchDestination):  # its domain's indexes
                destination.indexes = self.search_indexes
        elif kind == HTTP_KIND:
            from pytest_firehose._destinations.http_endpoint import HttpEndpointDestination

            if isinstance(destination, HttpEndpointDestination) and destination.secret:
                # Its registered secrets are read ahead of Secrets Manager's.
                destination.secret.registered = self.secrets.value
        elif kind == SNOWFLAKE_KIND:
            from pytest_firehose._destinations.snowflake import SnowflakeDestination

            if isinstance(destination, SnowflakeDestination):  # its table, if declared
                destination.tables = self.snowflake_tables
        return route_for(
            target,
            delivery_settings(kind, config),
            destination,
            self._processing(processor, source),
        )

    # ------------------------------------------------------------------ Lambda

    def _lambda_processor(self, kind: str | None, config: dict[str, Any]) -> LambdaProcessor | None:
        """The Lambda processor of a destination of ``kind``, its function name checked (an
        HTTP endpoint's configuration holds it too)."""
        processor = lambda_processor(config, kind)
        if processor is not None:
            try:
                parse_function(processor.lambda_arn, region=self.region, account_id=self.account_id)
            except ValueError as error:
                raise ServiceError("InvalidArgumentException", str(error)) from None
        return processor

    def _processing(
        self, processor: LambdaProcessor | None, source: EventSource | None
    ) -> tuple[LambdaProcessor, Invoker, str, EventSource | None] | None:
        if processor is None:
            return None
        return processor, self.invoke_function, self.region, source

    def invoke_function(self, name: str, event: dict[str, Any], at: datetime) -> Invocation:
        """Invoke the registered handler for function ``name`` (a name or ARN) with
        ``event``, synchronously, as a Lambda processor does at ``at`` (when its buffer
        fell due). Raises ``UnregisteredFunction`` when no handler answers for it."""
        reference = parse_function(name, region=self.region, account_id=self.account_id)
        registration = self.functions.resolve(reference)
        request_id = self.ids.uuid()
        return invoke(
            registration, event, self.clock, request_id, reference, limit=FIREHOSE_WAIT, at=at
        )
