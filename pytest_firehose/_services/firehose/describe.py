"""A delivery stream's destination configuration as the service keeps it: which
configuration parameters name a destination, what DescribeDeliveryStream shows of one
(with the service's defaults filled in), and how UpdateDestination merges into it."""

from __future__ import annotations

from typing import Any

from pytest_firehose._destinations.pipeline import DEFAULT_BUFFERING

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
