"""The context a Lambda handler receives: the Python runtime's names, time on the fake clock."""

from __future__ import annotations

import base64
import os
import re
import sys
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from lambda_support import put
from test_lambda_transform import answer_each, transforming

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._clock import FakeClock
from pytest_firehose._lambda.context import (
    RUNTIME_VARIABLES,
    Function,
    LambdaContext,
    _Environment,
    context_for,
)

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


def _environment_seen(seen: list[dict[str, str | None]], context: Any) -> None:
    """Note what the runtime's variables hold while a handler runs, and the context's."""
    values = {name: os.environ.get(name) for name in RUNTIME_VARIABLES}
    values["context"] = f"{context.function_name} {context.log_stream_name}"
    seen.append(values)


PYTHON = f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}"
TRACE = re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0")


def test_a_triggers_handler_runs_with_the_runtimes_environment_variables(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A handler that reads os.environ["AWS_REGION"] or the function's name, as handlers on
    # Lambda do, finds them; the test's own values are back once the handler returned.
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    stream = fake.kinesis.create_stream("s")
    seen: list[dict[str, str | None]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        _environment_seen(seen, context)
        client = boto3.client("kinesis", region_name=os.environ["AWS_REGION"])
        assert client.describe_stream_summary(StreamName="s")

    trigger = stream.lambda_trigger(handler, memory_mb=256, FunctionName="orders")
    put(b"o-1")
    trigger.drain()
    put(b"o-2")
    trigger.drain()

    assert [invocation.error for invocation in trigger.invocations] == [None, None]
    first, second = seen
    name, log_stream = str(first.pop("context")).split(" ")
    assert first == {
        "_HANDLER": "test_lambda_context.handler",
        "_X_AMZN_TRACE_ID": first["_X_AMZN_TRACE_ID"],
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": PYTHON,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/orders",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
    }
    assert name == "orders"
    assert TRACE.fullmatch(str(first["_X_AMZN_TRACE_ID"]))
    # Each invocation has a trace of its own.
    assert second["_X_AMZN_TRACE_ID"] != first["_X_AMZN_TRACE_ID"]
    assert os.environ["AWS_REGION"] == "eu-central-1"
    assert "AWS_LAMBDA_FUNCTION_NAME" not in os.environ
    assert "_X_AMZN_TRACE_ID" not in os.environ


def _keeping_after(note: Any) -> Any:
    """A Firehose processor's handler that calls ``note(event, context)``, then answers
    every record ``Ok`` as it came."""

    def keep(data: bytes) -> dict[str, Any]:
        return {"result": "Ok", "data": base64.b64encode(data).decode()}

    handler = answer_each(keep)

    def transform(event: dict[str, Any], context: Any) -> Any:
        note(event, context)
        return handler(event, context)

    return transform


def _transform_one(fake: FirehoseFake, payload: bytes) -> None:
    """Put ``payload`` to a delivery stream "events" whose processor is "orders-transform",
    and see it delivered."""
    stream = transforming(fake)
    boto3.client("firehose", region_name="us-east-1").put_record(
        DeliveryStreamName="events", Record={"Data": payload}
    )
    stream.assert_delivered([payload])


def test_a_processors_handler_runs_with_the_runtimes_environment_variables(
    fake: FirehoseFake,
) -> None:
    seen: list[dict[str, str | None]] = []

    def note(event: dict[str, Any], context: Any) -> None:
        _environment_seen(seen, context)

    fake.firehose.lambda_function("orders-transform", _keeping_after(note), memory_mb=512)
    _transform_one(fake, b"o-1")

    [values] = seen
    assert values["AWS_LAMBDA_FUNCTION_NAME"] == "orders-transform"
    assert values["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert values["_HANDLER"] == "test_lambda_context.transform"
    assert values["AWS_LAMBDA_LOG_STREAM_NAME"] == str(values["context"]).split(" ")[1]
    assert TRACE.fullmatch(str(values["_X_AMZN_TRACE_ID"]))
    assert "AWS_LAMBDA_FUNCTION_NAME" not in os.environ


def test_a_handler_run_inside_another_gets_the_outer_ones_variables_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "the-tests-own")
    environment = _Environment()
    seen: list[str] = []

    def note() -> None:
        seen.append(os.environ["AWS_LAMBDA_FUNCTION_NAME"])

    def outer() -> None:
        note()
        environment.call({"AWS_LAMBDA_FUNCTION_NAME": "inner"}, note)
        note()

    environment.call({"AWS_LAMBDA_FUNCTION_NAME": "outer"}, outer)

    assert seen == ["outer", "inner", "outer"]
    assert os.environ["AWS_LAMBDA_FUNCTION_NAME"] == "the-tests-own"


def test_overlapping_handlers_leave_the_variables_as_they_were_before_the_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first to start returns first: the second still runs, with its own variables;
    # when it returns, the test's values are back, not the first handler's.
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    environment = _Environment()
    first_running, second_started, first_done = (threading.Event() for _ in range(3))
    seen: list[str | None] = []

    def first() -> None:
        first_running.set()
        second_started.wait(10)

    def second() -> None:
        second_started.set()
        first_done.wait(10)
        seen.append(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))

    thread = threading.Thread(
        target=environment.call, args=({"AWS_LAMBDA_FUNCTION_NAME": "first"}, first)
    )
    thread.start()
    first_running.wait(10)
    worker = threading.Thread(
        target=environment.call, args=({"AWS_LAMBDA_FUNCTION_NAME": "second"}, second)
    )
    worker.start()
    thread.join(10)
    first_done.set()
    worker.join(10)

    assert seen == ["second"]
    assert "AWS_LAMBDA_FUNCTION_NAME" not in os.environ


def test_a_handler_returning_never_unsets_the_variables_of_one_still_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Handlers overlapping in other threads share the process environment: when one
    # returns, the variables of one still running stay set throughout (were they unset and
    # set again, a handler reading os.environ["AWS_REGION"] meanwhile failed with KeyError).
    monkeypatch.delenv("AWS_REGION", raising=False)
    unset: list[str] = []
    real_unsetenv = os.unsetenv

    def unsetenv(name: str | bytes) -> None:
        unset.append(os.fsdecode(name))
        real_unsetenv(name)

    monkeypatch.setattr(os, "unsetenv", unsetenv)
    environment = _Environment()
    second_running, first_done = threading.Event(), threading.Event()
    seen: list[list[str]] = []

    def second() -> None:
        second_running.set()
        first_done.wait(10)
        seen.append(list(unset))

    worker = threading.Thread(
        target=environment.call,
        args=({"AWS_REGION": "eu-west-1"}, second),
    )

    def first() -> None:
        worker.start()
        second_running.wait(10)

    environment.call({"AWS_REGION": "us-east-1"}, first)
    first_done.set()
    worker.join(10)

    assert seen == [[]]
    assert unset == ["AWS_REGION"]
    assert "AWS_REGION" not in os.environ


def test_a_functions_own_environment_variables_are_set_while_its_handler_runs(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two functions, each with its configuration's own value for TABLE, as two deployed
    # functions have; the test's value is back once each returned.
    monkeypatch.setenv("TABLE", "the-tests-own")
    seen: list[tuple[str | None, str | None]] = []

    def read(event: dict[str, Any], context: Any) -> None:
        seen.append((os.environ.get("TABLE"), os.environ.get("STAGE")))

    trigger = fake.kinesis.create_stream("s").lambda_trigger(
        read, environment={"TABLE": "orders", "STAGE": "test"}
    )
    fake.firehose.lambda_function(
        "orders-transform", _keeping_after(read), environment={"TABLE": "transformed"}
    )
    put(b"o-1")
    trigger.drain()
    _transform_one(fake, b"o-1")

    assert seen == [("orders", "test"), ("transformed", None)]
    assert os.environ["TABLE"] == "the-tests-own"
    assert "STAGE" not in os.environ


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        (
            {"AWS_REGION": "eu-west-1", "TABLE": "t"},
            "Reserved keys used in this request: AWS_REGION",
        ),
        (
            {"AWS_ACCESS_KEY_ID": "A", "LAMBDA_TASK_ROOT": "/"},
            "AWS_ACCESS_KEY_ID, LAMBDA_TASK_ROOT",
        ),
        ({"_HANDLER": "x"}, "'_HANDLER' is no Lambda environment variable name"),
        ({"T": "x"}, "'T' is no Lambda environment variable name"),
        ({"TABLE-NAME": "x"}, "'TABLE-NAME' is no Lambda environment variable name"),
        ({"TABLE": 5}, "a dict of names to text values"),
        (["TABLE=orders"], "a dict of names to text values"),
        ({"BIG": "x" * 4090}, "exceeded the 4KB limit"),
        ({"BIG": "x" * 4087}, "exceeded the 4KB limit (4,097 bytes of JSON)"),
    ],
)
def test_environment_variables_lambda_would_refuse_are_refused(
    fake: FirehoseFake, environment: Any, message: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        fake.firehose.lambda_function("f", lambda event, context: None, environment=environment)
    stream = fake.kinesis.create_stream("k")
    with pytest.raises(UsageError, match=re.escape(message)):
        stream.lambda_trigger(lambda event, context: None, environment=environment)


def test_environment_variables_up_to_the_limit_are_taken(fake: FirehoseFake) -> None:
    # {"BIG":"..."} is 10 bytes of JSON around the value: 4,086 characters make 4,096.
    fake.firehose.lambda_function("f", lambda event, context: None, environment={"BIG": "x" * 4086})
    fake.kinesis.create_stream("k").lambda_trigger(
        lambda event, context: None, environment={"A1": "", "B_2": "é"}
    )
