"""The accounting invariant, checked by a hypothesis state machine driven through boto3.

Producers put records while faults are scheduled, the destination goes down and comes back,
the clock jumps (up to 30 hours at a time) and buffers are flushed. After every step:

- as multisets, the records a stream accepted are exactly those delivered, pending and
  expired; and exactly those the call log says were committed;
- every expired record arrived at least 24 hours ago, and nothing pending is older;
- every payload the producer saw acknowledged (a ``RecordId``) was accepted, under that
  id; a payload that failed (an ``ErrorCode``, or an error raised) was accepted only by
  attempts before the last one;
- the call log holds each put's attempts, as many as botocore sent, each answered as the
  fault that hit it scripted (or refused whole, an invalid put), every one but the last
  retried, and the last as the put ended: its answer, the error raised or a timeout.

``TransformingMachine`` runs the same steps on a stream with a Lambda processor whose
handler keeps, drops or fails each record by its content (and raises while "broken"): every
accepted record then ends exactly once delivered (transformed), dropped by the transform,
in the processing-failed error output, pending or expired. ``PartitioningMachine`` adds
dynamic partitioning by the keys that handler answers: a kept record without a key ends in
the partitioning-failed error output, and each delivered one under its partition's prefix.
``GivingUpMachine`` runs them on a Splunk destination, which gives a batch up to its S3
bucket once its retries run out while it is down: given up is one more place a record ends.
``SplunkEventMachine`` runs them on a Splunk Event endpoint that also refuses each record
that is no HEC event.
``RefusingMachine`` runs them on an OpenSearch destination that refuses some documents one
by one while the rest of their batch is delivered, ``SnowflakeMachine`` on a Snowflake
table that also refuses each record that is no JSON object, ``IcebergMachine`` on an Iceberg
table whose refused records go under two prefixes, one of which the bucket refuses at times.
``test_accounting_sources`` runs them on the other sources and outputs.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from conftest import BUCKET, REGION, ROLE, SEED, examples, needs_botocore
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from pytest_firehose import FirehoseFake
from pytest_firehose._destinations.base import DeliveryFailed
from pytest_firehose._services.codes import PUTS as PUT_OPERATIONS
from pytest_firehose._services.codes import THROTTLE_CODE

DAY = timedelta(hours=24)
MAX_ATTEMPTS = 5
PUTS = ("PutRecord", "PutRecordBatch")
#: Every invariant check decodes every payload again; a few large ones per run suffice.
MAX_LARGE_PUTS = 4

#: Clock steps: the edges of the 60 s interval and of the 24 h retention, anything up to
#: 30 hours, and often about a day, so that outages outlive the retention.
seconds = st.one_of(
    st.sampled_from([1, 59, 60, 61, 899, 900, 3600, 86_399, 86_400, 86_401]),
    st.floats(min_value=0, max_value=30 * 3600),
    st.floats(min_value=23 * 3600, max_value=30 * 3600),
)
record_codes = st.sampled_from(["ServiceUnavailableException", "InternalFailure"])
#: The fault vocabulary (each scheduled with ``optional=True``).
faults = st.one_of(
    st.fixed_dictionaries(
        {
            "records": st.one_of(
                st.lists(st.integers(0, 4), min_size=1, max_size=3, unique=True),
                st.dictionaries(st.integers(0, 4), record_codes, min_size=1, max_size=3),
            )
        }
    ),
    st.just({"throttle": 1}),
    st.fixed_dictionaries({"timeout": st.sampled_from(["commit", "lost"])}),
)


@dataclass
class Put:
    """One put as the producer saw it."""

    payloads: list[bytes]
    #: Per payload: the RecordId, or None when the answer (or the call) failed it.
    record_ids: list[str | None]
    #: How many attempts botocore made (the most it may have made, if unknown).
    attempts: int


@dataclass
class Snapshot:
    """What the stream's handle shows after a step."""

    records: list[tuple[bytes, datetime, str]]
    #: What the service producers put into accepted, with the id it answered.
    sent: list[tuple[bytes, str]]
    delivered: Counter[bytes]
    pending: Counter[bytes]
    expired: Counter[bytes]
    objects: list[Any]
    now: datetime
    dropped: Counter[bytes] = field(default_factory=Counter)
    failed: Counter[bytes] = field(default_factory=Counter)
    unpartitioned: Counter[bytes] = field(default_factory=Counter)
    backed_up: Counter[bytes] = field(default_factory=Counter)
    refused: Counter[bytes] = field(default_factory=Counter)
    undecompressed: Counter[bytes] = field(default_factory=Counter)


class AccountingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fake = FirehoseFake(region=REGION, seed=SEED).start()
        try:
            self.client = boto3.client(
                self.producing,
                region_name=REGION,
                config=Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}),
            )
            self.client.meta.events.register("before-send", self._attempt)
            self.stream = self.create()
        except BaseException:
            self.fake.stop()
            raise
        self.puts: list[Put] = []
        self.counter = 0
        self.large_puts = 0
        self.up = True
        self.refusing = False
        self.ever_down = False
        #: Whether the bucket ever refused the failed records' objects: their records then
        #: stay pending and may expire, as while the destination is down (docs/clock.md).
        self.ever_stalled = False
        self.calls_seen = 0
        self.committed: Counter[bytes] = Counter()
        #: The attempts botocore sent of the put under way.
        self.attempted = 0

    def teardown(self) -> None:
        self.fake.stop()

    #: The service producers put into, and the operations by which it takes records.
    producing = "firehose"
    puts_of = PUTS

    def create(self) -> Any:
        """The delivery stream the machine drives (a handle)."""
        return self.fake.firehose.create_delivery_stream("events", **self.destination())

    def destination(self) -> dict[str, Any]:
        """CreateDeliveryStream's destination parameter."""
        return {
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": ROLE,
                "BucketARN": BUCKET,
                "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
                **self.processing(),
            }
        }

    def processing(self) -> dict[str, Any]:
        """The destination's ProcessingConfiguration, if any."""
        return {}

    @staticmethod
    def source(payload: bytes) -> bytes:
        """The payload as put, of a payload as a stream shows it."""
        return payload

    # ------------------------------------------------------------------ producing

    def _fresh(self, tails: list[bytes]) -> list[bytes]:
        """Payloads no earlier put sent, so that multisets tell puts apart."""
        self.counter += 1
        return [b"%d.%d|" % (self.counter, i) + tail for i, tail in enumerate(tails)]

    def _answered(
        self, payloads: list[bytes], send: Callable[[], dict[str, Any]]
    ) -> tuple[dict[str, Any], int] | None:
        """What ``send`` (a put of ``payloads``) answered, and how many attempts botocore
        made; None when it raised, the put then logged with every payload failed. Either
        way, the call log holds each attempt as it was answered (``_logged_as_attempted``)."""
        world = self.fake.world
        first = len(world.calls)
        handles = list(world.faults[self.producing].handles)
        fired = [handle.fired for handle in handles]
        self.attempted = 0
        try:
            answer = send()
        except ClientError as error:
            attempts = error.response["ResponseMetadata"].get("RetryAttempts", 0) + 1
            self._logged_as_attempted(first, attempts, error.response["Error"]["Code"])
            self.puts.append(Put(payloads, [None] * len(payloads), attempts))
            return None
        except BotoCoreError:  # timeouts beyond the last attempt
            self._logged_as_attempted(first, self.attempted, "timeout")
            self.puts.append(Put(payloads, [None] * len(payloads), self.attempted))
            return None
        finally:
            fired_now = Counter(id(call.scheduled_fault) for call in world.calls[first:])
            for handle, before in zip(handles, fired, strict=True):
                assert handle.fired - before == fired_now[id(handle.fault)], (
                    f"{handle!r} fired {handle.fired - before} time(s) on this put; the log "
                    f"shows it on {fired_now[id(handle.fault)]} of its attempts"
                )
        attempts = answer["ResponseMetadata"]["RetryAttempts"] + 1
        self._logged_as_attempted(first, attempts, None)
        return answer, attempts

    def _attempt(self, **_: Any) -> None:
        """botocore is about to send one attempt (its ``before-send`` event)."""
        self.attempted += 1

    def _logged_as_attempted(self, first: int, attempts: int, raised: str | None) -> None:
        """The call log, from position ``first``, holds one put's attempts: as many as
        botocore sent, numbered in order under one invocation id, each answered as the
        fault that hit it scripted (or refused, an invalid put), each but the last retried,
        and the last what the put ended in (``raised``: the error code, ``"timeout"``, or
        None for an answer)."""
        calls = self.fake.world.calls[first:]
        assert self.attempted == attempts, f"botocore sent {self.attempted}, said {attempts}"
        puts = PUT_OPERATIONS[self.producing]
        assert [(c.service, c.operation in puts) for c in calls] == [
            (self.producing, True)
        ] * attempts, f"{attempts} attempt(s) of one put, logged as {calls}"
        assert [c.attempt for c in calls] == list(range(1, attempts + 1))
        assert len({c.invocation_id for c in calls}) == 1
        for position, call in enumerate(calls, start=1):
            fault = call.scheduled_fault
            effect, value = (None, None) if fault is None else (fault.effect, fault.value)
            if effect == "throttle":
                assert (call.outcome, call.error) == ("error", THROTTLE_CODE[self.producing])
            elif effect == "timeout":
                assert (call.outcome, call.error) == ("timeout", "read-timeout"), call
                # Refused (an invalid put) only where the service carried it out.
                refused = call.refusal
                assert refused is None or (value, refused.status) == ("commit", 400), call
            elif call.outcome == "error":  # refused whole (an invalid put), whatever the fault
                assert (call.status, position) == (400, attempts), call
            elif effect == "records":
                failed = tuple(i for i in sorted(value) if i < len(call.records))
                assert (call.outcome, call.failed_indices) == ("partial", failed), call
            else:
                assert (effect, call.outcome, call.failed_indices) == (None, "ok", ()), call
            ended = "timeout" if call.outcome == "timeout" else call.error
            if position < attempts:
                assert call.outcome in ("error", "timeout"), f"{call} was retried"
            else:
                assert ended == raised, f"the put ended in {raised}, its last attempt in {call}"

    def _put(self, payloads: list[bytes], *, batch: bool) -> None:
        if batch:
            records = [{"Data": payload} for payload in payloads]
            answered = self._answered(
                payloads,
                lambda: self.client.put_record_batch(DeliveryStreamName="events", Records=records),
            )
        else:
            (payload,) = payloads
            record = {"Data": payload}
            answered = self._answered(
                payloads,
                lambda: self.client.put_record(DeliveryStreamName="events", Record=record),
            )
        if answered is None:
            return
        answer, attempts = answered
        if not batch:
            self.puts.append(Put(payloads, [answer["RecordId"]], attempts))
            return
        entries = answer["RequestResponses"]
        assert len(entries) == len(payloads)
        failed = [entry for entry in entries if "ErrorCode" in entry]
        assert answer["FailedPutCount"] == len(failed)
        for entry in failed:
            assert "RecordId" not in entry
            assert entry["ErrorMessage"]
        self.puts.append(Put(payloads, [entry.get("RecordId") for entry in entries], attempts))

    @rule(tail=st.binary(max_size=16))
    def put_record(self, tail: bytes) -> None:
        self._put(self._fresh([tail]), batch=False)

    @rule(tails=st.lists(st.binary(max_size=16), min_size=1, max_size=5))
    def put_record_batch(self, tails: list[bytes]) -> None:
        self._put(self._fresh(tails), batch=True)

    @precondition(lambda self: self.large_puts < MAX_LARGE_PUTS)
    @rule(size=st.sampled_from([300_000, 700_000]), batch=st.booleans())
    def put_large(self, size: int, batch: bool) -> None:
        """Large records bring the buffer to its 1 MiB size hint now and then."""
        self.large_puts += 1
        tails = [b"small", b"x" * size] if batch else [b"x" * size]
        self._put(self._fresh(tails), batch=batch)

    # ------------------------------------------------------------------ faults

    @rule(fault=faults)
    def schedule_fault(self, fault: dict[str, Any]) -> None:
        self.fake.firehose.fail(**fault, optional=True)

    # ------------------------------------------------------------------ the destination, time

    @initialize(down=st.booleans())
    def start_with_the_destination(self, down: bool) -> None:
        if down:
            self.destination_down()

    @rule()
    def destination_down(self) -> None:
        self.stream.destination_down()
        self.up = False
        self.ever_down = True

    @rule()
    def destination_up(self) -> None:
        self.stream.destination_up()
        self.up = True

    @rule(step=seconds)
    def advance(self, step: float) -> None:
        self.fake.firehose.clock.advance(seconds=step)

    @rule(hours=st.floats(min_value=1, max_value=30))
    def outage(self, hours: float) -> None:
        """The destination goes down and the clock moves on (it stays down)."""
        self.destination_down()
        self.fake.firehose.clock.advance(hours=hours)

    @rule()
    def flush(self) -> None:
        self.fake.firehose.flush()
        if self.up and not self.refusing:
            assert self.stream.pending == []

    # ------------------------------------------------------------------ invariants

    @invariant()
    def accounting(self) -> None:
        # One snapshot per step: reading a handle's lists decodes every payload again.
        source = self.source
        records = [(r.data, r.arrived_at, r.record_id) for r in self.stream.records]
        seen = Snapshot(
            records=records,
            sent=self.sent(records),
            delivered=Counter(map(source, self.stream.delivered)),
            pending=Counter(map(source, self.stream.pending)),
            expired=Counter(map(source, self.stream.expired)),
            objects=self.stream.objects,
            now=self.fake.firehose.clock.now(),
            dropped=Counter(self.stream.dropped),
            failed=Counter(self.stream.processing_failed),
            unpartitioned=Counter(map(source, self.stream.partitioning_failed)),
            backed_up=Counter(map(source, self.stream.backed_up)),
            refused=Counter(self.stream.refused),
            undecompressed=Counter(self.stream.decompression_failed),
        )
        self._every_record_is_delivered_pending_or_expired(seen)
        self._the_call_log_accounts_for_every_record(seen)
        self._expiry_keeps_to_24_hours(seen)
        self._objects_hold_records_younger_than_24_hours(seen)
        self._producers_see_the_truth(seen)

    def sent(self, records: list[tuple[bytes, datetime, str]]) -> list[tuple[bytes, str]]:
        """What the service producers put into accepted (of the stream's ``records``), with
        the id it answered for each."""
        return [(data, record_id) for data, _, record_id in records]

    def _every_record_is_delivered_pending_or_expired(self, seen: Snapshot) -> None:
        accepted = Counter(data for data, _, _ in seen.records)
        parts = seen.delivered + seen.pending + seen.expired + seen.dropped + seen.failed
        parts += seen.unpartitioned + seen.backed_up + seen.refused + seen.undecompressed
        assert accepted == parts, f"missing: {accepted - parts}, extra: {parts - accepted}"

    def _the_call_log_accounts_for_every_record(self, seen: Snapshot) -> None:
        calls = getattr(self.fake, self.producing).calls
        for call in calls[self.calls_seen :]:
            if call.operation not in self.puts_of:
                continue
            if call.outcome in ("ok", "partial"):
                failed = set(call.failed_indices)
                self.committed.update(p for i, p in enumerate(call.records) if i not in failed)
            elif (
                call.outcome == "timeout"
                and call.refusal is None
                and "timeout='commit'" in (call.fault or "")
            ):
                self.committed.update(call.records)
        self.calls_seen = len(calls)
        assert Counter(data for data, _ in seen.sent) == self.committed

    def _expiry_keeps_to_24_hours(self, seen: Snapshot) -> None:
        old: Counter[bytes] = Counter()  # arrived 24 hours ago or earlier
        not_older: Counter[bytes] = Counter()  # arrived 24 hours ago or later
        for data, arrived_at, _ in seen.records:
            assert arrived_at <= seen.now
            if arrived_at <= seen.now - DAY:
                old[data] += 1
            if arrived_at >= seen.now - DAY:
                not_older[data] += 1
        for data, count in seen.expired.items():
            assert count <= old[data], f"{data[:20]!r} expired before it was 24 hours old"
        for data, count in seen.pending.items():
            assert count <= not_older[data], f"{data[:20]!r} is pending after 24 hours"
        if not (self.ever_down or self.ever_stalled):
            assert not seen.expired

    def _objects_hold_records_younger_than_24_hours(self, seen: Snapshot) -> None:
        arrivals: dict[bytes, list[datetime]] = {}
        for data, arrived_at, _ in seen.records:
            arrivals.setdefault(data, []).append(arrived_at)
        for obj in seen.objects:
            for data in map(self.source, obj.records):
                assert any(
                    obj.delivered_at - DAY <= at <= obj.delivered_at for at in arrivals[data]
                ), f"{data[:20]!r} delivered more than 24 hours after it arrived"

    def _producers_see_the_truth(self, seen: Snapshot) -> None:
        accepted: dict[bytes, list[str]] = {}
        for data, record_id in seen.sent:
            accepted.setdefault(data, []).append(record_id)
        for put in self.puts:
            for payload, record_id in zip(put.payloads, put.record_ids, strict=True):
                ids = accepted.get(payload, [])
                assert len(ids) <= put.attempts
                if record_id is not None:
                    assert record_id in ids, f"{payload[:20]!r} acknowledged but not accepted"
                else:
                    # Only attempts before the last can have accepted it (a commit timeout).
                    assert len(ids) <= put.attempts - 1, (
                        f"{payload[:20]!r} failed, yet its last attempt accepted it"
                    )


FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:transform"
#: The transform's mark on the data it keeps: no fresh payload starts with it.
KEPT = b"T:"


def decision(payload: bytes) -> str:
    """What the transform answers for a payload, by its content."""
    return ("Dropped", "ProcessingFailed", "Ok", "Ok")[zlib.crc32(payload) % 4]


class TransformingMachine(AccountingMachine):
    """The accounting machine on a stream whose Lambda processor keeps (marked), drops or
    fails each record, or raises while broken."""

    def __init__(self) -> None:
        self.broken = False
        super().__init__()

    def processing(self) -> dict[str, Any]:
        self.fake.firehose.lambda_function(FUNCTION, self.transform)
        parameters = [
            {"ParameterName": "LambdaArn", "ParameterValue": FUNCTION},
            {"ParameterName": "NumberOfRetries", "ParameterValue": "1"},
            {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "30"},
        ]
        return {
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [{"Type": "Lambda", "Parameters": parameters}],
            }
        }

    def transform(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if self.broken:
            raise RuntimeError("the transform is broken")
        answers = []
        for record in event["records"]:
            data = base64.b64decode(record["data"])
            answer = {"recordId": record["recordId"], "result": decision(data)}
            if answer["result"] == "Ok":
                answer["data"] = base64.b64encode(KEPT + data).decode()
            answers.append(answer)
        return {"records": answers}

    @staticmethod
    def source(payload: bytes) -> bytes:
        return payload.removeprefix(KEPT)

    @rule(broken=st.booleans())
    def break_or_mend_the_transform(self, broken: bool) -> None:
        self.broken = broken

    @invariant()
    def the_transform_decided(self) -> None:
        for payload in self.stream.dropped:
            assert decision(payload) == "Dropped"
        for payload in self.stream.delivered:
            assert payload.startswith(KEPT)
            assert decision(self.source(payload)) == "Ok"
        for obj in self.stream.error_objects:
            for line in obj.body.splitlines():
                error = json.loads(line)
                data = base64.b64decode(error["rawData"])
                if error["errorCode"].startswith("DynamicPartitioning."):
                    continue  # the partitioning machine's
                if error["errorCode"] == "Lambda.ProcessingFailedStatus":
                    assert decision(data) == "ProcessingFailed"
                else:
                    assert (error["errorCode"], error["attemptsMade"]) == (
                        "Lambda.FunctionError",
                        2,
                    )


def partition_key(payload: bytes) -> str | None:
    """The partition key the transform gives a payload it keeps (none for some)."""
    return None if zlib.adler32(payload) % 5 == 0 else str(zlib.crc32(payload) % 3)


class PartitioningMachine(TransformingMachine):
    """The transforming machine on a stream partitioned by the keys its transform answers
    in ``metadata.partitionKeys``: each kept record ends in its partition's objects, or,
    without a key, in the partitioning-failed error output."""

    def processing(self) -> dict[str, Any]:
        return {
            **super().processing(),
            "Prefix": "p=!{partitionKeyFromLambda:p}/",
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
            "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
            "DynamicPartitioningConfiguration": {"Enabled": True},
        }

    def transform(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        answer = super().transform(event, context)
        for record in answer["records"]:
            if record["result"] == "Ok":
                key = partition_key(self.source(base64.b64decode(record["data"])))
                record["metadata"] = {"partitionKeys": {} if key is None else {"p": key}}
        return answer

    @invariant()
    def each_record_is_in_its_partition(self) -> None:
        for obj in self.stream.objects:
            for payload in obj.records:
                assert obj.key.startswith(f"p={partition_key(self.source(payload))}/")
        for payload in self.stream.partitioning_failed:
            assert partition_key(self.source(payload)) is None


def test_records_count_as_their_payloads_in_a_multiset(fake):
    """The invariant as a user writes it: a duplicate (a commit timeout, retried) is two
    records with one payload, and counts twice, like the two delivered copies."""
    stream = fake.firehose.create_delivery_stream("events")
    client = boto3.client(
        "firehose", region_name=REGION, config=Config(retries={"mode": "standard"})
    )
    fake.firehose.fail(timeout="commit")
    client.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
    client.put_record(DeliveryStreamName="events", Record={"Data": b"b"})
    stream.flush()

    assert stream.records == [b"a", b"a", b"b"]
    assert stream.delivered == [b"a", b"a", b"b"]
    assert Counter(stream.records) == Counter(stream.delivered) + Counter(stream.pending)
    assert Counter(stream.records) == Counter({b"a": 2, b"b": 1})


class GivingUpMachine(AccountingMachine):
    """The accounting machine on a Splunk destination, which the fake only stores: while it
    is down, a batch whose two minutes of retries ran out is given up to the S3 bucket, so
    every accepted record ends delivered, given up (``backed_up``), pending or expired."""

    def destination(self) -> dict[str, Any]:
        return {
            "SplunkDestinationConfiguration": {
                "HECEndpoint": "https://splunk.example.com:8088",
                "HECEndpointType": "Raw",
                "HECToken": "token",  # older botocore (1.34) requires it
                "S3Configuration": {"RoleARN": ROLE, "BucketARN": BUCKET},
                "RetryOptions": {"DurationInSeconds": 120},
            }
        }


def put_number(payload: bytes) -> int:
    """The number of the put that sent ``payload`` (its first digits)."""
    match = re.search(rb"\d+", payload)
    assert match is not None
    return int(match.group())


class RefusingMachine(GivingUpMachine):
    """The giving-up machine on an OpenSearch destination that refuses, while told to, the
    documents of odd puts: they are retried, then given up to the S3 bucket with their
    batch's other records delivered, so each still ends exactly once delivered, given up,
    pending or expired. Its records are JSON objects, the documents an index takes."""

    def destination(self) -> dict[str, Any]:
        return {
            "AmazonopensearchserviceDestinationConfiguration": {
                "RoleARN": ROLE,
                "DomainARN": "arn:aws:es:us-east-1:123456789012:domain/logs",
                "IndexName": "logs",
                "S3Configuration": {"RoleARN": ROLE, "BucketARN": BUCKET},
                "RetryOptions": {"DurationInSeconds": 120},
            }
        }

    def _fresh(self, tails: list[bytes]) -> list[bytes]:
        self.counter += 1
        return [
            b'{"put": %d, "index": %d, "tail": "%s"}' % (self.counter, i, base64.b64encode(tail))
            for i, tail in enumerate(tails)
        ]

    def received(self) -> list[dict[str, Any]]:
        """What the destination received of the records delivered, in order."""
        return [document["_source"] for document in self.stream.documents]

    @invariant()
    def the_destination_received_each_delivered_record(self) -> None:
        assert self.received() == [json.loads(data) for data in self.stream.delivered]

    @rule()
    def refuse_odd_puts(self) -> None:
        self.stream.destination_refuses(lambda record: put_number(record) % 2 == 1)
        self.refusing = True

    @rule()
    def accept_every_document(self) -> None:
        self.stream.destination_accepts()
        self.refusing = False


class SnowflakeMachine(RefusingMachine):
    """The refusing machine on a Snowflake destination, whose table receives each record as
    a row: every other record of a put is a JSON object, the others are not and fail at
    once (``Snowflake.InvalidInput``) while the rest of their batch is delivered; so each
    still ends exactly once delivered (and a row), given up, pending or expired."""

    def destination(self) -> dict[str, Any]:
        return {
            "SnowflakeDestinationConfiguration": {
                "AccountUrl": "https://example.us-east-1.snowflakecomputing.com",
                "User": "loader",
                "Database": "RAW",
                "Schema": "EVENTS",
                "Table": "CLICKS",
                "RoleARN": ROLE,
                "S3Configuration": {"RoleARN": ROLE, "BucketARN": BUCKET},
                "RetryOptions": {"DurationInSeconds": 120},
            }
        }

    def _fresh(self, tails: list[bytes]) -> list[bytes]:
        self.counter += 1
        return [
            b'{"put": %d, "index": %d, "tail": "%s"}' % (self.counter, i, tail.hex().encode())
            if i % 2 == 0
            else b"%d.%d|" % (self.counter, i) + tail
            for i, tail in enumerate(tails)
        ]

    def received(self) -> list[dict[str, Any]]:
        return self.stream.rows

    @invariant()
    def only_json_objects_are_delivered(self) -> None:
        assert all(data.startswith(b"{") for data in self.stream.delivered)


class SplunkEventMachine(GivingUpMachine):
    """The giving-up machine on a Splunk Event endpoint: every other record of a put is an
    HEC event, the others are not and fail on their own (``Splunk.InvalidDataFormat``),
    are retried and then given up, while the rest of their batch is delivered; so each
    still ends exactly once delivered (and an event), given up, pending or expired."""

    def __init__(self) -> None:
        super().__init__()
        self.refusing = True  # a flush leaves the records that are no events pending

    def destination(self) -> dict[str, Any]:
        splunk = super().destination()["SplunkDestinationConfiguration"]
        return {"SplunkDestinationConfiguration": {**splunk, "HECEndpointType": "Event"}}

    def _fresh(self, tails: list[bytes]) -> list[bytes]:
        self.counter += 1
        return [
            b'{"event": "%d.%d", "fields": {"tail": "%s"}}' % (self.counter, i, tail.hex().encode())
            if i % 2 == 0
            else b"%d.%d|" % (self.counter, i) + tail
            for i, tail in enumerate(tails)
        ]

    @invariant()
    def the_endpoint_received_the_events_of_the_delivered_records(self) -> None:
        received = [(event["event"], event["fields"]) for event in self.stream.events]
        delivered = [json.loads(data) for data in self.stream.delivered]
        assert received == [(event["event"], event["fields"]) for event in delivered]


class RefusingBucket:
    """A destination's bucket (``bucket``) that refuses the objects under ``prefix`` while
    ``refusing``, and is otherwise ``bucket``, keeping what it took in ``taken``."""

    def __init__(self, bucket: Any, prefix: str) -> None:
        self.bucket, self.prefix, self.refusing = bucket, prefix, False
        self.taken: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.bucket, name)

    def deliver(self, target: Any, obj: Any) -> None:
        if self.refusing and obj.key.startswith(self.prefix):
            raise DeliveryFailed("S3.AccessDenied: Access Denied")
        self.bucket.deliver(target, obj)
        self.taken.append(obj)


#: Routes every record to ``db.events`` with the operation its ``op`` names.
ICEBERG_ROUTING = '{destinationDatabaseName: "db", destinationTableName: "events", operation: .op}'


class IcebergMachine(GivingUpMachine):
    """The giving-up machine on an Iceberg destination with one table, routed by a JQ
    query: a record that is one JSON object becomes a row of it, one that is not is written
    at once to the bucket under ``iceberg-failed/``, and an update (the table has no
    ``UniqueKeys``) under the table's ``S3ErrorOutputPrefix``; a batch's failed records
    may so make two objects, and the bucket refuses the table's one while told to. So each
    still ends exactly once delivered, given up, pending or expired, and the table holds
    the records delivered."""

    def __init__(self) -> None:
        super().__init__()
        delivery = self.fake.world.firehose().streams["events"].delivery
        self.bucket = RefusingBucket(delivery.destination.error_output, "events-errors/")
        delivery.destination.error_output = self.bucket

    def destination(self) -> dict[str, Any]:
        table = {
            "DestinationDatabaseName": "db",
            "DestinationTableName": "events",
            "S3ErrorOutputPrefix": "events-errors/",
        }
        extraction = {
            "Type": "MetadataExtraction",
            "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": ICEBERG_ROUTING},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
            ],
        }
        return {
            "IcebergDestinationConfiguration": {
                "RoleARN": ROLE,
                "CatalogConfiguration": {
                    "CatalogARN": "arn:aws:glue:us-east-1:123456789012:catalog"
                },
                "S3Configuration": {"RoleARN": ROLE, "BucketARN": BUCKET},
                "RetryOptions": {"DurationInSeconds": 120},
                "DestinationTableConfigurationList": [table],
                "ProcessingConfiguration": {"Enabled": True, "Processors": [extraction]},
            }
        }

    def _fresh(self, tails: list[bytes]) -> list[bytes]:
        """A third of them (by content) JSON objects, a third updates, the others not
        JSON."""
        fresh = []
        for payload in super()._fresh(tails):
            kind = zlib.crc32(payload) % 3
            row = {"p": base64.b64encode(payload).decode(), **({"op": "update"} if kind else {})}
            fresh.append(json.dumps(row).encode() if kind < 2 else payload)
        return fresh

    @rule(refusing=st.booleans())
    def the_bucket_refuses_the_tables_errors(self, refusing: bool) -> None:
        self.bucket.refusing = self.refusing = refusing
        self.ever_stalled |= refusing

    @invariant()
    def the_bucket_holds_each_record_given_up_once(self) -> None:
        taken = Counter(record for obj in self.bucket.taken for record in obj.records)
        assert taken == Counter(self.stream.backed_up)

    @invariant()
    def the_table_holds_the_delivered_records(self) -> None:
        rows = self.stream.tables.get("db.events", [])
        assert [json.dumps(row).encode() for row in rows] == self.stream.delivered


