"""Bad control API bodies and bad fault keywords: each refused with a message naming the fix,
the same way in-process (``.fail()``, ``clock.advance``) and over ``/_fake/``; the world
keeps answering afterwards.

The fuzz test sends hypothesis-made bodies to every route of a real server over a socket
and checks every answer is JSON, a 2xx or a 4xx with an ``error`` naming the problem.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from conftest import ask_control, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_firehose import FirehoseFake
from pytest_firehose._clock import LATEST, ClockRangeError, FakeClock
from pytest_firehose._doors import control, control_input
from pytest_firehose._doors.server import FirehoseServer, serve_fake
from pytest_firehose._engine.config import REGION_RULE
from pytest_firehose._errors import UsageError
from pytest_firehose._terms import Terms, speaking

MSK_STREAM = {
    "service": "firehose",
    "name": "m",
    "DeliveryStreamType": "MSKAsSource",
    "MSKSourceConfiguration": {
        "MSKClusterARN": "arn:aws:kafka:us-east-1:123456789012:cluster/c/1",
        "TopicName": "t",
        "AuthenticationConfiguration": {
            "RoleARN": "arn:aws:iam::123456789012:role/r",
            "Connectivity": "PUBLIC",
        },
    },
}
#: Bad fault keywords, what .fail() says of them, and what POST /_fake/faults says (the
#: keyword named as the field of its body).
BAD_FAULTS = [
    ({"timeout": []}, "timeout= is one of", '"timeout" is one of'),
    ({"error": 5}, "give it as a string", "give it as a string"),
    ({"records": 5}, "records= is {index: code}", '"records" is an object of 0-based index'),
    ({"records": [{}]}, "indices", "indices"),
    ({"records": {0: 5}}, "give it as a string", "give it as a string"),
    ({"chaos": 0.5, "seed": {"a": 1}}, "seed= is an integer", '"seed" is an integer'),
    ({"latency": math.nan}, "latency= is seconds", '"latency" is seconds'),
    ({"latency": math.inf}, "latency= is seconds", '"latency" is seconds'),
    ({"latency": 1e300}, "latency= is seconds", '"latency" is seconds'),
    ({"latency": True}, "latency= is seconds", '"latency" is seconds'),
    ({"latency": "5"}, "latency= is seconds", '"latency" is seconds'),
    ({"chaos": True}, "chaos= is a failure probability", '"chaos" is a failure probability'),
    ({"throttle": 1, "operation": 5}, "give it as a string", "give it as a string"),
    ({"throttle": 1, "stream": 5}, "stream= is the name", '"stream" is the name'),
    ({"throttle": 1, "optional": "x"}, "optional= is True or False", '"optional" is true or'),
    ({"throttle": 1, "call": True}, "call= is the 1-based", '"call" is the 1-based'),
    ({"throttle": 1.5}, "throttle= is True or", '"throttle" is true or'),
]
FAULT_IDS = [str(keywords) for keywords, _, _ in BAD_FAULTS]


@pytest.mark.parametrize(("keywords", "named", "over_http"), BAD_FAULTS, ids=FAULT_IDS)
def test_fail_refuses_a_bad_keyword_with_a_usage_error(
    fake: FirehoseFake, keywords: dict[str, Any], named: str, over_http: str
) -> None:
    with pytest.raises(UsageError) as caught:
        fake.firehose.fail(**keywords)
    assert named in str(caught.value)
    assert fake.firehose.faults == []


@pytest.mark.parametrize("seconds", [1e300, math.nan, math.inf, -1, 3e11, 10**400])
def test_the_clock_refuses_a_move_it_cannot_make_and_stays_put(seconds: float) -> None:
    clock = FakeClock()
    before = clock.now()
    with pytest.raises(ClockRangeError):
        clock.advance(seconds)
    assert clock.now() == before
    assert clock.elapsed == timedelta(0)


def test_the_clock_goes_up_to_its_latest_time_and_no_further() -> None:
    clock = FakeClock()
    clock.advance(LATEST - clock.now())
    assert clock.now() == LATEST
    with pytest.raises(ClockRangeError, match="past 9000"):
        clock.advance(seconds=1)
    with pytest.raises(ClockRangeError, match="too far"):
        clock.advance(days=10**10)


@pytest.fixture(scope="module")
def served() -> Iterator[FirehoseServer]:
    with FirehoseServer() as server:
        yield server


@pytest.mark.parametrize(("keywords", "named", "over_http"), BAD_FAULTS, ids=FAULT_IDS)
def test_a_bad_fault_over_http_is_a_400_naming_it(
    served: FirehoseServer, keywords: dict[str, Any], named: str, over_http: str
) -> None:
    body = {"service": "firehose", **{str(k): v for k, v in keywords.items()}}
    if "records" in keywords and isinstance(keywords["records"], dict):
        body["records"] = {str(k): v for k, v in keywords["records"].items()}
    status, answer = ask_control(served, "POST", "/_fake/faults", body)
    assert status == 400
    assert over_http in answer["error"]
    assert ask_control(served, "GET", "/_fake/faults") == (200, [])


def test_a_records_key_of_thousands_of_digits_is_a_400_naming_it(served: FirehoseServer) -> None:
    # Python reads no integer of more than 4,300 digits: this was a 500 naming the ValueError.
    records = {"1" * 5000: "InternalFailure"}
    status, answer = ask_control(
        served, "POST", "/_fake/faults", {"service": "kinesis", "records": records}
    )
    assert status == 400
    assert answer["error"].startswith("records keys are the 0-based indexes of records")
    assert "a key of 5000 digits" in answer["error"]
    assert ask_control(served, "GET", "/_fake/faults") == (200, [])


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"advance": 1e300}, "finite"),
        ({"advance": math.nan}, "finite"),
        ({"advance": 3e11}, "past 9000"),
        ({"advance": 10**400}, "finite"),
    ],
)
def test_a_clock_move_it_cannot_make_is_a_400_and_the_world_goes_on(
    served: FirehoseServer, body: dict[str, Any], named: str
) -> None:
    status, answer = ask_control(served, "POST", "/_fake/clock", body)
    assert status == 400
    assert named in answer["error"]
    assert ask_control(served, "GET", "/_fake/clock")[0] == 200
    status, _ = ask_control(served, "POST", "/_fake/streams", {"service": "firehose", "name": "s"})
    assert status == 201
    assert ask_control(served, "POST", "/_fake/reset")[0] == 200


@pytest.mark.parametrize(
    ("path", "body", "said"),
    [
        ("/_fake/clock", b'{"advance": null}', "; got null"),
        ("/_fake/clock", b'{"advance": "60"}', '; got "60"'),
        ("/_fake/clock", b'{"advance": NaN}', "; got NaN"),
        ("/_fake/clock", b'{"advance": true}', "; got true"),
        ("/_fake/destination", b'{"stream": "s", "up": null}', '"up" is true or false, not null'),
        ("/_fake/destination", b'{"stream": "s", "refuse": {}}', 'optionally "error"; got []'),
        ("/_fake/flush", b'{"stream": false}', '"stream" is a delivery stream name, not false'),
        ("/_fake/streams", b'{"service": "s3"}', 'got "s3"'),
        ("/_fake/msk", b'{"stream": "m", "records": [], "partition": "60"}', 'not "60"'),
        ("/_fake/msk", b'{"stream": "m", "records": [], "offset": 1.5}', ", not 1.5"),
        (
            "/_fake/msk",
            b'{"stream": "m", "records": [], "timestamp": "2025-01-31T12:00:00"}',
            'not "2025-01-31T12:00:00"',
        ),
        ("/_fake/logs", b'{"stream": "s", "records": null, "messages": "a"}', 'not "a"'),
        (
            "/_fake/faults",
            b'{"service": "firehose", "records": {"x": "InternalFailure"}}',
            'key "x"',
        ),
    ],
)
def test_a_message_quotes_what_was_sent_in_json(
    served: FirehoseServer, path: str, body: bytes, said: str
) -> None:
    ask_control(served, "POST", "/_fake/streams", {"service": "firehose", "name": "s"})
    ask_control(served, "POST", "/_fake/streams", MSK_STREAM)
    try:
        status, answer = ask_control(served, "POST", path, body)
    finally:
        ask_control(served, "POST", "/_fake/reset")

    assert status == 400
    assert said in answer["error"]
    assert "None" not in answer["error"]


@pytest.mark.parametrize(
    ("path", "body", "said"),
    [
        # Each named the Python call refused (put_from_msk:, put_log_events:) and advised
        # Python calls (boto3's put_record, put_from_logs), quoting the stream as 's'.
        (
            "/_fake/msk",
            {"stream": "s", "records": ["eA=="]},
            'POST /_fake/msk: delivery stream "s" is DirectPut, not MSKAsSource: put its '
            "records with PutRecord or PutRecordBatch (POST /_fake/logs as CloudWatch Logs "
            "puts them)",
        ),
        (
            "/_fake/database",
            {"stream": "m", "table": "shop.orders", "inserted": [{"id": 1}]},
            'POST /_fake/database: delivery stream "m" is MSKAsSource, not DatabaseAsSource: '
            "it reads an MSK topic: POST /_fake/msk hands it records",
        ),
        # A type named as JSON names it (it named Python's: "must be a str, not int").
        (
            "/_fake/logs",
            {"stream": "s", "messages": [1]},
            "POST /_fake/logs: a log message must be a string, not a number",
        ),
        (
            "/_fake/logs",
            {"stream": "s", "messages": ["a", None]},
            "POST /_fake/logs: a log message must be a string, not null",
        ),
        # The fix a service refusal adds named the Python call (put_from_msk).
        (
            "/_fake/logs",
            {"stream": "m", "records": []},
            "POST /_fake/logs: Firehose would answer CloudWatch Logs InvalidArgumentException: "
            "This operation is not permitted on MSKAsSource delivery stream type. (this stream "
            "reads an MSK topic: POST /_fake/msk hands it records)",
        ),
        (
            "/_fake/logs",
            {"stream": "s", "messages": ["a"], "logGroup": "a:b"},
            'POST /_fake/logs: "logGroup" must be a CloudWatch Logs log group name (1 to 512 '
            'letters, digits, "_", "-", ".", "/", "#"), not "a:b"',
        ),
        (
            "/_fake/logs",
            {"stream": "s", "messages": ["a"], "subscriptionFilter": "a*"},
            'POST /_fake/logs: "subscriptionFilter" must be a CloudWatch Logs subscription '
            'filter name (1 to 512 characters but ":" and "*"), not "a*"',
        ),
        # A create's member that repeats a field was refused in Python's terms
        # (create_delivery_stream(..., DeliveryStreamName='b'): ... the name argument).
        (
            "/_fake/streams",
            {"service": "firehose", "name": "a", "DeliveryStreamName": "b"},
            'POST /_fake/streams: "DeliveryStreamName" is the "name" field; pass it once, as '
            '"name"',
        ),
        (
            "/_fake/streams",
            {"service": "kinesis", "name": "a", "ShardCount": 2},
            'POST /_fake/streams: "ShardCount" is the "shard_count" field; pass it once, as '
            '"shard_count"',
        ),
        (
            "/_fake/logs",
            {"stream": "s", "messages": []},
            "POST /_fake/logs: no log events; CloudWatch Logs sends a DATA_MESSAGE only with "
            'at least one: give POST /_fake/logs with "messages" one message or more',
        ),
    ],
)
def test_a_refusal_of_the_python_api_names_what_the_client_sent(
    served: FirehoseServer, path: str, body: dict[str, Any], said: str
) -> None:
    ask_control(served, "POST", "/_fake/streams", {"service": "firehose", "name": "s"})
    ask_control(served, "POST", "/_fake/streams", MSK_STREAM)
    try:
        status, answer = ask_control(served, "POST", path, body)
    finally:
        ask_control(served, "POST", "/_fake/reset")

    assert (status, answer) == (400, {"error": said})


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (
            lambda fake: fake.firehose["s"].put_log_events(["a", 1]),
            "put_log_events: a log message must be a str, not int",
        ),
        (
            lambda fake: fake.firehose["m"].put_from_logs(),
            "put_from_logs: Firehose would answer CloudWatch Logs InvalidArgumentException: "
            "This operation is not permitted on MSKAsSource delivery stream type. (this stream "
            "reads an MSK topic: put_from_msk hands it records)",
        ),
        (
            lambda fake: fake.firehose.create_delivery_stream("a", DeliveryStreamName="b"),
            "create_delivery_stream(..., DeliveryStreamName='b'): DeliveryStreamName is the "
            "name argument; pass it once, as name",
        ),
        (
            lambda fake: fake.firehose.fail(throttle=2, times=2),
            "throttle=N already says how many requests; drop times=",
        ),
    ],
    ids=["type", "fix", "twice", "fault"],
)
def test_the_same_refusals_of_the_python_api_keep_pythons_terms(
    fake: FirehoseFake, call: Any, said: str
) -> None:
    fake.firehose.create_delivery_stream("s")
    options = {k: v for k, v in MSK_STREAM.items() if k not in ("service", "name")}
    fake.firehose.create_delivery_stream("m", **options)

    with pytest.raises(UsageError) as caught:
        call(fake)

    assert str(caught.value) == said


def test_a_thread_serving_a_client_words_only_its_own_refusals(fake: FirehoseFake) -> None:
    # The server's threads and the test's share one world: a refusal raised in the test's
    # thread while a request is served stays in Python's terms.
    served = threading.Event()
    done = threading.Event()

    def serve() -> None:
        with speaking(Terms("POST /_fake/faults")):
            served.set()
            done.wait(10)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        served.wait(10)
        with pytest.raises(UsageError) as caught:
            fake.firehose.fail(throttle=1, times=2)
    finally:
        done.set()
        thread.join()

    assert str(caught.value) == "throttle=N already says how many requests; drop times="


def test_a_service_refusal_without_a_message_ends_at_its_code(served: FirehoseServer) -> None:
    status, answer = ask_control(
        served, "POST", "/_fake/streams", b'{"service": "kinesis", "name": "\\ud800"}'
    )

    assert (status, answer) == (
        400,
        {"error": "CreateStream: kinesis would answer SerializationException"},
    )


@pytest.mark.parametrize(
    "path", ["/_fake/streams", "/_fake/faults", "/_fake/clock", "/_fake/flush"]
)
def test_a_body_nested_past_reading_is_a_400(served: FirehoseServer, path: str) -> None:
    status, answer = ask_control(served, "POST", path, DEEP)
    assert status == 400
    assert "nested too deep" in answer["error"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"service": "kinesis", "name": "k", "shard_count": "abc"}, "ShardCount"),
        ({"service": "kinesis", "name": "k", "shard_count": [1]}, "ShardCount"),
    ],
)
def test_create_options_of_the_wrong_type_are_refused_as_boto3_refuses_them(
    served: FirehoseServer, body: dict[str, Any], named: str
) -> None:
    status, answer = ask_control(served, "POST", "/_fake/streams", body)
    assert status == 400
    assert named in answer["error"]
    assert ask_control(served, "GET", "/_fake/streams") == (
        200,
        {"firehose": [], "kinesis": []},
    )


@pytest.mark.parametrize(
    "body",
    [
        {"service": "firehose", "name": "f", "Tags": None},
        {"service": "firehose", "name": "f", "ExtendedS3DestinationConfiguration": None},
        {"service": "kinesis", "name": "f", "StreamModeDetails": None},
    ],
)
def test_a_create_option_given_as_null_is_left_out(
    served: FirehoseServer, body: dict[str, Any]
) -> None:
    # It was a 400 in Python's words: 'NoneType' object is not iterable.
    status, answer = ask_control(served, "POST", "/_fake/streams", body)
    assert (status, answer["name"]) == (201, "f")
    ask_control(served, "POST", "/_fake/reset")


ROUTES = [
    ("GET", "/_fake/health"),
    ("GET", "/_fake/streams"),
    ("POST", "/_fake/streams"),
    ("GET", "/_fake/streams/fuzzed"),
    ("GET", "/_fake/faults"),
    ("POST", "/_fake/faults"),
    ("GET", "/_fake/clock"),
    ("POST", "/_fake/clock"),
    ("POST", "/_fake/flush"),
    ("GET", "/_fake/calls"),
    ("POST", "/_fake/reset"),
]
KEYS = [
    "service", "name", "region", "shard_count", "advance", "stream", "records", "throttle",
    "error", "timeout", "latency", "chaos", "seed", "operation", "call", "times", "optional",
]  # fmt: skip
#: JSON values, with the floats JSON cannot spell but Python's json module writes.
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["firehose", "kinesis", "commit", "PutRecordBatch", "InternalFailure"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
#: A JSON object nested past what the json module reads.
DEEP = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
SERVICE = st.sampled_from(["firehose", "kinesis"])
EFFECTS = ["records", "throttle", "error", "timeout", "latency", "chaos"]
SCOPE = ["seed", "operation", "stream", "call", "times", "optional"]


def _shaped(route: tuple[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies close to what the route takes, so the fuzz reaches past the first check."""
    _method, path = route
    if path == "/_fake/faults":
        return st.fixed_dictionaries(
            {"service": SERVICE},
            optional=dict.fromkeys([*EFFECTS, *SCOPE], VALUES),
        )
    if path == "/_fake/clock":
        return st.fixed_dictionaries({"advance": VALUES})
    if path == "/_fake/streams":
        return st.fixed_dictionaries(
            {"service": SERVICE, "name": st.text(min_size=1, max_size=8)},
            optional={"shard_count": VALUES, "region": VALUES, "Tags": VALUES},
        )
    return st.fixed_dictionaries({}, optional={"region": VALUES, "stream": VALUES})


