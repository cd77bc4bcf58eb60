"""Candidate QAOA start points computed from the operator alone, for penalty problems.

Why: on constrained problems (vertex cover, stable set, TSP, knapsack) the global p = 1 optimum
sits at a large gamma where the penalty's phases (nearly) realign, while a search started from
small gamma stays in the first basin at rho ~0.95 (docs/design.md, "Units for fields and
penalties" and "Start candidates for penalty problems"). For Z + ZZ operators the p = 1 energy
has a closed form costing O(edges x degree) per point and no statevector
(:mod:`qlstm_optimizer.sim.analytic`), and for one gamma its beta dependence is a trigonometric
polynomial fixed by a few energies, so the profile ``min_beta E(beta, gamma)`` is cheap:

* out to ``half_turns`` half-turns of the largest coupling's phase (``2 gamma J_max = pi``
  each), sampled at the fastest frequency the energy can hold (vertex cover, stable set, TSP);
* near every exact realignment of the couplings' lattice unit ``u`` (``gamma_m = m pi / (2u)``)
  out to the landscape's period, where the penalty sees only ``gamma - gamma_m`` and so has a
  copy of its first basin there (knapsack: ``gamma* = m pi / P`` up to that offset).

Their best local minima, polished, are the candidates, ordered by that exact energy, periodic
copies once, the first basin (the optimum met from gamma -> 0+, where the Max-Cut and SK models
start) first unless another is better by ``FIRST_BASIN_MARGIN`` of its depth. Operators with
terms of order 3+ (no closed form) get, by statevector up to ``STATEVECTOR_QUBITS`` qubits, the
best point of the profile on ``(0, 3 G_REF / c]`` (term-local units) and the best of
``gamma = m pi / (2 J_max)``, polished; beyond that many qubits ``G_REF / c`` and those gammas
with ``BETA_REF``, unranked. At depth p each p = 1 candidate is repeated
over the layers (INTERP of one layer).

Example:
    >>> from qlstm_optimizer.problems import regular
    >>> x = candidate_starts(regular(8, 3, seed=0), p=1, k=3)
    >>> x.shape, bool(abs(x[0, 1] - 0.58) < 0.01)  # Max-Cut: one basin (and its copies)
    ((1, 2), True)
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd, lcm
from typing import Any

import numpy as np

from .hamiltonian import as_hamiltonian
from .options import check_count, check_real
from .sim.analytic import analytic_p1_energy
from .sim.numpy_qaoa import qaoa_energy
from .units import hamiltonian_scale_factor

# Half-turns of the largest coupling's phase profiled densely (gamma up to HALF_TURNS pi /
# (2 J_max)): the study's global optima sit at 0.5-4 half-turns on vertex cover, stable set
# and TSP; knapsack's further out, at lattice realignments (probed separately).
HALF_TURNS = 8
# Profile samples per period of the fastest frequency the p = 1 energy can hold (2 = Nyquist
# for the bound of benchmarks.p1_landscape.max_gamma_frequency; the weight up there is tiny).
POINTS_PER_PERIOD = 2
MAX_POINTS = 20_000  # cap on profile gammas (cost ~ 3 closed-form energies per gamma)
MIN_POINTS = 64
THETA_GRID = 256  # 2 beta resolution of best_beta's first pass (then 32x, 1024x)
# The first basin stays the first candidate unless another beats it by this share of the
# first basin's depth below the uniform-superposition energy.
FIRST_BASIN_MARGIN = 0.02
# First-basin reference in term-local units and the p = 1 beta of the fixed-angle tables
# (Qiskit's sign convention, gamma > 0): for the order-3+ fallback.
G_REF = 0.59
MAX_REALIGNMENTS = 256  # coupling realignments probed (knapsack at n <= 12: m <= P < 128)
# Optima whose energies agree to this share of the depth are copies (periodic images).
DUPLICATE_TOL = 1e-7
BETA_REF = -np.pi / 8
STATEVECTOR_QUBITS = 16  # order 3+: best beta by statevector up to here, else BETA_REF
FIRST_BASIN_POINTS = 48  # order 3+: profile points on (0, 3 G_REF / c] for the first basin


def _theta_coefficients(h: Any, gammas: np.ndarray) -> np.ndarray:
    """Fourier coefficients (G, K + 1) of the p = 1 energy in ``t = 2 beta`` per gamma.

    For one gamma the energy is a trigonometric polynomial in ``t`` of degree <= the highest
    term order K (each of a term's K factors rotates by ``cos t Z + sin t Y``), so ``2K + 1``
    exact energies fix it; for Z + ZZ they come from the closed form (no statevector)."""
    m = 2 * h.max_order + 1
    samples = 2 * np.pi * np.arange(m) / m
    batch = np.column_stack([np.tile(samples / 2, len(gammas)), np.repeat(gammas, m)])
    e = analytic_p1_energy(h, batch) if h.max_order <= 2 else qaoa_energy(h, batch)
    return np.fft.rfft(np.asarray(e).reshape(len(gammas), m), axis=1) / m


def _energy_at(coef: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Energies (G, T) at ``t`` (T,) or (G, T) from the coefficients of each gamma."""
    t = np.broadcast_to(t, (coef.shape[0], np.shape(t)[-1]))
    waves = np.exp(1j * np.arange(coef.shape[1])[None, :, None] * t[:, None, :])
    return 2 * np.einsum("gk,gkt->gt", coef, waves).real - coef[:, :1].real


def best_beta(hamiltonian: Any, gammas: Any) -> tuple[np.ndarray, np.ndarray]:
    """The beta minimising the exact p = 1 energy at each gamma, and that energy:
    ``(betas, energies)``, betas in (-pi/2, pi/2]. Z + ZZ operators of any size (closed form);
    operators with terms of order 3+ by statevector, up to ``STATEVECTOR_QUBITS`` qubits.

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
    if h.max_order > 2 and h.num_qubits > STATEVECTOR_QUBITS:
        raise ValueError(f"hamiltonian has terms of order {h.max_order} on {h.num_qubits} "
                         f"qubits: no closed form, and over {STATEVECTOR_QUBITS} qubits the "
                         "statevector is too costly for a start heuristic")
    coef = _theta_coefficients(h, g)
    step = 2 * np.pi / THETA_GRID
    t = np.broadcast_to(np.linspace(-np.pi + step, np.pi, THETA_GRID), (len(g), THETA_GRID))
    rows = np.arange(len(g))
    for _ in range(3):  # the grid, then two passes 32x finer around its minimum
        e = _energy_at(coef, t)
        best = t[rows, e.argmin(axis=1)]
        t = best[:, None] + step * np.linspace(-1, 1, 65)[None]
        step /= 32
    e = _energy_at(coef, t)
    i = e.argmin(axis=1)
    return t[rows, i] / 2, e[rows, i]


def _max_frequency(h: Any) -> float:
    """Bound on the p = 1 energy's angular frequency in gamma (benchmarks.p1_landscape)."""
    d = np.zeros(h.num_qubits)
    for key, c in h.terms.items():
        d[list(key)] += abs(c)
    return 2.0 * max(max((d[list(key)].sum() for key in h.terms), default=0.0), d.max())


def _lattice_unit(coeffs: list[float]) -> float | None:
    """Largest ``u`` with every coefficient an integer multiple of it (to 1e-9 relative, with
    denominators up to 10**4 relative to the largest), or None."""
    top = max(coeffs)
    fracs = [Fraction(c / top).limit_denominator(10**4) for c in coeffs]
    if any(abs(float(f) - c / top) > 1e-9 for f, c in zip(fracs, coeffs, strict=True)):
        return None
    den = lcm(*(f.denominator for f in fracs))
    return top * gcd(*(f.numerator * (den // f.denominator) for f in fracs)) / den


def _refine(h: Any, centers: Any, width: float) -> list[tuple[float, float, float]]:
    """Each center's profile minimum on [center - width, center + width], all centers in one
    batch per pass: 33 points, then twice 33 points 16x closer. (beta, gamma, energy) each."""
    g = np.asarray(centers, dtype=float)[:, None]
    rows = np.arange(len(g))
    for _ in range(3):
        grid = g + width * np.linspace(-1, 1, 33)[None]
        betas, energies = (v.reshape(grid.shape) for v in best_beta(h, grid.ravel()))
        i = energies.argmin(axis=1)
        g, width = grid[rows, i][:, None], width / 16
    return [(float(b), float(x), float(e))
            for b, x, e in zip(betas[rows, i], g[:, 0], energies[rows, i], strict=True)]


def _ordered(found: dict, first: Any, k: int, constant: float) -> list:
    """The candidates ``found[key] = (beta, gamma, energy)`` best first, periodic copies once
    (the one at the smallest gamma), ``first`` (the first basin) moved to the front unless
    another is better by ``FIRST_BASIN_MARGIN`` of its depth."""
    depth = abs(constant - found[first][2])
    order: list = []
    for i in sorted(found, key=lambda i: found[i][2]):
        copy = [n for n, j in enumerate(order)
                if abs(found[i][2] - found[j][2]) <= DUPLICATE_TOL * depth]
        if not copy:
            order.append(i)
        elif found[i][1] < found[order[copy[0]]][1]:
            order[copy[0]] = i
    if first in order and found[order[0]][2] > found[first][2] - FIRST_BASIN_MARGIN * depth:
        order.remove(first)
        order.insert(0, first)
    return [found[i] for i in order[:k]]


def p1_candidates(hamiltonian: Any, k: int, half_turns: float = HALF_TURNS,
                  realign: bool = True) -> list[tuple[float, float, float]]:
    """Up to ``k`` p = 1 candidates ``(beta, gamma, energy)``, ordered (module doc), with the
    exact p = 1 energy (nan for order 3+ over ``STATEVECTOR_QUBITS`` qubits: not ranked).
    ``realign``: also probe the exact coupling realignments beyond ``half_turns``."""
    h = as_hamiltonian(hamiltonian)
    k = check_count("k", k)
    half_turns = check_real("half_turns", half_turns, positive=True)
    coeffs = [abs(c) for key, c in h.terms.items() if len(key) >= 2]
    coeffs = coeffs or [abs(c) for c in h.terms.values()]
    if not coeffs or max(coeffs) == 0:
        raise ValueError("hamiltonian has no Z terms: every (beta, gamma) gives the same energy")
    j_max = max(coeffs)
    if h.max_order > 2:  # no closed form: the first basin near G_REF / c, realignment gammas
        g_ref = G_REF / hamiltonian_scale_factor(h, "maxcut", "term-local")
        gammas = np.array([g_ref, *(m * np.pi / (2 * j_max) for m in range(1, 2 * k))])
        if h.num_qubits > STATEVECTOR_QUBITS:
            return [(BETA_REF, float(g), float("nan")) for g in gammas[:k]]
        near = np.linspace(0.0, 3 * g_ref, FIRST_BASIN_POINTS + 1)[1:]
        prof = best_beta(h, near)[1]
        low = int(np.argmin(prof))  # not the first local minimum: LABS has shallow ones first
        energies = best_beta(h, gammas[1:])[1]
        keys = np.argsort(energies, kind="stable")[:k]
        found = dict(enumerate(_refine(h, [near[low], *gammas[1:][keys]],
                                       min(near[0], np.pi / (8 * j_max)))))
        return _ordered(found, 0, k, h.constant)
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
    keys = list(dict.fromkeys([first, *ranked[:2 * k]]))
    found = dict(zip(keys, _refine(h, gammas[keys], dg), strict=True))
    # near exact realignments of every coupling (gamma_m = m pi / (2 u), u their lattice unit),
    # out to the landscape's period: gamma_m + delta acts on the penalty like delta, so each
    # has a copy of the first basin at an offset ~ gamma_1, with the objective's phase grown
    # by gamma_m (knapsack's global optima: far beyond half_turns of the largest coupling)
    u_j, u_all = _lattice_unit(coeffs), _lattice_unit([abs(c) for c in h.terms.values()])
    if realign and u_j is not None and u_all is not None:
        turns = min(int(round(u_j / u_all)), MAX_REALIGNMENTS)
        lattice = np.arange(1, turns + 1) * np.pi / (2 * u_j)
        lattice = lattice[lattice > top]
        gamma1 = found[first][1]
        if len(lattice):
            grid = lattice[:, None] + gamma1 * np.linspace(-1.5, 1.5, 7)[None]
            energies = best_beta(h, grid.ravel())[1].reshape(grid.shape)
            near = energies.argmin(axis=1)
            top_m = np.argsort(energies.min(axis=1), kind="stable")[:2 * k]
            refined = _refine(h, grid[top_m, near[top_m]], gamma1 / 4)
            found.update({("lattice", int(m)): x for m, x in zip(top_m, refined, strict=True)})
    return _ordered(found, first, k, h.constant)


# The closed-form p = 1 energy costs ~ sum over couplings of the two spins' degrees per point,
# and first_basin evaluates ~700 points: above this much work per point (about a second here;
# dense 40-spin operators) a caller should not wait for it (minimize_qaoa then keeps the
# learned anchor).
BASIN_MAX_WORK = 50_000


def basin_work(hamiltonian: Any) -> float:
    """The closed-form cost of one p = 1 energy of a Z + ZZ operator (the sum over its
    couplings of both spins' coupling counts); 0 for operators of order 3+, whose first basin
    is bounded by ``STATEVECTOR_QUBITS`` instead.

    Example:
        >>> from qlstm_optimizer.problems import regular
        >>> basin_work(regular(8, 3, seed=0))  # 12 edges, degree 3 at both ends
        72.0
    """
    h = as_hamiltonian(hamiltonian)
    if h.max_order > 2:
        return 0.0
    pairs, _ = h.couplings()
    if not len(pairs):
        return 0.0
    degree = np.bincount(pairs.ravel(), minlength=h.num_qubits)
    return float((degree[pairs[:, 0]] + degree[pairs[:, 1]]).sum())


def first_basin(hamiltonian: Any) -> tuple[float, float]:
    """The p = 1 optimum ``(beta, gamma)`` of the first basin: the best point of the profile
    ``min_beta E(beta, gamma)`` on ``(0, 3 G_REF / c]`` (``c`` the term-local scale), polished;
    beta in (-pi/2, pi/2], in [-pi/2, 0) for operators with even-order terms only.

    Why: term-local units put every class's first-basin gamma near ``G_REF`` but leave a spread
    (std of log 0.16) and the best beta differs by class; this is the instance's own, exact,
    from the operator alone (closed form for Z + ZZ; statevector for order 3+ up to
    ``STATEVECTOR_QUBITS`` qubits, beyond that ``(BETA_REF, G_REF / c)``). Penalty problems'
    realigned optima lie 8x and further out, so they are never it: the first basin samples
    the optimal solutions far more often (docs/design.md "A general-family model").

    Example:
        >>> from qlstm_optimizer.problems import regular
        >>> beta, gamma = first_basin(regular(8, 3, seed=0))
        >>> round(beta, 2), round(gamma, 2)  # near the 3-regular table's (-0.39, 0.62)
        (-0.36, 0.58)
    """
    h = as_hamiltonian(hamiltonian)
    if not h.terms or max(abs(c) for c in h.terms.values()) == 0:
        raise ValueError("hamiltonian has no Z terms: every (beta, gamma) gives the same energy")
    g_ref = G_REF / hamiltonian_scale_factor(h, "maxcut", "term-local")
    if h.max_order > 2 and h.num_qubits > STATEVECTOR_QUBITS:
        return BETA_REF, float(g_ref)
    near = np.linspace(0.0, 3 * g_ref, FIRST_BASIN_POINTS + 1)[1:]
    low = int(np.argmin(best_beta(h, near)[1]))
    beta, gamma, _ = _refine(h, [near[low]], near[0])[0]
    if all(len(key) % 2 == 0 for key in h.terms if key):
        # even-order terms only (ZZ, ZZZZ): beta has period pi / 2; the branch in [-pi/2, 0)
        # is the learned anchors' (Qiskit's sign convention with gamma > 0)
        beta = (beta + np.pi / 2) % (np.pi / 2) - np.pi / 2
    return float(beta), gamma


def candidate_starts(hamiltonian: Any, p: int, k: int, half_turns: float = HALF_TURNS
                     ) -> np.ndarray:
    """``k`` ordered start points at depth ``p``, one per row, Qiskit's order
    ``[beta_0..beta_{p-1}, gamma_0..gamma_{p-1}]`` (fewer rows if the landscape has fewer
    local minima in range).

    Args:
        hamiltonian: a problem, ``DiagonalHamiltonian`` or ``SparsePauliOp`` (diagonal).
        p: depth (each p = 1 candidate repeated over the layers: for a realigned candidate a
            weak depth-p start, design.md's depth-2 table; pair it with the first basin's).
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


__all__ = ["BASIN_MAX_WORK", "basin_work", "best_beta", "candidate_starts", "first_basin",
           "p1_candidates"]
