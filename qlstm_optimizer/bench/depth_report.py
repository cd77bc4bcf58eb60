"""Report blocks of the ``depth`` part (:mod:`.depth`): markdown tables and two figures.

:func:`depth_section` renders ``results["depth"]``: the setup and accounting rule, the cost of
the optimal energies, rho_10 / rho_50 against p, the approximation ratio of the best point within
10, 20 and 50 evaluations against p beside the optimal QAOA's, and a rho_k table per suite and
depth. :func:`depth_targets_section` renders the depth targets (one verdict per suite and
depth, shortfalls where missed) and the no-regression check of the depth-general model at p <= 3.
:func:`write_depth_figures` draws rho and the approximation ratio against p.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .depth import AR_BUDGETS, DEPTH_SUITES
from .depth_methods import CHAIN_SETTINGS, PER_DEPTH_EVALS, RAMP_DT, TQA_DT_RANGE
from .targets import (
    DEPTH_TARGETS,
    depth_primary_label,
    depth_verdicts,
    evaluate_depth_targets,
)

SHOW_K = ("1", "2", "3", "5", "10", "20", "50", "100")
P_K = ("10", "50")
# Median thresholds of the depth targets, drawn in the rho-against-p panels.
TARGET_LINES = {str(k): t for stat, k, t in DEPTH_TARGETS if stat == "median"}


def _f(v: Any, digits: int = 3) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(r) + " |" for r in rows])


def _labels(by_p: dict[str, Any]) -> list[str]:
    """Every method of a suite, learned ones first, then baselines by name."""
    labels = {m for block in by_p.values() for m in block.get("summary", {})}
    return sorted(labels, key=lambda m: ("@" in m, m))


def _depths(by_p: dict[str, Any]) -> list[str]:
    return sorted((p for p in by_p if "summary" in by_p[p]), key=int)


def rho_k_table(block: dict[str, Any]) -> list[str]:
    """Median [10th percentile] rho_k per method of one (suite, p) block."""
    summ = block["summary"]
    ks = [k for k in SHOW_K if k in next(iter(summ.values()))["rho_median"]]
    rows = []
    for label in sorted(summ, key=lambda m: ("@" in m, m)):
        s = summ[label]
        e = s["evals_to_099"]
        evals = (f">{e['budget']}" if e["median"] is None else f"{e['median']:.0f}")
        rows.append([label] + [f"{_f(s['rho_median'][k])} [{_f(s['rho_p10'][k], 2)}]"
                               for k in ks] + [evals])
    return _table(["method"] + [f"rho_{k}" for k in ks] + ["evals to 0.99"], rows)


def rho_vs_p_table(by_p: dict[str, Any]) -> list[str]:
    """Median rho_10 / rho_50 per method (rows) and depth (columns)."""
    depths = _depths(by_p)
    rows = []
    for label in _labels(by_p):
        cells = []
        for p in depths:
            s = by_p[p]["summary"].get(label)
            cells.append("-" if s is None else " / ".join(_f(s["rho_median"].get(k))
                                                         for k in P_K))
        rows.append([label] + cells)
    return _table(["method"] + [f"p={p}" for p in depths], rows)


def ar_vs_p_table(by_p: dict[str, Any]) -> list[str]:
    """Median approximation ratio of the best point within k = 10 / 20 / 50 evaluations, per
    method and depth, with the optimal QAOA's in the first row."""
    depths = _depths(by_p)
    rows = [["optimal QAOA"] + [_f(by_p[p]["opt_ar_median"]) for p in depths]]
    for label in _labels(by_p):
        cells = []
        for p in depths:
            s = by_p[p]["summary"].get(label)
            cells.append("-" if s is None else " / ".join(_f(s["ar_median"].get(str(k)))
                                                         for k in AR_BUDGETS))
        rows.append([label] + cells)
    return _table(["method"] + [f"p={p}" for p in depths], rows)


