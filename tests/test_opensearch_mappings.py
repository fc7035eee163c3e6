"""An OpenSearch index's mapping, as the index builds it from the documents it receives and
enforces it: a document whose values its fields cannot take fails with OpenSearch's error
and ends in the ``S3Configuration`` bucket, while the rest of its batch is indexed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from conftest import failed_lines, put_batch
from test_opensearch_documents import OPENSEARCH, SERVERLESS
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

KEYWORD = {"keyword": {"type": "keyword", "ignore_above": 256}}
TEXT = {"type": "text", "fields": KEYWORD}
FAILED = "AmazonOpenSearchService-failed/"


def search(fake: FirehoseFake, name: str = "events", **config: Any) -> Any:
    """A delivery stream to ``DOMAIN``'s index ``logs`` (daily), with ``config`` on top."""
    return fake.firehose.create_delivery_stream(
        name, AmazonopensearchserviceDestinationConfiguration={**OPENSEARCH, **config}
    )


def index_of(fake: FirehoseFake) -> str:
    return f"logs-{fake.firehose.clock.now():%Y-%m-%d}"


def errors(s3: Any) -> list[tuple[str, dict[str, Any]]]:
    """Each failed document's errorCode and errorMessage (read as JSON)."""
    return [
        (line["errorCode"], json.loads(line["errorMessage"])) for line in failed_lines(s3, FAILED)
    ]


def test_the_first_document_maps_each_field_by_its_json_value(fake: FirehoseFake) -> None:
    stream = search(fake)
    put_batch(
        b'{"price": 10, "ratio": 0.5, "paid": true, "name": "tea", "at": "2026-12-06T10:00:00Z",'
        b' "day": "2026/12/06", "buyer": {"id": 7}, "tags": ["a", "b"], "a.b": 1,'
        b' "gone": null, "none": []}'
    )
    fake.firehose.flush()

    mapping = {
        "properties": {
            "a": {"properties": {"b": {"type": "long"}}},
            "at": {"type": "date"},
            "buyer": {"properties": {"id": {"type": "long"}}},
            "day": {"type": "date", "format": "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis"},
            "name": TEXT,
            "paid": {"type": "boolean"},
            "price": {"type": "long"},
            "ratio": {"type": "float"},
            "tags": TEXT,
        }
    }
    assert stream.index_mappings == {index_of(fake): mapping}
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake)) == mapping


def _id_reason(field: str, kind: str, value: str) -> str:
    return (
        f"failed to parse field [{field}] of type [{kind}] in document with id '{{id}}'. "
        f"Preview of field's value: '{value}'"
    )


