"""One fake world: services per region, the clock, ids and the call log, behind one lock."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from ._calls import Call, attempt_of
from ._clock import FakeClock
from ._codes import CALL_ERRORS, RECORD_ERRORS, THROTTLE_CODE
from ._errors import NetworkFault, ServiceError
from ._faults import FaultHandle, FaultScript, Hit
from ._firehose import FirehoseService, RecordFailure
from ._ids import IdSource
from ._payload import Payload
from ._shapes import service_model
from ._validation import validate_input
from ._wire import HttpRequest, HttpResponse, decode_request, encode_error, encode_result, target_of

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


def _signing_scope(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(region, service) from a SigV4 ``Authorization`` header's credential scope."""
    match = _SCOPE.search(headers.get("authorization", ""))
    return (match.group(1), match.group(2)) if match else (None, None)


def _host_service(url: str) -> tuple[str | None, str | None]:
    """(service, region) from an AWS host name such as ``firehose.eu-west-1.amazonaws.com``."""
    host = urlsplit(url).hostname or ""
    labels = host.split(".")
    if len(labels) >= 4 and labels[-2].startswith("amazonaws"):
        return labels[0].removesuffix("-fips"), labels[1]
    return None, None


def _payloads(operation: str, params: dict[str, Any] | None) -> tuple[Payload, ...]:
    if not params:
        return ()
    if operation == "PutRecordBatch":
        entries = params.get("Records") or []
    elif operation == "PutRecord":
        entries = [params.get("Record") or {}]
    else:
        return ()
    return tuple(entry.get("Data") or b"" for entry in entries)


