"""A producer and a consumer written with the AWS SDK for Go v2 (``go/``), as subprocesses,
against the local server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from client_support import (
    FIREHOSE,
    INVALID_COLUMNS,
    INVALID_TOKEN,
    INVALID_TOKEN_MESSAGE,
    KINESIS,
    PAST_RETRIES,
    SERVICES,
    SNOWFLAKE,
    SPLUNK,
    Service,
    b64,
    message,
)

from pytest_firehose import FirehoseServer

PAYLOADS = ["a\n", "b\n", "c\n"]


def produce(run_go: Any, service: Service, **job: Any) -> Any:
    return run_go("produce", {"service": service.name, "stream": "s", **job})


def retried(code: str, times: int) -> list[dict[str, Any]]:
    """The SDK's attempts for a call that failed ``times`` times with ``code``, then
    succeeded."""
    return [{"error": code, "retryable": True}] * times + [{"error": None, "retryable": False}]


# ---------------------------------------------------------------------- the producer


@pytest.mark.parametrize("scripted_by", ["test", "control-api"])
@pytest.mark.parametrize("service", SERVICES)
def test_a_producer_resends_only_the_failed_records(
    run_go: Any, firehose_server: FirehoseServer, service: Service, scripted_by: str
) -> None:
    service.create(firehose_server, "s")
    faults = []
    if scripted_by == "test":
        service.handle(firehose_server).fail(records={1: service.throttle_code})
    else:  # the Go side scripts it over HTTP, as a test in Go would
        faults = [{"service": service.name, "records": {"1": service.throttle_code}}]

    result = produce(run_go, service, records=PAYLOADS, faults=faults)

    assert result["error"] is None
    assert len(result["scripted"]) == len(faults)
    first, second = result["rounds"]
    assert first["sent"] == PAYLOADS
    assert first["failedCount"] == 1
    assert first["entries"][1] == {
        "ErrorCode": service.throttle_code,
        "ErrorMessage": message(service.throttle_message, "s"),
    }
    # The records that went through carry their id (Firehose) or place (Kinesis) only.
    assert all("ErrorCode" not in first["entries"][i] for i in (0, 2))
    assert (second["sent"], second["failedCount"]) == (["b\n"], 0)
    assert result["unsent"] == []
    # A partial failure is a 200 answer: the SDK made one attempt for each round.
    assert first["attempts"] == second["attempts"] == retried(service.throttle_code, 0)
    service.assert_exactly_once(firehose_server, "s", PAYLOADS)
    assert service.records(firehose_server, "s") == [b"a\n", b"c\n", b"b\n"]
    calls = service.handle(firehose_server).calls
    assert [c.records for c in calls] == [[b"a\n", b"b\n", b"c\n"], [b"b\n"]]
    assert [(c.attempt, c.outcome, c.failed_indices) for c in calls] == [
        (1, "partial", (1,)),
        (1, "ok", ()),
    ]
    # The Go SDK sends amz-sdk-invocation-id too: one per API call, so two here.
    assert len({uuid.UUID(c.invocation_id) for c in calls}) == 2
    assert first["requestId"] != second["requestId"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_sdk_retries_a_throttled_call_itself(
    run_go: Any, firehose_server: FirehoseServer, service: Service
) -> None:
    service.create(firehose_server, "s")
    service.handle(firehose_server).fail(throttle=2)

    result = produce(run_go, service, records=PAYLOADS, maxAttempts=3)

    assert result["error"] is None
    [round_] = result["rounds"]
    assert round_["failedCount"] == 0
    # Kinesis's code is one the SDK knows as throttling; Firehose's is retried for its 500.
    assert round_["attempts"] == retried(service.throttle_code, 2)
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
    run_go: Any, firehose_server: FirehoseServer, service: Service
) -> None:
    service.create(firehose_server, "s")
    service.handle(firehose_server).fail(throttle=3)

    result = produce(run_go, service, records=PAYLOADS, maxAttempts=3)

    assert result["rounds"] == []
    assert result["unsent"] == PAYLOADS
    assert result["error"] == {
        "code": service.throttle_code,
        "message": message(service.throttle_message, "s"),
        "httpStatusCode": service.throttle_status,
        "attempts": 3,
    }
    assert service.records(firehose_server, "s") == []
    calls = service.handle(firehose_server).calls
    assert [c.attempt for c in calls] == [1, 2, 3]
    assert all(c.outcome == "error" for c in calls)


@pytest.mark.parametrize("service", SERVICES)
def test_a_missing_stream_is_not_retried(
    run_go: Any, firehose_server: FirehoseServer, service: Service
) -> None:
    result = produce(run_go, service, records=PAYLOADS)

    assert result["error"] == {
        "code": "ResourceNotFoundException",
        "message": message(service.not_found_message, "s"),
        "httpStatusCode": 400,
        "attempts": 0,  # the retryer did not give up on attempts: it never retried
    }
    assert [c.attempt for c in service.handle(firehose_server).calls] == [1]


@pytest.mark.parametrize(
    ("timeout", "stored"),
    [
        pytest.param("commit", [*PAYLOADS, *PAYLOADS], id="committed-then-dropped"),
        pytest.param("lost", PAYLOADS, id="dropped-before-commit"),
    ],
)
@pytest.mark.parametrize("service", SERVICES)
def test_the_sdk_resends_a_batch_whose_connection_dropped(
    run_go: Any, firehose_server: FirehoseServer, service: Service, timeout: str, stored: list[str]
) -> None:
    # Over a socket a scripted timeout closes the connection unanswered; the Go SDK counts
    # that a connection error and retries.
    service.create(firehose_server, "s")
    service.handle(firehose_server).fail(timeout=timeout)

    result = produce(run_go, service, records=PAYLOADS)

    assert result["error"] is None
    [round_] = result["rounds"]
    assert round_["failedCount"] == 0
    dropped, answered = round_["attempts"]
    assert dropped["retryable"] is True
    assert "request send failed" in dropped["error"]
    assert answered == {"error": None, "retryable": False}
    assert service.records(firehose_server, "s") == [text.encode() for text in stored]
    calls = service.handle(firehose_server).calls
    assert [(c.attempt, c.outcome) for c in calls] == [(1, "timeout"), (2, "ok")]
    assert calls[0].invocation_id == calls[1].invocation_id


# ---------------------------------------------------------------------- the destination


def test_records_a_down_destination_gives_up_on_go_to_its_bucket_with_the_error(
    run_go: Any, firehose_server: FirehoseServer
) -> None:
    # The test in Go takes Splunk down, puts, moves the clock past the retries and reads
    # the stream back, all over the control API.
    firehose_server.firehose.create_delivery_stream("s", SplunkDestinationConfiguration=SPLUNK)
    events = ['{"event": 1}', '{"event": 2}']

    result = produce(
        run_go,
        FIREHOSE,
        records=events,
        destination=[{"stream": "s", "up": False, "error": INVALID_TOKEN}],
        advance=PAST_RETRIES,
        show=True,
    )

    # The puts succeed: the outage is behind the stream, where the producer cannot see it.
    assert (result["error"], result["unsent"]) == (None, [])
    assert [round_["failedCount"] for round_ in result["rounds"]] == [0]
    [switched] = result["switched"]
    assert switched == {"stream": "s", "up": False, "error": INVALID_TOKEN, "refusing": None}
    stream = result["stream"]
    assert (stream["delivered"], stream["pending"], stream["backedUp"]) == ([], [], events)
    failed = stream["failedRecords"]
    assert [(f["errorCode"], f["errorMessage"], f["rawData"]) for f in failed] == [
        (INVALID_TOKEN, INVALID_TOKEN_MESSAGE, event) for event in events
    ]
    assert all(f["key"].startswith("splunk-failed/") and f["attemptsMade"] > 1 for f in failed)
    assert firehose_server.firehose["s"].backed_up == [event.encode() for event in events]


def test_rows_the_table_refuses_go_to_the_bucket_and_the_rest_are_loaded(
    run_go: Any, firehose_server: FirehoseServer
) -> None:
    firehose_server.firehose.create_delivery_stream(
        "s", SnowflakeDestinationConfiguration=SNOWFLAKE
    )
    rows = ['{"id": 1}', '{"id": 2, "bad": true}', '{"id": 3}']

    result = produce(
        run_go,
        FIREHOSE,
        records=rows,
        destination=[{"stream": "s", "refuse": {"containing": b64("bad")}}],
        advance=PAST_RETRIES,
        show=True,
    )

    assert result["error"] is None
    stream = result["stream"]
    assert stream["destination"]["refusing"] == INVALID_COLUMNS
    assert stream["rows"] == [{"id": 1}, {"id": 3}]
    assert stream["backedUp"] == [rows[1]]
    [failed] = stream["failedRecords"]
    assert failed["key"].startswith("snowflake-failed/")
    # Snowflake refuses a row once: it is not retried.
    assert (failed["errorCode"], failed["attemptsMade"], failed["rawData"]) == (
        INVALID_COLUMNS,
        1,
        rows[1],
    )
    assert firehose_server.firehose["s"].rows == [{"id": 1}, {"id": 3}]


# ---------------------------------------------------------------------- the consumer


def read_back(server: FirehoseServer) -> list[dict[str, Any]]:
    """Every shard of stream ``s`` as the consumer reports it: the records each serves."""
    return [
        {
            "shardId": shard.shard_id,
            "records": [
                {
                    "data": record.data.decode(),
                    "partitionKey": record.partition_key,
                    "sequenceNumber": record.sequence_number,
                }
                for record in shard.records
            ],
        }
        for shard in server.kinesis["s"].shards
    ]


def records_of(shards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"shardId": shard["shardId"], "records": shard["records"]} for shard in shards]


def test_a_consumer_reads_back_what_the_producer_put(
    run_go: Any, firehose_server: FirehoseServer
) -> None:
    firehose_server.kinesis.create_stream("s", shard_count=2)
    firehose_server.kinesis.fail(records={0: KINESIS.throttle_code})
    payloads = [f"record {index}\n" for index in range(8)]
    produced = produce(run_go, KINESIS, records=payloads)
    assert produced["unsent"] == []

    result = run_go("consume", {"stream": "s"})

    assert result["error"] is None
    shards = result["shards"]
    assert records_of(shards) == read_back(firehose_server)
    # Both shards got records (the partition keys spread them), each record read once.
    assert all(shard["records"] for shard in shards)
    read = sorted(record["data"] for shard in shards for record in shard["records"])
    assert read == sorted(payloads)
    # The sequence numbers read are the ones PutRecords answered.
    answered = {
        entry["SequenceNumber"]
        for round_ in produced["rounds"]
        for entry in round_["entries"]
        if "SequenceNumber" in entry
    }
    assert {r["sequenceNumber"] for shard in shards for r in shard["records"]} == answered
    # An open shard's reader stops on an empty answer at the tip.
    assert all(not shard["closed"] and shard["calls"][-1]["records"] == 0 for shard in shards)


def test_a_consumer_pages_through_a_shard_with_a_limit(
    run_go: Any, firehose_server: FirehoseServer
) -> None:
    firehose_server.kinesis.create_stream("s")
    payloads = [f"{index}" for index in range(5)]
    produce(run_go, KINESIS, records=payloads)

    result = run_go("consume", {"stream": "s", "limit": 2})

    [shard] = result["shards"]
    assert [record["data"] for record in shard["records"]] == payloads
    assert [call["records"] for call in shard["calls"]] == [2, 2, 1, 0]
    assert [c.operation for c in firehose_server.kinesis.calls][-5:] == [
        "GetShardIterator",
        "GetRecords",
        "GetRecords",
        "GetRecords",
        "GetRecords",
    ]


@pytest.mark.parametrize("scripted_by", ["test", "control-api"])
def test_the_sdk_retries_a_throttled_get_records(
    run_go: Any, firehose_server: FirehoseServer, scripted_by: str
) -> None:
    firehose_server.kinesis.create_stream("s")
    produce(run_go, KINESIS, records=PAYLOADS)
    fault = {"operation": "GetRecords", "throttle": 1}
    faults = []
    if scripted_by == "test":
        firehose_server.kinesis.fail(**fault)
    else:
        faults = [{"service": "kinesis", **fault}]

    result = run_go("consume", {"stream": "s", "faults": faults})

    assert result["error"] is None
    [shard] = result["shards"]
    assert [record["data"] for record in shard["records"]] == PAYLOADS
    assert shard["calls"][0]["attempts"] == retried(KINESIS.throttle_code, 1)
    reads = [c for c in firehose_server.kinesis.calls if c.operation == "GetRecords"]
    assert [(c.attempt, c.error) for c in reads[:2]] == [
        (1, KINESIS.throttle_code),
        (2, None),
    ]
    assert reads[0].invocation_id == reads[1].invocation_id


def test_a_consumer_reads_a_closed_shard_to_its_end_then_its_children(
    run_go: Any, firehose_server: FirehoseServer
) -> None:
    stream = firehose_server.kinesis.create_stream("s")
    produce(run_go, KINESIS, records=PAYLOADS)
    parent = stream.shards[0].shard_id
    stream.split_shard(parent, 2**127)
    produce(run_go, KINESIS, records=["d\n", "e\n"])

    result = run_go("consume", {"stream": "s"})

    assert result["error"] is None
    shards = result["shards"]
    assert records_of(shards) == read_back(firehose_server)
    assert [(shard["shardId"], shard["closed"]) for shard in shards] == [
        (parent, True),
        *((child.shard_id, False) for child in stream.open_shards),
    ]
    assert [record["data"] for record in shards[0]["records"]] == PAYLOADS
    assert sorted(r["data"] for shard in shards[1:] for r in shard["records"]) == ["d\n", "e\n"]


def test_a_consumer_of_a_missing_stream_gets_the_service_error(
    run_go: Any, firehose_server: FirehoseServer
) -> None:
    result = run_go("consume", {"stream": "s"})

    assert result["shards"] == []
    assert result["error"] == {
        "code": "ResourceNotFoundException",
        "message": message(KINESIS.not_found_message, "s"),
        "httpStatusCode": 400,
        "attempts": 0,
    }
