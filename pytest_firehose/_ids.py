"""Identifiers that look like AWS's: RecordIds, request ids. Reproducible when seeded."""

from __future__ import annotations

import binascii
import hashlib
import random

#: Real RecordIds are 224 base64 characters (168 opaque bytes).
RECORD_ID_BYTES = 168
RECORD_ID_CHARS = 224
EXTENDED_ID_BYTES = 72


#: The bits a version-4 UUID fixes (RFC 9562): the version nibble and the variant's two bits.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (4 << 76) | (0x8000 << 48)


class IdSource:
    """Random identifiers; with a ``seed``, the same sequence every run. Unseeded, a
    generator seeded once from the OS: the ids need to be unpredictable to nobody, and one
    system call per id is most of a small request's id cost."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)
        self._key = self._bytes(32)
        self._batches = 0

    def _bytes(self, count: int) -> bytes:
        return self._random.randbytes(count)

    def record_ids(self, count: int) -> list[str]:
        """``count`` RecordIds, each 168 opaque bytes in base64, drawn from an extendable
        hash of a secret key and a batch counter (faster than the OS's randomness).

        168 bytes encode to exactly 224 characters, so one encoding of the whole draw is
        cut into ids with no padding in between."""
        self._batches += 1
        stream = hashlib.shake_128(self._key + self._batches.to_bytes(8, "big"))
        raw = stream.digest(RECORD_ID_BYTES * count)
        text = binascii.b2a_base64(raw, newline=False).decode("ascii")
        return [text[i : i + RECORD_ID_CHARS] for i in range(0, len(text), RECORD_ID_CHARS)]

    def uuid(self) -> str:
        """A version-4 UUID in its canonical text; the same as ``uuid.UUID(bytes=...,
        version=4)`` makes of the same 16 bytes, without building the object."""
        value = int.from_bytes(self._bytes(16), "big") & _UUID_CLEAR | _UUID_SET
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def extended_request_id(self) -> str:
        """An ``x-amz-id-2`` value: 72 opaque bytes in base64 (96 characters). AWS's decode
        to 64 to 80 bytes (kinesalite's connection tests, run against AWS, assert it)."""
        return binascii.b2a_base64(self._bytes(EXTENDED_ID_BYTES), newline=False).decode("ascii")
