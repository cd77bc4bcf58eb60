"""The benchmark runner: ``qlstm-optimizer bench`` and :func:`run_suite`.

One command runs every part on held-out instances and writes ``results.json`` (raw per-instance
metrics plus summaries), the figures and the markdown report::

    qlstm-optimizer bench                 # full suite -> docs/benchmarks/, docs/benchmarks.md
    qlstm-optimizer bench --quick         # a few minutes -> runs/bench-quick/

Parts: ``main`` (exact energies, every suite and depth, every method), ``noise`` (1024-shot
energies, budget 20), ``aer`` (qiskit-aer with a depolarising noise model), ``scale`` (closed-form
p = 1 energies at n = 50..500), ``paper`` (the seed paper's Table I protocol) and ``depth``
(every depth baseline at p = 1..16, :mod:`.depth`; ``--depth-max``, ``--depth-list``) and ``qubo``
(general diagonal Hamiltonians at p = 1, 2 and end-to-end runs through qiskit-optimization,
:mod:`.qubo`; ``--qubo-model``, ``--qubo-suites``). Optimal
QAOA energies are computed first, in parallel, and cached on disk (see :mod:`.suites`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..pretrained import list_pretrained
from .depth import DEFAULT_DEPTHS, DEPTH_BUDGET, QUICK_DEPTHS, run_depth
from .learned import discover
from .metrics import BUDGETS, summarize_runs
from .noise import run_aer
from .optima import OptimumCache, cache_path
from .paper import run_paper
from .parallel import log, pmap, pmap_by_block
from .qubo import add_qubo_arguments, qubo_options
from .qubo_e2e import run_part as run_qubo
from .report import summary_text, write_report
from .scale import run_scale
from .suites import SUITES, make_instance
from .targets import (
    QUBO_KINDS,
    depth_verdicts,
    evaluate_depth_targets,
    evaluate_qubo_targets,
    evaluate_targets,
)
from .tasks import instance_task, noisy_task, optimum_task

PARTS = ("main", "noise", "aer", "scale", "paper", "depth", "qubo")
# The depth part (issue 11's baselines, p up to 16) is opt-in (`--parts depth`) until a learned
# depth-general method exists: its optima alone take minutes per instance, and the default run
# must stay within an hour. The qubo part (issue 12) is opt-in too (`--parts qubo`): its report
# is a page of its own (docs/benchmarks-qubo.md).
DEFAULT_PARTS = ("main", "noise", "aer", "scale", "paper")


@dataclass
class BenchConfig:
    """What to run. Defaults are the full suite; :meth:`quick` gives the few-minute version."""

    quick: bool = False
    suites: tuple[str, ...] = tuple(SUITES)
    depths: tuple[int, ...] = (1, 2, 3)
    budget: int = 50
    instances: int | None = None  # per suite and depth; None = the suite's configured count
    parts: tuple[str, ...] = DEFAULT_PARTS
    workers: int = 2
    untrained: bool = False
    noise_budget: int = 20
    shots: int = 1024
    out: str = "docs/benchmarks"
    report: str | None = "docs/benchmarks.md"
    cache_dir: str | None = None
    depth_depths: tuple[int, ...] | None = None  # None: depth.DEFAULT_DEPTHS (quick: QUICK_DEPTHS)
    depth_budget: int = DEPTH_BUDGET
    depth_instances: int | None = None  # per depth suite; None = the suite's own count
    qubo_models: tuple[str, ...] | None = None  # None: "qubo" if bundled, else "maxcut"
    qubo_suites: tuple[str, ...] | None = None  # None: every qubo suite
    qubo_depths: tuple[int, ...] = (1, 2)
    qubo_instances: int | None = None  # per qubo suite; None = the suite's own count
    qubo_e2e_instances: int | None = None  # per class; None = 3 (quick: 1)
    qubo_e2e_budget: int = 10  # the learned optimizer's; COBYLA gets 5x
    command: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def quick_defaults(cls, **kw: Any) -> BenchConfig:
        kw.setdefault("out", "runs/bench-quick")
        kw.setdefault("report", str(Path(kw["out"]) / "report.md"))
        return cls(quick=True, **kw)


# -- optima --------------------------------------------------------------------------------------


def ensure_optima(cfg: BenchConfig, requests: Iterable[tuple[str, int, int]]) -> OptimumCache:
    """Compute (in parallel) and cache the optimal energies of ``(suite, index, p)`` requests.

    An instance needed at depth p gets every depth 1..p (the search at p starts from p-1)."""
    cache = OptimumCache(cache_path(cfg.cache_dir))
    todo: dict[str, dict] = {}
    for suite, index, p in requests:
        inst = make_instance(SUITES[suite], index, p, cfg.quick)
        depths = list(range(1, p + 1)) if inst.n <= 16 else [p]
        missing = [d for d in depths if cache.get(inst.key, d) is None]
        if missing:
            task = todo.setdefault(inst.key, {"suite": suite, "index": index, "p": p,
                                              "quick": cfg.quick, "depths": set(), "n": inst.n})
            task["depths"].update(depths)
    tasks = sorted(todo.values(), key=lambda t: (-t["n"], -max(t["depths"])))
    for t in tasks:
        t["depths"] = sorted(t["depths"])
    if tasks:
        log(f"optimal QAOA energies: {len(tasks)} instances to compute (cached afterwards)")
    for res in pmap(optimum_task, tasks, cfg.workers, "optima"):
        for p, value in res["optima"].items():
            cache.put(res["key"], int(p), value)
        cache.save()  # after each instance: an interrupted run keeps what it computed
    return cache


# -- main suite ----------------------------------------------------------------------------------


def _learned(family: str, p: int, cfg: BenchConfig) -> tuple[list[dict], str]:
    methods, note = discover(family, p, untrained=cfg.untrained)
    return [asdict(m) for m in methods], note


def main_tasks(cfg: BenchConfig) -> tuple[list[dict], dict]:
    tasks, blocks = [], {}
    for suite in cfg.suites:
        spec = SUITES[suite]
        for p in cfg.depths:
            count = cfg.instances or (spec.quick_count if cfg.quick else spec.count)
            learned, note = _learned(spec.family, p, cfg)
            blocks.setdefault(suite, {})[str(p)] = {"learned": learned, "note": note}
            for i in range(count):
                tasks.append({"suite": suite, "index": i, "p": p, "quick": cfg.quick,
                              "budget": cfg.budget, "learned": learned})
    return tasks, blocks


def _compact(res: dict) -> dict:
    """Per-instance record for the JSON: rho at the reported budgets instead of whole curves."""
    out = {k: v for k, v in res.items() if k != "runs"}
    out["runs"] = {
        label: {"rho": {str(k): r["curve"][k - 1] for k in BUDGETS if k <= len(r["curve"])},
                **{k: v for k, v in r.items() if k != "curve"}}
        for label, r in res["runs"].items()
    }
    return out


def run_main(cfg: BenchConfig, cache: OptimumCache) -> dict:
    tasks, blocks = main_tasks(cfg)
    for t in tasks:
        inst = make_instance(SUITES[t["suite"]], t["index"], t["p"], cfg.quick)
        t["opt"], t["n"] = cache.get(inst.key, t["p"]), inst.n
    tasks.sort(key=lambda t: (-t["n"], -t["p"]))  # longest first balances the pool
    log(f"main suite: {len(tasks)} instance runs")
    for (suite, p), results in pmap_by_block(instance_task, tasks, cfg.workers, "main").items():
        labels = list(results[0]["runs"])
        block = blocks[suite][p]
        block["summary"] = {
            label: summarize_runs(np.array([r["runs"][label]["curve"] for r in results]),
                                  np.array([r["runs"][label]["approx_ratio"] for r in results]))
            for label in labels
        }
        block["instances"] = [_compact(r) for r in results]
        block["seconds"] = float(sum(r["seconds"] for r in results))
    return blocks


# -- shot noise ----------------------------------------------------------------------------------

NOISE_SETS = (("er", 1), ("er", 2), ("sk", 1))


def run_noise(cfg: BenchConfig) -> dict:
    count = cfg.instances or (2 if cfg.quick else 10)
    reqs = [(s, i, p) for s, p in NOISE_SETS if s in cfg.suites and p in cfg.depths
            for i in range(count)]
    # Noise runs use the small quick-size instances: sampling needs the full statevector.
    qcfg = BenchConfig(**{**asdict(cfg), "quick": True})
    cache = ensure_optima(qcfg, reqs)
    tasks = []
    for s, i, p in reqs:
        inst = make_instance(SUITES[s], i, p, True)
        learned, _ = _learned(SUITES[s].family, p, cfg)
        tasks.append({"suite": s, "index": i, "p": p, "quick": True, "budget": cfg.noise_budget,
                      "shots": cfg.shots, "learned": learned, "opt": cache.get(inst.key, p)})
    out: dict[str, Any] = {"budget": cfg.noise_budget, "shots": cfg.shots, "sets": {}}
    grouped: dict[str, list[dict]] = {}
    for res in pmap(noisy_task, tasks, cfg.workers, "noise"):
        grouped.setdefault(f"{res['suite']} p={res['p']}", []).append(res)
    for name, results in grouped.items():
        labels = list(results[0]["runs"])
        out["sets"][name] = {
            "instances": [{k: v for k, v in r.items()} for r in results],
            "median_rho_returned": {
                lab: float(np.median([r["runs"][lab]["rho_returned"] for r in results]))
                for lab in labels
            },
        }
    return out


# -- entry points --------------------------------------------------------------------------------


def run_suite(cfg: BenchConfig) -> dict:
    """Run the configured parts, write ``results.json`` (+ report and figures), return results."""
    t0 = time.perf_counter()
    results: dict[str, Any] = {
        "config": asdict(cfg), "models": list_pretrained(), "budgets": list(BUDGETS),
        "created": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": {},
    }
    if "main" in cfg.parts:
        reqs = [(s, i, p) for t in main_tasks(cfg)[0] for s, i, p in
                [(t["suite"], t["index"], t["p"])]]
        t = time.perf_counter()
        cache = ensure_optima(cfg, reqs)
        results["seconds"]["optima"] = time.perf_counter() - t
        t = time.perf_counter()
        results["suites"] = run_main(cfg, cache)
        results["seconds"]["main"] = time.perf_counter() - t
        results["targets"] = evaluate_targets(results["suites"])
    for part, runner in (("noise", run_noise), ("aer", run_aer), ("scale", run_scale),
                         ("paper", run_paper), ("depth", run_depth), ("qubo", run_qubo)):
        if part in cfg.parts:
            t = time.perf_counter()
            log(f"part {part} ...")
            results[part] = runner(cfg)
            results["seconds"][part] = time.perf_counter() - t
    if "depth" in results:
        results["depth_targets"] = evaluate_depth_targets(results["depth"]["suites"])
        results["depth_verdicts"] = depth_verdicts(results["depth_targets"])
    if "qubo" in results:
        results["qubo_targets"] = evaluate_qubo_targets(results["qubo"])
        results["qubo_verdicts"] = depth_verdicts(results["qubo_targets"], QUBO_KINDS)
    results["seconds"]["total"] = time.perf_counter() - t0
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / ("results-quick.json" if cfg.quick else "results.json")
    # Compact: rounded floats, no indentation (the full suite's raw results stay ~1 MB).
    path.write_text(json.dumps(_rounded(results), separators=(",", ":"),
                               default=_json_default) + "\n")
    log(f"wrote {path}")
    if cfg.report:
        write_report(results, Path(cfg.report), figures_dir=out, results_path=path)
        log(f"wrote {cfg.report}")
    return results


def _rounded(obj: Any, digits: int = 5) -> Any:
    """Floats rounded to ``digits`` decimals (rho differences below 1e-5 are noise)."""
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, dict):
        return {k: _rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_rounded(v, digits) for v in obj]
    return obj


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (set, tuple)):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qlstm-optimizer bench``."""
    parser.add_argument("--quick", action="store_true",
                        help="a few-minute version (fewer, smaller instances)")
    parser.add_argument("--suites", nargs="+", choices=sorted(SUITES), default=None,
                        help="instance suites (default all)")
    parser.add_argument("--depths", nargs="+", type=int, default=None,
                        help="QAOA depths (default 1 2 3)")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=None,
                        help=f"parts to run (default: {' '.join(DEFAULT_PARTS)}; "
                             "'depth' and 'qubo' are opt-in)")
    parser.add_argument("--budget", type=int, default=50, help="evaluations per run (default 50)")
    parser.add_argument("--instances", type=int, default=None,
                        help="instances per suite and depth (default: the suite's own count)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes (default min(2, cores))")
    parser.add_argument("--untrained", action="store_true",
                        help="stand in an untrained QLSTM where no bundled model exists")
    parser.add_argument("--out", default=None,
                        help="results/figures directory (default docs/benchmarks, "
                             "quick: runs/bench-quick)")
    parser.add_argument("--report", default=None,
                        help="markdown report path (default docs/benchmarks.md, "
                             "quick: <out>/report.md); 'none' to skip")
    parser.add_argument("--cache-dir", default=None,
                        help="cache of optimal energies (default ~/.cache/qlstm_optimizer)")
    parser.add_argument("--depth-max", type=int, default=None,
                        help="depth part: largest depth (default list "
                             f"{' '.join(map(str, DEFAULT_DEPTHS))}, cut at this depth)")
    parser.add_argument("--depth-list", nargs="+", type=int, default=None,
                        help="depth part: the depths to run (overrides the default list)")
    parser.add_argument("--depth-budget", type=int, default=DEPTH_BUDGET,
                        help=f"depth part: evaluations per run (default {DEPTH_BUDGET})")
    parser.add_argument("--depth-instances", type=int, default=None,
                        help="depth part: instances per suite (default: the suite's own count)")
    add_qubo_arguments(parser)

