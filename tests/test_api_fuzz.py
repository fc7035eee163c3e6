"""The plugin's own API called wrongly, as hypothesis calls it: every public method and
function of the handles, the fake, the clock and the server, given arguments of the wrong
type and shape (None, numbers for names, text for numbers, NaN, infinities, numbers past
any limit, empty and nested containers, bytes for text, callables that raise, predicates
whose answer is neither true nor false), and every route of the local server's control
API, given such bodies and queries.

Whatever comes in, what comes out is what the docs name: a ``UsageError``; from the clock,
a ``ClockRangeError``; from ``FakeClock(start=...)``, a ``ValueError``; from a look-up of
a Glue table or OpenSearch index that is not there, a ``KeyError``; from an assertion
helper given a well-formed expectation the stream does not meet, an ``AssertionError``.
Each message says what was wrong in the plugin's words, never Python's, and a refused call
leaves the world as it was. Over HTTP, each answer is JSON below 500, its ``error`` in the
plugin's words too. The fake keeps answering afterwards.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import boto3
import pytest
from conftest import REGION, botocore_lacks, examples
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_control_input import MSK_STREAM
from test_database_source import ICEBERG, SOURCE
from test_other_destinations import DOMAIN, SEARCH

from pytest_firehose import (
    ClockRangeError,
    DeliveryStreamHandle,
    FakeClock,
    FirehoseFake,
    FirehoseServer,
    KinesisStreamHandle,
    KinesisTrigger,
    UsageError,
)

#: Python's own words for its failures, which no message of the plugin carries (as
#: ``test_fuzz_bodies`` checks AWS-shaped answers for them).
PYTHON_TEXT = re.compile(
    r"Traceback|NoneType|KeyError|TypeError|AttributeError|IndexError|"
    r"object has no attribute|unhashable|not subscriptable|not iterable|<class |"
    r"unsupported operand|takes \d+ positional|got an unexpected keyword"
)
#: Over HTTP, Python's spelling of a value too (a dict's repr): the control API speaks JSON.
PYTHON_OVER_HTTP = re.compile(rf"{PYTHON_TEXT.pattern}|\{{'[^']*': |\bNone\b|\bTrue\b")
#: What botocore's own validator says of a parameter it refuses to send, which the plugin
#: relays verbatim (boto3 says the same): its words, not the plugin's.
BOTOCORE_LINE = re.compile(r"^(Invalid type for parameter|Unknown parameter in) .*$", re.M)
ROLE = "arn:aws:iam::123456789012:role/fuzz"
#: FUZZ_EXAMPLES=500 searches further (and at random) than the suite's few fixed examples.
DEEPER = int(os.environ.get("FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=DEEPER or examples(6),
    deadline=None,
    derandomize=not DEEPER,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Boom(Exception):
    """What a test's own callable raises."""


def _raises(*args: Any, **kwargs: Any) -> Any:
    raise Boom("a test's own mistake")


class NoTruthValue:
    """An answer that is neither true nor false (as a numpy array of several items)."""

    def __bool__(self) -> bool:
        raise Boom("no truth value")

    def __repr__(self) -> str:
        return "NoTruthValue()"


#: Values no argument of the API takes, or takes only in some places.
ODD = st.sampled_from(
    [
        10**400,
        -(10**400),
        2**63,
        1e300,
        _raises,
        lambda *args: NoTruthValue(),
        lambda *args: "yes",
        lambda *args: None,
        lambda: True,
        NoTruthValue(),
        object(),
        datetime(2020, 1, 1),  # naive
        date(2020, 1, 1),
        timedelta(seconds=-1),
        timedelta(days=10**8),
        Decimal("sNaN"),  # no number to numbers.Real, and raises when compared
        Fraction(1, 3),
        bytearray(b"x"),
        "\ud800",  # no UTF-8 for it
        "a" * 300,
        "*",
        "us-east-1",
        "arn:aws:iam::123456789012:role/r",
    ]
)
ATOMS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=10)
    | st.binary(max_size=6)
    | ODD
)
VALUES = st.recursive(
    ATOMS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner)
        | st.dictionaries(st.text(max_size=4) | st.integers(0, 3), inner, max_size=3)
        | st.frozensets(st.integers(0, 3) | st.text(max_size=3), max_size=2)
    ),
    max_leaves=6,
)


