"""The issue's sample-efficiency targets, evaluated on a suite result.

Each target is ``(what, family, p, k, statistic, threshold)``; Max-Cut targets pool every Max-Cut
suite (Erdos-Renyi, 3-regular, weighted ER) at that depth. The "at least as good as the best
baseline" target is checked per suite, depth and k on medians. Blind runs (no operator) have
their own rows, kind ``"blind"`` (:mod:`.blind_targets`), appended by :func:`evaluate_targets`.

The qubo part (issue 12) has its own: :data:`QUBO_TARGETS` per (class, p), the best-baseline
comparison and the end-to-end feasibility check (:func:`evaluate_qubo_targets`).

The depth part (issue 11) has its own targets (:data:`DEPTH_TARGETS` at p = 4..16 per suite, the
best-baseline comparison, and the no-regression check of a depth-general model against the
p-specific one where both ran): :func:`evaluate_depth_targets`, one verdict per (suite, p) from
:func:`depth_verdicts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .blind_targets import evaluate_blind_targets
from .learned import is_depth_model

MAXCUT_SUITES = ("er", "regular3", "weighted_er")
# (name, family, p, k, statistic, threshold)
TARGETS = (
    ("Max-Cut p=1 median rho_3", "maxcut", 1, 3, "median", 0.98),
    ("Max-Cut p=1 median rho_5", "maxcut", 1, 5, "median", 0.99),
    ("Max-Cut p=1 10th pct rho_5", "maxcut", 1, 5, "p10", 0.97),
    ("Max-Cut p=1 median rho_10", "maxcut", 1, 10, "median", 0.999),
    ("Max-Cut p=2 median rho_10", "maxcut", 2, 10, "median", 0.99),
    ("Max-Cut p=3 median rho_10", "maxcut", 3, 10, "median", 0.99),
    ("SK p=1 median rho_1", "sk", 1, 1, "median", 0.995),
    ("SK p=1 median rho_3", "sk", 1, 3, "median", 0.998),
)


def _stat(values: list[float], statistic: str) -> float:
    arr = np.asarray(values, dtype=float)
    return float(np.median(arr) if statistic == "median" else np.percentile(arr, 10))


def primary_label(block: dict[str, Any]) -> str | None:
    """The method the targets are about in one suite block: the bundled default model with
    refine, else the untrained stand-in (flagged as such by the report)."""
    learned = block.get("learned", [])
    for m in learned:
        if m.get("primary"):
            return m["label"]
    for m in learned:
        if m.get("refine"):
            return m["label"]
    return None


def evaluate_targets(suites: dict[str, Any]) -> list[dict[str, Any]]:
    """Pass/fail rows with the measured value and the shortfall (threshold - value) if missed.

    ``suites`` is ``results["suites"]``: ``{suite: {str(p): block}}`` with per-instance
    ``rho`` dicts in ``block["instances"][i]["runs"][label]``. The blind runs' rows (kind
    ``"blind"``, :func:`.blind_targets.evaluate_blind_targets`) come last.
    """
    rows: list[dict[str, Any]] = []
    for name, family, p, k, statistic, threshold in TARGETS:
        names = MAXCUT_SUITES if family == "maxcut" else ("sk",)
        values: list[float] = []
        labels = set()
        for suite in names:
            block = suites.get(suite, {}).get(str(p))
            label = primary_label(block) if block else None
            if label is None:
                continue
            labels.add(label)
            values += [inst["runs"][label]["rho"][str(k)] for inst in block["instances"]]
        row: dict[str, Any] = {"target": name, "threshold": threshold, "method": sorted(labels),
                               "instances": len(values)}
        if values:
            value = _stat(values, statistic)
            row.update(value=value, passed=value >= threshold,
                       shortfall=max(0.0, threshold - value))
        else:
            row.update(value=None, passed=None, shortfall=None)
        rows.append(row)
    for suite, by_p in suites.items():
        for p, block in sorted(by_p.items()):
            label = primary_label(block)
            row = baseline_row(block, label)
            if row is not None:
                rows.append({"target": f"{suite} p={p}: median rho_k >= best baseline at every k",
                             **row})
    rows += regression_rows(suites)
    return rows + evaluate_blind_targets(suites)


def _margins(summary: dict[str, Any], label: str, others: list[str]) -> dict[str, dict]:
    """Per reported k: the best of ``others`` by median rho_k, its value and ``label``'s."""
    gaps = {}
    for key in sorted(summary[label]["rho_median"], key=int):
        have = [m for m in others if key in summary[m]["rho_median"]]
        if not have:
            continue
        best = max(have, key=lambda m: summary[m]["rho_median"][key])
        gaps[key] = {"best_baseline": best, "baseline": summary[best]["rho_median"][key],
                     "value": summary[label]["rho_median"][key]}
    return gaps


