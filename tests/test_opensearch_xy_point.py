"""An OpenSearch ``xy_point`` field (the geospatial plugin's Cartesian point): objects, ``"x,y"``
strings, WKT points, ``[x, y]`` arrays, GeoJSON points and arrays of them are taken, with no
range; a value the plugin cannot read, or a coordinate no float holds, fails the document
(``failed to parse field [F] of type [xy_point]`` and its cause); ``null_value`` stands in
for ``null``; the mapping's parameters are read, shown, or refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_geo_shape import refused
from test_opensearch_mappings import index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

POINT = {"type": "xy_point"}
RANGE = "must be between -3.4028234663852886E38 and 3.4028234663852886E38"


def failed(cause: dict[str, Any] | None, name: str = "where") -> dict[str, Any]:
    """The bulk error of a value the xy_point ``name`` cannot take."""
    error: dict[str, Any] = {
        "type": "mapper_parsing_exception",
        "reason": f"failed to parse field [{name}] of type [xy_point]",
    }
    if cause is not None:
        error["caused_by"] = cause
    return error


def parse(reason: str) -> dict[str, Any]:
    return {"type": "parse_exception", "reason": reason}


def index_points(
    fake: FirehoseFake, values: list[Any], definition: dict[str, Any] | None = None
) -> Any:
    """Put one document ``{"where": value}`` per value into an index whose ``where`` is an
    xy_point (``definition``), and flush; the stream."""
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"dynamic": "strict", "properties": {"where": definition or POINT}}
    )
    stream = search(fake)
    put_batch(*(json.dumps({"where": value}).encode() for value in values))
    fake.firehose.flush()
    assert stream.delivery_errors == [], stream.delivery_errors
    return stream


TAKEN = [
    {"x": 52.374081, "y": 4.91235},
    {"y": -1e30, "x": "2.5"},  # no range: any float, strings Double.parseDouble reads
    "52.369219,4.901618",
    " 0.5 , 4.5 ",
    "1,2,3",  # a z, ignored
    [52.371667, 4.914722],
    [1, "2"],
    [1, 2, 3],
    "POINT (52.371667 4.914722)",
    "point(1 2 3)",
    "POINT EMPTY",
    {"type": "Point", "coordinates": [0.5, 4.5]},
    {"coordinates": [0.5, 4.5, 7], "type": "pOiNt"},
    [[1, 2], "3,4", {"x": 5, "y": 6}, "POINT (7 8)"],
    [3.4028235e38, -3.4028235e38],  # the largest floats
    None,
]


def test_an_xy_point_takes_its_forms_without_range(fake: FirehoseFake, landing_s3: Any) -> None:
    stream = index_points(fake, TAKEN)

    assert refused(landing_s3) == []
    assert len(stream.delivered) == len(TAKEN)
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake)) == {
        "dynamic": "strict",
        "properties": {"where": POINT},
    }


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        ({}, parse("token [END_OBJECT] not allowed")),
        ({"lat": 1, "lon": 2}, parse("field must be either [x|y], or [type|coordinates]")),
        ({"x": 1, "z": 2}, parse("field must be either [x|y], or [type|coordinates]")),
        ({"x": 1, "y": 2, "z": 3}, parse("field must be either [x|y], or [type|coordinates]")),
        ({"x": 1}, parse("field [y] missing")),
        ({"y": 1}, parse("field [x] missing")),
        ({"x": True, "y": 1}, parse("x must be a number")),
        ({"x": 1, "y": None}, parse("y must be a number")),
        ({"x": "east", "y": 1}, parse("[x] and [y] must be valid double values")),
        ({"type": "Point"}, parse("field [coordinates] missing")),
        ({"coordinates": [1, 2]}, parse("field [type] missing")),
        ({"type": 5, "coordinates": [1, 2]}, parse("type must be a string")),
        ({"type": "LineString", "coordinates": [1, 2]}, parse("type must be Point")),
        ({"type": "Point", "coordinates": "1,2"}, parse("coordinates must be an array")),
        ({"type": "Point", "coordinates": ["1", "2"]}, parse("numeric value expected")),
        (
            {"type": "Point", "coordinates": [1]},
            parse("[xy_point] field type should have at least two dimensions"),
        ),
        (
            {"type": "Point", "coordinates": [1, 2, 3, 4]},
            parse("[xy_point] field type does not accept more than 3 values"),
        ),
        (
            {"type": "Point", "coordinates": [1, 2], "x": 1},
            parse("field must be either [x|y], or [type|coordinates]"),
        ),
        ("1,2,3,4", parse("expected 2 or 3 coordinates, but found: [4]")),
        ("abc", parse("[x] must be a number")),
        ("50.0,abcd", parse("[y] must be a number")),
        (
            "1,2,up",
            {"type": "number_format_exception", "reason": 'For input string: "up"'},
        ),
        (
            "12",
            {
                "type": "array_index_out_of_bounds_exception",
                "reason": "Index 1 out of bounds for length 1",
            },
        ),
        # Holds no "point": read as coordinates.
        ("LINESTRING (1 2, 3 4)", parse("[x] must be a number")),
        (
            "NOT A POINT(1 2)",
            {
                "type": "parse_exception",
                "reason": "Invalid WKT format, [NOT A POINT(1 2)]",
                "caused_by": {
                    "type": "illegal_argument_exception",
                    "reason": "Unknown geometry type: not",
                },
            },
        ),
        (
            "POINT (1)",
            {
                "type": "parse_exception",
                "reason": "Invalid WKT format, [POINT (1)]",
                "caused_by": {
                    "type": "parse_exception",
                    "reason": "expected number but found: ')'",
                },
            },
        ),
        (
            "MULTIPOINT (1 2, 3 4)",
            parse("[xy_point] supports only POINT among WKT primitives, but found [MULTIPOINT]"),
        ),
        (
            "GEOMETRYCOLLECTION (POINT (1 2))",
            parse(
                "[xy_point] supports only POINT among WKT primitives, but found "
                "[GEOMETRYCOLLECTION]"
            ),
        ),
        (5, parse("expecting xy_point as an array, a string, or an object format")),
        (True, parse("expecting xy_point as an array, a string, or an object format")),
        ([None], parse("expecting xy_point as an array, a string, or an object format")),
        ([[1, 2], 5], parse("expecting xy_point as an array, a string, or an object format")),
        ([[1]], parse("[xy_point] field type should have at least two dimensions")),
        ([1, 2, "3"], parse("field type does not accept > 3 dimensions")),
        # The second of an array's numbers may be a string Double.parseDouble reads.
        ([1, "north"], {"type": "number_format_exception", "reason": 'For input string: "north"'}),
        ([], {"type": "illegal_argument_exception", "reason": "XYPoint cannot be empty"}),
        # No range, but a coordinate is indexed as a float.
        ("NaN,1", {"type": "illegal_argument_exception", "reason": f"invalid value NaN; {RANGE}"}),
        (
            {"x": 0, "y": 1e39},
            {"type": "illegal_argument_exception", "reason": f"invalid value Infinity; {RANGE}"},
        ),
        (
            [-3.5e38, 0],
            {"type": "illegal_argument_exception", "reason": f"invalid value -Infinity; {RANGE}"},
        ),
        (
            [[1, 2], "POINT (NaN 1)"],
            {"type": "illegal_argument_exception", "reason": f"invalid value NaN; {RANGE}"},
        ),
        ([1], None),  # OpenSearch's cause quotes the parser's position: left out
    ],
)
def test_a_value_the_plugin_cannot_read_fails_with_its_cause(
    fake: FirehoseFake, landing_s3: Any, value: Any, cause: dict[str, Any] | None
) -> None:
    stream = index_points(fake, [value])

    assert stream.delivered == []
    assert refused(landing_s3) == [failed(cause)]


@pytest.mark.parametrize(
    "value",
    ["1,2,3", [1, 2, 3], {"type": "Point", "coordinates": [1, 2, 3]}, "POINT (1 2 3)"],
)
def test_a_z_fails_without_ignore_z_value(fake: FirehoseFake, landing_s3: Any, value: Any) -> None:
    stream = index_points(fake, [value], {"type": "xy_point", "ignore_z_value": False})

    reason = "found Z value [3.0] but [ignore_z_value] parameter is [false]"
    if isinstance(value, str) and "POINT" in value:
        # The WKT parser's validator finds it: the plugin's WKT failure wraps it.
        cause = {
            "type": "parse_exception",
            "reason": f"Invalid WKT format, [{value}]",
            "caused_by": {"type": "illegal_argument_exception", "reason": reason},
        }
    else:
        cause = parse(f"Exception parsing coordinates: {reason}")
    assert stream.delivered == []
    assert refused(landing_s3) == [failed(cause)]


def test_ignore_malformed_takes_every_value(fake: FirehoseFake, landing_s3: Any) -> None:
    values = ["50.0,abcd", "NaN,1", [], {"x": 1}, 5]
    stream = index_points(fake, values, {"type": "xy_point", "ignore_malformed": True})

    assert refused(landing_s3) == []
    assert len(stream.delivered) == len(values)


def test_null_value_stands_in_for_null(fake: FirehoseFake, landing_s3: Any) -> None:
    """A ``null_value`` is read as the mapping is; ``null`` is then that point, which is
    indexed as floats are."""
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "good": {"type": "xy_point", "null_value": "1.5, 2"},
                "huge": {"type": "xy_point", "null_value": {"x": 1e39, "y": 0}},
            }
        },
    )
    search(fake)
    put_batch(b'{"good": null}', b'{"huge": [1, 2]}', b'{"huge": null}')
    fake.firehose.flush()

    assert refused(landing_s3) == [
        {
            "type": "mapper_parsing_exception",
            "reason": "failed to parse field [huge] of type [xy_point]",
            "caused_by": {
                "type": "illegal_argument_exception",
                "reason": f"invalid value Infinity; {RANGE}",
            },
        }
    ]
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "good": {"type": "xy_point", "null_value": {"x": 1.5, "y": 2.0}},
        "huge": {"type": "xy_point", "null_value": {"x": 1e39, "y": 0.0}},
    }


def test_the_mapping_shows_an_xy_point_as_opensearch_does(fake: FirehoseFake) -> None:
    given = {
        "plain": {"type": "xy_point"},
        "full": {
            "type": "xy_point",
            "null_value": [3, 4],
            "ignore_malformed": False,
            "ignore_z_value": False,
            "index": False,
            "doc_values": False,
            "store": True,
            "boost": 2,
            "meta": {"unit": "m"},
        },
        "null": {"type": "xy_point", "null_value": None},
    }
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": given})
    search(fake)
    put_batch(b'{"plain": "1,2"}')
    fake.firehose.flush()

    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "full": {
            "type": "xy_point",
            "boost": 2.0,
            "index": False,
            "doc_values": False,
            "store": True,
            "meta": {"unit": "m"},
            "ignore_malformed": False,
            "ignore_z_value": False,
            "null_value": {"x": 3.0, "y": 4.0},
        },
        "null": {"type": "xy_point"},
        "plain": {"type": "xy_point"},
    }


def test_a_null_value_no_float_holds_is_shown_as_jackson_writes_it(fake: FirehoseFake) -> None:
    """A coordinate that is not finite is written as a string (Jackson's
    ``QUOTE_NON_NUMERIC_NUMBERS``, which OpenSearch's ``JsonXContent`` leaves on)."""
    given = {
        "nan": {"type": "xy_point", "null_value": "NaN,1"},
        "infinite": {"type": "xy_point", "null_value": {"x": 0, "y": "-Infinity"}},
    }

    properties = fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": given})["properties"]

    assert properties["nan"]["null_value"] == {"x": "NaN", "y": 1.0}
    assert properties["infinite"]["null_value"] == {"x": 0.0, "y": "-Infinity"}


REFUSES = "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: "


@pytest.mark.parametrize(
    ("definition", "refusal"),
    [
        ({"type": "xy_point", "null_value": "abc"}, f"{REFUSES}[x] must be a number"),
        (
            {"type": "xy_point", "null_value": 5},
            f"{REFUSES}expecting xy_point as an array, a string, or an object format",
        ),
        (
            {"type": "xy_point", "null_value": "1,2,3", "ignore_z_value": False},
            f"{REFUSES}Exception parsing coordinates: found Z value [3.0] but [ignore_z_value] "
            "parameter is [false]",
        ),
        (
            {"type": "xy_point", "null_value": [[1, 2]]},
            f"{REFUSES}numeric value expected",
        ),
        (
            {"type": "xy_point", "coerce": True},
            f"{REFUSES}Mapping definition for [where] has unsupported parameters:  [coerce : true]",
        ),
        (
            {"type": "xy_point", "copy_to": "all"},
            "field [where]: the parameter 'copy_to' of a xy_point field is not modelled",
        ),
        (
            {"type": "keyword", "fields": {"point": POINT}},
            "field [where.point]: a xy_point sub-field (in another field's fields) is not modelled",
        ),
        (
            {"type": "xy_point", "ignore_z_value": "no"},
            "field [where]: ignore_z_value is true or false, not 'no'",
        ),
    ],
)
def test_an_xy_point_mapping_opensearch_or_the_fake_refuses_is_a_usage_error(
    fake: FirehoseFake, definition: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"where": definition}})

    assert refusal in str(refused_mapping.value)


def test_a_dynamic_template_may_map_an_xy_point_which_reads_a_whole_array(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"dynamic_templates": [{"spots": {"match": "*_xy", "mapping": {"type": "xy_point"}}}]},
    )
    stream = search(fake)
    put_batch(b'{"seen_xy": [10, 20]}', b'{"other_xy": [10]}')
    fake.firehose.flush()

    assert len(stream.delivered) == 1
    assert refused(landing_s3) == [failed(None, "other_xy")]
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"]["seen_xy"] == {
        "type": "xy_point"
    }
