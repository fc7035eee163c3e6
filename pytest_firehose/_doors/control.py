"""The local server's control API: JSON under ``/_fake/``, carried out on the world's handles.

Knows nothing of sockets: :meth:`Control.answer` takes a method, a path, the query string
and the body, and returns a status and a JSON-ready value. Bad input is a :class:`ControlError`
whose message names the fix; the server answers it as ``{"error": message}``. How a request
is read and checked is ``control_input.py``'s, how the world is shown as JSON
``control_views.py``'s; what each endpoint does is here, but for those of a module of their
own (``control_faults.py``, ``control_sources.py``, ``control_destination.py``,
``control_channel.py``, ``control_glue.py``, ``control_snowflake.py``, ``control_search.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from pytest_firehose._clock import ClockRangeError, seconds_step
from pytest_firehose._doors.control_channel import fail_channel
from pytest_firehose._doors.control_destination import EXAMPLE, switch
from pytest_firehose._doors.control_faults import FaultEndpoints
from pytest_firehose._doors.control_glue import columns, register
from pytest_firehose._doors.control_input import (
    CREATE,
    ROUTES,
    SERVICES,
    ControlError,
    Json,
    boto3_refusal,
    check_reads,
    parse_body,
    parse_query,
    refusals,
    service_field,
    stream_not_found,
    text_field,
)
from pytest_firehose._doors.control_search import give, mapping
from pytest_firehose._doors.control_snowflake import declare
from pytest_firehose._doors.control_sources import SourceEndpoints
from pytest_firehose._doors.control_views import (
    call_json,
    firehose_json,
    kinesis_json,
)
from pytest_firehose._engine.config import REGION_RULE, is_region
from pytest_firehose._engine.faults import FaultHandle
from pytest_firehose._engine.world import World
from pytest_firehose._errors import StreamKeyError, UsageError
from pytest_firehose._handles.base import ServiceHandle, would_answer
from pytest_firehose._handles.delivery_stream import DeliveryStreamHandle
from pytest_firehose._handles.firehose import FirehoseHandle
from pytest_firehose._handles.kinesis import KinesisHandle, KinesisStreamHandle
from pytest_firehose._services.firehose.settings import UnmodelledSettingWarning, warning_refusal
from pytest_firehose._terms import Terms, json_term, speaking

Answer = tuple[int, Json]
#: What a change is told once the fake whose world the server answers from has stopped.
STOPPED = (
    "the fake this server answers from has stopped (FirehoseFake.stop() ran, or the test "
    "that served it ended): it takes no more changes; what it holds stays readable with GET"
)


class Control(FaultEndpoints, SourceEndpoints):
    """The control API on one world, through its ``firehose`` and ``kinesis`` handles."""

    def __init__(
        self,
        world: World,
        firehose: FirehoseHandle,
        kinesis: KinesisHandle,
        endpoint: Callable[[], str],
    ) -> None:
        self._world = world
        self._handles: dict[str, ServiceHandle[Any, Any]] = {
            "firehose": firehose,
            "kinesis": kinesis,
        }
        self._firehose = firehose
        self._kinesis = kinesis
        self._endpoint = endpoint
        #: Fault ids, in the order the server first saw each fault (HTTP or in-process);
        #: drawn, and cleared with the faults by a reset, under ``_ids_lock``.
        self._fault_ids: dict[int, tuple[int, FaultHandle]] = {}
        self._ids_lock = threading.Lock()

    def answer(self, method: str, path: str, query: str, body: bytes) -> Answer:
        """Carry out one control request; raises :class:`ControlError` for bad input."""
        # Each segment decoded on its own: an encoded "/" stays inside its segment.
        parts = [unquote(part) for part in path.strip("/").split("/")[1:]]  # after "_fake"
        route = parts[0] if parts else ""
        if route == "streams" and len(parts) == 2 and parts[1]:
            self._allow(method, ("GET",), path)
            parameters = parse_query(query)
            check_reads("GET /_fake/streams/{name}", parse_body(body), parameters)
            return self._show_stream(parts[1], parameters)
        if route == "glue" and len(parts) == 3 and all(parts[1:]):
            self._allow(method, ("GET",), path)
            parameters = parse_query(query)
            check_reads("GET /_fake/glue/{database}/{table}", parse_body(body), parameters)
            return self._glue_columns(parts[1], parts[2], parameters)
        if route == "opensearch" and len(parts) == 2 and parts[1]:
            self._allow(method, ("GET",), path)
            parameters = parse_query(query)
            check_reads("GET /_fake/opensearch/{index}", parse_body(body), parameters)
            return 200, mapping(self._firehose, parts[1], parameters.get("domain"))
        handlers = self.handlers()
        methods = tuple(key.split(" ")[0] for key in handlers if key.endswith(f" /_fake/{route}"))
        if len(parts) != 1 or not methods:
            raise ControlError(
                404, f"no control endpoint {method} {path}; there are: {', '.join(ROUTES)}"
            )
        method = self._allow(method, methods, path)
        fields, parameters = parse_body(body), parse_query(query)
        key = f"{method} /_fake/{route}"
        check_reads(key, fields, parameters)
        if method == "POST" and self._world.stopped:
            raise ControlError(409, STOPPED)
        return handlers[key](fields, parameters)

    def handlers(self) -> dict[str, Callable[[dict[str, Json], Mapping[str, str]], Answer]]:
        """The endpoint behind each route but ``GET /_fake/streams/{name}``,
        ``GET /_fake/glue/{database}/{table}`` and ``GET /_fake/opensearch/{index}``, keyed
        as ``control_input.READS`` is."""
        return {
            "GET /_fake/health": self._health,
            "GET /_fake/streams": self._list_streams,
            "POST /_fake/streams": self._create_stream,
            "GET /_fake/faults": self._list_faults,
            "POST /_fake/faults": self._add_fault,
            "GET /_fake/clock": self._now,
            "POST /_fake/clock": self._advance,
            "POST /_fake/flush": self._flush,
            "POST /_fake/logs": self._logs,
            "POST /_fake/msk": self._msk,
            "POST /_fake/database": self._database,
            "POST /_fake/destination": self._destination,
            "POST /_fake/channel": self._channel,
            "POST /_fake/glue": self._glue,
            "POST /_fake/secret": self._secret,
            "POST /_fake/snowflake": self._snowflake,
            "POST /_fake/opensearch": self._opensearch,
            "GET /_fake/calls": self._calls,
            "POST /_fake/reset": self._reset,
        }

    @staticmethod
    def _allow(method: str, methods: tuple[str, ...], path: str) -> str:
        """The method ``method`` is served as: HEAD as GET (RFC 9110, 9.3.2: GET's answer
        without its body, which the HTTP layer leaves out), where GET is answered."""
        if method == "HEAD" and "GET" in methods:
            return "GET"
        if method not in methods:
            raise ControlError(405, f"{path} answers {' or '.join(methods)}, not {method}")
        return method

    # ------------------------------------------------------------------ helpers

    def _region(self, body: Mapping[str, Json], query: Mapping[str, str]) -> str | None:
        """The region the request names, if any (the handles then use the default)."""
        region = body.get("region", query.get("region"))
        if region is None:
            return None
        if not is_region(region):
            raise ControlError(
                400,
                f'"region" is a region name such as "eu-west-1", not {json_term(region)}'
                + REGION_RULE,
            )
        return region

    def _delivery_stream(
        self, body: Mapping[str, Json], query: Mapping[str, str], example: str
    ) -> DeliveryStreamHandle:
        """The delivery stream the body's ``"stream"`` names (``example`` shows a body)."""
        name = text_field(body, "stream", example)
        try:
            return self._firehose.stream(name, region=self._region(body, query))
        except StreamKeyError as error:
            raise stream_not_found(error, in_the_body=True) from None

    # ------------------------------------------------------------------ endpoints

    def _health(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        return 200, {"status": "ok", "endpoint": self._endpoint()}

    def _list_streams(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        region = self._region(body, query) or self._world.region
        return 200, {s: self._handles[s].stream_names(region) for s in SERVICES}

    def _create_stream(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        example = '{"service": "firehose", "name": "events"}'
        service = service_field(body, example)
        name = text_field(body, "name", example)
        region = self._region(body, query)
        options = {k: v for k, v in body.items() if k not in ("service", "name", "region")}
        created: DeliveryStreamHandle | KinesisStreamHandle
        if service == "firehose" and "shard_count" in options:
            raise ControlError(400, '"shard_count" is for kinesis streams; drop it')
        shard_count = options.pop("shard_count", 1)
        with refusals("POST /_fake/streams"):
            try:
                if service == "firehose":
                    created = self._firehose.create_delivery_stream(name, region=region, **options)
                else:
                    created = self._kinesis.create_stream(
                        name, shard_count, region=region, **options
                    )
            except UsageError:
                raise  # worded for the client already: refusals answers it
            except UnmodelledSettingWarning as warning:  # a warning filter made it an error
                refused = would_answer(service, CREATE[service][0], warning_refusal(warning))
                raise ControlError(400, str(refused)) from None
            except Exception:
                # Options of the wrong type can fail before the service answers; say what
                # boto3 would say of them. Anything else is the fake's own failure.
                given = {"ShardCount": shard_count, **options} if service == "kinesis" else options
                refusal = boto3_refusal(service, name, given)
                if refusal is None:
                    raise
                raise ControlError(400, refusal) from None
        return 201, {"name": created.name, "service": service, "arn": created.arn}

    def _show_stream(self, name: str, query: Mapping[str, str]) -> Answer:
        region = self._region({}, query)
        service = query.get("service")
        if service is None:
            in_firehose = name in self._firehose
            service = "kinesis" if not in_firehose and name in self._kinesis else "firehose"
        if service not in SERVICES:
            raise ControlError(
                400,
                f"?service= is firehose or kinesis (default: firehose), not {json_term(service)}",
            )
        try:
            # A delivery error kept to be read later is worded as it is read (Wording). One
            # hold of the world's lock: no client deletes the stream half-way through.
            with speaking(Terms("GET /_fake/streams/{name}")), self._world.looked():
                if service == "firehose":
                    return 200, firehose_json(self._firehose.stream(name, region=region))
                return 200, kinesis_json(self._kinesis.stream(name, region=region))
        except StreamKeyError as error:
            raise stream_not_found(error, in_the_body=False) from None

    def _now(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        return 200, {"now": self._firehose.clock.now().isoformat()}

    def _advance(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        seconds = body.get("advance")
        step = None if isinstance(seconds, bool) else seconds_step(seconds)
        if step is None or step < timedelta(0):
            raise ControlError(
                400,
                'give {"advance": seconds}, a finite number of seconds (0 or more) to move the '
                f"fake clock forward; got {json_term(seconds)}",
            )
        try:
            now = self._firehose.clock.advance(seconds)
        except ClockRangeError as error:
            raise ControlError(400, f'{{"advance": {json_term(seconds)}}}: {error}') from None
        return 200, {"now": now.isoformat()}

    def _flush(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        region = self._region(body, query)
        name = body.get("stream")
        if name is not None and not isinstance(name, str):
            raise ControlError(400, f'"stream" is a delivery stream name, not {json_term(name)}')
        flushed = []
        with self._world.lock:
            if name is None:
                streams = [s for s in self._firehose if region in (None, s.region)]
            else:
                try:
                    streams = [self._firehose.stream(name, region=region)]
                except StreamKeyError as error:
                    raise stream_not_found(error, in_the_body=True) from None
            for stream in streams:
                # A Lambda processor or an HTTP endpoint runs without the lock: a stream its
                # handler or another client deleted meanwhile has nothing left to flush.
                if not stream.deleted:
                    stream.flush()
                    flushed.append(stream.name)
        return 200, {"flushed": flushed}

    def _destination(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        """Switch a delivery stream's destination (``control_destination.py``)."""
        return 200, switch(self._delivery_stream(body, query, EXAMPLE), body)

    def _channel(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        """Make a Kinesis channel FAILED (``control_channel.py``)."""
        return 200, fail_channel(self._kinesis, body, self._region(body, query))

    def _glue(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        """Register a Glue table (``control_glue.py``)."""
        return 201, register(self._firehose, body, self._region(body, query))

    def _glue_columns(self, database: str, table: str, query: Mapping[str, str]) -> Answer:
        region = self._region({}, query)
        return 200, columns(self._firehose, database, table, region, query.get("catalog_id"))

    def _secret(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        """Register a Secrets Manager secret as ``firehose.secret`` does: ``"secret"`` its
        name or ARN, ``"value"`` its SecretString (a string, or an object written as JSON)."""
        region = self._region(body, query)
        # Any JSON value: secret() refuses what is not a name, an ARN or a value.
        name_or_arn: Json = body.get("secret")
        value: Json = body.get("value")
        with refusals("POST /_fake/secret", {"name_or_arn": '"secret"'}):
            arn = self._firehose.secret(name_or_arn, value, region=region)
        name = arn.split(":secret:", 1)[1][: -len("-XXXXXX")]
        return 201, {"name": name, "arn": arn}

    def _snowflake(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        """Declare a Snowflake table (``control_snowflake.py``)."""
        return 201, declare(self._firehose, body)

    def _opensearch(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        """Give an OpenSearch index its mapping (``control_search.py``)."""
        return 201, give(self._firehose, body)

    def _calls(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        service = query.get("service")
        if service is not None and service not in SERVICES:
            raise ControlError(
                400,
                f"?service= is firehose or kinesis (both when omitted), not {json_term(service)}",
            )
        region = self._region(body, query)
        with self._world.looked():
            calls = list(self._world.calls)
        return 200, [
            call_json(call)
            for call in calls
            if service in (None, call.service) and region in (None, call.region)
        ]

    def _reset(self, body: dict[str, Json], query: Mapping[str, str]) -> Answer:
        with self._ids_lock:  # a fault scheduled meanwhile is numbered after the reset
            self._world.reset()
            self._fault_ids.clear()
        return 200, {"status": "reset"}
