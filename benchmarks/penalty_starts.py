"""How few evaluations reach the GLOBAL p = 1 (and p = 2) QAOA optimum on penalty problems when
the start points come from the operator (``qlstm_optimizer.penalty_starts``).

Produced: docs/design.md, "Start candidates for penalty problems".

Run ``OMP_NUM_THREADS=1 python -m benchmarks.penalty_starts`` (about 4 minutes on one core;
``--p2`` adds the depth-2 comparison, about 2 minutes more). Validation-split seeds only
(``instance_seed("val", i, 0)``), every class of ``qlstm_optimizer.qubo_problems`` at n = 6..12
logical variables (knapsack 5..9 items + 3 slack bits, TSP 3 cities = 9 qubits) plus weighted
Max-Cut (integer weights 1..10) and SK (+-1) as controls. Per instance: the global p = 1
optimum (``benchmarks.p1_landscape``), and per candidate rule the rho of the best of the first K
candidates (one evaluation each) for K = 1, 2, 3, 5, 8, and after 10 quadratic-refine steps
(``qlstm_optimizer.refine``, exact energies) from the best of the first 3. Rules:
``candidate_starts`` as shipped (closed-form gamma profile to 8 half-turns of the largest
coupling, plus the exact coupling realignments out to the landscape's period), ``profile only``
(without the realignments), ``lattice`` (first basin, then ``gamma = m pi / (2 J_max)``,
m = 1..7, each with its best beta; no gamma search). Then the
global optimum's sharpness: its half-depth width in gamma over the first basin's, rho at gamma
1 % off (same beta: a calibration error), and how many 1024-shot standard errors separate its
energy from the first basin's.

Example:
    >>> h = build("vertex_cover", 0)
    >>> h.num_qubits in range(6, 13)
    True
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from scipy.optimize import minimize

from qlstm_optimizer import problems, qubo_problems
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.instances import instance_seed
from qlstm_optimizer.penalty_starts import best_beta, p1_candidates
from qlstm_optimizer.refine import quadratic_refine
from qlstm_optimizer.sim import engine
from qlstm_optimizer.sim.numpy_qaoa import qaoa_energy
from qlstm_optimizer.units import hamiltonian_scale_factor

from .p1_landscape import energy_function, global_p1_optimum, nearest_local_optimum

CLASSES = ("vertex_cover", "stable_set", "knapsack", "number_partitioning", "tsp", "portfolio",
           "random_qubo", "labs", "max3sat", "weighted_maxcut", "sk")
KS = (1, 2, 3, 5, 8)
RULES = ("candidate_starts", "profile only", "lattice")
POLISH_FROM, POLISH_STEPS = 3, 10
SHOTS = 1024


def build(name: str, index: int) -> Any:
    """Validation instance ``index`` of class ``name`` (n drawn from the seed)."""
    seed = instance_seed("val", index, 0)
    rng = np.random.default_rng([seed, CLASSES.index(name)])
    n = int(rng.integers(6, 13))
    q = float(rng.choice([0.3, 0.5, 0.7]))
    if name in ("vertex_cover", "stable_set"):
        return getattr(qubo_problems, name)(n, q, seed=seed)
    if name == "knapsack":
        return qubo_problems.knapsack(int(rng.integers(5, 10)), seed=seed, slack_bits=3)
    if name == "tsp":
        return qubo_problems.tsp(3, seed=seed)
    if name == "portfolio":
        return qubo_problems.portfolio(n, seed=seed, budget=int(rng.integers(1, n)))
    if name == "labs":
        return qubo_problems.labs(6 + index % 7)
    if name in ("number_partitioning", "random_qubo", "max3sat"):
        return getattr(qubo_problems, name)(n, seed=seed)
    if name == "weighted_maxcut":
        edges = problems.erdos_renyi(n, q, seed=seed).edges
        return DiagonalHamiltonian(n, {(int(u), int(v)): float(rng.integers(1, 11)) / 2
                                       for u, v in edges})
    if name == "sk":
        return problems.sk(n, seed=seed)
    raise ValueError(f"class must be one of {CLASSES}, got {name!r}")


def lattice_candidates(h: Any, opt: Any, k: int) -> list[tuple[float, float]]:
    """The first basin's optimum, then gamma = m pi / (2 J_max) with the best beta there."""
    if h.max_order > 2:
        return [(b, g) for b, g, _ in p1_candidates(h, k)]
    beta1, gamma1, _ = nearest_local_optimum(opt, h, 0.0)
    j_max = max(abs(c) for key, c in h.terms.items() if len(key) >= 2)
    gammas = np.arange(1, k) * np.pi / (2 * j_max)
    betas = best_beta(h, gammas)[0] if len(gammas) else []
    return [(beta1, gamma1), *zip(betas, gammas, strict=True)]


