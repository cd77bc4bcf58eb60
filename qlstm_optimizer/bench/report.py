"""Markdown report, figures and the console summary of a benchmark result (``results.json``).

Everything in ``docs/benchmarks.md`` is generated from the results by :func:`write_report`, so a
re-run after new models are trained regenerates the whole page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .baselines import STEPS
from .blind_report import blind_rows, blind_section, met_text, target_table
from .depth_report import (
    depth_section,
    depth_summary_text,
    depth_targets_section,
    write_depth_figures,
)
from .qubo_report import qubo_section, qubo_summary_text
from .suites import SUITES
from .targets import evaluate_depth_targets, primary_label

SHOW_K = ("1", "2", "3", "5", "10", "20", "50")
ANCHORS = {"cobyla@fixed": {"3": 0.86, "5": 0.94, "10": 0.996},
           "cobyla@tqa": {"3": 0.92, "5": 0.93, "10": 0.992},
           "cobyla@random": {"3": 0.10, "5": 0.19, "10": 0.42}}


def _f(v: Any, digits: int = 3) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _order(labels: list[str]) -> list[str]:
    """Learned methods first, then baselines grouped by optimizer."""
    return [m for m in labels if "@" not in m] + sorted(m for m in labels if "@" in m)


def suite_table(block: dict[str, Any], bold: str | None = None) -> list[str]:
    summ = block["summary"]
    ks = [k for k in SHOW_K if k in next(iter(summ.values()))["rho_median"]]
    header = ["method"] + [f"rho_{k}" for k in ks] + ["evals to 0.99", "AR"]
    rows = []
    for label in _order(list(summ)):
        s = summ[label]
        e = s["evals_to_099"]
        evals = (f">{e['budget']}" if e["median"] is None else f"{e['median']:.0f}")
        evals += f" ({100 * e['reached']:.0f}%)"
        name = f"**{label}**" if label == bold else label
        rows.append([name] + [f"{_f(s['rho_median'][k])} [{_f(s['rho_p10'][k], 2)}]"
                              for k in ks] + [evals, _f(s["approx_ratio_median"])])
    return _table(header, rows)


def _best_start_per_optimizer(summ: dict[str, Any]) -> list[str]:
    best: dict[str, tuple[float, str]] = {}
    for label, s in summ.items():
        if "@" in label:
            opt = label.split("@")[0]
            score = float(np.mean(s["curve_median"]))
            if opt not in best or score > best[opt][0]:
                best[opt] = (score, label)
    return [lab for _, lab in best.values()]


def write_figures(results: dict[str, Any], out: Path) -> list[Path]:
    """One PNG per suite: median rho against evaluations, one panel per depth."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def shown_methods(summ: dict[str, Any]) -> list[str]:
        shown = [m for m in summ if "@" not in m] + _best_start_per_optimizer(summ)
        if "cobyla@random" in summ and "cobyla@random" not in shown:
            shown.append("cobyla@random")
        return shown

    paths = []
    for suite, by_p in results.get("suites", {}).items():
        depths = sorted(by_p, key=int)
        # One colour per method across the suite's panels (the panels show different subsets).
        labels = sorted({m for p in depths for m in shown_methods(by_p[p]["summary"])},
                        key=lambda m: ("@" in m, m))
        colours = {m: plt.get_cmap("tab20")(i % 20) for i, m in enumerate(labels)}
        primary = {m["label"] for p in depths for m in by_p[p].get("learned", [])
                   if m.get("primary")}
        colours.update({m: "black" for m in primary})  # the product, drawn on top
        fig, axes = plt.subplots(1, len(depths), figsize=(5 * len(depths), 4), squeeze=False)
        for ax, p in zip(axes[0], depths, strict=True):
            summ = by_p[p]["summary"]
            for label in shown_methods(summ):
                curve = summ[label]["curve_median"]
                ks = np.arange(1, len(curve) + 1)
                style = ({"lw": 3.0, "zorder": 5} if label in primary
                         else {"lw": 2.0} if "@" not in label else {"lw": 1.2, "ls": "--"})
                ax.plot(ks, curve, label=label, color=colours[label], **style)
            ax.set_xscale("log")
            ax.set_ylim(max(-0.1, ax.get_ylim()[0]), 1.02)
            ax.axhline(0.99, color="grey", lw=0.6, ls=":")
            ax.set_xlabel("evaluations k")
            ax.set_ylabel("median rho_k")
            ax.set_title(f"{suite}, p = {p} ({summ[label]['instances']} instances)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=6, loc="lower right", ncol=2)
        fig.tight_layout()
        path = out / f"rho_{suite}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def targets_section(results: dict[str, Any]) -> list[str]:
    """The targets with the operator given (the blind ones: :func:`blind_section`), and how
    many of each kind are met."""
    given = [t for t in results.get("targets", []) if t.get("kind") != "blind"]
    lines = target_table(given)
    blind = blind_rows(results)
    lines += ["", f"Targets met: {met_text(given)} with the operator given"
              + (f"; {met_text(blind)} blind (below)." if blind else ".")]
    if any("untrained" in m for t in results.get("targets", []) for m in t["method"]):
        lines.append("\nThe method evaluated is an **untrained stand-in** (no bundled model "
                     "existed for that family and depth when this ran): these rows test the "
                     "pipeline, not the QLSTM.")
    return lines


def anchor_section(results: dict[str, Any]) -> list[str]:
    block = results.get("suites", {}).get("er", {}).get("1")
    if not block:
        return []
    rows = []
    for label, ref in ANCHORS.items():
        s = block["summary"].get(label)
        if s:
            rows.append([label] + [f"{_f(s['rho_median'][k])} (ref {ref[k]})"
                                   for k in ("3", "5", "10")])
    return ["Validation against the REFERENCE anchors (ER p=1; the reference used 90 graphs "
            "n = 10..14, ours are n = 8..16, P = 2/7..6/7):", ""] + _table(
        ["method", "median rho_3", "median rho_5", "median rho_10"], rows)


def _methods_table(per_method: dict[str, dict[str, float]], col_names: list[str]) -> list[str]:
    labels = _order(sorted({m for d in per_method.values() for m in d}))
    rows = [[m] + [_f(per_method[c].get(m)) for c in col_names] for m in labels]
    return _table(["method"] + col_names, rows)


def extras_sections(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    noise = results.get("noise")
    if noise:
        lines += ["## Shot noise", "",
                  f"Every energy is a {noise['shots']}-shot estimate "
                  "(`qlstm_optimizer.sim.sampled_energy`, the distribution of Qiskit's "
                  "StatevectorSampler); budget "
                  f"{noise['budget']} evaluations. Entry: median **exact** rho of the point "
                  "returned (lowest observed energy). Finite-difference steps are 0.1 here.", ""]
        sets = {k: v["median_rho_returned"] for k, v in noise["sets"].items()}
        lines += _methods_table(sets, list(sets)) + [""]
    aer = results.get("aer")
    if aer:
        lines += ["## qiskit-aer with a noise model", ""]
        if "skipped" in aer:
            lines += [f"Skipped: {aer['skipped']}", ""]
        else:
            lines += [f"ER graphs n = {', '.join(str(r['n']) for r in aer['instances'])} "
                      f"(P = 0.5), p = 1, Aer SamplerV2, {aer['shots']} shots, depolarising "
                      f"{aer['p1']} (1-qubit gates) / {aer['p2']} (2-qubit gates), budget "
                      f"{aer['budget']}. Exact rho of the returned point, and the rho the "
                      "optimizer observed (noise shrinks energies toward 0).", ""]
            cols = {"exact rho (returned)": aer["median_rho_returned"],
                    "observed rho": aer["median_observed_rho"]}
            lines += _methods_table(cols, list(cols)) + [""]
    scale = results.get("scale")
    if scale:
        lines += ["## Transfer at scale (p = 1, closed-form energies)", ""]
        if "skipped" in scale:
            lines += [f"Skipped: {scale['skipped']}", ""]
        else:
            lines += [f"Median rho_5 (budget {scale['budget']}); the optimum is a dense "
                      "(gamma, beta) grid of the closed form plus L-BFGS-B polishing. ER at "
                      "mean degree 6. Baselines from informed starts only.", ""]
            tab = scale["median_rho_5"]
            labels = _order(sorted({m for d in tab.values() for m in d}))
            rows = [[g] + [_f(tab[g].get(m)) for m in labels] for g in tab]
            lines += _table(["graphs"] + labels, rows) + [""]
    paper = results.get("paper")
    if paper:
        lines += paper_section(paper)
    return lines


def paper_section(paper: dict[str, Any]) -> list[str]:
    lines = ["## The seed paper's protocol (arXiv 2505.00561, Table I)", "",
             f"ER Max-Cut, p = 1, N = {paper['sizes'][0]}..{paper['sizes'][-1]} "
             f"({paper['per_cell']} graph(s) per N and P), approximation ratio E[cut]/max-cut, "
             "mean +- std over N. Columns count **evaluations** (best point within the first t "
             "energies); '(per iteration)' columns give Adam/SGD in the paper's accounting "
             "(t gradient steps = 4t evaluations). Baselines start from Qiskit's random point. "
             f"Note: {paper['note']}.", ""]
    for t, by_p in paper["table"].items():
        lines += [f"Iteration {t}:", ""]
        rows = [[f"{float(q):.3f}"] + [f"{v[0]:.3f} +- {v[1]:.2f}" for v in
                                        (by_p[q][m] for m in paper["methods"])] for q in by_p]
        lines += _table(["P"] + paper["methods"], rows) + [""]
    learned = [m for m in paper["methods"] if "@" not in m and m not in
               ("adam", "sgd", "nelder-mead") and "per iteration" not in m]
    dense = [q for q in paper["table"]["2"] if float(q) >= 5 / 7 - 1e-9]
    for m in learned:
        vals = [paper["table"]["2"][q][m][0] for q in dense]
        lines.append(f"- {m}: mean ratio at evaluation 2 on dense graphs (P >= 5/7) "
                     f"{np.mean(vals):.3f}; the paper claims 0.93 +- 0.03 for its QLSTM "
                     f"(difference {np.mean(vals) - 0.93:+.3f}).")
    base = [paper["table"]["2"][q][b][0] for q in dense for b in ("adam", "sgd", "nelder-mead")]
    lines += [f"- Adam/SGD/Nelder-Mead at evaluation 2 on dense graphs: {min(base):.2f}.."
              f"{max(base):.2f} (the paper: 0.56-0.80).", ""]
    return lines


def settings_section(results: dict[str, Any]) -> list[str]:
    """How the suite is set up, generated from the code's constants."""
    rows = []
    for spec in SUITES.values():
        dens = (", ".join(f"{q:.3f}" for q in spec.edge_probs) if spec.edge_probs else
                ", ".join(f"degree {d}" for d in spec.degrees) or "-")
        deep = "" if spec.sizes_deep is None else f"; p >= 2: {spec.sizes_deep[0]}.." \
            f"{spec.sizes_deep[-1]}"
        rows.append([spec.name, spec.kind, f"{spec.sizes[0]}..{spec.sizes[-1]}{deep}", dens,
                     str(spec.count), str(spec.quick_count)])
    lines = ["## Setup", "", "Instance suites (held-out 'test' seeds; instance i takes the i-th "
             "(size, density) pair of a fixed shuffle, the same graphs at every depth):", ""]
    lines += _table(["suite", "family", "n", "densities", "instances", "quick"], rows)
    steps = [[name, str(STEPS[name][True] or "SciPy default"),
              str(STEPS[name][False] or "SciPy default")] for name in STEPS]
    lines += ["", "Baseline settings (informed = fixed-angle or TQA start). COBYLA and "
              "Nelder-Mead follow the REFERENCE anchors; SPSA/Adam/SGD steps were picked on 8 "
              "validation instances (ER and SK, n = 10, 11, p = 1, 2) from the grids SPSA "
              "{0.1, 0.2, 0.5, 1.0}, Adam {0.02, 0.05, 0.1, 0.2, 0.4}, SGD {0.003, 0.01, 0.03, "
              "0.1}. Gradients: central differences (4p evaluations per gradient; step 1e-3, "
              "0.1 with shot noise), L-BFGS-B SciPy's forward differences (2p + 1).", ""]
    lines += _table(["optimizer", "informed start", "random start"], steps)
    lines += ["", "Learned methods run through `minimize_qaoa` (the public entry point), with "
              "the instance's Hamiltonian scale and a budget enforced by the same counting "
              "objective and the default settings (the card's `handoff` learned steps, then "
              "the quadratic refine); '-norefine' runs the whole learned horizon and stops; "
              "'-cobyla' hands off to COBYLA instead (the previous default refine, here after "
              "the same `handoff`); '-blind' is not "
              "given the "
              "Hamiltonian (scale 1, as with no `hamiltonian=`). Optimal QAOA energies: "
              "`qlstm_optimizer.optimum.optimal_qaoa_energy` (p = 1..3, n <= 16; about 55 s "
              "for all three depths at n = 16 on this machine), the closed-form grid optimum "
              "for n > 16 at p = 1; p = 1 energies use the closed form when available.", ""]
    return lines


def write_report(results: dict[str, Any], path: Path, figures_dir: Path,
                 results_path: Path) -> None:
    figures = write_figures(results, figures_dir)
    cfg = results["config"]
    rel = _relpath
    lines = ["# Benchmarks: sample efficiency against every baseline", "",
             f"Generated by `{cfg['command'] or 'qlstm-optimizer bench'}` on "
             f"{results['created']} ({_mode(cfg)}; "
             f"{results['seconds']['total'] / 60:.1f} min on {cfg['workers']} worker(s)). "
             f"Raw results: [{results_path.name}]({rel(results_path, path)}).", "",
             f"Bundled models found: {', '.join(results['models']) or 'none'}.", "",
             "rho_k = (best energy in the first k evaluations - E_uniform) / (optimal QAOA "
             "energy at depth p - E_uniform), exact energies, held-out instances (the 'test' "
             "split of `qlstm_optimizer.instances`). Cells: median [10th percentile]. "
             "'evals to 0.99': median evaluations to reach rho >= 0.99 (share of runs that "
             "did). Every evaluation, gradient ones included, is counted.", ""]
    if "suites" in results:
        lines[-2] += (f" Main part: budget {cfg['budget']}; AR: median approximation ratio "
                      "(E[cut]/max-cut, SK: E/E_ground) at the full budget. Baselines "
                      "`optimizer@start`: start = Qiskit's random point, the fixed-angle table "
                      "or TQA (dt 0.75).")
    if "targets" in results:
        lines += ["## Targets", ""] + targets_section(results) + [""]
        lines += anchor_section(results) + [""]
        lines += blind_section(results) + [""]
    if "suites" in results:  # the main part's setup (a depth-only run has its own)
        lines += settings_section(results)
    for suite, by_p in results.get("suites", {}).items():
        lines += [f"## Suite `{suite}`", ""]
        fig = figures_dir / f"rho_{suite}.png"
        if fig in figures:
            lines += [f"![{suite}]({rel(fig, path)})", ""]
        for p in sorted(by_p, key=int):
            block = by_p[p]
            n = len(block["instances"])
            sizes = sorted({i["n"] for i in block["instances"]})
            lines += [f"### {suite}, p = {p} ({n} instances, n = {sizes[0]}..{sizes[-1]})", ""]
            if block.get("note"):
                lines += [f"Note: {block['note']}.", ""]
            lines += suite_table(block, primary_label(block)) + [""]
    lines += extras_sections(results)
    if "depth" in results:
        depth_figures = write_depth_figures(results, figures_dir)
        lines += depth_section(results, depth_figures, lambda f: rel(f, path))
        lines += depth_targets_section(evaluate_depth_targets(results["depth"]["suites"]))
    if "qubo" in results:
        lines += qubo_section(results)
    secs = results["seconds"]
    lines += ["## Timing and reproduction", "",
              "Seconds per part: " + ", ".join(f"{k} {v:.0f}" for k, v in secs.items()) + ".",
              "", "```", *_reproduce(cfg), "```",
              "Optimal QAOA energies are cached in ~/.cache/qlstm_optimizer/bench/.", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + kept_by_hand(path))


# Whatever follows this line in an existing report is hand-written (summaries of the opt-in
# parts run into their own pages) and survives a regeneration of the page.
HAND_MARKER = "<!-- hand-written below: kept when this page is regenerated -->"


def kept_by_hand(path: Path) -> str:
    """The hand-written tail of the report at ``path`` (from :data:`HAND_MARKER` on), or "".

    Example:
        >>> kept_by_hand(Path("/nonexistent/report.md"))
        ''
    """
    try:
        text = path.read_text()
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
        return ""
    i = text.find(HAND_MARKER)
    return "" if i < 0 else "\n" + text[i:]


def _mode(cfg: dict[str, Any]) -> str:
    """'quick mode' / 'full suite', and the parts run when the main part was not among them."""
    mode = "quick mode" if cfg["quick"] else "full suite"
    return mode if "main" in cfg["parts"] else f"{mode}, parts: {', '.join(cfg['parts'])}"


def _reproduce(cfg: dict[str, Any]) -> list[str]:
    if "main" not in cfg["parts"] and cfg.get("command"):
        return [f"{cfg['command']}    # this page's run"]
    return ["qlstm-optimizer bench            # full suite (this page)",
            "qlstm-optimizer bench --quick    # a few minutes, writes runs/bench-quick/"]


def _relpath(target: Path, page: Path) -> str:
    import os

    return os.path.relpath(Path(target).resolve(), Path(page).resolve().parent)


def summary_text(results: dict[str, Any]) -> str:
    """Console summary: targets, then median rho_k per suite, depth and method."""
    lines = []
    if "targets" in results:
        lines += targets_section(results) + [""] + blind_section(results) + [""]
    for suite, by_p in results.get("suites", {}).items():
        for p in sorted(by_p, key=int):
            lines += [f"{suite} p={p}", *suite_table(by_p[p], primary_label(by_p[p])), ""]
    lines += extras_sections(results)
    if "depth" in results:
        lines += depth_summary_text(results)
    if "qubo" in results:
        lines += qubo_summary_text(results)
    return "\n".join(lines)
