"""Producers written with the AWS SDK for JavaScript v3 (``js/produce.mjs``), as
subprocesses, against the local server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from client_support import (
    FIREHOSE,
    INVALID_TOKEN,
    INVALID_TOKEN_MESSAGE,
    OPENSEARCH,
    PAST_RETRIES,
    SERVICES,
    SPLUNK,
    Service,
    b64,
    message,
)

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


# ---------------------------------------------------------------------- the destination


def test_records_a_down_destination_gives_up_on_go_to_its_bucket_with_the_error(
    run_js: Any, firehose_server: FirehoseServer
) -> None:
    # The test in JavaScript takes Splunk down, puts, moves the clock past the retries and
    # reads the stream back, all over the control API.
    firehose_server.firehose.create_delivery_stream("s", SplunkDestinationConfiguration=SPLUNK)
    events = ['{"event": 1}', '{"event": 2}']

    result = produce(
        run_js,
        FIREHOSE,
        records=events,
        destination=[{"stream": "s", "up": False, "error": INVALID_TOKEN}],
        advance=PAST_RETRIES,
        show=True,
    )

    # The puts succeed: the outage is behind the stream, where the producer cannot see it.
    assert (result["error"], result["unsent"]) == (None, [])
    assert [round_["failedCount"] for round_ in result["rounds"]] == [0]
    stream = result["stream"]
    assert stream["destination"] == {"up": False, "error": INVALID_TOKEN, "refusing": None}
    assert (stream["delivered"], stream["pending"]) == ([], [])
    assert stream["backedUp"] == events
    failed = stream["failedRecords"]
    assert [(f["errorCode"], f["errorMessage"], f["rawData"]) for f in failed] == [
        (INVALID_TOKEN, INVALID_TOKEN_MESSAGE, event) for event in events
    ]
    assert all(f["key"].startswith("splunk-failed/") for f in failed)
    assert firehose_server.firehose["s"].backed_up == [event.encode() for event in events]


def test_documents_the_index_refuses_go_to_the_bucket_and_the_rest_are_indexed(
    run_js: Any, firehose_server: FirehoseServer
) -> None:
    firehose_server.firehose.create_delivery_stream(
        "s", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )
    events = ['{"n": 1}', '{"n": 2, "bad": true}', '{"n": 3}']

    result = produce(
        run_js,
        FIREHOSE,
        records=events,
        destination=[{"stream": "s", "refuse": {"containing": b64("bad"), "error": "409"}}],
        advance=PAST_RETRIES,
        show=True,
    )

    assert result["switched"][0]["refusing"] == "409"
    [round_] = result["rounds"]
    stream = result["stream"]
    assert [document["_source"] for document in stream["documents"]] == [{"n": 1}, {"n": 3}]
    assert stream["backedUp"] == [events[1]]
    [failed] = stream["failedRecords"]
    assert failed["key"].startswith("AmazonOpenSearchService-failed/")
    assert (failed["errorCode"], failed["rawData"]) == ("409", events[1])
    # The failed document's id is the RecordId PutRecordBatch answered for it.
    assert failed["esDocumentId"] == round_["entries"][1]["RecordId"]
    assert firehose_server.firehose["s"].delivered == [events[0].encode(), events[2].encode()]
