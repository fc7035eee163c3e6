"""Delivery to a Snowflake table (``Database.Schema.Table``): each record becomes one row,
as the destination's ``DataLoadingOption`` maps it, and the rows the table received are kept
on the delivered object (``rows``), as a Redshift destination's are.

The API reference (SnowflakeDestinationConfiguration) and the developer guide
("Troubleshooting Snowflake", "Handle data delivery failures") give the mapping:

- ``JSON_MAPPING`` (the default): the record's JSON object, each key a column;
- ``VARIANT_CONTENT_MAPPING``: the record in ``ContentColumnName``;
- ``VARIANT_CONTENT_AND_METADATA_MAPPING``: that, and in ``MetaDataColumnName`` the
  record's source: ``firehoseDeliveryStreamName`` and ``IngestionTime`` for a record put to
  the stream; ``kinesisStreamName``, ``kinesisShardId``, ``kinesisPartitionKey``,
  ``kinesisSequenceNumber``, ``subsequenceNumber`` and ``IngestionTime`` for one read from
  Kinesis.

Firehose "supports only single JSON item as record payload, JSON arrays are not
supported": a record that is not one JSON object makes no row. It fails with
``Snowflake.InvalidInput`` and is written to the ``S3Configuration`` bucket under
``snowflake-failed/`` at once, as every row Snowflake rejects for its payload is ("Firehose
doesn't attempt to deliver it again"); the rest of the batch is delivered. The fake knows
no table definition: every key of a record's object is a column (``destination_refuses``
makes rows fail as a table would refuse them, ``Snowflake.ExtraColumns`` ...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pytest_firehose._clock import epoch_millis
from pytest_firehose._destinations.base import Refusal
from pytest_firehose._destinations.delivery_errors import ERRORS, SNOWFLAKE
from pytest_firehose._destinations.stored import (
    StoredDestination,
    json_object,
    refused_unless_json,
)
from pytest_firehose._errors import ServiceError
from pytest_firehose._ids import record_id_text

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted, DeliveryTarget, Destination
    from pytest_firehose._destinations.objects import DeliveredObject

JSON_MAPPING = "JSON_MAPPING"
CONTENT_AND_METADATA = "VARIANT_CONTENT_AND_METADATA_MAPPING"
#: The code of a record that is not one JSON object (developer guide).
INVALID_INPUT = "Snowflake.InvalidInput"
_NOT_JSON = Refusal(INVALID_INPUT, ERRORS[SNOWFLAKE].refusals[INVALID_INPUT])


def _refuse(message: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", message)


def _columns(config: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    """The data loading option, the content column and the metadata column of ``config``,
    refused when the option lacks a column it fills or names one it does not."""
    option = str(config.get("DataLoadingOption") or JSON_MAPPING)
    content = config.get("ContentColumnName")
    metadata = config.get("MetaDataColumnName")
    if option != JSON_MAPPING and content is None:
        raise _refuse(f"ContentColumnName is required when DataLoadingOption is {option}.")
    if option == CONTENT_AND_METADATA and metadata is None:
        raise _refuse(f"MetaDataColumnName is required when DataLoadingOption is {option}.")
    if option == JSON_MAPPING and content is not None:
        raise _refuse(f"ContentColumnName cannot be specified when DataLoadingOption is {option}.")
    if option != CONTENT_AND_METADATA and metadata is not None:
        raise _refuse(
            f"MetaDataColumnName can only be specified when DataLoadingOption is "
            f"{CONTENT_AND_METADATA}."
        )
    return option, content, metadata


class SnowflakeDestination(StoredDestination):
    """Loads each record as a row of the table (see the module); fails, backs up and is
    switched off as the other destinations the fake stores."""

    def __init__(self, config: dict[str, Any], bucket: Destination) -> None:
        self.option, self._content, self._metadata = _columns(config)
        super().__init__(SNOWFLAKE, config, bucket)
        self.table = ".".join(str(config.get(part, "")) for part in ("Database", "Schema", "Table"))
        #: Records read from a Kinesis stream: their stream's name and their
        #: ``kinesisRecordMetadata``, by record id, until their row is made.
        self._read: dict[str, tuple[str, Mapping[str, Any]]] = {}

    def read_from(self, stream_arn: str, metadata: Mapping[str, Mapping[str, Any]] | None) -> None:
        """Keep what the metadata column says of records read from the Kinesis stream
        ``stream_arn`` (``metadata``: each one's ``kinesisRecordMetadata``, by record id)."""
        if self._metadata is None or not metadata:
            return
        name = stream_arn.rsplit("/", 1)[-1]
        self._read.update((record_id, (name, each)) for record_id, each in metadata.items())

    def take_over(self, previous: Destination) -> None:
        """Keep what ``previous``, the destination this one replaces (an UpdateDestination),
        kept of records read and not loaded yet."""
        if isinstance(previous, SnowflakeDestination):
            self._read.update(previous._read)

    def refusals(self, records: Sequence[Accepted]) -> dict[int, Refusal]:
        """The refusal of each of ``records`` that makes no row (not one JSON object), by
        position."""
        return refused_unless_json(records, _NOT_JSON)

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        obj.rows = tuple(self._row(target, record) for record in obj.accepted)

    def _row(self, target: DeliveryTarget, record: Accepted) -> dict[str, Any]:
        payload, key, arrived = record
        value = json_object(payload) or {}
        if self._content is None:
            return value
        row: dict[str, Any] = {self._content: value}
        if self._metadata is not None:
            read = self._read.pop(record_id_text(key), None)
            if read is None:
                source: dict[str, Any] = {"firehoseDeliveryStreamName": target.name}
            else:
                name, kinesis = read
                source = {
                    "kinesisStreamName": name,
                    "kinesisShardId": kinesis["shardId"],
                    "kinesisPartitionKey": kinesis["partitionKey"],
                    "kinesisSequenceNumber": kinesis["sequenceNumber"],
                    "subsequenceNumber": str(kinesis["subsequenceNumber"]),
                }
            row[self._metadata] = {**source, "IngestionTime": epoch_millis(arrived)}
        return row
