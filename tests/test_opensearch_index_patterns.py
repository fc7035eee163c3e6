"""The index patterns ``firehose.opensearch_index`` gives mappings to, as OpenSearch's
composable index templates: only ``*`` is special in them (as in dynamic templates), the
pattern of the highest ``priority`` among those matching gives a new index its mapping,
and patterns OpenSearch would refuse (overlapping at one priority, holding a character an
index pattern may not hold) are refused."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_documents import OPENSEARCH
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError
from pytest_firehose._destinations.index_patterns import overlap, simple_match

LONG = {"properties": {"v": {"type": "long"}}}
KEYWORD = {"properties": {"v": {"type": "keyword"}}}


def search(fake: FirehoseFake, index: str, name: str = "events") -> Any:
    """A delivery stream writing to ``DOMAIN``'s index ``index`` (no rotation)."""
    return fake.firehose.create_delivery_stream(
        name,
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "IndexName": index,
            "IndexRotationPeriod": "NoRotation",
        },
    )


def test_a_bracket_in_a_pattern_matches_only_itself(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "app[1]-*", LONG)
    plain = search(fake, "app1-x")
    bracketed = search(fake, "app[1]-x", name="bracketed")
    put_batch(b'{"v": "ten"}')
    put_batch(b'{"v": "ten"}', stream="bracketed")
    fake.firehose.flush()

    # "app1-x" is no match for "app[1]-*": dynamic mapping maps v from its value.
    assert plain.delivered == [b'{"v": "ten"}']
    assert fake.firehose.opensearch_mapping(DOMAIN, "app1-x")["properties"]["v"]["type"] == ("text")
    assert bracketed.delivered == []
    assert fake.firehose.opensearch_mapping(DOMAIN, "app[1]-x") == LONG


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        (
            "logs?-*",
            "index_pattern [logs?-*] must not contain the following characters "
            '[ , ", *, \\, <, |, ,, >, /, ?];',
        ),
        ("logs#-*", "1: index_pattern [logs#-*] must not contain a '#';"),
        ("_logs-*", "1: index_pattern [_logs-*] must not start with '_';"),
        (
            "my logs-*",
            "1: index_patterns [my logs-*] must not contain a space;2: index_pattern "
            "[my logs-*] must not contain the following characters",
        ),
    ],
)
def test_a_pattern_opensearch_refuses_is_refused_in_its_words(
    fake: FirehoseFake, pattern: str, said: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, pattern, LONG)

    message = str(refused.value)
    assert "OpenSearch refuses this index template: Validation Failed: " in message
    assert said in message
    assert "only * is special" in message


def test_the_highest_priority_among_the_matching_patterns_gives_the_mapping(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-2026-*", LONG, priority=5)
    fake.firehose.opensearch_index(DOMAIN, "logs-*", KEYWORD, priority=1)
    dated = search(fake, "logs-2026-12-06")
    search(fake, "logs-other", name="other")
    put_batch(b'{"v": "ten"}')
    put_batch(b'{"v": "ten"}', stream="other")
    fake.firehose.flush()

    assert dated.delivered == []  # the priority 5 pattern's long refuses "ten"
    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-2026-12-06") == LONG
    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-other") == KEYWORD


def test_overlapping_patterns_of_one_priority_are_refused(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", KEYWORD)
    fake.firehose.opensearch_index(DOMAIN, "metrics-*", KEYWORD)  # no index matches both

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "*-2026-*", LONG)

    assert str(refused.value) == (
        "opensearch_index('arn:aws:es:us-east-1:123456789012:domain/logs', '*-2026-*', ...): "
        "OpenSearch refuses this index template: index template [*-2026-*] has index "
        "patterns [*-2026-*] matching patterns from existing templates [logs-*,metrics-*] "
        "with patterns (logs-* => [logs-*],metrics-* => [metrics-*]) that have the same "
        "priority [0], multiple index templates may not match during index creation, please "
        "use a different priority (give one of them another priority, e.g. priority=1: "
        "where both match a new index, the higher gives it its mapping)"
    )
    search(fake, "logs-2026-12-06")
    put_batch(b'{"v": "ten"}')
    fake.firehose.flush()
    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-2026-12-06") == KEYWORD


def test_a_pattern_given_again_replaces_its_mapping_and_priority(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", KEYWORD, priority=3)
    fake.firehose.opensearch_index(DOMAIN, "logs-*", LONG)  # priority 0 now
    fake.firehose.opensearch_index(DOMAIN, "logs-2026-*", KEYWORD, priority=1)
    search(fake, "logs-2026-12-06")
    put_batch(b'{"v": "ten"}')
    fake.firehose.flush()

    assert fake.firehose.opensearch_mapping(DOMAIN, "logs-2026-12-06") == KEYWORD


@pytest.mark.parametrize(
    ("index", "priority", "refusal"),
    [
        ("logs", 1, "priority belongs to a pattern's mapping"),
        ("logs-*", -1, "priority is a whole number, 0 or more"),
        ("logs-*", True, "priority is a whole number, 0 or more"),
        ("logs-*", "1", "priority is a whole number, 0 or more"),
        ("logs-*", 2**63, "priority is a long, at most 9223372036854775807"),
    ],
)
def test_a_priority_that_is_no_template_priority_is_refused(
    fake: FirehoseFake, index: str, priority: Any, refusal: str
) -> None:
    with pytest.raises(UsageError, match=refusal):
        fake.firehose.opensearch_index(DOMAIN, index, LONG, priority=priority)


@pytest.mark.parametrize(
    ("first", "second", "both"),
    [
        ("logs-*", "logs-2026-*", True),
        ("logs-*", "metrics-*", False),
        ("*-2026", "logs-*", True),
        ("a*c", "ab*", True),
        ("a*c", "*d", False),
        ("logs", "logs", True),
        ("logs", "log", False),
        ("*", "anything", True),
        ("a*b*", "*c*b", True),  # "acb"
        ("a*b", "a*c", False),
        ("x?", "x*", True),  # ? stands for itself
    ],
)
def test_two_patterns_overlap_when_one_name_matches_both(
    first: str, second: str, both: bool
) -> None:
    assert overlap(first, second) is both
    assert overlap(second, first) is both


@pytest.mark.parametrize(
    ("pattern", "name", "matched"),
    [
        ("logs-*", "logs-2026", True),
        ("logs-*", "logs-", True),
        ("logs?", "logsX", False),
        ("logs?", "logs?", True),
        ("log[sz]", "logs", False),
        ("log[sz]", "log[sz]", True),
        ("*a*", "bab", True),
        ("Logs-*", "logs-1", False),
    ],
)
def test_only_a_star_is_special_in_a_pattern(pattern: str, name: str, matched: bool) -> None:
    assert simple_match(pattern, name) is matched
