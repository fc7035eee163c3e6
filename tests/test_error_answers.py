"""Error answers have one body, whether a service gave them or the fake itself."""

from __future__ import annotations

from datetime import datetime, timezone

from pytest_firehose._errors import ServiceError
from pytest_firehose._wire.codec import CONTENT_TYPE, encode_error, encode_unserved_error


def test_an_unserved_error_has_the_service_errors_body_and_request_ids() -> None:
    # Every error answer AWS sends carries x-amzn-RequestId and x-amz-id-2 (kinesalite's
    # connection tests, run against Kinesis, assert both on each refusal).
    error = ServiceError("InternalFailure", "pytest-firehose: boom", 500)
    stamp = {
        "request_id": "r",
        "extended_id": "x",
        "date": datetime(2026, 1, 1, tzinfo=timezone.utc),
    }
    served = encode_error(error, **stamp)
    unserved = encode_unserved_error(error, **stamp)
    assert (
        (unserved.status, unserved.body)
        == (served.status, served.body)
        == (
            500,
            b'{"__type":"InternalFailure","message":"pytest-firehose: boom"}',
        )
    )
    assert unserved.headers == served.headers
    assert unserved.headers["Content-Type"] == CONTENT_TYPE
    assert unserved.headers["x-amzn-RequestId"] == "r"
