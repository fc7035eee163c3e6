"""The checks indexing makes of a ``geo_shape`` polygon (a ``Polygon``, a ``MultiPolygon``'s
members): first OpenSearch's split at the dateline (made whatever the field's ``index`` and
``doc_values``), then Lucene's polygon and its tessellation (made where either is on).

Facts (OpenSearch 2.19's ``GeoShapeIndexer.prepareForIndexing`` and
``GeoPolygonDecomposer``; ``GeoShapeUtils.toLucenePolygon``; ``GeoUtils.normalizeLat`` and
``normalizeLon``; Lucene 9's ``GeoUtils.orient``, ``Polygon``, ``LatLonShape`` and
``Tessellator``):

- a hole sharing two or more points with its shell fails
  (``illegal_argument_exception`` ``Invalid polygon, interior cannot share more than one
  point with the exterior``), every hole checked before any ring is read;
- then ring by ring, the shell first: the orientation is read at the ring's southernmost
  (then westernmost) point, and where its two neighbours lie on one line with it the
  ring fails (``invalid_shape_exception`` ``Cannot determine orientation: edges adjacent
  to (0.0,0.0) coincide``); a shell whose orientation is not the mapping's and whose
  longitudes span more than 180 degrees is read across the dateline (its western
  longitudes moved east by 360, and its holes with it); two consecutive equal points fail
  (``Provided shape has duplicate consecutive coordinates at: POINT (1.0 1.0)``, within
  parentheses where the ring is linked in its own order);
- the shell is walked as its edges are linked (from its first point, onwards or backwards
  as above): a point met a second time before the walk's last point fails the polygon
  (``invalid_shape_exception`` ``Self-intersection at or near point [1.0,1.9]``); met
  at the last point, the loop since its first visit is split off as a polygon of its own
  (two triangles meeting at a point are two polygons);
- a hole whose first point lies east or west of every point of its shell fails
  (``invalid_shape_exception`` ``Invalid shape: Hole is not within polygon``);
- a ring's orientation is read holes included, so a hole whose points lie on one line
  fails as a shell does (``Cannot determine orientation``);
- a polygon with a point at or past 180 degrees east or west once its shell is read
  (or a longitude that is not a number) is split at the dateline by ``index_dateline``,
  which follows OpenSearch's edges step by step;
- the polygons built fold their latitudes into -90..90 (``normalizeLat``: 100 is 80) and
  their longitudes into -180..180; Lucene's polygon checks each ring's points, its holes'
  first (``invalid latitude NaN; must be between -90.0 and 90.0``, ``invalid longitude
  NaN; ...``: only a coordinate that is not a number reaches them); Lucene's
  tessellator refuses a shell whose points all lie on one line
  (``illegal_argument_exception`` ``at least three non-collinear points required``),
  and fails where it cannot cut the polygon into triangles (``Unable to Tessellate
  shape. Possible malformed shape detected.``: the polygon Lucene 8 and 9.0 quoted in it
  is left out since, as Elasticsearch on Lucene 9.11 answers);
- ``LatLonShape.createIndexableFields(String, Polygon)`` asks the tessellator not to
  check self-intersections, so its ``Polygon self-intersection at lat=...`` is never
  answered: what it cannot follow is found by its ear clipping; each hole is linked into
  the shell by a bridge from its westernmost point (``eliminateHoles``,
  ``fetchHoleBridge``), then ears are cut where a vertex is convex and no reflex vertex
  lies in its triangle (``earcutLinkedList``, ``isEar``), small crossings cured, and the
  rest split along a diagonal whose two sides are both wound as a shell is
  (``splitEarcut``, ``isValidDiagonal``, ``isCWPolygon``); what is then left fails
  unless its signed area is 0.

Chosen: every polygon whose rings cross one another or themselves, or with a hole outside
its shell, fails with the tessellator's text (its ear clipping cures some such polygons and
drops a hole it cannot bridge; the fake refuses them all). So does every polygon with a
hole inside another hole: linked in, the inner hole is a loop wound the wrong way, whose
vertices are reflex, so no ear is cut at them and no diagonal splits them off, and most
such polygons fail; where the ears cut happen to leave a ring of area 0, Lucene takes the
polygon, which the fake does not follow (it refuses them all). A hole passing twice through
one point, its loops there wound alike or not, is taken, as Lucene's ear clipping cuts
both. A hole of a shell split in two goes with the part around it (OpenSearch's choice
follows the order of the edges a line through the hole meets).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from pytest_firehose._destinations.index_crossings import Ring as Ring
from pytest_firehose._destinations.index_crossings import (
    edges_cross,
    nested,
    orient,
    outside,
)
from pytest_firehose._destinations.index_values import java_double

#: A failure's ``caused_by``: its type and reason.
Cause = tuple[str, str]

_DATELINE = 180.0
INVALID = "invalid_shape_exception"
TESSELLATE = "Unable to Tessellate shape. Possible malformed shape detected."


@dataclass(frozen=True)
class AtDateline:
    """A polygon that reaches the dateline, its rings read (``index_dateline`` splits it):
    each ring moved across the dateline as its shell is, and whether it is linked in its
    own order."""

    rings: list[Ring]
    forward: list[bool]


def unclosed_ring(
    xs: Sequence[float], ys: Sequence[float], zs: Sequence[float] | None = None
) -> str | None:
    """``LinearRing``'s check that a ring's first and last points are the same (as Java's
    ``!=`` compares them: NaN is never the same): the reason it fails, or None."""
    last = len(xs) - 1
    if xs[0] != xs[last] or ys[0] != ys[last] or (zs is not None and zs[0] != zs[last]):
        tail = "" if zs is None else f" z[0]={java_double(zs[0])} z[{last}]={java_double(zs[last])}"
        return (
            "first and last points of the linear ring must be the same (it must close "
            f"itself): x[0]={java_double(xs[0])} x[{last}]={java_double(xs[last])} "
            f"y[0]={java_double(ys[0])} y[{last}]={java_double(ys[last])}{tail}"
        )
    return None


def _bits(value: float) -> bytes:
    return b"NaN" if math.isnan(value) else struct.pack(">d", value)


def point_key(x: float, y: float) -> tuple[bytes, bytes]:
    """A point as Java's ``Point.equals`` and ``hashCode`` tell points apart: 0.0 is not
    -0.0, NaN is NaN."""
    return (_bits(x), _bits(y))


def _bounds(values: Sequence[float], count: int) -> tuple[float, float]:
    """The least and greatest of the first ``count`` values, compared as Java compares
    them (a NaN never replaces the first value)."""
    low = high = values[0]
    for value in values[1:count]:
        if value < low:
            low = value
        if value > high:
            high = value
    return low, high


def decompose(rings: Sequence[Ring], right: bool) -> Cause | list[list[Ring]] | AtDateline:
    """OpenSearch's split of a polygon (``rings``: its shell, then its holes) at the
    dateline, the mapping's orientation ``right`` (counterclockwise): the cause of its
    failure, the polygons (each its rings) Lucene receives, folded onto the globe, or its
    rings read where it reaches the dateline (``index_dateline`` splits them)."""
    shell_points = {point_key(x, y) for x, y in zip(*rings[0], strict=True)}
    for hole in rings[1:]:
        if len(shell_points & {point_key(x, y) for x, y in zip(*hole, strict=True)}) >= 2:
            return (
                "illegal_argument_exception",
                "Invalid polygon, interior cannot share more than one point with the exterior",
            )
    moved = False
    shell_forward = True
    read: list[Ring] = []
    forward: list[bool] = []
    for index, (given_xs, ys) in enumerate(rings):
        xs = list(given_xs)
        count = len(xs) - 1
        lowest = 0
        for i in range(1, count):
            if ys[i] < ys[lowest] or (ys[i] == ys[lowest] and xs[i] < xs[lowest]):
                lowest = i
        before, after = (lowest + count - 1) % count, (lowest + 1) % count
        sign = orient(xs[before], ys[before], xs[lowest], ys[lowest], xs[after], ys[after])
        if sign == 0:
            return (
                INVALID,
                f"Cannot determine orientation: edges adjacent to ({java_double(xs[lowest])},"
                f"{java_double(ys[lowest])}) coincide",
            )
        clockwise = sign < 0
        west, east = _bounds(xs, count)
        span = east - west
        if (index == 0 and right == clockwise and span > _DATELINE and span != 2 * _DATELINE) or (
            moved and index > 0
        ):
            xs = [x + 2 * _DATELINE if x < 0 else x for x in xs]
            moved = moved or index == 0
            if index == 0 or right != clockwise:
                clockwise = not clockwise
        own_order = not ((index == 0) ^ right ^ clockwise)
        for i in range(1, count):
            if point_key(xs[i], ys[i]) == point_key(xs[i - 1], ys[i - 1]):
                shown = f"POINT ({java_double(xs[i])} {java_double(ys[i])})"
                return (
                    INVALID,
                    "Provided shape has duplicate consecutive coordinates at: "
                    + (f"({shown})" if own_order else shown),
                )
        if point_key(xs[0], ys[0]) == point_key(xs[count - 1], ys[count - 1]):
            return (
                INVALID,
                "Provided shape has duplicate consecutive coordinates at: "
                f"POINT ({java_double(xs[0])} {java_double(ys[0])})",
            )
        read.append((xs, ys))
        forward.append(own_order)
        if index == 0:
            shell_forward = own_order
    for ring_xs, _ring_ys in read:
        if any(math.isnan(x) or not -_DATELINE < x < _DATELINE for x in ring_xs):
            return AtDateline(read, forward)
    shells = _split_shell(*read[0], shell_forward)
    if isinstance(shells, tuple):
        return shells
    west, east = min(read[0][0]), max(read[0][0])
    for hole_xs, _hole_ys in read[1:]:
        if not west <= hole_xs[0] <= east:
            return (INVALID, "Invalid shape: Hole is not within polygon")
    built: list[list[Ring]] = [[shell] for shell in shells]
    for hole in read[1:]:
        home = next((one for one in built if not outside(hole, one[0])), built[0])
        home.append(hole)
    return [[(xs, [fold_latitude(y) for y in ys]) for xs, ys in one] for one in built]


def _split_shell(xs: Sequence[float], ys: Sequence[float], forward: bool) -> Cause | list[Ring]:
    """The shell walked as its edges are linked (from its first point, onwards where
    ``forward``, else backwards): a point met twice splits off the loop between its two
    visits, where it is the last point of the walk; met earlier, it fails the polygon."""
    count = len(xs) - 1
    order = list(range(count)) if forward else [0, *range(count - 1, 0, -1)]
    seen: dict[tuple[bytes, bytes], int] = {}
    for at, i in enumerate(order):
        key = point_key(xs[i], ys[i])
        if key not in seen:
            seen[key] = at
            continue
        if at != count - 1:
            return (
                INVALID,
                f"Self-intersection at or near point [{java_double(xs[i])},{java_double(ys[i])}]",
            )
        parts = [order[: seen[key] + 1], order[seen[key] + 1 :]]
        if any(len(part) < 3 for part in parts):
            return ("illegal_argument_exception", "at least 4 polygon points required")
        return [
            ([xs[j] for j in (*part, part[0])], [ys[j] for j in (*part, part[0])]) for part in parts
        ]
    return [(xs, ys)]


def fold_latitude(lat: float) -> float:
    """OpenSearch's ``GeoUtils.normalizeLat``: a latitude past a pole folded back."""
    if lat > 90 or lat < -90:
        lat = math.fmod(lat, 360.0)
        if lat <= 0:
            lat += 360.0
        if lat > 180.0:
            lat -= 360.0
        if lat < -90:
            lat = -180 - lat
        elif lat > 90:
            lat = 180 - lat
    return lat + 0.0