def optimum_cost_table(cost: dict[str, dict[str, list[float]]]) -> list[str]:
    """Median seconds of :func:`optimal_qaoa_energy` per depth (columns) and size (rows)."""
    if not cost:
        return ["(every optimum came from the cache in this run: no timings)"]
    depths = sorted({p for by_p in cost.values() for p in by_p}, key=int)
    rows = [[f"n={n}"] + [_f(float(np.median(cost[n][p])) if p in cost[n] else None, 1)
                          for p in depths] for n in sorted(cost, key=int)]
    return _table(["size"] + [f"p={p}" for p in depths], rows)


def setup_lines(depth: dict[str, Any]) -> list[str]:
    st = depth["settings"]
    rows = []
    for name in st["suites"]:
        spec = DEPTH_SUITES[name]
        dens = (", ".join(f"{q:.3f}" for q in spec.edge_probs) if spec.edge_probs else
                ", ".join(f"degree {d}" for d in spec.degrees) or "-")
        count = st["instances"] or (spec.quick_count if st["quick"] else spec.count)
        rows.append([name, spec.kind, ", ".join(map(str, spec.sizes)), dens, str(count),
                     str(spec.base_seed)])
    chain = "; ".join(f"{k}: {v}" for k, v in CHAIN_SETTINGS.items())
    return [
        f"Depths {', '.join(map(str, st['depths']))}; budget {st['budget']} evaluations per run; "
        "exact energies; held-out 'test' instances (the same graphs at every depth):", "",
        *_table(["suite", "family", "n", "densities", "instances", "base seed"], rows), "",
        "Accounting: every evaluation counts, those at lower depths of a chain too. A depth-d "
        "point is the depth-p point with identity layers (beta = gamma = 0) appended, which "
        "prepares the same state, so its energy is a depth-p energy and rho_k is the best "
        "depth-p energy within the first k evaluations of the whole run.", "",
        "Methods (`schedule@optimizer`; learned methods have no `@`: the p-specific bundled "
        "model where one exists (p <= 3), else the depth-general model with its `-norefine` "
        "and `-blind` (no operator given) runs; `<arch>-depth` is the depth-general model "
        "beside a p-specific one, a regression check): `interp@...` INTERP (Zhou et al. arXiv "
        "1812.01041) from the one-layer ramp, each depth d < p until the inner optimizer "
        f"converges ({chain}) or {PER_DEPTH_EVALS} (2d + 1) evaluations, then interpolated to "
        "d + 1; the cap does not depend on the budget, so one run gives every rho_k. "
        "`fourier<q>@...` FOURIER[q] directly at depth p, min(q, p) coefficients each for "
        "gamma and beta, from the Fourier fit of the ramp. `ramp@cobyla` the linear ramp "
        f"(TQA schedule) with time step {RAMP_DT}/s (s the coupling scale), then COBYLA. "
        "`tqa@cobyla` TQA as Sack & Serbyn: a bounded search of the ramp's time step over "
        f"[{TQA_DT_RANGE[0]}, {TQA_DT_RANGE[1]}]/s (counted), then COBYLA. `table@cobyla` the "
        "published angles (3-regular Max-Cut p <= 11, Wurtz & Lykov; SK p <= 17, Basso et al.) "
        "rescaled to the instance, then COBYLA. COBYLA step 0.2, L-BFGS-B forward differences.",
        "",
    ]


