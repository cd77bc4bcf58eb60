"""The report's target tables and its blind section (issue 13): the blind runs' targets of
:mod:`.blind_targets` as a target table, then the margins of the blocks no target names.

Example:
    >>> print("\\n".join(target_table([{"target": "t", "method": ["m"], "value": 0.5,
    ...                                  "threshold": 0.9, "passed": False, "shortfall": 0.4}])))
    | target | method | measured | threshold | result |
    |---|---|---|---|---|
    | t | m | 0.5000 | 0.900 | FAIL (short by 0.400) |
"""

from __future__ import annotations

from typing import Any

from .blind_targets import (
    REPORTED_SUITES,
    evaluate_blind_targets,
    reported_margins,
    targeted_blocks,
)
from .depth_report import _f, _table
from .metrics import BUDGETS


def target_table(targets: list[dict[str, Any]]) -> list[str]:
    """target / method / measured / threshold / result rows (PASS, FAIL with the shortfall,
    n/a where the method or the block is missing)."""
    rows = []
    for t in targets:
        status = "n/a" if t["passed"] is None else ("PASS" if t["passed"] else "FAIL")
        if t["passed"] is False:
            status += f" (short by {t['shortfall']:.3f}"
            status += f" at k={t['worst_k']} vs {t['worst_baseline']})" if "worst_k" in t else ")"
        value = _f(t["value"], 4)
        if "worst_k" in t:
            value = f"worst margin {t['value']:+.4f} (k={t['worst_k']})"
        rows.append([t["target"], ", ".join(t["method"]) or "-", value,
                     _f(t.get("threshold"), 3), status])
    return _table(["target", "method", "measured", "threshold", "result"], rows)


def blind_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The blind target rows: those of ``results["targets"]``, or (results written before
    the blind targets existed) evaluated from the suites."""
    rows = [t for t in results.get("targets", []) if t.get("kind") == "blind"]
    if not rows and "suites" in results:
        rows = evaluate_blind_targets(results["suites"])
    return rows


def met_text(rows: list[dict[str, Any]]) -> str:
    na = sum(t["passed"] is None for t in rows)
    return (f"{sum(t['passed'] is True for t in rows)} of {len(rows)}"
            + (f" ({na} n/a)" if na else ""))


def blind_section(results: dict[str, Any]) -> list[str]:
    """Blind runs (no operator given, as in the one-line QAOA usage): issue 13's targets
    (:mod:`.blind_targets`), then the margins of the blocks no target names."""
    rows = blind_rows(results)
    if not rows:
        return []
    suites = ", ".join(f"`{s}`" for s in dict.fromkeys(s for s, _ in targeted_blocks()))
    lines = ["Blind runs (no `hamiltonian=`, as `QAOA(sampler, optimizer=QLSTMOptimizer."
             "pretrained(...))` runs them): issue 13's targets on the held-out suites "
             f"{suites} (Max-Cut = `er`, the graphs the issue's targets were stated on; "
             f"{', '.join(f'`{s}`' for s in REPORTED_SUITES)} are reported, not targeted). "
             "'best operator-free baseline': the best `optimizer@start` at each k from a start "
             "that does not read the operator (random, fixed, TQA; not `@scaled`). "
             f"Met: {met_text(rows)}.", ""] + target_table(rows)
    reported = reported_margins(results.get("suites", {}))
    if reported:
        ks = [str(k) for k in BUDGETS if all(str(k) in r["per_k"] for r in reported)]
        lines += ["", "Reported, not targeted: median rho_k of the blind run minus the best "
                  "operator-free baseline's (negative = the baseline is ahead).", ""]
        lines += _table(["suite", "method"] + [f"k={k}" for k in ks],
                        [[f"{r['suite']} p={r['p']}", r["method"]]
                         + [f"{r['per_k'][k]:+.3f}" for k in ks] for r in reported])
    return lines
