"""What the delivery engine and a destination hand each other: the stream they deliver for
(a narrow, frozen description), the batch of records on its way, the failure a destination
reports, and the :class:`Destination` protocol itself, with the in-memory destination."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._ids import RecordKey, record_id_text
from pytest_firehose._payload import Payload

#: One accepted record: (payload, record id, arrival time). Tuples are the cheapest thing
#: to make by the thousand; handles turn them into richer records when a test looks. The
#: record id is a key (``record_id_text`` gives the RecordId the put answered), the
#: payload is the request's own object and the arrival time is shared by a put's records:
#: the entry costs its 64 bytes and a 32-byte int.
Accepted = tuple[Payload, RecordKey, datetime]


def rendered(records: list[Accepted]) -> Iterator[tuple[Payload, str, datetime]]:
    """``records`` with the text of each record id, as the put answered it."""
    for payload, key, arrived in records:
        yield payload, record_id_text(key), arrived


#: Retries of a failed delivery: first after this long, doubling up to a destination's
#: ``retry_cap`` (``RETRY_CAP`` unless it says otherwise).
FIRST_RETRY = timedelta(seconds=1)
RETRY_CAP = timedelta(minutes=15)


@dataclass(frozen=True)
class DeliveryTarget:
    """The delivery stream a delivery is for, as destinations see it: its name and
    version (they go into object keys) and its ARN (an HTTP endpoint's source header)."""

    name: str
    arn: str
    version: int


@dataclass
class Batch:
    """Records delivered together, and their delivery so far.

    ``delivery_id`` names the delivery in object keys (and an HTTP endpoint's request id)
    and stays the same across retries; ``attempts`` counts the tries made.
    """

    records: list[Accepted]
    delivery_id: str
    first_try: datetime
    attempts: int = 0
    #: When the next try is due, and the wait after that one, while waiting for a retry.
    due: datetime | None = None
    wait: timedelta = FIRST_RETRY
    #: The object's body when it is not the records' payloads (a Parquet or ORC file).
    body: bytes | None = None
    #: The failure an attempt ends in once ``due`` comes, while it waits for an
    #: acknowledgement that will not come (Splunk's), and how long the batch's attempts
    #: have waited for acknowledgements in all.
    awaiting: DeliveryFailed | None = None
    waited: timedelta = timedelta(0)


class RecordError(Exception):
    """A record a step of the delivery cannot take (partitioning, conversion): ``code`` and
    ``message`` go into its error record."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class DeliveryFailed(Exception):
    """The destination did not take a delivery; it will be retried.

    ``code`` is the error code a backup of the records reports (an HTTP endpoint's
    ``HttpEndpoint.DestinationException``, say), when the destination has one.
    ``permanent``: the destination refused it for good (an HTTP endpoint's 413): it is
    neither retried nor backed up.
    """

    def __init__(self, message: str, code: str | None = None, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


@dataclass(frozen=True)
class Refusal:
    """Why a destination refused one record of a batch, as its failed record names it:
    ``code`` and ``message``. ``retried``: Firehose tries the record again within the
    destination's ``RetryOptions`` before writing it to its bucket (an OpenSearch document
    refused with 429, a Splunk event), rather than at once. ``error_prefix``: the prefix
    its failed record is written under instead of the ``S3Configuration``'s error output
    (an Iceberg table's ``S3ErrorOutputPrefix``)."""

    code: str
    message: str
    retried: bool = False
    error_prefix: str = ""


class RecordsRefused(DeliveryFailed):
    """Records the destination refused one by one (an OpenSearch document, a Snowflake
    row, an Iceberg record that names no table) while the rest of the batch was delivered:
    the batch is left with them, and ``refusals`` holds each one's refusal, in the same
    order (each one's ``retried`` decides for its record alone). It is named after the
    first one's code and message."""

    def __init__(self, refusals: list[Refusal]) -> None:
        first = refusals[0]
        super().__init__(first.message, first.code)
        self.refusals = refusals


@dataclass(frozen=True)
class Refusing:
    """What a test made a destination refuse (``destination_refuses``): the records, as
    delivered, ``refuses`` picks are refused with ``refusal``."""

    refuses: Callable[[bytes], bool]
    refusal: Refusal


@dataclass(frozen=True)
class DestinationError:
    """An error a destination raised that is not a refused delivery (a
    :class:`DeliveryFailed`): a fault in the destination itself, or in what a test put in
    its way. The batch it hit stays pending and is retried like a refused one."""

    at: datetime
    stream: str
    #: Empty for an error before the records became a delivery (their transformation's).
    delivery_id: str
    records: int
    error: Exception

    def __str__(self) -> str:
        delivery = " ".join(filter(None, ("delivery", self.delivery_id)))
        return (
            f"{self.at.isoformat()} {delivery} of {self.records} record(s) "
            f"from {self.stream!r} raised {type(self.error).__name__}: {self.error}"
        )


class Destination(Protocol):
    """Where delivered objects go.

    ``deliver`` raises :class:`DeliveryFailed` when the destination does not take an
    object; the engine retries it after a backoff (doubling up to ``retry_cap``).
    ``give_up`` is asked after each failed attempt, with the failure (None when the
    destination was switched off and not tried). Returning an object means the
    destination has disposed of the records otherwise (an HTTP endpoint's S3 backup,
    say): that object is the backup (or those objects, a list), and the records are no
    longer pending. Returning None keeps them waiting for a retry. One that wrote only some
    of them (failed records under several prefixes, the bucket taking some objects and
    refusing others) returns the objects written and leaves the batch with the others
    (``batch.records``, shorter): only those wait for a retry.

    A destination may also say ``max_records``, the most records one delivery holds (an
    HTTP endpoint's request: 10,000): a larger buffer leaves as several batches. One that
    has a part still reachable while it is down (Redshift's intermediate bucket) has
    ``unreachable(target, obj, failure)``, asked instead of ``deliver`` while it is down
    (``failure``: what ``destination_down(error=...)`` made attempts fail with, else None):
    it does what it still can and returns the failure the attempt counts as. One that refuses
    records itself (Snowflake: a record that is no JSON object; Iceberg: one it cannot
    route) has ``refusals(records)``, the :class:`Refusal` of each record of a batch it
    refuses, by position; the ``deliver`` that follows is of the others, and the refused
    ones are given up on as a :class:`RecordsRefused`.
    """

    retry_cap: timedelta

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None: ...

    def give_up(
        self, target: DeliveryTarget, batch: Batch, at: datetime, failure: DeliveryFailed | None
    ) -> DeliveredObject | list[DeliveredObject] | None: ...


#: Makes the destination a stream's configuration names: (the CreateDeliveryStream
#: parameter, such as ``ExtendedS3DestinationConfiguration``, or None; that parameter's
#: value; the region) -> the destination.
DestinationFactory = Callable[[str | None, dict[str, Any], str], Destination]


class MemoryDestination:
    """Keeps objects in memory only (the delivery's ``objects``); never fails, never gives
    up."""

    retry_cap = RETRY_CAP

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        return None

    def give_up(
        self, target: DeliveryTarget, batch: Batch, at: datetime, failure: DeliveryFailed | None
    ) -> DeliveredObject | None:
        return None
