"""The context object a handler receives, as the Python runtime builds it, on the fake clock.

A handler runs to completion in real time; the fake decides afterwards whether it timed
out, by the fake clock: an invocation whose handler moved the clock past its deadline (by
``clock.advance``, or by sleeping under frozen time) counts as timed out and its answer is
discarded, as Lambda discards the answer of a function it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
