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

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import features as F
from .refine import DEFAULT_REFINE, REFINE_METHODS, run_refine
from .units import SCALE_RULES

# When the first evaluation is the anchor itself (PolicySpec.probe_anchor).
PROBE_MODES = ("never", "always", "regular")


class NonFiniteEnergyError(ValueError):
    """The objective returned NaN or inf."""


class _Stop(Exception):
    """Internal: ends a run early (budget used up, or the callback raised StopIteration)."""


@dataclass(frozen=True)
class PolicySpec:
    """How a model's outputs become QAOA parameters; stored in each model card.

    Args:
        p: QAOA depth (the model proposes 2p parameters).
        anchor: start the model moves from, in Qiskit order ``[betas, gammas]``.
        beta_step: largest move of a beta per learned step, in radians.
        gamma_step: largest move of a gamma per learned step, in radians.
        horizon: number of learned proposals (the unroll length used in training).
        refine_step: initial step of the refine optimizer (COBYLA ``rhobeg``, simplex size).
        scale_rule: how the model's gamma units follow the Hamiltonian (see
            :func:`qlstm_optimizer.units.hamiltonian_scale_factor`): ``"max-coupling"`` (largest
            coupling; the first bundled models) or ``"coupling-rms"`` (root-mean-square local
            coupling, which also divides out the graph's degree).
        static_features: the model also sees :func:`qlstm_optimizer.features.static_features`
            (its ``num_features`` is then ``NUM_FEATURES + NUM_STATIC``).
        probe_anchor: when the first evaluation is the anchor itself instead of the anchor
            moved by the model's first output: ``"never"``, ``"always"``, or ``"regular"`` (only
            when the static features say the Hamiltonian is known and every spin has the same
            coupling strength, as on d-regular graphs and SK, where a fixed-angle anchor is
            already near-optimal). A probing run is never behind a fixed-angle start. The model's
            first call happens either way, so its state does not depend on the mode. (Booleans
            are refused: ``True`` once meant "no model call before the anchor", a different
            state sequence, so such a model must be retrained.)
        probe_step_scale: the learned moves of a run that probes its anchor are this fraction of
            ``beta_step`` / ``gamma_step``: the anchor is near-optimal there, so the search is
            local, and small moves along the direction that is downhill on most such instances
            improve on the anchor far more often than bold ones.
        handoff: learned proposals used at inference before the refine takes over (default
            ``horizon``). Fewer than trained for: the last learned steps polish the optimum,
            which a model-based refine does faster once the learned steps have surrounded it.
    """

    p: int
    anchor: Sequence[float]
    beta_step: float = 0.3
    gamma_step: float = 0.3
    horizon: int = 10
    refine_step: float = 0.1
    scale_rule: str = "max-coupling"
    static_features: bool = False
    probe_anchor: str = "never"
    probe_step_scale: float = 1.0
    handoff: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.probe_anchor, bool):
            raise ValueError(
                f"probe_anchor is one of {PROBE_MODES} (got {self.probe_anchor!r}): the boolean "
                "form called the model only after the anchor's evaluation, which no longer "
                "exists; retrain the model with a mode")
        if self.probe_anchor not in PROBE_MODES:
            raise ValueError(
                f"probe_anchor must be one of {PROBE_MODES}, got {self.probe_anchor!r}")
        if not (np.isfinite(self.refine_step) and self.refine_step > 0):
            raise ValueError(f"refine_step must be positive and finite, got {self.refine_step}")
        if not 0 < self.probe_step_scale <= 1:
            raise ValueError(f"probe_step_scale must be in (0, 1], got {self.probe_step_scale}")
        if self.handoff is not None and not 1 <= self.handoff <= self.horizon:
            raise ValueError(
                f"handoff must be in [1, horizon = {self.horizon}], got {self.handoff}")
        if self.scale_rule not in SCALE_RULES:
            raise ValueError(f"scale_rule must be one of {SCALE_RULES}, got {self.scale_rule!r}")
        anchor = np.asarray(self.anchor, dtype=float)
        if anchor.shape != (2 * self.p,):
            raise ValueError(f"anchor must have 2p = {2 * self.p} entries, got {anchor.shape}")
        object.__setattr__(self, "anchor", tuple(float(a) for a in anchor))

    @property
    def steps(self) -> np.ndarray:
        return F.step_sizes(self.p, self.beta_step, self.gamma_step)

    @property
    def learned_steps(self) -> int:
        """Learned proposals before the refine takes over: ``handoff``, else ``horizon``."""
        return self.handoff or self.horizon

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["anchor"] = list(self.anchor)
        return d


@dataclass
class PolicyResult:
    x: np.ndarray
    fun: float
    nfev: int
    nit: int
    history_x: list[np.ndarray] = field(default_factory=list)
    history_fun: list[float] = field(default_factory=list)
    message: str = ""
    stopped_by_callback: bool = False


