"""Local refinement after the learned steps: COBYLA, Nelder-Mead, or a quadratic model.

``"quadratic"`` is a derivative-free trust-region method that *reuses every evaluation the
learned steps already made*. COBYLA and Nelder-Mead start from the best point alone and spend
their first ``n + 1`` evaluations rebuilding a linear model or a simplex, while the learned steps
have usually left a small cloud of points around the optimum: a least-squares quadratic through
them gives a Newton-like step at once. QAOA energies are smooth trigonometric polynomials, so
near an optimum a quadratic is an accurate model and the steps converge fast.

Example:
    >>> import numpy as np
    >>> f = lambda x: float((x[0] - 1) ** 2 + 3 * (x[1] + 0.5) ** 2 + 0.3 * x[0] * x[1])
    >>> X = [np.array([0.0, 0.0]), np.array([0.2, 0.0]), np.array([0.0, 0.2])]
    >>> xs, fs = quadratic_refine(f, X, [f(x) for x in X], budget=15, step=0.2)
    >>> bool(min(fs) < f(np.array([0.0, 0.0])) - 1.0)
    True
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.optimize import minimize

from .stopping import NoiseAwareStop
from .trust_region import _lstsq, _norm, _right_singular, trust_region_step

REFINE_METHODS = ("quadratic", "cobyla", "nelder-mead")
DEFAULT_REFINE = "quadratic"
_MIN_RADIUS = 1e-7  # radians: below this the angles are as exact as any energy can tell


def run_refine(evaluate: Callable[[np.ndarray], float], method: str, history_x: Sequence,
               history_f: Sequence[float], budget: int, step: float,
               box: np.ndarray | None, *, noise_stop: bool = True) -> str | None:
    """Continue from the best evaluated point with ``method`` for at most ``budget`` calls.

    Returns why the quadratic refine ended before its budget (None otherwise, and for COBYLA and
    Nelder-Mead, whose own tests end them). ``noise_stop``: the quadratic refine ends once its
    steps are lost in the objective's noise (:class:`qlstm_optimizer.stopping.NoiseAwareStop`).
    """
    if method == "quadratic":
        refiner = _quadratic_refiner(history_x, history_f, step, box, noise_stop)
        _drive(refiner, evaluate, budget)
        return getattr(refiner, "reason", None)
    x_best = np.asarray(history_x[int(np.argmin(history_f))], dtype=float)
    scipy_bounds = None if box is None else [tuple(b) for b in box]
    if method == "cobyla":
        scipy_method = "COBYLA"
        options: dict[str, Any] = {"maxiter": budget, "rhobeg": step, "tol": 1e-6}
    else:
        scipy_method = "Nelder-Mead"
        simplex = np.vstack([x_best] + [x_best + step * e for e in np.eye(len(x_best))])
        # Stop on the simplex size alone, like COBYLA (trust radius below tol) and the quadratic
        # refine (radius below _MIN_RADIUS): SciPy's default also waits for the vertex values to
        # agree within fatol, which noisy energies never do, so it ran to maxfev every time.
        options = {"maxfev": budget, "initial_simplex": simplex, "xatol": 1e-6,
                   "fatol": np.inf}
    with warnings.catch_warnings():
        # COBYLA warns when the budget left is below its 2p + 2 interpolation points; the
        # counting wrapper enforces the budget either way.
        warnings.filterwarnings("ignore", message=".*MAXFUN.*")
        minimize(evaluate, x_best, method=scipy_method, bounds=scipy_bounds, options=options)
    return None


@lru_cache(maxsize=16)
def _triu(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n)


@lru_cache(maxsize=16)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Column pairs of ``[1, d]`` whose products are the basis: (0, 0), (0, 1 + i), then
    (1 + i, 1 + j) for i <= j (1 * 1 and 1 * d_i are exact)."""
    iu, ju = _triu(n)
    first = np.concatenate([[0], np.zeros(n, dtype=int), iu + 1])
    second = np.concatenate([[0], np.arange(1, n + 1), ju + 1])
    return first, second


def _basis(d: np.ndarray) -> np.ndarray:
    """Rows ``[1, d_i, d_i d_j (i <= j)]`` of a full quadratic in the displacements ``d``."""
    first, second = _pairs(d.shape[1])
    ones_d = np.empty((d.shape[0], d.shape[1] + 1))
    ones_d[:, 0] = 1.0
    ones_d[:, 1:] = d
    return ones_d.take(first, axis=1) * ones_d.take(second, axis=1)


def _row_norms(d: np.ndarray) -> np.ndarray:
    """``np.linalg.norm(d, axis=1)`` of a real array, the same arithmetic (its code for this
    case) without its Python overhead."""
    return np.sqrt(np.add.reduce(d * d, axis=1))


