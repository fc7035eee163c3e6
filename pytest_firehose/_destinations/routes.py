"""A delivery's route: what a :class:`~pytest_firehose._destinations.pipeline.Delivery` reads
of its destination's configuration, each part checked and built before the delivery takes
any of it.

:func:`route_for` raises the service's refusal of a configuration it cannot carry out (a
``RecordDeAggregation`` processor without a valid ``SubRecordType``, say); a :class:`Route`
it made is taken whole by ``Delivery.route``, which cannot fail. So an UpdateDestination
refused late changes nothing of the stream's delivery: its buffers and pending deliveries
keep the route they had.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from typing import Any

from pytest_firehose._destinations.base import DeliveryTarget, Destination
from pytest_firehose._destinations.buffers import hints
from pytest_firehose._destinations.cloudwatch_logs import LogsProcessing, logs_processing
from pytest_firehose._destinations.compression import extension
from pytest_firehose._destinations.conversion import conversion_block
from pytest_firehose._destinations.delivery_errors import ICEBERG
from pytest_firehose._destinations.objects import keys_zone
from pytest_firehose._destinations.partitioning import (
    Deaggregation,
    Partitioning,
    deaggregation,
    partitioning,
)
from pytest_firehose._destinations.processors import appends_delimiter
from pytest_firehose._destinations.transforming import ProcessorRoute


@dataclass(frozen=True)
class Route:
    """Where a delivery delivers and how: for ``target``, to ``destination``, transforming
    first with ``processor`` (the Lambda processor, how to invoke it, the region and the
    source stream's ARN) when given; buffering ``size`` bytes or ``interval``; objects keyed
    under ``prefix`` in ``zone``, compressed as ``compression``, ending in ``extension``;
    records decompressed as CloudWatch Logs data (``logs``), given a newline
    (``delimited``), de-aggregated, partitioned; error objects under ``error_prefix`` (else
    ``error_base``); records converted as the ``conversion`` block says."""

    target: DeliveryTarget
    destination: Destination
    processor: ProcessorRoute | None
    size: int
    interval: timedelta
    prefix: str
    compression: str
    extension: str
    zone: tzinfo
    logs: LogsProcessing | None
    delimited: bool
    deaggregation: Deaggregation | None
    partitioning: Partitioning | None
    error_prefix: str
    error_base: str
    conversion: Mapping[str, Any] | None


def route_for(
    target: DeliveryTarget,
    config: Mapping[str, Any],
    destination: Destination,
    processor: ProcessorRoute | None = None,
) -> Route:
    """The route to ``destination`` for ``target`` that ``config`` (the destination's
    configuration) describes, transforming first with ``processor`` when given. Raises the
    ``InvalidArgumentException`` the service answers to a configuration it refuses."""
    size, interval = hints(config)
    compression: str = config.get("CompressionFormat", "UNCOMPRESSED")
    # An HTTP endpoint's failures go to its S3 configuration's prefixes.
    errors_to = config.get("S3Configuration", config)
    return Route(
        target=target,
        destination=destination,
        processor=processor,
        size=size,
        interval=interval,
        prefix=config.get("Prefix", ""),
        compression=compression,
        extension=extension(compression, config.get("FileExtension")),
        zone=keys_zone(config),
        logs=logs_processing(config),
        delimited=appends_delimiter(config),
        deaggregation=deaggregation(config),
        partitioning=partitioning(config, routed=getattr(destination, "kind", None) == ICEBERG),
        error_prefix=errors_to.get("ErrorOutputPrefix") or "",
        error_base=errors_to.get("Prefix", ""),
        conversion=conversion_block(config),
    )