def parts(value: object) -> Iterator[object]:
    """``value`` and every value inside it, as a message may quote any of them."""
    yield value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from parts(key)
            yield from parts(item)
    elif isinstance(value, (list, tuple, frozenset)):
        for item in value:
            yield from parts(item)


def own_words(message: str, value: object, *, as_json: bool = False) -> str:
    """``message`` without what it quotes of the value given (a message may echo it, as the
    caller wrote it) and without the lines botocore's validator wrote."""
    message = BOTOCORE_LINE.sub("", message)
    quoted: set[str] = set()
    for part in parts(value):
        quoted |= {repr(part), str(part)}
        if as_json:
            quoted.add(json.dumps(part))
    for text in sorted(quoted, key=len, reverse=True):
        if len(text) > 2:  # "1" or "[]" may stand in words of the plugin's own
            # As a whole: None is quoted in "not None", not in "NoneType".
            message = re.sub(rf"(?<!\w){re.escape(text)}(?!\w)", "", message)
    return re.sub(r"<[^<>]* at 0x[0-9a-f]+>", "", message)  # an echoed callable or object


# ------------------------------------------------------------------ the world fuzzed


@dataclass
class Streams:
    """The streams of each kind a call reaches: made for each test, and again after a call
    the API took (what it did is its to do)."""

    fake: FirehoseFake
    s3: DeliveryStreamHandle
    search: DeliveryStreamHandle
    msk: DeliveryStreamHandle
    database: DeliveryStreamHandle | None
    kinesis: KinesisStreamHandle

    def trigger(self) -> KinesisTrigger:
        return self.kinesis.lambda_trigger(lambda event, context: None)


#: A database source needs a botocore that models it (tox's oldest env has none).
HAS_DATABASE = not botocore_lacks("firehose CreateDeliveryStream.DatabaseSourceConfiguration")


def made(fake: FirehoseFake) -> Streams:
    """A delivery stream of each source and destination kind the calls need, and a Kinesis
    stream, in ``fake``'s reset world."""
    firehose = fake.firehose
    msk_config = {k: v for k, v in MSK_STREAM.items() if k not in ("service", "name")}
    return Streams(
        fake=fake,
        s3=firehose.create_delivery_stream(
            "s3",
            ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b"},
        ),
        search=firehose.create_delivery_stream(
            "search",
            AmazonopensearchserviceDestinationConfiguration={**SEARCH, "DomainARN": DOMAIN},
        ),
        msk=firehose.create_delivery_stream("msk", **msk_config),
        database=(
            firehose.create_delivery_stream(
                "db",
                DeliveryStreamType="DatabaseAsSource",
                DatabaseSourceConfiguration=SOURCE,
                IcebergDestinationConfiguration=ICEBERG,
            )
            if HAS_DATABASE
            else None
        ),
        kinesis=fake.kinesis.create_stream("k", 2),
    )


@pytest.fixture(scope="module")
def world() -> Iterator[FirehoseFake]:
    with FirehoseFake(region=REGION, seed=11) as fake:
        yield fake


@pytest.fixture(scope="module")
def clients(world: FirehoseFake) -> tuple[Any, Any]:
    return boto3.client("firehose", region_name=REGION), boto3.client("kinesis", region_name=REGION)


@pytest.fixture
def streams(world: FirehoseFake) -> Streams:
    world.world.reset()
    return made(world)


def nothing_half_done(streams: Streams) -> None:
    """A refused call left the world as it was: no stream made, no fault scheduled, and
    the world's lock free for the next caller."""
    fake = streams.fake
    assert fake.firehose.stream_names() == sorted(
        name for name in ("s3", "search", "msk", "db") if HAS_DATABASE or name != "db"
    )
    assert fake.kinesis.stream_names() == ["k"]
    assert fake.firehose.faults == fake.kinesis.faults == []
    assert fake.world.lock.acquire(blocking=False)
    fake.world.lock.release()


def still_answers(streams: Streams, clients: tuple[Any, Any]) -> None:
    """The streams take records from boto3 clients, as before any call."""
    firehose, kinesis = clients
    firehose.put_record(DeliveryStreamName="s3", Record={"Data": b"after"})
    kinesis.put_record(StreamName="k", Data=b"after", PartitionKey="p")
    assert streams.s3.records[-1] == b"after"
    assert streams.kinesis.records[-1].data == b"after"


