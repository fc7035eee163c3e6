"""Reading Kinesis through boto3 on the fake clock: shard iterators, GetRecords, retention and
iterator expiry (AWS_SEMANTICS.md section 10); Firehose delivery streams reading a Kinesis
stream (section 7); and the ``kinesis`` handle a test reads results from.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import freezegun
import pytest
from conftest import REGION, ROLE, as_answered, needs_botocore, reading_kinesis, refused

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._wire.codec import HttpRequest

ACCOUNT = "123456789012"
SHARD_0, SHARD_1 = "shardId-000000000000", "shardId-000000000001"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def error(response: dict[str, Any]) -> tuple[str, str, int]:
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    return response["Error"]["Code"], response["Error"]["Message"], status


def millis(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def java_date(moment: datetime) -> str:
    """How a Java ``Date`` prints in UTC: ``Thu Jan 22 01:22:02 UTC 2015``."""
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def expired_iterator(created: datetime, now: datetime) -> str:
    """GetRecords' words for an iterator created at ``created`` and read at ``now``."""
    return (
        f"Iterator expired. The iterator was created at time {java_date(created)} while right "
        f"now it is {java_date(now)} which is further in the future than the tolerated delay "
        "of 300000 milliseconds."
    )


@pytest.fixture
def stream(fake, kinesis_client) -> list[str]:
    """Stream ``s``: 2 shards; ``a``, ``b``, ``c`` on shard 0, one second apart (the clock
    then stands a second after ``c``). Returns their sequence numbers."""
    kinesis_client.create_stream(StreamName="s", ShardCount=2)
    numbers = []
    for payload in (b"a", b"b", b"c"):
        put = kinesis_client.put_record(StreamName="s", Data=payload, PartitionKey="alpha")
        assert put["ShardId"] == SHARD_0
        numbers.append(put["SequenceNumber"])
        fake.kinesis.clock.advance(seconds=1)
    return numbers


def iterator(client: Any, kind: str, shard: str = SHARD_0, **params: Any) -> str:
    answer = client.get_shard_iterator(
        StreamName="s", ShardId=shard, ShardIteratorType=kind, **params
    )
    return str(answer["ShardIterator"])


def payloads(answer: dict[str, Any]) -> list[bytes]:
    return [record["Data"] for record in answer["Records"]]


# --------------------------------------------------------------------------- iterators


@pytest.mark.parametrize(
    ("kind", "start", "expected"),
    [
        ("TRIM_HORIZON", None, [b"a", b"b", b"c"]),
        ("LATEST", None, []),
        ("AT_SEQUENCE_NUMBER", 1, [b"b", b"c"]),
        ("AFTER_SEQUENCE_NUMBER", 1, [b"c"]),
        ("AFTER_SEQUENCE_NUMBER", "shard-start", [b"a", b"b", b"c"]),
        ("AT_TIMESTAMP", 1, [b"b", b"c"]),
        ("AT_TIMESTAMP", -1, [b"a", b"b", b"c"]),
    ],
)
def test_iterator_types_start_where_they_say(fake, kinesis_client, stream, kind, start, expected):
    params: dict[str, Any] = {}
    if kind == "AT_TIMESTAMP":
        first = fake.kinesis["s"].records[0].arrived_at
        params["Timestamp"] = first + timedelta(seconds=start)
    elif start == "shard-start":
        shard = kinesis_client.list_shards(StreamName="s")["Shards"][0]
        params["StartingSequenceNumber"] = shard["SequenceNumberRange"]["StartingSequenceNumber"]
    elif start is not None:
        params["StartingSequenceNumber"] = stream[start]

    answer = kinesis_client.get_records(ShardIterator=iterator(kinesis_client, kind, **params))

    assert payloads(answer) == expected


