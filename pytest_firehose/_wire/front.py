"""What is answered before any service sees a request, by either door: a body over the size
limit, signatures, methods and content types other than the services' own, in the order
AWS's front end checks them; and on the server CORS, which only a browser asks for.

The facts and their order come from kinesalite's connection tests, which were run against
Kinesis (``test/connection.js``, 2020): a preflight is answered first; any method but POST,
or a body in a content type the service does not speak, gets an XML body and no content
type; an empty body, a body that does not parse and an unknown target come next, in the
request's own form; the signature is checked last, before the service reads the body. The
signature's *value* is not checked: the fake knows no secret keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from pytest_firehose._wire import cbor
from pytest_firehose._wire.codec import (
    CBOR_CONTENT_TYPE,
    CONTENT_TYPE,
    TARGET_PREFIXES,
    HttpRequest,
    HttpResponse,
    is_cbor,
    parses,
)
from pytest_firehose._wire.routing import INVOCATION, Route, attempt_of, new_route
from pytest_firehose._wire.shapes import operation_names

#: The largest request body the fake takes, by either door: above any valid request (a
#: 10 MiB PutRecords, base64 encoded, is about 13.4 MiB). AWS answers an oversized request
#: 413 with no error code; its own threshold is not on record.
MAX_BODY = 16 * 1024 * 1024
TOO_LARGE = f"the request body is larger than the fake takes ({MAX_BODY} bytes)"


def json_bytes(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def error_body(status: int, message: str) -> bytes:
    """The JSON a client reads an HTTP-level refusal from: botocore takes the code from
    ``__type`` where the status has a service meaning, and the status alone otherwise."""
    body: dict[str, str] = {"message": message}
    if status == 503:
        body["__type"] = "ServiceUnavailableException"
    return json_bytes(body)


def too_large() -> HttpResponse:
    """The answer to a request whose body is over ``MAX_BODY``: 413, before any service
    reads it (botocore reports the error code ``413``)."""
    return HttpResponse(413, error_body(413, TOO_LARGE), {"Content-Type": "application/json"})


#: JSON 1.0, which Kinesis and Firehose answer in their own legacy envelope.
JSON_1_0 = "application/json"
_SPOKEN = frozenset({CONTENT_TYPE, CBOR_CONTENT_TYPE, JSON_1_0})
#: Seconds a browser may keep a preflight's answer (kinesalite's recording).
CORS_MAX_AGE = "172800"
#: The answer headers a browser script may read (kinesalite's recording).
CORS_EXPOSED = (
    "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date"
)
_HEADER_PARAMETERS = ("Credential", "Signature", "SignedHeaders")
_QUERY_PARAMETERS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
)
UNDETERMINED = "Unable to determine service/operation name to be authorized"
_SEPARATORS = re.compile(r"[, ]")


@dataclass(frozen=True)
class FrontAnswer:
    """An answer of the front end: its status, body and content type (``None``: no
    ``Content-Type`` header, as AWS sends XML refusals), and whether it is a preflight
    (which AWS sends without ``x-amz-id-2``)."""

    status: int
    body: bytes
    content_type: str | None
    preflight: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def cors_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """What AWS adds to an answer to a request that names its ``Origin``."""
    if not headers.get("origin"):
        return {}
    return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": CORS_EXPOSED}


def _preflight(headers: Mapping[str, str]) -> FrontAnswer:
    """An ``OPTIONS`` with an ``Origin``: allowed, whatever it asks, with no body."""
    answer = {"Access-Control-Allow-Origin": "*"}
    if headers.get("access-control-request-headers"):
        answer["Access-Control-Allow-Headers"] = headers["access-control-request-headers"]
    if headers.get("access-control-request-method"):
        answer["Access-Control-Allow-Methods"] = headers["access-control-request-method"]
    answer["Access-Control-Max-Age"] = CORS_MAX_AGE
    return FrontAnswer(200, b"", None, preflight=True, headers=answer)


def foreign(headers: Mapping[str, str]) -> bool:
    """Whether the request names a target of a service other than ours."""
    prefix = headers.get("x-amz-target", "").partition(".")[0]
    return bool(prefix) and prefix not in TARGET_PREFIXES


def _target(headers: Mapping[str, str]) -> tuple[str, str, bool]:
    """(prefix, operation, whether the target is an operation of a service of ours)."""
    prefix, _, operation = headers.get("x-amz-target", "").partition(".")
    service = TARGET_PREFIXES.get(prefix)
    known = service is not None and operation in operation_names(service)
    return prefix, operation, known


def signature_fault(request: HttpRequest) -> tuple[str, str] | None:
    """The (code, message) AWS refuses a request's signature with, or ``None`` when it is
    well formed. Only the form is checked."""
    header = request.headers.get("authorization", "")
    url = request.url
    query = parse_qs(urlsplit(url).query, keep_blank_values=True) if "?" in url else {}
    in_query = "X-Amz-Algorithm" in query
    if header and in_query:
        return (
            "InvalidSignatureException",
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as "
            "HTTP header.",
        )
    if not header and not in_query:
        return "MissingAuthenticationTokenException", "Missing Authentication Token"
    message = _header_gaps(header, request.headers) if header else _query_gaps(query)
    return ("IncompleteSignatureException", message) if message else None


def _header_gaps(header: str, headers: Mapping[str, str]) -> str:
    given: dict[str, str] = {}
    for part in _SEPARATORS.split(header)[1:]:
        name, _, value = part.strip().partition("=")
        given[name] = value
    gaps = [
        f"Authorization header requires '{name}' parameter. "
        for name in _HEADER_PARAMETERS
        if not given.get(name)
    ]
    if not headers.get("x-amz-date") and not headers.get("date"):
        gaps.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        )
    return "".join(gaps) + f"Authorization={header}" if gaps else ""


def _query_gaps(query: Mapping[str, list[str]]) -> str:
    gaps = [
        f"AWS query-string parameters must include '{name}'. "
        for name in _QUERY_PARAMETERS
        if not any(query.get(name, []))
    ]
    return "".join(gaps) + "Re-examine the query-string parameters." if gaps else ""


def _xml(code: str, message: str | None, status: int = 403) -> FrontAnswer:
    if message is None:
        return FrontAnswer(status, f"<{code}/>\n".encode(), None)
    body = f"<{code}>\n  <Message>{message}</Message>\n</{code}>\n"
    return FrontAnswer(status, body.encode("utf-8"), None)


def _refused_in_xml(request: HttpRequest) -> FrontAnswer:
    """A request in no form the service speaks: refused in XML, the signature first."""
    fault = signature_fault(request)
    if fault is not None:
        return _xml(*fault)
    prefix, operation, known = _target(request.headers)
    if known:
        return _xml("UnknownOperationException", None, 404)
    if prefix in TARGET_PREFIXES and operation:
        return _xml("InternalFailure", None, 500)
    if prefix and operation:
        message = f"No authorization strategy was found for service: {prefix}, operation: "
        return _xml("UnrecognizedClientException", message + operation)
    return _xml("AccessDeniedException", UNDETERMINED)


def _envelope(code: str, status: int) -> FrontAnswer:
    """JSON 1.0's error envelope, the only answer a ``Content-Type: application/json``
    request gets."""
    body = f'{{"Output":{{"__type":"com.amazon.coral.service#{code}"}},"Version":"1.0"}}'
    return FrontAnswer(status, body.encode("ascii"), JSON_1_0)


def _in_form(code: str, message: str | None, media: str) -> FrontAnswer:
    """A 400 in the request's own form (JSON 1.1 or CBOR)."""
    payload = {"__type": code} if message is None else {"__type": code, "message": message}
    if media == CBOR_CONTENT_TYPE:
        return FrontAnswer(400, cbor.dumps(payload), media)
    return FrontAnswer(400, json.dumps(payload, separators=(",", ":")).encode("utf-8"), media)


