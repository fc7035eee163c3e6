"""CloudWatch Logs decompression and message extraction: the ``Decompression`` and
``CloudWatchLogProcessing`` processors, which Firehose runs on each record before anything
else (de-aggregation, the Lambda processor, partitioning, conversion).

A CloudWatch Logs subscription sends each batch of log events as one record: a gzip of a
JSON envelope (``messageType``, ``owner``, ``logGroup``, ``logStream``,
``subscriptionFilters``, ``logEvents``). Decompression turns the record into that JSON;
message extraction turns a ``DATA_MESSAGE`` into its events' messages, each followed by a
newline, and a ``CONTROL_MESSAGE`` into an empty record. A record that does not decompress,
or does not read as CloudWatch Logs data, goes to the ``decompression-failed`` error output
as it was put (compressed); so does, in the error output of a later step, every record that
fails after it was decompressed.

A delivery stream with decompression takes records from CloudWatch Logs only: a DirectPut
stream answers anybody else's put ``InvalidSourceException``
(``DeliveryStreamHandle.put_from_logs`` puts as CloudWatch Logs does).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pytest_firehose._clock import epoch_millis
from pytest_firehose._destinations.base import Accepted
from pytest_firehose._destinations.compression import java_gzip
from pytest_firehose._destinations.processing_errors import ProcessingFailure
from pytest_firehose._destinations.processors import processor_of
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._payload import payload_bytes
from pytest_firehose._terms import terms

if TYPE_CHECKING:
    from pytest_firehose._ids import IdSource

#: What ``!{firehose:error-output-type}`` names for records that did not decompress.
DECOMPRESSION_FAILED = "decompression-failed"
#: The error record's code and message for such a record (an emulator's capture of AWS's).
NOT_CLOUDWATCH_LOGS = (
    "Decompression failed.",
    "Decompression failed because input data does not conform to cloudwatch log.",
)
#: A record decompresses to at most this much, or fails: far above what CloudWatch Logs
#: sends (a batch of events is at most 1 MiB), and it keeps a gzip bomb from eating memory.
MAX_DECOMPRESSED = 16 * 1024 * 1024
#: A Firehose record's data at most (the API's limit), whoever puts it.
MAX_RECORD_BYTES = 1_024_000
_MESSAGE_TYPES = ("DATA_MESSAGE", "CONTROL_MESSAGE")
_INVALID = "InvalidArgumentException"


class _NotLogs(Exception):
    """The record is not CloudWatch Logs data."""


def _gunzip(data: bytes) -> bytes:
    """``data`` decompressed, every gzip member of it in turn, at most
    ``MAX_DECOMPRESSED`` bytes."""
    out: list[bytes] = []
    room = MAX_DECOMPRESSED
    while data:
        member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = member.decompress(data, room + 1)
        except zlib.error:
            raise _NotLogs from None
        if not member.eof or len(chunk) > room:  # cut short, or past the limit
            raise _NotLogs
        out.append(chunk)
        room -= len(chunk)
        data = member.unused_data
    if not out:
        raise _NotLogs
    return b"".join(out)


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _json(data: bytes) -> Any:
    try:
        return json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise _NotLogs from None


def _messages(envelope: Any) -> bytes:
    """What message extraction makes of a decompressed envelope."""
    if not isinstance(envelope, dict) or envelope.get("messageType") not in _MESSAGE_TYPES:
        raise _NotLogs
    if envelope["messageType"] == "CONTROL_MESSAGE":
        return b""
    events = envelope.get("logEvents")
    if not isinstance(events, list):
        raise _NotLogs
    lines = []
    for event in events:
        message = event.get("message") if isinstance(event, dict) else None
        if not isinstance(message, str):
            raise _NotLogs
        lines.append(message.encode("utf-8", "surrogatepass") + b"\n")
    return b"".join(lines)


@dataclass(frozen=True)
class LogsProcessing:
    """A destination's CloudWatch Logs processing: decompression, and message extraction
    when ``extract``."""

    extract: bool

    def record(self, data: bytes) -> bytes:
        """What becomes of one record's data; raises ``_NotLogs`` when it cannot be had."""
        text = _gunzip(data)
        envelope = _json(text)  # decompression alone keeps the JSON as it is, if it is JSON
        return _messages(envelope) if self.extract else text

    def apply(
        self, entries: list[Accepted], now: datetime
    ) -> tuple[list[Accepted], list[ProcessingFailure]]:
        """``entries`` processed (ids and arrivals kept), and the failures of those that
        could not be, at ``now``."""
        done: list[Accepted] = []
        failed: list[ProcessingFailure] = []
        for entry in entries:
            payload, record_id, arrived = entry
            try:
                done.append((self.record(payload_bytes(payload)), record_id, arrived))
            except _NotLogs:
                failed.append(ProcessingFailure(entry, *NOT_CLOUDWATCH_LOGS, 1, now))
        return done, failed


# ---------------------------------------------------------------------- configuration


