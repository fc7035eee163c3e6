"""KPL aggregation, as Firehose reads it from a Kinesis source: a Kinesis record whose data
is the aggregation format's magic prefix, an ``AggregatedRecord`` protobuf message and the
message's MD5 digest holds several user records, which Firehose takes in one by one.

The protobuf message is decoded by ``protobuf`` (the ``kpl`` extra). The message's schema
(the aggregation format's ``AggregatedRecord`` and ``Record``) is declared here, in a
descriptor pool of its own, so that it cannot clash with a schema the code under test loads.

A record that only looks aggregated (the prefix, but a digest that does not match, or a
message that does not parse, or a user record naming a partition key the table lacks) is
taken as it is, as the Kinesis Client Library takes it.
"""

from __future__ import annotations

import functools
import hashlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_firehose._payload import Payload

#: The aggregation format's first four bytes.
MAGIC = b"\xf3\x89\x9a\xc2"
_DIGEST = hashlib.md5().digest_size
#: How base64 text of data starting with MAGIC starts.
_MAGIC_TEXT = "84ma"
#: What installs the decoder.
EXTRA = "pip install pytest-firehose[kpl]"


class DecoderMissing(Exception):
    """A record is KPL-aggregated, and ``protobuf`` (the ``kpl`` extra) is not installed."""


def maybe_aggregated(payload: Payload) -> bool:
    """Whether ``payload`` (bytes, or base64 text) starts as an aggregate does: cheap,
    without decoding text."""
    if isinstance(payload, str):
        return payload.startswith(_MAGIC_TEXT)
    return payload.startswith(MAGIC)


def _message(data: bytes) -> bytes | None:
    """The protobuf message of an aggregate, or None when ``data`` is no well-formed
    aggregate (no prefix, or a digest that does not match)."""
    if not data.startswith(MAGIC) or len(data) <= len(MAGIC) + _DIGEST:
        return None
    message, digest = data[len(MAGIC) : -_DIGEST], data[-_DIGEST:]
    if hashlib.md5(message).digest() != digest:
        return None
    return message


@functools.cache
def _aggregated_record() -> Any:
    """The ``AggregatedRecord`` message class (None without protobuf)."""
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError:
        return None
    field = descriptor_pb2.FieldDescriptorProto
    required, optional, repeated = field.LABEL_REQUIRED, field.LABEL_OPTIONAL, field.LABEL_REPEATED
    schema = descriptor_pb2.FileDescriptorProto(
        name="pytest_firehose/kpl_aggregation.proto", package="kpl", syntax="proto2"
    )
    # (message, field, number, type, label): the aggregation format's messages, without
    # the tags a user record may carry (Firehose does not deliver them; the parser skips them).
    fields = (
        ("Record", "partition_key_index", 1, field.TYPE_UINT64, required),
        ("Record", "explicit_hash_key_index", 2, field.TYPE_UINT64, optional),
        ("Record", "data", 3, field.TYPE_BYTES, required),
        ("AggregatedRecord", "partition_key_table", 1, field.TYPE_STRING, repeated),
        ("AggregatedRecord", "explicit_hash_key_table", 2, field.TYPE_STRING, repeated),
        ("AggregatedRecord", "records", 3, field.TYPE_MESSAGE, repeated),
    )
    messages = {name: schema.message_type.add(name=name) for name in ("Record", "AggregatedRecord")}
    for message, name, number, kind, label in fields:
        added = messages[message].field.add(name=name, number=number, type=kind, label=label)
        if kind == field.TYPE_MESSAGE:
            added.type_name = ".kpl.Record"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(schema)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("kpl.AggregatedRecord"))


def user_records(data: bytes) -> list[tuple[bytes, str]] | None:
    """The user records of aggregate ``data``, in order, each (data, partition key); None
    when ``data`` is to be taken as it is. Raises :class:`DecoderMissing` for a
    well-formed aggregate while ``protobuf`` is not installed."""
    message = _message(data)
    if message is None:
        return None
    aggregated_record = _aggregated_record()
    if aggregated_record is None:
        raise DecoderMissing(EXTRA)
    parsed = aggregated_record()
    try:
        parsed.ParseFromString(message)
    except Exception:  # protobuf's DecodeError, or a string field that is not UTF-8
        return None
    keys = list(parsed.partition_key_table)
    records = list(parsed.records)
    if not records or not all(isinstance(key, str) for key in keys):
        return None  # no user record, or a key that is not UTF-8
    if any(r.partition_key_index >= len(keys) for r in records):
        return None
    return [(bytes(r.data), keys[r.partition_key_index]) for r in records]
