"""Resource-based policies of Kinesis streams and registered consumers (PutResourcePolicy,
GetResourcePolicy, DeleteResourcePolicy). A mixin of ``KinesisService``.

The fake stores a policy and answers with it; it does not evaluate policies (no request is
refused for want of permission), as it checks no credentials.

Facts used here:

* A policy is a JSON string; GetResourcePolicy answers it as it was put, and ``{}`` for a
  stream without one; PutResourcePolicy replaces the whole policy; both put and delete
  answer an empty body; deleting a policy that is not there, and putting one on a stream
  that does not exist, are refused (REAL: LocalStack's AWS-validated
  ``test_resource_policy_crud`` snapshot, recorded 2025-08-01; the developer guide's
  "Updating an existing resource-based policy means replacing the existing one").
* The ARN names a stream (``...:stream/NAME``) or a registered consumer
  (``...:stream/NAME/consumer/CONSUMER:TIMESTAMP``), the API reference's two patterns.

* A consumer that is not ACTIVE refuses a policy with ``ResourceInUseException``
  ``Consumer NAME with creation timestamp T under stream S and account A is not in ACTIVE
  status.`` (REAL, through CloudFormation, cloudformation-coverage-roadmap#2442).

Choices (INFERRED; docs/kinesis.md lists them): an ARN naming nothing of this account and
region is ``ResourceNotFoundException`` with the stream's (or the consumer's) not-found
text; deleting a policy that is not there is ``ResourceNotFoundException``
``No resource policy found for resource ARN ARN.``; a policy that is not a JSON object
with a ``Statement`` of statements, each with ``Effect`` ``Allow`` or ``Deny``, an
``Action`` (or ``NotAction``) and a ``Principal`` (or ``NotPrincipal``), is refused with
``InvalidArgumentException`` naming what is wrong (the developer guide: a policy "must
include the identity of the principal and the actions allowed"); a stream that is
CREATING or DELETING refuses puts and deletes with the usual not-ACTIVE message. A
stream's policy goes with the stream.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from pytest_firehose._clock import FakeClock
from pytest_firehose._errors import ServiceError
from pytest_firehose._services.kinesis.consumers import Consumer
from pytest_firehose._services.kinesis.streams import KinesisStream, not_active

#: A consumer ARN: the stream's ARN, ``/consumer/``, the consumer's name and creation time
#: (the API reference's consumer pattern).
_CONSUMER_ARN = re.compile(
    r"(?P<stream>arn:aws[^:]*:kinesis:[^:]*:\d{12}:stream/[a-zA-Z0-9_.-]+)"
    r"/consumer/[a-zA-Z0-9_.-]+:[0-9]+"
)
_EFFECTS = ("Allow", "Deny")


def _invalid(reason: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", f"Invalid policy document: {reason}")


def _statements(document: object) -> list[object]:
    if not isinstance(document, dict):
        raise _invalid("the policy must be a JSON object.")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        return [statements]
    if not isinstance(statements, list) or not statements:
        raise _invalid("the policy must have a Statement.")
    return statements


def check_policy(text: str) -> None:
    """Refuse a policy that is not a resource policy's JSON, naming what is wrong."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise _invalid("the policy is not valid JSON.") from None
    for number, statement in enumerate(_statements(document), 1):
        if not isinstance(statement, dict):
            raise _invalid(f"statement {number} is not a JSON object.")
        if statement.get("Effect") not in _EFFECTS:
            raise _invalid(f"statement {number} must have an Effect of Allow or Deny.")
        if "Action" not in statement and "NotAction" not in statement:
            raise _invalid(f"statement {number} must have an Action.")
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise _invalid(f"statement {number} must have a Principal.")


class Policies:
    """The three resource-policy operations of ``KinesisService``."""

    account_id: str
    clock: FakeClock
    streams: dict[str, KinesisStream]
    consumer_policies: dict[str, str]
    _not_found: Callable[[str], ServiceError]
    consumer_by_arn: Callable[[str], Consumer]

    def _policy_stream(self, arn: str, *, changing: bool = True) -> KinesisStream:
        """The stream ``arn`` names (for a consumer ARN, the consumer's stream), refusing
        an ARN that names nothing here, and a consumer not ACTIVE when ``changing``."""
        consumer = _CONSUMER_ARN.fullmatch(arn)
        stream_arn = consumer.group("stream") if consumer else arn
        name = stream_arn.partition(":stream/")[2]
        stream = self.streams.get(name)
        if stream is None or stream.arn != stream_arn:
            raise self._not_found(name or arn)
        if consumer:
            found = self.consumer_by_arn(arn)
            if changing:
                self._active_consumer(found, stream)
        return stream

    def _active_consumer(self, consumer: Consumer, stream: KinesisStream) -> None:
        """A consumer takes a policy once ACTIVE (REAL message, seen through CloudFormation:
        cloudformation-coverage-roadmap#2442; its timestamp's form is INFERRED: the epoch
        seconds of the consumer's ARN)."""
        if consumer.status(self.clock.now()) != "ACTIVE":
            raise ServiceError(
                "ResourceInUseException",
                f"Consumer {consumer.name} with creation timestamp "
                f"{int(consumer.created_at.timestamp())} under stream {stream.name} and "
                f"account {self.account_id} is not in ACTIVE status.",
            )

    def _changeable(self, stream: KinesisStream) -> None:
        if stream.status in ("CREATING", "DELETING"):
            raise not_active(stream.name, self.account_id, stream.status)

    def put_resource_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["ResourceARN"]
        stream = self._policy_stream(arn)
        self._changeable(stream)
        check_policy(params["Policy"])
        if arn == stream.arn:
            stream.policy = params["Policy"]
        else:
            self.consumer_policies[arn] = params["Policy"]
        return {}

    def get_resource_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["ResourceARN"]
        stream = self._policy_stream(arn, changing=False)
        held = stream.policy if arn == stream.arn else self.consumer_policies.get(arn)
        return {"Policy": "{}" if held is None else held}

    def delete_resource_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = params["ResourceARN"]
        stream = self._policy_stream(arn)
        self._changeable(stream)
        held = stream.policy if arn == stream.arn else self.consumer_policies.get(arn)
        if held is None:
            raise ServiceError(
                "ResourceNotFoundException", f"No resource policy found for resource ARN {arn}."
            )
        if arn == stream.arn:
            stream.policy = None
        else:
            del self.consumer_policies[arn]
        return {}
