"""JSON as RFC 8259 has it, read with Python's reader: without the ``NaN``, ``Infinity``
and ``-Infinity`` the reader takes and JSON has not."""

from __future__ import annotations

import json
from typing import Any


def not_json(constant: str) -> Any:
    """A ``parse_constant`` for Python's reader: refuses ``NaN``, ``Infinity`` and
    ``-Infinity`` (``ValueError``)."""
    raise ValueError(f"{constant} is not JSON")


def strict_json(text: str | bytes) -> Any:
    """``text`` read as JSON. Raises ``ValueError``, also for JSON nested deeper than the
    reader goes (about 1,000 levels; Jackson's default limit is 1,000)."""
    try:
        return json.loads(text, parse_constant=not_json)
    except RecursionError:
        raise ValueError("the JSON is nested too deep to read") from None
