"""Identifiers that look like AWS's: RecordIds, request ids. Reproducible when seeded."""

from __future__ import annotations

import binascii
import hashlib
import itertools
import os
import random
import weakref
from typing import TypeAlias

#: Real RecordIds are 224 base64 characters (168 opaque bytes).
RECORD_ID_BYTES = 168
RECORD_ID_CHARS = 224
EXTENDED_ID_BYTES = 72

#: A record id as the accept log keeps it: a key from :meth:`IdSource.record_keys`, which
#: :func:`record_id_text` turns into the text the put answered, or the text itself (a
#: Kinesis source's sequence number, shared with the Kinesis record).
RecordKey: TypeAlias = int | str

#: A key packs (batch counter, index in the batch, source): the index below 2**_INDEX_BITS
#: (a put carries at most 500 records), the source below 2**_SOURCE_BITS. Keys stay under
#: 2**60, two 30-bit digits (32 bytes), while sources and batches are that few.
_INDEX_BITS = 10
_SOURCE_BITS = 16
_SOURCE_MASK = (1 << _SOURCE_BITS) - 1
_INDEX_MASK = (1 << _INDEX_BITS) - 1
#: The sources keys name, by number; an IdSource nothing else holds is dropped, and its
#: number given to the next one made (whatever holds its keys holds it too: its service).
_SOURCES: weakref.WeakValueDictionary[int, IdSource] = weakref.WeakValueDictionary()
_FREE: list[int] = []
_NUMBERS = itertools.count(1)


def _number(source: IdSource) -> int:
    number = _FREE.pop() if _FREE else next(_NUMBERS)
    if number > _SOURCE_MASK:
        raise RuntimeError(f"more than {_SOURCE_MASK} fake worlds alive at once")
    _SOURCES[number] = source
    weakref.finalize(source, _FREE.append, number)
    return number


#: A version-4 UUID's variant nibble (RFC 9562: its top two bits are 10), by the drawn
#: nibble's low two bits.
_UUID_VARIANT = "89ab"


#: The generator of every unseeded source: seeded once from the OS (a generator seeded
#: for each world would read 2,496 bytes of the OS's randomness at every test's start), and
#: again in a forked child, as the ``random`` module's own is.
_UNSEEDED = random.Random()
if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_UNSEEDED.seed)


class IdSource:
    """Random identifiers; with a ``seed``, the same sequence every run, from a generator
    of its own. Unseeded, from one generator seeded from the OS (``_UNSEEDED``): the ids
    need to be unpredictable to nobody, and one system call per id is most of a small
    request's id cost."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed) if seed is not None else _UNSEEDED
        self._key = self._bytes(32)
        self._batches = 0
        self._number = _number(self)
        #: The last batch rendered for ``record_id``: (batch, its digest so far).
        self._rendered: tuple[int, bytes] = (0, b"")

    def _bytes(self, count: int) -> bytes:
        return self._random.randbytes(count)

    def record_keys(self, count: int) -> tuple[range, list[str]]:
        """``count`` RecordIds, each 168 opaque bytes in base64, drawn from an extendable
        hash of a secret key and a batch counter (faster than the OS's randomness), with
        the keys that stand for them in the accept log (small ints, where the text takes
        273 bytes): ``record_id_text(keys[i]) == texts[i]``.

        168 bytes encode to exactly 224 characters, so one encoding of the whole draw is
        cut into ids with no padding in between."""
        self._batches += 1
        raw = self._digest(self._batches, count)
        text = binascii.b2a_base64(raw, newline=False).decode("ascii")
        if count == 1:  # a PutRecord's
            texts = [text]
        else:
            texts = [text[i : i + RECORD_ID_CHARS] for i in range(0, len(text), RECORD_ID_CHARS)]
        first = ((self._batches << _INDEX_BITS) << _SOURCE_BITS) | self._number
        return range(first, first + (count << _SOURCE_BITS), 1 << _SOURCE_BITS), texts

    def _digest(self, batch: int, count: int) -> bytes:
        """The opaque bytes of batch ``batch``'s first ``count`` RecordIds."""
        stream = hashlib.shake_128(self._key + batch.to_bytes(8, "big"))
        return stream.digest(RECORD_ID_BYTES * count)

    def record_id(self, key: int) -> str:
        """The RecordId ``key`` (one of ``record_keys``) stands for. The batch's digest is
        kept, grown by doubling, so reading a batch's ids in any order hashes it about
        twice at most."""
        index = (key >> _SOURCE_BITS) & _INDEX_MASK
        batch = key >> (_SOURCE_BITS + _INDEX_BITS)
        rendered, raw = self._rendered
        end = (index + 1) * RECORD_ID_BYTES
        if rendered != batch or len(raw) < end:
            have = len(raw) // RECORD_ID_BYTES if rendered == batch else 0
            raw = self._digest(batch, max(index + 1, 2 * have))
            self._rendered = (batch, raw)
        chunk = raw[end - RECORD_ID_BYTES : end]
        return binascii.b2a_base64(chunk, newline=False).decode("ascii")

    def uuid(self) -> str:
        """A version-4 UUID in its canonical text; the same as ``uuid.UUID(bytes=...,
        version=4)`` makes of the same 16 bytes, without building the object."""
        return _uuid_text(self._random.randbytes(16))

    def digits(self, count: int) -> str:
        """``count`` random decimal digits (a CloudWatch Logs event id is 56 of them)."""
        return str(self._random.randrange(10**count)).zfill(count)

    def opaque(self, count: int) -> str:
        """``count`` random bytes in base64: an opaque token (a receipt handle)."""
        return binascii.b2a_base64(self._bytes(count), newline=False).decode("ascii")

    def extended_request_id(self) -> str:
        """An ``x-amz-id-2`` value: 72 opaque bytes in base64 (96 characters). AWS's decode
        to 64 to 80 bytes (kinesalite's connection tests, run against AWS, assert it)."""
        return self.opaque(EXTENDED_ID_BYTES)

    def request_ids(self) -> tuple[str, str]:
        """A request's ``x-amzn-RequestId`` and ``x-amz-id-2``: ``uuid()`` and
        ``extended_request_id()`` of one draw of their bytes, the same as calling them in
        turn (one draw: every request makes both)."""
        drawn = self._random.randbytes(16 + EXTENDED_ID_BYTES)
        extended = binascii.b2a_base64(drawn[16:], newline=False).decode("ascii")
        return _uuid_text(drawn[:16]), extended


def _uuid_text(drawn: bytes) -> str:
    """The version-4 UUID of 16 drawn bytes, as ``str(uuid.UUID(bytes=drawn, version=4))``:
    their hex digits, with the version nibble set to 4 and the variant's two bits to 10."""
    text = drawn.hex()
    variant = _UUID_VARIANT[int(text[16], 16) & 3]
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{variant}{text[17:20]}-{text[20:]}"


def id_source(key: RecordKey) -> IdSource | None:
    """The source that made ``key`` (None for a key that is its own text). Raises
    ``LookupError`` once that source is gone."""
    if isinstance(key, str):
        return None
    return _SOURCES[key & _SOURCE_MASK]


def record_id_text(key: RecordKey) -> str:
    """The RecordId the put answered for the record the accept log keeps as ``key``."""
    if isinstance(key, str):
        return key
    return _SOURCES[key & _SOURCE_MASK].record_id(key)
