"""The request bodies one HTTP/2 connection is receiving (``http2.py``), and the
flow-control credit their DATA frames took, given back so that what the connection keeps
stays bounded: a body over ``MAX_BODY`` is counted, not kept (it is answered 413), and past
``KEPT_BODIES`` kept at once only the oldest stream coming gets credit back (RFC 9113, 5.2:
a receiver paces each stream), so that it can end and the others follow it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from pytest_firehose._wire.front import MAX_BODY

#: Bytes of request bodies one connection keeps at once, before their streams end: a
#: client cannot make the server keep a body of up to ``MAX_BODY`` on each of its streams.
KEPT_BODIES = 4 * MAX_BODY


@dataclass
class Incoming:
    """A request stream being received: its headers, then its body."""

    headers: list[tuple[bytes, bytes]]
    body: list[bytes] = field(default_factory=list)
    #: Bytes of body received; past ``MAX_BODY`` the rest is counted, not kept.
    size: int = 0
    #: Flow-control credit held back while the connection keeps more than ``KEPT_BODIES``.
    owed: int = 0

    @property
    def too_large(self) -> bool:
        return self.size > MAX_BODY

    @property
    def kept(self) -> int:
        return 0 if self.too_large else self.size


class IncomingBodies:
    """The streams of one connection whose request has not ended, by stream id; used under
    the connection's lock. ``h2``: the connection's ``H2Connection``; ``closed``: h2's
    ``StreamClosedError``."""

    def __init__(self, h2: Any, closed: type[Exception]) -> None:
        self._h2 = h2
        self._closed = closed
        self._streams: dict[int, Incoming] = {}
        #: Bytes of body the streams keep.
        self._kept = 0

    def open(self, stream_id: int, headers: list[tuple[bytes, bytes]]) -> None:
        self._streams[stream_id] = Incoming(headers)

    def take(self, stream_id: int, data: bytes, credit: int) -> None:
        """A DATA frame's ``data`` (kept, or counted past ``MAX_BODY``), and the ``credit``
        it took: the connection's given back at once, the stream's as far as
        ``KEPT_BODIES`` lets."""
        incoming = self._streams.get(stream_id)
        if incoming is not None:
            self._kept -= incoming.kept
            incoming.size += len(data)
            if incoming.too_large:
                incoming.body.clear()  # answered 413 unread, as over HTTP/1.1
            else:
                incoming.body.append(data)
            self._kept += incoming.kept
            incoming.owed += credit
        if credit > 0:
            self._h2.increment_flow_control_window(credit)
            self._repay()

    def done(self, stream_id: int) -> Incoming | None:
        """Stop receiving a stream (ended or reset): its body is no longer kept here."""
        incoming = self._streams.pop(stream_id, None)
        if incoming is not None:
            self._kept -= incoming.kept
            self._repay()
        return incoming

    def _repay(self) -> None:
        """Give each stream the credit it is owed: all of them while the bodies kept are
        within ``KEPT_BODIES``, else the oldest alone."""
        for position, (stream_id, incoming) in enumerate(sorted(self._streams.items())):
            if incoming.owed and (position == 0 or self._kept <= KEPT_BODIES):
                with contextlib.suppress(self._closed):
                    self._h2.increment_flow_control_window(incoming.owed, stream_id=stream_id)
                incoming.owed = 0
