"""The QAOA mixer ``exp(-i beta sum_q X_q)`` on batches of statevectors, without circuits.

The mixer is a tensor power of one 2x2 rotation; it is applied a few qubits at a time as small
matrix products over views of the state (no transposed copies): between two buffers for
batches of small states (:func:`_mix`), in place through a chunk-sized scratch for large ones
(:func:`mix_in_place`).
"""

from __future__ import annotations

from collections.abc import Callable
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


@lru_cache(maxsize=16)
def _tables(sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                              tuple[tuple[int, slice], ...]]:
    """For block sizes k: the exponents of cos and sin and the (-i)**d of each value
    ``cos**(k - d) (-i sin)**d`` (d = 0..k, every k after the other), and one gather table
    laying out every block matrix (row-major) in one flat array, with each k's slice of it."""
    ec, es, take, slices = [], [], [], []
    offset = end = 0
    for k in sizes:
        d = np.arange(k + 1)
        ec.append(k - d)
        es.append(d)
        take.append(_hamming_table(k).ravel() + offset)
        slices.append((k, slice(end, end + 4**k)))
        offset += k + 1
        end += 4**k
    powers = np.concatenate(es)
    # float exponents: the pow NumPy would call after casting the integers, without the cast
    return (np.concatenate(ec).astype(np.float64), powers.astype(np.float64),
            _MINUS_I_POWERS[powers], np.concatenate(take), tuple(slices))


def mixer_matrices(cos: np.ndarray, sin: np.ndarray, sizes: tuple[int, ...]
                   ) -> dict[int, np.ndarray]:
    """Every block matrix ``exp(-i beta X)^{(x) k}`` for the cosines and sines of betas of any
    shape S: ``{k: array of shape S + (2**k, 2**k)}``, in a fixed number of NumPy calls
    whatever the number of sizes and layers (the same values as :func:`_mixer_block`)."""
    ec, es, minus_i, take, slices = _tables(sizes)
    values = cos[..., None] ** ec * sin[..., None] ** es * minus_i
    # take on a 2-D view, mode="clip": about twice as fast as fancy indexing on these sizes
    flat = values.reshape(-1, ec.shape[0]).take(take, axis=1, mode="clip")
    return {k: flat[:, sl].reshape(*cos.shape, 2**k, 2**k) for k, sl in slices}


@lru_cache(maxsize=16)
def _walsh_table(sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray,
                                                  tuple[tuple[int, slice], ...]]:
    """The block matrices as linear maps of ``exp(-i beta m)``, m = -kmax..kmax: in the
    Hadamard basis ``exp(-i beta X)^{(x) k}`` is diagonal with entries exp(-i beta (k - 2|u|)),
    so entry (i, j) is ``2**-k sum_u (-1)**|u & (i ^ j)| exp(-i beta (k - 2|u|))``.
    Returns (-i m, complex table (2 kmax + 1, total entries), each k's slice)."""
    kmax = max(sizes)
    levels = np.arange(-kmax, kmax + 1)
    columns, slices, end = [], [], 0
    for k in sizes:
        u = np.arange(2**k)
        flips = (u[:, None] ^ u[None, :]).ravel()  # i ^ j of every entry
        signs = 1.0 - 2.0 * (_hamming_table(k)[0][flips[:, None] & u[None, :]] % 2)
        weight = np.zeros((levels.size, flips.size))
        for w in range(k + 1):  # |u| = w contributes to level k - 2w
            weight[k - 2 * w + kmax] = signs[:, _hamming_table(k)[0] == w].sum(axis=1) / 2**k
        columns.append(weight)
        slices.append((k, slice(end, end + 4**k)))
        end += 4**k
    return -1j * levels, np.concatenate(columns, axis=1).astype(complex), tuple(slices)


