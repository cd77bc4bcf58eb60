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
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
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
from .refine import DEFAULT_REFINE, run_refine
from .units import SCALE_RULES

# When the first evaluation is the anchor itself (PolicySpec.probe_anchor).
PROBE_MODES = ("never", "always", "regular")


class NonFiniteEnergyError(InvalidEnergyError):
    """The objective returned NaN or inf."""


class StopRun(Exception):
    """Ends a run early: the budget is used up, or the callback raised StopIteration (raised by
    :func:`counting_evaluator`; the run functions catch it)."""


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
        depth_feature: a depth-general model (:mod:`qlstm_optimizer.depth`): ``p`` is its
            number of Fourier modes, and its static features end with the run's depth
            (:meth:`~qlstm_optimizer.depth.DepthSpec.depth_feature`). Needs ``static_features``.
        start_candidates: with the operator known, at p = 1, the first evaluations are up to
            this many of its classical start candidates
            (:func:`qlstm_optimizer.penalty_starts.candidate_starts`), and the learned steps run
            around the best of them instead of the learned anchor: on penalty problems the
            global p = 1 optimum sits far beyond the first basin the anchor is in (docs/design.md
            "Start candidates for penalty problems"). 0 (default): none. Depth-general models
            only; a candidate is the anchor's probe, so it needs ``probe_anchor = "always"``.
        calibrate_anchor: with the operator known, the learned anchors are rescaled to the
            instance's exact p = 1 first-basin optimum
            (:func:`qlstm_optimizer.depth.calibrated_anchor`,
            :func:`qlstm_optimizer.penalty_starts.first_basin`), in training as at inference.
            Depth-general models only.
        general_features: the static features go on with
            :data:`~qlstm_optimizer.units.GENERAL_STATIC_NAMES` of the operator
            (:func:`qlstm_optimizer.units.general_static`; zeros for a blind run): the
            field-to-coupling ratio, the term orders, a squared-sum penalty's share, the fields'
            alignment with the couplings. Depth-general models only.
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
    depth_feature: bool = False
    start_candidates: int = 0
    calibrate_anchor: bool = False
    general_features: bool = False

    def __post_init__(self) -> None:
        # A card's policy block becomes a PolicySpec, so these checks are what stands between
        # an edited card (a NaN step, a fractional horizon) and a silently wrong run.
        check_count("p", self.p)
        check_count("horizon", self.horizon)
        for name in ("beta_step", "gamma_step", "refine_step"):
            check_real(name, getattr(self, name), positive=True)
        if not isinstance(self.static_features, bool | np.bool_):
            raise ValueError(f"static_features must be true or false, got {self.static_features!r}")
        if not isinstance(self.depth_feature, bool | np.bool_):
            raise ValueError(f"depth_feature must be true or false, got {self.depth_feature!r}")
        if self.depth_feature and not self.static_features:
            raise ValueError("depth_feature needs static_features (the depth is a static feature)")
        if isinstance(self.probe_anchor, bool):
            raise ValueError(
                f"probe_anchor is one of {PROBE_MODES} (got {self.probe_anchor!r}): the boolean "
                "form called the model only after the anchor's evaluation, which no longer "
                "exists; retrain the model with a mode")
        if self.probe_anchor not in PROBE_MODES:
            raise ValueError(
                f"probe_anchor must be one of {PROBE_MODES}, got {self.probe_anchor!r}")
        if not 0 < check_real("probe_step_scale", self.probe_step_scale) <= 1:
            raise ValueError(f"probe_step_scale must be in (0, 1], got {self.probe_step_scale}")
        handoff = None if self.handoff is None else check_count("handoff", self.handoff)
        if handoff is not None and not 1 <= handoff <= self.horizon:
            raise ValueError(
                f"handoff must be in [1, horizon = {self.horizon}], got {self.handoff}")
        if isinstance(self.start_candidates, bool) or not isinstance(
                self.start_candidates, int | np.integer) or self.start_candidates < 0:
            raise ValueError(f"start_candidates must be a non-negative integer, got "
                             f"{self.start_candidates!r}")
        if self.start_candidates and not (self.depth_feature and self.probe_anchor == "always"):
            raise ValueError("start_candidates needs depth_feature = true and probe_anchor = "
                             "'always' (the best candidate is the anchor the run probes)")
        object.__setattr__(self, "start_candidates", int(self.start_candidates))
        if not isinstance(self.calibrate_anchor, bool | np.bool_):
            raise ValueError(f"calibrate_anchor must be true or false, got "
                             f"{self.calibrate_anchor!r}")
        if not isinstance(self.general_features, bool | np.bool_):
            raise ValueError(f"general_features must be true or false, got "
                             f"{self.general_features!r}")
        if self.general_features and not self.depth_feature:
            raise ValueError("general_features needs depth_feature = true (depth-general "
                             "models only)")
        if self.calibrate_anchor and not self.depth_feature:
            raise ValueError("calibrate_anchor needs depth_feature = true (it rescales the "
                             "depth-general anchors)")
        if self.scale_rule not in SCALE_RULES:
            raise ValueError(f"scale_rule must be one of {SCALE_RULES}, got {self.scale_rule!r}")
        try:
            anchor = np.asarray(self.anchor, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"anchor must be 2p = {2 * self.p} numbers, got {self.anchor!r}"
                             ) from None
        if anchor.shape != (2 * self.p,):
            raise ValueError(f"anchor must have 2p = {2 * self.p} entries, got {anchor.shape}")
        if not np.all(np.isfinite(anchor)):
            raise ValueError(f"anchor must be finite, got {anchor.tolist()}")
        object.__setattr__(self, "anchor", tuple(float(a) for a in anchor))

    @property
    def steps(self) -> np.ndarray:
        return F.step_sizes(self.p, self.beta_step, self.gamma_step)

    @property
    def num_static(self) -> int:
        """Static features the model sees after its step features (0 without them)."""
        general = len(F.GENERAL_STATIC_NAMES) if self.general_features else 0
        return (F.NUM_STATIC + general + int(self.depth_feature)) if self.static_features else 0

    @property
    def learned_steps(self) -> int:
        """Learned proposals before the refine takes over: ``handoff``, else ``horizon``."""
        return self.handoff or self.horizon

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["anchor"] = list(self.anchor)
        for key in ("start_candidates", "calibrate_anchor", "general_features"):  # added later
            if not d[key]:
                del d[key]  # cards without them stay as they were
        return d


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
