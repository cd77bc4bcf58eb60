"""The README's one-line QAOA usage, measured: ``hamiltonian="auto"`` against a blind run.

Produced: docs/user-guide.md, the "operator found automatically vs blind" figures.

Runs qiskit-algorithms' ``QAOA`` with ``QLSTMOptimizer.pretrained("maxcut-p1", maxfev=k)`` and a
``StatevectorSampler`` (1024 shots) on validation-split Erdos-Renyi graphs, once with the default
``hamiltonian="auto"`` (the operator read from QAOA's energy function) and once with
``hamiltonian=None`` (blind), and prints the exact rho of the returned point::

    python -m benchmarks.qaoa_oneliner --instances 30 --maxfev 3
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=30)
    ap.add_argument("--maxfev", type=int, default=3)
    args = ap.parse_args(argv)
    from qiskit.primitives import StatevectorSampler
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_algorithms import QAOA

    from benchmarks.policy_validation import VALIDATION_SEED
    from qlstm_optimizer.instances import InstanceDistribution, sample_instance
    from qlstm_optimizer.qiskit import QLSTMOptimizer
    from qlstm_optimizer.sim import qaoa_energy

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    pm = generate_preset_pass_manager(optimization_level=1, basis_gates=["h", "rx", "rz", "rzz"])
    dist = InstanceDistribution.from_dict({"components": [{
        "family": "erdos_renyi", "sizes": [8, 9, 10, 11, 12],
        "edge_probs": [2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7]}]})
    rhos: dict[str, list[float]] = {"auto": [], "None (blind)": []}
    start = time.perf_counter()
    for i in range(args.instances):
        graph = sample_instance(dist, "val", i, base_seed=VALIDATION_SEED).problem
        opt = graph.optimal_qaoa_energy(1).energy
        for label, h in (("auto", "auto"), ("None (blind)", None)):
            optimizer = QLSTMOptimizer.pretrained("maxcut-p1", maxfev=args.maxfev, hamiltonian=h)
            qaoa = QAOA(StatevectorSampler(seed=i), optimizer=optimizer, transpiler=pm)
            result = qaoa.compute_minimum_eigenvalue(graph.to_sparse_pauli_op())
            rhos[label].append(qaoa_energy(graph, result.optimal_point) / opt)
    print(f"QAOA + QLSTMOptimizer.pretrained('maxcut-p1', maxfev={args.maxfev}), 1024 shots, "
          f"{args.instances} validation-split ER graphs n = 8..12: exact rho of the returned point")
    for label, v in rhos.items():
        print(f"  hamiltonian={label:13s} median {np.median(v):.3f}  10th pct "
              f"{np.percentile(v, 10):.3f}")
    print(f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
