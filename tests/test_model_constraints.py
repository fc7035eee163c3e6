"""Every constraint of both services' API models is enforced: a walk over every shape a
request can hold, each pattern, length, range and enum given a value that breaks it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.model import Shape

from pytest_firehose._wire.patterns import compiled_pattern
from pytest_firehose._wire.shapes import service_model
from pytest_firehose._wire.validation import _conformer, _Invalid, _validator

SERVICES = ("firehose", "kinesis")

#: Strings tried, in order, until one breaks a pattern.
CANDIDATES = (
    "",
    " ",
    "!",
    "#",
    "\n",
    "\x00",
    "\U0001f600",
    "aws:x",
    "a b",
    "-a",
    "0a",
    "x" * 300,
    "٣",
    "é",
)


def input_shapes(service: str) -> Iterator[Shape]:
    """Every shape reachable from an operation's input, once."""
    model = service_model(service)
    seen: set[str] = set()
    pending = [
        shape
        for name in model.operation_names
        if (shape := model.operation_model(name).input_shape) is not None
    ]
    while pending:
        shape = pending.pop()
        if shape.name in seen:
            continue
        seen.add(shape.name)
        yield shape
        if shape.type_name == "structure":
            pending.extend(shape.members.values())
        elif shape.type_name == "list":
            pending.append(shape.member)
        elif shape.type_name == "map":
            pending.extend((shape.key, shape.value))


def breaking_values(shape: Shape) -> Iterator[tuple[str, Any]]:
    """(constraint, a value that breaks only that constraint where possible)."""
    meta, kind = shape.metadata, shape.type_name
    if "enum" in meta:
        yield "enum", "NOT_A_MEMBER_" + "x" * 300
        return
    if kind in ("integer", "long", "double", "float"):
        if "min" in meta:
            yield "min", meta["min"] - 1
        if "max" in meta:
            yield "max", meta["max"] + 1
        return
    sized = {
        "string": lambda n: "a" * n,
        "blob": lambda n: "YWFh" * (n // 3) + {0: "", 1: "YQ==", 2: "YWE="}[n % 3],
        "list": lambda n: [None] * n,
        "map": lambda n: {f"k{i}": None for i in range(n)},
    }.get(kind)
    if sized is not None:
        if meta.get("min", 0) > 0:
            yield "min", sized(meta["min"] - 1)
        if "max" in meta:
            yield "max", sized(meta["max"] + 1)
    if "pattern" in meta:
        pattern = compiled_pattern(meta["pattern"])
        broken = next((c for c in CANDIDATES if not pattern.fullmatch(c)), None)
        assert broken is not None, f"no candidate breaks {meta['pattern']!r}"
        yield "pattern", broken


CASES = [
    pytest.param(service, shape, constraint, value, id=f"{service}-{shape.name}-{constraint}")
    for service in SERVICES
    for shape in input_shapes(service)
    for constraint, value in breaking_values(shape)
]


def test_the_walk_finds_the_constraints_python_re_could_not_compile():
    ids = {case.id for case in CASES}
    assert "firehose-TagKey-pattern" in ids
    assert "firehose-TagValue-pattern" in ids
    assert "kinesis-HashKey-pattern" in ids
    assert len(CASES) > 100


@pytest.mark.parametrize(("service", "shape", "constraint", "value"), CASES)
def test_every_model_constraint_is_enforced(service, shape, constraint, value):
    errors: list[str] = []
    _validator(shape)(value, "member", errors)

    assert errors, f"{shape.name}: {constraint} not enforced for {value!r:.60}"
    assert any("'member' failed to satisfy constraint" in error for error in errors)
    with pytest.raises(_Invalid):
        _conformer(shape)(value)


MAP_CASES = [
    pytest.param(shape, side, value, id=f"{service}-{shape.name}-{side}-{constraint}")
    for service in SERVICES
    for shape in input_shapes(service)
    if shape.type_name == "map"
    for side, part in (("key", shape.key), ("value", shape.value))
    for constraint, value in breaking_values(part)
    if isinstance(value, str)
]


def test_the_walk_finds_map_keys_and_values():
    assert {case.id for case in MAP_CASES} >= {"kinesis-TagMap-key-max", "kinesis-TagMap-value-max"}


@pytest.mark.parametrize(("shape", "side", "broken"), MAP_CASES)
def test_every_map_key_and_value_constraint_is_enforced(shape, side, broken):
    valid_key, valid_value = "k", "v"
    value = {broken: valid_value} if side == "key" else {valid_key: broken}
    errors: list[str] = []
    _validator(shape)(value, "member", errors)

    part = "Map keys" if side == "key" else "Map value"
    assert any(f"{part} must satisfy constraint: [" in error for error in errors), errors
    with pytest.raises(_Invalid):
        _conformer(shape)(value)
