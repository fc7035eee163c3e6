"""What OpenSearch counts in one document: its nested objects, against
``index.mapping.nested_objects.limit``, and the ``_doc_count`` metadata field a document
may carry (a whole number above 0, mapped nowhere)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_documents import OPENSEARCH
from test_opensearch_mappings import errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

NESTED = {"properties": {"items": {"type": "nested", "properties": {"parts": {"type": "nested"}}}}}


def test_a_document_with_more_nested_objects_than_the_limit_fails(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", NESTED, settings={"index.mapping.nested_objects.limit": 3}
    )
    stream = search(fake)
    at_limit = b'{"items": [{"parts": [{}]}, {}]}'  # three nested objects, at every level
    past_it = b'{"items": [{"parts": [{}, {}]}, {}]}'
    put_batch(at_limit, past_it)
    fake.firehose.flush()

    assert stream.delivered == [at_limit]
    assert errors(landing_s3) == [
        (
            "400",
            {
                "type": "mapper_parsing_exception",
                "reason": "The number of nested documents has exceeded the allowed limit of [3]. "
                "This limit can be set by changing the [index.mapping.nested_objects.limit] "
                "index level setting.",
            },
        )
    ]


def test_the_nested_objects_limit_is_ten_thousand_unless_set(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", NESTED)
    stream = search(fake, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60})
    documents = [b'{"items": [' + b",".join([b"{}"] * count) + b"]}" for count in (10_000, 10_001)]
    put_batch(*documents)
    fake.firehose.flush()

    assert stream.delivered == documents[:1]


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        ("0", ("illegal_argument_exception", "Field [_doc_count] must be a positive integer.")),
        (
            "1.5",
            ("illegal_argument_exception", "1.5 cannot be converted to Long without data loss"),
        ),
        ('"3"', None),  # OpenSearch's cause quotes the parser's position: left out
    ],
)
def test_a_doc_count_that_is_no_positive_whole_number_fails_its_document(
    fake: FirehoseFake, landing_s3: Any, value: str, cause: tuple[str, str] | None
) -> None:
    stream = search(fake)
    _, refused_id = put_batch(
        b'{"_doc_count": 4, "v": 1}', b'{"_doc_count": ' + value.encode() + b"}"
    )
    fake.firehose.flush()

    assert stream.delivered == [b'{"_doc_count": 4, "v": 1}']
    # _doc_count is a metadata field: the mapping never holds it.
    assert stream.index_mappings[index_of(fake)] == {"properties": {"v": {"type": "long"}}}
    shown = value.strip('"')
    error: dict[str, Any] = {
        "type": "mapper_parsing_exception",
        "reason": f"failed to parse field [_doc_count] of type [_doc_count] in document with id "
        f"'{refused_id}'. Preview of field's value: '{shown}'",
    }
    if cause is not None:
        error["caused_by"] = {"type": cause[0], "reason": cause[1]}
    assert errors(landing_s3) == [("400", error)]


def test_an_elasticsearch_destination_maps_doc_count_as_any_field(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", ElasticsearchDestinationConfiguration=OPENSEARCH
    )
    put_batch(b'{"_doc_count": "many"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"_doc_count": "many"}']
    [mapping] = stream.index_mappings.values()
    assert mapping["properties"]["_doc_count"]["type"] == "text"


def test_the_nested_objects_limit_is_a_whole_number(fake: FirehoseFake) -> None:
    with pytest.raises(UsageError, match="is a whole number"):
        fake.firehose.opensearch_index(
            DOMAIN, "logs-*", settings={"index.mapping.nested_objects.limit": "many"}
        )
