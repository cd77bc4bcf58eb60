"""The ``qubo`` part of the suite (issue 12): general diagonal Hamiltonians at p = 1, 2.

Held-out ("test" split) instances of every class of :mod:`qlstm_optimizer.qubo_problems`
(:data:`QUBO_SUITES`, 6..12 logical variables, at most 14 qubits with slack bits; base seeds
61..71, used nowhere else), plus weighted Max-Cut and SK rows for comparison (the main part's
suites at n = 8..12). Every baseline of the main part (COBYLA, SPSA, L-BFGS-B, Nelder-Mead, Adam
from Qiskit's random start, the fixed-angle table and TQA; COBYLA from the rescaled table, the
``scaled`` start: gamma rescaled by the instance's root-mean-square coupling as in Shaydulin et
al. arXiv 2201.11785 / Sureshbabu et al. arXiv 2305.15201) and the learned model(s) run on exact
energies with the same budget, every evaluation counted (:func:`.tasks.run_methods`).

The denominators of rho are the wide-gamma optima of :mod:`.qubo_optima` (cached in
``<cache>/bench/optima-wide.json``): penalty problems have their global optimum at gammas the
standard search does not reach. ``gap`` is the share of the energy gap from the uniform
superposition to the ground state closed by the best point within the budget (the
approximation-ratio column; meaningful for every class, unlike E/E_ground).

The learned model is named on the command line (``--qubo-model``, a bundled model, family or
card path); by default the family ``"qubo"`` if the registry has it, else ``"maxcut"`` (the
report says which ran). The end-to-end runs through qiskit-optimization are in
:mod:`.qubo_e2e`, whose :func:`~.qubo_e2e.run_part` runs the whole part.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..pretrained import (
    check_model_name,
    depth_models,
    families,
    is_card_path,
    list_pretrained,
    load_card,
    load_pretrained,
    resolve_model_name,
)
from ..refine import DEFAULT_REFINE
from ..sim.numpy_qaoa import qaoa_diagonal_energies
from .learned import LearnedMethod
from .metrics import BUDGETS, collect_block, rho_curve, summarize_runs
from .optima import OptimumCache, cache_path
from .parallel import log, pmap, pmap_by_block
from .qubo_optima import wide_optima
from .suites import SUITES, BenchInstance, SuiteSpec, make_instance
from .tasks import run_methods

_SIZES = tuple(range(6, 13))
QUBO_SUITES: dict[str, SuiteSpec] = {
    s.name: s
    for s in (
        SuiteSpec("vertex_cover", "vertex_cover", _SIZES, edge_probs=(0.3, 0.5, 0.7), count=8,
                  quick_count=1, quick_sizes=(6,), base_seed=61),
        SuiteSpec("stable_set", "stable_set", _SIZES, edge_probs=(0.3, 0.5, 0.7), count=8,
                  quick_count=1, quick_sizes=(6,), base_seed=62),
        # 3 slack bits (the pools' default): 9..14 qubits.
        SuiteSpec("knapsack", "knapsack", tuple(range(6, 12)), count=8, quick_count=1,
                  quick_sizes=(6,), base_seed=63),
        SuiteSpec("number_partitioning", "number_partitioning", _SIZES, count=8, quick_count=1,
                  quick_sizes=(6,), base_seed=64),
        SuiteSpec("tsp", "tsp", (3,), count=8, quick_count=1, quick_sizes=(3,),
                  base_seed=65),  # 3 cities = 9 qubits (4 would be 16)
        SuiteSpec("portfolio", "portfolio", _SIZES, count=8, quick_count=1, quick_sizes=(6,),
                  base_seed=66),
        SuiteSpec("random_qubo", "random_qubo", _SIZES, edge_probs=(0.3, 0.6, 1.0), count=8,
                  quick_count=1, quick_sizes=(6,), base_seed=67),
        SuiteSpec("labs", "labs", _SIZES, count=7, quick_count=1, quick_sizes=(6,),
                  base_seed=68),  # deterministic: one instance per n
        SuiteSpec("max3sat", "max3sat", _SIZES, count=8, quick_count=1, quick_sizes=(6,),
                  base_seed=69),
        dataclasses.replace(SUITES["weighted_er"], sizes=tuple(range(8, 13)), count=8,
                            quick_count=1, quick_sizes=(8,)),
        dataclasses.replace(SUITES["sk"], sizes=tuple(range(8, 13)), count=8, quick_count=1,
                            quick_sizes=(8,)),
    )
}
QUBO_DEPTHS = (1, 2)
FALLBACK_MODEL = "maxcut"  # what runs while the registry has no "qubo" family
BEATS_TOL = 1e-6  # rho above 1 + this: a run found a lower energy than the optimum


def default_model() -> str:
    """``"qubo"`` if the registry resolves it (a model, family or depth-general model), else
    :data:`FALLBACK_MODEL`."""
    known = "qubo" in list_pretrained() or "qubo" in families() or "qubo" in depth_models()
    return "qubo" if known else FALLBACK_MODEL


def check_models(names: Any) -> tuple[str, ...]:
    """The ``qubo_models`` setting, each name checked (bundled model, family or card path).

    Raises:
        ValueError: naming ``qubo_models`` and the bad entry.
    """
    if isinstance(names, str) or not names:
        raise ValueError(f"qubo_models must be a non-empty list of model names, got {names!r}")
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"qubo_models: entry {name!r} is not a string")
        if is_card_path(name):
            if not Path(name).is_file():
                raise ValueError(f"qubo_models: model card {name!r} does not exist")
            continue
        try:
            check_model_name(name)
        except Exception as exc:  # UnknownModelError lists what exists
            raise ValueError(f"qubo_models: {exc}") from None
    return tuple(names)


def qubo_settings(cfg: Any) -> dict[str, Any]:
    """Suites, depths, budgets, instance counts and models of the part, each checked by name."""
    suites = tuple(cfg.qubo_suites or QUBO_SUITES)
    bad = [s for s in suites if s not in QUBO_SUITES]
    if bad:
        raise ValueError(f"qubo_suites: unknown suite(s) {bad}; choose from {sorted(QUBO_SUITES)}")
    depths = tuple(sorted(set(cfg.qubo_depths)))
    if not depths or any(p not in QUBO_DEPTHS for p in depths):
        raise ValueError(f"qubo_depths must be a non-empty subset of {QUBO_DEPTHS}, got "
                         f"{cfg.qubo_depths!r}")
    for name in ("qubo_instances", "qubo_e2e_instances", "budget", "qubo_e2e_budget"):
        value = getattr(cfg, name)
        if value is None and name in ("qubo_instances", "qubo_e2e_instances"):
            continue  # the suite's own count
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    models = check_models(cfg.qubo_models or (default_model(),))
    return {"suites": suites, "depths": depths, "budget": int(cfg.budget),
            "instances": cfg.qubo_instances, "quick": bool(cfg.quick), "models": models,
            "default_model": not cfg.qubo_models, "e2e_instances": cfg.qubo_e2e_instances,
            "e2e_budget": int(cfg.qubo_e2e_budget)}


def logical_size(suite: str, index: int, quick: bool) -> int:
    """The logical size of instance ``index`` (variables; cities for TSP): its ``n`` is the
    qubit count, slack bits included."""
    combos = QUBO_SUITES[suite].combos(1, quick)
    return int(combos[index % len(combos)][0])


def qubo_instances(settings: dict[str, Any], suite: str) -> list[BenchInstance]:
    """The suite's instances (the same at every depth: combos are drawn at p = 1)."""
    spec = QUBO_SUITES[suite]
    quick = settings["quick"]
    count = settings["instances"] or (spec.quick_count if quick else spec.count)
    if spec.kind == "labs":  # deterministic: one instance per size, never the same one twice
        count = min(count, len(spec.combos(1, quick)))
    return [make_instance(spec, i, 1, quick) for i in range(count)]


