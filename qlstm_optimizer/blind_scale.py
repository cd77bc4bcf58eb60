"""The Hamiltonian scale of a blind run (no operator given), read from two probe energies.

A model runs in units ``gamma_model = c * gamma_user`` (:mod:`qlstm_optimizer.units`); without
the operator ``c`` is unknown and was taken as 1, which puts the model's start at too large a
gamma on every graph denser than a unit 3-regular one. But the energies carry ``c``. At p = 1,
for ``H = sum_{u<v} J_uv Z_u Z_v`` (and exactly, at every gamma)::

    E(beta, gamma) - E_uniform = sin(4 beta) O(gamma) + sin(2 beta)**2 V(gamma)

with ``O`` odd and ``V`` even in gamma; to leading orders (fields ``h_u`` add the first terms
in brackets, checked against :func:`~qlstm_optimizer.sim.analytic.analytic_p1_energy`)::

    E - E_uniform = 2 gamma [sin(2 beta) sum_u h_u**2 + sin(4 beta) sum_{u<v} J_uv**2]
                    + 2 gamma**2 sin(2 beta)**2 [h.J.h + tr(J**3)]
                    - 2 gamma**3 sin(4 beta) [sum_u D_u**2 - 4/3 sum_{u<v} J_uv**4] + ...

(``D_u = sum_v J_uv**2``; the gamma**3 term is that of the ZZ part without fields). The first
term is the size of the graph (``n c**2``), the third bends the energy down at the rate
``mean(D**2) / mean(D) ~ c**2``: so the *ratio* of two energies at different gammas measures
``c`` whatever ``n`` and the energy's units are, where one energy alone cannot (it needs ``n``).

The estimator: both probes lie on one ray ``x(lam) = [beta_r, lam * gamma_r]`` of the family
(:data:`PROBE_RAYS`, the p = 1 fixed-angle point at ``lam = 1``, embedded at depth p with the
other layers zero, which leaves the state unchanged). Along it every instance has the energy
``E(lam) = a * lam * phi(c * lam)`` with ``phi(0) = 1``; :data:`PROFILES` holds the median
``phi`` of the family's training instances (:func:`ray_profile`), and ``c`` is the solution of
``E(lam_1) / E(lam_2) = lam_1 phi(c lam_1) / (lam_2 phi(c lam_2))``. Measured in
docs/design.md, "Blind runs: the scale from the energies" (``python -m benchmarks.blind_scale``).

Example:
    >>> from qlstm_optimizer.problems import erdos_renyi
    >>> from qlstm_optimizer.sim.analytic import analytic_p1_energy
    >>> from qlstm_optimizer.units import hamiltonian_scale_factor
    >>> h = erdos_renyi(12, 0.5, seed=2)
    >>> energies = [analytic_p1_energy(h, x) for x in probe_points("maxcut", 1)]
    >>> c_hat = estimate_scale(energies, "maxcut")
    >>> c = hamiltonian_scale_factor(h, "maxcut", "coupling-rms")
    >>> round(c_hat, 2), round(c, 2)
    (1.31, 1.33)
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .hamiltonian import as_hamiltonian
from .sim.analytic import analytic_p1_energy
from .units import hamiltonian_scale_factor

# The ray of each family's probes, [beta, gamma] at lam = 1: the p = 1 fixed-angle points (the
# 3-regular table for Max-Cut, the SK table; Qiskit's signs), so lam = 1 is the start a table
# would take and 1 / c the same start in the instance's units.
PROBE_RAYS = {"maxcut": (0.3927, -0.6155), "sk": (-np.pi / 8, 0.5)}
# Where on the ray the probes lie, in the order they are evaluated: the table's own point first
# (the best single guess when nothing is known), then a small gamma where every training
# instance is still on the rising part of its profile. Chosen on validation graphs
# (python -m benchmarks.blind_scale --select; docs/design.md).
PROBE_LAMBDAS = (1.0, 0.2)
# phi tabulated at t = 0, PROFILE_STEP, 2 * PROFILE_STEP, ... (t = c * lam: model units).
PROFILE_STEP = 0.1
# Median ray profiles phi(t) of the training instances of the bundled models (configs/
# maxcut-p1.toml, configs/sk-p1.toml [train_instances], 'train' split, 400 instances each) while
# the median is above 0.001; printed by python -m benchmarks.blind_scale --profiles.
PROFILES = {
    "maxcut": np.array([
        1.0000, 0.9630, 0.9158, 0.8618, 0.8015, 0.7392, 0.6754, 0.6129, 0.5485, 0.4878,
        0.4298, 0.3776, 0.3283, 0.2824, 0.2443, 0.2063, 0.1743, 0.1440, 0.1169, 0.0920,
        0.0699, 0.0517, 0.0372, 0.0249, 0.0153, 0.0084, 0.0040, 0.0015]),
    "sk": np.array([
        1.0000, 0.9954, 0.9816, 0.9591, 0.9284, 0.8903, 0.8456, 0.7955, 0.7411, 0.6836,
        0.6242, 0.5640, 0.5043, 0.4460, 0.3903, 0.3380, 0.2892, 0.2438, 0.2030, 0.1668,
        0.1341, 0.1066, 0.0841, 0.0653, 0.0500, 0.0379, 0.0279, 0.0201, 0.0142, 0.0096,
        0.0063, 0.0037, 0.0020]),
}
# The scale of a run whose probes say nothing (an energy of zero, a ratio the profile cannot
# reach): the units a blind run had before the probes existed.
FALLBACK_SCALE = 1.0


def _check_family(family: Any) -> str:
    if family not in PROBE_RAYS:
        raise ValueError(f"family must be one of {sorted(PROBE_RAYS)}, got {family!r}")
    return family


def _check_lambdas(lambdas: Any) -> tuple[float, ...]:
    """The probes' positions on the ray (default, None: :data:`PROBE_LAMBDAS`), checked."""
    lambdas = PROBE_LAMBDAS if lambdas is None else lambdas
    try:
        lam = tuple(float(v) for v in lambdas)
    except (TypeError, ValueError):
        raise ValueError(f"lambdas must be positive numbers, got {lambdas!r}") from None
    if not lam or not all(np.isfinite(v) and v > 0 for v in lam) or len(set(lam)) != len(lam):
        raise ValueError(f"lambdas must be distinct positive finite numbers, got {lambdas!r}")
    return lam


