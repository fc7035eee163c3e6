"""Where a polygon's rings cross, whether one ring lies outside another, and whether a hole
lies inside another: the geometry ``index_polygons`` decides Lucene's tessellation with.

Two edges cross where each has the other's ends strictly on either side of its line (as
Lucene's ``GeoUtils.orient`` tells sides): edges that only touch at a point, or run along
each other, do not. Only edges whose bounding boxes meet (edges included) are compared, so
the check is the pairwise one over those; to find them without comparing every pair, each
edge is put in the cells of a grid (cells as wide and as tall as the edges are on average)
its bounding box covers, and compared with the edges already in those cells. Two boxes that
meet share a cell (a point of both lies in one cell, as the cell of a coordinate is its
rounded-down quotient, which never decreases as the coordinate grows); an edge whose box
covers many cells is compared with every other edge instead. Holes inside holes are found
the same way: each hole's first point is looked for in the holes whose boxes hold it.
"""

from __future__ import annotations

from collections.abc import Sequence

#: A ring's points: its longitudes and latitudes, its first point repeated last.
Ring = tuple[Sequence[float], Sequence[float]]
#: An edge: its start's longitude and latitude, then its end's.
Segment = tuple[float, float, float, float]

#: The most cells an edge's bounding box is put in; an edge covering more is compared with
#: every other edge.
_MOST_CELLS = 16


def orient(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """Lucene's ``GeoUtils.orient``: 1, -1, or 0 where the three points are on one line."""
    left = (bx - ax) * (cy - ay)
    right = (cx - ax) * (by - ay)
    return 1 if left > right else -1 if left < right else 0


def segments(rings: Sequence[Ring]) -> list[Segment]:
    """Each ring's edges, in its order."""
    found = []
    for xs, ys in rings:
        for i in range(len(xs) - 1):
            found.append((xs[i], ys[i], xs[i + 1], ys[i + 1]))
    return found


def cross(one: Segment, other: Segment) -> bool:
    """Whether two edges whose bounding boxes meet cross at a point inside both."""
    ax, ay, bx, by = one
    cx, cy, dx, dy = other
    if (
        max(cx, dx) < min(ax, bx)
        or min(cx, dx) > max(ax, bx)
        or max(cy, dy) < min(ay, by)
        or min(cy, dy) > max(ay, by)
    ):
        return False
    return (
        orient(ax, ay, bx, by, cx, cy) * orient(ax, ay, bx, by, dx, dy) < 0
        and orient(cx, cy, dx, dy, ax, ay) * orient(cx, cy, dx, dy, bx, by) < 0
    )


def _step(low: float, high: float, total: float, count: int) -> float:
    """A cell's size along one axis: the edges' average extent, at least a fourth of what
    one edge in ``count`` would span evenly (so no grid has more than ``4 * count`` cells
    a side), 1 where every edge is a point along it."""
    step = max(total / count, (high - low) / (4 * count))
    return step if step > 0 else 1.0


def edges_cross(rings: Sequence[Ring]) -> bool:
    """Whether two edges of the rings cross (``cross``), any ring's with any ring's."""
    edges = segments(rings)
    count = len(edges)
    if count < 2:
        return False
    boxes = [(min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)) for ax, ay, bx, by in edges]
    west = min(box[0] for box in boxes)
    south = min(box[2] for box in boxes)
    wide = _step(west, max(box[1] for box in boxes), sum(b[1] - b[0] for b in boxes), count)
    tall = _step(south, max(box[3] for box in boxes), sum(b[3] - b[2] for b in boxes), count)
    rows = int((max(box[3] for box in boxes) - south) / tall) + 1
    # The edges in each cell, as chains: a cell's last entry, each entry's edge and the
    # entry before it in its cell (-1 ends a chain).
    last: dict[int, int] = {}
    entry_edges: list[int] = []
    earlier: list[int] = []
    wide_edges = []
    for index, (x0, x1, y0, y1) in enumerate(boxes):
        first_column, last_column = int((x0 - west) / wide), int((x1 - west) / wide)
        first_row, last_row = int((y0 - south) / tall), int((y1 - south) / tall)
        if (last_column - first_column + 1) * (last_row - first_row + 1) > _MOST_CELLS:
            wide_edges.append(index)
            continue
        edge = edges[index]
        for column in range(first_column, last_column + 1):
            for cell in range(column * rows + first_row, column * rows + last_row + 1):
                head = entry = last.get(cell, -1)
                while entry >= 0:
                    if cross(edge, edges[entry_edges[entry]]):
                        return True
                    entry = earlier[entry]
                last[cell] = len(entry_edges)
                earlier.append(head)
                entry_edges.append(index)
    for index in wide_edges:
        edge = edges[index]
        if any(cross(edge, other) for other in edges):
            return True
    return False


def on_segment(x: float, y: float, edge: Segment) -> bool:
    """Whether the point lies on the edge (its ends included)."""
    ax, ay, bx, by = edge
    return (
        orient(ax, ay, bx, by, x, y) == 0
        and min(ax, bx) <= x <= max(ax, bx)
        and min(ay, by) <= y <= max(ay, by)
    )


def outside(ring: Ring, other: Ring) -> bool:
    """Whether the ring (whose edges cross none of the other's) lies outside the other:
    its first point off the other's edges decides."""
    edges = segments([other])
    for x, y in zip(*ring, strict=True):
        if any(on_segment(x, y, edge) for edge in edges):
            continue
        inside = False
        for ax, ay, bx, by in edges:
            if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
                inside = not inside
        return not inside
    return False


def nested(holes: Sequence[Ring]) -> bool:
    """Whether a hole (of holes whose edges cross none of the others') lies inside
    another. Each hole's first point is looked for in the holes whose bounding boxes hold
    it, found through a grid over those boxes as ``edges_cross`` finds edges."""
    count = len(holes)
    if count < 2:
        return False
    boxes = [(min(xs), max(xs), min(ys), max(ys)) for xs, ys in holes]
    west = min(box[0] for box in boxes)
    south = min(box[2] for box in boxes)
    wide = _step(west, max(box[1] for box in boxes), sum(b[1] - b[0] for b in boxes), count)
    tall = _step(south, max(box[3] for box in boxes), sum(b[3] - b[2] for b in boxes), count)
    cells: dict[tuple[int, int], list[int]] = {}
    large = []
    for index, (x0, x1, y0, y1) in enumerate(boxes):
        columns = range(int((x0 - west) / wide), int((x1 - west) / wide) + 1)
        rows = range(int((y0 - south) / tall), int((y1 - south) / tall) + 1)
        if len(columns) * len(rows) > _MOST_CELLS:
            large.append(index)
            continue
        for column in columns:
            for row in rows:
                cells.setdefault((column, row), []).append(index)
    for index, (xs, ys) in enumerate(holes):
        x, y = xs[0], ys[0]
        near = cells.get((int((x - west) / wide), int((y - south) / tall)), [])
        for other in (*near, *large):
            x0, x1, y0, y1 = boxes[other]
            if (
                other != index
                and x0 <= x <= x1
                and y0 <= y <= y1
                and not outside(holes[index], holes[other])
            ):
                return True
    return False
