"""Delivery to Amazon S3 through a real S3 client.

Each delivered object is one PutObject sent by a plain botocore client, so whatever stands
in for S3 in the test receives it: moto's ``mock_aws`` (it answers in botocore's
``before-send`` hook, ahead of the fake), or a server on loopback that the fake's
``allow_hosts`` lets through. Code that reads the bucket afterwards finds the objects.

When nothing stands in for S3, the fake's interceptor refuses the request
(:class:`UnmockedRequestError`); the destination then keeps its objects in memory only
(the delivery's ``objects``), as a stream without a destination does. It remembers that, so a
test without moto pays for one refused request, not one per delivery.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import botocore.model
from botocore.exceptions import BotoCoreError, ClientError

from pytest_firehose._destinations.base import RETRY_CAP, DeliveryFailed
from pytest_firehose._destinations.service_clients import models, service_client
from pytest_firehose._errors import UnmockedRequestError

if TYPE_CHECKING:
    from datetime import datetime

    from pytest_firehose._destinations.base import Batch, DeliveryTarget
    from pytest_firehose._destinations.conversion import GlueTable
    from pytest_firehose._destinations.objects import DeliveredObject

#: The ``Content-Type`` of every object Firehose writes, whatever its format.
CONTENT_TYPE = "application/octet-stream"


@functools.cache
def _table_input_members() -> frozenset[str]:
    """What Glue's ``TableInput`` takes of a ``Table`` GetTable answers."""
    model = botocore.model.ServiceModel(models().load_service_model("glue", "service-2"))
    return frozenset(model.shape_for("TableInput").members)


def bucket_name(bucket_arn: str) -> str:
    """``NAME`` from ``arn:PARTITION:s3:::NAME`` (empty when the ARN has no name)."""
    parts = bucket_arn.split(":", 5)
    return parts[5] if len(parts) == 6 else ""


class S3Destination:
    """Delivers each object under its key to the bucket ``config["BucketARN"]`` names.

    - S3 answers with an error (``NoSuchBucket``, ``AccessDenied``, any other) or cannot be
      reached: :class:`DeliveryFailed`, so the engine retries (after 1 s, doubling up to
      ``retry_cap``) until the records are 24 hours old and expire.
    - Nothing stands in for S3 (the interceptor refused the request, or no fake is
      installed any more): the object is kept in memory only, from then on for good.

    Bodies are stored as built (gzip bytes for ``GZIP``), as ``application/octet-stream``,
    with the format's ``Content-Encoding`` (``gzip``, ``zip``, ``snappy-java``,
    ``hadoop-snappy``) when compressed.
    """

    retry_cap = RETRY_CAP

    def __init__(
        self,
        config: dict[str, Any],
        region: str,
        contained: Callable[[], bool],
        put_options: dict[str, str] | None = None,
    ) -> None:
        self.bucket = bucket_name(config.get("BucketARN", ""))
        #: More PutObject parameters for every object (a Kinesis channel's
        #: ``StorageClass`` and ``ExpectedBucketOwner``).
        self.put_options = put_options or {}
        self.region = region
        #: Whether botocore's requests stay in the process now (see ``destination_for``).
        self._contained = contained
        #: True once a request showed that nothing stands in for S3 in this test.
        self.memory_only = False
        #: True once a GetTable showed that nothing stands in for Glue in this test.
        self._glue_unmocked = False
        self._client: Any = None

    def _s3(self) -> Any:
        if self._client is None:
            self._client = service_client("s3", self.region)
        return self._client

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        if self.memory_only:
            return
        if not self._contained():
            self.memory_only = True
            return
        if not self.bucket:
            raise DeliveryFailed(f"{target.name}: the destination names no bucket")
        try:
            encoding = obj.content_encoding
            self._s3().put_object(
                Bucket=self.bucket,
                Key=obj.key,
                Body=obj.body,
                ContentType=CONTENT_TYPE,
                **({"ContentEncoding": encoding} if encoding else {}),
                **self.put_options,
            )
        except UnmockedRequestError:
            self.memory_only = True
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "InternalError")
            raise DeliveryFailed(f"S3.{code}: {error}") from error
        except BotoCoreError as error:
            raise DeliveryFailed(f"S3 unreachable: {error}") from error

    def give_up(
        self, target: DeliveryTarget, batch: Batch, at: datetime, failure: DeliveryFailed | None
    ) -> DeliveredObject | None:
        return None

    def _glue(self, schema: dict[str, Any], operation: str, **params: Any) -> Any:
        """The answer of Glue's ``operation`` (a botocore method name) in the region and
        catalog of ``schema`` (a ``SchemaConfiguration``), from whatever stands in for Glue
        (moto's under ``mock_aws``); None when nothing does or it answers with an error."""
        if self._glue_unmocked or not self._contained():
            return None
        client = service_client("glue", schema.get("Region") or self.region)
        catalog = {"CatalogId": schema["CatalogId"]} if schema.get("CatalogId") else {}
        try:
            return getattr(client, operation)(**catalog, **params)
        except UnmockedRequestError:
            self._glue_unmocked = True
        except (ClientError, BotoCoreError):
            pass
        return None

    def glue_table(self, schema: dict[str, Any]) -> GlueTable | None:
        """The Glue table a conversion's ``SchemaConfiguration`` names, read with
        GetTable from whatever stands in for Glue (moto's under ``mock_aws``); None when
        nothing does or it has no such table."""
        from pytest_firehose._destinations.conversion import GlueTable

        found = self._glue(
            schema, "get_table", DatabaseName=schema["DatabaseName"], Name=schema["TableName"]
        )
        if found is None:
            return None
        columns = found["Table"].get("StorageDescriptor", {}).get("Columns", [])
        return GlueTable(
            schema["DatabaseName"],
            schema["TableName"],
            tuple((column["Name"], column["Type"]) for column in columns),
        )

    def glue_database(self, schema: dict[str, Any]) -> bool:
        """Whether whatever stands in for Glue holds the database ``schema`` names."""
        return self._glue(schema, "get_database", Name=schema["DatabaseName"]) is not None

    def glue_write(self, schema: dict[str, Any], table: GlueTable, *, new: bool) -> bool:
        """Write ``table``'s columns to whatever stands in for Glue: CreateTable (an
        Iceberg table, as Firehose creates one) when ``new``, else UpdateTable (the rest of
        the table kept). Whether it took them (not when nothing stands in for Glue, or it
        does not hold the database)."""
        if new:
            held: dict[str, Any] = {
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"table_type": "ICEBERG"},
            }
        else:  # UpdateTable's TableInput is the whole table: the rest of it is kept
            found = self._glue(schema, "get_table", DatabaseName=table.database, Name=table.name)
            if found is None:
                return False
            members = _table_input_members()
            held = {key: value for key, value in found["Table"].items() if key in members}
        # A column the table held keeps what else it had (its Comment, and the Parameters
        # an Iceberg library writes there: iceberg.field.id ...); only new ones are bare.
        kept = {
            column.get("Name", "").lower(): column
            for column in held.get("StorageDescriptor", {}).get("Columns", [])
        }
        columns = [
            {**kept.get(name.lower(), {}), "Name": name, "Type": kind}
            for name, kind in table.columns
        ]
        storage = {**held.get("StorageDescriptor", {}), "Columns": columns}
        answer = self._glue(
            schema,
            "create_table" if new else "update_table",
            DatabaseName=table.database,
            TableInput={**held, "Name": table.name, "StorageDescriptor": storage},
        )
        return answer is not None
