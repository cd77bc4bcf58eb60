"""NumPy statevector simulation of QAOA on diagonal Hamiltonians.

The state is Qiskit's ``QAOAAnsatz(H, reps=p)`` with parameters
``x = [beta_0..beta_{p-1}, gamma_0..gamma_{p-1}]``::

    |psi(x)> = prod_k exp(-i beta_k sum_q X_q) exp(-i gamma_k H) |+>^n

(up to a global phase, which Qiskit drops for the identity term). Because H is diagonal the cost
layer is one element-wise phase, and the mixer is a tensor power of one 2x2 rotation, applied
a few qubits at a time as small matrix products, so there is no circuit construction at all
(:mod:`~qlstm_optimizer.sim.engine` does the evolution; this module checks the inputs).

Example:
    >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
    >>> h = DiagonalHamiltonian(2, {(0, 1): 0.5})
    >>> round(qaoa_energy(h, [0.0, 0.0]), 12)
    0.0
    >>> qaoa_energy(h, [[0.1, 0.2], [0.3, 0.4]]).shape
    (2,)
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..hamiltonian import DiagonalHamiltonian, as_hamiltonian, diagonal_build_bytes, format_bytes
from . import engine, single
from .mixer import apply_mixer

# Refuse an evaluation whose working memory would exceed this many bytes: a clear error beats
# swapping. Compared with the measured peak (below), not with the bare statevector.
MAX_STATEVECTOR_BYTES = 4 * 2**30
# Peak memory of one evaluation as a multiple of its statevector (16 * 2**n bytes) plus a fixed
# allowance (chunk scratch and temporaries), beyond the Hamiltonian's diagonal: one state in
# place (half of it for flip-symmetric Hamiltonians) and the level index. Measured with
# tracemalloc on the first call (which builds the level plan): 1.135 at n = 24 and 1.17 at
# n = 22 without the fold, 0.57-0.60 with it (bench.sim_speed memory section; asserted in
# tests/test_sim_numpy.py). An index of more than 65536 levels takes 0.25 instead of 0.125.
PEAK_STATE_FACTOR = 1.25
PEAK_EXTRA_BYTES = 16 * 2**20


class StatevectorTooLargeError(MemoryError):
    """The requested statevector (batch) does not fit the memory budget."""


def check_parameters(x: Any, p: int | None = None) -> tuple[np.ndarray, bool]:
    """Validate a parameter vector or a 2-D batch of them.

    Returns ``(batch, was_1d)`` with ``batch`` of shape (B, 2p), float64.

    Raises:
        ValueError: for a ragged/3-D input, an odd or zero length, a length that does not match
            ``p``, or NaN/inf entries.

    Example:
        >>> check_parameters([0.1, 0.2])[0].shape
        (1, 2)
    """
    arr = _checked_params(x, p)
    return (arr[None, :], True) if arr.ndim == 1 else (arr, False)


def _checked_params(x: Any, p: int | None) -> np.ndarray:
    """:func:`check_parameters`' checks; returns the float64 vector or 2-D batch as given."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"parameters must be a real vector or a 2-D batch: {exc}") from None
    ndim = arr.ndim
    if ndim not in (1, 2):
        raise ValueError(f"parameters must be a vector or a 2-D batch, got shape {arr.shape}")
    length = arr.shape[-1]
    if length == 0 or length % 2:
        raise ValueError(
            f"a QAOA parameter vector has even length 2p ([beta_0..beta_(p-1), "
            f"gamma_0..gamma_(p-1)]), got length {length}"
        )
    if p is not None and length != 2 * p:
        raise ValueError(f"depth p={p} needs {2 * p} parameters, got {length}")
    # A sum is finite only if every entry is (no sum of finite numbers is NaN, and an inf or a
    # NaN cannot cancel): for one vector the Python sum of its entries (a third of the cost of
    # isfinite().all() or of the dot below on the short vectors of most calls), for a batch
    # x . x (one BLAS call). The exact check runs when the sum is not finite (a bad entry, or
    # an overflow) or the dot would be threaded. Valid angles beyond ~1e154 overflow the
    # product: np.vdot does so silently (np.dot warns; an errstate guard would cost ~2.5 us a
    # call, 8 % of a small evaluation), and the exact check then decides.
    # tests/test_sim_numpy.py fails should a NumPy start warning here.
    if ndim == 1:
        fast_ok = math.isfinite(sum(arr.tolist()))
    else:
        flat = arr.reshape(-1)
        fast_ok = flat.shape[0] <= engine._DOT_MAX and math.isfinite(np.vdot(flat, flat))
    if not (fast_ok or np.isfinite(arr).all()):
        raise ValueError("QAOA parameters contain NaN or inf")
    return arr


