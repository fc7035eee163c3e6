"""Request decoding and constraint validation driven by the service's published API model.

The JSON 1.1 front end of AWS services does two things before any service logic runs: it
turns JSON into typed values (base64 blobs to bytes, epoch numbers to timestamps), failing
with ``SerializationException`` on a type mismatch, and it checks every modelled constraint
(required, length, range, pattern, enum), failing with one ``ValidationException`` that lists
every violation. Both are driven here by the same API model botocore ships, read through
botocore's public loader; the compiled converters are cached per operation.
"""

from __future__ import annotations

import binascii
import functools
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape

from ._errors import ServiceError
from ._payload import payload_len, strict_b64decode

MAX_VALIDATION_ERRORS = 10

Decoder = Callable[[Any], Any]
#: (value, path, errors): appends one message per violation to ``errors``; with
#: ``errors=None`` (the fast first pass) raises ``_Invalid`` at the first one instead.
Validator = Callable[[Any, str, "list[str] | None"], None]


class _Mismatch(Exception):
    pass


class _Invalid(Exception):
    pass


def _report(errors: list[str] | None, message: Callable[..., str], *args: Any) -> None:
    """Record a violation: ``message(*args)`` is built only when messages are wanted."""
    if errors is None:
        raise _Invalid
    errors.append(message(*args))


@functools.cache
def service_model(service: str) -> ServiceModel:
    """The botocore API model of ``service`` (``"firehose"`` or ``"kinesis"``)."""
    return ServiceModel(Loader().load_service_model(service, "service-2"), service)


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def member_path(name: str) -> str:
    """The name the JSON front end uses for a member in messages: lower camel case."""
    return name[:1].lower() + name[1:]


# --------------------------------------------------------------------------- decoding


def _passthrough(kinds: tuple[type, ...], label: str) -> Decoder:
    def decode(value: Any) -> Any:
        if value is None or (isinstance(value, kinds) and not isinstance(value, bool)):
            return value
        raise _Mismatch(_scalar_mismatch(value, label))

    return decode


def _scalar_mismatch(value: Any, label: str) -> str:
    if isinstance(value, dict):
        return "Start of structure or map found where not expected."
    if isinstance(value, list):
        return "Start of list found where not expected"
    return f"{type(value).__name__.upper()}_VALUE can not be converted to {label}"


