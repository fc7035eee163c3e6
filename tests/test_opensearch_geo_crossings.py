"""The check that a polygon's edges cross (which fails its tessellation) finds a crossing
exactly where comparing every pair of edges does: edges that touch, run along each other or
meet at their ends included, long edges among short ones included."""

from __future__ import annotations

import math

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_firehose._destinations.index_crossings import Ring, cross, edges_cross, segments


def pairwise(rings: list[Ring]) -> bool:
    """Every pair of edges compared."""
    edges = segments(rings)
    return any(
        cross(edges[i], edges[j]) for i in range(len(edges)) for j in range(i + 1, len(edges))
    )


#: Points on a small grid (so that edges often touch, meet at their ends or lie on one
#: line), stretched along each axis by its own factor (so that some edges are far longer
#: than the rest).
_COORDINATE = st.integers(min_value=-4, max_value=4)
_STRETCH = st.sampled_from([1.0, 0.001, 7.5, 1000.0 / 3])


@st.composite
def rings(draw: st.DrawFn) -> list[Ring]:
    found: list[Ring] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        across, up = draw(_STRETCH), draw(_STRETCH)
        points = draw(st.lists(st.tuples(_COORDINATE, _COORDINATE), min_size=3, max_size=9))
        xs = [x * across for x, _y in points]
        ys = [y * up for _x, y in points]
        found.append((xs + xs[:1], ys + ys[:1]))
    return found


@settings(max_examples=examples(400))
@given(rings())
def test_the_edges_cross_where_some_pair_of_them_does(polygon: list[Ring]) -> None:
    assert edges_cross(polygon) == pairwise(polygon)


@settings(max_examples=examples(100))
@given(
    st.lists(
        st.tuples(st.floats(min_value=-180, max_value=180), st.floats(min_value=-90, max_value=90)),
        min_size=3,
        max_size=12,
    )
)
def test_any_ring_of_points_on_the_globe_is_decided_as_pairwise(
    points: list[tuple[float, float]],
) -> None:
    xs = [x for x, _y in points]
    ys = [y for _x, y in points]
    polygon: list[Ring] = [(xs + xs[:1], ys + ys[:1])]

    assert edges_cross(polygon) == pairwise(polygon)


def test_a_long_edge_crossing_short_ones_is_found() -> None:
    """Many short edges and one long edge across them: the long edge covers too many cells
    of the grid to go in it, and is compared with every other edge."""
    count = 400
    xs = [10 * math.cos(2 * math.pi * i / count) for i in range(count)]
    ys = [10 * math.sin(2 * math.pi * i / count) for i in range(count)]
    circle: Ring = (xs + xs[:1], ys + ys[:1])
    chord: Ring = ([-20.0, 20.0, 20.0, -20.0], [-15.0, 15.0, 16.0, -15.0])

    assert edges_cross([circle]) is False
    assert edges_cross([circle, chord]) is True
    assert pairwise([circle, chord]) is True
