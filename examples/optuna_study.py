"""An Optuna study driven by the learned optimizer (``QLSTMSampler``).

Trials suggest ``beta_0`` and ``gamma_0`` (Qiskit's ``[betas, gammas]`` order by name); the first
trials are the model's learned proposals, later ones a local search around the best trial.
Any other parameter of the objective is sampled at random.

Run: ``python examples/optuna_study.py [--small]``
(needs ``pip install 'qlstm-optimizer[optuna]'``).
"""

from __future__ import annotations

import argparse

import numpy as np
import optuna

from qlstm_optimizer.optuna import QLSTMSampler
from qlstm_optimizer.problems import erdos_renyi
from qlstm_optimizer.sim import qaoa_energy


def main(small: bool = False) -> dict:
    n, trials = (8, 12) if small else (14, 30)
    problem = erdos_renyi(n, 0.5, seed=11)

    def objective(trial: optuna.Trial) -> float:
        beta = trial.suggest_float("beta_0", -np.pi / 2, np.pi / 2)
        gamma = trial.suggest_float("gamma_0", -np.pi, np.pi)
        return qaoa_energy(problem, [beta, gamma])

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=QLSTMSampler("maxcut-p1", seed=0, hamiltonian=problem))
    study.optimize(objective, n_trials=trials)

    values = [t.value for t in study.trials]
    best_so_far = np.minimum.accumulate(values)
    print(f"Max-Cut G({n}, 0.5), p = 1: {trials} trials")
    for k in (1, 3, 5, 10, trials):
        if k <= trials:
            print(f"  best rho after {k:2d} trials: {problem.rho(best_so_far[k - 1]):.4f}")
    print(f"best params: {study.best_params}")
    return {"rho": problem.rho(study.best_value), "trials": len(study.trials)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny instance (seconds)")
    main(small=parser.parse_args().small)
