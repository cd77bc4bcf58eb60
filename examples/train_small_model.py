"""Train a tiny custom model with ``qlstm_optimizer.training``, then use it.

Writes a small TOML config to a temporary directory, meta-trains a QLSTM on a handful of
Max-Cut graphs (seconds, not the hours a useful model needs), loads the trained weights as a
NumPy inference model and runs it through ``minimize_qaoa`` and ``QLSTMOptimizer`` with
``model=(numpy_model, PolicySpec)``. The bundled models come from the same code with the
configs in ``configs/`` (docs/training.md).

Run: ``python examples/train_small_model.py [--small]``
(needs ``pip install 'qlstm-optimizer[train]'``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from qlstm_optimizer import PolicySpec, QLSTMOptimizer, minimize_qaoa
from qlstm_optimizer.models import load_model
from qlstm_optimizer.problems import erdos_renyi
from qlstm_optimizer.sim import qaoa_energy
from qlstm_optimizer.training import load_config, train

CONFIG = """
name = "tiny-maxcut-p1"
family = "maxcut"
seed = 0

[model]
arch = "qlstm"
p = 1

[policy]
anchor = "fixed:maxcut"   # start from the 3-regular fixed angles
beta_step = 0.15
gamma_step = 0.35
horizon = 5

[train]
loss = "budget_log_gap"
softmin_tau = 0.005
budgets = [1, 3, 5]
val_budgets = [1, 3, 5]
steps = {steps}
batch_size = 8
lr = 0.02
warmup_steps = 2
val_every = {val_every}
checkpoint_every = {val_every}

[train_instances]
pool_size = {pool}
components = [{{ family = "erdos_renyi", sizes = [5, 6, 7], edge_probs = [0.4, 0.6, 0.8] }}]

[val_instances]
pool_size = 4
components = [{{ family = "erdos_renyi", sizes = [8], edge_probs = [0.5] }}]
"""


def main(small: bool = False) -> dict:
    steps, pool = (6, 16) if small else (60, 64)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config_path = tmp / "tiny.toml"
        config_path.write_text(CONFIG.format(steps=steps, val_every=max(steps // 3, 1), pool=pool))
        cfg = load_config(config_path)
        result = train(cfg, tmp / "run", progress=False, cache_dir=tmp / "cache")
        card_path = tmp / "run" / f"{cfg.name}.json"  # + .npz: the model card and its weights
        model = load_model(card_path)  # NumPy inference model, sha256-checked
        spec = PolicySpec(**json.loads(card_path.read_text())["policy"])
        print(f"trained {cfg.name}: {model.num_parameters} parameters, {result.steps_done} steps, "
              f"best step {result.best_step}, {result.wall_time:.1f} s")
        print("validation:", {k: round(v, 3) for k, v in result.best_metrics.items()
                              if k.endswith("_median")})

        problem = erdos_renyi(10, 0.5, seed=99)
        # The card path: weights sha256-checked, family and policy read from the card.
        res = minimize_qaoa(lambda x: qaoa_energy(problem, x), np.zeros(2), model=card_path,
                            maxfev=12)
    print(f"minimize_qaoa with the custom model: {res.nfev} evaluations, "
          f"rho {problem.rho(res.fun):.4f}")
    # An in-memory (model, PolicySpec) pair works too (family "custom": Max-Cut units).
    optimizer = QLSTMOptimizer(model=(model, spec), maxfev=12)  # for QAOA, SamplingVQE, ...
    qres = optimizer.minimize(lambda x: qaoa_energy(problem, x), np.zeros(2))
    print(f"QLSTMOptimizer with the custom model: rho {problem.rho(qres.fun):.4f}")
    return {"rho": problem.rho(res.fun), "nfev": res.nfev, "steps": result.steps_done,
            "qiskit_rho": problem.rho(qres.fun)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a few training steps (seconds)")
    main(small=parser.parse_args().small)
