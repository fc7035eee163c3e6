"""Delivery to an HTTP endpoint, as Firehose's "HTTP Endpoint Delivery Request and Response
Specifications" describe it: one POST per batch (of at most 10,000 records), retried with
backoff while the endpoint answers anything but a 200 in the spec's response format (JSON
naming the request's ``requestId`` and a ``timestamp``), then written to the S3 backup (the
delivery's ``backed_up``) once ``RetryOptions.DurationInSeconds`` has passed; while the
backup cannot be written either, the batch stays pending and both are tried again. A 413 is
a permanent failure: the batch is neither retried nor backed up (the delivery's
``refused``).

The ``X-Amz-Firehose-Access-Key`` header is ``EndpointConfiguration.AccessKey``, or, with
``SecretsManagerConfiguration`` enabled, the ``api_key`` of its secret (``secret_key.py``:
read from whatever stands in for Secrets Manager, again every 10 minutes of fake time; a
secret that cannot be read fails the attempt before anything is sent).

The endpoint is waited for without the world's lock (``unlocked``): other clients are served
meanwhile, and the delivery keeps what reaches it until the answer is in (``Delivery``'s
``busy``), so batches still reach the endpoint one at a time and in order.

Requests go through ``requests``, so a test answers them with ``responses`` (or
requests-mock). ``requests`` is imported only when such a destination is configured.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._clock import epoch_millis
from pytest_firehose._destinations.base import (
    DeliveryFailed,
    Destination,
    MemoryDestination,
)
from pytest_firehose._destinations.compression import java_gzip
from pytest_firehose._destinations.gave_up import failed_output, gave_up_object, written
from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._destinations.s3 import S3Destination
from pytest_firehose._destinations.secret_key import SecretKey, recorded_message
from pytest_firehose._errors import UsageError
from pytest_firehose._json_text import strict_json
from pytest_firehose._loopback import reaches_loopback
from pytest_firehose._payload import Payload

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Batch, DeliveryTarget

#: The spec: backoff doubles from 1 s up to 2 minutes; an answer may take 3 minutes.
RETRY_CAP = timedelta(minutes=2)
RESPONSE_TIMEOUT = 180
DEFAULT_RETRY_SECONDS = 300
ERROR_OUTPUT_TYPE = "http-endpoint-failed"
#: The User-Agent Firehose's requests carry, as receivers built against them expect it.
USER_AGENT = "Amazon Kinesis Data Firehose Agent/1.0"
ANSWERED = "HttpEndpoint.DestinationException"
UNREACHABLE = "HttpEndpoint.ConnectionFailed"
TIMED_OUT = "HttpEndpoint.RequestTimeout"
RESET = "HttpEndpoint.ConnectionReset"
HANDSHAKE = "HttpEndpoint.SSLHandshakeFailure"
INVALID = "HttpEndpoint.InvalidResponseFromDestination"
TOO_LARGE = "HttpEndpoint.ResponseTooLarge"
#: What an attempt that got no answer records, by its code: the developer guide's "HTTP
#: Endpoint Data Delivery Errors" (the handshake's message is not on record).
NO_ANSWER = {
    UNREACHABLE: "Unable to connect to the destination endpoint. "
    "Contact the owner of the endpoint to resolve this issue.",
    TIMED_OUT: "The delivery timed out before a response was received and will be retried. "
    "If this error persists, contact the AWS Firehose service team.",
    RESET: "Unable to maintain connection with the endpoint. "
    "Contact the owner of the endpoint to resolve this issue.",
    HANDSHAKE: "Unable to complete the SSL handshake with the endpoint. "
    "Contact the owner of the endpoint to resolve this issue.",
}
#: The spec: "The response body must be 1 MiB or less in size"; an errorMessage is at most
#: 8192 characters.
MAX_RESPONSE_BYTES = 1024 * 1024
#: The message of an answer other than 200, before ``STATUS: BODY``, as Firehose writes it
#: today (the developer guide's older examples say "Received the following response from
#: the endpoint destination.").
DESTINATION_EXCEPTION = (
    "Delivery to the endpoint was unsuccessful. See Troubleshooting HTTP Endpoints in the "
    "Firehose documentation for more information. Response received with status code"
)
#: The spec's request body schema: ``records`` has at most 10,000 items; a buffer of more is
#: sent as several requests (``Delivery``'s batches).
MAX_RECORDS = 10_000
#: The one answer the spec calls a permanent failure: 413 (size exceeded).
PERMANENT_STATUS = 413
MAX_ERROR_MESSAGE = 8192


def _requests() -> Any:
    try:
        import requests  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise UsageError(
            "An HttpEndpointDestinationConfiguration delivers with the requests library, "
            "which is not installed: pip install requests"
        ) from None
    return requests


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))


def _data_id(record_id: str, arrived: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """What an HTTP endpoint's failed record adds after ``rawData``: the record's id with
    its subsequence number after a dot, as Splunk's ``EventId``."""
    return {}, {"subsequenceNumber": 0, "dataId": f"{record_id}.0"}


