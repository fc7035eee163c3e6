"""Delivered objects under every CompressionFormat, read back with standard decoders, and
the extensions their keys end with."""

from __future__ import annotations

import io
import re
import struct
import sys
import zipfile
from typing import Any

import cramjam
import pytest
import snappy
from conftest import needs_botocore, put, s3_stream

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
#: More than one 32 KiB block, so that block framing is exercised.
PAYLOADS = [b'{"n": %d}\n' % n for n in range(8000)]
CONCATENATED = b"".join(PAYLOADS)


def delivered(fake: FirehoseFake, client: Any, **config: Any) -> tuple[str, bytes]:
    stream = s3_stream(fake, **config)
    for start in range(0, len(PAYLOADS), 500):
        put(client, *PAYLOADS[start : start + 500])
    stream.flush()
    (obj,) = stream.objects
    assert stream.delivered == PAYLOADS
    return obj.key, obj.body


def snappy_java_blocks(body: bytes) -> bytes:
    """snappy-java's stream: its 16-byte header, then (length, raw snappy block) pairs."""
    assert body[:16] == b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1)
    out, at = [], 16
    while at < len(body):
        (length,) = struct.unpack_from(">I", body, at)
        out.append(bytes(cramjam.snappy.decompress_raw(body[at + 4 : at + 4 + length])))
        at += 4 + length
    return b"".join(out)


def test_zip_objects_hold_one_deflated_entry(fake: FirehoseFake, client: Any) -> None:
    key, body = delivered(fake, client, CompressionFormat="ZIP")

    assert re.search(f"-({UUID4})\\.zip$", key)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        (entry,) = archive.infolist()
        assert entry.compress_type == zipfile.ZIP_DEFLATED
        assert archive.read(entry) == CONCATENATED


def test_hadoop_snappy_objects_read_with_hadoops_block_decoder(
    fake: FirehoseFake, client: Any
) -> None:
    key, body = delivered(fake, client, CompressionFormat="HADOOP_SNAPPY")

    assert key.endswith(".snappy")
    assert snappy.HadoopStreamDecompressor().decompress(body) == CONCATENATED


def test_snappy_objects_are_snappy_javas_stream_format(fake: FirehoseFake, client: Any) -> None:
    key, body = delivered(fake, client, CompressionFormat="Snappy")

    assert key.endswith(".snappy")
    assert snappy_java_blocks(body) == CONCATENATED


def test_gzip_keys_end_in_gz(fake: FirehoseFake, client: Any) -> None:
    key, _ = delivered(fake, client, CompressionFormat="GZIP")

    assert re.search(f"-{UUID4}\\.gz$", key)


@needs_botocore("firehose CreateDeliveryStream.ExtendedS3DestinationConfiguration.FileExtension")
@pytest.mark.parametrize("compression", ["UNCOMPRESSED", "GZIP", "Snappy"])
def test_a_file_extension_replaces_the_default_one(
    fake: FirehoseFake, client: Any, compression: str
) -> None:
    key, _ = delivered(fake, client, CompressionFormat=compression, FileExtension=".json.z")

    assert re.search(f"-{UUID4}\\.json\\.z$", key)


def test_without_cramjam_snappy_is_reported_as_unmodelled(
    fake: FirehoseFake, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cramjam", None)  # import cramjam now fails

    with pytest.warns(UnmodelledSettingWarning, match=r"pytest-firehose\[compression\]"):
        _, body = delivered(fake, client, CompressionFormat="HADOOP_SNAPPY")

    assert body == CONCATENATED  # as the warning said: stored uncompressed