def memory_needed(num_qubits: int, batch: int = 1, states: bool = False,
                  diagonal_built: bool = True) -> int:
    """Bytes an evaluation of ``batch`` parameter vectors needs at its peak: the measured
    working set of one evaluation (:data:`PEAK_STATE_FACTOR` statevectors: large batches are
    simulated one vector at a time), the returned states if ``states``, and building the
    Hamiltonian's diagonal if it is not built yet.

    Example:
        >>> round(memory_needed(24) / (16 * 2**24), 3)
        1.312
    """
    state = 16 * 2**num_qubits
    need = PEAK_STATE_FACTOR * state + PEAK_EXTRA_BYTES + (batch * state if states else 0)
    if not diagonal_built:
        need += diagonal_build_bytes(num_qubits)
    return int(need)


def _check_memory(num_qubits: int, batch: int, states: bool = False,
                  diagonal_built: bool = True) -> None:
    need = memory_needed(num_qubits, batch, states, diagonal_built)
    if num_qubits > 30 or need > MAX_STATEVECTOR_BYTES:
        what = (f"{batch} statevector(s) of 2**{num_qubits} amplitudes" if states
                else f"an evaluation on {num_qubits} qubits")
        raise StatevectorTooLargeError(
            f"{what} needs about {format_bytes(need)} at its peak (limit "
            f"{format_bytes(MAX_STATEVECTOR_BYTES)}, qlstm_optimizer.sim.numpy_qaoa."
            "MAX_STATEVECTOR_BYTES); for p = 1 use qlstm_optimizer.sim.analytic_p1_energy, which "
            "scales to thousands of qubits"
            + (", or evaluate a smaller batch" if states and batch > 1 else "")
        )


def _diagonal(h: DiagonalHamiltonian, batch: int, states: bool = False) -> np.ndarray:
    """``h.diagonal()`` after the memory check (which counts building it if not cached yet)."""
    _check_memory(h.num_qubits, batch, states, diagonal_built="_diagonal" in vars(h))
    return h.diagonal()


def _checked(diagonal: Any, params: Any, states: bool) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal and (B, 2p) parameters for the low-level functions taking a bare diagonal."""
    diagonal = np.asarray(diagonal, dtype=np.float64)
    if diagonal.ndim != 1:
        raise ValueError(f"a diagonal is a 1-D array, got shape {diagonal.shape}")
    params = np.asarray(params, dtype=np.float64)
    if params.ndim != 2:
        raise ValueError(f"params must be a (B, 2p) batch, got shape {params.shape}")
    length = params.shape[1]
    if length == 0 or length % 2:
        raise ValueError(f"a QAOA parameter vector has even length 2p, got length {length}")
    _check_memory(max(diagonal.shape[0], 1).bit_length() - 1, params.shape[0], states)
    return diagonal, params


def qaoa_statevectors(diagonal: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Statevectors (B, 2**n) for a batch of parameter vectors (B, 2p) on one diagonal.

    Low-level: parameters are not validated (see :func:`check_parameters`).

    Example:
        >>> qaoa_statevectors(np.array([1.0, -1.0]), np.zeros((1, 2))).round(6).tolist()
        [[(0.707107+0j), (0.707107+0j)]]
    """
    return engine.statevectors(*_checked(diagonal, params, states=True))


def qaoa_state(hamiltonian: Any, x: Any, p: int | None = None) -> np.ndarray:
    """QAOA statevector(s): shape (2**n,) for one vector x, (B, 2**n) for a batch.

    Example:
        >>> h = DiagonalHamiltonian(1, {(0,): 1.0})
        >>> qaoa_state(h, [0.0, 0.0]).shape
        (2,)
    """
    h = as_hamiltonian(hamiltonian)
    batch, was_1d = check_parameters(x, p)
    diagonal = _diagonal(h, batch.shape[0], states=True)
    states = engine.statevectors(diagonal, batch)
    return states[0] if was_1d else states