CONFLICTS = [
    pytest.param(
        b'{"price": 10}',
        b'{"price": "ten"}',
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("price", "long", "ten"),
            "caused_by": {
                "type": "illegal_argument_exception",
                "reason": 'For input string: "ten"',
            },
        },
        id="text-into-long",
    ),
    # Float.parseFloat trims as String.trim does (up to the space, not a no-break space) and
    # quotes the trimmed text; a blank one is an empty String.
    pytest.param(
        b'{"ratio": 1.5}',
        b'{"ratio": " ten "}',
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("ratio", "float", " ten "),
            "caused_by": {"type": "number_format_exception", "reason": 'For input string: "ten"'},
        },
        id="padded-text-into-float",
    ),
    pytest.param(
        b'{"ratio": 1.5}',
        b'{"ratio": " \\t "}',
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("ratio", "float", " \t "),
            "caused_by": {"type": "number_format_exception", "reason": "empty String"},
        },
        id="blank-into-float",
    ),
    pytest.param(
        b'{"ratio": 1.5}',
        '{"ratio": "\u00a02.5"}'.encode(),
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("ratio", "float", "\u00a02.5"),
            "caused_by": {
                "type": "number_format_exception",
                "reason": 'For input string: "\u00a02.5"',
            },
        },
        id="no-break-space-into-float",
    ),
    pytest.param(
        b'{"paid": true}',
        b'{"paid": "yes"}',
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("paid", "boolean", "yes"),
            "caused_by": {
                "type": "illegal_argument_exception",
                "reason": "Failed to parse value [yes] as only [true] or [false] are allowed.",
            },
        },
        id="yes-into-boolean",
    ),
    pytest.param(
        b'{"at": "2026-12-06"}',
        b'{"at": "tomorrow"}',
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("at", "date", "tomorrow"),
            "caused_by": {
                "type": "illegal_argument_exception",
                "reason": "failed to parse date field [tomorrow] with format "
                "[strict_date_optional_time||epoch_millis]",
            },
        },
        id="no-date",
    ),
    pytest.param(
        b'{"price": 10}',
        b'{"price": {"amount": 10, "currency": "EUR"}}',
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("price", "long", "{amount=10, currency=EUR}"),
        },
        id="object-into-long",
    ),
    pytest.param(
        b'{"buyer": {"id": 7}}',
        b'{"buyer": "ann"}',
        {
            "type": "mapper_parsing_exception",
            "reason": "object mapping for [buyer] tried to parse field [buyer] as object, but "
            "found a concrete value",
        },
        id="value-into-object",
    ),
    pytest.param(
        b'{"price": 10}',
        b'{"price": 9223372036854775808}',
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("price", "long", "9223372036854775808"),
        },
        id="past-a-long",
    ),
    pytest.param(
        b'{"price": 10}',
        b'{"price": "9223372036854775808"}',
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("price", "long", "9223372036854775808"),
            "caused_by": {
                "type": "illegal_argument_exception",
                "reason": "Value [9223372036854775808] is out of range for a long",
            },
        },
        id="text-past-a-long",
    ),
    pytest.param(
        b'{"price": 10}',
        b'{"price": "-9223372036854775809"}',
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("price", "long", "-9223372036854775809"),
            "caused_by": {
                "type": "illegal_argument_exception",
                "reason": "Value [-9223372036854775809] is out of range for a long",
            },
        },
        id="text-below-a-long",
    ),
    pytest.param(
        b"{}",
        b'{"_id": "order-1"}',
        {
            "type": "mapper_parsing_exception",
            "reason": _id_reason("_id", "_id", "order-1"),
            "caused_by": {
                "type": "mapper_parsing_exception",
                "reason": "Field [_id] is a metadata field and cannot be added inside a "
                "document. Use the index API request parameters.",
            },
        },
        id="metadata-field",
    ),
    pytest.param(
        b"{}",
        b'{"": 1}',
        {
            "type": "mapper_parsing_exception",
            "reason": "failed to parse",
            "caused_by": {
                "type": "illegal_argument_exception",
                "reason": "field name cannot be an empty string",
            },
        },
        id="empty-name",
    ),
    pytest.param(
        b"{}",
        b'{"tags": [1, "a"]}',
        {
            "type": "illegal_argument_exception",
            "reason": "mapper [tags] cannot be changed from type [text] to [long]",
        },
        id="mixed-array",
    ),
]


@pytest.mark.parametrize(("first", "later", "error"), CONFLICTS)
def test_a_document_the_mapping_cannot_take_fails_with_opensearchs_error(
    fake: FirehoseFake, landing_s3: Any, first: bytes, later: bytes, error: dict[str, Any]
) -> None:
    stream = search(fake)
    put_batch(first)
    fake.firehose.flush()
    _, refused_id = put_batch(b'{"other": 1}', later)
    fake.firehose.flush()  # written at once, as a 400 is

    assert stream.delivered == [first, b'{"other": 1}']
    assert stream.backed_up == [later]
    [(code, message)] = errors(landing_s3)
    expected = {**error, "reason": error["reason"].replace("{id}", refused_id)}
    assert (code, message) == ("400", expected)


