"""The frozen rollout of a depth-general model (:mod:`qlstm_optimizer.depth`) at any depth p.

The same two stages as :func:`qlstm_optimizer.policy.run_policy`, with the model in the Fourier
coordinates of the run's depth:

1. **Learned steps**: :class:`~qlstm_optimizer.policy.Rollout` proposes coefficient vectors
   ``c`` (2 x modes of them at every depth), each evaluated at ``x = anchor_p + M_p c``; the
   static features end with the depth. ``anchor_p`` is the card's regular-class start when the
   static features say "regular" and the card has one (``DepthSpec.regular_anchors``).
2. **Refine**: the quadratic refine in nested subspaces (:func:`qlstm_optimizer.depth.
   staged_refine`), or COBYLA / Nelder-Mead on all 2p angles.

Every evaluation counts against ``maxfev``; points, callback and result are in the 2p angles.

Example:
    >>> from qlstm_optimizer.depth import DepthSpec
    >>> from qlstm_optimizer.models import init_numpy_model
    >>> from qlstm_optimizer.problems import erdos_renyi
    >>> from qlstm_optimizer.sim import qaoa_energy
    >>> from qlstm_optimizer.policy import PolicySpec
    >>> depth = DepthSpec(modes=1, anchors=[[-0.3, 0.5], [-0.4, -0.2, 0.3, 0.6]])
    >>> spec = PolicySpec(p=1, anchor=[0.0, 0.0], static_features=True, depth_feature=True)
    >>> model = init_numpy_model("lstm", p=1, seed=0, num_features=7)
    >>> h = erdos_renyi(8, 0.5, seed=1)
    >>> result = run_depth_policy(lambda x: qaoa_energy(h, x), model, spec, depth, p=2,
    ...                           maxfev=12)
    >>> result.nfev, result.x.shape
    (12, (4,))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from . import features as F
from .depth import DepthSpec, Subspace, calibrated_anchor, staged_refine
from .options import check_count
from .policy import (
    PolicyResult,
    PolicySpec,
    Rollout,
    StopRun,
    check_run_args,
    counting_evaluator,
    finish,
    shift_betas,
    x0_refine_step,
)
from .refine import DEFAULT_REFINE, run_refine


def subspace_in_box(sub: Subspace, box: np.ndarray | None) -> Subspace:
    """The run's coordinates moved to fit the box, exactly: each beta of the anchor shifted by
    a multiple of pi (``exp(-i pi sum X)`` is a global phase), and if the anchor still lies
    outside, the mirrored coordinates ``-anchor - M c`` (``E(beta, gamma) = E(-beta, -gamma)``
    for a real diagonal cost and the X mixer): the learned steps then see the same energies.

    Why: Qiskit's QAOAAnsatz bounds the betas to [0, 2 pi]; the learned anchors have negative
    betas, and clipping them would put every learned point at beta = 0, where every energy is
    the uniform superposition's."""
    if box is None:
        return sub
    lo, hi = box[:, 0], box[:, 1]
    for sign in (1.0, -1.0):
        anchor = shift_betas(sign * sub.anchor, box, sub.p)
        if np.all(anchor >= lo) and np.all(anchor <= hi):
            return Subspace(sub.p, anchor, sign * sub.matrix)
    return sub  # no exact move fits: the evaluator clips


def depth_static(static: np.ndarray | None, p: int, size: int = F.NUM_STATIC) -> np.ndarray:
    """The run's static features (blind: ``size`` zeros) followed by the depth feature."""
    base = np.zeros(size) if static is None else np.asarray(static, dtype=float)
    return np.append(base, DepthSpec.depth_feature(p))


def check_starts(starts: Any, p: int, spec: PolicySpec, x0: Any) -> np.ndarray | None:
    """``starts`` as a (K, 2p) finite array, or None; a ValueError naming it."""
    if starts is None:
        return None
    if x0 is not None:
        raise ValueError("starts and x0 exclude each other (x0 is the run's start)")
    if spec.probe_anchor != "always":
        raise ValueError("starts need a policy that probes its anchor (probe_anchor = "
                         f"'always'), got probe_anchor = {spec.probe_anchor!r}")
    try:
        arr = np.asarray(starts, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"starts must be a (K >= 1, 2p = {2 * p}) array of finite angles, "
                         f"got {starts!r}") from None
    if arr.ndim != 2 or arr.shape[1] != 2 * p or not 1 <= len(arr) or not np.all(
            np.isfinite(arr)):
        raise ValueError(f"starts must be a (K >= 1, 2p = {2 * p}) array of finite angles, "
                         f"got shape {arr.shape}")
    return arr


def check_basin(basin: Any) -> np.ndarray:
    """``basin`` as 2 finite angles ``(beta, gamma)``; a ValueError naming it."""
    try:
        arr = np.asarray(basin, dtype=float)
    except (TypeError, ValueError):
        arr = np.full(3, np.nan)  # not numbers: refused below
    if arr.shape != (2,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"basin must be 2 finite angles (beta, gamma), got {basin!r}")
    return arr


