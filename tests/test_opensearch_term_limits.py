"""Lucene's limits on one term and one doc value in an OpenSearch index: a value whose UTF-8
passes 32766 bytes, where a field indexes it whole (a ``keyword``, a ``text`` field with
the ``keyword`` analyzer, a ``flat_object``'s strings) or keeps it as a doc value, fails
its document with Lucene's words once the document is parsed; ``ignore_above`` (counted in
UTF-16 units) skips it first."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import TEXT, errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake

LIMIT = 32766


def immense(field: str, value: str) -> dict[str, Any]:
    """The bulk error of a term of ``value`` in ``field`` (its prefix: the first 30 bytes,
    signed, as Java prints a ``byte[]``)."""
    data = value.encode()
    prefix = ", ".join(str(byte - 256 if byte > 127 else byte) for byte in data[:30])
    original = f"bytes can be at most 32766 in length; got {len(data)}"
    return {
        "type": "illegal_argument_exception",
        "reason": f'Document contains at least one immense term in field="{field}" (whose UTF8 '
        "encoding is longer than the max length 32766), all of which were skipped.  Please "
        "correct the analyzer to not produce such terms.  The prefix of the first immense "
        f"term is: '[{prefix}]...', original message: {original}",
        "caused_by": {
            "type": "max_bytes_length_exceeded_exception",
            "reason": f"max_bytes_length_exceeded_exception: {original}",
        },
    }


def too_large(field: str) -> dict[str, Any]:
    return {
        "type": "illegal_argument_exception",
        "reason": f'DocValuesField "{field}" is too large, must be <= 32766',
    }


def long_text(size: int) -> str:
    """An ASCII text of ``size`` bytes (a log line's words, repeated)."""
    line = "2026-12-07T08:00:00Z ERROR payment failed: "
    return (line * (size // len(line) + 1))[:size]


def deliver(fake: FirehoseFake, mapping: dict[str, Any], *documents: Any) -> Any:
    """Index ``documents`` (each made JSON) under ``mapping``'s properties: the stream."""
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": mapping})
    stream = search(fake)
    put_batch(*(json.dumps(document).encode() for document in documents))
    fake.firehose.flush()
    return stream


def refused(landing_s3: Any) -> list[dict[str, Any]]:
    """Each refused document's bulk error (each with status 400)."""
    found = []
    for code, message in errors(landing_s3):
        assert code == "400"
        found.append(message)
    return found


def test_a_keyword_takes_32766_bytes_and_refuses_32767(fake: FirehoseFake, landing_s3: Any) -> None:
    taken, over = long_text(LIMIT), long_text(LIMIT + 1)
    stream = deliver(fake, {"line": {"type": "keyword"}}, {"line": taken}, {"line": over})

    assert [document["_source"] for document in stream.documents] == [{"line": taken}]
    assert refused(landing_s3) == [immense("line", over)]


def test_multi_byte_characters_count_in_bytes(fake: FirehoseFake, landing_s3: Any) -> None:
    # "é" is two bytes of UTF-8: 16383 of them are 32766 bytes, 16384 are 32768.
    taken, over = "é" * 16383, "é" * 16384
    stream = deliver(fake, {"name": {"type": "keyword"}}, {"name": taken}, {"name": over})

    assert [document["_source"] for document in stream.documents] == [{"name": taken}]
    [error] = refused(landing_s3)
    assert error == immense("name", over)
    assert "[-61, -87, -61, -87," in error["reason"]  # Java's bytes are signed
    assert error["caused_by"]["reason"].endswith("got 32768")


def test_ignore_above_counts_characters_not_bytes(fake: FirehoseFake, landing_s3: Any) -> None:
    euros = "€" * 20000  # 20000 characters, 60000 bytes: under ignore_above, over the limit
    faces = "😀" * 8192  # 8192 characters past U+FFFF: 16384 UTF-16 units, 32768 bytes
    stream = deliver(
        fake,
        {
            "note": {"type": "keyword", "ignore_above": 30000},
            "skipped": {"type": "keyword", "ignore_above": 19999},
            "face": {"type": "keyword", "ignore_above": 10000},
        },
        {"skipped": euros},
        {"face": faces},
        {"note": euros},
    )

    assert [document["_source"] for document in stream.documents] == [
        {"skipped": euros},
        {"face": faces},  # Java's length counts a face twice: 16384 is above 10000
    ]
    assert refused(landing_s3) == [immense("note", euros)]


def test_the_dynamic_mapping_of_a_long_string_takes_it(fake: FirehoseFake) -> None:
    stream = search(fake)
    line = long_text(50000)
    put_batch(json.dumps({"message": line}).encode())
    fake.firehose.flush()

    # text, with a keyword sub-field that ignores a value above 256 characters
    assert [document["_source"] for document in stream.documents] == [{"message": line}]
    assert stream.index_mappings[index_of(fake)]["properties"] == {"message": TEXT}


@pytest.mark.parametrize(
    ("field", "error"),
    [
        pytest.param({"type": "keyword", "index": False}, too_large("f"), id="keyword-unindexed"),
        pytest.param(
            {"type": "keyword", "index": "false", "doc_values": True},
            too_large("f"),
            id="keyword-unindexed-as-a-string",
        ),
        pytest.param({"type": "wildcard", "doc_values": True}, too_large("f"), id="wildcard"),
        pytest.param(
            {"type": "text", "analyzer": "keyword"},
            immense("f", long_text(40000)),
            id="text-with-the-keyword-analyzer",
        ),
        pytest.param(
            {"type": "match_only_text", "analyzer": "keyword"},
            immense("f", long_text(40000)),
            id="match-only-text-with-the-keyword-analyzer",
        ),
    ],
)
def test_each_field_that_keeps_the_value_whole_refuses_it(
    fake: FirehoseFake, landing_s3: Any, field: dict[str, Any], error: dict[str, Any]
) -> None:
    stream = deliver(fake, {"f": field}, {"f": long_text(40000)})

    assert stream.delivered == []
    assert refused(landing_s3) == [error]


@pytest.mark.parametrize(
    "field",
    [
        pytest.param({"type": "keyword", "index": False, "doc_values": False}, id="keyword-kept"),
        pytest.param(
            {"type": "keyword", "index": False, "doc_values": False, "store": True},
            id="keyword-stored",
        ),
        pytest.param({"type": "wildcard"}, id="wildcard-without-doc-values"),
        pytest.param({"type": "text"}, id="text-standard-analyzer"),
        pytest.param({"type": "text", "analyzer": "whitespace"}, id="text-whitespace"),
        pytest.param({"type": "text", "analyzer": "keyword", "index": False}, id="text-unindexed"),
        pytest.param({"type": "keyword", "ignore_above": 256}, id="keyword-ignore-above"),
        pytest.param({"type": "constant_keyword", "value": "x"}, id="constant-keyword-other"),
    ],
)
def test_a_field_that_splits_or_skips_the_value_takes_it(
    fake: FirehoseFake, landing_s3: Any, field: dict[str, Any]
) -> None:
    line = long_text(40000)
    document = {"f": "x", "g": line} if field["type"] == "constant_keyword" else {"f": line}
    mapping = {"f": field, "g": {"type": "text"}}
    stream = deliver(fake, mapping, document)

    assert [document["_source"] for document in stream.documents] == [document]
    assert refused(landing_s3) == []


def test_a_keyword_sub_field_of_a_text_field_refuses_it(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    line = long_text(33000)
    deliver(
        fake,
        {"message": {"type": "text", "fields": {"raw": {"type": "keyword"}}}},
        {"message": line},
    )

    assert refused(landing_s3) == [immense("message.raw", line)]


def test_a_copy_into_a_keyword_refuses_it(fake: FirehoseFake, landing_s3: Any) -> None:
    line = long_text(33000)
    deliver(
        fake,
        {"body": {"type": "text", "copy_to": "all"}, "all": {"type": "keyword"}},
        {"body": line},
    )

    assert refused(landing_s3) == [immense("all", line)]


def test_a_flat_object_refuses_a_long_string_it_holds(fake: FirehoseFake, landing_s3: Any) -> None:
    line = long_text(33000)
    stream = deliver(
        fake,
        {"attrs": {"type": "flat_object"}},
        {"attrs": {"short": "ok", "deep": {"trace": [1, "x"]}}},
        {"attrs": {"deep": {"trace": line}}},
        # Its value is short enough, its path and value together are not.
        {"attrs": {"deep": {"trace": line[: LIMIT - 11]}}},
    )

    assert len(stream.delivered) == 1
    assert refused(landing_s3) == [
        immense("attrs._value", line),
        immense("attrs._valueAndPath", f"attrs.deep.trace={line[: LIMIT - 11]}"),
    ]


def test_a_flat_object_doc_value_is_its_name_and_the_value(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    value = long_text(LIMIT - 2)  # the term fits; "attrs." and it do not
    deliver(fake, {"attrs": {"type": "flat_object"}}, {"attrs": {"k": value}})

    assert refused(landing_s3) == [too_large("attrs._value")]


def test_the_first_field_lucene_indexes_is_named(fake: FirehoseFake, landing_s3: Any) -> None:
    first, second = long_text(33000), "é" * 17000
    deliver(
        fake,
        {"b": {"type": "keyword"}, "a": {"type": "keyword"}},
        {"b": first, "a": second},
        {"a": [first, second]},
    )

    assert refused(landing_s3) == [immense("b", first), immense("a", first)]


def test_a_value_the_mapping_refuses_is_the_error_even_after(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    deliver(
        fake,
        {"line": {"type": "keyword"}, "count": {"type": "long"}},
        {"line": long_text(33000), "count": "many"},
    )

    [error] = refused(landing_s3)
    assert error["type"] == "mapper_parsing_exception"
    assert error["caused_by"]["reason"] == 'For input string: "many"'


def test_the_refused_documents_new_fields_join_the_mapping(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    stream = deliver(
        fake,
        {"line": {"type": "keyword"}},
        {"host": "web-1", "line": long_text(33000)},
        {"host": 7},
    )

    # OpenSearch updates the mapping before Lucene refuses the document: the next
    # document's host is a text field's (a number is taken as its text).
    assert stream.index_mappings[index_of(fake)]["properties"] == {
        "host": TEXT,
        "line": {"type": "keyword"},
    }
    assert [document["_source"] for document in stream.documents] == [{"host": 7}]
    assert len(refused(landing_s3)) == 1


def test_a_lone_surrogate_is_three_bytes(fake: FirehoseFake, landing_s3: Any) -> None:
    # Java encodes an unpaired surrogate as U+FFFD: 10923 of them are 32769 bytes.
    record = b'{"f": "' + b"\\ud800" * 10923 + b'"}'
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"f": {"type": "keyword"}}})
    search(fake)
    put_batch(record)
    fake.firehose.flush()

    [error] = refused(landing_s3)
    assert error == immense("f", "\ufffd" * 10923)


def test_its_fields_join_the_mapping_when_destination_refuses_another(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"line": {"type": "keyword"}}})
    stream = search(fake)
    stream.destination_refuses(lambda record: b"refuse" in record, error="409")
    put_batch(
        json.dumps({"host": "web-1", "line": long_text(33000)}).encode(),
        b'{"refuse": 1, "note": 1}',
        b'{"port": 80}',
    )
    fake.firehose.flush()

    assert stream.delivered == [b'{"port": 80}']
    assert [message["type"] for message in refused_any(landing_s3)] == [
        "illegal_argument_exception",
        "version_conflict_engine_exception",
    ]
    # The refused by Lucene added host; the one destination_refuses refused added nothing.
    assert stream.index_mappings[index_of(fake)]["properties"] == {
        "host": TEXT,
        "line": {"type": "keyword"},
        "port": {"type": "long"},
    }


def refused_any(landing_s3: Any) -> list[dict[str, Any]]:
    return [message for _, message in errors(landing_s3)]


def test_a_flat_object_path_doc_value_is_its_name_and_the_term(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    # "attrs.k=" and the value fit as a term; "attrs." before them does not.
    deliver(fake, {"attrs": {"type": "flat_object"}}, {"attrs": {"k": long_text(LIMIT - 10)}})

    assert refused(landing_s3) == [too_large("attrs._valueAndPath")]


ANALYSIS = {
    "analysis": {
        "tokenizer": {"whole": {"type": "keyword"}},
        "filter": {"lower": {"type": "lowercase"}},
        "analyzer": {
            "exact": {"tokenizer": "keyword", "filter": ["lowercase"]},
            "exact_own": {"type": "custom", "tokenizer": "whole", "filter": "lower"},
            "named": {"type": "keyword"},
            "folded": {"tokenizer": "keyword", "filter": ["asciifolding"]},
            "words": {"tokenizer": "whitespace", "filter": ["lowercase"]},
        },
    }
}


@pytest.mark.parametrize(
    ("analyzer", "fails"),
    [
        ("keyword", True),
        ("exact", True),
        ("exact_own", True),
        ("named", True),
        ("words", False),
        # A filter that may change the token's length: not measured.
        ("folded", False),
    ],
)
def test_an_index_analyzer_of_the_keyword_tokenizer_makes_one_term(
    fake: FirehoseFake, landing_s3: Any, analyzer: str, fails: bool
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"body": {"type": "text", "analyzer": analyzer}}},
        settings=ANALYSIS,
    )
    stream = search(fake)
    line = long_text(40000)
    put_batch(json.dumps({"body": line}).encode())
    fake.firehose.flush()

    assert refused(landing_s3) == ([immense("body", line)] if fails else [])
    assert len(stream.delivered) == (0 if fails else 1)


@pytest.mark.parametrize(("default", "fails"), [("named", True), ("words", False)])
def test_the_index_default_analyzer_analyzes_a_text_field_without_one(
    fake: FirehoseFake, landing_s3: Any, default: str, fails: bool
) -> None:
    analyzers = ANALYSIS["analysis"]["analyzer"]
    settings = {"analysis": {**ANALYSIS["analysis"], "analyzer": {"default": analyzers[default]}}}
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"body": {"type": "text"}}}, settings=settings
    )
    search(fake)
    line = long_text(40000)
    put_batch(json.dumps({"body": line}, ensure_ascii=False).encode())
    fake.firehose.flush()

    assert refused(landing_s3) == ([immense("body", line)] if fails else [])