def resolve_models(names: tuple[str, ...], p: int) -> tuple[list[LearnedMethod], str]:
    """Learned methods for depth ``p``: the first name is the primary method (with the default
    refine; its ``-norefine`` run too), the others run with refine. A name without a model at
    ``p`` is left out and said in the note."""
    methods: list[LearnedMethod] = []
    notes = []
    for i, name in enumerate(names):
        if is_card_path(name):
            model, label, pre = name, Path(name).stem, load_card(name)
        else:
            try:
                model = resolve_model_name(name, 2 * p)
            except ValueError as exc:
                notes.append(str(exc))
                continue
            label, pre = name, load_pretrained(model)
        serves = (pre.depth.max_depth >= p) if pre.depth is not None else pre.spec.p == p
        if not serves:  # a model named exactly, trained for another depth
            notes.append(f"{name} does not serve p = {p}")
            continue
        family = pre.family
        methods.append(LearnedMethod(label, model, DEFAULT_REFINE, family, primary=i == 0))
        if i == 0:
            methods.append(LearnedMethod(f"{label}-norefine", model, None, family))
    return methods, "; ".join(notes)


SHIPPED_PREFIX = "shipped-"  # label of the family's own model beside the primary one


def shipped_reference(suite: str, methods: list[LearnedMethod], p: int) -> list[LearnedMethod]:
    """On the comparison suites (weighted Max-Cut, SK): the family's own bundled model at
    depth ``p`` (``maxcut`` / ``sk``, labelled ``shipped-<family>``) when the primary method is
    another model, so the targets can check that the general model does not regress on the
    rows today's models serve. Empty elsewhere, or when that model is the primary one."""
    family = {"weighted_er": "maxcut", "sk": "sk"}.get(suite)
    primary = next((m for m in methods if m.primary), None)
    if family is None or primary is None:
        return []
    try:
        model = resolve_model_name(family, 2 * p)
    except ValueError:  # no bundled model of the family at this depth
        return []
    if model == primary.model:
        return []
    return [LearnedMethod(SHIPPED_PREFIX + family, model, DEFAULT_REFINE, family)]