def served_once(**given: Any) -> None:
    """A server made with ``given``, asked once: what it was given either works or is
    refused when it is made, not in its threads."""
    with FirehoseServer(**given) as server:
        assert ask(server, "GET", "/_fake/health", b"")[0] == 200


Call = Callable[[Streams, Any], object]
#: The keywords of ``.fail()`` that are its effect; the others narrow a throttle.
EFFECTS = ("records", "throttle", "error", "timeout", "latency", "chaos")
#: label -> the call, given the streams and the fuzzed value; each label names the
#: argument the value goes to.
CALLS: dict[str, Call] = {
    # the firehose handle
    "firehose.create_delivery_stream(name)": lambda w, v: w.fake.firehose.create_delivery_stream(v),
    "firehose.create_delivery_stream(region)": lambda w, v: w.fake.firehose.create_delivery_stream(
        "n", region=v
    ),
    "firehose.create_delivery_stream(options)": lambda w, v: w.fake.firehose.create_delivery_stream(
        "n", ExtendedS3DestinationConfiguration=v
    ),
    "firehose.create_delivery_stream(Tags)": lambda w, v: w.fake.firehose.create_delivery_stream(
        "n", Tags=v
    ),
    "firehose[name]": lambda w, v: w.fake.firehose[v],
    "firehose.stream(region)": lambda w, v: w.fake.firehose.stream("s3", region=v),
    "firehose.stream_names(region)": lambda w, v: w.fake.firehose.stream_names(v),
    "firehose.enforce_quotas(enabled)": lambda w, v: w.fake.firehose.enforce_quotas(v),
    "firehose.glue_table(database)": lambda w, v: w.fake.firehose.glue_table(v, "t", {"a": "int"}),
    "firehose.glue_table(columns)": lambda w, v: w.fake.firehose.glue_table("d", "t", v),
    "firehose.glue_table(catalog_id)": lambda w, v: w.fake.firehose.glue_table(
        "d", "t", {"a": "int"}, catalog_id=v
    ),
    "firehose.glue_columns(table)": lambda w, v: w.fake.firehose.glue_columns("d", v),
    "firehose.lambda_function(name_or_arn)": lambda w, v: w.fake.firehose.lambda_function(
        v, lambda event, context: event
    ),
    "firehose.lambda_function(handler)": lambda w, v: w.fake.firehose.lambda_function("f", v),
    "firehose.lambda_function(timeout)": lambda w, v: w.fake.firehose.lambda_function(
        "f", lambda event, context: event, timeout=v
    ),
    "firehose.lambda_function(memory_mb)": lambda w, v: w.fake.firehose.lambda_function(
        "f", lambda event, context: event, memory_mb=v
    ),
    "firehose.lambda_function(environment)": lambda w, v: w.fake.firehose.lambda_function(
        "f", lambda event, context: event, environment=v
    ),
    "firehose.opensearch_index(index)": lambda w, v: w.fake.firehose.opensearch_index(DOMAIN, v),
    "firehose.opensearch_index(mappings)": lambda w, v: w.fake.firehose.opensearch_index(
        DOMAIN, "logs", v
    ),
    "firehose.opensearch_index(properties)": lambda w, v: w.fake.firehose.opensearch_index(
        DOMAIN, "logs", {"properties": {"a": v}}
    ),
    "firehose.opensearch_index(settings)": lambda w, v: w.fake.firehose.opensearch_index(
        DOMAIN, "logs", settings=v
    ),
    "firehose.opensearch_index(priority)": lambda w, v: w.fake.firehose.opensearch_index(
        DOMAIN, "logs-*", priority=v
    ),
    "firehose.opensearch_mapping(domain)": lambda w, v: w.fake.firehose.opensearch_mapping(
        v, "logs"
    ),
    "firehose.secret(name_or_arn)": lambda w, v: w.fake.firehose.secret(v, "value"),
    "firehose.secret(value)": lambda w, v: w.fake.firehose.secret("s", v),
    "firehose.secret(region)": lambda w, v: w.fake.firehose.secret("s", "value", region=v),
    "firehose.glue_table(table)": lambda w, v: w.fake.firehose.glue_table("d", v, {"a": "int"}),
    "firehose.glue_table(region)": lambda w, v: w.fake.firehose.glue_table(
        "d", "t", {"a": "int"}, region=v
    ),
    "firehose.glue_columns(catalog_id)": lambda w, v: w.fake.firehose.glue_columns(
        "d", "t", catalog_id=v
    ),
    "firehose.lambda_function(region)": lambda w, v: w.fake.firehose.lambda_function(
        "f", lambda event, context: event, region=v
    ),
    "firehose.opensearch_index(domain)": lambda w, v: w.fake.firehose.opensearch_index(v, "logs"),
    "firehose.opensearch_mapping(index)": lambda w, v: w.fake.firehose.opensearch_mapping(
        DOMAIN, v
    ),
    "firehose.snowflake_table(table)": lambda w, v: w.fake.firehose.snowflake_table(
        v, {"ID": "NUMBER"}
    ),
    "firehose.snowflake_table(columns)": lambda w, v: w.fake.firehose.snowflake_table(
        "RAW.EVENTS.CLICKS", v
    ),
    "firehose.snowflake_table(account_url)": lambda w, v: w.fake.firehose.snowflake_table(
        "RAW.EVENTS.CLICKS", {"ID": "NUMBER"}, account_url=v
    ),
    # faults, as .fail() and the fail markers take them
    **{
        f"{service}.fail({keyword})": (
            lambda w, v, service=service, keyword=keyword: getattr(w.fake, service).fail(
                **({keyword: v} if keyword in EFFECTS else {"throttle": True, keyword: v})
            )
        )
        for service in ("firehose", "kinesis")
        for keyword in (
            *EFFECTS,
            "seed",
            "operation",
            "stream",
            "call",
            "times",
            "events",
            "optional",
        )
    },
    # a delivery stream
    "stream.assert_delivered(expected)": lambda w, v: w.s3.assert_delivered(v),
    "stream.assert_delivered(ordered)": lambda w, v: w.s3.assert_delivered([], ordered=v),
    "stream.destination_down(error)": lambda w, v: w.search.destination_down(error=v),
    "stream.destination_refuses(refuses)": lambda w, v: w.search.destination_refuses(v),
    "stream.destination_refuses(error)": lambda w, v: w.search.destination_refuses(
        lambda record: True, error=v
    ),
    "stream.put_from_logs(records)": lambda w, v: w.s3.put_from_logs(v),
    "stream.put_from_msk(values)": lambda w, v: w.msk.put_from_msk(v),
    "stream.put_from_msk(partition)": lambda w, v: w.msk.put_from_msk(b"x", partition=v),
    "stream.put_from_msk(offset)": lambda w, v: w.msk.put_from_msk(b"x", offset=v),
    "stream.put_from_msk(timestamp)": lambda w, v: w.msk.put_from_msk(b"x", timestamp=v),
    "stream.put_log_events(messages)": lambda w, v: w.s3.put_log_events(v),
    "stream.put_log_events(log_group)": lambda w, v: w.s3.put_log_events(["m"], log_group=v),
    "stream.put_log_events(log_stream)": lambda w, v: w.s3.put_log_events(["m"], log_stream=v),
    "stream.put_log_events(subscription_filter)": lambda w, v: w.s3.put_log_events(
        ["m"], subscription_filter=v
    ),
    "kinesis.create_stream(name)": lambda w, v: w.fake.kinesis.create_stream(v),
    "kinesis.create_stream(shard_count)": lambda w, v: w.fake.kinesis.create_stream("n", v),
    "kinesis.create_stream(options)": lambda w, v: w.fake.kinesis.create_stream(
        "n", StreamModeDetails=v
    ),
    "kinesis.create_stream(region)": lambda w, v: w.fake.kinesis.create_stream("n", region=v),
    "kinesis.stream(region)": lambda w, v: w.fake.kinesis.stream("k", region=v),
    "kinesis.stream_names(region)": lambda w, v: w.fake.kinesis.stream_names(v),
    "kinesis.enforce_quotas(enabled)": lambda w, v: w.fake.kinesis.enforce_quotas(v),
    "kinesis_stream.put_log_events(messages)": lambda w, v: w.kinesis.put_log_events(v),
    "kinesis[name]": lambda w, v: w.fake.kinesis[v],
    "kinesis.enforce_read_quotas(enabled)": lambda w, v: w.fake.kinesis.enforce_read_quotas(v),
    "kinesis_stream.assert_records(expected)": lambda w, v: w.kinesis.assert_records(v),
    "kinesis_stream.lambda_event(records)": lambda w, v: w.kinesis.lambda_event(v),
    "kinesis_stream.lambda_event(role)": lambda w, v: w.kinesis.lambda_event(role=v),
    "kinesis_stream.lambda_trigger(handler)": lambda w, v: w.kinesis.lambda_trigger(v),
    "kinesis_stream.lambda_trigger(timeout)": lambda w, v: w.kinesis.lambda_trigger(
        lambda event, context: None, timeout=v
    ),
    "kinesis_stream.lambda_trigger(BatchSize)": lambda w, v: w.kinesis.lambda_trigger(
        lambda event, context: None, BatchSize=v
    ),
    "kinesis_stream.lambda_trigger(FilterCriteria)": lambda w, v: w.kinesis.lambda_trigger(
        lambda event, context: None, FilterCriteria=v
    ),
    "trigger.update(BatchSize)": lambda w, v: w.trigger().update(BatchSize=v),
    "trigger.update(FilterCriteria)": lambda w, v: w.trigger().update(FilterCriteria=v),
    "trigger.update(Enabled)": lambda w, v: w.trigger().update(Enabled=v),
    "kinesis_stream.lambda_trigger(memory_mb)": lambda w, v: w.kinesis.lambda_trigger(
        lambda event, context: None, memory_mb=v
    ),
    "kinesis_stream.lambda_trigger(role)": lambda w, v: w.kinesis.lambda_trigger(
        lambda event, context: None, role=v
    ),
    "kinesis_stream.lambda_trigger(environment)": lambda w, v: w.kinesis.lambda_trigger(
        lambda event, context: None, environment=v
    ),
    "kinesis_stream.lambda_trigger(StartingPosition)": lambda w, v: w.kinesis.lambda_trigger(
        lambda event, context: None, StartingPosition=v
    ),
    "kinesis_stream.lambda_trigger(StartingPositionTimestamp)": lambda w, v: (
        w.kinesis.lambda_trigger(
            lambda event, context: None,
            StartingPosition="AT_TIMESTAMP",
            StartingPositionTimestamp=v,
        )
    ),
    "kinesis_stream.lambda_trigger(DestinationConfig)": lambda w, v: w.kinesis.lambda_trigger(
        lambda event, context: None, DestinationConfig=v
    ),
    "kinesis_stream.split_shard(shard_id)": lambda w, v: w.kinesis.split_shard(v, "1"),
    "kinesis_stream.split_shard(new_starting_hash_key)": lambda w, v: w.kinesis.split_shard(
        "shardId-000000000000", v
    ),
    "kinesis_stream.merge_shards(adjacent_shard_id)": lambda w, v: w.kinesis.merge_shards(
        "shardId-000000000000", v
    ),
    "kinesis_stream.update_shard_count(target)": lambda w, v: w.kinesis.update_shard_count(v),
    # the clock
    "clock.advance(delta)": lambda w, v: w.fake.firehose.clock.advance(v),
    "clock.advance(units)": lambda w, v: w.fake.firehose.clock.advance(minutes=v),
    "clock.sleep(seconds)": lambda w, v: w.fake.firehose.clock.sleep(v),
    "FakeClock(start)": lambda w, v: FakeClock(v),
    # the fake and the server
    **{
        f"FirehoseFake({keyword})": lambda w, v, keyword=keyword: FirehoseFake(**{keyword: v})
        for keyword in (
            "region",
            "account_id",
            "seed",
            "allow_hosts",
            "creation_delay",
            "encryption_delay",
            "unmodelled",
            "update_delay",
            "freeze_time",
        )
    },
    "fake.send_over_network(endpoint)": lambda w, v: w.fake.send_over_network(v),
    "fake.stop_sending_over_network(endpoint)": lambda w, v: w.fake.stop_sending_over_network(v),
    # Not port=: a port another program holds is the machine's OSError, not a misuse.
    **{
        f"FirehoseServer({keyword})": lambda w, v, keyword=keyword: served_once(**{keyword: v})
        for keyword in ("world", "idle_timeout", "max_connections", "firehose", "log")
    },
}
if HAS_DATABASE:
    CALLS.update(
        {
            "stream.put_from_database(table)": lambda w, v: w.database.put_from_database(
                v, inserted=[{"id": 1}]
            ),  # type: ignore[union-attr]
            "stream.put_from_database(inserted)": lambda w, v: w.database.put_from_database(
                "shop.orders", inserted=v
            ),  # type: ignore[union-attr]
            "stream.put_from_database(primary_key)": lambda w, v: w.database.put_from_database(  # type: ignore[union-attr]
                "shop.orders", inserted=[{"id": 1}], primary_key=v
            ),
        }
    )
