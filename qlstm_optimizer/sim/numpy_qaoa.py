"""NumPy statevector simulation of QAOA on diagonal Hamiltonians.

The state is Qiskit's ``QAOAAnsatz(H, reps=p)`` with parameters
``x = [beta_0..beta_{p-1}, gamma_0..gamma_{p-1}]``::

    |psi(x)> = prod_k exp(-i beta_k sum_q X_q) exp(-i gamma_k H) |+>^n

(up to a global phase, which Qiskit drops for the identity term). Because H is diagonal the cost
layer is one element-wise phase, and the mixer is a tensor power of one 2x2 rotation, applied
a few qubits at a time as small matrix products, so there is no circuit construction at all.

Example:
    >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
    >>> h = DiagonalHamiltonian(2, {(0, 1): 0.5})
    >>> round(qaoa_energy(h, [0.0, 0.0]), 12)
    0.0
    >>> qaoa_energy(h, [[0.1, 0.2], [0.3, 0.4]]).shape
    (2,)
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any

import numpy as np

from ..hamiltonian import DiagonalHamiltonian, as_hamiltonian
from .mixer import _blocks, _mix, _mixer_block, apply_mixer

# Refuse statevector batches larger than this many bytes (complex128): a clear error beats swapping.
MAX_STATEVECTOR_BYTES = 4 * 2**30

# Flip-symmetric Hamiltonians are simulated on half the amplitudes (see _simulate) from this
# size on; below it the fold's extra NumPy calls cost more than the halved work (measured:
# n = 8 p = 3 0.045 -> 0.060 ms folded; n = 12 p = 3 0.165 -> 0.122 ms).
_FOLD_MIN_QUBITS = 10


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
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"parameters must be a real vector or a 2-D batch: {exc}") from None
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
    if not np.isfinite(batch).all():
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


# Phase plans: when every energy lies on a grid constant + q * m (integer m; e.g. any Max-Cut
# with integer weights), exp(-i gamma E) is computed once per level and gathered, instead of a
# cos and sin per basis state (~5-10x faster at n = 12..16). Cached by id for read-only arrays
# that own their data (DiagonalHamiltonian.diagonal() returns such an array); the weak reference
# detects a recycled id.
_PLANS: OrderedDict[int, tuple[Any, tuple[Any, bool]]] = OrderedDict()
_PLAN_CACHE_SIZE = 8


def _find_levels(diagonal: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    dim = diagonal.shape[0]
    if dim < 64:
        return None
    low = float(diagonal.min())
    shifted = diagonal - low
    span = float(shifted.max())
    if span == 0.0:
        return np.array([low]), np.zeros(dim, dtype=np.int32)
    positive = shifted[shifted > span * 1e-11]
    smallest = float(positive.min())
    tol = 1e-11 * max(1.0, span, abs(low))
    for divisor in range(1, 7):
        step = smallest / divisor
        count = int(round(span / step)) + 1
        if count > dim // 4:
            return None
        index = np.rint(shifted / step)
        if np.abs(index * step - shifted).max() <= tol:
            # int32 halves the index memory (it is as long as the diagonal).
            return low + step * np.arange(count), index.astype(np.int32)
    return None


def _phase_plan(diagonal: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray] | None, bool]:
    """``(level plan or None, flip-symmetric?)``, cached for read-only arrays owning their data."""
    if diagonal.flags.writeable or diagonal.base is not None:
        return None, _flip_symmetric(diagonal)  # no level search without a cache to keep it
    key = id(diagonal)
    entry = _PLANS.get(key)
    if entry is not None and entry[0]() is diagonal:
        _PLANS.move_to_end(key)
        return entry[1]
    found = _find_levels(diagonal), _flip_symmetric(diagonal)
    # The callback drops the entry as soon as the diagonal dies, so a large plan never
    # outlives its Hamiltonian (an evicted entry's weakref dies with it and never fires).
    _PLANS[key] = (weakref.ref(diagonal, lambda _, key=key: _PLANS.pop(key, None)), found)
    while len(_PLANS) > _PLAN_CACHE_SIZE:
        _PLANS.popitem(last=False)
    return found


def _phases(gammas: np.ndarray, diagonal: np.ndarray, plan: Any) -> Any:
    """A function ``layer -> exp(-i gamma_layer diag)`` (B, 2**n) for gammas (B, p), writing
    into an optional ``out``. With a level plan the per-level values of all layers are computed
    in one call up front (fewer small NumPy calls at small n)."""
    if plan is not None:
        levels, index = plan
        values = np.exp(np.multiply.outer(-1j * gammas, levels))  # (B, p, levels)

        def level_phase(layer: int, out: np.ndarray | None = None) -> np.ndarray:
            # mode="clip": with out= and the default mode="raise" NumPy buffers the result.
            return np.take(values[:, layer], index, axis=1, out=out, mode="clip")

        return level_phase

    def direct_phase(layer: int, out: np.ndarray | None = None) -> np.ndarray:
        angle = np.multiply.outer(-gammas[:, layer], diagonal)
        if out is None:
            out = np.empty(angle.shape, dtype=np.complex128)
        # cos/sin into the complex array's views: ~1.7x faster than np.exp(1j * angle).
        np.cos(angle, out=out.real)
        np.sin(angle, out=out.imag)
        return out

    return direct_phase


def qaoa_statevectors(diagonal: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Statevectors (B, 2**n) for a batch of parameter vectors (B, 2p) on one diagonal.

    Low-level: parameters are not validated (see :func:`check_parameters`).

    Example:
        >>> qaoa_statevectors(np.array([1.0, -1.0]), np.zeros((1, 2))).round(6).tolist()
        [[(0.707107+0j), (0.707107+0j)]]
    """
    states, folded = _simulate(diagonal, params)
    return np.concatenate([states, states[:, ::-1]], axis=1) if folded else states


