"""Baseline optimizers and starting points, each run through a :class:`CountingObjective`.

Each optimizer is one function ``name(fun, x0, maxfev, **settings) -> CountingObjective``: it
minimises ``fun`` from ``x0`` until it converges or the budget runs out, and returns the objective
wrapper, whose ``values`` is the recorded energy trace (every evaluation, gradient evaluations
included). Starting points follow Qiskit's conventions (see :mod:`qlstm_optimizer.angles`).

Settings (chosen once, documented in docs/benchmarks.md, never tuned on the test instances):

* COBYLA / Nelder-Mead: SciPy defaults from Qiskit's random start (COBYLA ``rhobeg`` 1.0, the
  SciPy simplex); ``step`` 0.2 from the informed (fixed-angle, TQA) starts, as in the REFERENCE
  anchors, because a wide first move throws away a good start.
* L-BFGS-B: SciPy's forward-difference gradient (``2p`` evaluations per gradient, all counted).
* SPSA: standard gain sequences (alpha 0.602, gamma 0.101); the first step is calibrated from the
  first gradient sample to a fixed size (no extra evaluations, unlike Qiskit's 50-evaluation
  calibration, which alone would exceed most budgets here).
* Adam and SGD: central finite-difference gradients (``4p`` evaluations per step).
* Step sizes of SPSA, Adam and SGD: see :data:`STEPS`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import minimize

from ..angles import fixed_angles, scaled_fixed_angles, tqa_angles
from .objective import BudgetExhausted, CountingObjective

Fun = Callable[[np.ndarray], float]

# -- starts ------------------------------------------------------------------------------------


def random_start(p: int, rng: np.random.Generator) -> np.ndarray:
    """Qiskit QAOA's default initial point: beta ~ U[0, 2pi], gamma ~ U[-2pi, 2pi]."""
    return np.concatenate([rng.uniform(0, 2 * np.pi, p), rng.uniform(-2 * np.pi, 2 * np.pi, p)])


def fixed_start(family: str, p: int) -> np.ndarray:
    """Instance-independent fixed angles (3-regular table for Max-Cut, SK table for SK)."""
    return fixed_angles("sk" if family == "sk" else "maxcut", p)


def tqa_start(p: int, dt: float = 0.75) -> np.ndarray:
    """Trotterised-annealing ramp with time step ``dt`` (Qiskit signs)."""
    return tqa_angles(p, dt)


STARTS = ("random", "fixed", "tqa")
# Runs beyond the optimizer x start grid: COBYLA from the fixed angles with gamma rescaled to the
# instance's coupling scale (angles.scaled_fixed_angles), a stronger informed start on dense and
# weighted graphs than the 3-regular table itself.
EXTRA_RUNS = (("cobyla", "scaled"),)


def start_point(kind: str, family: str, p: int, rng: np.random.Generator | None,
                hamiltonian: Any = None) -> np.ndarray:
    """Start ``kind`` ("random", "fixed", "tqa" or "scaled", which needs ``hamiltonian``)."""
    if kind == "random":
        return random_start(p, rng if rng is not None else np.random.default_rng())
    if kind == "fixed":
        return fixed_start(family, p)
    if kind == "tqa":
        return tqa_start(p)
    if kind == "scaled":
        return scaled_fixed_angles(hamiltonian, p, "sk" if family == "sk" else "maxcut")
    raise ValueError(f"unknown start {kind!r}; use one of {STARTS} or 'scaled'")


# -- optimizers --------------------------------------------------------------------------------


def _run(fun: Fun, maxfev: int, body: Callable[[CountingObjective], Any]) -> CountingObjective:
    obj = CountingObjective(fun, maxfev)
    with warnings.catch_warnings():
        # SciPy warns when it stops on maxiter/maxfev; that is the point of a budget here.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        try:
            body(obj)
        except BudgetExhausted:
            pass
    return obj


def cobyla(fun: Fun, x0: np.ndarray, maxfev: int, *, step: float | None = None,
           tol: float = 1e-8) -> CountingObjective:
    """SciPy COBYLA (``rhobeg = step``, SciPy's 1.0 if None; final trust radius ``tol``)."""
    options: dict[str, Any] = {"maxiter": maxfev, "tol": tol}
    if step is not None:
        options["rhobeg"] = step
    return _run(fun, maxfev, lambda f: minimize(f, x0, method="COBYLA", options=options))


def nelder_mead(fun: Fun, x0: np.ndarray, maxfev: int, *, step: float | None = None
                ) -> CountingObjective:
    """SciPy Nelder-Mead; ``step`` sets an axis-aligned initial simplex (SciPy's 5% if None)."""
    x0 = np.asarray(x0, float)
    options: dict[str, Any] = {"maxfev": maxfev, "xatol": 1e-8, "fatol": 1e-12}
    if step is not None:
        options["initial_simplex"] = np.vstack([x0] + [x0 + step * e for e in np.eye(x0.size)])
    return _run(fun, maxfev, lambda f: minimize(f, x0, method="Nelder-Mead", options=options))


def lbfgsb(fun: Fun, x0: np.ndarray, maxfev: int, *, fd_step: float = 1e-6,
           step: float | None = None, ftol: float = 1e-14, gtol: float = 1e-10
           ) -> CountingObjective:
    """SciPy L-BFGS-B with its forward-difference gradient (``fd_step``). ``step`` is unused (the
    line search sets its own step length); ``ftol``/``gtol`` are SciPy's stopping tolerances."""
    options = {"maxfun": maxfev, "eps": fd_step, "ftol": ftol, "gtol": gtol}
    return _run(fun, maxfev, lambda f: minimize(f, x0, method="L-BFGS-B", options=options))