#: What each call may raise besides a UsageError, as its docs say.
ALSO_RAISED: dict[str, tuple[type[BaseException], ...]] = {
    "clock.advance(delta)": (ClockRangeError,),
    "clock.advance(units)": (ClockRangeError,),
    "clock.sleep(seconds)": (ClockRangeError,),
    "FakeClock(start)": (ValueError,),
    # A table the catalog does not hold, an index the domain does not (the docs name the
    # KeyError).
    "firehose.glue_columns(table)": (KeyError,),
    "firehose.glue_columns(catalog_id)": (KeyError,),
    "firehose.opensearch_mapping(index)": (KeyError,),
    # A well-formed expectation the stream does not meet.
    "stream.assert_delivered(expected)": (AssertionError,),
    "stream.assert_delivered(ordered)": (AssertionError,),
    "kinesis_stream.assert_records(expected)": (AssertionError,),
}


#: The values every call is given besides those hypothesis draws: the likeliest mistakes.
LIKELY = [
    None,
    True,
    0,
    -1,
    1.5,
    math.nan,
    math.inf,
    10**400,
    "",
    "x",
    b"x",
    [],
    {},
    [None],
    {"a": {"b": []}},
    _raises,
    NoTruthValue(),
]


@pytest.mark.parametrize("label", sorted(CALLS))
def test_every_misuse_of_the_api_is_a_usage_error_in_the_plugins_words(
    label: str, streams: Streams, clients: tuple[Any, Any], capfd: pytest.CaptureFixture[str]
) -> None:
    call = CALLS[label]
    allowed = (UsageError, *ALSO_RAISED.get(label, ()))
    world = streams.fake.world
    current = [streams]

    @FUZZ
    @given(value=VALUES)
    def check(value: Any) -> None:
        refused: BaseException | None = None
        try:
            call(current[0], value)
        except allowed as error:
            refused = error
        if refused is not None:
            message = own_words(str(refused), value)
            assert message.strip(), label
            assert not PYTHON_TEXT.search(message), (label, value, str(refused))
            nothing_half_done(current[0])
        else:
            # What the call did (a fault scripted, a destination taken down, the clock
            # moved) is its to do: the world starts again for the next value.
            world.reset()
            current[0] = made(streams.fake)
        assert "Traceback" not in capfd.readouterr().err, (label, value)  # from a thread

    for value in LIKELY:
        check = example(value=value)(check)
    check()
    still_answers(current[0], clients)