def qaoa_probabilities(hamiltonian: Any, x: Any, p: int | None = None) -> np.ndarray:
    """Output distribution over basis states (Qiskit bit order), shape (2**n,) or (B, 2**n).

    Example:
        >>> h = DiagonalHamiltonian(2, {(0, 1): 0.5})
        >>> round(float(qaoa_probabilities(h, [0.3, 0.2]).sum()), 12)
        1.0
    """
    state = qaoa_state(hamiltonian, x, p)
    return state.real**2 + state.imag**2


def qaoa_energy(hamiltonian: Any, x: Any, p: int | None = None) -> float | np.ndarray:
    """Exact QAOA energy <psi(x)|H|psi(x)>.

    Args:
        hamiltonian: a :class:`~qlstm_optimizer.hamiltonian.DiagonalHamiltonian`, a problem from
            :mod:`qlstm_optimizer.problems`, or a Qiskit ``SparsePauliOp`` of I/Z terms (its
            conversion is cached, so repeated calls with the same operator are cheap).
        x: one parameter vector ``[betas, gammas]`` (returns a float) or a (B, 2p) batch
            (returns an array of B energies).
        p: optional depth; if given, ``len(x)`` must equal ``2p``.

    Raises:
        ValueError: bad parameters, or a non-diagonal (X/Y) term in a ``SparsePauliOp``.
        StatevectorTooLargeError: the statevector(s) would not fit in memory.

    Example:
        >>> h = DiagonalHamiltonian(3, {(0, 1): 0.5, (1, 2): 0.5}, constant=-1.0)
        >>> round(qaoa_energy(h, [0.0, 0.0]), 12)  # |+>^n: the constant
        -1.0
    """
    h = as_hamiltonian(hamiltonian)
    arr = _checked_params(x, p)
    if arr.ndim == 1:
        return single.energy(_diagonal(h, 1), arr)
    return engine.energies(_diagonal(h, arr.shape[0]), arr)


def qaoa_diagonal_energies(diagonal: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Energies (B,) for a batch of parameter vectors (B, 2p) on one diagonal.

    Low-level twin of :func:`qaoa_energy` for callers holding a diagonal (instance pools,
    benchmark objectives): parameters are not validated (see :func:`check_parameters`).

    Example:
        >>> qaoa_diagonal_energies(np.array([1.0, -1.0, -1.0, 1.0]), np.zeros((1, 2))).tolist()
        [0.0]
    """
    return engine.energies(*_checked(diagonal, params, states=False))


# The multinomial draw takes a C long: larger counts overflow inside NumPy.
MAX_SHOTS = 2**62

def sampled_energy(
    hamiltonian: Any,
    x: Any,
    shots: int,
    seed: int | np.random.Generator | None = None,
    p: int | None = None,
) -> float | np.ndarray:
    """Energy estimated from ``shots`` measurements in the computational basis (shot noise),
    as a sampler-based QAOA would see it. Same shapes as :func:`qaoa_energy`; the same seed
    gives the same estimate.

    Example:
        >>> h = DiagonalHamiltonian(2, {(0, 1): 0.5})
        >>> sampled_energy(h, [0.3, 0.2], shots=100, seed=1) == sampled_energy(
        ...     h, [0.3, 0.2], shots=100, seed=1)
        True
    """
    if (isinstance(shots, bool) or not isinstance(shots, numbers.Real)
            or not 1 <= shots <= MAX_SHOTS or int(shots) != shots):  # (NaN fails the range)
        raise ValueError(f"shots must be a positive integer up to 2**62, got {shots!r}")
    h = as_hamiltonian(hamiltonian)
    batch, was_1d = check_parameters(x, p)
    probs = np.atleast_2d(qaoa_probabilities(h, batch, p))
    rng = np.random.default_rng(seed)
    diag = h.diagonal()
    out = np.empty(probs.shape[0])
    for i, row in enumerate(probs):
        # Renormalise: rounding leaves sum(row) = 1 +- 1e-15, which multinomial rejects above 1.
        counts = rng.multinomial(int(shots), row / row.sum())
        out[i] = np.einsum("i,i->", counts.astype(np.float64), diag) / shots
    return float(out[0]) if was_1d else out


__all__ = [
    "MAX_STATEVECTOR_BYTES", "PEAK_EXTRA_BYTES", "PEAK_STATE_FACTOR", "DiagonalHamiltonian",
    "StatevectorTooLargeError", "apply_mixer", "check_parameters", "memory_needed",
    "qaoa_diagonal_energies", "qaoa_energy", "qaoa_probabilities", "qaoa_state",
    "qaoa_statevectors", "sampled_energy",
]
