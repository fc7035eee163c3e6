"""The parameters each core OpenSearch field type takes: those its mapper's builder declares
(``Builder.getParameters()``), with ``copy_to`` and ``fields``. One it does not declare is
refused in OpenSearch's words, unless it is one of the parameters OpenSearch once read on
every field (``store``, ``meta``, ``boost``, ``index``, ``doc_values``, ``index_options``,
``similarity``): that one is taken and dropped, as OpenSearch drops it with a deprecation
warning. A mapping that works here works on the real cluster, and the other way round."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

REFUSES = "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: "


def shown(fake: FirehoseFake, field: dict[str, Any]) -> Any:
    """The field ``v`` as the index a mapping of ``field`` makes shows it."""
    mapping = fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"v": field}})
    return mapping["properties"]["v"]


@pytest.mark.parametrize(
    ("field", "kept"),
    [
        ({"type": "text", "doc_values": False}, {"type": "text"}),
        ({"type": "match_only_text", "doc_values": True}, {"type": "match_only_text"}),
        ({"type": "binary", "index": False, "boost": 2}, {"type": "binary"}),
        ({"type": "ip", "boost": 2}, {"type": "ip"}),
        ({"type": "long", "boost": 2, "store": True}, {"type": "long", "store": True}),
        ({"type": "unsigned_long", "boost": 2}, {"type": "unsigned_long"}),
        (
            {"type": "scaled_float", "scaling_factor": 10, "boost": 2},
            {"type": "scaled_float", "scaling_factor": 10.0},
        ),
        ({"type": "wildcard", "index": False, "store": True, "boost": 2}, {"type": "wildcard"}),
        (
            {"type": "token_count", "analyzer": "standard", "boost": 2, "similarity": "BM25"},
            {"type": "token_count", "analyzer": "standard"},
        ),
        (
            {"type": "float", "index_options": "docs", "similarity": "boolean"},
            {"type": "float"},
        ),
    ],
)
def test_a_parameter_the_type_lacks_that_every_field_once_took_is_dropped(
    fake: FirehoseFake, field: dict[str, Any], kept: dict[str, Any]
) -> None:
    """``ParametrizedFieldMapper.Builder.parse``: ``Parameter [boost] has no effect on type
    [ip] and will be removed in future`` (a warning), and the parameter is gone from the
    mapping OpenSearch shows."""
    assert shown(fake, field) == kept


@pytest.mark.parametrize(
    "field",
    [
        {"type": "keyword", "boost": 2, "doc_values": False},
        {"type": "boolean", "boost": 2, "null_value": True},
        {"type": "date", "boost": 2, "index": False},
        {"type": "binary", "doc_values": True, "store": True},
        {"type": "wildcard", "doc_values": False, "null_value": "-"},
        {"type": "text", "boost": 2, "store": True},
        {"type": "geo_point", "boost": 2, "doc_values": False},
    ],
)
def test_a_parameter_the_type_declares_is_kept_and_shown(
    fake: FirehoseFake, field: dict[str, Any]
) -> None:
    assert shown(fake, field) == field


@pytest.mark.parametrize(
    ("field", "unknown"),
    [
        ({"type": "text", "null_value": "none"}, "null_value"),
        ({"type": "match_only_text", "null_value": "none"}, "null_value"),
        ({"type": "binary", "null_value": "aGk="}, "null_value"),
        ({"type": "keyword", "on_script_error": "fail"}, "on_script_error"),
        ({"type": "keyword", "analyzer": "standard"}, "analyzer"),
        ({"type": "long", "format": "0.00"}, "format"),
        ({"type": "ip", "coerce": False}, "coerce"),
        ({"type": "boolean", "ignore_malformed": True}, "ignore_malformed"),
        ({"type": "wildcard", "eager_global_ordinals": True}, "eager_global_ordinals"),
        ({"type": "date", "coerce": True}, "coerce"),
        ({"type": "token_count", "analyzer": "standard", "ignore_above": 5}, "ignore_above"),
    ],
)
def test_a_parameter_the_type_lacks_is_refused_in_opensearch_s_words(
    fake: FirehoseFake, field: dict[str, Any], unknown: str
) -> None:
    with pytest.raises(UsageError) as refused:
        shown(fake, field)

    assert (
        f"{REFUSES}unknown parameter [{unknown}] on mapper [v] of type [{field['type']}]"
    ) in str(refused.value)


def test_the_first_parameter_opensearch_lacks_is_the_one_named(fake: FirehoseFake) -> None:
    """An unknown parameter is refused in OpenSearch's words even after one the fake does
    not model (OpenSearch takes that one, and refuses the unknown)."""
    field = {"type": "text", "fielddata_frequency_filter": {"min": 0.1}, "null_value": "x"}

    with pytest.raises(UsageError, match=r"unknown parameter \[null_value\] on mapper \[v\]"):
        shown(fake, field)


def test_a_sub_field_is_read_as_a_field_is_and_named_by_its_own_name(
    fake: FirehoseFake,
) -> None:
    dropped = {"type": "keyword", "fields": {"words": {"type": "text", "doc_values": False}}}
    assert shown(fake, dropped) == {"type": "keyword", "fields": {"words": {"type": "text"}}}

    refused = {"type": "keyword", "fields": {"words": {"type": "text", "null_value": "x"}}}
    with pytest.raises(UsageError) as error:
        shown(fake, refused)
    assert f"{REFUSES}unknown parameter [null_value] on mapper [words] of type [text]" in str(
        error.value
    )


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ({"type": "keyword", "ignore_above": None}, "ignore_above"),
        ({"type": "long", "coerce": None}, "coerce"),
        ({"type": "date", "format": None}, "format"),
        ({"type": "text", "analyzer": None}, "analyzer"),
        ({"type": "binary", "store": None}, "store"),
        ({"type": "wildcard", "normalizer": None}, "normalizer"),
    ],
)
def test_null_for_a_declared_parameter_is_refused_in_opensearch_s_words(
    fake: FirehoseFake, field: dict[str, Any], key: str
) -> None:
    with pytest.raises(UsageError) as refused:
        shown(fake, field)

    assert (
        f"{REFUSES}[{key}] on mapper [v] of type [{field['type']}] must not have a [null] value"
    ) in str(refused.value)


@pytest.mark.parametrize("kind", ["keyword", "long", "ip", "date", "boolean", "wildcard"])
def test_a_null_null_value_is_taken_and_not_shown(fake: FirehoseFake, kind: str) -> None:
    """``null`` is the parameter's default, so OpenSearch's mapping leaves it out."""
    assert shown(fake, {"type": kind, "null_value": None}) == {"type": kind}


def test_a_null_parameter_the_type_lacks_but_once_took_is_dropped(fake: FirehoseFake) -> None:
    assert shown(fake, {"type": "ip", "boost": None}) == {"type": "ip"}


@pytest.mark.parametrize(
    ("field", "unsupported"),
    [
        (
            {"type": "constant_keyword", "value": "prod", "copy_to": "all"},
            "[env] has unsupported parameters:  [copy_to : all]",
        ),
        (
            {"type": "constant_keyword", "value": "prod", "fields": {"k": {"type": "keyword"}}},
            "[env] has unsupported parameters:  [fields : {k={type=keyword}}]",
        ),
        (
            {"type": "constant_keyword", "value": "prod", "boost": 2, "meta": {"a": "b"}},
            "[env] has unsupported parameters:  [boost : 2] [meta : {a=b}]",
        ),
        (
            {"type": "alias", "path": "k", "extra": "x"},
            "[env] has unsupported parameters:  [extra : x]",
        ),
    ],
)
def test_constant_keyword_and_alias_refuse_any_other_parameter(
    fake: FirehoseFake, field: dict[str, Any], unsupported: str
) -> None:
    """Their type parsers read ``value`` (``path``) alone; what is left is refused by
    ``DocumentMapperParser.checkNoRemainingFields``, ``copy_to`` and ``fields`` too."""
    mapping = {"properties": {"k": {"type": "keyword"}, "all": {"type": "text"}, "env": field}}

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs", mapping)

    assert f"{REFUSES}Mapping definition for {unsupported}" in str(refused.value)


def test_a_constant_keyword_sub_field_is_named_fields_in_the_refusal(fake: FirehoseFake) -> None:
    field = {"type": "keyword", "fields": {"c": {"type": "constant_keyword", "value": "x", "a": 1}}}

    with pytest.raises(UsageError) as refused:
        shown(fake, field)

    assert f"{REFUSES}Mapping definition for [fields] has unsupported parameters:  [a : 1]" in str(
        refused.value
    )


def test_a_pattern_s_mapping_gets_the_same_answers(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError, match=r"unknown parameter \[null_value\] on mapper \[v\]"):
        fake.firehose.opensearch_index(
            DOMAIN, "logs-*", {"properties": {"v": {"type": "text", "null_value": "x"}}}
        )
    with pytest.raises(UsageError, match=r"unknown parameter \[null_value\] on mapper \[v\]"):
        fake.firehose.opensearch_index(
            DOMAIN, "old-*", {"properties": {"v": {"type": "text", "null_value": "x"}}}, order=1
        )


def test_a_dynamic_template_s_mapping_gets_the_same_answers(fake: FirehoseFake) -> None:
    # A template OpenSearch's parser refuses is taken (a deprecation): the document fails
    # (tests/test_opensearch_template_failures.py).
    dropping = [{"n": {"match": "n_*", "mapping": {"type": "long", "boost": 2}}}]
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": dropping})
    stream = search(fake)
    put_batch(b'{"n_1": 5}')
    fake.firehose.flush()

    assert stream.index_mappings[index_of(fake)]["properties"] == {"n_1": {"type": "long"}}


@pytest.mark.parametrize(
    ("field", "gone"),
    [
        ({"type": "completion", "boost": 2, "index": False, "doc_values": True}, "boost"),
        ({"type": "search_as_you_type", "boost": 2}, "boost"),
        ({"type": "rank_feature", "boost": 2, "index": False}, "index"),
        ({"type": "rank_features", "store": True, "doc_values": False}, "store"),
        ({"type": "integer_range", "similarity": "BM25", "index_options": "docs"}, "similarity"),
    ],
)
def test_types_read_by_their_own_modules_drop_those_parameters_too(
    fake: FirehoseFake, field: dict[str, Any], gone: str
) -> None:
    """``completion``, ``search_as_you_type``, the rank features and the ranges have
    ``ParametrizedFieldMapper`` builders too: what they lack of those parameters is
    dropped, not refused."""
    made = shown(fake, field)

    assert made["type"] == field["type"]
    assert not set(made) & (set(field) - {"type"}), made
    assert gone not in made


@pytest.mark.parametrize(
    "field",
    [
        {"type": "keyword"},
        {"type": "text"},
        {"type": "long"},
        {"type": "date"},
        {"type": "boolean"},
        {"type": "binary"},
        {"type": "completion"},
        {"type": "search_as_you_type"},
        {"type": "rank_feature"},
        {"type": "rank_features"},
    ],
)
def test_a_null_meta_is_refused_as_metaparam_accepts_no_null(
    fake: FirehoseFake, field: dict[str, Any]
) -> None:
    """``Parameter.metaParam()`` is not ``acceptsNull()``, so ``Builder.parse`` refuses a
    ``null`` for it as for any other declared parameter."""
    with pytest.raises(UsageError) as refused:
        shown(fake, {**field, "meta": None})

    assert (
        f"{REFUSES}[meta] on mapper [v] of type [{field['type']}] must not have a [null] value"
    ) in str(refused.value)


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ({"type": "geo_point", "meta": None}, "meta"),
        ({"type": "geo_point", "store": None}, "store"),
        ({"type": "geo_shape", "meta": None}, "meta"),
        ({"type": "geo_shape", "doc_values": None}, "doc_values"),
    ],
)
def test_a_null_parameter_of_a_geo_field_is_refused_as_parse_field_refuses_it(
    fake: FirehoseFake, field: dict[str, Any], key: str
) -> None:
    """``geo_point`` and ``geo_shape`` are no ``ParametrizedFieldMapper``s:
    ``TypeParsers.parseField``'s ``checkNull`` refuses the ``null``, without the mapper's
    name."""
    with pytest.raises(UsageError) as refused:
        shown(fake, field)

    assert f"{REFUSES}[{key}] must not have a [null] value" in str(refused.value)
