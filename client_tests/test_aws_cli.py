"""The AWS CLI (v1), as a subprocess, against the local server."""

from __future__ import annotations

import base64
import json
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

#: AWS CLI v1 exits 255 when the service refuses a request (v2 exits 254).
SERVICE_ERROR_EXIT = 255


@pytest.mark.parametrize("service", SERVICES)
def test_the_cli_shows_which_records_failed(
    aws: Any, firehose_server: FirehoseServer, service: Service
) -> None:
    service.create(firehose_server, "s")
    service.handle(firehose_server).fail(records={1: service.throttle_code})

    run = aws(*service.cli_put_args("s", ["a\n", "b\n", "c\n"]))

    assert run.returncode == 0, run.stderr
    assert run.output[service.failed_count] == 1
    first, failed, last = run.output[service.entries]
    assert failed == {
        "ErrorCode": service.throttle_code,
        "ErrorMessage": message(service.throttle_message, "s"),
    }
    assert "ErrorCode" not in first
    assert "ErrorCode" not in last
    # The CLI reports the failure and resends nothing: that is the caller's job.
    assert service.records(firehose_server, "s") == [b"a\n", b"c\n"]
    [call] = service.handle(firehose_server).calls
    assert (call.outcome, call.failed_indices) == ("partial", (1,))


@pytest.mark.parametrize("retry_mode", ["legacy", "standard"])
@pytest.mark.parametrize("service", SERVICES)
def test_the_cli_retries_a_throttled_call(
    aws: Any, firehose_server: FirehoseServer, service: Service, retry_mode: str
) -> None:
    service.create(firehose_server, "s")
    service.handle(firehose_server).fail(throttle=1)

    run = aws(*service.cli_put_args("s", ["a\n", "b\n"]), env={"AWS_RETRY_MODE": retry_mode})

    assert run.returncode == 0, run.stderr
    assert run.output[service.failed_count] == 0
    service.assert_exactly_once(firehose_server, "s", ["a\n", "b\n"])
    calls = service.handle(firehose_server).calls
    assert [(c.attempt, c.outcome, c.error) for c in calls] == [
        (1, "error", service.throttle_code),
        (2, "ok", None),
    ]
    assert calls[0].status == service.throttle_status
    # Both attempts are one CLI call: botocore sends the same invocation id with each.
    assert calls[0].invocation_id == calls[1].invocation_id
    uuid.UUID(calls[0].invocation_id)


@pytest.mark.parametrize("service", SERVICES)
def test_the_cli_gives_up_after_its_attempts_with_the_service_error(
    aws: Any, firehose_server: FirehoseServer, service: Service
) -> None:
    service.create(firehose_server, "s")
    service.handle(firehose_server).fail(throttle=2)

    run = aws(*service.cli_put_args("s", ["a\n"]), env={"AWS_MAX_ATTEMPTS": "2"})

    assert run.returncode == SERVICE_ERROR_EXIT
    assert run.stderr.strip() == (
        f"An error occurred ({service.throttle_code}) when calling the {service.put} operation "
        f"(reached max retries: 1): {message(service.throttle_message, 's')}"
    )
    assert service.records(firehose_server, "s") == []
    assert [c.attempt for c in service.handle(firehose_server).calls] == [1, 2]


@pytest.mark.parametrize("service", SERVICES)
def test_the_cli_resends_a_batch_whose_connection_dropped_after_commit(
    aws: Any, firehose_server: FirehoseServer, service: Service
) -> None:
    # Over a socket a scripted timeout closes the connection unanswered; botocore retries,
    # so the records committed by the first attempt are stored twice.
    service.create(firehose_server, "s")
    service.handle(firehose_server).fail(timeout="commit")

    run = aws(*service.cli_put_args("s", ["a\n", "b\n"]))

    assert run.returncode == 0, run.stderr
    assert run.output[service.failed_count] == 0
    assert service.records(firehose_server, "s") == [b"a\n", b"b\n", b"a\n", b"b\n"]
    calls = service.handle(firehose_server).calls
    assert [(c.attempt, c.outcome) for c in calls] == [(1, "timeout"), (2, "ok")]


def test_the_cli_lists_and_describes_delivery_streams(
    aws: Any, firehose_server: FirehoseServer
) -> None:
    firehose_server.firehose.create_delivery_stream("made-by-the-test")

    created = aws("firehose", "create-delivery-stream", "--delivery-stream-name", "made-by-cli")
    listed = aws("firehose", "list-delivery-streams")
    described = aws("firehose", "describe-delivery-stream", "--delivery-stream-name", "made-by-cli")

    assert created.returncode == 0, created.stderr
    assert created.output["DeliveryStreamARN"] == firehose_server.firehose["made-by-cli"].arn
    assert listed.output == {
        "DeliveryStreamNames": ["made-by-cli", "made-by-the-test"],
        "HasMoreDeliveryStreams": False,
    }
    description = described.output["DeliveryStreamDescription"]
    assert description["DeliveryStreamName"] == "made-by-cli"
    assert description["DeliveryStreamARN"] == created.output["DeliveryStreamARN"]
    assert description["DeliveryStreamStatus"] == "ACTIVE"
    assert description["DeliveryStreamType"] == "DirectPut"


