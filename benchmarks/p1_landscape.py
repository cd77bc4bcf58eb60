"""The global p = 1 QAOA optimum of any diagonal Hamiltonian, resolved over the periodic box.

Used by ``benchmarks.field_units`` (docs/design.md, "Units for fields and penalties").

Why not a plain (beta, gamma) grid: penalty terms many times larger than the objective make the
energy oscillate in gamma with a period ~1 / (penalty size), while the box the optimum can sit in
is set by the *smallest* coefficient unit (the gamma period). This module reduces the search to
one dimension and samples it at the fastest frequency the energy can contain:

* For one gamma, the p = 1 energy is a trigonometric polynomial in ``theta = 2 beta`` of degree
  at most ``K`` (the highest term order: ``exp(i beta X) Z exp(-i beta X) = cos(2 beta) Z +
  sin(2 beta) Y`` for each of a term's ``K`` factors). ``2K + 1`` samples determine it exactly;
  for Z + ZZ operators the closed form
  ``E = const + A sin(theta) + B sin(2 theta) + C sin(theta)**2``
  gives ``A, B, C`` directly (:func:`ising_profile_terms`).
* In gamma a term's expectation contains frequencies up to ``2 (D_u + D_v)``, ``D_q`` the sum
  of ``|c|`` over the terms touching qubit q (:func:`max_gamma_frequency`); the gamma grid
  samples that frequency POINTS_PER_PERIOD times per period.
* If every coefficient is an integer multiple of ``u``, ``exp(-i pi/u H)`` is a global phase:
  gamma has period ``pi/u``, and with ``E(-beta, -gamma) = E(beta, gamma)`` the half period
  ``(0, pi/(2u)]`` with all betas is the whole landscape (:func:`gamma_box`).

The best grid points of the profile are then polished with Nelder-Mead on the exact energy.

Example:
    >>> from qlstm_optimizer.problems import regular
    >>> opt = global_p1_optimum(regular(8, 3, seed=0))
    >>> round(opt.gamma, 2), opt.box_is_period
    (0.58, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import gcd
from typing import Any

import numpy as np
from scipy.optimize import minimize

from qlstm_optimizer.hamiltonian import as_hamiltonian
from qlstm_optimizer.sim import engine
from qlstm_optimizer.sim.analytic import analytic_p1_energy
from qlstm_optimizer.sim.numpy_qaoa import qaoa_energy

# Coefficients are a lattice if each is within this (relative to the largest) of a rational
# with denominator <= MAX_DENOMINATOR; otherwise the gamma box stops where the largest
# coefficient has turned NON_LATTICE_TURNS half-periods (far past any useful optimum; beyond it
# incommensurate phases only realign by accident).
LATTICE_TOL = 1e-9
MAX_DENOMINATOR = 10**4
NON_LATTICE_TURNS = 1000
# Gamma samples per period of the fastest frequency the energy can hold: 2 is Nyquist for that
# bound, which is far above the frequencies with any weight (a product of k cosines has weight
# ~2**-k at its top frequency); 16 candidates are polished. Checked against 8 points per
# period on 15 knapsack / TSP / portfolio / number-partitioning / vertex-cover instances:
# the same optimum on every one.
POINTS_PER_PERIOD = 2
THETA_GRID = 64  # beta resolution of the profile (it only ranks candidates; the polish is exact)
MAX_GAMMA_POINTS = 400_000
CHUNK = 128  # gammas per block: the (block, pairs, n) work arrays stay in cache


@dataclass
class P1Optimum:
    beta: float
    gamma: float
    energy: float
    constant: float  # energy of the uniform superposition (rho = 0)
    box: float  # gammas searched: (0, box]
    box_is_period: bool
    gammas: np.ndarray  # the profile's gamma grid
    profile: np.ndarray  # min over beta of the energy, per grid gamma
    best_theta: np.ndarray  # 2 beta of that minimum

    def rho(self, energy: float) -> float:
        """(constant - energy) / (constant - optimal energy): 1 = the global p = 1 optimum."""
        return float((self.constant - energy) / (self.constant - self.energy))


def lattice_unit(coeffs: Any) -> float | None:
    """Largest ``u`` with every coefficient an integer multiple of it, or None."""
    c = np.abs(np.asarray(coeffs, dtype=float))
    top = c.max()
    fracs = [Fraction(float(v) / top).limit_denominator(MAX_DENOMINATOR) for v in c]
    if any(abs(float(f) - v / top) > LATTICE_TOL for f, v in zip(fracs, c, strict=True)):
        return None
    den = 1
    for f in fracs:
        den = den * f.denominator // gcd(den, f.denominator)
    num = 0
    for f in fracs:
        num = gcd(num, f.numerator * (den // f.denominator))
    return top * num / den


def gamma_box(h: Any) -> tuple[float, bool]:
    """``(box, is_period)``: gammas in ``(0, box]`` hold the global optimum (see module doc)."""
    coeffs = list(h.terms.values())
    u = lattice_unit(coeffs)
    if u is None:
        return NON_LATTICE_TURNS * np.pi / (2 * max(abs(c) for c in coeffs)), False
    return np.pi / (2 * u), True


def max_gamma_frequency(h: Any) -> float:
    """Bound on the angular frequency of the p = 1 energy in gamma (module doc)."""
    d = np.zeros(h.num_qubits)
    for key, c in h.terms.items():
        d[list(key)] += abs(c)
    top = max((sum(d[q] for q in key) for key in h.terms), default=0.0)
    return 2.0 * max(top, d.max())


def ising_profile_terms(h: Any, gammas: np.ndarray) -> np.ndarray:
    """``(A, B, C)`` (3, G) of ``E = const + A sin(2b) + B sin(4b) + C sin(2b)**2`` (Z + ZZ)."""
    field, j = h.linear, h.quadratic
    g = 2.0 * np.asarray(gammas, dtype=float)[:, None]
    cj = np.cos(g[:, :, None] * j[None])  # (G, n, n), diagonal 1
    a = (field * np.sin(g * field) * cj.prod(axis=2)).sum(axis=1)
    pairs, w = h.couplings()
    if w.size == 0:
        return np.stack([a, np.zeros_like(a), np.zeros_like(a)])
    u, v = pairs[:, 0], pairs[:, 1]
    rows = np.arange(w.size)
    keep = np.ones((w.size, h.num_qubits), dtype=bool)
    keep[rows, u] = keep[rows, v] = False  # products over w != u, v
    sj = np.sin(g[:, :, None] * j[None])
    cu, cv, su, sv = cj[:, u, :], cj[:, v, :], sj[:, u, :], sj[:, v, :]
    pu = np.where(keep, cu, 1.0).prod(axis=2)
    pv = np.where(keep, cv, 1.0).prod(axis=2)
    b = (0.5 * w * np.sin(g * w) * (np.cos(g * field[u]) * pu + np.cos(g * field[v]) * pv)).sum(1)
    # cos(2g (J_uw +- J_vw)) by the addition theorem: no further cosines of (G, m, n) arrays
    cc, ss = cu * cv, su * sv
    plus = np.where(keep, cc - ss, 1.0).prod(axis=2)
    minus = np.where(keep, cc + ss, 1.0).prod(axis=2)
    c = (-0.5 * w * (np.cos(g * (field[u] + field[v])) * plus
                     - np.cos(g * (field[u] - field[v])) * minus)).sum(1)
    return np.stack([a, b, c])


def _theta_coefficients(h: Any, gammas: np.ndarray, order: int) -> tuple[np.ndarray, int]:
    """Fourier coefficients (G, order + 1) in theta = 2 beta, from 2 order + 1 samples."""
    m = 2 * order + 1
    thetas = 2 * np.pi * np.arange(m) / m
    params = np.array([[t / 2, g] for g in gammas for t in thetas])
    e = engine.energies(np.ascontiguousarray(h.diagonal()), params).reshape(len(gammas), m)
    return np.fft.rfft(e, axis=1) / m, m


def profile(h: Any, gammas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Min over beta of the p = 1 energy at each gamma, and the ``2 beta`` attaining it."""
    theta = np.linspace(-np.pi, np.pi, THETA_GRID, endpoint=False)
    if h.max_order <= 2:
        a, b, c = ising_profile_terms(h, gammas)
        e = (a[:, None] * np.sin(theta) + b[:, None] * np.sin(2 * theta)
             + c[:, None] * np.sin(theta) ** 2 + h.constant)
    else:
        coef, m = _theta_coefficients(h, gammas, h.max_order)
        k = np.arange(coef.shape[1])
        basis = np.exp(1j * k[:, None] * theta[None])  # real signal: 2 Re of the positive part
        e = (2 * (coef @ basis).real - coef[:, :1].real)
    best = e.argmin(axis=1)
    return e[np.arange(len(gammas)), best], theta[best]


