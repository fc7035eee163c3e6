"""What the Firehose and Kinesis models share: running an operation by name (the batch put
apart), the answer that says which records failed, the not-found error, tag paging and the
count of calls a rate quota allows in each second of the fake clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._ids import IdSource


@dataclass(slots=True)
class Answer:
    """What an operation gives back: the answer's body, the positions of the records a
    batch put failed inside it (scripted, or refused by a quota), in order, and whether it
    left the stream's next due instant where it was (``due_kept``: a Firehose put that only
    joined a waiting buffer, a Kinesis put to a stream already holding older records), so
    the world need not ask the stream again."""

    body: dict[str, Any]
    failed: tuple[int, ...] = ()
    due_kept: bool = False


#: An operation's handler: its parameters in, the answer's body (or the whole answer) out.
Handler = Callable[[dict[str, Any]], "dict[str, Any] | Answer"]


class ServiceBase:
    """One service in one account and region, as far as both services work alike.

    A model names its batch put and implements it in ``put_batch``; every other operation
    it answers is in ``_operations`` (operation name -> handler). ``resource`` is what
    its not-found message calls a stream.
    """

    batch_put: ClassVar[str]
    resource: ClassVar[str]
    _operations: dict[str, Handler]

    def __init__(
        self,
        *,
        account_id: str,
        region: str,
        clock: FakeClock,
        ids: IdSource,
        creation_delay: timedelta = timedelta(0),
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.clock = clock
        self.ids = ids
        #: How long a new stream stays CREATING on the fake clock.
        self.creation_delay = creation_delay

    def dispatch(
        self,
        operation: str,
        params: dict[str, Any],
        record_failures: Mapping[int, str] | None = None,
    ) -> Answer:
        """Run ``operation``. ``record_failures`` (0-based index -> ErrorCode) applies to
        the batch put: those records fail inside its 200 answer and are not stored."""
        if operation == self.batch_put:
            return self.put_batch(params, record_failures or {})
        handler = self._operations.get(operation)
        if handler is None:
            raise ServiceError("UnknownOperationException", None)
        answered = handler(params)
        return answered if isinstance(answered, Answer) else Answer(answered)

    @property
    def operations(self) -> list[str]:
        """The operations this model answers, in name order."""
        return sorted([*self._operations, self.batch_put])

    def put_batch(self, params: dict[str, Any], failures: Mapping[int, str]) -> Answer:
        """The batch put, failing the records ``failures`` names."""
        raise NotImplementedError

    def _not_found(self, name: str) -> ServiceError:
        return ServiceError(
            "ResourceNotFoundException",
            f"{self.resource} {name} under account {self.account_id} not found.",
        )

    def _already_exists(self, name: str) -> ServiceError:
        return ServiceError(
            "ResourceInUseException",
            f"{self.resource} {name} under account {self.account_id} already exists.",
        )


def tag_page(tags: Mapping[str, str], params: dict[str, Any]) -> dict[str, Any]:
    """One page of a stream's tags in key order, as both ListTags operations answer: at
    most ``Limit`` (50 by default), after ``ExclusiveStartTagKey``."""
    limit = params.get("Limit", 50)
    after = params.get("ExclusiveStartTagKey")
    keys = sorted(key for key in tags if after is None or key > after)
    return {
        "Tags": [{"Key": key, "Value": tags[key]} for key in keys[:limit]],
        "HasMoreTags": len(keys) > limit,
    }


class CallRates:
    """Calls counted under a key in each second of the fake clock, as a rate quota counts
    them: the count starts again at each new second, and a call refused for want of room
    is not counted."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        #: key -> (epoch second, calls counted in it).
        self._counts: dict[tuple[str, ...], tuple[int, int]] = {}

    def take(self, key: tuple[str, ...], limit: int, now: datetime) -> bool:
        """Count one call under ``key`` if the second ``now`` falls in has room for it."""
        second = int(now.timestamp())
        start, calls = self._counts.get(key, (second, 0))
        if start != second:
            calls = 0
        if calls >= limit:
            return False
        self._counts[key] = (second, calls + 1)
        return True
