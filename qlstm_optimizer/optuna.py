"""``QLSTMSampler``: the frozen learned optimizer as an Optuna sampler (ask/tell).

Example:
    >>> import optuna
    >>> from qlstm_optimizer.optuna import QLSTMSampler
    >>> from qlstm_optimizer.problems import erdos_renyi
    >>> from qlstm_optimizer.sim import qaoa_energy
    >>> problem = erdos_renyi(10, 0.5, seed=3)
    >>> def objective(trial):
    ...     beta = trial.suggest_float("beta_0", -1.6, 1.6)
    ...     gamma = trial.suggest_float("gamma_0", -3.2, 3.2)
    ...     return qaoa_energy(problem, [beta, gamma])
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", hamiltonian=problem))
    >>> study.optimize(objective, n_trials=5)
    >>> len(study.trials)
    5

Trials map to QAOA angles by parameter name: ``beta_0..beta_{p-1}`` and ``gamma_0..gamma_{p-1}``
(override with ``param_names``, in Qiskit's order ``[betas, gammas]``). As in
:func:`qlstm_optimizer.minimize.minimize_qaoa`, the first ``handoff`` trials are the model's
learned proposals and the quadratic refine (:class:`qlstm_optimizer.refine.QuadraticRefiner`,
ask/tell) continues from every point evaluated so far; once it has converged, a (1+1) evolution
strategy keeps searching around the best trial. A failed or pruned trial, or one whose value is
NaN/inf, is retried once: the next trial gets the same proposal (a flaky backend should not cost
the model a step). If the retry fails too, the model (or the refine) is told that point was as
bad as the worst value seen so far and moves on; with no finite value yet, the sampler falls
back to the local search from the model's start.
Parameters the sampler does not know are drawn by ``optuna.samplers.RandomSampler``. The angles
must be suggested with ``suggest_float`` (an integer or categorical angle is refused with a
``ValueError`` naming it; a ``step`` is honoured by rounding to the grid). A trial that suggests
only some of the angles tells the model the values it suggested and, for the others, the
sampler's proposal (the model cannot know what the objective used; a warning says so once).

Studies. ``direction="maximize"`` is honoured (the model is told the negated values), and one
sampler can serve several studies: each study (keyed by its storage and id) has its own run,
units and suggested ranges; ``reset()`` forgets them all. A multi-objective study is refused.

Units: like every adapter, the model needs the Hamiltonian's scale (see
:mod:`qlstm_optimizer.minimize`); trial values are in your units. A sampler has no energy
function to read the operator from, so with ``hamiltonian="auto"`` (default) it looks at the
objective that ``study.optimize`` is running (found on the call stack when the study's first
angle is suggested, then searched as :mod:`qlstm_optimizer.autodetect` searches an energy
function: a closure over the problem or its ``SparsePauliOp`` is found). With the ask/tell
interface there is no objective to look at: pass ``hamiltonian=`` (or ``hamiltonian_scale=``),
else the run is blind and a ``BlindRunWarning`` says so. ``hamiltonian=None`` runs blind
without a warning. The circuit check of the other adapters (:mod:`qlstm_optimizer.autodetect`)
is not made: the sampler assumes a standard QAOA energy.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from .autodetect import scan_objective, warn_blind
from .minimize import ModelUnits, resolve_model
from .options import check_count, check_run_options
from .policy import Rollout, project
from .pretrained import families
from .refine import QuadraticRefiner
from .stopping import NoiseAwareStop

RETRIES = 1  # times a failed learned proposal is asked again before it counts as a bad point
_STACK_DEPTH = 12  # frames between sample_independent and optuna's _run_trial (5 in optuna 5.0)


class QLSTMSampler(BaseSampler):
    """Optuna sampler driven by a pretrained quantum-LSTM optimizer.

    Args:
        model: bundled model name (``"maxcut-p1"``), family name with ``p``, a ``Pretrained`` or a
            ``(numpy_model, PolicySpec)`` pair.
        p: depth, needed only with a family name.
        param_names: names of the 2p angle parameters in ``[betas, gammas]`` order.
        seed: seeds the evolution strategy after the refine and the random fallback.
        hamiltonian: the cost operator of the objective: sets the model's gamma units and the
            energy of the uniform superposition (as in ``minimize_qaoa``). ``"auto"`` (default):
            read from the objective ``study.optimize`` runs (see the module docstring); None:
            blind.
        hamiltonian_scale: the scale factor ``c`` directly instead.
        energy_offset: the objective's value at the uniform superposition (default: the
            operator's constant, else 0; for a maximised cut value, the uniform state's cut).
    """

    def __init__(
        self,
        model: Any = "maxcut-p1",
        p: int | None = None,
        param_names: Sequence[str] | None = None,
        seed: int | None = None,
        hamiltonian: Any = "auto",
        hamiltonian_scale: float | None = None,
        energy_offset: float | None = None,
    ) -> None:
        # The same checks as every other surface (qlstm_optimizer.options), at construction.
        opts = check_run_options(hamiltonian=hamiltonian, hamiltonian_scale=hamiltonian_scale,
                                 energy_offset=energy_offset, seed=seed)
        hamiltonian_scale, energy_offset, seed = (
            opts["hamiltonian_scale"], opts["energy_offset"], opts["seed"])
        if p is not None:
            p = check_count("p", p)
        elif isinstance(model, str) and model in families():
            raise ValueError(
                f"model {model!r} is a family: give the depth p (QLSTMSampler({model!r}, p=2)) "
                f"or a model name ({model!r}-p1)")
        self._model, self._spec, self._family, depth = resolve_model(
            model, None if p is None else 2 * p)
        if depth is not None:  # its ask/tell would need the staged refine; not built yet
            raise ValueError(
                f"model {model!r} resolves to a depth-general model, which QLSTMSampler does "
                f"not run yet; use a depth with a depth-specific model (families(): "
                f"{families()}) or QLSTMOptimizer / scipy.optimize.minimize(method=qlstm)")
        if p is not None and p != self._spec.p:
            raise ValueError(
                f"p = {p} but model {model!r} serves p = {self._spec.p}; use the family name "
                f"(QLSTMSampler('{self._family}', p={p})) or a model of depth {p}")
        p = self._spec.p
        self._hamiltonian = hamiltonian
        self._hamiltonian_scale = hamiltonian_scale
        self._energy_offset = energy_offset
        # Units known now are checked now (a bad operator fails here, not in the first trial).
        self._units = None if isinstance(hamiltonian, str) and hamiltonian_scale is None else (
            self._resolve_units(None if isinstance(hamiltonian, str) else hamiltonian))
        self.param_names = list(param_names or [f"beta_{i}" for i in range(p)]
                                + [f"gamma_{i}" for i in range(p)])
        if len(self.param_names) != 2 * p or len(set(self.param_names)) != 2 * p:
            raise ValueError(
                f"param_names needs {2 * p} distinct names for p = {p}, got {param_names}")
        self._seed = seed
        self._random = RandomSampler(seed=seed)
        # Optuna calls a sampler from several threads with n_jobs > 1: one lock for all runs.
        self._lock = threading.RLock()
        self._runs: dict[tuple, _StudyRun] = {}

    def _resolve_units(self, hamiltonian: Any) -> ModelUnits:
        return ModelUnits.resolve(self._spec, self._family, hamiltonian, self._hamiltonian_scale,
                                  self._energy_offset)

    def reset(self) -> None:
        """Forget every study's run (a study seen again starts from the model's first proposal)."""
        with self._lock:
            self._runs.clear()

    def _run_for(self, study: optuna.Study, create: bool = True) -> _StudyRun | None:
        """The study's run (created at its first suggested angle)."""
        storage = getattr(study, "_storage", None)
        key = (id(storage), getattr(study, "_study_id", None), study.study_name)
        run = self._runs.get(key)
        if run is None and create:
            if len(study.directions) != 1:
                raise ValueError(
                    "QLSTMSampler optimises one objective; this study has "
                    f"{len(study.directions)} directions")
            units = self._units or self._resolve_units(self._auto_hamiltonian())
            sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0
            run = _StudyRun(self, units, sign, storage)
            self._runs[key] = run
        return run

    def _auto_hamiltonian(self) -> Any:
        """``hamiltonian="auto"``: the one operator of the objective ``study.optimize`` is
        running, found on this thread's call stack; None (and a warning) if there is none."""
        from optuna.study import _optimize

        frame, objective = sys._getframe(1), None
        for _ in range(_STACK_DEPTH):
            if frame is None:
                break
            if frame.f_code is _optimize._run_trial.__code__:
                objective = frame.f_locals.get("func")
                break
            frame = frame.f_back
        operators = [] if objective is None else scan_objective(objective).operators
        if len(operators) == 1:
            return operators[0]
        warn_blind(ambiguous=len(operators) > 1, stacklevel=2)
        return None

    # -- Optuna interface ------------------------------------------------------------------
    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}  # every angle is served from the trial's proposal in sample_independent

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if param_name not in self.param_names:
            return self._random.sample_independent(study, trial, param_name, param_distribution)
        if not isinstance(param_distribution, FloatDistribution):
            raise ValueError(
                f"QLSTMSampler: {param_name!r} is a QAOA angle (param_names) and must be "
                f"suggested with trial.suggest_float, got {type(param_distribution).__name__}; "
                "rename the parameter if it is not an angle")
        index = self.param_names.index(param_name)
        low, high = param_distribution.low, param_distribution.high
        with self._lock:
            run = self._run_for(study)
            run.ranges[index] = (low, high)
            value = float(run.proposal(trial.number)[index])
        if index < self._spec.p:
            # Betas: shift by multiples of pi into the range (an exact QAOA symmetry).
            value = float(project(np.array([value]), np.array([[low, high]]), 1)[0])
        if not low <= value <= high:
            run.warn_clipped(param_name, value, low, high)
        value = float(np.clip(value, low, high))
        step = param_distribution.step
        if step is not None:  # a discretised angle: the nearest grid point in the range
            value = low + min(round((value - low) / step), int((high - low) / step)) * step
        return value

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        with self._lock:
            run = self._run_for(study, create=False)
            if run is not None:
                run.after_trial(trial, state, values)


