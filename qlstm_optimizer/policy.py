"""The frozen learned-optimizer rollout (ask/tell) that every adapter shares.

A run has two stages:

1. **Learned steps.** The sequence model proposes ``handoff`` points (``horizon``, the trained
   unroll length, without a refine). The first is the model's start (an anchor angle set, moved
   by the model's first output, or the anchor itself for runs that probe it, see
   ``PolicySpec.probe_anchor``); each later one is a bounded move away from the best point so
   far, decided from the cost features of everything evaluated (see
   :mod:`qlstm_optimizer.features`).
2. **Refine (optional).** With budget left, a local optimizer continues from the best point:
   by default the quadratic trust-region method of :mod:`qlstm_optimizer.refine`, which reuses
   every learned evaluation (or COBYLA / Nelder-Mead). Every evaluation of both stages counts
   against ``maxfev``; the result is always the best point actually evaluated.

Example:
    >>> from qlstm_optimizer.models import init_numpy_model
    >>> from qlstm_optimizer.problems import erdos_renyi
    >>> from qlstm_optimizer.sim import qaoa_energy
    >>> problem = erdos_renyi(8, 0.5, seed=1)
    >>> model = init_numpy_model("lstm", p=1, seed=0)
    >>> spec = PolicySpec(p=1, anchor=[0.39, -0.62])
    >>> result = run_policy(lambda x: qaoa_energy(problem, x), model, spec, maxfev=12)
    >>> result.nfev
    12
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import features as F
from .options import (
    InvalidEnergyError,
    as_energy,
    check_bounds,
    check_count,
    check_real,
    check_refine,
)
from .policy_spec import PROBE_MODES, PolicySpec  # noqa: F401 (re-exported: the run's spec)
from .refine import DEFAULT_REFINE, run_refine


class NonFiniteEnergyError(InvalidEnergyError):
    """The objective returned NaN or inf."""


class StopRun(Exception):
    """Ends a run early: the budget is used up, or the callback raised StopIteration (raised by
    :func:`counting_evaluator`; the run functions catch it)."""


# SciPy's statuses and messages (scipy.optimize's Nelder-Mead and callback conventions).
STATUS_CONVERGED, STATUS_MAXFEV, STATUS_CALLBACK = 0, 1, 99
STATUS_MESSAGES = {
    STATUS_CONVERGED: "Optimization terminated successfully.",
    STATUS_MAXFEV: "Maximum number of function evaluations has been exceeded.",
    STATUS_CALLBACK: "`callback` raised `StopIteration`.",
}


@dataclass
class PolicyResult:
    """The best point evaluated (``x``, ``fun``), the exact number of evaluations, every point
    and value in order, and SciPy's ``success`` / ``status`` / ``message`` (see
    :func:`run_policy`)."""

    x: np.ndarray
    fun: float
    nfev: int
    nit: int
    history_x: list[np.ndarray] = field(default_factory=list)
    history_fun: list[float] = field(default_factory=list)
    message: str = ""
    stopped_by_callback: bool = False
    success: bool = False
    status: int = STATUS_MAXFEV
    model: str = ""  # the model that ran (minimize_qaoa fills it in; model="auto" chooses)


def shift_betas(x: np.ndarray, bounds: np.ndarray | None, p: int) -> np.ndarray:
    """A copy of x whose betas outside the box are shifted by multiples of pi into it where the
    box allows (width >= pi): every QAOA energy is unchanged (exp(-i pi sum X) is a global
    phase). Nothing is clipped."""
    x = np.array(x, dtype=float)
    if bounds is None:
        return x
    lo, hi = bounds[:, 0], bounds[:, 1]
    for i in range(p):
        if hi[i] - lo[i] >= np.pi and not lo[i] <= x[i] <= hi[i]:
            x[i] = lo[i] + np.mod(x[i] - lo[i], np.pi) if np.isfinite(lo[i]) else x[i]
            if x[i] > hi[i]:
                x[i] -= np.pi
    return x


def project(x: np.ndarray, bounds: np.ndarray | None, p: int) -> np.ndarray:
    """Move x into the box: :func:`shift_betas`, then anything still outside is clipped."""
    if bounds is None:
        return x
    return np.clip(shift_betas(x, bounds, p), bounds[:, 0], bounds[:, 1])


def check_run_args(spec: PolicySpec, p: int, maxfev: int | None, refine: str | None,
                   bounds: Any, x0: Any) -> tuple[int, str | None, np.ndarray | None,
                                                  np.ndarray | None]:
    """The run arguments :func:`run_policy` and ``depth_policy.run_depth_policy`` share,
    checked: ``(maxfev, refine, box, x0)`` for a run at depth p, x0 moved into the box.

    Raises:
        ValueError: bad ``maxfev``, ``refine``, ``bounds`` or ``x0``, by name.
    """
    size = 2 * p
    maxfev = spec.horizon if maxfev is None else check_count("maxfev", maxfev)
    refine = check_refine(refine)
    box = check_bounds(bounds, size)
    if x0 is not None:
        x0 = np.asarray(x0, dtype=float)
        if x0.shape != (size,) or not np.all(np.isfinite(x0)):  # before the box broadcasts it
            raise ValueError(f"x0 must be {size} finite numbers, got {x0.tolist()}")
        x0 = project(x0, box, p)
    return maxfev, refine, box, x0


class Rollout:
    """One learned-optimizer run as an ask/tell loop (the model is never updated).

    ``ask()`` returns the next point to evaluate (None once the learned horizon is used up);
    ``tell(energy)`` reports its energy.
    """

    def __init__(
        self,
        model: Any,
        spec: PolicySpec,
        *,
        energy_scale: float | None = None,
        energy_offset: float = 0.0,
        bounds: np.ndarray | None = None,
        exploration_noise: float = 0.0,
        seed: int | None = None,
        static: np.ndarray | None = None,
    ) -> None:
        if model.config["p"] != spec.p:
            raise ValueError(f"model depth {model.config['p']} != policy depth {spec.p}")
        expected = F.NUM_FEATURES + spec.num_static
        if model.config["num_features"] != expected:
            raise ValueError(f"model takes {model.config['num_features']} features, the policy "
                             f"spec gives {expected} (static_features={spec.static_features}, "
                             f"depth_feature={spec.depth_feature})")
        # Blind (no Hamiltonian) unless told otherwise: static features all zero.
        size = max(spec.num_static, F.NUM_STATIC)
        static = np.zeros(size) if static is None else np.asarray(static, dtype=float)
        if static.size != size or not np.all(np.isfinite(static)):
            names = F.STATIC_FEATURE_NAMES + (
                F.GENERAL_STATIC_NAMES if spec.general_features else ()) + (
                ("depth",) if spec.depth_feature else ())
            raise ValueError(f"static features are {size} finite values {names}, got "
                             f"{static.tolist()}")
        self.static = static.reshape(1, size)
        self.model, self.spec = model, spec
        self.fixed_scale = None if energy_scale is None else check_real(
            "energy_scale", energy_scale, positive=True)
        self.offset = check_real("energy_offset", energy_offset)
        self.bounds = bounds
        self.noise = check_real("exploration_noise", exploration_noise, nonnegative=True)
        self.rng = np.random.default_rng(seed)
        self.state = model.initial_state(1)
        self.step = 0
        self.best_x: np.ndarray | None = None
        self.best_energy = np.inf  # relative to the offset
        self.scale: np.ndarray | None = None
        anchor = np.asarray(spec.anchor)[None, :]
        probes = bool(F.probes_anchor(spec.probe_anchor, self.static)[0])
        self.steps = spec.steps * (spec.probe_step_scale if probes else 1.0)
        raw, self.state = model.step(self._features(F.initial_features(1)), anchor, self.state)
        self._pending: np.ndarray | None = anchor[0].copy() if probes else self._propose(
            raw, anchor)

    def _features(self, feats: np.ndarray) -> np.ndarray:
        return F.with_static(feats, self.static) if self.spec.static_features else feats

    def _propose(self, raw: np.ndarray, center: np.ndarray) -> np.ndarray:
        x = F.decode_proposal(raw, center, self.steps)[0]
        if self.noise:
            x = x + self.noise * self.steps * self.rng.standard_normal(x.shape)
        return x

    def ask(self) -> np.ndarray | None:
        """The next point to evaluate, moved into the bounds (None when the horizon is used up).

        The model keeps working in its own unprojected coordinates: shifting a beta by pi leaves
        the energy unchanged, and the model never saw shifted angles in training."""
        if self._pending is None:
            return None
        return project(self._pending, self.bounds, self.spec.p)

    def tell(self, energy: float) -> None:
        if self._pending is None:
            raise RuntimeError("tell() without a pending ask(): the learned horizon is used up")
        x = self._pending
        e = float(energy) - self.offset
        self.step += 1
        if self.scale is None:
            first = np.array([e if self.fixed_scale is None else self.fixed_scale])
            self.scale = F.energy_scale(first)
        best_before = e if self.best_x is None else self.best_energy
        if e < self.best_energy:
            self.best_energy, self.best_x = e, x.copy()
        if self.step >= self.spec.horizon:
            self._pending = None
            return
        feats = F.cost_features(
            np.array([e]), np.array([best_before]), self.scale, self.step, self.spec.horizon
        )
        raw, self.state = self.model.step(self._features(feats), x[None, :], self.state)
        self._pending = self._propose(raw, self.best_x[None, :])


def run_policy(
    fun: Callable[[np.ndarray], float],
    model: Any,
    spec: PolicySpec,
    *,
    maxfev: int | None = None,
    refine: str | None = DEFAULT_REFINE,
    bounds: Any = None,
    energy_scale: float | None = None,
    energy_offset: float = 0.0,
    exploration_noise: float = 0.0,
    seed: int | None = None,
    callback: Callable[[np.ndarray, float], None] | None = None,
    static: np.ndarray | None = None,
    x0: np.ndarray | None = None,
    noise_stop: bool = True,
) -> PolicyResult:
    """Minimise ``fun`` with the learned steps, then (optionally) refine, within ``maxfev``.

    ``static``: the run's static features (models with ``spec.static_features``; default blind).
    ``noise_stop``: the quadratic refine ends once its steps are lost in the objective's noise
    (:class:`qlstm_optimizer.stopping.NoiseAwareStop`; exact energies are not affected).
    ``x0``: a start of the caller's (``start="x0"``), evaluated first, so the result is never
    worse than it. The learned steps assume the model's own start, so with a refine the run goes
    from x0 straight to the refine (initial step :func:`x0_refine_step`); without one the learned
    steps move from x0 (measured in docs/user-guide.md, "Warm starts").

    The result's ``success`` / ``status`` follow SciPy: 0 (success) when the method stopped by
    its own rule (the refine converged before the budget, or, without a refine, the learned
    horizon is done), 1 when the budget ran out first, 99 when the callback raised StopIteration.

    Raises:
        NonFiniteEnergyError: ``fun`` returned NaN or inf (the point is named in the message).
        InvalidEnergyError: ``fun`` returned something that is not one real number.
        ValueError: bad ``maxfev``, ``refine``, ``bounds`` or ``x0``.
    """
    maxfev, refine, box, x0 = check_run_args(spec, spec.p, maxfev, refine, bounds, x0)
    if x0 is not None:
        if refine is None:  # the learned steps are all there is: let them move from x0
            spec = replace(spec, anchor=tuple(x0), probe_anchor="always", probe_step_scale=1.0)
    result = PolicyResult(x=np.asarray(spec.anchor), fun=np.inf, nfev=0, nit=0)
    evaluate = counting_evaluator(fun, result, maxfev, box, callback)

    rollout = None if x0 is not None and refine is not None else Rollout(
        model, spec, energy_scale=energy_scale, energy_offset=energy_offset, bounds=box,
        exploration_noise=exploration_noise, seed=seed, static=static,
    )
    converged, reason = False, None
    try:
        if rollout is None:  # start="x0" with a refine: x0, then the refine from it
            evaluate(x0)
            step = x0_refine_step(spec)
        else:
            # Hand off early only to a refine; without one the learned steps are all there is.
            learned = min(spec.horizon if refine is None else spec.learned_steps, maxfev)
            while result.nfev < learned and (x := rollout.ask()) is not None:
                rollout.tell(evaluate(x))
            converged = refine is None and rollout.ask() is None  # the horizon is done
            step = spec.refine_step
        remaining = maxfev - result.nfev
        if refine is not None and remaining > 0:
            reason = run_refine(evaluate, refine, result.history_x, result.history_fun,
                                remaining, step, box, noise_stop=noise_stop)
            converged = result.nfev < maxfev  # it stopped by its own rule, not the budget
    except StopRun:
        pass
    return finish(result, converged, refine, reason)


def finish(result: PolicyResult, converged: bool, refine: str | None,
           reason: str | None) -> PolicyResult:
    """Fill in SciPy's ``nit`` / ``status`` / ``success`` / ``message`` once a run ended."""
    result.nit = result.nfev  # one iteration of either stage is one evaluation
    result.status = (STATUS_CALLBACK if result.stopped_by_callback
                     else STATUS_CONVERGED if converged else STATUS_MAXFEV)
    result.success = result.status == STATUS_CONVERGED
    result.message = (
        f"{STATUS_MESSAGES[result.status]} (learned steps then {refine or 'no'} refine; "
        f"{result.nfev} evaluations" + (f"; {reason}" if reason and converged else "") + ")"
    )
    return result