def front_response(front: FrontAnswer, request_id: str, extended_id: str) -> HttpResponse:
    """The front end's answer as sent, with the request ids AWS's carry."""
    headers = {"x-amzn-RequestId": request_id, **front.headers}
    if not front.preflight:  # AWS answers a preflight with no x-amz-id-2
        headers["x-amz-id-2"] = extended_id
    if front.content_type is not None:
        headers["Content-Type"] = front.content_type
    return HttpResponse(front.status, front.body, headers)


#: A SigV4 signature header in the form signers write it, ``AWS4-HMAC-SHA256
#: Credential=C, SignedHeaders=H, Signature=S`` with no part empty nor holding a comma or a
#: space (``signature_fault`` finds nothing to refuse in it, given a date), its credential
#: a scope ``routing``'s pattern reads the region from, the same way.
_SIGNED = re.compile(
    r"AWS4-HMAC-SHA256 Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/[a-z0-9-]+/aws4_request, "
    r"SignedHeaders=[^, ]+, Signature=[^, ]+"
)


def passing(request: HttpRequest) -> Route | None:
    """The route of a request in the form nearly every request has, which the front end
    lets through unread: a signed JSON 1.1 ``POST`` with a body (not over ``MAX_BODY``)
    for an operation of ours, its region in the signing scope. The same as ``route_of``
    finds and ``front_answer`` lets through, read in one pass; ``None`` for any other
    request, which those two then read in full."""
    headers = request.headers
    body = request.body
    if (
        request.method != "POST"
        or not body
        or len(body) > MAX_BODY
        or headers.get("content-type") != CONTENT_TYPE
        or "?" in request.url
    ):
        return None
    signed = _SIGNED.fullmatch(headers.get("authorization", ""))
    if signed is None or not (headers.get("x-amz-date") or headers.get("date")):
        return None
    prefix, _, operation = headers.get("x-amz-target", "").partition(".")
    service = TARGET_PREFIXES.get(prefix)
    if service is None or operation not in operation_names(service):
        return None
    region = signed.group(1)
    return new_route((service, operation, region, attempt_of(headers), headers.get(INVOCATION)))


