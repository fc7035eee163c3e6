"""Reading a delivery stream changes nothing that follows, whatever it delivers to, and
neither does how the clock got to a moment.

The same two properties as ``test_looking_changes_nothing``, over the destinations whose
work waits on the fake clock: an HTTP endpoint that fails some batches (retries within
``RetryOptions``, every record backed up to S3), Splunk (acknowledgements that may time
out), OpenSearch (an index a day, documents the destination refuses), Snowflake (a declared
table), Redshift (COPY retries), Iceberg (a registered Glue table), an S3 destination with
dynamic partitioning and a Lambda processor that fails some invocations, and a delivery
stream reading a Kinesis stream; the programs put records, take destinations down and up,
flush, and move the clock by seconds to more than a day.

What a look is: reading any public property of a delivery stream handle or of the
``firehose`` handle, ``describe()``, and the ``delivery_errors`` a failed
``assert_delivered`` would list. ``flush()`` and ``assert_delivered`` (which flushes
first) are acts: they deliver what the buffers hold, so a program takes them as steps.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from conftest import REGION, ROLE, S3, SEED, botocore_lacks, endpoint_took_it, examples
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_looking_changes_nothing import (
    INVOCATION_ID,
    ONE_ATTEMPT,
    SPLITS,
    START,
    _answer,
    ended,
    move_clock,
    public_reads,
)

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError

pytestmark = pytest.mark.filterwarnings("ignore::pytest_firehose.UnmodelledSettingWarning")

URL = "https://collector.example.com/firehose"
DOMAIN = "arn:aws:es:us-east-1:123456789012:domain/logs"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:transform"
RETRIES = {"DurationInSeconds": 120}
JQ = {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}

#: Each delivery stream of a program, by its name, with its CreateDeliveryStream parameters.
STREAMS: dict[str, dict[str, Any]] = {
    "http": {
        "HttpEndpointDestinationConfiguration": {
            "EndpointConfiguration": {"Url": URL, "Name": "collector", "AccessKey": "key"},
            "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1},
            "RetryOptions": RETRIES,
            "S3BackupMode": "AllData",
            "S3Configuration": {**S3, "ErrorOutputPrefix": "failed/"},
        }
    },
    "splunk": {
        "SplunkDestinationConfiguration": {
            "HECEndpoint": "https://splunk.example.com:8088",
            "HECEndpointType": "Raw",
            "HECToken": "0000-token",
            "HECAcknowledgmentTimeoutInSeconds": 180,
            "RetryOptions": {"DurationInSeconds": 600},
            "S3Configuration": S3,
        }
    },
    "search": {
        "AmazonopensearchserviceDestinationConfiguration": {
            "RoleARN": ROLE,
            "DomainARN": DOMAIN,
            "IndexName": "logs",
            "IndexRotationPeriod": "OneDay",
            "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1},
            "RetryOptions": RETRIES,
            "S3Configuration": S3,
        }
    },
    "snow": {
        "SnowflakeDestinationConfiguration": {
            "AccountUrl": "https://example.us-east-1.snowflakecomputing.com",
            "PrivateKey": "PRIVATEKEY" * 26,
            "User": "loader",
            "Database": "RAW",
            "Schema": "EVENTS",
            "Table": "CLICKS",
            "RoleARN": ROLE,
            "BufferingHints": {"IntervalInSeconds": 30, "SizeInMBs": 1},
            "RetryOptions": {"DurationInSeconds": 60},
            "S3Configuration": S3,
        }
    },
    "redshift": {
        "RedshiftDestinationConfiguration": {
            "RoleARN": ROLE,
            "ClusterJDBCURL": "jdbc:redshift://c.abc123.us-east-1.redshift.amazonaws.com:5439/db",
            "CopyCommand": {"DataTableName": "events", "CopyOptions": "JSON 'auto'"},
            "Username": "loader",
            "Password": "hunter2-redshift",
            "RetryOptions": {"DurationInSeconds": 300},
            "S3Configuration": {**S3, "BufferingHints": {"IntervalInSeconds": 60}},
        }
    },
    "iceberg": {
        "IcebergDestinationConfiguration": {
            "RoleARN": ROLE,
            "CatalogConfiguration": {"CatalogARN": "arn:aws:glue:us-east-1:123456789012:catalog"},
            "DestinationTableConfigurationList": [
                {
                    "DestinationDatabaseName": "shop",
                    "DestinationTableName": "orders",
                    "UniqueKeys": ["id"],
                }
            ],
            "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1},
            "RetryOptions": RETRIES,
            "S3Configuration": S3,
        }
    },
    "parts": {
        "ExtendedS3DestinationConfiguration": {
            **S3,
            "Prefix": "n=!{partitionKeyFromQuery:odd}/",
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
            "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 64},
            "DynamicPartitioningConfiguration": {"Enabled": True},
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [
                    {
                        "Type": "Lambda",
                        "Parameters": [
                            {"ParameterName": "LambdaArn", "ParameterValue": FUNCTION},
                            {"ParameterName": "NumberOfRetries", "ParameterValue": "1"},
                            {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "60"},
                        ],
                    },
                    {
                        "Type": "MetadataExtraction",
                        "Parameters": [
                            {
                                "ParameterName": "MetadataExtractionQuery",
                                "ParameterValue": "{odd: (.n % 2)}",
                            },
                            JQ,
                        ],
                    },
                ],
            },
        }
    },
}
#: Destination types an older botocore cannot send: the programs leave their streams out.
for lacking in ("Snowflake", "Iceberg"):
    if botocore_lacks(f"firehose CreateDeliveryStream.{lacking}DestinationConfiguration"):
        del STREAMS["snow" if lacking == "Snowflake" else "iceberg"]
#: The streams a step may name: the ones above, and the one reading Kinesis stream "k".
NAMES = [*STREAMS, "source"]
#: The stores the fake keeps state for: a destination down refuses with these codes.
DOWN = {
    "splunk": [None, "Splunk.AckTimeout"],
    "search": [None, "503"],
    "snow": [None],
    "redshift": [None, "Redshift.TableNotFound"],
    "iceberg": [None],
}

#: A step: its name and its argument.
Step = tuple[str, Any]
ADVANCE = st.tuples(
    st.just("advance"), st.sampled_from([1, 31, 61, 181, 601, 3600, 43_200, 86_401])
)


def steps_on(names: list[str]) -> st.SearchStrategy[Step]:
    """The steps of a program that puts to, and acts on, the delivery streams ``names``
    (a program that spread its steps over every stream would seldom build up any one's
    retries, backups or expiries)."""
    put = st.tuples(st.just("put"), st.tuples(st.sampled_from(names), st.integers(1, 3)))
    downs = [(n, None) for n in names] + [(n, e) for n in names for e in DOWN.get(n, [])[1:]]
    steps = [
        put,
        put,
        ADVANCE,
        ADVANCE,
        st.tuples(st.just("down"), st.sampled_from(downs)),
        st.tuples(st.just("up"), st.sampled_from(names)),
        st.tuples(st.just("flush"), st.none()),
        st.tuples(st.just("flush_one"), st.sampled_from(names)),
        st.tuples(st.just("assert_delivered"), st.sampled_from(names)),
    ]
    direct = [n for n in names if n != "source"]  # a stream reading Kinesis has no SSE
    if direct:
        steps.append(
            st.tuples(st.just("encryption"), st.tuples(st.sampled_from(direct), st.booleans()))
        )
    steps.append(st.tuples(st.just("describe"), st.sampled_from(names)))
    refusing = [n for n in names if n in ("search", "snow")]
    if refusing:
        steps.append(st.tuples(st.just("refuse"), st.sampled_from(refusing)))
        steps.append(st.tuples(st.just("accept"), st.sampled_from(refusing)))
    if "http" in names:
        steps.append(st.tuples(st.just("buffering"), st.sampled_from([60, 120, 300, 900])))
    return st.one_of(steps)


PROGRAMS = st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True).flatmap(
    lambda names: st.lists(steps_on(names), min_size=4, max_size=30)
)


def _look(fake: FirehoseFake) -> list[str]:
    firehose = fake.firehose
    seen = public_reads(firehose)
    for name in NAMES:
        stream = firehose[name]
        seen += public_reads(stream)
        seen.append(repr(stream.describe()))
        seen.append(stream._undelivered_note([]))
    return seen


class Program:
    """The delivery streams a program runs against, and one method per kind of step."""

    def __init__(self, fake: FirehoseFake, *, in_steps: str | None) -> None:
        self.fake = fake
        self.in_steps = in_steps
        self.firehose = boto3.client("firehose", region_name=REGION, config=ONE_ATTEMPT)
        self.kinesis = boto3.client("kinesis", region_name=REGION, config=ONE_ATTEMPT)
        self.steps = 0
        #: How often the HTTP endpoint was sent each request id.
        self.attempts: dict[str, int] = {}
        #: The time the processor's handler and the HTTP endpoint read at each call, as
        #: code running there would (frozen time).
        self.times: list[datetime] = []
        fake.firehose.lambda_function(FUNCTION, self._transform)
        if "iceberg" in STREAMS:
            fake.firehose.glue_table(
                "shop", "orders", {"id": "int", "n": "int", "i": "int", "t": "string"}
            )
        if "snow" in STREAMS:
            fake.firehose.snowflake_table(
                "RAW.EVENTS.CLICKS",
                {"ID": "NUMBER(38,0)", "N": "NUMBER(38,0)", "I": "NUMBER(38,0)", "T": "VARCHAR(8)"},
            )
        # Every day's index: an id past a byte's range (a put from step 13 on) is refused.
        fake.firehose.opensearch_index(
            DOMAIN,
            "logs-*",
            {"properties": {"id": {"type": "byte"}, "t": {"type": "keyword"}}},
        )
        for name, config in STREAMS.items():
            fake.firehose.create_delivery_stream(name, **config)
        fake.kinesis.create_stream("k", 2)
        fake.firehose.create_delivery_stream(
            "source",
            DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration={
                "KinesisStreamARN": fake.kinesis["k"].arn,
                "RoleARN": ROLE,
            },
            ExtendedS3DestinationConfiguration={**S3, "BufferingHints": {"IntervalInSeconds": 60}},
        )

    def endpoint(self, request: Any) -> tuple[int, dict[str, str], str]:
        """The HTTP endpoint: it fails every attempt of a batch whose first record was put
        at a step numbered ...7, the first two of one put at a step numbered ...3, and
        takes every other."""
        self.times.append(datetime.now(timezone.utc))
        request_id = request.headers["X-Amz-Firehose-Request-Id"]
        tried = self.attempts[request_id] = self.attempts.get(request_id, 0) + 1
        first = json.loads(request.body)["records"][0]["data"]
        step = json.loads(_decoded(first))["n"] % 10
        if step == 7 or (tried <= 2 and step == 3):
            return 500, {}, "busy"
        return endpoint_took_it(request)

    def _transform(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The Lambda processor: it fails an invocation holding a record put at a step
        numbered ...4, and marks records numbered 2 within their put as failed."""
        self.times.append(datetime.now(timezone.utc))
        records = event["records"]
        payloads = [json.loads(_decoded(r["data"])) for r in records]
        if any(p["n"] % 10 == 4 for p in payloads):
            raise RuntimeError("a put numbered ...4")
        return {
            "records": [
                {
                    "recordId": r["recordId"],
                    "result": "ProcessingFailed" if p["i"] == 2 else "Ok",
                    "data": r["data"],
                }
                for r, p in zip(records, payloads, strict=True)
            ]
        }

    def _payloads(self, count: int) -> list[bytes]:
        self.steps += 1
        n = self.steps
        return [
            json.dumps({"id": n * 10 + i, "n": n, "i": i, "t": "x"}).encode() + b"\n"
            for i in range(count)
        ]

    def put(self, where: tuple[str, int]) -> Any:
        name, count = where
        if name == "source":
            return self._kinesis_put(count)
        records = [{"Data": p} for p in self._payloads(count)]
        return _answer(self.firehose.put_record_batch, DeliveryStreamName=name, Records=records)

    def _kinesis_put(self, count: int) -> Any:
        entries = [{"Data": p, "PartitionKey": str(i)} for i, p in enumerate(self._payloads(count))]
        return _answer(self.kinesis.put_records, StreamName="k", Records=entries)

    def advance(self, seconds: int) -> None:
        move_clock(self.fake.firehose.clock, seconds, self.in_steps)

    def down(self, where: tuple[str, str | None]) -> Any:
        name, error = where
        try:
            self.fake.firehose[name].destination_down(error=error)
        except UsageError as refused:
            return str(refused)
        return None

    def up(self, name: str) -> None:
        self.fake.firehose[name].destination_up()

    def refuse(self, name: str) -> None:
        self.fake.firehose[name].destination_refuses(lambda data: b'"i": 1' in data)

    def encryption(self, change: tuple[str, bool]) -> Any:
        """StartDeliveryStreamEncryption or StopDeliveryStreamEncryption: the stream is
        ``ENABLING`` or ``DISABLING`` for the world's encryption delay."""
        name, start = change
        operation = (
            self.firehose.start_delivery_stream_encryption
            if start
            else self.firehose.stop_delivery_stream_encryption
        )
        return _answer(operation, DeliveryStreamName=name)

    def describe(self, name: str) -> Any:
        return _answer(self.firehose.describe_delivery_stream, DeliveryStreamName=name)

    def accept(self, name: str) -> None:
        self.fake.firehose[name].destination_accepts()

    def flush_one(self, name: str) -> None:
        self.fake.firehose[name].flush()

    def buffering(self, seconds: int) -> Any:
        """UpdateDestination: the HTTP endpoint's buffering interval, mid-buffer."""
        described = _answer(self.firehose.describe_delivery_stream, DeliveryStreamName="http")
        version = described["DeliveryStreamDescription"]["VersionId"]
        return _answer(
            self.firehose.update_destination,
            DeliveryStreamName="http",
            CurrentDeliveryStreamVersionId=version,
            DestinationId="destinationId-000000000001",
            HttpEndpointDestinationUpdate={
                "BufferingHints": {"IntervalInSeconds": seconds, "SizeInMBs": 1}
            },
        )

    def flush(self, _: None) -> None:
        self.fake.firehose.flush()

    def assert_delivered(self, name: str) -> Any:
        try:
            self.fake.firehose[name].assert_delivered([])
        except AssertionError as failed:
            return INVOCATION_ID.sub("", str(failed))
        return None


