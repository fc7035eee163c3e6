"""The ``firehose`` fixture's handle: create and look up delivery streams, enforce quotas,
register Lambda functions and Secrets Manager secrets, declare Snowflake tables, read
destination errors, flush; its Glue tables are ``glue_tables.py``'s, its OpenSearch index
mappings ``opensearch_indexes.py``'s, each stream's handle ``delivery_stream.py``'s."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from pytest_firehose._destinations.base import DestinationError
from pytest_firehose._engine.config import check_region
from pytest_firehose._engine.world import World
from pytest_firehose._errors import UsageError
from pytest_firehose._handles.assertions import cut
from pytest_firehose._handles.base import ServiceHandle, check_switch, refuse_twice_given
from pytest_firehose._handles.delivery_stream import DeliveryStreamHandle
from pytest_firehose._handles.glue_tables import GlueTables
from pytest_firehose._handles.opensearch_indexes import OpenSearchIndexes
from pytest_firehose._lambda.context import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, LambdaContext
from pytest_firehose._lambda.functions import (
    Handler,
    check_environment,
    check_memory,
    function_timeout,
    parse_function,
)
from pytest_firehose._services.firehose.model import FirehoseService
from pytest_firehose._terms import terms


def _outside_lock(world: World, handler: Handler) -> Handler:
    """``handler``, run without the world's lock: it may call AWS through boto3, from its
    own thread or threads it starts, while the world serves those calls."""

    @functools.wraps(handler)
    def run(event: Any, context: LambdaContext) -> Any:
        with world.released():
            return handler(event, context)

    return run


class FirehoseHandle(
    GlueTables, OpenSearchIndexes, ServiceHandle[FirehoseService, DeliveryStreamHandle]
):
    """The ``firehose`` fixture: create streams, look them up, read the call log, script
    faults."""

    service = "firehose"
    _noun = "delivery stream"
    _other = ("kinesis", "Kinesis data stream")

    def _models(self) -> list[FirehoseService]:
        return self._world.firehose_services()

    def _model(self, region: str | None) -> FirehoseService:
        return self._world.firehose(region)

    def _handle(self, model: FirehoseService, name: str) -> DeliveryStreamHandle:
        return DeliveryStreamHandle(self._world, model, model.streams[name])

    def create_delivery_stream(
        self, name: str, *, region: str | None = None, **options: Any
    ) -> DeliveryStreamHandle:
        """Create a delivery stream as CreateDeliveryStream would.

        ``options`` are the request's other parameters as boto3 spells them
        (``ExtendedS3DestinationConfiguration={...}``, ``DeliveryStreamType=...``). With
        none, the stream is DirectPut with the service's defaults and an in-memory
        destination.
        """
        refuse_twice_given("create_delivery_stream", options, {"DeliveryStreamName": "name"})
        params = {"DeliveryStreamName": name, **options}
        model = self._create("CreateDeliveryStream", params, region)
        return self._handle(model, name)

    def enforce_quotas(self, enabled: bool = True) -> None:
        """Make Firehose enforce its rate quotas on the fake clock.

        Every DirectPut delivery stream takes, PutRecord and PutRecordBatch combined, 2,000
        requests, 500,000 records and 5 MiB a second in us-east-1, us-west-2 and eu-west-1,
        1,000 requests, 100,000 records and 1 MiB a second elsewhere. Past it, a call is
        refused whole with ServiceUnavailableException ``Slow down.`` (HTTP 500), and a
        PutRecordBatch's records that do not fit fail inside its answer with the same code.
        The control plane's operations (CreateDeliveryStream, DescribeDeliveryStream,
        ListTagsForDeliveryStream ...) take five calls a second each per account and region;
        past it, ThrottlingException (HTTP 400). Off by default; ``enforce_quotas(False)``
        turns them off again."""
        check_switch("enforce_quotas", enabled)
        with self._world.touched():
            self._world.firehose_quotas = enabled
            for model in self._world.firehose_services():
                model.quotas = enabled

    def lambda_function(
        self,
        name_or_arn: str,
        handler: Handler,
        *,
        region: str | None = None,
        timeout: float | timedelta = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        environment: Mapping[str, str] | None = None,
    ) -> str:
        """Register ``handler`` (Lambda's ``handler(event, context)``) as the Lambda
        function ``name_or_arn`` that delivery streams' Lambda processors invoke; returns
        its ARN.

        A name (``"orders-transform"``) or unqualified ARN answers for every version and
        alias of the function; a qualified one (``"orders-transform:live"``, an ARN ending
        ``:live`` or ``:7``) only for that qualifier, ahead of the unqualified one. A name
        lives in ``region`` (the default region if None); an ARN says where it lives.
        ``timeout`` is the function's (Lambda's default 3 s): a handler that moves the fake
        clock that far timed out. ``environment``: the function's own environment variables,
        set in ``os.environ`` while the handler runs (with those the runtime defines). The
        handler runs outside the world's lock, so it may call AWS through boto3."""
        if not callable(handler):
            raise UsageError(
                f"the handler for {name_or_arn!r} must be a callable taking (event, "
                f"context), not {terms().kind(type(handler))}"
            )
        check_region(region)
        default_region = region or self._world.region
        try:
            name = parse_function(
                name_or_arn, region=default_region, account_id=self._world.account_id
            )
        except ValueError as error:
            raise UsageError(str(error)) from None
        limit = function_timeout(timeout, "lambda_function")
        memory_mb = check_memory(memory_mb, "lambda_function")
        variables = check_environment(environment, "lambda_function")
        with self._world.touched():
            functions = self._world.firehose(name.region).functions
            functions.register(
                name,
                _outside_lock(self._world, handler),
                timeout=limit,
                memory_mb=memory_mb,
                environment=variables,
            )
        return name.arn

    def secret(
        self,
        name_or_arn: str,
        value: str | Mapping[str, Any],
        *,
        region: str | None = None,
    ) -> str:
        """Register the AWS Secrets Manager secret ``name_or_arn`` with ``value`` as its
        SecretString (a mapping is written as JSON: ``{"api_key": "..."}``), the secret an
        HTTP endpoint destination's ``SecretsManagerConfiguration`` reads its access key
        from; returns its ARN. A name lives in ``region`` (the default region if None) and
        the fake's account, its ARN ending in ``-`` and six characters as Secrets Manager's
        do; an ARN (complete, or partial: without those six) says where it lives. A
        destination finds it by its complete or partial ARN, in its stream's Region, ahead
        of one in moto's Secrets Manager. Registering it again replaces its value, as a
        rotation does: a destination that read it sends the new value once its 10-minute
        cache runs out."""
        from pytest_firehose._handles.secret_inputs import secret_place, secret_string

        check_region(region)
        said = terms()
        where = said.call(f"secret({cut(name_or_arn, repr)}, ...)")
        name, place, account_id, arn = secret_place(
            where, name_or_arn, region or self._world.region, self._world.account_id, region
        )
        text = secret_string(where, value)
        with self._world.touched():
            registered = self._world.firehose(place).secrets.register(
                name, text, account_id=account_id, arn=arn
            )
        return registered.arn

    def snowflake_table(
        self,
        table: str,
        columns: Mapping[str, str] | Iterable[tuple[str, str]],
        *,
        account_url: str | None = None,
    ) -> dict[str, str]:
        """Declare the Snowflake table ``table`` (``"DATABASE.SCHEMA.TABLE"``) with
        ``columns`` (name -> Snowflake type, in order: ``{"ID": "NUMBER(38,0) NOT NULL",
        "NAME": "VARCHAR(16)", "PAYLOAD": "VARIANT"}``) as the table Snowflake destinations
        whose ``Database``, ``Schema`` and ``Table`` name it load into: each row is checked
        and converted as Snowpipe Streaming does, and a row it refuses
        (``Snowflake.ExtraColumns``, ``Snowflake.MissingColumns``,
        ``Snowflake.InvalidValue``) is written to the ``S3Configuration`` bucket under
        ``snowflake-failed/``. Names are read as Snowflake reads identifiers: unquoted ones
        in upper case, double-quoted ones as written. ``account_url``: the ``AccountUrl``
        it lives at (None: every account); streams of every region load into it, as a
        Snowflake account is no AWS region's. Declaring it again replaces it. Returns its
        columns as Snowflake stores their names. Without a declared table, every key of a
        record's object is a column."""
        from pytest_firehose._handles.snowflake_inputs import declared_table

        said = terms()
        where = said.call(f"snowflake_table({cut(table, repr)}, ...)")
        declared = declared_table(where, table, columns, account_url)
        with self._world.touched():
            self._world.snowflake_tables.declare(declared)
        return {column.name: column.declaration for column in declared.columns}

    def delivery_errors(self) -> list[DestinationError]:
        """Every stream's destination errors (see ``DeliveryStreamHandle.delivery_errors``),
        in every region, oldest first."""
        with self._world.looked():
            found = [
                error
                for service in self._world.firehose_services()
                for stream in service.streams.values()
                for error in stream.delivery.errors
            ]
        return sorted(found, key=lambda error: error.at)

    def flush(self) -> None:
        """Deliver what every stream's buffer holds now."""
        with self._world.touched():
            for service in self._world.firehose_services():
                # A copy: a Lambda processor or an HTTP endpoint runs without the world's
                # lock, and may create or delete streams meanwhile (or another thread may).
                for stream in list(service.streams.values()):
                    if service.streams.get(stream.name) is stream:  # not deleted meanwhile
                        service.flush(stream)