def test_iterators_are_shaped_as_aws_writes_them(kinesis_client, stream):
    # REAL: base64 whose first 8 bytes are 00..01, starting AAAAAAAAAAH, 200-280 characters
    # (AWS_SEMANTICS.md section 8); every one a different text.
    kinesis_client.create_stream(StreamName="n" * 128, ShardCount=1)
    issued = [iterator(kinesis_client, kind) for kind in ("TRIM_HORIZON", "LATEST")]
    issued += [iterator(kinesis_client, "TRIM_HORIZON") for _ in range(8)]
    issued.append(
        kinesis_client.get_shard_iterator(
            StreamName="n" * 128, ShardId=SHARD_0, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
    )
    issued += [
        kinesis_client.get_records(ShardIterator=text)["NextShardIterator"] for text in issued
    ]

    assert len(set(issued)) == len(issued) == 22
    for text in issued:
        assert text.startswith("AAAAAAAAAAH"), text
        assert 200 <= len(text) <= 280, text
        assert base64.b64decode(text, validate=True)[:8] == bytes(7) + b"\x01"


def test_latest_reads_only_what_comes_after(kinesis_client, stream):
    latest = iterator(kinesis_client, "LATEST")
    kinesis_client.put_record(StreamName="s", Data=b"d", PartitionKey="alpha")

    answer = kinesis_client.get_records(ShardIterator=latest)

    assert payloads(answer) == [b"d"]
    assert set(answer["Records"][0]) == {
        "SequenceNumber", "ApproximateArrivalTimestamp", "Data", "PartitionKey"
    }  # fmt: skip


def _mistake(kind: str, which: str) -> str:
    return (
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
        "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
        f"Request specified {kind} and {which} StartingSequenceNumber."
    )


_LARGE_DATE = str(int("13bb2cc3d80000000000000000000000", 16))
_INDEX_TOP_BIT = str(int("20000000000800000000000000000000000000000000002", 16))

MISTAKES = {
    "trim-horizon-with-a-number": (
        "TRIM_HORIZON", SHARD_0, {"StartingSequenceNumber": 0}, "InvalidArgumentException",
        _mistake("TRIM_HORIZON", "also a")),
    "latest-with-a-number": (
        "LATEST", SHARD_0, {"StartingSequenceNumber": 0}, "InvalidArgumentException",
        _mistake("LATEST", "also a")),
    "at-sequence-number-without-one": (
        "AT_SEQUENCE_NUMBER", SHARD_0, {}, "InvalidArgumentException",
        _mistake("AT_SEQUENCE_NUMBER", "no")),
    "at-timestamp-without-one": (
        "AT_TIMESTAMP", SHARD_0, {}, "InvalidArgumentException",
        "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
        "Current request has no timestamp parameter."),
    "number-of-another-shard": (
        "AT_SEQUENCE_NUMBER", SHARD_1, {"StartingSequenceNumber": 0}, "InvalidArgumentException",
        f"Invalid StartingSequenceNumber. It encodes {SHARD_0}, while it was used in a call to "
        f"a shard with {SHARD_1}"),
    # kinesalite's AWS-validated getShardIterator tests: a bare number is an old-layout
    # sequence number whose low 16 bits name a shard, and a shard field with its top bit
    # set reads as a negative shard index.
    "bare-number-of-another-shard": (
        "AT_SEQUENCE_NUMBER", SHARD_0, {"StartingSequenceNumber": "5"},
        "InvalidArgumentException",
        "Invalid StartingSequenceNumber. It encodes shardId-000000000005, while it was used "
        f"in a call to a shard with {SHARD_0}"),
    "negative-shard-field": (
        "AT_SEQUENCE_NUMBER", SHARD_0,
        {"StartingSequenceNumber": str(int("20000000000000000000000000000000000000800000002", 16))},
        "InvalidArgumentException",
        "Invalid StartingSequenceNumber. It encodes shardId--02147483648, while it was used "
        f"in a call to a shard with {SHARD_0}"),
    "not-a-sequence-number": (
        "AT_SEQUENCE_NUMBER", SHARD_0, {"StartingSequenceNumber": _LARGE_DATE},
        "InvalidArgumentException",
        f"StartingSequenceNumber {_LARGE_DATE} used in GetShardIterator on shard {SHARD_0} in "
        f"stream s under account {ACCOUNT} is invalid."),
    "index-top-bit": (
        "AT_SEQUENCE_NUMBER", SHARD_0, {"StartingSequenceNumber": _INDEX_TOP_BIT},
        "InvalidArgumentException",
        f"StartingSequenceNumber {_INDEX_TOP_BIT} used in GetShardIterator on shard {SHARD_0} "
        f"in stream s under account {ACCOUNT} is invalid."),
    "unknown-shard": (
        "TRIM_HORIZON", "shardId-000000000005", {}, "ResourceNotFoundException",
        f"Shard shardId-000000000005 in stream s under account {ACCOUNT} does not exist"),
    "shard-after-the-last": (
        "TRIM_HORIZON", "shardId-000000000002", {}, "ResourceNotFoundException",
        f"Shard shardId-000000000002 in stream s under account {ACCOUNT} does not exist"),
    # kinesalite's getShardIterator, whose tests ran against AWS: a ShardId that names no
    # shard index at all
    "shard-id-of-letters": (
        "TRIM_HORIZON", "ABKLFD8", {}, "ResourceNotFoundException",
        f"Could not find shard ABKLFD8 in stream s under account {ACCOUNT}."),
    "shard-index-past-2-31": (
        "TRIM_HORIZON", "shardId-2147483648", {}, "ResourceNotFoundException",
        f"Could not find shard shardId-2147483648 in stream s under account {ACCOUNT}."),
    "shard-index-2-31-minus-1": (
        "TRIM_HORIZON", "shardId-2147483647", {}, "ResourceNotFoundException",
        f"Shard shardId-002147483647 in stream s under account {ACCOUNT} does not exist"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "shard", "params", "code", "message"), MISTAKES.values(), ids=MISTAKES
)
def test_iterator_mistakes(kinesis_client, stream, kind, shard, params, code, message):
    if params.get("StartingSequenceNumber") == 0:
        params = {"StartingSequenceNumber": stream[0]}

    response = refused(iterator, client=kinesis_client, kind=kind, shard=shard, **params)

    assert error(response) == (code, message, 400)


def test_a_shard_s_own_number_in_another_version_is_not_taken(kinesis_client, stream):
    # kinesalite's parseSequence and getShardIterator, whose tests ran against AWS: a
    # version-1 number (last hex digit 1) with the shard's fields did not come from the
    # stream, whose numbers are version 2; one above the version-2 band (first hex digit 3)
    # has no version and is invalid.
    version_1 = str(int(stream[0]) - 1)
    version_3 = str(int(stream[0]) + (1 << 184))

    answers = [
        refused(
            iterator,
            client=kinesis_client,
            kind="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=number,
        )
        for number in (version_1, version_3)
    ]

    where = f"used in GetShardIterator on shard {SHARD_0} in stream s under account {ACCOUNT}"
    assert [error(answer) for answer in answers] == [
        (
            "InvalidArgumentException",
            f"StartingSequenceNumber {version_1} {where} is invalid because it did not come "
            "from this stream.",
            400,
        ),
        (
            "InvalidArgumentException",
            f"StartingSequenceNumber {version_3} {where} is invalid.",
            400,
        ),
    ]


@pytest.mark.parametrize("number", ["0", "65536", str(1 << 124)])
def test_an_old_layout_number_of_the_shard_fails_inside_the_service(
    fake, kinesis_client, stream, number
):
    """A bare number (a version-0 sequence number) naming the shard it is used on: AWS
    answers HTTP 500 ``{"__type":"InternalFailure"}`` with no message (kinesalite's
    getShardIterator test, run against AWS, 2018), which botocore retries."""
    response = refused(
        iterator, client=kinesis_client, kind="AT_SEQUENCE_NUMBER", StartingSequenceNumber=number
    )

    assert error(response) == ("InternalFailure", "", 500)
    attempts = [call for call in fake.kinesis.calls if call.operation == "GetShardIterator"]
    assert len(attempts) == response["ResponseMetadata"]["RetryAttempts"] + 1 > 1


def test_an_old_layout_answer_has_no_message(fake, stream):
    answer = fake.world.handle(
        HttpRequest(
            "POST",
            f"https://kinesis.{REGION}.amazonaws.com/",
            {
                "x-amz-target": "Kinesis_20131202.GetShardIterator",
                "content-type": "application/x-amz-json-1.1",
            },
            b'{"StreamName": "s", "ShardId": "shardId-0", '
            b'"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": "0"}',
        ),
        "kinesis",
    )

    assert (answer.status, answer.body) == (500, b'{"__type":"InternalFailure"}')


def test_a_timestamp_of_now_past_every_record_reads_what_comes_next(fake, kinesis_client, stream):
    # The refusal is for a timestamp "greater than" the current one; a whole second, so
    # that the request carries the clock's instant exactly.
    fake.kinesis.clock.advance(microseconds=1_000_000 - fake.kinesis.clock.now().microsecond)
    now = fake.kinesis.clock.now()

    at_now = iterator(kinesis_client, "AT_TIMESTAMP", Timestamp=now)
    empty = kinesis_client.get_records(ShardIterator=at_now)
    kinesis_client.put_record(StreamName="s", Data=b"d", PartitionKey="alpha")
    after = kinesis_client.get_records(ShardIterator=empty["NextShardIterator"])

    assert (now.microsecond, payloads(empty), payloads(after)) == (0, [], [b"d"])


def test_a_timestamp_in_the_future_is_refused(fake, kinesis_client, stream):
    now = fake.kinesis.clock.now()
    future = (now + timedelta(hours=1)).replace(microsecond=0)

    response = refused(iterator, client=kinesis_client, kind="AT_TIMESTAMP", Timestamp=future)

    assert error(response) == (
        "InvalidArgumentException",
        "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. "
        f"timestampInMillis: {millis(future)}, currentTimestampInMillis: {millis(now)}",
        400,
    )


# --------------------------------------------------------------------------- GetRecords


def test_limit_pages_and_every_next_iterator_is_new(kinesis_client, stream):
    first = iterator(kinesis_client, "TRIM_HORIZON")
    seen, pages = [first], []
    for _ in range(4):  # two pages of records, then two empty reads
        answer = kinesis_client.get_records(ShardIterator=seen[-1], Limit=2)
        pages.append(payloads(answer))
        seen.append(answer["NextShardIterator"])

    assert pages == [[b"a", b"b"], [b"c"], [], []]
    assert len(set(seen)) == len(seen), "each NextShardIterator is a new one"


def test_get_records_without_a_limit_returns_10000_records(kinesis_client):
    # DOC: Limit is at most 10,000, and 10,000 when not given.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    for start in range(0, 10_001, 500):
        batch = [
            {"Data": str(n).encode(), "PartitionKey": "alpha"}
            for n in range(start, min(start + 500, 10_001))
        ]
        assert kinesis_client.put_records(StreamName="s", Records=batch)["FailedRecordCount"] == 0

    first = kinesis_client.get_records(ShardIterator=iterator(kinesis_client, "TRIM_HORIZON"))
    rest = kinesis_client.get_records(ShardIterator=first["NextShardIterator"])

    assert (len(first["Records"]), payloads(rest)) == (10_000, [b"10000"])


def test_millis_behind_latest_counts_to_the_newest_record(kinesis_client, stream):
    shard_iterator, behind = iterator(kinesis_client, "TRIM_HORIZON"), []
    for _ in range(4):
        answer = kinesis_client.get_records(ShardIterator=shard_iterator, Limit=1)
        behind.append(answer["MillisBehindLatest"])
        shard_iterator = answer["NextShardIterator"]

    assert behind == [2000, 1000, 0, 0]


def test_an_iterator_expires_after_5_minutes(fake, kinesis_client, stream):
    created = fake.kinesis.clock.now()
    old = iterator(kinesis_client, "TRIM_HORIZON")

    fake.kinesis.clock.advance(seconds=300)  # the tolerated delay itself: still valid
    answer = kinesis_client.get_records(ShardIterator=old, Limit=1)
    now = fake.kinesis.clock.advance(milliseconds=1)
    expired = refused(kinesis_client.get_records, ShardIterator=old)
    fresh = kinesis_client.get_records(ShardIterator=answer["NextShardIterator"])

    assert payloads(answer) == [b"a"]
    assert error(expired) == (
        "ExpiredIteratorException",
        expired_iterator(created, now),
        400,
    )
    assert payloads(fresh) == [b"b", b"c"], "the iterator GetRecords handed out is a new one"


def test_a_scripted_expiry_names_a_creation_just_over_five_minutes_ago(
    fake, kinesis_client, stream
):
    # The creation named is 300,001 ms before now, in the second that instant falls in: at
    # a millisecond past a second, exactly 300 seconds earlier.
    position = iterator(kinesis_client, "TRIM_HORIZON")
    past = fake.kinesis.clock.now().microsecond
    now = fake.kinesis.clock.advance(microseconds=1_001_000 - past)
    fake.kinesis.fail(error="ExpiredIteratorException", operation="GetRecords")

    expired = refused(kinesis_client.get_records, ShardIterator=position)

    created = now - timedelta(milliseconds=300_001)
    assert (now.microsecond, created.microsecond) == (1000, 0)
    assert error(expired) == (
        "ExpiredIteratorException",
        expired_iterator(created, now),
        400,
    )


def test_the_expiry_message_names_every_day_and_month_as_java_does(fake, kinesis_client, stream):
    messages, expected = [], []
    for _ in range(12):  # 31 days and 5 minutes apart: every month, and every day of the week
        fake.kinesis.clock.advance(days=31)
        created = fake.kinesis.clock.now()
        old = iterator(kinesis_client, "TRIM_HORIZON")
        now = fake.kinesis.clock.advance(seconds=300, milliseconds=1)
        messages.append(error(refused(kinesis_client.get_records, ShardIterator=old))[1])
        expected.append(expired_iterator(created, now))

    assert messages == expected
    named = " ".join(messages)
    assert all(day in named for day in DAYS)
    assert all(month in named for month in MONTHS)


@pytest.mark.parametrize("garbage", ["AAAAAAAAAAH", "not an iterator", "QUJD" * 60])
def test_a_garbage_iterator_is_invalid(kinesis_client, stream, garbage):
    response = refused(kinesis_client.get_records, ShardIterator=garbage)

    assert error(response) == ("InvalidArgumentException", "Invalid ShardIterator.", 400)


_CHANGES = {
    "its first byte": lambda raw: b"\x01" + raw[1:],
    "a byte of its 00..01 header": lambda raw: raw[:7] + b"\x02" + raw[8:],
    "a byte after the header": lambda raw: raw[:8] + bytes((raw[8] ^ 1,)) + raw[9:],
    "a byte in its middle": lambda raw: raw[:40] + bytes((raw[40] ^ 1,)) + raw[41:],
    "its last byte": lambda raw: raw[:-1] + bytes((raw[-1] ^ 1,)),
    "16 bytes more": lambda raw: raw + bytes(16),
    "its last 16 bytes cut": lambda raw: raw[:-16],
}


@pytest.mark.parametrize("where", list(_CHANGES))
def test_an_issued_iterator_changed_anywhere_is_invalid(kinesis_client, stream, where):
    raw = base64.b64decode(iterator(kinesis_client, "TRIM_HORIZON"))
    changed = base64.b64encode(_CHANGES[where](raw)).decode("ascii")

    response = refused(kinesis_client.get_records, ShardIterator=changed)

    assert error(response) == ("InvalidArgumentException", "Invalid ShardIterator.", 400)


@needs_botocore("kinesis GetRecords.StreamARN")
def test_get_records_reads_only_with_the_arn_of_the_iterators_stream(kinesis_client, stream):
    kinesis_client.create_stream(StreamName="t", ShardCount=1)
    arns = {
        name: kinesis_client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
            "StreamARN"
        ]
        for name in ("s", "t")
    }
    elsewhere = arns["s"].replace(REGION, "eu-west-1")
    start = iterator(kinesis_client, "TRIM_HORIZON")

    read = kinesis_client.get_records(ShardIterator=start, StreamARN=arns["s"])
    refusals = [
        error(refused(kinesis_client.get_records, ShardIterator=start, StreamARN=arn))
        for arn in (arns["t"], elsewhere)
    ]

    assert payloads(read) == [b"a", b"b", b"c"]
    assert refusals == [
        (
            "InvalidArgumentException",
            f"StreamARN {arn} does not name the stream of the ShardIterator, {arns['s']}.",
            400,
        )
        for arn in (arns["t"], elsewhere)
    ]


