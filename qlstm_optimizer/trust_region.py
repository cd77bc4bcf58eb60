"""The trust-region step of the quadratic refine (:mod:`~qlstm_optimizer.refine`): the minimiser
of a quadratic model inside a ball, by an eigen-decomposition and a bisection on the secular
equation, with the LAPACK calls of the refine's fits. Everything here gives the results of the
plain algorithm to the bit (tests/test_refine.py), only faster: a refine amplifies rounding
differences (docs/performance.md, "Rounding and the learned optimizer").

Example:
    >>> import numpy as np
    >>> s = trust_region_step(np.array([1.0, 0.0]), np.eye(2), 0.5)  # Newton step -g: too long
    >>> s.round(12).tolist()
    [-0.5, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

# The LAPACK gufuncs behind np.linalg.lstsq/eigh/svd, called directly: their Python wrappers
# (argument checks, dtype bookkeeping, an errstate) cost 5-13 us per call, a large part of a
# refine step at p = 1. The same calls on the same arrays give the same results to the bit; on
# a failure (NaN results) the public function is called again, so that errors stay its own.
try:
    from numpy.linalg import _umath_linalg as _lapack

    _GELSD, _SYEVD, _GESDD = _lapack.lstsq, _lapack.eigh_lo, _lapack.svd_f
except (ImportError, AttributeError):  # pragma: no cover - another NumPy layout
    _GELSD = _SYEVD = _GESDD = None
_EPS = float(np.finfo(np.float64).eps)


def _lstsq(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.linalg.lstsq(A, b, rcond=None)[0]`` of float64 A (m, k) and b (m,)."""
    if _GELSD is not None:
        with np.errstate(all="ignore"):
            x = _GELSD(A, b[:, None], _EPS * max(A.shape), signature="ddd->ddid")[0][:, 0]
        if math.isfinite(sum(x.tolist())):  # (an overflowing sum only costs the slow path)
            return x
    return np.linalg.lstsq(A, b, rcond=None)[0]