def energy_function(h: Any):
    """The exact p = 1 energy ``f([beta, gamma])`` (closed form for Z + ZZ)."""
    if h.max_order <= 2:
        return lambda x: float(analytic_p1_energy(h, x))
    return lambda x: float(qaoa_energy(h, x))


def polish(h: Any, beta: float, gamma: float, dgamma: float) -> tuple[float, float, float]:
    """Nelder-Mead from (beta, gamma) on the exact energy: (beta, gamma, energy).

    Runs in (beta, gamma / dgamma), so both coordinates move on the grid's scale."""
    f = energy_function(h)
    scale = sum(abs(c) for c in h.terms.values())
    x0 = np.array([beta, gamma / dgamma])
    simplex = np.array([x0, x0 + [0.05, 0.0], x0 + [0.0, 0.5]])
    res = minimize(lambda y: f([y[0], y[1] * dgamma]), x0, method="Nelder-Mead",
                   options={"initial_simplex": simplex, "xatol": 1e-7, "fatol": 1e-12 * scale,
                            "maxiter": 600})
    return float(res.x[0]), float(res.x[1] * dgamma), float(res.fun)


def local_minima(values: np.ndarray) -> np.ndarray:
    """Indices of the grid's local minima (plateaus counted once), best first."""
    v = np.concatenate([[np.inf], values, [np.inf]])
    idx = np.flatnonzero((v[1:-1] <= v[:-2]) & (v[1:-1] < v[2:]))
    return idx[np.argsort(values[idx])]


