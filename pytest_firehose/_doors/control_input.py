"""Reading a control request: what each ``/_fake/`` endpoint reads of its body and query
string (``READS``), the body and query parsed, a field or parameter an endpoint does not
read refused rather than ignored, and the fields the endpoints share checked. Bad input is
a :class:`ControlError` whose message names the fix; a refusal of the Python API behind an
endpoint is worded in its client's terms (:func:`refusals`)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl

from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

from pytest_firehose._errors import StreamKeyError, UsageError
from pytest_firehose._terms import Terms, json_kind, json_term, speaking
from pytest_firehose._wire.shapes import operation_model

SERVICES = ("firehose", "kinesis")
_INDEX = re.compile(r"-?[0-9]+")
#: What ``POST /_fake/logs`` takes besides messages: the argument each one is, an example.
LOG_FIELDS = {
    "logGroup": ("log_group", "/aws/lambda/app"),
    "logStream": ("log_stream", "2026/12/03/[$LATEST]0123"),
    "subscriptionFilter": ("subscription_filter", "to-firehose"),
}
#: The changes ``POST /_fake/database`` hands a stream: each a list of rows.
CHANGE_FIELDS = ("inserted", "updated", "deleted")
#: What each endpoint reads: the fields of its body (``None``: whatever it hands them to
#: checks them: botocore's model for a create, ``.fail()`` for a fault) and its query
#: parameters.
READS: dict[str, tuple[tuple[str, ...] | None, tuple[str, ...]]] = {
    "GET /_fake/health": ((), ()),
    "GET /_fake/streams": (("region",), ("region",)),
    "POST /_fake/streams": (None, ("region",)),
    "GET /_fake/streams/{name}": ((), ("service", "region")),
    "GET /_fake/faults": ((), ()),
    "POST /_fake/faults": (None, ()),
    "GET /_fake/clock": ((), ()),
    "POST /_fake/clock": (("advance",), ()),
    "POST /_fake/flush": (("stream", "region"), ("region",)),
    "POST /_fake/logs": (
        ("stream", "region", "records", "messages", *LOG_FIELDS),
        ("region",),
    ),
    "POST /_fake/msk": (
        ("stream", "region", "records", "partition", "offset", "timestamp"),
        ("region",),
    ),
    "POST /_fake/database": (
        ("stream", "region", "table", *CHANGE_FIELDS, "primaryKey"),
        ("region",),
    ),
    "POST /_fake/destination": (("stream", "region", "up", "error", "refuse"), ("region",)),
    "POST /_fake/channel": (("channel", "region", "fail", "reason"), ("region",)),
    "POST /_fake/glue": (("database", "table", "columns", "region", "catalog_id"), ("region",)),
    "GET /_fake/glue/{database}/{table}": ((), ("region", "catalog_id")),
    "POST /_fake/secret": (("secret", "value", "region"), ("region",)),
    "POST /_fake/snowflake": (("table", "columns", "account_url"), ()),
    "POST /_fake/opensearch": (
        ("domain", "index", "mappings", "settings", "priority", "order"),
        (),
    ),
    "GET /_fake/opensearch/{index}": ((), ("domain",)),
    "GET /_fake/calls": (("region",), ("service", "region")),
    "POST /_fake/reset": ((), ()),
}
ROUTES = tuple(READS)

Json = Any


class ControlError(Exception):
    """A control request the server refuses: the HTTP status and a message naming the fix."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@contextmanager
def refusals(route: str, fields: Mapping[str, str] | None = None) -> Iterator[None]:
    """Carry out the Python API behind ``route``: a refusal it raises is a 400 worded in
    its client's terms (``fields``: keyword -> what the client wrote instead, where that is
    not the keyword as a JSON field: ``'"primaryKey"'``, ``"?catalog_id="``)."""
    try:
        with speaking(Terms(route, fields or {})):
            yield
    except UsageError as error:
        raise ControlError(400, str(error)) from None


def stream_not_found(error: StreamKeyError, *, in_the_body: bool) -> ControlError:
    """The 404 of a stream the handles could not find, its names quoted as JSON. Where
    streams of that name are in other regions, the fix is the one an HTTP client makes,
    naming the region in the request (``in_the_body``: in its JSON body, or in the query
    string), not the handles' Python call; so where the other service has a stream of
    that name, the fix is ``?service=`` (none where the endpoint reads delivery streams
    only: the body's)."""
    if error.service is not None:
        fix = "" if in_the_body else f": ask with ?service={error.service}"
        return ControlError(404, error.problem(json_term) + fix)
    if not error.regions:
        return ControlError(404, error.worded(json_term))
    fix = f"?region={error.regions[0]}"
    if in_the_body:
        fix = f'"region": {json_term(error.regions[0])} in the body (or {fix})'
    return ControlError(404, f"{error.problem(json_term)}: name the region with {fix}")


