"""Sample-efficiency metrics on recorded energy traces.

Energies are relative to the uniform superposition (``E_uniform`` = the Hamiltonian's constant is
subtracted before anything reaches these functions), so

    rho_k = (best energy within the first k evaluations) / (optimal QAOA energy at depth p)

is 1 at the optimum and 0 for random guessing. A run that stopped before ``k`` evaluations (a
converged optimizer, or a learned policy without refine) keeps its best energy: evaluations it did
not spend cannot make it better.

Example:
    >>> rho_curve([-1.0, -3.0, -2.0], opt=-4.0, kmax=4).tolist()
    [0.25, 0.75, 0.75, 0.75]
    >>> evals_to_reach([0.25, 0.75, 0.995], 0.99)
    3
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

BUDGETS = (1, 2, 3, 5, 10, 20, 50)
RHO_TARGET = 0.99


def best_so_far(values: Sequence[float]) -> np.ndarray:
    """Running minimum of the recorded energies."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        raise ValueError("empty trace")
    return np.minimum.accumulate(arr)


def rho_curve(values: Sequence[float], opt: float, kmax: int) -> np.ndarray:
    """rho_k for k = 1..kmax (index k-1); traces shorter than ``kmax`` are padded with their
    final best value."""
    if not opt < 0:
        raise ValueError(f"the optimal QAOA energy must be negative (below uniform), got {opt}")
    best = best_so_far(values)[:kmax]
    if best.size < kmax:
        best = np.concatenate([best, np.full(kmax - best.size, best[-1])])
    return best / opt


def rho_at(curve: np.ndarray, budgets: Sequence[int] = BUDGETS) -> dict[int, float]:
    """``{k: rho_k}`` read off a curve from :func:`rho_curve` (k beyond its length: last value)."""
    return {int(k): float(curve[min(int(k), len(curve)) - 1]) for k in budgets}


def evals_to_reach(curve: Sequence[float], threshold: float = RHO_TARGET) -> int | None:
    """First k with rho_k >= threshold, or None if the curve never gets there."""
    hits = np.flatnonzero(np.asarray(curve) >= threshold)
    return int(hits[0]) + 1 if hits.size else None


def approximation_ratio(energy: float, ground_energy: float, offset: float = 0.0) -> float:
    """``(E + offset) / (E_ground + offset)`` for absolute energies. With Max-Cut's ``to_ising``
    offset (``cut = -(E + offset)``) this is E[cut]/max-cut; for SK (offset 0) E / E_ground."""
    return (energy + offset) / (ground_energy + offset)


def percentile10(values: Sequence[float]) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), 10))


def median_evals(counts: Sequence[int | None], budget: int) -> dict[str, Any]:
    """Median evaluations to reach the rho target, with runs that never reach it counted as
    infinitely many (so the median is ``None`` = "more than the budget" if half of them fail)."""
    arr = np.array([np.inf if c is None else c for c in counts], dtype=float)
    med = float(np.median(arr)) if arr.size else np.inf
    return {
        "median": None if not np.isfinite(med) else med,
        "reached": float(np.mean(np.isfinite(arr))) if arr.size else 0.0,
        "budget": int(budget),
    }


def summarize_runs(curves: np.ndarray, ratios: np.ndarray,
                   budgets: Sequence[int] = BUDGETS) -> dict[str, Any]:
    """Summary of one method over instances.

    Args:
        curves: (I, kmax) rho curves.
        ratios: (I,) approximation ratio of the best point at the full budget.

    Returns:
        ``rho_median``/``rho_p10`` (dicts keyed by k as strings, JSON-friendly), ``curve_median``
        and ``curve_p10`` (length kmax), ``evals_to_099`` (see :func:`median_evals`),
        ``approx_ratio_median``.
    """
    curves = np.atleast_2d(np.asarray(curves, dtype=float))
    kmax = curves.shape[1]
    ks = [k for k in budgets if k <= kmax]
    return {
        "instances": int(curves.shape[0]),
        "rho_median": {str(k): float(np.median(curves[:, k - 1])) for k in ks},
        "rho_p10": {str(k): percentile10(curves[:, k - 1]) for k in ks},
        "curve_median": np.round(np.median(curves, axis=0), 6).tolist(),
        "curve_p10": np.round(np.percentile(curves, 10, axis=0), 6).tolist(),
        "evals_to_099": median_evals([evals_to_reach(c) for c in curves], kmax),
        "approx_ratio_median": float(np.median(ratios)) if len(ratios) else None,
    }


def collect_block(block: dict[str, Any], results: list[dict[str, Any]],
                  summarize: Callable[[list[dict[str, Any]], str], dict[str, Any]]) -> None:
    """Fill a (suite, depth) block from its instances' results: ``summarize(results, label)``
    for every method that ran on all of them, the instances without their curves (the report
    needs only the summaries' curves), and the seconds spent."""
    labels = [m for m in results[0]["runs"] if all(m in r["runs"] for r in results)]
    block["summary"] = {label: summarize(results, label) for label in labels}
    block["instances"] = [{**{k: v for k, v in r.items() if k != "runs"},
                           "runs": {lab: {k: v for k, v in run.items() if k != "curve"}
                                    for lab, run in r["runs"].items()}} for r in results]
    block["seconds"] = float(sum(r["seconds"] for r in results))