def _b64(payload: Payload) -> str:
    # A str payload is botocore's own base64 text, already canonical.
    return payload if isinstance(payload, str) else base64.b64encode(payload).decode("ascii")


def _intercepted(session: Any, url: str) -> bool:
    """Whether something other than requests' own transport answers ``url`` (responses
    patches ``HTTPAdapter.send``; requests-mock swaps the adapter)."""
    send = getattr(type(session.get_adapter(url)), "send", None)
    return getattr(send, "__module__", None) != "requests.adapters"


def _refuse_the_network(session: Any, url: str) -> None:
    """Raise DeliveryFailed unless ``url`` stays on this machine or something in the test
    answers it. The host is read as urllib3 will connect to it (``reaches_loopback``)."""
    if reaches_loopback(url) or _intercepted(session, url):
        return
    raise DeliveryFailed(
        f"pytest-firehose did not send this request: nothing intercepts {url} "
        "and nothing in a test may reach the network. Answer it with responses or "
        "requests-mock: status 200, Content-Type application/json and the body "
        '{"requestId": <the request\'s requestId>, "timestamp": <milliseconds>}.',
        UNREACHABLE,
    )


def _dropped(error: Exception) -> bool:
    """Whether the connection of a request that failed with ``error`` was made, then
    closed or reset by the endpoint before its answer was in (urllib3's ProtocolError,
    "Connection aborted.", wrapped by requests, or an OSError saying so)."""
    from urllib3.exceptions import ProtocolError

    cause = error.args[0] if error.args else None
    cause = getattr(cause, "reason", cause)  # a MaxRetryError names its cause
    return isinstance(cause, (ProtocolError, ConnectionResetError, BrokenPipeError))


def _no_answer(requests: Any, error: Exception) -> DeliveryFailed:
    """The failure of an attempt that got no answer, ``error`` being what requests raised:
    the handshake failed, the answer did not come in time, the connection dropped, or it
    could not be made (anything else requests raises counts as that)."""
    exceptions = requests.exceptions
    if isinstance(error, exceptions.SSLError):
        code = HANDSHAKE
    elif isinstance(error, exceptions.ConnectTimeout):  # no connection within the time
        code = UNREACHABLE
    elif isinstance(error, exceptions.Timeout):
        code = TIMED_OUT
    elif isinstance(error, exceptions.ChunkedEncodingError) or _dropped(error):
        code = RESET
    else:
        code = UNREACHABLE
    return DeliveryFailed(NO_ANSWER[code], code)


def _malformed(answer: Any, request_id: str) -> str | None:
    """Why a 200 ``answer`` is not in the spec's response format (the end of the sentence
    "Response for request ID ..."), or None when it is."""
    unexpected = "is not recognized as valid JSON or has unexpected fields"
    if answer.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        return "is content-encoded"
    media_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return "does not have the header Content-Type: application/json"
    try:
        body = strict_json(answer.content)
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, NaN, nested too deep
        return unexpected
    if not isinstance(body, dict):
        return unexpected
    if "requestId" not in body:
        return "does not contain a requestId"
    if not isinstance(body["requestId"], str):
        return unexpected
    if body["requestId"] != request_id:
        return "has a requestId other than the request's"
    if "timestamp" not in body:
        return "does not contain a timestamp"
    timestamp = body["timestamp"]
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        return "has a timestamp that is not a number"
    message = body.get("errorMessage", "")
    if not isinstance(message, str) or len(message) > MAX_ERROR_MESSAGE:
        return unexpected
    return None


def _judge(answer: Any, request_id: str) -> None:
    """Raise DeliveryFailed unless ``answer`` delivered the batch: a 200 in the spec's
    response format, with a body of at most 1 MiB."""
    if len(answer.content) > MAX_RESPONSE_BYTES:
        raise DeliveryFailed(
            "The response received from the endpoint is too large. "
            "Contact the owner of the endpoint to resolve this issue.",
            TOO_LARGE,
        )
    if answer.status_code != 200:
        raise DeliveryFailed(
            f"{DESTINATION_EXCEPTION}. {answer.status_code}: {answer.text[:MAX_ERROR_MESSAGE]}",
            ANSWERED,
            # The spec: a 413 is a permanent failure, and the batch is not sent to the
            # error bucket.
            permanent=answer.status_code == PERMANENT_STATUS,
        )
    reason = _malformed(answer, request_id)
    if reason is not None:
        raise DeliveryFailed(
            "The response received from the specified endpoint is invalid. Contact the owner "
            f"of the endpoint to resolve the issue. Response for request {request_id} "
            f"{reason}. Raw response received: 200 {answer.text[:MAX_ERROR_MESSAGE]}",
            INVALID,
        )