def _flip_symmetric(diagonal: np.ndarray) -> bool:
    """True if H is invariant under flipping every spin (only even products of Z: Max-Cut,
    SK) and large enough for the fold to pay. Flipping every bit of index i gives
    2**n - 1 - i, i.e. the reversed diagonal."""
    return (diagonal.shape[0] >= 2**_FOLD_MIN_QUBITS
            and bool(np.array_equal(diagonal, diagonal[::-1])))


def _simulate(diagonal: np.ndarray, params: np.ndarray) -> tuple[np.ndarray, bool]:
    """The QAOA states, or for a flip-symmetric diagonal only their first half.

    Why the fold: |+>^n, exp(-i gamma H) and exp(-i beta sum X) all commute with X^(x)n when H is
    flip-symmetric, so psi(z) = psi(not z): the top qubit's half ``phi`` (amplitudes with the
    top bit 0) determines the rest, ``psi = [phi, phi reversed]``. On ``phi`` the mixer of
    qubits 0..n-2 acts as usual and the top qubit's ``exp(-i beta X)`` becomes
    ``cos(beta) phi - i sin(beta) phi reversed``: half the memory and about half the work.
    Returns ``(states, folded)`` with states (B, 2**n), or (B, 2**(n-1)) if folded.
    """
    diagonal = np.asarray(diagonal, dtype=np.float64)
    dim = diagonal.shape[0]
    num_qubits = dim.bit_length() - 1
    if dim < 2 or dim != 2**num_qubits:
        raise ValueError(f"a diagonal has length 2**n with n >= 1, got {dim}")
    params = np.asarray(params, dtype=np.float64)
    batch, length = params.shape
    if length == 0 or length % 2:
        raise ValueError(f"a QAOA parameter vector has even length 2p, got length {length}")
    _check_memory(num_qubits, batch)
    p = length // 2
    plan, folded = _phase_plan(diagonal)
    mixed_qubits = num_qubits - 1 if folded else num_qubits
    if folded:  # the phases of the first half only (a view of the level index, no copy)
        half = dim // 2
        plan = None if plan is None else (plan[0], plan[1][:half])
        diagonal = diagonal[:half]
    phase = _phases(params[:, p:], diagonal, plan)
    sizes = set(_blocks(mixed_qubits))
    if batch * p * sum(4**k for k in sizes) <= 2**18:
        # Small batches: all layers' mixer blocks in one set of NumPy calls (per-call overhead
        # dominates at small n). Large batches build them per layer to bound memory.
        betas = params[:, :p].ravel()
        every = {k: _mixer_block(betas, k).reshape(batch, p, 2**k, 2**k) for k in sizes}

        def layer_blocks(layer: int) -> dict[int, np.ndarray]:
            return {k: mats[:, layer] for k, mats in every.items()}
    else:

        def layer_blocks(layer: int) -> dict[int, np.ndarray]:
            return {k: _mixer_block(params[:, layer], k) for k in sizes}

    if folded:
        cos, minus_i_sin = np.cos(params[:, :p]), -1j * np.sin(params[:, :p])
    states = phase(0)
    work = np.empty_like(states)
    for k in range(p):
        if k:
            states *= phase(k, out=work)
        # |+>^n has equal amplitudes 2**(-n/2): the first layer's state is a pure phase, and
        # the normalisation is folded into the first mixer block.
        scale = 2 ** (-num_qubits / 2) if k == 0 else 1.0
        states, work = _mix(states, layer_blocks(k), mixed_qubits, work, scale)
        if folded:  # the top qubit: cos(beta) phi - i sin(beta) phi[::-1]
            np.multiply(states[:, ::-1], minus_i_sin[:, k, None], out=work)
            states *= cos[:, k, None]
            states += work
    return states, folded