def test_an_iterator_in_double_quotes_is_accepted(kinesis_client, stream):
    quoted = f'"{iterator(kinesis_client, "TRIM_HORIZON")}"'

    assert payloads(kinesis_client.get_records(ShardIterator=quoted)) == [b"a", b"b", b"c"]


# --------------------------------------------------------------------------- retention


def test_records_past_retention_are_trimmed(fake, kinesis_client, stream):
    clock = fake.kinesis.clock
    clock.advance(timedelta(hours=24) - timedelta(seconds=3))  # "a" is exactly 24 hours old
    kept = kinesis_client.get_records(ShardIterator=iterator(kinesis_client, "TRIM_HORIZON"))

    clock.advance(milliseconds=1)
    trimmed = kinesis_client.get_records(ShardIterator=iterator(kinesis_client, "TRIM_HORIZON"))
    at_a = iterator(kinesis_client, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=stream[0])

    handle = fake.kinesis["s"]
    assert payloads(kept) == [b"a", b"b", b"c"]
    assert payloads(trimmed) == [b"b", b"c"], "TRIM_HORIZON moved past the expired record"
    assert payloads(kinesis_client.get_records(ShardIterator=at_a)) == [b"b", b"c"]
    assert (handle.expired, handle.records) == ([b"a"], [b"a", b"b", b"c"])
    assert handle.shards[0].records == [b"b", b"c"]