def probe_points(family: str, p: int, lambdas: Any = None) -> np.ndarray:
    """The probes ``(len(lambdas), 2p)`` of a depth-p run, in Qiskit order: the family's ray at
    each ``lam`` in the first layer, the other layers zero (an identity).

    Example:
        >>> probe_points("maxcut", 2).round(4).tolist()
        [[0.3927, 0.0, -0.6155, 0.0], [0.3927, 0.0, -0.1231, 0.0]]
    """
    beta, gamma = PROBE_RAYS[_check_family(family)]
    if isinstance(p, bool) or not isinstance(p, numbers.Integral) or p < 1:
        raise ValueError(f"p must be a positive integer, got {p!r}")
    lam = _check_lambdas(lambdas)
    x = np.zeros((len(lam), 2 * int(p)))
    x[:, 0] = beta
    x[:, p] = np.asarray(lam) * gamma
    return x


def ray_profile(hamiltonian: Any, family: str, t: Any) -> np.ndarray:
    """``phi(t) = E(x(t / c)) / (t a)`` of one Ising Hamiltonian (Z and ZZ terms) on the
    family's ray, ``c`` its scale factor (rule ``coupling-rms``) and ``a`` the energy's slope at
    gamma = 0 from the expansion above, so ``phi(0) = 1``; t > 0. Energies relative to the
    uniform superposition.

    Example:
        >>> from qlstm_optimizer.problems import regular
        >>> ray_profile(regular(10, 3, seed=0), "maxcut", [1e-4, 1.0]).round(3).tolist()
        [1.0, 0.589]
    """
    beta, gamma = PROBE_RAYS[_check_family(family)]
    t = np.asarray(t, dtype=float).reshape(-1)
    if t.size == 0 or not np.all(np.isfinite(t) & (t > 0)):
        raise ValueError(f"t must be positive finite numbers, got {t.tolist()}")
    c = hamiltonian_scale_factor(hamiltonian, family, "coupling-rms")
    g = t * gamma / c
    x = np.stack([np.full_like(t, beta), g], 1)
    energy = analytic_p1_energy(hamiltonian, x) - analytic_p1_energy(hamiltonian, [0.0, 0.0])
    h = as_hamiltonian(hamiltonian)
    fields = float(np.sum(h.linear ** 2))
    pairs = sum(v * v for k, v in h.terms.items() if len(k) == 2)
    slope = 2.0 * (np.sin(2 * beta) * fields + np.sin(4 * beta) * pairs)
    if slope == 0:
        raise ValueError("the Hamiltonian has no Z or ZZ terms: its ray profile is undefined")
    return energy / (g * slope)


