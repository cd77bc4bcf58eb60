"""Hardware-like noise: a small suite through qiskit-aer with a depolarising noise model.

Each energy is estimated from 1024 shots of the transpiled ``qaoa_ansatz`` circuit on Aer's
``SamplerV2`` with depolarising errors (``P2`` on every two-qubit gate, ``P1`` on every one-qubit
gate). The optimizers see only these noisy energies; each run is scored by the *exact* rho of
the point it returns (its lowest observed energy), computed with the NumPy simulator. Aer is an
optional extra: without it the part is skipped with a note.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import numpy as np

from .. import problems
from ..instances import instance_seed
from ..optimum import optimal_qaoa_energy
from .learned import LearnedMethod, discover
from .parallel import pmap
from .suites import BenchInstance
from .tasks import run_methods

AER_SIZES = (6, 7, 8)
AER_EDGE_PROB = 0.5
P1, P2 = 0.001, 0.01  # depolarising probabilities (one-, two-qubit gates)
AER_BUDGET = 20
AER_OPTIMIZERS = ("cobyla", "nelder-mead", "spsa")
AER_STARTS = ("random", "fixed", "tqa")


def noise_model(p1: float = P1, p2: float = P2) -> Any:
    from qiskit_aer.noise import NoiseModel, depolarizing_error

    model = NoiseModel()
    model.add_all_qubit_quantum_error(depolarizing_error(p1, 1), ["rx", "ry", "rz", "sx", "x",
                                                                  "h"])
    model.add_all_qubit_quantum_error(depolarizing_error(p2, 2), ["cx", "rzz", "cz"])
    return model


class AerEnergy:
    """``x -> energy`` from noisy Aer samples of the QAOA circuit of ``h`` (relative energies)."""

    def __init__(self, h: Any, p: int, shots: int = 1024, seed: int = 0,
                 noisy: bool = True) -> None:
        from qiskit.circuit.library import qaoa_ansatz
        from qiskit.transpiler import generate_preset_pass_manager
        from qiskit_aer import AerSimulator
        from qiskit_aer.primitives import SamplerV2

        circuit = qaoa_ansatz(h.to_sparse_pauli_op(), reps=p)
        circuit.measure_all()
        model = noise_model() if noisy else None
        backend = AerSimulator(noise_model=model, seed_simulator=seed)
        pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
        self.circuit = pm.run(circuit)
        options = {"backend_options": {"noise_model": model}} if noisy else {}
        self.sampler = SamplerV2(default_shots=shots, seed=seed, options=options)
        self.diag = np.asarray(h.diagonal()) - h.constant
        self.calls = 0

    def __call__(self, x: np.ndarray) -> float:
        self.calls += 1
        result = self.sampler.run([(self.circuit, np.asarray(x, float))]).result()[0]
        counts = result.data.meas.get_counts()
        # Qiskit bitstrings put qubit 0 last, so int(bits, 2) is the basis index.
        total = sum(counts.values())
        return float(sum(c * self.diag[int(b, 2)] for b, c in counts.items()) / total)


def aer_task(task: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    n, index = task["n"], task["index"]
    seed = instance_seed("test", index, base_seed=41)
    prob = problems.erdos_renyi(n, AER_EDGE_PROB, seed=seed)
    inst = BenchInstance("aer", index, "maxcut", "erdos_renyi", n, seed,
                         {"edge_prob": AER_EDGE_PROB}, prob)
    opt = optimal_qaoa_energy(prob, 1, family="maxcut").relative_energy
    exact = inst.energy_function(1)
    energy = AerEnergy(inst.relative, 1, task["shots"], seed=seed % 2**31)
    learned = [LearnedMethod(**m) for m in task["learned"]]
    traces = run_methods(inst, 1, energy, task["budget"], learned, noisy=True,
                         optimizers=AER_OPTIMIZERS, starts=AER_STARTS)
    runs = {}
    for label, trace in traces.items():
        x, observed = trace.best()
        runs[label] = {"rho_returned": exact(x) / opt, "observed_rho": observed / opt,
                       "nfev": trace.nfev}
    return {"n": n, "seed": int(seed), "opt": opt, "runs": runs,
            "seconds": time.perf_counter() - start}


def run_aer(cfg: Any) -> dict[str, Any]:
    """Median exact rho of the returned point (budget 20) per method on a few small graphs."""
    try:
        import qiskit_aer  # noqa: F401
    except ImportError:
        return {"skipped": "qiskit-aer is not installed (pip install 'qlstm-optimizer[aer]')"}
    methods, note = discover("maxcut", 1, untrained=cfg.untrained, depth_checks=False)
    sizes = AER_SIZES[:1] if cfg.quick else AER_SIZES
    tasks = [{"n": n, "index": i, "shots": cfg.shots, "budget": AER_BUDGET,
              "learned": [asdict(m) for m in methods]} for i, n in enumerate(sizes)]
    results = list(pmap(aer_task, tasks, cfg.workers, "aer"))
    labels = list(results[0]["runs"])
    return {
        "budget": AER_BUDGET, "shots": cfg.shots, "p1": P1, "p2": P2, "note": note,
        "median_rho_returned": {lab: float(np.median([r["runs"][lab]["rho_returned"]
                                                      for r in results])) for lab in labels},
        "median_observed_rho": {lab: float(np.median([r["runs"][lab]["observed_rho"]
                                                      for r in results])) for lab in labels},
        "instances": results,
    }