class _StudyRun:
    """One study's run: the learned steps, then the refine, then a (1+1)-ES, all in the
    minimised sign (``sign`` -1 for a maximised study) and the study's units."""

    def __init__(self, sampler: QLSTMSampler, units: ModelUnits, sign: float,
                 storage: Any) -> None:
        self.sampler, self.spec, self.sign = sampler, sampler._spec, sign
        self.storage = storage  # keeps the storage alive, so its id in the run's key stays unique
        self.to_model = units.to_model
        self.rollout = Rollout(sampler._model, self.spec, energy_offset=sign * units.energy_offset,
                               static=units.static)
        self.refiner: NoiseAwareStop | None = None
        # "learned" -> "refine" -> "es": each shared-proposal stage hands over when it is done
        self.stage = "learned"
        self.learned_told = 0
        self.history: tuple[list[np.ndarray], list[float]] = ([], [])  # model units, values
        self.failures = 0  # consecutive failures of the pending (shared) proposal
        self.rng = np.random.default_rng(sampler._seed)
        self.sigma = self.spec.refine_step
        self.best: tuple[float, np.ndarray] | None = None
        self.worst: float | None = None
        self.proposals: dict[int, tuple[np.ndarray, str]] = {}
        self.ranges: dict[int, tuple[float, float]] = {}  # parameter index -> suggested range
        self.warned_partial = False
        self.warned_clipped: set[str] = set()

    def warn_clipped(self, name: str, value: float, low: float, high: float) -> None:
        """Once per angle and study: a learned proposal outside the suggested range is clipped
        into it, which can keep the run far from the optimum (a log range of positive gammas
        cannot hold Max-Cut's negative optimal gammas in Qiskit's convention)."""
        if name not in self.warned_clipped:
            self.warned_clipped.add(name)
            warnings.warn(
                f"QLSTMSampler: the model's proposal {name} = {value:.4g} lies outside the "
                f"suggested range [{low:.4g}, {high:.4g}] and was clipped into it; the angles "
                "follow Qiskit's QAOAAnsatz convention (Max-Cut's optimal gammas are negative): "
                "suggest a range that holds them", UserWarning, stacklevel=4)

    def after_trial(self, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        entry = self.proposals.pop(trial.number, None)
        if entry is None:
            return
        x, stage = entry
        names = self.sampler.param_names
        # The point evaluated: the suggested (projected, clipped) values; the proposal for an
        # angle the objective did not suggest.
        evaluated = np.array([trial.params.get(name, x[i]) for i, name in enumerate(names)],
                             dtype=float)
        missing = [name for name in names if name not in trial.params]
        if missing and state == TrialState.COMPLETE and not self.warned_partial:
            self.warned_partial = True
            warnings.warn(f"QLSTMSampler: trial {trial.number} did not suggest {missing}; the "
                          "model assumes the values it proposed for them", stacklevel=3)
        # Overlapping trials (n_jobs > 1, or two asks before a tell) share the pending learned or
        # refine proposal: only the first result for it is told, a stale duplicate is not.
        current = stage == self.stage != "es" and self._is_pending(x)
        value = (self.sign * float(values[0]) if state == TrialState.COMPLETE and values
                 else float("nan"))
        if not np.isfinite(value):
            if current:
                self._shared_proposal_failed(evaluated)
            return
        self.worst = value if self.worst is None else max(self.worst, value)
        if current:
            self.failures = 0
            self._tell(evaluated, value)
        elif stage == "es":  # (1+1)-ES step-size rule: grow on success, shrink on failure
            improved = self.best is None or value < self.best[0]
            self.sigma *= 1.5 if improved else 0.9
        if self.best is None or value < self.best[0]:
            self.best = (value, evaluated)

    def _tell(self, x_user: np.ndarray, value: float) -> None:
        """Report the pending shared proposal's value to its stage."""
        self.history[0].append(x_user * self.to_model)
        self.history[1].append(value)
        if self.stage == "learned":
            self.rollout.tell(value)
            self.learned_told += 1
        else:
            assert self.refiner is not None
            # the point evaluated, if a grid step or range moved the proposal
            moved = not self._is_pending(x_user)
            self.refiner.tell(value, x_user * self.to_model if moved else None)

    def _shared_proposal_failed(self, x_user: np.ndarray) -> None:
        self.failures += 1
        if self.failures <= RETRIES:
            return  # the next trial asks the same point again
        self.failures = 0
        if self.worst is not None:
            self._tell(x_user, self.worst)  # "as bad as anything seen": move on
        else:
            self.stage = "es"  # no finite energy at all yet: nothing to scale features by

    def _shared_pending(self) -> np.ndarray | None:
        """The learned or refine stage's pending point (model units), advancing the stage when
        it is done; None in the ES stage."""
        if self.stage == "learned":
            x = self.rollout.ask()
            if x is not None and self.learned_told < self.spec.learned_steps:
                return x
            self.stage = "refine"
            if self.history[0]:
                # the suggested ranges (model units) bound the refine, as bounds do in
                # minimize_qaoa; unknown until every angle has been suggested once
                box = None
                if len(self.ranges) == len(self.to_model):
                    box = np.array([self.ranges[i] for i in range(len(self.to_model))])
                    box = box * self.to_model[:, None]
                # The same stop rule as minimize_qaoa's refine, so the trials are its points.
                self.refiner = NoiseAwareStop(
                    QuadraticRefiner(*self.history, self.spec.refine_step, box))
        if self.stage == "refine":
            x = self.refiner.ask() if self.refiner is not None else None
            if x is not None:
                return x
            self.stage = "es"
        return None

    def _is_pending(self, x_user: np.ndarray) -> bool:
        pending = self._shared_pending()
        return pending is not None and np.array_equal(pending / self.to_model, x_user)

    def proposal(self, number: int) -> np.ndarray:
        """The trial's angles in the user's units (the rollout and the ES step are in model
        units, where one step size suits every graph)."""
        if number not in self.proposals:
            x_model = self._shared_pending()
            if x_model is None:
                center = (self.best[1] * self.to_model if self.best
                          else np.asarray(self.spec.anchor))
                x_model = center + self.sigma * self.rng.standard_normal(center.shape)
            self.proposals[number] = (x_model / self.to_model, self.stage)
        return self.proposals[number][0]