def test_a_longer_retention_keeps_records_longer(fake, kinesis_client, stream):
    kinesis_client.increase_stream_retention_period(StreamName="s", RetentionPeriodHours=48)

    fake.kinesis.clock.advance(hours=47)
    kept = kinesis_client.get_records(ShardIterator=iterator(kinesis_client, "TRIM_HORIZON"))
    kinesis_client.decrease_stream_retention_period(StreamName="s", RetentionPeriodHours=24)
    trimmed = kinesis_client.get_records(ShardIterator=iterator(kinesis_client, "TRIM_HORIZON"))

    assert payloads(kept) == [b"a", b"b", b"c"]
    assert (payloads(trimmed), fake.kinesis["s"].expired) == ([], [b"a", b"b", b"c"])


RETENTION_MISTAKES = {
    "too-short": ("increase", 12,
                  "Minimum allowed retention period is 24 hours. Requested retention period "
                  "(12 hours) is too short."),
    # Below 1 too: the model holds no bound since retention reached 8760 hours, so no
    # ValidationException comes first (kinesalite's pre-2020 recordings show one).
    "below-one": ("decrease", -1,
                  "Minimum allowed retention period is 24 hours. Requested retention period "
                  "(-1 hours) is too short."),
    "too-long": ("increase", 9000,
                 "Maximum allowed retention period is 8760 hours. Requested retention period "
                 "(9000 hours) is too long."),
    "increase-below-current": (
        "increase", 36,
        "Requested retention period (36 hours) for stream s can not be shorter than existing "
        "retention period (48 hours). Use DecreaseRetentionPeriod API."),
    "decrease-above-current": (
        "decrease", 72,
        "Requested retention period (72 hours) for stream s can not be longer than existing "
        "retention period (48 hours). Use IncreaseRetentionPeriod API."),
}  # fmt: skip