def lucene_points(lats: Sequence[float], lons: Sequence[float]) -> Cause | None:
    """Lucene's ``Polygon`` constructor's checks of a ring: closed (as Java's ``!=``
    compares), then each point's latitude and longitude on the globe."""
    last = len(lats) - 1
    for name, values in (("polyLats", lats), ("polyLons", lons)):
        if values[0] != values[last]:
            return (
                "illegal_argument_exception",
                "first and last points of the polygon must be the same (it must close itself): "
                f"{name}[0]={java_double(values[0])} {name}[{last}]={java_double(values[last])}",
            )
    for lat, lon in zip(lats, lons, strict=True):
        failure = on_globe(lat, lon)
        if failure is not None:
            return failure
    return None


def on_globe(lat: float, lon: float, *, longitude_first: bool = False) -> Cause | None:
    """Lucene's ``GeoUtils.checkLatitude`` then ``checkLongitude`` of a point (the other
    way round where ``longitude_first``, as ``LatLonShape`` encodes one), which
    ``GeoEncodingUtils`` makes of each coordinate it encodes: NaN fails, as does one off
    the globe."""
    checks = [
        (lat, "latitude", 90.0),
        (lon, "longitude", 180.0),
    ]
    for value, name, most in reversed(checks) if longitude_first else checks:
        if math.isnan(value) or not -most <= value <= most:
            return (
                "illegal_argument_exception",
                f"invalid {name} {java_double(value)}; must be between {-most} and {most}",
            )
    return None


