"""What hangs on a Kinesis stream by ARN, a queue or a channel: the status it goes through
(``Attached``) and the registry that holds those of one kind until they are gone
(``Registry``). ``queues.py`` and ``channels.py`` have the operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from pytest_firehose._clock import FakeClock, reached
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.streams import KinesisStream, not_active


@dataclass(eq=False, kw_only=True)
class Attached:
    """A queue or a channel: its name and ARN, the stream it reads, and its status: CREATING
    until ``active_at``, UPDATING until ``updating_until``, DELETING from DeleteQueue or
    DeleteChannel until ``gone_at``."""

    name: str
    arn: str
    stream: KinesisStream
    active_at: datetime
    updating_until: datetime | None = None
    deleted_at: datetime | None = None
    gone_at: datetime | None = None
    #: The clock: a status change made by the latest time it showed stays made when a
    #: time freezer moves it back.
    clock: FakeClock | None = field(default=None, repr=False)

    def status(self, now: datetime) -> str:
        if self.deleted_at is not None:
            return "DELETING"
        now = reached(now, self.clock)
        if now < self.active_at:
            return "CREATING"
        if self.updating_until is not None and now < self.updating_until:
            return "UPDATING"
        return "ACTIVE"


_Item = TypeVar("_Item", bound=Attached)


class Registry(Generic[_Item]):
    """The queues (or channels) on an account's streams, by ARN, until each is gone; those
    of a deleted stream go with it. ``kind`` (``Queue``, ``Channel``) names them in the
    refusals."""

    def __init__(self, kind: str, clock: FakeClock, streams: dict[str, KinesisStream]) -> None:
        self.kind = kind
        self._clock = clock
        self._streams = streams
        #: Every one, by ARN, until ``current`` finds it gone.
        self.held: dict[str, _Item] = {}

    def current(self) -> dict[str, _Item]:
        """Every one not gone yet, by ARN."""
        now = reached(self._clock.now(), self._clock)
        for arn, item in list(self.held.items()):
            if (item.gone_at is not None and item.gone_at <= now) or self._streams.get(
                item.stream.name
            ) is not item.stream:
                del self.held[arn]
        return self.held

    def on(self, stream: KinesisStream) -> list[_Item]:
        """Those on ``stream`` not gone yet, oldest first."""
        return [item for item in self.current().values() if item.stream is stream]

    def listed(self, filters: list[dict[str, Any]] | None) -> list[_Item]:
        """Those not gone yet, by name (then ARN), on the streams a ListQueues or
        ListChannels ``StreamFilter`` names when one is given."""
        items = sorted(self.current().values(), key=lambda item: (item.name, item.arn))
        if filters:
            items = [item for item in items if _in_stream_filter(item.stream, filters)]
        return items

    def stream_name(self, arn: str) -> str | None:
        """The name of the stream the one ``arn`` names is on (``None``: there is none)."""
        item = self.current().get(arn)
        return item.stream.name if item is not None else None

    def get(self, arn: str) -> _Item:
        item = self.current().get(arn)
        if item is None:
            raise ServiceError("ResourceNotFoundException", f"{self.kind} {arn} not found.")
        return item

    def active(self, arn: str, account_id: str) -> _Item:
        """The one ``arn`` names, refused unless ACTIVE (UpdateQueue, UpdateChannel)."""
        item = self.get(arn)
        status = item.status(self._clock.now())
        if status != "ACTIVE":
            raise not_active(item.arn, account_id, status, self.kind)
        return item

    def check_none(self, stream: KinesisStream, change: str) -> None:
        """Refuse DeleteStream, or a switch to provisioned mode (``change``), on a stream
        that has any (DOC for DeleteStream; for queues, whatever EnforceConsumerDeletion
        says)."""
        held = self.on(stream)
        if held:
            noun = self.kind.lower()
            raise ServiceError(
                "ResourceInUseException",
                f"{change} can't be done on {stream.arn} because the data stream has {noun}s "
                f"({len(held)}). Delete every {noun} on it with Delete{self.kind} first.",
            )


def _in_stream_filter(stream: KinesisStream, filters: list[dict[str, Any]]) -> bool:
    """Whether a ``StreamFilter`` (of ListQueues or ListChannels) names ``stream``: its ARN,
    and its creation time to the second when given."""
    created = int(stream.created_at.timestamp())
    return any(
        f["StreamARN"] == stream.arn
        and (
            f.get("StreamCreationTimestamp") is None
            or int(f["StreamCreationTimestamp"].timestamp()) == created
        )
        for f in filters
    )
