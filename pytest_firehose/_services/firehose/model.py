"""The Firehose service model: delivery streams and their operations (creation,
descriptions, deletion and UpdateDestination are ``lifecycle.py``'s, the puts ``puts.py``'s,
tags and encryption ``stream_settings.py``'s), and the route each stream's delivery takes to
its destination; each stream's Delivery buffers and delivers what it accepted, as the clock
moves (``settling.py``). Knows nothing of HTTP or pytest."""

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
from pytest_firehose._destinations.delivery_errors import ICEBERG
from pytest_firehose._destinations.delivery_errors import SNOWFLAKE as SNOWFLAKE_KIND
from pytest_firehose._destinations.factory import OPENSEARCH_KINDS, delivery_settings
from pytest_firehose._destinations.processing import FIREHOSE_WAIT, Invoker
from pytest_firehose._destinations.processors import LambdaProcessor, lambda_processor
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
from pytest_firehose._services.firehose.conversion_rules import GlueTables
from pytest_firehose._services.firehose.lifecycle import Lifecycle
from pytest_firehose._services.firehose.puts import Puts
from pytest_firehose._services.firehose.quotas import ControlRates, PutQuota
from pytest_firehose._services.firehose.secrets import Secrets
from pytest_firehose._services.firehose.settings import HTTP_KIND
from pytest_firehose._services.firehose.settling import Settling
from pytest_firehose._services.firehose.stream_settings import StreamSettings
from pytest_firehose._services.firehose.streams import DeliveryStream, KinesisSource


# Puts first: it overrides put_batch.
class FirehoseService(Puts, Lifecycle, StreamSettings, Settling, ServiceBase):
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