def test_the_failed_record_carries_the_bulk_items_error_as_opensearch_writes_it(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    search(fake)
    put_batch(b'{"price": 10}')
    fake.firehose.flush()
    [refused_id] = put_batch(b'{"price": "ten"}')
    fake.firehose.flush()
    [line] = failed_lines(landing_s3, FAILED)

    assert line["errorMessage"] == (
        '{"type":"mapper_parsing_exception","reason":"failed to parse field [price] of type '
        f"[long] in document with id '{refused_id}'. Preview of field's value: 'ten'\","
        '"caused_by":{"type":"illegal_argument_exception","reason":"For input string: '
        '\\"ten\\""}}'
    )
    assert (line["attemptsMade"], line["esDocumentId"]) == (1, refused_id)


@pytest.mark.parametrize(
    ("first", "later"),
    [
        (b'{"price": 10}', b'{"price": "5"}'),
        (b'{"price": 10}', b'{"price": 5.7}'),
        (b'{"price": 10}', b'{"price": "5.7"}'),
        (b'{"price": 10}', b'{"price": ""}'),
        (b'{"ratio": 0.5}', b'{"ratio": "2"}'),
        (b'{"paid": true}', b'{"paid": "false"}'),
        (b'{"paid": true}', b'{"paid": ""}'),
        (b'{"name": "tea"}', b'{"name": 42}'),
        (b'{"name": "tea"}', b'{"name": true}'),
        (b'{"at": "2026-12-06"}', b'{"at": 1765000000000}'),
        (b'{"price": 10}', b'{"price": null}'),
        (b'{"buyer": {"id": 1}}', b'{"buyer": null}'),
    ],
)
def test_a_value_coercion_reads_is_taken(fake: FirehoseFake, first: bytes, later: bytes) -> None:
    stream = search(fake)
    put_batch(first)
    fake.firehose.flush()
    put_batch(later)
    fake.firehose.flush()

    assert stream.delivered == [first, later]
    assert stream.backed_up == []
    # The later value changed no field's type.
    [mapping] = stream.index_mappings.values()
    assert mapping == fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))
    assert len(mapping["properties"]) == 1


