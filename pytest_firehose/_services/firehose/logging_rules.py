"""What CreateDeliveryStream and UpdateDestination require of a ``CloudWatchLoggingOptions``
block, wherever in the destination it is (the destination's own, its ``S3Configuration``,
its ``S3BackupConfiguration``): when logging is enabled, the log group and log stream it
logs to (API reference: each "is required if CloudWatch logging is enabled")."""

from __future__ import annotations

from typing import Any

from pytest_firehose._errors import ServiceError
from pytest_firehose._services.firehose.config_blocks import blocks_named

LOGGING = "CloudWatchLoggingOptions"
#: What each name is called in Firehose's refusal (REAL for the log group, as relayed by
#: CloudFormation; the log stream's is the same sentence).
_REQUIRED = {"LogGroupName": "Log Group Name", "LogStreamName": "Log Stream Name"}


def check_logging(config: Any) -> None:
    """Refuse ``config`` (a destination, as stored) if any logging block in it is enabled
    without a log group or log stream (an empty name is none)."""
    for logging in blocks_named(config, LOGGING):
        if isinstance(logging, dict) and logging.get("Enabled"):
            for member, words in _REQUIRED.items():
                if not logging.get(member):
                    raise ServiceError(
                        "InvalidArgumentException",
                        f"CloudWatch {words} is required if CloudWatch Logging is enabled",
                    )