def _worst(gaps: dict[str, dict], tol: float = 0.0) -> dict[str, Any]:
    """The row fields of a "median rho_k >= the other's at every k" comparison: ``value`` is
    the worst margin (negative: behind), ``shortfall`` how far behind at that k."""
    worst = min(gaps, key=lambda kk: gaps[kk]["value"] - gaps[kk]["baseline"])
    w = gaps[worst]
    return {"passed": all(g["value"] >= g["baseline"] - tol for g in gaps.values()),
            "value": w["value"] - w["baseline"], "threshold": -tol if tol else 0.0,
            "shortfall": max(0.0, w["baseline"] - w["value"]), "worst_k": int(worst),
            "worst_baseline": w["best_baseline"], "per_k": gaps}


def baseline_row(block: dict[str, Any], label: str | None) -> dict[str, Any] | None:
    """``label`` against the best baseline (every ``@`` method) on medians at every reported k;
    None without a learned method, a summary or a baseline."""
    summary = block.get("summary", {})
    baselines = [m for m in summary if "@" in m]
    if label is None or label not in summary or not baselines:
        return None
    gaps = _margins(summary, label, baselines)
    if not gaps:
        return None
    return {"method": [label], "instances": len(block.get("instances", [])), **_worst(gaps)}


# A depth-general model "does not regress" on a p-specific one if its median rho_k is at most
# this much lower at every k: the report's three decimals (differences below it are run noise).
REGRESSION_TOL = 1e-3


def regression_pair(block: dict[str, Any]) -> tuple[str, str] | None:
    """``(depth-model label, p-specific label)`` where both ran in one block: the primary method
    is a p-specific model and the family's depth-general model ran beside it."""
    learned = block.get("learned", [])
    primary = next((m for m in learned if m.get("primary")), None)
    # Hand-made or older results may lack "model"/"family": then there is nothing to compare.
    model, family = (primary or {}).get("model"), (primary or {}).get("family")
    if not model or not family or is_depth_model(model, family):
        return None
    base = f"{family}-depth"
    depth = next((m for m in learned if m.get("model") == base and m.get("refine")
                  and not m.get("blind")), None)
    return None if depth is None else (depth["label"], primary["label"])


def regression_rows(suites: dict[str, Any]) -> list[dict[str, Any]]:
    """Per (suite, p) where both ran: the depth-general model's median rho_k against the
    p-specific model's at every reported k (no regression within :data:`REGRESSION_TOL`)."""
    rows = []
    for suite, by_p in suites.items():
        for p in sorted(by_p, key=int):
            block = by_p[p]
            pair = regression_pair(block)
            summary = block.get("summary", {})
            if pair is None or not all(m in summary for m in pair):
                continue
            gaps = _margins(summary, pair[0], [pair[1]])
            rows.append({"target": f"{suite} p={p}: {pair[0]} median rho_k >= {pair[1]}'s at "
                                   "every k (no regression)",
                         "suite": suite, "p": int(p), "kind": "regression",
                         "method": [pair[0]], "reference": pair[1],
                         "instances": len(block.get("instances", [])),
                         **_worst(gaps, REGRESSION_TOL)})
    return rows


# -- depth part (issue 11) -------------------------------------------------------------------------

# (statistic, k, threshold) at every depth in DEPTH_TARGET_DEPTHS, per suite.
DEPTH_TARGETS = (("median", 1, 0.95), ("median", 10, 0.98), ("median", 50, 0.995),
                 ("p10", 10, 0.95))
DEPTH_TARGET_DEPTHS = range(4, 17)


def depth_primary_label(block: dict[str, Any]) -> str | None:
    """The learned method a depth block's targets are about: :func:`primary_label` (the
    p-specific default, else the depth-general model, each with refine)."""
    return primary_label(block)


def evaluate_depth_targets(suites: dict[str, Any], *, targets: tuple = DEPTH_TARGETS,
                           depths: Any = DEPTH_TARGET_DEPTHS) -> list[dict[str, Any]]:
    """Rows of the depth targets on ``results["depth"]["suites"]``: per suite and depth p in
    :data:`DEPTH_TARGET_DEPTHS` that ran, the four thresholds of :data:`DEPTH_TARGETS` and
    "median rho_k >= the best baseline's at every k" (kind ``absolute`` / ``baseline``); then
    the regression rows at any depth where the depth-general and a p-specific model both ran.

    Without a learned method at a depth the rows say so (``passed`` None, "n/a"). ``targets``
    and ``depths`` (None: every depth) replace the thresholds and depths (the qubo part's)."""
    rows: list[dict[str, Any]] = []
    for suite, by_p in suites.items():
        for p in sorted(by_p, key=int):
            if (depths is not None and int(p) not in depths) or "summary" not in by_p[p]:
                continue
            summary = by_p[p]["summary"]
            label = depth_primary_label(by_p[p])
            where = {"suite": suite, "p": int(p), "method": [label] if label else [],
                     "instances": len(by_p[p].get("instances", []))}
            for statistic, k, threshold in targets:
                key = "rho_median" if statistic == "median" else "rho_p10"
                value = summary[label][key].get(str(k)) if label in summary else None
                # The best baseline on the same statistic: how hard the threshold is here.
                best = max(((summary[m][key][str(k)], m) for m in summary
                            if "@" in m and str(k) in summary[m][key]), default=(None, None))
                rows.append({
                    "target": f"{suite} p={p} {'median' if statistic == 'median' else '10th pct'}"
                              f" rho_{k}", **where, "kind": "absolute", "statistic": statistic,
                    "k": k, "threshold": threshold, "value": value,
                    "passed": None if value is None else value >= threshold,
                    "shortfall": None if value is None else max(0.0, threshold - value),
                    "best_baseline": best[1], "best_baseline_value": best[0]})
            base = baseline_row(by_p[p], label)
            rows.append({"target": f"{suite} p={p}: median rho_k >= best baseline at every k",
                         **where, "kind": "baseline",
                         **(base or {"threshold": 0.0, "value": None, "passed": None,
                                     "shortfall": None})})
    return rows + regression_rows(suites)


