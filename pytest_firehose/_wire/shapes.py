"""The services' API models, and request decoding driven by them.

The JSON 1.1 front end of AWS services turns JSON into typed values (base64 blobs to
bytes, epoch numbers to timestamps) before any service logic runs, failing with
``SerializationException`` on a type mismatch. That is driven here by the API model
botocore ships, read through botocore's public loader; the compiled converters are cached
per shape. Constraint validation, driven by the same model, is in ``_validation``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape

from pytest_firehose._errors import ServiceError
from pytest_firehose._wire.blobs import base64_problem

Decoder = Callable[[Any], Any]


class _Mismatch(Exception):
    pass


@functools.cache
def service_model(service: str) -> ServiceModel:
    """The botocore API model of ``service`` (``"firehose"`` or ``"kinesis"``)."""
    return ServiceModel(Loader().load_service_model(service, "service-2"), service)


@functools.cache
def operation_names(service: str) -> frozenset[str]:
    """The operations ``service``'s API model has (asked of every request)."""
    return frozenset(service_model(service).operation_names)


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def member_path(name: str) -> str:
    """The name the JSON front end uses for a member in messages: lower camel case."""
    return name[:1].lower() + name[1:]


# --------------------------------------------------------------------------- decoding

#: The largest values the front end's Integer and Long hold: a bigger JSON number is cut
#: down to them (kinesalite's tests, run against Kinesis, see 2147483648 become 2147483647).
INTEGER_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}

#: Strings the front end reads as a Boolean (kinesalite's AWS-validated notes name
#: true/false/yes/no/1/0; a 2026 probe of another Coral JSON front end adds y/n/t/f).
_BOOLEAN_WORDS = {
    **dict.fromkeys(("true", "yes", "y", "t", "1"), True),
    **dict.fromkeys(("false", "no", "n", "f", "0"), False),
}

#: Epoch seconds a timestamp may carry: what a datetime holds, a day inside either end so
#: that the models' date arithmetic cannot overflow.
_EPOCH_RANGE = (
    datetime(1, 1, 2, tzinfo=timezone.utc).timestamp(),
    datetime(9999, 12, 30, tzinfo=timezone.utc).timestamp(),
)


def _token(value: Any) -> str:
    """The JSON token name the front end prints for a value of the wrong type."""
    if value is True:
        return "TRUE_VALUE"
    if value is False:
        return "FALSE_VALUE"
    return "STRING_VALUE" if isinstance(value, str) else "NUMBER_VALUE"


def _scalar_mismatch(value: Any, label: str) -> _Mismatch:
    if isinstance(value, dict):
        return _Mismatch("Start of structure or map found where not expected.")
    if isinstance(value, list):
        return _Mismatch("Start of list found where not expected")
    return _Mismatch(f"{_token(value)} can not be converted to {label}")


def _decode_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    raise _scalar_mismatch(value, "a String")


