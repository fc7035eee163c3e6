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
doesn't attempt to deliver it again"); the rest of the batch is delivered.

A table a test declared (``firehose.snowflake_table``, ``snowflake_tables.py``) checks
each row as Snowpipe Streaming does, refusing it as Snowflake would
(``Snowflake.ExtraColumns``, ``Snowflake.MissingColumns``, ``Snowflake.InvalidValue``,
``Snowflake.InvalidColumns``), written at once as above; the rows it takes hold each of its
columns, converted to its type. Without one, every key of a record's object is a column,
its value as JSON reads it (``destination_refuses`` makes rows fail as a table would).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pytest_firehose._clock import epoch_millis
from pytest_firehose._destinations.base import Refusal
from pytest_firehose._destinations.delivery_errors import ERRORS, SNOWFLAKE
from pytest_firehose._destinations.stored import StoredDestination, json_object
from pytest_firehose._errors import ServiceError
from pytest_firehose._ids import record_id_text

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted, DeliveryTarget, Destination
    from pytest_firehose._destinations.objects import DeliveredObject
    from pytest_firehose._destinations.snowflake_tables import SnowflakeTable, SnowflakeTables

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
        self._where = {
            part: config.get(part) for part in ("AccountUrl", "Database", "Schema", "Table")
        }
        #: The tables tests declared, where this destination's table is looked up at each
        #: attempt (None: none is, every key of a record is a column).
        self.tables: SnowflakeTables | None = None
        #: Records read from a Kinesis stream: their stream's name and their
        #: ``kinesisRecordMetadata``, by record id, until their row is made.
        self._read: dict[str, tuple[str, Mapping[str, Any]]] = {}
        #: The rows this attempt's refusals made of the records they did not refuse (and
        #: each one's metadata source to name the stream in), by record id, for its delivery.
        self._prepared: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {}

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

    def _declared(self) -> SnowflakeTable | None:
        """The declared table this destination loads into, if a test declared it."""
        return None if self.tables is None else self.tables.find(self._where)

    def refusals(self, records: Sequence[Accepted]) -> dict[int, Refusal]:
        """The refusal of each of ``records`` that makes no row (not one JSON object), or
        whose row the declared table refuses, by position. The rows of the others are kept
        for their delivery, which follows in the same attempt: each record is read and
        converted once."""
        table = self._declared()
        self._prepared = {}
        refused: dict[int, Refusal] = {}
        for index, record in enumerate(records):
            made = self._made(record, table, index)
            if isinstance(made, Refusal):
                refused[index] = made
            else:
                self._prepared[record_id_text(record[1])] = made
        return refused

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        prepared, self._prepared = self._prepared, {}
        rows = []
        for index, record in enumerate(obj.accepted):
            ready = prepared.get(record_id_text(record[1]))
            # A record this attempt's refusals did not read is read now.
            made = ready if ready is not None else self._made(record, self._declared(), index)
            # The refused ones were left out of this object (refusals above).
            if not isinstance(made, Refusal):
                row, source = made
                if source is not None:
                    source["firehoseDeliveryStreamName"] = target.name
                rows.append(row)
            self._read.pop(record_id_text(record[1]), None)  # its row is made
        obj.rows = tuple(rows)

    def _made(
        self, record: Accepted, table: SnowflakeTable | None, index: int
    ) -> tuple[dict[str, Any], dict[str, Any] | None] | Refusal:
        """The row ``record`` makes (converted by ``table``, the declared one, if any;
        ``index``: its place in its insert), with the metadata source its delivery names
        its stream in (None when the row has none, or names a Kinesis stream); or why it
        makes none."""
        value = json_object(record[0])
        if value is None:
            return _NOT_JSON
        row, source = self._row(value, record)
        if table is None:
            return row, source
        checked = table.check(row, index)
        if isinstance(checked, dict):
            # A metadata column holds the source's map itself (a VARIANT or OBJECT column;
            # an ARRAY column a list of it): naming the stream in it names it in the row.
            return checked, source
        self._read.pop(record_id_text(record[1]), None)  # it makes no row
        return Refusal(checked.code, checked.message)

    def _row(
        self, value: dict[str, Any], record: Accepted
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The row the record's JSON object ``value`` makes, before any table converts it,
        and the source in its metadata column that a delivery names its stream in (None
        when it has none, or names a Kinesis stream)."""
        if self._content is None:
            return value, None
        row: dict[str, Any] = {self._content: value}
        if self._metadata is None:
            return row, None
        _, key, arrived = record
        read = self._read.get(record_id_text(key))
        named: dict[str, Any] | None = None
        if read is None:
            source: dict[str, Any] = {"firehoseDeliveryStreamName": ""}
            named = source
        else:
            name, kinesis = read
            source = {
                "kinesisStreamName": name,
                "kinesisShardId": kinesis["shardId"],
                "kinesisPartitionKey": kinesis["partitionKey"],
                "kinesisSequenceNumber": kinesis["sequenceNumber"],
                "subsequenceNumber": str(kinesis["subsequenceNumber"]),
            }
        source["IngestionTime"] = epoch_millis(arrived)
        row[self._metadata] = source
        return row, named
