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


@pytest.mark.parametrize("analyzer", ["default", "classic", "snowball", "chinese"])
def test_every_pre_built_analyzer_is_one_the_index_has(fake: FirehoseFake, analyzer: str) -> None:
    """``default`` (the server's other name for ``standard``), ``classic``, and the analysis
    module's ``snowball`` and ``chinese``: a mapping naming one is OpenSearch's to take."""
    field = {"type": "text", "analyzer": analyzer}

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


def test_dynamic_date_formats_decide_which_new_strings_are_dates_and_their_format(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN, "logs", {"dynamic_date_formats": ["MM/dd/yyyy", "yyyy-MM-dd"]}
    )
    stream = search(fake, "logs")
    put_batch(
        b'{"day": "12/06/2026", "other": "2026-12-06", "iso": "2026-12-06T10:00:00Z"}',
        b'{"day": "2026-12-06"}',
    )
    fake.firehose.flush()

    assert shown == {"dynamic_date_formats": ["MM/dd/yyyy", "yyyy-MM-dd"]}
    properties = fake.firehose.opensearch_mapping(DOMAIN, "logs")["properties"]
    assert properties["day"] == {"type": "date", "format": "MM/dd/yyyy"}
    assert properties["other"] == {"type": "date", "format": "yyyy-MM-dd"}
    assert properties["iso"]["type"] == "text"  # the default formats no longer apply
    assert len(stream.delivered) == 1
    [(_, error)] = errors(landing_s3)
    assert error["reason"].startswith("failed to parse field [day] of type [date]")


def test_dynamic_date_formats_none_makes_no_string_a_date(fake: FirehoseFake) -> None:
    shown = fake.firehose.opensearch_index(DOMAIN, "logs", {"dynamic_date_formats": "none"})
    search(fake, "logs")
    put_batch(b'{"at": "2026-12-06T10:00:00Z"}')
    fake.firehose.flush()

    assert shown == {"dynamic_date_formats": []}
    assert fake.firehose.opensearch_mapping(DOMAIN, "logs")["properties"]["at"]["type"] == "text"


def test_one_dynamic_date_format_is_shown_as_a_list_and_the_default_without_a_format(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs", {"dynamic_date_formats": "strict_date_optional_time||epoch_millis"}
    )
    search(fake, "logs")
    put_batch(b'{"at": "2026-12-06"}')
    fake.firehose.flush()

    mapping = fake.firehose.opensearch_mapping(DOMAIN, "logs")
    assert mapping["dynamic_date_formats"] == ["strict_date_optional_time||epoch_millis"]
    assert mapping["properties"]["at"] == {"type": "date"}


def test_one_dynamic_date_format_is_not_checked_for_epoch_formats(fake: FirehoseFake) -> None:
    """OpenSearch refuses an ``epoch_`` format only in a list of them."""
    shown = fake.firehose.opensearch_index(DOMAIN, "logs", {"dynamic_date_formats": "epoch_millis"})

    assert shown == {"dynamic_date_formats": ["epoch_millis"]}


@pytest.mark.parametrize(
    ("formats", "said"),
    [
        (
            ["yyyy-MM-dd", "epoch_millis"],
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Epoch "
            "[epoch_millis] is not supported as dynamic date format",
        ),
        (["week_date"], "the date format 'week_date' is not modelled"),
        (
            ["yyyy-MM-ddT"],
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Invalid format: "
            "[yyyy-MM-ddT]: Unknown pattern letter: T",
        ),
        (
            "dd.MM.yyyyT",
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Invalid format: "
            "[dd.MM.yyyyT]: Unknown pattern letter: T",
        ),
        (
            [1],
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Invalid format: "
            "[1]: expected string value",
        ),
        (
            True,
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Invalid format: "
            "[true]: expected string value",
        ),
        (
            "",
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: No date pattern "
            "provided",
        ),
        (
            ["yyyy-MM-dd||"],
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Cannot have empty "
            "element in multi date format pattern: yyyy-MM-dd||",
        ),
        ([None], "dynamic_date_formats is a list of date formats"),
    ],
)
def test_dynamic_date_formats_opensearch_or_the_fake_cannot_read_are_refused(
    fake: FirehoseFake, formats: Any, said: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs", {"dynamic_date_formats": formats})

    assert said in str(refused.value)


_REFUSES = "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: "
_TEXT_INDEX_OPTIONS = "accepted values are [positions, docs, freqs, offsets]"
_TERM_VECTORS = (
    "accepted values are [no, yes, with_positions, with_offsets, with_positions_offsets, "
    "with_positions_payloads, with_positions_offsets_payloads]"
)


def _refusal(fake: FirehoseFake, field: dict[str, Any]) -> str:
    """What ``opensearch_index`` refuses an index whose one field ``body`` is ``field``
    with, past the refusal's prefix (the field's path)."""
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"body": field}})
    text = str(refused.value)
    assert _REFUSES in text, text
    return text[text.index(_REFUSES) + len(_REFUSES) :]


