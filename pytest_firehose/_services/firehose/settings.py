"""Settings of a delivery stream the fake accepts but does not model, and how it reports
them: a :class:`UnmodelledSettingWarning` (``unmodelled="warn"``, the default) or an
``InvalidArgumentException`` refusing the request (``unmodelled="error"``).

A setting that changes what is delivered, or where, and that the fake does not carry out
is reported; one that changes only logging, IAM or encryption at rest is accepted
silently. docs/fidelity.md lists every decision.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

from pytest_firehose._destinations.compression import SNAPPY_FORMATS, available
from pytest_firehose._destinations.conversion import available as conversion_available
from pytest_firehose._destinations.factory import REDSHIFT, S3_KINDS
from pytest_firehose._destinations.objects import keys_zone, time_zone, unwritten_timestamps
from pytest_firehose._destinations.processors import newline_delimiter
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.firehose.backup import ALL_DATA


class UnmodelledSettingWarning(UserWarning):
    """A delivery stream was configured with a setting pytest-firehose accepts but does not
    carry out, or a Firehose or Kinesis request held a member this release has not
    reviewed (one a newer botocore or SDK sends); the message names it and says what the
    fake does instead. Under ``filterwarnings = error`` it fails the test;
    ``firehose_unmodelled = error`` (or ``FirehoseFake(unmodelled="error")``) refuses
    such a request instead. Where a warning filter makes it an error mid-request (the
    local server's), ``found`` names every setting the request held."""

    #: Every setting the request reported, when a warning filter made this an error.
    found: tuple[str, ...] = ()


HTTP_KIND = "HttpEndpointDestinationConfiguration"
#: Source types whose records the fake reads (DirectPut: the puts themselves; MSKAsSource:
#: what a test hands its topic with ``put_from_msk``; DatabaseAsSource: the changes a test
#: hands it with ``put_from_database``).
READ_SOURCES = ("DirectPut", "KinesisStreamAsSource", "MSKAsSource", "DatabaseAsSource")


def _enabled(block: Any, *, default: bool) -> bool:
    """Whether a block with an ``Enabled`` flag is on (AWS's default when it is absent)."""
    if not isinstance(block, dict):
        return False
    enabled = block.get("Enabled")
    return default if enabled is None else bool(enabled)


#: Processor types the fake runs whatever their parameters (MetadataExtraction and
#: RecordDeAggregation: only with dynamic partitioning, which CreateDeliveryStream checks,
#: or MetadataExtraction routing an Iceberg destination's records).
_MODELLED_PROCESSORS = (
    "Lambda",
    "RecordDeAggregation",
    "MetadataExtraction",
    "Decompression",
    "CloudWatchLogProcessing",
)


def _processing(config: dict[str, Any]) -> str | None:
    processing = config.get("ProcessingConfiguration")
    if not isinstance(processing, dict) or not _enabled(processing, default=True):
        return None
    if not processing.get("Processors"):
        return None
    # A Lambda processor is modelled (the fake runs the handler a test registered), and
    # so are RecordDeAggregation, CloudWatch Logs decompression and message extraction,
    # AppendDelimiterToRecord without parameters or with the Delimiter \n (a newline after
    # each record), and MetadataExtraction for dynamic partitioning.
    kinds = sorted(
        {
            str(p.get("Type"))
            for p in processing["Processors"]
            if p.get("Type") not in _MODELLED_PROCESSORS and not newline_delimiter(p)
        }
    )
    if not kinds:
        return None
    return (
        f"ProcessingConfiguration (processors: {', '.join(kinds)}) is not run: records are "
        "delivered as they were put (or as the Lambda processor returned them)"
    )


def _partition_retries(config: dict[str, Any]) -> str | None:
    partitioning = config.get("DynamicPartitioningConfiguration") or {}
    if not _enabled(partitioning, default=False) or "RetryOptions" not in partitioning:
        return None
    return (
        "DynamicPartitioningConfiguration.RetryOptions is not modelled: a partition's failed "
        "delivery is retried until its records expire, 24 hours after they arrived (read from "
        "Kinesis: the source stream's retention period after they arrived there)"
    )


def _conversion(config: dict[str, Any]) -> str | None:
    if not _enabled(config.get("DataFormatConversionConfiguration"), default=True):
        return None
    if conversion_available():
        return None
    return (
        "DataFormatConversionConfiguration needs pyarrow (pip install "
        "pytest-firehose[conversion]): records are delivered as they were put, not "
        "converted to Parquet or ORC"
    )


def _compression(config: dict[str, Any]) -> str | None:
    compression = config.get("CompressionFormat", "UNCOMPRESSED")
    if available(compression):
        return None
    needs = " (pip install pytest-firehose[compression])" if compression in SNAPPY_FORMATS else ""
    return f"CompressionFormat {compression} needs cramjam{needs}: objects are stored uncompressed"


def _time_zone(config: dict[str, Any]) -> str | None:
    zone = config.get("CustomTimeZone")
    if time_zone(zone) is not None:
        return None
    return (
        f"CustomTimeZone {zone} is not a zone this machine's time zone database knows "
        "(pip install tzdata, or use an IANA name such as Asia/Tokyo): keys and prefixes "
        "use UTC"
    )


def _timestamps(config: dict[str, Any]) -> str | None:
    zone = keys_zone(config)
    found = {
        n: unwritten_timestamps(config.get(n) or "", zone) for n in ("Prefix", "ErrorOutputPrefix")
    }
    names = [name for name, expressions in found.items() if expressions]
    if not names:
        return None
    unwritten = list(dict.fromkeys(e for expressions in found.values() for e in expressions))
    one = len(unwritten) == 1
    return (
        f"{' and '.join(names)}: {', '.join(unwritten)} {'is' if one else 'are'} not "
        f"modelled: {'it is' if one else 'they are'} copied into the keys as written"
    )


def _copy_options(config: dict[str, Any]) -> str | None:
    # Redshift's COPY reader is imported by the first Redshift stream.
    from pytest_firehose._destinations.copy_options import parse_copy_options

    text = (config.get("CopyCommand") or {}).get("CopyOptions")
    options = parse_copy_options(text)
    if options.malformed is not None:
        return (
            f"CopyCommand.CopyOptions {text!r}: COPY cannot run with it ({options.malformed}); "
            "every COPY fails, and each batch is skipped once its retries run out"
        )
    if not options.unmodelled:
        return None
    one = len(options.unmodelled) == 1
    return (
        f"CopyCommand.CopyOptions {', '.join(options.unmodelled)} "
        f"{'is' if one else 'are'} not modelled: COPY loads the staged objects as if "
        f"{'it were' if one else 'they were'} not given"
    )


Check = Callable[[dict[str, Any]], "str | None"]
_S3_CHECKS: tuple[Check, ...] = (
    _processing,
    _partition_retries,
    _conversion,
    _compression,
    _time_zone,
    _timestamps,
)
#: An HTTP endpoint's SecretsManagerConfiguration is modelled (its secret's api_key is the
#: access key, ``_destinations/secret_key.py``); its RoleARN, IAM, is accepted silently.
_HTTP_CHECKS: tuple[Check, ...] = (_processing,)
_REDSHIFT_CHECKS: tuple[Check, ...] = (_processing, _copy_options)
_BACKUP_CHECKS: tuple[Check, ...] = (_compression, _timestamps)


def _written_s3_blocks(kind: str, config: dict[str, Any]) -> list[str]:
    """The plain S3 blocks of ``config`` the fake writes objects with: a source record
    backup's, and the ``S3Configuration`` of every destination but S3 (failed records,
    Redshift's intermediate objects)."""
    blocks = [] if kind in S3_KINDS else ["S3Configuration"]
    mode, block = ALL_DATA.get(kind, ("", ""))
    if mode and config.get("S3BackupMode") == mode and block not in blocks:
        blocks.append(block)
    return blocks


def findings(kind: str | None, config: dict[str, Any]) -> list[str]:
    """What of destination ``kind``'s ``config`` the fake does not model, one message each,
    each starting with the setting's path."""
    if kind is None:
        return []
    checks: tuple[Check, ...] = (_processing,)
    found: list[str] = []
    if kind in S3_KINDS:
        checks = _S3_CHECKS
    elif kind == HTTP_KIND:
        checks = _HTTP_CHECKS
    elif kind == REDSHIFT:
        checks = _REDSHIFT_CHECKS
    found += [f"{kind}.{finding}" for check in checks if (finding := check(config))]
    for block in _written_s3_blocks(kind, config):
        written = config.get(block) or {}
        found += [
            f"{kind}.{block}.{finding}" for check in _BACKUP_CHECKS if (finding := check(written))
        ]
    return found


def source_findings(stream_type: str) -> list[str]:
    """What of the stream's source the fake does not model."""
    if stream_type in READ_SOURCES:
        return []
    return [
        f"DeliveryStreamType {stream_type}: this source is not modelled; the stream reads "
        "nothing from it"
    ]


def refusal(found: list[str]) -> ServiceError:
    """The ``InvalidArgumentException`` that refuses a request holding settings the fake
    does not model: ``unmodelled="error"``'s, and the local server's when a warning filter
    makes :class:`UnmodelledSettingWarning` an error."""
    return ServiceError(
        "InvalidArgumentException",
        "pytest-firehose does not model "
        + "; ".join(found)
        + ". It refuses such settings because it runs with unmodelled='error' (ini option "
        "firehose_unmodelled, or serve --unmodelled error) or with UnmodelledSettingWarning "
        "made an error by a warning filter; otherwise it accepts them with a warning.",
    )


def warning_refusal(warning: UnmodelledSettingWarning) -> ServiceError:
    """The refusal of the request that raised ``warning`` as an error (a warning filter
    made it one): what ``unmodelled="error"`` answers to it."""
    return refusal(list(warning.found) or [str(warning)])


def report(found: list[str], policy: str) -> None:
    """Say what the fake does not model: a warning each, or (``policy="error"``) the
    ``InvalidArgumentException`` that refuses the request before it changes anything. A
    warning a filter made an error is raised as such, naming every setting in ``found``."""
    if not found:
        return
    if policy == "error":
        raise refusal(found)
    level = _caller_level()
    try:
        for message in found:
            warnings.warn(UnmodelledSettingWarning(message), stacklevel=level)
    except UnmodelledSettingWarning as error:
        error.found = tuple(found)
        raise


def notice(found: list[str]) -> None:
    """Say what the fake does not model where no request is to blame, while the world
    catches up with the clock (records a stream reads from its source): a warning each,
    never an error. A filter may silence it; one that makes it an error has it shown as a
    warning all the same, since raised it would fail whatever request runs meanwhile (the
    local server's answer a 500) and leave the catch-up half done."""
    level = _caller_level()
    for message in found:
        warning = UnmodelledSettingWarning(message)
        try:
            warnings.warn(warning, stacklevel=level)
        except UnmodelledSettingWarning:
            caller = sys._getframe(level - 1)
            warnings.showwarning(
                warning, UnmodelledSettingWarning, caller.f_code.co_filename, caller.f_lineno
            )


#: Frames from these packages are skipped, so that a warning points at the test's code.
_INTERNAL = ("pytest_firehose", "botocore", "boto3", "aiobotocore", "aioboto3")
#: And frames of the standard library's ``contextlib``: the package's context managers run
#: its code from there (a handle read catching the world up on entering ``looked()``).
_PASSED_THROUGH = (contextlib.__file__,)


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside this package and the AWS SDK (the
    code that created or updated the stream)."""
    homes = _PASSED_THROUGH + tuple(
        os.path.dirname(module.__file__) + os.sep
        for name in _INTERNAL
        if (module := sys.modules.get(name)) is not None and module.__file__
    )
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(homes):
        frame = frame.f_back
        level += 1
    return level
