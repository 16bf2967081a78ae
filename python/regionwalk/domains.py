"""Domains the regions must meet: a box, an L2 ball, or (``None``) the whole space."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from regionwalk import _core

__all__ = ["Box", "Ball", "Domain"]


def _vector(x: Any, name: str) -> np.ndarray:
    v = np.array(x, dtype=np.float64).reshape(-1) if np.ndim(x) else np.array([x], dtype=np.float64)
    if v.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} contains NaN or inf")
    return v


@dataclass(frozen=True, eq=False)
class Box:
    """The open axis-aligned box ``{x : lo < x < hi}``."""

    lo: np.ndarray
    hi: np.ndarray

    def __init__(self, lo: Any, hi: Any) -> None:
        lo_v, hi_v = _vector(lo, "box lo"), _vector(hi, "box hi")
        if lo_v.shape != hi_v.shape:
            raise ValueError(f"box lo and hi differ in length: {lo_v.size} vs {hi_v.size}")
        bad = np.flatnonzero(~(lo_v < hi_v))
        if bad.size:
            flat = " (a box with lo == hi is a slice of lower dimension: walk a plane with rw.Plane, a line " \
                "with rw.count_along)" if np.any(lo_v == hi_v) else ""
            raise ValueError(f"empty box: lo >= hi in coordinate(s) {bad.tolist()}{flat}")
        object.__setattr__(self, "lo", lo_v)
        object.__setattr__(self, "hi", hi_v)

    @property
    def dim(self) -> int:
        return int(self.lo.size)

    @property
    def center(self) -> np.ndarray:
        return 0.5 * (self.lo + self.hi)

    @property
    def volume(self) -> float:
        return float(np.prod(self.hi - self.lo))

    def contains(self, x: Any) -> np.ndarray:
        x = np.atleast_2d(x)
        return np.all((x > self.lo) & (x < self.hi), axis=1)

    def _to_core(self) -> Any:
        return _core.Domain.box(self.lo, self.hi)

    def __repr__(self) -> str:
        return f"Box(lo={self.lo.tolist()}, hi={self.hi.tolist()})"


@dataclass(frozen=True, eq=False)
class Ball:
    """The open L2 ball ``{x : ||x - center|| < radius}``."""

    center: np.ndarray
    radius: float

    def __init__(self, center: Any, radius: float) -> None:
        c = _vector(center, "ball center")
        r = float(radius)
        if not np.isfinite(r) or r <= 0:
            raise ValueError(f"ball radius must be finite and > 0, got {radius}")
        object.__setattr__(self, "center", c)
        object.__setattr__(self, "radius", r)

    @property
    def dim(self) -> int:
        return int(self.center.size)

    def contains(self, x: Any) -> np.ndarray:
        x = np.atleast_2d(x)
        return np.linalg.norm(x - self.center, axis=1) < self.radius

    def _to_core(self) -> Any:
        return _core.Domain.ball(self.center, self.radius)

    def __repr__(self) -> str:
        return f"Ball(center={self.center.tolist()}, radius={self.radius})"


Domain = Union[Box, Ball, None]
