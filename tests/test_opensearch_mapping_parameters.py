"""Mapping parameters OpenSearch reads when it reads a mapping: the analyzers a ``text``
field names (an index without analysis settings has only the built-in ones) and the
``dynamic`` values, refused or taken as OpenSearch refuses or takes them."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_index_patterns import search
from test_opensearch_mappings import errors
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError


@pytest.mark.parametrize("kind", ["text", "match_only_text"])
@pytest.mark.parametrize("parameter", ["analyzer", "search_analyzer", "search_quote_analyzer"])
def test_a_text_field_naming_an_analyzer_the_index_lacks_is_refused_in_opensearch_s_words(
    fake: FirehoseFake, kind: str, parameter: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(
            DOMAIN, "logs", {"properties": {"body": {"type": kind, parameter: "ik_smart"}}}
        )

    assert (
        "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: analyzer [ik_smart] "
        f"has not been configured in mappings (field [body], {parameter}:"
    ) in str(refused.value)


def test_a_sub_field_naming_an_analyzer_the_index_lacks_is_refused(fake: FirehoseFake) -> None:
    mapping = {
        "properties": {
            "title": {
                "type": "keyword",
                "fields": {"words": {"type": "text", "analyzer": "my_words"}},
            }
        }
    }

    with pytest.raises(UsageError, match=r"analyzer \[my_words\] has not been configured"):
        fake.firehose.opensearch_index(DOMAIN, "logs", mapping)


def test_built_in_analyzers_are_taken_and_shown(fake: FirehoseFake) -> None:
    field = {
        "type": "text",
        "analyzer": "english",
        "search_analyzer": "standard",
        "search_quote_analyzer": "whitespace",
    }

    shown = fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"body": field}})

    assert shown == {"properties": {"body": field}}


def test_an_analyzer_that_is_no_name_is_refused(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError, match="analyzer is the name of an analyzer"):
        fake.firehose.opensearch_index(
            DOMAIN, "logs", {"properties": {"body": {"type": "text", "analyzer": 5}}}
        )


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("STRICT", "strict"),
        ("Strict_Allow_Templates", "strict_allow_templates"),
        ("FALSE_ALLOW_TEMPLATES", "false_allow_templates"),
        ("true", "true"),
        ("false", "false"),
        (False, "false"),
    ],
)
def test_dynamic_is_read_as_opensearch_reads_it_and_shown_in_lower_case(
    fake: FirehoseFake, given: Any, shown: str
) -> None:
    mapping = {"dynamic": given, "properties": {"user": {"dynamic": given, "type": "object"}}}

    taken = fake.firehose.opensearch_index(DOMAIN, "logs", mapping)

    assert taken["dynamic"] == shown
    assert taken["properties"]["user"]["dynamic"] == shown


def test_a_mode_in_upper_case_applies_as_the_mode(fake: FirehoseFake, landing_s3: Any) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs", {"dynamic": "STRICT"})
    stream = search(fake, "logs")
    put_batch(b'{"note": "x"}')
    fake.firehose.flush()

    assert stream.delivered == []
    [(_, error)] = errors(landing_s3)
    assert error["type"] == "strict_dynamic_mapping_exception"


@pytest.mark.parametrize("given", ["True", "FALSE", "yes", "runtime", 1, 0])
def test_a_dynamic_opensearch_cannot_read_is_refused_in_its_words(
    fake: FirehoseFake, given: Any
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(
            DOMAIN, "logs", {"properties": {"user": {"type": "object", "dynamic": given}}}
        )

    assert (
        "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Could not convert "
        "[dynamic.dynamic] to boolean"
    ) in str(refused.value)
