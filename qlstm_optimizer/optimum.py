"""The optimal QAOA energy of an instance at depth p: the denominator of every rho in benchmarks.

:func:`optimal_qaoa_energy` is a deterministic global search built from exact statevector
energies and adjoint (backpropagated) gradients:

* p = 1: for each gamma on a grid the energy is an exact trigonometric polynomial in beta of
  degree ``2 * max_order`` (each Z rotates into Y under the mixer), so ``2 * max_order + 1``
  simulations per gamma give the whole beta line (for Ising Hamiltonians the closed form of
  :mod:`qlstm_optimizer.sim.analytic` replaces the simulations when it is available); the best
  few local minima of the grid are polished with L-BFGS-B.
* p >= 2: starts from INTERP (Zhou et al. 2020) of the depth p-1 optimum, TQA ramps of several
  lengths, the rescaled fixed-angle table and a few seeded random points; INTERP and the best
  others by energy are polished with L-BFGS-B. From p = 4 on, the FOURIER lift of the p-1
  optimum (its p-1 Fourier coefficients, :func:`~qlstm_optimizer.angles.fourier_fit`, evaluated
  at depth p) is polished as well: a second smooth extrapolation, so one unlucky INTERP branch
  does not decide the chain; polishing stops at a relative decrease of 1e-10 per step (1e-12 at
  p <= 3); and once the p-1 optimum is within 1e-6 (relative) of the ground energy, which bounds
  every depth from below, deeper depths keep it (small instances reach the ground state by
  p ~ 10, where the flat landscape made each polish run to its 500-iteration cap). The p-1
  optimum with an identity layer appended is the fallback, so the result is never worse than
  at p-1. Not a proof of global optimality: on 24 instances (ER, weighted ER, 3-regular, SK;
  n = 10; p <= 3) it matched a 40-start search in 71 of 72 cases and was 1% above it once (a
  Gaussian-weight graph at p = 3). The depth benchmark
  (:mod:`qlstm_optimizer.bench.depth`) counts the runs whose best energy beats this optimum.

Cost: each polish takes tens to hundreds of adjoint gradients (about 2.5 forward passes each).
Measured on this 2-core machine under load from other jobs (docs/benchmarks.md, "Depth:
baselines"): the whole chain p = 1..16 took 213 s on a 12-node Erdos-Renyi graph (21 s at
p = 16, at most 33 s for one depth) and 157 s at n = 8, where p = 13, 14 took 45 s each
(polishing near the ground state) and p = 15, 16 nothing (the ground-state rule above).
Results are cached by the benchmark (:mod:`qlstm_optimizer.bench.optima`).

Search domain. ``E(-x) = E(x)`` (time reversal) and each beta is periodic (pi/2 when all terms
have even order, else pi), so p=1 searches ``gamma >= 0`` only. In gamma the landscape is
periodic only when all coefficients are integer multiples of one unit u (period pi/u, e.g. 2 pi
for unit-weight Max-Cut); for generic weights it is quasi-periodic and its supremum can sit at
arbitrarily large gamma, where no practical optimizer looks. So every gamma is restricted to
``|gamma| <= gamma_max = min(period/2, 2 pi / s)``, with ``s`` the coupling scale
(:func:`qlstm_optimizer.units.coupling_scale`): a full period whenever it is not huge, and
otherwise about ten times the typical optimal gamma (~0.5/s), well past where the landscape has
dephased.

Example:
    >>> from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
    >>> h = DiagonalHamiltonian(4, {(0, 1): 0.5, (1, 2): 0.5, (2, 3): 0.5, (0, 2): 0.5})
    >>> opt = optimal_qaoa_energy(h, 1)
    >>> round(opt.energy, 4), opt.p, opt.x.round(2).tolist()
    (-0.7135, 1, [-0.33, 0.65])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize

from .angles import (
    coupling_scale,
    fourier_fit,
    fourier_schedule,
    interp_angles,
    scaled_fixed_angles,
    tqa_angles,
)
from .hamiltonian import DiagonalHamiltonian, as_hamiltonian
from .sim.analytic import analytic_p1_energy

# TQA total-time steps tried at p >= 2, in units of 1/s (dt = 0.75 is the usual choice at s ~ 1).
_TQA_STEPS = (0.5, 0.75, 1.1, 1.6, 2.2)
# From this depth on (p <= 3 keeps its former search and results exactly): the FOURIER lift is
# polished too, polishing stops at a relative decrease of _DEEP_FTOL per step instead of 1e-12,
# and a depth is not searched at all once the p-1 optimum is within _GROUND_GAP (relative to the
# spectrum's span below the uniform energy) of the ground energy, a lower bound of every depth.
_DEEP = 4
_DEEP_FTOL = 1e-10
_GROUND_GAP = 1e-6


@dataclass(frozen=True, eq=False)
class QAOAOptimum:
    """Best QAOA point found at depth ``p``. ``float(opt)`` is ``opt.energy``.

    Attributes:
        energy: absolute energy ``<H>`` (the Hamiltonian's constant included).
        x: parameters ``[betas, gammas]``, canonical: betas (and gammas, if periodic) wrapped
            into one period, oriented like :func:`~qlstm_optimizer.angles.fixed_angles`
            (first gamma < 0 for Max-Cut, > 0 otherwise).
        p: depth.
        constant: the Hamiltonian's constant, i.e. the energy of the uniform superposition.
    """

    energy: float
    x: np.ndarray
    p: int
    constant: float

    @property
    def relative_energy(self) -> float:
        """``energy - constant``: the gain over random guessing (negative)."""
        return self.energy - self.constant

    def rho(self, energy: Any) -> Any:
        """``(energy - constant) / (optimum - constant)``: 1 optimal, 0 random guessing."""
        return (np.asarray(energy, dtype=float) - self.constant) / self.relative_energy

    def __float__(self) -> float:
        return float(self.energy)


class _Landscape:
    """Exact QAOA energies and gradients for one diagonal Hamiltonian."""

    def __init__(self, h: DiagonalHamiltonian) -> None:
        self.h = h
        self.n = h.num_qubits
        self.diag = np.asarray(h.diagonal(), dtype=float)
        even = all(len(k) % 2 == 0 for k in h.terms)
        self.beta_period = np.pi / 2 if even else np.pi
        self.gamma_period = _gamma_period(h)
        self.scale = coupling_scale(h)
        cap = 2 * np.pi / self.scale if self.scale > 0 else np.pi
        self.gamma_max = min(self.gamma_period / 2, cap) if self.gamma_period else cap
        self.nfev = 0  # energy+gradient evaluations spent polishing (diagnostics)

    def mix(self, states: np.ndarray, beta: np.ndarray) -> None:
        """In place: ``exp(-i beta sum_q X_q)`` on the rows of ``states`` (B, 2**n)."""
        b = states.shape[0]
        c = np.cos(beta).reshape(b, 1, 1)
        s = (-1j * np.sin(beta)).reshape(b, 1, 1)
        for q in range(self.n):
            v = states.reshape(b, -1, 2, 1 << q)
            lo, hi = v[:, :, 0, :], v[:, :, 1, :]
            new_lo = c * lo + s * hi
            hi *= c
            hi += s * lo
            lo[...] = new_lo

    def states(self, xs: np.ndarray) -> np.ndarray:
        p = xs.shape[1] // 2
        out = np.full((xs.shape[0], self.diag.size), 2 ** (-self.n / 2), dtype=complex)
        for k in range(p):
            out *= np.exp(-1j * xs[:, p + k, None] * self.diag)
            self.mix(out, xs[:, k])
        return out

    def energies(self, xs: np.ndarray) -> np.ndarray:
        st = self.states(np.atleast_2d(xs))
        return (st.real**2 + st.imag**2) @ self.diag

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Energy and its exact gradient by the adjoint method (about 2.5 forward passes)."""
        p = x.size // 2
        psi = np.full((1, self.diag.size), 2 ** (-self.n / 2), dtype=complex)
        phases, before_mix = [], []
        for k in range(p):
            phases.append(np.exp(-1j * x[p + k] * self.diag))
            psi *= phases[-1]
            before_mix.append(psi.copy())
            self.mix(psi, x[k : k + 1])
        lam = psi * self.diag
        energy = float(np.real(np.vdot(psi, lam)))
        grad = np.zeros_like(x)
        for k in reversed(range(p)):
            # dE/dtheta = 2 Im <lambda|G psi> for a layer exp(-i theta G), lambda = H psi pulled
            # back to that layer. G = sum X commutes with the mixer, so use the stored state.
            self.mix(lam, -x[k : k + 1])
            psi = before_mix[k]
            flipped = np.zeros_like(psi)
            for q in range(self.n):
                flipped.reshape(-1, 2, 1 << q)[...] += psi.reshape(-1, 2, 1 << q)[:, ::-1, :]
            grad[k] = 2 * np.imag(np.vdot(lam, flipped))
            grad[p + k] = 2 * np.imag(np.vdot(lam, psi * self.diag))
            lam *= phases[k].conj()
        return energy, grad

    def polish(self, x0: np.ndarray, maxiter: int = 500, ftol: float = 1e-12
               ) -> tuple[float, np.ndarray]:
        p = x0.size // 2
        bounds = [(None, None)] * p + [(-self.gamma_max, self.gamma_max)] * p
        x0 = x0.copy()
        x0[p:] = np.clip(x0[p:], -self.gamma_max, self.gamma_max)
        res = minimize(
            self.value_and_grad, x0, jac=True, method="L-BFGS-B", bounds=bounds,
            options={"maxiter": maxiter, "ftol": ftol, "gtol": 1e-9},
        )
        self.nfev += res.nfev
        return float(res.fun), np.asarray(res.x, dtype=float)

    def canonical(self, x: np.ndarray, gamma_sign: float = 1.0) -> np.ndarray:
        """The symmetry-equivalent point with wrapped angles whose first non-zero gamma has
        the sign ``gamma_sign`` (time reversal ``x -> -x`` picks it)."""
        p = x.size // 2
        x = np.array(x, dtype=float)
        for flip in (1.0, -1.0):
            x *= flip
            x[:p] = (x[:p] + self.beta_period / 2) % self.beta_period - self.beta_period / 2
            if self.gamma_period:
                t = self.gamma_period
                x[p:] = (x[p:] + t / 2) % t - t / 2
            nonzero = x[p:][np.abs(x[p:]) > 1e-12]
            if nonzero.size == 0 or nonzero[0] * gamma_sign > 0:
                break
        return x


def _gamma_period(h: DiagonalHamiltonian) -> float | None:
    """pi / u if every coefficient is an integer multiple of u (energy gaps multiples of 2u)."""
    c = np.abs(np.fromiter(h.terms.values(), dtype=float))
    if c.size == 0:
        return None
    for q in range(1, 13):
        u = c.min() / q
        r = c / u
        if r.max() <= 1e4 and np.all(np.abs(r - np.round(r)) <= 1e-9 * r):
            return float(np.pi / u)
    return None


def _closed_form_p1(h: DiagonalHamiltonian) -> Any:
    """``sim.analytic.analytic_p1_energy`` for Ising (Z + ZZ) Hamiltonians when available: the
    grid then costs no statevectors. Only used to pick candidates; polishing is exact anyway."""
    if h.max_order > 2:
        return None
    return analytic_p1_energy


def _p1_search(land: _Landscape, num_polish: int = 4) -> tuple[float, np.ndarray]:
    k = max(land.h.max_order, 1)
    m = 2 * k + 1
    # Grid spacing ~ 1/4 of the fastest local oscillation 1/(max_i sum_{terms at i} |c|).
    field = np.zeros(land.n)
    for key, c in land.h.terms.items():
        field[list(key)] += abs(c)
    num_gamma = int(np.clip(np.ceil(4 * land.gamma_max * field.max()) + 1, 48, 400))
    gammas = np.linspace(0.0, land.gamma_max, num_gamma)
    sample_betas = np.pi * np.arange(m) / m  # E(beta) has period pi with frequencies 2l, |l|<=k
    betas = np.linspace(-land.beta_period / 2, land.beta_period / 2, 128, endpoint=False)
    modes = np.exp(2j * np.outer(betas, np.fft.fftfreq(m, 1 / m)))  # (num_beta, m)
    closed_form = _closed_form_p1(land.h)
    # Small statevector batches: larger ones fall out of cache and are slower per state.
    chunk = num_gamma if closed_form else max(1, 2**17 // (m * land.diag.size))
    grid = np.empty((num_gamma, betas.size))
    for start in range(0, num_gamma, chunk):
        g = gammas[start:start + chunk]
        xs = np.column_stack([np.tile(sample_betas, g.size), np.repeat(g, m)])
        e = closed_form(land.h, xs) if closed_form else land.energies(xs)
        coeffs = np.fft.fft(np.asarray(e).reshape(g.size, m), axis=1) / m
        grid[start:start + g.size] = np.real(coeffs @ modes.T)
    # Local minima of the grid (beta is periodic), best first.
    padded = np.pad(grid, ((1, 1), (0, 0)), mode="edge")
    is_min = np.ones_like(grid, dtype=bool)
    is_min[0] = False  # gamma = 0: a plateau at the constant
    for dg, db in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        neighbour = np.roll(padded, (dg, db), axis=(0, 1))[1:-1]
        is_min &= grid <= neighbour
    idx = np.flatnonzero(is_min.ravel())
    idx = idx[np.argsort(grid.ravel()[idx], kind="stable")][:num_polish]
    if idx.size == 0:
        idx = np.array([np.argmin(grid)])
    best = (np.inf, np.zeros(2))
    for i in idx:
        gi, bi = divmod(int(i), betas.size)
        best = min(best, land.polish(np.array([betas[bi], gammas[gi]])), key=lambda r: r[0])
    return best


def _starts(land: _Landscape, prev: QAOAOptimum, p: int, family: str | None,
            num_random: int, seed: int) -> list[np.ndarray]:
    px = prev.x
    starts = [interp_angles(px)]
    for dt in _TQA_STEPS:
        starts.append(tqa_angles(p, dt / max(land.scale, 1e-12)))
    if family in ("maxcut", "sk"):
        try:
            starts.append(scaled_fixed_angles(land.h, p, family))
        except ValueError:  # no table entry at this depth
            pass
    rng = np.random.default_rng([seed, p])
    for _ in range(num_random):
        b = rng.uniform(-land.beta_period / 2, land.beta_period / 2, p)
        g = rng.uniform(0, min(land.gamma_max, 1.5 / max(land.scale, 1e-12)), p)
        starts.append(np.concatenate([b, g]))
    return starts


def optimal_qaoa_energy(
    hamiltonian: Any,
    p: int = 1,
    *,
    family: str | None = None,
    cache: dict[int, QAOAOptimum] | None = None,
    num_polish: int = 3,
    num_random: int = 2,
    seed: int = 0,
) -> QAOAOptimum:
    """Best QAOA energy at depth ``p`` by a deterministic multi-start search (module docstring).

    Args:
        hamiltonian: a problem, ``DiagonalHamiltonian`` or Qiskit ``SparsePauliOp``.
        p: depth.
        family: "maxcut" or "sk" to add that fixed-angle table to the starts; default the
            problem's ``family`` attribute.
        cache: dict depth -> :class:`QAOAOptimum`, read and filled (depth p uses depth p-1).
        num_polish: starts polished at p >= 2: INTERP and the best others by start energy.
        num_random: seeded random starts at p >= 2.
        seed: seed of those random starts.
    """
    if int(p) != p or p < 1:
        raise ValueError(f"p must be a positive integer, got {p!r}")
    p = int(p)
    cache = {} if cache is None else cache
    if p in cache:
        return cache[p]
    h = as_hamiltonian(hamiltonian)
    family = family if family is not None else getattr(hamiltonian, "family", None)
    land = _Landscape(h)
    sign = -1.0 if family == "maxcut" else 1.0  # same orientation as angles.fixed_angles
    if not h.terms:  # a constant: every state has the same energy
        result = QAOAOptimum(h.constant, np.zeros(2 * p), p, h.constant)
    elif p == 1:
        energy, x = _p1_search(land)
        result = QAOAOptimum(energy, land.canonical(x, sign), 1, h.constant)
    else:
        prev = optimal_qaoa_energy(h, p - 1, family=family, cache=cache, num_polish=num_polish,
                                   num_random=num_random, seed=seed)
        # An identity layer appended to the p-1 optimum reproduces its energy exactly.
        prev_x = np.concatenate([prev.x[:p - 1], [0.0], prev.x[p - 1:], [0.0]])
        best = (prev.energy, prev_x)
        ground = float(land.diag.min())
        at_ground = prev.energy - ground <= _GROUND_GAP * max(h.constant - ground, 1e-300)
        if p < _DEEP or not at_ground:
            ftol = 1e-12 if p < _DEEP else _DEEP_FTOL
            starts = _starts(land, prev, p, family, num_random, seed)
            start_energies = land.energies(np.array(starts))
            order = 1 + np.argsort(start_energies[1:], kind="stable")
            for i in [0, *order[: max(num_polish - 1, 0)]]:  # INTERP (index 0), best others
                best = min(best, land.polish(starts[i], ftol=ftol), key=lambda r: r[0])
            if p >= _DEEP:  # the FOURIER lift (module docstring)
                u, v = fourier_fit(prev.x, p - 1)
                best = min(best, land.polish(fourier_schedule(u, v, p), ftol=ftol),
                           key=lambda r: r[0])
        result = QAOAOptimum(best[0], land.canonical(best[1], sign), p, h.constant)
    cache[p] = result
    return result


__all__ = ["QAOAOptimum", "optimal_qaoa_energy"]