def depth_section(results: dict[str, Any], figures: list[Path],
                  rel: Callable[[Path], str]) -> list[str]:
    """The markdown of the depth part; ``rel`` turns a figure path into a link."""
    depth = results["depth"]
    models = depth.get("depth_models", {})
    if models:
        names = ", ".join(f"`{m}` (depths 1..{v['max_depth']}"
                          + (f", {v['modes']} modes)" if v.get("modes") else ")")
                          for m, v in models.items())
        lines = ["## Depth: the depth-general model against the baselines", "",
                 f"Learned depth-general model(s) {names} and the baselines, measured in the "
                 "same runs on the same instances.", ""]
    else:
        lines = ["## Depth: baselines", "",
                 "The learned depth-general model of issue 11 does not exist yet: these are "
                 "the baselines it has to beat, measured in the same runs on the same "
                 "instances; a learned method found by `bench.learned.discover` for (family, p) "
                 "runs beside them.", ""]
    lines += setup_lines(depth)
    lines += ["Optimal QAOA energies (denominators of rho): "
              "`qlstm_optimizer.optimum.optimal_qaoa_energy`, an INTERP chain p = 1..p_max "
              "with multi-start L-BFGS-B on exact adjoint gradients (ramps, table, random "
              "starts, the FOURIER lift from p = 4). Median seconds per depth on this machine "
              f"(all optima: {depth['optima_seconds']:.0f} s):", ""]
    lines += optimum_cost_table(depth["optimum_cost"]) + [""]
    beats = [(s, p, lab, v["beats_optimum"]) for s, by_p in depth["suites"].items()
             for p, block in by_p.items() for lab, v in block.get("summary", {}).items()
             if v["beats_optimum"]]
    lines += ["Check of the denominators: " + (
        "no run found an energy below the computed optimum." if not beats else
        "runs below the computed optimum (rho > 1): " + ", ".join(
            f"{s} p={p} {lab} ({c})" for s, p, lab, c in beats) + "."), ""]
    for path in figures:
        lines += [f"![{path.stem}]({rel(path)})", ""]
    for suite, by_p in depth["suites"].items():
        lines += [f"### Depth, `{suite}`: median rho_10 / rho_50 against p", ""]
        lines += rho_vs_p_table(by_p) + [""]
        lines += [f"### Depth, `{suite}`: approximation ratio at k = "
                  f"{' / '.join(map(str, AR_BUDGETS))} against p", "",
                  "Median approximation ratio (E[cut]/max-cut, SK: E/E_ground) of the best "
                  "point within k evaluations; first row: the optimal QAOA at that depth.", ""]
        lines += ar_vs_p_table(by_p) + [""]
    for suite, by_p in depth["suites"].items():
        for p in _depths(by_p):
            lines += block_lines(suite, p, by_p[p])
    return lines


def block_lines(suite: str, p: Any, block: dict[str, Any],
                detail: Callable[[str], str] = lambda primary: "") -> list[str]:
    """One (suite, depth) block: heading, note, the learned method the targets read (with
    ``detail(label)`` appended to its line) and the rho_k table. Shared with the qubo report."""
    sizes = sorted({i["n"] for i in block["instances"]})
    lines = [f"#### `{suite}`, p = {p} ({len(block['instances'])} instances, "
             f"n = {sizes[0]}..{sizes[-1]})", ""]
    if block.get("note"):
        lines += [f"Note: {block['note']}.", ""]
    primary = depth_primary_label(block)
    if primary:
        model = next(m["model"] for m in block["learned"] if m["label"] == primary)
        lines += [f"Learned method (targets): `{primary}` (model `{model}`){detail(primary)}.",
                  ""]
    return lines + rho_k_table(block) + [""]


