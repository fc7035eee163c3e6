"""Plain botocore clients for the other AWS services the fake's destinations and triggers
read or write: S3 and Glue for a delivery, Secrets Manager for an HTTP endpoint's key,
SQS, SNS and S3 for a Lambda trigger's failures. Their requests go through botocore like
any test's, so whatever stands in for the service in the test answers them (moto's
``mock_aws``, ahead of the fake), or the fake's interceptor refuses them
(:class:`pytest_firehose._errors.UnmockedRequestError`)."""

from __future__ import annotations

import functools
from typing import Any

import botocore.loaders
import botocore.session
from botocore.config import Config

#: One attempt a call: the fake's own schedule does the retrying, and botocore's retries
#: would also pass fake time in the middle of a delivery.
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})


@functools.cache
def models() -> Any:
    """One loader of botocore's model files for every such client: a fresh session parses
    the service's model and its endpoint rules again (~150 ms a client)."""
    return botocore.loaders.create_loader()


def service_client(service: str, region: str) -> Any:
    """A botocore client of ``service`` in ``region``, one attempt a call."""
    session = botocore.session.get_session()
    session.register_component("data_loader", models())
    return session.create_client(service, region_name=region, config=ONE_ATTEMPT)
