"""What the Kinesis event source mapping tests share: records put to stream ``s``, a
function that takes every batch, and the batches a trigger handed its function."""

from __future__ import annotations

from typing import Any

import boto3

REGION = "us-east-1"


def put(*payloads: bytes, key: str = "k", stream: str = "s") -> None:
    """PutRecord each payload to Kinesis stream ``stream`` under partition key ``key``, one
    call each, in order."""
    client = boto3.client("kinesis", region_name=REGION)
    for payload in payloads:
        client.put_record(StreamName=stream, Data=payload, PartitionKey=key)


def put_keyed(*pairs: tuple[str, bytes]) -> None:
    """PutRecord each ``(partition key, payload)`` pair to Kinesis stream ``s``, in order."""
    client = boto3.client("kinesis", region_name=REGION)
    for key, payload in pairs:
        client.put_record(StreamName="s", Data=payload, PartitionKey=key)


def accept_all(event: dict[str, Any], context: Any) -> None:
    """A function that takes every batch it is handed."""
    return


def batches(trigger: Any) -> list[list[bytes]]:
    """The records of each invocation of ``trigger``'s function, in order."""
    return [invocation.records for invocation in trigger.invocations]
