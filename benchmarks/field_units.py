"""Which Hamiltonian scale makes the p = 1 optimum's gamma concentrate once fields, penalties,
constants and higher-order terms appear.

Produced: docs/design.md, "Units for fields and penalties".

Run ``OMP_NUM_THREADS=1 python -m benchmarks.field_units`` (about 5-10 minutes on one core).
For each problem class of ``benchmarks.field_problems`` (qiskit-optimization applications through
``QuadraticProgramToQubo`` and ``to_ising``, random QUBOs, portfolio, weighted Max-Cut and SK as
the references, LABS and Max-3-SAT with terms of order 4 and 3) and validation-split seeds only,
it finds the global p = 1 optimum over the periodic box (``benchmarks.p1_landscape``) and prints,
per candidate scale rule ``c(h)`` (each divided by its value on a unit 3-regular graph, so
Max-Cut units stay those of the bundled models), the spread of ``log(gamma* c)`` per class and
over all classes: its standard deviation and the min..max of ``gamma* c``. The rule with the
smallest spread on the selection seeds (base seed 0) is checked on a second set (base seed 1).
Then, in the chosen and in today's ``coupling-rms`` units, it reports how good the local optimum
is that a local search reaches from the reference start ``gamma_0 = g_ref / c`` (``g_ref`` the
median ``gamma* c`` of the reference classes): rho = (E_uniform - E_local) / (E_uniform -
E_global), median [min] per class.

Example:
    >>> from qlstm_optimizer.problems import regular
    >>> round(RULES["coupling-rms"](regular(8, 3, seed=0)), 4)
    0.866
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from qlstm_optimizer.units import coupling_scale, term_local_scale

from .field_problems import GENERATORS, REFERENCE_CLASSES, build
from .p1_landscape import global_p1_optimum, nearest_local_optimum


def _per_qubit(h: Any, power: float, orders: str = "all") -> np.ndarray:
    """sum over the terms touching each qubit of |c|**power (orders: all, fields, couplings)."""
    d = np.zeros(h.num_qubits)
    for key, c in h.terms.items():
        if orders == "fields" and len(key) != 1 or orders == "couplings" and len(key) < 2:
            continue
        d[list(key)] += abs(c) ** power
    return d


def field_coherent(h: Any) -> float:
    """rms over spins of |h_i| + sqrt(sum of squared higher-order coefficients on i): fields
    add coherently, couplings as a random walk."""
    per = np.abs(h.linear) + np.sqrt(_per_qubit(h, 2, "couplings"))
    return float(np.sqrt(np.mean(per**2)))


def spectral(h: Any) -> float:
    diag = h.diagonal()
    return float((diag.max() - diag.min()) / h.num_qubits)


RULES = {
    "coupling-rms": coupling_scale,  # sqrt(sum |k| c**2 / n): today's rule
    "energy-std": lambda h: h.coefficient_norm() / np.sqrt(h.num_qubits),  # std(diag) / sqrt n
    "field-coherent": field_coherent,
    "max-coeff": lambda h: max(abs(c) for c in h.terms.values()),
    "spectral": spectral,  # (E_max - E_min) / n
    "max-local": lambda h: float(np.sqrt(_per_qubit(h, 2).max())),
    "local-l1": lambda h: float(np.sqrt(np.mean(_per_qubit(h, 1) ** 2))),
    "term-local": term_local_scale,  # the rule chosen (units.py)
    # weight |S|**2 / 2 per term: a ZZ term as in coupling-rms, fields half, order-4 terms twice
    "order-weighted": lambda h: float(np.sqrt(sum(len(k) ** 2 * c * c for k, c in h.terms.items())
                                              / (2 * h.num_qubits))),
}


def reference_values() -> dict[str, float]:
    from qlstm_optimizer.problems import regular

    ref = regular(12, 3, seed=0)
    return {name: rule(ref) for name, rule in RULES.items()}


def measure(classes: list[str], count: int, base_seed: int, log: Any = None) -> list[dict]:
    """One record per instance: class, gamma*, each rule's c, and the optimum itself."""
    from qlstm_optimizer.instances import instance_seed

    ref = reference_values()
    records = []
    for name in classes:
        for i in range(count):
            h = build(name, instance_seed("val", i, base_seed))
            start = time.perf_counter()
            opt = global_p1_optimum(h)
            # the first optimum met from gamma -> 0+: where any small-gamma start converges
            _, first, e_first = nearest_local_optimum(opt, h, 0.0)
            records.append({"class": name, "h": h, "opt": opt, "gamma": opt.gamma,
                            "first": first, "rho_first": opt.rho(e_first),
                            "c": {r: RULES[r](h) / ref[r] for r in RULES}})
            if log:
                log(f"  {name} #{i}: n={h.num_qubits} gamma*={opt.gamma:.5g} "
                    f"box={opt.box:.4g} ({time.perf_counter() - start:.1f} s)")
    return records


