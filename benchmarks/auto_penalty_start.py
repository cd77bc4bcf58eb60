"""What ``model="auto"`` does for operators no bundled model was trained on, at p = 1.

Produced: docs/design.md, "Start candidates for penalty problems" (the shipped use).

With fields or higher-order terms and no general-family model bundled, ``model="auto"`` runs
the Max-Cut family; at p = 1 it starts from the operator's best classical start candidate
(:func:`qlstm_optimizer.penalty_starts.candidate_starts`) and refines from it, instead of taking
the Max-Cut model's learned steps (which stay in the first basin: rho ~0.95 on penalty
problems). This compares, on validation-split instances (never test seeds) with exact
energies, ``model="auto"`` against naming ``model="maxcut"`` (the learned steps), rho_k
against the wide-gamma optimum of :func:`qlstm_optimizer.bench.qubo_optima.wide_optima`
(relative energies: the uniform superposition has energy 0). Run (about 2 minutes)::

    python -m benchmarks.auto_penalty_start --instances 6

Example:
    >>> rho_at([-1.0, -2.0, -1.5], -2.0, [1, 2, 5])
    [0.5, 1.0, 1.0]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from qlstm_optimizer.bench.qubo_optima import wide_optima
from qlstm_optimizer.instances import instance_seed
from qlstm_optimizer.minimize import minimize_qaoa
from qlstm_optimizer.model_choice import UntrainedFamilyWarning
from qlstm_optimizer.qubo_problems import generators as G
from qlstm_optimizer.sim import qaoa_energy

BUDGETS = [1, 2, 3, 5, 10, 20, 50]
CLASSES = {
    "vertex_cover": lambda n, s: G.vertex_cover(n, 0.5, seed=s),
    "stable_set": lambda n, s: G.stable_set(n, 0.5, seed=s),
    "knapsack": lambda n, s: G.knapsack(n - 3, seed=s),
    "tsp": lambda n, s: G.tsp(3, seed=s),
    "number_partitioning": lambda n, s: G.number_partitioning(n, seed=s),
    "portfolio": lambda n, s: G.portfolio(n, seed=s),
    "random_qubo": lambda n, s: G.random_qubo(n, seed=s),
}


def rho_at(history: list[float], optimum: float, budgets: list[int]) -> list[float]:
    best = np.minimum.accumulate(np.asarray(history, dtype=float))
    return [float(best[min(k, len(best)) - 1] / optimum) for k in budgets]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--instances", type=int, default=6)
    ap.add_argument("--base-seed", type=int, default=7)
    args = ap.parse_args(argv)
    print(f"p = 1, budget {max(BUDGETS)}, {args.instances} validation instances per class "
          f"(n = 6..10 variables; base seed {args.base_seed}); median [10th percentile] rho_k\n")
    print("| class | method | " + " | ".join(f"k={k}" for k in BUDGETS) + " |")
    print("|---|---|" + "---|" * len(BUDGETS))
    for name, make in CLASSES.items():
        rows: dict[str, list[list[float]]] = {"auto": [], "maxcut": []}
        for i in range(args.instances):
            problem = make(6 + i % 5, instance_seed("val", i, args.base_seed))
            h = problem.without_constant() if hasattr(problem, "without_constant") else problem
            opt = wide_optima(problem, [1])[1]["energy"]
            for model in rows:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UntrainedFamilyWarning)
                    res = minimize_qaoa(lambda x, h=h: qaoa_energy(h, x), np.zeros(2),
                                        model=model, maxfev=max(BUDGETS), hamiltonian=h)
                rows[model].append(rho_at(res.history_fun, opt, BUDGETS))
        for model, r in rows.items():
            a = np.asarray(r)
            cells = [f"{np.median(a[:, j]):.3f} [{np.percentile(a[:, j], 10):.2f}]"
                     for j in range(len(BUDGETS))]
            label = "auto (candidate + refine)" if model == "auto" else "maxcut (learned)"
            print(f"| {name} | {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
