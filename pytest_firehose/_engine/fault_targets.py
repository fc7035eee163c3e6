"""What a fault aims at, checked against the service's API model and the other service's:
a stream's name no request could give, a record position past a batch's end, an operation
or error code of the other service (a fault on the wrong handle). Each would make a fault
that never fires, or a refusal that leads away from the slip; ``fault_checks`` asks these
before its own checks, and words nothing but through ``terms()``."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pytest_firehose._errors import UsageError
from pytest_firehose._terms import terms
from pytest_firehose._wire.shapes import operation_names, service_model

#: Each service's other service in the world, and its name in messages.
_OTHER = {"firehose": ("kinesis", "Kinesis Data Streams"), "kinesis": ("firehose", "Firehose")}
#: Where each service's API model spells a stream's name: the operation and its member.
_NAMED_BY = {
    "firehose": ("CreateDeliveryStream", "DeliveryStreamName"),
    "kinesis": ("CreateStream", "StreamName"),
}
#: What each service's streams are called in messages.
_NOUNS = {"firehose": "delivery stream", "kinesis": "Kinesis data stream"}
#: The members through which a request names its stream (what each service model's
#: ``stream_name`` reads): an operation whose input has none of them names no stream.
_NAMING_MEMBERS = {
    "firehose": frozenset({"DeliveryStreamName"}),
    "kinesis": frozenset(
        {
            "StreamName",
            "StreamARN",
            "ResourceARN",
            "ConsumerARN",
            "ShardIterator",
            "QueueARN",
            "ChannelARN",
            "StreamConfigurationList",
        }
    ),
}
#: A stream's ARN, and the name at its end.
_STREAM_ARN = re.compile(r"arn:[^:]*:(?:firehose|kinesis):[^:]*:[^:]*:(?:delivery)?stream/([^/]+)")


def other_service(service: str) -> str:
    """The world's other service: ``kinesis`` for ``firehose``, and the other way round."""
    return _OTHER[service][0]


def refuse_the_others(
    service: str, value: object, own: Iterable[str], theirs: Iterable[str], what: str, problem: str
) -> None:
    """Refuse ``value``, none of ``own`` but one of ``theirs`` (the other service's), naming
    the handle that schedules it: a fault on the wrong handle is a likelier slip than a
    misspelling, and the close match a misspelling gets would mislead."""
    if not isinstance(value, str) or value in own or value not in theirs:
        return
    other, named = _OTHER[service]
    said = terms()
    schedule = said.phrase(
        f"{other}.fail(...) or @pytest.mark.{other}_fail(...)", f'"service": "{other}"'
    )
    raise UsageError(f"{problem}: it is a {named} {what}; schedule the fault with {schedule}")


def _batch_limit(service: str, operation: str) -> int | None:
    """The most records (or entries) one request of ``operation`` holds, as its API model
    says (PutRecordBatch and PutRecords: 500); None when the installed model does not have
    the operation."""
    if operation not in operation_names(service):
        return None
    shape = service_model(service).operation_model(operation).input_shape
    for member in shape.members.values() if shape is not None else ():
        if member.type_name == "list" and "max" in member.metadata:
            return int(member.metadata["max"])
    return None


def check_within_batch(service: str, operation: str, indices: Iterable[int], entries: bool) -> None:
    """Refuse a ``records=`` index past the last record (or entry) a request of
    ``operation`` can hold: no batch is long enough, so the fault would never fire (or,
    among other indices, never fail that one), and with ``optional=True`` nothing would
    say so."""
    limit = _batch_limit(service, operation)
    if limit is None:
        return
    past = [index for index in indices if index >= limit]
    if past:
        said = terms()
        what = "entries" if entries else "records"
        raise UsageError(
            f"{said.keyword('records')} index {said.value(past[0])} is past the last of a "
            f"{operation} request's {what}: it takes at most {limit}, so the indices are 0 to "
            f"{limit - 1}"
        )


def check_stream_name(service: str, name: str) -> None:
    """Refuse a ``stream=`` no stream of ``service`` can be named (its API model's pattern
    and length): no request names it, so the fault would never fire (and, with
    ``optional=True``, nothing would say so). An ARN is told the name to give."""
    operation, member = _NAMED_BY[service]
    rule = service_model(service).operation_model(operation).input_shape.members[member]
    limit, pattern = rule.metadata["max"], rule.metadata["pattern"]
    if len(name) <= limit and re.fullmatch(pattern, name):
        return
    said = terms()
    arn = _STREAM_ARN.fullmatch(name)
    hint = f": give the name, {said.keyword('stream', said.value(arn[1]))}" if arn else ""
    raise UsageError(
        f"{said.keyword('stream')} is a stream's name, 1 to {limit} letters, digits, "
        f"{said.value('_')}, {said.value('.')} or {said.value('-')}, and no "
        f"{_NOUNS[service]} is named {said.value(name)}, so the fault would never fire{hint}"
    )


def names_no_stream(service: str, operation: str) -> bool:
    """Whether no request of ``operation`` names a stream (ListStreams, DescribeLimits,
    ListDeliveryStreams; ListQueues and ListChannels, whose filter may list several)."""
    shape = service_model(service).operation_model(operation).input_shape
    members = shape.members if shape is not None else {}
    return _NAMING_MEMBERS[service].isdisjoint(members)


def check_stream_of_operation(service: str, operation: str, stream: str) -> None:
    """Refuse ``stream=`` beside an operation whose requests name no stream: none would
    match, so the fault would never fire (and, with ``optional=True``, nothing would say
    so)."""
    if operation not in operation_names(service) or not names_no_stream(service, operation):
        return
    said = terms()
    raise UsageError(
        f"{operation} requests name no {_NOUNS[service]}, so a fault for "
        f"{said.keyword('stream', said.value(stream))} would never fire: leave "
        f"{said.keyword('stream')} out to hit every {operation} request"
    )
