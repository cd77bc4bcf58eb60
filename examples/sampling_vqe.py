"""SamplingVQE with a QAOA ansatz on an SK spin glass, in your own Hamiltonian's units.

The SK model here is written the way many papers and codes do, ``H = sum_(i<j) J_ij Z_i Z_j``
without the ``1/sqrt(n)`` of the package's normalisation, so it is ``sqrt(n)`` times larger than
what ``sk-p1`` was trained on. Passing ``hamiltonian=op`` lets the optimizer measure that factor
and work in the model's units (gammas are rescaled; energies need no conversion).

Run: ``python examples/sampling_vqe.py [--small]``
"""

from __future__ import annotations

import argparse

import numpy as np
from qiskit.circuit.library import qaoa_ansatz
from qiskit.primitives import StatevectorSampler
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_algorithms import SamplingVQE

from qlstm_optimizer import DiagonalHamiltonian, QLSTMOptimizer
from qlstm_optimizer.optimum import optimal_qaoa_energy
from qlstm_optimizer.sim import qaoa_energy


def sk_operator(n: int, seed: int) -> SparsePauliOp:
    """``sum_(i<j) J_ij Z_i Z_j`` with random J_ij = +-1 (no 1/sqrt(n) factor)."""
    rng = np.random.default_rng(seed)
    terms = [("ZZ", [i, j], float(rng.choice([-1.0, 1.0])))
             for i in range(n) for j in range(i + 1, n)]
    return SparsePauliOp.from_sparse_list(terms, num_qubits=n)


def main(small: bool = False) -> dict:
    n, maxfev = (6, 15) if small else (10, 25)
    op = sk_operator(n, seed=3)
    # qaoa_ansatz (the function; the QAOAAnsatz class is deprecated) orders its parameters
    # [betas, gammas], as the models expect. Decompose it once into rzz/rx gates.
    pm = generate_preset_pass_manager(optimization_level=1, basis_gates=["h", "rx", "rz", "rzz"])
    ansatz = pm.run(qaoa_ansatz(op, reps=1))
    optimizer = QLSTMOptimizer.pretrained("sk-p1", maxfev=maxfev, hamiltonian=op)

    vqe = SamplingVQE(StatevectorSampler(seed=5), ansatz, optimizer)
    result = vqe.compute_minimum_eigenvalue(op)

    x = np.asarray(result.optimal_point)
    optimum = optimal_qaoa_energy(op, 1, family="sk")
    rho = optimum.rho(qaoa_energy(op, x))
    ground = DiagonalHamiltonian.from_sparse_pauli_op(op).ground_energy()
    best = result.best_measurement
    print(f"SK model, n = {n}, H = sum J_ij Z_i Z_j (scale sqrt(n) = {np.sqrt(n):.2f} "
          "relative to the training normalisation)")
    print(f"SamplingVQE + sk-p1: {result.cost_function_evals} evaluations, "
          f"angles [beta, gamma] = {np.round(x, 4).tolist()}")
    print(f"exact QAOA energy at those angles: rho = {rho:.4f} of the best p=1 energy")
    print(f"best sampled bitstring: {best['bitstring']} energy {best['value'].real:.3f} "
          f"(ground state {ground:.3f})")
    return {"rho": float(rho), "nfev": int(result.cost_function_evals),
            "best_value": float(best["value"].real), "ground": float(ground)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny instance (seconds)")
    main(small=parser.parse_args().small)
