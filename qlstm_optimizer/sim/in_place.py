"""Large states, one parameter vector at a time, every pass in place over chunks of
:data:`CHUNK` amplitudes (the strategy :mod:`~qlstm_optimizer.sim.engine` picks from 2**18
amplitudes on): the only buffer of full size is the state itself, plus the plan's per-level
phase index.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .mixer import mix_in_place, mixer_matrices

# Amplitudes per chunk of the in-place passes (1 MiB of complex128: a chunk and its scratch stay
# in cache; see engine for the sizes simulated in place).
CHUNK = 2**16


def _chunks(length: int) -> range:
    return range(0, length, CHUNK)


def _layer_phases(plan: Any, gammas: np.ndarray) -> np.ndarray | None:
    """Per-level phases exp(-i gamma_k levels), shape (B, p, levels), or None without a plan."""
    if plan.levels is None:
        return None
    return np.exp(np.multiply.outer(gammas, plan.minus_i_levels))


def phases_into(plan: Any, diag: np.ndarray, values: np.ndarray | None, gamma: Any,
                out: np.ndarray, start: int = 0) -> None:
    """``out = exp(-i gamma diag[start:start + len])`` (1-D ``values`` of one layer, or per row
    of a 2-D ``out`` with ``values`` (B, levels) and ``gamma`` (B,))."""
    stop = start + out.shape[-1]
    if values is not None:
        # mode="clip": with out= and the default mode="raise" NumPy buffers the result.
        values.take(plan.index[start:stop], axis=-1, out=out, mode="clip")
        return
    angle = np.multiply.outer(-np.asarray(gamma), diag[start:stop])
    # cos/sin into the complex array's views: ~1.7x faster than np.exp(1j * angle).
    np.cos(angle, out=out.real)
    np.sin(angle, out=out.imag)


def simulate_one(plan: Any, diag: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Unnormalised state (len(diag),) of one vector, every pass in place over chunks:
    one full-size buffer (the state) and two chunk-sized scratch arrays."""
    p = x.shape[0] // 2
    cos, sin = np.cos(x[:p]), np.sin(x[:p])
    mats = mixer_matrices(cos[None], sin[None], plan.sizes)
    values = _layer_phases(plan, x[None, p:])
    dim = diag.shape[0]
    state = np.empty(dim, dtype=np.complex128)
    scratch = np.empty((2, min(CHUNK, dim)), dtype=np.complex128)
    for k in range(p):
        layer_values = None if values is None else values[0, k]

        def phase(start: int, out: np.ndarray, k: int = k, lv: Any = layer_values) -> None:
            phases_into(plan, diag, lv, x[p + k], out, start)

        if k == 0:  # |+>^n unnormalised: the first layer's state is the phase itself
            for i in _chunks(dim):
                phase(i, state[i:i + CHUNK])
        mix_in_place(state, {size: m[0, k] for size, m in mats.items()}, plan.blocks,
                     scratch, phase if k else None)
        if plan.folded:
            _top_qubit_in_place(state, cos[k], sin[k], scratch)
    return state


def _top_qubit_in_place(state: np.ndarray, cos: float, sin: float, scratch: np.ndarray) -> None:
    """The folded top qubit, in place: phi -> cos phi - i sin phi[::-1], pair by pair."""
    half = state.shape[0] // 2
    a, b = state[:half], state[half:][::-1]
    minus_i_sin = -1j * sin
    for i in range(0, half, scratch.shape[1]):
        lo, hi = a[i:i + scratch.shape[1]], b[i:i + scratch.shape[1]]
        t, u = scratch[0, :lo.shape[0]], scratch[1, :lo.shape[0]]
        np.multiply(hi, minus_i_sin, out=t)
        np.multiply(lo, minus_i_sin, out=u)
        lo *= cos
        lo += t
        hi *= cos
        hi += u
