"""The checks that fail a polygon's tessellation find what comparing every pair finds: two
edges crossing (edges that touch, run along each other or meet at their ends included, long
edges among short ones included), and a hole inside another hole."""

from __future__ import annotations

import math

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_firehose._destinations.index_crossings import (
    Ring,
    cross,
    edges_cross,
    nested,
    outside,
    segments,
)


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


def each_pair_nested(holes: list[Ring]) -> bool:
    return any(
        i != j and not outside(hole, other)
        for i, hole in enumerate(holes)
        for j, other in enumerate(holes)
    )


#: Squares on a small grid, some inside others, some touching, some apart.
_SQUARE = st.tuples(
    st.integers(min_value=0, max_value=12),
    st.integers(min_value=0, max_value=12),
    st.sampled_from([1, 2, 6, 30]),
)


@settings(max_examples=examples(200))
@given(st.lists(_SQUARE, min_size=1, max_size=12))
def test_a_hole_is_inside_another_where_some_pair_says_so(
    squares: list[tuple[int, int, int]],
) -> None:
    holes: list[Ring] = [
        ([x, x + side, x + side, x, x], [y, y, y + side, y + side, y]) for x, y, side in squares
    ]

    assert nested(holes) == each_pair_nested(holes)


def test_many_holes_and_one_around_them_all() -> None:
    """One hole far larger than the others is looked at for every hole's point."""
    small: list[Ring] = [
        ([x, x + 0.5, x + 0.5, x, x], [y, y, y + 0.5, y + 0.5, y])
        for x in range(1, 40)
        for y in range(1, 40)
    ]
    around: Ring = ([0.0, 50.0, 50.0, 0.0, 0.0], [0.0, 0.0, 50.0, 50.0, 0.0])

    assert nested(small) is False
    assert nested([*small, around]) is True
