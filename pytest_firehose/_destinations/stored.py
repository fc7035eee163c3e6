"""What the destinations the fake stores rather than delivers to share: Splunk, Snowflake,
OpenSearch Service, Elasticsearch, OpenSearch Serverless and Iceberg (each one's own module
makes what it receives: :mod:`~pytest_firehose._destinations.splunk` the events its HEC
endpoint received, :mod:`~pytest_firehose._destinations.snowflake` the rows,
:mod:`~pytest_firehose._destinations.opensearch` the documents,
:mod:`~pytest_firehose._destinations.iceberg` the tables). What such a destination receives
is kept in memory (on the delivery's ``objects``); what Firehose writes to S3 for it is
written to the bucket of its ``S3Configuration``:

- the records a transformation failed (``processing-failed/``, as for every destination);
- while the destination is down (``destination_down()``), the records whose retries ran out
  (``RetryOptions.DurationInSeconds`` after the batch's first try), one JSON line each in
  the destination's failed-record format, under its error output type
  (``AmazonOpenSearchService-failed/``, ``splunk-failed/`` ...); while the bucket does not
  take them, they stay pending and are tried again;
- the single records it refuses (its ``refusals``: a Snowflake row or an OpenSearch document
  that is no JSON object, a Snowflake row its declared table refuses, a record a Splunk
  Event endpoint cannot take as HEC events, an Iceberg record it cannot route; those
  ``destination_refuses()`` picks), each as its refusal says: at once (Snowflake, Iceberg,
  an OpenSearch document refused with 400 or 409) or once its retries ran out (Splunk, an
  OpenSearch document refused with 429), as above, under their own prefix where they have
  one (an Iceberg table's ``S3ErrorOutputPrefix``); the rest of each batch is delivered.
  Records under several prefixes make one object each: those the bucket takes are written
  once, and only the records of the others stay pending.

The developer guide ("Handle data delivery failure") gives each format's fields. The error
a record names is the one the test chose, or the destination's default for an endpoint it
cannot reach (:mod:`~pytest_firehose._destinations.delivery_errors` holds them all).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import (
    RETRY_CAP,
    DeliveryFailed,
    Destination,
    RecordsRefused,
    Refusal,
)
from pytest_firehose._destinations.delivery_errors import (
    ERRORS,
    ICEBERG,
    OPENSEARCH,
    SERVERLESS,
    SNOWFLAKE,
    SPLUNK,
    DestinationErrors,
)
from pytest_firehose._destinations.gave_up import (
    Extra,
    GaveUp,
    failed_output,
    no_extra,
    written,
)
from pytest_firehose._json_text import strict_json
from pytest_firehose._payload import payload_bytes

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted, Batch, DeliveryTarget
    from pytest_firehose._destinations.objects import DeliveredObject
    from pytest_firehose._destinations.processing_errors import ProcessingFailure

#: How long each destination retries a failing delivery when ``RetryOptions`` leaves it
#: out: the API reference's 300 seconds for OpenSearch; Splunk's, Snowflake's and
#: Iceberg's are the Terraform provider's defaults (not stated by AWS).
RETRY_DEFAULTS = {
    **dict.fromkeys(OPENSEARCH, 300),
    SERVERLESS: 300,
    SPLUNK: 3600,
    SNOWFLAKE: 60,
    ICEBERG: 300,
}


def _us_week(at: datetime) -> str:
    """``<YEAR>-w<WEEK>`` of ``at`` by the US conventions the developer guide gives for
    ``OneWeek``: weeks start on Sunday, and week 1 of a year is the one holding its first
    Saturday (so its January 1st). The year is the one the week is numbered in: the days
    of week 1 before January 1st belong to the year after theirs."""

    def first_sunday(year: int) -> date:
        january_first = date(year, 1, 1)
        return january_first - timedelta(days=(january_first.weekday() + 1) % 7)

    day = at.date()
    year = day.year + 1 if day >= first_sunday(day.year + 1) else day.year
    return f"{year}-w{(day - first_sunday(year)).days // 7 + 1:02d}"


#: IndexRotationPeriod -> what is appended to the index name, from the record's arrival
#: (UTC): the developer guide's index rotation table (``myindex-2016-02-25`` a day ...).
_ROTATION: dict[str, Callable[[datetime], str]] = {
    "NoRotation": lambda at: "",
    "OneHour": lambda at: f"-{at:%Y-%m-%d-%H}",
    "OneDay": lambda at: f"-{at:%Y-%m-%d}",
    "OneWeek": lambda at: f"-{_us_week(at)}",
    "OneMonth": lambda at: f"-{at:%Y-%m}",
}


def index_name(kind: str, config: Mapping[str, Any]) -> Callable[[datetime], str]:
    """The index an OpenSearch destination ``kind`` (``config``) writes a record that
    arrived at a time to: ``IndexName`` with its rotation's suffix (Serverless: none)."""
    index = str(config.get("IndexName", ""))
    if kind == SERVERLESS:
        return lambda arrived: index
    rotate = _ROTATION.get(str(config.get("IndexRotationPeriod", "OneDay")), _ROTATION["OneDay"])
    return lambda arrived: index + rotate(arrived)