def depth_verdicts(rows: list[dict[str, Any]],
                   kinds: tuple[str, ...] = ("absolute", "baseline")) -> list[dict[str, Any]]:
    """One verdict per (suite, p) of :func:`evaluate_depth_targets`' target rows (or
    :func:`evaluate_qubo_targets`', whose ``kinds`` add ``"e2e"``): passed (True, False, or None
    without a learned method) and each missed target with its shortfall."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for r in rows:
        if r.get("kind") not in kinds:
            continue
        v = out.setdefault((r["suite"], r["p"]), {"suite": r["suite"], "p": r["p"],
                                                 "method": r["method"], "results": [],
                                                 "missed": []})
        v["results"].append(r["passed"])
        if r["passed"] is False:
            v["missed"].append({"target": r["target"], "shortfall": r["shortfall"],
                                **({"worst_k": r["worst_k"],
                                    "worst_baseline": r["worst_baseline"]}
                                   if "worst_k" in r else {})})
    for v in out.values():  # a miss fails the block; else any n/a target leaves it open
        results = v.pop("results")
        v["passed"] = (False if False in results else None if None in results else True)
    return list(out.values())


# -- qubo part (issue 12) --------------------------------------------------------------------------

# (statistic, k, threshold) per class and depth p = 1, 2 (issue 12, item 5).
QUBO_TARGETS = (("median", 5, 0.98), ("median", 10, 0.99), ("median", 50, 0.999),
                ("p10", 10, 0.95))
QUBO_KINDS = ("absolute", "baseline", "e2e", "regression")


def evaluate_qubo_targets(qubo: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the qubo targets on ``results["qubo"]``: per suite and depth the thresholds of
    :data:`QUBO_TARGETS` and "median rho_k >= the best baseline's at every k" (the rows of
    :func:`evaluate_depth_targets`' kinds ``absolute`` / ``baseline``); per class at p = 1 the
    end-to-end check (kind ``e2e``): the learned optimizer at budget B returns a feasible
    solution at least as often as COBYLA at 5 B; on the weighted Max-Cut and SK rows, where the
    family's own model ran beside it (``shipped-<family>``), no regression against it (kind
    ``regression``, within :data:`REGRESSION_TOL`). Verdicts:
    ``depth_verdicts(rows, QUBO_KINDS)``.
    """
    suites = qubo.get("suites", {})
    rows = [r for r in evaluate_depth_targets(suites, targets=QUBO_TARGETS, depths=None)
            if r.get("kind") != "regression"]
    for suite, by_p in suites.items():  # the general model against the family's own
        for p in sorted(by_p, key=int):
            block = by_p[p]
            label, summary = primary_label(block), block.get("summary", {})
            shipped = [m["label"] for m in block.get("learned", [])
                       if m["label"].startswith("shipped-")]
            if label is None or not shipped or not all(m in summary for m in (label, *shipped)):
                continue
            gaps = _margins(summary, label, shipped)
            rows.append({"target": f"{suite} p={p}: median rho_k >= {shipped[0]}'s at every k "
                                   "(no regression)", "suite": suite, "p": int(p),
                         "kind": "regression", "method": [label], "reference": shipped[0],
                         "instances": len(block.get("instances", [])),
                         **_worst(gaps, REGRESSION_TOL)})
    for suite, block in qubo.get("e2e", {}).get("classes", {}).items():
        summ = block["summary"]
        learned, cobyla = summ["learned"]["feasible"], summ["cobyla"]["feasible"]
        rows.append({"target": f"{suite} p=1: end-to-end feasible share >= COBYLA's at 5x the "
                               "budget", "suite": suite, "p": 1, "kind": "e2e",
                     "method": [qubo["e2e"]["label"]], "instances": summ["learned"]["runs"],
                     "threshold": cobyla, "value": learned, "passed": learned >= cobyla,
                     "shortfall": max(0.0, cobyla - learned)})
    return rows

