"""The checks a Kinesis event source mapping's parameters pass at creation
(``lambda_trigger``) and at each update (``trigger.update``) alike, beyond the API model's:
numbers given as bools, members this release has not reviewed; and what a test sees of
Lambda's refusal of a parameter."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pytest_firehose._errors import ServiceError, UsageError
from pytest_firehose._wire.shapes import operation_model
from pytest_firehose._wire.surface import unreviewed


def refused(
    error: ServiceError,
    call: str = "lambda_trigger",
    operation: str = "CreateEventSourceMapping",
) -> UsageError:
    """What ``call`` raises for Lambda's refusal ``error`` of ``operation``."""
    return UsageError(
        f"{call}(): {operation} would answer {error.code}: "
        f"{error.message}\nChange the parameter it names; docs/lambda.md lists each "
        "one with its default."
    )


#: The types of the API model's members that hold a number.
_NUMBERS = ("integer", "long", "float", "double")


def _true_numbers(value: object, shape: Any, path: str) -> Iterator[tuple[str, bool]]:
    """(path, the bool) for each bool in ``value`` where ``shape`` holds a number."""
    if shape.type_name in _NUMBERS and isinstance(value, bool):
        yield path, value
    elif shape.type_name == "structure" and isinstance(value, Mapping):
        for name, member in value.items():
            if name in shape.members:
                yield from _true_numbers(member, shape.members[name], f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _true_numbers(item, shape.member, f"{path}[{index}]")


def refuse_true_numbers(params: dict[str, Any], call: str, operation: str) -> None:
    """Refuse ``True`` or ``False`` where the mapping takes a number (``BatchSize=True``):
    botocore's validator lets a bool pass for an integer (a bool is an int in Python) and
    writes JSON ``true``, which Lambda does not read as 1 (what it answers is not on record:
    docs/fidelity.md), so the mapping would batch by a number nobody chose."""
    members = operation_model("lambda", operation).input_shape.members
    for name, value in params.items():
        if name in members:
            for path, given in _true_numbers(value, members[name], name):
                raise UsageError(
                    f"{call}(): {path} is a number, not {given!r}: botocore would send the "
                    f"bool as JSON {str(given).lower()}, which Lambda does not read as a "
                    "number; give the number (docs/lambda.md lists each parameter with its "
                    "default)"
                )


def refuse_unreviewed(params: dict[str, Any], call: str) -> None:
    """Refuse a member inside a parameter (a DestinationConfig's or FilterCriteria's, from
    a botocore newer than this release) that the release has not reviewed, never ignore
    it; an unknown parameter itself is refused with the parameters the mapping takes."""
    unknown = unreviewed("lambda", "CreateEventSourceMapping", params)
    if unknown:
        named = ", ".join(path.removeprefix("CreateEventSourceMapping.") for path in unknown)
        raise UsageError(
            f"{call}: {named}: this pytest-firehose release has not reviewed such a member "
            "(a botocore newer than the release knows it), so the fake event source mapping "
            "refuses it rather than ignore it; leave it out (docs/lambda.md lists what the "
            "mapping models), or use a newer pytest-firehose."
        )
