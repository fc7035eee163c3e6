"""How the local server's control API shows the world as JSON: a delivery stream, a Kinesis
stream with its channels, a call, a fault; payloads and bodies in base64."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, time
from decimal import Decimal
from typing import TYPE_CHECKING

from pytest_firehose._doors.control_input import Json

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import DestinationError
    from pytest_firehose._destinations.copy_rows import LoadError
    from pytest_firehose._destinations.objects import DeliveredObject
    from pytest_firehose._engine.calls import Call
    from pytest_firehose._engine.faults import Fault
    from pytest_firehose._handles.delivery_stream import DeliveryStreamHandle
    from pytest_firehose._handles.kinesis import KinesisStreamHandle
    from pytest_firehose._services.kinesis.channel_state import ChannelState


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64_list(payloads: Iterable[bytes]) -> list[str]:
    return [_b64(bytes(payload)) for payload in payloads]


def _value_json(value: object) -> Json:
    """A Snowflake column's value as JSON: a NUMBER with a scale as its text (``"12.50"``),
    a date or time in ISO 8601, BINARY in hexadecimal (Snowflake's default output), a
    float that is no JSON number as Snowflake writes it (``"NaN"``, ``"inf"``)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def rows_json(row: dict[str, object]) -> dict[str, Json]:
    """A table's row as JSON (a declared Snowflake table's values converted)."""
    return {name: _value_json(value) for name, value in row.items()}


def call_json(call: Call) -> dict[str, Json]:
    return {
        "service": call.service,
        "operation": call.operation,
        "stream": call.stream,
        "records": b64_list(call.records),
        "attempt": call.attempt,
        "invocation_id": call.invocation_id,
        "outcome": call.outcome,
        "failed_indices": list(call.failed_indices),
        "fault": None if call.scheduled_fault is None else fault_json(call.scheduled_fault),
        "at": call.at.isoformat(),
        "status": call.status,
        "error": call.error,
        "region": call.region,
        "refusal": None if call.refusal is None else call.refusal._asdict(),
    }


def fault_json(fault: Fault) -> dict[str, Json]:
    """A fault as the body of ``POST /_fake/faults`` that schedules it, less its
    ``"service"``: its effect and the fields that narrow it where they are not the default.
    A ``records`` predicate (scheduled in Python) is shown as ``"<predicate name>"``."""
    if fault.effect == "throttle":
        value: Json = fault.times
    elif callable(fault.value):
        value = f"<predicate {getattr(fault.value, '__name__', '?')}>"
    elif fault.effect == "records":
        value = {str(index): code for index, code in fault.value.items()}
    else:
        value = fault.value
    shown: dict[str, Json] = {fault.effect: value}
    default_times = None if fault.effect in ("chaos", "throttle") else 1
    narrowing = {
        "seed": (fault.seed, None),
        "operation": (fault.operation, None),
        "stream": (fault.stream, None),
        "call": (fault.call, 1),
        "times": (None if fault.effect == "throttle" else fault.times, default_times),
        "events": (fault.events, None),
        "optional": (fault.optional, False),
    }
    shown.update((key, given) for key, (given, default) in narrowing.items() if given != default)
    return shown


def firehose_json(stream: DeliveryStreamHandle) -> dict[str, Json]:
    return {
        "service": "firehose",
        "name": stream.name,
        "region": stream.region,
        "arn": stream.arn,
        "records": b64_list(record.data for record in stream.records),
        "delivered": b64_list(stream.delivered),
        "expired": b64_list(stream.expired),
        "pending": b64_list(stream.pending),
        "backed_up": b64_list(stream.backed_up),
        "backed_up_objects": _objects_json(stream.backed_up_objects),
        "refused": b64_list(stream.refused),
        "source_backup": b64_list(stream.source_backup),
        "source_backup_objects": _objects_json(stream.source_backup_objects),
        "dropped": b64_list(stream.dropped),
        "processing_failed": b64_list(stream.processing_failed),
        "decompression_failed": b64_list(stream.decompression_failed),
        "partitioning_failed": b64_list(stream.partitioning_failed),
        "conversion_failed": b64_list(stream.conversion_failed),
        "error_objects": _objects_json(stream.error_objects),
        "delivery_errors": [_delivery_error_json(error) for error in stream.delivery_errors],
        "destination": stream.destination_switches,
        "load_errors": [_load_error_json(error) for error in stream.load_errors],
        "objects": _objects_json(stream.objects),
        "rows": [rows_json(row) for row in stream.rows],
        "tables": stream.tables,
        "documents": stream.documents,
        "index_mappings": stream.index_mappings,
        "events": stream.events,
        "manifests": _objects_json(stream.manifests),
    }


def _delivery_error_json(error: DestinationError) -> dict[str, Json]:
    return {
        "at": error.at.isoformat(),
        "delivery_id": error.delivery_id,
        "records": error.records,
        "error": f"{type(error.error).__name__}: {error.error}",
    }


def _load_error_json(error: LoadError) -> dict[str, Json]:
    return {**asdict(error), "starttime": error.starttime and error.starttime.isoformat()}


def kinesis_json(stream: KinesisStreamHandle) -> dict[str, Json]:
    return {
        "service": "kinesis",
        "name": stream.name,
        "region": stream.region,
        "records": [
            {
                "data": _b64(record.data),
                "partition_key": record.partition_key,
                "sequence_number": record.sequence_number,
                "shard_id": record.shard_id,
            }
            for record in stream.records
        ],
        "expired": b64_list(stream.expired),
        "channels": [channel_json(channel) for channel in stream.channels],
    }


def _objects_json(objects: Iterable[DeliveredObject]) -> list[Json]:
    return [{"key": obj.key, "body": _b64(obj.body)} for obj in objects]


def channel_json(channel: ChannelState) -> dict[str, Json]:
    """A channel as ``GET /_fake/streams/{name}`` and ``POST /_fake/channel`` show it."""
    return {
        "name": channel.name,
        "arn": channel.arn,
        "status": channel.status,
        "status_reason": channel.status_reason,
        "destination_type": channel.destination_type,
        "objects": _objects_json(channel.objects),
        "errors": _objects_json(channel.errors),
        "pending": b64_list(record.data for record in channel.pending),
        "rows": list(channel.rows),
    }
