"""A 2-D domain inside the input space: a rectangle on the plane ``origin + a u + b v``.

Researchers look at regions on planes through data (Novak et al. 2018,
regioncam, SplineCam). :class:`Plane` is such a piece of plane; passed to
:func:`regionwalk.enumerate_regions` it counts, exactly, the regions of a
``d``-input network that meet it: the first layer is restricted to the plane
(``W_1 [u v]``, ``b_1 + W_1 origin``) and the resulting 2-input network is
walked in the box ``[lo, hi]`` of plane coordinates.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from regionwalk.domains import Box
from regionwalk.network import Network

__all__ = ["Plane"]


def _vec(x: Any, name: str, size: int | None = None) -> np.ndarray:
    v = np.array(x, dtype=np.float64).reshape(-1)
    if v.size == 0 or (size is not None and v.size != size):
        want = f"{size} numbers" if size is not None else "a non-empty vector"
        raise ValueError(f"{name} must be {want}, got shape {np.shape(x)}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} contains NaN or inf")
    return v


@dataclasses.dataclass(frozen=True, eq=False)
class Plane:
    """The open rectangle ``{origin + a u + b v : lo < (a, b) < hi}`` in ``R^d``.

    Plane coordinates ``(a, b)`` are the coefficients of ``u`` and ``v``:
    ``u`` and ``v`` need only be linearly independent (not orthonormal); with
    orthonormal ``u, v`` lengths and areas in plane coordinates are those of
    the input space. Region polygons (``Regions.polygons()``), the tolerance
    ``tol`` and a walk's ``seed`` are in plane coordinates; witness points
    (``Regions.points``) are in the input space.

    Parameters
    ----------
    origin, u, v
        Vectors of the input dimension ``d >= 2``.
    lo, hi
        The rectangle in plane coordinates, ``lo < hi`` in both (a number
        stands for both coordinates).
    anchors
        Optional points of the input space that define the plane (kept for
        plotting; :meth:`through` sets them).
    """

    origin: np.ndarray
    u: np.ndarray
    v: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    anchors: np.ndarray | None = None

    def __init__(self, origin: Any, u: Any, v: Any, lo: Any, hi: Any, anchors: Any = None) -> None:
        o = _vec(origin, "plane origin")
        d = o.size
        if d < 2:
            raise ValueError(f"a plane needs an input space of dimension >= 2, got {d}")
        uu, vv = _vec(u, "plane u", d), _vec(v, "plane v", d)
        gram = np.array([[uu @ uu, uu @ vv], [uu @ vv, vv @ vv]])
        if not np.linalg.det(gram) > 1e-20 * gram[0, 0] * gram[1, 1]:
            raise ValueError("plane u and v must be linearly independent (they span no plane)")
        lo_v = _vec(np.broadcast_to(lo, (2,)) if np.ndim(lo) == 0 else lo, "plane lo", 2)
        hi_v = _vec(np.broadcast_to(hi, (2,)) if np.ndim(hi) == 0 else hi, "plane hi", 2)
        if not np.all(lo_v < hi_v):
            raise ValueError(f"empty plane rectangle: need lo < hi in both coordinates, got lo={lo_v.tolist()}, "
                             f"hi={hi_v.tolist()}")
        for name, val in (("origin", o), ("u", uu), ("v", vv), ("lo", lo_v), ("hi", hi_v)):
            object.__setattr__(self, name, val)
        anc = None if anchors is None else np.array(anchors, dtype=np.float64).reshape(-1, d)
        object.__setattr__(self, "anchors", anc)

    @classmethod
    def through(cls, x1: Any, x2: Any, x3: Any, margin: float = 0.2) -> "Plane":
        """The plane through three points, with an orthonormal basis.

        ``origin = x1``, ``u`` the unit vector towards ``x2``, ``v`` the unit
        vector of ``x3 - x1`` orthogonal to ``u`` (Gram-Schmidt), so the
        points sit at ``(0, 0)``, ``(|x2 - x1|, 0)`` and ``(p, q)``, ``q > 0``,
        and plane coordinates are lengths of the input space. The rectangle is
        the points' bounding box grown on every side by ``margin`` times its
        larger side.

        Raises
        ------
        ValueError
            If the points are (nearly) collinear, of different lengths, or ``margin < 0``.
        """
        a = _vec(x1, "x1")
        b, c = _vec(x2, "x2", a.size), _vec(x3, "x3", a.size)
        m = float(margin)
        if not (np.isfinite(m) and m >= 0):
            raise ValueError(f"margin must be finite and >= 0, got {margin}")
        e1 = b - a
        n1 = np.linalg.norm(e1)
        w = c - a
        if n1 == 0 or np.linalg.norm(w) == 0:
            raise ValueError("x1, x2, x3 must be three different points")
        u = e1 / n1
        e2 = w - (w @ u) * u
        e2 -= (e2 @ u) * u
        n2 = np.linalg.norm(e2)
        if not n2 > 1e-10 * max(n1, np.linalg.norm(w)):
            raise ValueError("x1, x2, x3 are (nearly) collinear: they span no plane")
        v = e2 / n2
        pts = np.array([[0.0, 0.0], [n1, 0.0], [w @ u, n2]])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = m * float(np.max(hi - lo))
        return cls(a, u, v, lo - pad, hi + pad, anchors=np.stack([a, b, c]))

    # -- geometry ------------------------------------------------------------
    @property
    def dim(self) -> int:
        """Dimension ``d`` of the input space the plane lives in."""
        return int(self.origin.size)

    @property
    def basis(self) -> np.ndarray:
        """``(d, 2)`` matrix ``[u v]``."""
        return np.stack([self.u, self.v], axis=1)

    @property
    def box(self) -> Box:
        """The rectangle as a 2-D :class:`Box` of plane coordinates."""
        return Box(self.lo, self.hi)

    @property
    def center(self) -> np.ndarray:
        """Centre of the rectangle, in plane coordinates."""
        return 0.5 * (self.lo + self.hi)

    def to_input(self, ab: Any) -> np.ndarray:
        """Input-space points ``origin + a u + b v`` of plane coordinates ``(n, 2)``."""
        ab = np.atleast_2d(np.asarray(ab, dtype=np.float64))
        if ab.shape[-1] != 2:
            raise ValueError(f"plane coordinates must have shape (n, 2), got {ab.shape}")
        return self.origin + ab @ self.basis.T

    def coords(self, x: Any) -> np.ndarray:
        """Plane coordinates ``(n, 2)`` of input points ``(n, d)`` (their orthogonal projection)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if x.shape[-1] != self.dim:
            raise ValueError(f"points must have shape (n, {self.dim}), got {x.shape}")
        sol, *_ = np.linalg.lstsq(self.basis, (x - self.origin).T, rcond=None)
        return sol.T

    def contains(self, x: Any, atol: float = 1e-9) -> np.ndarray:
        """Whether input points lie on the plane (within ``atol`` times the scale) and inside the rectangle."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        ab = self.coords(x)
        off = np.linalg.norm(self.to_input(ab) - x, axis=1)
        scale = max(1.0, float(np.abs(self.origin).max()), float(np.max(self.hi - self.lo)))
        return (off <= atol * scale) & np.all((ab > self.lo) & (ab < self.hi), axis=1)

    def restrict(self, net: Network) -> Network:
        """The 2-input network ``(a, b) -> net(origin + a u + b v)``."""
        if not isinstance(net, Network):
            raise TypeError(f"net must be a regionwalk.Network, got {type(net).__name__}")
        if net.input_dim != self.dim:
            raise ValueError(f"plane lies in dimension {self.dim} but the network takes {net.input_dim} inputs")
        w0, b0 = net.weights[0], net.biases[0]
        return Network([w0 @ self.basis, *net.weights[1:]], [b0 + w0 @ self.origin, *net.biases[1:]],
                       alpha=net.alpha)

    def __repr__(self) -> str:
        return (f"Plane(dim={self.dim}, origin=..., lo={self.lo.tolist()}, hi={self.hi.tolist()}"
                f"{', through 3 points' if self.anchors is not None else ''})")


def enumerate_on_plane(net: Network, plane: Plane, seed: Any = None, **kwargs: Any) -> Any:
    """:func:`regionwalk.enumerate_regions` on a :class:`Plane` (its hook calls this).

    ``seed`` is in plane coordinates. The result's ``network`` is ``net`` and
    its ``domain`` the plane; ``points`` are mapped back to the input space.
    """
    from regionwalk.walk import Interrupted, enumerate_regions

    if seed is not None:
        seed = _vec(seed, "seed (plane coordinates)", 2)
    net2 = plane.restrict(net)
    try:
        res = enumerate_regions(net2, plane.box, seed=seed, **kwargs)
    except Interrupted as exc:
        raise Interrupted(_lift(exc.partial, net, plane)) from None
    return _lift(res, net, plane)


def _lift(res: Any, net: Network, plane: Plane) -> Any:
    points = None if res.points is None else plane.to_input(res.points)
    return dataclasses.replace(res, points=points, network=net, domain=plane)
