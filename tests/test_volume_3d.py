"""3D volume certificate: the regions' volumes (qhull's halfspace intersection)
add up to the box's volume, so no region is missed or counted twice."""

from __future__ import annotations

import numpy as np
import pytest

import regionwalk as rw
from regionwalk.nets import random_mlp

import scipy.spatial as spatial


def region_volume(net, pattern, box, interior):
    a, c = net._core.local_forms(pattern)
    sigma = np.where(pattern, 1.0, -1.0)
    keep = np.linalg.norm(a, axis=1) > 0
    # qhull wants A x + b <= 0: -sigma (a x + c) <= 0, and the box
    hs = [np.c_[-sigma[keep, None] * a[keep], -sigma[keep] * c[keep]]]
    eye = np.eye(3)
    hs.append(np.c_[eye, -box.hi])
    hs.append(np.c_[-eye, box.lo])
    inter = spatial.HalfspaceIntersection(np.vstack(hs), interior)
    return spatial.ConvexHull(inter.intersections).volume


@pytest.mark.parametrize("widths,seed", [((3, 8, 8, 1), 0), ((3, 12, 1), 1), ((3, 6, 6, 6, 1), 2)], ids=str)
def test_region_volumes_add_up_to_the_box(widths, seed):
    net = random_mlp(widths, seed=seed)
    box = rw.Box([-1.0, -0.5, -1.0], [1.0, 1.0, 0.5])
    res = rw.enumerate_regions(net, box)
    total = sum(region_volume(net, p, box, x) for p, x in zip(res.patterns, res.points))
    assert total == pytest.approx(box.volume, rel=1e-9)
