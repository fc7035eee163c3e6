"""The Lambda functions a test registered, found by name or ARN as Lambda resolves them, and
one invocation of a handler with a fresh context on the fake clock.

A function is registered under its name (or unqualified ARN), which then answers for every
qualifier (``name:alias``, ``name:7``, ``$LATEST``), or under a qualified name or ARN, which
answers only for that qualifier and wins over the unqualified registration.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pytest_firehose._arns import resource_arn
from pytest_firehose._clock import FakeClock, seconds_step
from pytest_firehose._errors import UsageError
from pytest_firehose._lambda.context import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT,
    LATEST,
    RUNTIME_VARIABLES,
    Function,
    LambdaContext,
    call_handler,
    context_for,
)

#: A handler with Lambda's Python signature.
Handler = Callable[[Any, LambdaContext], Any]

#: Lambda's function names, and the qualifiers a version or alias may have (API reference,
#: Invoke's FunctionName and Qualifier).
_NAME = r"[a-zA-Z0-9_-]{1,64}"
_QUALIFIER = r"\$LATEST|[a-zA-Z0-9_-]{1,128}"
_ARN = re.compile(
    rf"arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z]{{2}}(?:-[a-z]+)+-\d):"
    rf"(?P<account>\d{{12}}):function:(?P<name>{_NAME})(?::(?P<qualifier>{_QUALIFIER}))?"
)
_PLAIN = re.compile(rf"(?P<name>{_NAME})(?::(?P<qualifier>{_QUALIFIER}))?")
#: An IAM role ARN, as CreateFunction's Role takes it (API reference, CreateFunction).
_ROLE = re.compile(r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
#: A function's timeout and memory size, as CreateFunction takes them: Timeout 1 to 900
#: seconds, MemorySize 128 to 10,240 MB (API reference, CreateFunction).
MIN_TIMEOUT, MAX_TIMEOUT = timedelta(seconds=1), timedelta(minutes=15)
MIN_MEMORY_MB, MAX_MEMORY_MB = 128, 10_240
#: A function's environment variable names (the Lambda API model's pattern), and the most
#: their JSON may take (DOC: "the total size of all environment variables doesn't exceed
#: 4 KB").
_VARIABLE_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")
MAX_ENVIRONMENT_BYTES = 4096
#: The names the runtime defines, which a function's configuration may not set (DOC: the
#: developer guide's reserved variables): those the fake sets (the ones starting with
#: ``_`` no name may take anyway), and those it leaves to the test's process.
RESERVED_VARIABLES = frozenset(RUNTIME_VARIABLES) | {
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
}
#: What a handler raising fails its invocation with: any exception, and ``SystemExit``
#: (``sys.exit()`` ends the runtime's process, docs/fidelity.md); not what stops a test
#: (``pytest.fail``, Ctrl-C).
HANDLER_FAILURES = (Exception, SystemExit)
#: Lambda's limit on a synchronous invocation's response, 100 bytes above 6 MiB (REAL:
#: "Response payload size (9706999 bytes) exceeded maximum allowed payload size (6291556
#: bytes).", Function.ResponseSizeTooLarge).
MAX_RESPONSE_BYTES = 6_291_556


@dataclass(frozen=True)
class FunctionName:
    """A function as a caller names it: where it lives, and the qualifier if any."""

    name: str
    region: str
    account_id: str
    qualifier: str | None = None

    @property
    def arn(self) -> str:
        """The ARN, qualified when the name was."""
        base = resource_arn("lambda", self.region, self.account_id, f"function:{self.name}")
        return f"{base}:{self.qualifier}" if self.qualifier else base

    @property
    def version(self) -> str:
        """The version an invocation by this name runs, as ``context.function_version`` and
        a mapping's ``executedVersion`` show it: a numeric qualifier is a published
        version; unqualified, ``$LATEST`` or an alias (whose version the fake cannot know)
        it is ``$LATEST``."""
        return self.qualifier if self.qualifier and self.qualifier.isdigit() else LATEST


def parse_function(text: str, *, region: str, account_id: str) -> FunctionName:
    """``text`` (a name, ``name:qualifier``, or a function ARN, qualified or not) as a
    :class:`FunctionName`; a bare name lives in ``region`` and ``account_id``.

    Raises ``ValueError`` naming the accepted forms."""
    if not isinstance(text, str):
        raise ValueError(
            f"a Lambda function is named by a string, not {text!r}: a function name "
            "(orders-transform), a name with a version or alias (orders-transform:live), or a "
            "function ARN (arn:aws:lambda:us-east-1:123456789012:function:orders-transform)"
        )
    if match := _ARN.fullmatch(text):
        return FunctionName(
            match["name"], match["region"], match["account"], match["qualifier"] or None
        )
    if match := _PLAIN.fullmatch(text):
        return FunctionName(match["name"], region, account_id, match["qualifier"] or None)
    raise ValueError(
        f"{text!r} names no Lambda function: use a function name (orders-transform), a "
        "name with a version or alias (orders-transform:live), or a function ARN "
        "(arn:aws:lambda:us-east-1:123456789012:function:orders-transform[:live])"
    )


def function_timeout(timeout: object, call: str) -> timedelta:
    """``timeout`` (seconds, or a timedelta) as a timedelta, refused with a
    :class:`UsageError` naming ``call`` (``"lambda_trigger"``) unless it is a timeout Lambda
    takes: 1 to 900 seconds."""
    rule = (
        f"{call}(timeout={timeout!r}): a Lambda function's timeout is 1 to 900 seconds, "
        "given as a number of seconds (timeout=3) or a timedelta"
    )
    step = seconds_step(timeout)
    if step is None or not MIN_TIMEOUT <= step <= MAX_TIMEOUT:
        raise UsageError(rule)
    return step


def check_memory(memory_mb: object, call: str) -> int:
    """``memory_mb``, refused with a :class:`UsageError` naming ``call`` unless it is a
    memory size Lambda takes: a whole number of MB from 128 to 10,240."""
    if (
        isinstance(memory_mb, bool)
        or not isinstance(memory_mb, numbers.Integral)
        or not MIN_MEMORY_MB <= int(memory_mb) <= MAX_MEMORY_MB
    ):
        raise UsageError(
            f"{call}(memory_mb={memory_mb!r}): a Lambda function's memory size is a whole "
            f"number of MB from {MIN_MEMORY_MB} to {MAX_MEMORY_MB:,} (memory_mb=512)"
        )
    return int(memory_mb)


def check_environment(environment: object, call: str) -> tuple[tuple[str, str], ...]:
    """``environment`` (``None``: none), refused with a :class:`UsageError` naming ``call``
    unless Lambda would take it as a function's environment variables: names of a letter
    and then letters, digits or underscores, none the runtime reserves (Lambda's own
    refusal quoted), text values, 4 KB of JSON at most."""
    if environment is None:
        return ()
    if not isinstance(environment, Mapping) or not all(
        isinstance(name, str) and isinstance(value, str) for name, value in environment.items()
    ):
        raise UsageError(
            f"{call}(environment=...): a Lambda function's environment variables are a dict "
            "of names to text values (environment={'TABLE': 'orders'})"
        )
    for name in environment:
        if not _VARIABLE_NAME.fullmatch(name):
            raise UsageError(
                f"{call}(environment=...): {name!r} is no Lambda environment variable name: "
                "a letter, then at least one letter, digit or underscore (TABLE_NAME)"
            )
    reserved = [name for name in environment if name in RESERVED_VARIABLES]
    if reserved:
        raise UsageError(
            f"{call}(environment=...): Lambda was unable to configure your environment "
            "variables because the environment variables you have provided contains "
            "reserved keys that are currently not supported for modification. Reserved "
            f"keys used in this request: {', '.join(reserved)} (the fake sets them while the "
            "handler runs, as the runtime does)"
        )
    measured = len(json.dumps(dict(environment), separators=(",", ":")).encode())
    if measured > MAX_ENVIRONMENT_BYTES:
        raise UsageError(
            f"{call}(environment=...): Lambda was unable to configure your environment "
            "variables because the environment variables you have provided exceeded the 4KB "
            f"limit ({measured:,} bytes of JSON)"
        )
    return tuple(environment.items())


def check_role(role: object, call: str) -> str | None:
    """``role`` (``None``: the default role), refused with a :class:`UsageError` naming
    ``call`` unless it is an IAM role ARN, as Lambda's execution role is."""
    if role is not None and (not isinstance(role, str) or _ROLE.fullmatch(role) is None):
        raise UsageError(
            f"{call}(role={role!r}): a Lambda function's execution role is an IAM role ARN, "
            "such as 'arn:aws:iam::123456789012:role/reader'"
        )
    return role


