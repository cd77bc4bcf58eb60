"""Warm starts (``start="x0"``) against COBYLA from the same x0, and what evaluating QAOA's random
x0 would cost the default learned start. Numbers in docs/user-guide.md ("Warm starts").

Produced: docs/user-guide.md, "Warm starts".

Validation instances: Erdos-Renyi Max-Cut, n = 8..10, edge probability 0.3/0.5/0.7, graph seeds
``instance_seed("val", i, 7)`` (the validation split of :mod:`qlstm_optimizer.instances`, base
seed 7 as in the policy validation; no training graph). Energies are exact; quality is rho at the
returned point (1 optimal at depth p, 0 random guessing). The x0s: the TQA schedule scaled by the
graph's coupling scale, and the depth-p optimum perturbed by N(0, 0.15) and N(0, 0.3) per angle.

Run from the repository root (about a minute per depth on one core):
    python -m benchmarks.x0_start --p 2 --budget 20 --instances 30
"""

from __future__ import annotations

import argparse
import functools

import numpy as np
from scipy.optimize import minimize

from qlstm_optimizer.angles import coupling_scale, tqa_angles
from qlstm_optimizer.instances import instance_seed
from qlstm_optimizer.minimize import minimize_qaoa
from qlstm_optimizer.problems import erdos_renyi
from qlstm_optimizer.sim import qaoa_energy

VALIDATION_BASE_SEED = 7


@functools.cache  # the depth-p optimum is computed once per graph
def validation_graph(i: int):  # noqa: ANN201
    return erdos_renyi(8 + i % 3, (0.3, 0.5, 0.7)[i % 3],
                       seed=instance_seed("val", i, VALIDATION_BASE_SEED))


def warm_starts(p: int, budget: int, instances: int, blind: bool) -> dict[str, dict[str, list]]:
    """rho of x0 itself, of COBYLA (SciPy defaults, maxiter = budget) and of qlstm start="x0"."""
    out: dict[str, dict[str, list]] = {}
    for i in range(instances):
        h = validation_graph(i)
        f = lambda x, h=h: qaoa_energy(h, x)  # noqa: E731
        best = h.optimal_qaoa_energy(p).x
        rng = np.random.default_rng(i)
        starts = {"tqa": tqa_angles(p, 0.75 / coupling_scale(h)),
                  "opt+N(0,0.15)": best + rng.normal(0, 0.15, 2 * p),
                  "opt+N(0,0.3)": best + rng.normal(0, 0.3, 2 * p)}
        for name, x0 in starts.items():
            row = out.setdefault(name, {"x0": [], "cobyla": [], "qlstm": []})
            row["x0"].append(h.rho(f(x0), p))
            c = minimize(f, x0, method="COBYLA", options={"maxiter": budget})
            row["cobyla"].append(h.rho(f(c.x), p))
            r = minimize_qaoa(f, x0, maxfev=budget, start="x0",
                              hamiltonian=None if blind else h)
            row["qlstm"].append(h.rho(f(r.x), p))
    return out


def x0_cost(p: int, instances: int, budgets: tuple[int, ...] = (3, 5, 10)) -> dict[str, list]:
    """Median rho_k of the learned start as shipped against spending evaluation 1 on QAOA's
    random x0 (uniform in beta [0, 2pi], gamma [-2pi, 2pi]) and k - 1 on the learned run."""
    out: dict[str, list] = {}
    for k in budgets:
        plain, with_x0 = [], []
        for i in range(instances):
            h = validation_graph(i)
            f = lambda x, h=h: qaoa_energy(h, x)  # noqa: E731
            x0 = np.random.default_rng(i).uniform([0] * p + [-2 * np.pi] * p,
                                                  [2 * np.pi] * p + [2 * np.pi] * p)
            plain.append(h.rho(minimize_qaoa(f, x0, maxfev=k, hamiltonian=h).fun, p))
            rest = minimize_qaoa(f, x0, maxfev=k - 1, hamiltonian=h).fun
            with_x0.append(h.rho(min(f(x0), rest), p))
        out[f"rho_{k}"] = [float(np.median(plain)), float(np.median(with_x0))]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--p", type=int, default=2)
    ap.add_argument("--budget", type=int, default=20)
    ap.add_argument("--instances", type=int, default=30)
    args = ap.parse_args(argv)
    print(f"p = {args.p}, budget {args.budget}, {args.instances} validation graphs: "
          "median [10th percentile] rho of the returned point")
    for blind in (False, True):
        print("blind (no operator)" if blind else "operator given")
        for name, row in warm_starts(args.p, args.budget, args.instances, blind).items():
            cells = "  ".join(f"{k} {np.median(v):.3f} [{np.percentile(v, 10):.3f}]"
                              for k, v in row.items())
            print(f"  x0 = {name:14s} {cells}")
    print("learned start (operator given), median rho_k: as shipped / x0 evaluated first")
    for k, (plain, with_x0) in x0_cost(args.p, args.instances).items():
        print(f"  {k}: {plain:.3f} / {with_x0:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
