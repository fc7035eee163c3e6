"""pytest-firehose: in-process fakes of Amazon Data Firehose and Kinesis Data Streams behind
botocore's HTTP layer.

Importing this package installs nothing; the fake is active only inside the ``firehose``
fixture or a ``with FirehoseFake():`` block. Every pytest run imports the plugin, and so
this package, in projects that have it installed, so each public name is imported from its
module the first time it is asked for (``from pytest_firehose import FirehoseFake``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_firehose._clock import ClockRangeError, FakeClock
    from pytest_firehose._destinations.copy_rows import LoadError
    from pytest_firehose._destinations.objects import DeliveredObject
    from pytest_firehose._doors.fake import FirehoseFake
    from pytest_firehose._doors.server import FirehoseServer
    from pytest_firehose._engine.calls import Call
    from pytest_firehose._engine.faults import Fault, FaultHandle
    from pytest_firehose._errors import (
        ServiceError,
        StreamKeyError,
        UnmockedRequestError,
        UsageError,
    )
    from pytest_firehose._handles.delivery_stream import DeliveryStreamHandle
    from pytest_firehose._handles.firehose import FirehoseHandle
    from pytest_firehose._handles.kinesis import KinesisHandle, KinesisStreamHandle
    from pytest_firehose._handles.triggers import KinesisTrigger
    from pytest_firehose._services.firehose.settings import UnmodelledSettingWarning
    from pytest_firehose._services.firehose.streams import Record
    from pytest_firehose._services.kinesis.shards import Shard
    from pytest_firehose._services.kinesis.streams import KinesisRecord

__all__ = [
    "Call",
    "ClockRangeError",
    "DeliveredObject",
    "DeliveryStreamHandle",
    "FakeClock",
    "Fault",
    "FaultHandle",
    "FirehoseFake",
    "FirehoseHandle",
    "FirehoseServer",
    "KinesisHandle",
    "KinesisRecord",
    "KinesisStreamHandle",
    "KinesisTrigger",
    "LoadError",
    "Record",
    "ServiceError",
    "Shard",
    "StreamKeyError",
    "UnmockedRequestError",
    "UnmodelledSettingWarning",
    "UsageError",
]

#: The module each public name lives in.
_HOMES = {
    "Call": "pytest_firehose._engine.calls",
    "ClockRangeError": "pytest_firehose._clock",
    "DeliveredObject": "pytest_firehose._destinations.objects",
    "DeliveryStreamHandle": "pytest_firehose._handles.delivery_stream",
    "FakeClock": "pytest_firehose._clock",
    "Fault": "pytest_firehose._engine.faults",
    "FaultHandle": "pytest_firehose._engine.faults",
    "FirehoseFake": "pytest_firehose._doors.fake",
    "FirehoseHandle": "pytest_firehose._handles.firehose",
    "FirehoseServer": "pytest_firehose._doors.server",
    "KinesisHandle": "pytest_firehose._handles.kinesis",
    "KinesisRecord": "pytest_firehose._services.kinesis.streams",
    "KinesisStreamHandle": "pytest_firehose._handles.kinesis",
    "KinesisTrigger": "pytest_firehose._handles.triggers",
    "LoadError": "pytest_firehose._destinations.copy_rows",
    "Record": "pytest_firehose._services.firehose.streams",
    "ServiceError": "pytest_firehose._errors",
    "Shard": "pytest_firehose._services.kinesis.shards",
    "StreamKeyError": "pytest_firehose._errors",
    "UnmockedRequestError": "pytest_firehose._errors",
    "UnmodelledSettingWarning": "pytest_firehose._services.firehose.settings",
    "UsageError": "pytest_firehose._errors",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next lookup finds it without this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
