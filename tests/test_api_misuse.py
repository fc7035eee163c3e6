"""The plugin's own Python API, used wrongly: each misuse is refused with a ``UsageError``
(for the clock, a ``ClockRangeError``) whose message says what to pass instead, and nothing
is left half done."""

from __future__ import annotations

import inspect
import math
import re
import threading
from datetime import date, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from conftest import REGION, ask_control, needs_botocore

from pytest_firehose import (
    ClockRangeError,
    FakeClock,
    FirehoseFake,
    FirehoseServer,
    StreamKeyError,
    UsageError,
)
from pytest_firehose._engine.config import REGION_RULE
from pytest_firehose._engine.fault_targets import names_no_stream
from pytest_firehose._engine.world import World
from pytest_firehose._services.codes import BATCH_PUT
from pytest_firehose._wire.shapes import operation_names

ROLE = "arn:aws:iam::123456789012:role/reader"


def _handler(event: Any, context: Any) -> None:
    return None


# ------------------------------------------------------------------ glue_table


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"c": "decimal(a,b)"}, r"'decimal\(a,b\)' is not a Hive type"),
        ({"c": "decimal(,)"}, r"'decimal\(,\)' is not a Hive type"),
        ({"c": 5}, "the type of column 'c' is 5, not a string such as 'int'"),
        ({"c": None}, "the type of column 'c' is None, not a string"),
        ({5: "int"}, "the column name 5 is not a non-empty string"),
        ([("a",)], r"\('a',\) is not a \(name, type\) pair"),
        (["ab"], r"'ab' is not a \(name, type\) pair"),
        ("id int", r"columns are a mapping of column name to Hive type"),
        (5, r"columns are a mapping .*, not 5"),
    ],
)
def test_glue_table_refuses_columns_that_are_not_pairs_of_a_name_and_a_hive_type(
    fake: FirehoseFake, columns: Any, message: str
) -> None:
    pytest.importorskip("pyarrow")
    with pytest.raises(UsageError, match=message):
        fake.firehose.glue_table("web", "clicks", columns)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            {"id": "bigint", "page": "string", "ID": "string"},
            r"glue_table\('web', 'clicks', \.\.\.\): columns 'id' and 'ID' differ only in "
            r"case, and Glue column names are lower case, so they would name one column: give "
            r"each column a name of its own",
        ),
        ([("id", "bigint"), ("id", "string")], r"column 'id' is given twice"),
    ],
    ids=["case", "twice"],
)
def test_glue_table_refuses_two_columns_of_one_name(
    fake: FirehoseFake, columns: Any, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        fake.firehose.glue_table("web", "clicks", columns)
    with pytest.raises(KeyError):
        fake.firehose.glue_columns("web", "clicks")


def test_glue_table_refuses_a_type_nested_too_deeply_to_read(fake: FirehoseFake) -> None:
    pytest.importorskip("pyarrow")
    deep = "array<" * 5000 + "int" + ">" * 5000
    with pytest.raises(UsageError, match=r"column 'c' of web\.clicks") as refused:
        fake.firehose.glue_table("web", "clicks", {"c": deep})
    assert len(str(refused.value)) < 400  # the type is cut short, not shown in full
    fake.firehose.glue_table("web", "clicks", {"c": "array<" * 20 + "int" + ">" * 20})


@pytest.mark.parametrize(("database", "table"), [(None, "clicks"), ("web", ""), ("web", 5)])
def test_glue_table_refuses_a_database_or_table_that_is_no_name(
    fake: FirehoseFake, database: Any, table: Any
) -> None:
    pytest.importorskip("pyarrow")
    with pytest.raises(UsageError, match="is named by a non-empty string"):
        fake.firehose.glue_table(database, table, {"id": "int"})


# ------------------------------------------------------------------ create_delivery_stream


def test_a_second_stream_name_among_the_options_is_refused_before_anything_is_made(
    fake: FirehoseFake,
) -> None:
    with pytest.raises(UsageError, match="DeliveryStreamName is the name argument"):
        fake.firehose.create_delivery_stream("x", DeliveryStreamName="y")
    assert fake.firehose.stream_names() == []


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"StreamName": "y"}, "StreamName is the name argument"),
        # It was silently replaced by shard_count's default of 1.
        ({"ShardCount": 4}, "ShardCount is the shard_count argument"),
    ],
)
def test_a_kinesis_stream_option_that_repeats_an_argument_is_refused(
    fake: FirehoseFake, options: dict[str, Any], said: str
) -> None:
    with pytest.raises(UsageError, match=said):
        fake.kinesis.create_stream("x", **options)
    assert fake.kinesis.stream_names() == []


# ------------------------------------------------------------------ values botocore sends


