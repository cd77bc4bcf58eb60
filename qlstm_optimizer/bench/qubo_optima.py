"""Optimal QAOA energies of the general-Hamiltonian (``qubo``) part: a wide-gamma global search.

Why not :func:`qlstm_optimizer.optimum.optimal_qaoa_energy` alone: it searches
``|gamma| <= min(period / 2, 2 pi / s)`` (``s`` the coupling scale), about ten times the typical
optimal gamma. On penalty problems ``s`` is the penalty's size, and the landscape is oscillatory
in gamma: at gammas where the penalty's phases wrap around (its energies are multiples of the
penalty factor) the objective acts with a large effective angle, and the global optimum sits
there, far outside that window. Measured (p = 1): vertex cover n = 10 (seed 3), standard search
-53.35 at gamma 0.042, this one -55.85 at gamma 2.30; knapsack 8 items + 3 slack bits -1957.6
at gamma 0.000 against -1982.0 at gamma 3.05 (rho of the standard optimum against this one
0.955 and 0.988). A learned optimizer that finds the large-gamma optimum would score rho > 1.

The search here (:func:`wide_optima`):

* Domain: ``0 <= gamma <= G`` with ``G = max(standard window, pi / u)`` when every energy
  difference of the diagonal is an integer multiple of ``u`` (then the landscape has period
  ``2 pi / u`` in gamma and ``E(-x) = E(x)``, so ``[0, pi / u]`` covers everything; integer
  objectives and penalties give ``G = pi``), else ``G = max(standard window, 2 pi)``, the bound
  of Qiskit's QAOA ansatz (where its default random start is drawn). ``G`` is capped at
  :data:`MAX_GAMMA`.
* p = 1: a dense gamma grid, ``4 G f + 1`` points for ``f`` the largest summed |coefficient| on
  one qubit (four points per fastest local oscillation), at most :data:`MAX_GRID` (the choice
  is measured there); for each
  gamma the whole beta line from ``2 k + 1`` energies (``k`` the largest term order, the energy
  is a trigonometric polynomial in beta of degree ``2 k``; closed form for Z/ZZ Hamiltonians,
  statevectors otherwise); the :data:`NUM_POLISH` best local minima of the grid are polished
  with L-BFGS-B on exact adjoint gradients (gamma bounded by ``G``).
* p = 2: INTERP of the :data:`NUM_LIFTED` best polished p = 1 minima, the standard search's
  p = 2 optimum and TQA ramps of total time ``pi / 2`` and ``pi`` (the large-gamma region),
  each polished.
* Every depth keeps the standard search's result if it is lower, so this is never worse.

Cost (p = 1 and 2 together, shared 2-core machine): 3..15 s per instance at 6..14 qubits for most
classes, 35..100 s for 12..14-qubit knapsacks (penalty up to 2e3: the finest grid, and the
standard search alone takes 20 s). Cached by the bench like the other optima.

Example:
    >>> from qlstm_optimizer.qubo_problems import vertex_cover
    >>> opt = wide_optima(vertex_cover(6, 0.5, seed=1), [1])
    >>> opt[1]["energy"] <= opt[1]["standard"] < 0
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..angles import interp_angles, tqa_angles
from ..hamiltonian import as_hamiltonian
from ..optimum import _Landscape, optimal_qaoa_energy
from ..sim.analytic import analytic_p1_energy

MAX_GAMMA = 4 * np.pi
# Gamma grid points at p = 1, and local minima polished. Chosen on 6 knapsack instances (9..14
# qubits, the finest grids): 12000 points with 12 polishes found the optimum of 40000 points
# with 8 on all six, 6000 with 16 missed it twice; 16000 leaves a margin.
MAX_GRID = 16000
NUM_POLISH = 12
NUM_LIFTED = 6  # the best polished p = 1 minima lifted to p = 2 by INTERP
NUM_BETAS = 128  # beta grid (per beta period) read off the exact trigonometric polynomial


def energy_unit(diagonal: np.ndarray) -> float | None:
    """``u`` such that every energy difference is an integer multiple of it, or None.

    Example:
        >>> energy_unit(np.array([0.0, 1.5, 3.0, -4.5])), energy_unit(np.array([0.0, 1.0, np.pi]))
        (1.5, None)
    """
    values = np.unique(np.round(np.asarray(diagonal, float), 9))
    diffs = np.diff(values)
    if diffs.size == 0:
        return None
    span = values[-1] - values[0]
    for q in range(1, 25):
        u = diffs.min() / q
        r = (values - values[0]) / u
        if span / u <= 1e7 and np.all(np.abs(r - np.round(r)) <= 1e-6):
            return float(u)
    return None


def gamma_window(h: Any, standard_max: float) -> float:
    """``G`` of the module docstring: the gamma range searched."""
    u = energy_unit(h.diagonal())
    wide = np.pi / u if u is not None else 2 * np.pi
    return float(min(max(standard_max, wide), MAX_GAMMA))


def _grid_p1(land: _Landscape, h: Any, gmax: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Energies (relative) on the (gamma, beta) grid, and the two axes."""
    k = max(h.max_order, 1)
    m = 2 * k + 1
    field = np.zeros(h.num_qubits)
    for key, c in h.terms.items():
        field[list(key)] += abs(c)
    num_gamma = int(np.clip(np.ceil(4 * gmax * field.max()) + 1, 64, MAX_GRID))
    gammas = np.linspace(0.0, gmax, num_gamma)
    sample_betas = np.pi * np.arange(m) / m
    betas = np.linspace(-land.beta_period / 2, land.beta_period / 2, NUM_BETAS, endpoint=False)
    modes = np.exp(2j * np.outer(betas, np.fft.fftfreq(m, 1 / m)))
    closed = h.max_order <= 2
    chunk = 2048 if closed else max(1, 2**17 // (m * land.diag.size))
    grid = np.empty((num_gamma, betas.size))
    for start in range(0, num_gamma, chunk):
        g = gammas[start:start + chunk]
        xs = np.column_stack([np.tile(sample_betas, g.size), np.repeat(g, m)])
        e = analytic_p1_energy(h, xs) - h.constant if closed else land.energies(xs)
        coeffs = np.fft.fft(np.asarray(e).reshape(g.size, m), axis=1) / m
        grid[start:start + g.size] = np.real(coeffs @ modes.T)
    return grid, gammas, betas


def _local_minima(grid: np.ndarray, count: int) -> np.ndarray:
    """Flat indices of the ``count`` lowest local minima (beta periodic, gamma = 0 excluded)."""
    padded = np.pad(grid, ((1, 1), (0, 0)), mode="edge")
    is_min = np.ones_like(grid, dtype=bool)
    is_min[0] = False
    for dg, db in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        is_min &= grid <= np.roll(padded, (dg, db), axis=(0, 1))[1:-1]
    idx = np.flatnonzero(is_min.ravel())
    idx = idx[np.argsort(grid.ravel()[idx], kind="stable")][:count]
    return idx if idx.size else np.array([int(np.argmin(grid))])


def wide_optima(problem: Any, depths: list[int]) -> dict[int, dict[str, Any]]:
    """Relative optimal energies at ``depths`` (each of 1 and 2): ``{p: {"energy": wide search
    (never above the standard one), "standard": optimal_qaoa_energy's, "x": angles,
    "gamma_window": G}}``.

    Raises:
        ValueError: a depth other than 1 or 2 (the part runs p = 1, 2).
    """
    bad = [p for p in depths if p not in (1, 2)]
    if bad:
        raise ValueError(f"depths: the wide search covers p = 1, 2, got {bad}")
    h = as_hamiltonian(problem)
    rel = h.without_constant()
    family = getattr(problem, "family", None)
    family = family if family in ("maxcut", "sk") else None
    chain: dict = {}
    std = {p: optimal_qaoa_energy(h, p, family=family, cache=chain)
           for p in range(1, max(depths) + 1)}
    land = _Landscape(rel)
    gmax = gamma_window(rel, land.gamma_max)
    land.gamma_max = gmax  # the polish's gamma bound (see the module docstring)
    grid, gammas, betas = _grid_p1(land, rel, gmax)
    minima = []
    for i in _local_minima(grid, NUM_POLISH):
        gi, bi = divmod(int(i), betas.size)
        minima.append(land.polish(np.array([betas[bi], gammas[gi]])))
    minima.sort(key=lambda r: r[0])
    out: dict[int, dict[str, Any]] = {}
    best1 = min(minima[0], (std[1].relative_energy, std[1].x), key=lambda r: r[0])
    out[1] = {"energy": float(best1[0]), "standard": float(std[1].relative_energy),
              "x": np.asarray(best1[1]).tolist(), "gamma_window": gmax}
    if 2 in depths:
        x1 = np.asarray(best1[1])
        best2 = (best1[0], np.array([x1[0], 0.0, x1[1], 0.0]))  # identity layer: p = 1's energy
        starts = [interp_angles(x) for _, x in minima[:NUM_LIFTED]] + [std[2].x]
        starts += [tqa_angles(2, dt) for dt in (np.pi / 2, np.pi)]
        for x0 in starts:
            best2 = min(best2, land.polish(np.asarray(x0, float)), key=lambda r: r[0])
        best2 = min(best2, (std[2].relative_energy, std[2].x), key=lambda r: r[0])
        out[2] = {"energy": float(best2[0]), "standard": float(std[2].relative_energy),
                  "x": np.asarray(best2[1]).tolist(), "gamma_window": gmax}
    return {p: out[p] for p in depths}


__all__ = ["MAX_GAMMA", "MAX_GRID", "NUM_LIFTED", "NUM_POLISH", "energy_unit", "gamma_window",
           "wide_optima"]