def candidates(rule: str, h: Any, opt: Any, k: int) -> list[tuple[float, float]]:
    if rule == "lattice":
        return lattice_candidates(h, opt, k)
    return [(b, g) for b, g, _ in p1_candidates(h, k, realign=rule == "candidate_starts")]


def half_depth_width(h: Any, opt: Any, gamma: float, energy: float) -> float:
    """Width in gamma of the basin around ``gamma`` where the profile (best beta per gamma)
    keeps at least half the optimum's depth below the uniform energy; scanned on 1/64 of the
    landscape grid's spacing, up to 8 spacings either side."""
    dg = opt.gammas[1] - opt.gammas[0]
    grid = gamma + dg * np.linspace(-8, 8, 1025)
    prof = best_beta(h, grid)[1]
    inside = prof <= (opt.constant + energy) / 2
    lo = hi = 512
    while lo > 0 and inside[lo - 1]:
        lo -= 1
    while hi < 1024 and inside[hi + 1]:
        hi += 1
    return float(grid[hi] - grid[lo])


def std_energy(h: Any, x: list[float]) -> float:
    """Standard deviation of the measured energy in the state at ``x`` (one shot)."""
    diag = np.ascontiguousarray(h.diagonal())
    psi = engine.statevectors(diag, np.asarray([x], dtype=float))[0]
    prob = np.abs(psi) ** 2
    mean = prob @ diag
    return float(np.sqrt(max(prob @ diag**2 - mean**2, 0.0)))


def polish(h: Any, opt: Any, start: tuple[float, float], budget: int) -> float:
    """rho after ``budget`` quadratic-refine evaluations from ``start`` (in (beta, gamma c))."""
    f = energy_function(h)
    c = hamiltonian_scale_factor(h, "maxcut", "term-local")
    xs, fs = quadratic_refine(lambda y: f([y[0], y[1] / c]), [[start[0], start[1] * c]],
                              [f(list(start))], budget, 0.05)
    return opt.rho(min(fs))


def measure(classes: list[str], count: int, log: Any = None) -> list[dict]:
    records = []
    for name in classes:
        for i in range(count):
            t0 = time.perf_counter()
            h = build(name, i)
            opt = global_p1_optimum(h)
            f = energy_function(h)
            beta1, gamma1, e1 = nearest_local_optimum(opt, h, 0.0)
            rec = {"class": name, "n": h.num_qubits, "rho_first": opt.rho(e1)}
            for rule in RULES:
                cands = candidates(rule, h, opt, max(KS))
                rhos = [opt.rho(f([b, g])) for b, g in cands]
                rhos += rhos[-1:] * (max(KS) - len(rhos))  # fewer minima: nothing more to try
                rec[rule] = [max(rhos[:k]) for k in KS]
                best = cands[int(np.argmax(rhos[:POLISH_FROM]))]
                rec[rule + "-polish"] = polish(h, opt, best, POLISH_STEPS)
            rec["width_ratio"] = (half_depth_width(h, opt, opt.gamma, opt.energy)
                                  / half_depth_width(h, opt, gamma1, e1))
            rec["gamma_ratio"] = opt.gamma / gamma1
            rec["rho_detuned"] = min(opt.rho(f([opt.beta, opt.gamma * s])) for s in (0.99, 1.01))
            rec["rho_first_detuned"] = min(opt.rho(f([beta1, gamma1 * s])) for s in (0.99, 1.01))
            sigma = np.hypot(std_energy(h, [opt.beta, opt.gamma]), std_energy(h, [beta1, gamma1]))
            rec["z_shots"] = (e1 - opt.energy) / (sigma / np.sqrt(SHOTS))
            rec["turns"] = 2 * opt.gamma * max(abs(c) for key, c in h.terms.items()
                                                 if len(key) >= 2) / np.pi
            records.append(rec)
            if log:
                log(f"  {name} #{i}: n={h.num_qubits} gamma*={opt.gamma:.4g} "
                    f"rho_first={rec['rho_first']:.3f} "
                    f"candidates K=1 {rec['candidate_starts'][0]:.3f} "
                    f"({time.perf_counter() - t0:.1f} s)")
    return records


def _cell(values: list[float]) -> str:
    return f"{np.median(values):.3f} [{np.percentile(values, 10):.3f}]"