def reduce_box(h: Any, box: float) -> float:
    """Halve the box while the profile is mirror-symmetric about its middle.

    At half a period ``exp(-i gamma H)`` is a product of Z strings (the terms with odd
    multiples of the unit); when that is the identity or all of Z^n (every penalty encoding
    with unit-multiple fields), ``E(beta, box - gamma)`` equals ``E(+-beta, gamma)`` and the
    optimum's smallest representative lies in the lower half.
    """
    probe = np.array([0.0771, 0.1372, 0.2913, 0.4131])
    scale = sum(abs(c) for c in h.terms.values())
    for _ in range(8):
        left = profile(h, box * probe)[0]
        right = profile(h, box * (1 - probe))[0]
        if np.max(np.abs(left - right)) > 1e-9 * scale:
            break
        box /= 2
    return box


def global_p1_optimum(hamiltonian: Any, candidates: int = 16) -> P1Optimum:
    """The global p = 1 optimum over the periodic box (module doc), gamma > 0."""
    h = as_hamiltonian(hamiltonian)
    box, periodic = gamma_box(h)
    if periodic:
        box = reduce_box(h, box)
    count = int(np.ceil(box * max_gamma_frequency(h) * POINTS_PER_PERIOD / (2 * np.pi)))
    count = min(max(count, 64), MAX_GAMMA_POINTS)
    gammas = np.linspace(box / count, box, count)
    parts = [profile(h, gammas[i:i + CHUNK]) for i in range(0, count, CHUNK)]
    prof = np.concatenate([p[0] for p in parts])
    theta = np.concatenate([p[1] for p in parts])
    best = None
    dgamma = gammas[1] - gammas[0]
    for i in local_minima(prof)[:candidates]:
        cand = polish(h, theta[i] / 2, gammas[i], dgamma)
        if best is None or cand[2] < best[2]:
            best = cand
    beta, gamma, energy = best
    if gamma < 0:  # E(-beta, -gamma) = E(beta, gamma): report gamma > 0
        beta, gamma = -beta, -gamma
    return P1Optimum(beta, gamma, energy, h.constant, box, periodic, gammas, prof, theta)


def nearest_local_optimum(opt: P1Optimum, hamiltonian: Any, gamma0: float
                          ) -> tuple[float, float, float]:
    """The local optimum a local search from gamma0 (best beta there) reaches: descend the
    profile grid from the grid point nearest gamma0, then polish. (beta, gamma, energy)."""
    h = as_hamiltonian(hamiltonian)
    gammas, prof = opt.gammas, opt.profile
    if gamma0 > gammas[-1]:  # beyond the box: start from its end
        gamma0 = gammas[-1]
    i = int(np.argmin(np.abs(gammas - gamma0)))
    while True:
        left = prof[i - 1] if i > 0 else np.inf
        right = prof[i + 1] if i + 1 < len(prof) else np.inf
        if min(left, right) >= prof[i]:
            break
        i = i - 1 if left < right else i + 1
    beta, gamma, energy = polish(h, opt.best_theta[i] / 2, gammas[i], gammas[1] - gammas[0])
    return beta, abs(gamma), energy