# -- command line ----------------------------------------------------------------------------------


def add_qubo_arguments(parser: argparse.ArgumentParser) -> None:
    """The qubo part's options of ``qlstm-optimizer bench``."""
    parser.add_argument("--qubo-model", nargs="+", default=None,
                        help="qubo part: learned model(s), bundled name, family or card path; "
                             "the first is the one the targets are about (default: the family "
                             "'qubo' if bundled, else 'maxcut')")
    parser.add_argument("--qubo-suites", nargs="+", choices=sorted(QUBO_SUITES), default=None,
                        help="qubo part: problem classes (default all)")
    parser.add_argument("--qubo-depths", nargs="+", type=int, choices=QUBO_DEPTHS, default=None,
                        help="qubo part: QAOA depths (default 1 2)")
    parser.add_argument("--qubo-instances", type=int, default=None,
                        help="qubo part: instances per class (default: the suite's own count)")
    parser.add_argument("--qubo-e2e-instances", type=int, default=None,
                        help="qubo part: end-to-end instances per class (default 3, quick 1)")
    parser.add_argument("--qubo-e2e-budget", type=int, default=10,
                        help="qubo part: the learned optimizer's end-to-end budget B "
                             "(COBYLA gets 5 B; default 10)")



def qubo_options(args: argparse.Namespace) -> dict[str, Any]:
    """BenchConfig fields of the qubo part's options, each checked and named on error."""
    kw: dict[str, Any] = {}
    for name in ("qubo_instances", "qubo_e2e_instances", "qubo_e2e_budget"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be positive, got {value}")
        if value is not None:
            kw[name] = value
    if getattr(args, "qubo_model", None):
        try:
            kw["qubo_models"] = check_models(tuple(args.qubo_model))
        except ValueError as exc:
            raise ValueError(f"--qubo-model: {exc}") from None
    if getattr(args, "qubo_suites", None):
        kw["qubo_suites"] = tuple(args.qubo_suites)
    if getattr(args, "qubo_depths", None):
        kw["qubo_depths"] = tuple(sorted(set(args.qubo_depths)))
    return kw


# -- optima --------------------------------------------------------------------------------------


def wide_cache_path(cache_dir: str | Path | None) -> Path:
    """``<cache>/bench/optima-wide.json``, beside the standard optima's file."""
    return cache_path(cache_dir).with_name("optima-wide.json")


def qubo_optimum_task(task: dict[str, Any]) -> dict[str, Any]:
    """Wide-search optima of one instance at the requested depths (with the standard ones)."""
    start = time.perf_counter()
    inst = make_instance(QUBO_SUITES[task["suite"]], task["index"], 1, task["quick"])
    values = wide_optima(inst.problem, sorted(task["depths"]))
    return {"key": inst.key, "optima": {p: v["energy"] for p, v in values.items()},
            "standard": {p: v["standard"] for p, v in values.items()}, "n": inst.n,
            "seconds": time.perf_counter() - start}


def ensure_qubo_optima(cfg: Any, settings: dict[str, Any]) -> OptimumCache:
    """Cached wide-search optima of every instance at every depth, with the standard search's
    value beside each (key ``"standard:<p>"``) for the report's check of how much it missed."""
    cache = OptimumCache(wide_cache_path(cfg.cache_dir))
    depths = list(settings["depths"])
    tasks, seen = [], set()
    for suite in settings["suites"]:
        for inst in qubo_instances(settings, suite):
            if inst.key in seen:  # LABS: one instance per n
                continue
            seen.add(inst.key)
            if any(cache.get(inst.key, p) is None for p in depths):
                tasks.append({"suite": suite, "index": inst.index, "quick": settings["quick"],
                              "depths": depths, "n": inst.n})
    tasks.sort(key=lambda t: -t["n"])
    if tasks:
        log(f"qubo: wide-search optimal QAOA energies for {len(tasks)} instances")
    for res in pmap(qubo_optimum_task, tasks, cfg.workers, "qubo optima"):
        for p, value in res["optima"].items():
            cache.put(res["key"], int(p), value)
            cache.data[res["key"]][f"standard:{p}"] = float(res["standard"][p])
        cache.save()
    return cache


# -- worker task -----------------------------------------------------------------------------------


def energy_function(inst: BenchInstance, p: int) -> Any:
    """Exact relative energy ``x -> <H> - constant``: the instance's own (closed form at p = 1)
    for Z/ZZ Hamiltonians, the NumPy statevector for higher-order terms at any depth (the
    closed form covers only Z and ZZ)."""
    if p > 1 or inst.problem.max_order <= 2:
        return inst.energy_function(p)
    diag = inst.relative.diagonal()
    return lambda x: float(qaoa_diagonal_energies(diag, np.asarray(x, float)[None, :])[0])



def qubo_instance_task(task: dict[str, Any]) -> dict[str, Any]:
    """Every method on one instance at one depth: rho at the reported budgets, the whole curve,
    and the share of the uniform-to-ground gap closed by the best point."""
    start = time.perf_counter()
    p, budget, opt = task["p"], task["budget"], task["opt"]
    inst = make_instance(QUBO_SUITES[task["suite"]], task["index"], 1, task["quick"])
    learned = [LearnedMethod(**m) for m in task["learned"]]
    traces = run_methods(inst, p, energy_function(inst, p), budget, learned)
    ground = inst.ground_energy - inst.constant
    runs = {}
    for label, trace in traces.items():
        curve = rho_curve(trace.values, opt, budget)
        runs[label] = {"curve": np.round(curve, 6).tolist(), "nfev": trace.nfev,
                       "rho": {str(k): float(curve[k - 1]) for k in BUDGETS if k <= budget},
                       "gap": float(min(trace.values) / ground)}
    return {"suite": inst.suite, "index": inst.index, "p": p,
            "n": logical_size(inst.suite, inst.index, task["quick"]),
            "qubits": inst.problem.num_qubits, "seed": int(inst.seed), "params": inst.params,
            "key": inst.key, "opt": opt,
            "opt_standard": task.get("opt_standard"), "opt_gap": float(opt / ground),
            "runs": runs, "seconds": time.perf_counter() - start}


def _summary(results: list[dict], label: str) -> dict[str, Any]:
    curves = np.array([r["runs"][label]["curve"] for r in results])
    out = summarize_runs(curves, np.array([r["runs"][label]["gap"] for r in results]))
    out["beats_optimum"] = int(sum(max(r["runs"][label]["curve"]) > 1 + BEATS_TOL
                                   for r in results))
    return out


def run_qubo(cfg: Any) -> dict[str, Any]:
    """The part without its end-to-end block (:func:`.qubo_e2e.run_part` adds it): optima,
    every (instance, depth) run, summaries."""
    settings = qubo_settings(cfg)
    t0 = time.perf_counter()
    cache = ensure_qubo_optima(cfg, settings)
    optima_seconds = time.perf_counter() - t0
    tasks, blocks = [], {}
    for p in settings["depths"]:
        methods, note = resolve_models(settings["models"], p)
        for suite in settings["suites"]:
            learned = [asdict(m) for m in methods + shipped_reference(suite, methods, p)]
            blocks.setdefault(suite, {})[str(p)] = {"learned": learned, "note": note}
            for inst in qubo_instances(settings, suite):
                tasks.append({"suite": suite, "index": inst.index, "p": p, "n": inst.n,
                              "quick": settings["quick"], "budget": settings["budget"],
                              "learned": learned, "opt": cache.get(inst.key, p),
                              "opt_standard": cache.data[inst.key].get(f"standard:{p}")})
    tasks.sort(key=lambda t: (-t["p"], -t["n"]))
    log(f"qubo: {len(tasks)} (instance, depth) runs")
    for (suite, p), results in pmap_by_block(qubo_instance_task, tasks, cfg.workers,
                                             "qubo").items():
        collect_block(blocks[suite][p], results, _summary)
    return {"settings": {**settings, "suites": list(settings["suites"]),
                         "depths": list(settings["depths"]), "models": list(settings["models"])},
            "suites": blocks, "optima_seconds": optima_seconds}
