"""The QAOA evolution behind :mod:`~qlstm_optimizer.sim.numpy_qaoa`: per-Hamiltonian plans and
two strategies, picked by size.

* **Small states** (below :data:`IN_PLACE_MIN_AMPLITUDES`): sub-batches of up to
  :data:`BATCH_MAX_AMPLITUDES` amplitudes at once, every layer's phases and mixer blocks built
  in a handful of NumPy calls (at n <= 12 the fixed cost per NumPy call is most of the time),
  the mixer ping-ponging between two buffers (:func:`~qlstm_optimizer.sim.mixer._mix`). Larger
  batches are split: batched products were measured slower per vector than single calls from
  about a megabyte of amplitudes on (n = 14 with 64 vectors).
* **Large states** (:mod:`~qlstm_optimizer.sim.in_place`): one parameter vector at a time,
  every pass in place over chunks of :data:`~qlstm_optimizer.sim.in_place.CHUNK` amplitudes
  (:func:`~qlstm_optimizer.sim.mixer.mix_in_place`): the only buffer
  of full size is the state itself (plus the per-level phase index), and a chunk's phase and
  lowest mixer blocks are applied while it is in cache.

The state is evolved unnormalised (|+>^n scaled to all-ones amplitudes); energies are divided by
2**n at the end (exact: a power of two) and states scaled by 2**(-n/2) only when returned.

Example:
    >>> import numpy as np
    >>> diagonal = np.array([1.0, -1.0, -1.0, 1.0])
    >>> plan = get_plan(diagonal)
    >>> plan.folded, plan.num_qubits
    (False, 2)
    >>> energies(diagonal, np.zeros((1, 2))).round(12).tolist()
    [0.0]
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any

import numpy as np

from . import in_place
from .in_place import simulate_one
from .mixer import (
    _blocks,
    _mix,
    _walsh_table,
    mixer_matrices,
    walsh_mixer_matrices,
)

# Flip-symmetric Hamiltonians are simulated on half the amplitudes (see _simulate) from this
# size on; below it the fold's extra NumPy calls cost more than the halved work.
_FOLD_MIN_QUBITS = 10
# States of at least IN_PLACE_MIN_AMPLITUDES (4 MiB) are simulated one at a time in
# place (slower below it, faster above it: measured CPU time per evaluation, n = 18 p = 1
# 4.97 vs 4.40 ms, n = 20 19.7 vs 21.5 ms); smaller ones in sub-batches of at most
# BATCH_MAX_AMPLITUDES amplitudes (a quarter MiB: a sub-batch and its work buffer stay in a
# core's cache while another process shares it; measured per vector against single calls:
# 8 x 2**12 amplitudes 1.3x faster, 8 x 2**13 1.1x, 64 x 2**13 0.87-1.0x, 2 x 2**15 0.6-0.7x;
# then in CPU time, interleaved, three runs under load 2-3: sub-batches of 2**14 amplitudes
# 1.4-1.6x faster per vector than of 2**15 at n = 12, equal to 1.3x at n = 13, 0.8-1.2x at
# n = 14 folded; docs/performance.md).
IN_PLACE_MIN_AMPLITUDES = 2**18
BATCH_MAX_AMPLITUDES = 2**14
# np.dot/np.vecdot of float vectors is BLAS ddot, which OpenBLAS runs threaded from 10000
# elements on (a thread hand-off costs milliseconds on a busy machine): below it, vecdot;
# above, einsum.
_DOT_MAX = 8192
# Every layer's phases are gathered in one call up to this many amplitudes in all (fewer NumPy
# calls at small n); above it, layer by layer into a reused buffer (stays in cache).
_TABLE_MAX = 2**13


class Plan:
    """What every evaluation on one diagonal shares: fold, energy levels, mixer blocks.

    ``levels``/``index`` are the level plan (energies on a grid ``levels[index]``) or None. The
    plan holds no reference to the diagonal (so that its cache entry dies with it): functions
    take both, and :meth:`part` is the diagonal the phases and energies use.
    """

    __slots__ = ("num_qubits", "folded", "levels", "index", "minus_i_levels", "blocks", "sizes",
                 "doubled", "walsh", "scale", "exponents", "one")

    def __init__(self, diagonal: np.ndarray, cache_levels: bool) -> None:
        dim = diagonal.shape[0]
        self.num_qubits = dim.bit_length() - 1
        if dim < 2 or dim != 2**self.num_qubits:
            raise ValueError(f"a diagonal has length 2**n with n >= 1, got {dim}")
        self.folded = _flip_symmetric(diagonal)
        found = _find_levels(self.part(diagonal)) if cache_levels else None
        self.levels, self.index = (None, None) if found is None else found
        # gamma * (-i levels) is (-i gamma) * levels to the bit (see walsh_mixer_matrices)
        self.minus_i_levels = None if found is None else -1j * self.levels
        self.blocks = _blocks(self.num_qubits - 1 if self.folded else self.num_qubits)
        self.sizes = tuple(sorted(set(self.blocks)))
        # The mixer's matrices from exponentials (walsh_mixer_matrices) or from cos and sin;
        # chosen by the plan alone, so that rounding does not depend on the batch (see
        # _row_energies). Folded states need the cos and sin anyway.
        self.walsh = not self.folded and max(self.sizes) <= 4
        # Walsh mixer and a level plan: -i times the mixer's levels, then the energy levels, so
        # that one exponential serves both (see _walsh_and_table).
        self.exponents = (np.concatenate([_walsh_table(self.sizes)[0], self.minus_i_levels])
                          if self.walsh and found is not None else None)
        # Unnormalised |+>^n has norm**2 = 2**n; a folded state is half of it (and its mirror).
        self.scale = 2.0 ** (1 - self.num_qubits) if self.folded else 2.0 ** -self.num_qubits
        # Small states: each energy twice, the weights of a state's (real, imag) float view.
        part = self.part(diagonal)
        self.doubled = np.repeat(part, 2) if 2 * part.shape[0] <= _DOT_MAX else None
        # What single._walsh_one needs beyond the above (n = 6..8 with a level plan: two blocks)
        self.one = None
        if self.exponents is not None and len(self.blocks) == 2:
            _, table, slices = _walsh_table(self.sizes)
            where = dict(slices)
            low, high = self.blocks
            # (one block size: the whole product is the low block's matrices, no slicing)
            self.one = (table, table.shape[0], None if low == high else where[low], 2**low,
                        None if low == high else where[high], 2**high, (dim >> low, 2**low))

    def part(self, diagonal: np.ndarray) -> np.ndarray:
        """The simulated part of the diagonal: its first half when folded (a view)."""
        return diagonal[: diagonal.shape[0] // 2] if self.folded else diagonal


# Plans, cached by id for read-only arrays that own their data (DiagonalHamiltonian.diagonal()
# returns such an array); the weak reference detects a recycled id.
_PLANS: OrderedDict[int, tuple[Any, Plan]] = OrderedDict()
_PLAN_CACHE_SIZE = 8


def get_plan(diagonal: np.ndarray) -> Plan:
    """The plan of ``diagonal``: cached for read-only arrays owning their data, else built
    without a level search (no cache to keep it in)."""
    if diagonal.flags.writeable or diagonal.base is not None:
        return Plan(diagonal, cache_levels=False)
    key = id(diagonal)
    entry = _PLANS.get(key)
    if entry is not None and entry[0]() is diagonal:
        _PLANS.move_to_end(key)
        return entry[1]
    plan = Plan(diagonal, cache_levels=True)
    # The callback drops the entry as soon as the diagonal dies, so a large plan never
    # outlives its Hamiltonian (an evicted entry's weakref dies with it and never fires).
    _PLANS[key] = (weakref.ref(diagonal, lambda _, key=key: _PLANS.pop(key, None)), plan)
    while len(_PLANS) > _PLAN_CACHE_SIZE:
        _PLANS.popitem(last=False)
    return plan


def _flip_symmetric(diagonal: np.ndarray) -> bool:
    """True if H is invariant under flipping every spin (only even products of Z: Max-Cut,
    SK) and large enough for the fold to pay. Flipping every bit of index i gives
    2**n - 1 - i, i.e. the reversed diagonal. Compared chunk by chunk: no full-size mask."""
    dim = diagonal.shape[0]
    if dim < 2**_FOLD_MIN_QUBITS:
        return False
    half, mirror = diagonal[: dim // 2], diagonal[dim // 2:][::-1]
    chunk = in_place.CHUNK
    return all(np.array_equal(half[i:i + chunk], mirror[i:i + chunk])
               for i in range(0, dim // 2, chunk))


def _find_levels(diagonal: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """When every energy lies on a grid ``low + step * m`` (integer m; e.g. any Max-Cut with
    integer weights), ``(levels, index)``: exp(-i gamma E) is then computed once per level and
    gathered, instead of a cos and sin per basis state (~5-10x faster at n = 12..16).
    Chunked: the temporaries are of chunk size, the index is the only full-size array."""
    dim, chunk = diagonal.shape[0], in_place.CHUNK
    if dim < 64:
        return None
    low = float(diagonal.min())
    span = float(diagonal.max()) - low
    small_index = np.intp if dim <= chunk else np.int32  # see in_place.phases_into
    if span == 0.0:
        return np.array([low]), np.zeros(dim, dtype=small_index)
    smallest = np.inf
    for i in range(0, dim, chunk):
        shifted = diagonal[i:i + chunk] - low
        positive = shifted[shifted > span * 1e-11]
        if positive.size:
            smallest = min(smallest, float(positive.min()))
    tol = 1e-11 * max(1.0, span, abs(low))
    for divisor in range(1, 7):
        step = smallest / divisor
        count = int(round(span / step)) + 1
        if count > dim // 4:
            return None
        if all(np.abs(np.rint((diagonal[i:i + chunk] - low) / step) * step
                      - (diagonal[i:i + chunk] - low)).max() <= tol for i in range(0, dim, chunk)):
            if dim > chunk and count <= 2**16:
                small_index = np.uint16  # a quarter of int64: the index is as long as the state
            index = np.empty(dim, dtype=small_index)
            for i in range(0, dim, chunk):
                index[i:i + chunk] = np.rint((diagonal[i:i + chunk] - low) / step)
            return low + step * np.arange(count), index
    return None


def _phase_table(plan: Plan, diag: np.ndarray, gammas: np.ndarray) -> np.ndarray:
    """``exp(-i gamma diag)`` for gammas (B, L), laid out (L, B, len(diag)) so that each layer's
    phases are one C-contiguous block: a gather from per-level values, or a cos and sin."""
    if plan.levels is not None:
        values = np.exp(np.multiply.outer(gammas.T, plan.minus_i_levels))  # (L, B, levels)
        return values.take(plan.index, axis=2, mode="clip")
    angle = np.multiply.outer(-gammas.T, diag)
    out = np.empty(angle.shape, dtype=np.complex128)
    np.cos(angle, out=out.real)  # into the complex array's views: ~1.7x faster than np.exp
    np.sin(angle, out=out.imag)
    return out


def _walsh_and_table(plan: Plan, params: np.ndarray) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """The mixer blocks ``{k: (B, p, 2**k, 2**k)}`` and the phase table (p, B, len(diag)) of a
    Walsh plan with levels, from one exponential of every parameter times every level: the
    same values as :func:`walsh_mixer_matrices` and :func:`_phase_table` to the bit (the same
    products, exponentials and product per beta). Half of the exponentials are not needed;
    cheaper than a second set of NumPy calls at these sizes."""
    batch, p = params.shape[0], params.shape[1] // 2
    _, table, slices = _walsh_table(plan.sizes)
    count = table.shape[0]
    phases = np.exp(np.multiply.outer(params, plan.exponents))  # (B, 2p, mixer + energy levels)
    flat = np.matmul(phases[:, :p, None, :count], table)  # (B, p, 1, entries)
    mats = {k: flat[..., sl].reshape(batch, p, 2**k, 2**k) for k, sl in slices}
    values = phases[:, p:, count:].transpose(1, 0, 2)  # (p, B, levels)
    return mats, values.take(plan.index, axis=2, mode="clip")


def simulate_batch(plan: Plan, diag: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Unnormalised states (B, len(diag)) of a whole batch at once (small states); ``diag`` is
    ``plan.part(diagonal)``. Written for few NumPy calls: at n <= 10 their fixed cost is most of
    the time, so the phases and mixer blocks of every layer are built up front and each layer
    is a product or two (of one vector: 2-D np.dot, the same BLAS call as np.matmul with less
    dispatch)."""
    batch, length = params.shape
    p = length // 2
    dim = diag.shape[0]
    small = p * batch * dim <= _TABLE_MAX  # every layer's phases at once
    if small and plan.exponents is not None:
        mats, table = _walsh_and_table(plan, params)
    else:
        # {k: (B, p, 2**k, 2**k)}
        if plan.walsh:
            mats = walsh_mixer_matrices(params[:, :p], plan.sizes)
        else:
            cos, sin = np.cos(params[:, :p]), np.sin(params[:, :p])
            mats = mixer_matrices(cos, sin, plan.sizes)
        table = _phase_table(plan, diag, params[:, p:]) if small else None
    gammas = params[:, p:]
    states = table[0] if table is not None else _phase_table(plan, diag, gammas[:, :1])[0]
    work = np.empty_like(states)
    blocks = plan.blocks
    if len(blocks) <= 2:
        # Up to two blocks (n <= 10, or 11 folded): the state as a (2**k_high, 2**k_low)
        # matrix per vector, so the mixer is M_high @ S @ M_low: two products, no reshapes.
        low = 2 ** blocks[0]
        s3, w3 = states.reshape(batch, dim // low, low), work.reshape(batch, dim // low, low)
        m_low, m_high = mats[blocks[0]], mats[blocks[-1]]
        if batch == 1:
            s3, w3, m_low, m_high = s3[0], w3[0], m_low[0], m_high[0]
            product = np.ndarray.dot  # np.dot's BLAS call without its dispatch
        else:  # layer-major views: m[k] holds every vector's block of layer k
            m_low, m_high = m_low.swapaxes(0, 1), m_high.swapaxes(0, 1)
            product = np.matmul
    if plan.folded:
        minus_i_sin = -1j * sin
    for k in range(p):
        if k:
            states *= table[k] if table is not None else _phase_table(
                plan, diag, gammas[:, k:k + 1])[0]
        if len(blocks) == 2:
            product(m_high[k], s3, out=w3)
            product(w3, m_low[k], out=s3)
        elif len(blocks) == 1:
            product(s3, m_low[k], out=w3)
            states, work, s3, w3 = work, states, w3, s3
        else:
            states, work = _mix(states, {size: m[:, k] for size, m in mats.items()}, blocks,
                                work)
        if plan.folded:  # the top qubit: cos(beta) phi - i sin(beta) phi[::-1]
            np.multiply(states[:, ::-1], minus_i_sin[:, k, None], out=work)
            states *= cos[:, k, None]
            states += work
    return states


def _row_energies(states: np.ndarray, diag: np.ndarray, doubled: np.ndarray | None
                  ) -> np.ndarray:
    """``sum_i |states[b, i]|^2 diag[i]`` for each row b, by the same arithmetic whatever the
    number of rows (np.vecdot runs one dot kernel per row; einsum's loop order, and so its
    rounding, depends on the shape): a vector's energy is the same to the last bit alone or in
    a batch of any size, which the learned optimizer and the Optuna sampler rely on to ask the
    same points. ``doubled`` (each energy twice, for the (real, imag) float view) serves small
    states in one call; larger ones go in chunks kept below BLAS's threading threshold."""
    if doubled is not None:
        parts = states.view(np.float64)
        return np.vecdot(parts * parts, doubled)
    total = np.zeros(states.shape[0])
    step = _DOT_MAX // 2
    for i in range(0, states.shape[1], step):
        s = states[:, i:i + step]
        total += np.vecdot(s.real * s.real + s.imag * s.imag, diag[i:i + step])
    return total


def rows_per_batch(plan: Plan) -> int:
    """How many parameter vectors to simulate together: a sub-batch of at most
    :data:`BATCH_MAX_AMPLITUDES` amplitudes, or 0 for one at a time in place (large states)."""
    dim = 1 << (plan.num_qubits - plan.folded)
    return 0 if dim >= IN_PLACE_MIN_AMPLITUDES else max(1, BATCH_MAX_AMPLITUDES // dim)


def _batched(plan: Plan, diag: np.ndarray, params: np.ndarray, rows: int) -> np.ndarray:
    if rows >= params.shape[0]:
        return simulate_batch(plan, diag, params)
    return np.concatenate([simulate_batch(plan, diag, params[i:i + rows])
                           for i in range(0, params.shape[0], rows)])


def energies(diagonal: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Energies (B,) of a (B, 2p) batch on a float64 diagonal (parameters not validated)."""
    plan = get_plan(diagonal)
    diag = plan.part(diagonal)
    rows = rows_per_batch(plan)
    if rows >= params.shape[0]:  # one sub-batch: every single call below 2**18 amplitudes
        return plan.scale * _row_energies(simulate_batch(plan, diag, params), diag,
                                          plan.doubled)
    if rows:  # sub-batch by sub-batch: only one sub-batch of states exists at a time
        return plan.scale * np.concatenate([
            _row_energies(simulate_batch(plan, diag, params[i:i + rows]), diag, plan.doubled)
            for i in range(0, params.shape[0], rows)])
    return np.array([plan.scale * _row_energies(simulate_one(plan, diag, x)[None], diag,
                                                None)[0] for x in params])


def statevectors(diagonal: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Normalised full states (B, 2**n) of a (B, 2p) batch."""
    plan = get_plan(diagonal)
    diag = plan.part(diagonal)
    scale = 2.0 ** (-plan.num_qubits / 2)
    rows = rows_per_batch(plan)
    if rows:
        states = _batched(plan, diag, params, rows)
    else:
        states = np.empty((params.shape[0], diag.shape[0]), dtype=np.complex128)
        for row, x in zip(states, params, strict=True):
            row[:] = simulate_one(plan, diag, x)
    states *= scale
    return np.concatenate([states, states[:, ::-1]], axis=1) if plan.folded else states
