"""Delivery to Splunk's HTTP Event Collector (HEC): each delivery is one HEC request, whose
body is the records' bytes concatenated, and what the endpoint received is kept on the
delivered object (``events``), as an OpenSearch destination's documents are.

The developer guide ("Understand data delivery": "Firehose concatenates the bytes that you
send"; the destination settings: ``Raw`` in most cases, ``Event`` for data a Lambda
function made into HEC events) and Splunk's "Format events for HTTP Event Collector" say
what the endpoint makes of that body:

- ``HECEndpointType`` ``Raw``: the body as raw data, which Splunk breaks into events as
  the token's sourcetype says; kept as one ``{"raw": text}`` a request;
- ``Event``: a batch of event JSON objects, one after another, each with ``event`` (a
  string, a number, an object ...) and optional metadata (``time``, ``host``,
  ``source``, ``sourcetype``, ``index``, ``fields``); kept as one dict an event, each
  metadata key None where the event leaves it to the token's defaults or, for ``time``,
  to the time Splunk receives it.

A record an Event endpoint cannot take (not one or more JSON objects in UTF-8, an object
without ``event`` or with a blank one, ``fields`` that are no flat object: HEC's "Invalid
data format", "Event field is required", "Event field cannot be blank", "Error in handling
indexed fields") fails with
``Splunk.InvalidDataFormat`` on its own, the rest of the request being delivered: it is
retried within ``RetryOptions`` (the guide: "Any data delivery error triggers the retry
logic") and then written to the ``S3Configuration`` bucket under ``splunk-failed/``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import DeliveryFailed, Refusal
from pytest_firehose._destinations.delivery_errors import ACK_TIMEOUT, ERRORS, SPLUNK
from pytest_firehose._destinations.stored import StoredDestination
from pytest_firehose._json_text import decode_next, not_json
from pytest_firehose._payload import payload_bytes

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted, DeliveryTarget, Destination
    from pytest_firehose._destinations.objects import DeliveredObject

EVENT = "Event"
#: The code of a record that is no HEC event, with the guide's message.
INVALID_DATA_FORMAT = "Splunk.InvalidDataFormat"
_NOT_EVENTS = Refusal(INVALID_DATA_FORMAT, ERRORS[SPLUNK].down[INVALID_DATA_FORMAT], retried=True)
#: The metadata an event may name, in the order an event lists them.
METADATA = ("time", "host", "source", "sourcetype", "index", "fields")
#: Reads one JSON value after another; NaN and Infinity are no JSON.
_DECODER = json.JSONDecoder(parse_constant=not_json)


def hec_events(data: bytes) -> list[dict[str, Any]] | None:
    """The events ``data`` holds for an Event endpoint, each as Splunk indexes it
    (``event``, then each metadata key, None where absent); None when HEC refuses it."""
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return None
    events: list[dict[str, Any]] = []
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return events
        try:
            value, at = decode_next(_DECODER, text, at)
        except ValueError:
            return None
        if not isinstance(value, dict) or value.get("event") in (None, ""):
            return None
        fields = value.get("fields")
        if fields is not None and not _flat(fields):
            return None
        events.append({"event": value["event"], **{key: value.get(key) for key in METADATA}})


def _flat(fields: object) -> bool:
    """Whether ``fields`` is what HEC indexes: an object whose values are no object, nor a
    list holding an object or a list (a list is a multi-value field). HEC answers nested
    fields with "Error in handling indexed fields" (code 15)."""
    if not isinstance(fields, dict):
        return False
    for value in fields.values():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(item, (dict, list)) for item in values):
            return False
    return True


class SplunkDestination(StoredDestination):
    """Sends each delivery to the HEC endpoint as one request (see the module); fails,
    backs up and is switched off as the other destinations the fake stores."""

    def __init__(self, config: dict[str, Any], bucket: Destination) -> None:
        super().__init__(SPLUNK, config, bucket)
        self.endpoint_type = str(config.get("HECEndpointType") or "Raw")
        #: How long each attempt waits for Splunk's acknowledgement (API reference:
        #: ``HECAcknowledgmentTimeoutInSeconds``, 180 to 600; 180 by default).
        self._ack_timeout = timedelta(seconds=config.get("HECAcknowledgmentTimeoutInSeconds", 180))

    def acknowledgement_wait(self, failure: DeliveryFailed | None) -> timedelta | None:
        """How long an attempt that ends in ``failure`` waited first: the acknowledgement
        timeout, when the failure is that timeout (the developer guide: each attempt, the
        first and every retry, waits for the acknowledgement that long); None for any
        other failure."""
        if failure is None or failure.code != ACK_TIMEOUT:
            return None
        return self._ack_timeout

    def refusals(self, records: Sequence[Accepted]) -> dict[int, Refusal]:
        """The refusal of each of ``records`` an Event endpoint cannot take, by position;
        none for a Raw endpoint, which takes any bytes."""
        if self.endpoint_type != EVENT:
            return {}
        return {
            i: _NOT_EVENTS
            for i, (payload, _, _) in enumerate(records)
            if hec_events(payload_bytes(payload)) is None
        }

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        if self.endpoint_type != EVENT:
            obj.events = ({"raw": b"".join(obj.records).decode(errors="replace")},)
            return
        obj.events = tuple(
            event
            for payload, _, _ in obj.accepted
            for event in hec_events(payload_bytes(payload)) or ()
        )
