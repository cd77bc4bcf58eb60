"""Worker tasks of the benchmark: everything one process does for one instance.

Tasks take and return plain dicts (picklable, JSON-friendly) so the runner can farm them out to
a process pool; each task rebuilds its instance from (suite, index, depth, quick), which is
cheap and deterministic.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from ..sim import sampled_energy
from .baselines import EXTRA_RUNS, STARTS, SUITE_OPTIMIZERS, run_baseline, start_point
from .learned import LearnedMethod, run_learned
from .metrics import evals_to_reach, rho_curve
from .objective import CountingObjective
from .optima import compute_optima
from .suites import SUITES, BenchInstance, make_instance


def run_methods(inst: BenchInstance, p: int, fun: Callable[[np.ndarray], float], budget: int,
                learned: list[LearnedMethod], *, noisy: bool = False,
                optimizers: tuple[str, ...] = SUITE_OPTIMIZERS,
                starts: tuple[str, ...] = STARTS) -> dict[str, CountingObjective]:
    """Every baseline from every start (plus :data:`EXTRA_RUNS`), then every learned method.

    All random starts of one instance use the same seeded point (Qiskit's default distribution),
    so the optimizers are compared from identical starts; SPSA's perturbations are seeded too.
    """
    seed = [int(inst.seed) % 2**63, p, zlib.crc32(inst.suite.encode())]
    x_random = start_point("random", inst.family, p, np.random.default_rng(seed))
    out: dict[str, CountingObjective] = {}
    grid = [(o, s) for o in optimizers for s in starts]
    grid += [r for r in EXTRA_RUNS if r[0] in optimizers and r not in grid]
    for opt, start in grid:
        x0 = x_random if start == "random" else start_point(start, inst.family, p, None,
                                                           inst.relative)
        out[f"{opt}@{start}"] = run_baseline(opt, fun, x0, budget, informed=start != "random",
                                             seed=seed[0] % 2**32, noisy=noisy)
    for m in learned:
        out[m.label] = run_learned(fun, p, budget, m, inst.relative)
    return out


def _instance_meta(inst: BenchInstance, p: int, opt: float) -> dict[str, Any]:
    return {"suite": inst.suite, "index": inst.index, "p": p, "n": inst.n, "seed": int(inst.seed),
            "params": inst.params, "opt": opt, "key": inst.key}


def instance_task(task: dict[str, Any]) -> dict[str, Any]:
    """Exact-energy runs of every method on one instance: rho curves, evaluations to rho 0.99
    and the approximation ratio of the best point at the full budget."""
    start = time.perf_counter()
    spec = SUITES[task["suite"]]
    p, budget, opt = task["p"], task["budget"], task["opt"]
    inst = make_instance(spec, task["index"], p, task["quick"])
    learned = [LearnedMethod(**m) for m in task["learned"]]
    traces = run_methods(inst, p, inst.energy_function(p), budget, learned)
    runs = {}
    for label, trace in traces.items():
        curve = rho_curve(trace.values, opt, budget)
        runs[label] = {
            "curve": np.round(curve, 6).tolist(),
            "nfev": trace.nfev,
            "evals_to_099": evals_to_reach(curve),
            "approx_ratio": inst.approximation_ratio(min(trace.values)),
        }
    out = _instance_meta(inst, p, opt)
    out.update(runs=runs, seconds=time.perf_counter() - start)
    return out


def optimum_task(task: dict[str, Any]) -> dict[str, Any]:
    """Optimal relative QAOA energies of one instance at the requested depths."""
    start = time.perf_counter()
    inst = make_instance(SUITES[task["suite"]], task["index"], task["p"], task["quick"])
    values = compute_optima(inst, sorted(task["depths"]))
    return {"key": inst.key, "optima": values, "n": inst.n,
            "seconds": time.perf_counter() - start}


def noisy_task(task: dict[str, Any]) -> dict[str, Any]:
    """Shot-noise runs: every optimizer sees 1024-shot sampled energies (as Qiskit's
    StatevectorSampler would give); scored by the exact rho of the point it returns (the point
    with the lowest *observed* energy, which is what run_policy and SciPy report)."""
    start = time.perf_counter()
    spec = SUITES[task["suite"]]
    p, budget, opt, shots = task["p"], task["budget"], task["opt"], task["shots"]
    inst = make_instance(spec, task["index"], p, task["quick"])
    rng = np.random.default_rng([int(inst.seed) % 2**63, p, 7])
    h = inst.relative
    exact = inst.energy_function(p)
    learned = [LearnedMethod(**m) for m in task["learned"]]
    traces = run_methods(inst, p, lambda x: sampled_energy(h, x, shots, rng), budget, learned,
                         noisy=True)
    runs = {}
    for label, trace in traces.items():
        x_best, _ = trace.best()
        runs[label] = {"rho_returned": exact(x_best) / opt, "nfev": trace.nfev}
    out = _instance_meta(inst, p, opt)
    out.update(runs=runs, shots=shots, seconds=time.perf_counter() - start)
    return out
