"""The README's main job: Max-Cut QAOA with a bundled model next to COBYLA, through Qiskit.

Both optimizers run inside qiskit-algorithms' ``QAOA`` with a ``StatevectorSampler`` (1024 shots
per energy, as a user would run it); every energy evaluation is counted. Afterwards the exact
(noise-free) quality of each returned point is computed with the package's simulator.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .pretrained import family_depths
from .problems import erdos_renyi
from .qiskit import QLSTMOptimizer
from .sim import qaoa_energy


@dataclass
class Trace:
    name: str
    energies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    x: np.ndarray | None = None

    def best_so_far(self) -> np.ndarray:
        return np.minimum.accumulate(np.asarray(self.energies))


def run_qaoa(problem, optimizer, name: str, x0: np.ndarray, seed: int) -> Trace:
    """Run qiskit-algorithms QAOA, recording every energy the optimizer asked for."""
    from qiskit.primitives import StatevectorSampler
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
    from qiskit_algorithms import QAOA

    trace = Trace(name)
    # Without a transpiler the sampler simulates the ansatz's evolution gates as dense matrix
    # exponentials (tens of seconds per evaluation at n = 10); RZZ/RX gates take milliseconds.
    pass_manager = generate_preset_pass_manager(
        optimization_level=1, basis_gates=["h", "rx", "rz", "rzz", "cx"])
    qaoa = QAOA(
        StatevectorSampler(seed=seed), optimizer, reps=len(x0) // 2, initial_point=x0,
        callback=lambda count, params, mean, meta: trace.energies.append(float(mean)),
        transpiler=pass_manager,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*QAOAAnsatz.*", category=DeprecationWarning)
        # Qiskit's sampler post-processing triggers SciPy sparse-format notices on every call.
        warnings.filterwarnings("ignore", module="scipy.sparse.*")
        result = qaoa.compute_minimum_eigenvalue(problem.to_sparse_pauli_op())
    trace.seconds = time.perf_counter() - start
    trace.x = np.asarray(result.optimal_point)
    return trace


# Largest graph the demo accepts: Qiskit's StatevectorSampler costs about 0.1 s per energy at
# n = 12, 4 s at n = 16 (the demo's ~120 evaluations: 8 minutes) and 70 s at n = 20 (2+ hours),
# measured on the 2-core development machine.
MAX_NODES = 16
#: The QLSTM's evaluation budget in the demo (COBYLA gets 100).
MAX_DEMO_FEV = 1000


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_demo_args(n: int, edge_prob: float, seed: int, p: int, maxfev: int,
                    out: str | Path) -> None:
    """Refuse demo settings that cannot run (or would run for hours), naming the argument,
    before anything is computed.

    Example:
        >>> check_demo_args(40, 0.5, seed=1, p=1, maxfev=20, out="x")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: n (--n) must be an integer in [2, 16], got 40 (the demo simulates 2^n ...
    """
    if not _is_int(n) or not 2 <= n <= MAX_NODES:
        raise ValueError(
            f"n (--n) must be an integer in [2, {MAX_NODES}], got {n!r} (the demo simulates "
            f"2^n amplitudes with Qiskit's sampler; n = {MAX_NODES} takes minutes)")
    if isinstance(edge_prob, bool) or not isinstance(edge_prob, (int, float, np.floating)) or \
            not 0 < edge_prob <= 1:
        raise ValueError(f"edge_prob (--edge-prob) must be in (0, 1], got {edge_prob!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed (--seed) must be a non-negative integer, got {seed!r}")
    depths = family_depths("maxcut")
    if not _is_int(p) or p not in depths:
        raise ValueError(f"p (--reps) must be one of the bundled Max-Cut depths {depths}, "
                         f"got {p!r}")
    if not _is_int(maxfev) or not 1 <= maxfev <= MAX_DEMO_FEV:
        raise ValueError(f"maxfev (--maxfev) must be an integer in [1, {MAX_DEMO_FEV}], "
                         f"got {maxfev!r}")
    if Path(out).exists() and not Path(out).is_dir():
        raise ValueError(f"out (--out) {str(out)!r} exists and is not a directory")


def main(n: int = 10, edge_prob: float = 0.5, seed: int = 2024, p: int = 1,
         maxfev: int = 20, out: str = "demo_out") -> int:
    check_demo_args(n, edge_prob, seed, p, maxfev, out)
    import matplotlib  # noqa: F401  (needed for the plot: fail now, not after the runs)
    from qiskit_algorithms.optimizers import COBYLA

    problem = erdos_renyi(n, edge_prob, seed=seed)
    optimum = problem.optimal_qaoa_energy(p)
    rng = np.random.default_rng(seed)
    # Qiskit's default initial point: uniform in the ansatz bounds.
    x0 = np.concatenate([rng.uniform(0, 2 * np.pi, p), rng.uniform(-2 * np.pi, 2 * np.pi, p)])
    print(f"Max-Cut on an Erdos-Renyi graph: n = {n}, edge probability {edge_prob}, "
          f"{len(problem.edges)} edges, max cut {problem.max_cut_value():g}; QAOA depth p = {p}")
    print(f"optimal QAOA energy at p = {p}: {optimum.energy:.4f} (uniform superposition: 0)\n")
    traces = [
        # The README's one line: the optimizer finds the cost operator in the energy function
        # QAOA hands it (hamiltonian="auto"), which gives the model the graph's gamma units.
        run_qaoa(problem, QLSTMOptimizer.pretrained("maxcut", maxfev=maxfev),
                 "QLSTM (bundled)", x0, seed),
        run_qaoa(problem, COBYLA(maxiter=100), "COBYLA from Qiskit's random x0", x0, seed),
    ]
    print(f"{'optimizer':34s} {'evals':>5s} {'time/s':>7s} {'sampled E':>10s} {'exact E':>9s} "
          f"{'rho':>6s} {'approx. ratio':>13s}")
    for t in traces:
        exact = qaoa_energy(problem, t.x)
        rho, ratio = problem.rho(exact, p), problem.approximation_ratio(exact)
        print(f"{t.name:34s} {len(t.energies):5d} {t.seconds:7.1f} {min(t.energies):10.4f} "
              f"{exact:9.4f} {rho:6.3f} {ratio:13.3f}")
    _plot(traces, optimum.energy, Path(out))
    return 0


def _plot(traces: list[Trace], optimum: float, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    for t in traces:
        ax.plot(np.arange(1, len(t.energies) + 1), t.best_so_far(), label=t.name)
    ax.axhline(optimum, color="k", ls="--", lw=0.8, label="optimal QAOA energy")
    ax.set_xlabel("energy evaluations")
    ax.set_ylabel("best sampled energy so far")
    ax.set_xscale("log")
    ax.legend()
    fig.tight_layout()
    path = out / "convergence.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"\nconvergence plot: {path}")
