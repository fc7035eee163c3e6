"""How the local server reads an HTTP/1.1 request's body: its framing from the head
(RFC 9112, section 6), then ``Content-Length`` bytes or chunks (section 7.1), at most
``MAX_BODY``. Every way a body can be wrong is an :class:`HttpError` whose status and message
the server answers with, the connection then closed: nothing here reads past what a
request may take, nor takes a body that did not come whole.
"""

from __future__ import annotations

import re
from email.message import Message
from io import BufferedIOBase

from pytest_firehose._wire.front import MAX_BODY, TOO_LARGE

#: A chunk's size: hexadecimal digits and nothing else (16 of them go past any body taken).
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
#: The longest chunk-size line (with its extensions) the server reads.
_CHUNK_LINE = 1024
#: The most trailer fields, and the longest trailer line, the server reads: the standard
#: library's bounds on header fields (``http.client``), past which it answers 431 too.
_MAX_TRAILERS = 100
_MAX_TRAILER_LINE = 65536
#: The line ends a chunk's data may be followed by (RFC 9112, 2.2: a bare LF may be taken).
_LINE_ENDS = (b"\r\n", b"\n")


class HttpError(Exception):
    """A request the server refuses at the HTTP level: a status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def framing(headers: Message, version: str) -> tuple[int | None, bool]:
    """The body's framing, as RFC 9112 says, read from the head alone (``version``: the
    request's HTTP version): ``None`` for chunks (``Transfer-Encoding``: only ``chunked``
    is spoken), else the number of bytes ``Content-Length`` gives (one value); and whether
    the connection must close after the answer: a request with both is answered, but the
    framing of what follows it is in doubt. Raises :class:`HttpError` for a framing
    refused before the body is read."""
    fields = headers.get_all("Transfer-Encoding", [])
    lengths = set(headers.get_all("Content-Length", []))
    if fields:
        _check_codings(fields, version)
        return None, bool(lengths)
    if len(lengths) > 1:
        raise HttpError(400, f"Content-Length is given twice: {' and '.join(sorted(lengths))}")
    length = headers.get("Content-Length")
    if length is None:
        return 0, False
    if not (length.isascii() and length.isdigit()):
        raise HttpError(400, f"Content-Length must be a number of bytes, not {length!r}")
    # Python reads no integer of more than 4,300 digits; any past MAX_BODY's are too many.
    digits = length.lstrip("0") or "0"
    if len(digits) > len(str(MAX_BODY)) or int(digits) > MAX_BODY:
        raise HttpError(413, TOO_LARGE)
    return int(digits), False


def _check_codings(fields: list[str], version: str) -> None:
    """Refuse a ``Transfer-Encoding`` that does not frame the body as chunks, once
    (RFC 9112): from HTTP/1.0, which has none (6.1: the framing is faulty); with
    ``chunked`` not last or more than once (6.3, 6.1: the body's length cannot be
    told), both ``400``; with a coding before ``chunked`` the server does not decode,
    ``501`` (6.1). Each closes the connection, the body unread."""
    codings = [coding.strip().lower() for field in fields for coding in field.split(",")]
    codings = [coding for coding in codings if coding]
    given = ", ".join(fields)
    if version == "HTTP/1.0":
        raise HttpError(
            400,
            f"Transfer-Encoding: {given} in an HTTP/1.0 request, which has no transfer "
            "codings: send the body with Content-Length",
        )
    if not codings or codings[-1] != "chunked" or codings.count("chunked") > 1:
        raise HttpError(
            400,
            f"Transfer-Encoding: {given} does not tell the body's length: give chunked "
            "once, as the last coding (or send the body with Content-Length)",
        )
    if len(codings) > 1:
        raise HttpError(
            501,
            f"the transfer coding {codings[0]!r} is not supported: send the body "
            "with Content-Length or Transfer-Encoding: chunked alone",
        )


def read_exactly(rfile: BufferedIOBase, size: int, room: int = MAX_BODY) -> bytes:
    """``size`` bytes of body, refused unread past ``room``, or ended early."""
    if size > room:
        raise HttpError(413, TOO_LARGE)
    data = rfile.read(size)
    if len(data) < size:
        raise HttpError(400, f"the body ended after {len(data)} of {size} bytes")
    return data


def read_chunks(rfile: BufferedIOBase) -> bytes:
    """A chunked body (RFC 9112, 7.1), up to the blank line after its trailers; a body
    cut before that line is not taken (the request may not be all there)."""
    body = bytearray()  # one buffer: a million one-byte chunks are a megabyte
    while True:
        line = _line(rfile, _CHUNK_LINE, "a chunk's size line", 400)
        size_field = line.split(b";")[0].strip()
        # Hexadecimal digits only: int() would also take a sign or underscores.
        if not _CHUNK_SIZE.fullmatch(size_field):
            raise HttpError(400, f"a chunk size must be hexadecimal, not {size_field!r}")
        size = int(size_field, 16)
        if size == 0:
            _skip_trailers(rfile)
            return bytes(body)
        body += read_exactly(rfile, size, MAX_BODY - len(body))
        end = rfile.readline(len(_LINE_ENDS[0]))
        if end not in _LINE_ENDS:
            if not end:
                raise HttpError(400, "the body ended after a chunk's data, before its CRLF")
            raise HttpError(400, "a chunk's data must be followed by CRLF")


def _skip_trailers(rfile: BufferedIOBase) -> None:
    """Read the trailer section, bounded as the head is, and drop it: no trailer
    changes what a request means to the server."""
    for _ in range(_MAX_TRAILERS + 1):
        if _line(rfile, _MAX_TRAILER_LINE, "a trailer field", 431) in _LINE_ENDS:
            return
    raise HttpError(431, f"the trailer section has more than {_MAX_TRAILERS} fields")


def _line(rfile: BufferedIOBase, limit: int, what: str, status: int) -> bytes:
    """One line of the body's framing, at most ``limit`` bytes with its end; refused
    ``status`` when longer, 400 when the body ends in it."""
    line = rfile.readline(limit + 1)
    if line.endswith(b"\n"):
        if len(line) <= limit:
            return line
    elif len(line) <= limit:
        raise HttpError(400, f"the body ended in {what}")
    raise HttpError(status, f"{what} is longer than {limit} bytes")
