"""Which destination a delivery stream's configuration delivers to."""

from __future__ import annotations

from typing import Any

from pytest_firehose._destinations.pipeline import Destination, MemoryDestination


def sink_for(kind: str | None, config: dict[str, Any], region: str) -> Destination:
    """The destination for a stream configured with ``kind`` (the CreateDeliveryStream
    parameter name, such as ``ExtendedS3DestinationConfiguration``) and ``config``."""
    if kind in ("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration"):
        from pytest_firehose._destinations.s3 import S3Destination

        return S3Destination(config, region)
    if kind == "HttpEndpointDestinationConfiguration":
        from pytest_firehose._destinations.http_endpoint import HttpEndpointDestination

        return HttpEndpointDestination(config, region)
    return MemoryDestination()
