"""Which whole-call error codes an operation can answer, so that a scripted ``error=`` or
``throttle=`` answers only as AWS could: the errors the operation's API model lists (with
those its event stream carries, for SubscribeToShard, and those newer models list:
``LISTED_SINCE``), and those common to every operation of the service (``COMMON_CODES``),
among the codes the fake scripts (``CALL_ERRORS``, ``OPERATION_ERRORS``)."""

from __future__ import annotations

import functools

from pytest_firehose._services.codes import (
    CALL_ERRORS,
    COMMON_CODES,
    LISTED_SINCE,
    OPERATION_ERRORS,
    PUTS,
    THROTTLE_CODES,
    VALIDATION_CODE,
)
from pytest_firehose._wire.eventstream import stream_errors
from pytest_firehose._wire.shapes import operation_model, operation_names


@functools.cache
def answerable(service: str, operation: str) -> frozenset[str]:
    """The whole-call codes ``operation`` of ``service`` can answer."""
    model = operation_model(service, operation)
    listed = set(stream_errors(service, operation)) | {
        shape.metadata.get("error", {}).get("code", shape.name) for shape in model.error_shapes
    }
    listed |= LISTED_SINCE.get((service, operation), frozenset())
    common = set(COMMON_CODES)
    if model.input_shape is None or not model.input_shape.members:
        common.discard(VALIDATION_CODE)  # no parameter, no constraint to break
    scripted = CALL_ERRORS[service].keys() | OPERATION_ERRORS.get((service, operation), {}).keys()
    return frozenset((listed | common) & scripted)


def answering(service: str, code: str) -> list[str]:
    """The operations of ``service`` that can answer ``code``, in name order."""
    return sorted(op for op in operation_names(service) if code in answerable(service, op))


def default_operations(service: str, code: str) -> tuple[str, ...]:
    """The puts a whole-call ``error=code`` without ``operation=`` hits: those that can
    answer it."""
    return tuple(op for op in PUTS[service] if code in answerable(service, op))


@functools.cache
def throttle_code(service: str, operation: str) -> str:
    """The code a ``throttle=`` fault answers ``operation`` with: the service's throttle
    where the operation can answer it (the puts, Kinesis's reads), else the operation's
    own rate refusal (Kinesis's ``LimitExceededException``), else ``ThrottlingException``."""
    codes = answerable(service, operation)
    return next(code for code in THROTTLE_CODES[service] if code in codes)
