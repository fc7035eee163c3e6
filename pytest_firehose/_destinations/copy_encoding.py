"""A staged object's data in the ``ENCODING`` its COPY names, converted into UTF-8, as
Redshift's COPY converts it before reading the lines (:mod:`copy_load`).

``UTF8`` (the default) is read as it is. ``UTF16`` needs a byte order mark (BOM) saying
the byte order; ``UTF16LE`` and ``UTF16BE`` give the order themselves, with or without a
BOM. The BOM is not data. Data that is not in the encoding named (no BOM for ``UTF16``, a
BOM of the other order, an odd number of bytes) fails the COPY with load error 1221. A
UTF-16 surrogate without its pair is converted to the three bytes UTF-8 would give its
code point: bytes that are not UTF-8, which ``ACCEPTINVCHARS`` replaces and which are
otherwise load error 1220, as in UTF-8 data.
"""

from __future__ import annotations

from pytest_firehose._destinations.copy_rows import LoadFailed, load_error

#: The byte order mark of each byte order, and Python's codec for it.
_BOMS = {"UTF16LE": b"\xff\xfe", "UTF16BE": b"\xfe\xff"}
_CODECS = {"UTF16LE": "utf-16-le", "UTF16BE": "utf-16-be"}
#: Load error 1221, as the developer guide's "Load error reference" describes it.
_MISMATCH = 1221, "Encoding of the file is not the same as that specified in the COPY command."


def _mismatch(encoding: str) -> LoadFailed:
    """The COPY failing as Redshift fails an object not in its ``ENCODING``: the file is
    skipped with load error 1221, which names no line (chosen: line 1, the file's start)."""
    error = load_error(1, *_MISMATCH, raw_line="")
    return LoadFailed(f"the object is not {encoding} data", (error,))


def to_utf8(data: bytes, encoding: str) -> bytes:
    """``data`` (decompressed) converted from ``encoding`` into UTF-8; raises
    :class:`~pytest_firehose._destinations.copy_rows.LoadFailed` with load error 1221
    when it is not in that encoding."""
    if encoding == "UTF8" or not data:
        return data
    if len(data) % 2:
        raise _mismatch(encoding)  # UTF-16 is pairs of bytes
    order = encoding
    if encoding == "UTF16":  # the BOM says the order, and there must be one
        found = next((name for name, bom in _BOMS.items() if data.startswith(bom)), None)
        if found is None:
            raise _mismatch(encoding)
        order = found
    other = "UTF16BE" if order == "UTF16LE" else "UTF16LE"
    if data.startswith(_BOMS[order]):
        data = data[2:]
    elif data.startswith(_BOMS[other]):
        raise _mismatch(encoding)  # the other byte order's mark
    # surrogatepass: a surrogate without its pair is kept, and written as UTF-8 would
    # write its code point (ED A0 80 for D800), which the readers then find not UTF-8.
    return data.decode(_CODECS[order], "surrogatepass").encode("utf-8", "surrogatepass")