def decoded_records(records: Json) -> list[bytes]:
    """``records`` given as a list of base64 strings, decoded."""
    if not isinstance(records, list):
        raise ControlError(400, f'"records" is a list of base64 strings, not {json_term(records)}')
    decoded = []
    for record in records:
        try:
            decoded.append(base64.b64decode(record, validate=True))
        except (TypeError, ValueError):
            raise ControlError(
                400,
                f'each of "records" is a record in base64, e.g. "H4sI...", not {json_term(record)}',
            ) from None
    return decoded


class _DuplicateKey(ValueError):
    """A JSON object that gives one key twice: one of its values would be dropped."""


def _object(pairs: list[tuple[str, Json]]) -> dict[str, Json]:
    value: dict[str, Json] = {}
    for key, item in pairs:
        if key in value:
            raise _DuplicateKey(
                f"the body gives {json_term(key)} twice in one object; give it once"
            )
        value[key] = item
    return value


def parse_body(body: bytes) -> dict[str, Json]:
    """The request's JSON object; an empty body is ``{}``."""
    if not body.strip():
        return {}
    try:
        value = json.loads(body, object_pairs_hook=_object)
    except _DuplicateKey as error:
        raise ControlError(400, str(error)) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ControlError(400, f"the body is not JSON ({error}); send a JSON object") from None
    except RecursionError:
        raise ControlError(400, "the body is nested too deep to read; send a JSON object") from None
    if not isinstance(value, dict):
        raise ControlError(400, f"the body must be a JSON object, not {json_kind(type(value))}")
    return value


def parse_query(query: str) -> dict[str, str]:
    """The query string's parameters, each given once (an empty value is a value)."""
    parameters: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in parameters:
            raise ControlError(
                400,
                f"?{key}= is given twice ({json_term(parameters[key])} and {json_term(value)}); "
                "give it once",
            )
        parameters[key] = value
    return parameters


def check_reads(route: str, body: Mapping[str, Json], query: Mapping[str, str]) -> None:
    """Refuse a body field or a query parameter that ``route`` does not read."""
    fields, parameters = READS[route]
    for key in query:
        if key not in parameters:
            takes = ", ".join(f"?{p}=" for p in parameters) or "no query parameters"
            hint = f'; give "{key}" in the JSON body' if fields and key in fields else ""
            raise ControlError(400, f"{route} takes no ?{key}= (it takes {takes}){hint}")
    if fields is None:
        return
    for key in body:
        if key not in fields:
            takes = ", ".join(f'"{f}"' for f in fields) or "no fields"
            raise ControlError(400, f'{route} takes no "{key}" (its body takes {takes})')


def text_field(body: Mapping[str, Json], key: str, example: str) -> str:
    """The body's ``key``, a string that is not empty (``example`` shows one)."""
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ControlError(400, f'give "{key}" as a string, e.g. {example}; got {json_term(value)}')
    return value


def service_field(body: Mapping[str, Json], example: str) -> str:
    """The body's ``"service"``: one of ``SERVICES`` (``example`` shows a body naming one)."""
    service = body.get("service")
    if service not in SERVICES:
        raise ControlError(
            400,
            f'"service" must be "firehose" or "kinesis", e.g. {example}; got {json_term(service)}',
        )
    assert isinstance(service, str)
    return service


def fault_records(records: Json) -> Json:
    """``records`` as ``.fail`` takes it: JSON object keys (strings) become int indexes."""
    if not isinstance(records, dict):
        return records
    converted: dict[int, Json] = {}
    keys: dict[int, str] = {}
    for key, code in records.items():
        shown = f"key {json_term(key)}"
        try:
            index = int(key) if _INDEX.fullmatch(key) else None
        except ValueError:  # more digits than Python reads (4,300)
            index, shown = None, f"a key of {len(key.lstrip('-'))} digits"
        if index is None:
            raise ControlError(
                400,
                "records keys are the 0-based indexes of records in the batch, written as "
                f'JSON strings, e.g. {{"records": {{"1": "ServiceUnavailableException"}}}}; '
                f"got {shown}",
            )
        if index in keys:
            raise ControlError(
                400,
                f"records keys {json_term(keys[index])} and {json_term(key)} both name record "
                f"{index}; name it once",
            )
        keys[index] = key
        converted[index] = code
    return converted


#: The create operation behind ``POST /_fake/streams``, and its stream name member.
CREATE = {
    "firehose": ("CreateDeliveryStream", "DeliveryStreamName"),
    "kinesis": ("CreateStream", "StreamName"),
}


def boto3_refusal(service: str, name: str, options: Mapping[str, Json]) -> str | None:
    """What boto3 would say before sending these create options (botocore's parameter
    validator, in its words), or ``None`` if it would send them."""
    operation, name_member = CREATE[service]
    params = {name_member: name, **options}
    try:
        validate_parameters(params, operation_model(service, operation).input_shape)
    except ParamValidationError as error:
        return f"{operation}: {error}"
    return None
