"""Payloads as they came off the wire, decoded to bytes only when someone looks.

Most records a test sends are never looked at one by one, and decoding base64 costs more
than everything else the fake does with a record. So a blob parameter is either ``bytes``
(a payload given in process) or ``str``: canonical base64 text as it
came off the JSON wire (botocore's, or checked when the request arrived), decoded on
first use; a large one's bytes are kept a while, for the next look.
"""

from __future__ import annotations

import base64
import binascii
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable
from itertools import repeat
from operator import itemgetter
from typing import Any, TypeAlias

Payload: TypeAlias = bytes | str

if sys.version_info >= (3, 11):

    def strict_b64decode(text: str) -> bytes:
        """Decode base64, refusing anything that is not canonical base64."""
        return binascii.a2b_base64(text, strict_mode=True)

else:  # pragma: no cover - Python 3.10

    def strict_b64decode(text: str) -> bytes:
        """Decode base64, refusing anything that is not canonical base64."""
        return base64.b64decode(text, validate=True)


class _Decoded:
    """The bytes of the large base64 texts decoded last, ``limit`` bytes at most in all, the
    least recently read dropped first. A record's payload stays text where the fake keeps
    it, and every read of a stream's records makes new views of it: without this, a test
    that reads the records after every step (a property test's invariant) decodes each
    large payload again each time. Equal texts are one payload, so a copy of one (a retried
    put, a record read from Kinesis) is decoded once too."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._held: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __call__(self, text: str) -> bytes:
        with self._lock:
            data = self._held.get(text)
            if data is not None:
                self._held.move_to_end(text)
                return data
        data = strict_b64decode(text)
        if len(data) > self._limit:
            return data
        with self._lock:
            if text not in self._held:
                self._held[text] = data
                self._size += len(data)
                while self._size > self._limit:
                    self._size -= len(self._held.popitem(last=False)[1])
        return data


#: Base64 texts at least this long are decoded through ``_decoded``: a shorter one decodes
#: in less time than the look-up saves.
_KEPT_FROM = 32 * 1024
_decoded = _Decoded(16 * 1024 * 1024)


def payload_bytes(payload: Payload) -> bytes:
    if isinstance(payload, str):
        return _decoded(payload) if len(payload) >= _KEPT_FROM else strict_b64decode(payload)
    return payload


#: Payloads longer than this are cut short in messages.
_LONG = 80


def shown(payload: bytes) -> str:
    """A payload for a message: in full when short, else its start and its size."""
    if len(payload) <= _LONG:
        return repr(payload)
    return f"{payload[:_LONG]!r}... ({len(payload)} bytes)"


def payload_len(payload: Payload) -> int:
    """The decoded length in bytes, computed from base64 text without decoding it."""
    if isinstance(payload, str):
        return len(payload) // 4 * 3 - payload[-2:].count("=")
    return len(payload)


def payloads_len(payloads: Iterable[Payload]) -> int:
    """The decoded length of ``payloads`` together, ``sum(map(payload_len, payloads))``
    without a Python call per payload while all are text: canonical base64 is a multiple
    of 4 characters, the last two of which say how much padding there is."""
    payloads = payloads if isinstance(payloads, list) else list(payloads)
    try:
        padding = sum(map(str.count, payloads, repeat("="), repeat(-2)))
    except TypeError:  # bytes among them
        return sum(map(payload_len, payloads))
    return sum(map(len, payloads)) // 4 * 3 - padding


_DATA = itemgetter("Data")


def data_of(entries: list[Any]) -> tuple[Payload, ...]:
    """The ``Data`` of each entry of a put, in order. Runs before validation, so an entry
    that is not an object (or has no Data, or an empty one) gives ``b""``, keeping the
    positions."""
    try:  # every entry an object with its Data, as botocore sends them
        payloads = tuple(map(_DATA, entries))
    except (KeyError, TypeError):
        pass
    else:
        if all(payloads):
            return payloads
    return tuple((e.get("Data") or b"") if isinstance(e, dict) else b"" for e in entries)


class PayloadRecord:
    """A record that compares equal to its payload, so ``records == [b"a", b"b"]`` reads
    naturally, and two copies of one payload (a duplicate) count twice in a Counter. It
    orders as its payload too, so ``sorted(records) == [b"a", b"b"]`` checks records whose
    order does not matter. ``.data`` decodes the payload on first use; ``bytes(record)`` is
    the payload too."""

    __slots__ = ("_payload",)

    def __init__(self, payload: Payload) -> None:
        self._payload = payload

    @property
    def data(self) -> bytes:
        if isinstance(self._payload, str):
            self._payload = payload_bytes(self._payload)
        return self._payload

    def __bytes__(self) -> bytes:
        return self.data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PayloadRecord):
            return self.data == other.data
        if isinstance(other, (bytes, bytearray)):
            return self.data == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.data)

    def _compared(self, other: object) -> bytes | None:
        """The payload ``other`` stands for, or ``None`` when it is not one."""
        if isinstance(other, PayloadRecord):
            return other.data
        if isinstance(other, (bytes, bytearray)):
            return bytes(other)
        return None

    def __lt__(self, other: object) -> bool:
        data = self._compared(other)
        return NotImplemented if data is None else self.data < data

    def __le__(self, other: object) -> bool:
        data = self._compared(other)
        return NotImplemented if data is None else self.data <= data

    def __gt__(self, other: object) -> bool:
        data = self._compared(other)
        return NotImplemented if data is None else self.data > data

    def __ge__(self, other: object) -> bool:
        data = self._compared(other)
        return NotImplemented if data is None else self.data >= data
