"""The edges OpenSearch's ``GeoPolygonDecomposer`` links a polygon's rings into, as
``index_dateline`` and ``index_dateline_pieces`` follow them: its ``Point`` (compared by
value as ``equals`` compares, by identity as Java's ``==``), its ``Edge`` (``setNext``'s
check), where edges meet a meridian (``intersection``, ``intersections``), and Java's
array and list failures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pytest_firehose._destinations.index_polygons import INVALID, TESSELLATE, Cause, point_key
from pytest_firehose._destinations.index_values import java_double


class Refused(Exception):
    def __init__(self, cause: Cause) -> None:
        super().__init__(cause)
        self.cause = cause


class Point:
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
NOWHERE = Point(math.inf, math.inf)


class Edge:
    """An ``Edge``: its start, the edge after it, where it meets the line, its ring."""

    __slots__ = ("at", "meets", "next", "ring")

    def __init__(self, at: Point, after: Edge | None, meets: Point = NOWHERE) -> None:
        self.at = at
        self.next: Edge = self  # replaced at once, or by the ring's linking
        self.ring = -1
        if after is not None:
            self.link(after)
            self.ring = after.ring
        self.meets = meets

    def link(self, after: Edge) -> None:
        """``Edge.setNext``: an edge to a point equal to its own start fails."""
        if self.at.key() == after.at.key():
            raise Refused(
                (
                    INVALID,
                    f"Provided shape has duplicate consecutive coordinates at: {self.at.wkt()}",
                )
            )
        self.next = after


def check_index(length: int, index: int) -> None:
    """A Java array's or list's bounds."""
    if not 0 <= index < length:
        raise Refused(
            (
                "array_index_out_of_bounds_exception",
                f"Index {index} out of bounds for length {length}",
            )
        )


def follow(items: Sequence[Edge | None], index: int) -> Edge:
    """A Java array's item, read to be followed: out of its range fails, and an item the
    split emptied (``null``) fails as the fake's choice."""
    check_index(len(items), index)
    item = items[index]
    if item is None:
        raise Refused(("illegal_argument_exception", TESSELLATE))
    return item


def compare_key(value: float) -> tuple[int, float, int]:
    """``Double.compare`` as a sort key: -0.0 before 0.0, NaN after everything."""
    if math.isnan(value):
        return (1, 0.0, 0)
    return (0, value, 0 if math.copysign(1.0, value) < 0 else 1)


def _crossing(x1: float, x2: float, line: float) -> float:
    """``intersection``: where along an edge from ``x1`` to ``x2`` it meets the line, in
    (0, 1], or NaN."""
    if x1 == x2:
        return 1.0 if x1 == line else math.nan
    t = (line - x1) / (x2 - x1)
    return math.nan if t > 1 or t <= 0 or math.isnan(t) else t


def meet(line: float, edges: list[Edge]) -> int:
    """``intersections``: each edge's point on the line found, the edges sorted (stably)
    by its latitude; how many meet it."""
    found = 0
    for edge in edges:
        start, end = edge.at, edge.next.at
        edge.meets = NOWHERE
        t = _crossing(start.x, end.x, line)
        if not math.isnan(t):
            if t == 1:
                edge.meets = end
            else:
                edge.meets = Point(start.x + t * (end.x - start.x), start.y + t * (end.y - start.y))
            found += 1
    edges.sort(key=lambda edge: compare_key(edge.meets.y))
    return found