def tessellate(rings: Sequence[Ring], *, cartesian: bool = False) -> Cause | None:
    """Lucene's polygon of the rings ``decompose`` built (its holes' built first) and its
    tessellation, as far as the fake decides it: the cause of its failure, or None. A
    ``cartesian`` polygon (an ``xy_shape``'s, whose points ``index_xy_shape`` checks) has
    no latitudes or longitudes to check."""
    for xs, ys in () if cartesian else (*rings[1:], rings[0]):
        failure = lucene_points(ys, xs)
        if failure is not None:
            return failure
    shell_xs, shell_ys = rings[0]
    if _on_one_line(shell_xs, shell_ys):
        return ("illegal_argument_exception", "at least three non-collinear points required")
    holes = rings[1:]
    if edges_cross(rings) or any(outside(hole, rings[0]) for hole in holes) or nested(holes):
        return ("illegal_argument_exception", TESSELLATE)
    return None


def _on_one_line(xs: Sequence[float], ys: Sequence[float]) -> bool:
    first = (xs[0], ys[0])
    other = next(((x, y) for x, y in zip(xs, ys, strict=True) if (x, y) != first), None)
    if other is None:
        return True
    return all(
        orient(first[0], first[1], other[0], other[1], x, y) == 0
        for x, y in zip(xs, ys, strict=True)
    )
