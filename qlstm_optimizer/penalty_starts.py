"""Candidate QAOA start points computed from the operator alone, for penalty problems.

Why: on constrained problems (vertex cover, stable set, TSP, knapsack) the global p = 1 optimum
sits at a large gamma where the penalty terms' phases realign (``2 gamma J`` near a multiple of
pi for the largest couplings ``J``), while a search started from small gamma stays in the first
basin at rho ~0.95 (docs/design.md, "Units for fields and penalties" and "Start candidates for
penalty problems"). For Z + ZZ operators the p = 1 energy has a closed form costing
O(edges x degree) per point and no statevector (:mod:`qlstm_optimizer.sim.analytic`), so the
whole gamma profile ``min_beta E(beta, gamma)`` out to a few half-turns of the largest coupling
is cheap: its best local minima are the candidates, ordered by that exact energy, with the first
basin (the optimum met from gamma -> 0+, where the Max-Cut and SK models start) promoted to the
front unless another candidate is better by more than ``FIRST_BASIN_MARGIN`` of the depth.
Operators with terms of order 3+ have no closed form: their candidates are the first-basin start
``G_REF / c`` (term-local units) and the realignment gammas ``k pi / (2 J_max)``, with the
reference beta.

At depth p each p = 1 candidate is held constant over the layers (INTERP of a single layer:
every layer keeps its penalty phases realigned).

Example:
    >>> from qlstm_optimizer.problems import regular
    >>> x = candidate_starts(regular(8, 3, seed=0), p=1, k=2)
    >>> x.shape, bool(abs(abs(x[0, 1]) - 0.58) < 0.02)  # the first basin first
    ((2, 2), True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .hamiltonian import as_hamiltonian
from .options import check_count, check_real
from .sim.analytic import analytic_p1_energy
from .units import hamiltonian_scale_factor

# Half-turns of the largest coupling's phase searched (gamma up to HALF_TURNS pi / (2 J_max)):
# the study's global optima sit at 0.5-4 half-turns on vertex cover, stable set and TSP; the
# knapsack optima beyond it are lattice accidents with narrow basins (design.md).
HALF_TURNS = 8
# Profile samples per period of the fastest frequency the p = 1 energy can hold (2 = Nyquist
# for the bound of benchmarks.p1_landscape.max_gamma_frequency; the weight up there is tiny).
POINTS_PER_PERIOD = 2
MAX_POINTS = 20_000  # cap on profile gammas (cost ~ 3 closed-form energies per gamma)
MIN_POINTS = 64
THETA_GRID = 256  # 2 beta resolution of the first pass of best_beta (then refined 32x)
# The first basin stays the first candidate unless another beats it by this share of the
# first basin's depth below the uniform-superposition energy.
FIRST_BASIN_MARGIN = 0.02
# First-basin reference in term-local units and the p = 1 beta of the fixed-angle tables
# (Qiskit's sign convention, gamma > 0): for the order-3+ fallback.
G_REF = 0.59
# Optima whose energies agree to this share of the depth are copies (periodic images).
DUPLICATE_TOL = 1e-7
BETA_REF = -np.pi / 8


def _theta_terms(h: Any, gammas: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(K, A, B, C)`` per gamma of ``E = K + A sin t + B sin 2t + C sin(t)**2``, ``t = 2 beta``:
    the closed form's beta dependence, read off four exact energies per gamma."""
    thetas = np.array([0.0, np.pi / 2, -np.pi / 2, np.pi / 4])
    batch = np.column_stack([np.tile(thetas / 2, len(gammas)), np.repeat(gammas, 4)])
    e = analytic_p1_energy(h, batch).reshape(len(gammas), 4)
    k = e[:, 0]
    a = (e[:, 1] - e[:, 2]) / 2
    c = (e[:, 1] + e[:, 2]) / 2 - k
    b = e[:, 3] - k - a / np.sqrt(2) - c / 2
    return k, a, b, c


def best_beta(hamiltonian: Any, gammas: Any) -> tuple[np.ndarray, np.ndarray]:
    """The beta minimising the exact p = 1 energy at each gamma (Z + ZZ operators), and that
    energy: ``(betas, energies)``, betas in (-pi/2, pi/2].

    Example:
        >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
        >>> b, e = best_beta(DiagonalHamiltonian(1, {(0,): 1.0}), [np.pi / 4])
        >>> round(float(b[0]), 4), round(float(e[0]), 6)  # |+> rotated onto Z = -1
        (-0.7854, -1.0)
    """
    h = as_hamiltonian(hamiltonian)
    g = np.atleast_1d(np.asarray(gammas, dtype=float))
    if g.ndim != 1 or not np.all(np.isfinite(g)):
        raise ValueError(f"gammas must be a finite 1-D array, got {gammas!r}")
    k, a, b, c = (v[:, None] for v in _theta_terms(h, g))

    def energy(t: np.ndarray) -> np.ndarray:
        return k + a * np.sin(t) + b * np.sin(2 * t) + c * np.sin(t) ** 2

    step = 2 * np.pi / THETA_GRID
    t = np.linspace(-np.pi + step, np.pi, THETA_GRID)[None]
    best = t[0, energy(t).argmin(axis=1)][:, None]
    fine = best + step * np.linspace(-1, 1, 65)[None]  # second pass around the grid minimum
    e = energy(fine)
    i = e.argmin(axis=1)
    rows = np.arange(len(g))
    return fine[rows, i] / 2, e[rows, i]


