"""A delivery's attempts, as a part of
:class:`~pytest_firehose._destinations.pipeline.Delivery`: a buffer that falls due leaves as
one batch, or as several of at most the destination's ``max_records``; each batch is built
into its object and tried at the destination; a failed one waits in the retry queue (its
wait doubling up to the destination's ``retry_cap``) unless the destination disposes of it
otherwise (a backup, a refusal for good); an error the destination was not meant to raise is
reported in ``errors`` and counts as a failed attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from pytest_firehose._destinations.base import (
    Batch,
    DeliveryFailed,
    DeliveryTarget,
    Destination,
    DestinationError,
    RecordsRefused,
    Refusal,
    Refusing,
)
from pytest_firehose._destinations.buffers import Buffer
from pytest_firehose._destinations.objects import DeliveredObject, object_key
from pytest_firehose._destinations.partitioning import PartitionBatch
from pytest_firehose._destinations.retries import RetryQueue
from pytest_firehose._payload import payload_bytes

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted
    from pytest_firehose._ids import IdSource


class Attempting:
    """The attempts of a :class:`Delivery` (which it is mixed into)."""

    target: DeliveryTarget
    destination: Destination
    destination_up: bool
    #: What the attempts of a destination switched off fail with (None: its own default).
    down_failure: DeliveryFailed | None
    #: Records the destination refuses one by one while it is up (None: none).
    refusing: Refusing | None
    objects: list[DeliveredObject]
    backed_up: list[DeliveredObject]
    refused: list[tuple[DeliveryFailed, list[Accepted]]]
    errors: list[DestinationError]
    last_failure: tuple[datetime, DeliveryFailed] | None
    _buffers: dict[str | None, Buffer]
    _retries: RetryQueue
    _busy: bool
    _in_flight: Batch | None
    _queued: list[Batch]
    _prefix: str
    _compression: str
    _extension: str
    _zone: tzinfo

    #: Converting's: ``batch`` as converted, or None when none of its records converted.
    _converted: Callable[[Batch, datetime, IdSource], Batch | None]

    def _deliver_buffer(self, at: datetime, ids: IdSource, partition: str | None) -> None:
        """Send the buffer of ``partition`` (None: the only one) on its way, at ``at``: one
        batch, or several of at most the destination's ``max_records`` (an HTTP endpoint's
        request holds at most 10,000), each with its own id, tried, retried and backed up on
        its own. Those not yet tried wait in ``_queued`` meanwhile."""
        buffer = self._buffers.pop(partition)  # a buffer exists only while it holds records
        limit = getattr(self.destination, "max_records", None) or len(buffer.records)
        batches: list[Batch] = []
        for start in range(0, len(buffer.records), limit):
            records = buffer.records[start : start + limit]
            if partition is None:
                batches.append(Batch(records, ids.uuid(), at))
            else:
                batches.append(PartitionBatch(records, ids.uuid(), at, partition))
        try:
            converted = [self._converted(batch, at, ids) for batch in batches]
        except BaseException:  # a failure of the fake's own: loud, but no record is lost
            self._buffers[partition] = buffer
            raise
        self._send([batch for batch in converted if batch is not None], at)

    def _send(self, batches: list[Batch], at: datetime) -> None:
        """Try each of ``batches`` in turn, at ``at``. Those not yet tried wait in
        ``_queued``, pending, while the one before them is at the destination (which may
        wait without the world's lock)."""
        queued = self._queued = batches
        while queued:
            batch = queued.pop(0)
            try:
                self._attempt(batch, at)
            except BaseException:  # as in ``_attempt``: the batches not tried wait, due now
                for waiting in queued:
                    waiting.due = at
                    self._retries.add(waiting)
                queued.clear()
                raise

    def _attempt(self, batch: Batch, at: datetime) -> None:
        """Try to deliver ``batch`` at ``at``; on failure it waits for a retry, unless the
        destination disposes of it otherwise.

        Whatever happens, the batch ends in one place: an error the destination was not
        meant to raise (a bug, a test's mock raising) is kept in ``errors`` and counts as
        a failed attempt, so no record is lost to it. What stops the test instead (a
        mock calling ``pytest.fail``, KeyboardInterrupt) counts as a failed attempt too,
        and goes on up."""
        awaited = batch.awaiting
        if awaited is not None and batch.due is not None and batch.due > at:
            self._retries.add(batch)  # a flush does not cut an acknowledgement's wait short
            return
        batch.awaiting = None
        try:
            if awaited is None:
                batch.attempts += 1
                done = self._try(batch, at)
            else:  # the acknowledgement did not come: the attempt failed now
                done = self._give_up(batch, at, awaited)
        except BaseException:
            self._retry_later(batch, at)
            raise
        if done is False:
            self._retry_later(batch, at)

    def _try(self, batch: Batch, at: datetime) -> bool | None:
        """One attempt: True once the batch is delivered, backed up or refused for good;
        None while it waits for an acknowledgement that will not come (a Splunk
        destination down with ``Splunk.AckTimeout``): it fails once the wait is over.
        Records the destination refuses one by one (its ``refusals``, ``refusing``) stay in
        the batch, which the destination gives up on or retries; the rest are delivered."""
        destination = self.destination
        failure = None if self.destination_up else self.down_failure
        if self.destination_up:
            # The destination may wait without the world's lock (an HTTP endpoint): the
            # batch stays pending meanwhile, and nothing else of this delivery moves.
            self._busy, self._in_flight = True, batch
            try:
                failure = self._refuse(batch, at)
                if failure is None:
                    obj = self._build(batch, at)
                    destination.deliver(self.target, obj)
            except DeliveryFailed as error:
                if error.permanent:
                    self.refused.append((error, list(batch.records)))
                    return True
                failure = error
                self.last_failure = (at, error)
            except Exception as error:  # whatever it is, the records stay
                failure = self._report(batch, at, error)
            else:
                if failure is None:
                    self.objects.append(obj)
                    return True
            finally:
                self._busy, self._in_flight = False, None
        else:
            # A destination behind a bucket that stays up (Redshift's intermediate bucket)
            # says what an attempt while it is down still does, and how it failed.
            unreachable = getattr(destination, "unreachable", None)
            if unreachable is not None:
                try:
                    failure = unreachable(self.target, self._build(batch, at), failure)
                except Exception as error:  # as above
                    failure = self._report(batch, at, error)
        waits = getattr(destination, "acknowledgement_wait", None)
        wait = waits(failure) if waits is not None else None
        if wait:
            batch.awaiting, batch.due = failure, at + wait
            batch.waited += wait
            self._retries.add(batch)
            return None
        return self._give_up(batch, at, failure)

    def _give_up(self, batch: Batch, at: datetime, failure: DeliveryFailed | None) -> bool:
        """Whether the destination disposed of ``batch`` (a backup) after its attempt
        failed with ``failure`` at ``at``. One that wrote only some of its records left the
        batch with the others, which wait for a retry."""
        destination = self.destination
        held = len(batch.records)
        try:
            backup = destination.give_up(self.target, batch, at, failure)
        except Exception as error:  # as above
            self._report(batch, at, error)
            return False
        if backup is None:
            return False
        self.backed_up.extend(backup if isinstance(backup, list) else [backup])
        return not 0 < len(batch.records) < held

    def _refuse(self, batch: Batch, at: datetime) -> RecordsRefused | None:
        """The failure of the records of ``batch`` the destination refuses now (those its
        ``refusals`` names; those ``refusing`` picks, as delivered), which stay in the
        batch, once the others are delivered at ``at``; None when it refuses none. Each
        refused record keeps its own refusal."""
        refusing = self.refusing
        own = getattr(self.destination, "refusals", None)
        if refusing is None and own is None:
            return None
        records = batch.records
        refused: dict[int, Refusal] = {} if own is None else own(records)
        if refusing is not None:
            for position, record in enumerate(records):
                if position not in refused and refusing.refuses(payload_bytes(record[0])):
                    refused[position] = refusing.refusal
        if not refused:
            return None
        taken = [record for position, record in enumerate(records) if position not in refused]
        if taken:
            obj = self._build(Batch(taken, batch.delivery_id, batch.first_try), at)
            self.destination.deliver(self.target, obj)
            self.objects.append(obj)
        positions = sorted(refused)
        batch.records = [records[position] for position in positions]
        return RecordsRefused([refused[position] for position in positions])

    def _retry_later(self, batch: Batch, at: datetime) -> None:
        batch.due, batch.wait = at + batch.wait, min(batch.wait * 2, self.destination.retry_cap)
        self._retries.add(batch)

    def _build(self, batch: Batch, at: datetime) -> DeliveredObject:
        target = self.target
        partition = batch.partition if isinstance(batch, PartitionBatch) else None
        key = object_key(
            self._prefix if partition is None else partition,
            target.name,
            str(target.version),
            batch.records[0][2],
            batch.delivery_id,
            self._extension,
            expanded=partition is not None,
            zone=self._zone,
        )
        payloads = tuple(payload for payload, _, _ in batch.records)
        obj = DeliveredObject(
            key, payloads, at, batch.delivery_id, compression=self._compression, body=batch.body
        )
        obj.accepted = tuple(batch.records)
        return obj

    def _report(self, batch: Batch, at: datetime, error: Exception) -> DeliveryFailed:
        """Keep ``error`` in ``errors``; the failure the attempt counts as."""
        found = DestinationError(at, self.target.name, batch.delivery_id, len(batch.records), error)
        self.errors.append(found)
        return DeliveryFailed(f"{type(error).__name__}: {error}")