def spsa(fun: Fun, x0: np.ndarray, maxfev: int, *, step: float | None = None,
         perturbation: float = 0.1, seed: int = 0) -> CountingObjective:
    """Simultaneous-perturbation stochastic approximation, two evaluations per iteration.

    The gain ``a`` is set from the first sample so the first update moves the largest
    coordinate by about ``step`` (0.2 if None; the suite uses 0.5 from a random start). The
    reference gradient is ``max(|g_1|, |E|)`` (energy per radian): calibrating on ``|g_1|`` alone
    gives huge gains at a near-optimal start, where the gradient is tiny. Moves are clipped to
    ``4 * step`` per coordinate, so one noisy sample cannot throw the iterate across the
    landscape."""
    rng = np.random.default_rng(seed)
    target = 0.2 if step is None else step
    alpha, gamma_, stability = 0.602, 0.101, 0.1 * maxfev / 2  # Spall's A ~ 10% of iterations

    def body(obj: CountingObjective) -> None:
        x = np.array(x0, float)
        a = None
        for k in range(maxfev):
            ck = perturbation / (k + 1) ** gamma_
            delta = rng.choice([-1.0, 1.0], size=x.size)
            f_plus, f_minus = obj(x + ck * delta), obj(x - ck * delta)
            g = (f_plus - f_minus) / (2 * ck) * delta
            if a is None:
                ref = max(np.max(np.abs(g)), 0.5 * (abs(f_plus) + abs(f_minus)), 1e-12)
                a = target * (1 + stability) ** alpha / ref
            move = a / (k + 1 + stability) ** alpha * g
            x = x - np.clip(move, -4 * target, 4 * target)

    return _run(fun, maxfev, body)


def adam(fun: Fun, x0: np.ndarray, maxfev: int, *, lr: float = 0.05, fd_step: float = 1e-3,
         step: float | None = None, beta1: float = 0.9, beta2: float = 0.999
         ) -> CountingObjective:
    """Adam on central finite-difference gradients (``step`` overrides ``lr`` if given)."""
    lr = lr if step is None else step

    def body(obj: CountingObjective) -> None:
        x = np.array(x0, float)
        m = np.zeros_like(x)
        v = np.zeros_like(x)
        for t in range(1, maxfev + 1):
            g = obj.gradient(x, fd_step)
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            x = x - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + 1e-8)

    return _run(fun, maxfev, body)


def sgd(fun: Fun, x0: np.ndarray, maxfev: int, *, lr: float = 0.01, fd_step: float = 1e-3,
        step: float | None = None) -> CountingObjective:
    """Plain gradient descent on central finite-difference gradients."""
    lr = lr if step is None else step

    def body(obj: CountingObjective) -> None:
        x = np.array(x0, float)
        while True:
            x = x - lr * obj.gradient(x, fd_step)

    return _run(fun, maxfev, body)


OPTIMIZERS: dict[str, Callable[..., CountingObjective]] = {
    "cobyla": cobyla,
    "nelder-mead": nelder_mead,
    "spsa": spsa,
    "l-bfgs-b": lbfgsb,
    "adam": adam,
    "sgd": sgd,
}
# The suite's baseline grid: every optimizer from every start (SGD only in the paper protocol).
SUITE_OPTIMIZERS = ("cobyla", "nelder-mead", "spsa", "l-bfgs-b", "adam")
INFORMED_STEP = 0.2
# Step settings: {optimizer: {informed start?: kwargs}}. COBYLA/Nelder-Mead as in the REFERENCE
# anchors; SPSA, Adam and SGD picked by median rho_10..50 over a small grid on 8 *validation*
# instances (ER and SK, n = 10, 11, p = 1, 2; docs/benchmarks.md lists the grid).
STEPS: dict[str, dict[bool, dict[str, Any]]] = {
    "cobyla": {True: {"step": INFORMED_STEP}, False: {}},
    "nelder-mead": {True: {"step": INFORMED_STEP}, False: {}},
    "l-bfgs-b": {True: {}, False: {}},
    "spsa": {True: {"step": 0.1}, False: {"step": 0.2}},
    "adam": {True: {"lr": 0.05}, False: {"lr": 0.2}},
    "sgd": {True: {"lr": 0.03}, False: {"lr": 0.03}},
}


def run_baseline(name: str, fun: Fun, x0: np.ndarray, maxfev: int, *, informed: bool,
                 seed: int = 0, noisy: bool = False) -> CountingObjective:
    """Run optimizer ``name`` with the suite's settings.

    ``informed``: the start is a fixed-angle/TQA point (small first moves). ``noisy``: energies
    carry shot noise, so finite-difference steps are widened to 0.1 (1e-3 would only see noise).
    """
    opt = OPTIMIZERS[name]
    kwargs: dict[str, Any] = dict(STEPS[name][informed])
    if name == "spsa":
        kwargs["seed"] = seed
        if noisy:
            kwargs["perturbation"] = 0.15
    elif name in ("adam", "sgd", "l-bfgs-b") and noisy:
        kwargs["fd_step"] = 0.1
    return opt(fun, np.asarray(x0, float), maxfev, **kwargs)
