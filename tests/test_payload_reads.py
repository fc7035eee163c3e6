"""A large payload is decoded once however often a test reads it: the bytes of the large
base64 texts read last are kept (up to a bound), so reading a stream's records after every
step of a property test does not decode every large payload again each time."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import pytest
from conftest import put, s3_stream

from pytest_firehose import FirehoseFake, _payload
from pytest_firehose._payload import payload_bytes


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of each base64 text decoded from now on, none of them kept before."""
    monkeypatch.setattr(_payload, "_decoded", _payload._Decoded(16 * 1024 * 1024))
    seen: list[int] = []
    real = _payload.strict_b64decode

    def counted(text: str) -> bytes:
        seen.append(len(text))
        return real(text)

    monkeypatch.setattr(_payload, "strict_b64decode", counted)
    return seen


def test_a_large_record_read_again_is_not_decoded_again(
    fake: FirehoseFake, client: Any, decodes: list[int]
) -> None:
    s3_stream(fake)
    large = b"large " + b"x" * 300_000
    put(client, large, b"small")
    stream = fake.firehose["events"]
    decodes.clear()  # the put itself may have looked
    for _ in range(3):
        assert [r.data for r in stream.records] == [large, b"small"]
    texts = len(base64.b64encode(large))
    assert decodes.count(texts) == 1
    assert decodes.count(len(base64.b64encode(b"small"))) == 3


def test_copies_of_one_large_payload_are_decoded_once(
    fake: FirehoseFake, client: Any, decodes: list[int]
) -> None:
    s3_stream(fake)
    large = b"y" * 100_000
    put(client, large)
    put(client, large)
    records = fake.firehose["events"].records
    assert records == [large, large]
    assert len(decodes) == 1


def test_what_is_kept_stays_within_its_bound_the_latest_read_kept() -> None:
    decoded = _payload._Decoded(limit=250)
    texts = [base64.b64encode(bytes([i]) * 100).decode() for i in range(4)]
    for text in texts:
        assert decoded(text) == base64.b64decode(text)
    held = decoded._held
    assert list(held) == texts[2:]  # 200 bytes kept; a third would pass 250
    assert decoded(texts[2]) == bytes([2]) * 100
    assert list(held) == [texts[3], texts[2]]  # read last, dropped last
    too_large = base64.b64encode(b"z" * 251).decode()
    assert decoded(too_large) == b"z" * 251
    assert too_large not in held


def test_text_that_is_no_canonical_base64_is_still_refused_and_not_kept() -> None:
    broken = "A" * (40 * 1024 - 1) + "!"
    for _ in range(2):
        with pytest.raises(binascii.Error):
            payload_bytes(broken)
