"""The bodies of delivered objects as ``CompressionFormat`` makes them, and the file
extension each format adds to an object's key.

What AWS writes, as measured against it (floci-io/floci issue 2328, the snappy formats
reproduced byte for byte): ``GZIP`` a gzip stream (``.gz``), written here as Java's
``GZIPOutputStream`` writes it; ``ZIP`` a zip archive holding one deflated entry named by
a UUID unrelated to the key (``.zip``); ``Snappy`` snappy-java's stream format (the magic
``\\x82SNAPPY\\x00``, two version integers, then length-prefixed raw snappy blocks), not the
Snappy framing format; ``HADOOP_SNAPPY`` Hadoop's block format (per block: its
uncompressed length, then one length-prefixed raw snappy chunk). Both snappy formats end
in ``.snappy``. ``ZSTD`` (a Kinesis channel's, not Firehose's) is one zstd frame (``.zst``).

The snappy and zstd codecs are ``cramjam``'s (the ``compression`` extra); gzip and zip come
with Python. Without cramjam those formats are not available (``available``), and the
models report them as settings they do not model.
"""

from __future__ import annotations

import hashlib
import io
import struct
import uuid
import zipfile
import zlib
from datetime import datetime

#: CompressionFormat -> the extension AWS adds to an object's key when no FileExtension
#: is configured.
EXTENSIONS = {
    "UNCOMPRESSED": "",
    "GZIP": ".gz",
    "ZIP": ".zip",
    "Snappy": ".snappy",
    "HADOOP_SNAPPY": ".snappy",
    "ZSTD": ".zst",
}
#: The ``Content-Encoding`` AWS gives an object of each format (floci-io/floci#2328 and
#: #2410, compared with objects Firehose wrote).
CONTENT_ENCODINGS = {
    "GZIP": "gzip",
    "ZIP": "zip",
    "Snappy": "snappy-java",
    "HADOOP_SNAPPY": "hadoop-snappy",
    "ZSTD": "zstd",
}
#: Formats that need the snappy codec (the ``compression`` extra).
SNAPPY_FORMATS = frozenset({"Snappy", "HADOOP_SNAPPY"})
#: Formats that need cramjam (the ``compression`` extra).
CRAMJAM_FORMATS = SNAPPY_FORMATS | {"ZSTD"}
#: snappy-java's stream header: magic, format version 1, oldest compatible version 1.
_SNAPPY_JAVA_HEADER = b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1)
#: The uncompressed bytes per block, snappy-java's default for both of its streams.
_BLOCK = 32 * 1024
_INT = struct.Struct(">I")
#: The gzip header Java's ``GZIPOutputStream`` writes (Java 8 to 15): deflate, no flags, no
#: time stamp, no extra flags, operating system 0.
_JAVA_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00"
#: The deflate level of Java's ``Deflater`` when none is given.
_JAVA_DEFLATE_LEVEL = 6
_GZIP_TRAILER = struct.Struct("<II")


def java_gzip(body: bytes) -> bytes:
    """``body`` as Java's ``GZIPOutputStream`` writes it: its header, zlib's raw deflate at
    Java's default level, then the CRC-32 and the length. The same bytes on every run and
    every Python (Python's own ``gzip`` writes its level and operating system in the
    header)."""
    packer = zlib.compressobj(_JAVA_DEFLATE_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflated = packer.compress(body) + packer.flush()
    trailer = _GZIP_TRAILER.pack(zlib.crc32(body), len(body) & 0xFFFFFFFF)
    return _JAVA_GZIP_HEADER + deflated + trailer


def available(compression: str) -> bool:
    """Whether the fake writes ``compression`` as AWS does (the snappy formats and zstd
    need cramjam)."""
    if compression in CRAMJAM_FORMATS:
        try:
            import cramjam  # noqa: F401
        except ImportError:
            return False
        return True
    return compression in EXTENSIONS


def extension(compression: str, configured: str | None) -> str:
    """The extension an object's key ends with: ``FileExtension`` when configured (and not
    empty), else the one the compression format adds."""
    if configured:
        return configured
    return EXTENSIONS.get(compression, "")


def content_encoding(compression: str) -> str | None:
    """The ``Content-Encoding`` of an object stored under ``compression``: None for an
    uncompressed one, and for a format without its codec (stored as it came)."""
    if compression in CRAMJAM_FORMATS and not available(compression):
        return None
    return CONTENT_ENCODINGS.get(compression)


def compress(body: bytes, compression: str, *, name: str, at: datetime) -> bytes:
    """``body`` as stored under ``compression``. ``name`` (the delivery's id) draws a ZIP
    archive's entry name and ``at`` is its timestamp; a format not available leaves the
    body as it is (the model has reported it)."""
    if compression == "GZIP":
        return java_gzip(body)
    if compression == "ZIP":
        return _zip(body, _entry_name(name), at)
    if compression in CRAMJAM_FORMATS and available(compression):
        if compression == "ZSTD":
            import cramjam

            return bytes(cramjam.zstd.compress(body))
        return _snappy_java(body) if compression == "Snappy" else _hadoop_snappy(body)
    return body


def _entry_name(delivery_id: str) -> str:
    """A ZIP archive's entry name: a UUID unrelated to the object's key, as AWS's archives
    have, drawn from the delivery's id so that a retry and a seeded run write the same."""
    digest = hashlib.sha256(b"zip entry " + delivery_id.encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _zip(body: bytes, name: str, at: datetime) -> bytes:
    entry = zipfile.ZipInfo(name, date_time=at.timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(entry, body)
    return out.getvalue()


def _blocks(body: bytes) -> list[bytes]:
    return [body[start : start + _BLOCK] for start in range(0, len(body), _BLOCK)]


def _raw_snappy(block: bytes) -> bytes:
    import cramjam

    return bytes(cramjam.snappy.compress_raw(block))


def _snappy_java(body: bytes) -> bytes:
    parts = [_SNAPPY_JAVA_HEADER]
    for block in _blocks(body):
        packed = _raw_snappy(block)
        parts += [_INT.pack(len(packed)), packed]
    return b"".join(parts)


def _hadoop_snappy(body: bytes) -> bytes:
    parts = []
    for block in _blocks(body):
        packed = _raw_snappy(block)
        parts += [_INT.pack(len(block)), _INT.pack(len(packed)), packed]
    return b"".join(parts)
