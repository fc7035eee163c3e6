"""A ``logging.Handler`` that ships each log record as one Splunk HEC event through a
Firehose delivery stream whose Splunk destination has an ``Event`` endpoint.

Each record becomes one line of JSON, as HEC's event endpoint takes it:

- ``time``: when the record was made, in epoch seconds (HEC's format, milliseconds as the
  fraction), so Splunk indexes it at that time and not when Firehose delivered it;
- ``host`` (the handler's, the machine's name by default), ``source`` (the logger's name),
  ``sourcetype`` (the handler's, ``app:log`` by default);
- ``event``: ``{"message": ..., "level": ...}``, with the traceback as ``exception`` when
  the record has one;
- ``fields``: indexed fields, the handler's own (``service``, ``env`` ...) and the record's
  ``level``, so searches can filter on them without reading events.

Records are buffered and sent with PutRecordBatch when 500 are waiting, and on ``flush()``
and ``close()`` (log lines are a few hundred bytes: 500 of them stay far below the call's
4 MiB). Records Firehose refuses (``FailedPutCount``) stay in the buffer and go
with the next send; a send that fails as a whole keeps them all. Nothing is raised into the
application: a logging call must not fail because Firehose did.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

#: PutRecordBatch takes at most 500 records a call.
MAX_BATCH = 500
_TRACEBACKS = logging.Formatter()


class FirehoseHecHandler(logging.Handler):
    """Ship log records to ``stream_name`` as HEC events (see the module)."""

    def __init__(
        self,
        client: Any,
        stream_name: str,
        *,
        sourcetype: str = "app:log",
        host: str | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.stream_name = stream_name
        self.sourcetype = sourcetype
        self.host = host or socket.gethostname()
        self.fields = dict(fields or {})
        self.buffer: list[bytes] = []

    def hec_event(self, record: logging.LogRecord) -> dict[str, Any]:
        """The HEC event for ``record``."""
        event = {"message": record.getMessage(), "level": record.levelname}
        if record.exc_info:
            event["exception"] = _TRACEBACKS.formatException(record.exc_info)
        return {
            "time": round(record.created, 3),
            "host": self.host,
            "source": record.name,
            "sourcetype": self.sourcetype,
            "event": event,
            "fields": {**self.fields, "level": record.levelname},
        }

    def emit(self, record: logging.LogRecord) -> None:
        try:
            data = json.dumps(self.hec_event(record), default=str).encode() + b"\n"
        except Exception:
            self.handleError(record)
            return
        with self.lock:
            self.buffer.append(data)
            if len(self.buffer) >= MAX_BATCH:
                self._send()

    def flush(self) -> None:
        with self.lock:
            while self.buffer and self._send():
                pass

    def close(self) -> None:
        self.flush()
        super().close()

    def _send(self) -> bool:
        """Put the first batch of the buffer; keep what Firehose refused. True when every
        record of the batch went in."""
        batch, rest = self.buffer[:MAX_BATCH], self.buffer[MAX_BATCH:]
        try:
            answer = self.client.put_record_batch(
                DeliveryStreamName=self.stream_name, Records=[{"Data": data} for data in batch]
            )
        except (BotoCoreError, ClientError):
            return False
        refused = [
            data
            for data, entry in zip(batch, answer["RequestResponses"], strict=True)
            if "ErrorCode" in entry
        ]
        self.buffer = refused + rest
        return not refused
