"""What a failed invocation's error keeps, for every part that invokes a function (a
Kinesis trigger, a delivery stream's transformation): its type, message and traceback
always; the local variables of its traceback's frames, the handler's copy of its event
among them, for the latest error only (``LatestLocals``). Once a later invocation fails,
an earlier error's frames let go of theirs (``forget_locals``)."""

from __future__ import annotations

import sys
import traceback


def forget_locals(error: BaseException, outer: BaseException | None) -> None:
    """Let go of the local variables held by the frames of ``error``'s traceback, and of
    the exceptions chained to it (its cause, its context, a group's members): a handler's
    own copy of its event among them. The frames stay, so the traceback still prints with
    its files, lines and source, and ``error`` can be raised again.

    Called once the invocation is over: its frames, the handler's and the fake's, are done.
    ``outer`` is the exception being handled where the invocation was made (None when
    none was); the chain ends there, so the frames of the code that made it keep theirs."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if current is outer or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)  # skips a frame still running
        pending.extend(chained for chained in (current.__cause__, current.__context__) if chained)
        if sys.version_info >= (3, 11) and isinstance(current, BaseExceptionGroup):  # noqa: F821
            pending.extend(current.exceptions)


class LatestLocals:
    """The latest error a function's handler raised, with the exception handled where it
    was invoked: the one error whose frames keep their local variables (what a debugger,
    or pytest's ``--showlocals`` on raising it again, shows). A handler retried until its
    records expire would otherwise keep a copy of its event for each of some 10,800
    invocations."""

    __slots__ = ("_kept",)

    def __init__(self) -> None:
        self._kept: tuple[BaseException, BaseException | None] | None = None

    def keep(self, error: BaseException, outer: BaseException | None) -> None:
        """Let ``error``'s frames keep their local variables, and those of the error kept
        before it go. ``outer``: the exception being handled where the invocation was made
        (``sys.exc_info()`` there), whose frames are not the invocation's."""
        earlier, self._kept = self._kept, (error, outer)
        if earlier is not None and earlier[0] is not error:
            forget_locals(*earlier)
