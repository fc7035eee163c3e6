"""The S3 backup of source records: with ``S3BackupMode`` ``Enabled`` (extended S3,
Redshift), ``AllData`` (HTTP endpoint, Snowflake, Iceberg), ``AllDocuments`` (OpenSearch,
Elasticsearch) or ``AllEvents`` (Splunk), every record a delivery stream takes in is also
written, as taken in (before any transformation), to the backup bucket, through a second
:class:`Delivery` with the backup configuration's own buffering, compression and prefixes.

The main delivery's accounting (every accepted record in exactly one place) is untouched:
the backup holds copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.pipeline import Delivery
from pytest_firehose._destinations.routes import Route, route_for
from pytest_firehose._errors import ServiceError

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted, DeliveryTarget, DestinationFactory
    from pytest_firehose._ids import IdSource

#: Destination configuration -> (the S3BackupMode that backs up every record, the block
#: that configures the backup bucket).
ALL_DATA = {
    "ExtendedS3DestinationConfiguration": ("Enabled", "S3BackupConfiguration"),
    "RedshiftDestinationConfiguration": ("Enabled", "S3BackupConfiguration"),
    "HttpEndpointDestinationConfiguration": ("AllData", "S3Configuration"),
    "ElasticsearchDestinationConfiguration": ("AllDocuments", "S3Configuration"),
    "AmazonopensearchserviceDestinationConfiguration": ("AllDocuments", "S3Configuration"),
    "AmazonOpenSearchServerlessDestinationConfiguration": ("AllDocuments", "S3Configuration"),
    "SplunkDestinationConfiguration": ("AllEvents", "S3Configuration"),
    "SnowflakeDestinationConfiguration": ("AllData", "S3Configuration"),
    "IcebergDestinationConfiguration": ("AllData", "S3Configuration"),
}
#: Destination configuration -> (the mode that backs up every record, the one that backs
#: up less): once the first is on, UpdateDestination cannot go back to the second (API
#: reference, each destination update's ``S3BackupMode``).
NO_GOING_BACK = {
    "ExtendedS3DestinationConfiguration": ("Enabled", "Disabled"),
    "RedshiftDestinationConfiguration": ("Enabled", "Disabled"),
    "SplunkDestinationConfiguration": ("AllEvents", "FailedEventsOnly"),
    "SnowflakeDestinationConfiguration": ("AllData", "FailedDataOnly"),
}
_PLAIN_S3 = "S3DestinationConfiguration"


def backup_config(kind: str | None, config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The S3 configuration the source records are backed up to, or None when the
    destination backs up no source records. An extended S3 destination with backup on and
    no ``S3BackupConfiguration`` is refused, as the service refuses it."""
    mode, block = ALL_DATA.get(kind or "", ("", ""))
    if not mode or config.get("S3BackupMode") != mode:
        return None
    backup = config.get(block)
    if not isinstance(backup, dict):
        raise ServiceError(
            "InvalidArgumentException",
            f"{block} is required when S3BackupMode is {mode}: give the bucket the source "
            "records are backed up to.",
        )
    return dict(backup)


def backup_route(
    target: DeliveryTarget,
    kind: str | None,
    config: Mapping[str, Any],
    destination_for: DestinationFactory,
    region: str,
) -> Route | None:
    """The route of the S3 backup of source records that ``kind``'s ``config`` asks for,
    checked (see :func:`backup_config`), or None when it backs up no source records."""
    wanted = backup_config(kind, config)
    if wanted is None:
        return None
    return route_for(target, wanted, destination_for(_PLAIN_S3, wanted, region))


def check_no_going_back(
    kind: str | None, before: Mapping[str, Any], after_kind: str | None, after: Mapping[str, Any]
) -> None:
    """Refuse an UpdateDestination that turns a backup of every record back off."""
    if kind != after_kind or kind not in NO_GOING_BACK:
        return
    every, less = NO_GOING_BACK[kind]
    if before.get("S3BackupMode") == every and after.get("S3BackupMode", every) != every:
        raise ServiceError(
            "InvalidArgumentException",
            f"S3BackupMode cannot be changed from {every} to {less} once it is {every}.",
        )


class BackedUpDelivery(Delivery):
    """A delivery stream's delivery that also hands every record it accepts, as accepted,
    to ``source_backup`` (a second :class:`Delivery` to the backup bucket) while
    ``backing_up``, and brings it up to the clock with itself. A backup that ended keeps
    what it wrote."""

    source_backup: Delivery | None = None
    backing_up = False

    def back_up(self, route: Route | None, now: datetime, ids: IdSource) -> None:
        """Back up from now on as ``route`` says (:func:`backup_route`): start the backup,
        route it to its (possibly updated) bucket, or, with None, end it (the destination
        backs up nothing any more) after writing what it holds."""
        if route is None:
            if self.source_backup is not None and self.backing_up:
                self.source_backup.flush(now, ids)
            self.backing_up = False
            return
        if self.source_backup is None:
            self.source_backup = Delivery(route)
            self.source_backup.retention = self.retention
        else:
            self.source_backup.reroute(now, route)
        self.backing_up = True

    def retain(self, period: timedelta) -> None:
        """Keep undelivered records ``period`` after they arrived, in the backup too."""
        self.retention = period
        if self.source_backup is not None:
            self.source_backup.retention = period

    def accept(
        self,
        entries: list[Accepted],
        now: datetime,
        ids: IdSource,
        kinesis: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> bool:
        moved = super().accept(entries, now, ids, kinesis)
        if self.backing_up and self.source_backup is not None:
            moved = self.source_backup.accept(entries, now, ids) or moved
        return moved

    def settle(self, now: datetime, ids: IdSource) -> None:
        super().settle(now, ids)
        if self.source_backup is not None:
            self.source_backup.settle(now, ids)

    def next_due(self) -> datetime | None:
        """The first instant the delivery or its backup has something to do."""
        due = super().next_due()
        backup = self.source_backup.next_due() if self.source_backup is not None else None
        if due is None or (backup is not None and backup < due):
            return backup
        return due

    def flush(self, now: datetime, ids: IdSource) -> None:
        super().flush(now, ids)
        if self.source_backup is not None:
            self.source_backup.flush(now, ids)