@pytest.mark.parametrize(
    ("way", "hours", "message"), RETENTION_MISTAKES.values(), ids=RETENTION_MISTAKES
)
def test_retention_mistakes(kinesis_client, way, hours, message):
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    kinesis_client.increase_stream_retention_period(StreamName="s", RetentionPeriodHours=48)
    change = getattr(kinesis_client, f"{way}_stream_retention_period")

    response = refused(change, StreamName="s", RetentionPeriodHours=hours)
    change(StreamName="s", RetentionPeriodHours=48)  # to the current value: accepted

    assert error(response) == ("InvalidArgumentException", message, 400)
    summary = kinesis_client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
    assert summary["RetentionPeriodHours"] == 48


# --------------------------------------------------------------------------- Firehose source


def test_firehose_delivers_what_reached_its_kinesis_stream_after_it_was_created(
    fake, kinesis_client, stream
):
    first, second = reading_kinesis(fake), reading_kinesis(fake, "copy")
    fake.kinesis.clock.advance(seconds=10)
    for payload, key in ((b"d", "alpha"), (b"e", "beta"), (b"f", "alpha")):
        kinesis_client.put_record(StreamName="s", Data=payload, PartitionKey=key)

    waiting = first.delivered
    fake.kinesis.clock.advance(seconds=299)
    still_waiting = first.delivered
    fake.firehose.clock.advance(seconds=1)  # the default 300-second buffer interval is up

    assert (waiting, still_waiting) == ([], [])
    assert first.records == [b"d", b"e", b"f"], "a, b and c were there before: not read"
    assert first.delivered == second.delivered == [b"d", b"e", b"f"]
    assert fake.firehose.calls == []


def test_firehose_passes_over_what_its_stream_held_at_the_instant_it_was_created(
    fake, kinesis_client
):
    # The clock stands still: the put and the creation share one instant, and the stream
    # is ACTIVE at once. LATEST is after every record the stream holds then.
    kinesis_client.create_stream(StreamName="s", ShardCount=1)
    kinesis_client.put_record(StreamName="s", Data=b"before", PartitionKey="alpha")
    events = reading_kinesis(fake)
    kinesis_client.put_record(StreamName="s", Data=b"after", PartitionKey="alpha")

    fake.firehose.clock.advance(seconds=300)

    assert events.records == [b"after"]
    assert events.delivered == [b"after"]


def test_firehose_takes_a_put_spread_over_shards_in_commit_order(fake, kinesis_client, stream):
    # One PutRecords reaches both shards; Firehose reads them together and keeps them in
    # the order the stream committed them, not shard by shard.
    events = reading_kinesis(fake)
    kinesis_client.put_records(
        StreamName="s",
        Records=[
            {"Data": b"d", "PartitionKey": "alpha"},
            {"Data": b"e", "PartitionKey": "beta"},
            {"Data": b"f", "PartitionKey": "alpha"},
        ],
    )
    fake.firehose.clock.advance(seconds=300)

    assert [record.shard_id for record in fake.kinesis["s"].records[3:]] == [
        SHARD_0,
        SHARD_1,
        SHARD_0,
    ]
    assert events.records == [b"d", b"e", b"f"]
    assert events.delivered == [b"d", b"e", b"f"]


def test_firehose_reads_its_kinesis_stream_from_when_it_became_active() -> None:
    with FirehoseFake(region=REGION, creation_delay=30) as fake:
        kinesis_client = boto3.client("kinesis", region_name=REGION)
        kinesis_client.create_stream(StreamName="s", ShardCount=1)
        fake.kinesis.clock.advance(seconds=30)
        events = reading_kinesis(fake)
        active = fake.firehose.clock.now() + timedelta(seconds=30)
        kinesis_client.put_record(StreamName="s", Data=b"creating", PartitionKey="alpha")
        fake.kinesis.clock.advance(seconds=30)
        kinesis_client.put_record(StreamName="s", Data=b"active", PartitionKey="alpha")

        described = boto3.client("firehose", region_name=REGION).describe_delivery_stream(
            DeliveryStreamName="events"
        )["DeliveryStreamDescription"]["Source"]["KinesisStreamSourceDescription"]
        assert described["DeliveryStartTimestamp"] == as_answered(active)
        assert events.records == [b"active"], "Firehose reads from LATEST once it is ACTIVE"


