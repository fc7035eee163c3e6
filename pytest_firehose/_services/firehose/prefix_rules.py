"""The S3 prefixes CreateDeliveryStream and UpdateDestination refuse: in every S3 block of
a destination's configuration whose prefixes Firehose evaluates, the developer guide's
expression rules, and what a Redshift destination's intermediate bucket may not have."""

from __future__ import annotations

from typing import Any

from pytest_firehose._destinations.factory import REDSHIFT, S3_KINDS
from pytest_firehose._destinations.objects import (
    EXPRESSION_NAMESPACES,
    FIREHOSE_VALUES,
    PARTITION_NAMESPACES,
    has_expressions,
    partition_keys_in,
    stray_expression,
)
from pytest_firehose._destinations.processing_errors import ERROR_OUTPUT_TYPE
from pytest_firehose._errors import ServiceError

#: Compression formats Redshift's COPY cannot read from the intermediate bucket (API
#: reference, RedshiftDestinationConfiguration.S3Configuration).
_NOT_COPYABLE = ("Snappy", "ZIP", "HADOOP_SNAPPY")


#: How the service begins a refusal of a destination's prefixes (recorded; its typo kept).
_PREFIX_CONSTRAINT = "Ths supplied prefix(es) do not satisfy the following constraint: "


#: The S3 blocks of a destination's configuration whose prefixes Firehose evaluates, besides
#: an S3 destination's own: the bucket of failed records and backups of the other
#: destinations, and the backup of source records of extended S3 and Redshift (DOC: both
#: are ``S3DestinationConfiguration``, whose prefixes follow "Custom prefixes for Amazon S3
#: objects").
_S3_BLOCKS = ("S3Configuration", "S3BackupConfiguration")
#: The developer guide's rule for partition keys in an error prefix, in its words.
_NO_KEYS_IN_ERRORS = (
    "You cannot use partitionKeyFromLambda and partitionKeyFromQuery namespaces when "
    "creating ErrorOutputPrefix expressions."
)


def check_prefixes(kind: str | None, config: dict[str, Any]) -> None:
    """Refuse the prefixes CreateDeliveryStream and UpdateDestination refuse, in every S3
    block whose prefixes Firehose evaluates (an S3 destination's own, and each
    ``S3Configuration`` and ``S3BackupConfiguration``): a Redshift intermediate bucket's
    (:func:`check_staging`), then each block's by the developer guide's rules
    (:func:`_check_rules`), the destination's own first."""
    check_staging(kind, config)
    if kind in S3_KINDS:
        _check_rules("", config, PARTITION_NAMESPACES)
    for name in _S3_BLOCKS:
        block = config.get(name)
        if isinstance(block, dict):
            _check_rules(f"{name}.", block, ())


def _check_rules(path: str, block: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Refuse ``block``'s prefixes (``path`` naming it in the request) where they break
    the developer guide's rules: with the service's recorded text, a ``Prefix`` with
    expressions and no ``ErrorOutputPrefix``; in the fake's words after the service's
    opening, a ``!{`` that opens no expression (of ``firehose``, ``timestamp`` or the
    partition key namespaces ``keys`` the ``Prefix`` may use), the error type in the
    ``Prefix``, an ``ErrorOutputPrefix`` with expressions and no error type; and, in the
    guide's words, partition keys in the ``ErrorOutputPrefix``."""
    prefix = block.get("Prefix") or ""
    error_prefix = block.get("ErrorOutputPrefix") or ""
    if has_expressions(prefix) and not error_prefix:
        raise _prefix_refusal(
            "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"
        )
    for name, value, namespaces in (
        ("Prefix", prefix, (*EXPRESSION_NAMESPACES, *keys)),
        ("ErrorOutputPrefix", error_prefix, (*EXPRESSION_NAMESPACES, *PARTITION_NAMESPACES)),
    ):
        stray = stray_expression(value, namespaces)
        if stray is not None:
            raise _prefix_refusal(
                "The sequence !{ can only appear in !{namespace:value} expressions (namespace "
                f"{_either(namespaces)}; firehose's values {_either(FIREHOSE_VALUES, 'and')})"
                f": {path}{name} has {stray}"
            )
    if ERROR_OUTPUT_TYPE in prefix:
        raise _prefix_refusal(f"{path}Prefix cannot contain {ERROR_OUTPUT_TYPE}")
    if has_expressions(error_prefix) and ERROR_OUTPUT_TYPE not in error_prefix:
        raise _prefix_refusal(
            f"{path}ErrorOutputPrefix must contain {ERROR_OUTPUT_TYPE} when it contains expressions"
        )
    if partition_keys_in(error_prefix):
        raise ServiceError("InvalidArgumentException", _NO_KEYS_IN_ERRORS)


def _either(names: tuple[str, ...], last: str = "or") -> str:
    """``a, b or c`` (two names at least)."""
    return f"{', '.join(names[:-1])} {last} {names[-1]}"


def _prefix_refusal(constraint: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", _PREFIX_CONSTRAINT + constraint)


def check_staging(kind: str | None, config: dict[str, Any]) -> None:
    """Refuse a Redshift destination whose intermediate bucket's objects COPY could not
    load: a compression it does not read, or an error prefix or prefix expressions (with
    the service's recorded text)."""
    if kind != REDSHIFT:
        return
    staging = config.get("S3Configuration") or {}
    compression = staging.get("CompressionFormat", "UNCOMPRESSED")
    if compression in _NOT_COPYABLE:
        raise ServiceError(
            "InvalidArgumentException",
            f"CompressionFormat {compression} is not supported in the S3Configuration of a "
            "Redshift destination: COPY cannot load it. Use UNCOMPRESSED or GZIP.",
        )
    if staging.get("ErrorOutputPrefix") or has_expressions(staging.get("Prefix", "")):
        raise _prefix_refusal(
            "Prefix Expressions or ErrorOutputPrefix is currently not supported for this "
            "destination"
        )
