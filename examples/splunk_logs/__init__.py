"""A logging handler that ships application logs to Splunk as HEC events, through Firehose."""

from splunk_logs.handler import FirehoseHecHandler

__all__ = ["FirehoseHecHandler"]
