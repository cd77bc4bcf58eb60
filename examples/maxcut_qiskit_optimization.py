"""Max-Cut end to end with qiskit-optimization: graph -> QuadraticProgram -> QAOA -> cut.

``MinimumEigenOptimizer(QAOA(sampler, QLSTMOptimizer.pretrained("maxcut-p1")))`` solves the
Max-Cut QuadraticProgram; the bundled model picks the QAOA angles in a few sampler calls.
qiskit-optimization's ``Maxcut(...).to_ising()`` operator is ``sum w_ij/2 Z_i Z_j``, exactly the
normalisation the Max-Cut models were trained on, so no scale option is needed here.

Run: ``python examples/maxcut_qiskit_optimization.py [--small]``
(needs ``pip install 'qlstm-optimizer[optimization]'``).
"""

from __future__ import annotations

import argparse
import warnings

import networkx as nx
from qiskit.primitives import StatevectorSampler
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_algorithms import QAOA
from qiskit_optimization.algorithms import MinimumEigenOptimizer
from qiskit_optimization.applications import Maxcut

from qlstm_optimizer import QLSTMOptimizer


def main(small: bool = False) -> dict:
    n, maxfev = (6, 10) if small else (12, 20)
    graph = nx.gnp_random_graph(n, 0.5, seed=7)
    maxcut = Maxcut(graph)
    qp = maxcut.to_quadratic_program()

    evaluations = []
    qaoa = QAOA(
        StatevectorSampler(seed=1),
        # The operator QAOA will see: tells the model the graph's coupling scale.
        QLSTMOptimizer.pretrained("maxcut-p1", maxfev=maxfev, hamiltonian=qp.to_ising()[0]),
        reps=1,
        # Decompose the ansatz once into rzz/rx gates; without a transpiler every energy goes
        # through a dense 2**n x 2**n matrix exponential (docs/performance.md).
        transpiler=generate_preset_pass_manager(
            optimization_level=1, basis_gates=["h", "rx", "rz", "rzz"]),
        callback=lambda count, params, energy, meta: evaluations.append(energy),
    )
    with warnings.catch_warnings():
        # qiskit-algorithms 0.4 still builds Qiskit's deprecated QAOAAnsatz class internally.
        for deprecated in ("QAOAAnsatz", "NLocal", "BlueprintCircuit"):
            warnings.filterwarnings("ignore", message=f".*{deprecated}.*",
                                    category=DeprecationWarning)
        result = MinimumEigenOptimizer(qaoa).solve(qp)

    # Brute force for comparison (fine at these sizes).
    exact = max(
        nx.cut_size(graph, {v for v in graph if (mask >> v) & 1}) for mask in range(2 ** (n - 1))
    )
    partition = maxcut.interpret(result.x)
    print(f"Max-Cut, G({n}, 0.5): {graph.number_of_edges()} edges")
    print(f"QAOA p=1 with maxcut-p1: {len(evaluations)} energy evaluations")
    print(f"cut found: {result.fval:g}   maximum cut (brute force): {exact}")
    print(f"partition: {partition}")
    return {"cut": result.fval, "max_cut": exact, "evaluations": len(evaluations)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny instance (seconds)")
    main(small=parser.parse_args().small)