def _extra_fields(kind: str, config: Mapping[str, Any]) -> Extra:
    """The fields ``kind``'s failed records add to the common ones."""
    if kind in OPENSEARCH:
        index = index_name(kind, config)
        type_name = str(config.get("TypeName", ""))
        return lambda record_id, arrived: (
            {
                "esDocumentId": record_id,
                "esIndexName": index(arrived),
                "esTypeName": type_name,
            },
            {},
        )
    if kind == SERVERLESS:
        name = str(config.get("IndexName", ""))
        return lambda record_id, arrived: (
            {"osDocumentId": record_id, "osIndexName": name},
            {},
        )
    if kind == SPLUNK:
        return lambda record_id, arrived: ({}, {"EventId": f"{record_id}.0"})
    return no_extra


def json_object(payload: Any) -> dict[str, Any] | None:
    """The record's JSON object, or None when it is not one JSON object in UTF-8 (NaN and
    Infinity are no JSON)."""
    try:
        value = strict_json(payload_bytes(payload).decode())
    except ValueError:  # UnicodeDecodeError is a ValueError
        return None
    return value if isinstance(value, dict) else None


class StoredDestination:
    """What a destination the fake stores does (see the module): it never fails while up
    but for the records it refuses; while down, gives a batch up once its retry duration
    has passed, writing it to the ``S3Configuration`` bucket."""

    retry_cap = RETRY_CAP

    def __init__(
        self,
        kind: str,
        config: dict[str, Any],
        bucket: Destination,
    ) -> None:
        self.kind = kind
        #: Where failed records go: the ``S3Configuration`` bucket (or memory only).
        self.error_output = bucket
        self._failed_output = failed_output(config.get("S3Configuration") or {})
        seconds = (config.get("RetryOptions") or {}).get("DurationInSeconds")
        self.retry_duration = timedelta(
            seconds=RETRY_DEFAULTS.get(kind, 300) if seconds is None else seconds
        )
        self._extra = _extra_fields(kind, config)

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        return None

    def give_up(
        self, target: DeliveryTarget, batch: Batch, at: datetime, failure: DeliveryFailed | None
    ) -> list[DeliveredObject] | None:
        """The batch's failed records that are due, each naming its refusal's code and
        message (else ``failure``'s, or the destination's default while it is down without
        one): a record refused without retries at once, any other once the retry duration
        has passed since the first try. They are written in one object for each prefix they
        go under (a refusal's ``error_prefix``, else the ``S3Configuration``'s error output).
        The objects the bucket took are returned, and the batch is left with the other
        records (not due yet, or in an object the bucket did not take), which are tried
        again (None when the bucket took none)."""
        errors = ERRORS.get(self.kind)
        if errors is None:
            return None
        records = batch.records
        # Splunk's retry duration leaves out the waits for acknowledgements (API
        # reference, SplunkRetryOptions).
        ran_out = at - batch.first_try - batch.waited >= self.retry_duration
        refusals = self._refusals(records, failure, errors, ran_out)
        if refusals is None:
            return None
        outputs: dict[str, list[int]] = {}
        for position, refusal in enumerate(refusals):
            if ran_out or not refusal.retried:
                outputs.setdefault(refusal.error_prefix, []).append(position)
        attempts, extra = batch.attempts, self._extra
        objects: list[DeliveredObject] = []
        written_out: set[int] = set()
        for prefix, positions in outputs.items():
            output = self._failed_output
            if prefix:
                output = replace(output, prefix=prefix, base="")
            failures: list[ProcessingFailure] = [
                GaveUp(records[i], refusals[i].code, refusals[i].message, attempts, at, extra=extra)
                for i in positions
            ]
            obj = output.object_for(failures, errors.output_type, target, batch.delivery_id)
            if written(self.error_output, target, obj) is not None:
                objects.append(obj)
                written_out.update(positions)
        if not objects:
            return None
        batch.records = [record for i, record in enumerate(records) if i not in written_out]
        return objects

    def _refusals(
        self,
        records: list[Accepted],
        failure: DeliveryFailed | None,
        errors: DestinationErrors,
        ran_out: bool,
    ) -> list[Refusal] | None:
        """Each of ``records``' refusal: its own, when the destination refused them one by
        one; else ``failure``'s code and message (the destination's default when it names
        none), retried within the retry duration unless the destination does not retry that
        code (Snowflake's ``Snowflake.DefaultRoleMissing``): None while such a failure is
        retried and the retry duration (``ran_out``) has not passed. Either way the last
        attempt's error, under the prefix the record's failures go under
        (``error_prefixes``), whatever the error."""
        if isinstance(failure, RecordsRefused):
            return failure.refusals
        code, message = next(iter(errors.down.items()))
        if failure is not None and failure.code is not None:
            code, message = failure.code, str(failure)
        retried = code not in errors.down_not_retried
        if retried and not ran_out:
            return None
        return [
            Refusal(code, message, retried, error_prefix=prefix)
            for prefix in self.error_prefixes(records)
        ]

    def error_prefixes(self, records: Sequence[Accepted]) -> list[str]:
        """The prefix each of ``records``' failed record is written under instead of the
        ``S3Configuration``'s error output (empty: that one; Iceberg's tables have their
        own)."""
        return [""] * len(records)
