"""KPL aggregates for the tests, built with awslabs' own aggregator (aws-kinesis-agg), so
that the fake's decoder is checked against an encoder it does not share code with."""

from __future__ import annotations

import hashlib
import sys

from pytest_firehose._services.firehose.aggregation import MAGIC

_PATH = list(sys.path)
try:
    # The package puts its own directory first on sys.path when imported: put it back.
    from aws_kinesis_agg.aggregator import RecordAggregator
finally:
    sys.path[:] = _PATH


def aggregate(*user_records: tuple[str, bytes]) -> bytes:
    """One Kinesis record's data holding ``user_records`` (partition key, data), as the
    KPL aggregates them."""
    aggregator = RecordAggregator()
    for partition_key, data in user_records:
        aggregator.add_user_record(partition_key, data)
    record = aggregator.clear_and_get()
    assert record is not None
    _, _, data = record.get_contents()
    return bytes(data)


def framed(message: bytes) -> bytes:
    """``message`` between the aggregation format's prefix and its MD5 digest: an
    aggregate as far as the framing goes, whatever the message holds."""
    return MAGIC + message + hashlib.md5(message).digest()