def config_from_args(args: argparse.Namespace, argv: list[str] | None = None) -> BenchConfig:
    for name in ("instances", "workers", "budget"):  # 0 would silently mean "the default"
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise ValueError(f"--{name} must be positive, got {value}")
    if args.depths and min(args.depths) < 1:
        raise ValueError(f"--depths must be positive QAOA depths, got {args.depths}")
    kw: dict[str, Any] = {"budget": args.budget, "instances": args.instances,
                          "workers": args.workers, "untrained": args.untrained,
                          "cache_dir": args.cache_dir}
    if args.suites:
        kw["suites"] = tuple(args.suites)
    if args.depths:
        kw["depths"] = tuple(args.depths)
    if args.parts:
        kw["parts"] = tuple(args.parts)
    if args.out:
        kw["out"] = args.out
    if args.report:
        kw["report"] = None if args.report.lower() == "none" else args.report
    kw.update(_depth_options(args))
    kw.update(qubo_options(args))
    if args.budget < max(BUDGETS) and "main" in kw.get("parts", DEFAULT_PARTS):
        log(f"note: budget {args.budget} < {max(BUDGETS)}: larger k are not reported")
    argv = list(argv if argv is not None else sys.argv[1:])
    if argv[:1] != ["bench"]:  # run as python -m qlstm_optimizer.bench.suite
        argv = ["bench", *argv]
    kw["command"] = "qlstm-optimizer " + " ".join(argv)
    return BenchConfig.quick_defaults(**kw) if args.quick else BenchConfig(**kw)


