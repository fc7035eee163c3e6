"""The function: a Firehose data-transformation Lambda for click events.

Each record holds one click as JSON, put by the web tier with PutRecordBatch. The function
answers Firehose with every record it was given:

- a click from a crawler (its ``user_agent`` names a bot) is ``Dropped``;
- a click is ``Ok`` with new data: one line of compact JSON with the page's path (no query
  string), the ISO date of its timestamp and the user agent's family, ending in ``\\n``;
- data that is not a click (not JSON, or no ``page`` or ``ts``) is ``ProcessingFailed``, so
  Firehose writes it to the error output as it was put.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

LOG = logging.getLogger(__name__)

BOT_MARKERS = ("bot", "crawler", "spider")
FAMILIES = ("Firefox", "Edg", "Chrome", "Safari")


def _family(user_agent: str) -> str:
    """The browser family a user agent names (Edge's token is ``Edg``), else ``other``."""
    for family in FAMILIES:
        if f"{family}/" in user_agent:
            return "Edge" if family == "Edg" else family
    return "other"


def _transform(data: bytes) -> tuple[str, bytes | None]:
    """(result, new data) for one record's data."""
    try:
        click = json.loads(data)
    except ValueError:
        return "ProcessingFailed", None
    if not isinstance(click, dict):
        return "ProcessingFailed", None
    page, ts = click.get("page"), click.get("ts")
    if not isinstance(page, str) or not isinstance(ts, (int, float)) or isinstance(ts, bool):
        return "ProcessingFailed", None
    try:
        day = datetime.fromtimestamp(ts, tz=timezone.utc).date().isoformat()
    except (ValueError, OverflowError, OSError):
        return "ProcessingFailed", None
    user_agent = str(click.get("user_agent", ""))
    if any(marker in user_agent.lower() for marker in BOT_MARKERS):
        return "Dropped", None
    line = {
        "page": urlsplit(page).path or "/",
        "day": day,
        "browser": _family(user_agent),
        "session": click.get("session"),
    }
    return "Ok", json.dumps(line, separators=(",", ":")).encode() + b"\n"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer Firehose's transformation event: one result per record, in order."""
    answers = []
    for record in event["records"]:
        result, data = _transform(base64.b64decode(record["data"]))
        answer: dict[str, Any] = {"recordId": record["recordId"], "result": result}
        if data is not None:
            answer["data"] = base64.b64encode(data).decode("ascii")
        else:
            LOG.info("%s: %s", record["recordId"][:12], result)
        answers.append(answer)
    return {"records": answers}
