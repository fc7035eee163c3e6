"""``POST /_fake/logs``, ``POST /_fake/msk`` and ``POST /_fake/database``: what a delivery
stream's source hands it, given over HTTP, as ``put_log_events(...)`` and
``put_from_logs(...)``, ``put_from_msk(...)`` and ``put_from_database(...)`` give it on its
handle (``Control``'s). The handle checks what the body leaves to it, so what it refuses is
refused in its words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from pytest_firehose._doors.control_input import (
    CHANGE_FIELDS,
    LOG_FIELDS,
    ControlError,
    Json,
    decoded_records,
    refusals,
    text_field,
)
from pytest_firehose._doors.control_views import b64_list
from pytest_firehose._errors import UsageError
from pytest_firehose._services.firehose.msk import (
    MAX_POSITION,
    checked_position,
    checked_timestamp,
)
from pytest_firehose._terms import json_term

if TYPE_CHECKING:
    from pytest_firehose._handles.delivery_stream import DeliveryStreamHandle
    from pytest_firehose._handles.firehose import FirehoseHandle


class SourceEndpoints:
    """The source endpoints of :class:`~pytest_firehose._doors.control.Control` (which they
    are mixed into)."""

    _firehose: FirehoseHandle
    #: Control's: the delivery stream the body's ``"stream"`` names.
    _delivery_stream: Callable[[Mapping[str, Json], Mapping[str, str], str], DeliveryStreamHandle]

    def _logs(self, body: dict[str, Json], query: Mapping[str, str]) -> tuple[int, Json]:
        """Put records into a delivery stream as a CloudWatch Logs subscription does:
        ``records`` (base64, as sent) or ``messages`` (one batch of log events)."""
        example = '{"stream": "logs", "messages": ["a log line"]}'
        stream = self._delivery_stream(body, query, example)
        records, messages = body.get("records"), body.get("messages")
        if (records is None) == (messages is None):
            raise ControlError(
                400,
                'give "records" (base64 strings, each a record as CloudWatch Logs sends it) '
                f'or "messages" (log lines), one of them, e.g. {example}',
            )
        fields = {argument: json_term(key) for key, (argument, _) in LOG_FIELDS.items()}
        if messages is not None:
            if not isinstance(messages, list):
                raise ControlError(
                    400, f'"messages" is a list of log lines, not {json_term(messages)}'
                )
            where = {
                argument: text_field(body, key, f'"{key}": "{example}"')
                for key, (argument, example) in LOG_FIELDS.items()
                if key in body
            }
            with refusals("POST /_fake/logs", fields):
                put = [stream.put_log_events(messages, **where)]
        else:
            put = decoded_records(records)
            with refusals("POST /_fake/logs", fields):
                stream.put_from_logs(*put)
        return 200, {"records": b64_list(put)}

    def _msk(self, body: dict[str, Json], query: Mapping[str, str]) -> tuple[int, Json]:
        """Hand an MSKAsSource stream ``records`` (base64 record values) as its topic's
        ``partition`` gets them (``put_from_msk``); ``timestamp`` in ISO 8601."""
        example = '{"stream": "orders", "records": ["eyJpZCI6IDF9"], "partition": 0}'
        stream = self._delivery_stream(body, query, example)
        if "records" not in body:
            raise ControlError(400, f'give "records" (base64 record values), e.g. {example}')
        values = decoded_records(body["records"])
        partition = self._msk_position("partition", body.get("partition", 0))
        offset = body.get("offset")  # null: put_from_msk's default, the partition's next
        offset = None if offset is None else self._msk_position("offset", offset)
        timestamp = body.get("timestamp")
        now = self._firehose.clock.now()
        try:
            at = None if timestamp is None else datetime.fromisoformat(timestamp)
            at = None if at is None else checked_timestamp(at, now)
        except (TypeError, ValueError, UsageError):
            raise ControlError(
                400,
                '"timestamp" is ISO 8601 with its offset, e.g. "2025-01-31T12:00:00+00:00", '
                f"from 1970 to the fake clock's now ({now.isoformat()}), not "
                f"{json_term(timestamp)}",
            ) from None
        with refusals("POST /_fake/msk"):
            offsets = stream.put_from_msk(*values, partition=partition, offset=offset, timestamp=at)
        return 200, {"offsets": offsets}

    @staticmethod
    def _msk_position(key: str, value: Json) -> int:
        """The body's ``"partition"`` or ``"offset"``, checked as ``put_from_msk`` checks it."""
        try:
            return checked_position(key, value)
        except UsageError:
            raise ControlError(
                400, f'"{key}" is an integer from 0 to {MAX_POSITION[key]}, not {json_term(value)}'
            ) from None

    def _database(self, body: dict[str, Json], query: Mapping[str, str]) -> tuple[int, Json]:
        """Hand a DatabaseAsSource stream the changes its database's ``table`` got
        (``put_from_database``): rows as JSON objects; ``primaryKey`` a column or a list."""
        example = '{"stream": "cdc", "table": "shop.orders", "inserted": [{"id": 1}]}'
        stream = self._delivery_stream(body, query, example)
        table = text_field(body, "table", example)
        if not any(key in body for key in CHANGE_FIELDS):
            raise ControlError(
                400, f'give "inserted", "updated" or "deleted" (lists of rows), e.g. {example}'
            )
        changes = {key: body[key] for key in CHANGE_FIELDS if key in body}
        with refusals("POST /_fake/database", {"primary_key": '"primaryKey"'}):
            read = stream.put_from_database(table, primary_key=body.get("primaryKey"), **changes)
        return 200, {"read": read}