def test_firehose_reads_records_before_a_clock_jump_expires_them(fake, kinesis_client, stream):
    events = reading_kinesis(fake)
    kinesis_client.put_record(StreamName="s", Data=b"d", PartitionKey="alpha")

    fake.kinesis.clock.advance(hours=25)

    assert (events.delivered, fake.kinesis["s"].expired) == ([b"d"], [b"a", b"b", b"c", b"d"])


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:kinesis:us-east-1:210987654321:stream/s",
        "arn:aws:kinesis:eu-west-1:123456789012:stream/s",
        "arn:aws-cn:kinesis:us-east-1:123456789012:stream/s",
    ],
    ids=["another-account", "another-region", "another-partition"],
)
def test_a_stream_of_the_same_name_elsewhere_is_not_the_source(fake, kinesis_client, stream, arn):
    events = fake.firehose.create_delivery_stream(
        "events",
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": arn, "RoleARN": ROLE},
    )
    kinesis_client.put_record(StreamName="s", Data=b"d", PartitionKey="alpha")
    fake.firehose.clock.advance(seconds=300)

    assert (events.records, events.delivered) == ([], [])


def test_undeliverable_records_are_kept_for_the_source_streams_retention(
    fake, kinesis_client, stream
):
    kinesis_client.increase_stream_retention_period(StreamName="s", RetentionPeriodHours=48)
    events = reading_kinesis(fake)
    events.destination_down()
    kinesis_client.put_record(StreamName="s", Data=b"d", PartitionKey="alpha")

    fake.firehose.clock.advance(hours=47)
    kept = (events.pending, events.expired)
    events.destination_up()
    events.flush()

    assert kept == ([b"d"], []), "a DirectPut stream keeps records 24 hours; this one, 48"
    assert events.delivered == [b"d"]


def test_undeliverable_records_expire_with_the_source_streams_retention(
    fake, kinesis_client, stream
):
    events = reading_kinesis(fake)
    events.destination_down()
    kinesis_client.put_record(StreamName="s", Data=b"d", PartitionKey="alpha")
    kinesis_client.increase_stream_retention_period(StreamName="s", RetentionPeriodHours=30)

    fake.firehose.clock.advance(hours=29)
    kept = events.expired
    fake.firehose.clock.advance(hours=1, seconds=1)

    assert (kept, events.pending, events.expired) == ([], [], [b"d"])


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("put_record", {"Record": {"Data": b"x"}}),
        ("put_record_batch", {"Records": [{"Data": b"x"}]}),
    ],
)
def test_puts_on_a_kinesis_sourced_delivery_stream_are_refused(fake, stream, method, params):
    reading_kinesis(fake)
    client = boto3.client("firehose", region_name=REGION)

    response = refused(getattr(client, method), DeliveryStreamName="events", **params)

    message = "This operation is not permitted on KinesisStreamAsSource delivery stream type."
    assert error(response) == ("InvalidArgumentException", message, 400)


# --------------------------------------------------------------------------- the handle


def test_the_handle_shows_records_and_shards(fake, kinesis_client, stream):
    kinesis_client.put_record(StreamName="s", Data=b"z", PartitionKey="beta")
    handle = fake.kinesis["s"]

    assert handle.records == [b"a", b"b", b"c", b"z"]
    record = handle.records[-1]
    assert (record.data, record.partition_key, record.shard_id) == (b"z", "beta", SHARD_1)
    assert [r.sequence_number for r in handle.records[:3]] == stream
    assert [s.shard_id for s in handle.shards] == [SHARD_0, SHARD_1]
    assert (handle.shards[0].starting_hash_key, handle.shards[1].ending_hash_key) == (0, 2**128 - 1)
    assert [s.records for s in handle.shards] == [[b"a", b"b", b"c"], [b"z"]]
    assert [c.operation for c in handle.calls] == ["CreateStream", *["PutRecord"] * 4]
    assert fake.kinesis.clock is fake.firehose.clock


def test_an_unknown_stream_name_lists_the_known_ones(fake):
    fake.kinesis.create_stream("orders", shard_count=2)

    with pytest.raises(KeyError, match=r"known streams: 'orders'\.  ?Did you mean 'orders'\?"):
        fake.kinesis["ordres"]
    with pytest.raises(UsageError, match="already exists"):
        fake.kinesis.create_stream("orders")


def test_assert_records_passes_when_each_payload_came_exactly_once(fake, kinesis_client, stream):
    fake.kinesis["s"].assert_records([b"c", b"a", b"b"])
    fake.kinesis["s"].assert_records([b"a", b"b", b"c"], ordered=True)


def test_assert_records_lists_missing_unexpected_and_duplicated(fake, kinesis_client):
    fake.kinesis.create_stream("s")
    fake.kinesis.fail(timeout="commit")  # committed, then botocore resends: a duplicate
    kinesis_client.put_record(StreamName="s", Data=b"a", PartitionKey="k")
    kinesis_client.put_records(StreamName="s", Records=[{"Data": b"typo", "PartitionKey": "k"}])

    with pytest.raises(AssertionError) as caught:
        fake.kinesis["s"].assert_records([b"a", b"b"])

    message = str(caught.value)
    for line in [
        "kinesis stream 's': expected 2 record(s), each exactly once; got 3",
        "missing (1): [b'b']",
        "unexpected (1): [b'typo']",
        "duplicated (1): b'a' x2 (expected 1)",
        "#1 PutRecord s 1 record -> timeout: read-timeout",
        "#2 PutRecord s 1 record -> ok",
    ]:
        assert line in message, message


