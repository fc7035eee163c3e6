"""Every constraint of both services' API models is enforced: a walk over every shape a
request can hold, each pattern, length, range and enum given a value that breaks it."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
import regex
from botocore.model import Shape

from pytest_firehose._java_regex import compiled_pattern, java_to_regex
from pytest_firehose._wire.conformance import _conformer, _Nonconforming
from pytest_firehose._wire.shapes import service_model
from pytest_firehose._wire.validation import _validator

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
    with pytest.raises(_Nonconforming):
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
    with pytest.raises(_Nonconforming):
        _conformer(shape)(value)


def _model_patterns() -> list[str]:
    return sorted(
        {
            shape.metadata["pattern"]
            for service in SERVICES
            for shape in input_shapes(service)
            if "pattern" in shape.metadata
        }
    )


#: Values the structured patterns take (ARNs, URLs, numbers...), each tried as it is and
#: cut or changed at every position.
SAMPLES = (
    "arn:aws:kinesis:us-east-1:123456789012:stream/s",
    "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1700000000",
    "arn:aws:iam::123456789012:role/r",
    "arn:aws:kms:us-east-1:123456789012:key/k",
    "arn:aws:s3:::bucket",
    "arn:aws:glue:us-east-1:123456789012:catalog",
    "arn:aws:es:us-east-1:123456789012:domain/abc",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-1",
    "https://x.example.com",
    "s3://bucket/key",
    "a.b.snowflakecomputing.com",
    "vpce-1.vpce-svc-2.us-east-1.vpce.amazonaws.com",
    "a.b.vpce.x.vpce-svc-0123456789abcdefg",
    "jdbc:redshift://a.redshift.amazonaws.com:5439/db",
    "YWJj",
    "1234",
    ".gz",
    "123456789012",
    "abcdefghij0123456789-abc",
    "arn:aws:glue:us-east-1:123456789012:schema/registry/schema",
    "arn:aws:s3tables:us-east-1:123456789012:bucket/tables",
    "arn:aws:kinesis:us-east-1:123456789012:queue/q",
    "arn:aws:kinesis:us-east-1:123456789012:channel/c",
)


def _tried(pattern: str) -> list[str]:
    """Strings near what ``pattern`` takes: every string of one or two of its own
    characters and a few that Java or Unicode treat specially, seeded random ones up to 24
    long, and the samples, cut or changed at every position."""
    alphabet = sorted(set(pattern) | set(" \t\n\r\x0b\u0085\u2028é٣\U0001f600aZ09-_.:/"))
    pairs = [a + b for a in alphabet for b in alphabet]
    rng = random.Random(pattern)
    longer = ["".join(rng.choices(alphabet, k=rng.randint(3, 24))) for _ in range(2000)]
    near = [
        changed
        for sample in SAMPLES
        for at in range(len(sample) + 1)
        for changed in (
            sample[:at] + sample[at + 1 :],
            *(sample[:at] + char + sample[at + 1 :] for char in rng.sample(alphabet, 4)),
        )
    ]
    return ["", *alphabet, *pairs, *longer, *SAMPLES, *near]


@pytest.mark.parametrize("pattern", _model_patterns())
def test_re_and_regex_agree_on_every_model_pattern_re_is_given(pattern):
    """A pattern ``re`` compiles is matched with ``re`` (faster); it must take exactly what
    ``regex`` takes, which also reads the patterns ``re`` cannot."""
    chosen = compiled_pattern(pattern)
    reference = regex.compile(java_to_regex(pattern))
    disagree = [
        text
        for text in _tried(pattern)
        if bool(chosen.fullmatch(text)) != bool(reference.fullmatch(text))
    ]
    assert disagree == []


def test_the_strings_tried_match_the_patterns_not_only_miss_them():
    """Agreement on strings every pattern refuses would prove little: most patterns (all
    of those the samples were written for) take some of the strings tried."""
    patterns = _model_patterns()
    taken = [p for p in patterns if any(compiled_pattern(p).fullmatch(t) for t in _tried(p))]
    assert len(taken) >= len(patterns) * 9 // 10


def test_patterns_re_cannot_read_are_left_to_regex():
    chosen = {pattern: compiled_pattern(pattern) for pattern in _model_patterns()}
    unicode_classes = [pattern for pattern in chosen if "\\p{" in pattern]
    assert unicode_classes  # the tag patterns
    assert all(isinstance(chosen[pattern], regex.Pattern) for pattern in unicode_classes)
    assert sum(isinstance(found, re.Pattern) for found in chosen.values()) > len(chosen) // 2