def fit_quadratic(d: np.ndarray, f: np.ndarray, weights: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares quadratic ``f ~ c + g.d + d.H.d / 2``; returns ``(g, H)``.

    With fewer points than coefficients the minimum-norm solution is taken (no curvature where
    the points say nothing), the same choice as Powell's NEWUOA models."""
    n = d.shape[1]
    A = _basis(d) * weights[:, None]
    coef = _lstsq(A, f * weights)
    g = coef[1:n + 1]
    H = np.zeros((n, n))
    H[_triu(n)] = coef[n + 1:]
    H = H + H.T  # off-diagonal d_i d_j appears once, the diagonal d_i^2 needs the factor 2
    return g, H


class QuadraticRefiner:
    """Ask/tell form of :func:`quadratic_refine` (the Optuna sampler drives it trial by trial).

    ``ask()`` returns the next point, the same one until ``tell(value)`` reports its energy, or
    None once converged (trust radius below 1e-7 rad). ``xs``/``fs`` hold every point so far.

    Each step fits a quadratic to the points nearest the best one (weighted towards the trust
    region), steps to the model's minimiser inside the region, and grows or shrinks the region by
    how well the model predicted the change. While there are too few points for a model, or the
    model stops predicting, it adds a point along the direction the current points span least
    (a geometry step).
    """

    def __init__(self, history_x: Sequence, history_f: Sequence[float], step: float,
                 box: np.ndarray | None = None) -> None:
        self.xs = [np.asarray(x, dtype=float) for x in history_x]
        self.fs = [float(f) for f in history_f]
        if not self.xs or len(self.xs) != len(self.fs):
            raise ValueError("the refine needs at least one evaluated point (and one value each)")
        if not (np.isfinite(step) and step > 0):
            raise ValueError(f"the refine step must be positive and finite, got {step}")
        n = self.xs[0].size
        self.full = (n + 1) * (n + 2) // 2  # coefficients of a full quadratic
        self.need = 2 * n + 1  # gradient and curvature along each axis; the rest min-norm
        self.radius = float(step)
        self.box = box
        # (point, best value when proposed, predicted decrease or None, model points, step/radius)
        self._pending: tuple[np.ndarray, float, float | None, int, float] | None = None
        # Incremental form of np.unique(xs, axis=0) and the mean value of each point (rebuilding
        # them on every step was most of the refine's own time): see _distinct.
        self._reset_distinct()

    @property
    def converged(self) -> bool:
        return not self.radius >= _MIN_RADIUS  # (also True for a NaN radius)

    def ask(self) -> np.ndarray | None:
        while self._pending is None and not self.converged:
            candidate = self._next()
            if self._is_new(candidate[0]):
                self._pending = candidate
            else:  # the box clipped the step back onto an evaluated point: a failed step
                self.radius *= 0.5
        return None if self._pending is None else self._pending[0].copy()

    def _is_new(self, x: np.ndarray) -> bool:
        """False for a point already evaluated (re-evaluating it would teach nothing). The
        distinct points of the last :meth:`_distinct` (every ask runs it first) have the same
        nearest distance as all points: repeats are equal to the bit (or differ in the sign of
        a zero, which no difference sees)."""
        # the smallest squared distance, then its root: the smallest distance exactly (sqrt is
        # correctly rounded, hence monotone), one array operation fewer
        diff = self._X - x
        gap = math.sqrt(np.minimum.reduce(np.add.reduce(diff * diff, axis=1)))
        return gap > 1e-12 * max(1.0, _norm(x))

    def _reset_distinct(self) -> None:
        n = self.xs[0].size
        # key -> [sum of values, count, row]; rows of _unique/_means in order of first sight
        self._sums: dict[tuple[float, ...], list] = {}
        self._sorted: list[tuple[float, ...]] = []  # the keys in lexicographic order
        self._order: list[int] = []  # their rows
        self._unique = np.empty((16, n))
        self._means = np.empty(16)
        self._counted = 0
        self._X = self._unique[:0]

    def _distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct points in lexicographic order and the mean value of each: exactly what
        ``np.unique(xs, axis=0, return_inverse=True)`` and a ``bincount`` mean give (same order,
        sums in the order told), kept up to date point by point."""
        if self._counted > len(self.xs):  # xs shrank behind our back: start over
            self._reset_distinct()
        for x, f in zip(self.xs[self._counted:], self.fs[self._counted:], strict=True):
            key = tuple(x.tolist())
            entry = self._sums.get(key)
            if entry is None:
                row = len(self._sums)
                if row == self._means.shape[0]:  # full: double the buffers
                    self._unique = np.concatenate([self._unique, np.empty_like(self._unique)])
                    self._means = np.concatenate([self._means, np.empty_like(self._means)])
                self._unique[row] = x
                entry = self._sums[key] = [0.0 + f, 1, row]
                at = bisect.bisect_right(self._sorted, key)  # bisect.insort's place
                self._sorted.insert(at, key)
                self._order.insert(at, row)
            else:
                entry[0] += f
                entry[1] += 1
            self._means[entry[2]] = entry[0] / entry[1]
        self._counted = len(self.xs)
        order = np.array(self._order)
        self._X = self._unique.take(order, axis=0)
        return self._X, self._means.take(order)

    def _clip(self, x: np.ndarray) -> np.ndarray:
        return x if self.box is None else np.clip(x, self.box[:, 0], self.box[:, 1])

    def tell(self, value: float, x: np.ndarray | None = None) -> None:
        """The energy of the pending point; ``x``: the point actually evaluated when the caller
        had to move it (an Optuna grid step or range), so the model is fitted to what was
        measured."""
        if self._pending is None:
            raise RuntimeError("tell() without a pending ask()")
        x_new, fb, predicted, near, step_length = self._pending
        self._pending = None
        self.xs.append(x_new if x is None else np.asarray(x, dtype=float).copy())
        self.fs.append(float(value))
        if predicted is None:  # a geometry step
            if near >= self.full:  # a well-poised model that still cannot predict: go smaller
                self.radius *= 0.5
            return
        ratio = (fb - float(value)) / predicted
        if ratio > 0.7 and step_length > 0.9:
            self.radius *= 2.0
        elif ratio < 0.1:
            self.radius *= 0.5

    def _next(self) -> tuple[np.ndarray, float, float | None, int, float]:
        # Repeated points (a re-evaluated best point, retried trials) count once, at their mean
        # value: duplicates would otherwise fill the nearest-point set with one location.
        X, F = self._distinct()
        b = int(F.argmin())
        xb, fb = X[b], float(F[b])
        d = (X - xb) / self.radius
        dist = _row_norms(d)
        near = dist.argsort()[:2 * self.full]
        near = near[dist[near] <= 8.0]
        s, predicted = None, None
        if len(near) >= self.need:
            g, H = fit_quadratic(d[near], F[near] - fb, 1.0 / (1.0 + dist[near] ** 2))
            s = trust_region_step(g, H, 1.0)
            predicted = float(-(g @ s + 0.5 * s @ H @ s))
            length = _norm(s)
            if predicted <= 0 or length < 1e-3:
                s, predicted = None, None
        if s is None:  # geometry: the direction the nearby displacements cover least
            length = None
            n = X.shape[1]
            D = d[near[1:]] if len(near) > 1 else np.zeros((0, n))
            s = np.eye(n)[0] if len(D) == 0 else _right_singular(D)[-1]
            gaps = d[near] - s  # np.vecdot per row: the same dot as np.linalg.norm of each row
            if (np.sqrt(np.vecdot(gaps, gaps)) < 0.5).any():
                s = -s
            # If the box clips that direction onto a known point (a parameter at its bound, or
            # fixed), try its opposite and then the coordinate axes before giving up a radius.
            # (lazily: the first candidate almost always serves)
            for t in itertools.chain((s, -s), _axes(n)):
                if self._is_new(self._clip(xb + self.radius * t)):
                    s = t
                    break
        x_new = self._clip(xb + self.radius * s)
        return x_new, fb, predicted, len(near), _norm(s) if length is None else length


def _axes(n: int) -> Iterator[np.ndarray]:
    """The coordinate axes, then their opposites (rows of np.eye(n) and of -np.eye(n)), built
    only when a geometry step gets that far."""
    eye = np.eye(n)
    yield from eye
    yield from -eye


def quadratic_refine(evaluate: Callable[[np.ndarray], float], history_x: Sequence,
                     history_f: Sequence[float], budget: int, step: float,
                     box: np.ndarray | None = None, *, noise_stop: bool = True
                     ) -> tuple[list, list]:
    """Trust-region minimisation on least-squares quadratic models of all points so far
    (:class:`QuadraticRefiner`), for at most ``budget`` calls of ``evaluate``. Stops when the
    trust radius falls below 1e-7 rad, when (``noise_stop``) its steps are lost in the
    objective's noise (:class:`~qlstm_optimizer.stopping.NoiseAwareStop`), or when the budget (or
    ``evaluate``'s own limit) runs out. Returns all points and values, the given ones first.
    """
    refiner = _quadratic_refiner(history_x, history_f, step, box, noise_stop)
    _drive(refiner, evaluate, budget)
    return refiner.xs, refiner.fs


def _quadratic_refiner(history_x: Sequence, history_f: Sequence[float], step: float,
                       box: np.ndarray | None, noise_stop: bool) -> Any:
    refiner = QuadraticRefiner(history_x, history_f, step, box)
    return NoiseAwareStop(refiner) if noise_stop else refiner


def _drive(refiner: Any, evaluate: Callable[[np.ndarray], float], budget: int) -> None:
    for _ in range(int(budget)):
        x = refiner.ask()
        if x is None:
            break
        refiner.tell(evaluate(x))