def _decoded(data: str) -> bytes:
    return base64.b64decode(data)


def run(
    program: list[Step], *, looking: bool, in_steps: str | None = None
) -> tuple[list[Any], list[str]]:
    """The answers ``program`` got, and what a look at the end saw."""
    import responses

    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as endpoint,
        FirehoseFake(region=REGION, seed=SEED, freeze_time=START, encryption_delay=7) as fake,
    ):
        running = Program(fake, in_steps=in_steps)
        endpoint.add_callback(
            responses.POST, URL, callback=running.endpoint, content_type="application/json"
        )
        answers = []
        for step, argument in program:
            answers.append(getattr(running, step)(argument))
            if looking:
                _look(fake)
        return answers, [*_look(fake), f"{len(running.times)} calls", repr(running.times)]


PROPERTY = settings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(program=PROGRAMS)
def test_no_destination_answers_differently_when_a_test_looked(program: list[Step]) -> None:
    looked = run(program, looking=True)
    unlooked = run(program, looking=False)

    assert unlooked[0] == looked[0]
    assert unlooked[1] == looked[1]


@PROPERTY
@given(program=PROGRAMS, split=st.sampled_from(SPLITS))
# Two streams due at different instants inside one move made on freezegun directly.
@example(
    program=[("put", ("http", 1)), ("advance", 31), ("put", ("search", 1)), ("advance", 3600)],
    split="direct",
)
def test_every_destination_ends_alike_after_one_jump_or_steps(
    program: list[Step], split: str
) -> None:
    """Retries, acknowledgement timeouts, index rotation, backups and expiry fall due in
    order as the clock moves: a jump, the same time in steps and a move made on freezegun
    directly end alike, the seeded ids the streams draw (object keys' suffixes, request
    ids) included, however many streams have work in one move."""
    one_jump = ended(run(program, looking=False), split)
    in_steps = ended(run(program, looking=False, in_steps=split), split)
    if split == "direct":
        # After a move the fake did not make, the handlers and the endpoint run at the
        # next look, and read the clock there: only what they were sent is compared.
        one_jump, in_steps = (one_jump[0], one_jump[1][:-1]), (in_steps[0], in_steps[1][:-1])

    assert in_steps[0] == one_jump[0]
    assert in_steps[1] == one_jump[1]


