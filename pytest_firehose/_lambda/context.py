"""The context object a handler receives, as the Python runtime builds it, on the fake clock.

A handler runs to completion in real time; the fake decides afterwards whether it timed
out, by the fake clock: an invocation whose handler moved the clock past its deadline (by
``clock.advance``, or by sleeping under frozen time) counts as timed out and its answer is
discarded, as Lambda discards the answer of a function it stopped.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pytest_firehose._arns import resource_arn
from pytest_firehose._clock import FakeClock

#: Lambda's default function timeout and memory size (CreateFunction's defaults).
DEFAULT_TIMEOUT = timedelta(seconds=3)
DEFAULT_MEMORY_MB = 128
#: What ``function_version`` reads when the function is invoked unqualified or by an alias
#: of ``$LATEST``.
LATEST = "$LATEST"


@dataclass(frozen=True)
class Function:
    """A Lambda function as the fake knows it: its name, where it lives, and its limits."""

    name: str
    region: str
    account_id: str
    timeout: timedelta = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    version: str = LATEST
    #: The function's own environment variables (its configuration's ``Environment``).
    environment: tuple[tuple[str, str], ...] = ()

    @property
    def arn(self) -> str:
        """The unqualified function ARN."""
        return resource_arn("lambda", self.region, self.account_id, f"function:{self.name}")


@dataclass(frozen=True)
class CognitoIdentity:
    """``context.identity``: the runtime hands one to every invocation, its ids ``None``
    when no Amazon Cognito identity authorized it (as for a stream's or a delivery
    stream's)."""

    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


@dataclass
class LambdaContext:
    """What ``context`` is inside a handler: the Python runtime's attribute names, with the
    remaining time read off the fake clock.

    ``memory_limit_in_mb`` is a string, as the Python runtime sets it (from
    ``AWS_LAMBDA_FUNCTION_MEMORY_SIZE``); ``client_context`` and ``tenant_id`` are ``None``
    (no mobile client, no tenant isolation)."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: datetime = field(repr=False)
    clock: FakeClock = field(repr=False)
    identity: CognitoIdentity = field(default_factory=CognitoIdentity)
    client_context: object = None
    tenant_id: str | None = None

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the function's timeout, by the fake clock; 0 once it passed."""
        left = self.deadline - self.clock.now()
        return max(0, int(left / timedelta(milliseconds=1)))

    @property
    def timed_out(self) -> bool:
        """Whether the fake clock has reached the deadline (the invocation ran too long)."""
        return self.clock.now() >= self.deadline


def context_for(
    function: Function,
    clock: FakeClock,
    request_id: str,
    *,
    invoked_arn: str | None = None,
) -> LambdaContext:
    """A fresh context for one invocation of ``function``, starting now on ``clock``.

    ``invoked_arn`` is the ARN the caller used (with a version or alias qualifier), as
    ``invoked_function_arn`` shows it; by default the unqualified ARN."""
    started = clock.now()
    day = started.strftime("%Y/%m/%d")
    return LambdaContext(
        function_name=function.name,
        function_version=function.version,
        invoked_function_arn=invoked_arn or function.arn,
        memory_limit_in_mb=str(function.memory_mb),
        aws_request_id=request_id,
        log_group_name=f"/aws/lambda/{function.name}",
        log_stream_name=f"{day}/[{function.version}]{request_id.replace('-', '')}",
        deadline=started + function.timeout,
        clock=clock,
    )


#: The environment variables the Lambda runtime defines that ``call_handler`` sets (the
#: developer guide's "Defined runtime environment variables"). Left out, as the test's own
#: process needs them: the execution role's keys (``AWS_ACCESS_KEY_ID`` ...), the runtime
#: API's address, ``LAMBDA_TASK_ROOT``, ``LAMBDA_RUNTIME_DIR`` and ``TZ``.
RUNTIME_VARIABLES = (
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
)


def runtime_variables(
    function: Function, context: LambdaContext, handler: Callable[..., Any]
) -> dict[str, str]:
    """What the runtime's environment holds while ``handler`` runs as ``function`` with
    ``context``: the function's own variables, and those the runtime defines. The trace
    header is the one Lambda passes when active tracing is off (``Sampled=0``): a root id
    of the invocation's time and 24 hex digits, and a parent id, both from its request id."""
    digits = context.aws_request_id.replace("-", "")
    started = int(context.clock.now().timestamp())
    module = getattr(handler, "__module__", None) or "lambda_function"
    name = getattr(handler, "__name__", None) or type(handler).__name__
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {
        **dict(function.environment),
        "_HANDLER": f"{module}.{name}",
        "_X_AMZN_TRACE_ID": f"Root=1-{started:08x}-{digits[:24]};Parent={digits[16:]};Sampled=0",
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{python}",
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": context.function_version,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": context.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": context.log_stream_name,
    }


class _Environment:
    """``os.environ`` while handlers run: each sets its function's and the runtime's
    variables; when one returns, those of the handlers still running are set again, the
    last to start winning (a handler run inside another, in the same thread, gives the
    outer one's back), and when the last returns, the variables are what they were before
    the first began. Handlers that overlap in other threads share the one process
    environment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: list[dict[str, str]] = []
        self._before: dict[str, str | None] = {}

    def call(self, values: dict[str, str], run: Callable[..., Any], *arguments: Any) -> Any:
        with self._lock:
            if not self._running:
                self._before = {}
            for name in values:  # as the test had it, unless a running handler set it
                self._before.setdefault(name, os.environ.get(name))
            self._running.append(values)
            os.environ.update(values)
        try:
            return run(*arguments)
        finally:
            with self._lock:
                running = self._running
                del running[next(i for i, entry in enumerate(running) if entry is values)]
                # Each variable set once to what it ends as: one unset and set again would
                # be missing, meanwhile, for a handler still running in another thread.
                after: dict[str, str | None] = dict(self._before)
                for entry in running:
                    after.update(entry)
                _restore(after)


def _restore(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


_ENVIRONMENT = _Environment()


def call_handler(
    handler: Callable[[Any, Any], Any], event: Any, context: LambdaContext, function: Function
) -> Any:
    """``handler(event, context)`` with the runtime's environment variables set for
    ``function`` (``runtime_variables``) while it runs, as the Lambda runtime defines them."""
    values = runtime_variables(function, context, handler)
    # No closure over the event: a frame's function outlives its cleared locals.
    return _ENVIRONMENT.call(values, handler, event, context)
