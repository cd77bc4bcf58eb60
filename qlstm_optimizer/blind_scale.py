"""The Hamiltonian scale of a blind run (no operator given), read from two probe energies, and
the run that spends them first (:func:`run_probed`).

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

The estimator: each probe is a p = 1 point ``(beta_k, gamma_k)`` (:data:`PROBES`, embedded
at depth p with the other layers zero, which leaves the state unchanged). On the ray of its
beta every instance has ``E(beta, gamma) = gamma s(beta) phi_beta(c |gamma|)`` with
``phi_beta(0) = 1`` and the slope ``s`` of the expansion (``2 sin(4 beta) sum J**2`` without
fields); :data:`PROFILES` holds the median ``phi_beta`` of the family's training instances
(:func:`ray_profile`) for each probe, and ``c`` solves
``E_1 / E_2 = g_1 sin(4 b_1) phi_1(c |g_1|) / (g_2 sin(4 b_2) phi_2(c |g_2|))`` (probe k at
``(b_k, g_k)``)
(``sum J**2``, ``n`` and the energy's units cancel; fields, which no bundled family has, would
not). Measured in docs/design.md, "Blind runs: the scale from the energies"
(``python -m benchmarks.blind_scale``).

Example:
    >>> from qlstm_optimizer.problems import erdos_renyi
    >>> from qlstm_optimizer.sim.analytic import analytic_p1_energy
    >>> from qlstm_optimizer.units import hamiltonian_scale_factor
    >>> h = erdos_renyi(12, 0.5, seed=2)
    >>> energies = [analytic_p1_energy(h, x) for x in probe_points("maxcut", 1)]
    >>> c_hat = estimate_scale(energies, "maxcut")
    >>> c = hamiltonian_scale_factor(h, "maxcut", "coupling-rms")
    >>> round(c_hat, 2), round(c, 2)
    (1.3, 1.33)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from . import features as F
from .hamiltonian import as_hamiltonian
from .policy import (
    PolicyResult,
    PolicySpec,
    StopRun,
    check_run_args,
    counting_evaluator,
    finish,
    run_policy,
    shift_betas,
)
from .refine import DEFAULT_REFINE
from .sim.analytic import analytic_p1_energy
from .units import hamiltonian_scale_factor

# The probes of each family, p = 1 points [beta, gamma] in Qiskit's signs, in the order they are
# evaluated. Max-Cut: the 3-regular fixed-angle point first (exact on regular graphs, the best
# single guess when nothing is known), then a smaller beta and gamma, where the triangles of
# dense graphs (the sin(2 beta)**2 term) bend the energy less; SK: its fixed-angle point and
# 0.3 of its gamma. Chosen on validation graphs (python -m benchmarks.blind_scale --select;
# docs/design.md).
PROBES = {"maxcut": ((0.3927, -0.6155), (0.25, -0.30775)),
          "sk": ((-np.pi / 8, 0.5), (-np.pi / 8, 0.15))}
# phi tabulated at u = 0, PROFILE_STEP, 2 * PROFILE_STEP, ... (u = c |gamma|: model units).
PROFILE_STEP = 0.05
# Median ray profiles, one per probe, of the training instances of the bundled models (configs/
# maxcut-p1.toml, configs/sk-p1.toml [train_instances], 'train' split, 400 instances each) while
# the median is above 0.001; printed by python -m benchmarks.blind_scale --profiles.
PROFILES = {
    "maxcut": (
        np.array([
            1.0000, 0.9708, 0.9342, 0.8932, 0.8468, 0.7978, 0.7471, 0.6960, 0.6446, 0.5927, 0.5401,
            0.4917, 0.4446, 0.4004, 0.3596, 0.3193, 0.2825, 0.2509, 0.2192, 0.1926, 0.1669, 0.1422,
            0.1200, 0.0994, 0.0798, 0.0639, 0.0501, 0.0382, 0.0277, 0.0192, 0.0125, 0.0075, 0.0040,
            0.0018]),
        np.array([
            1.0000, 0.9822, 0.9574, 0.9274, 0.8921, 0.8530, 0.8100, 0.7610, 0.7135, 0.6623, 0.6127,
            0.5611, 0.5113, 0.4636, 0.4176, 0.3742, 0.3324, 0.2946, 0.2571, 0.2246, 0.1932, 0.1654,
            0.1397, 0.1158, 0.0930, 0.0737, 0.0571, 0.0424, 0.0306, 0.0210, 0.0135, 0.0080, 0.0042,
            0.0019]),
    ),
    "sk": (
        np.array([
            1.0000, 0.9954, 0.9816, 0.9591, 0.9284, 0.8903, 0.8456, 0.7955, 0.7411, 0.6836, 0.6242,
            0.5640, 0.5043, 0.4460, 0.3903, 0.3380, 0.2892, 0.2438, 0.2030, 0.1668, 0.1341, 0.1066,
            0.0841, 0.0653, 0.0500, 0.0379, 0.0279, 0.0201, 0.0142, 0.0096, 0.0063, 0.0037,
            0.0020]),
        np.array([
            1.0000, 0.9954, 0.9816, 0.9591, 0.9284, 0.8903, 0.8456, 0.7955, 0.7411, 0.6836, 0.6242,
            0.5640, 0.5043, 0.4460, 0.3903, 0.3380, 0.2892, 0.2438, 0.2030, 0.1668, 0.1341, 0.1066,
            0.0841, 0.0653, 0.0500, 0.0379, 0.0279, 0.0201, 0.0142, 0.0096, 0.0063, 0.0037,
            0.0020]),
    ),
}
# The scale of a run whose probes say nothing (an energy of zero, a ratio the profiles cannot
# reach): the units a blind run had before the probes existed.
FALLBACK_SCALE = 1.0


def _check_family(family: Any) -> str:
    if family not in PROBES:
        raise ValueError(f"family must be one of {sorted(PROBES)}, got {family!r}")
    return family


def probe_points(family: str, p: int) -> np.ndarray:
    """The probes ``(2, 2p)`` of a depth-p run, in Qiskit order: the family's p = 1 points in
    the first layer, the other layers zero (an identity).

    Example:
        >>> probe_points("maxcut", 2).round(4).tolist()
        [[0.3927, 0.0, -0.6155, 0.0], [0.25, 0.0, -0.3078, 0.0]]
    """
    points = np.array(PROBES[_check_family(family)], dtype=float)
    if isinstance(p, bool) or not isinstance(p, numbers.Integral) or p < 1:
        raise ValueError(f"p must be a positive integer, got {p!r}")
    x = np.zeros((len(points), 2 * int(p)))
    x[:, 0], x[:, p] = points[:, 0], points[:, 1]
    return x


def ray_profile(hamiltonian: Any, family: str, beta: float, u: Any) -> np.ndarray:
    """``phi_beta(u) = E(beta, gamma) / (gamma s(beta))`` of one Ising Hamiltonian (Z and ZZ
    terms) at the model-unit gammas ``u = c |gamma|`` (> 0; the sign of the family's probes),
    ``c`` its scale factor (rule ``coupling-rms``) and ``s(beta)`` the energy's slope at
    gamma = 0 from the expansion above, so ``phi(0) = 1``. Energies relative to the uniform
    superposition.

    Example:
        >>> from qlstm_optimizer.problems import regular
        >>> ray_profile(regular(10, 3, seed=0), "maxcut", 0.3927, [1e-4, 0.6155]).round(3).tolist()
        [1.0, 0.589]
    """
    sign = np.sign(PROBES[_check_family(family)][0][1])
    u = np.asarray(u, dtype=float).reshape(-1)
    if u.size == 0 or not np.all(np.isfinite(u) & (u > 0)):
        raise ValueError(f"u must be positive finite numbers, got {u.tolist()}")
    h = as_hamiltonian(hamiltonian)
    c = hamiltonian_scale_factor(h, family, "coupling-rms")
    gamma = sign * u / c
    x = np.stack([np.full_like(u, beta), gamma], 1)
    energy = analytic_p1_energy(h, x) - h.constant
    fields = float(np.sum(h.linear ** 2))
    pairs = sum(v * v for k, v in h.terms.items() if len(k) == 2)
    slope = 2.0 * (np.sin(2 * beta) * fields + np.sin(4 * beta) * pairs)
    if slope == 0:
        raise ValueError(f"the Hamiltonian's energy has no slope at beta = {beta}: no profile")
    return energy / (gamma * slope)


def _phi(table: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.interp(u, PROFILE_STEP * np.arange(table.size), table, right=0.0)


def estimate_scale(energies: Any, family: str, energy_offset: float = 0.0) -> float:
    """The scale factor ``c_hat`` from the energies of :func:`probe_points` (same order).

    Solves the ratio equation above over the range of ``c`` where its right side falls
    monotonically (up to the end of a profile); a ratio beyond that range gives its end.
    Energies whose ratio says nothing (the second probe at or above the uniform energy)
    give :data:`FALLBACK_SCALE`.

    Raises:
        ValueError: ``energies`` not one finite real per probe, or a bad ``family``, naming it.
    """
    (b1, g1), (b2, g2) = PROBES[_check_family(family)]
    try:
        e = np.asarray(energies, dtype=float).reshape(-1) - float(energy_offset)
    except (TypeError, ValueError):
        raise ValueError(f"energies must be real numbers, got {energies!r}") from None
    if e.size != 2 or not np.all(np.isfinite(e)):
        raise ValueError(f"energies must be 2 finite numbers (one per probe), got {e.tolist()}")
    if not e[1] < 0:  # (energies are minimised: a small-gamma probe lies below E_uniform)
        return FALLBACK_SCALE
    t1, t2 = PROFILES[family]
    top = min((t1.size - 1) / abs(g1), (t2.size - 1) / abs(g2)) * PROFILE_STEP
    c = np.exp(np.linspace(np.log(1e-3), np.log(top), 4000))
    ratio = (g1 * np.sin(4 * b1) * _phi(t1, c * abs(g1))) / (
        g2 * np.sin(4 * b2) * _phi(t2, c * abs(g2)))
    stop = int(np.argmin(ratio)) + 1  # the falling part (made monotone against table ripples)
    ratio = np.minimum.accumulate(ratio[:stop])
    # the ratio falls with c: interpolate log c on the reversed (rising) arrays
    return float(np.exp(np.interp(-e[0] / e[1], -ratio, np.log(c[:stop]))))


def run_probed(fun: Callable[[np.ndarray], float], model: Any, spec: PolicySpec, *,
               family: str, maxfev: int | None = None, refine: str | None = DEFAULT_REFINE,
               bounds: Any = None, energy_offset: float = 0.0,
               callback: Callable[[np.ndarray, float], None] | None = None,
               static: np.ndarray | None = None, x0: np.ndarray | None = None,
               **kwargs: Any) -> PolicyResult:
    """A blind run (no operator, no scale): the first evaluations are the probes of
    :func:`probe_points` (``family``'s, "maxcut" or "sk"), the rest is
    :func:`~qlstm_optimizer.policy.run_policy` in the units of the scale they give (static
    features as for a given scale). ``fun``, ``bounds``, ``callback`` and the result stay in
    the caller's units; the probes count against ``maxfev`` and are candidates for the best
    point; ``kwargs`` go to ``run_policy``. ``static`` is ignored (a blind run's, replaced by a
    known scale's); ``x0`` must be None (a run from the caller's start has no learned start to
    scale). Bounds that hold neither a probe nor its mirror image ``-x`` (the same energy;
    betas shifted by multiples of pi as in :func:`~qlstm_optimizer.policy.shift_betas`) leave
    nothing to probe: the run is then ``run_policy`` with ``static``, as before the probes
    existed. :func:`~qlstm_optimizer.minimize.minimize_qaoa` runs it for blind p = 1 runs.

    Raises:
        ValueError: bad ``family``, an ``x0``, or any argument
            :func:`~qlstm_optimizer.policy.run_policy` refuses.
    """
    if x0 is not None:
        raise ValueError("x0: a probed blind run starts from its probes, not from x0")
    maxfev, refine, box, _ = check_run_args(spec, spec.p, maxfev, refine, bounds, None)
    probes = [_in_box(x, box, spec.p) for x in probe_points(family, spec.p)]
    if any(x is None for x in probes):
        return run_policy(fun, model, spec, maxfev=maxfev, refine=refine, bounds=box,
                          energy_offset=energy_offset, callback=callback, static=static,
                          **kwargs)
    result = PolicyResult(x=probes[0], fun=np.inf, nfev=0, nit=0)
    evaluate = counting_evaluator(fun, result, maxfev, box, callback)
    try:
        energies = [evaluate(x) for x in probes]
    except StopRun:
        return finish(result, False, refine, None)
    scale = estimate_scale(energies, family, energy_offset=energy_offset)
    to_model = np.concatenate([np.ones(spec.p), np.full(spec.p, scale)])
    if result.nfev >= maxfev:
        return finish(result, False, refine, None)
    rest = run_policy(
        lambda x: fun(x / to_model), model, spec, maxfev=maxfev - result.nfev, refine=refine,
        bounds=None if box is None else box * to_model[:, None], energy_offset=energy_offset,
        callback=None if callback is None else lambda x, e: callback(x / to_model, e),
        static=F.static_features(None, scale_known=True), **kwargs)
    result.history_x += [x / to_model for x in rest.history_x]
    result.history_fun += rest.history_fun
    if rest.fun < result.fun:
        result.x, result.fun = rest.x / to_model, rest.fun
    result.nfev += rest.nfev
    result.nit = result.nfev
    result.stopped_by_callback = rest.stopped_by_callback
    result.status, result.success = rest.status, rest.success
    result.message = (f"{rest.message} after {len(probes)} evaluations probing the "
                      f"Hamiltonian scale (c = {scale:.4g})")
    return result


def _in_box(x: np.ndarray, box: np.ndarray | None, p: int) -> np.ndarray | None:
    """x or -x (E(-x) = E(x): time reversal of a real diagonal H), betas shifted into the box,
    whichever lies inside it; None if neither does."""
    for y in (x, -x):
        y = shift_betas(y, box, p)
        if box is None or np.all((box[:, 0] <= y) & (y <= box[:, 1])):
            return y
    return None


__all__ = [
    "FALLBACK_SCALE",
    "PROBES",
    "PROFILES",
    "PROFILE_STEP",
    "estimate_scale",
    "probe_points",
    "ray_profile",
    "run_probed",
]
