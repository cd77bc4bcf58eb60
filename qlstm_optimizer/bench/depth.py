"""The ``depth`` part of the suite: every baseline at QAOA depths p = 1..16, same instances.

Held-out instances (:data:`DEPTH_SUITES`: Erdos-Renyi, 3-regular and weighted Erdos-Renyi Max-Cut
and SK at n = 8..12, "test" seeds with base seeds 51..54, used nowhere else), the same graphs at
every depth. Every method of :data:`.depth_methods.DEPTH_BASELINES` and every learned method that
:func:`.learned.discover` finds for (family, p) runs with the same budget (default
:data:`DEPTH_BUDGET`) on exact energies; rho_k uses the optimal QAOA energy at depth p
(:func:`qlstm_optimizer.optimum.optimal_qaoa_energy`, cached like the main part's). Summaries:
median and 10th-percentile rho_k per (suite, p, method), the median approximation ratio of the
best point within k evaluations (k in :data:`AR_BUDGETS`) beside the optimal QAOA's, and the
number of runs that beat the computed optimum (a check of the denominator).

The learned depth-general model (``F-depth``) plugs in through :func:`.learned.discover`: the
primary method where no p-specific model exists (with its no-refine and blind runs), a ``-depth``
regression check beside the p-specific model where one does; counted the same way.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import numpy as np

from ..optimum import optimal_qaoa_energy
from .depth_methods import DEPTH_BASELINES, DepthContext, depth_energy
from .learned import (
    LearnedMethod,
    depth_model_info,
    discover,
    is_depth_model,
    run_learned,
)
from .metrics import collect_block, rho_curve, summarize_runs
from .optima import OptimumCache, cache_path
from .parallel import log, pmap, pmap_by_block
from .suites import DENSE_PROBS, BenchInstance, SuiteSpec, make_instance

DEPTH_SUITES: dict[str, SuiteSpec] = {
    s.name: s
    for s in (
        SuiteSpec("er", "erdos_renyi", tuple(range(8, 13)), edge_probs=DENSE_PROBS, count=8,
                  quick_count=1, quick_sizes=(8,), base_seed=51),
        SuiteSpec("regular3", "regular", (8, 10, 12), degrees=(3,), count=6, quick_count=1,
                  quick_sizes=(8,), base_seed=52),
        SuiteSpec("weighted_er", "weighted_erdos_renyi", tuple(range(8, 13)),
                  edge_probs=DENSE_PROBS, count=8, quick_count=1, quick_sizes=(8,),
                  base_seed=53),
        SuiteSpec("sk", "sk", tuple(range(8, 13)), count=8, quick_count=1, quick_sizes=(8,),
                  base_seed=54),
    )
}
DEFAULT_DEPTHS = (1, 2, 3, 4, 6, 8, 12, 16)
# Quick: every depth kind (regression p <= 3, the targets from p = 4, the largest trained depth)
# on one n = 8 instance per suite: about 5 min with a cold optimum cache on this loaded
# machine (the optima to p = 16 are 90 % of it), under a minute with a warm one.
QUICK_DEPTHS = (1, 2, 3, 4, 8, 16)
DEPTH_BUDGET = 100
DEPTH_BUDGETS = (1, 2, 3, 5, 10, 20, 50, 100)
AR_BUDGETS = (10, 20, 50)
BEATS_TOL = 1e-6  # rho above 1 + this: a run found a lower energy than the "optimum"


def depth_settings(cfg: Any) -> dict[str, Any]:
    """Suites, depths, budget and instance count of the part from a ``BenchConfig``, checked."""
    depths = tuple(cfg.depth_depths or (QUICK_DEPTHS if cfg.quick else DEFAULT_DEPTHS))
    if not depths or any(isinstance(p, bool) or int(p) != p or p < 1 for p in depths):
        raise ValueError(f"depth_depths must be positive integers, got {depths!r}")
    if int(cfg.depth_budget) < 1:
        raise ValueError(f"depth_budget must be positive, got {cfg.depth_budget!r}")
    suites = tuple(s for s in cfg.suites if s in DEPTH_SUITES)
    if not suites:
        raise ValueError(f"suites {cfg.suites!r} select no depth suite; choose from "
                         f"{sorted(DEPTH_SUITES)}")
    count = cfg.depth_instances
    if count is not None and int(count) < 1:
        raise ValueError(f"depth_instances must be positive, got {count!r}")
    return {"suites": suites, "depths": tuple(sorted({int(p) for p in depths})),
            "budget": int(cfg.depth_budget), "instances": count, "quick": bool(cfg.quick)}


def depth_instances(settings: dict[str, Any], suite: str) -> list[BenchInstance]:
    spec = DEPTH_SUITES[suite]
    quick = settings["quick"]
    count = settings["instances"] or (spec.quick_count if quick else spec.count)
    return [make_instance(spec, i, 1, quick) for i in range(count)]


def learned_methods(family: str, p: int, untrained: bool) -> tuple[list[dict], str]:
    """The learned methods of the depth part for (family, p): the primary one (the p-specific
    default where it exists, else the depth-general model), and every run of a depth-general
    model (its no-refine and blind runs, or its ``-depth`` regression check beside a p-specific
    default). The p-specific models' other variants belong to the main part."""
    methods, note = discover(family, p, untrained=untrained)
    keep = [m for m in methods if m.primary or is_depth_model(m.model, family)]
    keep = keep or [m for m in methods if m.refine][:1]
    return [asdict(m) for m in keep], note


