"""Ship events to an Amazon Data Firehose delivery stream with PutRecordBatch.

Firehose answers a PutRecordBatch with HTTP 200 even when some of its records failed: the
failed ones are flagged in ``RequestResponses`` and counted in ``FailedPutCount``, and only
those may be resent. This module does that, within the service's fixed limits, and reports
every record it could not deliver instead of dropping it.

Delivery is at least once: when a call times out after Firehose committed it, the resend
duplicates its records. Give events an id if consumers must deduplicate.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

import boto3
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

log = logging.getLogger(__name__)

#: PutRecordBatch limits (they cannot be raised), measured on the raw, not base64, bytes.
MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1_000 * 1024
#: Whole-call errors worth another try once botocore's own retries are spent. Anything else
#: (unknown stream, validation) is a bug or a misconfiguration that resending cannot fix.
RETRYABLE_CALL_ERRORS = frozenset({"ServiceUnavailableException", "InternalFailure"})
#: The error code reported for a record too large to send.
TOO_LARGE = "RecordTooLarge"

Event: TypeAlias = "bytes | bytearray | Mapping[str, Any]"


class FirehoseClient(Protocol):
    """The one method of a boto3 ``firehose`` client the shipper uses."""

    def put_record_batch(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class FailedRecord:
    """A record that was not delivered: its position in the input, its payload and why."""

    index: int
    data: bytes = field(repr=False)
    error_code: str
    error_message: str


@dataclass
class ShipResult:
    """What one :meth:`FirehoseShipper.ship` did.

    ``sent``: records Firehose accepted. ``attempts``: PutRecordBatch calls the shipper made
    (botocore may retry each of them over HTTP on its own). ``failed``: records sent but still
    refused after the last attempt. ``rejected``: records never sent because they were too
    large.
    """

    sent: int = 0
    attempts: int = 0
    failed: list[FailedRecord] = field(default_factory=list)
    rejected: list[FailedRecord] = field(default_factory=list)

    @property
    def undelivered(self) -> list[FailedRecord]:
        """Failed and rejected records together, in input order."""
        return sorted([*self.failed, *self.rejected], key=lambda record: record.index)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.rejected

    def raise_for_undelivered(self) -> None:
        """Raise :class:`UndeliveredRecordsError` unless every record was delivered."""
        if not self.ok:
            raise UndeliveredRecordsError(self)


class UndeliveredRecordsError(Exception):
    """Some records were not delivered; ``.result`` lists them (``.result.undelivered``)."""

    SHOWN = 10

    def __init__(self, result: ShipResult, reason: str | None = None) -> None:
        self.result = result
        undelivered = result.undelivered
        lines = [reason or f"{len(undelivered)} record(s) were not delivered:"]
        lines += [
            f"  record {r.index} ({len(r.data)} bytes): {r.error_code}: {r.error_message}"
            for r in undelivered[: self.SHOWN]
        ]
        if len(undelivered) > self.SHOWN:
            lines.append(f"  ... and {len(undelivered) - self.SHOWN} more")
        super().__init__("\n".join(lines))


def encode_event(event: Event, *, json_default: Callable[[Any], Any] | None = None) -> bytes:
    """Bytes are sent as they are; a mapping becomes one line of JSON ending in ``\\n``."""
    if isinstance(event, (bytes, bytearray)):
        return bytes(event)
    if isinstance(event, Mapping):
        text = json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=json_default)
        return text.encode("utf-8") + b"\n"
    raise TypeError(f"an event must be bytes or a mapping, not {type(event).__name__}")


class FirehoseShipper:
    """Ships events to one delivery stream, resending only the records Firehose refused.

    Between resend rounds it sleeps ``sleep(delay)`` with exponential backoff and full
    jitter (``delay`` uniform in ``[0, min(max_delay, base_delay * 2**(round - 1))]``). Each
    batch gets at most ``max_attempts`` PutRecordBatch calls; records still refused after the
    last one are reported in :attr:`ShipResult.failed`.
    """

    def __init__(
        self,
        client: FirehoseClient,
        stream_name: str,
        *,
        max_attempts: int = 5,
        base_delay: float = 0.1,
        max_delay: float = 5.0,
        sleep: Callable[[float], object] = time.sleep,
        rng: random.Random | None = None,
        json_default: Callable[[Any], Any] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
        self.client = client
        self.stream_name = stream_name
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._json_default = json_default

    @classmethod
    def from_boto3(
        cls, stream_name: str, *, region_name: str | None = None, **options: Any
    ) -> FirehoseShipper:
        """A shipper with its own ``boto3.client("firehose")``."""
        return cls(boto3.client("firehose", region_name=region_name), stream_name, **options)

    def backoff(self, round_: int) -> float:
        """The delay before resend round ``round_`` (1 for the first resend)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (round_ - 1))
        return self._rng.uniform(0, ceiling)

    def ship(self, events: Iterable[Event]) -> ShipResult:
        """Send every event, in order; return what was sent and what was not.

        A batch whose records are still refused after ``max_attempts`` calls is reported in
        the result, and shipping goes on with the next batch. An error no retry can fix
        raises :class:`UndeliveredRecordsError` at once, listing what was not delivered.
        """
        result = ShipResult()
        for batch in self._batches(self._records(events, result)):
            self._send(batch, result)
        return result

    def _records(self, events: Iterable[Event], result: ShipResult) -> Iterator[tuple[int, bytes]]:
        for index, event in enumerate(events):
            data = encode_event(event, json_default=self._json_default)
            if len(data) > MAX_RECORD_BYTES:
                message = (
                    f"{len(data)} bytes is over Firehose's record limit of {MAX_RECORD_BYTES} "
                    "bytes (1,000 KiB); split the event or store it elsewhere"
                )
                log.error("not sending record %d to %s: %s", index, self.stream_name, message)
                result.rejected.append(FailedRecord(index, data, TOO_LARGE, message))
                continue
            yield index, data

    def _batches(self, records: Iterable[tuple[int, bytes]]) -> Iterator[list[tuple[int, bytes]]]:
        batch: list[tuple[int, bytes]] = []
        size = 0
        for index, data in records:
            if size + len(data) > MAX_BATCH_BYTES:
                yield batch
                batch, size = [], 0
            batch.append((index, data))
            size += len(data)
            if len(batch) == MAX_BATCH_RECORDS:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def _send(self, batch: list[tuple[int, bytes]], result: ShipResult) -> None:
        """Send one batch; resend only the refused records, in order, until none are left
        or ``max_attempts`` calls were made."""
        pending = batch
        refused: list[tuple[tuple[int, bytes], tuple[str, str]]] = []
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                self._sleep(self.backoff(attempt - 1))
            result.attempts += 1
            outcome = self._put(pending, result)
            refused = [
                (record, error)
                for record, error in zip(pending, outcome, strict=True)
                if error is not None
            ]
            if not refused:
                return
            pending = [record for record, _ in refused]
            log.warning(
                "%s refused %d record(s) (attempt %d of %d)",
                self.stream_name,
                len(refused),
                attempt,
                self.max_attempts,
            )
        result.failed.extend(
            FailedRecord(index, data, code, message) for (index, data), (code, message) in refused
        )

    def _put(
        self, pending: list[tuple[int, bytes]], result: ShipResult
    ) -> list[tuple[str, str] | None]:
        """One PutRecordBatch; per record, ``None`` if accepted, else ``(code, message)``."""
        try:
            response = self.client.put_record_batch(
                DeliveryStreamName=self.stream_name,
                Records=[{"Data": data} for _, data in pending],
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            message = str(error.response.get("Error", {}).get("Message", ""))
            if code not in RETRYABLE_CALL_ERRORS:
                result.failed.extend(FailedRecord(i, d, code, message) for i, d in pending)
                raise UndeliveredRecordsError(
                    result,
                    f"PutRecordBatch to {self.stream_name!r} failed with {code}, which no "
                    f"retry can fix: {message}\nShipping stopped; these {len(result.undelivered)} "
                    "record(s) were not delivered, and nothing after them was sent:",
                ) from error
            return [(code, message)] * len(pending)
        except (BotocoreConnectionError, HTTPClientError) as error:
            return [(type(error).__name__, str(error))] * len(pending)
        if response.get("FailedPutCount", 0) == 0:
            result.sent += len(pending)
            return [None] * len(pending)
        entries = response["RequestResponses"]
        if len(entries) != len(pending):
            raise RuntimeError(f"{len(entries)} answers for {len(pending)} records")
        outcome = [
            (entry["ErrorCode"], entry.get("ErrorMessage", "")) if "ErrorCode" in entry else None
            for entry in entries
        ]
        result.sent += outcome.count(None)
        return outcome


def ship_events(stream_name: str, events: Iterable[Event], **options: Any) -> ShipResult:
    """Ship ``events`` with a fresh ``boto3.client("firehose")``, raising if any were lost."""
    result = FirehoseShipper.from_boto3(stream_name, **options).ship(events)
    result.raise_for_undelivered()
    return result
