"""``POST /_fake/opensearch`` and ``GET /_fake/opensearch/{index}``: the mappings a test gives
OpenSearch indexes over HTTP, as ``firehose.opensearch_index(...)`` gives them, and the
mapping an index holds, as ``firehose.opensearch_mapping(...)`` reads it. The handle
checks every field, so what it refuses is refused in its words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_firehose._doors.control_input import ControlError, Json, refusals

if TYPE_CHECKING:
    from pytest_firehose._handles.firehose import FirehoseHandle


def give(firehose: FirehoseHandle, body: dict[str, Json]) -> Json:
    """Give the index (or pattern) ``body`` names its ``"mappings"`` and ``"settings"``
    (and a pattern its ``"priority"``, or a legacy template's ``"order"``);
    the mapping as the index will show it."""
    # Any JSON value: opensearch_index refuses what is not a domain, an index or a mapping.
    domain: Json = body.get("domain")
    index: Json = body.get("index")
    with refusals("POST /_fake/opensearch"):
        shown = firehose.opensearch_index(
            domain,
            index,
            body.get("mappings"),
            settings=body.get("settings"),
            priority=body.get("priority"),
            order=body.get("order"),
        )
    return {"domain": domain, "index": index, "mappings": shown}


def mapping(firehose: FirehoseHandle, index: str, domain: str | None) -> Json:
    """The mapping ``index`` of ``domain`` (``?domain=``) holds."""
    try:
        with refusals("GET /_fake/opensearch/{index}", {"domain": "?domain="}):
            found = firehose.opensearch_mapping(domain, index)  # type: ignore[arg-type]
    except KeyError as error:
        raise ControlError(404, str(error.args[0])) from None
    return {"domain": domain, "index": index, "mappings": found}
