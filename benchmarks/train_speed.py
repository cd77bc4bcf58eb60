"""Training throughput: instance-steps per second of meta-training, against PennyLane.

Produced: docs/training.md, "Throughput".

One *instance-step* is one QAOA energy evaluation inside the unrolled rollout, with its share of
the backward pass. Measured, on the same batches (Erdos-Renyi Max-Cut, n qubits, depth p):

* ``ours (full training step)``: the trainer's step - QLSTM forward, batched exact energies on
  the torch simulator, BPTT backward through all T steps;
* ``ours (energies only)``: the same unrolled energy computation without the model: T batched
  energy evaluations of B instances, then backward;
* ``PennyLane default.qubit (backprop)``: the energies-only computation with one
  ``qml.QNode(..., interface="torch", diff_method="backprop")`` per instance and step (how the
  2512.05058 code trains), then backward. Skipped with a message when pennylane is missing
  (it is never a dependency of this package; see docs/training.md for the bench venv).

Run: ``python -m benchmarks.train_speed [--n 10] [--p 1] [--batch 16] [--steps 10]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch


def _timeit(fn: Callable[[], None], min_time: float = 2.0, max_reps: int = 50) -> float:
    """Seconds per call (median of repeats after one warm-up)."""
    fn()
    times: list[float] = []
    while sum(times) < min_time and len(times) < max_reps:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _instances(n: int, batch: int, seed: int = 0) -> list:
    from qlstm_optimizer.problems import erdos_renyi

    return [erdos_renyi(n, 0.5, seed=seed + i) for i in range(batch)]


def ours_full_step(problems: list, p: int, steps: int) -> Callable[[], None]:
    from qlstm_optimizer.models import build_config
    from qlstm_optimizer.models.torch_model import TorchSequenceModel
    from qlstm_optimizer.policy import PolicySpec
    from qlstm_optimizer.training.losses import budget_rho
    from qlstm_optimizer.training.rollout import BatchDiagonals

    diags = torch.as_tensor(np.stack([h.diagonal() - h.constant for h in problems]))
    batch = BatchDiagonals([(torch.arange(len(problems)), diags)],
                           torch.full((len(problems),), -1.0, dtype=torch.float64),
                           len(problems))
    model = TorchSequenceModel(build_config("qlstm", p), seed=0)
    spec = PolicySpec(p=p, anchor=[-0.3] * p + [0.4] * p, horizon=steps)
    from qlstm_optimizer.training.rollout import unroll

    def run() -> None:
        model.zero_grad()
        energies, _ = unroll(model, spec, batch)
        budget_rho(energies, [1, 2, 3, 5, 10]).backward()

    return run


def ours_energies(problems: list, p: int, steps: int) -> Callable[[], None]:
    from qlstm_optimizer.sim.torch_qaoa import qaoa_energy_torch

    diags = torch.as_tensor(np.stack([h.diagonal() - h.constant for h in problems]))
    x0 = torch.tensor(np.random.default_rng(0).normal(0, 0.3, (len(problems), steps, 2 * p)))

    def run() -> None:
        x = x0.clone().requires_grad_(True)
        total = sum(qaoa_energy_torch(diags, x[:, t]).sum() for t in range(steps))
        total.backward()

    return run


def _zz(h) -> list[tuple[tuple[int, int], float]]:
    return [((k[0], k[1]), c) for k, c in h.terms.items() if len(k) == 2]


def _pl_energy(qml, dev, h, p: int, **qnode_kwargs):
    """A PennyLane QNode for the QAOA energy of Max-Cut/SK ``h`` (ZZ terms; constant dropped)."""
    n, zz = h.num_qubits, _zz(h)
    ham = qml.Hamiltonian([c for _, c in zz], [qml.PauliZ(i) @ qml.PauliZ(j) for (i, j), _ in zz])

    @qml.qnode(dev, **qnode_kwargs)
    def energy(x):
        for q in range(n):
            qml.Hadamard(q)
        for k in range(p):
            # exp(-i gamma H): RZZ(2 gamma w) per ZZ term, then exp(-i beta sum X) = RX(2 beta).
            for (i, j), c in zz:
                qml.IsingZZ(2 * x[p + k] * c, wires=[i, j])
            for q in range(n):
                qml.RX(2 * x[k], wires=q)
        return qml.expval(ham)

    return energy


def pennylane_energies(problems: list, p: int, steps: int) -> Callable[[], None] | str:
    try:
        import pennylane as qml
    except ImportError:
        return "pennylane is not importable (install it into a separate venv: docs/training.md)"
    dev = qml.device("default.qubit", wires=problems[0].num_qubits)
    circuits = [_pl_energy(qml, dev, h, p, interface="torch", diff_method="backprop")
                for h in problems]
    x0 = torch.tensor(np.random.default_rng(0).normal(0, 0.3, (len(problems), steps, 2 * p)))

    def run() -> None:
        x = x0.clone().requires_grad_(True)
        total = sum(circuits[b](x[b, t]) for b in range(len(problems)) for t in range(steps))
        total.backward()

    return run


def check_pennylane_agrees(problems: list, p: int) -> float | None:
    """Max |E_pennylane - E_ours| at random angles (None without pennylane)."""
    try:
        import pennylane as qml
    except ImportError:
        return None
    from qlstm_optimizer.sim import qaoa_energy

    x = np.random.default_rng(1).normal(0, 0.4, 2 * p)
    dev = qml.device("default.qubit", wires=problems[0].num_qubits)
    return max(abs(float(_pl_energy(qml, dev, h, p)(x)) - (qaoa_energy(h, x) - h.constant))
               for h in problems[:2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--p", type=int, default=1)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=10, help="unroll length T")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    problems = _instances(args.n, args.batch)
    work = args.batch * args.steps
    print(f"unrolled QAOA energies + backward: n={args.n}, p={args.p}, batch {args.batch}, "
          f"T={args.steps}, {args.threads} thread(s), torch {torch.__version__}")
    rows = [("ours (full training step, QLSTM)", ours_full_step(problems, args.p, args.steps)),
            ("ours (energies only)", ours_energies(problems, args.p, args.steps))]
    pl = pennylane_energies(problems, args.p, args.steps)
    results = {}
    for name, fn in rows + ([("PennyLane default.qubit backprop (energies only)", pl)]
                            if not isinstance(pl, str) else []):
        sec = _timeit(fn)
        results[name] = work / sec
        print(f"  {name:52s} {work / sec:12.1f} instance-steps/s  ({sec * 1e3:.1f} ms/step)")
    if isinstance(pl, str):
        print(f"  PennyLane column skipped: {pl}")
    else:
        err = check_pennylane_agrees(problems, args.p)
        pl_rate = results["PennyLane default.qubit backprop (energies only)"]
        print(f"  PennyLane energies agree with ours to {err:.1e}")
        print(f"  speed-up, full training step vs PennyLane energies only: "
              f"{results['ours (full training step, QLSTM)'] / pl_rate:.0f}x; "
              f"energies vs energies: {results['ours (energies only)'] / pl_rate:.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