def tables(records: list[dict]) -> list[str]:
    classes = list(dict.fromkeys(r["class"] for r in records))
    out = []
    for rule in RULES:
        out += [f"\nrule {rule}: rho of the best of the first K candidates, median [10th pct]",
                "| class | " + " | ".join(f"K = {k}" for k in KS)
                + f" | {POLISH_FROM} + {POLISH_STEPS} refine |", "|---" * (len(KS) + 2) + "|"]
        for cls in [*classes, "all"]:
            rs = [r for r in records if cls in ("all", r["class"])]
            cells = [_cell([r[rule][j] for r in rs]) for j in range(len(KS))]
            cells.append(_cell([r[rule + "-polish"] for r in rs]))
            out.append(f"| {cls} | " + " | ".join(cells) + " |")
    out += ["\nsharpness of the global optimum, median [min..max]",
            "| class | half-turns of J_max | gamma* / gamma_1 | width / first basin's | "
            "rho at gamma +-1 % (first basin's) | gap in 1024-shot std errors |",
            "|---|---|---|---|---|---|"]
    for cls in classes:
        rs = [r for r in records if r["class"] == cls]

        def rng(key: str, fmt: str = ".3g", rs: list = rs) -> str:
            v = [r[key] for r in rs]
            return f"{np.median(v):{fmt}} [{min(v):{fmt}}..{max(v):{fmt}}]"
        first = np.median([r["rho_first_detuned"] for r in rs])
        out.append(f"| {cls} | {rng('turns')} | {rng('gamma_ratio')} | {rng('width_ratio')} | "
                   f"{rng('rho_detuned', '.3f')} ({first:.3f}) | {rng('z_shots', '.1f')} |")
    return out


def p2_study(classes: list[str], count: int) -> list[str]:
    """Depth 2: L-BFGS-B (finite differences, every energy counted) from INTERP of the first
    basin, of the global p = 1 optimum, from that optimum with an empty second layer (its p = 1
    energy exactly; a stationary point for gradient methods), and from the best of 3
    ``candidate_starts``; rho against the best energy any of them reached in 200 evaluations,
    uniform state = 0."""
    from qlstm_optimizer.penalty_starts import candidate_starts

    budgets = (1, 10, 20, 40)
    lines = ["| class | start | " + " | ".join(f"rho_{b}" for b in budgets) + " |",
             "|---" * (len(budgets) + 2) + "|"]
    for name in classes:
        runs: dict[str, list[list[float]]] = {}
        for i in range(count):
            h = build(name, i)
            opt = global_p1_optimum(h)
            beta1, gamma1, _ = nearest_local_optimum(opt, h, 0.0)
            c = hamiltonian_scale_factor(h, "maxcut", "term-local")
            cands = candidate_starts(h, 2, 3)
            starts = {"INTERP first basin": ([], [beta1] * 2 + [gamma1] * 2),
                      "INTERP global p = 1": ([], [opt.beta] * 2 + [opt.gamma] * 2),
                      "global p = 1, empty 2nd layer": ([], [opt.beta, 0.0, opt.gamma, 0.0]),
                      "best of 3 candidates": (list(cands), None)}
            traces = {}
            for label, (pre, x0) in starts.items():
                trace = [qaoa_energy(h, x) for x in pre]
                if x0 is None:
                    x0 = pre[int(np.argmin(trace))]
                scale = np.array([1, 1, c, c], dtype=float)

                def f(y: np.ndarray, trace: list = trace, scale: np.ndarray = scale,
                      h: Any = h) -> float:
                    trace.append(qaoa_energy(h, y / scale))
                    return trace[-1]
                minimize(f, np.asarray(x0) * scale, method="L-BFGS-B",
                         options={"maxfun": 200, "maxiter": 200})
                traces[label] = np.minimum.accumulate(trace[:200])
            best = min(t.min() for t in traces.values())
            for label, t in traces.items():
                rho = [(h.constant - t[min(b, len(t)) - 1]) / (h.constant - best) for b in budgets]
                runs.setdefault(label, []).append(rho)
        for label, rhos in runs.items():
            arr = np.array(rhos)
            lines.append(f"| {name} | {label} | "
                         + " | ".join(_cell(list(arr[:, j])) for j in range(len(budgets))) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=6, help="instances per class")
    parser.add_argument("--classes", nargs="+", default=list(CLASSES), choices=CLASSES)
    parser.add_argument("--p2", type=int, default=0,
                        help="instances per class for the depth-2 study (0: skip it)")
    parser.add_argument("--p2-classes", nargs="+", choices=CLASSES,
                        default=["vertex_cover", "stable_set", "tsp", "knapsack"])
    parser.add_argument("--quiet", action="store_true", help="no per-instance lines")
    args = parser.parse_args(argv)
    if args.instances < 1:
        parser.error(f"--instances must be at least 1, got {args.instances}")
    if args.p2 < 0:
        parser.error(f"--p2 must be non-negative, got {args.p2}")
    records = measure(args.classes, args.instances, None if args.quiet else print)
    print("\n".join(tables(records)))
    if args.p2:
        print("\ndepth 2: rho against the best energy reached, median [10th pct]")
        print("\n".join(p2_study(args.p2_classes, args.p2)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
