"""pytest-firehose: in-process fakes of Amazon Data Firehose and Kinesis Data Streams behind
botocore's HTTP layer.

Importing this package installs nothing; the fake is active only inside the ``firehose``
fixture or a ``with FirehoseFake():`` block.
"""

from ._calls import Call
from ._clock import FakeClock
from ._destinations import DeliveredObject
from ._errors import ServiceError, UnmockedRequestError, UsageError
from ._fake import FirehoseFake
from ._firehose import Record
from ._handles import DeliveryStreamHandle, FirehoseHandle
from ._kinesis_handles import KinesisHandle, KinesisStreamHandle
from ._server import FirehoseServer

__all__ = [
    "Call",
    "DeliveredObject",
    "DeliveryStreamHandle",
    "FakeClock",
    "FirehoseFake",
    "FirehoseHandle",
    "FirehoseServer",
    "KinesisHandle",
    "KinesisStreamHandle",
    "Record",
    "ServiceError",
    "UnmockedRequestError",
    "UsageError",
]
