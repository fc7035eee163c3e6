"""A delivery stream's settings that change nothing it delivers: its tags
(TagDeliveryStream, UntagDeliveryStream, ListTagsForDeliveryStream) and its encryption at
rest (StartDeliveryStreamEncryption, StopDeliveryStreamEncryption). A mixin of
``FirehoseService``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.base import tag_page
from pytest_firehose._services.firehose.streams import DeliveryStream

MAX_TAGS = 50
DIRECT_PUT = "DirectPut"
KINESIS_SOURCE = "KinesisStreamAsSource"
MSK_SOURCE = "MSKAsSource"
DATABASE_SOURCE = "DatabaseAsSource"
#: The source configuration parameter of each delivery stream type: required but for
#: DirectPut's (a throughput hint), and refused on a stream of another type.
SOURCE_CONFIGURATIONS = {
    DIRECT_PUT: "DirectPutSourceConfiguration",
    KINESIS_SOURCE: "KinesisStreamSourceConfiguration",
    MSK_SOURCE: "MSKSourceConfiguration",
    DATABASE_SOURCE: "DatabaseSourceConfiguration",
}
#: StartDeliveryStreamEncryption and StopDeliveryStreamEncryption together: at most this
#: many calls per delivery stream in any 24 hours (DOC: StartDeliveryStreamEncryption).
ENCRYPTION_CALLS = 25
ENCRYPTION_WINDOW = timedelta(hours=24)


def check_source(stream_type: str, params: dict[str, Any]) -> None:
    """Refuse a CreateDeliveryStream whose source configurations do not fit its type: the
    type's own missing (DirectPut's may be left out), another type's given, or server-side
    encryption for a stream that does not take puts (DOC: SSE is for DirectPut streams
    only)."""
    own = SOURCE_CONFIGURATIONS.get(stream_type)
    for other_type, name in SOURCE_CONFIGURATIONS.items():
        if name in params and name != own:
            raise ServiceError(
                "InvalidArgumentException",
                f"{name} is only allowed for a delivery stream of type {other_type}, not "
                f"{stream_type}.",
            )
    if own is not None and stream_type != DIRECT_PUT and own not in params:
        raise ServiceError(
            "InvalidArgumentException",
            f"{own} is required for a delivery stream of type {stream_type}.",
        )
    if stream_type != DIRECT_PUT and "DeliveryStreamEncryptionConfigurationInput" in params:
        raise ServiceError(
            "InvalidArgumentException",
            "DeliveryStreamEncryptionConfigurationInput is only allowed for a delivery "
            f"stream of type {DIRECT_PUT}, not {stream_type}: server-side encryption is for "
            "streams that take PutRecord and PutRecordBatch.",
        )


def checked_encryption(requested: dict[str, Any]) -> dict[str, Any]:
    """A ``DeliveryStreamEncryptionConfigurationInput`` as the stream keeps it, refused when
    its key type and key ARN do not fit together (DOC: a customer managed CMK is named by
    its ARN; an AWS-owned CMK has none)."""
    key_type = requested.get("KeyType")
    if key_type == "CUSTOMER_MANAGED_CMK" and not requested.get("KeyARN"):
        raise ServiceError(
            "InvalidArgumentException",
            "KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.",
        )
    if key_type == "AWS_OWNED_CMK" and "KeyARN" in requested:
        raise ServiceError(
            "InvalidArgumentException",
            "KeyARN must not be specified when KeyType is AWS_OWNED_CMK.",
        )
    return dict(requested)


class StreamSettings:
    """Tags and encryption, for ``FirehoseService``."""

    clock: FakeClock
    account_id: str
    encryption_delay: timedelta
    stream: Callable[[str], DeliveryStream]
    _not_active: Callable[[DeliveryStream, str], ServiceError]

    def _changeable(self, stream: DeliveryStream) -> DeliveryStream:
        """``stream``, refused while it is being deleted: the calls that change its
        tags and encryption list ResourceInUseException ("not available for this
        operation"; AWS's answer on a DELETING stream is not on record, docs/fidelity.md),
        and a change to a stream on its way out would be lost with it. A CREATING stream
        takes them."""
        if stream.status == "DELETING":
            raise self._not_active(stream, "updated")
        return stream

    def tag_delivery_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._changeable(self.stream(params["DeliveryStreamName"]))
        tags = {**stream.tags, **{t["Key"]: t.get("Value", "") for t in params["Tags"]}}
        if len(tags) > MAX_TAGS:
            raise ServiceError(
                "LimitExceededException",
                f"A delivery stream cannot have more than {MAX_TAGS} tags; this request "
                f"would leave {len(tags)}.",
            )
        stream.tags = tags
        return {}

    def untag_delivery_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._changeable(self.stream(params["DeliveryStreamName"]))
        for key in params["TagKeys"]:
            stream.tags.pop(key, None)
        return {}

    def list_tags_for_delivery_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        return tag_page(self.stream(params["DeliveryStreamName"]).tags, params)

    def _direct_put(self, name: str) -> DeliveryStream:
        stream = self.stream(name)
        if stream.stream_type != DIRECT_PUT:
            raise ServiceError(
                "InvalidArgumentException",
                f"This operation is not permitted on {stream.stream_type} delivery stream type.",
            )
        return stream

    def start_encryption(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._changeable(self._direct_put(params["DeliveryStreamName"]))
        requested = checked_encryption(
            params.get("DeliveryStreamEncryptionConfigurationInput") or {"KeyType": "AWS_OWNED_CMK"}
        )
        self._not_already_enabled(stream, requested)
        self._encryption_becomes(
            stream, requested, "ENABLING", "ENABLED", "StartDeliveryStreamEncryption"
        )
        return {}

    def _not_already_enabled(self, stream: DeliveryStream, requested: dict[str, Any]) -> None:
        """Refuse a StartDeliveryStreamEncryption that would change nothing: the encryption
        ENABLED with the AWS-owned CMK asked for again, or with the customer managed CMK of
        the ARN asked for. AWS fails these (CODE: the CloudFormation resource provider's
        ``UpdateHandler.areEncryptionParametersUnchanged``, which skips the call "as the
        firehose backend fails in those cases"); the code and text are the fake's."""
        current = stream.encryption or {}
        if current.get("Status") != "ENABLED" or current.get("KeyType") != requested.get("KeyType"):
            return
        if current.get("KeyARN") != requested.get("KeyARN"):
            return
        key = requested.get("KeyARN") or requested.get("KeyType")
        raise ServiceError(
            "InvalidArgumentException",
            f"Firehose {stream.name} under account {self.account_id} already has its "
            f"encryption ENABLED with {key}; StartDeliveryStreamEncryption changes the key "
            "type or the CMK.",
        )

    def stop_encryption(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._changeable(self._direct_put(params["DeliveryStreamName"]))
        self._encryption_becomes(
            stream, {}, "DISABLING", "DISABLED", "StopDeliveryStreamEncryption"
        )
        return {}

    def _count_encryption_call(self, stream: DeliveryStream) -> None:
        """Count a Start or Stop call against the stream's limit, refusing it past the limit."""
        now = self.clock.now()
        calls = [when for when in stream.encryption_calls if when > now - ENCRYPTION_WINDOW]
        if len(calls) >= ENCRYPTION_CALLS:
            raise ServiceError(
                "LimitExceededException",
                f"StartDeliveryStreamEncryption and StopDeliveryStreamEncryption were called "
                f"{len(calls)} times for {stream.name} in the last 24 hours; together they may "
                f"be called at most {ENCRYPTION_CALLS} times per delivery stream in 24 hours.",
            )
        stream.encryption_calls = [*calls, now]

    def _encryption_becomes(
        self,
        stream: DeliveryStream,
        settings: dict[str, Any],
        meanwhile: str,
        final: str,
        operation: str,
    ) -> None:
        """Start a change of the stream's encryption: ``meanwhile`` for the encryption
        delay, then ``final``. Refused while another change is under way (the API model
        lists ResourceInUseException; the text is the fake's), before it is counted."""
        status = (stream.encryption or {}).get("Status")
        if status in ("ENABLING", "DISABLING"):
            raise ServiceError(
                "ResourceInUseException",
                f"Firehose {stream.name} under account {self.account_id} has its encryption "
                f"in {status} state; {operation} can be called once it is ENABLED or DISABLED.",
            )
        self._count_encryption_call(stream)
        if self.encryption_delay:
            stream.encryption = {**settings, "Status": meanwhile}
            stream.transitions.append(
                (self.clock.now() + self.encryption_delay, "encryption", final)
            )
        else:
            stream.encryption = {**settings, "Status": final}
