"""The function: a Firehose data-transformation Lambda for application logs.

The application logs JSON lines to CloudWatch Logs; a subscription filter sends them to a
delivery stream that decompresses them and extracts the messages, so each record the
function gets holds the log lines of one batch of events, one a line. The function answers
Firehose with every record it was given:

- ``DEBUG`` lines are left out, and so is an empty line (CloudWatch Logs' control message
  arrives as an empty record); a record with nothing left is ``Dropped``;
- e-mail addresses are replaced by ``[email]``, wherever they are in a line;
- a line that is not a JSON object becomes ``{"message": line}``, so the table has one shape;
- the lines left are ``Ok``: compact JSON, one a line, each ending in ``\\n``.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def _line(text: str) -> bytes | None:
    """The line to keep for one log line, or None to leave it out."""
    if not text.strip():
        return None
    try:
        entry = json.loads(text)
    except ValueError:
        entry = None
    if not isinstance(entry, dict):
        entry = {"message": text}
    if str(entry.get("level", "")).upper() == "DEBUG":
        return None
    redacted = EMAIL.sub("[email]", json.dumps(entry, separators=(",", ":"), ensure_ascii=False))
    return redacted.encode() + b"\n"


def _transform(data: bytes) -> tuple[str, bytes | None]:
    kept = [line for text in data.decode("utf-8").splitlines() if (line := _line(text))]
    if not kept:
        return "Dropped", None
    return "Ok", b"".join(kept)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Firehose's transformation event in, one answer for each of its records out."""
    answers = []
    for record in event["records"]:
        result, data = _transform(base64.b64decode(record["data"]))
        answer: dict[str, Any] = {"recordId": record["recordId"], "result": result}
        if data is not None:
            answer["data"] = base64.b64encode(data).decode()
        answers.append(answer)
    return {"records": answers}
