"""Constraint validation driven by the service's published API model.

The JSON front end of AWS services checks every modelled constraint (required, length,
range, pattern, enum) before any service logic runs, and fails with one
``ValidationException`` that lists every violation. ``validate_input`` does that with the
front end's wording; ``unsendable`` says what botocore's own validator would refuse before
sending. A request body the fast path (``conformance.py``) vouches for skips them both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from botocore.model import Shape
from botocore.validate import ParamValidator

from pytest_firehose._errors import UsageError, validation_error
from pytest_firehose._java_regex import fullmatcher
from pytest_firehose._payload import payload_len
from pytest_firehose._wire.patterns import enum_listing
from pytest_firehose._wire.shapes import member_path, operation_model

#: (value, path, errors): appends one message per violation to ``errors``; with
#: ``errors=None`` (the fast first pass) raises ``_Invalid`` at the first one instead.
Validator = Callable[[Any, str, "list[str] | None"], None]


class _Invalid(Exception):
    pass


def _report(errors: list[str] | None, message: Callable[..., str], *args: Any) -> None:
    """Record a violation: ``message(*args)`` is built only when messages are wanted."""
    if errors is None:
        raise _Invalid
    errors.append(message(*args))


def _violation(value: Any, path: str, echo: Callable[[Any], str] | None, rule: str) -> str:
    shown = f"Value '{echo(value)}' at" if echo else "Value at"
    return f"{shown} '{path}' failed to satisfy constraint: Member must {rule}"


def _null_violation(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def _length_checks(
    shape: Shape, echo: Callable[[Any], str] | None, measure: Callable[[Any], int] = len
) -> Validator:
    """A value's pattern, length and enum; ``echo`` writes the value into the message (as
    Java writes it), or None leaves it out."""
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    pattern_text = shape.metadata.get("pattern")
    fullmatch = fullmatcher(pattern_text) if pattern_text is not None else None
    enum = shape.metadata.get("enum")
    listing = enum_listing(shape.name, enum) if enum is not None else ""

    def check(value: Any, path: str, errors: list[str] | None) -> None:
        if enum is not None:
            if value not in enum:
                rule = f"satisfy enum value set: [{listing}]"
                _report(errors, _violation, value, path, echo, rule)
            return
        mismatch = fullmatch is not None and isinstance(value, str) and not fullmatch(value)
        size = measure(value)
        short = low is not None and size < low
        long = high is not None and size > high
        if not (mismatch or short or long):
            return
        rules = [
            *([f"satisfy regular expression pattern: {pattern_text}"] if mismatch else []),
            *([f"have length greater than or equal to {low}"] if short else []),
            *([f"have length less than or equal to {high}"] if long else []),
        ]
        for rule in rules:
            _report(errors, _violation, value, path, echo, rule)

    return check


def _range_checks(shape: Shape) -> Validator:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")

    def check(value: Any, path: str, errors: list[str] | None) -> None:
        if low is not None and value < low:
            rule = f"have value greater than or equal to {low}"
            _report(errors, _violation, value, path, str, rule)
        if high is not None and value > high:
            rule = f"have value less than or equal to {high}"
            _report(errors, _violation, value, path, str, rule)

    return check


def _nothing(value: Any, path: str, errors: list[str] | None) -> None:
    return None


def _rules(shape: Shape) -> list[str]:
    """Every constraint of a map's key or value shape, or a list's member shape, as the
    collection form of the message lists them: the maximum length before the minimum
    (kinesalite's AWS-validated tag tests), the pattern after both (captured EventBridge and
    ACM answers)."""
    meta = shape.metadata
    measure = "value" if shape.type_name in ("integer", "long", "double", "float") else "length"
    rules = []
    if "enum" in meta:
        rules.append(f"satisfy enum value set: [{enum_listing(shape.name, meta['enum'])}]")
    if "max" in meta:
        rules.append(f"have {measure} less than or equal to {meta['max']}")
    if "min" in meta:
        rules.append(f"have {measure} greater than or equal to {meta['min']}")
    if "pattern" in meta:
        rules.append(f"satisfy regular expression pattern: {meta['pattern']}")
    return [f"Member must {rule}" for rule in rules]


def _shown(value: Any) -> str:
    """A member as Java's ``toString`` writes it inside a collection (null for None)."""
    return "null" if value is None else str(value)


def _java_map(value: dict[Any, Any]) -> str:
    """A map as Java's ``toString`` writes it: ``{a=1, b=2}``."""
    return "{" + ", ".join(f"{_shown(key)}={_shown(child)}" for key, child in value.items()) + "}"


def _java_list(value: list[Any]) -> str:
    """A list as Java's ``toString`` writes it: ``[a, b]``."""
    return "[" + ", ".join(_shown(child) for child in value) + "]"


def _map_violation(value: dict[Any, Any], path: str, part: str, rules: list[str]) -> str:
    return (
        f"Value '{_java_map(value)}' at '{path}' failed to satisfy constraint: "
        f"{part} must satisfy constraint: [{', '.join(rules)}]"
    )


def _list_violation(value: list[Any], path: str, rules: list[str]) -> str:
    return (
        f"Value '{_java_list(value)}' at '{path}' failed to satisfy constraint: "
        f"Member must satisfy constraint: [{', '.join(rules)}]"
    )


def _failing(check: Validator, child: Any) -> bool:
    try:
        check(child, "", None)
    except _Invalid:
        return True
    return False


