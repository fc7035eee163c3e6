"""What CreateDeliveryStream and UpdateDestination require of an S3 ``EncryptionConfiguration``
block, wherever in the destination it is (an S3 destination's own, a bucket's
``S3Configuration``, an ``S3BackupConfiguration``): exactly one of ``NoEncryptionConfig`` and
``KMSEncryptionConfig``.

REAL: AWS's answer to a block holding both, as CloudFormation relayed it (aws/aws-cdk#16291,
2021): ``Exactly one of NoEncryptionConfig or KMSEncryptionConfig must be specified``, the
quote ending there (no period); an empty block is refused too, as the words say. The code is
the fake's choice (``InvalidArgumentException``, the API model's code for an argument the
operation will not take; the relayed answer names none)."""

from __future__ import annotations

from typing import Any

from pytest_firehose._errors import ServiceError
from pytest_firehose._services.firehose.config_blocks import blocks_named

ENCRYPTION = "EncryptionConfiguration"
_MEMBERS = ("NoEncryptionConfig", "KMSEncryptionConfig")


def check_encryption(config: Any) -> None:
    """Refuse ``config`` (a destination, as stored) if any S3 encryption block in it holds
    both members or neither."""
    for block in blocks_named(config, ENCRYPTION):
        if isinstance(block, dict) and sum(member in block for member in _MEMBERS) != 1:
            raise ServiceError(
                "InvalidArgumentException",
                "Exactly one of NoEncryptionConfig or KMSEncryptionConfig must be specified",
            )