def test_a_processor_due_before_a_jump_is_invoked_when_its_buffer_fell_due() -> None:
    """A Lambda processor's buffer that fell due while the clock jumped past it is sent at
    its interval's end, and its invocations (and the failed records' attempt times) say
    so, as if the clock had stopped there on its way."""
    failing = json.dumps({"id": 40, "n": 4, "i": 0, "t": "x"}).encode() + b"\n"
    ends = []
    for steps in ([181], [60, 121]):
        with FirehoseFake(region=REGION, seed=SEED, freeze_time=START) as fake:
            program = Program(fake, in_steps=None)
            program.put(("parts", 1))
            program.firehose.put_record(DeliveryStreamName="parts", Record={"Data": failing})
            for seconds in steps:
                fake.firehose.clock.advance(seconds=seconds)
            stream = fake.firehose["parts"]

            assert [i.started_at for i in stream.invocations] == [START + timedelta(seconds=60)] * 2
            assert stream.processing_failed == [b'{"id": 10, "n": 1, "i": 0, "t": "x"}\n', failing]
            [error] = stream.error_objects
            ends.append(
                [json.loads(line)["attemptEndingTimestamp"] for line in error.body.splitlines()]
            )
    assert ends[0] == ends[1] == [int((START + timedelta(seconds=60)).timestamp() * 1000)] * 2
