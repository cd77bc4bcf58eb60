"""Runs given only ``hamiltonian_scale`` (no operator): which degree spread to assume.

Produced: docs/user-guide.md (scale-only runs) and ``units.UNKNOWN_SPREAD_CV``.

For each candidate value of the assumed spread (``units.UNKNOWN_SPREAD_CV``) runs maxcut-p1
with ``hamiltonian_scale=c`` on validation-split graphs (20 per family) and prints median rho at
k = 1, 3, 5, 10 next to the run given the operator::

    python -m benchmarks.scale_only
"""

from __future__ import annotations

from unittest import mock

import numpy as np

from benchmarks.policy_validation import VALIDATION_SEED, suites
from qlstm_optimizer import units
from qlstm_optimizer.instances import InstanceDistribution, sample_instance
from qlstm_optimizer.minimize import hamiltonian_scale_factor, minimize_qaoa
from qlstm_optimizer.sim import qaoa_energy

KS = (1, 3, 5, 10)


def _medians(kwargs_of, instances: int) -> list[str]:
    out = []
    for name, suite in suites("maxcut", None).items():  # the graphs policy_validation uses
        dist = InstanceDistribution.from_dict(suite)
        rows = []
        for i in range(instances):
            h = sample_instance(dist, "val", i, base_seed=VALIDATION_SEED).problem
            energies: list[float] = []

            def fun(x, h=h, energies=energies):
                energies.append(qaoa_energy(h, x))
                return energies[-1]

            minimize_qaoa(fun, np.zeros(2), model="maxcut-p1", maxfev=max(KS), **kwargs_of(h))
            best = np.minimum.accumulate(energies) / h.optimal_qaoa_energy(1).energy
            rows.append([best[k - 1] for k in KS])
        out.append(f"{name} " + " ".join(f"{v:.4f}" for v in np.median(rows, axis=0)))
    return out


def main(instances: int = 20, spreads: tuple[float, ...] = (0.0, 0.2, 0.3, 0.4)) -> int:
    print(f"median rho_k, k = {KS}, maxcut-p1, {instances} validation graphs per family")
    print("with the operator:  " + " | ".join(_medians(lambda h: {"hamiltonian": h}, instances)))
    for cv in spreads:
        # static_features reads the assumed spread at call time: patch the one definition.
        with mock.patch.object(units, "UNKNOWN_SPREAD_CV", cv):
            rows = _medians(lambda h: {"hamiltonian": None, "hamiltonian_scale":
                                       hamiltonian_scale_factor(h, "maxcut", "coupling-rms")},
                            instances)
        print(f"scale only, cv={cv}: " + " | ".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
