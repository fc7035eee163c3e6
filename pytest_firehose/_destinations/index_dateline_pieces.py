"""The polygons OpenSearch's ``GeoPolygonDecomposer`` makes of the loops of edges its cut
at the dateline leaves (``compose``): each loop walked, moved back across the line and
split where it passes twice through one point, each remaining hole given to the loop
south of it, and the polygons built with their longitudes and latitudes folded back onto
the globe. ``index_dateline`` describes the facts.
"""

from __future__ import annotations

import math

from pytest_firehose._destinations.index_dateline_edges import (
    Edge,
    Point,
    Refused,
    compare_key,
    follow,
    meet,
)
from pytest_firehose._destinations.index_polygons import (
    INVALID,
    TESSELLATE,
    Ring,
    fold_latitude,
    unclosed_ring,
)
from pytest_firehose._destinations.index_values import java_double

_DATELINE = 180.0


def compose(edges: list[Edge], holes: list[Edge | None], left: int) -> list[list[Ring]]:
    """``compose``: the holes' points, then each loop of edges as a polygon, the holes
    assigned to them, the polygons built."""
    # Each join adds at most three edges; a walk that ends passes each edge at most twice.
    limit = 8 * len(edges) + 64
    hole_points = []
    for i in range(left):
        hole = follow(holes, i)
        shared: list[float] = [0.0, 0.0, 0.0]
        length = _component(hole, -(i + 1), None, shared, limit)
        hole_points.append(_coordinates(hole, length + 1, shared))
    components: list[list[list[Point]]] = []
    walked: list[Edge] = []
    for edge in edges:
        if edge.ring >= 0:
            shared = [0.0, 0.0, 0.0]
            length = _component(edge, -(len(components) + left + 1), walked, shared, limit)
            components.append([_coordinates(edge, length + 1, shared)])
    for i in range(left):
        hole = follow(holes, i)
        probe = Edge(hole.at, hole.next)
        found = meet(probe.at.x, walked)
        if found == 0:
            raise Refused((INVALID, "Invalid shape: Hole is not within polygon"))
        position = _search(walked, found, probe.at.y)
        on_edge = False
        if position >= 0:
            on_edge = walked[position].meets.key() == probe.at.key()
            if not on_edge:
                raise Refused((INVALID, "Invalid shape: Hole is not within polygon"))
        index = 0 if on_edge or position == -1 else -(position + 2)
        owner = -follow(walked, index).ring - left - 1
        if not 0 <= owner < len(components):
            raise Refused(
                (
                    "index_out_of_bounds_exception",
                    f"Index {owner} out of bounds for length {len(components)}",
                )
            )
        components[owner].append(hole_points[i])
    return [_build(component) for component in components]


def _search(edges: list[Edge], count: int, y: float) -> int:
    """``Arrays.binarySearch`` of the first ``count`` edges by their point's latitude."""
    low, high = 0, count - 1
    wanted = compare_key(y)
    while low <= high:
        middle = (low + high) // 2
        here = compare_key(edges[middle].meets.y)
        if here < wanted:
            low = middle + 1
        elif here > wanted:
            high = middle - 1
        else:
            return middle
    return -(low + 1)


def _shift(point: Point, by: float) -> Point:
    return point if by == 0 else Point(point.x - 2 * by, point.y)


def _component(
    edge: Edge, ring: int, walked: list[Edge] | None, shared: list[float], limit: int
) -> int:
    """``component``: the loop from ``edge`` marked as ``ring`` and moved back across the
    line; where ``walked`` collects its edges, the first point met twice splits the loop
    there and ends the walk (the edges split off are walked as a loop of their own later,
    so OpenSearch's ``Shape contains more than one shared point``, thrown where a walk
    meets a second such point, is never reached). How many of its edges the loop keeps (a
    walk past ``limit`` steps never ends)."""
    anchor = edge
    while abs(anchor.at.x) == _DATELINE:
        anchor = anchor.next
        if anchor is edge:
            break
    x = anchor.at.x
    by = _DATELINE if x > _DATELINE else -_DATELINE if x < -_DATELINE else 0.0
    length = 0
    cut = 1
    split_off = False
    current = before = edge
    seen: dict[tuple[bytes, bytes], tuple[Edge, Edge]] = {}
    budget = limit
    while True:
        current.at = _shift(current.at, by)
        current.ring = ring
        if walked is not None:
            key = current.at.key()
            if key in seen:
                shared[:] = [current.at.x, current.at.y, math.nan]
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
                split_off = True
            else:
                seen[key] = (before, current)
            walked.append(current)
            before = current
        length += 1
        budget = _spend(budget)
        if split_off:
            break
        current = current.next
        if current is edge:
            break
    return length - cut if cut != 1 else length


def _spend(budget: int) -> int:
    """One step of a walk; a walk OpenSearch would never end is refused (chosen)."""
    if budget <= 0:
        raise Refused(("illegal_argument_exception", TESSELLATE))
    return budget - 1


def _coordinates(edge: Edge, count: int, shared: list[float]) -> list[Point]:
    """``coordinates``: ``count`` points from the edge after ``edge``; a loop that does
    not close fails, naming the point it was split at (0, 0, 0 where none)."""
    points = []
    for _ in range(count):
        edge = edge.next
        points.append(edge.at)
    if points[0].key() != points[-1].key():
        where = ",".join(java_double(float(value)) for value in shared if not math.isnan(value))
        raise Refused((INVALID, f"Self-intersection at or near point [{where}]"))
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


def _build(component: list[list[Point]]) -> list[Ring]:
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
            raise Refused(("illegal_argument_exception", "at least 4 polygon points required"))
    return [shell, *holes]


def _ring(xs: list[float], ys: list[float]) -> Ring:
    reason = unclosed_ring(xs, ys)
    if reason is not None:
        raise Refused(("illegal_argument_exception", reason))
    return (xs, ys)
