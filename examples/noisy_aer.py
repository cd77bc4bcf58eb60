"""QAOA on qiskit-aer with a depolarising noise model, angles chosen by the bundled model.

Every energy the optimizer sees is a finite-shot estimate from a noisy simulation, as on
hardware. Noise shrinks measured energies toward 0 (the uniform superposition's energy); the
model's features are scale-free, so it is not thrown off by the shrinkage. The returned angles
are then scored with the exact (noise-free) simulator.

Run: ``python examples/noisy_aer.py [--small]`` (needs ``pip install 'qlstm-optimizer[aer]'``).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel, depolarizing_error
from qiskit_aer.primitives import SamplerV2
from qiskit_algorithms import QAOA

from qlstm_optimizer import QLSTMOptimizer
from qlstm_optimizer.problems import erdos_renyi
from qlstm_optimizer.sim import qaoa_energy


def noise_model(p1: float = 0.001, p2: float = 0.01) -> NoiseModel:
    """Depolarising errors: ``p1`` on one-qubit gates, ``p2`` on two-qubit gates."""
    model = NoiseModel()
    model.add_all_qubit_quantum_error(depolarizing_error(p1, 1), ["rx", "rz", "sx", "x", "h"])
    model.add_all_qubit_quantum_error(depolarizing_error(p2, 2), ["cx", "rzz"])
    return model


def main(small: bool = False) -> dict:
    n, maxfev, shots = (6, 15, 512) if small else (10, 25, 1024)
    problem = erdos_renyi(n, 0.5, seed=5)
    noise = noise_model()
    backend = AerSimulator(noise_model=noise, seed_simulator=1)
    sampler = SamplerV2(default_shots=shots, seed=1,
                        options={"backend_options": {"noise_model": noise}})
    observed = []
    qaoa = QAOA(
        sampler,
        QLSTMOptimizer.pretrained("maxcut-p1", maxfev=maxfev,
                                  hamiltonian=problem.to_sparse_pauli_op()),
        # Aer's SamplerV2 needs circuits in the backend's gate set.
        transpiler=generate_preset_pass_manager(optimization_level=1, backend=backend),
        callback=lambda count, params, energy, meta: observed.append(energy),
    )
    with warnings.catch_warnings():
        # qiskit-algorithms 0.4 still builds Qiskit's deprecated QAOAAnsatz class internally.
        for deprecated in ("QAOAAnsatz", "NLocal", "BlueprintCircuit"):
            warnings.filterwarnings("ignore", message=f".*{deprecated}.*",
                                    category=DeprecationWarning)
        result = qaoa.compute_minimum_eigenvalue(problem.to_sparse_pauli_op())

    x = np.asarray(result.optimal_point)
    optimum = problem.optimal_qaoa_energy(1).energy
    rho_exact = problem.rho(qaoa_energy(problem, x))
    print(f"Max-Cut G({n}, 0.5), p = 1, Aer with depolarising noise, {shots} shots per energy")
    print(f"{len(observed)} noisy evaluations; lowest observed energy {min(observed):.3f} "
          f"(noise-free optimum {optimum:.3f})")
    print(f"returned angles {np.round(x, 4).tolist()}: exact rho {rho_exact:.4f}")
    return {"rho": rho_exact, "nfev": len(observed), "observed_min": min(observed)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny instance (seconds)")
    main(small=parser.parse_args().small)
