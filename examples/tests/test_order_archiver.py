"""The order archiver run as Lambda runs it: behind a Kinesis event source mapping
(``kinesis[name].lambda_trigger``), writing to Firehose, with Firehose's failures scripted."""

from __future__ import annotations

import json
from typing import Any

import boto3
from order_archiver.handler import DELIVERY_STREAM, handler


def _put_orders(*orders: Any) -> None:
    client = boto3.client("kinesis", region_name="us-east-1")
    for order in orders:
        data = order if isinstance(order, bytes) else json.dumps(order).encode()
        client.put_record(StreamName="orders", Data=data, PartitionKey="shop-1")


def _archiver(kinesis: Any, firehose: Any) -> Any:
    firehose.create_delivery_stream(DELIVERY_STREAM)
    stream = kinesis.create_stream("orders")
    return stream.lambda_trigger(
        handler,
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=3,
    )


def test_orders_reach_the_archive_as_json_lines(kinesis: Any, firehose: Any) -> None:
    trigger = _archiver(kinesis, firehose)
    _put_orders({"id": 1, "total": 9.5}, b"not json", {"id": 2, "total": 3})

    trigger.drain()

    firehose[DELIVERY_STREAM].assert_delivered(
        [b'{"id":1,"total":9.5}\n', b'{"id":2,"total":3}\n'], ordered=True
    )
    assert len(trigger.invocations) == 1
    assert trigger.failures == []


def test_a_record_firehose_refuses_is_retried_with_those_after_it(
    kinesis: Any, firehose: Any
) -> None:
    trigger = _archiver(kinesis, firehose)
    firehose.fail(records={1: "ServiceUnavailableException"})
    _put_orders({"id": 1}, {"id": 2}, {"id": 3})

    trigger.drain()

    # The mapping resumed from the refused record: it and the one after it went again.
    assert [len(invocation.records) for invocation in trigger.invocations] == [3, 2]
    firehose[DELIVERY_STREAM].assert_delivered(
        [b'{"id":1}\n', b'{"id":2}\n', b'{"id":3}\n', b'{"id":3}\n']
    )


def test_an_archive_that_stays_down_ends_in_the_failure_record(kinesis: Any, firehose: Any) -> None:
    trigger = _archiver(kinesis, firehose)
    firehose.fail(error="ResourceNotFoundException", times=4)
    _put_orders({"id": 1})

    trigger.drain()

    assert [invocation.failed for invocation in trigger.invocations] == [True] * 4
    (failure,) = trigger.failures
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["KinesisBatchInfo"]["batchSize"] == 1