def test_each_record_reports_the_encryption_of_its_write(kinesis_client, stream):
    # DOC, StartStreamEncryption: "encryption begins for records written to the stream";
    # the three records of the fixture were written before it.
    kinesis_client.start_stream_encryption(
        StreamName="s", EncryptionType="KMS", KeyId="alias/aws/kinesis"
    )
    kinesis_client.put_record(StreamName="s", Data=b"d", PartitionKey="alpha")
    kinesis_client.stop_stream_encryption(
        StreamName="s", EncryptionType="KMS", KeyId="alias/aws/kinesis"
    )
    kinesis_client.put_record(StreamName="s", Data=b"e", PartitionKey="alpha")

    answer = kinesis_client.get_records(ShardIterator=iterator(kinesis_client, "TRIM_HORIZON"))

    assert [(r["Data"], r.get("EncryptionType")) for r in answer["Records"]] == [
        (b"a", None), (b"b", None), (b"c", None), (b"d", "KMS"), (b"e", None)
    ]  # fmt: skip


def test_a_put_answer_names_the_encryption_only_while_the_stream_is_encrypted(
    kinesis_client, stream
):
    # REAL: no EncryptionType in the answer of a put to an unencrypted stream
    key = {"StreamName": "s", "EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    answers = [kinesis_client.put_record(StreamName="s", Data=b"d", PartitionKey="alpha")]
    answers.append(
        kinesis_client.put_records(StreamName="s", Records=[{"Data": b"e", "PartitionKey": "a"}])
    )
    kinesis_client.start_stream_encryption(**key)
    answers.append(kinesis_client.put_record(StreamName="s", Data=b"f", PartitionKey="alpha"))
    answers.append(
        kinesis_client.put_records(StreamName="s", Records=[{"Data": b"g", "PartitionKey": "a"}])
    )

    assert [answer.get("EncryptionType") for answer in answers] == [None, None, "KMS", "KMS"]


def test_descriptions_name_the_key_while_the_stream_is_encrypted(kinesis_client, stream):
    key = {"StreamName": "s", "EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    kinesis_client.start_stream_encryption(**key)
    encrypted = [
        kinesis_client.describe_stream(StreamName="s")["StreamDescription"],
        kinesis_client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"],
    ]
    kinesis_client.stop_stream_encryption(**key)
    plain = kinesis_client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]

    for described in encrypted:
        assert (described["EncryptionType"], described["KeyId"]) == ("KMS", "alias/aws/kinesis")
    assert (plain["EncryptionType"], "KeyId" in plain) == ("NONE", False)


@pytest.mark.parametrize("operation", ["start_stream_encryption", "stop_stream_encryption"])
def test_an_encryption_type_but_kms_is_refused_and_changes_nothing(
    kinesis_client, stream, operation
):
    """The model's enum takes NONE; the API reference: "The only valid value is KMS". The
    text is StopStreamEncryption's, as hashicorp/terraform-provider-aws's stream.go quotes it;
    StartStreamEncryption is taken to answer the same."""
    response = refused(
        getattr(kinesis_client, operation),
        StreamName="s",
        EncryptionType="NONE",
        KeyId="alias/aws/kinesis",
    )

    assert error(response) == (
        "InvalidArgumentException",
        "Encryption type cannot be NONE.",
        400,
    )
    summary = kinesis_client.describe_stream_summary(StreamName="s")
    assert summary["StreamDescriptionSummary"]["EncryptionType"] == "NONE"
    assert "KeyId" not in summary["StreamDescriptionSummary"]


@pytest.mark.parametrize("operation", ["start_stream_encryption", "stop_stream_encryption"])
def test_encryption_changes_26_times_in_a_day_are_refused(fake, kinesis_client, stream, operation):
    """The API reference: 25 successful changes in a rolling 24-hour period."""
    change = getattr(kinesis_client, operation)
    key = {"StreamName": "s", "EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    for _ in range(25):
        change(**key)
        fake.kinesis.clock.advance(minutes=30)  # 25 calls over 12.5 hours
    other = "stop" if operation.startswith("start") else "start"
    getattr(kinesis_client, f"{other}_stream_encryption")(**key)  # a limit of its own
    over = refused(change, **key)
    fake.kinesis.clock.advance(hours=11, minutes=31)  # the first call is 24 hours old
    change(**key)

    operation_name = "".join(part.title() for part in operation.split("_"))
    assert error(over) == (
        "LimitExceededException",
        f"{operation_name} cannot change the encryption of stream s under account "
        f"{ACCOUNT} more than 25 times in a rolling 24-hour period.",
        400,
    )


def test_retention_goes_by_arrival_time_when_time_moved_back():
    """After freezegun moves time back, records arrive out of commit order; one older than
    the retention period is never served, whatever was committed before it."""
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION):
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        client.put_record(StreamName="s", Data=b"late", PartitionKey="k")
        frozen.move_to(start - timedelta(hours=12))  # back in time: "early" arrives earlier
        client.put_record(StreamName="s", Data=b"early", PartitionKey="k")
        frozen.move_to(start + timedelta(hours=13))  # "early" is 25 hours old, "late" 13

        shard_iterator = client.get_shard_iterator(
            StreamName="s", ShardId=SHARD_0, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        answer = client.get_records(ShardIterator=shard_iterator)

    assert payloads(answer) == [b"late"]


def test_firehose_reads_a_record_put_after_its_creation_with_the_clock_moved_back_before_it():
    """A record committed after the delivery stream was created is read, though freezegun
    moved the clock back to before the creation: only what the source held, or got while
    the delivery stream was CREATING, is passed over. It was never read."""
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        client.put_record(StreamName="s", Data=b"held", PartitionKey="k")
        events = reading_kinesis(fake)
        frozen.move_to(start - timedelta(hours=1))
        client.put_record(StreamName="s", Data=b"put after", PartitionKey="k")
        frozen.move_to(start + timedelta(hours=1))

        assert events.delivered == [b"put after"]


def test_a_jump_of_the_clock_trims_records_in_the_order_they_outlive_retention():
    """freezegun moving the clock past both records' retention at once: each is trimmed at
    the instant it outlived the period, so the earlier arrival is listed first, whatever the
    order they were put in."""
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        client.put_record(StreamName="s", Data=b"later", PartitionKey="k")
        frozen.move_to(start - timedelta(hours=1))
        client.put_record(StreamName="s", Data=b"earlier", PartitionKey="k")
        frozen.move_to(start + timedelta(hours=25))

        expired = fake.kinesis["s"].expired

    assert expired == [b"earlier", b"later"]


def test_out_of_arrival_order_each_shard_keeps_a_record_until_it_outlives_retention():
    """A record exactly as old as the retention period is kept; the oldest record still
    held, on whichever shard, is trimmed once it outlives the period; the records one trim
    takes from several shards are listed in the order they were put."""
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    tick = timedelta(microseconds=1)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION) as fake:
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=2)

        def put(data: bytes, key: str, at: timedelta) -> None:
            frozen.move_to(start + at)
            client.put_record(StreamName="s", Data=data, PartitionKey=key)

        def read() -> list[bytes]:
            return [
                record
                for shard in (SHARD_0, SHARD_1)
                for record in payloads(
                    client.get_records(ShardIterator=iterator(client, "TRIM_HORIZON", shard))
                )
            ]

        put(b"late", "alpha", timedelta(0))  # shard 0
        put(b"oldest", "beta", timedelta(hours=-13))  # shard 1
        put(b"as-old", "alpha", timedelta(hours=-13))
        put(b"early", "alpha", timedelta(hours=-13) + tick)
        put(b"middle", "beta", timedelta(hours=-6))
        frozen.move_to(start + timedelta(hours=11) + tick)  # "early" exactly 24 hours old
        kept = (read(), fake.kinesis["s"].expired)
        frozen.move_to(start + timedelta(hours=12))
        trimmed = (read(), fake.kinesis["s"].expired)

    assert kept == ([b"late", b"early", b"middle"], [b"oldest", b"as-old"])
    assert trimmed == ([b"late", b"middle"], [b"oldest", b"as-old", b"early"])


