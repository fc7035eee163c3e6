"""Where a request goes: the service, operation and region it names, and which attempt it is.

Read from the HTTP request alone, once, by the door that takes it: ``X-Amz-Target`` names
the service and operation, the SigV4 credential scope (or else the host name) the region,
and botocore's ``amz-sdk-request`` / ``amz-sdk-invocation-id`` headers the attempt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import NamedTuple
from urllib.parse import urlsplit

from pytest_firehose._wire.codec import TARGET_PREFIXES, HttpRequest

#: The services a request may be routed to.
SERVED = frozenset(TARGET_PREFIXES.values())

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
#: botocore's attempt number. More digits than any count of attempts make none (Python
#: reads no integer of more than 4,300 digits).
_ATTEMPT = re.compile(r"attempt=(\d{1,9})(?!\d)")
#: botocore's id of one call, the same on each of its attempts.
INVOCATION = "amz-sdk-invocation-id"


class Route(NamedTuple):
    """One request's destination (a named tuple: one is made for every request).
    ``operation`` is ``""`` when ``X-Amz-Target`` names none; ``attempt`` and
    ``invocation_id`` are ``None`` when the client did not send them."""

    service: str
    operation: str
    region: str
    attempt: int | None
    invocation_id: str | None


#: ``Route(*fields)`` without the named tuple's ``__new__``, a Python function: one route is
#: made for every request.
new_route: Callable[[tuple[str, str, str, int | None, str | None]], Route] = partial(
    tuple.__new__, Route
)
#: botocore's attempt headers read lately (a client sends few different ones), with the
#: number each gives: most requests' is read by one lookup.
_ATTEMPTS: dict[str, int | None] = {}
_ATTEMPTS_KEPT = 64


def _signing_scope(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(region, service) from a SigV4 ``Authorization`` header's credential scope."""
    match = _SCOPE.search(headers.get("authorization", ""))
    return (match.group(1), match.group(2)) if match else (None, None)


def _host_service(url: str) -> tuple[str | None, str | None]:
    """(service, region) from an AWS host name such as ``firehose.eu-west-1.amazonaws.com``."""
    host = urlsplit(url).hostname or ""
    labels = host.split(".")
    if len(labels) >= 4 and labels[-2].startswith("amazonaws"):
        return labels[0].removesuffix("-fips"), labels[1]
    return None, None


def _target(headers: Mapping[str, str]) -> tuple[str | None, str]:
    """(service, operation) named by ``X-Amz-Target``; either may be missing."""
    prefix, _, operation = headers.get("x-amz-target", "").partition(".")
    return TARGET_PREFIXES.get(prefix), operation


def _service(request: HttpRequest, targeted: str | None) -> str | None:
    """The service of ours a request is for: the one ``X-Amz-Target`` names, else the host
    name's, else the signing scope's; ``None`` when that is someone else's."""
    service = targeted
    if service is None:
        service, _ = _host_service(request.url)
    if service is None:
        _, service = _signing_scope(request.headers)
    return service if service in SERVED else None


def service_of(request: HttpRequest) -> str | None:
    """The service of ours a request is for, or ``None`` when it is for someone else.
    Cheap enough to ask of every request botocore sends (moto's hook does)."""
    targeted, _ = _target(request.headers)
    return _service(request, targeted)


def attempt_of(headers: Mapping[str, str]) -> int | None:
    """The attempt number botocore put in ``amz-sdk-request`` (``attempt=1`` first)."""
    value = headers.get("amz-sdk-request", "")
    try:
        return _ATTEMPTS[value]
    except KeyError:
        attempt = _read_attempt(value)
    if len(value) <= 64:  # botocore's, with a ttl= in adaptive mode, is about 40 characters
        if len(_ATTEMPTS) >= _ATTEMPTS_KEPT:  # each ttl= is new: start again
            _ATTEMPTS.clear()
        _ATTEMPTS[value] = attempt
    return attempt


def _read_attempt(value: str) -> int | None:
    if value.startswith("attempt="):  # as botocore writes it: "attempt=1; max=5"
        digits, separator, _ = value[8:].partition(";")
        if separator and 0 < len(digits) < 10 and digits.isdecimal():
            return int(digits)  # what the pattern reads, without running it
    match = _ATTEMPT.search(value)
    return int(match.group(1)) if match else None


def route_of(request: HttpRequest, default_region: str) -> Route | None:
    """Where ``request`` goes, or ``None`` when it is for no service of ours. The region
    is ``default_region`` when neither the signing scope nor the host name gives one."""
    targeted, operation = _target(request.headers)
    service = _service(request, targeted)
    return None if service is None else _route(request, service, operation, default_region)


def route_to(service: str, request: HttpRequest, default_region: str) -> Route:
    """Where ``request``, known to be for ``service``, goes (see ``route_of``)."""
    _, operation = _target(request.headers)
    return _route(request, service, operation, default_region)


def _route(request: HttpRequest, service: str, operation: str, default_region: str) -> Route:
    headers = request.headers
    region, _ = _signing_scope(headers)
    if region is None:
        _, region = _host_service(request.url)
    # By position: keywords would cost each request about 2,000 instructions more.
    attempt, invocation_id = attempt_of(headers), headers.get(INVOCATION)
    return new_route((service, operation, region or default_region, attempt, invocation_id))