def spreads(records: list[dict], rule: str, which: str = "gamma"
            ) -> dict[str, tuple[float, float, float]]:
    """Per class and "all": (std of log(gamma c), min, max of gamma c); gamma the global
    optimum's ("gamma") or the first small-gamma optimum's ("first")."""
    groups: dict[str, list[float]] = {}
    for rec in records:
        x = rec[which] * rec["c"][rule]
        groups.setdefault(rec["class"], []).append(x)
        groups.setdefault("all", []).append(x)
    return {k: (float(np.std(np.log(v))), min(v), max(v)) for k, v in groups.items()}


def spread_table(records: list[dict], rules: list[str], which: str = "gamma") -> list[str]:
    table = {r: spreads(records, r, which) for r in rules}
    lines = ["| class | " + " | ".join(rules) + " |", "|---" * (len(rules) + 1) + "|"]
    for cls in [*dict.fromkeys(rec["class"] for rec in records), "all"]:
        cells = [f"{table[r][cls][0]:.2f} [{table[r][cls][1]:.3g}..{table[r][cls][2]:.3g}]"
                 for r in rules]
        lines.append(f"| {cls} | " + " | ".join(cells) + " |")
    return lines


def local_table(records: list[dict], rules: list[str]) -> list[str]:
    """rho of the local optimum reached from gamma_0 = g_ref / c, median [min] per class."""
    lines = ["| class | " + " | ".join(f"{r}: gamma_0 c, rho local" for r in rules) + " |",
             "|---" * (len(rules) + 1) + "|"]
    cols = {}
    for rule in rules:
        g_ref = float(np.median([rec["gamma"] * rec["c"][rule] for rec in records
                                 if rec["class"] in REFERENCE_CLASSES]))
        rhos: dict[str, list[float]] = {}
        for rec in records:
            _, _, energy = nearest_local_optimum(rec["opt"], rec["h"], g_ref / rec["c"][rule])
            rhos.setdefault(rec["class"], []).append(rec["opt"].rho(energy))
        cols[rule] = (g_ref, rhos)
    for cls in dict.fromkeys(rec["class"] for rec in records):
        cells = [f"{cols[r][0]:.3f}, {np.median(cols[r][1][cls]):.3f} [{min(cols[r][1][cls]):.3f}]"
                 for r in rules]
        lines.append(f"| {cls} | " + " | ".join(cells) + " |")
    return lines


def feature_table(records: list[dict]) -> list[str]:
    """Median of each candidate static feature (units.general_features) per class."""
    from qlstm_optimizer.units import GENERAL_FEATURE_NAMES, general_features

    rows: dict[str, list[dict]] = {}
    for rec in records:
        rows.setdefault(rec["class"], []).append(general_features(rec["h"]))
    lines = ["| class | " + " | ".join(GENERAL_FEATURE_NAMES) + " |",
             "|---" * (len(GENERAL_FEATURE_NAMES) + 1) + "|"]
    for cls, feats in rows.items():
        lines.append(f"| {cls} | " + " | ".join(
            f"{np.median([f[k] for f in feats]):.2f}" for k in GENERAL_FEATURE_NAMES) + " |")
    return lines