def _phi(family: str, t: np.ndarray) -> np.ndarray:
    table = PROFILES[family]
    grid = PROFILE_STEP * np.arange(table.size)
    return np.interp(t, grid, table, right=0.0)


def estimate_scale(energies: Any, family: str, lambdas: Any = None,
                   energy_offset: float = 0.0) -> float:
    """The scale factor ``c_hat`` from the energies of :func:`probe_points` (same order).

    Solves ``E_1 / E_2 = lam_1 phi(c lam_1) / (lam_2 phi(c lam_2))`` over the range of ``c``
    where the right side falls monotonically (the median profile :data:`PROFILES`); a ratio
    beyond that range gives its end. Energies whose ratio says nothing (the small-gamma probe
    at or above the uniform energy, a non-finite ratio) give :data:`FALLBACK_SCALE`.

    Raises:
        ValueError: ``energies`` not one finite real per lambda, bad ``lambdas`` or ``family``,
            naming it.
    """
    family = _check_family(family)
    lam = _check_lambdas(lambdas)
    if len(lam) != 2:
        raise ValueError(f"lambdas must be two values (a ratio of two probes), got {lam}")
    try:
        e = np.asarray(energies, dtype=float).reshape(-1) - float(energy_offset)
    except (TypeError, ValueError):
        raise ValueError(f"energies must be real numbers, got {energies!r}") from None
    if e.size != 2 or not np.all(np.isfinite(e)):
        raise ValueError(f"energies must be 2 finite numbers (one per probe), got {e.tolist()}")
    (la, ea), (lb, eb) = sorted(zip(lam, e, strict=True), reverse=True)  # la > lb
    if not eb < 0:  # (energies are minimised: the small-gamma probe lies below E_uniform)
        return FALLBACK_SCALE
    t_end = PROFILE_STEP * (PROFILES[family].size - 1)
    c = np.exp(np.linspace(np.log(1e-3), np.log(t_end / la), 4000))
    ratio = la * _phi(family, c * la) / (lb * _phi(family, c * lb))
    stop = int(np.argmin(ratio)) + 1  # the falling part (made monotone against table ripples)
    ratio = np.minimum.accumulate(ratio[:stop])
    observed = ea / eb
    # ratio falls with c: interpolate c on the reversed (rising) arrays
    return float(np.exp(np.interp(-observed, -ratio, np.log(c[:stop]))))


__all__ = [
    "FALLBACK_SCALE",
    "PROBE_LAMBDAS",
    "PROBE_RAYS",
    "PROFILES",
    "PROFILE_STEP",
    "estimate_scale",
    "probe_points",
    "ray_profile",
]
