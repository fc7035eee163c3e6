"""Dynamic partitioning and record de-aggregation, as an extended S3 destination configures
them.

Records reach a delivery in this order (developer guide, "Apply dynamic partitioning to
aggregated data"): de-aggregation (``RecordDeAggregation``: concatenated JSON objects, or
records joined by a delimiter, split into records), the Lambda transformation, then the
partition keys: ``MetadataExtraction``'s jq query over each record's JSON
(``!{partitionKeyFromQuery:KEY}``) and the keys the function answered in
``metadata.partitionKeys`` (``!{partitionKeyFromLambda:KEY}``). Each record goes to the buffer
of its partition, the prefix its keys and arrival evaluate to; a record whose keys cannot be
had goes to the ``partitioning-failed`` error output instead, and so does one that would
open a partition past the active-partition limit.

The jq queries run on the ``jq`` package (the ``partitioning`` extra), in a worker process
that stops a query running past its time limit (``query_worker``); each one is compiled once
here, to be checked.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import Accepted, Batch, RecordError
from pytest_firehose._destinations.buffers import DEFAULT_BUFFERING
from pytest_firehose._destinations.objects import (
    PARTITION_NAMESPACES,
    MissingKey,
    evaluate_prefix,
    keys_zone,
    partition_keys_in,
)
from pytest_firehose._destinations.processing_errors import ProcessingFailure
from pytest_firehose._destinations.processors import processor_of
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._payload import Payload, payload_bytes

if TYPE_CHECKING:
    from pytest_firehose._destinations.query_worker import Answer

#: Active partitions a stream may have at once (the default quota); a record that would
#: open another goes to the error output.
MAX_ACTIVE_PARTITIONS = 500
#: Buffering a partitioned stream needs at least (the service refuses less).
MIN_SIZE_MB = 64
MIN_INTERVAL = 60
#: Sub-records one record is split into at most (developer guide).
MAX_SUB_RECORDS = 500
#: Seconds a metadata extraction query may run on one record before it is stopped and the
#: record goes to the error output: generous, for a busy machine (a query over a record of
#: 1,000 KiB takes milliseconds). Read at each batch of records.
QUERY_TIME_LIMIT = 3.0
#: What ``!{firehose:error-output-type}`` names for records that could not be partitioned.
PARTITIONING_FAILED = "partitioning-failed"
#: The error records' codes and messages: the codes as AWS writes them, the messages the
#: fake's (AWS's are not on record).
METADATA_EXTRACTION_FAILED = "DynamicPartitioning.MetadataExtractionFailed"
LIMIT_EXCEEDED = (
    "DynamicPartitioning.ActivePartitionsLimitExceeded",
    f"The number of active partitions reached the limit of {MAX_ACTIVE_PARTITIONS} for this "
    "delivery stream.",
)

_QUERY, _LAMBDA = PARTITION_NAMESPACES
_INVALID = "InvalidArgumentException"
#: Processors a stream takes only with dynamic partitioning on (REAL: CloudFormation's
#: answers, as the AWS CDK's aws-kinesisfirehose processors quote them).
_EXTRACTION = "MetadataExtraction"
_PARTITIONING_PROCESSORS = (_EXTRACTION, "RecordDeAggregation")


class PartitioningFailed(RecordError):
    """A record's partition cannot be had."""


class PartitionBatch(Batch):
    """A batch of one partition's records; ``partition`` is the prefix they evaluated to."""

    def __init__(
        self, records: list[Accepted], delivery_id: str, first_try: datetime, partition: str
    ) -> None:
        super().__init__(records, delivery_id, first_try)
        self.partition = partition


# ---------------------------------------------------------------------- configuration


def enabled(config: Mapping[str, Any]) -> bool:
    """Whether the configuration enables dynamic partitioning."""
    block = config.get("DynamicPartitioningConfiguration")
    return isinstance(block, dict) and bool(block.get("Enabled"))


def _refuse(message: str) -> ServiceError:
    return ServiceError(_INVALID, message)


@dataclass(frozen=True)
class Deaggregation:
    """A ``RecordDeAggregation`` processor: ``JSON`` splits a record into the JSON objects
    it concatenates, ``DELIMITED`` at each ``delimiter``."""

    kind: str
    delimiter: bytes = b""

    def split(self, payload: Payload) -> list[bytes] | None:
        """The sub-records of ``payload``, or None when it is not made of them (not
        concatenated JSON objects) or holds more than ``MAX_SUB_RECORDS``: it then goes on
        whole."""
        data = payload_bytes(payload)
        if self.kind == "DELIMITED":
            parts = [part for part in data.split(self.delimiter) if part]
        else:
            found = _json_objects(data)
            if found is None:
                return None
            parts = found
        return parts if 0 < len(parts) <= MAX_SUB_RECORDS else None

    def apply(self, entries: list[Accepted]) -> list[Accepted]:
        """``entries`` with each record replaced by its sub-records (each keeping the
        record's id and arrival)."""
        out: list[Accepted] = []
        for entry in entries:
            payload, record_id, arrived = entry
            parts = self.split(payload)
            if parts is None:
                out.append(entry)
            else:
                out.extend((part, record_id, arrived) for part in parts)
        return out