def check_bounds(bounds: Any, size: int) -> np.ndarray | None:
    """Bounds as a (size, 2) float array with ``None`` -> +-inf, or None when absent.

    Raises:
        ValueError: wrong shape, or a lower bound above its upper bound.
    """
    if bounds is None:
        return None
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):  # scipy.optimize.Bounds
        lb = np.broadcast_to(np.asarray(bounds.lb, float), (size,))
        ub = np.broadcast_to(np.asarray(bounds.ub, float), (size,))
        return np.stack([lb, ub], axis=1)
    rows = list(bounds)
    if len(rows) != size or any(np.ndim(r) != 1 or len(r) != 2 for r in rows):
        raise ValueError(
            f"bounds must be {size} (low, high) pairs, one per parameter; got {bounds!r}"
        )
    arr = np.array(
        [[-np.inf if lo is None else lo, np.inf if hi is None else hi] for lo, hi in rows], float
    )
    if np.any(arr[:, 0] > arr[:, 1]):
        raise ValueError(f"a lower bound exceeds its upper bound: {bounds!r}")
    return arr


def project(x: np.ndarray, bounds: np.ndarray | None, p: int) -> np.ndarray:
    """Move x into the box. Betas are shifted by multiples of pi first, which leaves every QAOA
    energy unchanged (exp(-i pi sum X) is a global phase); anything still outside is clipped."""
    if bounds is None:
        return x
    x = x.copy()
    lo, hi = bounds[:, 0], bounds[:, 1]
    for i in range(p):
        if hi[i] - lo[i] >= np.pi and not lo[i] <= x[i] <= hi[i]:
            x[i] = lo[i] + np.mod(x[i] - lo[i], np.pi) if np.isfinite(lo[i]) else x[i]
            if x[i] > hi[i]:
                x[i] -= np.pi
    return np.clip(x, lo, hi)


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
        expected = F.NUM_FEATURES + (F.NUM_STATIC if spec.static_features else 0)
        if model.config["num_features"] != expected:
            raise ValueError(f"model takes {model.config['num_features']} features, the policy "
                             f"spec gives {expected} (static_features={spec.static_features})")
        # Blind (no Hamiltonian) unless told otherwise: static features all zero.
        static = np.zeros(F.NUM_STATIC) if static is None else np.asarray(static, dtype=float)
        if static.size != F.NUM_STATIC or not np.all(np.isfinite(static)):
            raise ValueError(f"static features are {F.NUM_STATIC} finite values "
                             f"{F.STATIC_FEATURE_NAMES}, got {static.tolist()}")
        self.static = static.reshape(1, F.NUM_STATIC)
        self.model, self.spec = model, spec
        self.fixed_scale = energy_scale
        self.offset = float(energy_offset)
        self.bounds = bounds
        self.noise = float(exploration_noise)
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
) -> PolicyResult:
    """Minimise ``fun`` with the learned steps, then (optionally) refine, within ``maxfev``.

    ``static``: the run's static features (models with ``spec.static_features``; default blind).

    Raises:
        NonFiniteEnergyError: ``fun`` returned NaN or inf (the point is named in the message).
        ValueError: bad ``maxfev``, ``refine`` or ``bounds``.
    """
    size = 2 * spec.p
    maxfev = spec.horizon if maxfev is None else int(maxfev)
    if maxfev < 1:
        raise ValueError(f"maxfev must be at least 1, got {maxfev}")
    if refine is not None and refine.lower() not in REFINE_METHODS:
        raise ValueError(f"refine must be one of {REFINE_METHODS} or None, got {refine!r}")
    box = check_bounds(bounds, size)
    result = PolicyResult(x=np.asarray(spec.anchor), fun=np.inf, nfev=0, nit=0)

    def evaluate(x: np.ndarray) -> float:
        if result.nfev >= maxfev:
            raise _Stop
        x = np.array(x, dtype=float)
        if box is not None:  # refine optimizers may step marginally outside the box
            x = np.clip(x, box[:, 0], box[:, 1])
        value = fun(x)
        energy = float(np.real(value))
        result.nfev += 1
        if not np.isfinite(energy):
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
                raise _Stop from None
        return energy

    rollout = Rollout(
        model, spec, energy_scale=energy_scale, energy_offset=energy_offset, bounds=box,
        exploration_noise=exploration_noise, seed=seed, static=static,
    )
    try:
        # Hand off early only to a refine; without one the learned steps are all there is.
        learned = min(spec.horizon if refine is None else spec.learned_steps, maxfev)
        while result.nfev < learned and (x := rollout.ask()) is not None:
            rollout.tell(evaluate(x))
            result.nit += 1
        remaining = maxfev - result.nfev
        if refine is not None and remaining > 0:
            before = result.nfev
            run_refine(evaluate, refine.lower(), result.history_x, result.history_fun,
                       remaining, spec.refine_step, box)
            result.nit += result.nfev - before  # one refine iteration = one evaluation
    except _Stop:
        pass
    how = "stopped by the callback" if result.stopped_by_callback else "finished"
    result.message = (
        f"{how}: learned steps then {refine or 'no'} refine; {result.nfev} evaluations"
    )
    return result
