"""The ``firehose`` fixture's handle: create and look up delivery streams, register Lambda
functions, Glue tables and Secrets Manager secrets; each stream's handle is
``delivery_stream.py``'s."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from pytest_firehose._destinations.base import DestinationError
from pytest_firehose._engine.config import check_region, is_account_id
from pytest_firehose._engine.world import World
from pytest_firehose._errors import UsageError
from pytest_firehose._handles.assertions import cut
from pytest_firehose._handles.base import ServiceHandle, check_switch, refuse_twice_given
from pytest_firehose._handles.delivery_stream import DeliveryStreamHandle
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


def _column_pairs(where: str, columns: object) -> tuple[tuple[str, str], ...]:
    """A Glue table's (name, Hive type) columns, given as a mapping or as pairs; refused
    unless each is a pair of strings, there is one at least, and no two names are the same
    but for case (Glue's column names are lower case: DOC, Athena's "Name databases,
    tables, and columns"; a conversion reads them so)."""
    said = terms()
    pair_of = said.phrase("(name, type)", "[name, type]")
    shape = (
        f"{where}: columns are a mapping of column name to Hive type, "
        f'{{"id": "bigint", "tags": "array<string>"}}, or {pair_of} pairs of strings'
    )
    if isinstance(columns, Mapping):
        found: list[object] = list(columns.items())
    elif isinstance(columns, Iterable) and not isinstance(columns, (str, bytes)):
        found = list(columns)
    else:
        raise UsageError(f"{shape}, not {said.value(columns)}")
    pairs: list[tuple[str, str]] = []
    for pair in found:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise UsageError(f"{shape}; {said.value(pair)} is not a {pair_of} pair")
        name, kind = pair
        if not isinstance(name, str) or not name:
            raise UsageError(
                f"{shape}; the column name {said.value(name)} is not a non-empty string"
            )
        if not isinstance(kind, str):
            raise UsageError(
                f"{shape}; the type of column {said.value(name)} is {said.value(kind)}, not a "
                f"string such as {said.value('int')}"
            )
        same = [given for given, _ in pairs if given.lower() == name.lower()]
        if same and same[0] == name:
            raise UsageError(
                f"{where}: column {said.value(name)} is given twice; a table has it once"
            )
        if same:
            raise UsageError(
                f"{where}: columns {said.value(same[0])} and {said.value(name)} differ only "
                "in case, and Glue "
                "column names are lower case, so they would name one column: give each "
                "column a name of its own, in lower case"
            )
        pairs.append((name, kind))
    if not pairs:
        raise UsageError(f"{where}: the Glue table needs at least one column")
    return tuple(pairs)


def check_catalog(where: str, catalog_id: object) -> None:
    """Refuse a Glue catalog id that is not an account id (None: the fake's account)."""
    if catalog_id is not None and not (isinstance(catalog_id, str) and is_account_id(catalog_id)):
        said = terms()
        raise UsageError(
            f"{where}: {said.name('catalog_id')} is the 12-digit account id of the Glue "
            f"catalog ({said.value(None)}: the fake's account), not {said.value(catalog_id)}"
        )


def check_table_name(where: str, database: object, table: object) -> None:
    """Refuse a Glue database or table that is not named by a non-empty string (no table
    has such a name, so a lookup would answer that the table is missing)."""
    for part, value in (("database", database), ("table", table)):
        if not isinstance(value, str) or not value:
            raise UsageError(f"{where}: the {part} is named by a non-empty string")


class FirehoseHandle(ServiceHandle[FirehoseService, DeliveryStreamHandle]):
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
            try:
                functions.register(
                    name,
                    _outside_lock(self._world, handler),
                    timeout=limit,
                    memory_mb=memory_mb,
                    environment=variables,
                )
            except (TypeError, ValueError) as error:
                raise UsageError(str(error)) from None
        return name.arn

    def glue_table(
        self,
        database: str,
        table: str,
        columns: Mapping[str, str] | Iterable[tuple[str, str]],
        *,
        region: str | None = None,
        catalog_id: str | None = None,
    ) -> None:
        """Register the Glue table ``database``.``table`` with ``columns`` (name -> Hive
        type, in order: ``{"id": "bigint", "tags": "array<string>"}``) as the schema
        delivery streams that convert records to Parquet or ORC read
        (``DataFormatConversionConfiguration.SchemaConfiguration``), and as a table Iceberg
        destinations write to (once a table of ``database`` is registered, the others
        of it do not exist until ``TableCreationConfiguration`` creates them). It lives in
        ``region`` (the default region if None) and the catalog ``catalog_id`` (the fake's
        account if None). A table registered here is used ahead of one in moto's Glue."""
        from pytest_firehose._destinations.conversion import GlueTable, available
        from pytest_firehose._destinations.iceberg_schema import TYPE_NAMES, outer_type

        check_region(region)
        said = terms()
        where = said.call(f"glue_table({database!r}, {table!r}, ...)")
        check_catalog(where, catalog_id)
        check_table_name(where, database, table)
        pairs = _column_pairs(where, columns)
        for name, kind in pairs:
            try:
                if available():  # the whole type, as a conversion reads it
                    from pytest_firehose._destinations.hive_type_names import column_type

                    column_type(kind)
                elif outer_type(kind) not in TYPE_NAMES:
                    raise ValueError(kind)
            except ValueError:  # hive_type_names.UnknownType, a ValueError
                raise UsageError(
                    f"column {said.value(name)} of {database}.{table}: "
                    f"{cut(kind, said.value)} is not a Hive type "
                    "pytest-firehose reads (string, varchar(n), char(n), tinyint, smallint, "
                    "int, bigint, float, double, boolean, timestamp, date, decimal(p,s), "
                    "binary, array<T>, map<K,V>, struct<name:T,...>)"
                ) from None
        with self._world.touched():
            self._world.firehose(region).glue_tables.register(
                GlueTable(database, table, pairs), region=region, catalog_id=catalog_id
            )

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

    def glue_columns(
        self,
        database: str,
        table: str,
        *,
        region: str | None = None,
        catalog_id: str | None = None,
    ) -> dict[str, str]:
        """The columns (name -> Hive type, in order) of the Glue table
        ``database``.``table``: one ``glue_table`` registered, with the columns an Iceberg
        destination's ``SchemaEvolutionConfiguration`` added, or one its
        ``TableCreationConfiguration`` created. A table neither holds raises ``KeyError``
        naming the tables there are (a table of moto's Glue, the columns a destination
        added to it included, is read with boto3's ``get_table``)."""
        check_region(region)
        said = terms()
        where = said.call(f"glue_columns({database!r}, {table!r})")
        check_catalog(where, catalog_id)
        check_table_name(where, database, table)
        with self._world.looked():
            tables = self._world.firehose(region).glue_tables
            found = tables.find(
                {
                    "Region": region,
                    "CatalogId": catalog_id,
                    "DatabaseName": database,
                    "TableName": table,
                }
            )
            if found is None:
                known = ", ".join(tables.names()) or "none"
                body = {"database": database, "table": table, "columns": {"id": "bigint"}}
                register = said.phrase(
                    "firehose.glue_table(database, table, columns)",
                    f"POST /_fake/glue, e.g. {said.value(body)}",
                )
                raise KeyError(
                    f"no Glue table {database}.{table} (tables: {known}); register one with "
                    f"{register}"
                )
            return dict(found.columns)

    def opensearch_index(
        self,
        domain: str,
        index: str,
        mappings: Mapping[str, Any] | None = None,
        *,
        settings: Mapping[str, Any] | None = None,
        priority: int | None = None,
    ) -> dict[str, Any]:
        """Give the OpenSearch index ``index`` of ``domain`` its mapping before documents
        arrive, as ``PUT index`` with ``mappings`` and ``settings`` would; returns the
        mapping as ``GET index/_mapping`` shows it.

        ``domain`` is what delivery streams name: a ``DomainARN``, ``ClusterEndpoint`` or
        ``CollectionEndpoint``. ``index`` is a name, or a pattern with ``*`` whose mapping
        every index made later that matches it gets, as a composable index template gives
        it (a rotated index: ``"logs-*"``; only ``*`` is special). Where several patterns
        match a new index, the one of the highest ``priority`` (0 unless given) gives its
        mapping; two of one priority that could match one index are refused, as OpenSearch
        refuses them. A name's mapping is merged over the mapping of the pattern matching
        it, as OpenSearch creates an index with mappings under a template (the merged
        mapping is returned; one OpenSearch would not merge is refused). ``mappings`` is
        OpenSearch's mappings object: ``dynamic`` (``True``, ``False``: new fields kept in
        the source only, ``"strict"``: refused, ``"strict_allow_templates"`` and
        ``"false_allow_templates"``: mapped only where a dynamic template maps them, else
        refused or kept in the source only), ``properties`` with the field types
        ``long``, ``integer``, ``short``, ``byte``, ``double``, ``float``, ``half_float``,
        ``scaled_float``, ``unsigned_long``, ``keyword``, ``wildcard``, ``text``,
        ``match_only_text``, ``boolean``, ``date`` (with ``format``), ``date_nanos``, ``ip``,
        ``geo_point``, ``geo_shape``, ``knn_vector``, ``integer_range``, ``long_range``,
        ``float_range``, ``double_range``, ``ip_range``, ``binary``, ``object``, ``nested``,
        ``alias``, ``constant_keyword``, ``token_count`` and ``flat_object`` (and ``copy_to``),
        ``dynamic_templates``, ``date_detection``, ``numeric_detection``,
        ``dynamic_date_formats``. ``settings``:
        the limits ``index.mapping.total_fields.limit``, ``index.mapping.depth.limit``,
        ``index.mapping.field_name_length.limit``, ``index.mapping.nested_fields.limit``,
        ``index.mapping.nested_objects.limit``, and ``index.knn`` (a k-NN index, whose
        ``knn_vector`` fields take a ``method``).
        An index documents already reached keeps its mapping: giving it one is refused.
        The streams of every region that name ``domain`` write to it."""
        from pytest_firehose._destinations.index_explicit import BadMapping, read_mapping
        from pytest_firehose._destinations.search_indexes import (
            OverlappingTemplates,
            TemplateConflict,
        )
        from pytest_firehose._handles.search_inputs import (
            check_domain,
            check_index,
            check_json_object,
            check_priority,
            template_conflict,
        )

        said = terms()
        where = said.call(f"opensearch_index({cut(domain, repr)}, {cut(index, repr)}, ...)")
        check_domain(where, domain)
        check_index(where, index, pattern=True)
        rank = check_priority(where, index, priority)
        given = check_json_object(where, "mappings", mappings)
        limits = check_json_object(where, "settings", settings)
        try:
            mapping = read_mapping(given, limits)
        except BadMapping as error:
            raise UsageError(f"{where}: {error}") from None
        with self._world.touched():
            try:
                made = self._world.search_indexes.register(domain, index, mapping, rank)
            except TemplateConflict as error:
                raise template_conflict(where, index, error) from None
            except OverlappingTemplates as error:
                example = said.keyword("priority", str(rank + 1))
                raise UsageError(
                    f"{where}: OpenSearch refuses this index template: {error} (give one of "
                    f"them another priority, e.g. {example}: where both match a new index, "
                    "the higher gives it its mapping)"
                ) from None
            except ValueError:
                raise UsageError(
                    f"{where}: documents already reached the index {said.value(index)}, so "
                    "its mapping is made; give a mapping before the first document arrives, "
                    "or give one to a pattern for the indexes still to come"
                ) from None
        return made.shown()

    def opensearch_mapping(self, domain: str, index: str) -> dict[str, Any]:
        """The mapping the OpenSearch index ``index`` of ``domain`` holds, as
        ``GET index/_mapping`` shows its ``mappings``: what ``opensearch_index`` gave it
        (or a pattern it matches), with the fields dynamic mapping added as documents were
        delivered. An index there is not raises ``KeyError`` naming those there are."""
        from pytest_firehose._handles.search_inputs import check_domain, check_index

        said = terms()
        where = said.call(f"opensearch_mapping({cut(domain, repr)}, {cut(index, repr)})")
        check_domain(where, domain)
        check_index(where, index, pattern=False)
        with self._world.looked():
            indexes = self._world.search_indexes
            found = indexes.shown(domain, index)
            if found is None:
                known = ", ".join(indexes.names(domain)) or "none"
                register = said.phrase(
                    "firehose.opensearch_index(domain, index, mappings)", "POST /_fake/opensearch"
                )
                raise KeyError(
                    f"no index {index} in {domain} (indexes and patterns: {known}); an index "
                    f"is made when its first document is delivered, or with {register}"
                )
            return found

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
