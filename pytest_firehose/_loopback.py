"""What counts as this machine: the one loopback test, shared by the doors (``allow_hosts``,
requests sent over the socket to a local server) and the HTTP endpoint destination."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, as ``urlsplit(...).hostname`` gives it) is
    this machine: ``localhost``, ``127.0.0.0/8`` or ``::1``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
