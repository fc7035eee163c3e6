"""A Kinesis event source mapping changed after it was made, as UpdateEventSourceMapping and
DeleteEventSourceMapping change one: paused and resumed from its checkpoint, retuned for
the next batch, removed (docs/lambda.md; docs/fidelity.md)."""

from __future__ import annotations

import json
import warnings
from datetime import timedelta
from typing import Any

import boto3
import pytest
from lambda_support import accept_all, batches, put, put_keyed
from moto import mock_aws

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError

REGION = "us-east-1"
ACCOUNT = "123456789012"


def test_a_mapping_created_disabled_invokes_nothing_until_enabled(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, Enabled=False)
    put(b"a", b"b")

    trigger.drain()
    assert trigger.invocations == []
    assert trigger.state == "Disabled"

    trigger.update(Enabled=True)
    trigger.drain()

    assert trigger.state == "Enabled"
    assert batches(trigger) == [[b"a", b"b"]]


def test_a_paused_mapping_resumes_from_its_checkpoint(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all)
    put(b"a")
    trigger.drain()

    trigger.update(Enabled=False)
    put(b"b", b"c")
    trigger.drain()
    assert batches(trigger) == [[b"a"]]

    trigger.update(Enabled=True)
    trigger.drain()

    assert batches(trigger) == [[b"a"], [b"b", b"c"]]


def test_records_trimmed_while_the_mapping_was_paused_are_never_invoked(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, Enabled=False)
    put(b"old")
    fake.kinesis.clock.advance(hours=24, seconds=1)
    put(b"new")

    trigger.update(Enabled=True)
    trigger.drain()

    assert batches(trigger) == [[b"new"]]
    assert [record.data for record in trigger.expired] == [b"old"]


def test_latest_of_a_mapping_created_disabled_is_where_it_is_enabled(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, StartingPosition="LATEST", Enabled=False)
    put(b"before")

    trigger.update(Enabled=True)
    put(b"after")
    trigger.drain()

    assert batches(trigger) == [[b"after"]]


def test_a_paused_latest_mapping_resumes_from_its_checkpoint(fake: FirehoseFake) -> None:
    # LATEST is where the mapping first polls; enabled again, it reads what came meanwhile.
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, StartingPosition="LATEST")
    put(b"a")
    trigger.drain()

    trigger.update(Enabled=False)
    put(b"b")
    trigger.update(Enabled=True)
    trigger.drain()

    assert batches(trigger) == [[b"a"], [b"b"]]


