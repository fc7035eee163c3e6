"""Data transformation with a Lambda processor, as Firehose runs it before buffering for the
destination.

Records wait in the processor's own buffer until it holds ``BufferSizeInMBs`` or its oldest
record has waited ``BufferIntervalInSeconds``; the buffer is then cut into invocations no
larger than Lambda's 6 MB synchronous payload, and each is sent to the function. Its answer
is applied as Firehose applies it: ``Ok`` records go on with their new data, ``Dropped``
ones end there, ``ProcessingFailed`` ones go to the error output. An invocation that fails
(the handler raised, timed out, or the function is not there) is retried
``NumberOfRetries`` times; an answer that breaks the status model is not retried (a real
error record of a missing recordId shows ``attemptsMade: 1``). Either way every record of
that invocation then goes to the error output with the error's code.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from pytest_firehose._clock import epoch_millis
from pytest_firehose._destinations.base import Accepted, DeliveryTarget, rendered
from pytest_firehose._destinations.compression import compress
from pytest_firehose._destinations.objects import DeliveredObject, has_expressions, object_key
from pytest_firehose._errors import ServiceError
from pytest_firehose._java_regex import compiled_pattern
from pytest_firehose._lambda.firehose_events import (
    FUNCTION_ERROR,
    PROCESSING_FAILED_STATUS,
    RESOURCE_NOT_FOUND,
    TIMED_OUT,
    AnswerRejected,
    EventSource,
    SourceRecord,
    read_answer,
    record_entries,
    transformation_event,
)
from pytest_firehose._lambda.functions import Invocation, UnregisteredFunction
from pytest_firehose._lambda.kept_errors import LatestLocals
from pytest_firehose._payload import Payload, payload_bytes, payload_len

if TYPE_CHECKING:
    from pytest_firehose._ids import IdSource, RecordKey

MIB = 1024 * 1024
#: A Lambda processor's defaults (API reference, ProcessorParameter; developer guide, "Data
#: transformation flow": 1 MB and 60 seconds for every destination but Splunk and Snowflake).
DEFAULT_RETRIES = 3
DEFAULT_SIZE_MB = 1.0
DEFAULT_INTERVAL = 60
#: The buffering defaults of the destinations that differ, by configuration parameter: 256 KB
#: for Splunk and Snowflake, 30 seconds for Snowflake (developer guide, "Data transformation
#: flow"; the API reference's ProcessorParameter gives Splunk's 256 KB too).
PROCESSOR_BUFFERING: dict[str, tuple[float, int]] = {
    "SplunkDestinationConfiguration": (0.25, DEFAULT_INTERVAL),
    "SnowflakeDestinationConfiguration": (0.25, 30),
}


def buffering_defaults(kind: str | None) -> tuple[float, int]:
    """A Lambda processor's default ``BufferSizeInMBs`` and ``BufferIntervalInSeconds`` on a
    destination of ``kind`` (its configuration parameter)."""
    return PROCESSOR_BUFFERING.get(kind or "", (DEFAULT_SIZE_MB, DEFAULT_INTERVAL))


#: The ranges the developer guide gives for the buffering hints (0.2 to 3 MB, 0 to 900 s)
#: and the API reference for NumberOfRetries (0 to 300).
SIZE_RANGE_MB = (0.2, 3.0)
INTERVAL_RANGE = (0, 900)
RETRIES_RANGE = (0, 300)
#: Lambda's synchronous invocation payload limit, for the event Firehose sends.
MAX_EVENT_BYTES = 6 * MIB
#: An event's bytes besides the records' data, and each record's besides its base64 data
#: (recordId, timestamp, keys, Kinesis metadata): generous bounds, so no event built from
#: them passes the limit.
EVENT_OVERHEAD = 1024
RECORD_OVERHEAD = 768
#: How long Firehose waits for the function at most, whatever its own timeout (developer
#: guide, "Duration of a Lambda invocation").
FIREHOSE_WAIT = timedelta(minutes=5)

#: Invokes the function an ARN (or name) designates with an event, at an instant, as Lambda's
#: synchronous invocation; raises ``UnregisteredFunction`` when no handler answers for it.
Invoker = Callable[[str, dict[str, Any], datetime], Invocation]


@dataclass(frozen=True)
class LambdaProcessor:
    """A Lambda processor's parameters, defaults filled in."""

    lambda_arn: str
    retries: int
    size: int
    interval: timedelta


def processor_parameters(processor: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(p.get("ParameterName")): str(p.get("ParameterValue"))
        for p in processor.get("Parameters", [])
        if isinstance(p, dict)
    }


