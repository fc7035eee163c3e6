"""OpenSearch's split of a ``geo_shape`` polygon that reaches or crosses the dateline (a
longitude at or past 180 degrees east or west once its shell is read, or one that is not
a number), followed step by step: ``index_polygons`` reads its rings (their orientation,
their move across the dateline, their duplicate points), this module links their edges
(``index_dateline_edges``) and cuts them at the line as ``GeoPolygonDecomposer`` does,
``index_dateline_pieces`` makes polygons of the loops left, and those go on to Lucene.

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
  past the line; a loop is walked until it passes a second time through one point, where
  it is split and its walk ends (the edges split off are walked later as a loop of their
  own; ``component``'s ``Shape contains more than one shared point``, thrown where a walk
  meets a second such point, is never reached, as the walk has ended), and a loop that
  then does not close fails (``Self-intersection at or near point [179.0,1.9]``);
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

from collections.abc import Sequence

from pytest_firehose._destinations.index_dateline_edges import (
    NOWHERE,
    Edge,
    Point,
    Refused,
    check_index,
    follow,
    meet,
)
from pytest_firehose._destinations.index_dateline_pieces import compose
from pytest_firehose._destinations.index_polygons import Cause, Ring

_DATELINE = 180.0


def split(rings: Sequence[Ring], forward: Sequence[bool]) -> Cause | list[list[Ring]]:
    """The polygons OpenSearch makes of ``rings`` (the shell, then its holes, as
    ``index_polygons`` read them: moved across the dateline, each linked onwards where
    ``forward``), or the cause of its failure."""
    edges: list[Edge] = []
    holes: list[Edge | None] = []
    for index, ((xs, ys), onwards) in enumerate(zip(rings, forward, strict=True)):
        count = len(xs) - 1
        loop = [Edge(Point(xs[i], ys[i]), None) for i in range(count)]
        for i, edge in enumerate(loop):
            edge.next = loop[(i + 1) % count] if onwards else loop[i - 1]
            edge.ring = index
        if index > 0:
            holes.append(loop[0])
        edges.extend(loop)
    try:
        left = len(holes)
        left = _merge(edges, meet(_DATELINE, edges), holes, left)
        left = _merge(edges, meet(-_DATELINE, edges), holes, left)
        return compose(edges, holes, left)
    except Refused as refused:
        return refused.cause


def _merge(edges: list[Edge], found: int, holes: list[Edge | None], left: int) -> int:
    """``merge``: the edges meeting the line joined in pairs; a hole joined no longer
    counted as one. The holes still counted."""
    for i in range(0, found, 2):
        first, second = follow(edges, i), follow(edges, i + 1)
        if second.ring > 0:
            left -= 1
            check_index(len(holes), left)
            holes[second.ring - 1] = holes[left]
            holes[left] = None
        if (
            first.meets is not NOWHERE
            and second.meets is not NOWHERE
            and not (
                first.next.next.at.key() == second.at.key()
                and abs(first.next.at.x) == _DATELINE
                and abs(second.at.x) == _DATELINE
            )
        ):
            _connect(first, second)
    return left


def _connect(into: Edge, out: Edge) -> None:
    """``connect``: two edges joined by a pair of edges along the line (created in
    OpenSearch's order, each checked for a duplicate point as it is linked)."""
    if into.meets is not into.next.at:
        first = Edge(into.meets, into.next)
        if out.meets is not out.next.at:
            second = Edge(out.meets, out.next)
            into.next = Edge(into.meets, second, into.meets)
        else:
            into.next = Edge(into.meets, out.next, into.meets)
        out.next = Edge(out.meets, first, out.meets)
    elif into.next is not out and into.at is not out.meets:
        second = Edge(out.meets, into.next, out.meets)
        if out.meets is not out.next.at:
            first = Edge(out.meets, out.next)
            into.next = Edge(into.meets, first, into.meets)
        else:
            into.next = Edge(into.meets, out.next, into.meets)
        out.next = second