class HttpEndpointDestination:
    """Delivers each batch to ``EndpointConfiguration.Url``; backs it up after
    ``RetryOptions.DurationInSeconds`` of failures."""

    retry_cap = RETRY_CAP
    max_records = MAX_RECORDS

    def __init__(
        self,
        config: dict[str, Any],
        region: str,
        contained: Callable[[], bool],
        unlocked: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext,
    ) -> None:
        _requests()  # fail at CreateDeliveryStream, not in the middle of a delivery
        self.config = config
        self._unlocked = unlocked
        seconds = config.get("RetryOptions", {}).get("DurationInSeconds", DEFAULT_RETRY_SECONDS)
        self.retry_duration = timedelta(seconds=seconds)
        s3 = config.get("S3Configuration")
        #: Where backups are written too: S3 (moto's bucket under mock_aws), when configured.
        self._backup_bucket = S3Destination(s3, region, contained) if s3 else None
        secrets = config.get("SecretsManagerConfiguration")
        #: The access key's secret, when Secrets Manager is enabled: it takes the place of
        #: ``EndpointConfiguration.AccessKey`` (the API reference: it "overwrites the
        #: existing secrets in the destination configuration").
        self.secret = (
            SecretKey(secrets, region, contained)
            if isinstance(secrets, dict) and secrets.get("Enabled")
            else None
        )

    @property
    def error_output(self) -> Destination:
        """Where a transformation's failed records are written: the S3 configuration's
        bucket (kept in memory only without one)."""
        return self._backup_bucket or MemoryDestination()

    def _access_key(self, at: datetime) -> str | None:
        """The ``X-Amz-Firehose-Access-Key`` of a request sent at ``at``: the secret's
        ``api_key`` when Secrets Manager is enabled (SecretUnreadable when it cannot be
        read), else ``EndpointConfiguration.AccessKey``; None without either."""
        if self.secret is not None:
            return self.secret.api_key(at)
        key: str | None = self.config["EndpointConfiguration"].get("AccessKey")
        return key

    def _headers(
        self, target: DeliveryTarget, request_id: str, gzipped: bool, access_key: str | None
    ) -> dict[str, str]:
        attributes = self.config.get("RequestConfiguration", {}).get("CommonAttributes")
        headers = {
            "X-Amz-Firehose-Protocol-Version": "1.0",
            "X-Amz-Firehose-Request-Id": request_id,
            "Content-Type": "application/json",
            "X-Amz-Firehose-Source-Arn": target.arn,
            "User-Agent": USER_AGENT,
        }
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        if access_key is not None:
            headers["X-Amz-Firehose-Access-Key"] = access_key
        if attributes:
            common = {a["AttributeName"]: a["AttributeValue"] for a in attributes}
            headers["X-Amz-Firehose-Common-Attributes"] = _json({"commonAttributes": common})
        return headers

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        requests = _requests()
        url = self.config["EndpointConfiguration"]["Url"]
        request_id = obj.delivery_id  # the same on every retry of the batch
        access_key = self._access_key(obj.delivered_at)  # before anything is sent
        body = _json(
            {
                "requestId": request_id,
                "timestamp": epoch_millis(obj.delivered_at),
                "records": [{"data": _b64(data)} for data in obj.records],
            }
        ).encode()
        encoding = self.config.get("RequestConfiguration", {}).get("ContentEncoding", "NONE")
        if encoding == "GZIP":
            body = java_gzip(body)
        with requests.Session() as session:
            session.trust_env = False  # no proxies or .netrc from the environment
            session.headers.clear()  # only Firehose's headers, not python-requests' own
            try:
                # The host is judged on the request as prepared, the URL requests sends.
                prepared = session.prepare_request(
                    requests.Request(
                        "POST",
                        url,
                        data=body,
                        headers=self._headers(target, request_id, encoding == "GZIP", access_key),
                    )
                )
                _refuse_the_network(session, prepared.url)
                with self._unlocked():  # an endpoint that never answers blocks no one else
                    answer = session.send(
                        prepared,
                        timeout=RESPONSE_TIMEOUT,
                        allow_redirects=False,  # the spec: 3xx answers are not followed
                    )
            except requests.RequestException as error:
                raise _no_answer(requests, error) from None
        _judge(answer, request_id)

    def give_up(
        self, target: DeliveryTarget, batch: Batch, at: datetime, failure: DeliveryFailed | None
    ) -> DeliveredObject | None:
        """Once the retry duration has passed since the first try: the batch as written to
        the S3 backup, one JSON line per record naming the last attempt's error; None while
        it waits, or when the S3 backup did not take it (it is tried again)."""
        if at - batch.first_try < self.retry_duration:
            return None
        if failure is not None and failure.code is not None:
            error = (failure.code, recorded_message(failure))
        else:  # not tried: the destination was switched off
            error = (UNREACHABLE, NO_ANSWER[UNREACHABLE])
        backup = gave_up_object(
            failed_output(self.config.get("S3Configuration", {})),
            ERROR_OUTPUT_TYPE,
            target,
            batch,
            at,
            error,
            _data_id,
        )
        if self._backup_bucket is None:
            return backup
        return written(self._backup_bucket, target, backup)