_DECODER = json.JSONDecoder()


def _json_objects(data: bytes) -> list[bytes] | None:
    """The JSON objects ``data`` concatenates (with or without whitespace between them),
    each as its own bytes; None when it holds anything else (an array, a bare value,
    text that is not JSON)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    objects: list[bytes] = []
    position = len(text) - len(text.lstrip())
    while position < len(text):
        try:
            value, end = _DECODER.raw_decode(text, position)
        except (ValueError, RecursionError):  # not JSON, or nested past what the parser takes
            return None
        if not isinstance(value, dict):
            return None
        objects.append(text[position:end].encode("utf-8"))
        rest = text[end:]
        position = end + len(rest) - len(rest.lstrip())
    return objects


def deaggregation(config: Mapping[str, Any]) -> Deaggregation | None:
    """The configuration's ``RecordDeAggregation`` processor, checked, or None."""
    parameters = processor_of(config, "RecordDeAggregation")
    if parameters is None:
        return None
    kind = parameters.get("SubRecordType")
    if kind not in ("JSON", "DELIMITED"):
        raise _refuse(
            "RecordDeAggregation processor parameter SubRecordType must be JSON or DELIMITED, "
            f"not {kind!r}."
        )
    if kind == "JSON":
        return Deaggregation(kind)
    text = parameters.get("Delimiter")
    try:
        delimiter = base64.b64decode(text or "", validate=True)
    except (binascii.Error, ValueError):
        delimiter = b""
    if not delimiter:
        raise _refuse(
            "RecordDeAggregation processor with SubRecordType DELIMITED needs the parameter "
            f"Delimiter, the delimiter in base64 (such as IyMjIw== for ####), not {text!r}."
        )
    return Deaggregation(kind, delimiter)


def check_query(query: str) -> None:
    """Refuse ``query`` as CreateDeliveryStream does unless jq compiles it (the program is
    kept for the queries run in this process, ``query_worker.program_of``)."""
    try:
        import jq  # noqa: F401
    except ImportError:
        raise UsageError(
            "a MetadataExtraction processor runs its query with the jq package: pip install "
            "'pytest-firehose[partitioning]'"
        ) from None
    # The query's worker and its key reader are imported by the first query: few streams have one.
    from pytest_firehose._destinations.query_worker import program_of

    try:
        program_of(query)
    except ValueError as error:
        raise _refuse(
            f"MetadataExtractionQuery {query!r} is not a valid jq query: {error}"
        ) from None


@dataclass(frozen=True)
class Partitioning:
    """A stream's dynamic partitioning: its ``prefix``, with a ``MetadataExtraction``
    processor its jq ``query`` (checked), and the zone its timestamps are in."""

    prefix: str
    query: str | None = None
    zone: tzinfo = timezone.utc

    def partition(
        self,
        arrived: datetime,
        query_keys: Answer | None,
        lambda_keys: Mapping[str, str] | None,
    ) -> str:
        """The prefix a record's keys and arrival evaluate to (random strings left as
        written): its partition. ``query_keys``: the query's answer for it (keys, or the
        message of its failure). Raises :class:`PartitioningFailed`."""
        if isinstance(query_keys, str):
            raise PartitioningFailed(METADATA_EXTRACTION_FAILED, query_keys)
        keys: dict[str, Mapping[str, str]] = {_LAMBDA: lambda_keys or {}}
        if query_keys is not None:
            keys[_QUERY] = query_keys
        try:
            return evaluate_prefix(self.prefix, arrived.astimezone(self.zone), None, keys)
        except MissingKey as missing:
            source = "the metadata extraction query"
            if missing.namespace == _LAMBDA:
                source = "the Lambda function's metadata.partitionKeys"
            raise PartitioningFailed(
                METADATA_EXTRACTION_FAILED,
                f"The partition key {missing.name!r} that the prefix uses is not among the "
                f"keys {source} gave for this record.",
            ) from None

    def sort(
        self,
        entries: list[Accepted],
        keys: Sequence[Mapping[str, str] | None] | None,
        now: datetime,
        active: set[str],
    ) -> tuple[dict[str, list[Accepted]], list[ProcessingFailure]]:
        """``entries`` by partition (``keys``: the Lambda function's partition keys for
        each), and the failures, at ``now``, of those that have none: their keys could not
        be had, or they would open a partition past the limit (``active``: the partitions
        open now; those opened here are added). The query runs over all of them at once."""
        answers: list[Answer] | None = None
        if self.query is not None:
            from pytest_firehose._destinations.query_worker import evaluate

            documents = [payload_bytes(entry[0]) for entry in entries]
            answers = evaluate(self.query, documents, QUERY_TIME_LIMIT, now.timestamp())
        groups: dict[str, list[Accepted]] = {}
        failures: list[ProcessingFailure] = []
        for position, entry in enumerate(entries):
            _, _, arrived = entry
            try:
                partition = self.partition(
                    arrived,
                    answers[position] if answers is not None else None,
                    keys[position] if keys else None,
                )
            except PartitioningFailed as failed:
                failures.append(ProcessingFailure(entry, failed.code, failed.message, 1, now))
                continue
            if partition not in active:
                if len(active) >= MAX_ACTIVE_PARTITIONS:
                    failures.append(ProcessingFailure(entry, *LIMIT_EXCEEDED, 1, now))
                    continue
                active.add(partition)
            groups.setdefault(partition, []).append(entry)
        return groups, failures


