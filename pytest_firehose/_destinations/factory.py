"""Which destination a delivery stream's configuration delivers to: the world hands
:func:`destination_for` to each Firehose model, which knows no destination itself."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from pytest_firehose._destinations.base import Destination, MemoryDestination


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
    Destinations the fake only stores (Redshift, Splunk ...) keep objects in memory.

    ``contained`` says whether a request a destination sends through botocore stays in
    the process right now (a fake's interceptor answers or refuses it); S3 deliveries are
    sent only then. ``unlocked`` lets go of the world's lock for a block: an HTTP
    endpoint is waited for inside it, so that a slow endpoint holds up no other client."""
    # Imported on first use: a run that never configures S3 or an HTTP endpoint does
    # not pay for botocore's S3 machinery.
    if kind in ("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration"):
        from pytest_firehose._destinations.s3 import S3Destination

        return S3Destination(config, region, contained)
    if kind == "HttpEndpointDestinationConfiguration":
        from pytest_firehose._destinations.http_endpoint import HttpEndpointDestination

        return HttpEndpointDestination(config, region, contained, unlocked)
    return MemoryDestination()