def test_a_later_document_of_the_same_batch_meets_an_earlier_ones_fields(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    stream = search(fake)
    put_batch(b'{"price": 10}', b'{"price": "ten"}', b'{"price": 11}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"price": 10}', b'{"price": 11}']
    assert [message["type"] for _, message in errors(landing_s3)] == ["mapper_parsing_exception"]


def test_a_refused_document_adds_no_field(fake: FirehoseFake) -> None:
    stream = search(fake)
    put_batch(b'{"price": 10}', b'{"price": "ten", "note": "x"}', b'{"note": 5}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"price": 10}', b'{"note": 5}']
    assert stream.index_mappings[index_of(fake)]["properties"] == {
        "note": {"type": "long"},
        "price": {"type": "long"},
    }


def test_a_value_its_field_takes_but_a_sub_field_cannot_fails_the_document(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fields = {"code": {"type": "keyword", "fields": {"n": {"type": "long"}}}}
    stream = search(fake)
    fake.firehose.opensearch_index(DOMAIN, index_of(fake), {"properties": fields})
    _, refused_id = put_batch(b'{"code": "12"}', b'{"code": "abc"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"code": "12"}']
    [(code, message)] = errors(landing_s3)
    assert (code, message["reason"]) == (
        "400",
        _id_reason("code.n", "long", "abc").replace("{id}", refused_id),
    )


def test_a_metadata_field_given_an_array_fails_on_its_first_value(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    stream = search(fake)
    ids = put_batch(b'{"_id": ["order-1"]}', b'{"_id": [[], "order-2"]}', b'{"_id": []}')
    fake.firehose.flush()

    # An empty array gives the metadata field no value: nothing is added.
    assert stream.delivered == [b'{"_id": []}']
    reasons = [message["reason"] for _, message in errors(landing_s3)]
    assert reasons == [
        _id_reason("_id", "_id", value).replace("{id}", refused)
        for value, refused in (("order-1", ids[0]), ("order-2", ids[1]))
    ]


def test_each_days_index_starts_with_a_fresh_mapping(fake: FirehoseFake) -> None:
    stream = search(fake, BufferingHints={"IntervalInSeconds": 60})
    first_day = index_of(fake)
    put_batch(b'{"v": 1}')
    fake.firehose.clock.advance(days=1)
    second_day = index_of(fake)
    put_batch(b'{"v": "one"}')
    fake.firehose.clock.advance(minutes=2)

    assert stream.delivered == [b'{"v": 1}', b'{"v": "one"}']
    assert stream.index_mappings == {
        first_day: {"properties": {"v": {"type": "long"}}},
        second_day: {"properties": {"v": TEXT}},
    }


def test_two_streams_writing_one_index_of_one_domain_share_its_mapping(
    fake: FirehoseFake,
) -> None:
    rotation = {"IndexRotationPeriod": "NoRotation"}
    first = search(fake, "first", **rotation)
    second = search(fake, "second", **rotation)
    elsewhere = search(
        fake,
        "elsewhere",
        **rotation,
        DomainARN="arn:aws:es:us-east-1:123456789012:domain/other",
    )
    put_batch(b'{"v": 1}', stream="first")
    fake.firehose.flush()
    put_batch(b'{"v": "one"}', stream="second")
    put_batch(b'{"v": "one"}', stream="elsewhere")
    fake.firehose.flush()

    assert (first.delivered, second.delivered) == ([b'{"v": 1}'], [])
    assert second.backed_up == [b'{"v": "one"}']
    assert elsewhere.delivered == [b'{"v": "one"}']
    assert (
        first.index_mappings
        == second.index_mappings
        == {"logs": {"properties": {"v": {"type": "long"}}}}
    )


def test_each_test_starts_with_fresh_domains(fake: FirehoseFake) -> None:
    search(fake)
    put_batch(b'{"v": 1}')
    fake.firehose.flush()
    fake.world.reset()

    stream = search(fake)
    put_batch(b'{"v": "one"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"v": "one"}']
    assert stream.index_mappings == {index_of(fake): {"properties": {"v": TEXT}}}


def test_strict_refuses_a_field_the_mapping_does_not_have(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic": "strict",
            "properties": {
                "price": {"type": "long"},
                "buyer": {"properties": {"id": {"type": "keyword"}}},
            },
        },
    )
    stream = search(fake)
    put_batch(b'{"price": 1}', b'{"price": 2, "note": "x"}', b'{"buyer": {"name": "ann"}}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"price": 1}']
    assert [message for _, message in errors(landing_s3)] == [
        {
            "type": "strict_dynamic_mapping_exception",
            "reason": "mapping set to strict, dynamic introduction of [note] within [_doc] is "
            "not allowed",
        },
        {
            "type": "strict_dynamic_mapping_exception",
            "reason": "mapping set to strict, dynamic introduction of [name] within [buyer] is "
            "not allowed",
        },
    ]


def test_dynamic_false_keeps_new_fields_in_the_source_only(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic": False})
    stream = search(fake)
    put_batch(b'{"price": 1, "note": {"text": "x"}}')
    fake.firehose.flush()

    assert [document["_source"] for document in stream.documents] == [
        {"price": 1, "note": {"text": "x"}}
    ]
    assert stream.index_mappings == {index_of(fake): {"dynamic": "false"}}


def test_dynamic_true_adds_fields_beside_the_given_ones(fake: FirehoseFake) -> None:
    given = {"properties": {"price": {"type": "integer"}, "sku": {"type": "keyword"}}}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic": True, **given})
    stream = search(fake)
    put_batch(b'{"price": 1, "sku": 12, "note": "x"}', b'{"price": 3000000000}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"price": 1, "sku": 12, "note": "x"}']
    assert stream.index_mappings[index_of(fake)] == {
        "dynamic": "true",  # as GET index/_mapping writes it
        "properties": {
            "note": TEXT,
            "price": {"type": "integer"},
            "sku": {"type": "keyword"},
        },
    }


def test_a_mapping_given_to_an_index_name_is_that_indexs(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"v": {"type": "keyword"}}})
    stream = search(fake, IndexRotationPeriod="NoRotation")
    put_batch(b'{"v": 1}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"v": 1}']
    assert stream.index_mappings == {"logs": {"properties": {"v": {"type": "keyword"}}}}


@pytest.mark.parametrize(
    ("field", "value", "cause"),
    [
        ({"type": "short"}, "40000", "Value [40000] is out of range for a short"),
        ({"type": "byte"}, "200", "Value [200] is out of range for a byte"),
        ({"type": "long", "coerce": False}, '"5"', "Long value passed as String"),
        ({"type": "integer", "coerce": False}, "5.5", "Value [5.5] has a decimal part"),
        ({"type": "ip"}, '"300.1.1.1"', "'300.1.1.1' is not an IP string literal."),
        (
            {"type": "date", "format": "yyyy-MM-dd"},
            '"06/12/2026"',
            "failed to parse date field [06/12/2026] with format [yyyy-MM-dd]",
        ),
        (
            {"type": "half_float"},
            "1e40",
            "[half_float] supports only finite values, but got [Infinity]",
        ),
        (
            {"type": "half_float"},
            "70000",
            "[half_float] supports only finite values, but got [70000.0]",
        ),
        (
            {"type": "half_float"},
            '"-65520"',
            "[half_float] supports only finite values, but got [-65520.0]",
        ),
    ],
)
def test_an_explicit_field_refuses_what_its_type_cannot_take(
    fake: FirehoseFake, landing_s3: Any, field: dict[str, Any], value: str, cause: str
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": field}})
    stream = search(fake)
    put_batch(b'{"v": ' + value.encode() + b"}")
    fake.firehose.flush()

    assert stream.delivered == []
    [(code, message)] = errors(landing_s3)
    assert (code, message["caused_by"]["reason"]) == ("400", cause)


def test_a_half_float_takes_what_rounds_to_a_finite_half_float(fake: FirehoseFake) -> None:
    """65519 rounds to 65504, the greatest half float; 65520 (above) rounds to infinity."""
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": {"type": "half_float"}}})
    stream = search(fake)
    put_batch(b'{"v": 65519}', b'{"v": "-65504"}')
    fake.firehose.flush()

    assert len(stream.delivered) == 2


def test_ignore_malformed_indexes_the_document_without_the_value(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"v": {"type": "long", "ignore_malformed": True}}}
    )
    stream = search(fake)
    put_batch(b'{"v": "ten"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"v": "ten"}']


