"""Validation through the real inference path: the NumPy twin of the model driven by the frozen
:func:`qlstm_optimizer.policy.run_policy`, on held-out instances with exact energies.

Running the shipped code path (not the torch rollout) means a good validation score is a good
inference score, and any train/inference mismatch shows up as a gap between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import features as F
from ..instances import InstancePool
from ..policy import PolicySpec, run_policy


def policy_rhos(numpy_model: Any, spec: PolicySpec, pool: InstancePool, budgets: Sequence[int],
                refine: str | None = None, blind: bool = False) -> np.ndarray:
    """rho_k (I, K) of every pool instance: best energy within k evaluations / optimal energy.

    With ``refine=None`` the run stops after ``spec.horizon`` evaluations; budgets beyond it reuse
    the best found (the learned part alone is measured). ``blind``: run as without the
    Hamiltonian, on the un-normalised instance ``c * H`` (rho is unchanged by that factor).
    """
    kmax = max(budgets)
    out = np.zeros((len(pool), len(budgets)))
    for i in range(len(pool)):
        result = run_policy(lambda x, i=i: pool.energy(i, x, blind), numpy_model, spec,
                            maxfev=kmax, refine=refine, static=F.static_rows(pool.cvs[i], blind))
        best = np.minimum.accumulate(np.asarray(result.history_fun))
        optimum = pool.opt[i] * (pool.norms[i] if blind else 1.0)
        for j, k in enumerate(budgets):
            out[i, j] = best[min(k, len(best)) - 1] / optimum
    return out


def summarize(rhos: np.ndarray, budgets: Sequence[int],
              score_budgets: Sequence[int] | None = None) -> dict[str, float]:
    """Median, 10th percentile and mean of each rho_k, plus ``score``: the mean over k of the mean
    rho_k over ``score_budgets`` (default all), used to pick the best checkpoint (a mean, not a
    median, so the bad tail counts)."""
    out: dict[str, float] = {}
    for j, k in enumerate(budgets):
        out[f"rho_{k}_median"] = float(np.median(rhos[:, j]))
        out[f"rho_{k}_p10"] = float(np.percentile(rhos[:, j], 10))
        out[f"rho_{k}_mean"] = float(np.mean(rhos[:, j]))
    out["score"] = float(np.mean([out[f"rho_{k}_mean"] for k in score_budgets or budgets]))
    return out
