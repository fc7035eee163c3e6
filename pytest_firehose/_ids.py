"""Identifiers that look like AWS's: RecordIds, request ids. Reproducible when seeded."""

from __future__ import annotations

import binascii
import hashlib
import os
import random
import uuid

#: Real RecordIds are 224 base64 characters (168 opaque bytes).
RECORD_ID_BYTES = 168
RECORD_ID_CHARS = 224
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#: Maps every byte value onto the alphabet; 256 = 4 x 64, so the result stays uniform.
_TO_BASE64 = bytes(_BASE64_ALPHABET[value % 64] for value in range(256))


class IdSource:
    """Random identifiers; with a ``seed``, the same sequence every run."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed) if seed is not None else None
        self._key = self._bytes(32)
        self._batches = 0

    def _bytes(self, count: int) -> bytes:
        return self._random.randbytes(count) if self._random is not None else os.urandom(count)

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
        return str(uuid.UUID(bytes=self._bytes(16), version=4))

    def extended_request_id(self) -> str:
        """An ``x-amz-id-2`` value: opaque base64."""
        return self._bytes(76).translate(_TO_BASE64).decode("ascii")
