"""The accounting invariant of ``test_accounting_machine`` where records come from, and go
to, what its machines do not drive.

``KinesisSourceMachine`` puts into a Kinesis stream whose shards split and merge, read by a
delivery stream: each record Kinesis accepted is read once, then ends as above;
``KinesisTransformingMachine`` adds the Lambda processor. ``SourceBackupMachine`` backs the
transforming machine's records up (``S3BackupMode`` ``Enabled``) to a bucket that refuses
objects at times: each is also written there once, or pending or expired there.
``HttpEndpointMachine`` runs on an HTTP endpoint that answers 200, 4xx, 5xx or not at all,
as the machine chooses: a 413 refuses a batch for good, one more place a record ends.
``LogsMachine`` puts CloudWatch Logs records (and records that are no gzip) into a stream
that decompresses them and extracts their messages; ``RedshiftMachine`` loads a table whose
COPY fails for a batch holding a record that is no row.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from collections import Counter
from datetime import datetime
from typing import Any

import requests
import responses
from conftest import BUCKET, ROLE, needs_botocore
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule
from test_accounting_machine import (
    DAY,
    AccountingMachine,
    GivingUpMachine,
    Put,
    RefusingBucket,
    TransformingMachine,
)

from pytest_firehose._payload import payload_bytes

SETTINGS = AccountingMachine.TestCase.settings


class SourceBackupMachine(TransformingMachine):
    """The transforming machine with the source records backed up (``S3BackupMode``
    ``Enabled``) to a bucket that refuses objects while told to: whatever the transform
    and the destination do, every accepted record is also written once, as put, to the
    backup, or waits there (pending, or expired 24 hours after it arrived)."""

    def __init__(self) -> None:
        super().__init__()
        self.backup = self.fake.world.firehose().streams["events"].delivery.source_backup
        self.backup_bucket = RefusingBucket(self.backup.destination, "")
        self.backup.destination = self.backup_bucket
        self.backup_ever_refused = False

    def processing(self) -> dict[str, Any]:
        backup = {
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::backup",
            "Prefix": "source/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 300},
        }
        return {**super().processing(), "S3BackupMode": "Enabled", "S3BackupConfiguration": backup}

    @rule(refusing=st.booleans())
    def the_backup_bucket_refuses(self, refusing: bool) -> None:
        self.backup_bucket.refusing = refusing
        self.backup_ever_refused |= refusing

    @rule()
    def flush(self) -> None:
        super().flush()
        if not self.backup_bucket.refusing:
            assert self.backup.pending() == []

    @invariant()
    def every_record_is_backed_up_once(self) -> None:
        records = self.stream.records
        written = Counter(self.stream.source_backup)
        assert written == Counter(r for obj in self.backup_bucket.taken for r in obj.records)
        waiting = {"pending": self.backup.pending(), "expired": self.backup.expired}
        parts = written.copy()
        for kept in waiting.values():
            parts.update(payload_bytes(data) for data, _, _ in kept)
        accepted = Counter(record.data for record in records)
        assert accepted == parts, f"not backed up: {accepted - parts}, extra: {parts - accepted}"
        now = self.fake.firehose.clock.now()
        assert all(at <= now - DAY for _, _, at in waiting["expired"])
        assert all(at >= now - DAY for _, _, at in waiting["pending"])
        if not self.backup_ever_refused:
            assert not waiting["expired"]


ENDPOINT = "https://collector.example.com/firehose"
#: The endpoint's answers: a status, or no answer within the response timeout.
answers = st.sampled_from([200, 400, 403, 413, 429, 500, 503, "timeout"])


class HttpEndpointMachine(AccountingMachine):
    """The accounting machine on an HTTP endpoint that answers as the machine chooses:
    200 (in the response format) delivers, 413 refuses a batch for good, another status or
    no answer fails the attempt, retried until the batch is given up to the S3 bucket
    (``FailedDataOnly``). Each accepted record ends exactly once delivered (and received by
    the endpoint in a request it took), refused, given up, pending or expired."""

    def __init__(self) -> None:
        self.answer: int | str = 200
        self.received: Counter[bytes] = Counter()
        self.endpoint = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.endpoint.add_callback(responses.POST, ENDPOINT, callback=self.respond)
        self.endpoint.start()
        try:
            super().__init__()
        except BaseException:
            self.endpoint.stop()
            raise

    def teardown(self) -> None:
        self.endpoint.stop()
        super().teardown()

    def destination(self) -> dict[str, Any]:
        return {
            "HttpEndpointDestinationConfiguration": {
                "EndpointConfiguration": {"Url": ENDPOINT, "AccessKey": "key"},
                "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
                "RetryOptions": {"DurationInSeconds": 120},
                "S3BackupMode": "FailedDataOnly",
                "S3Configuration": {"RoleARN": ROLE, "BucketARN": BUCKET},
            }
        }

    def respond(self, request: Any) -> tuple[int, dict[str, str], str]:
        if self.answer == "timeout":
            raise requests.exceptions.ReadTimeout("no answer within the response timeout")
        request_id = request.headers["X-Amz-Firehose-Request-Id"]
        if self.answer != 200:
            return int(self.answer), {}, "refused"
        records = json.loads(request.body)["records"]
        self.received.update(base64.b64decode(record["data"]) for record in records)
        body = {"requestId": request_id, "timestamp": 1578090903599}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    @rule(answer=answers)
    def the_endpoint_answers(self, answer: int | str) -> None:
        self.answer = answer
        self.refusing = answer != 200

    @invariant()
    def the_endpoint_took_each_delivered_record(self) -> None:
        assert self.received == Counter(self.stream.delivered)


#: CloudWatch Logs checking that the stream is there: always these bytes, so that the empty
#: record extraction makes of it maps back to one record.
CONTROL = gzip.compress(
    json.dumps({"messageType": "CONTROL_MESSAGE", "logEvents": []}).encode(), mtime=0
)


class LogsMachine(AccountingMachine):
    """The accounting machine on a stream that decompresses CloudWatch Logs data and
    extracts its messages: a subscription's records (and control messages) are put from
    CloudWatch Logs, records that are no gzip too; boto3's puts are refused
    (``InvalidSourceException``). Each record ends delivered (its messages, a line each),
    in the decompression-failed error output, pending or expired."""

    #: No boto3 put is taken, not even one whose answer a commit timeout hides.
    puts_of = ()

    def __init__(self) -> None:
        #: A record's messages, as extraction makes them, -> the record as put.
        self.logs: dict[bytes, bytes] = {b"": CONTROL}
        super().__init__()

    def processing(self) -> dict[str, Any]:
        extraction = {"ParameterName": "DataMessageExtraction", "ParameterValue": "true"}
        processors = [
            {"Type": "Decompression"},
            {"Type": "CloudWatchLogProcessing", "Parameters": [extraction]},
        ]
        return {"ProcessingConfiguration": {"Enabled": True, "Processors": processors}}

    def source(self, payload: bytes) -> bytes:
        return self.logs[payload]

    def _from_logs(self, record: bytes) -> None:
        self.committed[record] += 1

    @rule(messages=st.lists(st.text(max_size=12), min_size=1, max_size=4))
    def put_log_events(self, messages: list[str]) -> None:
        messages = [m.decode() for m in self._fresh([m.encode() for m in messages])]
        record = self.stream.put_log_events(messages)
        self.logs[b"".join(m.encode() + b"\n" for m in messages)] = record
        self._from_logs(record)

    @rule()
    def put_control_message(self) -> None:
        self.stream.put_from_logs(CONTROL)
        self._from_logs(CONTROL)

    @rule(tail=st.binary(max_size=16))
    def put_no_gzip(self, tail: bytes) -> None:
        (record,) = self._fresh([tail])
        self.stream.put_from_logs(record)
        self._from_logs(record)

    @invariant()
    def boto3_puts_are_refused(self) -> None:
        assert all(ids == [None] * len(ids) for ids in (put.record_ids for put in self.puts))

    @invariant()
    def only_what_does_not_decompress_fails(self) -> None:
        assert all(not data.startswith(b"\x1f\x8b") for data in self.stream.decompression_failed)


def loads(payload: bytes) -> bool:
    """Whether a record of the Redshift machine is a row of two fields (some, by content,
    are not)."""
    return zlib.crc32(payload) % 5 != 0


class RedshiftMachine(GivingUpMachine):
    """The giving-up machine on a Redshift destination whose COPY loads two columns: a
    record that is one field fails its object's COPY (and so its batch's), which is
    retried, then skipped (its records ``backed_up``, the manifest under ``errors/``).
    Each record still ends exactly once delivered (a row of the table), given up, pending
    or expired."""

    def __init__(self) -> None:
        super().__init__()
        self.refusing = True  # a flush leaves the batches whose COPY fails pending

    def destination(self) -> dict[str, Any]:
        return {
            "RedshiftDestinationConfiguration": {
                "RoleARN": ROLE,
                "ClusterJDBCURL": "jdbc:redshift://c.abc123.us-east-1.redshift.amazonaws.com:5439/db",
                "CopyCommand": {"DataTableName": "events", "DataTableColumns": "a,b"},
                "Username": "loader",
                "Password": "secret-password",
                "S3Configuration": {
                    "RoleARN": ROLE,
                    "BucketARN": BUCKET,
                    "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
                },
                "RetryOptions": {"DurationInSeconds": 120},
            }
        }

    def _fresh(self, tails: list[bytes]) -> list[bytes]:
        self.counter += 1
        fresh = []
        for i, tail in enumerate(tails):
            row = b"%d.%d|%s\n" % (self.counter, i, tail.hex().encode())
            fresh.append(row if loads(row) else row.replace(b"|", b"-"))
        return fresh

    @invariant()
    def the_table_holds_the_delivered_records(self) -> None:
        rows = [data[:-1].decode().split("|") for data in self.stream.delivered]
        assert self.stream.rows == [{"a": a, "b": b} for a, b in rows]
        assert all(b"|" in data for data in self.stream.delivered)


#: Kinesis's per-record codes, and its faults, each scheduled on a put (per-record
#: failures on PutRecords: PutRecord has no per-record results).
kinesis_record_codes = st.sampled_from(
    ["ProvisionedThroughputExceededException", "InternalFailure"]
)
kinesis_puts = st.sampled_from(["PutRecord", "PutRecords"])
kinesis_faults = st.one_of(
    st.fixed_dictionaries(
        {
            "records": st.one_of(
                st.lists(st.integers(0, 4), min_size=1, max_size=3, unique=True),
                st.dictionaries(st.integers(0, 4), kinesis_record_codes, min_size=1, max_size=3),
            ),
            "operation": st.just("PutRecords"),
        }
    ),
    st.fixed_dictionaries({"throttle": st.just(1), "operation": kinesis_puts}),
    st.fixed_dictionaries(
        {"timeout": st.sampled_from(["commit", "lost"]), "operation": kinesis_puts}
    ),
)
HASH_KEYS = 2**128


class KinesisSourceMachine(AccountingMachine):
    """The accounting machine on a delivery stream reading a Kinesis stream of several
    shards, which producers put into (each record's explicit hash key taken from its
    content, so a put's records land on different shards) while shards split and merge.
    Every record Kinesis accepted is read once, under its sequence number and with its
    arrival in Kinesis (the fake reads a source before Kinesis trims it: docs/clock.md),
    then ends delivered, pending or expired 24 hours after that arrival."""

    producing = "kinesis"
    puts_of = ("PutRecord", "PutRecords")

    def create(self) -> Any:
        self.kinesis = self.fake.kinesis.create_stream("clicks", shard_count=3)
        source = {"KinesisStreamARN": self.kinesis.arn, "RoleARN": ROLE}
        return self.fake.firehose.create_delivery_stream(
            "events",
            DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration=source,
            **self.destination(),
        )

    def _put(self, payloads: list[bytes], *, batch: bool) -> None:
        entries = [
            {
                "Data": payload,
                "PartitionKey": "p",
                "ExplicitHashKey": str(zlib.crc32(payload) * HASH_KEYS // 2**32),
            }
            for payload in payloads
        ]
        answered = self._answered(
            payloads,
            lambda: (
                self.client.put_records(StreamName="clicks", Records=entries)
                if batch
                else self.client.put_record(StreamName="clicks", **entries[0])
            ),
        )
        if answered is None:
            return
        answer, attempts = answered
        if not batch:
            self.puts.append(Put(payloads, [answer["SequenceNumber"]], attempts))
            return
        results = answer["Records"]
        assert len(results) == len(payloads)
        assert answer["FailedRecordCount"] == sum("ErrorCode" in r for r in results)
        self.puts.append(Put(payloads, [r.get("SequenceNumber") for r in results], attempts))

    @rule(fault=kinesis_faults)
    def schedule_fault(self, fault: dict[str, Any]) -> None:
        self.fake.kinesis.fail(**fault, optional=True)

    @precondition(lambda self: len(self.kinesis.open_shards) < 6)
    @rule(data=st.data())
    def split_a_shard(self, data: st.DataObject) -> None:
        # SplitShard's key lies above the shard's first key plus one, below its last.
        wide = [s for s in self.kinesis.open_shards if s.ending_hash_key - s.starting_hash_key > 2]
        shard = data.draw(st.sampled_from(wide))
        low, high = shard.starting_hash_key, shard.ending_hash_key
        self.kinesis.split_shard(shard.shard_id, data.draw(st.integers(low + 2, high - 1)))

    @precondition(lambda self: len(self.kinesis.open_shards) > 1)
    @rule(data=st.data())
    def merge_two_shards(self, data: st.DataObject) -> None:
        shards = self.kinesis.open_shards
        i = data.draw(st.integers(0, len(shards) - 2))
        self.kinesis.merge_shards(shards[i].shard_id, shards[i + 1].shard_id)

    def sent(self, records: list[tuple[bytes, datetime, str]]) -> list[tuple[bytes, str]]:
        return [(record.data, record.sequence_number) for record in self.kinesis.records]

    @invariant()
    def each_kinesis_record_is_read_once(self) -> None:
        sent = Counter(
            (r.data, r.sequence_number + "000000", r.arrived_at) for r in self.kinesis.records
        )
        read = Counter((r.data, r.record_id, r.arrived_at) for r in self.stream.records)
        assert sent == read, f"unread: {sent - read}, read too often: {read - sent}"


class KinesisTransformingMachine(KinesisSourceMachine, TransformingMachine):
    """The Kinesis source machine with the transforming machine's Lambda processor, which
    Firehose invokes with each record's Kinesis metadata."""


KinesisSourceMachine.TestCase.settings = SETTINGS
TestKinesisSource = KinesisSourceMachine.TestCase
SourceBackupMachine.TestCase.settings = SETTINGS
TestSourceBackup = SourceBackupMachine.TestCase
HttpEndpointMachine.TestCase.settings = SETTINGS
TestHttpEndpoint = HttpEndpointMachine.TestCase
KinesisTransformingMachine.TestCase.settings = SETTINGS
TestKinesisTransforming = KinesisTransformingMachine.TestCase
LogsMachine.TestCase.settings = SETTINGS
TestLogs = needs_botocore("firehose ProcessorType=CloudWatchLogProcessing")(LogsMachine.TestCase)
RedshiftMachine.TestCase.settings = SETTINGS
TestRedshift = RedshiftMachine.TestCase