class World:
    """Everything one test sees: Firehose per region, one clock, one call log.

    Thread-safe: every request is answered under one lock, so producers may send from
    thread pools.
    """

    SERVED = ("firehose",)

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
        seed: int | None = None,
        clock: FakeClock | None = None,
        creation_delay: float = 0,
        encryption_delay: float = 0,
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.creation_delay = timedelta(seconds=creation_delay)
        self.encryption_delay = timedelta(seconds=encryption_delay)
        self.clock = clock if clock is not None else FakeClock()
        self.ids = IdSource(seed)
        self.lock = threading.RLock()
        self.calls: list[Call] = []
        self.faults = {service: FaultScript(service) for service in self.SERVED}
        # Deliveries fall due as time passes: when the clock moves, the world catches up,
        # so that what a destination holds (an S3 bucket in moto) is current at once.
        self.clock.on_advance(self.settle)
        self._firehose: dict[str, FirehoseService] = {}

    # ------------------------------------------------------------------ services

    def firehose(self, region: str | None = None) -> FirehoseService:
        region = region or self.region
        with self.lock:
            service = self._firehose.get(region)
            if service is None:
                service = FirehoseService(
                    account_id=self.account_id,
                    region=region,
                    clock=self.clock,
                    ids=self.ids,
                    creation_delay=self.creation_delay,
                    encryption_delay=self.encryption_delay,
                )
                self._firehose[region] = service
            return service

    def firehose_services(self) -> list[FirehoseService]:
        with self.lock:
            return list(self._firehose.values())

    def settle(self) -> None:
        """Bring the world up to the clock: whatever fell due since it was last touched
        (buffer intervals, retries, expiry, status changes) happens now."""
        with self.lock:
            for service in self._firehose.values():
                service.settle()

    @contextlib.contextmanager
    def touched(self) -> Iterator[None]:
        """Hold the world's lock, brought up to the clock first."""
        with self.lock:
            self.settle()
            yield

    # ------------------------------------------------------------------ HTTP

    def service_for(self, request: HttpRequest) -> str | None:
        """The service of ours a request is for, or ``None`` when it is for someone else."""
        service, _ = target_of(request.headers)
        if service is None:
            service, _ = _host_service(request.url)
        if service is None:
            _, service = _signing_scope(request.headers)
        return service if service in self.SERVED else None

    def region_of(self, request: HttpRequest) -> str:
        region, _ = _signing_scope(request.headers)
        if region is None:
            _, region = _host_service(request.url)
        return region or self.region

    def handle(self, request: HttpRequest, service: str, *, trusted: bool = False) -> HttpResponse:
        """Answer one HTTP request for ``service`` as AWS would, and log it.

        ``trusted``: the body comes from botocore's serializer (see ``decode_request``).
        Raises :class:`NetworkFault` where a scripted fault makes the network fail.
        """
        region = self.region_of(request)
        _, operation = target_of(request.headers)
        with self.touched():
            now = self.clock.now()
            ids = {"request_id": self.ids.uuid(), "extended_id": self.ids.extended_request_id()}
            params: dict[str, Any] | None = None
            payloads: tuple[Payload, ...] = ()
            failed: tuple[int, ...] = ()
            result: dict[str, Any] = {}
            fault: FaultHandle | None = None
            network: NetworkFault | None = None
            commit = True
            try:
                if operation is None or operation not in service_model(service).operation_names:
                    raise ServiceError("UnknownOperationException", None)
                params, valid = decode_request(service, operation, request.body, trusted=trusted)
                if not valid:
                    validate_input(service, operation, params)
                stream = params.get("DeliveryStreamName")
                payloads = _payloads(operation, params)
                hit = self.faults[service].take(operation, stream, payloads)
                failures: dict[int, RecordFailure] = {}
                if hit is not None:
                    fault = hit.handle
                    effect = self._apply(hit, service, operation, params, region, request)
                    network, commit, failures = effect
                    now = self.clock.now()
                if commit:
                    result = self.firehose(region).dispatch(operation, params, failures)
                    failed = tuple(sorted(failures))
                response = encode_result(result, date=now, **ids)
                error = None
            except ServiceError as failure:
                response = encode_error(failure, date=now, **ids)
                error = failure.code
            if network is not None:
                outcome = "timeout"
            elif error:
                outcome = "error"
            else:
                outcome = "partial" if failed else "ok"
            self.calls.append(
                Call(
                    service=service,
                    operation=operation or "",
                    stream=(params or {}).get("DeliveryStreamName"),
                    payloads=payloads,
                    attempt=attempt_of(request.headers),
                    invocation_id=request.headers.get("amz-sdk-invocation-id"),
                    outcome=outcome,
                    status=None if network is not None else response.status,
                    error=network.kind if network is not None else error,
                    failed_indices=failed,
                    fault=repr(fault.fault) if fault is not None else None,
                    at=now,
                    region=region,
                )
            )
        if network is not None:
            raise network
        return response

    def _apply(
        self,
        hit: Hit,
        service: str,
        operation: str,
        params: dict[str, Any],
        region: str,
        request: HttpRequest,
    ) -> tuple[NetworkFault | None, bool, dict[int, RecordFailure]]:
        """Carry out a fault: raise the scripted error, or return what it does to the call:
        the network failure to raise once the call is logged, whether the service carries
        the request out, and the per-record failures."""
        fault = hit.handle.fault
        stream = params.get("DeliveryStreamName") or ""
        context = {
            "stream": stream,
            "account": self.account_id,
            "region": region,
            "operation": operation,
            "service": service,
            "arn": f"arn:aws:{service}:{region}:{self.account_id}:deliverystream/{stream}",
            "shard": "shardId-000000000000",
        }
        if fault.effect in ("throttle", "error"):
            code = THROTTLE_CODE[service] if fault.effect == "throttle" else fault.value
            spec = CALL_ERRORS[service][code]
            raise ServiceError(spec.code, spec.render(**context), spec.status)
        if fault.effect == "timeout":
            kind = "connect-timeout" if fault.value == "connect" else "read-timeout"
            return NetworkFault(kind), fault.value == "commit", {}
        if fault.effect == "latency":
            # An answer slower than the client's read timeout is one it never sees; the
            # service carried the request out all the same.
            limit = request.read_timeout
            if limit is not None and float(fault.value) >= limit:
                self.clock.advance(limit)
                return NetworkFault("read-timeout"), True, {}
            self.clock.advance(float(fault.value))
            return None, True, {}
        messages = RECORD_ERRORS[service]
        failures = {
            i: (code, messages[code].format(**context)) for i, code in hit.record_codes.items()
        }
        return None, True, failures
