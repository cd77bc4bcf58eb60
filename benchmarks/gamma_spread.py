"""Where the best p = 1 gamma sits in each Hamiltonian-scale rule's units, per graph family.

Produced: docs/design.md, "Hamiltonian units" (the gamma* * c spread per scale rule).

Run ``python -m benchmarks.gamma_spread`` (a few seconds). For validation-split
graphs (never the benchmark's test seeds) of the Max-Cut suites it finds the optimal p = 1
angles on a dense grid of the closed-form energy and prints ``|gamma*| * c`` for both rules of
:func:`qlstm_optimizer.minimize.hamiltonian_scale_factor`. The narrower the spread, the closer
one start in model units is to every graph's optimum: this measurement chose ``coupling-rms``
for the Max-Cut models (docs/design.md).

Example:
    >>> from qlstm_optimizer.problems import regular
    >>> round(abs(optimal_p1_gamma(regular(8, 3, seed=0))), 2)  # small graph: below 0.6155
    0.58
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

SUITES = {
    "erdos_renyi n=8..16": {"family": "erdos_renyi", "sizes": list(range(8, 17)),
                            "edge_probs": [2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7]},
    "3-regular n=12..20": {"family": "regular", "sizes": list(range(12, 21)), "degrees": [3]},
    "weighted ER n=8..16": {"family": "weighted_erdos_renyi", "sizes": list(range(8, 17)),
                            "edge_probs": [2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7]},
}


def optimal_p1_gamma(hamiltonian: Any, points: int = 200) -> float:
    """Gamma of the best point of a (beta, gamma) grid, |gamma| in (0, 1.6], closed form."""
    from qlstm_optimizer.sim.analytic import analytic_p1_energy

    betas = np.linspace(-np.pi / 4, np.pi / 4, 61)
    gammas = np.linspace(0.02, 1.6, points)
    grid = np.array([[b, g] for b in betas for g in gammas])
    return float(grid[np.argmin(analytic_p1_energy(hamiltonian, grid)), 1])


def main(argv: list[str] | None = None) -> int:
    from qlstm_optimizer.instances import InstanceDistribution, sample_instance
    from qlstm_optimizer.minimize import hamiltonian_scale_factor
    from qlstm_optimizer.units import SCALE_RULES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=20, help="graphs per family")
    args = parser.parse_args(argv)
    print(f"|gamma*| * c at p = 1, {args.instances} validation-split graphs per family "
          "(median [min..max])")
    print(f"{'family':22s} " + " ".join(f"{rule:>24s}" for rule in SCALE_RULES))
    for label, comp in SUITES.items():
        dist = InstanceDistribution.from_dict({"components": [comp]})
        cols = {rule: [] for rule in SCALE_RULES}
        for i in range(args.instances):
            inst = sample_instance(dist, "val", i, base_seed=99)
            g = abs(optimal_p1_gamma(inst.problem))
            for rule in SCALE_RULES:
                cols[rule].append(g * hamiltonian_scale_factor(inst.problem, "maxcut", rule))
        print(f"{label:22s} " + " ".join(
            f"{np.median(v):8.3f} [{min(v):.3f}..{max(v):.3f}]" for v in cols.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
