"""Enhanced fan-out consumers of Kinesis streams: RegisterStreamConsumer,
DescribeStreamConsumer, ListStreamConsumers and DeregisterStreamConsumer, with their
statuses on the fake clock. A mixin of ``KinesisService``.

Facts used here:

* A consumer's ARN is its stream's ARN, ``/consumer/``, its name, ``:`` and its creation
  time in epoch seconds; RegisterStreamConsumer answers ``CREATING`` (REAL, the AWS CLI's
  examples). ListStreamConsumers lists ``ConsumerName``, ``ConsumerARN``,
  ``ConsumerStatus`` and ``ConsumerCreationTimestamp``; DescribeStreamConsumer adds
  ``StreamARN`` (REAL, LocalStack's AWS-validated snapshot).
* A stream takes at most 20 consumers (50 for an on-demand stream with On-demand
  Advantage), its queues counted among them (queues.py), and at most 5 may be CREATING at
  once, past which registering is refused with ``LimitExceededException`` (DOC, the API
  reference).
* ListStreamConsumers answers at most ``MaxResults`` (100 by default, and never more than
  100: DOC) and its NextToken expires after 300 seconds (DOC); a NextToken is refused
  beside a StreamCreationTimestamp (DOC), in ListShards' captured words for it.
* DeleteStream refuses a stream with consumers unless ``EnforceConsumerDeletion`` is true
  (REAL message, AWS_SEMANTICS.md section 10).
* A consumer that is not ACTIVE: ``Consumer NAME with creation timestamp SECONDS under
  stream S and account A is not in ACTIVE status.`` (REAL, a CloudFormation report).
* A consumer ARN that names no consumer: ``Consumer NAME with creation timestamp SECONDS
  under stream: STREAM, account A not found.`` (REAL, SubscribeToShard's answer in
  awslabs/amazon-kinesis-connector-flink#44; the other lookups by ARN answer alike).

Choices (INFERRED; docs/kinesis.md lists them): a consumer is CREATING, and once
deregistered DELETING, for the world's ``creation_delay`` (so, with none, ACTIVE and gone
by the next request); the messages of a consumer named by stream and name that is missing,
of a name already registered and of the limits follow the service's stream messages;
``StreamCreationTimestamp`` names the stream's incarnation to the second, and one that does
not match is a stream not found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_firehose._clock import FakeClock, reached
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.account import Commitment
from pytest_firehose._services.kinesis.attached import Registry
from pytest_firehose._services.kinesis.streams import (
    KinesisStream,
)
from pytest_firehose._services.kinesis.tokens import (
    check_fresh,
    invalid_token,
    next_token,
    read_token,
    refuse_beside_token,
    token_index,
)

if TYPE_CHECKING:
    from pytest_firehose._services.kinesis.queue_records import Queue

MAX_CONSUMERS = 20
#: The limit of an on-demand stream in an account with On-demand Advantage (DOC), which
#: the fake takes to be an enabled minimum throughput billing commitment (account.py).
MAX_CONSUMERS_ADVANTAGE = 50
MAX_CREATING = 5
DEFAULT_PAGE = 100

_CONSUMER_ARN = re.compile(r"^(?P<stream>arn:[^:]+:kinesis:[^:]*:\d{12}:stream/[^/]+)/consumer/")
#: A consumer's ARN in its parts: its stream's name, its name and its creation second.
_CONSUMER_PARTS = re.compile(
    r"^arn:[^:]+:kinesis:[^:]*:\d{12}:stream/(?P<stream>[^/]+)/consumer/"
    r"(?P<consumer>[^:/]+):(?P<created>\d+)$"
)


@dataclass(frozen=True)
class ConsumerState:
    """A consumer as a test sees it at one moment."""

    name: str
    arn: str
    status: str
    created_at: datetime
    tags: dict[str, str]


@dataclass
class Consumer:
    """One registered consumer of a stream, from its registration until it is gone."""

    name: str
    arn: str
    stream_arn: str
    stream_name: str
    created_at: datetime
    #: When CREATING ends (ACTIVE from then on).
    active_at: datetime
    tags: dict[str, str] = field(default_factory=dict)
    #: When DeregisterStreamConsumer was called, and when the consumer is gone.
    deregistered_at: datetime | None = None
    gone_at: datetime | None = None
    #: The ``incarnation`` of its stream: a stream created since under the name is not its.
    stream_incarnation: int = 0
    #: The clock: a consumer ACTIVE by the latest time it showed stays ACTIVE when a time
    #: freezer moves it back.
    clock: FakeClock | None = field(default=None, repr=False, compare=False)

    def status(self, now: datetime) -> str:
        if self.deregistered_at is not None:
            return "DELETING"
        return "ACTIVE" if reached(now, self.clock) >= self.active_at else "CREATING"

    def state(self, now: datetime) -> ConsumerState:
        status = self.status(now)
        return ConsumerState(self.name, self.arn, status, self.created_at, dict(self.tags))

    def listed(self, now: datetime) -> dict[str, Any]:
        """The consumer as ListStreamConsumers and RegisterStreamConsumer show it."""
        return {
            "ConsumerName": self.name,
            "ConsumerARN": self.arn,
            "ConsumerStatus": self.status(now),
            "ConsumerCreationTimestamp": self.created_at,
        }

    def described(self, now: datetime) -> dict[str, Any]:
        """The consumer as DescribeStreamConsumer shows it."""
        return {**self.listed(now), "StreamARN": self.stream_arn}

    def __repr__(self) -> str:
        return f"<Consumer {self.name!r} of {self.stream_name!r}, created {self.created_at}>"


def consumer_arn(stream_arn: str, name: str, created_at: datetime) -> str:
    return f"{stream_arn}/consumer/{name}:{int(created_at.timestamp())}"


class Consumers:
    """The four consumer operations of ``KinesisService``, and the consumers it holds."""

    account_id: str
    clock: FakeClock
    creation_delay: timedelta
    streams: dict[str, KinesisStream]
    _not_found: Callable[[str], ServiceError]
    check_new_tags: Callable[[str, dict[str, str], dict[str, str], str], None]
    queues: Registry[Queue]
    commitment: Commitment
    _registered: list[Consumer]

    # ------------------------------------------------------------------ the registry

    def consumers_of(self, stream: KinesisStream) -> list[Consumer]:
        """The consumers registered with ``stream`` and not gone yet, oldest first (those of
        a deleted stream of the same name are gone with it)."""
        now = reached(self.clock.now(), self.clock)
        kept = [
            consumer
            for consumer in self._consumers()
            if (consumer.gone_at is None or consumer.gone_at > now)
            and self._stream_of(consumer) is not None
        ]
        self._registered = kept
        return [consumer for consumer in kept if consumer.stream_name == stream.name]

    def _consumers(self) -> list[Consumer]:
        try:
            return self._registered
        except AttributeError:
            self._registered = []
            return self._registered

    def _stream_of(self, consumer: Consumer) -> KinesisStream | None:
        stream = self.streams.get(consumer.stream_name)
        if stream is None or stream.incarnation != consumer.stream_incarnation:
            return None
        return stream

    def consumer_by_arn(self, arn: str) -> Consumer:
        """The consumer ``arn`` names, or the service's not-found error: for an ARN that
        reads as a consumer's, its name and creation time under its stream (REAL, the
        answer SubscribeToShard gave a deregistered consumer's ARN,
        awslabs/amazon-kinesis-connector-flink#44), else the ARN."""
        match = _CONSUMER_ARN.match(arn)
        stream = self._listed_stream(match["stream"]) if match else None
        found = [c for c in self.consumers_of(stream) if c.arn == arn] if stream else []
        if found:
            return found[0]
        parts = _CONSUMER_PARTS.match(arn)
        if parts is None:
            raise self._no_consumer(arn)
        raise ServiceError(
            "ResourceNotFoundException",
            f"Consumer {parts['consumer']} with creation timestamp {parts['created']} under "
            f"stream: {parts['stream']}, account {self.account_id} not found.",
        )

    def _no_consumer(self, which: str) -> ServiceError:
        return ServiceError(
            "ResourceNotFoundException",
            f"Consumer {which} under account {self.account_id} not found.",
        )

    def _listed_stream(self, arn: str) -> KinesisStream | None:
        name = arn.partition(":stream/")[2]
        stream = self.streams.get(name)
        return stream if stream is not None and stream.arn == arn else None

    def _stream_by_arn(self, arn: str) -> KinesisStream:
        stream = self._listed_stream(arn)
        if stream is None:
            raise self._not_found(arn.partition(":stream/")[2] or arn)
        return stream

    def _named(self, params: dict[str, Any]) -> Consumer:
        """The consumer a request names: by ConsumerARN, or by StreamARN and ConsumerName."""
        arn = params.get("ConsumerARN")
        stream_arn, name = params.get("StreamARN"), params.get("ConsumerName")
        if arn is None and (stream_arn is None or name is None):
            raise ServiceError(
                "InvalidArgumentException",
                "Either ConsumerARN or both StreamARN and ConsumerName should be provided.",
            )
        if arn is not None:
            consumer = self.consumer_by_arn(arn)
            if stream_arn is not None and consumer.stream_arn != stream_arn:
                raise self._no_consumer(arn)
            if name is not None and consumer.name != name:
                raise self._no_consumer(arn)
            return consumer
        stream = self._stream_by_arn(str(stream_arn))
        for consumer in self.consumers_of(stream):
            if consumer.name == name:
                return consumer
        raise self._no_consumer(f"{name} under stream {stream.name}")

    @staticmethod
    def consumer_context(params: dict[str, Any]) -> dict[str, str]:
        """What a scripted error about a consumer may name: the ConsumerARN a request
        names and the consumer's name in it (empty when it names none)."""
        arn = params.get("ConsumerARN")
        arn = arn if isinstance(arn, str) else ""
        name = arn.partition("/consumer/")[2].rpartition(":")[0]
        return {"consumer_arn": arn, "consumer": name}

    def check_no_consumers(self, stream: KinesisStream, enforced: bool) -> None:
        """DeleteStream refuses a stream with consumers unless ``EnforceConsumerDeletion``
        (REAL message, AWS_SEMANTICS.md section 10); with it they go with the stream."""
        if enforced or not self.consumers_of(stream):
            return
        raise ServiceError(
            "ResourceInUseException",
            f"DeleteStream can't delete {stream.arn} because there are consumers associated "
            f"with this data stream. To delete {stream.name} anyway, set the "
            "EnforceConsumerDeletion parameter to true to force the deletion of all the "
            "consumers that are associated with it.",
        )

    # ------------------------------------------------------------------ operations

    def register_stream_consumer(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream_by_arn(params["StreamARN"])
        name = params["ConsumerName"]
        now = self.clock.now()
        held = self.consumers_of(stream)
        if any(consumer.name == name for consumer in held):
            raise ServiceError(
                "ResourceInUseException",
                f"Consumer {name} under stream {stream.name} and account {self.account_id} "
                "already exists.",
            )
        self.consumer_room(stream, len(self.queues.on(stream)))
        self._check_creating(stream, held, now)
        tags = dict(params.get("Tags") or {})
        self.check_new_tags(name, {}, tags, "consumer")
        consumer = Consumer(
            name,
            consumer_arn(stream.arn, name, now),
            stream.arn,
            stream.name,
            now,
            active_at=now + self.creation_delay,
            tags=tags,
            stream_incarnation=stream.incarnation,
            clock=self.clock,
        )
        self._consumers().append(consumer)
        # The answer says CREATING even when the consumer is ACTIVE by the next request.
        return {"Consumer": {**consumer.listed(now), "ConsumerStatus": "CREATING"}}

    def consumer_room(self, stream: KinesisStream, queues: int) -> None:
        """Refuse one more registered consumer of ``stream``, which has ``queues`` queues:
        its enhanced fan-out consumers and its queues share one limit (DOC)."""
        advantage = stream.mode == "ON_DEMAND" and self.commitment.enabled
        limit = MAX_CONSUMERS_ADVANTAGE if advantage else MAX_CONSUMERS
        if len(self.consumers_of(stream)) + queues >= limit:
            raise ServiceError(
                "LimitExceededException",
                f"Stream {stream.name} under account {self.account_id} already has "
                f"{limit} registered consumers, the most a stream may have "
                "(queues count as registered consumers).",
            )

    def _check_creating(self, stream: KinesisStream, held: list[Consumer], now: datetime) -> None:
        creating = [c for c in held if c.status(now) == "CREATING"]
        if len(creating) >= MAX_CREATING:
            raise ServiceError(
                "LimitExceededException",
                f"Stream {stream.name} under account {self.account_id} already has "
                f"{MAX_CREATING} consumers in CREATING status, the most at one time.",
            )

    def describe_stream_consumer(self, params: dict[str, Any]) -> dict[str, Any]:
        consumer = self._named(params)
        return {"ConsumerDescription": consumer.described(self.clock.now())}

    def deregister_stream_consumer(self, params: dict[str, Any]) -> dict[str, Any]:
        consumer = self._named(params)
        now = self.clock.now()
        if consumer.deregistered_at is None:
            consumer.deregistered_at = now
            consumer.gone_at = now + self.creation_delay
        return {}

    def deregister_all(self, stream: KinesisStream, gone_at: datetime) -> None:
        """``stream``'s consumers are DELETING with it, and gone when it is (DeleteStream
        with ``EnforceConsumerDeletion`` while the stream takes time to go)."""
        now = self.clock.now()
        for consumer in self.consumers_of(stream):
            if consumer.deregistered_at is None:
                consumer.deregistered_at = now
            consumer.gone_at = min(consumer.gone_at or gone_at, gone_at)

    def list_stream_consumers(self, params: dict[str, Any]) -> dict[str, Any]:
        refuse_beside_token(params, ("StreamCreationTimestamp",))
        stream = self._stream_by_arn(params["StreamARN"])
        if not stream.created_as(params.get("StreamCreationTimestamp")):
            raise self._not_found(stream.name)
        now = self.clock.now()
        consumers = self.consumers_of(stream)
        start = self._page_start(params.get("NextToken"), stream, now)
        size = min(params.get("MaxResults", DEFAULT_PAGE), DEFAULT_PAGE)
        page = consumers[start : start + size]
        answer: dict[str, Any] = {"Consumers": [c.listed(now) for c in page]}
        if start + size < len(consumers):
            answer["NextToken"] = next_token(
                stream.arn, str(start + size), now.isoformat(timespec="microseconds")
            )
        return answer

    def _page_start(self, token: str | None, stream: KinesisStream, now: datetime) -> int:
        if token is None:
            return 0
        arn, start, issued = read_token(token, 3)
        position = token_index(start)
        if arn != stream.arn:
            raise invalid_token()
        check_fresh(issued, now)
        return position
