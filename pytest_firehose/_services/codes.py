"""The error codes a fault may script, with the status and message the real service sends.

Messages are templates over ``{stream}``, ``{account}``, ``{region}``, ``{partition}``,
``{arn}``, ``{shard}`` and ``{service}``, which each service model's ``error_context`` supplies (and
Kinesis's ``{iterator_created}``, ``{now}``, ``{consumer}``, ``{consumer_arn}``, ``{queue}``
and ``{channel}``), and ``{operation}``; docs/fidelity.md says where each message comes from.
A message that names the stream has a ``streamless`` form, for a request that names none
(ListStreams, a queue's ARN). An operation that answers a code in words of its own has them
in ``OPERATION_ERRORS``. Which codes an operation may answer at all is the engine's
``fault_codes.py`` (its API model's errors, and ``COMMON_CODES``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorSpec:
    code: str
    status: int
    message: str | None
    #: The message for a request that names no stream (no ``names``), when ``message``
    #: names one.
    streamless: str | None = None
    #: What ``message`` names, which ``streamless`` does without: ``stream`` or ``arn``.
    names: str = "stream"

    def render(self, **context: str) -> str | None:
        if self.message is None:
            return None
        if self.streamless is not None and not context.get(self.names):
            return self.streamless.format(**context)
        return self.message.format(**context)


_ACCESS_DENIED = (
    "User: arn:{partition}:sts::{account}:assumed-role/test/session is not authorized to perform: "
    "{service}:{operation}{resource} because no identity-based policy allows the "
    "{service}:{operation} action"
)
_COMMON = [
    ErrorSpec(
        "AccessDeniedException",
        400,
        _ACCESS_DENIED.replace("{resource}", " on resource: {arn}"),
        # An action on no resource (ListStreams, ListDeliveryStreams): IAM names none.
        streamless=_ACCESS_DENIED.replace("{resource}", ""),
        names="arn",
    ),
    ErrorSpec("ThrottlingException", 400, "Rate exceeded"),
    ErrorSpec(
        "UnrecognizedClientException", 400, "The security token included in the request is invalid."
    ),
    ErrorSpec(
        "ExpiredTokenException", 400, "The security token included in the request is expired"
    ),
    ErrorSpec("InternalFailure", 500, "Internal service failure."),
    ErrorSpec("ServiceUnavailable", 503, "Service Unavailable"),
]

#: The errors AWS may answer to any operation of either service, beyond those its API model
#: lists: the API references' "Common Errors" (AccessDeniedException, InternalFailure,
#: ServiceUnavailable, ThrottlingException), the JSON front end's refusal of credentials
#: (UnrecognizedClientException, ExpiredTokenException: what a JSON service sends for the
#: page's InvalidClientTokenId and RequestExpired) and of a request that breaks the model's
#: constraints (ValidationException, the page's ValidationError; only an operation that
#: takes parameters has any to break). docs/fidelity.md lists them with their sources.
#: The common code only an operation that takes parameters can answer.
VALIDATION_CODE = "ValidationException"
COMMON_CODES = frozenset({*(spec.code for spec in _COMMON), VALIDATION_CODE})

#: Errors the operations' API models list today (botocore 1.44) that the models of older
#: botocore releases the fake supports lack (1.34.0): AWS answers them whatever release the
#: client has, so a fault may script them with any.
LISTED_SINCE: dict[tuple[str, str], frozenset[str]] = {
    ("firehose", "PutRecord"): frozenset({"InvalidSourceException"}),
    ("firehose", "PutRecordBatch"): frozenset({"InvalidSourceException"}),
    ("kinesis", "CreateStream"): frozenset({"ValidationException"}),
    ("kinesis", "DeleteResourcePolicy"): frozenset(
        {"InternalFailureException", "ValidationException"}
    ),
    ("kinesis", "GetRecords"): frozenset({"DryRunOperationException", "InternalFailureException"}),
    ("kinesis", "GetResourcePolicy"): frozenset(
        {"InternalFailureException", "ResourceInUseException", "ValidationException"}
    ),
    ("kinesis", "GetShardIterator"): frozenset(
        {"DryRunOperationException", "InternalFailureException"}
    ),
    ("kinesis", "PutRecord"): frozenset({"DryRunOperationException", "InternalFailureException"}),
    ("kinesis", "PutRecords"): frozenset({"DryRunOperationException", "InternalFailureException"}),
    ("kinesis", "PutResourcePolicy"): frozenset(
        {"InternalFailureException", "ValidationException"}
    ),
    ("kinesis", "SubscribeToShard"): frozenset({"DryRunOperationException"}),
    ("kinesis", "UpdateStreamMode"): frozenset({"ValidationException"}),
}


def _table(*specs: ErrorSpec) -> dict[str, ErrorSpec]:
    return {spec.code: spec for spec in (*_COMMON, *specs)}


#: Whole-call errors, per service.
CALL_ERRORS: dict[str, dict[str, ErrorSpec]] = {
    "firehose": _table(
        # HTTP 500 is what clients have observed for the throttle (the model says 503);
        # botocore retries both the same way in every retry mode.
        ErrorSpec("ServiceUnavailableException", 500, "Slow down."),
        ErrorSpec("InternalFailure", 500, "UnknownError"),
        ErrorSpec(
            "ResourceNotFoundException", 400, "Firehose {stream} under account {account} not found."
        ),
        ErrorSpec("InvalidArgumentException", 400, "Invalid argument."),
        ErrorSpec(
            "InvalidKMSResourceException", 400, "The KMS key used by {stream} is not accessible."
        ),
        ErrorSpec(
            "InvalidSourceException",
            400,
            "Put to Firehose failed for AccountId: {account}, FirehoseName: {stream} because "
            "the request is not originating from CloudWatch.",
        ),
        ErrorSpec(
            "ResourceInUseException", 400, "Firehose {stream} under account {account} is in use."
        ),
        ErrorSpec("LimitExceededException", 400, "Limit exceeded."),
        ErrorSpec(
            "ConcurrentModificationException", 400, "Firehose {stream} was modified concurrently."
        ),
        ErrorSpec("ValidationException", 400, "1 validation error detected."),
    ),
    "kinesis": _table(
        ErrorSpec(
            "ProvisionedThroughputExceededException",
            400,
            "Rate exceeded for shard {shard} in stream {stream} under account {account}.",
            streamless="Rate exceeded for account {account}.",
        ),
        ErrorSpec(
            "ResourceNotFoundException",
            400,
            "Stream {stream} under account {account} not found.",
            streamless="Requested resource not found under account {account}.",
        ),
        # The refusal of a reshard, or a mode switch, while the stream is UPDATING (MOCK,
        # kinesalite's AWS-validated text for a stream CREATING, with the state it names).
        ErrorSpec(
            "ResourceInUseException",
            400,
            "Stream {stream} under account {account} not ACTIVE, instead in state UPDATING",
            streamless="Requested resource under account {account} not ACTIVE, instead in state "
            "UPDATING",
        ),
        ErrorSpec("InvalidArgumentException", 400, "Invalid argument."),
        ErrorSpec(
            "LimitExceededException",
            400,
            "Rate exceeded for stream {stream} under account {account}.",
            # The fake's own control-plane rate, for a call that names no stream (quotas.py).
            streamless="Rate exceeded for account {account}.",
        ),
        ErrorSpec("KMSThrottlingException", 400, "Rate exceeded for KMS key."),
        ErrorSpec("KMSAccessDeniedException", 400, "Access denied to the stream's KMS key."),
        # The rest of the KMS errors of Kinesis' model, with its descriptions as messages,
        # and SubscribeToShard's InternalFailureException, which only its event stream
        # carries (the stream's members, as the SubscribeToShardEventStream shape lists).
        ErrorSpec(
            "KMSDisabledException",
            400,
            "The KMS key of stream {stream} is not enabled.",
            streamless="The request was rejected because the specified customer master key "
            "(CMK) isn't enabled.",
        ),
        ErrorSpec(
            "KMSInvalidStateException",
            400,
            "The state of the KMS key of stream {stream} is not valid for this request.",
            streamless="The request was rejected because the state of the specified resource "
            "isn't valid for this request.",
        ),
        ErrorSpec(
            "KMSNotFoundException",
            400,
            "The KMS key of stream {stream} was not found.",
            streamless="The request was rejected because the specified entity or resource "
            "can't be found.",
        ),
        ErrorSpec(
            "KMSOptInRequired", 400, "The AWS access key ID needs a subscription for the service."
        ),
        ErrorSpec("InternalFailureException", 500, "Internal service failure."),
        # MOCK (kinesalite, AWS-validated); a scripted one names a creation just over the
        # iterator's five minutes ago.
        ErrorSpec(
            "ExpiredIteratorException",
            400,
            "Iterator expired. The iterator was created at time {iterator_created} while "
            "right now it is {now} which is further in the future than the tolerated delay "
            "of 300000 milliseconds.",
        ),
        # Model description (the text AWS sends is not on record): a ListShards or
        # ListStreamConsumers NextToken older than 300 seconds (DOC).
        ErrorSpec(
            "ExpiredNextTokenException", 400, "The NextToken has expired; list again without it."
        ),
        ErrorSpec("ValidationException", 400, "1 validation error detected."),
    ),
}


def _attached_errors(kind: str, arn: str) -> dict[str, ErrorSpec]:
    """The not-found and in-use errors of the operations on a queue or a channel (``kind``),
    which name it by its ARN (the ``arn`` placeholder)."""
    return {
        "ResourceNotFoundException": ErrorSpec(
            "ResourceNotFoundException", 400, f"{kind} {arn} not found."
        ),
        "ResourceInUseException": ErrorSpec(
            "ResourceInUseException",
            400,
            f"{kind} {arn} under account {{account}} not ACTIVE, instead in state UPDATING",
        ),
    }


#: Whole-call errors an operation sends in words of its own, in place of its service's.
OPERATION_ERRORS: dict[tuple[str, str], dict[str, ErrorSpec]] = {
    # REAL (prowler-cloud/prowler#9124, 2025): ListTagsForDeliveryStream past its five calls
    # a second, as captured (the capture ends after "for"); TagDeliveryStream and
    # UntagDeliveryStream share its rate's sentence in the API reference, and its words here.
    **{
        ("firehose", operation): {
            "ThrottlingException": ErrorSpec(
                "ThrottlingException", 400, "Please slow down. Max limit of 5 RPS has breached for"
            )
        }
        for operation in (
            "ListTagsForDeliveryStream",
            "TagDeliveryStream",
            "UntagDeliveryStream",
        )
    },
    # REAL (awslabs/amazon-kinesis-client#1521, 2025; risingwavelabs/risingwave#7453,
    # 2023): a GetRecords past its shard's read rate. PutRecords' per-record words, and
    # GetRecords' before 2020, are the service's own (above).
    ("kinesis", "GetRecords"): {
        "ProvisionedThroughputExceededException": ErrorSpec(
            "ProvisionedThroughputExceededException",
            400,
            "Rate exceeded for Shard - {account}/{stream}/{shard}",
            streamless="Rate exceeded for account {account}.",
        )
    },
    ("kinesis", "SubscribeToShard"): {
        spec.code: spec
        for spec in (
            # REAL (amazon-kinesis-client#391): a second subscription within 5 seconds,
            # and the error event of a stream taken over (subscriptions.py).
            ErrorSpec(
                "ResourceInUseException",
                400,
                "Another active subscription exists for this consumer: "
                "{account}:{stream}:{shard}:{consumer}",
            ),
            # The fake's text for the rate of one call a second per consumer and shard
            # (quotas.py).
            ErrorSpec(
                "LimitExceededException",
                400,
                "Rate exceeded for consumer {consumer_arn} and shard {shard}.",
            ),
        )
    },
    # A queue's or a channel's operations name it by ARN, and the model refuses it in these
    # words (attached.py): not found, or not ACTIVE.
    **{
        ("kinesis", operation): _attached_errors(kind, "{" + kind.lower() + "}")
        for kind, operations in (
            (
                "Queue",
                (
                    "DescribeQueue",
                    "UpdateQueue",
                    "DeleteQueue",
                    "ReceiveQueueRecords",
                    "ReceiveDeadLetterQueueRecords",
                    "AcknowledgeQueueRecords",
                    "AcknowledgeDeadLetterQueueRecords",
                    "UpdateQueueRecordsVisibility",
                    "UpdateDeadLetterQueueRecordsVisibility",
                    "RestoreDeadLetterQueueRecords",
                ),
            ),
            ("Channel", ("DescribeChannel", "UpdateChannel", "DeleteChannel")),
        )
        for operation in operations
    },
}


def call_error(service: str, operation: str, code: str) -> ErrorSpec:
    """The status and message of a scripted whole-call ``code`` of ``operation``."""
    own = OPERATION_ERRORS.get((service, operation), {})
    return own.get(code) or CALL_ERRORS[service][code]


#: The code a whole-call ``throttle=`` answers with.
THROTTLE_CODE = {
    "firehose": "ServiceUnavailableException",
    "kinesis": "ProvisionedThroughputExceededException",
}
#: The codes a whole-call ``throttle=`` answers with, the first its operation can answer:
#: the throttle of the puts (and of Kinesis's reads), Kinesis's control-plane rate refusal,
#: then the common ``ThrottlingException`` (Firehose's control plane, Kinesis's queues).
THROTTLE_CODES = {
    service: (
        code,
        *(["LimitExceededException"] if service == "kinesis" else []),
        "ThrottlingException",
    )
    for service, code in THROTTLE_CODE.items()
}

#: Per-record error codes (ErrorCode, ErrorMessage template) inside a 200 answer.
RECORD_ERRORS: dict[str, dict[str, str]] = {
    "firehose": {
        "ServiceUnavailableException": "Slow down.",
        "InternalFailure": "Internal service failure.",
    },
    "kinesis": {
        "ProvisionedThroughputExceededException": (
            "Rate exceeded for shard {shard} in stream {stream} under account {account}."
        ),
        "InternalFailure": "Internal service failure.",
    },
}

#: Operations whose 200 answer reports each of their ``Entries`` (a queue's acknowledge,
#: visibility and restore calls, per service), and the codes a ``records=`` fault may fail
#: an entry with: the two the model's entry documentation lists that a retry cures.
ENTRY_OPERATIONS: dict[str, frozenset[str]] = {
    "firehose": frozenset(),
    "kinesis": frozenset(
        {
            "AcknowledgeQueueRecords",
            "UpdateQueueRecordsVisibility",
            "AcknowledgeDeadLetterQueueRecords",
            "UpdateDeadLetterQueueRecordsVisibility",
            "RestoreDeadLetterQueueRecords",
        }
    ),
}
ENTRY_ERRORS: dict[str, str] = {
    "ThrottlingException": "Rate exceeded",
    "InternalFailureException": "Internal service failure.",
}
ENTRY_THROTTLE = "ThrottlingException"

#: The batch put whose answer carries per-record results, and every put, per service.
BATCH_PUT = {"firehose": "PutRecordBatch", "kinesis": "PutRecords"}
PUTS = {"firehose": ("PutRecord", "PutRecordBatch"), "kinesis": ("PutRecord", "PutRecords")}
