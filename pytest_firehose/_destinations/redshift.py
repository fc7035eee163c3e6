"""Delivery to Amazon Redshift: each batch is staged as an object in the intermediate bucket
(``S3Configuration``), a manifest naming it is written beside it, and COPY loads it into the
table ``CopyCommand`` names, with its ``DataTableColumns`` and ``CopyOptions``
(:mod:`~pytest_firehose._destinations.copy_options`). The rows the table received are kept
on the delivered object (``rows``), with its manifest (``manifest``).

The developer guide ("Understand data delivery", "Handle data delivery failures"): Firehose
writes the object to the bucket first, then issues COPY; when the cluster cannot be reached
or the COPY fails, it retries for ``RetryOptions.DurationInSeconds`` (3600 s unless given;
0: no retry), then skips that batch of objects and writes their manifest to the bucket's
``errors/`` folder. Objects and manifests are keyed as Firehose keys them
(``<Prefix>manifests/YYYY/MM/DD/HH/<object's name>``, the skipped ones under
``<Prefix>errors/manifests/``), and each manifest is COPY's own format: ``{"entries":
[{"url": "s3://bucket/key", "mandatory": true}]}``.

While the cluster is down (``destination_down()``) objects are still staged: the bucket is
up. While the bucket does not take an object, nothing is loaded or skipped: the batch is
retried until its records expire, as an S3 destination's is.

Each line a COPY leaves out is kept in ``load_errors``, as Redshift keeps it in its
``STL_LOAD_ERRORS`` system table; a COPY that fails says so with Redshift's own message.
A COPY with a JSONPaths file reads it from S3 first, each time
(:mod:`~pytest_firehose._destinations.copy_jsonpaths`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import RETRY_CAP, DeliveryFailed
from pytest_firehose._destinations.copy_jsonpaths import JsonPathsFailed, JsonPathsFile
from pytest_firehose._destinations.copy_load import load
from pytest_firehose._destinations.copy_options import parse_copy_options, table_columns
from pytest_firehose._destinations.copy_rows import LoadError, LoadFailed
from pytest_firehose._destinations.delivery_errors import ERRORS, REDSHIFT
from pytest_firehose._destinations.gave_up import written
from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._destinations.s3 import S3Destination

if TYPE_CHECKING:
    from datetime import datetime

    from pytest_firehose._destinations.base import Batch, DeliveryTarget
    from pytest_firehose._payload import Payload

#: How long a failing COPY is retried when ``RetryOptions`` leaves it out (API reference).
DEFAULT_RETRY_SECONDS = 3600
MANIFESTS = "manifests/"
SKIPPED_MANIFESTS = "errors/manifests/"


class CopyFailed(DeliveryFailed):
    """The COPY of the object staged under ``key`` failed (the cluster down, a load that
    failed): the batch is skipped once the retry duration has passed."""

    def __init__(self, message: str, key: str, code: str | None = None) -> None:
        super().__init__(message, code)
        self.key = key


class RedshiftDestination:
    """Stages each object in the intermediate bucket and COPYs it into the table (see the
    module)."""

    retry_cap = RETRY_CAP
    kind = REDSHIFT

    def __init__(self, config: dict[str, Any], region: str, contained: Callable[[], bool]) -> None:
        s3 = config.get("S3Configuration") or {}
        #: The intermediate bucket; error output (a transformation's failed records) goes
        #: there too.
        self.error_output = S3Destination(s3, region, contained)
        self._prefix: str = s3.get("Prefix", "")
        copy = config.get("CopyCommand") or {}
        self.table: str = copy.get("DataTableName", "")
        self.columns = table_columns(copy.get("DataTableColumns"))
        self.options = parse_copy_options(copy.get("CopyOptions"))
        #: The JSONPaths file ``JSON 's3://...'`` names, read at each COPY.
        self._jsonpaths = (
            JsonPathsFile(self.options.jsonpaths, region, contained)
            if self.options.jsonpaths is not None and self.options.malformed is None
            else None
        )
        seconds = (config.get("RetryOptions") or {}).get("DurationInSeconds")
        self.retry_duration = timedelta(
            seconds=DEFAULT_RETRY_SECONDS if seconds is None else seconds
        )
        #: The cluster's STL_LOAD_ERRORS: the lines each COPY left out, in order.
        self.load_errors: list[LoadError] = []
        #: Each staged object whose last COPY failed: its key -> why.
        self._failing: dict[str, str] = {}

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        self._stage(target, obj)
        try:
            paths = self._jsonpaths.read() if self._jsonpaths is not None else None
            rows, errors = load(obj.body, self.options, self.columns, paths)
        except JsonPathsFailed as error:
            message = f"COPY into table '{self.table}' failed: {error}"
            self._failing[obj.key] = message
            raise CopyFailed(message, obj.key, error.code) from None
        except LoadFailed as error:
            self._record(error.errors, obj)
            message = (
                f"Load into table '{self.table}' failed.  Check 'stl_load_errors' system table "
                "for details."
                if error.errors
                else f"COPY into table '{self.table}' failed: {error}"
            )
            self._failing[obj.key] = message
            raise CopyFailed(message, obj.key) from None
        self._record(errors, obj)
        self._failing.pop(obj.key, None)
        obj.rows = tuple(rows)

    def _record(self, errors: Iterable[LoadError], obj: DeliveredObject) -> None:
        """Keep the load errors of the COPY of ``obj``, as STL_LOAD_ERRORS does: with the
        staged object's URL and the COPY's time."""
        url, at = f"s3://{self.error_output.bucket}/{obj.key}", obj.delivered_at
        self.load_errors.extend(replace(error, filename=url, starttime=at) for error in errors)

    def take_over(self, previous: object) -> None:
        """Keep what the cluster recorded for the destination this one replaces (an
        UpdateDestination): its load errors, and the objects whose COPY failed."""
        if isinstance(previous, RedshiftDestination):
            self.load_errors[:0] = previous.load_errors
            self._failing = {**previous._failing, **self._failing}

    def failure_note(self) -> str:
        """What a failure message tells of this destination's COPYs (empty when all went
        well): the objects whose last COPY failed, and the load errors, each once."""
        note = ""
        if self._failing:
            lines = "\n".join(
                f"  s3://{self.error_output.bucket}/{key}: {message}"
                for key, message in self._failing.items()
            )
            note += f"\nfailed Redshift COPYs (retried, then skipped):\n{lines}"
        if self.load_errors:
            unique = dict.fromkeys(replace(error, starttime=None) for error in self.load_errors)
            lines = "\n".join(f"  {error}" for error in unique)
            note += f"\nRedshift load errors (STL_LOAD_ERRORS):\n{lines}"
        return note

    def unreachable(
        self, target: DeliveryTarget, obj: DeliveredObject, failure: DeliveryFailed | None
    ) -> DeliveryFailed:
        """An attempt while the cluster is down: the object is staged, and the COPY fails
        with ``failure``'s code and message (``destination_down(error=...)``; by default
        ``Redshift.ConnectionFailed``), or the staging's failure, when the bucket did not
        take the object."""
        try:
            self._stage(target, obj)
        except DeliveryFailed as error:
            return error
        if failure is None or failure.code is None:
            code, message = next(iter(ERRORS[REDSHIFT].down.items()))
        else:
            code, message = failure.code, str(failure)
        self._failing[obj.key] = f"{code}: {message}"
        return CopyFailed(message, obj.key, code)

    def _stage(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        """Write ``obj`` and the manifest of its COPY to the intermediate bucket (raises
        DeliveryFailed when the bucket does not take them)."""
        self.error_output.deliver(target, obj)
        manifest = self._manifest(
            MANIFESTS, obj.key, obj.records, obj.delivered_at, obj.delivery_id
        )
        self.error_output.deliver(target, manifest)
        obj.manifest = manifest

    def _manifest(
        self,
        folder: str,
        key: str,
        payloads: tuple[Payload, ...],
        at: datetime,
        delivery_id: str,
    ) -> DeliveredObject:
        """The manifest naming the object staged under ``key``, under ``folder`` of the
        bucket's prefix; its records are the object's."""
        name = key[len(self._prefix) :] if key.startswith(self._prefix) else key
        url = f"s3://{self.error_output.bucket}/{key}"
        body = json.dumps({"entries": [{"url": url, "mandatory": True}]}).encode()
        return DeliveredObject(self._prefix + folder + name, payloads, at, delivery_id, body=body)

    def give_up(
        self, target: DeliveryTarget, batch: Batch, at: datetime, failure: DeliveryFailed | None
    ) -> DeliveredObject | None:
        """Once the retry duration has passed since the first try, and the object is
        staged: its manifest, written under ``errors/manifests/`` (None while that fails:
        the batch is tried again)."""
        if not isinstance(failure, CopyFailed) or at - batch.first_try < self.retry_duration:
            return None
        payloads = tuple(payload for payload, _, _ in batch.records)
        skipped = self._manifest(SKIPPED_MANIFESTS, failure.key, payloads, at, batch.delivery_id)
        return written(self.error_output, target, skipped)
