"""Kinesis list operations' NextTokens: opaque tokens carrying a position and the moment
they were issued, refused once 300 seconds old or when the fake did not issue them, and a
list paged by them.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pytest_firehose._errors import ServiceError


def next_token(*parts: str) -> str:
    """An opaque NextToken carrying ``parts``."""
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode("ascii")


def invalid_token() -> ServiceError:
    return ServiceError("InvalidArgumentException", "Invalid NextToken.")


def refuse_beside_token(params: dict[str, Any], members: tuple[str, ...]) -> None:
    """Refuse a NextToken given with one of ``members`` (what the token carries already),
    in the words ListShards is recorded answering with."""
    if not params.get("NextToken"):
        return
    for member in members:
        if params.get(member):
            raise ServiceError(
                "InvalidArgumentException",
                f"NextToken and {member} cannot be provided together.",
            )


#: How long a NextToken is good for (DOC: "Tokens expire after 300 seconds").
TOKEN_LIFETIME = timedelta(seconds=300)


def token_moment(text: str) -> datetime | None:
    """A moment a NextToken carries (``None``: none, the empty text); a forged one, with
    no UTC offset or no date at all, is an invalid token."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid_token() from None
    if moment.tzinfo is None:
        raise invalid_token()
    return moment


def check_fresh(issued: str, now: datetime) -> None:
    """Refuse a NextToken issued (the moment it carries) more than 300 seconds before
    ``now``; the refusal's wording is not on record."""
    issued_at = token_moment(issued)
    if issued_at is None:
        raise invalid_token()
    if now - issued_at > TOKEN_LIFETIME:
        raise ServiceError(
            "ExpiredNextTokenException", "The NextToken has expired; list again without it."
        )


def read_token(text: str, count: int) -> list[str]:
    """The ``count`` parts of a NextToken from :func:`next_token`; anything else, however
    malformed (not base64, not JSON, nested past the parser's depth, parts that are not
    strings), is refused as AWS refuses a token it did not issue."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, RecursionError):  # binascii.Error and UnicodeError are ValueErrors
        parts = None
    if (
        not isinstance(parts, list)
        or len(parts) != count
        or not all(isinstance(part, str) for part in parts)
    ):
        raise invalid_token()
    return list(parts)


def token_index(text: str) -> int:
    """A position a NextToken carries: ASCII digits (``str.isdigit`` also takes ``²``,
    which ``int`` refuses); anything else is a token AWS did not issue."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise invalid_token()
    return int(text)


_Listed = TypeVar("_Listed")


def page_of(
    items: list[_Listed], token: str | None, size: int, now: datetime, *marker: str
) -> tuple[list[_Listed], str | None]:
    """The page of ``items`` a list operation answers: ``size`` of them from where
    ``token`` (a NextToken it issued, carrying its position, when it was issued and
    ``marker``) says, and the NextToken of the next page (``None``: this is the last)."""
    start = 0
    if token is not None:
        after, issued, *kind = read_token(token, 2 + len(marker))
        if tuple(kind) != marker:
            raise invalid_token()
        check_fresh(issued, now)
        start = token_index(after)
    following = None
    if start + size < len(items):
        issued_at = now.isoformat(timespec="microseconds")
        following = next_token(str(start + size), issued_at, *marker)
    return items[start : start + size], following