def _energies(states: np.ndarray, diagonal: np.ndarray) -> np.ndarray:
    # einsum's own loop, not BLAS: a threaded dot on a busy machine is the slow path here too.
    return np.einsum("bi,i->b", states.real**2 + states.imag**2, diagonal)


def qaoa_state(hamiltonian: Any, x: Any, p: int | None = None) -> np.ndarray:
    """QAOA statevector(s): shape (2**n,) for one vector x, (B, 2**n) for a batch.

    Example:
        >>> h = DiagonalHamiltonian(1, {(0,): 1.0})
        >>> qaoa_state(h, [0.0, 0.0]).shape
        (2,)
    """
    h = as_hamiltonian(hamiltonian)
    batch, was_1d = check_parameters(x, p)
    _check_memory(h.num_qubits, batch.shape[0])
    states = qaoa_statevectors(h.diagonal(), batch)
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
    batch, was_1d = check_parameters(x, p)
    _check_memory(h.num_qubits, batch.shape[0])
    energies = qaoa_diagonal_energies(h.diagonal(), batch)
    return float(energies[0]) if was_1d else energies


def qaoa_diagonal_energies(diagonal: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Energies (B,) for a batch of parameter vectors (B, 2p) on one diagonal.

    Low-level twin of :func:`qaoa_energy` for callers holding a diagonal (instance pools,
    benchmark objectives): parameters are not validated (see :func:`check_parameters`).

    Example:
        >>> qaoa_diagonal_energies(np.array([1.0, -1.0, -1.0, 1.0]), np.zeros((1, 2))).tolist()
        [0.0]
    """
    states, folded = _simulate(diagonal, params)
    if folded:  # psi = [phi, phi reversed] and the diagonal is symmetric: twice the half sum
        return 2.0 * _energies(states, np.asarray(diagonal, float)[: len(diagonal) // 2])
    return _energies(states, np.asarray(diagonal, float))


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
    if int(shots) != shots or shots < 1:
        raise ValueError(f"shots must be a positive integer, got {shots!r}")
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
    "MAX_STATEVECTOR_BYTES", "DiagonalHamiltonian", "StatevectorTooLargeError", "apply_mixer",
    "check_parameters", "qaoa_energy", "qaoa_probabilities", "qaoa_state", "qaoa_statevectors",
    "sampled_energy",
]