def test_every_public_method_takes_no_keyword_it_does_not_have(streams: Streams) -> None:
    """A misspelt keyword is Python's own ``TypeError`` (or a ``UsageError`` that names the
    keywords), never taken as an option or lost."""
    fake = streams.fake
    for owner in (
        fake,
        fake.firehose,
        fake.kinesis,
        streams.s3,
        streams.kinesis,
        fake.firehose.clock,
        streams.trigger(),
    ):
        for name in dir(type(owner)):
            member = getattr(type(owner), name)
            if name.startswith("_") or not callable(member) or isinstance(member, type):
                continue
            if name in ("update", "create_delivery_stream", "create_stream", "lambda_trigger"):
                continue  # they take the API's members as keywords: botocore names a stray
            if name in ("advance",):
                continue  # its keywords are timedelta's units, checked by name
            if name in ("carry_on", "move", "pace", "on_advance", "reset", "chance"):
                continue  # the clock's and a fault's plumbing, about to become private
            with pytest.raises((TypeError, UsageError), match="nonsense"):
                getattr(owner, name)(nonsense=1)


# ------------------------------------------------------------------ the control API


#: Each POST route with a body it takes, whose fields the fuzzer replaces one at a time.
BODIES: dict[str, dict[str, Any]] = {
    "/_fake/streams": {"service": "firehose", "name": "new"},
    "/_fake/faults": {"service": "firehose", "throttle": 1, "optional": True},
    "/_fake/clock": {"advance": 1},
    "/_fake/flush": {"stream": "s3"},
    "/_fake/logs": {"stream": "s3", "messages": ["a"]},
    "/_fake/msk": {"stream": "msk", "records": ["eA=="]},
    "/_fake/destination": {"stream": "search", "up": False},
    "/_fake/glue": {"database": "shop", "table": "orders", "columns": {"id": "int"}},
    "/_fake/secret": {"secret": "s", "value": "v"},
    "/_fake/snowflake": {"table": "RAW.EVENTS.CLICKS", "columns": {"ID": "NUMBER"}},
    "/_fake/opensearch": {"domain": DOMAIN, "index": "logs"},
    **(
        {"/_fake/database": {"stream": "db", "table": "shop.orders", "inserted": [{"id": 1}]}}
        if HAS_DATABASE
        else {}
    ),
}
#: Fields some routes read besides those of their example body.
MORE_FIELDS = {
    "/_fake/streams": ["region", "shard_count", "Tags", "DeliveryStreamType"],
    "/_fake/faults": ["records", "error", "timeout", "latency", "chaos", "seed", "operation",
                      "stream", "call", "times", "events"],
    "/_fake/logs": ["records", "logGroup", "logStream", "subscriptionFilter", "region"],
    "/_fake/msk": ["partition", "offset", "timestamp"],
    "/_fake/database": ["updated", "deleted", "primaryKey"],
    "/_fake/destination": ["error", "refuse", "region"],
    "/_fake/glue": ["region", "catalog_id"],
    "/_fake/opensearch": ["mappings", "settings", "priority"],
    "/_fake/snowflake": ["account_url"],
    "/_fake/secret": ["region"],
}  # fmt: skip
GETS = [
    "/_fake/streams",
    "/_fake/streams/s3",
    "/_fake/glue/shop/orders",
    "/_fake/opensearch/logs",
    "/_fake/calls",
    "/_fake/faults",
    "/_fake/clock",
]
#: JSON values, with the floats JSON has no text for but Python's json module writes.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["s3", "k", "msk", "kinesis", "firehose", "eA==", "*", "a" * 300]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def served(world: FirehoseFake) -> Iterator[FirehoseServer]:
    with FirehoseServer(world.world, firehose=world.firehose, kinesis=world.kinesis) as server:
        yield server