@dataclass(frozen=True)
class Registration:
    """A handler a test registered, and the function it stands for (in whatever version
    an invocation names: ``invoke``)."""

    function: Function
    handler: Handler
    qualifier: str | None


class UnregisteredFunction(LookupError):
    """No handler answers for the function a caller named; the message says how to register
    one."""


class FunctionRegistry:
    """The handlers registered in one region, by account, name and qualifier."""

    def __init__(self) -> None:
        self._registered: dict[tuple[str, str, str | None], Registration] = {}

    def register(
        self,
        name: FunctionName,
        handler: Handler,
        *,
        timeout: timedelta = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        environment: tuple[tuple[str, str], ...] = (),
    ) -> Registration:
        """Register ``handler`` for ``name`` (replacing an earlier registration of it).

        The caller has checked the handler, timeout, memory and environment
        (``firehose.lambda_function``)."""
        function = Function(
            name.name, name.region, name.account_id, timeout, memory_mb, environment=environment
        )
        registration = Registration(function, handler, name.qualifier)
        self._registered[(name.account_id, name.name, name.qualifier)] = registration
        return registration

    def resolve(self, name: FunctionName) -> Registration:
        """The registration answering for ``name``: its qualifier's own, else the
        unqualified one. Raises :class:`UnregisteredFunction` otherwise."""
        for qualifier in dict.fromkeys((name.qualifier, None)):
            found = self._registered.get((name.account_id, name.name, qualifier))
            if found is not None:
                return found
        known = sorted(
            FunctionName(r.function.name, r.function.region, r.function.account_id, r.qualifier).arn
            for r in self._registered.values()
        )
        listing = ", ".join(known) if known else "none"
        raise UnregisteredFunction(
            f"no handler is registered for the Lambda function {name.arn}. Register the "
            f"Python function that stands for it before records reach it: "
            f"firehose.lambda_function({name.arn!r}, handler) (handler(event, context) as in "
            f"Lambda). Registered in {name.region}: {listing}."
        )


