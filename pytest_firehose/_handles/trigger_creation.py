"""A Kinesis stream's event source mapping made as CreateEventSourceMapping makes one
(``lambda_trigger``): its parameters read and refused as Lambda would, the function it
names, the consumer it reads through, and the one mapping a function may have per source."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.utils import parse_to_aware_datetime

from pytest_firehose._engine.world import World
from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._handles.base import deleted_error
from pytest_firehose._handles.stream_readers import (
    ConsumerReader,
    KinesisReader,
    Source,
    default_role,
)
from pytest_firehose._handles.trigger_checks import (
    refuse_true_numbers,
    refuse_unreviewed,
    refused,
)
from pytest_firehose._handles.trigger_targets import (
    failure_sender,
    mapped_function,
    mapping_conflict,
)
from pytest_firehose._handles.triggers import KinesisTrigger
from pytest_firehose._lambda.context import Function
from pytest_firehose._lambda.functions import (
    check_environment,
    check_memory,
    check_role,
    function_timeout,
)
from pytest_firehose._lambda.mapping import EventSourceMapping
from pytest_firehose._lambda.mapping_settings import MappingSettings, invalid, settings_from
from pytest_firehose._services.kinesis.consumers import Consumer
from pytest_firehose._services.kinesis.model import KinesisService
from pytest_firehose._services.kinesis.streams import KinesisStream
from pytest_firehose._wire.validation import unsendable, validate_input, without_nulls

_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]")


def default_function_name(handler: Callable[..., Any]) -> str:
    """The name of the function a handler stands for when FunctionName is left out: the
    handler's own name, made valid (every lambda is ``lambda``)."""
    name = _NAME_CHARACTERS.sub("-", getattr(handler, "__name__", "") or "")[:64].strip("-")
    return name or "handler"


def _starting_timestamp(params: dict[str, Any]) -> None:
    """Read StartingPositionTimestamp as botocore does (a datetime, seconds since the epoch,
    or a time string), in place; refuse one that botocore fails on with an error of its own
    rather than a report (a number of seconds past what a date holds)."""
    stamp = params.get("StartingPositionTimestamp")
    if stamp is None or isinstance(stamp, datetime):
        return
    try:
        when = parse_to_aware_datetime(stamp)
    except (TypeError, ValueError, AttributeError):
        return  # botocore's validator reports these, in its words
    except (RuntimeError, OverflowError, OSError):
        raise UsageError(
            f"lambda_trigger(StartingPositionTimestamp={stamp!r}): botocore cannot read it "
            "as a time; pass a timezone-aware datetime, or seconds since the epoch within "
            "the years 1 to 9999"
        ) from None
    params["StartingPositionTimestamp"] = when.astimezone(timezone.utc)


def _source_consumer(
    model: KinesisService,
    stream: KinesisStream,
    current: KinesisStream | None,
    params: dict[str, Any],
) -> Consumer | None:
    """The enhanced fan-out consumer ``EventSourceArn`` names (``None``: the stream itself,
    read as a shared-throughput consumer), ``current`` being the world's stream of the
    trigger's stream's name now. Refuse an ARN that is neither the stream the trigger is
    made on nor one of its consumers, and a consumer that is gone or not ACTIVE, with
    Lambda's ``InvalidParameterValueException`` (docs/fidelity.md: the texts are chosen,
    the stream's after Lambda's recorded ``Stream not found``); a stream deleted and
    created again under its name, whose ARN Lambda would map, as the deleted stream's
    handle refuses questions about its present."""
    given = params["EventSourceArn"]
    if given == stream.arn:
        if current is not stream:
            if current is not None:
                raise deleted_error("kinesis", "stream", stream.name, "new triggers")
            # REAL wording (LocalStack's AWS-validated snapshot, 2025).
            raise refused(invalid(f"Stream not found: {given}"))
        return None
    if given.startswith(f"{stream.arn}/consumer/"):
        now = model.clock.now()
        found = [c for c in model.consumers_of(stream) if c.arn == given]
        if not found or current is not stream:
            raise refused(invalid(f"Stream not found: {given}"))
        consumer: Consumer = found[0]
        if consumer.status(now) != "ACTIVE":
            raise refused(
                invalid(
                    f"Consumer {consumer.name} with creation timestamp "
                    f"{int(consumer.created_at.timestamp())} under stream {stream.name} and "
                    f"account {model.account_id} is not in ACTIVE status."
                )
            )
        return consumer
    raise UsageError(
        f"lambda_trigger(EventSourceArn={given!r}): the trigger reads {stream.arn}, the "
        "stream it is made on; call lambda_trigger on the handle of the stream you mean "
        "(kinesis[name]), and leave EventSourceArn out or name one of its consumers."
    )


