"""A small, realistic Amazon Data Firehose producer: the code under test in this example."""

from .shipper import (
    MAX_BATCH_BYTES,
    MAX_BATCH_RECORDS,
    MAX_RECORD_BYTES,
    RETRYABLE_CALL_ERRORS,
    TOO_LARGE,
    FailedRecord,
    FirehoseShipper,
    ShipResult,
    UndeliveredRecordsError,
    encode_event,
    ship_events,
)

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_RECORDS",
    "MAX_RECORD_BYTES",
    "RETRYABLE_CALL_ERRORS",
    "TOO_LARGE",
    "FailedRecord",
    "FirehoseShipper",
    "ShipResult",
    "UndeliveredRecordsError",
    "encode_event",
    "ship_events",
]
