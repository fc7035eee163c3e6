"""ListShards: the shards of a stream, their filters (which read the lineage a reshard
leaves) and paging. A mixin of ``KinesisService``.

Facts used here: a NextToken is refused beside StreamName (REAL: botocore#2009), StreamARN
(REAL: aws-cli#9635), ShardFilter (REAL: amazon-kinesis-client#788), ExclusiveStartShardId
or StreamCreationTimestamp (DOC); ListShards with neither a stream
nor a token answers kinesalite's AWS-validated text; a stream that is neither ACTIVE nor
UPDATING is refused with ``ResourceInUseException`` ``Stream NAME under account ACCOUNT
not ACTIVE or UPDATING, instead in state CREATING`` (REAL: aws/aws-sdk-java-v2#5949; the
Kinesis Client Library and Producer wait on this refusal; DELETING, the one other state,
is taken to be refused alike); the ShardFilter types mean what the
API reference says; a NextToken expires after 300 seconds (DOC) with
``ExpiredNextTokenException``; an answer lists at most 1,000 shards, whatever MaxResults
says (DOC).
Choices (INFERRED; docs/kinesis.md lists them): a missing or misplaced ShardId or
Timestamp is refused with ``InvalidArgumentException`` (texts chosen); the refusals of a
NextToken beside another member name it in StreamName's captured words; the trim horizon
of a stream younger than its retention period is its creation, where the shards it was
created with begin (so a reshard in the same instant of fake time does not hide them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.shards import Shard
from pytest_firehose._services.kinesis.streams import KinesisStream, not_active
from pytest_firehose._services.kinesis.tokens import (
    check_fresh,
    next_token,
    read_token,
    refuse_beside_token,
    token_moment,
)

#: What a NextToken cannot come with: it names the stream, the filter and where to go on
#: (REAL for StreamName, botocore#2009, StreamARN, aws-cli#9635, and ShardFilter, what the
#: Kinesis Client Library met, amazon-kinesis-client#788, 2021; DOC for the others, the API
#: reference's ``NextToken``, ``ExclusiveStartShardId`` and ``StreamCreationTimestamp``).
_NOT_WITH_TOKEN = (
    "StreamName",
    "StreamARN",
    "ShardFilter",
    "ExclusiveStartShardId",
    "StreamCreationTimestamp",
)
#: The most shards one answer lists, and the default: a larger ``MaxResults`` still gets at
#: most this many (DOC, the API reference's ``MaxResults``).
LIST_SHARDS_PAGE = 1000
#: ListShards' filter types that take a ShardId, and those that take a Timestamp.
_WITH_SHARD_ID = ("AFTER_SHARD_ID",)
_WITH_TIMESTAMP = ("AT_TIMESTAMP", "FROM_TIMESTAMP")


class ShardListing:
    """ListShards, for ``KinesisService``."""

    clock: FakeClock
    account_id: str
    _stream: Callable[[dict[str, Any]], KinesisStream]

    def list_shards(self, params: dict[str, Any]) -> dict[str, Any]:
        """A NextToken names the stream, where to go on and the filter, and AWS refuses it
        beside StreamName, StreamARN, ShardFilter or ExclusiveStartShardId (REAL:
        botocore#2009 - so botocore's own list_shards paginator fails past the first page,
        there as here)."""
        refuse_beside_token(params, _NOT_WITH_TOKEN)
        token = params.get("NextToken")
        if token:
            name, last, kind_text, shard_text, moment, issued = read_token(token, 6)
            check_fresh(issued, self.clock.now())
            after: str | None = last
            kind: str | None = kind_text or None
            shard_id: str | None = shard_text or None
            stream = self._stream({"StreamName": name})
            timestamp = token_moment(moment)
            chosen = self._filtered(stream, kind, shard_id, timestamp)
        else:
            if not (params.get("StreamName") or params.get("StreamARN")):
                # REAL (kinesalite's AWS-validated listShards tests); no later capture
                # shows it reworded for StreamARN, so it names the two it named then.
                raise ServiceError(
                    "InvalidArgumentException",
                    "Either NextToken or StreamName should be provided.",
                )
            stream = self._stream(params)
            after = params.get("ExclusiveStartShardId")
            shard_filter = params.get("ShardFilter") or {}
            kind = shard_filter.get("Type")
            shard_id = shard_filter.get("ShardId")
            timestamp = shard_filter.get("Timestamp")
            moment = timestamp.isoformat() if timestamp is not None else ""
            chosen = self._filtered(stream, kind, shard_id, timestamp)
        if stream.status not in ("ACTIVE", "UPDATING"):
            raise not_active(
                stream.name, self.account_id, stream.status, wanted="ACTIVE or UPDATING"
            )
        shards = [s for s in chosen if after is None or s.shard_id > after]
        limit = min(params.get("MaxResults", LIST_SHARDS_PAGE), LIST_SHARDS_PAGE)
        answer: dict[str, Any] = {"Shards": [shard.describe() for shard in shards[:limit]]}
        if len(shards) > limit:
            answer["NextToken"] = next_token(
                stream.name,
                shards[limit - 1].shard_id,
                kind or "",
                shard_id or "",
                moment,
                self.clock.now().isoformat(),
            )
        return answer

    def _filtered(
        self,
        stream: KinesisStream,
        kind: str | None,
        shard_id: str | None,
        timestamp: datetime | None,
    ) -> list[Shard]:
        """The shards ShardFilter ``kind`` shows (the API reference's definitions); an
        unlisted shard (closed longer than the retention period) shows under none."""
        self._filter_arguments(kind, shard_id, timestamp)
        now = self.clock.now()
        listed = stream.listed(now)
        horizon = max(now - timedelta(hours=stream.retention_hours), stream.created_at)
        if kind == "AFTER_SHARD_ID":
            return [s for s in listed if shard_id is None or s.shard_id > shard_id]
        if kind == "AT_LATEST":
            return [s for s in listed if s.is_open]
        if kind == "AT_TRIM_HORIZON":
            if horizon == stream.created_at:  # nothing trimmed: where its first shards begin
                return [s for s in listed if s.parent_shard_id is None]
            return [s for s in listed if _open_at(s, horizon, closed_after=True)]
        if kind == "AT_TIMESTAMP" and timestamp is not None:
            return [s for s in listed if _open_at(s, timestamp, closed_after=False)]
        if kind == "FROM_TIMESTAMP" and timestamp is not None:
            since = max(timestamp, horizon)
            return [s for s in listed if s.closed_at is None or s.closed_at >= since]
        return listed  # FROM_TRIM_HORIZON, the default

    @staticmethod
    def _filter_arguments(
        kind: str | None, shard_id: str | None, timestamp: datetime | None
    ) -> None:
        """ShardId goes with AFTER_SHARD_ID only, Timestamp with the two timestamp types
        only (the API reference); the refusals' wording is INFERRED."""
        if kind is None:
            return
        if kind in _WITH_SHARD_ID and shard_id is None:
            raise ServiceError(
                "InvalidArgumentException", f"ShardId must be provided for ShardFilter type {kind}."
            )
        if kind not in _WITH_SHARD_ID and shard_id is not None:
            raise ServiceError(
                "InvalidArgumentException",
                f"ShardId can only be provided for ShardFilter type AFTER_SHARD_ID, not {kind}.",
            )
        if kind in _WITH_TIMESTAMP and timestamp is None:
            raise ServiceError(
                "InvalidArgumentException",
                f"Timestamp must be provided for ShardFilter type {kind}.",
            )
        if kind not in _WITH_TIMESTAMP and timestamp is not None:
            raise ServiceError(
                "InvalidArgumentException",
                "Timestamp can only be provided for ShardFilter types AT_TIMESTAMP and "
                f"FROM_TIMESTAMP, not {kind}.",
            )


def _open_at(shard: Shard, moment: datetime, *, closed_after: bool) -> bool:
    """Whether ``shard`` was open at ``moment``: opened by then, and not closed before it
    (``closed_after``: closed strictly after it)."""
    opened = shard.opened_at is not None and shard.opened_at <= moment
    if shard.closed_at is None:
        return opened
    still = shard.closed_at > moment if closed_after else shard.closed_at >= moment
    return opened and still
