"""OpenSearch's split of a ``geo_shape`` polygon that reaches or crosses the dateline (a
longitude at or past 180 degrees east or west once its shell is read, or one that is not
a number), followed step by step: ``index_polygons`` reads its rings (their orientation,
their move across the dateline, their duplicate points), this module links their edges and
splits them as ``GeoPolygonDecomposer`` does, and the polygons it builds go on to Lucene.

Facts (OpenSearch 2.19's ``GeoPolygonDecomposer``: ``concat``, ``intersections``,
``intersection``, ``merge``, ``connect``, ``compose``, ``holes``, ``edges``,
``component``, ``shift``, ``coordinates``, ``assign``, ``buildPolygon``,
``normalizeLonMinus180Inclusive``, ``Edge``; ``GeoUtils.normalizeLon``; ``libs/geo``'s
``LinearRing`` and ``Polygon``):

- each ring is a loop of edges, linked onwards or backwards as its orientation says; every
  edge meeting the line at 180, then the one at -180, is ordered south to north by where
  it meets it, and the edges are joined in pairs along the line: the polygon is cut
  there, and a hole the cut reaches becomes part of the shell; an edge only touching the
  line joins nothing;
- each loop of edges then becomes a polygon, its points moved back by 360 where they lie
  past the line; a loop passing twice through one point is split there (a second such
  point fails: ``invalid_shape_exception`` ``Shape contains more than one shared point``),
  and a loop that then does not close fails
  (``Self-intersection at or near point [179.0,1.9]``);
- each hole goes to the polygon whose edge is the nearest south of its first point on the
  meridian through it; where no edge meets that meridian, or the nearest meets it at
  another point of the same latitude, it fails (``Invalid shape: Hole is not within
  polygon``);
- the polygons are built with their longitudes in -180..180 (a shell keeps -180, a hole's
  -180 becomes 180) and their latitudes folded back past the poles; a ring whose first and
  last longitudes or latitudes are not numbers does not close (``first and last points of
  the linear ring must be the same ...``), and every ring has four points (``at least 4
  polygon points required``).

Java's arrays and lists fail as they do (``array_index_out_of_bounds_exception``
``Index -1 out of bounds for length 2``). Chosen: where OpenSearch's walk would read a
hole the split emptied (a ``NullPointerException``) or never end, the polygon fails with
Lucene's tessellation text, as the polygons ``index_polygons`` cannot follow do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pytest_firehose._destinations.index_polygons import (
    INVALID,
    TESSELLATE,
    Cause,
    Ring,
    fold_latitude,
    point_key,
    unclosed_ring,
)
from pytest_firehose._destinations.index_values import java_double

_DATELINE = 180.0


class _Refused(Exception):
    def __init__(self, cause: Cause) -> None:
        super().__init__(cause)
        self.cause = cause


class _Point:
    """A ``Point``: compared by value with ``key``, by identity with ``is`` (as Java's
    ``==`` compares the decomposer's points)."""

    __slots__ = ("x", "y")

    def __init__(self, x: float, y: float) -> None:
        self.x = x
        self.y = y

    def key(self) -> tuple[bytes, bytes]:
        return point_key(self.x, self.y)

    def wkt(self) -> str:
        return f"POINT ({java_double(self.x)} {java_double(self.y)})"


#: The intersection of an edge that meets no line (``Edge.MAX_COORDINATE``).
_NOWHERE = _Point(math.inf, math.inf)


class _Edge:
    """An ``Edge``: its start, the edge after it, where it meets the line, its ring."""

    __slots__ = ("at", "meets", "next", "ring")

    def __init__(self, at: _Point, after: _Edge | None, meets: _Point = _NOWHERE) -> None:
        self.at = at
        self.next: _Edge = self  # replaced at once, or by the ring's linking
        self.ring = -1
        if after is not None:
            self.link(after)
            self.ring = after.ring
        self.meets = meets

    def link(self, after: _Edge) -> None:
        """``Edge.setNext``: an edge to a point equal to its own start fails."""
        if self.at.key() == after.at.key():
            raise _Refused(
                (
                    INVALID,
                    f"Provided shape has duplicate consecutive coordinates at: {self.at.wkt()}",
                )
            )
        self.next = after


def _check_index(length: int, index: int) -> None:
    """A Java array's or list's bounds."""
    if not 0 <= index < length:
        raise _Refused(
            (
                "array_index_out_of_bounds_exception",
                f"Index {index} out of bounds for length {length}",
            )
        )


def _at(items: Sequence[_Edge | None], index: int) -> _Edge:
    """A Java array's item, read to be followed: out of its range fails, and an item the
    split emptied (``null``) fails as the fake's choice."""
    _check_index(len(items), index)
    item = items[index]
    if item is None:
        raise _Refused(("illegal_argument_exception", TESSELLATE))
    return item


def _compare_key(value: float) -> tuple[int, float, int]:
    """``Double.compare`` as a sort key: -0.0 before 0.0, NaN after everything."""
    if math.isnan(value):
        return (1, 0.0, 0)
    return (0, value, 0 if math.copysign(1.0, value) < 0 else 1)


def split(rings: Sequence[Ring], forward: Sequence[bool]) -> Cause | list[list[Ring]]:
    """The polygons OpenSearch makes of ``rings`` (the shell, then its holes, as
    ``index_polygons`` read them: moved across the dateline, each linked onwards where
    ``forward``), or the cause of its failure."""
    edges: list[_Edge] = []
    holes: list[_Edge | None] = []
    for index, ((xs, ys), onwards) in enumerate(zip(rings, forward, strict=True)):
        count = len(xs) - 1
        loop = [_Edge(_Point(xs[i], ys[i]), None) for i in range(count)]
        for i, edge in enumerate(loop):
            edge.next = loop[(i + 1) % count] if onwards else loop[i - 1]
            edge.ring = index
        if index > 0:
            holes.append(loop[0])
        edges.extend(loop)
    try:
        left = len(holes)
        left = _merge(edges, _meet(_DATELINE, edges), holes, left)
        left = _merge(edges, _meet(-_DATELINE, edges), holes, left)
        return _compose(edges, holes, left)
    except _Refused as refused:
        return refused.cause


def _crossing(x1: float, x2: float, line: float) -> float:
    """``intersection``: where along an edge from ``x1`` to ``x2`` it meets the line, in
    (0, 1], or NaN."""
    if x1 == x2:
        return 1.0 if x1 == line else math.nan
    t = (line - x1) / (x2 - x1)
    return math.nan if t > 1 or t <= 0 or math.isnan(t) else t


def _meet(line: float, edges: list[_Edge]) -> int:
    """``intersections``: each edge's point on the line found, the edges sorted (stably)
    by its latitude; how many meet it."""
    found = 0
    for edge in edges:
        start, end = edge.at, edge.next.at
        edge.meets = _NOWHERE
        t = _crossing(start.x, end.x, line)
        if not math.isnan(t):
            if t == 1:
                edge.meets = end
            else:
                edge.meets = _Point(
                    start.x + t * (end.x - start.x), start.y + t * (end.y - start.y)
                )
            found += 1
    edges.sort(key=lambda edge: _compare_key(edge.meets.y))
    return found


def _merge(edges: list[_Edge], found: int, holes: list[_Edge | None], left: int) -> int:
    """``merge``: the edges meeting the line joined in pairs; a hole joined no longer
    counted as one. The holes still counted."""
    for i in range(0, found, 2):
        first, second = _at(edges, i), _at(edges, i + 1)
        if second.ring > 0:
            left -= 1
            _check_index(len(holes), left)
            holes[second.ring - 1] = holes[left]
            holes[left] = None
        if (
            first.meets is not _NOWHERE
            and second.meets is not _NOWHERE
            and not (
                first.next.next.at.key() == second.at.key()
                and abs(first.next.at.x) == _DATELINE
                and abs(second.at.x) == _DATELINE
            )
        ):
            _connect(first, second)
    return left


def _connect(into: _Edge, out: _Edge) -> None:
    """``connect``: two edges joined by a pair of edges along the line (created in
    OpenSearch's order, each checked for a duplicate point as it is linked)."""
    if into.meets is not into.next.at:
        first = _Edge(into.meets, into.next)
        if out.meets is not out.next.at:
            second = _Edge(out.meets, out.next)
            into.next = _Edge(into.meets, second, into.meets)
        else:
            into.next = _Edge(into.meets, out.next, into.meets)
        out.next = _Edge(out.meets, first, out.meets)
    elif into.next is not out and into.at is not out.meets:
        second = _Edge(out.meets, into.next, out.meets)
        if out.meets is not out.next.at:
            first = _Edge(out.meets, out.next)
            into.next = _Edge(into.meets, first, into.meets)
        else:
            into.next = _Edge(into.meets, out.next, into.meets)
        out.next = second


def _compose(edges: list[_Edge], holes: list[_Edge | None], left: int) -> list[list[Ring]]:
    """``compose``: the holes' points, then each loop of edges as a polygon, the holes
    assigned to them, the polygons built."""
    # Each join adds at most three edges; a walk that ends passes each edge at most twice.
    limit = 8 * len(edges) + 64
    hole_points = []
    for i in range(left):
        hole = _at(holes, i)
        shared: list[float] = [0.0, 0.0, 0.0]
        length = _component(hole, -(i + 1), None, shared, limit)
        hole_points.append(_coordinates(hole, length + 1, shared))
    components: list[list[list[_Point]]] = []
    walked: list[_Edge] = []
    for edge in edges:
        if edge.ring >= 0:
            shared = [0.0, 0.0, 0.0]
            length = _component(edge, -(len(components) + left + 1), walked, shared, limit)
            components.append([_coordinates(edge, length + 1, shared)])
    for i in range(left):
        hole = _at(holes, i)
        probe = _Edge(hole.at, hole.next)
        found = _meet(probe.at.x, walked)
        if found == 0:
            raise _Refused((INVALID, "Invalid shape: Hole is not within polygon"))
        position = _search(walked, found, probe.at.y)
        on_edge = False
        if position >= 0:
            on_edge = walked[position].meets.key() == probe.at.key()
            if not on_edge:
                raise _Refused((INVALID, "Invalid shape: Hole is not within polygon"))
        index = 0 if on_edge or position == -1 else -(position + 2)
        owner = -_at(walked, index).ring - left - 1
        if not 0 <= owner < len(components):
            raise _Refused(
                (
                    "index_out_of_bounds_exception",
                    f"Index {owner} out of bounds for length {len(components)}",
                )
            )
        components[owner].append(hole_points[i])
    return [_build(component) for component in components]


def _search(edges: list[_Edge], count: int, y: float) -> int:
    """``Arrays.binarySearch`` of the first ``count`` edges by their point's latitude."""
    low, high = 0, count - 1
    wanted = _compare_key(y)
    while low <= high:
        middle = (low + high) // 2
        here = _compare_key(edges[middle].meets.y)
        if here < wanted:
            low = middle + 1
        elif here > wanted:
            high = middle - 1
        else:
            return middle
    return -(low + 1)


def _shift(point: _Point, by: float) -> _Point:
    return point if by == 0 else _Point(point.x - 2 * by, point.y)


def _component(
    edge: _Edge, ring: int, walked: list[_Edge] | None, shared: list[float], limit: int
) -> int:
    """``component``: the loop from ``edge`` marked as ``ring`` and moved back across the
    line; where ``walked`` collects its edges, a point met twice splits the loop there.
    How many of its edges the loop keeps (a walk past ``limit`` steps never ends)."""
    anchor = edge
    while abs(anchor.at.x) == _DATELINE:
        anchor = anchor.next
        if anchor is edge:
            break
    x = anchor.at.x
    by = _DATELINE if x > _DATELINE else -_DATELINE if x < -_DATELINE else 0.0
    length = splits = 0
    cut = 1
    current = before = edge
    seen: dict[tuple[bytes, bytes], tuple[_Edge, _Edge]] = {}
    budget = limit
    while True:
        current.at = _shift(current.at, by)
        current.ring = ring
        if walked is not None:
            key = current.at.key()
            if key in seen:
                shared[:] = [current.at.x, current.at.y, math.nan]
                if splits > 0 and current.next is not edge:
                    raise _Refused((INVALID, "Shape contains more than one shared point"))
                first = seen[key][1]
                first.next, current.next = current.next, first.next
                current.ring = -ring
                while True:
                    before.ring = -ring
                    before = seen[before.at.key()][0]
                    cut += 1
                    budget = _spend(budget)
                    if before.at.key() == key:
                        break
                splits += 1
            else:
                seen[key] = (before, current)
            walked.append(current)
            before = current
        length += 1
        budget = _spend(budget)
        if splits:
            break
        current = current.next
        if current is edge:
            break
    return length - cut if cut != 1 else length


def _spend(budget: int) -> int:
    """One step of a walk; a walk OpenSearch would never end is refused (chosen)."""
    if budget <= 0:
        raise _Refused(("illegal_argument_exception", TESSELLATE))
    return budget - 1


def _coordinates(edge: _Edge, count: int, shared: list[float]) -> list[_Point]:
    """``coordinates``: ``count`` points from the edge after ``edge``; a loop that does
    not close fails, naming the point it was split at (0, 0, 0 where none)."""
    points = []
    for _ in range(count):
        edge = edge.next
        points.append(edge.at)
    if points[0].key() != points[-1].key():
        where = ",".join(java_double(float(value)) for value in shared if not math.isnan(value))
        raise _Refused((INVALID, f"Self-intersection at or near point [{where}]"))
    return points


def normalize_lon(lon: float) -> float:
    """OpenSearch's ``GeoUtils.normalizeLon``: a longitude into (-180, 180]."""
    if lon > 180 or lon <= -180:
        lon = math.fmod(lon, 360.0)
        if lon <= 0:
            lon += 360.0
        if lon > 180:
            lon -= 360.0
    return lon + 0.0


def _build(component: list[list[_Point]]) -> list[Ring]:
    """``buildPolygon``: the holes' rings, then the shell's (keeping -180), each checked
    to close, then the polygon's four points a ring."""
    holes = [
        _ring([normalize_lon(p.x) for p in hole], [fold_latitude(p.y) for p in hole])
        for hole in component[1:]
    ]
    shell_points = component[0]
    shell = _ring(
        [p.x if not abs(p.x) > 180 else normalize_lon(p.x) for p in shell_points],
        [fold_latitude(p.y) for p in shell_points],
    )
    for xs, _ys in (shell, *holes):
        if len(xs) < 4:
            raise _Refused(("illegal_argument_exception", "at least 4 polygon points required"))
    return [shell, *holes]


def _ring(xs: list[float], ys: list[float]) -> Ring:
    reason = unclosed_ring(xs, ys)
    if reason is not None:
        raise _Refused(("illegal_argument_exception", reason))
    return (xs, ys)