def test_the_total_fields_limit_refuses_the_document_that_passes_it(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    stream = search(fake)
    fields = ", ".join(f'"f{i}": {i}' for i in range(1001))
    put_batch(b'{"f0": 0}', ("{" + fields + "}").encode())
    fake.firehose.flush()

    assert stream.delivered == [b'{"f0": 0}']
    assert [message for _, message in errors(landing_s3)] == [
        {
            "type": "illegal_argument_exception",
            "reason": "Limit of total fields [1000] has been exceeded",
        }
    ]


@pytest.mark.parametrize(
    ("settings", "records", "reason"),
    [
        (
            {"index.mapping.total_fields.limit": 2},
            [b'{"n": 1}', b'{"name": "tea"}'],  # text and its keyword sub-field: 3 fields
            "Limit of total fields [2] has been exceeded",
        ),
        (
            {"index.mapping.depth.limit": 3},
            # The object a.b is at depth 3, a.b.x at depth 4.
            [b'{"a": {"b": {"c": 1}}}', b'{"a": {"b": {"x": {"d": 1}}}}'],
            "Limit of mapping depth [3] has been exceeded due to object field [a.b.x]",
        ),
        (
            # customer_shipping_city: 22 characters, as _data_stream_timestamp, the longest
            # metadata field's name.
            {"index.mapping.field_name_length.limit": 22},
            [b'{"customer_shipping_city": 1}', b'{"customer_shipping_region": 1}'],
            "Field name [customer_shipping_region] is longer than the limit of [22] characters",
        ),
    ],
)
def test_an_indexs_limits_refuse_the_document_that_passes_them(
    fake: FirehoseFake,
    landing_s3: Any,
    settings: dict[str, int],
    records: list[bytes],
    reason: str,
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", settings=settings)
    stream = search(fake)
    put_batch(*records)
    fake.firehose.flush()

    assert stream.delivered == records[:-1]
    assert [message for _, message in errors(landing_s3)] == [
        {"type": "illegal_argument_exception", "reason": reason}
    ]


def test_the_nested_fields_limit_refuses_the_document_that_passes_it(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    """A dynamic template that maps objects to ``nested`` adds one nested field per new
    object: the second passes a limit of one."""
    template = {"match": "*_items", "match_mapping_type": "object", "mapping": {"type": "nested"}}
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"dynamic_templates": [{"nested": template}]},
        settings={"index.mapping.nested_fields.limit": 1},
    )
    stream = search(fake)
    put_batch(b'{"cart_items": {"n": 1}}', b'{"cart_items": {"n": 2}, "saved_items": {"n": 3}}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"cart_items": {"n": 1}}']
    assert [message for _, message in errors(landing_s3)] == [
        {
            "type": "illegal_argument_exception",
            "reason": "Limit of nested fields [1] has been exceeded",
        }
    ]


def test_the_mapping_is_checked_before_destination_refuses(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    stream = search(fake)
    stream.destination_refuses(lambda record: b"refuse" in record, error="409")
    put_batch(
        b'{"price": 10}',
        b'{"price": "ten", "refuse": 1}',
        b'{"refuse": "x", "note": 1}',
        b'{"other": 2}',
    )
    fake.firehose.flush()

    assert stream.delivered == [b'{"price": 10}', b'{"other": 2}']
    assert [document["_source"] for document in stream.documents] == [
        {"price": 10},
        {"other": 2},
    ]
    assert [(code, message["type"]) for code, message in errors(landing_s3)] == [
        ("400", "mapper_parsing_exception"),
        ("409", "version_conflict_engine_exception"),
    ]
    # The document the predicate refused added no field.
    assert stream.index_mappings[index_of(fake)] == {
        "properties": {"other": {"type": "long"}, "price": {"type": "long"}}
    }


def test_an_elasticsearch_6_type_names_the_mappings_root(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic": "strict"})
    stream = fake.firehose.create_delivery_stream(
        "events", ElasticsearchDestinationConfiguration={**OPENSEARCH, "TypeName": "event"}
    )
    put_batch(b'{"v": 1}', b'{"_type": "x"}')
    fake.firehose.flush()

    assert stream.delivered == []
    assert [message["reason"].split(" in document")[0] for _, message in errors(landing_s3)] == [
        "mapping set to strict, dynamic introduction of [v] within [event] is not allowed",
        "failed to parse field [_type] of type [_type]",
    ]


def test_a_serverless_collection_keeps_the_same_rules_and_names_the_id_it_made(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events", AmazonOpenSearchServerlessDestinationConfiguration=SERVERLESS
    )
    put_batch(b'{"v": 1}', b'{"v": "one"}')
    fake.firehose.flush()
    [line] = failed_lines(landing_s3, FAILED)

    assert stream.delivered == [b'{"v": 1}']
    assert stream.index_mappings == {"logs": {"properties": {"v": {"type": "long"}}}}
    made_id = json.loads(line["errorMessage"])["reason"].split("'")[1]
    assert (len(made_id), made_id == line["osDocumentId"]) == (20, False)
    assert fake.firehose.opensearch_mapping(SERVERLESS["CollectionEndpoint"] + "/", "logs") == {
        "properties": {"v": {"type": "long"}}
    }


def test_a_pattern_given_later_applies_to_indexes_made_after_it(fake: FirehoseFake) -> None:
    stream = search(fake, BufferingHints={"IntervalInSeconds": 60})
    put_batch(b'{"v": "one"}')
    fake.firehose.clock.advance(minutes=2)
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": {"type": "long"}}})
    put_batch(b'{"v": "two"}')  # today's index keeps the mapping it has
    fake.firehose.clock.advance(timedelta(days=1))
    put_batch(b'{"v": "three"}')  # tomorrow's index is made with the pattern's
    fake.firehose.clock.advance(minutes=2)

    assert stream.delivered == [b'{"v": "one"}', b'{"v": "two"}']
    assert stream.backed_up == [b'{"v": "three"}']


def test_a_document_that_gives_a_key_twice_fails_to_parse(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    # OpenSearch's JSON parser detects duplicate keys; JSON readers that keep the last one
    # would index a document the domain refuses.
    stream = search(fake)
    put_batch(b'{"v": 1}', b'{"v": 1, "v": "one"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"v": 1}']
    assert errors(landing_s3) == [
        ("400", {"type": "mapper_parsing_exception", "reason": "failed to parse"})
    ]


def test_a_date_pattern_of_single_letters_reads_one_or_two_digits(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"at": {"type": "date", "format": "d/M/yyyy"}}}
    )
    stream = search(fake)
    put_batch(b'{"at": "6/12/2026"}', b'{"at": "31/2/2026"}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"at": "6/12/2026"}']  # no February 31st


@pytest.mark.parametrize(
    ("limit", "name"),
    [
        # OpenSearch measures its metadata fields' names with the document's new field, and
        # names the first past the limit in the HashMap order of their full names.
        (5, "_ignored"),
        (10, "_nested_path"),
        (21, "_data_stream_timestamp"),
    ],
)
def test_a_name_length_limit_below_the_metadata_names_refuses_every_new_field(
    fake: FirehoseFake, landing_s3: Any, limit: int, name: str
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", settings={"index.mapping.field_name_length.limit": limit}
    )
    stream = search(fake)
    put_batch(b"{}", b'{"a": 1}')
    fake.firehose.flush()

    assert stream.delivered == [b"{}"]  # no new field: no mapping change to refuse
    assert [message for _, message in errors(landing_s3)] == [
        {
            "type": "illegal_argument_exception",
            "reason": f"Field name [{name}] is longer than the limit of [{limit}] characters",
        }
    ]


def test_the_name_length_limit_measures_objects_before_fields(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", settings={"index.mapping.field_name_length.limit": 12}
    )
    stream = search(fake)
    put_batch(b'{"a_long_object": {"b": 1}}')
    fake.firehose.flush()

    assert stream.delivered == []
    assert [message for _, message in errors(landing_s3)] == [
        {
            "type": "illegal_argument_exception",
            "reason": "Field name [a_long_object] is longer than the limit of [12] characters",
        }
    ]


@pytest.mark.parametrize(
    "mapping", [{"properties": {"a": {"type": "long"}}}, {"dynamic": "strict"}]
)
def test_a_mapping_given_with_a_name_length_limit_below_the_metadata_names_is_refused(
    fake: FirehoseFake, mapping: dict[str, Any]
) -> None:
    limits = {"index.mapping.field_name_length.limit": 21}

    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", mapping, settings=limits)

    assert str(refused.value).endswith(
        ": OpenSearch refuses this mapping: Field name [_data_stream_timestamp] is longer than "
        "the limit of [21] characters"
    )
