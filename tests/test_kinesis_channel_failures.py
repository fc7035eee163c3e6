"""A Kinesis channel that FAILS: on purpose (``channels[i].fail()``, ``POST /_fake/channel``)
or because its bucket stays unusable; what DescribeChannel, ListChannels and the other
channel operations then answer, and what becomes of the records.

botocore sends the channel operations from 1.44 on; older releases cannot call them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import boto3
import pytest
from conftest import REGION, SEED, ask_control, needs_botocore, refused, server_client
from moto import mock_aws
from test_kinesis_channels import (
    ROLE,
    check_shape,
    create,
    error,
    put,
    s3_destination,
    tables_destination,
)

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._doors.server import FirehoseServer

pytestmark = needs_botocore("kinesis CreateChannel")

BUCKET_GONE = (
    "The destination bucket arn:aws:s3:::channel-bucket does not exist or is in another Region."
)


@pytest.fixture
def kinesis(fake: FirehoseFake) -> Any:
    client = boto3.client("kinesis", region_name=REGION)
    client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    return client


@pytest.fixture
def moto_s3(fake: FirehoseFake) -> Iterator[Any]:
    """moto's ``mock_aws`` active for the test, with no bucket yet: a boto3 S3 client."""
    with mock_aws():
        yield boto3.client("s3", region_name=REGION)


@pytest.fixture
def slow() -> Iterator[tuple[FirehoseFake, Any]]:
    """A fake whose channels take 10 seconds to become ACTIVE and to go, with an ACTIVE
    channel ``c`` on the stream ``s``; and its Kinesis client."""
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=10) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        fake.kinesis.clock.advance(seconds=10)
        create(client)
        fake.kinesis.clock.advance(seconds=10)
        yield fake, client


def described(client: Any, arn: str) -> dict[str, Any]:
    answer = client.describe_channel(ChannelARN=arn)
    check_shape(client, "DescribeChannel", answer)
    description: dict[str, Any] = answer["ChannelDescription"]
    return description


# --------------------------------------------------------------------------- on purpose


def test_a_failed_channel_is_described_and_listed_with_its_reason(kinesis, fake):
    arn = create(kinesis)["ChannelARN"]
    assert described(kinesis, arn)["ChannelStatus"] == "ACTIVE"
    assert "ChannelStatusReason" not in described(kinesis, arn)

    fake.kinesis["s"].channels[0].fail(reason="Schema arn:aws:glue:x cannot be resolved.")

    description = described(kinesis, arn)
    assert description["ChannelStatus"] == "FAILED"
    assert description["ChannelStatusReason"] == "Schema arn:aws:glue:x cannot be resolved."
    listed = kinesis.list_channels()
    check_shape(kinesis, "ListChannels", listed)
    (summary,) = listed["ChannelSummaries"]
    assert (summary["ChannelStatus"], summary["ChannelStatusReason"]) == (
        "FAILED",
        "Schema arn:aws:glue:x cannot be resolved.",
    )
    (channel,) = fake.kinesis["s"].channels
    assert (channel.status, channel.status_reason) == (
        "FAILED",
        "Schema arn:aws:glue:x cannot be resolved.",
    )


def test_without_a_reason_the_role_is_blamed(kinesis, fake):
    arn = create(kinesis)["ChannelARN"]
    fake.kinesis["s"].channels[0].fail()

    reason = described(kinesis, arn)["ChannelStatusReason"]
    assert ROLE in reason
    assert reason.startswith("Kinesis Data Streams could not assume the service execution role")


def test_a_failed_channel_writes_nothing_more(kinesis, fake):
    create(kinesis)
    put(kinesis, b'{"early": 1}')
    fake.kinesis.clock.advance(seconds=300)  # written: its freshness ran out
    put(kinesis, b'{"held": 2}')
    fake.kinesis.clock.advance(seconds=100)
    fake.kinesis["s"].channels[0].fail(reason="gone")
    put(kinesis, b'{"late": 3}')
    fake.kinesis.clock.advance(seconds=3600)

    (channel,) = fake.kinesis["s"].channels
    assert [obj.body for obj in channel.objects] == [b'{"early": 1}\n']
    assert channel.pending == []
    # The stream keeps them for its readers, for its retention period.
    assert [record.data for record in fake.kinesis["s"].records] == [
        b'{"early": 1}',
        b'{"held": 2}',
        b'{"late": 3}',
    ]


