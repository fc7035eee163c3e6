"""``put_log_events``, shared by the handles of delivery streams and Kinesis streams: both
are destinations of CloudWatch Logs subscription filters, which send them the same record.
Only how the stream takes it differs (``_take_log_record``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Generic, TypeVar

from pytest_firehose._destinations.cloudwatch_logs import log_events_record
from pytest_firehose._errors import UsageError
from pytest_firehose._terms import terms

if TYPE_CHECKING:
    from pytest_firehose._engine.world import World
    from pytest_firehose._services.base import ServiceBase

Taken = TypeVar("Taken")

#: The names CloudWatch Logs takes (DOC: its API model's LogGroupName, LogStreamName and
#: FilterName): what each is called, the characters it takes besides letters and digits
#: (or those it takes all but), and the pattern of 1 to 512 characters it must match.
_NAMES = {
    "log_group": ("log group name", "_-./#", re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")),
    "log_stream": ("log stream name", ":*", re.compile(r"[^:*]{1,512}")),
    "subscription_filter": ("subscription filter name", ":*", re.compile(r"[^:*]{1,512}")),
}


def _check_names(**names: object) -> None:
    """Refuse a name CloudWatch Logs would not take: no subscription sends it."""
    said = terms()
    for name, value in names.items():
        what, characters, pattern = _NAMES[name]
        if isinstance(value, str) and not pattern.fullmatch(value):
            quoted = [said.value(character) for character in characters]
            if name == "log_group":
                takes = f"1 to 512 letters, digits, {', '.join(quoted)}"
            else:
                takes = f"1 to 512 characters but {' and '.join(quoted)}"
            raise UsageError(
                f"{said.call('put_log_events')}: {said.name(name)} must be a CloudWatch Logs "
                f"{what} ({takes}), not {said.value(value)}"
            )


class LogEventsInput(Generic[Taken]):
    """A stream handle's ``put_log_events``."""

    _world: World
    _live: Callable[[str], None]

    def _log_service(self) -> ServiceBase:
        """The service model the stream lives in."""
        raise NotImplementedError

    def _take_log_record(self, record: bytes, log_stream: str) -> Taken:
        """Put ``record``, sent for log stream ``log_stream``, as CloudWatch Logs puts it."""
        raise NotImplementedError

    def put_log_events(
        self,
        messages: Iterable[str],
        *,
        log_group: str = "/test/log-group",
        log_stream: str = "test-log-stream",
        subscription_filter: str = "test-filter",
    ) -> Taken:
        """Put ``messages`` as one batch of log events a CloudWatch Logs subscription
        filter sends to the stream: one record, the gzip of the ``DATA_MESSAGE`` JSON
        (``owner`` the stream's account, each event's ``timestamp`` the fake clock's now).
        Returns what the stream took: a delivery stream's record as bytes (as the error
        output would hold it), a Kinesis stream's record (its partition key the log
        stream's name)."""
        _check_names(
            log_group=log_group, log_stream=log_stream, subscription_filter=subscription_filter
        )
        with self._world.touched():
            self._live("stream to put to")
            service = self._log_service()
            record = log_events_record(
                messages,
                owner=service.account_id,
                log_group=log_group,
                log_stream=log_stream,
                subscription_filter=subscription_filter,
                at=service.clock.now(),
                ids=service.ids,
            )
            return self._take_log_record(record, log_stream)
