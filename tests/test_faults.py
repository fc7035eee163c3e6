"""Scripted faults through real clients: what botocore and the code under test see.

Every retry mode botocore offers is exercised, because the attempt counts, the retried
statuses and the backoff differ between them (AWS_SEMANTICS.md §11). The tests that take
``new_client`` run once per client flavour: boto3, aiobotocore (its aiohttp and its httpx
backends) and aioboto3, whose async retry loop is aiobotocore's own copy of botocore's.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError
from botocore.hooks import first_non_none_response
from conftest import REGION, RealWaits

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._services.codes import CALL_ERRORS

#: Total attempts botocore makes by default, per retry mode.
MAX_ATTEMPTS = {"legacy": 5, "standard": 3, "adaptive": 3}
NOT_FOUND = "Firehose s under account 123456789012 not found."  # AWS_SEMANTICS.md, REAL


def retrying(mode: str, **retries: Any) -> Config:
    return Config(retries={"mode": mode, **retries})


def make_client(mode: str, **retries: Any) -> Any:
    return boto3.client("firehose", region_name=REGION, config=retrying(mode, **retries))


def batch(*payloads: bytes) -> list[dict[str, bytes]]:
    return [{"Data": payload} for payload in payloads]


def requested_delays(client: Any) -> list[float]:
    """Collect the delays the retry handlers ask the endpoint to wait, read from the
    client's own ``needs-retry`` events rather than from the fake's clock (aiobotocore's
    events are emitted with an awaited ``emit``)."""
    delays: list[float] = []
    events = client.meta.events
    emit = events.emit

    def record(event_name: str, responses: Any) -> Any:
        if event_name.startswith("needs-retry."):
            delay = first_non_none_response(responses)
            if delay not in (None, False):
                delays.append(delay)
        return responses

    async def later(event_name: str, responses: Awaitable[Any]) -> Any:
        return record(event_name, await responses)

    def spy(event_name: str, **kwargs: Any) -> Any:
        responses = emit(event_name, **kwargs)
        if inspect.isawaitable(responses):
            return later(event_name, responses)
        return record(event_name, responses)

    events.emit = spy  # this client is the test's own
    return delays


@pytest.fixture(params=list(MAX_ATTEMPTS))
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fh(fake: FirehoseFake) -> Any:
    fake.firehose.create_delivery_stream("s")
    return fake.firehose


# ---------------------------------------------------------------- whole-call faults


def test_two_throttles_then_success_in_one_invocation(fh: Any, mode: str, new_client: Any):
    throttle = fh.fail(throttle=2)

    answer = new_client(config=retrying(mode)).put_record_batch(
        DeliveryStreamName="s", Records=batch(b"a", b"b")
    )

    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert answer["FailedPutCount"] == 0
    assert [c.attempt for c in fh.calls] == [1, 2, 3]
    assert [c.outcome for c in fh.calls] == ["error", "error", "ok"]
    assert [c.status for c in fh.calls] == [500, 500, 200]
    assert len({c.invocation_id for c in fh.calls}) == 1
    assert throttle.fired == 2
    assert fh["s"].records == [b"a", b"b"]


@pytest.mark.parametrize("total", [None, 1, 7])
def test_throttle_beyond_max_attempts_raises_slow_down(
    fh: Any, mode: str, total: int | None, new_client: Any
):
    retries = {} if total is None else {"total_max_attempts": total}
    client = new_client(config=retrying(mode, **retries))
    attempts = total or MAX_ATTEMPTS[mode]
    throttle = fh.fail(throttle=10)

    with pytest.raises(client.exceptions.ServiceUnavailableException) as raised:
        client.put_record_batch(DeliveryStreamName="s", Records=batch(b"a"))

    answer = raised.value.response
    assert answer["Error"] == {"Code": "ServiceUnavailableException", "Message": "Slow down."}
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert answer["ResponseMetadata"]["RetryAttempts"] == attempts - 1
    assert [c.attempt for c in fh.calls] == list(range(1, attempts + 1))
    assert throttle.fired == attempts
    assert fh["s"].records == []


@pytest.mark.parametrize(
    ("code", "status", "message", "retried"),
    [
        ("InternalFailure", 500, CALL_ERRORS["firehose"]["InternalFailure"].message, True),
        ("ResourceNotFoundException", 400, NOT_FOUND, False),
        ("InvalidArgumentException", 400, "Invalid argument.", False),
    ],
)
def test_error_codes_carry_real_status_and_retry(
    fh: Any, mode: str, code: str, status: int, message: str, retried: bool
):
    client = make_client(mode)
    fault = fh.fail(error=code, times=10)

    with pytest.raises(ClientError) as raised:
        client.put_record(DeliveryStreamName="s", Record={"Data": b"a"})

    attempts = MAX_ATTEMPTS[mode] if retried else 1
    assert raised.value.response["Error"] == {"Code": code, "Message": message}
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert len(fh.calls) == fault.fired == attempts
    assert {c.error for c in fh.calls} == {code}


# ---------------------------------------------------------------- timeouts


@pytest.mark.parametrize(
    ("kind", "records", "network_error"),
    [
        ("commit", [b"a", b"b", b"a", b"b"], "read-timeout"),
        ("lost", [b"a", b"b"], "read-timeout"),
        ("connect", [b"a", b"b"], "connect-timeout"),
    ],
)
def test_timeouts_are_retried_with_one_invocation_id(
    fh: Any, mode: str, kind: str, records: list[bytes], network_error: str, new_client: Any
):
    timeout = fh.fail(timeout=kind)

    answer = new_client(config=retrying(mode)).put_record_batch(
        DeliveryStreamName="s", Records=batch(b"a", b"b")
    )

    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert fh["s"].records == records
    first, second = fh.calls
    assert (first.attempt, first.outcome, first.error) == (1, "timeout", network_error)
    assert (second.attempt, second.outcome) == (2, "ok")
    assert first.invocation_id == second.invocation_id
    assert timeout.fired == 1


@pytest.mark.parametrize(
    ("kind", "raised", "copies"),
    [
        ("commit", ReadTimeoutError, 5),
        ("lost", ReadTimeoutError, 0),
        ("connect", ConnectTimeoutError, 0),
    ],
)
def test_timeouts_beyond_max_attempts_raise_botocores_own_error(
    fh: Any, kind: str, raised: type[Exception], copies: int, new_client: Any
):
    fh.fail(timeout=kind, times=5)

    with pytest.raises(raised):
        new_client(config=retrying("legacy")).put_record(
            DeliveryStreamName="s", Record={"Data": b"a"}
        )

    assert len(fh.calls) == 5
    assert fh["s"].records == [b"a"] * copies


# ---------------------------------------------------------------- per-record faults


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ServiceUnavailableException", "Slow down."),
        ("InternalFailure", "Internal service failure."),
    ],
)
def test_a_failed_record_inside_a_200_answer(
    fh: Any, mode: str, code: str, message: str, new_client: Any
):
    fh.fail(records={1: code})

    answer = new_client(config=retrying(mode)).put_record_batch(
        DeliveryStreamName="s", Records=batch(b"a", b"b", b"c")
    )

    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["ResponseMetadata"]["RetryAttempts"] == 0
    assert answer["FailedPutCount"] == 1
    first, failed, last = answer["RequestResponses"]
    assert failed == {"ErrorCode": code, "ErrorMessage": message}
    assert set(first) == set(last) == {"RecordId"}
    assert fh["s"].records == [b"a", b"c"]
    (call,) = fh.calls
    assert (call.outcome, call.failed_indices) == ("partial", (1,))


def failed_entries(answer: dict[str, Any]) -> dict[int, tuple[str, str]]:
    return {
        i: (entry["ErrorCode"], entry["ErrorMessage"])
        for i, entry in enumerate(answer["RequestResponses"])
        if "ErrorCode" in entry
    }


def starts_bad(payload: bytes) -> bool:
    return payload.startswith(b"bad")


@pytest.mark.parametrize(
    ("records", "failed"), [([0, 2], [0, 2]), (starts_bad, [1, 3]), ({3: "InternalFailure"}, [3])]
)
def test_records_by_index_list_or_predicate(fh: Any, records: Any, failed: list[int]):
    fh.fail(records=records)
    sent = [b"a", b"bad1", b"c", b"bad2"]

    answer = make_client("standard").put_record_batch(DeliveryStreamName="s", Records=batch(*sent))

    entries = failed_entries(answer)
    assert sorted(entries) == failed
    assert answer["FailedPutCount"] == len(failed)
    if not isinstance(records, dict):  # a bare list or a predicate uses the throttling code
        assert set(entries.values()) == {("ServiceUnavailableException", "Slow down.")}
    assert fh["s"].records == [p for i, p in enumerate(sent) if i not in failed]


def test_records_beyond_the_batch_leave_the_fault_unfired_until_a_batch_has_them(
    fake: FirehoseFake, fh: Any
):
    fault = fh.fail(records={5: "InternalFailure", 3: "InternalFailure"})

    client = make_client("standard")

    answer = client.put_record_batch(DeliveryStreamName="s", Records=batch(b"a", b"b", b"c"))

    assert answer["FailedPutCount"] == 0
    # The fault failed nothing, so the teardown check must still report it, naming the
    # lowest index it waits for.
    assert (
        f"  {fault.fault!r}: it waits for operation in ['PutRecordBatch']; what arrived did "
        "not match: a batch of 3 record(s), too short for index 3 x1"
    ) in (fake.unfired_faults() or "").splitlines()
    longer = batch(b"a", b"b", b"c", b"d")
    answer = client.put_record_batch(DeliveryStreamName="s", Records=longer)
    codes = [r.get("ErrorCode") for r in answer["RequestResponses"]]
    assert codes == [None, None, None, "InternalFailure"]
    assert fault.fired == 1


def test_a_predicate_that_raises_is_a_usage_error_naming_the_record(fake: FirehoseFake, fh: Any):
    def by_kind(payload: bytes) -> bool:
        return bool(json.loads(payload)["kind"] == "bad")

    fault = fh.fail(records=by_kind)
    sent = batch(b'{"kind": "bad"}', b"not json")

    with pytest.raises(UsageError, match=r"record 1 of a PutRecordBatch \(b'not json'\)") as info:
        make_client("standard").put_record_batch(DeliveryStreamName="s", Records=sent)

    assert "JSONDecodeError" in str(info.value)
    assert "return False for payloads it does not pick" in str(info.value)
    assert isinstance(info.value.__cause__, json.JSONDecodeError)
    assert fh["s"].records == []
    # Code under test that swallows the error still fails the test, with the reason.
    report = fake.unfired_faults() or ""
    assert f"{fault.fault!r}: its predicate raised JSONDecodeError" in report
    assert "no request reached the fake" not in report


def chaos_run(seed: int) -> list[int]:
    sent = [b"%d" % i for i in range(40)]
    with FirehoseFake(region=REGION) as fake:
        fake.firehose.create_delivery_stream("s")
        fake.firehose.fail(chaos=0.5, seed=seed)
        answer = make_client("standard").put_record_batch(
            DeliveryStreamName="s", Records=batch(*sent)
        )
        entries = failed_entries(answer)
        assert set(entries.values()) == {("ServiceUnavailableException", "Slow down.")}
        assert answer["FailedPutCount"] == len(entries)
        assert list(fake.firehose.calls[0].failed_indices) == sorted(entries)
        assert fake.firehose["s"].records == [p for i, p in enumerate(sent) if i not in entries]
        return sorted(entries)


def test_chaos_with_a_seed_fails_the_same_records_in_every_fake():
    failed = chaos_run(seed=7)

    assert chaos_run(seed=7) == failed
    assert 0 < len(failed) < 40


# ---------------------------------------------------------------- latency and backoff


def test_latency_moves_the_fake_clock_and_nothing_else(
    fake: FirehoseFake, fh: Any, new_client: Any
):
    clock = fake.world.clock
    start = clock.now()
    fh.fail(latency=30)

    answer = new_client(config=retrying("legacy")).put_record(
        DeliveryStreamName="s", Record={"Data": b"a"}
    )

    assert clock.now() - start == timedelta(seconds=30)
    assert clock.sleeps == []
    assert answer["ResponseMetadata"]["RetryAttempts"] == 0
    assert fh["s"].records == [b"a"]
    (call,) = fh.calls
    assert (call.outcome, call.at - start) == ("ok", timedelta(seconds=30))


@pytest.mark.parametrize("latency", [0, 86_400])
def test_latency_takes_from_nothing_to_a_day(fake: FirehoseFake, fh: Any, latency: int):
    clock = fake.world.clock
    start = clock.now()
    fh.fail(latency=latency)
    client = boto3.client("firehose", region_name=REGION, config=Config(read_timeout=86_401))

    client.put_record(DeliveryStreamName="s", Record={"Data": b"a"})

    assert clock.now() - start == timedelta(seconds=latency)
    assert fh["s"].records == [b"a"]


@pytest.mark.parametrize(("latency", "copies"), [(4.5, 1), (5, 2), (30, 2)])
def test_an_answer_slower_than_the_read_timeout_is_never_seen(
    fake: FirehoseFake, fh: Any, new_client: Any, latency: float, copies: int
):
    clock = fake.world.clock
    start = clock.now()
    fh.fail(latency=latency)
    client = new_client(config=Config(read_timeout=5, retries={"mode": "standard"}))

    answer = client.put_record(DeliveryStreamName="s", Record={"Data": b"a"})

    # The client gave up after its own read timeout; the service had committed all the same.
    assert answer["ResponseMetadata"]["RetryAttempts"] == copies - 1
    assert fh["s"].records == [b"a"] * copies
    waited = min(latency, 5) + clock.slept
    assert (clock.now() - start).total_seconds() == pytest.approx(waited, abs=1e-5)


def test_each_client_times_out_after_its_own_read_timeout(fh: Any, new_client: Any):
    impatient = new_client(config=Config(read_timeout=5, retries={"total_max_attempts": 1}))
    patient = new_client(config=Config(read_timeout=60, retries={"total_max_attempts": 1}))
    default = new_client(config=Config(retries={"total_max_attempts": 1}))  # botocore's 60 s

    seen = []
    for client in (impatient, patient, impatient, default, patient, impatient):
        fh.fail(latency=10, times=1)
        try:
            client.put_record(DeliveryStreamName="s", Record={"Data": b"a"})
            seen.append("answered")
        except ReadTimeoutError:
            seen.append("timed out")

    assert seen == ["timed out", "answered", "timed out", "answered", "answered", "timed out"]


def test_backoff_passes_the_delays_botocore_asked_for(
    fake: FirehoseFake, fh: Any, mode: str, new_client: Any
):
    client = new_client(config=retrying(mode))
    asked = requested_delays(client)
    fh.fail(throttle=MAX_ATTEMPTS[mode] - 1)

    client.put_record(DeliveryStreamName="s", Record={"Data": b"a"})

    clock = fake.world.clock
    assert len(asked) == MAX_ATTEMPTS[mode] - 1
    assert clock.sleeps == pytest.approx(asked, abs=1e-6)  # the clock keeps microseconds
    assert clock.elapsed.total_seconds() == pytest.approx(sum(asked), abs=1e-5)


def test_a_long_legacy_backoff_takes_no_real_time(
    fake: FirehoseFake, fh: Any, new_client: Any, seeded_random: Any, real_waits: RealWaits
):
    seeded_random()
    client = new_client(config=retrying("legacy"))
    fh.fail(throttle=4)

    with real_waits:
        client.put_record(DeliveryStreamName="s", Record={"Data": b"a"})

    slept = fake.world.clock.slept
    assert len(fake.world.clock.sleeps) == 4
    assert slept > 1.0  # the seed gives a backoff worth measuring against
    assert real_waits.asked == []
    assert fake.world.clock.elapsed.total_seconds() == pytest.approx(slept, abs=1e-5)


def test_adaptive_rate_limiter_waits_pass_fake_time(
    fake: FirehoseFake, fh: Any, new_client: Any, real_waits: RealWaits
):
    client = new_client(config=retrying("adaptive"))
    asked = requested_delays(client)

    with real_waits:
        for _ in range(6):  # ThrottlingException engages adaptive mode's client-side limiter
            fh.fail(error="ThrottlingException", times=2)
            client.put_record(DeliveryStreamName="s", Record={"Data": b"a"})

    clock = fake.world.clock
    assert len(asked) == 12
    assert clock.slept > sum(asked)  # the limiter's own waits come on top
    assert clock.elapsed.total_seconds() == pytest.approx(clock.slept, abs=1e-4)
    assert real_waits.asked == []


# ---------------------------------------------------------------- narrowing and order


def test_operation_narrows_to_put_record(fh: Any):
    client = make_client("legacy")
    fault = fh.fail(throttle=True, operation="PutRecord")

    batch_answer = client.put_record_batch(DeliveryStreamName="s", Records=batch(b"a"))
    single_answer = client.put_record(DeliveryStreamName="s", Record={"Data": b"b"})

    assert batch_answer["ResponseMetadata"]["RetryAttempts"] == 0
    assert single_answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert [(c.operation, c.outcome) for c in fh.calls] == [
        ("PutRecordBatch", "ok"),
        ("PutRecord", "error"),
        ("PutRecord", "ok"),
    ]
    assert fault.fired == 1


def test_stream_narrows_to_one_stream(fh: Any):
    fh.create_delivery_stream("b")
    client = make_client("legacy")
    fault = fh.fail(throttle=True, stream="b")

    for name in ("s", "b"):
        client.put_record(DeliveryStreamName=name, Record={"Data": b"x"})

    assert [(c.stream, c.outcome) for c in fh.calls] == [("s", "ok"), ("b", "error"), ("b", "ok")]
    assert fault.fired == 1


@pytest.mark.parametrize(("narrowing", "failing"), [({"call": 2}, [2]), ({"times": 2}, [1, 2])])
def test_call_and_times_choose_the_requests(fh: Any, narrowing: dict[str, int], failing: list[int]):
    client = make_client("legacy")
    fault = fh.fail(error="InvalidArgumentException", **narrowing)

    failed = []
    for n in (1, 2, 3):
        try:
            client.put_record(DeliveryStreamName="s", Record={"Data": b"%d" % n})
        except client.exceptions.InvalidArgumentException:
            failed.append(n)

    assert failed == failing
    assert fault.fired == len(failing)
    assert fh["s"].records == [b"%d" % n for n in (1, 2, 3) if n not in failing]


def test_faults_are_consumed_in_schedule_order(fh: Any):
    throttle = fh.fail(throttle=True)
    partial = fh.fail(records=[0])

    answer = make_client("standard").put_record_batch(
        DeliveryStreamName="s", Records=batch(b"a", b"b")
    )

    assert answer["FailedPutCount"] == 1
    assert [(c.attempt, c.outcome) for c in fh.calls] == [(1, "error"), (2, "partial")]
    assert [c.fault for c in fh.calls] == [repr(throttle.fault), repr(partial.fault)]
    assert (throttle.fired, partial.fired) == (1, 1)
    assert fh.faults == [throttle, partial]


def test_the_call_log_names_each_fault_with_the_keywords_that_aim_it(fh: Any):
    client = make_client("standard")
    fh.fail(error="InvalidArgumentException", operation="PutRecord", times=2)
    fh.fail(throttle=2, stream="s")
    fh.fail(chaos=1, seed=3, operation="PutRecordBatch", stream="s", call=2, times=1)
    fh.fail(records=lambda data: data == b"c", optional=True)

    for _ in range(2):
        with pytest.raises(client.exceptions.InvalidArgumentException):
            client.put_record(DeliveryStreamName="s", Record={"Data": b"a"})
    for records in (batch(b"a"), batch(b"a"), batch(b"c")):
        client.put_record_batch(DeliveryStreamName="s", Records=records)

    assert [c.fault for c in fh.calls] == [
        *["firehose_fail(error='InvalidArgumentException', operation='PutRecord', times=2)"] * 2,
        *["firehose_fail(throttle=2, stream='s')"] * 2,
        # call=2 counts the requests the throttle took: the third attempt is the chaos's
        "firehose_fail(chaos=1, seed=3, operation='PutRecordBatch', stream='s', call=2, times=1)",
        None,
        "firehose_fail(records=<predicate <lambda>>, optional=True)",
    ]


def test_a_fault_handle_shows_its_fault_and_how_often_it_fired(fh: Any):
    fault = fh.fail(throttle=2)

    make_client("standard").put_record(DeliveryStreamName="s", Record={"Data": b"a"})

    assert repr(fault) == "<FaultHandle firehose_fail(throttle=2) fired=2>"


# ---------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("keywords", "expected"),
    [
        ({"error": "SlowDown"}, ["'SlowDown'", "Accepted:", "ServiceUnavailableException"]),
        ({"error": "InternalFailur"}, ["Did you mean 'InternalFailure'?"]),
        ({"records": {0: "Throttled"}}, ["Accepted: InternalFailure, ServiceUnavailableException"]),
        ({"throttle": True, "error": "InternalFailure"}, ["exactly one effect", "records="]),
        ({}, ["exactly one effect", "chaos="]),
        ({"throttle": True, "seed": 3}, ["seed= goes with chaos="]),
        ({"records": [0], "operation": "PutRecord"}, ["PutRecord has no per-record results"]),
        ({"throttle": True, "call": 0}, ["call=", "got 0"]),
        ({"throttle": True, "times": 1}, ["drop times="]),
        ({"error": "InternalFailure", "times": 0}, ["times=", "got 0"]),
        ({"timeout": "read"}, ["'commit'", "'lost'", "'connect'"]),
        ({"chaos": 1.5}, ["(0, 1]"]),
        ({"chaos": 0.5, "operation": "PutRecord"}, ["inside a PutRecordBatch answer"]),
        ({"latency": -0.5}, ["latency= is seconds of fake time, from 0 to 86,400", "-0.5"]),
        ({"latency": 86_400.5}, ["from 0 to 86,400 (a day), got 86400.5"]),
        ({"throttle": True, "operation": "PutRecrd"}, ["Did you mean 'PutRecord'?"]),
        ({"throttle": True, "operation": "Frobnicate"}, ["PutRecord", "PutRecordBatch"]),
    ],
    ids=[
        *("unknown-error", "error-typo", "unknown-record-code", "two-effects", "no-effect"),
        *("seed-without-chaos", "records-on-PutRecord", "call-0", "throttle-with-times"),
        *("times-0", "unknown-timeout", "chaos-rate", "chaos-on-PutRecord", "latency-below-0"),
        *("latency-past-a-day", "operation-typo", "unknown-operation"),
    ],
)
def test_bad_faults_are_usage_errors_naming_what_is_accepted(
    fh: Any, keywords: dict[str, Any], expected: list[str]
):
    with pytest.raises(UsageError) as raised:
        fh.fail(**keywords)

    for text in expected:
        assert text in str(raised.value)
    assert fh.faults == []


# ---------------------------------------------------------------- a timeout on a refused call


def put_past_the_quota(fake: FirehoseFake, client: Any) -> dict[str, Any]:
    fake.firehose.enforce_quotas()
    for _ in range(2_000):  # the requests a second us-east-1 takes: the next is refused
        client.put_record(DeliveryStreamName="s", Record={"Data": b"x"})
    return {"DeliveryStreamName": "s", "Record": {"Data": b"a"}}


#: A put the service refuses: its service, the stream that would hold its record, how it is
#: made, and the refusal (code, message, status).
REFUSED_PUTS: dict[str, tuple[str, str, Any, tuple[str, str, int]]] = {
    "no such stream": (
        "firehose",
        "s",
        lambda fake, client: {"DeliveryStreamName": "t", "Record": {"Data": b"a"}},
        ("ResourceNotFoundException", "Firehose t under account 123456789012 not found.", 400),
    ),
    "throttled": (
        "firehose",
        "s",
        put_past_the_quota,
        ("ServiceUnavailableException", "Slow down.", 500),
    ),
    "not ACTIVE": (
        "kinesis",
        "creating",
        lambda fake, client: {"StreamName": "creating", "Data": b"a", "PartitionKey": "p"},
        ("ResourceNotFoundException", "Stream creating under account 123456789012 not found.", 400),
    ),
    "invalid": (
        "kinesis",
        "k",
        lambda fake, client: {
            "StreamName": "k",
            "Data": b"a",
            "PartitionKey": "p",
            "ExplicitHashKey": str(2**128),
        },
        (
            "InvalidArgumentException",
            "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
            f"Specified value was {2**128}",
            400,
        ),
    ),
}


@pytest.mark.parametrize(
    ("case", "fault"),
    [
        *((case, {"timeout": "commit"}) for case in REFUSED_PUTS),
        # An answer slower than the read timeout: the throttle would have passed by then.
        *((case, {"latency": 5}) for case in REFUSED_PUTS if case != "throttled"),
    ],
)
def test_a_timeout_on_a_refused_put_logs_the_refusal_and_commits_nothing(
    case: str, fault: dict[str, Any]
) -> None:
    # It was logged as any timeout after a commit, though the service committed nothing.
    service, stream, request, refusal = REFUSED_PUTS[case]
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        fake.firehose.create_delivery_stream("s")
        fake.kinesis.create_stream("k")
        fake.firehose.clock.advance(seconds=30)
        fake.kinesis.create_stream("creating")
        config = Config(read_timeout=5, retries={"total_max_attempts": 1})
        client = boto3.client(service, region_name=REGION, config=config)
        params = request(fake, client)
        handle = getattr(fake, service)
        handle.fail(**fault)

        with pytest.raises(ReadTimeoutError):
            client.put_record(**params)

        call = handle.calls[-1]
        held = handle[stream].records
    assert (call.outcome, call.status, call.error) == ("timeout", None, "read-timeout")
    assert call.refusal == refusal
    code, message, status = refusal
    assert (call.refusal.code, call.refusal.message, call.refusal.status) == refusal
    assert call.describe(1).endswith(
        f"-> timeout: read-timeout, though the service refused it: {code} ({status}): "
        f"{message} (attempt 1) [fault: {call.fault}]"
    )
    assert b"a" not in held


def test_a_timeout_on_a_put_the_service_takes_logs_no_refusal(fh: Any) -> None:
    fh.fail(timeout="commit")
    make_client("standard").put_record(DeliveryStreamName="s", Record={"Data": b"a"})
    assert [call.refusal for call in fh.calls] == [None, None]
    assert (
        fh.calls[0]
        .describe(1)
        .endswith(f"-> timeout: read-timeout (attempt 1) [fault: {fh.calls[0].fault}]")
    )
