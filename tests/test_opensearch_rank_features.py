"""OpenSearch's ``rank_feature`` and ``rank_features`` fields: the positive numbers a
document may give them, one a field (or feature) a document, the bulk error of a value they
do not take, in OpenSearch's and Lucene's words, and their mappings as ``GET
index/_mapping`` shows them or OpenSearch refuses them."""

from __future__ import annotations

from typing import Any

import pytest
from test_opensearch_completion import unwrapped
from test_opensearch_range_fields import REFUSES, deliver, failed
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

MAPPING = {
    "properties": {
        "rank": {"type": "rank_feature"},
        "length": {"type": "rank_feature", "positive_score_impact": False},
        "topics": {"type": "rank_features"},
        "copied": {"type": "long", "copy_to": "rank"},
    }
}


def illegal(reason: str) -> tuple[str, str]:
    return ("illegal_argument_exception", reason)


def not_normal(got: str, feature: str, field: str) -> tuple[str, str]:
    """Lucene's refusal of a feature value below ``Float.MIN_NORMAL``."""
    return illegal(
        f"featureValue must be a positive normal float, got: {got} for feature {feature} on "
        f"field {field} which is less than the minimum positive normal float: 1.1754944E-38"
    )


def not_object(token: str) -> tuple[str, str]:
    return illegal(
        f"[rank_features] fields must be json objects, expected a START_OBJECT but got: {token}"
    )


def test_rank_fields_are_shown_as_opensearch_shows_them(fake: FirehoseFake) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                **MAPPING["properties"],
                "given": {"type": "rank_feature", "positive_score_impact": "true"},
                "meta": {"type": "rank_features", "meta": {"unit": "score"}},
            }
        },
    )

    assert shown["properties"] == {
        "rank": {"type": "rank_feature"},
        "length": {"type": "rank_feature", "positive_score_impact": False},
        "topics": {"type": "rank_features"},
        "copied": {"type": "long", "copy_to": ["rank"]},
        "given": {"type": "rank_feature"},
        "meta": {"type": "rank_features", "meta": {"unit": "score"}},
    }


def test_rank_fields_take_positive_numbers(fake: FirehoseFake, landing_s3: Any) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", MAPPING)
    taken = [
        b'{"rank": 8, "length": 2.5, "topics": {"politics": 20, "economics": "50.5"}}',
        b'{"rank": " 1e-3 ", "length": "4", "topics": {"a": null}}',
        b'{"rank": null, "length": [null, 1], "topics": [{"a": 1}, {"b": 2}]}',
        b'{"rank": [3], "topics": {}}',
    ]
    delivered, errors = deliver(fake, landing_s3, *taken)

    assert errors == []
    assert delivered == taken


def test_a_rank_value_they_do_not_take_fails_in_opensearchs_words(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", MAPPING)
    delivered, errors = deliver(
        fake,
        landing_s3,
        b'{"rank": -1}',
        b'{"rank": 0}',
        b'{"rank": 1e39}',
        b'{"rank": [1, 2]}',
        b'{"rank": "high"}',
        b'{"rank": ""}',
        b'{"rank": true}',
        b'{"length": 0}',
        b'{"length": 1e39}',
        b'{"copied": 5, "rank": 1}',
        b'{"topics": 5}',
        b'{"topics": null}',
        b'{"topics": {"a": {"b": 1}}}',
        b'{"topics": {"a": true}}',
        b'{"topics": {"a": -2}}',
        b'{"topics": {"a": "x"}}',
        b'{"topics": [{"a": 1}, {"a": 2}]}',
    )

    assert delivered == []
    assert errors == [
        failed(
            "rank",
            "rank_feature",
            "-1",
            not_normal("-1.0", "rank", "_feature"),
        ),
        failed(
            "rank",
            "rank_feature",
            "0",
            not_normal("0.0", "rank", "_feature"),
        ),
        failed(
            "rank",
            "rank_feature",
            "1.0E39",
            illegal(
                "featureValue must be finite, got: Infinity for feature rank on field _feature"
            ),
        ),
        failed(
            "rank",
            "rank_feature",
            "2",
            illegal(
                "[rank_feature] fields do not support indexing multiple values for the same "
                "field [rank] in the same document"
            ),
        ),
        failed(
            "rank", "rank_feature", "high", ("number_format_exception", 'For input string: "high"')
        ),
        failed("rank", "rank_feature", "", ("number_format_exception", "empty String")),
        failed("rank", "rank_feature", "true", None),
        failed(
            "length",
            "rank_feature",
            "0",
            illegal(
                "featureValue must be finite, got: Infinity for feature length on field _feature"
            ),
        ),
        failed(
            "length",
            "rank_feature",
            "1.0E39",
            not_normal("0.0", "length", "_feature"),
        ),
        failed(
            "rank",
            "rank_feature",
            "1",
            illegal(
                "[rank_feature] fields do not support indexing multiple values for the same "
                "field [rank] in the same document"
            ),
        ),
        unwrapped(*not_object("VALUE_NUMBER")),
        unwrapped(*not_object("VALUE_NULL")),
        unwrapped(
            "illegal_argument_exception",
            "[rank_features] fields take hashes that map a feature to a strictly positive float, "
            "but got unexpected token START_OBJECT",
        ),
        unwrapped(
            "illegal_argument_exception",
            "[rank_features] fields take hashes that map a feature to a strictly positive float, "
            "but got unexpected token VALUE_BOOLEAN",
        ),
        unwrapped(*not_normal("-2.0", "a", "topics")),
        unwrapped("number_format_exception", 'For input string: "x"'),
        unwrapped(
            "illegal_argument_exception",
            "[rank_features] fields do not support indexing multiple values for the same rank "
            "feature [topics.a] in the same document",
        ),
    ]


@pytest.mark.parametrize(
    ("definition", "refusal"),
    [
        (
            {"type": "rank_feature", "ignore_malformed": True},
            REFUSES + "unknown parameter [ignore_malformed] on mapper [r] of type [rank_feature]",
        ),
        (
            {"type": "rank_features", "positive_score_impact": False},
            REFUSES
            + "unknown parameter [positive_score_impact] on mapper [r] of type [rank_features]",
        ),
        (
            {"type": "rank_feature", "positive_score_impact": "no"},
            REFUSES + "Failed to parse value [no] as only [true] or [false] are allowed.",
        ),
        (
            {"type": "rank_feature", "positive_score_impact": None},
            REFUSES
            + "[positive_score_impact] on mapper [r] of type [rank_feature] must not have a "
            "[null] value",
        ),
        (
            {"type": "rank_feature", "copy_to": "other"},
            "field [r]: copy_to on a rank_feature field is not modelled",
        ),
        (
            {"type": "keyword", "fields": {"f": {"type": "rank_features"}}},
            "field [r.f]: a rank_features sub-field (in another field's fields) is not modelled",
        ),
    ],
)
def test_a_rank_mapping_opensearch_or_the_fake_refuses_is_a_usage_error(
    fake: FirehoseFake, definition: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"r": definition}})

    assert refusal in str(refused_mapping.value)
