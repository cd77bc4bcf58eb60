"""Which p = 1 basin a general-family run should polish: the first one (small gamma) or the
far, lower-energy one of penalty problems, judged by the solutions ``MinimumEigenOptimizer``
returns.

Produced: docs/design.md, "A general-family model".

On vertex cover, stable set and knapsack the global p = 1 optimum sits 8x and further out in
gamma, where the penalty's phases realign (design.md "Start candidates for penalty problems");
its energy is lower, but does its state sample the optimal solutions as often? Each instance
(qiskit-optimization's own applications on seeded graphs and item lists: seeds 100 + i and
200 + i, never the bench's test seeds) is solved through
``MinimumEigenOptimizer(QAOA(StatevectorSampler(seed=s), optimizer, reps=1))`` with 1024
shots, three sampler seeds, by: the bundled ``qubo-depth`` as shipped (its anchor rescaled to the
operator's first basin), the same model starting from the operator's start candidates instead
(``start_candidates = 2``: the far optimum where it is lower), and ``maxcut-p1`` (named; the
Max-Cut model's learned steps, first basin). Printed per class and method: share of runs
returning a feasible and the optimal solution, median and worst relative objective gap, median
probability of the optimal solutions in the final sampled state, median exact energy of the
returned angles (lower = better for the energy alone).

Run ``OMP_NUM_THREADS=1 python -m benchmarks.qubo_basins --instances 6 --maxfev 20`` (about 4
minutes on one core).

Example:
    >>> qp = build("stable_set", 0)
    >>> qp.get_num_binary_vars() in (6, 7, 8)
    True
"""

from __future__ import annotations

import argparse
import dataclasses
import warnings

import networkx as nx
import numpy as np

BASIS = ["h", "rx", "rz", "rzz"]
SHOTS = 1024


def build(kind: str, i: int):
    """The i-th instance's ``QuadraticProgram`` (qiskit-optimization's application)."""
    from qiskit_optimization.applications import Knapsack, StableSet, VertexCover

    if kind == "vertex_cover":
        return VertexCover(nx.gnp_random_graph(6 + i % 3, 0.5, seed=100 + i)
                           ).to_quadratic_program()
    if kind == "stable_set":
        return StableSet(nx.gnp_random_graph(6 + i % 3, 0.5, seed=200 + i)
                         ).to_quadratic_program()
    rng = np.random.default_rng(100 + i)
    n = 4 + i % 2
    return Knapsack(values=[int(v) for v in rng.integers(1, 20, n)],
                    weights=[int(w) for w in rng.integers(1, 6, n)],
                    max_weight=7).to_quadratic_program()


def optimal_share(qp, eigenstate, optimum: float) -> float:
    """Probability of the feasible optimal solutions in the sampled final state."""
    total = 0.0
    for bits, prob in eigenstate.items():
        x = [int(b) for b in reversed(bits)][:qp.get_num_vars()]
        if qp.is_feasible(x) and abs(qp.objective.evaluate(x) - optimum) < 1e-9:
            total += prob
    return total


def methods() -> dict:
    from qlstm_optimizer.pretrained import load_pretrained

    shipped = load_pretrained("qubo-depth")
    far = dataclasses.replace(shipped, spec=dataclasses.replace(
        shipped.spec, calibrate_anchor=False, start_candidates=2))
    return {"qubo-depth (first basin)": shipped, "start candidates": far,
            "maxcut-p1": "maxcut-p1"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instances", type=int, default=6)
    ap.add_argument("--maxfev", type=int, default=20)
    args = ap.parse_args()
    from qiskit.primitives import StatevectorSampler
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_algorithms import QAOA, NumPyMinimumEigensolver
    from qiskit_optimization.algorithms import MinimumEigenOptimizer
    from qiskit_optimization.converters import QuadraticProgramToQubo

    from qlstm_optimizer import QLSTMOptimizer
    from qlstm_optimizer.sim import qaoa_energy

    warnings.simplefilter("ignore", DeprecationWarning)  # QAOAAnsatz (qiskit-algorithms 0.4)
    pm = generate_preset_pass_manager(optimization_level=1, basis_gates=BASIS)
    print(f"p = 1, {SHOTS} shots, maxfev {args.maxfev}, {args.instances} instances x 3 sampler "
          "seeds per class")
    print("| class | method | feasible | optimal | median gap | worst gap | P(optimal) | energy |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in ("vertex_cover", "stable_set", "knapsack"):
        stats: dict[str, list] = {m: [] for m in methods()}
        for i in range(args.instances):
            qp = build(kind, i)
            op, _ = QuadraticProgramToQubo().convert(qp).to_ising()
            exact = MinimumEigenOptimizer(NumPyMinimumEigensolver()).solve(qp).fval
            for label, model in methods().items():
                for seed in range(3):
                    qaoa = QAOA(StatevectorSampler(default_shots=SHOTS, seed=seed),
                                QLSTMOptimizer(model, maxfev=args.maxfev, hamiltonian=op),
                                reps=1, transpiler=pm)
                    res = MinimumEigenOptimizer(qaoa).solve(qp)
                    eig = res.min_eigen_solver_result
                    gap = abs(res.fval - exact) / max(1.0, abs(exact))
                    stats[label].append((qp.is_feasible(res.x), gap < 1e-9, gap,
                                         optimal_share(qp, eig.eigenstate, exact),
                                         float(qaoa_energy(op, eig.optimal_point))))
        for label, rows in stats.items():
            a = np.array(rows, dtype=float)
            print(f"| {kind} | {label} | {a[:, 0].mean():.2f} | {a[:, 1].mean():.2f} | "
                  f"{np.median(a[:, 2]):.3f} | {a[:, 2].max():.3f} | {np.median(a[:, 3]):.4f} | "
                  f"{np.median(a[:, 4]):.3f} |", flush=True)


if __name__ == "__main__":
    main()
