"""End-to-end runs of the ``qubo`` part through qiskit-optimization (optional import).

For a few held-out instances of each class that has a ``QuadraticProgram`` (every
:mod:`qlstm_optimizer.qubo_problems` class but the higher-order LABS and Max-3-SAT; weighted
Max-Cut through ``applications.Maxcut`` for comparison), as a Qiskit user runs QAOA::

    MinimumEigenOptimizer(QAOA(StatevectorSampler(default_shots=1024), optimizer=...,
                               reps=1, transpiler=pass_manager)).solve(quadratic_program)

with the learned optimizer (``QLSTMOptimizer(model, maxfev=B)``, the operator found
automatically) and COBYLA (``maxiter=5 B``, from QAOA's random initial point). The
``QuadraticProgram`` is :func:`to_quadratic_program` of the instance's ``BinaryProgram`` (the
program qiskit-optimization's application builds, tests/test_qubo_problems.py), so
``QuadraticProgramToQubo`` inside the optimizer gives the instance's own operator. Per run: the
returned solution's objective against the brute-force optimum (:func:`solution_quality`),
whether it is feasible and optimal, the exact probability of the optimal bit strings (the
Hamiltonian's ground states, slack bits included) in the final p = 1 state, the exact rho of
the returned angles against the wide-search optimum, and the evaluations spent. The pass
manager transpiles the ansatz to ``rz, rzz, rx, h, sx, x, cx`` once: without it
StatevectorSampler re-synthesises the evolution gates on every call (16 s per evaluation at 9
qubits here, against 0.1 s).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
from qiskit.primitives import StatevectorSampler
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_algorithms import QAOA
from qiskit_algorithms.optimizers import COBYLA
from qiskit_algorithms.utils import algorithm_globals

from ..model_choice import UntrainedFamilyWarning
from ..qiskit import QLSTMOptimizer
from ..sim.numpy_qaoa import qaoa_probabilities
from .optima import OptimumCache
from .parallel import log, pmap
from .qubo import (
    QUBO_SUITES,
    energy_function,
    logical_size,
    qubo_instances,
    resolve_models,
    run_qubo,
    wide_cache_path,
)
from .suites import make_instance

E2E_SHOTS = 1024
E2E_COBYLA_FACTOR = 5  # COBYLA gets this many times the learned optimizer's budget
E2E_DEFAULT_INSTANCES = 3
E2E_BASIS = ["rz", "rzz", "rx", "h", "sx", "x", "cx"]
E2E_SUITES = ("vertex_cover", "stable_set", "knapsack", "number_partitioning", "tsp",
              "portfolio", "random_qubo", "weighted_er")


def to_quadratic_program(problem: Any) -> Any:
    """The qiskit-optimization ``QuadraticProgram`` of a problem: its ``BinaryProgram``
    (variables ``x0..``, the objective in its sense, the linear constraints) or, for Max-Cut,
    ``applications.Maxcut``'s. None for problems without one (higher order, SK).

    Example:
        >>> from qlstm_optimizer.qubo_problems import stable_set
        >>> qp = to_quadratic_program(stable_set(4, 0.5, seed=0))
        >>> qp.get_num_binary_vars(), qp.objective.sense.name
        (4, 'MAXIMIZE')
    """
    from qiskit_optimization import QuadraticProgram

    program = getattr(problem, "program", None)
    if program is None:
        if hasattr(problem, "to_networkx"):
            from qiskit_optimization.applications import Maxcut

            return Maxcut(problem.to_networkx()).to_quadratic_program()
        return None
    qp = QuadraticProgram(getattr(problem, "name", None) or "program")
    names = [f"x{i}" for i in range(program.num_vars)]
    for name in names:
        qp.binary_var(name)
    quad = {(names[i], names[j]): float(c) for (i, j), c in np.ndenumerate(program.quadratic)
            if c}
    objective = {"constant": program.constant, "linear": program.linear.tolist(),
                 "quadratic": quad}
    (qp.maximize if program.maximize else qp.minimize)(**objective)
    for k, (row, sense, rhs) in enumerate(program.constraints):
        qp.linear_constraint({names[i]: c for i, c in row.items()}, sense, rhs, name=f"c{k}")
    return qp


def solution_quality(problem: Any, x: np.ndarray) -> dict[str, Any]:
    """Quality of the returned variables ``x``: feasibility, the energy of ``x`` (its best slack
    bits) against the ground energy, and whether it is optimal (a ground state). For a feasible
    ``x`` the energy is the objective (negated when maximised) and the ground energy the
    feasible optimum's, so ``gap = |E(x) - E_0| / max(1, |E_0|)`` is the relative objective gap
    to the brute-force optimum; this also covers number partitioning without a perfect split,
    where no assignment is feasible and the optimum is the best split.
    """
    x = np.asarray(x).round().astype(int)
    diag = np.asarray(problem.diagonal(), float)
    nv = x.size
    base = int((x << np.arange(nv)).sum())
    energy = float(diag[base + (np.arange(2 ** (problem.num_qubits - nv)) << nv)].min())
    ground = float(diag.min())
    feasible = True if not hasattr(problem, "is_feasible") else bool(problem.is_feasible(x))
    return {"energy": energy, "ground": ground, "feasible": feasible,
            "gap": abs(energy - ground) / max(1.0, abs(ground)),
            "optimal": energy <= ground + 1e-9 * max(1.0, float(np.abs(diag).max()))}


def optimal_probability(problem: Any, angles: np.ndarray) -> float:
    """Exact probability of the ground-state bit strings in the p = 1 state at ``angles``."""
    diag = np.asarray(problem.diagonal(), float)
    tol = 1e-9 * max(1.0, float(np.abs(diag).max()))
    probs = qaoa_probabilities(problem, np.asarray(angles, float))
    return float(probs[diag <= diag.min() + tol].sum())


def e2e_task(task: dict[str, Any]) -> dict[str, Any]:
    """Both runs (learned at budget B, COBYLA at 5 B) on one instance."""
    from qiskit_optimization.algorithms import MinimumEigenOptimizer  # optional dependency

    start = time.perf_counter()
    inst = make_instance(QUBO_SUITES[task["suite"]], task["index"], 1, task["quick"])
    qp = to_quadratic_program(inst.problem)
    budget, opt = task["budget"], task["opt"]
    energy = energy_function(inst, 1)
    # "auto": QLSTMOptimizer(maxfev=B) with no model named, what a user gets by default
    # (the family model_choice picks from the operator)
    optimizers = {"learned": QLSTMOptimizer(task["model"], maxfev=budget),
                  "auto": QLSTMOptimizer(maxfev=budget),
                  "cobyla": COBYLA(maxiter=E2E_COBYLA_FACTOR * budget)}
    pm = generate_preset_pass_manager(optimization_level=1, basis_gates=E2E_BASIS)
    runs = {}
    for label, optimizer in optimizers.items():
        seed = int(inst.seed) % 2**31 + task["repeat"]
        algorithm_globals.random_seed = seed  # QAOA's random initial point (COBYLA)
        sampler = StatevectorSampler(default_shots=E2E_SHOTS, seed=seed)
        qaoa = QAOA(sampler, optimizer, reps=1, transpiler=pm)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # QAOAAnsatz (REFERENCE)
            # "auto" without a bundled general model warns UntrainedFamilyWarning: the run
            # records which model ran instead
            warnings.simplefilter("ignore", UntrainedFamilyWarning)
            result = MinimumEigenOptimizer(qaoa).solve(qp)
        angles = np.asarray(result.min_eigen_solver_result.optimal_point, float)
        runs[label] = {**solution_quality(inst.problem, np.asarray(result.x)),
                       "p_optimal": optimal_probability(inst.problem, angles),
                       "rho": float(energy(angles) / opt) if opt else None,
                       "nfev": int(result.min_eigen_solver_result.cost_function_evals),
                       "angles": angles.tolist()}
    return {"suite": task["suite"], "index": inst.index,
            "n": logical_size(task["suite"], inst.index, task["quick"]), "seed": int(inst.seed),
            "qubits": inst.problem.num_qubits, "key": inst.key, "runs": runs,
            "seconds": time.perf_counter() - start}


def _summary(results: list[dict], label: str) -> dict[str, Any]:
    runs = [r["runs"][label] for r in results]
    rhos = [r["rho"] for r in runs if r["rho"] is not None]
    return {"runs": len(runs), "feasible": float(np.mean([r["feasible"] for r in runs])),
            "optimal": float(np.mean([r["optimal"] for r in runs])),
            "objective_gap_median": float(np.median([r["gap"] for r in runs])),
            "p_optimal_median": float(np.median([r["p_optimal"] for r in runs])),
            "rho_median": float(np.median(rhos)) if rhos else None,
            "rho_min": float(min(rhos)) if rhos else None,
            "nfev_median": float(np.median([r["nfev"] for r in runs]))}


def run_part(cfg: Any) -> dict[str, Any]:
    """The whole ``qubo`` part: :func:`.qubo.run_qubo`, then the end-to-end block."""
    out = run_qubo(cfg)
    start = time.perf_counter()
    out["e2e"] = run_e2e(cfg, out["settings"])
    out["e2e_seconds"] = time.perf_counter() - start
    return out


def run_e2e(cfg: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """The end-to-end block, or ``{"skipped": reason}`` without qiskit-optimization or a
    learned model at p = 1."""
    try:
        import qiskit_optimization  # noqa: F401
    except ImportError:
        reason = ("qiskit-optimization is not installed (pip install qiskit-optimization): "
                  "the end-to-end runs through MinimumEigenOptimizer were skipped")
        log(f"qubo: {reason}")
        return {"skipped": reason}
    methods, note = resolve_models(tuple(settings["models"][:1]), 1)
    if not methods:
        return {"skipped": f"no learned model at p = 1 ({note})"}
    model = methods[0].model
    cache = OptimumCache(wide_cache_path(cfg.cache_dir))
    count = settings["e2e_instances"] or (1 if settings["quick"] else E2E_DEFAULT_INSTANCES)
    tasks = []
    for suite in (s for s in E2E_SUITES if s in settings["suites"]):
        for inst in qubo_instances({**settings, "instances": count}, suite):
            tasks.append({"suite": suite, "index": inst.index, "quick": settings["quick"],
                          "budget": settings["e2e_budget"], "model": model, "repeat": 0,
                          "opt": cache.get(inst.key, 1), "n": inst.problem.num_qubits})
    tasks.sort(key=lambda t: -t["n"])
    log(f"qubo: {len(tasks)} end-to-end MinimumEigenOptimizer runs (model {model})")
    grouped: dict[str, list[dict]] = {}
    for res in pmap(e2e_task, tasks, cfg.workers, "qubo e2e"):
        grouped.setdefault(res["suite"], []).append(res)
    classes = {}
    for suite, results in grouped.items():
        results.sort(key=lambda r: r["index"])
        classes[suite] = {"instances": results,
                          "summary": {lab: _summary(results, lab) for lab in results[0]["runs"]}}
    return {"model": model, "label": methods[0].label, "budget": settings["e2e_budget"],
            "cobyla_budget": E2E_COBYLA_FACTOR * settings["e2e_budget"], "shots": E2E_SHOTS,
            "classes": {s: classes[s] for s in E2E_SUITES if s in classes}}
