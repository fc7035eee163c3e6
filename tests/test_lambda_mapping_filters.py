"""FilterCriteria on a Kinesis event source mapping: the pattern language Lambda shares with
EventBridge, what a Kinesis record offers it (its data as JSON, nothing else), and what
happens to the records it keeps back (skipped, counted as processed)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lambda_support import batches, put

from pytest_firehose import FirehoseFake
from pytest_firehose._errors import UsageError
from pytest_firehose._lambda.event_patterns import ABSENT, PatternError, parse_pattern


def _matches(pattern: dict[str, Any], document: dict[str, Any]) -> bool:
    return parse_pattern(json.dumps(pattern)).matches(document)


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        (["Alice"], "Alice", True),
        (["Alice"], "alice", False),
        (["Credit", "Debit"], "Debit", True),
        ([None], None, True),
        ([None], ABSENT, False),
        ([""], "", True),
        ([100], 100, True),
        # A number matches a number of the same value, whatever its spelling: 300 matches
        # 300.0 (REAL, EventBridge's TestEventPattern against AWS, 2025; the guides say the
        # two differ), and anything-but 300 keeps 300.0 out.
        ([300], 300.0, True),
        ([300.0], 300, True),
        ([300], 300.5, False),
        ([{"anything-but": [300]}], 300.0, False),
        ([100], "100", False),
        ([True], True, True),
        ([True], 1, False),
        ([{"equals-ignore-case": "alice"}], "ALICE", True),
        ([{"equals-ignore-case": "alice"}], "ALICEs", False),
        ([{"prefix": "us-"}], "us-east-1", True),
        ([{"prefix": "us-"}], "eu-west-1", False),
        ([{"prefix": "us-"}], 5, False),
        ([{"prefix": {"equals-ignore-case": "US-"}}], "us-east-1", True),
        ([{"suffix": ".png"}], "cat.png", True),
        ([{"suffix": ".png"}], "cat.jpg", False),
        ([{"suffix": {"equals-ignore-case": ".PNG"}}], "cat.png", True),
        ([{"wildcard": "dir/*.png"}], "dir/cat.png", True),
        ([{"wildcard": "dir/*.png"}], "dir/cat.png.bak", False),
        ([{"wildcard": "a\\*b"}], "a*b", True),
        ([{"wildcard": "a\\*b"}], "axb", False),
        # a backslash escapes a star or a backslash (DOC, EventBridge's guide)
        ([{"wildcard": "a\\\\b"}], "a\\b", True),
        ([{"wildcard": "a\\\\*"}], "a\\xyz", True),
        ([{"wildcard": "a\\**"}], "a*xyz", True),
        ([{"wildcard": "a\\**"}], "abc", False),
        ([{"anything-but": ["Raining"]}], "Sunny", True),
        ([{"anything-but": ["Raining"]}], "Raining", False),
        ([{"anything-but": "Raining"}], "Raining", False),
        ([{"anything-but": ["Raining"]}], ABSENT, False),
        ([{"anything-but": [1, 2]}], 3, True),
        ([{"anything-but": {"prefix": "init"}}], "initial", False),
        ([{"anything-but": {"prefix": "init"}}], "final", True),
        ([{"anything-but": {"suffix": ".tmp"}}], "a.tmp", False),
        ([{"anything-but": {"equals-ignore-case": ["A", "B"]}}], "b", False),
        ([{"anything-but": {"wildcard": "*.tmp"}}], "a.txt", True),
        # anything-but prefix and suffix take lists too; a value that is no string, null
        # too, is none of them (REAL, EventBridge's TestEventPattern against AWS, 2025)
        ([{"anything-but": {"prefix": ["init", "test"]}}], "testing", False),
        ([{"anything-but": {"prefix": ["init", "test"]}}], "post-init", True),
        ([{"anything-but": {"suffix": [".txt", ".jpg"]}}], "a.jpg", False),
        ([{"anything-but": {"suffix": [".txt", ".jpg"]}}], "a.png", True),
        ([{"anything-but": {"prefix": ["init"]}}], 12, True),
        ([{"anything-but": {"suffix": [".txt"]}}], None, True),
        ([{"anything-but": {"suffix": [".txt"]}}], ABSENT, False),
        ([{"numeric": ["=", 100]}], 100, True),
        ([{"numeric": [">", 10, "<=", 20]}], 20, True),
        ([{"numeric": [">", 10, "<=", 20]}], 10, False),
        ([{"numeric": [">", 10, "<=", 20]}], 20.5, False),
        ([{"numeric": [">=", 10]}], "15", False),
        ([{"numeric": ["<", 0]}], -0.5, True),
        ([{"exists": True}], "x", True),
        ([{"exists": True}], ABSENT, False),
        ([{"exists": False}], ABSENT, True),
        ([{"exists": False}], None, False),
        # exists tests a value that is no object: an object is no such value (REAL, Lambda's
        # DynamoDB stream filter and EventBridge's TestEventPattern, both against AWS)
        ([{"exists": True}], {"S": "x"}, False),
        ([{"exists": False}], {"S": "x"}, True),
        ([{"exists": False}], [{"S": "x"}], True),
        ([{"cidr": "10.0.0.0/24"}], "10.0.0.255", True),
        ([{"cidr": "10.0.0.0/24"}], "10.0.1.0", False),
        ([{"cidr": "10.0.0.0/24"}], "not an address", False),
        (["a"], ["b", "a"], True),  # a list matches when any element does
        (["a"], ["b"], False),
    ],
)
def test_each_operator_matches_as_the_guide_describes(
    rule: list[Any], value: Any, expected: bool
) -> None:
    document = {} if value is ABSENT else {"field": value}

    assert _matches({"field": rule}, document) is expected


def test_fields_are_anded_and_nested_patterns_reach_into_objects() -> None:
    pattern = {"Location": ["New York"], "order": {"type": ["buy"]}}

    assert _matches(pattern, {"Location": "New York", "order": {"type": "buy"}})
    assert not _matches(pattern, {"Location": "New York", "order": {"type": "sell"}})
    assert not _matches(pattern, {"order": {"type": "buy"}})
    assert not _matches(pattern, {"Location": "New York", "order": "buy"})


def test_a_nested_pattern_finds_no_field_in_a_value_that_is_no_object() -> None:
    # "order" holds a string: it has no "type", not even a null one.
    assert not _matches({"order": {"type": [None]}}, {"order": "buy"})
    assert _matches({"order": {"type": [{"exists": False}]}}, {"order": "buy"})


@pytest.mark.parametrize(
    ("pattern", "document", "expected"),
    [
        ({"order": {"type": ["buy"]}}, {"order.type": "buy"}, True),
        ({"order.type": ["buy"]}, {"order": {"type": "buy"}}, True),
        ({"order.type": ["buy"]}, {"order.type": "buy"}, True),
        ({"a.b": {"c": ["x"]}}, {"a": {"b.c": "x"}}, True),
        ({"order.type": {"type": ["buy"]}}, {"order": {"type": "buy"}}, False),
        ({"order": {"type": ["buy"]}}, {"order.type": {"type": "buy"}}, False),
        ({"order": {"type": ["buy"]}}, {"order": {"type": "sell"}, "order.type": "buy"}, True),
        ({"order": {"type": ["buy"]}}, {"order": {"type": "buy"}, "order.type": "sell"}, True),
    ],
)
def test_a_dot_in_a_name_reaches_into_objects(
    pattern: dict[str, Any], document: dict[str, Any], expected: bool
) -> None:
    # REAL (EventBridge's TestEventPattern against AWS, 2025): a field is its path of names
    # joined with dots, in the pattern and in the document alike.
    assert _matches(pattern, document) is expected


def test_or_needs_one_branch_and_the_other_fields_too() -> None:
    pattern = {"kind": ["a"], "$or": [{"x": [1]}, {"y": [{"exists": True}]}]}

    assert _matches(pattern, {"kind": "a", "x": 1})
    assert _matches(pattern, {"kind": "a", "y": "anything"})
    assert not _matches(pattern, {"kind": "a", "x": 2})
    assert not _matches(pattern, {"kind": "b", "x": 1})


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '["a"]',
        '{"a": "b"}',
        '{"a": [{"prefix": 1}]}',
        '{"a": [{"numeric": [">", "1"]}]}',
        '{"a": [{"numeric": ["<", 1, ">", 0]}]}',
        '{"a": [{"numeric": ["!", 1]}]}',
        '{"a": [{"numeric": [">", 10, "<", 5]}]}',  # the lower bound above the upper
        '{"a": [{"numeric": [">=", 5, "<=", 5]}]}',  # the bounds equal
        # a range is a lower bound, then an upper one (aws/event-ruler's rule compiler)
        '{"a": [{"numeric": [">", 0, ">", 5]}]}',
        '{"a": [{"numeric": ["<", 0, "<=", 5]}]}',
        '{"a": [{"numeric": 5}]}',  # not a list
        '{"a": [{"exists": "yes"}]}',
        '{"a": [{"regex": "x"}]}',
        '{"a": [{"prefix": "x", "suffix": "y"}]}',
        '{"a": [{"wildcard": "a**b"}]}',
        '{"a": [{"wildcard": "a\\\\b"}]}',  # a backslash escaping a letter
        '{"a": [{"wildcard": "a\\\\"}]}',  # a backslash escaping nothing
        '{"a": [{"cidr": "300.0.0.0/8"}]}',
        '{"a": [{"cidr": "10.0.0.1"}]}',  # an address, no mask
        '{"a": [{"cidr": "10.0.0.0/255.255.255.0"}]}',  # a mask, not a number of bits
        '{"a": [{"cidr": "10.0.0.0/8/8"}]}',
        '{"a": [{"anything-but": {"numeric": [">", 1]}}]}',
        '{"a": [{"anything-but": {"regex": "x"}}]}',
        '{"a": [{"anything-but": {"prefix": "x", "suffix": "y"}}]}',
        '{"a": [{"anything-but": []}]}',
        # REAL (EventBridge's TestEventPattern against AWS, 2025): an empty prefix or suffix
        # to exclude, and an equals-ignore-case object inside one, are refused
        '{"a": [{"anything-but": {"prefix": ""}}]}',
        '{"a": [{"anything-but": {"suffix": ["x", ""]}}]}',
        '{"a": [{"anything-but": {"prefix": {"equals-ignore-case": "x"}}}]}',
        '{"a": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}',
        '{"a": [{"anything-but": {"prefix": ["x", 1]}}]}',
        '{"a": [{"anything-but": {"suffix": ["x", null]}}]}',
        # anything-but takes strings or numbers, a list of one kind (EventBridge's guide)
        '{"a": [{"anything-but": true}]}',
        '{"a": [{"anything-but": [false]}]}',
        '{"a": [{"anything-but": ["a", 1]}]}',
        '{"$or": [{"a": ["b"]}]}',
        '{"a": [["nested"]]}',
        '{"a": []}',
        '{"data": {"a": []}}',
        "{}",  # an empty object, as a pattern or inside one
        '{"data": {}}',
        '{"$or": [{"a": ["x"]}, {}]}',
        '{"a": [NaN]}',
        '{"a": [{"numeric": [">", -Infinity]}]}',
    ],
)
def test_a_malformed_pattern_is_refused(text: str) -> None:
    with pytest.raises(PatternError):
        parse_pattern(text)


# ---------------------------------------------------------------------- on a mapping


def _criteria(*patterns: dict[str, Any]) -> dict[str, Any]:
    return {"Filters": [{"Pattern": json.dumps(pattern)} for pattern in patterns]}


def test_only_matching_records_reach_the_handler(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        FilterCriteria=_criteria({"data": {"order": {"type": ["buy"]}}}),
    )
    buy, sell = b'{"order": {"type": "buy"}}', b'{"order": {"type": "sell"}}'
    put(sell, buy, sell, buy, sell)

    trigger.drain()

    assert batches(trigger) == [[buy, buy]]
    assert trigger.filtered == [sell, sell, sell]


def test_a_record_passes_when_any_filter_matches(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        FilterCriteria=_criteria({"data": {"n": [1]}}, {"data": {"n": [{"numeric": [">", 5]}]}}),
    )
    put(b'{"n": 1}', b'{"n": 3}', b'{"n": 9}')

    trigger.drain()

    assert batches(trigger) == [[b'{"n": 1}', b'{"n": 9}']]


@pytest.mark.parametrize(
    "pattern",
    [
        {"partitionKey": ["p"]},
        {"kinesis": {"partitionKey": ["p"]}},
        {"sequenceNumber": [{"exists": True}]},
        {"eventSource": ["aws:kinesis"]},
        {"partitionKey": ["p"], "data": {"n": [1]}},  # the developer guide's first example
    ],
)
def test_a_pattern_on_the_records_metadata_matches_nothing(
    fake: FirehoseFake, pattern: dict[str, Any]
) -> None:
    # DOC: "Kinesis event source mappings only support filtering on the data key."
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None, FilterCriteria=_criteria(pattern))
    put(b'{"n": 1}', b"plain text", key="p")

    trigger.drain()

    assert batches(trigger) == []
    assert trigger.filtered == [b'{"n": 1}', b"plain text"]


def test_data_that_is_not_json_fails_a_data_filter(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        FilterCriteria=_criteria({"data": {"n": [{"exists": False}]}}),
    )
    put(b"plain text")  # not JSON: the data filter drops it
    put(b'{"m": 1}')  # JSON without n: the data filter takes it

    trigger.drain()

    assert batches(trigger) == [[b'{"m": 1}']]
    assert trigger.filtered == [b"plain text"]


def test_data_with_nan_or_infinity_is_not_json(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        FilterCriteria=_criteria({"data": {"n": [{"exists": True}]}}),
    )
    put(b'{"n": NaN}', b'{"n": Infinity}', b'{"n": 1}')

    trigger.drain()

    assert batches(trigger) == [[b'{"n": 1}']]
    assert trigger.filtered == [b'{"n": NaN}', b'{"n": Infinity}']


def test_data_nested_deeper_than_json_is_read_is_not_json(fake: FirehoseFake) -> None:
    # drain() raised Python's RecursionError. Jackson, which Lambda's Java services read
    # JSON with, stops at 1,000 levels by default; Python's reader at about as many.
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        FilterCriteria=_criteria({"data": {"n": [{"exists": False}]}}),
    )
    deep = b"[" * 100_000 + b"]" * 100_000
    put(deep)  # no JSON the filters read: the data filter drops it
    put(b'{"m": 1}')

    trigger.drain()

    assert batches(trigger) == [[b'{"m": 1}']]
    assert trigger.filtered == [deep]


def test_data_nested_a_thousand_levels_is_read_and_matched(fake: FirehoseFake) -> None:
    # Arrays nested 1,000 levels deep are JSON: their values are the field's. Matching
    # them raised Python's RecursionError out of drain() from about 500 levels on.
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None, FilterCriteria=_criteria({"data": {"n": [1]}})
    )
    deep = b'{"n": ' + b"[" * 999 + b"1" + b"]" * 999 + b"}"
    listed = b"[" * 999 + b'{"n": 1}' + b"]" * 999  # a list of the record's objects
    put(deep, listed, b'{"n": 2}')

    trigger.drain()

    assert batches(trigger) == [[deep, listed]]
    assert trigger.filtered == [b'{"n": 2}']


def test_batch_size_counts_the_records_that_pass(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        BatchSize=2,
        FilterCriteria=_criteria({"data": {"keep": [True]}}),
    )
    keep, drop = b'{"keep": true}', b'{"keep": false}'
    put(keep, drop, drop, keep, drop, keep)

    trigger.drain()

    assert batches(trigger) == [[keep, keep], [keep]]


def test_filtered_records_count_as_processed_when_nothing_passes(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None, FilterCriteria=_criteria({"data": {"keep": [True]}})
    )
    put(b'{"keep": false}', b'{"keep": false}')

    trigger.drain()
    put(b'{"keep": true}')
    trigger.drain()

    assert batches(trigger) == [[b'{"keep": true}']]
    assert trigger.filtered == [b'{"keep": false}', b'{"keep": false}']


def test_a_batch_waiting_for_its_window_lists_each_filtered_record_once(
    fake: FirehoseFake,
) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None,
        MaximumBatchingWindowInSeconds=5,
        FilterCriteria=_criteria({"data": {"keep": [True]}}),
    )
    keep, drop = b'{"keep": true}', b'{"keep": false}'
    put(drop, keep, drop)

    trigger.drain()  # the batch is read when the window opens and again when it closes

    assert batches(trigger) == [[keep]]
    assert trigger.filtered == [drop, drop]


def test_a_retried_batch_keeps_its_filtered_records_out(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    calls: list[int] = []

    def flaky(event: dict[str, Any], context: Any) -> None:
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise RuntimeError("first call fails")

    trigger = stream.lambda_trigger(flaky, FilterCriteria=_criteria({"data": {"n": [1, 3]}}))
    put(b'{"n": 1}', b'{"n": 2}', b'{"n": 3}')

    trigger.drain()

    assert batches(trigger) == [[b'{"n": 1}', b'{"n": 3}']] * 2


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ({"Filters": [{"Pattern": "not json"}]}, "Invalid filter pattern definition"),
        ({"Filters": [{"Pattern": '{"data": ["plain"]}'}]}, "Invalid filter pattern definition"),
        (  # in an $or branch too
            _criteria({"$or": [{"data": {"n": [1]}}, {"data": ["plain"]}]}),
            "Invalid filter pattern definition",
        ),
        ({"Filters": [{"Pattern": '{"a": [{"nope": 1}]}'}]}, "Invalid filter pattern definition"),
        # Within the model's 4,096 characters, nested deeper than JSON is read (this raised
        # Python's RecursionError).
        (
            {"Filters": [{"Pattern": '{"a": ' + "[" * 2040 + "]" * 2040 + "}"}]},
            "Invalid filter pattern definition",
        ),
        ({"Filters": [{}]}, "Invalid filter pattern definition"),
        (
            _criteria({"data": {"file": [{"anything-but": {"suffix": ""}}]}}),
            "Invalid filter pattern definition",
        ),
        (_criteria(*[{"data": {"n": [index]}} for index in range(6)]), "at most 5"),
    ],
)
def test_filter_criteria_lambda_refuses_are_refused(
    fake: FirehoseFake, criteria: dict[str, Any], message: str
) -> None:
    stream = fake.kinesis.create_stream("s")
    with pytest.raises(UsageError, match=f"InvalidParameterValueException: .*{message}"):
        stream.lambda_trigger(lambda event, context: None, FilterCriteria=criteria)


@pytest.mark.parametrize("criteria", [{}, {"Filters": []}])
def test_empty_filter_criteria_filter_nothing(fake: FirehoseFake, criteria: dict[str, Any]) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(lambda event, context: None, FilterCriteria=criteria)
    put(b"a")

    trigger.drain()

    assert batches(trigger) == [[b"a"]]
    # Lambda answers a mapping made with no filter without FilterCriteria (LocalStack's
    # AWS-validated snapshot, 2025).
    assert "FilterCriteria" not in trigger.creation


def test_a_parent_ending_in_filtered_records_lets_its_children_go(fake: FirehoseFake) -> None:
    stream = fake.kinesis.create_stream("s")
    trigger = stream.lambda_trigger(
        lambda event, context: None, FilterCriteria=_criteria({"data": {"keep": [True]}})
    )
    put(b'{"keep": true}', b'{"keep": false}')
    stream.split_shard("shardId-000000000000", 2**127)
    put(b'{"keep": true, "child": 1}')

    trigger.drain()

    assert batches(trigger) == [[b'{"keep": true}'], [b'{"keep": true, "child": 1}']]
