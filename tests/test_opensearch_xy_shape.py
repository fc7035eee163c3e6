"""An OpenSearch ``xy_shape`` field (the geospatial plugin's Cartesian shape): GeoJSON and WKT
read as a ``geo_shape`` reads them, but on a plane: no latitude or longitude range, no
dateline; a circle is refused, each coordinate is indexed as a float, and a polygon is
tessellated by Lucene; the mapping's parameters are read, shown, or refused."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_geo_shape import built, index_shapes, refused
from test_opensearch_mappings import index_of, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

SHAPE = {"type": "xy_shape"}
RANGE = "must be between -3.4028234663852886E38 and 3.4028234663852886E38"
SQUARE = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]


def failed(cause: dict[str, Any] | None) -> dict[str, Any]:
    """The bulk error of a value the xy_shape ``where`` cannot take."""
    error: dict[str, Any] = {
        "type": "mapper_parsing_exception",
        "reason": "failed to parse field [where] of type [xy_shape]",
    }
    if cause is not None:
        error["caused_by"] = cause
    return error


def illegal(reason: str) -> dict[str, Any]:
    return {"type": "illegal_argument_exception", "reason": reason}


TAKEN = [
    {"type": "Point", "coordinates": [1000, -5000]},  # no globe: no range, no wrapping
    {"type": "LineString", "coordinates": [[0, 0], [500, 500], [-500, 200]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [400, 0], [400, 400], [0, 400], [0, 0]]]},
    # Across what would be the dateline: one polygon on a plane.
    {"type": "Polygon", "coordinates": [[[170, 0], [190, 0], [190, 10], [170, 10], [170, 0]]]},
    # A ring passing twice through a point, and two equal points in a row: Lucene's
    # tessellator takes them (no decomposer refuses them first, as for geo_shape).
    "POLYGON ((0 0, 2 0, 1 1, 2 2, 0 2, 1 1, 0 0))",
    "POLYGON ((0 0, 1 0, 1 0, 1 1, 0 1, 0 0))",
    "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 4 2, 4 4, 2 2))",
    {"type": "MultiPolygon", "coordinates": [SQUARE, SQUARE]},
    {"type": "envelope", "coordinates": [[-1000, 500], [1000, -500]]},
    "BBOX (10, -10, 5, 0)",  # its west east of its east: a polygon wound the other way
    "MULTIPOINT (1 2, 3e38 4)",
    "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1e6 1e6))",
    "POINT (1 2 3)",
    "POINT EMPTY",
    "MULTILINESTRING EMPTY",
    [{"type": "Point", "coordinates": [1, 2]}, "POINT (3 4)", None],
    None,
]


def test_an_xy_shape_takes_shapes_on_a_plane(fake: FirehoseFake, landing_s3: Any) -> None:
    stream = index_shapes(fake, TAKEN, SHAPE)

    assert refused(landing_s3) == []
    assert len(stream.delivered) == len(TAKEN)
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "where": SHAPE
    }


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        # The geo_shape parser's own checks and words.
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
            built(
                "illegal_argument_exception",
                "first and last points of the linear ring must be the same (it must close "
                "itself): x[0]=0.0 x[3]=0.0 y[0]=0.0 y[3]=1.0",
            ),
        ),
        ("LINESTRING (1 2)", illegal("at least two points in the line is required")),
        (
            5,
            {
                "type": "parse_exception",
                "reason": "shape must be an object consisting of type and coordinates",
            },
        ),
        # A circle, refused before indexing; inside a collection, by indexing.
        (
            {"type": "Circle", "coordinates": [1, 2], "radius": "100m"},
            {"type": "unsupported_operation_exception", "reason": "CIRCLE is not supported"},
        ),
        (
            "GEOMETRYCOLLECTION (POINT (1 2), CIRCLE (1 2 3))",
            illegal("invalid shape type found [ CIRCLE ] while indexing shape"),
        ),
        # Each coordinate is indexed as a float.
        ({"type": "Point", "coordinates": [1e39, 2]}, illegal(f"invalid value Infinity; {RANGE}")),
        ("LINESTRING (0 0, 1 NaN)", illegal(f"invalid value NaN; {RANGE}")),
        ("BBOX (-4e38, 0, 1, 0)", illegal(f"invalid value -Infinity; {RANGE}")),
        (
            # A hole is made before its shell.
            "POLYGON ((0 0, 10 NaN, 10 10, 0 0), (1 1, 2 1, 2 1e39, 1 1))",
            illegal(f"invalid value Infinity; {RANGE}"),
        ),
        ("LINESTRING EMPTY", illegal("at least 2 line points required")),
        ("POLYGON EMPTY", illegal("at least 2 line points required")),
        # Lucene's tessellation.
        (
            "POLYGON ((0 0, 1 0, 2 0, 0 0))",
            illegal("at least three non-collinear points required"),
        ),
        ("BBOX (0, 0, 1, 0)", illegal("at least three non-collinear points required")),
        # Rectangle.EMPTY: its corners all 0, 0.
        ("BBOX EMPTY", illegal("at least three non-collinear points required")),
        # A triangle in doubles, one point once made floats.
        (
            "POLYGON ((1000 1000, 1000.00001 1000, 1000 1000.00001, 1000 1000))",
            illegal("at least three non-collinear points required"),
        ),
        (
            "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))",
            illegal("Unable to Tessellate shape. Possible malformed shape detected."),
        ),
        (
            "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (20 20, 30 20, 30 30, 20 20))",
            illegal("Unable to Tessellate shape. Possible malformed shape detected."),
        ),
    ],
)
def test_a_value_the_plugin_cannot_read_or_index_fails_with_its_cause(
    fake: FirehoseFake, landing_s3: Any, value: Any, cause: dict[str, Any]
) -> None:
    stream = index_shapes(fake, [value], SHAPE)

    assert stream.delivered == []
    assert refused(landing_s3) == [failed(cause)]


def test_the_mapping_orientation_reads_a_geojson_polygon_that_names_none(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    """The plugin builds its parser with the mapping's orientation (``geo_shape``'s parser
    reads counterclockwise whatever the mapping says): clockwise, a ring's points are read
    in reverse."""
    ring = {"type": "Polygon", "coordinates": [[[5, 5], [6, 5], [6, 6], [5, 6]]]}
    index_shapes(fake, [ring], {"type": "xy_shape", "orientation": "cw"})

    assert refused(landing_s3) == [
        failed(
            built(
                "illegal_argument_exception",
                "first and last points of the linear ring must be the same (it must close "
                "itself): x[0]=5.0 x[3]=5.0 y[0]=6.0 y[3]=5.0",
            )
        )
    ]


@pytest.mark.parametrize(
    ("definition", "values"),
    [
        # Not indexed (no doc values by default): neither floats nor tessellation checked.
        (
            {"type": "xy_shape", "index": False},
            ["POINT (1e39 0)", "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"],
        ),
        ({"type": "xy_shape", "ignore_malformed": True}, ["CIRCLE (1 2 3)", "POINT (1e39 0)", 5]),
    ],
)
def test_what_an_unindexed_or_lenient_xy_shape_takes(
    fake: FirehoseFake, landing_s3: Any, definition: dict[str, Any], values: list[Any]
) -> None:
    stream = index_shapes(fake, values, definition)

    assert refused(landing_s3) == []
    assert len(stream.delivered) == len(values)


@pytest.mark.parametrize(
    ("definition", "value", "cause"),
    [
        # Doc values make the field index its shapes again.
        (
            {"type": "xy_shape", "index": False, "doc_values": True},
            "POINT (1e39 0)",
            illegal(f"invalid value Infinity; {RANGE}"),
        ),
        # A circle is refused before indexing, whatever index says.
        (
            {"type": "xy_shape", "index": False},
            "CIRCLE (1 2 3)",
            {"type": "unsupported_operation_exception", "reason": "CIRCLE is not supported"},
        ),
        (
            {"type": "xy_shape", "ignore_z_value": False},
            "POINT (1 2 3)",
            illegal("found Z value [3.0] but [ignore_z_value] parameter is [false]"),
        ),
    ],
)
def test_what_the_parameters_make_an_xy_shape_refuse(
    fake: FirehoseFake, landing_s3: Any, definition: dict[str, Any], value: Any, cause: Any
) -> None:
    index_shapes(fake, [value], definition)

    assert refused(landing_s3) == [failed(cause)]


def test_the_mapping_shows_an_xy_shape_as_opensearch_does(fake: FirehoseFake) -> None:
    given = {
        "plain": {"type": "xy_shape"},
        "full": {
            "type": "xy_shape",
            "orientation": "left",
            "coerce": True,
            "ignore_malformed": False,
            "ignore_z_value": True,
            "index": True,
            "doc_values": True,
            "store": False,
            "boost": 1,
            "meta": {"unit": "m"},
        },
        "no_doc_values": {"type": "xy_shape", "doc_values": False},
    }
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": given})
    search(fake)
    put_batch(b'{"plain": "POINT (1 2)"}')
    fake.firehose.flush()

    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "full": {
            "type": "xy_shape",
            "doc_values": True,
            "meta": {"unit": "m"},
            "ignore_malformed": False,
            "ignore_z_value": True,
            "coerce": True,
            "orientation": "LEFT",
        },
        "no_doc_values": {"type": "xy_shape"},
        "plain": {"type": "xy_shape"},
    }


@pytest.mark.parametrize(
    ("definition", "refusal"),
    [
        (
            {"type": "xy_shape", "orientation": "up"},
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Unknown "
            "orientation [up]",
        ),
        (
            {"type": "xy_shape", "null_value": "POINT (0 0)"},
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Mapping "
            "definition for [where] has unsupported parameters:  [null_value : POINT (0 0)]",
        ),
        (
            {"type": "xy_shape", "tree": "quadtree"},
            "field [where]: the parameter 'tree' of a xy_shape field is not modelled",
        ),
        (
            {"type": "keyword", "fields": {"shape": SHAPE}},
            "field [where.shape]: a xy_shape sub-field (in another field's fields) is not modelled",
        ),
    ],
)
def test_an_xy_shape_mapping_opensearch_or_the_fake_refuses_is_a_usage_error(
    fake: FirehoseFake, definition: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"where": definition}})

    assert refusal in str(refused_mapping.value)
