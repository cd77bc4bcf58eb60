"""Meta-losses over an unrolled trajectory.

Every loss takes ``en`` of shape (B, T): the energies of the T proposals, relative to the uniform
superposition and divided by the instance's ``|optimal QAOA energy|``, so ``-en`` is the
approximation ratio rho of each evaluation and instances of every size and density weigh the same.
Lower loss is better.

* ``observed_improvement`` (Verdon et al. 2019): ``sum_t min(en_t - min_{j<t} en_j, 0)``, with the
  uniform superposition (energy 0) as the best before the first evaluation.
* ``weighted`` (arXiv 2512.05058): ``(1/T) sum_t 0.1 (t+1) en_t`` (t from 0).
* ``budget_rho`` (ours, the product metric): ``-mean_k rho_k`` over budgets k, where
  ``rho_k = -min_{t<=k} en_t`` is the best approximation ratio within k evaluations.
* ``budget_log_gap`` (ours): ``mean_k log(1 - rho_k + 1e-3)``: the same budgets, but the log
  keeps rewarding the last digits (0.99 -> 0.999), which plain rho barely does.

``softmin_tau > 0`` replaces the hard minimum of the budget losses by a soft minimum
``-tau log sum_t exp(-en_t / tau)`` (over the prefix t <= k). With a hard minimum only the best
evaluation gets a gradient, so once an early step is the best, the later ones receive no learning
signal at all and the policy stops improving after a few steps; the soft minimum also pulls the
near-best later proposals down (weights ``exp(-(en_t - min)/tau)``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

LOG_GAP_EPS = 1e-3


def best_so_far(en: torch.Tensor, tau: float = 0.0) -> torch.Tensor:
    """Running (soft) minimum along time (B, T); hard: the gradient flows to each argmin."""
    if tau <= 0:
        return torch.cummin(en, dim=1).values
    return -tau * torch.logcumsumexp(-en / tau, dim=1)


def observed_improvement(en: torch.Tensor) -> torch.Tensor:
    prev_best = torch.cat([torch.zeros_like(en[:, :1]), best_so_far(en)[:, :-1]], dim=1)
    prev_best = torch.minimum(prev_best, torch.zeros_like(prev_best))
    return torch.clamp(en - prev_best, max=0.0).sum(dim=1).mean()


def weighted(en: torch.Tensor) -> torch.Tensor:
    t = torch.arange(en.shape[1], dtype=en.dtype)
    return (0.1 * (t + 1) * en).mean(dim=1).mean()


def budget_rhos(en: torch.Tensor, budgets: Sequence[int], tau: float = 0.0) -> torch.Tensor:
    """rho_k (B, K) for the budgets k <= T (larger budgets are dropped)."""
    ks = [k for k in budgets if k <= en.shape[1]]
    if not ks:
        raise ValueError(f"no budget in {list(budgets)} fits a horizon of {en.shape[1]}")
    return -best_so_far(en, tau)[:, [k - 1 for k in ks]]


def budget_rho(en: torch.Tensor, budgets: Sequence[int], tau: float = 0.0) -> torch.Tensor:
    return -budget_rhos(en, budgets, tau).mean()


def budget_log_gap(en: torch.Tensor, budgets: Sequence[int], tau: float = 0.0) -> torch.Tensor:
    gap = torch.clamp(1.0 - budget_rhos(en, budgets, tau), min=0.0)
    return torch.log(gap + LOG_GAP_EPS).mean()


def meta_loss(name: str, en: torch.Tensor, budgets: Sequence[int],
              softmin_tau: float = 0.0) -> torch.Tensor:
    """Dispatch by config name (see :data:`qlstm_optimizer.training.config.LOSSES`)."""
    if name == "observed_improvement":
        return observed_improvement(en)
    if name == "weighted":
        return weighted(en)
    if name == "budget_rho":
        return budget_rho(en, budgets, softmin_tau)
    if name == "budget_log_gap":
        return budget_log_gap(en, budgets, softmin_tau)
    raise ValueError(f"unknown meta-loss {name!r}")