@dataclass
class Invocation:
    """One invocation of a handler: the event it got, and what came of it.

    ``answer`` is what the handler returned as Lambda's response carries it: written as
    JSON by the Python runtime and read back (a tuple is a list, a key text, a ``Decimal``
    a number); the very object when that failed. ``error`` is the exception it raised
    (None when it returned). ``timed_out``: the handler moved the fake clock past its
    deadline, so Lambda stopped it and its answer was lost. ``started_at``/``ended_at`` are
    fake time.
    """

    function_arn: str
    request_id: str
    event: dict[str, Any]
    started_at: datetime
    ended_at: datetime | None = None
    answer: Any = None
    error: BaseException | None = None
    timed_out: bool = False
    #: The Lambda error type when the invocation failed (``Unhandled`` for an exception or
    #: timeout, as Invoke's ``X-Amz-Function-Error`` reports it), else None.
    function_error: str | None = field(default=None)

    @property
    def failed(self) -> bool:
        return self.function_error is not None


def _runtime_default(value: object) -> object:
    """What the Python runtime writes for a value ``json`` cannot: a ``Decimal`` (what
    boto3's DynamoDB resource reads numbers as) as a number; anything else fails, as
    ``Runtime.MarshalError``."""
    if isinstance(value, decimal.Decimal) and value.is_finite():
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def as_received(event: dict[str, Any]) -> Any:
    """``event`` as a handler receives it: the JSON Lambda sent, read by the runtime into
    the handler's own objects (what it changes in place stays its own)."""
    return json.loads(json.dumps(event))


def response_of(answer: Any) -> Any:
    """A handler's answer as Lambda's response carries it: written as JSON by the Python
    runtime, within Lambda's response limit, and read back (a tuple is a list, a key text,
    a ``Decimal`` a number). Raises ``TypeError`` or ``ValueError`` where the invocation
    fails instead (``Runtime.MarshalError``, a response too large)."""
    text = json.dumps(answer, default=_runtime_default)
    size = len(text.encode())
    if size > MAX_RESPONSE_BYTES:
        raise ValueError(
            f"Response payload size ({size} bytes) exceeded maximum allowed payload "
            f"size ({MAX_RESPONSE_BYTES} bytes)."
        )
    return json.loads(text)


def invoke(
    registration: Registration,
    event: dict[str, Any],
    clock: FakeClock,
    request_id: str,
    invoked: FunctionName,
    *,
    limit: timedelta | None = None,
    at: datetime | None = None,
) -> Invocation:
    """Run the handler once with ``event`` and a fresh context, as Lambda's synchronous
    invocation of the function by the name ``invoked`` does (its ARN and version are the
    context's). ``at``: the instant the invocation starts, when the work that invokes it
    fell due before the clock's present (a clock moved past it in one jump); the
    invocation is logged as starting then, and as taking the fake time its handler took.

    The handler runs to completion in real time; it timed out if it left the fake clock at
    or past its deadline (the function's timeout, or ``limit`` when the caller stops
    waiting sooner). Its answer is read as Lambda's response carries it (``response_of``);
    where that fails, so did the invocation."""
    function = dataclasses.replace(registration.function, version=invoked.version)
    context = context_for(function, clock, request_id, invoked_arn=invoked.arn)
    if limit is not None and context.deadline - clock.now() > limit:
        context.deadline = clock.now() + limit
    before = clock.now()
    invocation = Invocation(invoked.arn, request_id, event, before if at is None else at)
    try:
        answer = call_handler(registration.handler, as_received(event), context, function)
    except HANDLER_FAILURES as error:  # Lambda reports whatever the handler raised
        invocation.error = error
        invocation.function_error = "Unhandled"
    else:
        invocation.answer = answer
        try:
            invocation.answer = response_of(answer)
        except (TypeError, ValueError) as error:  # Runtime.MarshalError, or too large
            invocation.error = error
            invocation.function_error = "Unhandled"
    invocation.ended_at = invocation.started_at + (clock.now() - before)
    if context.timed_out:
        invocation.timed_out = True
        invocation.function_error = "Unhandled"
        invocation.answer = None
    return invocation
