"""How a Kinesis stream keeps its records: the retention period (Increase/Decrease
StreamRetentionPeriod) and encryption at rest (Start/StopStreamEncryption). A mixin of
``KinesisService``.

Facts used here (AWS_SEMANTICS.md section 10): retention is 24 to 8760 hours, and the
refusals' wording is kinesalite's AWS-validated text. Choices (INFERRED): both changes need
an ACTIVE stream (the model lists ResourceInUseException; text from the MOCK-validated
Split/Merge message); Start/StopStreamEncryption take effect at once (AWS passes through
UPDATING). Each of Start/StopStreamEncryption succeeds at most 25 times in a rolling 24
hours (DOC: the API reference's "API Limits"); counted per stream and per operation (the
reference names no scope; a stream's encryption is its own), every accepted call counting,
and the 26th refused with ``LimitExceededException`` worded as UpdateShardCount's limit
(INFERRED).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.streams import KinesisStream

MIN_RETENTION_HOURS = 24
MAX_RETENTION_HOURS = 8760
#: Successful calls of each of Start/StopStreamEncryption in any 24 hours (DOC).
ENCRYPTION_CHANGES_PER_DAY = 25


class Storage:
    """Retention and encryption, for ``KinesisService``."""

    account_id: str
    clock: FakeClock
    _active: Callable[[dict[str, Any]], KinesisStream]

    def _retention(self, params: dict[str, Any]) -> tuple[KinesisStream, int]:
        stream = self._active(params)
        hours = params["RetentionPeriodHours"]
        if hours < MIN_RETENTION_HOURS:
            raise ServiceError(
                "InvalidArgumentException",
                f"Minimum allowed retention period is {MIN_RETENTION_HOURS} hours. Requested "
                f"retention period ({hours} hours) is too short.",
            )
        if hours > MAX_RETENTION_HOURS:
            raise ServiceError(
                "InvalidArgumentException",
                f"Maximum allowed retention period is {MAX_RETENTION_HOURS} hours. Requested "
                f"retention period ({hours} hours) is too long.",
            )
        # What expired under the old period stays gone (DOC).
        stream.trim(self.clock.now())
        return stream, hours

    def _not_allowed(self, stream: KinesisStream, hours: int, longer: bool) -> ServiceError:
        than, api = ("longer", "Increase") if longer else ("shorter", "Decrease")
        return ServiceError(
            "InvalidArgumentException",
            f"Requested retention period ({hours} hours) for stream {stream.name} can not be "
            f"{than} than existing retention period ({stream.retention_hours} hours). "
            f"Use {api}RetentionPeriod API.",
        )

    def increase_retention(self, params: dict[str, Any]) -> dict[str, Any]:
        stream, hours = self._retention(params)
        if hours < stream.retention_hours:
            raise self._not_allowed(stream, hours, longer=False)
        stream.retention_hours = hours
        return {}

    def decrease_retention(self, params: dict[str, Any]) -> dict[str, Any]:
        stream, hours = self._retention(params)
        if hours > stream.retention_hours:
            raise self._not_allowed(stream, hours, longer=True)
        stream.retention_hours = hours
        stream.trim(self.clock.now())  # "almost immediately" (DOC)
        return {}

    def start_encryption(self, params: dict[str, Any]) -> dict[str, Any]:
        _only_kms(params)
        stream = self._active(params)
        self._count_change(stream, "StartStreamEncryption")
        stream.encryption, stream.key_id = params["EncryptionType"], params["KeyId"]
        return {}

    def stop_encryption(self, params: dict[str, Any]) -> dict[str, Any]:
        _only_kms(params)
        stream = self._active(params)
        self._count_change(stream, "StopStreamEncryption")
        stream.encryption, stream.key_id = "NONE", None
        return {}

    def _count_change(self, stream: KinesisStream, operation: str) -> None:
        """Count a change of the stream's encryption by ``operation``; refuse one past its
        limit in the last 24 hours."""
        now = self.clock.now()
        since = now - timedelta(hours=24)
        changes = [
            moment for moment in stream.encryption_changes.get(operation, []) if moment > since
        ]
        if len(changes) >= ENCRYPTION_CHANGES_PER_DAY:
            raise ServiceError(
                "LimitExceededException",
                f"{operation} cannot change the encryption of stream {stream.name} under "
                f"account {self.account_id} more than {ENCRYPTION_CHANGES_PER_DAY} times in a "
                "rolling 24-hour period.",
            )
        stream.encryption_changes[operation] = [*changes, now]


def _only_kms(params: dict[str, Any]) -> None:
    """Refuse an ``EncryptionType`` but KMS, which the model's enum lets through (DOC,
    Start/StopStreamEncryption: "The only valid value is KMS"). The text is
    StopStreamEncryption's (REAL: quoted in hashicorp/terraform-provider-aws's ``stream.go``);
    StartStreamEncryption is taken to answer the same (INFERRED). NONE is the one other value
    the enum has."""
    if params["EncryptionType"] != "KMS":
        raise ServiceError(
            "InvalidArgumentException",
            f"Encryption type cannot be {params['EncryptionType']}.",
        )
