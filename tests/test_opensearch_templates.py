"""An OpenSearch index's ``dynamic_templates``: the first template that matches a new field
decides its mapping, a field none matches is mapped as dynamic mapping maps it, and a
document whose value the template's field cannot take fails as any other does."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import TEXT, errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

TEMPLATES = [
    {"ids": {"match": "*_id", "mapping": {"type": "keyword"}}},
    {"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}},
    {"items": {"match": "items", "match_mapping_type": "object", "mapping": {"type": "nested"}}},
]


def test_the_first_template_that_matches_a_new_field_maps_it(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": TEMPLATES})
    stream = search(fake)
    put_batch(
        b'{"user_id": 7, "name": "tea", "price": 10, "at": "2026-12-06T10:00:00Z",'
        b' "items": [{"sku": "a"}], "buyer": {"name": "ann"}}'
    )
    fake.firehose.flush()

    assert stream.index_mappings[index_of(fake)]["properties"] == {
        "at": {"type": "date"},  # a string date detection reads is a date, not a string
        "buyer": {"properties": {"name": {"type": "keyword"}}},
        "items": {"type": "nested", "properties": {"sku": {"type": "keyword"}}},
        "name": {"type": "keyword"},
        "price": {"type": "long"},  # no template matches: mapped as dynamic mapping maps it
        "user_id": {"type": "keyword"},  # the first match wins over "strings"
    }


def test_a_mapping_shows_its_templates_as_opensearch_shows_them(fake: FirehoseFake) -> None:
    given = {
        "dynamic": "true",
        "dynamic_templates": [
            {"ids": {"match": "*_id", "match_mapping_type": "*", "mapping": {"type": "keyword"}}},
            {
                "numbers": {
                    "match_mapping_type": "long",
                    "mapping": {"type": "integer", "coerce": False},
                }
            },
            {
                "any": {
                    "unmatch": "x",
                    "match_mapping_type": "*",
                    "mapping": {"type": "{dynamic_type}", "index": False},
                }
            },
            {
                "codes": {
                    "match": "^[A-Z]+$",
                    "match_pattern": "regex",
                    "mapping": {"type": "keyword"},
                }
            },
        ],
    }
    shown = {
        "dynamic": "true",
        "dynamic_templates": [
            {"ids": {"match": "*_id", "mapping": {"type": "keyword"}}},
            {
                "numbers": {
                    "match_mapping_type": "long",
                    "mapping": {"coerce": False, "type": "integer"},
                }
            },
            {
                "any": {
                    "unmatch": "x",
                    "match_mapping_type": "*",
                    "mapping": {"index": False, "type": "{dynamic_type}"},
                }
            },
            {
                "codes": {
                    "match": "^[A-Z]+$",
                    "match_pattern": "regex",
                    "mapping": {"type": "keyword"},
                }
            },
        ],
    }

    assert fake.firehose.opensearch_index(DOMAIN, "logs-*", given) == shown
    stream = search(fake)
    put_batch(b'{"SKU": 1, "count": 2, "ratio": 0.5, "x": "y"}')
    fake.firehose.flush()
    assert stream.index_mappings[index_of(fake)] == {
        **shown,
        "properties": {
            "SKU": {"type": "integer", "coerce": False},  # "numbers" comes before "codes"
            "count": {"type": "integer", "coerce": False},
            "ratio": {"type": "float", "index": False},  # a fraction's dynamic type: float
            "x": TEXT,  # unmatched: no template
        },
    }


@pytest.mark.parametrize(
    ("template", "document", "mapped"),
    [
        pytest.param(
            {"path_match": "labels.*", "mapping": {"type": "keyword"}},
            b'{"labels": {"team": 1}, "team": 1}',
            {"labels": {"properties": {"team": {"type": "keyword"}}}, "team": {"type": "long"}},
            id="path_match",
        ),
        pytest.param(
            {
                "match_mapping_type": "string",
                "path_unmatch": "raw.*",
                "mapping": {"type": "keyword"},
            },
            b'{"raw": {"n": "1"}, "n": "1"}',
            {"n": {"type": "keyword"}, "raw": {"properties": {"n": TEXT}}},
            id="path_unmatch",
        ),
        pytest.param(
            {"match": "*_ms", "unmatch": "total_ms", "mapping": {"type": "long"}},
            b'{"wait_ms": "5", "total_ms": "5"}',
            {"total_ms": TEXT, "wait_ms": {"type": "long"}},
            id="unmatch",
        ),
        pytest.param(
            {"match_mapping_type": "date", "mapping": {"type": "keyword"}},
            b'{"at": "2026/12/06", "note": "x"}',
            {"at": {"type": "keyword"}, "note": TEXT},
            id="date-detected",
        ),
        pytest.param(
            {"match_mapping_type": "date", "mapping": {"type": "date", "ignore_malformed": True}},
            b'{"day": "2026/12/06"}',
            {
                "day": {
                    "type": "date",
                    "ignore_malformed": True,
                    "format": "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis",
                }
            },
            id="date-takes-the-detected-format",
        ),
        pytest.param(
            {"match_mapping_type": "double", "mapping": {"type": "double"}},
            b'{"ratio": 0.5, "count": 1}',
            {"count": {"type": "long"}, "ratio": {"type": "double"}},
            id="double",
        ),
        pytest.param(
            {"match_mapping_type": "boolean", "mapping": {"type": "keyword"}},
            b'{"paid": true}',
            {"paid": {"type": "keyword"}},
            id="boolean",
        ),
        pytest.param(
            {"match": "meta", "mapping": {"type": "object", "enabled": False}},
            b'{"meta": {"a": 1}}',
            # No properties: ObjectMapper.toXContent writes its type.
            {"meta": {"type": "object", "enabled": False}},
            id="object-disabled",
        ),
        pytest.param(
            {"match": "a", "mapping": {"type": "object", "dynamic": "false"}},
            b'{"a.b": 1}',
            {"a": {"type": "object", "dynamic": "false"}},
            id="dotted-name-through-a-template-object",
        ),
        pytest.param(
            {"match": "*", "mapping": {"type": "keyword", "meta": {"from": "{name}"}}},
            b'{"sku": "x"}',
            {"sku": {"type": "keyword", "meta": {"from": "sku"}}},
            id="name-placeholder",
        ),
    ],
)
def test_each_template_parameter_decides_which_new_fields_it_maps(
    fake: FirehoseFake, template: dict[str, Any], document: bytes, mapped: dict[str, Any]
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"dynamic_templates": [{"t": template}], "date_detection": True}
    )
    stream = search(fake)
    put_batch(document)
    fake.firehose.flush()

    assert stream.delivered == [document]
    assert stream.index_mappings[index_of(fake)]["properties"] == mapped


def test_numeric_detection_matches_a_numeric_string_as_long_or_double(
    fake: FirehoseFake,
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "numeric_detection": True,
            "dynamic_templates": [
                {"l": {"match_mapping_type": "long", "mapping": {"type": "integer"}}},
                {"d": {"match_mapping_type": "double", "mapping": {"type": "double"}}},
            ],
        },
    )
    stream = search(fake)
    put_batch(b'{"n": "12", "r": "1.5"}')
    fake.firehose.flush()

    assert stream.index_mappings[index_of(fake)]["properties"] == {
        "n": {"type": "integer"},
        "r": {"type": "double"},
    }


@pytest.mark.parametrize(
    ("template", "document", "error"),
    [
        pytest.param(
            {"match": "*_id", "mapping": {"type": "integer"}},
            b'{"user_id": "abc"}',
            {
                "type": "mapper_parsing_exception",
                "reason": "failed to parse field [user_id] of type [integer] in document with "
                "id '{id}'. Preview of field's value: 'abc'",
                "caused_by": {
                    "type": "illegal_argument_exception",
                    "reason": 'For input string: "abc"',
                },
            },
            id="value-the-templates-field-refuses",
        ),
        pytest.param(
            {"match": "*", "mapping": {"type": "keyword"}},
            b'{"buyer": {"id": 1}}',
            {
                "type": "mapper_parsing_exception",
                "reason": "failed to parse field [buyer] of type [keyword] in document with "
                "id '{id}'. Preview of field's value: '{id=1}'",
            },
            id="an-object-a-keyword-template-matches",
        ),
        pytest.param(
            {"match": "a", "mapping": {"type": "nested"}},
            b'{"a.b": 1}',
            {
                "type": "mapper_parsing_exception",
                "reason": "It is forbidden to create dynamic nested objects ([a]) through "
                "`copy_to` or dots in field names",
            },
            id="nested-through-a-dotted-name",
        ),
        pytest.param(
            {"match": "tags", "mapping": {"type": "object"}},
            b'{"tags": "x"}',
            {
                "type": "mapper_parsing_exception",
                "reason": "object mapping for [tags] tried to parse field [tags] as object, "
                "but found a concrete value",
            },
            id="a-value-an-object-template-matches",
        ),
    ],
)
def test_a_value_the_templates_field_cannot_take_fails_its_document(
    fake: FirehoseFake,
    landing_s3: Any,
    template: dict[str, Any],
    document: bytes,
    error: dict[str, Any],
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": [{"t": template}]})
    stream = search(fake)
    _, refused_id = put_batch(b'{"other": 1}', document)
    fake.firehose.flush()

    assert stream.delivered == [b'{"other": 1}']
    [(code, message)] = errors(landing_s3)
    assert (code, message) == (
        "400",
        {**error, "reason": error["reason"].replace("{id}", refused_id)},
    )


def test_an_index_pattern_gives_its_templates_to_each_index_made(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic_templates": [
                {"s": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}}
            ]
        },
    )
    stream = search(fake)
    put_batch(b'{"a": "x"}')
    fake.firehose.flush()
    fake.firehose.clock.advance(days=1)
    put_batch(b'{"b": "y"}')
    fake.firehose.flush()

    assert [mapping["properties"] for mapping in stream.index_mappings.values()] == [
        {"a": {"type": "keyword"}},
        {"b": {"type": "keyword"}},
    ]


@pytest.mark.parametrize(
    ("templates", "refusal"),
    [
        ({"ids": {}}, "Dynamic template syntax error. An array of named objects is expected"),
        (
            [{"a": {"match": "x", "mapping": {}}, "b": {}}],
            "A dynamic template must be defined with a name",
        ),
        ([{"ids": {"match": "*_id"}}], "dynamic template [ids]: template must have mapping set"),
        (
            [{"ids": {"mapping": {"type": "keyword"}}}],
            "template must have match, path_match or match_mapping_type set",
        ),
        (
            [{"ids": {"match_mapping_type": "text", "mapping": {"type": "keyword"}}}],
            "No field type matched on [text], possible values are [object, string, long, double, "
            "boolean, date, binary]",
        ),
        (
            [{"ids": {"match": "x", "match_pattern": "glob", "mapping": {}}}],
            "No matching pattern matched on [glob]",
        ),
        (
            [{"ids": {"match": "(", "match_pattern": "regex", "mapping": {}}}],
            "Pattern [(] of type [regex] is invalid",
        ),
        (
            [{"ids": {"match": "x", "mapping": {}, "priority": 1}}],
            "Illegal dynamic template parameter: [priority]",
        ),
        (
            [{"ids": {"match_mapping_type": "string", "mapping": {"type": "percolator"}}}],
            "dynamic template [ids]: the mapping it gives a new string field is not one the "
            "fake takes: field [__dynamic__ids]: the type 'percolator' is not modelled",
        ),
        (
            [{"ids": {"match": "*", "mapping": {"fielddata_frequency_filter": {}}}}],
            'give the template a "match_mapping_type" to apply it to one type',
        ),
    ],
)
def test_a_template_opensearch_or_the_fake_refuses_is_a_usage_error(
    fake: FirehoseFake, templates: Any, refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": templates})

    assert refusal in str(refused.value)
