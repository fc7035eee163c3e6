"""Tumbling windows of a Kinesis event source mapping: which window a record falls in, the
state carried from one invocation to the next, and the fields a window adds to the event.

Facts (DOC, Lambda developer guide, "Using AWS Lambda with Amazon Kinesis", time windows):
a record belongs to the window its approximate arrival time falls in; the event adds
``window`` (``start``, ``end``), ``state`` (what the previous invocation of the window
returned; ``{}`` at first), ``shardId``, ``eventSourceARN``, ``isFinalInvokeForWindow`` and
``isWindowTerminatedEarly``; an answer without ``state`` is a failed invocation; when the
window ends the function is invoked once more with ``isFinalInvokeForWindow`` true, and the
state is dropped after it succeeds; a state over 1 MB ends the window early.

Choices (INFERRED, docs/fidelity.md): windows are aligned on the epoch (the guide's sample
window of 120 seconds runs 07:04:00 to 07:06:00); the final invocation carries no records
and falls due at the window's end (or at once when a record of a later window is read);
after an early end the rest of the window's records start a fresh state. A window also
ends early when the mapping's TumblingWindowInSeconds changes. Windows need a shard read in
one lane (the state is the shard's): with a ParallelizationFactor above 1 they are refused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

#: The most state a window carries (DOC: 1 MB per shard).
MAX_STATE_BYTES = 1024 * 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Arrival(Protocol):
    """A record as windows see it: when it arrived."""

    arrived_at: datetime


def window_start(moment: datetime, length: timedelta) -> datetime:
    """The start of the window of ``length`` that ``moment`` falls in."""
    return _EPOCH + ((moment - _EPOCH) // length) * length


def _iso_seconds(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Window:
    """An open window of one shard and the state its invocations returned."""

    start: datetime
    length: timedelta
    state: Any = field(default_factory=dict)
    terminated_early: bool = False

    @property
    def end(self) -> datetime:
        return self.start + self.length

    def event_fields(self, shard_id: str, stream_arn: str, *, final: bool) -> dict[str, Any]:
        """What the window adds to an invocation's event."""
        return {
            "window": {"start": _iso_seconds(self.start), "end": _iso_seconds(self.end)},
            "state": self.state,
            "shardId": shard_id,
            "eventSourceARN": stream_arn,
            "isFinalInvokeForWindow": final,
            "isWindowTerminatedEarly": final and self.terminated_early,
        }

    def ended_by(self, held: Sequence[Arrival]) -> bool:
        """Whether the window is over as far as the mapping can tell, with ``held`` the
        records left to read: none (it ends at its end time), one of a later window, or a
        state grown too big."""
        return not held or held[0].arrived_at >= self.end or self.terminated_early

    def final_due(self, held: Sequence[Arrival]) -> datetime | None:
        """When the final invocation falls due: at once if a later record or the state's
        size ended the window, else at the window's end."""
        if self.terminated_early or (held and held[0].arrived_at >= self.end):
            return None
        return self.end

    def keep(self, answer: Any) -> None:
        """Take the state a successful invocation returned."""
        self.state = answer["state"]
        if len(json.dumps(self.state).encode()) > MAX_STATE_BYTES:
            self.terminated_early = True


def answered_state(answer: Any) -> bool:
    """Whether the answer carries the ``state`` a windowed invocation must return."""
    return isinstance(answer, dict) and "state" in answer