@pytest.mark.parametrize("service", SERVICES)
def test_the_cli_shows_the_service_error_for_an_unknown_stream(aws: Any, service: Service) -> None:
    run = aws(*service.cli_put_args("nope", ["a\n"]))

    assert run.returncode == SERVICE_ERROR_EXIT
    assert run.output is None
    assert run.stderr.strip() == (
        f"An error occurred (ResourceNotFoundException) when calling the {service.put} "
        f"operation: {message(service.not_found_message, 'nope')}"
    )


def test_the_cli_shows_the_validation_error_for_an_oversized_record(
    aws: Any, firehose_server: FirehoseServer, tmp_path: Any
) -> None:
    # botocore checks no maximum lengths: the service refuses the whole batch.
    firehose_server.firehose.create_delivery_stream("s")
    too_big = "x" * 1_024_001
    records = tmp_path / "records.json"
    records.write_text(f'[{{"Data": "a"}}, {{"Data": "{too_big}"}}]')

    run = aws(
        "firehose",
        "put-record-batch",
        "--delivery-stream-name",
        "s",
        "--records",
        f"file://{records}",
    )

    assert run.returncode == SERVICE_ERROR_EXIT
    assert run.stderr.strip().startswith(
        "An error occurred (ValidationException) when calling the PutRecordBatch operation: "
        "1 validation error detected: "
    )
    assert (
        "at 'records.2.member.data' failed to satisfy constraint: Member must have length "
        "less than or equal to 1024000" in run.stderr
    )
    assert firehose_server.firehose["s"].records == []


# ---------------------------------------------------------------------- the destination
# A shell script: the CLI creates the stream and puts, curl drives the control API.


def create(aws: Any, option: str, destination: dict[str, Any]) -> None:
    """``aws firehose create-delivery-stream`` of stream ``s`` with that destination."""
    created = aws(
        "firehose",
        "create-delivery-stream",
        "--delivery-stream-name",
        "s",
        option,
        json.dumps(destination),
    )
    assert created.returncode == 0, created.stderr


def failed_records(shown: dict[str, Any]) -> list[dict[str, Any]]:
    """The records a delivery stream's destination gave up on, as its S3 bucket received
    them (one JSON object a line), with the object's key."""
    return [
        {"key": written["key"], **json.loads(line)}
        for written in shown["backed_up_objects"]
        for line in base64.b64decode(written["body"]).splitlines()
    ]


def text(payloads: list[str]) -> list[str]:
    return [base64.b64decode(payload).decode() for payload in payloads]


def test_records_a_down_destination_gives_up_on_go_to_its_bucket_with_the_error(
    aws: Any, curl: Any
) -> None:
    create(aws, "--splunk-destination-configuration", SPLUNK)
    switched = curl(
        "POST", "/_fake/destination", {"stream": "s", "up": False, "error": INVALID_TOKEN}
    )
    assert switched == {"stream": "s", "up": False, "error": INVALID_TOKEN, "refusing": None}
    events = ['{"event": 1}', '{"event": 2}']

    put = aws(*FIREHOSE.cli_put_args("s", events))
    curl("POST", "/_fake/clock", {"advance": PAST_RETRIES})
    shown = curl("GET", "/_fake/streams/s")

    # The put succeeds: the outage is behind the stream, where the CLI cannot see it.
    assert (put.returncode, put.output["FailedPutCount"]) == (0, 0)
    assert (shown["delivered"], shown["pending"]) == ([], [])
    assert text(shown["backed_up"]) == events
    failed = failed_records(shown)
    assert [(f["errorCode"], f["errorMessage"], f["rawData"]) for f in failed] == [
        (INVALID_TOKEN, INVALID_TOKEN_MESSAGE, b64(event)) for event in events
    ]
    assert all(f["key"].startswith("splunk-failed/") for f in failed)


def test_documents_the_index_refuses_go_to_the_bucket_and_the_rest_are_indexed(
    aws: Any, curl: Any
) -> None:
    create(aws, "--amazonopensearchservice-destination-configuration", OPENSEARCH)
    curl("POST", "/_fake/destination", {"stream": "s", "refuse": {"containing": b64("bad")}})
    events = ['{"n": 1}', '{"n": 2, "bad": true}', '{"n": 3}']

    put = aws(*FIREHOSE.cli_put_args("s", events))
    curl("POST", "/_fake/clock", {"advance": PAST_RETRIES})
    shown = curl("GET", "/_fake/streams/s")

    assert (put.returncode, put.output["FailedPutCount"]) == (0, 0)
    assert [document["_source"] for document in shown["documents"]] == [{"n": 1}, {"n": 3}]
    assert text(shown["backed_up"]) == [events[1]]
    [failed] = failed_records(shown)
    assert failed["key"].startswith("AmazonOpenSearchService-failed/")
    # The default refusal: OpenSearch's bulk answer for a document it cannot parse.
    assert (failed["errorCode"], failed["rawData"]) == ("400", b64(events[1]))
    assert json.loads(failed["errorMessage"])["type"] == "mapper_parsing_exception"
    assert failed["esDocumentId"] == put.output["RequestResponses"][1]["RecordId"]
