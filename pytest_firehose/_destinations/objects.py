"""Destination configuration as the service describes it, and the objects a delivery writes."""

from __future__ import annotations

import functools
import gzip
import random
import re
from datetime import datetime
from typing import Any

from pytest_firehose._payload import Payload, payload_bytes

DEFAULT_BUFFERING = {"SizeInMBs": 5, "IntervalInSeconds": 300}
_NO_LOGGING = {"Enabled": False}
_NO_ENCRYPTION = {"NoEncryptionConfig": "NoEncryption"}

#: Destination configuration parameter -> the key its description uses.
DESTINATION_KINDS = {
    "S3DestinationConfiguration": "S3DestinationDescription",
    "ExtendedS3DestinationConfiguration": "ExtendedS3DestinationDescription",
    "HttpEndpointDestinationConfiguration": "HttpEndpointDestinationDescription",
    "RedshiftDestinationConfiguration": "RedshiftDestinationDescription",
    "ElasticsearchDestinationConfiguration": "ElasticsearchDestinationDescription",
    "AmazonopensearchserviceDestinationConfiguration": (
        "AmazonopensearchserviceDestinationDescription"
    ),
    "AmazonOpenSearchServerlessDestinationConfiguration": (
        "AmazonOpenSearchServerlessDestinationDescription"
    ),
    "SplunkDestinationConfiguration": "SplunkDestinationDescription",
    "SnowflakeDestinationConfiguration": "SnowflakeDestinationDescription",
    "IcebergDestinationConfiguration": "IcebergDestinationDescription",
    "DatabaseDestinationConfiguration": "DatabaseDestinationDescription",
}
#: The update parameter of UpdateDestination for each configuration parameter.
UPDATE_KINDS = {name.replace("Configuration", "Update"): name for name in DESTINATION_KINDS}


def s3_description(config: dict[str, Any]) -> dict[str, Any]:
    """The plain S3 description block, with the service's defaults filled in."""
    described: dict[str, Any] = {
        "RoleARN": config["RoleARN"],
        "BucketARN": config["BucketARN"],
        "BufferingHints": {**DEFAULT_BUFFERING, **config.get("BufferingHints", {})},
        "CompressionFormat": config.get("CompressionFormat", "UNCOMPRESSED"),
        "EncryptionConfiguration": config.get("EncryptionConfiguration", _NO_ENCRYPTION),
        "CloudWatchLoggingOptions": config.get("CloudWatchLoggingOptions", _NO_LOGGING),
    }
    for optional in ("Prefix", "ErrorOutputPrefix"):
        if optional in config:
            described[optional] = config[optional]
    return described


def extended_s3_description(config: dict[str, Any]) -> dict[str, Any]:
    described = s3_description(config)
    described["S3BackupMode"] = config.get("S3BackupMode", "Disabled")
    for key, value in config.items():
        if key == "S3BackupConfiguration":
            described["S3BackupDescription"] = s3_description(value)
        elif key not in described:
            described[key] = value
    return described


def http_endpoint_description(config: dict[str, Any]) -> dict[str, Any]:
    endpoint = {k: v for k, v in config["EndpointConfiguration"].items() if k != "AccessKey"}
    described: dict[str, Any] = {
        "EndpointConfiguration": endpoint,
        "BufferingHints": {**DEFAULT_BUFFERING, **config.get("BufferingHints", {})},
        "CloudWatchLoggingOptions": config.get("CloudWatchLoggingOptions", _NO_LOGGING),
        "RequestConfiguration": config.get("RequestConfiguration", {"ContentEncoding": "NONE"}),
        "RetryOptions": config.get("RetryOptions", {"DurationInSeconds": 300}),
        "S3BackupMode": config.get("S3BackupMode", "FailedDataOnly"),
    }
    for key in ("ProcessingConfiguration", "RoleARN", "SecretsManagerConfiguration"):
        if key in config:
            described[key] = config[key]
    if "S3Configuration" in config:
        described["S3DestinationDescription"] = s3_description(config["S3Configuration"])
    return described


def describe_destination(kind: str | None, config: dict[str, Any]) -> dict[str, Any]:
    """The description blocks of one destination (without its ``DestinationId``).

    An S3 destination is described twice, as the service does: once as
    ``ExtendedS3DestinationDescription`` and once as the plain ``S3DestinationDescription``.
    Destinations the fake only stores (Redshift, OpenSearch, Splunk ...) are not echoed.
    """
    if kind in ("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration"):
        return {
            "ExtendedS3DestinationDescription": extended_s3_description(config),
            "S3DestinationDescription": s3_description(config),
        }
    if kind == "HttpEndpointDestinationConfiguration":
        return {"HttpEndpointDestinationDescription": http_endpoint_description(config)}
    return {}