def _bodies(route: tuple[str, str]) -> st.SearchStrategy[bytes]:
    return (
        (_shaped(route) | st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=4)).map(
            lambda body: json.dumps(body).encode()
        )
        | st.binary(max_size=20)
        | st.sampled_from([b"[]", b"5", b'"x"', b"null", b"{", b"\xff\xfe"])
    )


REQUESTS = st.sampled_from(ROUTES).flatmap(lambda route: st.tuples(st.just(route), _bodies(route)))


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(request=REQUESTS)
def test_every_control_answer_is_json_naming_the_problem(
    served: FirehoseServer,
    capfd: pytest.CaptureFixture[str],
    request: tuple[tuple[str, str], bytes],
) -> None:
    (method, path), body = request
    try:
        body_value = json.loads(body)
    except ValueError:
        body_value = None
    if isinstance(body_value, dict) and isinstance(body_value.get("shard_count"), (int, float)):
        # Shard limits belong to the Kinesis model; keep the fuzzed streams small.
        body = json.dumps({**body_value, "shard_count": 2}).encode()
    status, answer = ask_control(served, method, path, body)
    assert 200 <= status < 300 or 400 <= status < 500, (status, answer)
    if status >= 400:
        assert isinstance(answer["error"], str)
        assert answer["error"]
    assert ask_control(served, "GET", "/_fake/health")[0] == 200
    assert "Traceback" not in capfd.readouterr().err
    ask_control(served, "POST", "/_fake/reset")