def front_answer(request: HttpRequest) -> FrontAnswer | None:
    """The front end's answer to ``request``, or ``None`` when it goes on to the service."""
    headers = request.headers
    if request.method == "OPTIONS" and headers.get("origin"):
        return _preflight(headers)
    if request.method != "POST":
        return _refused_in_xml(request)
    sent = headers.get("content-type", "").split(";")[0].strip().lower()
    # An empty body is answered in CBOR unless the request is JSON 1.1 (recorded as such).
    spoken = CONTENT_TYPE if sent == CONTENT_TYPE or not cbor.available() else CBOR_CONTENT_TYPE
    _, _, known = _target(headers)
    if not request.body:
        if known and sent in (CONTENT_TYPE, CBOR_CONTENT_TYPE):
            return None  # the service answers SerializationException, and logs the call
        code = "SerializationException" if known else "UnknownOperationException"
        return _in_form(code, None, spoken)
    if sent not in _SPOKEN:
        return _refused_in_xml(request)
    return _spoken(request, sent, known)


def _spoken(request: HttpRequest, sent: str, known: bool) -> FrontAnswer | None:
    """A body in a form the service speaks: it must parse, name an operation and be signed.
    A signed request for an operation goes on unread: whether its body parses changes
    nothing then (the service answers a body that does not), so it is read only once."""
    if sent == CBOR_CONTENT_TYPE and not cbor.available():
        return _in_form("SerializationException", cbor.MISSING_EXTRA, CONTENT_TYPE)
    fault = None
    if known and sent != JSON_1_0:
        fault = signature_fault(request)
        if fault is None:
            return None
    readable = parses(request.body, cbor_body=is_cbor(request.headers))
    if sent == JSON_1_0:
        if readable:
            return _envelope("UnknownOperationException", 404)
        return _envelope("SerializationException", 400)
    if not readable:
        return None if known else _in_form("SerializationException", None, sent)
    if fault is None:
        return _in_form("UnknownOperationException", None, sent)
    return _in_form(*fault, sent)
