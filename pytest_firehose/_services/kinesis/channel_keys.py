"""The keys of the objects a Kinesis channel writes to a general purpose bucket: the
``OutputKeyTemplate``'s rules and how a template becomes a key.

Facts used here (DOC: the developer guide's "S3 output key template for Amazon S3
delivery", 2026): the default template is ``DEFAULT_TEMPLATE``; the part before the last
``/`` is the object's prefix, the rest its name; a unique suffix is appended to every key,
so keys stay unique whatever the template's time resolution. The variables the default
uses are ``!{channel-name}``, ``!{channel-id}``, ``!{yyyy}``, ``!{MM}``, ``!{dd}``,
``!{HH}``, ``!{mm}`` and ``!{extension}``.

Choices (INFERRED; docs/kinesis.md lists them): the rules the guide lists for the same
feature's Amazon MSK templates hold (no ``..`` or ``./``, no leading or trailing ``/``,
every ``!{`` closed, known variables only), with ``!{YY}`` (two-digit year) the one
variable beyond the default's; the time is the arrival of the object's oldest record, in
UTC; ``!{extension}`` is the compression's (``.gz``, ``.zst``, none); the suffix,
``-`` and 12 lowercase hex digits, goes before a trailing ``!{extension}`` and at the end
otherwise; a refused template is ``InvalidArgumentException``.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from pytest_firehose._errors import ServiceError

DEFAULT_TEMPLATE = (
    "kinesis-channel/!{channel-name}/!{channel-id}/!{yyyy}/!{MM}/!{dd}/!{HH}/"
    "!{channel-name}-!{channel-id}-!{yyyy}-!{MM}-!{dd}-!{HH}-!{mm}!{extension}"
)
#: Each variable and the strftime pattern of a time one.
_TIMES = {"yyyy": "%Y", "YY": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M"}
VARIABLES = ("channel-name", "channel-id", *_TIMES, "extension")
_VARIABLE = re.compile(r"!\{([^}]*)\}")
_EXTENSION = "!{extension}"


def check_template(template: str) -> None:
    """Refuse an ``OutputKeyTemplate`` that breaks a rule, naming the rule."""
    problem = _problem(template)
    if problem is not None:
        raise ServiceError("InvalidArgumentException", f"OutputKeyTemplate {problem}.")


def _problem(template: str) -> str | None:
    if ".." in template or "./" in template:
        return "must not contain '..' or './'"
    if template.startswith("/") or template.endswith("/"):
        return "must not start or end with '/': a key names an object"
    opened = template.count("!{")
    found = _VARIABLE.findall(template)
    if len(found) != opened:
        return "has a '!{' without its closing '}'"
    for name in found:
        if name not in VARIABLES:
            known = ", ".join(f"!{{{variable}}}" for variable in VARIABLES)
            return f"names the unknown variable !{{{name}}}; the variables are {known}"
    return None


def object_key(
    template: str, *, channel: str, channel_id: str, at: datetime, extension: str, suffix: str
) -> str:
    """The key of an object whose oldest record arrived ``at``; ``suffix`` makes it unique."""
    if template.endswith(_EXTENSION):
        template = f"{template[: -len(_EXTENSION)]}-{suffix}{_EXTENSION}"
    else:
        template = f"{template}-{suffix}"
    at = at.astimezone(timezone.utc)
    values = {"channel-name": channel, "channel-id": channel_id, "extension": extension}

    def evaluate(match: re.Match[str]) -> str:
        name = match[1]
        return at.strftime(_TIMES[name]) if name in _TIMES else values[name]

    return _VARIABLE.sub(evaluate, template)
