"""Errors: the ones AWS sends to code under test, and the ones we raise about the test itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

#: How a message quotes a value its caller gave: ``repr`` for a Python caller (``'60'``,
#: ``True``), the local server's ``json_term`` for a client that wrote JSON (``"60"``,
#: ``true``). A message worded once with a term reads true to both.
Term: TypeAlias = Callable[[Any], str]


class ServiceError(Exception):
    """An error answer exactly as the real service sends it: code, message and HTTP status.

    ``message`` may be ``None`` (AWS sends no message for some codes, such as
    ``SerializationException`` for a body that is not JSON). ``message_key`` is the JSON key
    the message travels under: ``message`` for service errors, ``Message`` for the JSON
    front end's type-conversion errors.
    """

    def __init__(
        self,
        code: str,
        message: str | None,
        status: int = 400,
        *,
        message_key: str = "message",
    ) -> None:
        super().__init__(f"{code}: {message}" if message is not None else code)
        self.code = code
        self.message = message
        self.status = status
        self.message_key = message_key

    def __repr__(self) -> str:
        return f"ServiceError({self.code!r}, {self.message!r}, status={self.status})"


#: The most violations one ValidationException lists (the JSON front end stops at ten).
MAX_VALIDATION_ERRORS = 10


def validation_error(violations: list[str]) -> ServiceError:
    """The front end's ``ValidationException`` for ``violations``, in its wording."""
    shown = violations[:MAX_VALIDATION_ERRORS]
    noun = "error" if len(shown) == 1 else "errors"
    return ServiceError(
        "ValidationException", f"{len(shown)} validation {noun} detected: {'; '.join(shown)}"
    )


class UsageError(Exception):
    """The test, not the code under test, used pytest-firehose wrongly; the message says how
    to fix it. The failed test's traceback ends at the line that made the misuse, without
    the plugin's code that found it (pytest's ``--full-trace`` shows that too)."""

    # Named as tests import it, in tracebacks too.
    __module__ = "pytest_firehose"


class UnmockedRequestError(UsageError):
    """A botocore client tried to reach a host that nothing in the test stands in for."""

    __module__ = "pytest_firehose"


class NetworkFault(Exception):
    """A simulated network failure; the HTTP layer turns it into botocore's own exception.

    ``kind`` is ``"read-timeout"`` (the request may have reached the service),
    ``"connect-timeout"`` or ``"connection-error"`` (it never did).
    """

    KINDS = ("read-timeout", "connect-timeout", "connection-error")

    def __init__(self, kind: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown network fault {kind!r}; expected one of {self.KINDS}")
        super().__init__(kind)
        self.kind = kind


#: A message worded once, for any way of quoting the names it holds.
Worded: TypeAlias = Callable[[Term], str]


class StreamKeyError(UsageError, KeyError):
    """A handle was asked for a stream that does not exist (or not in that region): the
    ``KeyError`` of ``firehose[name]`` and ``kinesis[name]``, as a mapping's lookup would
    raise. The message lists the known streams, or the call to make instead; ``str()``
    quotes the names as Python does, ``worded(term)`` as ``term`` does (the local server's
    answers: as JSON does).

    When streams of that name are in other regions, ``regions`` lists them; when the
    world's other service has a stream of that name, ``service`` names it (``"kinesis"``
    for ``firehose[name]``). Then ``problem(term)`` is the message without the call, for
    the server to name its own fix."""

    __module__ = "pytest_firehose"

    def __init__(
        self,
        message: Worded,
        *,
        problem: Worded | None = None,
        regions: tuple[str, ...] = (),
        service: str | None = None,
    ):
        super().__init__(message(repr))
        self._message = message
        self._problem = problem or message
        self.regions = regions
        self.service = service

    def worded(self, term: Term) -> str:
        """The message, its names quoted by ``term``."""
        return self._message(term)

    def problem(self, term: Term) -> str:
        """What is wrong, without the fix, its names quoted by ``term``."""
        return self._problem(term)

    def __str__(self) -> str:
        # KeyError's own str() is the repr of its key; this one is a sentence.
        return str(self.args[0]) if self.args else ""
