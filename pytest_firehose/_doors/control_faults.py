"""``POST /_fake/faults`` and ``GET /_fake/faults``: faults scheduled over HTTP, as
``.fail(...)`` schedules them on the ``firehose`` or ``kinesis`` handle, and every fault the
world holds listed with how often it fired, each under the id the server gave it when it
first saw it, scheduled over HTTP or in process (``Control``'s). A fault's fields are
checked by ``.fail()``'s own checks, so what they refuse is refused in their words."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_firehose._doors.control_input import (
    SERVICES,
    ControlError,
    Json,
    fault_records,
    refusals,
    service_field,
)
from pytest_firehose._doors.control_views import fault_json
from pytest_firehose._engine.fault_checks import make_fault
from pytest_firehose._engine.fault_keywords import KEYWORDS, FaultSpec
from pytest_firehose._terms import json_term

if TYPE_CHECKING:
    from pytest_firehose._engine.faults import FaultHandle
    from pytest_firehose._engine.world import World
    from pytest_firehose._handles.base import ServiceHandle


class FaultEndpoints:
    """The fault endpoints of :class:`~pytest_firehose._doors.control.Control` (which they
    are mixed into)."""

    _world: World
    _handles: dict[str, ServiceHandle[Any, Any]]
    #: Control's: the fault ids it gave, and the lock they are drawn under.
    _fault_ids: dict[int, tuple[int, FaultHandle]]
    _ids_lock: threading.Lock

    def _fault_id(self, handle: FaultHandle) -> int:
        """The id of ``handle``; the caller holds ``_ids_lock`` (two requests at once must
        not draw the same number, nor a reset clear them half-way)."""
        known = self._fault_ids.get(id(handle))
        if known is None or known[1] is not handle:
            known = (len(self._fault_ids) + 1, handle)
            self._fault_ids[id(handle)] = known
        return known[0]

    def _add_fault(self, body: dict[str, Json], query: Mapping[str, str]) -> tuple[int, Json]:
        service = service_field(body, '{"service": "firehose", "throttle": 1}')
        if "region" in body:
            raise ControlError(
                400,
                'a fault matches requests of every region and takes no "region"; narrow it '
                'to a stream with "stream", or to an operation with "operation"',
            )
        keywords = {k: v for k, v in body.items() if k != "service"}
        unknown = sorted(set(keywords) - set(KEYWORDS))
        if unknown:
            raise ControlError(
                400,
                f"POST /_fake/faults takes no {json_term(unknown[0])}; a fault's fields are "
                f'"service" and {", ".join(map(json_term, KEYWORDS))} (predicates are not '
                "available over HTTP)",
            )
        if "records" in keywords:
            keywords["records"] = fault_records(keywords["records"])
        with refusals("POST /_fake/faults"):  # .fail()'s checks, in the body's terms
            fault = make_fault(service, FaultSpec(**keywords))
        with self._ids_lock:  # scheduled, and numbered, before a reset or after it
            handle = self._world.faults[service].add(fault)
            return 201, {"id": self._fault_id(handle), "fault": fault_json(handle.fault)}

    def _list_faults(self, body: dict[str, Json], query: Mapping[str, str]) -> tuple[int, Json]:
        with self._ids_lock:
            listed = [
                {
                    "id": self._fault_id(handle),
                    "service": service,
                    "fault": fault_json(handle.fault),
                    "fired": handle.fired,
                }
                for service in SERVICES
                for handle in self._handles[service].faults
            ]
        return 200, sorted(listed, key=lambda fault: fault["id"])