def counting_evaluator(fun: Callable[[np.ndarray], float], result: PolicyResult, maxfev: int,
                       box: np.ndarray | None,
                       callback: Callable[[np.ndarray, float], None] | None
                       ) -> Callable[[np.ndarray], float]:
    """``fun`` behind a run's bookkeeping, shared by :func:`run_policy` and the generic fallback:
    the budget (:class:`StopRun` at ``maxfev``), the box (refine optimizers may step marginally
    outside it), the energy check (one real, finite number, or a named error), the history and
    best point in ``result``, and the callback (StopIteration ends the run)."""

    def evaluate(x: np.ndarray) -> float:
        if result.nfev >= maxfev:
            raise StopRun
        x = np.array(x, dtype=float)
        if box is not None:
            x = np.clip(x, box[:, 0], box[:, 1])
        value = fun(x)
        result.nfev += 1
        # (a float is its own energy: as_energy's checks cost ~10 us, a tenth of a refine step)
        kind = type(value)
        energy = (float(value) if kind is float or kind is np.float64
                  else as_energy(value, x, result.nfev))
        if not math.isfinite(energy):
            raise NonFiniteEnergyError(
                f"the objective returned {energy} at x = {x.tolist()} (evaluation {result.nfev})"
            )
        result.history_x.append(x)
        result.history_fun.append(energy)
        if energy < result.fun:
            result.x, result.fun = x, energy
        if callback is not None:
            try:
                callback(x, energy)
            except StopIteration:
                result.stopped_by_callback = True
                raise StopRun from None
        return energy

    return evaluate


def x0_refine_step(spec: PolicySpec) -> float:
    """Initial step of the refine from a caller's x0: the largest learned step. A caller's x0 is
    rarely as close to the optimum as the points the learned steps leave behind, for which
    ``spec.refine_step`` is made (measured in docs/user-guide.md, "Warm starts")."""
    return float(max(spec.beta_step, spec.gamma_step))