@pytest.mark.parametrize(
    ("method", "path", "body", "says"),
    [
        # "name" as POST /_fake/streams spells it: once, every stream was flushed.
        ("POST", "/_fake/flush", {"name": "events"}, 'takes no "name" (its body takes "stream"'),
        ("POST", "/_fake/flush?stream=events", None, 'give "stream" in the JSON body'),
        ("POST", "/_fake/clock", {"advance": 60, "flush": True}, 'takes no "flush"'),
        ("POST", "/_fake/reset", {"region": "eu-west-1"}, 'takes no "region" (its body takes no'),
        ("POST", "/_fake/faults?region=eu-west-1", None, "takes no ?region="),
        ("GET", "/_fake/calls?operation=PutRecord", None, "it takes ?service=, ?region="),
        ("GET", "/_fake/streams/events?servce=kinesis", None, "takes no ?servce="),
        ("GET", "/_fake/streams/events", {"service": "kinesis"}, 'takes no "service"'),
        (
            "POST",
            "/_fake/logs",
            {"stream": "events", "messages": ["a"], "group": "g"},
            '"logGroup"',
        ),
    ],
)
def test_a_field_an_endpoint_does_not_read_is_refused_not_ignored(
    served: FirehoseServer, method: str, path: str, body: Any, says: str
) -> None:
    ask_control(served, "POST", "/_fake/streams", {"service": "firehose", "name": "events"})
    ask_control(served, "POST", "/_fake/logs", {"stream": "events", "records": ["aGk="]})
    before = ask_control(served, "GET", "/_fake/clock")
    status, answer = ask_control(served, method, path, body)
    assert status == 400
    assert says in answer["error"]
    assert served.firehose["events"].buffered == [b"hi"]  # not flushed, not reset
    assert ask_control(served, "GET", "/_fake/faults") == (200, [])
    assert ask_control(served, "GET", "/_fake/clock") == before
    ask_control(served, "POST", "/_fake/reset")


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/_fake/calls?service=", '?service= is firehose or kinesis (both when omitted), not ""'),
        (
            "/_fake/streams?region=",
            f'"region" is a region name such as "eu-west-1", not ""{REGION_RULE}',
        ),
        (
            "/_fake/calls?service=firehose&service=kinesis",
            '?service= is given twice ("firehose" and "kinesis"); give it once',
        ),
    ],
)
def test_an_empty_or_repeated_query_parameter_is_refused(
    served: FirehoseServer, path: str, says: str
) -> None:
    status, answer = ask_control(served, "GET", path)
    assert (status, answer) == (400, {"error": says})