@pytest.mark.filterwarnings("ignore::pytest_firehose.UnmodelledSettingWarning")
def test_an_s3_tables_channel_that_failed_gives_its_table_no_more_rows(kinesis, fake):
    create(kinesis, S3TablesDestinationConfiguration=tables_destination())
    put(kinesis, b'{"id": 1}')
    fake.kinesis.clock.advance(seconds=300)
    fake.kinesis["s"].channels[0].fail()
    put(kinesis, b'{"id": 2}')
    fake.kinesis.clock.advance(seconds=300)

    assert fake.kinesis["s"].channels[0].rows == [{"id": 1}]


def test_a_creating_channel_fails_and_never_becomes_active():
    with FirehoseFake(region=REGION, seed=SEED, creation_delay=60) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        fake.kinesis.clock.advance(seconds=60)
        arn = create(client)["ChannelARN"]
        assert fake.kinesis["s"].channels[0].status == "CREATING"
        fake.kinesis["s"].channels[0].fail()
        fake.kinesis.clock.advance(seconds=120)
        put(client, b'{"a": 1}')
        fake.kinesis.clock.advance(seconds=600)

        assert described(client, arn)["ChannelStatus"] == "FAILED"
        assert fake.kinesis["s"].channels[0].objects == []


def test_update_is_refused_and_delete_is_not(slow):
    fake, kinesis = slow
    fake.kinesis["s"].channels[0].fail()
    arn = fake.kinesis["s"].channels[0].arn

    update = refused(
        kinesis.update_channel,
        ChannelARN=arn,
        S3DestinationConfiguration={"DataFreshnessInSeconds": 600},
    )
    assert error(update) == (
        "ResourceInUseException",
        f"Channel {arn} under account 123456789012 not ACTIVE, instead in state FAILED",
    )
    kinesis.delete_channel(ChannelARN=arn)
    description = described(kinesis, arn)
    assert description["ChannelStatus"] == "DELETING"
    assert "ChannelStatusReason" not in description
    fake.kinesis.clock.advance(seconds=10)
    assert kinesis.list_channels()["ChannelSummaries"] == []


def test_it_holds_its_name_and_stream_until_deleted_then_is_made_again(kinesis, fake):
    arn = create(kinesis)["ChannelARN"]
    fake.kinesis["s"].channels[0].fail()

    again = refused(
        kinesis.create_channel,
        ChannelName="c",
        ServiceExecutionRoleARN=ROLE,
        StreamConfigurationList=[
            {
                "StreamARN": fake.kinesis["s"].arn,
                "RecordConfiguration": {"RecordFormatType": "JSON"},
            }
        ],
        S3DestinationConfiguration=s3_destination(),
    )
    stream_deleted = refused(kinesis.delete_stream, StreamName="s")
    kinesis.delete_channel(ChannelARN=arn)
    fake.kinesis.clock.advance(seconds=1)
    made = create(kinesis)
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=300)

    assert error(again)[0] == "ResourceInUseException"
    assert error(stream_deleted)[0] == "ResourceInUseException"
    (channel,) = fake.kinesis["s"].channels
    assert (channel.arn, channel.status) == (made["ChannelARN"], "ACTIVE")
    assert [obj.body for obj in channel.objects] == [b'{"a": 1}\n']


def test_a_channel_that_cannot_fail_is_a_usage_error(slow):
    fake, kinesis = slow
    state = fake.kinesis["s"].channels[0]
    state.fail(reason="first")
    with pytest.raises(UsageError, match=r"FAILED already \(first\).*DeleteChannel it"):
        state.fail(reason="second")

    kinesis.delete_channel(ChannelARN=state.arn)
    with pytest.raises(UsageError, match="DELETING and cannot fail; fail it before DeleteChannel"):
        state.fail()
    fake.kinesis.clock.advance(seconds=10)
    with pytest.raises(UsageError, match="channel c is gone"):
        state.fail()
    assert fake.kinesis["s"].channels == []


