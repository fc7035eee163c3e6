"""Delivered objects under every CompressionFormat, read back with standard decoders, and
the extensions their keys end with."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import struct
import sys
import zipfile
import zlib
from typing import Any

import boto3
import cramjam
import pytest
import snappy
from conftest import REGION, needs_botocore, put, s3_stream

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
#: More than one 32 KiB block, so that block framing is exercised.
PAYLOADS = [b'{"n": %d}\n' % n for n in range(8000)]
CONCATENATED = b"".join(PAYLOADS)


#: SHA-256 of what Java's GZIPOutputStream writes for CONCATENATED (run on Java 17, its
#: operating system byte set to 0 as Java 8 to 15 write it).
JAVA_GZIP_SHA256 = "6aa901bd8b0b55624ff73846dff33176286bde372ab804dfcfcfb14efaa57c50"


def delivered_object(fake: FirehoseFake, client: Any, **config: Any) -> Any:
    stream = s3_stream(fake, **config)
    for start in range(0, len(PAYLOADS), 500):
        put(client, *PAYLOADS[start : start + 500])
    stream.flush()
    (obj,) = stream.objects
    assert stream.delivered == PAYLOADS
    return obj


def delivered(fake: FirehoseFake, client: Any, **config: Any) -> tuple[str, bytes]:
    obj = delivered_object(fake, client, **config)
    return obj.key, obj.body


def snappy_java_blocks(body: bytes) -> list[bytes]:
    """snappy-java's stream: its 16-byte header, then (length, raw snappy block) pairs;
    each block decompressed."""
    assert body[:16] == b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1)
    out, at = [], 16
    while at < len(body):
        (length,) = struct.unpack_from(">I", body, at)
        out.append(bytes(cramjam.snappy.decompress_raw(body[at + 4 : at + 4 + length])))
        at += 4 + length
    return out


def test_zip_objects_hold_one_deflated_entry(fake: FirehoseFake, client: Any) -> None:
    key, body = delivered(fake, client, CompressionFormat="ZIP")

    assert re.search(f"-({UUID4})\\.zip$", key)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        (entry,) = archive.infolist()
        assert entry.compress_type == zipfile.ZIP_DEFLATED
        assert archive.read(entry) == CONCATENATED
    # The entry is named by a UUID of its own, not the one the key ends with.
    assert re.fullmatch(UUID4, entry.filename)
    assert entry.filename not in key


def test_zip_entry_names_are_the_same_in_a_run_with_the_same_seed() -> None:
    names = []
    for _ in range(2):
        with FirehoseFake(region=REGION, seed=7) as fake:
            client = boto3.client("firehose", region_name=REGION)
            _, body = delivered(fake, client, CompressionFormat="ZIP")
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names.append(archive.namelist())

    assert names[0] == names[1]


def test_hadoop_snappy_objects_read_with_hadoops_block_decoder(
    fake: FirehoseFake, client: Any
) -> None:
    key, body = delivered(fake, client, CompressionFormat="HADOOP_SNAPPY")

    assert key.endswith(".snappy")
    assert snappy.HadoopStreamDecompressor().decompress(body) == CONCATENATED
    # Blocks of 32 KiB of input, snappy-java's: each begins with its uncompressed length.
    assert struct.unpack_from(">I", body) == (32 * 1024,)


def test_snappy_objects_are_snappy_javas_stream_format(fake: FirehoseFake, client: Any) -> None:
    key, body = delivered(fake, client, CompressionFormat="Snappy")

    assert key.endswith(".snappy")
    blocks = snappy_java_blocks(body)
    assert b"".join(blocks) == CONCATENATED
    # snappy-java's block: 32 KiB of input, the last what is left.
    assert [len(block) for block in blocks[:-1]] == [32 * 1024] * (len(blocks) - 1)
    assert len(blocks) == -(-len(CONCATENATED) // (32 * 1024))


def test_gzip_keys_end_in_gz(fake: FirehoseFake, client: Any) -> None:
    key, _ = delivered(fake, client, CompressionFormat="GZIP")

    assert re.search(f"-{UUID4}\\.gz$", key)


def test_gzip_objects_have_the_header_javas_gzipoutputstream_writes(
    fake: FirehoseFake, client: Any
) -> None:
    _, body = delivered(fake, client, CompressionFormat="GZIP")

    # No time stamp, no extra flags, operating system 0, on every Python.
    assert body[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00"
    assert gzip.decompress(body) == CONCATENATED


@pytest.mark.skipif(
    "ng" in zlib.ZLIB_RUNTIME_VERSION, reason="zlib-ng deflates to other bytes than zlib"
)
def test_gzip_objects_are_the_bytes_java_writes(fake: FirehoseFake, client: Any) -> None:
    _, body = delivered(fake, client, CompressionFormat="GZIP")

    # Java's default deflate level (6): Python's gzip module deflates at 9.
    assert hashlib.sha256(body).hexdigest() == JAVA_GZIP_SHA256


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
        obj = delivered_object(fake, client, CompressionFormat="HADOOP_SNAPPY")

    assert obj.body == CONCATENATED  # as the warning said: stored uncompressed
    assert obj.content_encoding is None  # so S3 says nothing of snappy
