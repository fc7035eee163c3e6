"""Hexadecimal floating-point numbers (``0x1p3``, ``0X1.8P1``) in a string value, read as
Java's ``Double.parseDouble`` and ``Float.parseFloat`` read them wherever OpenSearch reads
a string with them: number fields, range bounds, ``geo_point`` and WKT coordinates,
``knn_vector`` and ``rank_feature`` values, ``numeric_detection``, ``scaling_factor``;
not where it reads a string with another parser (an integer type's ``BigDecimal``)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import errors, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake
from pytest_firehose._destinations.index_values import parse_java_double


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0x1p3", 8.0),
        ("0X1.8P1", 3.0),
        ("-0x1p3d", -8.0),
        ("+0x.8p1F", 1.0),
        ("0x1.p0", 1.0),
        (" 0x1P+3\t", 8.0),  # trimmed as String.trim trims
        ("0x1p-1074", 5e-324),  # the least subnormal
        ("0x1p-1075", 0.0),  # half of it: ties to even
        ("0x1.8p-1074", 1e-323),  # one and a half of it: ties to even
        ("0x1.fffffffffffff7p1023", 1.7976931348623157e308),
        ("0x1.fffffffffffff8p1023", float("inf")),  # rounds past the greatest double
        ("0x1p2147483648", float("inf")),  # an exponent past an int: its sign decides
        ("-0x1p-2147483648", -0.0),
        ("0x0p2147483648", 0.0),  # but a zero is zero first
        ("0x1", None),  # Java requires the p exponent
        ("0x1.8", None),
        ("0xp3", None),
        ("0x.p1", None),
        ("0x1p", None),
        ("0x1_0p3", None),
        ("1p3", None),
        ("0x1p3L", None),
    ],
)
def test_double_parse_double_reads_java_s_hexadecimal_grammar(
    text: str, number: float | None
) -> None:
    # repr tells -0.0 from 0.0, and says None where Java throws.
    assert repr(parse_java_double(text)) == repr(number)


TAKEN = [
    pytest.param({"type": "double"}, '"0x1p3"', id="double"),
    pytest.param({"type": "float"}, '"0X1.8P1"', id="float"),
    pytest.param({"type": "half_float"}, '"-0x1p3d"', id="half-float"),
    pytest.param({"type": "scaled_float", "scaling_factor": 10}, '"0x1.8p1"', id="scaled"),
    pytest.param({"type": "double_range"}, '{"gte": "0x1p3", "lte": "0x1p4"}', id="range"),
    pytest.param({"type": "geo_point"}, '"0x1p3,0x1p2"', id="geo-text"),
    pytest.param({"type": "geo_point"}, '{"lat": "0x1p3", "lon": "0x1p2"}', id="geo-object"),
    pytest.param({"type": "geo_point"}, '"POINT (0x1p2 0x1p3)"', id="geo-wkt"),
    pytest.param({"type": "geo_shape"}, '"POINT (0x1p2 0x1p3)"', id="shape-wkt"),
    pytest.param({"type": "knn_vector", "dimension": 2}, '["0x1p3", "0x1p-2"]', id="knn"),
    pytest.param({"type": "rank_feature"}, '"0x1p-3"', id="rank-feature"),
]


@pytest.mark.parametrize(("field", "value"), TAKEN)
def test_a_hexadecimal_number_in_a_string_is_read_where_java_parses_a_double(
    fake: FirehoseFake, field: dict[str, Any], value: str
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": field}})
    stream = search(fake)
    document = b'{"v": ' + value.encode() + b"}"
    put_batch(document)
    fake.firehose.flush()

    assert stream.delivered == [document]


def _failed(kind: str, value: str, cause: tuple[str, str]) -> dict[str, Any]:
    return {
        "type": "mapper_parsing_exception",
        "reason": f"failed to parse field [v] of type [{kind}] in document with id '{{id}}'. "
        f"Preview of field's value: '{value}'",
        "caused_by": {"type": cause[0], "reason": cause[1]},
    }


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        pytest.param(
            {"type": "double"},
            '"0x1p2000"',
            _failed(
                "double",
                "0x1p2000",
                (
                    "illegal_argument_exception",
                    "[double] supports only finite values, but got [Infinity]",
                ),
            ),
            id="double-past-its-range",
        ),
        pytest.param(
            {"type": "double"},
            '"0x1.8"',
            _failed("double", "0x1.8", ("number_format_exception", 'For input string: "0x1.8"')),
            id="no-exponent",
        ),
        pytest.param(
            {"type": "long"},
            '"0x1p3"',
            _failed("long", "0x1p3", ("illegal_argument_exception", 'For input string: "0x1p3"')),
            id="long-reads-no-hexadecimal",
        ),
        pytest.param(
            {"type": "double_range"},
            '{"gte": "0x1p4", "lte": "0x1p3"}',
            _failed(
                "double_range",
                "null",
                ("illegal_argument_exception", "min value (16.0) is greater than max value (8.0)"),
            ),
            id="range-bounds-read",
        ),
    ],
)
def test_a_hexadecimal_number_is_read_for_its_value_or_refused_as_java_refuses_it(
    fake: FirehoseFake, landing_s3: Any, field: dict[str, Any], value: str, error: dict[str, Any]
) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"v": field}})
    stream = search(fake)
    _, refused_id = put_batch(b'{"w": 1}', b'{"v": ' + value.encode() + b"}")
    fake.firehose.flush()

    assert stream.delivered == [b'{"w": 1}']
    error["reason"] = error["reason"].replace("{id}", refused_id)
    assert errors(landing_s3) == [("400", error)]


def test_numeric_detection_maps_a_hexadecimal_string_as_a_float(fake: FirehoseFake) -> None:
    fake.firehose.opensearch_index(DOMAIN, "logs", {"numeric_detection": True})
    search(fake, IndexRotationPeriod="NoRotation")
    put_batch(b'{"n": "0x1p3", "h": "0x1"}')
    fake.firehose.flush()

    properties = fake.firehose.opensearch_mapping(DOMAIN, "logs")["properties"]
    assert properties["n"] == {"type": "float"}
    assert properties["h"]["type"] == "text"


def test_numeric_detection_maps_a_string_past_a_long_as_a_float(fake: FirehoseFake) -> None:
    # Long.parseLong reads it, or else Double.parseDouble does.
    fake.firehose.opensearch_index(DOMAIN, "logs", {"numeric_detection": True})
    search(fake, IndexRotationPeriod="NoRotation")
    put_batch(
        b'{"top": "9223372036854775807", "over": "9223372036854775808", '
        b'"bottom": "-9223372036854775808", "under": "-9223372036854775809"}'
    )
    fake.firehose.flush()

    properties = fake.firehose.opensearch_mapping(DOMAIN, "logs")["properties"]
    assert {name: field["type"] for name, field in properties.items()} == {
        "bottom": "long",
        "over": "float",
        "top": "long",
        "under": "float",
    }


def test_numeric_detection_trims_a_string_as_java_trims_it(fake: FirehoseFake) -> None:
    # Double.parseDouble trims what String.trim trims (up to U+0020), nothing else.
    fake.firehose.opensearch_index(DOMAIN, "logs", {"numeric_detection": True})
    search(fake, IndexRotationPeriod="NoRotation")
    put_batch(b'{"c": "\\u00001.5\\u001f", "nb": "\\u00a01.5", "em": "1.5\\u2003"}')
    fake.firehose.flush()

    properties = fake.firehose.opensearch_mapping(DOMAIN, "logs")["properties"]
    assert properties["c"] == {"type": "float"}
    assert properties["nb"]["type"] == "text"  # a no-break space is not trimmed
    assert properties["em"]["type"] == "text"


def test_a_hexadecimal_scaling_factor_is_read_as_java_reads_it(fake: FirehoseFake) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"v": {"type": "scaled_float", "scaling_factor": "0x1p7"}}},
    )

    assert shown["properties"]["v"]["scaling_factor"] == 128.0
