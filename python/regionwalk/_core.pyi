"""Private compiled core of regionwalk (see the public API in regionwalk)."""

from collections.abc import Callable
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

class Network:
    def __init__(self, weights: list[npt.ArrayLike], biases: list[npt.ArrayLike], alpha: float = 0.0) -> None: ...
    @property
    def input_dim(self) -> int: ...
    @property
    def hidden_neurons(self) -> int: ...
    def with_first_bias(self, bias: npt.ArrayLike) -> Network: ...
    def pattern_of(self, x: npt.ArrayLike) -> npt.NDArray[np.bool_]: ...
    def local_forms(self, pattern: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def stable_signs(self, domain: Domain) -> npt.NDArray[np.int8]: ...
    def interval_bounds(self, domain: Domain) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...

class Domain:
    @staticmethod
    def box(lo: npt.ArrayLike, hi: npt.ArrayLike) -> Domain: ...
    @staticmethod
    def ball(center: npt.ArrayLike, radius: float) -> Domain: ...
    @staticmethod
    def whole(dim: int) -> Domain: ...
    @property
    def dim(self) -> int: ...
    @property
    def scale(self) -> float: ...

class WalkStats(TypedDict):
    """The walk's counters (cpp/include/regionwalk/walk_stats.hpp; tests/test_stub.py checks the keys)."""

    regions_expanded: int
    facet_tests: int
    facets_found: int
    skipped_visited: int
    inherited_proofs: int
    rechecked_proofs: int
    proof_errors: int
    lp_solves: int
    lp_iterations: int
    qp_solves: int
    undecided: int
    witness_failures: int
    stable_neurons: int
    subdivision_vertices: int
    subdivision_refusals: int
    seconds: float

class Expander:
    def __init__(self, network: Network, domain: Domain, tol: float = 0.0) -> None: ...
    def seed(self, seed: npt.ArrayLike) -> bytes: ...
    def expand(self, item: bytes) -> list[bytes]: ...
    @property
    def stats(self) -> dict[str, int]: ...

def item_pattern(item: bytes) -> bytes: ...
def item_point(item: bytes) -> npt.NDArray[np.float64]: ...
def walk_stats_fields() -> dict[str, str]: ...
def row_space(w: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
def row_weight(network: Network, basis: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
def reduce(
    network: Network, domain: Domain, basis: npt.ArrayLike | None = None, weight: npt.ArrayLike | None = None,
    restrict: bool = False,
) -> tuple[
    Network, Domain, npt.NDArray[np.float64], npt.NDArray[np.float64] | None, npt.NDArray[np.float64] | None, float,
    npt.NDArray[np.float64] | None,
]: ...
def full_patterns(
    network: Network, packed: npt.ArrayLike
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]: ...
def restrict_ball(
    network: Network, domain: Domain
) -> tuple[Network, Domain, npt.NDArray[np.float64]] | None: ...
def facet_test(
    network: Network,
    domain: Domain,
    pattern: npt.ArrayLike,
    neuron: int,
    tol: float = 0.0,
    solver: Callable[..., tuple[str, Any, Any, Any, int]] | None = None,
) -> tuple[bool, float, npt.NDArray[np.float64] | None]: ...
def walk(
    network: Network,
    domain: Domain,
    seed: npt.ArrayLike,
    tol: float = 0.0,
    max_regions: int = -1,
    time_limit: float = -1.0,
    threads: int = 1,
    store_points: bool = True,
    progress: Callable[[int, float, int], None] | None = None,
    progress_interval: float = 0.5,
    audit_proofs: bool = False,
    max_memory: int = -1,
    state: bytes | None = None,
    keep_state: bool = False,
    solver: Callable[..., tuple[str, Any, Any, Any, int]] | None = None,
    subdivide: bool = True,
) -> dict[str, Any]: ...
