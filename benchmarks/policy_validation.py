"""Pick inference settings (hand-off, refine) on *validation-split* instances, never the test set.

Produced: docs/training.md, the hand-off / refine choice per bundled model.

Runs a bundled (or freshly trained) model with each ``handoff:refine`` variant and the suite's
informed baselines on the same validation graphs (``instances.sample_instance(..., "val", i,
base_seed=7)``; the benchmark uses the disjoint ``test`` split), and prints median rho_k with the
margin against the best baseline at each k::

    python -m benchmarks.policy_validation maxcut 1 --variants 6:quadratic,10:cobyla
    python -m benchmarks.policy_validation sk 2 --weights runs/sk-p2 --sizes 8,9,15,16

This is how the bundled cards' ``handoff`` values were chosen (docs/training.md).
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from qlstm_optimizer.bench.baselines import SUITE_OPTIMIZERS, run_baseline, start_point
from qlstm_optimizer.instances import InstanceDistribution, sample_instance
from qlstm_optimizer.models import load_model
from qlstm_optimizer.policy import PolicySpec, run_policy
from qlstm_optimizer.pretrained.registry import WEIGHTS_DIR
from qlstm_optimizer.sim import qaoa_energy

BUDGETS = (1, 2, 3, 5, 10, 20, 50)
DENSITIES = [2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7]
VALIDATION_SEED = 7  # base seed of the validation draws (the training pools use their own)


def suites(family: str, sizes: list[int] | None) -> dict[str, dict[str, Any]]:
    """Validation suites shaped like the benchmark's, at sizes between training and test."""
    if family == "sk":
        return {"sk": {"components": [{"family": "sk", "sizes": sizes or [10, 11, 12, 13, 14]}]}}
    er_sizes = sizes or [10, 11, 12, 13, 14]
    return {
        "er": {"components": [{"family": "erdos_renyi", "sizes": er_sizes,
                               "edge_probs": DENSITIES}]},
        # a 3-regular graph needs an even n
        "regular3": {"components": [{"family": "regular", "degrees": [3], "sizes": [
            n for n in sizes or [12, 14, 16] if n % 2 == 0] or [12]}]},
        "weighted_er": {"components": [{"family": "weighted_erdos_renyi", "sizes": er_sizes,
                                        "edge_probs": DENSITIES}]},
    }


def _task(job: dict[str, Any]) -> tuple[str, dict[str, list[float]]]:
    from qlstm_optimizer.minimize import ModelUnits

    family, p, budget = job["family"], job["p"], job["budget"]
    dist = InstanceDistribution.from_dict(job["suite"])
    h = sample_instance(dist, "val", job["index"], base_seed=VALIDATION_SEED).problem
    opt = h.optimal_qaoa_energy(p).energy
    card = json.loads(Path(job["card"]).read_text())
    net, spec = load_model(job["card"]), PolicySpec(**card["policy"])
    units = ModelUnits.resolve(spec, family, h)
    traces: dict[str, list[float]] = {}
    for handoff, refine in job["variants"]:
        energies: list[float] = []

        def fun(x_model: np.ndarray, energies: list[float] = energies) -> float:
            energies.append(qaoa_energy(h, x_model / units.to_model))
            return energies[-1]

        run_policy(fun, net, replace(spec, handoff=handoff), static=units.static, maxfev=budget,
                   refine=None if refine == "none" else refine,
                   energy_offset=units.energy_offset)
        # without a refine every learned step runs, whatever the handoff
        traces[f"h{spec.horizon if refine == 'none' else handoff} {refine}"] = energies
    starts = [(name, start) for name in SUITE_OPTIMIZERS for start in ("fixed", "tqa")]
    for name, start in starts + [("cobyla", "scaled")]:
        x0 = start_point(start, family, p, None, h)
        obj = run_baseline(name, lambda x: qaoa_energy(h, x), x0, budget, informed=True)
        traces[f"{name}@{start}"] = obj.values
    return job["suite_name"], {
        label: [min(v[:k]) / opt for k in BUDGETS if k <= budget] for label, v in traces.items()
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("family", choices=["maxcut", "sk"])
    ap.add_argument("p", type=int)
    ap.add_argument("--variants", default="6:quadratic,10:quadratic,10:cobyla",
                    help="comma-separated handoff:refine pairs (refine 'none' = learned only)")
    ap.add_argument("--weights", default=str(WEIGHTS_DIR),
                    help="directory holding <family>-p<p>.json/.npz")
    ap.add_argument("--instances", type=int, default=15, help="per suite")
    ap.add_argument("--sizes", default=None, help="comma-separated qubit counts")
    ap.add_argument("--budget", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    variants = [(int(h), r) for h, r in (v.split(":") for v in args.variants.split(","))]
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else None
    card = str(Path(args.weights) / f"{args.family}-p{args.p}.json")
    chosen = suites(args.family, sizes)
    jobs = [{"family": args.family, "p": args.p, "budget": args.budget, "card": card,
             "variants": variants, "suite_name": name, "suite": suite, "index": i}
            for name, suite in chosen.items() for i in range(args.instances)]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(_task, jobs))
    ks = [k for k in BUDGETS if k <= args.budget]
    for name in chosen:
        rows = [r for s, r in results if s == name]
        med = {m: np.median([r[m] for r in rows], axis=0) for m in rows[0]}
        best = np.max([v for m, v in med.items() if "@" in m], axis=0)
        print(f"== {args.family} p={args.p} {name}: {len(rows)} validation instances; "
              f"median rho_k at k = {ks}")
        print(f"  {'best baseline':16s} " + " ".join(f"{v:.5f}" for v in best))
        for m, v in med.items():
            if "@" not in m:
                print(f"  {m:16s} " + " ".join(f"{x:.5f}" for x in v) + "  margin "
                      + " ".join(f"{x:+.1e}" for x in v - best))
    print(f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
