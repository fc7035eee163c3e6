"""The context a Lambda handler receives: the Python runtime's names, time on the fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from lambda_support import put

from pytest_firehose import FirehoseFake
from pytest_firehose._clock import FakeClock
from pytest_firehose._lambda.context import Function, LambdaContext, context_for

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _context(
    timeout: timedelta = timedelta(seconds=3), memory_mb: int = 128
) -> tuple[FakeClock, LambdaContext]:
    clock = FakeClock(START)
    fn = Function(
        name="orders",
        region="eu-west-1",
        account_id="123456789012",
        timeout=timeout,
        memory_mb=memory_mb,
    )
    return clock, context_for(fn, clock, "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")


def test_the_context_carries_the_runtimes_names_and_values() -> None:
    _, context = _context(memory_mb=512)
    assert context.function_name == "orders"
    assert context.function_version == "$LATEST"
    assert context.invoked_function_arn == ("arn:aws:lambda:eu-west-1:123456789012:function:orders")
    assert context.memory_limit_in_mb == "512"
    assert context.log_group_name == "/aws/lambda/orders"
    assert context.log_stream_name == ("2026/03/01/[$LATEST]0f1e2d3c4b5a49788695a4b3c2d1e0f9")


def test_remaining_time_follows_the_fake_clock_and_stops_at_zero() -> None:
    clock, context = _context(timeout=timedelta(seconds=60))
    assert context.get_remaining_time_in_millis() == 60_000
    clock.advance(seconds=59.5)
    assert context.get_remaining_time_in_millis() == 500
    assert not context.timed_out
    clock.advance(seconds=1)
    assert context.get_remaining_time_in_millis() == 0
    assert context.timed_out


def test_a_handler_reads_the_runtimes_unset_identity_and_tenant(fake: FirehoseFake) -> None:
    # The Python runtime always hands an identity, whose ids are None when no Cognito
    # identity authorized the call, and a tenant_id of None outside tenant isolation: a
    # handler that logs them runs as on Lambda instead of failing with AttributeError.
    stream = fake.kinesis.create_stream("s")
    seen: list[tuple[Any, ...]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        identity = context.identity
        seen.append((identity.cognito_identity_id, identity.cognito_identity_pool_id))
        seen.append((context.client_context, context.tenant_id))

    trigger = stream.lambda_trigger(handler)
    put(b"o-1")
    trigger.drain()

    assert [invocation.error for invocation in trigger.invocations] == [None]
    assert seen == [(None, None), (None, None)]
