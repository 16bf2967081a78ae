"""2D certificates: the walk equals an exact partition by polygon clipping (no
LP), and the cells' areas add up to the domain's area."""

from __future__ import annotations

import numpy as np
import pytest

import regionwalk as rw
from regionwalk.nets import random_mlp, tent_map
from regionwalk.polygons import disc_polygon_area, partition_2d, polygon_area


def _patterns(cells):
    return {tuple(c.pattern.tolist()) for c in cells}


@pytest.mark.parametrize("widths,seed", [((2, 16, 16, 16, 1), 0), ((2, 24, 24, 1), 1), ((2, 8, 8, 8, 8, 1), 2),
                                         ((2, 32, 1), 3)], ids=str)
@pytest.mark.parametrize("domain", [rw.Box([-1, -1], [1, 1]), rw.Box([2.0, -3.0], [2.5, 4.0]),
                                    rw.Ball([0.2, 0.1], 0.7), rw.Ball([-1.0, 2.0], 2.5)], ids=repr)
def test_walk_equals_clipping_partition_and_areas_add_up(widths, seed, domain):
    net = random_mlp(widths, seed=seed)
    cells = partition_2d(net, domain)
    res = rw.enumerate_regions(net, domain)
    assert res.count == len(cells)
    assert {tuple(p) for p in res.patterns.tolist()} == _patterns(cells)
    total = domain.volume if isinstance(domain, rw.Box) else np.pi * domain.radius**2
    assert sum(c.area for c in cells) == pytest.approx(total, rel=1e-12)


def test_tent_map_cells_are_the_grid():
    cells = partition_2d(tent_map(3, dim=2), rw.Box([0, 0], [1, 1]))
    assert len(cells) == 64 and all(c.area == pytest.approx(1 / 64) for c in cells)


def test_region_polygons_tile_the_box():
    net = random_mlp((2, 12, 12, 1), seed=4)
    box = rw.Box([-1, -1], [1, 1])
    res = rw.enumerate_regions(net, box)
    polys = res.polygons()
    assert len(polys) == res.count
    assert sum(polygon_area(p) for p in polys) == pytest.approx(4.0, rel=1e-12)
    for p, x in zip(polys, res.points):  # each witness lies in its own polygon
        assert all((q1 - q0)[0] * (x - q0)[1] - (q1 - q0)[1] * (x - q0)[0] > 0
                   for q0, q1 in zip(p, np.roll(p, -1, axis=0)))


def test_polygons_need_a_bbox_in_the_whole_space_and_two_inputs():
    res = rw.enumerate_regions(random_mlp((2, 4, 1), seed=5), None)
    with pytest.raises(ValueError, match="bbox"):
        res.polygons()
    assert len(res.polygons(bbox=rw.Box([-50, -50], [50, 50]))) == res.count
    with pytest.raises(ValueError, match="2 inputs"):
        rw.enumerate_regions(random_mlp((3, 4, 1), seed=5), None).polygons()


def test_disc_area_of_simple_shapes():
    square = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    assert disc_polygon_area(square, np.zeros(2), 0.5) == pytest.approx(np.pi * 0.25)
    assert disc_polygon_area(square, np.zeros(2), 10.0) == pytest.approx(4.0)
    half = np.array([[0.0, -2.0], [2.0, -2.0], [2.0, 2.0], [0.0, 2.0]])
    assert disc_polygon_area(half, np.zeros(2), 1.0) == pytest.approx(np.pi / 2)
