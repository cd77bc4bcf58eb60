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

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import features as F
from ..angles import fixed_angle_depths, fixed_angles, interp_angles, tqa_angles
from ..depth import DepthSpec, calibrated_anchor, fourier_matrix
from ..depth_policy import run_depth_policy
from ..instances import InstancePool, _atomic_savez
from ..policy import PolicySpec
from ..sim.torch_qaoa import qaoa_energy_torch
from .config import ConfigError
from .depth_cache import cache_path as _cache_path
from .depth_cache import pool_key as _pool_key
from .pool_operators import pool_basins, pool_general
from .rollout import BatchDiagonals

RAMP_STEPS = (0.4, 0.6, 0.8, 1.0)
# The anchors are fitted on the pool's first ANCHOR_INSTANCES instances (a mean over 64 random
# graphs is as settled as one over 192, at a third of the cost) with ANCHOR_ITERS L-BFGS
# iterations from the best start; references get REFERENCE_ITERS iterations per depth.
ANCHOR_INSTANCES = 64
ANCHOR_ITERS = 100
REFERENCE_ITERS = 150


def _size_groups(pool: InstancePool, count: int | None = None,
                 subset: np.ndarray | None = None
                 ) -> list[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:
    """(instance indices, diagonals, |p = 1 optimum|) per qubit count: the first ``count``
    instances (default all) of ``subset`` (indices, default the whole pool)."""
    out = []
    chosen = np.arange(len(pool)) if subset is None else np.asarray(subset, dtype=int)
    chosen = chosen if count is None else chosen[:count]
    for n in sorted(pool.diagonals):
        idx = chosen[pool.sizes[chosen] == n]
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


def regular_instances(pool: InstancePool) -> np.ndarray:
    """Indices of the pool's instances in the "regular" static class: equal coupling strengths
    (degree_cv = 0; d-regular and complete graphs, SK), the runs that use
    ``DepthSpec.regular_anchors`` when the operator is known (:func:`qlstm_optimizer.features.
    probes_anchor`, the same rule)."""
    return np.flatnonzero(F.probes_anchor("regular", F.static_rows(pool.cvs, np.zeros(len(pool),
                                                                                      bool))))


def regular_fit_instances(pool: InstancePool) -> np.ndarray:
    """The regular class without its permutation-symmetric members (complete graphs: energy a
    function of the Hamming weight alone), on which the regular anchors are fitted. Why: 12 of
    the 52 regular-class instances of the maxcut-depth pool are complete graphs, whose optimal
    schedules lie elsewhere; fitted with them the regular anchors were no better than the
    mixture's on 3-regular graphs (docs/design.md, "Any depth")."""
    keep = []
    for i in regular_instances(pool):
        diag = pool.diagonal(i)
        weight = np.array([bin(z).count("1") for z in range(diag.size)])
        by_weight = np.zeros(weight.max() + 1)
        by_weight[weight] = diag  # any one value per weight; symmetric iff all agree
        if not np.allclose(diag, by_weight[weight], rtol=0, atol=1e-9 * np.abs(diag).max()):
            keep.append(int(i))
    return np.array(keep, dtype=int)


def published_regular_anchors(family: str, max_depth: int) -> dict[int, np.ndarray]:
    """The regular class's starts where a published fixed-angle table has the depth (3-regular
    Max-Cut up to p = 11, SK up to 17; model units). Why not fitted there: on held-out 3-regular
    graphs the table beats the schedules fitted on the pool's 3-, 4- and 5-regular graphs at
    p = 2, 3, 6, 8 by 0.013-0.016 in rho and trails by 0.004 at p = 4 (docs/design.md)."""
    return {p: fixed_angles(family, p) for p in fixed_angle_depths(family) if p <= max_depth}


def fit_anchors(pool: InstancePool, max_depth: int, *, iters: int = ANCHOR_ITERS,
                cache_dir: str | Path | None = None, subset: np.ndarray | None = None,
                extra_starts: Sequence[np.ndarray] = (),
                given: dict[int, np.ndarray] | None = None) -> list[np.ndarray]:
    """The learned start at every depth 1..max_depth (see the module docstring), fitted on the
    first ANCHOR_INSTANCES instances of ``subset`` (indices; default the whole pool).
    ``extra_starts[p - 1]`` joins the starts at depth p (a class's fit starts from the general
    anchors as well); ``given[p]`` is taken as the anchor at depth p instead of a fit (the
    next depth interpolates from it)."""
    chosen = None if subset is None else [int(i) for i in subset]
    extra = [list(map(float, a)) for a in extra_starts]
    fixed = {int(p): list(map(float, a)) for p, a in (given or {}).items()}
    key = [_pool_key(pool), max_depth, iters, ANCHOR_INSTANCES]
    path = _cache_path(cache_dir, "anchors", key if chosen is None and not extra and not fixed
                       else key + [chosen, extra, sorted(fixed.items())])
    if path.exists():
        with np.load(path, allow_pickle=False) as f:
            return [f[f"p{p}"] for p in range(1, max_depth + 1)]
    groups = _size_groups(pool, ANCHOR_INSTANCES, None if chosen is None else np.array(chosen))
    if not groups and set(range(1, max_depth + 1)) - set(fixed):
        raise ValueError("fit_anchors: the subset holds no instances to fit on")
    anchors: list[np.ndarray] = []
    for p in range(1, max_depth + 1):
        if p in fixed:
            anchors.append(np.asarray(fixed[p]))
            continue
        starts = _starts(p, anchors[-1] if anchors else None)
        starts += [np.asarray(a) for a in extra[p - 1:p]]
        with torch.no_grad():
            values = [float(_mean_loss(groups, torch.as_tensor(s))) for s in starts]
        anchors.append(_lbfgs(lambda x: _mean_loss(groups, x), starts[int(np.argmin(values))],
                              iters))
    _atomic_savez(path, {f"p{p}": a for p, a in enumerate(anchors, start=1)})
    return anchors


def reference_energies(pool: InstancePool, anchors: Sequence[np.ndarray],
                       depths: Sequence[int], *, iters: int = REFERENCE_ITERS,
                       cache_dir: str | Path | None = None,
                       subset: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """Each instance's local optimum from the anchor at each depth (I,), on the pool's footing;
    with ``subset`` (indices) only those instances are computed, the others are +inf.
    ``anchors[p - 1]``: one schedule (2p,) or one per instance (I, 2p)."""
    key = [_pool_key(pool), [np.asarray(anchors[p - 1], float).ravel().tolist() for p in depths],
           list(depths), iters]
    if subset is not None:
        key.append([int(i) for i in subset])
    path = _cache_path(cache_dir, "refs", key)
    if path.exists():
        with np.load(path, allow_pickle=False) as f:
            return {p: f[f"p{p}"] for p in depths}
    out = {}
    for p in depths:
        a = np.broadcast_to(np.asarray(anchors[p - 1], float), (len(pool), 2 * p))
        ref = np.full(len(pool), np.inf)
        for idx, diags, norm in _size_groups(pool, subset=subset):
            x = _lbfgs(lambda x, d=diags, n=norm: (qaoa_energy_torch(d, x) / n).sum(),
                       a[idx].copy(), iters)
            with torch.no_grad():
                opt = qaoa_energy_torch(diags, torch.as_tensor(x)).numpy()
                at_anchor = qaoa_energy_torch(diags, torch.as_tensor(a[idx].copy()))
            ref[idx] = np.minimum(opt, at_anchor.numpy())
        out[p] = ref
    _atomic_savez(path, {f"p{p}": r for p, r in out.items()})
    return out


class LiftedBatch:
    """A :class:`~qlstm_optimizer.training.rollout.BatchDiagonals` seen through a depth-p run's
    coordinates: ``energies(c)`` is the energy of ``anchor + c M^T``; ``opt`` the references and
    ``static`` the static features with the depth appended (what ``unroll`` reads)."""

    def __init__(self, base: BatchDiagonals, p: int, anchor: np.ndarray, modes: int,
                 opt: np.ndarray, general: np.ndarray | None = None) -> None:
        # anchor: (2p,) for the whole batch or (B, 2p), one per instance; general: (B, 5)
        # general static features (PolicySpec.general_features), between the base ones and depth
        self.base, self.size = base, base.size
        self.anchor = torch.as_tensor(anchor, dtype=torch.float64)
        self.matrix = torch.as_tensor(fourier_matrix(p, modes), dtype=torch.float64)
        self.opt = torch.as_tensor(opt, dtype=torch.float64)
        depth = torch.full((base.size, 1), DepthSpec.depth_feature(p), dtype=torch.float64)
        parts = [base.static] + ([] if general is None else [
            torch.as_tensor(general, dtype=torch.float64)]) + [depth]
        self.static = torch.cat(parts, 1)

    def energies(self, c: torch.Tensor) -> torch.Tensor:
        return self.base.energies(self.anchor + c @ self.matrix.T)


def depth_rhos(numpy_model: Any, spec: PolicySpec, depth: DepthSpec, pool: InstancePool,
               refs: dict[int, np.ndarray], budgets: Sequence[int], blind: bool = False,
               basins: np.ndarray | None = None, general: np.ndarray | None = None
               ) -> dict[int, np.ndarray]:
    """rho_k (I, K) per validation depth: the NumPy policy without a refine (the learned steps
    alone, as ``validate.policy_rhos``), against the reference energies; ``basins`` (I, 2):
    calibrated anchors for runs that know the operator (``spec.calibrate_anchor``);
    ``general`` (I, 5): their general static features (``spec.general_features``)."""
    kmax = max(budgets)
    out = {}
    for p, ref in refs.items():
        rhos = np.zeros((len(pool), len(budgets)))
        for i in range(len(pool)):
            basin = None if blind or basins is None else basins[i]
            static = F.static_rows(pool.cvs[i], blind)
            if general is not None:
                static = np.append(static, np.zeros_like(general[i]) if blind else general[i])
            result = run_depth_policy(lambda x, i=i: pool.energy(i, x, blind), numpy_model,
                                      spec, depth, p, maxfev=kmax, refine=None,
                                      static=static, basin=basin)
            best = np.minimum.accumulate(np.asarray(result.history_fun))
            optimum = ref[i] * (pool.norms[i] if blind else 1.0)
            rhos[i] = [best[min(k, len(best)) - 1] / optimum for k in budgets]
        out[p] = rhos
    return out


def _calibrated(anchors: Sequence[Any], basins: np.ndarray) -> list[np.ndarray]:
    """Per depth, (I, 2p) each instance's ``anchors[p - 1]`` rescaled to its basin (relative
    to ``anchors[0]``, the table's own p = 1 anchor, as ``run_depth_policy``)."""
    first = np.asarray(anchors[0])
    return [np.stack([calibrated_anchor(a, first, b) for b in basins]) for a in anchors]


class DepthTraining:
    """The depth pieces of one training run: anchors, references, batches, validation."""

    def __init__(self, cfg: Any, train_pool: InstancePool, val_pool: InstancePool,
                 cache_dir: str | Path | None = None) -> None:
        dc = cfg.depth
        self.config = dc
        anchors = fit_anchors(train_pool, dc.max_depth, cache_dir=cache_dir)
        regular = None
        if dc.regular_anchors:  # the regular class's own starts, fitted on its instances
            given = published_regular_anchors(cfg.family, dc.max_depth)
            subset = regular_fit_instances(train_pool)
            if not len(subset) and len(given) < dc.max_depth:
                raise ConfigError(
                    f"depth.regular_anchors = true needs regular graphs other than complete ones "
                    f"in [train_instances] to fit depths {len(given) + 1}..{dc.max_depth} "
                    f"(the published table covers {len(given)}); add a 'regular' component")
            regular = fit_anchors(train_pool, dc.max_depth, cache_dir=cache_dir,
                                  subset=subset,
                                  extra_starts=anchors, given=given)
        self.spec = DepthSpec(modes=dc.modes, anchors=tuple(tuple(a) for a in anchors),
                              stage_radius=dc.stage_radius, regular_anchors=None if regular
                              is None else tuple(tuple(a) for a in regular))
        self.train_basins = self.val_basins = None
        if cfg.policy.calibrate_anchor:  # each instance's anchors rescaled to its p = 1 basin
            self.train_basins = pool_basins(train_pool, cfg.train_instances.distribution,
                                            cfg.seed, cache_dir)
            self.val_basins = pool_basins(val_pool, cfg.val_instances.distribution, cfg.seed,
                                          cache_dir)
        self.train_general = self.val_general = None
        if cfg.policy.general_features:  # what each operator's terms are
            self.train_general = pool_general(train_pool, cfg.train_instances.distribution,
                                              cfg.seed)
            self.val_general = pool_general(val_pool, cfg.val_instances.distribution, cfg.seed)
        self.train_refs = self._references(train_pool, dc.train_depths, cache_dir,
                                           self.train_basins)
        self.val_refs = self._references(val_pool, dc.val_depths, cache_dir, self.val_basins)

    def _references(self, pool: InstancePool, depths: Sequence[int],
                    cache_dir: str | Path | None, basins: np.ndarray | None = None
                    ) -> dict[int, np.ndarray]:
        """Local optima from the general anchors; for the regular class the better of those
        and the local optima from the regular anchors (a run may start from either: blind
        runs use the general ones)."""
        refs = reference_energies(pool, self.spec.anchors, depths, cache_dir=cache_dir)
        if basins is not None:  # and from each instance's calibrated anchors
            extra = reference_energies(pool, _calibrated(self.spec.anchors, basins), depths,
                                       cache_dir=cache_dir)
            refs = {p: np.minimum(refs[p], extra[p]) for p in depths}
        if self.spec.regular_anchors is None:
            return refs
        subset = regular_instances(pool)
        if not len(subset):
            return refs
        tables = [self.spec.regular_anchors]
        if basins is not None:  # a known regular operator starts from its calibrated ones
            tables.append(_calibrated(self.spec.regular_anchors, basins))
        for table in tables:
            extra = reference_energies(pool, table, depths, cache_dir=cache_dir, subset=subset)
            refs = {p: np.minimum(refs[p], extra[p]) for p in depths}
        return refs

    def sample_depth(self, rng: np.random.Generator, step: int) -> int:
        allowed = [p for p in self.config.train_depths if p <= self.config.cap(step)]
        return int(rng.choice(allowed))

    def lift(self, base: BatchDiagonals, p: int, indices: np.ndarray, pool: InstancePool,
             blind: np.ndarray | None) -> LiftedBatch:
        known = np.ones(len(indices), bool) if blind is None else ~np.asarray(blind, bool)
        factor = np.where(known, 1.0, pool.norms[indices])
        anchor = np.asarray(self.spec.anchors[p - 1])
        first = np.asarray(self.spec.anchors[0])  # the p = 1 anchor a calibration divides by
        if self.spec.regular_anchors is not None:  # per instance, as run_depth_policy picks
            rows = F.static_rows(pool.cvs[indices], ~known)
            regular = F.probes_anchor("regular", rows)
            anchor = np.where(regular[:, None], np.asarray(self.spec.regular_anchors[p - 1]),
                              anchor[None, :])
            first = np.where(regular[:, None], np.asarray(self.spec.regular_anchors[0]),
                             first[None, :])
        if self.train_basins is not None:  # known operators start where run_depth_policy does
            shape = (len(indices), 2 * p)
            calibrated = np.stack([calibrated_anchor(a, f, b) for a, f, b in zip(
                np.broadcast_to(anchor, shape), np.broadcast_to(first, (len(indices), 2)),
                self.train_basins[indices], strict=True)])
            anchor = np.where(known[:, None], calibrated, np.broadcast_to(anchor, shape))
        general = None
        if self.train_general is not None:  # a blind run knows none of them
            general = np.where(known[:, None], self.train_general[indices], 0.0)
        return LiftedBatch(base, p, anchor, self.config.modes,
                           self.train_refs[p][indices] * factor, general)

    def validate(self, numpy_model: Any, spec: PolicySpec, pool: InstancePool,
                 budgets: Sequence[int], blind: bool = False) -> tuple[np.ndarray, dict]:
        """All validation depths' rho_k stacked (for the score) and per-depth medians."""
        per = depth_rhos(numpy_model, spec, self.spec, pool, self.val_refs, budgets, blind,
                         self.val_basins, self.val_general)
        medians = {f"p{p}_rho_{k}_median": float(np.median(r[:, j]))
                   for p, r in per.items() for j, k in enumerate(budgets)}
        return np.vstack(list(per.values())), medians
