"""What a Kinesis trigger, and a delivery stream's transformation Lambda, keep of what
their handler raised: every error, with its type, message and traceback, as the handler
raised it; the local variables of its frames (the event the handler received among them)
only for the latest, so a handler retried until its records expire, or a transformation
failing flush after flush, does not keep a copy of its event per invocation
(docs/lambda.md, docs/processing.md)."""

from __future__ import annotations

import base64
import gc
import sys
import traceback
import weakref
from typing import Any

import boto3
import pytest
from conftest import REGION, s3_stream
from lambda_support import put

from pytest_firehose import FirehoseFake


class Held:
    """Something a handler holds while it runs."""


def _failing(kept: list[weakref.ref[Held]]) -> Any:
    def handler(event: dict[str, Any], context: Any) -> None:
        event["held"] = Held()  # the handler's own copy of its event holds it
        kept.append(weakref.ref(event["held"]))
        raise ValueError(f"cannot process {len(event['Records'])} records")

    return handler


def test_an_earlier_invocation_s_error_no_longer_keeps_the_event_it_received(
    fake: FirehoseFake,
) -> None:
    kept: list[weakref.ref[Held]] = []
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_failing(kept), MaximumRetryAttempts=2)
    put(b"a", b"b")

    trigger.drain()
    gc.collect()

    assert len(trigger.invocations) == 3
    assert all(invocation.failed for invocation in trigger.invocations)
    assert [ref() is None for ref in kept] == [True, True, False]


def test_the_latest_error_keeps_the_locals_a_debugger_shows(fake: FirehoseFake) -> None:
    kept: list[weakref.ref[Held]] = []
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_failing(kept), MaximumRetryAttempts=1)
    put(b"a")

    trigger.drain()

    _keeps_its_locals(trigger.invocations[-1].error, kept[-1]())