#: Nested blocks an update names differently from the configuration it updates.
_UPDATED_AS = {"S3BackupUpdate": "S3BackupConfiguration", "S3Update": "S3Configuration"}


def merge_update(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """UpdateDestination for the same destination type: given keys replace, nested blocks merge."""
    merged = dict(current)
    for name, value in update.items():
        key = _UPDATED_AS.get(name, name)
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_update(merged[key], value)
        else:
            merged[key] = value
    return merged


class DeliveredObject:
    """One delivery: the object the destination stored, and the records it holds.

    ``key`` is the object's key, ``body`` its bytes as stored (the payloads concatenated,
    gzipped if the destination asks), ``records`` the payloads, ``delivered_at`` the fake
    time of the delivery and ``delivery_id`` the uuid that ends the key, the same on every
    retry of one batch. The body is built when first read: most objects a test makes are
    never opened.
    """

    def __init__(
        self,
        key: str,
        payloads: tuple[Payload, ...],
        delivered_at: datetime,
        delivery_id: str,
        *,
        compression: str = "UNCOMPRESSED",
        body: bytes | None = None,
    ) -> None:
        self.key = key
        self.delivered_at = delivered_at
        self.delivery_id = delivery_id
        self._payloads = payloads
        self._compression = compression
        if body is not None:
            self.__dict__["body"] = body

    @functools.cached_property
    def records(self) -> tuple[bytes, ...]:
        return tuple(payload_bytes(payload) for payload in self._payloads)

    @functools.cached_property
    def body(self) -> bytes:
        body = b"".join(self.records)
        return gzip.compress(body, mtime=0) if self._compression == "GZIP" else body

    def __repr__(self) -> str:
        return f"<DeliveredObject {self.key!r}: {len(self._payloads)} record(s)>"


#: ``!{namespace:argument}`` in a Prefix or ErrorOutputPrefix.
_EXPRESSION = re.compile(r"!\{([A-Za-z]+):([^}]*)\}")
#: java.time.DateTimeFormatter letters -> strftime, for the patterns prefixes use.
_JAVA_TIME = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_JAVA_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*|.", re.DOTALL)
_RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def has_expressions(prefix: str) -> bool:
    return _EXPRESSION.search(prefix) is not None


def _java_time(pattern: str, at: datetime) -> str:
    out = []
    for match in _JAVA_TOKEN.finditer(pattern):
        token = match.group(0)
        if token.startswith("'"):
            out.append(token[1:-1])
        elif token in _JAVA_TIME:
            out.append(at.strftime(_JAVA_TIME[token]))
        else:
            out.append(token)
    return "".join(out)


def evaluate_prefix(prefix: str, at: datetime, chance: random.Random) -> str:
    """A Prefix as Firehose writes it for an object whose oldest record arrived ``at``.

    Without expressions, ``yyyy/MM/dd/HH/`` (UTC) is appended, by plain concatenation.
    With them, ``!{timestamp:PATTERN}`` is ``at`` in that java.time pattern (every
    instance the same instant) and ``!{firehose:random-string}`` 11 random characters
    (new for each instance); other expressions (dynamic partitioning) are left as written.
    """
    if not has_expressions(prefix):
        return f"{prefix}{at:%Y/%m/%d/%H}/"

    def evaluate(match: re.Match[str]) -> str:
        namespace, argument = match.groups()
        if namespace == "timestamp":
            return _java_time(argument, at)
        if (namespace, argument) == ("firehose", "random-string"):
            return "".join(chance.choice(_RANDOM_ALPHABET) for _ in range(11))
        return match.group(0)

    return _EXPRESSION.sub(evaluate, prefix)


def object_key(
    prefix: str, stream: str, version: str, oldest: datetime, suffix: str, extension: str = ""
) -> str:
    """``<prefix, evaluated><stream>-<version>-YYYY-MM-dd-HH-mm-ss-<suffix><ext>`` in UTC,
    ``oldest`` being the arrival of the object's oldest record; ``suffix`` (a uuid) also
    seeds the prefix's random strings, so a retried delivery keeps its key."""
    evaluated = evaluate_prefix(prefix, oldest, random.Random(suffix))
    return f"{evaluated}{stream}-{version}-{oldest:%Y-%m-%d-%H-%M-%S}-{suffix}{extension}"
