"""Base64 blobs as the JSON front end reads them: which text it accepts, and what it says
about text it refuses.

The front end accepts only canonical base64 of the standard alphabet: a length that is a
multiple of 4, padding only at the end, and no bits set past the data in the last
character. kinesalite's tests, run against Kinesis, record its three messages (the typo
"dectected" is AWS's).
"""

from __future__ import annotations

import re

#: The characters of base64 text, padding included.
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

#: Characters whose low bits are zero, as the last data character before one or two pads.
_BEFORE_ONE_PAD = frozenset("AEIMQUYcgkosw048")
_BEFORE_TWO_PADS = frozenset("AQgw")

_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]|=[^=]")


def is_canonical(text: str) -> bool:
    """Whether the front end accepts ``text`` as a blob. Cheap: the fast path asks it of
    every record botocore sends, since a hook may have rewritten the body."""
    size = len(text)
    if size & 3:
        return False
    if not text.isascii() or text.encode("ascii").translate(None, _ALPHABET):
        return False
    pad = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
    if text.find("=", 0, size - pad) != -1:
        return False
    if pad == 1:
        return text[-2] in _BEFORE_ONE_PAD
    return pad == 0 or text[-3] in _BEFORE_TWO_PADS


def base64_problem(text: str) -> str | None:
    """Why the front end refuses ``text`` as a blob, in its words; ``None`` when it does not."""
    if is_canonical(text):  # the cheap check first: nearly every blob passes
        return None
    if len(text) % 4:
        return f"Base64 encoded length is expected a multiple of 4 bytes but found: {len(text)}"
    bad = _NOT_BASE64.search(text)
    if bad is not None:
        return f"Invalid Base64 character: '{bad.group()[0]}'"
    return "Invalid last non-pad Base64 character dectected"
