"""The transformation half of a delivery: the Lambda processor's stage before the
destination's buffers, as a part of :class:`~pytest_firehose._destinations.pipeline.Delivery`.

Records wait for the function in the transformer's buffer; what it answers ``Ok`` goes on to
the destination's buffers (with the partition keys it gave, for dynamic partitioning), the
dropped are set aside, and the failed are written to the ``processing-failed`` error output.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from pytest_firehose._destinations.base import (
    Accepted,
    DeliveryFailed,
    DeliveryTarget,
    Destination,
    DestinationError,
)
from pytest_firehose._destinations.objects import DeliveredObject
from pytest_firehose._destinations.processing import Invoker, Processed, Transformer
from pytest_firehose._destinations.processing_errors import PROCESSING_FAILED, ErrorOutput
from pytest_firehose._destinations.processors import LambdaProcessor
from pytest_firehose._errors import UsageError
from pytest_firehose._lambda.firehose_events import EventSource
from pytest_firehose._lambda.functions import Invocation
from pytest_firehose._lambda.kept_errors import LatestLocals

if TYPE_CHECKING:
    from pytest_firehose._ids import IdSource

#: What a delivery is handed for a Lambda processor: the processor, how to invoke it, the
#: region and the source the event names (None for DirectPut).
ProcessorRoute = tuple[LambdaProcessor, Invoker, str, "EventSource | None"]


class Transforming:
    """The transformation stage of a :class:`Delivery` (which it is mixed into)."""

    transformer: Transformer | None
    invocations: list[Invocation]
    dropped: list[Accepted]
    processing_failed: list[DeliveredObject]
    refused_answer: str | None
    errors: list[DestinationError]
    target: DeliveryTarget
    destination: Destination
    destination_up: bool
    _busy: bool
    _error_output: ErrorOutput
    #: The latest failed invocation's error, the one whose frames keep their local
    #: variables: made with the first transformer, and kept across reconfigurations (with
    #: processing switched off and on again too), as ``invocations`` is.
    _latest_error: LatestLocals | None = None

    #: Delivery's: puts records in the destination's buffers.
    _fill: Callable[..., None]

    def _route_transformer(self, target: DeliveryTarget, processor: ProcessorRoute | None) -> None:
        before = self.transformer
        if processor is None:
            self.transformer = None
            if before is not None and before.buffer:
                # Processing switched off: what waited for the function goes on as it is.
                self._fill(before.buffer, before.buffer[-1][2], floor=None)
            return
        lambda_processor, invoke, region, source = processor
        if self._latest_error is None:
            self._latest_error = LatestLocals()
        self.transformer = Transformer(
            lambda_processor,
            invoke,
            (target.arn, region, source),
            self.invocations,
            self._latest_error,
        )
        if before is not None:
            self.transformer.take(before.buffer)
            self.transformer.metadata = before.metadata

    def _transformation_due(self) -> datetime | None:
        """When the transformation buffer is to be sent: at its interval, or at once (as of
        its newest record) once it holds its size."""
        transformer = self.transformer
        if transformer is None or not transformer.buffer:
            return None
        if transformer.full():
            return transformer.buffer[-1][2]
        return transformer.due()

    def _transform(self, at: datetime, ids: IdSource) -> datetime:
        """Send the transformation buffer to the function at ``at`` and apply the answers:
        new payloads to the destination buffer, the dropped aside, the failed to the error
        output; returns when the function's last answer came (``at`` or later)."""
        transformer = self.transformer
        assert transformer is not None
        self._busy = True
        try:
            processed = transformer.run(at, ids)
        finally:
            self._busy = False
        self.dropped.extend(processed.dropped)
        if processed.failed:
            self._write_failures(processed, ids)
        if processed.refused is not None:
            self.refused_answer = processed.refused
        if processed.misuse is not None:
            failed = len(processed.failed)
            self.errors.append(
                DestinationError(at, self.target.name, "", failed, UsageError(processed.misuse))
            )
        # What the function answered is delivered no earlier than its last answer.
        ended = processed.ended_at or at
        self._fill(processed.ok, ended, ids, floor=ended, keys=processed.keys)
        return ended

    def _write_failures(self, processed: Processed, ids: IdSource) -> None:
        """The error object of the records the transformation failed, kept and written
        where the destination writes its error output (an HTTP endpoint's S3 bucket)."""
        assert self.transformer is not None
        lambda_arn = self.transformer.processor.lambda_arn
        obj = self._error_output.object_for(
            processed.failed, PROCESSING_FAILED, self.target, ids.uuid(), lambda_arn
        )
        self.processing_failed.append(obj)
        self._write_error_object(obj)

    def _write_error_object(self, obj: DeliveredObject) -> None:
        """Write an error object where the destination writes its error output, best
        effort: its records are on record in the delivery either way."""
        output = getattr(self.destination, "error_output", self.destination)
        if self.destination_up:
            with contextlib.suppress(DeliveryFailed):
                output.deliver(self.target, obj)
