"""Writing to a delivery stream: PutRecord and PutRecordBatch, the records CloudWatch Logs
puts, the records an MSKAsSource stream reads from its topic, the changes a DatabaseAsSource
stream reads from its database, and the Direct PUT throughput quota. A mixin of
``FirehoseService``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.cloudwatch_logs import not_from_logs
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._ids import IdSource
from pytest_firehose._payload import Payload, payloads_len
from pytest_firehose._services.base import Answer
from pytest_firehose._services.codes import RECORD_ERRORS
from pytest_firehose._services.firehose.msk import (
    checked_position,
    checked_timestamp,
    checked_values,
)
from pytest_firehose._services.firehose.quotas import THROTTLED, PutQuota, limits_in, slow_down
from pytest_firehose._services.firehose.streams import DeliveryStream
from pytest_firehose._terms import terms

#: Sum of decoded Data a PutRecordBatch may carry.
MAX_BATCH_BYTES = 4 * 1024 * 1024


class Puts:
    """PutRecord, PutRecordBatch and CloudWatch Logs' puts, for ``FirehoseService``."""

    account_id: str
    region: str
    clock: FakeClock
    ids: IdSource
    quotas: bool
    _usage: dict[str, PutQuota]
    _direct_put: Callable[[str], DeliveryStream]
    _not_found: Callable[[str], ServiceError]

    def _writable(self, name: str, *, from_logs: bool = False) -> DeliveryStream:
        """The stream a put goes to. One still CREATING answers as if it did not exist,
        as Kinesis Data Streams does for its streams (Firehose's answer is not on record).
        One that decompresses CloudWatch Logs data takes puts ``from_logs`` only."""
        stream = self._direct_put(name)
        if stream.status == "CREATING":
            raise self._not_found(name)
        if stream.delivery.decompressing and not from_logs:
            raise not_from_logs(self.account_id, name)
        return stream

    def _accept(
        self,
        stream: DeliveryStream,
        payloads: list[Payload],
        failures: Mapping[int, str],
    ) -> tuple[list[dict[str, str]], bool]:
        """Each record's entry in the answer, and whether the stream's next due instant
        may have moved (``Delivery.accept``)."""
        now = self.clock.now()
        kept = [p for i, p in enumerate(payloads) if i not in failures] if failures else payloads
        # The log keeps a small key per record; the 224-character ids go into the answer.
        keys, ids = self.ids.record_keys(len(kept))
        moved = stream.delivery.accept(list(zip(kept, keys, repeat(now))), now, self.ids)
        if not failures:
            return [{"RecordId": record_id} for record_id in ids], moved
        fresh = iter(ids)
        return [
            {"ErrorCode": failures[i], "ErrorMessage": RECORD_ERRORS["firehose"][failures[i]]}
            if i in failures
            else {"RecordId": next(fresh)}
            for i in range(len(payloads))
        ], moved

    def put_record(self, params: dict[str, Any]) -> Answer:
        stream = self._writable(params["DeliveryStreamName"])
        data = params["Record"]["Data"]
        if self.quotas:
            quota = self._quota(stream.name)
            quota.take_request(self.clock.now())
            if not quota.fits(data):
                quota.give_back_request()
                raise slow_down()
        # ``_accept`` for one record, without its lists and the answer's entries.
        now = self.clock.now()
        keys, ids = self.ids.record_keys(1)
        moved = stream.delivery.accept([(data, keys[0], now)], now, self.ids)
        return Answer({"RecordId": ids[0], "Encrypted": stream.encrypted}, (), not moved)

    def put_from_logs(self, name: str, payloads: Sequence[Payload]) -> None:
        """Records put as a CloudWatch Logs subscription puts them (with PutRecordBatch)."""
        self._accept(self._writable(name, from_logs=True), list(payloads), {})

    def put_from_msk(
        self,
        stream: DeliveryStream,
        values: Sequence[Any],
        *,
        partition: Any,
        offset: Any,
        timestamp: Any,
    ) -> list[int]:
        """Records an MSKAsSource stream's topic gets in ``partition``, as a test hands them
        (checked here: a ``UsageError`` names what is wrong), with the Kafka ``timestamp``
        (None: now): the stream reads those from its start position on at once (msk.py).
        The offsets they were given."""
        assert stream.msk is not None
        if stream.status == "CREATING":
            said = terms()
            raise UsageError(
                f"{said.call('put_from_msk')}: delivery stream {said.value(stream.name)} is "
                "CREATING and reads nothing yet: advance the clock past its creation delay first"
            )
        now = self.clock.now()
        taken = stream.msk.take(
            checked_values(values),
            partition=checked_position("partition", partition),
            offset=None if offset is None else checked_position("offset", offset),
            timestamp=checked_timestamp(timestamp, now),
            given=timestamp is not None,
            transformed=stream.delivery.transformer is not None,
        )
        stream.delivery.accept(taken.entries, now, self.ids, taken.metadata)
        return taken.offsets

    def put_from_database(
        self, stream: DeliveryStream, table: Any, batches: Mapping[str, Any], primary_key: Any
    ) -> int:
        """Changes to ``table`` a DatabaseAsSource stream's database gets, as a test hands
        them (checked here: a ``UsageError`` names what is wrong): the stream reads those
        its source selects at once (database.py). How many it read."""
        assert stream.database is not None
        if stream.status == "CREATING":
            said = terms()
            raise UsageError(
                f"{said.call('put_from_database')}: delivery stream {said.value(stream.name)} is "
                "CREATING and reads nothing yet: advance the clock past its creation delay first"
            )
        read = stream.database.changes(table, batches, primary_key)
        now = self.clock.now()
        keys, _ = self.ids.record_keys(len(read))
        stream.delivery.accept(list(zip(read, keys, repeat(now))), now, self.ids)
        return len(read)

    def put_batch(self, params: dict[str, Any], failures: Mapping[int, str]) -> Answer:
        """PutRecordBatch: the records ``failures`` names fail inside the answer."""
        stream = self._writable(params["DeliveryStreamName"])
        payloads = [entry["Data"] for entry in params["Records"]]
        # Base64 text is 4/3 of its bytes, so the text's length bounds the sum cheaply.
        bound = sum(map(len, payloads))
        if bound > MAX_BATCH_BYTES and payloads_len(payloads) > MAX_BATCH_BYTES:
            raise ServiceError("InvalidArgumentException", "Records size exceeds 4 MB limit")
        if self.quotas:
            failures = self._over_quota(stream.name, payloads, failures)
        answers, moved = self._accept(stream, payloads, failures)
        failed = tuple(sorted(i for i in failures if i < len(payloads))) if failures else ()
        body = {
            "Encrypted": stream.encrypted,
            "FailedPutCount": len(failed),
            "RequestResponses": answers,
        }
        return Answer(body, failed, not moved)

    def _quota(self, name: str) -> PutQuota:
        quota = self._usage.get(name)
        if quota is None:
            quota = self._usage[name] = PutQuota(limits_in(self.region))
        return quota

    def _over_quota(
        self, name: str, payloads: list[Payload], failures: Mapping[int, str]
    ) -> Mapping[int, str]:
        """``failures`` and the records of a PutRecordBatch past the stream's quota, which
        fail in the answer (or the whole call, past the request rate)."""
        quota = self._quota(name)
        quota.take_request(self.clock.now())
        failed = dict(failures)
        full = False
        for index, payload in enumerate(payloads):
            if index not in failed and (full or not quota.fits(payload)):
                full = True
                failed[index] = THROTTLED
        return failed
