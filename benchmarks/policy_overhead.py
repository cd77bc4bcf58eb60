"""Per-evaluation overhead of the optimizer itself (not the objective), next to SciPy's COBYLA.

Produced: the optimizer-overhead rows of docs/performance.md.

Run: ``python -m benchmarks.policy_overhead``

The objective is a constant-time quadratic so that what is measured is the optimizer's own work
per evaluation: model step, features, bookkeeping (and for the adapters, their wrappers).
Target: under 1 ms per step.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import minimize

from qlstm_optimizer.minimize import minimize_qaoa
from qlstm_optimizer.pretrained import list_pretrained
from qlstm_optimizer.qiskit import QLSTMOptimizer
from qlstm_optimizer.scipy import qlstm


def _quadratic(x: np.ndarray) -> float:
    return float(np.sum((x - 0.3) ** 2)) - 1.0


def _per_eval(run, repeats: int = 5) -> float:
    """Median seconds per objective evaluation over ``repeats`` runs of ``run() -> nfev``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        nfev = run()
        times.append((time.perf_counter() - start) / nfev)
    return float(np.median(times))


def main() -> None:
    models = [n for n in list_pretrained() if n.rsplit("-p", 1)[-1].isdigit()]
    print(f"{'model':14s} {'path':28s} {'us/eval':>9s} {'COBYLA us/eval':>15s} {'ratio':>7s}")
    for name in models:
        p = int(name.rsplit("-p", 1)[1])
        x0 = np.zeros(2 * p)
        minimize_qaoa(_quadratic, x0, model=name, maxfev=2)  # load + warm caches
        cobyla = _per_eval(lambda x0=x0: minimize(_quadratic, x0, method="COBYLA",
                                                  options={"maxiter": 40}).nfev)
        paths = {
            "learned steps (refine=None)": lambda name=name, x0=x0: minimize_qaoa(
                _quadratic, x0, model=name, maxfev=10, refine=None).nfev,
            "scipy qlstm, 40 evals": lambda name=name, x0=x0: minimize(
                _quadratic, x0, method=qlstm, options={"model": name, "maxfev": 40}).nfev,
            "QLSTMOptimizer, 40 evals": lambda name=name, x0=x0: QLSTMOptimizer.pretrained(
                name, maxfev=40).minimize(_quadratic, x0).nfev,
        }
        for label, run in paths.items():
            t = _per_eval(run)
            print(f"{name:14s} {label:28s} {t * 1e6:9.1f} {cobyla * 1e6:15.1f} "
                  f"{t / cobyla:7.1f}")
    print("\ntarget: the learned-step overhead is under 1000 us per evaluation")


if __name__ == "__main__":
    main()