def _depth_options(args: argparse.Namespace) -> dict[str, Any]:
    """BenchConfig fields of the depth part's options, each checked and named on error."""
    kw: dict[str, Any] = {}
    for name in ("depth_max", "depth_budget", "depth_instances"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be positive, got {value}")
    if getattr(args, "depth_list", None):
        if any(p < 1 for p in args.depth_list):
            raise ValueError(f"--depth-list takes positive depths, got {args.depth_list}")
        kw["depth_depths"] = tuple(sorted(set(args.depth_list)))
    elif getattr(args, "depth_max", None) is not None:
        base = QUICK_DEPTHS if args.quick else DEFAULT_DEPTHS
        kw["depth_depths"] = tuple(sorted({p for p in base if p <= args.depth_max}
                                          | {args.depth_max}))
    kw["depth_budget"] = getattr(args, "depth_budget", DEPTH_BUDGET)
    kw["depth_instances"] = getattr(args, "depth_instances", None)
    return kw


def run_cli(args: argparse.Namespace) -> int:
    """``qlstm-optimizer bench``: run, write JSON/report, print the summary tables."""
    cfg = config_from_args(args)
    if args.budget < 1:
        raise ValueError(f"--budget must be positive, got {args.budget}")
    results = run_suite(cfg)
    print(summary_text(results))
    return 0


if __name__ == "__main__":  # python -m qlstm_optimizer.bench.suite
    _parser = argparse.ArgumentParser(prog="qlstm-optimizer bench")
    add_bench_arguments(_parser)
    sys.exit(run_cli(_parser.parse_args()))
