"""regionwalk: exact enumeration of the linear regions of ReLU networks.

>>> import regionwalk as rw
>>> net = rw.Network.from_torch(model)            # doctest: +SKIP
>>> res = rw.enumerate_regions(net, rw.Ball(x0, 0.1))  # doctest: +SKIP
>>> res.count, res.complete                       # doctest: +SKIP
"""

from __future__ import annotations

from regionwalk import bounds
from regionwalk.bounds import validate_bounds
from regionwalk.domains import Ball, Box, Domain
from regionwalk.io import load_model
from regionwalk.local import LocalCounts, LocalInterrupted, local_counts
from regionwalk.network import Network
from regionwalk.paths import PathCounts, PathRegions, count_along, count_along_many
from regionwalk.plane import Plane
from regionwalk.plotting import plot_regions
from regionwalk.sampling import SampleResult, compare_sampling, sample_patterns
from regionwalk.walk import IncompleteWarning, Interrupted, Regions, count_regions, enumerate_regions
from regionwalk.adjacency import Adjacency
from regionwalk.analysis import local_affine, margin
from regionwalk.geometry import RegionGeometry

__version__ = "0.1.0"

__all__ = [
    "Ball",
    "Box",
    "Domain",
    "IncompleteWarning",
    "Interrupted",
    "Network",
    "Regions",
    "SampleResult",
    "compare_sampling",
    "sample_patterns",
    "bounds",
    "validate_bounds",
    "count_regions",
    "enumerate_regions",
    "load_model",
    "LocalCounts",
    "LocalInterrupted",
    "local_counts",
    "PathCounts",
    "PathRegions",
    "count_along",
    "count_along_many",
    "Plane",
    "plot_regions",
    "local_affine",
    "margin",
    "RegionGeometry",
    "Adjacency",
    "__version__",
]
