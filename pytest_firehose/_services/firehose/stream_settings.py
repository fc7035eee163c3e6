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
KINESIS_SOURCE = "KinesisStreamAsSource"


class StreamSettings:
    """Tags and encryption, for ``FirehoseService``."""

    clock: FakeClock
    encryption_delay: timedelta
    stream: Callable[[str], DeliveryStream]

    def tag_delivery_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self.stream(params["DeliveryStreamName"])
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
        stream = self.stream(params["DeliveryStreamName"])
        for key in params["TagKeys"]:
            stream.tags.pop(key, None)
        return {}

    def list_tags_for_delivery_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        return tag_page(self.stream(params["DeliveryStreamName"]).tags, params)

    def _direct_put(self, name: str) -> DeliveryStream:
        stream = self.stream(name)
        if stream.stream_type == KINESIS_SOURCE:
            raise ServiceError(
                "InvalidArgumentException",
                "This operation is not permitted on KinesisStreamAsSource delivery stream type.",
            )
        return stream

    def start_encryption(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._direct_put(params["DeliveryStreamName"])
        requested = params.get("DeliveryStreamEncryptionConfigurationInput") or {
            "KeyType": "AWS_OWNED_CMK"
        }
        self._encryption_becomes(stream, {**requested}, "ENABLING", "ENABLED")
        return {}

    def stop_encryption(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._direct_put(params["DeliveryStreamName"])
        self._encryption_becomes(stream, {}, "DISABLING", "DISABLED")
        return {}

    def _encryption_becomes(
        self, stream: DeliveryStream, settings: dict[str, Any], meanwhile: str, final: str
    ) -> None:
        stream.transitions = [t for t in stream.transitions if t[1] != "encryption"]
        if self.encryption_delay:
            stream.encryption = {**settings, "Status": meanwhile}
            stream.transitions.append(
                (self.clock.now() + self.encryption_delay, "encryption", final)
            )
        else:
            stream.encryption = {**settings, "Status": final}
