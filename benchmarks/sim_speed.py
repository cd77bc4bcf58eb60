"""Speed where users feel it: import time, ``qaoa_energy`` against qiskit-aer and QOKit's C
simulator, batched against single calls, memory against the statevector, the optimizer's own
time per evaluation, torch throughput and the closed-form p = 1 energy at n = 1000.

Produced: docs/performance.md, every table.

Run ``python -m benchmarks.sim_speed`` (a few minutes; ``--quick`` for a smoke run,
``--qokit-lib PATH`` for QOKit's C simulator, see :func:`load_qokit`). Times are medians of
bursts timed in rotation with their baseline (:func:`interleaved_times`), so slow drifts of
machine load hit both; every table carries the ratio against the named baseline of the same run.

* **qiskit-aer**: ``qiskit_aer.primitives.EstimatorV2`` (exact expectation values) on the
  ``qaoa_ansatz`` circuit, transpiled once; per evaluation one ``run`` with the parameter values.
* **QOKit** (optional ``bench`` extra): its C simulator ``apply_qaoa_furx`` on the same diagonal
  (QOKit's ``gamma`` is twice ours), with what ``QAOAFURXSimulatorC.simulate_qaoa`` and
  ``get_expectation`` do around it (fresh |+> state, expectation as a dot product).

Example:
    >>> edges = random_regular_edges(10, 3, seed=0)
    >>> edges.shape
    (15, 2)
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.import_time import import_times
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian


def random_regular_edges(n: int, degree: int, seed: int | None = None) -> np.ndarray:
    """Edges (m, 2) of a uniformly random simple ``degree``-regular graph (pairing model with
    rejection; fine for small degrees). ``n * degree`` must be even."""
    if (n * degree) % 2 or degree >= n:
        raise ValueError(f"no simple {degree}-regular graph on {n} vertices")
    rng = np.random.default_rng(seed)
    stubs = np.repeat(np.arange(n), degree)
    for _ in range(10_000):
        pairs = np.sort(rng.permutation(stubs).reshape(-1, 2), axis=1)
        if np.all(pairs[:, 0] != pairs[:, 1]) and len(np.unique(pairs, axis=0)) == len(pairs):
            return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    raise RuntimeError("pairing model failed to produce a simple graph")  # pragma: no cover


def maxcut_like(n: int, prob: float, seed: int) -> DiagonalHamiltonian:
    """Weighted Max-Cut form ``sum w/2 Z_i Z_j`` on an Erdos-Renyi G(n, prob) graph, unit
    weights (the qiskit-optimization ``to_ising`` convention, offset kept as the constant)."""
    rng = np.random.default_rng(seed)
    terms = {(i, j): 0.5 for i in range(n) for j in range(i + 1, n) if rng.random() < prob}
    return DiagonalHamiltonian(n, terms, -0.5 * len(terms))


def median_time(fn: Callable[[], Any], repeats: int, budget: float = 2.0) -> float:
    """Median seconds per call over ``repeats`` calls (fewer if they exceed ``budget`` seconds),
    after one untimed warm-up call."""
    return interleaved_times([fn], repeats, budget)[0]


def interleaved_times(fns: list[Callable[[], Any]], repeats: int,
                      budget: float = 2.0) -> list[float]:
    """Median seconds per call of each function, timed in rotation (f1, f2, ..., f1, f2, ...)
    so that slow drifts of machine load (this is a shared 2-core VM) hit all of them alike.
    Each sample is a burst of back-to-back calls lasting about 20 ms, so the after-effects of
    the previous function (evicted caches, worker threads) are amortised.
    Stops early once ``budget`` seconds have been spent (after at least one round)."""
    inner = []
    for fn in fns:  # warm-up call, also sizing the bursts
        start = time.perf_counter()
        fn()
        inner.append(max(1, int(20e-3 / max(time.perf_counter() - start, 1e-7))))
    samples: list[list[float]] = [[] for _ in fns]
    spent = 0.0
    while len(samples[0]) < repeats and (not samples[0] or spent < budget):
        for fn, loops, out in zip(fns, inner, samples, strict=True):
            start = time.perf_counter()
            for _ in range(loops):
                fn()
            elapsed = time.perf_counter() - start
            spent += elapsed
            out.append(elapsed / loops)
    return [float(np.median(s)) for s in samples]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:9.3f}"


# -- baselines: QOKit's C simulator, qiskit-aer ------------------------------------------------
def load_qokit(path: str | None) -> Callable[..., None] | None:
    """QOKit's C ``apply_qaoa_furx``, or None. Its wheel installs the library as a top-level
    ``simulator.*.so`` beside the ``qokit`` package while its loader looks for
    ``qokit/fur/c/csim/libcsim.so`` (so QOKit silently runs its Python simulator): look in both
    places, or take ``path``. Loaded with ctypes, without importing qokit (which needs numba)."""
    candidates = [Path(path)] if path else []
    spec = importlib.util.find_spec("qokit")
    if spec is not None and spec.submodule_search_locations:
        pkg = Path(next(iter(spec.submodule_search_locations)))
        candidates += [pkg / "fur" / "c" / "csim" / "libcsim.so",
                       *sorted(pkg.parent.glob("simulator*.so"))]
    for candidate in candidates:
        if candidate.is_file():
            lib = ctypes.cdll.LoadLibrary(str(candidate))
            fn = lib.apply_qaoa_furx
            arr = np.ctypeslib.ndpointer(ctypes.c_double, flags="C_CONTIGUOUS")
            fn.restype = None
            fn.argtypes = [arr, arr, arr, arr, arr, ctypes.c_uint, ctypes.c_size_t,
                           ctypes.c_size_t]
            return fn
    return None


def qokit_energy(furx: Callable[..., None], diag: np.ndarray, x: np.ndarray) -> float:
    p, dim = len(x) // 2, len(diag)
    real, imag = np.full(dim, 1 / np.sqrt(dim)), np.zeros(dim)
    furx(real, imag, np.ascontiguousarray(2 * x[p:]), np.ascontiguousarray(x[:p]), diag,
         dim.bit_length() - 1, dim, p)
    return float(np.dot(diag, real * real + imag * imag))


def aer_energy_fn(h: DiagonalHamiltonian, p: int) -> Callable[[np.ndarray], float] | None:
    try:
        from qiskit.circuit.library import qaoa_ansatz
        from qiskit.transpiler import generate_preset_pass_manager
        from qiskit_aer import AerSimulator
        from qiskit_aer.primitives import EstimatorV2
    except ImportError:
        return None
    op = h.to_sparse_pauli_op()
    backend = AerSimulator(method="statevector")
    circuit = generate_preset_pass_manager(0, backend).run(qaoa_ansatz(op, reps=p))
    estimator, layout_op = EstimatorV2(), op.apply_layout(circuit.layout)
    return lambda x: float(estimator.run([(circuit, layout_op, x)]).result()[0].data.evs)


def per_eval(sizes: list[int], depths: tuple[int, ...], aer_max: int,
             furx: Callable[..., None] | None, budget: float) -> list[str]:
    from qlstm_optimizer.sim import qaoa_energy

    lines = ["| n | p | qaoa_energy (ms) | QOKit C (ms) | QOKit / ours | qiskit-aer (ms) "
             "| aer / ours |", "|---|---|---|---|---|---|---|"]
    rng = np.random.default_rng(2024)
    for n in sizes:
        for p in depths:
            h = maxcut_like(n, 0.5, seed=100 * n + p)
            diag, x = h.diagonal(), rng.uniform(-1.0, 1.0, 2 * p)
            fns: list[Callable[[], Any]] = [lambda h=h, x=x: qaoa_energy(h, x)]
            ours = qaoa_energy(h, x)
            if furx is not None:
                # The comparison is only fair if they agree (before any timing).
                assert abs(qokit_energy(furx, diag, x) - ours) < 1e-9, (n, p)
                fns.append(lambda d=diag, x=x: qokit_energy(furx, d, x))
            aer = aer_energy_fn(h, p) if n <= aer_max else None
            if aer is not None:
                assert abs(aer(x) - ours) < 1e-9, (n, p)
                fns.append(lambda x=x, aer=aer: aer(x))
            times = iter(interleaved_times(fns, 7, budget=budget))
            t = next(times)
            cells = [f"| {n} | {p} | {_ms(t)} "]
            for present in (furx is not None, aer is not None):
                other = next(times) if present else None
                cells.append(f"| {_ms(other)} | {other / t:6.1f}x " if present else "| - | - ")
            lines.append("".join(cells) + "|")
    return lines


def batched(sizes: list[int], batch: int, budget: float) -> list[str]:
    """One ``qaoa_energy`` call on a (B, 2p) batch (strategy picked by size), the old
    always-one-batch strategy, and B single calls, per vector."""
    from qlstm_optimizer.sim import engine, qaoa_energy

    lines = [f"| n | p | auto batch of {batch} (ms/vector) | one batch (ms/vector) "
             f"| {batch} single calls (ms/vector) | single / auto | single / one batch |",
             "|---|---|---|---|---|---|---|"]

    def whole(h: DiagonalHamiltonian, xs: np.ndarray) -> Any:
        saved = engine.BATCH_MAX_AMPLITUDES, engine.IN_PLACE_MIN_AMPLITUDES
        engine.BATCH_MAX_AMPLITUDES, engine.IN_PLACE_MIN_AMPLITUDES = 2**40, 2**40
        try:
            return qaoa_energy(h, xs)
        finally:
            engine.BATCH_MAX_AMPLITUDES, engine.IN_PLACE_MIN_AMPLITUDES = saved

    for n in sizes:
        for p in (1, 3):
            h = maxcut_like(n, 0.5, seed=7 * n + p)
            xs = np.random.default_rng(n).uniform(-1, 1, (batch, 2 * p))
            t_auto, t_whole, t_single = (t / batch for t in interleaved_times(
                [lambda h=h, xs=xs: qaoa_energy(h, xs), lambda h=h, xs=xs: whole(h, xs),
                 lambda h=h, xs=xs: [qaoa_energy(h, x) for x in xs]], 7, budget=budget))
            lines.append(f"| {n} | {p} | {_ms(t_auto)} | {_ms(t_whole)} | {_ms(t_single)} "
                         f"| {t_single / t_auto:5.2f}x | {t_single / t_whole:5.2f}x |")
    return lines


# -- memory ------------------------------------------------------------------------------------
_PROBE = """
import json, sys, tracemalloc, numpy as np
from benchmarks.sim_speed import maxcut_like
from qlstm_optimizer.hamiltonian import DiagonalHamiltonian
from qlstm_optimizer.sim import qaoa_energy
n, p, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
h = maxcut_like(n, 0.5, seed=n) if kind == "maxcut" else DiagonalHamiltonian(
    n, {**{(i, (i + 1) % n): 1.0 for i in range(n)}, **{(i,): 0.5 for i in range(n)}})
