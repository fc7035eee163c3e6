"""An OpenSearch index's own analysis (``index.analysis.*`` settings): the analyzers and
normalizers it defines, checked as OpenSearch checks them when it creates the index, and
named by its fields' ``analyzer`` and ``normalizer``."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

LOWERCASE = {"type": "custom", "tokenizer": "keyword", "filter": ["lowercase"]}
ANALYSIS = {
    "analysis": {
        "analyzer": {"my_lowercase": LOWERCASE},
        "normalizer": {"folded": {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
    }
}
SETTINGS = "OpenSearch refuses these settings: "
MAPPING = "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: "


def refusal(fake: FirehoseFake, settings: Any, mappings: Any = None) -> str:
    """The text of the refusal of ``settings`` (and ``mappings``), after where it is."""
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", mappings, settings=settings)
    return str(refused.value).split(": ", 1)[1]


def test_fields_name_the_analyzers_and_normalizers_the_index_defines(
    fake: FirehoseFake,
) -> None:
    mappings = {
        "properties": {
            "message": {
                "type": "text",
                "analyzer": "my_lowercase",
                "search_analyzer": "standard",
                "fields": {"exact": {"type": "text", "analyzer": "my_lowercase"}},
            },
            "host": {"type": "keyword", "normalizer": "folded"},
            "level": {"type": "keyword", "normalizer": "lowercase"},
            "words": {"type": "token_count", "analyzer": "my_lowercase"},
            "title": {"type": "search_as_you_type", "analyzer": "my_lowercase"},
            "suggest": {"type": "completion", "analyzer": "my_lowercase"},
        }
    }
    shown = fake.firehose.opensearch_index(DOMAIN, "logs-*", mappings, settings=ANALYSIS)
    stream = search(fake)
    put_batch(b'{"message": "Disk FULL", "host": "Web-1", "level": "WARN", "words": "a b"}')
    fake.firehose.flush()

    assert shown["properties"]["message"]["analyzer"] == "my_lowercase"
    assert shown["properties"]["host"] == {"type": "keyword", "normalizer": "folded"}
    assert len(stream.delivered) == 1
    assert stream.index_mappings[index_of(fake)]["properties"]["host"]["normalizer"] == "folded"


def test_flat_dotted_settings_define_analyzers_as_nested_ones_do(fake: FirehoseFake) -> None:
    settings = {
        "index.analysis.analyzer.my_lowercase.type": "custom",
        "index.analysis.analyzer.my_lowercase.tokenizer": "keyword",
        "analysis.analyzer.my_lowercase.filter": "lowercase, asciifolding",
        "index": {"analysis": {"normalizer": {"folded": {"filter": "lowercase"}}}},
    }
    mappings = {
        "properties": {
            "message": {"type": "text", "analyzer": "my_lowercase"},
            "host": {"type": "keyword", "normalizer": "folded"},
        }
    }

    shown = fake.firehose.opensearch_index(DOMAIN, "logs-*", mappings, settings=settings)

    assert shown["properties"]["message"] == {"type": "text", "analyzer": "my_lowercase"}


def test_a_field_naming_an_analyzer_no_setting_defines_is_still_refused(
    fake: FirehoseFake,
) -> None:
    mappings = {"properties": {"message": {"type": "text", "analyzer": "my_words"}}}

    assert refusal(fake, ANALYSIS, mappings) == (
        MAPPING + "analyzer [my_words] has not been configured in mappings (field [message], "
        "analyzer: the index has OpenSearch's built-in analyzers, arabic, armenian, basque, "
        "bengali, brazilian, bulgarian, catalan, chinese, cjk, classic, czech, danish, "
        "default, dutch, english, estonian, fingerprint, finnish, french, galician, german, "
        "greek, hindi, hungarian, indonesian, irish, italian, keyword, latvian, lithuanian, "
        "norwegian, pattern, persian, portuguese, romanian, russian, simple, snowball, "
        "sorani, spanish, standard, stop, swedish, thai, turkish, whitespace, and those its "
        "analysis settings define (my_lowercase))"
    )


def test_a_keyword_field_naming_a_normalizer_the_index_lacks_is_refused(
    fake: FirehoseFake,
) -> None:
    mappings = {"properties": {"log": {"properties": {"host": {"type": "keyword"}}}}}
    mappings["properties"]["log"]["properties"]["host"]["normalizer"] = "folded"

    assert refusal(fake, None, mappings) == (
        MAPPING + "normalizer [folded] not found for field [host] (the index has the built-in "
        "lowercase and those its analysis settings define)"
    )


@pytest.mark.parametrize(
    ("analysis", "reason"),
    [
        (
            {"analyzer": {"a": {"filter": ["lowercase"]}}},
            "analyzer [a] must specify either an analyzer type, or a tokenizer",
        ),
        (
            {"analyzer": {"a": {"type": "custom", "filter": ["lowercase"]}}},
            "Custom Analyzer [a] must be configured with a tokenizer",
        ),
        (
            {"analyzer": {"a": {"type": "ik_smart"}}},
            "Unknown analyzer type [ik_smart] for [a]",
        ),
        (
            {"analyzer": {"a": {"tokenizer": "icu_tokenizer"}}},
            "Custom Analyzer [a] failed to find tokenizer under name [icu_tokenizer]",
        ),
        (
            {"analyzer": {"a": {"tokenizer": "standard", "filter": ["lowercase", "synonym"]}}},
            "Custom Analyzer [a] failed to find filter under name [synonym]",
        ),
        (
            {"analyzer": {"a": {"tokenizer": "standard", "char_filter": ["mapping"]}}},
            "Custom Analyzer [a] failed to find char_filter under name [mapping]",
        ),
        (
            {"tokenizer": {"t": {"pattern": ","}}},
            "tokenizer [t] must specify either an analyzer type, or a tokenizer",
        ),
        ({"filter": {"f": {"type": "icu_folding"}}}, "Unknown filter type [icu_folding] for [f]"),
        (
            {"char_filter": {"c": {"type": "strip"}}},
            "Unknown char_filter type [strip] for [c]",
        ),
        (
            {"normalizer": {"n": {"type": "uppercase"}}},
            "Unknown normalizer type [uppercase] for [n]",
        ),
        (
            {"normalizer": {"n": {"tokenizer": "keyword"}}},
            "Custom normalizer [n] cannot configure a tokenizer",
        ),
        (
            {"normalizer": {"n": {"filter": ["stemmer"]}}},
            "Custom normalizer [n] may not use filter [stemmer]",
        ),
        (
            {"normalizer": {"n": {"char_filter": ["html_strip"]}}},
            "Custom normalizer [n] may not use char filter [html_strip]",
        ),
        (
            {
                "filter": {"m": {"type": "multiplexer", "filters": ["lowercase", "stop, mine"]}},
                "analyzer": {"a": {"tokenizer": "standard", "filter": ["m"]}},
            },
            "Multiplexing filter [m] refers to undefined tokenfilter [mine]",
        ),
        (
            {"analyzer": {"a": {"tokenizer": "standard", "filter": ["nGram"]}}},
            "The [nGram] token filter name was deprecated in 6.4 and cannot be used in new "
            "indices. Please change the filter name to [ngram] instead.",
        ),
        (
            {"analyzer": {"_a": {"type": "standard"}}},
            "analyzer name must not start with '_'. got \"_a\"",
        ),
    ],
)
def test_analysis_settings_opensearch_refuses_are_refused_in_its_words(
    fake: FirehoseFake, analysis: dict[str, Any], reason: str
) -> None:
    assert refusal(fake, {"analysis": analysis}).startswith(SETTINGS + reason)


def test_components_the_index_defines_make_its_analyzers(fake: FirehoseFake) -> None:
    analysis = {
        "char_filter": {"dashes": {"type": "mapping", "mappings": ["- => _"]}},
        "tokenizer": {"commas": {"type": "pattern", "pattern": ","}},
        "filter": {
            "synonyms": {"type": "synonym", "synonyms": ["err, error"]},
            "both": {"type": "multiplexer", "filters": ["lowercase", "synonyms"]},
        },
        "analyzer": {
            "default": {"tokenizer": "commas", "filter": ["both", "edge_ngram"]},
            "dashed": {"type": "custom", "tokenizer": "whitespace", "char_filter": "dashes"},
            "english_words": {"type": "english", "stopwords": "_english_"},
        },
        "normalizer": {"plain": {"char_filter": ["dashes"], "filter": ["asciifolding"]}},
    }
    mappings = {
        "properties": {
            "tags": {"type": "text"},
            "path": {"type": "text", "analyzer": "dashed", "search_analyzer": "default"},
            "body": {"type": "match_only_text", "analyzer": "english_words"},
            "sku": {"type": "keyword", "normalizer": "plain"},
        }
    }

    shown = fake.firehose.opensearch_index(
        DOMAIN, "logs-*", mappings, settings={"analysis": analysis}
    )

    assert shown["properties"]["sku"] == {"type": "keyword", "normalizer": "plain"}


def test_a_filter_whose_script_decides_is_not_modelled(fake: FirehoseFake) -> None:
    analysis = {"filter": {"short": {"type": "condition", "filter": ["lowercase"]}}}

    assert refusal(fake, {"analysis": analysis}) == (
        "the condition token filter [short] is not modelled (its script decides what each "
        "token becomes, and the fake runs no script): give the index filters without a script"
    )


def test_an_index_under_a_template_uses_the_analyzers_of_both_settings(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", settings={"analysis": {"analyzer": {"my_lowercase": LOWERCASE}}}
    )
    own = {
        "analysis": {"normalizer": {"folded": {"filter": ["asciifolding"]}}},
        "index": {"mapping": {"total_fields": {"limit": 50}}},
    }
    mappings = {
        "properties": {
            "message": {"type": "text", "analyzer": "my_lowercase"},
            "host": {"type": "keyword", "normalizer": "folded"},
        }
    }
    stream = search(fake)

    made = fake.firehose.opensearch_index(DOMAIN, index_of(fake), mappings, settings=own)
    put_batch(b'{"message": "Disk FULL", "host": "web"}')
    fake.firehose.flush()

    assert made["properties"]["message"] == {"type": "text", "analyzer": "my_lowercase"}
    assert len(stream.delivered) == 1


def test_a_dynamic_template_maps_new_fields_with_the_index_s_analyzer(
    fake: FirehoseFake,
) -> None:
    templates = [
        {
            "strings": {
                "match_mapping_type": "string",
                "mapping": {"type": "text", "analyzer": "my_lowercase"},
            }
        }
    ]
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"dynamic_templates": templates},
        settings={"analysis": {"analyzer": {"my_lowercase": LOWERCASE}}},
    )
    stream = search(fake)
    put_batch(b'{"message": "Disk FULL"}')
    fake.firehose.flush()

    assert stream.index_mappings[index_of(fake)]["properties"] == {
        "message": {"type": "text", "analyzer": "my_lowercase"}
    }


@pytest.mark.parametrize(
    "settings",
    [
        {"mapping": {"total_fields": {"limit": 1}}},
        {"index": {"mapping.total_fields.limit": 1}},
        {"mapping.total_fields.limit": 1},
    ],
)
def test_nested_and_unprefixed_settings_are_read_as_opensearch_reads_them(
    fake: FirehoseFake, settings: dict[str, Any]
) -> None:
    mappings = {"properties": {"a": {"type": "long"}, "b": {"type": "long"}}}

    assert refusal(fake, settings, mappings) == (
        "OpenSearch refuses this mapping: Limit of total fields [1] has been exceeded"
    )


DEFAULT_INDEX = (
    "setting [index.analysis.analyzer.default_index] is not supported anymore, use "
    "[index.analysis.analyzer.default] instead for index "
)


@pytest.mark.parametrize(
    ("index", "options", "named"),
    [
        ("logs", {}, "[logs]"),
        ("logs-*", {}, "[validate-template-<random id>]"),
        ("logs-*", {"order": 1}, "[<random id>]"),
    ],
)
def test_a_default_index_analyzer_is_refused_naming_the_index(
    fake: FirehoseFake, index: str, options: dict[str, Any], named: str
) -> None:
    """``AnalysisRegistry.build`` refuses an analyzer named ``default_index`` once the
    index's analyzers are built; a template's check index has a random name."""
    analysis = {"analyzer": {"default_index": {"type": "standard"}}}

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, index, settings={"analysis": analysis}, **options)

    assert f"{SETTINGS}{DEFAULT_INDEX}{named}" in str(refused.value)


def test_a_default_index_analyzer_fails_its_own_checks_first(fake: FirehoseFake) -> None:
    analysis = {"analyzer": {"default_index": {"tokenizer": "icu_tokenizer"}}}

    assert refusal(fake, {"analysis": analysis}).startswith(
        SETTINGS + "Custom Analyzer [default_index] failed to find tokenizer under name "
        "[icu_tokenizer]"
    )


def test_a_default_analyzer_is_taken(fake: FirehoseFake) -> None:
    analysis = {"analyzer": {"default": LOWERCASE}}
    mappings = {"properties": {"message": {"type": "text", "analyzer": "default"}}}

    made = fake.firehose.opensearch_index(DOMAIN, "logs", mappings, settings={"analysis": analysis})

    assert made["properties"]["message"] == {"type": "text", "analyzer": "default"}
