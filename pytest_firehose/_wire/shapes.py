"""The services' API models, and request decoding driven by them.

The JSON 1.1 front end of AWS services turns JSON into typed values (base64 blobs to
bytes, epoch numbers to timestamps) before any service logic runs, failing with
``SerializationException`` on a type mismatch. That is driven here by the API model
botocore ships, read through botocore's public loader; the compiled converters are cached
per shape. Constraint validation, driven by the same model, is in ``_validation``.
"""

from __future__ import annotations

import binascii
import functools
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape

from pytest_firehose._errors import ServiceError
from pytest_firehose._payload import strict_b64decode

Decoder = Callable[[Any], Any]


class _Mismatch(Exception):
    pass


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
