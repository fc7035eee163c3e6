"""What a ``FirehoseServer`` is given to serve by, checked before it listens: the world (a
fake's, not the fake itself), its handles (of that world), the address, and the limits
on its clients. A server made of anything else answered every request with a 500, every
connection with a 503, or failed in ``bind()``."""

from __future__ import annotations

import threading

from pytest_firehose._engine.world import World
from pytest_firehose._errors import UsageError

#: The address the server listens on by default: this machine only.
DEFAULT_HOST = "127.0.0.1"
#: How long a client may take to send each part of a request, by default, in seconds.
IDLE_TIMEOUT = 60.0
#: Open connections at once, by default, and the listen backlog.
MAX_CONNECTIONS = 128


def check_server(
    world: object,
    *,
    host: object,
    port: object,
    idle_timeout: object,
    max_connections: object,
    log: object,
    handles: dict[str, tuple[object, type]],
) -> None:
    """Refuse what ``FirehoseServer`` is given that it cannot serve by: each refusal names
    the argument and what to pass instead (a server made of them answered every request
    with a 500, every connection with a 503, or failed in ``bind()``)."""
    from pytest_firehose._doors.fake import FirehoseFake

    if isinstance(world, FirehoseFake):
        raise UsageError(
            "FirehoseServer(fake): the server serves a fake's world, FirehoseServer(fake.world), "
            "with its handles (firehose=fake.firehose, kinesis=fake.kinesis); "
            "serve_fake(fake) does all of it"
        )
    if world is not None and not isinstance(world, World):
        raise UsageError(
            f"FirehoseServer(world): the world to serve is a fake's (fake.world), or None for "
            f"a world of its own, not {world!r}"
        )
    if not isinstance(host, str):
        raise UsageError(
            f"FirehoseServer(host=...) is the address to listen on, such as {DEFAULT_HOST!r} "
            f"(the default: this machine only), not {host!r}"
        )
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise UsageError(
            f"FirehoseServer(port=...) is a port from 0 to 65535 (0: a free one), not {port!r}"
        )
    if (
        isinstance(idle_timeout, bool)
        or not isinstance(idle_timeout, (int, float))
        # A socket cannot wait longer: past it, every connection's thread failed.
        or not 0 < idle_timeout <= threading.TIMEOUT_MAX
    ):
        raise UsageError(
            f"FirehoseServer(idle_timeout=...) is how many seconds a client may take to send "
            f"each part of a request, a number above 0 and at most {threading.TIMEOUT_MAX:g} "
            f"(the longest wait this platform has; default {IDLE_TIMEOUT:g}), not "
            f"{idle_timeout!r}"
        )
    if log is not None and not callable(getattr(log, "write", None)):
        # Taken, it failed in every connection's thread at the first line it logged.
        raise UsageError(
            f"FirehoseServer(log=...) is a text stream to write a line per request to, such "
            f"as sys.stderr or an open file (None: no log), not {log!r}"
        )
    if isinstance(max_connections, bool) or not isinstance(max_connections, int):
        max_connections = repr(max_connections)
    elif max_connections >= 1:
        max_connections = None
    if max_connections is not None:
        raise UsageError(
            f"FirehoseServer(max_connections=...) is how many connections may be open at once, "
            f"a whole number of 1 or more (default {MAX_CONNECTIONS}), not {max_connections}"
        )
    for name, (handle, kind) in handles.items():
        if handle is None:
            continue
        # A handle of another world: the control API would script a world nobody serves.
        if not isinstance(handle, kind) or (
            isinstance(world, World) and getattr(handle, "clock", None) is not world.clock
        ):
            raise UsageError(
                f"FirehoseServer({name}=...) is the {name} handle of the world served "
                f"(fake.{name} with fake.world), or None for one of its own, not {handle!r}"
            )
