"""The fault keywords: what ``.fail()``, the fail markers and the control API accept.

Defined once here, as :class:`FaultSpec`; the marker signature and the keyword list derive
from it. The plugin reads this module at pytest start-up, so it imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeAlias

#: ``records=``: index -> code, a list of indices, or a predicate on the payload.
RecordsSpec: TypeAlias = Mapping[int, str] | Iterable[int] | Callable[[bytes], bool]


@dataclass(frozen=True, kw_only=True)
class FaultSpec:
    """The keywords of one fault, as given: one effect, and where it applies.

    ``make_fault`` checks them and builds the fault they describe.
    """

    records: RecordsSpec | None = None
    throttle: bool | int | None = None
    error: str | None = None
    timeout: str | None = None
    latency: float | None = None
    chaos: float | None = None
    seed: int | None = None
    operation: str | None = None
    stream: str | None = None
    call: int = 1
    times: int | None = None
    events: int | None = None
    optional: bool = False

    def given_effects(self) -> dict[str, Any]:
        """The effects this spec names (``False`` and ``None`` name none), by keyword."""
        given = {name: getattr(self, name) for name in EFFECTS}
        return {
            name: value for name, value in given.items() if value is not None and value is not False
        }


#: The keywords that say what a fault does; a fault names exactly one of them.
EFFECTS = ("records", "throttle", "error", "timeout", "latency", "chaos")
#: Every fault keyword, in signature order.
KEYWORDS = tuple(keyword.name for keyword in fields(FaultSpec))
#: The keyword-only signature of ``.fail()`` and the fail markers, as text.
SIGNATURE = "*, " + ", ".join(
    f"{keyword.name}={keyword.default!r}" for keyword in fields(FaultSpec)
)
