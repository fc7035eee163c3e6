"""What counts as this machine: the one loopback test, shared by the doors (``allow_hosts``,
requests sent over the socket to a local server) and the HTTP endpoint destination.

A URL's host is read with urllib3's own parser, the one requests and botocore connect
with: ``urllib.parse`` reads some URLs differently (``http://192.0.2.10\\@127.0.0.1/`` is
127.0.0.1 to it and 192.0.2.10 to urllib3), and a check that disagrees with the
connection is no check.
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple


class Address(NamedTuple):
    """Where a URL's request connects: its host (lower case, no IPv6 brackets) and port
    (None when the URL names none)."""

    host: str
    port: int | None


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, as :func:`address_of` gives it) is this
    machine: ``localhost``, ``127.0.0.0/8`` or ``::1``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_of(url: str) -> Address:
    """The host and port urllib3 (and so requests and botocore) connects to for ``url``;
    an empty host when urllib3 cannot read it."""
    # Imported here: the plugin's start-up imports this module, and urllib3 is not cheap.
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        parts = parse_url(url)
    except (LocationParseError, ValueError):
        return Address("", None)
    host = (parts.host or "").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return Address(host, parts.port)


def reaches_loopback(url: str) -> bool:
    """Whether a request to ``url`` stays on this machine."""
    return is_loopback(address_of(url).host)