def ask(server: FirehoseServer, method: str, path: str, body: bytes) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request(method, path, body=body)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


#: The values every field of every route is given besides those hypothesis draws.
JSON_LIKELY = [None, True, -1, "", [], {}]


def check_answer(
    server: FirehoseServer, streams: Streams, method: str, path: str, body: bytes, value: Any
) -> Streams:
    """Ask ``server``; check the answer is JSON below 500, an error in the plugin's words
    that left the world as it was, and return the streams to go on with."""
    status, answer = ask(server, method, path, body)
    assert status < 500, (path, body, answer)
    if status < 400:
        streams.fake.world.reset()  # what the request did was its to do
        return made(streams.fake)
    message = own_words(answer["error"], value, as_json=True)
    assert message.strip()
    assert not PYTHON_OVER_HTTP.search(message), (path, body, answer)
    nothing_half_done(streams)
    return streams


@pytest.mark.parametrize("path", sorted(BODIES))
def test_every_misuse_of_the_control_api_is_a_400_in_the_plugins_words(
    path: str,
    served: FirehoseServer,
    streams: Streams,
    clients: tuple[Any, Any],
    capfd: pytest.CaptureFixture[str],
) -> None:
    fields = [*BODIES[path], *MORE_FIELDS.get(path, []), "unknown"]
    current = [streams]

    @settings(FUZZ, max_examples=DEEPER or examples(15))
    @given(field=st.sampled_from(fields), value=JSON_VALUES)
    def check(field: str, value: Any) -> None:
        body = json.dumps({**BODIES[path], field: value}).encode()
        current[0] = check_answer(served, current[0], "POST", path, body, value)
        assert "Traceback" not in capfd.readouterr().err, (path, body)

    for field in fields:
        for value in JSON_LIKELY:
            check = example(field=field, value=value)(check)
    check()
    still_answers(current[0], clients)


@settings(FUZZ, max_examples=DEEPER or examples(40))
@given(
    path=st.sampled_from(GETS),
    key=st.sampled_from(["region", "service", "domain", "catalog_id", "x"]),
    value=st.text(max_size=8),
)
def test_every_misuse_of_a_control_query_is_a_400_in_the_plugins_words(
    served: FirehoseServer, streams: Streams, path: str, key: str, value: str
) -> None:
    query = urllib.parse.urlencode({key: value})
    check_answer(served, streams, "GET", f"{path}?{query}", b"", value)
