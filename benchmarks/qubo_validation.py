"""General-family models compared on VALIDATION instances (the setting choices of the bundled
``qubo-depth``; the bench's test seeds are never used here).

Produced: docs/design.md, "A general-family model".

Per class of :mod:`qlstm_optimizer.qubo_problems` (plus weighted Max-Cut and SK), ``--instances``
validation-split instances (``instance_seed("val", i, 93)``, n = 8..10 logical variables;
knapsack n - 3 items + 3 slack bits, TSP 3 cities, LABS 7..9), exact energies, the operator
given, each model (bundled name, family or card path) through ``minimize_qaoa`` at budget 50 and
every depth of ``--depths``. rho_k against the best energy any run reached, each run's end point
polished by L-BFGS-B (600 evaluations, not counted): a local reference, only as honest as the
runs (the bench's wide search is the stronger one). Printed: median rho_k at k = 1, 3, 5, 10,
20, 50 and the worst rho_10.

Run ``OMP_NUM_THREADS=1 python -m benchmarks.qubo_validation --models qubo-depth maxcut
--depths 1 2 4 --instances 3`` (about 1 minute on one core).

Example:
    >>> h = CLASSES["tsp"](8, 1)
    >>> h.num_qubits
    9
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from scipy.optimize import minimize

from qlstm_optimizer.instances import instance_seed
from qlstm_optimizer.minimize import minimize_qaoa
from qlstm_optimizer.problems import erdos_renyi, sk
from qlstm_optimizer.qubo_problems import generators as G
from qlstm_optimizer.sim import qaoa_energy

BUDGETS = [1, 3, 5, 10, 20, 50]
CLASSES = {
    "vertex_cover": lambda n, s: G.vertex_cover(n, 0.5, seed=s),
    "stable_set": lambda n, s: G.stable_set(n, 0.5, seed=s),
    "knapsack": lambda n, s: G.knapsack(n - 3, seed=s),
    "tsp": lambda n, s: G.tsp(3, seed=s),
    "number_partitioning": lambda n, s: G.number_partitioning(n, seed=s),
    "portfolio": lambda n, s: G.portfolio(n, seed=s),
    "random_qubo": lambda n, s: G.random_qubo(n, seed=s),
    "labs": lambda n, s: G.labs(n - 1 + s % 3),
    "max3sat": lambda n, s: G.max3sat(n, seed=s),
    "weighted_er": lambda n, s: erdos_renyi(n, 0.5, seed=s, weighted=True),
    "sk": lambda n, s: sk(n, seed=s),
}


def rhos(models: list[str], depths: list[int], count: int) -> dict:
    """``{(class, p, model): (instances, len(BUDGETS)) rho_k}``."""
    out: dict = {}
    warnings.simplefilter("ignore")  # UntrainedFamilyWarning etc.: the rows say which model
    for name, make in CLASSES.items():
        for i in range(count):
            h = make(8 + i % 3, instance_seed("val", i, 93)).without_constant()
            for p in depths:
                def fun(x, h=h):
                    return qaoa_energy(h, x)
                runs = {m: minimize_qaoa(fun, np.zeros(2 * p), model=m, maxfev=max(BUDGETS),
                                         hamiltonian=h) for m in models}
                ref = min(min(r.fun for r in runs.values()),
                          *(minimize(fun, r.x, method="L-BFGS-B",
                                     options={"maxfun": 600}).fun for r in runs.values()))
                for m, r in runs.items():
                    best = np.minimum.accumulate(r.history_fun)
                    out.setdefault((name, p, m), []).append(
                        [best[min(k, len(best)) - 1] / ref for k in BUDGETS])
    return {k: np.array(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", default=["qubo-depth", "maxcut"])
    ap.add_argument("--depths", nargs="+", type=int, default=[1, 2, 4])
    ap.add_argument("--instances", type=int, default=3)
    args = ap.parse_args()
    table = rhos(args.models, args.depths, args.instances)
    for p in args.depths:
        print(f"\np = {p}, {args.instances} validation instances per class; median rho_k "
              f"(worst rho_10)\n")
        print("| class | model | " + " | ".join(f"k={k}" for k in BUDGETS) + " | worst k=10 |")
        print("|---|---|" + "---|" * (len(BUDGETS) + 1))
        for name in CLASSES:
            for m in args.models:
                a = table[(name, p, m)]
                cells = " | ".join(f"{v:.3f}" for v in np.median(a, 0))
                print(f"| {name} | {m} | {cells} | {a[:, 3].min():.3f} |")
        means = {m: np.mean([np.median(table[(c, p, m)][:, 3]) for c in CLASSES])
                 for m in args.models}
        print("\nmean over classes of median rho_10: " + ", ".join(
            f"{m} {v:.4f}" for m, v in means.items()))


if __name__ == "__main__":
    main()
