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
Parameters the sampler does not know are drawn by ``optuna.samplers.RandomSampler``.

Units: like every adapter, pass ``hamiltonian=`` (or ``hamiltonian_scale=``) so the model can
read the Hamiltonian's scale (see :mod:`qlstm_optimizer.minimize`); trial values are in your
units.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.trial import FrozenTrial, TrialState

from .minimize import ModelUnits, resolve_model
from .policy import Rollout, project
from .refine import QuadraticRefiner
from .stopping import NoiseAwareStop

RETRIES = 1  # times a failed learned proposal is asked again before it counts as a bad point


class QLSTMSampler(BaseSampler):
    """Optuna sampler driven by a pretrained quantum-LSTM optimizer.

    Args:
        model: bundled model name (``"maxcut-p1"``), family name with ``p``, a ``Pretrained`` or a
            ``(numpy_model, PolicySpec)`` pair.
        p: depth, needed only with a family name.
        param_names: names of the 2p angle parameters in ``[betas, gammas]`` order.
        seed: seeds the evolution strategy after the refine and the random fallback.
        hamiltonian: the cost operator of the objective, if known: sets the model's gamma units
            and the energy of the uniform superposition (as in ``minimize_qaoa``).
        hamiltonian_scale: the scale factor ``c`` directly instead.
        energy_offset: energy of the uniform superposition (default: the operator's constant,
            else 0).
    """

    def __init__(
        self,
        model: Any = "maxcut-p1",
        p: int | None = None,
        param_names: Sequence[str] | None = None,
        seed: int | None = None,
        hamiltonian: Any = None,
        hamiltonian_scale: float | None = None,
        energy_offset: float | None = None,
    ) -> None:
        if isinstance(hamiltonian, str):
            raise ValueError("QLSTMSampler needs the operator itself (or None): there is no "
                             f"energy function to find it in, got hamiltonian={hamiltonian!r}")
        self._model, self._spec, family = resolve_model(model, None if p is None else 2 * p)
        p = self._spec.p
        # The rollout runs in model units, trials in the user's.
        self._units = ModelUnits.resolve(self._spec, family, hamiltonian, hamiltonian_scale,
                                         energy_offset)
        self._to_model = self._units.to_model
        self.param_names = list(param_names or [f"beta_{i}" for i in range(p)]
                                + [f"gamma_{i}" for i in range(p)])
        if len(self.param_names) != 2 * p:
            raise ValueError(f"param_names needs {2 * p} names for p = {p}, got {param_names}")
        self._seed = seed
        self._random = RandomSampler(seed=seed)
        # Optuna calls a sampler from several threads with n_jobs > 1: one run, one lock.
        self._lock = threading.RLock()
        self._ranges: dict[int, tuple[float, float]] = {}  # parameter index -> suggested range
        self.reset()

    def reset(self) -> None:
        """Forget the current run (a new study starts from the model's first proposal)."""
        self._rollout = Rollout(self._model, self._spec, energy_offset=self._units.energy_offset,
                                static=self._units.static)
        self._refiner: NoiseAwareStop | None = None
        # "learned" -> "refine" -> "es": each shared-proposal stage hands over when it is done
        self._stage = "learned"
        self._learned_told = 0
        self._history: tuple[list[np.ndarray], list[float]] = ([], [])  # model units, values
        self._failures = 0  # consecutive failures of the pending (shared) proposal
        self._rng = np.random.default_rng(self._seed)
        self._sigma = self._spec.refine_step
        self._best: tuple[float, np.ndarray] | None = None
        self._worst: float | None = None
        self._proposals: dict[int, tuple[np.ndarray, str]] = {}

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
        if param_name not in self.param_names or not isinstance(
            param_distribution, FloatDistribution
        ):
            return self._random.sample_independent(study, trial, param_name, param_distribution)
        index = self.param_names.index(param_name)
        with self._lock:
            self._ranges[index] = (param_distribution.low, param_distribution.high)
            x = self._proposal(trial.number)
        value = float(x[index])
        box = np.array([[param_distribution.low, param_distribution.high]])
        if index < self._spec.p:
            # Betas: shift by multiples of pi into the range (an exact QAOA symmetry).
            return float(project(np.array([value]), box, 1)[0])
        return float(np.clip(value, param_distribution.low, param_distribution.high))

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        with self._lock:
            self._after_trial(trial, state, values)

    def _after_trial(self, trial: FrozenTrial, state: TrialState,
                     values: Sequence[float] | None) -> None:
        entry = self._proposals.pop(trial.number, None)
        if entry is None:
            return
        x, stage = entry
        if all(name in trial.params for name in self.param_names):  # the point evaluated
            evaluated = np.array([trial.params[name] for name in self.param_names], dtype=float)
        else:
            evaluated = x
        # Overlapping trials (n_jobs > 1, or two asks before a tell) share the pending learned or
        # refine proposal: only the first result for it is told, a stale duplicate is not.
        current = stage == self._stage != "es" and self._is_pending(x)
        value = float(values[0]) if state == TrialState.COMPLETE and values else float("nan")
        if not np.isfinite(value):
            if current:
                self._shared_proposal_failed(evaluated)
            return
        self._worst = value if self._worst is None else max(self._worst, value)
        if current:
            self._failures = 0
            self._tell(evaluated, value)
        elif stage == "es":  # (1+1)-ES step-size rule: grow on success, shrink on failure
            improved = self._best is None or value < self._best[0]
            self._sigma *= 1.5 if improved else 0.9
        if self._best is None or value < self._best[0]:
            self._best = (value, evaluated)

    def _tell(self, x_user: np.ndarray, value: float) -> None:
        """Report the pending shared proposal's value to its stage."""
        self._history[0].append(x_user * self._to_model)
        self._history[1].append(value)
        if self._stage == "learned":
            self._rollout.tell(value)
            self._learned_told += 1
        else:
            assert self._refiner is not None
            self._refiner.tell(value)

    def _shared_proposal_failed(self, x_user: np.ndarray) -> None:
        self._failures += 1
        if self._failures <= RETRIES:
            return  # the next trial asks the same point again
        self._failures = 0
        if self._worst is not None:
            self._tell(x_user, self._worst)  # "as bad as anything seen": move on
        else:
            self._stage = "es"  # no finite energy at all yet: nothing to scale features by

    def _shared_pending(self) -> np.ndarray | None:
        """The learned or refine stage's pending point (model units), advancing the stage when
        it is done; None in the ES stage."""
        if self._stage == "learned":
            x = self._rollout.ask()
            if x is not None and self._learned_told < self._spec.learned_steps:
                return x
            self._stage = "refine"
            if self._history[0]:
                # the suggested ranges (model units) bound the refine, as bounds do in
                # minimize_qaoa; unknown until every angle has been suggested once
                box = None
                if len(self._ranges) == len(self.param_names):
                    box = np.array([self._ranges[i] for i in range(len(self.param_names))])
                    box = box * self._to_model[:, None]
                # The same stop rule as minimize_qaoa's refine, so the trials are its points.
                self._refiner = NoiseAwareStop(
                    QuadraticRefiner(*self._history, self._spec.refine_step, box))
        if self._stage == "refine":
            x = self._refiner.ask() if self._refiner is not None else None
            if x is not None:
                return x
            self._stage = "es"
        return None

    def _is_pending(self, x_user: np.ndarray) -> bool:
        pending = self._shared_pending()
        return pending is not None and np.array_equal(pending / self._to_model, x_user)

    # -- proposals -------------------------------------------------------------------------
    def _proposal(self, number: int) -> np.ndarray:
        """The trial's angles in the user's units (the rollout and the ES step are in model
        units, where one step size suits every graph)."""
        if number not in self._proposals:
            x_model = self._shared_pending()
            if x_model is None:
                center = (self._best[1] * self._to_model if self._best
                          else np.asarray(self._spec.anchor))
                x_model = center + self._sigma * self._rng.standard_normal(center.shape)
            self._proposals[number] = (x_model / self._to_model, self._stage)
        return self._proposals[number][0]
