"""A ``geo_shape`` polygon is checked as OpenSearch indexes it: split at the dateline (a hole
sharing two points with its shell, a ring whose orientation cannot be read, two equal
points in a row, a hole east or west of its shell fail there), then cut into triangles by
Lucene where the field is indexed (rings that cross, a hole outside its shell, a flat
shell fail there); the failure is the document's bulk error with OpenSearch's cause."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_opensearch_geo_shape import failed, index_shapes, refused

from pytest_firehose import FirehoseFake

SQUARE = "(0 0, 10 0, 10 10, 0 10, 0 0)"
TESSELLATE = {
    "type": "illegal_argument_exception",
    "reason": "Unable to Tessellate shape. Possible malformed shape detected.",
}


def invalid(reason: str) -> dict[str, Any]:
    return {"type": "invalid_shape_exception", "reason": reason}


REFUSED = [
    (
        f"POLYGON ({SQUARE}, (0 0, 10 0, 5 5, 0 0))",
        {
            "type": "illegal_argument_exception",
            "reason": "Invalid polygon, interior cannot share more than one point with the "
            "exterior",
        },
    ),
    (
        "POLYGON ((0 0, 1 0, 2 0, 0 0))",
        invalid("Cannot determine orientation: edges adjacent to (0.0,0.0) coincide"),
    ),
    (
        # Counterclockwise: the ring is linked in its own order.
        "POLYGON ((0 0, 1 0, 1 0, 1 1, 0 1, 0 0))",
        invalid("Provided shape has duplicate consecutive coordinates at: (POINT (1.0 0.0))"),
    ),
    (
        # Clockwise: linked the other way round, without the parentheses.
        "POLYGON ((0 0, 0 1, 0 1, 1 1, 1 0, 0 0))",
        invalid("Provided shape has duplicate consecutive coordinates at: POINT (0.0 1.0)"),
    ),
    (
        # The first point is the last but one: they meet where the ring closes.
        "POLYGON ((1 1, 0 0, 1 0, 1 1, 1 1))",
        invalid("Provided shape has duplicate consecutive coordinates at: POINT (1.0 1.0)"),
    ),
    (
        # ... unless they are the ring's southernmost point, whose orientation is read first.
        "POLYGON ((0 0, 1 0, 1 1, 0 0, 0 0))",
        invalid("Cannot determine orientation: edges adjacent to (0.0,0.0) coincide"),
    ),
    (
        f"POLYGON ({SQUARE}, (20 2, 24 2, 24 4, 20 2))",
        invalid("Invalid shape: Hole is not within polygon"),
    ),
    (
        # A hole whose points lie on one line: its orientation cannot be read either.
        f"POLYGON ({SQUARE}, (2 2, 6 6, 4 4, 2 2))",
        invalid("Cannot determine orientation: edges adjacent to (2.0,2.0) coincide"),
    ),
    (
        # A shell passing twice through one point, met before the end of its walk
        # (clockwise: walked backwards from its first point).
        "POLYGON ((0 0, 0 2, 1 1.9, 0.5 1.8, 1.5 1.8, 1 1.9, 2 2, 2 0, 0 0))",
        invalid("Self-intersection at or near point [1.0,1.9]"),
    ),
    (
        # A shell passing twice through one point, met last: the loop split off there is
        # too short to be a polygon.
        "POLYGON ((0 0, 4 0, 2 2, 3 3, 2 2, 0 0))",
        {"type": "illegal_argument_exception", "reason": "at least 4 polygon points required"},
    ),
    ("POLYGON ((0 0, 10 10, 0 10, 10 0, 0 0))", TESSELLATE),  # a ring crossing itself
    ("POLYGON ((4 3, 1 0, 3 1, 1 1, 4 3))", TESSELLATE),  # its first edge crossed
    (f"POLYGON ({SQUARE}, (5 5, 15 5, 15 6, 5 5))", TESSELLATE),  # a hole crossing its shell
    (f"POLYGON ({SQUARE}, (2 20, 4 20, 4 24, 2 20))", TESSELLATE),  # a hole north of it
    (
        f"POLYGON ({SQUARE}, (1 1, 5 1, 5 5, 1 1), (2 4, 4 0.5, 4 4, 2 4))",
        TESSELLATE,  # two holes crossing
    ),
    (
        # A hole inside another hole: Lucene's ear clipping never cuts the loop it leaves,
        # which is wound the wrong way, whichever hole comes first.
        f"POLYGON ({SQUARE}, (2 2, 8 2, 8 8, 2 8, 2 2), (4 4, 6 4, 6 6, 4 6, 4 4))",
        TESSELLATE,
    ),
    (f"POLYGON ({SQUARE}, (4 4, 6 4, 6 6, 4 6, 4 4), (2 2, 8 2, 8 8, 2 8, 2 2))", TESSELLATE),
    (
        # Latitudes past a pole are folded back: 100 is 80, and the shell is a line.
        "POLYGON ((0 80, 10 80, 10 100, 0 100, 0 80))",
        {
            "type": "illegal_argument_exception",
            "reason": "at least three non-collinear points required",
        },
    ),
    (
        # Clockwise and wider than 180 degrees, its westernmost point first: read across
        # the dateline, so linked in its own order.
        "POLYGON ((-100 5, 100 10, 100 10, 100 0, -100 5))",
        invalid("Provided shape has duplicate consecutive coordinates at: (POINT (100.0 10.0))"),
    ),
    (f"MULTIPOLYGON (({SQUARE}), ((0 0, 10 10, 0 10, 10 0, 0 0)))", TESSELLATE),
    (
        "GEOMETRYCOLLECTION (POINT (1 2), POLYGON ((0 0, 10 10, 0 10, 10 0, 0 0)))",
        TESSELLATE,
    ),
    (
        # GeoJSON: the cause is indexing's, not the parser's "Failed to build".
        {"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [0, 10], [10, 0], [0, 0]]]},
        TESSELLATE,
    ),
    (
        # Read clockwise, the ring is reversed: its repeated point is linked the other way.
        {
            "type": "Polygon",
            "orientation": "cw",
            "coordinates": [[[0, 0], [1, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
        },
        invalid("Provided shape has duplicate consecutive coordinates at: POINT (1.0 0.0)"),
    ),
]


@pytest.mark.parametrize(("value", "cause"), REFUSED)
def test_a_polygon_opensearch_cannot_index_fails_with_its_cause(
    fake: FirehoseFake, landing_s3: Any, value: Any, cause: dict[str, Any]
) -> None:
    stream = index_shapes(fake, [value])

    assert stream.delivered == []
    assert refused(landing_s3) == [failed("where", cause)]


TAKEN = [
    f"POLYGON ({SQUARE})",
    "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0))",  # clockwise
    f"POLYGON ({SQUARE}, (2 2, 4 2, 4 4, 2 2), (6 6, 8 6, 8 8, 6 6))",
    f"POLYGON ({SQUARE}, (0 0, 4 2, 4 4, 0 0))",  # a hole touching its shell at one point
    # A hole whose first point lies on its shell's east, then north side.
    f"POLYGON ({SQUARE}, (10 5, 6 4, 6 6, 10 5))",
    f"POLYGON ({SQUARE}, (5 10, 4 6, 6 6, 5 10))",
    # A hole passing twice through (4, 4): its two loops wound the same way, then opposite
    # ways (Lucene's ear clipping cuts both).
    f"POLYGON ({SQUARE}, (4 4, 2 2, 2 6, 4 4, 6 6, 6 2, 4 4))",
    f"POLYGON ({SQUARE}, (4 4, 2 2, 2 6, 4 4, 6 2, 6 6, 4 4))",
    f"POLYGON ({SQUARE}, (2 2, 4 2, 4 8, 2 8, 2 2), (4 4, 6 4, 6 6, 4 6, 4 4))",  # holes touching
    "POLYGON ((0 0, 10 0, 10 100, 0 100, 0 0))",  # folded back to 80
    "POLYGON ((0 370, 10 370, 10 380, 0 370))",  # a full turn on: 10 and 20
    "POLYGON ((0 -380, 10 -380, 10 -370, 0 -380))",  # a full turn back: -20 and -10
    "POLYGON ((170 -10, -170 -10, -170 10, 170 10, 170 -10))",  # across the dateline
    "POLYGON ((170 -10, 190 -10, 190 10, 170 10, 170 -10))",  # past 180: wrapped
    "POLYGON ((0 0, 10 0, 10 10, 5 2, 0 10, 0 0))",  # not convex
    # Two triangles meeting at a point met last in the shell's walk: split in two.
    "POLYGON ((0 0, 4 0, 2 2, 4 4, 0 4, 2 2, 0 0))",
    "POLYGON ((0 0, 2 2, 0 4, 4 4, 2 2, 4 0, 0 0))",  # the same clockwise: walked backwards
    {"type": "Polygon", "coordinates": [[[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]]},
    {
        "type": "Polygon",
        "orientation": "LEFT",
        "coordinates": [
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[2, 2], [2, 4], [4, 2], [2, 2]],
        ],
    },
    f"MULTIPOLYGON (({SQUARE}), ((20 0, 30 0, 30 10, 20 0)))",
    "POLYGON EMPTY",
]


def test_valid_polygons_are_indexed(fake: FirehoseFake, landing_s3: Any) -> None:
    stream = index_shapes(fake, TAKEN)

    assert len(stream.delivered) == len(TAKEN)
    assert refused(landing_s3) == []


def test_the_mapping_orientation_decides_how_a_ring_is_linked(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    """The same counterclockwise ring, under a clockwise (``left``) mapping: linked the
    other way round, its repeated point is quoted without parentheses."""
    value = "POLYGON ((0 0, 1 0, 1 0, 1 1, 0 1, 0 0))"
    stream = index_shapes(fake, [value], {"type": "geo_shape", "orientation": "left"})

    assert stream.delivered == []
    assert refused(landing_s3) == [
        failed(
            "where",
            invalid("Provided shape has duplicate consecutive coordinates at: POINT (1.0 0.0)"),
        )
    ]


def test_without_index_or_doc_values_only_the_dateline_split_checks_a_polygon(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    values = [
        "POLYGON ((0 0, 10 10, 0 10, 10 0, 0 0))",  # never cut into triangles
        f"POLYGON ({SQUARE}, (20 2, 24 2, 24 4, 20 2))",  # split all the same
    ]
    stream = index_shapes(fake, values, {"type": "geo_shape", "index": False, "doc_values": False})

    assert stream.delivered == [json.dumps({"where": values[0]}).encode()]
    assert refused(landing_s3) == [
        failed("where", invalid("Invalid shape: Hole is not within polygon"))
    ]


def test_ignore_malformed_takes_a_polygon_opensearch_cannot_index(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    values = [value for value, _cause in REFUSED]
    stream = index_shapes(fake, values, {"type": "geo_shape", "ignore_malformed": True})

    assert len(stream.delivered) == len(values)
    assert refused(landing_s3) == []