x = np.linspace(-0.6, 0.6, 2 * p)
peaks = []
for build in (lambda: h.diagonal(), lambda: qaoa_energy(h, x), lambda: qaoa_energy(h, x)):
    tracemalloc.start(); build(); peaks.append(tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()
print(json.dumps(peaks))
"""


def memory(sizes: list[int], p: int) -> list[str]:
    """tracemalloc peaks in a fresh interpreter per case: building the diagonal, the first
    evaluation (which builds the level plan) and a steady one, against the statevector."""
    lines = ["| n | Hamiltonian | statevector (MiB) | diagonal build peak / diagonal "
             "| first call peak / statevector | steady call peak / statevector |",
             "|---|---|---|---|---|---|"]
    for n in sizes:
        for kind in ("maxcut", "ising+fields"):
            out = subprocess.run([sys.executable, "-c", _PROBE, str(n), str(p), kind],
                                 check=True, capture_output=True, text=True,
                                 cwd=Path(__file__).resolve().parents[1]).stdout
            build, first, steady = json.loads(out)
            state = 16 * 2**n
            lines.append(f"| {n} | {kind} | {state / 2**20:.0f} | {build / (state / 2):.2f} "
                         f"| {first / state:.3f} | {steady / state:.3f} |")
    return lines


# -- optimizer overhead --------------------------------------------------------------------------
def overhead_problem(p: int) -> tuple[Callable, np.ndarray, str, list, list]:
    """The overhead benchmarks' objective at depth p (a smooth test function costing ~2 us, no
    operator: blind on purpose, so no BlindRunWarning), x0, the model, and the 8 learned points
    (with their values) the refine starts from. Shared with benchmarks.against_previous."""
    from qlstm_optimizer.minimize import minimize_qaoa

    shift = np.linspace(0.2, 0.4, 2 * p)

    def f(x: np.ndarray) -> float:
        return float(np.sum((x - shift) ** 2) + 0.1 * np.sum(np.sin(3 * x))) - 1.0

    x0, model = np.zeros(2 * p), f"maxcut-p{p}"
    start = minimize_qaoa(f, x0, model=model, maxfev=8, refine=None, hamiltonian=None)
    return f, x0, model, start.history_x, [f(x) for x in start.history_x]


def optimizer_overhead(budget: float) -> list[str]:
    """The optimizer's own time per evaluation (objective costs ~2 us), next to COBYLA's."""
    from scipy.optimize import minimize

    from qlstm_optimizer.minimize import minimize_qaoa
    from qlstm_optimizer.refine import quadratic_refine

    lines = ["| p | minimize_qaoa, 40 evals (us/eval) | quadratic refine alone, 32 steps "
             "(us/step) | COBYLA, 40 evals (us/eval) | ours / COBYLA |", "|---|---|---|---|---|"]
    for p in (1, 2, 3):
        f, x0, model, hist_x, hist_f = overhead_problem(p)
        t_run, t_ref, t_cob = interleaved_times([
            lambda x0=x0, model=model, f=f: minimize_qaoa(f, x0, model=model, maxfev=40,
                                                          hamiltonian=None),
            lambda f=f, hx=hist_x, hf=hist_f: quadratic_refine(f, hx, hf, 32, 0.1),
            lambda f=f, x0=x0: minimize(f, x0, method="COBYLA", options={"maxiter": 40}),
        ], 7, budget=budget)
        run_per, ref_per, cob_per = t_run / 40, t_ref / 32, t_cob / 40
        lines.append(f"| {p} | {run_per * 1e6:7.0f} | {ref_per * 1e6:7.0f} | "
                     f"{cob_per * 1e6:7.0f} | {run_per / cob_per:5.1f}x |")
    return lines


# -- torch and closed form (unchanged studies) -----------------------------------------------
def torch_throughput(n: int, instances: int, sets: int, repeats: int) -> list[str]:
    import torch

    from qlstm_optimizer.sim.torch_qaoa import qaoa_energy_torch, stack_diagonals

    diags = stack_diagonals([maxcut_like(n, 0.5, seed=s) for s in range(instances)])
    lines = [f"torch {torch.__version__}; {instances} instances x {sets} parameter sets, n = {n}",
             "", "| p | forward (ms) | forward+backward (ms) | instance-evaluations/s |",
             "|---|---|---|---|"]
    rng = np.random.default_rng(5)
    for p in (1, 3):
        x = torch.tensor(rng.uniform(-1, 1, (instances, sets, 2 * p)), requires_grad=True)

        def forward(x=x):
            with torch.no_grad():
                return qaoa_energy_torch(diags, x)

        t_f, t_b = interleaved_times([forward, lambda x=x: qaoa_energy_torch(
            diags, x).sum().backward()], repeats)
        lines.append(f"| {p} | {_ms(t_f)} | {_ms(t_b)} | {instances * sets / t_b:10.0f} |")
    return lines


def analytic_large(n: int, repeats: int) -> list[str]:
    from qlstm_optimizer.sim.analytic import analytic_p1_energy

    edges = random_regular_edges(n, 3, seed=11)
    h = DiagonalHamiltonian(n, {(int(i), int(j)): 0.5 for i, j in edges}, -0.5 * len(edges))
    x = np.array([0.3927, -0.6155])  # 3-regular fixed angles, Qiskit signs
    start = time.perf_counter()
    energy = analytic_p1_energy(h, x)
    first = time.perf_counter() - start
    warm = median_time(lambda: analytic_p1_energy(h, x), repeats * 20)
    batch = np.random.default_rng(3).uniform(-1, 1, (100, 2))
    t_batch = median_time(lambda: analytic_p1_energy(h, batch), repeats)
    return ["| n | edges | first call (ms) | cached (ms) | batch of 100 (ms) | cut fraction |",
            "|---|---|---|---|---|---|",
            f"| {n} | {len(edges)} | {_ms(first)} | {_ms(warm)} | {_ms(t_batch)} "
            f"| {-energy / len(edges):.4f} |"]


SECTIONS = ("import", "per-eval", "batched", "memory", "optimizer", "torch", "analytic")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--qokit-lib", help="path of QOKit's C simulator library (.so)")
    parser.add_argument("--max-n", type=int, default=24, help="largest n timed (default 24)")
    parser.add_argument("--aer-max-n", type=int, default=20,
                        help="largest n timed with qiskit-aer (default 20: seconds per call)")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help="comma-separated subset of " + ", ".join(SECTIONS)
                        + " (default all; a full run takes 6-9 minutes)")
    args = parser.parse_args(argv)
    chosen = args.sections.split(",")
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"--sections: unknown {unknown}; choose from {', '.join(SECTIONS)}")
    # every n up to 10 (where the fixed cost per call decides), even n beyond
    sizes = [8, 10] if args.quick else [6, 7, 8, 9, *range(10, args.max_n + 1, 2)]
    budget = 1.0 if args.quick else 6.0
    furx = load_qokit(args.qokit_lib)
    out = [f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)", ""]
    start = time.perf_counter()
    if "import" in chosen:
        out += ["### Import time (fresh interpreters, median of rounds)", ""]
        out += import_times(3 if args.quick else 9) + [""]
    if "per-eval" in chosen:
        out += ["### Time per evaluation, Max-Cut G(n, 1/2)", ""]
        if furx is None:
            out += ["(QOKit's C simulator not found: pip install qokit, or --qokit-lib PATH)",
                    ""]
        out += per_eval(sizes, (1, 3), args.aer_max_n, furx, budget) + [""]
    if "batched" in chosen:
        out += ["### Batched against single calls", ""]
        out += batched([8, 10] if args.quick else [8, 10, 12, 14, 16, 18],
                       16 if args.quick else 64, budget) + [""]
    if "memory" in chosen:
        out += ["### Memory (tracemalloc peaks, p = 3)", ""]
        out += memory([12] if args.quick else [20, 22, min(24, args.max_n)], 3) + [""]
    if "optimizer" in chosen:
        out += ["### The optimizer's own time per evaluation", ""]
        out += optimizer_overhead(budget) + [""]
    if "torch" in chosen:
        out += ["### torch batched energy + gradient", ""]
        out += torch_throughput(6 if args.quick else 10, 64, 8, 3 if args.quick else 5) + [""]
    if "analytic" in chosen:
        out += ["### Closed-form p = 1 (analytic_p1_energy), random 3-regular Max-Cut", ""]
        out += analytic_large(1000, 3 if args.quick else 5) + [""]
    out += [f"total benchmark time {time.perf_counter() - start:.0f} s, load average at end "
            f"{os.getloadavg()[0]:.1f}"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