@pytest.mark.parametrize(
    ("reason", "shown"),
    [(42, "not int"), ("", "not 0 characters"), ("x" * 2049, "not 2049 characters")],
)
def test_a_reason_the_api_cannot_carry_is_a_usage_error(kinesis, fake, reason, shown):
    create(kinesis)
    with pytest.raises(UsageError, match=f"a string of 1 to 2048 characters, {shown}"):
        fake.kinesis["s"].channels[0].fail(reason=reason)
    assert fake.kinesis["s"].channels[0].status == "ACTIVE"


@pytest.mark.parametrize("reason", ["x", "y" * 2048], ids=["1 character", "2048 characters"])
def test_a_reason_of_either_bounding_length_is_described(kinesis, fake, reason):
    arn = create(kinesis)["ChannelARN"]

    fake.kinesis["s"].channels[0].fail(reason=reason)

    description = described(kinesis, arn)
    assert (description["ChannelStatus"], description["ChannelStatusReason"]) == (
        "FAILED",
        reason,
    )


# --------------------------------------------------------------------------- by itself


def test_a_bucket_that_stays_missing_fails_the_channel(kinesis, fake, moto_s3):
    arn = create(kinesis)["ChannelARN"]
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=300)  # NoSuchBucket, written again each minute
    fake.kinesis.clock.advance(seconds=240)
    still = described(kinesis, arn)["ChannelStatus"]
    fake.kinesis.clock.advance(seconds=60)  # five minutes after the first refusal

    description = described(kinesis, arn)
    assert still == "ACTIVE"
    assert (description["ChannelStatus"], description["ChannelStatusReason"]) == (
        "FAILED",
        BUCKET_GONE,
    )
    assert fake.kinesis["s"].channels[0].objects == []  # never written
    moto_s3.create_bucket(Bucket="channel-bucket")
    put(kinesis, b'{"b": 2}')
    fake.kinesis.clock.advance(seconds=900)
    assert moto_s3.list_objects_v2(Bucket="channel-bucket")["KeyCount"] == 0


def test_a_missing_bucket_refusing_objects_and_dead_letters_fails_the_channel(
    kinesis, fake, moto_s3
):
    arn = create(kinesis)["ChannelARN"]
    put(kinesis, b'{"a": 1}', b"oops")  # an object and a dead-letter object, both refused
    fake.kinesis.clock.advance(seconds=600)

    description = described(kinesis, arn)
    assert (description["ChannelStatus"], description["ChannelStatusReason"]) == (
        "FAILED",
        BUCKET_GONE,
    )
    (channel,) = fake.kinesis["s"].channels
    assert (channel.objects, channel.errors) == ([], [])


def test_a_missing_dead_letter_bucket_fails_the_channel(kinesis, fake, moto_s3):
    moto_s3.create_bucket(Bucket="channel-bucket")
    dead_letters = {"BucketARN": "arn:aws:s3:::dead-letters", "ExpectedBucketOwner": "123456789012"}
    arn = create(
        kinesis,
        S3DestinationConfiguration={
            **s3_destination(),
            "DeadLetterQueueS3Configuration": dead_letters,
        },
    )["ChannelARN"]
    put(kinesis, b'{"a": 1}', b"oops")
    fake.kinesis.clock.advance(seconds=600)

    assert described(kinesis, arn)["ChannelStatusReason"] == (
        "The destination bucket arn:aws:s3:::dead-letters does not exist or is in another Region."
    )
    (channel,) = fake.kinesis["s"].channels
    assert [obj.body for obj in channel.objects] == [b'{"a": 1}\n']
    assert channel.errors == []


