"""Transfer at scale: p = 1 on Erdos-Renyi and 3-regular graphs with n = 50..500.

Energies come from the closed-form p = 1 expectation
(:func:`qlstm_optimizer.sim.analytic.analytic_p1_energy`), exact at any size. The p = 1 optimum
(the denominator of rho) is found by :func:`qlstm_optimizer.bench.optima.analytic_p1_optimum`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import problems
from ..instances import instance_seed
from .learned import LearnedMethod, discover
from .metrics import rho_curve
from .optima import analytic_energy_fn, analytic_p1_optimum
from .parallel import pmap
from .suites import BenchInstance
from .tasks import run_methods

# Sizes and graph kinds of the transfer suite. Erdos-Renyi at mean degree 6 keeps the degree
# range of the training graphs (dense ER with n <= 16 has mean degree ~2..13) while n grows.
SCALE_SIZES = (50, 100, 200, 500)
QUICK_SCALE_SIZES = (50, 100)
ER_MEAN_DEGREE = 6.0
SCALE_BUDGET = 20
SCALE_STARTS = ("fixed", "tqa")


def scale_instances(quick: bool, count: int | None = None) -> list[Any]:
    """Held-out large graphs: ER (mean degree 6) and 3-regular at each size."""
    sizes = QUICK_SCALE_SIZES if quick else SCALE_SIZES
    per = count or (1 if quick else 3)
    out = []
    index = 0
    for n in sizes:
        for kind in ("erdos_renyi", "regular"):
            for _ in range(per):
                seed = instance_seed("test", index, base_seed=21)
                if kind == "regular":
                    prob, params = problems.regular(n, 3, seed=seed), {"degree": 3}
                else:
                    q = ER_MEAN_DEGREE / (n - 1)
                    prob, params = problems.erdos_renyi(n, q, seed=seed), {"edge_prob": q}
                out.append(BenchInstance(f"scale-{kind}", index, "maxcut", kind, n, seed,
                                         params, prob))
                index += 1
    return out


def scale_task(task: dict[str, Any]) -> dict[str, Any]:
    """Optimum plus every method (informed starts only: random starts are hopeless here and the
    question is transfer) on one large instance."""
    import time

    start = time.perf_counter()
    inst = scale_instances(task["quick"], task.get("count"))[task["index"]]
    opt, x_opt = analytic_p1_optimum(inst.relative)
    t_opt = time.perf_counter() - start
    learned = [LearnedMethod(**m) for m in task["learned"]]
    traces = run_methods(inst, 1, analytic_energy_fn(inst.relative), task["budget"], learned,
                         starts=SCALE_STARTS)
    runs = {label: {"rho": {str(k): float(rho_curve(t.values, opt, task["budget"])[k - 1])
                            for k in (1, 3, 5, 10, 20) if k <= task["budget"]},
                    "nfev": t.nfev} for label, t in traces.items()}
    return {"kind": inst.kind, "n": inst.n, "seed": int(inst.seed), "params": inst.params,
            "opt": opt, "x_opt": x_opt.tolist(), "opt_seconds": t_opt, "runs": runs,
            "seconds": time.perf_counter() - start}


def run_scale(cfg: Any) -> dict[str, Any]:
    """The transfer part of the suite: median rho_5 per (kind, n) and method."""
    from dataclasses import asdict

    methods, note = discover("maxcut", 1, untrained=cfg.untrained, depth_checks=False)
    insts = scale_instances(cfg.quick)
    tasks = [{"index": i, "quick": cfg.quick, "budget": SCALE_BUDGET,
              "learned": [asdict(m) for m in methods]} for i in range(len(insts))]
    results = sorted(pmap(scale_task, tasks, cfg.workers, "scale"),
                     key=lambda r: (r["kind"], r["n"], r["seed"]))
    table: dict[str, dict[str, float]] = {}
    for kind in ("erdos_renyi", "regular"):
        for n in sorted({r["n"] for r in results}):
            rs = [r for r in results if r["kind"] == kind and r["n"] == n]
            if rs:
                table[f"{kind} n={n}"] = {
                    lab: float(np.median([r["runs"][lab]["rho"]["5"] for r in rs]))
                    for lab in rs[0]["runs"]}
    return {"budget": SCALE_BUDGET, "note": note, "median_rho_5": table, "instances": results}