def enabled_processors(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The processors of a destination's ``ProcessingConfiguration``, unless it says
    ``Enabled: false`` (a configuration without ``Enabled`` runs them)."""
    processing = config.get("ProcessingConfiguration")
    if not isinstance(processing, dict) or processing.get("Enabled") is False:
        return []
    return [p for p in processing.get("Processors") or [] if isinstance(p, dict)]


#: The parameters each processor type the fake runs takes (API reference, ProcessorParameter
#: and Processor; developer guide, "Data transformation", "Dynamic partitioning" and
#: "CloudWatch Logs decompression"). ``AppendDelimiterToRecord`` takes none; a parameter
#: given it is reported as not modelled (``newline_delimiter``).
PROCESSOR_PARAMETERS = {
    "Lambda": (
        "LambdaArn",
        "NumberOfRetries",
        "RoleArn",
        "BufferSizeInMBs",
        "BufferIntervalInSeconds",
    ),
    "RecordDeAggregation": ("SubRecordType", "Delimiter"),
    "MetadataExtraction": ("MetadataExtractionQuery", "JsonParsingEngine"),
    "Decompression": ("CompressionFormat",),
    "CloudWatchLogProcessing": ("DataMessageExtraction",),
}


def check_processors(config: Mapping[str, Any]) -> None:
    """Refuse enabled processors the fake would otherwise read only in part: a type given
    twice (AWS's text), a parameter given twice, or one its processor type does not take
    (the fake's texts), with ``InvalidArgumentException``."""
    processors = enabled_processors(config)
    types = [p.get("Type") for p in processors]
    if len(set(types)) < len(types):
        raise ServiceError(
            "InvalidArgumentException",
            "Exactly 1 Processor needs to be supplied when processing is enabled",
        )
    for processor, kind in zip(processors, types, strict=True):
        names = [p.get("ParameterName") for p in processor.get("Parameters") or []]
        taken = PROCESSOR_PARAMETERS.get(str(kind))
        for name in names:
            if names.count(name) > 1:
                raise ServiceError(
                    "InvalidArgumentException",
                    f"The {kind} processor has the parameter {name} {names.count(name)} "
                    "times: give it once.",
                )
            if taken is not None and name not in taken:
                raise ServiceError(
                    "InvalidArgumentException",
                    f"The {kind} processor does not take the parameter {name}; it takes "
                    f"{', '.join(taken)}.",
                )


def processor_of(config: Mapping[str, Any], kind: str) -> dict[str, str] | None:
    """The parameters of the configuration's first enabled processor of ``kind``, or None."""
    for processor in enabled_processors(config):
        if processor.get("Type") == kind:
            return processor_parameters(processor)
    return None


#: How a count (``NumberOfRetries``, ``BufferIntervalInSeconds``) and a size
#: (``BufferSizeInMBs``) are written: ASCII digits, the size with a decimal point if any.
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
#: The role a processor's ``RoleArn`` names, as the model's ``RoleARN`` pattern reads it.
ROLE_ARN = "arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+"


def _number(
    parameters: dict[str, str],
    name: str,
    default: float,
    limits: tuple[float, float],
    *,
    whole: bool = True,
) -> float:
    """``parameters[name]`` (``default`` without it), a whole number unless ``whole`` is
    false; one that is no such number in ``limits`` refuses the request."""
    text = parameters.get(name)
    if text is None:
        return default
    low, high = limits
    if (_WHOLE if whole else _DECIMAL).fullmatch(text) is None or not (low <= float(text) <= high):
        kind = "a whole number" if whole else "a number"
        raise ServiceError(
            "InvalidArgumentException",
            f"Lambda processor parameter {name} must be {kind} between {low:g} and "
            f"{high:g}, not {text!r}.",
        )
    return float(text)


def lambda_processor(config: Mapping[str, Any], kind: str | None) -> LambdaProcessor | None:
    """The Lambda processor a destination's ``ProcessingConfiguration`` enables, or None;
    ``kind`` (the destination's configuration parameter) decides the buffering defaults.

    Raises ``InvalidArgumentException`` for a Lambda processor without a ``LambdaArn``, with
    a ``RoleArn`` that names no IAM role, or with a buffering hint or retry count that is not
    a number (a whole one, but for the size) in its documented range."""
    parameters = processor_of(config, "Lambda")
    if parameters is None:
        return None
    arn = parameters.get("LambdaArn")
    if not arn:
        raise ServiceError(
            "InvalidArgumentException",
            "A Lambda processor must have the parameter LambdaArn.",
        )
    role = parameters.get("RoleArn")
    if role is not None and compiled_pattern(ROLE_ARN).fullmatch(role) is None:
        raise ServiceError(
            "InvalidArgumentException",
            f"Lambda processor parameter RoleArn must be an IAM role ARN, such as "
            f"'arn:aws:iam::123456789012:role/firehose', not {role!r}.",
        )
    default_size, default_interval = buffering_defaults(kind)
    retries = _number(parameters, "NumberOfRetries", DEFAULT_RETRIES, RETRIES_RANGE)
    size = _number(parameters, "BufferSizeInMBs", default_size, SIZE_RANGE_MB, whole=False)
    interval = _number(parameters, "BufferIntervalInSeconds", default_interval, INTERVAL_RANGE)
    return LambdaProcessor(arn, int(retries), int(size * MIB), timedelta(seconds=interval))


#: What an ``AppendDelimiterToRecord`` processor adds to each record (API reference,
#: Processor: "add a new line delimiter between records").
RECORD_DELIMITER = b"\n"
#: The ``Delimiter`` parameter's value that asks for that newline: the two characters
#: backslash and n (the CloudFormation reference's example; a real newline is refused by
#: the parameter's pattern).
NEWLINE_PARAMETER = "\\n"


def newline_delimiter(processor: Any) -> bool:
    """Whether ``processor`` is an ``AppendDelimiterToRecord`` processor the fake runs: one
    without parameters, or whose only parameter is a ``Delimiter`` of ``\\n`` (any other
    delimiter is not modelled, and reported so)."""
    if not isinstance(processor, dict) or processor.get("Type") != "AppendDelimiterToRecord":
        return False
    parameters = processor.get("Parameters") or []
    return not parameters or processor_parameters(processor) == {"Delimiter": NEWLINE_PARAMETER}


def appends_delimiter(config: Mapping[str, Any]) -> bool:
    """Whether a destination's ``ProcessingConfiguration`` enables an
    ``AppendDelimiterToRecord`` processor the fake runs (``newline_delimiter``)."""
    return any(newline_delimiter(p) for p in enabled_processors(config))


def with_delimiter(records: list[Accepted]) -> list[Accepted]:
    """``records`` with the delimiter after each one's data, ids and arrivals kept."""
    return [
        (payload_bytes(payload) + RECORD_DELIMITER, record_id, arrived)
        for payload, record_id, arrived in records
    ]


@dataclass(frozen=True)
class ProcessingFailure:
    """A record Firehose could not transform: the error-record fields it writes."""

    record: Accepted
    code: str
    message: str
    attempts: int
    ended_at: datetime

    def leading_fields(self) -> dict[str, Any]:
        """The fields an error record starts with, whatever failed."""
        return {
            "attemptsMade": self.attempts,
            "arrivalTimestamp": epoch_millis(self.record[2]),
            "errorCode": self.code,
            "errorMessage": self.message,
            "attemptEndingTimestamp": epoch_millis(self.ended_at),
        }

    def raw_data(self) -> str:
        """The record's payload in base64, as an error record holds it."""
        payload = self.record[0]
        return payload if isinstance(payload, str) else base64.b64encode(payload).decode()

    def error_record(self, lambda_arn: str | None) -> str:
        """The JSON line Firehose writes for the record to the error output: the leading
        fields, then ``rawData``; for a transformation's failure (``lambda_arn`` given), the
        layout AWS writes to ``processing-failed/`` today, ``rawData`` first and the
        function's ARN last as ``lambdaARN`` (objects captured in 2025 and 2026; those of
        2019 to 2022 had the developer guide's order and ``lambdaArn``)."""
        if lambda_arn is None:
            fields = {**self.leading_fields(), "rawData": self.raw_data()}
        else:
            fields = {
                "rawData": self.raw_data(),
                "errorCode": self.code,
                "errorMessage": self.message,
                "attemptsMade": self.attempts,
                "arrivalTimestamp": epoch_millis(self.record[2]),
                "attemptEndingTimestamp": epoch_millis(self.ended_at),
                "lambdaARN": lambda_arn,
            }
        return json.dumps(fields, separators=(",", ":"))


#: What ``!{firehose:error-output-type}`` names for records a transformation failed.
PROCESSING_FAILED = "processing-failed"
ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}"


@dataclass(frozen=True)
class ErrorOutput:
    """How a destination writes its error output: its ``ErrorOutputPrefix`` (empty when
    not configured), its ``Prefix``, its objects' compression and extension, the zone
    their keys' times are in, and, where a record's payload changed before it failed
    (CloudWatch Logs decompression), each record's payload as it was put, by record id:
    what the error output holds."""

    prefix: str
    base: str
    compression: str
    extension: str
    zone: tzinfo = timezone.utc
    as_put: Mapping[RecordKey, Payload] | None = None

    def object_for(
        self,
        failures: list[ProcessingFailure],
        output_type: str,
        target: DeliveryTarget,
        delivery_id: str,
        lambda_arn: str | None = None,
    ) -> DeliveredObject:
        """The error object for ``failures``: one JSON error record a line, under
        ``output_type`` (``processing-failed``, ``partitioning-failed`` ...), named after
        the oldest record's arrival."""
        as_put = self.as_put
        if as_put is not None:
            failures = [
                replace(f, record=(as_put.get(f.record[1], f.record[0]), *f.record[1:]))
                for f in failures
            ]
        at = max(failure.ended_at for failure in failures)
        oldest = min(failure.record[2] for failure in failures)
        expanded = has_expressions(self.prefix)
        if expanded:
            prefix = self.prefix.replace(ERROR_OUTPUT_TYPE, output_type)
        else:
            prefix = f"{self.prefix or self.base}{output_type}/"
        key = object_key(
            prefix,
            target.name,
            str(target.version),
            oldest,
            delivery_id,
            self.extension,
            expanded=expanded,
            zone=self.zone,
        )
        text = "".join(failure.error_record(lambda_arn) + "\n" for failure in failures)
        body = compress(text.encode(), self.compression, name=delivery_id, at=at)
        payloads = tuple(failure.record[0] for failure in failures)
        return DeliveredObject(
            key, payloads, at, delivery_id, compression=self.compression, body=body
        )


@dataclass
class Processed:
    """What came of a buffer of records: ``ok`` (with their new payloads, ids and arrival
    kept), ``dropped``, ``failed``; ``ended_at`` is when the last invocation ended, on the
    fake clock as the buffer's delivery saw it."""

    ok: list[Accepted] = field(default_factory=list)
    #: The partition keys the function gave each ``ok`` record (``metadata.partitionKeys``),
    #: in the same order; None where it gave none.
    keys: list[Mapping[str, str] | None] = field(default_factory=list)
    dropped: list[Accepted] = field(default_factory=list)
    failed: list[ProcessingFailure] = field(default_factory=list)
    #: Why a test's setup kept the function from running (no handler registered).
    misuse: str | None = None


def _event_share(record: Accepted) -> int:
    return (payload_len(record[0]) + 2) // 3 * 4 + RECORD_OVERHEAD


def invocation_batches(records: list[Accepted]) -> list[list[Accepted]]:
    """``records`` cut, in order, into batches whose event stays within Lambda's payload
    limit."""
    batches: list[list[Accepted]] = []
    size = EVENT_OVERHEAD
    for record in records:
        share = _event_share(record)
        if not batches or size + share > MAX_EVENT_BYTES:
            batches.append([])
            size = EVENT_OVERHEAD
        batches[-1].append(record)
        size += share
    return batches


def _event_ids(texts: list[str]) -> list[str]:
    """The ``recordId`` of each record in the event, from the texts of their record ids:
    the text, and for the second and later records de-aggregated from one put record, that
    text with ``.1``, ``.2`` ... appended, so that every id in an event is unique."""
    seen: dict[str, int] = {}
    event_ids = []
    for record_id in texts:
        count = seen.get(record_id, 0)
        seen[record_id] = count + 1
        event_ids.append(f"{record_id}.{count}" if count else record_id)
    return event_ids


class Transformer:
    """The transformation stage of one delivery stream: its buffer, and every invocation.

    ``source`` describes the stream for the event: (delivery stream ARN, region, the
    Kinesis stream or MSK cluster its records come from, or None); ``invocations`` is where
    each invocation is logged, and ``latest_error`` keeps the frames' local variables of
    the latest failed one's error only (both the delivery's, kept across
    reconfigurations). ``metadata`` holds each record's metadata from its source (a Kinesis
    stream or MSK topic) by record id until it is sent."""

    def __init__(
        self,
        processor: LambdaProcessor,
        invoke: Invoker,
        source: tuple[str, str, EventSource | None],
        invocations: list[Invocation],
        latest_error: LatestLocals,
    ) -> None:
        self.processor = processor
        self._invoke = invoke
        self._source = source
        self.buffer: list[Accepted] = []
        self.buffer_bytes = 0
        #: The records sent to the function and not yet answered for (still pending).
        self.in_flight: list[Accepted] = []
        #: Every invocation, in order (the delivery's list, kept across reconfigurations).
        self.invocations = invocations
        self.latest_error = latest_error
        self.metadata: dict[str, Mapping[str, Any]] = {}

    def take(self, entries: list[Accepted]) -> bool:
        """Buffer ``entries``; True once the buffer holds its size."""
        self.buffer.extend(entries)
        self.buffer_bytes += sum(payload_len(entry[0]) for entry in entries)
        return self.buffer_bytes >= self.processor.size

    def due(self) -> datetime | None:
        """When the buffer's interval ends (None when it is empty)."""
        return self.buffer[0][2] + self.processor.interval if self.buffer else None

    def full(self) -> bool:
        return bool(self.buffer) and self.buffer_bytes >= self.processor.size

    def run(self, at: datetime, ids: IdSource) -> Processed:
        """Send everything buffered to the function, at ``at``, and apply its answers.

        What a handler raises past ``Exception`` (``pytest.fail``, ``KeyboardInterrupt``)
        stops the test, not the function: the records stay buffered, none is lost."""
        records, buffered = self.buffer, self.buffer_bytes
        self.buffer, self.buffer_bytes = [], 0
        self.in_flight = records
        processed = Processed()
        elapsed = timedelta(0)
        try:
            for batch in invocation_batches(records):
                elapsed += self._process(batch, at + elapsed, ids, processed)
        except BaseException:
            self.buffer, self.buffer_bytes = records + self.buffer, buffered + self.buffer_bytes
            raise
        finally:
            self.in_flight = []
        for _, record_id, _ in records:
            if isinstance(record_id, str):  # named by its source, not by a put
                self.metadata.pop(record_id, None)
        return processed

    def _process(
        self, batch: list[Accepted], at: datetime, ids: IdSource, processed: Processed
    ) -> timedelta:
        """Invoke for ``batch`` until it is answered or out of retries; the fake time the
        invocations took."""
        arn = self.processor.lambda_arn
        stream_arn, region, source = self._source
        texts = [text for _, text, _ in rendered(batch)]
        event_ids = _event_ids(texts)
        sources = [
            SourceRecord(event_id, payload, arrived, self.metadata.get(text))
            for event_id, text, (payload, _, arrived) in zip(event_ids, texts, batch, strict=True)
        ]
        # The records' entries are made once: every retry's event carries the same ones.
        entries = record_entries(sources, source)
        elapsed = timedelta(0)
        attempts = 0
        while True:
            attempts += 1
            event = transformation_event(ids.uuid(), stream_arn, region, entries, source=source)
            outer = sys.exc_info()[1]
            try:
                invocation = self._invoke(arn, event, at + elapsed)
            except UnregisteredFunction as missing:
                processed.misuse = str(missing)
                error: tuple[str, str] = RESOURCE_NOT_FOUND
            else:
                self.invocations.append(invocation)
                if invocation.error is not None:
                    self.latest_error.keep(invocation.error, outer)
                assert invocation.ended_at is not None
                elapsed += invocation.ended_at - invocation.started_at
                if invocation.timed_out:
                    error = TIMED_OUT
                elif invocation.failed:
                    error = FUNCTION_ERROR
                else:
                    try:
                        self._apply(batch, event_ids, invocation.answer, processed, at + elapsed)
                    except AnswerRejected as rejected:
                        self._fail(batch, rejected.error, attempts, at + elapsed, processed)
                    return elapsed
            if attempts > self.processor.retries:
                self._fail(batch, error, attempts, at + elapsed, processed)
                return elapsed

    @staticmethod
    def _fail(
        batch: list[Accepted],
        error: tuple[str, str],
        attempts: int,
        at: datetime,
        processed: Processed,
    ) -> None:
        code, message = error
        processed.failed.extend(ProcessingFailure(r, code, message, attempts, at) for r in batch)

    def _apply(
        self,
        batch: list[Accepted],
        event_ids: list[str],
        answer: Any,
        processed: Processed,
        at: datetime,
    ) -> None:
        source = self._source[2]
        results = read_answer(answer, event_ids, source.data_member if source else "data")
        code, message = PROCESSING_FAILED_STATUS
        for record, event_id in zip(batch, event_ids, strict=True):
            _, record_id, arrived = record
            result = results[event_id]
            if result.result == "Ok":
                new: Payload = result.data
                processed.ok.append((new, record_id, arrived))
                processed.keys.append(result.partition_keys)
            elif result.result == "Dropped":
                processed.dropped.append(record)
            else:
                processed.failed.append(ProcessingFailure(record, code, message, 1, at))
