"""The geometries a ``geo_shape`` field reads (``index_geo_shape`` from GeoJSON,
``index_wkt`` from WKT), built with the checks OpenSearch's geometry classes make as they
are built, and the checks made once a geometry is read: its z values
(``ignore_z_value``) and what indexing it refuses.

Facts (OpenSearch 2.19's ``libs/geo``: ``Line``, ``LinearRing``, ``Polygon``,
``GeometryCollection``, ``Rectangle``, ``Circle``, ``StandardValidator``; its
``GeoShapeIndexer`` and ``GeoShapeUtils``; Lucene's ``Polygon`` and ``GeoUtils``):

- a line has at least two points (``at least two points in the line is required``); a
  linear ring is a line whose first and last points are the same (``first and last points
  of the linear ring must be the same (it must close itself): x[0]=1.0 x[3]=2.0 ...``);
  a polygon's rings have at least four points each (``at least 4 polygon points
  required``) and its holes as many dimensions as its shell;
- a collection (``MultiPoint``, ``MultiLineString``, ``MultiPolygon``,
  ``GeometryCollection``) is not empty (``the list of shapes cannot be null or empty``)
  and its members all have a z or none (``all elements of the collection should have the
  same number of dimension``); a WKT ``... EMPTY`` is an empty geometry, which is taken;
- an envelope's top is not below its bottom (``max y cannot be less than min x``, sic); a
  circle's radius is not negative (``Circle radius [-1.0] cannot be negative``);
- with ``ignore_z_value`` false the first z found fails the value (``found Z value [3.0]
  but [ignore_z_value] parameter is [false]``);
- indexing refuses a circle (``circle geometry is not supported``, an
  ``unsupported_operation_exception``) and an envelope past the globe, as Lucene's polygon
  of its corners checks them (``invalid latitude 91.0; must be between -90.0 and 90.0``,
  ``invalid longitude ...``; one crossing the dateline, west above east, is indexed as two
  halves meeting at 180); points and lines are wrapped onto the globe, never refused,
  but for a point's coordinate that is NaN or infinite, which wrapping leaves (makes) NaN
  and Lucene's ``LatLonShape`` refuses, its longitude first (``invalid longitude NaN;
  must be between -180.0 and 180.0``), and a line's first point with a NaN (a latitude
  that is not finite, folded into NaN), which Lucene's ``Line`` refuses, its latitude
  first;
  polygons are checked as ``index_polygons`` (and, for one reaching the dateline,
  ``index_dateline``) describe: their split at the dateline always, their tessellation
  where the field is indexed, in the order of the shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pytest_firehose._destinations import index_dateline as dateline
from pytest_firehose._destinations import index_polygons as polygons
from pytest_firehose._destinations.index_values import java_double

NAN = math.nan


class GeoError(Exception):
    """A value a geo_shape field cannot read: the ``caused_by`` OpenSearch writes (a
    ``(type, reason)`` or ``(type, reason, inner)`` chain; None where it is left out)."""

    def __init__(self, cause: Any) -> None:
        super().__init__(cause)
        self.cause = cause


def illegal(reason: str) -> GeoError:
    return GeoError(("illegal_argument_exception", reason))


def unparsed(reason: str) -> GeoError:
    """A value the parser refuses (OpenSearch's ``ElasticsearchParseException``)."""
    return GeoError(("parse_exception", reason))


@dataclass(frozen=True)
class Shape:
    """A geometry, as far as the checks after reading need it: its kind, its own z values
    in the order the validator visits them (NaN where none), its members (a polygon's
    rings, a collection's shapes), whether it has a z, an envelope's bounds (min x, max x,
    max y, min y)."""

    kind: str
    zs: tuple[float, ...] = ()
    parts: tuple[Shape, ...] = ()
    has_z: bool = False
    box: tuple[float, float, float, float] | None = None
    #: A linear ring's, a line's or a point's longitudes (x) and latitudes (y).
    xs: tuple[float, ...] = ()
    ys: tuple[float, ...] = ()


def java_equals(one: float, other: float) -> bool:
    """``Double.equals`` (and ``Double.compare``): NaN equals NaN, 0.0 is not -0.0."""
    if math.isnan(one) or math.isnan(other):
        return math.isnan(one) and math.isnan(other)
    return one == other and math.copysign(1.0, one) == math.copysign(1.0, other)


def empty(kind: str) -> Shape:
    """WKT's ``... EMPTY`` of ``kind``."""
    return Shape(kind)


def point(x: float, y: float, z: float = NAN) -> Shape:
    return Shape("point", (z,), has_z=not math.isnan(z), xs=(x,), ys=(y,))


def line(xs: list[float], ys: list[float], zs: list[float] | None) -> Shape:
    """``Line``: at least two points."""
    if len(ys) < 2:
        raise illegal("at least two points in the line is required")
    return Shape(
        "linestring",
        tuple(zs) if zs is not None else (),
        has_z=zs is not None,
        xs=tuple(xs),
        ys=tuple(ys),
    )


def ring(xs: list[float], ys: list[float], zs: list[float] | None) -> Shape:
    """``LinearRing``: a line whose first and last points are the same."""
    line(xs, ys, zs)
    reason = polygons.unclosed_ring(xs, ys, zs)
    if reason is not None:
        raise illegal(reason)
    return Shape(
        "linearring",
        tuple(zs) if zs is not None else (),
        has_z=zs is not None,
        xs=tuple(xs),
        ys=tuple(ys),
    )


def _ring_points(length: int) -> None:
    if length < 4:
        raise illegal("at least 4 polygon points required")


def polygon(shell: Shape, holes: list[Shape], lengths: list[int]) -> Shape:
    """``Polygon``: its rings (``lengths``: each one's points, the shell's first) of at
    least four points, its holes with a z where its shell has one."""
    _ring_points(lengths[0])
    for hole, length in zip(holes, lengths[1:], strict=True):
        if hole.has_z != shell.has_z:
            raise illegal("holes must have the same number of dimensions as the polygon")
        _ring_points(length)
    return Shape("polygon", parts=(shell, *holes), has_z=shell.has_z)


def collection(kind: str, parts: list[Shape]) -> Shape:
    """``GeometryCollection`` (and the multi- geometries): not empty, one dimension."""
    if not parts:
        raise illegal("the list of shapes cannot be null or empty")
    has_z = parts[0].has_z
    if any(part.has_z != has_z for part in parts):
        raise illegal("all elements of the collection should have the same number of dimension")
    return Shape(kind, parts=tuple(parts), has_z=has_z)


def rectangle(min_x: float, max_x: float, max_y: float, min_y: float) -> Shape:
    if max_y < min_y:
        raise illegal("max y cannot be less than min x")
    return Shape("envelope", (NAN, NAN), box=(min_x, max_x, max_y, min_y))


def circle(x: float, y: float, z: float, radius: float) -> Shape:
    if radius < 0:
        raise illegal(f"Circle radius [{java_double(radius)}] cannot be negative")
    return Shape("circle", (z,), has_z=not math.isnan(z))


def walk(shape: Shape) -> list[Shape]:
    """``shape`` and the shapes in it, depth first (without recursion: a WKT collection may
    nest 999 deep)."""
    found = []
    waiting = [shape]
    while waiting:
        one = waiting.pop()
        found.append(one)
        waiting.extend(reversed(one.parts))
    return found


def check_read(shape: Shape, ignore_z: bool, indexes: bool, right: bool = True) -> None:
    """The checks once ``shape`` is read: the validator's (its z values), then indexing's:
    OpenSearch's preparation of each shape in turn (a circle refused, a polygon split at
    the dateline as the mapping's orientation, ``right`` or not, reads it), then, where it
    ``indexes`` (its ``index`` or ``doc_values`` on), Lucene's of each (an envelope's
    corners, a polygon's tessellation); GeoError."""
    shapes = walk(shape)
    check_z(shapes, ignore_z)
    prepared: list[tuple[Shape, list[list[polygons.Ring]] | None]] = []
    for one in shapes:
        if one.kind == "circle":
            raise GeoError(("unsupported_operation_exception", "circle geometry is not supported"))
        if one.kind == "polygon" and one.parts:
            read = polygons.decompose([(ring.xs, ring.ys) for ring in one.parts], right)
            if isinstance(read, polygons.AtDateline):
                read = dateline.split(read.rings, read.forward)
            if isinstance(read, tuple):
                raise GeoError(read)
            prepared.append((one, read))
        else:
            prepared.append((one, None))
    if not indexes:
        return
    for one, pieces in prepared:
        if one.kind == "point" and one.xs:
            _check_point(one.xs[0], one.ys[0])
        if one.kind == "linestring":
            _check_line(one.xs, one.ys)
        if one.box is not None:
            _check_envelope(*one.box)
        for rings in pieces or ():
            failure = polygons.tessellate(rings)
            if failure is not None:
                raise GeoError(failure)


def check_z(shapes: list[Shape], ignore_z: bool) -> None:
    """``StandardValidator``'s check of the shapes' z values (``walk``'s order): the first
    fails the value unless ``ignore_z``."""
    if ignore_z:
        return
    for one in shapes:
        for z in one.zs:
            if not math.isnan(z):
                raise illegal(
                    f"found Z value [{java_double(z)}] but [ignore_z_value] parameter is [false]"
                )


def _check_point(x: float, y: float) -> None:
    """``GeoShapeIndexer``'s point: normalised onto the globe (``GeoUtils.normalizePoint``,
    which leaves a NaN NaN and makes an infinite coordinate NaN), then encoded by Lucene's
    ``LatLonShape``, its longitude first."""
    lat, lon = (0.0 if math.isfinite(value) else math.nan for value in (y, x))
    failure = polygons.on_globe(lat, lon, longitude_first=True)
    if failure is not None:
        raise GeoError(failure)


def _check_line(xs: tuple[float, ...], ys: tuple[float, ...]) -> None:
    """``GeoLineDecomposer.decomposeLine``'s points (each latitude folded onto the globe,
    one that is not finite made NaN; a NaN longitude shifts nothing, as ``(int) NaN`` is
    0), then Lucene's ``Line`` constructor, which checks each point's latitude, then
    longitude: the first point with a NaN fails."""
    for x, y in zip(xs, ys, strict=True):
        if not math.isfinite(y) or math.isnan(x):
            failure = polygons.on_globe(math.nan if not math.isfinite(y) else 0.0, x)
            raise GeoError(failure)


def _check_envelope(min_x: float, max_x: float, max_y: float, min_y: float) -> None:
    """Lucene's ``Polygon`` of the envelope's corners (two, split at the dateline, where
    its west is east of its east) checks each corner's latitude, then longitude."""
    halves = [(min_x, 180.0), (-180.0, max_x)] if min_x > max_x else [(min_x, max_x)]
    for west, east in halves:
        failure = polygons.lucene_points(
            (min_y, min_y, max_y, max_y, min_y), (west, east, east, west, west)
        )
        if failure is not None:
            raise GeoError(failure)