class _RefusingBucket(BaseHTTPRequestHandler):
    """An S3 on loopback whose every PutObject is refused with ``refusal`` (status, code)."""

    #: So that botocore's ``Expect: 100-continue`` is answered at once, not waited out.
    protocol_version = "HTTP/1.1"
    refusal: ClassVar[tuple[int, str]]
    refused: ClassVar[list[str]]

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.refused.append(self.path)
        status, code = self.refusal
        body = f"<Error><Code>{code}</Code><Message>refused</Message></Error>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def refusing_s3(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fake whose channels write to an S3 on loopback that refuses every object with the
    (status, code) the test is parametrized with; its Kinesis client, stream ``s``, and
    the paths refused."""
    refused: list[str] = []
    handler = type("Bucket", (_RefusingBucket,), {"refusal": request.param, "refused": refused})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        with FirehoseFake(region=REGION, seed=SEED, allow_hosts=["127.0.0.1"]) as fake:
            client = boto3.client("kinesis", region_name=REGION)
            client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
            yield fake, client, refused
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("refusing_s3", [(403, "AccessDenied")], indirect=True)
def test_a_bucket_the_role_may_not_write_to_fails_the_channel(refusing_s3):
    fake, kinesis, refused = refusing_s3
    arn = create(kinesis)["ChannelARN"]
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=900)

    assert described(kinesis, arn)["ChannelStatusReason"] == (
        "Access to the destination bucket arn:aws:s3:::channel-bucket was denied: the "
        f"service execution role {ROLE} lacks the permissions delivery needs."
    )
    assert len(refused) == 6  # at 300 seconds, then each minute until 600


@pytest.mark.parametrize("refusing_s3", [(400, "InvalidRequest")], indirect=True)
def test_other_refusals_are_written_again_each_minute_for_as_long_as_they_last(refusing_s3):
    fake, kinesis, refused = refusing_s3
    arn = create(kinesis)["ChannelARN"]
    put(kinesis, b'{"a": 1}')
    fake.kinesis.clock.advance(seconds=1200)  # past the five minutes a bucket fails in

    assert described(kinesis, arn)["ChannelStatus"] == "ACTIVE"
    assert len(refused) == 16  # at 300 seconds, then each minute until 1200


# --------------------------------------------------------------------------- over HTTP


def test_the_control_api_fails_a_channel_and_shows_why():
    with FirehoseServer() as server:
        client = server_client(server, "kinesis")
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        arn = create(client)["ChannelARN"]
        body = {"channel": "c", "fail": True, "reason": "Bucket owner mismatch."}
        status, failed = ask_control(server, "POST", "/_fake/channel", body)
        _, shown = ask_control(server, "GET", f"/_fake/streams/s?service=kinesis&region={REGION}")
        again = ask_control(server, "POST", "/_fake/channel", body)
        no_fail = ask_control(server, "POST", "/_fake/channel", {"channel": "c"})
        unknown = ask_control(server, "POST", "/_fake/channel", {"channel": "x", "fail": True})
        description = described(client, arn)

    assert status == 200
    assert (failed["stream"], failed["arn"], failed["status"]) == ("s", arn, "FAILED")
    assert failed["status_reason"] == "Bucket owner mismatch."
    assert shown["channels"][0]["status_reason"] == "Bucket owner mismatch."
    assert description["ChannelStatusReason"] == "Bucket owner mismatch."
    assert again[0] == 400
    assert again[1]["error"].startswith("POST /_fake/channel: channel c is FAILED already")
    assert no_fail[0] == 400
    assert no_fail[1]["error"].startswith('give "fail": true')
    assert unknown == (404, {"error": 'no Kinesis channel "x"'})


def test_the_control_api_words_a_bad_reason_in_json():
    with FirehoseServer() as server:
        client = server_client(server, "kinesis")
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        create(client)
        body = {"channel": "c", "fail": True, "reason": 7}
        status, answer = ask_control(server, "POST", "/_fake/channel", body)

    assert status == 400
    assert answer["error"] == (
        'POST /_fake/channel: "reason" is the ChannelStatusReason DescribeChannel shows, a '
        "string of 1 to 2048 characters, not a number"
    )