def _decode_bool(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    raise _Mismatch(_scalar_mismatch(value, "a Boolean"))


def _blob_decoder(trusted: bool) -> Decoder:
    def decode(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise _Mismatch(_scalar_mismatch(value, "a Blob"))
        if trusted:
            return value
        try:
            return strict_b64decode(value)
        except (binascii.Error, ValueError):
            raise _Mismatch("Base64 encoded data is not valid.") from None

    return decode


def _decode_timestamp(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Mismatch(_scalar_mismatch(value, "a Timestamp"))
    return datetime.fromtimestamp(value, timezone.utc)


@functools.cache
def _decoder(shape: Shape, trusted: bool) -> Decoder:
    """A converter for JSON already parsed into fresh dicts and lists, which it updates in
    place (they belong to this request alone)."""
    kind = shape.type_name
    if kind == "structure":
        members = {name: _decoder(member, trusted) for name, member in shape.members.items()}

        def decode_structure(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, dict):
                raise _Mismatch("Expected map or null")
            for key, child in value.items():
                decode = members.get(key)
                if decode is not None:
                    value[key] = decode(child)
            return value

        return decode_structure
    if kind == "list":
        item = _decoder(shape.member, trusted)

        def decode_list(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, list):
                raise _Mismatch("Expected list or null")
            value[:] = map(item, value)
            return value

        return decode_list
    if kind == "map":
        map_value = _decoder(shape.value, trusted)

        def decode_map(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, dict):
                raise _Mismatch("Expected map or null")
            for key, child in value.items():
                value[key] = map_value(child)
            return value

        return decode_map
    if kind == "blob":
        return _blob_decoder(trusted)
    if kind == "timestamp":
        return _decode_timestamp
    if kind == "boolean":
        return _decode_bool
    if kind in ("integer", "long"):
        return _passthrough((int,), "an Integer")
    if kind in ("double", "float"):
        return _passthrough((int, float), "a Double")
    return _passthrough((str,), "a String")


def decode_input(
    service: str, operation: str, params: Any, *, trusted: bool = False
) -> dict[str, Any]:
    """Typed parameters for ``operation``: blobs as bytes, timestamps as aware datetimes.
    ``params`` (freshly parsed JSON) is converted in place.

    ``trusted`` is for bodies botocore's own serializer wrote: their base64 is valid by
    construction, so blobs stay base64 text, decoded on first use (see ``_payload``).
    """
    shape = operation_model(service, operation).input_shape
    if shape is None:
        return {}
    try:
        decoded = _decoder(shape, trusted)(params)
    except _Mismatch as mismatch:
        raise ServiceError("SerializationException", str(mismatch), message_key="Message") from None
    return decoded if decoded is not None else {}


# --------------------------------------------------------------------------- validation


def _violation(value: Any, path: str, echo: bool, rule: str) -> str:
    shown = f"Value '{value}' at" if echo else "Value at"
    return f"{shown} '{path}' failed to satisfy constraint: Member must {rule}"


def _null_violation(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def _length_checks(shape: Shape, echo: bool, measure: Callable[[Any], int] = len) -> Validator:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    pattern_text = shape.metadata.get("pattern")
    pattern = None
    if pattern_text is not None:
        try:
            pattern = re.compile(pattern_text)
        except re.error:  # a Java-only construct; the service would check it, we cannot
            pattern = None
    enum = shape.metadata.get("enum")

    def check(value: Any, path: str, errors: list[str] | None) -> None:
        if enum is not None:
            if value not in enum:
                rule = f"satisfy enum value set: [{', '.join(enum)}]"
                _report(errors, _violation, value, path, echo, rule)
            return
        mismatch = pattern is not None and isinstance(value, str) and not pattern.fullmatch(value)
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
            _report(errors, _violation, value, path, True, rule)
        if high is not None and value > high:
            rule = f"have value less than or equal to {high}"
            _report(errors, _violation, value, path, True, rule)

    return check


def _nothing(value: Any, path: str, errors: list[str] | None) -> None:
    return None


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
        own = _length_checks(shape, echo=False)
        item = _validator(shape.member)

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
        return _length_checks(shape, echo=False)
    if kind == "blob":
        if "min" in shape.metadata or "max" in shape.metadata:
            return _length_checks(shape, echo=False, measure=payload_len)
        return _nothing
    if kind == "string":
        if any(k in shape.metadata for k in ("min", "max", "pattern", "enum")):
            return _length_checks(shape, echo=True)
        return _nothing
    if kind in ("integer", "long", "double", "float"):
        if "min" in shape.metadata or "max" in shape.metadata:
            return _range_checks(shape)
        return _nothing
    return _nothing


# --------------------------------------------------------------------------- the fast path


Conformer = Callable[[Any], None]


def _bounds(shape: Shape, measure: Callable[[Any], Any]) -> Conformer:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: Any) -> None:
        size = measure(value)
        if (low is not None and size < low) or (high is not None and size > high):
            raise _Invalid

    return check


def _typed(kinds: tuple[type, ...], then: Conformer | None = None) -> Conformer:
    def check(value: Any) -> None:
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise _Invalid
        if then is not None:
            then(value)

    return check


def _identity(value: Any) -> Any:
    return value


@functools.cache
def _conformer(shape: Shape) -> Conformer:
    """A read-only check of trusted JSON: raises ``_Invalid`` at anything that needs
    converting (timestamps) or that ``decode_input``/``validate_input`` would refuse."""
    kind = shape.type_name
    if kind == "structure":
        required = tuple(shape.required_members)
        members = {name: _conformer(member) for name, member in shape.members.items()}

        def check_structure(value: Any) -> None:
            if type(value) is not dict:
                raise _Invalid
            for name in required:
                if value.get(name) is None:
                    raise _Invalid
            for name, child in value.items():
                check = members.get(name)
                if check is not None and child is not None:
                    check(child)

        if len(members) == 1 and required == tuple(members):
            # A wrapper around one required member, such as a batch's Record {Data}: one
            # lookup per item instead of two loops.
            ((only, check_only),) = members.items()

            def check_wrapper(value: Any) -> None:
                if type(value) is not dict or len(value) != 1:
                    check_structure(value)
                    return
                child = value.get(only)
                if child is None:
                    raise _Invalid
                check_only(child)

            return check_wrapper

        return check_structure
    if kind == "list":
        own = _bounds(shape, len)
        item = _conformer(shape.member)

        def check_list(value: Any) -> None:
            if type(value) is not list:
                raise _Invalid
            own(value)
            for child in value:
                if child is None:
                    raise _Invalid
                item(child)

        return check_list
    if kind == "map":
        size = _bounds(shape, len)
        entry = _conformer(shape.value)

        def check_map(value: Any) -> None:
            if type(value) is not dict:
                raise _Invalid
            size(value)
            for child in value.values():
                if child is not None:
                    entry(child)

        return check_map
    if kind == "blob":
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max")

        def check_blob(value: Any) -> None:
            if type(value) is not str:
                raise _Invalid
            # Base64 text's length gives the decoded length give or take 2 bytes of
            # padding; count the padding only near a bound.
            upper = len(value) // 4 * 3
            if (high is not None and upper > high) or upper - 2 < low:
                size = payload_len(value)
                if (high is not None and size > high) or size < low:
                    raise _Invalid

        return check_blob
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum is not None:

            def check_enum(value: Any) -> None:
                if value not in enum:
                    raise _Invalid

            return check_enum
        pattern_text = shape.metadata.get("pattern")
        length = _bounds(shape, len)
        if pattern_text is None:
            return _typed((str,), length)
        try:
            pattern = re.compile(pattern_text)
        except re.error:
            return _typed((str,), length)

        def check_string(value: Any) -> None:
            if not isinstance(value, str) or not pattern.fullmatch(value):
                raise _Invalid
            length(value)

        return check_string
    if kind in ("integer", "long"):
        return _typed((int,), _bounds(shape, _identity))
    if kind in ("double", "float"):
        return _typed((int, float), _bounds(shape, _identity))
    if kind == "boolean":
        return _typed((bool,))

    def needs_converting(value: Any) -> None:  # timestamps, and any type not listed above
        raise _Invalid

    return needs_converting


def conforms(service: str, operation: str, params: Any) -> bool:
    """Whether trusted JSON ``params`` are already the typed, valid parameters: the fast
    path for bodies botocore wrote. ``False`` means: decode and validate as usual."""
    shape = operation_model(service, operation).input_shape
    if shape is None:
        return False
    try:
        _conformer(shape)(params)
    except _Invalid:
        return False
    return True


def validate_input(service: str, operation: str, params: dict[str, Any]) -> None:
    """Raise the ``ValidationException`` the service sends for violated model constraints."""
    shape = operation_model(service, operation).input_shape
    if shape is None:
        return
    check = _validator(shape)
    try:
        check(params, "", None)
        return
    except _Invalid:
        pass
    errors: list[str] = []
    check(params, "", errors)
    errors = errors[:MAX_VALIDATION_ERRORS]
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    raise ServiceError(
        "ValidationException", f"{count} validation {noun} detected: {'; '.join(errors)}"
    )
