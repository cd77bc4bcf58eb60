"""How good is a learned start per depth, and how many Fourier modes does the schedule need?

Produced: docs/design.md, "Any depth" (the choice of ``depth.modes`` and of the learned anchors).

For a training config with a ``[depth]`` section: the anchors are fitted on its training pool
exactly as the trainer does (:func:`qlstm_optimizer.training.depth_setup.fit_anchors`); then, on
validation-split instances (the config's validation distribution, base seed ``--base-seed``), at
each depth in ``--depths``:

* ``anchor``: rho of the anchor itself (the zero-evaluation start);
* ``table``: rho of the published fixed-angle table (Max-Cut: 3-regular, Wurtz & Lykov, p <= 11;
  SK: Basso et al.), which is in the same units;
* ``F<q>``: rho of the best point in the q-mode Fourier subspace around the anchor (L-BFGS on
  exact gradients from the anchor, coefficients free), for each q in ``--modes``: how much of the
  optimum a model acting on q modes can reach before the refine widens the subspace.

rho is against each instance's best local optimum over all 2p angles from the anchor and, where
it exists, the table (L-BFGS on exact gradients, 300 iterations); median [10th percentile].
``--val-family`` / ``--train-family`` keep one family of the validation distribution / of the
training pool (for the anchor fit); ``--train-class regular`` fits the anchors on the training
pool's regular static class as the trainer's ``regular_anchors`` do (equal coupling strengths,
complete graphs left out; the published table where it has the depth, ``--fit-only``: fitted at
every depth). Run (about 10 minutes)::

    python -m benchmarks.depth_subspace --config configs/maxcut-depth.toml
    python -m benchmarks.depth_subspace --config configs/maxcut-depth.toml --val-family regular \
        --modes 2 --depths 4 8   # the mixture anchor on 3-regular graphs
    python -m benchmarks.depth_subspace --config configs/maxcut-depth.toml --val-family regular \
        --train-family regular --modes 2 --depths 4 8   # an anchor fitted on regular graphs
    python -m benchmarks.depth_subspace --config configs/maxcut-depth.toml --val-family regular \
        --train-class regular [--fit-only] --modes 2 --depths 2 3 4 6 8 12 16  # regular anchors

Example:
    >>> subspace_rhos(np.array([[1.0, -1.0]]), np.array([1.0]), np.zeros(2), [1])["F1"].shape
    (1,)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from qlstm_optimizer.angles import fixed_angle_depths, fixed_angles
from qlstm_optimizer.depth import fourier_matrix
from qlstm_optimizer.instances import InstanceDistribution, build_pool
from qlstm_optimizer.sim.torch_qaoa import qaoa_energy_torch
from qlstm_optimizer.training.config import load_config
from qlstm_optimizer.training.depth_setup import (
    _lbfgs,
    fit_anchors,
    published_regular_anchors,
    regular_fit_instances,
)


def subspace_rhos(diags: np.ndarray, ref: np.ndarray, anchor: np.ndarray, modes: list[int],
                  iters: int = 150) -> dict[str, np.ndarray]:
    """rho of the anchor and of the best point of each q-mode subspace, per instance."""
    d = torch.as_tensor(diags, dtype=torch.float64)
    a = torch.as_tensor(anchor, dtype=torch.float64)
    norm = torch.as_tensor(np.abs(ref), dtype=torch.float64)
    p = len(anchor) // 2
    with torch.no_grad():
        out = {"anchor": qaoa_energy_torch(d, a.expand(len(d), -1)).numpy() / ref}
    for q in modes:
        m = torch.as_tensor(fourier_matrix(p, q), dtype=torch.float64)
        c = _lbfgs(lambda c, m=m: (qaoa_energy_torch(d, a + c @ m.T) / norm).sum(),
                   np.zeros((len(d), 2 * q)), iters)
        with torch.no_grad():
            e = qaoa_energy_torch(d, a + torch.as_tensor(c) @ m.T).numpy()
        out[f"F{q}"] = np.minimum(e / ref, 1.0)  # the subspace holds the full optimum at most
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--depths", type=int, nargs="+", default=[2, 4, 8, 12, 16])
    ap.add_argument("--modes", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--instances", type=int, default=24)
    ap.add_argument("--base-seed", type=int, default=5)
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--val-family", default=None)
    ap.add_argument("--train-family", default=None)
    ap.add_argument("--train-class", choices=["all", "regular"], default="all",
                    help="fit the anchors on the training pool's regular static class "
                         "(regular_fit_instances, starting from the general anchors as "
                         "well; the published table where it has the depth)")
    ap.add_argument("--fit-only", action="store_true",
                    help="with --train-class regular: fit at every depth, no published table")
    args = ap.parse_args(argv)
    if args.fit_only and args.train_class != "regular":
        ap.error("--fit-only applies to --train-class regular")
    torch.set_num_threads(1)
    cfg = load_config(args.config)
    rule = cfg.policy.scale_rule

    def only(dist: InstanceDistribution, family: str | None) -> InstanceDistribution:
        comps = tuple(c for c in dist.components if family in (None, c.family))
        if not comps:
            raise SystemExit(f"no {family!r} component in {args.config}")
        return InstanceDistribution(comps, dist.scale_range)

    train = build_pool(only(cfg.train_instances.distribution, args.train_family), "train",
                       cfg.train_instances.pool_size, cfg.p, base_seed=cfg.seed,
                       cache_dir=args.cache_dir, scale_rule=rule)
    val = build_pool(only(cfg.val_instances.distribution, args.val_family), "val",
                     args.instances, cfg.p, base_seed=args.base_seed, cache_dir=args.cache_dir,
                     scale_rule=rule)
    t0 = time.perf_counter()
    anchors = fit_anchors(train, max(args.depths), cache_dir=args.cache_dir)
    if args.train_class == "regular":
        anchors = fit_anchors(train, max(args.depths), cache_dir=args.cache_dir,
                              subset=regular_fit_instances(train),
                              extra_starts=anchors, given=None if args.fit_only else
                              published_regular_anchors(cfg.family, max(args.depths)))
    print(f"{cfg.name}: anchors fitted on the training pool in {time.perf_counter() - t0:.0f} s; "
          f"{len(val)} validation instances (base seed {args.base_seed})\n")
    cols = ["anchor", "table"] + [f"F{q}" for q in args.modes]
    print("| p | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for p in args.depths:
        rows: dict[str, list[float]] = {c: [] for c in cols}
        for n in sorted(val.diagonals):
            idx = np.flatnonzero(val.sizes == n)
            diags = val.diagonals[n][val.rows[idx]]
            d = torch.as_tensor(diags)
            norm = torch.as_tensor(np.abs(val.opt[idx]))
            # the reference: the best local optimum from the anchor and from the table
            starts = [anchors[p - 1]] + ([fixed_angles(cfg.family, p)]
                                         if p in fixed_angle_depths(cfg.family) else [])
            refs = []
            for start in starts:
                x = _lbfgs(lambda x, d=d, norm=norm: (qaoa_energy_torch(d, x) / norm).sum(),
                           np.tile(start, (len(idx), 1)), 300)
                with torch.no_grad():
                    refs.append(qaoa_energy_torch(d, torch.as_tensor(x)).numpy())
            ref = np.min(refs, axis=0)
            modes = [q for q in args.modes if q < p] or [args.modes[0]]
            res = subspace_rhos(diags, ref, anchors[p - 1], modes)
            if p in fixed_angle_depths(cfg.family):
                with torch.no_grad():
                    table = torch.as_tensor(fixed_angles(cfg.family, p))
                    res["table"] = qaoa_energy_torch(d, table.expand(len(idx), -1)).numpy() / ref
            for c in cols:
                if c in res or c.startswith("F"):  # F<q> with q >= p: the full space
                    rows[c] += list(res.get(c, np.ones(len(idx))))
        cells = [f"{np.median(rows[c]):.4f} [{np.percentile(rows[c], 10):.3f}]" if rows[c]
                 else "-" for c in cols]
        print(f"| {p} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