def test_an_at_timestamp_iterator_out_of_arrival_order_starts_at_the_first_record_since():
    """After freezegun moved time back, a shard's records are stamped out of order. An
    AT_TIMESTAMP iterator starts at the first record (in the shard's order) stamped at or
    after the timestamp and reads on from there. "a" was passed over: the position was
    looked up as though the stamps were in order."""
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION):
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        for offset, data in ((100, b"a"), (50, b"b"), (200, b"c")):
            frozen.move_to(start + timedelta(seconds=offset))
            client.put_record(StreamName="s", Data=data, PartitionKey="k")
        frozen.move_to(start + timedelta(seconds=300))

        read = {
            offset: payloads(
                client.get_records(
                    ShardIterator=iterator(
                        client, "AT_TIMESTAMP", Timestamp=start + timedelta(seconds=offset)
                    )
                )
            )
            for offset in (40, 80, 100, 101, 201)
        }

    assert read == {
        40: [b"a", b"b", b"c"],
        80: [b"a", b"b", b"c"],
        100: [b"a", b"b", b"c"],
        101: [b"c"],
        201: [],
    }


def test_millis_behind_latest_is_never_negative_out_of_arrival_order():
    """The shard's newest record stamped before the last one read (freezegun moved time
    back): the reader is not behind, and MillisBehindLatest is 0, as the model's minimum
    allows. It was -50000."""
    start = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    with freezegun.freeze_time(start) as frozen, FirehoseFake(region=REGION):
        client = boto3.client("kinesis", region_name=REGION)
        client.create_stream(StreamName="s", ShardCount=1)
        for offset, data in ((100, b"a"), (50, b"b")):
            frozen.move_to(start + timedelta(seconds=offset))
            client.put_record(StreamName="s", Data=data, PartitionKey="k")

        answer = client.get_records(ShardIterator=iterator(client, "TRIM_HORIZON"), Limit=1)

    assert (payloads(answer), answer["MillisBehindLatest"]) == ([b"a"], 0)


def test_an_at_timestamp_iterator_at_a_record_from_before_time_was_frozen_earlier(fake):
    """A record put, then freezegun froze time a day before it: an AT_TIMESTAMP iterator
    at the record's arrival time starts at it. The time was refused as later than the
    current time, though the record had arrived then."""
    client = boto3.client("kinesis", region_name=REGION)
    client.create_stream(StreamName="s", ShardCount=1)
    client.put_record(StreamName="s", Data=b"a", PartitionKey="k")
    (record,) = client.get_records(ShardIterator=iterator(client, "TRIM_HORIZON"))["Records"]

    with freezegun.freeze_time(fake.kinesis.clock.now() - timedelta(days=1)):
        position = iterator(client, "AT_TIMESTAMP", Timestamp=record["ApproximateArrivalTimestamp"])
        answer = client.get_records(ShardIterator=position)

    assert payloads(answer) == [b"a"]