def walsh_mixer_matrices(betas: np.ndarray, sizes: tuple[int, ...]) -> dict[int, np.ndarray]:
    """The same matrices as :func:`mixer_matrices` (to rounding) in three NumPy calls: one
    exponential per level and one small product per beta (a stack of (1, levels) rows: each
    row's product, and so its rounding, is the same whatever the number of betas, and each
    stays far below BLAS's threading threshold). Faster for blocks of up to 4 qubits, where
    the gather's fixed costs dominate."""
    minus_i_levels, table, slices = _walsh_table(sizes)
    # beta * (-i m): the same products as (-i beta) * m to the bit (the real parts are zeros,
    # of either sign, which exp does not see), one NumPy call fewer.
    phases = np.exp(np.multiply.outer(betas.reshape(-1, 1), minus_i_levels))  # (N, 1, levels)
    flat = np.matmul(phases, table)
    if len(slices) == 1:  # one block size (n <= 8 unfolded: blocks of 3 or 4): no slicing
        return {slices[0][0]: flat.reshape(*betas.shape, *(2 ** slices[0][0],) * 2)}
    return {k: flat[:, 0, sl].reshape(*betas.shape, 2**k, 2**k) for k, sl in slices}


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
    blocks = _blocks(num_qubits)
    matrices = {k: _mixer_block(beta, k) for k in set(blocks)}
    return _mix(states, matrices, blocks, np.empty_like(states))[0]


def _mix(states: np.ndarray, matrices: dict[int, np.ndarray], blocks: list[int],
         work: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mixer whose (B, 2**k, 2**k) block matrices are ``matrices[k]``, ping-ponging between
    two C-contiguous complex128 buffers of the same shape (both are overwritten). Returns
    ``(result, scratch)``: no allocation beyond the small block matrices."""
    batch, dim = states.shape
    low = 1
    for k in blocks:
        # View the state as (B, high, 2**k, low) and multiply the block's own axis: no
        # transposed copies. The products are split so every GEMM stays serial (see
        # _GEMM_SERIAL_LIMIT): rows in groups of r for the lowest block, and the `low` axis in
        # column groups of c otherwise (strided views that BLAS takes without copying).
        size = 2**k
        high = dim // (low * size)
        mat = matrices[k]
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


def mix_in_place(state: np.ndarray, matrices: dict[int, np.ndarray], blocks: list[int],
                 scratch: np.ndarray, phase: Callable[[int, np.ndarray], None] | None = None
                 ) -> None:
    """The mixer on one state (2**n,) in place, through ``scratch`` (2, m): the same GEMMs as
    :func:`_mix` without a second full-size buffer.

    The lowest blocks, as many as span at most m amplitudes, act within each chunk of m
    contiguous amplitudes: a chunk is copied to the scratch, goes through all of them there
    (in cache) and is written back, one pass over the state for several blocks. Each higher
    block is one strided pass, column group by column group. ``phase(start, out)``, if given,
    writes the cost layer's phases of ``state[start:start + len(out)]`` into ``out``; they are
    applied as the chunk is copied in."""
    dim = state.shape[0]
    m = scratch.shape[1]
    local, span = 0, 1
    while local < len(blocks) and span * 2 ** blocks[local] <= m:
        span *= 2 ** blocks[local]
        local += 1
    one = {k: mat[None] for k, mat in matrices.items()}  # a batch of one for _mix
    first, second = scratch[0][None], scratch[1][None]
    for start in range(0, dim, m):
        chunk = state[start:start + m]
        if phase is None:
            first[0] = chunk
        else:
            phase(start, second[0])
            np.multiply(chunk, second[0], out=first[0])
        result = _mix(first, one, blocks[:local], second)[0] if local else first
        chunk[...] = result[0]
    low = span
    for k in blocks[local:]:
        size = 2**k
        high = dim // (low * size)
        c = max(1, min(low, m // size, _GEMM_SERIAL_LIMIT // (size * size)))
        groups = low // c
        view = state.reshape(high, size, groups, c).transpose(0, 2, 1, 3)
        g_step = max(1, m // (size * c))
        for h in range(high):
            for g0 in range(0, groups, g_step):
                src = view[h, g0:g0 + g_step]
                out = scratch[0, :src.size].reshape(src.shape)
                np.matmul(matrices[k], src, out=out)
                src[...] = out
        low *= size
