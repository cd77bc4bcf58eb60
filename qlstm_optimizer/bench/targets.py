"""The issue's sample-efficiency targets, evaluated on a suite result.

Each target is ``(what, family, p, k, statistic, threshold)``; Max-Cut targets pool every Max-Cut
suite (Erdos-Renyi, 3-regular, weighted ER) at that depth. The "at least as good as the best
baseline" target is checked per suite, depth and k on medians.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .metrics import BUDGETS

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
    ``rho`` dicts in ``block["instances"][i]["runs"][label]``.
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
            summary = block.get("summary", {})
            baselines = [m for m in summary if "@" in m]
            if label is None or not baselines:
                continue
            gaps = {}
            for k in BUDGETS:
                key = str(k)
                if key not in summary[label]["rho_median"]:
                    continue
                best = max(baselines, key=lambda m: summary[m]["rho_median"][key])
                gaps[key] = {"best_baseline": best,
                             "baseline": summary[best]["rho_median"][key],
                             "value": summary[label]["rho_median"][key]}
            worst = min(gaps, key=lambda kk: gaps[kk]["value"] - gaps[kk]["baseline"])
            w = gaps[worst]
            rows.append({
                "target": f"{suite} p={p}: median rho_k >= best baseline at every k",
                "method": [label], "instances": len(block["instances"]),
                "passed": all(g["value"] >= g["baseline"] for g in gaps.values()),
                "value": w["value"] - w["baseline"], "threshold": 0.0,
                "shortfall": max(0.0, w["baseline"] - w["value"]),
                "worst_k": int(worst), "worst_baseline": w["best_baseline"], "per_k": gaps,
            })
    return rows


# -- depth part (issue 11) -------------------------------------------------------------------------

# (statistic, k, threshold) at every depth in DEPTH_TARGET_DEPTHS, per suite.
DEPTH_TARGETS = (("median", 1, 0.95), ("median", 10, 0.98), ("median", 50, 0.995),
                 ("p10", 10, 0.95))
DEPTH_TARGET_DEPTHS = range(4, 17)


def depth_primary_label(block: dict[str, Any]) -> str | None:
    """The learned method a depth block's targets are about (the bundled default with refine)."""
    for m in block.get("learned", []):
        if m.get("primary") or m.get("refine"):
            return m["label"]
    return None


def evaluate_depth_targets(suites: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the depth targets (p = 4..16, per suite) on ``results["depth"]["suites"]``.

    Without a learned method at a depth the row says so (``passed`` None): the depth-general
    model does not exist yet, and these rows show where it will be measured."""
    rows: list[dict[str, Any]] = []
    for suite, by_p in suites.items():
        for p in sorted(by_p, key=int):
            if int(p) not in DEPTH_TARGET_DEPTHS or "summary" not in by_p[p]:
                continue
            summary = by_p[p]["summary"]
            label = depth_primary_label(by_p[p])
            for statistic, k, threshold in DEPTH_TARGETS:
                key = "rho_median" if statistic == "median" else "rho_p10"
                row: dict[str, Any] = {
                    "target": f"{suite} p={p} {'median' if statistic == 'median' else '10th pct'}"
                              f" rho_{k}",
                    "method": [label] if label else [], "threshold": threshold}
                value = summary[label][key].get(str(k)) if label in summary else None
                row.update(value=value, passed=None if value is None else value >= threshold,
                           shortfall=None if value is None else max(0.0, threshold - value))
                rows.append(row)
    return rows
