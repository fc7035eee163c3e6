"""Queues on Kinesis streams: CreateQueue, DescribeQueue, ListQueues, UpdateQueue and
DeleteQueue, and a queue consumer's receive, acknowledge and visibility calls, with the
built-in dead-letter records. A mixin of ``KinesisService``; ``queue_records.py`` holds
a queue's state.

Facts used here (DOC: the API reference, the model's documentation and the developer
guide's queue pages, 2026):

* A queue delivers the records of one on-demand stream (``StreamConfigurationList`` holds
  exactly one) from its starting position: ``LATEST`` by default (records that arrive
  after the queue is created), ``TRIM_HORIZON``, or ``AT_TIMESTAMP`` (its ``Timestamp`` is
  required there and refused with any other type, ``ValidationException``). A receive
  returns up to 10. A received record is in flight for the visibility timeout (the
  queue's, 30 seconds unless set, or the receive's); one not acknowledged by then is
  visible again. A new receipt handle is issued at every receive. Delivery is at least
  once, in no guaranteed order.
* Dead-letter handling is ``BUILT_IN`` with ``MaxReceiveCount`` 6 unless configured
  (``BUILT_IN`` needs the count): a record received that many times without an
  acknowledgement becomes a dead-letter record, which only ReceiveDeadLetterQueueRecords
  returns; restoring one resets its receive count and returns it to the receive path.
  ``NONE`` redelivers until the record expires.
* A queue does not extend the stream's retention: an expired record, in flight or
  dead-letter too, is not delivered.
* A queue counts against the stream's registered consumer limit shared with enhanced
  fan-out consumers (20; 50 with On-demand Advantage); DescribeStreamSummary counts it in
  ``QueueCount``, not in ``ConsumerCount``. A stream with queues cannot be deleted
  (``EnforceConsumerDeletion`` does not apply to queues) nor switched to provisioned mode.
  At most 5 queues of an account and region are CREATING or DELETING at once; at most
  120,000 records of a queue are in flight.
* A queue is CREATING, then ACTIVE; UpdateQueue keeps it UPDATING, during which records are
  still received, and applies the new visibility timeout to records received after the
  update completes (those received while UPDATING keep the earlier one); DeleteQueue
  makes it DELETING (it delivers nothing) until it is gone, and its receipt handles stop
  being valid. ReceiveQueueRecords waits up to ``WaitTimeSeconds`` (9 unless set) for a
  record to become visible.

Choices (INFERRED; docs/kinesis.md lists them): records are received oldest first, a
record whose visibility timeout ran out in its place among them; the wait passes on the
fake clock (it moves the clock to when a record becomes visible, or to the wait's end), as
a reader's waits do elsewhere in the fake; a receive from a queue that is not ACTIVE or
UPDATING finds nothing; a receive past the in-flight limit gets only records visible
again; a handle no longer valid fails its entry with ``InvalidArgumentException``, one
whose record outlived the stream's retention with ``ResourceNotFoundException`` (the one
other entry code the reference lists that is not a throttle or a failure) for 12 hours
after the record went, the longest visibility timeout (``OUTLIVED_KEPT``), then as one no
longer valid, and a second acknowledgement with the same handle succeeds, for as long
after its record went; the queue's id, its records' ids and the receipt handles are opaque
and the fake's own; a provisioned stream is refused
with ``ValidationException`` (the model's description of that error names "the stream's
capacity mode"); the wording of every refusal is the fake's, in the style of the
service's stream messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._arns import resource_arn
from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._ids import IdSource
from pytest_firehose._services.base import Answer
from pytest_firehose._services.codes import ENTRY_ERRORS
from pytest_firehose._services.kinesis.attached import Registry
from pytest_firehose._services.kinesis.streams import (
    KinesisStream,
    not_active,
)
from pytest_firehose._services.kinesis.tokens import (
    page_of,
)

if TYPE_CHECKING:
    from pytest_firehose._services.kinesis.queue_records import Delivery, Queue

DEFAULT_VISIBILITY_SECONDS = 30
DEFAULT_MAX_RECEIVES = 6
DEFAULT_WAIT_SECONDS = 9
DEFAULT_LIMIT = 10
DEFAULT_PAGE = 100
#: Queues of an account and region that may be CREATING or DELETING at once (DOC).
MAX_CHANGING = 5
#: The operations on a queue's records named by receipt handle: whether they take
#: dead-letter records, and what they do to each (a function of ``queue_records.py``,
#: which the first queue imports: most tests never make one).
ENTRY_ACTS: dict[str, tuple[bool, str]] = {
    "AcknowledgeQueueRecords": (False, "acknowledge"),
    "UpdateQueueRecordsVisibility": (False, "change_visibility"),
    "AcknowledgeDeadLetterQueueRecords": (True, "acknowledge"),
    "UpdateDeadLetterQueueRecordsVisibility": (True, "change_visibility"),
    "RestoreDeadLetterQueueRecords": (True, "restore"),
}


class Queues:
    """The queue operations of ``KinesisService``, and the queues it holds."""

    account_id: str
    region: str
    clock: FakeClock
    ids: IdSource
    creation_delay: timedelta
    update_delay: timedelta
    _stream_by_arn: Callable[[str], KinesisStream]
    check_new_tags: Callable[[str, dict[str, str], dict[str, str], str], None]
    consumer_room: Callable[[KinesisStream, int], None]
    #: The queues on this account's streams.
    queues: Registry[Queue]

    # ------------------------------------------------------------------ control plane

    def create_queue(self, params: dict[str, Any]) -> dict[str, Any]:
        configs = params["StreamConfigurationList"]
        if len(configs) != 1:
            raise ServiceError(
                "ValidationException",
                "StreamConfigurationList must contain exactly one entry: a queue delivers the "
                "records of a single data stream.",
            )
        config = configs[0]
        position = config.get("StartingPosition") or {"Type": "LATEST"}
        start_type, timestamp = position["Type"], position.get("Timestamp")
        if start_type == "AT_TIMESTAMP" and timestamp is None:
            raise ServiceError(
                "ValidationException",
                "StartingPosition.Timestamp is required when StartingPosition.Type is "
                "AT_TIMESTAMP.",
            )
        if start_type != "AT_TIMESTAMP" and timestamp is not None:
            raise ServiceError(
                "ValidationException",
                "StartingPosition.Timestamp may only be given when StartingPosition.Type is "
                "AT_TIMESTAMP.",
            )
        name = params["QueueName"]
        visibility, max_receives = self._attributes(params.get("QueueAttributes") or {}, None)
        stream = self._stream_by_arn(config["StreamARN"])
        if stream.status != "ACTIVE":
            raise not_active(stream.name, self.account_id, stream.status)
        if stream.mode != "ON_DEMAND":
            raise ServiceError(
                "ValidationException",
                f"Queues are supported only on on-demand streams; stream {stream.name} under "
                f"account {self.account_id} is in PROVISIONED mode.",
            )
        queues = self.queues.current()
        if any(queue.name == name for queue in queues.values()):
            raise ServiceError(
                "ResourceInUseException",
                f"Queue {name} under account {self.account_id} already exists.",
            )
        self.consumer_room(stream, len(self.queues.on(stream)))
        now = self.clock.now()
        changing = [q for q in queues.values() if q.status(now) in ("CREATING", "DELETING")]
        if len(changing) >= MAX_CHANGING:
            raise ServiceError(
                "LimitExceededException",
                f"Account {self.account_id} already has {MAX_CHANGING} queues in CREATING or "
                f"DELETING status in {self.region}, the most at one time.",
            )
        tags = dict(params.get("Tags") or {})
        self.check_new_tags(name, {}, tags, "queue")
        start, since = len(stream.rows), None
        if start_type != "LATEST":
            start = 0
            since = timestamp if start_type == "AT_TIMESTAMP" else None
        from pytest_firehose._services.kinesis.queue_records import Queue

        queue = Queue(
            name=name,
            arn=resource_arn(
                "kinesis", self.region, self.account_id, f"queue/{self.ids.digits(20)}"
            ),
            stream=stream,
            created_at=now,
            active_at=now + self.creation_delay,
            visibility=visibility,
            max_receives=max_receives,
            start_type=start_type,
            start_timestamp=timestamp,
            fresh=start,
            since=since,
            tags=tags,
            clock=self.clock,
        )
        queues[queue.arn] = queue
        # The answer says CREATING even when the queue is ACTIVE by the next request.
        return {"QueueDescription": queue.described(now, "CREATING")}

    def _attributes(
        self, attributes: dict[str, Any], queue: Queue | None
    ) -> tuple[int, int | None]:
        """The visibility timeout and receive limit ``attributes`` ask for, the queue's (or
        the defaults) where they say nothing."""
        visibility = attributes.get("VisibilityTimeoutSeconds")
        if visibility is None:
            visibility = queue.visibility if queue is not None else DEFAULT_VISIBILITY_SECONDS
        dead_letter = attributes.get("DeadLetterConfiguration")
        if dead_letter is None:
            return visibility, queue.max_receives if queue is not None else DEFAULT_MAX_RECEIVES
        count = dead_letter.get("MaxReceiveCount")
        if dead_letter["TargetType"] == "NONE":
            if count is not None:
                raise ServiceError(
                    "ValidationException",
                    "MaxReceiveCount may only be given when DeadLetterConfiguration.TargetType "
                    "is BUILT_IN.",
                )
            return visibility, None
        if count is None:
            raise ServiceError(
                "ValidationException",
                "MaxReceiveCount is required when DeadLetterConfiguration.TargetType is BUILT_IN.",
            )
        return visibility, count

    def describe_queue(self, params: dict[str, Any]) -> dict[str, Any]:
        queue = self.queues.get(params["QueueARN"])
        return {"QueueDescription": queue.described(self.clock.now())}

    def update_queue(self, params: dict[str, Any]) -> dict[str, Any]:
        queue = self.queues.active(params["QueueARN"], self.account_id)
        now = self.clock.now()
        visibility, max_receives = self._attributes(params["QueueAttributes"], queue)
        queue.sweep(now)
        if self.update_delay:
            queue.updating_until = now + self.update_delay
            queue.visibility_before = queue.visibility
        queue.visibility, queue.max_receives = visibility, max_receives
        return {"QueueDescription": queue.described(now, "UPDATING")}

    def delete_queue(self, params: dict[str, Any]) -> dict[str, Any]:
        queue = self.queues.get(params["QueueARN"])
        if queue.deleted_at is None:
            now = self.clock.now()
            queue.deleted_at, queue.gone_at = now, now + self.creation_delay
            queue.handles.clear()
        return {}

    def list_queues(self, params: dict[str, Any]) -> dict[str, Any]:
        now = self.clock.now()
        queues = self.queues.listed(params.get("StreamFilter"))
        size = params.get("MaxResults", DEFAULT_PAGE)
        page, following = page_of(queues, params.get("NextToken"), size, now)
        answer: dict[str, Any] = {"QueueSummaries": [queue.summary(now) for queue in page]}
        if following is not None:
            answer["NextToken"] = following
        return answer

    # ------------------------------------------------------------------ records

    def receive_queue_records(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._receive(params, dead=False)

    def receive_dead_letter_queue_records(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._receive(params, dead=True)

    def _receive(self, params: dict[str, Any], *, dead: bool) -> dict[str, Any]:
        queue = self.queues.get(params["QueueARN"])
        limit = params.get("Limit", DEFAULT_LIMIT)
        given = params.get("VisibilityTimeoutSeconds")
        ends = self.clock.now() + timedelta(
            seconds=params.get("WaitTimeSeconds", DEFAULT_WAIT_SECONDS)
        )
        while True:
            now = self.clock.now()
            queue.sweep(now)
            commits = queue.visible(now, limit, dead=dead) if queue.delivering(now) else []
            if commits:
                visibility = queue.receive_visibility(now) if given is None else given
                return {
                    "QueueRecords": [self._hand_out(queue, c, now, visibility) for c in commits]
                }
            due = None if queue.deleted_at is not None else queue.next_visible(now, dead=dead)
            until = ends if due is None or due > ends else due
            if until <= now:
                return {"QueueRecords": []}
            self.clock.advance(until - now)

    def _hand_out(
        self, queue: Queue, commit: int, now: datetime, visibility: int
    ) -> dict[str, Any]:
        """Receive the record at ``commit``: a new receipt handle, in flight for
        ``visibility`` seconds; the record as the answer shows it."""
        from pytest_firehose._services.kinesis.queue_records import Delivery, record_id

        handle = self.ids.opaque(96)
        delivery = queue.out.get(commit)
        if delivery is None:
            delivery = queue.out[commit] = Delivery(commit, 0, now, now, handle)
        else:
            queue.handles.pop(delivery.handle, None)
            delivery.handle = handle
        if not delivery.dead:
            delivery.receives += 1
        delivery.visible_at = now + timedelta(seconds=visibility)
        queue.handles[handle] = commit
        payload, partition_key, lane, *_ = queue.stream.rows[commit]
        record: dict[str, Any] = {
            "ReceiptHandle": handle,
            "RecordId": record_id(queue.stream, commit),
            "Data": payload,
            "ApproximateArrivalTimestamp": lane[2],
            "FirstReceiveTimestamp": delivery.first_received,
            "ReceiveCount": delivery.receives,
        }
        if partition_key:
            record["PartitionKey"] = partition_key
        return record

    def queue_entries(
        self, operation: str, params: dict[str, Any], failures: Mapping[int, str]
    ) -> Answer:
        """One of ``ENTRY_ACTS``' operations: its act on each entry's record. The answer
        lists each entry as done or failed, with its own code and message; ``failures``
        (0-based index -> code, a scripted fault's) fail those entries, which act on
        nothing. The answer's ``failed`` holds the failed entries' positions."""
        from pytest_firehose._services.kinesis import queue_records

        dead, act_name = ENTRY_ACTS[operation]
        act: Callable[[Queue, Delivery, dict[str, Any], datetime], None]
        act = getattr(queue_records, act_name)
        queue = self.queues.get(params["QueueARN"])
        now = self.clock.now()
        queue.sweep(now)
        done: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        positions: list[int] = []
        for index, entry in enumerate(params["Entries"]):
            handle = entry["ReceiptHandle"]
            code = failures.get(index)
            message = ENTRY_ERRORS.get(code or "")
            if code is None and not (act_name == "acknowledge" and handle in queue.acknowledged):
                refused = queue_records.problem(queue, handle, dead=dead, now=now, act=act)
                if refused is None:
                    act(queue, queue.out[queue.handles[handle]], entry, now)
                else:
                    code, message = refused
            if code is None:
                done.append({"ReceiptHandle": handle})
            else:
                positions.append(index)
                failed.append({"ReceiptHandle": handle, "ErrorCode": code, "ErrorMessage": message})
        return Answer({"Successful": done, "Failed": failed}, tuple(positions))
