"""Error answers have one body, whether a service gave them or the fake itself."""

from __future__ import annotations

from datetime import datetime, timezone

from pytest_firehose._errors import ServiceError
from pytest_firehose._wire.codec import CONTENT_TYPE, encode_error, encode_unserved_error


def test_an_unserved_error_has_the_service_errors_body_and_no_request_id() -> None:
    error = ServiceError("InternalFailure", "pytest-firehose: boom", 500)
    served = encode_error(
        error, request_id="r", extended_id="x", date=datetime(2026, 1, 1, tzinfo=timezone.utc)
    )
    unserved = encode_unserved_error(error)
    assert (
        (unserved.status, unserved.body)
        == (served.status, served.body)
        == (
            500,
            b'{"__type":"InternalFailure","message":"pytest-firehose: boom"}',
        )
    )
    assert unserved.headers == {"Content-Type": CONTENT_TYPE}
