"""The generic fallback: what :func:`qlstm_optimizer.minimize.minimize_qaoa` runs for an energy
function whose circuit is not the standard QAOA ansatz (:mod:`qlstm_optimizer.autodetect`).

The learned steps are a Max-Cut/SK QAOA rollout: on a VQE ansatz, a warm-start QAOA or another
mixer they point anywhere. The fallback skips them and runs the refine alone from ``x0``
(evaluated first), with the same budget, bounds, callback and NaN rules as a normal run and an
initial step of :data:`GENERIC_STEP` radians: COBYLA's default ``rhobeg`` (1.0) suits angles
of a generic ansatz, whose landscape has no known scale. ``refine=None`` (no refine after the
learned steps) has nothing to run here, so the default refine is used.

Example:
    >>> import numpy as np
    >>> res = refine_from_x0(lambda x: float(np.sum((x - 1.0) ** 2)), np.zeros(3), maxfev=40)
    >>> res.nfev <= 40 and res.fun < 1e-3
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .options import check_bounds, check_count, check_refine
from .policy import (
    STATUS_CALLBACK,
    STATUS_CONVERGED,
    STATUS_MAXFEV,
    STATUS_MESSAGES,
    PolicyResult,
    StopRun,
    counting_evaluator,
)
from .refine import DEFAULT_REFINE, run_refine

GENERIC_STEP = 1.0  # radians; measured against smaller steps in benchmarks/generic_fallback.py


def refine_from_x0(
    fun: Callable[[np.ndarray], float],
    x0: Any,
    *,
    maxfev: int,
    refine: str | None = DEFAULT_REFINE,
    bounds: Any = None,
    step: float | None = None,
    callback: Callable[[np.ndarray, float], None] | None = None,
    noise_stop: bool = True,
) -> PolicyResult:
    """Evaluate ``x0``, then run ``refine`` (None: the default) from it within ``maxfev``, with
    initial step ``step`` (default :data:`GENERIC_STEP`). ``success`` / ``status`` /
    ``message`` as :func:`qlstm_optimizer.policy.run_policy`'s; ``noise_stop`` likewise.

    Raises:
        ValueError: x0 not a finite non-empty vector, ``maxfev`` below 1, unknown ``refine``,
            bad ``bounds``. ``InvalidEnergyError`` / ``NonFiniteEnergyError`` (ValueErrors) if
            ``fun`` returns anything but one real, finite number.
    """
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim != 1 or x0.size == 0 or not np.all(np.isfinite(x0)):
        raise ValueError(f"x0 must be a non-empty vector of finite values; got {x0.tolist()}")
    maxfev = check_count("maxfev", maxfev)
    method = check_refine(refine) or DEFAULT_REFINE
    box = check_bounds(bounds, x0.size)
    result = PolicyResult(x=x0.copy(), fun=np.inf, nfev=0, nit=0)

    counted = counting_evaluator(fun, result, maxfev, box, callback)

    def evaluate(x: np.ndarray) -> float:
        # (never for the quadratic refine: it does not re-ask a known point, except the noise
        # check's deliberate re-evaluation, which must reach fun)
        clipped = np.clip(x, box[:, 0], box[:, 1]) if box is not None else x
        if method != "quadratic" and result.nfev and np.array_equal(clipped,
                                                                    result.history_x[0]):
            # COBYLA and Nelder-Mead start by evaluating their start, x0, again: reuse its
            # value, so refine="cobyla" is exactly COBYLA from x0 with the same budget.
            return result.history_fun[0]
        return counted(x)

    try:
        evaluate(x0)
        # budget maxfev: COBYLA counts its call at x0 (reused); evaluate() stops at maxfev
        reason = run_refine(evaluate, method, result.history_x, result.history_fun, maxfev,
                            GENERIC_STEP if step is None else step, box, noise_stop=noise_stop)
        converged = result.nfev < maxfev  # the refine stopped by its own rule
    except StopRun:
        converged, reason = False, None
    result.nit = result.nfev  # one iteration is one evaluation, as in run_policy
    result.status = (STATUS_CALLBACK if result.stopped_by_callback
                     else STATUS_CONVERGED if converged else STATUS_MAXFEV)
    result.success = result.status == STATUS_CONVERGED
    result.message = (
        f"{STATUS_MESSAGES[result.status]} (not a standard QAOA ansatz, so no learned steps: "
        f"{method} refine from x0; {result.nfev} evaluations" + (f"; {reason}" if reason else "")
        + ")")
    return result