def run_depth_policy(
    fun: Callable[[np.ndarray], float],
    model: Any,
    spec: PolicySpec,
    depth: DepthSpec,
    p: int,
    *,
    maxfev: int | None = None,
    refine: str | None = DEFAULT_REFINE,
    bounds: Any = None,
    energy_scale: float | None = None,
    energy_offset: float = 0.0,
    exploration_noise: float = 0.0,
    seed: int | None = None,
    callback: Callable[[np.ndarray, float], None] | None = None,
    static: np.ndarray | None = None,
    x0: np.ndarray | None = None,
    noise_stop: bool = True,
    starts: Any = None,
    basin: Any = None,
) -> PolicyResult:
    """Minimise the depth-``p`` energy ``fun`` (2p angles) with a depth-general model; arguments
    and result as :func:`qlstm_optimizer.policy.run_policy`.

    ``starts`` (K, 2p), model units: start candidates evaluated first (each counts); the learned
    steps then run around the best of them, which is the anchor the policy probes, so its
    energy is told to the model without evaluating it again (``spec.start_candidates``: a
    model trained with ``probe_anchor = "always"``). ``basin`` (2,), model units: the
    instance's p = 1 first-basin optimum, to which the learned anchor is rescaled
    (:func:`qlstm_optimizer.depth.calibrated_anchor`; ``spec.calibrate_anchor``).

    Raises:
        ValueError: ``p`` outside the model's depths (naming its range), bad ``maxfev``,
            ``refine``, ``bounds`` or ``x0``; energy errors as ``run_policy``.
    """
    if not spec.depth_feature:
        raise ValueError("run_depth_policy needs a depth-general policy (depth_feature = true)")
    p = depth.check_depth(check_count("p", p))
    maxfev, refine, box, x0 = check_run_args(spec, p, maxfev, refine, bounds, x0)
    row = depth_static(static, p, spec.num_static - 1)
    regular = bool(F.probes_anchor("regular", row[:F.NUM_STATIC]))
    anchor = None
    if basin is not None:
        anchor = calibrated_anchor(depth.learned_anchor(p, regular),
                                   depth.learned_anchor(1, regular), check_basin(basin))
    sub = subspace_in_box(depth.subspace(p, anchor=anchor, regular=regular), box)
    starts = check_starts(starts, p, spec, x0)
    if x0 is not None:
        sub = depth.subspace(p, anchor=x0)
        if refine is None:  # the learned steps are all there is: let them move from x0
            spec = replace(spec, probe_anchor="always", probe_step_scale=1.0)
    result = PolicyResult(x=sub.anchor.copy(), fun=np.inf, nfev=0, nit=0)
    evaluate = counting_evaluator(fun, result, maxfev, box, callback)
    converged, reason = False, None
    generated: list[np.ndarray] = []  # the points as proposed (history_x holds them clipped)
    try:
        if x0 is not None and refine is not None:  # x0, then the refine from it
            generated.append(x0)
            evaluate(x0)
            step = x0_refine_step(spec)
        else:
            told = None  # the best start's energy: the probe of the anchor, already paid for
            if starts is not None:
                for start in starts:
                    generated.append(start)
                    evaluate(start)
                best = int(np.argmin(result.history_fun))
                sub = subspace_in_box(depth.subspace(p, anchor=starts[best]), box)
                told = result.history_fun[best]
            rollout = Rollout(model, spec, energy_scale=energy_scale,
                              energy_offset=energy_offset, exploration_noise=exploration_noise,
                              seed=seed, static=row)
            learned = min(spec.horizon if refine is None else spec.learned_steps, maxfev)
            if told is not None:
                learned += len(starts) - 1  # the anchor's probe was one of the starts
                rollout.ask()
                rollout.tell(told)
            while result.nfev < learned and (c := rollout.ask()) is not None:
                generated.append(sub.lift(c))
                rollout.tell(evaluate(generated[-1]))
            converged = refine is None and rollout.ask() is None
            step = spec.refine_step
        remaining = maxfev - result.nfev
        if refine is not None and remaining > 0:
            if refine == "quadratic":
                reason = staged_refine(evaluate, generated, result.history_fun,
                                       remaining, step, sub.anchor, depth.modes,
                                       depth.stage_radius, box=box, noise_stop=noise_stop)
            else:
                reason = run_refine(evaluate, refine, result.history_x, result.history_fun,
                                    remaining, step, box, noise_stop=noise_stop)
            converged = result.nfev < maxfev
    except StopRun:
        pass
    return finish(result, converged, refine, reason)


__all__ = ["check_basin", "check_starts", "depth_static", "run_depth_policy", "subspace_in_box"]
