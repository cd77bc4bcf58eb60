"""What the general problem families look like as operators, and what their optima cost.

Produced: docs/problems.md (field-to-coupling ratios, largest coefficients, the p = 1 optimum's
cost per instance).

For each family of :mod:`qlstm_optimizer.qubo_problems` at two logical sizes, on seeds 0..2:
qubits, terms, order, the penalty factor, the largest coefficient, the median ratio of the
root-mean-square linear field to the root-mean-square higher-order coefficient (per qubit), and
the median seconds of :func:`qlstm_optimizer.optimum.optimal_qaoa_energy` at p = 1::

    python -m benchmarks.qubo_stats [--sizes 6 12]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from qlstm_optimizer import qubo_problems as qp


def make(family: str, n: int, seed: int) -> qp.QuboProblem:
    if family in ("vertex_cover", "stable_set"):
        return getattr(qp, family)(n, 0.5, seed=seed)
    if family == "labs":
        return qp.labs(n)
    return getattr(qp, family)(n, seed=seed)


def field_ratio(h: qp.QuboProblem) -> float:
    lin = [c for k, c in h.terms.items() if len(k) == 1]
    rest = [c for k, c in h.terms.items() if len(k) >= 2]
    return float(np.sqrt(np.sum(np.square(lin))) / np.sqrt(np.sum(np.square(rest))))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[6, 12])
    args = parser.parse_args(argv)
    print("family n qubits terms order penalty max|c| field/coupling p1-optimum-s")
    for family in qp.QUBO_FAMILIES:
        for n in ((3, 4) if family == "tsp" else args.sizes):
            ratios, seconds = [], []
            for seed in range(3):
                h = make(family, n, seed)
                ratios.append(field_ratio(h))
                start = time.perf_counter()
                h.optimal_qaoa_energy(1)
                seconds.append(time.perf_counter() - start)
            top = max(abs(c) for c in h.terms.values())
            penalty = "-" if h.penalty is None else f"{h.penalty:.4g}"
            print(family, n, h.num_qubits, h.num_terms, h.max_order, penalty, f"{top:.4g}",
                  f"{np.median(ratios):.3g}", f"{np.median(seconds):.2f}")


if __name__ == "__main__":
    main()
