"""Producers written with the AWS SDK for JavaScript v3 (``js/produce.mjs``), as
subprocesses, against the local server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from client_support import SERVICES, Service, message

from pytest_firehose import FirehoseServer

PAYLOADS = ["a\n", "b\n", "c\n"]


def produce(run_js: Any, service: Service, **job: Any) -> Any:
    return run_js("produce.mjs", {"service": service.name, "stream": "s", **job})


@pytest.mark.parametrize("scripted_by", ["test", "control-api"])
@pytest.mark.parametrize("service", SERVICES)
def test_a_producer_resends_only_the_failed_records(
    run_js: Any, firehose_server: FirehoseServer, service: Service, scripted_by: str
) -> None:
    service.create(firehose_server, "s")
    faults = []
    if scripted_by == "test":
        service.handle(firehose_server).fail(records={1: service.throttle_code})
    else:  # the JavaScript side scripts it over HTTP, as a test in another language would
        faults = [{"service": service.name, "records": {"1": service.throttle_code}}]

    result = produce(run_js, service, records=PAYLOADS, faults=faults)

    assert result["error"] is None
    assert len(result["scripted"]) == len(faults)
    first, second = result["rounds"]
    assert first["sent"] == PAYLOADS
    assert first["failedCount"] == 1
    assert first["entries"][1] == {
        "ErrorCode": service.throttle_code,
        "ErrorMessage": message(service.throttle_message, "s"),
    }
    assert (second["sent"], second["failedCount"]) == (["b\n"], 0)
    assert result["unsent"] == []
    # Each record exactly once; the resent one last.
    service.assert_exactly_once(firehose_server, "s", PAYLOADS)
    assert service.records(firehose_server, "s") == [b"a\n", b"c\n", b"b\n"]
    calls = service.handle(firehose_server).calls
    assert [c.records for c in calls] == [[b"a\n", b"b\n", b"c\n"], [b"b\n"]]
    assert [(c.attempt, c.outcome, c.failed_indices) for c in calls] == [
        (1, "partial", (1,)),
        (1, "ok", ()),
    ]
    # The SDK sends amz-sdk-invocation-id: one per API call, so two here.
    invocations = {uuid.UUID(c.invocation_id) for c in calls}
    assert len(invocations) == 2
    assert first["requestId"] != second["requestId"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_sdk_retries_a_throttled_call_itself(
    run_js: Any, firehose_server: FirehoseServer, service: Service
) -> None:
    service.create(firehose_server, "s")
    service.handle(firehose_server).fail(throttle=2)

    result = produce(run_js, service, records=PAYLOADS, maxAttempts=3)

    assert result["error"] is None
    [round_] = result["rounds"]
    assert (round_["failedCount"], round_["attempts"]) == (0, 3)
    assert round_["totalRetryDelay"] == 2 * 10  # two pauses of the script's 10 ms
    service.assert_exactly_once(firehose_server, "s", PAYLOADS)
    calls = service.handle(firehose_server).calls
    assert [(c.attempt, c.outcome, c.error, c.status) for c in calls] == [
        (1, "error", service.throttle_code, service.throttle_status),
        (2, "error", service.throttle_code, service.throttle_status),
        (3, "ok", None, 200),
    ]
    # Three attempts of one API call: one invocation id.
    assert len({c.invocation_id for c in calls}) == 1
    uuid.UUID(calls[0].invocation_id)


@pytest.mark.parametrize("service", SERVICES)
def test_the_sdk_gives_up_after_its_attempts_with_the_service_error(
    run_js: Any, firehose_server: FirehoseServer, service: Service
) -> None:
    service.create(firehose_server, "s")
    service.handle(firehose_server).fail(throttle=3)

    result = produce(run_js, service, records=PAYLOADS, maxAttempts=3)

    assert result["rounds"] == []
    assert result["unsent"] == PAYLOADS
    assert result["error"] == {
        "name": service.throttle_code,
        "message": message(service.throttle_message, "s"),
        "httpStatusCode": service.throttle_status,
        "attempts": 3,
    }
    assert service.records(firehose_server, "s") == []
    calls = service.handle(firehose_server).calls
    assert [c.attempt for c in calls] == [1, 2, 3]
    assert all(c.outcome == "error" for c in calls)


@pytest.mark.parametrize(
    ("timeout", "stored"),
    [
        pytest.param("commit", [*PAYLOADS, *PAYLOADS], id="committed-then-dropped"),
        pytest.param("lost", PAYLOADS, id="dropped-before-commit"),
    ],
)
@pytest.mark.parametrize("service", SERVICES)
def test_the_sdk_resends_a_batch_whose_connection_dropped(
    run_js: Any, firehose_server: FirehoseServer, service: Service, timeout: str, stored: list[str]
) -> None:
    # Over a socket a scripted timeout closes the connection unanswered; the SDK retries.
    service.create(firehose_server, "s")
    service.handle(firehose_server).fail(timeout=timeout)

    result = produce(run_js, service, records=PAYLOADS)

    assert result["error"] is None
    [round_] = result["rounds"]
    assert (round_["failedCount"], round_["attempts"]) == (0, 2)
    assert service.records(firehose_server, "s") == [text.encode() for text in stored]
    calls = service.handle(firehose_server).calls
    assert [(c.attempt, c.outcome) for c in calls] == [(1, "timeout"), (2, "ok")]
    assert calls[0].invocation_id == calls[1].invocation_id
