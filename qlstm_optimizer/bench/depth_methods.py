"""The baselines of the depth benchmark (:mod:`.depth`): schedules, chains and angle tables at
any depth p, each a function ``method(ctx, maxfev) -> CountingObjective`` (or None where it does
not apply, e.g. no table entry at that depth).

Accounting. Every method sees the depth-p energy only through one
:class:`~.objective.CountingObjective`, so every evaluation is counted, those at lower depths of a
chain included. A depth-d point (d < p) is recorded as the depth-p point with ``p - d`` identity
layers appended (beta = gamma = 0): that circuit prepares the same state, so the energy of a
lower-depth evaluation *is* a depth-p energy and counts as one, with nothing evaluated twice.
rho_k therefore reads the best depth-p energy within the first k evaluations of the whole chain.
(:func:`depth_energy` drops trailing identity layers before simulating: same value, less work.)

Methods (labels ``schedule@optimizer``; the ``@`` marks a baseline, as in the main suite):

* ``interp@l-bfgs-b``, ``interp@cobyla``: INTERP (Zhou et al. arXiv 1812.01041). Depth 1 starts
  from the one-layer linear ramp (``ramp`` below; on dense graphs it is much closer to the p = 1
  optimum than the 3-regular table, whose beta is too large there); depth d runs the inner
  optimizer until it converges (COBYLA final trust radius 1e-3; L-BFGS-B ``ftol`` 1e-7,
  ``gtol`` 1e-5) or until :data:`PER_DEPTH_EVALS` ``* (2d + 1)`` evaluations, then its best
  point is interpolated to depth d + 1. Depth p runs until converged or the budget ends.
  The per-depth cap does not depend on the total budget, so a run with budget k is exactly the
  first k evaluations of a longer run: one run gives rho_k for every k.
* ``fourier<q>@cobyla``, ``fourier<q>@l-bfgs-b``: FOURIER[q] (Zhou et al.), directly at depth p:
  the optimizer moves the ``min(q, p)`` coefficients u, v of
  :func:`~qlstm_optimizer.angles.fourier_schedule`, starting from the Fourier fit of the
  linear ramp (``ramp`` below). Zhou et al. chain FOURIER over depths like INTERP; from a good
  ramp fit the chain only spends budget, so the direct variant is the stronger baseline here.
* ``ramp@cobyla``: the linear-ramp schedule ``tqa_angles(p, RAMP_DT / s)`` (s the coupling
  scale), then COBYLA.
* ``tqa@cobyla``: TQA as Sack & Serbyn (2021) use it: a bounded scalar search of the ramp's time
  step over ``TQA_DT_RANGE / s`` (at most :data:`TQA_SCAN_ITER` iterations, counted), then COBYLA
  from the best ramp.
* ``table@cobyla``: the published angles rescaled to the instance (3-regular Max-Cut p <= 11,
  SK p <= 17; :mod:`qlstm_optimizer.angles`), then COBYLA; absent at depths without a table.

COBYLA uses the suite's informed-start step (:data:`.baselines.INFORMED_STEP`) everywhere;
L-BFGS-B SciPy's forward-difference gradient (2 m + 1 evaluations for m parameters).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from ..angles import (
    fixed_angle_depths,
    fourier_fit,
    fourier_schedule,
    interp_angles,
    scaled_fixed_angles,
    tqa_angles,
)
from ..units import coupling_scale
from .baselines import INFORMED_STEP, cobyla, lbfgsb
from .objective import BudgetExhausted, CountingObjective
from .suites import BenchInstance

PER_DEPTH_EVALS = 10
RAMP_DT = 0.75  # in units of 1/s: the usual TQA step at coupling scale 1
TQA_DT_RANGE = (0.2, 1.6)
TQA_SCAN_ITER = 8
FOURIER_QS = (2, 4)
# Per-depth stopping rule of the INTERP chains (see the module docstring).
CHAIN_SETTINGS: dict[str, dict[str, Any]] = {
    "cobyla": {"step": INFORMED_STEP, "tol": 1e-3},
    "l-bfgs-b": {"ftol": 1e-7, "gtol": 1e-5},
}
INNER = {"cobyla": cobyla, "l-bfgs-b": lbfgsb}


@dataclass(frozen=True)
class DepthContext:
    """What a method may use: the counted depth-p energy's source, the depth, the family
    ("maxcut" or "sk") and the Hamiltonian without its constant (coupling scale, tables)."""

    fun: Callable[[np.ndarray], float]
    p: int
    family: str
    hamiltonian: Any

    @property
    def scale(self) -> float:
        s = coupling_scale(self.hamiltonian)
        return s if s > 0 else 1.0


def pad_to_depth(x: Any, p: int) -> np.ndarray:
    """The depth-``p`` point of a depth-d schedule: identity layers (beta = gamma = 0) appended.

    Example:
        >>> pad_to_depth([0.1, 0.2], 3).tolist()
        [0.1, 0.0, 0.0, 0.2, 0.0, 0.0]
    """
    x = np.asarray(x, dtype=float).ravel()
    d = x.size // 2
    if x.size % 2 or not 1 <= d <= p:
        raise ValueError(f"cannot pad a vector of length {x.size} to depth p={p}")
    zeros = np.zeros(p - d)
    return np.concatenate([x[:d], zeros, x[d:], zeros])


def trim_identity_layers(x: Any) -> np.ndarray:
    """Drop trailing layers with beta = gamma = 0 (keeps at least one layer): same state.

    Example:
        >>> trim_identity_layers([0.1, 0.0, 0.2, 0.0]).tolist()
        [0.1, 0.2]
    """
    x = np.asarray(x, dtype=float).ravel()
    p = x.size // 2
    d = p
    while d > 1 and x[d - 1] == 0.0 and x[p + d - 1] == 0.0:
        d -= 1
    return np.concatenate([x[:d], x[p:p + d]])


def depth_energy(inst: BenchInstance) -> Callable[[np.ndarray], float]:
    """Exact relative energy of a schedule of any depth, trailing identity layers dropped (the
    closed form when one layer remains)."""
    cache: dict[int, Callable[[np.ndarray], float]] = {}

    def energy(x: np.ndarray) -> float:
        y = trim_identity_layers(x)
        d = y.size // 2
        if d not in cache:
            cache[d] = inst.energy_function(d)
        return cache[d](y)

    return energy


def ramp_start(ctx: DepthContext, p: int | None = None) -> np.ndarray:
    """Linear ramp with time step ``RAMP_DT / s``."""
    return tqa_angles(ctx.p if p is None else p, RAMP_DT / ctx.scale)


def interp_chain(ctx: DepthContext, maxfev: int, inner: str) -> CountingObjective:
    """INTERP from depth 1 to p with the inner optimizer ``inner`` (module docstring)."""
    obj = CountingObjective(ctx.fun, maxfev)
    x = ramp_start(ctx, 1)
    for d in range(1, ctx.p + 1):
        cap = obj.remaining if d == ctx.p else min(PER_DEPTH_EVALS * (2 * d + 1), obj.remaining)
        run = INNER[inner](lambda y: obj(pad_to_depth(y, ctx.p)), x, cap, **CHAIN_SETTINGS[inner])
        if obj.remaining == 0 or d == ctx.p:
            break
        x = interp_angles(run.best()[0])
    return obj


def fourier_run(ctx: DepthContext, maxfev: int, q: int, inner: str) -> CountingObjective:
    """FOURIER[q] at depth p from the Fourier fit of the linear ramp."""
    obj = CountingObjective(ctx.fun, maxfev)
    m = min(q, ctx.p)
    u, v = fourier_fit(ramp_start(ctx), m)
    w0 = np.concatenate([v, u])
    settings = {"step": INFORMED_STEP} if inner == "cobyla" else {}
    INNER[inner](lambda w: obj(fourier_schedule(w[m:], w[:m], ctx.p)), w0, maxfev, **settings)
    return obj


def ramp_run(ctx: DepthContext, maxfev: int) -> CountingObjective:
    obj = CountingObjective(ctx.fun, maxfev)
    cobyla(obj, ramp_start(ctx), maxfev, step=INFORMED_STEP)
    return obj


def tqa_run(ctx: DepthContext, maxfev: int) -> CountingObjective:
    obj = CountingObjective(ctx.fun, maxfev)
    try:
        minimize_scalar(lambda dt: obj(tqa_angles(ctx.p, dt / ctx.scale)), bounds=TQA_DT_RANGE,
                        method="bounded", options={"maxiter": TQA_SCAN_ITER, "xatol": 0.02})
    except BudgetExhausted:
        return obj
    cobyla(obj, obj.best()[0], obj.remaining, step=INFORMED_STEP)
    return obj


def table_run(ctx: DepthContext, maxfev: int) -> CountingObjective | None:
    if ctx.p not in fixed_angle_depths(ctx.family):
        return None
    obj = CountingObjective(ctx.fun, maxfev)
    cobyla(obj, scaled_fixed_angles(ctx.hamiltonian, ctx.p, ctx.family), maxfev,
           step=INFORMED_STEP)
    return obj


Method = Callable[[DepthContext, int], "CountingObjective | None"]


def _fourier(q: int, inner: str) -> Method:
    return lambda ctx, k: fourier_run(ctx, k, q, inner)


DEPTH_BASELINES: dict[str, Method] = {
    "interp@l-bfgs-b": lambda ctx, k: interp_chain(ctx, k, "l-bfgs-b"),
    "interp@cobyla": lambda ctx, k: interp_chain(ctx, k, "cobyla"),
    **{f"fourier{q}@{inner}": _fourier(q, inner) for q in FOURIER_QS
       for inner in ("cobyla", "l-bfgs-b")},
    "ramp@cobyla": ramp_run,
    "tqa@cobyla": tqa_run,
    "table@cobyla": table_run,
}
