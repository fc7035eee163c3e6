"""The OpenSearch field types whose values are read their own way: ``alias`` (no document
writes to it), ``constant_keyword`` (one value) and ``token_count`` (any value but an
object): each failing a document with OpenSearch's error, and each mapping OpenSearch
refuses refused in its words."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

ALIASED = {
    "properties": {
        "user": {"properties": {"id": {"type": "keyword"}}},
        "uid": {"type": "alias", "path": "user.id"},
        "text": {"type": "text", "copy_to": "uid"},
    }
}


def failed_to_parse(reason: str) -> tuple[str, dict[str, Any]]:
    return (
        "400",
        {
            "type": "mapper_parsing_exception",
            "reason": "failed to parse",
            "caused_by": {"type": "illegal_argument_exception", "reason": reason},
        },
    )


def test_no_document_writes_to_an_alias(fake: FirehoseFake, landing_s3: Any) -> None:
    shown = fake.firehose.opensearch_index(DOMAIN, "logs-*", ALIASED)
    stream = search(fake)
    put_batch(
        b'{"user": {"id": "u1"}}',
        b'{"uid": "u2"}',
        b'{"uid": null}',
        b'{"uid.x": 1}',
        b'{"text": "copied"}',
    )
    fake.firehose.flush()

    assert shown["properties"]["uid"] == {"type": "alias", "path": "user.id"}
    assert stream.delivered == [b'{"user": {"id": "u1"}}']
    assert errors(landing_s3) == [
        failed_to_parse("Cannot write to a field alias [uid]."),
        failed_to_parse("Cannot write to a field alias [uid]."),
        (
            "400",
            {
                "type": "mapper_parsing_exception",
                "reason": "Could not dynamically add mapping for field [uid.x]. Existing "
                "mapping for [uid] must be of type object but found [alias].",
            },
        ),
        failed_to_parse("Cannot copy to a field alias [uid]."),
    ]


@pytest.mark.parametrize(
    ("properties", "refusal"),
    [
        (
            {"a": {"type": "alias"}},
            "Failed to parse mapping [_doc]: The [path] property must be specified for field [a].",
        ),
        (
            {"a": {"type": "alias", "path": "a"}},
            "Invalid [path] value [a] for field alias [a]: an alias cannot refer to itself.",
        ),
        (
            {"a": {"type": "alias", "path": "nope"}},
            "Invalid [path] value [nope] for field alias [a]: an alias must refer to an existing "
            "field in the mappings.",
        ),
        (
            {"o": {"properties": {}}, "a": {"type": "alias", "path": "o"}},
            "Invalid [path] value [o] for field alias [a]: an alias must refer to an existing "
            "field in the mappings.",
        ),
        (
            {
                "k": {"type": "keyword"},
                "b": {"type": "alias", "path": "k"},
                "a": {"type": "alias", "path": "b"},
            },
            "Invalid [path] value [b] for field alias [a]: an alias cannot refer to another alias.",
        ),
        (
            {
                "n": {"type": "nested", "properties": {"k": {"type": "keyword"}}},
                "a": {"type": "alias", "path": "n.k"},
            },
            "Invalid [path] value [n.k] for field alias [a]: an alias must have the same nested "
            "scope as its target. The alias is not nested, but the target's nested scope is [n].",
        ),
        (
            {"k": {"type": "keyword", "fields": {"a": {"type": "alias", "path": "k"}}}},
            "field [k.a]: Type [alias] cannot be used in multi field",
        ),
        (
            {"c": {"type": "constant_keyword"}},
            "Failed to parse mapping [_doc]: Field [c] is missing required parameter [value]",
        ),
        (
            {"c": {"type": "constant_keyword", "value": 1}},
            "Failed to parse mapping [_doc]: Field [c] is expected to be a string value",
        ),
        (
            {"t": {"type": "token_count"}},
            "Failed to parse mapping [_doc]: Analyzer must be set for field [t] but wasn't.",
        ),
        (
            {"t": {"type": "token_count", "analyzer": "my_analyzer"}},
            "Failed to parse mapping [_doc]: analyzer [my_analyzer] has not been configured in "
            "mappings (field [t], analyzer:",
        ),
        (
            {"c": {"type": "constant_keyword", "value": "x", "index": False}},
            "Failed to parse mapping [_doc]: Mapping definition for [c] has unsupported "
            "parameters:  [index : false]",
        ),
    ],
)
def test_a_mapping_of_these_types_opensearch_refuses_is_refused(
    fake: FirehoseFake, properties: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": properties})

    assert refusal in str(refused.value)


def test_an_alias_is_not_made_by_a_dynamic_template(fake: FirehoseFake) -> None:
    template = {"a": {"match": "a_*", "mapping": {"type": "alias", "path": "k"}}}

    with pytest.raises(UsageError, match="an alias made by a dynamic template is not modelled"):
        fake.firehose.opensearch_index(
            DOMAIN,
            "logs-*",
            {"dynamic_templates": [template], "properties": {"k": {"type": "keyword"}}},
        )


def test_a_constant_keyword_takes_its_value_only(fake: FirehoseFake, landing_s3: Any) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "env": {"type": "constant_keyword", "value": "prod"},
                "n": {"type": "long"},
            }
        },
    )
    stream = search(fake)
    put_batch(
        b'{"env": "prod", "n": 1}',
        b'{"n": 2}',
        b'{"env": ["prod", "prod"]}',
        b'{"env": "dev"}',
        b'{"env": null}',
        b'{"env": 5}',
    )
    fake.firehose.flush()

    assert stream.delivered == [
        b'{"env": "prod", "n": 1}',
        b'{"n": 2}',
        b'{"env": ["prod", "prod"]}',
    ]
    ids = [document["_id"] for document in stream.documents]
    assert len(ids) == 3
    reasons = [
        (code, message["reason"].split(" in document with id ")[0], message["caused_by"])
        for code, message in errors(landing_s3)
    ]
    wrong = {
        "type": "illegal_argument_exception",
        "reason": "constant keyword field [env] must have a value of [prod]",
    }
    assert reasons == [
        ("400", "failed to parse field [env] of type [constant_keyword]", wrong),
        (
            "400",
            "failed to parse field [env] of type [constant_keyword]",
            {
                "type": "illegal_argument_exception",
                "reason": "constant keyword field [env] must have a value",
            },
        ),
        ("400", "failed to parse field [env] of type [constant_keyword]", wrong),
    ]
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"]["env"] == {
        "type": "constant_keyword",
        "value": "prod",
    }


def test_a_token_count_takes_any_value_but_an_object(fake: FirehoseFake, landing_s3: Any) -> None:
    field = {"type": "token_count", "analyzer": "standard", "fields": {"raw": {"type": "keyword"}}}
    shown = fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"words": field}})
    stream = search(fake)
    put_batch(b'{"words": "the quick fox"}', b'{"words": 12}', b'{"words": {"a": 1}}')
    fake.firehose.flush()

    assert shown["properties"]["words"] == field
    assert stream.delivered == [b'{"words": "the quick fox"}', b'{"words": 12}']
    [(code, message)] = errors(landing_s3)
    assert code == "400"
    assert message["reason"].startswith(
        "failed to parse field [words] of type [token_count] in document with id "
    )
