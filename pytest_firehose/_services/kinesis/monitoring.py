"""Per-stream settings that change no records: enhanced (shard-level) monitoring and the
maximum record size. A mixin of ``KinesisService``.

Facts used here:

* Enable/DisableEnhancedMonitoring answer the stream's name and ARN, the shard-level
  metrics before the call (``CurrentShardLevelMetrics``) and after it
  (``DesiredShardLevelMetrics``); DescribeStream and DescribeStreamSummary list the
  enabled ones in ``EnhancedMonitoring`` (API reference). ``ALL`` stands for the seven
  metrics (API reference).
* UpdateMaxRecordSize sets the per-record limit of PutRecord and PutRecords, 1,024 to
  10,240 KiB (the model's range, DOC); DescribeStreamSummary shows it in
  ``MaxRecordSizeInKiB``.

Choices (INFERRED; docs/kinesis.md lists them): ``ALL`` is answered and described as the
seven metric names, in the model's order (moto does the same); both operations need an
ACTIVE stream and take effect at once; UpdateMaxRecordSize needs a StreamARN, as the
model says nothing else names the stream, and a missing one answers the message of the
other ARN-only operations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.streams import KinesisStream

#: The shard-level metrics, in the API model's order.
METRICS = (
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
)


def _named(requested: list[str]) -> set[str]:
    return set(METRICS) if "ALL" in requested else set(requested)


class Monitoring:
    """Enhanced monitoring and UpdateMaxRecordSize, for ``KinesisService``."""

    _active: Callable[[dict[str, Any]], KinesisStream]

    def _monitoring(self, params: dict[str, Any], enable: bool) -> dict[str, Any]:
        stream = self._active(params)
        before = list(stream.shard_level_metrics)
        named = _named(params["ShardLevelMetrics"])
        held = set(before) | named if enable else set(before) - named
        stream.shard_level_metrics = [metric for metric in METRICS if metric in held]
        return {
            "StreamName": stream.name,
            "StreamARN": stream.arn,
            "CurrentShardLevelMetrics": before,
            "DesiredShardLevelMetrics": list(stream.shard_level_metrics),
        }

    def enable_enhanced_monitoring(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._monitoring(params, enable=True)

    def disable_enhanced_monitoring(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._monitoring(params, enable=False)

    def update_max_record_size(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("StreamARN"):
            raise ServiceError("InvalidArgumentException", "StreamARN should be provided.")
        stream = self._active(params)
        stream.max_record_size_kib = params["MaxRecordSizeInKiB"]
        return {}