def feature_fit(selection: list[dict], validation: list[dict], rule: str) -> list[str]:
    """How much of the remaining spread each candidate feature explains: log(gamma_1 c) fitted
    as a + b * feature by least squares on the selection set, RMS residual on the validation
    set (and with no feature, and with all of them)."""
    from qlstm_optimizer.units import GENERAL_FEATURE_NAMES, general_features

    def data(records: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        x = np.array([[general_features(r["h"])[k] for k in GENERAL_FEATURE_NAMES]
                      for r in records])
        return x, np.log([r["first"] * r["c"][rule] for r in records])

    xs, ys = data(selection)
    xv, yv = data(validation)

    def residual(cols: list[int]) -> float:
        design = np.column_stack([np.ones(len(ys)), xs[:, cols]])
        coef = np.linalg.lstsq(design, ys, rcond=None)[0]
        pred = np.column_stack([np.ones(len(yv)), xv[:, cols]]) @ coef
        return float(np.sqrt(np.mean((yv - pred) ** 2)))

    lines = [f"| feature | RMS residual of log(gamma_1 c), {rule}, validation set |", "|---|---|",
             f"| (none) | {residual([]):.3f} |"]
    lines += [f"| {name} | {residual([i]):.3f} |" for i, name in enumerate(GENERAL_FEATURE_NAMES)]
    lines.append(f"| all | {residual(list(range(len(GENERAL_FEATURE_NAMES)))):.3f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=8, help="instances per class and set")
    parser.add_argument("--classes", nargs="+", default=list(GENERATORS),
                        choices=list(GENERATORS), help="problem classes (default: all)")
    parser.add_argument("--quiet", action="store_true", help="no per-instance lines")
    args = parser.parse_args(argv)
    if args.instances < 2:
        parser.error(f"--instances must be at least 2, got {args.instances}")
    log = None if args.quiet else print
    rules = list(RULES)
    sets = {}
    for label, base in (("selection", 0), ("validation", 1)):
        print(f"{label} set: validation split, base seed {base}, {args.instances} per class")
        sets[label] = measure(args.classes, args.instances, base, log)
    for label, records in sets.items():
        print(f"\nglobal optimum: std of log(gamma* c) [min..max of gamma* c], {label} set")
        print("\n".join(spread_table(records, rules)))
    first = {}
    for label, records in sets.items():
        print(f"\nfirst optimum from gamma -> 0: std of log(gamma_1 c) [min..max], {label} set")
        print("\n".join(spread_table(records, rules, "first")))
        first[label] = {r: spreads(records, r, "first")["all"][0] for r in rules}
    best = min(first["selection"], key=first["selection"].get)
    print(f"\nsmallest overall spread of the first optimum (selection set): {best} "
          f"({first['selection'][best]:.3f}; validation set {first['validation'][best]:.3f})")
    print("\nrho of the first optimum vs the global one, median [min]:")
    for cls in dict.fromkeys(rec["class"] for rec in sets["validation"]):
        for label, records in sets.items():
            rho = [rec["rho_first"] for rec in records if rec["class"] == cls]
            print(f"  {cls:17s} {label:10s} {np.median(rho):.3f} [{min(rho):.3f}]")
    print("\nwhere the global optimum sits: 2 gamma* max|J_ij| / pi (the largest coupling's "
          "phase in half turns; an integer = that penalty's phase realigned), median [min..max]")
    for cls in dict.fromkeys(rec["class"] for rec in sets["validation"]):
        turns = [2 * rec["gamma"] * np.abs(rec["h"].couplings()[1]).max() / np.pi
                 for rec in sets["validation"]
                 if rec["class"] == cls and rec["h"].couplings()[1].size]
        if turns:
            print(f"  {cls:17s} {np.median(turns):8.3f} [{min(turns):.3f}..{max(turns):.3f}]")
    print("\ncandidate static features (units.general_features), median per class")
    print("\n".join(feature_table(sets["validation"])))
    print("\nremaining spread explained by one feature (fit on selection, validation residual)")
    print("\n".join(feature_fit(sets["selection"], sets["validation"], best)))
    compare = [best] if best == "coupling-rms" else ["coupling-rms", best]
    print("\nlocal optimum from gamma_0 = g_ref / c vs the global one, validation set")
    print("\n".join(local_table(sets["validation"], compare)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
