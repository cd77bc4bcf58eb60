"""One parameter vector at small n (``qaoa_energy(h, x)`` with a vector x): the arithmetic of
:func:`~qlstm_optimizer.sim.engine.simulate_batch` and its energy for a batch of one, call for
call (the same exponentials, products, gathers, GEMMs and dots, on arrays of the same strides,
so every energy is the same to the bit alone or in a batch), without the batch bookkeeping: at
n <= 10 the ~20 NumPy calls of an evaluation are its whole cost, and every fixed cost around
them counts (QOKit's C simulator takes about as long).

Example:
    >>> import numpy as np
    >>> diagonal = np.array([1.0, -1.0, -1.0, 1.0])
    >>> energy(diagonal, np.zeros(2)) == float(engine.energies(diagonal, np.zeros((1, 2)))[0])
    True
"""

from __future__ import annotations

import numpy as np

from . import engine
from .engine import Plan, _phase_table, _row_energies, get_plan, rows_per_batch, simulate_batch
from .in_place import simulate_one
from .mixer import mixer_matrices, walsh_mixer_matrices


def energy(diagonal: np.ndarray, x: np.ndarray) -> float:
    """Energy of one vector (2p,) on a float64 diagonal (not validated): the same value as
    ``engine.energies(diagonal, x[None])[0]`` to the bit, with fewer fixed costs at small n."""
    plan = get_plan(diagonal)
    p = x.shape[0] // 2
    # simulate_batch's "small" case (every layer's phases at once) with two mixer blocks
    if len(plan.blocks) == 2 and p << (plan.num_qubits - plan.folded) <= engine._TABLE_MAX:
        if plan.one is not None:
            return plan.scale * float(_walsh_one(plan, x))
        if plan.exponents is None:  # (the batch path's other case, _walsh_and_table)
            return plan.scale * float(_two_blocks_one(plan, plan.part(diagonal), x))
    diag = plan.part(diagonal)
    if rows_per_batch(plan):
        states, doubled = simulate_batch(plan, diag, x[None]), plan.doubled
    else:
        states, doubled = simulate_one(plan, diag, x)[None], None
    return plan.scale * float(_row_energies(states, diag, doubled)[0])


def _walsh_one(plan: Plan, x: np.ndarray) -> float:
    """``sum_i |state_i|^2 diag_i`` of one vector (2p,) on a plan with ``plan.one`` (Walsh
    mixer, level plan, two blocks: n = 6..8): simulate_batch's _walsh_and_table case."""
    table, count, low_sl, low, high_sl, high, shape = plan.one
    p = x.shape[0] // 2
    phases = np.exp(x.reshape(-1, 1) * plan.exponents)  # (2p, mixer + energy levels)
    flat = np.matmul(phases[:p, None, :count], table)  # (p, 1, entries): one product per beta
    if low_sl is None:
        m_low = m_high = flat.reshape(p, low, low)
    else:
        m_low = flat[:, 0, low_sl].reshape(p, low, low)
        m_high = flat[:, 0, high_sl].reshape(p, high, high)
    gathered = phases[p:, count:].take(plan.index, axis=1, mode="clip")  # (p, len(diag))
    state = gathered[0]
    s, w = state.reshape(shape), np.empty(shape, dtype=np.complex128)
    for k in range(p):
        if k:
            state *= gathered[k]
        m_high[k].dot(s, out=w)  # ndarray.dot: np.dot's BLAS call with less dispatch
        w.dot(m_low[k], out=s)
    parts = state.view(np.float64)
    return (parts * parts).dot(plan.doubled)




def _two_blocks_one(plan: Plan, diag: np.ndarray, x: np.ndarray) -> float:
    """``sum_i |state_i|^2 diag_i`` of one vector (2p,) on any other plan with two mixer blocks
    (n = 9..10, 10..11 folded; and n <= 8 without a level plan): the mixer blocks from cos and
    sin (or Walsh without levels), the phase table, the top qubit of a folded state."""
    p = x.shape[0] // 2
    if plan.walsh:
        mats = walsh_mixer_matrices(x[:p], plan.sizes)  # {k: (p, 2**k, 2**k)}
    else:
        cos, sin = np.cos(x[:p]), np.sin(x[:p])
        mats = mixer_matrices(cos, sin, plan.sizes)
    table = _phase_table(plan, diag, x[None, p:])[:, 0]  # (p, len(diag))
    low = plan.blocks[0]
    m_low, m_high = mats[low], mats[plan.blocks[1]]
    state = table[0]
    shape = (diag.shape[0] >> low, 1 << low)
    s, w = state.reshape(shape), np.empty(shape, dtype=np.complex128)
    if plan.folded:  # the top qubit: cos(beta) phi - i sin(beta) phi[::-1]
        minus_i_sin, flip, work = -1j * sin, state[::-1], w.reshape(-1)
    for k in range(p):
        if k:
            state *= table[k]
        m_high[k].dot(s, out=w)
        w.dot(m_low[k], out=s)
        if plan.folded:
            np.multiply(flip, minus_i_sin[k], out=work)
            state *= cos[k]
            state += work
    parts = state.view(np.float64)
    return (parts * parts).dot(plan.doubled)
