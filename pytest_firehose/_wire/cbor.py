"""AWS's CBOR wire form (``application/x-amz-cbor-1.1``), read and written with ``cbor2``.

The AWS SDK for Java (and with it the Java KCL and KPL) talks to Kinesis in CBOR by default.
Its generator writes a timestamp as CBOR tag 1 around an integer of epoch *milliseconds*
(``SdkCborGenerator.writeValue``: ``writeTag(1)`` then ``writeNumber(date.getTime())``), not
the seconds RFC 8949 gives tag 1, and a blob as a byte string; answers are read the same
way. Requests are turned into the JSON form the rest of the wire reads (base64 blobs, epoch
seconds), so validation has one input form; answers are written from the model's values.

``cbor2`` is an optional dependency (the ``cbor`` extra): without it a CBOR request is
answered with an error that names the extra.
"""

from __future__ import annotations

import base64
import importlib
from datetime import datetime
from typing import Any

from botocore.model import Shape

from pytest_firehose._clock import epoch_millis
from pytest_firehose._payload import payload_bytes
from pytest_firehose._wire.shapes import member_converter

CBOR_CONTENT_TYPE = "application/x-amz-cbor-1.1"
_TIMESTAMP_TAG = 1
#: What a CBOR request is answered when ``cbor2`` is missing.
MISSING_EXTRA = (
    "pytest-firehose reads application/x-amz-cbor-1.1 (the AWS SDK for Java's default for "
    "Kinesis) with cbor2: pip install 'pytest-firehose[cbor]', or make the client send JSON "
    "(AWS_CBOR_DISABLE=true, or -Dcom.amazonaws.sdk.disableCbor / aws.cborEnabled=false)"
)


def _cbor2() -> Any | None:
    try:
        return importlib.import_module("cbor2")
    except ImportError:
        return None


def available() -> bool:
    """Whether ``cbor2`` is installed."""
    return _cbor2() is not None


class _Millis(int):
    """An epoch-milliseconds timestamp read from CBOR tag 1."""


def _timestamp(value: Any, _immutable: bool) -> Any:
    return _Millis(value) if isinstance(value, int) and not isinstance(value, bool) else value


def parse(body: bytes) -> Any:
    """The request's value in the JSON form the wire reads, or ``None`` when it is not
    CBOR (or not one whole CBOR item)."""
    cbor2 = _cbor2()
    if cbor2 is None:
        raise RuntimeError(MISSING_EXTRA)
    try:
        value = cbor2.loads(body, semantic_decoders={_TIMESTAMP_TAG: _timestamp})
        return _json_form(value)
    except (cbor2.CBORError, ValueError, RecursionError, OverflowError, _NotJson):
        # Also what JSON cannot say: a map key other than text, a timestamp past a double.
        return None


class _NotJson(Exception):
    """A CBOR item with no JSON form (a map key other than text)."""


def _json_form(value: Any) -> Any:
    if isinstance(value, dict):
        if not all(type(key) is str for key in value):
            raise _NotJson
        return {key: _json_form(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_form(item) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, _Millis):
        return int(value) / 1000
    if isinstance(value, datetime):  # a tag 0 date-time string, should a client send one
        return value.timestamp()
    return value


def dumps(value: Any, shape: Shape | None = None) -> bytes:
    """``value`` as CBOR: blobs as byte strings, timestamps as tag 1 epoch milliseconds.
    ``shape``: the answer's output shape, whose blob members may hold base64 text (a
    payload kept as it came off the JSON wire, ``_payload``)."""
    cbor2 = _cbor2()
    if cbor2 is None:
        raise RuntimeError(MISSING_EXTRA)
    if shape is not None:
        blobs = member_converter(shape, _BLOB, payload_bytes)
        if blobs is not None:
            value = blobs(value)
    return bytes(cbor2.dumps(_tagged(value, cbor2)))


_BLOB = frozenset({"blob"})


def _tagged(value: Any, cbor2: Any) -> Any:
    if isinstance(value, dict):
        return {key: _tagged(item, cbor2) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tagged(item, cbor2) for item in value]
    if isinstance(value, datetime):
        return cbor2.CBORTag(_TIMESTAMP_TAG, epoch_millis(value))
    return value