def _integer_decoder(kind: str) -> Decoder:
    low, high = INTEGER_BOUNDS[kind]
    label = "an Integer" if kind == "integer" else "a Long"

    def decode(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _scalar_mismatch(value, label)
        if isinstance(value, float):
            # The front end truncates a fraction; an overflowing float is clamped below.
            # NaN (CBOR can carry it, JSON cannot) is no number of either.
            if value != value:
                raise _scalar_mismatch(value, label)
            value = high if value >= high else low if value <= low else int(value)
        return min(max(value, low), high)

    return decode


def _decode_double(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _scalar_mismatch(value, "a Double")
    return float(value)


def _decode_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = _BOOLEAN_WORDS.get(value.lower())
        if word is not None:
            return word
        # Sic: the front end's article for a string is "an" (2015 and 2026 captures).
        raise _Mismatch("STRING_VALUE can not be converted to an Boolean")
    raise _scalar_mismatch(value, "a Boolean")


def _decode_timestamp(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _scalar_mismatch(value, "milliseconds since epoch")
    low, high = _EPOCH_RANGE
    if not low <= value <= high:
        raise _Mismatch("NUMBER_VALUE can not be converted to milliseconds since epoch")
    return datetime.fromtimestamp(value, timezone.utc)


def _blob_decoder() -> Decoder:
    def decode(value: Any) -> Any:
        if not isinstance(value, str):
            raise _scalar_mismatch(value, "a Blob")
        problem = base64_problem(value)
        if problem is not None:
            raise _Mismatch(f"'{value}' can not be converted to a Blob: {problem}")
        # Canonical base64 decodes: the text is kept, decoded on first use (see _payload).
        return value

    return decode


@functools.cache
def _decoder(shape: Shape) -> Decoder:
    """A converter for JSON already parsed into fresh dicts and lists, which it updates in
    place (they belong to this request alone). A JSON null is never passed to one: a null
    structure member is removed (absent), a null list item or map value is left for
    validation to refuse."""
    kind = shape.type_name
    if kind == "structure":
        return _structure_decoder(shape)
    if kind == "list":
        item = _decoder(shape.member)

        def decode_list(value: Any) -> Any:
            if isinstance(value, dict):
                raise _Mismatch("Start of structure or map found where not expected.")
            if not isinstance(value, list):
                raise _Mismatch("Expected list or null")
            value[:] = [None if child is None else item(child) for child in value]
            return value

        return decode_list
    if kind == "map":
        map_value = _decoder(shape.value)

        def decode_map(value: Any) -> Any:
            if isinstance(value, list):
                raise _Mismatch("Start of list found where not expected")
            if not isinstance(value, dict):
                raise _Mismatch("Expected map or null")
            for key, child in value.items():
                if child is not None:
                    value[key] = map_value(child)
            return value

        return decode_map
    simple: dict[str, Decoder] = {
        "blob": _blob_decoder(),
        "timestamp": _decode_timestamp,
        "boolean": _decode_bool,
        "double": _decode_double,
        "float": _decode_double,
        "integer": _integer_decoder("integer"),
        "long": _integer_decoder("long"),
    }
    return simple.get(kind, _decode_string)


def _structure_decoder(shape: Shape) -> Decoder:
    members = {name: _decoder(member) for name, member in shape.members.items()}

    def decode_structure(value: Any) -> Any:
        if isinstance(value, list):
            raise _Mismatch("Start of list found where not expected")
        if not isinstance(value, dict):
            # Sic: the front end names only null as what it expected here.
            raise _Mismatch("Expected null")
        for key in [key for key, child in value.items() if child is None]:
            del value[key]  # an explicit null is an absent member
        for key, child in value.items():
            decode = members.get(key)
            if decode is not None:
                value[key] = decode(child)
        return value

    return decode_structure


def decode_input(service: str, operation: str, params: Any) -> dict[str, Any]:
    """Typed parameters for ``operation``: timestamps as aware datetimes, blobs checked and
    kept as their base64 text, decoded on first use (see ``_payload``). ``params``
    (freshly parsed JSON) is converted in place."""
    shape = operation_model(service, operation).input_shape
    if shape is None:
        return {}
    try:
        decoded: dict[str, Any] = _decoder(shape)(params)
    except _Mismatch as mismatch:
        raise ServiceError("SerializationException", str(mismatch), message_key="Message") from None
    return decoded


# --------------------------------------------------------------------------- answers

#: Converts one value of an answer.
Convert = Callable[[Any], Any]


@functools.cache
def member_converter(shape: Shape, kinds: frozenset[str], convert: Convert) -> Convert | None:
    """A converter for a value of ``shape`` (an answer, made by the fake) that puts each
    value of a member of type ``kinds`` through ``convert`` and leaves everything else as
    it is, or None when nothing in ``shape`` is of those types. It makes new lists and
    dicts where something in them changes; the value given is never changed."""
    return _converter(shape, kinds, convert, set())


def _converter(
    shape: Shape, kinds: frozenset[str], convert: Convert, seen: set[str]
) -> Convert | None:
    kind = shape.type_name
    if kind in kinds:
        return convert
    if shape.name in seen:  # a shape within itself (no answer of these services has one)
        return None
    seen.add(shape.name)
    try:
        if kind == "list":
            item = _converter(shape.member, kinds, convert, seen)
            return None if item is None else functools.partial(_each, item)
        if kind == "map":
            value = _converter(shape.value, kinds, convert, seen)
            return None if value is None else functools.partial(_each_value, value)
        if kind != "structure":
            return None
        found = {
            name: _converter(member, kinds, convert, seen) for name, member in shape.members.items()
        }
        members = {name: member for name, member in found.items() if member is not None}
        if len(members) == 1:  # a record's one timestamp, say: no loop over the members
            ((name, member),) = members.items()
            return functools.partial(_one_member, name, member)
        return functools.partial(_structure, members) if members else None
    finally:
        seen.discard(shape.name)  # a shape met again beside itself is converted again


def _each(item: Convert, value: Any) -> Any:
    return list(map(item, value)) if type(value) is list else value


def _each_value(convert: Convert, value: Any) -> Any:
    if type(value) is not dict:
        return value
    return {key: convert(entry) for key, entry in value.items()}


def _one_member(name: str, convert: Convert, value: Any) -> Any:
    if type(value) is not dict or name not in value:
        return value
    converted = value.copy()
    converted[name] = convert(value[name])
    return converted


def _structure(members: dict[str, Convert], value: Any) -> Any:
    if type(value) is not dict:
        return value
    found = [name for name in members if name in value]
    if not found:
        return value
    converted = value.copy()
    for name in found:
        converted[name] = members[name](value[name])
    return converted
