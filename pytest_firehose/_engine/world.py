"""One fake world: services per region, the clock, ids and the call log, behind one lock."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.factory import destination_for
from pytest_firehose._engine.calls import Call, attempt_of
from pytest_firehose._engine.faults import FaultHandle, FaultScript, Hit
from pytest_firehose._errors import NetworkFault, ServiceError
from pytest_firehose._ids import IdSource
from pytest_firehose._payload import Payload
from pytest_firehose._services.codes import CALL_ERRORS, THROTTLE_CODE
from pytest_firehose._services.firehose.model import FirehoseService
from pytest_firehose._services.kinesis.model import KinesisService
from pytest_firehose._wire.codec import (
    HttpRequest,
    HttpResponse,
    decode_request,
    encode_error,
    encode_result,
    target_of,
)
from pytest_firehose._wire.shapes import service_model
from pytest_firehose._wire.validation import validate_input

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


def _failed_indices(result: dict[str, Any]) -> tuple[int, ...]:
    """Positions of the entries a batch put failed (scripted, or refused by a quota)."""
    entries = result.get("RequestResponses") or result.get("Records") or ()
    return tuple(i for i, entry in enumerate(entries) if "ErrorCode" in entry)


class ServiceModel(Protocol):
    """What the world needs of a service model (FirehoseService, KinesisService)."""

    def dispatch(
        self,
        operation: str,
        params: dict[str, Any],
        record_failures: Mapping[int, str] | None = None,
    ) -> dict[str, Any]: ...

    def settle(self) -> None: ...

    def stream_name(self, params: dict[str, Any]) -> str | None: ...

    def request_payloads(
        self, operation: str, params: dict[str, Any] | None
    ) -> tuple[Payload, ...]: ...

    def shard_for_request(self, params: dict[str, Any]) -> str: ...


class World:
    """Everything one test sees: Firehose per region, one clock, one call log.

    Thread-safe: every request is answered under one lock, so producers may send from
    thread pools.
    """

    SERVED = ("firehose", "kinesis")

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
        #: Whether Kinesis shards enforce their write quota (off unless a test asks).
        self.kinesis_quotas = False
        self.encryption_delay = timedelta(seconds=encryption_delay)
        self.clock = clock if clock is not None else FakeClock()
        self.seed = seed
        self.ids = IdSource(seed)
        self.lock = threading.RLock()
        self.calls: list[Call] = []
        self.faults = {service: FaultScript(service) for service in self.SERVED}
        # Deliveries fall due as time passes: when the clock moves, the world catches up,
        # so that what a destination holds (an S3 bucket in moto) is current at once.
        self.clock.on_advance(self.settle)
        self._services: dict[tuple[str, str], ServiceModel] = {}

    def reset(self) -> None:
        """Back to a fresh world, in place (handles on it stay valid): no streams, faults or
        calls, the clock at the real time now, identifiers from the seed again."""
        with self.lock:
            self._services.clear()
            self.calls.clear()
            self.faults = {service: FaultScript(service) for service in self.SERVED}
            self.kinesis_quotas = False
            self.ids = IdSource(self.seed)
            self.clock.reset()

    # ------------------------------------------------------------------ services

    def firehose(self, region: str | None = None) -> FirehoseService:
        service = self.service("firehose", region)
        assert isinstance(service, FirehoseService)
        return service

    def kinesis(self, region: str | None = None) -> KinesisService:
        service = self.service("kinesis", region)
        assert isinstance(service, KinesisService)
        return service

    def service(self, name: str, region: str | None = None) -> ServiceModel:
        """The model of service ``name`` in ``region`` (the default region if None)."""
        region = region or self.region
        with self.lock:
            model = self._services.get((name, region))
            if model is None:
                model = self._new_service(name, region)
                self._services[(name, region)] = model
            return model

    def _new_service(self, name: str, region: str) -> ServiceModel:
        if name == "kinesis":
            kinesis = KinesisService(
                account_id=self.account_id,
                region=region,
                clock=self.clock,
                ids=self.ids,
                creation_delay=self.creation_delay,
            )
            kinesis.quotas = self.kinesis_quotas
            return kinesis
        return FirehoseService(
            account_id=self.account_id,
            region=region,
            clock=self.clock,
            ids=self.ids,
            destination_for=destination_for,
            kinesis_source=self._kinesis_records,
            creation_delay=self.creation_delay,
            encryption_delay=self.encryption_delay,
        )

    def _kinesis_records(self, stream_arn: str, after: dict[str, str] | None) -> list[Any]:
        """Records a Kinesis stream of this world got after ``after`` (per shard)."""
        _, _, _, region, _, resource = stream_arn.split(":", 5)
        with self.lock:
            kinesis = self._services.get(("kinesis", region))
            name = resource.removeprefix("stream/")
            if not isinstance(kinesis, KinesisService) or name not in kinesis.streams:
                return []
            return kinesis.read_from(name, after)

    def firehose_services(self) -> list[FirehoseService]:
        return [s for s in self.services("firehose") if isinstance(s, FirehoseService)]

    def kinesis_services(self) -> list[KinesisService]:
        return [s for s in self.services("kinesis") if isinstance(s, KinesisService)]

    def services(self, name: str) -> list[ServiceModel]:
        with self.lock:
            return [model for (kind, _), model in self._services.items() if kind == name]

    def calls_for(
        self, service: str, stream: str | None = None, region: str | None = None
    ) -> list[Call]:
        """The calls to ``service`` (naming ``stream`` in ``region``, when given), in order."""
        with self.touched():
            return [
                call
                for call in self.calls
                if call.service == service
                and (stream is None or (call.stream == stream and call.region == region))
            ]

    def settle(self) -> None:
        """Bring the world up to the clock: whatever fell due since it was last touched
        (buffer intervals, retries, expiry, status changes) happens now."""
        with self.lock:
            # Delivery streams take in what their Kinesis sources got before those trim
            # what outlived retention; Kinesis then settles before Firehose delivers.
            for firehose in self.firehose_services():
                firehose.read_sources()
            for _, model in sorted(self._services.items(), key=lambda i: i[0][0] != "kinesis"):
                model.settle()

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
            stream: str | None = None
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
                model = self.service(service, region)
                stream = model.stream_name(params)
                payloads = model.request_payloads(operation, params)
                if not valid:
                    validate_input(service, operation, params)
                hit = self.faults[service].take(operation, stream, payloads)
                failures: dict[int, str] = {}
                if hit is not None:
                    fault = hit.handle
                    context = self._context(model, service, operation, params, region)
                    network, commit, failures = self._apply(hit, service, context, request)
                    now = self.clock.now()
                if commit:
                    result = model.dispatch(operation, params, failures)
                    failed = _failed_indices(result)
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
                    stream=stream,
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

    def _context(
        self,
        model: ServiceModel,
        service: str,
        operation: str,
        params: dict[str, Any],
        region: str,
    ) -> dict[str, str]:
        """What scripted error messages may name."""
        stream = model.stream_name(params) or ""
        resource = "deliverystream" if service == "firehose" else "stream"
        return {
            "stream": stream,
            "account": self.account_id,
            "region": region,
            "operation": operation,
            "service": service,
            "arn": f"arn:aws:{service}:{region}:{self.account_id}:{resource}/{stream}",
            "shard": model.shard_for_request(params),
        }

    def _apply(
        self, hit: Hit, service: str, context: dict[str, str], request: HttpRequest
    ) -> tuple[NetworkFault | None, bool, dict[int, str]]:
        """Carry out a fault: raise the scripted error, or return what it does to the call:
        the network failure to raise once the call is logged, whether the service carries
        the request out, and the per-record failures (index -> ErrorCode)."""
        fault = hit.handle.fault
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
        return None, True, dict(hit.record_codes)