def write_depth_figures(results: dict[str, Any], out: Path) -> list[Path]:
    """``depth_rho_vs_p.png`` (median rho_10 and rho_50 against p), ``depth_ar_vs_p.png``
    (approximation ratio at k = 10, 20, 50 against p, the optimal QAOA's in black) and
    ``depth_curves.png`` (median rho_k against k, one row per suite, one panel per depth)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suites = results["depth"]["suites"]
    if not suites:
        return []
    labels = sorted({m for by_p in suites.values() for m in _labels(by_p)},
                    key=lambda m: ("@" in m, m))
    colours = {m: plt.get_cmap("tab20")(i % 20) for i, m in enumerate(labels)}
    paths = []
    for name, ks, key in (("depth_rho_vs_p", P_K, "rho_median"),
                          ("depth_ar_vs_p", tuple(map(str, AR_BUDGETS)), "ar_median")):
        fig, axes = plt.subplots(len(suites), len(ks), figsize=(4.5 * len(ks), 3.4 * len(suites)),
                                 squeeze=False)
        for row, (suite, by_p) in zip(axes, suites.items(), strict=True):
            depths = _depths(by_p)
            for ax, k in zip(row, ks, strict=True):
                for label in _labels(by_p):
                    pts = [(int(p), by_p[p]["summary"][label][key].get(k)) for p in depths
                           if label in by_p[p]["summary"]]
                    pts = [pt for pt in pts if pt[1] is not None]  # k beyond the budget
                    if pts:
                        ax.plot(*zip(*pts, strict=True), marker="o", ms=3, label=label,
                                color=colours[label], lw=2.0 if "@" not in label else 1.2)
                if key == "rho_median" and k in TARGET_LINES:  # the target at p >= 4
                    ax.axhline(TARGET_LINES[k], color="grey", lw=0.8, ls=":")
                if key == "ar_median":
                    ax.plot([int(p) for p in depths], [by_p[p]["opt_ar_median"] for p in depths],
                            color="black", lw=2.5, ls="--", label="optimal QAOA")
                ax.set_xlabel("depth p")
                ax.set_ylabel(f"median {'rho' if key == 'rho_median' else 'approx. ratio'}_{k}")
                ax.set_title(f"{suite}, k = {k}")
                ax.grid(alpha=0.3)
        handles, names = {}, []
        for ax in axes.ravel():  # one legend for all panels, below them
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in handles:
                    handles[lab] = h
                    names.append(lab)
        fig.legend([handles[n] for n in names], names, loc="lower center", ncol=6, fontsize=8)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
        path = out / f"{name}.png"
        fig.savefig(path, dpi=75)
        plt.close(fig)
        paths.append(path)
    ncols = max(len(_depths(by_p)) for by_p in suites.values())
    fig, axes = plt.subplots(len(suites), ncols, figsize=(3.2 * ncols, 2.8 * len(suites)),
                             squeeze=False)
    for row, (suite, by_p) in zip(axes, suites.items(), strict=True):
        for ax, p in zip(row, _depths(by_p), strict=False):
            for label, s in by_p[p]["summary"].items():
                curve = s["curve_median"]
                ax.plot(np.arange(1, len(curve) + 1), curve, color=colours[label], label=label,
                        lw=2.0 if "@" not in label else 1.0)
            ax.set_xscale("log")
            ax.set_ylim(max(0.4, ax.get_ylim()[0]), 1.01)
            ax.set_title(f"{suite}, p = {p}", fontsize=9)
            ax.grid(alpha=0.3)
        row[0].set_ylabel("median rho_k")
    for ax in axes[-1]:
        ax.set_xlabel("evaluations k")
    handles = {lab: h for ax in axes.ravel()
               for h, lab in zip(*ax.get_legend_handles_labels(), strict=True)}
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=6, fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    path = out / "depth_curves.png"
    fig.savefig(path, dpi=60)
    plt.close(fig)
    return [*paths, path]


def verdict_cell(verdict: dict[str, Any]) -> str:
    """A block's result cell from :func:`~qlstm_optimizer.bench.targets.depth_verdicts`:
    PASS, FAIL (how many missed), or n/a (no learned method ran)."""
    if verdict["passed"] is None and not verdict["missed"]:
        return "n/a"
    return "PASS" if verdict["passed"] else f"FAIL ({len(verdict['missed'])} missed)"


def _target_cell(row: dict[str, Any]) -> str:
    if row.get("kind") == "absolute":
        base = row.get("best_baseline_value")
        base = "" if base is None else f" [{_f(base)}]"  # the best baseline's, for scale
        if row["passed"] is None:
            return "n/a" + base
        return (_f(row["value"]) + ("" if row["passed"] else f" (short {row['shortfall']:.3f})")
                + base)
    if row["passed"] is None:
        return "n/a"
    cell = f"{row['value']:+.3f} (k={row['worst_k']}"  # the worst margin over k
    return cell + (")" if row["passed"] else f" vs {row['worst_baseline']})")


def depth_targets_section(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown of :func:`.targets.evaluate_depth_targets`' rows: one line per (suite, p) with
    each target's measured value (shortfall where missed) and the verdict, then the
    no-regression check of the depth-general model against the p-specific one. The report
    evaluates the rows from the summaries it renders (the same function the run stored in
    ``results["depth_targets"]`` with), so a re-rendered older results file reads right too."""
    heads = [f"{'median' if stat == 'median' else '10th pct'} rho_{k} >= {t}"
             for stat, k, t in DEPTH_TARGETS]
    cells: dict[tuple[str, int], dict[str, str]] = {}
    for r in rows:
        if r.get("kind") == "absolute":
            head = heads[[(s, k) for s, k, _ in DEPTH_TARGETS].index((r["statistic"], r["k"]))]
            cells.setdefault((r["suite"], r["p"]), {})[head] = _target_cell(r)
        elif r.get("kind") == "baseline":
            cells.setdefault((r["suite"], r["p"]), {})["baseline"] = _target_cell(r)
    verdicts = depth_verdicts(rows)
    table = []
    for v in verdicts:
        c = cells[(v["suite"], v["p"])]
        table.append([v["suite"], str(v["p"]), ", ".join(v["method"]) or "-"]
                     + [c.get(h, "-") for h in heads]
                     + [c.get("baseline", "-"), verdict_cell(v)])
    lines = ["### Depth targets", ""]
    if verdicts:
        met = sum(v["passed"] is True for v in verdicts)
        lines += [f"Per suite and depth p = 4..16 that ran: {met} of {len(verdicts)} meet every "
                  "target (n/a: no learned method at that depth, or k beyond the budget). "
                  "Cells: the primary learned method's value, with the shortfall where a "
                  "threshold is missed, and [the best baseline's value of the same statistic]; "
                  "'vs best baseline': its worst margin over the reported "
                  "k of median rho_k minus the best baseline's (negative: the baseline named is "
                  "ahead).", ""]
        if any("untrained" in m for v in verdicts for m in v["method"]):
            lines += ["The method evaluated is an **untrained stand-in** (no bundled model "
                      "served that depth when this ran): these rows test the pipeline, not a "
                      "trained model.", ""]
        lines += _table(["suite", "p", "method", *heads, "vs best baseline (every k)",
                         "result"], table) + [""]
    else:
        lines += ["No depth in 4..16 ran: no depth targets.", ""]
    reg = [r for r in rows if r.get("kind") == "regression"]
    if reg:
        lines += ["The depth-general model at p <= 3 against the p-specific model in the "
                  "same runs, worst margin of median rho_k over the reported k (pass: never "
                  f"more than {-min(r['threshold'] for r in reg):.3f} behind). The family "
                  "names (`\"maxcut\"`, `\"sk\"`) run the p-specific models at these depths, "
                  "so the product itself does not regress there (its rows are the 'qlstm' rows "
                  "above); this measures what the one depth-general model gives up against a "
                  "model trained for one depth.", ""]
        lines += _table(["suite", "p", "depth model", "p-specific", "worst margin (k)",
                         "result"],
                        [[r["suite"], str(r["p"]), r["method"][0], r["reference"],
                          f"{r['value']:+.4f} (k={r['worst_k']})",
                          "PASS" if r["passed"] else f"FAIL (short {r['shortfall']:.4f})"]
                         for r in reg]) + [""]
    return lines


def depth_summary_text(results: dict[str, Any]) -> list[str]:
    """Console summary: rho_10 / rho_50 against p per suite."""
    lines = []
    for suite, by_p in results["depth"]["suites"].items():
        lines += [f"depth {suite}: median rho_10 / rho_50", *rho_vs_p_table(by_p), ""]
    return lines + depth_targets_section(evaluate_depth_targets(results["depth"]["suites"]))
