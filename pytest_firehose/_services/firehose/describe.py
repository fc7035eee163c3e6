"""A delivery stream's destination configuration as the service keeps it: which
configuration parameters name a destination, what DescribeDeliveryStream shows of one
(with the service's defaults filled in), and how UpdateDestination merges into it."""

from __future__ import annotations

import hashlib
from typing import Any

from pytest_firehose._destinations.buffers import BUFFERING_DEFAULTS, DEFAULT_BUFFERING
from pytest_firehose._destinations.factory import OPENSEARCH_KINDS, S3_KINDS
from pytest_firehose._destinations.processors import DEFAULT_RETRIES, buffering_defaults
from pytest_firehose._destinations.stored import RETRY_DEFAULTS
from pytest_firehose._errors import ServiceError

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
#: What each destination's configuration must hold (the required members of its shape in
#: the API model; tests/test_firehose_update_rules.py holds the two together): an update that
#: switches a stream to another destination type must give all of them, since nothing of the
#: old one carries over (DOC: UpdateDestination).
REQUIRED = {
    "ExtendedS3DestinationConfiguration": ("RoleARN", "BucketARN"),
    "S3DestinationConfiguration": ("RoleARN", "BucketARN"),
    "HttpEndpointDestinationConfiguration": ("EndpointConfiguration", "S3Configuration"),
    "RedshiftDestinationConfiguration": (
        "RoleARN",
        "ClusterJDBCURL",
        "CopyCommand",
        "S3Configuration",
    ),
    "ElasticsearchDestinationConfiguration": ("RoleARN", "IndexName", "S3Configuration"),
    "AmazonopensearchserviceDestinationConfiguration": ("RoleARN", "IndexName", "S3Configuration"),
    "AmazonOpenSearchServerlessDestinationConfiguration": (
        "RoleARN",
        "IndexName",
        "S3Configuration",
    ),
    "SplunkDestinationConfiguration": ("HECEndpoint", "HECEndpointType", "S3Configuration"),
    "SnowflakeDestinationConfiguration": (
        "AccountUrl",
        "Database",
        "Schema",
        "Table",
        "RoleARN",
        "S3Configuration",
    ),
    "IcebergDestinationConfiguration": ("RoleARN", "CatalogConfiguration", "S3Configuration"),
}
#: What DescribeDeliveryStream adds to a Lambda processor given without them, in the order
#: AWS lists them: LambdaArn, NumberOfRetries, RoleArn (the destination's role),
#: BufferSizeInMBs, BufferIntervalInSeconds. The values are the API reference's defaults
#: (ProcessorParameter: 3 retries, 1 MB, 60 seconds; 256 KB on Splunk and Snowflake, 30
#: seconds on Snowflake, as the developer guide gives them), as the processor uses them.
LAMBDA_DEFAULTS = ("NumberOfRetries", "RoleArn", "BufferSizeInMBs", "BufferIntervalInSeconds")
#: Dynamic partitioning retries delivery to a prefix for 300 seconds unless told otherwise.
PARTITIONING_RETRY = {"DurationInSeconds": 300}


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


def _processor(processor: dict[str, Any], role: str | None, kind: str | None) -> dict[str, Any]:
    """A processor as described: a Lambda processor with AWS's defaults filled in."""
    if processor.get("Type") != "Lambda":
        return processor
    size, interval = buffering_defaults(kind)
    defaults = {
        "NumberOfRetries": str(DEFAULT_RETRIES),
        "RoleArn": role,
        "BufferSizeInMBs": f"{size:g}",
        "BufferIntervalInSeconds": str(interval),
    }
    parameters = list(processor.get("Parameters", []))
    given = {parameter.get("ParameterName") for parameter in parameters}
    for name in LAMBDA_DEFAULTS:
        value = defaults[name]
        if name not in given and value is not None:
            parameters.append({"ParameterName": name, "ParameterValue": value})
    return {**processor, "Parameters": parameters}


def processing_description(config: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    """``ProcessingConfiguration`` as described, its Lambda processors' defaults filled in
    (those of a destination of ``kind``)."""
    processing = config["ProcessingConfiguration"]
    processors = processing.get("Processors")
    if not processors:
        return dict(processing)
    role = config.get("RoleARN")
    return {**processing, "Processors": [_processor(p, role, kind) for p in processors]}


def extended_s3_description(config: dict[str, Any]) -> dict[str, Any]:
    described = s3_description(config)
    described["S3BackupMode"] = config.get("S3BackupMode", "Disabled")
    for key, value in config.items():
        if key == "S3BackupConfiguration":
            described["S3BackupDescription"] = s3_description(value)
        elif key == "ProcessingConfiguration":
            described[key] = processing_description(config)
        elif key == "DynamicPartitioningConfiguration":
            retries = {**PARTITIONING_RETRY, **(value.get("RetryOptions") or {})}
            described[key] = {**value, "RetryOptions": retries}
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
        "RetryOptions": {"DurationInSeconds": 300, **config.get("RetryOptions", {})},
        "S3BackupMode": config.get("S3BackupMode", "FailedDataOnly"),
    }
    for key in ("RoleARN", "SecretsManagerConfiguration"):
        if key in config:
            described[key] = config[key]
    if "ProcessingConfiguration" in config:
        described["ProcessingConfiguration"] = processing_description(config)
    if "S3Configuration" in config:
        described["S3DestinationDescription"] = s3_description(config["S3Configuration"])
    return described