@pytest.mark.parametrize(
    ("kind", "given", "refusal"),
    [
        (
            "text",
            {"index_options": "terms"},
            f"[terms] for field [index_options] - {_TEXT_INDEX_OPTIONS}",
        ),
        (
            "text",
            {"index_options": "DOCS"},
            f"[DOCS] for field [index_options] - {_TEXT_INDEX_OPTIONS}",
        ),
        ("text", {"index_options": 5}, f"[5] for field [index_options] - {_TEXT_INDEX_OPTIONS}"),
        ("text", {"term_vector": True}, f"[true] for field [term_vector] - {_TERM_VECTORS}"),
        ("text", {"term_vector": ["yes"]}, f"[[yes]] for field [term_vector] - {_TERM_VECTORS}"),
        (
            "match_only_text",
            {"index_options": "positions"},
            "[positions] for field [index_options] - accepted values are [docs]",
        ),
        (
            "match_only_text",
            {"term_vector": "all"},
            f"[all] for field [term_vector] - {_TERM_VECTORS}",
        ),
    ],
)
def test_a_text_field_s_index_options_or_term_vector_opensearch_lacks_is_refused_in_its_words(
    fake: FirehoseFake, kind: str, given: dict[str, Any], refusal: str
) -> None:
    assert _refusal(fake, {"type": kind, **given}) == f"Unknown value {refusal}"


def test_a_text_sub_field_s_index_options_is_checked_as_a_text_field_s(
    fake: FirehoseFake,
) -> None:
    mapping = {
        "properties": {
            "title": {
                "type": "keyword",
                "fields": {"words": {"type": "text", "index_options": "all"}},
            }
        }
    }

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs", mapping)

    assert str(refused.value).endswith(
        f": {_REFUSES}Unknown value [all] for field [index_options] - {_TEXT_INDEX_OPTIONS}"
    )


@pytest.mark.parametrize(
    ("kind", "index_options", "term_vector", "kept"),
    [
        (
            "text",
            "docs",
            "with_positions_offsets_payloads",
            {"index_options": "docs", "term_vector": "with_positions_offsets_payloads"},
        ),
        ("text", "offsets", "no", {"index_options": "offsets"}),
        ("match_only_text", "docs", "yes", {"term_vector": "yes"}),
    ],
)
def test_the_index_options_and_term_vectors_opensearch_takes_are_kept_and_shown(
    fake: FirehoseFake, kind: str, index_options: str, term_vector: str, kept: dict[str, str]
) -> None:
    """Each is shown where it is not the type's default (``positions`` for a ``text``
    field's ``index_options``, ``docs`` for a ``match_only_text``'s, ``no`` for
    ``term_vector``), as ``Parameter.toXContent`` writes only a configured parameter."""
    field = {"type": kind, "index_options": index_options, "term_vector": term_vector}

    shown = fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"body": field}})

    assert shown == {"properties": {"body": {"type": kind, **kept}}}


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        (
            {"index_options": "freqs", "position_increment_gap": 10},
            "Cannot set position_increment_gap on field [body] without positions enabled",
        ),
        (
            {"index": False, "position_increment_gap": 0},
            "Cannot set position_increment_gap on field [body] without positions enabled",
        ),
        (
            {"index_options": "docs", "index_phrases": True},
            "Cannot set index_phrases on field [body] if positions are not enabled",
        ),
        (
            {"index": "false", "index_phrases": True},
            "Cannot set index_phrases on unindexed field [body]",
        ),
        (
            {"index": False, "index_prefixes": {}},
            "Cannot set index_prefixes on unindexed field [body]",
        ),
    ],
)
def test_a_text_field_without_positions_refuses_what_needs_them(
    fake: FirehoseFake, given: dict[str, Any], refusal: str
) -> None:
    assert _refusal(fake, {"type": "text", **given}) == refusal


def test_a_text_field_with_positions_takes_phrases_and_a_gap(fake: FirehoseFake) -> None:
    field = {
        "type": "text",
        "index_options": "offsets",
        "index_phrases": True,
        "position_increment_gap": 10,
    }

    shown = fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"body": field}})

    assert shown == {"properties": {"body": field}}


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ({"norms": "yes"}, "Failed to parse value [yes] as only [true] or [false] are allowed."),
        ({"index": 0}, "Failed to parse value [0] as only [true] or [false] are allowed."),
        ({"store": "True"}, "Failed to parse value [True] as only [true] or [false] are allowed."),
        (
            {"fielddata": ["true"]},
            "Failed to parse value [[true]] as only [true] or [false] are allowed.",
        ),
        (
            {"eager_global_ordinals": {"on": True}},
            "Failed to parse value [{on=true}] as only [true] or [false] are allowed.",
        ),
        (
            {"norms": True, "index_phrases": "on", "store": "no"},
            "Failed to parse value [on] as only [true] or [false] are allowed.",
        ),
        (
            {"index_phrases": None},
            "[index_phrases] on mapper [body] of type [text] must not have a [null] value",
        ),
    ],
)
def test_a_text_field_s_booleans_are_read_as_opensearch_reads_them(
    fake: FirehoseFake, given: dict[str, Any], refusal: str
) -> None:
    assert _refusal(fake, {"type": "text", **given}) == refusal


def test_a_text_field_s_boolean_strings_are_shown_as_booleans(fake: FirehoseFake) -> None:
    field = {"type": "text", "norms": "false", "fielddata": "true", "store": True}

    shown = fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"body": field}})

    assert shown["properties"]["body"] == {
        "type": "text",
        "norms": False,
        "fielddata": True,
        "store": True,
    }
