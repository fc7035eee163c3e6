"""An OpenSearch ``geo_shape`` field: GeoJSON objects, WKT strings, arrays of them and
``null`` are taken; a value OpenSearch cannot read or index fails the document with its
bulk error (``failed to parse field [F] of type [geo_shape]`` and its cause); the
mapping's parameters are read, shown as OpenSearch shows them, or refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_mappings import errors, index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

SHAPE = {"type": "geo_shape"}
BUILD = "Failed to build [geojson] after last required field arrived"


def failed(name: str, cause: dict[str, Any] | None = None) -> dict[str, Any]:
    """The bulk error of a value the geo_shape ``name`` cannot take."""
    error: dict[str, Any] = {
        "type": "mapper_parsing_exception",
        "reason": f"failed to parse field [{name}] of type [geo_shape]",
    }
    if cause is not None:
        error["caused_by"] = cause
    return error


def built(kind: str, reason: str) -> dict[str, Any]:
    """The cause of a GeoJSON object whose geometry cannot be built."""
    return {
        "type": "x_content_parse_exception",
        "reason": BUILD,
        "caused_by": {"type": kind, "reason": reason},
    }


def refused(landing_s3: Any) -> list[dict[str, Any]]:
    found = []
    for code, message in errors(landing_s3):
        assert code == "400"
        found.append(message)
    return found


def index_shapes(
    fake: FirehoseFake, values: list[Any], definition: dict[str, Any] | None = None
) -> Any:
    """Put one document ``{"where": value}`` per value into an index whose ``where`` is a
    geo_shape (``definition``), and flush; the stream."""
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"dynamic": "strict", "properties": {"where": definition or SHAPE}}
    )
    stream = search(fake)
    put_batch(*(json.dumps({"where": value}).encode() for value in values))
    fake.firehose.flush()
    # A value the checks cannot read is refused as OpenSearch refuses it, never an error of
    # the fake's own (its batch would stay pending, neither delivered nor refused).
    assert stream.delivery_errors == [], stream.delivery_errors
    return stream


SQUARE = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
TAKEN = [
    {"type": "Point", "coordinates": [13.4, 52.5]},
    {"type": "point", "coordinates": [13.4, 52.5, 34.0]},
    {"type": "POINT", "coordinates": [200, 100]},  # a point is wrapped onto the globe
    {"type": "LineString", "coordinates": [[0, 0], [170, 10], [-170, 20]]},
    {"type": "Polygon", "coordinates": SQUARE},
    {"type": "Polygon", "coordinates": [*SQUARE, [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]]},
    {"type": "MultiPoint", "coordinates": [[1, 2], [3, 4]]},
    {"type": "MultiLineString", "coordinates": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]},
    {"type": "MultiPolygon", "coordinates": [SQUARE, SQUARE]},
    {"type": "envelope", "coordinates": [[-10, 50], [10, 40]]},
    {"type": "BBOX", "coordinates": [[170, 10], [-170, -10]]},  # across the dateline
    {
        "type": "GeometryCollection",
        "geometries": [
            {"type": "Point", "coordinates": [1, 2]},
            {"type": "Polygon", "coordinates": SQUARE},
        ],
    },
    {"type": "Point", "coordinates": [1, 2], "properties": {"name": "skipped"}},
    {"type": "Polygon", "orientation": "LEFT", "coordinates": SQUARE},
    "POINT (13.4 52.5)",
    "point(1 2 3)",
    "LINESTRING (0 0, 1 1)",
    "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0), (0.2 0.2, 0.4 0.2, 0.4 0.4, 0.2 0.2))",
    "MULTIPOINT (1 2, 3 4)",
    "MULTILINESTRING ((1 2, 3 4), (5 6, 7 8))",
    "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))",
    "GEOMETRYCOLLECTION (POINT (1 2), GEOMETRYCOLLECTION (LINESTRING (0 0, 1 1)))",
    "BBOX (-10, 10, 50, 40)",
    "POINT EMPTY",
    "GEOMETRYCOLLECTION EMPTY",
    "POINT (1 2) what follows is not read",
    "POINT (1 2 # a comment\n)",
    [{"type": "Point", "coordinates": [1, 2]}, "POINT (3 4)", None, [["POINT (5 6)"]]],
    None,
]


def test_a_geo_shape_takes_geojson_wkt_arrays_and_null(fake: FirehoseFake, landing_s3: Any) -> None:
    stream = index_shapes(fake, TAKEN)

    assert len(stream.delivered) == len(TAKEN)
    assert refused(landing_s3) == []
    # One field, whatever a document gives it (a strict mapping refuses no key of it).
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake)) == {
        "dynamic": "strict",
        "properties": {"where": SHAPE},
    }


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        (
            {"coordinates": [1, 2]},
            {"type": "illegal_argument_exception", "reason": "Required [type]"},
        ),
        ({"type": "Point"}, built("parse_exception", "coordinates not included")),
        (
            {"type": "square", "coordinates": [1, 2]},
            built(
                "illegal_argument_exception",
                "No enum constant org.opensearch.geometry.ShapeType.SQUARE",
            ),
        ),
        (
            {"type": "Point", "coordinates": [[1, 2]]},
            built("exception", "expected a single points but got a list"),
        ),
        (
            {"type": "MultiPoint", "coordinates": [1, 2]},
            built("exception", "expected a list of points but got a point"),
        ),
        (
            {"type": "LineString", "coordinates": [[1, 2]]},
            built("exception", "not enough points to build a line"),
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
            built(
                "illegal_argument_exception",
                "first and last points of the linear ring must be the same (it must close "
                "itself): x[0]=0.0 x[3]=0.0 y[0]=0.0 y[3]=1.0",
            ),
        ),
        (
            # Read clockwise: the points are taken in reverse.
            {
                "type": "Polygon",
                "orientation": "cw",
                "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]],
            },
            built(
                "illegal_argument_exception",
                "first and last points of the linear ring must be the same (it must close "
                "itself): x[0]=0.0 x[3]=0.0 y[0]=1.0 y[3]=0.0",
            ),
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
            built("illegal_argument_exception", "at least 4 polygon points required"),
        ),
        (
            {"type": "Polygon", "coordinates": []},
            built("index_out_of_bounds_exception", "Index 0 out of bounds for length 0"),
        ),
        (
            {"type": "MultiPolygon", "coordinates": []},
            built("illegal_argument_exception", "the list of shapes cannot be null or empty"),
        ),
        (
            {"type": "GeometryCollection"},
            built("parse_exception", "geometries not included"),
        ),
        (
            {"type": "GeometryCollection", "geometries": []},
            built("illegal_argument_exception", "the list of shapes cannot be null or empty"),
        ),
        (
            {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Point", "coordinates": [1, 2]},
                    {"type": "Point", "coordinates": [1, 2, 3]},
                ],
            },
            built(
                "illegal_argument_exception",
                "all elements of the collection should have the same number of dimension",
            ),
        ),
        (
            {
                "type": "GeometryCollection",
                "geometries": [{"type": "Point", "coordinates": [1, 2]}],
                "orientation": "right",
            },
            built(
                "parse_exception",
                "parameter orientation is not supported for type GeometryCollection",
            ),
        ),
        (
            {"type": "Point", "coordinates": [1, 2], "orientation": "right"},
            built("parse_exception", "parameter orientation is not supported for type Point"),
        ),
        (
            {"type": "Polygon", "coordinates": SQUARE, "orientation": "up"},
            built("illegal_argument_exception", "Unknown orientation [up]"),
        ),
        (
            {"type": "LineString", "coordinates": [[1, 2], [3, 4]], "radius": "5m"},
            built("parse_exception", "parameter radius is not supported for type LineString"),
        ),
        (
            {"type": "circle", "coordinates": [1, 2]},
            built("parse_exception", "radius is not specified"),
        ),
        (
            {"type": "Circle", "coordinates": [1, 2], "radius": "-2km"},
            built("illegal_argument_exception", "Circle radius [-2000.0] cannot be negative"),
        ),
        (
            {"type": "Circle", "coordinates": [1, 2], "radius": "100m"},
            {
                "type": "unsupported_operation_exception",
                "reason": "circle geometry is not supported",
            },
        ),
        (
            {"type": "LinearRing", "coordinates": [[1, 2], [3, 4]]},
            built("parse_exception", "unsupported shape type LinearRing"),
        ),
        (
            {"type": "envelope", "coordinates": [[0, 0], [1, 1]]},
            built("illegal_argument_exception", "max y cannot be less than min x"),
        ),
        (
            {"type": "envelope", "coordinates": [[0, 1], [1, 0], [2, 2]]},
            built(
                "parse_exception",
                "invalid number of points [3] provided for geo_shape [ENVELOPE] when expecting "
                "an array of 2 coordinates",
            ),
        ),
        (
            {"type": "envelope", "coordinates": [0, 1]},
            built(
                "null_pointer_exception",
                'Cannot invoke "java.util.List.size()" because "this.children" is null',
            ),
        ),
        (
            {"type": "envelope", "coordinates": [[0, 95], [10, 0]]},
            {
                "type": "illegal_argument_exception",
                "reason": "invalid latitude 95.0; must be between -90.0 and 90.0",
            },
        ),
        (
            {"type": "envelope", "coordinates": [[-190, 10], [10, 0]]},
            {
                "type": "illegal_argument_exception",
                "reason": "invalid longitude -190.0; must be between -180.0 and 180.0",
            },
        ),
        (
            {"type": "envelope", "coordinates": [[0, 10], [190, 0]]},
            {
                "type": "illegal_argument_exception",
                "reason": "invalid longitude 190.0; must be between -180.0 and 180.0",
            },
        ),
        (
            5,
            {
                "type": "parse_exception",
                "reason": "shape must be an object consisting of type and coordinates",
            },
        ),
        (
            True,
            {
                "type": "parse_exception",
                "reason": "shape must be an object consisting of type and coordinates",
            },
        ),
    ],
)
def test_a_value_opensearch_cannot_build_fails_with_its_cause(
    fake: FirehoseFake, landing_s3: Any, value: Any, cause: dict[str, Any]
) -> None:
    stream = index_shapes(fake, [value])

    assert stream.delivered == []
    assert refused(landing_s3) == [failed("where", cause)]


@pytest.mark.parametrize(
    "value",
    [
        {"type": 5, "coordinates": [1, 2]},
        {"type": "Point", "coordinates": 5},
        {"type": "Point", "coordinates": ["1", "2"]},
        {"type": "Point", "coordinates": [1]},
        {"type": "Point", "coordinates": [1, 2, 3, 4]},
        {"type": "Point", "coordinates": [1, 2, "x"]},
        {"type": "MultiPoint", "coordinates": [[1, 2], [1, 2, 3]]},
        {"type": "MultiPoint", "coordinates": [[1, 2], None]},
        {"type": "MultiPoint", "coordinates": [[], [1, 2]]},
        {"type": "GeometryCollection", "geometries": [{"type": "Point"}]},
        {"type": "GeometryCollection", "geometries": [5]},
        {"type": "Circle", "coordinates": [1, 2], "radius": "far"},
        {"type": "Point", "coordinates": [1, 2], "orientation": None},
        # Built as the last of its five keys arrives: the failure is quoted with a position.
        {
            "type": "Point",
            "coordinates": [1, 2],
            "geometries": [],
            "orientation": "right",
            "radius": "1m",
        },
    ],
)
def test_what_the_parser_finds_while_reading_the_object_fails_without_a_cause(
    fake: FirehoseFake, landing_s3: Any, value: Any
) -> None:
    """OpenSearch's cause quotes the parser's position in the record: left out."""
    stream = index_shapes(fake, [value])

    assert stream.delivered == []
    assert refused(landing_s3) == [failed("where")]


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        ("", ("parse_exception", "expected word but found: END-OF-STREAM")),
        ("POINT (1 2", ("parse_exception", "expected word but found: END-OF-STREAM")),
        ("POINT 1 2", ("parse_exception", "expected EMPTY or ( but found: 1")),
        ("POINT (1 2 3 4)", ("parse_exception", "expected ) but found: 4")),
        ("POINT (1 x)", ("parse_exception", "invalid number found: x")),
        ("POINT (1, 2)", ("parse_exception", "expected number but found: ','")),
        ("POINT (1 2]", ("parse_exception", "expected word but found: ']'")),
        ("LINESTRING (1 2 3, 4 5)", ("parse_exception", "coordinate dimensions do not match: ')'")),
        ("LINESTRING (1 2, 3 4 x)", ("parse_exception", "invalid number found: x")),
        (
            "LINESTRING (1 2)",
            ("illegal_argument_exception", "at least two points in the line is required"),
        ),
        (
            # A polygon's ring is a line first: one point is too few.
            "POLYGON ((1 2))",
            ("illegal_argument_exception", "at least two points in the line is required"),
        ),
        (
            # A radius of 0 is not negative: the circle is read, and indexing refuses it.
            "CIRCLE (1 2 0)",
            ("unsupported_operation_exception", "circle geometry is not supported"),
        ),
        # A circle is read to its end before indexing refuses it.
        ("CIRCLE (1 2 10 5 6)", ("parse_exception", "expected ) but found: 6")),
        (
            "ENVELOPE (1, 2, 4, 3)",
            ("illegal_argument_exception", "Unknown geometry type: envelope"),
        ),
        (
            "CIRCLE (1 2 10)",
            ("unsupported_operation_exception", "circle geometry is not supported"),
        ),
        (
            "POLYGON ((0 0, 1 0, 1 1, 0 1))",
            (
                "illegal_argument_exception",
                "first and last points of the linear ring must be the same (it must close "
                "itself): x[0]=0.0 x[3]=0.0 y[0]=0.0 y[3]=1.0",
            ),
        ),
        (
            "POLYGON ((0 0, 1 0, 1 1, 0 0), (0 0 1, 1 0 1, 1 1 1, 0 0 1))",
            (
                "illegal_argument_exception",
                "holes must have the same number of dimensions as the polygon",
            ),
        ),
        ("BBOX (1, 2, 4, 3, 5)", ("parse_exception", "expected ) but found: ','")),
        ("BBOX (1, 2, 3, 4)", ("illegal_argument_exception", "max y cannot be less than min x")),
        (
            "BBOX (1, 2, 95, 4)",
            ("illegal_argument_exception", "invalid latitude 95.0; must be between -90.0 and 90.0"),
        ),
        (
            "GEOMETRYCOLLECTION (POINT (1 2), POINT (1 2 3))",
            (
                "illegal_argument_exception",
                "all elements of the collection should have the same number of dimension",
            ),
        ),
    ],
)
def test_a_wkt_string_opensearch_cannot_read_fails_with_its_cause(
    fake: FirehoseFake, landing_s3: Any, value: str, cause: tuple[str, str]
) -> None:
    stream = index_shapes(fake, [value])

    assert stream.delivered == []
    assert refused(landing_s3) == [failed("where", {"type": cause[0], "reason": cause[1]})]


def test_an_array_fails_at_its_first_value_that_fails(fake: FirehoseFake, landing_s3: Any) -> None:
    stream = index_shapes(
        fake,
        [["POINT (1 2)", [1, 2]], [{"type": "Point", "coordinates": [1, 2]}, "LINESTRING (1 2)"]],
    )

    assert stream.delivered == []
    assert refused(landing_s3) == [
        # [lon, lat] is no shape: its numbers are read one by one.
        failed(
            "where",
            {
                "type": "parse_exception",
                "reason": "shape must be an object consisting of type and coordinates",
            },
        ),
        failed(
            "where",
            {
                "type": "illegal_argument_exception",
                "reason": "at least two points in the line is required",
            },
        ),
    ]


def test_a_z_value_fails_only_where_ignore_z_value_is_false(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    values = [
        {"type": "Point", "coordinates": [1, 2, 3]},
        "LINESTRING (0 0 5, 1 1 6)",
        {"type": "envelope", "coordinates": [[0, 1, 7], [1, 0, 8]]},  # an envelope keeps no z
        {"type": "Point", "coordinates": [1, 2]},
    ]
    stream = index_shapes(fake, values, {"type": "geo_shape", "ignore_z_value": False})

    assert stream.delivered == [
        json.dumps({"where": values[2]}).encode(),
        json.dumps({"where": values[3]}).encode(),
    ]
    assert refused(landing_s3) == [
        failed(
            "where",
            {
                "type": "illegal_argument_exception",
                "reason": "found Z value [3.0] but [ignore_z_value] parameter is [false]",
            },
        ),
        failed(
            "where",
            {
                "type": "illegal_argument_exception",
                "reason": "found Z value [5.0] but [ignore_z_value] parameter is [false]",
            },
        ),
    ]


OPEN = [[[0, 0], [1, 0], [1, 1], [0, 1]]]


def test_coerce_closes_an_open_ring(fake: FirehoseFake, landing_s3: Any) -> None:
    values = [
        {"type": "Polygon", "coordinates": OPEN},
        {"type": "Polygon", "orientation": "clockwise", "coordinates": OPEN},
        "POLYGON ((0 0, 1 0, 1 1, 0 1), (0.2 0.2, 0.4 0.2, 0.4 0.4))",
        # Closed, a ring of two points is still too short.
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0]]]},
    ]
    stream = index_shapes(fake, values, {"type": "geo_shape", "coerce": True})

    assert len(stream.delivered) == 3
    assert refused(landing_s3) == [
        failed("where", built("illegal_argument_exception", "at least 4 polygon points required"))
    ]


def test_ignore_malformed_takes_every_value(fake: FirehoseFake, landing_s3: Any) -> None:
    values = [
        "POINT (1",
        5,
        {"type": "square"},
        {"type": "envelope", "coordinates": [[0, 95], [1, 0]]},
    ]
    stream = index_shapes(fake, values, {"type": "geo_shape", "ignore_malformed": True})

    assert len(stream.delivered) == 4
    assert refused(landing_s3) == []


def test_an_envelope_is_not_checked_against_the_globe_where_nothing_is_indexed(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    values = [
        {"type": "envelope", "coordinates": [[0, 95], [1, 0]]},
        {"type": "Circle", "coordinates": [1, 2], "radius": "1km"},  # still refused
    ]
    stream = index_shapes(fake, values, {"type": "geo_shape", "index": False, "doc_values": False})

    assert stream.delivered == [json.dumps({"where": values[0]}).encode()]
    assert refused(landing_s3) == [
        failed(
            "where",
            {
                "type": "unsupported_operation_exception",
                "reason": "circle geometry is not supported",
            },
        )
    ]


def test_a_geo_shape_in_an_object_is_named_by_its_path(fake: FirehoseFake, landing_s3: Any) -> None:
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"site": {"properties": {"area": SHAPE}}}}
    )
    stream = search(fake)
    put_batch(b'{"site": {"area": "POINT (1)"}}')
    fake.firehose.flush()

    assert stream.delivered == []
    assert refused(landing_s3) == [
        failed("site.area", {"type": "parse_exception", "reason": "expected number but found: ')'"})
    ]


def test_the_mapping_shows_a_geo_shape_as_opensearch_does(fake: FirehoseFake) -> None:
    given = {
        "plain": {"type": "geo_shape"},
        "full": {
            "type": "geo_shape",
            "orientation": "ccw",
            "coerce": False,
            "ignore_malformed": False,
            "ignore_z_value": True,
            "index": True,
            "doc_values": False,
            "store": True,
            "boost": 2,
            "meta": {"unit": "deg", "b": "x"},
        },
        "left": {"type": "geo_shape", "orientation": "Clockwise"},
    }
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": given})
    search(fake)
    put_batch(b'{"plain": "POINT (1 2)"}')
    fake.firehose.flush()

    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "full": {
            "type": "geo_shape",
            "boost": 2.0,
            "doc_values": False,
            "store": True,
            "meta": {"b": "x", "unit": "deg"},
            "ignore_malformed": False,
            "ignore_z_value": True,
            "coerce": False,
            "orientation": "RIGHT",
        },
        "left": {"type": "geo_shape", "orientation": "LEFT"},
        "plain": {"type": "geo_shape"},
    }


@pytest.mark.parametrize(
    ("definition", "refusal"),
    [
        (
            {"type": "geo_shape", "orientation": "up"},
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Unknown "
            "orientation [up]",
        ),
        (
            {"type": "geo_shape", "null_value": "POINT (0 0)", "ignore_above": 5},
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Mapping "
            "definition for [where] has unsupported parameters:  [null_value : POINT (0 0)] "
            "[ignore_above : 5]",
        ),
        (
            {"type": "geo_shape", "tree": "quadtree"},
            "field [where]: the parameter 'tree' of a geo_shape field is not modelled",
        ),
        (
            {"type": "geo_shape", "copy_to": "all"},
            "field [where]: the parameter 'copy_to' of a geo_shape field is not modelled",
        ),
        (
            {"type": "geo_shape", "fields": {"raw": {"type": "keyword"}}},
            "field [where]: the parameter 'fields' of a geo_shape field is not modelled",
        ),
        (
            {"type": "keyword", "fields": {"shape": SHAPE}},
            "field [where.shape]: a geo_shape sub-field (in another field's fields) is not "
            "modelled",
        ),
        (
            {"type": "geo_shape", "coerce": "yes"},
            "field [where]: coerce is true or false, not 'yes'",
        ),
    ],
)
def test_a_geo_shape_mapping_opensearch_or_the_fake_refuses_is_a_usage_error(
    fake: FirehoseFake, definition: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"where": definition}})

    assert refusal in str(refused_mapping.value)


def test_a_geo_shape_counts_as_one_field(fake: FirehoseFake, landing_s3: Any) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {"properties": {"where": SHAPE}},
        settings={"index.mapping.total_fields.limit": 1},
    )
    stream = search(fake)
    shape = {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}]}
    put_batch(json.dumps({"where": shape}).encode(), b'{"n": 1}')
    fake.firehose.flush()

    assert len(stream.delivered) == 1
    assert refused(landing_s3) == [
        {
            "type": "illegal_argument_exception",
            "reason": "Limit of total fields [1] has been exceeded",
        }
    ]


def test_a_dynamic_template_and_a_copy_to_reach_a_geo_shape(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    template = {"match": "*_area", "match_mapping_type": "object", "mapping": SHAPE}
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "dynamic_templates": [{"areas": template}],
            "properties": {"wkt": {"type": "keyword", "copy_to": "where"}, "where": SHAPE},
        },
    )
    stream = search(fake)
    put_batch(
        b'{"home_area": {"type": "Point", "coordinates": [1, 2]}}',
        b'{"work_area": {"type": "Point"}}',
        b'{"wkt": "POINT (1 2)"}',
        b'{"wkt": "not wkt"}',
    )
    fake.firehose.flush()

    assert stream.delivered == [
        b'{"home_area": {"type": "Point", "coordinates": [1, 2]}}',
        b'{"wkt": "POINT (1 2)"}',
    ]
    assert stream.index_mappings[index_of(fake)]["properties"]["home_area"] == SHAPE
    assert refused(landing_s3) == [
        failed("work_area", built("parse_exception", "coordinates not included")),
        failed(
            "where",
            {"type": "illegal_argument_exception", "reason": "Unknown geometry type: not"},
        ),
    ]


def test_deeply_nested_values_are_read_to_the_end(fake: FirehoseFake, landing_s3: Any) -> None:
    deep_wkt = "GEOMETRYCOLLECTION (" * 999 + "POINT (1 2)" + ")" * 999
    too_deep_wkt = "GEOMETRYCOLLECTION (" * 1000 + "POINT (1 2)" + ")" * 1000
    collection: Any = {"type": "Point", "coordinates": [1, 2]}
    for _ in range(200):
        collection = {"type": "GeometryCollection", "geometries": [collection]}
    coordinates: Any = [1, 2]
    for _ in range(300):
        coordinates = [coordinates]
    stream = index_shapes(
        fake,
        [deep_wkt, too_deep_wkt, collection, {"type": "MultiPoint", "coordinates": coordinates}],
    )

    assert stream.delivered == [
        json.dumps({"where": deep_wkt}).encode(),
        json.dumps({"where": collection}).encode(),
    ]
    assert refused(landing_s3) == [
        failed(
            "where",
            {
                "type": "illegal_argument_exception",
                "reason": "a geometry collection with a depth greater than 1000 is not supported",
            },
        ),
        failed("where", built("exception", "expected a single points but got a list")),
    ]


def test_a_point_with_a_nan_or_infinite_coordinate_fails_as_lucene_encodes_it(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    """WKT reads ``NaN`` and ``Infinity``; ``GeoShapeIndexer`` wraps a point onto the globe,
    which leaves a NaN NaN and makes an infinite coordinate NaN, and ``LatLonShape``
    encodes its longitude, then its latitude: the point fails. A line's latitudes are
    folded onto the globe (an infinite one NaN) and Lucene's ``Line`` checks each point's
    latitude, then longitude. A field that indexes nothing takes them."""
    values = [
        "POINT (NaN 1)",
        "POINT (1 NaN)",
        "MULTIPOINT (0 0, 1 Infinity)",
        "POINT (NaN NaN)",
        "POINT (200 100)",
        # A line's points are checked in order, each latitude first (Lucene's Line).
        "LINESTRING (0 0, NaN 1)",
        "LINESTRING (0 0, 1 NaN, NaN 2)",
        "MULTILINESTRING ((0 0, 1 1), (2 2, 3 Infinity))",
        "LINESTRING (170 0, 190 NaN)",
    ]
    stream = index_shapes(fake, values)

    def nan(name: str, most: float) -> dict[str, Any]:
        return failed(
            "where",
            {
                "type": "illegal_argument_exception",
                "reason": f"invalid {name} NaN; must be between {-most} and {most}",
            },
        )

    assert refused(landing_s3) == [
        nan("longitude", 180.0),
        nan("latitude", 90.0),
        nan("latitude", 90.0),
        nan("longitude", 180.0),
        nan("longitude", 180.0),
        nan("latitude", 90.0),
        nan("latitude", 90.0),
        nan("latitude", 90.0),
    ]
    assert len(stream.delivered) == 1


def test_a_nan_point_is_taken_where_nothing_is_indexed(fake: FirehoseFake, landing_s3: Any) -> None:
    stream = index_shapes(
        fake,
        ["POINT (NaN 1)", "LINESTRING (0 0, NaN 1)"],
        {"type": "geo_shape", "index": False, "doc_values": False},
    )

    assert refused(landing_s3) == []
    assert len(stream.delivered) == 2
