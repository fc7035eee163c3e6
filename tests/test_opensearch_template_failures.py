"""A dynamic template whose mapping OpenSearch's type parser refuses: taken and shown, as
OpenSearch only logs a deprecation for it, and failing the document whose new field it
maps, in OpenSearch's words."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError


@pytest.mark.parametrize(
    ("mapping", "error"),
    [
        (
            {"type": "text", "null_value": "x"},
            {
                "type": "mapper_parsing_exception",
                "reason": "unknown parameter [null_value] on mapper [t_1] of type [text]",
            },
        ),
        (
            {"type": "keyword", "ignore_above": None},
            {
                "type": "mapper_parsing_exception",
                "reason": "[ignore_above] on mapper [t_1] of type [keyword] must not have a "
                "[null] value",
            },
        ),
        (
            # No parser has the type: RootObjectMapper.findTemplateBuilder's words (a
            # Logstash bulk answer recorded "failed to find type parsed [string] for
            # [user_name]").
            {"type": "string"},
            {
                "type": "mapper_parsing_exception",
                "reason": "failed to find type parsed [string] for [t_1]",
            },
        ),
        (
            # The template's type has a parser: its sub-field's refusal (TypeParsers.
            # parseMultiField) passes through as it is.
            {"type": "keyword", "fields": {"raw": {"type": "string"}}},
            {
                "type": "mapper_parsing_exception",
                "reason": "no handler for type [string] declared on field [raw]",
            },
        ),
        (
            # An object's property: ObjectMapper.TypeParser.parseProperties's refusal.
            {"type": "object", "properties": {"inner": {"type": "string"}}},
            {
                "type": "mapper_parsing_exception",
                "reason": "No handler for type [string] declared on field [inner]",
            },
        ),
        (
            {"type": "text", "norms": "yes"},
            {
                "type": "mapper_parsing_exception",
                "reason": "failed to parse",
                "caused_by": {
                    "type": "illegal_argument_exception",
                    "reason": "Failed to parse value [yes] as only [true] or [false] are allowed.",
                },
            },
        ),
    ],
)
def test_a_template_opensearch_cannot_parse_is_kept_and_fails_the_document_it_maps(
    fake: FirehoseFake, landing_s3: Any, mapping: dict[str, Any], error: dict[str, Any]
) -> None:
    templates = [
        {"t": {"match": "t_*", "match_mapping_type": "string", "mapping": mapping}},
        {"n": {"match": "n_*", "mapping": {"type": "long"}}},
    ]
    shown = fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": templates})
    stream = search(fake)
    put_batch(b'{"n_1": 5}', b'{"n_2": 6, "t_1": "a"}', b'{"t_2": 7}')
    fake.firehose.flush()

    assert shown["dynamic_templates"][0] == {
        "t": {
            "match": "t_*",
            "match_mapping_type": "string",
            "mapping": {key: mapping[key] for key in sorted(mapping)},
        }
    }
    # t_2's number is no string: the template does not match it.
    assert stream.delivered == [b'{"n_1": 5}', b'{"t_2": 7}']
    assert errors(landing_s3) == [("400", error)]
    assert sorted(stream.index_mappings[index_of(fake)]["properties"]) == ["n_1", "t_2"]


def test_a_template_without_a_json_type_fails_only_where_its_mapping_does(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    # ignore_above is no parameter of text, long or boolean; an object leaves it unread.
    templates = [{"any": {"match": "*", "mapping": {"ignore_above": 10}}}]
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": templates})
    stream = search(fake)
    put_batch(b'{"o": {}}', b'{"s": "x"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"o": {}}']
    assert errors(landing_s3) == [
        (
            "400",
            {
                "type": "mapper_parsing_exception",
                "reason": "unknown parameter [ignore_above] on mapper [s] of type [text]",
            },
        )
    ]


def test_a_template_whose_type_leaves_parameters_unread_is_refused_as_not_modelled(
    fake: FirehoseFake,
) -> None:
    # OpenSearch would map the field without copy_to (checkNoRemainingFields is the mapping
    # parser's): the fake does not model that.
    mapping = {"type": "constant_keyword", "value": "a", "copy_to": "all"}
    templates = [{"c": {"match": "c_*", "mapping": mapping}}]

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": templates})

    assert "dynamic template [c]: the mapping it gives a new object field has parameters" in str(
        refused.value
    )
    assert "[copy_to : all]" in str(refused.value)
