"""A destination's processors, read and checked as CreateDeliveryStream and UpdateDestination
read them: the processors its ``ProcessingConfiguration`` enables, the parameters each type
takes, a Lambda processor's parameters with their defaults and ranges (which differ by
destination), and the ``AppendDelimiterToRecord`` processor the fake runs.

The Lambda processor's run is ``processing.py``'s; the error output of the records it failed
is ``processing_errors.py``'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pytest_firehose._destinations.base import Accepted
from pytest_firehose._errors import ServiceError
from pytest_firehose._java_regex import compiled_pattern
from pytest_firehose._payload import payload_bytes

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