def test_an_earlier_error_reads_and_prints_as_the_handler_raised_it(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    handler = _failing([])
    trigger = stream.lambda_trigger(handler, MaximumRetryAttempts=1)
    put(b"a")

    trigger.drain()
    gc.collect()

    earlier, latest = (invocation.error for invocation in trigger.invocations)
    _reads_as_raised(earlier, latest, handler, "cannot process {len(event['Records'])} records")


def _parse(event: dict[str, Any], kept: list[weakref.ref[Held]]) -> None:
    held = Held()
    kept.append(weakref.ref(held))
    event["missing"]  # raises KeyError


def test_an_earlier_error_s_cause_lets_go_of_its_locals_too(fake: FirehoseFake) -> None:
    kept: list[weakref.ref[Held]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        try:
            _parse(event, kept)
        except KeyError as error:
            raise ValueError("no such key") from error

    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(handler, MaximumRetryAttempts=1)
    put(b"a")

    trigger.drain()
    gc.collect()

    assert [ref() is None for ref in kept] == [True, False]
    earlier = trigger.invocations[0].error
    assert earlier is not None
    assert isinstance(earlier.__cause__, KeyError)
    printed = "".join(traceback.format_exception(earlier))
    assert 'event["missing"]' in printed
    assert "in _parse\n" in printed


def _raise_holding(kept: list[weakref.ref[Held]]) -> None:
    held = Held()
    kept.append(weakref.ref(held))
    raise RuntimeError("the test's own")


def test_the_exception_a_test_handles_while_it_drains_keeps_its_locals(
    fake: FirehoseFake,
) -> None:
    # The handler's errors carry it as their context; it is the test's, not the handler's.
    ours: list[weakref.ref[Held]] = []
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(_failing([]), MaximumRetryAttempts=2)
    put(b"a")

    try:
        _raise_holding(ours)
    except RuntimeError:
        trigger.drain()
    gc.collect()

    earlier = trigger.invocations[0].error
    assert earlier is not None
    assert isinstance(earlier.__context__, RuntimeError)
    assert ours[0]() is not None


def _fails_holding(kept: list[weakref.ref[Held]]) -> None:
    held = Held()
    kept.append(weakref.ref(held))
    raise KeyError("k")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception groups are Python 3.11's")
def test_an_earlier_error_group_s_members_let_go_of_their_locals(fake: FirehoseFake) -> None:
    kept: list[weakref.ref[Held]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        errors: list[Exception] = []
        try:
            _fails_holding(kept)
        except KeyError as error:
            errors.append(error)
        raise ExceptionGroup("every record failed", errors)  # noqa: F821

    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(handler, MaximumRetryAttempts=1)
    put(b"a")

    trigger.drain()
    gc.collect()

    assert [ref() is None for ref in kept] == [True, False]
    earlier = trigger.invocations[0].error
    assert earlier is not None
    assert "in _fails_holding\n" in "".join(traceback.format_exception(earlier))


# --------------------------------------------------------------------------- transformation

FUNCTION = f"arn:aws:lambda:{REGION}:123456789012:function:orders-transform"


def _processing(retries: int) -> dict[str, Any]:
    parameters = {"LambdaArn": FUNCTION, "NumberOfRetries": str(retries)}
    given = [{"ParameterName": k, "ParameterValue": v} for k, v in parameters.items()]
    return {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": given}]}


def _transforming(fake: FirehoseFake, handler: Any, *, retries: int) -> Any:
    fake.firehose.lambda_function("orders-transform", handler)
    return s3_stream(fake, ProcessingConfiguration=_processing(retries))


def _put_to_delivery_stream(*payloads: bytes) -> None:
    client = boto3.client("firehose", region_name=REGION)
    client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": p} for p in payloads])


def _failing_transformation(kept: list[weakref.ref[Held]]) -> Any:
    def handler(event: dict[str, Any], context: Any) -> None:
        event["held"] = Held()  # the handler's own copy of its event holds it
        kept.append(weakref.ref(event["held"]))
        raise ValueError(f"cannot transform {len(event['records'])} records")

    return handler


def test_an_earlier_transformation_error_no_longer_keeps_the_event_it_received(
    fake: FirehoseFake,
) -> None:
    kept: list[weakref.ref[Held]] = []
    stream = _transforming(fake, _failing_transformation(kept), retries=2)
    _put_to_delivery_stream(b"a", b"b")

    stream.flush()
    gc.collect()

    assert len(stream.invocations) == 3
    assert all(isinstance(invocation.error, ValueError) for invocation in stream.invocations)
    assert stream.processing_failed == [b"a", b"b"]
    assert [ref() is None for ref in kept] == [True, True, False]


def test_the_latest_transformation_error_keeps_the_locals_a_debugger_shows(
    fake: FirehoseFake,
) -> None:
    kept: list[weakref.ref[Held]] = []
    stream = _transforming(fake, _failing_transformation(kept), retries=1)
    _put_to_delivery_stream(b"a")

    stream.flush()

    _keeps_its_locals(stream.invocations[-1].error, kept[-1]())


def test_an_earlier_transformation_error_reads_and_prints_as_the_handler_raised_it(
    fake: FirehoseFake,
) -> None:
    handler = _failing_transformation([])
    stream = _transforming(fake, handler, retries=1)
    _put_to_delivery_stream(b"a")

    stream.flush()
    gc.collect()

    earlier, latest = (invocation.error for invocation in stream.invocations)
    _reads_as_raised(earlier, latest, handler, "cannot transform {len(event['records'])} records")


def test_a_later_flush_s_failure_lets_go_of_the_locals_of_the_one_before(
    fake: FirehoseFake,
) -> None:
    kept: list[weakref.ref[Held]] = []
    stream = _transforming(fake, _failing_transformation(kept), retries=0)

    _put_to_delivery_stream(b"a")
    stream.flush()
    _put_to_delivery_stream(b"b")
    stream.flush()
    gc.collect()

    assert stream.processing_failed == [b"a", b"b"]
    assert [ref() is None for ref in kept] == [True, False]


def test_a_failure_after_the_processor_is_updated_lets_go_of_the_locals_of_the_one_before(
    fake: FirehoseFake,
) -> None:
    kept: list[weakref.ref[Held]] = []
    stream = _transforming(fake, _failing_transformation(kept), retries=0)
    client = boto3.client("firehose", region_name=REGION)

    def update(version: str, config: dict[str, Any]) -> None:
        client.update_destination(
            DeliveryStreamName="events",
            CurrentDeliveryStreamVersionId=version,
            DestinationId="destinationId-000000000001",
            ExtendedS3DestinationUpdate={"ProcessingConfiguration": config},
        )

    _put_to_delivery_stream(b"a")
    stream.flush()
    update("1", _processing(retries=1))
    _put_to_delivery_stream(b"b")
    stream.flush()
    update("2", {"Enabled": False})
    update("3", _processing(retries=0))
    _put_to_delivery_stream(b"c")
    stream.flush()
    gc.collect()

    assert len(stream.invocations) == 4
    assert stream.processing_failed == [b"a", b"b", b"c"]
    assert [ref() is None for ref in kept] == [True, True, True, False]


def test_the_exception_a_test_handles_while_it_flushes_keeps_its_locals(
    fake: FirehoseFake,
) -> None:
    # The handler's errors carry it as their context; it is the test's, not the handler's.
    ours: list[weakref.ref[Held]] = []
    stream = _transforming(fake, _failing_transformation([]), retries=1)
    _put_to_delivery_stream(b"a")

    try:
        _raise_holding(ours)
    except RuntimeError:
        stream.flush()
    gc.collect()

    earlier = stream.invocations[0].error
    assert earlier is not None
    assert isinstance(earlier.__context__, RuntimeError)
    assert ours[0]() is not None


def _reads_as_raised(
    earlier: BaseException | None, latest: BaseException | None, handler: Any, message: str
) -> None:
    """An earlier error (whose frames let go of their locals) prints as the latest does,
    names the handler's line and source, and can be raised again; ``message`` is the
    f-string the handler raises with, as its source reads, for one record."""
    assert earlier is not None
    assert latest is not None
    assert earlier is not latest
    printed = "".join(traceback.format_exception(earlier))
    assert printed == "".join(traceback.format_exception(latest))
    raised_at = handler.__code__.co_firstlineno + 3
    assert f'File "{__file__}", line {raised_at}, in handler\n' in printed
    assert f'raise ValueError(f"{message}")' in printed
    said = message.split(" {")[0]
    assert printed.endswith(f"ValueError: {said} 1 records\n")
    with pytest.raises(ValueError, match=rf"^{said} 1 records$"):
        raise earlier


def test_each_retry_of_a_transformation_carries_the_batch_s_records_under_a_new_id(
    fake: FirehoseFake,
) -> None:
    def handler(event: dict[str, Any], context: Any) -> None:
        event["records"].clear()  # the handler's own copy: no retry's event loses them
        raise ValueError("cannot transform")

    stream = _transforming(fake, handler, retries=2)
    _put_to_delivery_stream(b"a", b"b")

    stream.flush()

    events = [invocation.event for invocation in stream.invocations]
    assert len({event["invocationId"] for event in events}) == 3
    sent = [[base64.b64decode(entry["data"]) for entry in event["records"]] for event in events]
    assert sent == [[b"a", b"b"]] * 3
    assert stream.processing_failed == [b"a", b"b"]


def _keeps_its_locals(error: BaseException | None, held: Held | None) -> None:
    """The latest error's innermost frame is the handler's, and still holds its event (with
    ``held``, which the handler put in it)."""
    assert error is not None
    assert error.__traceback__ is not None
    frames = [frame for frame, _ in traceback.walk_tb(error.__traceback__)]
    assert frames[-1].f_code.co_name == "handler"
    assert held is not None
    assert frames[-1].f_locals["event"]["held"] is held
