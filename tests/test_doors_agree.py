"""Every door gives the same answer to the same call: botocore and aiobotocore in process,
and a botocore client of the local server over its socket, answer alike (status, error code
and message), keep the same records and log the same calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION, server_client

from pytest_firehose import FirehoseFake, FirehoseServer
from pytest_firehose._doors.server import serve_fake

ONCE = {"total_max_attempts": 1}


@pytest.fixture
def server(fake: FirehoseFake) -> Iterator[FirehoseServer]:
    with serve_fake(fake) as served:
        yield served


def answer_of(call: Any) -> dict[str, Any]:
    """What a client saw: the status and error (none for a success) of ``call()``."""
    try:
        answer = call()
    except ClientError as error:
        response = error.response
        return {
            "status": response["ResponseMetadata"]["HTTPStatusCode"],
            "error": response["Error"],
        }
    return {"status": answer["ResponseMetadata"]["HTTPStatusCode"], "error": None}


def test_an_unsigned_client_is_refused_in_process_as_over_the_server(
    fake: FirehoseFake, server: FirehoseServer, new_client: Any
) -> None:
    fake.kinesis.create_stream("s")
    unsigned = Config(signature_version=UNSIGNED, retries=ONCE)
    in_process = new_client("kinesis", config=unsigned)
    over_server = server_client(server, "kinesis", config=unsigned)
    refused = {
        "status": 400,
        "error": {
            "Code": "MissingAuthenticationTokenException",
            "Message": "Missing Authentication Token",
        },
    }
    assert answer_of(in_process.list_streams) == refused
    assert answer_of(over_server.list_streams) == refused
    # Refused before the service reads it: nothing logged, whichever door.
    assert fake.kinesis.calls == []


def json_1_0(request: Any, **_: Any) -> None:
    """A ``before-send`` hook that sends the request in JSON 1.0's content type."""
    request.headers["Content-Type"] = "application/json"


def test_a_content_type_a_hook_set_is_answered_in_process_as_over_the_server(
    fake: FirehoseFake, server: FirehoseServer
) -> None:
    in_process = boto3.client("kinesis", region_name=REGION, config=Config(retries=ONCE))
    over_server = server_client(server, "kinesis", config=Config(retries=ONCE))
    envelopes = []
    for client in (in_process, over_server):
        client.meta.events.register("before-send", json_1_0)
        with pytest.raises(ClientError) as caught:
            client.list_streams()
        response = caught.value.response["ResponseMetadata"]
        envelopes.append((response["HTTPStatusCode"], response["HTTPHeaders"]["content-type"]))
    assert envelopes == [(404, "application/json")] * 2
    assert fake.kinesis.calls == []