def test_a_percent_encoded_stream_name_is_decoded(served: FirehoseServer) -> None:
    ask_control(served, "POST", "/_fake/streams", {"service": "kinesis", "name": "my-clicks"})
    status, answer = ask_control(served, "GET", "/_fake/streams/my%2Dclicks?service=kinesis")
    assert (status, answer["name"]) == (200, "my-clicks")
    ask_control(served, "POST", "/_fake/reset")


def test_a_multipart_body_is_refused_as_no_json(served: FirehoseServer) -> None:
    connection = http.client.HTTPConnection(served.host, served.port, timeout=10)
    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    connection.request(
        "POST", "/_fake/streams", body=b"--x\r\n\r\n{}\r\n--x--\r\n", headers=headers
    )
    answer = connection.getresponse()
    assert answer.status == 400
    assert json.loads(answer.read())["error"].startswith("the body is not JSON")
    connection.close()


@pytest.mark.parametrize(
    "region", ["us-east-1\n", "us-east-1 ", "../etc", "us_east_1", "x", "nowhere", "EU-WEST-1"]
)
def test_a_region_no_client_can_name_is_refused(served: FirehoseServer, region: str) -> None:
    # The stream was made there, and no botocore client could ever reach it ("x": a client
    # can be made, and reaches no endpoint).
    body = {"service": "firehose", "name": "events", "region": region}
    status, answer = ask_control(served, "POST", "/_fake/streams", body)
    refusal = f'"region" is a region name such as "eu-west-1", not {json.dumps(region)}'
    assert (status, answer) == (400, {"error": refusal + REGION_RULE})
    assert served.firehose.stream_names() == []


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        (
            "/_fake/faults",
            b'{"service": "firehose", "records": {"1": "ServiceUnavailableException", '
            b'"01": "InternalFailure"}}',
            'records keys "1" and "01" both name record 1; name it once',
        ),
        (
            "/_fake/faults",
            b'{"service": "firehose", "throttle": 1, "times": 5, "times": 1}',
            'the body gives "times" twice in one object; give it once',
        ),
        (
            "/_fake/streams",
            b'{"service": "kinesis", "name": "a", "name": "b"}',
            'the body gives "name" twice in one object; give it once',
        ),
    ],
)
def test_a_value_given_twice_is_refused_not_dropped(
    served: FirehoseServer, path: str, body: bytes, says: str
) -> None:
    # One of the two was dropped without a word: the last for a JSON key, the last for an
    # index written two ways.
    assert ask_control(served, "POST", path, body) == (400, {"error": says})
    assert ask_control(served, "GET", "/_fake/faults") == (200, [])
    assert ask_control(served, "GET", "/_fake/streams") == (
        200,
        {"firehose": [], "kinesis": []},
    )


