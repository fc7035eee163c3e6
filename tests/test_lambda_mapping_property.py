"""For any pattern of handler failures, a Kinesis event source mapping hands every record
to the handler at least once, in shard order, and leaves a record unprocessed only by the
documented rules: retries exhausted or maximum age (with an invocation record), or
retention (listed on ``trigger.expired``)."""

from __future__ import annotations

import base64
from typing import Any

import boto3
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_firehose import FirehoseFake

#: What the handler does on its n-th invocation: succeed, raise, time out, or report the
#: record at a position of the batch as failed.
_ACTIONS = st.one_of(
    st.just("ok"), st.just("raise"), st.just("timeout"), st.integers(min_value=0, max_value=3)
)
_OPTIONS = st.fixed_dictionaries(
    {
        "BatchSize": st.integers(min_value=1, max_value=5),
        "BisectBatchOnFunctionError": st.booleans(),
        "MaximumRetryAttempts": st.integers(min_value=0, max_value=3),
        "FunctionResponseTypes": st.sampled_from([[], ["ReportBatchItemFailures"]]),
    },
    optional={"MaximumRecordAgeInSeconds": st.integers(min_value=60, max_value=120)},
)


def _handler(actions: list[Any], clock: Any) -> Any:
    calls = iter(actions)

    def handler(event: dict[str, Any], context: Any) -> Any:
        action = next(calls, "ok")
        if action == "raise":
            raise RuntimeError("scripted failure")
        if action == "timeout":
            clock.advance(seconds=4)
        if isinstance(action, int):
            entries = event["Records"]
            failed = entries[min(action, len(entries) - 1)]["kinesis"]["sequenceNumber"]
            return {"batchItemFailures": [{"itemIdentifier": failed}]}
        return None

    return handler


def _processed(invocation: Any, reporting: bool) -> list[str]:
    """Sequence numbers the invocation processed successfully."""
    if invocation.error is not None:
        return []
    numbers = [entry["kinesis"]["sequenceNumber"] for entry in invocation.event["Records"]]
    answer = invocation.answer
    if reporting and isinstance(answer, dict) and answer.get("batchItemFailures"):
        reported = answer["batchItemFailures"][0]["itemIdentifier"]
        return numbers[: numbers.index(reported)]
    return numbers


def _covered(failures: list[dict[str, Any]], shard_id: str, number: str) -> str | None:
    for failure in failures:
        info = failure["KinesisBatchInfo"]
        low, high = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
        if info["shardId"] == shard_id and low <= int(number) <= high:
            return str(failure["requestContext"]["condition"])
    return None


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    actions=st.lists(_ACTIONS, max_size=25),
    options=_OPTIONS,
    count=st.integers(min_value=1, max_value=12),
    shards=st.integers(min_value=1, max_value=2),
)
def test_every_record_is_handled_or_skipped_by_a_documented_rule(
    actions: list[Any], options: dict[str, Any], count: int, shards: int
) -> None:
    with FirehoseFake(region="us-east-1", seed=7) as fake:
        stream = fake.kinesis.create_stream("s", shard_count=shards)
        trigger = stream.lambda_trigger(_handler(actions, fake.kinesis.clock), **options)
        client = boto3.client("kinesis", region_name="us-east-1")
        client.put_records(
            StreamName="s",
            Records=[{"Data": b"%d" % n, "PartitionKey": f"key-{n}"} for n in range(count)],
        )

        trigger.drain()

        reporting = bool(options["FunctionResponseTypes"])
        handed: dict[str, list[str]] = {}
        done: set[str] = set()
        for invocation in trigger.invocations:
            numbers = [entry["kinesis"]["sequenceNumber"] for entry in invocation.event["Records"]]
            assert numbers == sorted(numbers, key=int)  # a batch is in shard order
            for number in numbers:
                order = handed.setdefault(invocation.shard_id, [])
                if number not in order:
                    order.append(number)
            done.update(_processed(invocation, reporting))

        for shard in stream.shards:
            in_shard = [record.sequence_number for record in shard.records]
            first_seen = handed.get(shard.shard_id, [])
            # First handed over in shard order, and nothing handed over twice out of turn.
            assert first_seen == [number for number in in_shard if number in first_seen]
            for record in shard.records:
                number = record.sequence_number
                if number in done:
                    continue
                condition = _covered(trigger.failures, shard.shard_id, number)
                assert condition is not None, f"record {record.data!r} lost without a rule"
                if condition == "RetryAttemptsExhausted":
                    assert number in first_seen
                else:
                    assert condition == "RecordAgeExceeded"
                    assert "MaximumRecordAgeInSeconds" in options
        assert trigger.expired == []
        seen = {
            base64.b64decode(e["kinesis"]["data"])
            for i in trigger.invocations
            for e in i.event["Records"]
        }
        if "MaximumRecordAgeInSeconds" not in options:
            assert seen == {b"%d" % n for n in range(count)}
