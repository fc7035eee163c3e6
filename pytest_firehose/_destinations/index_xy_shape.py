"""The checks an ``xy_shape`` field (the geospatial plugin's Cartesian shape) makes of a
geometry once read: the same GeoJSON and WKT parsers as ``geo_shape``'s (``index_geojson``,
``index_wkt``, ``index_geometry``'s building checks and z values), then its own indexing,
which knows no globe: no latitude or longitude range, no dateline.

Facts (the geospatial plugin 2.19's ``XYShapeFieldMapper``, ``XYShapeSupportVisitor``,
``XYShapeIndexableFieldsVisitor``, ``XYShapeConverter``; OpenSearch's
``AbstractGeometryFieldMapper.parse``; Lucene 9's ``XYPoint``, ``XYLine``, ``XYPolygon``,
``XYEncodingUtils.checkVal``, ``XYShape.createIndexableFields``, ``Tessellator``):

- a circle is refused before indexing (``unsupported_operation_exception`` ``CIRCLE is not
  supported``), whatever ``index`` says; nothing else is checked there, so a circle inside
  a collection is met only by indexing (``illegal_argument_exception`` ``invalid shape type
  found [ CIRCLE ] while indexing shape``);
- indexing, where the field is indexed or has doc values (none by default), visits the
  shapes in order, a polygon's holes before its shell: every coordinate becomes a float
  (rounded to the nearest; past the largest float it is infinite), and one that is not a
  finite float fails (``invalid value NaN; must be between -3.4028234663852886E38 and
  3.4028234663852886E38``, each point's x before its y); an empty line or polygon fails as
  Lucene's line of no points does (``at least 2 line points required``); an envelope is
  the polygon of its four corners (an empty one's all 0, 0); a polygon's tessellation is
  Lucene's, of the float points (``index_polygons.tessellate``: ``at least three
  non-collinear points required``, also where floats make its points one,
  ``Unable to Tessellate shape. Possible malformed shape detected.``), checking no
  self-intersection, as for ``geo_shape``; an empty point is 0, 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pytest_firehose._destinations import index_geometry as geo
from pytest_firehose._destinations import index_polygons as polygons
from pytest_firehose._destinations.index_geometry import GeoError, Shape
from pytest_firehose._destinations.index_values import java_double, java_float

#: Lucene's ``XYEncodingUtils.MIN_VAL_INCL`` and ``MAX_VAL_INCL`` as its message shows them.
_LARGEST = java_double(3.4028234663852886e38)


def check_float(value: float) -> float:
    """Lucene's ``checkVal`` of a coordinate made a float: the float, or GeoError."""
    number = java_float(value)
    if not math.isfinite(number):
        raise geo.illegal(
            f"invalid value {java_double(number)}; must be between -{_LARGEST} and {_LARGEST}"
        )
    return number


def _floats(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    """A line's points as floats, each point's x checked before its y."""
    if len(xs) < 2:
        raise geo.illegal("at least 2 line points required")
    floats_x, floats_y = [], []
    for x, y in zip(xs, ys, strict=True):
        floats_x.append(check_float(x))
        floats_y.append(check_float(y))
    return floats_x, floats_y


def _polygon(rings: list[polygons.Ring]) -> None:
    """Lucene's ``XYPolygon`` of ``rings`` (the shell first; its holes made first) and its
    tessellation."""
    made = [_floats(*ring) for ring in (*rings[1:], rings[0])]
    failure = polygons.tessellate([made[-1], *made[:-1]], cartesian=True)
    if failure is not None:
        raise GeoError(failure)


def check_xy_shape(shape: Shape, ignore_z: bool, indexes: bool) -> None:
    """The checks once ``shape`` is read: its z values, the refusal of a circle, then,
    where the field ``indexes``, Lucene's of each shape in turn; GeoError."""
    geo.check_z(geo.walk(shape), ignore_z)
    if shape.kind == "circle":
        raise GeoError(("unsupported_operation_exception", "CIRCLE is not supported"))
    if not indexes:
        return
    waiting = [shape]
    while waiting:
        one = waiting.pop()
        if one.kind == "circle":
            raise geo.illegal("invalid shape type found [ CIRCLE ] while indexing shape")
        if one.kind == "point":
            for x, y in zip(one.xs, one.ys, strict=True):  # none where empty
                check_float(x)
                check_float(y)
        elif one.kind == "linestring":
            _floats(one.xs, one.ys)
        elif one.kind == "polygon":
            if not one.parts:
                raise geo.illegal("at least 2 line points required")
            _polygon([(ring.xs, ring.ys) for ring in one.parts])
        elif one.kind == "envelope":
            # ``Rectangle.EMPTY``'s bounds are all 0.
            min_x, max_x, max_y, min_y = one.box or (0.0, 0.0, 0.0, 0.0)
            xs = (min_x, max_x, max_x, min_x, min_x)
            ys = (min_y, min_y, max_y, max_y, min_y)
            _polygon([(xs, ys)])
        else:
            waiting.extend(reversed(one.parts))
