"""The ARNs the fake issues, in the partition of their region: ``arn:aws-cn:...`` in China,
``arn:aws-us-gov:...`` in GovCloud, as AWS issues them. A client must be able to send back
an ARN it was given: botocore's endpoint rules refuse one whose partition is not its
region's (``Partition: aws from ARN doesn't match with partition name: aws-cn.``).

The partitions are the installed botocore's (its ``partitions`` data, which its endpoint
rules read), resolved as those rules resolve them: a region a partition lists, else the
first whose region pattern matches, else ``aws``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from botocore.loaders import create_loader


@functools.cache
def _partitions() -> list[dict[str, Any]]:
    partitions: list[dict[str, Any]] = create_loader().load_data("partitions")["partitions"]
    return partitions


@functools.lru_cache(maxsize=64)
def partition_of(region: str) -> str:
    """The partition ``region`` belongs to (``aws`` for one no partition claims)."""
    partitions = _partitions()
    for partition in partitions:
        if region in partition.get("regions", {}):
            return str(partition["id"])
    for partition in partitions:
        if re.match(partition["regionRegex"], region):
            return str(partition["id"])
    return str(partitions[0]["id"])


def is_partition_region(region: str) -> bool:
    """Whether a partition's region pattern matches ``region``: the name of one of its
    regions, or of one it will have (``ap-southeast-7`` before a botocore lists it), and
    not a name no AWS region has (``x``, ``local``), whose endpoint no client reaches."""
    return any(re.match(p["regionRegex"], region) for p in _partitions())


def resource_arn(service: str, region: str, account_id: str, resource: str) -> str:
    """The ARN of ``resource`` of ``service`` in ``region`` and ``account_id``."""
    return f"arn:{partition_of(region)}:{service}:{region}:{account_id}:{resource}"
