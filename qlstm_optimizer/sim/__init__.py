"""Exact QAOA simulators.

* :mod:`~qlstm_optimizer.sim.numpy_qaoa` - NumPy statevector, any diagonal Hamiltonian, n <= ~26
  in the default 4 GiB budget (:mod:`~qlstm_optimizer.sim.engine` picks the strategy by size).
* :mod:`~qlstm_optimizer.sim.analytic` - closed-form p = 1 energies for Ising (Z + ZZ)
  Hamiltonians of any size (thousands of qubits).
* :mod:`~qlstm_optimizer.sim.torch_qaoa` - batched, differentiable torch twin for training.
  Import it explicitly: importing this package never imports torch.

Example:
    >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
    >>> from qlstm_optimizer.sim import analytic_p1_energy
    >>> h = DiagonalHamiltonian(3, {(0, 1): 0.5, (1, 2): 0.5})
    >>> abs(qaoa_energy(h, [0.3, -0.5]) - analytic_p1_energy(h, [0.3, -0.5])) < 1e-12
    True
"""

from typing import Any

from .numpy_qaoa import (
    StatevectorTooLargeError,
    check_parameters,
    qaoa_diagonal_energies,
    qaoa_energy,
    qaoa_probabilities,
    qaoa_state,
    qaoa_statevectors,
    sampled_energy,
)

__all__ = [
    "StatevectorTooLargeError",
    "analytic_p1_energy",
    "check_parameters",
    "qaoa_diagonal_energies",
    "qaoa_energy",
    "qaoa_probabilities",
    "qaoa_state",
    "qaoa_statevectors",
    "sampled_energy",
]


def __getattr__(name: str) -> Any:
    """PEP 562: the closed form (and its module) is loaded on first use, so that importing the
    simulator (as the SciPy method and the Optuna sampler do) costs only what it uses."""
    if name == "analytic_p1_energy":
        from .analytic import analytic_p1_energy

        return analytic_p1_energy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