# -- worker tasks --------------------------------------------------------------------------------


def depth_optimum_task(task: dict[str, Any]) -> dict[str, Any]:
    """Optimal relative energies of one instance at depths 1..max (the chain), timed per depth."""
    inst = make_instance(DEPTH_SUITES[task["suite"]], task["index"], 1, task["quick"])
    chain: dict = {}
    values, seconds = {}, {}
    for p in range(1, max(task["depths"]) + 1):
        t = time.perf_counter()
        opt = optimal_qaoa_energy(inst.problem, p, family=inst.family, cache=chain)
        seconds[p] = time.perf_counter() - t
        values[p] = float(opt.relative_energy)
    return {"key": inst.key, "n": inst.n, "optima": values, "seconds": seconds}


def depth_instance_task(task: dict[str, Any]) -> dict[str, Any]:
    """Every method on one instance at one depth: rho at the reported budgets, the
    approximation ratio of the best point within k, and the whole rho curve (for summaries)."""
    start = time.perf_counter()
    p, budget, opt = task["p"], task["budget"], task["opt"]
    inst = make_instance(DEPTH_SUITES[task["suite"]], task["index"], 1, task["quick"])
    fun = depth_energy(inst)
    ctx = DepthContext(fun, p, inst.family, inst.relative)
    traces = {label: method(ctx, budget) for label, method in DEPTH_BASELINES.items()}
    for m in task["learned"]:
        method = LearnedMethod(**m)
        traces[method.label] = run_learned(fun, p, budget, method, inst.relative)
    runs = {}
    for label, trace in traces.items():
        if trace is None:  # not defined at this depth (no angle table)
            continue
        curve = rho_curve(trace.values, opt, budget)
        runs[label] = {
            "curve": np.round(curve, 6).tolist(),
            "nfev": trace.nfev,
            "rho": {str(k): float(curve[k - 1]) for k in DEPTH_BUDGETS if k <= budget},
            "ar": {str(k): inst.approximation_ratio(float(curve[k - 1] * opt))
                   for k in AR_BUDGETS if k <= budget},
            "ar_full": inst.approximation_ratio(float(curve[-1] * opt)),
        }
    return {"suite": inst.suite, "index": inst.index, "p": p, "n": inst.n,
            "seed": int(inst.seed), "params": inst.params, "key": inst.key, "opt": opt,
            "opt_ar": inst.approximation_ratio(opt), "runs": runs,
            "seconds": time.perf_counter() - start}


