"""The fault script on its own, with no client: which request a fault takes, and what it
does there (``FaultScript.take``, ``Hit.apply``)."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_firehose._clock import FakeClock
from pytest_firehose._engine.fault_checks import CHECKERS, make_fault
from pytest_firehose._engine.fault_keywords import EFFECTS, FaultSpec
from pytest_firehose._engine.faults import Effect, FaultHandle, FaultScript, Hit
from pytest_firehose._errors import ServiceError, UsageError

FIREHOSE_CONTEXT = {
    "stream": "events",
    "account": "123456789012",
    "region": "us-east-1",
    "partition": "aws",
    "service": "firehose",
    "arn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/events",
    "shard": "",
    "operation": "PutRecordBatch",
}
KINESIS_CONTEXT = {
    **FIREHOSE_CONTEXT,
    "service": "kinesis",
    "arn": "arn:aws:kinesis:us-east-1:123456789012:stream/events",
    "shard": "shardId-000000000002",
    "operation": "PutRecords",
}


def script(*specs: FaultSpec, service: str = "firehose") -> tuple[FaultScript, list[FaultHandle]]:
    faults = FaultScript()
    return faults, [faults.add(make_fault(service, spec)) for spec in specs]


def batch(count: int) -> tuple[bytes, ...]:
    return tuple(f"record {i}".encode() for i in range(count))


def hit(spec: FaultSpec, service: str = "firehose", count: int = 3) -> Hit:
    faults, _ = script(spec, service=service)
    operation = "PutRecordBatch" if service == "firehose" else "PutRecords"
    taken = faults.take(operation, "events", batch(count))
    assert taken is not None
    return taken


# ---------------------------------------------------------------------- take


def test_a_request_no_fault_matches_is_left_alone_and_the_miss_is_counted() -> None:
    faults, (handle,) = script(FaultSpec(throttle=True, stream="other"))

    assert faults.take("PutRecord", "events", batch(1)) is None
    assert faults.take("ListDeliveryStreams", None, ()) is None

    assert handle.fired == 0
    assert handle.misses == {"stream 'events'": 1, "operation ListDeliveryStreams": 1}
    assert "what arrived did not match" in handle.why_not_fired()


def test_the_fault_scheduled_first_takes_the_request_and_shadows_the_later_one() -> None:
    faults, (first, second) = script(FaultSpec(error="InternalFailure"), FaultSpec(throttle=True))

    taken = faults.take("PutRecord", "events", batch(1))

    assert taken is not None
    assert taken.handle is first
    assert (first.fired, second.fired) == (1, 0)
    assert second.shadowed == {"firehose_fail(error='InternalFailure')": 1}
    assert "taken by faults scheduled before it" in second.why_not_fired()
    later = faults.take("PutRecord", "events", batch(1))
    assert later is not None
    assert later.handle is second


def test_call_n_lets_the_requests_before_the_nth_pass() -> None:
    faults, (handle,) = script(FaultSpec(throttle=True, call=3))

    taken = [faults.take("PutRecord", "events", batch(1)) for _ in range(4)]

    assert [t is not None for t in taken] == [False, False, True, False]
    assert handle.seen == 3
    assert handle.fired == 1


def test_call_n_that_never_comes_says_how_many_requests_arrived() -> None:
    faults, (handle,) = script(FaultSpec(throttle=True, call=3))

    faults.take("PutRecord", "events", batch(1))

    assert handle.why_not_fired() == (
        "only 1 matching request(s) arrived and call=3 waits for request number 3"
    )


def test_times_is_how_many_requests_a_fault_hits() -> None:
    faults, (handle,) = script(FaultSpec(timeout="lost", times=2))

    taken = [faults.take("PutRecordBatch", "events", batch(1)) for _ in range(3)]

    assert [t is not None for t in taken] == [True, True, False]
    assert handle.exhausted
    assert handle.fired == 2


def test_throttle_n_hits_n_requests() -> None:
    faults, (handle,) = script(FaultSpec(throttle=2))

    taken = [faults.take("PutRecord", "events", batch(1)) for _ in range(3)]

    assert [t is not None for t in taken] == [True, True, False]
    assert handle.fault.times == 2


def test_records_skips_a_batch_too_short_to_fail_any_of_its_records() -> None:
    faults, (handle,) = script(FaultSpec(records={3: "InternalFailure"}))

    assert faults.take("PutRecordBatch", "events", batch(2)) is None
    assert handle.misses == {"a batch of 2 record(s), too short for index 3": 1}
    assert handle.seen == 0

    taken = faults.take("PutRecordBatch", "events", batch(4))
    assert taken is not None
    assert taken.record_codes == {3: "InternalFailure"}


def test_records_fails_only_the_indices_a_batch_has() -> None:
    faults, _ = script(FaultSpec(records=[0, 5]))

    taken = faults.take("PutRecordBatch", "events", batch(2))

    assert taken is not None
    assert taken.record_codes == {0: "ServiceUnavailableException"}


def test_a_records_predicate_picks_by_payload_and_skips_a_batch_it_picks_nothing_from() -> None:
    faults, (handle,) = script(FaultSpec(records=lambda data: data.endswith(b"1")))

    assert faults.take("PutRecordBatch", "events", batch(1)) is None
    assert handle.misses == {"a batch of 1 record(s) none of which the predicate picked": 1}
    taken = faults.take("PutRecordBatch", "events", batch(3))
    assert taken is not None
    assert taken.record_codes == {1: "ServiceUnavailableException"}


def test_chaos_with_one_seed_fails_the_same_records_in_every_script() -> None:
    def draws(seed: int) -> list[dict[int, str]]:
        faults, _ = script(FaultSpec(chaos=0.5, seed=seed), service="kinesis")
        taken = [faults.take("PutRecords", "events", batch(20)) for _ in range(5)]
        return [t.record_codes for t in taken if t is not None]

    first = draws(7)

    assert len(first) == 5  # chaos hits every matching request
    assert first == draws(7)
    assert first != draws(8)
    assert {code for codes in first for code in codes.values()} == {
        "ProvisionedThroughputExceededException"
    }


def test_chaos_at_rate_one_fails_every_record() -> None:
    taken = hit(FaultSpec(chaos=1), count=4)

    assert taken.record_codes == dict.fromkeys(range(4), "ServiceUnavailableException")


# ---------------------------------------------------------------------- apply


def test_throttle_raises_the_services_throttling_error() -> None:
    with pytest.raises(ServiceError) as firehose:
        hit(FaultSpec(throttle=True)).apply(FakeClock(), 60, FIREHOSE_CONTEXT)
    with pytest.raises(ServiceError) as kinesis:
        hit(FaultSpec(throttle=True), "kinesis").apply(FakeClock(), 60, KINESIS_CONTEXT)

    assert (firehose.value.code, firehose.value.status) == ("ServiceUnavailableException", 500)
    assert firehose.value.message == "Slow down."
    assert kinesis.value.code == "ProvisionedThroughputExceededException"
    assert kinesis.value.message == (
        "Rate exceeded for shard shardId-000000000002 in stream events under account 123456789012."
    )


def test_error_raises_its_code_with_the_message_rendered_from_the_context() -> None:
    with pytest.raises(ServiceError) as raised:
        hit(FaultSpec(error="AccessDeniedException")).apply(FakeClock(), 60, FIREHOSE_CONTEXT)

    assert (raised.value.code, raised.value.status) == ("AccessDeniedException", 400)
    assert raised.value.message == (
        "User: arn:aws:sts::123456789012:assumed-role/test/session is not authorized to "
        "perform: firehose:PutRecordBatch on resource: "
        "arn:aws:firehose:us-east-1:123456789012:deliverystream/events because no "
        "identity-based policy allows the firehose:PutRecordBatch action"
    )


@pytest.mark.parametrize(
    ("timeout", "network", "commit"),
    [
        ("commit", "read-timeout", True),
        ("lost", "read-timeout", False),
        ("connect", "connect-timeout", False),
    ],
)
def test_a_timeout_says_what_the_client_sees_and_whether_the_service_commits(
    timeout: str, network: str, commit: bool
) -> None:
    clock = FakeClock()
    before = clock.now()

    effect = hit(FaultSpec(timeout=timeout)).apply(clock, 60, FIREHOSE_CONTEXT)

    assert effect.network is not None
    assert effect.network.kind == network
    assert (effect.commit, effect.record_failures) == (commit, {})
    assert clock.now() == before


@pytest.mark.parametrize("read_timeout", [60, None])
def test_latency_within_the_read_timeout_passes_fake_time_then_answers(
    read_timeout: float | None,
) -> None:
    clock = FakeClock()
    before = clock.now()

    effect = hit(FaultSpec(latency=12.5)).apply(clock, read_timeout, FIREHOSE_CONTEXT)

    assert effect == Effect()
    assert (clock.now() - before).total_seconds() == 12.5


@pytest.mark.parametrize("latency", [30, 45])
def test_latency_past_the_read_timeout_commits_and_the_client_sees_a_read_timeout(
    latency: float,
) -> None:
    clock = FakeClock()
    before = clock.now()

    effect = hit(FaultSpec(latency=latency)).apply(clock, 30, FIREHOSE_CONTEXT)

    assert effect.network is not None
    assert effect.network.kind == "read-timeout"
    assert effect.commit
    assert (clock.now() - before).total_seconds() == 30


@pytest.mark.parametrize(
    "spec", [FaultSpec(records={1: "InternalFailure"}), FaultSpec(chaos=1, seed=3)]
)
def test_per_record_effects_commit_and_fail_the_records_they_picked(spec: FaultSpec) -> None:
    taken = hit(spec)

    effect = taken.apply(FakeClock(), 60, FIREHOSE_CONTEXT)

    assert effect == Effect(record_failures=taken.record_codes)
    assert effect.network is None
    assert effect.commit


# ---------------------------------------------------------------------- make_fault


def test_every_effect_has_its_checker() -> None:
    assert tuple(CHECKERS) == EFFECTS


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({}, "a fault names exactly one effect out of records=, throttle=, error=, timeout=, "),
        ({"throttle": True, "latency": 1}, "got throttle=, latency=."),
        ({"throttle": 2, "times": 2}, "throttle=N already says how many requests; drop times="),
        ({"latency": 1, "seed": 1}, "seed= goes with chaos=; the other effects are not random"),
        ({"chaos": 0}, "chaos= is a failure probability in (0, 1], got 0"),
        ({"timeout": "late"}, "timeout= is one of 'commit': "),
        ({"records": {}}, "records= names no record; give at least one index"),
        ({"error": "Nope", "call": 0}, "call= is the 1-based number of the matching request"),
    ],
)
def test_a_bad_spec_is_refused_with_a_message_saying_why(
    keywords: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError) as raised:
        make_fault("firehose", FaultSpec(**keywords))

    assert message in str(raised.value)
