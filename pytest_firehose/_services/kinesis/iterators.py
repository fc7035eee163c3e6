"""Kinesis shard iterators: what one encodes (its stream, shard and position, and when it
was issued), written as opaque base64 shaped as AWS's are and authenticated, so that an
iterator the fake did not issue is refused; and Java's ``Date.toString``, in which the
iterator messages name a time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from pytest_firehose._payload import strict_b64decode

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def java_date(millis: int) -> str:
    """``EEE MMM dd HH:mm:ss UTC yyyy``, as Java's ``Date.toString`` writes it in UTC."""
    moment = _EPOCH + millis * _MS
    return (
        f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment:%d %H:%M:%S} UTC "
        f"{moment.year}"
    )


class ShardIterator(NamedTuple):
    """What a shard iterator encodes."""

    created_ms: int
    stream: str
    #: The ``incarnation`` of the stream it reads.
    incarnation: int
    shard_index: int
    #: Sequence index of the first record to read.
    position: int


# Real iterators are base64 whose first 8 bytes are 00..01 followed by opaque, 16-byte
# aligned bytes, ~200-280 characters (REAL). Ours: header, a 16-byte keyed digest of the
# fields (authenticates them and seeds the mask), then the masked fields.
_ITERATOR_HEADER = bytes(7) + b"\x01"
_ITERATOR_KEY = b"pytest-firehose/kinesis/shard-iterator"
_ITERATOR_FIELDS = struct.Struct(">QQQIQB")
_ITERATOR_MIN_BODY = 144


def _tag(body: bytes) -> bytes:
    """A keyed digest of the fields. Its first byte has the top two bits set, as the byte
    after the header has in real iterators: they all start ``AAAAAAAAAAH`` (REAL)."""
    digest = hashlib.blake2b(body, key=_ITERATOR_KEY, digest_size=16).digest()
    return bytes((digest[0] | 0xC0,)) + digest[1:]


def _mask(tag: bytes, body: bytes) -> bytes:
    pad = hashlib.shake_128(_ITERATOR_KEY + tag).digest(len(body))
    return (int.from_bytes(body, "big") ^ int.from_bytes(pad, "big")).to_bytes(len(body), "big")


def encode_iterator(iterator: ShardIterator, nonce: int) -> str:
    name = iterator.stream.encode("utf-8")
    body = (
        _ITERATOR_FIELDS.pack(
            iterator.created_ms,
            nonce,
            iterator.incarnation,
            iterator.shard_index,
            iterator.position,
            len(name),
        )
        + name
    )
    body += bytes(max(_ITERATOR_MIN_BODY, -(-len(body) // 16) * 16) - len(body))
    tag = _tag(body)
    return base64.b64encode(_ITERATOR_HEADER + tag + _mask(tag, body)).decode("ascii")


def decode_iterator(text: str) -> ShardIterator | None:
    """The fields of an iterator this model issued, or ``None``. An iterator wrapped in
    literal double quotes is accepted (REAL, LocalStack's AWS-validated test)."""
    if len(text) > 1 and text[0] == text[-1] == '"':
        text = text[1:-1]
    try:
        raw = strict_b64decode(text)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 24 + _ITERATOR_MIN_BODY or raw[:8] != _ITERATOR_HEADER or len(raw) % 16 != 8:
        return None
    tag = raw[8:24]
    body = _mask(tag, raw[24:])
    if not hmac.compare_digest(tag, _tag(body)):
        return None
    created, _, incarnation, shard_index, position, size = _ITERATOR_FIELDS.unpack_from(body)
    start = _ITERATOR_FIELDS.size
    try:
        name = body[start : start + size].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return ShardIterator(created, name, incarnation, shard_index, position)
