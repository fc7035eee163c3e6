"""The keys of the objects a Kinesis channel writes to a general purpose bucket: the
``OutputKeyTemplate``'s rules and how a template becomes a key.

Facts used here (DOC: the developer guide's "S3 output key template for Amazon S3
delivery" and the CloudFormation schema of ``AWS::Kinesis::Channel``, 2026): the default
template is ``DEFAULT_TEMPLATE``; the part before the last ``/`` is the object's prefix,
the rest its name; a unique suffix is appended to every key, so keys stay unique whatever
the template's time resolution. The variables are ``!{channel-name}``, ``!{channel-id}``,
``!{stream-name}``, ``!{yyyy}``, ``!{yy}``, ``!{MM}``, ``!{dd}``, ``!{HH}``, ``!{mm}`` and
``!{extension}``, which may give its extension itself (``!{extension:.json.gz}``). With
compression, the template must end with the extension variable.

Choices (INFERRED; docs/kinesis.md lists them): the rules the guide lists for the same
feature's Amazon MSK templates hold too (no ``..`` or ``./``, no leading or trailing
``/``, every ``!{`` closed, known variables only); the time is the arrival of the object's
oldest record, in UTC; a bare ``!{extension}`` is the compression's (``.gz``, ``.zst``,
none); the suffix, ``-`` and 12 lowercase hex digits, goes before a trailing extension
variable and at the end otherwise; a refused template is ``InvalidArgumentException``.
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
_TIMES = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M"}
VARIABLES = ("channel-name", "channel-id", "stream-name", *_TIMES, "extension")
_VARIABLE = re.compile(r"!\{([^}]*)\}")
#: The extension variable ending a template: bare, or with its own extension.
_TRAILING_EXTENSION = re.compile(r"!\{extension(?::[^}]*)?\}$")


def check_template(template: str, compression: str) -> None:
    """Refuse an ``OutputKeyTemplate`` that breaks a rule, naming the rule; ``compression``
    is the channel's ``CompressionType``."""
    problem = _problem(template)
    if problem is None and compression != "NONE" and not _TRAILING_EXTENSION.search(template):
        problem = f"must end with !{{extension}} when CompressionType is {compression}"
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
        if name.partition(":")[0] != "extension" and name not in VARIABLES:
            known = ", ".join(f"!{{{variable}}}" for variable in VARIABLES)
            return f"names the unknown variable !{{{name}}}; the variables are {known}"
    return None


def object_key(
    template: str,
    *,
    channel: str,
    channel_id: str,
    stream: str,
    at: datetime,
    extension: str,
    suffix: str,
) -> str:
    """The key of an object whose oldest record arrived ``at``; ``suffix`` makes it unique."""
    ending = _TRAILING_EXTENSION.search(template)
    if ending is not None:
        template = f"{template[: ending.start()]}-{suffix}{ending[0]}"
    else:
        template = f"{template}-{suffix}"
    at = at.astimezone(timezone.utc)
    values = {
        "channel-name": channel,
        "channel-id": channel_id,
        "stream-name": stream,
        "extension": extension,
    }

    def evaluate(match: re.Match[str]) -> str:
        name, _, given = match[1].partition(":")
        if name == "extension" and given:
            return given
        return at.strftime(_TIMES[name]) if name in _TIMES else values[name]

    return _VARIABLE.sub(evaluate, template)