# -- the part ------------------------------------------------------------------------------------


def ensure_depth_optima(cfg: Any, settings: dict[str, Any]) -> tuple[OptimumCache, dict]:
    """Cached optimal energies at every depth 1..max of every instance; per-depth timings of the
    ones computed in this run."""
    cache = OptimumCache(cache_path(cfg.cache_dir))
    top = max(settings["depths"])
    tasks = []
    for suite in settings["suites"]:
        for inst in depth_instances(settings, suite):
            if any(cache.get(inst.key, p) is None for p in range(1, top + 1)):
                tasks.append({"suite": suite, "index": inst.index, "quick": settings["quick"],
                              "depths": [top], "n": inst.n})
    tasks.sort(key=lambda t: -t["n"])
    cost: dict[str, dict[str, list[float]]] = {}
    if tasks:
        log(f"depth: optimal QAOA energies at p = 1..{top} for {len(tasks)} instances")
    for res in pmap(depth_optimum_task, tasks, cfg.workers, "depth optima"):
        for p, value in res["optima"].items():
            cache.put(res["key"], int(p), value)
            cost.setdefault(str(res["n"]), {}).setdefault(str(p), []).append(
                float(res["seconds"][p]))
        cache.save()
    return cache, cost


def _summary(results: list[dict], label: str) -> dict[str, Any]:
    curves = np.array([r["runs"][label]["curve"] for r in results])
    out = summarize_runs(curves, np.array([r["runs"][label]["ar_full"] for r in results]),
                         budgets=DEPTH_BUDGETS)
    out["ar_median"] = {k: float(np.median([r["runs"][label]["ar"][k] for r in results]))
                        for k in results[0]["runs"][label]["ar"]}
    out["beats_optimum"] = int(sum(max(r["runs"][label]["curve"]) > 1 + BEATS_TOL
                                   for r in results))
    return out


def run_depth(cfg: Any) -> dict[str, Any]:
    """The depth part: optima, then every (instance, depth) run; summaries per suite and p."""
    settings = depth_settings(cfg)
    t0 = time.perf_counter()
    cache, cost = ensure_depth_optima(cfg, settings)
    optima_seconds = time.perf_counter() - t0
    tasks, blocks = [], {}
    for suite in settings["suites"]:
        family = DEPTH_SUITES[suite].family
        for p in settings["depths"]:
            learned, note = learned_methods(family, p, cfg.untrained)
            blocks.setdefault(suite, {})[str(p)] = {"learned": learned, "note": note}
            for inst in depth_instances(settings, suite):
                tasks.append({"suite": suite, "index": inst.index, "p": p, "n": inst.n,
                              "quick": settings["quick"], "budget": settings["budget"],
                              "learned": learned, "opt": cache.get(inst.key, p)})
    tasks.sort(key=lambda t: (-t["p"], -t["n"]))  # longest first balances the pool
    log(f"depth: {len(tasks)} (instance, depth) runs")
    for (suite, p), results in pmap_by_block(depth_instance_task, tasks, cfg.workers,
                                             "depth").items():
        collect_block(blocks[suite][p], results, _summary)
        blocks[suite][p]["opt_ar_median"] = float(np.median([r["opt_ar"] for r in results]))
    models = sorted({m["model"] for by_p in blocks.values() for b in by_p.values()
                     for m in b["learned"] if is_depth_model(m["model"], m["family"])})
    return {"settings": {**settings, "suites": list(settings["suites"]),
                         "depths": list(settings["depths"])},
            "depth_models": {name: depth_model_info(name) for name in models},
            "suites": blocks, "optima_seconds": optima_seconds, "optimum_cost": cost,
            "methods": sorted(DEPTH_BASELINES)}