S3_CONFIG = {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::landing"}
#: What botocore's validator takes (a bool is an int to it) and writes as JSON ``true``,
#: which the front end refuses where an integer goes.
NOT_AN_INTEGER = "SerializationException: TRUE_VALUE can not be converted to an Integer"


@pytest.mark.parametrize(
    ("make", "service"),
    [
        (lambda handles: handles.kinesis.create_stream("x", True), "kinesis"),
        pytest.param(
            lambda handles: handles.kinesis.create_stream("x", MaxRecordSizeInKiB=True),
            "kinesis",
            marks=needs_botocore("kinesis CreateStream.MaxRecordSizeInKiB"),
        ),
        (
            lambda handles: handles.firehose.create_delivery_stream(
                "x",
                ExtendedS3DestinationConfiguration={
                    **S3_CONFIG,
                    "BufferingHints": {"SizeInMBs": True},
                },
            ),
            "firehose",
        ),
    ],
    ids=["shard_count", "MaxRecordSizeInKiB", "SizeInMBs"],
)
def test_a_create_the_front_end_cannot_read_is_refused_as_boto3_is(
    fake: FirehoseFake, make: Any, service: str
) -> None:
    # A stream of one shard, or of a 1 MB buffer, was made from True.
    with pytest.raises(UsageError, match=NOT_AN_INTEGER):
        make(fake)
    assert getattr(fake, service).stream_names() == []


def test_a_boolean_shard_count_is_refused_by_the_handle_and_by_boto3_alike(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("k", 2)
    with pytest.raises(
        UsageError, match=f"UpdateShardCount: kinesis would answer {NOT_AN_INTEGER}"
    ):
        stream.update_shard_count(True)  # was: scaled down to one shard
    client = boto3.client("kinesis", region_name=REGION)
    with pytest.raises(client.exceptions.ClientError, match="TRUE_VALUE can not be converted"):
        client.update_shard_count(
            StreamName="k", TargetShardCount=True, ScalingType="UNIFORM_SCALING"
        )
    assert len(stream.open_shards) == 2


def test_a_fractional_shard_count_is_refused_as_botocore_refuses_it(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("k", 2)
    # It was a TypeError from deep inside the reshard.
    with pytest.raises(UsageError, match="botocore would refuse these parameters"):
        stream.update_shard_count(1.5)  # type: ignore[arg-type]
    assert len(stream.open_shards) == 2


@pytest.mark.parametrize(
    "region",
    [
        *(5, "", ["eu-west-1"], "eu-west-1\n", " eu-west-1", "../eu-west-1", "eu_west_1", "-1"),
        *("x", "nowhere", "local", "EU-WEST-1", "xx-west-1"),
    ],
)
def test_a_region_that_is_no_region_name_is_refused(fake: FirehoseFake, region: Any) -> None:
    # 5 made a stream in a region named 5; "" one in the default region; "eu_west_1" one in
    # a region no botocore client can be made for (botocore.utils.validate_region_name);
    # "x" and the rest one in a region of no AWS partition, whose endpoint no client reaches.
    refusal = f"region is a region name such as 'eu-west-1', not {region!r}{REGION_RULE}"
    with pytest.raises(UsageError) as kinesis_refusal:
        fake.kinesis.create_stream("k", region=region)
    with pytest.raises(UsageError) as firehose_refusal:
        fake.firehose.create_delivery_stream("f", region=region)
    with pytest.raises(UsageError) as settings_refusal:
        FirehoseFake(region=region)
    assert str(kinesis_refusal.value) == str(firehose_refusal.value) == refusal
    assert str(settings_refusal.value) == refusal
    assert fake.kinesis.stream_names() == []
    assert fake.firehose.stream_names() == []


@pytest.mark.parametrize("region", ["ap-southeast-9", "cn-north-1", "us-gov-east-1"])
def test_a_region_of_an_aws_partition_is_taken_before_botocore_lists_it(
    fake: FirehoseFake, region: str
) -> None:
    # New regions follow their partition's pattern before a botocore release lists them.
    assert fake.kinesis.create_stream("k", region=region).region == region
    assert fake.kinesis.stream("k", region=region).name == "k"


@pytest.mark.parametrize("region", [5, "", ["eu-west-1"], "eu west 1", "-1"])
def test_a_function_or_glue_table_in_a_region_that_is_no_region_name_is_refused(
    fake: FirehoseFake, region: Any
) -> None:
    # lambda_function answered an ARN such as arn:aws:lambda:5:...: no stream of any
    # region could invoke the function it registered.
    with pytest.raises(UsageError, match="region is a region name such as 'eu-west-1'"):
        fake.firehose.lambda_function("f", _handler, region=region)
    pytest.importorskip("pyarrow")
    with pytest.raises(UsageError, match="region is a region name such as 'eu-west-1'"):
        fake.firehose.glue_table("web", "clicks", {"id": "int"}, region=region)


# ------------------------------------------------------------------ Lambda functions


HUGE = pytest.param(10**400, id="10**400")
BAD_TIMEOUTS = ["3", None, math.inf, math.nan, 0.5, 901, timedelta(minutes=16), True, HUGE]


@pytest.mark.parametrize("timeout", BAD_TIMEOUTS)
def test_lambda_function_refuses_a_timeout_lambda_would_refuse(
    fake: FirehoseFake, timeout: Any
) -> None:
    with pytest.raises(UsageError, match="timeout is 1 to 900 seconds"):
        fake.firehose.lambda_function("f", _handler, timeout=timeout)


@pytest.mark.parametrize("timeout", BAD_TIMEOUTS)
def test_lambda_trigger_refuses_a_timeout_lambda_would_refuse(
    fake: FirehoseFake, timeout: Any
) -> None:
    stream = fake.kinesis.create_stream("k")
    with pytest.raises(UsageError, match="timeout is 1 to 900 seconds"):
        stream.lambda_trigger(_handler, timeout=timeout)


@pytest.mark.parametrize("timeout", [1, 900, 2.5, timedelta(minutes=15)])
def test_the_timeouts_lambda_takes_are_taken(fake: FirehoseFake, timeout: Any) -> None:
    fake.firehose.lambda_function("f", _handler, timeout=timeout)
    fake.kinesis.create_stream("k").lambda_trigger(_handler, timeout=timeout)


@pytest.mark.parametrize("memory_mb", [0, 127, 10241, "x", None, 512.0, True])
def test_a_memory_size_lambda_would_refuse_is_refused(fake: FirehoseFake, memory_mb: Any) -> None:
    with pytest.raises(UsageError, match="memory size is a whole number of MB from 128"):
        fake.firehose.lambda_function("f", _handler, memory_mb=memory_mb)
    stream = fake.kinesis.create_stream("k")
    with pytest.raises(UsageError, match="memory size is a whole number of MB from 128"):
        stream.lambda_trigger(_handler, memory_mb=memory_mb)


def test_the_memory_sizes_lambda_takes_are_taken(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("k")
    for memory_mb in (128, 10240):
        fake.firehose.lambda_function("f", _handler, memory_mb=memory_mb)
        stream.lambda_trigger(_handler, memory_mb=memory_mb, FunctionName=f"f-{memory_mb}")


@pytest.mark.parametrize("role", [5, "reader", "arn:aws:iam::123:role/reader"])
def test_lambda_trigger_refuses_a_role_that_is_not_an_iam_role_arn(
    fake: FirehoseFake, role: Any
) -> None:
    stream = fake.kinesis.create_stream("k")
    with pytest.raises(UsageError, match="execution role is an IAM role ARN"):
        stream.lambda_trigger(_handler, role=role)


def test_lambda_trigger_takes_an_iam_role_arn(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("k")
    boto3.client("kinesis", region_name=REGION).put_record(
        StreamName="k", Data=b"a", PartitionKey="p"
    )
    trigger = stream.lambda_trigger(_handler, role=ROLE)
    trigger.drain()
    (invocation,) = trigger.invocations
    assert invocation.event["Records"][0]["invokeIdentityArn"] == ROLE


@pytest.mark.parametrize("name", [None, 5])
def test_lambda_function_refuses_a_name_that_is_not_a_string(fake: FirehoseFake, name: Any) -> None:
    with pytest.raises(UsageError, match="a Lambda function is named by a string"):
        fake.firehose.lambda_function(name, _handler)


@pytest.mark.parametrize("stamp", [1e20, -1e20, math.inf])
def test_a_starting_timestamp_botocore_cannot_read_is_refused(
    fake: FirehoseFake, stamp: float
) -> None:
    stream = fake.kinesis.create_stream("k")
    with pytest.raises(UsageError, match="botocore cannot read it as a time"):
        stream.lambda_trigger(
            _handler, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=stamp
        )


def test_a_starting_timestamp_given_as_text_is_read_as_botocore_reads_it(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("k")
    trigger = stream.lambda_trigger(
        _handler, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp="2030-01-01"
    )
    assert trigger.settings.starting_timestamp == datetime(2030, 1, 1, tzinfo=timezone.utc)


# ------------------------------------------------------------------ the clock


@pytest.mark.parametrize("seconds", [math.inf, math.nan, "1", None, [1]])
def test_clock_sleep_refuses_what_is_not_a_finite_number_of_seconds(
    fake: FirehoseFake, seconds: Any
) -> None:
    clock = fake.firehose.clock
    before = clock.now()
    with pytest.raises(ClockRangeError, match=r"sleep\(\) takes a timedelta or a finite"):
        clock.sleep(seconds)
    assert clock.now() == before
    assert clock.sleeps == []


def test_clock_sleep_takes_seconds_and_a_timedelta(fake: FirehoseFake) -> None:
    clock = fake.firehose.clock
    clock.sleep(2)
    clock.sleep(timedelta(seconds=3))
    clock.sleep(0)
    assert clock.sleeps == [2.0, 3.0]
    assert clock.elapsed == timedelta(seconds=5)


@pytest.mark.parametrize(
    ("args", "units", "message"),
    [
        ((), {"hours": math.nan}, r"advance\(hours=nan\): each unit of the move is a finite"),
        ((), {"hours": math.inf}, r"advance\(hours=inf\): each unit of the move is a finite"),
        ((), {"hours": "1"}, r"advance\(hours='1'\): each unit"),
        ((), {"fortnights": 1}, "takes timedelta's units .*, not fortnights$"),
        (
            (),
            {"hours": 1, "minute": 5},
            r"advance\(\) takes timedelta's units \(weeks, days, hours, minutes, seconds, "
            r"milliseconds, microseconds\), not minute; did you mean advance\(minutes=...\)\?",
        ),
        (("1",), {}, r"advance\(\) takes a timedelta or a finite number of seconds, got '1'"),
        ((1,), {"hours": 1}, "not both"),
        ((), {}, r"advance\(\) was given no move; pass a timedelta, a number of seconds"),
    ],
)
def test_clock_advance_refuses_what_is_not_a_finite_move(
    fake: FirehoseFake, args: tuple[Any, ...], units: dict[str, Any], message: str
) -> None:
    clock = fake.firehose.clock
    before = clock.now()
    with pytest.raises(ClockRangeError, match=message):
        clock.advance(*args, **units)
    assert clock.now() == before


@pytest.mark.parametrize("name", ["creation_delay", "encryption_delay", "update_delay"])
@pytest.mark.parametrize("delay", [math.nan, math.inf, HUGE])
def test_a_delay_that_is_no_finite_number_of_seconds_is_refused(name: str, delay: Any) -> None:
    with pytest.raises(UsageError, match=f"{name} is seconds of fake time"):
        FirehoseFake(**{name: delay})


@pytest.mark.parametrize(
    "start", [datetime(2030, 1, 1), "2030-01-01T00:00:00Z", 1_900_000_000, date(2030, 1, 1)]
)
def test_a_clock_started_at_what_is_no_aware_datetime_is_refused(start: Any) -> None:
    # A string, a number or a date raised AttributeError: no attribute 'tzinfo' (or
    # 'astimezone').
    with pytest.raises(ValueError, match=r"FakeClock\(start=\.\.\.\) needs a timezone-aware"):
        FakeClock(start)


def test_a_clock_starts_at_an_aware_datetime_in_utc() -> None:
    start = datetime(2030, 1, 1, 5, tzinfo=timezone(timedelta(hours=5)))
    assert FakeClock(start).now() == datetime(2030, 1, 1, tzinfo=timezone.utc)


# ------------------------------------------------------------------ stream lookups


@pytest.mark.parametrize("service", ["firehose", "kinesis"])
@pytest.mark.parametrize("name", [None, 5, b"s"])
def test_looking_up_a_stream_by_a_name_that_is_not_a_string_says_names_are_strings(
    fake: FirehoseFake, service: str, name: Any
) -> None:
    handle = getattr(fake, service)
    with pytest.raises(StreamKeyError, match=r"names are strings: ask \w+\['orders'\]"):
        handle[name]
    with pytest.raises(KeyError):
        handle.stream(name)


@pytest.mark.parametrize("service", ["firehose", "kinesis"])
@pytest.mark.parametrize("region", [5, "", "eu west 1"])
def test_looking_up_streams_in_a_region_that_is_no_region_name_is_refused(
    fake: FirehoseFake, service: str, region: Any
) -> None:
    # stream_names(region=5) answered [] and stream("s", region=5) "no stream 's' in 5":
    # an assertion that a stream is absent passed whatever the region held.
    handle = getattr(fake, service)
    with pytest.raises(UsageError, match="region is a region name such as 'eu-west-1', not"):
        handle.stream_names(region=region)
    with pytest.raises(UsageError, match="region is a region name such as 'eu-west-1', not"):
        handle.stream("s", region=region)


# ------------------------------------------------------------------ assert_delivered


@pytest.fixture
def delivered(fake: FirehoseFake) -> Any:
    stream = fake.firehose.create_delivery_stream("s")
    boto3.client("firehose", region_name=REGION).put_record(
        DeliveryStreamName="s", Record={"Data": b"a"}
    )
    return stream


@pytest.mark.parametrize(
    ("expected", "message"),
    [
        (["a"], r"payloads are bytes, such as b'a'; the one at position 0 is 'a'"),
        ([b"a", None], r"payloads are bytes; the one at position 1 is None"),
        ("a", r"takes a list of payloads as bytes, such as .*, not 'a'"),
        (b"a", r"takes a list of payloads as bytes, such as .*, not b'a'"),
        (5, r"takes a list of payloads as bytes, such as .*, not 5"),
        (None, r"takes a list of payloads as bytes, such as .*, not None"),
    ],
)
def test_assert_delivered_refuses_payloads_that_are_not_bytes(
    delivered: Any, expected: Any, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        delivered.assert_delivered(expected)


@pytest.mark.parametrize("expected", [{b"a": 1}, {"id": 1}])
def test_assert_delivered_refuses_a_mapping(delivered: Any, expected: Any) -> None:
    # {b"a": 1} passed as [b"a"] (its keys); {"id": 1}, a JSON record meant as the payload,
    # was answered "payloads are bytes, such as b'id'".
    with pytest.raises(
        UsageError, match=r"not a mapping .*: give each payload's bytes, such as json\.dumps"
    ):
        delivered.assert_delivered(expected)


def test_an_ordered_assertion_refuses_a_set(fake: FirehoseFake, delivered: Any) -> None:
    # A set's order is its hashes': the assertion passed or failed from run to run.
    kinesis = fake.kinesis.create_stream("k")
    with pytest.raises(UsageError, match=r"a set has no order: give a list"):
        delivered.assert_delivered({b"a"}, ordered=True)
    with pytest.raises(UsageError, match=r"assert_records\(\): a set has no order"):
        kinesis.assert_records(frozenset(), ordered=True)
    delivered.assert_delivered({b"a"})  # each exactly once, in any order


def test_assert_delivered_still_takes_bytes_and_records(delivered: Any) -> None:
    delivered.assert_delivered([b"a"])
    delivered.assert_delivered([bytearray(b"a")])
    delivered.assert_delivered(delivered.records)
    with pytest.raises(AssertionError, match="missing"):
        delivered.assert_delivered([b"b"])


@pytest.mark.parametrize("ordered", ["yes", "false", 1, None])
def test_the_assertions_ordered_flag_takes_only_true_or_false(
    fake: FirehoseFake, delivered: Any, ordered: Any
) -> None:
    # "yes" and "false" asked for order, 1 too; None left it out without a word.
    kinesis = fake.kinesis.create_stream("k")
    with pytest.raises(UsageError, match=r"assert_delivered\(ordered\) takes True or False"):
        delivered.assert_delivered([b"a"], ordered=ordered)
    with pytest.raises(UsageError, match=r"assert_records\(ordered\) takes True or False"):
        kinesis.assert_records([], ordered=ordered)


def test_assert_records_refuses_payloads_that_are_not_bytes(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("k")
    with pytest.raises(UsageError, match=r"assert_records\(\): payloads are bytes, such as b'a'"):
        stream.assert_records(["a"])
    with pytest.raises(UsageError, match=r"assert_records\(\) takes a list of payloads"):
        stream.assert_records(5)  # type: ignore[arg-type]


@pytest.mark.parametrize("role", [5, "reader"])
def test_lambda_event_refuses_a_role_that_is_not_an_iam_role_arn(
    fake: FirehoseFake, role: Any
) -> None:
    stream = fake.kinesis.create_stream("k")
    with pytest.raises(UsageError, match="execution role is an IAM role ARN"):
        stream.lambda_event(role=role)
    role_arn = "arn:aws:iam::123456789012:role/reader"
    assert stream.lambda_event(role=role_arn)["Records"] == []


@pytest.mark.parametrize("records", [5, "x", [b"a"], [None]])
def test_lambda_event_refuses_records_that_are_not_the_streams(
    fake: FirehoseFake, records: Any
) -> None:
    stream = fake.kinesis.create_stream("k")
    # It was a TypeError or an AttributeError from inside the event's making.
    with pytest.raises(UsageError, match=r"lambda_event\(records=...\) takes the stream's records"):
        stream.lambda_event(records)


@pytest.mark.parametrize("service", ["firehose", "kinesis"])
@pytest.mark.parametrize("messages", [5, None])
def test_put_log_events_refuses_messages_that_are_no_list(
    fake: FirehoseFake, service: str, messages: Any
) -> None:
    handle = getattr(fake, service)
    stream = (
        handle.create_delivery_stream("s") if service == "firehose" else handle.create_stream("s")
    )
    # It was a TypeError: 'int' object is not iterable.
    with pytest.raises(UsageError, match=r"put_log_events takes a list of messages \(str\)"):
        stream.put_log_events(messages)


@pytest.mark.parametrize("service", ["firehose", "kinesis"])
def test_put_log_events_refuses_an_empty_message(fake: FirehoseFake, service: str) -> None:
    # A record no subscription sends: PutLogEvents takes events of 1 character or more.
    handle = getattr(fake, service)
    stream = (
        handle.create_delivery_stream("s") if service == "firehose" else handle.create_stream("s")
    )
    with pytest.raises(UsageError, match=r"put_log_events: a log message is empty"):
        stream.put_log_events(["a", ""])
    assert list(stream.records) == []


def test_allow_hosts_given_as_one_string_is_refused_naming_the_list() -> None:
    # It was read as its characters: "allow_hosts may only name loopback hosts ...; '2'".
    with pytest.raises(UsageError, match=r"allow_hosts is a list of loopback hosts, such as"):
        FirehoseFake(allow_hosts="127.0.0.1")


@pytest.mark.parametrize("hosts", [None, 5])
def test_allow_hosts_that_are_no_list_are_refused_naming_the_list(hosts: Any) -> None:
    # TypeError: 'NoneType' object is not iterable, from inside the fake.
    with pytest.raises(UsageError, match=r"allow_hosts is a list of loopback hosts, such as"):
        FirehoseFake(allow_hosts=hosts)


@pytest.mark.parametrize(
    ("switch", "call"),
    [
        (lambda fake: fake.firehose.enforce_quotas, "enforce_quotas"),
        (lambda fake: fake.kinesis.enforce_quotas, "enforce_quotas"),
        (lambda fake: fake.kinesis.enforce_read_quotas, "enforce_read_quotas"),
    ],
)
@pytest.mark.parametrize("enabled", ["false", 0, None])
def test_a_quota_switch_takes_only_true_or_false(
    fake: FirehoseFake, switch: Any, call: str, enabled: Any
) -> None:
    # "false" turned the quotas on; 0 and None turned them off without a word.
    with pytest.raises(UsageError, match=rf"{call}\(enabled\) takes True or False, not "):
        switch(fake)(enabled)
    assert not fake.world.firehose_quotas
    assert not fake.world.kinesis_quotas
    assert not fake.world.kinesis_read_quotas


def _pair(index: int, data: bytes) -> bool:
    return True


@pytest.mark.parametrize("predicate", [lambda: True, _pair])
def test_a_records_predicate_that_cannot_take_one_payload_is_refused_when_scheduled(
    fake: FirehoseFake, predicate: Any
) -> None:
    # It was taken, and the first PutRecordBatch of the test was refused with a UsageError.
    with pytest.raises(UsageError, match=r"records= predicate .* is called with one record's"):
        fake.firehose.fail(records=predicate)
    assert fake.unfired_faults() is None  # nothing was scheduled


def test_a_records_predicate_without_a_readable_signature_is_taken(fake: FirehoseFake) -> None:
    fake.firehose.fail(records=bool)  # a builtin: its first call says whether it fits
    stream = fake.firehose.create_delivery_stream("s")
    client = boto3.client("firehose", region_name=REGION)
    answer = client.put_record_batch(
        DeliveryStreamName="s", Records=[{"Data": b"a"}, {"Data": b""}]
    )
    assert [bool(entry.get("ErrorCode")) for entry in answer["RequestResponses"]] == [True, False]
    assert stream.records == [b""]


FAULT_KEYWORDS = (
    "records=, throttle=, error=, timeout=, latency=, chaos=, seed=, operation=, stream=, "
    "call=, times=, events=, optional="
)


@pytest.mark.parametrize("service", ["firehose", "kinesis"])
def test_fail_with_a_misspelt_keyword_names_the_keyword_meant(
    fake: FirehoseFake, service: str
) -> None:
    # As the fail markers do, not with Python's TypeError.
    with pytest.raises(UsageError) as raised:
        getattr(fake, service).fail(record={1: "InternalFailure"}, operation="PutRecord")

    assert str(raised.value) == (
        f"{service}.fail(record={{1: 'InternalFailure'}}, operation='PutRecord'): got an "
        "unexpected keyword argument 'record'. Did you mean records=? "
        f"Its keywords: {FAULT_KEYWORDS}."
    )
    assert getattr(fake, service).faults == []


def test_fail_with_an_argument_by_position_lists_the_keywords(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError) as raised:
        fake.firehose.fail("throttle")

    assert str(raised.value) == (
        f"firehose.fail('throttle'): too many positional arguments. Its keywords: {FAULT_KEYWORDS}."
    )


def test_fail_keeps_its_keywords_in_its_signature(fake: FirehoseFake) -> None:
    # What IDEs and type checkers read: the keywords, not (*args, **kwargs).
    shown = inspect.signature(fake.kinesis.fail)

    assert ", ".join(f"{key}=" for key in shown.parameters) == FAULT_KEYWORDS
    assert fake.kinesis.fail(throttle=2).fault.times == 2


@pytest.mark.parametrize(
    ("service", "operation"), [("firehose", "PutRecordBatch"), ("kinesis", "PutRecords")]
)
@pytest.mark.parametrize("records", [[500], {0: "InternalFailure", 500: "InternalFailure"}])
def test_a_records_index_no_batch_reaches_is_refused_when_scheduled(
    fake: FirehoseFake, service: str, operation: str, records: Any
) -> None:
    # A batch holds at most 500 records: index 500 never failed a record. Alone, the fault
    # never fired (with optional=True, without a word); beside index 0, it was dropped.
    with pytest.raises(UsageError) as refused:
        getattr(fake, service).fail(records=records, optional=True)
    assert str(refused.value) == (
        f"records= index 500 is past the last of a {operation} request's records: it takes "
        "at most 500, so the indices are 0 to 499"
    )
    assert getattr(fake, service).faults == []
    getattr(fake, service).fail(records=[499], optional=True)  # the last record of a full batch


def test_an_empty_frozen_time_start_is_refused_not_read_as_now() -> None:
    # freeze_time="" (or a marker's start="") froze time at the clock's own start, as if no
    # start had been given.
    with pytest.raises(UsageError, match=r"freeze_time start '' is not a time freezegun reads"):
        FirehoseFake(freeze_time="")


@pytest.mark.parametrize(("database", "table"), [(None, "clicks"), ("web", ""), ("web", 5)])
def test_glue_columns_refuses_a_database_or_table_that_is_no_name(
    fake: FirehoseFake, database: Any, table: Any
) -> None:
    # It raised KeyError "no Glue table None.clicks", as if a table could have that name.
    with pytest.raises(UsageError, match="is named by a non-empty string"):
        fake.firehose.glue_columns(database, table)


@pytest.mark.parametrize(
    ("parameter", "given"),
    [
        ("BatchSize", True),
        ("MaximumRetryAttempts", False),
        ("ParallelizationFactor", True),
        ("TumblingWindowInSeconds", True),
    ],
)
def test_a_lambda_trigger_refuses_a_bool_where_a_number_goes(
    fake: FirehoseFake, parameter: str, given: bool
) -> None:
    # botocore's validator takes a bool for an integer: BatchSize=True made batches of one,
    # and trigger.update() answered "BatchSize": True.
    stream = fake.kinesis.create_stream("k")
    refusal = (
        f"(): {parameter} is a number, not {given!r}: botocore would send the bool as JSON "
        f"{str(given).lower()}, which Lambda does not read as a number"
    )
    with pytest.raises(UsageError, match=rf"^lambda_trigger{re.escape(refusal)}"):
        stream.lambda_trigger(_handler, **{parameter: given})
    trigger = stream.lambda_trigger(_handler, BatchSize=5)
    with pytest.raises(UsageError, match=rf"^trigger\.update{re.escape(refusal)}"):
        trigger.update(**{parameter: given})
    assert trigger.describe()["BatchSize"] == 5


def test_a_server_given_the_fake_itself_is_refused_naming_its_world(fake: FirehoseFake) -> None:
    # It was taken, and every request to it was answered with a 500.
    with pytest.raises(UsageError, match=r"FirehoseServer\(fake\.world\).*serve_fake\(fake\)"):
        FirehoseServer(fake)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"world": "w"}, r"FirehoseServer\(world\): the world to serve is a fake's"),
        ({"host": None}, r"FirehoseServer\(host=\.\.\.\) is the address to listen on"),
        # True listened on port 1; -1 raised OverflowError from bind().
        *(({"port": port}, r"is a port from 0 to 65535") for port in (True, -1, 65536, "80")),
        # 0 made every socket read non-blocking; "x" failed in each connection's thread.
        *(
            ({"idle_timeout": timeout}, r"idle_timeout=\.\.\.\) is how many seconds")
            for timeout in (0, -1, math.nan, math.inf, "x", None)
        ),
        # 0 answered every connection 503.
        *(
            ({"max_connections": count}, r"max_connections=\.\.\.\) is how many connections")
            for count in (0, -1, 1.5, True, None)
        ),
        ({"firehose": "f"}, r"FirehoseServer\(firehose=\.\.\.\) is the firehose handle"),
    ],
)
def test_a_server_refuses_settings_it_cannot_serve_by(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        FirehoseServer(**settings)


def test_a_server_refuses_the_handles_of_another_world(fake: FirehoseFake) -> None:
    # The control API scripted the other world, which no request reached.
    with pytest.raises(UsageError, match=r"FirehoseServer\(kinesis=\.\.\.\) is the kinesis"):
        FirehoseServer(World(), kinesis=fake.kinesis)
    with FirehoseServer(fake.world, firehose=fake.firehose, kinesis=fake.kinesis) as served:
        assert served.firehose is fake.firehose


@pytest.mark.parametrize("key", [True, 1.5, b"1"])
def test_a_split_hash_key_that_is_no_number_or_text_is_refused_as_botocore_refuses_it(
    fake: FirehoseFake, key: Any
) -> None:
    # It was made text first: the refusal quoted 'True' or "b'1'", a value never given.
    stream = fake.kinesis.create_stream("k", 2)
    with pytest.raises(
        UsageError,
        match=rf"Invalid type for parameter NewStartingHashKey, value: {re.escape(repr(key))},",
    ):
        stream.split_shard("shardId-000000000000", key)
    assert len(stream.open_shards) == 2
    stream.split_shard("shardId-000000000000", 2**126)  # an int is the key's digits
    assert len(stream.open_shards) == 3


@pytest.mark.parametrize("predicate", [lambda: True, _pair])
def test_a_refusing_predicate_that_cannot_take_one_record_is_refused_when_set(
    fake: FirehoseFake, predicate: Any
) -> None:
    # It was taken, and every delivery raised TypeError inside the fake: a failed attempt,
    # retried until the records expired.
    from test_destination_errors import OPENSEARCH

    stream = fake.firehose.create_delivery_stream(
        "events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )
    with pytest.raises(
        UsageError, match=r"destination_refuses: the predicate .* is called with one record's"
    ):
        stream.destination_refuses(predicate)
    assert stream.destination_switches["refusing"] is None
    stream.destination_refuses(bool)  # a builtin: its first call says whether it fits


@pytest.mark.parametrize("service", ["firehose", "kinesis"])
@pytest.mark.parametrize(
    ("messages", "said"),
    [
        # Its keys were the messages: the event's values were lost.
        ({"level": "error", "text": "disk full"}, r"not a mapping, whose keys would be"),
        # The events came in the set's order, which changes from run to run.
        ({"a", "b"}, r"a set of messages has no order"),
        (frozenset({"a"}), r"a set of messages has no order"),
    ],
)
def test_put_log_events_refuses_messages_in_a_mapping_or_a_set(
    fake: FirehoseFake, service: str, messages: Any, said: str
) -> None:
    handle = getattr(fake, service)
    stream = (
        handle.create_delivery_stream("s") if service == "firehose" else handle.create_stream("s")
    )
    refusal = rf"^put_log_events(: | takes a list of messages ).*{said}"
    with pytest.raises(UsageError, match=refusal):
        stream.put_log_events(messages)
    assert list(stream.records) == []


def test_lambda_event_refuses_the_records_of_another_stream(fake: FirehoseFake) -> None:
    # The event named stream "a" as the source of a record stream "b" accepted.
    first, second = fake.kinesis.create_stream("a"), fake.kinesis.create_stream("b")
    client = boto3.client("kinesis", region_name=REGION)
    for name in ("a", "b"):
        client.put_record(StreamName=name, Data=name.encode(), PartitionKey="p")
    with pytest.raises(UsageError, match=r"is none of stream 'a''s, and an event carries"):
        first.lambda_event(second.records)
    with pytest.raises(UsageError, match=r"is none of stream 'a''s"):
        first.lambda_event([*first.records, *second.records])
    (record,) = first.lambda_event(first.records)["Records"]
    assert record["eventSourceARN"] == first.arn


@pytest.mark.parametrize(
    "start",
    [
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=timezone.utc),
        datetime(9000, 1, 1, tzinfo=timezone.utc),
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),  # past datetime's
    ],
)
def test_a_clock_started_outside_its_years_is_refused(start: datetime) -> None:
    # It started, and then refused every advance() (past 9000), or kept times before 1970,
    # which AWS's timestamps do not carry (a frozen-time start there is refused too).
    with pytest.raises(ValueError, match=r"FakeClock\(start=\.\.\.\) is a time from 1970 to 9000"):
        FakeClock(start)
    FakeClock(datetime(1970, 1, 1, tzinfo=timezone.utc)).advance(1)


@pytest.mark.parametrize(
    ("service", "fault", "refusal"),
    [
        (
            "firehose",
            {"throttle": True, "operation": "PutRecords"},
            "firehose has no operation 'PutRecords': it is a Kinesis Data Streams operation; "
            "schedule the fault with kinesis.fail(...) or @pytest.mark.kinesis_fail(...)",
        ),
        (
            "kinesis",
            {"throttle": True, "operation": "PutRecordBatch"},
            "kinesis has no operation 'PutRecordBatch': it is a Firehose operation; schedule "
            "the fault with firehose.fail(...) or @pytest.mark.firehose_fail(...)",
        ),
        (
            "firehose",
            {"error": "ProvisionedThroughputExceededException"},
            "'ProvisionedThroughputExceededException' is not a whole-call error code firehose "
            "answers with: it is a Kinesis Data Streams whole-call error code; schedule the "
            "fault with kinesis.fail(...) or @pytest.mark.kinesis_fail(...)",
        ),
        (
            "kinesis",
            {"records": {0: "ServiceUnavailableException"}},
            "'ServiceUnavailableException' is not a per-record error code kinesis answers "
            "with: it is a Firehose per-record error code; schedule the fault with "
            "firehose.fail(...) or @pytest.mark.firehose_fail(...)",
        ),
    ],
)
def test_a_fault_of_the_other_service_names_the_handle_that_schedules_it(
    fake: FirehoseFake, service: str, fault: dict[str, Any], refusal: str
) -> None:
    # It was refused with a close match of this service's ("Did you mean 'PutRecord'?"),
    # leading away from the slip: the fault was meant for the other handle.
    with pytest.raises(UsageError) as refused:
        getattr(fake, service).fail(**fault)
    assert str(refused.value) == refusal


def test_put_from_msk_refuses_a_kafka_timestamp_before_1970(fake: FirehoseFake) -> None:
    # Taken: the record's mskRecordMetadata carried a negative approximateArrivalTimestamp,
    # where Kafka's timestamps count milliseconds from 1970.
    from test_msk_source import msk_stream

    stream = msk_stream(fake)
    with pytest.raises(UsageError, match=r"timestamp is a timezone-aware datetime from 1970"):
        stream.put_from_msk(b"a", timestamp=datetime(1969, 12, 31, 23, 59, tzinfo=timezone.utc))
    assert stream.records == []
    assert stream.put_from_msk(b"a", timestamp=datetime(1970, 1, 1, tzinfo=timezone.utc)) == [0]


@pytest.mark.parametrize(
    ("service", "stream", "refusal"),
    [
        (
            "kinesis",
            "arn:aws:kinesis:us-east-1:123456789012:stream/orders",
            "no Kinesis data stream is named "
            "'arn:aws:kinesis:us-east-1:123456789012:stream/orders', so the fault would never "
            "fire: give the name, stream='orders'",
        ),
        ("firehose", "my events", "no delivery stream is named 'my events', so the fault"),
        ("firehose", "e" * 65, "stream= is a stream's name, 1 to 64 letters"),
    ],
)
def test_a_fault_for_a_stream_no_request_can_name_is_refused_when_scheduled(
    fake: FirehoseFake, service: str, stream: str, refusal: str
) -> None:
    # Requests name streams by their names: the fault never fired (with optional=True,
    # without a word), as a request that gives an ARN is matched by the name in it.
    with pytest.raises(UsageError, match=re.escape(refusal)):
        getattr(fake, service).fail(throttle=True, stream=stream, optional=True)
    assert getattr(fake, service).faults == []
    getattr(fake, service).fail(throttle=True, stream="e" * 64, optional=True)


@pytest.mark.parametrize("hosts", [[["127.0.0.1"]], [None], ["localhost", 5]])
def test_allow_hosts_that_are_no_names_are_refused_naming_the_list(hosts: Any) -> None:
    # TypeError: unhashable type: 'list', from inside the fake; None was taken as a host.
    with pytest.raises(UsageError, match=r"allow_hosts is a list of loopback host names"):
        FirehoseFake(allow_hosts=hosts)


def test_allow_hosts_may_be_any_iterable_of_names_read_once() -> None:
    fake = FirehoseFake(allow_hosts=iter(["localhost", "127.0.0.1"]))
    assert fake.allow_hosts == frozenset({"localhost", "127.0.0.1"})


def test_frozen_time_of_none_is_refused_not_read_as_on() -> None:
    # freeze_time=None turned frozen-time mode on, frozen at the time it started.
    with pytest.raises(UsageError, match=r"pass False to leave time running"):
        FirehoseFake(freeze_time=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("endpoint", [5, None, b"http://127.0.0.1:4573"])
def test_send_over_network_refuses_an_endpoint_that_is_no_url(
    fake: FirehoseFake, endpoint: Any
) -> None:
    # TypeError from a regular expression inside the fake.
    with pytest.raises(UsageError, match=r"is not a loopback URL with a port"):
        fake.send_over_network(endpoint)


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("firehose", "ListDeliveryStreams"),
        ("kinesis", "ListStreams"),
        ("kinesis", "DescribeLimits"),
    ],
)
def test_a_fault_for_a_stream_on_an_operation_that_names_none_is_refused(
    fake: FirehoseFake, service: str, operation: str
) -> None:
    # No request of the operation names a stream: the fault never fired (with
    # optional=True, without a word).
    handle = getattr(fake, service)
    with pytest.raises(
        UsageError,
        match=re.escape(f"{operation} requests name no ")
        + r".*stream='orders' would never fire: leave stream= out",
    ):
        handle.fail(throttle=True, operation=operation, stream="orders", optional=True)
    assert handle.faults == []
    handle.fail(throttle=True, operation=operation, optional=True)
    handle.fail(throttle=True, operation=BATCH_PUT[service], stream="orders", optional=True)
    assert len(handle.faults) == 2


def test_the_operations_that_name_no_stream() -> None:
    # The operations a stream= fault is refused for: every other operation's input carries
    # a member its service's stream_name reads (a botocore adding one asks for a look here).
    unnamed = {
        service: sorted(op for op in operation_names(service) if names_no_stream(service, op))
        for service in ("firehose", "kinesis")
    }
    assert unnamed["firehose"] == ["ListDeliveryStreams"]
    newer = {"DescribeAccountSettings", "ListChannels", "ListQueues", "UpdateAccountSettings"}
    expected = {"DescribeLimits", "ListStreams"} | (newer & operation_names("kinesis"))
    assert unnamed["kinesis"] == sorted(expected)


# ------------------------------------------------------------------ found by test_api_fuzz.py


@pytest.mark.parametrize(
    "options",
    [
        {"ExtendedS3DestinationConfiguration": None},
        {"Tags": None},
        {"DeliveryStreamEncryptionConfigurationInput": None, "Tags": None},
    ],
)
def test_a_delivery_stream_option_given_as_none_is_left_out(
    fake: FirehoseFake, options: dict[str, Any]
) -> None:
    # It was AttributeError ('NoneType' object has no attribute 'items') or TypeError
    # ('NoneType' object is not iterable) from botocore's writer.
    stream = fake.firehose.create_delivery_stream("s", **options)
    assert stream.describe() == fake.firehose.create_delivery_stream("plain").describe() | {
        "DeliveryStreamName": "s",
        "DeliveryStreamARN": stream.arn,
    }


def test_a_kinesis_stream_option_given_as_none_is_left_out(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("k", 2, StreamModeDetails=None)
    assert len(stream.open_shards) == 2
    client = boto3.client("kinesis", region_name=REGION)
    summary = client.describe_stream_summary(StreamName="k")["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}


class _NoTruthValue:
    """An answer that cannot say true or false, as a numpy array of several items."""

    def __bool__(self) -> bool:
        raise ValueError("the truth value of this answer is ambiguous")


def test_a_records_predicate_whose_answer_is_neither_true_nor_false_is_a_usage_error(
    fake: FirehoseFake,
) -> None:
    # The answer's ValueError came out of the client's put_record_batch from deep inside
    # the fake.
    fault = fake.firehose.fail(records=lambda data: _NoTruthValue())
    fake.firehose.create_delivery_stream("s")
    client = boto3.client("firehose", region_name=REGION)
    with pytest.raises(
        UsageError,
        match=r"its predicate's answer, asked true or false, raised ValueError\('the truth "
        r"value of this answer is ambiguous'\) on record 0 of a PutRecordBatch \(b'a'\)",
    ):
        client.put_record_batch(DeliveryStreamName="s", Records=[{"Data": b"a"}])
    assert "asked true or false" in fault.why_not_fired()


@pytest.mark.parametrize("timeout", [1e300, 10**400, 2.0**63], ids=["1e300", "10**400", "2**63"])
def test_a_server_refuses_an_idle_timeout_no_socket_can_wait(timeout: float) -> None:
    # It was taken, and every connection's thread failed with OverflowError.
    with pytest.raises(UsageError, match=r"idle_timeout=\.\.\.\) is how many seconds .* at most"):
        FirehoseServer(idle_timeout=timeout)


@pytest.mark.parametrize("log", [5, "server.log", b"", [], object()])
def test_a_server_refuses_a_log_it_cannot_write_to(log: Any) -> None:
    # It was taken, and every request printed an AttributeError traceback from its thread.
    with pytest.raises(UsageError, match=r"FirehoseServer\(log=\.\.\.\) is a text stream"):
        FirehoseServer(log=log)


@pytest.mark.parametrize("service", ["firehose", "kinesis"])
def test_put_log_events_names_a_message_of_none_as_none(fake: FirehoseFake, service: str) -> None:
    handle = getattr(fake, service)
    stream = (
        handle.create_delivery_stream("s") if service == "firehose" else handle.create_stream("s")
    )
    # It said "not NoneType".
    with pytest.raises(UsageError, match=r"a log message must be a str, not None$"):
        stream.put_log_events(["a", None])


@pytest.mark.parametrize(
    ("misuse", "said"),
    [
        (lambda fake: fake.firehose.lambda_function("f", None), "context), not None"),
        (
            lambda fake: fake.firehose.create_delivery_stream("s").put_from_logs(None),
            "bytes, not None: put_log_events",
        ),
        (
            lambda fake: fake.firehose.create_delivery_stream("s").destination_refuses(None),
            "bytes, not None: destination_refuses",
        ),
    ],
    ids=["lambda_function", "put_from_logs", "destination_refuses"],
)
def test_a_none_where_bytes_or_a_function_goes_is_named_none(
    fake: FirehoseFake, misuse: Any, said: str
) -> None:
    # Each said "not NoneType".
    with pytest.raises(UsageError) as refused:
        misuse(fake)
    assert said in str(refused.value)
    assert "NoneType" not in str(refused.value)


def test_put_from_msk_names_a_value_of_none_as_none(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream("m", **_msk_options())
    with pytest.raises(UsageError, match=r"takes each record value as bytes, not None$"):
        stream.put_from_msk(None)  # type: ignore[arg-type]


def _msk_options() -> dict[str, Any]:
    from test_control_input import MSK_STREAM

    return {k: v for k, v in MSK_STREAM.items() if k not in ("service", "name")}


def test_a_move_of_units_too_far_for_the_clock_is_named_as_it_was_asked(
    fake: FirehoseFake,
) -> None:
    # It said advance({'days': 1e+300}).
    with pytest.raises(
        ClockRangeError, match=r"^advance\(days=1e\+300\) is too far for the fake clock$"
    ):
        fake.firehose.clock.advance(days=1e300)


def test_a_unit_too_large_for_a_float_is_too_far_not_infinite(fake: FirehoseFake) -> None:
    # An int past any double is a finite number: the move is refused as too far.
    clock = fake.firehose.clock
    before = clock.now()
    with pytest.raises(ClockRangeError, match=r"^advance\(days=1000\d+\) is too far for the fake"):
        clock.advance(days=10**400)
    assert clock.now() == before


def test_a_stopped_server_refuses_to_serve_again(capfd: pytest.CaptureFixture[str]) -> None:
    # start() returned as if serving, and its thread failed at once: Invalid file descriptor.
    server = FirehoseServer()
    server.start()
    server.stop()
    for serve in (server.start, server.serve_forever):
        with pytest.raises(UsageError, match=r"has stopped and closed its socket; make a new"):
            serve()
    assert "Traceback" not in capfd.readouterr().err


def test_a_serving_server_refuses_a_second_loop() -> None:
    # A second thread served the same socket.
    with FirehoseServer() as server:
        for serve in (server.start, server.serve_forever):
            with pytest.raises(UsageError, match=r"is serving already"):
                serve()
        assert ask_control(server, "GET", "/_fake/health")[0] == 200


def test_a_server_serving_in_the_foreground_stops_when_told() -> None:
    # stop() closed the socket under the loop, which went on: serve_forever never returned.
    server = FirehoseServer()
    loop = threading.Thread(target=server.serve_forever, daemon=True)
    loop.start()
    assert ask_control(server, "GET", "/_fake/health")[0] == 200
    server.stop()
    loop.join(timeout=10)
    assert not loop.is_alive()


def test_assert_delivered_refuses_text_no_utf_8_holds_as_it_refuses_text(
    fake: FirehoseFake,
) -> None:
    stream = fake.firehose.create_delivery_stream("s")
    # It was UnicodeEncodeError from the hint's payload.encode().
    with pytest.raises(UsageError, match=r"payloads are bytes; the one at position 0 is '\\ud800'"):
        stream.assert_delivered(["\ud800"])


def test_a_secret_whose_number_has_no_json_is_refused_in_json_words_over_http() -> None:
    with FirehoseServer() as server:
        status, answer = ask_control(
            server, "POST", "/_fake/secret", b'{"secret": "s", "value": {"k": Infinity}}'
        )
    # It named Python's types (str, int, float, bool, None, lists, dicts).
    assert status == 400
    assert answer["error"] == (
        "POST /_fake/secret: the secret's value is written as JSON, and this mapping cannot be "
        "(a number that is not finite has no JSON); give values JSON holds (strings, finite "
        "numbers, true, false, null, arrays, objects)"
    )