def partitioning(config: Mapping[str, Any], *, routed: bool = False) -> Partitioning | None:
    """The configuration's dynamic partitioning, checked as CreateDeliveryStream and
    UpdateDestination check it, or None when it is not enabled. ``routed``: an Iceberg
    destination's, whose ``MetadataExtraction`` processor routes records to tables."""
    prefix = config.get("Prefix") or ""
    used = {namespace for namespace, _ in partition_keys_in(prefix)}
    if not enabled(config):
        if used:
            raise _refuse(
                "Dynamic Partitioning Namespaces can only be part of a prefix expression when "
                "Dynamic Partitioning is enabled."
            )
        for kind in _PARTITIONING_PROCESSORS:
            if processor_of(config, kind) is not None and not (routed and kind == _EXTRACTION):
                raise _refuse(
                    f"class com.amazonaws.services.firehose.internal.model.{kind}Processor "
                    "can only be present when Dynamic Partitioning is enabled."
                )
        return None
    _check_buffering(config)
    error_prefix = config.get("ErrorOutputPrefix") or ""
    if not error_prefix:
        raise _refuse(
            "ErrorOutputPrefix cannot be null or empty when Dynamic Partitioning is enabled."
        )
    query = processor_of(config, "MetadataExtraction")
    with_lambda = processor_of(config, "Lambda") is not None
    if query is None and not with_lambda:
        raise _refuse("Processing Configuration is not enabled when DataPartitioning is enabled")
    if not used:
        raise _refuse(
            "S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic "
            "Partitioning is enabled"
        )
    if _LAMBDA in used and not with_lambda:
        raise _refuse(
            "Lambda should be present when S3 Prefix contains keys from partitionKeyFromLambda "
            "namespace"
        )
    if _QUERY in used and query is None:
        raise _refuse(
            "MetadataExtraction processor should be present when S3 Prefix has "
            "partitionKeyFromQuery namespace."
        )
    zone = keys_zone(config)
    if query is None:
        return Partitioning(prefix, zone=zone)
    text = query_text(query)
    check_query(text)
    from pytest_firehose._destinations.query_keys import constructed_keys

    keys = constructed_keys(text)
    in_prefix = {key for namespace, key in partition_keys_in(prefix) if namespace == _QUERY}
    if keys is not None and not keys <= in_prefix:
        raise _refuse(
            "MetaDataExtraction JQ Query can't contain keys that are not present in the S3 "
            "Prefix expression"
        )
    return Partitioning(prefix, text, zone)


def _check_buffering(config: Mapping[str, Any]) -> None:
    hints = {**DEFAULT_BUFFERING, **(config.get("BufferingHints") or {})}
    if hints["SizeInMBs"] < MIN_SIZE_MB:
        raise _refuse(
            f"BufferingHints.SizeInMBs must be at least {MIN_SIZE_MB} when Dynamic "
            "Partitioning is enabled."
        )
    if hints["IntervalInSeconds"] < MIN_INTERVAL:
        raise _refuse(
            f"BufferingHints.IntervalInSeconds must be at least {MIN_INTERVAL} seconds when "
            "Dynamic Partitioning is enabled."
        )


def query_text(parameters: dict[str, str]) -> str:
    engine = parameters.get("JsonParsingEngine", "JQ-1.6")
    if engine != "JQ-1.6":
        raise _refuse(
            f"MetadataExtraction processor parameter JsonParsingEngine must be JQ-1.6, not "
            f"{engine!r}."
        )
    query = parameters.get("MetadataExtractionQuery")
    if not query:
        raise _refuse(
            "A MetadataExtraction processor must have the parameter MetadataExtractionQuery."
        )
    return query


def check_switch(before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    """Refuse an UpdateDestination that turns dynamic partitioning on or off: it is set
    when a stream is created, for good."""
    if enabled(before) == enabled(after):
        return
    if enabled(after):
        raise _refuse(
            "Dynamic Partitioning can be enabled only when a delivery stream is created; "
            "create a new delivery stream with it."
        )
    raise _refuse("Dynamic Partitioning cannot be disabled once a delivery stream has it.")
