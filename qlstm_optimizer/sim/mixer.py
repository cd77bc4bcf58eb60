"""The QAOA mixer ``exp(-i beta sum_q X_q)`` on batches of statevectors, without circuits.

The mixer is a tensor power of one 2x2 rotation; it is applied a few qubits at a time as small
matrix products over views of the state (no transposed copies, no allocation per call).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# The mixer is applied to blocks of at most this many qubits at a time (a 2**k x 2**k matrix).
_MIXER_BLOCK = 5
# OpenBLAS runs a GEMM multi-threaded once m*n*k >= 65536; for these tiny products the thread
# hand-off costs far more than the product, and on a busy machine (pytest -n 2, training in
# parallel) it costs ~16 ms per call. Keeping every GEMM below the threshold keeps it serial.
_GEMM_SERIAL_LIMIT = 32768

@lru_cache(maxsize=8)
def _hamming_table(k: int) -> np.ndarray:
    """popcount(i XOR j) for i, j < 2**k: the number of X factors in entry (i, j) of X-rotations."""
    i = np.arange(2**k)
    x = i[:, None] ^ i[None, :]
    d = np.zeros_like(x)
    for q in range(k):
        d += (x >> q) & 1
    d.setflags(write=False)
    return d


_MINUS_I_POWERS = (-1j) ** np.arange(32)


def _mixer_block(beta: np.ndarray, k: int) -> np.ndarray:
    """``exp(-i beta X)^{(x) k}`` for each beta, shape (B, 2**k, 2**k).

    Entry (i, j) is ``cos(beta)**(k - d) * (-i sin(beta))**d`` with d = popcount(i ^ j); the
    matrix is symmetric, so it can multiply from either side.
    """
    powers = np.arange(k + 1)
    # Real powers (0**0 == 1, so beta = 0 or pi/2 need no special case), then the fixed (-i)**d.
    real = np.cos(beta)[:, None] ** (k - powers) * np.sin(beta)[:, None] ** powers
    return (real * _MINUS_I_POWERS[: k + 1])[:, _hamming_table(k)]


def _blocks(num_qubits: int) -> list[int]:
    count = -(-num_qubits // _MIXER_BLOCK)
    base, extra = divmod(num_qubits, count)
    return [base + 1] * extra + [base] * (count - extra)


def apply_mixer(states: np.ndarray, beta: np.ndarray, num_qubits: int) -> np.ndarray:
    """Apply ``exp(-i beta sum_q X_q)`` to a batch of states (B, 2**n), beta of shape (B,).

    Returns a new array (the input is not modified).

    Example:
        >>> s = np.zeros((1, 2), complex); s[0, 0] = 1
        >>> np.round(apply_mixer(s, np.array([np.pi / 2]), 1), 12).tolist()
        [[0j, -1j]]
    """
    states = np.array(states, dtype=np.complex128)
    beta = np.asarray(beta, dtype=np.float64).reshape(states.shape[0])
    matrices = {k: _mixer_block(beta, k) for k in set(_blocks(num_qubits))}
    return _mix(states, matrices, num_qubits, np.empty_like(states))[0]


def _mix(states: np.ndarray, matrices: dict[int, np.ndarray], num_qubits: int,
         work: np.ndarray, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``scale`` times the mixer whose (B, 2**k, 2**k) block matrices are ``matrices[k]``,
    ping-ponging between two C-contiguous complex128 buffers of the same shape (both are
    overwritten). Returns ``(result, scratch)``: no allocation beyond the small block matrices,
    since fresh megabyte-sized arrays cost page faults on every call. (The scale rides on the
    first block matrix: no extra pass over the state.)"""
    batch, dim = states.shape
    low = 1
    for k in _blocks(num_qubits):
        # View the state as (B, high, 2**k, low) and multiply the block's own axis: no
        # transposed copies. The products are split so every GEMM stays serial (see
        # _GEMM_SERIAL_LIMIT): rows in groups of r for the lowest block, and the `low` axis in
        # column groups of c otherwise (strided views that BLAS takes without copying).
        size = 2**k
        high = dim // (low * size)
        mat = matrices[k]
        if scale != 1.0:
            mat, scale = mat * scale, 1.0
        if low == 1:
            r = max(1, min(high, _GEMM_SERIAL_LIMIT // (size * size)))
            shape: tuple[int, ...] = (batch, high // r, r, size)
            np.matmul(states.reshape(shape), mat[:, None], out=work.reshape(shape))
        else:
            c = max(1, min(low, _GEMM_SERIAL_LIMIT // (size * size)))
            shape = (batch, high, size, low // c, c)
            np.matmul(mat[:, None, None], states.reshape(shape).transpose(0, 1, 3, 2, 4),
                      out=work.reshape(shape).transpose(0, 1, 3, 2, 4))
        states, work = work, states
        low *= size
    return states, work