def _retries(kind: str) -> dict[str, int]:
    return {"DurationInSeconds": RETRY_DEFAULTS[kind]}


_SEARCH_DEFAULTS = {"BufferingHints": DEFAULT_BUFFERING, "S3BackupMode": "FailedDocumentsOnly"}
_INDEX_DEFAULTS = {**_SEARCH_DEFAULTS, "IndexRotationPeriod": "OneDay"}
#: What DescribeDeliveryStream fills in for the members a Redshift, OpenSearch,
#: Elasticsearch, Splunk, Snowflake or Iceberg configuration leaves out: each one's
#: documented default (docs/fidelity.md names the source of each).
OTHER_DEFAULTS: dict[str, dict[str, Any]] = {
    "RedshiftDestinationConfiguration": {
        "RetryOptions": {"DurationInSeconds": 3600},
        "S3BackupMode": "Disabled",
    },
    **{
        kind: {**_INDEX_DEFAULTS, "RetryOptions": _retries(kind)}
        for kind in (
            "ElasticsearchDestinationConfiguration",
            "AmazonopensearchserviceDestinationConfiguration",
        )
    },
    "AmazonOpenSearchServerlessDestinationConfiguration": {
        **_SEARCH_DEFAULTS,
        "RetryOptions": _retries("AmazonOpenSearchServerlessDestinationConfiguration"),
    },
    "SplunkDestinationConfiguration": {
        "BufferingHints": BUFFERING_DEFAULTS["SplunkDestinationConfiguration"],
        "HECAcknowledgmentTimeoutInSeconds": 180,
        "RetryOptions": _retries("SplunkDestinationConfiguration"),
        "S3BackupMode": "FailedEventsOnly",
    },
    "SnowflakeDestinationConfiguration": {
        "BufferingHints": BUFFERING_DEFAULTS["SnowflakeDestinationConfiguration"],
        "DataLoadingOption": "JSON_MAPPING",
        "RetryOptions": _retries("SnowflakeDestinationConfiguration"),
        "S3BackupMode": "FailedDataOnly",
    },
    "IcebergDestinationConfiguration": {
        "BufferingHints": DEFAULT_BUFFERING,
        "RetryOptions": _retries("IcebergDestinationConfiguration"),
        "S3BackupMode": "FailedDataOnly",
        "AppendOnly": False,
    },
}
#: Configuration members a description shows under another name.
_DESCRIBED_AS = {
    "S3Configuration": "S3DestinationDescription",
    "S3BackupConfiguration": "S3BackupDescription",
    "VpcConfiguration": "VpcConfigurationDescription",
}
#: Secrets no description shows (the description shapes have no such member).
_SECRETS = ("Password", "PrivateKey", "KeyPassphrase")


def vpc_id(subnets: list[str]) -> str:
    """The VPC a destination's subnets are taken to be in: the same subnets, the same id
    (the fake knows no VPCs)."""
    digest = hashlib.sha256(",".join(sorted(subnets)).encode()).hexdigest()
    return "vpc-" + digest[:17]