def _claimed(
    world: World, source_arn: str, given: str, function_arn: str, reader: KinesisReader
) -> str:
    """A new mapping's UUID, once no mapping of the same function reads ``source_arn``:
    Lambda keeps one mapping per event source and function, and refuses a second with
    ``ResourceConflictException`` (REAL wording and 409, LocalStack's AWS-validated
    snapshot, 2025). A deleted mapping (``trigger.delete()``) counts until it is gone,
    while it is ``Deleting``; one whose source is gone no longer does (docs/fidelity.md)."""
    with world.lock:
        existing = world.event_source_mappings.get((source_arn, function_arn))
        if existing is None or existing[1]():
            uuid = world.ids.uuid()
            world.event_source_mappings[source_arn, function_arn] = (uuid, reader.gone)
            return uuid
    error = mapping_conflict(source_arn, given, existing[0])
    raise UsageError(
        f"lambda_trigger(): CreateEventSourceMapping would answer {error.code}: "
        f"{error.message}\nThe function is named by FunctionName, else by the handler "
        f"(every lambda is 'lambda'): keep using the trigger made first, or pass "
        f"FunctionName='another-name' to map another function to the stream."
    )


def mapping_settings(params: dict[str, Any]) -> MappingSettings:
    """The settings of a mapping, refused as Lambda would refuse them, with the fix."""
    _starting_timestamp(params)
    refusal = unsendable("lambda", "CreateEventSourceMapping", params)
    if refusal is not None:
        raise refusal
    refuse_true_numbers(params, "lambda_trigger", "CreateEventSourceMapping")
    try:
        validate_input("lambda", "CreateEventSourceMapping", params)
        settings = settings_from(params)
    except ServiceError as error:
        raise refused(error) from None
    refuse_unreviewed(params, "lambda_trigger()")
    return settings


def new_trigger(
    world: World,
    model: KinesisService,
    stream: KinesisStream,
    region: str,
    handler: Callable[[dict[str, Any], Any], Any],
    *,
    timeout: float | timedelta,
    memory_mb: int,
    role: str | None,
    environment: Mapping[str, str] | None,
    options: dict[str, Any],
) -> KinesisTrigger:
    """A mapping from ``stream`` to ``handler``, as CreateEventSourceMapping makes one."""
    world.refuse_if_stopped()
    if not callable(handler):
        raise UsageError("lambda_trigger(handler): pass the function's (event, context) handler")
    limit = function_timeout(timeout, "lambda_trigger")
    memory_mb = check_memory(memory_mb, "lambda_trigger")
    role = check_role(role, "lambda_trigger")
    variables = check_environment(environment, "lambda_trigger")
    params = {"FunctionName": default_function_name(handler), "EventSourceArn": stream.arn}
    # The test's dicts stay as they were: validation drops None members, and the mapping
    # keeps what it reads.
    params.update(without_nulls(options))
    params.setdefault("StartingPosition", "TRIM_HORIZON")
    settings = mapping_settings(params)
    named = mapped_function(params["FunctionName"], region, world.account_id)
    with world.looked():
        # The world's models, not the handle's: a reset drops those.
        current = [
            m.streams.get(stream.name) for m in world.kinesis_services() if m.region == region
        ]
        consumer = _source_consumer(model, stream, next(iter(current), None), params)
    function = Function(
        named.name,
        region,
        named.account_id,
        limit,
        memory_mb=memory_mb,
        version=named.version,
        environment=variables,
    )
    # The records name the stream, also when a consumer reads them (docs/fidelity.md).
    source = Source(stream.arn, region, role or default_role(region, named.account_id, named.name))
    reader = (
        KinesisReader(world, model, stream, source)
        if consumer is None
        else ConsumerReader(world, model, stream, source, consumer)
    )
    uuid = _claimed(world, params["EventSourceArn"], params["FunctionName"], named.arn, reader)
    sender = failure_sender(world, settings, region, uuid)
    # Creating: the poller starts once the mapping is Enabled (docs/fidelity.md).
    polls_from = world.clock.now() + world.creation_delay if settings.enabled else None
    mapping = EventSourceMapping(
        handler,
        function,
        settings,
        reader,
        world.clock,
        world.ids.uuid,
        sender,
        uuid,
        invoked_arn=named.arn,
        polls_from=polls_from,
    )
    trigger = KinesisTrigger(mapping, world, params, region, reader)
    with world.lock:
        world.trigger_notes.append(trigger._failure_note)
    return trigger
