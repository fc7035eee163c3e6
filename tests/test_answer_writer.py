"""Answers that carry blobs are written by a writer that follows the output shape; what it
writes must be the very bytes json.dumps writes for the same answer."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

import pytest

from pytest_firehose._wire.codec import encode_result
from pytest_firehose._wire.shapes import operation_model

AT = datetime(2024, 3, 1, 12, 30, 5, 123000, tzinfo=timezone.utc)


def _record(data: Any, key: str, **more: Any) -> dict[str, Any]:
    return {
        "SequenceNumber": "49546986683135544286507457936321625675700192471156785154",
        "ApproximateArrivalTimestamp": AT,
        "Data": data,
        "PartitionKey": key,
        **more,
    }


ANSWERS = {
    "base64 text": {
        "Records": [_record(base64.b64encode(b"x" * 100).decode(), "k")],
        "MillisBehindLatest": 0,
        "NextShardIterator": "AAAAAAAAAAH" + "A" * 200,
    },
    "bytes, escapes and unicode": {
        "Records": [
            _record(b"\x00\xff raw", 'quote " back \\ slash'),
            _record("", "tab\tnewline\n é ☃ \U0001f600", EncryptionType="KMS"),
        ],
        "MillisBehindLatest": 12345678901234,
        "ChildShards": [
            {
                "ShardId": "shardId-000000000002",
                "ParentShards": ["shardId-000000000000", "shardId-000000000001"],
                "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "1"},
            }
        ],
    },
    "no records": {"Records": [], "MillisBehindLatest": 0, "NextShardIterator": "A"},
    "a member the shape lacks": {"Records": [], "Extra": {"a": [1, 2.5, None, True]}},
}


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=list(ANSWERS))
def test_the_shape_writer_writes_what_json_dumps_writes(answer: dict[str, Any]) -> None:
    output = operation_model("kinesis", "GetRecords").output_shape
    stamp: dict[str, Any] = {"request_id": "r", "extended_id": "e", "date": AT}
    written = encode_result(answer, output=output, **stamp)
    dumped = encode_result(answer, **stamp)
    assert written.body == dumped.body
    assert written.headers == dumped.headers