AccountingMachine.TestCase.settings = settings(
    max_examples=examples(30),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestAccounting = AccountingMachine.TestCase
TransformingMachine.TestCase.settings = AccountingMachine.TestCase.settings
TestTransforming = TransformingMachine.TestCase
PartitioningMachine.TestCase.settings = AccountingMachine.TestCase.settings
TestPartitioning = PartitioningMachine.TestCase
GivingUpMachine.TestCase.settings = AccountingMachine.TestCase.settings
TestGivingUp = GivingUpMachine.TestCase
RefusingMachine.TestCase.settings = AccountingMachine.TestCase.settings
TestRefusing = RefusingMachine.TestCase
SnowflakeMachine.TestCase.settings = AccountingMachine.TestCase.settings
TestSnowflake = needs_botocore("firehose CreateDeliveryStream.SnowflakeDestinationConfiguration")(
    SnowflakeMachine.TestCase
)
SplunkEventMachine.TestCase.settings = AccountingMachine.TestCase.settings
TestSplunkEvents = SplunkEventMachine.TestCase
IcebergMachine.TestCase.settings = AccountingMachine.TestCase.settings
TestIceberg = needs_botocore(
    "firehose CreateDeliveryStream.IcebergDestinationConfiguration"
    ".DestinationTableConfigurationList"
)(IcebergMachine.TestCase)
