"""What CreateDeliveryStream and UpdateDestination require of a ``CloudWatchLoggingOptions``
block, wherever in the destination it is (the destination's own, its ``S3Configuration``,
its ``S3BackupConfiguration``): when logging is enabled, the log group and log stream it
logs to (API reference: each "is required if CloudWatch logging is enabled")."""

from __future__ import annotations

from typing import Any

from pytest_firehose._errors import ServiceError

LOGGING = "CloudWatchLoggingOptions"
#: What each name is called in Firehose's refusal (REAL for the log group, as relayed by
#: CloudFormation; the log stream's is the same sentence).
_REQUIRED = {"LogGroupName": "Log Group Name", "LogStreamName": "Log Stream Name"}


def check_logging(config: Any) -> None:
    """Refuse ``config`` (a destination, as stored) if any logging block in it is enabled
    without a log group or log stream (an empty name is none)."""
    if isinstance(config, list):
        for item in config:
            check_logging(item)
        return
    if not isinstance(config, dict):
        return
    logging = config.get(LOGGING)
    if isinstance(logging, dict) and logging.get("Enabled"):
        for member, words in _REQUIRED.items():
            if not logging.get(member):
                raise ServiceError(
                    "InvalidArgumentException",
                    f"CloudWatch {words} is required if CloudWatch Logging is enabled",
                )
    for key, value in config.items():
        if key != LOGGING:
            check_logging(value)
