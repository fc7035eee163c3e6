"""A Firehose data-transformation Lambda for application logs from CloudWatch Logs."""

from log_redactor.transform import handler

__all__ = ["handler"]
