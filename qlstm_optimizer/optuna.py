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
    >>> study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1"))
    >>> study.optimize(objective, n_trials=5)
    >>> len(study.trials)
    5

Trials map to QAOA angles by parameter name: ``beta_0..beta_{p-1}`` and ``gamma_0..gamma_{p-1}``
(override with ``param_names``, in Qiskit's order ``[betas, gammas]``). The first ``horizon`` trials
are the model's learned proposals; after that the sampler continues around the best trial with a
(1+1) evolution strategy (a local search that, unlike COBYLA, fits Optuna's ask/tell loop).
Failed or pruned trials are not reported to the model: its pending proposal is asked again.
Parameters the sampler does not know are drawn by ``optuna.samplers.RandomSampler``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.trial import FrozenTrial, TrialState

from .minimize import resolve_model
from .policy import Rollout, project


class QLSTMSampler(BaseSampler):
    """Optuna sampler driven by a pretrained quantum-LSTM optimizer.

    Args:
        model: bundled model name (``"maxcut-p1"``), family name with ``p``, a ``Pretrained`` or a
            ``(numpy_model, PolicySpec)`` pair.
        p: depth, needed only with a family name.
        param_names: names of the 2p angle parameters in ``[betas, gammas]`` order.
        seed: seeds the local search after the learned horizon and the random fallback.
    """

    def __init__(
        self,
        model: Any = "maxcut-p1",
        p: int | None = None,
        param_names: Sequence[str] | None = None,
        seed: int | None = None,
    ) -> None:
        self._model, self._spec, _ = resolve_model(model, None if p is None else 2 * p)
        p = self._spec.p
        self.param_names = list(param_names or [f"beta_{i}" for i in range(p)]
                                + [f"gamma_{i}" for i in range(p)])
        if len(self.param_names) != 2 * p:
            raise ValueError(f"param_names needs {2 * p} names for p = {p}, got {param_names}")
        self._seed = seed
        self._random = RandomSampler(seed=seed)
        self.reset()

    def reset(self) -> None:
        """Forget the current run (a new study starts from the model's first proposal)."""
        self._rollout = Rollout(self._model, self._spec)
        self._rng = np.random.default_rng(self._seed)
        self._sigma = self._spec.refine_step
        self._best: tuple[float, np.ndarray] | None = None
        self._proposals: dict[int, np.ndarray] = {}

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
        x = self._proposal(trial.number)
        value = float(x[self.param_names.index(param_name)])
        box = np.array([[param_distribution.low, param_distribution.high]])
        if self.param_names.index(param_name) < self._spec.p:
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
        x = self._proposals.pop(trial.number, None)
        if x is None or state != TrialState.COMPLETE or not values:
            return
        value = float(values[0])
        if not np.isfinite(value):
            return
        if self._rollout.ask() is not None:
            self._rollout.tell(value)
        else:  # (1+1)-ES step-size rule: grow on success, shrink on failure (~1/5 success)
            improved = self._best is None or value < self._best[0]
            self._sigma *= 1.5 if improved else 0.9
        if self._best is None or value < self._best[0]:
            self._best = (value, x)

    # -- proposals -------------------------------------------------------------------------
    def _proposal(self, number: int) -> np.ndarray:
        if number not in self._proposals:
            x = self._rollout.ask()
            if x is None:
                center = self._best[1] if self._best else np.asarray(self._spec.anchor)
                x = center + self._sigma * self._rng.standard_normal(center.shape)
            self._proposals[number] = x
        return self._proposals[number]