def test_a_long_value_within_the_limit_is_one_term(fake: FirehoseFake, landing_s3: Any) -> None:
    line = long_text(20000)  # past what a short value is, within 32766 bytes
    stream = deliver(
        fake,
        {"body": {"type": "text", "analyzer": "keyword"}, "code": {"type": "keyword"}},
        {"body": line, "code": line},
    )

    assert len(stream.delivered) == 1
    assert refused(landing_s3) == []


def test_a_null_is_its_null_value_which_lucene_may_refuse(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    """``KeywordFieldMapper`` (``WildcardFieldMapper``) indexes the ``null_value`` in a
    ``null``'s place as it indexes a value: past ``ignore_above`` it is skipped, else its
    term (its doc value) meets Lucene's limit; a sub-field's too. The mapping takes it."""
    over = long_text(LIMIT + 1)
    stream = deliver(
        fake,
        {
            "line": {"type": "keyword", "null_value": over},
            "skipped": {"type": "keyword", "null_value": over, "ignore_above": LIMIT},
            "pattern": {"type": "wildcard", "null_value": over, "doc_values": True},
            "body": {"type": "text", "fields": {"raw": {"type": "keyword", "null_value": over}}},
        },
        {"line": None},
        {"skipped": None},
        {"pattern": [None]},
        {"body": None},
        {"line": "short"},
    )

    assert refused(landing_s3) == [
        immense("line", over),
        too_large("pattern"),
        immense("body.raw", over),
    ]
    assert [document["_source"] for document in stream.documents] == [
        {"skipped": None},
        {"line": "short"},
    ]
