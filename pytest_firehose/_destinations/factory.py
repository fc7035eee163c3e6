"""Which destination a delivery stream's configuration delivers to, and what of that
configuration the delivery pipeline reads: the world hands :func:`destination_for` to each
Firehose model, which knows no destination itself."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from pytest_firehose._destinations.base import Destination, MemoryDestination
from pytest_firehose._destinations.buffers import BUFFERING_DEFAULTS
from pytest_firehose._destinations.delivery_errors import ICEBERG, OPENSEARCH, SERVERLESS

#: Plain and extended S3 are one destination type.
S3_KINDS = ("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration")
#: Firehose stages a Redshift destination's records as objects in the bucket of its
#: ``S3Configuration`` (the intermediate bucket), then loads them with COPY.
REDSHIFT = "RedshiftDestinationConfiguration"
#: Snowflake's rows are made from the records (:class:`SnowflakeDestination`).
SNOWFLAKE = "SnowflakeDestinationConfiguration"
#: The OpenSearch destinations, whose documents are made from the records
#: (:class:`OpenSearchDestination`).
OPENSEARCH_KINDS = (*OPENSEARCH, SERVERLESS)


def delivery_settings(kind: str | None, config: dict[str, Any]) -> dict[str, Any]:
    """What the delivery pipeline reads of a stream's destination configuration (buffering,
    prefixes, compression, processors).

    That is the configuration itself, with the destination type's own buffering defaults
    filled in (Splunk and Snowflake buffer differently); for Redshift, the intermediate
    bucket's ``S3Configuration`` with the destination's ``ProcessingConfiguration``."""
    if kind == REDSHIFT:
        staged = dict(config.get("S3Configuration") or {})
        if "ProcessingConfiguration" in config:
            staged["ProcessingConfiguration"] = config["ProcessingConfiguration"]
        return staged
    defaults = BUFFERING_DEFAULTS.get(kind or "")
    if defaults is None:
        return config
    return {**config, "BufferingHints": {**defaults, **(config.get("BufferingHints") or {})}}


def destination_for(
    kind: str | None,
    config: dict[str, Any],
    region: str,
    *,
    contained: Callable[[], bool],
    unlocked: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext,
) -> Destination:
    """The destination for a stream configured with ``kind`` (the CreateDeliveryStream
    parameter name, such as ``ExtendedS3DestinationConfiguration``) and ``config``.
    Redshift's objects are staged in its intermediate bucket and loaded with COPY
    (:class:`RedshiftDestination`); a Snowflake table receives each record as a row
    (:class:`SnowflakeDestination`), an OpenSearch index each record as a document
    (:class:`OpenSearchDestination`); Iceberg's records are applied to its tables
    (:class:`IcebergDestination`); Splunk's HEC endpoint receives each delivery as one
    request (:class:`SplunkDestination`).

    ``contained`` says whether a request a destination sends through botocore stays in
    the process right now (a fake's interceptor answers or refuses it); S3 deliveries are
    sent only then. ``unlocked`` lets go of the world's lock for a block: an HTTP
    endpoint is waited for inside it, so that a slow endpoint holds up no other client."""
    # Imported on first use: a run that never configures S3 or an HTTP endpoint does
    # not pay for botocore's S3 machinery.
    if kind in S3_KINDS:
        from pytest_firehose._destinations.s3 import S3Destination

        return S3Destination(config, region, contained)
    if kind == REDSHIFT:
        from pytest_firehose._destinations.redshift import RedshiftDestination

        return RedshiftDestination(config, region, contained)
    if kind == "HttpEndpointDestinationConfiguration":
        from pytest_firehose._destinations.http_endpoint import HttpEndpointDestination

        return HttpEndpointDestination(config, region, contained, unlocked)
    if kind is None:
        return MemoryDestination()
    from pytest_firehose._destinations.s3 import S3Destination

    s3 = config.get("S3Configuration")
    bucket = S3Destination(s3, region, contained) if s3 else MemoryDestination()
    if kind == SNOWFLAKE:
        from pytest_firehose._destinations.snowflake import SnowflakeDestination

        return SnowflakeDestination(config, bucket)
    if kind == ICEBERG:
        from pytest_firehose._destinations.iceberg import IcebergDestination

        return IcebergDestination(config, bucket)
    if kind in OPENSEARCH_KINDS:
        from pytest_firehose._destinations.opensearch import OpenSearchDestination

        return OpenSearchDestination(kind, config, bucket)
    from pytest_firehose._destinations.splunk import SplunkDestination

    return SplunkDestination(config, bucket)  # the one destination type left


def bucket_destination(
    bucket_arn: str,
    put_options: dict[str, str],
    *,
    region: str,
    contained: Callable[[], bool],
) -> Destination:
    """The S3 bucket ``bucket_arn`` as a Kinesis channel writes to it: every object with
    ``put_options`` (``StorageClass``, ``ExpectedBucketOwner``) as PutObject parameters."""
    from pytest_firehose._destinations.s3 import S3Destination

    return S3Destination({"BucketARN": bucket_arn}, region, contained, put_options)
