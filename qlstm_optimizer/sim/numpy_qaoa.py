"""NumPy statevector simulation of QAOA on diagonal Hamiltonians.

The state is Qiskit's ``QAOAAnsatz(H, reps=p)`` with parameters
``x = [beta_0..beta_{p-1}, gamma_0..gamma_{p-1}]``::

    |psi(x)> = prod_k exp(-i beta_k sum_q X_q) exp(-i gamma_k H) |+>^n

(up to a global phase, which Qiskit drops for the identity term). Because H is diagonal the cost
layer is one element-wise phase, and the mixer factorises into n single-qubit rotations, so a
layer costs O(n 2**n) with no circuit construction at all.

Example:
    >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
    >>> h = DiagonalHamiltonian(2, {(0, 1): 0.5})
    >>> round(qaoa_energy(h, [0.0, 0.0]), 12)
    0.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..hamiltonian import DiagonalHamiltonian, as_hamiltonian

# Refuse statevector batches larger than this many bytes (complex128): a clear error beats swapping.
MAX_STATEVECTOR_BYTES = 4 * 2**30


class StatevectorTooLargeError(MemoryError):
    """The requested statevector (batch) does not fit the memory budget."""


def check_parameters(x: Any, p: int | None = None) -> tuple[np.ndarray, bool]:
    """Validate a parameter vector or a 2-D batch of them.

    Returns ``(batch, was_1d)`` with ``batch`` of shape (B, 2p), float64.

    Raises:
        ValueError: for a ragged/3-D input, an odd or zero length, a length that does not match
            ``p``, or NaN/inf entries.
    """
    arr = np.asarray(x, dtype=np.float64)
    was_1d = arr.ndim == 1
    if arr.ndim not in (1, 2):
        raise ValueError(f"parameters must be a vector or a 2-D batch, got shape {arr.shape}")
    batch = arr[None, :] if was_1d else arr
    length = batch.shape[1]
    if length == 0 or length % 2:
        raise ValueError(
            f"a QAOA parameter vector has even length 2p ([beta_0..beta_(p-1), "
            f"gamma_0..gamma_(p-1)]), got length {length}"
        )
    if p is not None and length != 2 * p:
        raise ValueError(f"depth p={p} needs {2 * p} parameters, got {length}")
    if not np.all(np.isfinite(batch)):
        raise ValueError("QAOA parameters contain NaN or inf")
    return batch, was_1d


def _check_memory(num_qubits: int, batch: int) -> None:
    need = batch * 2**num_qubits * 16
    if num_qubits > 30 or need > MAX_STATEVECTOR_BYTES:
        raise StatevectorTooLargeError(
            f"a statevector batch of {batch} x 2**{num_qubits} amplitudes needs "
            f"{need / 2**30:.1f} GiB (limit {MAX_STATEVECTOR_BYTES / 2**30:.0f} GiB); for p = 1 "
            "use qlstm_optimizer.sim.analytic_p1_energy, which scales to thousands of qubits, "
            "or evaluate a smaller batch"
        )


def apply_mixer(states: np.ndarray, beta: np.ndarray, num_qubits: int) -> np.ndarray:
    """Apply ``exp(-i beta sum_q X_q)`` to a batch of states (B, 2**n), beta of shape (B,)."""
    c = np.cos(beta)[:, None, None, None]
    s = -1j * np.sin(beta)[:, None, None, None]
    batch = states.shape[0]
    for q in range(num_qubits):
        # Middle axis of size 2 is qubit q's bit (index = high * 2**(q+1) + bit * 2**q + low).
        view = states.reshape(batch, -1, 2, 2**q)
        a = view[:, :, 0:1, :]
        b = view[:, :, 1:2, :]
        states = np.concatenate((c * a + s * b, s * a + c * b), axis=2).reshape(batch, -1)
    return states


def qaoa_statevectors(diagonal: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Statevectors (B, 2**n) for a batch of parameter vectors (B, 2p) on one diagonal."""
    num_qubits = int(np.log2(diagonal.shape[0]))
    batch, length = params.shape
    _check_memory(num_qubits, batch)
    p = length // 2
    states = np.full((batch, 2**num_qubits), 2 ** (-num_qubits / 2), dtype=np.complex128)
    for k in range(p):
        states = states * np.exp(-1j * params[:, p + k, None] * diagonal[None, :])
        states = apply_mixer(states, params[:, k], num_qubits)
    return states


def qaoa_state(hamiltonian: Any, x: Any, p: int | None = None) -> np.ndarray:
    """QAOA statevector(s): shape (2**n,) for one vector x, (B, 2**n) for a batch."""
    h = as_hamiltonian(hamiltonian)
    batch, was_1d = check_parameters(x, p)
    _check_memory(h.num_qubits, batch.shape[0])
    states = qaoa_statevectors(h.diagonal(), batch)
    return states[0] if was_1d else states


def qaoa_probabilities(hamiltonian: Any, x: Any, p: int | None = None) -> np.ndarray:
    """Output distribution over basis states (Qiskit bit order), shape (2**n,) or (B, 2**n)."""
    state = qaoa_state(hamiltonian, x, p)
    return state.real**2 + state.imag**2


def qaoa_energy(hamiltonian: Any, x: Any, p: int | None = None) -> float | np.ndarray:
    """Exact QAOA energy <psi(x)|H|psi(x)>.

    Args:
        hamiltonian: a :class:`~qlstm_optimizer.hamiltonian.DiagonalHamiltonian`, a problem from
            :mod:`qlstm_optimizer.problems`, or a Qiskit ``SparsePauliOp`` of I/Z terms.
        x: one parameter vector ``[betas, gammas]`` (returns a float) or a (B, 2p) batch
            (returns an array of B energies).
        p: optional depth; if given, ``len(x)`` must equal ``2p``.
    """
    h = as_hamiltonian(hamiltonian)
    probs = qaoa_probabilities(h, x, p)
    energies = probs @ h.diagonal()
    return float(energies) if np.ndim(energies) == 0 else energies


def sampled_energy(
    hamiltonian: Any,
    x: Any,
    shots: int,
    seed: int | np.random.Generator | None = None,
    p: int | None = None,
) -> float | np.ndarray:
    """Energy estimated from ``shots`` measurements in the computational basis (shot noise),
    as a sampler-based QAOA would see it. Same shapes as :func:`qaoa_energy`."""
    if int(shots) != shots or shots < 1:
        raise ValueError(f"shots must be a positive integer, got {shots!r}")
    h = as_hamiltonian(hamiltonian)
    probs = np.atleast_2d(qaoa_probabilities(h, x, p))
    rng = np.random.default_rng(seed)
    diag = h.diagonal()
    out = np.empty(probs.shape[0])
    for i, row in enumerate(probs):
        counts = rng.multinomial(int(shots), row / row.sum())
        out[i] = counts @ diag / shots
    return float(out[0]) if np.ndim(x) == 1 else out


__all__ = [
    "DiagonalHamiltonian",
    "StatevectorTooLargeError",
    "apply_mixer",
    "check_parameters",
    "qaoa_energy",
    "qaoa_probabilities",
    "qaoa_state",
    "qaoa_statevectors",
    "sampled_energy",
]