def _eigh(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.linalg.eigh(H)`` of a float64 symmetric matrix."""
    if _SYEVD is not None:
        with np.errstate(all="ignore"):
            lam, V = _SYEVD(H, signature="d->dd")
        if math.isfinite(sum(lam.tolist())):
            return lam, V
    return np.linalg.eigh(H)


def _right_singular(D: np.ndarray) -> np.ndarray:
    """``np.linalg.svd(D, full_matrices=True)[2]`` of a float64 matrix."""
    if _GESDD is not None:
        with np.errstate(all="ignore"):
            vh = _GESDD(D, signature="d->ddd")[2]
        if math.isfinite(sum(vh[-1].tolist())):  # (a failure fills every entry with NaN)
            return vh
    return np.linalg.svd(D, full_matrices=True)[2]


def _norm(v: np.ndarray) -> float:
    """``np.linalg.norm(v)`` of a real vector: the same sqrt of the dot product."""
    return math.sqrt(v.dot(v))


def trust_region_step(g: np.ndarray, H: np.ndarray, radius: float) -> np.ndarray:
    """Minimiser of ``g.s + s.H.s / 2`` over ``|s| <= radius`` (eigen-decomposition; n is tiny)."""
    lam, V = _eigh(H)
    a = V.T @ g
    if lam[0] > 0:
        s = -a / lam
        if _norm(s) <= radius:
            return V @ s

    def norm(mu: float) -> float:
        # |a / (lam + mu)|: the same arithmetic as np.linalg.norm (sqrt of the dot product),
        # without its and errstate's Python overhead (called ~60 times per step).
        x = a / (lam + mu)
        return math.sqrt(x.dot(x))

    with np.errstate(divide="ignore", invalid="ignore"):
        lo = max(0.0, -lam[0]) + 1e-12
        if norm(lo) <= radius:  # the "hard case": step to the boundary along the lowest curvature
            s = -a / (lam + lo)
            extra = np.sqrt(max(radius ** 2 - float(s @ s), 0.0))
            return V @ s + extra * V[:, 0]
        hi = lo + _norm(g) / radius + abs(lam).max() + 1.0
        root = _newton_root(a, lam, lo, hi, radius)
        edge = None if root is None else _edge(a, lam, root, radius)
        lo, hi = float(lo), float(hi)  # the same doubles; numpy scalars cost ~10x per operation
        if edge is not None:  # norm(mu) > radius exactly for mu < edge (see _edge)
            hi = _bisect_to(edge, lo, hi)
        else:
            left, right = _known_side(a, lam, lo, hi, radius, norm, root)
            for _ in range(100):  # |s(mu)| falls monotonically in mu: bisect |s| = radius
                mid = 0.5 * (lo + hi)
                if mid < left or (mid < right and norm(mid) > radius):
                    if mid == lo:
                        break  # a fixed point: every further step would leave it unchanged
                    lo = mid
                else:
                    if mid == hi:
                        break
                    hi = mid
    return V @ (-a / (lam + hi))


def _bisect_to(edge: float, lo: float, hi: float) -> float:
    """The final ``hi`` of the bisection in :func:`trust_region_step` when every test is known
    (``norm(mid) > radius`` exactly when ``mid < edge``): the same steps, nothing evaluated."""
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if mid < edge:
            if mid == lo:
                break
            lo = mid
        else:
            if mid == hi:
                break
            hi = mid
    return hi


# Offsets (in units of the spacing of doubles) of the points _edge evaluates around the root.
_EDGE_OFFSETS = np.arange(-48.0, 49.0)


def _edge(a: np.ndarray, lam: np.ndarray, root: float, radius: float) -> float | None:
    """The smallest double ``mu`` near ``root`` with ``norm(mu) <= radius`` in the bisection's
    own arithmetic (``sqrt(x . x)``, ``x = a / (lam + mu)``), if the doubles around the root show
    it; else None.

    Why this is exact: that computed norm is itself monotone (non-increasing) in mu, not only
    the true one: ``lam_i + mu`` rounds monotonically, so does ``a_i / y`` in |.| for y > 0 (every
    mu the bisection tries lies above -lam_0), and the dot product of x with itself is a sum of
    rounded squares (with or without fused multiply-adds): each rounding is monotone. So
    ``norm(mu) > radius`` holds below this edge and fails above it, for every mu, and the
    bisection (which tries mids above its start, lo) takes the same steps knowing only the
    edge. The points are evaluated in one batch (np.vecdot runs the same dot per row as
    ``x.dot(x)``); the edge must lie between two adjacent doubles of the batch, and the batch
    must be monotone (a check of the argument: otherwise None, and the bisection evaluates)."""
    mus = root + math.ulp(root) * _EDGE_OFFSETS
    x = a / (lam + mus[:, None])
    above = (np.sqrt(np.vecdot(x, x)) > radius).tolist()
    k = above.count(True)
    if not 0 < k < len(above) or not above[k - 1] or above[k]:
        return None  # not bracketed, or not monotone (True after a False, NaN)
    edge, before = float(mus[k]), float(mus[k - 1])
    if math.nextafter(before, math.inf) != edge or not all(above[:k]):
        return None
    return edge


def _newton_root(a: np.ndarray, lam: np.ndarray, lo: float, hi: float, radius: float
                 ) -> float | None:
    """The root of ``|s(mu)| = radius`` in [lo, hi] by Newton on the secular equation
    ``1/|s(mu)| = 1/radius`` (Python floats: n is tiny), to about full precision; None when the
    iteration breaks down."""
    a2 = (a * a).tolist()
    lams = lam.tolist()
    mu = lo
    for _ in range(60):
        g2 = q = 0.0
        for ai2, li in zip(a2, lams, strict=True):
            t = 1.0 / (li + mu)
            g2 += ai2 * t * t
            q += ai2 * t * t * t
        if not (g2 > 0.0 and q > 0.0 and math.isfinite(g2) and math.isfinite(q)):
            return None
        gn = math.sqrt(g2)
        step = (gn / radius - 1.0) * g2 / q  # Newton on 1/radius - 1/|s(mu)|
        new = min(max(mu + step, lo), hi)
        if abs(new - mu) <= 1e-15 * abs(new):
            return new
        mu = new
    return mu


def _known_side(a: np.ndarray, lam: np.ndarray, lo: float, hi: float, radius: float,
                norm: Callable[[float], float], root: float | None) -> tuple[float, float]:
    """``(left, right)``: ``norm(mu) > radius`` is certain for ``mu < left`` and false for
    ``mu >= right`` without evaluating it; ``(-inf, inf)`` if nothing is certain.

    Why: the bisection above needs ~55 evaluations to pin the root to the last bit, most of them
    far from the root. Newton (:func:`_newton_root`) gives the root r to about full precision;
    if ``norm`` (the bisection's own arithmetic) at r - delta and r + delta lies beyond
    ``radius`` by a relative 1e-12 (far more than its rounding error, about 1e-15), then every
    mu outside [r - delta, r + delta] falls on the same side as these two (|s| is strictly
    decreasing), so the bisection takes exactly the same steps while evaluating only the ~25
    mids inside the window. (Used when :func:`_edge` cannot settle every step.)"""
    unknown = (-math.inf, math.inf)
    if root is None:
        return unknown
    mu = root
    for rel in (1e-10, 1e-7, 1e-4):
        delta = rel * max(abs(mu), 1e-300)
        left, right = mu - delta, mu + delta
        if left > lo and norm(left) > radius * (1.0 + 1e-12) and (
                right < hi and norm(right) < radius * (1.0 - 1e-12)):
            return math.nextafter(left, math.inf), right
    return unknown