def other_description(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """The description of a Redshift, OpenSearch, Elasticsearch, Splunk, Snowflake or
    Iceberg destination: the configuration as given, without its secrets, its S3 blocks
    and Lambda processors with their defaults filled in, and the type's defaults for what
    it left out."""
    defaults = OTHER_DEFAULTS[kind]
    described: dict[str, Any] = {"CloudWatchLoggingOptions": _NO_LOGGING, **defaults}
    for key, value in config.items():
        if key in _SECRETS:
            continue
        if key in ("S3Configuration", "S3BackupConfiguration"):
            value = s3_description(value)
        elif key == "VpcConfiguration":
            value = {**value, "VpcId": vpc_id(value.get("SubnetIds", []))}
        elif key == "ProcessingConfiguration":
            value = processing_description(config, kind)
        elif key in ("BufferingHints", "RetryOptions"):
            value = {**defaults.get(key, {}), **value}
        described[_DESCRIBED_AS.get(key, key)] = value
    return described


def describe_destination(kind: str | None, config: dict[str, Any]) -> dict[str, Any]:
    """The description blocks of one destination (without its ``DestinationId``).

    An S3 destination is described twice, as the service does: once as
    ``ExtendedS3DestinationDescription`` and once as the plain ``S3DestinationDescription``.
    A stream without a destination (the fake's shortcut) has no description block.
    """
    if kind in S3_KINDS:
        return {
            "ExtendedS3DestinationDescription": extended_s3_description(config),
            "S3DestinationDescription": s3_description(config),
        }
    if kind == "HttpEndpointDestinationConfiguration":
        return {"HttpEndpointDestinationDescription": http_endpoint_description(config)}
    if kind in OTHER_DEFAULTS:
        return {DESTINATION_KINDS[kind]: other_description(kind, config)}
    return {}


#: Nested blocks an update names differently from the configuration it updates, and the
#: other way round.
_UPDATED_AS = {"S3BackupUpdate": "S3BackupConfiguration", "S3Update": "S3Configuration"}
_UPDATE_NAMES = {configured: updated for updated, configured in _UPDATED_AS.items()}
#: The destinations whose update names its bucket as the configuration does
#: (``IcebergDestinationUpdate.S3Configuration``; the others' is ``S3Update``).
_S3_BLOCK_AS_CONFIGURED = ("IcebergDestinationConfiguration",)
#: What those blocks must hold (``S3DestinationConfiguration``'s required members in the
#: API model; their update shape, ``S3DestinationUpdate``, requires nothing, as it merges).
_S3_REQUIRED = REQUIRED["S3DestinationConfiguration"]


#: Blocks that hold one of their members, replaced whole by an update that gives them: an
#: S3 ``EncryptionConfiguration`` holds ``NoEncryptionConfig`` or ``KMSEncryptionConfig``,
#: never both (encryption_rules.py), so an update naming one drops the other.
_REPLACED_WHOLE = ("EncryptionConfiguration",)


def merge_update(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """UpdateDestination for the same destination type: given keys replace, nested blocks
    merge (but those in ``_REPLACED_WHOLE``). An ``S3Update`` or ``S3BackupUpdate`` the
    configuration has no block for becomes that block, so it must give all that the block
    requires."""
    merged = dict(current)
    for name, value in update.items():
        key = _UPDATED_AS.get(name, name)
        whole = key in _REPLACED_WHOLE
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not whole:
            merged[key] = merge_update(merged[key], value)
        else:
            missing = [m for m in _S3_REQUIRED if m not in value] if key != name else []
            if missing:
                raise ServiceError(
                    "InvalidArgumentException",
                    f"{', '.join(missing)} must be specified in {name}: the destination has "
                    f"no {key} for it to update.",
                )
            merged[key] = value
    return merged


def updated_destination(
    kind: str | None, config: dict[str, Any], update_kind: str, update: dict[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """(destination kind, configuration) after UpdateDestination's ``update`` for
    ``update_kind`` (a configuration parameter name), without changing ``config``.

    Plain and extended S3 are one destination: either update merges into either, and the
    stream is extended S3 from then on if either was. An update to another destination
    type replaces the configuration, and must then give what that type requires."""
    if kind in S3_KINDS and update_kind in S3_KINDS:
        extended = "ExtendedS3DestinationConfiguration" in (kind, update_kind)
        merged_kind = "ExtendedS3DestinationConfiguration" if extended else kind
        return merged_kind, merge_update(config, update)
    if update_kind == kind:
        return kind, merge_update(config, update)
    # The OpenSearch destinations: a stream with one may only be updated to one of them, and
    # no other stream to one of them (DOC: UpdateDestination, "Switching between Amazon
    # OpenSearch Service and other services is not supported").
    if (kind in OPENSEARCH_KINDS) != (update_kind in OPENSEARCH_KINDS):
        raise ServiceError(
            "InvalidArgumentException",
            "Switching between Amazon OpenSearch Service and other destination types is not "
            f"supported: {(kind or '').removesuffix('Configuration')} cannot be updated to "
            f"{update_kind.removesuffix('Configuration')}.",
        )
    replaced = merge_update({}, update)
    missing = [name for name in REQUIRED.get(update_kind, ()) if name not in replaced]
    if missing:
        # Named as the update spells them (its S3Update is the S3Configuration it gives).
        updates = {} if update_kind in _S3_BLOCK_AS_CONFIGURED else _UPDATE_NAMES
        raise ServiceError(
            "InvalidArgumentException",
            f"{', '.join(updates.get(name, name) for name in missing)} must be specified "
            f"when changing the destination to {update_kind.removesuffix('Configuration')}.",
        )
    return update_kind, replaced