def _map_checks(shape: Shape) -> Validator:
    """A map's own length (the map echoed: kinesalite's AWS-validated AddTagsToStream,
    ``Value '{}' at 'tags'``), then its keys and its values against their shapes, each side
    reported once in the map form of the message."""
    own = _length_checks(shape, echo=_java_map)
    key_check = _validator(shape.key)
    value_check = _validator(shape.value)
    key_rules, value_rules = _rules(shape.key), _rules(shape.value)

    def check_map(value: Any, path: str, errors: list[str] | None) -> None:
        own(value, path, errors)
        if any(_failing(key_check, key) for key in value):
            _report(errors, _map_violation, value, path, "Map keys", key_rules)
        if any(child is None or _failing(value_check, child) for child in value.values()):
            rules = value_rules if None not in value.values() else ["Member must not be null"]
            _report(errors, _map_violation, value, path, "Map value", rules)

    return check_map


def _scalar_list_checks(own: Validator, item: Validator, rules: list[str]) -> Validator:
    """A list of strings (or other scalars): its own length, then its members, reported
    once for the whole list, echoed (kinesalite's AWS-validated RemoveTagsFromStream:
    ``Value '[a, aaa..., b]' at 'tagKeys' ... Member must satisfy constraint: [...]``; the
    same form is captured from other services' front ends since)."""

    def check_list(value: Any, path: str, errors: list[str] | None) -> None:
        own(value, path, errors)
        if None in value:
            _report(errors, _list_violation, value, path, ["Member must not be null"])
        elif any(_failing(item, child) for child in value):
            _report(errors, _list_violation, value, path, rules)

    return check_list


@functools.cache
def _validator(shape: Shape) -> Validator:
    kind = shape.type_name
    if kind == "structure":
        required = set(shape.required_members)
        members = [
            (name, member_path(name), _validator(member), name in required)
            for name, member in shape.members.items()
        ]

        def check_structure(value: Any, path: str, errors: list[str] | None) -> None:
            for name, short, check, needed in members:
                child = value.get(name)
                if child is None:
                    # A None member is an absent one (params made in process, not decoded,
                    # may hold one): the models never see it.
                    value.pop(name, None)
                    if needed:
                        where = f"{path}.{short}" if path else short
                        _report(errors, _null_violation, where)
                elif check is not _nothing:
                    check(
                        child,
                        "" if errors is None else f"{path}.{short}" if path else short,
                        errors,
                    )

        return check_structure
    if kind == "list":
        item = _validator(shape.member)
        if shape.member.type_name not in ("structure", "list", "map"):
            # Its own length echoes it too (kinesalite's AWS-validated RemoveTagsFromStream:
            # ``Value '[]' at 'tagKeys'``, ``Value '[1, 2, ...]' at 'tagKeys'``).
            own = _length_checks(shape, echo=_java_list)
            return _scalar_list_checks(own, item, _rules(shape.member))
        own = _length_checks(shape, echo=None)

        def check_list(value: Any, path: str, errors: list[str] | None) -> None:
            own(value, path, errors)
            if errors is None:
                for child in value:
                    if child is None:
                        raise _Invalid
                    item(child, "", None)
                return
            for index, child in enumerate(value, 1):
                where = f"{path}.{index}.member"
                if child is None:
                    _report(errors, _null_violation, where)
                else:
                    item(child, where, errors)

        return check_list
    if kind == "map":
        return _map_checks(shape)
    if kind == "blob":
        if "min" in shape.metadata or "max" in shape.metadata:
            return _length_checks(shape, echo=None, measure=payload_len)
        return _nothing
    if kind == "string":
        if any(k in shape.metadata for k in ("min", "max", "pattern", "enum")):
            return _length_checks(shape, echo=str)
        return _nothing
    if kind in ("integer", "long", "double", "float"):
        if "min" in shape.metadata or "max" in shape.metadata:
            return _range_checks(shape)
        return _nothing
    return _nothing


def validate_input(service: str, operation: str, params: dict[str, Any]) -> None:
    """Raise the ``ValidationException`` the service sends for violated model constraints."""
    shape = operation_model(service, operation).input_shape
    if shape is None:
        return
    check = _validator(shape)
    try:
        try:
            check(params, "", None)
            return
        except _Invalid:
            pass
        errors: list[str] = []
        check(params, "", errors)
    except (TypeError, AttributeError):
        # Only parameters made in the process get here untyped (the wire decodes them
        # first): botocore would not have sent them.
        raise unsendable(service, operation, params) or UsageError(
            f"{operation}: parameters not typed as the API model says"
        ) from None
    raise validation_error(errors)


def without_nulls(value: Any) -> Any:
    """``value`` without None members (in-process parameters may hold one: absent), in
    dicts and lists of its own: nothing the caller holds is shared or changed."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def unsendable(service: str, operation: str, params: dict[str, Any]) -> UsageError | None:
    """The usage error for parameters botocore's own validator refuses before sending
    (an unknown parameter, a value of the wrong type), in its words; None when botocore
    would send them. Constraints the service checks itself (lengths, ranges, required
    members) are left to ``validate_input``, which answers in the service's words."""
    shape = operation_model(service, operation).input_shape
    if shape is None:
        return None
    found = ParamValidator().validate(without_nulls(params), shape)
    lines = [line for line in found.generate_report().splitlines() if line.startswith(_UNSENDABLE)]
    if not lines:
        return None
    return UsageError(
        f"{operation}: botocore would refuse these parameters before sending them:\n"
        + "\n".join(lines)
    )


#: How botocore's validator words what it alone refuses.
_UNSENDABLE = ("Unknown parameter in ", "Invalid type for parameter ")
