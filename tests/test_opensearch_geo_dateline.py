"""A ``geo_shape`` polygon that reaches or crosses the dateline is split there as OpenSearch
splits it: a shell passing twice through one point, two of its edges meeting on the
dateline, or a hole beside the shell fail there; the pieces then go to Lucene, which
refuses a longitude or latitude that is not a number."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_opensearch_geo_shape import failed, index_shapes, refused

from pytest_firehose import FirehoseFake
from pytest_firehose._destinations import index_dateline, index_polygons

ACROSS = "(170 -10, 190 -10, 190 10, 170 10, 170 -10)"


def invalid(reason: str) -> dict[str, Any]:
    return {"type": "invalid_shape_exception", "reason": reason}


def illegal(reason: str) -> dict[str, Any]:
    return {"type": "illegal_argument_exception", "reason": reason}


SELF_INTERSECTION = invalid("Self-intersection at or near point [179.0,1.9]")

REFUSED = [
    (
        # The shell passes twice through (179, 1.9) before the end of its walk.
        "POLYGON ((178 0, 178 2, 179 1.9, 178.5 1.8, 179.5 1.8, 179 1.9, 180 2, 180 0, 178 0))",
        SELF_INTERSECTION,
    ),
    (
        "POLYGON ((170 0, 170 2, 179 1.9, 178.5 1.8, 179.5 1.8, 179 1.9, 190 2, 190 0, 170 0))",
        SELF_INTERSECTION,
    ),
    (
        # Three lobes meeting at two points: a walk stops at the first point it meets twice
        # and splits the loop there, so OpenSearch's "Shape contains more than one shared
        # point" is never reached; the loop left behind fails at the other point.
        "POLYGON ((170 0, 174 2, 176 0, 178 2, 182 0, 184 2, 186 0, 184 -2, 182 0, 178 -2, "
        "176 0, 174 -2, 170 0))",
        invalid("Self-intersection at or near point [-178.0,0.0]"),
    ),
    (
        # Two edges crossing on the dateline: joined there, they meet at one point.
        "POLYGON ((170 -10, 190 10, 190 -10, 170 10, 170 -10))",
        invalid("Provided shape has duplicate consecutive coordinates at: POINT (180.0 0.0)"),
    ),
    (
        f"POLYGON ({ACROSS}, (195 -5, 195 5, 198 5, 198 -5, 195 -5))",
        invalid("Invalid shape: Hole is not within polygon"),
    ),
    (
        f"POLYGON ({ACROSS}, (160 -5, 160 5, 165 5, 165 -5, 160 -5))",
        invalid("Invalid shape: Hole is not within polygon"),
    ),
    (
        # A hole whose first point lies on the shell's northern edge goes with the loop of
        # the first edge (as OpenSearch assigns a hole sharing a point with an edge), not
        # with the piece around it.
        "POLYGON ((170 0, 190 0, 190 10, 175 5, 190 20, 170 20, 170 0), "
        "(182 20, 183 19, 181 19, 182 20))",
        illegal("Unable to Tessellate shape. Possible malformed shape detected."),
    ),
    (
        # A longitude that is not a number is split as one at the dateline, then Lucene
        # refuses it.
        "POLYGON ((0 0, 10 0, NaN 5, 10 10, 0 10, 0 0))",
        illegal("invalid longitude NaN; must be between -180.0 and 180.0"),
    ),
    (
        "POLYGON ((170 -10, 190 -10, 190 10, NaN 5, 170 10, 170 -10))",
        illegal("invalid longitude NaN; must be between -180.0 and 180.0"),
    ),
    (
        "POLYGON ((0 0, 10 0, 10 NaN, 10 10, 0 10, 0 0))",
        illegal("invalid latitude NaN; must be between -90.0 and 90.0"),
    ),
]


@pytest.mark.parametrize(("value", "cause"), REFUSED)
def test_a_polygon_at_the_dateline_opensearch_cannot_index_fails_with_its_cause(
    fake: FirehoseFake, landing_s3: Any, value: str, cause: dict[str, Any]
) -> None:
    stream = index_shapes(fake, [value])

    assert stream.delivered == []
    assert refused(landing_s3) == [failed("where", cause)]


TAKEN = [
    f"POLYGON ({ACROSS})",
    "POLYGON ((170 -10, 170 10, 190 10, 190 -10, 170 -10))",  # clockwise, across
    "POLYGON ((160 10, 200 10, 200 20, 160 20, 160 10), (165 12, 165 18, 195 18, 195 12, 165 12))",
    f"POLYGON ({ACROSS}, (182 -5, 182 5, 185 5, 185 -5, 182 -5))",  # a hole east of 180
    f"POLYGON ({ACROSS}, (172 -5, 172 5, 175 5, 175 -5, 172 -5))",  # a hole west of it
    f"POLYGON ({ACROSS}, (180 -5, 185 -5, 185 5, 180 5, 180 -5))",  # a hole on it
    "POLYGON ((180 0, 170 10, 170 -10, 180 0))",  # touching it
    "POLYGON ((-180 0, -170 -10, -170 10, -180 0))",
    "POLYGON ((170 -10, 180 -10, 180 10, 170 10, 170 -10))",  # an edge along it
    "POLYGON ((-180 -10, 180 -10, 180 10, -180 10, -180 -10))",  # around the globe
    "POLYGON ((170 0, 190 0, 190 10, 175 5, 190 20, 170 20, 170 0))",  # three pieces
    {
        "type": "Polygon",
        "orientation": "left",
        "coordinates": [[[160, 0], [160, 10], [-160, 10], [-160, 0], [160, 0]]],
    },
]


def test_polygons_across_the_dateline_are_indexed(fake: FirehoseFake, landing_s3: Any) -> None:
    stream = index_shapes(fake, TAKEN)

    assert len(stream.delivered) == len(TAKEN)
    assert refused(landing_s3) == []


def test_without_index_or_doc_values_only_the_split_checks_a_polygon_at_the_dateline(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    """Lucene never sees the pieces: a longitude that is not a number is taken."""
    values = [
        "POLYGON ((0 0, 10 0, NaN 5, 10 10, 0 10, 0 0))",
        f"POLYGON ({ACROSS}, (195 -5, 195 5, 198 5, 198 -5, 195 -5))",
    ]
    stream = index_shapes(fake, values, {"type": "geo_shape", "index": False, "doc_values": False})

    assert stream.delivered == [json.dumps({"where": values[0]}).encode()]
    assert refused(landing_s3) == [
        failed("where", invalid("Invalid shape: Hole is not within polygon"))
    ]


def test_ignore_malformed_takes_a_polygon_split_at_the_dateline(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    values = [value for value, _cause in REFUSED]
    stream = index_shapes(fake, values, {"type": "geo_shape", "ignore_malformed": True})

    assert len(stream.delivered) == len(values)
    assert refused(landing_s3) == []


def pieces(rings: list[tuple[list[float], list[float]]]) -> Any:
    read = index_polygons.decompose(rings, True)
    assert isinstance(read, index_polygons.AtDateline)
    return index_dateline.split(read.rings, read.forward)


def test_the_pieces_are_opensearchs_point_for_point() -> None:
    """OpenSearch's ``GeometryIndexerTests.testPolygon``: a box from 160 to 200, then the
    same with a hole from 165 to 195, each cut into two polygons at the dateline."""
    box = ([160.0, 200, 200, 160, 160], [10.0, 10, 20, 20, 10])
    hole = ([165.0, 165, 195, 195, 165], [12.0, 18, 18, 12, 12])

    assert pieces([box]) == [
        [([180.0, 180, 160, 160, 180], [10.0, 20, 20, 10, 10])],
        [([-180.0, -180, -160, -160, -180], [20.0, 10, 10, 20, 20])],
    ]
    assert pieces([box, hole]) == [
        [([180.0, 180, 165, 165, 180, 180, 160, 160, 180], [10.0, 12, 12, 18, 18, 20, 20, 10, 10])],
        [
            (
                [-180.0, -180, -160, -160, -180, -180, -165, -165, -180],
                [12.0, 10, 10, 20, 20, 18, 18, 12, 12],
            )
        ],
    ]
