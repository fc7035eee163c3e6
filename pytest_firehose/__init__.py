"""pytest-firehose: in-process fakes of Amazon Data Firehose and Kinesis Data Streams behind
botocore's HTTP layer.

Importing this package installs nothing; the fake is active only inside the ``firehose``
fixture or a ``with FirehoseFake():`` block.
"""

from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._doors.fake import FirehoseFake
from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._engine.calls import Call
from pytest_firehose._errors import ServiceError, UnmockedRequestError, UsageError
from pytest_firehose._handles.firehose import DeliveryStreamHandle, FirehoseHandle
from pytest_firehose._handles.kinesis import KinesisHandle, KinesisStreamHandle
from pytest_firehose._services.firehose.model import Record

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
