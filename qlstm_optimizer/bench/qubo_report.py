"""Report blocks of the ``qubo`` part (:mod:`.qubo`): markdown tables, no figures.

:func:`qubo_section` renders ``results["qubo"]``: which learned model ran, the setup, the check
of the optimal energies (how far the standard search was from the wide one, and runs that beat
the optimum), the targets per class and depth with shortfalls, a rho_k table per class and
depth, and the end-to-end table. The targets are evaluated from the summaries rendered
(:func:`.targets.evaluate_qubo_targets`, as the run stored them), so an older results file
re-renders right.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .depth_report import _f, _table, _target_cell, block_lines, verdict_cell
from .qubo import FALLBACK_MODEL, QUBO_SUITES
from .qubo_e2e import E2E_BASIS
from .qubo_optima import MAX_GRID, NUM_LIFTED, NUM_POLISH
from .targets import (
    QUBO_KINDS,
    QUBO_TARGETS,
    depth_verdicts,
    evaluate_qubo_targets,
)

HEADS = [f"{'median' if stat == 'median' else '10th pct'} rho_{k} >= {t}"
         for stat, k, t in QUBO_TARGETS]


def model_lines(qubo: dict[str, Any]) -> list[str]:
    st = qubo["settings"]
    models = ", ".join(f"`{m}`" for m in st["models"])
    lines = [f"Learned model(s): {models} (the first is the one the targets are about; "
             "resolved per depth, the model file that ran is in each block)."]
    if st.get("default_model") and st["models"][0] == FALLBACK_MODEL:
        lines[0] += (" No bundled `qubo` model existed when this ran, so the bundled "
                     f"`{FALLBACK_MODEL}` models (trained on Max-Cut only) stand in: these rows "
                     "measure them on general Hamiltonians, not a model trained for them.")
    return lines + [""]


def setup_lines(qubo: dict[str, Any]) -> list[str]:
    st = qubo["settings"]
    rows = []
    for name in st["suites"]:
        spec = QUBO_SUITES[name]
        by_p = qubo["suites"][name]
        insts = next(iter(by_p.values())).get("instances", [])
        qubits = sorted({i["qubits"] for i in insts}) or [0]
        sizes = sorted({i["n"] for i in insts}) or [0]
        dens = ", ".join(f"{q:.3g}" for q in spec.edge_probs) or "-"
        rows.append([name, spec.kind, ", ".join(map(str, sizes)),
                     f"{qubits[0]}..{qubits[-1]}", dens, str(len(insts)), str(spec.base_seed)])
    return [f"Depths {', '.join(map(str, st['depths']))}; budget {st['budget']} evaluations per "
            "run; exact energies; held-out 'test' instances, the same at every depth "
            "(`weighted_er` and `sk`: the main part's suites at n = 8..12, for comparison):", "",
            *_table(["suite", "family", "n (logical)", "qubits", "densities", "instances",
                     "base seed"], rows), "",
            "Methods: learned methods have no `@` (`-norefine`: the learned steps alone); "
            "baselines `optimizer@start` as in the main part: Qiskit's random start, the "
            "fixed-angle table (3-regular Max-Cut angles; SK's for `sk`), TQA (dt 0.75), and "
            "`cobyla@scaled`, the table with gamma rescaled by the instance's root-mean-square "
            "coupling (fields included; the rescaled angles of Shaydulin et al. arXiv 2201.11785 "
            "and Sureshbabu et al. arXiv 2305.15201). Cells: median [10th percentile]. The "
            "'gap' below is the share of the energy gap from the uniform superposition to the "
            "ground state that the best point closes.", ""]


def optima_lines(qubo: dict[str, Any]) -> list[str]:
    rows, beats = [], []
    for suite, by_p in qubo["suites"].items():
        for p, block in sorted(by_p.items()):
            insts = block.get("instances", [])
            ratios = [i["opt_standard"] / i["opt"] for i in insts if i.get("opt_standard")]
            if ratios:
                missed = sum(r < 1 - 1e-6 for r in ratios)
                rows.append([suite, p, _f(float(np.median(ratios)), 4), _f(min(ratios), 4),
                             f"{missed} of {len(ratios)}",
                             _f(float(np.median([i["opt_gap"] for i in insts])))])
            beats += [f"{suite} p={p} {lab} ({v['beats_optimum']})"
                      for lab, v in block.get("summary", {}).items() if v.get("beats_optimum")]
    return ["Optimal QAOA energies (denominators of rho): `bench.qubo_optima.wide_optima`, a "
            "global search over gamma in [0, G], G = pi/u when every energy difference is a "
            "multiple of u (else 2 pi, Qiskit's ansatz bound): at p = 1 a gamma grid of four "
            f"points per fastest local oscillation (at most {MAX_GRID}) with the exact beta line "
            f"per gamma, its {NUM_POLISH} best local minima polished; at p = 2 INTERP of the "
            f"{NUM_LIFTED} best of them, TQA ramps and the standard search's optimum, polished; "
            "never above the standard search (`optimum.optimal_qaoa_energy`, whose gamma window "
            "~10/s misses the large-gamma optima of penalty problems). Standard optimum over "
            f"this one (all optima: {qubo['optima_seconds']:.0f} s in this run):", "",
            *_table(["suite", "p", "median ratio", "worst ratio", "standard missed",
                     "median gap closed by the optimum"], rows), "",
            "Check of the denominators: " + (
                "no run found an energy below the computed optimum." if not beats else
                "runs below the computed optimum (rho > 1): " + ", ".join(beats) + "."), ""]


def targets_lines(rows: list[dict[str, Any]]) -> list[str]:
    cells: dict[tuple[str, int], dict[str, str]] = {}
    for r in rows:
        key = (r["suite"], r["p"])
        if r.get("kind") == "absolute":
            head = HEADS[[(s, k) for s, k, _ in QUBO_TARGETS].index((r["statistic"], r["k"]))]
            cells.setdefault(key, {})[head] = _target_cell(r)
        elif r.get("kind") == "baseline":
            cells.setdefault(key, {})["baseline"] = _target_cell(r)
        elif r.get("kind") == "regression":
            cells.setdefault(key, {})["regression"] = (
                f"{r['value']:+.3f} (k={r['worst_k']}) vs {r['reference']}"
                + ("" if r["passed"] else " FAIL"))
        elif r.get("kind") == "e2e":
            cells.setdefault(key, {})["e2e"] = (
                f"{r['value']:.2f} vs {r['threshold']:.2f}"
                + ("" if r["passed"] else f" (short {r['shortfall']:.2f})"))
    verdicts = depth_verdicts(rows, QUBO_KINDS)
    table = []
    for v in verdicts:
        c = cells[(v["suite"], v["p"])]
        table.append([v["suite"], str(v["p"]), ", ".join(v["method"]) or "-"]
                     + [c.get(h, "-") for h in HEADS]
                     + [c.get("baseline", "-"), c.get("e2e", "-"), c.get("regression", "-"),
                        verdict_cell(v)])
    met = sum(v["passed"] is True for v in verdicts)
    return ["### Targets (issue 12, item 5)", "",
            f"Per class and depth: {met} of {len(verdicts)} meet every target. Cells: the "
            "primary learned method's value (shortfall where missed) [the best baseline's value "
            "of the same statistic]; 'vs best baseline': the worst margin over k of median "
            "rho_k minus the best baseline's (negative: that baseline is ahead); 'end-to-end': "
            "share of feasible solutions, learned (budget B) vs COBYLA (5 B); 'vs the "
            "family's own model' (weighted Max-Cut and SK rows, when another model is the "
            "primary one): the worst margin of median rho_k against the bundled `maxcut` / `sk` "
            "model run beside it (no regression: at most 0.001 behind).", "",
            *_table(["suite", "p", "method", *HEADS, "vs best baseline (every k)",
                     "end-to-end feasible", "vs the family's own model", "result"], table), ""]


def e2e_lines(e2e: dict[str, Any]) -> list[str]:
    lines = ["### End to end: `MinimumEigenOptimizer(QAOA(...))` through qiskit-optimization", ""]
    if "skipped" in e2e:
        return lines + [f"Skipped: {e2e['skipped']}.", ""]
    lines += [f"p = 1, StatevectorSampler with {e2e['shots']} shots, the ansatz transpiled once "
              f"to {', '.join(E2E_BASIS)}; `QuadraticProgram` of each instance (its "
              "application's program; `applications.Maxcut` for weighted Max-Cut), "
              "`MinimumEigenOptimizer` converts it with its automatic penalty. Learned: "
              f"`QLSTMOptimizer('{e2e['model']}', maxfev={e2e['budget']})`, the operator found "
              f"automatically; `model='auto'`: `QLSTMOptimizer(maxfev={e2e['budget']})`, the "
              "family chosen from the operator (what a user gets without naming a model); "
              f"COBYLA: `COBYLA(maxiter={e2e['cobyla_budget']})` from QAOA's "
              "random initial point. Per class: share of runs returning a feasible / the optimal "
              "solution, median relative objective gap |f - f*| / max(1, |f*|) to the "
              "brute-force optimum, median exact probability of the optimal bit strings in the "
              "final state, median [worst] exact rho of the returned angles, median "
              "evaluations.", ""]
    rows = []
    for suite, block in e2e["classes"].items():
        for label, s in block["summary"].items():
            name = {"learned": f"{e2e['label']} (B={e2e['budget']})",
                    "auto": f"model='auto' (B={e2e['budget']})"}.get(
                        label, f"COBYLA ({e2e['cobyla_budget']})")
            rows.append([suite, name, f"{s['feasible']:.2f}", f"{s['optimal']:.2f}",
                         _f(s["objective_gap_median"]), _f(s["p_optimal_median"]),
                         f"{_f(s['rho_median'])} [{_f(s['rho_min'])}]",
                         f"{s['nfev_median']:.0f}", str(s["runs"])])
    return lines + _table(["class", "optimizer", "feasible", "optimal", "objective gap",
                           "P(optimal)", "rho", "evals", "runs"], rows) + [""]


def qubo_section(results: dict[str, Any]) -> list[str]:
    """The markdown of the qubo part."""
    qubo = results["qubo"]
    lines = ["## General diagonal Hamiltonians (issue 12)", ""]
    lines += model_lines(qubo) + setup_lines(qubo) + optima_lines(qubo)
    lines += targets_lines(evaluate_qubo_targets(qubo))
    for suite, by_p in qubo["suites"].items():
        for p in sorted(by_p, key=int):
            block = by_p[p]
            if "summary" not in block:
                continue

            def gap(primary: str, block: dict[str, Any] = block) -> str:
                mine = block["summary"][primary]["approx_ratio_median"]
                best = float(np.median([i["opt_gap"] for i in block["instances"]]))
                return (f"; median gap closed at the full budget {_f(mine)} (the optimal "
                        f"QAOA's: {_f(best)})")

            lines += block_lines(suite, p, block, gap)
    return lines + e2e_lines(qubo.get("e2e", {"skipped": "not run"}))


def qubo_summary_text(results: dict[str, Any]) -> list[str]:
    """Console summary: the targets table and the end-to-end table."""
    qubo = results["qubo"]
    return (model_lines(qubo) + targets_lines(evaluate_qubo_targets(qubo))
            + e2e_lines(qubo.get("e2e", {"skipped": "not run"})))