def logs_processing(config: Mapping[str, Any]) -> LogsProcessing | None:
    """The configuration's CloudWatch Logs processing, or None. Raises
    ``InvalidArgumentException`` as CreateDeliveryStream and UpdateDestination do (the
    texts an emulator captured from AWS) for a format other than GZIP, message extraction
    without decompression, or an extraction flag other than true or false."""
    decompression = processor_of(config, "Decompression")
    extraction = processor_of(config, "CloudWatchLogProcessing")
    if decompression is None:
        if extraction is not None:
            raise ServiceError(
                _INVALID,
                "CloudWatchLogProcessingProcessor can only be enabled with DecompressionProcessor",
            )
        return None
    if decompression.get("CompressionFormat", "GZIP") != "GZIP":
        raise ServiceError(_INVALID, "CompressionFormat has to be GZIP")
    if extraction is None:
        return LogsProcessing(extract=False)
    flag = extraction.get("DataMessageExtraction", "").lower()
    if flag not in ("true", "false"):
        raise ServiceError(
            _INVALID,
            "Invalid parameter value for DataMessageExtraction. Allowed values are True and False.",
        )
    return LogsProcessing(extract=flag == "true")


def check_decompression_switch(before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    """Refuse an UpdateDestination that turns decompression on for a stream that had
    neither decompression nor a Lambda processor."""
    if processor_of(before, "Decompression") is not None:
        return
    if processor_of(before, "Lambda") is not None:
        return
    if processor_of(after, "Decompression") is not None:
        raise ServiceError(
            _INVALID,
            "Enabling source decompression is not supported for existing stream with no "
            "Lambda function attached.",
        )


def not_from_logs(account_id: str, name: str) -> ServiceError:
    """A put to a DirectPut stream with decompression from anyone but CloudWatch Logs."""
    return ServiceError(
        "InvalidSourceException",
        f"Put to Firehose failed for AccountId: {account_id}, FirehoseName: {name} because "
        "the request is not originating from CloudWatch.",
    )


# ---------------------------------------------------------------------- records


def _log_messages(messages: Iterable[str], where: str, **names: str) -> list[str]:
    """``messages`` as a list of log lines, checked with the ``names`` that go with them
    (log group, log stream ...): at least one, text UTF-8 can carry, as CloudWatch Logs
    keeps it. Raises ``UsageError`` for anything else (``where`` names the method)."""
    if isinstance(messages, (str, bytes)):
        raise UsageError(
            f"{where} takes a list of messages, not one {type(messages).__name__}: "
            f"{where}([message])"
        )
    if not isinstance(messages, Iterable):
        raise UsageError(f"{where} takes a list of messages (str), not {messages!r}")
    said = terms()
    if isinstance(messages, Mapping):
        # Its keys were put as the messages: a JSON event given as a dict lost its values.
        raise UsageError(
            f"{said.call(where)} takes a list of messages (str), not a mapping, whose keys "
            f"would be the messages: give a JSON event as its text, "
            f"{said.phrase('json.dumps(event)', 'a string')}"
        )
    if isinstance(messages, AbstractSet):
        # The events came in the set's order, which str's hashing changes from run to run.
        raise UsageError(
            f"{said.call(where)}: a set of messages has no order, and the record lists its "
            "events in order: give a list"
        )
    listed = list(messages)
    if not listed:
        give = said.phrase(f"{where}(messages)", f'{said.call(where)} with "messages"')
        raise UsageError(
            f"{said.call(where)}: no log events; CloudWatch Logs sends a DATA_MESSAGE only "
            f"with at least one: give {give} one message or more"
        )
    texts = [
        *(("a log message", m) for m in listed),
        *((said.name(name), text) for name, text in names.items()),
    ]
    for what, text in texts:
        if not isinstance(text, str):
            raise UsageError(
                f"{said.call(where)}: {what} must be {said.phrase('a str', 'a string')}, "
                f"not {said.kind(type(text))}"
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise UsageError(
                f"{said.call(where)}: {what} must be text UTF-8 can carry; "
                f"{said.value(text)} has {error.reason}"
            ) from None
    if "" in listed:
        raise UsageError(
            f"{said.call(where)}: a log message is empty; CloudWatch Logs takes none empty"
        )
    return listed


def log_events_record(
    messages: Iterable[str],
    *,
    owner: str,
    log_group: str,
    log_stream: str,
    subscription_filter: str,
    at: datetime,
    ids: IdSource,
) -> bytes:
    """The record a CloudWatch Logs subscription filter sends for ``messages`` logged at
    ``at``: the gzip of the ``DATA_MESSAGE`` envelope, compact JSON as CloudWatch Logs
    writes it, each event with a 56-digit id, the gzip header as CloudWatch Logs writes it
    (no time stamp, extra flags and operating system 0). Raises ``UsageError`` for messages
    or names that are not text (the handles' ``put_log_events`` build it)."""
    listed = _log_messages(
        messages,
        "put_log_events",
        log_group=log_group,
        log_stream=log_stream,
        subscription_filter=subscription_filter,
    )
    timestamp = epoch_millis(at)
    events = [
        {"id": ids.digits(56), "timestamp": timestamp, "message": message} for message in listed
    ]
    envelope = {
        "messageType": "DATA_MESSAGE",
        "owner": owner,
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": [subscription_filter],
        "logEvents": events,
    }
    text = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
    # CloudWatch Logs' records begin with the header Java's GZIPOutputStream writes.
    return java_gzip(text.encode("utf-8"))
