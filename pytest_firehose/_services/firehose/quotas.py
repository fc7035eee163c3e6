"""Direct PUT throughput quotas of a delivery stream on the fake clock: off unless a test turns
them on (``firehose.enforce_quotas()``).

Facts used here (DOC: the developer guide's "Amazon Data Firehose Quota"; REAL: answers
captured from AWS, as AWS_SEMANTICS records them):

* Each DirectPut stream takes, PutRecord and PutRecordBatch combined, 2,000 requests,
  500,000 records and 5 MiB a second in US East (N. Virginia), US West (Oregon) and Europe
  (Ireland), and 1,000 requests, 100,000 records and 1 MiB a second in the other regions
  (DOC). A stream reading a Kinesis stream has no such quota (DOC).
* Over it, a call is refused whole with ``ServiceUnavailableException`` ``Slow down.``
  (HTTP 500, REAL), and a PutRecordBatch answers 200 with the records past the quota failed
  inside it, ``ServiceUnavailableException`` ``Slow down.`` (REAL: 450 of 500 records, and
  500 of 500).

Choices (INFERRED; docs/fidelity.md lists them): usage is counted per second of the fake
clock, as Kinesis's write quota is; a call over the request rate is refused whole, and uses
no quota; a PutRecord whose record is over the record or byte rate is refused whole too; a
PutRecordBatch's records are taken in order while they fit, and those that do not fit fail
in the answer (so do the rest of them: Firehose takes no record out of order).

The control plane's rates are enforced under the same switch (:class:`ControlRates`):

* CreateDeliveryStream, DeleteDeliveryStream, DescribeDeliveryStream, ListDeliveryStreams,
  UpdateDestination, TagDeliveryStream, UntagDeliveryStream, ListTagsForDeliveryStream,
  StartDeliveryStreamEncryption and StopDeliveryStreamEncryption each take five calls a
  second (DOC: the developer guide's quota page; the API reference says it of the three tag
  operations, "per account").
* Past it: ``ThrottlingException``, HTTP 400, a code the API model does not list. REAL:
  ``Rate exceeded`` for DescribeDeliveryStream (hashicorp/terraform-provider-aws#26197,
  2022), ``Please slow down. Max limit of 5 RPS has breached for`` for
  ListTagsForDeliveryStream (prowler-cloud/prowler#9124, 2025; the capture ends there).

Choices (INFERRED): each operation is counted on its own, per account and region and second
of the fake clock, whatever stream it names; a refused call is not counted; TagDeliveryStream
and UntagDeliveryStream answer in ListTagsForDeliveryStream's words (the API reference gives
the three one sentence), the other operations in DescribeDeliveryStream's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pytest_firehose._errors import ServiceError
from pytest_firehose._payload import Payload, payload_len
from pytest_firehose._services.base import CallRates
from pytest_firehose._services.codes import CALL_ERRORS, call_error

#: The regions with the larger quota (DOC).
LARGE_QUOTA_REGIONS = frozenset({"us-east-1", "us-west-2", "eu-west-1"})
MIB = 1024 * 1024
THROTTLED = "ServiceUnavailableException"
#: The code of a control-plane call past its rate (REAL; not in the API model).
CONTROL_THROTTLED = "ThrottlingException"
#: Calls a second each control-plane operation takes, per account and region (DOC).
CONTROL_RATES = dict.fromkeys(
    (
        "CreateDeliveryStream",
        "DeleteDeliveryStream",
        "DescribeDeliveryStream",
        "ListDeliveryStreams",
        "UpdateDestination",
        "TagDeliveryStream",
        "UntagDeliveryStream",
        "ListTagsForDeliveryStream",
        "StartDeliveryStreamEncryption",
        "StopDeliveryStreamEncryption",
    ),
    5,
)


@dataclass(frozen=True)
class Limits:
    """What a stream takes a second."""

    requests: int
    records: int
    bytes: int


LARGE = Limits(requests=2_000, records=500_000, bytes=5 * MIB)
SMALL = Limits(requests=1_000, records=100_000, bytes=1 * MIB)


def limits_in(region: str) -> Limits:
    return LARGE if region in LARGE_QUOTA_REGIONS else SMALL


def slow_down() -> ServiceError:
    """The whole-call refusal of a put over the quota."""
    spec = CALL_ERRORS["firehose"][THROTTLED]
    return ServiceError(THROTTLED, spec.message, spec.status)


class PutQuota:
    """One stream's use of its quota in the current second of the fake clock."""

    __slots__ = ("_bytes", "_limits", "_records", "_requests", "_second")

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._second = -1
        self._requests = self._records = self._bytes = 0

    def _now(self, now: datetime) -> None:
        second = int(now.timestamp())
        if second != self._second:
            self._second, self._requests, self._records, self._bytes = second, 0, 0, 0

    def take_request(self, now: datetime) -> None:
        """Count a put request, or raise ``Slow down.`` when the second has no room."""
        self._now(now)
        if self._requests >= self._limits.requests:
            raise slow_down()
        self._requests += 1

    def fits(self, payload: Payload) -> bool:
        """Whether the second has room for this record; counts it when it has."""
        size = payload_len(payload)
        if self._records >= self._limits.records or self._bytes + size > self._limits.bytes:
            return False
        self._records += 1
        self._bytes += size
        return True

    def give_back_request(self) -> None:
        """Uncount the request just counted: it was refused whole."""
        self._requests -= 1


class ControlRates:
    """The account's use of the control plane's rates in the current second of the fake
    clock, in one region."""

    __slots__ = ("_calls",)

    def __init__(self) -> None:
        self._calls = CallRates()

    def take(self, operation: str, now: datetime) -> None:
        """Count a call of ``operation``, or refuse it when its rate has no room left in
        this second (operations without a rate, such as the puts, are not counted)."""
        limit = CONTROL_RATES.get(operation)
        if limit is None or self._calls.take((operation,), limit, now):
            return
        spec = call_error("firehose", operation, CONTROL_THROTTLED)
        raise ServiceError(spec.code, spec.render(), spec.status)
