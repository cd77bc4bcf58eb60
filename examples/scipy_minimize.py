"""``scipy.optimize.minimize(..., method=qlstm)``: the learned optimizer as a SciPy method.

Minimises an exact p=1 QAOA energy (the package's NumPy simulator) of a Max-Cut instance with a
budget of evaluations, next to COBYLA from a random start with the same budget, and shows the
callback, ``start="x0"`` and the NaN policy.

Run: ``python examples/scipy_minimize.py [--small]``
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.optimize import minimize

from qlstm_optimizer import NonFiniteEnergyError, qlstm
from qlstm_optimizer.problems import erdos_renyi
from qlstm_optimizer.sim import qaoa_energy


def main(small: bool = False) -> dict:
    n, budget = (8, 15) if small else (14, 20)
    problem = erdos_renyi(n, 0.5, seed=2024)

    def energy(x):
        return qaoa_energy(problem, x)  # x = [beta, gamma], Qiskit's QAOAAnsatz order

    rng = np.random.default_rng(0)
    x0 = np.array([rng.uniform(0, 2 * np.pi), rng.uniform(-2 * np.pi, 2 * np.pi)])  # like QAOA

    trace = []
    res = minimize(energy, x0, method=qlstm,
                   options={"model": "maxcut-p1", "maxfev": budget, "hamiltonian": problem},
                   callback=lambda intermediate_result: trace.append(intermediate_result.fun))
    cobyla = minimize(energy, x0, method="COBYLA", options={"maxiter": budget})
    print(f"Max-Cut G({n}, 0.5), p = 1, budget {budget} evaluations")
    print(f"{'method':28s} {'nfev':>4s} {'energy':>9s} {'rho':>6s}")
    print(f"{'qlstm (maxcut-p1)':28s} {res.nfev:4d} {res.fun:9.4f} {problem.rho(res.fun):6.3f}")
    print(f"{'COBYLA from the same x0':28s} {cobyla.nfev:4d} {cobyla.fun:9.4f} "
          f"{problem.rho(cobyla.fun):6.3f}")
    print("best energy after each qlstm evaluation:", np.round(trace, 3).tolist())

    # start="x0": a warm start. x0 is the first evaluation (the result is never worse than it),
    # then the refine continues from it.
    warm = minimize(energy, res.x, method=qlstm, options={"maxfev": 5, "start": "x0"})
    print(f"warm start from the result, 5 more evaluations: rho {problem.rho(warm.fun):.3f}")

    # A NaN energy stops the run with NonFiniteEnergyError (a ValueError) naming the point.
    try:
        minimize(lambda x: np.nan, x0, method=qlstm)
    except NonFiniteEnergyError as exc:
        print(f"NaN policy: {type(exc).__name__}: {exc}")
    return {"rho": problem.rho(res.fun), "nfev": res.nfev, "cobyla_rho": problem.rho(cobyla.fun),
            "trace": trace, "warm_rho": problem.rho(warm.fun)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny instance (seconds)")
    main(small=parser.parse_args().small)
