"""The OpenSearch field types beyond the core ones: ``scaled_float``, ``unsigned_long``,
``binary``, ``geo_point``, ``wildcard`` and ``match_only_text``, each taking what
OpenSearch takes and failing a document with OpenSearch's error for what it does not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError


def _value_reason(field: str, kind: str, value: str) -> str:
    return (
        f"failed to parse field [{field}] of type [{kind}] in document with id '{{id}}'. "
        f"Preview of field's value: '{value}'"
    )


TAKEN = [
    pytest.param({"type": "scaled_float", "scaling_factor": 100}, '"12.345"', id="scaled-text"),
    pytest.param({"type": "scaled_float", "scaling_factor": 10}, "1e300", id="scaled-huge"),
    pytest.param({"type": "unsigned_long"}, "18446744073709551615", id="unsigned-max"),
    pytest.param({"type": "unsigned_long"}, '"7.9"', id="unsigned-fraction-text"),
    pytest.param({"type": "binary"}, "12", id="binary-not-read"),
    pytest.param({"type": "binary", "doc_values": True}, '"aGVsbG8="', id="binary-base64"),
    pytest.param({"type": "wildcard"}, "42", id="wildcard"),
    pytest.param({"type": "match_only_text"}, '"a b"', id="match-only-text"),
    pytest.param({"type": "geo_point"}, '{"lat": 40.71, "lon": -74.0}', id="geo-object"),
    pytest.param({"type": "geo_point"}, '"40.71,-74.0"', id="geo-text"),
    pytest.param({"type": "geo_point"}, '"dr5regw3pg6f"', id="geo-geohash"),
    # Past 12 characters a geohash is not read (Geohash.mortonEncode stops there).
    pytest.param({"type": "geo_point"}, '"dr5regw3pg6f!?"', id="geo-geohash-past-12"),
    pytest.param({"type": "geo_point"}, "[-74.0, 40.71]", id="geo-array"),
    pytest.param({"type": "geo_point"}, '"POINT (-74.0 40.71)"', id="geo-wkt"),
    pytest.param(
        {"type": "geo_point"}, '{"type": "Point", "coordinates": [-74.0, 40.71]}', id="geo-json"
    ),
    pytest.param({"type": "geo_point"}, '[[-74.0, 40.71], "1,2"]', id="geo-several"),
    pytest.param({"type": "geo_point"}, "[-74.0, 40.71, 10]", id="geo-z-ignored"),
    pytest.param(
        {"type": "geo_point", "ignore_malformed": True}, '{"lat": 100, "lon": 0}', id="geo-ignored"
    ),
]


@pytest.mark.parametrize(("field", "value"), TAKEN)
def test_a_value_the_type_reads_is_indexed(
    fake: FirehoseFake, field: dict[str, Any], value: str
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": field}})
    stream = search(fake)
    document = b'{"v": ' + value.encode() + b"}"
    put_batch(document)
    fake.firehose.flush()

    assert stream.delivered == [document]


REFUSED = [
    pytest.param(
        {"type": "scaled_float", "scaling_factor": 100},
        '"ten"',
        _value_reason("v", "scaled_float", "ten"),
        ("number_format_exception", 'For input string: "ten"'),
        id="scaled-text",
    ),
    pytest.param(
        {"type": "scaled_float", "scaling_factor": 100},
        '"Infinity"',
        _value_reason("v", "scaled_float", "Infinity"),
        (
            "illegal_argument_exception",
            "[scaled_float] only supports finite values, but got [Infinity]",
        ),
        id="scaled-infinite",
    ),
    pytest.param(
        {"type": "scaled_float", "scaling_factor": 100, "coerce": False},
        '"1.5"',
        _value_reason("v", "scaled_float", "1.5"),
        ("illegal_argument_exception", "Double value passed as String"),
        id="scaled-no-coerce",
    ),
    pytest.param(
        {"type": "unsigned_long"},
        "-1",
        _value_reason("v", "unsigned_long", "-1"),
        ("illegal_argument_exception", "Value [-1] is out of range for an unsigned long"),
        id="unsigned-negative",
    ),
    pytest.param(
        {"type": "unsigned_long"},
        '"18446744073709551616"',
        _value_reason("v", "unsigned_long", "18446744073709551616"),
        (
            "illegal_argument_exception",
            "Value [18446744073709551616] is out of range for an unsigned long",
        ),
        id="unsigned-too-big",
    ),
    pytest.param(
        {"type": "unsigned_long", "coerce": False},
        "2.5",
        _value_reason("v", "unsigned_long", "2.5"),
        ("illegal_argument_exception", "Value [2.5] has a decimal part"),
        id="unsigned-no-coerce",
    ),
    pytest.param(
        {"type": "binary", "store": True},
        '"not base64!"',
        _value_reason("v", "binary", "not base64!"),
        None,
        id="binary-not-base64",
    ),
    pytest.param(
        {"type": "geo_point"},
        '{"lat": 100, "lon": 0}',
        "failed to parse field [v] of type [geo_point]",
        ("illegal_argument_exception", "illegal latitude value [100.0] for v"),
        id="geo-latitude",
    ),
    pytest.param(
        {"type": "geo_point"},
        "[181, 0]",
        "failed to parse field [v] of type [geo_point]",
        ("illegal_argument_exception", "illegal longitude value [181.0] for v"),
        id="geo-longitude",
    ),
    pytest.param(
        {"type": "geo_point"},
        "[[181, 0], true]",
        "failed to parse field [v] of type [geo_point]",
        ("illegal_argument_exception", "illegal longitude value [181.0] for v"),
        # PointParser validates each point as it reads it: the first fails first.
        id="geo-array-checked-point-by-point",
    ),
    pytest.param(
        {"type": "geo_point"},
        '"1234.333"',
        "failed to parse field [v] of type [geo_point]",
        ("parse_exception", "unsupported symbol [.] in geohash [1234.333]"),
        id="geo-geohash",
    ),
    pytest.param(
        {"type": "geo_point"},
        '"1,2,3,4"',
        "failed to parse field [v] of type [geo_point]",
        (
            "parse_exception",
            "failed to parse [1,2,3,4], expected 2 or 3 coordinates but found: [4]",
        ),
        id="geo-four-coordinates",
    ),
    pytest.param(
        {"type": "geo_point"},
        '{"lat": 1}',
        "failed to parse field [v] of type [geo_point]",
        ("parse_exception", "field [lon] missing"),
        id="geo-missing-lon",
    ),
    pytest.param(
        {"type": "geo_point"},
        '{"x": 1, "y": 2}',
        "failed to parse field [v] of type [geo_point]",
        ("parse_exception", "field must be either [lon|lat], [type|coordinates], or [geohash]"),
        id="geo-unknown-key",
    ),
    pytest.param(
        {"type": "geo_point"},
        "true",
        "failed to parse field [v] of type [geo_point]",
        ("parse_exception", "geo_point expected"),
        id="geo-boolean",
    ),
    pytest.param(
        {"type": "geo_point"},
        '"LINESTRING (1 2, 3 4)"',
        "failed to parse field [v] of type [geo_point]",
        ("parse_exception", "latitude must be a number"),
        id="geo-wkt-without-point",
    ),
    pytest.param(
        {"type": "geo_point"},
        '"MULTIPOINT (1 2, 3 4)"',
        "failed to parse field [v] of type [geo_point]",
        (
            "parse_exception",
            "[geo_point] supports only POINT among WKT primitives, but found MULTIPOINT",
        ),
        id="geo-wkt-multipoint",
    ),
    pytest.param(
        {"type": "geo_point", "ignore_z_value": False},
        "[1, 2, 3]",
        "failed to parse field [v] of type [geo_point]",
        (
            "parse_exception",
            "Exception parsing coordinates: found Z value [3.0] but [ignore_z_value] parameter "
            "is [false]",
        ),
        id="geo-z",
    ),
    pytest.param(
        {"type": "geo_point"},
        '[1, "north"]',
        "failed to parse field [v] of type [geo_point]",
        # The second value is read by Double.parseDouble, whose failure names no position.
        ("number_format_exception", 'For input string: "north"'),
        id="geo-array-text",
    ),
    pytest.param(
        {"type": "geo_point", "ignore_z_value": False},
        '"1,2,3"',
        "failed to parse field [v] of type [geo_point]",
        (
            "parse_exception",
            "Exception parsing coordinates: found Z value [3.0] but [ignore_z_value] parameter "
            "is [false]",
        ),
        id="geo-string-z",
    ),
    pytest.param(
        {"type": "geo_point"},
        '"1,2,up"',
        "failed to parse field [v] of type [geo_point]",
        # A third coordinate is read even where a z is ignored.
        ("number_format_exception", 'For input string: "up"'),
        id="geo-string-z-text",
    ),
]


@pytest.mark.parametrize(("field", "value", "reason", "cause"), REFUSED)
def test_a_value_the_type_refuses_fails_its_document(
    fake: FirehoseFake,
    landing_s3: Any,
    field: dict[str, Any],
    value: str,
    reason: str,
    cause: tuple[str, str] | None,
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": field}})
    stream = search(fake)
    _, refused_id = put_batch(b'{"w": 1}', b'{"v": ' + value.encode() + b"}")
    fake.firehose.flush()

    assert stream.delivered == [b'{"w": 1}']
    error: dict[str, Any] = {
        "type": "mapper_parsing_exception",
        "reason": reason.replace("{id}", refused_id),
    }
    if cause is not None:
        error["caused_by"] = {"type": cause[0], "reason": cause[1]}
    assert errors(landing_s3) == [("400", error)]


def test_the_types_are_shown_as_opensearch_shows_them(fake: FirehoseFake) -> None:
    given = {
        "price": {"type": "scaled_float", "scaling_factor": 100},
        "id": {"type": "unsigned_long", "coerce": False},
        "blob": {"type": "binary", "doc_values": True},
        "where": {"type": "geo_point", "ignore_z_value": False},
        "path": {"type": "wildcard", "ignore_above": 512},
        "message": {"type": "match_only_text"},
    }

    shown = fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": given})

    # scaling_factor is a double, as OpenSearch writes it; properties sorted by name.
    assert (
        json.dumps(shown["properties"]["price"])
        == '{"type": "scaled_float", "scaling_factor": 100.0}'
    )
    assert list(shown["properties"]) == sorted(given)
    assert shown["properties"]["where"] == {"type": "geo_point", "ignore_z_value": False}


def test_a_dynamic_template_may_map_new_fields_as_geo_points(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"dynamic_templates": [{"geo": {"match": "*_location", "mapping": {"type": "geo_point"}}}]},
    )
    stream = search(fake)
    put_batch(
        b'{"home_location": [-74.0, 40.71], "work_location": "40.7,-74.0"}',
        b'{"shop_location": {"lat": -91, "lon": 0}}',
    )
    fake.firehose.flush()

    assert stream.index_mappings[index_of(fake)]["properties"] == {
        "home_location": {"type": "geo_point"},
        "work_location": {"type": "geo_point"},
    }
    [(_, message)] = errors(landing_s3)
    assert message["caused_by"]["reason"] == "illegal latitude value [-91.0] for shop_location"


@pytest.mark.parametrize(
    ("field", "refusal"),
    [
        (
            {"type": "scaled_float"},
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Field "
            "[scaling_factor] is required",
        ),
        (
            {"type": "scaled_float", "scaling_factor": 0},
            "[scaling_factor] must be a positive number, got [0.0]",
        ),
        ({"type": "geo_point", "ignore_z_value": "no"}, "ignore_z_value is true or false"),
        (
            {"type": "wildcard", "analyzer": "standard"},
            "unknown parameter [analyzer] on mapper [v] of type [wildcard]",
        ),
    ],
)
def test_a_field_opensearch_refuses_is_a_usage_error(
    fake: FirehoseFake, field: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": field}})

    assert refusal in str(refused.value)