def raw(server: FirehoseServer, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request(method, path)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def test_head_is_answered_where_get_is(served: FirehoseServer) -> None:
    # Readiness probes ask with HEAD (RFC 9110: a server must answer it as GET, without
    # the body); a 405 kept them waiting for a server that was up.
    ask_control(served, "POST", "/_fake/streams", {"service": "firehose", "name": "events"})
    for path in ["/_fake/health", "/_fake/streams/events"]:
        status, headers, body = raw(served, "HEAD", path)
        got = raw(served, "GET", path)
        assert (status, body) == (200, b"")
        assert headers["Content-Length"] == str(len(got[2]))
    assert raw(served, "HEAD", "/_fake/reset")[0] == 405
    assert served.firehose.stream_names() == ["events"]
    ask_control(served, "POST", "/_fake/reset")


def test_every_endpoint_says_what_it_reads(served: FirehoseServer) -> None:
    # An endpoint missing from READS would answer 500 (a KeyError), one missing from the
    # handlers would be listed in the 404's "there are:" and never answered.
    control = served._control
    shown = {
        "GET /_fake/streams/{name}",
        "GET /_fake/glue/{database}/{table}",
        "GET /_fake/opensearch/{index}",
    }
    assert {*control.handlers(), *shown} == set(control_input.ROUTES)


ELSEWHERE = 'no delivery stream "events" in ap-south-1; it exists in eu-north-1, eu-west-1'
SEVERAL = 'delivery stream "events" exists in several regions (eu-north-1, eu-west-1)'
IN_THE_BODY = '"region": "eu-north-1" in the body (or ?region=eu-north-1)'


@pytest.mark.parametrize(
    ("method", "path", "body", "says"),
    [
        ("GET", "/_fake/streams/events?region=ap-south-1", {}, f"{ELSEWHERE}: ?region=eu-north-1"),
        ("GET", "/_fake/streams/events", {}, f"{SEVERAL}: ?region=eu-north-1"),
        ("POST", "/_fake/flush", {"stream": "events", "region": "ap-south-1"}, ELSEWHERE),
        ("POST", "/_fake/destination", {"stream": "events", "up": False}, SEVERAL),
    ],
)
def test_a_stream_of_another_region_is_a_404_naming_the_region_to_give(
    served: FirehoseServer, method: str, path: str, body: dict[str, Any], says: str
) -> None:
    # A client over HTTP names the region in its request: the handles' advice, a Python
    # call, is none it can follow.
    served.firehose.create_delivery_stream("events", region="eu-west-1")
    served.firehose.create_delivery_stream("events", region="eu-north-1")
    try:
        status, answer = ask_control(
            served, method, path, json.dumps(body).encode() if body else b""
        )
    finally:
        ask_control(served, "POST", "/_fake/reset")

    problem, fix = says.split(": ") if ": ?region=" in says else (says, IN_THE_BODY)
    assert (status, answer) == (404, {"error": f"{problem}: name the region with {fix}"})


def test_a_stopped_fake_is_read_over_http_and_takes_no_changes() -> None:
    # GET /_fake/calls was a 500 with a traceback once the fake stopped, and
    # POST /_fake/reset emptied the stopped world, leaving it stopped.
    with FirehoseFake() as fake, serve_fake(fake) as server:
        fake.firehose.create_delivery_stream("events")
        client = boto3.client("firehose", region_name=fake.world.region)
        client.put_record(DeliveryStreamName="events", Record={"Data": b"hi"})
        fake.stop()
        status, calls = ask_control(server, "GET", "/_fake/calls")
        assert (status, [call["operation"] for call in calls]) == (200, ["PutRecord"])
        stopped = {"error": control.STOPPED}
        assert ask_control(server, "POST", "/_fake/reset") == (409, stopped)
        body = {"service": "kinesis", "name": "k"}
        assert ask_control(server, "POST", "/_fake/streams", body) == (409, stopped)
        assert fake.firehose.stream_names() == ["events"]
        with pytest.raises(UsageError, match="has stopped"):
            fake.world.reset()
        assert fake.firehose["events"].records == [b"hi"]


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        (
            "/_fake/faults",
            {"service": "kinesis", "records": "x"},
            '"records" is an object of 0-based index to error code, e.g. '
            '{"1": "InternalFailure"}, or a list of 0-based indices, e.g. "records": [0, 2]; '
            'got "x"',
        ),
        ("/_fake/clock", [1], "the body must be a JSON object, not a list"),
        ("/_fake/clock", "1", "the body must be a JSON object, not a string"),
        ("/_fake/clock", None, "the body must be a JSON object, not null"),
    ],
)
def test_a_refusal_over_http_says_what_json_can_send(
    served: FirehoseServer, path: str, body: Any, says: str
) -> None:
    # "records" offered a predicate on the payload, which JSON cannot carry, and a body
    # of the wrong type was named as Python names it (list, str, NoneType).
    sent = json.dumps(body).encode()
    assert ask_control(served, "POST", path, sent) == (400, {"error": says})
