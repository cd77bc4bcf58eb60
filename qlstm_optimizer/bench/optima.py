"""Optimal QAOA energies for the denominators of rho, and their on-disk cache.

Depth p <= 3 at n <= 16: :func:`qlstm_optimizer.optimum.optimal_qaoa_energy` (a chain of
INTERP-seeded and multi-start local searches on exact statevector energies). n > 16 at p = 1:
:func:`analytic_p1_optimum` on the closed-form p = 1 expectation
(:func:`qlstm_optimizer.sim.analytic.analytic_p1_energy`), exact at any size: for Ising
Hamiltonians with terms of order <= k the energy at fixed gamma is a trigonometric polynomial in
beta with frequencies 2l, |l| <= k, so 2k + 1 evaluations per gamma give the whole beta line
exactly; a dense gamma grid, then L-BFGS-B polishing of the best grid minima, gives the optimum.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from ..instances import default_cache_dir
from ..optimum import optimal_qaoa_energy
from ..sim.analytic import analytic_p1_energy
from ..units import coupling_scale
from .suites import BenchInstance


def analytic_energy_fn(h: Any) -> Any:
    """``x -> <H>`` at p = 1 by the closed form (exact at any size)."""
    return lambda x: float(analytic_p1_energy(h, np.asarray(x, float)))


def analytic_p1_optimum(h: Any, num_gamma: int | None = None, num_polish: int = 3
                        ) -> tuple[float, np.ndarray]:
    """Optimal p = 1 energy (relative to the Hamiltonian's constant) and its angles.

    Search domain as in :mod:`qlstm_optimizer.optimum`: ``E(-x) = E(x)`` so ``gamma >= 0``;
    beta has period pi/2 (even-order terms) or pi; gamma is searched in
    ``[0, min(pi, 2 pi / s)]`` with ``s`` the coupling scale (the optimum sits near 0.5/s).
    """
    f = analytic_energy_fn(h)
    const = float(h.constant)
    k = max(h.max_order, 1)
    m = 2 * k + 1
    even = all(len(t) % 2 == 0 for t in h.terms)
    beta_period = np.pi / 2 if even else np.pi
    s = coupling_scale(h)
    gamma_max = min(np.pi, 2 * np.pi / s) if s > 0 else np.pi
    if num_gamma is None:
        field = np.zeros(h.num_qubits)
        for key, c in h.terms.items():
            field[list(key)] += abs(c)
        num_gamma = int(np.clip(np.ceil(4 * gamma_max * field.max()) + 1, 64, 400))
    gammas = np.linspace(0.0, gamma_max, num_gamma)
    sample_betas = np.pi * np.arange(m) / m
    betas = np.linspace(-beta_period / 2, beta_period / 2, 96, endpoint=False)
    modes = np.exp(2j * np.outer(betas, np.fft.fftfreq(m, 1 / m)))
    grid = np.empty((num_gamma, betas.size))
    for i, g in enumerate(gammas):
        samples = np.array([f([b, g]) for b in sample_betas]) - const
        grid[i] = np.real(modes @ (np.fft.fft(samples) / m))
    # Best local minima of the grid (periodic in beta), then polish each.
    padded = np.pad(grid, ((1, 1), (0, 0)), mode="edge")
    is_min = np.ones_like(grid, dtype=bool)
    for dg, db in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        is_min &= grid <= np.roll(padded, (dg, db), axis=(0, 1))[1:-1]
    idx = np.flatnonzero(is_min.ravel())
    idx = idx[np.argsort(grid.ravel()[idx], kind="stable")][:num_polish]
    best = (np.inf, np.zeros(2))
    for i in idx:
        gi, bi = divmod(int(i), betas.size)
        res = minimize(lambda x: f(x) - const, np.array([betas[bi], gammas[gi]]),
                       method="L-BFGS-B", options={"ftol": 1e-14, "gtol": 1e-10, "eps": 1e-7})
        cand = min((float(res.fun), np.asarray(res.x)), (float(grid.flat[i]),
                   np.array([betas[bi], gammas[gi]])), key=lambda r: r[0])
        best = min(best, cand, key=lambda r: r[0])
    return best


def cache_path(cache_dir: str | Path | None = None) -> Path:
    base = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return base / "bench" / "optima.json"


class OptimumCache:
    """``{instance key: {str(p): relative optimal energy}}`` persisted as JSON (atomic writes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, dict[str, float]] = {}
        if path.exists():
            self.data = json.loads(path.read_text())

    def get(self, key: str, p: int) -> float | None:
        return self.data.get(key, {}).get(str(p))

    def put(self, key: str, p: int, value: float) -> None:
        self.data.setdefault(key, {})[str(p)] = float(value)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(self.data, f)
        os.replace(tmp, self.path)


def compute_optima(inst: BenchInstance, depths: list[int]) -> dict[int, float]:
    """Relative optimal QAOA energies of ``inst`` at each depth (chained: p uses p-1).

    n > 16 is only benchmarked at p = 1, where the dense-grid optimum of the closed form is
    used (:func:`analytic_p1_optimum`); the statevector search would take minutes."""
    if inst.n > 16 and depths == [1]:
        return {1: analytic_p1_optimum(inst.relative)[0]}
    cache: dict = {}
    out = {}
    for p in sorted(depths):
        opt = optimal_qaoa_energy(inst.problem, p, family=inst.family, cache=cache)
        out[p] = float(opt.relative_energy)
    return out