def test_a_mapping_enabled_again_retries_a_failing_batch_as_any(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")

    def fails(event: dict[str, Any], context: Any) -> None:
        raise ValueError("cannot process")

    trigger = stream.lambda_trigger(fails, MaximumRetryAttempts=1, Enabled=False)
    put(b"a")
    trigger.update(Enabled=True)

    trigger.drain()

    first, retry = trigger.invocations
    assert retry.at - first.at == timedelta(seconds=1)
    [record] = trigger.failures
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2


def test_a_handler_that_disables_its_mapping_is_not_invoked_again(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> None:
        trigger.update(Enabled=False)

    trigger = stream.lambda_trigger(handler, BatchSize=1)
    put(b"a", b"b", b"c")

    trigger.drain()
    assert batches(trigger) == [[b"a"]]

    trigger.update(Enabled=True)
    trigger.drain()
    assert batches(trigger) == [[b"a"], [b"b"]]


@pytest.mark.parametrize("change", ["disable", "delete"])
def test_a_handler_that_stops_its_mapping_leaves_the_other_shards_unread(
    fake: FirehoseFake, change: str
) -> None:
    stream = fake.kinesis.create_stream("s", shard_count=2)

    def handler(event: dict[str, Any], context: Any) -> None:
        if change == "disable":
            trigger.update(Enabled=False)
        else:
            trigger.delete()

    trigger = stream.lambda_trigger(handler)
    put_keyed(*[(key, key.encode()) for key in "abcdefgh"])
    assert len({record.shard_id for record in stream.records}) == 2

    trigger.drain()

    assert len(trigger.invocations) == 1


def test_a_new_batch_size_applies_to_the_next_batch(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, BatchSize=3)
    put(b"a", b"b", b"c")
    trigger.drain()

    trigger.update(BatchSize=1)
    put(b"d", b"e")
    trigger.drain()

    assert batches(trigger) == [[b"a", b"b", b"c"], [b"d"], [b"e"]]


def test_a_batch_being_retried_keeps_its_records_after_a_resize(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    calls: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            trigger.update(BatchSize=1)
            raise ValueError("cannot process")

    trigger = stream.lambda_trigger(handler, BatchSize=2)
    put(b"a", b"b", b"c", b"d")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"b"], [b"a", b"b"], [b"c"], [b"d"]]


def test_a_failed_batch_is_read_again_from_the_checkpoint_when_enabled(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> None:
        if len(trigger.invocations) == 0:
            trigger.update(Enabled=False, BatchSize=3)
            raise ValueError("cannot process")

    trigger = stream.lambda_trigger(handler, BatchSize=2)
    put(b"a", b"b", b"c")
    trigger.drain()
    assert batches(trigger) == [[b"a", b"b"]]

    trigger.update(Enabled=True)
    trigger.drain()

    assert batches(trigger) == [[b"a", b"b"], [b"a", b"b", b"c"]]


def test_a_partly_failed_batch_is_read_again_from_the_reported_record_when_enabled(
    fake: FirehoseFake,
) -> None:
    # The records before the one the function reported are checkpointed: enabled again,
    # the mapping reads from the reported record on.
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> Any:
        if len(trigger.invocations) == 0:
            trigger.update(Enabled=False)
            failed = event["Records"][2]["kinesis"]["sequenceNumber"]
            return {"batchItemFailures": [{"itemIdentifier": failed}]}
        return None

    trigger = stream.lambda_trigger(handler, FunctionResponseTypes=["ReportBatchItemFailures"])
    put(b"a", b"b", b"c", b"d")
    trigger.drain()
    assert batches(trigger) == [[b"a", b"b", b"c", b"d"]]

    trigger.update(Enabled=True)
    trigger.drain()

    assert batches(trigger) == [[b"a", b"b", b"c", b"d"], [b"c", b"d"]]


def test_a_batching_window_set_by_an_update_gathers_records(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all)
    trigger.update(MaximumBatchingWindowInSeconds=5)

    put(b"a")
    fake.kinesis.clock.advance(seconds=2)
    put(b"b")
    trigger.drain()

    assert batches(trigger) == [[b"a", b"b"]]


def test_new_retry_limits_apply_to_the_batch_being_retried(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> None:
        if len(trigger.invocations) == 2:
            trigger.update(MaximumRetryAttempts=2)
        raise ValueError("cannot process")

    trigger = stream.lambda_trigger(handler)
    put(b"a")

    trigger.drain()

    assert len(trigger.invocations) == 3
    [record] = trigger.failures
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_filter_criteria_set_by_an_update_keep_records_back(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all)
    trigger.update(FilterCriteria={"Filters": [{"Pattern": '{"data": {"keep": [true]}}'}]})

    put(b'{"keep": true}', b'{"keep": false}')
    trigger.drain()

    assert batches(trigger) == [[b'{"keep": true}']]
    assert [record.data for record in trigger.filtered] == [b'{"keep": false}']


def _keeping(*values: int) -> dict[str, Any]:
    return {"Filters": [{"Pattern": json.dumps({"data": {"n": list(values)}})}]}


@pytest.mark.parametrize(
    ("before", "after", "invoked", "kept_back"),
    [
        # Let through when read, kept back by the update before their batch: listed.
        ((1, 2, 3), (1,), [b'{"n": 1}'], [b'{"n": 2}', b'{"n": 3}']),
        # Kept back when read, let through by the update: invoked, and listed no more.
        ((1,), (1, 2, 3), [b'{"n": 1}', b'{"n": 2}', b'{"n": 3}'], []),
        ((1, 2), (1, 3), [b'{"n": 1}', b'{"n": 3}'], [b'{"n": 2}']),
        # Listed in the shard's order, whichever verdict came first.
        ((1, 2), (1,), [b'{"n": 1}'], [b'{"n": 2}', b'{"n": 3}']),
    ],
)
def test_records_read_before_a_filter_update_are_judged_by_the_new_filters(
    fake: FirehoseFake,
    before: tuple[int, ...],
    after: tuple[int, ...],
    invoked: list[bytes],
    kept_back: list[bytes],
) -> None:
    stream = fake.kinesis.create_stream("s")
    updates: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        if not updates:  # the first batch: the other records were read with it
            updates.append(trigger.update(FilterCriteria=_keeping(*after)))

    trigger = stream.lambda_trigger(handler, BatchSize=1, FilterCriteria=_keeping(*before))
    put(b'{"n": 1}', b'{"n": 2}', b'{"n": 3}')
    trigger.drain()

    assert [data for batch in batches(trigger) for data in batch] == invoked
    assert [record.data for record in trigger.filtered] == kept_back


def test_an_on_failure_destination_set_by_an_update_receives_the_records(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> None:
        raise ValueError("cannot process")

    trigger = stream.lambda_trigger(handler, MaximumRetryAttempts=0)
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        trigger.update(
            DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}}
        )
        put(b"a")

        trigger.drain()

        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(message["Body"]) for message in messages] == trigger.failures
    assert len(trigger.failures) == 1


def test_an_empty_destination_config_removes_the_destination(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> None:
        raise ValueError("cannot process")

    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"
    trigger = stream.lambda_trigger(
        handler, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": queue}}
    )

    trigger.update(DestinationConfig={})
    put(b"a")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no send to the queue is tried, so none warns
        trigger.drain()

    assert len(trigger.failures) == 1


def test_a_deleted_mapping_reads_nothing_more(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all)
    put(b"a")
    trigger.drain()

    trigger.delete()
    put(b"b")

    with pytest.raises(UsageError, match=r"drain\(\): event source mapping .* was deleted"):
        trigger.drain()
    assert batches(trigger) == [[b"a"]]
    assert trigger.failures == []


def test_a_deleted_mapping_frees_the_function_for_a_new_one(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    first = stream.lambda_trigger(accept_all, FunctionName="consumer")
    first.delete()

    second = stream.lambda_trigger(accept_all, FunctionName="consumer")
    put(b"a")
    second.drain()

    assert second.uuid != first.uuid
    assert batches(second) == [[b"a"]]


@pytest.mark.parametrize(
    "use",
    [
        lambda trigger: trigger.update(BatchSize=1),
        lambda trigger: trigger.delete(),
        lambda trigger: trigger.state,
        lambda trigger: trigger.describe(),
    ],
)
def test_a_deleted_mapping_is_not_found(fake: FirehoseFake, use: Any) -> None:
    trigger = fake.kinesis.create_stream("s").lambda_trigger(accept_all)
    trigger.delete()

    with pytest.raises(UsageError) as refused:
        use(trigger)

    assert (
        "would answer ResourceNotFoundException: The resource you requested does not exist."
        in str(refused.value)
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"StartingPosition": "LATEST"}, 'Unknown parameter in input: "StartingPosition"'),
        ({"Tags": {"team": "a"}}, 'Unknown parameter in input: "Tags"'),
        ({"BatchSize": "10"}, "Invalid type for parameter BatchSize"),
        (
            {"MaximumRecordAgeInSeconds": 59},
            "UpdateEventSourceMapping would answer InvalidParameterValueException: "
            "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 "
            "(inclusive)\n",
        ),
        (
            {"DestinationConfig": {"OnFailure": {}}},
            "UpdateEventSourceMapping would answer InvalidParameterValueException: The "
            "Destination field is required for an OnFailure configuration.\n",
        ),
        (
            {"BatchSize": 10001},
            "UpdateEventSourceMapping would answer ValidationException: 1 validation error "
            "detected: Value '10001' at 'batchSize' failed to satisfy constraint: Member must "
            "have value less than or equal to 10000\n",
        ),
        (
            {"ScalingConfig": {"MaximumConcurrency": 2}},
            "UpdateEventSourceMapping would answer InvalidParameterValueException: Unsupported "
            "'scalingConfig' parameter for given event source mapping type.\n",
        ),
        ({"UUID": "another"}, "leave UUID out"),
        (
            {"FunctionName": "other"},
            "UpdateEventSourceMapping would answer InvalidParameterValueException: Function "
            "does not exist\n",
        ),
        (
            {"FunctionName": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:consumer"},
            "trigger.update(): UpdateEventSourceMapping would answer "
            "InvalidParameterValueException: Event source region must match Lambda region "
            "eu-west-1.",
        ),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(
    fake: FirehoseFake, params: dict[str, Any], message: str
) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, FunctionName="consumer", BatchSize=1)

    with pytest.raises(UsageError) as refused:
        trigger.update(**params)
    put(b"a", b"b")
    trigger.drain()

    assert message in str(refused.value)
    assert batches(trigger) == [[b"a"], [b"b"]]


def test_naming_the_same_function_again_is_taken(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, FunctionName="consumer")

    trigger.update(FunctionName=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:consumer", BatchSize=1)
    put(b"a", b"b")
    trigger.drain()

    assert batches(trigger) == [[b"a"], [b"b"]]


def test_a_function_not_registered_is_named_in_the_fix(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(accept_all, FunctionName="consumer")

    with pytest.raises(UsageError) as refused:
        trigger.update(FunctionName="auditor")

    assert "firehose.lambda_function('auditor', handler)" in str(refused.value)


def test_an_update_moves_the_mapping_to_another_function_from_its_checkpoint(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    calls: list[tuple[str, list[bytes], str, str]] = []

    def record(name: str) -> Any:
        def handler(event: dict[str, Any], context: Any) -> None:
            payloads = [r["kinesis"]["data"] for r in event["Records"]]
            calls.append(
                (
                    name,
                    payloads,
                    context.invoked_function_arn,
                    event["Records"][0]["invokeIdentityArn"],
                )
            )

        return handler

    trigger = stream.lambda_trigger(record("consumer"), FunctionName="consumer", BatchSize=1)
    fake.firehose.lambda_function("auditor", record("auditor"), timeout=30)
    put(b"a")
    trigger.drain()

    answer = trigger.update(FunctionName="auditor:live")
    put(b"b")
    trigger.drain()

    auditor = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:auditor"
    assert answer["FunctionArn"] == trigger.describe()["FunctionArn"] == f"{auditor}:live"
    assert [(name, data) for name, data, _, _ in calls] == [
        ("consumer", ["YQ=="]),
        ("auditor", ["Yg=="]),
    ]
    assert calls[1][2:] == (f"{auditor}:live", f"arn:aws:iam::{ACCOUNT}:role/auditor-role")
    assert trigger._function.timeout.total_seconds() == 30
    # The first function is free again; the new one is taken.
    stream.lambda_trigger(accept_all, FunctionName="consumer")
    with pytest.raises(UsageError, match="ResourceConflictException"):
        stream.lambda_trigger(accept_all, FunctionName="auditor:live")


def test_an_update_to_a_version_invokes_that_version_and_back(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    seen: list[tuple[str, str]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append((context.invoked_function_arn, context.function_version))

    fake.firehose.lambda_function("auditor", handler)
    trigger = stream.lambda_trigger(handler, FunctionName="consumer:live", BatchSize=1)
    for given in ("consumer:live", "consumer:7", "auditor:3", "auditor"):
        if given != "consumer:live":
            trigger.update(FunctionName=given)
        put(given.encode())
        trigger.drain()

    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
    assert seen == [
        (f"{arn}consumer:live", "$LATEST"),
        (f"{arn}consumer:7", "7"),
        (f"{arn}auditor:3", "3"),
        (f"{arn}auditor", "$LATEST"),
    ]


def test_a_batch_being_retried_goes_to_the_new_function(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    seen: list[str] = []

    def failing(event: dict[str, Any], context: Any) -> None:
        seen.append("consumer")
        trigger.update(FunctionName="auditor")
        raise ValueError("cannot process")

    fake.firehose.lambda_function("auditor", lambda event, context: seen.append("auditor"))
    trigger = stream.lambda_trigger(failing, FunctionName="consumer")
    put(b"a")

    trigger.drain()

    assert seen == ["consumer", "auditor"]
    assert batches(trigger) == [[b"a"], [b"a"]]
    assert trigger.failures == []
    # The retry's event names the role of the function it went to.
    roles = [i.event["Records"][0]["invokeIdentityArn"] for i in trigger.invocations]
    assert [role.rpartition("/")[2] for role in roles] == ["consumer-role", "auditor-role"]


def test_moving_a_mapping_of_a_deleted_stream_leaves_the_new_streams_mapping_its_claim(
    fake: FirehoseFake,
) -> None:
    # The stream created again under the name has the same ARN: the old mapping's update
    # took the new mapping's claim on "consumer" with it, to "auditor".
    fake.firehose.lambda_function("auditor", accept_all)
    old = fake.kinesis.create_stream("s").lambda_trigger(accept_all, FunctionName="consumer")
    boto3.client("kinesis", region_name=REGION).delete_stream(StreamName="s")
    stream = fake.kinesis.create_stream("s")
    new = stream.lambda_trigger(accept_all, FunctionName="consumer")

    old.update(FunctionName="auditor")

    with pytest.raises(UsageError, match=f"existing mapping with UUID {new.uuid}"):
        stream.lambda_trigger(accept_all, FunctionName="consumer")
    stream.lambda_trigger(accept_all, FunctionName="auditor")


def test_a_function_mapped_to_the_stream_already_is_refused(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    fake.firehose.lambda_function("auditor", accept_all)
    first = stream.lambda_trigger(accept_all, FunctionName="consumer")
    second = stream.lambda_trigger(accept_all, FunctionName="auditor")

    with pytest.raises(UsageError) as refused:
        first.update(FunctionName="auditor")

    assert (
        "UpdateEventSourceMapping would answer ResourceConflictException: The event source "
        f'arn (" {stream.arn} ") and function (" auditor ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {second.uuid}"
    ) in str(refused.value)
    assert first.describe()["FunctionArn"].endswith(":function:consumer")


def test_a_handler_that_pauses_and_resumes_its_mapping_goes_on_from_the_checkpoint(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")

    def handler(event: dict[str, Any], context: Any) -> None:
        if len(trigger.invocations) == 0:
            trigger.update(Enabled=False)
            trigger.update(Enabled=True, BatchSize=3)
            raise ValueError("cannot process")

    trigger = stream.lambda_trigger(handler, BatchSize=2)
    put(b"a", b"b", b"c")

    trigger.drain()

    assert batches(trigger) == [[b"a", b"b"], [b"a", b"b", b"c"]]


def test_a_parameter_of_other_sources_is_refused_naming_those_an_update_takes(
    fake: FirehoseFake,
) -> None:
    trigger = fake.kinesis.create_stream("s").lambda_trigger(accept_all)

    with pytest.raises(UsageError) as refused:
        trigger.update(ScalingConfig={"MaximumConcurrency": 2})

    message = str(refused.value)
    assert "the parameters of a Kinesis event source mapping are BatchSize, Bisect" in message
    assert "StartingPosition" not in message
    assert "Tags" not in message
