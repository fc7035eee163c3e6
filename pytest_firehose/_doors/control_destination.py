"""``POST /_fake/destination``: a delivery stream's destination switches over HTTP, as
``destination_down(error=...)``, ``destination_up()``, ``destination_refuses(...)`` and
``destination_accepts()`` set them on its handle. A refusal's predicate cannot cross HTTP,
so the records refused are those that contain given bytes."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from pytest_firehose._doors.control_input import ControlError, Json, refusals
from pytest_firehose._terms import json_term

if TYPE_CHECKING:
    from pytest_firehose._handles.delivery_stream import DeliveryStreamHandle

#: A body the route takes, for messages.
EXAMPLE = (
    '{"stream": "events", "up": false, "error": "Splunk.InvalidToken"} or '
    '{"stream": "events", "refuse": {"containing": "YmFk", "error": "400"}}'
)
#: What a ``"refuse"`` object takes.
_REFUSE_FIELDS = ("containing", "error")


def switch(stream: DeliveryStreamHandle, body: dict[str, Json]) -> dict[str, Json]:
    """Set ``stream``'s destination switches as ``body`` says (``"up"`` with ``"error"``,
    ``"refuse"``, or both); the switches as they then stand."""
    up, error = body.get("up"), body.get("error")
    if "up" not in body and "refuse" not in body:
        raise ControlError(400, f'give "up" (true or false) or "refuse", e.g. {EXAMPLE}')
    if "up" in body and not isinstance(up, bool):
        raise ControlError(400, f'"up" is true or false, not {json_term(up)}')
    if error is not None and up is not False:
        raise ControlError(
            400,
            '"error" names what a down destination fails with: give it with "up": false '
            '(a refusal\'s code goes in "refuse": {"containing": ..., "error": ...})',
        )
    if error is not None and not isinstance(error, str):
        raise ControlError(
            400, f'"error" is an error code such as "Splunk.InvalidToken", not {json_term(error)}'
        )
    with refusals("POST /_fake/destination"):
        if up is False:
            stream.destination_down(error=error)
        elif up is True:
            stream.destination_up()
        if "refuse" in body:
            _refuse(stream, body["refuse"])
        return {"stream": stream.name, **stream.destination_switches}


def _refuse(stream: DeliveryStreamHandle, refuse: Json) -> None:
    """``destination_refuses`` for the records that contain ``refuse["containing"]``
    (base64), with ``refuse["error"]``; ``destination_accepts`` for ``null``."""
    if refuse is None:
        stream.destination_accepts()
        return
    if not isinstance(refuse, dict):
        raise ControlError(
            400,
            f'"refuse" is {{"containing": base64, "error": code}} or null, not {json_term(refuse)}',
        )
    unknown = sorted(set(refuse) - set(_REFUSE_FIELDS))
    if unknown or "containing" not in refuse:
        raise ControlError(
            400,
            f'"refuse" takes "containing" (the bytes, in base64, of the records to refuse) and '
            f'optionally "error"; got {json_term(sorted(refuse))}',
        )
    try:
        needle = base64.b64decode(refuse["containing"], validate=True)
    except (TypeError, ValueError, binascii.Error):
        needle = b""
    if not needle:
        raise ControlError(
            400,
            f'"containing" is the bytes to refuse in base64, e.g. "YmFk", not '
            f"{json_term(refuse['containing'])}",
        )
    code = refuse.get("error")
    if code is not None and not isinstance(code, str):
        raise ControlError(400, f'"error" is an error code such as "400", not {json_term(code)}')
    stream.destination_refuses(lambda record: needle in record, error=code)
