"""What a depth-general model (:mod:`qlstm_optimizer.depth`) needs before and around meta-training.

1. **Anchors** (:func:`fit_anchors`): at each depth p = 1..max_depth, the schedule with the lowest
   mean normalised energy ``E_i(x) / |E_i^opt(p=1)|`` over the training pool (model units): the
   best of a few starts (the previous depth's anchor interpolated to p, as INTERP, and linear
   ramps of both signs), polished with L-BFGS on exact gradients of the batched simulator. It
   is the learned zero-evaluation start of every depth-p run, and it is stored in the card.
2. **Reference energies** (:func:`reference_energies`): the meta-loss and validation need each
   instance's optimum at each training depth. Computing the real optimum chain for every pool
   instance at every depth would take hours; the reference is the instance's local optimum
   reached by L-BFGS from the anchor (exact gradients), which is what a run from that anchor
   can reach. (The benchmark's rho uses the full optimum chain: ``optimum.optimal_qaoa_energy``.)
3. **Lifted batches** (:class:`LiftedBatch`): the training twin of the run's coordinates, energies
   of ``anchor_p + c M_p^T`` with the depth appended to the static features.
4. **Validation** (:func:`depth_rhos`): the NumPy policy (``run_depth_policy``) at each
   validation depth, as shipped.

Everything is deterministic (fixed starts, L-BFGS, float64), and anchors and references are
cached under the pool cache directory keyed by what they depend on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import features as F
from ..angles import interp_angles, tqa_angles
from ..depth import DepthSpec, fourier_matrix
from ..depth_policy import run_depth_policy
from ..instances import InstancePool, _atomic_savez, default_cache_dir
from ..policy import PolicySpec
from ..sim.torch_qaoa import qaoa_energy_torch
from .rollout import BatchDiagonals

DEPTH_CACHE_FORMAT = 1
RAMP_STEPS = (0.4, 0.6, 0.8, 1.0)
# The anchors are fitted on the pool's first ANCHOR_INSTANCES instances (a mean over 64 random
# graphs is as settled as one over 192, at a third of the cost) with ANCHOR_ITERS L-BFGS
# iterations from the best start; references get REFERENCE_ITERS iterations per depth.
ANCHOR_INSTANCES = 64
ANCHOR_ITERS = 100
REFERENCE_ITERS = 150


def _size_groups(pool: InstancePool, count: int | None = None
                 ) -> list[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:
    """(instance indices, diagonals, |p = 1 optimum|) per qubit count (the first ``count``
    instances, default all)."""
    out = []
    limit = len(pool) if count is None else min(count, len(pool))
    for n in sorted(pool.diagonals):
        idx = np.flatnonzero(pool.sizes[:limit] == n)
        if not len(idx):
            continue
        diags = torch.as_tensor(pool.diagonals[n][pool.rows[idx]], dtype=torch.float64)
        out.append((idx, diags, torch.as_tensor(np.abs(pool.opt[idx]), dtype=torch.float64)))
    return out


def _lbfgs(loss_fn: Any, x0: np.ndarray, iters: int) -> np.ndarray:
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=1, max_iter=iters, tolerance_grad=1e-10,
                            tolerance_change=1e-14, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = loss_fn(x)
        loss.backward()
        return loss

    opt.step(closure)
    return x.detach().numpy()


def _mean_loss(groups: list, x: torch.Tensor) -> torch.Tensor:
    total = x.new_zeros(())
    count = 0
    for _, diags, norm in groups:
        total = total + (qaoa_energy_torch(diags, x.expand(len(diags), -1)) / norm).sum()
        count += len(diags)
    return total / count


def _starts(p: int, previous: np.ndarray | None) -> list[np.ndarray]:
    ramps = []
    for dt in RAMP_STEPS:
        x = tqa_angles(p, dt)
        ramps += [x, np.concatenate([x[:p], -x[p:]])]  # both gamma signs (conventions differ)
    return ramps + ([] if previous is None else [interp_angles(previous)])


def _cache_path(cache_dir: str | Path | None, kind: str, key: Any) -> Path:
    blob = json.dumps([DEPTH_CACHE_FORMAT, kind, key], sort_keys=True).encode()
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return root / "depth" / f"{kind}-{hashlib.sha256(blob).hexdigest()[:16]}.npz"


def _pool_key(pool: InstancePool) -> str:
    h = hashlib.sha256()
    for arr in (pool.seeds, pool.sizes, pool.opt, pool.norms):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]


def fit_anchors(pool: InstancePool, max_depth: int, *, iters: int = ANCHOR_ITERS,
                cache_dir: str | Path | None = None) -> list[np.ndarray]:
    """The learned start at every depth 1..max_depth (see the module docstring)."""
    path = _cache_path(cache_dir, "anchors", [_pool_key(pool), max_depth, iters,
                                              ANCHOR_INSTANCES])
    if path.exists():
        with np.load(path, allow_pickle=False) as f:
            return [f[f"p{p}"] for p in range(1, max_depth + 1)]
    groups = _size_groups(pool, ANCHOR_INSTANCES)
    anchors: list[np.ndarray] = []
    for p in range(1, max_depth + 1):
        starts = _starts(p, anchors[-1] if anchors else None)
        with torch.no_grad():
            values = [float(_mean_loss(groups, torch.as_tensor(s))) for s in starts]
        anchors.append(_lbfgs(lambda x: _mean_loss(groups, x), starts[int(np.argmin(values))],
                              iters))
    _atomic_savez(path, {f"p{p}": a for p, a in enumerate(anchors, start=1)})
    return anchors


def reference_energies(pool: InstancePool, anchors: Sequence[np.ndarray],
                       depths: Sequence[int], *, iters: int = REFERENCE_ITERS,
                       cache_dir: str | Path | None = None) -> dict[int, np.ndarray]:
    """Each instance's local optimum from the anchor at each depth (I,), on the pool's footing."""
    key = [_pool_key(pool), [list(map(float, anchors[p - 1])) for p in depths], list(depths),
           iters]
    path = _cache_path(cache_dir, "refs", key)
    if path.exists():
        with np.load(path, allow_pickle=False) as f:
            return {p: f[f"p{p}"] for p in depths}
    out = {}
    for p in depths:
        a = np.asarray(anchors[p - 1])
        ref = np.zeros(len(pool))
        for idx, diags, norm in _size_groups(pool):
            x = _lbfgs(lambda x, d=diags, n=norm: (qaoa_energy_torch(d, x) / n).sum(),
                       np.tile(a, (len(idx), 1)), iters)
            with torch.no_grad():
                opt = qaoa_energy_torch(diags, torch.as_tensor(x)).numpy()
                at_anchor = qaoa_energy_torch(diags, torch.as_tensor(np.tile(a, (len(idx), 1))))
            ref[idx] = np.minimum(opt, at_anchor.numpy())
        out[p] = ref
    _atomic_savez(path, {f"p{p}": r for p, r in out.items()})
    return out


class LiftedBatch:
    """A :class:`~qlstm_optimizer.training.rollout.BatchDiagonals` seen through a depth-p run's
    coordinates: ``energies(c)`` is the energy of ``anchor + c M^T``; ``opt`` the references and
    ``static`` the static features with the depth appended (what ``unroll`` reads)."""

    def __init__(self, base: BatchDiagonals, p: int, anchor: np.ndarray, modes: int,
                 opt: np.ndarray) -> None:
        self.base, self.size = base, base.size
        self.anchor = torch.as_tensor(anchor, dtype=torch.float64)
        self.matrix = torch.as_tensor(fourier_matrix(p, modes), dtype=torch.float64)
        self.opt = torch.as_tensor(opt, dtype=torch.float64)
        depth = torch.full((base.size, 1), DepthSpec.depth_feature(p), dtype=torch.float64)
        self.static = torch.cat([base.static, depth], 1)

    def energies(self, c: torch.Tensor) -> torch.Tensor:
        return self.base.energies(self.anchor + c @ self.matrix.T)


def depth_rhos(numpy_model: Any, spec: PolicySpec, depth: DepthSpec, pool: InstancePool,
               refs: dict[int, np.ndarray], budgets: Sequence[int], blind: bool = False
               ) -> dict[int, np.ndarray]:
    """rho_k (I, K) per validation depth: the NumPy policy without a refine (the learned steps
    alone, as ``validate.policy_rhos``), against the reference energies."""
    kmax = max(budgets)
    out = {}
    for p, ref in refs.items():
        rhos = np.zeros((len(pool), len(budgets)))
        for i in range(len(pool)):
            result = run_depth_policy(lambda x, i=i: pool.energy(i, x, blind), numpy_model,
                                      spec, depth, p, maxfev=kmax, refine=None,
                                      static=F.static_rows(pool.cvs[i], blind))
            best = np.minimum.accumulate(np.asarray(result.history_fun))
            optimum = ref[i] * (pool.norms[i] if blind else 1.0)
            rhos[i] = [best[min(k, len(best)) - 1] / optimum for k in budgets]
        out[p] = rhos
    return out


class DepthTraining:
    """The depth pieces of one training run: anchors, references, batches, validation."""

    def __init__(self, cfg: Any, train_pool: InstancePool, val_pool: InstancePool,
                 cache_dir: str | Path | None = None) -> None:
        dc = cfg.depth
        self.config = dc
        anchors = fit_anchors(train_pool, dc.max_depth, cache_dir=cache_dir)
        self.spec = DepthSpec(modes=dc.modes, anchors=tuple(tuple(a) for a in anchors),
                              stage_radius=dc.stage_radius)
        self.train_refs = reference_energies(train_pool, anchors, dc.train_depths,
                                             cache_dir=cache_dir)
        self.val_refs = reference_energies(val_pool, anchors, dc.val_depths, cache_dir=cache_dir)

    def sample_depth(self, rng: np.random.Generator, step: int) -> int:
        allowed = [p for p in self.config.train_depths if p <= self.config.cap(step)]
        return int(rng.choice(allowed))

    def lift(self, base: BatchDiagonals, p: int, indices: np.ndarray, pool: InstancePool,
             blind: np.ndarray | None) -> LiftedBatch:
        factor = np.ones(len(indices)) if blind is None else np.where(
            blind, pool.norms[indices], 1.0)
        return LiftedBatch(base, p, np.asarray(self.spec.anchors[p - 1]), self.config.modes,
                           self.train_refs[p][indices] * factor)

    def validate(self, numpy_model: Any, spec: PolicySpec, pool: InstancePool,
                 budgets: Sequence[int], blind: bool = False) -> tuple[np.ndarray, dict]:
        """All validation depths' rho_k stacked (for the score) and per-depth medians."""
        per = depth_rhos(numpy_model, spec, self.spec, pool, self.val_refs, budgets, blind)
        medians = {f"p{p}_rho_{k}_median": float(np.median(r[:, j]))
                   for p, r in per.items() for j, k in enumerate(budgets)}
        return np.vstack(list(per.values())), medians
