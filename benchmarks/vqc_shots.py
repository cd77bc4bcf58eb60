"""Closed loop: how shot noise in the model's own circuits changes a QAOA run.

Produced: docs/models.md, the closed-loop shot-noise table.

``model_speed --shot-noise`` measures the open-loop deviation of the raw outputs ``y``. This
script measures what a user sees: the frozen policy (learned steps only, ``refine=None``) runs on
QAOA instances with exact energies, once with the model's VQCs simulated exactly and once with
every VQC measured on a real shot-sampling estimator (``BackendEstimatorV2`` on
``AerSimulator``, ``precision = 1/sqrt(shots)``). Reported per shot count: the RMS and largest
distance between the two runs' proposed angles (radians) at each step, and the median exact
rho_k of both runs over the instances.

Run ``python -m benchmarks.vqc_shots --model qlstm_optimizer/pretrained/weights/
maxcut-p1.json`` (about a minute per shot count). Instances: validation-split Erdos-Renyi graphs
(never the benchmark's test seeds), n = 10, P = 2/7..6/7.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

BUDGETS = (1, 3, 5, 10)


def _instances(count: int) -> list[Any]:
    from qlstm_optimizer.instances import InstanceDistribution, sample_instance

    dist = InstanceDistribution.from_dict({"components": [
        {"family": "erdos_renyi", "sizes": [10],
         "edge_probs": [2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7]}]})
    return [sample_instance(dist, "val", i, base_seed=5).problem for i in range(count)]


def _run(model: Any, spec: Any, problem: Any) -> tuple[np.ndarray, np.ndarray]:
    from qlstm_optimizer.minimize import minimize_qaoa
    from qlstm_optimizer.sim import qaoa_energy

    res = minimize_qaoa(lambda x: qaoa_energy(problem, x), np.zeros(2 * spec.p),
                        model=(model, spec), refine=None, maxfev=spec.horizon,
                        hamiltonian=problem)
    return np.asarray(res.history_x), np.asarray(res.history_fun)


def closed_loop_study(card_path: str, shots: Sequence[int] = (256, 1024, 4096),
                      instances: int = 8, seed: int = 7) -> list[dict[str, Any]]:
    """Exact-VQC vs shot-noisy-VQC runs of the card's model on ``instances`` graphs."""
    from qiskit.primitives import BackendEstimatorV2
    from qiskit_aer import AerSimulator

    from qlstm_optimizer.models import load_model
    from qlstm_optimizer.policy import PolicySpec

    model = load_model(card_path)
    with open(card_path) as fh:
        spec = PolicySpec(**json.load(fh)["policy"])
    problems = _instances(instances)
    optima = [h.optimal_qaoa_energy(spec.p).energy for h in problems]
    exact = [_run(model, spec, h) for h in problems]
    rows = []
    for s in shots:
        dists, rho = [], {"exact": [], "noisy": []}
        for i, (h, opt, (xe, fe)) in enumerate(zip(problems, optima, exact, strict=True)):
            # One seeded simulator per run: reproducible, and independent noise across runs
            # (a seeded simulator redraws the same samples for the same circuit).
            backend = AerSimulator(seed_simulator=seed + 1000 * s + i)
            noisy_model = model.with_estimator(BackendEstimatorV2(backend=backend),
                                               precision=1.0 / np.sqrt(s))
            xn, fn = _run(noisy_model, spec, h)
            dists.append(np.linalg.norm(xn - xe, axis=1))
            for key, f in (("exact", fe), ("noisy", fn)):
                best = np.minimum.accumulate(f)
                rho[key].append([best[k - 1] / opt for k in BUDGETS])
        d = np.asarray(dists)  # (instances, steps)
        rows.append({
            "shots": int(s),
            "rms_dist_per_step": [float(v) for v in np.sqrt(np.mean(d**2, axis=0))],
            "max_dist": float(d.max()),
            **{f"median_rho_{key}": dict(zip(BUDGETS, np.median(v, 0).tolist(), strict=True))
               for key, v in rho.items()},
        })
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.vqc_shots",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model card (JSON) of a model with VQCs")
    ap.add_argument("--shots", nargs="+", type=int, default=[256, 1024, 4096])
    ap.add_argument("--instances", type=int, default=8)
    args = ap.parse_args(argv)
    print(f"{args.model}: exact VQCs vs shot-sampled VQCs, {args.instances} ER graphs n = 10, "
          "learned steps only, exact QAOA energies")
    for r in closed_loop_study(args.model, args.shots, args.instances):
        steps = " ".join(f"{v:.4f}" for v in r["rms_dist_per_step"])
        rho = " ".join(f"rho_{k} {r['median_rho_exact'][k]:.4f}/{r['median_rho_noisy'][k]:.4f}"
                       for k in BUDGETS)
        print(f"shots {r['shots']:5d}: |x_noisy - x_exact| rms per step {steps}; "
              f"max {r['max_dist']:.4f} rad; median exact/noisy {rho}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
