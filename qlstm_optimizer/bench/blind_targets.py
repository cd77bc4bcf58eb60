"""Issue 13's targets for blind runs (no operator given, as ``QAOA(sampler,
optimizer=QLSTMOptimizer.pretrained(...))`` runs them): rows of kind ``"blind"``.

On the held-out suites, about the ``<arch>-blind`` method of a block (``learned`` entry with
``blind`` set, see :mod:`.learned`):

* the thresholds of :data:`BLIND_TARGETS` (median and 10th percentile of rho_k);
* at every reported k, in median and in 10th percentile, at least the best baseline that does
  not use the operator either (:func:`operator_free`), at each (suite, p) a threshold names.

Which suites count: the issue's targets are stated on, and measured on, Erdos-Renyi Max-Cut
graphs (the paper's 90 ER test graphs), so Max-Cut means the ``er`` suite here; ``regular3`` and
``weighted_er`` (and depths without a threshold) are reported beside the targets, not targeted
(:data:`REPORTED_SUITES`). A block that did not run, or has no blind method or no operator-free
baseline, gives its rows with ``passed`` None ("n/a").

Example:
    >>> operator_free(["qlstm", "cobyla@tqa", "cobyla@scaled", "spsa@random"])
    ['cobyla@tqa', 'spsa@random']
"""

from __future__ import annotations

from typing import Any

from .baselines import STARTS

# (suite, p, statistic, k, threshold): issue 13, item 3.
BLIND_TARGETS = (
    ("er", 1, "median", 3, 0.97), ("er", 1, "p10", 3, 0.90),
    ("er", 1, "median", 5, 0.99), ("er", 1, "p10", 5, 0.97),
    ("er", 2, "median", 10, 0.98), ("er", 2, "p10", 10, 0.95),
    ("sk", 1, "median", 3, 0.99),
)
FAMILY_NAMES = {"er": "Max-Cut", "sk": "SK"}
REPORTED_SUITES = ("regular3", "weighted_er")
_KEYS = {"median": "rho_median", "p10": "rho_p10"}
_WORDS = {"median": "median", "p10": "10th pct"}


def operator_free(labels: Any) -> list[str]:
    """The baselines (``optimizer@start``) among ``labels`` whose start does not read the
    operator: the starts of :data:`.baselines.STARTS` (Qiskit's random point, the fixed-angle
    table, TQA). ``@scaled`` rescales the table by the operator's coupling scale, so it is out,
    as is any start added later until it is listed there."""
    return [m for m in labels if "@" in m and m.split("@", 1)[1] in STARTS]


def blind_label(block: dict[str, Any] | None) -> str | None:
    """The blind method of a block: the ``learned`` entry with ``blind`` set (older or
    hand-made results without the flag: a label ending in ``-blind``) that has a summary."""
    if not block:
        return None
    summary = block.get("summary", {})
    learned = [m for m in block.get("learned", []) if m.get("label") in summary]
    for m in learned:
        if m.get("blind"):
            return m["label"]
    return next((m for m in (x["label"] for x in learned) if m.endswith("-blind")),
                next((m for m in summary if m.endswith("-blind")), None))


def targeted_blocks() -> list[tuple[str, int]]:
    """The (suite, p) pairs a threshold of :data:`BLIND_TARGETS` names, in order."""
    return list(dict.fromkeys((suite, p) for suite, p, *_ in BLIND_TARGETS))


def _na(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "value": None, "passed": None, "shortfall": None}


def baseline_margin(summary: dict[str, Any], label: str, statistic: str,
                    ) -> dict[str, Any] | None:
    """``label`` against the best operator-free baseline on ``statistic`` ("median" / "p10")
    at every k both report: the worst margin (``value``; negative = behind), where and against
    whom, and ``per_k``. None without such a baseline or a common k."""
    key = _KEYS[statistic]
    base = [m for m in operator_free(summary) if key in summary[m]]
    gaps = {}
    for k in sorted(summary[label].get(key, {}), key=int):
        have = [m for m in base if k in summary[m][key]]
        if have:
            best = max(have, key=lambda m: summary[m][key][k])
            gaps[k] = {"best_baseline": best, "baseline": summary[best][key][k],
                       "value": summary[label][key][k]}
    if not gaps:
        return None
    worst = min(gaps, key=lambda k: gaps[k]["value"] - gaps[k]["baseline"])
    w = gaps[worst]
    return {"passed": all(g["value"] >= g["baseline"] for g in gaps.values()),
            "value": w["value"] - w["baseline"], "threshold": 0.0,
            "shortfall": max(0.0, w["baseline"] - w["value"]), "worst_k": int(worst),
            "worst_baseline": w["best_baseline"], "per_k": gaps}


def evaluate_blind_targets(suites: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows (kind ``"blind"``) of :data:`BLIND_TARGETS` and of the operator-free baseline
    comparison on ``results["suites"]`` (``{suite: {str(p): block}}``), each with ``suite``,
    ``p``, ``method``, ``instances``, ``threshold``, ``value``, ``passed`` and ``shortfall``."""
    rows: list[dict[str, Any]] = []
    for suite, p, statistic, k, threshold in BLIND_TARGETS:
        block = suites.get(suite, {}).get(str(p))
        label = blind_label(block)
        row = {"target": f"{FAMILY_NAMES[suite]} ({suite}) p={p} blind {_WORDS[statistic]} "
                         f"rho_{k}", "kind": "blind", "suite": suite, "p": p,
               "statistic": statistic, "k": k, "threshold": threshold,
               "method": [label] if label else [],
               "instances": len(block.get("instances", [])) if block else 0}
        value = (block["summary"][label][_KEYS[statistic]].get(str(k))
                 if label is not None else None)
        rows.append(_na(row) if value is None else
                    {**row, "value": value, "passed": value >= threshold,
                     "shortfall": max(0.0, threshold - value)})
    for suite, p in targeted_blocks():
        block = suites.get(suite, {}).get(str(p))
        label = blind_label(block)
        for statistic in ("median", "p10"):
            row = {"target": f"{suite} p={p} blind: {_WORDS[statistic]} rho_k >= best "
                             "operator-free baseline at every k", "kind": "blind",
                   "suite": suite, "p": p, "statistic": statistic,
                   "method": [label] if label else [],
                   "instances": len(block.get("instances", [])) if block else 0}
            margin = (baseline_margin(block["summary"], label, statistic)
                      if label is not None else None)
            rows.append({**_na(row), "threshold": 0.0} if margin is None else {**row, **margin})
    return rows


def reported_margins(suites: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks with a blind run that no target names (``regular3``, ``weighted_er``, other
    depths): per k, the blind run's median rho_k minus the best operator-free baseline's."""
    targeted = set(targeted_blocks())
    out = []
    for suite, by_p in suites.items():
        for p in sorted(by_p, key=int):
            label = blind_label(by_p[p])
            if (suite, int(p)) in targeted or label is None:
                continue
            margin = baseline_margin(by_p[p]["summary"], label, "median")
            if margin is not None:
                out.append({"suite": suite, "p": int(p), "method": label,
                            "per_k": {k: g["value"] - g["baseline"]
                                      for k, g in margin["per_k"].items()}})
    return out