def _max_frequency(h: Any) -> float:
    """Bound on the p = 1 energy's angular frequency in gamma (benchmarks.p1_landscape)."""
    d = np.zeros(h.num_qubits)
    for key, c in h.terms.items():
        d[list(key)] += abs(c)
    return 2.0 * max(max((d[list(key)].sum() for key in h.terms), default=0.0), d.max())


def _refine(h: Any, g: float, dg: float) -> tuple[float, float, float]:
    """Golden-section search of the profile on [g - dg, g + dg]: (beta, gamma, energy)."""
    lo, hi = g - dg, g + dg
    r = (np.sqrt(5) - 1) / 2
    for _ in range(30):
        m1, m2 = hi - r * (hi - lo), lo + r * (hi - lo)
        e1, e2 = best_beta(h, [m1, m2])[1]
        lo, hi = (lo, m2) if e1 <= e2 else (m1, hi)
    beta, energy = best_beta(h, [(lo + hi) / 2])
    return float(beta[0]), (lo + hi) / 2, float(energy[0])


def p1_candidates(hamiltonian: Any, k: int, half_turns: float = HALF_TURNS
                  ) -> list[tuple[float, float, float]]:
    """Up to ``k`` p = 1 candidates ``(beta, gamma, energy)``, ordered (module doc); energy is
    the exact closed-form value (nan for operators of order 3+, whose candidates are not
    ranked by energy)."""
    h = as_hamiltonian(hamiltonian)
    k = check_count("k", k)
    half_turns = check_real("half_turns", half_turns, positive=True)
    coeffs = [abs(c) for key, c in h.terms.items() if len(key) >= 2]
    coeffs = coeffs or [abs(c) for c in h.terms.values()]
    if not coeffs or max(coeffs) == 0:
        raise ValueError("hamiltonian has no Z terms: every (beta, gamma) gives the same energy")
    j_max = max(coeffs)
    if h.max_order > 2:
        first = G_REF / hamiltonian_scale_factor(h, "maxcut", "term-local")
        gammas = [first] + [m * np.pi / (2 * j_max) for m in range(1, k)]
        return [(BETA_REF, float(g), float("nan")) for g in gammas[:k]]
    top = half_turns * np.pi / (2 * j_max)
    count = int(np.ceil(top * _max_frequency(h) * POINTS_PER_PERIOD / (2 * np.pi)))
    gammas = np.linspace(0.0, top, min(max(count, MIN_POINTS), MAX_POINTS) + 1)[1:]
    prof = np.concatenate([best_beta(h, gammas[i:i + 512])[1]
                           for i in range(0, len(gammas), 512)])
    v = np.concatenate([[np.inf], prof, [np.inf]])
    minima = np.flatnonzero((v[1:-1] <= v[:-2]) & (v[1:-1] < v[2:]))
    first = int(minima[0])  # the first basin: the first local minimum from gamma -> 0+
    ranked = [int(i) for i in minima[np.argsort(prof[minima], kind="stable")]]
    dg = gammas[1] - gammas[0]
    found = {i: _refine(h, gammas[i], dg) for i in dict.fromkeys([first, *ranked[:4 * k]])}
    depth = h.constant - found[first][2]
    order: list[int] = []
    for i in sorted(found, key=lambda i: found[i][2]):  # periodic copies count once:
        copy = [n for n, j in enumerate(order)  # the one at the smallest gamma
                if abs(found[i][2] - found[j][2]) <= DUPLICATE_TOL * abs(depth)]
        if not copy:
            order.append(i)
        elif found[i][1] < found[order[copy[0]]][1]:
            order[copy[0]] = i
    if found[order[0]][2] > found[first][2] - FIRST_BASIN_MARGIN * abs(depth):
        order.remove(first)
        order.insert(0, first)
    return [found[i] for i in order[:k]]


def candidate_starts(hamiltonian: Any, p: int, k: int, half_turns: float = HALF_TURNS
                     ) -> np.ndarray:
    """``k`` ordered start points at depth ``p``, one per row, Qiskit's order
    ``[beta_0..beta_{p-1}, gamma_0..gamma_{p-1}]`` (fewer rows if the landscape has fewer
    local minima in range).

    Args:
        hamiltonian: a problem, ``DiagonalHamiltonian`` or ``SparsePauliOp`` (diagonal).
        p: depth (each p = 1 candidate repeated over the layers).
        k: how many candidates.
        half_turns: gamma range searched, in half-turns of the largest coupling's phase.

    Raises:
        ValueError: naming ``p``, ``k`` or ``half_turns`` when not positive, or an operator
            without Z terms.

    Example:
        >>> from qlstm_optimizer.qubo_problems import vertex_cover
        >>> x = candidate_starts(vertex_cover(9, 0.5, seed=3), p=2, k=3)
        >>> x.shape, bool(np.isfinite(x).all())
        ((3, 4), True)
    """
    p = check_count("p", p)
    rows = [[beta] * p + [gamma] * p for beta, gamma, _ in p1_candidates(hamiltonian, k,
                                                                          half_turns)]
    return np.asarray(rows, dtype=float)


__all__ = ["best_beta", "candidate_starts", "p1_candidates"]
