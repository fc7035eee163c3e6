"""A fan-out consumer written with the AWS SDK for JavaScript v3 (``js/subscribe.mjs``),
its default Kinesis client speaking HTTP/2 to the local server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pytest_firehose import FirehoseServer

SHARD = "shardId-000000000000"


def test_the_default_kinesis_client_subscribes_over_http2(
    run_js: Any, firehose_server: FirehoseServer
) -> None:
    pytest.importorskip("h2", reason="the server speaks HTTP/2 with the http2 extra")
    stream = firehose_server.kinesis.create_stream("s")
    started = firehose_server.kinesis.clock.now()

    result = run_js(
        "subscribe.mjs",
        {"streamArn": stream.arn, "shardId": SHARD, "before": ["a", "b"], "during": ["c"]},
    )

    assert result["error"] is None
    events = result["events"]
    assert [text for event in events for text in event["data"]] == ["a", "b", "c"]
    assert events[0]["data"] == ["a", "b"]
    numbers = [record.sequence_number for record in stream.records]
    # Where the subscription stands: past the last record, and no record's number.
    assert events[-1]["continuation"] not in numbers
    assert int(events[-1]["continuation"]) > int(numbers[-1])
    # The stream ended when the control API moved the clock to the subscription's end; the
    # server itself never moved it.
    assert firehose_server.kinesis.clock.now() - started == timedelta(minutes=5)
    operations = [call.operation for call in firehose_server.kinesis.calls]
    assert operations.count("SubscribeToShard") == 1
    assert operations.count("PutRecord") == 3
